/* SPDX-License-Identifier: MIT */
/*
 * The 82093AA I/O APIC: 24 interrupt inputs, each with a redirection entry
 * that turns an input into an APIC message (vector, delivery mode,
 * destination), at 0xfec00000 by default.
 *
 * Inputs are IrqHandler calls, ioapic_set_irq(ioapic, pin, level), with
 * logical levels (asserted = 1): the polarity bit is stored for the guest
 * but not applied, because tandem's IrqLines already carry "asserted", not
 * the electrical level of an active-low PCI INTx wire.
 *
 * Messages leave through the 'deliver' callback (pc-irq.c points it at
 * apic_bus_deliver); EOIs of level-triggered vectors come back through
 * ioapic_eoi(), which the local APICs broadcast, or the version-0x20 EOI
 * register. Runs with the big lock held.
 */
#ifndef TANDEM_HW_INTC_IOAPIC_H
#define TANDEM_HW_INTC_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/intc/apic.h"
#include "softmmu/memory.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_NUM_PINS     24
#define IOAPIC_VERSION      0x20

typedef struct IOApic {
    Device dev;
    uint8_t id;                     /* bits 27:24 of the ID register */
    uint8_t regsel;                 /* IOREGSEL */
    uint64_t redir[IOAPIC_NUM_PINS];
    uint32_t pin_level;             /* bit n: input n asserted */
    /* Where messages go (not saved: wiring, set by the board). */
    void (*deliver)(void *opaque, const ApicMsg *msg);
    void *deliver_opaque;
    MemoryRegion mmio;
} IOApic;

/* Create, map at IOAPIC_DEFAULT_BASE in m->sysmem (m may be NULL) and attach. */
IOApic *ioapic_create(Machine *m, void (*deliver)(void *, const ApicMsg *),
                      void *opaque);
void ioapic_reset(IOApic *s);

/* IrqHandler for the 24 inputs; opaque is the IOApic. */
void ioapic_set_irq(void *opaque, int pin, int level);

/* A local APIC's EOI of a level-triggered vector (ApicBus.eoi signature). */
void ioapic_eoi(void *opaque, uint8_t vector);

#endif

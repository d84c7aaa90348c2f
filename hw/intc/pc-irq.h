/* SPDX-License-Identifier: MIT */
/*
 * The PC's interrupt routing in one place: the 8259 pair, the IOAPIC and a
 * local APIC per vCPU, wired the way PIIX/ICH chipsets wire them.
 *
 *   GSI n (0..23)  -> IOAPIC pin n, and for n < 16 also 8259 input n,
 *                     except ISA IRQ0 (the PIT), which reaches IOAPIC pin 2
 *                     (the override every MADT declares), and IRQ2, the
 *                     cascade, which is internal to the pair.
 *   8259 INT       -> LINT0 of every local APIC (virtual wire, mode A) and
 *                     IOAPIC pin 0 (virtual wire through the IOAPIC, mode B).
 *   nmi            -> LINT1 of every local APIC.
 *
 * So the board gives device n the line &irq->gsi[n] and is done; lines
 * 16..23 are the PCI PIRQs as seen by the IOAPIC. A PCI-to-ISA router that
 * also steers PIRQs to the 8259 raises &irq->pic_in[k], which reaches the
 * 8259 only. Two senders must not share one IrqLine (a line has one
 * level): a shared interrupt is ORed by whoever shares it.
 *
 * pc_irq_create() also sets every vCPU's irq_ack and APIC hooks. Its result
 * is itself a Device attached before the controllers, so it is destroyed
 * after them and outlives everything that points into it.
 */
#ifndef TANDEM_HW_INTC_PC_IRQ_H
#define TANDEM_HW_INTC_PC_IRQ_H

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"

#define PC_IRQ_NR_GSI IOAPIC_NUM_PINS

typedef struct PcIrq {
    Device dev;
    I8259 *pic;
    IOApic *ioapic;
    ApicBus bus;
    Apic *apic[MACHINE_MAX_CPUS];
    IrqLine gsi[PC_IRQ_NR_GSI];     /* give these to devices */
    IrqLine pic_in[16];             /* the 8259 alone (PIRQ steering) */
    IrqLine nmi;                    /* the NMI wire (LINT1) */
    IrqLine pic_int;                /* the 8259's INT output (internal) */
} PcIrq;

/*
 * Create the controllers for m (m->nr_cpus local APICs), map them, attach
 * them for reset and snapshots, and point every vCPU's irq_ack at its APIC.
 * cfg says what the CPU model advertises (x2APIC, TSC deadline, TSC rate);
 * NULL means neither feature and a 1 GHz TSC.
 */
PcIrq *pc_irq_create(Machine *m, const ApicBusConfig *cfg, Error *err);

#endif

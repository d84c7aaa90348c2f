/* SPDX-License-Identifier: MIT */
/*
 * The PC's pair of 8259A programmable interrupt controllers, with the PIIX's
 * edge/level control registers (ELCR).
 *
 * The master answers at 0x20/0x21, the slave at 0xa0/0xa1, and the ELCR at
 * 0x4d0 (master) / 0x4d1 (slave). The slave's INT output is wired to the
 * master's IR2 inside the model, as on every PC; the master's INT output is
 * the IrqLine the board gives to pic_create() (it goes to the local APICs'
 * LINT0 and to IOAPIC pin 0 in hw/intc/pc-irq.c).
 *
 * Inputs are IrqHandler calls: pic_set_irq(pic, n, level) with n in 0..15
 * (8..15 are the slave's IR0..IR7). Levels are logical "asserted" values.
 *
 * The CPU's interrupt acknowledge cycle is pic_ack(): it returns the vector
 * the pair puts on the bus (a spurious IR7 / IR15 vector when the request
 * went away) and never fails. Everything here runs with the big lock held.
 */
#ifndef TANDEM_HW_INTC_I8259_H
#define TANDEM_HW_INTC_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "softmmu/memory.h"

typedef struct Machine Machine;

/* One 8259A. Field names follow the datasheet. */
typedef struct PicChip {
    uint8_t irr;            /* edge-triggered requests latched (level ones follow 'pins') */
    uint8_t isr;
    uint8_t imr;
    uint8_t pins;           /* current input levels, the edge-sense reference */
    uint8_t elcr;           /* 1 = level triggered (ELCR register) */
    uint8_t elcr_mask;      /* which ELCR bits exist on this chip */
    uint8_t vector_base;    /* ICW2 & 0xf8 */
    uint8_t lowest;         /* IR with the lowest priority (rotation) */
    uint8_t icw1, icw3, icw4;
    uint8_t init_step;      /* 0: operational, 2..4: expecting ICW2..ICW4 */
    bool read_isr;          /* OCW3 RIS: port A reads ISR instead of IRR */
    bool poll;              /* OCW3 P: next read is a poll */
    bool special_mask;      /* OCW3 SMM */
    bool rotate_aeoi;       /* OCW2 rotate in automatic EOI mode */
    bool is_master;
    struct I8259 *pic;      /* back pointer for the port callbacks */
} PicChip;

typedef struct I8259 {
    Device dev;
    PicChip chip[2];        /* [0] master, [1] slave */
    IrqLine *int_out;       /* the master's INT pin (not owned) */
    int int_level;          /* last level driven on int_out */
    MemoryRegion io_master, io_slave, io_elcr;
} I8259;

/*
 * Create the pair, map it into m's I/O space (m may be NULL for a detached
 * instance, e.g. in tests) and attach it for reset and snapshots.
 */
I8259 *pic_create(Machine *m, IrqLine *int_out);

/* IrqHandler for the 16 inputs; opaque is the I8259. */
void pic_set_irq(void *opaque, int n, int level);

/* Interrupt acknowledge: the vector for the CPU (always a valid vector). */
int pic_ack(I8259 *pic);

/* Level of the master's INT output: a request is waiting for an INTA. */
bool pic_int_pending(const I8259 *pic);

/* Power-on state (also the Device reset hook's work). */
void pic_reset(I8259 *pic);

#endif

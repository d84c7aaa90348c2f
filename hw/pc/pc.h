/* SPDX-License-Identifier: MIT */
/*
 * The PC board: builds the memory map, creates and wires the built-in
 * devices, and loads the guest (-kernel as multiboot or Linux, -bios).
 */
#ifndef TANDEM_PC_H
#define TANDEM_PC_H

#include "softmmu/machine.h"

/*
 * Called once the Machine's address spaces and vCPU structs exist (their
 * X86CPUState reset) and before the accelerator sees the memory map.
 * Sets each vCPU's entry state and irq_ack. Returns -1 with err on bad
 * configuration or images.
 */
int pc_machine_init(Machine *m, Error *err);

typedef struct IrqLine IrqLine;

/*
 * The interrupt line of GSI n that devices raise: 0..15 are the ISA IRQs
 * (8259 and IOAPIC), 16..23 IOAPIC inputs only. NULL when n is out of range
 * or m has no PC board.
 */
IrqLine *pc_isa_irq(Machine *m, unsigned n);


/* Next free standard COM port (0x3f8/4, 0x2f8/3, 0x3e8/4, 0x2e8/3), taken. */
void pc_serial_default_slot(Machine *m, uint16_t *iobase, int *irq);

/* Where RAM appears in guest-physical space. */
#define PC_LOWMEM_MAX 0xe0000000ull     /* 3.5 GiB: the rest goes above 4 GiB */
#define PC_HIGHMEM_BASE 0x100000000ull

#endif

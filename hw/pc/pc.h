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

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Shared unit-test fixture: an empty Machine as the device tests build it
 * (device list, a "system" memory root and a 64 KiB "io" root, each with
 * its address space), optional RAM at guest-physical 0, the matching
 * teardown, port I/O through the machine's I/O space, and PCI configuration
 * mechanism #1 through ports 0xcf8/0xcfc, and the i440FX + PIIX chipset
 * (unit-machine-pc.c). Linked into every unit test binary next to
 * unit-main.c, from an archive, so a test links only the parts it calls.
 */
#ifndef TANDEM_UNIT_MACHINE_H
#define TANDEM_UNIT_MACHINE_H

#include <stdint.h>

#include "hw/core/irq.h"
#include "softmmu/machine.h"

typedef struct I440FXState I440FXState;
typedef struct PIIXIsaState PIIXIsaState;

/*
 * Zero *m and give it an empty device list, sysmem ("system", the whole
 * 64-bit range) and iomem ("io", 0x10000), with as_mem and as_io on them.
 */
void unit_machine_init(Machine *m);
/*
 * Initialise ram as size bytes of RAM named "ram" and map it at 0 in
 * m->sysmem. 0 on success, -1 (err set when not NULL) on failure. ram is
 * usually &m->ram, which unit_machine_destroy() releases; any other region
 * is the caller's to destroy.
 */
int unit_machine_add_ram(Machine *m, MemoryRegion *ram, uint64_t size, Error *err);
/* devices_destroy(), then m->ram (if used), both address spaces and roots. */
void unit_machine_destroy(Machine *m);

/* Port I/O of 1, 2 or 4 bytes through m->as_io, as IN/OUT would do it. */
uint32_t unit_in(Machine *m, uint16_t port, unsigned size);
void unit_out(Machine *m, uint16_t port, unsigned size, uint32_t val);

/* The 0xcf8 value selecting devfn's dword holding config register reg. */
uint32_t unit_pci_cfg_addr(int devfn, unsigned reg);
/* Config space access as a guest does it: 0xcf8, then 0xcfc + (reg & 3). */
uint32_t unit_pci_cfg_read(Machine *m, int devfn, unsigned reg, unsigned size);
void unit_pci_cfg_write(Machine *m, int devfn, unsigned reg, unsigned size, uint32_t val);

/*
 * On m from unit_machine_init(): the i440FX host bridge (*hb) and the PIIX
 * ISA bridge at 00:01.0 (*isa), whose 16 ISA IRQ outputs are isa_lines[n],
 * each calling handler(opaque, n, level). 0 on success, -1 on failure.
 */
int unit_machine_add_i440fx_piix(Machine *m, IrqLine isa_lines[16],
                                 IrqHandler *handler, void *opaque,
                                 I440FXState **hb, PIIXIsaState **isa);

#endif

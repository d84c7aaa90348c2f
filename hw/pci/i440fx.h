/* SPDX-License-Identifier: MIT */
/*
 * The i440FX host bridge (82441FX PMC, 8086:1237) at 00.0: it owns the PCI
 * bus and its configuration ports, the PCI memory and I/O spaces, and the
 * chipset's view of the legacy area below 1 MiB (PAM shadowing of
 * 0xc0000-0xfffff, the SMRAM/VGA window at 0xa0000).
 *
 * How the board wires it (in this order):
 *
 *   I440FXState *hb = i440fx_create(m, err);        // bus, ports, 00.0
 *   // RAM: m->ram mapped at 0 (priority 0) as today; BIOS image mapped by
 *   // the board at 4 GiB - size (priority 0 in m->sysmem).
 *   i440fx_map_firmware(hb, &m->ram, bios_rom, err); // PAM + ISA BIOS alias
 *   PCIBus *bus = i440fx_bus(hb);                    // for the PIIX and devices
 *
 * The PCI memory space is a container under everything in m->sysmem
 * (priority -1): whatever the board does not claim, PCI does, so the PCI
 * hole is simply the space between RAM and the board's fixed devices. I/O
 * BARs live in a container under the ISA devices of m->iomem (priority -1),
 * so a guest cannot hide a chipset or ISA port behind a BAR.
 */
#ifndef TANDEM_I440FX_H
#define TANDEM_I440FX_H

#include "hw/pci/pci.h"
#include "softmmu/machine.h"

#define I440FX_VENDOR_ID    0x8086
#define I440FX_DEVICE_ID    0x1237

/* 82441FX configuration registers. */
#define I440FX_PAM0         0x59    /* 0xf0000-0xfffff in bits 5:4 */
#define I440FX_PAM_COUNT    7       /* PAM0..PAM6 */
#define I440FX_SMRAM        0x72
#define I440FX_PAM_RE       0x1     /* per nibble: reads go to DRAM */
#define I440FX_PAM_WE       0x2     /* per nibble: writes go to DRAM */
#define I440FX_SMRAM_D_OPEN 0x40
#define I440FX_SMRAM_D_LCK  0x10
#define I440FX_SMRAM_G_SMRAME 0x08
#define I440FX_SMRAM_DEFAULT 0x02   /* C_BASE_SEG = 010: SMRAM at 0xa0000 */

/* 13 PAM segments: 0xf0000 (64 KiB) and twelve 16 KiB ones from 0xc0000. */
#define I440FX_PAM_SEGMENTS 13

typedef struct I440FXState I440FXState;

/* Create the host bridge, its bus and the config ports; attach it to m. */
I440FXState *i440fx_create(Machine *m, Error *err);
PCIBus *i440fx_bus(I440FXState *s);
/* The PCI memory space container (VGA and option ROMs appear through it). */
MemoryRegion *i440fx_pci_memory(I440FXState *s);

/*
 * Give the PAM logic the RAM block (guest-physical address = offset, at
 * least 1 MiB) and the BIOS image (a ROM whose last 128 KiB at most appear
 * below 1 MiB through PCI space, as on a real board). The PAM windows are
 * placed over RAM in m->sysmem at priority 1, so the board must not put
 * anything above priority 0 in 0xa0000-0xfffff. bios may be NULL (no
 * firmware: reads of a "PCI" segment are then unassigned).
 */
int i440fx_map_firmware(I440FXState *s, MemoryRegion *ram, MemoryRegion *bios,
                        Error *err);

/*
 * Set a PAM register as firmware would (direct boot writes tables into
 * 0xe0000-0xfffff RAM and wants it readable there: value 0x33, or 0x30 for
 * PAM0). reg is I440FX_PAM0 + n.
 */
void i440fx_set_pam(I440FXState *s, unsigned reg, uint8_t val);

/* Where the PCI hole is, for the board's ACPI _CRS and e820. */
typedef struct I440FXPciHole {
    uint64_t start32, end32;        /* [start32, end32): below 4 GiB */
    uint64_t start64, end64;        /* [start64, end64): above RAM over 4 GiB */
} I440FXPciHole;

#define I440FX_PCI_HOLE32_END   0xfec00000ull   /* the IOAPIC starts there */
#define I440FX_PCI_HOLE64_SIZE  (32ull << 30)

void i440fx_pci_hole(uint64_t ram_below_4g, uint64_t ram_above_4g, I440FXPciHole *h);

#endif

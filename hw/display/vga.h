/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA adapter (QEMU's "stdvga", PCI 1234:1111): an IBM VGA
 * register set with the Bochs VBE ("DISPI") extension on a PCI card.
 *
 * What the guest sees:
 *   - I/O ports 0x3b0-0x3df (VGA) and 0x1ce/0x1cf (+0x1d0) (VBE index/data);
 *   - memory 0xa0000-0xbffff in PCI memory space: the legacy window, decoded
 *     by the graphics controller (planar, odd/even, chain-4, VBE banks);
 *   - BAR0: the linear framebuffer (all of VRAM, vgamem_mb MiB, prefetchable);
 *   - BAR2: 4 KiB MMIO: 0x400-0x41f mirror ports 0x3c0-0x3df, 0x500-0x515
 *     the DISPI registers (index << 1), 0x600 QEMU's extended registers;
 *   - the expansion ROM: the VGA BIOS (SeaBIOS' vgabios-stdvga.bin), which
 *     SeaBIOS copies to 0xc0000 and runs.
 *
 * What the host sees: vga_refresh() renders the changed part of the screen
 * into a DisplaySurface (ui/console.h), from VRAM as the CRTC would scan it
 * (text from planes 0/1 with the font in plane 2, 16-colour planar, 256
 * colour, or the VBE linear mode). Changed lines are found with the DIRTY_VGA
 * bits of the VRAM RAM block, which both the LFB (direct RAM) and the legacy
 * window (callbacks) set.
 *
 * All calls with the big lock held.
 */
#ifndef TANDEM_VGA_H
#define TANDEM_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/pci.h"
#include "ui/console.h"

#define VGA_PCI_VENDOR_ID   0x1234
#define VGA_PCI_DEVICE_ID   0x1111
#define VGA_PCI_CLASS       0x030000    /* display, VGA compatible */
#define VGA_DEFAULT_BIOS    "/usr/share/seabios/vgabios-stdvga.bin"
#define VGA_VRAM_MB_DEFAULT 16
#define VGA_VRAM_MB_MAX     256

typedef struct VgaState VgaState;

typedef struct VgaOptions {
    unsigned vgamem_mb;     /* VRAM size, a power of two 1..256; 0: 16 */
    /*
     * VGA BIOS image for the expansion ROM. NULL: VGA_DEFAULT_BIOS if it
     * exists (a missing default is a warning, not an error); "": no ROM.
     */
    const char *romfile;
} VgaOptions;

/*
 * Create the adapter on bus at devfn (-1: first free slot), map its legacy
 * window into the bus's memory space (bus->mem) and its ports into
 * m->iomem, attach it to m (reset order) and reset it. opts may be NULL.
 * There can be one per machine: the legacy ports and window are not shared.
 */
VgaState *vga_pci_create(Machine *m, PCIBus *bus, int devfn, const char *id,
                         const VgaOptions *opts, Error *err);

/* The machine's VGA (created by the board or -device VGA), or NULL. */
VgaState *vga_find(Machine *m);

/*
 * Render what changed since the last call into the surface and say which
 * rows those are (and whether the size changed). The frontend calls it at
 * its refresh rate (~60 Hz); it also drives the cursor and text blink.
 */
void vga_refresh(VgaState *s, DisplayUpdate *upd);
const DisplaySurface *vga_surface(VgaState *s);
/* Redraw everything at the next refresh (the frontend lost its copy). */
void vga_invalidate(VgaState *s);

/*
 * The engine maps VRAM into the guest without reporting writes through it
 * (kvm, until it reads KVM_GET_DIRTY_LOG into the RAM block's bitmaps):
 * treat every page as dirty, so LFB and graphics modes redraw every frame.
 */
void vga_set_vram_untracked(VgaState *s, bool untracked);

/* Direct port access (as the guest's IN/OUT), for tests and debugging. */
uint32_t vga_ioport_read(VgaState *s, uint16_t port);
void vga_ioport_write(VgaState *s, uint16_t port, uint32_t val);

extern const DeviceType vga_device_type;     /* -device VGA */

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA through the guest's eyes: its ports (sequencer, graphics
 * controller and CRTC index/data pairs, the attribute flip-flop, the DAC's
 * auto-incrementing 6-bit entries, input status 1), the Bochs VBE registers
 * by port and by the MMIO BAR, the PCI BARs (sizing, mapping the LFB), the
 * legacy window's plane logic (map mask, write modes, set/reset, latches,
 * read modes, chain-4, odd/even), and rendering: a text screen with a font
 * loaded into plane 2 the way the VGA BIOS does, mode 13h, mode 12h and a
 * VBE 32-bpp mode, including which rows a refresh reports as changed. A
 * last test throws random values at every register and window and checks
 * that nothing escapes VRAM or the surface (run it under --enable-asan).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/display/vga-int.h"
#include "hw/pci/i440fx.h"
#include "softmmu/machine.h"

const DeviceType *const device_types[] = { &vga_device_type, NULL };

__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    if (!atomic_exchange(&m->shutdown_requested, true))
        m->exit_status = status;
}

__attribute__((weak)) void machine_request_reset(Machine *m)
{
    atomic_store(&m->reset_requested, true);
}

#define LFB_ADDR  0xe0000000u
#define MMIO_ADDR 0xe1000000u

static Machine mach;
static I440FXState *hb;
static VgaState *vga;

static int suite_init(void)
{
    Error err = { 0 };
    VgaOptions vo = { .vgamem_mb = 16, .romfile = "" };

    memset(&mach, 0, sizeof(mach));
    mach.devices_tail = &mach.devices;
    mr_init_container(&mach.sysmem, "system", UINT64_MAX);
    mr_init_container(&mach.iomem, "io", 0x10000);
    as_init(&mach.as_mem, &mach.sysmem, "memory");
    as_init(&mach.as_io, &mach.iomem, "I/O");
    hb = i440fx_create(&mach, &err);
    if (!hb)
        return 1;
    vga = vga_pci_create(&mach, i440fx_bus(hb), PCI_DEVFN(2, 0), NULL, &vo, &err);
    return vga ? 0 : 1;
}

static int suite_clean(void)
{
    devices_destroy(&mach);
    as_destroy(&mach.as_mem);
    as_destroy(&mach.as_io);
    mr_destroy(&mach.sysmem);
    mr_destroy(&mach.iomem);
    return 0;
}

static uint32_t in(uint16_t port, unsigned size)
{
    return (uint32_t)as_ld(&mach.as_io, port, size, NULL);
}

static void out(uint16_t port, unsigned size, uint32_t val)
{
    as_st(&mach.as_io, port, size, val);
}

static uint8_t memb(uint32_t addr)
{
    return (uint8_t)as_ld(&mach.as_mem, addr, 1, NULL);
}

static void setmem(uint32_t addr, unsigned size, uint64_t val)
{
    as_st(&mach.as_mem, addr, size, val);
}

static void seq(uint8_t i, uint8_t v) { out(0x3c4, 2, (uint32_t)v << 8 | i); }
static void gc(uint8_t i, uint8_t v) { out(0x3ce, 2, (uint32_t)v << 8 | i); }
static void crtc(uint8_t i, uint8_t v) { out(0x3d4, 2, (uint32_t)v << 8 | i); }

static void ar(uint8_t i, uint8_t v)
{
    in(0x3da, 1);               /* flip-flop to "index" */
    out(0x3c0, 1, i);
    out(0x3c0, 1, v);
}

static void vbe(uint16_t i, uint16_t v)
{
    out(0x1ce, 2, i);
    out(0x1cf, 2, v);
}

static uint16_t vbe_get(uint16_t i)
{
    out(0x1ce, 2, i);
    return (uint16_t)in(0x1cf, 2);
}

static void reset_vga(void)
{
    devices_reset(&mach);
}

static void map_bars(void)
{
    PCIDevice *d = &vga->pci;
    pci_config_write(d, PCI_BASE_ADDRESS_0, LFB_ADDR, 4);
    pci_config_write(d, PCI_BASE_ADDRESS_0 + 8, MMIO_ADDR, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
}

static void dac_set(uint8_t idx, uint8_t r, uint8_t g, uint8_t b)
{
    out(0x3c8, 1, idx);
    out(0x3c9, 1, r);
    out(0x3c9, 1, g);
    out(0x3c9, 1, b);
}

static uint32_t pixel(int x, int y)
{
    const DisplaySurface *s = vga_surface(vga);
    CU_ASSERT_FATAL(x >= 0 && y >= 0 && x < s->width && y < s->height);
    return s->pixels[(size_t)y * s->stride + x];
}

/* ---- registers ---------------------------------------------------------- */

static void test_pci_identity(void)
{
    reset_vga();
    CU_ASSERT_EQUAL(pci_config_read(&vga->pci, PCI_VENDOR_ID, 2), 0x1234);
    CU_ASSERT_EQUAL(pci_config_read(&vga->pci, PCI_DEVICE_ID, 2), 0x1111);
    CU_ASSERT_EQUAL(pci_config_read(&vga->pci, PCI_CLASS_DEVICE, 2), 0x0300);
    CU_ASSERT_PTR_EQUAL(vga_find(&mach), vga);
}

static void test_index_data_pairs(void)
{
    reset_vga();
    out(0x3c2, 1, 0x67);                        /* colour: CRTC at 0x3d4 */
    CU_ASSERT_EQUAL(in(0x3cc, 1), 0x67);

    seq(VGA_SEQ_MAP_MASK, 0x0a);
    CU_ASSERT_EQUAL(in(0x3c4, 1), VGA_SEQ_MAP_MASK);
    CU_ASSERT_EQUAL(in(0x3c5, 1), 0x0a);
    seq(VGA_SEQ_MEMMODE, 0x06);
    out(0x3c4, 1, VGA_SEQ_MAP_MASK);
    CU_ASSERT_EQUAL(in(0x3c5, 1), 0x0a);        /* each index its own register */

    gc(VGA_GC_BIT_MASK, 0x5a);
    gc(VGA_GC_MODE, 0x40);
    out(0x3ce, 1, VGA_GC_BIT_MASK);
    CU_ASSERT_EQUAL(in(0x3cf, 1), 0x5a);
    out(0x3ce, 1, VGA_GC_MODE);
    CU_ASSERT_EQUAL(in(0x3cf, 1), 0x40);

    crtc(VGA_CRTC_OFFSET, 0x28);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0x28);
    /* Mono addressing: the colour CRTC ports float, 0x3b4/5 answer. */
    out(0x3c2, 1, 0x66);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0xff);
    out(0x3b4, 1, VGA_CRTC_OFFSET);
    CU_ASSERT_EQUAL(in(0x3b5, 1), 0x28);
    out(0x3c2, 1, 0x67);

    /* CR11 bit 7 write-protects CR00-CR07 (but not CR07's line compare bit). */
    crtc(VGA_CRTC_H_DISP, 0x4f);
    crtc(VGA_CRTC_OVERFLOW, 0x00);
    crtc(VGA_CRTC_V_SYNC_END, 0x80);
    crtc(VGA_CRTC_H_DISP, 0x27);
    crtc(VGA_CRTC_OVERFLOW, 0xff);
    out(0x3d4, 1, VGA_CRTC_H_DISP);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0x4f);
    out(0x3d4, 1, VGA_CRTC_OVERFLOW);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0x10);
    crtc(VGA_CRTC_V_SYNC_END, 0x00);
    crtc(VGA_CRTC_H_DISP, 0x27);
    out(0x3d4, 1, VGA_CRTC_H_DISP);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0x27);
}

static void test_attribute_flip_flop(void)
{
    reset_vga();
    out(0x3c2, 1, 0x67);
    in(0x3da, 1);
    out(0x3c0, 1, 0x05);                        /* index 5 */
    out(0x3c0, 1, 0x2a);                        /* data */
    CU_ASSERT_EQUAL(in(0x3c0, 1), 0x05);
    CU_ASSERT_EQUAL(in(0x3c1, 1), 0x2a);

    /* Leave the flip-flop at "data", then reset it by reading status 1. */
    out(0x3c0, 1, 0x06);
    in(0x3da, 1);
    out(0x3c0, 1, 0x07);                        /* an index again, not data */
    out(0x3c0, 1, 0x11);
    CU_ASSERT_EQUAL(in(0x3c0, 1), 0x07);
    CU_ASSERT_EQUAL(in(0x3c1, 1), 0x11);
    out(0x3c0, 1, 0x06);
    CU_ASSERT_EQUAL(in(0x3c1, 1), 0x00);        /* register 6 never written */

    /* A read of the mono status port does nothing while in colour mode. */
    out(0x3c0, 1, 0x33);                        /* data for index 6 */
    out(0x3c0, 1, 0x08);                        /* index 8; flip-flop at data */
    in(0x3ba, 1);
    out(0x3c0, 1, 0x09);                        /* still data: ar[8] = 9 */
    CU_ASSERT_EQUAL(in(0x3c0, 1) & 0x1f, 0x08);
    CU_ASSERT_EQUAL(in(0x3c1, 1), 0x09);
}

static void test_dac(void)
{
    reset_vga();
    out(0x3c8, 1, 5);
    out(0x3c9, 1, 0x3f);
    out(0x3c9, 1, 0x40);                        /* 6-bit: 0x40 -> 0 */
    out(0x3c9, 1, 0xe1);                        /* -> 0x21 */
    out(0x3c9, 1, 0x01);                        /* entry 6 */
    out(0x3c9, 1, 0x02);
    out(0x3c9, 1, 0x03);
    CU_ASSERT_EQUAL(in(0x3c8, 1), 7);
    CU_ASSERT_EQUAL(in(0x3c7, 1) & 3, 0);       /* write mode */

    out(0x3c7, 1, 5);
    CU_ASSERT_EQUAL(in(0x3c7, 1) & 3, 3);       /* read mode */
    CU_ASSERT_EQUAL(in(0x3c9, 1), 0x3f);
    CU_ASSERT_EQUAL(in(0x3c9, 1), 0x00);
    CU_ASSERT_EQUAL(in(0x3c9, 1), 0x21);
    CU_ASSERT_EQUAL(in(0x3c9, 1), 0x01);        /* auto-increment to entry 6 */
    CU_ASSERT_EQUAL(in(0x3c9, 1), 0x02);
    CU_ASSERT_EQUAL(in(0x3c9, 1), 0x03);

    /* The write index wraps from 255 to 0. */
    dac_set(255, 1, 2, 3);
    CU_ASSERT_EQUAL(in(0x3c8, 1), 0);
}

static void test_input_status_toggles(void)
{
    reset_vga();
    out(0x3c2, 1, 0x67);
    uint8_t a = (uint8_t)in(0x3da, 1), b = (uint8_t)in(0x3da, 1);
    CU_ASSERT_NOT_EQUAL(a & VGA_ST01_VRETRACE, b & VGA_ST01_VRETRACE);
    CU_ASSERT_NOT_EQUAL(a & VGA_ST01_DISP, b & VGA_ST01_DISP);
    /* A guest waiting for retrace to start and then end gets both. */
    int n = 0;
    while (!(in(0x3da, 1) & VGA_ST01_VRETRACE) && n < 4)
        n++;
    while ((in(0x3da, 1) & VGA_ST01_VRETRACE) && n < 8)
        n++;
    CU_ASSERT(n < 4);
}

/* ---- VBE ---------------------------------------------------------------- */

static void test_vbe_id_and_mode(void)
{
    reset_vga();
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
    vbe(VBE_DISPI_INDEX_ID, 0xb0c2);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_ID), 0xb0c2);
    vbe(VBE_DISPI_INDEX_ID, 0x1234);            /* not an ID: ignored */
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_ID), 0xb0c2);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_VIDEO_MEM_64K), 16 * 16);

    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_XRES), VBE_DISPI_MAX_XRES);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_BPP), 32);
    vbe(VBE_DISPI_INDEX_ENABLE, 0);

    vbe(VBE_DISPI_INDEX_XRES, 1024);
    vbe(VBE_DISPI_INDEX_YRES, 768);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_ENABLE),
                    VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_XRES), 1024);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_YRES), 768);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_BPP), 32);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_VIRT_WIDTH), 1024);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_VIRT_HEIGHT), (16u << 20) / 4096);
    CU_ASSERT(vbe_enabled(vga));

    /* Without a wider virtual screen there is no room to pan sideways. */
    vbe(VBE_DISPI_INDEX_X_OFFSET, 8);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_X_OFFSET), 0);
    /* Panning: the visible frame starts at y_offset lines + x_offset pixels. */
    vbe(VBE_DISPI_INDEX_VIRT_WIDTH, 1280);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_VIRT_HEIGHT), (16u << 20) / 5120);
    vbe(VBE_DISPI_INDEX_Y_OFFSET, 10);
    vbe(VBE_DISPI_INDEX_X_OFFSET, 8);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_Y_OFFSET), 10);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_X_OFFSET), 8);
    CU_ASSERT_EQUAL(vga->vbe_start, 10 * 5120 + 8 * 4);
    /* Offsets past the virtual screen are clamped so the frame fits. */
    vbe(VBE_DISPI_INDEX_Y_OFFSET, 0xffff);
    vbe(VBE_DISPI_INDEX_X_OFFSET, 0xffff);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_Y_OFFSET), (16u << 20) / 5120 - 768);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_X_OFFSET), 1280 - 1024);
    CU_ASSERT(vga->vbe_start + 767ull * vga->vbe_line_offset + 1024 * 4 <= vga->vram_size);

    /* Resolution changes are refused while enabled. */
    vbe(VBE_DISPI_INDEX_XRES, 640);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_XRES), 1024);
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
    CU_ASSERT(!vbe_enabled(vga));

    /* The same registers through BAR2 at 0x500 + 2 * index. */
    map_bars();
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, MMIO_ADDR + 0x500, 2, NULL), 0xb0c2);
    as_st(&mach.as_mem, MMIO_ADDR + 0x500 + 2 * VBE_DISPI_INDEX_XRES, 2, 800);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_XRES), 800);
    /* VGA ports at 0x400: a word is index then data. */
    as_st(&mach.as_mem, MMIO_ADDR + 0x400 + 4, 2, 0x0c02);     /* SR02 = 0x0c */
    out(0x3c4, 1, 2);
    CU_ASSERT_EQUAL(in(0x3c5, 1), 0x0c);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, MMIO_ADDR + 0x604, 4, NULL), 0x1e1e1e1eu);
}

static void test_lfb_bar(void)
{
    reset_vga();
    PCIDevice *d = &vga->pci;
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    CU_ASSERT_EQUAL(pci_config_read(d, PCI_BASE_ADDRESS_0, 4),
                    ~((16u << 20) - 1) | PCI_BAR_PREFETCH);
    pci_config_write(d, PCI_BASE_ADDRESS_0 + 8, 0xffffffff, 4);
    CU_ASSERT_EQUAL(pci_config_read(d, PCI_BASE_ADDRESS_0 + 8, 4), 0xfffff000u);
    pci_config_write(d, PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
    CU_ASSERT_EQUAL(pci_config_read(d, PCI_BASE_ADDRESS_0 + 4, 4), 0);  /* BAR1 absent */

    /* Before memory decode is enabled the LFB is not there. */
    pci_config_write(d, PCI_BASE_ADDRESS_0, LFB_ADDR, 4);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, LFB_ADDR, 4, NULL), 0xffffffffu);
    map_bars();
    CU_ASSERT_EQUAL(pci_bar_address(d, 0), LFB_ADDR);
    as_st(&mach.as_mem, LFB_ADDR + 0x123458, 4, 0xcafef00d);
    CU_ASSERT_EQUAL(*(uint32_t *)(vga->vram_ptr + 0x123458), 0xcafef00du);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, LFB_ADDR + (16u << 20) - 4, 4, NULL), 0);
    /* The guest moves it. */
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xd0000000, 4);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xd0123458, 4, NULL), 0xcafef00du);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, LFB_ADDR + 0x123458, 4, NULL), 0xffffffffu);
    memset(vga->vram_ptr + 0x123458, 0, 4);
}

/* ---- the legacy window -------------------------------------------------- */

/* Planar graphics (mode 12h-like): sequential addressing, A0000/64K. */
static void setup_planar_access(void)
{
    seq(VGA_SEQ_MEMMODE, 0x06);
    gc(VGA_GC_MISC, 0x05);
    gc(VGA_GC_MODE, 0x00);
    gc(VGA_GC_BIT_MASK, 0xff);
    gc(VGA_GC_SR_ENABLE, 0x00);
    gc(VGA_GC_ROTATE, 0x00);
}

static void test_planar_write_mode0(void)
{
    reset_vga();
    memset(vga->vram_ptr, 0, VGA_LEGACY_VRAM);
    setup_planar_access();

    seq(VGA_SEQ_MAP_MASK, 0x05);                /* planes 0 and 2 */
    setmem(0xa0010, 1, 0xa5);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x10), 0xa5);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 1, 0x10), 0x00);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 2, 0x10), 0xa5);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 3, 0x10), 0x00);

    /* Read map select picks the plane a read returns. */
    gc(VGA_GC_READ_MAP, 2);
    CU_ASSERT_EQUAL(memb(0xa0010), 0xa5);
    gc(VGA_GC_READ_MAP, 1);
    CU_ASSERT_EQUAL(memb(0xa0010), 0x00);

    /* Set/reset: planes 0,1 all ones, 2,3 all zeros, whatever the CPU writes. */
    seq(VGA_SEQ_MAP_MASK, 0x0f);
    gc(VGA_GC_SR_ENABLE, 0x0f);
    gc(VGA_GC_SR_VALUE, 0x03);
    setmem(0xa0020, 1, 0x00);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x20), 0xff);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 1, 0x20), 0xff);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 2, 0x20), 0x00);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 3, 0x20), 0x00);
    gc(VGA_GC_SR_ENABLE, 0x00);

    /* Bit mask: unmasked bits come from the latches a read loaded. */
    memb(0xa0020);                              /* latches: ff ff 00 00 */
    gc(VGA_GC_BIT_MASK, 0x0f);
    setmem(0xa0020, 1, 0x00);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x20), 0xf0);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 2, 0x20), 0x00);
    gc(VGA_GC_BIT_MASK, 0xff);

    /* Rotate and XOR with the latches. */
    memb(0xa0020);
    gc(VGA_GC_ROTATE, 0x18 | 4);                /* XOR, rotate right 4 */
    setmem(0xa0020, 1, 0x0f);                   /* rotated: 0xf0 */
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x20), 0x00);     /* f0 ^ f0 */
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 2, 0x20), 0xf0);     /* 00 ^ f0 */
    gc(VGA_GC_ROTATE, 0);

    /* Write mode 1 copies latches; write mode 2 expands a colour. */
    memb(0xa0010);                              /* a5 00 a5 00 */
    gc(VGA_GC_MODE, 0x01);
    setmem(0xa0030, 1, 0x77);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x30), 0xa5);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 1, 0x30), 0x00);
    gc(VGA_GC_MODE, 0x02);
    gc(VGA_GC_BIT_MASK, 0x80);
    memb(0xa0040);
    setmem(0xa0040, 1, 0x09);                   /* colour 9: planes 0 and 3 */
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x40), 0x80);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 1, 0x40), 0x00);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 3, 0x40), 0x80);

    /* Read mode 1: colour compare of all four planes. */
    gc(VGA_GC_MODE, 0x08);
    gc(VGA_GC_COMPARE, 0x09);
    gc(VGA_GC_DONT_CARE, 0x0f);
    CU_ASSERT_EQUAL(memb(0xa0040), 0x80);
    gc(VGA_GC_DONT_CARE, 0x00);                 /* nothing compared: all match */
    CU_ASSERT_EQUAL(memb(0xa0040), 0xff);
    gc(VGA_GC_MODE, 0x00);
    gc(VGA_GC_BIT_MASK, 0xff);

    /* Outside the mapped aperture (A0000/64K): floats, writes vanish. */
    CU_ASSERT_EQUAL(memb(0xb8000), 0xff);
    setmem(0xb8000, 1, 0x12);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x8000), 0x00);
}

static void test_chain4_and_odd_even(void)
{
    reset_vga();
    memset(vga->vram_ptr, 0, VGA_LEGACY_VRAM);
    /* Mode 13h addressing: chain-4, plane = A1:A0, offset A & ~3. */
    seq(VGA_SEQ_MEMMODE, 0x0e);
    seq(VGA_SEQ_MAP_MASK, 0x0f);
    gc(VGA_GC_MISC, 0x05);
    gc(VGA_GC_MODE, 0x40);
    gc(VGA_GC_BIT_MASK, 0xff);
    setmem(0xa0005, 1, 0x42);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 1, 4), 0x42);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 4), 0x00);
    CU_ASSERT_EQUAL(memb(0xa0005), 0x42);
    CU_ASSERT_EQUAL(memb(0xa0004), 0x00);

    /* Text addressing: odd/even, B8000/32K; even bytes plane 0, odd plane 1. */
    seq(VGA_SEQ_MEMMODE, 0x02);
    seq(VGA_SEQ_MAP_MASK, 0x03);
    gc(VGA_GC_MISC, 0x0e);
    gc(VGA_GC_MODE, 0x10);
    setmem(0xb8010, 2, 0x1f41);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x10), 0x41);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 1, 0x10), 0x1f);
    CU_ASSERT_EQUAL(vga_plane_byte(vga, 0, 0x11), 0x00);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xb8010, 2, NULL), 0x1f41);
    CU_ASSERT_EQUAL(memb(0xa0000), 0xff);       /* A0000 not decoded */
}

/* ---- rendering ---------------------------------------------------------- */

static const uint8_t glyph_a[16] = {
    0x00, 0x00, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe,
    0xc6, 0xc6, 0xc6, 0xc6, 0x00, 0x00, 0x00, 0x00,
};

/* What the VGA BIOS does for mode 3, reduced to what the display uses. */
static void setup_text_mode(void)
{
    static const uint8_t ar_pal[16] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
        0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    };
    out(0x3c2, 1, 0x67);
    seq(VGA_SEQ_CLOCK, 0x00);
    crtc(VGA_CRTC_V_SYNC_END, 0x00);
    crtc(VGA_CRTC_H_DISP, 0x4f);
    crtc(VGA_CRTC_OVERFLOW, 0x1f);
    crtc(VGA_CRTC_MAX_SCAN, 0x4f);
    crtc(VGA_CRTC_CUR_START, 0x0d);
    crtc(VGA_CRTC_CUR_END, 0x0e);
    crtc(VGA_CRTC_START_HI, 0);
    crtc(VGA_CRTC_START_LO, 0);
    crtc(VGA_CRTC_CUR_HI, 0);
    crtc(VGA_CRTC_CUR_LO, 0);
    crtc(VGA_CRTC_V_DISP_END, 0x8f);
    crtc(VGA_CRTC_OFFSET, 0x28);
    crtc(VGA_CRTC_UNDERLINE, 0x1f);
    crtc(VGA_CRTC_MODE, 0xa3);
    for (unsigned i = 0; i < 16; i++)
        ar((uint8_t)i, ar_pal[i]);
    ar(VGA_AR_MODE, 0x0c);
    ar(VGA_AR_PLANE_ENABLE, 0x0f);
    ar(VGA_AR_COLOR_SELECT, 0x00);
    out(0x3c0, 1, VGA_AR_INDEX_PAS);            /* video on */
    out(0x3c6, 1, 0xff);
    dac_set(0x00, 0, 0, 0);
    dac_set(0x01, 0, 0, 0x2a);                  /* blue */
    dac_set(0x3e, 0x3f, 0x3f, 0x15);            /* yellow */
    dac_set(0x07, 0x2a, 0x2a, 0x2a);

    /* Load the font the BIOS way: plane 2 only, sequential, A0000. */
    seq(VGA_SEQ_MAP_MASK, 0x04);
    seq(VGA_SEQ_MEMMODE, 0x07);
    gc(VGA_GC_READ_MAP, 0x02);
    gc(VGA_GC_MODE, 0x00);
    gc(VGA_GC_MISC, 0x04);
    gc(VGA_GC_BIT_MASK, 0xff);
    gc(VGA_GC_SR_ENABLE, 0x00);
    gc(VGA_GC_ROTATE, 0x00);
    for (unsigned c = 0; c < 256; c++)
        for (unsigned l = 0; l < 32; l++)
            setmem(0xa0000 + c * 32 + l, 1, c == 'A' && l < 16 ? glyph_a[l] : 0);
    /* Back to text addressing. */
    seq(VGA_SEQ_MAP_MASK, 0x03);
    seq(VGA_SEQ_MEMMODE, 0x02);
    seq(VGA_SEQ_CHARMAP, 0x00);
    gc(VGA_GC_READ_MAP, 0x00);
    gc(VGA_GC_MODE, 0x10);
    gc(VGA_GC_MISC, 0x0e);
    for (unsigned i = 0; i < 80 * 25; i++)
        setmem(0xb8000 + 2 * i, 2, 0x0720);     /* blank, grey on black */
}

static void test_render_text(void)
{
    DisplayUpdate u;
    const uint32_t blue = display_rgb(0, 0, 0xaa), yellow = display_rgb(0xff, 0xff, 0x55);

    reset_vga();
    setup_text_mode();
    setmem(0xb8000, 2, 0x1e41);                 /* 'A', yellow on blue */
    setmem(0xb8000 + 2 * (80 * 3 + 5), 2, 0x1e41);
    vga_refresh(vga, &u);
    CU_ASSERT(u.resized);
    CU_ASSERT_EQUAL(vga_surface(vga)->width, 720);
    CU_ASSERT_EQUAL(vga_surface(vga)->height, 400);
    CU_ASSERT_EQUAL(u.y0, 0);
    CU_ASSERT_EQUAL(u.y1, 400);

    /* Glyph row 2 is 0x10: only dot 3 lit. */
    CU_ASSERT_EQUAL(pixel(3, 2), yellow);
    CU_ASSERT_EQUAL(pixel(2, 2), blue);
    CU_ASSERT_EQUAL(pixel(4, 2), blue);
    /* Row 7 is 0xfe: dots 0-6 lit, 7 off, and the 9th column is background. */
    CU_ASSERT_EQUAL(pixel(0, 7), yellow);
    CU_ASSERT_EQUAL(pixel(6, 7), yellow);
    CU_ASSERT_EQUAL(pixel(7, 7), blue);
    CU_ASSERT_EQUAL(pixel(8, 7), blue);
    /* The cursor (lines 13-14 of cell 0) in the foreground colour. */
    CU_ASSERT_EQUAL(pixel(0, 13), yellow);
    CU_ASSERT_EQUAL(pixel(5, 14), yellow);
    CU_ASSERT_EQUAL(pixel(5, 12), blue);
    /* The second 'A' at row 3, column 5. */
    CU_ASSERT_EQUAL(pixel(5 * 9 + 3, 3 * 16 + 2), yellow);
    CU_ASSERT_EQUAL(pixel(5 * 9 + 2, 3 * 16 + 2), blue);
    /* A blank cell: black background. */
    CU_ASSERT_EQUAL(pixel(9 + 3, 2), 0);

    /* Nothing changed: nothing to upload. */
    vga_refresh(vga, &u);
    CU_ASSERT(!u.resized);
    CU_ASSERT_EQUAL(u.y0, u.y1);

    /* One character on row 10: only that text row is reported. */
    setmem(0xb8000 + 2 * (80 * 10 + 79), 2, 0x1e41);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(u.y0, 160);
    CU_ASSERT_EQUAL(u.y1, 176);
    CU_ASSERT_EQUAL(pixel(79 * 9 + 3, 162), yellow);

    /* A font change redraws every cell that uses it. */
    seq(VGA_SEQ_MAP_MASK, 0x04);
    seq(VGA_SEQ_MEMMODE, 0x07);
    gc(VGA_GC_MODE, 0x00);
    gc(VGA_GC_MISC, 0x04);
    setmem(0xa0000 + 'A' * 32 + 2, 1, 0x80);
    seq(VGA_SEQ_MAP_MASK, 0x03);
    seq(VGA_SEQ_MEMMODE, 0x02);
    gc(VGA_GC_MODE, 0x10);
    gc(VGA_GC_MISC, 0x0e);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(0, 2), yellow);
    CU_ASSERT_EQUAL(pixel(3, 2), blue);
    CU_ASSERT_EQUAL(pixel(79 * 9, 162), yellow);

    /* The start address scrolls: row 3 moves to the top. */
    crtc(VGA_CRTC_START_LO, 80 * 3);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(5 * 9, 2), yellow);

    /* Video off (attribute index without PAS): black. */
    in(0x3da, 1);
    out(0x3c0, 1, 0x00);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(5 * 9, 2), 0);
}

static void test_render_mode13h(void)
{
    DisplayUpdate u;
    reset_vga();
    out(0x3c2, 1, 0x63);
    seq(VGA_SEQ_CLOCK, 0x01);
    seq(VGA_SEQ_MAP_MASK, 0x0f);
    seq(VGA_SEQ_MEMMODE, 0x0e);
    gc(VGA_GC_MODE, 0x40);
    gc(VGA_GC_MISC, 0x05);
    gc(VGA_GC_BIT_MASK, 0xff);
    crtc(VGA_CRTC_H_DISP, 0x4f);
    crtc(VGA_CRTC_OVERFLOW, 0x1f);
    crtc(VGA_CRTC_MAX_SCAN, 0x41);
    crtc(VGA_CRTC_V_DISP_END, 0x8f);
    crtc(VGA_CRTC_OFFSET, 0x28);
    crtc(VGA_CRTC_UNDERLINE, 0x40);
    crtc(VGA_CRTC_MODE, 0xa3);
    crtc(VGA_CRTC_START_HI, 0);
    crtc(VGA_CRTC_START_LO, 0);
    ar(VGA_AR_MODE, 0x41);
    out(0x3c0, 1, VGA_AR_INDEX_PAS);
    dac_set(0x80, 0x3f, 0, 0);
    dac_set(0x81, 0, 0x3f, 0);
    for (uint32_t a = 0; a < 64000; a += 4)
        setmem(0xa0000 + a, 4, 0);
    setmem(0xa0000 + 320 * 1 + 3, 1, 0x80);
    setmem(0xa0000 + 320 * 199 + 319, 1, 0x81);

    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(vga_surface(vga)->width, 320);
    CU_ASSERT_EQUAL(vga_surface(vga)->height, 200);
    CU_ASSERT_EQUAL(pixel(3, 1), display_rgb(0xff, 0, 0));
    CU_ASSERT_EQUAL(pixel(2, 1), 0);
    CU_ASSERT_EQUAL(pixel(3, 0), 0);
    CU_ASSERT_EQUAL(pixel(319, 199), display_rgb(0, 0xff, 0));

    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(u.y0, u.y1);
    setmem(0xa0000 + 320 * 100 + 7, 1, 0x81);
    vga_refresh(vga, &u);
    CU_ASSERT(u.y0 <= 100 && u.y1 > 100);
    CU_ASSERT(u.y1 - u.y0 < 200);               /* not a full redraw */
    CU_ASSERT_EQUAL(pixel(7, 100), display_rgb(0, 0xff, 0));

    /* A palette change is a full redraw with the new colour. */
    dac_set(0x80, 0, 0, 0x3f);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(u.y0, 0);
    CU_ASSERT_EQUAL(u.y1, 200);
    CU_ASSERT_EQUAL(pixel(3, 1), display_rgb(0, 0, 0xff));
}

static void test_render_mode12h(void)
{
    DisplayUpdate u;
    reset_vga();
    out(0x3c2, 1, 0xe3);
    seq(VGA_SEQ_CLOCK, 0x01);
    crtc(VGA_CRTC_H_DISP, 0x4f);
    crtc(VGA_CRTC_OVERFLOW, 0x3e);              /* VDE bits 8 and 9: 0x1df */
    crtc(VGA_CRTC_MAX_SCAN, 0x40);
    crtc(VGA_CRTC_V_DISP_END, 0xdf);
    crtc(VGA_CRTC_OFFSET, 0x28);
    crtc(VGA_CRTC_UNDERLINE, 0x00);
    crtc(VGA_CRTC_MODE, 0xe3);
    for (unsigned i = 0; i < 16; i++)
        ar((uint8_t)i, (uint8_t)i);
    ar(VGA_AR_MODE, 0x01);
    ar(VGA_AR_PLANE_ENABLE, 0x0f);
    out(0x3c0, 1, VGA_AR_INDEX_PAS);
    dac_set(0x0c, 0x3f, 0x00, 0x3f);
    setup_planar_access();
    seq(VGA_SEQ_MAP_MASK, 0x0f);
    for (uint32_t a = 0; a < 80 * 480; a++)
        setmem(0xa0000 + a, 1, 0);

    /* Pixel (9, 2) in colour 12 with write mode 2 and a one-bit mask. */
    gc(VGA_GC_MODE, 0x02);
    gc(VGA_GC_BIT_MASK, 0x80 >> (9 % 8));
    memb(0xa0000 + 2 * 80 + 9 / 8);
    setmem(0xa0000 + 2 * 80 + 9 / 8, 1, 0x0c);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(vga_surface(vga)->width, 640);
    CU_ASSERT_EQUAL(vga_surface(vga)->height, 480);
    CU_ASSERT_EQUAL(pixel(9, 2), display_rgb(0xff, 0, 0xff));
    CU_ASSERT_EQUAL(pixel(8, 2), 0);
    CU_ASSERT_EQUAL(pixel(10, 2), 0);

    /* The colour plane enable register masks planes out of the index. */
    ar(VGA_AR_PLANE_ENABLE, 0x03);
    out(0x3c0, 1, VGA_AR_INDEX_PAS);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(9, 2), 0);
}

static void test_render_vbe32(void)
{
    DisplayUpdate u;
    reset_vga();
    map_bars();
    vbe(VBE_DISPI_INDEX_XRES, 64);
    vbe(VBE_DISPI_INDEX_YRES, 32);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    for (uint32_t y = 0; y < 32; y++)
        for (uint32_t x = 0; x < 64; x++)
            setmem(LFB_ADDR + (y * 64 + x) * 4, 4, (x * 4) << 16 | (y * 8) << 8 | 0x33);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(vga_surface(vga)->width, 64);
    CU_ASSERT_EQUAL(vga_surface(vga)->height, 32);
    CU_ASSERT(u.resized);
    int bad = 0;
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 64; x++)
            bad += pixel(x, y) != display_rgb((uint8_t)(x * 4), (uint8_t)(y * 8), 0x33);
    CU_ASSERT_EQUAL(bad, 0);

    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(u.y0, u.y1);
    /* Line 5 changes: the refresh reports the page's lines, not the frame. */
    setmem(LFB_ADDR + (5 * 64 + 10) * 4, 4, 0x00ff0000);
    vga_refresh(vga, &u);
    CU_ASSERT(u.y0 <= 5 && u.y1 > 5);
    CU_ASSERT(u.y1 - u.y0 <= 16);               /* one 4 KiB page = 16 lines */
    CU_ASSERT_EQUAL(pixel(10, 5), display_rgb(0xff, 0, 0));

    /* kvm writes VRAM behind the memory API's back: no dirty bit, no redraw... */
    *(uint32_t *)(vga->vram_ptr + (20 * 64 + 2) * 4) = 0x000000ff;
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(u.y0, u.y1);
    CU_ASSERT_NOT_EQUAL(pixel(2, 20), display_rgb(0, 0, 0xff));
    /* ...unless the board said so: then every line is redrawn. */
    vga_set_vram_untracked(vga, true);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(u.y0, 0);
    CU_ASSERT_EQUAL(u.y1, 32);
    CU_ASSERT_EQUAL(pixel(2, 20), display_rgb(0, 0, 0xff));
    vga_set_vram_untracked(vga, false);

    /* The banked window at A0000 shows the same memory. */
    vbe(VBE_DISPI_INDEX_BANK, 0);
    setmem(0xa0000 + (7 * 64 + 1) * 4, 4, 0x0000ff00);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(1, 7), display_rgb(0, 0xff, 0));

    /* Panning by y_offset moves the picture up. */
    vbe(VBE_DISPI_INDEX_Y_OFFSET, 5);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(10, 0), display_rgb(0xff, 0, 0));

    /* 16 bpp: RGB565. */
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
    vbe(VBE_DISPI_INDEX_BPP, 16);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    setmem(LFB_ADDR + 2 * 3, 2, 0xf800);
    vga_refresh(vga, &u);
    CU_ASSERT_EQUAL(pixel(3, 0), display_rgb(0xff, 0, 0));
    CU_ASSERT_EQUAL(pixel(2, 0), 0);            /* enable cleared VRAM */
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
}

/* ---- a hostile guest ---------------------------------------------------- */

static void test_guest_garbage(void)
{
    DisplayUpdate u;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    reset_vga();
    map_bars();
    for (int round = 0; round < 4000; round++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        uint16_t v = (uint16_t)(seed >> 16);
        switch (seed % 7) {
        case 0:
            out((uint16_t)(0x3b0 + (seed >> 40) % 0x30), 1, v & 0xff);
            break;
        case 1:
            vbe((uint16_t)((seed >> 40) % 16), v);
            break;
        case 2:
            setmem(0xa0000 + (uint32_t)((seed >> 40) % 0x20000), 1, v);
            break;
        case 3:
            memb(0xa0000 + (uint32_t)((seed >> 40) % 0x20000));
            break;
        case 4:
            as_st(&mach.as_mem, MMIO_ADDR + (seed >> 40) % 0x1000, 2, v);
            break;
        case 5:
            /* Big resolutions, start addresses and strides. */
            crtc((uint8_t)((seed >> 40) % 0x20), (uint8_t)v);
            break;
        default:
            vga_refresh(vga, &u);
            break;
        }
        if (round % 97 == 0) {
            /* Force text, graphics and VBE paths now and then. */
            out(0x3c0, 1, VGA_AR_INDEX_PAS);
            vga_refresh(vga, &u);
        }
    }
    vga_refresh(vga, &u);
    const DisplaySurface *s = vga_surface(vga);
    CU_ASSERT(s->width <= VGA_MAX_WIDTH && s->height <= VGA_MAX_HEIGHT);
    CU_ASSERT(u.y0 >= 0 && u.y1 <= s->height && u.y0 <= u.y1);
    if (vbe_enabled(vga)) {
        const uint16_t *r = vga->vbe_regs;
        uint64_t end = vga->vbe_start + (uint64_t)(r[VBE_DISPI_INDEX_YRES] - 1) *
                       vga->vbe_line_offset +
                       (uint64_t)r[VBE_DISPI_INDEX_XRES] * ((r[VBE_DISPI_INDEX_BPP] + 7) / 8);
        CU_ASSERT(end <= vga->vram_size);
    }
    /* Then a huge VBE mode: clamped to what VRAM holds. */
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
    vbe(VBE_DISPI_INDEX_XRES, 0xffff);
    vbe(VBE_DISPI_INDEX_YRES, 0xffff);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_NOCLEARMEM);
    CU_ASSERT(vbe_get(VBE_DISPI_INDEX_XRES) <= VBE_DISPI_MAX_XRES);
    CU_ASSERT((uint64_t)vbe_get(VBE_DISPI_INDEX_XRES) * vbe_get(VBE_DISPI_INDEX_YRES) * 4 <=
              vga->vram_size);
    vga_refresh(vga, &u);
    CU_ASSERT(vga_surface(vga)->width == vbe_get(VBE_DISPI_INDEX_XRES));
    /* A bank past VRAM is refused. */
    vbe(VBE_DISPI_INDEX_BANK, 0x200);
    CU_ASSERT(vbe_get(VBE_DISPI_INDEX_BANK) < 0x100);
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
}

static void test_snapshot(void)
{
    ByteStream bs;
    Error err = { 0 };
    reset_vga();
    setup_text_mode();
    vbe(VBE_DISPI_INDEX_XRES, 800);
    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, vga->pci.dev.state, vga, &err), 0);
    reset_vga();
    out(0x3d4, 1, VGA_CRTC_OFFSET);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0xff);        /* mono after reset: floats */
    CU_ASSERT_EQUAL(state_load(&bs, vga->pci.dev.state, vga, &err), 0);
    out(0x3d4, 1, VGA_CRTC_OFFSET);
    CU_ASSERT_EQUAL(in(0x3d5, 1), 0x28);
    CU_ASSERT_EQUAL(vbe_get(VBE_DISPI_INDEX_XRES), 800);
    bs_free(&bs);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "pci identity", test_pci_identity },
        { "index/data pairs", test_index_data_pairs },
        { "attribute flip-flop", test_attribute_flip_flop },
        { "DAC", test_dac },
        { "input status toggles", test_input_status_toggles },
        { "VBE id and mode set", test_vbe_id_and_mode },
        { "LFB BAR", test_lfb_bar },
        { "planar write modes", test_planar_write_mode0 },
        { "chain-4 and odd/even", test_chain4_and_odd_even },
        { "render text", test_render_text },
        { "render mode 13h", test_render_mode13h },
        { "render mode 12h", test_render_mode12h },
        { "render VBE", test_render_vbe32 },
        { "guest garbage", test_guest_garbage },
        { "snapshot", test_snapshot },
        { NULL, NULL }
    };
    unit_add_suite("vga", suite_init, suite_clean, tests);
}

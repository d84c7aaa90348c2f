/* SPDX-License-Identifier: MIT */
/*
 * Inside the VGA model: the state shared by vga.c (registers, ports, PCI,
 * VBE), vga-mem.c (the legacy memory window) and vga-render.c (the display
 * refresh). Tests include it to look at registers and planes directly.
 *
 * VRAM layout. The four 64 KiB planes of the legacy VGA are interleaved at
 * the start of VRAM: byte 'off' of plane p is vram[off * 4 + p], so a 32-bit
 * load gives all four latches at once. Plane offsets are 16 bits, as the
 * hardware's, and every access masks them with VGA_PLANE_MASK: legacy
 * accesses and legacy rendering can never leave the first 256 KiB, whatever
 * the guest programs. The VBE modes see VRAM as one linear array; their
 * geometry is clamped to vram_size whenever a DISPI register changes.
 */
#ifndef TANDEM_VGA_INT_H
#define TANDEM_VGA_INT_H

#include "hw/display/vga.h"

#define VGA_PLANE_SIZE      0x10000u
#define VGA_PLANE_MASK      (VGA_PLANE_SIZE - 1)
#define VGA_LEGACY_VRAM     (4 * VGA_PLANE_SIZE)

#define VGA_LEGACY_BASE     0xa0000ull
#define VGA_LEGACY_SIZE     0x20000ull
#define VGA_IO_BASE         0x3b0
#define VGA_IO_SIZE         0x30
#define VBE_IO_BASE         0x1ce
#define VBE_IO_SIZE         4           /* 0x1ce index, 0x1cf / 0x1d0 data */
#define VGA_MMIO_SIZE       0x1000
#define VGA_MMIO_VGA        0x400       /* ports 0x3c0-0x3df */
#define VGA_MMIO_DISPI      0x500       /* DISPI index n at 0x500 + 2n */
#define VGA_MMIO_QEXT       0x600       /* QEMU extended registers */

/* Register file sizes (indices are masked into these). */
#define VGA_SEQ_COUNT       8
#define VGA_GC_COUNT        16
#define VGA_CRTC_COUNT      0x40
#define VGA_AR_COUNT        0x15

/* Sequencer */
#define VGA_SEQ_CLOCK       0x01
#define VGA_SEQ_MAP_MASK    0x02
#define VGA_SEQ_CHARMAP     0x03
#define VGA_SEQ_MEMMODE     0x04
#define VGA_SR01_CHAR8      0x01        /* 8-dot characters (else 9) */
#define VGA_SR01_DCLK2      0x08        /* dot clock / 2: pixels twice as wide */
#define VGA_SR01_SCREEN_OFF 0x20
#define VGA_SR04_SEQUENTIAL 0x04        /* odd/even writes disabled */
#define VGA_SR04_CHAIN4     0x08

/* Graphics controller */
#define VGA_GC_SR_VALUE     0x00
#define VGA_GC_SR_ENABLE    0x01
#define VGA_GC_COMPARE      0x02
#define VGA_GC_ROTATE       0x03
#define VGA_GC_READ_MAP     0x04
#define VGA_GC_MODE         0x05
#define VGA_GC_MISC         0x06
#define VGA_GC_DONT_CARE    0x07
#define VGA_GC_BIT_MASK     0x08
#define VGA_GC5_READ_MODE1  0x08
#define VGA_GC5_ODD_EVEN    0x10
#define VGA_GC5_256COLOR    0x40
#define VGA_GC6_GRAPHICS    0x01

/* CRTC */
#define VGA_CRTC_H_DISP     0x01
#define VGA_CRTC_OVERFLOW   0x07
#define VGA_CRTC_MAX_SCAN   0x09
#define VGA_CRTC_CUR_START  0x0a
#define VGA_CRTC_CUR_END    0x0b
#define VGA_CRTC_START_HI   0x0c
#define VGA_CRTC_START_LO   0x0d
#define VGA_CRTC_CUR_HI     0x0e
#define VGA_CRTC_CUR_LO     0x0f
#define VGA_CRTC_V_SYNC_END 0x11
#define VGA_CRTC_V_DISP_END 0x12
#define VGA_CRTC_OFFSET     0x13
#define VGA_CRTC_UNDERLINE  0x14
#define VGA_CRTC_MODE       0x17
#define VGA_CR11_PROTECT    0x80
#define VGA_CR14_DWORD      0x40
#define VGA_CR17_BYTE       0x40

/* Attribute controller */
#define VGA_AR_INDEX_PAS    0x20        /* palette address source: video on */
#define VGA_AR_MODE         0x10
#define VGA_AR_PLANE_ENABLE 0x12
#define VGA_AR_COLOR_SELECT 0x14
#define VGA_AR10_LGE        0x04        /* line graphics: 9th column copies 8th */
#define VGA_AR10_BLINK      0x08
#define VGA_AR10_P54S       0x80

/* Misc output / input status 1 */
#define VGA_MISC_COLOR      0x01        /* CRTC at 0x3d4, status at 0x3da */
#define VGA_ST01_DISP       0x01
#define VGA_ST01_VRETRACE   0x08

/* Bochs VBE (DISPI) */
#define VBE_DISPI_INDEX_ID          0x0
#define VBE_DISPI_INDEX_XRES        0x1
#define VBE_DISPI_INDEX_YRES        0x2
#define VBE_DISPI_INDEX_BPP         0x3
#define VBE_DISPI_INDEX_ENABLE      0x4
#define VBE_DISPI_INDEX_BANK        0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH  0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT 0x7
#define VBE_DISPI_INDEX_X_OFFSET    0x8
#define VBE_DISPI_INDEX_Y_OFFSET    0x9
#define VBE_DISPI_INDEX_VIDEO_MEM_64K 0xa
#define VBE_DISPI_INDEX_NB          0xb

#define VBE_DISPI_ID0               0xb0c0
#define VBE_DISPI_ID5               0xb0c5
#define VBE_DISPI_DISABLED          0x00
#define VBE_DISPI_ENABLED           0x01
#define VBE_DISPI_GETCAPS           0x02
#define VBE_DISPI_8BIT_DAC          0x20
#define VBE_DISPI_LFB_ENABLED       0x40
#define VBE_DISPI_NOCLEARMEM        0x80
#define VBE_DISPI_MAX_XRES          4096
#define VBE_DISPI_MAX_YRES          4096
#define VBE_DISPI_MAX_BPP           32
#define VBE_BANK_SIZE               0x10000u

/* The largest surface any mode can ask for (256 columns of 9 dots, doubled). */
#define VGA_MAX_WIDTH       4608
#define VGA_MAX_HEIGHT      4096

/* What the last frame looked like, to tell a mode change from a redraw. */
typedef struct VgaModeKey {
    int kind;                   /* VGA_KIND_* */
    int width, height;
    uint32_t start, stride;     /* where the frame is read from */
    uint32_t aux[4];            /* per-kind parameters (font, cell size...) */
} VgaModeKey;

enum { VGA_KIND_BLANK, VGA_KIND_TEXT, VGA_KIND_PLANAR, VGA_KIND_256, VGA_KIND_VBE };

struct VgaState {
    PCIDevice pci;              /* first: the device core sees a Device */
    Machine *machine;
    MemoryRegion vram;          /* BAR0, RAM with dirty tracking */
    MemoryRegion mmio;          /* BAR2 */
    MemoryRegion rom;           /* expansion ROM */
    bool have_rom;
    MemoryRegion legacy;        /* 0xa0000-0xbffff, in PCI memory space */
    MemoryRegion vga_io, vbe_io;
    MemoryRegion *legacy_parent, *io_parent;
    uint8_t *vram_ptr;
    uint32_t vram_size;         /* a power of two >= 1 MiB */

    /* VGA registers */
    uint8_t misc;
    uint8_t seq_index, seq[VGA_SEQ_COUNT];
    uint8_t gc_index, gc[VGA_GC_COUNT];
    uint8_t crtc_index, crtc[VGA_CRTC_COUNT];
    uint8_t ar_index;           /* with the PAS bit */
    bool ar_flip;               /* next 0x3c0 write is data */
    uint8_t ar[VGA_AR_COUNT];
    uint8_t dac_read_index, dac_write_index, dac_sub, dac_state;
    uint8_t dac_cache[3];
    uint8_t pel_mask;
    uint8_t palette[768];
    uint8_t st01, fcr;
    uint32_t latch;             /* plane p in bits 8p..8p+7 */

    /* VBE */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];
    uint32_t vbe_start;         /* byte offset of the visible frame */
    uint32_t vbe_line_offset;   /* bytes per virtual line */

    /* Rendering (not guest-visible, not saved) */
    DisplaySurface surface;
    size_t surface_cap;         /* pixels allocated */
    VgaModeKey last_mode;
    bool full_redraw;           /* palette, font or cursor shape changed */
    uint32_t frame;             /* refresh count, for blinking */
    uint32_t palette_rgb[256];  /* DAC entries as surface pixels */
    uint32_t *cell_cache;       /* text: what each cell showed */
    size_t cell_cap;
    uint8_t font_cache[2][8192];/* text: the two active fonts as last drawn */
    uint64_t *dirty_pages;      /* snapshot of DIRTY_VGA, one bit a page */
    bool vram_untracked;        /* the engine does not set DIRTY_VGA: all dirty */
    size_t dirty_words;
};

/* vga.c */
uint64_t vga_reg_read(VgaState *s, uint16_t port);
void vga_reg_write(VgaState *s, uint16_t port, uint8_t val);
uint16_t vbe_reg_read(VgaState *s, unsigned index);
void vbe_reg_write(VgaState *s, unsigned index, uint16_t val);
bool vbe_enabled(const VgaState *s);
void vga_registers_reset(VgaState *s);

/* vga-mem.c: the legacy window, offset from 0xa0000 */
uint8_t vga_mem_readb(VgaState *s, uint32_t addr);
void vga_mem_writeb(VgaState *s, uint32_t addr, uint8_t val);
extern const MemoryRegionOps vga_legacy_ops;

/* vga-render.c */
void vga_render_init(VgaState *s);
void vga_render_cleanup(VgaState *s);

static inline uint8_t vga_plane_byte(const VgaState *s, unsigned plane, uint32_t off)
{
    return s->vram_ptr[(off & VGA_PLANE_MASK) * 4 + (plane & 3)];
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The VGA's legacy memory window, 0xa0000-0xbffff, as the graphics
 * controller and sequencer decode it (IBM VGA reference, "Graphics
 * Controller Registers"):
 *
 *   - GC06 bits 3:2 choose which part of the 128 KiB window answers
 *     (A0000/128K, A0000/64K, B0000/32K, B8000/32K); the rest floats;
 *   - the host address selects planes: chain-4 (SR04 bit 3) takes plane
 *     A1:A0 at offset A & ~3, odd/even (SR04 bit 2 clear for writes, GC05
 *     bit 4 for reads) takes plane A0 at offset A & ~1, otherwise the map
 *     mask (writes) or read map select (reads) picks planes at offset A;
 *   - every read loads the four latches; read mode 1 returns a colour
 *     compare instead of a plane byte;
 *   - writes go through write modes 0-3: rotate, set/reset, the ALU with
 *     the latches (AND/OR/XOR), and the bit mask, into the planes the map
 *     mask enables.
 *
 * With VBE enabled the window is instead a 64 KiB bank of linear VRAM at
 * A0000 (the DISPI bank register), as the Bochs interface defines.
 *
 * Invariant: every VRAM index is computed from a plane offset masked with
 * VGA_PLANE_MASK, or checked against vram_size for banks, so the guest
 * cannot reach outside VRAM. Every write marks its page dirty for the
 * display (DIRTY_VGA): the window is not RAM, so the memory API does not.
 */
#include "hw/display/vga-int.h"

/* Offset into the 128 KiB window -> address the mapped aperture sees, or -1. */
static int64_t vga_window_decode(const VgaState *s, uint32_t addr)
{
    switch ((s->gc[VGA_GC_MISC] >> 2) & 3) {
    case 0:
        return addr;
    case 1:
        return addr < 0x10000 ? (int64_t)addr : -1;
    case 2:
        return addr >= 0x10000 && addr < 0x18000 ? (int64_t)addr - 0x10000 : -1;
    default:
        return addr >= 0x18000 ? (int64_t)addr - 0x18000 : -1;
    }
}

/* The VBE bank window: a linear VRAM offset, or -1 past VRAM. */
static int64_t vbe_bank_decode(const VgaState *s, uint32_t addr)
{
    if (addr >= VBE_BANK_SIZE)
        return -1;
    uint64_t off = (uint64_t)s->vbe_regs[VBE_DISPI_INDEX_BANK] * VBE_BANK_SIZE + addr;
    return off < s->vram_size ? (int64_t)off : -1;
}

static inline uint32_t vga_load_latch(const VgaState *s, uint32_t off)
{
    const uint8_t *p = &s->vram_ptr[(off & VGA_PLANE_MASK) * 4];
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

uint8_t vga_mem_readb(VgaState *s, uint32_t addr)
{
    if (vbe_enabled(s)) {
        int64_t off = vbe_bank_decode(s, addr);
        return off < 0 ? 0xff : s->vram_ptr[off];
    }
    int64_t a = vga_window_decode(s, addr);
    if (a < 0)
        return 0xff;

    uint32_t off;
    unsigned plane;
    if (s->seq[VGA_SEQ_MEMMODE] & VGA_SR04_CHAIN4) {
        plane = a & 3;
        off = (uint32_t)a & ~3u;
    } else if (s->gc[VGA_GC_MODE] & VGA_GC5_ODD_EVEN) {
        plane = (s->gc[VGA_GC_READ_MAP] & 2) | (a & 1);
        off = (uint32_t)a & ~1u;
    } else {
        plane = s->gc[VGA_GC_READ_MAP] & 3;
        off = (uint32_t)a;
    }
    s->latch = vga_load_latch(s, off);

    if (!(s->gc[VGA_GC_MODE] & VGA_GC5_READ_MODE1))
        return (uint8_t)(s->latch >> (8 * plane));

    /* Read mode 1: bit i set where every plane not "don't care" matches. */
    uint8_t diff = 0;
    for (unsigned p = 0; p < 4; p++) {
        if (!(s->gc[VGA_GC_DONT_CARE] & (1u << p)))
            continue;
        uint8_t want = (s->gc[VGA_GC_COMPARE] >> p) & 1 ? 0xff : 0x00;
        diff |= (uint8_t)(s->latch >> (8 * p)) ^ want;
    }
    return (uint8_t)~diff;
}

static inline uint8_t vga_rotate(uint8_t v, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)(v >> n | v << (8 - n)) : v;
}

/* The ALU (GC03 bits 4:3) between a plane's new byte and its latch. */
static inline uint8_t vga_alu(const VgaState *s, uint8_t v, uint8_t latch)
{
    switch ((s->gc[VGA_GC_ROTATE] >> 3) & 3) {
    case 1:
        return v & latch;
    case 2:
        return v | latch;
    case 3:
        return v ^ latch;
    default:
        return v;
    }
}

void vga_mem_writeb(VgaState *s, uint32_t addr, uint8_t val)
{
    if (vbe_enabled(s)) {
        int64_t off = vbe_bank_decode(s, addr);
        if (off >= 0) {
            s->vram_ptr[off] = val;
            ram_set_dirty(s->vram.ram, (uint64_t)off, 1);
        }
        return;
    }
    int64_t a = vga_window_decode(s, addr);
    if (a < 0)
        return;

    uint8_t planes = s->seq[VGA_SEQ_MAP_MASK] & 0x0f;
    uint32_t off;
    if (s->seq[VGA_SEQ_MEMMODE] & VGA_SR04_CHAIN4) {
        planes &= (uint8_t)(1u << (a & 3));
        off = (uint32_t)a & ~3u;
    } else if (!(s->seq[VGA_SEQ_MEMMODE] & VGA_SR04_SEQUENTIAL)) {
        /* Odd/even: A0 picks plane 0/2 or 1/3 (even and odd bytes). */
        planes &= (a & 1) ? 0x0a : 0x05;
        off = (uint32_t)a & ~1u;
    } else {
        off = (uint32_t)a;
    }
    if (!planes)
        return;

    const uint8_t *g = s->gc;
    uint8_t mask = g[VGA_GC_BIT_MASK];
    uint8_t out[4];
    unsigned mode = g[VGA_GC_MODE] & 3;

    if (mode == 1) {
        /* Write mode 1: the latches, unchanged (screen-to-screen copies). */
        for (unsigned p = 0; p < 4; p++)
            out[p] = (uint8_t)(s->latch >> (8 * p));
    } else {
        uint8_t v = vga_rotate(val, g[VGA_GC_ROTATE]);
        if (mode == 3) {
            mask &= v;
        }
        for (unsigned p = 0; p < 4; p++) {
            uint8_t b;
            uint8_t sr = (g[VGA_GC_SR_VALUE] >> p) & 1 ? 0xff : 0x00;
            if (mode == 0)
                b = (g[VGA_GC_SR_ENABLE] >> p) & 1 ? sr : v;
            else if (mode == 2)
                b = (val >> p) & 1 ? 0xff : 0x00;
            else
                b = sr;
            uint8_t latch = (uint8_t)(s->latch >> (8 * p));
            b = vga_alu(s, b, latch);
            out[p] = (uint8_t)((b & mask) | (latch & ~mask));
        }
    }

    uint32_t base = (off & VGA_PLANE_MASK) * 4;
    for (unsigned p = 0; p < 4; p++)
        if (planes & (1u << p))
            s->vram_ptr[base + p] = out[p];
    ram_set_dirty(s->vram.ram, base, 4);
}

/* Multi-byte accesses are a run of byte accesses, lowest address first. */
static uint64_t vga_legacy_read(void *opaque, uint64_t addr, unsigned size)
{
    VgaState *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)vga_mem_readb(s, (uint32_t)(addr + i)) << (8 * i);
    return v;
}

static void vga_legacy_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VgaState *s = opaque;
    for (unsigned i = 0; i < size; i++)
        vga_mem_writeb(s, (uint32_t)(addr + i), (uint8_t)(val >> (8 * i)));
}

const MemoryRegionOps vga_legacy_ops = {
    .read = vga_legacy_read,
    .write = vga_legacy_write,
    .min_access = 1,
    .max_access = 8,
};

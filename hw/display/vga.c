/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA's registers and its PCI card: the IBM VGA port set at
 * 0x3b0-0x3df, the Bochs VBE (DISPI) registers at 0x1ce/0x1cf, the BAR2 MMIO
 * mirror of both, the LFB and ROM BARs, reset, snapshots and -device VGA.
 *
 * Register files are arrays indexed by the guest's index register masked to
 * the array size, so no index can reach past them. The CRTC and input status
 * 1 answer at 0x3d4/0x3da or 0x3b4/0x3ba as misc output bit 0 says; the
 * other pair floats. Input status 1 flips its retrace and display-enable
 * bits on every read: guests that poll for the start and then the end of
 * vertical retrace finish at once instead of waiting on a host clock they
 * would otherwise share with nothing else.
 *
 * VBE: the DISPI registers are validated as they are written (the resolution
 * clamped to what VRAM holds, offsets to what the virtual screen allows), so
 * the renderer and the bank window only ever see a geometry that fits in
 * VRAM: vbe_start + (yres - 1) * vbe_line_offset + xres * Bpp <= vram_size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/display/vga-int.h"
#include "hw/core/device.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"

bool vbe_enabled(const VgaState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

static bool vga_port_inactive(const VgaState *s, uint16_t port)
{
    bool color = s->misc & VGA_MISC_COLOR;
    if (port >= 0x3b0 && port <= 0x3bf)
        return color;
    if (port >= 0x3d0 && port <= 0x3df)
        return !color;
    return false;
}

/* ---- the VGA ports -------------------------------------------------- */

uint64_t vga_reg_read(VgaState *s, uint16_t port)
{
    if (vga_port_inactive(s, port))
        return 0xff;
    switch (port) {
    case 0x3c0:
        return s->ar_index;
    case 0x3c1:
        return (s->ar_index & 0x1f) < VGA_AR_COUNT ? s->ar[s->ar_index & 0x1f] : 0;
    case 0x3c2:
        return 0;                       /* input status 0: no switch sense, no IRQ */
    case 0x3c3:
        return 1;                       /* video subsystem enabled */
    case 0x3c4:
        return s->seq_index;
    case 0x3c5:
        return s->seq[s->seq_index & (VGA_SEQ_COUNT - 1)];
    case 0x3c6:
        return s->pel_mask;
    case 0x3c7:
        return s->dac_state;
    case 0x3c8:
        return s->dac_write_index;
    case 0x3c9: {
        uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_sub];
        if (++s->dac_sub == 3) {
            s->dac_sub = 0;
            s->dac_read_index++;
        }
        return v;
    }
    case 0x3ca:
        return s->fcr;
    case 0x3cc:
        return s->misc;
    case 0x3ce:
        return s->gc_index;
    case 0x3cf:
        return s->gc[s->gc_index & (VGA_GC_COUNT - 1)];
    case 0x3b4: case 0x3d4:
        return s->crtc_index;
    case 0x3b5: case 0x3d5:
        return s->crtc[s->crtc_index & (VGA_CRTC_COUNT - 1)];
    case 0x3ba: case 0x3da:
        s->ar_flip = false;             /* the attribute flip-flop's reset */
        s->st01 ^= VGA_ST01_DISP | VGA_ST01_VRETRACE;
        return s->st01;
    default:
        return 0xff;
    }
}

static void vga_ar_write(VgaState *s, uint8_t val)
{
    if (!s->ar_flip) {
        if ((s->ar_index ^ val) & VGA_AR_INDEX_PAS)
            s->full_redraw = true;      /* video turned on or off */
        s->ar_index = val & 0x3f;
    } else {
        unsigned i = s->ar_index & 0x1f;
        static const uint8_t ar_wmask[VGA_AR_COUNT] = {
            0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
            0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
            0xef, 0xff, 0x3f, 0x0f, 0x0f,
        };
        if (i < VGA_AR_COUNT) {
            s->ar[i] = val & ar_wmask[i];
            s->full_redraw = true;      /* palette or colour logic changed */
        }
    }
    s->ar_flip = !s->ar_flip;
}

static void vga_crtc_write(VgaState *s, uint8_t val)
{
    unsigned i = s->crtc_index & (VGA_CRTC_COUNT - 1);
    /* CR11 bit 7 protects CR00-CR07, except the line compare bit of CR07. */
    if ((s->crtc[VGA_CRTC_V_SYNC_END] & VGA_CR11_PROTECT) && i <= VGA_CRTC_OVERFLOW) {
        if (i == VGA_CRTC_OVERFLOW)
            s->crtc[i] = (uint8_t)((s->crtc[i] & ~0x10) | (val & 0x10));
        return;
    }
    s->crtc[i] = val;
    if (i == VGA_CRTC_CUR_START || i == VGA_CRTC_CUR_END)
        s->full_redraw = true;          /* cursor shape: every cursor cell */
}

void vga_reg_write(VgaState *s, uint16_t port, uint8_t val)
{
    if (vga_port_inactive(s, port))
        return;
    switch (port) {
    case 0x3c0: case 0x3c1:
        vga_ar_write(s, val);
        break;
    case 0x3c2:
        s->misc = val;
        break;
    case 0x3c4:
        s->seq_index = val & (VGA_SEQ_COUNT - 1);
        break;
    case 0x3c5: {
        unsigned i = s->seq_index & (VGA_SEQ_COUNT - 1);
        if (i == VGA_SEQ_CHARMAP && s->seq[i] != val)
            s->full_redraw = true;
        s->seq[i] = val;
        break;
    }
    case 0x3c6:
        if (s->pel_mask != val)
            s->full_redraw = true;
        s->pel_mask = val;
        break;
    case 0x3c7:
        s->dac_read_index = val;
        s->dac_sub = 0;
        s->dac_state = 3;
        break;
    case 0x3c8:
        s->dac_write_index = val;
        s->dac_sub = 0;
        s->dac_state = 0;
        break;
    case 0x3c9: {
        bool dac8 = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;
        s->dac_cache[s->dac_sub] = dac8 ? val : (val & 0x3f);
        if (++s->dac_sub == 3) {
            memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
            s->dac_sub = 0;
            s->dac_write_index++;
            s->full_redraw = true;
        }
        break;
    }
    case 0x3ce:
        s->gc_index = val & (VGA_GC_COUNT - 1);
        break;
    case 0x3cf:
        s->gc[s->gc_index & (VGA_GC_COUNT - 1)] = val;
        break;
    case 0x3b4: case 0x3d4:
        s->crtc_index = val & (VGA_CRTC_COUNT - 1);
        break;
    case 0x3b5: case 0x3d5:
        vga_crtc_write(s, val);
        break;
    case 0x3ba: case 0x3da:
        s->fcr = val & 0x10;
        break;
    default:
        break;
    }
}

/* ---- Bochs VBE ------------------------------------------------------- */

static unsigned vbe_bytes_pp(unsigned bpp)
{
    return (bpp + 7) / 8;
}

static bool vbe_bpp_valid(unsigned bpp)
{
    return bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

/*
 * Make the DISPI geometry consistent and inside VRAM; the registers then
 * read back what is in effect, as the real interface does after a fixup.
 */
static void vbe_fixup(VgaState *s)
{
    uint16_t *r = s->vbe_regs;

    if (!vbe_bpp_valid(r[VBE_DISPI_INDEX_BPP]))
        r[VBE_DISPI_INDEX_BPP] = 8;
    unsigned bpp = vbe_bytes_pp(r[VBE_DISPI_INDEX_BPP]);
    unsigned xres = r[VBE_DISPI_INDEX_XRES], yres = r[VBE_DISPI_INDEX_YRES];
    xres = xres < 8 ? 8 : xres > VBE_DISPI_MAX_XRES ? VBE_DISPI_MAX_XRES : xres & ~7u;
    yres = yres < 1 ? 1 : yres > VBE_DISPI_MAX_YRES ? VBE_DISPI_MAX_YRES : yres;

    unsigned vw = r[VBE_DISPI_INDEX_VIRT_WIDTH];
    if (vw < xres)
        vw = xres;
    uint64_t line = (uint64_t)vw * bpp;
    if (line > s->vram_size) {
        vw = xres;
        line = (uint64_t)vw * bpp;
    }
    /* Shrink the visible height until the frame fits (8x1 always does). */
    uint64_t max_lines = s->vram_size / line;
    if (yres > max_lines)
        yres = (unsigned)max_lines;
    if (yres == 0) {
        xres = vw = 8;
        line = 8ull * bpp;
        yres = 1;
        max_lines = s->vram_size / line;
    }
    unsigned vh = max_lines > 0xffff ? 0xffff : (unsigned)max_lines;

    unsigned xo = r[VBE_DISPI_INDEX_X_OFFSET], yo = r[VBE_DISPI_INDEX_Y_OFFSET];
    if (xo > vw - xres)
        xo = vw - xres;
    if (yo > vh - yres)
        yo = vh - yres;

    r[VBE_DISPI_INDEX_XRES] = (uint16_t)xres;
    r[VBE_DISPI_INDEX_YRES] = (uint16_t)yres;
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = (uint16_t)vw;
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = (uint16_t)vh;
    r[VBE_DISPI_INDEX_X_OFFSET] = (uint16_t)xo;
    r[VBE_DISPI_INDEX_Y_OFFSET] = (uint16_t)yo;
    s->vbe_line_offset = (uint32_t)line;
    s->vbe_start = (uint32_t)(yo * line + (uint64_t)xo * bpp);
}

uint16_t vbe_reg_read(VgaState *s, unsigned index)
{
    const uint16_t *r = s->vbe_regs;
    if (index >= VBE_DISPI_INDEX_NB)
        return 0;
    if (r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS) {
        switch (index) {
        case VBE_DISPI_INDEX_XRES:
            return VBE_DISPI_MAX_XRES;
        case VBE_DISPI_INDEX_YRES:
            return VBE_DISPI_MAX_YRES;
        case VBE_DISPI_INDEX_BPP:
            return VBE_DISPI_MAX_BPP;
        default:
            break;
        }
    }
    if (index == VBE_DISPI_INDEX_VIDEO_MEM_64K)
        return (uint16_t)(s->vram_size >> 16);
    return r[index];
}

/* Entering a VBE mode also puts the VGA into graphics mode with the
 * 64 KiB window at A0000, so banked access and VGA-aware guests agree. */
static void vbe_enable(VgaState *s, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = 0;
    r[VBE_DISPI_INDEX_X_OFFSET] = 0;
    r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    r[VBE_DISPI_INDEX_BANK] = 0;
    vbe_fixup(s);
    if (!(val & VBE_DISPI_NOCLEARMEM)) {
        uint64_t len = (uint64_t)r[VBE_DISPI_INDEX_VIRT_HEIGHT] * s->vbe_line_offset;
        if (len > s->vram_size)
            len = s->vram_size;
        memset(s->vram_ptr, 0, len);
        ram_set_dirty(s->vram.ram, 0, len);
    }
    s->gc[VGA_GC_MISC] = (uint8_t)((s->gc[VGA_GC_MISC] & ~0x0c) | 0x04 | VGA_GC6_GRAPHICS);
    s->seq[VGA_SEQ_MEMMODE] |= VGA_SR04_CHAIN4 | VGA_SR04_SEQUENTIAL;
}

void vbe_reg_write(VgaState *s, unsigned index, uint16_t val)
{
    uint16_t *r = s->vbe_regs;
    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5)
            r[index] = val;
        return;
    case VBE_DISPI_INDEX_XRES:
    case VBE_DISPI_INDEX_YRES:
    case VBE_DISPI_INDEX_BPP:
        /* Geometry changes only take effect while disabled (Bochs VBE). */
        if (vbe_enabled(s))
            return;
        r[index] = index == VBE_DISPI_INDEX_BPP && val == 0 ? 8 : val;
        return;
    case VBE_DISPI_INDEX_BANK:
        if ((uint64_t)val * VBE_BANK_SIZE < s->vram_size)
            r[index] = val;
        else
            log_mask_printf(LOG_GUEST, "vga: VBE bank %u is past VRAM\n", val);
        return;
    case VBE_DISPI_INDEX_ENABLE: {
        bool was = vbe_enabled(s);
        if ((val & VBE_DISPI_ENABLED) && !was) {
            if (!vbe_bpp_valid(r[VBE_DISPI_INDEX_BPP]))
                log_mask_printf(LOG_GUEST, "vga: VBE bpp %u unsupported, using 8\n",
                                r[VBE_DISPI_INDEX_BPP]);
            r[index] = val;
            vbe_enable(s, val);
        } else {
            r[index] = val;
        }
        s->full_redraw = true;
        return;
    }
    case VBE_DISPI_INDEX_VIRT_WIDTH:
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = val;
        vbe_fixup(s);
        return;
    default:
        return;                         /* VIRT_HEIGHT and VIDEO_MEM are derived */
    }
}

/* ---- port and MMIO dispatch ----------------------------------------- */

uint32_t vga_ioport_read(VgaState *s, uint16_t port)
{
    if (port == VBE_IO_BASE)
        return s->vbe_index;
    if (port == VBE_IO_BASE + 1 || port == VBE_IO_BASE + 2)
        return vbe_reg_read(s, s->vbe_index);
    if (port >= VGA_IO_BASE && port < VGA_IO_BASE + VGA_IO_SIZE)
        return (uint32_t)vga_reg_read(s, port);
    return 0xffffffff;
}

void vga_ioport_write(VgaState *s, uint16_t port, uint32_t val)
{
    if (port == VBE_IO_BASE)
        s->vbe_index = (uint16_t)val;
    else if (port == VBE_IO_BASE + 1 || port == VBE_IO_BASE + 2)
        vbe_reg_write(s, s->vbe_index, (uint16_t)val);
    else if (port >= VGA_IO_BASE && port < VGA_IO_BASE + VGA_IO_SIZE)
        vga_reg_write(s, port, (uint8_t)val);
}

/* Byte-wide ports: wider accesses arrive split, lowest port first. */
static uint64_t vga_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return vga_reg_read(opaque, (uint16_t)(VGA_IO_BASE + addr));
}

static void vga_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    vga_reg_write(opaque, (uint16_t)(VGA_IO_BASE + addr), (uint8_t)val);
}

static const MemoryRegionOps vga_io_ops = {
    .read = vga_io_read, .write = vga_io_write, .min_access = 1, .max_access = 1,
};

/*
 * 0x1ce index, 0x1cf and 0x1d0 data, all 16 bits wide. A byte access to
 * the index or data port is taken as a 16-bit one with the upper byte zero.
 */
static uint64_t vbe_io_read(void *opaque, uint64_t addr, unsigned size)
{
    VgaState *s = opaque;
    if (addr == 3)
        return 0xff;
    uint32_t v = vga_ioport_read(s, (uint16_t)(VBE_IO_BASE + addr));
    return size == 1 ? (v & 0xff) : v;
}

static void vbe_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    if (addr < 3)
        vga_ioport_write(opaque, (uint16_t)(VBE_IO_BASE + addr), (uint32_t)val);
}

static const MemoryRegionOps vbe_io_ops = {
    .read = vbe_io_read, .write = vbe_io_write, .min_access = 1, .max_access = 2,
};

/*
 * BAR2. VGA ports: a word writes the index then the data (one exit for an
 * indexed register). DISPI: register n at 0x500 + 2n, 16 bits. QEMU's
 * extended registers: size of the block (8) and framebuffer endianness
 * (little: 0x1e1e1e1e; writes ignored since we have only one).
 */
static uint64_t vga_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    VgaState *s = opaque;
    if (addr >= VGA_MMIO_VGA && addr < VGA_MMIO_VGA + 0x20) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size && addr + i < VGA_MMIO_VGA + 0x20; i++)
            v |= vga_reg_read(s, (uint16_t)(0x3c0 + addr - VGA_MMIO_VGA + i)) << (8 * i);
        return v;
    }
    if (addr >= VGA_MMIO_DISPI && addr < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB) {
        uint16_t v = vbe_reg_read(s, (unsigned)(addr - VGA_MMIO_DISPI) / 2);
        return (addr & 1) ? v >> 8 : (size == 1 ? (v & 0xff) : v);
    }
    if (addr == VGA_MMIO_QEXT && size >= 4)
        return 8;
    if (addr == VGA_MMIO_QEXT + 4 && size >= 4)
        return 0x1e1e1e1e;
    return 0;
}

static void vga_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VgaState *s = opaque;
    if (addr >= VGA_MMIO_VGA && addr < VGA_MMIO_VGA + 0x20) {
        for (unsigned i = 0; i < size && addr + i < VGA_MMIO_VGA + 0x20; i++)
            vga_reg_write(s, (uint16_t)(0x3c0 + addr - VGA_MMIO_VGA + i),
                          (uint8_t)(val >> (8 * i)));
        return;
    }
    if (addr >= VGA_MMIO_DISPI && addr < VGA_MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB &&
        !(addr & 1))
        vbe_reg_write(s, (unsigned)(addr - VGA_MMIO_DISPI) / 2, (uint16_t)val);
}

static const MemoryRegionOps vga_mmio_ops = {
    .read = vga_mmio_read, .write = vga_mmio_write,
    .min_access = 1, .max_access = 4, .aligned_only = true,
};

/* ---- reset, snapshot, creation -------------------------------------- */

void vga_registers_reset(VgaState *s)
{
    s->misc = 0;
    s->seq_index = s->gc_index = s->crtc_index = 0;
    memset(s->seq, 0, sizeof(s->seq));
    memset(s->gc, 0, sizeof(s->gc));
    memset(s->crtc, 0, sizeof(s->crtc));
    memset(s->ar, 0, sizeof(s->ar));
    s->ar_index = 0;
    s->ar_flip = false;
    s->dac_read_index = s->dac_write_index = s->dac_sub = s->dac_state = 0;
    s->pel_mask = 0xff;
    memset(s->palette, 0, sizeof(s->palette));
    s->st01 = 0;
    s->fcr = 0;
    s->latch = 0;
    s->vbe_index = 0;
    memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    s->vbe_regs[VBE_DISPI_INDEX_BPP] = 8;
    s->vbe_regs[VBE_DISPI_INDEX_XRES] = 640;
    s->vbe_regs[VBE_DISPI_INDEX_YRES] = 480;
    vbe_fixup(s);
    s->full_redraw = true;
}

static void vga_reset(Device *dev)
{
    VgaState *s = (VgaState *)dev;
    pci_device_reset(&s->pci);
    vga_registers_reset(s);
}

static int vga_post_load(void *obj, Error *err)
{
    VgaState *s = obj;
    pci_device_post_load(&s->pci);
    vbe_fixup(s);                       /* a stream cannot break the invariant */
    if (s->dac_sub > 2)
        s->dac_sub = 0;
    vga_invalidate(s);
    return 0;
}

static const StateField vga_fields[] = {
    STATE_STRUCT(VgaState, pci, pci_device_state),
    STATE_U8(VgaState, misc),
    STATE_U8(VgaState, seq_index),
    STATE_U8_ARRAY(VgaState, seq, VGA_SEQ_COUNT),
    STATE_U8(VgaState, gc_index),
    STATE_U8_ARRAY(VgaState, gc, VGA_GC_COUNT),
    STATE_U8(VgaState, crtc_index),
    STATE_U8_ARRAY(VgaState, crtc, VGA_CRTC_COUNT),
    STATE_U8(VgaState, ar_index),
    STATE_BOOL(VgaState, ar_flip),
    STATE_U8_ARRAY(VgaState, ar, VGA_AR_COUNT),
    STATE_U8(VgaState, dac_read_index),
    STATE_U8(VgaState, dac_write_index),
    STATE_U8(VgaState, dac_sub),
    STATE_U8(VgaState, dac_state),
    STATE_U8_ARRAY(VgaState, dac_cache, 3),
    STATE_U8(VgaState, pel_mask),
    STATE_U8_ARRAY(VgaState, palette, 768),
    STATE_U8(VgaState, st01),
    STATE_U8(VgaState, fcr),
    STATE_U32(VgaState, latch),
    STATE_U16(VgaState, vbe_index),
    STATE_U16_ARRAY(VgaState, vbe_regs, VBE_DISPI_INDEX_NB),
    STATE_END
};

static const StateDesc vga_state = { "vga", 1, vga_fields, vga_post_load };

static void vga_destroy(Device *dev)
{
    VgaState *s = (VgaState *)dev;
    mr_del_subregion(s->legacy_parent, &s->legacy);
    mr_del_subregion(s->io_parent, &s->vga_io);
    mr_del_subregion(s->io_parent, &s->vbe_io);
    pci_device_unregister(&s->pci);
    mr_destroy(&s->legacy);
    mr_destroy(&s->vga_io);
    mr_destroy(&s->vbe_io);
    mr_destroy(&s->mmio);
    mr_destroy(&s->vram);
    if (s->have_rom)
        mr_destroy(&s->rom);
    vga_render_cleanup(s);
    free(s);
}

/* Load the VGA BIOS into a ROM region sized as a PCI ROM BAR must be. */
static int vga_load_rom(VgaState *s, const char *path, bool must_exist, Error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (must_exist)
            return error_setf_errno(err, errno, "VGA: romfile %s", path);
        fprintf(stderr, "tandem: warning: VGA BIOS %s not found (apt-get install "
                "seabios); the VGA will have no option ROM\n", path);
        return 0;
    }
    uint8_t *buf = malloc(1u << 20);
    size_t len = buf ? fread(buf, 1, 1u << 20, f) : 0;
    bool too_big = buf && len == (1u << 20) && fgetc(f) != EOF;
    fclose(f);
    if (!buf || len == 0 || too_big) {
        free(buf);
        return error_setf(err, "VGA: romfile %s is empty, unreadable or over 1 MiB", path);
    }
    uint64_t size = 2048;
    while (size < len)
        size <<= 1;
    if (mr_init_rom(&s->rom, "vga.rom", size, err) < 0) {
        free(buf);
        return -1;
    }
    memcpy(mr_ram_ptr(&s->rom), buf, len);
    free(buf);
    s->have_rom = true;
    pci_register_bar(&s->pci, PCI_ROM_SLOT, PCI_BAR_MEM32, &s->rom);
    return 0;
}

VgaState *vga_pci_create(Machine *m, PCIBus *bus, int devfn, const char *id,
                         const VgaOptions *opts, Error *err)
{
    unsigned mb = opts && opts->vgamem_mb ? opts->vgamem_mb : VGA_VRAM_MB_DEFAULT;
    const char *romfile = opts ? opts->romfile : NULL;

    if (mb > VGA_VRAM_MB_MAX || (mb & (mb - 1)))
        return error_setf(err, "VGA: vgamem_mb=%u: expected a power of two from 1 to %u",
                          mb, VGA_VRAM_MB_MAX), NULL;
    if (vga_find(m))
        return error_setf(err, "VGA: only one VGA per machine (the legacy ports "
                          "and window cannot be shared)"), NULL;

    VgaState *s = calloc(1, sizeof(*s));
    if (!s)
        return error_setf(err, "VGA: out of memory"), NULL;
    s->machine = m;
    if (mr_init_ram(&s->vram, "vga.vram", (uint64_t)mb << 20, err) < 0) {
        free(s);
        return NULL;
    }
    s->vram_ptr = mr_ram_ptr(&s->vram);
    s->vram_size = mb << 20;
    if (pci_device_register(bus, &s->pci, devfn, "VGA", err) < 0) {
        mr_destroy(&s->vram);
        free(s);
        return NULL;
    }
    pci_config_set_ids(&s->pci, VGA_PCI_VENDOR_ID, VGA_PCI_DEVICE_ID, 0x02,
                       VGA_PCI_CLASS, 0);
    /* QEMU's stdvga carries Red Hat's subsystem IDs; drivers ignore them. */
    pci_set_word(&s->pci.config[PCI_SUBSYSTEM_VENDOR_ID], 0x1af4);
    pci_set_word(&s->pci.config[PCI_SUBSYSTEM_ID], 0x1100);

    mr_init_io(&s->mmio, "vga.mmio", &vga_mmio_ops, s, VGA_MMIO_SIZE);
    pci_register_bar(&s->pci, 0, PCI_BAR_MEM32 | PCI_BAR_PREFETCH, &s->vram);
    pci_register_bar(&s->pci, 2, PCI_BAR_MEM32, &s->mmio);

    if (!romfile || *romfile) {
        if (vga_load_rom(s, romfile ? romfile : VGA_DEFAULT_BIOS, romfile != NULL, err) < 0) {
            pci_device_unregister(&s->pci);
            mr_destroy(&s->mmio);
            mr_destroy(&s->vram);
            free(s);
            return NULL;
        }
    }

    /* The legacy window sits over anything a BAR could put at 0xa0000. */
    mr_init_io(&s->legacy, "vga.legacy", &vga_legacy_ops, s, VGA_LEGACY_SIZE);
    s->legacy_parent = bus->mem;
    mr_add_subregion_overlap(bus->mem, VGA_LEGACY_BASE, &s->legacy, 1);
    mr_init_io(&s->vga_io, "vga.ports", &vga_io_ops, s, VGA_IO_SIZE);
    mr_init_io(&s->vbe_io, "vbe.ports", &vbe_io_ops, s, VBE_IO_SIZE);
    s->io_parent = &m->iomem;
    mr_add_subregion(&m->iomem, VGA_IO_BASE, &s->vga_io);
    mr_add_subregion(&m->iomem, VBE_IO_BASE, &s->vbe_io);

    vga_render_init(s);
    device_attach(m, &s->pci.dev, id ? id : "vga", vga_reset, vga_destroy, &vga_state);
    vga_reset(&s->pci.dev);
    return s;
}

VgaState *vga_find(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->reset == vga_reset)
            return (VgaState *)d;
    return NULL;
}

/*
 * The machine's PCI bus, through the host bridge the i440FX code attaches
 * under the id "i440fx" (as hw/pci/pci-testdev.c finds it).
 */
static PCIBus *vga_machine_bus(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (!d->type && d->id && !strcmp(d->id, "i440fx"))
            return ((PCIDevice *)d)->bus;
    return NULL;
}

/* -device VGA[,vgamem_mb=N][,romfile=PATH][,addr=SLOT][,id=ID] */
static Device *vga_device_create(Machine *m, DeviceOpts *opts, Error *err)
{
    uint64_t mb, slot;
    VgaOptions vo = { 0 };
    const char *id = devopts_get_str(opts, "id", NULL);

    if (devopts_get_u64(opts, "vgamem_mb", VGA_VRAM_MB_DEFAULT, &mb, err) < 0 ||
        devopts_get_u64(opts, "addr", UINT64_MAX, &slot, err) < 0)
        return NULL;
    vo.romfile = devopts_get_str(opts, "romfile", NULL);
    if (devopts_check_all_used(opts, err) < 0)
        return NULL;
    if (mb == 0 || mb > VGA_VRAM_MB_MAX)
        return error_setf(err, "VGA: vgamem_mb=%llu: expected a power of two from 1 to %u",
                          (unsigned long long)mb, VGA_VRAM_MB_MAX), NULL;
    if (slot != UINT64_MAX && slot > 31)
        return error_setf(err, "VGA: addr=%llu: slot 0-31", (unsigned long long)slot), NULL;
    vo.vgamem_mb = (unsigned)mb;
    PCIBus *bus = vga_machine_bus(m);
    if (!bus)
        return error_setf(err, "VGA: this machine has no PCI bus"), NULL;
    VgaState *s = vga_pci_create(m, bus, slot == UINT64_MAX ? -1 : PCI_DEVFN((int)slot, 0),
                                 id, &vo, err);
    return s ? &s->pci.dev : NULL;
}

const DeviceType vga_device_type = {
    .name = "VGA",
    .help = "standard VGA with Bochs VBE, PCI 1234:1111 (vgamem_mb=N, romfile=PATH, addr=SLOT)",
    .create = vga_device_create,
};

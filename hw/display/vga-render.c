/* SPDX-License-Identifier: MIT */
/*
 * Display refresh: VRAM as the CRTC would scan it, into a 32-bit surface.
 *
 * Each refresh first works out the frame's geometry (a VgaModeKey) from the
 * registers: VBE linear, text, 16-colour planar or 256-colour. A different
 * size reallocates the surface; any other difference, a palette, font or
 * cursor-shape change, or vga_invalidate() redraws everything. Otherwise
 * only what changed is drawn:
 *
 *  - graphics and VBE: the DIRTY_VGA bits of the pages the frame reads are
 *    taken (test-and-clear) into a private bitmap before drawing, so a write
 *    landing while we draw is seen by the next refresh, never lost; a line
 *    is redrawn when any page it reads was dirty;
 *  - text: cells are compared with what was drawn last time (character,
 *    attribute, cursor and blink state), and the fonts in plane 2 with a
 *    copy, because glyphs and cells share pages in the interleaved planes.
 *
 * Legacy modes read planes through VGA_PLANE_MASK and so stay in the first
 * 256 KiB; the VBE geometry was clamped into VRAM by vbe_fixup(), and is
 * checked once more here. The surface never exceeds VGA_MAX_WIDTH x
 * VGA_MAX_HEIGHT.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/display/vga-int.h"

#define VGA_CURSOR_BLINK_FRAMES 16      /* ~2 Hz at 60 Hz: on 16, off 16 */
#define VGA_TEXT_BLINK_FRAMES   32

void vga_render_init(VgaState *s)
{
    uint64_t pages = s->vram_size / TARGET_PAGE_SIZE;
    s->dirty_words = (size_t)((pages + 63) / 64);
    s->dirty_pages = calloc(s->dirty_words, sizeof(uint64_t));
    vga_invalidate(s);
}

void vga_render_cleanup(VgaState *s)
{
    free(s->surface.pixels);
    free(s->cell_cache);
    free(s->dirty_pages);
    s->surface.pixels = NULL;
    s->cell_cache = NULL;
    s->dirty_pages = NULL;
}

void vga_invalidate(VgaState *s)
{
    s->full_redraw = true;
    s->last_mode.kind = -1;
}

void vga_set_vram_untracked(VgaState *s, bool untracked)
{
    s->vram_untracked = untracked;
}

const DisplaySurface *vga_surface(VgaState *s)
{
    return &s->surface;
}

/* ---- dirty pages ------------------------------------------------------ */

static void vga_dirty_snapshot(VgaState *s, uint64_t start, uint64_t len)
{
    if (!s->dirty_pages)
        return;
    memset(s->dirty_pages, 0, s->dirty_words * sizeof(uint64_t));
    if (start >= s->vram_size)
        return;
    if (len > s->vram_size - start)
        len = s->vram_size - start;
    uint64_t first = start / TARGET_PAGE_SIZE;
    uint64_t last = (start + len + TARGET_PAGE_SIZE - 1) / TARGET_PAGE_SIZE;
    for (uint64_t p = first; p < last; p++)
        if (ram_test_and_clear_dirty(s->vram.ram, DIRTY_VGA, p * TARGET_PAGE_SIZE,
                                     TARGET_PAGE_SIZE) || s->vram_untracked)
            s->dirty_pages[p / 64] |= 1ull << (p % 64);
}

/* Was any page of VRAM [start, start + len) dirty in the snapshot? */
static bool vga_range_dirty(const VgaState *s, uint64_t start, uint64_t len)
{
    if (!s->dirty_pages || len == 0)
        return true;
    uint64_t first = start / TARGET_PAGE_SIZE;
    uint64_t last = (start + len - 1) / TARGET_PAGE_SIZE;
    for (uint64_t p = first; p <= last && p / 64 < s->dirty_words; p++)
        if (s->dirty_pages[p / 64] & (1ull << (p % 64)))
            return true;
    return false;
}

/* ---- colours ----------------------------------------------------------- */

static void vga_update_palette(VgaState *s)
{
    bool dac8 = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;
    for (unsigned i = 0; i < 256; i++) {
        const uint8_t *c = &s->palette[i * 3];
        if (dac8)
            s->palette_rgb[i] = display_rgb(c[0], c[1], c[2]);
        else    /* 6-bit DAC: spread 0..63 over 0..255 */
            s->palette_rgb[i] = display_rgb((uint8_t)(c[0] << 2 | c[0] >> 4),
                                            (uint8_t)(c[1] << 2 | c[1] >> 4),
                                            (uint8_t)(c[2] << 2 | c[2] >> 4));
    }
}

/* The 16 attribute-controller colours (text and planar) as pixels. */
static void vga_ar_colors(const VgaState *s, uint32_t pal16[16])
{
    uint8_t sel = s->ar[VGA_AR_COLOR_SELECT];
    for (unsigned i = 0; i < 16; i++) {
        uint8_t v = s->ar[i] & 0x3f;
        if (s->ar[VGA_AR_MODE] & VGA_AR10_P54S)
            v = (uint8_t)((v & 0x0f) | (sel & 3) << 4);
        v = (uint8_t)(v | (sel & 0x0c) << 4);
        pal16[i] = s->palette_rgb[v & s->pel_mask];
    }
}

/* ---- geometry --------------------------------------------------------- */

static unsigned vga_vde(const VgaState *s)
{
    const uint8_t *cr = s->crtc;
    return (cr[VGA_CRTC_V_DISP_END] | (cr[VGA_CRTC_OVERFLOW] & 0x02) << 7 |
            (cr[VGA_CRTC_OVERFLOW] & 0x40) << 3) + 1;
}

/* How the CRTC's address counter becomes a plane offset. */
static unsigned vga_addr_shift(const VgaState *s)
{
    if (s->crtc[VGA_CRTC_UNDERLINE] & VGA_CR14_DWORD)
        return 2;
    return s->crtc[VGA_CRTC_MODE] & VGA_CR17_BYTE ? 0 : 1;
}

static unsigned vga_font_base(unsigned sel)
{
    return ((sel & 3) * 2 + (sel >> 2)) * 8192;
}

static void vga_compute_mode(const VgaState *s, VgaModeKey *k)
{
    memset(k, 0, sizeof(*k));
    if (vbe_enabled(s)) {
        const uint16_t *r = s->vbe_regs;
        k->kind = VGA_KIND_VBE;
        k->width = r[VBE_DISPI_INDEX_XRES];
        k->height = r[VBE_DISPI_INDEX_YRES];
        k->start = s->vbe_start;
        k->stride = s->vbe_line_offset;
        k->aux[0] = r[VBE_DISPI_INDEX_BPP];
        return;
    }

    const uint8_t *cr = s->crtc;
    unsigned cols = cr[VGA_CRTC_H_DISP] + 1u;
    unsigned vde = vga_vde(s);
    k->start = (uint32_t)cr[VGA_CRTC_START_HI] << 8 | cr[VGA_CRTC_START_LO];
    k->stride = cr[VGA_CRTC_OFFSET] * 2u;
    k->aux[3] = vga_addr_shift(s);

    if (!(s->gc[VGA_GC_MISC] & VGA_GC6_GRAPHICS)) {
        unsigned cw = s->seq[VGA_SEQ_CLOCK] & VGA_SR01_CHAR8 ? 8 : 9;
        unsigned dbl = s->seq[VGA_SEQ_CLOCK] & VGA_SR01_DCLK2 ? 2 : 1;
        unsigned ch = (cr[VGA_CRTC_MAX_SCAN] & 0x1f) + 1u;
        if (cr[VGA_CRTC_MAX_SCAN] & 0x80)
            vde /= 2;
        unsigned rows = vde / ch;
        uint8_t sr3 = s->seq[VGA_SEQ_CHARMAP];
        k->kind = VGA_KIND_TEXT;
        k->width = (int)(cols * cw * dbl);
        k->height = (int)(rows * ch);
        k->aux[0] = cw | ch << 8 | dbl << 16;
        k->aux[1] = vga_font_base((sr3 & 3) | (sr3 >> 2 & 4));         /* map B */
        k->aux[2] = vga_font_base((sr3 >> 2 & 3) | (sr3 >> 3 & 4));    /* map A */
    } else {
        unsigned rep = (cr[VGA_CRTC_MAX_SCAN] & 0x1f) + 1u;
        if (cr[VGA_CRTC_MAX_SCAN] & 0x80)
            rep *= 2;
        k->height = (int)(vde / rep);
        if (s->gc[VGA_GC_MODE] & VGA_GC5_256COLOR) {
            k->kind = VGA_KIND_256;
            k->width = (int)(cols * 4);
        } else {
            k->kind = VGA_KIND_PLANAR;
            k->width = (int)(cols * 8);
        }
        k->aux[0] = cols;
    }
    if (k->width > VGA_MAX_WIDTH)
        k->width = VGA_MAX_WIDTH;
    if (k->height > VGA_MAX_HEIGHT)
        k->height = VGA_MAX_HEIGHT;
    /* Video off (palette address source clear, or screen off): black. */
    if (!(s->ar_index & VGA_AR_INDEX_PAS) || (s->seq[VGA_SEQ_CLOCK] & VGA_SR01_SCREEN_OFF))
        k->kind = VGA_KIND_BLANK;
}

static bool vga_surface_resize(VgaState *s, int w, int h)
{
    size_t need = (size_t)w * (size_t)h;
    if (need > s->surface_cap) {
        uint32_t *p = realloc(s->surface.pixels, need * sizeof(uint32_t));
        if (!p)
            return false;
        s->surface.pixels = p;
        s->surface_cap = need;
    }
    s->surface.width = w;
    s->surface.height = h;
    s->surface.stride = w;
    return true;
}

static void vga_mark_rows(DisplayUpdate *u, int y0, int y1)
{
    if (u->y0 == u->y1) {
        u->y0 = y0;
        u->y1 = y1;
        return;
    }
    if (y0 < u->y0)
        u->y0 = y0;
    if (y1 > u->y1)
        u->y1 = y1;
}

/* ---- text ------------------------------------------------------------- */

/* Copy the two active fonts; true (and a new copy kept) if they changed. */
static bool vga_fonts_changed(VgaState *s, const VgaModeKey *k)
{
    bool changed = false;
    for (unsigned f = 0; f < 2; f++) {
        uint8_t tmp[8192];
        uint32_t base = k->aux[1 + f];
        for (unsigned i = 0; i < 8192; i++)
            tmp[i] = vga_plane_byte(s, 2, base + i);
        if (memcmp(tmp, s->font_cache[f], sizeof(tmp))) {
            memcpy(s->font_cache[f], tmp, sizeof(tmp));
            changed = true;
        }
    }
    return changed;
}

static void vga_draw_text(VgaState *s, const VgaModeKey *k, bool full, DisplayUpdate *u)
{
    unsigned cw = k->aux[0] & 0xff, ch = k->aux[0] >> 8 & 0xff, dbl = k->aux[0] >> 16;
    unsigned cols = k->width / (cw * dbl), rows = k->height / ch;
    unsigned shift = k->aux[3];
    size_t cells = (size_t)cols * rows;
    uint32_t pal16[16];

    if (cells > s->cell_cap) {
        uint32_t *c = realloc(s->cell_cache, cells * sizeof(uint32_t));
        if (!c)
            return;
        s->cell_cache = c;
        s->cell_cap = cells;
        full = true;
    }
    /* Glyph pages are shared with the cells: compare the fonts themselves. */
    vga_dirty_snapshot(s, 0, VGA_LEGACY_VRAM);
    if ((full || vga_range_dirty(s, 0, VGA_LEGACY_VRAM)) && vga_fonts_changed(s, k))
        full = true;
    vga_ar_colors(s, pal16);

    const uint8_t *cr = s->crtc;
    uint32_t cursor = (uint32_t)cr[VGA_CRTC_CUR_HI] << 8 | cr[VGA_CRTC_CUR_LO];
    unsigned cs = cr[VGA_CRTC_CUR_START] & 0x1f, ce = cr[VGA_CRTC_CUR_END] & 0x1f;
    bool cursor_on = !(cr[VGA_CRTC_CUR_START] & 0x20) &&
                     !(s->frame / VGA_CURSOR_BLINK_FRAMES & 1);
    bool blink_attr = s->ar[VGA_AR_MODE] & VGA_AR10_BLINK;
    bool blink_off = s->frame / VGA_TEXT_BLINK_FRAMES & 1;
    bool lge = s->ar[VGA_AR_MODE] & VGA_AR10_LGE;

    for (unsigned row = 0; row < rows; row++) {
        bool row_drawn = false;
        for (unsigned col = 0; col < cols; col++) {
            uint32_t ma = k->start + row * k->stride + col;
            uint32_t off = (ma << shift) & VGA_PLANE_MASK;
            uint8_t c = vga_plane_byte(s, 0, off), attr = vga_plane_byte(s, 1, off);
            bool cur = cursor_on && (ma & 0xffff) == cursor && cs <= ce;
            bool hide = blink_attr && (attr & 0x80) && blink_off;
            uint32_t key = c | attr << 8 | (uint32_t)cur << 16 | (uint32_t)hide << 17;
            uint32_t *cache = &s->cell_cache[row * cols + col];
            if (!full && *cache == key)
                continue;
            *cache = key;
            row_drawn = true;

            unsigned fg = attr & 0x0f, bg = attr >> 4;
            if (blink_attr)
                bg &= 7;
            if (hide)
                fg = bg;
            const uint8_t *glyph = s->font_cache[(attr & 0x08) ? 1 : 0] + c * 32;
            uint32_t fgc = pal16[fg], bgc = pal16[bg];
            for (unsigned l = 0; l < ch; l++) {
                uint8_t bits = l < 32 ? glyph[l] : 0;
                /* 9th column: copies the 8th for line-drawing characters. */
                unsigned ninth = (cw == 9 && lge && c >= 0xc0 && c <= 0xdf) ? (bits & 1) : 0;
                bool cursor_line = cur && l >= cs && l <= ce;
                uint32_t *d = s->surface.pixels + (size_t)(row * ch + l) * s->surface.stride +
                              (size_t)col * cw * dbl;
                for (unsigned x = 0; x < cw; x++) {
                    unsigned on = x < 8 ? (bits >> (7 - x)) & 1 : ninth;
                    uint32_t px = (on || cursor_line) ? fgc : bgc;
                    for (unsigned r = 0; r < dbl; r++)
                        *d++ = px;
                }
            }
        }
        if (row_drawn)
            vga_mark_rows(u, (int)(row * ch), (int)((row + 1) * ch));
    }
}

/* ---- graphics --------------------------------------------------------- */

static void vga_draw_graphics(VgaState *s, const VgaModeKey *k, bool full, DisplayUpdate *u)
{
    unsigned cols = k->aux[0], shift = k->aux[3];
    uint32_t pal16[16];
    uint8_t plane_enable = s->ar[VGA_AR_PLANE_ENABLE] & 0x0f;
    unsigned per_clock = k->kind == VGA_KIND_256 ? 4 : 8;

    if (cols * per_clock > (unsigned)k->width)
        cols = (unsigned)k->width / per_clock;
    vga_ar_colors(s, pal16);
    vga_dirty_snapshot(s, 0, VGA_LEGACY_VRAM);

    for (int y = 0; y < k->height; y++) {
        uint32_t ma = k->start + (uint32_t)y * k->stride;
        uint32_t first = (ma << shift) & VGA_PLANE_MASK;
        uint32_t last = ((ma + cols - 1) << shift) & VGA_PLANE_MASK;
        /* A line that wraps around the 64 KiB plane is simply redrawn. */
        if (!full && last >= first &&
            !vga_range_dirty(s, (uint64_t)first * 4, (uint64_t)(last - first + 1) * 4))
            continue;
        uint32_t *d = s->surface.pixels + (size_t)y * s->surface.stride;
        for (unsigned c = 0; c < cols; c++) {
            uint32_t off = ((ma + c) << shift) & VGA_PLANE_MASK;
            const uint8_t *p = &s->vram_ptr[off * 4];
            if (k->kind == VGA_KIND_256) {
                for (unsigned i = 0; i < 4; i++)
                    *d++ = s->palette_rgb[p[i] & s->pel_mask];
            } else {
                for (int b = 7; b >= 0; b--) {
                    unsigned idx = ((p[0] >> b) & 1) | ((p[1] >> b) & 1) << 1 |
                                   ((p[2] >> b) & 1) << 2 | ((p[3] >> b) & 1) << 3;
                    *d++ = pal16[idx & plane_enable];
                }
            }
        }
        vga_mark_rows(u, y, y + 1);
    }
}

static uint32_t vbe_pixel(const VgaState *s, const uint8_t *p, unsigned bpp)
{
    uint16_t v;
    switch (bpp) {
    case 8:
        return s->palette_rgb[p[0]];
    case 15:
        v = (uint16_t)(p[0] | p[1] << 8);
        return display_rgb((uint8_t)((v >> 10 & 0x1f) * 255 / 31),
                           (uint8_t)((v >> 5 & 0x1f) * 255 / 31),
                           (uint8_t)((v & 0x1f) * 255 / 31));
    case 16:
        v = (uint16_t)(p[0] | p[1] << 8);
        return display_rgb((uint8_t)((v >> 11) * 255 / 31),
                           (uint8_t)((v >> 5 & 0x3f) * 255 / 63),
                           (uint8_t)((v & 0x1f) * 255 / 31));
    default:    /* 24 and 32: blue, green, red in memory order */
        return display_rgb(p[2], p[1], p[0]);
    }
}

static void vga_draw_vbe(VgaState *s, const VgaModeKey *k, bool full, DisplayUpdate *u)
{
    unsigned bpp = k->aux[0], bytes = (bpp + 7) / 8;
    uint64_t line_len = (uint64_t)k->width * bytes;
    uint64_t frame = k->height ? (uint64_t)(k->height - 1) * k->stride + line_len : 0;

    if ((uint64_t)k->start + frame > s->vram_size)
        return;     /* vbe_fixup() keeps this from happening; never trust it */
    vga_dirty_snapshot(s, k->start, frame);
    for (int y = 0; y < k->height; y++) {
        uint64_t off = k->start + (uint64_t)y * k->stride;
        if (!full && !vga_range_dirty(s, off, line_len))
            continue;
        const uint8_t *src = s->vram_ptr + off;
        uint32_t *d = s->surface.pixels + (size_t)y * s->surface.stride;
        if (bpp == 32) {
            for (int x = 0; x < k->width; x++, src += 4)
                d[x] = display_rgb(src[2], src[1], src[0]);
        } else {
            for (int x = 0; x < k->width; x++, src += bytes)
                d[x] = vbe_pixel(s, src, bpp);
        }
        vga_mark_rows(u, y, y + 1);
    }
}

void vga_refresh(VgaState *s, DisplayUpdate *u)
{
    VgaModeKey k;
    bool full = s->full_redraw;

    memset(u, 0, sizeof(*u));
    s->frame++;
    vga_compute_mode(s, &k);
    if (k.width != s->surface.width || k.height != s->surface.height) {
        if (!vga_surface_resize(s, k.width, k.height)) {
            /* Out of memory: show nothing rather than draw past the buffer. */
            k.kind = VGA_KIND_BLANK;
            k.width = k.height = 0;
            vga_surface_resize(s, 0, 0);
        }
        u->resized = true;
        full = true;
    }
    if (memcmp(&k, &s->last_mode, sizeof(k)))
        full = true;
    s->last_mode = k;
    s->full_redraw = false;
    if (full)
        vga_update_palette(s);

    switch (k.kind) {
    case VGA_KIND_TEXT:
        vga_draw_text(s, &k, full, u);
        break;
    case VGA_KIND_PLANAR:
    case VGA_KIND_256:
        vga_draw_graphics(s, &k, full, u);
        break;
    case VGA_KIND_VBE:
        vga_draw_vbe(s, &k, full, u);
        break;
    default:
        if (full) {
            for (int y = 0; y < k.height; y++)
                memset(s->surface.pixels + (size_t)y * s->surface.stride, 0,
                       (size_t)k.width * sizeof(uint32_t));
            vga_mark_rows(u, 0, k.height);
        }
        break;
    }
}

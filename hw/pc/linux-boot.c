/* SPDX-License-Identifier: MIT */
/*
 * Direct Linux boot. Layout in guest-physical memory:
 *   0x5000   a GDT with flat code (0x10) and data (0x18) descriptors
 *   0x10000  boot_params, the setup header copied in at 0x1f1
 *   0x20000  the command line
 *   1 MiB    the protected-mode kernel (the image after its setup sectors)
 *   top      the initrd, page aligned, below initrd_addr_max and low RAM's end
 * Every size and offset read from the image is checked against the file
 * length and RAM before anything is written, so a corrupt image is an error
 * message, never a write outside guest RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc/linux-boot.h"
#include "hw/pc/image.h"
#include "softmmu/vcpu.h"

/* Setup header fields: offsets in the image (and in boot_params). */
#define HDR_SETUP_SECTS     0x1f1
#define HDR_BOOT_FLAG       0x1fe
#define HDR_MAGIC           0x202
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_CODE32_START    0x214
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21c
#define HDR_HEAP_END_PTR    0x224
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE    0x238
#define HDR_INIT_SIZE       0x260
#define HDR_END             0x268       /* header bytes copied: 0x1f1..end */

/* boot_params fields outside the header */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128
#define BP_SIZE              0x1000

#define LOADFLAG_LOADED_HIGH  0x01
#define LOADFLAG_CAN_USE_HEAP 0x80
#define HDRS_MAGIC 0x53726448u          /* "HdrS" */
#define MIN_PROTOCOL 0x0206             /* cmdline_size exists from here */

#define BOOT_CS 0x10
#define BOOT_DS 0x18

static uint16_t rd16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v); wr16(p + 2, v >> 16); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, v); wr32(p + 4, v >> 32); }

bool linux_boot_probe(const uint8_t *image, size_t len)
{
    return len >= HDR_END && rd16(image + HDR_BOOT_FLAG) == 0xaa55 &&
           rd32(image + HDR_MAGIC) == HDRS_MAGIC;
}

static int write_guest(Machine *m, uint64_t addr, const void *buf, uint64_t len,
                       const char *what, Error *err)
{
    if (as_write_rom(&m->as_mem, addr, buf, len) != MEMTX_OK)
        return error_setf(err, "%s does not fit in guest RAM at 0x%llx", what,
                          (unsigned long long)addr);
    return 0;
}

/*
 * The initrd's address: page aligned, as high as allowed (below `top`, the
 * header's initrd_addr_max and low RAM's end) and above the unpacked kernel.
 */
static int initrd_place(const LinuxBootConfig *cfg, const LinuxBootLayout *l, size_t len,
                        uint64_t *addr, Error *err)
{
    uint64_t top = cfg->ram_below_4g - cfg->ram_reserved_top;
    if (l->initrd_max && l->initrd_max + 1 < top)
        top = l->initrd_max + 1;
    if (len > top || ((top - len) & ~0xfffull) < l->kernel_end)
        return error_setf(err, "-initrd %s (%zu bytes) does not fit in guest RAM; use a larger -m",
                          cfg->initrd_path, len);
    *addr = (top - len) & ~0xfffull;
    return 0;
}

/* Place the initrd as high as allowed and record it in boot_params. */
static int load_initrd(Machine *m, const LinuxBootConfig *cfg, const LinuxBootLayout *l,
                       uint8_t *bp, Error *err)
{
    uint8_t *data;
    size_t len;
    uint64_t addr = 0;
    if (image_read_file("-initrd", cfg->initrd_path, 1ull << 32, &data, &len, err) < 0)
        return -1;
    if (initrd_place(cfg, l, len, &addr, err) < 0) {
        free(data);
        return -1;
    }
    int rc = write_guest(m, addr, data, len, "-initrd", err);
    free(data);
    if (rc < 0)
        return -1;
    wr32(bp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
    wr32(bp + HDR_RAMDISK_SIZE, (uint32_t)len);
    wr32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(addr >> 32));
    wr32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)len >> 32));
    return 0;
}

static void fill_e820(uint8_t *bp, const E820Table *t)
{
    size_t n = t->nr < BP_E820_MAX ? t->nr : BP_E820_MAX;
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + 20 * i;
        wr64(e, t->entry[i].addr);
        wr64(e + 8, t->entry[i].size);
        wr32(e + 16, t->entry[i].type);
    }
}

/* Flat 4 GiB code and data descriptors at the selectors Linux expects. */
static int write_gdt(Machine *m, Error *err)
{
    static const uint64_t gdt[4] = {
        0,
        0,
        0x00cf9b000000ffffull,  /* 0x10: code, base 0, limit 4G, 32-bit */
        0x00cf93000000ffffull,  /* 0x18: data, base 0, limit 4G, 32-bit */
    };
    uint8_t raw[sizeof(gdt)];
    for (size_t i = 0; i < 4; i++)
        wr64(raw + 8 * i, gdt[i]);
    return write_guest(m, LINUX_BOOT_GDT, raw, sizeof(raw), "the boot GDT", err);
}

static void set_entry_state(Machine *m, uint32_t entry)
{
    X86CPUState *s = &m->cpus[0]->state;
    x86_cpu_setup_flat32(s, entry);
    s->gdt.base = LINUX_BOOT_GDT;
    s->gdt.limit = 4 * 8 - 1;
    s->segs[SEG_CS].selector = BOOT_CS;
    s->segs[SEG_DS].selector = BOOT_DS;
    s->segs[SEG_ES].selector = BOOT_DS;
    s->segs[SEG_SS].selector = BOOT_DS;
    s->segs[SEG_FS].selector = BOOT_DS;
    s->segs[SEG_GS].selector = BOOT_DS;
    for (int i = 0; i < 16; i++)
        s->regs[i] = 0;
    s->regs[R_ESI] = LINUX_BOOT_PARAMS;
    s->rflags = 0x2;            /* interrupts off, as the protocol requires */
    s->a20_enabled = true;
}

int linux_boot_check(const LinuxBootConfig *cfg, LinuxBootLayout *l, Error *err)
{
    const uint8_t *img = cfg->image;
    if (!linux_boot_probe(img, cfg->image_len))
        return error_setf(err, "-kernel: not a Linux bzImage");
    uint16_t version = rd16(img + HDR_VERSION);
    if (version < MIN_PROTOCOL)
        return error_setf(err, "-kernel: boot protocol %u.%02u is too old (2.06 or later needed)",
                          version >> 8, version & 0xff);
    if (!(img[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH))
        return error_setf(err, "-kernel: zImage kernels (loaded low) are not supported");

    size_t setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    l->setup_len = (setup_sects + 1) * 512;
    if (l->setup_len >= cfg->image_len)
        return error_setf(err, "-kernel: image is truncated (%zu bytes, setup needs %zu)",
                          cfg->image_len, l->setup_len);
    l->kernel_len = cfg->image_len - l->setup_len;
    uint64_t init_size = rd32(img + HDR_INIT_SIZE);
    l->kernel_end = LINUX_BOOT_KERNEL + (init_size > l->kernel_len ? init_size : l->kernel_len);
    if (l->kernel_end > cfg->ram_below_4g)
        return error_setf(err, "-kernel: the kernel needs %llu MiB of RAM to unpack; use a larger -m",
                          (unsigned long long)(l->kernel_end >> 20) + 1);
    l->initrd_max = rd32(img + HDR_INITRD_ADDR_MAX);

    const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
    l->cmdline_len = strlen(cmdline) + 1;
    size_t cmd_max = rd32(img + HDR_CMDLINE_SIZE) + 1;
    if (cmd_max > LINUX_BOOT_CMDLINE_MAX)
        cmd_max = LINUX_BOOT_CMDLINE_MAX;
    if (l->cmdline_len > cmd_max)
        return error_setf(err, "-append: command line is %zu bytes; this kernel takes at most %zu",
                          l->cmdline_len - 1, cmd_max - 1);
    return 0;
}

int linux_boot_load(Machine *m, const LinuxBootConfig *cfg, Error *err)
{
    const uint8_t *img = cfg->image;
    LinuxBootLayout l;
    if (linux_boot_check(cfg, &l, err) < 0)
        return -1;

    uint8_t *bp = calloc(1, BP_SIZE);
    if (!bp)
        return error_setf(err, "out of memory");
    memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, HDR_END - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = 0xff;          /* "undefined" boot loader */
    bp[HDR_LOADFLAGS] |= LOADFLAG_CAN_USE_HEAP;
    wr16(bp + HDR_HEAP_END_PTR, 0xfe00);
    wr32(bp + HDR_CMD_LINE_PTR, LINUX_BOOT_CMDLINE);
    wr32(bp + BP_EXT_CMD_LINE_PTR, 0);
    fill_e820(bp, cfg->e820);

    int rc = -1;
    if (cfg->initrd_path && load_initrd(m, cfg, &l, bp, err) < 0)
        goto out;
    if (write_guest(m, LINUX_BOOT_KERNEL, img + l.setup_len, l.kernel_len, "-kernel", err) < 0 ||
        write_guest(m, LINUX_BOOT_CMDLINE, cfg->cmdline ? cfg->cmdline : "", l.cmdline_len,
                    "-append", err) < 0 ||
        write_guest(m, LINUX_BOOT_PARAMS, bp, BP_SIZE, "boot_params", err) < 0 ||
        write_gdt(m, err) < 0)
        goto out;
    set_entry_state(m, LINUX_BOOT_KERNEL);
    rc = 0;
out:
    free(bp);
    return rc;
}

/*
 * Through firmware: the pieces go to fw_cfg as they are in the image; the
 * option ROM (optionrom/linuxboot.S) loads them at these addresses, fills
 * in the loader's fields of the setup header and starts the real-mode
 * setup code, which collects the memory map from the BIOS itself.
 */
int linux_boot_fw_cfg(FwCfg *fc, const LinuxBootConfig *cfg, Error *err)
{
    const uint8_t *img = cfg->image;
    const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
    LinuxBootLayout l;
    if (linux_boot_check(cfg, &l, err) < 0)
        return -1;
    /* The setup code, its heap and stack live below the command line. */
    if (l.setup_len > LINUX_BOOT_CMDLINE - LINUX_BOOT_PARAMS - 0x1000)
        return error_setf(err, "-kernel: the real-mode setup code (%zu bytes) is too large",
                          l.setup_len);

    uint8_t *initrd = NULL;
    size_t initrd_len = 0;
    uint64_t initrd_addr = 0;
    if (cfg->initrd_path) {
        if (image_read_file("-initrd", cfg->initrd_path, 1ull << 32, &initrd, &initrd_len,
                            err) < 0)
            return -1;
        if (initrd_place(cfg, &l, initrd_len, &initrd_addr, err) < 0) {
            free(initrd);
            return -1;
        }
    }
    int rc = fw_cfg_add_u32(fc, FW_CFG_SETUP_ADDR, LINUX_BOOT_PARAMS) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_SETUP_SIZE, (uint32_t)l.setup_len) < 0 ||
             fw_cfg_add(fc, FW_CFG_SETUP_DATA, img, (uint32_t)l.setup_len) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_KERNEL_ADDR, LINUX_BOOT_KERNEL) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_KERNEL_SIZE, (uint32_t)l.kernel_len) < 0 ||
             fw_cfg_add(fc, FW_CFG_KERNEL_DATA, img + l.setup_len, (uint32_t)l.kernel_len) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_CMDLINE_ADDR, LINUX_BOOT_CMDLINE) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_CMDLINE_SIZE, (uint32_t)l.cmdline_len) < 0 ||
             fw_cfg_add(fc, FW_CFG_CMDLINE_DATA, cmdline, (uint32_t)l.cmdline_len) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_INITRD_ADDR, (uint32_t)initrd_addr) < 0 ||
             fw_cfg_add_u32(fc, FW_CFG_INITRD_SIZE, (uint32_t)initrd_len) < 0 ||
             fw_cfg_add(fc, FW_CFG_INITRD_DATA, initrd, (uint32_t)initrd_len) < 0 ? -1 : 0;
    free(initrd);
    if (rc < 0)
        return error_setf(err, "fw_cfg: out of memory for the kernel");
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Direct Linux boot (-kernel bzImage -initrd -append) following the x86
 * boot protocol (Documentation/arch/x86/boot.rst), entering the kernel at
 * its 32-bit protected-mode entry the way a boot loader does: boot_params
 * ("zero page") filled from the image's setup header, the command line, the
 * initrd at the top of low RAM, the E820 map, and flat __BOOT_CS/__BOOT_DS
 * segments. For a boot through firmware it puts the same pieces in fw_cfg
 * instead, for the option ROM that loads them (hw/pc/optionrom/).
 */
#ifndef TANDEM_LINUX_BOOT_H
#define TANDEM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pc/e820.h"
#include "hw/pc/fw_cfg.h"
#include "softmmu/machine.h"

/* Is this image a bzImage (setup header with "HdrS")? */
bool linux_boot_probe(const uint8_t *image, size_t len);

typedef struct LinuxBootConfig {
    const uint8_t *image;       /* the whole bzImage file */
    size_t image_len;
    const char *initrd_path;    /* NULL: none */
    const char *cmdline;        /* NULL: empty */
    const E820Table *e820;
    uint64_t ram_below_4g;
    uint64_t ram_reserved_top;  /* bytes at the top of low RAM kept for firmware */
} LinuxBootConfig;

/* What the loader computes from the header before it writes anything. */
typedef struct LinuxBootLayout {
    size_t setup_len;           /* boot sector + real-mode setup */
    size_t kernel_len;          /* the protected-mode part */
    uint64_t kernel_end;        /* end of the unpacked kernel from 1 MiB */
    uint64_t initrd_max;        /* the header's initrd_addr_max */
    size_t cmdline_len;         /* with its NUL */
} LinuxBootLayout;

/* Physical addresses the loader uses (below the kernel at 1 MiB). */
#define LINUX_BOOT_GDT        0x5000u
#define LINUX_BOOT_PARAMS     0x10000u
#define LINUX_BOOT_CMDLINE    0x20000u
#define LINUX_BOOT_CMDLINE_MAX 0x10000u
#define LINUX_BOOT_KERNEL     0x100000u

/*
 * Check the image and the command line against the protocol and RAM; one
 * line in err for what is wrong.
 */
int linux_boot_check(const LinuxBootConfig *cfg, LinuxBootLayout *l, Error *err);

/*
 * Load the kernel and initrd into m's memory and set vCPU 0 at the 32-bit
 * entry. Fails with one line for a bad image, an old protocol, an image or
 * initrd that does not fit in RAM, or an overlong command line.
 */
int linux_boot_load(Machine *m, const LinuxBootConfig *cfg, Error *err);

/*
 * For a boot through firmware: put the setup code, kernel, command line and
 * initrd in fw_cfg (FW_CFG_SETUP_*, KERNEL_*, CMDLINE_*, INITRD_*) with the
 * addresses the option ROM loads them at; the initrd goes as high as the
 * header allows below low RAM's end minus cfg->ram_reserved_top.
 */
int linux_boot_fw_cfg(FwCfg *fc, const LinuxBootConfig *cfg, Error *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Direct Linux boot (-kernel bzImage -initrd -append) following the x86
 * boot protocol (Documentation/arch/x86/boot.rst), entering the kernel at
 * its 32-bit protected-mode entry the way a boot loader does: boot_params
 * ("zero page") filled from the image's setup header, the command line, the
 * initrd at the top of low RAM, the E820 map, and flat __BOOT_CS/__BOOT_DS
 * segments.
 */
#ifndef TANDEM_LINUX_BOOT_H
#define TANDEM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pc/e820.h"
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
} LinuxBootConfig;

/* Physical addresses the loader uses (below the kernel at 1 MiB). */
#define LINUX_BOOT_GDT        0x5000u
#define LINUX_BOOT_PARAMS     0x10000u
#define LINUX_BOOT_CMDLINE    0x20000u
#define LINUX_BOOT_CMDLINE_MAX 0x10000u
#define LINUX_BOOT_KERNEL     0x100000u

/*
 * Load the kernel and initrd into m's memory and set vCPU 0 at the 32-bit
 * entry. Fails with one line for a bad image, an old protocol, an image or
 * initrd that does not fit in RAM, or an overlong command line.
 */
int linux_boot_load(Machine *m, const LinuxBootConfig *cfg, Error *err);

#endif

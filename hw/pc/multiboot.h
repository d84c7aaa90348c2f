/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (version 1) loader: -kernel as a multiboot image, -initrd as its
 * modules, -append as its command line.
 *
 * The image parser (multiboot_load_image) knows nothing of the machine: it
 * writes guest memory through a callback and is handed the RAM layout, so
 * unit tests run it on a plain buffer. Every address and size in the image
 * is checked before anything is written: a corrupt or hostile image gives
 * one error line and leaves the machine untouched.
 */
#ifndef TANDEM_MULTIBOOT_H
#define TANDEM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pc/e820.h"
#include "softmmu/error.h"

typedef struct Machine Machine;

#define MULTIBOOT_HEADER_MAGIC  0x1BADB002u
#define MULTIBOOT_BOOT_MAGIC    0x2BADB002u     /* in EAX at entry */
#define MULTIBOOT_SEARCH_LIMIT  8192            /* header within the first 8 KiB */
/* Where the information structure and its strings go. */
#define MULTIBOOT_INFO_ADDR     0x9000u
#define MULTIBOOT_INFO_LIMIT    0x9fc00u        /* below the EBDA */

typedef struct MultibootModule {
    const char *string;         /* the module's command line for the guest */
    const uint8_t *data;
    size_t size;
} MultibootModule;

/* Write len bytes of guest-physical memory; 0 on success. */
typedef int MultibootWriteFn(void *opaque, uint64_t addr, const void *buf,
                             uint64_t len);

typedef struct MultibootParams {
    uint64_t ram_below_4g;      /* RAM at [0, ram_below_4g) */
    const E820Table *e820;      /* the board's memory map, given as mmap */
    const char *cmdline;        /* NULL: empty */
    const MultibootModule *mods;
    size_t nr_mods;
    MultibootWriteFn *write;
    void *opaque;
} MultibootParams;

typedef struct MultibootBoot {
    uint32_t entry;             /* EIP */
    uint32_t info_addr;         /* EBX */
    uint64_t image_start, image_end;    /* lowest and highest loaded byte + 1 */
    uint64_t info_end;
} MultibootBoot;

/*
 * Offset of the first multiboot magic in the header search area, or -1.
 * Finding it says "this is meant as multiboot"; load checks the rest.
 */
long multiboot_find_header(const uint8_t *img, size_t len);

/* Load an image into guest memory as p describes. name is for messages. */
int multiboot_load_image(const char *name, const uint8_t *img, size_t len,
                         const MultibootParams *p, MultibootBoot *out, Error *err);

/*
 * The board's entry point: load the -kernel image (already read into img),
 * the -initrd modules and -append into m's memory and set vCPU 0 to enter
 * the kernel (flat 32-bit, EAX = MULTIBOOT_BOOT_MAGIC, EBX = info).
 */
int multiboot_load(Machine *m, const char *kernel_path, const uint8_t *img,
                   size_t len, uint64_t ram_below_4g, const E820Table *e820,
                   Error *err);

#endif

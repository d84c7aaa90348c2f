/* SPDX-License-Identifier: MIT */
/*
 * QEMU's BIOS linker/loader command list ("etc/table-loader" in fw_cfg),
 * the format SeaBIOS and OVMF execute to place ACPI tables: each command
 * is a 128-byte record, a little-endian uint32 command number followed by
 * its arguments, zero padded:
 *
 *   1 ALLOCATE      file[56], align (u32), zone (u8: 1 high memory, 2 FSEG)
 *   2 ADD_POINTER   dest_file[56], src_file[56], offset (u32), size (u8):
 *                   the size-byte little-endian value at dest_file+offset,
 *                   an offset into src_file, gets src_file's address added
 *   3 ADD_CHECKSUM  file[56], offset (u32), start (u32), length (u32):
 *                   file[offset] is adjusted so that the bytes of
 *                   [start, start + length) sum to zero
 *
 * A file must be allocated before a command names it, and a checksum must
 * follow the pointers it covers. tandem runs the same list itself for
 * direct Linux boot (acpi_loader_run), so both boot paths place the tables
 * by one recipe.
 */
#ifndef TANDEM_ACPI_LOADER_H
#define TANDEM_ACPI_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

#define ACPI_LOADER_FILESZ      56
#define ACPI_LOADER_ENTRY_SIZE  128

enum {
    ACPI_LOADER_ALLOCATE = 1,
    ACPI_LOADER_ADD_POINTER = 2,
    ACPI_LOADER_ADD_CHECKSUM = 3,
};

enum {
    ACPI_LOADER_ZONE_HIGH = 1,
    ACPI_LOADER_ZONE_FSEG = 2,
};

typedef struct AcpiLoader {
    uint8_t *cmds;
    size_t len, cap;
} AcpiLoader;

void acpi_loader_allocate(AcpiLoader *l, const char *file, uint32_t align, uint8_t zone);
void acpi_loader_add_pointer(AcpiLoader *l, const char *dest, uint32_t offset,
                             uint8_t size, const char *src);
void acpi_loader_add_checksum(AcpiLoader *l, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length);
void acpi_loader_free(AcpiLoader *l);

/* A file the loader works on: its bytes (patched in place) and address. */
typedef struct AcpiLoaderFile {
    const char *name;
    uint8_t *data;
    size_t len;
    uint64_t addr;
} AcpiLoaderFile;

/*
 * Execute a command list on files already placed at their addresses (the
 * caller chose them; ALLOCATE only checks that each is aligned and that
 * FSEG files lie in 0xe0000-0xfffff). Every offset is bounds-checked.
 */
int acpi_loader_run(const uint8_t *cmds, size_t len, AcpiLoaderFile *files,
                    unsigned nr_files, Error *err);

/* The 8-bit sum of n bytes (a table is valid when its sum is 0). */
uint8_t acpi_checksum(const uint8_t *p, size_t n);

#endif

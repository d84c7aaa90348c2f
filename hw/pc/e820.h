/* SPDX-License-Identifier: MIT */
/*
 * The PC's memory map as firmware reports it (BIOS INT 15h E820): built
 * once by the board from its RAM layout, then handed to every consumer
 * (Linux boot_params, multiboot's mmap, fw_cfg's etc/e820) so that they all
 * describe the same machine.
 */
#ifndef TANDEM_E820_H
#define TANDEM_E820_H

#include <stddef.h>
#include <stdint.h>

enum {
    E820_RAM = 1,
    E820_RESERVED = 2,
    E820_ACPI = 3,
    E820_NVS = 4,
};

#define E820_MAX_ENTRIES 32

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

typedef struct E820Table {
    size_t nr;
    E820Entry entry[E820_MAX_ENTRIES];
} E820Table;

/* Append a range; returns -1 if the table is full or the range is empty. */
int e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type);

/*
 * The standard PC layout for ram_below_4g bytes of RAM from 0 and
 * ram_above_4g bytes from 4 GiB: conventional memory up to 639 KiB, the
 * EBDA and the BIOS area reserved, extended memory from 1 MiB.
 */
void e820_build_pc(E820Table *t, uint64_t ram_below_4g, uint64_t ram_above_4g);

#endif

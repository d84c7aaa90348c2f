/* SPDX-License-Identifier: MIT */
/*
 * E820 table construction. The layout mirrors what SeaBIOS reports on a
 * PC so that a kernel sees the same map whether it was booted directly or
 * through firmware: 0-0x9fc00 RAM, the 1 KiB EBDA and 0xf0000-0xfffff
 * reserved, RAM from 1 MiB to the PCI hole, RAM again above 4 GiB.
 */
#include "hw/pc/e820.h"

#define EBDA_START   0x9fc00ull
#define BIOS_START   0xf0000ull
#define HIGH_START   0x100000ull
#define FOUR_GIB     0x100000000ull

int e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size == 0 || t->nr >= E820_MAX_ENTRIES)
        return -1;
    t->entry[t->nr++] = (E820Entry){ addr, size, type };
    return 0;
}

void e820_build_pc(E820Table *t, uint64_t ram_below_4g, uint64_t ram_above_4g)
{
    t->nr = 0;
    e820_add(t, 0, ram_below_4g < EBDA_START ? ram_below_4g : EBDA_START, E820_RAM);
    e820_add(t, EBDA_START, 0xa0000 - EBDA_START, E820_RESERVED);
    e820_add(t, BIOS_START, HIGH_START - BIOS_START, E820_RESERVED);
    if (ram_below_4g > HIGH_START)
        e820_add(t, HIGH_START, ram_below_4g - HIGH_START, E820_RAM);
    if (ram_above_4g)
        e820_add(t, FOUR_GIB, ram_above_4g, E820_RAM);
}

/* SPDX-License-Identifier: MIT */
/*
 * Finishing an option ROM image (see optionrom.h): what QEMU does with a
 * build-time signing script, done when the board adds the ROM, so the
 * embedded bytes stay exactly what the assembler produced.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/pc/optionrom.h"

#define ROM_BLOCK 512
#define ROM_MAX (64 * 1024)
#define ROM_PNP_OFFSET 0x1a

static uint8_t pc_optionrom_sum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/* The PnP expansion header's own checksum, when the ROM has a valid one. */
static void pc_optionrom_fix_pnp(uint8_t *rom, size_t len)
{
    size_t pnp = rom[ROM_PNP_OFFSET] | rom[ROM_PNP_OFFSET + 1] << 8;
    if (!pnp || pnp + 32 > len || memcmp(rom + pnp, "$PnP", 4))
        return;
    size_t hlen = (size_t)rom[pnp + 5] * 16;
    if (hlen < 32 || pnp + hlen > len)
        return;
    rom[pnp + 9] = 0;
    rom[pnp + 9] = (uint8_t)-pc_optionrom_sum(rom + pnp, hlen);
}

int pc_optionrom_finish(const uint8_t *code, size_t len, uint8_t **out, size_t *out_len,
                        Error *err)
{
    if (len < 3 || code[0] != 0x55 || code[1] != 0xaa)
        return error_setf(err, "option ROM: no 0x55 0xaa signature");
    size_t size = (len + 1 + ROM_BLOCK - 1) / ROM_BLOCK * ROM_BLOCK;
    if (size > ROM_MAX)
        return error_setf(err, "option ROM: %zu bytes, more than 64 KiB", len);
    uint8_t *rom = calloc(1, size);
    if (!rom)
        return error_setf(err, "option ROM: out of memory");
    memcpy(rom, code, len);
    rom[2] = (uint8_t)(size / ROM_BLOCK);
    pc_optionrom_fix_pnp(rom, size);
    rom[size - 1] = 0;
    rom[size - 1] = (uint8_t)-pc_optionrom_sum(rom, size);
    *out = rom;
    *out_len = size;
    return 0;
}

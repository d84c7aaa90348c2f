/* SPDX-License-Identifier: MIT */
/*
 * Option ROMs tandem builds from its own sources (hw/pc/optionrom/NAME.S,
 * assembled by the Makefile and embedded as byte arrays) and hands to the
 * firmware through fw_cfg ("genroms/NAME"). The assembled code leaves the
 * size byte and the checksums zero; pc_optionrom_finish() sets them, so
 * the checksum always matches the bytes SeaBIOS sees.
 */
#ifndef TANDEM_PC_OPTIONROM_H
#define TANDEM_PC_OPTIONROM_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

/* The Linux loader (optionrom/linuxboot.S), as assembled. */
extern const uint8_t pc_optionrom_linuxboot[];
extern const size_t pc_optionrom_linuxboot_len;

/*
 * A ROM image from code: padded with zeros to whole 512-byte blocks (at
 * least one spare byte for the checksum), the size byte at offset 2 set,
 * the PnP header's checksum (if there is one) and then the whole image's
 * checksum made zero. *out is malloc'd. -1 with err for code that is not an
 * option ROM (no 0x55 0xaa) or larger than 64 KiB.
 */
int pc_optionrom_finish(const uint8_t *code, size_t len, uint8_t **out, size_t *out_len,
                        Error *err);

#endif

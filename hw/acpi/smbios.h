/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS 2.8 tables with the 32-bit ("_SM_") entry point: BIOS (type 0),
 * system (1), chassis (3), one processor per CPU (4), the physical memory
 * array (16), its memory devices (17, one per 16 GiB or less), the array
 * mapped addresses (19, below and above 4 GiB), system boot (32) and the
 * end of table (127).
 *
 * smbios_build() makes what SeaBIOS reads from fw_cfg: the structure table
 * ("etc/smbios/smbios-tables") and the entry point ("etc/smbios/smbios-
 * anchor"), whose table address the firmware fills in where it copies the
 * table, fixing both checksums. For direct boot smbios_install (in
 * acpi-install.h) does the same into guest memory.
 */
#ifndef TANDEM_SMBIOS_H
#define TANDEM_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

#define SMBIOS_FILE_TABLES "etc/smbios/smbios-tables"
#define SMBIOS_FILE_ANCHOR "etc/smbios/smbios-anchor"
#define SMBIOS_ANCHOR_SIZE 31

typedef struct SmbiosDesc {
    /* Strings may be NULL (a default is used). */
    const char *bios_vendor, *bios_version, *bios_date;    /* date: MM/DD/YYYY */
    const char *manufacturer, *product, *version, *serial;
    uint8_t uuid[16];
    unsigned nr_cpus;
    uint32_t cpuid_1_eax;       /* processor signature (CPUID.1:EAX) */
    uint32_t cpuid_1_edx;       /* feature flags (CPUID.1:EDX) */
    const char *cpu_manufacturer;
    uint16_t cpu_mhz;           /* 0: unknown */
    uint64_t ram_below_4g, ram_above_4g;
} SmbiosDesc;

typedef struct SmbiosTables {
    uint8_t *tables;            /* the structure table */
    size_t tables_len;
    uint8_t anchor[SMBIOS_ANCHOR_SIZE]; /* table address 0, checksums valid for it */
    unsigned nr_structs;
    uint16_t max_struct;        /* largest structure, strings included */
} SmbiosTables;

int smbios_build(const SmbiosDesc *d, SmbiosTables *out, Error *err);
void smbios_tables_free(SmbiosTables *t);
/* Point the anchor at the table's guest address and fix its checksums. */
void smbios_anchor_set_address(uint8_t anchor[SMBIOS_ANCHOR_SIZE], uint32_t addr);

#endif

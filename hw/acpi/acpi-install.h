/* SPDX-License-Identifier: MIT */
/*
 * Handing the built ACPI and SMBIOS tables to the guest, two ways:
 *
 *  - through firmware: add them to fw_cfg as the files SeaBIOS reads
 *    (acpi_add_fw_cfg, smbios_add_fw_cfg); SeaBIOS allocates, links and
 *    checksums them by running etc/table-loader;
 *  - direct Linux boot (no firmware): write them into guest memory
 *    ourselves, running the same loader commands (acpi_install) and
 *    fixing the SMBIOS anchor (smbios_install). Linux finds the RSDP and
 *    the SMBIOS anchor by scanning 0xe0000-0xfffff (16-byte steps), so
 *    those two must lie there; the board must make that range RAM first
 *    (PAM registers) and keep it out of E820_RAM.
 *
 * acpi_direct_install() does the second with a fixed layout in the BIOS
 * area, the one place both scans look and nothing else uses without
 * firmware:
 *   0xe0000-0xeffff  ACPI tables (FACS first, 64-byte aligned)
 *   0xf0000          RSDP (36 bytes)
 *   0xf0040          SMBIOS 2.8 entry point (31 bytes)
 *   0xf0100-0xfffff  SMBIOS structure table
 */
#ifndef TANDEM_ACPI_INSTALL_H
#define TANDEM_ACPI_INSTALL_H

#include "hw/acpi/acpi-build.h"
#include "hw/acpi/smbios.h"
#include "hw/pc/fw_cfg.h"
#include "softmmu/memory.h"

#define ACPI_DIRECT_TABLES_ADDR  0xe0000ull
#define ACPI_DIRECT_TABLES_END   0xf0000ull
#define ACPI_DIRECT_RSDP_ADDR    0xf0000ull
#define SMBIOS_DIRECT_ANCHOR_ADDR 0xf0040ull
#define SMBIOS_DIRECT_TABLES_ADDR 0xf0100ull
#define SMBIOS_DIRECT_TABLES_END  0x100000ull

int acpi_add_fw_cfg(FwCfg *fc, const AcpiTables *t, Error *err);
int smbios_add_fw_cfg(FwCfg *fc, const SmbiosTables *t, Error *err);

/* Place t at tables_addr and the RSDP at rsdp_addr, linked and checksummed. */
int acpi_install(AddressSpace *as, const AcpiTables *t, uint64_t tables_addr,
                 uint64_t rsdp_addr, Error *err);
/* Place the structure table at tables_addr and the anchor pointing to it. */
int smbios_install(AddressSpace *as, const SmbiosTables *t, uint64_t anchor_addr,
                   uint64_t tables_addr, Error *err);

/* Both, with the layout above; smbios may be NULL. */
int acpi_direct_install(AddressSpace *as, const AcpiTables *acpi, const SmbiosTables *smbios,
                        Error *err);

#endif

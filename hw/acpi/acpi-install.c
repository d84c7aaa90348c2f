/* SPDX-License-Identifier: MIT */
/*
 * Glue between the table builders and the machine: fw_cfg files for
 * firmware, guest memory for direct boot. The builders' outputs are never
 * modified here; direct install patches private copies, so the same
 * AcpiTables can also be given to fw_cfg (and survive a reset).
 */
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi-install.h"
#include "hw/acpi/acpi-loader.h"

int acpi_add_fw_cfg(FwCfg *fc, const AcpiTables *t, Error *err)
{
    if (fw_cfg_add_file(fc, ACPI_FILE_TABLES, t->tables, (uint32_t)t->tables_len) < 0 ||
        fw_cfg_add_file(fc, ACPI_FILE_RSDP, t->rsdp, ACPI_RSDP_SIZE) < 0 ||
        fw_cfg_add_file(fc, ACPI_FILE_LOADER, t->loader, (uint32_t)t->loader_len) < 0)
        return error_setf(err, "acpi: cannot add the tables to fw_cfg");
    return 0;
}

int smbios_add_fw_cfg(FwCfg *fc, const SmbiosTables *t, Error *err)
{
    if (fw_cfg_add_file(fc, SMBIOS_FILE_TABLES, t->tables, (uint32_t)t->tables_len) < 0 ||
        fw_cfg_add_file(fc, SMBIOS_FILE_ANCHOR, t->anchor, SMBIOS_ANCHOR_SIZE) < 0)
        return error_setf(err, "smbios: cannot add the tables to fw_cfg");
    return 0;
}

static int acpi_write(AddressSpace *as, uint64_t addr, const void *p, size_t len,
                      const char *what, Error *err)
{
    if (as_write_rom(as, addr, p, len) != MEMTX_OK)
        return error_setf(err, "%s: cannot write %zu bytes at %#llx", what, len,
                          (unsigned long long)addr);
    return 0;
}

int acpi_install(AddressSpace *as, const AcpiTables *t, uint64_t tables_addr,
                 uint64_t rsdp_addr, Error *err)
{
    uint8_t rsdp[ACPI_RSDP_SIZE];
    uint8_t *tables = malloc(t->tables_len);
    int ret = -1;

    if (!tables)
        return error_setf(err, "acpi: out of memory");
    memcpy(tables, t->tables, t->tables_len);
    memcpy(rsdp, t->rsdp, ACPI_RSDP_SIZE);
    AcpiLoaderFile files[] = {
        { ACPI_FILE_TABLES, tables, t->tables_len, tables_addr },
        { ACPI_FILE_RSDP, rsdp, ACPI_RSDP_SIZE, rsdp_addr },
    };
    if (acpi_loader_run(t->loader, t->loader_len, files, 2, err) == 0 &&
        acpi_write(as, tables_addr, tables, t->tables_len, "acpi", err) == 0 &&
        acpi_write(as, rsdp_addr, rsdp, ACPI_RSDP_SIZE, "acpi", err) == 0)
        ret = 0;
    free(tables);
    return ret;
}

int smbios_install(AddressSpace *as, const SmbiosTables *t, uint64_t anchor_addr,
                   uint64_t tables_addr, Error *err)
{
    uint8_t anchor[SMBIOS_ANCHOR_SIZE];
    if (tables_addr + t->tables_len > 0x100000000ull)
        return error_setf(err, "smbios: the 2.8 table must lie below 4 GiB");
    memcpy(anchor, t->anchor, SMBIOS_ANCHOR_SIZE);
    smbios_anchor_set_address(anchor, (uint32_t)tables_addr);
    if (acpi_write(as, tables_addr, t->tables, t->tables_len, "smbios", err) < 0 ||
        acpi_write(as, anchor_addr, anchor, SMBIOS_ANCHOR_SIZE, "smbios", err) < 0)
        return -1;
    return 0;
}

int acpi_direct_install(AddressSpace *as, const AcpiTables *acpi, const SmbiosTables *smbios,
                        Error *err)
{
    if (ACPI_DIRECT_TABLES_ADDR + acpi->tables_len > ACPI_DIRECT_TABLES_END)
        return error_setf(err, "acpi: %zu bytes of tables do not fit below %#llx",
                          acpi->tables_len, ACPI_DIRECT_TABLES_END);
    if (acpi_install(as, acpi, ACPI_DIRECT_TABLES_ADDR, ACPI_DIRECT_RSDP_ADDR, err) < 0)
        return -1;
    if (!smbios)
        return 0;
    if (SMBIOS_DIRECT_TABLES_ADDR + smbios->tables_len > SMBIOS_DIRECT_TABLES_END)
        return error_setf(err, "smbios: %zu bytes of tables do not fit below 1 MiB",
                          smbios->tables_len);
    return smbios_install(as, smbios, SMBIOS_DIRECT_ANCHOR_ADDR, SMBIOS_DIRECT_TABLES_ADDR,
                          err);
}

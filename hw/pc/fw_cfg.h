/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration interface (fw_cfg), which SeaBIOS, Linux
 * and test guests read: a selector port (0x510, 16-bit), a data port
 * (0x511, byte stream), and the DMA interface (address register at 0x514,
 * big-endian, the write of the low half at 0x518 starting the transfer).
 *
 * The board adds items before the guest runs: numbered keys (RAM size, CPU
 * count, kernel pieces) and named files, which get keys from 0x20 and are
 * listed in the file directory (key 0x19). Items are read-only to the guest;
 * unknown keys read as zero bytes, as QEMU does. Item data is copied in.
 */
#ifndef TANDEM_FW_CFG_H
#define TANDEM_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "softmmu/memory.h"

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_ARCH_E820_TABLE = 0x8003,
};

#define FW_CFG_IO_BASE 0x510
#define FW_CFG_MAX_FILES 64
#define FW_CFG_FILE_NAME_MAX 56

typedef struct FwCfgItem {
    uint16_t key;
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfg {
    Device dev;
    AddressSpace *dma_as;       /* guest memory the DMA interface reaches */
    MemoryRegion io;            /* 0x510..0x51b */
    FwCfgItem *items;
    size_t nr_items, cap_items;
    char file_names[FW_CFG_MAX_FILES][FW_CFG_FILE_NAME_MAX];
    uint16_t file_keys[FW_CFG_MAX_FILES];
    size_t nr_files;
    /* guest-visible state */
    uint16_t selector;
    uint32_t offset;            /* read position in the selected item */
    uint64_t dma_addr;
} FwCfg;

/* Create at port base in m's I/O space, with DMA into dma_as. */
FwCfg *fw_cfg_create(Machine *m, uint16_t base, AddressSpace *dma_as);
/* Add (or replace) a numbered item; returns -1 when out of memory. */
int fw_cfg_add(FwCfg *fc, uint16_t key, const void *data, uint32_t len);
int fw_cfg_add_u16(FwCfg *fc, uint16_t key, uint16_t v);
int fw_cfg_add_u32(FwCfg *fc, uint16_t key, uint32_t v);
int fw_cfg_add_u64(FwCfg *fc, uint16_t key, uint64_t v);
/* Add a named file (rebuilds the directory); -1 on a bad name or when full. */
int fw_cfg_add_file(FwCfg *fc, const char *name, const void *data, uint32_t len);

/* Port-level accessors (for tests and the I/O region). */
uint64_t fw_cfg_io_read(void *opaque, uint64_t addr, unsigned size);
void fw_cfg_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size);

#endif

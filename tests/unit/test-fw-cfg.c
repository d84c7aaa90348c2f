/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg as firmware uses it: signature and items through the data port,
 * the file directory, and DMA transfers (read, skip, select, zeros past the
 * end, refused writes, descriptors and buffers outside RAM).
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/pc/fw_cfg.h"

#define RAM_SIZE 0x10000

static MemoryRegion root, ram;
static AddressSpace as;
static FwCfg *fc;

static int setup(void)
{
    mr_init_container(&root, "root", UINT64_MAX);
    if (mr_init_ram(&ram, "ram", RAM_SIZE, NULL) < 0)
        return -1;
    mr_add_subregion(&root, 0, &ram);
    as_init(&as, &root, "mem");
    fc = fw_cfg_create(NULL, FW_CFG_IO_BASE, &as);
    return fc ? 0 : -1;
}

static void select_key(uint16_t key) { fw_cfg_io_write(fc, 0, key, 2); }
static uint8_t data_byte(void) { return (uint8_t)fw_cfg_io_read(fc, 1, 1); }

static void test_signature_and_id(void)
{
    char sig[5] = { 0 };
    select_key(FW_CFG_SIGNATURE);
    for (int i = 0; i < 4; i++)
        sig[i] = (char)data_byte();
    CU_ASSERT_STRING_EQUAL(sig, "QEMU");
    select_key(FW_CFG_ID);
    CU_ASSERT_EQUAL(data_byte(), 3);    /* traditional + DMA */
    /* the DMA register reads as "QEMU CFG" in memory order */
    uint32_t hi = (uint32_t)fw_cfg_io_read(fc, 4, 4), lo = (uint32_t)fw_cfg_io_read(fc, 8, 4);
    CU_ASSERT_EQUAL(memcmp(&hi, "QEMU", 4), 0);
    CU_ASSERT_EQUAL(memcmp(&lo, " CFG", 4), 0);
}

static void test_items_and_unknown_keys(void)
{
    CU_ASSERT_EQUAL(fw_cfg_add_u64(fc, FW_CFG_RAM_SIZE, 0x12345678abull), 0);
    select_key(FW_CFG_RAM_SIZE);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)data_byte() << (8 * i);
    CU_ASSERT_EQUAL(v, 0x12345678abull);
    CU_ASSERT_EQUAL(data_byte(), 0);    /* past the end */
    select_key(0x4242);                  /* unknown: zeros */
    CU_ASSERT_EQUAL(data_byte(), 0);
    /* reselecting rewinds */
    select_key(FW_CFG_RAM_SIZE);
    CU_ASSERT_EQUAL(data_byte(), 0xab);
}

static void test_file_dir(void)
{
    CU_ASSERT_EQUAL(fw_cfg_add_file(fc, "etc/test", "hello", 5), 0);
    CU_ASSERT_EQUAL(fw_cfg_add_file(fc, "etc/other", "xy", 2), 0);
    char long_name[80];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = 0;
    CU_ASSERT_EQUAL(fw_cfg_add_file(fc, long_name, "z", 1), -1);
    select_key(FW_CFG_FILE_DIR);
    uint8_t dir[4 + 2 * 64];
    for (size_t i = 0; i < sizeof(dir); i++)
        dir[i] = data_byte();
    CU_ASSERT_EQUAL(dir[3], 2);
    CU_ASSERT_EQUAL(dir[4 + 3], 5);                       /* size, big-endian */
    uint16_t key = dir[4 + 4] << 8 | dir[4 + 5];
    CU_ASSERT_EQUAL(key, FW_CFG_FILE_FIRST);
    CU_ASSERT_STRING_EQUAL((char *)dir + 4 + 8, "etc/test");
    CU_ASSERT_STRING_EQUAL((char *)dir + 4 + 64 + 8, "etc/other");
    select_key(key);
    CU_ASSERT_EQUAL(data_byte(), 'h');
    /* replacing a file keeps its key and updates the size */
    CU_ASSERT_EQUAL(fw_cfg_add_file(fc, "etc/test", "hello!", 6), 0);
    select_key(FW_CFG_FILE_DIR);
    for (size_t i = 0; i < sizeof(dir); i++)
        dir[i] = data_byte();
    CU_ASSERT_EQUAL(dir[3], 2);
    CU_ASSERT_EQUAL(dir[4 + 3], 6);
}

static uint8_t *guest(void) { return mr_ram_ptr(&ram); }

static void put_desc(uint64_t at, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t *d = guest() + at;
    for (int i = 0; i < 4; i++) {
        d[i] = control >> (24 - 8 * i);
        d[4 + i] = len >> (24 - 8 * i);
    }
    for (int i = 0; i < 8; i++)
        d[8 + i] = addr >> (56 - 8 * i);
}

static uint32_t desc_control(uint64_t at)
{
    uint8_t *d = guest() + at;
    return (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
}

static void start_dma(uint64_t desc)
{
    fw_cfg_io_write(fc, 4, __builtin_bswap32((uint32_t)(desc >> 32)), 4);
    fw_cfg_io_write(fc, 8, __builtin_bswap32((uint32_t)desc), 4);
}

static void test_dma(void)
{
    CU_ASSERT_EQUAL(fw_cfg_add_file(fc, "etc/dma", "0123456789", 10), 0);
    uint16_t key = FW_CFG_FILE_FIRST + 2;
    memset(guest() + 0x2000, 0xee, 32);
    /* select + read 4 bytes */
    put_desc(0x1000, (uint32_t)key << 16 | 0x08 | 0x02, 4, 0x2000);
    start_dma(0x1000);
    CU_ASSERT_EQUAL(desc_control(0x1000), 0);
    CU_ASSERT_EQUAL(memcmp(guest() + 0x2000, "0123", 4), 0);
    /* skip 2, then read 8: 4 real bytes and 4 zeros past the end */
    put_desc(0x1000, 0x04, 2, 0);
    start_dma(0x1000);
    put_desc(0x1000, 0x02, 8, 0x2010);
    start_dma(0x1000);
    CU_ASSERT_EQUAL(desc_control(0x1000), 0);
    CU_ASSERT_EQUAL(memcmp(guest() + 0x2010, "6789\0\0\0\0", 8), 0);
    CU_ASSERT_EQUAL(guest()[0x2018], 0xee);
    /* writes are refused with the error bit */
    put_desc(0x1000, 0x10, 4, 0x2000);
    start_dma(0x1000);
    CU_ASSERT_EQUAL(desc_control(0x1000), 1);
    /* a buffer running off the end of RAM: error, RAM's last bytes written */
    put_desc(0x1000, (uint32_t)key << 16 | 0x08 | 0x02, 8, RAM_SIZE - 4);
    start_dma(0x1000);
    CU_ASSERT_EQUAL(desc_control(0x1000) & 1, 1);
    /* a descriptor outside RAM is ignored without touching anything */
    start_dma(0x7fffffff0000ull);
    start_dma(UINT64_MAX - 7);
    CU_ASSERT_EQUAL(guest()[0x2018], 0xee);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "signature and ID", test_signature_and_id },
        { "numbered items, unknown keys", test_items_and_unknown_keys },
        { "file directory", test_file_dir },
        { "DMA", test_dma },
        { NULL, NULL },
    };
    unit_add_suite("fw_cfg", setup, NULL, tests);
}

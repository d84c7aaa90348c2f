/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the memory API (softmmu/memory.c), the access side: how an
 * access is split across regions and to a device's access sizes, unassigned
 * space, the top of the address space, ROM, the I/O port space, DMA mapping
 * bounds, RAM setup, dirty tracking and the code-write hook. The flat view
 * itself is tested in test-memory.c; the test device both use is in
 * test-memory.h.
 *
 * Each test builds its own small tree from regions on its stack and tears it
 * down, so tests do not depend on each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "softmmu/log.h"
#include "softmmu/memory.h"
#include "tests/unit/test-memory.h"
#include "tests/unit/unit.h"

static const MemoryRegionOps ops_aligned = {
    .read = testdev_read, .write = testdev_write, .aligned_only = true,
};
static const MemoryRegionOps ops_max2 = {
    .read = testdev_read, .write = testdev_write, .max_access = 2,
};
static const MemoryRegionOps ops_min4 = {
    .read = testdev_read, .write = testdev_write, .min_access = 4, .max_access = 4,
};

#define CHECK_ACCESS(d, i, a, s, w, v)                                  \
    do {                                                                \
        CU_ASSERT_EQUAL((d)->log[i].addr, (a));                         \
        CU_ASSERT_EQUAL((d)->log[i].size, (s));                         \
        CU_ASSERT_EQUAL((d)->log[i].write, (w));                        \
        if (w)                                                          \
            CU_ASSERT_EQUAL((d)->log[i].val, (v));                      \
    } while (0)

/* ---- accesses ----------------------------------------------------------- */

static void test_split_two_io(void)
{
    MemoryRegion root, a, b;
    TestDev da, db;
    AddressSpace as;
    testdev_reset(&da, 0x10);
    testdev_reset(&db, 0x50);
    mr_init_container(&root, "root", 0x1000);
    mr_init_io(&a, "a", &ops_any, &da, 4);
    mr_init_io(&b, "b", &ops_any, &db, 4);
    mr_add_subregion(&root, 0x100, &a);
    mr_add_subregion(&root, 0x104, &b);
    as_init(&as, &root, "sys");

    MemTxResult res;
    uint64_t v = as_ld(&as, 0x102, 4, &res);
    CU_ASSERT_EQUAL(res, MEMTX_OK);
    CU_ASSERT_EQUAL(da.n, 1);
    CU_ASSERT_EQUAL(db.n, 1);
    CHECK_ACCESS(&da, 0, 2, 2, false, 0);
    CHECK_ACCESS(&db, 0, 0, 2, false, 0);
    CU_ASSERT_EQUAL(v, 0x5150u << 16 | 0x1312u);

    CU_ASSERT_EQUAL(as_st(&as, 0x103, 2, 0xbbaa), MEMTX_OK);
    CU_ASSERT_EQUAL(da.n, 2);
    CU_ASSERT_EQUAL(db.n, 2);
    CHECK_ACCESS(&da, 1, 3, 1, true, 0xaa);
    CHECK_ACCESS(&db, 1, 0, 1, true, 0xbb);

    as_destroy(&as);
    mr_destroy(&a);
    mr_destroy(&b);
    mr_destroy(&root);
}

static void test_split_ram_io(void)
{
    MemoryRegion root, ram, io;
    TestDev d;
    AddressSpace as;
    testdev_reset(&d, 0x70);
    mr_init_container(&root, "root", 0x10000);
    ram_init_ok(&ram, "ram", 0x1000);
    mr_init_io(&io, "io", &ops_any, &d, 0x100);
    mr_add_subregion(&root, 0, &ram);
    mr_add_subregion(&root, 0x1000, &io);
    as_init(&as, &root, "sys");

    CU_ASSERT_EQUAL(as_st(&as, 0xffe, 4, 0x44332211), MEMTX_OK);
    CU_ASSERT_EQUAL(mr_ram_ptr(&ram)[0xffe], 0x11);
    CU_ASSERT_EQUAL(mr_ram_ptr(&ram)[0xfff], 0x22);
    CU_ASSERT_EQUAL(d.n, 1);
    CHECK_ACCESS(&d, 0, 0, 2, true, 0x4433);

    uint64_t v = as_ld(&as, 0xffc, 8, NULL);
    CU_ASSERT_EQUAL(d.n, 2);
    CHECK_ACCESS(&d, 1, 0, 4, false, 0);
    CU_ASSERT_EQUAL(v, 0x7372717022110000ull);

    uint8_t buf[0x20];
    CU_ASSERT_EQUAL(as_read(&as, 0xff0, buf, sizeof(buf)), MEMTX_OK);
    CU_ASSERT_EQUAL(buf[0xe], 0x11);
    CU_ASSERT_EQUAL(buf[0x10], 0x70);
    CU_ASSERT_EQUAL(buf[0x1f], 0x7f);
    CU_ASSERT_EQUAL(d.n, 4);            /* 16 I/O bytes: two 8-byte reads */

    as_destroy(&as);
    mr_destroy(&io);
    mr_destroy(&ram);
    mr_destroy(&root);
}

static void test_unaligned(void)
{
    MemoryRegion root, al, any;
    TestDev da, dn;
    AddressSpace as;
    testdev_reset(&da, 0);
    testdev_reset(&dn, 0);
    mr_init_container(&root, "root", 0x1000);
    mr_init_io(&al, "al", &ops_aligned, &da, 0x10);
    mr_init_io(&any, "any", &ops_any, &dn, 0x10);
    mr_add_subregion(&root, 0, &al);
    mr_add_subregion(&root, 0x10, &any);
    as_init(&as, &root, "sys");

    /* aligned_only: 4 bytes at 1 become 1@1, 2@2, 1@4. */
    CU_ASSERT_EQUAL(as_ld(&as, 1, 4, NULL), 0x04030201);
    CU_ASSERT_EQUAL(da.n, 3);
    CHECK_ACCESS(&da, 0, 1, 1, false, 0);
    CHECK_ACCESS(&da, 1, 2, 2, false, 0);
    CHECK_ACCESS(&da, 2, 4, 1, false, 0);

    /* 8 bytes at 6: 2@6, then 4@8 (8 bytes do not fit), then 2@12. */
    CU_ASSERT_EQUAL(as_st(&as, 6, 8, 0x8877665544332211ull), MEMTX_OK);
    CU_ASSERT_EQUAL(da.n, 6);
    CHECK_ACCESS(&da, 3, 6, 2, true, 0x2211);
    CHECK_ACCESS(&da, 4, 8, 4, true, 0x66554433);
    CHECK_ACCESS(&da, 5, 12, 2, true, 0x8877);

    /* A device without aligned_only gets the unaligned access whole. */
    CU_ASSERT_EQUAL(as_ld(&as, 0x13, 4, NULL), 0x06050403);
    CU_ASSERT_EQUAL(dn.n, 1);
    CHECK_ACCESS(&dn, 0, 3, 4, false, 0);

    as_destroy(&as);
    mr_destroy(&al);
    mr_destroy(&any);
    mr_destroy(&root);
}

static void test_access_sizes(void)
{
    MemoryRegion root, m2, m4, odd;
    TestDev d2, d4, dodd;
    AddressSpace as;
    testdev_reset(&d2, 0);
    testdev_reset(&d4, 0xa0);
    testdev_reset(&dodd, 0);
    mr_init_container(&root, "root", 0x1000);
    mr_init_io(&m2, "max2", &ops_max2, &d2, 0x10);
    mr_init_io(&m4, "min4", &ops_min4, &d4, 0x10);
    mr_init_io(&odd, "odd", &ops_min4, &dodd, 6);
    mr_add_subregion(&root, 0, &m2);
    mr_add_subregion(&root, 0x10, &m4);
    mr_add_subregion(&root, 0x20, &odd);
    as_init(&as, &root, "sys");

    /* max_access 2: an 8-byte load is four 2-byte reads. */
    CU_ASSERT_EQUAL(as_ld(&as, 0, 8, NULL), 0x0706050403020100ull);
    CU_ASSERT_EQUAL(d2.n, 4);
    for (unsigned i = 0; i < 4 && i < d2.n; i++)
        CHECK_ACCESS(&d2, i, 2 * i, 2, false, 0);

    /* min_access 4: a byte read at 2 is one 4-byte read at 0. */
    CU_ASSERT_EQUAL(as_ld(&as, 0x12, 1, NULL), 0xa2);
    CU_ASSERT_EQUAL(d4.n, 1);
    CHECK_ACCESS(&d4, 0, 0, 4, false, 0);

    /* A byte write at 3: the value shifted into place, other bytes zero. */
    CU_ASSERT_EQUAL(as_st(&as, 0x13, 1, 0xab), MEMTX_OK);
    CU_ASSERT_EQUAL(d4.n, 2);
    CHECK_ACCESS(&d4, 1, 0, 4, true, 0xab000000ull);

    /* Two bytes across a 4-byte boundary: two widened writes. */
    CU_ASSERT_EQUAL(as_st(&as, 0x13, 2, 0xcdef), MEMTX_OK);
    CU_ASSERT_EQUAL(d4.n, 4);
    CHECK_ACCESS(&d4, 2, 0, 4, true, 0xef000000ull);
    CHECK_ACCESS(&d4, 3, 4, 4, true, 0xcd);

    /* An 8-byte access to a max-4 device: two 4-byte pieces. */
    CU_ASSERT_EQUAL(as_ld(&as, 0x18, 8, NULL), 0xafaeadacabaaa9a8ull);
    CU_ASSERT_EQUAL(d4.n, 6);
    CHECK_ACCESS(&d4, 4, 8, 4, false, 0);
    CHECK_ACCESS(&d4, 5, 12, 4, false, 0);

    /* Not aligned_only, so unaligned 4-byte pieces are fine: 4@2, 4@6. */
    uint8_t buf[8];
    CU_ASSERT_EQUAL(as_read(&as, 0x12, buf, sizeof(buf)), MEMTX_OK);
    CU_ASSERT_EQUAL(d4.n, 8);
    CHECK_ACCESS(&d4, 6, 2, 4, false, 0);
    CHECK_ACCESS(&d4, 7, 6, 4, false, 0);
    CU_ASSERT_EQUAL(buf[0], 0xa2);
    CU_ASSERT_EQUAL(buf[7], 0xa9);

    /* Widening may not reach past the region end (size 6, min 4). */
    MemTxResult res;
    CU_ASSERT_EQUAL(as_ld(&as, 0x25, 1, &res), 0xff);
    CU_ASSERT_EQUAL(res, MEMTX_ERROR);
    CU_ASSERT_EQUAL(dodd.n, 0);
    CU_ASSERT_EQUAL(as_ld(&as, 0x21, 1, &res), 0x01);
    CU_ASSERT_EQUAL(res, MEMTX_OK);
    CU_ASSERT_EQUAL(dodd.n, 1);

    fprintf(stderr, "\n    max2: %s\n    min4: %s\n", d2.trace, d4.trace);
    as_destroy(&as);
    mr_destroy(&m2);
    mr_destroy(&m4);
    mr_destroy(&odd);
    mr_destroy(&root);
}

static void test_unassigned(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    char path[] = "/tmp/tandem-test-memory-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_EQUAL_FATAL(log_set_file(path), 0);
    log_mask = LOG_UNIMP;

    mr_init_container(&root, "root", 0x10000);
    ram_init_ok(&ram, "ram", 0x1000);
    mr_add_subregion(&root, 0, &ram);
    as_init(&as, &root, "sysmem");

    MemTxResult res;
    CU_ASSERT_EQUAL(as_ld(&as, 0x5000, 4, &res), 0xffffffffu);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);
    CU_ASSERT_EQUAL(as_ld(&as, 0x5000, 8, NULL), UINT64_MAX);
    CU_ASSERT_EQUAL(as_st(&as, 0x5000, 4, 0), MEMTX_UNASSIGNED);
    CU_ASSERT_EQUAL(as_ld(&as, 0x5000, 4, NULL), 0xffffffffu);

    /* Half RAM, half nothing: the RAM half is real. */
    mr_ram_ptr(&ram)[0xffe] = 0x5a;
    mr_ram_ptr(&ram)[0xfff] = 0xa5;
    CU_ASSERT_EQUAL(as_ld(&as, 0xffe, 4, &res), 0xffffa55au);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);
    /* A gap followed by a region: only the gap is all-ones. */
    MemoryRegion ram2;
    ram_init_ok(&ram2, "ram2", 0x1000);
    mr_add_subregion(&root, 0x8000, &ram2);
    mr_ram_ptr(&ram2)[0] = 0x12;
    mr_ram_ptr(&ram2)[1] = 0x34;
    CU_ASSERT_EQUAL(as_ld(&as, 0x7ffe, 4, &res), 0x3412ffffu);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);
    CU_ASSERT_EQUAL(as_ld(&as, 0x6000, 2, &res), 0xffff);
    CU_ASSERT_EQUAL(as_st(&as, 0x7fff, 2, 0xabcd), MEMTX_UNASSIGNED);
    CU_ASSERT_EQUAL(mr_ram_ptr(&ram2)[0], 0xab);
    mr_del_subregion(&root, &ram2);
    mr_destroy(&ram2);
    /* Past the root container too. */
    CU_ASSERT_EQUAL(as_ld(&as, 0x20000, 2, &res), 0xffff);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);
    /* Bad sizes are refused. */
    CU_ASSERT_EQUAL(as_st(&as, 0, 3, 0), MEMTX_ERROR);
    as_ld(&as, 0, 16, &res);
    CU_ASSERT_EQUAL(res, MEMTX_ERROR);

    log_mask = 0;
    fflush(log_file());
    FILE *f = fopen(path, "r");
    char text[2048] = "";
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    text[n] = 0;
    if (f)
        fclose(f);
    unlink(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "sysmem: unassigned read of 4 bytes at 0x5000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "sysmem: unassigned write of 4 bytes at 0x5000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "sysmem: unassigned read of 2 bytes at 0x1000"));

    as_destroy(&as);
    mr_destroy(&ram);
    mr_destroy(&root);
}

static void test_top_of_space(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    mr_init_container(&root, "root", UINT64_MAX);
    ram_init_ok(&ram, "top", 0x1000);
    mr_add_subregion(&root, UINT64_MAX - 0xfff, &ram);  /* last byte clipped */
    as_init(&as, &root, "sys");
    check_range(&as, 0, UINT64_MAX - 0xfff, 0xfff, &ram, 0);

    uint8_t *host = mr_ram_ptr(&ram);
    memset(host, 0x11, 0x1000);
    uint8_t buf[8];
    MemTxResult res = as_read(&as, UINT64_MAX - 3, buf, 8);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);
    CU_ASSERT_EQUAL(buf[0], 0x11);
    CU_ASSERT_EQUAL(buf[2], 0x11);
    CU_ASSERT_EQUAL(buf[3], 0xff);      /* 2^64-1 itself is not mapped */
    CU_ASSERT_EQUAL(buf[4], 0xff);      /* beyond: does not wrap to 0 */
    CU_ASSERT_EQUAL(buf[7], 0xff);

    memset(buf, 0x22, sizeof(buf));
    as_write(&as, UINT64_MAX - 3, buf, 8);
    CU_ASSERT_EQUAL(host[0xffc], 0x22);
    CU_ASSERT_EQUAL(host[0xffe], 0x22);
    CU_ASSERT_EQUAL(host[0xfff], 0x11); /* the clipped byte is untouched */
    CU_ASSERT_EQUAL(host[0], 0x11);

    CU_ASSERT_EQUAL(as_write(&as, UINT64_MAX - 1, buf, 1), MEMTX_OK);
    CU_ASSERT_EQUAL(as_write(&as, UINT64_MAX, buf, 1), MEMTX_UNASSIGNED);
    CU_ASSERT_EQUAL(as_ld(&as, UINT64_MAX, 8, NULL), UINT64_MAX);

    as_destroy(&as);
    mr_destroy(&ram);
    mr_destroy(&root);
}

static void test_rom(void)
{
    MemoryRegion root, rom;
    AddressSpace as;
    Error err = { 0 };
    mr_init_container(&root, "root", 0x100000);
    CU_ASSERT_EQUAL_FATAL(mr_init_rom(&rom, "bios", 0x10000, &err), 0);
    mr_add_subregion(&root, 0xf0000, &rom);
    as_init(&as, &root, "sys");
    check_range(&as, 0, 0xf0000, 0x10000, &rom, 0);

    uint8_t *host = mr_ram_ptr(&rom);
    CU_ASSERT_EQUAL(as_st(&as, 0xffff0, 4, 0x12345678), MEMTX_OK);
    CU_ASSERT_EQUAL(host[0xfff0], 0);
    CU_ASSERT_EQUAL(as_ld(&as, 0xffff0, 4, NULL), 0);

    const uint8_t jmp[5] = { 0xea, 0x5b, 0xe0, 0x00, 0xf0 };
    CU_ASSERT_EQUAL(as_write_rom(&as, 0xffff0, jmp, sizeof(jmp)), MEMTX_OK);
    CU_ASSERT_EQUAL(memcmp(host + 0xfff0, jmp, sizeof(jmp)), 0);
    CU_ASSERT_EQUAL(as_ld(&as, 0xffff0, 1, NULL), 0xea);

    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0xf0000, 0x100, true));
    CU_ASSERT_PTR_EQUAL(as_dma_map(&as, 0xf0000, 0x100, false), host);

    as_destroy(&as);
    mr_destroy(&rom);
    mr_destroy(&root);
}

static void test_ioport_space(void)
{
    MemoryRegion ioroot, com1, pit;
    TestDev dc, dp;
    AddressSpace io;
    testdev_reset(&dc, 0);
    testdev_reset(&dp, 0x40);
    mr_init_container(&ioroot, "io", 0x10000);
    mr_init_io(&com1, "com1", &ops_any, &dc, 8);
    mr_init_io(&pit, "pit", &ops_aligned, &dp, 4);
    mr_add_subregion(&ioroot, 0x3f8, &com1);
    mr_add_subregion(&ioroot, 0x40, &pit);
    as_init(&io, &ioroot, "io");

    CU_ASSERT_EQUAL(as_st(&io, 0x3f8, 1, 'A'), MEMTX_OK);
    CU_ASSERT_EQUAL(dc.n, 1);
    CHECK_ACCESS(&dc, 0, 0, 1, true, 'A');
    CU_ASSERT_EQUAL(as_ld(&io, 0x3fd, 1, NULL), 5);
    CHECK_ACCESS(&dc, 1, 5, 1, false, 0);

    /* outw at the last port of com1: one byte to it, one unassigned. */
    MemTxResult res;
    CU_ASSERT_EQUAL(as_ld(&io, 0x3ff, 2, &res), 0xff07);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);

    CU_ASSERT_EQUAL(as_ld(&io, 0x43, 1, NULL), 0x43);
    CU_ASSERT_EQUAL(dp.n, 1);
    /* inl at 0xfffe runs off the 64 KiB space: all-ones, no crash. */
    CU_ASSERT_EQUAL(as_ld(&io, 0xfffe, 4, &res), 0xffffffffu);
    CU_ASSERT_EQUAL(res, MEMTX_UNASSIGNED);

    as_destroy(&io);
    mr_destroy(&com1);
    mr_destroy(&pit);
    mr_destroy(&ioroot);
}

/* ---- dirty tracking ------------------------------------------------------- */

static void test_dirty_bits(void)
{
    MemoryRegion ram;
    ram_init_ok(&ram, "ram", 128 * TARGET_PAGE_SIZE);
    RamBlock *rb = ram.ram;
    CU_ASSERT_EQUAL(rb->size, 128 * TARGET_PAGE_SIZE);

    /* New RAM is dirty for everybody. */
    for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
        CU_ASSERT_TRUE(ram_is_dirty(rb, c, 0));
        CU_ASSERT_TRUE(ram_is_dirty(rb, c, rb->size - 1));
        ram_clear_dirty(rb, c, 0, rb->size);
        CU_ASSERT_FALSE(ram_is_dirty(rb, c, 0));
        CU_ASSERT_FALSE(ram_test_and_clear_dirty(rb, c, 0, rb->size));
    }

    /* A range across a bitmap word boundary: pages 60..70. */
    ram_set_dirty(rb, 60 * TARGET_PAGE_SIZE + 5, 10 * TARGET_PAGE_SIZE);
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, 59 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_VGA, 60 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_VGA, 63 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_VGA, 64 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_MIGRATION, 70 * TARGET_PAGE_SIZE));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, 71 * TARGET_PAGE_SIZE));

    /* Clients are independent. */
    CU_ASSERT_TRUE(ram_test_and_clear_dirty(rb, DIRTY_VGA, 0, rb->size));
    CU_ASSERT_FALSE(ram_test_and_clear_dirty(rb, DIRTY_VGA, 0, rb->size));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_MIGRATION, 65 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_CODE, 65 * TARGET_PAGE_SIZE));

    /* Test-and-clear only clears its range. */
    CU_ASSERT_TRUE(ram_test_and_clear_dirty(rb, DIRTY_MIGRATION,
                                            64 * TARGET_PAGE_SIZE, 1));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_MIGRATION, 64 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_MIGRATION, 63 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_MIGRATION, 65 * TARGET_PAGE_SIZE));

    /* Out of range and wrapping arguments touch nothing. */
    ram_set_dirty(rb, rb->size, 1);
    ram_set_dirty(rb, UINT64_MAX, UINT64_MAX);
    ram_set_dirty(rb, 127 * TARGET_PAGE_SIZE, UINT64_MAX);  /* clipped */
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_VGA, 127 * TARGET_PAGE_SIZE));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, 126 * TARGET_PAGE_SIZE));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, rb->size));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_CLIENTS, 0));
    CU_ASSERT_FALSE(ram_test_and_clear_dirty(rb, 7, 0, rb->size));

    /* Writes through the address space set VGA and MIGRATION. */
    MemoryRegion root;
    AddressSpace as;
    mr_init_container(&root, "root", 1ull << 20);
    mr_add_subregion(&root, 0x100000 - rb->size, &ram);
    as_init(&as, &root, "sys");
    for (unsigned c = 0; c < DIRTY_CLIENTS; c++)
        ram_clear_dirty(rb, c, 0, rb->size);
    as_st(&as, 0x100000 - rb->size + 3 * TARGET_PAGE_SIZE + 2, 4, 1);
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_VGA, 3 * TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_MIGRATION, 3 * TARGET_PAGE_SIZE));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, 2 * TARGET_PAGE_SIZE));
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, 4 * TARGET_PAGE_SIZE));
    /* With no code hook, the CODE bit is set too (nothing tracks code). */
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_CODE, 3 * TARGET_PAGE_SIZE));
    /* Reads dirty nothing. */
    as_ld(&as, 0x100000 - rb->size, 8, NULL);
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_VGA, 0));

    as_destroy(&as);
    mr_destroy(&ram);
    mr_destroy(&root);
}

static struct {
    unsigned n;
    MemoryRegion *mr;
    uint64_t offset[8], len[8];
} hook_calls;

static void test_hook(AddressSpace *as, MemoryRegion *mr, uint64_t offset,
                      uint64_t len)
{
    if (hook_calls.n < 8) {
        hook_calls.offset[hook_calls.n] = offset;
        hook_calls.len[hook_calls.n] = len;
    }
    hook_calls.mr = mr;
    hook_calls.n++;
}

static void test_code_hook(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    mr_init_container(&root, "root", 1ull << 20);
    ram_init_ok(&ram, "ram", 16 * TARGET_PAGE_SIZE);
    mr_add_subregion(&root, 0x10000, &ram);
    as_init(&as, &root, "sys");
    RamBlock *rb = ram.ram;
    memset(&hook_calls, 0, sizeof(hook_calls));
    mem_code_write_hook = test_hook;

    /* tcg translated code on pages 1 and 2. */
    ram_clear_dirty(rb, DIRTY_CODE, TARGET_PAGE_SIZE, 2 * TARGET_PAGE_SIZE);

    as_st(&as, 0x10000 + 8, 8, 0);              /* page 0: not code */
    as_st(&as, 0x10000 + 3 * TARGET_PAGE_SIZE, 1, 0);
    CU_ASSERT_EQUAL(hook_calls.n, 0);

    as_st(&as, 0x10000 + TARGET_PAGE_SIZE + 0x10, 4, 0x90909090);
    CU_ASSERT_EQUAL(hook_calls.n, 1);
    CU_ASSERT_PTR_EQUAL(hook_calls.mr, &ram);
    CU_ASSERT_EQUAL(hook_calls.offset[0], TARGET_PAGE_SIZE + 0x10);
    CU_ASSERT_EQUAL(hook_calls.len[0], 4);
    /* The bit stays clear: tcg decides when the page holds no more code. */
    CU_ASSERT_FALSE(ram_is_dirty(rb, DIRTY_CODE, TARGET_PAGE_SIZE));
    CU_ASSERT_TRUE(ram_is_dirty(rb, DIRTY_VGA, TARGET_PAGE_SIZE));

    /* A write over pages 0..3 reports only the code part, in one call. */
    static uint8_t big[4 * 4096];
    as_write(&as, 0x10000 + 0x800, big, 3 * TARGET_PAGE_SIZE);
    CU_ASSERT_EQUAL(hook_calls.n, 2);
    CU_ASSERT_EQUAL(hook_calls.offset[1], TARGET_PAGE_SIZE);
    CU_ASSERT_EQUAL(hook_calls.len[1], 2 * TARGET_PAGE_SIZE);

    /* DMA writes are reported by as_dma_done. */
    uint8_t *p = as_dma_map(&as, 0x10000 + 2 * TARGET_PAGE_SIZE, 16, true);
    CU_ASSERT_PTR_EQUAL(p, mr_ram_ptr(&ram) + 2 * TARGET_PAGE_SIZE);
    CU_ASSERT_EQUAL(hook_calls.n, 2);
    as_dma_done(&as, 0x10000 + 2 * TARGET_PAGE_SIZE, 16);
    CU_ASSERT_EQUAL(hook_calls.n, 3);
    CU_ASSERT_EQUAL(hook_calls.offset[2], 2 * TARGET_PAGE_SIZE);
    CU_ASSERT_EQUAL(hook_calls.len[2], 16);

    /* Once tcg marks the page code-free again, writes are silent. */
    ram_set_dirty(rb, TARGET_PAGE_SIZE, 2 * TARGET_PAGE_SIZE);
    as_st(&as, 0x10000 + TARGET_PAGE_SIZE, 4, 0);
    CU_ASSERT_EQUAL(hook_calls.n, 3);

    mem_code_write_hook = NULL;
    as_destroy(&as);
    mr_destroy(&ram);
    mr_destroy(&root);
}

/* ---- DMA ------------------------------------------------------------------ */

static void test_dma_map(void)
{
    MemoryRegion root, r1, r2, io;
    TestDev d;
    AddressSpace as;
    testdev_reset(&d, 0);
    mr_init_container(&root, "root", UINT64_MAX);
    ram_init_ok(&r1, "r1", 0x2000);
    ram_init_ok(&r2, "r2", 0x1000);
    mr_init_io(&io, "io", &ops_any, &d, 0x1000);
    mr_add_subregion(&root, 0x1000, &r1);
    mr_add_subregion(&root, 0x3000, &r2);       /* adjacent, other block */
    mr_add_subregion(&root, 0x4000, &io);
    as_init(&as, &root, "sys");
    uint8_t *h1 = mr_ram_ptr(&r1);

    CU_ASSERT_PTR_EQUAL(as_dma_map(&as, 0x1000, 0x2000, true), h1);
    CU_ASSERT_PTR_EQUAL(as_dma_map(&as, 0x2fff, 1, true), h1 + 0x1fff);
    CU_ASSERT_PTR_EQUAL(as_dma_map(&as, 0x3000, 0x1000, false), mr_ram_ptr(&r2));
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1000, 0x2001, true));  /* into r2 */
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0xfff, 2, false));       /* from a hole */
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x3800, 0x1000, false)); /* into I/O */
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x4000, 4, false));      /* I/O */
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1000, 0, true));       /* empty */
    /* Lengths that wrap around 2^64 must not pass the bounds check. */
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1800, UINT64_MAX, true));
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1800, 0 - (uint64_t)0x1000, true));
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1800, 0 - (uint64_t)0x1800, true));
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1800, 0 - (uint64_t)0x17ff, true));
    CU_ASSERT_PTR_NULL(as_dma_map(&as, UINT64_MAX, 2, true));
    CU_ASSERT_PTR_NULL(as_dma_map(&as, UINT64_MAX, 1, false));

    /* A region over RAM breaks the mapping at its edge. */
    MemoryRegion hole;
    mr_init_io(&hole, "hole", &ops_any, &d, 0x10);
    mr_add_subregion_overlap(&root, 0x2000, &hole, 1);
    CU_ASSERT_PTR_NULL(as_dma_map(&as, 0x1000, 0x1001, false));
    CU_ASSERT_PTR_EQUAL(as_dma_map(&as, 0x1000, 0x1000, false), h1);
    CU_ASSERT_PTR_EQUAL(as_dma_map(&as, 0x2010, 0xff0, true), h1 + 0x1010);

    /* dma_done marks dirty, and survives silly ranges. */
    ram_clear_dirty(r1.ram, DIRTY_MIGRATION, 0, 0x2000);
    as_dma_done(&as, 0x2010, 0x10);
    CU_ASSERT_TRUE(ram_is_dirty(r1.ram, DIRTY_MIGRATION, 0x1010));
    CU_ASSERT_FALSE(ram_is_dirty(r1.ram, DIRTY_MIGRATION, 0));
    as_dma_done(&as, 0x1800, UINT64_MAX);
    as_dma_done(&as, UINT64_MAX, UINT64_MAX);
    CU_ASSERT_TRUE(ram_is_dirty(r1.ram, DIRTY_MIGRATION, 0));

    as_destroy(&as);
    mr_destroy(&hole);
    mr_destroy(&io);
    mr_destroy(&r1);
    mr_destroy(&r2);
    mr_destroy(&root);
}

static void test_ram_init(void)
{
    MemoryRegion big, odd, bad;
    Error err = { 0 };
    /* 16 GiB costs nothing until touched (MAP_NORESERVE). */
    CU_ASSERT_EQUAL(mr_init_ram(&big, "big", 16ull << 30, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(mr_ram_ptr(&big));
    CU_ASSERT_EQUAL((uintptr_t)mr_ram_ptr(&big) % TARGET_PAGE_SIZE, 0);
    mr_ram_ptr(&big)[(16ull << 30) - 1] = 1;
    CU_ASSERT_TRUE(ram_is_dirty(big.ram, DIRTY_MIGRATION, (16ull << 30) - 1));
    mr_destroy(&big);
    CU_ASSERT_PTR_NULL(big.ram);

    CU_ASSERT_EQUAL(mr_init_ram(&odd, "odd", 100, &err), 0);
    CU_ASSERT_EQUAL(odd.size, 100);
    CU_ASSERT_EQUAL(odd.ram->size, TARGET_PAGE_SIZE);
    mr_destroy(&odd);

    CU_ASSERT_EQUAL(mr_init_ram(&bad, "zero", 0, &err), -1);
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_PTR_NULL(mr_ram_ptr(&bad));
    Error err2 = { 0 };
    CU_ASSERT_EQUAL(mr_init_ram(&bad, "huge", UINT64_MAX, &err2), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err2.msg, "huge"));
    mr_destroy(&bad);
}
void unit_register(void)
{
    static const UnitTest access[] = {
        { "split across two I/O regions", test_split_two_io },
        { "split across RAM and I/O", test_split_ram_io },
        { "unaligned", test_unaligned },
        { "min/max access sizes", test_access_sizes },
        { "unassigned", test_unassigned },
        { "top of the address space", test_top_of_space },
        { "ROM", test_rom },
        { "I/O port space", test_ioport_space },
        { "DMA map bounds", test_dma_map },
        { NULL, NULL },
    };
    static const UnitTest ram[] = {
        { "RAM init", test_ram_init },
        { "dirty bits", test_dirty_bits },
        { "code write hook", test_code_hook },
        { NULL, NULL },
    };
    unit_add_suite("memory: accesses", NULL, NULL, access);
    unit_add_suite("memory: ram", NULL, NULL, ram);
}

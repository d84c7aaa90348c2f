/* SPDX-License-Identifier: MIT */
/*
 * What the memory API's two unit suites share (test-memory.c: flattening,
 * listeners and view lifetimes; test-memory-access.c: accesses, dirty
 * tracking, DMA and RAM): a device that logs every access it takes and reads
 * back a byte pattern, and checks on RAM setup and on one range of a view.
 * Everything here is static inline so each suite's binary stands alone.
 */
#ifndef TANDEM_TESTS_UNIT_TEST_MEMORY_H
#define TANDEM_TESTS_UNIT_TEST_MEMORY_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "softmmu/memory.h"
#include "tests/unit/unit.h"

typedef struct TestAccess {
    uint64_t addr, val;
    unsigned size;
    bool write;
} TestAccess;

typedef struct TestDev {
    uint8_t tag;            /* byte at offset k reads as tag + k */
    unsigned n;
    TestAccess log[64];
    char trace[512];        /* "r0/4 w2/2=ab ..." for readable failures */
} TestDev;

static inline void testdev_note(TestDev *d, uint64_t addr, unsigned size, bool write,
                                uint64_t val)
{
    if (d->n < 64)
        d->log[d->n] = (TestAccess){ addr, val, size, write };
    d->n++;
    size_t l = strlen(d->trace);
    if (l < sizeof(d->trace) - 40)
        snprintf(d->trace + l, sizeof(d->trace) - l, write ? "w%" PRIx64 "/%u=%" PRIx64 " "
                 : "r%" PRIx64 "/%u ", addr, size, val);
}

static inline uint64_t testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)(uint8_t)(d->tag + addr + i) << (8 * i);
    testdev_note(d, addr, size, false, 0);
    return v;
}

static inline void testdev_write(void *opaque, uint64_t addr, uint64_t val,
                                 unsigned size)
{
    testdev_note(opaque, addr, size, true, val);
}

static inline void testdev_reset(TestDev *d, uint8_t tag)
{
    memset(d, 0, sizeof(*d));
    d->tag = tag;
}

static const MemoryRegionOps ops_any = {
    .read = testdev_read, .write = testdev_write,
};
static inline void ram_init_ok(MemoryRegion *mr, const char *name, uint64_t size)
{
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(mr_init_ram(mr, name, size, &err), 0);
}

/* Check one range of the current view. */
static inline void check_range(AddressSpace *as, size_t i, uint64_t start,
                               uint64_t size, MemoryRegion *mr, uint64_t offset)
{
    FlatView *v = as_get_view(as);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT(i < v->nr);
    if (i < v->nr) {
        CU_ASSERT_EQUAL(v->ranges[i].start, start);
        CU_ASSERT_EQUAL(v->ranges[i].size, size);
        CU_ASSERT_PTR_EQUAL(v->ranges[i].mr, mr);
        CU_ASSERT_EQUAL(v->ranges[i].offset, offset);
        CU_ASSERT_EQUAL(v->ranges[i].readonly, mr->kind == MR_ROM);
    }
    flatview_unref(v);
}

#endif

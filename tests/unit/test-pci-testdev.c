/* SPDX-License-Identifier: MIT */
/*
 * pci-testdev on the i440FX bus, driven as kvm-unit-tests drives it: found
 * by its IDs through 0xcf8/0xcfc, BARs sized and mapped, then for each BAR
 * every test selected, its header read back (width, data, offset, name),
 * 16 writes of the data byte to its offset counted. Also: what does not
 * count (wrong data for data-matching tests, other offsets, nothing
 * selected), that wide accesses arrive as bytes, the selection shared by
 * both BARs, reset, the state round trip and -device pci-testdev,addr=.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pci-testdev.h"

extern const DeviceType pci_testdev_type;

/* Only the device under test: device-types.c would pull in every model. */
const DeviceType *const device_types[] = { &pci_testdev_type, NULL };

/* machine.c is not linked into this test: record requests ourselves. */
__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    if (!atomic_exchange(&m->shutdown_requested, true))
        m->exit_status = status;
}

__attribute__((weak)) void machine_request_reset(Machine *m)
{
    atomic_store(&m->reset_requested, true);
}

#define TD_DEVFN    PCI_DEVFN(4, 0)
#define TD_MEM_BASE 0xfe000000u
#define TD_IO_BASE  0xc000u

static Machine mach;
static I440FXState *hb;
static PCIDevice *td;

static void setup(void)
{
    Error err = { 0 };

    unit_machine_init(&mach);
    hb = i440fx_create(&mach, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hb);
    td = pci_testdev_create(&mach, i440fx_bus(hb), TD_DEVFN, "td", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(td);
}

static void teardown(void)
{
    unit_machine_destroy(&mach);
}

static uint32_t in(uint16_t port, unsigned size) { return unit_in(&mach, port, size); }
static void out(uint16_t port, unsigned size, uint32_t val) { unit_out(&mach, port, size, val); }

static uint32_t cfg_read(int devfn, unsigned reg, unsigned size)
{
    return unit_pci_cfg_read(&mach, devfn, reg, size);
}

static void cfg_write(int devfn, unsigned reg, unsigned size, uint32_t val)
{
    unit_pci_cfg_write(&mach, devfn, reg, size, val);
}

/* One BAR as the suite sees it: readb/readl/writeb at an offset. */
typedef struct Bar {
    bool io;
    uint32_t base;
} Bar;

static uint32_t bar_read(const Bar *b, uint32_t off, unsigned size)
{
    if (b->io)
        return in((uint16_t)(b->base + off), size);
    return (uint32_t)as_ld(&mach.as_mem, b->base + off, size, NULL);
}

static void bar_write(const Bar *b, uint32_t off, unsigned size, uint32_t val)
{
    if (b->io)
        out((uint16_t)(b->base + off), size, val);
    else
        as_st(&mach.as_mem, b->base + off, size, val);
}

static void map_bars(int devfn)
{
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 4, TD_MEM_BASE);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, TD_IO_BASE);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

static const Bar mem_bar = { false, TD_MEM_BASE };
static const Bar io_bar = { true, TD_IO_BASE };

static void test_config_header(void)
{
    setup();
    CU_ASSERT_EQUAL(cfg_read(TD_DEVFN, 0x00, 4), 0x00051b36u);
    CU_ASSERT_EQUAL(cfg_read(TD_DEVFN, 0x08, 4), 0x00ff0000u);    /* class 00.ff.00, rev 0 */
    CU_ASSERT_EQUAL(cfg_read(TD_DEVFN, PCI_HEADER_TYPE, 1), 0);
    CU_ASSERT_EQUAL(cfg_read(TD_DEVFN, PCI_INTERRUPT_PIN, 1), 0);
    /* Sizing: BAR0 4 KiB of 32-bit memory, BAR1 256 bytes of I/O, no others. */
    cfg_write(TD_DEVFN, PCI_BASE_ADDRESS_0, 4, 0xffffffffu);
    CU_ASSERT_EQUAL(cfg_read(TD_DEVFN, PCI_BASE_ADDRESS_0, 4), 0xfffff000u);
    cfg_write(TD_DEVFN, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffffu);
    uint32_t io = cfg_read(TD_DEVFN, PCI_BASE_ADDRESS_0 + 4, 4);
    CU_ASSERT_EQUAL(io & 3, PCI_BAR_IO);
    CU_ASSERT_EQUAL((~(io & ~3u) + 1) & 0xffff, 256);
    for (unsigned i = 2; i < PCI_NUM_BARS; i++) {
        cfg_write(TD_DEVFN, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffffu);
        CU_ASSERT_EQUAL(cfg_read(TD_DEVFN, PCI_BASE_ADDRESS_0 + 4 * i, 4), 0);
    }
    teardown();
}

/* kvm-unit-tests' procedure for one test; returns false where it would stop. */
static bool run_one(const Bar *b, unsigned nr, char *name, size_t name_cap)
{
    bar_write(b, 0, 1, nr);
    if (bar_read(b, 12, 4) != 0)
        return false;
    uint8_t width = (uint8_t)bar_read(b, 1, 1);
    if (width != 1 && width != 2 && width != 4)
        return false;
    uint32_t sig = bar_read(b, 8, 4);
    uint32_t off = bar_read(b, 4, 4);
    for (int i = 0; i < 16; i++)
        bar_write(b, off, width, sig);
    CU_ASSERT_EQUAL(bar_read(b, 12, 4), 16);
    size_t n = 0;
    for (; n + 1 < name_cap; n++) {
        char c = (char)bar_read(b, 16 + (uint32_t)n, 1);
        if (!c)
            break;
        name[n] = c;
    }
    name[n] = '\0';
    return true;
}

static void test_suite_procedure(void)
{
    static const char *const want[2][3] = {
        { "mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd" },
        { "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd" },
    };
    char name[64];

    setup();
    map_bars(TD_DEVFN);
    for (int bar = 0; bar < 2; bar++) {
        const Bar *b = bar ? &io_bar : &mem_bar;
        unsigned nr = 0;
        while (run_one(b, nr, name, sizeof(name))) {
            CU_ASSERT_FATAL(nr < 3);
            CU_ASSERT_STRING_EQUAL(name, want[bar][nr]);
            nr++;
        }
        CU_ASSERT_EQUAL(nr, 3);
    }
    teardown();
}

static void test_header_fields(void)
{
    setup();
    map_bars(TD_DEVFN);
    /* Test 2 of BAR0 and test 1 of BAR1 (global 4), field by field. */
    bar_write(&mem_bar, 0, 1, 2);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 0, 1), 2);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 1, 1), 1);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 2, 2), 0);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 4, 4), 2048 + 2);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 8, 4), 0xfa);
    bar_write(&io_bar, 0, 1, 1);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 0, 1), 4);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 4, 4), 128 + 4);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 8, 1), 0xce);          /* wildcard */
    /* A dword read of the name: four bytes. */
    CU_ASSERT_EQUAL(bar_read(&io_bar, 16, 4), 0x74726f70);   /* "port" */
    /* Past the name's NUL, and far away: 0. */
    CU_ASSERT_EQUAL(bar_read(&io_bar, 16 + 23, 1), 0);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 200, 4), 0);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 4000, 4), 0);
    teardown();
}

static void test_what_counts(void)
{
    setup();
    map_bars(TD_DEVFN);
    /* Data-matching: only the data byte counts, at the exact offset. */
    bar_write(&mem_bar, 0, 1, 2);
    bar_write(&mem_bar, 2050, 1, 0xfb);
    bar_write(&mem_bar, 2049, 1, 0xfa);
    bar_write(&mem_bar, 2051, 1, 0xfa);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 12, 4), 0);
    bar_write(&mem_bar, 2050, 1, 0xfa);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 12, 4), 1);
    /* A dword write arrives as bytes: the low one hits the offset. */
    bar_write(&mem_bar, 2050, 4, 0x000000fa);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 12, 4), 2);
    bar_write(&mem_bar, 2050, 4, 0xfafafa00);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 12, 4), 2);
    /* Wildcard: any value. */
    bar_write(&io_bar, 0, 1, 1);
    bar_write(&io_bar, 132, 1, 0x00);
    bar_write(&io_bar, 132, 1, 0x77);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 12, 4), 2);
    /* The selection is the device's: BAR0 reads and counts test 4 too. */
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 0, 1), 4);
    bar_write(&mem_bar, 132, 1, 0x01);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 12, 4), 3);
    /* Selecting again zeroes the count. */
    bar_write(&io_bar, 0, 1, 1);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 12, 4), 0);
    /* Out of range selects nothing: everything reads 0, nothing counts. */
    bar_write(&io_bar, 0, 1, 3);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 1, 1), 0);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 4, 4), 0);
    bar_write(&io_bar, 131, 1, 0xfa);
    bar_write(&io_bar, 0, 1, 0);
    CU_ASSERT_EQUAL(bar_read(&io_bar, 12, 4), 0);
    /* A dword write of the test number selects by its low byte. */
    bar_write(&mem_bar, 0, 4, 0x00000001);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 0, 1), 1);
    teardown();
}

static void test_reset_and_state(void)
{
    ByteStream bs;
    Error err = { 0 };

    setup();
    map_bars(TD_DEVFN);
    bar_write(&mem_bar, 0, 1, 0);
    for (int i = 0; i < 5; i++)
        bar_write(&mem_bar, 2048, 1, 0xfa);
    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, td->dev.state, td, &err), 0);
    bar_write(&mem_bar, 0, 1, 2);
    CU_ASSERT_EQUAL_FATAL(state_load(&bs, td->dev.state, td, &err), 0);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 0, 1), 0);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 12, 4), 5);
    bs_free(&bs);
    /* Reset: nothing selected, BARs unmapped. */
    devices_reset(&mach);
    CU_ASSERT_EQUAL(pci_bar_address(td, 0), PCI_BAR_UNMAPPED);
    map_bars(TD_DEVFN);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 1, 1), 0);
    CU_ASSERT_EQUAL(bar_read(&mem_bar, 12, 4), 0);
    teardown();
}

static void test_device_option(void)
{
    Error err = { 0 };

    setup();
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "pci-testdev,addr=6", &err));
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(6, 0), 0x00, 4), 0x00051b36u);
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "pci-testdev,addr=7.2",
                                                         &err));
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(7, 2), 0x00, 4), 0x00051b36u);
    /* No addr: the first free slot (1; the host bridge has 0). */
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "pci-testdev", &err));
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x00, 4), 0x00051b36u);
    static const char *const bad[] = {
        "pci-testdev,addr=6", "pci-testdev,addr=20", "pci-testdev,addr=3.8",
        "pci-testdev,addr=x", "pci-testdev,addr=3.", "pci-testdev,bar=1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Error e = { 0 };
        CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, bad[i], &e));
        CU_ASSERT_TRUE(e.set);
    }
    teardown();

    /* A machine without a PCI bus says so. */
    memset(&mach, 0, sizeof(mach));
    mach.devices_tail = &mach.devices;
    memset(&err, 0, sizeof(err));
    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, "pci-testdev", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no PCI bus"));
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "config_header", test_config_header },
        { "suite_procedure", test_suite_procedure },
        { "header_fields", test_header_fields },
        { "what_counts", test_what_counts },
        { "reset_and_state", test_reset_and_state },
        { "device_option", test_device_option },
        { NULL, NULL }
    };
    unit_add_suite("pci-testdev", NULL, NULL, tests);
}

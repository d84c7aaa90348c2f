/* SPDX-License-Identifier: MIT */
/*
 * pc-testdev's registers through the address spaces, as a guest reaches
 * them: the scratch register at 0xe0 with every width and offset and its
 * byte-wide twin at 0xe8, the flush port asking the engine (and only for
 * dword writes), the interrupt lines at 0x2000 + n (levels, !!value, byte
 * writes only, unwired lines, reset lowering what the device raised), the
 * 64 KiB scratch MMIO window, the state round trip, and -device creation
 * wiring GSIs 0..15 from the board.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "accel/accel.h"
#include "hw/core/irq.h"
#include "hw/misc/misc.h"
#include "hw/pc/pc.h"
#include "softmmu/machine.h"

extern const DeviceType pc_testdev_type;

/* Only the device under test: device-types.c would pull in every model. */
const DeviceType *const device_types[] = { &pc_testdev_type, NULL };

static IrqLine lines[PC_TESTDEV_NR_IRQS];
static int level[PC_TESTDEV_NR_IRQS];
static int calls[PC_TESTDEV_NR_IRQS];

/* The board's ISA lines, for -device pc-testdev; pc.c's wins when linked. */
__attribute__((weak)) IrqLine *pc_isa_irq(Machine *m, unsigned n)
{
    return n < 16 ? &lines[n] : NULL;
}

static Machine mach;

/* What the engine was asked to forget. */
static uint64_t inval_addr, inval_len, flush_addr;
static int inval_calls, flush_calls;

static void fake_invalidate_code(Machine *m, uint64_t addr, uint64_t len)
{
    inval_addr = addr;
    inval_len = len;
    inval_calls++;
}

static void fake_flush_page(Machine *m, uint64_t addr)
{
    flush_addr = addr;
    flush_calls++;
}

static const AccelOps fake_accel = {
    .name = "fake",
    .invalidate_code = fake_invalidate_code,
    .flush_page = fake_flush_page,
};

static const AccelOps bare_accel = { .name = "bare" };

static void line_handler(void *opaque, int n, int lvl)
{
    level[n] = lvl;
    calls[n]++;
}

static void setup_machine(void)
{
    unit_machine_init(&mach);
    mach.accel = &fake_accel;
    memset(level, 0, sizeof(level));
    memset(calls, 0, sizeof(calls));
    for (int n = 0; n < PC_TESTDEV_NR_IRQS; n++)
        irq_line_init(&lines[n], line_handler, NULL, n);
    inval_calls = flush_calls = 0;
    inval_addr = inval_len = flush_addr = 0;
}

/* A machine with one pc-testdev whose 24 lines are all wired. */
static Device *setup(void)
{
    IrqLine *irqs[PC_TESTDEV_NR_IRQS];
    Error err = { 0 };
    Device *dev;

    setup_machine();
    for (int n = 0; n < PC_TESTDEV_NR_IRQS; n++)
        irqs[n] = &lines[n];
    dev = pc_testdev_create(&mach, "td", irqs, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
    return dev;
}

static void teardown(void)
{
    unit_machine_destroy(&mach);
}

static uint32_t in(uint16_t port, unsigned size) { return unit_in(&mach, port, size); }
static void out(uint16_t port, unsigned size, uint32_t val) { unit_out(&mach, port, size, val); }

static uint64_t rd(uint64_t addr, unsigned size)
{
    return as_ld(&mach.as_mem, addr, size, NULL);
}

static void wr(uint64_t addr, unsigned size, uint64_t val)
{
    as_st(&mach.as_mem, addr, size, val);
}

static void test_scratch_widths(void)
{
    setup();
    CU_ASSERT_EQUAL(in(0xe0, 4), 0);
    out(0xe0, 4, 0x12345678);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0x12345678);
    CU_ASSERT_EQUAL(in(0xe0, 2), 0x5678);
    CU_ASSERT_EQUAL(in(0xe2, 2), 0x1234);
    CU_ASSERT_EQUAL(in(0xe0, 1), 0x78);
    CU_ASSERT_EQUAL(in(0xe1, 1), 0x56);
    CU_ASSERT_EQUAL(in(0xe2, 1), 0x34);
    CU_ASSERT_EQUAL(in(0xe3, 1), 0x12);
    CU_ASSERT_EQUAL(in(0xe1, 2), 0x3456);
    /* A narrow write replaces only its bytes. */
    out(0xe1, 1, 0xab);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0x1234ab78);
    out(0xe2, 2, 0xcdef);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0xcdefab78);
    out(0xe0, 2, 0x0102);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0xcdef0102);
    out(0xe3, 1, 0x00);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0x00ef0102);
    /* Round trips of each width, as the suites do them. */
    out(0xe0, 1, 0x5a);
    CU_ASSERT_EQUAL(in(0xe0, 1), 0x5a);
    out(0xe0, 2, 0xa55a);
    CU_ASSERT_EQUAL(in(0xe0, 2), 0xa55a);
    out(0xe0, 4, 0xdeadbeef);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0xdeadbeef);
    teardown();
}

static void test_scratch_byte_view(void)
{
    setup();
    out(0xe0, 4, 0x11223344);
    /* 0xe8 shows the same register, assembled from byte accesses. */
    CU_ASSERT_EQUAL(in(0xe8, 4), 0x11223344);
    CU_ASSERT_EQUAL(in(0xea, 1), 0x22);
    out(0xe8, 4, 0xa1b2c3d4);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0xa1b2c3d4);
    out(0xe9, 2, 0x6677);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0xa16677d4);
    teardown();
}

static void test_flush_port(void)
{
    setup();
    out(0xe4, 4, 0x00123abc);
    CU_ASSERT_EQUAL(inval_calls, 1);
    CU_ASSERT_EQUAL(inval_addr, 0x00123000);
    CU_ASSERT_EQUAL(inval_len, 4096);
    CU_ASSERT_EQUAL(flush_calls, 1);
    CU_ASSERT_EQUAL(flush_addr, 0x00123000);
    out(0xe4, 4, 0xfffff000);
    CU_ASSERT_EQUAL(flush_addr, 0xfffff000);
    CU_ASSERT_EQUAL(flush_calls, 2);
    /* Narrower writes are not requests, and reads ask for nothing. */
    out(0xe4, 1, 0x10);
    out(0xe4, 2, 0x2000);
    out(0xe6, 2, 0x0010);
    CU_ASSERT_EQUAL(in(0xe4, 4), 0);
    CU_ASSERT_EQUAL(inval_calls, 2);
    CU_ASSERT_EQUAL(flush_calls, 2);
    /* An engine without the hooks, or none at all: nothing to do. */
    mach.accel = &bare_accel;
    out(0xe4, 4, 0x1000);
    mach.accel = NULL;
    out(0xe4, 4, 0x1000);
    CU_ASSERT_EQUAL(flush_calls, 2);
    /* The scratch register is not disturbed by the flush port. */
    mach.accel = &fake_accel;
    out(0xe0, 4, 0x55aa55aa);
    out(0xe4, 4, 0x2000);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0x55aa55aa);
    teardown();
}

static void test_irq_lines(void)
{
    setup();
    out(0x2004, 1, 1);
    CU_ASSERT_EQUAL(level[4], 1);
    CU_ASSERT_EQUAL(calls[4], 1);
    out(0x2004, 1, 0);
    CU_ASSERT_EQUAL(level[4], 0);
    /* Any non-zero byte is "high". */
    out(0x200e, 1, 0x80);
    CU_ASSERT_EQUAL(level[14], 1);
    out(0x2017, 1, 2);
    CU_ASSERT_EQUAL(level[23], 1);
    out(0x2000, 1, 1);
    CU_ASSERT_EQUAL(level[0], 1);
    /* Only byte writes count; reads return 0 and change nothing. */
    out(0x2008, 2, 0x0101);
    out(0x2008, 4, 0x01010101);
    CU_ASSERT_EQUAL(calls[8], 0);
    CU_ASSERT_EQUAL(calls[9], 0);
    CU_ASSERT_EQUAL(in(0x200e, 1), 0);
    CU_ASSERT_EQUAL(level[14], 1);
    /* Past the 24 lines is not the device's. */
    out(0x2018, 1, 1);
    CU_ASSERT_EQUAL(in(0x2018, 1), 0xff);
    /* Reset lowers what the device raised, and only that. */
    calls[5] = 0;
    devices_reset(&mach);
    CU_ASSERT_EQUAL(level[0], 0);
    CU_ASSERT_EQUAL(level[14], 0);
    CU_ASSERT_EQUAL(level[23], 0);
    CU_ASSERT_EQUAL(calls[5], 0);
    teardown();
}

static void test_unwired_lines(void)
{
    IrqLine *irqs[PC_TESTDEV_NR_IRQS] = { 0 };
    Error err = { 0 };

    setup_machine();
    irqs[3] = &lines[3];
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc_testdev_create(&mach, NULL, irqs, &err));
    out(0x2002, 1, 1);          /* not wired: ignored */
    out(0x2003, 1, 1);
    CU_ASSERT_EQUAL(level[2], 0);
    CU_ASSERT_EQUAL(level[3], 1);
    teardown();

    setup_machine();
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc_testdev_create(&mach, NULL, NULL, &err));
    out(0x2003, 1, 1);
    CU_ASSERT_EQUAL(calls[3], 0);
    teardown();
}

static void test_iomem(void)
{
    setup();
    CU_ASSERT_EQUAL(rd(0xff000000, 4), 0);
    wr(0xff000000, 4, 0xcafef00d);
    CU_ASSERT_EQUAL(rd(0xff000000, 4), 0xcafef00d);
    CU_ASSERT_EQUAL(rd(0xff000001, 2), 0xfef0);
    CU_ASSERT_EQUAL(rd(0xff000003, 1), 0xca);
    wr(0xff000100, 8, 0x0123456789abcdefull);
    CU_ASSERT_EQUAL(rd(0xff000100, 8), 0x0123456789abcdefull);
    CU_ASSERT_EQUAL(rd(0xff000104, 4), 0x01234567);
    wr(0xff000102, 1, 0x00);
    CU_ASSERT_EQUAL(rd(0xff000100, 8), 0x012345678900cdefull);
    /* The last bytes of the window, and what lies past it. */
    wr(0xff00fff8, 8, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(rd(0xff00fff8, 8), 0x1122334455667788ull);
    CU_ASSERT_EQUAL(rd(0xff00ffff, 1), 0x11);
    CU_ASSERT_EQUAL(rd(0xff010000, 1), 0xff);
    /* Straddling the end: the device's half and unassigned all-ones. */
    CU_ASSERT_EQUAL(rd(0xff00fffe, 4), 0xffff1122);
    wr(0xff00fffe, 4, 0xaaaabbbb);
    CU_ASSERT_EQUAL(rd(0xff00fffe, 2), 0xbbbb);
    /* A block copy through the memory API, as a rep movs would do it. */
    static const char msg[] = "pc-testdev scratch";
    char back[sizeof(msg)] = { 0 };
    CU_ASSERT_EQUAL(as_write(&mach.as_mem, 0xff001000, msg, sizeof(msg)), MEMTX_OK);
    CU_ASSERT_EQUAL(as_read(&mach.as_mem, 0xff001000, back, sizeof(back)), MEMTX_OK);
    CU_ASSERT_STRING_EQUAL(back, msg);
    teardown();
}

static void test_state_round_trip(void)
{
    Device *dev = setup();
    ByteStream bs;
    Error err = { 0 };

    out(0xe0, 4, 0x600dcafe);
    wr(0xff000010, 4, 0x8badf00d);
    out(0x2007, 1, 1);
    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, dev->state, dev, &err), 0);
    out(0xe0, 4, 0);
    wr(0xff000010, 4, 0);
    CU_ASSERT_EQUAL_FATAL(state_load(&bs, dev->state, dev, &err), 0);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0x600dcafe);
    CU_ASSERT_EQUAL(rd(0xff000010, 4), 0x8badf00d);
    /* The restored level is remembered: reset lowers line 7. */
    devices_reset(&mach);
    CU_ASSERT_EQUAL(level[7], 0);
    CU_ASSERT_EQUAL(in(0xe0, 4), 0);
    CU_ASSERT_EQUAL(rd(0xff000010, 4), 0);
    bs_free(&bs);
    teardown();
}

static void test_device_option(void)
{
    Error err = { 0 };

    setup_machine();
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "pc-testdev,id=t", &err));
    out(0x200f, 1, 1);
    CU_ASSERT_EQUAL(level[15], 1);
    out(0x2010, 1, 1);          /* GSI 16: the board gave no line */
    CU_ASSERT_EQUAL(calls[16], 0);
    out(0xe0, 2, 0xbeef);
    CU_ASSERT_EQUAL(in(0xe0, 2), 0xbeef);
    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, "pc-testdev,iobase=0x10", &err));
    CU_ASSERT_TRUE(err.set);
    teardown();
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "scratch_widths", test_scratch_widths },
        { "scratch_byte_view", test_scratch_byte_view },
        { "flush_port", test_flush_port },
        { "irq_lines", test_irq_lines },
        { "unwired_lines", test_unwired_lines },
        { "iomem", test_iomem },
        { "state_round_trip", test_state_round_trip },
        { "device_option", test_device_option },
        { NULL, NULL }
    };
    unit_add_suite("pc-testdev", NULL, NULL, tests);
}

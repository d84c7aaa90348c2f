/* SPDX-License-Identifier: MIT */
/*
 * IA-PC HPET.
 *
 * Register accesses carry explicit CLK_VIRTUAL times (T0 plus whole 10 ns
 * counter ticks), so counter values and match times are exact. The board's
 * lines are modelled by recording handlers: levels and rising edges per
 * input (IRQ0, IRQ8 and GSIs 0-23).
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/timer/hpet.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define T0 (500 * NS_PER_SEC)
#define TK(k) (T0 + (int64_t)(k) * HPET_NS_PER_TICK)
#define NGSI 24

static HpetState hpet;
static IrqLine irq0, irq8, gsi_lines[NGSI];
static IrqLine *gsi[NGSI];
static int level[64], rises[64];     /* 0..23 GSIs, 32 IRQ0, 40 IRQ8 */

static void rec(void *opaque, int n, int lvl)
{
    if (lvl && !level[n])
        rises[n]++;
    level[n] = lvl;
}

static void setup(void)
{
    memset(&hpet, 0, sizeof(hpet));
    memset(level, 0, sizeof(level));
    memset(rises, 0, sizeof(rises));
    irq_line_init(&irq0, rec, NULL, 32);
    irq_line_init(&irq8, rec, NULL, 40);
    for (int i = 0; i < NGSI; i++) {
        irq_line_init(&gsi_lines[i], rec, NULL, i);
        gsi[i] = &gsi_lines[i];
    }
    hpet_init(&hpet, &irq0, &irq8, gsi, NGSI);
}

static void teardown(void)
{
    hpet_fini(&hpet);
}

static uint64_t rd64(uint64_t a, int64_t now) { return hpet_read_at(&hpet, a, 8, now); }
static uint32_t rd32(uint64_t a, int64_t now) { return (uint32_t)hpet_read_at(&hpet, a, 4, now); }
static void wr64(uint64_t a, uint64_t v, int64_t now) { hpet_write_at(&hpet, a, v, 8, now); }
static void wr32(uint64_t a, uint32_t v, int64_t now) { hpet_write_at(&hpet, a, v, 4, now); }

#define TCONF(n) (HPET_TIMER(n) + HPET_TN_CONF)
#define TCMP(n) (HPET_TIMER(n) + HPET_TN_CMP)
#define ROUTE(r) ((uint64_t)(r) << HPET_TN_ROUTE_SHIFT)

static void test_capabilities(void)
{
    setup();
    uint64_t cap = rd64(HPET_CAP, T0);
    CU_ASSERT_EQUAL(cap >> 32, 10000000);                   /* fs per tick */
    CU_ASSERT_EQUAL((cap >> 8) & 0x1f, HPET_NUM_TIMERS - 1);
    CU_ASSERT_TRUE(cap & HPET_CAP_LEG_RT);
    CU_ASSERT_TRUE(cap & HPET_CAP_COUNT_64);
    CU_ASSERT_EQUAL(cap & 0xff, 1);
    CU_ASSERT_EQUAL(rd32(HPET_CAP + 4, T0), 10000000);
    CU_ASSERT_EQUAL(rd32(HPET_CAP, T0), (uint32_t)cap);
    CU_ASSERT_EQUAL(hpet_block_id(), (uint32_t)cap);
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        uint64_t c = rd64(TCONF(n), T0);
        CU_ASSERT_EQUAL(c >> 32, HPET_ROUTE_CAP);
        CU_ASSERT_TRUE(c & HPET_TN_PER_CAP);
        CU_ASSERT_TRUE(c & HPET_TN_SIZE_CAP);
        CU_ASSERT_FALSE(c & HPET_TN_ENABLE);
        CU_ASSERT_EQUAL(rd64(TCMP(n), T0), ~0ull);
    }
    /* Capabilities are read-only. */
    wr64(HPET_CAP, 0, T0);
    CU_ASSERT_EQUAL(rd64(HPET_CAP, T0), cap);
    teardown();
}

static void test_counter(void)
{
    setup();
    CU_ASSERT_EQUAL(rd64(HPET_COUNTER, TK(1000)), 0);       /* halted at reset */
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    CU_ASSERT_EQUAL(rd64(HPET_COUNTER, TK(100)), 100);
    CU_ASSERT_EQUAL(rd64(HPET_COUNTER, TK(100) + 9), 100);
    wr64(HPET_CONF, 0, TK(200));
    CU_ASSERT_EQUAL(rd64(HPET_COUNTER, TK(99999)), 200);
    /* Writable while halted, in halves too. */
    wr32(HPET_COUNTER + 4, 0x1, TK(300));
    wr32(HPET_COUNTER, 0xfffffff0, TK(300));
    CU_ASSERT_EQUAL(rd64(HPET_COUNTER, TK(400)), 0x1fffffff0ull);
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(500));
    CU_ASSERT_EQUAL(rd32(HPET_COUNTER, TK(532)), 0x10);
    CU_ASSERT_EQUAL(rd32(HPET_COUNTER + 4, TK(532)), 0x2);
    teardown();
}

static void test_oneshot_edge(void)
{
    setup();
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCONF(2), HPET_TN_ENABLE | ROUTE(20), TK(0));
    wr64(TCMP(2), 1000, TK(0));
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[2].timer), TK(1000));
    hpet_timer_expired_at(&hpet, 2, TK(999));               /* early: nothing */
    CU_ASSERT_EQUAL(rises[20], 0);
    hpet_timer_expired_at(&hpet, 2, TK(1000));
    CU_ASSERT_EQUAL(rises[20], 1);
    CU_ASSERT_EQUAL(level[20], 0);                          /* a pulse */
    CU_ASSERT_FALSE(timer_pending(hpet.t[2].timer));        /* 64-bit: once */
    CU_ASSERT_EQUAL(rd64(HPET_ISR, TK(2000)), 0);           /* no status for edge */
    /* A route outside the capability goes nowhere. */
    wr64(TCONF(2), HPET_TN_ENABLE | ROUTE(5), TK(2000));
    wr64(TCMP(2), 2100, TK(2000));
    hpet_timer_expired_at(&hpet, 2, TK(2100));
    CU_ASSERT_EQUAL(rises[5], 0);
    teardown();
}

static void test_oneshot_level(void)
{
    setup();
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCONF(1), HPET_TN_ENABLE | HPET_TN_LEVEL | ROUTE(21), TK(0));
    wr64(TCONF(2), HPET_TN_ENABLE | HPET_TN_LEVEL | ROUTE(21), TK(0));
    wr64(TCMP(1), 50, TK(0));
    wr64(TCMP(2), 80, TK(0));
    hpet_timer_expired_at(&hpet, 1, TK(50));
    CU_ASSERT_EQUAL(level[21], 1);
    CU_ASSERT_EQUAL(rd64(HPET_ISR, TK(60)), 0x2);
    hpet_timer_expired_at(&hpet, 2, TK(80));
    CU_ASSERT_EQUAL(rd64(HPET_ISR, TK(90)), 0x6);
    /* Shared line: clearing one status keeps it asserted. */
    wr64(HPET_ISR, 0x2, TK(100));
    CU_ASSERT_EQUAL(level[21], 1);
    CU_ASSERT_EQUAL(rd64(HPET_ISR, TK(100)), 0x4);
    wr32(HPET_ISR, 0x4, TK(110));
    CU_ASSERT_EQUAL(level[21], 0);
    CU_ASSERT_EQUAL(rises[21], 1);
    teardown();
}

static void test_status_without_enable(void)
{
    setup();
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCONF(0), HPET_TN_LEVEL | ROUTE(22), TK(0));      /* Tn_INT_ENB clear */
    wr64(TCMP(0), 300, TK(0));
    CU_ASSERT_FALSE(timer_pending(hpet.t[0].timer));        /* nothing to wake for */
    CU_ASSERT_EQUAL(rd64(HPET_ISR, TK(299)), 0);
    CU_ASSERT_EQUAL(rd64(HPET_ISR, TK(301)), 1);            /* status still set */
    CU_ASSERT_EQUAL(level[22], 0);
    /* Enabling the interrupt with the status set asserts the line. */
    wr64(TCONF(0), HPET_TN_LEVEL | HPET_TN_ENABLE | ROUTE(22), TK(400));
    CU_ASSERT_EQUAL(level[22], 1);
    /* Halting the HPET drops it (all interrupts disabled). */
    wr64(HPET_CONF, 0, TK(500));
    CU_ASSERT_EQUAL(level[22], 0);
    teardown();
}

static void test_periodic(void)
{
    setup();
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCONF(0), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | ROUTE(23), TK(0));
    wr64(TCMP(0), 100, TK(0));          /* SETVAL: comparator and period */
    CU_ASSERT_FALSE(hpet.t[0].config & HPET_TN_SETVAL);    /* self-cleared */
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[0].timer), TK(100));
    hpet_timer_expired_at(&hpet, 0, TK(100));
    CU_ASSERT_EQUAL(rises[23], 1);
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(100)), 200);
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[0].timer), TK(200));
    /* Late by several periods: one interrupt, comparator past now. */
    hpet_timer_expired_at(&hpet, 0, TK(550));
    CU_ASSERT_EQUAL(rises[23], 2);
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(550)), 600);
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[0].timer), TK(600));
    /* A write without SETVAL changes only the period. */
    wr64(TCMP(0), 50, TK(560));
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(560)), 600);
    hpet_timer_expired_at(&hpet, 0, TK(600));
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(600)), 650);
    teardown();
}

static void test_periodic_32bit_linux(void)
{
    setup();
    /* The sequence of Linux's hpet_clkevt_set_state_periodic(). */
    wr64(HPET_COUNTER, 0xfffffff0ull, TK(0));
    wr32(HPET_CONF, HPET_CONF_ENABLE | HPET_CONF_LEGACY, TK(0));
    uint32_t now = rd32(HPET_COUNTER, TK(0));
    CU_ASSERT_EQUAL(now, 0xfffffff0u);
    wr32(TCONF(0), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_32BIT, TK(0));
    wr32(TCMP(0), now + 0x40, TK(1));   /* wraps: 0x30 */
    wr32(TCMP(0), 0x40, TK(2));         /* the period */
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(3)), 0x30);
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[0].timer), TK(0x40));
    hpet_timer_expired_at(&hpet, 0, TK(0x40));
    CU_ASSERT_EQUAL(rises[32], 1);                          /* legacy: IRQ0 */
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(0x40)), 0x70);
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[0].timer), TK(0x80));
    teardown();
}

static void test_32bit_mode(void)
{
    setup();
    wr64(HPET_COUNTER, 0x2ffffff00ull, TK(0));
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCONF(2), HPET_TN_ENABLE | HPET_TN_32BIT | ROUTE(20), TK(0));
    wr64(TCMP(2), 0xabcd00000010ull, TK(0));
    CU_ASSERT_EQUAL(rd64(TCMP(2), TK(0)), 0x10);           /* high half dropped */
    CU_ASSERT_EQUAL(rd32(TCMP(2) + 4, TK(0)), 0);
    /* Matches the low 32 bits after the wrap: 0x110 ticks away. */
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[2].timer), TK(0x110));
    hpet_timer_expired_at(&hpet, 2, TK(0x110));
    CU_ASSERT_EQUAL(rises[20], 1);
    /* ...and again every 2^32 ticks, as the hardware does. */
    CU_ASSERT_EQUAL(timer_expire_time(hpet.t[2].timer), TK(0x110 + (1ll << 32)));
    /* The same comparator in 64-bit mode is in the past: never. */
    wr64(TCONF(2), HPET_TN_ENABLE | ROUTE(20), TK(0x200));
    CU_ASSERT_FALSE(timer_pending(hpet.t[2].timer));
    CU_ASSERT_EQUAL(hpet_next_match(&hpet, 2, hpet_counter_at(&hpet, TK(0x200))), UINT64_MAX);
    teardown();
}

static void test_legacy_routing(void)
{
    setup();
    IrqLine *pit = hpet_pit_input(&hpet), *rtc = hpet_rtc_input(&hpet);
    /* Legacy off: the PIT and RTC go straight through. */
    irq_set(pit, 1);
    CU_ASSERT_EQUAL(level[32], 1);
    irq_set(pit, 0);
    irq_set(rtc, 1);
    CU_ASSERT_EQUAL(level[40], 1);
    CU_ASSERT_EQUAL(rises[32], 1);
    /* Legacy on: the RTC is cut off, timers 0/1 own IRQ0/IRQ8. */
    wr64(HPET_CONF, HPET_CONF_ENABLE | HPET_CONF_LEGACY, TK(0));
    CU_ASSERT_EQUAL(level[40], 0);
    irq_set(pit, 1);
    CU_ASSERT_EQUAL(level[32], 0);
    wr64(TCONF(0), HPET_TN_ENABLE | ROUTE(20), TK(0));     /* route ignored */
    wr64(TCONF(1), HPET_TN_ENABLE | HPET_TN_LEVEL | ROUTE(21), TK(0));
    wr64(TCMP(0), 10, TK(0));
    wr64(TCMP(1), 20, TK(0));
    hpet_timer_expired_at(&hpet, 0, TK(10));
    CU_ASSERT_EQUAL(rises[32], 2);
    CU_ASSERT_EQUAL(rises[20], 0);
    hpet_timer_expired_at(&hpet, 1, TK(20));
    CU_ASSERT_EQUAL(level[40], 1);
    CU_ASSERT_EQUAL(level[21], 0);
    /* Legacy off again: back to the PIT's (high) and RTC's (high) levels. */
    wr64(HPET_ISR, 0x2, TK(30));
    CU_ASSERT_EQUAL(level[40], 0);
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(40));
    CU_ASSERT_EQUAL(level[32], 1);
    CU_ASSERT_EQUAL(level[40], 1);
    teardown();
}

static void test_guest_junk(void)
{
    setup();
    CU_ASSERT_EQUAL(rd64(0x3f8, T0), 0);                    /* reserved */
    CU_ASSERT_EQUAL(rd64(HPET_TIMER(HPET_NUM_TIMERS), T0), 0);
    CU_ASSERT_EQUAL(hpet_read_at(&hpet, 0x400, 4, T0), 0);
    CU_ASSERT_EQUAL(hpet_read_at(&hpet, ~0ull, 8, T0), 0);
    CU_ASSERT_EQUAL(hpet_read_at(&hpet, HPET_CAP, 1, T0), 0);
    wr64(HPET_TIMER(7), ~0ull, T0);
    hpet_write_at(&hpet, 0x1000000, 1, 4, T0);
    hpet_timer_expired_at(&hpet, 9, T0);
    CU_ASSERT_EQUAL(hpet_next_match(&hpet, 9, 0), UINT64_MAX);
    /* Read-only and reserved configuration bits stay clear. */
    wr64(HPET_CONF, ~0ull, TK(0));
    CU_ASSERT_EQUAL(rd64(HPET_CONF, TK(0)), HPET_CONF_ENABLE | HPET_CONF_LEGACY);
    wr64(TCONF(2), ~0ull, TK(0));
    CU_ASSERT_FALSE(rd64(TCONF(2), TK(0)) & HPET_TN_FSB_EN);
    CU_ASSERT_EQUAL(rd64(TCONF(2), TK(0)) >> 32, HPET_ROUTE_CAP);
    /* A comparator far beyond reach arms no timer rather than overflowing. */
    wr64(TCONF(1), HPET_TN_ENABLE | ROUTE(20), TK(0));
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCMP(1), 0xfffffffffffff000ull, TK(0));
    CU_ASSERT_FALSE(timer_pending(hpet.t[1].timer));
    /* Periodic with period 0 does not spin. */
    wr64(TCONF(0), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | ROUTE(20), TK(0));
    wr64(TCMP(0), 50, TK(0));
    wr64(TCMP(0), 0, TK(0));                                /* period 0 */
    hpet_timer_expired_at(&hpet, 0, TK(100));
    CU_ASSERT_EQUAL(rd64(TCMP(0), TK(100)), 50);
    CU_ASSERT_FALSE(timer_pending(hpet.t[0].timer));
    teardown();
}

static void test_snapshot(void)
{
    setup();
    wr64(HPET_CONF, HPET_CONF_ENABLE, TK(0));
    wr64(TCONF(2), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | ROUTE(20), TK(0));
    wr64(TCMP(2), 1000, TK(0));
    ByteStream bs;
    Error err = { 0 };
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &hpet_state_desc, &hpet, &err), 0);
    wr64(HPET_CONF, 0, TK(5));
    wr64(TCONF(2), 0, TK(5));
    CU_ASSERT_EQUAL(state_load(&bs, &hpet_state_desc, &hpet, &err), 0);
    CU_ASSERT_EQUAL(rd64(HPET_COUNTER, TK(77)), 77);
    CU_ASSERT_EQUAL(rd64(TCMP(2), TK(77)), 1000);
    CU_ASSERT_TRUE(rd64(TCONF(2), TK(77)) & HPET_TN_PERIODIC);
    bs_free(&bs);
    teardown();
}

/* Through guest-physical memory, 32- and 64-bit accesses. */
static void test_bus(void)
{
    Machine m;
    Error err = { 0 };
    unit_machine_init(&m);
    setup();
    hpet_fini(&hpet);
    HpetState *h = hpet_create(&m, NULL, HPET_BASE, &irq0, &irq8, gsi, NGSI, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(as_ld(&m.as_mem, HPET_BASE + 4, 4, NULL), 10000000);
    CU_ASSERT_EQUAL(as_ld(&m.as_mem, HPET_BASE, 8, NULL) >> 32, 10000000);
    as_st(&m.as_mem, HPET_BASE + HPET_CONF, 4, HPET_CONF_LEGACY);
    CU_ASSERT_EQUAL(as_ld(&m.as_mem, HPET_BASE + HPET_CONF, 8, NULL), HPET_CONF_LEGACY);
    /* The legacy mux is in place: the PIT no longer reaches IRQ0. */
    irq_set(hpet_pit_input(h), 1);
    CU_ASSERT_EQUAL(level[32], 0);
    devices_reset(&m);
    CU_ASSERT_EQUAL(level[32], 1);
    devices_destroy(&m);
    CU_ASSERT_EQUAL(m.sysmem.nr_children, 0);
    unit_machine_destroy(&m);
}

static const UnitTest hpet_tests[] = {
    { "capabilities", test_capabilities },
    { "counter", test_counter },
    { "oneshot_edge", test_oneshot_edge },
    { "oneshot_level", test_oneshot_level },
    { "status_without_enable", test_status_without_enable },
    { "periodic", test_periodic },
    { "periodic_32bit_linux", test_periodic_32bit_linux },
    { "32bit_mode", test_32bit_mode },
    { "legacy_routing", test_legacy_routing },
    { "guest_junk", test_guest_junk },
    { "snapshot", test_snapshot },
    { "bus", test_bus },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("hpet", NULL, NULL, hpet_tests);
}

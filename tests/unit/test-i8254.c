/* SPDX-License-Identifier: MIT */
/*
 * i8254 PIT and port 0x61.
 *
 * Every check drives the device with explicit CLK_VIRTUAL times built from
 * whole PIT ticks (at(k) is the first nanosecond of tick T0+k), so the
 * expected counts follow from the datasheet's sequences with no sleeping
 * and no dependence on the host. Timer arming is checked through the
 * main loop's timer_expire_time(); the callback is fired by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/timer/i8254.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define T0 (1000ull * PIT_FREQ_HZ)      /* tick 1000 s into guest time */

static PitState pit;
static IrqLine irq0;
static int irq_rises, irq_falls;

static int64_t at(uint64_t k)
{
    return pit_ns_of_tick(T0 + k);
}

static void irq_handler(void *opaque, int n, int level)
{
    static int last;
    if (level && !last)
        irq_rises++;
    if (!level && last)
        irq_falls++;
    last = level;
}

static void setup(void)
{
    irq_line_init(&irq0, irq_handler, NULL, 0);
    irq_set(&irq0, 0);
    irq_rises = irq_falls = 0;
    pit_init(&pit, &irq0);
}

static void teardown(void)
{
    pit_fini(&pit);
}

/* Control word, then a 16-bit count LSB first (rw 3), at tick k. */
static void program(unsigned ch, uint8_t mode, uint16_t count, uint64_t k)
{
    pit_write_at(&pit, 3, (uint8_t)(ch << 6 | 3 << 4 | mode << 1), at(k));
    pit_write_at(&pit, ch, count & 0xff, at(k));
    pit_write_at(&pit, ch, count >> 8, at(k));
}

static uint16_t read16(unsigned ch, uint64_t k)
{
    uint8_t lo = pit_read_at(&pit, ch, at(k));
    uint8_t hi = pit_read_at(&pit, ch, at(k));
    return (uint16_t)(hi << 8 | lo);
}

static void test_conversions(void)
{
    CU_ASSERT_EQUAL(pit_tick_of_ns(NS_PER_SEC), PIT_FREQ_HZ);
    /* at(k) is the first ns of tick k: one ns earlier is still tick k-1. */
    for (uint64_t k = 1; k < 2000; k += 37) {
        CU_ASSERT_EQUAL(pit_tick_of_ns(at(k)), T0 + k);
        CU_ASSERT_EQUAL(pit_tick_of_ns(at(k) - 1), T0 + k - 1);
    }
    CU_ASSERT_EQUAL(pit_tick_of_ns(-5), 0);
}

static void test_mode0(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 0, 100, 0);
    CU_ASSERT_EQUAL(pit_count_at(c, at(0)), 100);
    CU_ASSERT_EQUAL(pit_count_at(c, at(10)), 90);
    CU_ASSERT_FALSE(pit_out_at(c, at(99)));
    CU_ASSERT_TRUE(pit_out_at(c, at(100)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(100)), 0);
    CU_ASSERT_EQUAL(pit_count_at(c, at(101)), 0xffff);     /* keeps counting, wraps */
    CU_ASSERT_TRUE(pit_out_at(c, at(5000)));               /* stays high */
    CU_ASSERT_EQUAL(read16(0, 10), 90);

    /* IRQ0: low after programming, one timer at terminal count, then none. */
    CU_ASSERT_EQUAL(irq0.level, 0);
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(100));
    CU_ASSERT_EQUAL(pit_next_change_at(c, at(0)), at(100));
    pit_timer_expired_at(&pit, 0, at(100));
    CU_ASSERT_EQUAL(irq0.level, 1);
    CU_ASSERT_EQUAL(irq_rises, 1);
    CU_ASSERT_FALSE(timer_pending(c->timer));
    CU_ASSERT_EQUAL(pit_next_change_at(c, at(200)), -1);
    teardown();
}

static void test_mode0_first_byte_stops(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 0, 100, 0);
    pit_timer_expired_at(&pit, 0, at(100));
    CU_ASSERT_EQUAL(irq0.level, 1);
    /* Rewriting the count: the LSB alone stops counting and drops OUT. */
    pit_write_at(&pit, 0, 50, at(200));
    CU_ASSERT_FALSE(pit_out_at(c, at(200)));
    CU_ASSERT_EQUAL(irq0.level, 0);
    CU_ASSERT_EQUAL(pit_count_at(c, at(210)), pit_count_at(c, at(300)));
    CU_ASSERT_FALSE(timer_pending(c->timer));
    pit_write_at(&pit, 0, 0, at(300));
    CU_ASSERT_EQUAL(pit_count_at(c, at(310)), 40);
    CU_ASSERT_TRUE(pit_out_at(c, at(350)));
    teardown();
}

static void test_mode1(void)
{
    setup();
    PitChannel *c = &pit.ch[2];
    program(2, 1, 50, 0);           /* gate 2 is low after reset */
    CU_ASSERT_TRUE(pit_out_at(c, at(5)));
    CU_ASSERT_EQUAL(pit_next_change_at(c, at(5)), -1);
    pit_port61_write_at(&pit, 0x01, at(10));                /* trigger */
    CU_ASSERT_FALSE(pit_out_at(c, at(10)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(20)), 40);
    CU_ASSERT_FALSE(pit_out_at(c, at(59)));
    CU_ASSERT_TRUE(pit_out_at(c, at(60)));
    /* Gate falling does nothing; rising again retriggers. */
    pit_port61_write_at(&pit, 0x00, at(70));
    CU_ASSERT_TRUE(pit_out_at(c, at(75)));
    pit_port61_write_at(&pit, 0x01, at(80));
    CU_ASSERT_FALSE(pit_out_at(c, at(80)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(81)), 49);
    CU_ASSERT_TRUE(pit_out_at(c, at(130)));
    teardown();
}

static void test_mode2(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 2, 10, 0);
    static const uint16_t seq[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 9 };
    for (unsigned k = 0; k < 12; k++) {
        CU_ASSERT_EQUAL(pit_count_at(c, at(k)), seq[k]);
        CU_ASSERT_EQUAL(pit_out_at(c, at(k)), seq[k] != 1);
    }
    CU_ASSERT_EQUAL(irq0.level, 1);
    CU_ASSERT_EQUAL(irq_rises, 1);          /* programming raised OUT */
    /* Armed for the end of the one-tick low pulse, not its start. */
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(10));
    pit_timer_expired_at(&pit, 0, at(10));
    CU_ASSERT_EQUAL(irq_rises, 2);
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(20));
    /* A late wake-up well past the pulse still delivers one edge. */
    pit_timer_expired_at(&pit, 0, at(24));
    CU_ASSERT_EQUAL(irq_rises, 3);
    CU_ASSERT_EQUAL(irq0.level, 1);
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(30));
    teardown();
}

static void test_mode2_new_count_at_period_end(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 2, 10, 0);
    pit_write_at(&pit, 0, 20, at(3));
    pit_write_at(&pit, 0, 0, at(3));
    CU_ASSERT_EQUAL(pit_count_at(c, at(5)), 5);             /* old period goes on */
    CU_ASSERT_FALSE(pit_out_at(c, at(9)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(10)), 20);
    CU_ASSERT_EQUAL(pit_count_at(c, at(15)), 15);
    CU_ASSERT_FALSE(pit_out_at(c, at(29)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(30)), 20);
    CU_ASSERT_EQUAL(pit_next_change_at(c, at(12)), at(29));
    teardown();
}

static void test_mode3(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    /* Even: high n/2, low n/2, count steps by two. */
    program(0, 3, 10, 0);
    static const uint16_t even[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10 };
    for (unsigned k = 0; k < 11; k++) {
        CU_ASSERT_EQUAL(pit_count_at(c, at(k)), even[k]);
        CU_ASSERT_EQUAL(pit_out_at(c, at(k)), k < 5 || k == 10);
    }
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(5));
    pit_timer_expired_at(&pit, 0, at(5));
    CU_ASSERT_EQUAL(irq0.level, 0);
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(10));
    pit_timer_expired_at(&pit, 0, at(10));
    CU_ASSERT_EQUAL(irq0.level, 1);

    /* Odd: high (n+1)/2 ticks from n-1, low (n-1)/2 ticks. */
    program(0, 3, 5, 100);
    static const uint16_t odd[] = { 4, 2, 0, 4, 2, 4 };
    static const bool odd_out[] = { 1, 1, 1, 0, 0, 1 };
    for (unsigned k = 0; k < 6; k++) {
        CU_ASSERT_EQUAL(pit_count_at(c, at(100 + k)), odd[k]);
        CU_ASSERT_EQUAL(pit_out_at(c, at(100 + k)), odd_out[k]);
    }
    teardown();
}

static void test_mode3_new_count_at_half_cycle(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 3, 10, 0);
    pit_write_at(&pit, 0, 4, at(2));
    pit_write_at(&pit, 0, 0, at(2));
    CU_ASSERT_TRUE(pit_out_at(c, at(4)));
    /* The high half ends at 5; the new count starts in its low half. */
    CU_ASSERT_FALSE(pit_out_at(c, at(5)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(5)), 4);
    CU_ASSERT_FALSE(pit_out_at(c, at(6)));
    CU_ASSERT_TRUE(pit_out_at(c, at(7)));
    CU_ASSERT_EQUAL(pit_next_change_at(c, at(3)), at(5));
    CU_ASSERT_EQUAL(pit_next_change_at(c, at(5)), at(7));
    teardown();
}

static void test_mode4(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 4, 5, 0);
    static const uint16_t seq[] = { 5, 4, 3, 2, 1, 0, 0xffff, 0xfffe };
    for (unsigned k = 0; k < 8; k++) {
        CU_ASSERT_EQUAL(pit_count_at(c, at(k)), seq[k]);
        CU_ASSERT_EQUAL(pit_out_at(c, at(k)), k != 5);
    }
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(6));   /* the pulse's end */
    pit_timer_expired_at(&pit, 0, at(6));
    CU_ASSERT_EQUAL(irq_falls, 1);
    CU_ASSERT_EQUAL(irq_rises, 2);
    CU_ASSERT_FALSE(timer_pending(c->timer));
    teardown();
}

static void test_mode5(void)
{
    setup();
    PitChannel *c = &pit.ch[2];
    program(2, 5, 5, 0);
    CU_ASSERT_TRUE(pit_out_at(c, at(20)));
    pit_port61_write_at(&pit, 0x01, at(10));
    CU_ASSERT_EQUAL(pit_count_at(c, at(12)), 3);
    CU_ASSERT_TRUE(pit_out_at(c, at(14)));
    CU_ASSERT_FALSE(pit_out_at(c, at(15)));
    CU_ASSERT_TRUE(pit_out_at(c, at(16)));
    CU_ASSERT_EQUAL(pit_port61_read_at(&pit, at(15)) & 0x20, 0);
    CU_ASSERT_EQUAL(pit_port61_read_at(&pit, at(16)) & 0x20, 0x20);
    teardown();
}

static void test_gate_pauses_mode0(void)
{
    setup();
    PitChannel *c = &pit.ch[2];
    program(2, 0, 100, 0);          /* gate low: loaded but not counting */
    CU_ASSERT_EQUAL(pit_count_at(c, at(50)), 100);
    pit_port61_write_at(&pit, 0x01, at(50));
    CU_ASSERT_EQUAL(pit_count_at(c, at(60)), 90);
    pit_port61_write_at(&pit, 0x00, at(70));
    CU_ASSERT_EQUAL(pit_count_at(c, at(500)), 80);
    pit_port61_write_at(&pit, 0x01, at(500));
    CU_ASSERT_FALSE(pit_out_at(c, at(579)));
    CU_ASSERT_TRUE(pit_out_at(c, at(580)));
    teardown();
}

static void test_gate_mode2(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    program(0, 2, 10, 0);
    /* Gate low: counting stops, OUT forced high, no wake-ups. */
    pit_set_gate_at(&pit, 0, false, at(9));
    CU_ASSERT_TRUE(pit_out_at(c, at(9)));
    CU_ASSERT_EQUAL(pit_count_at(c, at(30)), 1);
    CU_ASSERT_FALSE(timer_pending(c->timer));
    /* Rising edge reloads the initial count. */
    pit_set_gate_at(&pit, 0, true, at(40));
    CU_ASSERT_EQUAL(pit_count_at(c, at(40)), 10);
    CU_ASSERT_EQUAL(pit_count_at(c, at(43)), 7);
    CU_ASSERT_EQUAL(timer_expire_time(c->timer), at(50));
    teardown();
}

static void test_latch(void)
{
    setup();
    program(0, 0, 1000, 0);
    pit_write_at(&pit, 3, 0x00, at(10));       /* latch channel 0 */
    pit_write_at(&pit, 3, 0x00, at(20));       /* ignored: not read yet */
    CU_ASSERT_EQUAL(read16(0, 50), 990);
    CU_ASSERT_EQUAL(read16(0, 60), 940);       /* live again */
    /* A latch after live reads comes out LSB then MSB, frozen. */
    pit_write_at(&pit, 3, 0x00, at(100));
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(150)), 900 & 0xff);
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(150)), 900 >> 8);
    teardown();
}

static void test_readback(void)
{
    setup();
    /* After a control word the count is null (status bit 6). */
    pit_write_at(&pit, 3, 0x34, at(0));         /* ch0, rw 3, mode 2 */
    pit_write_at(&pit, 3, 0xe2, at(0));         /* read-back status of ch0 */
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(0)), 0xf4); /* OUT, null, rw 3, mode 2 */
    pit_write_at(&pit, 0, 100, at(0));
    pit_write_at(&pit, 0, 0, at(0));
    /* Status and count together: status first, then the count. */
    pit_write_at(&pit, 3, 0xc2, at(30));
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(40)), 0xb4); /* OUT high, rw 3, mode 2 */
    CU_ASSERT_EQUAL(read16(0, 45), 70);
    /* Count only, channels 0 and 2 at once. */
    program(2, 0, 500, 0);
    pit_write_at(&pit, 3, 0xda, at(50));        /* 11 0 1 101 0 */
    CU_ASSERT_EQUAL(read16(0, 60), 50);
    CU_ASSERT_EQUAL(read16(2, 60), 500);        /* gate 2 low: not counting */
    /* A second status latch before reading is ignored. */
    pit_write_at(&pit, 3, 0xe2, at(99));        /* ch0 at 99: count 1, OUT low */
    pit_write_at(&pit, 3, 0xe2, at(100));
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(100)), 0x34);
    teardown();
}

static void test_bcd(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    pit_write_at(&pit, 3, 0x31, at(0));         /* mode 0, BCD */
    pit_write_at(&pit, 0, 0x00, at(0));
    pit_write_at(&pit, 0, 0x10, at(0));         /* 1000 decimal */
    CU_ASSERT_EQUAL(read16(0, 1), 0x0999);
    CU_ASSERT_TRUE(pit_out_at(c, at(1000)));
    CU_ASSERT_FALSE(pit_out_at(c, at(999)));
    CU_ASSERT_EQUAL(read16(0, 1001), 0x9999);   /* wraps at 10000 */
    pit_write_at(&pit, 3, 0x00, at(1010));      /* a latched count is BCD too */
    CU_ASSERT_EQUAL(read16(0, 1500), 0x9990);
    /* Count 0 in BCD is 10000. */
    pit_write_at(&pit, 3, 0x35, at(2000));      /* mode 2, BCD */
    pit_write_at(&pit, 0, 0, at(2000));
    pit_write_at(&pit, 0, 0, at(2000));
    CU_ASSERT_EQUAL(read16(0, 2001), 0x9999);
    CU_ASSERT_FALSE(pit_out_at(c, at(2000 + 9999)));
    CU_ASSERT_TRUE(pit_out_at(c, at(2000 + 10000)));
    teardown();
}

static void test_access_modes(void)
{
    setup();
    PitChannel *c = &pit.ch[0];
    pit_write_at(&pit, 3, 0x14, at(0));         /* LSB only, mode 2 */
    pit_write_at(&pit, 0, 0x20, at(0));
    CU_ASSERT_EQUAL(pit_count_at(c, at(1)), 31);
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(1)), 31);
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(2)), 30);       /* LSB again */
    pit_write_at(&pit, 3, 0x24, at(10));        /* MSB only, mode 2 */
    pit_write_at(&pit, 0, 0x01, at(10));
    CU_ASSERT_EQUAL(pit_count_at(c, at(10)), 256);
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(11)), 0);       /* 255 >> 8 */
    CU_ASSERT_EQUAL(pit_read_at(&pit, 0, at(10)), 1);
    /* Modes 6 and 7 are 2 and 3. */
    pit_write_at(&pit, 3, 0x3e, at(20));
    CU_ASSERT_EQUAL(c->mode, 3);
    teardown();
}

static void test_port61(void)
{
    setup();
    /* Bit 4 toggles every refresh period: firmware delays count flips. */
    int64_t base = 1000 * (int64_t)PIT_REFRESH_NS * 64;
    bool b0 = pit_port61_read_at(&pit, base) & 0x10;
    bool b1 = pit_port61_read_at(&pit, base + PIT_REFRESH_NS) & 0x10;
    bool b2 = pit_port61_read_at(&pit, base + 2 * PIT_REFRESH_NS) & 0x10;
    CU_ASSERT_NOT_EQUAL(b0, b1);
    CU_ASSERT_EQUAL(b0, b2);
    /* Bits 0-3 read back; 6-7 are zero. */
    pit_port61_write_at(&pit, 0xff, at(0));
    CU_ASSERT_EQUAL(pit_port61_read_at(&pit, at(0)) & 0xcf, 0x0f);
    CU_ASSERT_TRUE(pit.ch[2].gate);
    /* OUT2 in bit 5: a square wave when gated on. */
    program(2, 3, 100, 10);
    CU_ASSERT_EQUAL(pit_port61_read_at(&pit, at(20)) & 0x20, 0x20);
    CU_ASSERT_EQUAL(pit_port61_read_at(&pit, at(70)) & 0x20, 0);
    pit_port61_write_at(&pit, 0x02, at(70));    /* gate off: OUT2 forced high */
    CU_ASSERT_EQUAL(pit_port61_read_at(&pit, at(71)) & 0x20, 0x20);
    CU_ASSERT_FALSE(pit.ch[2].gate);
    /* Channel 2 drives no IRQ: it never has a timer. */
    CU_ASSERT_PTR_NULL(pit.ch[2].timer);
    teardown();
}

static void test_guest_junk(void)
{
    setup();
    CU_ASSERT_EQUAL(pit_read_at(&pit, 3, at(0)), 0xff);
    CU_ASSERT_EQUAL(pit_read_at(&pit, 200, at(0)), 0xff);
    pit_write_at(&pit, 99, 0x12, at(0));
    pit_set_gate_at(&pit, 7, true, at(0));
    pit_timer_expired_at(&pit, 9, at(0));
    /* Count 1 in modes 2/3 is illegal: no division by zero, no wake-ups. */
    program(0, 2, 1, 0);
    CU_ASSERT_EQUAL(pit_next_change_at(&pit.ch[0], at(3)), -1);
    program(0, 3, 1, 10);
    CU_ASSERT_EQUAL(pit_next_change_at(&pit.ch[0], at(13)), -1);
    /* Non-decimal BCD digits stay within the counter's range. */
    pit_write_at(&pit, 3, 0x31, at(20));
    pit_write_at(&pit, 0, 0xff, at(20));
    pit_write_at(&pit, 0, 0xff, at(20));
    CU_ASSERT_TRUE(pit_count_at(&pit.ch[0], at(21)) < 10000);
    teardown();
}

static void test_snapshot(void)
{
    setup();
    program(0, 2, 1000, 0);
    ByteStream bs;
    Error err = { 0 };
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &pit_state_desc, &pit, &err), 0);
    uint16_t before = pit_count_at(&pit.ch[0], at(123));
    program(0, 0, 7, 50);
    CU_ASSERT_EQUAL(state_load(&bs, &pit_state_desc, &pit, &err), 0);
    CU_ASSERT_EQUAL(pit_count_at(&pit.ch[0], at(123)), before);
    CU_ASSERT_EQUAL(pit.ch[0].mode, 2);
    bs_free(&bs);
    teardown();
}

/* Through the port space of a machine, as a vCPU sees it. */
static void test_bus(void)
{
    Machine m;
    Error err = { 0 };
    unit_machine_init(&m);
    irq_line_init(&irq0, irq_handler, NULL, 0);
    PitState *p = pit_create(&m, NULL, &irq0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_EQUAL(m.devices, &p->dev);
    as_st(&m.as_io, 0x43, 1, 0x34);
    as_st(&m.as_io, 0x43, 1, 0xe2);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x40, 1, NULL), 0xf4);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x43, 1, NULL), 0xff);
    as_st(&m.as_io, 0x61, 1, 0x03);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x61, 1, NULL) & 0x0f, 0x03);
    CU_ASSERT_TRUE(p->ch[2].gate);
    devices_reset(&m);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x61, 1, NULL) & 0x0f, 0x00);
    devices_destroy(&m);
    CU_ASSERT_EQUAL(m.iomem.nr_children, 0);
    unit_machine_destroy(&m);
}

static const UnitTest pit_tests[] = {
    { "conversions", test_conversions },
    { "mode0", test_mode0 },
    { "mode0_first_byte_stops", test_mode0_first_byte_stops },
    { "mode1", test_mode1 },
    { "mode2", test_mode2 },
    { "mode2_new_count", test_mode2_new_count_at_period_end },
    { "mode3", test_mode3 },
    { "mode3_new_count", test_mode3_new_count_at_half_cycle },
    { "mode4", test_mode4 },
    { "mode5", test_mode5 },
    { "gate_pauses_mode0", test_gate_pauses_mode0 },
    { "gate_mode2", test_gate_mode2 },
    { "latch", test_latch },
    { "readback", test_readback },
    { "bcd", test_bcd },
    { "access_modes", test_access_modes },
    { "port61", test_port61 },
    { "guest_junk", test_guest_junk },
    { "snapshot", test_snapshot },
    { "bus", test_bus },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("i8254", NULL, NULL, pit_tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * MC146818 RTC/CMOS.
 *
 * The RTC is created with a chosen wall-clock time at a chosen CLK_VIRTUAL
 * instant N0 (a second boundary), and every access passes its own time,
 * so calendars, the update cycle and interrupt timing are checked exactly.
 * The timer is fired by hand at the deadline the device armed.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/timer/mc146818.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define N0 (1000 * NS_PER_SEC)
#define MS (1000 * 1000ll)
#define NEW_YEAR_EVE 1735689598ll   /* 2024-12-31 23:59:58 UTC, a Tuesday */
#define JULY_4TH 1720100730ll       /* 2024-07-04 13:45:30 UTC, a Thursday */

static RtcState rtc;
static IrqLine irq8;

static void wr(unsigned reg, uint8_t val, int64_t now);

/* The RTC at wall_sec, periodic rate off so that PF stays out of the way. */
static void setup_at(int64_t wall_sec)
{
    memset(&rtc, 0, sizeof(rtc));
    irq_line_init(&irq8, NULL, NULL, 8);
    rtc_init(&rtc, &irq8, wall_sec * NS_PER_SEC, N0);
    wr(RTC_REG_A, 0x20, N0);
}

static void teardown(void)
{
    rtc_fini(&rtc);
}

static uint8_t rd(unsigned reg, int64_t now)
{
    rtc_write_at(&rtc, 0, (uint8_t)reg, now);
    return rtc_read_at(&rtc, 1, now);
}

static void wr(unsigned reg, uint8_t val, int64_t now)
{
    rtc_write_at(&rtc, 0, (uint8_t)reg, now);
    rtc_write_at(&rtc, 1, val, now);
}

static void test_calendar(void)
{
    CU_ASSERT_EQUAL(rtc_days_from_civil(1970, 1, 1), 0);
    CU_ASSERT_EQUAL(rtc_days_from_civil(2000, 3, 1), 11017);
    CU_ASSERT_EQUAL(rtc_days_from_civil(1969, 12, 31), -1);
    for (int64_t d = -800000; d < 3000000; d += 997) {
        int64_t y;
        unsigned m, dd;
        rtc_civil_from_days(d, &y, &m, &dd);
        CU_ASSERT_EQUAL(rtc_days_from_civil(y, m, dd), d);
    }
}

static void test_time_bcd(void)
{
    setup_at(NEW_YEAR_EVE);
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0), 0x58);
    CU_ASSERT_EQUAL(rd(RTC_MIN, N0), 0x59);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0), 0x23);
    CU_ASSERT_EQUAL(rd(RTC_WDAY, N0), 3);
    CU_ASSERT_EQUAL(rd(RTC_MDAY, N0), 0x31);
    CU_ASSERT_EQUAL(rd(RTC_MONTH, N0), 0x12);
    CU_ASSERT_EQUAL(rd(RTC_YEAR, N0), 0x24);
    CU_ASSERT_EQUAL(rd(RTC_CENTURY, N0), 0x20);
    /* Two seconds later it is a new year, a Wednesday. */
    int64_t t = N0 + 2 * NS_PER_SEC;
    CU_ASSERT_EQUAL(rd(RTC_SEC, t), 0x00);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, t), 0x00);
    CU_ASSERT_EQUAL(rd(RTC_WDAY, t), 4);
    CU_ASSERT_EQUAL(rd(RTC_MDAY, t), 0x01);
    CU_ASSERT_EQUAL(rd(RTC_MONTH, t), 0x01);
    CU_ASSERT_EQUAL(rd(RTC_YEAR, t), 0x25);
    CU_ASSERT_EQUAL(rtc_seconds_at(&rtc, t), NEW_YEAR_EVE + 2);
    teardown();
}

static void test_time_binary_12h(void)
{
    setup_at(JULY_4TH);
    wr(RTC_REG_B, RTC_B_DM | RTC_B_24H, N0);
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0), 30);
    CU_ASSERT_EQUAL(rd(RTC_MIN, N0), 45);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0), 13);
    CU_ASSERT_EQUAL(rd(RTC_YEAR, N0), 24);
    CU_ASSERT_EQUAL(rd(RTC_CENTURY, N0), 20);
    CU_ASSERT_EQUAL(rd(RTC_WDAY, N0), 5);
    /* 12-hour: 1 PM is 1 with bit 7, in binary and in BCD. */
    wr(RTC_REG_B, RTC_B_DM, N0);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0), 0x81);
    wr(RTC_REG_B, 0, N0);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0), 0x81);
    CU_ASSERT_EQUAL(rtc_seconds_at(&rtc, N0), JULY_4TH);
    teardown();

    /* Noon and midnight are 12, PM and AM. */
    setup_at(JULY_4TH - 13 * 3600 - 45 * 60 - 30);
    wr(RTC_REG_B, 0, N0);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0), 0x12);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0 + 12 * 3600 * NS_PER_SEC), 0x92);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0 + 23 * 3600 * NS_PER_SEC), 0x91);
    teardown();
}

static void test_set_bit(void)
{
    setup_at(JULY_4TH);
    int64_t t = N0 + 300 * MS;
    wr(RTC_REG_B, RTC_B_24H | RTC_B_SET | RTC_B_UIE, t);
    CU_ASSERT_EQUAL(rd(RTC_REG_B, t), RTC_B_24H | RTC_B_SET);    /* SET cleared UIE */
    /* Frozen: the time does not advance and UIP stays clear. */
    CU_ASSERT_EQUAL(rd(RTC_SEC, t + 5 * NS_PER_SEC), 0x30);
    CU_ASSERT_FALSE(rtc_uip_at(&rtc, N0 + NS_PER_SEC - 1000));
    wr(RTC_SEC, 0x00, t);
    wr(RTC_MIN, 0x30, t);
    wr(RTC_HOUR, 0x10, t);
    wr(RTC_MDAY, 0x15, t);
    wr(RTC_MONTH, 0x06, t);
    wr(RTC_YEAR, 0x99, t);
    wr(RTC_CENTURY, 0x19, t);
    CU_ASSERT_EQUAL(rd(RTC_MIN, t + 3 * NS_PER_SEC), 0x30);
    /* Clearing SET starts the clock from the registers, phase kept. */
    int64_t go = N0 + 10 * NS_PER_SEC + 300 * MS;
    wr(RTC_REG_B, RTC_B_24H, go);
    CU_ASSERT_EQUAL(rtc_seconds_at(&rtc, go), 929442600ll);     /* 1999-06-15 10:30:00 */
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0 + 11 * NS_PER_SEC - 1), 0x00);
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0 + 11 * NS_PER_SEC), 0x01);
    CU_ASSERT_EQUAL(rd(RTC_WDAY, go), 3);                       /* a Tuesday */
    teardown();
}

static void test_write_while_running(void)
{
    setup_at(JULY_4TH);
    int64_t t = N0 + 500 * MS;
    wr(RTC_HOUR, 0x02, t);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, t), 0x02);
    CU_ASSERT_EQUAL(rd(RTC_MIN, t), 0x45);
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0 + NS_PER_SEC - 1), 0x30);
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0 + NS_PER_SEC), 0x31);
    teardown();
}

static void test_uip_window(void)
{
    setup_at(JULY_4TH);
    int64_t b = N0 + NS_PER_SEC;        /* the next update ends here */
    int64_t w = RTC_UIP_LEAD_NS + RTC_UPDATE_NS;
    CU_ASSERT_FALSE(rtc_uip_at(&rtc, b - w - 1));
    CU_ASSERT_TRUE(rtc_uip_at(&rtc, b - w));
    CU_ASSERT_TRUE(rtc_uip_at(&rtc, b - 1));
    CU_ASSERT_FALSE(rtc_uip_at(&rtc, b));
    CU_ASSERT_EQUAL(rd(RTC_REG_A, b - 1000), 0xa0);
    CU_ASSERT_EQUAL(rd(RTC_REG_A, b + 1000), 0x20);
    /* The time changes only as UIP falls. */
    CU_ASSERT_EQUAL(rd(RTC_SEC, b - 1), 0x30);
    CU_ASSERT_EQUAL(rd(RTC_SEC, b), 0x31);
    /* UIP is read-only. */
    wr(RTC_REG_A, 0xa6, N0);
    CU_ASSERT_EQUAL(rd(RTC_REG_A, N0 + 1000), 0x26);
    teardown();
}

static void test_periodic_rates(void)
{
    CU_ASSERT_EQUAL(rtc_periodic_ns(0x20), 0);
    CU_ASSERT_EQUAL(rtc_periodic_ns(0x21), 3906250);    /* 256 Hz */
    CU_ASSERT_EQUAL(rtc_periodic_ns(0x22), 7812500);    /* 128 Hz */
    CU_ASSERT_EQUAL(rtc_periodic_ns(0x23), 122070);     /* 8192 Hz */
    CU_ASSERT_EQUAL(rtc_periodic_ns(0x26), 976562);     /* 1024 Hz */
    CU_ASSERT_EQUAL(rtc_periodic_ns(0x2f), 500000000);  /* 2 Hz */

    setup_at(JULY_4TH);
    wr(RTC_REG_A, 0x2f, N0 + 100 * MS);
    /* PF is set with or without PIE; nothing is armed without enables. */
    CU_ASSERT_FALSE(timer_pending(rtc.timer));
    CU_ASSERT_EQUAL(rtc_events_between(&rtc, N0, N0 + 400 * MS), 0);
    CU_ASSERT_EQUAL(rtc_events_between(&rtc, N0, N0 + 600 * MS) & RTC_C_PF, RTC_C_PF);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 700 * MS), RTC_C_PF);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 800 * MS), 0);
    CU_ASSERT_EQUAL(irq8.level, 0);

    /* With PIE: armed for the next edge, which raises IRQ 8. */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE, N0 + 800 * MS);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + 1000 * MS);
    rtc_timer_expired_at(&rtc, N0 + 1000 * MS);
    CU_ASSERT_EQUAL(irq8.level, 1);
    CU_ASSERT_FALSE(timer_pending(rtc.timer));          /* asserted: no wake-ups */
    /* The second also ended: UF is set, though UIE is off. */
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 1200 * MS), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    CU_ASSERT_EQUAL(irq8.level, 0);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + 1500 * MS);
    /* 8192 Hz: 8192 edges per second, so a ms holds 8 or 9. */
    wr(RTC_REG_A, 0x23, N0 + 1300 * MS);
    int64_t e = timer_expire_time(rtc.timer);
    CU_ASSERT_TRUE(e > N0 + 1300 * MS && e <= N0 + 1300 * MS + 122071);
    teardown();
}

static void test_update_interrupt(void)
{
    setup_at(JULY_4TH);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE, N0 + 10 * MS);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + NS_PER_SEC);
    rtc_timer_expired_at(&rtc, N0 + NS_PER_SEC);
    CU_ASSERT_EQUAL(irq8.level, 1);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + NS_PER_SEC + 1), RTC_C_IRQF | RTC_C_UF);
    CU_ASSERT_EQUAL(irq8.level, 0);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + NS_PER_SEC + 2), 0);
    teardown();
}

static void test_alarm(void)
{
    setup_at(JULY_4TH);     /* 13:45:30 */
    wr(RTC_SEC_ALARM, 0x33, N0);
    wr(RTC_MIN_ALARM, 0x45, N0);
    wr(RTC_HOUR_ALARM, 0x13, N0);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE, N0);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + 3 * NS_PER_SEC);
    CU_ASSERT_EQUAL(rtc_events_between(&rtc, N0, N0 + 3 * NS_PER_SEC - 1) & RTC_C_AF, 0);
    rtc_timer_expired_at(&rtc, N0 + 3 * NS_PER_SEC);
    CU_ASSERT_EQUAL(irq8.level, 1);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 3 * NS_PER_SEC), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    /* Matched already today: the next one is tomorrow. */
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + (3 + 86400) * NS_PER_SEC);

    /* Seconds only ("don't care" hours and minutes): :10 of the next minute. */
    wr(RTC_HOUR_ALARM, 0xc0, N0 + 4 * NS_PER_SEC);
    wr(RTC_MIN_ALARM, 0xff, N0 + 4 * NS_PER_SEC);
    wr(RTC_SEC_ALARM, 0x10, N0 + 4 * NS_PER_SEC);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + 40 * NS_PER_SEC);
    /* All three don't care: every update. */
    wr(RTC_SEC_ALARM, 0xc0, N0 + 4 * NS_PER_SEC);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + 5 * NS_PER_SEC);
    /* An alarm that can never match (seconds 0x75) arms nothing. */
    wr(RTC_SEC_ALARM, 0x75, N0 + 4 * NS_PER_SEC);
    CU_ASSERT_FALSE(timer_pending(rtc.timer));
    /* AF is set even without AIE, for a polling guest. */
    wr(RTC_REG_B, RTC_B_24H, N0 + 4 * NS_PER_SEC);
    wr(RTC_SEC_ALARM, 0x20, N0 + 4 * NS_PER_SEC);      /* 13:46:20 */
    (void)rd(RTC_REG_C, N0 + 4 * NS_PER_SEC);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 50 * NS_PER_SEC - 1) & RTC_C_AF, 0);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 50 * NS_PER_SEC) & RTC_C_AF, RTC_C_AF);
    CU_ASSERT_EQUAL(irq8.level, 0);
    teardown();
}

static void test_alarm_12h(void)
{
    setup_at(JULY_4TH);     /* 13:45:30 is 1:45:30 PM */
    wr(RTC_REG_B, 0, N0);   /* BCD, 12-hour */
    wr(RTC_HOUR_ALARM, 0x81, N0);
    wr(RTC_MIN_ALARM, 0x46, N0);
    wr(RTC_SEC_ALARM, 0x00, N0);
    wr(RTC_REG_B, RTC_B_AIE, N0);
    CU_ASSERT_EQUAL(timer_expire_time(rtc.timer), N0 + 30 * NS_PER_SEC);
    teardown();
}

static void test_regs_c_d(void)
{
    setup_at(JULY_4TH);
    CU_ASSERT_EQUAL(rd(RTC_REG_D, N0), RTC_D_VRT);
    wr(RTC_REG_D, 0x00, N0);
    CU_ASSERT_EQUAL(rd(RTC_REG_D, N0), RTC_D_VRT);
    wr(RTC_REG_C, 0xff, N0);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0), 0);
    /* Enabling an interrupt whose flag is already set asserts the line. */
    CU_ASSERT_EQUAL(rtc_events_between(&rtc, N0, N0 + 2 * NS_PER_SEC) & RTC_C_UF, RTC_C_UF);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE, N0 + 2 * NS_PER_SEC);
    CU_ASSERT_EQUAL(irq8.level, 1);
    CU_ASSERT_EQUAL(rd(RTC_REG_C, N0 + 2 * NS_PER_SEC), RTC_C_IRQF | RTC_C_UF);
    CU_ASSERT_EQUAL(irq8.level, 0);
    teardown();
}

static void test_divider_reset(void)
{
    setup_at(JULY_4TH);
    wr(RTC_REG_A, 0x70, N0 + 200 * MS);            /* divider reset: stopped */
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0 + 9 * NS_PER_SEC), 0x30);
    CU_ASSERT_FALSE(rtc_uip_at(&rtc, N0 + 9 * NS_PER_SEC + 999 * MS));
    CU_ASSERT_EQUAL(rtc_events_between(&rtc, N0, N0 + 9 * NS_PER_SEC), 0);
    int64_t go = N0 + 9 * NS_PER_SEC + 100 * MS;
    wr(RTC_REG_A, 0x26, go);
    /* The first update comes 500 ms after leaving reset. */
    CU_ASSERT_EQUAL(rd(RTC_SEC, go + 500 * MS - 1), 0x30);
    CU_ASSERT_EQUAL(rd(RTC_SEC, go + 500 * MS), 0x31);
    CU_ASSERT_TRUE(rtc_uip_at(&rtc, go + 499 * MS));
    teardown();
}

static void test_cmos_and_nmi(void)
{
    setup_at(JULY_4TH);
    wr(0x40, 0xab, N0);
    CU_ASSERT_EQUAL(rd(0x40, N0), 0xab);
    rtc_set_cmos(&rtc, 0x15, 0x80);
    rtc_set_cmos(&rtc, 0x5d, 0x01);
    CU_ASSERT_EQUAL(rd(0x15, N0), 0x80);
    CU_ASSERT_EQUAL(rd(0x5d, N0), 0x01);
    /* The clock and the century are not the board's to set. */
    rtc_set_cmos(&rtc, RTC_SEC, 0x12);
    rtc_set_cmos(&rtc, RTC_CENTURY, 0x33);
    rtc_set_cmos(&rtc, 0x1000, 0x99);
    CU_ASSERT_EQUAL(rd(RTC_SEC, N0), 0x30);
    CU_ASSERT_EQUAL(rd(RTC_CENTURY, N0), 0x20);
    CU_ASSERT_EQUAL(rtc_get_cmos(&rtc, 0x1000), 0xff);
    /* Bit 7 of port 0x70 is the NMI mask; the index is 7 bits. */
    rtc_write_at(&rtc, 0, 0xc0, N0);
    CU_ASSERT_TRUE(rtc_nmi_masked(&rtc));
    CU_ASSERT_EQUAL(rtc_read_at(&rtc, 1, N0), 0xab);
    CU_ASSERT_EQUAL(rtc_read_at(&rtc, 0, N0), 0xc0);
    rtc_write_at(&rtc, 0, 0x40, N0);
    CU_ASSERT_FALSE(rtc_nmi_masked(&rtc));
    /* Every byte of 0x0e-0x7f holds what is written. */
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != RTC_CENTURY)
            wr(i, (uint8_t)(i ^ 0x5a), N0);
    bool ok = true;
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != RTC_CENTURY && rd(i, N0) != (uint8_t)(i ^ 0x5a))
            ok = false;
    CU_ASSERT_TRUE(ok);
    teardown();
}

static void test_guest_junk(void)
{
    setup_at(JULY_4TH);
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, N0);
    for (unsigned r = 0; r < 10; r++)
        wr(r, 0xff, N0);
    wr(RTC_CENTURY, 0xff, N0);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_AIE | RTC_B_PIE, N0);
    /* Bad BCD fields become some valid time; reads stay encodable. */
    uint8_t m = rd(RTC_MONTH, N0 + NS_PER_SEC);
    CU_ASSERT_TRUE(m >= 1 && m <= 0x12);
    CU_ASSERT_TRUE(timer_pending(rtc.timer));
    rtc_timer_expired_at(&rtc, N0 + 5 * NS_PER_SEC);
    CU_ASSERT_EQUAL(irq8.level, 1);
    teardown();
}

static void test_snapshot(void)
{
    setup_at(JULY_4TH);
    wr(0x50, 0x42, N0);
    ByteStream bs;
    Error err = { 0 };
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &rtc_state_desc, &rtc, &err), 0);
    wr(0x50, 0x00, N0);
    wr(RTC_HOUR, 0x01, N0);
    CU_ASSERT_EQUAL(state_load(&bs, &rtc_state_desc, &rtc, &err), 0);
    CU_ASSERT_EQUAL(rd(0x50, N0), 0x42);
    CU_ASSERT_EQUAL(rd(RTC_HOUR, N0), 0x13);
    bs_free(&bs);
    teardown();
}

/* Through the port space of a machine, with the host's time. */
static void test_bus(void)
{
    Machine m;
    Error err = { 0 };
    unit_machine_init(&m);
    RtcState *r = rtc_create(&m, NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    as_st(&m.as_io, 0x70, 1, 0x8d);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x71, 1, NULL), RTC_D_VRT);
    CU_ASSERT_TRUE(rtc_nmi_masked(r));
    rtc_set_cmos(r, 0x34, 0x5a);
    as_st(&m.as_io, 0x70, 1, 0x34);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x71, 1, NULL), 0x5a);
    /* The host's date: the century byte is 0x20 until 2100. */
    as_st(&m.as_io, 0x70, 1, RTC_CENTURY);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x71, 1, NULL), 0x20);
    /* Reset clears the interrupt enables but keeps the CMOS. */
    as_st(&m.as_io, 0x70, 1, RTC_REG_B);
    as_st(&m.as_io, 0x71, 1, RTC_B_24H | RTC_B_PIE);
    devices_reset(&m);
    CU_ASSERT_EQUAL(as_ld(&m.as_io, 0x71, 1, NULL), RTC_B_24H);
    CU_ASSERT_EQUAL(rtc_get_cmos(r, 0x34), 0x5a);
    devices_destroy(&m);
    CU_ASSERT_EQUAL(m.iomem.nr_children, 0);
    unit_machine_destroy(&m);
}

static const UnitTest rtc_tests[] = {
    { "calendar", test_calendar },
    { "time_bcd", test_time_bcd },
    { "time_binary_12h", test_time_binary_12h },
    { "set_bit", test_set_bit },
    { "write_while_running", test_write_while_running },
    { "uip_window", test_uip_window },
    { "periodic_rates", test_periodic_rates },
    { "update_interrupt", test_update_interrupt },
    { "alarm", test_alarm },
    { "alarm_12h", test_alarm_12h },
    { "regs_c_d", test_regs_c_d },
    { "divider_reset", test_divider_reset },
    { "cmos_and_nmi", test_cmos_and_nmi },
    { "guest_junk", test_guest_junk },
    { "snapshot", test_snapshot },
    { "bus", test_bus },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("mc146818", NULL, NULL, rtc_tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * MC146818 RTC/CMOS.
 *
 * Invariants. While the clock runs (divider not in reset and SET clear),
 * guest time is base_sec at base_ns and advances by one at each later
 * second boundary base_ns + k s; the clock registers in cmos[] are stale
 * and every read encodes rtc_seconds_at(now) in the current format of
 * register B. While it is stopped, cmos[] holds the registers exactly as
 * the guest sees them (raw, not converted when B's format bits change, as
 * on the chip), and starting the clock decodes them back into base_sec.
 * Switching between the two (rtc_freeze/rtc_thaw) happens only at register
 * writes, so the pure functions never have to guess which one holds.
 *
 * Flags. PF, AF and UF are set by the chip whether or not their interrupt
 * is enabled. flags holds those raised up to flags_ns; rtc_sync() folds in
 * the events of (flags_ns, now] before any register change (so a rate or
 * alarm change never re-interprets the past) and before reading C. IRQF
 * is derived: flags & enables. The IRQ line is level (asserted until C is
 * read, exactly what the i8259 sees through the ISA edge).
 *
 * The divider chain provides the periodic interrupt (phase div_ns) and the
 * 1 Hz update (phase base_ns): leaving divider reset starts both, the first
 * update coming 500 ms later as the datasheet says. SET only freezes the
 * clock; periodic interrupts continue and the second phase is kept.
 *
 * Simplifications: the day of week is derived from the date (a guest
 * writing an inconsistent weekday sees it corrected); DSE is stored but
 * daylight saving is not applied; DV values 000 and 001 count like 010
 * (the PC's crystal is 32.768 kHz whatever the guest claims).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/timer/mc146818.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define RTC_UIP_WINDOW_NS (RTC_UIP_LEAD_NS + RTC_UPDATE_NS)
#define RTC_NO_SEC INT64_MAX

/* ------------------------------------------------------------------------ */
/* Arithmetic helpers */

static int64_t rtc_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t rtc_floor_mod(int64_t a, int64_t b)
{
    return a - rtc_floor_div(a, b) * b;
}

/* Days from 1970-01-01 to y-m-d; the civil-calendar era algorithm. */
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = rtc_floor_div(y, 400);
    int64_t yoe = y - era * 400;                                 /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void rtc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = rtc_floor_div(days, 146097);
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* ------------------------------------------------------------------------ */
/* Register format (register B's DM and 24/12 bits) */

static bool rtc_divider_runs(uint8_t a)
{
    return (a & RTC_A_DV) <= 0x20;
}

static bool rtc_clock_runs(uint8_t a, uint8_t b)
{
    return rtc_divider_runs(a) && !(b & RTC_B_SET);
}

static bool rtc_running_divider(const RtcState *s)
{
    return rtc_divider_runs(s->cmos[RTC_REG_A]);
}

static bool rtc_updating(const RtcState *s)
{
    return rtc_clock_runs(s->cmos[RTC_REG_A], s->cmos[RTC_REG_B]);
}

static uint8_t rtc_enc(const RtcState *s, unsigned v)
{
    v %= 100;
    if (s->cmos[RTC_REG_B] & RTC_B_DM)
        return (uint8_t)v;
    return (uint8_t)(v / 10 << 4 | v % 10);
}

static unsigned rtc_dec(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_DM)
        return v;
    return (v >> 4) * 10 + (v & 0xf);   /* bad digits give a bounded value */
}

static uint8_t rtc_enc_hour(const RtcState *s, unsigned h)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_enc(s, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(rtc_enc(s, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned rtc_dec_hour(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_dec(s, v);
    return rtc_dec(s, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

/* Encode one clock register for guest time sec. */
static uint8_t rtc_encode_reg(const RtcState *s, unsigned reg, int64_t sec)
{
    int64_t days = rtc_floor_div(sec, 86400), sod = sec - days * 86400;
    int64_t y;
    unsigned m, d;

    switch (reg) {
    case RTC_SEC:
        return rtc_enc(s, (unsigned)(sod % 60));
    case RTC_MIN:
        return rtc_enc(s, (unsigned)(sod / 60 % 60));
    case RTC_HOUR:
        return rtc_enc_hour(s, (unsigned)(sod / 3600));
    case RTC_WDAY:
        return rtc_enc(s, (unsigned)rtc_floor_mod(days + 4, 7) + 1);  /* 1970-01-01: Thu */
    default:
        break;
    }
    rtc_civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    switch (reg) {
    case RTC_MDAY:
        return rtc_enc(s, d);
    case RTC_MONTH:
        return rtc_enc(s, m);
    case RTC_YEAR:
        return rtc_enc(s, (unsigned)(y % 100));
    case RTC_CENTURY:
        return rtc_enc(s, (unsigned)(y / 100 % 100));
    }
    return 0;
}

static const uint8_t rtc_clock_regs[] = {
    RTC_SEC, RTC_MIN, RTC_HOUR, RTC_WDAY, RTC_MDAY, RTC_MONTH, RTC_YEAR, RTC_CENTURY,
};

static bool rtc_is_clock_reg(unsigned reg)
{
    for (size_t i = 0; i < sizeof(rtc_clock_regs); i++)
        if (rtc_clock_regs[i] == reg)
            return true;
    return false;
}

/* Guest time held in the (frozen) clock registers. */
static int64_t rtc_decode_regs(const RtcState *s)
{
    const uint8_t *c = s->cmos;
    int64_t year = rtc_dec(s, c[RTC_CENTURY]) * 100 + rtc_dec(s, c[RTC_YEAR]);
    unsigned month = rtc_dec(s, c[RTC_MONTH]), mday = rtc_dec(s, c[RTC_MDAY]);
    /* Out-of-range fields are normalised rather than trusted. */
    if (month < 1 || month > 12)
        month = 1;
    if (mday < 1 || mday > 31)
        mday = 1;
    int64_t days = rtc_days_from_civil(year, month, 1) + mday - 1;
    return days * 86400 + rtc_dec_hour(s, c[RTC_HOUR]) * 3600 +
           rtc_dec(s, c[RTC_MIN]) * 60 + rtc_dec(s, c[RTC_SEC]);
}

/* ------------------------------------------------------------------------ */
/* Pure functions of time */

int64_t rtc_seconds_at(const RtcState *s, int64_t now)
{
    return s->base_sec + rtc_floor_div(now - s->base_ns, NS_PER_SEC);
}

bool rtc_uip_at(const RtcState *s, int64_t now)
{
    if (!rtc_updating(s))
        return false;
    return rtc_floor_mod(now - s->base_ns, NS_PER_SEC) >= NS_PER_SEC - RTC_UIP_WINDOW_NS;
}

uint8_t rtc_reg_at(const RtcState *s, unsigned reg, int64_t now)
{
    reg &= RTC_CMOS_SIZE - 1;
    switch (reg) {
    case RTC_REG_A:
        return (uint8_t)((s->cmos[reg] & 0x7f) | (rtc_uip_at(s, now) ? RTC_A_UIP : 0));
    case RTC_REG_D:
        return RTC_D_VRT;       /* battery good, always */
    default:
        break;
    }
    if (rtc_is_clock_reg(reg) && rtc_updating(s))
        return rtc_encode_reg(s, reg, rtc_seconds_at(s, now));
    return s->cmos[reg];
}

/* Periodic period in 32.768 kHz ticks (0: off). RS 1 and 2 repeat 8 and 9. */
static unsigned rtc_periodic_ticks(uint8_t reg_a)
{
    unsigned rs = reg_a & RTC_A_RS;
    if (rs == 0)
        return 0;
    if (rs <= 2)
        rs += 7;
    return 1u << (rs - 1);
}

int64_t rtc_periodic_ns(uint8_t reg_a)
{
    return (int64_t)rtc_periodic_ticks(reg_a) * NS_PER_SEC / 32768;
}

/* Number of periodic edges since the divider started, up to time t. */
static int64_t rtc_periodic_count(const RtcState *s, unsigned ticks, int64_t t)
{
    __int128 x = (__int128)(t - s->div_ns) * 32768;
    __int128 p = (__int128)ticks * NS_PER_SEC;
    __int128 q = x / p;
    if (x % p != 0 && x < 0)
        q--;
    return (int64_t)q;
}

/* Time of periodic edge k. */
static int64_t rtc_periodic_edge_ns(const RtcState *s, unsigned ticks, int64_t k)
{
    __int128 num = (__int128)k * ticks * NS_PER_SEC;
    __int128 ns = num / 32768 + (num % 32768 > 0);
    return s->div_ns + (int64_t)ns;
}

static bool rtc_alarm_wild(uint8_t v)
{
    return (v & 0xc0) == 0xc0;
}

/* Lowest set bit at or above from, or -1. */
static int rtc_next_bit(uint64_t mask, int from)
{
    if (from >= 64)
        return -1;
    mask &= ~0ull << from;
    return mask ? __builtin_ctzll(mask) : -1;
}

/*
 * The first second after sec at whose update the alarm matches, or
 * RTC_NO_SEC. The chip compares the alarm bytes with the time bytes as
 * encoded, so the sets of matching hours/minutes/seconds are built in the
 * current format; a match then recurs daily.
 */
static int64_t rtc_alarm_next(const RtcState *s, int64_t sec)
{
    uint64_t hm = 0, mm = 0, sm = 0;
    uint8_t ah = s->cmos[RTC_HOUR_ALARM], am = s->cmos[RTC_MIN_ALARM];
    uint8_t as = s->cmos[RTC_SEC_ALARM];

    for (unsigned i = 0; i < 60; i++) {
        if (i < 24 && (rtc_alarm_wild(ah) || rtc_enc_hour(s, i) == ah))
            hm |= 1ull << i;
        if (rtc_alarm_wild(am) || rtc_enc(s, i) == am)
            mm |= 1ull << i;
        if (rtc_alarm_wild(as) || rtc_enc(s, i) == as)
            sm |= 1ull << i;
    }
    if (!hm || !mm || !sm)
        return RTC_NO_SEC;

    int64_t day = rtc_floor_div(sec, 86400) * 86400, sod = sec - day;
    int h0 = (int)(sod / 3600), m0 = (int)(sod / 60 % 60), s0 = (int)(sod % 60);
    int mmin = rtc_next_bit(mm, 0), smin = rtc_next_bit(sm, 0);

    /* Smallest (h, m, s) > (h0, m0, s0) in the product of the three sets. */
    if (hm >> h0 & 1) {
        if (mm >> m0 & 1) {
            int sx = rtc_next_bit(sm, s0 + 1);
            if (sx >= 0)
                return day + h0 * 3600 + m0 * 60 + sx;
        }
        int mx = rtc_next_bit(mm, m0 + 1);
        if (mx >= 0)
            return day + h0 * 3600 + mx * 60 + smin;
    }
    int hx = rtc_next_bit(hm, h0 + 1);
    if (hx >= 0)
        return day + hx * 3600 + mmin * 60 + smin;
    return day + 86400 + rtc_next_bit(hm, 0) * 3600 + mmin * 60 + smin;
}

uint8_t rtc_events_between(const RtcState *s, int64_t t0, int64_t t1)
{
    uint8_t f = 0;
    if (t1 <= t0 || !rtc_running_divider(s))
        return 0;
    unsigned p = rtc_periodic_ticks(s->cmos[RTC_REG_A]);
    if (p && rtc_periodic_count(s, p, t1) > rtc_periodic_count(s, p, t0))
        f |= RTC_C_PF;
    if (rtc_updating(s)) {
        int64_t s0 = rtc_seconds_at(s, t0), s1 = rtc_seconds_at(s, t1);
        if (s1 > s0) {
            f |= RTC_C_UF;
            if (rtc_alarm_next(s, s0) <= s1)
                f |= RTC_C_AF;
        }
    }
    return f;
}

/* When guest time reaches second sec (sec > current). */
static int64_t rtc_ns_of_sec(const RtcState *s, int64_t sec)
{
    __int128 ns = (__int128)(sec - s->base_sec) * NS_PER_SEC + s->base_ns;
    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

int64_t rtc_next_event_at(const RtcState *s, int64_t now)
{
    uint8_t en = s->cmos[RTC_REG_B] & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);
    int64_t next = INT64_MAX;

    if (!rtc_running_divider(s))
        return -1;
    unsigned p = rtc_periodic_ticks(s->cmos[RTC_REG_A]);
    if ((en & RTC_B_PIE) && p)
        next = rtc_periodic_edge_ns(s, p, rtc_periodic_count(s, p, now) + 1);
    if (rtc_updating(s)) {
        int64_t sec = rtc_seconds_at(s, now);
        if (en & RTC_B_UIE) {
            int64_t t = rtc_ns_of_sec(s, sec + 1);
            next = t < next ? t : next;
        }
        if (en & RTC_B_AIE) {
            int64_t a = rtc_alarm_next(s, sec);
            int64_t t = a == RTC_NO_SEC ? INT64_MAX : rtc_ns_of_sec(s, a);
            next = t < next ? t : next;
        }
    }
    return next == INT64_MAX ? -1 : next;
}

/* ------------------------------------------------------------------------ */
/* State changes */

static void rtc_sync(RtcState *s, int64_t now)
{
    s->flags |= rtc_events_between(s, s->flags_ns, now);
    s->flags_ns = now;
}

static bool rtc_irqf(const RtcState *s)
{
    return (s->flags & s->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) != 0;
}

static void rtc_irq_update(RtcState *s, int64_t now)
{
    int level = rtc_irqf(s);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
    if (!s->timer)
        return;
    /* An asserted line cannot change until C is read: no wake-ups. */
    int64_t next = level ? -1 : rtc_next_event_at(s, now);
    if (next < 0)
        timer_del(s->timer);
    else
        timer_mod(s->timer, next);
}

void rtc_timer_expired_at(RtcState *s, int64_t now)
{
    rtc_sync(s, now);
    rtc_irq_update(s, now);
}

static void rtc_timer_cb(void *opaque)
{
    rtc_timer_expired_at(opaque, clock_get_ns(CLK_VIRTUAL));
}

/* Running clock -> registers (stopping it). */
static void rtc_freeze(RtcState *s, int64_t now)
{
    int64_t sec = rtc_seconds_at(s, now);
    for (size_t i = 0; i < sizeof(rtc_clock_regs); i++)
        s->cmos[rtc_clock_regs[i]] = rtc_encode_reg(s, rtc_clock_regs[i], sec);
}

/* Registers -> running clock, the second boundary at boundary_ns. */
static void rtc_thaw(RtcState *s, int64_t boundary_ns)
{
    s->base_sec = rtc_decode_regs(s);
    s->base_ns = boundary_ns;
}

/* The latest second boundary at or before now. */
static int64_t rtc_last_boundary(const RtcState *s, int64_t now)
{
    return now - rtc_floor_mod(now - s->base_ns, NS_PER_SEC);
}

/*
 * Write register A or B: the clock stops (registers take the time, in the
 * format in force before the write) or starts (registers are decoded in
 * the format in force after it); a change that keeps it running touches
 * neither, so switching BCD/binary or 12/24 h while running only changes
 * how the running time reads.
 */
static void rtc_write_control(RtcState *s, unsigned reg, uint8_t val, int64_t now)
{
    bool was_updating = rtc_updating(s), was_dividing = rtc_running_divider(s);
    uint8_t a = reg == RTC_REG_A ? val : s->cmos[RTC_REG_A];
    uint8_t b = reg == RTC_REG_B ? val : s->cmos[RTC_REG_B];

    if (was_updating && !rtc_clock_runs(a, b))
        rtc_freeze(s, now);
    s->cmos[reg] = val;
    if (!was_dividing && rtc_running_divider(s)) {
        /* Out of divider reset: the first update comes 500 ms later. */
        s->div_ns = now;
        s->base_ns = now - NS_PER_SEC / 2;
    }
    if (!was_updating && rtc_updating(s))
        rtc_thaw(s, rtc_last_boundary(s, now));
}

static void rtc_write_reg(RtcState *s, unsigned reg, uint8_t val, int64_t now)
{
    rtc_sync(s, now);
    switch (reg) {
    case RTC_REG_A:
        rtc_write_control(s, reg, val & 0x7f, now);     /* UIP is read-only */
        break;
    case RTC_REG_B:
        if (val & RTC_B_SET)
            val &= (uint8_t)~RTC_B_UIE;     /* SET clears UIE (datasheet) */
        rtc_write_control(s, reg, val, now);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;                              /* read-only */
    default:
        if (rtc_is_clock_reg(reg) && rtc_updating(s)) {
            /* Setting the clock while it runs: the second phase is kept. */
            rtc_freeze(s, now);
            s->cmos[reg] = val;
            rtc_thaw(s, rtc_last_boundary(s, now));
        } else {
            s->cmos[reg] = val;
        }
        break;
    }
    rtc_irq_update(s, now);
}

uint8_t rtc_read_at(RtcState *s, unsigned port, int64_t now)
{
    if ((port & 1) == 0)
        return (uint8_t)(s->index | (s->nmi_masked ? 0x80 : 0));
    if (s->index == RTC_REG_C) {
        rtc_sync(s, now);
        uint8_t v = (uint8_t)(s->flags | (rtc_irqf(s) ? RTC_C_IRQF : 0));
        s->flags = 0;                       /* reading C clears it and IRQ 8 */
        rtc_irq_update(s, now);
        return v;
    }
    return rtc_reg_at(s, s->index, now);
}

void rtc_write_at(RtcState *s, unsigned port, uint8_t val, int64_t now)
{
    if ((port & 1) == 0) {
        s->index = val & 0x7f;
        s->nmi_masked = val & 0x80;
        return;
    }
    rtc_write_reg(s, s->index, val, now);
}

void rtc_set_cmos(RtcState *s, unsigned index, uint8_t value)
{
    if (index < 0x0e || index >= RTC_CMOS_SIZE || index == RTC_CENTURY)
        return;
    s->cmos[index] = value;
}

uint8_t rtc_get_cmos(const RtcState *s, unsigned index)
{
    return index < RTC_CMOS_SIZE ? s->cmos[index] : 0xff;
}

bool rtc_nmi_masked(const RtcState *s)
{
    return s->nmi_masked;
}

/* ------------------------------------------------------------------------ */
/* Life cycle */

void rtc_reset(RtcState *s)
{
    int64_t now = clock_get_ns(CLK_VIRTUAL);
    rtc_sync(s, now);
    s->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    s->flags = 0;
    rtc_irq_update(s, now);
}

void rtc_init(RtcState *s, IrqLine *irq, int64_t wall_ns, int64_t now)
{
    memset(s->cmos, 0, sizeof(s->cmos));
    s->irq = irq;
    s->irq_level = 0;
    s->index = 0;
    s->nmi_masked = false;
    s->cmos[RTC_REG_A] = 0x26;      /* 32.768 kHz, 1024 Hz periodic rate */
    s->cmos[RTC_REG_B] = RTC_B_24H; /* BCD, 24-hour: what PC firmware sets */
    /* Second boundaries of the guest clock line up with the host's. */
    s->base_sec = rtc_floor_div(wall_ns, NS_PER_SEC);
    s->base_ns = now - rtc_floor_mod(wall_ns, NS_PER_SEC);
    s->div_ns = s->base_ns;
    s->flags = 0;
    s->flags_ns = now;
    if (!s->timer)
        s->timer = timer_new(CLK_VIRTUAL, rtc_timer_cb, s);
    irq_set(irq, 0);
}

void rtc_fini(RtcState *s)
{
    timer_free(s->timer);
    s->timer = NULL;
}

static int rtc_post_load(void *obj, Error *err)
{
    RtcState *s = obj;
    int64_t now = clock_get_ns(CLK_VIRTUAL);
    s->index &= RTC_CMOS_SIZE - 1;
    irq_set(s->irq, s->irq_level);
    rtc_irq_update(s, now);
    return 0;
}

static const StateField rtc_fields[] = {
    STATE_BYTES(RtcState, cmos),
    STATE_U8(RtcState, index),
    STATE_BOOL(RtcState, nmi_masked),
    STATE_I64(RtcState, base_sec),
    STATE_I64(RtcState, base_ns),
    STATE_I64(RtcState, div_ns),
    STATE_U8(RtcState, flags),
    STATE_I64(RtcState, flags_ns),
    STATE_I32(RtcState, irq_level),
    STATE_END
};
const StateDesc rtc_state_desc = { "mc146818", 1, rtc_fields, rtc_post_load };

/* ------------------------------------------------------------------------ */
/* Bus glue: the only places that read the clock */

static uint64_t rtc_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return rtc_read_at(opaque, (unsigned)addr, clock_get_ns(CLK_VIRTUAL));
}

static void rtc_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    rtc_write_at(opaque, (unsigned)addr, (uint8_t)val, clock_get_ns(CLK_VIRTUAL));
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_mr_read,
    .write = rtc_mr_write,
    .min_access = 1,
    .max_access = 1,
};

static void rtc_dev_reset(Device *dev)
{
    rtc_reset((RtcState *)dev);
}

static void rtc_dev_destroy(Device *dev)
{
    RtcState *s = (RtcState *)dev;
    if (s->io.parent)
        mr_del_subregion(s->io.parent, &s->io);
    rtc_fini(s);
    free(s);
}

RtcState *rtc_create(Machine *m, const char *id, IrqLine *irq, Error *err)
{
    RtcState *s = calloc(1, sizeof(*s));
    struct timespec ts;
    if (!s) {
        error_setf(err, "mc146818: out of memory");
        return NULL;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    rtc_init(s, irq, (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec,
             clock_get_ns(CLK_VIRTUAL));
    mr_init_io(&s->io, "mc146818", &rtc_ops, s, 2);
    mr_add_subregion(&m->iomem, RTC_IOBASE, &s->io);
    device_attach(m, &s->dev, id ? id : "rtc", rtc_dev_reset, rtc_dev_destroy,
                  &rtc_state_desc);
    return s;
}

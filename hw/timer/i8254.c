/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 PIT and port 0x61.
 *
 * Time base. Absolute PIT ticks are floor(ns * 1193182 / 1e9) of
 * CLK_VIRTUAL; a running channel keeps the tick its counting element was
 * loaded at (load_tick) and its initial count n, and everything else is
 * computed from d = ticks elapsed since then. Working in absolute ticks
 * rather than nanoseconds keeps pauses and re-loads exact: resuming a gated
 * counter sets load_tick = now_tick - frozen_d, with no rounding.
 *
 * Simplification against the datasheet: the count is loaded into the
 * counting element at the tick of the write rather than on the next CLK
 * falling edge, so a mode 0 count of N raises OUT N ticks (not N+1) after
 * the write. Nothing in a PC depends on that one-tick difference.
 *
 * Mode behaviour (n = initial count, d = ticks since load):
 *   0  count n-d (wrapping), OUT low until d = n, then high
 *   1  like 0, started by a gate rising edge (OUT high before)
 *   2  count n-(d mod n), OUT low while the count is 1 (one tick per period)
 *   3  square wave: count decrements by 2; OUT high for ceil(n/2) ticks,
 *      low for floor(n/2); odd counts start from n-1 (datasheet)
 *   4  count n-d (wrapping), OUT low for the single tick d = n
 *   5  like 4, started by a gate rising edge
 * Gate: modes 0/4 pause while low; 1/5 trigger on the rising edge; 2/3
 * stop with OUT forced high while low and reload on the rising edge.
 * A count written in mode 2 loads at the end of the current period, in
 * mode 3 at the end of the current half cycle (pend_*).
 *
 * IRQ delivery. The timer fires at the next output change. A late host
 * wake-up can miss a whole one-tick pulse (mode 2's low tick lasts 838 ns),
 * so the callback asks whether the output rose since it last looked and
 * then replays the edge; receivers (the i8259 is edge-triggered on IRQ0)
 * see every period as long as the host is late by less than a period. For
 * one-tick low pulses the timer is armed for the rising edge directly,
 * halving the wake-ups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/timer/i8254.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define PIT_NO_TICK UINT64_MAX

/* ------------------------------------------------------------------------ */
/* Time conversions */

uint64_t pit_tick_of_ns(int64_t ns)
{
    if (ns <= 0)
        return 0;
    return (uint64_t)((unsigned __int128)ns * PIT_FREQ_HZ / NS_PER_SEC);
}

/* First nanosecond at which the tick count reaches tick: ceil(tick*1e9/f). */
int64_t pit_ns_of_tick(uint64_t tick)
{
    unsigned __int128 ns = ((unsigned __int128)tick * NS_PER_SEC + PIT_FREQ_HZ - 1) /
                           PIT_FREQ_HZ;
    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

bool pit_refresh_bit_at(int64_t now)
{
    return now > 0 && (now / PIT_REFRESH_NS) & 1;
}

/* ------------------------------------------------------------------------ */
/* Pure channel functions, in ticks */

static uint32_t pit_modulus(const PitChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

static unsigned pit_from_bcd(uint16_t v)
{
    /* Non-decimal digits are the guest's problem; keep the value bounded. */
    return (v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 + (v >> 4 & 0xf) * 10 + (v & 0xf);
}

static uint16_t pit_to_bcd(unsigned v)
{
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* Initial count of the count register: 0 means the full modulus. */
static uint32_t pit_cr_count(const PitChannel *c)
{
    uint32_t n = c->bcd ? pit_from_bcd(c->cr) % 10000 : c->cr;
    return n ? n : pit_modulus(c);
}

/* The sequence (n, load tick) in effect at tick t, counting pending loads. */
static void pit_view(const PitChannel *c, uint64_t t, uint32_t *n, uint64_t *load)
{
    if (c->pend && t >= c->pend_tick) {
        *n = c->pend_n;
        *load = c->pend_load;
    } else {
        *n = c->n;
        *load = c->load_tick;
    }
}

static uint64_t pit_elapsed(const PitChannel *c, uint64_t t, uint64_t load)
{
    if (c->frozen)
        return c->frozen_d;
    return t > load ? t - load : 0;
}

static uint32_t pit_seq_count(uint8_t mode, uint32_t n, uint64_t d, uint32_t mod)
{
    switch (mode) {
    case 2:
        return (uint32_t)(n - d % n) % mod;
    case 3: {
        uint32_t high = (n + 1) / 2, start = n & ~1u;   /* odd n counts from n-1 */
        uint32_t r = (uint32_t)(d % n);
        uint32_t k = r < high ? r : r - high;
        return (start - 2 * k) % mod;
    }
    default:    /* 0, 1, 4, 5: free-running down counter after the terminal count */
        return (uint32_t)((n + mod - d % mod) % mod);
    }
}

static bool pit_seq_out(uint8_t mode, uint32_t n, uint64_t d)
{
    switch (mode) {
    case 0:
    case 1:
        return d >= n;
    case 2:
        return d % n != n - 1;
    case 3:
        return d % n < (n + 1) / 2;
    default:    /* 4, 5 */
        return d != n;
    }
}

static bool pit_out_tick(const PitChannel *c, uint64_t t)
{
    uint32_t n;
    uint64_t load;
    if (!c->running)
        return c->idle_out;
    pit_view(c, t, &n, &load);
    return pit_seq_out(c->mode, n, pit_elapsed(c, t, load));
}

static uint16_t pit_count_tick(const PitChannel *c, uint64_t t)
{
    uint32_t n;
    uint64_t load;
    if (!c->running)
        return c->idle_count;
    pit_view(c, t, &n, &load);
    return (uint16_t)pit_seq_count(c->mode, n, pit_elapsed(c, t, load), pit_modulus(c));
}

/* First tick after t at which a sequence's output differs from that at t. */
static uint64_t pit_seq_next_change(uint8_t mode, uint32_t n, uint64_t load, uint64_t t)
{
    uint64_t d = t > load ? t - load : 0;
    uint64_t base = load + d;   /* == t unless t precedes load */
    switch (mode) {
    case 0:
    case 1:
        return d < n ? load + n : PIT_NO_TICK;
    case 4:
    case 5:
        if (d < n)
            return load + n;
        return d == n ? load + n + 1 : PIT_NO_TICK;
    case 2: {
        if (n == 1)
            return PIT_NO_TICK;     /* illegal count: OUT stays low */
        uint64_t r = d % n;
        return r < n - 1 ? base + (n - 1 - r) : base + 1;
    }
    case 3: {
        uint64_t high = (n + 1) / 2, r = d % n;
        if (n == 1)
            return PIT_NO_TICK;     /* no low half: OUT stays high */
        return r < high ? base + (high - r) : base + (n - r);
    }
    }
    return PIT_NO_TICK;
}

static uint64_t pit_next_change_tick(const PitChannel *c, uint64_t t)
{
    if (!c->running || c->frozen)
        return PIT_NO_TICK;
    if (c->pend && t < c->pend_tick) {
        uint64_t u = pit_seq_next_change(c->mode, c->n, c->load_tick, t);
        if (u < c->pend_tick)
            return u;
        /* The new count takes over at pend_tick; does OUT change there? */
        bool before = pit_seq_out(c->mode, c->n, c->pend_tick - 1 - c->load_tick);
        bool after = pit_seq_out(c->mode, c->pend_n, c->pend_tick - c->pend_load);
        if (before != after)
            return c->pend_tick;
        return pit_seq_next_change(c->mode, c->pend_n, c->pend_load, c->pend_tick);
    }
    uint32_t n;
    uint64_t load;
    pit_view(c, t, &n, &load);
    return pit_seq_next_change(c->mode, n, load, t);
}

uint16_t pit_count_at(const PitChannel *c, int64_t now)
{
    return pit_count_tick(c, pit_tick_of_ns(now));
}

bool pit_out_at(const PitChannel *c, int64_t now)
{
    return pit_out_tick(c, pit_tick_of_ns(now));
}

int64_t pit_next_change_at(const PitChannel *c, int64_t now)
{
    uint64_t u = pit_next_change_tick(c, pit_tick_of_ns(now));
    return u == PIT_NO_TICK ? -1 : pit_ns_of_tick(u);
}

/* Did OUT rise at some tick in (t0, t1]? At most two changes need a look. */
static bool pit_rose_between(const PitChannel *c, uint64_t t0, uint64_t t1)
{
    uint64_t u = t0;
    for (int i = 0; i < 2; i++) {
        u = pit_next_change_tick(c, u);
        if (u == PIT_NO_TICK || u > t1)
            return false;
        if (pit_out_tick(c, u))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* State changes (all at an explicit tick) */

/* Fold a pending mode 2/3 reload that has happened by tick t. */
static void pit_sync(PitChannel *c, uint64_t t)
{
    if (c->pend && t >= c->pend_tick) {
        c->n = c->pend_n;
        c->load_tick = c->pend_load;
        c->pend = false;
        c->null_count = false;
    }
}

static void pit_start(PitChannel *c, uint32_t n, uint64_t t)
{
    c->running = true;
    c->n = n;
    c->load_tick = t;
    c->pend = false;
    c->null_count = false;
    /* Modes 0 and 4 count only while the gate is high. */
    c->frozen = (c->mode == 0 || c->mode == 4) && !c->gate;
    c->frozen_d = 0;
}

static void pit_stop(PitChannel *c, uint64_t t, bool out)
{
    c->idle_count = pit_count_tick(c, t);
    c->idle_out = out;
    c->running = false;
    c->frozen = false;
    c->pend = false;
}

static void pit_irq_arm(PitChannel *c, int64_t now)
{
    if (!c->irq || !c->timer)
        return;
    uint64_t u = pit_next_change_tick(c, pit_tick_of_ns(now));
    if (u == PIT_NO_TICK) {
        timer_del(c->timer);
        return;
    }
    /* A one-tick low pulse: wake once, at its end; the callback replays it. */
    if (!pit_out_tick(c, u) && pit_next_change_tick(c, u) == u + 1)
        u++;
    timer_mod(c->timer, pit_ns_of_tick(u));
}

/* After a guest-visible change: drive the new level, re-arm. */
static void pit_irq_update(PitChannel *c, int64_t now)
{
    if (!c->irq)
        return;
    int level = pit_out_at(c, now);
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(c->irq, level);
    }
    c->irq_eval_ns = now;
    pit_irq_arm(c, now);
}

void pit_timer_expired_at(PitState *s, unsigned idx, int64_t now)
{
    if (idx >= 3)
        return;
    PitChannel *c = &s->ch[idx];
    uint64_t t = pit_tick_of_ns(now);
    bool rose = pit_rose_between(c, pit_tick_of_ns(c->irq_eval_ns), t);
    int level = pit_out_tick(c, t);

    if (rose && level && c->irq_level) {
        irq_set(c->irq, 0);         /* a whole low pulse went by unseen */
        irq_set(c->irq, 1);
    } else if (rose && !level) {
        irq_set(c->irq, 1);         /* a whole high pulse went by unseen */
        irq_set(c->irq, 0);
    } else if (level != c->irq_level) {
        irq_set(c->irq, level);
    }
    c->irq_level = level;
    c->irq_eval_ns = now;
    pit_sync(c, t);
    pit_irq_arm(c, now);
}

static void pit_timer_cb(void *opaque)
{
    PitChannel *c = opaque;
    pit_timer_expired_at(c->pit, (unsigned)(c - c->pit->ch), clock_get_ns(CLK_VIRTUAL));
}

static void pit_latch_count(PitChannel *c, uint64_t t)
{
    if (c->latch_bytes)
        return;     /* a second latch before the first is read is ignored */
    uint16_t v = pit_count_tick(c, t);
    c->latched = c->bcd ? pit_to_bcd(v) : v;
    c->latch_bytes = c->rw == 3 ? 2 : 1;
}

static void pit_latch_status(PitChannel *c, uint64_t t)
{
    if (c->status_latched)
        return;
    c->status = (uint8_t)(pit_out_tick(c, t) << 7 | c->null_count << 6 | c->rw << 4 |
                          c->mode << 1 | c->bcd);
    c->status_latched = true;
}

static void pit_write_control(PitState *s, uint8_t val, int64_t now)
{
    uint64_t t = pit_tick_of_ns(now);
    unsigned sc = val >> 6;

    if (sc == 3) {
        /* Read-back: bit 5 clear latches counts, bit 4 clear latches status. */
        for (unsigned i = 0; i < 3; i++) {
            if (!(val & (2u << i)))
                continue;
            pit_sync(&s->ch[i], t);
            if (!(val & 0x10))
                pit_latch_status(&s->ch[i], t);
            if (!(val & 0x20))
                pit_latch_count(&s->ch[i], t);
        }
        return;
    }

    PitChannel *c = &s->ch[sc];
    unsigned rw = val >> 4 & 3;
    pit_sync(c, t);
    if (rw == 0) {
        pit_latch_count(c, t);
        return;
    }
    /* A control word resets the channel's logic: the count is lost. */
    uint16_t count = pit_count_tick(c, t);
    c->rw = (uint8_t)rw;
    c->mode = val >> 1 & 7;
    if (c->mode > 5)
        c->mode -= 4;               /* x10 and x11 are modes 2 and 3 */
    c->bcd = val & 1;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->latch_bytes = 0;
    c->status_latched = false;
    c->cr_valid = false;
    c->null_count = true;
    c->running = false;
    c->frozen = false;
    c->pend = false;
    c->idle_count = count % pit_modulus(c);
    c->idle_out = c->mode != 0;     /* mode 0 drives OUT low at once */
    pit_irq_update(c, now);
}

static void pit_load_count(PitChannel *c, int64_t now)
{
    uint64_t t = pit_tick_of_ns(now);
    uint32_t n = pit_cr_count(c);

    c->cr_valid = true;
    c->null_count = true;
    switch (c->mode) {
    case 0:
    case 4:
        pit_start(c, n, t);
        break;
    case 1:
    case 5:
        break;      /* loads on the next gate trigger */
    case 2:
    case 3:
        if (!c->running) {
            if (c->gate)
                pit_start(c, n, t);
            break;
        }
        {
            /* Load at the end of the current period (mode 2) or half cycle (3). */
            uint64_t d = t > c->load_tick ? t - c->load_tick : 0;
            uint64_t r = d % c->n, high = (c->n + 1) / 2;
            c->pend = true;
            c->pend_n = n;
            if (c->mode == 2 || r >= high) {
                c->pend_tick = t + (c->n - r);
                c->pend_load = c->pend_tick;
            } else {
                /* The high half ends: the new sequence starts in its low half. */
                c->pend_tick = t + (high - r);
                c->pend_load = c->pend_tick - (n + 1) / 2;
            }
        }
        break;
    }
    pit_irq_update(c, now);
}

static void pit_write_count(PitChannel *c, uint8_t val, int64_t now)
{
    pit_sync(c, pit_tick_of_ns(now));
    switch (c->rw) {
    case 1:
        c->cr = val;
        break;
    case 2:
        c->cr = (uint16_t)(val << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            /* Mode 0: writing the first byte stops the count, OUT goes low. */
            if (c->mode == 0 && c->running) {
                pit_stop(c, pit_tick_of_ns(now), false);
                pit_irq_update(c, now);
            }
            return;
        }
        c->cr = (uint16_t)(c->write_lsb | val << 8);
        c->write_msb_next = false;
        break;
    }
    pit_load_count(c, now);
}

static uint8_t pit_read_count(PitChannel *c, int64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latch_bytes) {
        bool msb = c->rw == 2 || (c->rw == 3 && c->latch_bytes == 1);
        c->latch_bytes--;
        return msb ? c->latched >> 8 : c->latched & 0xff;
    }
    uint16_t v = pit_count_at(c, now);
    if (c->bcd)
        v = pit_to_bcd(v);
    bool msb = c->rw == 2;
    if (c->rw == 3) {
        msb = c->read_msb_next;
        c->read_msb_next = !c->read_msb_next;
    }
    return msb ? v >> 8 : v & 0xff;
}

uint8_t pit_read_at(PitState *s, unsigned port, int64_t now)
{
    if (port >= 3)
        return 0xff;        /* the control register is write-only */
    return pit_read_count(&s->ch[port], now);
}

void pit_write_at(PitState *s, unsigned port, uint8_t val, int64_t now)
{
    if (port == 3)
        pit_write_control(s, val, now);
    else if (port < 3)
        pit_write_count(&s->ch[port], val, now);
}

void pit_set_gate_at(PitState *s, unsigned idx, bool level, int64_t now)
{
    if (idx >= 3)
        return;
    PitChannel *c = &s->ch[idx];
    uint64_t t = pit_tick_of_ns(now);

    pit_sync(c, t);
    if (level == c->gate)
        return;
    switch (c->mode) {
    case 0:
    case 4:
        if (!c->running)
            break;
        if (!level) {
            c->frozen_d = pit_elapsed(c, t, c->load_tick);
            c->frozen = true;
        } else {
            c->load_tick = t - c->frozen_d;
            c->frozen = false;
        }
        break;
    case 1:
    case 5:
        if (level && c->cr_valid)
            pit_start(c, pit_cr_count(c), t);
        break;
    default:    /* 2, 3 */
        if (!level) {
            if (c->running)
                pit_stop(c, t, true);
            c->idle_out = true;
        } else if (c->cr_valid) {
            pit_start(c, pit_cr_count(c), t);
        }
        break;
    }
    c->gate = level;
    pit_irq_update(c, now);
}

uint8_t pit_port61_read_at(PitState *s, int64_t now)
{
    return (uint8_t)((s->port61 & 0x0f) | pit_refresh_bit_at(now) << 4 |
                     pit_out_at(&s->ch[2], now) << 5);
}

void pit_port61_write_at(PitState *s, uint8_t val, int64_t now)
{
    s->port61 = val & 0x0f;
    pit_set_gate_at(s, 2, val & 1, now);
}

/* ------------------------------------------------------------------------ */
/* Life cycle */

void pit_reset(PitState *s)
{
    int64_t now = clock_get_ns(CLK_VIRTUAL);
    for (unsigned i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        IrqLine *irq = c->irq;
        Timer *timer = c->timer;
        timer_del(timer);
        memset(c, 0, sizeof(*c));
        c->irq = irq;
        c->timer = timer;
        c->pit = s;
        /*
         * Power-on mode and OUT are undefined; firmware programs every
         * channel. Until then none counts and OUT is low, so the first
         * control word (mode 2 or 3 drive OUT high) gives IRQ0 a clean edge.
         */
        c->mode = 0;
        c->rw = 3;
        c->idle_out = false;
        c->gate = i != 2;           /* channels 0 and 1 have the gate tied high */
        c->irq_eval_ns = now;
        c->irq_level = 0;
        irq_set(irq, 0);
    }
    s->port61 = 0;
}

void pit_init(PitState *s, IrqLine *irq0)
{
    memset(&s->ch, 0, sizeof(s->ch));
    s->ch[0].irq = irq0;
    for (unsigned i = 0; i < 3; i++) {
        s->ch[i].pit = s;
        if (s->ch[i].irq)
            s->ch[i].timer = timer_new(CLK_VIRTUAL, pit_timer_cb, &s->ch[i]);
    }
    pit_reset(s);
}

void pit_fini(PitState *s)
{
    for (unsigned i = 0; i < 3; i++) {
        timer_free(s->ch[i].timer);
        s->ch[i].timer = NULL;
    }
}

static int pit_post_load(void *obj, Error *err)
{
    PitState *s = obj;
    int64_t now = clock_get_ns(CLK_VIRTUAL);
    for (unsigned i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        /* Guard the invariants the pure functions divide by. */
        if (c->mode > 5 || c->rw < 1 || c->rw > 3 || (c->running && !c->n) ||
            (c->pend && !c->pend_n) || c->latch_bytes > 2)
            return error_setf(err, "i8254: channel %u state is inconsistent", i);
        if (c->irq) {
            irq_set(c->irq, c->irq_level);
            c->irq_eval_ns = now;
            pit_irq_arm(c, now);
        }
    }
    return 0;
}

static const StateField pit_channel_fields[] = {
    STATE_U8(PitChannel, mode),
    STATE_U8(PitChannel, rw),
    STATE_BOOL(PitChannel, bcd),
    STATE_U16(PitChannel, cr),
    STATE_BOOL(PitChannel, cr_valid),
    STATE_BOOL(PitChannel, write_msb_next),
    STATE_U8(PitChannel, write_lsb),
    STATE_BOOL(PitChannel, read_msb_next),
    STATE_U8(PitChannel, latch_bytes),
    STATE_U16(PitChannel, latched),
    STATE_BOOL(PitChannel, status_latched),
    STATE_U8(PitChannel, status),
    STATE_BOOL(PitChannel, running),
    STATE_U32(PitChannel, n),
    STATE_U64(PitChannel, load_tick),
    STATE_BOOL(PitChannel, frozen),
    STATE_U64(PitChannel, frozen_d),
    STATE_BOOL(PitChannel, pend),
    STATE_U32(PitChannel, pend_n),
    STATE_U64(PitChannel, pend_tick),
    STATE_U64(PitChannel, pend_load),
    STATE_U16(PitChannel, idle_count),
    STATE_BOOL(PitChannel, idle_out),
    STATE_BOOL(PitChannel, null_count),
    STATE_BOOL(PitChannel, gate),
    STATE_I32(PitChannel, irq_level),
    STATE_END
};
static const StateDesc pit_channel_state = { "i8254-channel", 1, pit_channel_fields, NULL };

static const StateField pit_fields[] = {
    STATE_STRUCT_ARRAY(PitState, ch, 3, pit_channel_state),
    STATE_U8(PitState, port61),
    STATE_END
};
const StateDesc pit_state_desc = { "i8254", 1, pit_fields, pit_post_load };

/* ------------------------------------------------------------------------ */
/* Bus glue: the only places that read the clock */

static uint64_t pit_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return pit_read_at(opaque, (unsigned)addr, clock_get_ns(CLK_VIRTUAL));
}

static void pit_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    pit_write_at(opaque, (unsigned)addr, (uint8_t)val, clock_get_ns(CLK_VIRTUAL));
}

static uint64_t pit_port61_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return pit_port61_read_at(opaque, clock_get_ns(CLK_VIRTUAL));
}

static void pit_port61_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    pit_port61_write_at(opaque, (uint8_t)val, clock_get_ns(CLK_VIRTUAL));
}

static const MemoryRegionOps pit_ops = {
    .read = pit_mr_read,
    .write = pit_mr_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemoryRegionOps pit_port61_ops = {
    .read = pit_port61_mr_read,
    .write = pit_port61_mr_write,
    .min_access = 1,
    .max_access = 1,
};

static void pit_dev_reset(Device *dev)
{
    pit_reset((PitState *)dev);
}

static void pit_dev_destroy(Device *dev)
{
    PitState *s = (PitState *)dev;
    /* Out of the port space before the memory goes. */
    if (s->io.parent)
        mr_del_subregion(s->io.parent, &s->io);
    if (s->io61.parent)
        mr_del_subregion(s->io61.parent, &s->io61);
    pit_fini(s);
    free(s);
}

PitState *pit_create(Machine *m, const char *id, IrqLine *irq0, Error *err)
{
    PitState *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "i8254: out of memory");
        return NULL;
    }
    pit_init(s, irq0);
    mr_init_io(&s->io, "i8254", &pit_ops, s, 4);
    mr_init_io(&s->io61, "port61", &pit_port61_ops, s, 1);
    mr_add_subregion(&m->iomem, PIT_IOBASE, &s->io);
    mr_add_subregion(&m->iomem, PIT_PORT61, &s->io61);
    device_attach(m, &s->dev, id ? id : "i8254", pit_dev_reset, pit_dev_destroy,
                  &pit_state_desc);
    return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * IA-PC HPET.
 *
 * Counter. While ENABLE_CNF is set the main counter is
 * counter + floor((now - counter_ns) / 10 ns); while clear it is counter.
 *
 * Matching. A comparator matches when the counter equals it (its low 32
 * bits in 32-bit mode, so a 32-bit comparator matches again each 2^32
 * ticks, as on hardware). next_check is the first counter value not yet
 * examined: hpet_sync() handles every match in [next_check, counter(now)]
 * and moves next_check past it. Matches are found arithmetically; a
 * periodic timer that missed several periods (host late, or no interrupt
 * enabled so nothing woke us) advances its comparator by the whole number
 * of periods at once and raises one interrupt, like a coalescing chipset.
 * hpet_sync() runs before every register access and in the timer callback,
 * so status and comparators are exact whenever the guest looks; host
 * timers are armed only for timers with Tn_INT_ENB_CNF set on an enabled
 * HPET.
 *
 * Comparator writes in periodic mode always set the period; they also set
 * the comparator when Tn_VAL_SET_CNF is set, which then self-clears once
 * the value is complete (after a write that covers the high half, or any
 * write in 32-bit mode) - the sequence Linux and the spec's example use.
 *
 * Interrupts. Level-triggered timers set their GINTR_STA bit on a match
 * (even with Tn_INT_ENB_CNF clear, as the spec notes) and hold their line
 * while the bit and the enable are set; edge-triggered timers pulse their
 * line. Every output's level is recomputed from the sources routed to it
 * (hpet_update_lines), so two timers sharing a GSI, or the legacy mux
 * switching between the PIT and timer 0, never leave a stale level.
 * FSB (MSI) delivery is not offered (Tn_FSB_INT_DEL_CAP = 0).
 */
#include <stdlib.h>
#include <string.h>

#include "hw/timer/hpet.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define HPET_NONE UINT64_MAX
#define HPET_VENDOR_ID 0x8086ull        /* what chipset HPETs report */
#define HPET_REV_ID 0x01
#define HPET_TN_WRITABLE (HPET_TN_LEVEL | HPET_TN_ENABLE | HPET_TN_PERIODIC | \
                          HPET_TN_SETVAL | HPET_TN_32BIT | HPET_TN_ROUTE_MASK)

/* ------------------------------------------------------------------------ */
/* Pure functions */

static bool hpet_enabled(const HpetState *s)
{
    return s->config & HPET_CONF_ENABLE;
}

static bool hpet_legacy(const HpetState *s)
{
    return s->config & HPET_CONF_LEGACY;
}

uint64_t hpet_counter_at(const HpetState *s, int64_t now)
{
    if (!hpet_enabled(s) || now <= s->counter_ns)
        return s->counter;
    return s->counter + (uint64_t)(now - s->counter_ns) / HPET_NS_PER_TICK;
}

int64_t hpet_ns_of_counter(const HpetState *s, uint64_t v)
{
    if (!hpet_enabled(s))
        return -1;
    if (v <= s->counter)
        return s->counter_ns;
    uint64_t d = v - s->counter;
    if (d > (uint64_t)(INT64_MAX - s->counter_ns) / HPET_NS_PER_TICK)
        return -1;      /* centuries away */
    return s->counter_ns + (int64_t)d * HPET_NS_PER_TICK;
}

uint64_t hpet_next_match(const HpetState *s, unsigned n, uint64_t from)
{
    if (n >= HPET_NUM_TIMERS)
        return HPET_NONE;
    const HpetTimer *t = &s->t[n];
    if (t->config & HPET_TN_32BIT) {
        uint32_t delta = (uint32_t)t->cmp - (uint32_t)from;
        return from + delta;
    }
    return t->cmp >= from ? t->cmp : HPET_NONE;
}

static bool hpet_timer_level(const HpetState *s, unsigned n)
{
    uint64_t c = s->t[n].config;
    return hpet_enabled(s) && (c & HPET_TN_ENABLE) && (c & HPET_TN_LEVEL) &&
           (s->isr >> n & 1);
}

/* The GSI timer n drives, or -1 (legacy-routed, or no such input). */
static int hpet_timer_gsi(const HpetState *s, unsigned n)
{
    if (hpet_legacy(s) && n < 2)
        return -1;
    unsigned r = (unsigned)(s->t[n].config & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT;
    return (s->route_cap >> r & 1) && s->gsi[r] ? (int)r : -1;
}

/* ------------------------------------------------------------------------ */
/* Interrupt outputs */

static void hpet_update_lines(HpetState *s)
{
    bool l0 = hpet_legacy(s) ? hpet_timer_level(s, 0) : s->pit_in.level;
    bool l8 = hpet_legacy(s) ? hpet_timer_level(s, 1) : s->rtc_in.level;
    uint32_t gsi = 0;

    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        int r = hpet_timer_gsi(s, n);
        if (r >= 0 && hpet_timer_level(s, n))
            gsi |= 1u << r;
    }
    if (l0 != s->irq0_level) {
        s->irq0_level = l0;
        irq_set(s->irq0, l0);
    }
    if (l8 != s->irq8_level) {
        s->irq8_level = l8;
        irq_set(s->irq8, l8);
    }
    for (uint32_t diff = gsi ^ s->gsi_levels; diff; diff &= diff - 1) {
        unsigned r = (unsigned)__builtin_ctz(diff);
        irq_set(s->gsi[r], gsi >> r & 1);
    }
    s->gsi_levels = gsi;
}

/* An edge-triggered timer fired: one rising edge on its output. */
static void hpet_pulse(HpetState *s, unsigned n)
{
    IrqLine *line;
    bool *held = NULL;
    int r = -1;

    if (hpet_legacy(s) && n < 2) {
        line = n == 0 ? s->irq0 : s->irq8;
        held = n == 0 ? &s->irq0_level : &s->irq8_level;
    } else {
        r = hpet_timer_gsi(s, n);
        if (r < 0)
            return;
        line = s->gsi[r];
    }
    /* A line already held high by a level source shows no edge anyway. */
    if ((held && *held) || (r >= 0 && (s->gsi_levels >> r & 1)))
        return;
    irq_set(line, 1);
    irq_set(line, 0);
}

static void hpet_input_changed(void *opaque, int n, int level)
{
    hpet_update_lines(opaque);
}

IrqLine *hpet_pit_input(HpetState *s)
{
    return &s->pit_in;
}

IrqLine *hpet_rtc_input(HpetState *s)
{
    return &s->rtc_in;
}

/* ------------------------------------------------------------------------ */
/* Matching */

static void hpet_fire(HpetState *s, unsigned n, uint64_t v, uint64_t c)
{
    HpetTimer *t = &s->t[n];

    if (t->config & HPET_TN_PERIODIC && t->period) {
        /* Matches at v, v + p, ...: step over all of those up to c at once. */
        uint64_t p = t->period, k = (c - v) / p + 1;
        t->cmp += k * p;
        if (t->config & HPET_TN_32BIT)
            t->cmp &= 0xffffffffu;
    }
    if (t->config & HPET_TN_LEVEL)
        s->isr |= 1ull << n;
    else if (hpet_enabled(s) && (t->config & HPET_TN_ENABLE))
        hpet_pulse(s, n);
}

static void hpet_arm(HpetState *s)
{
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        HpetTimer *t = &s->t[n];
        int64_t when = -1;
        if (hpet_enabled(s) && (t->config & HPET_TN_ENABLE)) {
            uint64_t v = hpet_next_match(s, n, s->next_check);
            if (v != HPET_NONE)
                when = hpet_ns_of_counter(s, v);
        }
        if (!t->timer)
            continue;
        if (when < 0)
            timer_del(t->timer);
        else
            timer_mod(t->timer, when);
    }
}

/* Handle every match up to the counter's value at now. */
static void hpet_sync(HpetState *s, int64_t now)
{
    if (!hpet_enabled(s))
        return;
    uint64_t c = hpet_counter_at(s, now);
    if (c < s->next_check)
        return;
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        uint64_t v = hpet_next_match(s, n, s->next_check);
        if (v != HPET_NONE && v <= c)
            hpet_fire(s, n, v, c);
    }
    s->next_check = c + 1;
    hpet_update_lines(s);
}

void hpet_timer_expired_at(HpetState *s, unsigned n, int64_t now)
{
    hpet_sync(s, now);
    hpet_arm(s);
}

static void hpet_timer_cb(void *opaque)
{
    HpetTimer *t = opaque;
    HpetState *s = t->hpet;
    hpet_timer_expired_at(s, (unsigned)(t - s->t), clock_get_ns(CLK_VIRTUAL));
}

/* ------------------------------------------------------------------------ */
/* Registers */

uint32_t hpet_block_id(void)
{
    return (uint32_t)(HPET_VENDOR_ID << 16 | HPET_CAP_LEG_RT | HPET_CAP_COUNT_64 |
                      (HPET_NUM_TIMERS - 1) << 8 | HPET_REV_ID);
}

static uint64_t hpet_reg_read(HpetState *s, uint64_t reg, int64_t now)
{
    switch (reg) {
    case HPET_CAP:
        return HPET_PERIOD_FS << 32 | hpet_block_id();
    case HPET_CONF:
        return s->config;
    case HPET_ISR:
        return s->isr;
    case HPET_COUNTER:
        return hpet_counter_at(s, now);
    }
    if (reg < HPET_TIMER(0) || reg >= HPET_TIMER(HPET_NUM_TIMERS))
        return 0;
    HpetTimer *t = &s->t[(reg - HPET_TIMER(0)) / 0x20];
    switch ((reg - HPET_TIMER(0)) % 0x20) {
    case HPET_TN_CONF:
        return (uint64_t)s->route_cap << 32 | HPET_TN_PER_CAP | HPET_TN_SIZE_CAP |
               (t->config & ~(uint64_t)HPET_TN_SETVAL);
    case HPET_TN_CMP:
        return t->cmp;
    case HPET_TN_FSB:
        return t->fsb;
    }
    return 0;
}

static void hpet_write_conf(HpetState *s, uint64_t val, int64_t now)
{
    uint64_t old = s->config;
    s->config = val & (HPET_CONF_ENABLE | HPET_CONF_LEGACY);
    if (!(old & HPET_CONF_ENABLE) && hpet_enabled(s)) {
        /* Counting resumes from the held value; next_check already covers it. */
        s->counter_ns = now;
    } else if ((old & HPET_CONF_ENABLE) && !hpet_enabled(s)) {
        /* counter_at() used the old config: compute it before the switch. */
        s->config = old;
        s->counter = hpet_counter_at(s, now);
        s->config = val & (HPET_CONF_ENABLE | HPET_CONF_LEGACY);
    }
}

static void hpet_write_timer(HpetState *s, unsigned n, unsigned off, uint64_t val,
                             uint64_t mask)
{
    HpetTimer *t = &s->t[n];

    switch (off) {
    case HPET_TN_CONF: {
        uint64_t c = (t->config & ~mask) | (val & mask);
        t->config = c & HPET_TN_WRITABLE;
        if (t->config & HPET_TN_32BIT) {
            t->cmp &= 0xffffffffu;
            t->period &= 0xffffffffu;
        }
        if (!(t->config & HPET_TN_LEVEL))
            s->isr &= ~(1ull << n);     /* status means nothing for edge timers */
        break;
    }
    case HPET_TN_CMP: {
        bool wide = !(t->config & HPET_TN_32BIT);
        if (!wide) {
            val &= 0xffffffffu;
            mask &= 0xffffffffu;
        }
        if (!(t->config & HPET_TN_PERIODIC) || (t->config & HPET_TN_SETVAL))
            t->cmp = (t->cmp & ~mask) | (val & mask);
        if (t->config & HPET_TN_PERIODIC)
            t->period = (t->period & ~mask) | (val & mask);
        if (!wide || (mask >> 32))
            t->config &= ~(uint64_t)HPET_TN_SETVAL;
        break;
    }
    case HPET_TN_FSB:
        t->fsb = (t->fsb & ~mask) | (val & mask);
        break;
    }
}

static void hpet_reg_write(HpetState *s, uint64_t reg, uint64_t val, uint64_t mask,
                           int64_t now)
{
    switch (reg) {
    case HPET_CONF:
        hpet_write_conf(s, (s->config & ~mask) | (val & mask), now);
        break;
    case HPET_ISR:
        s->isr &= ~(val & mask);        /* write 1 to clear */
        break;
    case HPET_COUNTER: {
        /* Software should halt the counter first; if not, rebase it now. */
        uint64_t c = hpet_counter_at(s, now);
        s->counter = (c & ~mask) | (val & mask);
        s->counter_ns = now;
        s->next_check = s->counter;
        break;
    }
    default:
        if (reg >= HPET_TIMER(0) && reg < HPET_TIMER(HPET_NUM_TIMERS))
            hpet_write_timer(s, (unsigned)(reg - HPET_TIMER(0)) / 0x20,
                             (unsigned)(reg - HPET_TIMER(0)) % 0x20, val, mask);
        break;      /* capabilities and reserved space are read-only */
    }
    hpet_update_lines(s);
    hpet_arm(s);
}

uint64_t hpet_read_at(HpetState *s, uint64_t addr, unsigned size, int64_t now)
{
    if (addr >= HPET_SIZE || (size != 4 && size != 8))
        return 0;
    hpet_sync(s, now);
    uint64_t v = hpet_reg_read(s, addr & ~7ull, now);
    if (size == 4)
        return (uint32_t)(v >> (addr & 4) * 8);
    return v;
}

void hpet_write_at(HpetState *s, uint64_t addr, uint64_t val, unsigned size, int64_t now)
{
    if (addr >= HPET_SIZE || (size != 4 && size != 8))
        return;
    unsigned shift = (unsigned)(addr & 4) * 8;
    uint64_t mask = size == 8 ? ~0ull : 0xffffffffull << shift;
    hpet_sync(s, now);
    hpet_reg_write(s, addr & ~7ull, val << shift, mask, now);
}

/* ------------------------------------------------------------------------ */
/* Life cycle */

void hpet_reset(HpetState *s)
{
    s->config = 0;
    s->isr = 0;
    s->counter = 0;
    s->counter_ns = 0;
    s->next_check = 0;
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        HpetTimer *t = &s->t[n];
        t->config = 0;
        t->cmp = ~0ull;                 /* the spec's reset value */
        t->period = 0;
        t->fsb = 0;
        timer_del(t->timer);
    }
    hpet_update_lines(s);
}

void hpet_init(HpetState *s, IrqLine *irq0, IrqLine *irq8, IrqLine *const *gsi,
               unsigned nr_gsi)
{
    s->irq0 = irq0;
    s->irq8 = irq8;
    s->irq0_level = s->irq8_level = false;
    s->gsi_levels = 0;
    s->route_cap = 0;
    memset(s->gsi, 0, sizeof(s->gsi));
    for (unsigned r = 0; r < nr_gsi && r < HPET_NUM_ROUTES; r++) {
        s->gsi[r] = gsi[r];
        if (gsi[r] && (HPET_ROUTE_CAP >> r & 1))
            s->route_cap |= 1u << r;
    }
    irq_line_init(&s->pit_in, hpet_input_changed, s, 0);
    irq_line_init(&s->rtc_in, hpet_input_changed, s, 8);
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        s->t[n].hpet = s;
        if (!s->t[n].timer)
            s->t[n].timer = timer_new(CLK_VIRTUAL, hpet_timer_cb, &s->t[n]);
    }
    hpet_reset(s);
}

void hpet_fini(HpetState *s)
{
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        timer_free(s->t[n].timer);
        s->t[n].timer = NULL;
    }
}

static int hpet_post_load(void *obj, Error *err)
{
    HpetState *s = obj;
    s->config &= HPET_CONF_ENABLE | HPET_CONF_LEGACY;
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++)
        s->t[n].config &= HPET_TN_WRITABLE;
    /* Outputs are re-driven from scratch: forget what we think they hold. */
    s->irq0_level = !s->irq0_level;
    s->irq8_level = !s->irq8_level;
    s->gsi_levels = ~s->gsi_levels & s->route_cap;
    hpet_update_lines(s);
    hpet_arm(s);
    return 0;
}

static const StateField hpet_timer_fields[] = {
    STATE_U64(HpetTimer, config),
    STATE_U64(HpetTimer, cmp),
    STATE_U64(HpetTimer, period),
    STATE_U64(HpetTimer, fsb),
    STATE_END
};
static const StateDesc hpet_timer_state = { "hpet-timer", 1, hpet_timer_fields, NULL };

static const StateField hpet_fields[] = {
    STATE_U64(HpetState, config),
    STATE_U64(HpetState, isr),
    STATE_U64(HpetState, counter),
    STATE_I64(HpetState, counter_ns),
    STATE_U64(HpetState, next_check),
    STATE_STRUCT_ARRAY(HpetState, t, HPET_NUM_TIMERS, hpet_timer_state),
    STATE_BOOL(HpetState, irq0_level),
    STATE_BOOL(HpetState, irq8_level),
    STATE_U32(HpetState, gsi_levels),
    STATE_END
};
const StateDesc hpet_state_desc = { "hpet", 1, hpet_fields, hpet_post_load };

/* ------------------------------------------------------------------------ */
/* Bus glue: the only places that read the clock */

static uint64_t hpet_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return hpet_read_at(opaque, addr, size, clock_get_ns(CLK_VIRTUAL));
}

static void hpet_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    hpet_write_at(opaque, addr, val, size, clock_get_ns(CLK_VIRTUAL));
}

static const MemoryRegionOps hpet_ops = {
    .read = hpet_mr_read,
    .write = hpet_mr_write,
    .min_access = 4,
    .max_access = 8,
    .aligned_only = true,
};

static void hpet_dev_reset(Device *dev)
{
    hpet_reset((HpetState *)dev);
}

static void hpet_dev_destroy(Device *dev)
{
    HpetState *s = (HpetState *)dev;
    if (s->mmio.parent)
        mr_del_subregion(s->mmio.parent, &s->mmio);
    hpet_fini(s);
    free(s);
}

HpetState *hpet_create(Machine *m, const char *id, uint64_t base, IrqLine *irq0,
                       IrqLine *irq8, IrqLine *const *gsi, unsigned nr_gsi, Error *err)
{
    HpetState *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "hpet: out of memory");
        return NULL;
    }
    hpet_init(s, irq0, irq8, gsi, nr_gsi);
    mr_init_io(&s->mmio, "hpet", &hpet_ops, s, HPET_SIZE);
    mr_add_subregion(&m->sysmem, base, &s->mmio);
    device_attach(m, &s->dev, id ? id : "hpet", hpet_dev_reset, hpet_dev_destroy,
                  &hpet_state_desc);
    return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * The local APIC timer's arithmetic, apart from any state so that tests can
 * check it at any instant without a clock: the divide configuration, the
 * current count of a one-shot or periodic count-down, its next expiry, and
 * when a TSC deadline falls on CLK_VIRTUAL.
 *
 * The bus clock is APIC_TIMER_HZ = 1 GHz, one tick per nanosecond before the
 * divider, so a count is (elapsed ns / divisor). Periodic counts reload from
 * the start time, never from the moment a callback ran: no drift.
 */
#include "hw/intc/apic.h"

unsigned apic_timer_divisor(uint32_t dcr)
{
    unsigned v = (dcr & 3) | ((dcr >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

uint32_t apic_timer_count_at(uint32_t initial, unsigned divisor, bool periodic,
                             int64_t start_ns, int64_t now_ns)
{
    if (initial == 0 || divisor == 0)
        return 0;
    if (now_ns <= start_ns)
        return initial;
    /* APIC_TIMER_HZ is 1 GHz: one bus tick per nanosecond. */
    uint64_t ticks = (uint64_t)(now_ns - start_ns) / divisor;
    if (!periodic)
        return ticks >= initial ? 0 : initial - (uint32_t)ticks;
    return initial - (uint32_t)(ticks % initial);
}

int64_t apic_timer_next_expiry(uint32_t initial, unsigned divisor, bool periodic,
                               int64_t start_ns, int64_t now_ns)
{
    if (initial == 0 || divisor == 0)
        return -1;
    int64_t period = (int64_t)initial * divisor;
    if (!periodic)
        return now_ns < start_ns + period ? start_ns + period : -1;
    if (now_ns < start_ns)
        return start_ns + period;
    int64_t n = (now_ns - start_ns) / period + 1;
    return start_ns + n * period;
}

int64_t apic_tsc_deadline_ns(uint64_t deadline, uint64_t tsc_now, uint64_t tsc_hz,
                             int64_t now_ns)
{
    if (deadline <= tsc_now)
        return now_ns;
    unsigned __int128 delta = (unsigned __int128)(deadline - tsc_now) * NS_PER_SEC;
    delta = (delta + tsc_hz - 1) / tsc_hz;       /* never fire early */
    if (delta > (unsigned __int128)(INT64_MAX - now_ns))
        return INT64_MAX;
    return now_ns + (int64_t)delta;
}

/* SPDX-License-Identifier: MIT */
/*
 * Motorola MC146818 real-time clock and 128 bytes of CMOS RAM.
 *
 * Index port 0x70 (bit 7 of a write is the PC's NMI mask, kept here for
 * the board to consult), data port 0x71. Registers 0x00-0x09 are the clock
 * and its alarm, 0x0a-0x0d the control registers A-D, 0x0e-0x7f CMOS bytes
 * for firmware; 0x32 is the century, which this model keeps with the clock.
 *
 * Guest time is kept as a second count (UTC, seconds since 1970) at a
 * CLK_VIRTUAL instant that is a second boundary of the divider chain. It
 * starts from the host's clock at creation; a guest that writes the clock
 * moves it (an offset from then on), and a stopped clock (SET, divider in
 * reset) holds its registers in the CMOS array. Everything time-dependent
 * - register values, UIP, the PF/UF/AF flags - is a pure function of
 * "now" (rtc_*_at); the device reads CLK_VIRTUAL only in its I/O
 * callbacks and its timer.
 *
 * Update cycle: each second ends with UIP high for 244 us (the warning)
 * plus 1984 us (the update itself, 32.768 kHz time base); the new time, UF
 * and the alarm check appear when UIP falls. So while UIP reads 0 the time
 * registers are stable for at least 244 us, which is what firmware relies on.
 *
 * Interrupts: flags are computed lazily, so a guest polling register C
 * needs no timer; a timer is armed only while some enabled source can
 * still raise the (not yet asserted) IRQ line.
 */
#ifndef TANDEM_MC146818_H
#define TANDEM_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "softmmu/memory.h"

#define RTC_IOBASE 0x70
#define RTC_CMOS_SIZE 128

enum {
    RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02, RTC_MIN_ALARM = 0x03,
    RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05, RTC_WDAY = 0x06, RTC_MDAY = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d,
    RTC_CENTURY = 0x32,
};

/* Register A */
#define RTC_A_UIP   0x80
#define RTC_A_DV    0x70    /* divider: 010 = 32.768 kHz, 11x = reset */
#define RTC_A_RS    0x0f    /* periodic rate select */
/* Register B */
#define RTC_B_SET   0x80
#define RTC_B_PIE   0x40
#define RTC_B_AIE   0x20
#define RTC_B_UIE   0x10
#define RTC_B_SQWE  0x08
#define RTC_B_DM    0x04    /* 1: binary, 0: BCD */
#define RTC_B_24H   0x02
#define RTC_B_DSE   0x01
/* Register C (flags sit at the same bit as their enable in B) */
#define RTC_C_IRQF  0x80
#define RTC_C_PF    0x40
#define RTC_C_AF    0x20
#define RTC_C_UF    0x10
/* Register D */
#define RTC_D_VRT   0x80

#define RTC_UIP_LEAD_NS 244000      /* UIP rises this long before an update */
#define RTC_UPDATE_NS   1984000     /* the update cycle itself */

typedef struct Timer Timer;

typedef struct RtcState {
    Device dev;
    MemoryRegion io;
    IrqLine *irq;
    int irq_level;

    uint8_t cmos[RTC_CMOS_SIZE];    /* clock registers: frozen copy while stopped */
    uint8_t index;                  /* port 0x70 bits 0-6 */
    bool nmi_masked;                /* port 0x70 bit 7 */

    int64_t base_sec;               /* guest UTC seconds at base_ns */
    int64_t base_ns;                /* CLK_VIRTUAL of a second boundary */
    int64_t div_ns;                 /* divider chain left reset here (periodic phase) */
    uint8_t flags;                  /* PF/AF/UF accumulated up to flags_ns */
    int64_t flags_ns;

    Timer *timer;                   /* CLK_VIRTUAL, next interrupt */
} RtcState;

/* Snapshot description (also the Device's). */
extern const StateDesc rtc_state_desc;

/*
 * Create the RTC at 0x70/0x71 on m's I/O space with the host's current
 * time, IRQ 8 on irq (may be NULL), and attach it to m's device list.
 */
RtcState *rtc_create(Machine *m, const char *id, IrqLine *irq, Error *err);

/*
 * State without an address space (tests); rtc_create calls this. The
 * guest clock reads wall_ns (UTC ns since 1970) at CLK_VIRTUAL time now.
 */
void rtc_init(RtcState *s, IrqLine *irq, int64_t wall_ns, int64_t now);
void rtc_fini(RtcState *s);
/* The RESET pin: interrupt enables and flags clear, time and CMOS stay. */
void rtc_reset(RtcState *s);

/*
 * CMOS bytes for firmware, filled by the board before the guest starts.
 * index 0x0e-0x7f; the clock registers (0x00-0x0d) and the century (0x32)
 * follow the clock and are ignored here. The fields SeaBIOS reads:
 *   0x10 floppy types, 0x12 hard disk types, 0x14 equipment byte,
 *   0x15/0x16 base memory in KiB (640), 0x17/0x18 and 0x30/0x31 extended
 *   memory 1-64 MiB in KiB (capped at 0xffff), 0x34/0x35 memory 16 MiB-4 GiB
 *   in 64 KiB units, 0x5b-0x5d memory above 4 GiB in 64 KiB units,
 *   0x5f CPU count - 1, 0x3d/0x38 boot order (one nibble per device),
 *   0x2e/0x2f the checksum of 0x10-0x2d.
 * Out-of-range indexes are ignored.
 */
void rtc_set_cmos(RtcState *s, unsigned index, uint8_t value);
uint8_t rtc_get_cmos(const RtcState *s, unsigned index);
/* Port 0x70 bit 7, last written: NMIs are blocked while set. */
bool rtc_nmi_masked(const RtcState *s);

/* Port access at a given CLK_VIRTUAL time; port is 0 (0x70) or 1 (0x71). */
uint8_t rtc_read_at(RtcState *s, unsigned port, int64_t now);
void rtc_write_at(RtcState *s, unsigned port, uint8_t val, int64_t now);
/* The timer's action at time now, public so tests can fire it. */
void rtc_timer_expired_at(RtcState *s, int64_t now);

/* Pure functions of the state and time. */
bool rtc_uip_at(const RtcState *s, int64_t now);
/* Guest UTC seconds since 1970 (only meaningful while the clock runs). */
int64_t rtc_seconds_at(const RtcState *s, int64_t now);
/* The value register reg (0x00-0x0d, 0x32) reads at now. */
uint8_t rtc_reg_at(const RtcState *s, unsigned reg, int64_t now);
/* PF/AF/UF raised in (t0, t1]. */
uint8_t rtc_events_between(const RtcState *s, int64_t t0, int64_t t1);
/* Periodic interrupt period in ns for register A (0: off), rounded down. */
int64_t rtc_periodic_ns(uint8_t reg_a);
/* Time of the next IRQ-raising event, -1 if none can happen. */
int64_t rtc_next_event_at(const RtcState *s, int64_t now);

/* Calendar helpers (proleptic Gregorian, days since 1970-01-01). */
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d);
void rtc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * IA-PC HPET (High Precision Event Timers, spec 1.0a): one block of three
 * comparators on a 64-bit 100 MHz main counter, at 0xfed00000.
 *
 * The main counter is a pure function of CLK_VIRTUAL (hpet_counter_at) and
 * comparator matches are found arithmetically (hpet_next_match), so the
 * device never steps time; it reads the clock only in its MMIO callbacks
 * and timers, and tests pass the time explicitly (hpet_read_at/...).
 *
 * Interrupt wiring. Each timer routes to an I/O APIC input chosen by the
 * guest among those in Tn_INT_ROUTE_CAP (the board passes its GSI lines).
 * LegacyReplacement routing sends timer 0 to IRQ0 and timer 1 to IRQ8 and
 * cuts the PIT and RTC off those inputs; because that mux is the chipset's,
 * the HPET owns it: the board gives the HPET the real IRQ0 and IRQ8 lines
 * and hands the PIT and RTC the HPET's inputs instead:
 *
 *     HpetState *h = hpet_create(m, NULL, HPET_BASE, irq0, irq8, gsi, 24, err);
 *     pit_create(m, NULL, hpet_pit_input(h), err);
 *     rtc_create(m, NULL, hpet_rtc_input(h), err);
 *
 * With legacy routing off the inputs pass straight through.
 */
#ifndef TANDEM_HPET_H
#define TANDEM_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "softmmu/memory.h"

#define HPET_BASE 0xfed00000ull
#define HPET_SIZE 0x400
#define HPET_NUM_TIMERS 3
#define HPET_PERIOD_FS 10000000ull      /* 10 ns: 100 MHz */
#define HPET_NS_PER_TICK 10
#define HPET_NUM_ROUTES 32
/* I/O APIC inputs offered to the guest: 20-23, free of ISA devices. */
#define HPET_ROUTE_CAP 0x00f00000u

/* Register offsets */
#define HPET_CAP        0x000
#define HPET_CONF       0x010
#define HPET_ISR        0x020
#define HPET_COUNTER    0x0f0
#define HPET_TIMER(n)   (0x100 + 0x20 * (n))
#define HPET_TN_CONF    0x00
#define HPET_TN_CMP     0x08
#define HPET_TN_FSB     0x10

/* General configuration */
#define HPET_CONF_ENABLE    (1u << 0)
#define HPET_CONF_LEGACY    (1u << 1)
/* General capabilities */
#define HPET_CAP_LEG_RT     (1u << 15)
#define HPET_CAP_COUNT_64   (1u << 13)
/* Timer configuration and capabilities */
#define HPET_TN_LEVEL       (1u << 1)
#define HPET_TN_ENABLE      (1u << 2)
#define HPET_TN_PERIODIC    (1u << 3)
#define HPET_TN_PER_CAP     (1u << 4)
#define HPET_TN_SIZE_CAP    (1u << 5)
#define HPET_TN_SETVAL      (1u << 6)
#define HPET_TN_32BIT       (1u << 8)
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_ROUTE_MASK  (0x1fu << HPET_TN_ROUTE_SHIFT)
#define HPET_TN_FSB_EN      (1u << 14)

typedef struct Timer Timer;
typedef struct HpetState HpetState;

typedef struct HpetTimer {
    uint64_t config;        /* writable bits of Tn_CONF */
    uint64_t cmp;           /* comparator (32 bits in 32-bit mode) */
    uint64_t period;        /* periodic increment: the last value written */
    uint64_t fsb;           /* Tn_FSB_INT_ROUTE, stored only (no FSB delivery) */
    Timer *timer;           /* CLK_VIRTUAL, armed only with interrupts enabled */
    HpetState *hpet;
} HpetTimer;

struct HpetState {
    Device dev;
    MemoryRegion mmio;

    uint64_t config;        /* GEN_CONF */
    uint64_t isr;           /* GINTR_STA: level-triggered timers' status */
    uint64_t counter;       /* main counter at counter_ns (frozen when halted) */
    int64_t counter_ns;
    uint64_t next_check;    /* counter values below this have been matched */
    HpetTimer t[HPET_NUM_TIMERS];

    uint32_t route_cap;
    IrqLine *gsi[HPET_NUM_ROUTES];  /* I/O APIC inputs, from the board */
    IrqLine *irq0, *irq8;           /* the legacy IRQ0 and IRQ8 inputs */
    IrqLine pit_in, rtc_in;         /* what the PIT and RTC drive */
    uint32_t gsi_levels;            /* levels last driven */
    bool irq0_level, irq8_level;
};

/* Snapshot description (also the Device's). */
extern const StateDesc hpet_state_desc;

/*
 * Create the HPET at base on m's memory, driving irq0/irq8 (legacy routes;
 * may be NULL) and gsi[0..nr_gsi) (I/O APIC inputs; the guest may choose
 * those of 20-23 that are non-NULL), and attach it to m's device list.
 */
HpetState *hpet_create(Machine *m, const char *id, uint64_t base, IrqLine *irq0,
                       IrqLine *irq8, IrqLine *const *gsi, unsigned nr_gsi, Error *err);
/* The lines the PIT (IRQ0) and RTC (IRQ8) must drive. */
IrqLine *hpet_pit_input(HpetState *s);
IrqLine *hpet_rtc_input(HpetState *s);

/* State without an address space (tests); hpet_create calls this. */
void hpet_init(HpetState *s, IrqLine *irq0, IrqLine *irq8, IrqLine *const *gsi,
               unsigned nr_gsi);
void hpet_fini(HpetState *s);
void hpet_reset(HpetState *s);

/* Register access at a given CLK_VIRTUAL time; size is 4 or 8, aligned. */
uint64_t hpet_read_at(HpetState *s, uint64_t addr, unsigned size, int64_t now);
void hpet_write_at(HpetState *s, uint64_t addr, uint64_t val, unsigned size, int64_t now);
/* A timer's action at time now, public so tests can fire it. */
void hpet_timer_expired_at(HpetState *s, unsigned n, int64_t now);

/* Capabilities' low half: the Event Timer Block ID of the ACPI HPET table. */
uint32_t hpet_block_id(void);

/* Pure functions. */
uint64_t hpet_counter_at(const HpetState *s, int64_t now);
/* First counter value >= from that matches timer n, UINT64_MAX if none. */
uint64_t hpet_next_match(const HpetState *s, unsigned n, uint64_t from);
/* When the running counter reaches v (-1 if halted or out of reach). */
int64_t hpet_ns_of_counter(const HpetState *s, uint64_t v);

#endif

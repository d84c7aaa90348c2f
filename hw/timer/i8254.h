/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 programmable interval timer, with the PC's port 0x61.
 *
 * Three 16-bit down counters clocked at 1.193182 MHz, at ports 0x40-0x42,
 * control word at 0x43. On a PC, channel 0's output is IRQ0, channel 1 used
 * to drive DRAM refresh (only its refresh toggle survives, as bit 4 of port
 * 0x61) and channel 2 feeds the speaker, its gate being bit 0 of port 0x61
 * and its output readable as bit 5.
 *
 * The counters are never stepped: every channel records the 8254 clock
 * tick at which its counting element was loaded, and its count and output
 * at any instant are pure functions of that tick and "now" (pit_count_at,
 * pit_out_at, pit_next_change_at). The device reads CLK_VIRTUAL only in its
 * I/O callbacks and its timer; pit_read_at/pit_write_at/pit_set_gate_at take
 * the time explicitly, so unit tests run any sequence deterministically.
 *
 * A channel arms a timer only when it drives an IRQ line and its output can
 * still change (mode 0 after terminal count, a stopped or gated-off channel
 * never wakes the host).
 */
#ifndef TANDEM_I8254_H
#define TANDEM_I8254_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "softmmu/memory.h"

#define PIT_FREQ_HZ 1193182u        /* 14.31818 MHz / 12 */
#define PIT_IOBASE 0x40
#define PIT_PORT61 0x61
/* The AT refresh request toggles every 15.085 us (18 ticks of the PIT). */
#define PIT_REFRESH_NS 15085

typedef struct Timer Timer;
typedef struct PitState PitState;

typedef struct PitChannel {
    /* Programmed by the control word */
    uint8_t mode;           /* 0..5 (6 and 7 are stored as 2 and 3) */
    uint8_t rw;             /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
    bool bcd;

    /* Count register as the guest wrote it (BCD-coded when bcd) */
    uint16_t cr;
    bool cr_valid;          /* a whole count was written since the control word */
    bool write_msb_next;    /* rw 3: the next write is the MSB */
    uint8_t write_lsb;

    /* Output latch and read flip-flop */
    bool read_msb_next;     /* rw 3, unlatched reads */
    uint8_t latch_bytes;    /* latched count bytes still to be read (0..2) */
    uint16_t latched;       /* latched count, already BCD-coded if bcd */
    bool status_latched;
    uint8_t status;

    /* Counting element */
    bool running;           /* a count sequence runs from load_tick */
    uint32_t n;             /* its initial count, 1..65536 (10000 in BCD) */
    uint64_t load_tick;     /* absolute PIT tick at which it was loaded */
    bool frozen;            /* modes 0/4 with the gate low: counting paused */
    uint64_t frozen_d;      /* ticks counted before the pause */
    bool pend;              /* modes 2/3: a new count loads at pend_tick */
    uint32_t pend_n;
    uint64_t pend_tick;     /* end of the current (half) cycle */
    uint64_t pend_load;     /* load tick of the new sequence (<= pend_tick) */
    uint16_t idle_count;    /* count shown while not running */
    bool idle_out;          /* output while not running */
    bool null_count;        /* status bit 6: count written, not yet loaded */
    bool gate;

    /* Output wiring: only channels with an irq arm a timer */
    IrqLine *irq;
    int irq_level;          /* level last driven on irq */
    int64_t irq_eval_ns;    /* when the output was last evaluated */
    Timer *timer;           /* CLK_VIRTUAL, next output change */
    PitState *pit;
} PitChannel;

struct PitState {
    Device dev;
    MemoryRegion io;        /* 0x40-0x43 */
    MemoryRegion io61;      /* 0x61 */
    PitChannel ch[3];
    uint8_t port61;         /* bits 0-3 as written: gate 2, speaker, parity/IOCHK enables */
};

/*
 * Create the PIT at 0x40-0x43 and port 0x61 on m's I/O space, channel 0
 * driving irq0 (may be NULL), and attach it to m's device list.
 */
PitState *pit_create(Machine *m, const char *id, IrqLine *irq0, Error *err);

/* Snapshot description (also the Device's). */
extern const StateDesc pit_state_desc;

/* State without an address space (tests); pit_create calls this. */
void pit_init(PitState *s, IrqLine *irq0);
void pit_fini(PitState *s);
void pit_reset(PitState *s);

/* Port access at a given CLK_VIRTUAL time. port is 0..3 for 0x40-0x43. */
uint8_t pit_read_at(PitState *s, unsigned port, int64_t now);
void pit_write_at(PitState *s, unsigned port, uint8_t val, int64_t now);
uint8_t pit_port61_read_at(PitState *s, int64_t now);
void pit_port61_write_at(PitState *s, uint8_t val, int64_t now);
/* Drive a channel's gate input (channel 2's is port 0x61 bit 0). */
void pit_set_gate_at(PitState *s, unsigned ch, bool level, int64_t now);
/* The channel timer's action at time now, public so tests can fire it. */
void pit_timer_expired_at(PitState *s, unsigned ch, int64_t now);

/* Pure functions of a channel's state and time. */
uint64_t pit_tick_of_ns(int64_t ns);
int64_t pit_ns_of_tick(uint64_t tick);
/* Counting element value, binary (0 stands for 65536/10000). */
uint16_t pit_count_at(const PitChannel *c, int64_t now);
bool pit_out_at(const PitChannel *c, int64_t now);
/* Time of the next output change after now, -1 if it cannot change. */
int64_t pit_next_change_at(const PitChannel *c, int64_t now);
/* Bit 4 of port 0x61. */
bool pit_refresh_bit_at(int64_t now);

#endif

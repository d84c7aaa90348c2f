/* SPDX-License-Identifier: MIT */
/*
 * The main loop: one thread that polls file descriptors, runs expired
 * timers and deferred work, holding the big lock while it dispatches.
 *
 * Clocks (named CLK_ because <time.h> owns CLOCK_). CLK_REALTIME is the
 * host's monotonic time. CLK_VIRTUAL is the guest's time: it advances with the host's while the machine runs and
 * stands still while it is paused, so guest timers neither fire nor drift
 * during a pause.
 *
 * Timers may be armed from any thread that holds the big lock (vCPU threads
 * included); arming one whose deadline is earlier than the loop's current
 * wait wakes the loop. Deferred work (Bh, "bottom half") may be scheduled
 * from any thread without the lock; it runs once, in the main loop, with the
 * lock held.
 *
 * The big lock (bql) serialises device models: every callback this module
 * makes runs with it held, and vCPU threads take it around I/O.
 */
#ifndef TANDEM_MAIN_LOOP_H
#define TANDEM_MAIN_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum ClockType {
    CLK_REALTIME = 0,
    CLK_VIRTUAL = 1,
    CLK_COUNT
} ClockType;

#define NS_PER_SEC 1000000000ll

int64_t clock_get_ns(ClockType clock);
/* Stop / restart CLK_VIRTUAL (pause and resume of the machine). */
void clock_virtual_stop(void);
void clock_virtual_start(void);
bool clock_virtual_running(void);

typedef void TimerCb(void *opaque);
typedef struct Timer Timer;

Timer *timer_new(ClockType clock, TimerCb *cb, void *opaque);
void timer_free(Timer *t);
/* Arm to fire once when the clock reaches expire_ns (absolute). */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
int64_t timer_expire_time(const Timer *t);  /* -1 when not pending */
ClockType timer_clock(const Timer *t);

typedef void BhCb(void *opaque);
typedef struct Bh Bh;
Bh *bh_new(BhCb *cb, void *opaque);
void bh_free(Bh *bh);
void bh_schedule(Bh *bh);   /* any thread, lock not needed */

typedef void FdHandler(void *opaque);
/* Watch fd; NULL for both handlers removes it. */
void main_loop_set_fd_handler(int fd, FdHandler *on_read, FdHandler *on_write,
                              void *opaque);

int main_loop_init(void);
void main_loop_cleanup(void);
/* Wake the loop from another thread (or a signal handler: async-signal-safe). */
void main_loop_notify(void);
/*
 * One iteration: wait up to timeout_ms (-1: until something happens) for fds,
 * timers or notifications, then dispatch. Takes and releases the big lock.
 */
void main_loop_wait(int timeout_ms);
/* Run expired timers of one clock now (big lock held); for tests and loop. */
void timers_run_expired(ClockType clock);
/* Milliseconds until the next timer of any clock, -1 if none. */
int timers_next_timeout_ms(void);

/* The big lock. */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);   /* by the calling thread */
/* Wait on cond, releasing the big lock meanwhile (caller holds it). */
void bql_cond_wait(pthread_cond_t *cond);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The main loop, its clocks, timers, bottom halves and the big lock.
 *
 * Locking. Timer lists, the bottom-half registry and the fd handler table
 * are protected by the big lock (bql): timer_*, bh_new/bh_free and
 * main_loop_set_fd_handler need it held, as all device code has it. The loop holds it while preparing a
 * wait and while dispatching, and drops it only inside ppoll(), so vCPU
 * threads can do I/O while the loop sleeps. Two things are lock-free on
 * purpose: bh_schedule() (an atomic flag plus a wake-up, so any thread and
 * any context can defer work) and main_loop_notify() (one write(2) to an
 * eventfd, async-signal-safe). The virtual clock has its own small mutex
 * because vCPU threads read it without the bql.
 *
 * Waking the loop. While the loop sleeps, wait_deadline[clock] holds the
 * earliest deadline it took into account; timer_mod() wakes it only for an
 * earlier one, so re-arming periodic timers from their own callbacks (the
 * common case, on the loop thread, with wait_deadline at INT64_MIN since
 * the loop is not waiting) costs no system call.
 *
 * Re-entrancy. Callbacks may add, re-arm, delete or free timers, bottom
 * halves and fd handlers, their own included. Timers are unlinked before
 * their callback runs and the list is rescanned from its head after each
 * one; bottom halves and fd entries freed during a dispatch are only marked
 * and swept when the dispatch is over, so the iteration never follows a
 * freed pointer. A timer re-armed to an already-expired deadline by its
 * own callback runs on the next timers_run_expired() call, not in a loop.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "softmmu/main-loop.h"

static void *main_loop_alloc(size_t n)
{
    void *p = calloc(1, n);
    if (!p) {
        fprintf(stderr, "tandem: out of memory\n");
        abort();
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* The big lock */

static pthread_mutex_t bql = PTHREAD_MUTEX_INITIALIZER;
static __thread bool bql_held;

void bql_lock(void)
{
    /* Not recursive: taking it twice is a deadlock, say so loudly. */
    assert(!bql_held);
    pthread_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    assert(bql_held);
    bql_held = false;
    pthread_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

void bql_cond_wait(pthread_cond_t *cond)
{
    assert(bql_held);
    /* pthread_cond_wait drops and retakes the mutex; the flag follows. */
    bql_held = false;
    pthread_cond_wait(cond, &bql);
    bql_held = true;
}

/* ------------------------------------------------------------------------ */
/* Clocks */

static pthread_mutex_t clock_mutex = PTHREAD_MUTEX_INITIALIZER;
static bool virt_stopped;           /* starts running: nothing to resume */
static int64_t virt_paused_ns;      /* realtime spent stopped, in total */
static int64_t virt_stopped_at;     /* realtime when stopped */

static int64_t clock_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t clock_get_ns(ClockType clock)
{
    int64_t now = clock_realtime_ns();
    if (clock != CLK_VIRTUAL)
        return now;
    pthread_mutex_lock(&clock_mutex);
    int64_t v = (virt_stopped ? virt_stopped_at : now) - virt_paused_ns;
    pthread_mutex_unlock(&clock_mutex);
    return v;
}

void clock_virtual_stop(void)
{
    pthread_mutex_lock(&clock_mutex);
    if (!virt_stopped) {
        virt_stopped_at = clock_realtime_ns();
        virt_stopped = true;
    }
    pthread_mutex_unlock(&clock_mutex);
}

void clock_virtual_start(void)
{
    bool started = false;
    pthread_mutex_lock(&clock_mutex);
    if (virt_stopped) {
        virt_paused_ns += clock_realtime_ns() - virt_stopped_at;
        virt_stopped = false;
        started = true;
    }
    pthread_mutex_unlock(&clock_mutex);
    /* A sleeping loop ignored virtual timers while stopped: recompute. */
    if (started)
        main_loop_notify();
}

bool clock_virtual_running(void)
{
    pthread_mutex_lock(&clock_mutex);
    bool r = !virt_stopped;
    pthread_mutex_unlock(&clock_mutex);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Loop state shared by the parts below */

/* Notification fds: one eventfd (both equal) or a pipe. */
static _Atomic int notify_rfd = -1, notify_wfd = -1;

/*
 * Earliest deadline per clock the sleeping loop accounts for; INT64_MIN
 * when the loop is not sleeping (it will look at the lists again anyway).
 * Protected by the bql.
 */
static int64_t wait_deadline[CLK_COUNT] = { INT64_MIN, INT64_MIN };
static bool loop_sleeping;          /* bql */
static int dispatch_depth;          /* bql: >0 while handlers may be running */

/* ------------------------------------------------------------------------ */
/* Timers */

struct Timer {
    ClockType clock;
    TimerCb *cb;
    void *opaque;
    int64_t expire;
    bool pending;
    uint64_t gen;                   /* run-generation of the last timer_mod */
    Timer *next;
};

static Timer *timer_list[CLK_COUNT];  /* sorted by expire, FIFO on ties */
static uint64_t timer_gen;              /* bumped by each timers_run_expired */

Timer *timer_new(ClockType clock, TimerCb *cb, void *opaque)
{
    assert(clock >= 0 && clock < CLK_COUNT);
    Timer *t = main_loop_alloc(sizeof(*t));
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    return t;
}

void timer_free(Timer *t)
{
    if (!t)
        return;
    timer_del(t);
    free(t);
}

void timer_del(Timer *t)
{
    if (!t || !t->pending)
        return;
    for (Timer **pp = &timer_list[t->clock]; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->pending = false;
    t->expire = -1;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    if (expire_ns < 0)
        expire_ns = 0;      /* keep -1 meaning "not pending" */
    timer_del(t);
    Timer **pp = &timer_list[t->clock];
    while (*pp && (*pp)->expire <= expire_ns)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->expire = expire_ns;
    t->pending = true;
    t->gen = timer_gen;

    /* A stopped virtual clock cannot reach the deadline: no need to wake. */
    if (expire_ns < wait_deadline[t->clock] &&
        (t->clock != CLK_VIRTUAL || clock_virtual_running())) {
        wait_deadline[t->clock] = expire_ns;
        main_loop_notify();
    }
}

bool timer_pending(const Timer *t)
{
    return t && t->pending;
}

int64_t timer_expire_time(const Timer *t)
{
    return t && t->pending ? t->expire : -1;
}

ClockType timer_clock(const Timer *t)
{
    return t->clock;
}

void timers_run_expired(ClockType clock)
{
    /* Frozen guest time: guest timers must neither fire nor drift. */
    if (clock == CLK_VIRTUAL && !clock_virtual_running())
        return;
    int64_t now = clock_get_ns(clock);
    /* Timers armed from here on carry a newer gen and wait for next time. */
    uint64_t gen = timer_gen++;

    for (;;) {
        Timer *t = timer_list[clock];
        while (t && t->expire <= now && t->gen > gen)
            t = t->next;
        if (!t || t->expire > now)
            break;
        timer_del(t);
        /* t may be freed by its callback: do not touch it afterwards. */
        t->cb(t->opaque);
    }
}

/* Nanoseconds until the first deadline of clock, -1 if none can come. */
static int64_t timers_next_ns(ClockType clock)
{
    Timer *t = timer_list[clock];
    if (!t || (clock == CLK_VIRTUAL && !clock_virtual_running()))
        return -1;
    int64_t d = t->expire - clock_get_ns(clock);
    return d > 0 ? d : 0;
}

static int64_t timers_next_all_ns(void)
{
    int64_t best = -1;
    for (int c = 0; c < CLK_COUNT; c++) {
        int64_t d = timers_next_ns((ClockType)c);
        if (d >= 0 && (best < 0 || d < best))
            best = d;
    }
    return best;
}

int timers_next_timeout_ms(void)
{
    int64_t ns = timers_next_all_ns();
    if (ns < 0)
        return -1;
    /* Round up: waking a little late is fine, waking early spins. */
    int64_t ms = (ns + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* ------------------------------------------------------------------------ */
/* Bottom halves */

struct Bh {
    BhCb *cb;
    void *opaque;
    atomic_bool scheduled;
    bool deleted;           /* bql: freed during a dispatch, swept after */
    Bh *next;
};

static Bh *bh_list;         /* bql; new ones at the head */
static bool bh_garbage;     /* bql: some entry is marked deleted */

Bh *bh_new(BhCb *cb, void *opaque)
{
    Bh *bh = main_loop_alloc(sizeof(*bh));
    bh->cb = cb;
    bh->opaque = opaque;
    atomic_init(&bh->scheduled, false);
    bh->next = bh_list;
    bh_list = bh;
    return bh;
}

void bh_free(Bh *bh)
{
    if (!bh)
        return;
    if (dispatch_depth) {
        bh->deleted = true;
        atomic_store(&bh->scheduled, false);
        bh_garbage = true;
        return;
    }
    for (Bh **pp = &bh_list; *pp; pp = &(*pp)->next) {
        if (*pp == bh) {
            *pp = bh->next;
            break;
        }
    }
    free(bh);
}

void bh_schedule(Bh *bh)
{
    /* Only the thread that sets the flag needs to wake the loop. */
    if (!atomic_exchange(&bh->scheduled, true))
        main_loop_notify();
}

static bool bh_any_scheduled(void)
{
    for (Bh *b = bh_list; b; b = b->next)
        if (atomic_load_explicit(&b->scheduled, memory_order_relaxed))
            return true;
    return false;
}

static void bh_sweep(void)
{
    if (!bh_garbage || dispatch_depth)
        return;
    for (Bh **pp = &bh_list; *pp;) {
        Bh *b = *pp;
        if (b->deleted) {
            *pp = b->next;
            free(b);
        } else {
            pp = &b->next;
        }
    }
    bh_garbage = false;
}

static void bh_run_scheduled(void)
{
    dispatch_depth++;
    for (Bh *b = bh_list; b; b = b->next) {
        /* Clear before calling so the callback can schedule itself again. */
        if (!b->deleted && atomic_exchange(&b->scheduled, false))
            b->cb(b->opaque);
    }
    dispatch_depth--;
    bh_sweep();
}

/* ------------------------------------------------------------------------ */
/* File descriptor handlers */

typedef struct FdEntry {
    int fd;
    FdHandler *on_read, *on_write;
    void *opaque;
    bool deleted;
    struct FdEntry *next;
} FdEntry;

static FdEntry *fd_list;        /* bql */
static bool fd_garbage;

/* What the loop polls: [0] is the notify fd, then one per live entry. */
static struct pollfd *poll_fds;
static FdEntry **poll_entries;  /* poll_fds[i + 1] belongs to poll_entries[i] */
static size_t poll_cap;

static void fd_sweep(void)
{
    if (!fd_garbage || dispatch_depth)
        return;
    for (FdEntry **pp = &fd_list; *pp;) {
        FdEntry *e = *pp;
        if (e->deleted) {
            *pp = e->next;
            free(e);
        } else {
            pp = &e->next;
        }
    }
    fd_garbage = false;
}

static void fd_entry_delete(FdEntry *e)
{
    e->deleted = true;
    fd_garbage = true;
    fd_sweep();
}

void main_loop_set_fd_handler(int fd, FdHandler *on_read, FdHandler *on_write,
                              void *opaque)
{
    FdEntry *e;
    for (e = fd_list; e; e = e->next)
        if (e->fd == fd && !e->deleted)
            break;
    if (!on_read && !on_write) {
        if (e)
            fd_entry_delete(e);
    } else {
        /* A deleted entry is never revived: a dispatch in progress may
         * still hold revents that belonged to the old registration. */
        if (!e) {
            e = main_loop_alloc(sizeof(*e));
            e->fd = fd;
            e->next = fd_list;
            fd_list = e;
        }
        e->on_read = on_read;
        e->on_write = on_write;
        e->opaque = opaque;
    }
    /* The sleeping loop polls a snapshot of the table: make it rebuild. */
    if (loop_sleeping)
        main_loop_notify();
}

/* ------------------------------------------------------------------------ */
/* Notification */

void main_loop_notify(void)
{
    int fd = atomic_load_explicit(&notify_wfd, memory_order_relaxed);
    if (fd < 0)
        return;
    /* Async-signal-safe: no locks, no allocation, errno preserved. A full
     * pipe or saturated eventfd already means "wake up". */
    int saved = errno;
    uint64_t one = 1;
    ssize_t r = write(fd, &one, fd == notify_rfd ? sizeof(one) : 1);
    (void)r;
    errno = saved;
}

static void main_loop_drain_notify(void)
{
    int fd = notify_rfd;
    uint8_t buf[64];
    if (fd < 0)
        return;
    /* Both kinds are non-blocking; an eventfd empties in one read. */
    while (read(fd, buf, sizeof(buf)) > 0 && notify_rfd != notify_wfd)
        ;
}

int main_loop_init(void)
{
    if (notify_rfd >= 0)
        return 0;
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd >= 0) {
        notify_rfd = fd;
        notify_wfd = fd;
        return 0;
    }
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
        return -1;
    notify_rfd = p[0];
    notify_wfd = p[1];
    return 0;
}

void main_loop_cleanup(void)
{
    int r = notify_rfd, w = notify_wfd;
    notify_wfd = -1;
    notify_rfd = -1;
    if (w >= 0 && w != r)
        close(w);
    if (r >= 0)
        close(r);
    bool locked = bql_locked();
    if (!locked)
        bql_lock();
    while (fd_list) {
        FdEntry *e = fd_list;
        fd_list = e->next;
        free(e);
    }
    fd_garbage = false;
    bh_sweep();
    free(poll_fds);
    free(poll_entries);
    poll_fds = NULL;
    poll_entries = NULL;
    poll_cap = 0;
    if (!locked)
        bql_unlock();
}

/* ------------------------------------------------------------------------ */
/* One iteration */


static size_t main_loop_build_pollfds(void)
{
    size_t n = 0;
    for (FdEntry *e = fd_list; e; e = e->next)
        n++;
    if (n + 1 > poll_cap) {
        free(poll_fds);
        free(poll_entries);
        poll_cap = (n + 1) * 2;
        poll_fds = main_loop_alloc(poll_cap * sizeof(*poll_fds));
        poll_entries = main_loop_alloc(poll_cap * sizeof(*poll_entries));
    }
    poll_fds[0] = (struct pollfd){ .fd = notify_rfd, .events = POLLIN };
    n = 0;
    for (FdEntry *e = fd_list; e; e = e->next) {
        if (e->deleted)
            continue;
        short ev = (e->on_read ? POLLIN : 0) | (e->on_write ? POLLOUT : 0);
        poll_fds[n + 1] = (struct pollfd){ .fd = e->fd, .events = ev };
        poll_entries[n] = e;
        n++;
    }
    return n + 1;
}

static void main_loop_dispatch_fds(size_t nfds)
{
    dispatch_depth++;
    for (size_t i = 1; i < nfds; i++) {
        FdEntry *e = poll_entries[i - 1];
        short rev = poll_fds[i].revents;
        if (!rev || e->deleted)
            continue;
        if (rev & POLLNVAL) {
            /* Closed behind our back: polling it again would spin. */
            fprintf(stderr, "tandem: main loop: fd %d closed without removing its "
                    "handler; dropping it\n", e->fd);
            fd_entry_delete(e);
            continue;
        }
        /* Errors and hang-ups go to the reader, which sees EOF or the error. */
        if ((rev & (POLLIN | POLLHUP | POLLERR)) && e->on_read)
            e->on_read(e->opaque);
        /* The read handler may have removed or changed the entry. A
         * write-only watcher must hear of a hang-up too, or poll spins. */
        short wmask = POLLOUT | POLLERR | (e->on_read ? 0 : POLLHUP);
        if ((rev & wmask) && !e->deleted && e->on_write)
            e->on_write(e->opaque);
    }
    dispatch_depth--;
    fd_sweep();
}

void main_loop_wait(int timeout_ms)
{
    /* Accept callers holding the lock too; leave it as we found it. */
    bool had_lock = bql_locked();
    if (!had_lock)
        bql_lock();
    /* The poll snapshot is not re-entrant; callbacks must not nest a wait. */
    assert(!loop_sleeping && dispatch_depth == 0);

    size_t nfds = main_loop_build_pollfds();
    int64_t wait_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
    int64_t timer_ns = timers_next_all_ns();
    if (timer_ns >= 0 && (wait_ns < 0 || timer_ns < wait_ns))
        wait_ns = timer_ns;
    if (bh_any_scheduled())
        wait_ns = 0;
    for (int c = 0; c < CLK_COUNT; c++)
        wait_deadline[c] = timer_list[c] ? timer_list[c]->expire : INT64_MAX;
    loop_sleeping = true;
    bql_unlock();

    struct timespec ts, *tsp = NULL;
    if (wait_ns >= 0) {
        ts.tv_sec = wait_ns / NS_PER_SEC;
        ts.tv_nsec = wait_ns % NS_PER_SEC;
        tsp = &ts;
    }
    int r = ppoll(poll_fds, nfds, tsp, NULL);
    int poll_errno = errno;

    bql_lock();
    loop_sleeping = false;
    for (int c = 0; c < CLK_COUNT; c++)
        wait_deadline[c] = INT64_MIN;
    if (r < 0) {
        if (poll_errno != EINTR)
            fprintf(stderr, "tandem: main loop: ppoll: %s\n", strerror(poll_errno));
        nfds = 1;   /* revents are meaningless: skip fd dispatch */
    }
    if (r > 0 && poll_fds[0].revents)
        main_loop_drain_notify();
    if (r > 0)
        main_loop_dispatch_fds(nfds);
    bh_run_scheduled();
    timers_run_expired(CLK_REALTIME);
    timers_run_expired(CLK_VIRTUAL);
    /* Entries a bottom half or timer removed while others were dispatching. */
    fd_sweep();
    bh_sweep();
    if (!had_lock)
        bql_unlock();
}

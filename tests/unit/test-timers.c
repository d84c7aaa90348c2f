/* SPDX-License-Identifier: MIT */
/*
 * Main loop: timer ordering, re-arming and deleting from callbacks, the
 * virtual clock standing still while stopped, bottom halves, fd handlers,
 * and wake-ups from other threads and from a signal handler.
 *
 * Timing: nothing asserts how long a sleep took beyond lower bounds that
 * the kernel guarantees. Waits that must be woken use a 10 s timeout and
 * assert they returned within 5 s, so a loaded CI machine cannot fail them
 * but a missing wake-up always does.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "softmmu/main-loop.h"

#define WAKE_TIMEOUT_MS 10000
#define WAKE_LIMIT_MS 5000

static pthread_t main_thread;

static int64_t rt_ms(void)
{
    return clock_get_ns(CLK_REALTIME) / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0)
        ;
}

/* Run the loop until *flag becomes true or WAKE_LIMIT_MS pass. */
static bool loop_until(atomic_int *flag, int want)
{
    int64_t end = rt_ms() + WAKE_LIMIT_MS;
    while (atomic_load(flag) < want && rt_ms() < end)
        main_loop_wait(100);
    return atomic_load(flag) >= want;
}

/* ---- timers ------------------------------------------------------------ */

typedef struct Rec {
    char order[32];
    Timer *self;
    Timer *other;
    int count;
    bool bad_context;
    int64_t deadline;
    bool early;
} Rec;

typedef struct Tag {
    Rec *rec;
    char c;
} Tag;

static void check_context(Rec *r)
{
    if (!bql_locked() || !pthread_equal(pthread_self(), main_thread))
        r->bad_context = true;
}

static void tag_cb(void *opaque)
{
    Tag *t = opaque;
    size_t n = strlen(t->rec->order);
    check_context(t->rec);
    if (n + 1 < sizeof(t->rec->order))
        t->rec->order[n] = t->c;
}

static void test_timer_order(void)
{
    Rec r;
    memset(&r, 0, sizeof(r));
    Tag tags[5] = { { &r, 'A' }, { &r, 'B' }, { &r, 'C' }, { &r, 'D' }, { &r, 'E' } };
    Timer *t[5];
    for (int i = 0; i < 5; i++)
        t[i] = timer_new(CLK_REALTIME, tag_cb, &tags[i]);

    bql_lock();
    int64_t now = clock_get_ns(CLK_REALTIME);
    timer_mod(t[0], now - 3000);
    timer_mod(t[1], now - 1000);
    timer_mod(t[2], now - 2000);
    timer_mod(t[3], now - 2000);    /* same deadline as C: after it */
    timer_mod(t[4], now + 60 * NS_PER_SEC);
    CU_ASSERT_EQUAL(timer_expire_time(t[1]), now - 1000);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_STRING_EQUAL(r.order, "ACDB");
    CU_ASSERT_FALSE(timer_pending(t[0]));
    CU_ASSERT_EQUAL(timer_expire_time(t[0]), -1);
    CU_ASSERT_TRUE(timer_pending(t[4]));
    CU_ASSERT_EQUAL(timer_clock(t[4]), CLK_REALTIME);
    /* Realtime timers do not fire when the virtual clock's run. */
    timer_mod(t[0], now - 10);
    timers_run_expired(CLK_VIRTUAL);
    CU_ASSERT_STRING_EQUAL(r.order, "ACDB");
    CU_ASSERT_FALSE(r.bad_context);
    bql_unlock();
    for (int i = 0; i < 5; i++)
        timer_free(t[i]);
}

static void rearm_past_cb(void *opaque)
{
    Rec *r = opaque;
    r->count++;
    /* Long expired: must wait for the next run, not loop forever (the cap
     * only keeps a broken loop from hanging the test). */
    if (r->count < 100)
        timer_mod(r->self, 1);
}

static void delete_other_cb(void *opaque)
{
    Rec *r = opaque;
    r->count++;
    timer_del(r->other);
}

static void free_self_cb(void *opaque)
{
    Rec *r = opaque;
    r->count++;
    timer_free(r->self);
    r->self = NULL;
}

static void test_timer_rearm_from_callback(void)
{
    Rec r;
    memset(&r, 0, sizeof(r));
    r.self = timer_new(CLK_REALTIME, rearm_past_cb, &r);
    bql_lock();
    timer_mod(r.self, clock_get_ns(CLK_REALTIME) - 5);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(r.count, 1);
    CU_ASSERT_TRUE(timer_pending(r.self));
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(r.count, 2);
    timer_free(r.self);

    /* A callback deletes another timer that was due in the same run. */
    Rec d, o;
    memset(&d, 0, sizeof(d));
    memset(&o, 0, sizeof(o));
    Timer *td = timer_new(CLK_REALTIME, delete_other_cb, &d);
    Timer *to = timer_new(CLK_REALTIME, free_self_cb, &o);
    o.self = to;
    d.other = to;
    int64_t now = clock_get_ns(CLK_REALTIME);
    timer_mod(td, now - 20);
    timer_mod(to, now - 10);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(d.count, 1);
    CU_ASSERT_EQUAL(o.count, 0);
    CU_ASSERT_FALSE(timer_pending(to));

    /* A callback frees its own timer. */
    timer_mod(to, now - 10);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(o.count, 1);
    CU_ASSERT_PTR_NULL(o.self);
    timer_free(td);
    bql_unlock();
}

static void periodic_cb(void *opaque)
{
    Rec *r = opaque;
    int64_t now = clock_get_ns(CLK_REALTIME);
    check_context(r);
    if (now < r->deadline)
        r->early = true;
    r->count++;
    if (r->count < 5) {
        r->deadline = now + 2000000;
        timer_mod(r->self, r->deadline);
    }
}

static void test_timer_fires_from_loop(void)
{
    Rec r;
    memset(&r, 0, sizeof(r));
    r.self = timer_new(CLK_REALTIME, periodic_cb, &r);
    bql_lock();
    r.deadline = clock_get_ns(CLK_REALTIME) + 20000000;
    timer_mod(r.self, r.deadline);
    bql_unlock();
    int64_t end = rt_ms() + WAKE_LIMIT_MS;
    while (r.count < 5 && rt_ms() < end)
        main_loop_wait(WAKE_TIMEOUT_MS);    /* the timer bounds the wait */
    CU_ASSERT_EQUAL(r.count, 5);
    CU_ASSERT_FALSE(r.early);               /* never before its deadline */
    CU_ASSERT_FALSE(r.bad_context);
    CU_ASSERT_FALSE(timer_pending(r.self));
    timer_free(r.self);
}

static void count_cb(void *opaque)
{
    (*(atomic_int *)opaque)++;
}

static void test_timer_delete(void)
{
    atomic_int fired = 0;
    Timer *t = timer_new(CLK_REALTIME, count_cb, &fired);
    bql_lock();
    int64_t now = clock_get_ns(CLK_REALTIME);
    timer_del(t);                   /* not pending: harmless */
    timer_mod(t, now - 1);
    CU_ASSERT_TRUE(timer_pending(t));
    timer_del(t);
    CU_ASSERT_FALSE(timer_pending(t));
    CU_ASSERT_EQUAL(timer_expire_time(t), -1);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(fired, 0);

    /* Re-arming moves the timer: it fires once, at the later deadline. */
    timer_mod(t, now - 1);
    timer_mod(t, now + 60 * NS_PER_SEC);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(fired, 0);
    timer_mod(t, now - 1);
    timers_run_expired(CLK_REALTIME);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(fired, 1);
    /* Freeing a pending timer unlinks it. */
    timer_mod(t, now - 1);
    timer_free(t);
    timers_run_expired(CLK_REALTIME);
    CU_ASSERT_EQUAL(fired, 1);
    bql_unlock();
}

static void test_timer_next_timeout(void)
{
    atomic_int fired = 0;
    Timer *t = timer_new(CLK_REALTIME, count_cb, &fired);
    bql_lock();
    CU_ASSERT_EQUAL(timers_next_timeout_ms(), -1);
    timer_mod(t, clock_get_ns(CLK_REALTIME) + 10 * NS_PER_SEC);
    int ms = timers_next_timeout_ms();
    CU_ASSERT(ms > 5000 && ms <= 10000);
    timer_mod(t, clock_get_ns(CLK_REALTIME) - NS_PER_SEC);
    CU_ASSERT_EQUAL(timers_next_timeout_ms(), 0);
    timer_free(t);
    CU_ASSERT_EQUAL(timers_next_timeout_ms(), -1);
    bql_unlock();
}

/* ---- clocks --------------------------------------------------------------- */

static void test_clock_realtime_moves(void)
{
    int64_t r1 = clock_get_ns(CLK_REALTIME);
    int64_t v1 = clock_get_ns(CLK_VIRTUAL);
    sleep_ms(5);
    int64_t r2 = clock_get_ns(CLK_REALTIME);
    int64_t v2 = clock_get_ns(CLK_VIRTUAL);
    CU_ASSERT_TRUE(clock_virtual_running());
    CU_ASSERT(r2 - r1 >= 5000000);
    CU_ASSERT(v2 - v1 >= 5000000);  /* running: it keeps pace */
}

static void virt_cb(void *opaque)
{
    Rec *r = opaque;
    check_context(r);
    if (clock_get_ns(CLK_VIRTUAL) < r->deadline)
        r->early = true;
    r->count++;
}

static void test_clock_virtual_stopped(void)
{
    Rec r;
    memset(&r, 0, sizeof(r));
    Timer *t = timer_new(CLK_VIRTUAL, virt_cb, &r);

    int64_t r0 = clock_get_ns(CLK_REALTIME);
    int64_t v0 = clock_get_ns(CLK_VIRTUAL);
    clock_virtual_stop();
    clock_virtual_stop();               /* idempotent */
    CU_ASSERT_FALSE(clock_virtual_running());
    int64_t v1 = clock_get_ns(CLK_VIRTUAL);

    /* 'due' is already expired in guest time, yet must wait for resume. */
    Rec rd;
    memset(&rd, 0, sizeof(rd));
    Timer *due = timer_new(CLK_VIRTUAL, virt_cb, &rd);
    bql_lock();
    r.deadline = v1 + 1000000;          /* 1 ms of guest time */
    timer_mod(t, r.deadline);
    rd.deadline = v1 - 1000;
    timer_mod(due, rd.deadline);
    CU_ASSERT_EQUAL(timers_next_timeout_ms(), -1);  /* cannot come while stopped */
    bql_unlock();

    main_loop_wait(30);
    sleep_ms(20);
    main_loop_wait(0);
    bql_lock();
    timers_run_expired(CLK_VIRTUAL);
    bql_unlock();
    CU_ASSERT_EQUAL(clock_get_ns(CLK_VIRTUAL), v1);  /* stood still */
    CU_ASSERT_EQUAL(r.count, 0);
    CU_ASSERT_EQUAL(rd.count, 0);
    CU_ASSERT_TRUE(timer_pending(t));
    CU_ASSERT_TRUE(timer_pending(due));

    clock_virtual_start();
    clock_virtual_start();              /* idempotent */
    CU_ASSERT_TRUE(clock_virtual_running());
    int64_t end = rt_ms() + WAKE_LIMIT_MS;
    while (r.count == 0 && rt_ms() < end)
        main_loop_wait(WAKE_TIMEOUT_MS);
    CU_ASSERT_EQUAL(r.count, 1);
    CU_ASSERT_EQUAL(rd.count, 1);
    CU_ASSERT_FALSE(r.early);
    CU_ASSERT_FALSE(r.bad_context);
    timer_free(due);

    /* The pause (at least the 20 ms slept) is missing from guest time. */
    int64_t r3 = clock_get_ns(CLK_REALTIME);
    int64_t v3 = clock_get_ns(CLK_VIRTUAL);
    CU_ASSERT(v3 >= v1);
    CU_ASSERT((r3 - r0) - (v3 - v0) >= 20000000);
    timer_free(t);
}

/* ---- bottom halves -------------------------------------------------------- */

typedef struct BhRec {
    atomic_int count;
    bool bad_context;
    Bh *self;
    Bh *victim;
    atomic_int victim_count;
} BhRec;

static void bh_cb(void *opaque)
{
    BhRec *b = opaque;
    if (!bql_locked() || !pthread_equal(pthread_self(), main_thread))
        b->bad_context = true;
    b->count++;
}

static void *schedule_later(void *opaque)
{
    sleep_ms(30);
    bh_schedule(opaque);
    return NULL;
}

static void test_bh_from_thread(void)
{
    BhRec b;
    memset(&b, 0, sizeof(b));
    Bh *bh = bh_new(bh_cb, &b);
    main_loop_wait(0);
    CU_ASSERT_EQUAL(b.count, 0);        /* not scheduled: not run */

    pthread_t th;
    int64_t t0 = rt_ms();
    pthread_create(&th, NULL, schedule_later, bh);
    while (b.count == 0 && rt_ms() - t0 < WAKE_LIMIT_MS)
        main_loop_wait(WAKE_TIMEOUT_MS);
    int64_t elapsed = rt_ms() - t0;
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(b.count, 1);
    CU_ASSERT(elapsed < WAKE_LIMIT_MS);
    CU_ASSERT_FALSE(b.bad_context);

    bql_lock();
    bh_free(bh);
    bql_unlock();
}

static void bh_resched_cb(void *opaque)
{
    BhRec *b = opaque;
    b->count++;
    if (b->count < 3)
        bh_schedule(b->self);
}

static void bh_free_victim_cb(void *opaque)
{
    BhRec *b = opaque;
    b->count++;
    bh_free(b->victim);
    b->victim = NULL;
}

static void bh_free_self_cb(void *opaque)
{
    BhRec *b = opaque;
    b->count++;
    bh_free(b->self);
    b->self = NULL;
}

static void victim_cb(void *opaque)
{
    ((BhRec *)opaque)->victim_count++;
}

static void test_bh_batches(void)
{
    BhRec b;
    memset(&b, 0, sizeof(b));
    Bh *bh = bh_new(bh_cb, &b);
    bh_schedule(bh);
    bh_schedule(bh);
    bh_schedule(bh);
    main_loop_wait(0);
    CU_ASSERT_EQUAL(b.count, 1);        /* once per batch */
    main_loop_wait(0);
    CU_ASSERT_EQUAL(b.count, 1);

    /* Rescheduling from the callback runs again in a later iteration. */
    BhRec r;
    memset(&r, 0, sizeof(r));
    r.self = bh_new(bh_resched_cb, &r);
    bh_schedule(r.self);
    main_loop_wait(0);
    CU_ASSERT_EQUAL(r.count, 1);
    int64_t t0 = rt_ms();
    while (r.count < 3 && rt_ms() - t0 < WAKE_LIMIT_MS)
        main_loop_wait(WAKE_TIMEOUT_MS);
    CU_ASSERT_EQUAL(r.count, 3);

    /* One bottom half frees another that is scheduled in the same batch,
     * in either list order: the victim never runs and nothing is used
     * after being freed. */
    for (int order = 0; order < 2; order++) {
        BhRec k;
        memset(&k, 0, sizeof(k));
        Bh *killer = NULL, *victim;
        if (order)
            killer = bh_new(bh_free_victim_cb, &k);
        victim = bh_new(victim_cb, &k);
        if (!order)
            killer = bh_new(bh_free_victim_cb, &k);
        k.victim = victim;
        bh_schedule(killer);
        bh_schedule(victim);
        main_loop_wait(0);
        CU_ASSERT_EQUAL(k.count, 1);
        CU_ASSERT_PTR_NULL(k.victim);
        /* Run before the killer in list order it may have; after, never. */
        CU_ASSERT(k.victim_count <= 1);
        if (order == 0)
            CU_ASSERT_EQUAL(k.victim_count, 0);
        main_loop_wait(0);
        bql_lock();
        bh_free(killer);
        bql_unlock();
    }

    /* A bottom half frees itself from its own callback. */
    BhRec f;
    memset(&f, 0, sizeof(f));
    Bh *other = bh_new(bh_cb, &b);
    f.self = bh_new(bh_free_self_cb, &f);
    Bh *third = bh_new(bh_cb, &b);
    bh_schedule(other);
    bh_schedule(f.self);
    bh_schedule(third);
    main_loop_wait(0);
    CU_ASSERT_EQUAL(f.count, 1);
    CU_ASSERT_PTR_NULL(f.self);
    CU_ASSERT_EQUAL(b.count, 3);        /* both neighbours still ran */

    bql_lock();
    bh_free(other);
    bh_free(third);
    bh_free(bh);
    bh_free(r.self);
    bql_unlock();
}

/* ---- fd handlers ---------------------------------------------------------- */

typedef struct FdRec {
    int fd;
    atomic_int reads;
    atomic_int writes;
    char last;
    bool remove_self;
    int remove_other;       /* another fd to unregister, or -1 */
    bool bad_context;
} FdRec;

static void fd_read_cb(void *opaque)
{
    FdRec *f = opaque;
    char c;
    if (!bql_locked())
        f->bad_context = true;
    if (read(f->fd, &c, 1) == 1)
        f->last = c;
    f->reads++;
    if (f->remove_self)
        main_loop_set_fd_handler(f->fd, NULL, NULL, NULL);
    if (f->remove_other >= 0)
        main_loop_set_fd_handler(f->remove_other, NULL, NULL, NULL);
}

static void fd_write_cb(void *opaque)
{
    FdRec *f = opaque;
    f->writes++;
    main_loop_set_fd_handler(f->fd, NULL, NULL, NULL);
}

static void test_fd_handler_pipe(void)
{
    int p[2], q[2];
    CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(q), 0);
    FdRec a, b, w;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&w, 0, sizeof(w));
    a.fd = p[0];
    b.fd = q[0];
    w.fd = q[1];
    a.remove_other = b.remove_other = w.remove_other = -1;

    bql_lock();
    main_loop_set_fd_handler(p[0], fd_read_cb, NULL, &a);
    bql_unlock();
    main_loop_wait(0);
    CU_ASSERT_EQUAL(a.reads, 0);        /* nothing to read yet */

    CU_ASSERT_EQUAL(write(p[1], "x", 1), 1);
    CU_ASSERT_TRUE(loop_until(&a.reads, 1));
    CU_ASSERT_EQUAL(a.last, 'x');
    CU_ASSERT_FALSE(a.bad_context);

    /* Removed: data stays unread and the handler is not called. */
    bql_lock();
    main_loop_set_fd_handler(p[0], NULL, NULL, NULL);
    bql_unlock();
    CU_ASSERT_EQUAL(write(p[1], "y", 1), 1);
    main_loop_wait(20);
    CU_ASSERT_EQUAL(a.reads, 1);

    /* Two fds ready in the same poll; whichever handler runs first
     * removes both, so the other must not run (nor be touched after it
     * was freed). */
    a.remove_self = b.remove_self = true;
    a.remove_other = q[0];
    b.remove_other = p[0];
    bql_lock();
    main_loop_set_fd_handler(p[0], fd_read_cb, NULL, &a);   /* 'y' is waiting */
    main_loop_set_fd_handler(q[0], fd_read_cb, NULL, &b);
    bql_unlock();
    CU_ASSERT_EQUAL(write(q[1], "z", 1), 1);
    int64_t end = rt_ms() + WAKE_LIMIT_MS;
    while (a.reads + b.reads < 2 && rt_ms() < end)
        main_loop_wait(100);
    CU_ASSERT_EQUAL(a.reads + b.reads, 2);  /* a's earlier read plus one */
    CU_ASSERT_EQUAL(write(p[1], "w", 1), 1);
    CU_ASSERT_EQUAL(write(q[1], "v", 1), 1);
    main_loop_wait(20);
    main_loop_wait(20);
    CU_ASSERT_EQUAL(a.reads + b.reads, 2);
    CU_ASSERT_FALSE(b.bad_context);

    /* A write handler on a pipe with room fires. */
    bql_lock();
    main_loop_set_fd_handler(q[1], NULL, fd_write_cb, &w);
    bql_unlock();
    CU_ASSERT_TRUE(loop_until(&w.writes, 1));
    main_loop_wait(10);
    CU_ASSERT_EQUAL(w.writes, 1);       /* removed itself */

    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

/* ---- wake-ups from other threads ------------------------------------------ */

static void *notify_later(void *opaque)
{
    sleep_ms(30);
    main_loop_notify();
    return NULL;
}

static void test_notify_from_thread(void)
{
    main_loop_wait(0);                  /* consume stale notifications */
    /* Without a wake-up the loop really waits (a lower bound only). */
    int64_t t0 = rt_ms();
    main_loop_wait(40);
    CU_ASSERT(rt_ms() - t0 >= 39);

    pthread_t th;
    t0 = rt_ms();
    pthread_create(&th, NULL, notify_later, NULL);
    main_loop_wait(WAKE_TIMEOUT_MS);
    int64_t elapsed = rt_ms() - t0;
    pthread_join(th, NULL);
    CU_ASSERT(elapsed < WAKE_LIMIT_MS);
}

static void on_sigusr1(int sig)
{
    main_loop_notify();
}

static void *raise_later(void *opaque)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    sleep_ms(30);
    raise(SIGUSR1);     /* handled on this thread: only the notify wakes main */
    return NULL;
}

static void test_notify_from_signal(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, &old);
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    /* Keep the signal off the main thread, so ppoll is not just EINTR'd. */
    pthread_sigmask(SIG_BLOCK, &block, &saved);

    main_loop_wait(0);
    pthread_t th;
    int64_t t0 = rt_ms();
    pthread_create(&th, NULL, raise_later, NULL);
    main_loop_wait(WAKE_TIMEOUT_MS);
    int64_t elapsed = rt_ms() - t0;
    pthread_join(th, NULL);
    CU_ASSERT(elapsed < WAKE_LIMIT_MS);

    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    sigaction(SIGUSR1, &old, NULL);
}

typedef struct ArmArg {
    Timer *t;
} ArmArg;

static void *arm_later(void *opaque)
{
    ArmArg *a = opaque;
    sleep_ms(30);
    bql_lock();
    timer_mod(a->t, clock_get_ns(CLK_REALTIME));
    bql_unlock();
    return NULL;
}

static void test_timer_mod_from_thread_wakes(void)
{
    atomic_int fired = 0;
    Timer *far = timer_new(CLK_REALTIME, count_cb, &fired);
    ArmArg a = { timer_new(CLK_REALTIME, count_cb, &fired) };
    bql_lock();
    /* The loop would otherwise sleep until this one, a minute away. */
    timer_mod(far, clock_get_ns(CLK_REALTIME) + 60 * NS_PER_SEC);
    bql_unlock();
    main_loop_wait(0);

    pthread_t th;
    int64_t t0 = rt_ms();
    pthread_create(&th, NULL, arm_later, &a);
    while (fired == 0 && rt_ms() - t0 < WAKE_LIMIT_MS)
        main_loop_wait(WAKE_TIMEOUT_MS);
    int64_t elapsed = rt_ms() - t0;
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(fired, 1);
    CU_ASSERT(elapsed < WAKE_LIMIT_MS);
    CU_ASSERT_TRUE(timer_pending(far));
    bql_lock();
    timer_free(far);
    timer_free(a.t);
    bql_unlock();
}

/* ---- the big lock --------------------------------------------------------- */

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool cond_flag;
static atomic_bool other_saw_locked;

static void *lock_helper(void *opaque)
{
    other_saw_locked = bql_locked();    /* main holds it, but not us */
    bql_lock();                         /* possible only once main waits */
    cond_flag = true;
    pthread_cond_signal(&cond);
    bql_unlock();
    return NULL;
}

static void test_bql(void)
{
    CU_ASSERT_FALSE(bql_locked());
    bql_lock();
    CU_ASSERT_TRUE(bql_locked());
    other_saw_locked = true;
    cond_flag = false;
    pthread_t th;
    pthread_create(&th, NULL, lock_helper, NULL);
    while (!cond_flag)
        bql_cond_wait(&cond);
    CU_ASSERT_TRUE(bql_locked());       /* retaken after the wait */
    bql_unlock();
    pthread_join(th, NULL);
    CU_ASSERT_FALSE(other_saw_locked);
    CU_ASSERT_FALSE(bql_locked());
}

/* ---- registration --------------------------------------------------------- */

static int suite_init(void)
{
    main_thread = pthread_self();
    return main_loop_init();
}

static int suite_clean(void)
{
    main_loop_cleanup();
    return 0;
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "order", test_timer_order },
        { "rearm_from_callback", test_timer_rearm_from_callback },
        { "fires_from_loop", test_timer_fires_from_loop },
        { "delete", test_timer_delete },
        { "next_timeout", test_timer_next_timeout },
        { "realtime_moves", test_clock_realtime_moves },
        { "virtual_stopped", test_clock_virtual_stopped },
        { "bh_from_thread", test_bh_from_thread },
        { "bh_batches", test_bh_batches },
        { "fd_handler_pipe", test_fd_handler_pipe },
        { "notify_from_thread", test_notify_from_thread },
        { "notify_from_signal", test_notify_from_signal },
        { "timer_mod_from_thread", test_timer_mod_from_thread_wakes },
        { "bql", test_bql },
        { NULL, NULL }
    };
    unit_add_suite("main-loop", suite_init, suite_clean, tests);
}

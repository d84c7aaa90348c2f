/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the memory API (softmmu/memory.c), the flat view side:
 * flattening (priorities, nesting, aliases, enable/move, transactions),
 * lookup, listeners, and view lifetimes (reference counts, a reader running
 * while the tree changes). Accesses, dirty tracking, DMA and RAM setup are
 * in test-memory-access.c; the test device both use is in test-memory.h.
 *
 * Each test builds its own small tree from regions on its stack and tears it
 * down, so tests do not depend on each other.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "softmmu/memory.h"
#include "tests/unit/test-memory.h"
#include "tests/unit/unit.h"

static size_t view_nr(AddressSpace *as)
{
    FlatView *v = as_get_view(as);
    size_t n = v->nr;
    flatview_unref(v);
    return n;
}

/* ---- listener recorder -------------------------------------------------- */

typedef struct TestListener {
    MemoryListener l;
    char log[1024];
    unsigned commits;
} TestListener;

static void tl_append(TestListener *t, const char *what, const FlatRange *fr)
{
    size_t n = strlen(t->log);
    snprintf(t->log + n, sizeof(t->log) - n, "%s %s %" PRIx64 "+%" PRIx64 "@%" PRIx64 "; ",
             what, fr->mr->name, fr->start, fr->size, fr->offset);
}

static void tl_add(MemoryListener *l, const FlatRange *fr)
{
    tl_append((TestListener *)l, "add", fr);
}

static void tl_del(MemoryListener *l, const FlatRange *fr)
{
    tl_append((TestListener *)l, "del", fr);
}

static void tl_commit(MemoryListener *l, FlatView *view)
{
    TestListener *t = (TestListener *)l;
    t->commits++;
    size_t n = strlen(t->log);
    snprintf(t->log + n, sizeof(t->log) - n, "commit%zu; ", view->nr);
}

static void tl_init(TestListener *t)
{
    memset(t, 0, sizeof(*t));
    t->l.region_add = tl_add;
    t->l.region_del = tl_del;
    t->l.commit = tl_commit;
}

/* ---- flattening ----------------------------------------------------------- */

static void test_overlap_priority(void)
{
    MemoryRegion root, ram, low, b, c;
    TestDev db, dc, dl;
    AddressSpace as;
    testdev_reset(&db, 0x10);
    testdev_reset(&dc, 0x20);
    testdev_reset(&dl, 0x30);
    mr_init_container(&root, "root", 0x10000);
    ram_init_ok(&ram, "ram", 0x4000);
    mr_init_io(&b, "b", &ops_any, &db, 0x1000);
    mr_init_io(&c, "c", &ops_any, &dc, 0x1000);
    mr_init_io(&low, "low", &ops_any, &dl, 0x8000);
    as_init(&as, &root, "sys");

    mr_add_subregion(&root, 0, &ram);
    mr_add_subregion_overlap(&root, 0x1000, &b, 1);
    mr_add_subregion_overlap(&root, 0x1800, &c, 1);    /* tie: added last wins */
    mr_add_subregion_overlap(&root, 0, &low, -1);      /* only fills gaps */

    CU_ASSERT_EQUAL(view_nr(&as), 5);
    check_range(&as, 0, 0x0000, 0x1000, &ram, 0);
    check_range(&as, 1, 0x1000, 0x0800, &b, 0);
    check_range(&as, 2, 0x1800, 0x1000, &c, 0);
    check_range(&as, 3, 0x2800, 0x1800, &ram, 0x2800);
    check_range(&as, 4, 0x4000, 0x4000, &low, 0x4000);

    /* The same tie resolved the other way when b is re-added after c. */
    mr_del_subregion(&root, &b);
    mr_add_subregion_overlap(&root, 0x1000, &b, 1);
    check_range(&as, 1, 0x1000, 0x1000, &b, 0);
    check_range(&as, 2, 0x2000, 0x0800, &c, 0x800);

    /* A higher priority beats a later insertion. */
    mr_del_subregion(&root, &c);
    mr_add_subregion_overlap(&root, 0x1800, &c, 0);
    check_range(&as, 1, 0x1000, 0x1000, &b, 0);
    check_range(&as, 2, 0x2000, 0x0800, &c, 0x800);

    CU_ASSERT_EQUAL(as_ld(&as, 0x2000, 1, NULL), (uint8_t)(0x20 + 0x800));
    CU_ASSERT_EQUAL(as_ld(&as, 0x1fff, 1, NULL), (uint8_t)(0x10 + 0xfff));

    as_destroy(&as);
    mr_destroy(&ram);
    mr_destroy(&b);
    mr_destroy(&c);
    mr_destroy(&low);
    mr_destroy(&root);
}

static void test_nested_containers(void)
{
    MemoryRegion root, x, y, r, io;
    TestDev d;
    AddressSpace as;
    testdev_reset(&d, 0);
    mr_init_container(&root, "root", 1ull << 32);
    mr_init_container(&x, "x", 0x10000);
    mr_init_container(&y, "y", 0x2000);
    ram_init_ok(&r, "r", 0x4000);
    mr_init_io(&io, "io", &ops_any, &d, 0x100);
    mr_add_subregion(&y, 0x800, &r);        /* clipped by y to 0x1800 bytes */
    mr_add_subregion(&x, 0x1000, &y);
    mr_add_subregion(&x, 0xff80, &io);      /* clipped by x to 0x80 bytes */
    mr_add_subregion(&root, 0x10000, &x);
    as_init(&as, &root, "sys");

    CU_ASSERT_EQUAL(view_nr(&as), 2);
    check_range(&as, 0, 0x11800, 0x1800, &r, 0);
    check_range(&as, 1, 0x1ff80, 0x80, &io, 0);

    CU_ASSERT_EQUAL(as_st(&as, 0x11804, 4, 0xdeadbeef), MEMTX_OK);
    CU_ASSERT_EQUAL(*(uint32_t *)(mr_ram_ptr(&r) + 4), 0xdeadbeef);
    CU_ASSERT_EQUAL(as_ld(&as, 0x11804, 4, NULL), 0xdeadbeef);

    /* Moving the middle container moves everything inside it. */
    mr_set_address(&y, 0x3000);
    check_range(&as, 0, 0x13800, 0x1800, &r, 0);

    as_destroy(&as);
    mr_destroy(&io);
    mr_destroy(&r);
    mr_destroy(&y);
    mr_destroy(&x);
    mr_destroy(&root);
}

static void test_alias(void)
{
    MemoryRegion root, ram, al, box, i1, i2, boxal;
    TestDev d1, d2;
    AddressSpace as;
    testdev_reset(&d1, 0x40);
    testdev_reset(&d2, 0x80);
    mr_init_container(&root, "root", 0x100000);
    ram_init_ok(&ram, "ram", 0x4000);
    mr_init_alias(&al, "al", &ram, 0x1000, 0x2000);
    mr_add_subregion(&root, 0, &ram);
    mr_add_subregion(&root, 0x8000, &al);
    as_init(&as, &root, "sys");

    CU_ASSERT_EQUAL(view_nr(&as), 2);
    check_range(&as, 0, 0, 0x4000, &ram, 0);
    check_range(&as, 1, 0x8000, 0x2000, &ram, 0x1000);

    /* Both windows see the same bytes. */
    as_st(&as, 0x8010, 2, 0x1234);
    CU_ASSERT_EQUAL(as_ld(&as, 0x1010, 2, NULL), 0x1234);

    /* Changing the offset re-points the window; past the target is clipped. */
    mr_set_alias_offset(&al, 0x3000);
    check_range(&as, 1, 0x8000, 0x1000, &ram, 0x3000);
    CU_ASSERT_EQUAL(view_nr(&as), 2);

    /* Touching ranges of one leaf merge only if their offsets are contiguous. */
    MemoryRegion a1, a2;
    mr_init_alias(&a1, "a1", &ram, 0, 0x1000);
    mr_init_alias(&a2, "a2", &ram, 0x1000, 0x1000);
    mr_add_subregion(&root, 0x40000, &a1);
    mr_add_subregion(&root, 0x41000, &a2);
    CU_ASSERT_EQUAL(view_nr(&as), 3);
    check_range(&as, 2, 0x40000, 0x2000, &ram, 0);
    mr_set_alias_offset(&a2, 0);
    CU_ASSERT_EQUAL(view_nr(&as), 4);
    check_range(&as, 2, 0x40000, 0x1000, &ram, 0);
    check_range(&as, 3, 0x41000, 0x1000, &ram, 0);
    mr_ram_ptr(&ram)[0x10] = 0x77;
    CU_ASSERT_EQUAL(as_ld(&as, 0x41010, 1, NULL), 0x77);
    CU_ASSERT_EQUAL(as_ld(&as, 0x40010, 1, NULL), 0x77);
    mr_del_subregion(&root, &a1);
    mr_del_subregion(&root, &a2);
    mr_destroy(&a1);
    mr_destroy(&a2);

    /* An alias of a container shows its children, shifted. */
    mr_init_container(&box, "box", 0x1000);
    mr_init_io(&i1, "i1", &ops_any, &d1, 0x100);
    mr_init_io(&i2, "i2", &ops_any, &d2, 0x100);
    mr_add_subregion(&box, 0x100, &i1);
    mr_add_subregion(&box, 0x300, &i2);
    mr_init_alias(&boxal, "boxal", &box, 0x180, 0x400);
    mr_add_subregion(&root, 0x20000, &boxal);
    CU_ASSERT_EQUAL(view_nr(&as), 4);
    check_range(&as, 2, 0x20000, 0x80, &i1, 0x80);
    check_range(&as, 3, 0x20180, 0x100, &i2, 0);
    CU_ASSERT_EQUAL(as_ld(&as, 0x20181, 1, NULL), 0x81);
    CU_ASSERT_EQUAL(as_ld(&as, 0x20002, 1, NULL), 0x40 + 0x82);

    /* Disabling the target hides it through the alias too. */
    mr_set_enabled(&i2, false);
    CU_ASSERT_EQUAL(view_nr(&as), 3);

    as_destroy(&as);
    mr_destroy(&boxal);
    mr_destroy(&i1);
    mr_destroy(&i2);
    mr_destroy(&box);
    mr_destroy(&al);
    mr_destroy(&ram);
    mr_destroy(&root);
}

static void test_alias_cycle_terminates(void)
{
    MemoryRegion root, a;
    AddressSpace as;
    mr_init_container(&root, "root", 0x1000);
    mr_init_alias(&a, "loop", &root, 0, 0x1000);
    as_init(&as, &root, "sys");
    mr_add_subregion(&root, 0, &a);     /* a board bug; must not hang */
    CU_ASSERT_EQUAL(view_nr(&as), 0);
    mr_del_subregion(&root, &a);
    as_destroy(&as);
    mr_destroy(&a);
    mr_destroy(&root);
}

static void test_enable_move(void)
{
    MemoryRegion root, ram, io;
    TestDev d;
    AddressSpace as;
    testdev_reset(&d, 0);
    mr_init_container(&root, "root", 0x10000);
    ram_init_ok(&ram, "ram", 0x8000);
    mr_init_io(&io, "io", &ops_any, &d, 0x1000);
    mr_add_subregion(&root, 0, &ram);
    mr_add_subregion_overlap(&root, 0x2000, &io, 1);
    as_init(&as, &root, "sys");
    CU_ASSERT_EQUAL(view_nr(&as), 3);

    mr_set_enabled(&io, false);
    CU_ASSERT_EQUAL(view_nr(&as), 1);
    check_range(&as, 0, 0, 0x8000, &ram, 0);

    mr_set_enabled(&io, true);
    mr_set_address(&io, 0x7800);        /* half over RAM, half over nothing */
    CU_ASSERT_EQUAL(view_nr(&as), 2);
    check_range(&as, 0, 0, 0x7800, &ram, 0);
    check_range(&as, 1, 0x7800, 0x1000, &io, 0);

    mr_set_address(&io, 0xf800);        /* clipped by the root */
    check_range(&as, 1, 0xf800, 0x800, &io, 0);

    as_destroy(&as);
    mr_destroy(&io);
    mr_destroy(&ram);
    mr_destroy(&root);
}

static void test_transactions(void)
{
    MemoryRegion root, r1, r2;
    AddressSpace as;
    TestListener t;
    mr_init_container(&root, "root", 0x100000);
    ram_init_ok(&r1, "r1", 0x1000);
    ram_init_ok(&r2, "r2", 0x1000);
    as_init(&as, &root, "sys");
    tl_init(&t);
    as_add_listener(&as, &t.l);
    CU_ASSERT_EQUAL(t.commits, 1);      /* the replay */

    FlatView *before = as_get_view(&as);
    mr_transaction_begin();
    mr_add_subregion(&root, 0, &r1);
    mr_transaction_begin();             /* nested */
    mr_add_subregion(&root, 0x1000, &r2);
    mr_set_address(&r2, 0x4000);
    mr_transaction_commit();
    FlatView *mid = as_get_view(&as);
    CU_ASSERT_PTR_EQUAL(mid, before);   /* nothing rebuilt yet */
    CU_ASSERT_EQUAL(t.commits, 1);
    flatview_unref(mid);
    mr_transaction_commit();
    CU_ASSERT_EQUAL(t.commits, 2);      /* one rebuild for three edits */
    CU_ASSERT_EQUAL(view_nr(&as), 2);
    check_range(&as, 1, 0x4000, 0x1000, &r2, 0);
    CU_ASSERT_STRING_EQUAL(t.log, "commit0; add r1 0+1000@0; add r2 4000+1000@0; commit2; ");
    flatview_unref(before);

    /* Outside a transaction each edit rebuilds... */
    FlatView *v0 = as_get_view(&as);
    mr_set_enabled(&r1, false);
    mr_set_enabled(&r1, true);
    CU_ASSERT_EQUAL(t.commits, 4);
    FlatView *v1 = as_get_view(&as);
    CU_ASSERT_PTR_NOT_EQUAL(v0, v1);
    /* ...but a batch that changes nothing visible publishes nothing. */
    mr_transaction_begin();
    mr_set_enabled(&r2, false);
    mr_set_enabled(&r2, true);
    mr_transaction_commit();
    FlatView *v2 = as_get_view(&as);
    CU_ASSERT_EQUAL(t.commits, 4);
    CU_ASSERT_PTR_EQUAL(v1, v2);
    flatview_unref(v0);
    flatview_unref(v1);
    flatview_unref(v2);

    as_remove_listener(&as, &t.l);
    as_destroy(&as);
    mr_destroy(&r1);
    mr_destroy(&r2);
    mr_destroy(&root);
}

static void test_lookup(void)
{
    MemoryRegion root, r1, r2;
    AddressSpace as;
    mr_init_container(&root, "root", 0x100000);
    ram_init_ok(&r1, "r1", 0x1000);
    ram_init_ok(&r2, "r2", 0x1000);
    mr_add_subregion(&root, 0x1000, &r1);
    mr_add_subregion(&root, 0x3000, &r2);
    as_init(&as, &root, "sys");
    FlatView *v = as_get_view(&as);
    CU_ASSERT_PTR_NULL(flatview_lookup(v, 0));
    CU_ASSERT_PTR_NULL(flatview_lookup(v, 0xfff));
    CU_ASSERT_PTR_EQUAL(flatview_lookup(v, 0x1000)->mr, &r1);
    CU_ASSERT_PTR_EQUAL(flatview_lookup(v, 0x1fff)->mr, &r1);
    CU_ASSERT_PTR_NULL(flatview_lookup(v, 0x2000));
    CU_ASSERT_PTR_EQUAL(flatview_lookup(v, 0x3abc)->mr, &r2);
    CU_ASSERT_PTR_NULL(flatview_lookup(v, 0x4000));
    CU_ASSERT_PTR_NULL(flatview_lookup(v, UINT64_MAX));
    flatview_unref(v);
    as_destroy(&as);
    mr_destroy(&r1);
    mr_destroy(&r2);
    mr_destroy(&root);
}

/* ---- listeners ------------------------------------------------------------ */

static void test_listeners(void)
{
    MemoryRegion root, ram, io, io2;
    TestDev d;
    AddressSpace as;
    TestListener t;
    testdev_reset(&d, 0);
    mr_init_container(&root, "root", 0x100000);
    ram_init_ok(&ram, "ram", 0x10000);
    mr_init_io(&io, "io", &ops_any, &d, 0x1000);
    mr_init_io(&io2, "io2", &ops_any, &d, 0x1000);
    mr_add_subregion(&root, 0, &ram);
    mr_add_subregion(&root, 0x20000, &io2);
    as_init(&as, &root, "sys");

    tl_init(&t);
    as_add_listener(&as, &t.l);
    CU_ASSERT_STRING_EQUAL(t.log, "add ram 0+10000@0; add io2 20000+1000@0; commit2; ");

    /* Punching a hole splits the RAM range: one del, three adds. */
    t.log[0] = 0;
    mr_add_subregion_overlap(&root, 0x8000, &io, 1);
    CU_ASSERT_STRING_EQUAL(t.log, "del ram 0+10000@0; add ram 0+8000@0; "
                           "add io 8000+1000@0; add ram 9000+7000@9000; commit4; ");

    /* Moving io2 touches only io2. */
    t.log[0] = 0;
    mr_set_address(&io2, 0x30000);
    CU_ASSERT_STRING_EQUAL(t.log, "del io2 20000+1000@0; add io2 30000+1000@0; commit4; ");

    /* Removing the hole gives the whole RAM range back. */
    t.log[0] = 0;
    mr_del_subregion(&root, &io);
    CU_ASSERT_STRING_EQUAL(t.log, "del ram 0+8000@0; del io 8000+1000@0; "
                           "del ram 9000+7000@9000; add ram 0+10000@0; commit2; ");

    /* A removed listener hears nothing more. */
    as_remove_listener(&as, &t.l);
    t.log[0] = 0;
    mr_set_enabled(&io2, false);
    CU_ASSERT_STRING_EQUAL(t.log, "");

    as_destroy(&as);
    mr_destroy(&io);
    mr_destroy(&io2);
    mr_destroy(&ram);
    mr_destroy(&root);
}

/* ---- view lifetime -------------------------------------------------------- */

static void test_view_refcount(void)
{
    MemoryRegion root, r1, r2;
    AddressSpace as;
    mr_init_container(&root, "root", 0x100000);
    ram_init_ok(&r1, "r1", 0x1000);
    ram_init_ok(&r2, "r2", 0x1000);
    mr_add_subregion(&root, 0, &r1);
    as_init(&as, &root, "sys");

    FlatView *old = as_get_view(&as);
    CU_ASSERT_EQUAL(atomic_load(&old->ref), 2);     /* ours + the space's */
    mr_add_subregion(&root, 0x1000, &r2);
    mr_del_subregion(&root, &r1);

    /* The old view is still whole and still says what it said. */
    CU_ASSERT_EQUAL(atomic_load(&old->ref), 1);
    CU_ASSERT_EQUAL(old->nr, 1);
    CU_ASSERT_PTR_EQUAL(old->ranges[0].mr, &r1);
    CU_ASSERT_PTR_EQUAL(flatview_lookup(old, 0x10)->mr, &r1);
    CU_ASSERT_PTR_NULL(flatview_lookup(old, 0x1000));

    FlatView *cur = as_get_view(&as);
    CU_ASSERT_PTR_NOT_EQUAL(cur, old);
    CU_ASSERT_EQUAL(cur->nr, 1);
    CU_ASSERT_PTR_EQUAL(cur->ranges[0].mr, &r2);
    CU_ASSERT_PTR_NULL(flatview_lookup(cur, 0x10));
    flatview_unref(old);                /* freed here (ASan checks) */
    flatview_unref(cur);
    CU_ASSERT_EQUAL(view_nr(&as), 1);

    as_destroy(&as);
    mr_destroy(&r1);
    mr_destroy(&r2);
    mr_destroy(&root);
}

/*
 * A reader thread keeps taking views and reading RAM without the big lock
 * while this thread rebuilds hundreds of times; every view it holds must stay
 * intact (ASan would flag a view freed under it).
 */
typedef struct ReaderArgs {
    AddressSpace *as;
    MemoryRegion *ram;
    atomic_bool stop;
    atomic_uint views;
    unsigned bad;
} ReaderArgs;

static void *reader_thread(void *opaque)
{
    ReaderArgs *a = opaque;
    while (!atomic_load(&a->stop)) {
        FlatView *v = as_get_view(a->as);
        const FlatRange *fr = flatview_lookup(v, 0x100);
        if (!fr || fr->mr != a->ram || v->nr < 1 || v->nr > 3)
            a->bad++;
        for (size_t i = 0; i < v->nr; i++)
            if (v->ranges[i].size == 0)
                a->bad++;
        flatview_unref(v);
        if (as_ld(a->as, 0x100, 4, NULL) != 0x600df00d)
            a->bad++;
        a->views++;
    }
    return NULL;
}

static void test_view_concurrent_reader(void)
{
    MemoryRegion root, ram, io;
    TestDev d;
    AddressSpace as;
    testdev_reset(&d, 0);
    mr_init_container(&root, "root", 0x100000);
    ram_init_ok(&ram, "ram", 0x10000);
    mr_init_io(&io, "io", &ops_any, &d, 0x1000);
    mr_add_subregion(&root, 0, &ram);
    mr_add_subregion_overlap(&root, 0x8000, &io, 1);
    as_init(&as, &root, "sys");
    as_st(&as, 0x100, 4, 0x600df00d);

    ReaderArgs a = { .as = &as, .ram = &ram };
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, reader_thread, &a), 0);
    /* Rebuild until the reader has overlapped with many swaps. */
    for (unsigned i = 0; i < 2000 || atomic_load(&a.views) < 1000; i++)
        mr_set_enabled(&io, i & 1);
    atomic_store(&a.stop, true);
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(a.bad, 0);
    CU_ASSERT(atomic_load(&a.views) >= 1000);

    as_destroy(&as);
    mr_destroy(&io);
    mr_destroy(&ram);
    mr_destroy(&root);
}
void unit_register(void)
{
    static const UnitTest flat[] = {
        { "overlap and priorities", test_overlap_priority },
        { "nested containers", test_nested_containers },
        { "aliases", test_alias },
        { "alias cycle terminates", test_alias_cycle_terminates },
        { "enable and move", test_enable_move },
        { "transactions", test_transactions },
        { "lookup", test_lookup },
        { "view refcount", test_view_refcount },
        { "view with a concurrent reader", test_view_concurrent_reader },
        { "listeners", test_listeners },
        { NULL, NULL },
    };
    unit_add_suite("memory: flatview", NULL, NULL, flat);
}

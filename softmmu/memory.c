/* SPDX-License-Identifier: MIT */
/*
 * The memory API: region trees, their flattened views, RAM blocks with dirty
 * tracking, and accesses that are split and dispatched to RAM or devices.
 *
 * Design. A region tree is only ever edited with the big lock held. Every
 * edit marks the world "pending"; when the outermost transaction commits,
 * every registered address space renders its tree again into a fresh
 * FlatView (we rebuild all of them because an alias may make a region
 * visible in a space other than the one it hangs in; spaces are few). A
 * FlatView is rendered highest priority first: each leaf only fills the holes
 * left by what was rendered before it, so overlap resolution is just "first
 * come, first served". Adjacent ranges of one leaf with contiguous offsets
 * are merged, so a RAM region that is split by nothing is always one range
 * (as_dma_map relies on this to map a whole block at once).
 *
 * Invariants:
 *  - a FlatView never changes after it is published; it is freed when the
 *    last reference goes. The space's pointer is swapped under a tiny
 *    spinlock that as_get_view also takes, so a reader can never take a
 *    reference on a view whose count already dropped to zero;
 *  - every FlatRange lies inside [0, root->size) and inside its leaf, so
 *    start + size never wraps and offset + size <= mr->size <= ram->size:
 *    once an address was found in a range, indexing the RAM block with it
 *    cannot leave the block;
 *  - guest-supplied (addr, len) pairs are never summed without a wrap check;
 *    the part of an access beyond 2^64 - 1 is treated as unassigned;
 *  - device callbacks only ever see offsets with offset + size <= mr->size.
 *
 * Dirty tracking: every RAM block has DIRTY_CLIENTS bitmaps, all pages dirty
 * at creation. A write sets the VGA and MIGRATION bits. The CODE bit is
 * special: clear means "tcg has code here". When a write hits such a page and
 * mem_code_write_hook is set, the hook is called and the bit is left clear:
 * only tcg knows whether code remains on the page after it invalidated the
 * blocks the write touched, so only tcg sets the bit again (ram_set_dirty).
 * Without a hook nothing tracks code and the bit is simply set.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "softmmu/log.h"
#include "softmmu/memory.h"

void (*mem_code_write_hook)(AddressSpace *as, MemoryRegion *mr,
                            uint64_t offset, uint64_t len);

/* Signed so that an alias with a big offset can place its target "below 0". */
typedef __int128 mem_addr_t;

#define MEM_MAX_DEPTH 32    /* alias/container nesting; deeper is a cycle */

static unsigned mr_next_seq;
static unsigned mr_transaction_depth;
static bool mr_update_pending;

/* Every initialised address space, so a commit can rebuild them all. */
static AddressSpace **as_all;
static size_t as_all_nr, as_all_cap;

/* Guards the load+ref in as_get_view against the swap+unref of a rebuild. */
static atomic_flag as_view_lock = ATOMIC_FLAG_INIT;

static _Noreturn void mr_bug(const char *what, const MemoryRegion *mr)
{
    fprintf(stderr, "tandem: memory API misuse: %s (region '%s')\n", what,
            mr ? mr->name : "?");
    abort();
}

static void *mem_xrealloc(void *p, size_t n, size_t size)
{
    void *q = n && size <= SIZE_MAX / n ? realloc(p, n * size) : NULL;
    if (!q && n) {
        fprintf(stderr, "tandem: out of memory\n");
        abort();
    }
    return q;
}

/* ------------------------------------------------------------------ */
/* Dirty bitmaps                                                      */

static uint64_t ram_pages(const RamBlock *rb)
{
    return rb->size >> TARGET_PAGE_BITS;
}

/*
 * Clip [offset, offset+len) to the block and turn it into a page interval
 * [*first, *last]. Returns false if nothing of the range is inside.
 */
static bool ram_page_span(const RamBlock *rb, uint64_t offset, uint64_t len,
                          uint64_t *first, uint64_t *last)
{
    if (!rb || len == 0 || offset >= rb->size)
        return false;
    if (len > rb->size - offset)
        len = rb->size - offset;
    *first = offset >> TARGET_PAGE_BITS;
    *last = (offset + len - 1) >> TARGET_PAGE_BITS;
    return true;
}

/* Mask of bits [lo, hi] inside one 64-bit word (0 <= lo <= hi <= 63). */
static uint64_t ram_word_mask(unsigned lo, unsigned hi)
{
    uint64_t upto = hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1;
    return upto & ~((1ull << lo) - 1);
}

enum { RAM_BITS_SET, RAM_BITS_CLEAR, RAM_BITS_TEST, RAM_BITS_TEST_CLEAR };

/* Apply op to pages [first, last] of one plane; returns "some bit was set". */
static bool ram_bits_op(_Atomic(uint64_t) *map, uint64_t first, uint64_t last,
                        int op)
{
    bool any = false;
    for (uint64_t w = first / 64; w <= last / 64; w++) {
        unsigned lo = w == first / 64 ? first % 64 : 0;
        unsigned hi = w == last / 64 ? last % 64 : 63;
        uint64_t m = ram_word_mask(lo, hi);
        switch (op) {
        case RAM_BITS_SET:
            atomic_fetch_or(&map[w], m);
            break;
        case RAM_BITS_CLEAR:
            atomic_fetch_and(&map[w], ~m);
            break;
        case RAM_BITS_TEST:
            any |= (atomic_load(&map[w]) & m) != 0;
            break;
        case RAM_BITS_TEST_CLEAR:
            any |= (atomic_fetch_and(&map[w], ~m) & m) != 0;
            break;
        }
    }
    return any;
}

void ram_set_dirty(RamBlock *rb, uint64_t offset, uint64_t len)
{
    uint64_t first, last;
    if (!ram_page_span(rb, offset, len, &first, &last))
        return;
    for (unsigned c = 0; c < DIRTY_CLIENTS; c++)
        ram_bits_op(rb->dirty[c], first, last, RAM_BITS_SET);
}

bool ram_test_and_clear_dirty(RamBlock *rb, unsigned client, uint64_t offset,
                              uint64_t len)
{
    uint64_t first, last;
    if (client >= DIRTY_CLIENTS || !ram_page_span(rb, offset, len, &first, &last))
        return false;
    return ram_bits_op(rb->dirty[client], first, last, RAM_BITS_TEST_CLEAR);
}

bool ram_is_dirty(RamBlock *rb, unsigned client, uint64_t offset)
{
    uint64_t first, last;
    if (client >= DIRTY_CLIENTS || !ram_page_span(rb, offset, 1, &first, &last))
        return false;
    return ram_bits_op(rb->dirty[client], first, last, RAM_BITS_TEST);
}

void ram_clear_dirty(RamBlock *rb, unsigned client, uint64_t offset, uint64_t len)
{
    uint64_t first, last;
    if (client < DIRTY_CLIENTS && ram_page_span(rb, offset, len, &first, &last))
        ram_bits_op(rb->dirty[client], first, last, RAM_BITS_CLEAR);
}

/*
 * Bookkeeping after [offset, offset+len) of a RAM/ROM leaf was written:
 * tell tcg about each run of pages that hold code, then mark the rest dirty
 * (see the header comment for why the CODE bit is left to tcg).
 */
static void ram_note_write(AddressSpace *as, MemoryRegion *mr, uint64_t offset,
                           uint64_t len)
{
    RamBlock *rb = mr->ram;
    uint64_t first, last;
    if (!ram_page_span(rb, offset, len, &first, &last))
        return;
    if (len > rb->size - offset)
        len = rb->size - offset;
    for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
        if (c != DIRTY_CODE)
            ram_bits_op(rb->dirty[c], first, last, RAM_BITS_SET);
    }
    void (*hook)(AddressSpace *, MemoryRegion *, uint64_t, uint64_t) =
        mem_code_write_hook;
    if (!hook) {
        ram_bits_op(rb->dirty[DIRTY_CODE], first, last, RAM_BITS_SET);
        return;
    }
    uint64_t end = offset + len;   /* <= rb->size, no wrap */
    uint64_t p = first;
    while (p <= last) {
        if (ram_bits_op(rb->dirty[DIRTY_CODE], p, p, RAM_BITS_TEST)) {
            p++;
            continue;
        }
        uint64_t q = p;
        while (q + 1 <= last &&
               !ram_bits_op(rb->dirty[DIRTY_CODE], q + 1, q + 1, RAM_BITS_TEST))
            q++;
        uint64_t s = p << TARGET_PAGE_BITS, e = (q + 1) << TARGET_PAGE_BITS;
        if (s < offset)
            s = offset;
        if (e > end)
            e = end;
        hook(as, mr, s, e - s);
        p = q + 1;
    }
}

/* ------------------------------------------------------------------ */
/* Regions                                                            */

static void mr_init_common(MemoryRegion *mr, MemoryRegionKind kind,
                           const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->kind = kind;
    snprintf(mr->name, sizeof(mr->name), "%s", name ? name : "");
    mr->size = size;
    mr->enabled = true;
}

void mr_init_container(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init_common(mr, MR_CONTAINER, name, size);
}

static int mr_init_ramlike(MemoryRegion *mr, MemoryRegionKind kind,
                           const char *name, uint64_t size, Error *err)
{
    mr_init_common(mr, kind, name, size);
    if (size == 0 || size > UINT64_MAX - TARGET_PAGE_SIZE ||
        size > (uint64_t)SIZE_MAX - TARGET_PAGE_SIZE)
        return error_setf(err, "%s: unusable RAM size %" PRIu64, mr->name, size);
    RamBlock *rb = calloc(1, sizeof(*rb));
    if (!rb)
        return error_setf(err, "%s: out of memory", mr->name);
    rb->size = (size + TARGET_PAGE_SIZE - 1) & TARGET_PAGE_MASK;
    /* NORESERVE: a big -m costs nothing until the guest touches it. */
    void *host = mmap(NULL, rb->size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        free(rb);
        return error_setf_errno(err, errno, "%s: cannot allocate %" PRIu64
                                " bytes of guest memory", mr->name, size);
    }
    rb->host = host;
    uint64_t words = (ram_pages(rb) + 63) / 64;
    for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
        rb->dirty[c] = calloc(words, sizeof(rb->dirty[c][0]));
        if (!rb->dirty[c]) {
            for (unsigned d = 0; d < c; d++)
                free(rb->dirty[d]);
            munmap(host, rb->size);
            free(rb);
            return error_setf(err, "%s: out of memory for dirty bitmap", mr->name);
        }
    }
    /* All dirty: nothing was displayed or migrated, and no code is known. */
    ram_set_dirty(rb, 0, rb->size);
    mr->ram = rb;
    return 0;
}

int mr_init_ram(MemoryRegion *mr, const char *name, uint64_t size, Error *err)
{
    return mr_init_ramlike(mr, MR_RAM, name, size, err);
}

int mr_init_rom(MemoryRegion *mr, const char *name, uint64_t size, Error *err)
{
    return mr_init_ramlike(mr, MR_ROM, name, size, err);
}

void mr_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                void *opaque, uint64_t size)
{
    mr_init_common(mr, MR_IO, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void mr_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                   uint64_t offset, uint64_t size)
{
    mr_init_common(mr, MR_ALIAS, name, size);
    mr->alias = target;
    mr->alias_offset = offset;
}

uint8_t *mr_ram_ptr(MemoryRegion *mr)
{
    return mr && (mr->kind == MR_RAM || mr->kind == MR_ROM) && mr->ram
        ? mr->ram->host : NULL;
}

void mr_destroy(MemoryRegion *mr)
{
    if (mr->as)
        mr_bug("destroying the root of a live address space", mr);
    mr_transaction_begin();
    if (mr->parent)
        mr_del_subregion(mr->parent, mr);
    for (size_t i = 0; i < mr->nr_children; i++)
        mr->children[i]->parent = NULL;
    if (mr->nr_children)
        mr_update_pending = true;   /* an alias may still show this container */
    mr->nr_children = 0;
    mr_transaction_commit();
    free(mr->children);
    mr->children = NULL;
    mr->nr_children = mr->cap_children = 0;
    if (mr->ram) {
        munmap(mr->ram->host, mr->ram->size);
        for (unsigned c = 0; c < DIRTY_CLIENTS; c++)
            free(mr->ram->dirty[c]);
        free(mr->ram);
        mr->ram = NULL;
    }
}

static void mr_changed(void)
{
    mr_transaction_begin();
    mr_update_pending = true;
    mr_transaction_commit();
}

/* Children are kept in ascending (priority, seq): the last one wins. */
static bool mr_child_before(const MemoryRegion *a, const MemoryRegion *b)
{
    return a->priority < b->priority ||
           (a->priority == b->priority && a->seq < b->seq);
}

void mr_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                              MemoryRegion *child, int priority)
{
    if (parent->kind != MR_CONTAINER)
        mr_bug("adding a subregion to a non-container", parent);
    if (child->parent || child->as || child == parent)
        mr_bug("region already placed", child);
    if (parent->nr_children == parent->cap_children) {
        parent->cap_children = parent->cap_children ? 2 * parent->cap_children : 8;
        parent->children = mem_xrealloc(parent->children, parent->cap_children,
                                        sizeof(*parent->children));
    }
    child->parent = parent;
    child->addr = offset;
    child->priority = priority;
    child->seq = ++mr_next_seq;
    size_t i = parent->nr_children;
    while (i > 0 && mr_child_before(child, parent->children[i - 1])) {
        parent->children[i] = parent->children[i - 1];
        i--;
    }
    parent->children[i] = child;
    parent->nr_children++;
    mr_changed();
}

void mr_add_subregion(MemoryRegion *parent, uint64_t offset, MemoryRegion *child)
{
    mr_add_subregion_overlap(parent, offset, child, 0);
}

void mr_del_subregion(MemoryRegion *parent, MemoryRegion *child)
{
    for (size_t i = 0; i < parent->nr_children; i++) {
        if (parent->children[i] != child)
            continue;
        memmove(&parent->children[i], &parent->children[i + 1],
                (parent->nr_children - i - 1) * sizeof(*parent->children));
        parent->nr_children--;
        child->parent = NULL;
        mr_changed();
        return;
    }
    mr_bug("deleting a subregion that is not a child", child);
}

void mr_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled)
        return;
    mr->enabled = enabled;
    mr_changed();
}

void mr_set_address(MemoryRegion *mr, uint64_t addr)
{
    if (mr->addr == addr)
        return;
    mr->addr = addr;
    mr_changed();
}

void mr_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly == readonly)
        return;
    mr->readonly = readonly;
    mr_changed();
}

void mr_set_alias_offset(MemoryRegion *mr, uint64_t offset)
{
    if (mr->kind != MR_ALIAS)
        mr_bug("setting the alias offset of a non-alias", mr);
    if (mr->alias_offset == offset)
        return;
    mr->alias_offset = offset;
    mr_changed();
}

/* ------------------------------------------------------------------ */
/* FlatView rendering                                                 */

typedef struct FlatBuilder {
    FlatRange *r;
    size_t nr, cap;
    bool too_deep;
} FlatBuilder;

static void flatview_insert(FlatBuilder *b, size_t at, const FlatRange *fr)
{
    if (b->nr == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->r = mem_xrealloc(b->r, b->cap, sizeof(*b->r));
    }
    memmove(&b->r[at + 1], &b->r[at], (b->nr - at) * sizeof(*b->r));
    b->r[at] = *fr;
    b->nr++;
}

/*
 * Show leaf mr over [lo, hi) wherever nothing rendered earlier (i.e. of
 * higher priority) is already there. base is the address of mr's offset 0.
 */
static void flatview_fill_holes(FlatBuilder *b, MemoryRegion *mr, mem_addr_t base,
                                mem_addr_t lo, mem_addr_t hi, bool readonly)
{
    size_t lo_i = 0, hi_i = b->nr;
    while (lo_i < hi_i) {   /* first range ending after lo */
        size_t mid = lo_i + (hi_i - lo_i) / 2;
        if ((mem_addr_t)b->r[mid].start + b->r[mid].size <= lo)
            lo_i = mid + 1;
        else
            hi_i = mid;
    }
    size_t i = lo_i;
    mem_addr_t cur = lo;
    while (cur < hi) {
        mem_addr_t next_start = i < b->nr ? (mem_addr_t)b->r[i].start : hi;
        if (next_start > hi)
            next_start = hi;
        if (cur < next_start) {
            FlatRange fr = {
                .start = (uint64_t)cur,
                .size = (uint64_t)(next_start - cur),
                .mr = mr,
                .offset = (uint64_t)(cur - base),
                .readonly = readonly || mr->kind == MR_ROM,
            };
            flatview_insert(b, i, &fr);
            i++;
        }
        if (i >= b->nr)
            break;
        cur = (mem_addr_t)b->r[i].start + b->r[i].size;
        i++;
    }
}

/* Render mr (its offset 0 at address base) clipped to the window [lo, hi). */
static void flatview_render(FlatBuilder *b, MemoryRegion *mr, mem_addr_t base,
                            mem_addr_t lo, mem_addr_t hi, unsigned depth,
                            bool readonly)
{
    if (!mr || !mr->enabled)
        return;
    readonly = readonly || mr->readonly;
    if (depth > MEM_MAX_DEPTH) {
        b->too_deep = true;
        return;
    }
    if (lo < base)
        lo = base;
    if (hi > base + (mem_addr_t)mr->size)
        hi = base + (mem_addr_t)mr->size;
    if (lo >= hi)
        return;
    switch (mr->kind) {
    case MR_ALIAS:
        flatview_render(b, mr->alias, base - (mem_addr_t)mr->alias_offset,
                        lo, hi, depth + 1, readonly);
        break;
    case MR_CONTAINER:
        for (size_t i = mr->nr_children; i-- > 0;) {
            MemoryRegion *c = mr->children[i];
            flatview_render(b, c, base + (mem_addr_t)c->addr, lo, hi, depth + 1,
                            readonly);
        }
        break;
    case MR_RAM:
    case MR_ROM:
        if (!mr->ram)
            break;  /* its mr_init_* failed: nothing to show */
        /* fall through */
    case MR_IO:
        flatview_fill_holes(b, mr, base, lo, hi, readonly);
        break;
    }
}

static bool flatview_range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->size == b->size && a->mr == b->mr &&
           a->offset == b->offset && a->readonly == b->readonly;
}

static FlatView *flatview_build(AddressSpace *as)
{
    FlatBuilder b = { 0 };
    flatview_render(&b, as->root, 0, 0, (mem_addr_t)as->root->size, 0, false);
    if (b.too_deep)
        fprintf(stderr, "tandem: memory: %s: regions nested deeper than %d "
                "(alias cycle?), ignored\n", as->name, MEM_MAX_DEPTH);
    /* Merge neighbours that are one piece of the same leaf. */
    size_t n = 0;
    for (size_t i = 0; i < b.nr; i++) {
        FlatRange *p = n ? &b.r[n - 1] : NULL;
        if (p && p->mr == b.r[i].mr && p->readonly == b.r[i].readonly &&
            p->start + p->size == b.r[i].start &&
            p->offset + p->size == b.r[i].offset) {
            p->size += b.r[i].size;
        } else {
            b.r[n++] = b.r[i];
        }
    }
    FlatView *v = calloc(1, sizeof(*v));
    if (!v) {
        fprintf(stderr, "tandem: out of memory\n");
        abort();
    }
    atomic_init(&v->ref, 1);
    v->ranges = b.r;
    v->nr = n;
    return v;
}

void flatview_unref(FlatView *view)
{
    if (view && atomic_fetch_sub(&view->ref, 1) == 1) {
        free(view->ranges);
        free(view);
    }
}

/* Index of the last range starting at or below addr, or -1. */
static ptrdiff_t flatview_floor(const FlatView *view, uint64_t addr)
{
    size_t lo = 0, hi = view->nr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (view->ranges[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

const FlatRange *flatview_lookup(const FlatView *view, uint64_t addr)
{
    if (!view)
        return NULL;
    ptrdiff_t i = flatview_floor(view, addr);
    if (i < 0 || addr - view->ranges[i].start >= view->ranges[i].size)
        return NULL;
    return &view->ranges[i];
}

/* Held for a handful of instructions, so spinning beats sleeping. */
static void as_view_lock_take(void)
{
    while (atomic_flag_test_and_set_explicit(&as_view_lock, memory_order_acquire))
        ;
}

static void as_view_lock_drop(void)
{
    atomic_flag_clear_explicit(&as_view_lock, memory_order_release);
}

FlatView *as_get_view(AddressSpace *as)
{
    as_view_lock_take();
    FlatView *v = atomic_load(&as->view);
    if (v)
        atomic_fetch_add(&v->ref, 1);
    as_view_lock_drop();
    return v;
}

static void as_notify(MemoryListener *l, const FlatView *old, FlatView *new)
{
    size_t i = 0, j = 0;
    /* Both sorted: a two-finger walk finds what vanished and what is new. */
    while (i < old->nr) {
        while (j < new->nr && new->ranges[j].start < old->ranges[i].start)
            j++;
        if (!(j < new->nr && flatview_range_equal(&old->ranges[i], &new->ranges[j])) &&
            l->region_del)
            l->region_del(l, &old->ranges[i]);
        i++;
    }
    for (i = 0, j = 0; j < new->nr; j++) {
        while (i < old->nr && old->ranges[i].start < new->ranges[j].start)
            i++;
        if (!(i < old->nr && flatview_range_equal(&old->ranges[i], &new->ranges[j])) &&
            l->region_add)
            l->region_add(l, &new->ranges[j]);
    }
    if (l->commit)
        l->commit(l, new);
}

static void as_rebuild(AddressSpace *as)
{
    FlatView *new = flatview_build(as);
    FlatView *old = atomic_load(&as->view);
    if (old && old->nr == new->nr) {
        size_t i = 0;
        while (i < new->nr && flatview_range_equal(&old->ranges[i], &new->ranges[i]))
            i++;
        if (i == new->nr) {     /* no visible change: keep the old view */
            flatview_unref(new);
            return;
        }
    }
    as_view_lock_take();
    atomic_store(&as->view, new);
    as_view_lock_drop();
    if (old) {
        for (MemoryListener *l = as->listeners; l; l = l->next)
            as_notify(l, old, new);
    }
    flatview_unref(old);
}

void mr_transaction_begin(void)
{
    mr_transaction_depth++;
}

void mr_transaction_commit(void)
{
    if (mr_transaction_depth == 0)
        mr_bug("transaction commit without begin", NULL);
    if (--mr_transaction_depth > 0 || !mr_update_pending)
        return;
    mr_update_pending = false;
    for (size_t i = 0; i < as_all_nr; i++)
        as_rebuild(as_all[i]);
}

/* ------------------------------------------------------------------ */
/* Address spaces and listeners                                       */

void as_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    if (root->as || root->parent)
        mr_bug("address space root already in use", root);
    memset(as, 0, sizeof(*as));
    snprintf(as->name, sizeof(as->name), "%s", name ? name : "");
    as->root = root;
    root->as = as;
    if (as_all_nr == as_all_cap) {
        as_all_cap = as_all_cap ? 2 * as_all_cap : 4;
        as_all = mem_xrealloc(as_all, as_all_cap, sizeof(*as_all));
    }
    as_all[as_all_nr++] = as;
    atomic_store(&as->view, flatview_build(as));
}

void as_destroy(AddressSpace *as)
{
    for (size_t i = 0; i < as_all_nr; i++) {
        if (as_all[i] == as) {
            as_all[i] = as_all[--as_all_nr];
            break;
        }
    }
    if (as_all_nr == 0) {
        free(as_all);
        as_all = NULL;
        as_all_cap = 0;
    }
    FlatView *old = atomic_exchange(&as->view, NULL);
    flatview_unref(old);
    if (as->root)
        as->root->as = NULL;
    as->root = NULL;
    as->listeners = NULL;
}

void as_add_listener(AddressSpace *as, MemoryListener *l)
{
    MemoryListener **p = &as->listeners;
    while (*p)
        p = &(*p)->next;
    l->next = NULL;
    *p = l;
    FlatView *v = as_get_view(as);
    for (size_t i = 0; v && i < v->nr; i++) {
        if (l->region_add)
            l->region_add(l, &v->ranges[i]);
    }
    if (l->commit)
        l->commit(l, v);
    flatview_unref(v);
}

void as_remove_listener(AddressSpace *as, MemoryListener *l)
{
    for (MemoryListener **p = &as->listeners; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            l->next = NULL;
            return;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Accesses                                                           */

static uint64_t mem_le_load(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void mem_le_store(uint8_t *p, unsigned n, uint64_t v)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Access sizes normalised to powers of two in 1..8 with min <= max. */
static unsigned mr_io_size_norm(unsigned s, unsigned dflt)
{
    if (s == 0)
        return dflt;
    unsigned p = 1;
    while (p * 2 <= s && p < 8)
        p *= 2;
    return p;
}

/*
 * One device access, or all-ones / nothing when the device lacks the
 * callback. min_access widening may not reach past the region: devices
 * index register arrays with the offset they get.
 */
static MemTxResult mr_io_access(MemoryRegion *mr, uint64_t off, uint8_t *buf,
                                uint64_t n, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned min = mr_io_size_norm(ops ? ops->min_access : 0, 1);
    unsigned max = mr_io_size_norm(ops ? ops->max_access : 0, 8);
    if (max < min)
        max = min;
    bool aligned = ops && ops->aligned_only;
    MemTxResult res = MEMTX_OK;

    while (n > 0) {
        unsigned size = max;
        while (size > n)
            size /= 2;
        if (aligned) {
            while (off & (size - 1))
                size /= 2;
        }
        if (size >= min) {
            if (is_write) {
                if (ops && ops->write)
                    ops->write(mr->opaque, off, mem_le_load(buf, size), size);
            } else {
                mem_le_store(buf, size, ops && ops->read
                             ? ops->read(mr->opaque, off, size) : ~0ull);
            }
            off += size;
            buf += size;
            n -= size;
            continue;
        }
        /* Too small for the device: one min-sized access at the aligned offset. */
        uint64_t a = off & ~(uint64_t)(min - 1);
        unsigned skip = (unsigned)(off - a);
        unsigned take = min - skip < n ? min - skip : (unsigned)n;
        if (a + min > mr->size || a + min < a) {
            log_mask_printf(LOG_GUEST, "memory: %s: %u-byte access at 0x%" PRIx64
                            " would pass the region end, dropped\n",
                            mr->name, min, a);
            if (!is_write)
                memset(buf, 0xff, take);
            res = MEMTX_ERROR;
        } else if (is_write) {
            uint64_t v = mem_le_load(buf, take) << (8 * skip);
            if (ops && ops->write)
                ops->write(mr->opaque, a, v, min);
        } else {
            uint64_t v = ops && ops->read ? ops->read(mr->opaque, a, min) : ~0ull;
            mem_le_store(buf, take, v >> (8 * skip));
        }
        off += take;
        buf += take;
        n -= take;
    }
    return res;
}

static MemTxResult as_worse_result(MemTxResult a, MemTxResult b)
{
    return a > b ? a : b;
}

typedef enum MemOp { MEM_READ, MEM_WRITE, MEM_WRITE_ROM, MEM_DIRTY } MemOp;

/*
 * Walk [addr, addr+len) through the view. MEM_DIRTY copies nothing: it does
 * the write bookkeeping for DMA already done through a mapped pointer.
 */
static MemTxResult as_access(AddressSpace *as, uint64_t addr, uint8_t *buf,
                             uint64_t len, MemOp op)
{
    MemTxResult res = MEMTX_OK;
    FlatView *v = as_get_view(as);
    uint64_t unassigned_at = 0, unassigned_len = 0;

    while (len > 0) {
        const FlatRange *fr = flatview_lookup(v, addr);
        uint64_t chunk;
        if (!fr) {
            /* Up to the next range, or to the end of the 64-bit space. */
            ptrdiff_t i = v ? flatview_floor(v, addr) + 1 : 0;
            /* Past the last range everything, even beyond 2^64 - 1, is unassigned. */
            bool more = v && (size_t)i < v->nr;
            chunk = more && v->ranges[i].start - addr < len
                ? v->ranges[i].start - addr : len;
            if (op == MEM_READ)
                memset(buf, 0xff, chunk);
            if (!unassigned_len)
                unassigned_at = addr;
            unassigned_len += chunk;
            res = as_worse_result(res, MEMTX_UNASSIGNED);
        } else {
            uint64_t in = addr - fr->start;
            chunk = fr->size - in < len ? fr->size - in : len;
            uint64_t off = fr->offset + in;
            MemoryRegion *mr = fr->mr;
            if (mr->kind == MR_IO) {
                if (op != MEM_DIRTY)
                    res = as_worse_result(res, mr_io_access(mr, off, buf, chunk,
                                                            op != MEM_READ));
            } else if (op == MEM_READ) {
                memcpy(buf, mr->ram->host + off, chunk);
            } else if (!fr->readonly || op == MEM_WRITE_ROM || op == MEM_DIRTY) {
                if (op != MEM_DIRTY)
                    memcpy(mr->ram->host + off, buf, chunk);
                if (op != MEM_DIRTY || !fr->readonly)
                    ram_note_write(as, mr, off, chunk);
            }
        }
        if (buf)
            buf += chunk;
        len -= chunk;
        addr += chunk;  /* may wrap to 0 only when len is now 0 */
    }
    if (unassigned_len && op != MEM_DIRTY)
        log_mask_printf(LOG_UNIMP, "%s: unassigned %s of %" PRIu64
                        " bytes at 0x%" PRIx64 "\n", as->name,
                        op == MEM_READ ? "read" : "write", unassigned_len,
                        unassigned_at);
    flatview_unref(v);
    return res;
}

MemTxResult as_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len)
{
    return as_access(as, addr, buf, len, MEM_READ);
}

MemTxResult as_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    /* The write paths never store into buf; the cast only shares the walker. */
    return as_access(as, addr, (uint8_t *)buf, len, MEM_WRITE);
}

MemTxResult as_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                         uint64_t len)
{
    return as_access(as, addr, (uint8_t *)buf, len, MEM_WRITE_ROM);
}

static bool as_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

uint64_t as_ld(AddressSpace *as, uint64_t addr, unsigned size, MemTxResult *res)
{
    uint8_t b[8];
    MemTxResult r = MEMTX_ERROR;
    uint64_t v = ~0ull;
    if (as_size_ok(size)) {
        r = as_read(as, addr, b, size);
        v = mem_le_load(b, size);
    }
    if (res)
        *res = r;
    return v;
}

MemTxResult as_st(AddressSpace *as, uint64_t addr, unsigned size, uint64_t val)
{
    uint8_t b[8];
    if (!as_size_ok(size))
        return MEMTX_ERROR;
    mem_le_store(b, size, val);
    return as_write(as, addr, b, size);
}

void *as_dma_map(AddressSpace *as, uint64_t addr, uint64_t len, bool is_write)
{
    if (len == 0 || len - 1 > UINT64_MAX - addr)
        return NULL;
    FlatView *v = as_get_view(as);
    const FlatRange *fr = flatview_lookup(v, addr);
    void *p = NULL;
    /* Ranges of one leaf are merged, so "all RAM" means "inside one range". */
    if (fr && fr->mr->kind != MR_IO && (!is_write || !fr->readonly) &&
        len <= fr->size - (addr - fr->start))
        p = fr->mr->ram->host + fr->offset + (addr - fr->start);
    flatview_unref(v);
    return p;
}

void as_dma_done(AddressSpace *as, uint64_t addr, uint64_t len)
{
    if (len > 0 && len - 1 > UINT64_MAX - addr)
        len = -addr;    /* the wrapped part was never mappable */
    as_access(as, addr, NULL, len, MEM_DIRTY);
}

/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU cache of translation blocks and their invalidation.
 *
 * Storage is a bump arena: a TB is carved out with room for TB_MAX_INSNS
 * and shrunk to what the translator used. When the arena is full the owner
 * flushes everything at a block boundary (tb_flush), which is the only time
 * TB memory is reused, so a pointer to an invalidated TB stays safe to
 * finish executing, to enter (its first step, tcg_step_unlinked, leaves
 * the chain) and to test for 'invalid'.
 *
 * Lookup is a hash on (pc, phys, flags), matching cs_key too, under the
 * cache lock; the execution loop first tries chaining and the lock-free
 * per-vCPU jump cache.
 *
 * Code pages: each physical page holding code of this cache has a TbPage
 * with its TBs and a bitmap of the bytes they cover. A write to the page is
 * checked against the bitmap, so only writes to bytes that really hold
 * translated code invalidate anything (data next to code stays cheap). The
 * first TB on a page clears the page's DIRTY_CODE bit (that sends writes
 * through the memory API's hook and this CPU's slow path) and marks the
 * matching TLB entries of every vCPU NOTDIRTY.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/tcg/tcg.h"
#include "softmmu/machine.h"
#include "softmmu/log.h"

#define TB_ARENA_SIZE (64u << 20)
#define TB_ALLOC_SIZE (sizeof(TB) + (TB_MAX_INSNS + 1) * sizeof(TBInsn))

int tb_cache_init(TbCache *c, Error *err)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->arena_size = TB_ARENA_SIZE;
    c->arena = mmap(NULL, c->arena_size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c->arena == MAP_FAILED) {
        c->arena = NULL;
        return error_setf(err, "tcg: cannot map the translation cache");
    }
    return 0;
}

static void tb_pages_free(TbCache *c)
{
    for (unsigned h = 0; h < (1u << TB_PAGE_HASH_BITS); h++) {
        TbPage *p = c->pages[h];
        while (p) {
            TbPage *n = p->next;
            free(p->tbs);
            free(p);
            p = n;
        }
        c->pages[h] = NULL;
    }
    c->nr_pages_with_code = 0;
}

void tb_cache_destroy(TbCache *c)
{
    tb_pages_free(c);
    if (c->arena)
        munmap(c->arena, c->arena_size);
    c->arena = NULL;
    pthread_mutex_destroy(&c->lock);
}

void tb_flush(TcgVcpu *t)
{
    TbCache *c = &t->tbc;
    pthread_mutex_lock(&c->lock);
    memset(c->hash, 0, sizeof(c->hash));
    tb_pages_free(c);
    c->arena_used = 0;
    c->flush_count++;
    pthread_mutex_unlock(&c->lock);
    memset(t->jc, 0, sizeof(t->jc));
}

static inline unsigned tb_hash(uint64_t pc, uint64_t phys, uint32_t flags)
{
    uint64_t h = (pc ^ (phys * 0x9e3779b97f4a7c15ull) ^ flags) * 0xff51afd7ed558ccdull;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static inline unsigned page_hash(uint64_t page)
{
    return (unsigned)(((page >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - TB_PAGE_HASH_BITS));
}

TB *tb_lookup(TcgVcpu *t, uint64_t pc, uint64_t phys, uint32_t flags, uint32_t cs_key)
{
    TbCache *c = &t->tbc;
    pthread_mutex_lock(&c->lock);
    TB *tb = c->hash[tb_hash(pc, phys, flags)];
    for (; tb; tb = tb->hash_next)
        if (tb->pc == pc && tb->phys == phys && tb->flags == flags && tb->cs_key == cs_key &&
            !tb->invalid)
            break;
    pthread_mutex_unlock(&c->lock);
    return tb;
}

/*
 * Its one step leaves the chain (tcg_step_unlinked): a link slot read
 * while another thread empties it may still lead here (GNU C lets a
 * flexible array member be initialised).
 */
TB tb_none = { .invalid = true, .insn = { { .fn = tcg_step_unlinked } } };

TB *tb_alloc(TcgVcpu *t)
{
    TbCache *c = &t->tbc;
    if (c->arena_used + TB_ALLOC_SIZE > c->arena_size)
        tb_flush(t);
    TB *tb = (TB *)(void *)(c->arena + c->arena_used);
    memset(tb, 0, sizeof(*tb));
    tb->phys2 = ~0ull;
    tb->jmp_pc[0] = tb->jmp_pc[1] = ~0ull;
    tb->jmp[0] = tb->jmp[1] = &tb_none;
    return tb;
}

static TB *tb_in_tb(uintptr_t e)
{
    return (TB *)(e & ~(uintptr_t)1);
}

/* Take slot k of from out of to's incoming links. */
static void tb_in_remove(TB *to, TB *from, unsigned k)
{
    uintptr_t want = (uintptr_t)from | k;
    for (uintptr_t *pp = &to->jmp_in; *pp; pp = &tb_in_tb(*pp)->jmp_in_next[*pp & 1]) {
        if (*pp == want) {
            *pp = from->jmp_in_next[k];
            return;
        }
    }
}

void tb_link(TcgVcpu *t, TB *from, unsigned k, TB *to, uint64_t pc)
{
    TbCache *c = &t->tbc;
    pthread_mutex_lock(&c->lock);
    if (!atomic_load(&from->invalid) && !atomic_load(&to->invalid)) {
        TB *old = from->jmp[k];
        if (old != &tb_none)
            tb_in_remove(old, from, k);
        /* Relaxed stores: the owner's chain step reads them without the lock. */
        __atomic_store_n(&from->jmp[k], to, __ATOMIC_RELAXED);
        __atomic_store_n(&from->jmp_pc[k], pc, __ATOMIC_RELAXED);
        from->jmp_far[k] = ((from->pc ^ to->pc) & ~0xfffull) != 0;
        from->jmp_in_next[k] = to->jmp_in;
        to->jmp_in = (uintptr_t)from | k;
    }
    pthread_mutex_unlock(&c->lock);
}

/* Empty every slot that links to tb (its cache's lock held). */
static void tb_unlink_incoming(TB *tb)
{
    for (uintptr_t e = tb->jmp_in; e;) {
        TB *from = tb_in_tb(e);
        unsigned k = e & 1;
        e = from->jmp_in_next[k];
        /* The pc first: a chain step that still matches it enters tb_none at worst. */
        __atomic_store_n(&from->jmp_pc[k], ~0ull, __ATOMIC_RELAXED);
        __atomic_store_n(&from->jmp[k], &tb_none, __ATOMIC_RELAXED);
    }
    tb->jmp_in = 0;
}

static TbPage *page_find(TbCache *c, uint64_t page, bool create)
{
    TbPage **pp = &c->pages[page_hash(page)];
    for (TbPage *p = *pp; p; p = p->next)
        if (p->page == page)
            return p;
    if (!create)
        return NULL;
    TbPage *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->page = page;
    p->next = *pp;
    *pp = p;
    c->nr_pages_with_code++;
    return p;
}

static void bitmap_set_range(uint64_t *bm, unsigned from, unsigned to)
{
    for (unsigned b = from; b < to; b++)
        bm[b >> 6] |= 1ull << (b & 63);
}

static bool bitmap_any(const uint64_t *bm, unsigned from, unsigned to)
{
    for (unsigned b = from; b < to; b++)
        if (bm[b >> 6] & (1ull << (b & 63)))
            return true;
    return false;
}

/* Byte range [from, to) of 'page' covered by tb (to == from if none). */
static void tb_page_range(const TB *tb, uint64_t page, unsigned *from, unsigned *to)
{
    uint64_t start = tb->phys, first_len = 0x1000 - (tb->phys & 0xfff);
    if (first_len > tb->size)
        first_len = tb->size;
    if ((start & ~0xfffull) == page) {
        *from = (unsigned)(start & 0xfff);
        *to = (unsigned)(*from + first_len);
    } else if (tb->phys2 == page) {
        *from = 0;
        *to = (unsigned)(tb->size - first_len);
    } else {
        *from = *to = 0;
    }
}

static void page_add_tb(TcgVcpu *t, uint64_t page, TB *tb)
{
    TbCache *c = &t->tbc;
    TbPage *p = page_find(c, page, true);
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->tbs = realloc(p->tbs, p->cap * sizeof(TB *));
        if (!p->tbs)
            abort();
    }
    p->tbs[p->n++] = tb;
    unsigned from, to;
    tb_page_range(tb, page, &from, &to);
    bitmap_set_range(p->bitmap, from, to);
}

/* First code on a physical page: route writes to it through the slow path. */
static void protect_page(TcgVcpu *t, uint64_t page)
{
    const FlatRange *fr = flatview_lookup(t->view, page);
    if (fr && fr->mr->ram && (fr->mr->kind == MR_RAM || fr->mr->kind == MR_ROM)) {
        uint64_t off = fr->offset + (page - fr->start);
        if (ram_is_dirty(fr->mr->ram, DIRTY_CODE, off))
            ram_clear_dirty(fr->mr->ram, DIRTY_CODE, off, TARGET_PAGE_SIZE);
    }
    tlb_protect_code_page(&t->cpu, page);
    /* Other vCPUs may hold a fast write entry for the page. */
    TcgMachine *tm = t->tm;
    pthread_mutex_lock(&tm->vcpus_lock);
    for (TcgVcpu *o = tm->vcpus; o; o = o->next)
        if (o != t) {
            atomic_store(&o->flush_tlb, true);
            tcg_attention(o);
        }
    pthread_mutex_unlock(&tm->vcpus_lock);
}

void tb_commit(TcgVcpu *t, TB *tb)
{
    TbCache *c = &t->tbc;
    size_t used = sizeof(TB) + (tb->n + 1u) * sizeof(TBInsn);
    c->arena_used += (used + 15) & ~(size_t)15;
    c->tb_count++;
    uint64_t p1 = tb->phys & ~0xfffull;
    bool new1, new2 = false;
    pthread_mutex_lock(&c->lock);
    /* "New" means no live TB there: the page may have lost its write
     * protection when its last TB was invalidated (see notdirty_write). */
    TbPage *old = page_find(c, p1, false);
    new1 = !old || old->n == 0;
    page_add_tb(t, p1, tb);
    if (tb->phys2 != ~0ull) {
        old = page_find(c, tb->phys2, false);
        new2 = !old || old->n == 0;
        page_add_tb(t, tb->phys2, tb);
    }
    unsigned h = tb_hash(tb->pc, tb->phys, tb->flags);
    tb->hash_next = c->hash[h];
    c->hash[h] = tb;
    pthread_mutex_unlock(&c->lock);
    if (new1)
        protect_page(t, p1);
    if (new2)
        protect_page(t, tb->phys2);
}

static void tb_unhash(TbCache *c, TB *tb)
{
    TB **pp = &c->hash[tb_hash(tb->pc, tb->phys, tb->flags)];
    for (; *pp; pp = &(*pp)->hash_next)
        if (*pp == tb) {
            *pp = tb->hash_next;
            return;
        }
}

static void page_remove_tb(TbCache *c, uint64_t page, TB *tb)
{
    TbPage *p = page_find(c, page, false);
    if (!p)
        return;
    for (unsigned k = 0; k < p->n; k++)
        if (p->tbs[k] == tb) {
            p->tbs[k] = p->tbs[--p->n];
            break;
        }
}

static void page_rebuild_bitmap(TbPage *p)
{
    memset(p->bitmap, 0, sizeof(p->bitmap));
    for (unsigned k = 0; k < p->n; k++) {
        unsigned from, to;
        tb_page_range(p->tbs[k], p->page, &from, &to);
        bitmap_set_range(p->bitmap, from, to);
    }
}

static void cache_invalidate(TbCache *c, uint64_t page, unsigned from, unsigned to)
{
    TbPage *p = page_find(c, page, false);
    if (!p || !bitmap_any(p->bitmap, from, to))
        return;
    for (unsigned k = 0; k < p->n;) {
        TB *tb = p->tbs[k];
        unsigned a, b;
        tb_page_range(tb, page, &a, &b);
        if (a < to && from < b) {
            /*
             * The links to it are emptied, and its first step now leaves
             * the chain, for whoever read a link before (another thread):
             * back to tcg_exec_loop and tb_find, which sees 'invalid' (the
             * chain step tests neither).
             */
            atomic_store(&tb->invalid, true);
            __atomic_store_n(&tb->insn[0].fn, tcg_step_unlinked, __ATOMIC_RELAXED);
            tb_unlink_incoming(tb);
            tb_unhash(c, tb);
            p->tbs[k] = p->tbs[--p->n];
            uint64_t other = (tb->phys & ~0xfffull) == page ? tb->phys2 : tb->phys & ~0xfffull;
            if (other != ~0ull && other != page)
                page_remove_tb(c, other, tb);
            continue;
        }
        k++;
    }
    page_rebuild_bitmap(p);
}

void tb_invalidate_phys_range(TcgMachine *tm, uint64_t phys, uint64_t len)
{
    if (!len)
        return;
    pthread_mutex_lock(&tm->vcpus_lock);
    for (TcgVcpu *t = tm->vcpus; t; t = t->next) {
        TbCache *c = &t->tbc;
        pthread_mutex_lock(&c->lock);
        if (c->nr_pages_with_code) {
            uint64_t a = phys, end = phys + len;
            while (a < end) {
                uint64_t page = a & ~0xfffull;
                uint64_t stop = page + 0x1000 < end ? page + 0x1000 : end;
                cache_invalidate(c, page, (unsigned)(a - page), (unsigned)(stop - page));
                a = stop;
            }
        }
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_unlock(&tm->vcpus_lock);
}

bool tb_page_has_code(TcgMachine *tm, uint64_t page)
{
    bool any = false;
    pthread_mutex_lock(&tm->vcpus_lock);
    for (TcgVcpu *t = tm->vcpus; t && !any; t = t->next) {
        pthread_mutex_lock(&t->tbc.lock);
        TbPage *p = page_find(&t->tbc, page, false);
        any = p && p->n;
        pthread_mutex_unlock(&t->tbc.lock);
    }
    pthread_mutex_unlock(&tm->vcpus_lock);
    return any;
}

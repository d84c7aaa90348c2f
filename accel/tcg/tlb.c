/* SPDX-License-Identifier: MIT */
/*
 * The softmmu TLB: fills from the page walk and the memory map, and the
 * slow paths the inline fast path in cpu/x86/x86.h falls back to.
 *
 * A fill translates the linear page (x86_mmu_translate, which raises
 * nothing itself: the fill sets CR2 and raises #PF), applies the A20 mask,
 * and looks the physical page up in the FlatView the vCPU holds: a page
 * wholly inside RAM gets a host addend; anything else (MMIO, unassigned,
 * partial pages) gets TLB_MMIO and goes through as_ld/as_st under the big
 * lock. Write tags carry TLB_ROM for ROM and TLB_NOTDIRTY for RAM pages
 * whose DIRTY_CODE bit is clear (they hold translated code): such writes
 * invalidate the overlapping TBs first, byte-exactly, and then store.
 * The write tag is left invalid when the walk did not grant write (read-
 * only page, or clean page whose D bit the first write must set). Pages
 * holding an enabled DR0-3 data breakpoint get TLB_WATCH, whose slow path
 * records hits for the #DB trap that follows the instruction.
 */
#include <stdlib.h>

#include "accel/tcg/tcg.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/log.h"

#define TLB_FLAGS (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY | TLB_ROM | TLB_WATCH)

static inline TlbEntry *tlb_entry(X86CPU *cpu, unsigned idx, uint64_t lin)
{
    return &cpu->tlb.t[idx][(lin >> 12) & (TLB_SIZE - 1)];
}

static inline bool tag_hit(uint64_t tag, uint64_t page)
{
    return !(tag & TLB_INVALID) && (tag & ~(uint64_t)TLB_FLAGS) == page;
}

void tlb_refresh_view(TcgVcpu *t)
{
    unsigned gen = atomic_load(&t->tm->view_gen);
    if (t->view && gen == t->view_gen)
        return;
    if (t->view)
        flatview_unref(t->view);
    t->view = as_get_view(&t->tm->machine->as_mem);
    t->view_gen = gen;
}

/* Host pointer for a physical page that is RAM/ROM throughout, else NULL. */
static uint8_t *phys_page_host(TcgVcpu *t, uint64_t ppage, const FlatRange **frp)
{
    const FlatRange *fr = flatview_lookup(t->view, ppage);
    *frp = fr;
    if (!fr || (fr->mr->kind != MR_RAM && fr->mr->kind != MR_ROM) || !fr->mr->ram)
        return NULL;
    if (ppage < fr->start || ppage + TARGET_PAGE_SIZE > fr->start + fr->size)
        return NULL;
    return fr->mr->ram->host + fr->offset + (ppage - fr->start);
}

/* Length in bytes of data breakpoint n from DR7.LENn. */
static unsigned watch_len(uint64_t dr7, unsigned n)
{
    static const unsigned len[4] = { 1, 2, 8, 4 };
    return len[(dr7 >> (18 + 4 * n)) & 3];
}

/* Route accesses to a page holding an enabled data breakpoint to the slow path. */
static void tlb_mark_watch(X86CPU *cpu, TlbEntry *e, uint64_t page)
{
    uint64_t dr7 = cpu->s->dr[7];
    for (unsigned n = 0; n < 4; n++) {
        unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
        if (!((dr7 >> (2 * n)) & 3) || !(rw & 1))
            continue;                   /* disabled, or an execute/I/O breakpoint */
        if ((cpu->s->dr[n] & ~0xfffull) != page)
            continue;
        if (!(e->addr_write & TLB_INVALID))
            e->addr_write |= TLB_WATCH;
        if (rw == 3 && !(e->addr_read & TLB_INVALID))
            e->addr_read |= TLB_WATCH;
    }
}

/* Record data breakpoints hit by [lin, lin+size); #DB follows the instruction. */
static void tlb_check_watch(X86CPU *cpu, uint64_t lin, unsigned size, bool write)
{
    uint64_t dr7 = cpu->s->dr[7];
    for (unsigned n = 0; n < 4; n++) {
        unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
        if (!((dr7 >> (2 * n)) & 3) || !(rw & 1) || (rw == 1 && !write))
            continue;
        unsigned len = watch_len(dr7, n);
        uint64_t a = cpu->s->dr[n] & ~(uint64_t)(len - 1);
        if (a < lin + size && lin < a + len)
            cpu->watch_hits |= (uint8_t)(1u << n);
    }
}

static void tlb_fill(X86CPU *cpu, uint64_t lin, int acc, unsigned idx)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    uint64_t phys;
    unsigned prot;
    uint32_t err;
    if (!x86_mmu_translate(cpu, lin, acc, idx, &phys, &prot, &err)) {
        log_mask_printf(LOG_MMU, "mmu: #PF lin=%llx err=%x\n", (unsigned long long)lin, err);
        cpu->s->cr2 = lin;
        x86_raise_exception_err(cpu, EXCP_PF, err);
    }
    if (prot & 8)
        t->large_pages = true;
    uint64_t page = lin & ~0xfffull;
    uint64_t ppage = phys & ~0xfffull & cpu->a20_mask;
    const FlatRange *fr;
    uint8_t *host = phys_page_host(t, ppage, &fr);
    TlbEntry *e = tlb_entry(cpu, idx, lin);
    e->phys = ppage;
    e->global = (prot & 16) != 0;
    if (!host) {
        e->addend = 0;
        e->addr_read = page | TLB_MMIO;
        e->addr_write = (prot & 1) ? page | TLB_MMIO : TLB_INVALID;
        e->addr_code = (prot & 4) ? page | TLB_MMIO : TLB_INVALID;
    } else {
        e->addend = (uintptr_t)host - (uintptr_t)page;
        e->addr_read = page;
        e->addr_code = (prot & 4) ? page : TLB_INVALID;
        if (!(prot & 1))
            e->addr_write = TLB_INVALID;
        else if (fr->readonly || fr->mr->kind == MR_ROM)
            e->addr_write = page | TLB_ROM;
        else if (!ram_is_dirty(fr->mr->ram, DIRTY_CODE, fr->offset + (ppage - fr->start)))
            e->addr_write = page | TLB_NOTDIRTY;
        else
            e->addr_write = page;
    }
    if (unlikely(cpu->s->dr[7] & 0xff))
        tlb_mark_watch(cpu, e, page);
    log_mask_printf(LOG_MMU, "mmu: fill idx=%u lin=%llx -> %llx prot=%x%s\n", idx,
                    (unsigned long long)page, (unsigned long long)ppage, prot,
                    host ? "" : " mmio");
}

static uint64_t mmio_ld(X86CPU *cpu, uint64_t pa, unsigned size)
{
    MemTxResult res;
    bql_lock();
    uint64_t v = as_ld(&cpu->machine->as_mem, pa, size, &res);
    bql_unlock();
    return v;
}

static void mmio_st(X86CPU *cpu, uint64_t pa, unsigned size, uint64_t v)
{
    bql_lock();
    as_st(&cpu->machine->as_mem, pa, size, v);
    bql_unlock();
}

uint64_t tlb_ld_slow(X86CPU *cpu, uint64_t lin, unsigned size, unsigned idx)
{
    if ((lin & 0xfff) + size > 0x1000) {
        uint64_t v = 0;
        for (unsigned k = 0; k < size; k++) {
            uint64_t a = lin + k;
            if (!cpu->lma)
                a = (uint32_t)a;
            v |= x86_ld_idx(cpu, a, 1, idx) << (8 * k);
        }
        return v;
    }
    uint64_t page = lin & ~0xfffull;
    TlbEntry *e = tlb_entry(cpu, idx, lin);
    if (!tag_hit(e->addr_read, page))
        tlb_fill(cpu, lin, ACC_READ, idx);
    if (e->addr_read & TLB_WATCH)
        tlb_check_watch(cpu, lin, size, false);
    if (e->addr_read & TLB_MMIO)
        return mmio_ld(cpu, e->phys | (lin & 0xfff), size);
    return x86_host_ld((void *)(uintptr_t)(lin + e->addend), size);
}

/* Make sure the write tag of lin's page is valid; returns the entry. */
static TlbEntry *tlb_probe_write(X86CPU *cpu, uint64_t lin, unsigned idx)
{
    TlbEntry *e = tlb_entry(cpu, idx, lin);
    if (!tag_hit(e->addr_write, lin & ~0xfffull))
        tlb_fill(cpu, lin, ACC_WRITE, idx);
    return e;
}

static void notdirty_write(X86CPU *cpu, TlbEntry *e, uint64_t lin, unsigned size, uint64_t v)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    uint64_t pa = e->phys | (lin & 0xfff);
    tb_invalidate_phys_range(t->tm, pa, size);
    tcg_exit_tb(t);             /* the running block may be among them */
    x86_host_st((void *)(uintptr_t)(lin + e->addend), size, v);
    if (!tb_page_has_code(t->tm, e->phys)) {
        /* No code left on the page: let writes take the fast path again. */
        const FlatRange *fr;
        if (phys_page_host(t, e->phys, &fr)) {
            ram_set_dirty(fr->mr->ram, fr->offset + (e->phys - fr->start), TARGET_PAGE_SIZE);
            e->addr_write &= ~(uint64_t)TLB_NOTDIRTY;
        }
    }
}

void tlb_st_slow(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v, unsigned idx)
{
    if ((lin & 0xfff) + size > 0x1000) {
        /* Both pages must be writable before any byte is written. */
        uint64_t last = lin + size - 1;
        if (!cpu->lma)
            last = (uint32_t)last;
        tlb_probe_write(cpu, lin, idx);
        tlb_probe_write(cpu, last, idx);
        for (unsigned k = 0; k < size; k++) {
            uint64_t a = lin + k;
            if (!cpu->lma)
                a = (uint32_t)a;
            x86_st_idx(cpu, a, 1, v >> (8 * k), idx);
        }
        return;
    }
    TlbEntry *e = tlb_probe_write(cpu, lin, idx);
    uint64_t tag = e->addr_write;
    if (tag & TLB_WATCH)
        tlb_check_watch(cpu, lin, size, true);
    if (tag & TLB_MMIO)
        mmio_st(cpu, e->phys | (lin & 0xfff), size, v);
    else if (tag & TLB_ROM)
        return;
    else if (tag & TLB_NOTDIRTY)
        notdirty_write(cpu, e, lin, size, v);
    else
        x86_host_st((void *)(uintptr_t)(lin + e->addend), size, v);
}

void *tlb_rmw_ptr(X86CPU *cpu, uint64_t lin, unsigned size)
{
    if ((lin & 0xfff) + size > 0x1000)
        return NULL;
    TlbEntry *e = tlb_probe_write(cpu, lin, cpu->mmu_idx);
    if (e->addr_write & TLB_FLAGS)
        return NULL;
    return (void *)(uintptr_t)(lin + e->addend);
}

const void *tlb_read_ptr(X86CPU *cpu, uint64_t lin, unsigned size)
{
    if ((lin & 0xfff) + size > 0x1000)
        return NULL;
    TlbEntry *e = tlb_entry(cpu, cpu->mmu_idx, lin);
    if (!tag_hit(e->addr_read, lin & ~0xfffull))
        tlb_fill(cpu, lin, ACC_READ, cpu->mmu_idx);
    if (e->addr_read & (TLB_MMIO | TLB_WATCH))
        return NULL;
    return (const void *)(uintptr_t)(lin + e->addend);
}

uint8_t *tlb_code_ptr(X86CPU *cpu, uint64_t lin, uint64_t *phys)
{
    unsigned idx = cpu->mmu_idx;
    TlbEntry *e = tlb_entry(cpu, idx, lin);
    if (!tag_hit(e->addr_code, lin & ~0xfffull))
        tlb_fill(cpu, lin, ACC_EXEC, idx);
    *phys = e->phys | (lin & 0xfff);
    if (e->addr_code & TLB_MMIO)
        return NULL;
    return (uint8_t *)(uintptr_t)(lin + e->addend);
}

static void tlb_invalidate_all(X86CPU *cpu)
{
    for (unsigned k = 0; k < TLB_NB_MMU; k++)
        for (unsigned n = 0; n < TLB_SIZE; n++) {
            TlbEntry *e = &cpu->tlb.t[k][n];
            e->addr_read = e->addr_write = e->addr_code = TLB_INVALID;
            e->global = false;
        }
}

void tlb_flush(X86CPU *cpu)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    tlb_invalidate_all(cpu);
    memset(t->jc, 0, sizeof(t->jc));
    t->large_pages = false;
}

void tlb_flush_nonglobal(X86CPU *cpu)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    for (unsigned k = 0; k < TLB_NB_MMU; k++)
        for (unsigned n = 0; n < TLB_SIZE; n++) {
            TlbEntry *e = &cpu->tlb.t[k][n];
            if (!e->global)
                e->addr_read = e->addr_write = e->addr_code = TLB_INVALID;
        }
    memset(t->jc, 0, sizeof(t->jc));
}

void tlb_flush_page(X86CPU *cpu, uint64_t lin)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    if (t->large_pages) {
        tlb_flush(cpu);
        return;
    }
    for (unsigned k = 0; k < TLB_NB_MMU; k++) {
        TlbEntry *e = tlb_entry(cpu, k, lin);
        e->addr_read = e->addr_write = e->addr_code = TLB_INVALID;
    }
    /* Blocks with bytes on the page start on it or on the page before. */
    memset(&t->jc[tb_jc_bucket(lin)], 0, sizeof(t->jc[0]) << TB_JC_PAGE_BITS);
    memset(&t->jc[tb_jc_bucket(lin - 0x1000)], 0, sizeof(t->jc[0]) << TB_JC_PAGE_BITS);
}

void tlb_protect_code_page(X86CPU *cpu, uint64_t phys)
{
    for (unsigned k = 0; k < TLB_NB_MMU; k++)
        for (unsigned n = 0; n < TLB_SIZE; n++) {
            TlbEntry *e = &cpu->tlb.t[k][n];
            if (e->phys == phys && !(e->addr_write & (TLB_INVALID | TLB_MMIO | TLB_ROM)))
                e->addr_write |= TLB_NOTDIRTY;
        }
}

/* Physical accesses for the page walker. */
uint64_t tlb_phys_ld(X86CPU *cpu, uint64_t pa, unsigned size)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    const FlatRange *fr;
    pa &= cpu->a20_mask;
    uint8_t *host = phys_page_host(t, pa & ~0xfffull, &fr);
    if (host)
        return x86_host_ld(host + (pa & 0xfff), size);
    return mmio_ld(cpu, pa, size);
}

void tlb_phys_or(X86CPU *cpu, uint64_t pa, unsigned size, uint64_t bits)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    const FlatRange *fr;
    pa &= cpu->a20_mask;
    uint8_t *host = phys_page_host(t, pa & ~0xfffull, &fr);
    if (host && fr->mr->kind == MR_RAM) {
        if (size == 8)
            __atomic_fetch_or((uint64_t *)(void *)(host + (pa & 0xfff)), bits, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_or((uint32_t *)(void *)(host + (pa & 0xfff)), (uint32_t)bits,
                              __ATOMIC_SEQ_CST);
        return;
    }
    mmio_st(cpu, pa, size, mmio_ld(cpu, pa, size) | bits);
}

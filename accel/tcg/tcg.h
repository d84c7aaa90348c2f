/* SPDX-License-Identifier: MIT */
/*
 * accel/tcg's internal interface: translation blocks, the per-vCPU TB
 * cache, the engine's per-vCPU and per-machine state.
 *
 * A TB is a run of pre-decoded instructions (X86Step: the X86Insn, its
 * plain handler and the step function that runs it, see cpu/x86/fast.h)
 * ended by an end step, starting at a linear pc, keyed by (pc,
 * physical address of pc, flags, cs_key). flags is what decoding depends
 * on (the code size) plus TB_FLAG_ONE for the one-instruction blocks of
 * debug mode; cs_key says where CS's limit lies (tcg_cs_key), where the
 * translator cuts blocks; everything else the semantics check at run
 * time. A TB ends after a
 * block-ending instruction (insn.def's class) or a REP string instruction
 * (only a block's last instruction may change next_rip), at a page
 * boundary, or when full; an instruction that crosses into the next page
 * may only be the first of its TB, so that a fetch fault on the second page
 * is raised with RIP at that instruction.
 *
 * Each vCPU owns its TB cache (arena, hash, jump cache, code pages), so
 * flushing one never races with another vCPU executing. Invalidation of
 * written code reaches every vCPU's cache under that cache's lock: the TBs
 * that overlap the written bytes are marked invalid and unhashed; their
 * memory stays valid until their owner flushes its arena, so a vCPU still
 * inside one finishes it safely. Code pages keep a bitmap of the bytes
 * covered by live TBs, which is what makes invalidation finer than a page.
 */
#ifndef TANDEM_TCG_H
#define TANDEM_TCG_H

#include <pthread.h>
#include <stdatomic.h>

#include "cpu/x86/x86.h"
#include "cpu/x86/fast.h"
#include "softmmu/memory.h"
#include "accel/accel.h"

#define TB_MAX_INSNS 64
#define TB_FLAG_ONE 0x100           /* one instruction per block (debugging) */
#define TB_HASH_BITS 15
#define TB_JC_BITS 14
#define TB_JC_PAGE_BITS 7           /* a page's entries: one bucket of 2^7 */
#define TB_PAGE_HASH_BITS 12

/*
 * One instruction of a block: its decoded form, the plain handler and the
 * step function that runs it (cpu/x86/fast.h). A block's n instructions are
 * followed by an end step, so the array holds n + 1.
 */
typedef X86Step TBInsn;

typedef struct TB {
    uint64_t pc;                /* linear address of the first byte */
    uint64_t phys;              /* its physical address */
    uint64_t phys2;             /* physical page of a second page, or -1 */
    uint32_t flags;
    uint32_t cs_key;            /* tcg_cs_key at pc */
    uint16_t size;              /* bytes */
    uint16_t n;                 /* instructions */
    bool end;                   /* the last one is of class A_END (I/O, mode, IF ...) */
    bool ind;                   /* the last one is an indirect branch (RET, JMP/CALL r/m) */
    uint8_t jmp_next;           /* ind: the link slot to replace next */
    bool jmp_far[2];            /* jmp[k] is on another page than pc */
    _Atomic bool invalid;
    struct TB *hash_next;
    struct TB *jmp[2];          /* chained successors (see tcg_link_ok), or &tb_none */
    uint64_t jmp_pc[2];
    /*
     * The links to this TB (tb_link): each entry the linking TB's address
     * with its slot in bit 0, chained through that TB's jmp_in_next[slot];
     * under the cache lock.
     */
    uintptr_t jmp_in;
    uintptr_t jmp_in_next[2];
    TBInsn insn[];
} TB;

typedef struct TbPage {
    uint64_t page;              /* physical page address */
    TB **tbs;
    unsigned n, cap;
    uint64_t bitmap[64];        /* bytes covered by live TBs */
    struct TbPage *next;
} TbPage;

typedef struct TbCache {
    pthread_mutex_t lock;       /* hash, pages; taken by other vCPUs' writes */
    uint8_t *arena;
    size_t arena_size, arena_used;
    TB *hash[1u << TB_HASH_BITS];
    TbPage *pages[1u << TB_PAGE_HASH_BITS];
    unsigned nr_pages_with_code;
    uint64_t tb_count, flush_count;
} TbCache;

typedef struct TcgMachine TcgMachine;

typedef struct TcgVcpu {
    X86CPU cpu;                 /* first: the CPU core passes X86CPU * around */
    Vcpu *vcpu;
    TcgMachine *tm;
    TbCache tbc;
    TB *jc[1u << TB_JC_BITS];   /* virtual pc -> TB, flushed with the TLB */
    FlatView *view;             /* memory map the TLB was filled from */
    unsigned view_gen;
    bool large_pages;           /* a large page is in the TLB: INVLPG flushes all */
    bool reload;                /* state changed from outside */
    _Atomic bool flush_tlb;     /* another vCPU found code on a page we may write */
    /*
     * Set by whoever asks this vCPU to look up from guest code: a kick
     * (exit_request, interrupt_request), flush_tlb, a new memory map. The
     * chained loop polls only this; the outer loop clears it before it
     * reads those sources, and sets it again while an interrupt waits.
     */
    _Atomic bool attention;
    /*
     * The direct chain (tcg_step_chain): blocks it may still enter before
     * it returns to tcg_run_chain, which bounds the stack where steps are
     * not tail calls; and the block it returned from when tcg_run_chain is
     * to go on (NULL: leave the chained loop).
     */
    uint32_t chain_left;
    struct TB *chain_tb;
    uint64_t chain_base, chain_mask;    /* pc = (RIP + base) & mask in the chain */
    struct TcgVcpu *next;       /* in TcgMachine.vcpus */
} TcgVcpu;

struct TcgMachine {
    Machine *machine;
    MemoryListener listener;
    _Atomic unsigned view_gen;
    pthread_mutex_t vcpus_lock;
    TcgVcpu *vcpus;
    X86CPUModel *default_model;
};

static inline TcgVcpu *tcg_vcpu(X86CPU *cpu)
{
    return (TcgVcpu *)cpu;
}

/*
 * Jump cache index of a virtual pc: the page picks a bucket, the offset a
 * slot in it, so forgetting one page (INVLPG) clears one bucket, not the
 * whole cache.
 */
static inline unsigned tb_jc_bucket(uint64_t pc)
{
    uint64_t page = pc >> 12;
    return (unsigned)((page ^ (page >> 6) ^ (page >> 12)) &
                      ((1u << (TB_JC_BITS - TB_JC_PAGE_BITS)) - 1)) << TB_JC_PAGE_BITS;
}

static inline unsigned tb_jc_index(uint64_t pc)
{
    return tb_jc_bucket(pc) | (unsigned)((pc ^ (pc >> 6)) & ((1u << TB_JC_PAGE_BITS) - 1));
}

/*
 * Leave the running block after the current instruction (code or map
 * changed). Only plain handlers can get here (x86_step_generic checks).
 */
static inline void tcg_exit_tb(TcgVcpu *t)
{
    t->cpu.exit_tb = true;
}

/*
 * May the chained loop follow a link from a block at pc_from to next? On
 * the same page always (a remap of that page would have kept us out of
 * the first block); to another page only while the code TLB still maps
 * next's page to the physical page it was translated from, which is what
 * tb_find would check.
 */
static inline bool tcg_link_ok(X86CPU *cpu, uint64_t pc_from, const struct TB *next)
{
    if (((pc_from ^ next->pc) & ~0xfffull) == 0)
        return true;
    const TlbEntry *e = &cpu->tlb.t[cpu->mmu_idx][(next->pc >> 12) & (TLB_SIZE - 1)];
    return e->addr_code == (next->pc & ~0xfffull) && e->phys == (next->phys & ~0xfffull);
}

/*
 * Where CS's limit lies from RIP: limit - EIP (mod 2^32), 0 in 64-bit mode
 * (no limit). Blocks are translated for, and found by, this key as well as
 * their flags, so the translator can cut a block at the limit with no
 * check at run time and a block cut under one limit is never found under
 * another. The chained loop need not compare it: it follows links only
 * while CS stays as it is (loading CS is an A_END instruction, an
 * exception or an interrupt, which all leave that loop), and between two
 * blocks the key changes by the distance between their pcs under any CS,
 * so a link made from a block with this key leads to the block with the
 * right one. Code always entered through the same CS keeps one block per
 * pc; the same bytes run through two CS bases are translated once each.
 */
static inline uint32_t tcg_cs_key(const X86CPU *cpu)
{
    if (cpu->code_size == 8)
        return 0;
    return cpu->s->segs[SEG_CS].limit - (uint32_t)cpu->s->rip;
}

/* Make t leave its chained loop at the next block boundary (any thread). */
static inline void tcg_attention(TcgVcpu *t)
{
    atomic_store(&t->attention, true);
}

/* tb-cache.c */
/*
 * What an empty link slot points to: an invalid block (its jmp_pc, -1,
 * never matches) whose one step leaves the chain, like an invalidated
 * block's first.
 */
extern TB tb_none;
int tb_cache_init(TbCache *c, Error *err);
void tb_cache_destroy(TbCache *c);
void tb_flush(TcgVcpu *t);
TB *tb_lookup(TcgVcpu *t, uint64_t pc, uint64_t phys, uint32_t flags, uint32_t cs_key);
/* Allocate room for a TB of up to TB_MAX_INSNS, and commit it with n used. */
TB *tb_alloc(TcgVcpu *t);
void tb_commit(TcgVcpu *t, TB *tb);
/*
 * Link slot k of from (owned by t) to to, at pc, unless either is invalid
 * by now: the link is recorded in to's jmp_in, and the one it replaces
 * taken out of its old target's, so that invalidating a TB empties the
 * slots that lead to it (they then hold tb_none at pc -1) and the owner
 * links them again to the new translation.
 */
void tb_link(TcgVcpu *t, TB *from, unsigned k, TB *to, uint64_t pc);
/* Invalidate the TBs of every vCPU that overlap [phys, phys+len). */
void tb_invalidate_phys_range(TcgMachine *tm, uint64_t phys, uint64_t len);
/* Does some TB of some vCPU cover the physical page? */
bool tb_page_has_code(TcgMachine *tm, uint64_t page);

/* tb.c */
TB *tb_translate(TcgVcpu *t, uint64_t pc, uint32_t flags, uint32_t cs_key);
TB *tb_find(TcgVcpu *t, uint64_t pc, uint32_t flags);

/* tlb.c */
void tlb_refresh_view(TcgVcpu *t);
uint64_t tlb_phys_ld(X86CPU *cpu, uint64_t pa, unsigned size);
void tlb_phys_or(X86CPU *cpu, uint64_t pa, unsigned size, uint64_t bits);

/* exec.c */
/* The TcgVcpu running guest code on this thread (NULL outside tcg_exec). */
extern __thread TcgVcpu *tcg_current;
/* One instruction per block everywhere (for trace comparisons). */
extern bool tcg_singlestep;
VcpuExit tcg_exec(TcgVcpu *t);
/*
 * The end steps of a block that may be followed by a linked one (insn.imm:
 * the TB), after a last instruction that sets next_rip or not (fast.h).
 */
void tcg_step_chain(X86CPU *cpu, const X86Insn *i, X86CPUState *s);
void tcg_step_chain_fall(X86CPU *cpu, const X86Insn *i, X86CPUState *s);
/*
 * The first step of an invalidated block and of tb_none: back to
 * tcg_exec_loop with RIP = the block's start, without running it.
 */
void tcg_step_unlinked(X86CPU *cpu, const X86Insn *i, X86CPUState *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The softmmu TLB of one vCPU: guest-linear page -> host pointer.
 *
 * One direct-mapped table per MMU index (supervisor, user, supervisor with
 * the SMAP override). An entry holds
 * three tags, one per access kind, each the linear page address when that
 * access may take the fast path, or the page address with TLB_* flag bits in
 * its low bits when it must go through the slow path (MMIO, ROM writes,
 * writes to pages holding translated code), or TLB_INVALID. The fast path is
 * then one compare: tag == (addr & page mask), and host = addr + addend.
 *
 * Invariants: an entry is filled only from a successful page walk, so its
 * permissions are those of the walk for that MMU index; every change that can
 * alter a translation (CR0/CR3/CR4/EFER writes, INVLPG, A20, a new memory
 * map, code appearing on a page) flushes the affected entries before the
 * next access. Accesses that cross a page take the slow path, which splits
 * them into bytes so that a fault on the second page is precise.
 */
#ifndef TANDEM_TCG_TLB_H
#define TANDEM_TCG_TLB_H

#include <stdbool.h>
#include <stdint.h>

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
/* 0: supervisor (and implicit supervisor accesses), 1: user (CPL 3),
 * 2: supervisor with EFLAGS.AC set under CR4.SMAP (may touch user pages) */
#define TLB_NB_MMU 3

#define TLB_INVALID  0x1ull
#define TLB_MMIO     0x2ull         /* not RAM: as_ld/as_st under the big lock */
#define TLB_NOTDIRTY 0x4ull         /* write tag only: the page holds code */
#define TLB_ROM      0x8ull         /* write tag only: writes are dropped */
#define TLB_WATCH    0x10ull        /* a DR0-3 data breakpoint is on this page */

typedef struct TlbEntry {
    uint64_t addr_read, addr_write, addr_code;
    uintptr_t addend;               /* host = linear + addend (RAM only) */
    uint64_t phys;                  /* physical page (slow paths, code) */
    bool global;                    /* G page with CR4.PGE: kept by CR3 writes */
} TlbEntry;

typedef struct Tlb {
    TlbEntry t[TLB_NB_MMU][TLB_SIZE];
} Tlb;

struct X86CPU;

/* Slow paths: fill on miss (may raise #PF), MMIO, code-page writes, splits. */
uint64_t tlb_ld_slow(struct X86CPU *cpu, uint64_t lin, unsigned size, unsigned idx);
void tlb_st_slow(struct X86CPU *cpu, uint64_t lin, unsigned size, uint64_t val,
                 unsigned idx);
/* Host pointer of RAM at lin for an instruction fetch, and its physical
 * address; raises #PF on a bad fetch; NULL when the page is not RAM. */
uint8_t *tlb_code_ptr(struct X86CPU *cpu, uint64_t lin, uint64_t *phys);
/*
 * For read-modify-write and atomics: host pointer to [lin, lin+size) if it
 * is writable RAM within one page (after checking write permission, which
 * may raise #PF); NULL if the caller must use loads and stores.
 */
void *tlb_rmw_ptr(struct X86CPU *cpu, uint64_t lin, unsigned size);
/* Host pointer to readable RAM at [lin, lin+size) in one page, or NULL. */
const void *tlb_read_ptr(struct X86CPU *cpu, uint64_t lin, unsigned size);

void tlb_flush(struct X86CPU *cpu);
/* A CR3 write: drop everything but global pages. */
void tlb_flush_nonglobal(struct X86CPU *cpu);
void tlb_flush_page(struct X86CPU *cpu, uint64_t lin);
/* Make writes to physical page 'phys' take the slow path (code appeared). */
void tlb_protect_code_page(struct X86CPU *cpu, uint64_t phys);

#endif

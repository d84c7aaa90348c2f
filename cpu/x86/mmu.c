/* SPDX-License-Identifier: MIT */
/*
 * The page walk: linear -> physical for every paging mode (32-bit with
 * PSE/PSE-36, PAE, 4-level), with the rights checks (U/S, R/W with CR0.WP,
 * NX, SMEP, SMAP), A/D updates and the page-fault error code of the SDM.
 * SMAP is per MMU index: index 0 (supervisor, implicit accesses included)
 * obeys it, index 2 is the EFLAGS.AC override. Protection keys are not
 * implemented (nor advertised).
 *
 * Rights combine over the levels: writable and user only if every level
 * says so, no-execute if any level says so (with EFER.NXE). Supervisor
 * writes ignore R/W unless CR0.WP. A/D bits are set with atomic ORs on the
 * guest's page tables (other vCPUs walk them too); the returned rights
 * grant write only when the leaf's D bit is set, so the TLB sends the first
 * write to a clean page back here to set it. Reserved bits (physical bits
 * above MAXPHYADDR = 40, NX without EFER.NXE, the PS-page low bits) give
 * #PF with RSVD. PDPTEs are read at walk time rather than at CR3 load.
 * Large pages are entered in the TLB as 4 KiB pieces; x86_mmu_large_seen
 * tells INVLPG to flush everything once any large page has been mapped.
 */
#include "cpu/x86/x86.h"
#include "accel/tcg/tlb.h"
#include "softmmu/log.h"

#define PG_P   (1ull << 0)
#define PG_RW  (1ull << 1)
#define PG_US  (1ull << 2)
#define PG_A   (1ull << 5)
#define PG_D   (1ull << 6)
#define PG_PS  (1ull << 7)
#define PG_G   (1ull << 8)
#define PG_NX  (1ull << 63)
#define PHYS_BITS 40
#define ADDR_MASK (((1ull << PHYS_BITS) - 1) & ~0xfffull)
#define RSVD_HIGH (((1ull << 52) - 1) & ~((1ull << PHYS_BITS) - 1))

uint64_t tlb_phys_ld(X86CPU *cpu, uint64_t pa, unsigned size);
void tlb_phys_or(X86CPU *cpu, uint64_t pa, unsigned size, uint64_t bits);

bool x86_mmu_translate(X86CPU *cpu, uint64_t lin, int acc, unsigned idx,
                       uint64_t *phys, unsigned *prot, uint32_t *error)
{
    bool user = idx == 1;
    X86CPUState *s = cpu->s;
    uint32_t err = (acc == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0);
    bool nxe = s->msr.efer & EFER_NXE;
    if (acc == ACC_EXEC && (nxe || (s->cr4 & CR4_SMEP)))
        err |= PF_I;

    if (!cpu->paging) {
        *phys = cpu->lma ? lin : (uint32_t)lin;
        *prot = 7;
        return true;
    }

    uint64_t pte_addr[5], pte[5];
    unsigned levels = 0;
    uint64_t rw = PG_RW, us = PG_US, nx = 0, page_mask, base;
    uint64_t rsvd_nx = nxe ? 0 : PG_NX;
    bool pae = s->cr4 & CR4_PAE;

    if (!pae) {
        uint64_t pde_a = (s->cr3 & 0xfffff000) + ((lin >> 22) & 0x3ff) * 4;
        uint64_t pde = tlb_phys_ld(cpu, pde_a, 4);
        pte_addr[levels] = pde_a; pte[levels++] = pde;
        if (!(pde & PG_P))
            goto fault;
        rw &= pde; us &= pde;
        if ((pde & PG_PS) && (s->cr4 & CR4_PSE)) {
            if (pde & (1ull << 21))
                goto rsvd;
            page_mask = 0x3fffff;
            base = (pde & 0xffc00000) | (((pde >> 13) & 0xff) << 32);
        } else {
            uint64_t pa = (pde & 0xfffff000) + ((lin >> 12) & 0x3ff) * 4;
            uint64_t p = tlb_phys_ld(cpu, pa, 4);
            pte_addr[levels] = pa; pte[levels++] = p;
            if (!(p & PG_P))
                goto fault;
            rw &= p; us &= p;
            page_mask = 0xfff;
            base = p & 0xfffff000;
        }
    } else {
        uint64_t table;
        int start;
        if (cpu->lma) {
            table = s->cr3 & ADDR_MASK;
            start = 3;
        } else {
            uint64_t pdpte_a = (s->cr3 & 0xffffffe0) + ((lin >> 30) & 3) * 8;
            uint64_t pdpte = tlb_phys_ld(cpu, pdpte_a, 8);
            if (!(pdpte & PG_P))
                goto fault;
            if (pdpte & (RSVD_HIGH | 0x1e6 | PG_NX))
                goto rsvd;
            table = pdpte & ADDR_MASK;
            start = 1;
        }
        for (int lvl = start; lvl >= 0; lvl--) {
            uint64_t ea = table + ((lin >> (12 + 9 * lvl)) & 0x1ff) * 8;
            uint64_t e = tlb_phys_ld(cpu, ea, 8);
            pte_addr[levels] = ea; pte[levels++] = e;
            if (!(e & PG_P))
                goto fault;
            if (e & (RSVD_HIGH | rsvd_nx))
                goto rsvd;
            if (lvl == 3 && (e & PG_PS))
                goto rsvd;
            rw &= e; us &= e; nx |= e & PG_NX;
            if (lvl > 0 && (e & PG_PS)) {
                if (lvl == 2 && !cpu->lma)
                    goto rsvd;
                uint64_t lbits = (1ull << (12 + 9 * lvl)) - 1;
                if (e & lbits & ~0x1fffull)        /* bits 13.. of the offset field */
                    goto rsvd;
                page_mask = lbits;
                base = e & ADDR_MASK & ~lbits;
                goto leaf;
            }
            table = e & ADDR_MASK;
        }
        page_mask = 0xfff;
        base = pte[levels - 1] & ADDR_MASK;
    }
leaf:
    err |= PF_P;
    if (user && !us)
        goto fault;
    if (acc == ACC_WRITE && !rw && (user || (s->cr0 & CR0_WP)))
        goto fault;
    if (acc == ACC_EXEC && nx)
        goto fault;
    if (acc == ACC_EXEC && !user && us && (s->cr4 & CR4_SMEP))
        goto fault;                 /* SMEP: supervisor fetch from a user page */
    if (acc != ACC_EXEC && idx == 0 && us && (s->cr4 & CR4_SMAP))
        goto fault;                 /* SMAP: supervisor data access to a user page */
    /* Accessed on every level, dirty on the leaf for a write. */
    unsigned esz = pae ? 8 : 4;
    for (unsigned k = 0; k < levels; k++) {
        uint64_t set = PG_A;
        if (k == levels - 1 && acc == ACC_WRITE)
            set |= PG_D;
        if ((pte[k] & set) != set)
            tlb_phys_or(cpu, pte_addr[k], esz, set);
    }
    bool dirty = (pte[levels - 1] & PG_D) || acc == ACC_WRITE;
    *phys = base | (lin & page_mask);
    *prot = ((rw || (!user && !(s->cr0 & CR0_WP))) && dirty ? 1 : 0) | (us ? 2 : 0) | (nx ? 0 : 4);
    if (page_mask != 0xfff)
        *prot |= 8;     /* large page */
    if ((pte[levels - 1] & PG_G) && (s->cr4 & CR4_PGE))
        *prot |= 16;    /* global: survives CR3 writes */
    return true;
rsvd:
    err |= PF_RSVD | PF_P;
fault:
    *error = err;
    return false;
}

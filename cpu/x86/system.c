/* SPDX-License-Identifier: MIT */
/*
 * System instructions: control and debug registers, descriptor-table
 * registers (LGDT/LIDT/LLDT/LTR and their stores), LAR/LSL/VERR/VERW,
 * CLI/STI, INVLPG, the fast system calls (SYSCALL/SYSRET, SYSENTER/SYSEXIT,
 * SWAPGS).
 *
 * Writes to CR0/CR3/CR4 and EFER are the mode switches: each validates the
 * new value (#GP for reserved bits and illegal combinations, e.g. PG
 * without PE, LME activation without PAE), updates EFER.LMA when paging is
 * turned on or off with LME set, flushes the TLB and recomputes the mode
 * cache. Their rows in insn.def end the translation block, so the next
 * instruction is decoded in the new mode.
 */
#include "cpu/x86/x86.h"

#define CR4_ALLOWED (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | (1u << 6) | CR4_PGE | \
                     (1u << 8) | CR4_OSFXSR | (1u << 10) | CR4_FSGSBASE | CR4_SMEP | \
                     CR4_SMAP)

static void need_cpl0(X86CPU *cpu)
{
    if (cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void x86_write_cr0(X86CPU *cpu, uint64_t val)
{
    X86CPUState *s = cpu->s;
    val |= CR0_ET;
    if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD)))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if ((val & CR0_PG) && !(s->cr0 & CR0_PG) && (s->msr.efer & EFER_LME)) {
        if (!(s->cr4 & CR4_PAE))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        s->msr.efer |= EFER_LMA;
    }
    if (!(val & CR0_PG) && (s->cr0 & CR0_PG) && (s->msr.efer & EFER_LMA)) {
        if (cpu->code_size == 8)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        s->msr.efer &= ~(uint64_t)EFER_LMA;
    }
    uint64_t old = s->cr0;
    s->cr0 = val;
    if ((old ^ val) & (CR0_PG | CR0_PE | CR0_WP))
        tlb_flush(cpu);
    x86_hflags_update(cpu);
}

void x86_write_cr3(X86CPU *cpu, uint64_t val)
{
    if (cpu->lma && (val >> 40))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->s->cr3 = val;
    tlb_flush_nonglobal(cpu);
}

void x86_write_cr4(X86CPU *cpu, uint64_t val)
{
    X86CPUState *s = cpu->s;
    /* CR4.OSXSAVE (bit 18) exists when XSAVE is advertised */
    uint64_t allowed = CR4_ALLOWED | (cpu->features[FEAT_XSAVE] ? 1u << 18 : 0);
    uint32_t id1[4];
    x86_cpuid_query(cpu, 1, 0, id1);
    if (id1[3] & 2)                 /* CPUID.1:EDX.VME: VME and PVI (vme.c) */
        allowed |= CR4_VME | CR4_PVI;
    if ((val & ~allowed) || (cpu->lma && !(val & CR4_PAE)))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t old = s->cr4;
    s->cr4 = val;
    if ((old ^ val) & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP))
        tlb_flush(cpu);
    x86_hflags_update(cpu);         /* the SMAP MMU index */
}

static unsigned cr_osz(const X86CPU *cpu)
{
    return cpu->code_size == 8 ? 8 : 4;
}

void x86_op_mov_from_cr(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint64_t v;
    switch (i->r1) {
    case 0: v = s->cr0; break;
    case 2: v = s->cr2; break;
    case 3: v = s->cr3; break;
    case 4: v = s->cr4; break;
    case 8: if (cpu->code_size == 8) { v = s->cr8; break; } /* fall through */
    default: x86_raise_exception(cpu, EXCP_UD);
    }
    need_cpl0(cpu);
    x86_reg_write(cpu, i->r2, cr_osz(cpu), v);
}

void x86_op_mov_to_cr(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (i->r1 != 0 && i->r1 != 2 && i->r1 != 3 && i->r1 != 4 && !(i->r1 == 8 && cpu->code_size == 8))
        x86_raise_exception(cpu, EXCP_UD);
    need_cpl0(cpu);
    uint64_t v = x86_reg_read(cpu, i->r2, cr_osz(cpu));
    switch (i->r1) {
    case 0: x86_write_cr0(cpu, v); break;
    case 2: s->cr2 = v; break;
    case 3: x86_write_cr3(cpu, v); break;
    case 4: x86_write_cr4(cpu, v); break;
    case 8:
        if (v > 15)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        s->cr8 = v;
        break;
    }
}

static unsigned dr_index(X86CPU *cpu, unsigned r)
{
    if (r > 7)
        x86_raise_exception(cpu, EXCP_UD);
    if (r == 4 || r == 5) {
        if (cpu->s->cr4 & CR4_DE)
            x86_raise_exception(cpu, EXCP_UD);
        r += 2;
    }
    return r;
}

void x86_op_mov_from_dr(X86CPU *cpu, const X86Insn *i)
{
    unsigned r = dr_index(cpu, i->r1);
    need_cpl0(cpu);
    x86_reg_write(cpu, i->r2, cr_osz(cpu), cpu->s->dr[r]);
}

void x86_op_mov_to_dr(X86CPU *cpu, const X86Insn *i)
{
    unsigned r = dr_index(cpu, i->r1);
    need_cpl0(cpu);
    uint64_t v = x86_reg_read(cpu, i->r2, cr_osz(cpu));
    if (r == 6)
        v = (v & 0x1e00f) | 0xffff0ff0;
    else if (r == 7)
        v = (v & 0xffff2bff) | 0x400;
    cpu->s->dr[r] = v;
    if (r < 4 || r == 7)
        tlb_flush(cpu);             /* data breakpoints live in the TLB (TLB_WATCH) */
}

void x86_op_clts(X86CPU *cpu, const X86Insn *i)
{
    need_cpl0(cpu);
    cpu->s->cr0 &= ~(uint64_t)CR0_TS;
}

void x86_op_lmsw(X86CPU *cpu, const X86Insn *i)
{
    need_cpl0(cpu);
    uint64_t lin;
    uint64_t v = x86_op1_read(cpu, i, &lin, ACC_READ) & 0xf;
    uint64_t cr0 = cpu->s->cr0;
    x86_write_cr0(cpu, (cr0 & ~0xeull) | v | (cr0 & CR0_PE));
}

void x86_op_smsw(X86CPU *cpu, const X86Insn *i)
{
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, i->osz, cpu->s->cr0);
    else
        x86_st(cpu, x86_insn_lin(cpu, i, 2, ACC_WRITE), 2, cpu->s->cr0);
}

/* ---- descriptor tables ---- */

static void dt_load(X86CPU *cpu, const X86Insn *i, DescTable *dt)
{
    need_cpl0(cpu);
    uint64_t ea = x86_ea(cpu, i);
    unsigned bsz = cpu->code_size == 8 ? 8 : 4;
    /* The segment check covers the whole pseudo-descriptor. */
    uint16_t limit = (uint16_t)x86_ld(cpu, x86_lin(cpu, i->seg, ea, 2 + bsz, ACC_READ), 2);
    uint64_t base = x86_ld(cpu, x86_lin_nochk(cpu, i->seg, (ea + 2) & x86_size_mask(i->asz)),
                           bsz);
    if (cpu->code_size != 8 && i->osz == 2)
        base &= 0xffffff;
    /* 64-bit mode: a non-canonical table base is #GP(0) (KVM's instruction
     * emulator does the same; the SDM's list names the operand address). */
    if (cpu->code_size == 8 && !x86_canonical_range(base, 1))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    dt->limit = limit;
    dt->base = base;
}

static void dt_store(X86CPU *cpu, const X86Insn *i, const DescTable *dt)
{
    uint64_t ea = x86_ea(cpu, i);
    unsigned bsz = cpu->code_size == 8 ? 8 : 4;
    x86_st(cpu, x86_lin(cpu, i->seg, ea, 2 + bsz, ACC_WRITE), 2, dt->limit);
    x86_st(cpu, x86_lin_nochk(cpu, i->seg, (ea + 2) & x86_size_mask(i->asz)), bsz, dt->base);
}

void x86_op_lgdt(X86CPU *cpu, const X86Insn *i) { dt_load(cpu, i, &cpu->s->gdt); }
void x86_op_lidt(X86CPU *cpu, const X86Insn *i) { dt_load(cpu, i, &cpu->s->idt); }
void x86_op_sgdt(X86CPU *cpu, const X86Insn *i) { dt_store(cpu, i, &cpu->s->gdt); }
void x86_op_sidt(X86CPU *cpu, const X86Insn *i) { dt_store(cpu, i, &cpu->s->idt); }

static void need_prot(X86CPU *cpu)
{
    if (!cpu->pe || cpu->vm86)
        x86_raise_exception(cpu, EXCP_UD);
}

/* LLDT / LTR: a system descriptor from the GDT (16 bytes in long mode). */
static void load_sys_seg(X86CPU *cpu, const X86Insn *i, bool tr)
{
    X86CPUState *s = cpu->s;
    need_prot(cpu);
    need_cpl0(cpu);
    uint64_t lin;
    uint16_t sel = (uint16_t)x86_op1_read(cpu, i, &lin, ACC_READ);
    SegmentCache *sc = tr ? &s->tr : &s->ldt;
    if (!(sel & 0xfffc)) {
        if (tr)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        sc->selector = sel;
        sc->attrib = 0;
        sc->base = 0;
        sc->limit = 0;
        return;
    }
    if (sel & 4)
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    unsigned esz = cpu->lma ? 16 : 8;
    if ((uint32_t)(sel & ~7u) + esz - 1 > s->gdt.limit)
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    uint64_t a = s->gdt.base + (sel & ~7u);
    uint64_t d = x86_ld_kernel(cpu, a, 8);
    uint64_t hi = cpu->lma ? x86_ld_kernel(cpu, a + 8, 8) : 0;
    unsigned type = (d >> 40) & 0x1f;
    bool ok = tr ? (type == 0x09 || (type == 0x01 && !cpu->lma)) : type == 0x02;
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
    SegmentCache n;
    x86_seg_from_desc(&n, sel, d | (tr ? 2ull << 40 : 0));
    if (cpu->lma)
        n.base |= (hi & 0xffffffff) << 32;
    /* IA-32e mode: a 16-byte descriptor whose base is not canonical is
     * refused, #GP(selector), before TR's busy bit is set (as KVM does). */
    if (cpu->lma && !x86_canonical_range(n.base, 1))
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    if (tr)
        x86_st_kernel(cpu, a + 5, 1, ((d >> 40) & 0xff) | 2);   /* busy */
    *sc = n;
}

void x86_op_lldt(X86CPU *cpu, const X86Insn *i) { load_sys_seg(cpu, i, false); }
void x86_op_ltr(X86CPU *cpu, const X86Insn *i)  { load_sys_seg(cpu, i, true); }

static void store_sel(X86CPU *cpu, const X86Insn *i, uint16_t sel)
{
    need_prot(cpu);
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, i->osz == 2 ? 2 : 4, sel);
    else
        x86_st(cpu, x86_insn_lin(cpu, i, 2, ACC_WRITE), 2, sel);
}

void x86_op_sldt(X86CPU *cpu, const X86Insn *i) { store_sel(cpu, i, cpu->s->ldt.selector); }
void x86_op_str(X86CPU *cpu, const X86Insn *i)  { store_sel(cpu, i, cpu->s->tr.selector); }

/* Is the descriptor of sel visible to LAR/LSL/VERR/VERW? */
static bool desc_visible(X86CPU *cpu, uint16_t sel, uint64_t *d, bool lsl)
{
    bool ok;
    if (!(sel & 0xfffc))
        return false;
    *d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        return false;
    unsigned type = (*d >> 40) & 0xf, dpl = (*d >> 45) & 3;
    if (!((*d >> 44) & 1)) {
        static const uint16_t lar_ok = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) |
                                       (1 << 9) | (1 << 11) | (1 << 12);
        static const uint16_t lsl_ok = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 11);
        uint16_t allowed = lsl ? lsl_ok : lar_ok;
        if (cpu->lma)
            allowed &= (1 << 2) | (1 << 9) | (1 << 11) | (lsl ? 0 : (1 << 12));
        if (!((allowed >> type) & 1))
            return false;
    } else if ((type & 0xc) == 0xc) {
        return true;                        /* conforming code: no DPL check */
    }
    return dpl >= cpu->cpl && dpl >= (sel & 3);
}

static void set_zf(X86CPU *cpu, bool z)
{
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)FLAG_ZF;
    x86_set_arith(cpu, (uint32_t)fl | (z ? FLAG_ZF : 0));
}

void x86_op_lar(X86CPU *cpu, const X86Insn *i)
{
    need_prot(cpu);
    uint64_t d;
    uint16_t sel = (uint16_t)x86_op2_read_size(cpu, i, 2);
    bool v = desc_visible(cpu, sel, &d, false);
    if (v)
        x86_reg_write(cpu, i->r1, i->osz, (d >> 32) & 0x00f0ff00);
    set_zf(cpu, v);
}

void x86_op_lsl(X86CPU *cpu, const X86Insn *i)
{
    need_prot(cpu);
    uint64_t d;
    uint16_t sel = (uint16_t)x86_op2_read_size(cpu, i, 2);
    bool v = desc_visible(cpu, sel, &d, true);
    if (v) {
        uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
        if (d & (1ull << 55))
            limit = (limit << 12) | 0xfff;
        x86_reg_write(cpu, i->r1, i->osz, limit);
    }
    set_zf(cpu, v);
}

static void verx(X86CPU *cpu, const X86Insn *i, bool write)
{
    need_prot(cpu);
    uint64_t lin, d;
    uint16_t sel = (uint16_t)x86_op1_read(cpu, i, &lin, ACC_READ);
    bool v = desc_visible(cpu, sel, &d, false) && ((d >> 44) & 1);
    if (v) {
        unsigned type = (d >> 40) & 0xf;
        v = write ? (type & 0xa) == 0x2 : (!(type & 8) || (type & 2));
    }
    set_zf(cpu, v);
}

void x86_op_verr(X86CPU *cpu, const X86Insn *i) { verx(cpu, i, false); }
void x86_op_verw(X86CPU *cpu, const X86Insn *i) { verx(cpu, i, true); }

/* ---- interrupts flag, caches, TLB ---- */

static bool if_allowed(X86CPU *cpu)
{
    unsigned iopl = (unsigned)(cpu->s->rflags >> 12) & 3;
    if (!cpu->pe)
        return true;
    if (cpu->vm86)
        return iopl == 3;
    return cpu->cpl <= iopl;
}

void x86_op_cli(X86CPU *cpu, const X86Insn *i)
{
    if (!if_allowed(cpu)) {
        x86_vme_cli(cpu);           /* VIF under CR4.VME / PVI, else #GP(0) */
        return;
    }
    cpu->s->rflags &= ~(uint64_t)FLAG_IF;
}

void x86_op_sti(X86CPU *cpu, const X86Insn *i)
{
    if (!if_allowed(cpu)) {
        x86_vme_sti(cpu);
        return;
    }
    if (!(cpu->s->rflags & FLAG_IF))
        cpu->irq_inhibit_next = true;
    cpu->s->rflags |= FLAG_IF;
}

void x86_op_invlpg(X86CPU *cpu, const X86Insn *i)
{
    need_cpl0(cpu);
    tlb_flush_page(cpu, x86_lin_nochk(cpu, i->seg, x86_ea(cpu, i)));
}

void x86_op_wbinvd(X86CPU *cpu, const X86Insn *i)
{
    need_cpl0(cpu);
}

/* ---- fast system calls ---- */

static void flat_seg(SegmentCache *sc, uint16_t sel, bool code, unsigned dpl, bool l64)
{
    sc->selector = sel;
    sc->base = 0;
    sc->limit = 0xffffffff;
    sc->attrib = (uint16_t)(SEG_ATTR_P | SEG_ATTR_S | (dpl << SEG_ATTR_DPL_SHIFT) |
                            (code ? 0xb : 0x3) | SEG_ATTR_G |
                            (l64 ? SEG_ATTR_L : SEG_ATTR_DB));
}

void x86_op_syscall(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (!(s->msr.efer & EFER_SCE) || !cpu->pe)
        x86_raise_exception(cpu, EXCP_UD);
    uint16_t sel = (uint16_t)(s->msr.star >> 32) & 0xfffc;
    uint64_t fl = x86_get_rflags(cpu);
    if (cpu->lma) {
        s->regs[R_ECX] = cpu->next_rip;
        s->regs[R_R11] = fl & ~(uint64_t)FLAG_RF;
        bool from64 = cpu->code_size == 8;
        flat_seg(&s->segs[SEG_CS], sel, true, 0, true);
        flat_seg(&s->segs[SEG_SS], (uint16_t)(sel + 8), false, 0, false);
        x86_set_rflags(cpu, 0, (s->msr.fmask | FLAG_RF) & 0x3f7fd7);
        cpu->next_rip = from64 ? s->msr.lstar : s->msr.cstar;
    } else {
        s->regs[R_ECX] = (uint32_t)cpu->next_rip;
        flat_seg(&s->segs[SEG_CS], sel, true, 0, false);
        flat_seg(&s->segs[SEG_SS], (uint16_t)(sel + 8), false, 0, false);
        x86_set_rflags(cpu, 0, FLAG_IF | FLAG_VM | FLAG_RF);
        cpu->next_rip = (uint32_t)s->msr.star;
    }
    x86_hflags_update(cpu);
}

void x86_op_sysret(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (!(s->msr.efer & EFER_SCE) || !cpu->pe)
        x86_raise_exception(cpu, EXCP_UD);
    need_cpl0(cpu);
    uint16_t base = (uint16_t)(s->msr.star >> 48);
    bool to64 = i->osz == 8;
    if (to64 && (uint64_t)((int64_t)(s->regs[R_ECX] << 16) >> 16) != s->regs[R_ECX])
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (cpu->lma) {
        flat_seg(&s->segs[SEG_CS], (uint16_t)((to64 ? base + 16 : base) | 3), true, 3, to64);
        x86_set_rflags(cpu, s->regs[R_R11], 0x3f7fd7);
        cpu->next_rip = to64 ? s->regs[R_ECX] : (uint32_t)s->regs[R_ECX];
    } else {
        flat_seg(&s->segs[SEG_CS], (uint16_t)(base | 3), true, 3, false);
        x86_set_rflags(cpu, FLAG_IF, FLAG_IF);
        cpu->next_rip = (uint32_t)s->regs[R_ECX];
    }
    flat_seg(&s->segs[SEG_SS], (uint16_t)((base + 8) | 3), false, 3, false);
    x86_hflags_update(cpu);
}

void x86_op_sysenter(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint16_t cs = (uint16_t)s->msr.sysenter_cs & 0xfffc;
    if (!cpu->pe || !cs)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    x86_set_rflags(cpu, 0, FLAG_VM | FLAG_IF | FLAG_RF);
    flat_seg(&s->segs[SEG_CS], cs, true, 0, cpu->lma);
    flat_seg(&s->segs[SEG_SS], (uint16_t)(cs + 8), false, 0, false);
    x86_hflags_update(cpu);
    s->regs[R_ESP] = cpu->lma ? s->msr.sysenter_esp : (uint32_t)s->msr.sysenter_esp;
    cpu->next_rip = cpu->lma ? s->msr.sysenter_eip : (uint32_t)s->msr.sysenter_eip;
}

void x86_op_sysexit(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint16_t cs = (uint16_t)s->msr.sysenter_cs & 0xfffc;
    if (!cpu->pe || !cs || cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    bool to64 = i->osz == 8;
    if (to64 && (!x86_canonical_range(s->regs[R_ECX], 1) ||
                 !x86_canonical_range(s->regs[R_EDX], 1)))
        x86_raise_exception_err(cpu, EXCP_GP, 0);       /* SDM SYSEXIT, 64-bit mode */
    flat_seg(&s->segs[SEG_CS], (uint16_t)((cs + (to64 ? 32 : 16)) | 3), true, 3, to64);
    flat_seg(&s->segs[SEG_SS], (uint16_t)((cs + (to64 ? 40 : 24)) | 3), false, 3, false);
    x86_hflags_update(cpu);
    s->regs[R_ESP] = to64 ? s->regs[R_ECX] : (uint32_t)s->regs[R_ECX];
    cpu->next_rip = to64 ? s->regs[R_EDX] : (uint32_t)s->regs[R_EDX];
}

void x86_op_swapgs(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    need_cpl0(cpu);
    uint64_t t = s->segs[SEG_GS].base;
    s->segs[SEG_GS].base = s->msr.kernel_gs_base;
    s->msr.kernel_gs_base = t;
}

/* RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE: #UD unless CR4.FSGSBASE. */
void x86_op_rdwrbase(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (!(s->cr4 & CR4_FSGSBASE))
        x86_raise_exception(cpu, EXCP_UD);
    unsigned which = (i->modrm >> 3) & 7;
    SegmentCache *sc = &s->segs[(which & 1) ? SEG_GS : SEG_FS];
    if (which < 2) {
        x86_reg_write(cpu, i->r1, i->osz, sc->base);
        return;
    }
    uint64_t v = x86_reg_read(cpu, i->r1, i->osz);
    if ((uint64_t)((int64_t)(v << 16) >> 16) != v)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    sc->base = v;
}

/* STAC / CLAC: set or clear EFLAGS.AC (the SMAP override), CPL 0 only. */
void x86_op_stac_clac(X86CPU *cpu, const X86Insn *i)
{
    if (cpu->cpl != 0 || !cpu->features[FEAT_SMAP])
        x86_raise_exception(cpu, EXCP_UD);
    bool set = (i->modrm & 7) == 3;
    x86_set_rflags(cpu, set ? FLAG_AC : 0, FLAG_AC);
}

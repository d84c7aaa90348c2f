/* SPDX-License-Identifier: MIT */
/*
 * Segmentation: loading segment registers with the checks of each mode,
 * far JMP/CALL/RET, and the instructions that move selectors (MOV Sreg,
 * LDS/LES/LFS/LGS/LSS, ARPL).
 *
 * A segment register's hidden part (SegmentCache) is filled from the
 * descriptor when the selector is loaded and not re-read afterwards, like
 * hardware. In real mode a load only sets selector and base (so "unreal"
 * limits survive); in virtual-8086 mode it also forces a 64 KiB data
 * segment at DPL 3. Protected-mode loads do the SDM's checks in its order,
 * with the selector (RPL cleared) as error code: #GP for type/privilege,
 * #NP (#SS for SS) for a not-present segment. Loading CS or SS changes the
 * mode cache (code and stack size, CPL), hence x86_hflags_update().
 * Call gates and task gates are not implemented yet: a far transfer through
 * one raises #GP and is logged under -d unimp.
 */
#include "cpu/x86/x86.h"
#include "softmmu/log.h"

void x86_seg_from_desc(SegmentCache *sc, uint16_t sel, uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    sc->selector = sel;
    sc->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
    sc->attrib = (uint16_t)(((d >> 40) & 0xff) | ((d >> 40) & 0xf000));
    sc->limit = (sc->attrib & SEG_ATTR_G) ? (limit << 12) | 0xfff : limit;
}

/* Address of the descriptor for sel, or 0 with *ok false if outside its table. */
static uint64_t desc_addr(X86CPU *cpu, uint16_t sel, bool *ok)
{
    X86CPUState *s = cpu->s;
    uint64_t base;
    uint32_t limit;
    if (sel & 4) {
        if (!(s->ldt.attrib & SEG_ATTR_P)) {
            *ok = false;
            return 0;
        }
        base = s->ldt.base;
        limit = s->ldt.limit;
    } else {
        base = s->gdt.base;
        limit = s->gdt.limit;
    }
    *ok = (uint32_t)(sel & ~7u) + 7 <= limit;
    uint64_t a = base + (sel & ~7u);
    return cpu->lma ? a : (uint32_t)a;
}

uint64_t x86_desc_read(X86CPU *cpu, uint16_t sel, bool *ok)
{
    uint64_t a = desc_addr(cpu, sel, ok);
    return *ok ? x86_ld_kernel(cpu, a, 8) : 0;
}

static void desc_set_accessed(X86CPU *cpu, uint16_t sel, uint64_t d)
{
    bool ok;
    if (d & (1ull << 40))
        return;
    uint64_t a = desc_addr(cpu, sel, &ok);
    if (ok)
        x86_st_kernel(cpu, a + 5, 1, ((d >> 40) & 0xff) | 1);
}

void x86_load_seg_real(X86CPU *cpu, int seg, uint16_t sel)
{
    SegmentCache *sc = &cpu->s->segs[seg];
    sc->selector = sel;
    sc->base = (uint64_t)sel << 4;
    if (cpu->vm86) {
        sc->limit = 0xffff;
        sc->attrib = SEG_ATTR_P | SEG_ATTR_S | (3 << SEG_ATTR_DPL_SHIFT) | 0x3 |
                     (seg == SEG_CS ? 0x8 : 0);
    }
    if (seg == SEG_CS || seg == SEG_SS)
        x86_hflags_update(cpu);
}

void x86_load_seg(X86CPU *cpu, int seg, uint16_t sel)
{
    X86CPUState *s = cpu->s;
    if (!cpu->pe || cpu->vm86) {
        x86_load_seg_real(cpu, seg, sel);
        return;
    }
    unsigned rpl = sel & 3, cpl = cpu->cpl;
    uint32_t err = sel & 0xfffc;
    if ((sel & 0xfffc) == 0) {
        if (seg == SEG_SS && !(cpu->code_size == 8 && cpl != 3 && rpl == cpl))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        SegmentCache *sc = &s->segs[seg];
        sc->selector = sel;
        /* unusable; a null SS (64-bit mode) keeps the DPL that is the CPL */
        sc->attrib = seg == SEG_SS ? (uint16_t)(rpl << SEG_ATTR_DPL_SHIFT) : 0;
        sc->base = 0;
        sc->limit = 0;
        if (seg == SEG_SS)
            x86_hflags_update(cpu);
        return;
    }
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
    bool sbit = (d >> 44) & 1, present = (d >> 47) & 1;
    if (!sbit)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (seg == SEG_SS) {
        if (rpl != cpl || dpl != cpl || (type & 0xa) != 0x2)
            x86_raise_exception_err(cpu, EXCP_GP, err);
        if (!present)
            x86_raise_exception_err(cpu, EXCP_SS, err);
    } else {
        bool code = type & 8;
        if (code && !(type & 2))
            x86_raise_exception_err(cpu, EXCP_GP, err);      /* execute-only */
        if ((!code || !(type & 4)) && (dpl < cpl || dpl < rpl))
            x86_raise_exception_err(cpu, EXCP_GP, err);
        if (!present)
            x86_raise_exception_err(cpu, EXCP_NP, err);
    }
    desc_set_accessed(cpu, sel, d);
    x86_seg_from_desc(&s->segs[seg], sel, d | (1ull << 40));
    if (seg == SEG_SS)
        x86_hflags_update(cpu);
}

/* Load CS for a far transfer to a code segment at privilege 'cpl'. */
static void load_cs(X86CPU *cpu, uint16_t sel, uint64_t d, unsigned new_cpl)
{
    SegmentCache *cs = &cpu->s->segs[SEG_CS];
    desc_set_accessed(cpu, sel, d);
    x86_seg_from_desc(cs, (uint16_t)((sel & ~3) | new_cpl), d | (1ull << 40));
    x86_hflags_update(cpu);
}

/* Check a code-segment descriptor for JMP/CALL far; returns it. */
static uint64_t far_target_desc(X86CPU *cpu, uint16_t sel)
{
    uint32_t err = sel & 0xfffc;
    if (!err)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3, cpl = cpu->cpl;
    if (!((d >> 44) & 1)) {
        log_mask_printf(LOG_UNIMP, "far transfer through system descriptor type %u\n", type);
        x86_raise_exception_err(cpu, EXCP_GP, err);
    }
    if (!(type & 8))
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (type & 4) {
        if (dpl > cpl)
            x86_raise_exception_err(cpu, EXCP_GP, err);
    } else if ((sel & 3) > cpl || dpl != cpl) {
        x86_raise_exception_err(cpu, EXCP_GP, err);
    }
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, err);
    return d;
}

static uint32_t desc_limit(uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    return (d & (1ull << 55)) ? (limit << 12) | 0xfff : limit;
}

void x86_far_jump(X86CPU *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
    off &= x86_size_mask(osz);
    if (!cpu->pe || cpu->vm86) {
        if (off > cpu->s->segs[SEG_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        x86_load_seg_real(cpu, SEG_CS, sel);
        cpu->next_rip = off;
        return;
    }
    uint64_t d = far_target_desc(cpu, sel);
    bool to64 = cpu->lma && (d & (1ull << 53));
    if (!to64 && off > desc_limit(d))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    load_cs(cpu, sel, d, cpu->cpl);
    cpu->next_rip = off;
}

void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
    X86CPUState *s = cpu->s;
    uint64_t ret = cpu->next_rip;
    uint16_t old_cs = s->segs[SEG_CS].selector;
    off &= x86_size_mask(osz);
    if (!cpu->pe || cpu->vm86) {
        if (off > s->segs[SEG_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        uint64_t sp = s->regs[R_ESP];
        x86_push(cpu, osz, old_cs);
        x86_push(cpu, osz, ret);
        (void)sp;
        x86_load_seg_real(cpu, SEG_CS, sel);
        cpu->next_rip = off;
        return;
    }
    uint64_t d = far_target_desc(cpu, sel);
    bool to64 = cpu->lma && (d & (1ull << 53));
    if (!to64 && off > desc_limit(d))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t old_sp = s->regs[R_ESP];
    x86_push(cpu, osz, old_cs);
    x86_push(cpu, osz, ret);
    uint64_t new_sp = s->regs[R_ESP];
    s->regs[R_ESP] = old_sp;
    load_cs(cpu, sel, d, cpu->cpl);
    s->regs[R_ESP] = new_sp;
    cpu->next_rip = off;
}

void x86_far_return(X86CPU *cpu, unsigned osz, unsigned pop_bytes, bool is_iret)
{
    X86CPUState *s = cpu->s;
    uint64_t smask = x86_stack_mask(cpu);
    unsigned ss_seg = cpu->code_size == 8 ? X86_SEG_NONE : SEG_SS;
    uint64_t sp = s->regs[R_ESP] & smask;
    uint64_t off = x86_ld(cpu, x86_lin(cpu, ss_seg, sp), osz);
    uint16_t sel = (uint16_t)x86_ld(cpu, x86_lin(cpu, ss_seg, (sp + osz) & smask), 2);
    if (!cpu->pe || cpu->vm86) {
        x86_load_seg_real(cpu, SEG_CS, sel);
        x86_set_sp(cpu, sp + 2 * osz + pop_bytes);
        cpu->next_rip = off & x86_size_mask(osz);
        return;
    }
    uint32_t err = sel & 0xfffc;
    unsigned rpl = sel & 3, cpl = cpu->cpl;
    if (!err || rpl < cpl)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
    if (!((d >> 44) & 1) || !(type & 8))
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if ((type & 4) ? dpl > rpl : dpl != rpl)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, err);
    uint64_t nsp = sp + 2 * osz + pop_bytes;
    if (rpl == cpl) {
        load_cs(cpu, sel, d, rpl);
        x86_set_sp(cpu, nsp);
    } else {
        /* Return to an outer level: SS:RSP follow on the stack. */
        uint64_t new_rsp = x86_ld(cpu, x86_lin(cpu, ss_seg, nsp & smask), osz);
        uint16_t new_ss = (uint16_t)x86_ld(cpu, x86_lin(cpu, ss_seg, (nsp + osz) & smask), 2);
        load_cs(cpu, sel, d, rpl);
        x86_load_seg(cpu, SEG_SS, new_ss);
        x86_reg_write(cpu, R_ESP, cpu->stack_size == 2 ? 2 : (osz == 2 ? 2 : 8), new_rsp + pop_bytes);
        /* Data segments the outer level may not use become null. */
        static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        for (unsigned k = 0; k < 4; k++) {
            SegmentCache *sc = &s->segs[data[k]];
            unsigned sdpl = (sc->attrib >> SEG_ATTR_DPL_SHIFT) & 3;
            bool conforming_code = (sc->attrib & 0xc) == 0xc;
            if (!conforming_code && sdpl < rpl && (sc->attrib & SEG_ATTR_S)) {
                sc->selector = 0;
                sc->attrib = 0;
            }
        }
    }
    cpu->next_rip = off & x86_size_mask(osz);
    (void)is_iret;
}

/* ---- instructions ---- */

void x86_op_jmpf(X86CPU *cpu, const X86Insn *i)
{
    x86_far_jump(cpu, i->imm2, i->imm, i->osz);
}

void x86_op_callf(X86CPU *cpu, const X86Insn *i)
{
    x86_far_call(cpu, i->imm2, i->imm, i->osz);
}

static void far_ptr(X86CPU *cpu, const X86Insn *i, uint16_t *sel, uint64_t *off)
{
    unsigned osz = i->osz;
    uint64_t ea = x86_ea(cpu, i);
    *off = x86_ld(cpu, x86_lin(cpu, i->seg, ea), osz);
    *sel = (uint16_t)x86_ld(cpu, x86_lin(cpu, i->seg, (ea + osz) & x86_size_mask(i->asz)), 2);
}

void x86_op_jmpf_ind(X86CPU *cpu, const X86Insn *i)
{
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, i, &sel, &off);
    x86_far_jump(cpu, sel, off, i->osz);
}

void x86_op_callf_ind(X86CPU *cpu, const X86Insn *i)
{
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, i, &sel, &off);
    x86_far_call(cpu, sel, off, i->osz);
}

void x86_op_retf(X86CPU *cpu, const X86Insn *i)
{
    x86_far_return(cpu, i->osz, i->k2 == K_IMM ? (unsigned)i->imm : 0, false);
}

void x86_op_mov_to_sreg(X86CPU *cpu, const X86Insn *i)
{
    unsigned seg = i->r1;           /* the decoder admits 0..5 only */
    if (seg == SEG_CS || seg >= SEG_COUNT)
        x86_raise_exception(cpu, EXCP_UD);
    uint16_t sel = (uint16_t)x86_op2_read_size(cpu, i, 2);
    x86_load_seg(cpu, (int)seg, sel);
    if (seg == SEG_SS)
        cpu->irq_inhibit_next = true;
}

void x86_op_mov_from_sreg(X86CPU *cpu, const X86Insn *i)
{
    unsigned seg = i->r2;
    if (seg >= SEG_COUNT)
        x86_raise_exception(cpu, EXCP_UD);
    uint16_t sel = cpu->s->segs[seg].selector;
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, i->osz == 2 ? 2 : 4, sel);
    else
        x86_st(cpu, x86_insn_lin(cpu, i), 2, sel);
}

void x86_op_lfp(X86CPU *cpu, const X86Insn *i)
{
    static const int seg_of[] = { [0xc4 & 7] = SEG_ES, [0xc5 & 7] = SEG_DS };
    int seg;
    switch (i->opc) {
    case 0xc4: case 0xc5: seg = seg_of[i->opc & 7]; break;
    case 0xb2: seg = SEG_SS; break;
    case 0xb4: seg = SEG_FS; break;
    default:   seg = SEG_GS; break;
    }
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, i, &sel, &off);
    x86_load_seg(cpu, seg, sel);
    x86_reg_write(cpu, i->r1, i->osz, off);
    if (seg == SEG_SS)
        cpu->irq_inhibit_next = true;
}

void x86_op_arpl(X86CPU *cpu, const X86Insn *i)
{
    if (!cpu->pe || cpu->vm86)
        x86_raise_exception(cpu, EXCP_UD);
    uint64_t lin = 0;
    uint64_t dst = x86_op1_read(cpu, i, &lin);
    uint64_t src = x86_reg_read(cpu, i->r2, 2);
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)FLAG_ZF;
    if ((dst & 3) < (src & 3)) {
        x86_op1_write(cpu, i, lin, (dst & ~3ull) | (src & 3));
        fl |= FLAG_ZF;
    }
    x86_set_arith(cpu, (uint32_t)fl);
}

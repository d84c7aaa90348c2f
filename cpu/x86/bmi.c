/* SPDX-License-Identifier: MIT */
/*
 * BMI1 and BMI2: the VEX-encoded general-purpose bit instructions (ANDN,
 * BEXTR, BLSI/BLSMSK/BLSR, BZHI, PDEP/PEXT, MULX, RORX, SARX/SHLX/SHRX).
 *
 * Operands (see the rows in insn.def): op1 is ModRM.reg, op2 the r/m
 * source and i->vreg the VEX.vvvv register, which is a source for most and
 * the destination of BLS*. Flags follow the SDM tables; the ones it calls
 * undefined get PF from the result and AF clear. The flagless BMI2 forms
 * leave RFLAGS alone, as they exist to do.
 */
#include "cpu/x86/x86.h"

static uint32_t res_flags(uint64_t r, unsigned sz)
{
    uint32_t f = 0;
    r &= x86_size_mask(sz);
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= FLAG_PF;
    if (!r)
        f |= FLAG_ZF;
    if ((r >> (sz * 8 - 1)) & 1)
        f |= FLAG_SF;
    return f;
}

void x86_op_andn(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t r = ~x86_reg_read(cpu, i->vreg, sz) & x86_op2_read(cpu, i) & x86_size_mask(sz);
    x86_reg_write(cpu, i->r1, sz, r);
    x86_set_arith(cpu, res_flags(r, sz));
}

void x86_op_blsx(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t m = x86_size_mask(sz), src = x86_op2_read(cpu, i), r;
    uint32_t f;
    switch ((i->modrm >> 3) & 7) {
    case 1:     /* BLSR: reset lowest set bit */
        r = src & (src - 1) & m;
        f = res_flags(r, sz) | (src == 0 ? FLAG_CF : 0);
        break;
    case 2:     /* BLSMSK: mask up to lowest set bit */
        r = (src ^ (src - 1)) & m;
        f = (res_flags(r, sz) & ~FLAG_ZF) | (src == 0 ? FLAG_CF : 0);
        break;
    default:    /* BLSI: isolate lowest set bit */
        r = src & (0 - src) & m;
        f = res_flags(r, sz) | (src != 0 ? FLAG_CF : 0);
        break;
    }
    x86_reg_write(cpu, i->vreg, sz, r);
    x86_set_arith(cpu, f);
}

void x86_op_bzhi(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, bits = sz * 8;
    uint64_t src = x86_op2_read(cpu, i);
    unsigned n = (unsigned)(x86_reg_read(cpu, i->vreg, sz) & 0xff);
    uint64_t r = n < bits ? src & ((1ull << n) - 1) : src;
    x86_reg_write(cpu, i->r1, sz, r);
    x86_set_arith(cpu, (res_flags(r, sz) & ~FLAG_PF) | (n > bits - 1 ? FLAG_CF : 0) |
                       (res_flags(r, sz) & FLAG_PF));
}

void x86_op_bextr(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, bits = sz * 8;
    uint64_t src = x86_op2_read(cpu, i), ctl = x86_reg_read(cpu, i->vreg, sz);
    unsigned start = (unsigned)(ctl & 0xff), len = (unsigned)((ctl >> 8) & 0xff);
    uint64_t r = start < bits ? src >> start : 0;
    if (len < 64)
        r &= (1ull << len) - 1;
    r &= x86_size_mask(sz);
    x86_reg_write(cpu, i->r1, sz, r);
    x86_set_arith(cpu, res_flags(r, sz) & (FLAG_ZF | FLAG_PF));
}

void x86_op_pdep(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t src = x86_reg_read(cpu, i->vreg, sz), mask = x86_op2_read(cpu, i), r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & (0 - mask);
        if (src & bit)
            r |= low;
        mask &= mask - 1;
    }
    x86_reg_write(cpu, i->r1, sz, r);
}

void x86_op_pext(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t src = x86_reg_read(cpu, i->vreg, sz), mask = x86_op2_read(cpu, i), r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & (0 - mask);
        if (src & low)
            r |= bit;
        mask &= mask - 1;
    }
    x86_reg_write(cpu, i->r1, sz, r);
}

void x86_op_mulx(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t src = x86_op2_read(cpu, i), d = x86_reg_read(cpu, R_EDX, sz), lo, hi;
    if (sz == 8) {
        unsigned __int128 p = (unsigned __int128)d * src;
        lo = (uint64_t)p;
        hi = (uint64_t)(p >> 64);
    } else {
        uint64_t p = d * src;
        lo = (uint32_t)p;
        hi = p >> 32;
    }
    x86_reg_write(cpu, i->vreg, sz, lo);
    x86_reg_write(cpu, i->r1, sz, hi);      /* written last: wins if the same register */
}

void x86_op_shiftx(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, bits = sz * 8;
    uint64_t src = x86_op2_read(cpu, i);
    unsigned c = (unsigned)(x86_reg_read(cpu, i->vreg, sz) & (bits - 1));
    uint64_t r;
    if (i->op == X86_INSN_SHLX)
        r = src << c;
    else if (i->op == X86_INSN_SHRX)
        r = src >> c;
    else
        r = (uint64_t)((int64_t)x86_sext(src, sz) >> c);
    x86_reg_write(cpu, i->r1, sz, r & x86_size_mask(sz));
}

void x86_op_rorx(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, bits = sz * 8;
    uint64_t src = x86_op2_read_size(cpu, i, sz);
    unsigned c = (unsigned)(i->imm & (bits - 1));
    uint64_t r = c ? (src >> c) | (src << (bits - c)) : src;
    x86_reg_write(cpu, i->r1, sz, r & x86_size_mask(sz));
}

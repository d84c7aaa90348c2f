/* SPDX-License-Identifier: MIT */
/*
 * Lazy condition codes: computing the arithmetic flags from what the last
 * flag-setting operation recorded (see x86.h), and evaluating conditions.
 *
 * Only the operations that are hot and whose flags are cheap to derive from
 * (result, operands, carry-in) are lazy: ADD/ADC/SUB/SBB/CMP/NEG, the
 * logical group and INC/DEC. Everything else (shifts, multiplies, BT, BCD)
 * computes its flags eagerly with x86_set_arith(). The formulas are the
 * SDM's definitions: CF is the carry/borrow out of the top bit, OF the
 * signed overflow, AF the carry out of bit 3, PF the even parity of the low
 * byte, ZF/SF from the truncated result. Flags the SDM leaves undefined get
 * what current Intel and AMD parts produce for these ops (AF = 0 for
 * logical operations).
 */
#include "cpu/x86/x86.h"

static inline uint32_t cc_pzs(uint64_t dst, unsigned size)
{
    uint32_t f = 0;
    dst &= x86_size_mask(size);
    if (!__builtin_parity((unsigned)(dst & 0xff)))
        f |= FLAG_PF;
    if (dst == 0)
        f |= FLAG_ZF;
    if (dst >> (size * 8 - 1))
        f |= FLAG_SF;
    return f;
}

uint32_t x86_cc_compute(const X86CPU *cpu)
{
    /* First: with the flags in rflags, cc_size may still be 0 (after reset). */
    if (cpu->cc_op == CC_OP_EFLAGS)
        return (uint32_t)cpu->s->rflags & FLAGS_ARITH;
    unsigned size = cpu->cc_size;
    uint64_t mask = x86_size_mask(size);
    uint64_t sign = 1ull << (size * 8 - 1);
    uint64_t d = cpu->cc_dst & mask, a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask;
    /*
     * INC and DEC add or take 1: their writers store neither operand, the
     * source being the result minus or plus 1.
     */
    if (cpu->cc_op == CC_OP_INC || cpu->cc_op == CC_OP_DEC) {
        b = 1;
        a = (cpu->cc_op == CC_OP_INC ? d - 1 : d + 1) & mask;
    }
    uint32_t f;

    switch (cpu->cc_op) {
    case CC_OP_ADD:
    case CC_OP_ADC:
    case CC_OP_INC:
        f = cc_pzs(d, size);
        if (cpu->cc_op == CC_OP_INC)
            f |= cpu->cc_aux ? FLAG_CF : 0;
        else if (cpu->cc_op == CC_OP_ADC && cpu->cc_aux)
            f |= d <= a ? FLAG_CF : 0;
        else
            f |= d < a ? FLAG_CF : 0;
        if ((a ^ d) & (b ^ d) & sign)
            f |= FLAG_OF;
        if ((a ^ b ^ d) & 0x10)
            f |= FLAG_AF;
        return f;
    case CC_OP_SUB:
    case CC_OP_SBB:
    case CC_OP_DEC:
        f = cc_pzs(d, size);
        if (cpu->cc_op == CC_OP_DEC)
            f |= cpu->cc_aux ? FLAG_CF : 0;
        else if (cpu->cc_op == CC_OP_SBB && cpu->cc_aux)
            f |= a <= b ? FLAG_CF : 0;
        else
            f |= a < b ? FLAG_CF : 0;
        if ((a ^ b) & (a ^ d) & sign)
            f |= FLAG_OF;
        if ((a ^ b ^ d) & 0x10)
            f |= FLAG_AF;
        return f;
    case CC_OP_LOGIC:
        return cc_pzs(d, size);
    }
    return 0;
}

bool x86_cond_slow(X86CPU *cpu, unsigned cc)
{
    uint32_t f = x86_cc_compute(cpu);
    bool r;
    switch (cc >> 1) {
    case 0: r = f & FLAG_OF; break;
    case 1: r = f & FLAG_CF; break;
    case 2: r = f & FLAG_ZF; break;
    case 3: r = f & (FLAG_CF | FLAG_ZF); break;
    case 4: r = f & FLAG_SF; break;
    case 5: r = f & FLAG_PF; break;
    case 6: r = !(f & FLAG_SF) != !(f & FLAG_OF); break;
    default: r = (f & FLAG_ZF) || (!(f & FLAG_SF) != !(f & FLAG_OF)); break;
    }
    return r ^ (cc & 1);
}

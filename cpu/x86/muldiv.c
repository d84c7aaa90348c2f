/* SPDX-License-Identifier: MIT */
/*
 * Multiply, divide and the BCD adjustments.
 *
 * MUL/IMUL define only CF and OF (set when the high half is significant);
 * we also set SF/ZF/PF from the low half of the result and clear AF, which is
 * what current Intel parts do. DIV/IDIV raise #DE for a zero divisor and for
 * a quotient that does not fit, before any register is written, and leave
 * the flags alone (they are undefined). 64-bit forms use 128-bit host
 * arithmetic.
 */
#include "cpu/x86/x86.h"

static inline uint32_t low_flags(uint64_t r, unsigned sz)
{
    uint32_t f = 0;
    r &= x86_size_mask(sz);
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= FLAG_PF;
    if (r == 0)
        f |= FLAG_ZF;
    if ((r >> (sz * 8 - 1)) & 1)
        f |= FLAG_SF;
    return f;
}

static uint64_t rm_read(X86CPU *cpu, const X86Insn *i)
{
    uint64_t lin;
    return x86_op1_read(cpu, i, &lin, ACC_READ);
}

void x86_op_mul(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    unsigned sz = i->osz;
    uint64_t b = rm_read(cpu, i), lo, hi;
    if (sz == 1) {
        unsigned r = (unsigned)(s->regs[R_EAX] & 0xff) * (unsigned)b;
        x86_reg_write(cpu, R_EAX, 2, r);
        lo = r & 0xff;
        hi = r >> 8;
    } else {
        unsigned __int128 r = (unsigned __int128)x86_reg_read(cpu, R_EAX, sz) * b;
        if (sz == 8) {
            lo = (uint64_t)r;
            hi = (uint64_t)(r >> 64);
        } else {
            lo = (uint64_t)r & x86_size_mask(sz);
            hi = (uint64_t)(r >> (sz * 8));
        }
        x86_reg_write(cpu, R_EAX, sz, lo);
        x86_reg_write(cpu, R_EDX, sz, hi);
    }
    x86_set_arith(cpu, low_flags(lo, sz) | (hi ? FLAG_CF | FLAG_OF : 0));
}

/* Signed product of a and b at size sz; *overflow if it does not fit sz. */
static uint64_t imul_sz(uint64_t a, uint64_t b, unsigned sz, uint64_t *hi, bool *overflow)
{
    __int128 r = (__int128)(int64_t)x86_sext(a, sz) * (__int128)(int64_t)x86_sext(b, sz);
    uint64_t lo = (uint64_t)r & x86_size_mask(sz);
    *overflow = (__int128)(int64_t)x86_sext(lo, sz) != r;
    *hi = sz == 8 ? (uint64_t)(r >> 64) : (uint64_t)(r >> (sz * 8)) & x86_size_mask(sz);
    return lo;
}

void x86_op_imul1(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t b = rm_read(cpu, i), hi;
    bool ov;
    uint64_t lo = imul_sz(x86_reg_read(cpu, R_EAX, sz), b, sz, &hi, &ov);
    if (sz == 1) {
        x86_reg_write(cpu, R_EAX, 2, (hi << 8) | lo);
    } else {
        x86_reg_write(cpu, R_EAX, sz, lo);
        x86_reg_write(cpu, R_EDX, sz, hi);
    }
    x86_set_arith(cpu, low_flags(lo, sz) | (ov ? FLAG_CF | FLAG_OF : 0));
}

void x86_op_imul2(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t b = x86_op2_read(cpu, i), hi;
    bool ov;
    uint64_t lo = imul_sz(x86_reg_read(cpu, i->r1, sz), b, sz, &hi, &ov);
    x86_reg_write(cpu, i->r1, sz, lo);
    x86_set_arith(cpu, low_flags(lo, sz) | (ov ? FLAG_CF | FLAG_OF : 0));
}

void x86_op_imul3(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t a = x86_op2_read_size(cpu, i, sz), hi;
    bool ov;
    uint64_t lo = imul_sz(a, i->imm, sz, &hi, &ov);
    x86_reg_write(cpu, i->r1, sz, lo);
    x86_set_arith(cpu, low_flags(lo, sz) | (ov ? FLAG_CF | FLAG_OF : 0));
}

void x86_op_div(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t d = rm_read(cpu, i);
    if (d == 0)
        x86_raise_exception(cpu, EXCP_DE);
    if (sz == 1) {
        unsigned n = (unsigned)x86_reg_read(cpu, R_EAX, 2);
        unsigned q = n / (unsigned)d, r = n % (unsigned)d;
        if (q > 0xff)
            x86_raise_exception(cpu, EXCP_DE);
        x86_reg_write(cpu, R_EAX, 2, (r << 8) | q);
        return;
    }
    unsigned __int128 n = ((unsigned __int128)x86_reg_read(cpu, R_EDX, sz) << (sz * 8)) |
                          x86_reg_read(cpu, R_EAX, sz);
    unsigned __int128 q = n / d;
    uint64_t r = (uint64_t)(n % d);
    if (q > x86_size_mask(sz))
        x86_raise_exception(cpu, EXCP_DE);
    x86_reg_write(cpu, R_EAX, sz, (uint64_t)q);
    x86_reg_write(cpu, R_EDX, sz, r);
}

void x86_op_idiv(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, bits = sz * 8;
    int64_t d = (int64_t)x86_sext(rm_read(cpu, i), sz);
    if (d == 0)
        x86_raise_exception(cpu, EXCP_DE);
    __int128 n;
    if (sz == 1)
        n = (int16_t)x86_reg_read(cpu, R_EAX, 2);
    else
    {
        unsigned __int128 u = ((unsigned __int128)x86_reg_read(cpu, R_EDX, sz) << bits) |
                              x86_reg_read(cpu, R_EAX, sz);
        u <<= 128 - 2 * bits;
        n = (__int128)u >> (128 - 2 * bits);
    }
    /* -2^127 / -1 cannot happen: n has at most 128 significant bits only for
     * sz == 8, and then the quotient check below catches the overflow. */
    if (sz == 8 && d == -1 && n == (__int128)((unsigned __int128)1 << 127))
        x86_raise_exception(cpu, EXCP_DE);
    __int128 q = n / d, r = n % d;
    __int128 qmax = ((__int128)1 << (bits - 1)) - 1, qmin = -((__int128)1 << (bits - 1));
    if (q > qmax || q < qmin)
        x86_raise_exception(cpu, EXCP_DE);
    if (sz == 1) {
        x86_reg_write(cpu, R_EAX, 2, (((uint64_t)r & 0xff) << 8) | ((uint64_t)q & 0xff));
        return;
    }
    x86_reg_write(cpu, R_EAX, sz, (uint64_t)q);
    x86_reg_write(cpu, R_EDX, sz, (uint64_t)r);
}

/* ---- BCD ---- */

void x86_op_daa(X86CPU *cpu, const X86Insn *i)
{
    uint64_t fl = x86_get_rflags(cpu);
    unsigned al = (unsigned)(cpu->s->regs[R_EAX] & 0xff), old = al;
    bool cf = fl & FLAG_CF, af = false;
    if ((al & 0xf) > 9 || (fl & FLAG_AF)) {
        al += 6;
        af = true;
    }
    if (old > 0x99 || cf) {
        al += 0x60;
        cf = true;
    } else {
        cf = false;
    }
    al &= 0xff;
    x86_reg_write(cpu, R_EAX, 1, al);
    x86_set_arith(cpu, low_flags(al, 1) | (cf ? FLAG_CF : 0) | (af ? FLAG_AF : 0));
}

void x86_op_das(X86CPU *cpu, const X86Insn *i)
{
    uint64_t fl = x86_get_rflags(cpu);
    unsigned al = (unsigned)(cpu->s->regs[R_EAX] & 0xff), old = al;
    bool cf = false, af = false;
    if ((al & 0xf) > 9 || (fl & FLAG_AF)) {
        cf = (fl & FLAG_CF) || al < 6;
        al -= 6;
        af = true;
    }
    if (old > 0x99 || (fl & FLAG_CF)) {
        al -= 0x60;
        cf = true;
    }
    al &= 0xff;
    x86_reg_write(cpu, R_EAX, 1, al);
    x86_set_arith(cpu, low_flags(al, 1) | (cf ? FLAG_CF : 0) | (af ? FLAG_AF : 0));
}

static void ascii_adjust(X86CPU *cpu, bool sub)
{
    uint64_t fl = x86_get_rflags(cpu);
    unsigned ax = (unsigned)(cpu->s->regs[R_EAX] & 0xffff);
    bool adj = (ax & 0xf) > 9 || (fl & FLAG_AF);
    /* AAS is AX - 6 then AH - 1 (SDM): AL's borrow reaches AH too, as on
     * the host CPU (AX 0000 with AF=1 gives FE0A). */
    if (adj)
        ax = sub ? ((ax - 6) & 0xffff) - 0x100 : ax + 0x106;
    ax &= 0xff0f;
    x86_reg_write(cpu, R_EAX, 2, ax);
    x86_set_arith(cpu, low_flags(ax & 0xff, 1) | (adj ? FLAG_CF | FLAG_AF : 0));
}

void x86_op_aaa(X86CPU *cpu, const X86Insn *i) { ascii_adjust(cpu, false); }
void x86_op_aas(X86CPU *cpu, const X86Insn *i) { ascii_adjust(cpu, true); }

void x86_op_aam(X86CPU *cpu, const X86Insn *i)
{
    unsigned base = (unsigned)i->imm & 0xff;
    unsigned al = (unsigned)(cpu->s->regs[R_EAX] & 0xff);
    if (base == 0)
        x86_raise_exception(cpu, EXCP_DE);
    unsigned r = ((al / base) << 8) | (al % base);
    x86_reg_write(cpu, R_EAX, 2, r);
    x86_set_arith(cpu, low_flags(r & 0xff, 1));
}

void x86_op_aad(X86CPU *cpu, const X86Insn *i)
{
    unsigned base = (unsigned)i->imm & 0xff;
    unsigned ax = (unsigned)(cpu->s->regs[R_EAX] & 0xffff);
    unsigned al = ((ax & 0xff) + (ax >> 8) * base) & 0xff;
    x86_reg_write(cpu, R_EAX, 2, al);
    x86_set_arith(cpu, low_flags(al, 1));
}

/* SPDX-License-Identifier: MIT */
/*
 * Shifts and rotates: SHL/SHR/SAR, ROL/ROR, RCL/RCR, SHLD/SHRD.
 *
 * The count is masked to 5 bits (6 with a 64-bit operand) first; a masked
 * count of zero changes nothing, not even flags (the destination is still
 * read, so a memory operand can fault). Flags are computed eagerly:
 * shifts set CF to the last bit shifted out and SF/ZF/PF from the result,
 * OF only has a defined value for a count of 1 (we produce the count-1
 * formula for every count, as Intel parts do for SHL/SHR), AF is left 0.
 * Rotates change only CF and OF. RCL/RCR rotate through CF over size+1 bits
 * (the count is taken modulo 9 or 17 for byte and word operands).
 */
#include "cpu/x86/x86.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

static inline uint32_t pzs(uint64_t r, unsigned bits)
{
    uint32_t f = 0;
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= FLAG_PF;
    if (r == 0)
        f |= FLAG_ZF;
    if ((r >> (bits - 1)) & 1)
        f |= FLAG_SF;
    return f;
}

static unsigned shift_count(X86CPU *cpu, const X86Insn *i)
{
    unsigned c = i->k2 == K_IMM ? (unsigned)i->imm : (unsigned)cpu->s->regs[R_ECX];
    return c & (i->osz == 8 ? 0x3f : 0x1f);
}

static inline __attribute__((always_inline)) void shift_sz(X86CPU *cpu, const X86Insn *i,
                                                           unsigned kind, unsigned sz)
{
    unsigned bits = sz * 8;
    uint64_t mask = x86_size_mask(sz), lin = 0;
    unsigned c = shift_count(cpu, i);
    uint64_t a = x86_op1_read(cpu, i, &lin, ACC_WRITE), r = 0;
    uint64_t fl;
    bool cf, of = false;

    if (c == 0) {
        /* No flags change, but a 32-bit register is still written (and so
         * zero-extended in 64-bit mode), as on hardware. */
        if (i->k1 == K_REG && sz == 4)
            x86_reg_write(cpu, i->r1, 4, a);
        return;
    }
    uint64_t msb = 1ull << (bits - 1);
    switch (kind) {
    case SH_SHL: case SH_SAL:
        r = c < 64 ? (a << c) & mask : 0;
        cf = c <= bits ? (a >> (bits - c)) & 1 : 0;
        of = ((r & msb) != 0) ^ cf;
        x86_op1_write(cpu, i, lin, r);
        x86_set_arith(cpu, pzs(r, bits) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
        return;
    case SH_SHR:
        r = a >> c;
        cf = (a >> (c - 1)) & 1;
        of = (a & msb) != 0;
        x86_op1_write(cpu, i, lin, r);
        x86_set_arith(cpu, pzs(r, bits) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
        return;
    case SH_SAR: {
        int64_t sa = (int64_t)x86_sext(a, sz);
        unsigned cc = c > 63 ? 63 : c;
        r = (uint64_t)(sa >> cc) & mask;
        cf = (uint64_t)(sa >> (cc - 1)) & 1;
        x86_op1_write(cpu, i, lin, r);
        x86_set_arith(cpu, pzs(r, bits) | (cf ? FLAG_CF : 0));
        return;
    }
    case SH_ROL: {
        unsigned k = c & (bits - 1);   /* bits is a power of two: no division */
        r = k ? ((a << k) | (a >> (bits - k))) & mask : a;
        cf = r & 1;
        of = ((r & msb) != 0) ^ cf;
        break;
    }
    case SH_ROR: {
        unsigned k = c & (bits - 1);   /* bits is a power of two: no division */
        r = k ? ((a >> k) | (a << (bits - k))) & mask : a;
        cf = (r & msb) != 0;
        of = cf ^ ((r >> (bits - 2)) & 1);
        break;
    }
    case SH_RCL: case SH_RCR: {
        unsigned k = bits < 32 ? c % (bits + 1) : c;
        bool cin = x86_get_cf(cpu);
        r = a;
        cf = cin;
        if (kind == SH_RCR)
            of = ((a & msb) != 0) ^ cin;
        for (unsigned n = 0; n < k; n++) {      /* k <= 63; rare instruction */
            if (kind == SH_RCL) {
                bool out = (r & msb) != 0;
                r = ((r << 1) | cf) & mask;
                cf = out;
            } else {
                bool out = r & 1;
                r = (r >> 1) | (cf ? msb : 0);
                cf = out;
            }
        }
        if (kind == SH_RCL)
            of = ((r & msb) != 0) ^ cf;
        break;
    }
    default:
        return;
    }
    /* Rotates: only CF and OF change. */
    x86_op1_write(cpu, i, lin, r);
    fl = x86_get_rflags(cpu) & ~(uint64_t)(FLAG_CF | FLAG_OF);
    x86_set_arith(cpu, (uint32_t)fl | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

static inline __attribute__((always_inline)) void shift_op(X86CPU *cpu, const X86Insn *i,
                                                           unsigned kind)
{
    shift_sz(cpu, i, kind, i->osz);
}

void x86_op_rol(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_ROL); }
void x86_op_ror(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_ROR); }
void x86_op_rcl(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_RCL); }
void x86_op_rcr(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_RCR); }
void x86_op_shl(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_SHL); }
void x86_op_shr(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_SHR); }
void x86_op_sar(X86CPU *cpu, const X86Insn *i) { shift_op(cpu, i, SH_SAR); }

/* Specialised 32-bit copies (see x86_insn_handler). */
/* ROL/ROR r32, imm8: the hot rotate of hashing loops, written out. */
static inline __attribute__((always_inline)) void rot_ri32(X86CPU *cpu, const X86Insn *i,
                                                           bool left)
{
    uint64_t *reg = &cpu->s->regs[i->r1];
    uint32_t a = (uint32_t)*reg;
    unsigned c = (unsigned)i->imm & 31;
    if (!c) {
        *reg = a;                   /* no flags, but the 32-bit write zero-extends */
        return;
    }
    uint32_t r = left ? (a << c) | (a >> (32 - c)) : (a >> c) | (a << (32 - c));
    *reg = r;
    bool cf = left ? (r & 1) : (r >> 31);
    bool of = left ? ((r >> 31) ^ cf) : ((r >> 31) ^ ((r >> 30) & 1));
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)(FLAG_CF | FLAG_OF);
    cpu->s->rflags = fl | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
}

void x86_op_rol_32(X86CPU *cpu, const X86Insn *i)
{
    if (i->k1 == K_REG && i->k2 == K_IMM)
        rot_ri32(cpu, i, true);
    else
        shift_sz(cpu, i, SH_ROL, 4);
}

void x86_op_ror_32(X86CPU *cpu, const X86Insn *i)
{
    if (i->k1 == K_REG && i->k2 == K_IMM)
        rot_ri32(cpu, i, false);
    else
        shift_sz(cpu, i, SH_ROR, 4);
}
void x86_op_shl_32(X86CPU *cpu, const X86Insn *i) { shift_sz(cpu, i, SH_SHL, 4); }
void x86_op_shr_32(X86CPU *cpu, const X86Insn *i) { shift_sz(cpu, i, SH_SHR, 4); }
void x86_op_sar_32(X86CPU *cpu, const X86Insn *i) { shift_sz(cpu, i, SH_SAR, 4); }

/* SHLD/SHRD: op1 shifted, bits filled from op2 (a register). */
static void shiftd_op(X86CPU *cpu, const X86Insn *i, bool left)
{
    unsigned sz = i->osz, bits = sz * 8;
    uint64_t mask = x86_size_mask(sz), lin = 0;
    unsigned c = ((i->opc & 1) ? (unsigned)cpu->s->regs[R_ECX] : (unsigned)i->imm)
                 & (sz == 8 ? 0x3f : 0x1f);
    uint64_t a = x86_op1_read(cpu, i, &lin, ACC_WRITE);
    uint64_t b = x86_reg_read(cpu, i->r2, sz), r;
    bool cf;
    if (c == 0) {
        if (i->k1 == K_REG && sz == 4)
            x86_reg_write(cpu, i->r1, 4, a);
        return;
    }
    if (sz == 2) {
        /* Counts above 16 are undefined; shift the 48-bit a:b:a like Intel. */
        uint64_t wide = (a << 32) | (b << 16) | a;
        if (left) {
            r = (wide >> (32 - c)) & 0xffff;
            cf = (wide >> (48 - c)) & 1;
        } else {
            r = (wide >> c) & 0xffff;
            cf = (wide >> (c - 1)) & 1;
        }
    } else if (left) {
        r = ((a << c) | (b >> (bits - c))) & mask;
        cf = (a >> (bits - c)) & 1;
    } else {
        r = ((a >> c) | (b << (bits - c))) & mask;
        cf = (a >> (c - 1)) & 1;
    }
    bool of = ((r ^ a) >> (bits - 1)) & 1;
    x86_op1_write(cpu, i, lin, r);
    x86_set_arith(cpu, pzs(r, bits) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

void x86_op_shld(X86CPU *cpu, const X86Insn *i) { shiftd_op(cpu, i, true); }
void x86_op_shrd(X86CPU *cpu, const X86Insn *i) { shiftd_op(cpu, i, false); }


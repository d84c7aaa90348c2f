/* SPDX-License-Identifier: MIT */
/*
 * Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT, and RDRAND
 * (which lives here for want of a better home: it is a register-result,
 * flag-setting instruction like the rest).
 *
 * BT* with a register bit offset and a memory operand address the bit
 * string relative to the operand: the signed offset selects the operand-
 * sized word at ea + (offset >> log2(bits)) * size, as the SDM describes;
 * an immediate offset is taken modulo the operand size. BT* define only CF
 * (ZF is preserved, the rest are left as they were). BSF/BSR leave the
 * destination unchanged for a zero source (what both vendors do) and set
 * ZF; the other flags stay.
 */
#include <sys/random.h>

#include "cpu/x86/x86.h"

/*
 * LOCK BTS/BTR/BTC on RAM: one host atomic, so that spinlocks built on them
 * (SeaBIOS's SMP start-up, Linux's bit locks) hold across vCPUs. Returns
 * the old value.
 */
#define BT_ATOMIC(type)                                                          \
    (kind == 1 ? __atomic_fetch_or((type *)p, (type)bit, __ATOMIC_SEQ_CST)       \
     : kind == 2 ? __atomic_fetch_and((type *)p, (type)~bit, __ATOMIC_SEQ_CST)   \
                 : __atomic_fetch_xor((type *)p, (type)bit, __ATOMIC_SEQ_CST))

static uint64_t bt_atomic(void *p, unsigned sz, unsigned kind, uint64_t bit)
{
    switch (sz) {
    case 2:  return BT_ATOMIC(uint16_t);
    case 4:  return BT_ATOMIC(uint32_t);
    default: return BT_ATOMIC(uint64_t);
    }
}

static void bt_op(X86CPU *cpu, const X86Insn *i, unsigned kind)
{
    unsigned sz = i->osz, bits = sz * 8;
    uint64_t off = x86_op2_read(cpu, i);
    uint64_t lin = 0, a;
    void *locked = NULL;        /* the atomic did the write */
    if (i->k1 == K_REG) {
        off &= bits - 1;
        a = x86_reg_read(cpu, i->r1, sz);
    } else {
        uint64_t ea = x86_ea(cpu, i);
        if (i->k2 == K_IMM) {
            off &= bits - 1;
        } else {
            int64_t soff = (int64_t)x86_sext(off, sz);
            int64_t word = soff >> (__builtin_ctz(bits));
            ea = (ea + (uint64_t)(word * (int64_t)sz)) & x86_size_mask(i->asz);
            off = (uint64_t)soff & (bits - 1);
        }
        lin = x86_lin(cpu, i->seg, ea, sz, kind ? ACC_WRITE : ACC_READ);
        locked = (i->pfx & PFX_LOCK) ? tlb_rmw_ptr(cpu, lin, sz) : NULL;
        a = locked ? bt_atomic(locked, sz, kind, 1ull << off) : x86_ld(cpu, lin, sz);
    }
    uint64_t bit = 1ull << off, r = a;
    switch (kind) {
    case 1: r = a | bit; break;
    case 2: r = a & ~bit; break;
    case 3: r = a ^ bit; break;
    }
    if (kind && !locked) {
        if (i->k1 == K_REG)
            x86_reg_write(cpu, i->r1, sz, r);
        else
            x86_st(cpu, lin, sz, r);
    }
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)FLAG_CF;
    x86_set_arith(cpu, (uint32_t)fl | ((a & bit) ? FLAG_CF : 0));
}

void x86_op_bt(X86CPU *cpu, const X86Insn *i)  { bt_op(cpu, i, 0); }
void x86_op_bts(X86CPU *cpu, const X86Insn *i) { bt_op(cpu, i, 1); }
void x86_op_btr(X86CPU *cpu, const X86Insn *i) { bt_op(cpu, i, 2); }
void x86_op_btc(X86CPU *cpu, const X86Insn *i) { bt_op(cpu, i, 3); }

static void bsx_op(X86CPU *cpu, const X86Insn *i, bool reverse)
{
    unsigned sz = i->osz;
    uint64_t v = x86_op2_read(cpu, i);
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)FLAG_ZF;
    if (v == 0) {
        x86_set_arith(cpu, (uint32_t)fl | FLAG_ZF);
        return;
    }
    x86_reg_write(cpu, i->r1, sz, reverse ? 63 - (uint64_t)__builtin_clzll(v)
                                          : (uint64_t)__builtin_ctzll(v));
    x86_set_arith(cpu, (uint32_t)fl);
}

void x86_op_bsf(X86CPU *cpu, const X86Insn *i) { bsx_op(cpu, i, false); }
void x86_op_bsr(X86CPU *cpu, const X86Insn *i) { bsx_op(cpu, i, true); }

static void cnt_flags(X86CPU *cpu, bool cf, bool zf)
{
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)(FLAG_CF | FLAG_ZF);
    x86_set_arith(cpu, (uint32_t)fl | (cf ? FLAG_CF : 0) | (zf ? FLAG_ZF : 0));
}

void x86_op_tzcnt(X86CPU *cpu, const X86Insn *i)
{
    unsigned bits = i->osz * 8;
    uint64_t v = x86_op2_read(cpu, i);
    uint64_t r = v ? (uint64_t)__builtin_ctzll(v) : bits;
    x86_reg_write(cpu, i->r1, i->osz, r);
    cnt_flags(cpu, v == 0, r == 0);
}

void x86_op_lzcnt(X86CPU *cpu, const X86Insn *i)
{
    unsigned bits = i->osz * 8;
    uint64_t v = x86_op2_read(cpu, i);
    uint64_t r = v ? (uint64_t)__builtin_clzll(v) - (64 - bits) : bits;
    x86_reg_write(cpu, i->r1, i->osz, r);
    cnt_flags(cpu, v == 0, r == 0);
}

void x86_op_popcnt(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v = x86_op2_read(cpu, i);
    x86_reg_write(cpu, i->r1, i->osz, (uint64_t)__builtin_popcountll(v));
    x86_set_arith(cpu, v ? 0 : FLAG_ZF);
}

/* RDRAND: host randomness; CF = 1 (success), the other flags clear. */
void x86_op_rdrand(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
        x86_reg_write(cpu, i->r1, i->osz, 0);
        x86_set_arith(cpu, 0);          /* CF = 0: "try again", as hardware may say */
        return;
    }
    x86_reg_write(cpu, i->r1, i->osz, v);
    x86_set_arith(cpu, FLAG_CF);
}

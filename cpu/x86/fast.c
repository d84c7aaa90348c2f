/* SPDX-License-Identifier: MIT */
/*
 * Step selection with block context: specialised threaded copies of the
 * hottest register-form instructions (memory forms: fast-mem.c), and the
 * flag liveness facts that let a translator drop flag computations nobody
 * can observe.
 *
 * Specialisation: a generic handler (alu.c, shift.c, control.c ...) serves
 * every form of its rows and decides at run time between register and
 * memory operands, operand sizes, condition codes. The copies here are the
 * same semantics compiled for one operand size and operand shape (register,
 * immediate, a constant shift count or condition), chosen once when the
 * block is translated, so the handler that runs does no dispatch of its own.
 *
 * Every step here runs its instruction and tail-calls the next step
 * (X86_STEP, fast.h); when its fast path does not apply it changes nothing
 * and runs the plain handler through x86_step_generic instead.
 *
 * Flag liveness: x86_insn_flags() says which of the six arithmetic flags an
 * instruction reads and always writes. Pure instructions (register and
 * immediate operands, no way to fault) are described exactly; memory ALU
 * forms write all six but read all six too, because they may fault; every
 * other instruction reads all six, so all flags are live wherever a block
 * can be left (an exception, the block's end, an exit after a store to
 * code). Between those
 * points an instruction whose written flags are all overwritten before any
 * reader gets a "no flags" copy that leaves the lazy state (x86.h) alone: it
 * still describes the flags of an older instruction, and liveness
 * guarantees that every flag read later comes from an instruction that did
 * compute it.
 *
 * Every handler here must equal its generic twin on registers, memory and
 * the flags it computes; tests/unit/test-x86-select.c runs both.
 */
/*
 * Steps end in tail calls (fast.h), and the direct chain of blocks relies
 * on them (exec.c): GCC makes them only from -O2 up unless asked.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("optimize-sibling-calls")
#endif
#include "cpu/x86/fast.h"

void x86_step_generic(X86CPU *cpu, const X86Insn *i, X86CPUState *s)
{
    uint64_t end = x86_step_rip(cpu, i);
    cpu->next_rip = end;
    s->rip = end - i->len;
    x86_step_of(i)->impl(cpu, i);
    /* Leave the block for the loop: code written, or an interrupt shadow
     * to start (the loop holds interrupts for the next instruction). */
    if (unlikely(cpu->exit_tb | cpu->irq_inhibit_next)) {
        s->rip = cpu->next_rip;
        return;
    }
    x86_step_next(cpu, i, s);
}

void x86_step_end(X86CPU *cpu, const X86Insn *i, X86CPUState *s)
{
    (void)i;
    s->rip = cpu->next_rip;
}

void x86_step_end_fall(X86CPU *cpu, const X86Insn *i, X86CPUState *s)
{
    s->rip = x86_step_rip(cpu, i);
}

bool x86_insn_sets_next_rip(const X86Insn *i)
{
    unsigned attr = x86_insn_attr(i->op);
    return (attr & A_BLK_MASK) || ((attr & A_REP) && (i->pfx & (PFX_REP | PFX_REPNE)));
}

/* ---- ALU: ADD OR ADC SBB AND SUB XOR CMP TEST with register/immediate ---- */

static inline __attribute__((always_inline)) bool fast_alu(X86CPU *cpu, X86CPUState *s,
                                                           const X86Insn *i,
                                                           unsigned op, unsigned sz,
                                                           bool imm, bool flags)
{
    static const uint8_t ccop[] = {
        CC_OP_ADD, CC_OP_LOGIC, CC_OP_ADC, CC_OP_SBB, CC_OP_LOGIC, CC_OP_SUB,
        CC_OP_LOGIC, CC_OP_SUB, CC_OP_LOGIC,
    };
    uint64_t mask = x86_size_mask(sz);
    uint64_t *regs = s->regs;
    uint64_t a = regs[i->r1] & mask;
    uint64_t b = (imm ? i->imm : regs[i->r2]) & mask;
    unsigned cin = 0;
    if (op == X86_ALU_ADC || op == X86_ALU_SBB) {
        int cf = x86_fast_cf(cpu, s);
        if (unlikely(cf < 0))
            return false;
        cin = (unsigned)cf;
    }
    uint64_t r = x86_alu_calc(op, a, b, cin) & mask;
    /* 8 and 16 bits keep the register's other bits; 32 zero-extends. */
    if (op != X86_ALU_CMP && op != X86_ALU_TEST)
        regs[i->r1] = sz < 4 ? (regs[i->r1] & ~mask) | r : r;
    if (flags && ccop[op] == CC_OP_LOGIC) {
        /* The logic flags come from the result alone (flags.c): no sources. */
        cpu->cc_op = CC_OP_LOGIC;
        cpu->cc_size = (uint8_t)sz;
        cpu->cc_dst = r;
    } else if (flags) {
        x86_set_cc(cpu, ccop[op], sz, r, a, b);
        if (op == X86_ALU_ADC || op == X86_ALU_SBB)
            cpu->cc_aux = (uint8_t)cin;
    }
    return true;
}

#define FAST_ALU_SZ(name, op, sz)                                                            \
    X86_STEP(fast_##name##_rr##sz, fast_alu(c, s_, i, op, sz / 8, false, true))              \
    X86_STEP(fast_##name##_ri##sz, fast_alu(c, s_, i, op, sz / 8, true, true))               \
    X86_STEP(fast_##name##_rr##sz##_nf, fast_alu(c, s_, i, op, sz / 8, false, false))        \
    X86_STEP(fast_##name##_ri##sz##_nf, fast_alu(c, s_, i, op, sz / 8, true, false))
#define FAST_ALU(name, op)                                                                   \
    FAST_ALU_SZ(name, op, 8) FAST_ALU_SZ(name, op, 16) FAST_ALU_SZ(name, op, 32)             \
    FAST_ALU_SZ(name, op, 64)
FAST_ALU(add, X86_ALU_ADD)
FAST_ALU(or, X86_ALU_OR)
FAST_ALU(adc, X86_ALU_ADC)
FAST_ALU(sbb, X86_ALU_SBB)
FAST_ALU(and, X86_ALU_AND)
FAST_ALU(sub, X86_ALU_SUB)
FAST_ALU(xor, X86_ALU_XOR)
/* CMP and TEST only write flags: their no-flags copy is fast_nop. */
#undef FAST_ALU_SZ
#define FAST_ALU_SZ(name, op, sz)                                                            \
    X86_STEP(fast_##name##_rr##sz, fast_alu(c, s_, i, op, sz / 8, false, true))              \
    X86_STEP(fast_##name##_ri##sz, fast_alu(c, s_, i, op, sz / 8, true, true))
FAST_ALU(cmp, X86_ALU_CMP)
FAST_ALU(test, X86_ALU_TEST)

X86_STEP(fast_nop, true)

/* [op][size 8/16/32/64][imm][nf]; CMP/TEST with dead flags do nothing. */
#define ALU_SZ(n, sz) { { fast_##n##_rr##sz, fast_##n##_rr##sz##_nf },                       \
                        { fast_##n##_ri##sz, fast_##n##_ri##sz##_nf } }
#define ALU_ROW(n) { ALU_SZ(n, 8), ALU_SZ(n, 16), ALU_SZ(n, 32), ALU_SZ(n, 64) }
#define ALU_SZ_F(n, sz) { { fast_##n##_rr##sz, fast_nop }, { fast_##n##_ri##sz, fast_nop } }
#define ALU_ROW_F(n) { ALU_SZ_F(n, 8), ALU_SZ_F(n, 16), ALU_SZ_F(n, 32), ALU_SZ_F(n, 64) }
static const X86StepFn fast_alu_tab[9][4][2][2] = {
    ALU_ROW(add), ALU_ROW(or), ALU_ROW(adc), ALU_ROW(sbb), ALU_ROW(and), ALU_ROW(sub),
    ALU_ROW(xor), ALU_ROW_F(cmp), ALU_ROW_F(test),
};

/* ---- INC/DEC register ---- */

/* cf0: CF is known to be 0 before it (x86_insn_zero_out), no need to read it. */
static inline __attribute__((always_inline)) bool fast_incdec(X86CPU *cpu, X86CPUState *s,
                                                              const X86Insn *i,
                                                              bool dec, unsigned sz, bool flags,
                                                              bool cf0)
{
    uint64_t mask = x86_size_mask(sz);
    uint64_t a = s->regs[i->r1] & mask;
    uint64_t r = (dec ? a - 1 : a + 1) & mask;
    if (flags) {
        int cf = cf0 ? 0 : x86_fast_cf(cpu, s);
        if (unlikely(cf < 0))
            return false;
        /* The operands follow from the result (flags.c). */
        cpu->cc_op = dec ? CC_OP_DEC : CC_OP_INC;
        cpu->cc_size = (uint8_t)sz;
        cpu->cc_dst = r;
        cpu->cc_aux = (uint8_t)cf;
    }
    s->regs[i->r1] = r;
    return true;
}

#define FAST_INCDEC(name, dec, sz)                                                           \
    X86_STEP(fast_##name##_r##sz, fast_incdec(c, s_, i, dec, sz / 8, true, false))           \
    X86_STEP(fast_##name##_r##sz##_cf0, fast_incdec(c, s_, i, dec, sz / 8, true, true))      \
    X86_STEP(fast_##name##_r##sz##_nf, fast_incdec(c, s_, i, dec, sz / 8, false, false))
FAST_INCDEC(inc, false, 32)
FAST_INCDEC(inc, false, 64)
FAST_INCDEC(dec, true, 32)
FAST_INCDEC(dec, true, 64)

/* [dec][size 32/64][flags, flags with CF = 0 before, no flags] */
static const X86StepFn fast_incdec_tab[2][2][3] = {
    { { fast_inc_r32, fast_inc_r32_cf0, fast_inc_r32_nf },
      { fast_inc_r64, fast_inc_r64_cf0, fast_inc_r64_nf } },
    { { fast_dec_r32, fast_dec_r32_cf0, fast_dec_r32_nf },
      { fast_dec_r64, fast_dec_r64_cf0, fast_dec_r64_nf } },
};

/* ---- shifts and rotates of a register by a non-zero constant ---- */

enum { SH_SHL, SH_SHR, SH_SAR, SH_ROL, SH_ROR, SH_KINDS };

static inline uint32_t fast_pzs(uint64_t r, unsigned bits)
{
    uint32_t f = __builtin_parity((unsigned)(r & 0xff)) ? 0 : FLAG_PF;
    if (r == 0)
        f |= FLAG_ZF;
    if ((r >> (bits - 1)) & 1)
        f |= FLAG_SF;
    return f;
}

/*
 * a (of sz = 4 or 8 bytes) rotated left by c < its width, written in the
 * form compilers turn into one rotate instruction.
 */
static inline uint64_t fast_rotl(uint64_t a, unsigned c, unsigned sz)
{
    if (sz == 4) {
        uint32_t x = (uint32_t)a;
        return (uint32_t)((x << c) | (x >> (-c & 31)));
    }
    return (a << c) | (a >> (-c & 63));
}

/*
 * The count is the masked immediate, known non-zero (a zero count leaves
 * the flags alone and is left to the generic handler). Flags as shift.c:
 * shifts set all six (AF = 0), rotates only CF and OF.
 */
static inline __attribute__((always_inline)) bool fast_shift(X86CPU *cpu, X86CPUState *s,
                                                             const X86Insn *i,
                                                             unsigned kind, unsigned sz,
                                                             bool flags)
{
    unsigned bits = sz * 8, c = (unsigned)i->imm & (bits - 1);
    uint64_t mask = x86_size_mask(sz), msb = 1ull << (bits - 1);
    uint64_t *reg = &s->regs[i->r1];
    uint64_t a = *reg & mask, r;
    bool cf, of;
    if (flags && (kind == SH_ROL || kind == SH_ROR) && cpu->cc_op != CC_OP_EFLAGS)
        return false;   /* the flags it keeps must be computed first: shift.c */
    switch (kind) {
    case SH_SHL:
        r = (a << c) & mask;
        cf = (a >> (bits - c)) & 1;
        of = ((r & msb) != 0) ^ cf;
        break;
    case SH_SHR:
        r = a >> c;
        cf = (a >> (c - 1)) & 1;
        of = (a & msb) != 0;
        break;
    case SH_SAR: {
        int64_t sa = (int64_t)x86_sext(a, sz);
        r = (uint64_t)(sa >> c) & mask;
        cf = (uint64_t)(sa >> (c - 1)) & 1;
        of = false;
        break;
    }
    case SH_ROL:
        r = fast_rotl(a, c, sz);
        cf = r & 1;
        of = ((r & msb) != 0) ^ cf;
        break;
    default:
        r = fast_rotl(a, -c & (bits - 1), sz);
        cf = (r & msb) != 0;
        of = cf ^ ((r >> (bits - 2)) & 1);
        break;
    }
    *reg = r;
    if (!flags)
        return true;
    uint32_t f = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
    if (kind == SH_ROL || kind == SH_ROR)
        s->rflags = (s->rflags & ~(uint64_t)(FLAG_CF | FLAG_OF)) | f;
    else
        x86_set_arith(cpu, fast_pzs(r, bits) | f);
    return true;
}

#define FAST_SHIFT(name, kind, sz)                                                           \
    X86_STEP(fast_##name##_ri##sz, fast_shift(c, s_, i, kind, sz / 8, true))                 \
    X86_STEP(fast_##name##_ri##sz##_nf, fast_shift(c, s_, i, kind, sz / 8, false))
#define FAST_SHIFT2(name, kind) FAST_SHIFT(name, kind, 32) FAST_SHIFT(name, kind, 64)
FAST_SHIFT2(shl, SH_SHL)
FAST_SHIFT2(shr, SH_SHR)
FAST_SHIFT2(sar, SH_SAR)
FAST_SHIFT2(rol, SH_ROL)
FAST_SHIFT2(ror, SH_ROR)

/* [kind][size 32/64][nf] */
#define SH_ROW(n) { { fast_##n##_ri32, fast_##n##_ri32_nf }, { fast_##n##_ri64, fast_##n##_ri64_nf } }
static const X86StepFn fast_shift_tab[SH_KINDS][2][2] = {
    SH_ROW(shl), SH_ROW(shr), SH_ROW(sar), SH_ROW(rol), SH_ROW(ror),
};

/* ---- LEA without RIP ---- */

static inline __attribute__((always_inline)) bool fast_lea(X86CPU *cpu, X86CPUState *s,
                                                           const X86Insn *i,
                                                           bool base, bool index, bool wide)
{
    uint64_t *regs = s->regs;
    uint64_t ea = (uint64_t)i->disp;
    if (base)
        ea += regs[i->base];
    if (index)
        ea += regs[i->index] << i->scale;
    regs[i->r1] = wide ? ea : (uint32_t)ea;
    return true;
}

#define FAST_LEA(name, b, x)                                                                 \
    X86_STEP(fast_lea_##name##32, fast_lea(c, s_, i, b, x, false))                           \
    X86_STEP(fast_lea_##name##64, fast_lea(c, s_, i, b, x, true))
FAST_LEA(d, false, false)
FAST_LEA(b, true, false)
FAST_LEA(i, false, true)
FAST_LEA(bi, true, true)

/* [base][index][wide] */
static const X86StepFn fast_lea_tab[2][2][2] = {
    { { fast_lea_d32, fast_lea_d64 }, { fast_lea_i32, fast_lea_i64 } },
    { { fast_lea_b32, fast_lea_b64 }, { fast_lea_bi32, fast_lea_bi64 } },
};

/*
 * Base plus scaled index without displacement, the scale a constant: one
 * host LEA, with no displacement or scale to load.
 */
static inline __attribute__((always_inline)) bool fast_lea_bs(X86CPUState *s, const X86Insn *i,
                                                              unsigned scale, bool wide)
{
    uint64_t *regs = s->regs;
    uint64_t ea = regs[i->base] + (regs[i->index] << scale);
    regs[i->r1] = wide ? ea : (uint32_t)ea;
    return true;
}

#define FAST_LEA_BS(sc)                                                                      \
    X86_STEP(fast_lea_bs##sc##_32, fast_lea_bs(s_, i, sc, false))                            \
    X86_STEP(fast_lea_bs##sc##_64, fast_lea_bs(s_, i, sc, true))
FAST_LEA_BS(0)
FAST_LEA_BS(1)
FAST_LEA_BS(2)
FAST_LEA_BS(3)

/* [scale][wide] */
static const X86StepFn fast_lea_bs_tab[4][2] = {
    { fast_lea_bs0_32, fast_lea_bs0_64 }, { fast_lea_bs1_32, fast_lea_bs1_64 },
    { fast_lea_bs2_32, fast_lea_bs2_64 }, { fast_lea_bs3_32, fast_lea_bs3_64 },
};

/* ---- Jcc / JMP rel with a constant condition ---- */

/*
 * The target of the relative branch j whose instruction ends at end, and in
 * *bad whether the branch may not go there (control.c then raises the
 * #GP). wide: 64-bit operand size (64-bit mode: no CS limit, the target
 * must be canonical); else a 32-bit one outside 64-bit mode, which wraps at
 * 4 GiB and checks the CS limit: x86_near_target_ok with the mode known.
 */
static inline __attribute__((always_inline)) uint64_t fast_rel_target(const X86CPUState *s,
                                                                      uint64_t end,
                                                                      const X86Insn *j,
                                                                      bool wide, bool *bad)
{
    uint64_t t = end + j->imm;
    if (!wide)
        t = (uint32_t)t;
    *bad = wide ? !x86_canonical_range(t, 1) : t > s->segs[SEG_CS].limit;
    return t;
}

static inline __attribute__((always_inline)) bool fast_branch(X86CPU *cpu, X86CPUState *s,
                                                              const X86Insn *i,
                                                              bool wide)
{
    bool bad;
    uint64_t t = fast_rel_target(s, x86_step_rip(cpu, i), i, wide, &bad);
    if (unlikely(bad))
        return false;                       /* control.c raises the #GP */
    cpu->next_rip = t;
    return true;
}

static inline __attribute__((always_inline)) bool fast_jcc(X86CPU *cpu, X86CPUState *s,
                                                           const X86Insn *i,
                                                           unsigned cc, bool wide)
{
    int taken = x86_fast_cond(cpu, s, cc);
    bool bad;
    uint64_t end = x86_step_rip(cpu, i), t = fast_rel_target(s, end, i, wide, &bad);
    /* As fast_fused: the target checked either way, no branch on the outcome. */
    if (unlikely(taken < 0 || (taken & bad)))
        return false;                       /* control.c raises the #GP */
    cpu->next_rip = taken ? t : end;
    return true;
}

#define FAST_JCC(cc)                                                                         \
    X86_STEP(fast_jcc##cc##_32, fast_jcc(c, s_, i, cc, false))                               \
    X86_STEP(fast_jcc##cc##_64, fast_jcc(c, s_, i, cc, true))
FAST_JCC(0) FAST_JCC(1) FAST_JCC(2) FAST_JCC(3) FAST_JCC(4) FAST_JCC(5) FAST_JCC(6) FAST_JCC(7)
FAST_JCC(8) FAST_JCC(9) FAST_JCC(10) FAST_JCC(11) FAST_JCC(12) FAST_JCC(13) FAST_JCC(14)
FAST_JCC(15)

#define JCC_ROW(cc) { fast_jcc##cc##_32, fast_jcc##cc##_64 }
static const X86StepFn fast_jcc_tab[16][2] = {
    JCC_ROW(0), JCC_ROW(1), JCC_ROW(2), JCC_ROW(3), JCC_ROW(4), JCC_ROW(5), JCC_ROW(6),
    JCC_ROW(7), JCC_ROW(8), JCC_ROW(9), JCC_ROW(10), JCC_ROW(11), JCC_ROW(12), JCC_ROW(13),
    JCC_ROW(14), JCC_ROW(15),
};

X86_STEP(fast_jmp_32, fast_branch(c, s_, i, false))
X86_STEP(fast_jmp_64, fast_branch(c, s_, i, true))

/* ---- IMUL r, r/imm ---- */

/*
 * Flags as muldiv.c: CF = OF = the product does not fit, SF/ZF/PF from the
 * truncated product, AF = 0. three: IMUL r, r, imm (else IMUL r, r).
 */
static inline __attribute__((always_inline)) bool fast_imul(X86CPU *cpu, X86CPUState *s,
                                                            const X86Insn *i,
                                                            unsigned sz, bool three, bool flags)
{
    uint64_t *regs = s->regs;
    int64_t a = (int64_t)x86_sext(three ? regs[i->r2] : regs[i->r1], sz);
    int64_t b = (int64_t)x86_sext(three ? i->imm : regs[i->r2], sz);
    int64_t p;
    bool ov;
    if (sz == 8) {
        ov = __builtin_mul_overflow(a, b, &p);
    } else {
        p = a * b;                          /* 32 x 32 bits fits in 64 */
        ov = p != (int64_t)(int32_t)p;
        p = (int64_t)(uint32_t)p;
    }
    regs[i->r1] = (uint64_t)p;
    if (flags)
        x86_set_arith(cpu, fast_pzs((uint64_t)p, sz * 8) | (ov ? FLAG_CF | FLAG_OF : 0));
    return true;
}

#define FAST_IMUL(name, three)                                                               \
    X86_STEP(fast_##name##_32, fast_imul(c, s_, i, 4, three, true))                          \
    X86_STEP(fast_##name##_64, fast_imul(c, s_, i, 8, three, true))                          \
    X86_STEP(fast_##name##_32_nf, fast_imul(c, s_, i, 4, three, false))                      \
    X86_STEP(fast_##name##_64_nf, fast_imul(c, s_, i, 8, three, false))
FAST_IMUL(imul2, false)
FAST_IMUL(imul3, true)

/* [three][size 32/64][nf] */
static const X86StepFn fast_imul_tab[2][2][2] = {
    { { fast_imul2_32, fast_imul2_32_nf }, { fast_imul2_64, fast_imul2_64_nf } },
    { { fast_imul3_32, fast_imul3_32_nf }, { fast_imul3_64, fast_imul3_64_nf } },
};

/* ---- CMOVcc / SETcc with register operands ---- */

static inline __attribute__((always_inline)) bool fast_cmov(X86CPU *cpu, X86CPUState *s,
                                                            const X86Insn *i,
                                                            unsigned cc, bool wide)
{
    int c = x86_fast_cond(cpu, s, cc);
    if (unlikely(c < 0))
        return false;
    uint64_t *regs = s->regs;
    uint64_t v = c ? regs[i->r2] : regs[i->r1];
    regs[i->r1] = wide ? v : (uint32_t)v;   /* a 32-bit CMOV zero-extends either way */
    return true;
}

static inline __attribute__((always_inline)) bool fast_setcc(X86CPU *cpu, X86CPUState *s,
                                                             const X86Insn *i,
                                                             unsigned cc)
{
    int c = x86_fast_cond(cpu, s, cc);
    if (unlikely(c < 0))
        return false;
    uint64_t *reg = &s->regs[i->r1];
    *reg = (*reg & ~0xffull) | (unsigned)c;
    return true;
}

#define FAST_CC(cc)                                                                          \
    X86_STEP(fast_cmov##cc##_32, fast_cmov(c, s_, i, cc, false))                             \
    X86_STEP(fast_cmov##cc##_64, fast_cmov(c, s_, i, cc, true))                              \
    X86_STEP(fast_set##cc, fast_setcc(c, s_, i, cc))
FAST_CC(0) FAST_CC(1) FAST_CC(2) FAST_CC(3) FAST_CC(4) FAST_CC(5) FAST_CC(6) FAST_CC(7)
FAST_CC(8) FAST_CC(9) FAST_CC(10) FAST_CC(11) FAST_CC(12) FAST_CC(13) FAST_CC(14) FAST_CC(15)

#define CC_ROW(cc) { fast_cmov##cc##_32, fast_cmov##cc##_64, fast_set##cc }
/* [cc][cmov32, cmov64, setcc] */
static const X86StepFn fast_cc_tab[16][3] = {
    CC_ROW(0), CC_ROW(1), CC_ROW(2), CC_ROW(3), CC_ROW(4), CC_ROW(5), CC_ROW(6), CC_ROW(7),
    CC_ROW(8), CC_ROW(9), CC_ROW(10), CC_ROW(11), CC_ROW(12), CC_ROW(13), CC_ROW(14),
    CC_ROW(15),
};

/* ---- MOVZX / MOVSX / MOVSXD between registers ---- */

static inline __attribute__((always_inline)) bool fast_movx(X86CPU *cpu, X86CPUState *s,
                                                            const X86Insn *i,
                                                            unsigned sz, unsigned src, bool sx)
{
    uint64_t *regs = s->regs;
    uint64_t v = regs[i->r2] & x86_size_mask(src);
    if (sx)
        v = x86_sext(v, src);
    regs[i->r1] = v & x86_size_mask(sz);
    return true;
}

#define FAST_MOVX(name, sz, src, sx) X86_STEP(fast_##name, fast_movx(c, s_, i, sz, src, sx))
X86_MOVX_FORMS(FAST_MOVX)
#define FAST_MOVX_ENTRY(name, sz, src, sx) fast_##name,
static const X86StepFn fast_movx_tab[X86_MOVX_COUNT] = { X86_MOVX_FORMS(FAST_MOVX_ENTRY) };

/* ---- MOV between registers, MOV r, imm ---- */

static inline __attribute__((always_inline)) bool fast_mov(X86CPU *cpu, X86CPUState *s,
                                                           const X86Insn *i,
                                                           bool wide, bool imm)
{
    uint64_t *regs = s->regs;
    uint64_t v = imm ? i->imm : regs[i->r2];
    regs[i->r1] = wide ? v : (uint32_t)v;
    return true;
}

X86_STEP(fast_mov_rr32, fast_mov(c, s_, i, false, false))
X86_STEP(fast_mov_rr64, fast_mov(c, s_, i, true, false))
X86_STEP(fast_mov_ri32, fast_mov(c, s_, i, false, true))
X86_STEP(fast_mov_ri64, fast_mov(c, s_, i, true, true))

/* ---- CMP/TEST/SUB/DEC/INC fused with the Jcc after it ---- */

/*
 * The pair at the end of a block (the Jcc last) runs as one step: the ALU
 * part, the condition straight from the result, the branch, then the end
 * step. If the ALU part's fast path does not apply, its plain handler runs
 * and the Jcc step follows as usual; if the condition is not cheap or the
 * branch would fault (CS limit), the ALU part stays done and the Jcc step
 * runs on its own and decides.
 */
enum { FU_CMP_RR, FU_CMP_RI, FU_TEST_RR, FU_TEST_RI, FU_SUB_RR, FU_SUB_RI, FU_DEC, FU_INC,
       FU_DEC_CF0, FU_INC_CF0, FU_FORMS };     /* _CF0: CF known 0 before it */

/* sz: the ALU part's operand size; jwide: the Jcc's is 64 bits (no CS limit;
 * the target must be canonical instead). */
static inline __attribute__((always_inline)) void fast_fused(X86CPU *cpu, const X86Insn *i,
                                                             X86CPUState *s, unsigned form,
                                                             unsigned sz, bool jwide, unsigned cc)
{
    bool ok, imm = form == FU_CMP_RI || form == FU_TEST_RI || form == FU_SUB_RI;
    const X86Step *after = x86_step_of(i) + 2;      /* early, as in X86_STEP */
    X86StepFn after_fn = after->fn;
    if (form == FU_CMP_RR || form == FU_CMP_RI)
        ok = fast_alu(cpu, s, i, X86_ALU_CMP, sz, imm, true);
    else if (form == FU_TEST_RR || form == FU_TEST_RI)
        ok = fast_alu(cpu, s, i, X86_ALU_TEST, sz, imm, true);
    else if (form == FU_SUB_RR || form == FU_SUB_RI)
        ok = fast_alu(cpu, s, i, X86_ALU_SUB, sz, imm, true);
    else
        ok = fast_incdec(cpu, s, i, form == FU_DEC || form == FU_DEC_CF0, sz, true,
                         form == FU_DEC_CF0 || form == FU_INC_CF0);
    if (unlikely(!ok)) {
        x86_step_generic(cpu, i, s);
        return;
    }
    const X86Insn *j = &(x86_step_of(i) + 1)->i;
    int taken = x86_fast_cond(cpu, s, cc);
    /*
     * The target's check whether taken or not, and no branch on the
     * outcome: the usual path is straight, whichever way the guest goes.
     */
    bool bad;
    uint64_t end = x86_step_rip(cpu, j), t = fast_rel_target(s, end, j, jwide, &bad);
    if (unlikely(taken < 0 || (taken & bad))) {
        x86_step_next(cpu, i, s);           /* the Jcc step on its own */
        return;
    }
    cpu->next_rip = taken ? t : end;
    after_fn(cpu, &after->i, s);
}

#define FUSED_ONE(name, form, sz, w, cc)                                                     \
    static void fused_##name##_##cc(X86CPU *c, const X86Insn *i, X86CPUState *s)            \
    {                                                                                        \
        fast_fused(c, i, s, form, sz, w, cc);                                                \
    }
#define FUSED16(name, form, sz, w)                                                           \
    FUSED_ONE(name, form, sz, w, 0) FUSED_ONE(name, form, sz, w, 1)                          \
    FUSED_ONE(name, form, sz, w, 2) FUSED_ONE(name, form, sz, w, 3)                          \
    FUSED_ONE(name, form, sz, w, 4) FUSED_ONE(name, form, sz, w, 5)                          \
    FUSED_ONE(name, form, sz, w, 6) FUSED_ONE(name, form, sz, w, 7)                          \
    FUSED_ONE(name, form, sz, w, 8) FUSED_ONE(name, form, sz, w, 9)                          \
    FUSED_ONE(name, form, sz, w, 10) FUSED_ONE(name, form, sz, w, 11)                        \
    FUSED_ONE(name, form, sz, w, 12) FUSED_ONE(name, form, sz, w, 13)                        \
    FUSED_ONE(name, form, sz, w, 14) FUSED_ONE(name, form, sz, w, 15)
/* 32-bit code; 64-bit code with a 32- or a 64-bit ALU part */
#define FUSED_SZ(name, form)                                                                 \
    FUSED16(name##32, form, 4, false) FUSED16(name##32w, form, 4, true)                     \
    FUSED16(name##64, form, 8, true)
FUSED_SZ(cmp_rr, FU_CMP_RR)
FUSED_SZ(cmp_ri, FU_CMP_RI)
FUSED_SZ(test_rr, FU_TEST_RR)
FUSED_SZ(test_ri, FU_TEST_RI)
FUSED_SZ(sub_rr, FU_SUB_RR)
FUSED_SZ(sub_ri, FU_SUB_RI)
FUSED_SZ(dec, FU_DEC)
FUSED_SZ(inc, FU_INC)
FUSED_SZ(dec_cf0, FU_DEC_CF0)
FUSED_SZ(inc_cf0, FU_INC_CF0)

#define FUSED_ROW16(name)                                                                    \
    { fused_##name##_0, fused_##name##_1, fused_##name##_2, fused_##name##_3,               \
      fused_##name##_4, fused_##name##_5, fused_##name##_6, fused_##name##_7,               \
      fused_##name##_8, fused_##name##_9, fused_##name##_10, fused_##name##_11,             \
      fused_##name##_12, fused_##name##_13, fused_##name##_14, fused_##name##_15 }
#define FUSED_ROW(name) { FUSED_ROW16(name##32), FUSED_ROW16(name##32w), FUSED_ROW16(name##64) }
/* [form][32-bit code, 64-bit code with a 32-bit ALU part, with a 64-bit one][cc] */
static const X86StepFn fused_tab[FU_FORMS][3][16] = {
    FUSED_ROW(cmp_rr), FUSED_ROW(cmp_ri), FUSED_ROW(test_rr), FUSED_ROW(test_ri),
    FUSED_ROW(sub_rr), FUSED_ROW(sub_ri), FUSED_ROW(dec), FUSED_ROW(inc),
    FUSED_ROW(dec_cf0), FUSED_ROW(inc_cf0),
};

/* ---- flag facts ---- */

/* The flags condition code cc (Jcc's low nibble) reads. */
static uint32_t cond_flags(unsigned cc)
{
    static const uint32_t f[8] = {
        FLAG_OF, FLAG_CF, FLAG_ZF, FLAG_CF | FLAG_ZF, FLAG_SF, FLAG_PF,
        FLAG_SF | FLAG_OF, FLAG_ZF | FLAG_SF | FLAG_OF,
    };
    return f[(cc >> 1) & 7];
}

/* ALU operation of a generic handler (X86_ALU_*), or -1. */
static int alu_kind(X86Handler h)
{
    static const X86Handler alu[9] = {
        x86_op_add, x86_op_or, x86_op_adc, x86_op_sbb, x86_op_and, x86_op_sub, x86_op_xor,
        x86_op_cmp, x86_op_test,
    };
    for (int k = 0; k < 9; k++)
        if (h == alu[k])
            return k;
    return -1;
}

/* Shift kind (SH_*) of a generic handler, or -1. */
static int shift_kind(X86Handler h)
{
    static const X86Handler sh[SH_KINDS] = { x86_op_shl, x86_op_shr, x86_op_sar, x86_op_rol,
                                             x86_op_ror };
    for (int k = 0; k < SH_KINDS; k++)
        if (h == sh[k])
            return k;
    return -1;
}

/* A general register (not AH..BH) as operand 1 and, if present, operand 2. */
static bool regs_only(const X86Insn *i)
{
    if (i->k1 != K_REG || i->r1 >= 16 || (i->pfx & PFX_LOCK))
        return false;
    return i->k2 == K_NONE || i->k2 == K_IMM || (i->k2 == K_REG && i->r2 < 16);
}

/* The count of a shift by an immediate, after the architectural mask. */
static unsigned shift_imm_count(const X86Insn *i)
{
    return (unsigned)i->imm & (i->osz == 8 ? 0x3f : 0x1f);
}

void x86_insn_flags(const X86Insn *i, uint32_t *use, uint32_t *def)
{
    X86Handler h = x86_handlers[i->op];
    *use = FLAGS_ARITH;
    *def = 0;
    if (h == x86_op_nop || h == x86_op_lea) {
        *use = 0;                       /* no memory access: cannot fault */
        return;
    }
    int alu = alu_kind(h), sh = shift_kind(h);
    if (alu >= 0 && alu != X86_ALU_ADC && alu != X86_ALU_SBB && !(i->pfx & PFX_LOCK) &&
        (i->k1 == K_MEM || i->k2 == K_MEM)) {
        /* It may fault, so every flag is live before it; it writes all six. */
        *def = FLAGS_ARITH;
        return;
    }
    if (!regs_only(i))
        return;
    if (alu >= 0 && i->k2 != K_NONE) {
        *use = (alu == X86_ALU_ADC || alu == X86_ALU_SBB) ? FLAG_CF : 0;
        *def = FLAGS_ARITH;
    } else if (h == x86_op_imul2 || h == x86_op_imul3) {
        *use = 0;
        *def = FLAGS_ARITH;
    } else if ((h == x86_op_inc || h == x86_op_dec) && i->k2 == K_NONE) {
        *use = 0;
        *def = FLAGS_ARITH & ~(uint32_t)FLAG_CF;
    } else if (h == x86_op_mov || h == x86_op_movzx || h == x86_op_movsx ||
               h == x86_op_bswap) {
        *use = 0;
    } else if (h == x86_op_cmov || h == x86_op_setcc) {
        *use = cond_flags(i->opc);
    } else if (sh >= 0 && i->k2 == K_IMM) {
        /* A zero count writes no flag; rotates write only CF and OF. */
        unsigned c = shift_imm_count(i);
        *use = 0;
        if (c)
            *def = (sh == SH_ROL || sh == SH_ROR) ? FLAG_CF | FLAG_OF : FLAGS_ARITH;
    }
}

void x86_insn_flags_known(const X86Insn *i, uint32_t zero_in, uint32_t *use, uint32_t *def)
{
    X86Handler h = x86_handlers[i->op];
    x86_insn_flags(i, use, def);
    /* The conditions under which x86_insn_select (and _pair) pick a _cf0 step. */
    if ((h == x86_op_inc || h == x86_op_dec) && i->k2 == K_NONE && regs_only(i) &&
        (i->osz == 4 || i->osz == 8) && (zero_in & FLAG_CF))
        *def |= FLAG_CF;
}

uint32_t x86_insn_zero_out(const X86Insn *i, uint32_t zero_in)
{
    X86Handler h = x86_handlers[i->op];
    uint32_t use, def;
    int alu = alu_kind(h);
    /* AND, OR, XOR, TEST: CF = OF = 0 (memory forms too: a fault leaves the block). */
    if ((alu == X86_ALU_AND || alu == X86_ALU_OR || alu == X86_ALU_XOR ||
         alu == X86_ALU_TEST) && i->k2 != K_NONE)
        return FLAG_CF | FLAG_OF;
    x86_insn_flags(i, &use, &def);
    if (use == FLAGS_ARITH && def == 0)
        return 0;                       /* not described: may write any flag */
    return zero_in & ~def;
}

X86StepFn x86_insn_select(const X86Insn *i, uint32_t live_out, uint32_t zero_in)
{
    X86Handler h = x86_handlers[i->op];
    uint32_t use, def;
    x86_insn_flags_known(i, zero_in, &use, &def);
    bool nf = !(def & live_out), q = i->osz == 8, wide = i->osz == 4 || q;

    if (h == x86_op_jcc && wide)
        return fast_jcc_tab[i->opc & 15][q];
    if (h == x86_op_jmp && wide)
        return q ? fast_jmp_64 : fast_jmp_32;
    if (h == x86_op_lea && wide && i->base != X86_BASE_RIP && (i->asz == 4 || i->asz == 8) &&
        i->base != X86_BASE_NONE && i->index != X86_BASE_NONE && i->disp == 0 && i->scale < 4)
        return fast_lea_bs_tab[i->scale][q && i->asz == 8];
    if (h == x86_op_lea && wide && i->base != X86_BASE_RIP && (i->asz == 4 || i->asz == 8))
        return fast_lea_tab[i->base != X86_BASE_NONE][i->index != X86_BASE_NONE]
                           [q && i->asz == 8];
    if (h == x86_op_push || h == x86_op_pop || h == x86_op_call || h == x86_op_ret) {
        X86StepFn m = x86_fast_stack_select(i);
        return m ? m : x86_step_generic;
    }
    if (h == x86_op_setcc && i->k1 == K_REG && i->r1 < 16)
        return fast_cc_tab[i->opc & 15][2];
    int alu = alu_kind(h), sh = shift_kind(h);
    if (i->k1 == K_MEM || i->k2 == K_MEM) {
        X86StepFn m = x86_fast_mem_select(i, alu, nf);
        return m ? m : x86_step_generic;
    }
    if (!regs_only(i))
        return x86_step_generic;
    if (alu >= 0 && i->k2 != K_NONE) {
        unsigned lg = i->osz == 1 ? 0 : i->osz == 2 ? 1 : i->osz == 4 ? 2 : 3;
        return fast_alu_tab[alu][lg][i->k2 == K_IMM][nf];
    }
    if (!wide)
        return x86_step_generic;

    if ((h == x86_op_inc || h == x86_op_dec) && i->k2 == K_NONE)
        return fast_incdec_tab[h == x86_op_dec][q][nf ? 2 : (zero_in & FLAG_CF) ? 1 : 0];
    if (sh >= 0 && i->k2 == K_IMM && shift_imm_count(i))
        return fast_shift_tab[sh][q][nf];
    if (h == x86_op_mov && i->k2 == K_REG)
        return q ? fast_mov_rr64 : fast_mov_rr32;
    if (h == x86_op_mov && i->k2 == K_IMM)
        return q ? fast_mov_ri64 : fast_mov_ri32;
    if ((h == x86_op_imul2 || h == x86_op_imul3) && i->k2 == K_REG)
        return fast_imul_tab[h == x86_op_imul3][q][nf];
    if (h == x86_op_cmov && i->k2 == K_REG)
        return fast_cc_tab[i->opc & 15][q];
    if ((h == x86_op_movzx || h == x86_op_movsx) && i->k2 == K_REG) {
        int f = x86_movx_form(i, h == x86_op_movsx);
        return f >= 0 ? fast_movx_tab[f] : x86_step_generic;
    }
    return x86_step_generic;
}

X86StepFn x86_insn_select_pair(const X86Insn *i, const X86Insn *j, uint32_t zero_in)
{
    X86Handler h = x86_handlers[i->op];
    if (x86_handlers[j->op] != x86_op_jcc || (j->osz != 4 && j->osz != 8))
        return NULL;
    if ((i->osz != 4 && i->osz != 8) || !regs_only(i))
        return NULL;
    bool imm = i->k2 == K_IMM;
    int form = -1;
    if (h == x86_op_cmp && i->k2 != K_NONE)
        form = imm ? FU_CMP_RI : FU_CMP_RR;
    else if (h == x86_op_test && i->k2 != K_NONE)
        form = imm ? FU_TEST_RI : FU_TEST_RR;
    else if (h == x86_op_sub && i->k2 != K_NONE)
        form = imm ? FU_SUB_RI : FU_SUB_RR;
    else if ((h == x86_op_dec || h == x86_op_inc) && i->k2 == K_NONE)
        form = (zero_in & FLAG_CF) ? (h == x86_op_dec ? FU_DEC_CF0 : FU_INC_CF0)
                                   : (h == x86_op_dec ? FU_DEC : FU_INC);
    unsigned row = i->osz == 8 ? 2 : j->osz == 8 ? 1 : 0;
    return form < 0 ? NULL : fused_tab[form][row][j->opc & 15];
}

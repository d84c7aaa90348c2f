/* SPDX-License-Identifier: MIT */
/*
 * Integer ALU semantics: the eight classic arithmetic/logic operations,
 * TEST, INC/DEC/NEG/NOT, moves and conversions, XCHG/XADD/CMPXCHG and the
 * direct flag instructions.
 *
 * Each handler serves every form of its instruction through the decoder's
 * normalised operands (op1 destination, op2 source). The order inside a
 * handler is always: read sources, read the destination, compute, write
 * the destination (the last thing that can fault), then set flags and
 * registers; so a fault leaves the state of before the instruction.
 *
 * LOCK: a locked read-modify-write on RAM is done with a host atomic
 * compare-and-swap loop on the guest page's host memory, so it is atomic
 * against other vCPUs' plain and locked accesses; XCHG with memory is
 * always locked. MMIO falls back to load/store under the big lock.
 */
#include <pthread.h>

#include "cpu/x86/fast.h"

/* The operations (X86_ALU_*) and x86_alu_calc are shared with fast.c. */

static inline void alu_set_flags(X86CPU *cpu, unsigned op, unsigned sz, uint64_t r,
                                 uint64_t a, uint64_t b, unsigned cin)
{
    static const uint8_t ccop[] = {
        CC_OP_ADD, CC_OP_LOGIC, CC_OP_ADC, CC_OP_SBB, CC_OP_LOGIC, CC_OP_SUB,
        CC_OP_LOGIC, CC_OP_SUB, CC_OP_LOGIC,
    };
    x86_set_cc(cpu, ccop[op], sz, r, a, b);
    if (op == X86_ALU_ADC || op == X86_ALU_SBB)     /* the only readers of the carry-in */
        cpu->cc_aux = (uint8_t)cin;
}

/* Atomic RMW on host memory; returns the old value. */
static uint64_t alu_atomic(void *p, unsigned sz, unsigned op, uint64_t b, unsigned cin,
                           uint64_t *res)
{
    uint64_t old, r;
    switch (sz) {
    case 1: {
        uint8_t o = __atomic_load_n((uint8_t *)p, __ATOMIC_RELAXED), n;
        do { n = (uint8_t)x86_alu_calc(op, o, b, cin); }
        while (!__atomic_compare_exchange_n((uint8_t *)p, &o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
        old = o; r = n; break;
    }
    case 2: {
        uint16_t o = __atomic_load_n((uint16_t *)p, __ATOMIC_RELAXED), n;
        do { n = (uint16_t)x86_alu_calc(op, o, b, cin); }
        while (!__atomic_compare_exchange_n((uint16_t *)p, &o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
        old = o; r = n; break;
    }
    case 4: {
        uint32_t o = __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED), n;
        do { n = (uint32_t)x86_alu_calc(op, o, b, cin); }
        while (!__atomic_compare_exchange_n((uint32_t *)p, &o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
        old = o; r = n; break;
    }
    default: {
        uint64_t o = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED), n;
        do { n = x86_alu_calc(op, o, b, cin); }
        while (!__atomic_compare_exchange_n((uint64_t *)p, &o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
        old = o; r = n; break;
    }
    }
    *res = r;
    return old;
}

/* always_inline: each handler gets its own copy with 'op' folded away. */
static inline __attribute__((always_inline)) void alu_op(X86CPU *cpu, const X86Insn *i,
                                                         unsigned op)
{
    unsigned sz = i->osz;
    uint64_t mask = x86_size_mask(sz);
    uint64_t b = x86_op2_read(cpu, i);
    unsigned cin = (op == X86_ALU_ADC || op == X86_ALU_SBB) ? x86_get_cf(cpu) : 0;
    uint64_t lin = 0, a, r;

    if (likely(i->k1 == K_REG)) {
        a = x86_reg_read(cpu, i->r1, sz);
        r = x86_alu_calc(op, a, b, cin) & mask;
        if (op != X86_ALU_CMP && op != X86_ALU_TEST)
            x86_reg_write(cpu, i->r1, sz, r);
        alu_set_flags(cpu, op, sz, r, a, b, cin);
        return;
    }
    if (unlikely(i->pfx & PFX_LOCK)) {
        lin = x86_insn_lin(cpu, i, sz, ACC_WRITE);
        void *p = tlb_rmw_ptr(cpu, lin, sz);
        if (p) {
            a = alu_atomic(p, sz, op, b, cin, &r);
            alu_set_flags(cpu, op, sz, r, a, b, cin);
            return;
        }
    }
    a = x86_op1_read(cpu, i, &lin,
                     op == X86_ALU_CMP || op == X86_ALU_TEST ? ACC_READ : ACC_WRITE);
    r = x86_alu_calc(op, a, b, cin) & mask;
    if (op != X86_ALU_CMP && op != X86_ALU_TEST)
        x86_op1_write(cpu, i, lin, r);
    alu_set_flags(cpu, op, sz, r, a, b, cin);
}

void x86_op_add(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_ADD); }
void x86_op_or(X86CPU *cpu, const X86Insn *i)  { alu_op(cpu, i, X86_ALU_OR); }
void x86_op_adc(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_ADC); }
void x86_op_sbb(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_SBB); }
void x86_op_and(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_AND); }
void x86_op_sub(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_SUB); }
void x86_op_xor(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_XOR); }
void x86_op_cmp(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_CMP); }
void x86_op_test(X86CPU *cpu, const X86Insn *i) { alu_op(cpu, i, X86_ALU_TEST); }

/* INC/DEC/NEG/NOT: one r/m operand. */
static inline __attribute__((always_inline)) void unary_op(X86CPU *cpu, const X86Insn *i,
                                                           unsigned kind)
{
    unsigned sz = i->osz;
    uint64_t lin = 0, a, r;
    if (unlikely(i->pfx & PFX_LOCK)) {
        lin = x86_insn_lin(cpu, i, sz, ACC_WRITE);
        void *p = tlb_rmw_ptr(cpu, lin, sz);
        if (p) {
            bool cf = x86_get_cf(cpu);
            switch (kind) {
            case 0: a = alu_atomic(p, sz, X86_ALU_ADD, 1, 0, &r);
                x86_set_cc(cpu, CC_OP_INC, sz, r, a, 1); cpu->cc_aux = cf; break;
            case 1: a = alu_atomic(p, sz, X86_ALU_SUB, 1, 0, &r);
                x86_set_cc(cpu, CC_OP_DEC, sz, r, a, 1); cpu->cc_aux = cf; break;
            case 2: /* NEG: 0 - a, as a CAS loop on "b - a" with b = 0 */
                for (;;) {
                    a = x86_host_ld(p, sz);
                    r = (0 - a) & x86_size_mask(sz);
                    bool ok;
                    switch (sz) {
                    case 1: { uint8_t o = (uint8_t)a; ok = __atomic_compare_exchange_n((uint8_t *)p, &o, (uint8_t)r, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); break; }
                    case 2: { uint16_t o = (uint16_t)a; ok = __atomic_compare_exchange_n((uint16_t *)p, &o, (uint16_t)r, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); break; }
                    case 4: { uint32_t o = (uint32_t)a; ok = __atomic_compare_exchange_n((uint32_t *)p, &o, (uint32_t)r, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); break; }
                    default: { uint64_t o = a; ok = __atomic_compare_exchange_n((uint64_t *)p, &o, r, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); break; }
                    }
                    if (ok)
                        break;
                }
                x86_set_cc(cpu, CC_OP_SUB, sz, r, 0, a);
                break;
            default: alu_atomic(p, sz, X86_ALU_XOR, x86_size_mask(sz), 0, &r); break;
            }
            return;
        }
    }
    a = x86_op1_read(cpu, i, &lin, ACC_WRITE);
    switch (kind) {
    case 0: case 1: {
        bool cf = x86_get_cf(cpu);
        r = (kind ? a - 1 : a + 1) & x86_size_mask(sz);
        x86_op1_write(cpu, i, lin, r);
        x86_set_cc(cpu, kind ? CC_OP_DEC : CC_OP_INC, sz, r, a, 1);
        cpu->cc_aux = cf;
        break;
    }
    case 2:
        r = (0 - a) & x86_size_mask(sz);
        x86_op1_write(cpu, i, lin, r);
        x86_set_cc(cpu, CC_OP_SUB, sz, r, 0, a);
        break;
    default:
        x86_op1_write(cpu, i, lin, ~a & x86_size_mask(sz));
    }
}

void x86_op_inc(X86CPU *cpu, const X86Insn *i) { unary_op(cpu, i, 0); }
void x86_op_dec(X86CPU *cpu, const X86Insn *i) { unary_op(cpu, i, 1); }
void x86_op_neg(X86CPU *cpu, const X86Insn *i) { unary_op(cpu, i, 2); }
void x86_op_not(X86CPU *cpu, const X86Insn *i) { unary_op(cpu, i, 3); }

void x86_op_mov(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v = x86_op2_read(cpu, i);
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, i->osz, v);
    else
        x86_st(cpu, x86_insn_lin(cpu, i, i->osz, ACC_WRITE), i->osz, v);
}

void x86_op_lea(X86CPU *cpu, const X86Insn *i)
{
    x86_reg_write(cpu, i->r1, i->osz, x86_ea(cpu, i));
}

static unsigned ext_src_size(const X86Insn *i)
{
    if (i->opc == 0x63)
        return 4;
    return (i->opc & 1) ? 2 : 1;    /* 0F B6/BE byte, 0F B7/BF word */
}

void x86_op_movzx(X86CPU *cpu, const X86Insn *i)
{
    x86_reg_write(cpu, i->r1, i->osz, x86_op2_read_size(cpu, i, ext_src_size(i)));
}

void x86_op_movsx(X86CPU *cpu, const X86Insn *i)
{
    unsigned ss = ext_src_size(i);
    x86_reg_write(cpu, i->r1, i->osz, x86_sext(x86_op2_read_size(cpu, i, ss), ss));
}

void x86_op_xchg(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t b = x86_reg_read(cpu, i->r2, sz), a;
    if (i->k1 == K_REG) {
        if (i->op == X86_INSN_XCHG_AO && i->r2 == R_EAX)
            return;     /* 90 is NOP: in 64-bit mode it must not zero-extend */
        a = x86_reg_read(cpu, i->r1, sz);
        x86_reg_write(cpu, i->r1, sz, b);
        x86_reg_write(cpu, i->r2, sz, a);
        return;
    }
    uint64_t lin = x86_insn_lin(cpu, i, sz, ACC_WRITE);
    void *p = tlb_rmw_ptr(cpu, lin, sz);
    if (p) {
        switch (sz) {
        case 1: a = __atomic_exchange_n((uint8_t *)p, (uint8_t)b, __ATOMIC_SEQ_CST); break;
        case 2: a = __atomic_exchange_n((uint16_t *)p, (uint16_t)b, __ATOMIC_SEQ_CST); break;
        case 4: a = __atomic_exchange_n((uint32_t *)p, (uint32_t)b, __ATOMIC_SEQ_CST); break;
        default: a = __atomic_exchange_n((uint64_t *)p, b, __ATOMIC_SEQ_CST); break;
        }
    } else {
        a = x86_ld(cpu, lin, sz);
        x86_st(cpu, lin, sz, b);
    }
    x86_reg_write(cpu, i->r2, sz, a);
}

void x86_op_xadd(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t b = x86_reg_read(cpu, i->r2, sz), lin = 0, a, r;
    if (i->k1 == K_MEM) {
        lin = x86_insn_lin(cpu, i, sz, ACC_WRITE);
        void *p = tlb_rmw_ptr(cpu, lin, sz);
        if (p) {
            a = alu_atomic(p, sz, X86_ALU_ADD, b, 0, &r);
            x86_reg_write(cpu, i->r2, sz, a);
            x86_set_cc(cpu, CC_OP_ADD, sz, r, a, b);
            return;
        }
    }
    a = x86_op1_read(cpu, i, &lin, ACC_WRITE);
    r = (a + b) & x86_size_mask(sz);
    if (i->k1 == K_MEM)
        x86_st(cpu, lin, sz, r);
    x86_reg_write(cpu, i->r2, sz, a);
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, sz, r);
    x86_set_cc(cpu, CC_OP_ADD, sz, r, a, b);
}

void x86_op_cmpxchg(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t acc = x86_reg_read(cpu, R_EAX, sz), src = x86_reg_read(cpu, i->r2, sz);
    uint64_t lin = 0, a;
    if (i->k1 == K_MEM) {
        lin = x86_insn_lin(cpu, i, sz, ACC_WRITE);
        void *p = tlb_rmw_ptr(cpu, lin, sz);
        if (p) {
            switch (sz) {
            case 1: { uint8_t o = (uint8_t)acc; __atomic_compare_exchange_n((uint8_t *)p, &o, (uint8_t)src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); a = o; break; }
            case 2: { uint16_t o = (uint16_t)acc; __atomic_compare_exchange_n((uint16_t *)p, &o, (uint16_t)src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); a = o; break; }
            case 4: { uint32_t o = (uint32_t)acc; __atomic_compare_exchange_n((uint32_t *)p, &o, (uint32_t)src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); a = o; break; }
            default: { uint64_t o = acc; __atomic_compare_exchange_n((uint64_t *)p, &o, src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); a = o; break; }
            }
            goto done;
        }
        a = x86_ld(cpu, lin, sz);
        /* The destination is written either way, as on hardware. */
        x86_st(cpu, lin, sz, a == acc ? src : a);
    } else {
        a = x86_reg_read(cpu, i->r1, sz);
        if (a == acc)
            x86_reg_write(cpu, i->r1, sz, src);
    }
done:
    if (a != acc)
        x86_reg_write(cpu, R_EAX, sz, a);
    x86_set_cc(cpu, CC_OP_SUB, sz, (acc - a) & x86_size_mask(sz), acc, a);
}

/* 16-byte compare-and-swap on host memory; returns the old value in *old. */
static bool cas16(void *p, uint64_t old[2], const uint64_t repl[2])
{
#if defined(__x86_64__)
    bool ok;
    __asm__ volatile("lock cmpxchg16b %1"
                     : "=@ccz"(ok), "+m"(*(volatile unsigned __int128 *)p),
                       "+a"(old[0]), "+d"(old[1])
                     : "b"(repl[0]), "c"(repl[1])
                     : "memory");
    return ok;
#else
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    uint64_t cur[2];
    pthread_mutex_lock(&lock);
    memcpy(cur, p, 16);
    bool ok = cur[0] == old[0] && cur[1] == old[1];
    if (ok)
        memcpy(p, repl, 16);
    old[0] = cur[0];
    old[1] = cur[1];
    pthread_mutex_unlock(&lock);
    return ok;
#endif
}

/* CMPXCHG16B: RDX:RAX against m128, RCX:RBX stored if equal; #GP if unaligned. */
static void cmpxchg16b(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (!cpu->features[FEAT_CX16])
        x86_raise_exception(cpu, EXCP_UD);
    uint64_t lin = x86_insn_lin(cpu, i, 16, ACC_WRITE);
    if (lin & 15)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t old[2] = { s->regs[R_EAX], s->regs[R_EDX] };
    uint64_t repl[2] = { s->regs[R_EBX], s->regs[R_ECX] };
    void *p = tlb_rmw_ptr(cpu, lin, 8);
    bool eq;
    if (p) {
        eq = cas16(p, old, repl);
    } else {
        uint64_t cur[2] = { x86_ld(cpu, lin, 8), x86_ld(cpu, lin + 8, 8) };
        eq = cur[0] == old[0] && cur[1] == old[1];
        x86_st(cpu, lin, 8, eq ? repl[0] : cur[0]);
        x86_st(cpu, lin + 8, 8, eq ? repl[1] : cur[1]);
        old[0] = cur[0];
        old[1] = cur[1];
    }
    x86_flags_sync(cpu);
    if (eq) {
        s->rflags |= FLAG_ZF;
    } else {
        s->rflags &= ~(uint64_t)FLAG_ZF;
        s->regs[R_EAX] = old[0];
        s->regs[R_EDX] = old[1];
    }
}

void x86_op_cmpxchg8b(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (i->pfx & PFX_REXW) {
        cmpxchg16b(cpu, i);
        return;
    }
    uint64_t lin = x86_insn_lin(cpu, i, 8, ACC_WRITE);
    uint64_t expect = (uint32_t)s->regs[R_EAX] | (s->regs[R_EDX] << 32);
    uint64_t repl = (uint32_t)s->regs[R_EBX] | (s->regs[R_ECX] << 32);
    uint64_t old;
    void *p = tlb_rmw_ptr(cpu, lin, 8);
    if (p) {
        old = expect;
        __atomic_compare_exchange_n((uint64_t *)p, &old, repl, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else {
        old = x86_ld(cpu, lin, 8);
        x86_st(cpu, lin, 8, old == expect ? repl : old);
    }
    x86_flags_sync(cpu);
    if (old == expect) {
        s->rflags |= FLAG_ZF;
    } else {
        s->rflags &= ~(uint64_t)FLAG_ZF;
        s->regs[R_EAX] = (uint32_t)old;
        s->regs[R_EDX] = old >> 32;
    }
}

void x86_op_cmov(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v = x86_op2_read(cpu, i);
    if (x86_cond(cpu, i->opc & 15))
        x86_reg_write(cpu, i->r1, i->osz, v);
    else if (i->osz == 4)
        x86_reg_write(cpu, i->r1, 4, cpu->s->regs[i->r1]);  /* zero-extends anyway */
}

void x86_op_setcc(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v = x86_cond(cpu, i->opc & 15);
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, 1, v);
    else
        x86_st(cpu, x86_insn_lin(cpu, i, 1, ACC_WRITE), 1, v);
}

void x86_op_cbw(X86CPU *cpu, const X86Insn *i)
{
    unsigned half = i->osz / 2;
    x86_reg_write(cpu, R_EAX, i->osz, x86_sext(cpu->s->regs[R_EAX], half));
}

void x86_op_cwd(X86CPU *cpu, const X86Insn *i)
{
    uint64_t a = x86_reg_read(cpu, R_EAX, i->osz);
    bool neg = a >> (i->osz * 8 - 1);
    x86_reg_write(cpu, R_EDX, i->osz, neg ? ~0ull : 0);
}

void x86_op_bswap(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v = cpu->s->regs[i->r1];
    if (i->osz == 8)
        cpu->s->regs[i->r1] = __builtin_bswap64(v);
    else if (i->osz == 2)       /* 16-bit operands: 66 in 32/64-bit code, none in 16-bit */
        x86_reg_write(cpu, i->r1, 2, 0);        /* undefined; hardware gives 0 */
    else
        cpu->s->regs[i->r1] = __builtin_bswap32((uint32_t)v);
}

void x86_op_movbe(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t v;
    if (i->opc == 0xf0) {
        v = x86_ld(cpu, x86_insn_lin(cpu, i, sz, ACC_READ), sz);
        v = sz == 2 ? __builtin_bswap16((uint16_t)v) : sz == 4 ? __builtin_bswap32((uint32_t)v)
                                                         : __builtin_bswap64(v);
        x86_reg_write(cpu, i->r1, sz, v);
    } else {
        v = x86_reg_read(cpu, i->r2, sz);
        v = sz == 2 ? __builtin_bswap16((uint16_t)v) : sz == 4 ? __builtin_bswap32((uint32_t)v)
                                                         : __builtin_bswap64(v);
        x86_st(cpu, x86_insn_lin(cpu, i, sz, ACC_WRITE), sz, v);
    }
}

/* ADCX/ADOX: add with carry in and out through CF (ADCX) or OF (ADOX) only. */
static void adx_op(X86CPU *cpu, const X86Insn *i, uint32_t flag)
{
    unsigned sz = i->osz;
    uint64_t b = x86_op2_read(cpu, i), a = x86_reg_read(cpu, i->r1, sz);
    uint64_t fl = x86_get_rflags(cpu);
    unsigned cin = (fl & flag) != 0;
    uint64_t r = (a + b + cin) & x86_size_mask(sz);
    bool cout = cin ? r <= a : r < a;
    x86_reg_write(cpu, i->r1, sz, r);
    cpu->s->rflags = (fl & ~(uint64_t)flag) | (cout ? flag : 0);
}

void x86_op_adcx(X86CPU *cpu, const X86Insn *i) { adx_op(cpu, i, FLAG_CF); }
void x86_op_adox(X86CPU *cpu, const X86Insn *i) { adx_op(cpu, i, FLAG_OF); }

/* Direct flag manipulation */
static inline void flag_update(X86CPU *cpu, uint64_t clear, uint64_t set, uint64_t toggle)
{
    x86_flags_sync(cpu);
    cpu->s->rflags = ((cpu->s->rflags & ~clear) | set) ^ toggle;
}

void x86_op_clc(X86CPU *cpu, const X86Insn *i) { flag_update(cpu, FLAG_CF, 0, 0); }
void x86_op_stc(X86CPU *cpu, const X86Insn *i) { flag_update(cpu, 0, FLAG_CF, 0); }
void x86_op_cmc(X86CPU *cpu, const X86Insn *i) { flag_update(cpu, 0, 0, FLAG_CF); }
void x86_op_cld(X86CPU *cpu, const X86Insn *i) { cpu->s->rflags &= ~(uint64_t)FLAG_DF; }
void x86_op_std(X86CPU *cpu, const X86Insn *i) { cpu->s->rflags |= FLAG_DF; }

void x86_op_lahf(X86CPU *cpu, const X86Insn *i)
{
    uint64_t f = x86_get_rflags(cpu);
    x86_reg_write(cpu, X86_REG_AH, 1, (f & (FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF)) | 2);
}

void x86_op_sahf(X86CPU *cpu, const X86Insn *i)
{
    uint64_t m = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;
    uint64_t ah = x86_reg_read(cpu, X86_REG_AH, 1);
    x86_flags_sync(cpu);
    cpu->s->rflags = (cpu->s->rflags & ~m) | (ah & m);
}

void x86_op_salc(X86CPU *cpu, const X86Insn *i)
{
    x86_reg_write(cpu, R_EAX, 1, x86_get_cf(cpu) ? 0xff : 0);
}

/*
 * Specialised copies of forms the threaded steps (fast.c, fast-mem.c) do
 * not cover: 32-bit LEA with 16-bit or RIP-relative addresses and MOV
 * to or from memory with 32-bit addresses. x86_insn_handler() picks them;
 * the register ALU, INC/DEC and MOV forms have fast steps that fall back
 * to the table's handlers.
 */
void x86_op_lea_32(X86CPU *cpu, const X86Insn *i)
{
    cpu->s->regs[i->r1] = (uint32_t)x86_ea(cpu, i);
}

/* MOV between a register and memory, 32/64-bit (see x86_insn_handler). */
void x86_op_mov_load32(X86CPU *cpu, const X86Insn *i)
{
    cpu->s->regs[i->r1] = (uint32_t)x86_ld(cpu, x86_insn_lin(cpu, i, 4, ACC_READ), 4);
}

void x86_op_mov_load64(X86CPU *cpu, const X86Insn *i)
{
    cpu->s->regs[i->r1] = x86_ld(cpu, x86_insn_lin(cpu, i, 8, ACC_READ), 8);
}

void x86_op_mov_store32(X86CPU *cpu, const X86Insn *i)
{
    x86_st(cpu, x86_insn_lin(cpu, i, 4, ACC_WRITE), 4, cpu->s->regs[i->r2]);
}

void x86_op_mov_store64(X86CPU *cpu, const X86Insn *i)
{
    x86_st(cpu, x86_insn_lin(cpu, i, 8, ACC_WRITE), 8, cpu->s->regs[i->r2]);
}

/* SPDX-License-Identifier: MIT */
/*
 * Specialised steps for memory operands with 64-bit addressing, and for the
 * 64-bit stack (see fast.c for the selection and the liveness rules).
 *
 * With a 64-bit address size there is no segment limit or rights check and
 * no wrap-around: the linear address is base + index * scale + disp (+ the
 * FS/GS base). These steps compute it and probe the TLB inline; whenever
 * the access is not a plain RAM hit (a TLB miss, MMIO, a page holding code,
 * a watchpoint, an access crossing a page) they run the plain handler
 * instead (x86_step_generic), which redoes the instruction through the
 * slow path. Nothing is written before that decision, so the plain handler
 * starts from the untouched state, and the fast path never faults.
 *
 * Read-modify-write forms need both the read and the write tag to match.
 * LOCKed forms are left to alu.c (atomic on host memory).
 */
/*
 * Steps end in tail calls (fast.h), and the direct chain of blocks relies
 * on them (exec.c): GCC makes them only from -O2 up unless asked.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("optimize-sibling-calls")
#endif
#include "cpu/x86/fast.h"

static inline __attribute__((always_inline)) uint64_t m_lin(const X86CPU *cpu, X86CPUState *s,
                                                            const X86Insn *i)
{
    const uint64_t *regs = s->regs;
    uint64_t ea = (uint64_t)i->disp;
    if (i->base < 16)
        ea += regs[i->base];
    else if (i->base == X86_BASE_RIP)
        ea += x86_step_rip(cpu, i);
    if (i->index < 16)
        ea += regs[i->index] << i->scale;
    if (i->seg < SEG_COUNT)        /* FS, GS; X86_SEG_NONE(_SS) have no base */
        ea += s->segs[i->seg].base;
    return ea;
}

enum { M_READ = 1, M_WRITE = 2 };

/* Host address of [lin, lin+size) for the access kinds in acc, or NULL. */
static inline __attribute__((always_inline)) void *m_host(const X86CPU *cpu, uint64_t lin,
                                                          unsigned size, unsigned acc)
{
    const TlbEntry *e = &cpu->tlb.t[cpu->mmu_idx][(lin >> 12) & (TLB_SIZE - 1)];
    uint64_t page = lin & ~0xfffull;
    if ((acc & M_READ) && e->addr_read != page)
        return NULL;
    if ((acc & M_WRITE) && e->addr_write != page)
        return NULL;
    if ((lin & 0xfff) + size > 0x1000)
        return NULL;
    return (void *)(uintptr_t)(lin + e->addend);
}

/* ---- MOV ---- */

static inline __attribute__((always_inline)) bool m_load(X86CPU *cpu, X86CPUState *s,
                                                         const X86Insn *i,
                                                         unsigned sz, unsigned src, bool sx)
{
    void *p = m_host(cpu, m_lin(cpu, s, i), src, M_READ);
    if (unlikely(!p))
        return false;
    uint64_t v = x86_host_ld(p, src);
    if (sx)
        v = x86_sext(v, src);
    s->regs[i->r1] = v & x86_size_mask(sz);
    return true;
}

static inline __attribute__((always_inline)) bool m_store(X86CPU *cpu, X86CPUState *s,
                                                          const X86Insn *i,
                                                          unsigned sz, bool imm)
{
    void *p = m_host(cpu, m_lin(cpu, s, i), sz, M_WRITE);
    if (unlikely(!p))
        return false;
    x86_host_st(p, sz, imm ? i->imm : s->regs[i->r2]);
    return true;
}

#define M_LOAD(name, sz, src, sx) X86_STEP(m_##name, m_load(c, s_, i, sz, src, sx))
M_LOAD(ld64, 8, 8, false)
M_LOAD(ld32, 4, 4, false)
X86_MOVX_FORMS(M_LOAD)
#define M_MOVX_ENTRY(name, sz, src, sx) m_##name,
static const X86StepFn m_movx_tab[X86_MOVX_COUNT] = { X86_MOVX_FORMS(M_MOVX_ENTRY) };

#define M_STORE(sz)                                                                          \
    X86_STEP(m_st##sz##_r, m_store(c, s_, i, sz / 8, false))                                 \
    X86_STEP(m_st##sz##_i, m_store(c, s_, i, sz / 8, true))
M_STORE(8) M_STORE(16) M_STORE(32) M_STORE(64)

/* ---- ALU with a memory operand ---- */

/*
 * dst_mem: op1 is the memory operand (read-modify-write unless CMP/TEST),
 * else op1 is a register and op2 the memory operand. src_imm: op2 is the
 * immediate (with dst_mem only).
 */
static inline __attribute__((always_inline)) bool m_alu(X86CPU *cpu, X86CPUState *s,
                                                        const X86Insn *i,
                                                        unsigned op, unsigned sz,
                                                        bool dst_mem, bool src_imm, bool flags)
{
    static const uint8_t ccop[] = {
        CC_OP_ADD, CC_OP_LOGIC, CC_OP_ADC, CC_OP_SBB, CC_OP_LOGIC, CC_OP_SUB,
        CC_OP_LOGIC, CC_OP_SUB, CC_OP_LOGIC,
    };
    bool rmw = dst_mem && op != X86_ALU_CMP && op != X86_ALU_TEST;
    uint64_t mask = x86_size_mask(sz);
    uint64_t *regs = s->regs;
    void *p = m_host(cpu, m_lin(cpu, s, i), sz, rmw ? M_READ | M_WRITE : M_READ);
    if (unlikely(!p))
        return false;
    uint64_t m = x86_host_ld(p, sz), a, b;
    if (dst_mem) {
        a = m;
        b = (src_imm ? i->imm : regs[i->r2]) & mask;
    } else {
        a = regs[i->r1] & mask;
        b = m;
    }
    uint64_t r = x86_alu_calc(op, a, b, 0) & mask;
    if (rmw)
        x86_host_st(p, sz, r);
    else if (!dst_mem && op != X86_ALU_CMP && op != X86_ALU_TEST)
        regs[i->r1] = sz >= 4 ? r : (regs[i->r1] & ~mask) | r;  /* 8/16 bits merge */
    if (flags)
        x86_set_cc(cpu, ccop[op], sz, r, a, b);
    return true;
}

#define M_ALU_SZ(name, op, sz)                                                               \
    X86_STEP(m_##name##_gm##sz, m_alu(c, s_, i, op, sz / 8, false, false, true))             \
    X86_STEP(m_##name##_mg##sz, m_alu(c, s_, i, op, sz / 8, true, false, true))              \
    X86_STEP(m_##name##_mi##sz, m_alu(c, s_, i, op, sz / 8, true, true, true))               \
    X86_STEP(m_##name##_gm##sz##_nf, m_alu(c, s_, i, op, sz / 8, false, false, false))       \
    X86_STEP(m_##name##_mg##sz##_nf, m_alu(c, s_, i, op, sz / 8, true, false, false))        \
    X86_STEP(m_##name##_mi##sz##_nf, m_alu(c, s_, i, op, sz / 8, true, true, false))
#define M_ALU(name, op) M_ALU_SZ(name, op, 8) M_ALU_SZ(name, op, 16) M_ALU_SZ(name, op, 32) \
                        M_ALU_SZ(name, op, 64)
M_ALU(add, X86_ALU_ADD)
M_ALU(or, X86_ALU_OR)
M_ALU(and, X86_ALU_AND)
M_ALU(sub, X86_ALU_SUB)
M_ALU(xor, X86_ALU_XOR)
M_ALU(cmp, X86_ALU_CMP)
M_ALU(test, X86_ALU_TEST)

/* [op][log2 size][form gm/mg/mi][nf]; ADC and SBB stay generic (NULL). */
#define M_SZ(n, sz) { { m_##n##_gm##sz, m_##n##_gm##sz##_nf }, { m_##n##_mg##sz, m_##n##_mg##sz##_nf }, \
                      { m_##n##_mi##sz, m_##n##_mi##sz##_nf } }
#define M_ROW(n) { M_SZ(n, 8), M_SZ(n, 16), M_SZ(n, 32), M_SZ(n, 64) }
static const X86StepFn m_alu_tab[9][4][3][2] = {
    [X86_ALU_ADD] = M_ROW(add), [X86_ALU_OR] = M_ROW(or), [X86_ALU_AND] = M_ROW(and),
    [X86_ALU_SUB] = M_ROW(sub), [X86_ALU_XOR] = M_ROW(xor), [X86_ALU_CMP] = M_ROW(cmp),
    [X86_ALU_TEST] = M_ROW(test),
};

/* ---- 64-bit stack: PUSH, POP, CALL rel, RET ---- */

/*
 * 64-bit mode only (operand size 8: the stack pointer is RSP, no segment).
 * As stack.c: RSP changes after the memory access succeeded, PUSH RSP
 * pushes the old value, POP RSP leaves the popped value in RSP.
 */
static inline __attribute__((always_inline)) bool m_push(X86CPU *cpu, X86CPUState *s,
                                                         const X86Insn *i,
                                                         bool imm)
{
    uint64_t *regs = s->regs, sp = regs[R_ESP] - 8;
    void *p = m_host(cpu, sp, 8, M_WRITE);
    if (unlikely(!p))
        return false;
    x86_host_st(p, 8, imm ? i->imm : regs[i->r1]);
    regs[R_ESP] = sp;
    return true;
}

static inline __attribute__((always_inline)) bool m_pop(X86CPU *cpu, X86CPUState *s,
                                                        const X86Insn *i)
{
    uint64_t *regs = s->regs, sp = regs[R_ESP];
    void *p = m_host(cpu, sp, 8, M_READ);
    if (unlikely(!p))
        return false;
    uint64_t v = x86_host_ld(p, 8);
    regs[R_ESP] = sp + 8;
    regs[i->r1] = v;
    return true;
}

static inline __attribute__((always_inline)) bool m_call(X86CPU *cpu, X86CPUState *s,
                                                         const X86Insn *i)
{
    uint64_t *regs = s->regs, sp = regs[R_ESP] - 8;
    void *p = m_host(cpu, sp, 8, M_WRITE);
    if (unlikely(!p))
        return false;
    uint64_t ret = x86_step_rip(cpu, i), target = ret + i->imm;
    if (unlikely(!x86_canonical_range(target, 1)))
        return false;                       /* control.c raises the #GP */
    x86_host_st(p, 8, ret);
    regs[R_ESP] = sp;
    cpu->next_rip = target;
    return true;
}

static inline __attribute__((always_inline)) bool m_return(X86CPU *cpu, X86CPUState *s,
                                                           const X86Insn *i, bool imm)
{
    uint64_t *regs = s->regs, sp = regs[R_ESP];
    void *p = m_host(cpu, sp, 8, M_READ);
    if (unlikely(!p))
        return false;
    uint64_t target = x86_host_ld(p, 8);
    if (unlikely(!x86_canonical_range(target, 1)))
        return false;
    cpu->next_rip = target;
    regs[R_ESP] = sp + 8 + (imm ? i->imm : 0);
    return true;
}

X86_STEP(m_push_r, m_push(c, s_, i, false))
X86_STEP(m_push_i, m_push(c, s_, i, true))
X86_STEP(m_pop_r, m_pop(c, s_, i))
X86_STEP(m_call_rel, m_call(c, s_, i))
X86_STEP(m_ret, m_return(c, s_, i, false))
X86_STEP(m_ret_imm, m_return(c, s_, i, true))

static unsigned log2_size(unsigned sz)
{
    return sz == 1 ? 0 : sz == 2 ? 1 : sz == 4 ? 2 : 3;
}

X86StepFn x86_fast_mem_select(const X86Insn *i, int alu, bool nf)
{
    X86Handler h = x86_handlers[i->op];
    unsigned sz = i->osz;
    /* 64-bit addressing only, no LOCK, and general registers (no AH..BH). */
    if (i->asz != 8 || (i->pfx & PFX_LOCK))
        return NULL;
    if ((i->k1 == K_REG && i->r1 >= 16) || (i->k2 == K_REG && i->r2 >= 16))
        return NULL;
    if (alu >= 0) {
        X86StepFn f = NULL;
        if (i->k1 == K_REG && i->k2 == K_MEM)
            f = m_alu_tab[alu][log2_size(sz)][0][nf];
        else if (i->k1 == K_MEM && i->k2 == K_REG)
            f = m_alu_tab[alu][log2_size(sz)][1][nf];
        else if (i->k1 == K_MEM && i->k2 == K_IMM)
            f = m_alu_tab[alu][log2_size(sz)][2][nf];
        return f;
    }
    if (h == x86_op_mov) {
        static const X86StepFn st_r[4] = { m_st8_r, m_st16_r, m_st32_r, m_st64_r };
        static const X86StepFn st_i[4] = { m_st8_i, m_st16_i, m_st32_i, m_st64_i };
        if (i->k1 == K_REG && i->k2 == K_MEM)
            return sz == 8 ? m_ld64 : sz == 4 ? m_ld32 : NULL;
        if (i->k1 == K_MEM && i->k2 == K_REG)
            return st_r[log2_size(sz)];
        if (i->k1 == K_MEM && i->k2 == K_IMM)
            return st_i[log2_size(sz)];
        return NULL;
    }
    if ((h == x86_op_movzx || h == x86_op_movsx) && i->k1 == K_REG && i->k2 == K_MEM) {
        int f = x86_movx_form(i, h == x86_op_movsx);
        return f >= 0 ? m_movx_tab[f] : NULL;
    }
    return NULL;
}

X86StepFn x86_fast_stack_select(const X86Insn *i)
{
    X86Handler h = x86_handlers[i->op];
    if (i->osz != 8)                    /* 64-bit mode, 64-bit operands */
        return NULL;
    if (h == x86_op_push && i->k2 == K_IMM)
        return m_push_i;
    if (h == x86_op_push && i->k1 == K_REG && i->r1 < 16)
        return m_push_r;
    if (h == x86_op_pop && i->k1 == K_REG && i->r1 < 16)
        return m_pop_r;
    if (h == x86_op_call)
        return m_call_rel;
    if (h == x86_op_ret)
        return i->k2 == K_IMM ? m_ret_imm : m_ret;
    return NULL;
}

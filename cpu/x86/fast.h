/* SPDX-License-Identifier: MIT */
/*
 * Threaded steps and their selection with block context, for translators
 * (fast.c, fast-mem.c).
 *
 * x86_insn_handler() (ops.c) picks a plain handler from the instruction
 * alone. A translator that sees a whole sequence can do better: it lays the
 * instructions out as X86Steps (below), runs a backward pass with
 * x86_insn_flags() to learn which arithmetic flags are live after each
 * instruction, and asks x86_insn_select() for each step function, which
 * may then skip computing flags nobody can observe and is specialised for
 * the instruction's form. Also here: the few inline pieces the specialised
 * steps share with the plain handlers (ALU results, cheap lazy-flag reads).
 */
#ifndef TANDEM_X86_FAST_H
#define TANDEM_X86_FAST_H

#include <stddef.h>

#include "cpu/x86/x86.h"

/* The ALU operations of the classic eight and TEST, and their result. */
enum {
    X86_ALU_ADD, X86_ALU_OR, X86_ALU_ADC, X86_ALU_SBB, X86_ALU_AND, X86_ALU_SUB,
    X86_ALU_XOR, X86_ALU_CMP, X86_ALU_TEST,
};

static inline uint64_t x86_alu_calc(unsigned op, uint64_t a, uint64_t b, unsigned cin)
{
    switch (op) {
    case X86_ALU_ADD: return a + b;
    case X86_ALU_OR:  return a | b;
    case X86_ALU_ADC: return a + b + cin;
    case X86_ALU_SBB: return a - b - cin;
    case X86_ALU_AND: case X86_ALU_TEST: return a & b;
    case X86_ALU_SUB: case X86_ALU_CMP: return a - b;
    default:          return a ^ b;
    }
}

/*
 * Cheap reads of the lazy flags: CF, or a condition, when the last flag
 * writer makes it a few instructions (cc_dst is always stored truncated to
 * cc_size, see x86_set_cc); -1 otherwise, and the caller then tail-calls
 * the generic handler. Keeping every call out of the fast handlers keeps
 * them leaf functions, with no registers to save.
 */
static inline __attribute__((always_inline)) int x86_fast_cf(const X86CPU *cpu,
                                                              const X86CPUState *s)
{
    /* Tests, not a switch: a jump table would cost an indirect branch. */
    unsigned op = cpu->cc_op;
    if (op == CC_OP_LOGIC)
        return 0;
    if (op == CC_OP_EFLAGS)
        return s->rflags & FLAG_CF;
    if (op == CC_OP_INC || op == CC_OP_DEC)
        return cpu->cc_aux;
    if (op == CC_OP_SUB) {
        uint64_t mask = x86_size_mask(cpu->cc_size);
        return (cpu->cc_src1 & mask) < (cpu->cc_src2 & mask);
    }
    if (op == CC_OP_ADD)
        return cpu->cc_dst < (cpu->cc_src1 & x86_size_mask(cpu->cc_size));
    return -1;
}

static inline __attribute__((always_inline)) int x86_fast_cond(const X86CPU *cpu,
                                                                const X86CPUState *s, unsigned cc)
{
    unsigned op = cpu->cc_op, neg = cc & 1;
    uint64_t f = s->rflags;
    if (op == CC_OP_EFLAGS) {
        bool zf = f & FLAG_ZF, sf = f & FLAG_SF, of = f & FLAG_OF, cf = f & FLAG_CF;
        switch (cc >> 1) {
        case 0: return of ^ neg;
        case 1: return cf ^ neg;
        case 2: return zf ^ neg;
        case 3: return (cf | zf) ^ neg;
        case 4: return sf ^ neg;
        case 5: return ((f & FLAG_PF) != 0) ^ neg;
        case 6: return (sf ^ of) ^ neg;
        default: return (zf | (sf ^ of)) ^ neg;
        }
    }
    if ((cc >> 1) == 2)
        return (cpu->cc_dst == 0) ^ neg;
    if ((cc >> 1) == 4)
        return ((cpu->cc_dst >> (cpu->cc_size * 8 - 1)) & 1) ^ neg;
    if (op == CC_OP_LOGIC) {                /* CF = OF = 0 */
        bool zf = cpu->cc_dst == 0, sf = (cpu->cc_dst >> (cpu->cc_size * 8 - 1)) & 1;
        switch (cc >> 1) {
        case 0: case 1: return neg;
        case 3: return zf ^ neg;
        case 6: return sf ^ neg;
        case 7: return (zf | sf) ^ neg;
        }
    } else if (op == CC_OP_SUB) {
        unsigned bits = cpu->cc_size * 8;
        uint64_t mask = x86_size_mask(cpu->cc_size);
        uint64_t a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask;
        int64_t sa = (int64_t)(a << (64 - bits)), sb = (int64_t)(b << (64 - bits));
        switch (cc >> 1) {
        case 1: return (a < b) ^ neg;
        case 3: return (a <= b) ^ neg;
        case 6: return (sa < sb) ^ neg;
        case 7: return (sa <= sb) ^ neg;
        }
    }
    return -1;
}

/*
 * Threaded execution of a decoded instruction sequence. A translator lays
 * its instructions out as an array of X86Step, each with the offset of its
 * end from the sequence's start (end), ended by the step
 * x86_step_end_for() gives for the last instruction (its end the
 * sequence's, its X86Insn zero but for what the end step wants); it sets
 * block_rip to the first instruction's RIP and calls the first step's fn.
 * Each fn runs its instruction and continues with the next step
 * (x86_step_next, a tail call), so a sequence costs one indirect jump per
 * instruction instead of a call, a return and a loop.
 *
 * RIP and next_rip are only written where someone can look. A step whose
 * instruction needs next_rip (x86_step_generic before the plain handler
 * runs, branches, RIP-relative operands, CALL) computes it from block_rip
 * and its end (x86_step_rip); x86_step_generic also sets RIP to the
 * instruction's address before running impl, the plain handler
 * (x86_insn_handler), which may fault or read RIP. The specialised steps
 * never fault (they fall back to x86_step_generic before changing
 * anything) and never read RIP. A branch, REP string instruction or
 * A_END instruction (which only come last) leaves next_rip where it went,
 * and x86_step_end returns with RIP = next_rip; after any other last
 * instruction, x86_step_end_fall returns with RIP = the sequence's end.
 * x86_step_generic also stops the sequence, with RIP = next_rip, after an
 * instruction that set exit_tb or irq_inhibit_next (only plain handlers
 * do), so the end step never sees either. Without tail calls (-O0,
 * sanitizers) the stack grows by a frame per step, which the sequence's
 * length bounds.
 */
/*
 * A step function gets the CPU's state (always cpu->s) as its own
 * argument, passed along from step to step in a register, so no step loads
 * it: the inline pieces of the steps take it as s.
 */
typedef void (*X86StepFn)(X86CPU *cpu, const X86Insn *i, X86CPUState *s);

typedef struct X86Step {
    X86StepFn fn;
    X86Handler impl;
    X86Insn i;
    uint16_t end;               /* its end, in bytes from block_rip */
} X86Step;

static inline const X86Step *x86_step_of(const X86Insn *i)
{
    return (const X86Step *)(const void *)((const char *)i - offsetof(X86Step, i));
}

static inline __attribute__((always_inline)) void x86_step_next(X86CPU *cpu, const X86Insn *i,
                                                                X86CPUState *s)
{
    const X86Step *n = x86_step_of(i) + 1;
    n->fn(cpu, &n->i, s);
}

/* The RIP after step i's instruction (its next_rip). */
static inline __attribute__((always_inline)) uint64_t x86_step_rip(const X86CPU *cpu,
                                                                   const X86Insn *i)
{
    return cpu->block_rip + x86_step_of(i)->end;
}

void x86_step_generic(X86CPU *cpu, const X86Insn *i, X86CPUState *s);
void x86_step_end(X86CPU *cpu, const X86Insn *i, X86CPUState *s);
void x86_step_end_fall(X86CPU *cpu, const X86Insn *i, X86CPUState *s);

/* Does instruction i, as the last of a sequence, leave next_rip set (see above)? */
bool x86_insn_sets_next_rip(const X86Insn *i);

/* The end step after last: x86_step_end or x86_step_end_fall. */
static inline X86StepFn x86_step_end_for(const X86Insn *last)
{
    return x86_insn_sets_next_rip(last) ? x86_step_end : x86_step_end_fall;
}

/*
 * A step whose work is core (an expression that is false when the fast
 * path does not apply: nothing has been changed and impl must run). The
 * next step's fn is read before core runs: the compiler cannot know that
 * core's stores leave the step array alone, and reading it early saves
 * an instruction on every step.
 */
#define X86_STEP(name, core)                                                                 \
    static void name(X86CPU *c, const X86Insn *i, X86CPUState *s_)                          \
    {                                                                                        \
        const X86Step *next_ = x86_step_of(i) + 1;                                           \
        X86StepFn fn_ = next_->fn;                                                           \
        if (likely(core))                                                                    \
            fn_(c, &next_->i, s_);                                                           \
        else                                                                                 \
            x86_step_generic(c, i, s_);                                                      \
    }

/*
 * MOVZX/MOVSX/MOVSXD forms with specialised steps (register and memory
 * sources): X(name, operand size, source size, sign-extend), in the order
 * x86_movx_form() numbers them.
 */
#define X86_MOVX_FORMS(X)                                                                    \
    X(zx8_32, 4, 1, false) X(zx16_32, 4, 2, false) X(zx8_64, 8, 1, false)                   \
    X(zx16_64, 8, 2, false) X(sx8_32, 4, 1, true) X(sx16_32, 4, 2, true)                   \
    X(sx8_64, 8, 1, true) X(sx16_64, 8, 2, true) X(sx32_64, 8, 4, true)
enum { X86_MOVX_COUNT = 9 };

/* Index of i (a MOVZX/MOVSX/MOVSXD with a 32/64-bit operand) in X86_MOVX_FORMS, or -1. */
static inline int x86_movx_form(const X86Insn *i, bool sx)
{
    unsigned q = i->osz == 8;
    if (i->osz != 4 && i->osz != 8)
        return -1;
    if (i->opc == 0x63)                 /* MOVSXD; its 32-bit form is a plain move */
        return q ? 8 : -1;
    return (sx ? 4 : 0) + (q ? 2 : 0) + (i->opc & 1);
}

/*
 * The arithmetic flags (FLAGS_ARITH bits) instruction i reads (*use) and
 * always writes (*def). An instruction that can fault, or that this table
 * does not know, reads all six and writes none, which makes every flag
 * live before it: flags are exact wherever the block can be left.
 */
void x86_insn_flags(const X86Insn *i, uint32_t *use, uint32_t *def);

/*
 * As x86_insn_flags, for i with the flags in zero_in known to be 0 before
 * it, as the step x86_insn_select (or x86_insn_select_pair) gives it runs
 * it: an INC or DEC that knows CF = 0 stores that CF itself (its _cf0
 * step), so it writes CF too, and whoever wrote CF before it need not.
 * For the liveness pass; x86_insn_zero_out keeps to x86_insn_flags.
 */
void x86_insn_flags_known(const X86Insn *i, uint32_t zero_in, uint32_t *use, uint32_t *def);

/*
 * The arithmetic flags known to be 0 after i when those in zero_in are
 * before it (a forward pass from 0 at a sequence's start): AND, OR, XOR
 * and TEST clear CF and OF; an instruction x86_insn_flags() describes
 * keeps what it does not write; any other forgets everything.
 */
uint32_t x86_insn_zero_out(const X86Insn *i, uint32_t zero_in);

/*
 * The step function for i when the flags in live_out may be read after it
 * (FLAGS_ARITH for a sequence's last instruction) and those in zero_in are
 * known to be 0 before it: a specialised one, or x86_step_generic. Its
 * instruction has the semantics of x86_handlers[i->op] for registers,
 * memory and the live flags, from any state where the zero_in flags are 0.
 */
X86StepFn x86_insn_select(const X86Insn *i, uint32_t live_out, uint32_t zero_in);

/*
 * A step for i that also runs j, the Jcc after it (the last of the
 * sequence), or NULL: CMP, TEST, SUB, DEC and INC with register or
 * immediate operands (zero_in as for x86_insn_select). Only i's step
 * changes; j's stays as the fallback.
 */
X86StepFn x86_insn_select_pair(const X86Insn *i, const X86Insn *j, uint32_t zero_in);

/*
 * fast-mem.c: a specialised handler for a memory form of i (alu: its
 * X86_ALU_* operation or -1; nf: its flags are dead), or NULL.
 */
X86StepFn x86_fast_mem_select(const X86Insn *i, int alu, bool nf);
/* fast-mem.c: a specialised PUSH/POP/CALL/RET step for i, or NULL. */
X86StepFn x86_fast_stack_select(const X86Insn *i);

#endif

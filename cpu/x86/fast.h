/* SPDX-License-Identifier: MIT */
/*
 * Handler selection with block context, for translators (see fast.c).
 *
 * x86_insn_handler() (ops.c) picks a handler from the instruction alone.
 * A translator that sees a whole block can do better: it runs a backward
 * pass with x86_insn_flags() to learn which arithmetic flags are live after
 * each instruction, then asks x86_insn_select() for the handler, which may
 * then skip computing flags nobody can observe.
 */
#ifndef TANDEM_X86_FAST_H
#define TANDEM_X86_FAST_H

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
 * The arithmetic flags (FLAGS_ARITH bits) instruction i reads (*use) and
 * always writes (*def). An instruction that can fault, or that this table
 * does not know, reads all six and writes none, which makes every flag
 * live before it: flags are exact wherever the block can be left.
 */
void x86_insn_flags(const X86Insn *i, uint32_t *use, uint32_t *def);

/*
 * The handler for i when the flags in live_out may be read after it
 * (FLAGS_ARITH for a block's last instruction). The result has the
 * semantics of x86_handlers[i->op] for registers, memory and the live flags.
 */
X86Handler x86_insn_select(const X86Insn *i, uint32_t live_out);

#endif

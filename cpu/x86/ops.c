/* SPDX-License-Identifier: MIT */
/*
 * The dispatch table (form id -> handler), derived from insn.def, the
 * choice of specialised handlers for hot forms, and the handlers that do
 * (almost) nothing: NOP forms, #UD, the too-long #GP.
 *
 * Specialised handlers are the same semantics compiled for one operand size
 * and form, so the generic operand plumbing folds away; they are an
 * optimisation only, for forms the threaded steps (fast.c) leave to the
 * plain handler, and x86_insn_handler() falls back to the table for
 * everything else.
 */
#include "cpu/x86/x86.h"

const X86Handler x86_handlers[X86_INSN_COUNT] = {
#define X86_INSN(id, mnem, handler, map, opc, ext, pfx, modc, form, osz, imm, feat, attr, icpt) \
    [X86_INSN_##id] = x86_op_##handler,
#include "cpu/x86/insn.def"
#undef X86_INSN
};

void x86_op_nop(X86CPU *cpu, const X86Insn *i)
{
}

void x86_op_ud(X86CPU *cpu, const X86Insn *i)
{
    x86_raise_exception(cpu, EXCP_UD);
}

void x86_op_gplen(X86CPU *cpu, const X86Insn *i)
{
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

/*
 * LFENCE/MFENCE/SFENCE: a host full barrier (they order this vCPU's
 * accesses as seen by the others). They decode whatever CPUID says about
 * SSE/SSE2: every 64-bit CPU has them and kernels use them unconditionally.
 */
void x86_op_fence(X86CPU *cpu, const X86Insn *i)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* CLFLUSH: nothing to write back; faults like a byte read of the line. */
void x86_op_clflush(X86CPU *cpu, const X86Insn *i)
{
    x86_ld(cpu, x86_insn_lin(cpu, i, 1, ACC_READ), 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* FWAIT lives with the x87 (fpu-env.c). */

X86Handler x86_insn_handler(const X86Insn *i)
{
    X86Handler h = x86_handlers[i->op];
    bool r1 = i->k1 == K_REG && i->r1 < 16, wide = i->osz == 4 || i->osz == 8;
    bool q = i->osz == 8;
    if (!wide || i->pfx & PFX_LOCK)
        return h;
    if (h == x86_op_mov && r1 && i->k2 == K_MEM)
        return q ? x86_op_mov_load64 : x86_op_mov_load32;
    if (h == x86_op_mov && i->k1 == K_MEM && i->k2 == K_REG && i->r2 < 16)
        return q ? x86_op_mov_store64 : x86_op_mov_store32;
    if (h == x86_op_lea && i->osz == 4)
        return x86_op_lea_32;
    if (i->osz == 4) {
        if (h == x86_op_rol) return x86_op_rol_32;
        if (h == x86_op_ror) return x86_op_ror_32;
        if (h == x86_op_shl) return x86_op_shl_32;
        if (h == x86_op_shr) return x86_op_shr_32;
        if (h == x86_op_sar) return x86_op_sar_32;
    }
    return h;
}

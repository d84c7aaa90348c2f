/* SPDX-License-Identifier: MIT */
/*
 * The dispatch table (form id -> handler), derived from insn.def, and the
 * handlers that do (almost) nothing: NOP forms, #UD, the too-long #GP.
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

void x86_op_fwait(X86CPU *cpu, const X86Insn *i)
{
    /* No x87 yet: WAIT only checks CR0.MP/TS. */
    if ((cpu->s->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
}

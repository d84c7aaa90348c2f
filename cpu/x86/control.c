/* SPDX-License-Identifier: MIT */
/*
 * Near control flow: Jcc, JMP, CALL, RET, LOOP/JCXZ, the software
 * interrupts (INT n, INT3, INTO, INT1), HLT and BOUND.
 *
 * Branch handlers set cpu->next_rip; the execution loop copies it to RIP
 * after the handler returned, so a fault inside a branch (a CALL whose push
 * faults, a RET from an unmapped stack) leaves RIP at the branch. Targets
 * are truncated to the operand size (16-bit code wraps IP at 64 KiB) and
 * checked against the CS limit outside 64-bit mode.
 */
#include "cpu/x86/x86.h"

/* target cut to the operand size, after #GP(0) if a near branch may not go there. */
static inline uint64_t near_target(X86CPU *cpu, uint64_t target, unsigned osz)
{
    target &= x86_size_mask(osz);
    if (!x86_near_target_ok(cpu, target))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    return target;
}

static inline void branch_to(X86CPU *cpu, uint64_t target, unsigned osz)
{
    cpu->next_rip = near_target(cpu, target, osz);
}

/* The target is checked before the return address is pushed. */
static inline void call_to(X86CPU *cpu, uint64_t target, unsigned osz)
{
    target = near_target(cpu, target, osz);
    x86_push(cpu, osz, cpu->next_rip);
    cpu->next_rip = target;
}

void x86_op_jcc(X86CPU *cpu, const X86Insn *i)
{
    if (x86_cond(cpu, i->opc & 15))
        branch_to(cpu, cpu->next_rip + i->imm, i->osz);
}

void x86_op_jmp(X86CPU *cpu, const X86Insn *i)
{
    branch_to(cpu, cpu->next_rip + i->imm, i->osz);
}

void x86_op_call(X86CPU *cpu, const X86Insn *i)
{
    call_to(cpu, cpu->next_rip + i->imm, i->osz);
}

void x86_op_call_ind(X86CPU *cpu, const X86Insn *i)
{
    uint64_t lin;
    call_to(cpu, x86_op1_read(cpu, i, &lin, ACC_READ), i->osz);
}

void x86_op_jmp_ind(X86CPU *cpu, const X86Insn *i)
{
    uint64_t lin;
    branch_to(cpu, x86_op1_read(cpu, i, &lin, ACC_READ), i->osz);
}

void x86_op_ret(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint64_t sp = s->regs[R_ESP] & x86_stack_mask(cpu);
    unsigned seg = x86_stack_seg(cpu);
    uint64_t target = x86_ld(cpu, x86_lin(cpu, seg, sp, i->osz, ACC_READ), i->osz);
    branch_to(cpu, target, i->osz);
    x86_set_sp(cpu, sp + i->osz + (i->k2 == K_IMM ? i->imm : 0));
}

void x86_op_loop(X86CPU *cpu, const X86Insn *i)
{
    unsigned asz = i->asz;
    uint64_t cx = x86_reg_read(cpu, R_ECX, asz);
    bool take;
    if (i->opc == 0xe3) {
        take = cx == 0;
    } else {
        cx = (cx - 1) & x86_size_mask(asz);
        take = cx != 0;
        if (i->opc == 0xe1)
            take = take && x86_cond(cpu, 4);
        else if (i->opc == 0xe0)
            take = take && !x86_cond(cpu, 4);
    }
    /* The #GP comes before the count changes. */
    uint64_t target = take ? near_target(cpu, cpu->next_rip + i->imm, i->osz) : 0;
    if (i->opc != 0xe3)
        x86_reg_write(cpu, R_ECX, asz, cx);
    if (take)
        cpu->next_rip = target;
}

void x86_op_int3(X86CPU *cpu, const X86Insn *i)
{
    x86_raise_soft_interrupt(cpu, EXCP_BP);
}

void x86_op_intn(X86CPU *cpu, const X86Insn *i)
{
    /* v8086: IOPL and CR4.VME's redirection bitmap decide (vme.c). */
    if (cpu->vm86 && x86_vme_intn(cpu, (unsigned)(i->imm & 0xff)))
        return;
    x86_raise_soft_interrupt(cpu, (int)(i->imm & 0xff));
}

void x86_op_into(X86CPU *cpu, const X86Insn *i)
{
    if (x86_cond(cpu, 0))
        x86_raise_soft_interrupt(cpu, EXCP_OF);
}

void x86_op_int1(X86CPU *cpu, const X86Insn *i)
{
    /* ICEBP: a #DB trap. Delivered as a software interrupt (so with the gate
     * DPL check, which real hardware skips for ICEBP: a known gap). */
    x86_raise_soft_interrupt(cpu, EXCP_DB);
}

void x86_op_hlt(X86CPU *cpu, const X86Insn *i)
{
    if (cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->s->halted = true;
    cpu->halt_request = true;
}

void x86_op_bound(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t lin = x86_insn_lin(cpu, i, 2 * sz, ACC_READ);     /* both bounds */
    int64_t lo = (int64_t)x86_sext(x86_ld(cpu, lin, sz), sz);
    int64_t hi = (int64_t)x86_sext(x86_ld(cpu, x86_lin_nochk(cpu, i->seg, x86_ea(cpu, i) + sz), sz),
                                   sz);
    int64_t v = (int64_t)x86_sext(x86_reg_read(cpu, i->r1, sz), sz);
    if (v < lo || v > hi)
        x86_raise_exception(cpu, EXCP_BR);
}

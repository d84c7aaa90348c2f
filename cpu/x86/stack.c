/* SPDX-License-Identifier: MIT */
/*
 * Stack instructions: PUSH/POP (registers, memory, immediates, segment
 * registers), PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE.
 *
 * The stack pointer width is the stack size of the mode (SS.B outside
 * 64-bit mode, 64 in it), independent of the operand size, and only that
 * many bits of RSP change. Every push/pop computes its new stack pointer in
 * a local and writes RSP after its memory accesses succeeded, so a #SS or
 * #PF leaves RSP as it was.
 */
#include "cpu/x86/x86.h"

/* Store v at the slot 'depth' bytes below the current stack pointer. */
static uint64_t stack_slot(const X86CPU *cpu, uint64_t depth)
{
    return (cpu->s->regs[R_ESP] - depth) & x86_stack_mask(cpu);
}

void x86_push(X86CPU *cpu, unsigned size, uint64_t v)
{
    uint64_t sp = stack_slot(cpu, size);
    x86_st(cpu, x86_lin(cpu, x86_stack_seg(cpu), sp, size, ACC_WRITE), size, v);
    x86_set_sp(cpu, sp);
}

uint64_t x86_pop(X86CPU *cpu, unsigned size)
{
    uint64_t sp = cpu->s->regs[R_ESP] & x86_stack_mask(cpu);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, x86_stack_seg(cpu), sp, size, ACC_READ), size);
    x86_set_sp(cpu, sp + size);
    return v;
}

void x86_op_push(X86CPU *cpu, const X86Insn *i)
{
    uint64_t v, lin;
    if (i->k2 == K_IMM)
        v = i->imm;
    else
        v = x86_op1_read(cpu, i, &lin, ACC_READ);
    x86_push(cpu, i->osz, v);
}

void x86_op_pop(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    unsigned sz = i->osz;
    uint64_t sp = s->regs[R_ESP] & x86_stack_mask(cpu);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, x86_stack_seg(cpu), sp, sz, ACC_READ), sz);
    uint64_t old = s->regs[R_ESP];
    if (i->k1 == K_MEM) {
        /* The address is computed with the incremented stack pointer. */
        x86_set_sp(cpu, sp + sz);
        uint64_t lin = x86_insn_lin(cpu, i, sz, ACC_WRITE);
        s->regs[R_ESP] = old;
        x86_st(cpu, lin, sz, v);
        x86_set_sp(cpu, sp + sz);
        return;
    }
    x86_set_sp(cpu, sp + sz);
    x86_reg_write(cpu, i->r1, sz, v);
}

static int sreg_of(const X86Insn *i)
{
    if (i->opc >= 0xa0)     /* 0F A0/A1 FS, 0F A8/A9 GS */
        return i->opc < 0xa8 ? SEG_FS : SEG_GS;
    return (i->opc >> 3) & 3;
}

void x86_op_push_sreg(X86CPU *cpu, const X86Insn *i)
{
    uint64_t sp = stack_slot(cpu, i->osz);
    /* Recent processors write only the 16-bit selector into the slot. */
    x86_st(cpu, x86_lin(cpu, x86_stack_seg(cpu), sp, i->osz, ACC_WRITE), 2,
           cpu->s->segs[sreg_of(i)].selector);
    x86_set_sp(cpu, sp);
}

void x86_op_pop_sreg(X86CPU *cpu, const X86Insn *i)
{
    int seg = sreg_of(i);
    uint64_t sp = cpu->s->regs[R_ESP] & x86_stack_mask(cpu);
    uint16_t sel = (uint16_t)x86_ld(cpu, x86_lin(cpu, x86_stack_seg(cpu), sp, i->osz, ACC_READ), 2);
    x86_load_seg(cpu, seg, sel);
    x86_set_sp(cpu, sp + i->osz);
    if (seg == SEG_SS)
        cpu->irq_inhibit_next = true;
}

void x86_op_pusha(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t orig_sp = cpu->s->regs[R_ESP];
    for (unsigned r = 0; r < 8; r++) {
        uint64_t sp = stack_slot(cpu, (r + 1) * sz);
        uint64_t v = r == R_ESP ? orig_sp : cpu->s->regs[r];
        x86_st(cpu, x86_lin(cpu, SEG_SS, sp, sz, ACC_WRITE), sz, v);
    }
    x86_set_sp(cpu, stack_slot(cpu, 8 * sz));
}

void x86_op_popa(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t sp = cpu->s->regs[R_ESP] & x86_stack_mask(cpu), v[8];
    for (unsigned r = 0; r < 8; r++)
        v[7 - r] = x86_ld(cpu, x86_lin(cpu, SEG_SS, (sp + r * sz) & x86_stack_mask(cpu), sz,
                                          ACC_READ), sz);
    for (unsigned r = 0; r < 8; r++)
        if (r != R_ESP)
            x86_reg_write(cpu, r, sz, v[r]);
    x86_set_sp(cpu, sp + 8 * sz);
}

void x86_op_pushf(X86CPU *cpu, const X86Insn *i)
{
    uint64_t fl = x86_get_rflags(cpu);
    if (cpu->vm86 && (fl & FLAG_IOPL) != FLAG_IOPL)
        fl = x86_vme_flags_image(cpu, i->osz, fl);      /* CR4.VME, else #GP(0) */
    x86_push(cpu, i->osz, fl & ~(uint64_t)(FLAG_RF | FLAG_VM));
}

void x86_op_popf(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz;
    uint64_t fl = x86_get_rflags(cpu);
    unsigned iopl = (unsigned)(fl >> 12) & 3;
    if (cpu->vm86 && iopl != 3) {
        x86_vme_popf(cpu, sz);                          /* CR4.VME, else #GP(0) */
        return;
    }
    uint64_t v = x86_pop(cpu, sz);
    uint64_t mask = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_DF |
                    FLAG_OF | FLAG_NT | FLAG_AC | FLAG_ID;
    if (cpu->cpl == 0 && !cpu->vm86)
        mask |= FLAG_IOPL | FLAG_IF;
    else if (cpu->cpl <= iopl || cpu->vm86)
        mask |= FLAG_IF;
    if (sz == 2)
        mask &= 0xffff;
    x86_set_rflags(cpu, v, mask);
}

void x86_op_enter(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    unsigned sz = i->osz, level = i->imm2 & 31;
    uint64_t smask = x86_stack_mask(cpu);
    unsigned seg = x86_stack_seg(cpu);
    uint64_t sp = (s->regs[R_ESP] - sz) & smask;
    uint64_t bp = s->regs[R_EBP];
    x86_st(cpu, x86_lin(cpu, seg, sp, sz, ACC_WRITE), sz, bp);
    /* FrameTemp is the whole stack pointer after the push: a 32-bit ENTER on
     * a 16-bit stack sets EBP to ESP, upper half included (SDM, and the host) */
    uint64_t frame = (s->regs[R_ESP] & ~smask) | sp;
    if (level) {
        for (unsigned n = 1; n < level; n++) {
            bp = (bp - sz) & smask;
            uint64_t v = x86_ld(cpu, x86_lin(cpu, seg, bp & smask, sz, ACC_READ), sz);
            sp = (sp - sz) & smask;
            x86_st(cpu, x86_lin(cpu, seg, sp, sz, ACC_WRITE), sz, v);
        }
        sp = (sp - sz) & smask;
        x86_st(cpu, x86_lin(cpu, seg, sp, sz, ACC_WRITE), sz, frame);
    }
    sp = (sp - i->imm) & smask;
    /*
     * Before anything changes, the new stack top must take a write of the
     * operand size (SDM ENTER: #SS(0) if the new SP is outside the stack
     * segment's limit, or non-canonical; #PF if a write at the final stack
     * pointer would fault). It is probed, not written.
     */
    uint64_t top = x86_lin(cpu, seg, sp, sz, ACC_WRITE);
    tlb_rmw_ptr(cpu, top, 1);
    if (((top ^ (top + sz - 1)) & ~0xfffull) != 0)
        tlb_rmw_ptr(cpu, cpu->lma ? top + sz - 1 : (uint32_t)(top + sz - 1), 1);
    x86_reg_write(cpu, R_EBP, sz, frame);
    x86_set_sp(cpu, sp);
}

void x86_op_leave(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint64_t sp = s->regs[R_EBP] & x86_stack_mask(cpu);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, x86_stack_seg(cpu), sp, i->osz, ACC_READ), i->osz);
    x86_set_sp(cpu, sp + i->osz);
    x86_reg_write(cpu, R_EBP, i->osz, v);
}

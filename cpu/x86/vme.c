/* SPDX-License-Identifier: MIT */
/*
 * The IOPL-sensitive instructions of virtual-8086 mode and of ring 3 under
 * the virtual-mode extensions (CR4.VME) and protected-mode virtual
 * interrupts (CR4.PVI), SDM vol. 3 chapter 20.3-20.4.
 *
 * Without the extensions, CLI, STI, PUSHF, POPF, INT n and IRET in v8086
 * mode at IOPL < 3 raise #GP(0) for the monitor to emulate. With CR4.VME,
 * the 16-bit forms work on the virtual interrupt flag instead: CLI/STI
 * clear/set VIF (STI with VIP pending faults), PUSHF pushes FLAGS with
 * IF = VIF and IOPL = 3, POPF and IRET load VIF from the popped IF (a
 * popped IF=1 with VIP pending, or TF=1, faults), and INT n consults the
 * TSS's interrupt redirection bitmap: a clear bit sends the interrupt to
 * the 8086 program's own vector table (methods 5 and 6 of the SDM's table
 * 20-2), a set bit to the protected-mode IDT at IOPL 3 or #GP(0) below.
 * The 32-bit forms keep faulting. With CR4.PVI, CLI and STI at CPL 3 with
 * IOPL < 3 act on VIF the same way; nothing else changes in protected mode.
 */
#include "cpu/x86/x86.h"

static unsigned vme_iopl(const X86CPU *cpu)
{
    return (unsigned)(cpu->s->rflags >> 12) & 3;
}

/* CLI/STI where IF itself may not be changed: VIF, or #GP(0). */
static bool vme_vif_insn(X86CPU *cpu)
{
    uint64_t cr4 = cpu->s->cr4;
    if (cpu->vm86)
        return cr4 & CR4_VME;
    return cpu->pe && cpu->cpl == 3 && (cr4 & CR4_PVI);
}

void x86_vme_cli(X86CPU *cpu)
{
    if (!vme_vif_insn(cpu))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->s->rflags &= ~(uint64_t)FLAG_VIF;
}

void x86_vme_sti(X86CPU *cpu)
{
    if (!vme_vif_insn(cpu) || (cpu->s->rflags & FLAG_VIP))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->s->rflags |= FLAG_VIF;
}

uint64_t x86_vme_flags_image(X86CPU *cpu, unsigned osz, uint64_t fl)
{
    if (!(cpu->s->cr4 & CR4_VME) || osz != 2)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    fl &= ~(uint64_t)FLAG_IF;
    if (fl & FLAG_VIF)
        fl |= FLAG_IF;
    return (fl | FLAG_IOPL) & 0xffff;
}

/*
 * Commit a FLAGS image popped by POPF/IRET at IOPL < 3 under VME: every
 * bit of the low word but IOPL and IF, and IF into VIF. A popped IF=1 with
 * VIP pending, or TF=1, faults first (the monitor decides).
 */
static void vme_load_flags(X86CPU *cpu, uint64_t v)
{
    if (((v & FLAG_IF) && (cpu->s->rflags & FLAG_VIP)) || (v & FLAG_TF))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t mask = 0xffff & ~(uint64_t)(FLAG_IOPL | FLAG_IF);
    x86_set_rflags(cpu, v, mask);
    if (v & FLAG_IF)
        cpu->s->rflags |= FLAG_VIF;
    else
        cpu->s->rflags &= ~(uint64_t)FLAG_VIF;
}

/* A word at SS:sp (v8086 stacks are 16-bit). */
static uint64_t vme_stack_ld(X86CPU *cpu, uint64_t sp)
{
    return x86_ld(cpu, x86_lin(cpu, SEG_SS, sp & 0xffff, 2, ACC_READ), 2);
}

void x86_vme_popf(X86CPU *cpu, unsigned osz)
{
    if (!(cpu->s->cr4 & CR4_VME) || osz != 2)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t sp = cpu->s->regs[R_ESP] & 0xffff;
    uint64_t v = vme_stack_ld(cpu, sp);
    vme_load_flags(cpu, v);
    x86_set_sp(cpu, sp + 2);
}

void x86_vme_iret(X86CPU *cpu, unsigned osz)
{
    if (!(cpu->s->cr4 & CR4_VME) || osz != 2)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t sp = cpu->s->regs[R_ESP] & 0xffff;
    uint64_t ip = vme_stack_ld(cpu, sp);
    uint16_t cs = (uint16_t)vme_stack_ld(cpu, sp + 2);
    uint64_t fl = vme_stack_ld(cpu, sp + 4);
    vme_load_flags(cpu, fl);
    x86_load_seg_real(cpu, SEG_CS, cs);
    x86_set_sp(cpu, sp + 6);
    cpu->next_rip = ip;
}

bool x86_vme_intn(X86CPU *cpu, unsigned vec)
{
    X86CPUState *s = cpu->s;
    unsigned iopl = vme_iopl(cpu);
    if (!(s->cr4 & CR4_VME)) {
        if (iopl != 3)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        return false;
    }
    /* The redirection bitmap: the 32 bytes below the I/O map of a 32-bit TSS. */
    unsigned type = s->tr.attrib & 0xf;
    if (!(s->tr.attrib & SEG_ATTR_P) || (type != 9 && type != 11) || s->tr.limit < 0x67)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t at = x86_ld_kernel(cpu, (uint32_t)(s->tr.base + 0x66), 2) - 32 + vec / 8;
    if (at > s->tr.limit)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    bool to_idt = (x86_ld_kernel(cpu, (uint32_t)(s->tr.base + at), 1) >> (vec & 7)) & 1;
    if (to_idt) {
        if (iopl != 3)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        return false;
    }
    /* To the 8086 program's handler, like a real-mode INT. Everything that
     * can fault (the vector, the three pushes) happens before any commit. */
    uint64_t fl = x86_get_rflags(cpu);
    uint64_t image = iopl == 3 ? fl & 0xffff : x86_vme_flags_image(cpu, 2, fl);
    uint32_t ent = (uint32_t)x86_ld(cpu, vec * 4u, 4);
    uint64_t sp = s->regs[R_ESP];
    uint64_t l_fl = x86_lin(cpu, SEG_SS, (sp - 2) & 0xffff, 2, ACC_WRITE);
    uint64_t l_cs = x86_lin(cpu, SEG_SS, (sp - 4) & 0xffff, 2, ACC_WRITE);
    uint64_t l_ip = x86_lin(cpu, SEG_SS, (sp - 6) & 0xffff, 2, ACC_WRITE);
    x86_st(cpu, l_fl, 2, image);
    x86_st(cpu, l_cs, 2, s->segs[SEG_CS].selector);
    x86_st(cpu, l_ip, 2, cpu->next_rip & 0xffff);
    x86_set_sp(cpu, sp - 6);
    s->rflags &= ~(uint64_t)(FLAG_TF | (iopl == 3 ? FLAG_IF : FLAG_VIF));
    x86_load_seg_real(cpu, SEG_CS, (uint16_t)(ent >> 16));
    cpu->next_rip = ent & 0xffff;
    return true;
}

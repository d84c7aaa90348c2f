/* SPDX-License-Identifier: MIT */
/*
 * Model-specific registers: RDMSR/WRMSR and the MSR file behind them.
 *
 * Values live in X86CPUState.msr (so kvm, snapshots and gdb see the same
 * registers) except those that are views of other state: FS/GS base (the
 * segment caches), EFER.LMA (set by CR0.PG), the TSC (an offset from the
 * host-derived counter). Unknown MSRs and reserved bits raise #GP(0).
 */
#include <time.h>

#include "cpu/x86/x86.h"

#define MSR_TSC             0x10
#define MSR_SPEC_CTRL       0x48
#define MSR_APIC_BASE       0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN       0x8b
#define MSR_MTRRCAP         0xfe
#define MSR_SYSENTER_CS     0x174
#define MSR_SYSENTER_ESP    0x175
#define MSR_SYSENTER_EIP    0x176
#define MSR_MCG_CAP         0x179
#define MSR_MCG_STATUS      0x17a
#define MSR_MISC_ENABLE     0x1a0
#define MSR_MTRR_VAR        0x200
#define MSR_PAT             0x277
#define MSR_MTRR_DEF        0x2ff
#define MSR_TSC_DEADLINE    0x6e0
#define MSR_EFER            0xc0000080u
#define MSR_STAR            0xc0000081u
#define MSR_LSTAR           0xc0000082u
#define MSR_CSTAR           0xc0000083u
#define MSR_FMASK           0xc0000084u
#define MSR_FS_BASE         0xc0000100u
#define MSR_GS_BASE         0xc0000101u
#define MSR_KERNEL_GS_BASE  0xc0000102u
#define MSR_TSC_AUX         0xc0000103u

static const uint32_t mtrr_fixed_idx[11] = {
    0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f
};

uint64_t x86_read_tsc(X86CPU *cpu)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    return ns - cpu->tsc_base_ns + cpu->s->msr.tsc_offset;
}

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

bool x86_msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val)
{
    X86CPUState *s = cpu->s;
    X86Msrs *m = &s->msr;
    for (unsigned k = 0; k < 11; k++)
        if (idx == mtrr_fixed_idx[k]) {
            *val = m->mtrr_fixed[k];
            return true;
        }
    if (idx >= MSR_MTRR_VAR && idx < MSR_MTRR_VAR + 16) {
        *val = m->mtrr_var[idx - MSR_MTRR_VAR];
        return true;
    }
    switch (idx) {
    case MSR_TSC: *val = x86_read_tsc(cpu); return true;
    case MSR_SPEC_CTRL: *val = m->spec_ctrl; return true;
    case MSR_APIC_BASE: *val = m->apic_base; return true;
    case MSR_FEATURE_CONTROL: *val = 1; return true;      /* locked, no VMX */
    case MSR_BIOS_SIGN: *val = 0; return true;
    case MSR_MTRRCAP: *val = 0x500 | 8; return true;     /* fixed + WC, 8 var */
    case MSR_SYSENTER_CS: *val = m->sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *val = m->sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *val = m->sysenter_eip; return true;
    case MSR_MCG_CAP: case MSR_MCG_STATUS: *val = 0; return true;
    case MSR_MISC_ENABLE: *val = m->misc_enable; return true;
    case MSR_PAT: *val = m->pat; return true;
    case MSR_MTRR_DEF: *val = m->mtrr_def_type; return true;
    case MSR_TSC_DEADLINE: *val = m->tsc_deadline; return true;
    case MSR_EFER: *val = m->efer; return true;
    case MSR_STAR: *val = m->star; return true;
    case MSR_LSTAR: *val = m->lstar; return true;
    case MSR_CSTAR: *val = m->cstar; return true;
    case MSR_FMASK: *val = m->fmask; return true;
    case MSR_FS_BASE: *val = s->segs[SEG_FS].base; return true;
    case MSR_GS_BASE: *val = s->segs[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *val = m->kernel_gs_base; return true;
    case MSR_TSC_AUX: *val = m->tsc_aux; return true;
    }
    return false;
}

bool x86_msr_write(X86CPU *cpu, uint32_t idx, uint64_t val)
{
    X86CPUState *s = cpu->s;
    X86Msrs *m = &s->msr;
    for (unsigned k = 0; k < 11; k++)
        if (idx == mtrr_fixed_idx[k]) {
            m->mtrr_fixed[k] = val;
            return true;
        }
    if (idx >= MSR_MTRR_VAR && idx < MSR_MTRR_VAR + 16) {
        m->mtrr_var[idx - MSR_MTRR_VAR] = val;
        return true;
    }
    switch (idx) {
    case MSR_TSC: m->tsc_offset = val - (x86_read_tsc(cpu) - m->tsc_offset); return true;
    case MSR_SPEC_CTRL: m->spec_ctrl = val; return true;
    case MSR_APIC_BASE:
        if (val & ~(0xfffff000ull | (1u << 11) | (1u << 10) | (1u << 8)) & 0xffffffffffull)
            return false;
        m->apic_base = (val & ~(uint64_t)(1u << 8)) | (m->apic_base & (1u << 8));
        return true;
    case MSR_BIOS_SIGN: return true;
    case MSR_SYSENTER_CS: m->sysenter_cs = val & 0xffff; return true;
    case MSR_SYSENTER_ESP: m->sysenter_esp = val; return true;
    case MSR_SYSENTER_EIP: m->sysenter_eip = val; return true;
    case MSR_MCG_STATUS: return true;
    case MSR_MISC_ENABLE: m->misc_enable = val; return true;
    case MSR_PAT: m->pat = val; return true;
    case MSR_MTRR_DEF: m->mtrr_def_type = val; return true;
    case MSR_TSC_DEADLINE: m->tsc_deadline = val; return true;
    case MSR_EFER: {
        uint64_t allowed = EFER_SCE | EFER_LME | EFER_NXE | EFER_LMA;
        if (val & ~allowed)
            return false;
        if (((val ^ m->efer) & EFER_LME) && (s->cr0 & CR0_PG))
            return false;
        uint64_t old = m->efer;
        m->efer = (val & ~(uint64_t)EFER_LMA) | (old & EFER_LMA);
        if ((old ^ m->efer) & EFER_NXE)
            tlb_flush(cpu);
        return true;
    }
    case MSR_STAR: m->star = val; return true;
    case MSR_LSTAR: if (!canonical(val)) return false; m->lstar = val; return true;
    case MSR_CSTAR: if (!canonical(val)) return false; m->cstar = val; return true;
    case MSR_FMASK: m->fmask = val & 0xffffffff; return true;
    case MSR_FS_BASE: if (!canonical(val)) return false; s->segs[SEG_FS].base = val; return true;
    case MSR_GS_BASE: if (!canonical(val)) return false; s->segs[SEG_GS].base = val; return true;
    case MSR_KERNEL_GS_BASE: if (!canonical(val)) return false; m->kernel_gs_base = val; return true;
    case MSR_TSC_AUX: m->tsc_aux = val & 0xffffffff; return true;
    }
    return false;
}

void x86_op_rdmsr(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint64_t v;
    if (cpu->cpl != 0 || !x86_msr_read(cpu, (uint32_t)s->regs[R_ECX], &v))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    s->regs[R_EAX] = (uint32_t)v;
    s->regs[R_EDX] = v >> 32;
}

void x86_op_wrmsr(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint64_t v = (uint32_t)s->regs[R_EAX] | (s->regs[R_EDX] << 32);
    if (cpu->cpl != 0 || !x86_msr_write(cpu, (uint32_t)s->regs[R_ECX], v))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void x86_op_rdtsc(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if ((s->cr4 & CR4_TSD) && cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t t = x86_read_tsc(cpu);
    s->regs[R_EAX] = (uint32_t)t;
    s->regs[R_EDX] = t >> 32;
}

/*
 * RDPMC exists on every P6-class CPU whatever CPUID says; the model has no
 * performance counters (leaf 0AH reads zero), so every ECX names a counter
 * that does not exist and the answer is #GP(0) at any CPL and CR4.PCE.
 */
void x86_op_rdpmc(X86CPU *cpu, const X86Insn *i)
{
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void x86_op_rdtscp(X86CPU *cpu, const X86Insn *i)
{
    x86_op_rdtsc(cpu, i);
    cpu->s->regs[R_ECX] = (uint32_t)cpu->s->msr.tsc_aux;
}

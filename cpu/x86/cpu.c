/* SPDX-License-Identifier: MIT */
/*
 * CPU state set-up (power-on reset, INIT, the multiboot entry state) and
 * the mode cache that execution derives from the architectural state.
 *
 * x86_hflags_update() is the one place that turns CR0/EFER/CS/SS/RFLAGS into
 * the mode the decoder and handlers use: code size from CS.L/CS.D (so a CS
 * loaded in protected mode keeps its size after PE is cleared, as on
 * hardware), stack size from SS.B, CPL from SS.DPL (the definition VMX and
 * SVM use, which is also right during the real->protected transition), the
 * MMU index from CPL and the A20 mask. Callers run it after any change to
 * those inputs; it is cheap.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "cpu/x86/x86.h"
#include "cpu/x86/cpuid.h"

void x86_cpu_reset_state(X86CPUState *s, int index)
{
    memset(s, 0, sizeof(*s));
    s->rip = 0xfff0;
    s->rflags = 2;
    s->cr0 = CR0_ET | CR0_CD | CR0_NW;
    for (int i = 0; i < SEG_COUNT; i++) {
        s->segs[i].selector = 0;
        s->segs[i].base = 0;
        s->segs[i].limit = 0xffff;
        s->segs[i].attrib = SEG_ATTR_P | SEG_ATTR_S | 0x3;    /* data RW, accessed */
    }
    s->segs[SEG_CS].selector = 0xf000;
    s->segs[SEG_CS].base = 0xffff0000;
    s->segs[SEG_CS].attrib = SEG_ATTR_P | SEG_ATTR_S | 0xb;   /* code RX, accessed */
    s->gdt.limit = 0xffff;
    s->idt.limit = 0xffff;
    s->ldt.limit = 0xffff;
    s->ldt.attrib = SEG_ATTR_P | 2;
    s->tr.limit = 0xffff;
    s->tr.attrib = SEG_ATTR_P | 3;                            /* busy 16-bit TSS */
    s->regs[R_EDX] = 0x600;                                   /* family 6 */
    s->dr[6] = 0xffff0ff0;
    s->dr[7] = 0x400;
    s->fpu.fcw = 0x40;
    s->fpu.ftw = 0x5555;        /* power-on: every register +0.0, tagged zero */
    s->mxcsr = 0x1f80;
    s->xcr0 = 1;                /* x87 state is always enabled */
    s->msr.pat = 0x0007040600070406ull;
    s->msr.apic_base = 0xfee00000ull | (1u << 11) | (index == 0 ? 1u << 8 : 0);
    s->msr.misc_enable = 1;                                   /* fast strings */
    s->pending_exception = -1;
    s->sipi_vector = -1;
    s->a20_enabled = true;
    s->halted = index != 0;         /* APs wait for INIT/SIPI */
    s->wait_for_sipi = index != 0;
}

/*
 * INIT (SDM vol. 3 9.1, "Processor state after INIT"): the reset state,
 * except that x87, SSE and AVX state, XCR0, the MSRs (EFER aside: the CPU
 * is back in real mode) and CR0.CD/NW are left as they were -- so are the
 * A20 gate and a STARTUP vector that was already latched. The BSP starts
 * at the reset vector; an application processor waits for a STARTUP.
 */
void x86_cpu_init_state(X86CPUState *s)
{
    X86CPUState old = *s;
    bool bsp = s->msr.apic_base & (1u << 8);
    x86_cpu_reset_state(s, bsp ? 0 : 1);
    s->cr0 = (s->cr0 & ~(uint64_t)(CR0_CD | CR0_NW)) | (old.cr0 & (CR0_CD | CR0_NW));
    s->xcr0 = old.xcr0;
    s->fpu = old.fpu;
    memcpy(s->xmm, old.xmm, sizeof(s->xmm));
    s->mxcsr = old.mxcsr;
    s->msr = old.msr;
    s->msr.efer = 0;
    s->a20_enabled = old.a20_enabled;
    s->sipi_vector = old.sipi_vector;
}

void x86_cpu_setup_flat32(X86CPUState *s, uint32_t entry)
{
    static const SegmentCache code = { 0x10, SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_DB | SEG_ATTR_G,
                                       0xffffffff, 0 };
    static const SegmentCache data = { 0x18, SEG_ATTR_P | SEG_ATTR_S | 0x3 | SEG_ATTR_DB | SEG_ATTR_G,
                                       0xffffffff, 0 };
    s->cr0 = (s->cr0 | CR0_PE | CR0_ET) & ~(uint64_t)(CR0_PG | CR0_CD | CR0_NW);
    s->segs[SEG_CS] = code;
    for (int i = 0; i < SEG_COUNT; i++)
        if (i != SEG_CS)
            s->segs[i] = data;
    s->rflags = 2;
    s->rip = entry;
    s->halted = false;
}

void x86_hflags_update(X86CPU *cpu)
{
    X86CPUState *s = cpu->s;
    cpu->pe = s->cr0 & CR0_PE;
    cpu->vm86 = cpu->pe && (s->rflags & FLAG_VM);
    cpu->lma = s->msr.efer & EFER_LMA;
    cpu->paging = cpu->pe && (s->cr0 & CR0_PG);
    const SegmentCache *cs = &s->segs[SEG_CS];
    if (cpu->vm86)
        cpu->code_size = 2;
    else if (cpu->lma && (cs->attrib & SEG_ATTR_L))
        cpu->code_size = 8;
    else
        cpu->code_size = (cs->attrib & SEG_ATTR_DB) ? 4 : 2;
    if (cpu->code_size == 8)
        cpu->stack_size = 8;
    else
        cpu->stack_size = (s->segs[SEG_SS].attrib & SEG_ATTR_DB) ? 4 : 2;
    if (!cpu->pe)
        cpu->cpl = 0;
    else if (cpu->vm86)
        cpu->cpl = 3;
    else
        cpu->cpl = (s->segs[SEG_SS].attrib >> SEG_ATTR_DPL_SHIFT) & 3;
    if (cpu->cpl == 3)
        cpu->mmu_idx = X86_MMU_USER;
    else if ((s->cr4 & CR4_SMAP) && (s->rflags & FLAG_AC))
        cpu->mmu_idx = X86_MMU_SUPER_AC;
    else
        cpu->mmu_idx = X86_MMU_SUPER;
    x86_seg_chk_update(cpu);
    cpu->a20_mask = s->a20_enabled ? ~0ull : ~(1ull << 20);
}

void x86_set_rflags(X86CPU *cpu, uint64_t val, uint64_t mask)
{
    X86CPUState *s = cpu->s;
    x86_flags_sync(cpu);
    uint64_t old = s->rflags;
    s->rflags = ((old & ~mask) | (val & mask) | 2) & 0x3f7fd7ull;
    cpu->cc_op = CC_OP_EFLAGS;
    if ((old ^ s->rflags) & (FLAG_VM | FLAG_AC))
        x86_hflags_update(cpu);     /* mode, or the SMAP MMU index */
}

void x86_cpu_init(X86CPU *cpu, X86CPUState *s, Vcpu *vcpu, Machine *m,
                  const X86CPUModel *model)
{
    memset(cpu, 0, offsetof(X86CPU, tlb));
    cpu->s = s;
    cpu->vcpu = vcpu;
    cpu->machine = m;
    cpu->excp_vector = -1;
    cpu->delivering = -1;
    cpu->model = model;
    x86_cpu_model_features(model, cpu->features);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    cpu->tsc_base_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    x86_hflags_update(cpu);
    cpu->a20_seen = s->a20_enabled;
    for (unsigned k = 0; k < TLB_NB_MMU; k++)
        for (unsigned e = 0; e < TLB_SIZE; e++)
            cpu->tlb.t[k][e].addr_read = cpu->tlb.t[k][e].addr_write =
                cpu->tlb.t[k][e].addr_code = TLB_INVALID;
}

/*
 * At RESET and INIT, EDX holds the processor signature (CPUID.1:EAX).
 * x86_cpu_reset_state() does not know the model, so the engine patches it
 * in while the state is still the power-on one.
 */
void x86_cpu_fix_reset_edx(X86CPU *cpu)
{
    X86CPUState *s = cpu->s;
    if (s->rip == 0xfff0 && s->segs[SEG_CS].selector == 0xf000 && !(s->cr0 & CR0_PE) &&
        s->regs[R_EDX] == 0x600) {
        uint32_t out[4];
        x86_cpuid_query(cpu, 1, 0, out);
        if (out[0])
            s->regs[R_EDX] = out[0];
    }
}

/* SPDX-License-Identifier: MIT */
/*
 * Moving a vCPU's architectural state between the kernel and X86CPUState.
 *
 * The kernel's copy is the truth while a vCPU runs. Vcpu.state is brought up
 * to date lazily: the run loop fetches only the general registers when it
 * returns (the vCPU thread looks at RFLAGS.IF and 'halted' to decide whether
 * to sleep), and sync_state() fetches everything else when someone asks
 * (pause, gdb, snapshot, lockstep). state_changed() marks Vcpu.state as the
 * truth; the whole of it is written before the next KVM_RUN. So the common
 * exits (port I/O, MMIO) cost no state transfer at all.
 *
 * What goes where: REGS (GPRs, RIP, RFLAGS), SREGS (segments with their
 * hidden parts, GDT/IDT, CR0/2/3/4/8, EFER, APIC base), XSAVE (x87, SSE,
 * AVX upper halves; KVM_GET/SET_FPU when the kernel has no XSAVE), XCRS
 * (XCR0), DEBUGREGS, the MSRs of X86Msrs that the kernel accepts,
 * VCPU_EVENTS (exception being delivered, interrupt shadow, NMI masking),
 * and, for a guest with SVM or VMX, NESTED_STATE (kept in KvmVcpu, below).
 * Parts of the kernel's event state X86CPUState has no field for (an NMI
 * pending, an interrupt vector queued but not yet delivered) are kept in
 * KvmVcpu across a get/put; state_changed() drops them, since a state
 * written from outside (a reset, a snapshot) replaces them.
 *
 * MP state is not transferred: with the userspace irqchip the kernel never
 * halts a vCPU itself (HLT exits to us), so 'halted' and wait-for-SIPI are
 * ours alone; with the split irqchip they are the kernel's, and a reset
 * puts its APIC and MP state back to power-on (kvm-irqchip.c). The TSC is
 * kept as an offset from the host's TSC and written back only when that
 * offset was changed from outside, so that a plain get/put does not make
 * guest time jump.
 */
#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "accel/kvm/kvm-int.h"
#include "cpu/x86/fxsave.h"
#include "softmmu/vcpu.h"

#define MSR_IA32_TSC 0x10

/* The MSRs of X86Msrs, by index. The TSC is handled apart (an offset). */
static const struct {
    uint32_t index;
    size_t offset;
} kvm_msr_map[] = {
    { 0xc0000081, offsetof(X86Msrs, star) },
    { 0xc0000082, offsetof(X86Msrs, lstar) },
    { 0xc0000083, offsetof(X86Msrs, cstar) },
    { 0xc0000084, offsetof(X86Msrs, fmask) },
    { 0xc0000102, offsetof(X86Msrs, kernel_gs_base) },
    { 0xc0000103, offsetof(X86Msrs, tsc_aux) },
    { 0x174, offsetof(X86Msrs, sysenter_cs) },
    { 0x175, offsetof(X86Msrs, sysenter_esp) },
    { 0x176, offsetof(X86Msrs, sysenter_eip) },
    { 0x277, offsetof(X86Msrs, pat) },
    { 0x1a0, offsetof(X86Msrs, misc_enable) },
    { 0x2ff, offsetof(X86Msrs, mtrr_def_type) },
    { 0x250, offsetof(X86Msrs, mtrr_fixed[0]) },
    { 0x258, offsetof(X86Msrs, mtrr_fixed[1]) },
    { 0x259, offsetof(X86Msrs, mtrr_fixed[2]) },
    { 0x268, offsetof(X86Msrs, mtrr_fixed[3]) },
    { 0x269, offsetof(X86Msrs, mtrr_fixed[4]) },
    { 0x26a, offsetof(X86Msrs, mtrr_fixed[5]) },
    { 0x26b, offsetof(X86Msrs, mtrr_fixed[6]) },
    { 0x26c, offsetof(X86Msrs, mtrr_fixed[7]) },
    { 0x26d, offsetof(X86Msrs, mtrr_fixed[8]) },
    { 0x26e, offsetof(X86Msrs, mtrr_fixed[9]) },
    { 0x26f, offsetof(X86Msrs, mtrr_fixed[10]) },
#define MTRR_VAR(i) { 0x200 + (i), offsetof(X86Msrs, mtrr_var[i]) }
    MTRR_VAR(0), MTRR_VAR(1), MTRR_VAR(2), MTRR_VAR(3),
    MTRR_VAR(4), MTRR_VAR(5), MTRR_VAR(6), MTRR_VAR(7),
    MTRR_VAR(8), MTRR_VAR(9), MTRR_VAR(10), MTRR_VAR(11),
    MTRR_VAR(12), MTRR_VAR(13), MTRR_VAR(14), MTRR_VAR(15),
#undef MTRR_VAR
    { 0x6e0, offsetof(X86Msrs, tsc_deadline) },
    { 0x48, offsetof(X86Msrs, spec_ctrl) },
    { 0xda0, offsetof(X86Msrs, xss) },
};
#define KVM_NR_MSR_MAP (sizeof(kvm_msr_map) / sizeof(kvm_msr_map[0]))

static uint64_t *kvm_msr_field(X86Msrs *m, uint32_t index)
{
    for (size_t i = 0; i < KVM_NR_MSR_MAP; i++)
        if (kvm_msr_map[i].index == index)
            return (uint64_t *)((char *)m + kvm_msr_map[i].offset);
    return NULL;
}

typedef struct KvmMsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[KVM_MAX_MSRS];
} KvmMsrBuf;

/*
 * Which of our MSRs this kernel accepts. The index list alone is not enough
 * (it omits MTRRs on some kernels and lists MSRs a vCPU without the CPUID bit
 * refuses), so each candidate is read and written back on the first vCPU,
 * before it ever runs, where doing so changes nothing.
 */
void kvm_msr_probe(KvmState *ks, int vcpu_fd)
{
    KvmMsrBuf b;
    ks->nr_msrs = 0;
    ks->msr_index[ks->nr_msrs++] = MSR_IA32_TSC;
    for (size_t i = 0; i < KVM_NR_MSR_MAP && ks->nr_msrs < KVM_MAX_MSRS; i++) {
        memset(&b, 0, sizeof(b));
        b.hdr.nmsrs = 1;
        b.e[0].index = kvm_msr_map[i].index;
        if (ioctl(vcpu_fd, KVM_GET_MSRS, &b) != 1)
            continue;
        if (ioctl(vcpu_fd, KVM_SET_MSRS, &b) != 1)
            continue;
        ks->msr_index[ks->nr_msrs++] = kvm_msr_map[i].index;
    }
}

/* ------------------------------------------------------------------ */
/* Segments                                                           */

static void kvm_seg_to_cache(SegmentCache *c, const struct kvm_segment *k)
{
    c->selector = k->selector;
    c->base = k->base;
    c->limit = k->limit;
    c->attrib = (k->type & 0xf) | (k->s ? SEG_ATTR_S : 0) |
                ((k->dpl & 3) << SEG_ATTR_DPL_SHIFT) |
                (k->present && !k->unusable ? SEG_ATTR_P : 0) |
                (k->avl ? SEG_ATTR_AVL : 0) | (k->l ? SEG_ATTR_L : 0) |
                (k->db ? SEG_ATTR_DB : 0) | (k->g ? SEG_ATTR_G : 0);
}

static void kvm_seg_from_cache(struct kvm_segment *k, const SegmentCache *c)
{
    memset(k, 0, sizeof(*k));
    k->selector = c->selector;
    k->base = c->base;
    k->limit = c->limit;
    k->type = c->attrib & SEG_ATTR_TYPE_MASK;
    k->s = !!(c->attrib & SEG_ATTR_S);
    k->dpl = (c->attrib >> SEG_ATTR_DPL_SHIFT) & 3;
    k->present = !!(c->attrib & SEG_ATTR_P);
    k->avl = !!(c->attrib & SEG_ATTR_AVL);
    k->l = !!(c->attrib & SEG_ATTR_L);
    k->db = !!(c->attrib & SEG_ATTR_DB);
    k->g = !!(c->attrib & SEG_ATTR_G);
    /* VMX wants "unusable" rather than "not present" for a null segment. */
    k->unusable = !k->present;
}

static const int kvm_seg_order[SEG_COUNT] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

static struct kvm_segment *kvm_sregs_seg(struct kvm_sregs *s, int seg)
{
    switch (seg) {
    case SEG_ES: return &s->es;
    case SEG_CS: return &s->cs;
    case SEG_SS: return &s->ss;
    case SEG_DS: return &s->ds;
    case SEG_FS: return &s->fs;
    default:     return &s->gs;
    }
}

/* ------------------------------------------------------------------ */
/* x87 / SSE                                                          */

/*
 * The kernel's images (the start of the KVM_GET/SET_XSAVE area, and what
 * KVM_GET/SET_FPU carries) are in the 64-bit format -- the host saves the
 * guest's state with FXSAVE64/XSAVE64 -- and always hold all sixteen XMM
 * registers, whatever mode the guest is in. Their MXCSR_MASK is the host's
 * and is left as the kernel wrote it.
 */
static void kvm_fx_to_state(X86CPUState *s, const uint8_t *fx)
{
    x86_fx_load(s, fx, X86_FX_ALL, true, 16);
}

static void kvm_fx_from_state(uint8_t *fx, const X86CPUState *s)
{
    x86_fx_store(s, fx, X86_FX_ALL, true, 16);
}

/* Offset of the AVX upper halves in the XSAVE area: the host's CPUID 0xD.2. */
static unsigned kvm_xsave_ymm_offset(void)
{
    unsigned a, b = 0, c, d;
    if (!__get_cpuid_count(0xd, 2, &a, &b, &c, &d) || !b)
        return 576;             /* the standard (non-compacted) layout */
    return b;
}

static int kvm_get_fpu(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    X86CPUState *s = &cpu->state;
    if (kv->xsave) {
        if (ioctl(kv->fd, KVM_GET_XSAVE, kv->xsave) < 0)
            return -1;
        uint8_t *x = (uint8_t *)kv->xsave->region;
        kvm_fx_to_state(s, x);
        uint64_t bv;
        memcpy(&bv, x + 512, 8);
        unsigned off = kvm_xsave_ymm_offset();
        bool avx = (bv & XSTATE_AVX) && off + 256 <= sizeof(kv->xsave->region);
        x86_xsave_avx_load(s, avx ? x + off : NULL, 16);
        return 0;
    }
    struct kvm_fpu fpu;
    if (ioctl(kv->fd, KVM_GET_FPU, &fpu) < 0)
        return -1;
    uint8_t fx[512] = { 0 };
    memcpy(fx + 0, &fpu.fcw, 2);
    memcpy(fx + 2, &fpu.fsw, 2);
    fx[4] = fpu.ftwx;
    memcpy(fx + 6, &fpu.last_opcode, 2);
    memcpy(fx + 8, &fpu.last_ip, 8);
    memcpy(fx + 16, &fpu.last_dp, 8);
    memcpy(fx + 24, &fpu.mxcsr, 4);
    memcpy(fx + 32, fpu.fpr, sizeof(fpu.fpr));
    memcpy(fx + 160, fpu.xmm, sizeof(fpu.xmm));
    kvm_fx_to_state(s, fx);
    return 0;
}

static bool kvm_ymm_upper_used(const X86CPUState *s)
{
    for (int i = 0; i < 16; i++)
        if (s->xmm[i].q[2] | s->xmm[i].q[3])
            return true;
    return false;
}

static int kvm_put_fpu(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    const X86CPUState *s = &cpu->state;
    if (kv->xsave) {
        /* Start from the last image so components we do not model survive. */
        uint8_t *x = (uint8_t *)kv->xsave->region;
        kvm_fx_from_state(x, s);
        uint64_t bv;
        memcpy(&bv, x + 512, 8);
        bv = (bv & ~XSTATE_AVX) | XSTATE_X87 | XSTATE_SSE;
        unsigned off = kvm_xsave_ymm_offset();
        if (kvm_ymm_upper_used(s) && off + 256 <= sizeof(kv->xsave->region)) {
            x86_xsave_avx_store(s, x + off, 16);
            bv |= XSTATE_AVX;
        }
        memcpy(x + 512, &bv, 8);
        return ioctl(kv->fd, KVM_SET_XSAVE, kv->xsave);
    }
    uint8_t fx[512] = { 0 };
    kvm_fx_from_state(fx, s);
    struct kvm_fpu fpu;
    memset(&fpu, 0, sizeof(fpu));
    memcpy(&fpu.fcw, fx + 0, 2);
    memcpy(&fpu.fsw, fx + 2, 2);
    fpu.ftwx = fx[4];
    memcpy(&fpu.last_opcode, fx + 6, 2);
    memcpy(&fpu.last_ip, fx + 8, 8);
    memcpy(&fpu.last_dp, fx + 16, 8);
    memcpy(&fpu.mxcsr, fx + 24, 4);
    memcpy(fpu.fpr, fx + 32, sizeof(fpu.fpr));
    memcpy(fpu.xmm, fx + 160, sizeof(fpu.xmm));
    return ioctl(kv->fd, KVM_SET_FPU, &fpu);
}

/* ------------------------------------------------------------------ */
/* Whole state                                                        */

static int kvm_get_regs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    X86CPUState *s = &cpu->state;
    struct kvm_regs r;
    if (ioctl(kv->fd, KVM_GET_REGS, &r) < 0)
        return -1;
    s->regs[R_EAX] = r.rax; s->regs[R_ECX] = r.rcx;
    s->regs[R_EDX] = r.rdx; s->regs[R_EBX] = r.rbx;
    s->regs[R_ESP] = r.rsp; s->regs[R_EBP] = r.rbp;
    s->regs[R_ESI] = r.rsi; s->regs[R_EDI] = r.rdi;
    s->regs[R_R8] = r.r8;   s->regs[R_R9] = r.r9;
    s->regs[R_R10] = r.r10; s->regs[R_R11] = r.r11;
    s->regs[R_R12] = r.r12; s->regs[R_R13] = r.r13;
    s->regs[R_R14] = r.r14; s->regs[R_R15] = r.r15;
    s->rip = r.rip;
    s->rflags = r.rflags;
    return 0;
}

static int kvm_put_regs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    const X86CPUState *s = &cpu->state;
    struct kvm_regs r = {
        .rax = s->regs[R_EAX], .rcx = s->regs[R_ECX],
        .rdx = s->regs[R_EDX], .rbx = s->regs[R_EBX],
        .rsp = s->regs[R_ESP], .rbp = s->regs[R_EBP],
        .rsi = s->regs[R_ESI], .rdi = s->regs[R_EDI],
        .r8 = s->regs[R_R8],   .r9 = s->regs[R_R9],
        .r10 = s->regs[R_R10], .r11 = s->regs[R_R11],
        .r12 = s->regs[R_R12], .r13 = s->regs[R_R13],
        .r14 = s->regs[R_R14], .r15 = s->regs[R_R15],
        .rip = s->rip,
        .rflags = s->rflags | 2,            /* bit 1 always reads as one */
    };
    return ioctl(kv->fd, KVM_SET_REGS, &r);
}

static int kvm_get_sregs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    X86CPUState *s = &cpu->state;
    struct kvm_sregs sr;
    if (ioctl(kv->fd, KVM_GET_SREGS, &sr) < 0)
        return -1;
    for (int i = 0; i < SEG_COUNT; i++)
        kvm_seg_to_cache(&s->segs[kvm_seg_order[i]], kvm_sregs_seg(&sr, kvm_seg_order[i]));
    kvm_seg_to_cache(&s->ldt, &sr.ldt);
    kvm_seg_to_cache(&s->tr, &sr.tr);
    s->gdt.base = sr.gdt.base;
    s->gdt.limit = sr.gdt.limit;
    s->idt.base = sr.idt.base;
    s->idt.limit = sr.idt.limit;
    s->cr0 = sr.cr0; s->cr2 = sr.cr2; s->cr3 = sr.cr3; s->cr4 = sr.cr4; s->cr8 = sr.cr8;
    s->msr.efer = sr.efer;
    s->msr.apic_base = sr.apic_base;
    return 0;
}

static int kvm_put_sregs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    const X86CPUState *s = &cpu->state;
    struct kvm_sregs sr;
    memset(&sr, 0, sizeof(sr));     /* interrupt_bitmap: nothing queued */
    for (int i = 0; i < SEG_COUNT; i++)
        kvm_seg_from_cache(kvm_sregs_seg(&sr, kvm_seg_order[i]), &s->segs[kvm_seg_order[i]]);
    kvm_seg_from_cache(&sr.ldt, &s->ldt);
    kvm_seg_from_cache(&sr.tr, &s->tr);
    /*
     * VMX refuses to enter with an unusable TR; a power-on state may leave
     * it blank, while the CPU itself resets it to a busy TSS at base 0.
     */
    if (!sr.tr.present) {
        sr.tr.present = 1;
        sr.tr.unusable = 0;
        sr.tr.type = 11;
        if (!sr.tr.limit)
            sr.tr.limit = 0xffff;
    }
    sr.gdt.base = s->gdt.base;
    sr.gdt.limit = s->gdt.limit;
    sr.idt.base = s->idt.base;
    sr.idt.limit = s->idt.limit;
    sr.cr0 = s->cr0; sr.cr2 = s->cr2; sr.cr3 = s->cr3; sr.cr4 = s->cr4; sr.cr8 = s->cr8;
    sr.efer = s->msr.efer;
    sr.apic_base = s->msr.apic_base;
    return ioctl(kv->fd, KVM_SET_SREGS, &sr);
}

static int kvm_get_msrs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    KvmState *ks = kv->ks;
    KvmMsrBuf b;
    memset(&b, 0, sizeof(b));
    for (int i = 0; i < ks->nr_msrs; i++)
        b.e[i].index = ks->msr_index[i];
    b.hdr.nmsrs = ks->nr_msrs;
    int n = ioctl(kv->fd, KVM_GET_MSRS, &b);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (b.e[i].index == MSR_IA32_TSC) {
            /* An offset from the host's TSC, so the state survives a pause. */
            cpu->state.msr.tsc_offset = b.e[i].data - __rdtsc();
            kv->tsc_offset_read = cpu->state.msr.tsc_offset;
            kv->tsc_read = true;
            continue;
        }
        uint64_t *f = kvm_msr_field(&cpu->state.msr, b.e[i].index);
        if (f)
            *f = b.e[i].data;
    }
    if (n != ks->nr_msrs) {
        fprintf(stderr, "tandem: kvm: vCPU %d: KVM_GET_MSRS stopped at MSR 0x%x\n",
                cpu->index, ks->msr_index[n]);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static int kvm_put_msrs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    KvmState *ks = kv->ks;
    KvmMsrBuf b;
    int n = 0;
    memset(&b, 0, sizeof(b));
    for (int i = 0; i < ks->nr_msrs; i++) {
        uint32_t idx = ks->msr_index[i];
        if (idx == MSR_IA32_TSC) {
            if (kv->tsc_read && cpu->state.msr.tsc_offset == kv->tsc_offset_read)
                continue;
            b.e[n].index = idx;
            b.e[n++].data = __rdtsc() + cpu->state.msr.tsc_offset;
            continue;
        }
        uint64_t *f = kvm_msr_field(&cpu->state.msr, idx);
        if (!f)
            continue;
        b.e[n].index = idx;
        b.e[n++].data = *f;
    }
    b.hdr.nmsrs = n;
    int r = ioctl(kv->fd, KVM_SET_MSRS, &b);
    if (r < 0)
        return -1;
    if (r != n) {
        fprintf(stderr, "tandem: kvm: vCPU %d: KVM_SET_MSRS refused MSR 0x%x = 0x%llx\n",
                cpu->index, b.e[r].index, (unsigned long long)b.e[r].data);
        errno = EINVAL;
        return -1;
    }
    kv->tsc_offset_read = cpu->state.msr.tsc_offset;
    kv->tsc_read = true;
    return 0;
}

static int kvm_get_events(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    X86CPUState *s = &cpu->state;
    struct kvm_vcpu_events ev;
    memset(&ev, 0, sizeof(ev));
    if (ioctl(kv->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -1;
    kv->events = ev;
    kv->events_read = true;
    if (ev.exception.injected || ev.exception.pending) {
        s->pending_exception = ev.exception.nr;
        s->pending_has_error_code = ev.exception.has_error_code;
        s->pending_error_code = ev.exception.error_code;
    } else {
        s->pending_exception = -1;
        s->pending_has_error_code = false;
        s->pending_error_code = 0;
    }
    s->interrupt_shadow = ev.interrupt.shadow != 0;
    s->nmi_masked = ev.nmi.masked;
    return 0;
}

static int kvm_put_events(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    const X86CPUState *s = &cpu->state;
    struct kvm_vcpu_events ev = kv->events;
    memset(&ev.exception, 0, sizeof(ev.exception));
    if (s->pending_exception >= 0 && s->pending_exception < 32) {
        ev.exception.injected = 1;
        ev.exception.nr = s->pending_exception;
        ev.exception.has_error_code = s->pending_has_error_code;
        ev.exception.error_code = s->pending_error_code;
    }
    ev.interrupt.shadow = s->interrupt_shadow ? KVM_X86_SHADOW_INT_STI : 0;
    ev.nmi.masked = s->nmi_masked;
    ev.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
    ev.exception_has_payload = 0;
    return ioctl(kv->fd, KVM_SET_VCPU_EVENTS, &ev);
}

static int kvm_get_xcrs_dregs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    X86CPUState *s = &cpu->state;
    if (kv->ks->cap_xcrs) {
        struct kvm_xcrs x;
        memset(&x, 0, sizeof(x));
        if (ioctl(kv->fd, KVM_GET_XCRS, &x) < 0)
            return -1;
        for (uint32_t i = 0; i < x.nr_xcrs && i < KVM_MAX_XCRS; i++)
            if (x.xcrs[i].xcr == 0)
                s->xcr0 = x.xcrs[i].value;
    }
    if (kv->ks->cap_debugregs) {
        struct kvm_debugregs d;
        if (ioctl(kv->fd, KVM_GET_DEBUGREGS, &d) < 0)
            return -1;
        for (int i = 0; i < 4; i++)
            s->dr[i] = d.db[i];
        s->dr[6] = d.dr6;
        s->dr[7] = d.dr7;
    }
    return 0;
}

static int kvm_put_xcrs_dregs(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    const X86CPUState *s = &cpu->state;
    if (kv->ks->cap_xcrs) {
        struct kvm_xcrs x;
        memset(&x, 0, sizeof(x));
        x.nr_xcrs = 1;
        x.xcrs[0].xcr = 0;
        /* x87 state is always enabled; a zero XCR0 (a blank state) means reset. */
        x.xcrs[0].value = s->xcr0 ? s->xcr0 : 1;
        if (ioctl(kv->fd, KVM_SET_XCRS, &x) < 0)
            return -1;
    }
    if (kv->ks->cap_debugregs) {
        struct kvm_debugregs d;
        memset(&d, 0, sizeof(d));
        for (int i = 0; i < 4; i++)
            d.db[i] = s->dr[i];
        /* Reserved bits read as ones; a blank state would be refused. */
        d.dr6 = s->dr[6] | 0xffff0ff0;
        d.dr7 = s->dr[7] | 0x400;
        if (ioctl(kv->fd, KVM_SET_DEBUGREGS, &d) < 0)
            return -1;
    }
    return 0;
}

/*
 * Nested state. Read as the kernel has it and written back as read, so that
 * a pause or a state transfer in the middle of the guest's own guest (L2)
 * leaves it there. After a reset or INIT it is replaced by "not in guest
 * mode" in the same format (SVM: GIF set; VMX: no VMXON region), which the
 * kernel requires once EFER.SVME or CR4.VMXE have been cleared.
 */
static int kvm_get_nested(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    if (!kv->nested)
        return 0;
    memset(kv->nested, 0, kv->ks->nested_state_size);
    kv->nested->size = kv->ks->nested_state_size;
    if (ioctl(kv->fd, KVM_GET_NESTED_STATE, kv->nested) < 0)
        return -1;
    kv->nested_valid = true;
    kv->nested_reset = false;
    return 0;
}

static int kvm_put_nested(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_nested_state *n = kv->nested;
    if (!n || !kv->nested_valid)
        return 0;           /* never read: the kernel's is still the right one */
    if (kv->nested_reset) {
        uint16_t format = n->format;
        memset(n, 0, sizeof(*n));
        n->format = format;
        n->size = sizeof(*n);
        if (format == KVM_STATE_NESTED_FORMAT_SVM) {
            n->flags = KVM_STATE_NESTED_GIF_SET;
        } else {
            n->hdr.vmx.vmxon_pa = UINT64_MAX;
            n->hdr.vmx.vmcs12_pa = UINT64_MAX;
        }
        kv->nested_reset = false;
    }
    return ioctl(kv->fd, KVM_SET_NESTED_STATE, n);
}

/* The kernel's APIC is not part of Vcpu.state (split irqchip): only reset. */
static int kvm_get_nothing(Vcpu *cpu)
{
    (void)cpu;
    return 0;
}

typedef struct KvmStatePart {
    const char *name;
    int (*get)(Vcpu *cpu);
    int (*put)(Vcpu *cpu);
} KvmStatePart;

/*
 * Put order matters: SREGS (CR0/CR4/EFER) before what they constrain; the
 * nested state after SREGS and REGS, which in guest mode are L2's and which
 * the kernel moves into the L2 control block when it enters guest mode.
 */
static const KvmStatePart kvm_state_parts[] = {
    { "SREGS", kvm_get_sregs, kvm_put_sregs },
    { "REGS", kvm_get_regs, kvm_put_regs },
    { "NESTED_STATE", kvm_get_nested, kvm_put_nested },
    { "LAPIC/MP_STATE", kvm_get_nothing, kvm_irqchip_put_reset },
    { "XCRS/DEBUGREGS", kvm_get_xcrs_dregs, kvm_put_xcrs_dregs },
    { "FPU/XSAVE", kvm_get_fpu, kvm_put_fpu },
    { "MSRS", kvm_get_msrs, kvm_put_msrs },
    { "VCPU_EVENTS", kvm_get_events, kvm_put_events },
};

int kvm_state_get(Vcpu *cpu, bool regs_only)
{
    KvmVcpu *kv = cpu->accel;
    if (regs_only) {
        if (kv->regs_valid || kv->state_valid)
            return 0;
        if (kvm_get_regs(cpu) < 0) {
            fprintf(stderr, "tandem: kvm: vCPU %d: KVM_GET_REGS: %s\n", cpu->index,
                    strerror(errno));
            return -1;
        }
        kv->regs_valid = true;
        return 0;
    }
    if (kv->state_valid)
        return 0;
    for (size_t i = 0; i < sizeof(kvm_state_parts) / sizeof(kvm_state_parts[0]); i++) {
        if (kvm_state_parts[i].get(cpu) < 0) {
            fprintf(stderr, "tandem: kvm: vCPU %d: get %s: %s\n", cpu->index,
                    kvm_state_parts[i].name, strerror(errno));
            return -1;
        }
    }
    kv->state_valid = kv->regs_valid = true;
    return 0;
}

int kvm_state_put(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    for (size_t i = 0; i < sizeof(kvm_state_parts) / sizeof(kvm_state_parts[0]); i++) {
        if (kvm_state_parts[i].put(cpu) < 0) {
            fprintf(stderr, "tandem: kvm: vCPU %d: set %s: %s\n", cpu->index,
                    kvm_state_parts[i].name, strerror(errno));
            return -1;
        }
    }
    kv->state_dirty = false;
    return 0;
}

void kvm_sync_state(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    if (kv && !kv->state_valid)
        kvm_state_get(cpu, false);
}

void kvm_state_changed(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    if (!kv)
        return;
    kv->state_valid = kv->regs_valid = kv->state_dirty = true;
    /* A replaced state has no queued interrupt or NMI of the old one. */
    memset(&kv->events.interrupt, 0, sizeof(kv->events.interrupt));
    kv->events.nmi.injected = kv->events.nmi.pending = 0;
    kv->nested_reset = true;
    kv->irq_window_open = false;
    if (kv->ks->split_irqchip) {
        /*
         * The kernel's APIC halts vCPUs and holds APs until INIT/SIPI (its
         * MP state, reset with it): the vCPU thread must always enter
         * KVM_RUN, which sleeps in the kernel while there is nothing to do.
         */
        kv->lapic_needs_reset = true;
        kv->wait_for_sipi = false;
        cpu->state.halted = false;
        return;
    }
    kv->wait_for_sipi = cpu->state.halted && !(cpu->state.msr.apic_base & (1u << 8));
}

/* ------------------------------------------------------------------ */
/* Register dump for fatal exits                                      */

static void kvm_dump_seg(FILE *f, const char *name, const SegmentCache *c)
{
    fprintf(f, "  %-4s %04x base=%016" PRIx64 " limit=%08x attr=%04x\n",
            name, c->selector, c->base, c->limit, c->attrib);
}

void kvm_dump_state(Vcpu *cpu, const char *why)
{
    KvmVcpu *kv = cpu->accel;
    FILE *f = stderr;
    static const char *const seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    static const char *const reg_names[16] = {
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    };

    fprintf(f, "tandem: kvm: vCPU %d: %s\n", cpu->index, why);
    /* Whatever we can still read; a failed get leaves the last known values. */
    if (!kv->state_dirty)
        kvm_state_get(cpu, false);
    const X86CPUState *s = &cpu->state;
    for (int i = 0; i < 16; i += 4)
        fprintf(f, "  %-3s=%016" PRIx64 " %-3s=%016" PRIx64 " %-3s=%016" PRIx64
                " %-3s=%016" PRIx64 "\n", reg_names[i], s->regs[i], reg_names[i + 1],
                s->regs[i + 1], reg_names[i + 2], s->regs[i + 2], reg_names[i + 3],
                s->regs[i + 3]);
    fprintf(f, "  RIP=%016" PRIx64 " RFLAGS=%08" PRIx64 "\n", s->rip, s->rflags);
    for (int i = 0; i < SEG_COUNT; i++)
        kvm_dump_seg(f, seg_names[i], &s->segs[i]);
    kvm_dump_seg(f, "LDT", &s->ldt);
    kvm_dump_seg(f, "TR", &s->tr);
    fprintf(f, "  GDT=%016" PRIx64 "/%04x IDT=%016" PRIx64 "/%04x\n",
            s->gdt.base, s->gdt.limit, s->idt.base, s->idt.limit);
    fprintf(f, "  CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
            " EFER=%08" PRIx64 "\n", s->cr0, s->cr2, s->cr3, s->cr4, s->msr.efer);
    if (s->pending_exception >= 0)
        fprintf(f, "  exception %d being delivered (error code %#x)\n",
                s->pending_exception, s->pending_error_code);
}

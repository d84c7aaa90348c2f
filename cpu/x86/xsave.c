/* SPDX-License-Identifier: MIT */
/*
 * FPU/SIMD state management shared by the x87 and SSE/AVX: FXSAVE/FXRSTOR
 * (and their REX.W forms), LDMXCSR/STMXCSR, XSAVE/XSAVEOPT/XSAVEC/XRSTOR,
 * XGETBV/XSETBV and the CPUID leaf 0xD layout they agree with.
 *
 * The state lives in X86CPUState only (fpu, xmm[], mxcsr, xcr0): the SIMD
 * semantics (sse-*.c, avx.c) read and write the same fields, so nothing
 * here knows about them. Layout (SDM vol. 1 ch. 10 and 13): the 512-byte
 * legacy region (x87 at 0..159 with MXCSR/MXCSR_MASK at 24..31, XMM0-15 at
 * 160..415; outside 64-bit mode only XMM0-7), the 64-byte XSAVE header at
 * 512 (XSTATE_BV, XCOMP_BV), and the AVX component (YMM_Hi128, 16 x 16
 * bytes) at 576 -- in the standard format and, being the first extended
 * component, in the compacted one too. CPUID.0xD reports exactly these
 * offsets and sizes (576 bytes for x87|SSE, 832 with AVX).
 *
 * The image of the legacy region itself (x86_fx_store/x86_fx_load,
 * declared in fxsave.h) is pure and shared with the kvm engine's register
 * sync; the instructions here add their checks, memory accesses, #GP for
 * reserved MXCSR bits, tandem's MXCSR_MASK and FERR# (x86_fpu_update_es).
 *
 * XINUSE is taken to be all ones (the SDM allows reporting a component in
 * use when it is in its initial configuration), so XSAVE, XSAVEOPT and
 * XSAVEC always write every requested component; XSAVEOPT is therefore
 * XSAVE. XRSTOR validates the whole header before changing anything, and
 * reads every byte it needs into a buffer first, so a fault or #GP leaves
 * the state as it was. The x87 part of FXRSTOR/XRSTOR keeps the invariants
 * listed in fpu.h (computed tags, ES).
 */
#include "cpu/x86/fpu.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/fxsave.h"

#define XSAVE_HDR 512
#define XSAVE_AVX 576
#define XSAVE_MAX 832

unsigned x86_xmm_count(const X86CPU *cpu)
{
    return cpu->code_size == 8 ? 16 : 8;
}

static uint64_t xcr0_supported(const X86CPU *cpu)
{
    return XSTATE_X87 | XSTATE_SSE | (cpu->features[FEAT_AVX] ? XSTATE_AVX : 0);
}

/* ---- the legacy region: the image itself (fxsave.h) ---- */

static void fx_store_x87(const X87State *f, uint8_t *a, bool w64)
{
    unsigned top = (f->fsw >> 11) & 7;
    uint8_t abridged = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((f->ftw >> (2 * p)) & 3) != 3)
            abridged |= (uint8_t)(1u << p);
    memcpy(a + 0, &f->fcw, 2);
    memcpy(a + 2, &f->fsw, 2);
    a[4] = abridged;
    a[5] = 0;
    memcpy(a + 6, &f->fop, 2);
    if (w64) {
        memcpy(a + 8, &f->fip, 8);
        memcpy(a + 16, &f->fdp, 8);
    } else {
        uint32_t ip = (uint32_t)f->fip, dp = (uint32_t)f->fdp;
        memcpy(a + 8, &ip, 4);
        memcpy(a + 12, &f->fcs, 2);
        memset(a + 14, 0, 2);
        memcpy(a + 16, &dp, 4);
        memcpy(a + 20, &f->fds, 2);
        memset(a + 22, 0, 2);
    }
    /* the image holds ST(i); X87State keeps the physical registers */
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &f->st[(top + i) & 7];
        memcpy(a + 32 + 16 * i, &r->mant, 8);
        memcpy(a + 32 + 16 * i + 8, &r->sign_exp, 2);
        memset(a + 32 + 16 * i + 10, 0, 6);
    }
}

static void fx_load_x87(X87State *f, const uint8_t *a, bool w64)
{
    memcpy(&f->fcw, a + 0, 2);
    f->fcw = FCW_LOAD(f->fcw);
    memcpy(&f->fsw, a + 2, 2);
    memcpy(&f->fop, a + 6, 2);
    f->fop &= 0x7ff;
    if (w64) {
        memcpy(&f->fip, a + 8, 8);
        memcpy(&f->fdp, a + 16, 8);
        f->fcs = f->fds = 0;
    } else {
        uint32_t ip, dp;
        memcpy(&ip, a + 8, 4);
        memcpy(&f->fcs, a + 12, 2);
        memcpy(&dp, a + 16, 4);
        memcpy(&f->fds, a + 20, 2);
        f->fip = ip;
        f->fdp = dp;
    }
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        X87Reg *r = &f->st[(top + i) & 7];
        memcpy(&r->mant, a + 32 + 16 * i, 8);
        memcpy(&r->sign_exp, a + 32 + 16 * i + 8, 2);
    }
    /* the abridged word says empty or not; the contents say the rest */
    f->ftw = 0;
    for (unsigned p = 0; p < 8; p++)
        if (!((a[4] >> p) & 1))
            f->ftw |= (uint16_t)(3u << (2 * p));
    x86_fpu_retag(f);
}

void x86_fx_store(const X86CPUState *s, uint8_t *img, unsigned parts, bool w64, unsigned nxmm)
{
    if (parts & X86_FX_X87)
        fx_store_x87(&s->fpu, img, w64);
    if (parts & X86_FX_MXCSR)
        memcpy(img + 24, &s->mxcsr, 4);
    if (parts & X86_FX_XMM)
        for (unsigned k = 0; k < nxmm && k < 16; k++)
            memcpy(img + X86_FX_XMM_OFF + 16 * k, s->xmm[k].b, 16);
}

void x86_fx_load(X86CPUState *s, const uint8_t *img, unsigned parts, bool w64, unsigned nxmm)
{
    if (parts & X86_FX_X87)
        fx_load_x87(&s->fpu, img, w64);
    if (parts & X86_FX_MXCSR) {
        uint32_t mx;
        memcpy(&mx, img + 24, 4);
        s->mxcsr = mx & X86_MXCSR_MASK;
    }
    if (parts & X86_FX_XMM)
        for (unsigned k = 0; k < nxmm && k < 16; k++)
            memcpy(s->xmm[k].b, img + X86_FX_XMM_OFF + 16 * k, 16);
}

void x86_xsave_avx_store(const X86CPUState *s, uint8_t *comp, unsigned n)
{
    for (unsigned k = 0; k < n && k < 16; k++)
        memcpy(comp + 16 * k, s->xmm[k].b + 16, 16);
}

void x86_xsave_avx_load(X86CPUState *s, const uint8_t *comp, unsigned n)
{
    for (unsigned k = 0; k < n && k < 16; k++) {
        if (comp)
            memcpy(s->xmm[k].b + 16, comp + 16 * k, 16);
        else
            memset(s->xmm[k].b + 16, 0, 16);
    }
}

/* ---- FXSAVE/FXRSTOR ---- */

/* The image as the CPU's FXSAVE/XSAVE write it: with tandem's MXCSR_MASK. */
static void fx_store_cpu(X86CPU *cpu, uint8_t *a, bool w64)
{
    uint32_t mask = X86_MXCSR_MASK;
    x86_fx_store(cpu->s, a, X86_FX_ALL, w64, x86_xmm_count(cpu));
    memcpy(a + 28, &mask, 4);
}

static uint32_t mxcsr_at(const uint8_t *a)
{
    uint32_t v;
    memcpy(&v, a + 24, 4);
    return v;
}

/* FXSAVE/FXRSTOR: #UD with CR0.EM, #NM with CR0.TS, #GP unless 16-aligned. */
static uint64_t fx_prologue(X86CPU *cpu, const X86Insn *i, unsigned align, int acc)
{
    if (cpu->s->cr0 & CR0_EM)
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->s->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
    uint64_t lin = x86_insn_lin(cpu, i, 512, acc);
    if (lin & (align - 1))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    return lin;
}

void x86_op_fxsave(X86CPU *cpu, const X86Insn *i)
{
    uint8_t a[416];
    uint64_t lin = fx_prologue(cpu, i, 16, ACC_WRITE);
    fx_store_cpu(cpu, a, i->pfx & PFX_REXW);
    x86_fpu_mem_write(cpu, lin, a, 160 + 16 * x86_xmm_count(cpu));
}

void x86_op_fxrstor(X86CPU *cpu, const X86Insn *i)
{
    uint8_t a[416];
    uint64_t lin = fx_prologue(cpu, i, 16, ACC_READ);
    bool w64 = i->pfx & PFX_REXW;
    x86_fpu_mem_read(cpu, lin, a, 160 + 16 * x86_xmm_count(cpu));
    uint32_t mx = mxcsr_at(a);
    if (mx & ~X86_MXCSR_MASK)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    x86_fx_load(cpu->s, a, X86_FX_ALL, w64, x86_xmm_count(cpu));
    x86_fpu_update_es(cpu);
}

/* ---- MXCSR ---- */

static void mxcsr_checks(X86CPU *cpu)
{
    if ((cpu->s->cr0 & CR0_EM) || !(cpu->s->cr4 & CR4_OSFXSR))
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->s->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
}

void x86_op_ldmxcsr(X86CPU *cpu, const X86Insn *i)
{
    mxcsr_checks(cpu);
    uint32_t v = (uint32_t)x86_ld(cpu, x86_insn_lin(cpu, i, 4, ACC_READ), 4);
    if (v & ~X86_MXCSR_MASK)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->s->mxcsr = v;
}

void x86_op_stmxcsr(X86CPU *cpu, const X86Insn *i)
{
    mxcsr_checks(cpu);
    x86_st(cpu, x86_insn_lin(cpu, i, 4, ACC_WRITE), 4, cpu->s->mxcsr);
}

/* ---- XSAVE family ---- */

static uint64_t xs_prologue(X86CPU *cpu, const X86Insn *i, uint64_t *rfbm, int acc)
{
    if (!(cpu->s->cr4 & CR4_OSXSAVE))
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->s->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
    /* The segment check covers the legacy area and the header, which
     * every form touches. */
    uint64_t lin = x86_insn_lin(cpu, i, XSAVE_AVX, acc);
    if (lin & 63)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t edx_eax = (cpu->s->regs[R_EDX] << 32) | (uint32_t)cpu->s->regs[R_EAX];
    *rfbm = cpu->s->xcr0 & edx_eax;
    return lin;
}

static unsigned xsave_size(uint64_t xcr0)
{
    return (xcr0 & XSTATE_AVX) ? XSAVE_MAX : XSAVE_AVX;
}

/* XSAVE, XSAVEOPT (0F AE /4, /6) and XSAVEC (0F C7 /4). */
void x86_op_xsave(X86CPU *cpu, const X86Insn *i)
{
    uint64_t rfbm;
    uint64_t lin = xs_prologue(cpu, i, &rfbm, ACC_WRITE);
    bool compact = i->op == X86_INSN_XSAVEC, w64 = i->pfx & PFX_REXW;
    uint8_t a[XSAVE_MAX];
    uint64_t hdr[8];

    /* the header first: it is read (standard form), and probes the area */
    if (compact) {
        memset(hdr, 0, sizeof(hdr));
        hdr[0] = rfbm;
        hdr[1] = rfbm | (1ull << 63);
    } else {
        hdr[0] = x86_ld(cpu, lin + XSAVE_HDR, 8);
        hdr[0] = (hdr[0] & ~rfbm) | rfbm;           /* XINUSE: all ones */
    }
    if (rfbm & XSTATE_AVX)
        x86_fpu_mem_probe_write(cpu, lin + XSAVE_AVX, 256);
    x86_fpu_mem_probe_write(cpu, lin, XSAVE_AVX);

    fx_store_cpu(cpu, a, w64);
    if (rfbm & XSTATE_X87) {
        x86_fpu_mem_write(cpu, lin, a, 24);
        x86_fpu_mem_write(cpu, lin + 32, a + 32, 128);
    }
    if (rfbm & (XSTATE_SSE | XSTATE_AVX))
        x86_fpu_mem_write(cpu, lin + 24, a + 24, 8);
    if (rfbm & XSTATE_SSE)
        x86_fpu_mem_write(cpu, lin + 160, a + 160, 16 * x86_xmm_count(cpu));
    if (rfbm & XSTATE_AVX) {
        x86_xsave_avx_store(cpu->s, a + XSAVE_AVX, x86_xmm_count(cpu));
        x86_fpu_mem_write(cpu, lin + XSAVE_AVX, a + XSAVE_AVX, 16 * x86_xmm_count(cpu));
    }
    x86_fpu_mem_write(cpu, lin + XSAVE_HDR, hdr, compact ? 64 : 8);
}

void x86_op_xrstor(X86CPU *cpu, const X86Insn *i)
{
    uint64_t rfbm;
    uint64_t lin = xs_prologue(cpu, i, &rfbm, ACC_READ);
    bool w64 = i->pfx & PFX_REXW;
    uint8_t a[XSAVE_MAX];
    uint64_t hdr[8];
    X86CPUState *s = cpu->s;

    x86_fpu_mem_read(cpu, lin + XSAVE_HDR, hdr, 64);
    uint64_t bv = hdr[0], comp = hdr[1];
    bool compact = comp >> 63;
    if (compact) {
        if (!cpu->features[FEAT_XSAVEC] || ((comp & ~(1ull << 63)) & ~s->xcr0) ||
            (bv & ~comp))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        for (unsigned k = 2; k < 8; k++)
            if (hdr[k])
                x86_raise_exception_err(cpu, EXCP_GP, 0);
    } else if ((bv & ~s->xcr0) || comp || hdr[2]) {
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    }
    x86_fpu_mem_read(cpu, lin, a, 160 + 16 * x86_xmm_count(cpu));
    if (rfbm & XSTATE_AVX)
        x86_fpu_mem_read(cpu, lin + XSAVE_AVX, a + XSAVE_AVX, 16 * x86_xmm_count(cpu));
    /* MXCSR comes from memory whenever SSE or AVX state is requested; in
     * the compacted form only when the SSE component itself is present. */
    bool load_mx = (rfbm & (XSTATE_SSE | XSTATE_AVX)) && (!compact || (bv & XSTATE_SSE));
    if (load_mx && (mxcsr_at(a) & ~X86_MXCSR_MASK))
        x86_raise_exception_err(cpu, EXCP_GP, 0);

    /* nothing can fault from here on */
    if (rfbm & (XSTATE_SSE | XSTATE_AVX))
        s->mxcsr = load_mx ? mxcsr_at(a) : 0x1f80;
    if (rfbm & XSTATE_X87) {
        if (bv & XSTATE_X87) {
            x86_fx_load(s, a, X86_FX_X87, w64, 0);
        } else {
            x86_fpu_reset(&s->fpu);
            memset(s->fpu.st, 0, sizeof(s->fpu.st));
        }
        x86_fpu_update_es(cpu);
    }
    if (rfbm & XSTATE_SSE) {
        if (bv & XSTATE_SSE)
            x86_fx_load(s, a, X86_FX_XMM, false, x86_xmm_count(cpu));
        else
            for (unsigned k = 0; k < x86_xmm_count(cpu); k++)
                memset(s->xmm[k].b, 0, 16);
    }
    if (rfbm & XSTATE_AVX)
        x86_xsave_avx_load(s, bv & XSTATE_AVX ? a + XSAVE_AVX : NULL, x86_xmm_count(cpu));
}

void x86_op_xgetbv(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (!(s->cr4 & CR4_OSXSAVE))
        x86_raise_exception(cpu, EXCP_UD);
    if ((uint32_t)s->regs[R_ECX] != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    s->regs[R_EAX] = (uint32_t)s->xcr0;
    s->regs[R_EDX] = s->xcr0 >> 32;
}

void x86_op_xsetbv(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (!(s->cr4 & CR4_OSXSAVE))
        x86_raise_exception(cpu, EXCP_UD);
    uint64_t v = (s->regs[R_EDX] << 32) | (uint32_t)s->regs[R_EAX];
    if (cpu->cpl != 0 || (uint32_t)s->regs[R_ECX] != 0 || !(v & XSTATE_X87) ||
        (v & ~xcr0_supported(cpu)) || ((v & XSTATE_AVX) && !(v & XSTATE_SSE)))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    s->xcr0 = v;
}

/* ---- CPUID leaf 0xD ---- */

void x86_xsave_cpuid(uint64_t supported, uint64_t enabled, uint32_t d1_eax, uint32_t sub,
                     uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(uint32_t));
    if (!supported)
        return;
    switch (sub) {
    case 0:
        out[0] = (uint32_t)supported;
        out[1] = xsave_size(enabled);
        out[2] = xsave_size(supported);
        out[3] = (uint32_t)(supported >> 32);
        break;
    case 1:
        out[0] = d1_eax;
        /* XSAVEC's compacted size of XCR0's components (no XSS ones) */
        out[1] = (d1_eax & 2) ? xsave_size(enabled) : 0;
        break;
    case 2:
        if (supported & XSTATE_AVX) {
            out[0] = 256;
            out[1] = XSAVE_AVX;
        }
        break;
    }
}

/* SPDX-License-Identifier: MIT */
/*
 * Conversions between SSE floating point and integers in general-purpose
 * or MMX registers: CVTSI2SS/SD, CVT(T)SS2SI, CVT(T)SD2SI, CVTPI2PS/PD,
 * CVT(T)PS2PI, CVT(T)PD2PI. (The XMM-to-XMM conversions are lane functions
 * in sse-fp.c.)
 *
 * Like the rest of SSE floating point, the host instruction computes the
 * result under the guest's MXCSR, so rounding, the integer-indefinite value
 * (0x80000000 / 0x8000000000000000) on overflow or NaN, and the flags are
 * the hardware's. The MMX forms are done with the host's XMM forms of the
 * same conversion on two elements (the host's own x87/MMX state must not be
 * touched); an MMX register operand makes the x87 state switch to MMX mode,
 * a memory one does not (SDM, CVTPI2PS).
 */
#include "cpu/x86/sse.h"

#if X86_SIMD_HOST
/* BODY runs under the guest MXCSR m_; OUT and IN are one asm operand each. */
#define HOST_CVT(BODY, OUT, IN)                                              \
    do {                                                                     \
        uint32_t h_;                                                         \
        __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[m]\n\t" BODY "\n\t"       \
                         "stmxcsr %[m]\n\tldmxcsr %[h]"                      \
                         : [m] "+m"(m_), [h] "=m"(h_), OUT                   \
                         : IN                                                \
                         : "xmm0", "xmm1");                                  \
    } while (0)

/* int -> float/double into the low element of a */
static void host_cvtsi2fp(XmmReg *r, const XmmReg *a, uint64_t v, bool dbl, bool q, uint32_t *mx)
{
    uint32_t m_ = *mx;
    XmmReg t = *a;
    if (!dbl && !q)
        HOST_CVT("movdqu %[t], %%xmm0\n\tcvtsi2ssl %k[v], %%xmm0\n\tmovdqu %%xmm0, %[t]",
                 [t] "+m"(t), [v] "r"(v));
    else if (!dbl)
        HOST_CVT("movdqu %[t], %%xmm0\n\tcvtsi2ssq %q[v], %%xmm0\n\tmovdqu %%xmm0, %[t]",
                 [t] "+m"(t), [v] "r"(v));
    else if (!q)
        HOST_CVT("movdqu %[t], %%xmm0\n\tcvtsi2sdl %k[v], %%xmm0\n\tmovdqu %%xmm0, %[t]",
                 [t] "+m"(t), [v] "r"(v));
    else
        HOST_CVT("movdqu %[t], %%xmm0\n\tcvtsi2sdq %q[v], %%xmm0\n\tmovdqu %%xmm0, %[t]",
                 [t] "+m"(t), [v] "r"(v));
    *r = t;
    *mx = m_;
}

/* float/double (low element of b) -> int; trunc: CVTT* */
static uint64_t host_cvtfp2si(const XmmReg *b, bool dbl, bool q, bool trunc, uint32_t *mx)
{
    uint32_t m_ = *mx;
    uint64_t r = 0;
    unsigned k = (dbl ? 1 : 0) | (q ? 2 : 0) | (trunc ? 4 : 0);
#define CV(insn, reg) HOST_CVT("movdqu %[b], %%xmm1\n\t" insn " %%xmm1, " reg, \
                               [r] "=r"(r), [b] "m"(*b))
    switch (k) {
    case 0: CV("cvtss2si", "%k[r]"); break;
    case 1: CV("cvtsd2si", "%k[r]"); break;
    case 2: CV("cvtss2si", "%q[r]"); break;
    case 3: CV("cvtsd2si", "%q[r]"); break;
    case 4: CV("cvttss2si", "%k[r]"); break;
    case 5: CV("cvttsd2si", "%k[r]"); break;
    case 6: CV("cvttss2si", "%q[r]"); break;
    default: CV("cvttsd2si", "%q[r]"); break;
    }
#undef CV
    *mx = m_;
    return q ? r : (uint32_t)r;
}

/* packed: CVTDQ2PS, CVTDQ2PD, CVT(T)PS2DQ, CVT(T)PD2DQ on a whole XMM */
static void host_cvtpack(XmmReg *r, const XmmReg *b, unsigned which, uint32_t *mx)
{
    uint32_t m_ = *mx;
    XmmReg t;
#define CP(insn) HOST_CVT("movdqu %[b], %%xmm1\n\t" insn " %%xmm1, %%xmm0\n\tmovdqu %%xmm0, %[t]", \
                          [t] "=m"(t), [b] "m"(*b))
    switch (which) {
    case 0: CP("cvtdq2ps"); break;
    case 1: CP("cvtdq2pd"); break;
    case 2: CP("cvtps2dq"); break;
    case 3: CP("cvttps2dq"); break;
    case 4: CP("cvtpd2dq"); break;
    default: CP("cvttpd2dq"); break;
    }
#undef CP
    *r = t;
    *mx = m_;
}
#else
static _Noreturn void cvt_unsupported(void)
{
    __builtin_trap();
}
static void host_cvtsi2fp(XmmReg *r, const XmmReg *a, uint64_t v, bool dbl, bool q, uint32_t *mx)
{
    *r = *a;
    if (dbl) {
        double f = q ? (double)(int64_t)v : (double)(int32_t)v;
        memcpy(r, &f, 8);
    } else {
        float f = q ? (float)(int64_t)v : (float)(int32_t)v;
        memcpy(r, &f, 4);
    }
    (void)mx;
}
static uint64_t host_cvtfp2si(const XmmReg *b, bool dbl, bool q, bool trunc, uint32_t *mx)
{
    (void)b; (void)dbl; (void)q; (void)trunc; (void)mx;
    cvt_unsupported();
}
static void host_cvtpack(XmmReg *r, const XmmReg *b, unsigned which, uint32_t *mx)
{
    (void)r; (void)b; (void)which; (void)mx;
    cvt_unsupported();
}
#endif

/* CVTSI2SS / CVTSI2SD xmm, r/m32/64 (F3 / F2 0F 2A) */
void x86_op_cvtsi2ss(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    uint64_t v = x86_op2_read(cpu, i);
    bool dbl = (i->pfx & PFX_REPNE) != 0;
    uint32_t mx = x86_sse_guest_mxcsr(cpu);
    XmmReg r;
    host_cvtsi2fp(&r, &cpu->s->xmm[i->vex ? i->vreg : i->r1], v, dbl, i->osz == 8, &mx);
    x86_sse_fp_commit(cpu, mx & MXCSR_FLAGS);
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* CVT(T)SS2SI / CVT(T)SD2SI r32/64, xmm/m32/64 (F3 / F2 0F 2C / 2D) */
void x86_op_cvtss2si(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    bool dbl = (i->pfx & PFX_REPNE) != 0;
    XmmReg b;
    x86_sse_read_rm(cpu, i, &b, dbl ? 8 : 4, false, false);
    uint32_t mx = x86_sse_guest_mxcsr(cpu);
    uint64_t v = host_cvtfp2si(&b, dbl, i->osz == 8, i->opc == 0x2c, &mx);
    x86_sse_fp_commit(cpu, mx & MXCSR_FLAGS);
    x86_reg_write(cpu, i->r1, i->osz == 8 ? 8 : 4, v);
}

/* CVTPI2PS xmm, mm/m64 (NP 0F 2A) and CVTPI2PD xmm, mm/m64 (66 0F 2A) */
void x86_op_cvtpi2ps(X86CPU *cpu, const X86Insn *i)
{
    bool pd = (i->pfx & PFX_OPSZ) != 0;
    x86_sse_check(cpu, i);
    if (i->k2 == K_REG)
        x86_mmx_enter(cpu);
    XmmReg b, t, r = cpu->s->xmm[i->r1];
    x86_sse_read_rm(cpu, i, &b, 8, false, true);
    uint32_t mx = x86_sse_guest_mxcsr(cpu);
    host_cvtpack(&t, &b, pd ? 1 : 0, &mx);
    if (pd)
        memcpy(&r, &t, 16);
    else
        r.q[0] = t.q[0];
    x86_sse_fp_commit(cpu, mx & MXCSR_FLAGS);
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* CVT(T)PS2PI mm, xmm/m64 (NP 0F 2D / 2C) and CVT(T)PD2PI mm, xmm/m128 (66) */
void x86_op_cvtps2pi(X86CPU *cpu, const X86Insn *i)
{
    bool pd = (i->pfx & PFX_OPSZ) != 0, trunc = i->opc == 0x2c;
    x86_sse_check(cpu, i);
    x86_mmx_enter(cpu);
    XmmReg b, t;
    x86_sse_read_rm(cpu, i, &b, pd ? 16 : 8, pd, false);
    uint32_t mx = x86_sse_guest_mxcsr(cpu);
    host_cvtpack(&t, &b, (pd ? 4 : 2) + (trunc ? 1 : 0), &mx);
    x86_sse_fp_commit(cpu, mx & MXCSR_FLAGS);
    x86_mm_write(cpu, i->r1, t.q[0]);
}

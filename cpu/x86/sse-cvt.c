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
#include <fenv.h>
#include <math.h>

/* Portable: host conversions under the guest rounding mode, x86 rules by hand. */
static int cvt_round(uint32_t mx)
{
    static const int m[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    return m[(mx >> 13) & 3];
}

static double cvt_load(const XmmReg *b, unsigned k, bool dbl, uint32_t *mx)
{
    uint64_t v = dbl ? b->q[k] : b->d[k];
    unsigned mant = dbl ? 52 : 23;
    uint64_t expm = (dbl ? 0x7ffull : 0xffull) << mant;
    if (!(v & expm) && (v & ((1ull << mant) - 1))) {
        if (*mx & MXCSR_DAZ)
            return 0.0;     /* (conversions to integer have no denormal exception) */
    }
    if (dbl) {
        double d;
        memcpy(&d, &v, 8);
        return d;
    }
    float f;
    uint32_t u = (uint32_t)v;
    memcpy(&f, &u, 4);
    return f;
}

static uint64_t cvt_to_int(double v, bool q, bool trunc, uint32_t *mx)
{
    uint64_t indef = q ? 0x8000000000000000ull : 0x80000000u;
    double lim = q ? 9223372036854775808.0 : 2147483648.0;
    if (isnan(v)) {
        *mx |= MXCSR_IE;
        return indef;
    }
    int old = fegetround();
    fesetround(trunc ? FE_TOWARDZERO : cvt_round(*mx));
    double r = nearbyint(*(volatile double *)&v);
    fesetround(old);
    if (r >= lim || r < -lim) {
        *mx |= MXCSR_IE;
        return indef;
    }
    if (r != v)
        *mx |= MXCSR_PE;
    return q ? (uint64_t)(int64_t)r : (uint32_t)(int32_t)r;
}

static void host_cvtsi2fp(XmmReg *r, const XmmReg *a, uint64_t v, bool dbl, bool q, uint32_t *mx)
{
    int64_t s = q ? (int64_t)v : (int64_t)(int32_t)v;
    int old = fegetround();
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(cvt_round(*mx));
    *r = *a;
    volatile int64_t vs = s;    /* keep the conversion after fesetround */
    if (dbl) {
        double d = (double)vs;
        memcpy(r, &d, 8);
    } else {
        float f = (float)vs;
        memcpy(r, &f, 4);
    }
    if (fetestexcept(FE_INEXACT))
        *mx |= MXCSR_PE;
    fesetround(old);
}

static uint64_t host_cvtfp2si(const XmmReg *b, bool dbl, bool q, bool trunc, uint32_t *mx)
{
    return cvt_to_int(cvt_load(b, 0, dbl, mx), q, trunc, mx);
}

/* 0 CVTDQ2PS, 1 CVTDQ2PD, 2 CVTPS2DQ, 3 CVTTPS2DQ, 4 CVTPD2DQ, 5 CVTTPD2DQ */
static void host_cvtpack(XmmReg *r, const XmmReg *b, unsigned which, uint32_t *mx)
{
    XmmReg t;
    memset(&t, 0, sizeof(t));
    int old = fegetround();
    switch (which) {
    case 0: case 1:
        feclearexcept(FE_ALL_EXCEPT);
        fesetround(cvt_round(*mx));
        for (unsigned k = 0; k < (which ? 2u : 4u); k++) {
            volatile int32_t v = (int32_t)b->d[k];
            if (which) {
                double d = v;
                memcpy(&t.q[k], &d, 8);
            } else {
                float f = (float)v;
                memcpy(&t.d[k], &f, 4);
            }
        }
        if (fetestexcept(FE_INEXACT))
            *mx |= MXCSR_PE;
        fesetround(old);
        break;
    default:
        for (unsigned k = 0; k < (which < 4 ? 4u : 2u); k++)
            t.d[k] = (uint32_t)cvt_to_int(cvt_load(b, k, which >= 4, mx), false, which & 1, mx);
        break;
    }
    *r = t;
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

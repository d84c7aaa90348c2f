/* SPDX-License-Identifier: MIT */
/*
 * The instructions that exist only in VEX form: AVX's broadcasts, 128-bit
 * inserts/extracts/permutes, VPERMILPS/PD, VMASKMOV; AVX2's cross-lane
 * permutes, variable shifts, VPBLENDD, VPMASKMOV and the gathers; FMA3;
 * F16C. (The VEX forms of SSE instructions share the SSE handlers.)
 *
 * Cross-lane operations work on the whole 256-bit value; in-lane ones are
 * lane functions for x86_sse_binop. Masked loads (VMASKMOV, VPMASKMOV) do
 * not fault on masked-off elements; masked stores write only the selected
 * elements, after checking that none of them faults. Gathers follow the
 * SDM's partial-progress rule: elements are loaded in order, each clearing
 * its mask element, so a fault leaves the completed elements loaded and
 * their mask bits clear, and the instruction can be restarted.
 */
#include "cpu/x86/fxsave.h"
#include "cpu/x86/sse.h"

#define LANE(name) static void lane_##name(XmmReg *d, const XmmReg *a, const XmmReg *b, SseCtx *c)

static unsigned avx_width(const X86Insn *i)
{
    return i->vexl ? 32 : 16;
}

static void avx2_needed(X86CPU *cpu)
{
    if (!cpu->features[FEAT_AVX2])
        x86_raise_exception(cpu, EXCP_UD);
}

/* ---- broadcasts ---- */

/* VBROADCASTSS/SD/F128, VPBROADCASTB/W/D/Q, VBROADCASTI128 */
void x86_op_vbroadcast(X86CPU *cpu, const X86Insn *i)
{
    unsigned n;
    switch (i->opc) {
    case 0x78: n = 1; break;
    case 0x79: n = 2; break;
    case 0x18: case 0x58: n = 4; break;
    case 0x19: case 0x59: n = 8; break;
    default: n = 16; break;     /* 0x1a, 0x5a */
    }
    x86_sse_check(cpu, i);
    /* AVX has memory sources only; AVX2 added register ones */
    if (i->k2 == K_REG && (i->opc == 0x18 || i->opc == 0x19))
        avx2_needed(cpu);
    unsigned w = avx_width(i);
    XmmReg b, r;
    x86_sse_read_rm(cpu, i, &b, n, false, false);
    for (unsigned k = 0; k < w; k += n)
        memcpy(r.b + k, b.b, n);
    x86_sse_write_reg(cpu, i, i->r1, &r, w);
}

/* ---- 128-bit lane moves ---- */

/* VPERM2F128 / VPERM2I128 ymm1, ymm2, ymm3/m256, imm8 */
void x86_op_vperm2f128(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg b, r, a = cpu->s->xmm[i->vreg];
    x86_sse_read_rm(cpu, i, &b, 32, false, false);
    for (unsigned h = 0; h < 2; h++) {
        unsigned sel = ((unsigned)i->imm >> (4 * h)) & 0xf;
        const XmmReg *src = (sel & 2) ? &b : &a;
        if (sel & 8)
            memset(r.b + 16 * h, 0, 16);
        else
            memcpy(r.b + 16 * h, src->b + 16 * (sel & 1), 16);
    }
    x86_sse_write_reg(cpu, i, i->r1, &r, 32);
}

/* VINSERTF128 / VINSERTI128 ymm1, ymm2, xmm3/m128, imm8 */
void x86_op_vinsertf128(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg b, r = cpu->s->xmm[i->vreg];
    x86_sse_read_rm(cpu, i, &b, 16, false, false);
    memcpy(r.b + 16 * (i->imm & 1), b.b, 16);
    x86_sse_write_reg(cpu, i, i->r1, &r, 32);
}

/* VEXTRACTF128 / VEXTRACTI128 xmm1/m128, ymm2, imm8 */
void x86_op_vextractf128(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg r;
    memset(&r, 0, sizeof(r));
    memcpy(r.b, cpu->s->xmm[i->r2].b + 16 * (i->imm & 1), 16);
    if (i->k1 == K_MEM)
        x86_sse_store(cpu, x86_insn_lin(cpu, i, 16, ACC_WRITE), &r, 16);
    else
        x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* ---- in-lane permutes and blends ---- */

LANE(vpermilps_var)
{
    (void)c;
    for (unsigned k = 0; k < 4; k++)
        d->d[k] = a->d[b->d[k] & 3];
}

LANE(vpermilpd_var)
{
    (void)c;
    for (unsigned k = 0; k < 2; k++)
        d->q[k] = a->q[(b->q[k] >> 1) & 1];
}

LANE(vpermilps_imm)
{
    (void)a;
    for (unsigned k = 0; k < 4; k++)
        d->d[k] = b->d[(c->imm >> (2 * k)) & 3];
}

LANE(vpermilpd_imm)
{
    (void)a;
    for (unsigned k = 0; k < 2; k++)
        d->q[k] = b->q[(c->imm >> (k + 2 * c->lane)) & 1];
}

LANE(vpblendd)
{
    unsigned m = c->imm >> (4 * c->lane);
    for (unsigned k = 0; k < 4; k++)
        d->d[k] = (m >> k) & 1 ? b->d[k] : a->d[k];
}

SSE_HANDLER(vpermilps_var, lane_vpermilps_var, 0)
SSE_HANDLER(vpermilpd_var, lane_vpermilpd_var, 0)
SSE_HANDLER(vpermilps_imm, lane_vpermilps_imm, SSE_A_IS_B)
SSE_HANDLER(vpermilpd_imm, lane_vpermilpd_imm, SSE_A_IS_B)
SSE_HANDLER(vpblendd, lane_vpblendd, 0)

/* ---- AVX2 variable shifts: each element by its own count ---- */

#define VSHIFT(name, T, expr)                                                \
    LANE(name)                                                               \
    {                                                                        \
        const T *x = (const T *)(const void *)a, *y = (const T *)(const void *)b; \
        T *r = (T *)(void *)d;                                               \
        const unsigned bits = sizeof(T) * 8;                                 \
        for (unsigned k = 0; k < 16 / sizeof(T); k++)                       \
            r[k] = (T)(expr);                                                \
        (void)c;                                                             \
    }
VSHIFT(vpsllvd, uint32_t, y[k] >= bits ? 0 : x[k] << y[k])
VSHIFT(vpsllvq, uint64_t, y[k] >= bits ? 0 : x[k] << y[k])
VSHIFT(vpsrlvd, uint32_t, y[k] >= bits ? 0 : x[k] >> y[k])
VSHIFT(vpsrlvq, uint64_t, y[k] >= bits ? 0 : x[k] >> y[k])
VSHIFT(vpsravd, uint32_t, (int32_t)x[k] >> (y[k] >= bits ? bits - 1 : y[k]))

void x86_op_vpsllv(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_binop(cpu, i, i->vexw ? lane_vpsllvq : lane_vpsllvd, 0);
}

void x86_op_vpsrlv(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_binop(cpu, i, i->vexw ? lane_vpsrlvq : lane_vpsrlvd, 0);
}

void x86_op_vpsravd(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_binop(cpu, i, lane_vpsravd, 0);
}

/* ---- AVX2 cross-lane permutes ---- */

/* VPERMD / VPERMPS ymm1, ymm2 (indices), ymm3/m256 */
void x86_op_vpermd(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg b, r, idx = cpu->s->xmm[i->vreg];
    x86_sse_read_rm(cpu, i, &b, 32, false, false);
    for (unsigned k = 0; k < 8; k++)
        r.d[k] = b.d[idx.d[k] & 7];
    x86_sse_write_reg(cpu, i, i->r1, &r, 32);
}

/*
 * VPERMQ / VPERMPD ymm1, ymm2/m256, imm8. The SDM encodes them with VEX.W1;
 * AMD processors ignore W, and so does this (the differential tester's host
 * is the reference).
 */
void x86_op_vpermq(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg b, r;
    x86_sse_read_rm(cpu, i, &b, 32, false, false);
    for (unsigned k = 0; k < 4; k++)
        r.q[k] = b.q[(i->imm >> (2 * k)) & 3];
    x86_sse_write_reg(cpu, i, i->r1, &r, 32);
}

/* ---- masked moves ---- */

/* element size: VMASKMOVPS/VPMASKMOVD 4, VMASKMOVPD/VPMASKMOVQ 8 */
static unsigned maskmov_esize(const X86Insn *i)
{
    if (i->opc == 0x8c || i->opc == 0x8e)
        return i->vexw ? 8 : 4;
    return (i->opc & 1) ? 8 : 4;
}

static bool mask_elem(const XmmReg *m, unsigned k, unsigned n)
{
    return n == 4 ? (m->d[k] >> 31) : (m->q[k] >> 63);
}

/* VMASKMOVPS/PD, VPMASKMOVD/Q loads: xmm1 = vvvv-selected elements of m */
void x86_op_vmaskmov_ld(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    unsigned w = avx_width(i), n = maskmov_esize(i);
    XmmReg m = cpu->s->xmm[i->vreg], r;
    uint64_t ea = x86_ea(cpu, i), am = x86_size_mask(i->asz);
    memset(&r, 0, sizeof(r));
    /* Only the selected elements are accessed, so only they are checked. */
    for (unsigned k = 0; k < w / n; k++)
        if (mask_elem(&m, k, n))
            x86_sse_load(cpu, x86_lin(cpu, i->seg, (ea + k * n) & am, n, ACC_READ),
                         r.b + k * n, n);
    x86_sse_write_reg(cpu, i, i->r1, &r, w);
}

/* ... and stores: m = selected elements of the reg-field register */
void x86_op_vmaskmov_st(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    unsigned w = avx_width(i), n = maskmov_esize(i);
    XmmReg m = cpu->s->xmm[i->vreg], v = cpu->s->xmm[i->r2];
    uint64_t ea = x86_ea(cpu, i), am = x86_size_mask(i->asz);
    for (unsigned k = 0; k < w / n; k++)                /* fault before any write */
        if (mask_elem(&m, k, n))
            x86_sse_probe_write(cpu, x86_lin(cpu, i->seg, (ea + k * n) & am, n, ACC_WRITE), n);
    for (unsigned k = 0; k < w / n; k++)
        if (mask_elem(&m, k, n))
            x86_sse_store(cpu, x86_lin_nochk(cpu, i->seg, (ea + k * n) & am), v.b + k * n, n);
}

/* ---- gathers (VSIB: i->index names a vector register) ---- */

void x86_op_vgather(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    x86_sse_check(cpu, i);
    /* ModRM must use a SIB byte; the three registers must differ */
    unsigned vidx = i->index == X86_BASE_NONE ? 4 : i->index;
    if ((i->modrm & 7) != 4 || i->r1 == i->vreg || i->r1 == vidx || i->vreg == vidx)
        x86_raise_exception(cpu, EXCP_UD);
    bool qidx = i->opc & 1;                 /* 91, 93: 64-bit indices */
    unsigned esz = i->vexw ? 8 : 4;         /* element size */
    unsigned w = avx_width(i);
    unsigned nidx = w / (qidx ? 8 : 4), nel = w / esz;
    unsigned n = nidx < nel ? nidx : nel;   /* elements gathered */
    unsigned dw = n * esz < 16 ? 16 : n * esz;   /* destination/mask bytes written */
    XmmReg *dst = &s->xmm[i->r1], *mask = &s->xmm[i->vreg];
    const XmmReg ix = s->xmm[vidx];
    uint64_t base = i->base == X86_BASE_NONE ? 0 :
                    i->base == X86_BASE_RIP ? cpu->next_rip : s->regs[i->base];
    for (unsigned k = 0; k < n; k++) {
        bool on = esz == 4 ? (mask->d[k] >> 31) : (mask->q[k] >> 63);
        if (!on)
            continue;
        int64_t off = qidx ? (int64_t)ix.q[k] : (int64_t)(int32_t)ix.d[k];
        uint64_t ea = (base + (uint64_t)i->disp + ((uint64_t)off << i->scale)) &
                      x86_size_mask(i->asz);
        x86_sse_load(cpu, x86_lin(cpu, i->seg, ea, esz, ACC_READ), dst->b + k * esz, esz);
        memset(mask->b + k * esz, 0, esz);
    }
    /* done: the mask is all zero, and what was not gathered is zeroed */
    memset(mask, 0, 32);
    memset(dst->b + dw, 0, 32 - dw);
    if (n * esz < dw)
        memset(dst->b + n * esz, 0, dw - n * esz);
}

/* ---- FMA3 ---- */

/*
 * Opcode low nibble: 6 fmaddsub, 7 fmsubadd, 8 fmadd, A fmsub, C fnmadd,
 * E fnmsub (packed; the odd ones 9, B, D, F are the scalars); high nibble
 * 9/A/B: operand order 132/213/231; VEX.W: single/double. The host runs
 * the same instruction: xmm0 = destination, xmm1 = vvvv, xmm2 = r/m.
 */
#if X86_SIMD_HOST
#define FMA_RUN(insn)                                                        \
    do {                                                                     \
        uint32_t m_ = c->mxcsr, h_;                                          \
        __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[m]\n\t"                  \
                         "movdqu %[x], %%xmm0\n\tmovdqu %[a], %%xmm1\n\t"    \
                         "movdqu %[b], %%xmm2\n\t"                           \
                         insn " %%xmm2, %%xmm1, %%xmm0\n\t"                  \
                         "movdqu %%xmm0, %[d]\n\tstmxcsr %[m]\n\tldmxcsr %[h]" \
                         : [d] "=m"(*(uint8_t(*)[16])(void *)d), [m] "+m"(m_), \
                           [h] "=m"(h_)                                      \
                         : [x] "m"(*(const uint8_t(*)[16])(const void *)c->x0), \
                           [a] "m"(*(const uint8_t(*)[16])(const void *)a),  \
                           [b] "m"(*(const uint8_t(*)[16])(const void *)b)   \
                         : "xmm0", "xmm1", "xmm2");                          \
        c->flags |= m_ & MXCSR_FLAGS;                                        \
    } while (0)

#define FMA_ORDERS(op, ps, pd)                                               \
    LANE(op##132##ps) { FMA_RUN(#op "132" #ps); }                            \
    LANE(op##213##ps) { FMA_RUN(#op "213" #ps); }                            \
    LANE(op##231##ps) { FMA_RUN(#op "231" #ps); }                            \
    LANE(op##132##pd) { FMA_RUN(#op "132" #pd); }                            \
    LANE(op##213##pd) { FMA_RUN(#op "213" #pd); }                            \
    LANE(op##231##pd) { FMA_RUN(#op "231" #pd); }
FMA_ORDERS(vfmaddsub, ps, pd)
FMA_ORDERS(vfmsubadd, ps, pd)
FMA_ORDERS(vfmadd, ps, pd)
FMA_ORDERS(vfmadd, ss, sd)
FMA_ORDERS(vfmsub, ps, pd)
FMA_ORDERS(vfmsub, ss, sd)
FMA_ORDERS(vfnmadd, ps, pd)
FMA_ORDERS(vfnmadd, ss, sd)
FMA_ORDERS(vfnmsub, ps, pd)
FMA_ORDERS(vfnmsub, ss, sd)

#define FMA_ROW(op, ps, pd)                                                  \
    { lane_##op##132##ps, lane_##op##213##ps, lane_##op##231##ps },          \
    { lane_##op##132##pd, lane_##op##213##pd, lane_##op##231##pd }
/* [nibble - 6][W][order] */
static SseFn *const fma_fns[10][2][3] = {
    { FMA_ROW(vfmaddsub, ps, pd) }, { FMA_ROW(vfmsubadd, ps, pd) },
    { FMA_ROW(vfmadd, ps, pd) }, { FMA_ROW(vfmadd, ss, sd) },
    { FMA_ROW(vfmsub, ps, pd) }, { FMA_ROW(vfmsub, ss, sd) },
    { FMA_ROW(vfnmadd, ps, pd) }, { FMA_ROW(vfnmadd, ss, sd) },
    { FMA_ROW(vfnmsub, ps, pd) }, { FMA_ROW(vfnmsub, ss, sd) },
};

void x86_op_fma(X86CPU *cpu, const X86Insn *i)
{
    unsigned nib = i->opc & 0xf, order = (i->opc >> 4) - 9;
    bool scalar = nib >= 9 && (nib & 1);
    unsigned kind = SSE_FP | SSE_X0_DST;
    if (scalar)
        kind |= SSE_NO256 | SSE_MS(i->vexw ? 8 : 4);
    x86_sse_binop(cpu, i, fma_fns[nib - 6][i->vexw][order], kind);
}
#else
void x86_op_fma(X86CPU *cpu, const X86Insn *i)
{
    (void)i;
    x86_raise_exception(cpu, EXCP_UD);      /* FMA is not advertised on such hosts */
}
#endif

/* ---- F16C ---- */

#if X86_SIMD_HOST
LANE(vcvtph2ps)
{
    uint32_t m_ = c->mxcsr, h_;
    (void)b;
    __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[m]\n\tmovdqu %[a], %%xmm1\n\t"
                     "vcvtph2ps %%xmm1, %%xmm0\n\tmovdqu %%xmm0, %[d]\n\t"
                     "stmxcsr %[m]\n\tldmxcsr %[h]"
                     : [d] "=m"(*(uint8_t(*)[16])(void *)d), [m] "+m"(m_), [h] "=m"(h_)
                     : [a] "m"(*(const uint8_t(*)[16])(const void *)a)
                     : "xmm0", "xmm1");
    c->flags |= m_ & MXCSR_FLAGS;
}

#define C4(M, n) M(n) M((n) + 1) M((n) + 2) M((n) + 3)
#define C16(M, n) C4(M, n) C4(M, (n) + 4) C4(M, (n) + 8) C4(M, (n) + 12)
#define C64(M, n) C16(M, n) C16(M, (n) + 16) C16(M, (n) + 32) C16(M, (n) + 48)
#define C256(M) C64(M, 0) C64(M, 64) C64(M, 128) C64(M, 192)
#define PS2PH_CASE(I)                                                        \
    case I:                                                                  \
        __asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[m]\n\tmovdqu %[a], %%xmm1\n\t" \
                         "vcvtps2ph %[imm], %%xmm1, %%xmm0\n\tmovdqu %%xmm0, %[d]\n\t" \
                         "stmxcsr %[m]\n\tldmxcsr %[h]"                      \
                         : [d] "=m"(*(uint8_t(*)[16])(void *)d), [m] "+m"(m_), [h] "=m"(h_) \
                         : [a] "m"(*(const uint8_t(*)[16])(const void *)a), [imm] "i"(I) \
                         : "xmm0", "xmm1");                                  \
        break;
/* four floats of a to four halves in the low 64 bits of d */
LANE(vcvtps2ph)
{
    uint32_t m_ = c->mxcsr, h_;
    (void)b;
    switch (c->imm) {
    C256(PS2PH_CASE)
    }
    c->flags |= m_ & MXCSR_FLAGS;
}

/* Run fn on 8- or 16-byte pieces of src into 16- or 8-byte pieces of r (F16C). */
static void f16c_run(X86CPU *cpu, SseFn *fn, const uint8_t *src, unsigned in, XmmReg *r,
                     unsigned out, unsigned n, unsigned imm)
{
    SseCall calls[2];
    SseCtx c = { .n = 16, .imm = imm, .mxcsr = x86_sse_guest_mxcsr(cpu) };
    memset(r, 0, sizeof(*r));
    for (unsigned h = 0; h < n; h++) {
        SseCall *k = &calls[h];
        XmmReg t;
        memset(k, 0, sizeof(*k));
        k->fn = fn;
        k->ftz_blind = true;
        memcpy(&k->a, src + h * in, in);
        k->b = k->a;
        k->c = c;
        fn(&t, &k->a, &k->b, &c);
        memcpy(r->b + h * out, &t, out);
    }
    x86_sse_fp_finish(cpu, calls, n, c.flags);
}

/* VCVTPH2PS xmm/ymm, xmm/m64/m128 */
void x86_op_vcvtph2ps(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    unsigned w = avx_width(i);
    XmmReg b, r;
    x86_sse_read_rm(cpu, i, &b, w / 2, false, false);
    f16c_run(cpu, lane_vcvtph2ps, b.b, 8, &r, 16, w / 16, 0);
    x86_sse_write_reg(cpu, i, i->r1, &r, w);
}

/* VCVTPS2PH xmm/m64/m128, xmm/ymm, imm8 */
void x86_op_vcvtps2ph(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    unsigned w = avx_width(i);
    XmmReg src = cpu->s->xmm[i->r2], r;
    uint64_t lin = 0;
    if (i->k1 == K_MEM) {
        lin = x86_insn_lin(cpu, i, w / 2, ACC_WRITE);
        x86_sse_probe_write(cpu, lin, w / 2);
    }
    f16c_run(cpu, lane_vcvtps2ph, src.b, 16, &r, 8, w / 16, (unsigned)i->imm & 0xff);
    if (i->k1 == K_MEM)
        x86_sse_store(cpu, lin, &r, w / 2);
    else
        x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}
#else
void x86_op_vcvtph2ps(X86CPU *cpu, const X86Insn *i)
{
    (void)i;
    x86_raise_exception(cpu, EXCP_UD);
}
void x86_op_vcvtps2ph(X86CPU *cpu, const X86Insn *i)
{
    (void)i;
    x86_raise_exception(cpu, EXCP_UD);
}
#endif

/* ---- VLDMXCSR / VSTMXCSR (VEX 0F AE /2, /3): the VEX state checks, then as legacy ---- */

void x86_op_vldmxcsr(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    uint32_t v = (uint32_t)x86_ld(cpu, x86_insn_lin(cpu, i, 4, ACC_READ), 4);
    if (v & ~X86_MXCSR_MASK)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->s->mxcsr = v;
}

void x86_op_vstmxcsr(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    x86_st(cpu, x86_insn_lin(cpu, i, 4, ACC_WRITE), 4, cpu->s->mxcsr);
}

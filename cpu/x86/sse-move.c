/* SPDX-License-Identifier: MIT */
/*
 * Data movement for MMX/SSE/AVX: full-vector loads and stores (aligned,
 * unaligned, non-temporal), the partial moves (MOVSS/SD, MOVLPS/HPS,
 * MOVD/MOVQ), element inserts and extracts, mask extraction (MOVMSK*,
 * PMOVMSKB), MASKMOVQ/MASKMOVDQU, sign/zero extension (PMOVSX/ZX), PTEST,
 * the duplicating loads of SSE3, EMMS and VZEROUPPER/VZEROALL.
 *
 * Alignment: the legacy aligned forms (MOVAPS, MOVDQA, MOVNT*) and their VEX
 * forms #GP on a misaligned operand; the unaligned forms and the m64/m32
 * partial moves never do. A store to memory writes nothing if any part of
 * it faults (x86_sse_store probes first). Register destinations follow the
 * write rules of sse-core.c.
 */
#include "cpu/x86/sse.h"
#include "cpu/x86/fpu.h"

#define LANE(name) static void lane_##name(XmmReg *d, const XmmReg *a, const XmmReg *b, SseCtx *c)

static void sse_store_rm(X86CPU *cpu, const X86Insn *i, const void *src, unsigned n, bool aligned)
{
    uint64_t lin = x86_insn_lin(cpu, i, n, ACC_WRITE);
    if (aligned)
        x86_sse_align(cpu, lin, n);
    x86_sse_store(cpu, lin, src, n);
}

/* ---- whole-vector loads: the result is the source ---- */

LANE(mov)
{
    (void)a;
    *d = *b;
    (void)c;
}
SSE_HANDLER(movups, lane_mov, SSE_UNAL | SSE_A_IS_B)
SSE_HANDLER(movaps, lane_mov, SSE_ALIGNV | SSE_A_IS_B)
SSE_HANDLER(movq_mm_ld, lane_mov, SSE_MMX | SSE_A_IS_B)
SSE_HANDLER(movntdqa, lane_mov, SSE_ALIGNV | SSE_A_IS_B | SSE_INT256)

/* ---- whole-vector stores (op1 = r/m, op2 = the register) ---- */

static void sse_mov_store(X86CPU *cpu, const X86Insn *i, bool aligned)
{
    unsigned w = x86_sse_width(i, 0);
    x86_sse_check(cpu, i);
    XmmReg v = cpu->s->xmm[i->r2];
    if (i->k1 == K_MEM)
        sse_store_rm(cpu, i, &v, w, aligned);
    else
        x86_sse_write_reg(cpu, i, i->r1, &v, w);
}

void x86_op_movups_st(X86CPU *cpu, const X86Insn *i) { sse_mov_store(cpu, i, false); }
void x86_op_movaps_st(X86CPU *cpu, const X86Insn *i) { sse_mov_store(cpu, i, true); }

/* MOVQ mm/m64, mm and MOVNTQ m64, mm */
void x86_op_movq_mm_st(X86CPU *cpu, const X86Insn *i)
{
    x86_mmx_enter(cpu);
    uint64_t v = x86_mm_read(cpu, i->r2);
    if (i->k1 == K_MEM)
        x86_st(cpu, x86_insn_lin(cpu, i, 8, ACC_WRITE), 8, v);
    else
        x86_mm_write(cpu, i->r1, v);
}

/* ---- scalar and half moves ---- */

/* MOVSS/MOVSD xmm, xmm/m: a memory source zeroes the rest of the XMM. */
void x86_op_movss_ld(X86CPU *cpu, const X86Insn *i)
{
    unsigned n = (i->pfx & PFX_REPNE) ? 8 : 4;
    x86_sse_check(cpu, i);
    XmmReg r;
    if (i->k2 == K_MEM) {
        x86_sse_read_rm(cpu, i, &r, n, false, false);
    } else {
        r = cpu->s->xmm[i->vex ? i->vreg : i->r1];
        memcpy(&r, &cpu->s->xmm[i->r2], n);
    }
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

void x86_op_movss_st(X86CPU *cpu, const X86Insn *i)
{
    unsigned n = (i->pfx & PFX_REPNE) ? 8 : 4;
    x86_sse_check(cpu, i);
    XmmReg v = cpu->s->xmm[i->r2];
    if (i->k1 == K_MEM) {
        sse_store_rm(cpu, i, &v, n, false);
        return;
    }
    XmmReg r = cpu->s->xmm[i->vex ? i->vreg : i->r1];
    memcpy(&r, &v, n);
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

LANE(movlo) { *d = *a; d->q[0] = b->q[0]; (void)c; }
LANE(movhl) { *d = *a; d->q[0] = b->q[1]; (void)c; }
LANE(movhi) { *d = *a; d->q[1] = b->q[0]; (void)c; }
SSE_HANDLER(movlps_ld, lane_movlo, SSE_NO256 | SSE_MS(8))
SSE_HANDLER(movhlps, lane_movhl, SSE_NO256)
SSE_HANDLER(movhps_ld, lane_movhi, SSE_NO256 | SSE_MS(8))

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD m64, xmm (memory only) */
void x86_op_movlps_st(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    unsigned half = (i->opc == 0x17) ? 1 : 0;
    uint64_t v = cpu->s->xmm[i->r2].q[half];
    sse_store_rm(cpu, i, &v, 8, false);
}

/* MOVD/MOVQ mm, r/m32/64 and MOVD/MOVQ xmm, r/m32/64 */
void x86_op_movd_ld(X86CPU *cpu, const X86Insn *i)
{
    bool mmx = x86_sse_is_mmx(i);
    if (mmx)
        x86_mmx_enter(cpu);
    else
        x86_sse_check(cpu, i);
    uint64_t v = x86_op2_read(cpu, i);
    if (mmx) {
        x86_mm_write(cpu, i->r1, v);
        return;
    }
    XmmReg r;
    memset(&r, 0, sizeof(r));
    r.q[0] = v;
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* MOVD/MOVQ r/m32/64, mm and r/m32/64, xmm */
void x86_op_movd_st(X86CPU *cpu, const X86Insn *i)
{
    bool mmx = x86_sse_is_mmx(i);
    if (mmx)
        x86_mmx_enter(cpu);
    else
        x86_sse_check(cpu, i);
    uint64_t v = mmx ? x86_mm_read(cpu, i->r2) : cpu->s->xmm[i->r2].q[0];
    uint64_t lin = 0;
    if (i->k1 == K_MEM)
        lin = x86_insn_lin(cpu, i, i->osz, ACC_WRITE);
    x86_op1_write(cpu, i, lin, v);
}

/* MOVQ xmm, xmm/m64 (F3 0F 7E): the upper quadword is zeroed. */
void x86_op_movq_ld(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg r;
    x86_sse_read_rm(cpu, i, &r, 8, false, false);
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* MOVQ xmm/m64, xmm (66 0F D6) */
void x86_op_movq_st(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    XmmReg r;
    memset(&r, 0, sizeof(r));
    r.q[0] = cpu->s->xmm[i->r2].q[0];
    if (i->k1 == K_MEM)
        sse_store_rm(cpu, i, &r, 8, false);
    else
        x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* MOVQ2DQ xmm, mm (F3 0F D6) and MOVDQ2Q mm, xmm (F2 0F D6): op1 = reg, op2 = rm */
void x86_op_movq2dq(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    x86_mmx_enter(cpu);
    XmmReg r;
    memset(&r, 0, sizeof(r));
    r.q[0] = x86_mm_read(cpu, i->r2);
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

void x86_op_movdq2q(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    x86_mmx_enter(cpu);
    x86_mm_write(cpu, i->r1, cpu->s->xmm[i->r2].q[0]);
}

/* MOVNTI m32/64, r32/64 */
void x86_op_movnti(X86CPU *cpu, const X86Insn *i)
{
    uint64_t lin = x86_insn_lin(cpu, i, i->osz, ACC_WRITE);
    x86_st(cpu, lin, i->osz, x86_reg_read(cpu, i->r2, i->osz));
}

/* ---- SSE3 duplicating moves ---- */

LANE(movsldup) { (void)a; (void)c; d->d[0] = d->d[1] = b->d[0]; d->d[2] = d->d[3] = b->d[2]; }
LANE(movshdup) { (void)a; (void)c; d->d[0] = d->d[1] = b->d[1]; d->d[2] = d->d[3] = b->d[3]; }
LANE(movddup) { (void)a; (void)c; d->q[0] = d->q[1] = b->q[0]; }
SSE_HANDLER(movsldup, lane_movsldup, SSE_A_IS_B)
SSE_HANDLER(movshdup, lane_movshdup, SSE_A_IS_B)
/* MOVDDUP reads m64 (m256 for VEX.256, where each lane takes its low quadword). */
void x86_op_movddup(X86CPU *cpu, const X86Insn *i)
{
    unsigned kind = SSE_A_IS_B | ((i->vex && i->vexl) ? 0 : SSE_MS(8));
    x86_sse_binop(cpu, i, lane_movddup, kind);
}

/* ---- masks ---- */

/* MOVMSKPS/PD r32, xmm (reg only): the sign bits. */
void x86_op_movmskps(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    const XmmReg *v = &cpu->s->xmm[i->r2];
    unsigned w = (i->vex && i->vexl) ? 32 : 16, m = 0;
    if (i->pfx & PFX_OPSZ) {
        for (unsigned k = 0; k < w / 8; k++)
            m |= (unsigned)(v->q[k] >> 63) << k;
    } else {
        for (unsigned k = 0; k < w / 4; k++)
            m |= (v->d[k] >> 31) << k;
    }
    x86_reg_write(cpu, i->r1, 8, m);
}

void x86_op_pmovmskb(X86CPU *cpu, const X86Insn *i)
{
    unsigned w = x86_sse_width(i, SSE_MMX);
    uint32_t m = 0;
    if (w == 8) {
        x86_mmx_enter(cpu);
        uint64_t v = x86_mm_read(cpu, i->r2);
        for (unsigned k = 0; k < 8; k++)
            m |= (uint32_t)((v >> (8 * k + 7)) & 1) << k;
    } else {
        x86_sse_check(cpu, i);
        if (w == 32 && !cpu->features[FEAT_AVX2])
            x86_raise_exception(cpu, EXCP_UD);
        const XmmReg *v = &cpu->s->xmm[i->r2];
        for (unsigned k = 0; k < w; k++)
            m |= (uint32_t)(v->b[k] >> 7) << k;
    }
    x86_reg_write(cpu, i->r1, 8, m);
}

/* MASKMOVQ mm1, mm2 / MASKMOVDQU xmm1, xmm2: bytes of op1 where op2's MSB is set, to DS:rDI. */
void x86_op_maskmov(X86CPU *cpu, const X86Insn *i)
{
    bool mmx = x86_sse_is_mmx(i);
    unsigned n = mmx ? 8 : 16;
    XmmReg v, m;
    if (mmx) {
        x86_mmx_enter(cpu);
        memset(&v, 0, sizeof(v));
        memset(&m, 0, sizeof(m));
        v.q[0] = x86_mm_read(cpu, i->r1);
        m.q[0] = x86_mm_read(cpu, i->r2);
    } else {
        x86_sse_check(cpu, i);
        v = cpu->s->xmm[i->r1];
        m = cpu->s->xmm[i->r2];
    }
    uint64_t ea = cpu->s->regs[R_EDI] & x86_size_mask(i->asz);
    unsigned seg = i->seg;      /* DS unless overridden */
    /* Fault on the first selected byte before writing any (the common case). */
    for (unsigned k = 0; k < n; k++)
        if (m.b[k] & 0x80)
            x86_ld(cpu, x86_lin(cpu, seg, (ea + k) & x86_size_mask(i->asz), 1, ACC_WRITE), 1);
    for (unsigned k = 0; k < n; k++)
        if (m.b[k] & 0x80)
            x86_st(cpu, x86_lin_nochk(cpu, seg, (ea + k) & x86_size_mask(i->asz)), 1, v.b[k]);
}

/* ---- element insert / extract ---- */

/* PINSRW mm/xmm, r32/m16, imm8 */
void x86_op_pinsrw(X86CPU *cpu, const X86Insn *i)
{
    bool mmx = x86_sse_is_mmx(i);
    if (mmx)
        x86_mmx_enter(cpu);
    else
        x86_sse_check(cpu, i);
    uint16_t v = (uint16_t)x86_op2_read_size(cpu, i, 2);
    if (mmx) {
        uint64_t x = x86_mm_read(cpu, i->r1);
        unsigned sh = 16 * (i->imm & 3);
        x = (x & ~(0xffffull << sh)) | ((uint64_t)v << sh);
        x86_mm_write(cpu, i->r1, x);
        return;
    }
    XmmReg r = cpu->s->xmm[i->vex ? i->vreg : i->r1];
    r.w[i->imm & 7] = v;
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* PEXTRW r32, mm/xmm, imm8 (0F C5, register only) */
void x86_op_pextrw(X86CPU *cpu, const X86Insn *i)
{
    uint16_t v;
    if (x86_sse_is_mmx(i)) {
        x86_mmx_enter(cpu);
        v = (uint16_t)(x86_mm_read(cpu, i->r2) >> (16 * (i->imm & 3)));
    } else {
        x86_sse_check(cpu, i);
        v = cpu->s->xmm[i->r2].w[i->imm & 7];
    }
    x86_reg_write(cpu, i->r1, 8, v);
}

/* PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS r/m, xmm, imm8 (66 0F 3A 14..17) */
void x86_op_pextr(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    const XmmReg *x = &cpu->s->xmm[i->r2];
    unsigned sz;
    uint64_t v;
    switch (i->opc) {
    case 0x14: sz = 1; v = x->b[i->imm & 15]; break;
    case 0x15: sz = 2; v = x->w[i->imm & 7]; break;
    case 0x16:
        sz = i->osz;
        v = sz == 8 ? x->q[i->imm & 1] : x->d[i->imm & 3];
        break;
    default: sz = 4; v = x->d[i->imm & 3]; break;
    }
    if (i->k1 == K_MEM)
        x86_st(cpu, x86_insn_lin(cpu, i, sz, ACC_WRITE), sz, v);
    else
        x86_reg_write(cpu, i->r1, sz == 8 ? 8 : 4, v);
}

/* PINSRB/PINSRD/PINSRQ xmm, r/m, imm8 (66 0F 3A 20/22) */
void x86_op_pinsr(X86CPU *cpu, const X86Insn *i)
{
    x86_sse_check(cpu, i);
    unsigned sz = i->opc == 0x20 ? 1 : i->osz;
    uint64_t v = x86_op2_read_size(cpu, i, sz);
    XmmReg r = cpu->s->xmm[i->vex ? i->vreg : i->r1];
    switch (sz) {
    case 1: r.b[i->imm & 15] = (uint8_t)v; break;
    case 4: r.d[i->imm & 3] = (uint32_t)v; break;
    default: r.q[i->imm & 1] = v; break;
    }
    x86_sse_write_reg(cpu, i, i->r1, &r, 16);
}

/* INSERTPS xmm, xmm/m32, imm8 */
LANE(insertps)
{
    unsigned imm = c->imm;
    uint32_t v = b->d[(imm >> 6) & 3];
    *d = *a;
    d->d[(imm >> 4) & 3] = v;
    for (unsigned k = 0; k < 4; k++)
        if ((imm >> k) & 1)
            d->d[k] = 0;
}
void x86_op_insertps(X86CPU *cpu, const X86Insn *i)
{
    /* A memory source is the m32 itself: element 0 of b, whatever imm[7:6] says. */
    X86Insn j = *i;
    if (i->k2 == K_MEM) {
        j.imm &= 0x3f;
        x86_sse_binop(cpu, &j, lane_insertps, SSE_NO256 | SSE_MS(4));
    } else {
        x86_sse_binop(cpu, &j, lane_insertps, SSE_NO256);
    }
}

/* ---- PMOVSX / PMOVZX: widen the low part of the source ---- */

void x86_op_pmovx(X86CPU *cpu, const X86Insn *i)
{
    /* opcode low nibble: 0 bw, 1 bd, 2 bq, 3 wd, 4 wq, 5 dq; 0x2x signed, 0x3x zero */
    static const uint8_t from[6] = { 1, 1, 1, 2, 2, 4 }, to[6] = { 2, 4, 8, 4, 8, 8 };
    unsigned k = i->opc & 0xf;
    if (k > 5)
        x86_raise_exception(cpu, EXCP_UD);
    bool sgn = (i->opc & 0xf0) == 0x20;
    unsigned w = x86_sse_width(i, 0);
    x86_sse_check(cpu, i);
    if (w == 32 && !cpu->features[FEAT_AVX2])
        x86_raise_exception(cpu, EXCP_UD);
    unsigned f = from[k], t = to[k], n = w / t;
    XmmReg b, r;
    x86_sse_read_rm(cpu, i, &b, n * f, false, false);
    memset(&r, 0, sizeof(r));
    for (unsigned e = 0; e < n; e++) {
        uint64_t v = 0;
        memcpy(&v, b.b + e * f, f);
        if (sgn)
            v = x86_sext(v, f);
        memcpy(r.b + e * t, &v, t);
    }
    x86_sse_write_reg(cpu, i, i->r1, &r, w);
}

/* PTEST / VTESTPS / VTESTPD: ZF = (a & b) == 0, CF = (~a & b) == 0, over all or sign bits. */
void x86_op_ptest(X86CPU *cpu, const X86Insn *i)
{
    unsigned w = x86_sse_width(i, 0);
    x86_sse_check(cpu, i);
    XmmReg b, a = cpu->s->xmm[i->r1];
    x86_sse_read_rm(cpu, i, &b, w, !i->vex, false);
    uint64_t sel = ~0ull;
    if (i->opc == 0x0e)
        sel = 0x8000000080000000ull;       /* VTESTPS */
    else if (i->opc == 0x0f)
        sel = 0x8000000000000000ull;       /* VTESTPD */
    bool z = true, cf = true;
    for (unsigned k = 0; k < w / 8; k++) {
        if (a.q[k] & b.q[k] & sel)
            z = false;
        if (~a.q[k] & b.q[k] & sel)
            cf = false;
    }
    x86_set_arith(cpu, (z ? FLAG_ZF : 0) | (cf ? FLAG_CF : 0));
}

/* ---- MMX state ---- */

/* EMMS (0F 77), and with VEX: VZEROUPPER (L=0) / VZEROALL (L=1). */
void x86_op_emms(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (i->vex) {
        x86_sse_check(cpu, i);
        unsigned nreg = cpu->code_size == 8 ? 16 : 8;
        for (unsigned r = 0; r < nreg; r++) {
            if (i->vexl)
                memset(&s->xmm[r], 0, 32);
            else
                memset(s->xmm[r].b + 16, 0, 16);
        }
        return;
    }
    if (s->cr0 & CR0_EM)
        x86_raise_exception(cpu, EXCP_UD);
    if (s->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
    x86_fpu_check_pending(cpu);
    s->fpu.ftw = 0xffff;
}

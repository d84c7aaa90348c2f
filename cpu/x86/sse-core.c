/* SPDX-License-Identifier: MIT */
/*
 * The machinery shared by the MMX/SSE/AVX handlers: the state checks each
 * encoding needs before it may run (#UD, #NM, #MF), operand access (MMX
 * registers aliased on the x87 mantissas, XMM/YMM registers, vector
 * memory operands with their alignment rules), the lane runner and
 * x86_sse_binop(), which most handlers are (see sse.h).
 *
 * Write rules (SDM vol. 1 14.1.3, "legacy SSE and VEX"): a legacy SSE
 * instruction writes bits 127:0 of its destination and preserves 255:128;
 * a VEX.128 one zeroes 255:128 (MAXVL-1:128); a VEX.256 one writes all.
 * An MMX instruction sets the x87 TOP to 0 and makes every register
 * non-empty (the tag word holds the tags computed from the contents, as
 * fpu.h requires), and a write to mm_n sets bits 79:64 of R_n to all ones.
 * (The SDM's "section 13.1" tables give the #UD/#NM rules: CR0.EM and
 * CR4.OSFXSR for legacy SSE, CR4.OSXSAVE and XCR0 for VEX, CR0.TS for all.)
 */
#include "cpu/x86/sse.h"
#include "cpu/x86/fpu.h"

void x86_mmx_enter(X86CPU *cpu)
{
    X86CPUState *s = cpu->s;
    if (s->cr0 & CR0_EM)
        x86_raise_exception(cpu, EXCP_UD);
    if (s->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
    /* A pending unmasked x87 exception is reported first (#MF). */
    x86_fpu_check_pending(cpu);
    /* TOP = 0 and every register in use; tags as computed from contents. */
    s->fpu.fsw &= ~FSW_TOP;
    s->fpu.ftw = 0;
    x86_fpu_retag(&s->fpu);
}

void x86_sse_check(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    if (i->vex) {
        /* VEX: the OS must have enabled the SSE and AVX state (XCR0[2:1]). */
        if (!(s->cr4 & CR4_OSXSAVE) || (s->xcr0 & 6) != 6 || !cpu->pe || cpu->vm86)
            x86_raise_exception(cpu, EXCP_UD);
    } else if ((s->cr0 & CR0_EM) || !(s->cr4 & CR4_OSFXSR)) {
        x86_raise_exception(cpu, EXCP_UD);
    }
    if (s->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
}

void x86_sse_align(X86CPU *cpu, uint64_t lin, unsigned n)
{
    if (lin & (n - 1))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void x86_sse_load(X86CPU *cpu, uint64_t lin, void *dst, unsigned n)
{
    uint8_t *p = dst;
    if (n < 8) {
        x86_host_st(p, n, x86_ld(cpu, lin, n));
        return;
    }
    for (unsigned k = 0; k < n; k += 8)
        x86_host_st(p + k, 8, x86_ld(cpu, lin + k, 8));
}

void x86_sse_probe_write(X86CPU *cpu, uint64_t lin, unsigned n)
{
    tlb_rmw_ptr(cpu, lin, 1);
    if (n > 1)
        tlb_rmw_ptr(cpu, cpu->lma ? lin + n - 1 : (uint32_t)(lin + n - 1), 1);
}

void x86_sse_store(X86CPU *cpu, uint64_t lin, const void *src, unsigned n)
{
    const uint8_t *p = src;
    if (n < 8) {
        x86_st(cpu, lin, n, x86_host_ld(p, n));
        return;
    }
    /* Nothing may be written if a later part faults: probe the last page. */
    if (((lin ^ (lin + n - 1)) & ~0xfffull) && cpu->lma)
        tlb_rmw_ptr(cpu, lin + n - 1, 1);
    else if ((lin & 0xfff) + n > 0x1000)
        tlb_rmw_ptr(cpu, (uint32_t)(lin + n - 1), 1);
    for (unsigned k = 0; k < n; k += 8)
        x86_st(cpu, lin + k, 8, x86_host_ld(p + k, 8));
}

void x86_sse_read_rm(X86CPU *cpu, const X86Insn *i, XmmReg *b, unsigned n, bool aligned,
                     bool mmreg)
{
    memset(b, 0, sizeof(*b));
    if (i->k2 == K_REG) {
        if (mmreg)
            b->q[0] = x86_mm_read(cpu, i->r2);
        else
            memcpy(b, &cpu->s->xmm[i->r2], n);
        return;
    }
    uint64_t lin = x86_insn_lin(cpu, i, n, ACC_READ);
    if (aligned)
        x86_sse_align(cpu, lin, n);
    x86_sse_load(cpu, lin, b, n);
}

void x86_sse_write_reg(X86CPU *cpu, const X86Insn *i, unsigned r, const XmmReg *v,
                       unsigned width)
{
    if (width == 8) {
        x86_mm_write(cpu, r, v->q[0]);
    } else if (i->vex) {
        XmmReg *d = &cpu->s->xmm[r];
        memcpy(d, v, width);
        if (width < 32)
            memset(d->b + width, 0, 32 - width);
    } else {
        memcpy(&cpu->s->xmm[r], v, 16);
    }
}

uint32_t x86_sse_guest_mxcsr(const X86CPU *cpu)
{
    return (cpu->s->mxcsr & ~(uint32_t)MXCSR_FLAGS) | MXCSR_MASKS;
}

/*
 * r = fn over the 128-bit lanes (or the MMX register) of a, b and x0; the
 * calls are recorded in calls[] for x86_sse_fp_finish. Returns their count.
 */
unsigned x86_sse_lanes(SseFn *fn, XmmReg *r, const XmmReg *a, const XmmReg *b,
                       const XmmReg *x0, unsigned width, unsigned kind, SseCtx *c,
                       SseCall *calls)
{
    bool wide = (kind & SSE_WIDE) && width == 32;
    unsigned n = width == 32 && !wide ? 2 : 1, lw = wide ? 32 : width == 8 ? 8 : 16;
    memset(r, 0, sizeof(*r));
    for (unsigned h = 0; h < n; h++) {
        SseCall *k = &calls[h];
        memset(k, 0, sizeof(*k));
        k->fn = fn;
        k->staged = kind & SSE_STAGED;
        memcpy(&k->a, a->b + 16 * h, lw);
        memcpy(&k->b, b->b + 16 * h, lw);
        if (x0) {
            memcpy(&k->x0, x0->b + 16 * h, lw == 8 ? 16 : lw);
            k->has_x0 = true;
        }
        c->lane = h;
        c->x0 = x0 ? &k->x0 : NULL;
        k->c = *c;
        XmmReg t;
        fn(&t, &k->a, &k->b, c);
        memcpy(r->b + 16 * h, &t, lw);
    }
    c->x0 = NULL;
    return n;
}

void x86_sse_binop(X86CPU *cpu, const X86Insn *i, SseFn *fn, unsigned kind)
{
    X86CPUState *s = cpu->s;
    unsigned width = x86_sse_width(i, kind);
    bool mmx = width == 8;
    if (mmx) {
        x86_mmx_enter(cpu);
    } else {
        x86_sse_check(cpu, i);
        if (width == 32 && (kind & SSE_INT256) && !cpu->features[FEAT_AVX2])
            x86_raise_exception(cpu, EXCP_UD);
    }
    unsigned ms = SSE_MS_OF(kind);
    if (ms && width == 32 && (kind & SSE_MSX2))
        ms *= 2;
    if (!ms || ms > width)
        ms = width;
    if (mmx && (kind & SSE_MSLOW))
        ms = 4;
    bool aligned = i->vex ? (kind & SSE_ALIGNV) : (ms == 16 && !(kind & SSE_UNAL));
    XmmReg a, b, r, x0;
    x86_sse_read_rm(cpu, i, &b, ms, aligned, mmx);
    if (kind & SSE_A_IS_B)
        a = b;
    else if (mmx)
        a.q[0] = x86_mm_read(cpu, i->r1);
    else
        a = s->xmm[i->vex ? i->vreg : i->r1];
    if (kind & SSE_X0)
        x0 = s->xmm[i->vex ? (unsigned)(i->imm >> 4) & 15 : 0];
    else if (kind & SSE_X0_DST)
        x0 = s->xmm[i->r1];
    kind |= (kind & SSE_X0_DST) ? SSE_X0 : 0;
    SseCtx c = { .n = mmx ? 8 : 16, .imm = (unsigned)i->imm & 0xff,
                 .mxcsr = x86_sse_guest_mxcsr(cpu), .flags = 0,
                 .x0 = (kind & SSE_X0) ? &x0 : NULL,
                 .cnt = (kind & SSE_CNT_IMM) ? (i->imm & 0xff) : b.q[0] };
    SseCall calls[2];
    unsigned n = x86_sse_lanes(fn, &r, &a, &b, (kind & SSE_X0) ? &x0 : NULL, width, kind, &c,
                               calls);
    if (kind & SSE_FP)
        x86_sse_fp_finish(cpu, calls, n, c.flags);
    x86_sse_write_reg(cpu, i, i->r1, &r, width);
}

/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the MMX/SSE/AVX semantics (cpu/x86/sse-*.c, avx.c).
 *
 * One handler serves every encoding of a mnemonic: the MMX form (no 66
 * prefix, 64-bit mm registers), the legacy SSE form (128 bits, the upper
 * half of the YMM register preserved), VEX.128 (bits 255:128 zeroed) and
 * VEX.256. Most handlers are one call to x86_sse_binop() with a "lane
 * function" that computes one 128-bit lane (or the 64-bit MMX register)
 * from two inputs: a, the first source (the destination register in legacy
 * forms, VEX.vvvv in VEX forms), and b, the r/m operand. 256-bit forms run
 * the lane function on each 128-bit half, which is exactly the AVX rule for
 * every in-lane instruction (and for element-wise ones the lanes are just
 * more elements).
 *
 * Floating point: lane functions execute the host's own SSE instruction
 * under the guest's MXCSR (rounding, DAZ, FTZ) with all exceptions masked,
 * and hand back the flags it raised; x86_sse_binop() then applies the
 * guest's masks (x86_sse_fp_finish, sse-excp.c): an unmasked exception
 * raises #XM (#UD without CR4.OSXMMEXCPT) and leaves the destination
 * unchanged, with the flags the hardware would report.
 *
 * MMX registers are the mantissas of the x87 physical registers R0..R7
 * (X87State.st[]); the x87 side (fpu-*.c) owns the rest of that state.
 *
 * Invariants: every memory access happens before any register is written,
 * so a fault leaves the architectural state as before the instruction;
 * stores probe the last byte's page before writing anything.
 */
#ifndef TANDEM_X86_SSE_H
#define TANDEM_X86_SSE_H

#include "cpu/x86/x86.h"

/*
 * The host-instruction paths need an x86-64 host; -DTANDEM_SIMD_PORTABLE
 * builds the portable ones there too (to compile-check them).
 */
#if defined(__x86_64__) && !defined(TANDEM_SIMD_PORTABLE)
#define X86_SIMD_HOST 1
#else
#define X86_SIMD_HOST 0
#endif

#ifndef CR4_OSXMMEXCPT
#define CR4_OSXMMEXCPT (1u << 10)
#endif
#ifndef CR4_OSXSAVE
#define CR4_OSXSAVE (1u << 18)
#endif

#define MXCSR_IE    0x0001
#define MXCSR_DE    0x0002
#define MXCSR_ZE    0x0004
#define MXCSR_OE    0x0008
#define MXCSR_UE    0x0010
#define MXCSR_PE    0x0020
#define MXCSR_FLAGS 0x003f
#define MXCSR_DAZ   0x0040
#define MXCSR_MASKS 0x1f80
#define MXCSR_RC    0x6000
#define MXCSR_FTZ   0x8000

typedef struct SseCtx {
    unsigned n;         /* bytes in the lane: 8 (MMX) or 16 */
    unsigned imm;       /* the instruction's immediate byte */
    unsigned lane;      /* which 128-bit lane (VEX.256: 0 or 1) */
    uint32_t mxcsr;     /* guest MXCSR with its flags cleared, all masked */
    uint32_t flags;     /* MXCSR flags raised so far */
    const XmmReg *x0;   /* implicit XMM0 lane (BLENDV*), NULL without */
    uint64_t cnt;       /* shift count (SSE_CNT_B / SSE_CNT_IMM) */
} SseCtx;

/* One lane: d = f(a, b). d never aliases a or b. */
typedef void SseFn(XmmReg *d, const XmmReg *a, const XmmReg *b, SseCtx *c);

/* x86_sse_binop kinds (OR of these) */
#define SSE_MMX     0x0001  /* no 66 prefix means the MMX form */
#define SSE_FP      0x0002  /* MXCSR flags and unmasked exceptions */
#define SSE_UNAL    0x0004  /* legacy m128 need not be aligned */
#define SSE_ALIGNV  0x0008  /* aligned even when VEX encoded */
#define SSE_INT256  0x0010  /* VEX.256 form needs AVX2 */
#define SSE_NO256   0x0020  /* no VEX.256 form (#UD), or scalar (L ignored) */
#define SSE_X0      0x0040  /* reads XMM0 (legacy) / the is4 register (VEX) */
#define SSE_A_IS_B  0x0080  /* one-source op: a is b (PSHUFD, PABS*) */
#define SSE_MSLOW   0x4000  /* MMX form reads m32 (PUNPCKL*) */
#define SSE_CNT_B   0x8000  /* c->cnt = low 64 bits of b (shift counts) */
#define SSE_CNT_IMM 0x10000 /* c->cnt = the immediate */
#define SSE_MSX2    0x20000 /* SSE_MS is per 128-bit lane: VEX.256 reads twice it */
#define SSE_X0_DST  0x40000 /* c->x0 is the destination register (FMA's third input) */
#define SSE_WIDE    0x80000 /* fn takes the whole 256-bit vector in one call */
#define SSE_STAGED  0x100000 /* exceptions are checked between internal steps (DPPS) */
#define SSE_MS(n)   ((unsigned)(n) << 8)   /* memory operand bytes, default the vector */
#define SSE_MS_OF(k) (((k) >> 8) & 0x3f)

/* Checks (#UD, #NM, #MF) for the encoding of i; call before anything else. */
void x86_sse_check(X86CPU *cpu, const X86Insn *i);
void x86_mmx_enter(X86CPU *cpu);
/* Is i the MMX form (legacy, no 66 prefix)? */
static inline bool x86_sse_is_mmx(const X86Insn *i)
{
    return !i->vex && !(i->pfx & PFX_OPSZ);
}
/* Vector bytes of i: 8, 16 or 32. */
static inline unsigned x86_sse_width(const X86Insn *i, unsigned kind)
{
    if ((kind & SSE_MMX) && x86_sse_is_mmx(i))
        return 8;
    return i->vex && i->vexl && !(kind & SSE_NO256) ? 32 : 16;
}

/* MMX register access (mm_n aliases the mantissa of physical x87 R_n). */
static inline uint64_t x86_mm_read(X86CPU *cpu, unsigned r)
{
    return cpu->s->fpu.st[r & 7].mant;
}
static inline void x86_mm_write(X86CPU *cpu, unsigned r, uint64_t v)
{
    cpu->s->fpu.st[r & 7].mant = v;
    cpu->s->fpu.st[r & 7].sign_exp = 0xffff;
    /* the tag the x87 computes for an all-ones exponent: special (2) */
    unsigned sh = 2 * (r & 7);
    cpu->s->fpu.ftw = (uint16_t)((cpu->s->fpu.ftw & ~(3u << sh)) | (2u << sh));
}

/* Memory: n of 1, 2, 4, 8, 16, 32 bytes. */
void x86_sse_load(X86CPU *cpu, uint64_t lin, void *dst, unsigned n);
void x86_sse_store(X86CPU *cpu, uint64_t lin, const void *src, unsigned n);
/* #GP(0) unless lin is a multiple of n. */
void x86_sse_align(X86CPU *cpu, uint64_t lin, unsigned n);
/* Raise now any fault a store of n bytes at lin would take. */
void x86_sse_probe_write(X86CPU *cpu, uint64_t lin, unsigned n);

/* Read the r/m operand of i (mm or xmm register, or memory) into *b, n bytes (rest 0). */
void x86_sse_read_rm(X86CPU *cpu, const X86Insn *i, XmmReg *b, unsigned n,
                     bool aligned, bool mmreg);
/* Write a vector result to the reg-field register of i (MMX, legacy or VEX rules). */
void x86_sse_write_reg(X86CPU *cpu, const X86Insn *i, unsigned r, const XmmReg *v,
                       unsigned width);

/*
 * Apply the guest's masks to flags raised by an FP op that has no
 * post-computation exception but PE (comparisons, integer conversions):
 * raise #XM/#UD if unmasked.
 */
void x86_sse_fp_commit(X86CPU *cpu, uint32_t flags);

/* One lane function call with its inputs, kept to run it again exactly. */
typedef struct SseCall {
    SseFn *fn;
    XmmReg a, b, x0;
    bool has_x0;
    bool staged;        /* SSE_STAGED: no pre-computation shortcut */
    bool ftz_blind;     /* FTZ does not apply (F16C): cannot find tiny results */
    SseCtx c;
} SseCall;

/* Run fn over the lanes of width bytes, recording the calls (at most 2). */
unsigned x86_sse_lanes(SseFn *fn, XmmReg *r, const XmmReg *a, const XmmReg *b,
                       const XmmReg *x0, unsigned width, unsigned kind, SseCtx *c,
                       SseCall *calls);
/*
 * Commit the flags (masked run) of FP lane calls to MXCSR; for unmasked
 * exceptions raise #XM/#UD, with the hardware's flags (sse-excp.c).
 */
void x86_sse_fp_finish(X86CPU *cpu, const SseCall *calls, unsigned n, uint32_t flags);

/* The workhorse: dst(reg) = fn over lanes of (a, b). */
void x86_sse_binop(X86CPU *cpu, const X86Insn *i, SseFn *fn, unsigned kind);

/* Handler boilerplate: one line per mnemonic. */
#define SSE_HANDLER(name, fn, kind) \
    void x86_op_##name(X86CPU *cpu, const X86Insn *i) { x86_sse_binop(cpu, i, fn, kind); }

/* Host SSE execution under a guest MXCSR (sse-fp.c) */
uint32_t x86_sse_guest_mxcsr(const X86CPU *cpu);

#endif

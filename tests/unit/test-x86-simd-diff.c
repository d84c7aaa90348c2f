/* SPDX-License-Identifier: MIT */
/*
 * Differential tester for MMX/SSE/AVX: every SIMD row of cpu/x86/insn.def
 * (so every form the decoder knows, with nothing listed by hand) is
 * encoded with random registers, operands and immediates, run natively on
 * the host and in tandem's CPU (64-bit mode) from the same state, and the
 * results must agree bit for bit: all 16 YMM registers, the MMX registers,
 * MXCSR, the general registers, the arithmetic flags and the memory page.
 *
 * Inputs mix random bits with the values floating point gets wrong: zeros,
 * infinities, quiet and signalling NaNs, denormals, the integer-overflow
 * boundaries of the conversions and values that round differently in each
 * mode; MXCSR takes every rounding mode with DAZ/FTZ on and off. A second
 * pass unmasks random exceptions: the host reports them as SIGFPE (the
 * MXCSR of the fault comes from the signal frame) and tandem must raise #XM
 * with the same MXCSR and an unchanged destination.
 *
 * Host side: a fixed trampoline (assembly below) loads the state, calls the
 * instruction placed at offset 0x100 of an RWX page (followed by RET) and
 * stores the state back. Guest side: the same bytes at the same virtual
 * address followed by HLT; memory operands are RIP-relative into the same
 * page, so the encodings are identical. A guest exception goes through an
 * IDT whose stubs push the vector and halt.
 *
 * One VEX encoding in eight breaks a rule of its row (VEX.L, VEX.W or a
 * reserved VEX.vvvv): both sides must then raise #UD. Memory operands are
 * misaligned one time in six: the aligned forms must #GP on both sides.
 *
 * TESTS_X86_SIMD_ITERS sets the iterations per row (default 24) for long
 * runs; TESTS_X86_SIMD_ROW restricts the run to rows whose id contains it;
 * TESTS_X86_SIMD_SHOW prints every mismatch (else the first 30).
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "tests/unit/unit.h"
#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/insn.h"
#include "softmmu/machine.h"
#include "softmmu/memory.h"
#include "softmmu/vcpu.h"

#define ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* ---- the rows under test, straight from the table ---- */

typedef struct SRow {
    const char *id, *mnem, *handler;
    uint8_t map, opc, pfx, modc, form, osz, imm, feat;
    int16_t ext;
    uint16_t attr;
} SRow;

static const SRow all_rows[] = {
#define X86_INSN(id, mnem, handler, map, opc, ext, pfx, modc, form, osz, imm, feat, attr, icpt) \
    { #id, mnem, #handler, map, opc, pfx, modc, form, osz, imm, feat, ext, attr },
#include "cpu/x86/insn.def"
#undef X86_INSN
};

static bool is_simd_feat(unsigned f)
{
    return f >= FEAT_MMX && f <= FEAT_SHA;
}

static bool hin(const SRow *r, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(r->handler, *list))
            return true;
    return false;
}

/* Which operands are general registers or MMX registers (else XMM). */
static bool reg_is_gpr(const SRow *r)
{
    static const char *const l[] = { "cvtss2si", "pextrw", "movmskps", "pmovmskb", "crc32",
                                     "movnti", NULL };
    return hin(r, l);
}

static bool rm_is_gpr(const SRow *r)
{
    static const char *const l[] = { "movd_ld", "movd_st", "cvtsi2ss", "pinsrw", "pextr", "pinsr",
                                     "crc32", NULL };
    return hin(r, l);
}

static bool uses_mmx(const SRow *r)
{
    static const char *const l[] = { "cvtpi2ps", "cvtps2pi", "movq2dq", "movdq2q", "emms", NULL };
    if (hin(r, l))
        return true;
    return !(r->attr & A_VEX) && r->pfx == P_NONE && r->feat != FEAT_SSE42 &&
           (r->feat == FEAT_MMX || r->feat == FEAT_SSSE3 || r->feat == FEAT_SSE2 ||
            (r->feat == FEAT_SSE && r->map == X86_MAP_0F && r->opc >= 0x70 && r->opc != 0xc2 &&
             r->opc != 0xc6));
}

static bool L1_only(const SRow *r)
{
    return (r->attr & A_L1) != 0;
}

/* ---- host side ---- */

typedef struct HState {
    XmmReg y[16];               /* 0 */
    uint64_t mm[8];             /* 512 */
    uint64_t regs[16];          /* 576 */
    uint64_t flags;             /* 704 */
    uint32_t mxcsr;             /* 712 */
    uint32_t use_mmx;           /* 716 */
} HState;
_Static_assert(offsetof(HState, mm) == 512, "layout");
_Static_assert(offsetof(HState, regs) == 576, "layout");
_Static_assert(offsetof(HState, flags) == 704, "layout");
_Static_assert(offsetof(HState, mxcsr) == 712, "layout");
_Static_assert(offsetof(HState, use_mmx) == 716, "layout");

HState *simd_hstate;
uint64_t simd_insn_addr;
uint32_t simd_host_mxcsr;
void simd_host_tramp(HState *st);

#define YL(n) "vmovdqu " #n "*32(%rdi), %ymm" #n "\n\t"
#define YS(n) "vmovdqu %ymm" #n ", " #n "*32(%rdi)\n\t"
#define ML(n) "movq 512+" #n "*8(%rdi), %mm" #n "\n\t"
#define MS(n) "movq %mm" #n ", 512+" #n "*8(%rdi)\n\t"
__asm__(
    ".text\n\t.globl simd_host_tramp\n\t.type simd_host_tramp, @function\n"
    "simd_host_tramp:\n\t"
    "push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
    "mov %rdi, simd_hstate(%rip)\n\t"
    "stmxcsr simd_host_mxcsr(%rip)\n\t"
    YL(0) YL(1) YL(2) YL(3) YL(4) YL(5) YL(6) YL(7)
    YL(8) YL(9) YL(10) YL(11) YL(12) YL(13) YL(14) YL(15)
    "cmpl $0, 716(%rdi)\n\tje 1f\n\t"
    ML(0) ML(1) ML(2) ML(3) ML(4) ML(5) ML(6) ML(7)
    "1:\n\t"
    "ldmxcsr 712(%rdi)\n\t"
    "pushq 704(%rdi)\n\tpopfq\n\t"
    "mov 576(%rdi), %rax\n\tmov 584(%rdi), %rcx\n\tmov 592(%rdi), %rdx\n\tmov 600(%rdi), %rbx\n\t"
    "mov 616(%rdi), %rbp\n\tmov 624(%rdi), %rsi\n\tmov 640(%rdi), %r8\n\tmov 648(%rdi), %r9\n\t"
    "mov 656(%rdi), %r10\n\tmov 664(%rdi), %r11\n\tmov 672(%rdi), %r12\n\tmov 680(%rdi), %r13\n\t"
    "mov 688(%rdi), %r14\n\tmov 696(%rdi), %r15\n\tmov 632(%rdi), %rdi\n\t"
    "call *simd_insn_addr(%rip)\n\t"
    "push %rdi\n\tmov simd_hstate(%rip), %rdi\n\tpopq 632(%rdi)\n\t"
    "pushfq\n\tpopq 704(%rdi)\n\t"
    "mov %rax, 576(%rdi)\n\tmov %rcx, 584(%rdi)\n\tmov %rdx, 592(%rdi)\n\tmov %rbx, 600(%rdi)\n\t"
    "mov %rbp, 616(%rdi)\n\tmov %rsi, 624(%rdi)\n\tmov %r8, 640(%rdi)\n\tmov %r9, 648(%rdi)\n\t"
    "mov %r10, 656(%rdi)\n\tmov %r11, 664(%rdi)\n\tmov %r12, 672(%rdi)\n\tmov %r13, 680(%rdi)\n\t"
    "mov %r14, 688(%rdi)\n\tmov %r15, 696(%rdi)\n\t"
    "stmxcsr 712(%rdi)\n\tldmxcsr simd_host_mxcsr(%rip)\n\t"
    YS(0) YS(1) YS(2) YS(3) YS(4) YS(5) YS(6) YS(7)
    YS(8) YS(9) YS(10) YS(11) YS(12) YS(13) YS(14) YS(15)
    "cmpl $0, 716(%rdi)\n\tje 2f\n\t"
    MS(0) MS(1) MS(2) MS(3) MS(4) MS(5) MS(6) MS(7)
    "emms\n"
    "2:\n\t"
    "vzeroupper\n\t"
    "pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\tret\n\t"
    ".size simd_host_tramp, .-simd_host_tramp\n");

#define PAGE_INSN 0x100
#define PAGE_DATA 0x800
#define DATA_LEN  0x400

static uint8_t *hpage;
static sigjmp_buf host_jmp;
static volatile int host_sig;
static volatile uint32_t host_sig_mxcsr;

static void host_signal(int sig, siginfo_t *si, void *uc)
{
    ucontext_t *u = uc;
    (void)si;
    host_sig = sig;
    host_sig_mxcsr = u->uc_mcontext.fpregs ? u->uc_mcontext.fpregs->mxcsr : 0;
    siglongjmp(host_jmp, 1);
}

/* Run natively; returns the exception vector (-1 none). */
static int host_run(const HState *in, HState *out, const uint8_t *data)
{
    struct sigaction sa, o_fpe, o_segv, o_ill, o_bus;
    static HState st;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = host_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, &o_fpe);
    sigaction(SIGSEGV, &sa, &o_segv);
    sigaction(SIGILL, &sa, &o_ill);
    sigaction(SIGBUS, &sa, &o_bus);
    memcpy(hpage + PAGE_DATA, data, DATA_LEN);
    st = *in;
    host_sig = 0;
    int vec = -1;
    if (sigsetjmp(host_jmp, 1) == 0) {
        simd_host_tramp(&st);
        *out = st;
    } else {
        uint32_t m = simd_host_mxcsr;
        __asm__ volatile("ldmxcsr %0\n\temms\n\tvzeroupper" : : "m"(m));
        *out = *in;
        out->mxcsr = host_sig_mxcsr;
        vec = host_sig == SIGFPE ? 19 : host_sig == SIGILL ? 6 : 13;
    }
    sigaction(SIGFPE, &o_fpe, NULL);
    sigaction(SIGSEGV, &o_segv, NULL);
    sigaction(SIGILL, &o_ill, NULL);
    sigaction(SIGBUS, &o_bus, NULL);
    return vec;
}

/* ---- tandem side ---- */

#define GPAGE 0x10000
#define G_STACK 0x38000
#define G_IDT 0x39000
#define G_STUBS 0x3a000
#define G_GDT 0x3b000

static Machine dm;
static MachineConfig dcfg;
static Vcpu dv;
static uint8_t *dram;
static uint8_t model_feat[FEAT_COUNT];

static void gwr64(uint64_t a, uint64_t v) { memcpy(dram + a, &v, 8); }

static int simd_init(void)
{
    Error err = { 0 };
    X86CPUModel *m;
    if (x86_cpu_model_new(NULL, &m, &err) < 0)
        return -1;
    x86_cpu_model_features(m, model_feat);
    x86_cpu_model_free(m);
    if (x86_diff_init(&dm, &dcfg, &dv, &dram, &hpage, GPAGE) < 0)
        return -1;
    /* GDT: 0x10 64-bit code, 0x18 data; IDT: vector k -> "push k; hlt" */
    gwr64(G_GDT + 0x10, 0x00af9b000000ffffull);
    gwr64(G_GDT + 0x18, 0x00cf93000000ffffull);
    for (unsigned v = 0; v < 32; v++) {
        uint64_t off = G_STUBS + v * 4;
        dram[off] = 0x6a;
        dram[off + 1] = (uint8_t)v;
        dram[off + 2] = 0xf4;
        gwr64(G_IDT + v * 16, (off & 0xffff) | (0x10ull << 16) | (0x8eull << 40) |
                              (((off >> 16) & 0xffff) << 48));
        gwr64(G_IDT + v * 16 + 8, off >> 32);
    }
    return 0;
}

static int simd_clean(void)
{
    x86_diff_clean(&dm, &dv, hpage);
    return 0;
}

/* Directed tests change the control state (0 / all-ones: the defaults). */
static uint64_t guest_cr0_set, guest_cr4_clear, guest_xcr0 = 7;
static uint16_t guest_fcw = 0x37f, guest_fsw;

/* Run in tandem; returns the exception vector (-1 none, -2 did not halt). */
static int guest_run(const HState *in, HState *out, const uint8_t *data, uint8_t *dout,
                     const uint8_t *insn, unsigned len)
{
    X86CPUState *s = &dv.state;
    memcpy(dram + GPAGE + PAGE_INSN, insn, len);
    dram[GPAGE + PAGE_INSN + len] = 0xf4;
    accel_tcg_ops.invalidate_code(&dm, GPAGE + PAGE_INSN, len + 1);
    s->cr3 = 0x20000;
    s->cr4 = ((1u << 5) | (1u << 9) | (1u << 10) | (1u << 18)) & ~guest_cr4_clear;
    s->xcr0 = guest_xcr0;       /* above: PAE OSFXSR OSXMMEXCPT OSXSAVE */
    s->msr.efer = EFER_LME | EFER_LMA;
    s->cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE | CR0_MP | guest_cr0_set;
    s->segs[SEG_CS] = (SegmentCache){ 0x10, SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_L | SEG_ATTR_G,
                                      0xffffffff, 0 };
    SegmentCache dseg = { 0x18, SEG_ATTR_P | SEG_ATTR_S | 0x3 | SEG_ATTR_DB | SEG_ATTR_G,
                          0xffffffff, 0 };
    s->segs[SEG_SS] = s->segs[SEG_DS] = s->segs[SEG_ES] = dseg;
    s->gdt.base = G_GDT;
    s->gdt.limit = 0x1f;
    s->idt.base = G_IDT;
    s->idt.limit = 32 * 16 - 1;
    memcpy(s->regs, in->regs, sizeof(s->regs));
    s->regs[R_ESP] = G_STACK;
    s->rflags = (in->flags & ARITH) | 2;
    s->rip = (uint64_t)(uintptr_t)hpage + PAGE_INSN;
    s->halted = false;
    for (unsigned r = 0; r < 16; r++)
        s->xmm[r] = in->y[r];
    s->mxcsr = in->mxcsr;
    memset(&s->fpu, 0, sizeof(s->fpu));
    s->fpu.fcw = guest_fcw;
    s->fpu.fsw = guest_fsw;
    s->fpu.ftw = 0xffff;
    for (unsigned r = 0; r < 8; r++) {
        s->fpu.st[r].mant = in->mm[r];
        s->fpu.st[r].sign_exp = 0xffff;
    }
    memcpy(dram + GPAGE + PAGE_DATA, data, DATA_LEN);
    accel_tcg_ops.state_changed(&dv);
    VcpuExit e = accel_tcg_ops.vcpu_run(&dv);
    for (unsigned r = 0; r < 16; r++)
        out->y[r] = s->xmm[r];
    for (unsigned r = 0; r < 8; r++)
        out->mm[r] = s->fpu.st[r].mant;
    memcpy(out->regs, s->regs, sizeof(out->regs));
    out->flags = s->rflags;
    out->mxcsr = s->mxcsr;
    out->use_mmx = in->use_mmx;
    memcpy(dout, dram + GPAGE + PAGE_DATA, DATA_LEN);
    if (e != VCPU_EXIT_HALT)
        return -2;
    if (s->rip >= G_STUBS && s->rip < G_STUBS + 32 * 4) {
        uint64_t v;
        memcpy(&v, dram + s->regs[R_ESP], 8);
        return (int)v;
    }
    return -1;
}

/* ---- inputs ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void) { return x86_diff_xorshift(&rng); }

static uint32_t rnd_f32(void)
{
    static const uint32_t sp[] = {
        0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0xff800001,
        0x00000001, 0x807fffff, 0x00400000, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
        0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000, 0x4b000001,
        0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x5effffff, 0x5f000000, 0xdf000000,
        0x3effffff, 0x3f7fffff, 0x33800000, 0x0c000000, 0x72000000,
    };
    switch (rnd() % 4) {
    case 0: return sp[rnd() % (sizeof(sp) / sizeof(sp[0]))];
    case 1: return (uint32_t)rnd();
    default:    /* moderate magnitudes with low mantissa bits that round */
        return (uint32_t)((rnd() & 0x80000000u) | ((0x70u + rnd() % 0x20) << 23) |
                          (rnd() & 0x7fffff));
    }
}

static uint64_t rnd_f64(void)
{
    static const uint64_t sp[] = {
        0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff4000000000000ull, 0x7ff0000000000001ull,
        1, 0x800fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull,
        0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3fe0000000000000ull, 0x3ff8000000000000ull,
        0x4330000000000001ull, 0x41dfffffffffffffull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
        0xc1e0000000200000ull, 0x43dfffffffffffffull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
        0x36a0000000000000ull, 0x3810000000000000ull, 0x47efffffe0000000ull, 0x47f0000000000000ull,
        0x380fffffe0000000ull, 0x3690000000000000ull,
    };
    switch (rnd() % 4) {
    case 0: return sp[rnd() % (sizeof(sp) / sizeof(sp[0]))];
    case 1: return rnd();
    default:
        return (rnd() & 0x8000000000000000ull) | ((0x3c0ull + rnd() % 0x80) << 52) |
               (rnd() & 0xfffffffffffffull);
    }
}

static void rnd_vec(uint8_t *p, unsigned n)
{
    static const uint64_t iv[] = { 0, ~0ull, 0x8080808080808080ull, 0x7f7f7f7f7f7f7f7full,
                                   0x8000800080008000ull, 0x7fff7fff7fff7fffull,
                                   0x8000000080000000ull, 0x00ff00ff00ff00ffull, 1 };
    unsigned mode = (unsigned)(rnd() % 5);
    for (unsigned k = 0; k < n; k += 8) {
        uint64_t v;
        switch (mode) {
        case 0: v = rnd_f32() | ((uint64_t)rnd_f32() << 32); break;
        case 1: v = rnd_f64(); break;
        case 2: v = iv[rnd() % (sizeof(iv) / sizeof(iv[0]))] ^ (rnd() % 4 ? 0 : rnd()); break;
        case 3: v = rnd() & 0x0303030303030303ull; break;      /* small, strings with zeros */
        default: v = rnd(); break;
        }
        memcpy(p + k, &v, 8);
    }
}

/* ---- one row ---- */

static unsigned printed;
static unsigned reg_pick(bool gpr)
{
    unsigned r;
    do
        r = (unsigned)(rnd() % 16);
    while (gpr && r == R_ESP);
    return r;
}

/* Encode; returns the length. *mem: r/m is memory. */
static unsigned encode(const SRow *r, uint8_t *b, bool mem, unsigned reg, unsigned rm,
                       unsigned vvvv, unsigned L, unsigned W, uint8_t imm)
{
    unsigned n = 0, modrm_at;
    bool vex = r->attr & A_VEX;
    static const uint8_t pfx[] = { 0, 0, 0x66, 0xf3, 0xf2 };
    static const uint8_t pp[] = { 0, 0, 1, 2, 3 };
    if (r->ext >= 0)
        reg = (unsigned)r->ext;
    if (vex) {
        b[n++] = 0xc4;
        b[n++] = (uint8_t)((reg & 8 ? 0 : 0x80) | 0x40 | (rm & 8 && !mem ? 0 : 0x20) | r->map);
        b[n++] = (uint8_t)((W << 7) | ((~vvvv & 15) << 3) | (L << 2) | pp[r->pfx]);
    } else {
        if (!strcmp(r->handler, "crc32") && (rnd() & 1))
            b[n++] = 0x66;                  /* CRC32 r32, r/m16 */
        if (pfx[r->pfx])
            b[n++] = pfx[r->pfx];
        uint8_t rex = (uint8_t)(0x40 | (W << 3) | (reg & 8 ? 4 : 0) | (rm & 8 && !mem ? 1 : 0));
        if (rex != 0x40 || (rnd() & 1))
            b[n++] = rex;
        b[n++] = 0x0f;
        if (r->map == X86_MAP_0F38)
            b[n++] = 0x38;
        else if (r->map == X86_MAP_0F3A)
            b[n++] = 0x3a;
    }
    b[n++] = r->opc;
    if (r->modc == NO_MODRM)
        return n;
    if (!strcmp(r->handler, "vgather")) {
        /* VSIB: [rbx + vindex * scale], vindex = rm (distinct registers chosen by the caller) */
        b[1] = (uint8_t)((b[1] & ~0x60) | (reg & 8 ? 0 : 0) | (rm & 8 ? 0 : 0x40) | 0x20);
        b[n++] = (uint8_t)(((reg & 7) << 3) | 4);
        b[n++] = (uint8_t)(((rnd() % 4) << 6) | ((rm & 7) << 3) | R_EBX);
        return n;
    }
    modrm_at = n;
    if (mem) {
        b[n++] = (uint8_t)(0x05 | ((reg & 7) << 3));
        n += 4;
    } else {
        b[n++] = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
    }
    if (r->imm != IMM_NONE)
        b[n++] = imm;
    if (mem) {
        /* mostly 32-byte aligned; 1 in 6 misaligned (#GP for the aligned forms) */
        unsigned mis = rnd() % 6 ? 0 : 4 * (1 + (unsigned)(rnd() % 7));
        int32_t disp = (int32_t)(PAGE_DATA + 32 * (rnd() % 4) + mis - (PAGE_INSN + n));
        memcpy(b + modrm_at + 1, &disp, 4);
    }
    return n;
}

static void dump_diff(const SRow *r, const uint8_t *insn, unsigned len, const HState *in,
                      const HState *h, const HState *g, int hv, int gv)
{
    printf("\nMISMATCH %s (%s) bytes:", r->id, r->mnem);
    for (unsigned k = 0; k < len; k++)
        printf(" %02x", insn[k]);
    printf("\n  vector host=%d tandem=%d  mxcsr in=%04x host=%04x tandem=%04x", hv, gv,
           in->mxcsr, h->mxcsr, g->mxcsr);
    printf("  flags host=%03llx tandem=%03llx\n", (unsigned long long)(h->flags & ARITH),
           (unsigned long long)(g->flags & ARITH));
    static const char *const who[3] = { "    in", "  host", "tandem" };
    for (unsigned k = 0; k < 16; k++) {
        if (!memcmp(&h->y[k], &g->y[k], 32))
            continue;
        const XmmReg *v[3] = { &in->y[k], &h->y[k], &g->y[k] };
        printf("  ymm%u\n", k);
        for (unsigned w = 0; w < 3; w++)
            printf("    %s=%016llx%016llx %016llx%016llx\n", who[w],
                   (unsigned long long)v[w]->q[3], (unsigned long long)v[w]->q[2],
                   (unsigned long long)v[w]->q[1], (unsigned long long)v[w]->q[0]);
    }
    for (unsigned k = 0; k < 16; k++)
        if (k != R_ESP && h->regs[k] != g->regs[k])
            printf("  r%-2u in=%016llx host=%016llx tandem=%016llx\n", k,
                   (unsigned long long)in->regs[k], (unsigned long long)h->regs[k],
                   (unsigned long long)g->regs[k]);
    for (unsigned k = 0; k < 8; k++)
        if (h->use_mmx && h->mm[k] != g->mm[k])
            printf("  mm%u in=%016llx host=%016llx tandem=%016llx\n", k,
                   (unsigned long long)in->mm[k], (unsigned long long)h->mm[k],
                   (unsigned long long)g->mm[k]);
}

/* unmask: 0 all exceptions masked; 1 random masks. Returns mismatches. */
static unsigned run_row(const SRow *r, unsigned iters, unsigned unmask, unsigned *ran)
{
    unsigned bad = 0;
    bool vex = r->attr & A_VEX;
    for (unsigned it = 0; it < iters; it++) {
        HState in, h, g;
        uint8_t data[DATA_LEN], hdata[DATA_LEN], gdata[DATA_LEN], insn[16];
        memset(&in, 0, sizeof(in));
        for (unsigned k = 0; k < 16; k++)
            rnd_vec(in.y[k].b, 32);
        for (unsigned k = 0; k < 8; k++)
            rnd_vec((uint8_t *)&in.mm[k], 8);
        for (unsigned k = 0; k < 16; k++)
            in.regs[k] = rnd() % 3 ? rnd() : (uint64_t)(int64_t)(int8_t)rnd();
        if (rnd() % 2) {        /* short explicit lengths (PCMPESTR*) */
            in.regs[R_EAX] = (uint64_t)(int64_t)(int)(rnd() % 41) - 20;
            in.regs[R_EDX] = (uint64_t)(int64_t)(int)(rnd() % 41) - 20;
        }
        in.regs[R_EDI] = (uint64_t)(uintptr_t)hpage + PAGE_DATA + rnd() % 0x100;  /* MASKMOV* */
        in.regs[R_ESP] = 0;
        in.flags = (rnd() & ARITH) | 2;
        in.mxcsr = (uint32_t)(0x1f80 | (rnd() & 0x6000) | (rnd() & 1 ? 0x40 : 0) |
                              (rnd() & 1 ? 0x8000 : 0) | (rnd() % 4 ? 0 : rnd() & 0x3f));
        if (unmask)
            in.mxcsr &= ~(uint32_t)((rnd() & 0x3f) << 7);
        in.use_mmx = uses_mmx(r);
        rnd_vec(data, DATA_LEN);

        bool mem = r->modc == MOD_MEM || (r->modc == MOD_ANY && (rnd() & 1));
        unsigned reg = reg_pick(reg_is_gpr(r)), rm = reg_pick(rm_is_gpr(r));
        unsigned vvvv = (r->attr & A_NOVVVV) ? 0 : (unsigned)(rnd() % 16);
        unsigned L = (r->attr & A_VL) ? (unsigned)(rnd() & 1) : 0;
        unsigned W = (r->attr & A_W0) ? 0 : (unsigned)(rnd() & 1);
        if (L1_only(r))
            L = 1;
        if ((r->attr & A_VEX) && rnd() % 8 == 0) {
            /* break an encoding rule the row has: both sides must #UD */
            switch (rnd() % 3) {
            case 0:
                /* (VEX.256 AES/PCLMULQDQ are VAES/VPCLMULQDQ: valid on hosts with them) */
                if (!(r->attr & A_VL) && r->feat != FEAT_AES && r->feat != FEAT_PCLMUL)
                    L = 1;
                else if (r->attr & A_L1)
                    L = 0;
                break;
            case 1:
                if (r->attr & A_NOVVVV)
                    vvvv = 1 + (unsigned)(rnd() % 15);
                break;
            default:
                if (r->attr & A_W0)
                    W = 1;
                break;
            }
        }
        uint8_t imm = (uint8_t)rnd();
        if (!strcmp(r->handler, "vgather")) {
            /* distinct destination, mask (vvvv) and index (rm); small non-negative indices */
            while (vvvv == reg)
                vvvv = (unsigned)(rnd() % 16);
            while (rm == reg || rm == vvvv)
                rm = (unsigned)(rnd() % 16);
            for (unsigned k = 0; k < 8; k++)
                in.y[rm].d[k] = (uint32_t)(rnd() % 64);
            if (r->opc & 1)
                for (unsigned k = 0; k < 4; k++)
                    in.y[rm].q[k] = rnd() % 64;
            in.regs[R_EBX] = (uint64_t)(uintptr_t)hpage + PAGE_DATA;
        }
        unsigned len = encode(r, insn, mem, reg, rm, vvvv, L, W, imm);

        memcpy(hpage + PAGE_INSN, insn, len);
        hpage[PAGE_INSN + len] = 0xc3;
        simd_insn_addr = (uint64_t)(uintptr_t)hpage + PAGE_INSN;
        int hv = host_run(&in, &h, data);
        memcpy(hdata, hpage + PAGE_DATA, DATA_LEN);
        int gv = guest_run(&in, &g, data, gdata, insn, len);
        (*ran)++;

        bool ok = hv == gv && h.mxcsr == g.mxcsr && !memcmp(hdata, gdata, DATA_LEN);
        for (unsigned k = 0; k < 16; k++)
            if (memcmp(&h.y[k], &g.y[k], 32) || (k != R_ESP && h.regs[k] != g.regs[k]))
                ok = false;
        if (hv < 0 && ((h.flags ^ g.flags) & ARITH))
            ok = false;
        if (in.use_mmx && hv < 0)
            for (unsigned k = 0; k < 8; k++)
                if (h.mm[k] != g.mm[k])
                    ok = false;
        (void)vex;
        if (!ok) {
            bad++;
            if (printed++ < (getenv("TESTS_X86_SIMD_SHOW") ? 100000u : 30u))
                dump_diff(r, insn, len, &in, &h, &g, hv, gv);
        }
    }
    return bad;
}

static void run_all(unsigned unmask)
{
    unsigned iters = 24, ran = 0, bad = 0, rows = 0, skipped = 0;
    const char *env = getenv("TESTS_X86_SIMD_ITERS");
    const char *only = getenv("TESTS_X86_SIMD_ROW");
    if (env)
        iters = (unsigned)strtoul(env, NULL, 0);
    for (size_t k = 0; k < sizeof(all_rows) / sizeof(all_rows[0]); k++) {
        const SRow *r = &all_rows[k];
        /* (LDMXCSR: AMD hosts accept MXCSR bit 17, tandem's MXCSR_MASK does not) */
        static const char *const not_mine[] = { "ldmxcsr", "stmxcsr", "vldmxcsr", NULL };
        if (!is_simd_feat(r->feat) || hin(r, not_mine))
            continue;
        if (only && !strstr(r->id, only))
            continue;
        if (!model_feat[r->feat]) {
            skipped++;
            continue;
        }
        rows++;
        bad += run_row(r, iters, unmask, &ran);
    }
    printf("\n  %u rows (%u not advertised, skipped), %u runs, %u mismatches\n", rows, skipped,
           ran, bad);
    CU_ASSERT(ran >= rows);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_simd_masked(void)
{
    run_all(0);
}

static void test_simd_unmasked(void)
{
    run_all(1);
}

/* Run bytes in tandem from a quiet state; returns the vector (-1: none). */
static int guest_try(const uint8_t *insn, unsigned len, uint32_t mxcsr, HState *out)
{
    static HState in;
    static uint8_t data[DATA_LEN], dout[DATA_LEN];
    memset(&in, 0, sizeof(in));
    memset(data, 0, sizeof(data));
    in.mxcsr = mxcsr;
    in.flags = 2;
    for (unsigned k = 0; k < 8; k++)
        in.mm[k] = 0x0101010101010101ull * k;
    return guest_run(&in, out, data, dout, insn, len);
}

/*
 * The state rules (the SDM's exception-condition tables for SSE, AVX and
 * MMX): CR0.EM and CR4.OSFXSR gate SSE with #UD, CR0.TS gives #NM, VEX
 * needs CR4.OSXSAVE and XCR0.SSE|AVX, unmasked SIMD exceptions are #XM
 * only with CR4.OSXMMEXCPT; MMX ignores OSFXSR, and moves the x87 to "all
 * registers in use, TOP = 0" until EMMS. Also: a vector store that
 * crosses into an unmapped page writes nothing.
 */
static void test_simd_state(void)
{
    static const uint8_t addps[] = { 0x0f, 0x58, 0xc1 };            /* addps xmm0, xmm1 */
    static const uint8_t divps[] = { 0x0f, 0x5e, 0xc0 };            /* divps xmm0, xmm0: 0/0 */
    static const uint8_t paddb[] = { 0x0f, 0xfc, 0xc1 };            /* paddb mm0, mm1 */
    static const uint8_t emms[] = { 0x0f, 0x77 };
    static const uint8_t vaddps[] = { 0xc5, 0xfc, 0x58, 0xc1 };      /* vaddps ymm0, ymm0, ymm1 */
    HState o;
    X86CPUState *s = &dv.state;

    CU_ASSERT_EQUAL(guest_try(addps, 3, 0x1f80, &o), -1);
    CU_ASSERT_EQUAL(guest_try(vaddps, 4, 0x1f80, &o), -1);
    guest_cr0_set = CR0_TS;
    CU_ASSERT_EQUAL(guest_try(addps, 3, 0x1f80, &o), 7);
    CU_ASSERT_EQUAL(guest_try(paddb, 3, 0x1f80, &o), 7);
    CU_ASSERT_EQUAL(guest_try(vaddps, 4, 0x1f80, &o), 7);
    guest_cr0_set = CR0_EM;
    CU_ASSERT_EQUAL(guest_try(addps, 3, 0x1f80, &o), 6);
    CU_ASSERT_EQUAL(guest_try(paddb, 3, 0x1f80, &o), 6);
    guest_cr0_set = 0;
    guest_cr4_clear = 1u << 9;                                      /* OSFXSR */
    CU_ASSERT_EQUAL(guest_try(addps, 3, 0x1f80, &o), 6);
    CU_ASSERT_EQUAL(guest_try(paddb, 3, 0x1f80, &o), -1);
    guest_cr4_clear = 1u << 18;                                     /* OSXSAVE */
    CU_ASSERT_EQUAL(guest_try(vaddps, 4, 0x1f80, &o), 6);
    CU_ASSERT_EQUAL(guest_try(addps, 3, 0x1f80, &o), -1);
    guest_cr4_clear = 0;
    guest_xcr0 = 3;                                                 /* no AVX state */
    CU_ASSERT_EQUAL(guest_try(vaddps, 4, 0x1f80, &o), 6);
    guest_xcr0 = 7;
    /* 0/0 with IM clear: #XM, or #UD without OSXMMEXCPT; IE set, xmm0 kept */
    CU_ASSERT_EQUAL(guest_try(divps, 3, 0x1f00, &o), 19);
    CU_ASSERT_EQUAL(o.mxcsr, 0x1f01);
    CU_ASSERT_EQUAL(o.y[0].q[0], 0);
    guest_cr4_clear = 1u << 10;
    CU_ASSERT_EQUAL(guest_try(divps, 3, 0x1f00, &o), 6);
    guest_cr4_clear = 0;
    /* MMX: TOP = 0, all tags non-empty; mm0 written: exponent all ones */
    CU_ASSERT_EQUAL(guest_try(paddb, 3, 0x1f80, &o), -1);
    CU_ASSERT_EQUAL(s->fpu.fsw & 0x3800, 0);
    CU_ASSERT_EQUAL(s->fpu.ftw & 3, 2);
    CU_ASSERT_NOT_EQUAL(s->fpu.ftw, 0xffff);
    CU_ASSERT_EQUAL(s->fpu.st[0].sign_exp, 0xffff);
    CU_ASSERT_EQUAL(o.mm[0], 0x0101010101010101ull);
    CU_ASSERT_EQUAL(guest_try(emms, 2, 0x1f80, &o), -1);
    CU_ASSERT_EQUAL(s->fpu.ftw, 0xffff);
    /* a pending unmasked x87 exception: MMX raises #MF first, SSE does not */
    guest_fcw = 0x37e;
    guest_fsw = 0x8081;                                             /* IE, ES, B */
    CU_ASSERT_EQUAL(guest_try(paddb, 3, 0x1f80, &o), 16);
    CU_ASSERT_EQUAL(guest_try(addps, 3, 0x1f80, &o), -1);
    guest_fcw = 0x37f;
    guest_fsw = 0;

    /* A 16-byte store crossing into an unmapped page: #PF, nothing written. */
    /* movups [rip+0xef1], xmm0 and vmovups [rip+0xee8], ymm0: at page offset 0xff8 / 0xff0 */
    static const uint8_t movups_st[] = { 0x0f, 0x11, 0x05, 0xf1, 0x0e, 0x00, 0x00 };
    static const uint8_t vmovups_st[] = { 0xc5, 0xfc, 0x11, 0x05, 0xe8, 0x0e, 0x00, 0x00 };
    memset(dram + GPAGE + 0xfe0, 0x5a, 0x20);
    CU_ASSERT_EQUAL(guest_try(movups_st, sizeof(movups_st), 0x1f80, &o), 14);
    CU_ASSERT_EQUAL(dram[GPAGE + 0xff8], 0x5a);
    CU_ASSERT_EQUAL(dram[GPAGE + 0xfff], 0x5a);
    CU_ASSERT_EQUAL(guest_try(vmovups_st, sizeof(vmovups_st), 0x1f80, &o), 14);   /* ymm: 0xff0 */
    CU_ASSERT_EQUAL(dram[GPAGE + 0xff0], 0x5a);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "masked", test_simd_masked },
        { "unmasked", test_simd_unmasked },
        { "state", test_simd_state },
        { NULL, NULL }
    };
    unit_add_suite("x86-simd-diff", simd_init, simd_clean, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Differential tester for the x87 (and the x87 part of FXSAVE/FXRSTOR):
 * every x87 encoding -- each ESC opcode with each register ModRM C0..FF and
 * each memory form -- runs natively on the host and in tandem's CPU from
 * the same x87 state, memory operand and flags, and the results must be
 * identical: ST(0..7) bits, the status word (C0-C3, exception flags, SF,
 * ES, TOP), the control and tag words, the arithmetic flags (FCOMI), AX
 * (FNSTSW AX) and the memory operand area. The instruction and data
 * pointers are compared too: the guest runs at the host page's virtual
 * address with the host's selectors.
 *
 * Host side: the instruction sits in an RWX page followed by RET; a small
 * trampoline loads the input with FRSTOR and the flags with POPF, calls it,
 * and stores the output with FNSAVE (non-waiting, so unmasked exceptions
 * never trap on the host). Guest side: the same bytes at the same virtual
 * address in a 64-bit guest, then HLT.
 *
 * Inputs: each register empty with probability 1/4 (stack overflow and
 * underflow), values from zeros, infinities, quiet and signalling NaNs,
 * denormals, pseudo-denormals, unnormals, pseudo-NaN/infinities,
 * integers, values near every precision's rounding boundary and random
 * ones; random rounding and precision control; exception masks mostly all
 * set, sometimes random (flags are only set where masked, so nothing is
 * pending when the instruction starts). TESTS_X87_DIFF_ITERS sets the
 * iterations per encoding (default: a quick pass).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/unit.h"
#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/fpu.h"
#include "softmmu/machine.h"
#include "softmmu/memory.h"
#include "softmmu/vcpu.h"

typedef struct __attribute__((packed)) Image {
    uint32_t fcw, fsw, ftw, fip, fcs_fop, fdp, fds;
    uint8_t st[8][10];
} Image;

#define PAGE_INSN 0x100
#define PAGE_DATA 0x800
#define DATA_LEN  0x200
#define GPAGE 0x10000
#define ARITH 0x8d5ull

static uint8_t *hpage;
static Machine dm;
static MachineConfig dcfg;
static Vcpu dv;
static uint8_t *dram;

typedef struct Run {
    Image img;
    uint64_t rax, flags;
    uint8_t mem[DATA_LEN];
} Run;

/* ---- host ---- */

static void host_run(const Run *in, Run *out)
{
    *out = *in;
    memcpy(hpage + PAGE_DATA, in->mem, DATA_LEN);
    uint32_t mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile(
        "sub $128, %%rsp\n\t"
        "pushfq\n\t"
        "pop %%r8\n\t"
        "and $~0x8d5, %%r8\n\t"
        "mov (%[fl]), %%r9\n\t"
        "and $0x8d5, %%r9d\n\t"
        "or %%r9, %%r8\n\t"
        "frstor (%[img])\n\t"
        "mov (%[rax]), %%rax\n\t"
        "push %%r8\n\t"
        "popfq\n\t"
        "call *%[code]\n\t"
        "pushfq\n\t"
        "pop %%r8\n\t"
        "mov %%r8, (%[fl])\n\t"
        "mov %%rax, (%[rax])\n\t"
        "fnsave (%[img])\n\t"
        "add $128, %%rsp\n\t"
        :
        : [img] "r"(&out->img), [rax] "r"(&out->rax), [fl] "r"(&out->flags),
          [code] "r"(hpage + PAGE_INSN)
        : "rax", "r8", "r9", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
          "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
          "xmm14", "xmm15");
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    memcpy(out->mem, hpage + PAGE_DATA, DATA_LEN);
}

/* ---- tandem ---- */

static int fdiff_init(void)
{
    return x86_diff_init(&dm, &dcfg, &dv, &dram, &hpage, GPAGE);
}

static int fdiff_clean(void)
{
    x86_diff_clean(&dm, &dv, hpage);
    return 0;
}

static void place(const uint8_t *insn, unsigned len)
{
    memcpy(hpage + PAGE_INSN, insn, len);
    hpage[PAGE_INSN + len] = 0xc3;                              /* ret */
    __builtin___clear_cache((char *)hpage, (char *)hpage + 4096);
    memcpy(dram + GPAGE + PAGE_INSN, insn, len);
    dram[GPAGE + PAGE_INSN + len] = 0xf4;                       /* hlt */
    accel_tcg_ops.invalidate_code(&dm, GPAGE + PAGE_INSN, len + 1);
}

static uint16_t host_sel(const char *which)
{
    uint16_t v = 0;
    if (!strcmp(which, "cs"))
        __asm__ volatile("mov %%cs, %0" : "=r"(v));
    else
        __asm__ volatile("mov %%ds, %0" : "=r"(v));
    return v;
}

static unsigned tag_of(const uint8_t *r)
{
    uint64_t mant;
    uint16_t se;
    memcpy(&mant, r, 8);
    memcpy(&se, r + 8, 2);
    unsigned exp = se & 0x7fff;
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return mant ? 2 : 1;
    return (mant >> 63) ? 0 : 2;
}

static bool guest_run(const Run *in, Run *out)
{
    X86CPUState *s = &dv.state;
    X87State *f = &s->fpu;
    s->cr3 = 0x20000;
    s->cr4 = (1u << 5) | (1u << 9);
    s->msr.efer = EFER_LME | EFER_LMA;
    s->cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE | CR0_MP;
    s->segs[SEG_CS] = (SegmentCache){ host_sel("cs"),
                                      SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_L | SEG_ATTR_G,
                                      0xffffffff, 0 };
    SegmentCache data = { host_sel("ds"), SEG_ATTR_P | SEG_ATTR_S | 0x3 | SEG_ATTR_DB | SEG_ATTR_G,
                          0xffffffff, 0 };
    s->segs[SEG_SS] = s->segs[SEG_DS] = s->segs[SEG_ES] = data;
    s->idt.limit = 0;
    s->regs[R_EAX] = in->rax;
    s->rflags = (in->flags & ARITH) | 2;
    s->rip = (uint64_t)(uintptr_t)hpage + PAGE_INSN;
    s->halted = false;
    /* x87 state from the image (tags: only empty / not empty matter) */
    unsigned top = (in->img.fsw >> 11) & 7;
    f->fcw = (uint16_t)in->img.fcw;
    f->fsw = (uint16_t)in->img.fsw;
    f->fip = in->img.fip;
    f->fcs = (uint16_t)in->img.fcs_fop;
    f->fop = (in->img.fcs_fop >> 16) & 0x7ff;
    f->fdp = in->img.fdp;
    f->fds = (uint16_t)in->img.fds;
    f->ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned p = (top + i) & 7;
        memcpy(&f->st[p].mant, in->img.st[i], 8);
        memcpy(&f->st[p].sign_exp, in->img.st[i] + 8, 2);
    }
    for (unsigned p = 0; p < 8; p++) {
        unsigned t = ((in->img.ftw >> (2 * p)) & 3) == 3 ? 3 : tag_of(in->img.st[(p - top) & 7]);
        f->ftw |= (uint16_t)(t << (2 * p));
    }
    memcpy(dram + GPAGE + PAGE_DATA, in->mem, DATA_LEN);
    accel_tcg_ops.state_changed(&dv);
    VcpuExit e = accel_tcg_ops.vcpu_run(&dv);

    *out = *in;
    top = (f->fsw >> 11) & 7;
    out->img.fcw = 0xffff0000u | f->fcw;
    out->img.fsw = 0xffff0000u | f->fsw;
    out->img.ftw = 0xffff0000u | f->ftw;
    out->img.fip = (uint32_t)f->fip;
    out->img.fcs_fop = f->fcs | ((uint32_t)f->fop << 16);
    out->img.fdp = (uint32_t)f->fdp;
    out->img.fds = 0xffff0000u | f->fds;
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &f->st[(top + i) & 7];
        memcpy(out->img.st[i], &r->mant, 8);
        memcpy(out->img.st[i] + 8, &r->sign_exp, 2);
    }
    out->rax = s->regs[R_EAX];
    out->flags = s->rflags;
    memcpy(out->mem, dram + GPAGE + PAGE_DATA, DATA_LEN);
    return e == VCPU_EXIT_HALT;
}

/* ---- inputs ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void) { return x86_diff_xorshift(&rng); }

static void rnd_ext(uint8_t *r)
{
    uint64_t m = rnd();
    uint16_t se = 0;
    unsigned sign = (rnd() & 1) << 15;
    switch (rnd() % 16) {
    case 0: m = 0; se = 0; break;                                   /* zero */
    case 1: m = 1ull << 63; se = 0x7fff; break;                     /* infinity */
    case 2: m = (3ull << 62) | (rnd() >> 2 & (rnd() & 1 ? ~0ull : 0)); se = 0x7fff; break; /* QNaN */
    case 3: m = (1ull << 63) | (rnd() >> 3) | 1; se = 0x7fff; break; /* SNaN */
    case 4: m >>= 1 + rnd() % 63; se = 0; break;                    /* denormal */
    case 5: m |= 1ull << 63; se = 0; break;                         /* pseudo-denormal */
    case 6: m >>= 1; se = (uint16_t)(1 + rnd() % 0x7ffe); break;    /* unnormal */
    case 7: m >>= 1; se = 0x7fff; break;                            /* pseudo-NaN/inf */
    case 8: {                                                       /* small integer */
        long double v = (long double)(int64_t)(rnd() % 20001) - 10000;
        memcpy(r, &v, 10);
        return;
    }
    case 9: {                                                       /* rounding boundaries */
        static const unsigned cut[] = { 24, 53, 64 };
        unsigned c = cut[rnd() % 3];
        m = (1ull << 63) | (rnd() & ((1ull << (64 - c)) - 1) << 0);
        if (c < 64 && (rnd() & 1))
            m |= 1ull << (63 - c);                                  /* exactly half */
        if (c < 64)
            m = (m & ~((1ull << (63 - c)) - 1)) | (rnd() % 3 == 0 ? 0 : (m & ((1ull << (63 - c)) - 1)));
        se = (uint16_t)(0x3fff - 8 + rnd() % 16);
        break;
    }
    case 10: m |= 1ull << 63; se = (uint16_t)(rnd() % 3 ? 1 + rnd() % 80 : 0x7ffe - rnd() % 80); break;
    case 11: m |= 1ull << 63; se = (uint16_t)(0x3fff - 64 + rnd() % 192); break;
    default: m |= 1ull << 63; se = (uint16_t)(0x3fff - 20 + rnd() % 40); break;
    }
    se |= (uint16_t)sign;
    memcpy(r, &m, 8);
    memcpy(r + 8, &se, 2);
}

/* A memory operand for (esc, reg): floats, integers, BCD or raw bytes. */
static void rnd_mem(uint8_t *p, unsigned esc, unsigned reg)
{
    for (unsigned k = 0; k < DATA_LEN; k++)
        p[k] = (uint8_t)rnd();
    uint8_t e[10];
    rnd_ext(e);
    long double ld;
    memcpy(&ld, e, 10);
    bool fp32 = esc == 0 || (esc == 1 && reg == 0);
    bool fp64 = esc == 4 || (esc == 5 && reg == 0);
    if ((fp32 || fp64) && rnd() % 4) {
        /* convert a special-ish value, or keep the raw random bits */
        if (fp32) {
            float v = (float)ld;
            if (rnd() % 3 == 0) {
                uint32_t b = (uint32_t)rnd();
                static const uint32_t sp[] = { 0, 0x80000000u, 0x7f800000u, 0xff800000u,
                                               0x7fc00001u, 0x7f800001u, 0x00000001u, 0x807fffffu };
                b = sp[b % 8];
                memcpy(&v, &b, 4);
            }
            memcpy(p, &v, 4);
        } else {
            double v = (double)ld;
            if (rnd() % 3 == 0) {
                static const uint64_t sp[] = { 0, 1ull << 63, 0x7ff0000000000000ull,
                                               0x7ff8000000000001ull, 0x7ff0000000000001ull,
                                               1, 0x000fffffffffffffull };
                uint64_t b = sp[rnd() % 7];
                memcpy(&v, &b, 8);
            }
            memcpy(p, &v, 8);
        }
    } else if (esc == 3 && reg == 5) {
        memcpy(p, e, 10);
    } else if (esc == 7 && reg == 4) {
        for (unsigned k = 0; k < 9; k++) {                          /* BCD, sometimes invalid */
            unsigned lo = (unsigned)(rnd() % (rnd() % 8 ? 10 : 16));
            unsigned hi = (unsigned)(rnd() % (rnd() % 8 ? 10 : 16));
            p[k] = (uint8_t)(lo | hi << 4);
        }
        p[9] = (uint8_t)(rnd() & 1 ? 0x80 : 0) | (uint8_t)(rnd() % 8 ? 0 : rnd() & 0x7f);
    } else if (rnd() % 2) {
        int64_t v = (int64_t)(rnd() % 2001) - 1000;
        memcpy(p, &v, 8);
    }
}

static void rnd_state(Image *img, unsigned esc, unsigned reg, bool mem)
{
    static const unsigned pcs[] = { 0, 2, 3, 3, 3 };
    unsigned masks = rnd() % 4 ? 0x3f : (unsigned)(rnd() & 0x3f);
    unsigned fcw = 0x40 | masks | (pcs[rnd() % 5] << 8) | ((unsigned)(rnd() % 4) << 10);
    if (rnd() % 8 == 0)
        fcw |= 0x1000;                                              /* infinity control bit */
    unsigned flags = (unsigned)(rnd() & 0x7f) & (masks | 0x40);
    if (!(masks & 1))
        flags &= ~0x40u;                                            /* SF goes with IE */
    unsigned top = (unsigned)(rnd() % 8);
    unsigned cc = (unsigned)(rnd() & 0x4700);
    memset(img, 0, sizeof(*img));
    img->fcw = 0xffff0000u | fcw;
    img->fsw = 0xffff0000u | flags | cc | (top << 11);
    img->ftw = 0xffff0000u;
    unsigned empty_odds = rnd() % 3 == 0 ? 2 : 5;
    for (unsigned p = 0; p < 8; p++)
        if (rnd() % empty_odds == 0)
            img->ftw |= 3u << (2 * p);
    for (unsigned i = 0; i < 8; i++)
        rnd_ext(img->st[i]);
    img->fip = (uint32_t)rnd();
    img->fcs_fop = (uint32_t)rnd() & 0x07ffffff;
    img->fdp = (uint32_t)rnd();
    img->fds = 0xffff0000u | (uint16_t)rnd();
    (void)esc; (void)reg; (void)mem;
}

/* ---- encodings ---- */

static bool reg_form_valid(unsigned esc, unsigned m)
{
    switch (esc) {
    case 1:
        if (m >= 0xd1 && m <= 0xd7) return false;
        if (m == 0xe2 || m == 0xe3 || m == 0xe6 || m == 0xe7 || m == 0xef) return false;
        return true;
    case 2: return m < 0xe0 || m == 0xe9;
    case 3: return m < 0xe5 || (m >= 0xe8 && m < 0xf8);
    case 5: return m < 0xf0;
    case 6: return (m & 0xf8) != 0xd8 || m == 0xd9;
    case 7: return m < 0xe1 || (m >= 0xe8 && m < 0xf8);
    default: return true;
    }
}

static bool mem_form_valid(unsigned esc, unsigned reg)
{
    return !((esc == 1 && reg == 1) || (esc == 3 && (reg == 4 || reg == 6)) ||
             (esc == 5 && reg == 5));
}

static unsigned printed;

/* Mismatches shown in full (TESTS_X87_DIFF_SHOW, default 12). */
static unsigned show_max(void)
{
    const char *env = getenv("TESTS_X87_DIFF_SHOW");
    return env ? (unsigned)strtoul(env, NULL, 0) : 12;
}

static bool same(const Run *h, const Run *g, bool ax, bool fl)
{
    if (memcmp(&h->img, &g->img, sizeof(h->img)))
        return false;
    if (ax && (uint16_t)h->rax != (uint16_t)g->rax)
        return false;
    if (fl && ((h->flags ^ g->flags) & ARITH))
        return false;
    return !memcmp(h->mem, g->mem, DATA_LEN);
}

static void dump(const char *what, const Run *r)
{
    printf("  %-6s cw=%04x sw=%04x tw=%04x ip=%08x cs/op=%08x dp=%08x ds=%04x ax=%04x fl=%03llx\n",
           what, (uint16_t)r->img.fcw, (uint16_t)r->img.fsw, (uint16_t)r->img.ftw, r->img.fip,
           r->img.fcs_fop, r->img.fdp, (uint16_t)r->img.fds, (uint16_t)r->rax,
           (unsigned long long)(r->flags & ARITH));
    for (unsigned i = 0; i < 8; i++) {
        uint64_t m;
        uint16_t se;
        memcpy(&m, r->img.st[i], 8);
        memcpy(&se, r->img.st[i] + 8, 2);
        printf("   st%u=%04x.%016llx", i, se, (unsigned long long)m);
        if (i % 3 == 2) printf("\n");
    }
    printf("\n   mem:");
    for (unsigned k = 0; k < 16; k++)
        printf(" %02x", r->mem[k]);
    printf("\n");
}

static void run_one(const uint8_t *insn, unsigned n, unsigned esc, unsigned reg, bool mem,
                    unsigned *ran, unsigned *bad)
{
    Run in, h, g;
    rnd_state(&in.img, esc, reg, mem);
    rnd_mem(in.mem, esc, reg);
    in.rax = rnd();
    in.flags = rnd() & ARITH;
    if (mem && esc == 1 && reg == 4)                /* FLDENV: a plausible environment */
        memcpy(in.mem, &in.img, 28), in.img.fcw |= 0x3f;
    if (mem && esc == 5 && reg == 4) {              /* FRSTOR */
        Image other;
        rnd_state(&other, esc, reg, mem);
        memcpy(in.mem, &other, sizeof(other));
    }
    host_run(&in, &h);
    bool ok = guest_run(&in, &g);
    (*ran)++;
    bool ax = esc == 7 && !mem && insn[1] == 0xe0;
    bool fl = (esc == 3 || esc == 7) && !mem && insn[1] >= 0xe8 && insn[1] <= 0xf7;
    if (ok && same(&h, &g, ax, fl))
        return;
    /* A host context switch between the instruction and FNSAVE can lose
     * FIP/FDP (AMD's XSAVE skips them without a pending exception): the
     * host runs again before a mismatch counts. */
    host_run(&in, &h);
    if (ok && same(&h, &g, ax, fl))
        return;
    (*bad)++;
    if (printed++ < show_max()) {
        printf("\nMISMATCH%s bytes:", ok ? "" : " [guest fault]");
        for (unsigned k = 0; k < n; k++)
            printf(" %02x", insn[k]);
        printf("\n");
        dump("in", &in);
        dump("host", &h);
        dump("tandem", &g);
    }
}

static unsigned iters_from_env(unsigned dflt)
{
    const char *env = getenv("TESTS_X87_DIFF_ITERS");
    return env ? (unsigned)strtoul(env, NULL, 0) : dflt;
}

static void test_x87_register_forms(void)
{
    unsigned iters = iters_from_env(24), ran = 0, bad = 0, forms = 0;
    for (unsigned esc = 0; esc < 8; esc++)
        for (unsigned m = 0xc0; m <= 0xff; m++) {
            if (!reg_form_valid(esc, m) || !x86_fpu_exec_supported(esc * 64 + (m & 63)))
                continue;
            uint8_t insn[2] = { (uint8_t)(0xd8 + esc), (uint8_t)m };
            place(insn, 2);
            forms++;
            for (unsigned it = 0; it < iters; it++)
                run_one(insn, 2, esc, (m >> 3) & 7, false, &ran, &bad);
        }
    printf("\n  x87 register forms: %u encodings, %u runs, %u mismatches\n", forms, ran, bad);
    CU_ASSERT(forms > 400 || !x86_fpu_exec_supported(X87_SLOT_MEM + 8 * 2));
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_x87_memory_forms(void)
{
    unsigned iters = iters_from_env(24) * 8, ran = 0, bad = 0, forms = 0;
    for (unsigned esc = 0; esc < 8; esc++)
        for (unsigned reg = 0; reg < 8; reg++) {
            if (!mem_form_valid(esc, reg) || !x86_fpu_exec_supported(X87_SLOT_MEM + esc * 8 + reg))
                continue;
            /* ESC [rip + disp32] -> PAGE_DATA */
            uint8_t insn[6] = { (uint8_t)(0xd8 + esc), (uint8_t)(0x05 | reg << 3) };
            int32_t disp = (int32_t)(PAGE_DATA - (PAGE_INSN + 6));
            memcpy(insn + 2, &disp, 4);
            place(insn, 6);
            forms++;
            for (unsigned it = 0; it < iters; it++)
                run_one(insn, 6, esc, reg, true, &ran, &bad);
        }
    printf("\n  x87 memory forms: %u encodings, %u runs, %u mismatches\n", forms, ran, bad);
    CU_ASSERT(forms >= 60 || !x86_fpu_exec_supported(X87_SLOT_MEM + 8 * 2));
    CU_ASSERT_EQUAL(bad, 0);
}

/* FNSTENV with a 16-bit operand size and FXSAVE/FXRSTOR (x87 part). */
static void test_x87_state_forms(void)
{
    static const struct { uint8_t b[8]; unsigned n; } enc[] = {
        { { 0x66, 0xd9, 0x35 }, 3 },            /* fnstenv m14 */
        { { 0x66, 0xdd, 0x35 }, 3 },            /* fnsave m94 */
        { { 0x66, 0xd9, 0x25 }, 3 },            /* fldenv m14 */
        { { 0x66, 0xdd, 0x25 }, 3 },            /* frstor m94 */
        { { 0x0f, 0xae, 0x05 }, 3 },            /* fxsave */
        { { 0x48, 0x0f, 0xae, 0x05 }, 4 },      /* fxsave64 */
        { { 0x0f, 0xae, 0x0d }, 3 },            /* fxrstor */
        { { 0x48, 0x0f, 0xae, 0x0d }, 4 },      /* fxrstor64 */
    };
    unsigned iters = iters_from_env(24) * 8, ran = 0, bad = 0;
    for (unsigned e = 0; e < sizeof(enc) / sizeof(enc[0]); e++) {
        uint8_t insn[12];
        unsigned n = enc[e].n + 4;
        memcpy(insn, enc[e].b, enc[e].n);
        int32_t disp = (int32_t)(PAGE_DATA - (PAGE_INSN + n));
        memcpy(insn + enc[e].n, &disp, 4);
        place(insn, n);
        bool fx = enc[e].b[enc[e].n - 2] == 0xae;
        bool restore = fx ? (enc[e].b[enc[e].n - 1] & 0x38) == 0x08 : (enc[e].b[2] & 0x38) == 0x20;
        for (unsigned it = 0; it < iters; it++) {
            Run in, h, g;
            rnd_state(&in.img, 0, 0, true);
            rnd_mem(in.mem, 0, 0);
            in.rax = 0;
            in.flags = 0;
            if (restore) {
                Image other;
                rnd_state(&other, 0, 0, true);
                if (fx) {
                    /* an FXSAVE image of 'other' */
                    memset(in.mem, 0, 160);
                    memcpy(in.mem + 0, &other.fcw, 2);
                    memcpy(in.mem + 2, &other.fsw, 2);
                    unsigned top = (other.fsw >> 11) & 7;
                    for (unsigned p = 0; p < 8; p++)
                        if (((other.ftw >> (2 * p)) & 3) != 3)
                            in.mem[4] |= (uint8_t)(1u << p);
                    memcpy(in.mem + 8, &other.fip, 4);
                    memcpy(in.mem + 16, &other.fdp, 4);
                    uint32_t mx = 0x1f80;
                    memcpy(in.mem + 24, &mx, 4);
                    for (unsigned i = 0; i < 8; i++)
                        memcpy(in.mem + 32 + 16 * i, other.st[i], 10);
                    (void)top;
                } else {
                    uint16_t w[7] = { (uint16_t)other.fcw, (uint16_t)other.fsw, (uint16_t)other.ftw,
                                      (uint16_t)other.fip, (uint16_t)other.fcs_fop,
                                      (uint16_t)other.fdp, (uint16_t)other.fds };
                    memcpy(in.mem, w, 14);
                    memcpy(in.mem + 14, other.st, 80);
                }
            }
            bool ok = guest_run(&in, &g);
            ran++;
            for (unsigned tries = 0; tries < 2; tries++) {
                host_run(&in, &h);
                if (fx) {
                    /* compare the x87 part only: host XMM and MXCSR_MASK differ */
                    memcpy(h.mem + 24, g.mem + 24, 8);
                    memcpy(h.mem + 160, g.mem + 160, DATA_LEN - 160);
                    /* AMD's FXSAVE leaves FOP/FIP/FDP out without a pending
                     * exception (APM); tandem saves them, as Intel does */
                    static const uint8_t zero[18];
                    if (!restore && !(h.mem[2] & 0x80) && !memcmp(h.mem + 6, zero, 18))
                        memcpy(h.mem + 6, g.mem + 6, 18);
                }
                if (same(&h, &g, false, false))
                    break;
            }
            if (ok && same(&h, &g, false, false))
                continue;
            bad++;
            if (printed++ < 12) {
                printf("\nMISMATCH%s state form %u\n", ok ? "" : " [guest fault]", e);
                fflush(stdout);
                dump("in", &in);
                dump("host", &h);
                dump("tandem", &g);
                for (unsigned k = 0; k < 32; k++)
                    printf("%02x%s", h.mem[k], k % 16 == 15 ? "  host\n" : " ");
                for (unsigned k = 0; k < 32; k++)
                    printf("%02x%s", g.mem[k], k % 16 == 15 ? "  tandem\n" : " ");
            }
        }
    }
    printf("\n  x87 state forms: %u encodings, %u runs, %u mismatches\n",
           (unsigned)(sizeof(enc) / sizeof(enc[0])), ran, bad);
    CU_ASSERT_EQUAL(bad, 0);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "x87-register-forms", test_x87_register_forms },
        { "x87-memory-forms", test_x87_memory_forms },
        { "x87-state-forms", test_x87_state_forms },
        { NULL, NULL }
    };
    unit_add_suite("x86-fpu-diff", fdiff_init, fdiff_clean, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * The FXSAVE image <-> X86CPUState pair (cpu/x86/fxsave.h) that the CPU's
 * FXSAVE/FXRSTOR/XSAVE/XRSTOR and the kvm engine's register sync share:
 * known bytes for a known state in the 64- and 32-bit formats, round trips
 * image -> state -> image, and the decisions the two old copies disagreed
 * on (SDM vol. 1 10.5.1): tags computed from the abridged word and the
 * registers' contents, FCW/FOP/MXCSR bits that do not exist dropped on
 * load, FCS/FDS only in the 32-bit format, MXCSR_MASK never written, and
 * XMM registers beyond nxmm left alone in both directions; and the AVX
 * component pair beside it.
 */
#include <string.h>

#include "cpu/x86/fpu.h"
#include "cpu/x86/fxsave.h"
#include "tests/unit/unit.h"

/* Tags of the state below, R7..R0: special, zero, valid, empty x3, special x2. */
#define RICH_FTW 0x93fa
#define RICH_ABRIDGED 0xe3

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t ld16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static bool all_bytes(const uint8_t *p, unsigned n, uint8_t b)
{
    for (unsigned k = 0; k < n; k++)
        if (p[k] != b)
            return false;
    return true;
}

static void set_reg(X87Reg *r, uint16_t sign_exp, uint64_t mant)
{
    r->sign_exp = sign_exp;
    r->mant = mant;
}

/* TOP = 5: ST(0) = R5 ... ST(3) = R0, one register of every tag kind. */
static void rich_state(X86CPUState *s)
{
    memset(s, 0, sizeof(*s));
    X87State *f = &s->fpu;
    f->fcw = 0x0b7a;                                    /* RC down, ZE unmasked */
    f->fsw = (5u << 11) | FSW_C1 | FSW_PE;
    set_reg(&f->st[5], 0x3fff, 0x8000000000000000ull);  /* 1.0: valid */
    set_reg(&f->st[6], 0x8000, 0);                      /* -0.0: zero */
    set_reg(&f->st[7], 0x7fff, 0xc000000000000000ull);  /* QNaN: special */
    set_reg(&f->st[0], 0x0000, 1);                      /* denormal: special */
    set_reg(&f->st[1], 0x1234, 0x4000000000000000ull);  /* unnormal: special */
    set_reg(&f->st[2], 0x3fff, 0x8000000000000000ull);  /* empty, whatever it holds */
    set_reg(&f->st[3], 0x4000, 0xc90fdaa22168c235ull);
    set_reg(&f->st[4], 0x1111, 0x2222);
    f->ftw = RICH_FTW;
    f->fop = 0x5d9;
    f->fip = 0x123456789abcdef0ull;
    f->fdp = 0x0fedcba987654321ull;
    f->fcs = 0x1b;
    f->fds = 0x23;
    s->mxcsr = 0x1f80 | 0x8000 | 0x40 | 0x1;            /* FZ, DAZ, IE */
    for (unsigned k = 0; k < 16; k++) {
        memset(s->xmm[k].b, 0x10 + k, 16);
        memset(s->xmm[k].b + 16, 0xee, 16);             /* upper halves: not ours */
    }
}

static void check_st_slot(const uint8_t *img, unsigned i, const X87Reg *r)
{
    const uint8_t *slot = img + 32 + 16 * i;
    CU_ASSERT_EQUAL(ld64(slot), r->mant);
    CU_ASSERT_EQUAL(ld16(slot + 8), r->sign_exp);
    CU_ASSERT(all_bytes(slot + 10, 6, 0));
}

static void test_store_known_64(void)
{
    X86CPUState s;
    uint8_t img[X86_FX_SIZE];
    rich_state(&s);
    memset(img, 0xcc, sizeof(img));
    x86_fx_store(&s, img, X86_FX_ALL, true, 16);

    CU_ASSERT_EQUAL(ld16(img + 0), 0x0b7a);
    CU_ASSERT_EQUAL(ld16(img + 2), (5u << 11) | FSW_C1 | FSW_PE);
    CU_ASSERT_EQUAL(img[4], RICH_ABRIDGED);
    CU_ASSERT_EQUAL(img[5], 0);
    CU_ASSERT_EQUAL(ld16(img + 6), 0x5d9);
    CU_ASSERT_EQUAL(ld64(img + 8), 0x123456789abcdef0ull);     /* no FCS in this format */
    CU_ASSERT_EQUAL(ld64(img + 16), 0x0fedcba987654321ull);
    CU_ASSERT_EQUAL(ld32(img + 24), 0x9fc1);
    CU_ASSERT(all_bytes(img + 28, 4, 0xcc));                   /* MXCSR_MASK: the caller's */
    for (unsigned i = 0; i < 8; i++)
        check_st_slot(img, i, &s.fpu.st[(5 + i) & 7]);
    CU_ASSERT(all_bytes(img + 160, 16, 0x10));
    CU_ASSERT(all_bytes(img + 160 + 16 * 15, 16, 0x1f));
    CU_ASSERT(all_bytes(img + 416, 96, 0xcc));                 /* the reserved tail */
}

static void test_store_known_32(void)
{
    X86CPUState s;
    uint8_t img[X86_FX_SIZE];
    rich_state(&s);
    memset(img, 0xcc, sizeof(img));
    x86_fx_store(&s, img, X86_FX_ALL, false, 8);

    CU_ASSERT_EQUAL(ld32(img + 8), 0x9abcdef0u);
    CU_ASSERT_EQUAL(ld16(img + 12), 0x1b);
    CU_ASSERT_EQUAL(ld16(img + 14), 0);
    CU_ASSERT_EQUAL(ld32(img + 16), 0x87654321u);
    CU_ASSERT_EQUAL(ld16(img + 20), 0x23);
    CU_ASSERT_EQUAL(ld16(img + 22), 0);
    CU_ASSERT_EQUAL(img[4], RICH_ABRIDGED);
    CU_ASSERT(all_bytes(img + 160 + 16 * 7, 16, 0x17));
    CU_ASSERT(all_bytes(img + 288, X86_FX_SIZE - 288, 0xcc)); /* XMM8-15 not written */
}

/* image -> state -> image gives the same bytes; the state is the original. */
static void round_trip(bool w64)
{
    X86CPUState s, t;
    uint8_t img[X86_FX_SIZE], again[X86_FX_SIZE];
    unsigned nxmm = w64 ? 16 : 8;
    rich_state(&s);
    memset(img, 0, sizeof(img));
    x86_fx_store(&s, img, X86_FX_ALL, w64, nxmm);

    memset(&t, 0x5a, sizeof(t));
    x86_fx_load(&t, img, X86_FX_ALL, w64, nxmm);
    CU_ASSERT_EQUAL(t.fpu.fcw, s.fpu.fcw);
    CU_ASSERT_EQUAL(t.fpu.fsw, s.fpu.fsw);
    CU_ASSERT_EQUAL(t.fpu.ftw, RICH_FTW);                      /* computed back from 0xe3 */
    CU_ASSERT_EQUAL(t.fpu.fop, 0x5d9);
    CU_ASSERT_EQUAL(t.fpu.fip, w64 ? s.fpu.fip : 0x9abcdef0u);
    CU_ASSERT_EQUAL(t.fpu.fdp, w64 ? s.fpu.fdp : 0x87654321u);
    CU_ASSERT_EQUAL(t.fpu.fcs, w64 ? 0 : 0x1b);
    CU_ASSERT_EQUAL(t.fpu.fds, w64 ? 0 : 0x23);
    for (unsigned p = 0; p < 8; p++) {
        CU_ASSERT_EQUAL(t.fpu.st[p].mant, s.fpu.st[p].mant);
        CU_ASSERT_EQUAL(t.fpu.st[p].sign_exp, s.fpu.st[p].sign_exp);
    }
    CU_ASSERT_EQUAL(t.mxcsr, s.mxcsr);
    for (unsigned k = 0; k < 16; k++) {
        bool in_image = k < nxmm;
        CU_ASSERT(in_image ? memcmp(t.xmm[k].b, s.xmm[k].b, 16) == 0
                           : all_bytes(t.xmm[k].b, 16, 0x5a));  /* not in the image */
        CU_ASSERT(all_bytes(t.xmm[k].b + 16, 16, 0x5a));        /* upper halves untouched */
    }

    memset(again, 0, sizeof(again));
    x86_fx_store(&t, again, X86_FX_ALL, w64, nxmm);
    CU_ASSERT(memcmp(img, again, sizeof(img)) == 0);
}

static void test_round_trip_64(void)
{
    round_trip(true);
}

static void test_round_trip_32(void)
{
    round_trip(false);
}

/*
 * A load keeps X87State's invariants whatever the image says: only the
 * abridged tag bits count (a full tag word's "valid" for a zero becomes
 * "zero"), FCW's missing bits read as the hardware has them, FOP is 11
 * bits, MXCSR keeps only bits that exist; FSW is the image's, ES included.
 */
static void test_load_normalises(void)
{
    X86CPUState s;
    uint8_t img[X86_FX_SIZE];
    memset(&s, 0, sizeof(s));
    memset(img, 0, sizeof(img));
    uint16_t fcw = 0xffff, fsw = (2u << 11) | FSW_ES | FSW_B, fop = 0xffff;
    uint32_t mx = 0xffffffffu;
    memcpy(img + 0, &fcw, 2);
    memcpy(img + 2, &fsw, 2);
    img[4] = 0x0c;                                  /* R2, R3 in use */
    img[5] = 0xff;                                  /* reserved: ignored */
    memcpy(img + 6, &fop, 2);
    memcpy(img + 24, &mx, 4);
    /* ST(0) = R2 = +0.0, ST(1) = R3 = infinity */
    uint64_t inf = 0x8000000000000000ull;
    uint16_t inf_se = 0x7fff;
    memcpy(img + 48, &inf, 8);
    memcpy(img + 56, &inf_se, 2);
    s.fpu.fcs = s.fpu.fds = 0x33;
    x86_fx_load(&s, img, X86_FX_X87 | X86_FX_MXCSR, true, 0);

    CU_ASSERT_EQUAL(s.fpu.fcw, 0x1f7f);
    CU_ASSERT_EQUAL(s.fpu.fop, 0x7ff);
    CU_ASSERT_EQUAL(s.fpu.fsw, fsw);                /* ES/B: the caller recomputes them */
    CU_ASSERT_EQUAL(s.fpu.ftw, 0xff9f);                /* R2 zero, R3 special */
    CU_ASSERT_EQUAL(s.fpu.fcs, 0);
    CU_ASSERT_EQUAL(s.fpu.fds, 0);
    CU_ASSERT_EQUAL(s.mxcsr, X86_MXCSR_MASK);
}

/* Parts convert alone; nothing outside them is read or written. */
static void test_parts(void)
{
    X86CPUState s, t;
    uint8_t img[X86_FX_SIZE];
    rich_state(&s);

    memset(img, 0xcc, sizeof(img));
    x86_fx_store(&s, img, X86_FX_X87, true, 16);
    CU_ASSERT_EQUAL(img[4], RICH_ABRIDGED);
    CU_ASSERT(all_bytes(img + 24, 8, 0xcc));
    CU_ASSERT(all_bytes(img + 160, 352, 0xcc));

    memset(img, 0xcc, sizeof(img));
    x86_fx_store(&s, img, X86_FX_MXCSR | X86_FX_XMM, true, 8);
    CU_ASSERT(all_bytes(img, 24, 0xcc));
    CU_ASSERT_EQUAL(ld32(img + 24), 0x9fc1);
    CU_ASSERT(all_bytes(img + 32, 128, 0xcc));
    CU_ASSERT(all_bytes(img + 160 + 16 * 3, 16, 0x13));
    CU_ASSERT(all_bytes(img + 160 + 16 * 8, 16, 0xcc));

    rich_state(&t);
    memset(img, 0x77, sizeof(img));
    x86_fx_load(&t, img, X86_FX_XMM, false, 8);
    CU_ASSERT(all_bytes(t.xmm[7].b, 16, 0x77));
    CU_ASSERT(all_bytes(t.xmm[8].b, 16, 0x18));
    CU_ASSERT(memcmp(&t.fpu, &s.fpu, sizeof(s.fpu)) == 0);
    CU_ASSERT_EQUAL(t.mxcsr, s.mxcsr);
}

/* The AVX component: upper halves only, n registers, NULL = initial (zeros). */
static void test_avx_component(void)
{
    X86CPUState s, t;
    uint8_t comp[256 + 16];
    rich_state(&s);
    for (unsigned k = 0; k < 16; k++)
        memset(s.xmm[k].b + 16, 0x80 + k, 16);
    memset(comp, 0xcc, sizeof(comp));
    x86_xsave_avx_store(&s, comp, 8);
    CU_ASSERT(all_bytes(comp, 16, 0x80));
    CU_ASSERT(all_bytes(comp + 16 * 7, 16, 0x87));
    CU_ASSERT(all_bytes(comp + 16 * 8, sizeof(comp) - 128, 0xcc));
    x86_xsave_avx_store(&s, comp, 16);
    CU_ASSERT(all_bytes(comp + 16 * 15, 16, 0x8f));
    CU_ASSERT(all_bytes(comp + 256, 16, 0xcc));

    rich_state(&t);
    x86_xsave_avx_load(&t, comp, 16);
    for (unsigned k = 0; k < 16; k++)
        CU_ASSERT(memcmp(t.xmm[k].b, s.xmm[k].b, 32) == 0);   /* low halves kept */
    x86_xsave_avx_load(&t, NULL, 8);
    CU_ASSERT(all_bytes(t.xmm[7].b + 16, 16, 0));
    CU_ASSERT(all_bytes(t.xmm[7].b, 16, 0x17));
    CU_ASSERT(all_bytes(t.xmm[8].b + 16, 16, 0x88));
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "store_known_64", test_store_known_64 },
        { "store_known_32", test_store_known_32 },
        { "round_trip_64", test_round_trip_64 },
        { "round_trip_32", test_round_trip_32 },
        { "load_normalises", test_load_normalises },
        { "parts", test_parts },
        { "avx_component", test_avx_component },
        { NULL, NULL }
    };
    unit_add_suite("x86-fxsave", NULL, NULL, tests);
}

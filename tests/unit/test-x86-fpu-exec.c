/* SPDX-License-Identifier: MIT */
/*
 * Execution tests of the x87 and of the FPU/SIMD state instructions on the
 * harness's machine: the FNSAVE/FRSTOR/FNSTENV layouts in real mode and in
 * protected mode with 16- and 32-bit operand size (pointers, opcode, tags,
 * the FNINIT that FNSAVE implies), #MF at the next waiting instruction with
 * CR0.NE=1 and none with CR0.NE=0, the CR0.EM/TS/MP rules for #NM and #UD,
 * and XSETBV/XGETBV/XSAVE/XRSTOR/FXSAVE/FXRSTOR with the CPUID leaf 0xD
 * sizes. The arithmetic itself is proven against the host by
 * test-x86-fpu-diff.c. Programs were assembled with nasm from the listings.
 */
#include <math.h>
#include "tests/unit/test-x86-harness.h"

enum { EXCP_UD = 6, EXCP_NM = 7, EXCP_GP = 13, EXCP_MF = 16 };

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     fninit
 *     fld1
 *     fldpi
 * ins1: fadd dword [0x6000]
 *     fnsave [0x7000]
 *     fnstcw [0x7100]
 *     frstor [0x7000]
 * ins2: fstp qword [0x7108]
 *     o16 fnsave [0x7200]
 *     o16 frstor [0x7200]
 *     fnstsw [0x7110]
 *     fldcw [cw]
 *     fldz
 *     fld1
 *     fldz
 *     fdivp st1, st0
 *     fnstsw ax
 *     mov [0x7114], eax
 * mf: fwait
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 * cw: dw 0x037b
 */
static const uint8_t prog_pm[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0xd8, 0x05, 0x00, 0x60, 0x00,
    0x00, 0xdd, 0x35, 0x00, 0x70, 0x00, 0x00, 0xd9, 0x3d, 0x00, 0x71, 0x00, 0x00, 0xdd, 0x25, 0x00,
    0x70, 0x00, 0x00, 0xdd, 0x1d, 0x08, 0x71, 0x00, 0x00, 0x66, 0xdd, 0x35, 0x00, 0x72, 0x00, 0x00,
    0x66, 0xdd, 0x25, 0x00, 0x72, 0x00, 0x00, 0xdd, 0x3d, 0x10, 0x71, 0x00, 0x00, 0xd9, 0x2d, 0x58,
    0x10, 0x00, 0x00, 0xd9, 0xee, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0xdf, 0xe0, 0xa3, 0x14, 0x71,
    0x00, 0x00, 0x9b, 0xb0, 0x00, 0xe6, 0xf4, 0xf4, 0x7b, 0x03,
};

/*
 * BITS 16
 * ORG 0
 *     fninit
 *     fld1
 * ins1: fadd dword [0x6000]
 *     fnsave [0x7000]
 *     frstor [0x7000]
 *     o32 fnsave [0x7100]
 *     o32 frstor [0x7100]
 *     fnstenv [0x7200]
 *     fstp dword [0x7300]
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 */
static const uint8_t prog_real[] = {
    0xdb, 0xe3, 0xd9, 0xe8, 0xd8, 0x06, 0x00, 0x60, 0xdd, 0x36, 0x00, 0x70, 0xdd, 0x26, 0x00, 0x70,
    0x66, 0xdd, 0x36, 0x00, 0x71, 0x66, 0xdd, 0x26, 0x00, 0x71, 0xd9, 0x36, 0x00, 0x72, 0xd9, 0x1e,
    0x00, 0x73, 0xb0, 0x00, 0xe6, 0xf4, 0xf4,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     xor ecx, ecx
 *     mov eax, 3
 *     xor edx, edx
 *     xsetbv
 *     xgetbv
 *     mov [0x7000], eax
 *     mov eax, 0xd
 *     xor ecx, ecx
 *     cpuid
 *     mov [0x7004], eax
 *     mov [0x7008], ebx
 *     mov [0x700c], ecx
 *     mov eax, 1
 *     cpuid
 *     mov [0x7020], ecx
 *     fninit
 *     fldpi
 *     mov eax, 3
 *     xor edx, edx
 *     xsave [0x8000]
 *     fninit
 *     xrstor [0x8000]
 *     fstp qword [0x7010]
 *     fxsave [0x8400]
 *     fninit
 *     fxrstor [0x8400]
 *     fldz
 *     fstp qword [0x7018]
 *     xor ecx, ecx
 *     mov eax, 2
 * bad: xsetbv
 *     hlt
 */
static const uint8_t prog_xs[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0x31, 0xc9, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x01,
    0xd1, 0x0f, 0x01, 0xd0, 0xa3, 0x00, 0x70, 0x00, 0x00, 0xb8, 0x0d, 0x00, 0x00, 0x00, 0x31, 0xc9,
    0x0f, 0xa2, 0xa3, 0x04, 0x70, 0x00, 0x00, 0x89, 0x1d, 0x08, 0x70, 0x00, 0x00, 0x89, 0x0d, 0x0c,
    0x70, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x89, 0x0d, 0x20, 0x70, 0x00, 0x00,
    0xdb, 0xe3, 0xd9, 0xeb, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0xae, 0x25, 0x00, 0x80,
    0x00, 0x00, 0xdb, 0xe3, 0x0f, 0xae, 0x2d, 0x00, 0x80, 0x00, 0x00, 0xdd, 0x1d, 0x10, 0x70, 0x00,
    0x00, 0x0f, 0xae, 0x05, 0x00, 0x84, 0x00, 0x00, 0xdb, 0xe3, 0x0f, 0xae, 0x0d, 0x00, 0x84, 0x00,
    0x00, 0xd9, 0xee, 0xdd, 0x1d, 0x18, 0x70, 0x00, 0x00, 0x31, 0xc9, 0xb8, 0x02, 0x00, 0x00, 0x00,
    0x0f, 0x01, 0xd1, 0xf4,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     xor ecx, ecx
 *     mov eax, 7
 *     xor edx, edx
 *     xsetbv
 *     mov eax, 0xd
 *     xor ecx, ecx
 *     cpuid
 *     mov [0x7008], ebx
 *     mov eax, 7
 *     xor edx, edx
 *     xsave [0x8000]
 *     mov dword [0x8000 + 576], 0x12345678
 *     mov eax, 4
 *     xor edx, edx
 *     xrstor [0x8000]
 *     xsavec [0x8400]
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 */
static const uint8_t prog_xs7[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0x31, 0xc9, 0xb8, 0x07, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x01,
    0xd1, 0xb8, 0x0d, 0x00, 0x00, 0x00, 0x31, 0xc9, 0x0f, 0xa2, 0x89, 0x1d, 0x08, 0x70, 0x00, 0x00,
    0xb8, 0x07, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0xae, 0x25, 0x00, 0x80, 0x00, 0x00, 0xc7, 0x05,
    0x40, 0x82, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f,
    0xae, 0x2d, 0x00, 0x80, 0x00, 0x00, 0x0f, 0xc7, 0x25, 0x00, 0x84, 0x00, 0x00, 0xb0, 0x00, 0xe6,
    0xf4, 0xf4,
};

static uint16_t rd16(uint32_t a)
{
    uint16_t v;
    memcpy(&v, ram + a, 2);
    return v;
}

static long double rd80(uint32_t a)
{
    long double v = 0;
    memcpy(&v, ram + a, 10);
    return v;
}

static double rdf64(uint32_t a)
{
    double v;
    memcpy(&v, ram + a, 8);
    return v;
}

static void pm_with_cr0(uint64_t set, uint64_t clear)
{
    setup_pm32();
    tv.state.cr0 = (tv.state.cr0 | set) & ~clear;
    accel_tcg_ops.state_changed(&tv);
}

/* FERR# as the board sees it: how often it rose, and its last level. */
static int ferr_rises, ferr_level;

static void count_ferr(Vcpu *cpu, int level)
{
    if (level && !ferr_level)
        ferr_rises++;
    ferr_level = level;
}

static void test_fsave_pm(void)
{
    float one = 1.0f;
    machine_up();
    ferr_rises = ferr_level = 0;
    tv.ferr = count_ferr;
    pm_with_cr0(CR0_NE, 0);
    load(0x1000, prog_pm, sizeof(prog_pm));
    memcpy(ram + 0x6000, &one, 4);
    run();
    /* 32-bit protected-mode FNSAVE after fld1; fldpi; fadd [0x6000] */
    CU_ASSERT_EQUAL(rd32(0x7000), 0xffff037f);
    CU_ASSERT_EQUAL(rd32(0x7004) & 0xffff3800u, 0xffff3000u);        /* TOP = 6 */
    CU_ASSERT(rd32(0x7004) & 0x20);                                 /* PE */
    CU_ASSERT_EQUAL(rd32(0x7008), 0xffff0fff);                      /* R6, R7 valid */
    CU_ASSERT_EQUAL(rd32(0x700c), 0x100b);                          /* FIP: the FADD */
    CU_ASSERT_EQUAL(rd32(0x7010), 0x0005u << 16 | 0x10);            /* FOP D8 05, FCS */
    CU_ASSERT_EQUAL(rd32(0x7014), 0x6000);                          /* FDP */
    CU_ASSERT_EQUAL(rd32(0x7018), 0xffff0018);                      /* FDS */
    CU_ASSERT(rd80(0x701c) == 1.0L + 3.14159265358979323851L ||
              fabsl(rd80(0x701c) - (1.0L + 3.14159265358979323851L)) < 1e-18L);
    CU_ASSERT_EQUAL(rd16(0x7100), 0x037f);                          /* FNSAVE did FNINIT */
    CU_ASSERT(rdf64(0x7108) > 4.14159 && rdf64(0x7108) < 4.1416);   /* FRSTOR got it back */
    /* 16-bit protected-mode FNSAVE: 14-byte environment */
    CU_ASSERT_EQUAL(rd16(0x7200), 0x037f);
    CU_ASSERT_EQUAL(rd16(0x7202) & 0x3800, 0x3800);                 /* TOP = 7 */
    CU_ASSERT_EQUAL(rd16(0x7204), 0x3fff);                          /* R7 valid */
    CU_ASSERT_EQUAL(rd16(0x7206), 0x1023);                          /* FIP: the FSTP */
    CU_ASSERT_EQUAL(rd16(0x7208), 0x10);
    CU_ASSERT_EQUAL(rd16(0x720a), 0x7108);
    CU_ASSERT_EQUAL(rd16(0x720c), 0x18);
    CU_ASSERT(rd80(0x720e) == 1.0L);                                /* ST(0) at 14 */
    CU_ASSERT_EQUAL(rd16(0x7110) & 0x3800, 0x3800);                 /* FRSTOR 16 restored TOP */
    /* #MF at FWAIT after an unmasked zero divide; FNSTSW did not fault */
    CU_ASSERT_EQUAL(rd32(0x7114) & 0x8084, 0x8084);                 /* B, ES, ZE */
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), EXCP_MF);
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1052);
    CU_ASSERT_EQUAL(ferr_rises, 0);                 /* NE=1: #MF, never FERR# */
    machine_down();

    /* CR0.NE=0: no #MF (FERR# instead), the program runs to its end */
    machine_up();
    ferr_rises = ferr_level = 0;
    tv.ferr = count_ferr;
    pm_with_cr0(0, CR0_NE);
    load(0x1000, prog_pm, sizeof(prog_pm));
    memcpy(ram + 0x6000, &one, 4);
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(ferr_rises, 1);                 /* the unmasked zero divide */
    machine_down();
}

static void test_fsave_real(void)
{
    float one = 1.0f;
    machine_up();
    X86CPUState *s = &tv.state;
    s->segs[SEG_CS].selector = 0x100;
    s->segs[SEG_CS].base = 0x1000;
    s->rip = 0;
    s->idt.base = 0;
    s->idt.limit = 0x3ff;
    accel_tcg_ops.state_changed(&tv);
    load(0x1000, prog_real, sizeof(prog_real));
    memcpy(ram + 0x6000, &one, 4);
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    /* 16-bit real-mode format: 20-bit linear FIP/FDP, FOP beside FIP[19:16] */
    CU_ASSERT_EQUAL(rd16(0x7000), 0x037f);
    CU_ASSERT_EQUAL(rd16(0x7004), 0x3fff);
    CU_ASSERT_EQUAL(rd16(0x7006), 0x1004);          /* CS*16 + IP of the FADD */
    CU_ASSERT_EQUAL(rd16(0x7008), 0x0006);          /* FIP[19:16] = 0, FOP D8 06 */
    CU_ASSERT_EQUAL(rd16(0x700a), 0x6000);
    CU_ASSERT_EQUAL(rd16(0x700c), 0x0000);
    CU_ASSERT(rd80(0x700e) == 2.0L);
    /* 32-bit real-mode format */
    CU_ASSERT_EQUAL(rd32(0x7100), 0xffff037f);
    CU_ASSERT_EQUAL(rd32(0x710c), 0xffff1004);
    CU_ASSERT_EQUAL(rd32(0x7110), 0x0006);
    CU_ASSERT_EQUAL(rd32(0x7114), 0xffff6000);
    CU_ASSERT_EQUAL(rd32(0x7118), 0);
    CU_ASSERT(rd80(0x711c) == 2.0L);
    /* FNSTENV after FRSTOR (32-bit) keeps the pointers, masks exceptions */
    CU_ASSERT_EQUAL(rd16(0x7206), 0x1004);
    float r;
    memcpy(&r, ram + 0x7300, 4);
    CU_ASSERT(r == 2.0f);
    machine_down();
}

/* One instruction after 'mov esp, 0x9000' with CR0 bits set/cleared. */
static int fault_of(const uint8_t *insn, unsigned n, uint64_t set, uint64_t clear)
{
    uint8_t code[32] = { 0xbc, 0x00, 0x90, 0x00, 0x00 };
    memcpy(code + 5, insn, n);
    memcpy(code + 5 + n, (const uint8_t[]){ 0xb0, 0x00, 0xe6, 0xf4, 0xf4 }, 5);
    machine_up();
    pm_with_cr0(set, clear);
    load(0x1000, code, 10 + n);
    run();
    int v = exit_code == 0 ? -1 : (int)rd32(0x7f00);
    if (v >= 0)                                     /* #GP pushes an error code */
        CU_ASSERT_EQUAL(rd32(v == EXCP_GP ? 0x7f08 : 0x7f04), 0x1005);
    machine_down();
    return v;
}

static void test_nm_ud(void)
{
    static const uint8_t fld1[] = { 0xd9, 0xe8 }, fwait[] = { 0x9b };
    static const uint8_t fnstsw[] = { 0xdf, 0xe0 };
    static const uint8_t fxsave[] = { 0x0f, 0xae, 0x05, 0x00, 0x84, 0x00, 0x00 };
    CU_ASSERT_EQUAL(fault_of(fld1, 2, 0, 0), -1);
    CU_ASSERT_EQUAL(fault_of(fld1, 2, CR0_TS, 0), EXCP_NM);
    CU_ASSERT_EQUAL(fault_of(fld1, 2, CR0_EM, 0), EXCP_NM);
    CU_ASSERT_EQUAL(fault_of(fnstsw, 2, CR0_TS, 0), EXCP_NM);      /* non-waiting too */
    CU_ASSERT_EQUAL(fault_of(fwait, 1, CR0_TS, CR0_MP), -1);
    CU_ASSERT_EQUAL(fault_of(fwait, 1, CR0_TS | CR0_MP, 0), EXCP_NM);
    CU_ASSERT_EQUAL(fault_of(fwait, 1, CR0_EM, CR0_TS), -1);
    CU_ASSERT_EQUAL(fault_of(fxsave, 7, 0, 0), -1);
    CU_ASSERT_EQUAL(fault_of(fxsave, 7, CR0_EM, 0), EXCP_UD);
    CU_ASSERT_EQUAL(fault_of(fxsave, 7, CR0_TS, 0), EXCP_NM);
    static const uint8_t fxsave_mis[] = { 0x0f, 0xae, 0x05, 0x08, 0x84, 0x00, 0x00 };
    CU_ASSERT_EQUAL(fault_of(fxsave_mis, 7, 0, 0), EXCP_GP);
    /* XSAVE family without CR4.OSXSAVE: #UD */
    static const uint8_t xgetbv[] = { 0x0f, 0x01, 0xd0 };
    CU_ASSERT_EQUAL(fault_of(xgetbv, 3, 0, 0), EXCP_UD);
}

static void test_xsave(void)
{
    machine_up();
    setup_pm32();
    tv.state.cr4 |= (1u << 18) | (1u << 9);         /* OSXSAVE, OSFXSR */
    accel_tcg_ops.state_changed(&tv);
    load(0x1000, prog_xs, sizeof(prog_xs));
    run();
    CU_ASSERT_EQUAL(rd32(0x7000), 3);               /* XCR0 = x87 | SSE */
    CU_ASSERT_EQUAL(rd32(0x7004) & 3, 3);           /* leaf 0xD: supported */
    CU_ASSERT_EQUAL(rd32(0x7008), 576);             /* size for XCR0 = 3 */
    CU_ASSERT_EQUAL(rd32(0x700c), rd32(0x7004) & 4 ? 832u : 576u);  /* for all supported */
    CU_ASSERT(rd32(0x7020) & (1u << 27));           /* OSXSAVE */
    CU_ASSERT(rd32(0x7020) & (1u << 26));           /* XSAVE */
    CU_ASSERT_EQUAL(rd64(0x8200), 3);               /* XSTATE_BV */
    CU_ASSERT_EQUAL(rd32(0x8000) & 0xffff, 0x037f);
    CU_ASSERT(rdf64(0x7010) == 3.141592653589793);  /* XRSTOR brought pi back */
    CU_ASSERT(rdf64(0x7018) == 0.0);                /* FXRSTOR: room for FLDZ */
    CU_ASSERT_EQUAL(rd32(0x8418), 0x1f80);          /* FXSAVE's MXCSR */
    CU_ASSERT_EQUAL(rd32(0x841c), 0xffff);          /* MXCSR_MASK */
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), EXCP_GP);         /* XSETBV 2: x87 bit clear */
    CU_ASSERT_EQUAL(rd32(0x7f04), 0);
    CU_ASSERT_EQUAL(rd32(0x7f08), 0x1080);
    machine_down();
}

/* With AVX advertised: XCR0 = 7, the YMM_Hi128 component at offset 576. */
static void test_xsave_avx(void)
{
    machine_up();
    setup_pm32();
    tv.state.cr4 |= (1u << 18) | (1u << 9);
    tv.state.xmm[0].q[2] = 0x1111222233334444ull;
    tv.state.xmm[1].q[3] = 0x5555666677778888ull;
    accel_tcg_ops.state_changed(&tv);
    load(0x1000, prog_xs7, sizeof(prog_xs7));
    run();
    if (exit_code == 1 && rd32(0x7f00) == EXCP_GP) {
        /* no AVX under tcg yet: XSETBV 7 is refused */
        CU_ASSERT_EQUAL(rd32(0x7f08), 0x100e);
        machine_down();
        return;
    }
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7008), 832);
    CU_ASSERT_EQUAL(rd64(0x8200), 7);                           /* XSTATE_BV */
    /* YMM0[191:128] at 576 (its low half patched by the program) */
    CU_ASSERT_EQUAL(rd64(0x8000 + 576), 0x1111222212345678ull);
    CU_ASSERT_EQUAL(rd64(0x8000 + 576 + 24), 0x5555666677778888ull);    /* YMM1[255:192] */
    /* XRSTOR of the AVX component alone brought the patched value back */
    CU_ASSERT_EQUAL(tv.state.xmm[0].q[2], 0x1111222212345678ull);
    /* XSAVEC with RFBM = 4: compacted header, AVX at 576 as well */
    CU_ASSERT_EQUAL(rd64(0x8600), 4);
    CU_ASSERT_EQUAL(rd64(0x8608), 0x8000000000000004ull);
    CU_ASSERT_EQUAL(rd64(0x8400 + 576), 0x1111222212345678ull);
    machine_down();
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "fsave_pm_and_mf", test_fsave_pm },
        { "fsave_real", test_fsave_real },
        { "nm_ud", test_nm_ud },
        { "xsave", test_xsave },
        { "xsave_avx", test_xsave_avx },
        { NULL, NULL }
    };
    unit_add_suite("x86-fpu-exec", NULL, NULL, tests);
}

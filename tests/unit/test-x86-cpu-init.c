/* SPDX-License-Identifier: MIT */
/*
 * x86_cpu_init_state, the CPU's one definition of INIT (SDM vol. 3 9.1):
 * from a state deep in long mode, it gives RESET's registers but keeps
 * x87/SSE/AVX state, XCR0, the MSRs other than EFER, CR0.CD/NW, the A20
 * gate and a latched STARTUP vector; an application processor then waits
 * for a STARTUP, the BSP does not.
 */
#include <string.h>

#include "cpu/x86/cpu.h"
#include "tests/unit/unit.h"

#define APIC_BSP (1u << 8)

static void busy_state(X86CPUState *s, bool bsp)
{
    x86_cpu_reset_state(s, bsp ? 0 : 1);
    for (int i = 0; i < 16; i++)
        s->regs[i] = 0x0101010101010101ull * (uint64_t)(i + 1);
    s->rip = 0xffffffff81000000ull;
    s->rflags = 0x246;
    s->cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE | CR0_CD;   /* CD set, NW clear */
    s->cr2 = 0x1234;
    s->cr3 = 0x5000;
    s->cr4 = 0x6f0;
    s->cr8 = 5;
    s->dr[0] = 0x1000;
    s->dr[7] = 0x401;
    s->segs[SEG_CS] = (SegmentCache){ 0x10, SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_L, 0xffffffff, 0 };
    s->gdt = (DescTable){ .base = 0xffff880000001000ull, .limit = 0x7f };
    s->xcr0 = 7;
    s->fpu.fcw = 0x027f;
    s->fpu.fsw = 6 << 11;
    s->fpu.ftw = 0x0fff;
    s->fpu.st[7] = (X87Reg){ 0x8000000000000000ull, 0x3fff };
    for (int i = 0; i < 16; i++)
        memset(s->xmm[i].b, 0x40 + i, 32);
    s->mxcsr = 0x9fc0;
    s->msr.efer = 0xd01;                                    /* SCE LME LMA NXE */
    s->msr.lstar = 0xffffffff81e00000ull;
    s->msr.pat = 0x0007010600070106ull;
    s->msr.mtrr_def_type = 0xc06;
    s->msr.tsc_aux = 3;
    s->a20_enabled = false;
    s->sipi_vector = 0x9a;
    s->halted = false;
    s->wait_for_sipi = false;
    s->pending_exception = 14;
    s->nmi_masked = true;
}

static void check_init(bool bsp)
{
    X86CPUState s, before, reset;
    busy_state(&s, bsp);
    before = s;
    x86_cpu_reset_state(&reset, bsp ? 0 : 1);
    x86_cpu_init_state(&s);

    /* RESET's registers */
    CU_ASSERT(memcmp(s.regs, reset.regs, sizeof(s.regs)) == 0);
    CU_ASSERT_EQUAL(s.rip, 0xfff0);
    CU_ASSERT_EQUAL(s.rflags, 2);
    CU_ASSERT(memcmp(s.segs, reset.segs, sizeof(s.segs)) == 0);
    CU_ASSERT_EQUAL(s.segs[SEG_CS].base, 0xffff0000);
    CU_ASSERT(s.gdt.base == 0 && s.gdt.limit == 0xffff);
    CU_ASSERT(s.cr2 == 0 && s.cr3 == 0 && s.cr4 == 0 && s.cr8 == 0);
    CU_ASSERT(s.dr[0] == 0 && s.dr[7] == 0x400);
    CU_ASSERT_EQUAL(s.msr.efer, 0);
    CU_ASSERT_EQUAL(s.pending_exception, -1);
    CU_ASSERT(!s.nmi_masked);
    /* CR0: ET, and CD/NW as they were (not RESET's CD|NW) */
    CU_ASSERT_EQUAL(s.cr0, CR0_ET | CR0_CD);

    /* what INIT leaves alone */
    CU_ASSERT_EQUAL(s.xcr0, 7);
    CU_ASSERT(memcmp(&s.fpu, &before.fpu, sizeof(s.fpu)) == 0);
    CU_ASSERT(memcmp(s.xmm, before.xmm, sizeof(s.xmm)) == 0);
    CU_ASSERT_EQUAL(s.mxcsr, 0x9fc0);
    CU_ASSERT_EQUAL(s.msr.lstar, before.msr.lstar);
    CU_ASSERT_EQUAL(s.msr.pat, before.msr.pat);
    CU_ASSERT_EQUAL(s.msr.mtrr_def_type, 0xc06);
    CU_ASSERT_EQUAL(s.msr.tsc_aux, 3);
    CU_ASSERT_EQUAL(s.msr.apic_base, before.msr.apic_base);
    CU_ASSERT(!s.a20_enabled);
    CU_ASSERT_EQUAL(s.sipi_vector, 0x9a);

    /* who runs */
    CU_ASSERT_EQUAL(s.halted, !bsp);
    CU_ASSERT_EQUAL(s.wait_for_sipi, !bsp);
}

static void test_init_ap(void)
{
    check_init(false);
}

static void test_init_bsp(void)
{
    check_init(true);
}

/* CD/NW come from before INIT whichever way they were set. */
static void test_init_cache_bits(void)
{
    X86CPUState s;
    busy_state(&s, false);
    s.cr0 = CR0_PE | CR0_CD | CR0_NW;
    x86_cpu_init_state(&s);
    CU_ASSERT_EQUAL(s.cr0, CR0_ET | CR0_CD | CR0_NW);
    s.cr0 = CR0_PE | CR0_PG;
    x86_cpu_init_state(&s);
    CU_ASSERT_EQUAL(s.cr0, CR0_ET);
    CU_ASSERT_EQUAL(s.msr.apic_base & APIC_BSP, 0);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "init_ap", test_init_ap },
        { "init_bsp", test_init_bsp },
        { "init_cache_bits", test_init_cache_bits },
        { NULL, NULL }
    };
    unit_add_suite("x86-cpu-init", NULL, NULL, tests);
}

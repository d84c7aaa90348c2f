/* SPDX-License-Identifier: MIT */
/*
 * The translation-block cache: invalidation finer than a page, and
 * translation counts that show blocks are decoded once.
 *
 * A loop that stores to data on its own code page must not lose its
 * translation (the page's code bitmap says the bytes written hold no code);
 * a loop that rewrites its own instructions must be retranslated each time;
 * and a hot loop is translated once however often it runs.
 */
#include "tests/unit/test-x86-harness.h"
#include "accel/tcg/tcg.h"

static uint64_t tb_count(void)
{
    return ((TcgVcpu *)tv.accel)->tbc.tb_count;
}

/* 10000 stores to a word 0x100 bytes after the loop, on the same page. */
static void test_data_next_to_code(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb9, 0x10, 0x27, 0x00, 0x00,               /* mov ecx, 10000 */
        0x89, 0x0d, 0x00, 0x11, 0x00, 0x00,         /* 1: mov [0x1100], ecx */
        0x49,                                       /* dec ecx */
        0x75, 0xf7,                                 /* jnz 1b */
        0xb0, 0x00, 0xe6, 0xf4,                     /* mov al, 0; out 0xf4, al */
    };
    machine_up();
    setup_pm32();
    load(0x1000, code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x1100), 1);
    CU_ASSERT(tb_count() < 10);                 /* not one per store */
    machine_down();
}

/* The loop body patches its own immediate: every pass needs a new block. */
static void test_code_rewrite(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb9, 0x64, 0x00, 0x00, 0x00,               /* mov ecx, 100 */
        0x31, 0xdb,                                 /* xor ebx, ebx */
        0xb8, 0x01, 0x00, 0x00, 0x00,               /* 1: mov eax, imm (at 0x100d) */
        0x01, 0xc3,                                 /* add ebx, eax */
        0xfe, 0x05, 0x0d, 0x10, 0x00, 0x00,         /* inc byte [0x100d] */
        0xe2, 0xf1,                                 /* loop 1b */
        0x89, 0x1d, 0x00, 0x70, 0x00, 0x00,         /* mov [0x7000], ebx */
        0xb0, 0x00, 0xe6, 0xf4,
    };
    machine_up();
    setup_pm32();
    load(0x1000, code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7000), 100 * 101 / 2);  /* 1 + 2 + ... + 100 */
    CU_ASSERT(tb_count() >= 100);
    machine_down();
}

/* Writes by a device (the memory API) invalidate too, through the hook. */
static void test_dma_write(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb8, 0x01, 0x00, 0x00, 0x00,               /* mov eax, 1 (imm at 0x1006) */
        0xa3, 0x00, 0x70, 0x00, 0x00,               /* mov [0x7000], eax */
        0xf4,                                       /* hlt */
        0xeb, 0xf3,                                 /* jmp back to mov eax */
    };
    machine_up();
    setup_pm32();
    load(0x1000, code, sizeof(code));
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 1);
    uint32_t two = 2;
    CU_ASSERT_EQUAL(as_write(&tm.as_mem, 0x1006, &two, 4), MEMTX_OK);
    tv.state.halted = false;
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 2);
    machine_down();
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "data_next_to_code", test_data_next_to_code },
        { "code_rewrite", test_code_rewrite },
        { "dma_write", test_dma_write },
        { NULL, NULL }
    };
    unit_add_suite("tcg-tb", NULL, NULL, tests);
}

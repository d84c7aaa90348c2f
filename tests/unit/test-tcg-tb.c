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
    pm32_boot(code, sizeof(code));
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
    pm32_boot(code, sizeof(code));
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
    pm32_boot(code, sizeof(code));
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 1);
    uint32_t two = 2;
    CU_ASSERT_EQUAL(as_write(&tm.as_mem, 0x1006, &two, 4), MEMTX_OK);
    tv.state.halted = false;
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 2);
    machine_down();
}

/*
 * The remap tests: 32-bit code that turns paging on itself, with the page
 * at 0x5000 mapped to 0x6000 (holding 'one') and code that remaps it to
 * 0x7000 (holding 'two') and INVLPGs it between two calls, storing what
 * they return at 0x8f00 and 0x8f04.
 */
static void remap_setup(const uint8_t *one, const uint8_t *two, size_t n)
{
    machine_up();
    setup_pm32();
    setup_paging32();
    wr32(0x21000 + 5 * 4, 0x6000 | 7);                  /* 0x5000 -> 0x6000 */
    load(0x6000, one, n);
    load(0x7000, two, n);
}

static void remap_run(const uint8_t *code, size_t len, uint32_t first, uint32_t second)
{
    load(0x1000, code, len);
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x8f00), first);
    CU_ASSERT_EQUAL(rd32(0x8f04), second);
    machine_down();
}

/* The usual targets: "mov eax, 1; ret", then "mov eax, 2; ret". */
static void run_remap(const uint8_t *code, size_t len)
{
    static const uint8_t one[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };
    static const uint8_t two[] = { 0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3 };
    remap_setup(one, two, sizeof(one));
    remap_run(code, len, 1, 2);
}

/*
 * A code page remapped and INVLPG'd runs its new bytes: the jump cache
 * forgets the page's blocks (one bucket of it since INVLPG stopped clearing
 * the whole cache), so the second CALL finds a new translation.
 */
static void test_remap_invlpg(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov esp, 0x9000 */
        0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8, /* mov eax, 0x20000; mov cr3, eax */
        0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, /* mov eax, cr0; or eax, PG */
        0x0f, 0x22, 0xc0,                               /* mov cr0, eax */
        0xe8, 0xe3, 0x3f, 0x00, 0x00,                   /* call 0x5000 */
        0xa3, 0x00, 0x8f, 0x00, 0x00,                   /* mov [0x8f00], eax */
        0xc7, 0x05, 0x14, 0x10, 0x02, 0x00, 0x07, 0x70, 0x00, 0x00, /* PTE 5 -> 0x7000 */
        0x0f, 0x01, 0x3d, 0x00, 0x50, 0x00, 0x00,       /* invlpg [0x5000] */
        0xe8, 0xc8, 0x3f, 0x00, 0x00,                   /* call 0x5000 */
        0xa3, 0x04, 0x8f, 0x00, 0x00,                   /* mov [0x8f04], eax */
        0xb0, 0x00, 0xe6, 0xf4,                         /* mov al, 0; out 0xf4, al */
    };
    run_remap(code, sizeof(code));
}

/*
 * The same, from one CALL executed twice: the CALL's block is linked to the
 * block at 0x5000 on another page, and after the remap and INVLPG that link
 * must not be followed any more (the code TLB no longer maps 0x5000 to the
 * page the target was translated from).
 */
static void test_remap_cross_page_link(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov esp, 0x9000 */
        0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8, /* mov eax, 0x20000; mov cr3, eax */
        0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, /* mov eax, cr0; or eax, PG */
        0x0f, 0x22, 0xc0,                               /* mov cr0, eax */
        0xbf, 0x00, 0x8f, 0x00, 0x00,                   /* mov edi, 0x8f00 */
        0xeb, 0x00,                                     /* jmp 1f (the CALL starts a block) */
        0xe8, 0xdc, 0x3f, 0x00, 0x00,                   /* 1: call 0x5000 */
        0x89, 0x07,                                     /* mov [edi], eax */
        0x83, 0xc7, 0x04,                               /* add edi, 4 */
        0x81, 0xff, 0x08, 0x8f, 0x00, 0x00,             /* cmp edi, 0x8f08 */
        0x74, 0x13,                                     /* je 2f */
        0xc7, 0x05, 0x14, 0x10, 0x02, 0x00, 0x07, 0x70, 0x00, 0x00, /* PTE 5 -> 0x7000 */
        0x0f, 0x01, 0x3d, 0x00, 0x50, 0x00, 0x00,       /* invlpg [0x5000] */
        0xeb, 0xdb,                                     /* jmp 1b */
        0xb0, 0x00, 0xe6, 0xf4,                         /* 2: mov al, 0; out 0xf4, al */
    };
    run_remap(code, sizeof(code));
}

/*
 * A block whose first instruction starts at 0x4ffd and ends on the page at
 * 0x5000 ("mov eax, imm32" with two immediate bytes on each page): after
 * that second page is remapped, the block found by its first page must not
 * be reused (the hash key is the first page only).
 */
static void test_remap_second_page(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov esp, 0x9000 */
        0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8, /* mov eax, 0x20000; mov cr3, eax */
        0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, /* mov eax, cr0; or eax, PG */
        0x0f, 0x22, 0xc0,                               /* mov cr0, eax */
        0xe8, 0xe0, 0x3f, 0x00, 0x00,                   /* call 0x4ffd */
        0xa3, 0x00, 0x8f, 0x00, 0x00,                   /* mov [0x8f00], eax */
        0xc7, 0x05, 0x14, 0x10, 0x02, 0x00, 0x07, 0x70, 0x00, 0x00, /* PTE 5 -> 0x7000 */
        0x0f, 0x01, 0x3d, 0x00, 0x50, 0x00, 0x00,       /* invlpg [0x5000] */
        0xe8, 0xc5, 0x3f, 0x00, 0x00,                   /* call 0x4ffd */
        0xa3, 0x04, 0x8f, 0x00, 0x00,                   /* mov [0x8f04], eax */
        0xb0, 0x00, 0xe6, 0xf4,                         /* mov al, 0; out 0xf4, al */
    };
    static const uint8_t head[] = { 0xb8, 0x00, 0x00 };    /* at 0x4ffd: mov eax, 0x....0000 */
    static const uint8_t one[] = { 0x01, 0x00, 0xc3 };     /* imm bytes 2-3, ret */
    static const uint8_t two[] = { 0x02, 0x00, 0xc3 };
    remap_setup(one, two, sizeof(one));
    load(0x4ffd, head, sizeof(head));
    remap_run(code, sizeof(code), 0x10000, 0x20000);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "data_next_to_code", test_data_next_to_code },
        { "code_rewrite", test_code_rewrite },
        { "dma_write", test_dma_write },
        { "remap_invlpg", test_remap_invlpg },
        { "remap_cross_page_link", test_remap_cross_page_link },
        { "remap_second_page", test_remap_second_page },
        { NULL, NULL }
    };
    unit_add_suite("tcg-tb", NULL, NULL, tests);
}

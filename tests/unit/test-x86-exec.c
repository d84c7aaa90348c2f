/* SPDX-License-Identifier: MIT */
/*
 * Execution tests of the tcg engine: small programs run on the harness's
 * machine in real mode, 32-bit protected mode with and without paging and
 * 64-bit mode, checking results in memory and registers, the exception
 * vector, error code, pushed EIP and CR2, and the VcpuExit reasons (HLT,
 * triple fault). The programs were assembled with nasm from the listings
 * in the comments.
 */
#include "tests/unit/test-x86-harness.h"

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     mov esi, msg
 *     mov dx, 0x3f8
 * .l: lodsb
 *     test al, al
 *     jz .d
 *     out dx, al
 *     jmp .l
 * .d: mov ecx, 100
 *     xor eax, eax
 * .s: add eax, ecx
 *     loop .s
 *     mov [0x7000], eax          ; 5050
 *     push 21
 *     call dbl
 *     add esp, 4
 *     mov [0x7004], eax          ; 42
 *     mov eax, -7
 *     cdq
 *     mov ecx, 2
 *     idiv ecx
 *     mov [0x7008], eax          ; -3
 *     mov [0x700c], edx          ; -1
 *     mov eax, 0x80000000
 *     bsr ebx, eax
 *     mov [0x7010], ebx          ; 31
 *     mov edi, 0x7100
 *     mov ecx, 16
 *     mov al, 0xab
 *     cld
 *     rep stosb
 *     mov esi, 0x7100
 *     mov edi, 0x7200
 *     mov ecx, 4
 *     rep movsd
 *     movzx eax, byte [0x720f]
 *     mov [0x7014], eax          ; 0xab
 *     movsx eax, byte [0x720f]
 *     mov [0x7018], eax          ; 0xffffffab
 *     mov eax, 5
 *     cmp eax, 7
 *     setl bl
 *     cmovl eax, [const9]
 *     movzx ebx, bl
 *     mov [0x701c], ebx          ; 1
 *     mov [0x7020], eax          ; 9
 *     xor eax, eax
 *     cpuid
 *     mov [0x7024], ebx          ; "Genu"
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 * dbl: push ebp
 *     mov ebp, esp
 *     mov eax, [ebp+8]
 *     shl eax, 1
 *     pop ebp
 *     ret
 * const9: dd 9
 * msg: db "hello", 10, 0
 */
static const uint8_t prog_hello32[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0xbe, 0xd0, 0x10, 0x00, 0x00, 0x66, 0xba, 0xf8, 0x03, 0xac, 0x84,
    0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xb9, 0x64, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xe2,
    0xfc, 0xa3, 0x00, 0x70, 0x00, 0x00, 0x6a, 0x15, 0xe8, 0x95, 0x00, 0x00, 0x00, 0x83, 0xc4, 0x04,
    0xa3, 0x04, 0x70, 0x00, 0x00, 0xb8, 0xf9, 0xff, 0xff, 0xff, 0x99, 0xb9, 0x02, 0x00, 0x00, 0x00,
    0xf7, 0xf9, 0xa3, 0x08, 0x70, 0x00, 0x00, 0x89, 0x15, 0x0c, 0x70, 0x00, 0x00, 0xb8, 0x00, 0x00,
    0x00, 0x80, 0x0f, 0xbd, 0xd8, 0x89, 0x1d, 0x10, 0x70, 0x00, 0x00, 0xbf, 0x00, 0x71, 0x00, 0x00,
    0xb9, 0x10, 0x00, 0x00, 0x00, 0xb0, 0xab, 0xfc, 0xf3, 0xaa, 0xbe, 0x00, 0x71, 0x00, 0x00, 0xbf,
    0x00, 0x72, 0x00, 0x00, 0xb9, 0x04, 0x00, 0x00, 0x00, 0xf3, 0xa5, 0x0f, 0xb6, 0x05, 0x0f, 0x72,
    0x00, 0x00, 0xa3, 0x14, 0x70, 0x00, 0x00, 0x0f, 0xbe, 0x05, 0x0f, 0x72, 0x00, 0x00, 0xa3, 0x18,
    0x70, 0x00, 0x00, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x83, 0xf8, 0x07, 0x0f, 0x9c, 0xc3, 0x0f, 0x4c,
    0x05, 0xcc, 0x10, 0x00, 0x00, 0x0f, 0xb6, 0xdb, 0x89, 0x1d, 0x1c, 0x70, 0x00, 0x00, 0xa3, 0x20,
    0x70, 0x00, 0x00, 0x31, 0xc0, 0x0f, 0xa2, 0x89, 0x1d, 0x24, 0x70, 0x00, 0x00, 0xb0, 0x00, 0xe6,
    0xf4, 0xf4, 0x55, 0x89, 0xe5, 0x8b, 0x45, 0x08, 0xd1, 0xe0, 0x5d, 0xc3, 0x09, 0x00, 0x00, 0x00,
    0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a, 0x00,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     xor ecx, ecx
 *     mov eax, 1
 *     div ecx
 *     hlt
 */
static const uint8_t prog_div0[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0x31, 0xc9, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf7, 0xf1, 0xf4,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     mov ax, 0x1234
 *     mov ds, ax
 *     hlt
 */
static const uint8_t prog_gp[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8, 0xf4,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     mov eax, 0x20000
 *     mov cr3, eax
 *     mov eax, cr0
 *     or eax, 0x80010000
 *     mov cr0, eax
 *     mov ebx, [0x3ff000]      ; mapped, present
 *     mov [0x7e00], ebx
 *     mov dword [0x3fe000], 5  ; read-only page with WP: #PF err 3
 *     hlt
 */
static const uint8_t prog_pf[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xc0,
    0x0d, 0x00, 0x00, 0x01, 0x80, 0x0f, 0x22, 0xc0, 0x8b, 0x1d, 0x00, 0xf0, 0x3f, 0x00, 0x89, 0x1d,
    0x00, 0x7e, 0x00, 0x00, 0xc7, 0x05, 0x00, 0xe0, 0x3f, 0x00, 0x05, 0x00, 0x00, 0x00, 0xf4,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     int 0x13
 *     hlt
 */
static const uint8_t prog_intn[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0xcd, 0x13, 0xf4,
};

/*
 * BITS 32
 * ORG 0x1000
 *     mov esp, 0x9000
 *     mov ecx, 3
 * .again:
 *     call patchme
 *     mov [0x7000 + ecx*4], eax
 *     inc byte [imm]             ; modify the code we just ran
 *     loop .again
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 * patchme:
 *     db 0xb8                    ; mov eax, imm32
 * imm: dd 100
 *     ret
 */
static const uint8_t prog_smc[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xe8, 0x14, 0x00, 0x00, 0x00, 0x89,
    0x04, 0x8d, 0x00, 0x70, 0x00, 0x00, 0xfe, 0x05, 0x24, 0x10, 0x00, 0x00, 0xe2, 0xec, 0xb0, 0x00,
    0xe6, 0xf4, 0xf4, 0xb8, 0x64, 0x00, 0x00, 0x00, 0xc3,
};

/*
 * BITS 16
 * ORG 0x1000
 *     mov ax, 0
 *     mov ss, ax
 *     mov sp, 0x9000
 *     mov ds, ax
 *     mov word [0x21*4], handler
 *     mov word [0x21*4+2], 0
 *     mov bx, 0x700
 *     mov si, 0x10
 *     mov word [bx+si], 0x1234   ; 0x710
 *     mov ax, [bx+si]
 *     add ax, 1
 *     int 0x21
 *     mov [0x7002], ax           ; handler doubled it: 0x246a
 *     mov cx, 0x600
 *     mov es, cx
 *     mov word [es:0x4], 0xbeef  ; linear 0x6004
 *     mov eax, 0x12345678        ; 32-bit operand in 16-bit code
 *     mov [0x7004], eax
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 * handler:
 *     shl ax, 1
 *     mov [0x7000], ax
 *     iret
 */
static const uint8_t prog_real16[] = {
    0xb8, 0x00, 0x00, 0x8e, 0xd0, 0xbc, 0x00, 0x90, 0x8e, 0xd8, 0xc7, 0x06, 0x84, 0x00, 0x45, 0x10,
    0xc7, 0x06, 0x86, 0x00, 0x00, 0x00, 0xbb, 0x00, 0x07, 0xbe, 0x10, 0x00, 0xc7, 0x00, 0x34, 0x12,
    0x8b, 0x00, 0x83, 0xc0, 0x01, 0xcd, 0x21, 0xa3, 0x02, 0x70, 0xb9, 0x00, 0x06, 0x8e, 0xc1, 0x26,
    0xc7, 0x06, 0x04, 0x00, 0xef, 0xbe, 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, 0x66, 0xa3, 0x04, 0x70,
    0xb0, 0x00, 0xe6, 0xf4, 0xf4, 0xd1, 0xe0, 0xa3, 0x00, 0x70, 0xcf,
};

/*
 * BITS 64
 * ORG 0x1000
 *     mov rsp, 0x9000
 *     mov rax, 0x123456789abcdef0
 *     push rax
 *     pop rbx
 *     mov [0x7000], rbx
 *     mov r8d, -1                ; zero-extends
 *     mov [0x7008], r8
 *     lea r9, [rel data]
 *     mov r10, [r9]
 *     mov [0x7010], r10
 *     mov ecx, 0xc0000080       ; EFER
 *     rdmsr
 *     or eax, 1                 ; SCE
 *     wrmsr
 *     mov ecx, 0xc0000082       ; LSTAR
 *     mov rax, sys_entry
 *     xor edx, edx
 *     wrmsr
 *     mov ecx, 0xc0000081       ; STAR: syscall CS=0x10, sysret base 0x18
 *     xor eax, eax
 *     mov edx, 0x00180010
 *     wrmsr
 *     mov rdi, 77
 *     syscall
 *     mov [0x7018], rax          ; 78
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 * sys_entry:
 *     lea rax, [rdi+1]
 *     mov [0x7020], rcx
 *     o64 sysret
 * data: dq 0x1122334455667788
 */
static const uint8_t prog_lm64[] = {
    0xbc, 0x00, 0x90, 0x00, 0x00, 0x48, 0xb8, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x50,
    0x5b, 0x48, 0x89, 0x1c, 0x25, 0x00, 0x70, 0x00, 0x00, 0x41, 0xb8, 0xff, 0xff, 0xff, 0xff, 0x4c,
    0x89, 0x04, 0x25, 0x08, 0x70, 0x00, 0x00, 0x4c, 0x8d, 0x0d, 0x5b, 0x00, 0x00, 0x00, 0x4d, 0x8b,
    0x11, 0x4c, 0x89, 0x14, 0x25, 0x10, 0x70, 0x00, 0x00, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32,
    0x83, 0xc8, 0x01, 0x0f, 0x30, 0xb9, 0x82, 0x00, 0x00, 0xc0, 0x48, 0xb8, 0x7a, 0x10, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30, 0xb9, 0x81, 0x00, 0x00, 0xc0, 0x31, 0xc0, 0xba,
    0x10, 0x00, 0x18, 0x00, 0x0f, 0x30, 0xbf, 0x4d, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x89, 0x04,
    0x25, 0x18, 0x70, 0x00, 0x00, 0xb0, 0x00, 0xe6, 0xf4, 0xf4, 0x48, 0x8d, 0x47, 0x01, 0x48, 0x89,
    0x0c, 0x25, 0x20, 0x70, 0x00, 0x00, 0x48, 0x0f, 0x07, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
    0x11,
};

/* ---- tests ---- */

static void test_hello32(void)
{
    machine_up();
    setup_pm32();
    load(0x1000, prog_hello32, sizeof(prog_hello32));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_STRING_EQUAL(serial_out, "hello\n");
    CU_ASSERT_EQUAL(rd32(0x7000), 5050);
    CU_ASSERT_EQUAL(rd32(0x7004), 42);
    CU_ASSERT_EQUAL(rd32(0x7008), (uint32_t)-3);
    CU_ASSERT_EQUAL(rd32(0x700c), (uint32_t)-1);
    CU_ASSERT_EQUAL(rd32(0x7010), 31);
    CU_ASSERT_EQUAL(rd32(0x7014), 0xab);
    CU_ASSERT_EQUAL(rd32(0x7018), 0xffffffab);
    CU_ASSERT_EQUAL(rd32(0x701c), 1);
    CU_ASSERT_EQUAL(rd32(0x7020), 9);
    CU_ASSERT_EQUAL(memcmp(ram + 0x7024, "Genu", 4), 0);
    CU_ASSERT_EQUAL(tv.state.regs[R_ESP], 0x9000);
    machine_down();
}

static void test_exception_div0(void)
{
    machine_up();
    setup_pm32();
    load(0x1000, prog_div0, sizeof(prog_div0));
    run();
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), 0);           /* #DE */
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x100c);      /* EIP of the DIV */
    CU_ASSERT_EQUAL(rd32(0x7f08), 0x10);        /* CS */
    CU_ASSERT_EQUAL(rd32(0x7f0c) & 0x202, 0x002); /* EFLAGS, IF clear */
    CU_ASSERT_EQUAL(rd32(0x7f14), 0x9000 - 12); /* no error code pushed */
    machine_down();
}

static void test_exception_gp(void)
{
    machine_up();
    setup_pm32();
    load(0x1000, prog_gp, sizeof(prog_gp));
    run();
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), 13);
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1234);      /* selector beyond the GDT limit */
    CU_ASSERT_EQUAL(rd32(0x7f08), 0x1009);      /* EIP of MOV DS */
    CU_ASSERT_EQUAL(rd32(0x7f14), 0x9000 - 16);
    machine_down();
}

static void test_exception_ud_int(void)
{
    static const uint8_t ud2[] = { 0xbc, 0x00, 0x90, 0x00, 0x00, 0x0f, 0x0b };  /* mov esp; ud2 */
    machine_up();
    setup_pm32();
    load(0x1000, ud2, sizeof(ud2));
    run();
    CU_ASSERT_EQUAL(rd32(0x7f00), 6);
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1005);
    machine_down();

    machine_up();
    setup_pm32();
    load(0x1000, prog_intn, sizeof(prog_intn));
    run();
    CU_ASSERT_EQUAL(rd32(0x7f00), 0x13);
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1007);      /* INT n pushes the next EIP */
    machine_down();
}

static void test_paging_pf(void)
{
    machine_up();
    setup_pm32();
    setup_paging32();
    load(0x1000, prog_pf, sizeof(prog_pf));
    wr32(0x3ff000, 0xcafef00d);
    run();
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7e00), 0xcafef00d);
    CU_ASSERT_EQUAL(rd32(0x7f00), 14);
    CU_ASSERT_EQUAL(rd32(0x7f04), 3);           /* present | write, supervisor */
    CU_ASSERT_EQUAL(rd32(0x7f08), 0x1024);      /* EIP of the store */
    CU_ASSERT_EQUAL(rd32(0x7f10), 0x3fe000);    /* CR2 */
    CU_ASSERT_EQUAL(rd32(0x3fe000), 0);         /* the store did not happen */
    CU_ASSERT(rd32(0x21000 + 0x3ff * 4) & 0x20); /* accessed bit set */
    machine_down();
}

static void test_smc(void)
{
    machine_up();
    setup_pm32();
    load(0x1000, prog_smc, sizeof(prog_smc));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    /* ecx = 3, 2, 1: each call sees the immediate the previous pass wrote */
    CU_ASSERT_EQUAL(rd32(0x7000 + 3 * 4), 100);
    CU_ASSERT_EQUAL(rd32(0x7000 + 2 * 4), 101);
    CU_ASSERT_EQUAL(rd32(0x7000 + 1 * 4), 102);
    machine_down();
}

/*
 * The memory map changing under running code, as SeaBIOS does when it
 * makes its shadow at 0xe0000 writable through the i440FX PAM registers
 * and then writes its variables there: a RAM alias at 0xe0000 is read-only
 * until port 0x80 or the MMIO register at 0x10000000 is written (1:
 * writable, 0: read-only). Every instruction after the write must see the
 * new map, whether it runs in a chained block (after OUT) or later in the
 * same block (after an MMIO store).
 *
 * BITS 32
 * ORG 0x1000
 *     mov eax, [0xe0000]          ; the TLB now maps the shadow page read-only
 *     mov dword [0xe0000], 1      ; ignored: read-only
 *     mov al, 1
 *     out 0x80, al                ; shadow becomes writable (ends the block)
 *     mov dword [0xe0000], 2      ; next block, chained: must land
 *     mov eax, [0xe0000]
 *     mov [0x7000], eax           ; 2
 *     mov dword [0x10000000], 0   ; read-only again, mid-block
 *     mov dword [0xe0000], 3      ; same block: ignored
 *     mov eax, [0xe0000]
 *     mov [0x7004], eax           ; 2
 *     mov dword [0x10000000], 1   ; writable again
 *     mov dword [0xe0004], 4      ; same block: must land
 *     mov eax, [0xe0004]
 *     mov [0x7008], eax           ; 4
 *     mov al, 0
 *     out 0xf4, al
 *     hlt
 */
static const uint8_t prog_map_change[] = {
    0xa1, 0x00, 0x00, 0x0e, 0x00, 0xc7, 0x05, 0x00, 0x00, 0x0e, 0x00, 0x01,
    0x00, 0x00, 0x00, 0xb0, 0x01, 0xe6, 0x80, 0xc7, 0x05, 0x00, 0x00, 0x0e,
    0x00, 0x02, 0x00, 0x00, 0x00, 0xa1, 0x00, 0x00, 0x0e, 0x00, 0xa3, 0x00,
    0x70, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
    0x00, 0xc7, 0x05, 0x00, 0x00, 0x0e, 0x00, 0x03, 0x00, 0x00, 0x00, 0xa1,
    0x00, 0x00, 0x0e, 0x00, 0xa3, 0x04, 0x70, 0x00, 0x00, 0xc7, 0x05, 0x00,
    0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x04, 0x00, 0x0e,
    0x00, 0x04, 0x00, 0x00, 0x00, 0xa1, 0x04, 0x00, 0x0e, 0x00, 0xa3, 0x08,
    0x70, 0x00, 0x00, 0xb0, 0x00, 0xe6, 0xf4, 0xf4,
};

static MemoryRegion shadow, shadow_port, shadow_mmio;

static void shadow_ctl_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    mr_set_readonly(&shadow, !(val & 1));
}

static const MemoryRegionOps shadow_ctl_ops = {
    .read = io_read, .write = shadow_ctl_write, .max_access = 4,
};

static void test_memory_map_change(void)
{
    machine_up();
    setup_pm32();
    /* 0xe0000 shows RAM from 8 MiB on, above the plain RAM mapping there */
    mr_init_alias(&shadow, "shadow", &tm.ram, 0x800000, 0x10000);
    mr_set_readonly(&shadow, true);
    mr_add_subregion_overlap(&tm.sysmem, 0xe0000, &shadow, 1);
    mr_init_io(&shadow_port, "shadow-port", &shadow_ctl_ops, NULL, 1);
    mr_add_subregion(&tm.iomem, 0x80, &shadow_port);
    mr_init_io(&shadow_mmio, "shadow-mmio", &shadow_ctl_ops, NULL, 0x1000);
    mr_add_subregion(&tm.sysmem, 0x10000000, &shadow_mmio);
    load(0x1000, prog_map_change, sizeof(prog_map_change));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7000), 2);
    CU_ASSERT_EQUAL(rd32(0x7004), 2);
    CU_ASSERT_EQUAL(rd32(0x7008), 4);
    CU_ASSERT_EQUAL(rd32(0x800000), 2);         /* the writes went to the alias */
    CU_ASSERT_EQUAL(rd32(0xe0000), 0);          /* not to the RAM below it */
    mr_del_subregion(&tm.sysmem, &shadow_mmio);
    mr_del_subregion(&tm.iomem, &shadow_port);
    mr_del_subregion(&tm.sysmem, &shadow);
    mr_destroy(&shadow_mmio);
    mr_destroy(&shadow_port);
    mr_destroy(&shadow);
    machine_down();
}

static void test_real_mode(void)
{
    machine_up();
    X86CPUState *s = &tv.state;
    s->segs[SEG_CS].selector = 0;
    s->segs[SEG_CS].base = 0;
    s->rip = 0x1000;
    s->idt.base = 0;
    s->idt.limit = 0x3ff;
    accel_tcg_ops.state_changed(&tv);
    load(0x1000, prog_real16, sizeof(prog_real16));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x710) & 0xffff, 0x1234);
    CU_ASSERT_EQUAL(rd32(0x7000) & 0xffff, 0x246a);
    CU_ASSERT_EQUAL(rd32(0x7002) & 0xffff, 0x246a);
    CU_ASSERT_EQUAL(rd32(0x6004) & 0xffff, 0xbeef);
    CU_ASSERT_EQUAL(rd32(0x7004), 0x12345678);
    CU_ASSERT_EQUAL(s->regs[R_ESP] & 0xffff, 0x9000);
    machine_down();
}

static void test_long_mode(void)
{
    machine_up();
    setup_long_mode();
    load(0x1000, prog_lm64, sizeof(prog_lm64));
    run();
    X86CPUState *s = &tv.state;
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd64(0x7000), 0x123456789abcdef0ull);
    CU_ASSERT_EQUAL(rd64(0x7008), 0xffffffffull);
    CU_ASSERT_EQUAL(rd64(0x7010), 0x1122334455667788ull);
    CU_ASSERT_EQUAL(rd64(0x7018), 78);
    CU_ASSERT(rd64(0x7020) > 0x1000 && rd64(0x7020) < 0x1000 + sizeof(prog_lm64));
    CU_ASSERT_EQUAL(s->segs[SEG_CS].selector, 0x2b);   /* SYSRET to CPL 3 */
    CU_ASSERT_EQUAL(s->segs[SEG_SS].selector, 0x23);
    machine_down();
}

static void test_hlt_and_irq(void)
{
    /* sti; hlt; then the IRQ handler (vector 0x20 -> stub) runs */
    static const uint8_t code[] = { 0xbc, 0x00, 0x90, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfe };
    machine_up();
    setup_pm32();
    /* vector 0x20 -> reuse stub 0 entry layout: point gate at stub 31's slot */
    wr64(IDT_BASE + 0x20 * 8, (0x3000 + 31 * 16) | (0x10ull << 16) | (0x8eull << 40));
    tv.state.idt.limit = 0x21 * 8 - 1;
    load(0x1000, code, sizeof(code));
    VcpuExit e = accel_tcg_ops.vcpu_run(&tv);
    CU_ASSERT_EQUAL(e, VCPU_EXIT_HALT);
    CU_ASSERT(tv.state.halted);
    CU_ASSERT_EQUAL(tv.state.rip, 0x1007);
    irq_vector = 0x20;
    atomic_fetch_or(&tv.interrupt_request, CPU_INTERRUPT_HARD);
    run();
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), 31);          /* the stub it was routed to */
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1007);      /* return EIP after HLT */
    CU_ASSERT_FALSE(tv.state.halted);
    machine_down();
}

static void test_triple_fault(void)
{
    static const uint8_t code[] = { 0x31, 0xc9, 0xf7, 0xf1 };  /* xor ecx,ecx; div ecx */
    machine_up();
    setup_pm32();
    tv.state.idt.limit = 0;                     /* every vector is out of the IDT */
    load(0x1000, code, sizeof(code));
    VcpuExit e = run();
    CU_ASSERT_EQUAL(e, VCPU_EXIT_SHUTDOWN);
    machine_down();
}

static void test_rep_movs_fault(void)
{
    /* rep movsb from 0x3ff800 over the not-present 0x400000: progress kept */
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,                    /* mov esp, 0x9000 */
        0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8,  /* mov eax, 0x20000; mov cr3, eax */
        0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80,  /* mov eax, cr0; or eax, 1<<31 */
        0x0f, 0x22, 0xc0,                                /* mov cr0, eax */
        0xbe, 0x00, 0xf8, 0x3f, 0x00,                    /* mov esi, 0x3ff800 */
        0xbf, 0x00, 0x60, 0x00, 0x00,                    /* mov edi, 0x6000 */
        0xb9, 0x00, 0x10, 0x00, 0x00,                    /* mov ecx, 0x1000 */
        0xf3, 0xa4,                                      /* rep movsb */
        0xf4,
    };
    machine_up();
    setup_pm32();
    setup_paging32();
    load(0x1000, code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(rd32(0x7f00), 14);
    CU_ASSERT_EQUAL(rd32(0x7f10), 0x400000);
    CU_ASSERT_EQUAL(rd32(0x7f04), 0);           /* not present, read */
    CU_ASSERT_EQUAL(rd32(0x7f08), 0x1027);      /* EIP of REP MOVSB */
    CU_ASSERT_EQUAL(tv.state.regs[R_ECX], 0x1000 - 0x800);
    CU_ASSERT_EQUAL(tv.state.regs[R_ESI], 0x400000);
    machine_down();
}

static void test_cpu_model(void)
{
    X86CPUModel *model = NULL;
    Error err = { 0 };
    CU_ASSERT_EQUAL(x86_cpu_model_new("nosuch", &model, &err), -1);
    CU_ASSERT(strstr(err.msg, "nosuch") != NULL);
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL(x86_cpu_model_new("tandem,+frobnicate", &model, &err), -1);
    CU_ASSERT(strstr(err.msg, "frobnicate") != NULL);
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL(x86_cpu_model_new("tandem,adx=maybe", &model, &err), -1);
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(x86_cpu_model_new("tandem,-popcnt,lm=on", &model, &err), 0);

    /* cpuid leaf 1 and 0x80000001 as the guest sees them under tcg */
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov esp, 0x9000 */
        0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2,       /* mov eax, 1; cpuid */
        0x89, 0x0d, 0x00, 0x70, 0x00, 0x00,             /* mov [0x7000], ecx */
        0x89, 0x15, 0x04, 0x70, 0x00, 0x00,             /* mov [0x7004], edx */
        0xb8, 0x01, 0x00, 0x00, 0x80, 0x0f, 0xa2,       /* mov eax, 0x80000001; cpuid */
        0x89, 0x15, 0x08, 0x70, 0x00, 0x00,             /* mov [0x7008], edx */
        0xb0, 0x00, 0xe6, 0xf4,                         /* mov al, 0; out 0xf4, al */
    };
    machine_up_with(model);
    setup_pm32();
    load(0x1000, code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_FALSE(rd32(0x7000) & (1u << 23));    /* -popcnt */
    CU_ASSERT(rd32(0x7000) & (1u << 22));          /* movbe */
    CU_ASSERT(rd32(0x7004) & (1u << 15));          /* cmov */
    CU_ASSERT_FALSE(rd32(0x7004) & (1u << 7));     /* mce: in the model, not in tcg */
    CU_ASSERT(rd32(0x7004) & (1u << 25));          /* sse (sse-*.c) */
    CU_ASSERT(rd32(0x7000) & (1u << 28));          /* avx (avx.c) */
    CU_ASSERT(rd32(0x7004) & (1u << 0));           /* fpu: implemented (fpu-*.c) */
    CU_ASSERT(rd32(0x7004) & (1u << 24));          /* fxsr (xsave.c) */
    CU_ASSERT(rd32(0x7008) & (1u << 29));          /* lm */
    machine_down();
    x86_cpu_model_free(model);
}

/* -cpu max: every implemented feature, and nothing that is not. */
static void test_cpu_model_max(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov esp, 0x9000 */
        0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2,       /* mov eax, 1; cpuid */
        0x89, 0x0d, 0x00, 0x70, 0x00, 0x00,             /* mov [0x7000], ecx */
        0x89, 0x15, 0x04, 0x70, 0x00, 0x00,             /* mov [0x7004], edx */
        0xb0, 0x00, 0xe6, 0xf4,                         /* mov al, 0; out 0xf4, al */
    };
    X86CPUModel *max = NULL;
    Error err = { 0 };
    char buf[512];
    CU_ASSERT_EQUAL_FATAL(x86_cpu_model_new("max", &max, &err), 0);
    CU_ASSERT_EQUAL(x86_cpu_model_unimplemented(max, buf, sizeof(buf)), 0);
    machine_up_with(max);
    setup_pm32();
    load(0x1000, code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT(rd32(0x7000) & (1u << 23));          /* popcnt */
    CU_ASSERT(rd32(0x7000) & (1u << 28));          /* avx */
    CU_ASSERT(rd32(0x7000) & (1u << 20));          /* sse4.2 */
    CU_ASSERT(rd32(0x7004) & (1u << 26));          /* sse2 */
    CU_ASSERT(rd32(0x7004) & (1u << 0));           /* fpu */
    CU_ASSERT_FALSE(rd32(0x7004) & (1u << 7));     /* mce: not implemented */
    machine_down();
    x86_cpu_model_free(max);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "hello32", test_hello32 },
        { "cpu_model_max", test_cpu_model_max },
        { "exception_div0", test_exception_div0 },
        { "exception_gp", test_exception_gp },
        { "exception_ud_int", test_exception_ud_int },
        { "paging_pf", test_paging_pf },
        { "smc", test_smc },
        { "memory_map_change", test_memory_map_change },
        { "real_mode", test_real_mode },
        { "long_mode", test_long_mode },
        { "hlt_and_irq", test_hlt_and_irq },
        { "triple_fault", test_triple_fault },
        { "rep_movs_fault", test_rep_movs_fault },
        { "cpu_model", test_cpu_model },
        { NULL, NULL }
    };
    unit_add_suite("x86-exec", NULL, NULL, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Segment checks on data accesses, with the vector, error code and EIP of
 * each fault:
 *
 *  1. limits in 32-bit protected mode: the whole access must fit (a dword
 *     at limit-2 faults, a byte at the limit does not), for plain moves,
 *     stores, PUSH m32, LODS, a far pointer (LGS: six bytes) and SGDT;
 *     a 16-bit segment's word at 0xffff;
 *  2. rights: writes (MOV, ADD, INC, BTS, XCHG, LOCK ADD, SGDT) to a
 *     read-only data segment and to readable code (through FS and a CS
 *     override) raise #GP(0) while reads, CMP and BT do not; a read
 *     through an execute-only CS raises #GP(0);
 *  3. expand-down segments: 16-bit (offsets limit+1..0xffff) and 32-bit
 *     (limit+1..4 GiB-1);
 *  4. SS: #SS(0) for accesses beyond or straddling its limit; ENTER whose
 *     new stack top (after the imm16 frame) falls below an expand-down
 *     SS's limit raises #SS(0) with ESP and EBP unchanged;
 *  5. null selectors in DS, ES and GS: #GP(0) on use, none on load;
 *  5b. the other instruction families with their own operand sizes:
 *     string (STOS to a read-only ES, MOVS and XLAT past a limit), BOUND,
 *     CMPXCHG8B, an indirect CALL, x87 (FLDS, FNSTENV's 28 bytes),
 *     FXSAVE's 512 bytes and SSE (MOVUPS loads and stores);
 *  5c. code targets past the new CS limit: RETF, IRET, an interrupt gate
 *     and a call gate whose offset lies beyond the target's limit, #GP(0);
 *  5d. instruction fetch against the CS limit: running off the end of a
 *     small 32-bit code segment, and an instruction of a 16-bit one that
 *     straddles its limit, raise #GP(0) with EIP at that instruction; the
 *     same bytes run under a wider limit first, so a block translated for
 *     one limit must not be reused under another (QEMU 7.2's tcg does not
 *     check fetches against CS's limit at all: this part fails there);
 *  6. virtual-8086 mode (the limits of real mode): a word at DS:0xffff
 *     raises #GP(0), a push with SP = 1 #SS(0), a byte at 0xffff nothing;
 *  7. interrupt delivery with no room for the frame: #SS(0) for INT n on
 *     the same stack, #SS(1) (EXT) for an exception, #SS(new SS) for a
 *     ring 3 -> 0 switch (INT n, call gate) to a ring 0 stack beyond its
 *     limit; #SS itself
 *     goes through a task gate to a task that repairs the stack.
 */
#include "guest.h"
#include "desc.h"

#define SEL_SMALL  0x48         /* data RW, base SMALL_BASE, limit 0xfff */
#define SEL_RO     0x50         /* data read-only, flat */
#define SEL_XR     0x58         /* code execute/read, flat 32-bit */
#define SEL_XO     0x60         /* code execute-only, flat 32-bit */
#define SEL_ED16   0x68         /* data RW expand-down, B=0, limit 0xfff */
#define SEL_ED32   0x70         /* data RW expand-down, B=1, limit 0xfff */
#define SEL_SSLIM  0x78         /* data RW, base 0, limit 16 MiB - 1 */
#define SEL_LIMCODE 0x90        /* code, base 0, limit 1 MiB - 1 */
#define SEL_FARGATE 0x98        /* call gate, DPL 0, to SEL_LIMCODE:2 MiB */
#define SEL_TINY   0xa0         /* code at tiny_code, limit set by each check */
#define SEL_EDSS   0xa8         /* data RW expand-down, B=1, limit enter_stack + 0xfff */

#define SMALL_BASE 0x200000u
#define ED16_BASE  0x300000u

#define check(vec, err) check_at(__LINE__, vec, err)
#define none() check_at(__LINE__, 0xff, 0)

/* One instruction that may fault; it addresses through EBX, uses EAX. */
#define TRY(insn, addr)                                                      \
    do {                                                                     \
        uint32_t eax_ = 0x5a5a5a5a;                                          \
        exc_clear();                                                         \
        __asm__ volatile(EXPECT_FAULT(insn)                                  \
                         : "+a"(eax_) : "b"(addr) : "memory", "cc");         \
        exc_resume = 0;                                                      \
    } while (0)

static volatile uint32_t target = 0x11223344;
static unsigned nchecks;

/* vec 0xff: no exception expected. */
static void check_at(int line, uint32_t vec, uint32_t err)
{
    nchecks++;
    if (vec == 0xff) {
        if (exc.count != 0)
            printf("line %d: unexpected vector %u error 0x%x at 0x%x\n", line, exc.vector,
                   exc.error, exc.eip);
        GUEST_ASSERT(exc.count == 0);
        return;
    }
    if (exc.count != 1 || exc.vector != vec || exc.error != err || exc.eip != exc_expect_eip)
        printf("line %d: got %u x vector %u error 0x%x eip 0x%x; want %u 0x%x 0x%x\n", line,
               exc.count, exc.vector, exc.error, exc.eip, vec, err, exc_expect_eip);
    GUEST_ASSERT(exc.count == 1);
    GUEST_ASSERT(exc.vector == vec);
    GUEST_ASSERT(exc.error == err);
    GUEST_ASSERT(exc.eip == exc_expect_eip);
}

static void load_fs(uint16_t sel)
{
    __asm__ volatile("movw %0, %%fs" : : "r"(sel) : "memory");
}

static void test_limits(void)
{
    uint32_t esp_before, esp_after;

    load_fs(SEL_SMALL);
    TRY("movl %%fs:0xffc, %%eax", 0);
    none();
    TRY("movl %%fs:(%%ebx), %%eax", 0xffd);
    check(13, 0);
    TRY("movb %%fs:(%%ebx), %%al", 0xfff);
    none();
    TRY("movb %%fs:(%%ebx), %%al", 0x1000);
    check(13, 0);
    TRY("movw %%ax, %%fs:(%%ebx)", 0xfff);
    check(13, 0);
    TRY("movl %%eax, %%fs:(%%ebx)", 0xffc);
    none();
    GUEST_ASSERT(*(volatile uint32_t *)(SMALL_BASE + 0xffc) == 0x5a5a5a5a);

    __asm__ volatile("movl %%esp, %0" : "=r"(esp_before));
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("pushl %%fs:(%%ebx)") "movl %%esp, %0"
                     : "=r"(esp_after) : "b"(0xffd) : "memory");
    check(13, 0);
    GUEST_ASSERT(esp_after == esp_before);

    exc_clear();
    __asm__ volatile("movl %0, %%esi\n\t" EXPECT_FAULT("lodsl %%fs:(%%esi), %%eax")
                     : : "r"(0xffeu) : "eax", "esi", "memory");
    check(13, 0);
    /* Far pointer: offset (4 bytes) fits, the selector does not. */
    TRY("lgsl %%fs:(%%ebx), %%eax", 0xffc);
    check(13, 0);
    TRY("lgsl %%fs:(%%ebx), %%eax", 0xffa);
    check(13, 0x5a58);  /* fits: loads selector 0x5a5a, beyond the GDT */
    TRY("sgdt %%fs:(%%ebx)", 0xffc);
    check(13, 0);
    TRY("sgdt %%fs:(%%ebx)", 0xffa);
    none();

    /* A 16-bit data segment: limit 0xffff. */
    __asm__ volatile("movw %0, %%fs" : : "r"((uint16_t)SEL_DS16));
    TRY("movw %%fs:(%%ebx), %%ax", 0xffff);
    check(13, 0);
    TRY("movb %%fs:(%%ebx), %%al", 0xffff);
    none();
    puts("sys-segments: limits cover the whole access ok");
}

static void test_rights(void)
{
    uint32_t a = (uint32_t)&target;

    load_fs(SEL_RO);
    TRY("movl %%fs:(%%ebx), %%eax", a);
    none();
    TRY("cmpl $1, %%fs:(%%ebx)", a);
    none();
    TRY("btl $1, %%fs:(%%ebx)", a);
    none();
    TRY("movl %%eax, %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("addl $1, %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("incl %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("btsl $1, %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("xchgl %%eax, %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("lock addl $1, %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("sgdt %%fs:(%%ebx)", a);
    check(13, 0);
    GUEST_ASSERT(target == 0x11223344);

    /* Readable code through FS and through a CS override. */
    load_fs(SEL_XR);
    TRY("movl %%fs:(%%ebx), %%eax", a);
    none();
    TRY("movl %%eax, %%fs:(%%ebx)", a);
    check(13, 0);
    TRY("movl %%cs:(%%ebx), %%eax", a);
    none();
    TRY("movl %%eax, %%cs:(%%ebx)", a);
    check(13, 0);
    GUEST_ASSERT(target == 0x11223344);

    /* Execute-only code as CS: fetching works, reading does not. */
    exc_clear();
    __asm__ volatile("ljmp %[xo], $3f\n"
                     "3:\n\t"
                     "movl $1f, exc_resume\n\t"
                     "movl $2f, exc_expect_eip\n"
                     "2:\tmovl %%cs:(%%ebx), %%eax\n"
                     "1:\tljmp $0x08, $4f\n"
                     "4:"
                     : : "b"(a), [xo] "i"(SEL_XO) : "eax", "memory");
    exc_resume = 0;
    check(13, 0);
    GUEST_ASSERT(exc.cs == SEL_XO);
    puts("sys-segments: read-only data and code segments ok");
}

static void test_expand_down(void)
{
    load_fs(SEL_ED16);
    TRY("movb %%fs:(%%ebx), %%al", 0xfff);
    check(13, 0);
    TRY("movl %%fs:(%%ebx), %%eax", 0xffe);
    check(13, 0);
    TRY("movb %%fs:(%%ebx), %%al", 0x1000);
    none();
    TRY("movb %%fs:(%%ebx), %%al", 0xffff);
    none();
    TRY("movw %%fs:(%%ebx), %%ax", 0xffff);
    check(13, 0);
    TRY("movb %%fs:(%%ebx), %%al", 0x10000);
    check(13, 0);
    TRY("movl %%eax, %%fs:(%%ebx)", 0x2000);
    none();
    GUEST_ASSERT(*(volatile uint32_t *)(ED16_BASE + 0x2000) == 0x5a5a5a5a);

    load_fs(SEL_ED32);
    TRY("movl %%fs:(%%ebx), %%eax", 0xffc);
    check(13, 0);
    TRY("movl %%fs:(%%ebx), %%eax", 0xffe);
    check(13, 0);
    TRY("movl %%fs:(%%ebx), %%eax", 0x1000);
    none();
    TRY("movl %%fs:(%%ebx), %%eax", 0x100000);
    none();
    TRY("movl %%fs:(%%ebx), %%eax", 0);
    check(13, 0);
    puts("sys-segments: expand-down segments ok");
}

/* Run pre, then insn with SS = SEL_SSLIM (base 0, limit 16 MiB - 1). */
#define TRY_SS(pre, insn, addr)                                              \
    do {                                                                     \
        uint32_t eax_ = 0, ebx_ = (addr);                                    \
        exc_clear();                                                         \
        __asm__ volatile("movw %[lim], %%dx\n\t"                             \
                         "movw %%dx, %%ss\n\t"                               \
                         pre EXPECT_FAULT(insn)                              \
                         "movw %[flat], %%dx\n\t"                            \
                         "movw %%dx, %%ss"                                   \
                         : "+a"(eax_), "+b"(ebx_) : [lim] "i"(SEL_SSLIM),    \
                           [flat] "i"(SEL_DS0) : "edx", "memory", "cc");     \
        exc_resume = 0;                                                      \
    } while (0)

static void test_stack_segment(void)
{
    uint32_t esp;

    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    GUEST_ASSERT(esp < 0x1000000);
    TRY_SS("", "movl %%ss:(%%ebx), %%eax", 0xfffffc);
    none();
    TRY_SS("", "movl %%ss:(%%ebx), %%eax", 0xfffffe);
    check(12, 0);
    TRY_SS("", "movl %%ss:(%%ebx), %%eax", 0x1000000);
    check(12, 0);
    TRY_SS("", "movl %%eax, %%ss:(%%ebx)", 0x1000000);
    check(12, 0);
    /* ESP-based addresses use SS too: ESP + EBX = 16 MiB. */
    TRY_SS("subl %%esp, %%ebx\n\t", "movl (%%esp, %%ebx), %%eax", 0x1000000);
    check(12, 0);
    puts("sys-segments: SS limit raises #SS(0) ok");
}

/* ENTER imm, 0 on SS = SEL_EDSS, ESP = top: offsets above enter_stack +
 * 0xfff are inside it, below are not. ESP and EBP after it are noted. */
static uint8_t enter_stack[2 * 4096] __attribute__((aligned(4096)));
uint32_t enter_esp, enter_ebp, enter_saved_esp, enter_saved_ebp;
#define TRY_ENTER(imm, top)                                                  \
    do {                                                                     \
        exc_clear();                                                         \
        __asm__ volatile("movl %%esp, enter_saved_esp\n\t"                   \
                         "movl %%ebp, enter_saved_ebp\n\t"                   \
                         "movw %[ed], %%dx\n\t"                              \
                         "movw %%dx, %%ss\n\t"                               \
                         "movl %[t], %%esp\n\t"                              \
                         "movl $0x5eb0, %%ebp\n\t"                           \
                         EXPECT_FAULT("enter $" #imm ", $0")                 \
                         "movl %%esp, enter_esp\n\t"                         \
                         "movl %%ebp, enter_ebp\n\t"                         \
                         "movw %[flat], %%dx\n\t"                            \
                         "movw %%dx, %%ss\n\t"                               \
                         "movl enter_saved_esp, %%esp\n\t"                   \
                         "movl enter_saved_ebp, %%ebp"                       \
                         : : [ed] "i"(SEL_EDSS), [flat] "i"(SEL_DS0),        \
                           [t] "a"(top) : "edx", "memory", "cc");            \
        exc_resume = 0;                                                      \
    } while (0)

static void test_enter(void)
{
    uint32_t top = (uint32_t)enter_stack + 0x1800;
    gdt[SEL_EDSS >> 3] = seg_desc(0, (uint32_t)enter_stack >> 12, 0x97, 0xc);
    /* The frame fits: EBP = the pushed slot, ESP 0x400 below it. */
    TRY_ENTER(0x400, top);
    none();
    GUEST_ASSERT(enter_ebp == top - 4 && enter_esp == top - 4 - 0x400);
    /* The push fits but the new stack top does not: #SS(0), nothing changed. */
    TRY_ENTER(0x900, top);
    check(12, 0);
    if (enter_esp != top || enter_ebp != 0x5eb0)
        printf("ENTER fault: esp 0x%x ebp 0x%x\n", enter_esp, enter_ebp);
    GUEST_ASSERT(enter_esp == top && enter_ebp == 0x5eb0);
    puts("sys-segments: ENTER probes its new stack top (#SS(0)) ok");
}

static void test_null(void)
{
    uint32_t a = (uint32_t)&target;

    /* Loading null is allowed; using it is not. */
    __asm__ volatile("movw %0, %%gs" : : "r"((uint16_t)0));
    TRY("movl %%gs:(%%ebx), %%eax", a);
    check(13, 0);
    TRY("movl %%eax, %%gs:(%%ebx)", a);
    check(13, 0);

    exc_clear();
    __asm__ volatile("pushl %%es\n\t"
                     "movw %w1, %%es\n\t"
                     "movl %0, %%edi\n\t"
                     EXPECT_FAULT("stosb")
                     "popl %%es"
                     : : "r"(a), "r"(0) : "eax", "edi", "memory");
    exc_resume = 0;
    check(13, 0);

    exc_clear();
    __asm__ volatile("movl $1f, exc_resume\n\t"
                     "movl $2f, exc_expect_eip\n\t"
                     "pushl %%ds\n\t"
                     "movw %w1, %%ds\n"
                     "2:\tmovl (%0), %%eax\n"
                     "1:\tpopl %%ds"
                     : : "b"(a), "r"(0) : "eax", "memory");
    exc_resume = 0;
    check(13, 0);
    puts("sys-segments: null selectors fault on use ok");
}

static void test_forms(void)
{
    uint32_t a = (uint32_t)&target;

    load_fs(SEL_SMALL);
    exc_clear();
    __asm__ volatile("pushl %%es\n\t"
                     "movw %w1, %%es\n\t"
                     "movl %0, %%edi\n\t"
                     "movl $4, %%ecx\n\t"
                     EXPECT_FAULT("rep stosb")
                     "popl %%es"
                     : : "r"(a), "r"(SEL_RO) : "eax", "ecx", "edi", "memory");
    exc_resume = 0;
    check(13, 0);
    GUEST_ASSERT(target == 0x11223344);
    exc_clear();
    __asm__ volatile("movl $0x1000, %%esi\n\t"
                     "movl %0, %%edi\n\t"
                     EXPECT_FAULT("movsb %%fs:(%%esi), %%es:(%%edi)")
                     : : "r"(a) : "esi", "edi", "memory");
    exc_resume = 0;
    check(13, 0);
    TRY("xlat %%fs:(%%ebx)", 0xfff);               /* AL = 0x5a: 0x1059 */
    check(13, 0);
    TRY("boundl %%eax, %%fs:(%%ebx)", 0xffc);      /* two dwords to 0x1003 */
    check(13, 0);
    TRY("call *%%fs:(%%ebx)", 0xffe);
    check(13, 0);
    TRY("flds %%fs:(%%ebx)", 0xffe);
    check(13, 0);
    TRY("fnstenv %%fs:(%%ebx)", 0xff0);            /* 28 bytes to 0x100b */
    check(13, 0);
    TRY("fnstenv %%fs:(%%ebx)", 0xfe4);            /* 28 bytes to 0xfff */
    none();
    TRY("fxsave %%fs:(%%ebx)", 0xe10);             /* 512 bytes to 0x100f */
    check(13, 0);
    TRY("fxsave %%fs:(%%ebx)", 0xe00);
    none();
    write_cr4(read_cr4() | (1u << 9));              /* OSFXSR: SSE on */
    TRY("movups %%fs:(%%ebx), %%xmm0", 0xff1);     /* 16 bytes to 0x1000 */
    check(13, 0);
    TRY("movups %%fs:(%%ebx), %%xmm0", 0xff0);
    none();

    load_fs(SEL_RO);
    TRY("movups %%fs:(%%ebx), %%xmm0", a);
    none();
    TRY("movups %%xmm0, %%fs:(%%ebx)", a);
    check(13, 0);
    write_cr4(read_cr4() & ~(1u << 9));
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("cmpxchg8b %%fs:(%%esi)")
                     : : "S"(a) : "eax", "ebx", "ecx", "edx", "memory", "cc");
    exc_resume = 0;
    check(13, 0);
    GUEST_ASSERT(target == 0x11223344);
    puts("sys-segments: string, BOUND, CMPXCHG8B, CALL, x87, FXSAVE and SSE forms ok");
}

static void test_code_limits(void)
{
    exc_clear();
    __asm__ volatile("pushl %0\n\tpushl $0x100000\n\t" EXPECT_FAULT("lret")
                     "addl $8, %%esp" : : "i"(SEL_LIMCODE) : "memory");
    check(13, 0);
    exc_clear();
    __asm__ volatile("pushfl\n\tpushl %0\n\tpushl $0x100000\n\t" EXPECT_FAULT("iret")
                     "addl $12, %%esp" : : "i"(SEL_LIMCODE) : "memory");
    check(13, 0);
    set_gate(0x51, 0x200000, SEL_LIMCODE, 0x8e);
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("int $0x51") : : : "memory");
    check(13, 0);
    set_gate_stub(0x51, 0x8e);
    gdt[SEL_FARGATE >> 3] = ((uint64_t)SEL_LIMCODE << 16) | (0x8cull << 40) | (0x20ull << 48);
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("lcall %0, $0") : : "i"(SEL_FARGATE) : "memory");
    check(13, 0);
    puts("sys-segments: RETF, IRET and gates past the code segment limit ok");
}

/* ---- 5d. instruction fetch past the CS limit ---- */

static uint8_t tiny_code[16] __attribute__((aligned(16)));
volatile uint32_t tiny_esp;     /* global: the asm below names it */

/* A fault inside SEL_TINY: back to flat code after the far call. */
static int tiny_hook(struct exc_frame *f)
{
    if ((f->cs & 0xffff) != SEL_TINY)
        return 0;
    f->cs = SEL_CS0;
    f->eip = exc_resume;
    exc_resume = 0;
    return 1;
}

/* Far-call tiny_code as a code segment (flags: D bit) with the given limit;
 * returns AX as the code left it (0x5a5a if it did not get that far). */
static uint32_t tiny_call(uint32_t limit, uint32_t flags)
{
    uint32_t eax = 0x5a5a;
    gdt[SEL_TINY >> 3] = seg_desc((uint32_t)tiny_code, limit, 0x9b, flags);
    exc_clear();
    /* A fault leaves the far call's return address on the stack, RETF
     * does not: both paths meet at 1: and take ESP from before the call. */
    __asm__ volatile("movl $1f, exc_resume\n\t"
                     "movl %%esp, tiny_esp\n\t"
                     "lcall %1, $0\n\t"
                     "1:\n\t"
                     "movl tiny_esp, %%esp"
                     : "+a"(eax) : "i"(SEL_TINY) : "memory", "cc");
    exc_resume = 0;
    return eax & 0xffff;
}

static void check_tiny_fault(int line, uint32_t eip)
{
    exc_expect_eip = eip;
    check_at(line, 13, 0);
    GUEST_ASSERT((exc.cs & 0xffff) == SEL_TINY);
}

static void test_fetch_limit(void)
{
    /* 16-bit: nop; nop; mov ax, 0x1234 (offsets 2..4); o32 retf (5..6). */
    static const uint8_t code16[] = { 0x90, 0x90, 0xb8, 0x34, 0x12, 0x66, 0xcb, 0x0f, 0x0b };
    /* 32-bit: four nops (0..3), then UD2, which a limit of 3 must hide. */
    static const uint8_t code32[] = { 0x90, 0x90, 0x90, 0x90, 0x0f, 0x0b };

    exc_hook = tiny_hook;
    memcpy(tiny_code, code16, sizeof(code16));
    GUEST_ASSERT(tiny_call(0xfff, 0x0) == 0x1234);  /* wide: runs and returns */
    none();
    GUEST_ASSERT(tiny_call(6, 0x0) == 0x1234);      /* RETF's last byte at the limit */
    none();
    tiny_call(3, 0x0);                              /* MOV straddles 3/4 */
    check_tiny_fault(__LINE__, 2);
    GUEST_ASSERT(tiny_call(5, 0x0) == 0x1234);      /* RETF straddles 5/6 */
    check_tiny_fault(__LINE__, 5);
    GUEST_ASSERT(tiny_call(0xfff, 0x0) == 0x1234);  /* and wide again */
    none();

    memcpy(tiny_code, code32, sizeof(code32));
    tiny_call(3, 0x4);                              /* runs off the end */
    check_tiny_fault(__LINE__, 4);
    tiny_call(0, 0x4);                              /* one byte: the first NOP */
    check_tiny_fault(__LINE__, 1);
    /* A block that ends at the limit (a JNZ not taken) and falls through:
     * the next one starts past the limit. */
    static const uint8_t jnz32[] = { 0x31, 0xc0, 0x75, 0xfc, 0x0f, 0x0b };
    memcpy(tiny_code, jnz32, sizeof(jnz32));
    tiny_call(3, 0x4);
    check_tiny_fault(__LINE__, 4);
    exc_hook = 0;
    puts("sys-segments: instruction fetch past the CS limit raises #GP(0) ok");
}

/* ---- 6. virtual-8086 mode: real-mode limits ---- */

#define V86_CS 0x0700
#define V86_SS 0x0800
#define V86_DS 0x0900

extern const uint8_t v86s_start[], v86s_end[], v86s_word[], v86s_word_end[], v86s_push[],
    v86s_push_end[], v86s_hlt[];
__asm__(".section .rodata\n"
        ".code16\n"
        "v86s_start:\n"
        "movb 0xffff, %al\n"                    /* fits */
        "v86s_word: movw 0xffff, %ax\n"         /* straddles 0xffff */
        "v86s_word_end:\n"
        "movw $1, %sp\n"
        "v86s_push: pushw %ax\n"                /* word at SS:0xffff */
        "v86s_push_end:\n"
        "movw $0x1000, %sp\n"
        "v86s_hlt: hlt\n"
        "v86s_end:\n"
        ".code32\n"
        ".text\n");

static struct { uint32_t vector, error, ip, sp; } v86_faults[4];
static volatile unsigned v86_nfaults;

static uint32_t v86_off(const uint8_t *p)
{
    return (uint32_t)(p - v86s_start);
}

static int v86_monitor(struct exc_frame *f)
{
    if (!(f->eflags & (1u << 17)))
        return 0;
    unsigned n = v86_nfaults++;
    if (n < 4) {
        v86_faults[n].vector = f->vector;
        v86_faults[n].error = f->error;
        v86_faults[n].ip = f->eip & 0xffff;
        v86_faults[n].sp = f->esp & 0xffff;
    }
    uint32_t ip = f->eip & 0xffff;
    if (ip == v86_off(v86s_word))
        f->eip = v86_off(v86s_word_end);
    else if (ip == v86_off(v86s_push))
        f->eip = v86_off(v86s_push_end);
    else
        user_return();                          /* HLT or anything else: stop */
    return 1;
}

static void test_v86(void)
{
    memcpy((void *)(V86_CS * 16), v86s_start, (size_t)(v86s_end - v86s_start));
    v86_nfaults = 0;
    exc_hook = v86_monitor;
    v86_call(V86_CS, 0, V86_SS, 0x1000, V86_DS, 0x2);   /* IOPL 0 */
    exc_hook = 0;
    for (unsigned k = 0; k < v86_nfaults && k < 4; k++)
        printf("v8086 fault %u: vector %u error 0x%x ip 0x%x sp 0x%x\n", k,
               v86_faults[k].vector, v86_faults[k].error, v86_faults[k].ip, v86_faults[k].sp);
    GUEST_ASSERT(v86_nfaults == 3);
    GUEST_ASSERT(v86_faults[0].vector == 13 && v86_faults[0].error == 0);
    GUEST_ASSERT(v86_faults[0].ip == v86_off(v86s_word));
    GUEST_ASSERT(v86_faults[1].vector == 12 && v86_faults[1].error == 0);
    GUEST_ASSERT(v86_faults[1].ip == v86_off(v86s_push));
    GUEST_ASSERT(v86_faults[1].sp == 1);       /* SP unchanged by the failed push */
    GUEST_ASSERT(v86_faults[2].vector == 13);  /* HLT at IOPL 0 */
    GUEST_ASSERT(v86_faults[2].ip == v86_off(v86s_hlt));
    puts("sys-segments: virtual-8086 limits (word at 0xffff, push at SP 1) ok");
}

/* ---- 7. no room on the stack for an interrupt frame ---- */

#define SEL_SS_TSS 0x80
#define SEL_CALLGATE 0x88       /* call gate, DPL 3, to gate_target at ring 0 */

static struct tss32 ss_tss __attribute__((aligned(128)));
static uint8_t ss_stack[2048] __attribute__((aligned(16)));
static volatile uint32_t ss_count, ss_error, ss_good_esp, ss_good_esp0;

/* The #SS task: note the error code, repair the stack of the faulting
 * task (its ring 0 stack if it was at ring 3), IRET back. */
void ss_task_c(uint32_t err);
void ss_task(void);
void user_int80(void);
void user_callgate(void);
__asm__(".text\n"
        "ss_task:\n"
        "call ss_task_c\n"
        "addl $4, %esp\n"
        "iret\n"
        "jmp ss_task\n"
        "user_int80: int $0x80\n"
        "user_callgate: lcall $0x8b, $0\n int $0x80\n"
        "gate_target: lret\n");
void gate_target(void);

void ss_task_c(uint32_t err)
{
    ss_count++;
    ss_error = err;
    if (tss.t.cs & 3) {
        tss.t.esp0 = ss_good_esp0;
        tss.t.ss0 = SEL_DS0;
    } else {
        tss.t.esp = ss_good_esp;
        tss.t.eip = exc_resume;
        exc_resume = 0;
    }
}

/* insn at ring 0 with SS = SEL_SSLIM and ESP = 16 MiB + 2: no room. */
#define TRY_NO_ROOM(insn)                                                    \
    __asm__ volatile("movl %%esp, ss_good_esp\n\t"                           \
                     "movl $1f, exc_resume\n\t"                              \
                     "movw %[lim], %%dx\n\t"                                 \
                     "movw %%dx, %%ss\n\t"                                   \
                     "movl $0x1000002, %%esp\n"                              \
                     "2:\t" insn "\n"                                         \
                     "1:\tmovw %[flat], %%dx\n\t"                             \
                     "movw %%dx, %%ss"                                       \
                     : : [lim] "i"(SEL_SSLIM), [flat] "i"(SEL_DS0)           \
                     : "edx", "memory", "cc")

/* Run fn at ring 3 with the ring 0 stack SEL_SSLIM:esp0, which cannot hold
 * the frame: the #SS task sees the SS selector and repairs SS0:ESP0. */
static void no_room_ring0(void (*fn)(void), uint32_t esp0, unsigned nth)
{
    tss.t.ss0 = SEL_SSLIM;
    tss.t.esp0 = esp0;
    exc_clear();
    user_call(fn, 0x202);
    GUEST_ASSERT(ss_count == nth && ss_error == SEL_SSLIM);
    GUEST_ASSERT(exc.count == 1 && exc.vector == 0x80);
    GUEST_ASSERT(tss.t.esp0 == ss_good_esp0 && tss.t.ss0 == SEL_DS0);
}

static void test_delivery(void)
{
    uint32_t esp0 = tss.t.esp0;

    task_init(&ss_tss, SEL_SS_TSS, ss_task, ss_stack, sizeof(ss_stack));
    set_gate(12, 0, SEL_SS_TSS, 0x85);

    exc_clear();
    TRY_NO_ROOM("int $0x50");
    GUEST_ASSERT(ss_count == 1 && ss_error == 0);
    GUEST_ASSERT(exc.count == 0);
    TRY_NO_ROOM("ud2");
    GUEST_ASSERT(ss_count == 2 && ss_error == 1);   /* EXT: an exception */
    GUEST_ASSERT(exc.count == 0);

    /* Ring 3 -> 0 onto a ring 0 stack with no room: through INT 0x80
     * (five dwords), and through a call gate (four: SS, ESP, CS, EIP). */
    ss_good_esp0 = esp0;
    no_room_ring0(user_int80, 0x1000004, 3);
    gdt[SEL_CALLGATE >> 3] = ((uint32_t)gate_target & 0xffff) | ((uint64_t)SEL_CS0 << 16) |
                             (0xecull << 40) | ((uint64_t)((uint32_t)gate_target >> 16) << 48);
    no_room_ring0(user_callgate, 0x100000c, 4);
    set_gate_stub(12, 0x8e);
    puts("sys-segments: no room for an interrupt frame raises #SS ok");
}

int guest_main(void)
{
    desc_init();
    gdt[SEL_SMALL >> 3] = seg_desc(SMALL_BASE, 0xfff, 0x93, 0x4);
    gdt[SEL_RO >> 3] = seg_desc(0, 0xfffff, 0x91, 0xc);
    gdt[SEL_XR >> 3] = seg_desc(0, 0xfffff, 0x9b, 0xc);
    gdt[SEL_XO >> 3] = seg_desc(0, 0xfffff, 0x99, 0xc);
    gdt[SEL_ED16 >> 3] = seg_desc(ED16_BASE, 0xfff, 0x97, 0x0);
    gdt[SEL_ED32 >> 3] = seg_desc(0, 0xfff, 0x97, 0x4);
    gdt[SEL_SSLIM >> 3] = seg_desc(0, 0xfff, 0x93, 0xc);
    gdt[SEL_LIMCODE >> 3] = seg_desc(0, 0xfffff, 0x9b, 0x4);

    test_limits();
    test_rights();
    test_expand_down();
    test_stack_segment();
    test_enter();
    test_null();
    test_forms();
    test_code_limits();
    test_fetch_limit();
    test_v86();
    test_delivery();
    __asm__ volatile("movw %0, %%fs\n\tmovw %0, %%gs" : : "r"((uint16_t)SEL_DS0));
    printf("sys-segments: %u checks\n", nchecks);
    return 0;
}

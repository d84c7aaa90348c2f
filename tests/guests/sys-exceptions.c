/* SPDX-License-Identifier: MIT */
/*
 * Exception delivery in 32-bit protected mode, as an OS sees it: #DE, #UD,
 * #BP and #OF (INTO) with the right pushed EIP (the faulting instruction for
 * faults, the next one for traps), #BR from BOUND, #GP with the selector as
 * error code (beyond the GDT limit), #NP and #SS for not-present segments,
 * #GP(0) for a far JMP beyond a code segment's limit, and a double fault
 * (#DE through a not-present gate: #NP, then #DF) delivered through a task
 * gate to its own task, which returns with IRET (NT) to the faulting task.
 */
#include "guest.h"
#include "desc.h"

#define SEL_NP_DATA  0x48       /* data, not present */
#define SEL_LIM_CODE 0x50       /* 32-bit code, base 0, limit 1 MiB */
#define SEL_DF_TSS   0x58       /* the double-fault task */
#define check(...) check_at(__LINE__, __VA_ARGS__)

static struct tss32 df_tss __attribute__((aligned(128)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t df_count, df_error, df_link, df_back_eip;

static void check_at(int line, uint32_t vec, uint32_t err, uint32_t eip)
{
    if (exc.count != 1 || exc.vector != vec || exc.error != err || exc.eip != eip)
        printf("line %d: got %u x vector %u error 0x%x eip 0x%x; want %u 0x%x 0x%x\n",
               line, exc.count, exc.vector, exc.error, exc.eip, vec, err, eip);
    GUEST_ASSERT(exc.count == 1);
    GUEST_ASSERT(exc.vector == vec);
    GUEST_ASSERT(exc.error == err);
    GUEST_ASSERT(exc.eip == eip);
    GUEST_ASSERT(exc.cs == SEL_CS0);
}

static void test_de_ud(void)
{
    uint32_t q = 0;

    exc_clear();
    __asm__ volatile("xorl %%ecx, %%ecx\n\t" EXPECT_FAULT("divl %%ecx")
                     : "+a"(q) : : "ecx", "edx", "memory");
    check(0, 0, exc_expect_eip);
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("ud2") : : : "memory");
    check(6, 0, exc_expect_eip);
    puts("sys-exceptions: #DE and #UD ok");
}

static void test_traps(void)
{
    uint32_t after;

    exc_clear();
    __asm__ volatile(EXPECT_FAULT("int3") "movl $1b, %0" : "=r"(after) : : "memory");
    check(3, 0, after);
    /* INTO: nothing with OF clear, #OF after the instruction with OF set. */
    exc_clear();
    __asm__ volatile("xorl %%eax, %%eax\n\tinto" : : : "eax", "memory");
    GUEST_ASSERT(exc.count == 0);
    __asm__ volatile("movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\t"
                     EXPECT_FAULT("into") "movl $1b, %0"
                     : "=r"(after) : : "eax", "memory");
    check(4, 0, after);
    GUEST_ASSERT(exc.eflags & 0x800);
    puts("sys-exceptions: #BP and #OF (INTO) ok");
}

static void test_bound(void)
{
    static const int32_t bounds[2] = { 10, 20 };

    exc_clear();
    __asm__ volatile("movl $15, %%eax\n\tboundl %%eax, %0\n\t"
                     "movl $20, %%eax\n\tboundl %%eax, %0\n\t"
                     "movl $10, %%eax\n\tboundl %%eax, %0"
                     : : "m"(bounds) : "eax", "memory");
    GUEST_ASSERT(exc.count == 0);
    __asm__ volatile("movl $21, %%eax\n\t" EXPECT_FAULT("boundl %%eax, %0")
                     : : "m"(bounds) : "eax", "memory");
    check(5, 0, exc_expect_eip);
    exc_clear();
    __asm__ volatile("movl $-1, %%eax\n\t" EXPECT_FAULT("boundl %%eax, %0")
                     : : "m"(bounds) : "eax", "memory");
    check(5, 0, exc_expect_eip);
    puts("sys-exceptions: #BR (BOUND) ok");
}

static void test_selectors(void)
{
    uint16_t fs;

    exc_clear();
    __asm__ volatile("movw $0x2008, %%ax\n\t" EXPECT_FAULT("movw %%ax, %%fs")
                     : : : "eax", "memory");
    check(13, 0x2008, exc_expect_eip);
    __asm__ volatile("movw %%fs, %0" : "=r"(fs));
    GUEST_ASSERT(fs == SEL_DS0);
    /* A code segment is not a data segment to load into FS... it is if
     * readable; into SS it never is: #GP(selector). */
    exc_clear();
    __asm__ volatile("movw $0x08, %%ax\n\t" EXPECT_FAULT("movw %%ax, %%ss")
                     : : : "eax", "memory");
    check(13, 0x08, exc_expect_eip);
    exc_clear();
    __asm__ volatile("movw %0, %%ax\n\t" EXPECT_FAULT("movw %%ax, %%fs")
                     : : "i"(SEL_NP_DATA) : "eax", "memory");
    check(11, SEL_NP_DATA, exc_expect_eip);
    exc_clear();
    __asm__ volatile("movw %0, %%ax\n\t" EXPECT_FAULT("movw %%ax, %%ss")
                     : : "i"(SEL_NP_DATA) : "eax", "memory");
    check(12, SEL_NP_DATA, exc_expect_eip);
    puts("sys-exceptions: #GP, #NP, #SS with selector error codes ok");
}

static void test_limits(void)
{
    /* A far JMP to an offset beyond the code segment's limit (1 MiB; this
     * code is above it): #GP(0) at the JMP, nothing loaded. Data-segment
     * limits are not checked here: QEMU's TCG ignores them, so a guest
     * could not be proven right against it. */
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("ljmp %0, $1b") : : "i"(SEL_LIM_CODE) : "memory");
    check(13, 0, exc_expect_eip);
    puts("sys-exceptions: #GP(0) on code segment limit ok");
}

/* The double-fault task: note the fault, make the faulting task resume
 * after the instruction, IRET back to it (NT is set), and start over. */
void df_task_c(uint32_t err);
void df_task(void);
__asm__(".text\n"
        "df_task:\n"
        "call df_task_c\n"          /* the error code is the argument */
        "addl $4, %esp\n"
        "iret\n"
        "jmp df_task\n");

void df_task_c(uint32_t err)
{
    df_count++;
    df_error = err;
    df_link = df_tss.link;
    df_back_eip = tss.t.eip;
    tss.t.eip = exc_resume;
    exc_resume = 0;
}

static void test_double_fault(void)
{
    task_init(&df_tss, SEL_DF_TSS, df_task, df_stack, sizeof(df_stack));
    set_gate(8, 0, SEL_DF_TSS, 0x85);          /* task gate */
    idt[0] &= ~(1ull << 47);                    /* #DE's gate not present */
    exc_clear();
    __asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\t"
                     EXPECT_FAULT("divl %%ecx") : : : "eax", "ecx", "edx", "memory");
    GUEST_ASSERT(df_count == 1);
    GUEST_ASSERT(df_error == 0);
    GUEST_ASSERT(df_link == SEL_TSS);
    GUEST_ASSERT(df_back_eip == exc_expect_eip);
    GUEST_ASSERT(exc.count == 0);
    /* Back in the first task: its TSS busy again, the other one not. */
    GUEST_ASSERT(((gdt[SEL_TSS >> 3] >> 40) & 0xf) == 0xb);
    GUEST_ASSERT(((gdt[SEL_DF_TSS >> 3] >> 40) & 0xf) == 0x9);
    GUEST_ASSERT(!(read_eflags() & 0x4000));
    /* Again: the task gate works a second time. */
    __asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\t"
                     EXPECT_FAULT("divl %%ecx") : : : "eax", "ecx", "edx", "memory");
    GUEST_ASSERT(df_count == 2);
    set_gate_stub(0, 0x8e);
    set_gate_stub(8, 0x8e);
    puts("sys-exceptions: double fault through a task gate ok");
}

int guest_main(void)
{
    desc_init();
    gdt[SEL_NP_DATA >> 3] = seg_desc(0, 0xfffff, 0x12, 0xc);
    gdt[SEL_LIM_CODE >> 3] = seg_desc(0, 0xfffff, 0x9a, 0x4);
    test_de_ud();
    test_traps();
    test_bound();
    test_selectors();
    test_limits();
    test_double_fault();
    return 0;
}

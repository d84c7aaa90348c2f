/* SPDX-License-Identifier: MIT */
/*
 * Hardware task switching in 32-bit protected mode: CALL to a TSS
 * descriptor and through a task gate (the new task sees NT set, its back
 * link naming the caller, both TSSes busy, its registers loaded from its
 * TSS, the caller's registers saved in the caller's TSS) and IRET with NT
 * back through the link (the called TSS no longer busy, the caller's
 * registers restored); a second call resumes the task after its IRET.
 * JMP to a TSS: no NT and no link, the old TSS marked available, and JMP
 * back.
 */
#include "guest.h"
#include "desc.h"

#define SEL_TSS_B  0x48
#define SEL_GATE_B 0x50
#define SEL_TSS_C  0x58

static struct tss32 tss_b __attribute__((aligned(128))), tss_c __attribute__((aligned(128)));
static uint8_t stack_b[2048] __attribute__((aligned(16))), stack_c[2048] __attribute__((aligned(16)));

struct seen {
    uint32_t runs, tr, eflags, link, eax, main_type, own_type, main_esi, main_eip;
};
volatile struct seen seen_b, seen_c;

static unsigned tss_type(uint16_t sel)
{
    return (unsigned)(gdt[sel >> 3] >> 40) & 0xf;
}

void in_task(volatile struct seen *w, uint32_t eax, uint32_t eflags, struct tss32 *own,
             uint16_t own_sel)
{
    uint16_t tr;

    __asm__ volatile("str %0" : "=r"(tr));
    w->runs++;
    w->tr = tr;
    w->eflags = eflags;
    w->link = own->link;
    w->eax = eax;
    w->main_type = tss_type(SEL_TSS);
    w->own_type = tss_type(own_sel);
    w->main_esi = tss.t.esi;
    w->main_eip = tss.t.eip;
}

void task_b(void);
void task_c(void);
__asm__(".text\n"
        "task_b:\n"
        "pushfl\n popl %ecx\n"
        "pushl $0x48\n pushl $tss_b\n pushl %ecx\n pushl %eax\n pushl $seen_b\n"
        "call in_task\n addl $20, %esp\n"
        "iret\n"
        "movl $0xb2b2b2b2, %eax\n"
        "jmp task_b\n"
        "task_c:\n"
        "pushfl\n popl %ecx\n"
        "pushl $0x58\n pushl $tss_c\n pushl %ecx\n pushl %eax\n pushl $seen_c\n"
        "call in_task\n addl $20, %esp\n"
        "ljmp $0x28, $0\n"
        "jmp task_c\n");

static void init_task(struct tss32 *t, uint16_t sel, void (*entry)(void), uint8_t *stack,
                      uint32_t size, uint32_t eax)
{
    t->eip = (uint32_t)entry;
    t->esp = (uint32_t)(stack + size);
    t->eflags = 2;
    t->eax = eax;
    t->cs = SEL_CS0;
    t->ss = t->ds = t->es = t->fs = t->gs = SEL_DS0;
    t->cr3 = read_cr3();
    t->iomap = sizeof(*t);
    gdt[sel >> 3] = seg_desc((uint32_t)t, sizeof(*t) - 1, 0x89, 0);
}

int guest_main(void)
{
    uint32_t eax, esi, after;

    desc_init();
    init_task(&tss_b, SEL_TSS_B, task_b, stack_b, sizeof(stack_b), 0xb1b1b1b1);
    init_task(&tss_c, SEL_TSS_C, task_c, stack_c, sizeof(stack_c), 0xc1c1c1c1);
    gdt[SEL_GATE_B >> 3] = ((uint64_t)SEL_TSS_B << 16) | (0x85ull << 40);

    /* CALL to the TSS descriptor, IRET back. */
    __asm__ volatile("movl $0x5a5a5a5a, %%esi\n\t"
                     "movl $0x12345678, %%eax\n\t"
                     "lcall $0x48, $0\n"
                     "1:\n\t"
                     "movl $1b, %2"
                     : "=a"(eax), "=S"(esi), "=r"(after) : : "ecx", "edx", "memory", "cc");
    GUEST_ASSERT(seen_b.runs == 1);
    GUEST_ASSERT(seen_b.tr == SEL_TSS_B);
    GUEST_ASSERT(seen_b.eflags & 0x4000);           /* NT */
    GUEST_ASSERT(seen_b.link == SEL_TSS);
    GUEST_ASSERT(seen_b.eax == 0xb1b1b1b1);
    GUEST_ASSERT(seen_b.main_type == 0xb && seen_b.own_type == 0xb);
    GUEST_ASSERT(seen_b.main_esi == 0x5a5a5a5a);
    GUEST_ASSERT(seen_b.main_eip == after);
    GUEST_ASSERT(eax == 0x12345678 && esi == 0x5a5a5a5a);
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_TSS_B) == 0x9);
    GUEST_ASSERT(!(read_eflags() & 0x4000));
    puts("sys-task: CALL to a TSS and IRET back ok");

    /* CALL through the task gate: the task resumes after its IRET. */
    __asm__ volatile("movl $0x11111111, %%eax\n\t"
                     "lcall $0x50, $0"
                     : "=a"(eax) : : "ecx", "edx", "esi", "memory", "cc");
    GUEST_ASSERT(seen_b.runs == 2);
    GUEST_ASSERT(seen_b.eax == 0xb2b2b2b2);
    GUEST_ASSERT(seen_b.link == SEL_TSS && (seen_b.eflags & 0x4000));
    GUEST_ASSERT(eax == 0x11111111);
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_TSS_B) == 0x9);
    puts("sys-task: CALL through a task gate ok");

    /* JMP: no nesting; the old TSS becomes available, JMP back. */
    tss_c.link = 0;
    __asm__ volatile("movl $0x22222222, %%eax\n\t"
                     "ljmp $0x58, $0"
                     : "=a"(eax) : : "ecx", "edx", "esi", "memory", "cc");
    GUEST_ASSERT(seen_c.runs == 1);
    GUEST_ASSERT(seen_c.tr == SEL_TSS_C);
    GUEST_ASSERT(!(seen_c.eflags & 0x4000));
    GUEST_ASSERT(seen_c.link == 0);
    GUEST_ASSERT(seen_c.eax == 0xc1c1c1c1);
    GUEST_ASSERT(seen_c.main_type == 0x9 && seen_c.own_type == 0xb);
    GUEST_ASSERT(eax == 0x22222222);
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_TSS_C) == 0x9);
    puts("sys-task: JMP to a TSS and back ok");
    return 0;
}

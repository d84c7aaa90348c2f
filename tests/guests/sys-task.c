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
 *
 * 16-bit (80286) TSSs, to and from the 32-bit main task: CALL to the TSS
 * descriptor and through a task gate, INT n through an IDT task gate (the
 * 16-bit task sees its registers from the word-sized TSS fields, NT and the
 * back link; its IRET saves IP, FLAGS and AX in its TSS and resumes the
 * caller), a #GP with its error code delivered to the 16-bit task on its
 * stack, and a JMP to the 16-bit task which JMPs back (no NT, busy bits
 * moved, the 16-bit state saved). In the 16-bit task, a 16-bit interrupt
 * gate and a 16-bit call gate push word-sized frames.
 *
 * The new task's segment registers are checked in the new task: a DS whose
 * RPL exceeds its DPL, or an SS whose DPL is not the new CPL, raises
 * #TS(selector) there. LTR and LLDT refuse a null (LTR), busy, wrong-type,
 * LDT-based or not-present descriptor with #GP/#NP(selector); LTR marks
 * the new TSS busy.
 */
#include "guest.h"
#include "desc.h"

#define SEL_TSS_B  0x48
#define SEL_GATE_B 0x50
#define SEL_TSS_C  0x58
#define SEL_TSS_D  0x78         /* a task whose segment selectors are refused */

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
    task_init(t, sel, entry, stack, size);
    t->eax = eax;
}

/* ---- 16-bit TSS ---- */

#define SEL_T16      0x60       /* 16-bit TSS at T16_TSS */
#define SEL_T16_GATE 0x68       /* task gate to it */
#define SEL_GATE16   0x70       /* 16-bit call gate to t16_callee */
#define T16_TSS  0x5000
#define T16_DATA 0x5100         /* what the 16-bit task records */
#define T16_CODE 0x6000
#define T16_SP   0x8000

struct tss16 {
    uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2, ip, flags;
    uint16_t ax, cx, dx, bx, sp, bp, si, di, es, cs, ss, ds, ldt;
} __attribute__((packed));

struct t16_seen {
    uint16_t ax, bx, sp, flags, link, cs, runs, error;
};

#define T16 ((volatile struct tss16 *)T16_TSS)
#define T16_SEEN ((volatile struct t16_seen *)T16_DATA)

extern const uint8_t t16_blob[], t16_blob_end[], t16_a[], t16_a_after[], t16_c[],
    t16_c_after[], t16_exc[], t16_gates[], t16_after_int[], t16_after_call[], t16_isr[],
    t16_callee[];
__asm__(".section .rodata\n"
        ".code16\n"
        "t16_blob:\n"
        "t16_a:\n"                              /* CALL, task gate, INT n */
        "movw %ax, 0x5100\n movw %bx, 0x5102\n movw %sp, 0x5104\n"
        "pushfw\n popw %cx\n movw %cx, 0x5106\n"
        "movw 0x5000, %cx\n movw %cx, 0x5108\n"  /* back link */
        "movw %cs, 0x510a\n"
        "incw 0x510c\n"
        "movw $0x4242, %ax\n"
        "iret\n"
        "t16_a_after: jmp t16_a\n"
        "t16_c:\n"                              /* JMP here, JMP back */
        "movw %ax, 0x5100\n"
        "pushfw\n popw %cx\n movw %cx, 0x5106\n"
        "movw 0x5000, %cx\n movw %cx, 0x5108\n"
        "incw 0x510c\n"
        "movw $0x4343, %ax\n"
        "ljmp $0x28, $0\n"
        "t16_c_after: jmp t16_c\n"
        "t16_exc:\n"                            /* #GP: error code on the stack */
        "popw %cx\n movw %cx, 0x510e\n"
        "movw %sp, 0x5104\n"
        "incw 0x510c\n"
        "movl $tss + 0x20, %ebx\n"              /* the main task's saved EIP: */
        "addl $2, (%ebx)\n"                     /* skip the 2-byte faulting MOV */
        "iret\n"
        "jmp t16_exc\n"
        "t16_gates:\n"                          /* 16-bit gates, same privilege */
        "int $0x41\n"
        "t16_after_int:\n"
        "lcall $0x70, $0\n"
        "t16_after_call:\n"
        "iret\n"
        "jmp t16_gates\n"
        "t16_isr:\n"                            /* frame: IP, CS, FLAGS words */
        "movw %sp, %bp\n"
        "movw (%bp), %ax\n movw %ax, 0x5110\n"
        "movw 2(%bp), %ax\n movw %ax, 0x5112\n"
        "movw 4(%bp), %ax\n movw %ax, 0x5114\n"
        "movw %sp, 0x5116\n"
        "iret\n"
        "t16_callee:\n"                         /* frame: IP, CS words */
        "movw %sp, %bp\n"
        "movw (%bp), %ax\n movw %ax, 0x5118\n"
        "movw 2(%bp), %ax\n movw %ax, 0x511a\n"
        "movw %sp, 0x511c\n"
        "lret\n"
        "t16_blob_end:\n"
        ".code32\n"
        ".text\n");

static uint16_t t16_ip(const uint8_t *label)
{
    return (uint16_t)(T16_CODE + (label - t16_blob));
}

/* Make the 16-bit task start at entry with AX/BX given, on a fresh stack. */
static void t16_prepare(const uint8_t *entry, uint16_t ax, uint16_t bx)
{
    volatile struct tss16 *t = T16;
    t->link = 0;
    t->ip = t16_ip(entry);
    t->flags = 2;
    t->ax = ax;
    t->bx = bx;
    t->sp = T16_SP;
    t->cs = SEL_CS16;
    t->ss = SEL_DS16;
    t->ds = t->es = SEL_DS0;
    t->ldt = 0;
    memset((void *)T16_DATA, 0, sizeof(struct t16_seen));
}

static void test_tss16(void)
{
    volatile struct t16_seen *w = T16_SEEN;
    uint32_t eax, esi;

    memcpy((void *)T16_CODE, t16_blob, (size_t)(t16_blob_end - t16_blob));
    memset((void *)T16_TSS, 0, sizeof(struct tss16));
    gdt[SEL_T16 >> 3] = seg_desc(T16_TSS, sizeof(struct tss16) - 1, 0x81, 0);
    gdt[SEL_T16_GATE >> 3] = ((uint64_t)SEL_T16 << 16) | (0x85ull << 40);

    /* CALL to the 16-bit TSS, IRET back to the 32-bit one. */
    t16_prepare(t16_a, 0x1111, 0x2222);
    __asm__ volatile("movl $0x5a5a5a5a, %%esi\n\t"
                     "movl $0x12345678, %%eax\n\t"
                     "lcall $0x60, $0"
                     : "=a"(eax), "=S"(esi) : : "ebx", "ecx", "edx", "memory", "cc");
    GUEST_ASSERT(w->runs == 1);
    GUEST_ASSERT(w->ax == 0x1111 && w->bx == 0x2222 && w->sp == T16_SP);
    GUEST_ASSERT(w->flags & 0x4000);                /* NT */
    GUEST_ASSERT(w->link == SEL_TSS);
    GUEST_ASSERT(w->cs == SEL_CS16);
    GUEST_ASSERT(eax == 0x12345678 && esi == 0x5a5a5a5a);
    GUEST_ASSERT(T16->ip == t16_ip(t16_a_after));   /* saved by the IRET */
    GUEST_ASSERT(T16->ax == 0x4242);
    GUEST_ASSERT(!(T16->flags & 0x4000));           /* NT cleared in the saved FLAGS */
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_T16) == 0x1);
    GUEST_ASSERT(!(read_eflags() & 0x4000));
    puts("sys-task: CALL to a 16-bit TSS and IRET back ok");

    /* Through a task gate, and INT n through an IDT task gate. */
    t16_prepare(t16_a, 0x3333, 0x4444);
    __asm__ volatile("lcall $0x68, $0" : : : "eax", "ebx", "ecx", "edx", "esi", "memory", "cc");
    GUEST_ASSERT(w->runs == 1 && w->ax == 0x3333 && w->link == SEL_TSS);
    t16_prepare(t16_a, 0x5555, 0x6666);
    idt[0x40] = ((uint64_t)SEL_T16 << 16) | (0x85ull << 40);
    __asm__ volatile("int $0x40" : : : "eax", "ebx", "ecx", "edx", "esi", "memory", "cc");
    GUEST_ASSERT(w->runs == 1 && w->ax == 0x5555 && w->bx == 0x6666);
    GUEST_ASSERT(w->flags & 0x4000);
    GUEST_ASSERT(w->link == SEL_TSS);
    GUEST_ASSERT(w->sp == T16_SP);                  /* no error code, no frame */
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_T16) == 0x1);
    puts("sys-task: task gates (CALL, INT n) to a 16-bit TSS ok");

    /* An exception with an error code: #GP(0x5a58) from MOV FS. */
    t16_prepare(t16_exc, 0, 0);
    idt[13] = ((uint64_t)SEL_T16 << 16) | (0x85ull << 40);
    __asm__ volatile("movw $0x5a5a, %%ax\n\t"
                     "movw %%ax, %%fs"
                     : : : "eax", "ebx", "ecx", "edx", "esi", "memory", "cc");
    set_gate_stub(13, 0x8e);
    GUEST_ASSERT(w->runs == 1);
    GUEST_ASSERT(w->error == 0x5a58);
    GUEST_ASSERT(w->sp == T16_SP);                  /* a word was pushed, then popped */
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_T16) == 0x1);
    puts("sys-task: #GP with its error code through a task gate to a 16-bit TSS ok");

    /* JMP to the 16-bit task; it JMPs back to the 32-bit one. */
    t16_prepare(t16_c, 0x7777, 0);
    __asm__ volatile("movl $0x22222222, %%eax\n\t"
                     "ljmp $0x60, $0"
                     : "=a"(eax) : : "ebx", "ecx", "edx", "esi", "memory", "cc");
    GUEST_ASSERT(w->runs == 1 && w->ax == 0x7777);
    GUEST_ASSERT(!(w->flags & 0x4000));
    GUEST_ASSERT(w->link == 0);
    GUEST_ASSERT(eax == 0x22222222);
    GUEST_ASSERT(T16->ip == t16_ip(t16_c_after));   /* saved by its JMP */
    GUEST_ASSERT(T16->ax == 0x4343);
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_T16) == 0x1);
    puts("sys-task: JMP to a 16-bit TSS and back ok");

    /* 16-bit interrupt and call gates, from the 16-bit task. */
    volatile uint16_t *g = (volatile uint16_t *)(T16_DATA + 0x10);
    set_gate(0x41, t16_ip(t16_isr), SEL_CS16, 0x86);
    gdt[SEL_GATE16 >> 3] = (uint64_t)t16_ip(t16_callee) | ((uint64_t)SEL_CS16 << 16) |
                           (0x84ull << 40);
    t16_prepare(t16_gates, 0, 0);
    __asm__ volatile("lcall $0x60, $0" : : : "eax", "ebx", "ecx", "edx", "esi", "memory", "cc");
    set_gate_stub(0x41, 0x8e);
    GUEST_ASSERT(g[0] == t16_ip(t16_after_int) && g[1] == SEL_CS16);
    GUEST_ASSERT(g[2] & 0x4000);                    /* the task's FLAGS (NT) */
    GUEST_ASSERT(g[3] == T16_SP - 6);               /* three words */
    GUEST_ASSERT(g[4] == t16_ip(t16_after_call) && g[5] == SEL_CS16);
    GUEST_ASSERT(g[6] == T16_SP - 4);               /* two words */
    GUEST_ASSERT(T16->ip == t16_ip(t16_after_call) + 1);   /* after its IRET */
    puts("sys-task: 16-bit interrupt and call gates ok");
}

/* ---- the new task's segment registers: #TS(selector) in the new task ---- */

#define SEL_TSS_E  0x80         /* the #TS task, through a task gate */

static struct tss32 tss_d __attribute__((aligned(128))), tss_e __attribute__((aligned(128)));
static uint8_t stack_d[2048] __attribute__((aligned(16))), stack_e[2048] __attribute__((aligned(16)));
uint32_t d_count, d_vec, d_err, d_tr;

void task_d(void);
void task_e(void);
__asm__(".text\n"
        "task_d: hlt\n jmp task_d\n"
        /* #TS task: the error code is on its stack; note it, JMP back to the
         * main task (task D stays busy: the caller marks it available). */
        "task_e:\n"
        "popl d_err\n"
        "movl $10, d_vec\n"
        "incl d_count\n"
        "ljmp $0x28, $0\n"                     /* SEL_TSS */
        "jmp task_e\n");

/* The #TS handler (interrupt gate) runs in the new task: note it, JMP back. */
static int task_d_hook(struct exc_frame *f)
{
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    d_count++;
    d_vec = f->vector;
    d_err = f->error;
    d_tr = tr;
    __asm__ volatile("ljmp %0, $0" : : "i"(SEL_TSS) : "memory");
    return 1;
}

/*
 * JMP to task D with one bad selector in its TSS: #TS(selector) raised in
 * task D, handled by an interrupt gate in it or by task E through a task
 * gate (which sees task D in its back link).
 */
static void task_d_refused(int line, uint16_t ss, uint16_t ds, uint16_t want, int task_gate)
{
    task_init(&tss_d, SEL_TSS_D, task_d, stack_d, sizeof(stack_d));
    tss_d.ss = ss;
    tss_d.ds = ds;
    d_count = d_vec = d_err = d_tr = 0;
    if (task_gate) {
        task_init(&tss_e, SEL_TSS_E, task_e, stack_e, sizeof(stack_e));
        set_gate(10, 0, SEL_TSS_E, 0x85);
    }
    exc_hook = task_d_hook;
    __asm__ volatile("ljmp %0, $0" : : "i"(SEL_TSS_D) : "eax", "ecx", "edx", "memory", "cc");
    exc_hook = 0;
    if (task_gate) {
        d_tr = tss_e.link;
        set_gate_stub(10, 0x8e);
        gdt[SEL_TSS_D >> 3] &= ~(2ull << 40);  /* D was left busy (nested in E) */
    }
    if (d_count != 1 || d_vec != 10 || d_err != want || d_tr != SEL_TSS_D)
        printf("line %d: %u faults, vector %u error 0x%x in task 0x%x; want #TS(0x%x)\n", line,
               d_count, d_vec, d_err, d_tr, want);
    GUEST_ASSERT(d_count == 1 && d_vec == 10 && d_err == want && d_tr == SEL_TSS_D);
    GUEST_ASSERT(tss_type(SEL_TSS) == 0xb && tss_type(SEL_TSS_D) == 0x9);
}

static void test_task_segment_rights(void)
{
    /* Ring 0 task: DS with RPL 3 above its DPL 0 (the handler runs on the
     * new task's 32-bit stack); SS of DPL = RPL = 3 with CPL 0. */
    task_d_refused(__LINE__, SEL_DS0, SEL_DS0 | 3, SEL_DS0, 0);
    task_d_refused(__LINE__, SEL_DS0, SEL_DS0 | 3, SEL_DS0, 1);
    task_d_refused(__LINE__, SEL_DS3, SEL_DS0, SEL_DS3 & 0xfffc, 1);
    puts("sys-task: the new task's DS and SS privilege checks raise #TS ok");
}

/* ---- LTR and LLDT: the descriptor checks and TR's busy bit ---- */

#define SEL_LDT_NP 0x88         /* an LDT descriptor, not present */
#define SEL_TSS_NP 0x90         /* an available TSS, not present */

/* LTR (ltr != 0) or LLDT of sel; the exception it raised, if any. */
static void try_load(int ltr, uint16_t sel, uint32_t vec, uint32_t err)
{
    exc_clear();
    if (ltr)
        __asm__ volatile(EXPECT_FAULT("ltr %0") : : "r"(sel) : "memory");
    else
        __asm__ volatile(EXPECT_FAULT("lldt %0") : : "r"(sel) : "memory");
    exc_resume = 0;
    if (vec == 0xff ? exc.count != 0
                    : exc.count != 1 || exc.vector != vec || exc.error != err)
        printf("%s 0x%x: %u faults, vector %u error 0x%x; want %u 0x%x\n",
               ltr ? "ltr" : "lldt", sel, exc.count, exc.vector, exc.error, vec, err);
    GUEST_ASSERT(vec == 0xff ? exc.count == 0 : exc.count == 1);
    GUEST_ASSERT(vec == 0xff || (exc.vector == vec && exc.error == err));
}

static void test_ltr_lldt(void)
{
    gdt[SEL_LDT_NP >> 3] = seg_desc(0x1000, 0xff, 0x02, 0);
    task_init(&tss_d, SEL_TSS_NP, task_d, stack_d, sizeof(stack_d));
    gdt[SEL_TSS_NP >> 3] &= ~(1ull << 47);
    try_load(1, 0, 13, 0);                          /* null (QEMU 7.2 accepts it) */
    try_load(1, SEL_TSS, 13, SEL_TSS);              /* busy: the current one */
    try_load(1, SEL_DS0, 13, SEL_DS0);              /* not a TSS */
    try_load(1, SEL_TSS_NP | 4, 13, SEL_TSS_NP | 4);   /* TI: only the GDT */
    try_load(1, SEL_TSS_NP, 11, SEL_TSS_NP);        /* not present */
    GUEST_ASSERT(tss_type(SEL_TSS_NP) == 0x9);
    try_load(0, SEL_TSS, 13, SEL_TSS);              /* not an LDT */
    try_load(0, SEL_LDT_NP, 11, SEL_LDT_NP);
    try_load(0, 0, 0xff, 0);                        /* null: LDTR unusable, fine */
    /* A good LTR marks the new TSS busy; then back to the main TSS. */
    task_init(&tss_d, SEL_TSS_D, task_d, stack_d, sizeof(stack_d));
    try_load(1, SEL_TSS_D, 0xff, 0);
    GUEST_ASSERT(tss_type(SEL_TSS_D) == 0xb && tss_type(SEL_TSS) == 0xb);
    gdt[SEL_TSS >> 3] &= ~(2ull << 40);
    try_load(1, SEL_TSS, 0xff, 0);
    gdt[SEL_TSS_D >> 3] &= ~(2ull << 40);
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    GUEST_ASSERT(tr == SEL_TSS && tss_type(SEL_TSS) == 0xb);
    puts("sys-task: LTR and LLDT checks (#GP, #NP) and TR's busy bit ok");
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

    test_tss16();
    test_task_segment_rights();
    test_ltr_lldt();
    return 0;
}

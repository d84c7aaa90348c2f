/* SPDX-License-Identifier: MIT */
/*
 * Debug facilities as a debugger uses them: EFLAGS.TF single-step (one #DB
 * trap after each instruction of a known sequence, with DR6.BS, pushed EIP
 * the next instruction, stepping through the POPF that clears TF), a DR0
 * instruction breakpoint (#DB fault at the instruction, DR6.B0, resumed
 * with EFLAGS.RF), a DR1 four-byte data write watchpoint (#DB trap after
 * the store, DR6.B1; reads of the same variable do not trigger it), and
 * INT3 as #BP after the instruction.
 */
#include "guest.h"
#include "desc.h"

#define DR6_BS (1u << 14)

static volatile uint32_t db_eip[16], db_dr6[16];
static volatile unsigned ndb;
volatile uint32_t watched;

extern uint8_t ss_start[], ss_1[], ss_2[], ss_3[], ss_4[], ss_5[], ss_6[];
extern uint8_t bp_here[], wp_after[];

static int db_hook(struct exc_frame *f)
{
    uint32_t dr6;

    if (f->vector != 1)
        return 0;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    __asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0u));
    if (ndb < 16) {
        db_eip[ndb] = f->eip;
        db_dr6[ndb] = dr6;
    }
    ndb++;
    if (ndb > 50) {
        printf("FAIL: #DB storm at 0x%x, DR6 0x%x, EFLAGS 0x%x\n", f->eip, dr6, f->eflags);
        guest_exit(4);
    }
    f->eflags |= 1u << 16;          /* RF: do not hit a fault breakpoint again */
    return 1;
}

static void test_single_step(void)
{
    ndb = 0;
    __asm__ volatile("pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "popfl\n"
                     "ss_start:\n\t"
                     "nop\n"
                     "ss_1:\n\t"
                     "movl $5, %%eax\n"
                     "ss_2:\n\t"
                     "addl $3, %%eax\n"
                     "ss_3:\n\t"
                     "pushfl\n"
                     "ss_4:\n\t"
                     "andl $~0x100, (%%esp)\n"
                     "ss_5:\n\t"
                     "popfl\n"
                     "ss_6:\n\t"
                     "nop\n\tnop"
                     : : : "eax", "memory", "cc");
    static uint8_t *const want[] = { ss_1, ss_2, ss_3, ss_4, ss_5, ss_6 };
    if (ndb != 6)
        printf("single-step: %u traps\n", ndb);
    GUEST_ASSERT(ndb == 6);
    for (unsigned k = 0; k < 6; k++) {
        GUEST_ASSERT(db_eip[k] == (uint32_t)want[k]);
        GUEST_ASSERT(db_dr6[k] & DR6_BS);
        GUEST_ASSERT(!(db_dr6[k] & 0xf));
    }
    GUEST_ASSERT(!(read_eflags() & 0x100));
    puts("sys-debug: TF single-step ok");
}

static void test_breakpoints(void)
{
    /* DR0: execute breakpoint at bp_here (L0, R/W0 = 00, LEN0 = 00). */
    __asm__ volatile("mov %0, %%dr0" : : "r"(bp_here));
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x401u));
    ndb = 0;
    __asm__ volatile("nop\n"
                     "bp_here:\n\t"
                     "nop\n\tnop" : : : "memory");
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400u));
    GUEST_ASSERT(ndb == 1);
    GUEST_ASSERT(db_eip[0] == (uint32_t)bp_here);
    GUEST_ASSERT((db_dr6[0] & 0xf) == 1);
    GUEST_ASSERT(!(db_dr6[0] & DR6_BS));
    puts("sys-debug: DR0 execute breakpoint ok");

    /* DR1: write watchpoint on `watched` (L1, R/W1 = 01, LEN1 = 11). */
    __asm__ volatile("mov %0, %%dr1" : : "r"(&watched));
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400u | (1u << 2) | (1u << 20) | (3u << 22)));
    ndb = 0;
    uint32_t r = watched;
    GUEST_ASSERT(ndb == 0);
    __asm__ volatile("movl %1, %0\n"
                     "wp_after:\n\t"
                     "nop" : "=m"(watched) : "r"(r + 7) : "memory");
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400u));
    GUEST_ASSERT(ndb == 1);
    GUEST_ASSERT(db_eip[0] == (uint32_t)wp_after);
    GUEST_ASSERT((db_dr6[0] & 0xf) == 2);
    GUEST_ASSERT(watched == r + 7);
    puts("sys-debug: DR1 data write watchpoint ok");
}

static void test_int3(void)
{
    uint32_t after;

    exc_clear();
    __asm__ volatile(EXPECT_FAULT("int3") "movl $1b, %0" : "=r"(after) : : "memory");
    GUEST_ASSERT(exc.count == 1 && exc.vector == 3 && exc.eip == after);
    puts("sys-debug: INT3 ok");
}

int guest_main(void)
{
    desc_init();
    exc_hook = db_hook;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0u));
    test_single_step();
    test_breakpoints();
    test_int3();
    return 0;
}

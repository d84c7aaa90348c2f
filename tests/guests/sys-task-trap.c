/* SPDX-License-Identifier: MIT */
/*
 * The T (debug trap) bit of a 32-bit TSS: a task switch into a TSS with
 * T set raises #DB once the switch is complete, before the new task's
 * first instruction, with DR6.BT set and the new task's TR and EIP in the
 * handler's view; without T, no #DB. (Apart from sys-task because QEMU's
 * TCG, which sys-task is also checked against, ignores the T bit.)
 */
#include "guest.h"
#include "desc.h"

#define SEL_TSS_T 0x48

static struct tss32 tss_t __attribute__((aligned(128)));
static uint8_t task_stack[2048] __attribute__((aligned(16)));
static volatile uint32_t runs, db_count, db_eip, db_dr6, db_tr;

/* The task: count a run, IRET back to the caller (NT), start over. */
void task_t(void);
__asm__(".text\n"
        "task_t:\n"
        "incl runs\n"
        "iret\n"
        "jmp task_t\n");

static int db_hook(struct exc_frame *f)
{
    if (f->vector != 1)
        return 0;
    uint32_t dr6;
    uint16_t tr;
    __asm__ volatile("movl %%dr6, %0\n\tstr %1" : "=r"(dr6), "=r"(tr));
    db_count++;
    db_eip = f->eip;
    db_dr6 = dr6;
    db_tr = tr;
    return 1;
}

static void call_task(void)
{
    __asm__ volatile("lcall %0, $0" : : "i"(SEL_TSS_T) : "memory", "cc");
}

int guest_main(void)
{
    desc_init();
    task_init(&tss_t, SEL_TSS_T, task_t, task_stack, sizeof(task_stack));
    exc_hook = db_hook;

    call_task();                                    /* T clear: no #DB */
    GUEST_ASSERT(runs == 1 && db_count == 0);

    uint32_t entry = tss_t.eip;                     /* where it resumes */
    __asm__ volatile("movl %0, %%dr6" : : "r"(0xffff0ff0u));
    tss_t.trap = 1;
    call_task();
    GUEST_ASSERT(db_count == 1);
    GUEST_ASSERT(db_eip == entry);                  /* before its first instruction */
    GUEST_ASSERT(db_tr == SEL_TSS_T);               /* in the new task */
    GUEST_ASSERT(db_dr6 & 0x8000);                  /* DR6.BT */
    GUEST_ASSERT(runs == 2);                        /* and then it ran */
    exc_hook = 0;
    puts("sys-task-trap: the TSS T bit raises #DB in the new task ok");
    return 0;
}

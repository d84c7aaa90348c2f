/* SPDX-License-Identifier: MIT */
/*
 * The machine's reset path: the first boot marks low memory (which a reset
 * keeps, as RAM does on real hardware) and triple-faults; the board then
 * resets the CPUs and devices and loads the kernel again, so the second
 * boot finds the mark and passes. With -no-reboot the triple fault ends
 * tandem instead (tests/integration/lifecycle.sh checks that).
 */
#include "guest.h"

#define MARK 0x7e5e7b00u

/* A fixed low address (hidden from gcc, which warns about literal pointers). */
static volatile uint32_t *mark_addr(void)
{
    uintptr_t a = 0x500;
    __asm__("" : "+r"(a));
    return (volatile uint32_t *)a;
}

static void triple_fault(void)
{
    /* An IDT with no entries: the breakpoint faults, the #GP too, the #DF too. */
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } empty_idt = { 0, 0 };
    __asm__ volatile("lidt %0\n\tint3" : : "m"(empty_idt));
}

int guest_main(void)
{
    if (*mark_addr() != MARK) {
        *mark_addr() = MARK;
        puts("reset: first boot, triple-faulting");
        triple_fault();
        puts("reset: still running after a triple fault");
        return 1;
    }
    *mark_addr() = 0;
    puts("reset: second boot after the reset");
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * pc-testdev's page-flush port (0xe4): code on a page is run, rewritten,
 * the page's address is written to the port, and the new code must run.
 * Two functions on one page are rewritten in turn 64 times (so a stale
 * translation of either would show), one on a page of its own, and
 * flushing an unrelated page or page 0 changes nothing. Paging is off, so
 * the address written is both the virtual and the physical one.
 *
 * The code is "mov $imm32, %eax; ret" and its immediate is what changes;
 * x86 requires stores to code to be seen anyway, so this must also pass
 * where the port does nothing (QEMU's only mprotects the host page); what
 * it proves is that the flush keeps the engine's caches right.
 */
#include "guest.h"

#define TESTDEV_FLUSH_PORT 0xe4

static uint8_t code_page[4096] __attribute__((aligned(4096)));
static uint8_t other_page[4096] __attribute__((aligned(4096)));

typedef uint32_t (*fn_t)(void);

/* mov $v, %eax; ret */
static void emit(uint8_t *at, uint32_t v)
{
    at[0] = 0xb8;
    at[1] = (uint8_t)v;
    at[2] = (uint8_t)(v >> 8);
    at[3] = (uint8_t)(v >> 16);
    at[4] = (uint8_t)(v >> 24);
    at[5] = 0xc3;
}

static void flush(const void *page)
{
    outl(TESTDEV_FLUSH_PORT, (uint32_t)page);
}

int guest_main(void)
{
    fn_t f0 = (fn_t)(void *)code_page;
    fn_t f1 = (fn_t)(void *)(code_page + 0x800);
    fn_t g = (fn_t)(void *)other_page;

    emit(code_page, 1);
    emit(code_page + 0x800, 2);
    emit(other_page, 3);
    flush(code_page);
    flush(other_page);
    GUEST_ASSERT(f0() == 1 && f1() == 2 && g() == 3);

    for (uint32_t i = 0; i < 64; i++) {
        emit(i & 1 ? code_page + 0x800 : code_page, 0x1000 + i);
        flush(code_page + (i & 1 ? 0x800 : 0));    /* any address in the page */
        GUEST_ASSERT((i & 1 ? f1() : f0()) == 0x1000 + i);
        GUEST_ASSERT(g() == 3);
    }
    puts("pc-testdev-flush: rewritten code runs after the flush");

    /* Flushing other pages leaves the current code alone. */
    emit(code_page, 0xabcd);
    flush(code_page);
    flush(other_page);
    flush((void *)0);
    outb(TESTDEV_FLUSH_PORT, 0x10);            /* not a dword: ignored */
    GUEST_ASSERT(f0() == 0xabcd);
    emit(other_page, 0x1234);
    flush(other_page);
    GUEST_ASSERT(g() == 0x1234 && f0() == 0xabcd);
    puts("pc-testdev-flush: other pages unaffected");
    return 0;
}

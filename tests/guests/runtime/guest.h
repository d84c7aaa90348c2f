/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal test guest runtime.
 *
 * A guest defines int guest_main(void). It runs in flat 32-bit protected
 * mode, paging off, interrupts off, on a 16 KiB stack. Returning 0 (or
 * calling guest_exit(0)) passes: the runtime prints "PASS" and writes 0 to
 * the debug-exit port at 0xf4, and tandem exits with status 1. Anything else
 * prints "FAIL" and exits with that code (tandem's status is (code<<1)|1).
 * Output goes to COM1. Plain integer code only: no FPU, no SSE.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_DEBUG_EXIT_PORT 0xf4
#define GUEST_COM1 0x3f8

/* What the loader left in EAX / EBX at entry. */
extern uint32_t mb_magic;
extern uint32_t mb_info;

int guest_main(void);

/* Port I/O */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Serial console (COM1, 115200 8N1); '\n' is sent as "\r\n". */
void serial_init(void);
void putc(char c);
void puts(const char *s);           /* appends a newline */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char *fmt, va_list ap);

/* End the run with code (0: pass). */
__attribute__((noreturn)) void guest_exit(int code);

/* Fail the guest with a message naming the check that did not hold. */
#define GUEST_ASSERT(cond)                                                   \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            guest_exit(1);                                                   \
        }                                                                    \
    } while (0)

/* What the compiler may call on its own in freestanding code. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif

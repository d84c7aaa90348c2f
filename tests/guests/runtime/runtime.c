/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime's C half: COM1 output, a small printf (%d %u %x %X %s %c
 * %p %%, with an optional 0 flag, width and the 'l' length, which is the
 * same size here), the exit through the debug-exit port, and the few
 * string functions the compiler may call. Only 32-bit integer arithmetic,
 * so no libgcc helpers are needed.
 */
#include "guest.h"

uint32_t mb_magic;
uint32_t mb_info;

/* ---- serial ------------------------------------------------------------ */

#define COM_THR 0
#define COM_IER 1
#define COM_FCR 2
#define COM_LCR 3
#define COM_MCR 4
#define COM_LSR 5
#define LSR_THRE 0x20

void serial_init(void)
{
    outb(GUEST_COM1 + COM_IER, 0x00);       /* polled: no interrupts */
    outb(GUEST_COM1 + COM_LCR, 0x80);       /* DLAB */
    outb(GUEST_COM1 + 0, 1);                /* divisor 1: 115200 baud */
    outb(GUEST_COM1 + 1, 0);
    outb(GUEST_COM1 + COM_LCR, 0x03);       /* 8N1 */
    outb(GUEST_COM1 + COM_FCR, 0x07);       /* FIFOs on and cleared */
    outb(GUEST_COM1 + COM_MCR, 0x03);       /* DTR, RTS */
}

void putc(char c)
{
    /*
     * Wait for room, but not forever: with no UART the port reads as 0xff
     * (THRE set) anyway, and a stuck UART must not hang the test silently.
     */
    for (unsigned spins = 0; spins < 100000; spins++)
        if (inb(GUEST_COM1 + COM_LSR) & LSR_THRE)
            break;
    outb(GUEST_COM1 + COM_THR, (uint8_t)c);
}

static void serial_putc(char c)
{
    if (c == '\n')
        putc('\r');
    putc(c);
}

void puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
    serial_putc('\n');
}

/* ---- printf ------------------------------------------------------------ */

static void print_padded(const char *s, unsigned len, unsigned width, char pad)
{
    for (; width > len; width--)
        serial_putc(pad);
    while (len--)
        serial_putc(*s++);
}

static void print_uint(uint32_t v, unsigned base, int upper, unsigned width,
                       char pad, int negative)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[12];
    unsigned n = sizeof(buf);

    do {
        buf[--n] = digits[v % base];
        v /= base;
    } while (v);
    if (negative) {
        if (pad == '0') {
            serial_putc('-');
            if (width)
                width--;
        } else {
            buf[--n] = '-';
        }
    }
    print_padded(buf + n, sizeof(buf) - n, width, pad);
}

void vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        char pad = ' ';
        unsigned width = 0;

        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 'd': {
            int32_t v = va_arg(ap, int32_t);
            uint32_t mag = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
            print_uint(mag, 10, 0, width, pad, v < 0);
            break;
        }
        case 'u':
            print_uint(va_arg(ap, uint32_t), 10, 0, width, pad, 0);
            break;
        case 'x':
        case 'X':
            print_uint(va_arg(ap, uint32_t), 16, *fmt == 'X', width, pad, 0);
            break;
        case 'p':
            serial_putc('0');
            serial_putc('x');
            print_uint((uint32_t)(uintptr_t)va_arg(ap, void *), 16, 0, 8, '0', 0);
            break;
        case 'c':
            serial_putc((char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            print_padded(s, (unsigned)strlen(s), width, ' ');
            break;
        }
        case '%':
            serial_putc('%');
            break;
        case '\0':
            return;
        default:
            serial_putc('%');
            serial_putc(*fmt);
            break;
        }
    }
}

void printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* ---- exit -------------------------------------------------------------- */

void guest_exit(int code)
{
    outb(GUEST_DEBUG_EXIT_PORT, (uint8_t)code);
    /* tandem stops the vCPU; if nothing is at the port, stay here. */
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Called by _start with the stack set up. */
void guest_start(void) __attribute__((noreturn));
void guest_start(void)
{
    int code;

    serial_init();
    code = guest_main();
    if (code == 0)
        puts("PASS");
    else
        printf("FAIL (%d)\n", code);
    guest_exit(code);
}

/* ---- string functions -------------------------------------------------- */

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if (dp < sp) {
        while (n--)
            *dp++ = *sp++;
    } else {
        while (n--)
            dp[n] = sp[n];
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *pa = a, *pb = b;
    for (; n; n--, pa++, pb++)
        if (*pa != *pb)
            return *pa - *pb;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (uint8_t)*a - (uint8_t)*b;
}

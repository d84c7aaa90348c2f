/* SPDX-License-Identifier: MIT */
/*
 * Integer-loop benchmark guest: runs N iterations of an eight-instruction
 * loop (N from the command line, "n=NUMBER"), then exits through the
 * debug-exit port. The harness times two values of N and divides the
 * difference in instructions by the difference in time, so start-up costs
 * (firmware, loading) cancel out.
 */
#include "guest.h"
#include "intloop.h"

static uint32_t parse_n(const char *s)
{
    uint32_t n = 0;
    for (; *s; s++) {
        if (s[0] == 'n' && s[1] == '=') {
            for (s += 2; *s >= '0' && *s <= '9'; s++)
                n = n * 10 + (uint32_t)(*s - '0');
            return n;
        }
    }
    return 1000000;
}

int guest_main(void)
{
    const uint32_t *info = (const uint32_t *)mb_info;
    uint32_t n = 1000000;
    if (info && (info[0] & 4))          /* flags: cmdline present */
        n = parse_n((const char *)info[4]);

    uint32_t a = 1, b = 2, c = 3, d = 0, i = n;
    /* add, xor, rol, sub, lea, and, dec, jnz: 8 instructions per iteration */
    __asm__ volatile(INTLOOP_ASM : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(i));
    printf("intloop: n=%u result=%x\n", n, a ^ b ^ c ^ d);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * isa-debugcon: probe the port (reads 0xe9 where it exists, 0xff where it
 * does not) and print lines through it. debugcon.args sends the port to a
 * file, and run-guest.sh checks that file against debugcon.out.expect, so
 * this proves the bytes leave the machine, in order and unchanged.
 */
#include "guest.h"

#define DEBUGCON_PORT 0xe9

static void dc_puts(const char *s)
{
    while (*s)
        outb(DEBUGCON_PORT, (uint8_t)*s++);
    outb(DEBUGCON_PORT, '\n');
}

int guest_main(void)
{
    char line[] = "debugcon: byte 0x?? passed";
    static const char hex[] = "0123456789abcdef";

    GUEST_ASSERT(inb(DEBUGCON_PORT) == 0xe9);
    dc_puts("debugcon: hello from port 0xe9");
    /* A line built byte by byte, every printable character once. */
    for (unsigned c = 0x21; c < 0x7f; c++)
        outb(DEBUGCON_PORT, (uint8_t)c);
    outb(DEBUGCON_PORT, '\n');
    line[17] = hex[0xe9 >> 4];
    line[18] = hex[0xe9 & 15];
    dc_puts(line);
    dc_puts("debugcon: done");
    puts("debugcon: wrote 4 lines to port 0xe9");
    return 0;
}

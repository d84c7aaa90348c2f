/* SPDX-License-Identifier: MIT */
/*
 * The integer benchmark's loop, in one place for the guest that times it
 * (intloop.c) and for the unit test that checks tandem ends it with the
 * host's registers and flags (tests/unit/test-x86-select.c): add, xor,
 * rol, sub, lea, and, dec, jnz, 8 instructions per iteration, on EAX, EBX,
 * ECX, EDX, with the count in ESI.
 */
#ifndef TANDEM_BENCH_INTLOOP_H
#define TANDEM_BENCH_INTLOOP_H

#define INTLOOP_ASM                                                                          \
    "1:\n\t"                                                                                 \
    "addl %%ebx, %%eax\n\t"                                                                  \
    "xorl %%ecx, %%ebx\n\t"                                                                  \
    "roll $3, %%eax\n\t"                                                                     \
    "subl $7, %%ecx\n\t"                                                                     \
    "leal (%%eax,%%ebx,2), %%edx\n\t"                                                        \
    "andl $0x7fffffff, %%ebx\n\t"                                                            \
    "decl %%esi\n\t"                                                                         \
    "jnz 1b\n\t"

#endif

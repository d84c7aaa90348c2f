/* SPDX-License-Identifier: MIT */
/*
 * Entry of every bare-metal test guest. The multiboot header comes first in
 * the image (guest.ld puts .multiboot at the start of the text segment, well
 * inside the first 8 KiB of the file). The loader enters _start in flat
 * 32-bit protected mode with EAX = 0x2BADB002 and EBX = the information
 * structure; we keep both for guests that want them, set our own stack,
 * and hand over to C. guest_main's return value is the verdict.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003     /* page-aligned modules, memory info */

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    movl $guest_stack_top, %esp
    xorl %ebp, %ebp
    movl %eax, mb_magic
    movl %ebx, mb_info
    call guest_start
    /* guest_start does not return; if it did, stop here. */
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .bss
    .balign 16
    .globl guest_stack
guest_stack:
    .skip 16384
guest_stack_top:

    .section .note.GNU-stack, "", @progbits

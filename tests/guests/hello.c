/* SPDX-License-Identifier: MIT */
/* The first guest: prints "hello" from 32-bit protected mode and passes. */
#include "guest.h"

int guest_main(void)
{
    puts("hello");
    return 0;
}

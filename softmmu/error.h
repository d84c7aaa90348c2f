/* SPDX-License-Identifier: MIT */
/*
 * Error reporting between modules.
 *
 * A function that can fail takes an Error * as its last argument, fills it
 * with one human-readable line and returns a negative status. Only the top
 * level (softmmu/main.c) prints the message and decides to exit; nothing
 * below it calls exit() because of bad input.
 */
#ifndef TANDEM_ERROR_H
#define TANDEM_ERROR_H

#include <stdbool.h>

typedef struct Error {
    bool set;
    char msg[512];
} Error;

/* Fill err (may be NULL) unless it already holds a message; returns -1. */
int error_setf(Error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like error_setf, appending ": strerror(errno)". */
int error_setf_errno(Error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print "tandem: MSG" to stderr and exit(1). Top level only. */
_Noreturn void error_exit(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif

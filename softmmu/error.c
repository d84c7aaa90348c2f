/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/error.h"

static int error_vsetf(Error *err, const char *fmt, va_list ap)
{
    if (err && !err->set) {
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        err->set = true;
    }
    return -1;
}

int error_setf(Error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(err, fmt, ap);
    va_end(ap);
    return -1;
}

int error_setf_errno(Error *err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(err, fmt, ap);
    va_end(ap);
    if (err) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
    }
    return -1;
}

void error_exit(const char *fmt, ...)
{
    va_list ap;
    fputs("tandem: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

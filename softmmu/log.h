/* SPDX-License-Identifier: MIT */
/*
 * Debug logging selected with -d LIST and redirected with -D FILE.
 *
 * Each category is a bit; log_enabled() is a cheap test meant to guard the
 * formatting work on hot paths. Output goes to stderr unless -D was given.
 */
#ifndef TANDEM_LOG_H
#define TANDEM_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum {
    LOG_UNIMP   = 1u << 0,  /* unassigned memory/ports, unimplemented features */
    LOG_GUEST   = 1u << 1,  /* guest errors: bad device programming */
    LOG_IN_ASM  = 1u << 2,  /* each new translation block, disassembled */
    LOG_EXEC    = 1u << 3,  /* each translation block run */
    LOG_CPU     = 1u << 4,  /* registers before each block */
    LOG_INT     = 1u << 5,  /* exceptions and interrupts */
    LOG_IOPORT  = 1u << 6,  /* every I/O port access */
    LOG_MMU     = 1u << 7,  /* page walks and TLB fills */
};

extern uint32_t log_mask;

static inline bool log_enabled(uint32_t mask) { return (log_mask & mask) != 0; }

/* Parse "unimp,int,..." into log_mask; returns -1 and names the bad item. */
int log_parse_mask(const char *list, char *bad, size_t badlen);
/* Help text listing the categories. */
void log_print_categories(FILE *out);
/* Redirect to FILE (-D); returns -1 if it cannot be opened. */
int log_set_file(const char *path);

void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
FILE *log_file(void);

#define log_mask_printf(mask, ...) \
    do { if (log_enabled(mask)) log_printf(__VA_ARGS__); } while (0)

#endif

/* SPDX-License-Identifier: MIT */
/*
 * -d / -D logging. Writers on several threads share one FILE; stdio locks
 * each call, and log_printf formats into one buffer first so lines from
 * different vCPUs do not interleave mid-line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "softmmu/log.h"

uint32_t log_mask;
static FILE *log_out;

static const struct {
    const char *name;
    uint32_t bit;
    const char *help;
} log_items[] = {
    { "unimp",  LOG_UNIMP,  "unassigned memory and ports, unimplemented features" },
    { "guest_errors", LOG_GUEST, "guest programming errors a device noticed" },
    { "in_asm", LOG_IN_ASM, "each new translation block, disassembled" },
    { "exec",   LOG_EXEC,   "each translation block run" },
    { "cpu",    LOG_CPU,    "registers before each block" },
    { "int",    LOG_INT,    "exceptions and interrupts" },
    { "ioport", LOG_IOPORT, "every I/O port access" },
    { "mmu",    LOG_MMU,    "page walks and TLB fills" },
};

int log_parse_mask(const char *list, char *bad, size_t badlen)
{
    uint32_t mask = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t i;
        bool found = false;
        for (i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++) {
            if (strlen(log_items[i].name) == n && !strncmp(p, log_items[i].name, n)) {
                mask |= log_items[i].bit;
                found = true;
            }
        }
        if (n == 3 && !strncmp(p, "all", 3)) {
            mask = ~0u;
            found = true;
        }
        if (!found) {
            snprintf(bad, badlen, "%.*s", (int)n, p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    log_mask |= mask;
    return 0;
}

void log_print_categories(FILE *out)
{
    fprintf(out, "Log items (-d LIST, comma separated):\n");
    for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
        fprintf(out, "  %-13s %s\n", log_items[i].name, log_items[i].help);
    fprintf(out, "  %-13s %s\n", "all", "everything above");
}

int log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    setvbuf(f, NULL, _IOLBF, 0);
    log_out = f;
    return 0;
}

FILE *log_file(void)
{
    return log_out ? log_out : stderr;
}

void log_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    fwrite(buf, 1, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, log_file());
}

/* SPDX-License-Identifier: MIT */
/*
 * The command line, spelled as QEMU spells it (single or double dash).
 *
 * cmdline_parse() only fills a MachineConfig and checks what can be checked
 * without building the machine: option names, value syntax and ranges, and
 * that named files exist and are readable. Every failure is one line in err.
 * Options that only print something (-help, -version, -d help, -device help)
 * set *action instead of running the machine.
 */
#ifndef TANDEM_CMDLINE_H
#define TANDEM_CMDLINE_H

#include "softmmu/machine.h"

typedef enum CmdlineAction {
    CMDLINE_RUN,
    CMDLINE_HELP,
    CMDLINE_VERSION,
    CMDLINE_LOG_HELP,
    CMDLINE_DEVICE_HELP,
} CmdlineAction;

#define TANDEM_VERSION "0.1.0"

void cmdline_defaults(MachineConfig *cfg);
int cmdline_parse(int argc, char **argv, MachineConfig *cfg,
                  CmdlineAction *action, Error *err);
/* "512", "512M", "4G", "size=2G"; a plain number is MiB. */
int cmdline_parse_size(const char *text, uint64_t *bytes);
void cmdline_print_help(void);

#endif

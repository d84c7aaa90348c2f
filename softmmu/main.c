/* SPDX-License-Identifier: MIT */
/*
 * tandem's entry point: parse the command line, build the machine in a
 * fixed order (address spaces and vCPUs, CPU model, engine, board, user
 * devices), run it, and turn any failure into one line and exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/cmdline.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "hw/core/device.h"
#include "hw/pc/pc.h"
#include "hw/misc/misc.h"
#include "cpu/x86/cpuid.h"
#include "accel/accel.h"
#include "ui/chardev.h"
#include "ui/console.h"
#include "hw/display/vga.h"

static int tandem_main(int argc, char **argv, Error *err)
{
    static MachineConfig cfg;
    static Machine machine;
    Machine *m = &machine;
    CmdlineAction action;
    bool fell_back;

    cmdline_defaults(&cfg);
    if (cmdline_parse(argc, argv, &cfg, &action, err) < 0)
        return -1;
    switch (action) {
    case CMDLINE_HELP:
        cmdline_print_help();
        return 0;
    case CMDLINE_VERSION:
        printf("tandem version %s\n", TANDEM_VERSION);
        return 0;
    case CMDLINE_LOG_HELP:
        log_print_categories(stdout);
        return 0;
    case CMDLINE_DEVICE_HELP:
        device_types_print();
        return 0;
    case CMDLINE_RUN:
        break;
    }

    if (main_loop_init() < 0)
        return error_setf(err, "cannot set up the main loop");
    if (machine_init(m, &cfg, err) < 0)
        return -1;
    if (x86_cpu_model_new(cfg.cpu_model, &m->cpu_model, err) < 0)
        return -1;
    if (chardev_init_from_config(m, err) < 0)
        return -1;
    m->accel = accel_select(cfg.accel ? cfg.accel : "kvm:tcg", &fell_back, err);
    if (!m->accel)
        return -1;

    bql_lock();
    int rc = pc_machine_init(m, err);
    if (rc == 0)
        rc = m->accel->init(m, err);
    if (rc == 0 && cfg.debugcon)
        rc = debugcon_create_from_spec(m, cfg.debugcon, err);
    for (int i = 0; rc == 0 && i < cfg.nr_devices; i++) {
        Error derr = { 0 };
        if (!device_create_from_opts(m, cfg.devices[i], &derr))
            rc = error_setf(err, "-device %s: %s", cfg.devices[i],
                            derr.set ? derr.msg : "cannot create");
    }
#ifdef CONFIG_SDL
    /* A window when asked for, or by default when one can be opened. */
    bool sdl = cfg.display ? !strcmp(cfg.display, "sdl")
                           : (!cfg.nographic && sdl_display_possible());
    if (rc == 0 && sdl)
        rc = sdl_display_init(m, vga_find(m), err);
#endif
    bql_unlock();
    if (rc < 0)
        return -1;

    int status = machine_run(m, err);
#ifdef CONFIG_SDL
    sdl_display_cleanup();
#endif
    if (status < 0)
        return -1;
    machine_cleanup(m);
    main_loop_cleanup();
    return status;
}

int main(int argc, char **argv)
{
    Error err = { 0 };
    int status = tandem_main(argc, argv, &err);
    fflush(stdout);
    if (status < 0)
        error_exit("%s", err.set ? err.msg : "failed");
    return status;
}

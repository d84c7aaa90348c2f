/* SPDX-License-Identifier: MIT */
/*
 * The machine: its configuration from the command line, its address
 * spaces, vCPUs and devices, and the requests (reset, shutdown) that guests,
 * devices and signals make of it.
 *
 * Requests are flags polled by the main loop; a device raising one from a
 * vCPU thread never unwinds or exits there. machine_run() is the main loop
 * of a configured machine and returns the process exit status.
 */
#ifndef TANDEM_MACHINE_H
#define TANDEM_MACHINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "softmmu/error.h"

typedef struct Vcpu Vcpu;
typedef struct Device Device;
typedef struct AccelOps AccelOps;
typedef struct X86CPUModel X86CPUModel;

#define MACHINE_MAX_CPUS 8
#define MACHINE_MAX_DEVICES 32
#define MACHINE_MAX_CHARDEVS 16
#define MACHINE_MAX_DRIVES 8

typedef struct MachineConfig {
    uint64_t ram_size;
    int smp;
    const char *kernel, *initrd, *append, *bios;
    const char *cpu_model;          /* "-cpu" text, parsed by cpu/x86 */
    const char *accel;              /* "tcg", "kvm", "kvm:tcg"; NULL: default */
    bool accel_explicit;
    const char *serial[4];          /* "-serial" texts, COM1.. */
    int nr_serial;
    const char *display;            /* "sdl", "none" */
    bool nographic;
    const char *devices[MACHINE_MAX_DEVICES];
    int nr_devices;
    const char *chardevs[MACHINE_MAX_CHARDEVS];
    int nr_chardevs;
    const char *drives[MACHINE_MAX_DRIVES];  /* -drive texts */
    int nr_drives;
    const char *hd[4];                  /* -hda .. -hdd */
    const char *cdrom;
    const char *debugcon;               /* -debugcon spec */
    const char *vga;                    /* -vga std|none (NULL: std) */
    bool no_reboot;
} MachineConfig;

typedef struct Machine {
    const MachineConfig *cfg;

    MemoryRegion sysmem;            /* root of guest-physical space */
    MemoryRegion iomem;             /* root of the 64 KiB I/O port space */
    AddressSpace as_mem, as_io;
    MemoryRegion ram;

    int nr_cpus;
    Vcpu *cpus[MACHINE_MAX_CPUS];
    const AccelOps *accel;
    void *accel_state;
    X86CPUModel *cpu_model;         /* from -cpu, see cpu/x86/cpuid.h */

    Device *devices, **devices_tail;
    void *board;                    /* hw/pc's state */
    struct PCIBus *pci_bus;         /* root bus, set by the host bridge */
    /* The board's part of a reset: reload images, set entry state. */
    void (*board_reset)(struct Machine *m);

    _Atomic bool shutdown_requested;
    _Atomic bool reset_requested;
    _Atomic bool quitting;          /* vCPU threads must end */
    int exit_status;
} Machine;

/* Any thread: ask the main loop to stop with status / reset the machine. */
void machine_request_shutdown(Machine *m, int status);
void machine_request_reset(Machine *m);

/*
 * Create the empty machine: address spaces and nr_cpus vCPUs in their
 * power-on state. The board and accelerator are added by the caller.
 */
int machine_init(Machine *m, const MachineConfig *cfg, Error *err);
void machine_cleanup(Machine *m);

/* Reset CPUs and devices to power-on state (big lock held, vCPUs paused). */
void machine_reset(Machine *m);

/*
 * Start the vCPUs and run the main loop until shutdown; returns the exit
 * status. Handles reset requests and SIGINT/SIGTERM (clean stop).
 */
int machine_run(Machine *m, Error *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The accelerator interface: what an engine that runs guest instructions
 * must provide. Everything above this line (machine, devices, memory map,
 * command line) is shared by every engine.
 *
 * Lifecycle: init(machine) once, after the memory map exists; then
 * vcpu_init for each vCPU on its own thread; then vcpu_run in a loop on that
 * thread. vcpu_run executes guest code until something needs the machine:
 * it performs port and MMIO accesses itself through the memory API (taking
 * the big lock around them), so it returns only for the reasons in VcpuExit.
 *
 * State: an engine keeps the architectural state in Vcpu.state whenever it
 * is not inside vcpu_run, or makes it so in sync_state(). Callers that change
 * Vcpu.state from outside (reset, loaders, gdb, snapshots) call
 * state_changed() so the engine reloads it.
 *
 * Memory: the engine learns of RAM through a MemoryListener on the
 * machine's system address space, registered in init().
 */
#ifndef TANDEM_ACCEL_H
#define TANDEM_ACCEL_H

#include <stdbool.h>
#include <stdint.h>
#include "softmmu/error.h"

typedef struct Machine Machine;
typedef struct Vcpu Vcpu;

typedef enum VcpuExit {
    VCPU_EXIT_KICKED,       /* vcpu_kick() or a pending request: check and re-enter */
    VCPU_EXIT_HALT,         /* HLT with nothing to deliver: wait for an interrupt */
    VCPU_EXIT_SHUTDOWN,     /* triple fault: the machine resets (or stops) */
    VCPU_EXIT_DEBUG,        /* breakpoint / single-step for the debugger */
    VCPU_EXIT_ERROR,        /* the engine cannot continue; message logged */
} VcpuExit;

typedef struct AccelOps {
    const char *name;
    /* Takes ",key=value" options after its name (parsed in init()); an
     * engine that does not refuses any. */
    bool has_options;
    /* Is this engine usable here? (kvm: /dev/kvm opens and fits). */
    bool (*available)(Error *err);
    int  (*init)(Machine *m, Error *err);
    void (*cleanup)(Machine *m);
    int  (*vcpu_init)(Vcpu *cpu, Error *err);
    void (*vcpu_cleanup)(Vcpu *cpu);
    VcpuExit (*vcpu_run)(Vcpu *cpu);
    /* Make vcpu_run return soon (any thread, lock not needed). */
    void (*vcpu_kick)(Vcpu *cpu);
    /* Bring Vcpu.state up to date / reload it after outside changes. */
    void (*sync_state)(Vcpu *cpu);
    void (*state_changed)(Vcpu *cpu);
    /* Guest code in [addr, addr+len) of physical memory may have changed. */
    void (*invalidate_code)(Machine *m, uint64_t addr, uint64_t len);
    /*
     * Make every vCPU forget its TLB entries for the 4 KiB virtual page that
     * holds addr, in every address-space/privilege index (as INVLPG on each
     * of them would, global pages included), before it next runs guest code
     * (the calling vCPU: before its next instruction). Called with the big
     * lock held, possibly from a vCPU thread (pc-testdev's port 0xe4). NULL
     * when the engine keeps no TLB of its own (kvm: the hardware's TLB is
     * the guest's business). Translated code goes through invalidate_code.
     */
    void (*flush_page)(Machine *m, uint64_t addr);
} AccelOps;

extern const AccelOps accel_tcg_ops;
extern const AccelOps accel_kvm_ops;

/* "tcg", "kvm" or "kvm:tcg": the first that is available; err otherwise. */
const AccelOps *accel_select(const char *list, bool *fell_back, Error *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * vCPUs: one host thread each, running the accelerator's vcpu_run loop.
 *
 * A vCPU thread runs guest code without the big lock and takes it for
 * device access. Devices and the main loop talk to a vCPU only through
 * vcpu_interrupt() (an event is pending: INTR, NMI, INIT, SIPI) and the
 * pause/resume calls here; both are safe from any thread.
 *
 * Pausing: vcpus_pause() asks every vCPU to stop at an instruction boundary
 * and waits until all have, so the caller (holding the big lock) may then
 * read or change their state; vcpus_resume() lets them go on.
 */
#ifndef TANDEM_VCPU_H
#define TANDEM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "softmmu/error.h"

typedef struct Machine Machine;

typedef struct Vcpu {
    int index;
    Machine *machine;
    X86CPUState state;

    /* CPU_INTERRUPT_* bits, set by devices, cleared by the engine. */
    _Atomic uint32_t interrupt_request;
    /* Leave vcpu_run at the next boundary (pause, shutdown, reset). */
    _Atomic bool exit_request;

    /*
     * The board's interrupt acknowledge: returns the vector of the highest
     * priority pending INTR and clears CPU_INTERRUPT_HARD when none remains,
     * or -1 if the interrupt went away. Called with the big lock held.
     */
    int (*irq_ack)(struct Vcpu *cpu);
    void *irq_ack_opaque;           /* the local APIC, for instance */

    /*
     * The local APIC, for the CPU core (hw/intc/apic.c fills these in; the
     * CPU never includes hw/). All NULL when the machine has no APIC, in
     * which case the CPU treats IA32_APIC_BASE as a plain MSR and CR8 as a
     * plain register. Callable with or without the big lock.
     *
     * apic_msr_read/write: for IA32_APIC_BASE (0x1b), IA32_TSC_DEADLINE
     * (0x6e0) and the x2APIC range 0x800-0x8ff. They return 0 when the
     * access succeeded and -1 when the CPU must raise #GP(0) (x2APIC
     * register outside x2APIC mode, read-only or reserved register, illegal
     * IA32_APIC_BASE transition or reserved bits).
     * apic_set_cr8/get_cr8: MOV to/from CR8 (the TPR's priority class, 0-15);
     * a write may make an interrupt deliverable, so the CPU re-checks
     * interrupt_request after it.
     */
    void *apic;
    int (*apic_msr_read)(struct Vcpu *cpu, uint32_t msr, uint64_t *val);
    int (*apic_msr_write)(struct Vcpu *cpu, uint32_t msr, uint64_t val);
    void (*apic_set_cr8)(struct Vcpu *cpu, uint64_t val);
    uint64_t (*apic_get_cr8)(struct Vcpu *cpu);

    /*
     * The FERR# output: raised while the x87 has an unmasked exception
     * pending and CR0.NE is clear (the PC routes it to IRQ 13). Called by
     * the engine with level 1/0; NULL when the board did not wire it.
     */
    void (*ferr)(struct Vcpu *cpu, int level);

    void *accel;                    /* engine private */

    /* Thread control, owned by softmmu/vcpu.c */
    pthread_t thread;
    bool thread_started;
    bool stopped;                   /* parked in vcpu_wait, state is stable */
    pthread_cond_t cond;            /* with the big lock */
} Vcpu;

/* Raise / clear pending events; wakes a halted vCPU. Any thread. */
void vcpu_interrupt(Vcpu *cpu, uint32_t mask);
void vcpu_reset_interrupt(Vcpu *cpu, uint32_t mask);

/* Create the vCPU threads of m (machine->accel must be initialised). */
int  vcpus_start(Machine *m, Error *err);
/* Ask every thread to end and join them. */
void vcpus_stop_and_join(Machine *m);
/* With the big lock held: stop every vCPU at a boundary / let them go. */
void vcpus_pause(Machine *m);
void vcpus_resume(Machine *m);
/* The Vcpu running on this thread, NULL on other threads. */
Vcpu *vcpu_current(void);

#endif

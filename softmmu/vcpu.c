/* SPDX-License-Identifier: MIT */
/*
 * vCPU threads.
 *
 * Each vCPU thread loops: wait while paused or halted with nothing to
 * deliver, otherwise run the engine without the big lock, then act on why it
 * returned. All waiting happens on the vCPU's condition variable with the big
 * lock as its mutex, so whoever changes what a vCPU waits for (an interrupt,
 * a resume, the end) does so under the lock and then signals: no wake-up is
 * lost between a vCPU's check and its wait.
 *
 * Pausing is a handshake: vcpus_pause() raises the pause flag, makes every
 * engine leave guest code (exit_request + kick), and waits until every thread
 * has parked itself with 'stopped' set. Only then is Vcpu.state stable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/vcpu.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/log.h"
#include "accel/accel.h"

static __thread Vcpu *current_vcpu;
static bool pause_requested;              /* under the big lock */
static pthread_cond_t pause_cond = PTHREAD_COND_INITIALIZER;

Vcpu *vcpu_current(void)
{
    return current_vcpu;
}

static void vcpu_wake(Vcpu *cpu)
{
    bool had_lock = bql_locked();
    if (!had_lock)
        bql_lock();
    pthread_cond_broadcast(&cpu->cond);
    if (!had_lock)
        bql_unlock();
}

static void vcpu_kick(Vcpu *cpu)
{
    const AccelOps *accel = cpu->machine->accel;
    if (accel && accel->vcpu_kick)
        accel->vcpu_kick(cpu);
}

void vcpu_interrupt(Vcpu *cpu, uint32_t mask)
{
    atomic_fetch_or(&cpu->interrupt_request, mask);
    vcpu_kick(cpu);
    vcpu_wake(cpu);
}

void vcpu_reset_interrupt(Vcpu *cpu, uint32_t mask)
{
    atomic_fetch_and(&cpu->interrupt_request, ~mask);
}

/*
 * A halted CPU wakes for an interrupt it can take: INTR only with IF set
 * (HLT with IF clear waits for NMI, INIT, SMI), and SIPI only matters to a
 * CPU waiting for one, which the engine sorts out once it runs.
 */
static bool vcpu_has_work(Vcpu *cpu)
{
    uint32_t req = atomic_load(&cpu->interrupt_request);
    if (!cpu->state.halted)
        return true;
    if ((req & CPU_INTERRUPT_HARD) && (cpu->state.rflags & FLAG_IF))
        return true;
    return (req & (CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT |
                   CPU_INTERRUPT_SIPI | CPU_INTERRUPT_SMI)) != 0;
}

static bool vcpu_must_wait(Vcpu *cpu)
{
    Machine *m = cpu->machine;
    if (atomic_load(&m->quitting))
        return false;
    return pause_requested || !vcpu_has_work(cpu);
}

static void vcpu_handle_exit(Vcpu *cpu, VcpuExit why)
{
    Machine *m = cpu->machine;

    switch (why) {
    case VCPU_EXIT_KICKED:
    case VCPU_EXIT_HALT:        /* state.halted is set; the wait loop sleeps */
        break;
    case VCPU_EXIT_SHUTDOWN:
        log_mask_printf(LOG_INT, "vcpu %d: triple fault\n", cpu->index);
        if (m->cfg && m->cfg->no_reboot)
            machine_request_shutdown(m, 0);
        else
            machine_request_reset(m);
        /* Stay out of guest code until the reset has been done. */
        cpu->state.halted = true;
        break;
    case VCPU_EXIT_DEBUG:
        break;
    case VCPU_EXIT_ERROR:
        machine_request_shutdown(m, 1);
        cpu->state.halted = true;
        break;
    }
}

static void *vcpu_thread(void *arg)
{
    Vcpu *cpu = arg;
    Machine *m = cpu->machine;

    current_vcpu = cpu;
    bql_lock();
    while (!atomic_load(&m->quitting)) {
        if (vcpu_must_wait(cpu)) {
            cpu->stopped = true;
            pthread_cond_broadcast(&pause_cond);
            bql_cond_wait(&cpu->cond);
            continue;
        }
        cpu->stopped = false;
        atomic_store(&cpu->exit_request, false);
        bql_unlock();
        VcpuExit why = m->accel->vcpu_run(cpu);
        bql_lock();
        vcpu_handle_exit(cpu, why);
    }
    cpu->stopped = true;
    pthread_cond_broadcast(&pause_cond);
    bql_unlock();
    return NULL;
}

int vcpus_start(Machine *m, Error *err)
{
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        if (m->accel->vcpu_init && m->accel->vcpu_init(cpu, err) < 0)
            return -1;
    }
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        int rc = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);
        if (rc != 0)
            return error_setf_errno(err, rc, "cannot create vCPU thread %d", i);
        cpu->thread_started = true;
    }
    return 0;
}

static void vcpus_wake_all(Machine *m)
{
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        atomic_store(&cpu->exit_request, true);
        vcpu_kick(cpu);
        pthread_cond_broadcast(&cpu->cond);
    }
}

void vcpus_stop_and_join(Machine *m)
{
    bool had_lock = bql_locked();
    if (!had_lock)
        bql_lock();
    atomic_store(&m->quitting, true);
    vcpus_wake_all(m);
    bql_unlock();
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        if (cpu->thread_started) {
            pthread_join(cpu->thread, NULL);
            cpu->thread_started = false;
        }
        if (m->accel && m->accel->vcpu_cleanup)
            m->accel->vcpu_cleanup(cpu);
    }
    if (had_lock)
        bql_lock();
}

void vcpus_pause(Machine *m)
{
    pause_requested = true;
    vcpus_wake_all(m);
    for (;;) {
        bool all = true;
        for (int i = 0; i < m->nr_cpus; i++)
            if (m->cpus[i]->thread_started && !m->cpus[i]->stopped)
                all = false;
        if (all)
            break;
        bql_cond_wait(&pause_cond);
    }
    for (int i = 0; i < m->nr_cpus; i++)
        if (m->accel && m->accel->sync_state)
            m->accel->sync_state(m->cpus[i]);
    clock_virtual_stop();
}

void vcpus_resume(Machine *m)
{
    pause_requested = false;
    clock_virtual_start();
    for (int i = 0; i < m->nr_cpus; i++)
        pthread_cond_broadcast(&m->cpus[i]->cond);
}

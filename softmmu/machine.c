/* SPDX-License-Identifier: MIT */
/*
 * The machine's life: creation of its address spaces and vCPUs, the main
 * loop that serves it, and the reset and shutdown requests.
 *
 * Requests may come from any thread (a device on a vCPU thread, a signal
 * handler); they only set flags and wake the main loop, which acts on them
 * with the big lock held. A shutdown also makes every vCPU leave guest code
 * at once, so a guest that asked to stop executes nothing more of note.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/vcpu.h"
#include "hw/core/device.h"
#include "accel/accel.h"

static volatile sig_atomic_t signal_received;

void machine_request_shutdown(Machine *m, int status)
{
    if (!atomic_exchange(&m->shutdown_requested, true))
        m->exit_status = status;
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        atomic_store(&cpu->exit_request, true);
        if (m->accel && m->accel->vcpu_kick)
            m->accel->vcpu_kick(cpu);
    }
    main_loop_notify();
}

void machine_request_reset(Machine *m)
{
    atomic_store(&m->reset_requested, true);
    main_loop_notify();
}

int machine_init(Machine *m, const MachineConfig *cfg, Error *err)
{
    memset(m, 0, sizeof(*m));
    m->cfg = cfg;
    m->devices_tail = &m->devices;
    mr_init_container(&m->sysmem, "system", UINT64_MAX);
    mr_init_container(&m->iomem, "io", 0x10000);
    as_init(&m->as_mem, &m->sysmem, "memory");
    as_init(&m->as_io, &m->iomem, "I/O");

    if (cfg->smp < 1 || cfg->smp > MACHINE_MAX_CPUS)
        return error_setf(err, "-smp %d: between 1 and %d CPUs are supported",
                          cfg->smp, MACHINE_MAX_CPUS);
    m->nr_cpus = cfg->smp;
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = calloc(1, sizeof(*cpu));
        if (!cpu)
            return error_setf(err, "out of memory");
        cpu->index = i;
        cpu->machine = m;
        pthread_cond_init(&cpu->cond, NULL);
        x86_cpu_reset_state(&cpu->state, i);
        m->cpus[i] = cpu;
    }
    return 0;
}

void machine_reset(Machine *m)
{
    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        x86_cpu_reset_state(&cpu->state, i);
        atomic_store(&cpu->interrupt_request, 0);
    }
    devices_reset(m);
    if (m->board_reset)
        m->board_reset(m);
    for (int i = 0; i < m->nr_cpus; i++)
        if (m->accel && m->accel->state_changed)
            m->accel->state_changed(m->cpus[i]);
}

static void machine_on_signal(int sig)
{
    signal_received = sig;
    main_loop_notify();
}

static void machine_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = machine_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int machine_run(Machine *m, Error *err)
{
    machine_install_signals();
    clock_virtual_start();
    bql_lock();
    if (vcpus_start(m, err) < 0) {
        bql_unlock();
        vcpus_stop_and_join(m);
        return -1;
    }
    bql_unlock();

    while (!atomic_load(&m->shutdown_requested)) {
        main_loop_wait(-1);
        if (signal_received) {
            fprintf(stderr, "tandem: terminating on signal %d\n", (int)signal_received);
            machine_request_shutdown(m, 0);
        }
        if (atomic_exchange(&m->reset_requested, false) &&
            !atomic_load(&m->shutdown_requested)) {
            bql_lock();
            vcpus_pause(m);
            machine_reset(m);
            vcpus_resume(m);
            bql_unlock();
        }
    }
    vcpus_stop_and_join(m);
    return m->exit_status;
}

void machine_cleanup(Machine *m)
{
    bql_lock();
    devices_destroy(m);
    bql_unlock();
    if (m->accel && m->accel->cleanup)
        m->accel->cleanup(m);
    for (int i = 0; i < m->nr_cpus; i++) {
        pthread_cond_destroy(&m->cpus[i]->cond);
        free(m->cpus[i]);
        m->cpus[i] = NULL;
    }
}

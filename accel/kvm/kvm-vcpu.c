/* SPDX-License-Identifier: MIT */
/*
 * kvm vCPUs: creation, the KVM_RUN loop and its exits, interrupt injection
 * and kicks.
 *
 * Run loop. vcpu_run() stays in its loop for everything the machine can
 * serve inline (port I/O, MMIO, interrupt windows, signals) and returns only
 * for the reasons of VcpuExit. Every guest-controlled count in kvm_run is
 * checked against the run page before it is used: a port string's data
 * offset, element size and count must lie inside the page, an MMIO access
 * is 1..8 bytes. Exits the engine cannot serve (INTERNAL_ERROR, FAIL_ENTRY,
 * EXCEPTION, UNKNOWN, a failed KVM_RUN) print the hardware's reason and a
 * register dump to stderr and return VCPU_EXIT_ERROR: never a silent spin.
 *
 * Kicks. SIGUSR1 is blocked on the vCPU thread except inside KVM_RUN
 * (KVM_SET_SIGNAL_MASK), so it can only ever interrupt guest code, never
 * device code or a lock. vcpu_kick() sets kvm_run.immediate_exit, which
 * makes a KVM_RUN not yet entered return at once, and signals the thread if
 * it is inside vcpu_run, which makes a KVM_RUN already entered return. The
 * signal stays pending (blocked) if it lands outside KVM_RUN and makes the
 * next KVM_RUN return, where it is consumed. The loop tests exit_request
 * before each KVM_RUN, after 'in_run' is published, so a request made before
 * or during the kick is always seen.
 *
 * Interrupts, split irqchip (the default where the kernel has it; see
 * kvm-irqchip.c): local APICs in the kernel, which also halts vCPUs and
 * runs INIT/SIPI, so this loop only injects the 8259's ExtINT vectors
 * (below, as for the userspace irqchip, with the kernel's LINT0 deciding
 * when one can be taken) and passes EOIs of level-triggered IOAPIC vectors
 * back to the IOAPIC (KVM_EXIT_IOAPIC_EOI).
 *
 * Interrupts, userspace irqchip ("kernel-irqchip=off"). The PIC, IOAPIC,
 * PIT and local APICs are tandem's own models, as under tcg; the kernel
 * emulates no interrupt controller. A pending INTR (CPU_INTERRUPT_HARD) is
 * acknowledged through Vcpu.irq_ack and injected with KVM_INTERRUPT only
 * when the last exit said the guest can take it
 * (ready_for_interrupt_injection: IF set, no shadow, nothing being
 * delivered); otherwise request_interrupt_window makes KVM exit as soon as
 * it can. NMI uses KVM_NMI; INIT and SIPI are handled here
 * (the kernel's MP state is only meaningful with its own APIC).
 * The cost: every HLT, every interrupt and every window is a round trip to
 * userspace, and a local APIC in tandem is reached through MMIO exits (EOI
 * and TPR writes included), so interrupt-heavy guests run slower than with
 * an in-kernel APIC, which is what the split irqchip is for.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/kvm/kvm-int.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/vcpu.h"
#include "softmmu/log.h"

/* Never runs in practice (the signal is consumed while blocked); must exist. */
static void kvm_kick_handler(int sig)
{
    (void)sig;
}

static void kvm_install_kick_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kvm_kick_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(KVM_KICK_SIGNAL, &sa, NULL);
}

int kvm_vcpu_init(Vcpu *cpu, Error *err)
{
    /*
     * kvm-pvm (a paravirtual KVM for hosts without VT-x/AMD-V) runs guest
     * user code natively but every CPL0 instruction of a guest kernel that
     * is not a PVM guest through KVM's instruction emulator, about two
     * million a second: a stock Linux takes minutes to decompress itself and
     * prints nothing meanwhile. Say so once, as the machine starts (not
     * before a configuration error, which must stay one line).
     */
    if (cpu->index == 0 && access("/sys/module/kvm_pvm", F_OK) == 0)
        fprintf(stderr, "tandem: kvm: note: this host's KVM is kvm-pvm, which emulates guest "
                "kernel code instruction by instruction (about 1000x slower than hardware)\n");

    KvmState *ks = cpu->machine->accel_state;
    KvmVcpu *kv = calloc(1, sizeof(*kv));
    if (!kv)
        return error_setf(err, "out of memory");
    kv->ks = ks;
    kv->fd = ioctl(ks->vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->index);
    if (kv->fd < 0) {
        error_setf_errno(err, errno, "KVM_CREATE_VCPU %d failed", cpu->index);
        free(kv);
        return -1;
    }
    kv->run = mmap(NULL, ks->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, kv->fd, 0);
    if (kv->run == MAP_FAILED) {
        error_setf_errno(err, errno, "vCPU %d: cannot map kvm_run", cpu->index);
        close(kv->fd);
        free(kv);
        return -1;
    }
    if (ks->cap_xsave) {
        kv->xsave = calloc(1, sizeof(*kv->xsave));
        if (!kv->xsave) {
            munmap(kv->run, ks->run_size);
            close(kv->fd);
            free(kv);
            return error_setf(err, "out of memory");
        }
    }
    cpu->accel = kv;
    if (kvm_cpuid_setup_vcpu(cpu, err) < 0 || kvm_irqchip_vcpu_init(cpu, err) < 0) {
        kvm_vcpu_cleanup(cpu);
        return -1;
    }
    if (ks->nested_state_size && kvm_cpuid_has_virt(cpu)) {
        kv->nested = calloc(1, ks->nested_state_size);
        if (!kv->nested) {
            kvm_vcpu_cleanup(cpu);
            return error_setf(err, "out of memory");
        }
    }
    if (ks->nr_msrs < 0)
        kvm_msr_probe(ks, kv->fd);
    kvm_install_kick_handler();
    /* Vcpu.state (power-on state, or what a loader set) is the truth. */
    kvm_state_changed(cpu);
    return 0;
}

void kvm_vcpu_cleanup(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    if (!kv)
        return;
    cpu->accel = NULL;
    munmap(kv->run, kv->ks->run_size);
    close(kv->fd);
    free(kv->xsave);
    free(kv->nested);
    free(kv->lapic_reset);
    free(kv);
}

void kvm_vcpu_kick(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    if (!kv)
        return;
    __atomic_store_n(&kv->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (atomic_load(&kv->in_run))
        pthread_kill(kv->thread, KVM_KICK_SIGNAL);
}

/* On the vCPU's thread, once: block the kick signal except inside KVM_RUN. */
static int kvm_vcpu_thread_setup(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    sigset_t kick, run_mask;
    sigemptyset(&kick);
    sigaddset(&kick, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &kick, &run_mask);
    sigdelset(&run_mask, KVM_KICK_SIGNAL);
    /* The kernel's sigset is 64 bits, the first bytes of glibc's sigset_t. */
    union {
        struct kvm_signal_mask m;
        uint8_t buf[sizeof(struct kvm_signal_mask) + 8];
    } km;
    km.m.len = 8;
    memcpy(km.m.sigset, &run_mask, 8);
    if (ioctl(kv->fd, KVM_SET_SIGNAL_MASK, &km) < 0) {
        fprintf(stderr, "tandem: kvm: vCPU %d: KVM_SET_SIGNAL_MASK: %s\n",
                cpu->index, strerror(errno));
        return -1;
    }
    kv->thread_ready = true;
    return 0;
}

static void kvm_consume_kick(void)
{
    sigset_t kick;
    struct timespec zero = { 0, 0 };
    sigemptyset(&kick);
    sigaddset(&kick, KVM_KICK_SIGNAL);
    while (sigtimedwait(&kick, NULL, &zero) > 0)
        ;
}

/* ------------------------------------------------------------------ */
/* INIT, SIPI, NMI, INTR                                              */

static void kvm_seg_real(SegmentCache *c, uint16_t sel, uint16_t attrib)
{
    c->selector = sel;
    c->base = (uint64_t)sel << 4;
    c->limit = 0xffff;
    c->attrib = attrib;
}

/*
 * INIT: the processor state of a reset, except that x87/SSE state, MTRRs
 * and the other MSRs survive: cpu/x86's x86_cpu_init_state, which is the
 * CPU's definition of INIT. An application processor then waits for a SIPI;
 * the BSP runs from the reset vector.
 */
static int kvm_vcpu_do_init(Vcpu *cpu)
{
    if (kvm_state_get(cpu, false) < 0)
        return -1;
    x86_cpu_init_state(&cpu->state);
    kvm_state_changed(cpu);             /* sets wait_for_sipi from 'halted' */
    return 0;
}

static void kvm_vcpu_do_sipi(Vcpu *cpu)
{
    X86CPUState *s = &cpu->state;
    uint8_t vec = (uint8_t)s->sipi_vector;
    /* Waiting for SIPI means the state was fully set by INIT or a reset. */
    kvm_seg_real(&s->segs[SEG_CS], (uint16_t)vec << 8, SEG_ATTR_P | SEG_ATTR_S | 0xb);
    s->rip = 0;
    s->halted = false;
    kvm_state_changed(cpu);
}

typedef enum { KVM_EV_RUN, KVM_EV_HALT, KVM_EV_ERROR } KvmEvents;

static KvmEvents kvm_handle_events(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    X86CPUState *s = &cpu->state;
    uint32_t req = atomic_load(&cpu->interrupt_request);

    if (req & CPU_INTERRUPT_INIT) {
        atomic_fetch_and(&cpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_INIT);
        if (kvm_vcpu_do_init(cpu) < 0)
            return KVM_EV_ERROR;
    }
    if (req & CPU_INTERRUPT_SIPI) {
        atomic_fetch_and(&cpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_SIPI);
        if (kv->wait_for_sipi)
            kvm_vcpu_do_sipi(cpu);          /* otherwise ignored, as hardware does */
    }
    if (kv->wait_for_sipi) {
        s->halted = true;
        return KVM_EV_HALT;
    }
    if (req & CPU_INTERRUPT_SMI) {
        atomic_fetch_and(&cpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_SMI);
        log_mask_printf(LOG_UNIMP, "kvm: vCPU %d: SMI ignored (no SMM)\n", cpu->index);
    }
    if (req & CPU_INTERRUPT_NMI) {
        atomic_fetch_and(&cpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_NMI);
        if (ioctl(kv->fd, KVM_NMI) < 0) {
            fprintf(stderr, "tandem: kvm: vCPU %d: KVM_NMI: %s\n", cpu->index, strerror(errno));
            return KVM_EV_ERROR;
        }
        s->halted = false;
    }

    kv->run->request_interrupt_window = 0;
    if (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD) {
        /* RFLAGS is current: fetched when vcpu_run last returned, or dirty. */
        if (s->halted && !(s->rflags & FLAG_IF))
            return KVM_EV_HALT;
        s->halted = false;
        if (kv->irq_window_open) {
            int vec = -1;
            bql_lock();
            if (cpu->irq_ack)
                vec = cpu->irq_ack(cpu);
            else
                atomic_fetch_and(&cpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_HARD);
            bql_unlock();
            if (vec >= 0) {
                struct kvm_interrupt irq = { .irq = (uint32_t)vec & 0xff };
                if (ioctl(kv->fd, KVM_INTERRUPT, &irq) < 0) {
                    fprintf(stderr, "tandem: kvm: vCPU %d: KVM_INTERRUPT %d: %s\n",
                            cpu->index, vec, strerror(errno));
                    return KVM_EV_ERROR;
                }
                log_mask_printf(LOG_INT, "kvm: vCPU %d: inject vector 0x%02x\n",
                                cpu->index, vec & 0xff);
            }
            /* One injection per entry; the next waits for the next window. */
            kv->irq_window_open = false;
        }
        if (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD)
            kv->run->request_interrupt_window = 1;
    }
    return s->halted ? KVM_EV_HALT : KVM_EV_RUN;
}

/* ------------------------------------------------------------------ */
/* Exits                                                              */

/* -1: handled, run again; otherwise the VcpuExit to return. */
typedef int KvmExitResult;
#define KVM_EXIT_CONTINUE (-1)

static KvmExitResult kvm_fatal(Vcpu *cpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static KvmExitResult kvm_fatal(Vcpu *cpu, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    kvm_dump_state(cpu, why);
    return VCPU_EXIT_ERROR;
}

static KvmExitResult kvm_handle_pio(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_run *run = kv->run;
    unsigned size = run->io.size, count = run->io.count;
    uint64_t off = run->io.data_offset;
    uint16_t port = run->io.port;

    if ((size != 1 && size != 2 && size != 4) || count == 0 ||
        off > (uint64_t)kv->ks->run_size ||
        (uint64_t)size * count > (uint64_t)kv->ks->run_size - off)
        return kvm_fatal(cpu, "malformed port I/O exit: port 0x%x size %u count %u "
                         "offset %" PRIu64, port, size, count, off);
    uint8_t *data = (uint8_t *)run + off;
    AddressSpace *io = &cpu->machine->as_io;
    bql_lock();
    for (unsigned i = 0; i < count; i++, data += size) {
        if (run->io.direction == KVM_EXIT_IO_IN) {
            uint64_t v = as_ld(io, port, size, NULL);
            memcpy(data, &v, size);             /* little-endian host */
        } else {
            uint64_t v = 0;
            memcpy(&v, data, size);
            as_st(io, port, size, v);
        }
    }
    bql_unlock();
    return KVM_EXIT_CONTINUE;
}

static KvmExitResult kvm_handle_mmio(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_run *run = kv->run;
    unsigned len = run->mmio.len;
    if (len == 0 || len > sizeof(run->mmio.data))
        return kvm_fatal(cpu, "malformed MMIO exit: address 0x%llx length %u",
                         (unsigned long long)run->mmio.phys_addr, len);
    AddressSpace *as = &cpu->machine->as_mem;
    bql_lock();
    if (run->mmio.is_write)
        as_write(as, run->mmio.phys_addr, run->mmio.data, len);
    else
        as_read(as, run->mmio.phys_addr, run->mmio.data, len);
    bql_unlock();
    return KVM_EXIT_CONTINUE;
}

static const char *kvm_internal_error_name(uint32_t sub)
{
    switch (sub) {
    case KVM_INTERNAL_ERROR_EMULATION: return "instruction emulation failed";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception during exception delivery";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "exit during event delivery";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected hardware exit";
    default: return "unknown suberror";
    }
}

static KvmExitResult kvm_handle_internal_error(Vcpu *cpu)
{
    struct kvm_run *run = ((KvmVcpu *)cpu->accel)->run;
    /* What KVM's emulator refused but the engine can do (kvm-emul.c). */
    if (kvm_emul_fallback(cpu))
        return KVM_EXIT_CONTINUE;
    char data[160] = "";
    size_t used = 0;
    uint32_t n = run->internal.ndata;
    if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
        n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
    for (uint32_t i = 0; i < n && used < sizeof(data) - 20; i++)
        used += snprintf(data + used, sizeof(data) - used, " 0x%llx",
                         (unsigned long long)run->internal.data[i]);
    return kvm_fatal(cpu, "KVM internal error %u (%s)%s%s", run->internal.suberror,
                     kvm_internal_error_name(run->internal.suberror),
                     n ? ", data:" : "", data);
}

static KvmExitResult kvm_handle_system_event(Vcpu *cpu)
{
    struct kvm_run *run = ((KvmVcpu *)cpu->accel)->run;
    switch (run->system_event.type) {
    case KVM_SYSTEM_EVENT_RESET:
        /* As a triple fault: the vCPU thread resets, or stops with -no-reboot. */
        return VCPU_EXIT_SHUTDOWN;
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        machine_request_shutdown(cpu->machine, 0);
        return VCPU_EXIT_KICKED;
    case KVM_SYSTEM_EVENT_CRASH:
        return kvm_fatal(cpu, "guest crashed (KVM_SYSTEM_EVENT_CRASH)");
    default:
        return kvm_fatal(cpu, "unhandled KVM system event %u", run->system_event.type);
    }
}

static KvmExitResult kvm_handle_exit(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_run *run = kv->run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        return kvm_handle_pio(cpu);
    case KVM_EXIT_MMIO:
        return kvm_handle_mmio(cpu);
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
    case KVM_EXIT_SET_TPR:                  /* CR8 lowered: taken from kvm_run above */
        return KVM_EXIT_CONTINUE;           /* the loop injects / checks requests */
    case KVM_EXIT_HLT:
        cpu->state.halted = true;
        return VCPU_EXIT_HALT;
    case KVM_EXIT_IOAPIC_EOI:
        bql_lock();
        kvm_irqchip_eoi(kv->ks, run->eoi.vector);
        bql_unlock();
        return KVM_EXIT_CONTINUE;
    case KVM_EXIT_SHUTDOWN:
        log_mask_printf(LOG_INT, "kvm: vCPU %d: shutdown (triple fault)\n", cpu->index);
        return VCPU_EXIT_SHUTDOWN;
    case KVM_EXIT_SYSTEM_EVENT:
        return kvm_handle_system_event(cpu);
    case KVM_EXIT_DEBUG:
        return VCPU_EXIT_DEBUG;
    case KVM_EXIT_INTERNAL_ERROR:
        return kvm_handle_internal_error(cpu);
    case KVM_EXIT_FAIL_ENTRY:
        return kvm_fatal(cpu, "VM entry failed: hardware reason 0x%llx%s on host CPU %u",
                         (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
                         kv->ks->intel ? " (VMX exit reason)" : " (SVM: invalid VMCB state)",
                         run->fail_entry.cpu);
    case KVM_EXIT_EXCEPTION:
        return kvm_fatal(cpu, "unhandled guest exception %u (error code 0x%x)",
                         run->ex.exception, run->ex.error_code);
    case KVM_EXIT_UNKNOWN:
        return kvm_fatal(cpu, "unknown exit, hardware reason 0x%llx",
                         (unsigned long long)run->hw.hardware_exit_reason);
    default:
        return kvm_fatal(cpu, "unhandled KVM exit reason %u", run->exit_reason);
    }
}

VcpuExit kvm_vcpu_run(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    Machine *m = cpu->machine;
    struct kvm_run *run = kv->run;
    KvmExitResult ret;

    if (!kv->thread_ready && kvm_vcpu_thread_setup(cpu) < 0)
        return VCPU_EXIT_ERROR;
    kv->thread = pthread_self();
    atomic_store(&kv->in_run, true);

    for (;;) {
        if (atomic_load(&cpu->exit_request) || atomic_load(&m->quitting)) {
            ret = VCPU_EXIT_KICKED;
            break;
        }
        KvmEvents ev = kvm_handle_events(cpu);
        if (ev != KVM_EV_RUN) {
            ret = ev == KVM_EV_HALT ? VCPU_EXIT_HALT
                                    : kvm_fatal(cpu, "cannot deliver an event");
            break;
        }
        if (kv->state_dirty && kvm_state_put(cpu) < 0) {
            ret = kvm_fatal(cpu, "the kernel refused the vCPU state");
            break;
        }
        kv->state_valid = kv->regs_valid = false;
        /*
         * Without an in-kernel APIC, KVM loads CR8 from kvm_run on every
         * entry and stores it there on every exit: the TPR lives in
         * tandem's local APIC when there is one, in Vcpu.state otherwise.
         * With the split irqchip the kernel's APIC owns the TPR.
         */
        bool split = kv->ks->split_irqchip;
        if (!split)
            run->cr8 = cpu->apic_get_cr8 ? cpu->apic_get_cr8(cpu) : cpu->state.cr8;
        uint64_t cr8_before = run->cr8;

        int r = ioctl(kv->fd, KVM_RUN, 0);
        int e = errno;
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (r < 0) {
            if (e == EINTR || e == EAGAIN) {
                kvm_consume_kick();
                /*
                 * The kernel writes the window flag on every return; the
                 * userspace irqchip does not trust it here (no exit state),
                 * but a vCPU halted in the kernel's APIC only ever comes
                 * back this way, and an ExtINT must reach it.
                 */
                kv->irq_window_open = split && run->ready_for_interrupt_injection;
                continue;
            }
            ret = kvm_fatal(cpu, "KVM_RUN failed: %s", strerror(e));
            break;
        }
        kv->irq_window_open = run->ready_for_interrupt_injection;
        if (!split && run->cr8 != cr8_before) {
            cpu->state.cr8 = run->cr8;
            if (cpu->apic_set_cr8)
                cpu->apic_set_cr8(cpu, run->cr8);
        }
        ret = kvm_handle_exit(cpu);
        if (ret != KVM_EXIT_CONTINUE)
            break;
    }
    atomic_store(&kv->in_run, false);

    /* The vCPU thread reads RFLAGS.IF and 'halted' to decide to sleep. */
    if (kvm_state_get(cpu, true) < 0)
        ret = VCPU_EXIT_ERROR;
    /*
     * Stopped from outside (a signal, the monitor) while the guest ran: with
     * "-d cpu", say where it was, so a guest that loops without exiting is
     * not a silent hang (KVM has no exit to trace in that case).
     */
    if (ret == VCPU_EXIT_KICKED && atomic_load(&m->quitting) && log_enabled(LOG_CPU)) {
        kvm_dump_state(cpu, "stopped while running");
        kvm_stats_dump(cpu, stderr);
    }
    return (VcpuExit)ret;
}

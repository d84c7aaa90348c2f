/* SPDX-License-Identifier: MIT */
/*
 * The kvm engine's private interface: shared by the files of accel/kvm/ and
 * by nothing else (the rest of tandem sees only accel_kvm_ops).
 *
 * Ownership: one KvmState per Machine (Machine.accel_state), holding the
 * /dev/kvm and VM descriptors, the capabilities probed at init and the
 * memory-slot table; one KvmVcpu per Vcpu (Vcpu.accel), holding the vCPU
 * descriptor, its mmap'd kvm_run page and the bookkeeping that keeps
 * Vcpu.state and the kernel's copy of the registers coherent.
 *
 * State coherence (see kvm-state.c): 'state_valid' means every field of
 * Vcpu.state equals the kernel's; 'regs_valid' means at least the general
 * registers, RIP and RFLAGS do; 'state_dirty' means Vcpu.state is newer and
 * must be written to the kernel before the next KVM_RUN. Dirty implies valid.
 */
#ifndef TANDEM_KVM_INT_H
#define TANDEM_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/accel.h"
#include "softmmu/error.h"
#include "softmmu/memory.h"

typedef struct Machine Machine;
typedef struct Vcpu Vcpu;
typedef struct IOApic IOApic;

/* Signal that kicks a vCPU thread out of KVM_RUN; blocked outside it. */
#define KVM_KICK_SIGNAL SIGUSR1

/* Fixed guest-physical addresses Intel's VMX needs for real mode (3 + 1 pages). */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ull
#define KVM_TSS_ADDR          0xfeffd000ull

#define KVM_MAX_SLOTS 64
#define KVM_MAX_MSRS 64

typedef struct KvmSlot {
    bool used;
    uint32_t id;                /* KVM slot number == index in the table */
    uint64_t start, size;       /* guest-physical, page aligned */
    uint8_t *host;
    bool readonly;
} KvmSlot;

typedef struct KvmState {
    Machine *machine;
    int kvm_fd, vm_fd;
    int run_size;               /* KVM_GET_VCPU_MMAP_SIZE */
    bool intel;                 /* host vendor: VMX needs TSS/identity map */

    /* Optional capabilities (required ones are checked and not stored). */
    bool cap_xsave, cap_xcrs, cap_debugregs, cap_tsc_deadline;
    /* KVM_CAP_NESTED_STATE: the largest nested state blob, 0 if unsupported. */
    int nested_state_size;

    /* Memory slots, kept equal to the RAM/ROM ranges of the flat view. */
    MemoryListener listener;
    KvmSlot slots[KVM_MAX_SLOTS];
    int nr_slots;               /* usable: min(KVM_MAX_SLOTS, KVM_CAP_NR_MEMSLOTS) */
    bool slot_error_reported;

    /* The MSRs both the kernel and X86CPUState know (KVM_GET_MSR_INDEX_LIST). */
    uint32_t msr_index[KVM_MAX_MSRS];
    int nr_msrs;

    /* KVM_GET_SUPPORTED_CPUID, fetched once. */
    struct kvm_cpuid2 *supported_cpuid;

    /* Split irqchip (kvm-irqchip.c): local APICs in the kernel. */
    bool split_irqchip;
    IOApic *ioapic;                 /* the board's, its EOIs come from KVM */
    struct kvm_msi level_routes[24]; /* level messages the kernel reports EOIs of */
    int nr_level_routes, next_level_route;
} KvmState;

typedef struct KvmVcpu {
    KvmState *ks;
    int fd;
    struct kvm_run *run;

    /* Thread running vcpu_run (for the kick signal), valid when in_run. */
    pthread_t thread;
    _Atomic bool in_run;
    bool thread_ready;          /* signal mask set up on this thread */

    bool state_valid, regs_valid, state_dirty;
    /* Userspace irqchip: the kernel's interrupt window as of the last exit. */
    bool irq_window_open;
    /* Waiting for a SIPI after INIT (application processor). */
    bool wait_for_sipi;
    /* Last guest TSC read, so an unchanged tsc_offset is not written back. */
    uint64_t tsc_offset_read;
    bool tsc_read;
    /* Last events read: keeps kernel-only parts (pending NMI) across a get/put. */
    struct kvm_vcpu_events events;
    bool events_read;
    struct kvm_xsave *xsave;
    /*
     * Nested virtualization state (KVM_GET/SET_NESTED_STATE), for a guest
     * whose CPUID has SVM or VMX on a kernel with the capability; NULL
     * otherwise. Opaque to tandem (the kernel's VMCB/VMCS format), so it
     * lives here rather than in X86CPUState: 'nested_valid' once read,
     * 'nested_reset' when Vcpu.state was replaced (reset, INIT) and the
     * guest must leave guest mode.
     */
    struct kvm_nested_state *nested;
    bool nested_valid, nested_reset;
    /* Split irqchip: the kernel APIC as created, written back on reset. */
    struct kvm_lapic_state *lapic_reset;
    bool lapic_needs_reset;
} KvmVcpu;

/* kvm-accel.c */
int kvm_check_extension(int fd, long cap);

/* kvm-mem.c */
void kvm_mem_init(KvmState *ks);
void kvm_mem_cleanup(KvmState *ks);

/* kvm-vcpu.c */
int kvm_vcpu_init(Vcpu *cpu, Error *err);
void kvm_vcpu_cleanup(Vcpu *cpu);
VcpuExit kvm_vcpu_run(Vcpu *cpu);
void kvm_vcpu_kick(Vcpu *cpu);

/* kvm-state.c */
int kvm_state_get(Vcpu *cpu, bool regs_only);
int kvm_state_put(Vcpu *cpu);
void kvm_sync_state(Vcpu *cpu);
void kvm_state_changed(Vcpu *cpu);
void kvm_dump_state(Vcpu *cpu, const char *why);
/* Find which X86Msrs MSRs the kernel accepts, on the first vCPU created. */
void kvm_msr_probe(KvmState *ks, int vcpu_fd);

/* kvm-stats.c: KVM's counters for this vCPU, non-zero ones, to f. */
void kvm_stats_dump(Vcpu *cpu, FILE *f);

/* kvm-emul.c: after an emulation failure, do the instruction if it is one
 * the engine knows (see there); false leaves the exit fatal. */
bool kvm_emul_fallback(Vcpu *cpu);

/* kvm-irqchip.c: the split irqchip. init() turns it on when the kernel can
 * (an error only if 'required'); the rest are no-ops without it. */
int kvm_irqchip_init(KvmState *ks, bool required, Error *err);
int kvm_irqchip_vcpu_init(Vcpu *cpu, Error *err);
void kvm_irqchip_eoi(KvmState *ks, uint8_t vector);
/* With the state put: the kernel APIC and MP state back to power-on after
 * a reset (lapic_needs_reset). */
int kvm_irqchip_put_reset(Vcpu *cpu);
/* An IOAPIC message (hw/intc/apic.h's ApicMsg) as an MSI for KVM_SIGNAL_MSI. */
struct ApicMsg;
void kvm_irqchip_msg_to_msi(const struct ApicMsg *msg, struct kvm_msi *msi);

/* kvm-cpuid.c */
int kvm_cpuid_init(KvmState *ks, Error *err);
/* The CPUID table for cpu (malloc'd; NULL when out of memory). */
struct kvm_cpuid2 *kvm_cpuid_build(Vcpu *cpu);
int kvm_cpuid_setup_vcpu(Vcpu *cpu, Error *err);
/* Does cpu's CPUID (as given to the kernel) have SVM or VMX? */
bool kvm_cpuid_has_virt(Vcpu *cpu);

#endif

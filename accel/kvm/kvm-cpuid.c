/* SPDX-License-Identifier: MIT */
/*
 * CPUID for kvm vCPUs.
 *
 * The leaves a guest sees come from tandem's CPU model (cpu/x86/cpuid.h),
 * the same answers tcg gives, filtered by KVM_GET_SUPPORTED_CPUID so that no
 * bit promises what the host cannot do: feature words (leaves 1, 7.0,
 * 0x80000001) are the model's AND the host's; identification (vendor,
 * signature, brand, address sizes) is the model's; leaf limits are the lower
 * of the two; everything the model does not describe (caches, XSAVE sizes,
 * topology, and with +svm the SVM leaf 0x8000000a) is KVM's, which matches
 * the host the guest really runs on. "-cpu host" (or no model at all, as in
 * the unit tests) passes the supported set as it is.
 *
 * Nested virtualization: "+svm" or "+vmx" in the model reaches the guest
 * only if KVM offers it (kvm_amd/kvm_intel loaded with nested=1); when it
 * does not, a warning says so once, since the guest's own KVM will then
 * refuse to load for a reason that lies on the host.
 *
 * Whatever the model, a few bits are fixed here because they describe this
 * engine's machine rather than the CPU:
 *
 *  - APIC IDs (leaf 1 EBX[31:24], leaves 0xB/0x1F EDX) are the vCPU index,
 *    and leaf 1 EBX[23:16] the number of logical processors;
 *  - x2APIC and the TSC-deadline timer are the kernel APIC's: with the
 *    split irqchip they pass as the model asks and KVM allows (the deadline
 *    timer needs KVM_CAP_TSC_DEADLINE_TIMER); with the userspace irqchip
 *    they are hidden, since their MSRs would not reach tandem's APIC;
 *  - the hypervisor bit is set, and KVM's own paravirtual leaves
 *    (0x40000000..) are hidden: a guest must see the same PC under kvm as
 *    under tcg, and kvmclock, PV EOI and async page faults assume an
 *    in-kernel APIC anyway.
 *
 * The supported list is fetched once per VM; each vCPU gets its own copy
 * (the APIC IDs differ) through KVM_SET_CPUID2 before its first KVM_RUN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm-int.h"
#include "cpu/x86/cpuid.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

#define CPUID_1_ECX_X2APIC      (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR  (1u << 31)

static const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid2 *c,
                                                      uint32_t function, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == function && c->entries[i].index == index)
            return &c->entries[i];
    return NULL;
}

/*
 * A virtualization extension the model asks for but KVM does not offer
 * (kvm_amd/kvm_intel loaded without nested=1, or the other vendor's) is
 * filtered out like any other feature; say so, since the guest's own KVM
 * will then refuse to load and the reason is on the host.
 */
static void kvm_cpuid_check_virt(const KvmState *ks, const X86CPUModel *model)
{
    static const struct {
        const char *name, *module;
        uint32_t function, ecx_bit;
    } ext[] = {
        { "svm", "kvm_amd", 0x80000001u, 1u << 2 },
        { "vmx", "kvm_intel", 1, 1u << 5 },
    };
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        if (!x86_cpu_model_has(model, ext[i].name))
            continue;
        const struct kvm_cpuid_entry2 *e = kvm_cpuid_find(ks->supported_cpuid,
                                                          ext[i].function, 0);
        if (!e || !(e->ecx & ext[i].ecx_bit))
            fprintf(stderr, "tandem: kvm: warning: -cpu %s,+%s: this host's KVM does not "
                    "offer %s to guests (%s loaded with nested=1 on a host that has it?); "
                    "the guest will not see it\n", model->name, ext[i].name, ext[i].name,
                    ext[i].module);
    }
}

int kvm_cpuid_init(KvmState *ks, Error *err)
{
    /* The kernel says E2BIG until the buffer is large enough. */
    for (int n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
        if (!c)
            return error_setf(err, "out of memory");
        c->nent = n;
        if (ioctl(ks->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            ks->supported_cpuid = c;
            if (ks->machine->cpu_model && !ks->machine->cpu_model->host)
                kvm_cpuid_check_virt(ks, ks->machine->cpu_model);
            return 0;
        }
        int e = errno;
        free(c);
        if (e != E2BIG)
            return error_setf_errno(err, e, "KVM_GET_SUPPORTED_CPUID failed");
    }
    return error_setf(err, "KVM_GET_SUPPORTED_CPUID: too many leaves");
}

static void kvm_cpuid_fix_entry(struct kvm_cpuid_entry2 *e, Vcpu *cpu)
{
    uint32_t apic_id = (uint32_t)cpu->index;
    int nr_cpus = cpu->machine->nr_cpus > 0 ? cpu->machine->nr_cpus : 1;

    const KvmState *ks = ((KvmVcpu *)cpu->accel)->ks;
    const X86CPUModel *model = cpu->machine->cpu_model;

    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x0000ffff) | (apic_id << 24) | ((uint32_t)nr_cpus << 16);
        if (!ks->split_irqchip) {
            e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
        } else if (ks->cap_tsc_deadline &&
                   (!model || model->host || x86_cpu_model_has(model, "tsc-deadline"))) {
            /* The kernel's APIC has the timer; KVM_GET_SUPPORTED_CPUID
             * leaves the bit to userspace (KVM_CAP_TSC_DEADLINE_TIMER). */
            e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
        }
        e->ecx |= CPUID_1_ECX_HYPERVISOR;
        break;
    case 0xb:
    case 0x1f:
        e->edx = apic_id;
        break;
    }
}

static bool kvm_cpu_is_host(const Machine *m)
{
    return !m->cpu_model || m->cpu_model->host;
}

static uint32_t kvm_min(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Merge the model's answer into KVM's entry; false drops the leaf. */
static bool kvm_cpuid_apply_model(struct kvm_cpuid_entry2 *e, const X86CPUModel *model,
                                  uint32_t apic_id)
{
    uint32_t f = e->function, q[4];
    if (f < 0x80000000u ? f > model->max_leaf : f > model->max_ext_leaf)
        return false;
    x86_cpuid_model_query(model, apic_id, f, e->index, q);
    switch (f) {
    case 0:
    case 0x80000000u:
        e->eax = kvm_min(q[0], e->eax);
        e->ebx = q[1];
        e->ecx = q[2];
        e->edx = q[3];
        break;
    case 1:
        e->eax = q[0];
        e->ecx &= q[2];
        e->edx &= q[3];
        break;
    case 7:
        if (e->index == 0) {
            e->ebx &= q[1];
            e->ecx &= q[2];
            e->edx &= q[3];
        }
        break;
    case 0x80000001u:
        e->ecx &= q[2];
        e->edx &= q[3];
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u:
        e->eax = q[0];
        e->ebx = q[1];
        e->ecx = q[2];
        e->edx = q[3];
        break;
    case 0x80000008u:
        /* Address sizes: never more than the host can translate. */
        if ((q[0] & 0xff) && (q[0] & 0xff) < (e->eax & 0xff))
            e->eax = (e->eax & ~0xffu) | (q[0] & 0xff);
        break;
    }
    return true;
}

struct kvm_cpuid2 *kvm_cpuid_build(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    const struct kvm_cpuid2 *sup = kv->ks->supported_cpuid;
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sup->nent * sizeof(c->entries[0]));
    if (!c)
        return NULL;
    const X86CPUModel *model = kvm_cpu_is_host(cpu->machine) ? NULL : cpu->machine->cpu_model;
    for (uint32_t i = 0; i < sup->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &sup->entries[i];
        if (e->function >= 0x40000000 && e->function <= 0x400000ff)
            continue;
        c->entries[c->nent] = *e;
        if (model && !kvm_cpuid_apply_model(&c->entries[c->nent], model, (uint32_t)cpu->index))
            continue;
        kvm_cpuid_fix_entry(&c->entries[c->nent], cpu);
        c->nent++;
    }
    return c;
}

bool kvm_cpuid_has_virt(Vcpu *cpu)
{
    struct kvm_cpuid2 *c = kvm_cpuid_build(cpu);
    if (!c)
        return false;
    const struct kvm_cpuid_entry2 *l1 = kvm_cpuid_find(c, 1, 0);
    const struct kvm_cpuid_entry2 *e1 = kvm_cpuid_find(c, 0x80000001u, 0);
    bool virt = (l1 && (l1->ecx & (1u << 5))) || (e1 && (e1->ecx & (1u << 2)));
    free(c);
    return virt;
}

int kvm_cpuid_setup_vcpu(Vcpu *cpu, Error *err)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_cpuid2 *c = kvm_cpuid_build(cpu);
    if (!c)
        return error_setf(err, "out of memory");
    int r = ioctl(kv->fd, KVM_SET_CPUID2, c);
    int e = errno;
    free(c);
    if (r < 0)
        return error_setf_errno(err, e, "vCPU %d: KVM_SET_CPUID2 failed", cpu->index);
    return 0;
}

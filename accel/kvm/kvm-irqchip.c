/* SPDX-License-Identifier: MIT */
/*
 * The split irqchip (KVM_CAP_SPLIT_IRQCHIP, "-accel kvm,kernel-irqchip=split"):
 * each vCPU's local APIC is the kernel's, while the 8259 pair, the IOAPIC
 * and the PIT stay tandem's own models, the very code tcg runs.
 *
 * Why: with tandem's local APIC (kernel-irqchip=off) every EOI, TPR write,
 * timer programming, IPI and HLT is an exit to userspace; the kernel's APIC
 * does them without leaving the kernel, halts a vCPU there, and provides
 * the TSC-deadline timer and x2APIC. The cost is a second copy of the APIC
 * (the board's Apic objects stay, unused by the guest: see below) and that
 * the APIC's state lives in the kernel, not in Vcpu.state.
 *
 * Wiring, with no change to the device models:
 *  - IOAPIC messages: the IOAPIC's 'deliver' hook is pointed here, and each
 *    message becomes an MSI (KVM_SIGNAL_MSI) in the format the kernel's
 *    APIC decodes: destination, logical mode, delivery mode, vector,
 *    trigger.
 *  - EOI of level-triggered IOAPIC interrupts: the kernel reports an EOI to
 *    userspace (KVM_EXIT_IOAPIC_EOI, passed to ioapic_eoi()) only for
 *    vectors it finds in MSI routes of the first 24 GSIs. So every distinct
 *    level-triggered message delivered gets such a route, installed before
 *    the message is sent; a vector left behind by a reprogrammed entry only
 *    costs a harmless extra EOI exit.
 *  - The 8259: its INT still reaches the board's local APIC model of the
 *    BSP, which the guest never programs (its MMIO page and MSRs are the
 *    kernel's now), so it stays in the reset state that passes INT through
 *    as ExtINT (virtual wire): CPU_INTERRUPT_HARD on the BSP, acknowledged
 *    at the 8259 and injected with KVM_INTERRUPT when the kernel says it
 *    can take one (its APIC's LINT0 decides, as on hardware).
 *  - INIT, SIPI, IPIs, the APIC timer and HLT are the kernel's: a vCPU
 *    thread always enters KVM_RUN, where a halted or not-yet-started vCPU
 *    sleeps in the kernel until an interrupt or a kick.
 *  - Reset: the kernel's APIC goes back to the state it had at creation
 *    (KVM_SET_LAPIC) and its MP state to runnable (BSP) or waiting for
 *    INIT (APs), written with the rest of the state (kvm-state.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm-int.h"
#include "hw/intc/pc-irq.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

#define KVM_IOAPIC_PINS IOAPIC_NUM_PINS

/* The board's interrupt routing, found by its device id. */
static PcIrq *kvm_irqchip_find_pc_irq(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->id && !strcmp(d->id, "pc-irq"))
            return (PcIrq *)d;
    return NULL;
}

/* An APIC message as the MSI the kernel's APIC decodes: the board's format. */
void kvm_irqchip_msg_to_msi(const ApicMsg *msg, struct kvm_msi *msi)
{
    uint64_t addr;
    memset(msi, 0, sizeof(*msi));
    apic_msi_encode(msg, &addr, &msi->data);
    msi->address_lo = (uint32_t)addr;
}

/* Make sure the kernel reports EOIs of this level-triggered message. */
static int kvm_irqchip_route_level(KvmState *ks, const struct kvm_msi *msi)
{
    for (int i = 0; i < ks->nr_level_routes; i++)
        if (ks->level_routes[i].address_lo == msi->address_lo &&
            ks->level_routes[i].data == msi->data)
            return 0;
    int slot = ks->nr_level_routes < KVM_IOAPIC_PINS ? ks->nr_level_routes++
                                                     : ks->next_level_route++ % KVM_IOAPIC_PINS;
    ks->level_routes[slot] = *msi;

    struct {
        struct kvm_irq_routing hdr;
        struct kvm_irq_routing_entry e[KVM_IOAPIC_PINS];
    } r;
    memset(&r, 0, sizeof(r));
    r.hdr.nr = (uint32_t)ks->nr_level_routes;
    for (int i = 0; i < ks->nr_level_routes; i++) {
        r.e[i].gsi = (uint32_t)i;
        r.e[i].type = KVM_IRQ_ROUTING_MSI;
        r.e[i].u.msi.address_lo = ks->level_routes[i].address_lo;
        r.e[i].u.msi.data = ks->level_routes[i].data;
    }
    return ioctl(ks->vm_fd, KVM_SET_GSI_ROUTING, &r);
}

/* The IOAPIC's deliver hook (big lock held). */
static void kvm_irqchip_ioapic_deliver(void *opaque, const ApicMsg *msg)
{
    KvmState *ks = opaque;
    struct kvm_msi msi;
    kvm_irqchip_msg_to_msi(msg, &msi);
    if (msg->level && kvm_irqchip_route_level(ks, &msi) < 0)
        fprintf(stderr, "tandem: kvm: KVM_SET_GSI_ROUTING: %s (level interrupt vector "
                "0x%02x may never see its EOI)\n", strerror(errno), msg->vector);
    if (ioctl(ks->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
        fprintf(stderr, "tandem: kvm: KVM_SIGNAL_MSI vector 0x%02x: %s\n", msg->vector,
                strerror(errno));
}

int kvm_irqchip_init(KvmState *ks, bool required, Error *err)
{
    Machine *m = ks->machine;
    const char *why = NULL;
    PcIrq *irq = kvm_irqchip_find_pc_irq(m);
    if (!irq || !irq->ioapic)
        why = "the machine has no PC interrupt routing";
    else if (!kvm_check_extension(ks->vm_fd, KVM_CAP_SPLIT_IRQCHIP))
        why = "the kernel lacks KVM_CAP_SPLIT_IRQCHIP";
    else if (!kvm_check_extension(ks->vm_fd, KVM_CAP_SIGNAL_MSI))
        why = "the kernel lacks KVM_CAP_SIGNAL_MSI";
    else if (!kvm_check_extension(ks->vm_fd, KVM_CAP_IRQ_ROUTING))
        why = "the kernel lacks KVM_CAP_IRQ_ROUTING";
    if (!why) {
        struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP };
        cap.args[0] = KVM_IOAPIC_PINS;
        if (ioctl(ks->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
            why = "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) failed";
    }
    if (why) {
        if (required)
            return error_setf(err, "-accel kvm,kernel-irqchip=split: %s", why);
        return 0;                       /* the userspace irqchip it is */
    }
    ks->split_irqchip = true;
    ks->ioapic = irq->ioapic;
    irq->ioapic->deliver = kvm_irqchip_ioapic_deliver;
    irq->ioapic->deliver_opaque = ks;
    return 0;
}

/* KVM_EXIT_IOAPIC_EOI: the guest's EOI of a level-triggered IOAPIC vector. */
void kvm_irqchip_eoi(KvmState *ks, uint8_t vector)
{
    if (ks->ioapic)
        ioapic_eoi(ks->ioapic, vector);
}

int kvm_irqchip_vcpu_init(Vcpu *cpu, Error *err)
{
    KvmVcpu *kv = cpu->accel;
    if (!kv->ks->split_irqchip)
        return 0;
    kv->lapic_reset = calloc(1, sizeof(*kv->lapic_reset));
    if (!kv->lapic_reset)
        return error_setf(err, "out of memory");
    if (ioctl(kv->fd, KVM_GET_LAPIC, kv->lapic_reset) < 0)
        return error_setf_errno(err, errno, "vCPU %d: KVM_GET_LAPIC failed", cpu->index);
    return 0;
}

int kvm_irqchip_put_reset(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    if (!kv->lapic_reset || !kv->lapic_needs_reset)
        return 0;
    if (ioctl(kv->fd, KVM_SET_LAPIC, kv->lapic_reset) < 0)
        return -1;
    bool bsp = cpu->state.msr.apic_base & (1u << 8);
    struct kvm_mp_state mp = {
        .mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
    };
    if (ioctl(kv->fd, KVM_SET_MP_STATE, &mp) < 0)
        return -1;
    kv->lapic_needs_reset = false;
    return 0;
}

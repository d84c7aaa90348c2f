/* SPDX-License-Identifier: MIT */
/*
 * The kvm engine's entry in the accelerator table: opening /dev/kvm,
 * checking that it is the API we speak, and creating the VM.
 *
 * available() and init() share one probe, so "-accel kvm" fails with the same
 * one-line reason the "kvm:tcg" fallback prints: the device is missing, not
 * accessible, speaks another API version, lacks a capability (named), or
 * refuses to create a VM (VT-x/AMD-V disabled or in use by another hypervisor).
 * A capability the engine cannot work without is checked here, once; an
 * optional one is recorded in KvmState and each user falls back without it.
 *
 * The engine's pieces: kvm-mem.c (memory slots from the flat view),
 * kvm-vcpu.c (vCPU run loop, exits, interrupts, kicks), kvm-irqchip.c (the
 * split irqchip: local APICs in the kernel), kvm-state.c (register
 * transfer between the kernel and X86CPUState), kvm-cpuid.c (CPUID),
 * kvm-emul.c (the few instructions KVM's own emulator refuses, for hosts
 * where it runs guest kernels: kvm-pvm), kvm-stats.c (KVM's counters, for
 * "-d cpu").
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "accel/kvm/kvm-int.h"
#include "softmmu/machine.h"

int kvm_check_extension(int fd, long cap)
{
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

/* What the engine cannot run without; each is named when missing. */
static const struct {
    long cap;
    const char *name;
} kvm_required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    { KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM" },       /* ROM as a slot */
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },   /* race-free kicks */
    { KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },
    { KVM_CAP_USER_NMI, "KVM_CAP_USER_NMI" },
    { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
};

static bool kvm_host_is_intel(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return false;
    /* "GenuineIntel" in EBX, EDX, ECX */
    return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;
}

/* Open /dev/kvm and check version and capabilities; returns the fd or -1. */
static int kvm_open_checked(Error *err)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return error_setf(err, "KVM is not usable: /dev/kvm does not exist "
                              "(no kvm module loaded, or no VT-x/AMD-V on this host)");
        if (e == EACCES || e == EPERM)
            return error_setf(err, "KVM is not usable: no permission to open /dev/kvm "
                              "(join the 'kvm' group or fix its mode)");
        return error_setf_errno(err, e, "KVM is not usable: cannot open /dev/kvm");
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version < 0) {
        int e = errno;
        close(fd);
        return error_setf_errno(err, e, "KVM is not usable: /dev/kvm is not a KVM device "
                                "(KVM_GET_API_VERSION)");
    }
    if (version != KVM_API_VERSION) {
        close(fd);
        return error_setf(err, "KVM is not usable: /dev/kvm speaks API version %d, "
                          "tandem needs %d", version, KVM_API_VERSION);
    }
    for (size_t i = 0; i < sizeof(kvm_required_caps) / sizeof(kvm_required_caps[0]); i++) {
        if (!kvm_check_extension(fd, kvm_required_caps[i].cap)) {
            close(fd);
            return error_setf(err, "KVM is not usable: the kernel lacks %s",
                              kvm_required_caps[i].name);
        }
    }
    if (kvm_host_is_intel() && !kvm_check_extension(fd, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        close(fd);
        return error_setf(err, "KVM is not usable: the kernel lacks "
                          "KVM_CAP_SET_IDENTITY_MAP_ADDR");
    }
    return fd;
}

static int kvm_create_vm(int kvm_fd, Error *err)
{
    int vm;
    do {
        vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    } while (vm < 0 && errno == EINTR);
    if (vm < 0)
        return error_setf_errno(err, errno, "KVM is not usable: KVM_CREATE_VM failed "
                                "(VT-x/AMD-V disabled or taken by another hypervisor?)");
    return vm;
}

static bool kvm_available(Error *err)
{
    int fd = kvm_open_checked(err);
    if (fd < 0)
        return false;
    /* The device may exist while the hardware extension is unusable. */
    int vm = kvm_create_vm(fd, err);
    if (vm >= 0)
        close(vm);
    close(fd);
    return vm >= 0;
}

static void kvm_cleanup(Machine *m)
{
    KvmState *ks = m->accel_state;
    if (!ks)
        return;
    kvm_mem_cleanup(ks);
    if (ks->vm_fd >= 0)
        close(ks->vm_fd);
    if (ks->kvm_fd >= 0)
        close(ks->kvm_fd);
    free(ks->supported_cpuid);
    free(ks);
    m->accel_state = NULL;
}

typedef enum { KVM_IRQCHIP_DEFAULT, KVM_IRQCHIP_OFF, KVM_IRQCHIP_SPLIT } KvmIrqchipMode;

/*
 * The engine's own options, QEMU's spelling: "-accel kvm,kernel-irqchip=X"
 * (also inside a list, "kvm,kernel-irqchip=off:tcg"). split puts the local
 * APICs in the kernel; off keeps every interrupt controller in tandem; on
 * (PIC, IOAPIC and PIT in the kernel too) is refused, since those are
 * devices tandem runs the same under both engines.
 */
static int kvm_parse_options(const Machine *m, KvmIrqchipMode *irqchip, Error *err)
{
    *irqchip = KVM_IRQCHIP_DEFAULT;
    const char *p = m->cfg ? m->cfg->accel : NULL;
    while (p && *p) {
        size_t n = strcspn(p, ":"), name = strcspn(p, ",:");
        if (name == 3 && !strncmp(p, "kvm", 3)) {
            const char *o = p + name;
            while (o < p + n) {
                o++;                            /* the comma */
                size_t len = strcspn(o, ",:");
                if (len == 20 && !strncmp(o, "kernel-irqchip=split", 20))
                    *irqchip = KVM_IRQCHIP_SPLIT;
                else if (len == 18 && !strncmp(o, "kernel-irqchip=off", 18))
                    *irqchip = KVM_IRQCHIP_OFF;
                else if (len == 17 && !strncmp(o, "kernel-irqchip=on", 17))
                    return error_setf(err, "-accel kvm,kernel-irqchip=on: not supported (the "
                                      "PIC, IOAPIC and PIT stay tandem's); use split or off");
                else
                    return error_setf(err, "-accel kvm: unknown option '%.*s' "
                                      "(kernel-irqchip=split|off)", (int)len, o);
                o += len;
            }
        }
        p += n;
        if (*p == ':')
            p++;
    }
    return 0;
}

static int kvm_init(Machine *m, Error *err)
{
    KvmIrqchipMode irqchip;
    if (kvm_parse_options(m, &irqchip, err) < 0)
        return -1;
    KvmState *ks = calloc(1, sizeof(*ks));
    if (!ks)
        return error_setf(err, "out of memory");
    ks->machine = m;
    ks->kvm_fd = ks->vm_fd = -1;
    m->accel_state = ks;

    ks->kvm_fd = kvm_open_checked(err);
    if (ks->kvm_fd < 0)
        goto fail;
    ks->vm_fd = kvm_create_vm(ks->kvm_fd, err);
    if (ks->vm_fd < 0)
        goto fail;
    ks->intel = kvm_host_is_intel();
    ks->run_size = ioctl(ks->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (ks->run_size < (int)sizeof(struct kvm_run)) {
        error_setf_errno(err, errno, "KVM_GET_VCPU_MMAP_SIZE failed");
        goto fail;
    }
    /*
     * VMX without unrestricted guest runs real mode in vm86 and needs a TSS
     * (three pages) and an identity-mapped page table somewhere the guest
     * does not use: just below the BIOS, above the LAPIC/IOAPIC windows,
     * as every PC monitor does. SVM ignores the TSS address.
     */
    if (ioctl(ks->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
        error_setf_errno(err, errno, "KVM_SET_TSS_ADDR failed");
        goto fail;
    }
    if (ks->intel) {
        uint64_t addr = KVM_IDENTITY_MAP_ADDR;
        if (ioctl(ks->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0) {
            error_setf_errno(err, errno, "KVM_SET_IDENTITY_MAP_ADDR failed");
            goto fail;
        }
    }
    ks->cap_xsave = kvm_check_extension(ks->kvm_fd, KVM_CAP_XSAVE);
    ks->cap_xcrs = kvm_check_extension(ks->kvm_fd, KVM_CAP_XCRS);
    ks->cap_debugregs = kvm_check_extension(ks->kvm_fd, KVM_CAP_DEBUGREGS);
    ks->cap_tsc_deadline = kvm_check_extension(ks->kvm_fd, KVM_CAP_TSC_DEADLINE_TIMER);
    ks->nested_state_size = kvm_check_extension(ks->kvm_fd, KVM_CAP_NESTED_STATE);
    if (ks->nested_state_size < (int)sizeof(struct kvm_nested_state))
        ks->nested_state_size = 0;
    int slots = kvm_check_extension(ks->vm_fd, KVM_CAP_NR_MEMSLOTS);
    ks->nr_slots = slots <= 0 ? 32 : slots < KVM_MAX_SLOTS ? slots : KVM_MAX_SLOTS;

    ks->nr_msrs = -1;
    /* Before any vCPU exists, as KVM_CAP_SPLIT_IRQCHIP requires. */
    if (irqchip != KVM_IRQCHIP_OFF &&
        kvm_irqchip_init(ks, irqchip == KVM_IRQCHIP_SPLIT, err) < 0)
        goto fail;
    if (kvm_cpuid_init(ks, err) < 0)
        goto fail;
    kvm_mem_init(ks);
    return 0;

fail:
    kvm_cleanup(m);
    return -1;
}

/* tcg tracks code pages to drop translations; KVM runs guest code in place. */
static void kvm_invalidate_code(Machine *m, uint64_t addr, uint64_t len)
{
}

const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .has_options = true,
    .available = kvm_available,
    .init = kvm_init,
    .cleanup = kvm_cleanup,
    .vcpu_init = kvm_vcpu_init,
    .vcpu_cleanup = kvm_vcpu_cleanup,
    .vcpu_run = kvm_vcpu_run,
    .vcpu_kick = kvm_vcpu_kick,
    .sync_state = kvm_sync_state,
    .state_changed = kvm_state_changed,
    .invalidate_code = kvm_invalidate_code,
};

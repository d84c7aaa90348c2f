/* SPDX-License-Identifier: MIT */
/*
 * The kvm engine's CPUID table and the -cpu options behind it, without
 * /dev/kvm: a made-up KVM_GET_SUPPORTED_CPUID list goes through
 * kvm_cpuid_build() as the kernel's would, so what reaches the guest for
 * "-cpu tandem,+svm", "-cpu tandem" and "-cpu host" is checked on every
 * host (test-kvm.c checks the same table against a real kernel when there
 * is one). Also: what tcg must refuse rather than quietly drop, the
 * engine's own -accel options, and the MSI the split irqchip makes of an
 * IOAPIC message.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "accel/accel.h"
#include "accel/kvm/kvm-int.h"
#include "hw/intc/apic.h"
#include "cpu/x86/cpuid.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

#define SVM_BIT (1u << 2)       /* CPUID 0x80000001 ECX */
#define VMX_BIT (1u << 5)       /* CPUID 1 ECX */

static const struct kvm_cpuid_entry2 fake_supported[] = {
    { .function = 0, .eax = 0x10, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65 },
    { .function = 1, .eax = 0x00a50f00, .ecx = 0xfeda3203 | VMX_BIT, .edx = 0x178bfbff },
    { .function = 7, .ebx = 0x219c07ab },
    { .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
    { .function = 0x40000001, .eax = 0x01007afb },
    { .function = 0x80000000, .eax = 0x80000021 },
    { .function = 0x80000001, .ecx = 0x75c237ff | SVM_BIT, .edx = 0x2fd3fbff },
    { .function = 0x80000008, .eax = 0x3030 },
    { .function = 0x8000000a, .eax = 1, .ebx = 8, .edx = 0x10000020 },
};
#define NFAKE (sizeof(fake_supported) / sizeof(fake_supported[0]))

static struct {
    Machine m;
    Vcpu cpu;
    KvmState ks;
    KvmVcpu kv;
    struct kvm_cpuid2 *sup;
} t;

/* A vCPU of a machine whose KVM supports fake_supported, with model spec. */
static void setup(const char *spec)
{
    Error err = { 0 };
    memset(&t.m, 0, sizeof(t.m));
    memset(&t.cpu, 0, sizeof(t.cpu));
    memset(&t.ks, 0, sizeof(t.ks));
    memset(&t.kv, 0, sizeof(t.kv));
    t.sup = calloc(1, sizeof(*t.sup) + NFAKE * sizeof(t.sup->entries[0]));
    CU_ASSERT_FATAL(t.sup != NULL);
    t.sup->nent = NFAKE;
    memcpy(t.sup->entries, fake_supported, sizeof(fake_supported));
    t.ks.supported_cpuid = t.sup;
    t.ks.machine = &t.m;
    t.kv.ks = &t.ks;
    t.m.nr_cpus = 1;
    t.cpu.machine = &t.m;
    t.cpu.accel = &t.kv;
    if (spec)
        CU_ASSERT_FATAL(x86_cpu_model_new(spec, &t.m.cpu_model, &err) == 0);
}

static void teardown(void)
{
    x86_cpu_model_free(t.m.cpu_model);
    t.m.cpu_model = NULL;
    free(t.sup);
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c, uint32_t fn)
{
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == fn && c->entries[i].index == 0)
            return &c->entries[i];
    return NULL;
}

static void test_svm_reaches_guest(void)
{
    setup("tandem,+svm");
    struct kvm_cpuid2 *c = kvm_cpuid_build(&t.cpu);
    CU_ASSERT_FATAL(c != NULL);
    const struct kvm_cpuid_entry2 *e0 = find(c, 0), *e81 = find(c, 0x80000001u);
    const struct kvm_cpuid_entry2 *e80 = find(c, 0x80000000u), *ea = find(c, 0x8000000au);
    CU_ASSERT_FATAL(e0 && e81 && e80);
    CU_ASSERT(!memcmp(&e0->ebx, "Auth", 4) && !memcmp(&e0->edx, "enti", 4) &&
              !memcmp(&e0->ecx, "cAMD", 4));
    CU_ASSERT(e81->ecx & SVM_BIT);
    CU_ASSERT_EQUAL(e80->eax, 0x8000000au);
    /* The SVM leaf is KVM's (revision, ASIDs, nested paging and so on). */
    CU_ASSERT_FATAL(ea != NULL);
    CU_ASSERT_EQUAL(ea->ebx, 8u);
    CU_ASSERT_EQUAL(ea->edx, 0x10000020u);
    CU_ASSERT(find(c, 0x40000000u) == NULL);            /* still no KVM PV leaves */
    CU_ASSERT(kvm_cpuid_has_virt(&t.cpu));
    free(c);
    teardown();
}

static void test_no_virt_by_default(void)
{
    setup("tandem");
    struct kvm_cpuid2 *c = kvm_cpuid_build(&t.cpu);
    CU_ASSERT_FATAL(c != NULL);
    const struct kvm_cpuid_entry2 *e0 = find(c, 0), *e1 = find(c, 1), *e81 = find(c, 0x80000001u);
    CU_ASSERT_FATAL(e0 && e1 && e81);
    CU_ASSERT(!memcmp(&e0->ebx, "Genu", 4));
    CU_ASSERT_EQUAL(e81->ecx & SVM_BIT, 0);
    CU_ASSERT_EQUAL(e1->ecx & VMX_BIT, 0);
    CU_ASSERT(find(c, 0x8000000au) == NULL);            /* beyond the model's leaves */
    CU_ASSERT_FALSE(kvm_cpuid_has_virt(&t.cpu));
    free(c);
    teardown();

    /* +vmx: Intel identity kept, the bit passes where KVM offers it. */
    setup("tandem,+vmx");
    c = kvm_cpuid_build(&t.cpu);
    CU_ASSERT_FATAL(c != NULL && find(c, 1) != NULL);
    CU_ASSERT(find(c, 1)->ecx & VMX_BIT);
    CU_ASSERT(!memcmp(&find(c, 0)->ebx, "Genu", 4));
    free(c);
    teardown();
}

static void test_host_model(void)
{
    setup("host");
    CU_ASSERT_TRUE(t.m.cpu_model->host);
    struct kvm_cpuid2 *c = kvm_cpuid_build(&t.cpu);
    CU_ASSERT_FATAL(c != NULL);
    /* KVM's list as it is, but for the PV leaves and the engine's fixes. */
    CU_ASSERT_EQUAL(c->nent, NFAKE - 2);
    CU_ASSERT_EQUAL(find(c, 0x80000000u)->eax, 0x80000021u);
    CU_ASSERT_EQUAL(find(c, 7)->ebx, 0x219c07abu);
    CU_ASSERT(find(c, 1)->ecx & (1u << 31));            /* hypervisor */
    free(c);
    teardown();
}

static void test_model_errors(void)
{
    Error err = { 0 };
    X86CPUModel *m = NULL;
    CU_ASSERT_EQUAL(x86_cpu_model_new("tandem,+svm,+vmx", &m, &err), -1);
    CU_ASSERT(err.set && strstr(err.msg, "svm and vmx"));
    err = (Error){ 0 };
    CU_ASSERT_EQUAL(x86_cpu_model_new("host,+avx", &m, &err), -1);
    CU_ASSERT(err.set && strstr(err.msg, "host"));

    /* What tcg refuses with one line instead of leaving it out quietly. */
    static const char *const kvm_only[] = { "host", "tandem,+svm", "max,vmx=on" };
    for (size_t i = 0; i < sizeof(kvm_only) / sizeof(kvm_only[0]); i++) {
        err = (Error){ 0 };
        CU_ASSERT_FATAL(x86_cpu_model_new(kvm_only[i], &m, &err) == 0);
        CU_ASSERT_EQUAL(x86_cpu_model_check_tcg(m, &err), -1);
        CU_ASSERT(err.set && strstr(err.msg, "kvm") && !strchr(err.msg, '\n'));
        x86_cpu_model_free(m);
    }
    err = (Error){ 0 };
    CU_ASSERT_FATAL(x86_cpu_model_new("max", &m, &err) == 0);
    CU_ASSERT_EQUAL(x86_cpu_model_check_tcg(m, &err), 0);
    CU_ASSERT_FALSE(x86_cpu_model_has(m, "svm"));
    CU_ASSERT_TRUE(x86_cpu_model_has(m, "sse2"));
    x86_cpu_model_free(m);
}

/* "-accel kvm,OPTIONS": the engine's init refuses bad options before it
 * opens /dev/kvm, so this runs on any host. */
static void test_accel_options(void)
{
    static const struct { const char *accel, *msg; } bad[] = {
        { "kvm,kernel-irqchip=on", "not supported" },
        { "kvm,kernel-irqchip=maybe", "unknown option" },
        { "tcg:kvm,frobnicate", "unknown option 'frobnicate'" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        MachineConfig cfg = { .accel = bad[i].accel };
        Machine m = { .cfg = &cfg };
        Error err = { 0 };
        CU_ASSERT_EQUAL(accel_kvm_ops.init(&m, &err), -1);
        CU_ASSERT(err.set && strstr(err.msg, bad[i].msg));
        CU_ASSERT(m.accel_state == NULL);
    }
    /* The engine list matches names before their options; tcg takes none. */
    bool fell_back;
    Error err = { 0 };
    CU_ASSERT(accel_select("tcg,whatever", &fell_back, &err) == NULL);
    CU_ASSERT(err.set && strstr(err.msg, "tcg takes no options"));
    err = (Error){ 0 };
    CU_ASSERT(accel_select("kvm,x", &fell_back, &err) == &accel_kvm_ops || err.set);
    err = (Error){ 0 };
    CU_ASSERT(accel_select("kvmx,a", &fell_back, &err) == NULL);
    CU_ASSERT(err.set && strstr(err.msg, "unknown accelerator 'kvmx'"));
}

/* IOAPIC messages become MSIs in the SDM's format (split irqchip). */
static void test_ioapic_msi(void)
{
    struct kvm_msi msi;
    ApicMsg edge = { .dest = 3, .delivery = APIC_DM_FIXED, .vector = 0x31 };
    kvm_irqchip_msg_to_msi(&edge, &msi);
    CU_ASSERT_EQUAL(msi.address_lo, 0xfee03000u);
    CU_ASSERT_EQUAL(msi.address_hi, 0u);
    CU_ASSERT_EQUAL(msi.data, 0x31u);
    ApicMsg level = { .dest = 0x0f, .dest_logical = true, .delivery = APIC_DM_LOWEST,
                      .vector = 0xa9, .level = true };
    kvm_irqchip_msg_to_msi(&level, &msi);
    CU_ASSERT_EQUAL(msi.address_lo, 0xfee0f004u);
    CU_ASSERT_EQUAL(msi.data, 0xa9u | (1u << 8) | (1u << 14) | (1u << 15));
    ApicMsg nmi = { .dest = 0xff, .delivery = APIC_DM_NMI, .vector = 0 };
    kvm_irqchip_msg_to_msi(&nmi, &msi);
    CU_ASSERT_EQUAL(msi.address_lo, 0xfeeff000u);
    CU_ASSERT_EQUAL(msi.data, 4u << 8);
}

static const UnitTest tests[] = {
    { "-cpu tandem,+svm: SVM, AMD vendor, leaf 0x8000000a", test_svm_reaches_guest },
    { "no SVM/VMX unless asked; +vmx stays Intel", test_no_virt_by_default },
    { "-cpu host: KVM's CPUID as it is", test_host_model },
    { "bad -cpu and what tcg refuses", test_model_errors },
    { "-accel kvm options", test_accel_options },
    { "IOAPIC message as MSI", test_ioapic_msi },
    { NULL, NULL },
};

void unit_register(void)
{
    unit_add_suite("kvm-cpuid", NULL, NULL, tests);
}

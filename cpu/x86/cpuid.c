/* SPDX-License-Identifier: MIT */
/*
 * CPU models, -cpu parsing and the CPUID instruction.
 *
 * The feature table lists every feature name tandem knows, with its CPUID
 * bit and whether tcg implements it. A model names a real-looking feature
 * set (kvm passes it on, filtered by the host); under tcg, CPUID and the
 * decoder only ever see the implemented subset, and tcg says once which
 * requested features it leaves out. Leaves beyond the model's maxima read
 * as zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/x86.h"
#include "cpu/x86/fpu.h"
#include "softmmu/vcpu.h"

typedef struct FeatureBit {
    const char *name;
    uint8_t word, bit;
    bool implemented;
    uint8_t decode;     /* FEAT_* gating decoder rows, or FEAT_NONE */
} FeatureBit;

/*
 * SSE4.2's string compares, FMA and F16C run as the host's own
 * instructions, which only an x86-64 host has (sse-*.c, avx.c).
 */
#if defined(__x86_64__)
#define SIMD_ON_HOST true
#else
#define SIMD_ON_HOST false
#endif

static const FeatureBit feature_bits[] = {
    { "fpu",     X86_FW_1_EDX, 0,  true,  FEAT_NONE },     /* fpu-*.c */
    { "vme",     X86_FW_1_EDX, 1,  true,  FEAT_NONE },     /* vme.c: VME and PVI */
    { "de",      X86_FW_1_EDX, 2,  false, FEAT_NONE },
    { "mce",     X86_FW_1_EDX, 7,  false, FEAT_NONE },
    { "mca",     X86_FW_1_EDX, 14, false, FEAT_NONE },
    { "pse",     X86_FW_1_EDX, 3,  true,  FEAT_NONE },
    { "tsc",     X86_FW_1_EDX, 4,  true,  FEAT_TSC },
    { "msr",     X86_FW_1_EDX, 5,  true,  FEAT_MSR },
    { "pae",     X86_FW_1_EDX, 6,  true,  FEAT_NONE },
    { "cx8",     X86_FW_1_EDX, 8,  true,  FEAT_CX8 },
    { "apic",    X86_FW_1_EDX, 9,  true,  FEAT_NONE },    /* the board's local APIC */
    { "sep",     X86_FW_1_EDX, 11, true,  FEAT_SEP },
    { "mtrr",    X86_FW_1_EDX, 12, true,  FEAT_NONE },
    { "pge",     X86_FW_1_EDX, 13, true,  FEAT_NONE },
    { "cmov",    X86_FW_1_EDX, 15, true,  FEAT_CMOV },
    { "pat",     X86_FW_1_EDX, 16, true,  FEAT_NONE },
    { "pse36",   X86_FW_1_EDX, 17, true,  FEAT_NONE },
    { "clflush", X86_FW_1_EDX, 19, true,  FEAT_CLFLUSH },
    { "mmx",     X86_FW_1_EDX, 23, true,  FEAT_MMX },      /* sse-*.c */
    { "fxsr",    X86_FW_1_EDX, 24, true,  FEAT_FXSR },     /* xsave.c */
    { "sse",     X86_FW_1_EDX, 25, true,  FEAT_SSE },
    { "sse2",    X86_FW_1_EDX, 26, true,  FEAT_SSE2 },
    { "sse3",    X86_FW_1_ECX, 0,  true,  FEAT_SSE3 },
    { "vmx",     X86_FW_1_ECX, 5,  false, FEAT_NONE },
    { "ssse3",   X86_FW_1_ECX, 9,  true,  FEAT_SSSE3 },
    { "sse4.1",  X86_FW_1_ECX, 19, true,  FEAT_SSE41 },
    { "sse4.2",  X86_FW_1_ECX, 20, SIMD_ON_HOST, FEAT_SSE42 },
    { "pclmulqdq", X86_FW_1_ECX, 1, true, FEAT_PCLMUL },    /* sse-aes.c */
    { "fma",     X86_FW_1_ECX, 12, SIMD_ON_HOST, FEAT_FMA },
    { "aes",     X86_FW_1_ECX, 25, true,  FEAT_AES },
    { "avx",     X86_FW_1_ECX, 28, true,  FEAT_AVX },      /* sse-*.c, avx.c */
    { "f16c",    X86_FW_1_ECX, 29, SIMD_ON_HOST, FEAT_F16C },
    { "avx2",    X86_FW_7_EBX, 5,  true,  FEAT_AVX2 },
    { "sha-ni",  X86_FW_7_EBX, 29, true,  FEAT_SHA },      /* sse-aes.c */
    { "cx16",    X86_FW_1_ECX, 13, true,  FEAT_CX16 },
    { "x2apic",  X86_FW_1_ECX, 21, false, FEAT_NONE },
    { "tsc-deadline", X86_FW_1_ECX, 24, false, FEAT_NONE },  /* kvm's in-kernel APIC */
    { "movbe",   X86_FW_1_ECX, 22, true,  FEAT_MOVBE },
    { "popcnt",  X86_FW_1_ECX, 23, true,  FEAT_POPCNT },
    { "xsave",   X86_FW_1_ECX, 26, true,  FEAT_XSAVE },
    { "xsaveopt", X86_FW_D1_EAX, 0, true, FEAT_XSAVEOPT },
    { "xsavec",  X86_FW_D1_EAX, 1, true,  FEAT_XSAVEC },
    { "rdrand",  X86_FW_1_ECX, 30, true,  FEAT_RDRAND },
    { "hypervisor", X86_FW_1_ECX, 31, true, FEAT_NONE },
    { "fsgsbase", X86_FW_7_EBX, 0, true,  FEAT_FSGSBASE },
    { "bmi1",    X86_FW_7_EBX, 3,  true,  FEAT_BMI1 },
    { "smep",    X86_FW_7_EBX, 7,  true,  FEAT_NONE },
    { "bmi2",    X86_FW_7_EBX, 8,  true,  FEAT_BMI2 },
    { "adx",     X86_FW_7_EBX, 19, true,  FEAT_ADX },
    { "smap",    X86_FW_7_EBX, 20, true,  FEAT_SMAP },
    { "syscall", X86_FW_81_EDX, 11, true, FEAT_SYSCALL },
    { "nx",      X86_FW_81_EDX, 20, true, FEAT_NONE },
    { "pdpe1gb", X86_FW_81_EDX, 26, true, FEAT_NONE },
    { "rdtscp",  X86_FW_81_EDX, 27, true, FEAT_RDTSCP },
    { "lm",      X86_FW_81_EDX, 29, true, FEAT_NONE },
    { "lahf_lm", X86_FW_81_ECX, 0, true,  FEAT_LAHF64 },
    { "svm",     X86_FW_81_ECX, 2, false, FEAT_NONE },
    { "abm",     X86_FW_81_ECX, 5, true,  FEAT_LZCNT },
};
#define NFEAT (sizeof(feature_bits) / sizeof(feature_bits[0]))

typedef struct ModelDef {
    const char *name;
    const char *features;       /* space separated */
    uint32_t family, model, stepping;
    bool host;                  /* the host's CPU as KVM offers it */
} ModelDef;

/*
 * A model's features are what the model is (kvm gives them to the guest as
 * far as the host allows); tcg advertises the subset it implements.
 */
static const ModelDef model_defs[] = {
    { "tandem", "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush "
                "mmx fxsr sse sse2 sse3 ssse3 sse4.1 sse4.2 avx avx2 fma f16c aes pclmulqdq sha-ni "
                "cx16 popcnt movbe rdrand hypervisor fsgsbase bmi1 smep smap "
                "bmi2 adx syscall nx pdpe1gb xsave xsaveopt xsavec "
                "rdtscp lm lahf_lm abm x2apic tsc-deadline", 6, 0x3a, 9, false },
    { "tandem32", "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 mmx "
                  "fxsr sse sse2 hypervisor", 6, 0x0d, 6, false },
    /* As QEMU means it: every feature the engine implements (NULL list). */
    { "max", NULL, 6, 0x3a, 9, false },
    /* KVM's supported CPUID as it is; only kvm can give it (the host's
     * features are not what tcg implements). */
    { "host", "", 0, 0, 0, true },
};
#define NMODELS (sizeof(model_defs) / sizeof(model_defs[0]))

/*
 * The virtualization extensions are each one vendor's: Linux loads kvm-amd
 * only on an AMD CPU and kvm-intel only where VMX is. A model asked for SVM
 * therefore identifies itself as an AMD processor of the family QEMU's
 * qemu64 uses (K8-style, which every kernel handles without model quirks);
 * VMX keeps the Intel identity every tandem model already has.
 */
#define CPUID_81_ECX_SVM (1u << 2)
#define CPUID_1_ECX_VMX  (1u << 5)
#define SVM_LEAF         0x8000000au     /* SVM revision, ASIDs, features */

static int model_apply_virt(X86CPUModel *m, Error *err)
{
    bool svm = m->features[X86_FW_81_ECX] & CPUID_81_ECX_SVM;
    bool vmx = m->features[X86_FW_1_ECX] & CPUID_1_ECX_VMX;
    if (svm && vmx)
        return error_setf(err, "-cpu %s: svm and vmx cannot both be on "
                          "(AMD's and Intel's extensions; pick one)", m->name);
    if (svm) {
        memcpy(m->vendor, "AuthenticAMD", 13);
        m->family = 0xf;
        m->model = 0x6b;
        m->stepping = 1;
        if (m->max_ext_leaf < SVM_LEAF)
            m->max_ext_leaf = SVM_LEAF;
    }
    return 0;
}

/* Bits of each feature word that tcg implements. */
static void implemented_words(uint32_t out[X86_FW_COUNT])
{
    memset(out, 0, X86_FW_COUNT * sizeof(uint32_t));
    for (size_t k = 0; k < NFEAT; k++)
        if (feature_bits[k].implemented)
            out[feature_bits[k].word] |= 1u << feature_bits[k].bit;
}

static const FeatureBit *feature_find(const char *name, size_t len)
{
    for (size_t k = 0; k < NFEAT; k++)
        if (strlen(feature_bits[k].name) == len && !strncmp(feature_bits[k].name, name, len))
            return &feature_bits[k];
    return NULL;
}

static int feature_set(X86CPUModel *m, const char *name, size_t len, bool on, Error *err)
{
    const FeatureBit *f = feature_find(name, len);
    if (!f)
        return error_setf(err, "unknown CPU feature '%.*s'", (int)len, name);
    if (on)
        m->features[f->word] |= 1u << f->bit;
    else
        m->features[f->word] &= ~(1u << f->bit);
    return 0;
}

int x86_cpu_model_new(const char *spec, X86CPUModel **out, Error *err)
{
    const char *p = spec && *spec ? spec : "tandem";
    size_t n = strcspn(p, ",");
    const ModelDef *def = NULL;
    for (size_t k = 0; k < NMODELS; k++)
        if (strlen(model_defs[k].name) == n && !strncmp(model_defs[k].name, p, n))
            def = &model_defs[k];
    if (!def)
        return error_setf(err, "unknown CPU model '%.*s' (known: tandem, tandem32, max, host)",
                          (int)n, p);

    X86CPUModel *m = calloc(1, sizeof(*m));
    if (!m)
        return error_setf(err, "out of memory");
    snprintf(m->name, sizeof(m->name), "%s", def->name);
    memcpy(m->vendor, "GenuineIntel", 13);
    snprintf(m->brand, sizeof(m->brand), "tandem %s CPU", def->name);
    m->family = def->family;
    m->model = def->model;
    m->stepping = def->stepping;
    m->max_leaf = 0xd;
    m->max_ext_leaf = 0x80000008;
    m->phys_bits = 40;
    m->virt_bits = 48;
    m->host = def->host;
    if (!def->features)
        implemented_words(m->features);
    for (const char *f = def->features ? def->features : ""; *f;) {
        size_t len = strcspn(f, " ");
        feature_set(m, f, len, true, NULL);
        f += len;
        while (*f == ' ')
            f++;
    }
    p += n;
    if (def->host && *p) {
        free(m);
        return error_setf(err, "-cpu host takes no feature changes: it is the host's "
                          "CPU as KVM offers it");
    }
    while (*p == ',') {
        p++;
        n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        int rc;
        if (n && (p[0] == '+' || p[0] == '-')) {
            rc = feature_set(m, p + 1, n - 1, p[0] == '+', err);
        } else if (eq) {
            size_t vl = n - (size_t)(eq + 1 - p);
            bool on = vl == 2 && !strncmp(eq + 1, "on", 2);
            bool off = vl == 3 && !strncmp(eq + 1, "off", 3);
            if (!on && !off)
                rc = error_setf(err, "CPU feature value must be on or off: '%.*s'", (int)n, p);
            else
                rc = feature_set(m, p, (size_t)(eq - p), on, err);
        } else {
            rc = error_setf(err, "bad CPU option '%.*s' (use +feat, -feat or feat=on|off)",
                            (int)n, p);
        }
        if (rc < 0) {
            free(m);
            return -1;
        }
        p += n;
    }
    if (model_apply_virt(m, err) < 0) {
        free(m);
        return -1;
    }
    *out = m;
    return 0;
}

bool x86_cpu_model_has(const X86CPUModel *model, const char *feature)
{
    const FeatureBit *f = feature_find(feature, strlen(feature));
    return model && f && ((model->features[f->word] >> f->bit) & 1);
}

int x86_cpu_model_check_tcg(const X86CPUModel *model, Error *err)
{
    if (!model)
        return 0;
    if (model->host)
        return error_setf(err, "-cpu host needs -accel kvm (tcg runs a CPU model, "
                          "not the host's CPU)");
    const char *ext = x86_cpu_model_has(model, "svm") ? "svm"
                      : x86_cpu_model_has(model, "vmx") ? "vmx" : NULL;
    if (ext)
        return error_setf(err, "-cpu %s,+%s: tcg does not emulate %s yet; use -accel kvm",
                          model->name, ext, ext);
    return 0;
}

void x86_cpu_model_free(X86CPUModel *model)
{
    free(model);
}

void x86_cpu_model_features(const X86CPUModel *model, uint8_t *feat)
{
    memset(feat, 0, FEAT_COUNT);
    for (size_t k = 0; k < NFEAT; k++) {
        const FeatureBit *f = &feature_bits[k];
        if (f->decode != FEAT_NONE && f->implemented && model &&
            (model->features[f->word] >> f->bit) & 1)
            feat[f->decode] = 1;
    }
    feat[FEAT_CPUID] = 1;
}

int x86_cpu_model_unimplemented(const X86CPUModel *model, char *buf, size_t len)
{
    int n = 0;
    buf[0] = 0;
    for (size_t k = 0; k < NFEAT && model; k++) {
        const FeatureBit *f = &feature_bits[k];
        if (!f->implemented && ((model->features[f->word] >> f->bit) & 1)) {
            size_t used = strlen(buf);
            snprintf(buf + used, len - used, "%s%s", n ? " " : "", f->name);
            n++;
        }
    }
    return n;
}

static void put_str(uint32_t *regs, const char *s)
{
    memcpy(regs, s, 16);
}

void x86_cpuid_model_query(const X86CPUModel *m, uint32_t apic_id, uint32_t leaf,
                           uint32_t sub, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(uint32_t));
    if (!m)
        return;
    if (leaf < 0x80000000u ? leaf > m->max_leaf : leaf > m->max_ext_leaf)
        return;
    switch (leaf) {
    case 0:
        out[0] = m->max_leaf;
        memcpy(&out[1], m->vendor, 4);
        memcpy(&out[3], m->vendor + 4, 4);
        memcpy(&out[2], m->vendor + 8, 4);
        break;
    case 1: {
        uint32_t fam = m->family, mod = m->model;
        out[0] = m->stepping | ((mod & 0xf) << 4) | ((fam > 15 ? 15 : fam) << 8) |
                 ((mod >> 4) << 16) | ((fam > 15 ? fam - 15 : 0) << 20);
        out[1] = (apic_id << 24) | (1u << 16) | (8u << 8);
        out[2] = m->features[X86_FW_1_ECX];
        out[3] = m->features[X86_FW_1_EDX];
        break;
    }
    case 7:
        if (sub == 0) {
            out[1] = m->features[X86_FW_7_EBX];
            out[2] = m->features[X86_FW_7_ECX];
            out[3] = m->features[X86_FW_7_EDX];
        }
        break;
    case 0xd: {
        /* XSAVE layout of the model's state components (xsave.c) */
        uint32_t ecx = m->features[X86_FW_1_ECX];
        uint64_t sup = (ecx >> 26) & 1 ? XSTATE_X87 | XSTATE_SSE |
                                         ((ecx >> 28) & 1 ? XSTATE_AVX : 0) : 0;
        x86_xsave_cpuid(sup, sup, m->features[X86_FW_D1_EAX], sub, out);
        break;
    }
    case 0x80000000u:
        out[0] = m->max_ext_leaf;
        memcpy(&out[1], m->vendor, 4);
        memcpy(&out[3], m->vendor + 4, 4);
        memcpy(&out[2], m->vendor + 8, 4);
        break;
    case 0x80000001u:
        out[2] = m->features[X86_FW_81_ECX];
        out[3] = m->features[X86_FW_81_EDX];
        break;
    case 0x80000002u: case 0x80000003u: case 0x80000004u: {
        char b[49] = { 0 };
        memcpy(b, m->brand, strlen(m->brand));
        put_str(out, b + (leaf - 0x80000002u) * 16);
        break;
    }
    case 0x80000008u:
        out[0] = m->phys_bits | ((uint32_t)m->virt_bits << 8);
        break;
    }
}

/* tcg's CPUID: the model's answer with the unimplemented features masked. */
void x86_cpuid_query(const X86CPU *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    uint32_t apic = cpu->vcpu ? (uint32_t)cpu->vcpu->index : 0;
    uint32_t impl[X86_FW_COUNT];
    x86_cpuid_model_query(cpu->model, apic, leaf, sub, out);
    implemented_words(impl);
    switch (leaf) {
    case 1:
        out[2] &= impl[X86_FW_1_ECX];
        out[3] &= impl[X86_FW_1_EDX];
        if ((out[2] & (1u << 26)) && (cpu->s->cr4 & CR4_OSXSAVE))
            out[2] |= 1u << 27;                 /* OSXSAVE mirrors CR4 */
        break;
    case 0xd: {
        /* the components tcg implements, the size for the current XCR0 */
        uint32_t l1[4], d1[4];
        if (!cpu->model || cpu->model->max_leaf < 0xd)
            break;
        x86_cpuid_query(cpu, 1, 0, l1);
        x86_cpuid_model_query(cpu->model, apic, 0xd, 1, d1);
        uint64_t sup = (l1[2] >> 26) & 1 ? XSTATE_X87 | XSTATE_SSE |
                                           ((l1[2] >> 28) & 1 ? XSTATE_AVX : 0) : 0;
        x86_xsave_cpuid(sup, cpu->s->xcr0 & sup, d1[0] & impl[X86_FW_D1_EAX], sub, out);
        break;
    }
    case 7:
        if (sub == 0) {
            out[1] &= impl[X86_FW_7_EBX];
            out[2] &= impl[X86_FW_7_ECX];
            out[3] &= impl[X86_FW_7_EDX];
        }
        break;
    case 0x80000001u:
        out[2] &= impl[X86_FW_81_ECX];
        out[3] &= impl[X86_FW_81_EDX];
        break;
    }
}

void x86_op_cpuid(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    uint32_t out[4];
    x86_cpuid_query(cpu, (uint32_t)s->regs[R_EAX], (uint32_t)s->regs[R_ECX], out);
    s->regs[R_EAX] = out[0];
    s->regs[R_EBX] = out[1];
    s->regs[R_ECX] = out[2];
    s->regs[R_EDX] = out[3];
}

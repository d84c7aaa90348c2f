/* SPDX-License-Identifier: MIT */
/*
 * CPU models and CPUID.
 *
 * A model is a name, a vendor/family/model/stepping signature and a set of
 * feature bits, each bit the one CPUID reports. `-cpu NAME[,+feat,-feat,
 * feat=on|off]` picks a model and edits its features. kvm gives the guest
 * the model's features as far as the host supports them; tcg advertises
 * only the ones its CPU core implements (x86_cpuid_query in x86.h), so a
 * guest is never told of a feature tcg cannot run. "+svm" makes the model
 * an AMD one (Linux's kvm-amd wants that vendor), "+vmx" keeps it Intel;
 * both are kvm-only, as is the "host" model (KVM's supported CPUID as is).
 */
#ifndef TANDEM_X86_CPUID_H
#define TANDEM_X86_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

/* Feature words: which CPUID register a feature bit lives in. */
enum {
    X86_FW_1_EDX, X86_FW_1_ECX, X86_FW_7_EBX, X86_FW_7_ECX, X86_FW_7_EDX,
    X86_FW_81_EDX, X86_FW_81_ECX,
    X86_FW_D1_EAX,              /* leaf 0xD sub-leaf 1: XSAVEOPT, XSAVEC */
    X86_FW_COUNT
};

typedef struct X86CPUModel {
    char name[32];
    char vendor[13];            /* 12 characters, as CPUID leaf 0 spells them */
    char brand[49];
    uint32_t family, model, stepping;
    uint32_t features[X86_FW_COUNT];
    uint32_t max_leaf, max_ext_leaf;
    uint8_t phys_bits, virt_bits;
    bool host;                  /* "-cpu host": KVM's supported CPUID, kvm only */
} X86CPUModel;

/* Parse a -cpu spec (NULL: the default model) into a new model. */
int x86_cpu_model_new(const char *spec, X86CPUModel **out, Error *err);
void x86_cpu_model_free(X86CPUModel *model);

/* The decoder's per-row feature flags (FEAT_* in insn.h) for a model under
 * tcg (implemented features only). */
void x86_cpu_model_features(const X86CPUModel *model, uint8_t *feat);
/* Is the named feature on in the model? */
bool x86_cpu_model_has(const X86CPUModel *model, const char *feature);
/* What tcg cannot run at all, rather than quietly leave out: -cpu host and
 * the virtualization extensions (svm, vmx). -1 with one line in err. */
int x86_cpu_model_check_tcg(const X86CPUModel *model, Error *err);
/* Names of the model's features tcg does not implement; returns how many. */
int x86_cpu_model_unimplemented(const X86CPUModel *model, char *buf, size_t len);

/* CPUID leaf/subleaf for a CPU with this model and APIC id. */
void x86_cpuid_model_query(const X86CPUModel *model, uint32_t apic_id, uint32_t leaf,
                           uint32_t sub, uint32_t out[4]);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * What CPUID tells a guest: the vendor, the feature words of leaves 1 and
 * 0x80000001, and the two virtualization extensions by name. With the
 * default model neither SVM nor VMX may be advertised (tcg implements
 * neither); tests/integration/kvm-nested.sh runs it again under kvm with
 * "-cpu tandem,+svm" and looks for "svm: yes" and an AMD vendor, which is
 * what a guest's kvm-amd needs before it loads.
 */
#include "guest.h"

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(0));
}

int guest_main(void)
{
    uint32_t r[4], l1[4], e1[4] = { 0, 0, 0, 0 };
    char vendor[13];
    cpuid(0, r);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = 0;
    cpuid(1, l1);
    cpuid(0x80000000u, r);
    uint32_t max_ext = r[0];
    if (max_ext >= 0x80000001u)
        cpuid(0x80000001u, e1);
    printf("cpuid: vendor %s, leaf 1 ecx=%08x edx=%08x, max ext leaf %08x, "
           "0x80000001 ecx=%08x edx=%08x\n", vendor, l1[2], l1[3], max_ext, e1[2], e1[3]);
    int svm = (e1[2] >> 2) & 1, vmx = (l1[2] >> 5) & 1;
    printf("svm: %s\n", svm ? "yes" : "no");
    printf("vmx: %s\n", vmx ? "yes" : "no");
    if (svm) {
        /* An SVM CPU describes itself in leaf 0x8000000a (revision, ASIDs). */
        if (max_ext < 0x8000000au) {
            puts("FAIL: svm without leaf 0x8000000a");
            return 1;
        }
        cpuid(0x8000000au, r);
        printf("svm leaf: revision %u, %u ASIDs, features %08x\n", r[0] & 0xff, r[1], r[3]);
        if (strcmp(vendor, "AuthenticAMD")) {
            puts("FAIL: svm on a CPU that is not AuthenticAMD");
            return 1;
        }
    }
    return 0;
}

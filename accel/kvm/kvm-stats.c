/* SPDX-License-Identifier: MIT */
/*
 * KVM's own counters for a vCPU (KVM_GET_STATS_FD, Linux 5.14+): exits by
 * kind, page faults taken and fixed, instructions emulated, halts. A guest
 * that loops inside KVM_RUN without exiting leaves no trace in tandem;
 * these counters say what the kernel was doing for it (a #PF storm, the
 * instruction emulator, nothing at all). Printed with the register dump
 * when "-d cpu" is on and a vCPU is stopped from outside.
 *
 * The descriptor is the kernel's binary stats format: a header, one
 * descriptor per counter (name inline), and a block of u64 values. Every
 * offset and size read from it is bounded before use; a kernel without the
 * ioctl simply gives no counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "accel/kvm/kvm-int.h"
#include "softmmu/vcpu.h"

#ifdef KVM_GET_STATS_FD
#define KVM_STATS_MAX_BYTES (1u << 20)      /* far beyond any real descriptor set */

void kvm_stats_dump(Vcpu *cpu, FILE *f)
{
    KvmVcpu *kv = cpu->accel;
    int fd = ioctl(kv->fd, KVM_GET_STATS_FD, NULL);
    if (fd < 0)
        return;
    struct kvm_stats_header h;
    if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.num_desc == 0 ||
        h.name_size == 0 || h.name_size > 256 || h.num_desc > 4096) {
        close(fd);
        return;
    }
    size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
    size_t total = dsz * h.num_desc;
    uint8_t *descs = total <= KVM_STATS_MAX_BYTES ? malloc(total) : NULL;
    if (!descs || pread(fd, descs, total, h.desc_offset) != (ssize_t)total) {
        free(descs);
        close(fd);
        return;
    }
    fprintf(f, "  kvm counters (non-zero):");
    int col = 0;
    for (uint32_t i = 0; i < h.num_desc; i++) {
        struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * dsz);
        uint64_t sum = 0, v;
        d->name[h.name_size - 1] = '\0';
        for (uint32_t k = 0; k < d->size && k < 64; k++)
            if (pread(fd, &v, sizeof(v), h.data_offset + d->offset + 8 * k) == sizeof(v))
                sum += v;
        if (!sum)
            continue;
        fprintf(f, "%s%s=%" PRIu64, col % 6 ? " " : "\n    ", d->name, sum);
        col++;
    }
    fprintf(f, "\n");
    free(descs);
    close(fd);
}
#else
void kvm_stats_dump(Vcpu *cpu, FILE *f)
{
    (void)cpu;
    (void)f;
}
#endif

/* SPDX-License-Identifier: MIT */
/*
 * Shared "tandem side" of the x86 differential tests (test-x86-diff.c,
 * test-x86-fpu-diff.c, test-x86-simd-diff.c): a hand-built Machine with
 * 4 MiB of RAM at 0 and an I/O space, the TCG accelerator and one vCPU,
 * identity page tables at 0x20000..0x22000 (PML4 -> PDPT -> one 2 MiB page)
 * and an mmap'd RWX host page that the guest sees at the same virtual
 * address, backed by guest-physical gpage (tables at 0x23000..0x25000).
 * Also the xorshift64 step their input generators share. Linked in
 * through libunit.a.
 */
#ifndef TANDEM_X86_DIFF_COMMON_H
#define TANDEM_X86_DIFF_COMMON_H

#include <stdint.h>

#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

/* Advance the xorshift64 generator at *state and return its new value. */
uint64_t x86_diff_xorshift(uint64_t *state);
/* Store the 64-bit v at guest-physical a of the RAM at ram. */
void x86_diff_wr64(uint8_t *ram, uint64_t a, uint64_t v);
/*
 * Build *dm (with cfg), its RAM (*dram) and *dv, write the page tables,
 * mmap the host page (*hpage) and map it at its own address onto gpage.
 * 0 on success, -1 on failure.
 */
int x86_diff_init(Machine *dm, MachineConfig *cfg, Vcpu *dv, uint8_t **dram,
                  uint8_t **hpage, uint64_t gpage);
/* Undo x86_diff_init(): vCPU, accelerator, address spaces, regions, page. */
void x86_diff_clean(Machine *dm, Vcpu *dv, uint8_t *hpage);

#endif

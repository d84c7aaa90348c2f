/* SPDX-License-Identifier: MIT */
/*
 * Shared "tandem side" of the x86 differential tests (test-x86-diff.c,
 * test-x86-fpu-diff.c, test-x86-simd-diff.c): a hand-built Machine with
 * 4 MiB of RAM at 0 and an I/O space, the TCG accelerator and one vCPU,
 * identity page tables at 0x20000..0x22000 (PML4 -> PDPT -> one 2 MiB page)
 * and an mmap'd RWX host page that the guest sees at the same virtual
 * address, backed by guest-physical gpage (tables at 0x23000..0x25000).
 * Also what the integer testers (test-x86-diff.c, 64-bit, and
 * test-x86-diff32.c, 32-bit) share: the xorshift64 step, input values with
 * edge cases, host CPUID checks and the flags the manuals define per class
 * of instruction. Linked in through libunit.a.
 */
#ifndef TANDEM_X86_DIFF_COMMON_H
#define TANDEM_X86_DIFF_COMMON_H

#include <stdbool.h>
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
/* The same with the host page below 2 GiB (MAP_32BIT) and 64 KiB aligned,
 * for 32- and 16-bit code. */
int x86_diff_init_low(Machine *dm, MachineConfig *cfg, Vcpu *dv, uint8_t **dram,
                      uint8_t **hpage, uint64_t gpage);
/* Undo x86_diff_init(): vCPU, accelerator, address spaces, regions, page. */
void x86_diff_clean(Machine *dm, Vcpu *dv, uint8_t *hpage);

/* Write insn and a HLT at guest-physical gpa and drop the blocks there. */
void x86_diff_place_guest(Machine *dm, uint8_t *ram, uint64_t gpa, const uint8_t *insn,
                          unsigned len);

/*
 * Exception handlers for the tandem side: at hlt, 32 HLT instructions (the
 * handler of vector v is hlt_lin + v, so where the vCPU halts names the
 * vector), and at idt (NULL: none) 32 interrupt gates to them, eight bytes
 * each (width 8: protected mode) or sixteen (width 16: long mode), through
 * code selector sel.
 */
void x86_diff_vectors(uint8_t *hlt, uint64_t hlt_lin, uint8_t *idt, unsigned width,
                      uint16_t sel);

/* What the kernel saw when the native side raised an exception. */
typedef struct X86DiffFault {
    int vector;                 /* the trap number */
    uint64_t regs[16];          /* RAX..R15 in encoding order */
    uint64_t rip, rflags;
} X86DiffFault;
/* Catch SIGSEGV/SIGFPE/SIGBUS/SIGILL/SIGTRAP on an alternate stack (on), or
 * put the previous handlers back (off). */
void x86_diff_signals(bool on);
/* Run native code fn; false if it returned, true if it raised an exception
 * (*f says which and where; fn's frame is gone, callee-saved registers are
 * the caller's again). */
bool x86_diff_call(void (*fn)(void), X86DiffFault *f);

/* A random input: edge cases (0, 1, all-ones, sign boundaries), bytes, any. */
uint64_t x86_diff_value(uint64_t *state);
/* Does the host CPU have feat ("popcnt", "movbe", "abm", "adx", "bmi1",
 * "bmi2")? NULL: yes. */
bool x86_diff_host_has(const char *feat);

#define X86_DIFF_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* Which arithmetic flags an instruction defines. */
enum {
    FL_ALL,         /* all six defined */
    FL_LOGIC,       /* AF undefined */
    FL_MUL,         /* only CF and OF defined */
    FL_NONE,        /* none defined (DIV) */
    FL_SHIFT,       /* SHL/SHR/SAR rules by count */
    FL_ROT,         /* ROL/ROR: CF (+OF at count 1), others preserved */
    FL_RC,          /* RCL/RCR */
    FL_SHD,         /* SHLD/SHRD */
    FL_CF,          /* only CF defined, others undefined (BT*) */
    FL_ZF,          /* only ZF defined (BSF/BSR) */
    FL_CFZF,        /* CF and ZF (LZCNT, TZCNT) */
    FL_SZCO,        /* SF, ZF, CF, OF (ANDN, BLS*, BZHI) */
    FL_ZCO,         /* ZF, CF, OF (BEXTR) */
    FL_DAA,         /* DAA/DAS: OF undefined */
    FL_AAA,         /* AAA/AAS: only AF and CF defined */
    FL_SZP,         /* AAM/AAD: SF, ZF, PF defined */
};
/* The flags to compare for class fl at operand width bits and shift count. */
uint64_t x86_diff_defined_flags(unsigned fl, unsigned bits, unsigned count);

#endif

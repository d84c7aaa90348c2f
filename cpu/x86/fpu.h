/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the x87 FPU and of the FPU/SIMD state machinery
 * (cpu/x86/fpu-*.c, xsave.c).
 *
 * Design: the host is x86-64, so every x87 data instruction (arithmetic,
 * compare, load/store/convert, constants, transcendentals, stack and tag
 * manipulation) is executed by the host's own x87 unit on the guest's state:
 * fpu-host.c loads the guest's whole x87 state (FRSTOR of a 108-byte image
 * built from X87State, guest control word included), runs the same opcode
 * and ModRM (memory operands redirected to a host buffer), and reads the
 * state back (FNSAVE). Registers, tags, TOP, C0-C3, exception flags, masked
 * default results and unmasked "destination unchanged" behaviour are the
 * hardware's by construction. Control and environment instructions
 * (FLDCW, FNSTENV, FNSAVE, ...) and the layouts that depend on the guest's
 * mode are written in C (fpu-env.c). Hosts that are not x86 get the
 * portable subset in fpu-soft.c.
 *
 * Invariants of X87State (see cpu.h) kept by everything here:
 *  - st[] are physical registers R0..R7; ST(i) is R((TOP + i) & 7), TOP is
 *    fsw bits 11..13;
 *  - ftw is the full tag word and is always the "computed" one: empty (3)
 *    or what the register's contents say (valid 0, zero 1, special 2), as
 *    FNSTENV/FNSAVE report it; loads of guest tag words keep only empty /
 *    not empty, as hardware does;
 *  - fsw.ES (bit 7) and fsw.B (bit 15) are set exactly when an exception
 *    flag (bits 0..5) is set whose mask in fcw is clear: that is the
 *    "pending unmasked exception" the next waiting instruction reports as
 *    #MF (CR0.NE=1) or that drives FERR# (CR0.NE=0, x86_fpu_update_es).
 *  - fip/fcs/fop/fdp/fds describe the last non-control x87 instruction.
 */
#ifndef TANDEM_X86_FPU_H
#define TANDEM_X86_FPU_H

#include "cpu/x86/fxsave.h"
#include "cpu/x86/x86.h"

#define FSW_IE  0x0001
#define FSW_DE  0x0002
#define FSW_ZE  0x0004
#define FSW_OE  0x0008
#define FSW_UE  0x0010
#define FSW_PE  0x0020
#define FSW_SF  0x0040
#define FSW_ES  0x0080
#define FSW_C0  0x0100
#define FSW_C1  0x0200
#define FSW_C2  0x0400
#define FSW_TOP 0x3800
#define FSW_C3  0x4000
#define FSW_B   0x8000
#define FSW_EXC 0x003f          /* the six exception flags */
#define FSW_STICKY 0x007f       /* flags and SF: only cleared by FNCLEX/FNINIT/loads */

#define FCW_EXC_MASKS 0x003f
/* FCW bits that exist (6 reads as one; 7 and 13..15 as zero) */
#define FCW_LOAD(v) ((uint16_t)(((v) & 0x1f3f) | 0x40))

#ifndef CR4_OSXSAVE
#define CR4_OSXSAVE (1u << 18)
#endif

/*
 * The 32-bit protected-mode FNSAVE image (what the host engine exchanges
 * with the host FPU): environment, then ST(0)..ST(7) in stack order.
 */
typedef struct __attribute__((packed)) X87Image {
    uint32_t fcw, fsw, ftw, fip, fcs_fop, fdp, fds;
    uint8_t st[8][10];
} X87Image;

/* ---- helpers (fpu-env.c) ---- */

/* The tag hardware computes for a non-empty register. */
unsigned x86_fpu_tag(const X87Reg *r);
/* Recompute the tags of the non-empty registers from their contents. */
void x86_fpu_retag(X87State *f);
/* Recompute ES/B from the flags and masks; drive FERR# when CR0.NE=0. */
void x86_fpu_update_es(X86CPU *cpu);
/* FNINIT's state (also the state after FNSAVE). */
void x86_fpu_reset(X87State *f);
/* CR0.EM/TS: #NM for an x87 (ESC) instruction. */
void x86_fpu_check_nm(X86CPU *cpu);
/* A waiting instruction: #MF for a pending unmasked exception (CR0.NE=1). */
void x86_fpu_check_pending(X86CPU *cpu);
/* Record FIP/FCS/FOP (and FDP/FDS for memory operands) for i. */
void x86_fpu_record(X86CPU *cpu, const X86Insn *i, uint64_t ea);

/* Byte-wise guest memory transfers of n bytes at a linear address. */
void x86_fpu_mem_read(X86CPU *cpu, uint64_t lin, void *buf, unsigned n);
void x86_fpu_mem_write(X86CPU *cpu, uint64_t lin, const void *buf, unsigned n);
/* Fault (#PF) now if the n bytes at lin are not all writable. */
void x86_fpu_mem_probe_write(X86CPU *cpu, uint64_t lin, unsigned n);

/* ---- the execution engine (fpu-host.c on x86-64, fpu-soft.c elsewhere) ---- */

/* Slot numbers: register forms are (esc << 6) | (modrm & 63), memory forms
 * X87_SLOT_MEM + (esc << 3) + reg, esc being the opcode's low three bits. */
#define X87_SLOT_MEM 512
#define X87_SLOTS (512 + 64)

/*
 * Run x87 instruction 'slot' on state f (updated in place), with the memory
 * operand in mem[0..10) and the arithmetic flags in *rflags (FCMOVcc reads
 * them, FCOMI writes them). Returns the exception flags the instruction
 * itself raised (FSW bits 0..6); the sticky flags of f are kept.
 */
unsigned x86_fpu_exec(X87State *f, unsigned slot, uint8_t *mem, uint64_t *rflags);
/*
 * The same for the common forms when every exception is masked and the
 * stack cannot fault, on the operands alone (no whole-state load): returns
 * the flags raised, or -1 when the form or state needs x86_fpu_exec.
 */
int x86_fpu_exec_fast(X87State *f, unsigned slot, uint8_t *mem);
/* Does this engine implement slot? (the soft engine: a subset) */
bool x86_fpu_exec_supported(unsigned slot);

/* ---- the legacy (FXSAVE) area: fxsave.h; its instructions (xsave.c) ---- */
/* XMM registers FXSAVE/XSAVE cover in the current mode: 16 in 64-bit mode, else 8. */
unsigned x86_xmm_count(const X86CPU *cpu);

/* CPUID leaf 0xD sub-leaf 'sub' for these XCR0 bits (xsave.c). */
void x86_xsave_cpuid(uint64_t supported, uint64_t enabled, uint32_t d1_eax, uint32_t sub,
                     uint32_t out[4]);

/* Host-side helpers for tests and for the soft engine */
void x87_image_from_state(const X87State *f, X87Image *img);
void x87_state_from_image(X87State *f, const X87Image *img);

#endif

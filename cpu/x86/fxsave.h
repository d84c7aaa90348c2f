/* SPDX-License-Identifier: MIT */
/*
 * The FXSAVE image -- the 512-byte legacy region that FXSAVE writes and
 * that opens every XSAVE area -- converted to and from X86CPUState.
 *
 * This is the one place that knows the layout (SDM vol. 1 10.5.1 and
 * FXSAVE in vol. 2): FCW 0, FSW 2, abridged FTW 4, FOP 6, FIP 8 and FDP 16
 * (64-bit format) or FIP 8 / FCS 12 / FDP 16 / FDS 20 (32-bit format),
 * MXCSR 24, MXCSR_MASK 28, ST(0)..ST(7) at 32 in 16-byte slots, XMM0-15
 * at 160. Both engines use it: the CPU's FXSAVE/FXRSTOR/XSAVE/XRSTOR
 * (xsave.c, which adds the instruction's checks, memory accesses, #GP and
 * FERR# around it) and the kvm engine's register sync (the kernel's
 * KVM_GET/SET_XSAVE area begins with this image; KVM_GET/SET_FPU carries
 * the same fields).
 *
 * The functions are pure (the AVX pair below too): they touch only the
 * image and the state, raise nothing and signal nothing. They promise:
 *  - x86_fx_load keeps the invariants of X87State (cpu/x86/fpu.h): tags
 *    come from the abridged word (empty or not) and are then computed from
 *    the registers' contents; FCW bits that do not exist and FOP bits 11-15
 *    are dropped; MXCSR bits outside X86_MXCSR_MASK are dropped (the CPU
 *    raises #GP for them before calling; a hardware image has none). FSW
 *    is taken as the image has it: ES and B are the caller's (the CPU
 *    recomputes them and drives FERR#; a hardware image is consistent).
 *  - the 64-bit format (FXSAVE64, and what the kernel's images use) has no
 *    FCS/FDS: loading it zeroes them; the 32-bit format keeps the low 32
 *    bits of FIP/FDP and the selectors.
 *  - x86_fx_store writes zero into the reserved bytes of the parts it
 *    writes (FTW's high byte, the high bytes of the ST slots, and in the
 *    32-bit format bytes 14-15 and 22-23), and never writes MXCSR_MASK:
 *    that describes a CPU, not its state (tandem's X86_MXCSR_MASK for
 *    the tcg CPU, the host's for kvm), so the caller puts it there.
 *  - nxmm is how many XMM registers the image holds (8 outside 64-bit
 *    mode for the CPU's instructions, 16 in the kernel's images); only
 *    their low 128 bits are touched.
 */
#ifndef TANDEM_X86_FXSAVE_H
#define TANDEM_X86_FXSAVE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

/* XCR0 / XSTATE_BV bits: the XSAVE state components */
#define XSTATE_X87 0x1ull
#define XSTATE_SSE 0x2ull
#define XSTATE_AVX 0x4ull

/* The MXCSR bits that exist, which FXSAVE reports as MXCSR_MASK (DAZ supported). */
#define X86_MXCSR_MASK 0xffffu

#define X86_FX_SIZE 512         /* the legacy region */
#define X86_FX_XMM_OFF 160      /* XMM0 in it */

/* Which parts of the image to convert. */
enum {
    X86_FX_X87   = 1u << 0,     /* bytes 0..23 and 32..159 */
    X86_FX_MXCSR = 1u << 1,     /* bytes 24..27 */
    X86_FX_XMM   = 1u << 2,     /* bytes 160 .. 160 + 16 * nxmm */
    X86_FX_ALL   = X86_FX_X87 | X86_FX_MXCSR | X86_FX_XMM,
};

/* State -> image. w64: the 64-bit (REX.W) format. */
void x86_fx_store(const X86CPUState *s, uint8_t *img, unsigned parts, bool w64, unsigned nxmm);
/* Image -> state. */
void x86_fx_load(X86CPUState *s, const uint8_t *img, unsigned parts, bool w64, unsigned nxmm);

/*
 * The AVX component of an XSAVE area (YMM_Hi128: the upper halves of
 * YMM0..YMM(n-1), 16 bytes each) at comp, wherever the area's format puts
 * it (576 in the standard format; the kernel's area says so in CPUID 0xD).
 * Loading from NULL puts the component's initial configuration (zeros), as
 * XRSTOR does when XSTATE_BV leaves it out.
 */
void x86_xsave_avx_store(const X86CPUState *s, uint8_t *comp, unsigned n);
void x86_xsave_avx_load(X86CPUState *s, const uint8_t *comp, unsigned n);

#endif

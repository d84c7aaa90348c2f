/* SPDX-License-Identifier: MIT */
/*
 * The architectural state of one x86 CPU, shared by every engine.
 *
 * X86CPUState holds everything software can observe or that must survive a
 * switch of engine: kvm copies it in and out of the kernel, tcg executes on
 * it directly, snapshots save it, gdb reads it, lockstep compares it. Engine
 * private data (TLBs, translation caches, KVM's run area) does not live here.
 *
 * Conventions: registers hold full 64-bit values; a 32-bit write zero-extends
 * as the architecture says. Segment 'attrib' keeps descriptor bits 40..47 in
 * bits 0..7 and bits 52..55 (AVL, L, D/B, G) in bits 12..15, as VMX does.
 * rflags is always the architectural value: an engine that computes flags
 * lazily materialises them before anyone else may look.
 */
#ifndef TANDEM_CPU_X86_H
#define TANDEM_CPU_X86_H

#include <stdbool.h>
#include <stdint.h>

enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* RFLAGS bits */
#define FLAG_CF   (1u << 0)
#define FLAG_PF   (1u << 2)
#define FLAG_AF   (1u << 4)
#define FLAG_ZF   (1u << 6)
#define FLAG_SF   (1u << 7)
#define FLAG_TF   (1u << 8)
#define FLAG_IF   (1u << 9)
#define FLAG_DF   (1u << 10)
#define FLAG_OF   (1u << 11)
#define FLAG_IOPL (3u << 12)
#define FLAG_NT   (1u << 14)
#define FLAG_RF   (1u << 16)
#define FLAG_VM   (1u << 17)
#define FLAG_AC   (1u << 18)
#define FLAG_VIF  (1u << 19)
#define FLAG_VIP  (1u << 20)
#define FLAG_ID   (1u << 21)

/* CR0 / CR4 / EFER bits used outside the CPU core */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define EFER_SVME (1u << 12)

/* Segment attribute bits (see the header comment for the layout) */
#define SEG_ATTR_TYPE_MASK 0x000f
#define SEG_ATTR_S   0x0010     /* code/data (not system) */
#define SEG_ATTR_DPL_SHIFT 5
#define SEG_ATTR_P   0x0080
#define SEG_ATTR_AVL 0x1000
#define SEG_ATTR_L   0x2000
#define SEG_ATTR_DB  0x4000
#define SEG_ATTR_G   0x8000

typedef struct SegmentCache {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;     /* byte granular (G already applied) */
    uint64_t base;
} SegmentCache;

typedef struct DescTable {
    uint64_t base;
    uint16_t limit;
} DescTable;

/* An 80-bit x87 register as the hardware stores it. */
typedef struct X87Reg {
    uint64_t mant;
    uint16_t sign_exp;
} X87Reg;

typedef union XmmReg {      /* one 256-bit YMM register; XMM is the low half */
    uint8_t  b[32];
    uint16_t w[16];
    uint32_t d[8];
    uint64_t q[4];
} XmmReg;

typedef struct X87State {
    X87Reg st[8];       /* physical registers R0..R7 */
    uint16_t fcw, fsw;  /* fsw bits 11..13 hold TOP */
    uint16_t ftw;       /* full tag word, two bits per register */
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
} X87State;

/* Events waiting to be delivered: set by devices, taken by the engine. */
enum {
    CPU_INTERRUPT_HARD  = 1u << 0,  /* INTR from the PIC / local APIC */
    CPU_INTERRUPT_NMI   = 1u << 1,
    CPU_INTERRUPT_INIT  = 1u << 2,
    CPU_INTERRUPT_SIPI  = 1u << 3,
    CPU_INTERRUPT_SMI   = 1u << 4,
};

/* Model-specific registers the state keeps (more live in the CPU core). */
typedef struct X86Msrs {
    uint64_t efer;
    uint64_t star, lstar, cstar, fmask;
    uint64_t kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t tsc_offset;        /* guest TSC = host-derived counter + offset */
    uint64_t tsc_aux;
    uint64_t apic_base;
    uint64_t misc_enable;
    uint64_t mtrr_def_type;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16];      /* base/mask pairs */
    uint64_t tsc_deadline;
    uint64_t spec_ctrl;
    uint64_t xss;
} X86Msrs;

typedef struct X86CPUState {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;

    SegmentCache segs[SEG_COUNT];
    SegmentCache ldt, tr;
    DescTable gdt, idt;

    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t dr[8];             /* dr[4], dr[5] unused (aliases of 6, 7) */
    uint64_t xcr0;

    X87State fpu;
    XmmReg xmm[16];
    uint32_t mxcsr;

    X86Msrs msr;

    /* Pending and in-progress events */
    bool halted;
    bool interrupt_shadow;      /* after MOV SS / STI */
    bool nmi_masked;
    int  sipi_vector;
    /* exception being delivered, for kvm's event injection and snapshots */
    int  pending_exception;     /* -1 none */
    uint32_t pending_error_code;
    bool pending_has_error_code;

    bool a20_enabled;           /* A20 gate open: address bit 20 passes */
    bool wait_for_sipi;         /* after INIT (and APs after RESET): only SIPI starts it */
} X86CPUState;

/* Power-on / RESET state (real mode at F000:FFF0) for vCPU number index. */
void x86_cpu_reset_state(X86CPUState *s, int index);
/*
 * The state after INIT, from the state before it: RESET's, but x87/SSE/AVX,
 * XCR0, the MSRs but EFER, CR0.CD/NW, A20 and a latched STARTUP vector
 * survive; halted and waiting for a STARTUP unless IA32_APIC_BASE.BSP.
 */
void x86_cpu_init_state(X86CPUState *s);

/*
 * Set up a flat 32-bit protected-mode state as the multiboot specification
 * requires at a kernel's entry point (paging off, CS/DS/ES/FS/GS/SS flat).
 */
void x86_cpu_setup_flat32(X86CPUState *s, uint32_t entry);

#endif

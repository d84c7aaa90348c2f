/* SPDX-License-Identifier: MIT */
/*
 * The CPU core's internal interface, shared by cpu/x86/ and accel/tcg/.
 *
 * X86CPU is the executing CPU: a pointer to the architectural X86CPUState
 * (which lives in the Vcpu, where devices and the rest of tandem see it),
 * plus what execution caches: lazy condition codes, the mode derived from
 * CR0/EFER/CS/SS ("hflags"), the softmmu TLB, the exception being raised.
 *
 * Lazy flags: arithmetic records its inputs and result (cc_op, cc_size,
 * cc_dst, cc_src1, cc_src2, cc_aux) and the six arithmetic flags are
 * computed only when read. While cc_op != CC_OP_EFLAGS the CF/PF/AF/ZF/SF/OF
 * bits of s->rflags are stale; x86_flags_sync() folds them back, and is
 * called before anyone outside the semantics may look (exceptions, exits,
 * traces, PUSHF). Anything that writes rflags wholesale sets CC_OP_EFLAGS.
 *
 * Faults: x86_raise_exception() records the event and siglongjmps to the
 * execution loop. Handlers therefore do every access that can fault before
 * they change architectural state, so the state seen by the exception
 * handler is that before the faulting instruction (REP instructions update
 * their registers per iteration, which keeps their progress).
 *
 * The mode cache (code_size, stack_size, cpl, mmu_idx, ...) is recomputed by
 * x86_hflags_update() after any change to CR0, CR4, EFER, CS, SS or RFLAGS.VM.
 */
#ifndef TANDEM_X86_H
#define TANDEM_X86_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"
#include "accel/tcg/tlb.h"

typedef struct Vcpu Vcpu;
typedef struct Machine Machine;
typedef struct X86CPUModel X86CPUModel;

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Exception vectors */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4,
    EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10,
    EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};

/* Lazy condition-code operations */
enum {
    CC_OP_EFLAGS,   /* s->rflags holds the flags */
    CC_OP_ADD, CC_OP_ADC, CC_OP_SUB, CC_OP_SBB, CC_OP_LOGIC, CC_OP_INC, CC_OP_DEC,
};
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* Page-fault error code bits */
#define PF_P    0x01
#define PF_W    0x02
#define PF_U    0x04
#define PF_RSVD 0x08
#define PF_I    0x10

/* Access kinds for the MMU */
enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

/* Control-register bits beyond cpu.h */
#define CR4_VME   (1u << 0)
#define CR4_PVI   (1u << 1)
#define CR4_TSD   (1u << 2)
#define CR4_DE    (1u << 3)
#define CR4_PSE   (1u << 4)
#define CR4_PGE   (1u << 7)
#define CR4_OSFXSR (1u << 9)
#define CR4_FSGSBASE (1u << 16)
#define CR4_SMEP  (1u << 20)
#define CR4_SMAP  (1u << 21)
#define X86_MMU_SUPER 0
#define X86_MMU_USER 1
#define X86_MMU_SUPER_AC 2

typedef struct X86CPU {
    X86CPUState *s;
    Vcpu *vcpu;
    Machine *machine;

    /* lazy flags */
    uint64_t cc_dst, cc_src1, cc_src2;
    uint8_t cc_op, cc_size;
    uint8_t cc_aux;                 /* carry in (ADC/SBB), old CF (INC/DEC) */

    uint64_t next_rip;              /* RIP after the executing instruction */
    uint64_t block_rip;             /* RIP of a step sequence's first one (fast.h) */

    /* execution-loop requests raised by handlers (hot: next to next_rip) */
    bool halt_request;
    bool irq_inhibit_next;          /* STI / MOV SS: shadow for one instruction */
    bool exit_tb;                   /* leave the block after this instruction (SMC) */
    uint8_t watch_hits;             /* data breakpoints (DR0-3) hit by this instruction */

    /* mode cache, see x86_hflags_update() */
    uint8_t code_size;              /* 2, 4, 8 */
    uint8_t stack_size;             /* 2, 4, 8 */
    uint8_t cpl;
    uint8_t mmu_idx;
    bool pe, vm86, lma, paging;
    uint8_t seg_chk;                /* bit n: reads through segment n need checks */
    uint8_t seg_chk_w;              /* bit n: writes through segment n need checks */
    uint64_t a20_mask;
    bool a20_seen;                  /* s->a20_enabled the TLB was filled with */

    /* exception unwinding */
    sigjmp_buf jmpbuf;
    int excp_vector;                /* -1: none */
    uint32_t excp_error;
    bool excp_has_error;
    bool excp_soft;                 /* INT n / INT3 / INTO: return to next_rip */
    int delivering;                 /* vector being delivered, -1 none (for #DF) */
    bool shutdown;                  /* triple fault happened */


    Tlb tlb;
    void *tbc;                      /* accel/tcg's TB cache (private) */

    uint8_t features[FEAT_COUNT];   /* what CPUID advertises, per decode row */
    const X86CPUModel *model;
    uint64_t tsc_base_ns;
    /*
     * FERR# (the board routes it to IRQ 13): called when the x87's ES bit
     * changes while CR0.NE=0. NULL: not wired (CR0.NE=1 guests never care).
     */
    void (*ferr)(struct X86CPU *cpu, bool asserted);
} X86CPU;

/* ---- handlers (derived from insn.def) ---- */
typedef void (*X86Handler)(X86CPU *cpu, const X86Insn *i);
#define X86_INSN(id, mnem, handler, map, opc, ext, pfx, modc, form, osz, imm, feat, attr, icpt) \
    void x86_op_##handler(X86CPU *cpu, const X86Insn *i);
#include "cpu/x86/insn.def"
#undef X86_INSN
extern const X86Handler x86_handlers[X86_INSN_COUNT];
/*
 * The handler to run for a decoded instruction: x86_handlers[op], or a
 * specialised copy of it for a hot form (register operands, fixed size).
 * Translators call this once per instruction and keep the pointer.
 */
X86Handler x86_insn_handler(const X86Insn *i);
/* The specialised handlers (alu.c, shift.c) */
void x86_op_lea_32(X86CPU *, const X86Insn *);
void x86_op_mov_load32(X86CPU *, const X86Insn *);
void x86_op_mov_load64(X86CPU *, const X86Insn *);
void x86_op_mov_store32(X86CPU *, const X86Insn *);
void x86_op_mov_store64(X86CPU *, const X86Insn *);
void x86_op_rol_32(X86CPU *, const X86Insn *);
void x86_op_ror_32(X86CPU *, const X86Insn *);
void x86_op_shl_32(X86CPU *, const X86Insn *);
void x86_op_shr_32(X86CPU *, const X86Insn *);
void x86_op_sar_32(X86CPU *, const X86Insn *);


/* ---- exceptions (excp.c) ---- */
_Noreturn void x86_raise_exception(X86CPU *cpu, int vector);
_Noreturn void x86_raise_exception_err(X86CPU *cpu, int vector, uint32_t error);
/* A software interrupt (INT n, INT3, INTO): delivered with RIP = next_rip. */
_Noreturn void x86_raise_soft_interrupt(X86CPU *cpu, int vector);
/*
 * Deliver the event recorded in cpu->excp_* (from the execution loop, after
 * the unwind); escalates to #DF and to shutdown as the SDM's table says.
 * May itself unwind (a fault while delivering); the loop calls it again.
 */
void x86_deliver_pending(X86CPU *cpu);
/* Deliver an external interrupt or NMI at an instruction boundary. */
void x86_deliver_interrupt(X86CPU *cpu, int vector);

static inline uint64_t x86_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* ---- flags (flags.c) ---- */
uint32_t x86_cc_compute(const X86CPU *cpu);
bool x86_cond_slow(X86CPU *cpu, unsigned cc);

static inline void x86_flags_sync(X86CPU *cpu)
{
    if (cpu->cc_op != CC_OP_EFLAGS) {
        cpu->s->rflags = (cpu->s->rflags & ~(uint64_t)FLAGS_ARITH) | x86_cc_compute(cpu);
        cpu->cc_op = CC_OP_EFLAGS;
    }
}

static inline uint64_t x86_get_rflags(X86CPU *cpu)
{
    x86_flags_sync(cpu);
    return cpu->s->rflags;
}

/* Set the six arithmetic flags from 'arith' (other bits ignored). */
static inline void x86_set_arith(X86CPU *cpu, uint32_t arith)
{
    cpu->s->rflags = (cpu->s->rflags & ~(uint64_t)FLAGS_ARITH) | (arith & FLAGS_ARITH);
    cpu->cc_op = CC_OP_EFLAGS;
}

static inline bool x86_get_cf(X86CPU *cpu)
{
    switch (cpu->cc_op) {
    case CC_OP_EFLAGS: return cpu->s->rflags & FLAG_CF;
    case CC_OP_LOGIC: return false;
    case CC_OP_INC: case CC_OP_DEC: return cpu->cc_aux;
    default: return x86_cc_compute(cpu) & FLAG_CF;
    }
}

static inline void x86_set_cc(X86CPU *cpu, unsigned op, unsigned size, uint64_t dst,
                              uint64_t src1, uint64_t src2)
{
    cpu->cc_op = (uint8_t)op;
    cpu->cc_size = (uint8_t)size;
    cpu->cc_dst = dst;
    cpu->cc_src1 = src1;
    cpu->cc_src2 = src2;
}

/* Evaluate condition code cc (0..15, as in Jcc's low nibble). */
static inline bool x86_cond(X86CPU *cpu, unsigned cc)
{
    if (cpu->cc_op != CC_OP_EFLAGS && (cc >> 1) == 2)        /* Z / NZ */
        return ((cpu->cc_dst & x86_size_mask(cpu->cc_size)) == 0) ^ (cc & 1);
    if (cpu->cc_op != CC_OP_EFLAGS && (cc >> 1) == 4)        /* S / NS */
        return ((cpu->cc_dst >> (cpu->cc_size * 8 - 1)) & 1) ^ (cc & 1);
    if (cpu->cc_op == CC_OP_SUB) {
        unsigned bits = cpu->cc_size * 8;
        uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
        uint64_t a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask;
        int64_t sa = (int64_t)(a << (64 - bits)), sb = (int64_t)(b << (64 - bits));
        switch (cc) {
        case 2: return a < b;
        case 3: return a >= b;
        case 4: return a == b;
        case 5: return a != b;
        case 6: return a <= b;
        case 7: return a > b;
        case 12: return sa < sb;
        case 13: return sa >= sb;
        case 14: return sa <= sb;
        case 15: return sa > sb;
        }
    }
    return x86_cond_slow(cpu, cc);
}

/* ---- registers ---- */

static inline uint64_t x86_sext(uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return (uint64_t)(int64_t)(int8_t)v;
    case 2: return (uint64_t)(int64_t)(int16_t)v;
    case 4: return (uint64_t)(int64_t)(int32_t)v;
    default: return v;
    }
}

static inline uint64_t x86_reg_read(const X86CPU *cpu, unsigned r, unsigned size)
{
    if (size == 1 && r >= X86_REG_AH)
        return (uint8_t)(cpu->s->regs[r - X86_REG_AH] >> 8);
    return cpu->s->regs[r] & x86_size_mask(size);
}

static inline void x86_reg_write(X86CPU *cpu, unsigned r, unsigned size, uint64_t v)
{
    uint64_t *p;
    switch (size) {
    case 1:
        if (r >= X86_REG_AH) {
            p = &cpu->s->regs[r - X86_REG_AH];
            *p = (*p & ~0xff00ull) | ((v & 0xff) << 8);
        } else {
            p = &cpu->s->regs[r];
            *p = (*p & ~0xffull) | (v & 0xff);
        }
        break;
    case 2:
        p = &cpu->s->regs[r];
        *p = (*p & ~0xffffull) | (v & 0xffff);
        break;
    case 4:
        cpu->s->regs[r] = (uint32_t)v;
        break;
    default:
        cpu->s->regs[r] = v;
    }
}

/* ---- memory ---- */
static inline uint64_t x86_seg_base(const X86CPU *cpu, unsigned seg)
{
    return seg < SEG_COUNT ? cpu->s->segs[seg].base : 0;
}

/*
 * Segment checks on data accesses (seg.c). Outside 64-bit mode every access
 * of 'size' bytes at offset ea must lie inside the segment (expand-down
 * segments included) and, in protected mode, be allowed by its type: no
 * access through a null (unusable) selector, no write to a read-only data
 * or any code segment, no read of an execute-only code segment. Violations
 * raise #GP(0), or #SS(0) for SS; real and virtual-8086 mode check limits
 * only (a word at 0xffff faults there too).
 *
 * The fast path: x86_hflags_update() keeps two masks, bit n for segment n:
 * seg_chk (reads must be checked: any segment that is not a present,
 * readable, 4 GiB expand-up one) and seg_chk_w (writes must be checked:
 * seg_chk plus the segments that are not writable). Flat writable segments
 * are in neither, so the usual access costs one predictable branch; 'acc'
 * is a constant at every call site, which folds the mask choice away.
 */
void x86_seg_check(X86CPU *cpu, unsigned seg, uint64_t ea, unsigned size, int acc);
/* Whether size bytes at offset ea lie inside sc's limits (no rights). */
bool x86_seg_range_ok(const SegmentCache *sc, uint64_t ea, unsigned size);
/* Recompute seg_chk / seg_chk_w from the segment caches and the mode. */
void x86_seg_chk_update(X86CPU *cpu);
/*
 * #GP(0) for a non-canonical linear address, #SS(0) for one referenced
 * through the stack segment (SEG_SS, or X86_SEG_NONE_SS in 64-bit mode).
 */
_Noreturn void x86_seg_noncanonical(X86CPU *cpu, unsigned seg);

/*
 * The segment a stack access names: SS, or in 64-bit mode X86_SEG_NONE_SS,
 * which has no base and no limit (like X86_SEG_NONE) but still makes a
 * non-canonical address a stack fault, #SS(0), as the SDM wants.
 */
static inline unsigned x86_stack_seg(const X86CPU *cpu)
{
    return cpu->code_size == 8 ? X86_SEG_NONE_SS : SEG_SS;
}

/*
 * Whether every byte of [lin, lin + size) is canonical (48-bit addresses
 * sign-extended). Shifted by 2^47 the canonical addresses are [0, 2^48), so
 * the whole access fits iff lin + 2^47 <= 2^48 - size: one compare. An
 * access wrapping from 2^64 - 1 to 0 stays inside that range and passes,
 * like on hardware (both ends are canonical).
 */
static inline bool x86_canonical_range(uint64_t lin, unsigned size)
{
    return lin + (1ull << 47) <= (1ull << 48) - size;
}

/*
 * Whether a near branch (JMP, Jcc, CALL, RET, LOOP) may go to target, already
 * cut to its operand size: inside CS's limit, or in 64-bit mode canonical.
 * Otherwise the branch itself raises #GP(0), with nothing changed.
 */
static inline bool x86_near_target_ok(const X86CPU *cpu, uint64_t target)
{
    if (cpu->code_size == 8)
        return x86_canonical_range(target, 1);
    return target <= cpu->s->segs[SEG_CS].limit;
}

/* Linear address of seg:ea with no check: INVLPG (no access at all), and
 * the later parts of an operand whose whole extent x86_lin() already
 * checked (far pointers, BOUND's pair, LGDT's pseudo-descriptor, ...). */
static inline uint64_t x86_lin_nochk(const X86CPU *cpu, unsigned seg, uint64_t ea)
{
    uint64_t lin = x86_seg_base(cpu, seg) + ea;
    return cpu->lma ? lin : (uint32_t)lin;
}

/*
 * Linear address of a 'size'-byte access of kind acc (ACC_READ, or
 * ACC_WRITE for stores and read-modify-writes) at seg:ea, 64-bit in long
 * mode, else wrapped to 32 bits; raises the segment fault first. In long
 * mode every byte of the access must be canonical (an 8-byte read at
 * 0x00007ffffffffffc faults): #GP(0), or #SS(0) for a stack access.
 */
static inline __attribute__((always_inline)) uint64_t x86_lin(X86CPU *cpu, unsigned seg,
                                                              uint64_t ea, unsigned size,
                                                              int acc)
{
    uint8_t chk = acc == ACC_WRITE ? cpu->seg_chk_w : cpu->seg_chk;
    if (unlikely((chk >> seg) & 1))
        x86_seg_check(cpu, seg, ea, size, acc);
    uint64_t lin = x86_seg_base(cpu, seg) + ea;
    if (!cpu->lma)
        return (uint32_t)lin;
    if (unlikely(!x86_canonical_range(lin, size)))
        x86_seg_noncanonical(cpu, seg);
    return lin;
}

/* Effective address (offset in the segment) of the memory operand. */
static inline uint64_t x86_ea(const X86CPU *cpu, const X86Insn *i)
{
    uint64_t ea = (uint64_t)i->disp;
    if (i->base != X86_BASE_NONE)
        ea += i->base == X86_BASE_RIP ? cpu->next_rip : cpu->s->regs[i->base];
    if (i->index != X86_BASE_NONE)
        ea += cpu->s->regs[i->index] << i->scale;
    return ea & x86_size_mask(i->asz);
}

static inline __attribute__((always_inline)) uint64_t x86_insn_lin(X86CPU *cpu,
                                                                   const X86Insn *i,
                                                                   unsigned size, int acc)
{
    return x86_lin(cpu, i->seg, x86_ea(cpu, i), size, acc);
}

static inline uint64_t x86_host_ld(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void x86_host_st(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); break; }
    case 4: { uint32_t w = (uint32_t)v; memcpy(p, &w, 4); break; }
    default: memcpy(p, &v, 8);
    }
}

static inline uint64_t x86_ld_idx(X86CPU *cpu, uint64_t lin, unsigned size, unsigned idx)
{
    const TlbEntry *e = &cpu->tlb.t[idx][(lin >> 12) & (TLB_SIZE - 1)];
    if (likely(e->addr_read == (lin & ~0xfffull) && (lin & 0xfff) + size <= 0x1000))
        return x86_host_ld((void *)(uintptr_t)(lin + e->addend), size);
    return tlb_ld_slow(cpu, lin, size, idx);
}

static inline void x86_st_idx(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v,
                              unsigned idx)
{
    const TlbEntry *e = &cpu->tlb.t[idx][(lin >> 12) & (TLB_SIZE - 1)];
    if (likely(e->addr_write == (lin & ~0xfffull) && (lin & 0xfff) + size <= 0x1000)) {
        x86_host_st((void *)(uintptr_t)(lin + e->addend), size, v);
        return;
    }
    tlb_st_slow(cpu, lin, size, v, idx);
}

/* Accesses with the current privilege (data) and supervisor ones (system
 * structures: descriptor tables, TSS, IDT, which are "implicit supervisor"). */
static inline uint64_t x86_ld(X86CPU *cpu, uint64_t lin, unsigned size)
{
    return x86_ld_idx(cpu, lin, size, cpu->mmu_idx);
}
static inline void x86_st(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v)
{
    x86_st_idx(cpu, lin, size, v, cpu->mmu_idx);
}
static inline uint64_t x86_ld_kernel(X86CPU *cpu, uint64_t lin, unsigned size)
{
    return x86_ld_idx(cpu, lin, size, 0);
}
static inline void x86_st_kernel(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v)
{
    x86_st_idx(cpu, lin, size, v, 0);
}

/*
 * Operand access for the normalised forms (see insn.h). x86_op1_read's acc
 * is ACC_WRITE when the operand is written back (the segment check of a
 * read-modify-write is that of a write, done before the read), ACC_READ
 * when it is only read (CMP, TEST, BT, PUSH, ...).
 */
static inline __attribute__((always_inline)) uint64_t x86_op1_read(X86CPU *cpu, const X86Insn *i, uint64_t *lin, int acc)
{
    if (i->k1 == K_REG)
        return x86_reg_read(cpu, i->r1, i->osz);
    *lin = x86_insn_lin(cpu, i, i->osz, acc);
    return x86_ld(cpu, *lin, i->osz);
}

static inline __attribute__((always_inline)) void x86_op1_write(X86CPU *cpu, const X86Insn *i, uint64_t lin, uint64_t v)
{
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, i->osz, v);
    else
        x86_st(cpu, lin, i->osz, v);
}

static inline __attribute__((always_inline)) uint64_t x86_op2_read(X86CPU *cpu, const X86Insn *i)
{
    switch (i->k2) {
    case K_REG: return x86_reg_read(cpu, i->r2, i->osz);
    case K_IMM: return i->imm & x86_size_mask(i->osz);
    default:    return x86_ld(cpu, x86_insn_lin(cpu, i, i->osz, ACC_READ), i->osz);
    }
}

/* Read an r/m operand of 'size' (MOVZX/MOVSX sources, shift counts). */
static inline uint64_t x86_op2_read_size(X86CPU *cpu, const X86Insn *i, unsigned size)
{
    if (i->k2 == K_REG)
        return x86_reg_read(cpu, i->r2, size);
    return x86_ld(cpu, x86_insn_lin(cpu, i, size, ACC_READ), size);
}

/* ---- stack (stack.c) ---- */
void x86_push(X86CPU *cpu, unsigned size, uint64_t v);
uint64_t x86_pop(X86CPU *cpu, unsigned size);
static inline uint64_t x86_stack_mask(const X86CPU *cpu)
{
    return x86_size_mask(cpu->stack_size);
}
static inline void x86_set_sp(X86CPU *cpu, uint64_t sp)
{
    x86_reg_write(cpu, R_ESP, cpu->stack_size, sp);
}

/* ---- control flow ---- */
/* Jump to a new RIP of the given operand size (masks it like hardware). */
static inline void x86_jump(X86CPU *cpu, uint64_t target, unsigned osz)
{
    cpu->next_rip = target & x86_size_mask(osz);
}

/* ---- mode (cpu.c) ---- */
void x86_hflags_update(X86CPU *cpu);
void x86_set_rflags(X86CPU *cpu, uint64_t val, uint64_t mask);

/* ---- segments (seg.c) ---- */
void x86_load_seg_real(X86CPU *cpu, int seg, uint16_t sel);
/* Protected-mode load with all checks; #GP/#NP/#SS as the SDM says. */
void x86_load_seg(X86CPU *cpu, int seg, uint16_t sel);
void x86_check_ss(X86CPU *cpu, uint16_t sel, unsigned cpl, SegmentCache *out);
void x86_null_outer_data_segs(X86CPU *cpu, unsigned cpl);

/*
 * ---- virtual interrupts (vme.c): the IOPL-sensitive instructions where
 * IOPL forbids them (v8086 with IOPL < 3, or CPL > IOPL for CLI/STI), under
 * CR4.VME / CR4.PVI; each raises #GP(0) when the extensions do not apply.
 */
void x86_vme_cli(X86CPU *cpu);
void x86_vme_sti(X86CPU *cpu);
/* The FLAGS image PUSHF pushes in v8086 mode at IOPL < 3 (IF = VIF, IOPL 3). */
uint64_t x86_vme_flags_image(X86CPU *cpu, unsigned osz, uint64_t fl);
void x86_vme_popf(X86CPU *cpu, unsigned osz);
void x86_vme_iret(X86CPU *cpu, unsigned osz);
/* INT n in v8086 mode: true if it went to the 8086 program's vector table
 * (done), false if it goes through the IDT. */
bool x86_vme_intn(X86CPU *cpu, unsigned vec);

/* ---- task switches (task.c) ---- */
enum { X86_TS_JMP, X86_TS_CALL, X86_TS_IRET, X86_TS_INT };
/* Switch to the task of TSS selector sel; ret_eip is saved as the old EIP. */
void x86_task_switch(X86CPU *cpu, uint16_t sel, int source, bool has_err, uint32_t err,
                     uint64_t ret_eip);
void x86_far_jump(X86CPU *cpu, uint16_t sel, uint64_t off, unsigned osz);
void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t off, unsigned osz);
void x86_far_return(X86CPU *cpu, unsigned osz, unsigned pop_bytes, bool is_iret);
uint64_t x86_desc_read(X86CPU *cpu, uint16_t sel, bool *ok);
/*
 * A stack pointer or selector field of the current TSS (the inner stack of
 * an interrupt or call gate): #TS(TR selector | ext) unless off + span lies
 * within TR's limit (span is the SDM's: 7 for a 32-bit or 64-bit TSS's
 * stack slot, 3 for a 16-bit one's SP:SS).
 */
uint64_t x86_tss_stack_ld(X86CPU *cpu, unsigned off, unsigned size, unsigned span,
                          uint32_t ext);
/* A segment descriptor's limit in bytes (G applied). */
uint32_t x86_desc_limit(uint64_t d);
/*
 * Whether a far transfer (far JMP/CALL/RET, IRET, a gate) may go to offset
 * off in the code segment of descriptor d: canonical when it enters 64-bit
 * code (to64: IA-32e mode and d's L bit), else inside d's limit. The
 * caller raises #GP(0) otherwise; x86_near_target_ok is the same for CS.
 */
static inline bool x86_far_target_ok(uint64_t d, uint64_t off, bool to64)
{
    return to64 ? x86_canonical_range(off, 1) : off <= x86_desc_limit(d);
}
void x86_seg_from_desc(SegmentCache *sc, uint16_t sel, uint64_t desc);

/* ---- MMU (mmu.c) ---- */
/*
 * Translate a linear address for access 'acc' with the rights of an MMU
 * index (see accel/tcg/tlb.h: supervisor, user, supervisor + SMAP override); on
 * success returns true with the physical address and the page's rights
 * (bit 0 write, bit 1 user, bit 2 exec, bit 3 large page, bit 4 global);
 * on failure fills *error with the
 * #PF error code (the caller raises it; probes need not).
 */
bool x86_mmu_translate(X86CPU *cpu, uint64_t lin, int acc, unsigned mmu_idx,
                       uint64_t *phys, unsigned *prot, uint32_t *error);

/* ---- system (system.c, msr.c, cpuid.c) ---- */
void x86_write_cr0(X86CPU *cpu, uint64_t val);
void x86_write_cr3(X86CPU *cpu, uint64_t val);
void x86_write_cr4(X86CPU *cpu, uint64_t val);
bool x86_msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val);
bool x86_msr_write(X86CPU *cpu, uint32_t idx, uint64_t val);
void x86_cpuid_query(const X86CPU *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t x86_read_tsc(X86CPU *cpu);

/* ---- I/O (io.c) ---- */
uint64_t x86_port_in(X86CPU *cpu, uint16_t port, unsigned size);
void x86_port_out(X86CPU *cpu, uint16_t port, unsigned size, uint64_t val);
void x86_check_io(X86CPU *cpu, uint16_t port, unsigned size);

/* ---- setup ---- */
/* EDX = the model's signature if the state is still the RESET one. */
void x86_cpu_fix_reset_edx(X86CPU *cpu);
/* Bind an X86CPU to its state and machine (features from the model). */
void x86_cpu_init(X86CPU *cpu, X86CPUState *s, Vcpu *vcpu, Machine *m,
                  const X86CPUModel *model);

#endif

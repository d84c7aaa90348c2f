/* SPDX-License-Identifier: MIT */
/*
 * The decoded form of one x86 instruction, and the decoder that makes it.
 *
 * Everything here derives from the instruction table in insn.def: the form
 * ids (X86InsnId, one per table row), the handler prototypes, the trace
 * names and the block-ending classes. The decoder is a pure function from
 * bytes and a mode to an X86Insn; the semantics (x86_op_* handlers), the
 * tracer and the translation-block builder consume that struct and never
 * look at instruction bytes again. X86Insn is position independent: relative
 * branch targets and RIP-relative operands are kept as displacements from the
 * end of the instruction, so a decoded block stays valid wherever the same
 * bytes are mapped.
 *
 * Operands are normalised by the decoder so that handlers serving several
 * forms (ADD Eb,Gb / Gv,Ev / AL,Ib ...) see "operand 1" (destination) and
 * "operand 2" (source), each a register, the one memory operand, or the
 * immediate. Byte registers AH..BH (encodings 4..7 without REX) appear as
 * X86_REG_AH..X86_REG_BH so that no handler ever looks at REX.
 */
#ifndef TANDEM_X86_INSN_H
#define TANDEM_X86_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* Opcode maps */
enum { X86_MAP_0, X86_MAP_0F, X86_MAP_0F38, X86_MAP_0F3A, X86_MAP_COUNT };

/* Mandatory-prefix column: which of 66/F2/F3 the row requires. */
enum { P_ANY, P_NONE, P_66, P_F3, P_F2 };

/* ModRM column */
enum { NO_MODRM, MOD_ANY, MOD_MEM, MOD_REG };

/* Operand forms (what the decoder puts in operand 1 and 2). */
enum {
    F_NONE,
    F_EG,       /* op1 = r/m, op2 = reg field */
    F_GE,       /* op1 = reg field, op2 = r/m */
    F_EI,       /* op1 = r/m, op2 = immediate */
    F_AI,       /* op1 = accumulator, op2 = immediate */
    F_E,        /* op1 = r/m */
    F_E1,       /* op1 = r/m, op2 = immediate 1 */
    F_ECL,      /* op1 = r/m, op2 = CL */
    F_O,        /* op1 = register in the opcode's low bits (+REX.B) */
    F_OI,       /* op1 = opcode register, op2 = immediate */
    F_AO,       /* op1 = accumulator, op2 = opcode register */
    F_I,        /* op2 = immediate */
    F_GEB,      /* op1 = reg (osz), op2 = r/m8 */
    F_GEW,      /* op1 = reg (osz), op2 = r/m16 */
    F_GED,      /* op1 = reg (osz), op2 = r/m32 (MOVSXD) */
    F_AM,       /* op1 = accumulator, op2 = memory at moffs */
    F_MA,       /* op1 = memory at moffs, op2 = accumulator */
    F_CR,       /* op1 = control/debug register number, op2 = GPR in r/m */
};

/* Operand-size column */
enum {
    SZ_B,       /* byte */
    SZ_V,       /* 16/32/64 from 66 and REX.W */
    SZ_D64,     /* like SZ_V, but 64 by default in 64-bit mode (push, pop) */
    SZ_F64,     /* 64 in 64-bit mode whatever 66 says (near branches) */
    SZ_W,       /* always 16 */
    SZ_D,       /* always 32 */
    SZ_Y,       /* 32, or 64 with REX.W (MOV CR, ADX, BMI, CVTSI2SS ...) */
};

/* Immediate column */
enum {
    IMM_NONE,
    IMM_B,      /* 8 bits, sign-extended */
    IMM_BU,     /* 8 bits, zero-extended */
    IMM_W,      /* 16 bits, zero-extended */
    IMM_Z,      /* 16 or 32 bits (32 also for 64-bit operands), sign-extended */
    IMM_V,      /* 16, 32 or 64 bits as the operand size */
    IMM_WB,     /* 16 then 8 bits (ENTER): imm = 16, imm2 = 8 */
    IMM_AP,     /* far pointer: offset (16/32) in imm, selector in imm2 */
    IMM_MOFFS,  /* address-sized absolute offset, kept in disp */
    IMM_J8,     /* rel8, sign-extended into imm */
    IMM_JZ,     /* rel16/32, sign-extended into imm */
};

/* Attribute column: OR of these bits. */
#define A_LOCK   0x0001     /* LOCK allowed (with a memory destination) */
#define A_NO64   0x0002     /* invalid in 64-bit mode */
#define A_ONLY64 0x0004     /* valid only in 64-bit mode */
#define A_REP    0x0008     /* F3/F2 are REP/REPE/REPNE */
#define A_XCHGLK 0x0010     /* implicitly locked with memory (XCHG) */
#define A_CC16   0x0020     /* row covers 16 opcodes: low nibble is a condition */
#define A_VEX    0x0040     /* VEX-encoded only (VEX.L = 0); other rows never match VEX */
#define A_NOVVVV 0x0080     /* VEX.vvvv is reserved (must be 1111b) */
#define A_VL     0x0800     /* VEX.L = 1 allowed (256-bit form, or L ignored) */
#define A_W0     0x1000     /* VEX.W must be 0 (#UD with W1) */
#define A_L1     0x2000     /* VEX.L must be 1 (256-bit only) */
/* ext column value for a register-form ModRM with a fixed reg and rm */
#define X86_EXT_RM(reg, rm) (0x40 | ((reg) << 3) | (rm))
/* ext column value for any reg field in a bit set (bit n: reg n allowed) */
#define X86_EXT_SET(mask) (0x100 | (mask))
/* Block-ending classes (A_BLK_MASK): how a translation block ends here. */
#define A_BLK_SHIFT 8
#define A_JMP    (1u << A_BLK_SHIFT)  /* direct jump: target known */
#define A_JCC    (2u << A_BLK_SHIFT)  /* conditional: target or fall through */
#define A_CALL   (3u << A_BLK_SHIFT)  /* direct call */
#define A_IND    (4u << A_BLK_SHIFT)  /* indirect jump/call/return */
#define A_END    (5u << A_BLK_SHIFT)  /* ends the block: mode, IF, I/O, traps */
#define A_BLK_MASK (7u << A_BLK_SHIFT)

/* Intercept classes for SVM/VMX (used once nested virtualisation lands). */
enum {
    ICPT_NONE, ICPT_CPUID, ICPT_HLT, ICPT_IO, ICPT_MSR, ICPT_CR, ICPT_DR,
    ICPT_INVLPG, ICPT_RDTSC, ICPT_INTN, ICPT_IRET, ICPT_PAUSE, ICPT_DESC,
    ICPT_SYS,
};

/* CPUID feature gating a row (see cpuid.h for the bit table). */
enum {
    FEAT_NONE, FEAT_CMOV, FEAT_CX8, FEAT_CX16, FEAT_POPCNT, FEAT_BMI1, FEAT_BMI2,
    FEAT_LZCNT, FEAT_MOVBE, FEAT_ADX, FEAT_RDTSCP, FEAT_SYSCALL, FEAT_LAHF64,
    FEAT_SEP, FEAT_MSR, FEAT_TSC, FEAT_CPUID, FEAT_FSGSBASE, FEAT_RDRAND, FEAT_CLFLUSH, FEAT_SMAP,
    /* SIMD extensions (sse-*.c, avx.c) */
    FEAT_MMX, FEAT_SSE, FEAT_SSE2, FEAT_SSE3, FEAT_SSSE3, FEAT_SSE41, FEAT_SSE42,
    FEAT_AVX, FEAT_AVX2, FEAT_FMA, FEAT_F16C, FEAT_AES, FEAT_PCLMUL, FEAT_SHA,
    /* FPU/SIMD state management (xsave.c) */
    FEAT_FXSR, FEAT_XSAVE, FEAT_XSAVEOPT, FEAT_XSAVEC,
    FEAT_COUNT
};

/* Form ids: one per table row. */
typedef enum X86InsnId {
#define X86_INSN(id, mnem, handler, map, opc, ext, pfx, modc, form, osz, imm, feat, attr, icpt) \
    X86_INSN_##id,
#include "cpu/x86/insn.def"
#undef X86_INSN
    X86_INSN_COUNT
} X86InsnId;

/* Operand kinds in X86Insn.k1 / k2 */
enum { K_NONE, K_REG, K_MEM, K_IMM };

#define X86_REG_AH 16           /* AH, CH, DH, BH are 16..19 */
#define X86_BASE_NONE 0xff
#define X86_BASE_RIP  16
#define X86_SEG_NONE  6         /* 64-bit mode: no segment base (not FS/GS) */
#define X86_SEG_NONE_SS 7       /* the same for SS: no base, but faults are #SS */

/* X86Insn.pfx bits */
#define PFX_REP    0x01         /* F3 */
#define PFX_REPNE  0x02         /* F2 */
#define PFX_LOCK   0x04
#define PFX_OPSZ   0x08         /* 66 */
#define PFX_ADSZ   0x10         /* 67 */
#define PFX_REX    0x20
#define PFX_REXW   0x40
#define PFX_SEG    0x80         /* explicit segment override */

typedef struct X86Insn {
    uint16_t op;        /* X86InsnId */
    uint8_t len;        /* bytes, 1..15 */
    uint8_t osz;        /* operand size in bytes: 1, 2, 4, 8 */
    uint8_t asz;        /* address size in bytes: 2, 4, 8 */
    uint8_t k1, k2;     /* operand kinds K_* */
    uint8_t r1, r2;     /* registers of K_REG operands (see X86_REG_AH) */
    uint8_t seg;        /* segment of the memory operand (SEG_* / X86_SEG_NONE(_SS)) */
    uint8_t base;       /* base register, X86_BASE_NONE or X86_BASE_RIP */
    uint8_t index;      /* index register or X86_BASE_NONE */
    uint8_t scale;      /* log2 of the index scale */
    uint8_t pfx;        /* PFX_* */
    uint8_t modrm;      /* raw ModRM byte (reg field for groups, CR numbers) */
    uint8_t opc;        /* last opcode byte (condition codes live in it) */
    uint16_t imm2;      /* ENTER level, far selector */
    uint8_t vreg;       /* VEX.vvvv register (third operand), 0 without VEX */
    uint8_t vex;        /* 1 when VEX-encoded */
    uint8_t vexl;       /* VEX.L (256-bit form), 0 without VEX */
    uint8_t vexw;       /* VEX.W (in every mode: an opcode bit for FMA, ...) */
    int64_t disp;       /* displacement, or absolute moffs */
    uint64_t imm;       /* immediate or relative branch displacement */
} X86Insn;

/* Decoder inputs that are not bytes. */
typedef struct X86DecodeMode {
    uint8_t code_size;          /* 2, 4 or 8: CS.D / CS.L */
    const uint8_t *features;    /* FEAT_* -> advertised (1) or not (0) */
} X86DecodeMode;

typedef enum X86DecodeStatus {
    X86_DEC_OK,
    X86_DEC_UD,         /* invalid or not advertised: X86Insn is an #UD row */
    X86_DEC_GP,         /* longer than 15 bytes: an #GP row */
    X86_DEC_MORE,       /* needs more bytes than were given */
} X86DecodeStatus;

/*
 * Decode the instruction at bytes[0..avail). On X86_DEC_UD / X86_DEC_GP the
 * result is still a runnable X86Insn (op X86_INSN_UD / X86_INSN_GPLEN) whose
 * len is how far the decoder got, so a block can end with it and the fault
 * is raised when (and only if) it executes.
 */
X86DecodeStatus x86_decode(const X86DecodeMode *mode, const uint8_t *bytes,
                           unsigned avail, X86Insn *out);

/* Static facts about a form id. */
const char *x86_insn_mnemonic(unsigned op);
unsigned x86_insn_attr(unsigned op);
unsigned x86_insn_icpt(unsigned op);
static inline unsigned x86_insn_block_class(unsigned op)
{
    return x86_insn_attr(op) & A_BLK_MASK;
}

/* Print "mnemonic operands" roughly, for traces without capstone. */
int x86_insn_format(const X86Insn *i, char *buf, unsigned len);

#endif

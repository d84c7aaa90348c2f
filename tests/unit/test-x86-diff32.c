/* SPDX-License-Identifier: MIT */
/*
 * Differential tester, 32- and 16-bit passes: user-level integer
 * instructions run natively in a 32-bit (then a 16-bit) code segment and in
 * tandem's CPU in the same kind of segment, with the same register, flag
 * and memory inputs; registers, ES/DS, the data area (the stack included)
 * and the flags the manuals define must agree.
 *
 * The forms (x86-diff32-forms.h) are what 32- and 16-bit code decode or
 * execute differently from 64-bit mode: INC/DEC 40-4F, PUSH/POP, PUSHA/POPA,
 * PUSHF/POPF, DAA/DAS/AAA/AAS/AAM/AAD, SALC, ARPL, BOUND, INTO, XLAT,
 * ENTER/LEAVE, LOOP/JCXZ (and with 67), near CALL/JMP/RET/Jcc, PUSH/POP/MOV
 * of ES, DS and SS, LES/LDS, moffs, LEA with 16- and 32-bit addressing, BT*
 * on memory with register bit offsets, byte registers AH..BH everywhere, BMI
 * under VEX (where W is ignored), and the common ALU, shift, bit,
 * multiply/divide and string forms at both operand sizes (66 flips them).
 * In 16-bit code the upper halves of SI, DI, CX, BX and BP hold junk that
 * must not count, and the stack is SS:SP. Left out, because the two sides
 * cannot be made alike: far transfers and loads of CS/SS (the host runs at
 * CPL 3, tandem at CPL 0) and near branches that leave the page.
 *
 * Host side: Linux x86-64 keeps a 32-bit user code segment (selector 0x23,
 * __USER32_CS), and modify_ldt gives a 16-bit code and data segment (0x07,
 * 0x0f) based at the test page. One RWX page below 2 GiB, 64 KiB aligned,
 * holds 64-bit glue that saves the callee-saved registers and far-jumps to
 * 0x23:prologue; the 32-bit prologue loads DS/ES/SS (0x2b, or 0x0f for
 * 16-bit code), the flags and all eight registers from a state block, runs
 * the instruction at page offset 0x100 (through a far jump to 0x07 for
 * 16-bit code), stores everything back and far-jumps to 0x33 (64-bit) glue
 * that returns to C. The host is probed once in a child process; a kernel
 * without 32-bit support makes the binary skip. Tandem side: the same bytes
 * at the same place, followed by HLT, run twice: in compatibility mode (long
 * mode) and in legacy protected mode with 32-bit paging (page directory
 * 0x26000, page table 0x27000). TESTS_X86_DIFF_ITERS sets the iterations per
 * form and size for a long run.
 *
 * Exceptions are compared too (the "fault" forms feed BOUND indexes out of
 * range, INTO with OF set, AAM 0, DIV/IDIV by zero or overflowing): natively
 * the kernel turns them into a signal whose context (taken on an alternate
 * stack, so the data area is untouched) gives the vector, the registers, the
 * EIP and EFLAGS; in tandem the guest page holds a GDT, an LDT and an IDT
 * whose handlers are one HLT per vector, so where the vCPU halts names the
 * vector and the frame on the guest stack gives EIP and EFLAGS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/ldt.h>

#include "tests/unit/unit.h"
#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

#define ARITH X86_DIFF_ARITH

#include "tests/unit/x86-diff32-forms.h"

/* ---- page layout (the host page and the guest page alike) ---- */

#define PAGE_ENTRY   0x000      /* 64-bit glue: save, far jump to 32-bit */
#define PAGE_EXIT    0x040      /* 64-bit glue: restore, return to C */
#define PAGE_PRO     0x080      /* 32-bit prologue: load the state */
#define PAGE_INSN    0x100      /* the instruction, then the 32-bit epilogue */
#define PAGE_DATA    0x800      /* data area compared whole: memory operand, stack */
#define DATA_LEN     0x400
#define PAGE_STACK   0xb00      /* initial ESP (the stack is in the data area) */
#define PAGE_IN      0xc00      /* eight registers, flags */
#define PAGE_OUT     0xd00
#define PAGE_SCRATCH 0xe80      /* the glue's own stack for PUSHFD/POPFD */
#define PAGE_SAVE    0xf00      /* RSP, DS, ES of the C caller; the far pointer */
/* host page only */
#define PAGE_PRO16   0x200      /* 32-bit prologue for 16-bit code: LDT segments at the page */
#define PAGE_BACK32  0x280      /* 32-bit glue back from 16-bit code: flat segments */
/* guest page only (the host page has nothing there) */
#define PAGE_VEC     0x200      /* HLT for each vector 0..31 */
#define PAGE_GDT     0x400      /* null, code32 0x08, data 0x10, code64 0x18, -, data 0x2b */
#define PAGE_IDT32   0x500      /* 32 eight-byte interrupt gates */
#define PAGE_IDT64   0x600      /* 32 sixteen-byte interrupt gates */
#define PAGE_LDT     0x700      /* the LDT, as the host has it: code16 0x07, data16 0x0f */

/* 16-bit code: LDT segments based at the page, limit 64 KiB, DPL 3 */
#define SEL_CODE16   0x07
#define SEL_DATA16   0x0f
#define SEL_DATA32   0x2b       /* __USER_DS */

static unsigned csz = 32;       /* code size of the pass: 32 or 16 */
static bool ldt_ok;             /* the host gave us the LDT segments */

typedef struct DiffState {
    uint32_t regs[8];
    uint32_t flags;
    uint16_t es, ds;            /* selectors after the instruction */
    uint8_t buf[DATA_LEN];      /* PAGE_DATA.. */
    int vector;                 /* exception raised, -1 for none */
    uint32_t eip, eflags;       /* of the exception frame */
} DiffState;

static uint8_t *hpage;

static unsigned put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return 4;
}

/* mov r32, [abs] or mov [abs], r32 */
static unsigned emit_mov_abs(uint8_t *p, unsigned reg, uint32_t addr, bool store)
{
    p[0] = store ? 0x89 : 0x8b;
    p[1] = (uint8_t)(0x05 | (reg << 3));
    return 2 + put32(p + 2, addr);
}

static unsigned put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
    return 2;
}

/* An address in the page as the instruction sees it: linear in 32-bit code
 * (flat segments), an offset from the segment base in 16-bit code. */
static uint32_t at(uint32_t off)
{
    return csz == 16 ? off : (uint32_t)(uintptr_t)hpage + off;
}

static uint16_t data_sel(void)
{
    return csz == 16 ? SEL_DATA16 : SEL_DATA32;
}

static void host_build_glue(void)
{
    uint8_t *p = hpage;
    uint32_t base = (uint32_t)(uintptr_t)hpage;
    unsigned n = PAGE_ENTRY;
    static const uint8_t push[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    memcpy(p + n, push, sizeof(push));
    n += sizeof(push);
    p[n++] = 0x8c; p[n++] = 0x1c; p[n++] = 0x25;                /* mov [abs], ds */
    n += put32(p + n, base + PAGE_SAVE + 8);
    p[n++] = 0x8c; p[n++] = 0x04; p[n++] = 0x25;                /* mov [abs], es */
    n += put32(p + n, base + PAGE_SAVE + 10);
    p[n++] = 0x48; p[n++] = 0x89; p[n++] = 0xe0;               /* mov rax, rsp */
    p[n++] = 0x48; p[n++] = 0xa3;                               /* mov [abs64], rax */
    uint64_t a = base + PAGE_SAVE;
    memcpy(p + n, &a, 8);
    n += 8;
    p[n++] = 0xff; p[n++] = 0x2c; p[n++] = 0x25;                /* jmp far m16:32 */
    n += put32(p + n, base + PAGE_SAVE + 16);
    /* the far pointer at PAGE_SAVE + 16 (0x23:prologue) is written by host_run */
    if (n > PAGE_EXIT)
        abort();

    n = PAGE_EXIT;
    p[n++] = 0x8e; p[n++] = 0x1c; p[n++] = 0x25;                /* mov ds, [abs] */
    n += put32(p + n, base + PAGE_SAVE + 8);
    p[n++] = 0x8e; p[n++] = 0x04; p[n++] = 0x25;                /* mov es, [abs] */
    n += put32(p + n, base + PAGE_SAVE + 10);
    p[n++] = 0x48; p[n++] = 0xa1;                               /* mov rax, [abs64] */
    memcpy(p + n, &a, 8);
    n += 8;
    p[n++] = 0x48; p[n++] = 0x89; p[n++] = 0xc4;               /* mov rsp, rax */
    static const uint8_t pop[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
    memcpy(p + n, pop, sizeof(pop));
    n += sizeof(pop);
    if (n > PAGE_PRO)
        abort();

    n = PAGE_PRO;
    p[n++] = 0xb8; n += put32(p + n, 0x2b);                     /* mov eax, __USER_DS */
    p[n++] = 0x8e; p[n++] = 0xd8;                               /* mov ds, eax */
    p[n++] = 0x8e; p[n++] = 0xc0;                               /* mov es, eax */
    p[n++] = 0x8e; p[n++] = 0xd0;                               /* mov ss, eax */
    p[n++] = 0xbc; n += put32(p + n, base + PAGE_SCRATCH);      /* mov esp, scratch */
    p[n++] = 0xff; p[n++] = 0x35;                               /* push dword [flags] */
    n += put32(p + n, base + PAGE_IN + 32);
    p[n++] = 0x9d;                                              /* popfd */
    for (unsigned r = 0; r < 8; r++)                            /* MOV leaves the flags */
        n += emit_mov_abs(p + n, r, base + PAGE_IN + 4 * r, false);
    if (n > PAGE_INSN)
        abort();
    while (n < PAGE_INSN)
        p[n++] = 0x90;

    /* 16-bit code: the same with the LDT data segment (base = the page),
     * offsets for addresses, then a far jump to the 16-bit code segment */
    n = PAGE_PRO16;
    p[n++] = 0xb8; n += put32(p + n, SEL_DATA16);               /* mov eax, data16 */
    p[n++] = 0x8e; p[n++] = 0xd8;                               /* mov ds, eax */
    p[n++] = 0x8e; p[n++] = 0xc0;                               /* mov es, eax */
    p[n++] = 0x8e; p[n++] = 0xd0;                               /* mov ss, eax */
    p[n++] = 0xbc; n += put32(p + n, PAGE_SCRATCH);             /* mov esp, scratch */
    p[n++] = 0xff; p[n++] = 0x35;                               /* push dword [flags] */
    n += put32(p + n, PAGE_IN + 32);
    p[n++] = 0x9d;                                              /* popfd */
    for (unsigned r = 0; r < 8; r++)
        n += emit_mov_abs(p + n, r, PAGE_IN + 4 * r, false);
    p[n++] = 0xea; n += put32(p + n, PAGE_INSN);                /* jmp far code16:insn */
    n += put16(p + n, SEL_CODE16);
    if (n > PAGE_BACK32)
        abort();
    n = PAGE_BACK32;
    p[n++] = 0xb8; n += put32(p + n, SEL_DATA32);               /* mov eax, __USER_DS */
    p[n++] = 0x8e; p[n++] = 0xd8;                               /* mov ds, eax */
    p[n++] = 0x8e; p[n++] = 0xc0;                               /* mov es, eax */
    p[n++] = 0x8e; p[n++] = 0xd0;                               /* mov ss, eax */
    p[n++] = 0xea; n += put32(p + n, base + PAGE_EXIT);         /* jmp far 0x33:exit */
    n += put16(p + n, 0x33);
}

/* The 16-bit epilogue: the stores of the 32-bit one, with 66 and disp16. */
static unsigned host_epilogue16(uint8_t *p)
{
    uint32_t base = (uint32_t)(uintptr_t)hpage;
    unsigned n = 0;
    for (unsigned r = 0; r < 8; r++) {
        p[n++] = 0x66; p[n++] = 0x89; p[n++] = (uint8_t)(0x06 | (r << 3));  /* mov [d16], r32 */
        n += put16(p + n, (uint16_t)(PAGE_OUT + 4 * r));
    }
    p[n++] = 0x8c; p[n++] = 0x06; n += put16(p + n, PAGE_OUT + 36);   /* mov [], es */
    p[n++] = 0x8c; p[n++] = 0x1e; n += put16(p + n, PAGE_OUT + 38);   /* mov [], ds */
    p[n++] = 0x66; p[n++] = 0xbc; n += put32(p + n, PAGE_SCRATCH);    /* mov esp, scratch */
    p[n++] = 0x66; p[n++] = 0x9c; p[n++] = 0x66; p[n++] = 0x58;       /* pushfd; pop eax */
    p[n++] = 0x66; p[n++] = 0xa3; n += put16(p + n, PAGE_OUT + 32);   /* mov [flags], eax */
    p[n++] = 0xfc;                                                    /* cld */
    p[n++] = 0x66; p[n++] = 0xea; n += put32(p + n, base + PAGE_BACK32);  /* jmp far 0x23: */
    n += put16(p + n, 0x23);
    return n;
}

static void host_place_insn(const uint8_t *insn, unsigned len)
{
    uint8_t *p = hpage;
    uint32_t base = (uint32_t)(uintptr_t)hpage;
    unsigned n = PAGE_INSN;
    memcpy(p + n, insn, len);
    n += len;
    if (csz == 16) {
        host_epilogue16(p + n);
        return;
    }
    for (unsigned r = 0; r < 8; r++)
        n += emit_mov_abs(p + n, r, base + PAGE_OUT + 4 * r, true);
    p[n++] = 0x8c; p[n++] = 0x05; n += put32(p + n, base + PAGE_OUT + 36);   /* mov [], es */
    p[n++] = 0x8c; p[n++] = 0x1d; n += put32(p + n, base + PAGE_OUT + 38);   /* mov [], ds */
    p[n++] = 0xbc; n += put32(p + n, base + PAGE_SCRATCH);      /* mov esp, scratch */
    p[n++] = 0x9c; p[n++] = 0x58;                               /* pushfd; pop eax */
    p[n++] = 0xa3; n += put32(p + n, base + PAGE_OUT + 32);     /* mov [flags], eax */
    p[n++] = 0xfc;                                              /* cld: the ABI wants DF clear */
    p[n++] = 0xea; n += put32(p + n, base + PAGE_EXIT);         /* jmp far 0x33:exit */
    p[n++] = 0x33; p[n++] = 0;
}

static void host_run(const DiffState *in, DiffState *out)
{
    memcpy(hpage + PAGE_IN, in->regs, 32);
    memcpy(hpage + PAGE_IN + 32, &in->flags, 4);
    memcpy(hpage + PAGE_DATA, in->buf, DATA_LEN);
    __builtin___clear_cache((char *)hpage, (char *)hpage + 4096);
    out->vector = -1;
    out->es = out->ds = 0;
    out->eip = out->eflags = 0;
    put32(hpage + PAGE_SAVE + 16,
          (uint32_t)(uintptr_t)hpage + (csz == 16 ? PAGE_PRO16 : PAGE_PRO));
    put16(hpage + PAGE_SAVE + 20, 0x23);
    X86DiffFault fault;
    if (!x86_diff_call((void (*)(void))(void *)(hpage + PAGE_ENTRY), &fault)) {
        memcpy(out->regs, hpage + PAGE_OUT, 32);
        memcpy(&out->flags, hpage + PAGE_OUT + 32, 4);
        memcpy(&out->es, hpage + PAGE_OUT + 36, 2);
        memcpy(&out->ds, hpage + PAGE_OUT + 38, 2);
    } else {
        /* back in 64-bit mode with DS/ES still 0x2b: harmless. A faulting
         * REP store may have run over the glue: write it again. */
        out->vector = fault.vector;
        for (unsigned r = 0; r < 8; r++)
            out->regs[r] = (uint32_t)fault.regs[r];
        out->eip = (uint32_t)fault.rip;
        out->flags = out->eflags = (uint32_t)fault.rflags;
        host_build_glue();
    }
    memcpy(out->buf, hpage + PAGE_DATA, DATA_LEN);
}

/* ---- tandem side ---- */

#define GPAGE 0x10000
#define PD32  0x26000
#define PT32  0x27000

static Machine dm;
static MachineConfig dcfg;
static Vcpu dv;
static uint8_t *dram;

static int diff_init(void)
{
    if (x86_diff_init_low(&dm, &dcfg, &dv, &dram, &hpage, GPAGE) < 0)
        return -1;
    uint32_t hv = (uint32_t)(uintptr_t)hpage;
    /* 32-bit paging: one page table mapping the host page's address */
    uint32_t pde = PT32 | 7, pte = GPAGE | 7;
    memcpy(dram + PD32 + (hv >> 22) * 4, &pde, 4);
    memcpy(dram + PT32 + ((hv >> 12) & 1023) * 4, &pte, 4);
    /* descriptor tables and one HLT per vector in the guest page */
    uint8_t *g = dram + GPAGE;
    static const uint64_t gdt[6] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
                                     0x00af9b000000ffffull, 0, 0x00cff3000000ffffull };
    memcpy(g + PAGE_GDT, gdt, sizeof(gdt));
    x86_diff_vectors(g + PAGE_VEC, hv + PAGE_VEC, g + PAGE_IDT32, 8, 0x08);
    x86_diff_vectors(g + PAGE_VEC, hv + PAGE_VEC, g + PAGE_IDT64, 16, 0x18);
    /* the same two LDT segments for tandem and, through modify_ldt, the host */
    struct user_desc ud = { .entry_number = 0, .base_addr = hv, .limit = 0xffff,
                            .contents = MODIFY_LDT_CONTENTS_CODE, .useable = 1 };
    ldt_ok = syscall(SYS_modify_ldt, 1, &ud, sizeof(ud)) == 0;
    ud.entry_number = 1;
    ud.contents = MODIFY_LDT_CONTENTS_DATA;
    ldt_ok = ldt_ok && syscall(SYS_modify_ldt, 1, &ud, sizeof(ud)) == 0;
    uint64_t b = hv;
    uint64_t ldt_code = 0xffff | ((b & 0xffffff) << 16) | (0xfbull << 40) | ((b >> 24) << 56);
    uint64_t ldt_data = 0xffff | ((b & 0xffffff) << 16) | (0xf3ull << 40) | ((b >> 24) << 56);
    memcpy(g + PAGE_LDT, &ldt_code, 8);
    memcpy(g + PAGE_LDT + 8, &ldt_data, 8);
    host_build_glue();
    x86_diff_signals(true);
    return 0;
}

static int diff_clean(void)
{
    x86_diff_signals(false);
    x86_diff_clean(&dm, &dv, hpage);
    return 0;
}

/* Run in compatibility mode (legacy false) or 32-bit protected mode. */
static bool guest_run(const DiffState *in, DiffState *out, bool legacy)
{
    X86CPUState *s = &dv.state;
    s->cr0 = CR0_PE | CR0_PG | CR0_ET;
    if (legacy) {
        s->cr3 = PD32;
        s->cr4 = 0;
        s->msr.efer = 0;
    } else {
        s->cr3 = 0x20000;
        s->cr4 = 1u << 5;
        s->msr.efer = EFER_LME | EFER_LMA;
    }
    uint32_t hv = (uint32_t)(uintptr_t)hpage;
    /* The data segments are the host's: selector 0x2b, a DPL 3 flat segment
     * (or the 16-bit LDT one at the page). SS keeps DPL 0 in its cache (CPL
     * is SS.DPL; the handlers run at CPL 0 without a TSS), but shows the
     * host's selector to PUSH SS. */
    SegmentCache data = { SEL_DATA32, SEG_ATTR_P | SEG_ATTR_S | 0x3 | (3 << SEG_ATTR_DPL_SHIFT) |
                                      SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff, 0 };
    s->segs[SEG_CS] = (SegmentCache){ 0x08, SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_DB | SEG_ATTR_G,
                                      0xffffffff, 0 };
    if (csz == 16) {
        data = (SegmentCache){ SEL_DATA16, SEG_ATTR_P | SEG_ATTR_S | 0x3 |
                                           (3 << SEG_ATTR_DPL_SHIFT), 0xffff, hv };
        s->segs[SEG_CS] = (SegmentCache){ SEL_CODE16, SEG_ATTR_P | SEG_ATTR_S | 0xb |
                                                      (3 << SEG_ATTR_DPL_SHIFT), 0xffff, hv };
    }
    s->segs[SEG_DS] = s->segs[SEG_ES] = data;
    data.attrib &= (uint16_t)~(3 << SEG_ATTR_DPL_SHIFT);
    s->segs[SEG_SS] = data;
    s->ldt = (SegmentCache){ 0, SEG_ATTR_P | 2, 15, hv + PAGE_LDT };
    s->gdt = (DescTable){ hv + PAGE_GDT, 0x2f };
    s->idt = legacy ? (DescTable){ hv + PAGE_IDT32, 32 * 8 - 1 }
                    : (DescTable){ hv + PAGE_IDT64, 32 * 16 - 1 };
    for (unsigned r = 0; r < 8; r++)
        s->regs[r] = in->regs[r];
    s->rflags = (in->flags & (ARITH | FLAG_DF)) | FLAG_IF | 2;   /* as in user mode */
    s->rip = at(PAGE_INSN);
    s->halted = false;
    memcpy(dram + GPAGE + PAGE_DATA, in->buf, DATA_LEN);
    accel_tcg_ops.state_changed(&dv);
    VcpuExit e = accel_tcg_ops.vcpu_run(&dv);
    for (unsigned r = 0; r < 8; r++)
        out->regs[r] = (uint32_t)s->regs[r];
    out->flags = (uint32_t)s->rflags;
    out->es = s->segs[SEG_ES].selector;
    out->ds = s->segs[SEG_DS].selector;
    memcpy(out->buf, dram + GPAGE + PAGE_DATA, DATA_LEN);
    out->vector = -1;
    if (e != VCPU_EXIT_HALT)
        return false;
    if (s->rip > hv + PAGE_VEC && s->rip <= hv + PAGE_VEC + 32) {
        /* the frame: [error code], EIP, CS, EFLAGS (legacy) or RIP, CS,
         * RFLAGS, RSP, SS */
        uint64_t sp = s->regs[R_ESP], w = legacy ? 4 : 8;
        if (legacy)     /* SS:ESP or SS:SP; in long mode RSP, flat */
            sp = s->segs[SEG_SS].base +
                 ((s->segs[SEG_SS].attrib & SEG_ATTR_DB) ? (uint32_t)sp : (uint16_t)sp);
        out->vector = (int)(s->rip - hv - PAGE_VEC - 1);
        if (out->vector == 8 || (out->vector >= 10 && out->vector <= 14) || out->vector == 17)
            sp += w;
        if (sp < hv || sp + 3 * w > hv + 4096)
            return false;
        const uint8_t *frame = dram + GPAGE + (sp - hv);
        memcpy(&out->eip, frame, 4);
        memcpy(&out->eflags, frame + 2 * w, 4);
    }
    return true;
}

/* ---- generation ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void) { return (uint32_t)x86_diff_xorshift(&rng); }
static uint32_t rnd_value(void) { return (uint32_t)x86_diff_value(&rng); }

/*
 * A ModRM (and SIB, displacement) whose base and index registers, set in
 * *in, address a random dword of the data area; returns its length. 16-bit
 * code: any of the 24 memory forms, the sum wrapping at 64 KiB as often as
 * not. 32-bit code: base + index * scale + disp8/disp32.
 */
static unsigned gen_mem_regs(uint8_t *p, unsigned reg, DiffState *in)
{
    uint32_t target = at(PAGE_DATA + 4 * (rnd() % 128)), disp;
    unsigned mod = rnd() % 3, n = 0;
    if (csz == 16) {
        static const int8_t r1[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
        static const int8_t r2[8] = { R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1 };
        unsigned rm = rnd() % 8;
        p[n++] = (uint8_t)((mod << 6) | (reg << 3) | rm);
        disp = mod == 1 ? (uint32_t)(int8_t)rnd() : mod == 2 ? rnd() & 0xffff : 0;
        if (mod == 1)
            p[n++] = (uint8_t)disp;
        if (mod == 2 || (mod == 0 && rm == 6))
            n += put16(p + n, (uint16_t)(mod == 0 ? target : disp));
        if (mod == 0 && rm == 6)
            return n;                           /* [disp16] */
        uint32_t v1 = rnd(), left = target - disp;
        if (r2[rm] >= 0) {
            in->regs[r1[rm]] = v1;
            left -= v1;
            in->regs[r2[rm]] = (rnd() & 0xffff0000u) | (left & 0xffff);
        } else {
            in->regs[r1[rm]] = (rnd() & 0xffff0000u) | (left & 0xffff);
        }
        return n;
    }
    /* 32-bit: SIB with a base other than ESP (and EBP only with a displacement) */
    unsigned base, index, scale = rnd() % 4;
    do {
        base = rnd() % 8;
        index = rnd() % 8;
    } while (base == R_ESP || index == R_ESP || base == index || (mod == 0 && base == R_EBP));
    p[n++] = (uint8_t)((mod << 6) | (reg << 3) | 4);
    p[n++] = (uint8_t)((scale << 6) | (index << 3) | base);
    disp = mod == 1 ? (uint32_t)(int8_t)rnd() : mod == 2 ? rnd() : 0;
    if (mod == 1)
        p[n++] = (uint8_t)disp;
    if (mod == 2)
        n += put32(p + n, disp);
    in->regs[index] = rnd() % 64;
    in->regs[base] = target - disp - (in->regs[index] << scale);
    return n;
}

/*
 * Build one instance of f at operand width bits into insn; fix the inputs
 * in *in that the form needs. Returns the length, 0 to skip this instance.
 * *count gets the shift count for the flag rules, *rm_out the r/m register.
 */
static unsigned gen_insn(const Form32 *f, unsigned bits, unsigned it, uint8_t *insn,
                         DiffState *in, unsigned *count, unsigned *rm_out)
{
    unsigned n = 0, opi = 0, reg, rm;
    if (f->sp == SP_VEX) {
        /* C4 RXB.map W.vvvv.L.pp op modrm: R, X, B set (inverted), so not LES */
        unsigned v;
        do {
            reg = rnd() % 8, rm = rnd() % 8, v = rnd() % 8;
        } while (reg == R_ESP || rm == R_ESP || v == R_ESP);
        if (f->ext >= 0)
            reg = (unsigned)f->ext;
        insn[n++] = 0xc4;
        insn[n++] = (uint8_t)(0xe0 | f->op[0]);
        insn[n++] = (uint8_t)((rnd() & 0x80) | ((~v & 15) << 3) | f->op[1]);
        insn[n++] = f->op[2];
        insn[n++] = (uint8_t)(0xc0 | (reg << 3) | rm);
        if (f->imm)
            insn[n++] = (uint8_t)(it % 64);
        if (!strcmp(f->name, "rorx"))
            insn[2] |= 0x78;                    /* vvvv = 1111b: reserved */
        return n;
    }
    if (f->oplen > 1 && (f->op[0] == 0x66 || f->op[0] == 0xf3 || f->op[0] == 0xf2))
        insn[n++] = f->op[opi++];
    if (f->sp == SP_STR67 && csz == 32)
        return 0;                               /* SI/DI below 64 KiB: nothing mapped */
    if ((f->sp == SP_STR || f->sp == SP_STR67) && it % 3)
        insn[n++] = it % 3 == 1 ? 0xf3 : 0xf2;
    if (bits != 8 && bits != csz)
        insn[n++] = 0x66;
    if ((f->sp == SP_LEA && csz == 16) || (f->sp == SP_LEA16 && csz == 32))
        insn[n++] = 0x67;
    /* registers: never ESP; byte forms may use AH..BH (4..7) */
    do {
        reg = rnd() % 8;
        rm = rnd() % 8;
    } while (!f->byte && (reg == R_ESP || rm == R_ESP));
    if (f->sp == SP_DIV || f->sp == SP_IDIV) {
        static const uint8_t d8[] = { 1, 2, 3, 5, 6, 7 };   /* not AL or AH */
        rm = f->byte ? d8[rnd() % 6] : (rm == R_EAX || rm == R_EDX ? R_EBX : rm);
    }
    if (f->sp == SP_CL && (rm == R_ECX || reg == R_ECX || (f->byte && rm == 5)))
        return 0;
    if (f->ext >= 0)
        reg = (unsigned)f->ext;
    *rm_out = rm;
    for (; opi < f->oplen; opi++)
        insn[n++] = f->op[opi];
    if (f->sp == SP_CC || (f->sp == SP_REL0 && f->oplen == 2))
        insn[n - 1] += (uint8_t)(rnd() % 16);
    if (f->sp == SP_MOVSEG || f->sp == SP_LOADSEG) {
        /* 8C: ES, SS or DS; 8E: ES or DS (SS and CS would need CPL 3) */
        static const uint8_t rd[3] = { 0, 2, 3 };
        reg = f->sp == SP_MOVSEG ? rd[rnd() % 3] : (rnd() & 1) * 3;
    }
    if (f->ext == E_OPREG)
        insn[n - 1] += (uint8_t)rm;
    if (f->ext >= 0 || f->ext == E_REG) {
        if (f->sp == SP_LEA) {
            /* [base + index*scale + disp32], any registers */
            insn[n++] = (uint8_t)(0x84 | (reg << 3));
            insn[n++] = (uint8_t)rnd();
            n += put32(insn + n, rnd());
        } else if (f->sp == SP_LEA16) {
            /* any 16-bit form: mod 0..2, every rm */
            unsigned mod = rnd() % 3, r16 = rnd() % 8;
            insn[n++] = (uint8_t)((mod << 6) | (reg << 3) | r16);
            if (mod == 1)
                insn[n++] = (uint8_t)rnd();
            else if (mod == 2 || (mod == 0 && r16 == 6)) {
                uint16_t d = (uint16_t)rnd();
                memcpy(insn + n, &d, 2);
                n += 2;
            }
        } else if (f->sp == SP_MEMR) {
            n += gen_mem_regs(insn + n, reg, in);
        } else if (f->mem) {
            uint32_t a = at(PAGE_DATA + (f->sp == SP_BTMEM ? 0x100 : 0));
            insn[n++] = (uint8_t)((csz == 16 ? 0x06 : 0x05) | (reg << 3));    /* [disp] */
            n += csz == 16 ? put16(insn + n, (uint16_t)a) : put32(insn + n, a);
        } else {
            insn[n++] = (uint8_t)(0xc0 | (reg << 3) | rm);
        }
    }
    *count = f->op[0] == 0xd0 || f->op[0] == 0xd1 ? 1 : 0;
    if (f->sp == SP_MOFFS) {
        uint32_t a = at(PAGE_DATA + 8 + rnd() % 16);
        n += csz == 16 ? put16(insn + n, (uint16_t)a) : put32(insn + n, a);
    }
    if (f->imm) {
        /* iz follows the operand size: byte forms (branches) take the mode's */
        unsigned osz = bits == 8 ? csz : bits;
        unsigned il = f->imm == 4 ? (osz == 16 ? 2 : 4) : f->imm;
        uint32_t v = rnd_value();
        if (f->sp == SP_CNT8)
            v = it % 64;
        if (f->sp == SP_REL0)
            v = 0;                              /* the target is the next instruction */
        if (f->sp == SP_RET)
            v &= 0x3c;                          /* stay in the data area */
        if (f->sp == SP_AAM)
            v = f->fault ? 0 : (v & 0xff) ? v : 10;     /* AAM 0 is #DE */
        if (f->sp == SP_ENTER)
            v = (rnd() % 64) | ((it % 8) << 16);  /* size, nesting level 0..7 */
        memcpy(insn + n, &v, il);
        n += il;
        *count = v & 0xff;
    }

    /* inputs the form needs */
    uint32_t next = at(PAGE_INSN + n);
    if (f->sp == SP_RET)
        memcpy(in->buf + (PAGE_STACK - PAGE_DATA), &next, 4);
    if (f->sp == SP_BRIND)
        in->regs[rm] = next;
    if (f->sp == SP_POPF) {
        uint32_t v = (rnd() & (ARITH | FLAG_DF | FLAG_NT | FLAG_ID | 0xffc00000u)) | FLAG_IF | 2;
        memcpy(in->buf + (PAGE_STACK - PAGE_DATA), &v, 4);
    }
    if (f->sp == SP_BTMEM)      /* bits -2048..2047: bytes -256..255 around data+0x100 */
        in->regs[reg] = (uint32_t)((int32_t)(rnd() % 4096) - 2048);
    /* a selector for ES (the data segment's or null) or DS (the data
     * segment's), upper bits random */
    uint32_t sel = (rnd() & 1) ? data_sel() : 0;
    if (f->sp == SP_POPSEG) {
        if (f->op[0] == 0x1f)
            sel = data_sel();
        uint32_t v = (rnd() & 0xffff0000u) | sel;
        memcpy(in->buf + (PAGE_STACK - PAGE_DATA), &v, 4);
    }
    if (f->sp == SP_LOADSEG)
        in->regs[rm] = (rnd() & 0xffff0000u) | (reg == 3 ? data_sel() : sel);
    if (f->sp == SP_FARPTR) {
        uint16_t s16 = (uint16_t)(f->op[0] == 0xc5 ? data_sel() : sel);
        memcpy(in->buf + (bits == 16 ? 2 : 4), &s16, 2);
    }
    if (f->sp == SP_CL) {
        in->regs[R_ECX] = (in->regs[R_ECX] & ~0xffu) | (it % 64);
        *count = it % 64;
    }
    /* in 16-bit code the upper halves of SI, DI, CX, BX and BP must not count */
    uint32_t hi = csz == 16 ? rnd() & 0xffff0000u : 0;
    if (f->sp == SP_STR67)
        hi = 0;                                 /* 32-bit addresses: all of ESI/EDI/ECX */
    if (f->sp == SP_STR || f->sp == SP_STR67) {
        in->regs[R_ESI] = hi | at(PAGE_DATA + 0x100 + rnd() % 0x80);
        in->regs[R_EDI] = (hi ? rnd() & 0xffff0000u : 0) | at(PAGE_DATA + 0x180 + rnd() % 0x80);
        in->regs[R_ECX] = (hi ? rnd() & 0xffff0000u : 0) | (rnd() % 20);
        in->flags |= (rnd() & 1) ? FLAG_DF : 0;
    }
    if (f->sp == SP_XLAT)
        in->regs[R_EBX] = hi | at(PAGE_DATA + rnd() % 0x100);
    if (f->sp == SP_ENTER || f->sp == SP_LEAVE)
        in->regs[R_EBP] = hi | at(PAGE_DATA + 0x100 + (rnd() % 0x40) * 4);
    if (f->sp == SP_INTO && !f->fault)
        in->flags &= ~(uint32_t)FLAG_OF;        /* OF=1 traps (#OF) */
    if (f->sp == SP_INTO && f->fault && (rnd() % 4))
        in->flags |= FLAG_OF;
    if (f->sp == SP_LOOP || f->sp == SP_LOOP16)
        in->regs[R_ECX] = rnd() % 3 ? rnd() % 3 : (rnd() & 1 ? 0x10000 : 0xffff0001);
    if (f->sp == SP_BOUND) {
        /* bounds around the index: inside, or on an edge; never #BR */
        int32_t idx = bits == 16 ? (int16_t)in->regs[reg] : (int32_t)in->regs[reg];
        int32_t lo = idx - (int32_t)(rnd() % 3), hi = idx + (int32_t)(rnd() % 3);
        if (idx < (bits == 16 ? -32766 : -0x7ffffffe) || idx > (bits == 16 ? 32765 : 0x7ffffffd))
            lo = hi = idx;
        else if (f->fault && (rnd() & 1))
            lo = idx + 1 + (int32_t)(rnd() % 2);        /* below the lower bound */
        else if (f->fault)
            hi = idx - 1 - (int32_t)(rnd() % 2);        /* above the upper bound */
        if (bits == 16) {
            int16_t b16[2] = { (int16_t)lo, (int16_t)hi };
            memcpy(in->buf, b16, 4);
        } else {
            int32_t b32[2] = { lo, hi };
            memcpy(in->buf, b32, 8);
        }
    }
    if (f->sp == SP_CMPX && (rnd() & 1)) {
        memcpy(&in->regs[R_EAX], in->buf, 4);   /* make the comparison succeed */
        memcpy(&in->regs[R_EDX], in->buf + 4, 4);
    }
    if ((f->sp == SP_DIV || f->sp == SP_IDIV) && f->fault) {
        /* divide by zero, or a quotient too wide (IDIV's most negative / -1) */
        if (rnd() & 1)
            in->regs[rm] &= bits == 8 && rm >= 4 ? ~0xff00u : bits == 32 ? 0 : ~((1u << bits) - 1);
        else if (f->sp == SP_IDIV && bits == 8 && rm < 4)
            in->regs[rm] |= 0xff, in->regs[R_EAX] = (in->regs[R_EAX] & ~0xffffu) | 0x8000;
    } else if (f->sp == SP_DIV || f->sp == SP_IDIV) {
        uint32_t m = bits == 32 ? ~0u : (1u << bits) - 1;
        uint32_t d = in->regs[rm] & m;
        if (bits == 8 && rm >= 4)
            d = (in->regs[rm - 4] >> 8) & 0xff;
        if (d == 0 || (f->sp == SP_IDIV && (d == m || d == (m >> 1) + 1)))
            return 0;
        if (f->sp == SP_DIV) {
            if (bits == 8)
                in->regs[R_EAX] = (in->regs[R_EAX] & ~0xff00u) |
                                  ((((in->regs[R_EAX] >> 8) & 0xff) % d) << 8);
            else
                in->regs[R_EDX] = (in->regs[R_EDX] & ~m) | ((in->regs[R_EDX] & m) % d);
        } else if (bits == 8) {
            /* sign-extend the low half into the high half: cannot overflow */
            int8_t lo = (int8_t)in->regs[R_EAX];
            in->regs[R_EAX] = (in->regs[R_EAX] & ~0xff00u) | (lo < 0 ? 0xff00u : 0);
        } else {
            bool neg = (in->regs[R_EAX] >> (bits - 1)) & 1;
            in->regs[R_EDX] = (in->regs[R_EDX] & ~m) | (neg ? m : 0);
        }
    }
    return n;
}

static unsigned failures_printed;

static void report(const Form32 *f, unsigned bits, bool legacy, bool ok, const uint8_t *insn,
                   unsigned n, const DiffState *in, const DiffState *h, const DiffState *g,
                   uint32_t fmask)
{
    if (failures_printed++ >= 40)
        return;
    printf("\nMISMATCH %s (%u-bit, %u-bit code, %s)%s bytes:", f->name, bits, csz,
           legacy ? "protected mode" : "compatibility mode", ok ? "" : " [guest fault]");
    for (unsigned k = 0; k < n; k++)
        printf(" %02x", insn[k]);
    printf("\n  in: flags=%03x; vector host %d tandem %d; frame EIP host %08x tandem %08x, "
           "EFLAGS host %03x tandem %03x", in->flags, h->vector, g->vector, h->eip, g->eip,
           h->eflags & 0xfff, g->eflags & 0xfff);
    for (unsigned r = 0; r < 8; r++)
        if (h->regs[r] != g->regs[r] || in->regs[r] != h->regs[r])
            printf("\n  r%u in=%08x host=%08x tandem=%08x", r, in->regs[r], h->regs[r], g->regs[r]);
    if (h->es != g->es || h->ds != g->ds)
        printf("\n  es host=%04x tandem=%04x ds host=%04x tandem=%04x", h->es, g->es, h->ds,
               g->ds);
    printf("\n  flags host=%03x tandem=%03x mask=%03x", h->flags & (uint32_t)ARITH,
           g->flags & (uint32_t)ARITH, fmask);
    for (unsigned k = 0; k < DATA_LEN; k++)
        if (h->buf[k] != g->buf[k]) {
            printf("\n  data+0x%x host=%02x tandem=%02x (first difference)", k, h->buf[k],
                   g->buf[k]);
            break;
        }
    printf("\n");
}

static void run_form(const Form32 *f, unsigned iters, unsigned *ran, unsigned *faults,
                     unsigned *bad)
{
    static const unsigned vsizes[] = { 16, 32 };
    unsigned nsizes = f->byte ? 1 : 2;
    for (unsigned si = 0; si < nsizes; si++) {
        unsigned bits = f->byte ? 8 : vsizes[si];
        if (bits == 16 && (f->sp == SP_NO16 || f->sp == SP_VEX || f->sp == SP_CMPX))
            continue;
        if (bits == 16 && csz == 32 && (f->sp == SP_REL0 || f->sp == SP_RET || f->sp == SP_BRIND))
            continue;                   /* IP would be cut to 16 bits, off the page */
        for (unsigned it = 0; it < iters; it++) {
            DiffState in, h, g;
            for (unsigned r = 0; r < 8; r++)
                in.regs[r] = rnd_value();
            /* 16-bit code sees SP = PAGE_STACK (the page is 64 KiB aligned);
             * the upper half makes ESP the linear address for long mode's
             * exception frames */
            in.regs[R_ESP] = (uint32_t)(uintptr_t)hpage + PAGE_STACK;
            in.flags = (rnd() & (uint32_t)ARITH) | 2;
            for (unsigned k = 0; k < DATA_LEN; k++)
                in.buf[k] = (uint8_t)(rnd() % 4 == 0 ? rnd() : (k & 3));
            uint8_t insn[16];
            unsigned count = 0, rm = 0;
            unsigned n = gen_insn(f, bits, it, insn, &in, &count, &rm);
            if (!n)
                continue;
            host_place_insn(insn, n);
            x86_diff_place_guest(&dm, dram, GPAGE + PAGE_INSN, insn, n);
            host_run(&in, &h);
            uint32_t fmask = (uint32_t)x86_diff_defined_flags(f->fl, bits, count);
            for (unsigned pass = 0; pass < 2; pass++) {
                bool legacy = pass == 1;
                bool ok = guest_run(&in, &g, legacy);
                (*ran)++;
                if (ok && (h.vector >= 0 || g.vector >= 0)) {
                    /* an exception: precise state, the frame's EIP and EFLAGS */
                    (*faults)++;
                    h.regs[R_ESP] = g.regs[R_ESP] = 0;
                    if (h.vector != g.vector || memcmp(h.regs, g.regs, sizeof(h.regs)) ||
                        h.eip != g.eip || ((h.eflags ^ g.eflags) & (ARITH | FLAG_DF))) {
                        (*bad)++;
                        report(f, bits, legacy, ok, insn, n, &in, &h, &g, ARITH);
                    }
                    continue;
                }
                bool regs_ok = !memcmp(h.regs, g.regs, sizeof(h.regs)) && h.es == g.es &&
                               h.ds == g.ds;
                uint32_t m = bits == 32 ? ~0u : (1u << bits) - 1;
                if (f->sp == SP_BSX && (in.regs[rm] & m) == 0)
                    regs_ok = true;     /* destination undefined for a zero source */
                if (f->fl == FL_SHD && (count & 31) > bits)
                    regs_ok = true;     /* result undefined */
                if (f->sp == SP_PUSHSEG && bits == 32)
                    /* SDM: a 32-bit push of a segment register writes the
                     * selector zero-extended (AMD) or with a 16-bit move
                     * (recent Intel, and tandem): the upper half is the CPU's */
                    memcpy(g.buf + (PAGE_STACK - 4 - PAGE_DATA) + 2,
                           h.buf + (PAGE_STACK - 4 - PAGE_DATA) + 2, 2);
                bool mem_ok = !memcmp(h.buf, g.buf, DATA_LEN);
                uint32_t more = f->sp == SP_POPF ? FLAG_NT | FLAG_ID | FLAG_IF : 0;
                bool flags_ok = ((h.flags ^ g.flags) & (fmask | FLAG_DF | more)) == 0;
                if (!ok || !regs_ok || !mem_ok || !flags_ok) {
                    (*bad)++;
                    report(f, bits, legacy, ok, insn, n, &in, &h, &g, fmask);
                }
            }
        }
    }
}

/* Every form in 32-bit (code 32) or 16-bit (code 16) code. */
static void diff_pass(unsigned code)
{
    unsigned iters = 256, ran = 0, faults = 0, bad = 0, skipped = 0;
    const char *env = getenv("TESTS_X86_DIFF_ITERS");
    if (env)
        iters = (unsigned)strtoul(env, NULL, 0);
    csz = code;
    for (size_t k = 0; k < sizeof(diff32_forms) / sizeof(diff32_forms[0]); k++) {
        if (!x86_diff_host_has(diff32_forms[k].need)) {
            skipped++;
            continue;
        }
        unsigned before = bad;
        run_form(&diff32_forms[k], iters, &ran, &faults, &bad);
        if (bad != before)
            printf("\n  %s: %u mismatches", diff32_forms[k].name, bad - before);
    }
    csz = 32;
    printf("\n  %u-bit code: %u forms, %u runs (compatibility and protected mode), %u of them "
           "exceptions, %u skipped forms (host lacks feature), %u mismatches\n", code,
           (unsigned)(sizeof(diff32_forms) / sizeof(diff32_forms[0])), ran, faults, skipped, bad);
    CU_ASSERT(ran > 1000);
    CU_ASSERT(faults > 100);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_diff32_integer(void)
{
    diff_pass(32);
}

static void test_diff16_integer(void)
{
    if (!ldt_ok) {
        printf("\n  skipped: modify_ldt refused the 16-bit segments\n");
        return;
    }
    diff_pass(16);
}

/*
 * The bugs this tester found, as fixed answers from the SDM, so that they
 * stay caught on hosts that cannot run the native side: tandem alone, in
 * both 32-bit modes.
 */
static void test_diff32_known(void)
{
    static const struct {
        const char *name;
        unsigned code;                  /* code size */
        uint8_t insn[6], len;
        uint32_t eax, ebp, flags;       /* inputs (ESP is the page's stack) */
        uint32_t want_eax, want_ebp;    /* EBP: ~0 = page stack - 4 after */
    } k[] = {
        /* AAS: AX <- AX - 6, AH <- AH - 1 (the borrow reaches AH) */
        { "aas ax=0000 af=1", 32, { 0x3f }, 1, 0x0000, 0, FLAG_AF | 2, 0xfe0a, 0 },
        { "aas ax=0105 af=1", 32, { 0x3f }, 1, 0x0105, 0, FLAG_AF | 2, 0xff0f, 0 },
        /* ENTER with a 32-bit operand on a 16-bit stack: EBP <- ESP, all 32 bits */
        { "66 enter 10,0 (16-bit code)", 16, { 0x66, 0xc8, 0x0a, 0x00, 0x00 }, 5, 0, 0xa85209a4, 2,
          0, ~0u },
        /* BSWAP with a 32-bit operand in 16-bit code (66) */
        { "66 bswap eax (16-bit code)", 16, { 0x66, 0x0f, 0xc8 }, 3, 0x12345678, 0, 2,
          0x78563412, 0 },
    };
    uint32_t stack = (uint32_t)(uintptr_t)hpage + PAGE_STACK;
    for (unsigned t = 0; t < sizeof(k) / sizeof(k[0]); t++) {
        for (unsigned legacy = 0; legacy < 2; legacy++) {
            DiffState in = { .flags = k[t].flags }, out;
            in.regs[R_EAX] = k[t].eax;
            in.regs[R_EBP] = k[t].ebp;
            in.regs[R_ESP] = stack;
            csz = k[t].code;
            x86_diff_place_guest(&dm, dram, GPAGE + PAGE_INSN, k[t].insn, k[t].len);
            bool ok = guest_run(&in, &out, legacy);
            csz = 32;
            uint32_t want_ebp = k[t].want_ebp == ~0u ? stack - 4 : k[t].ebp;
            if (!ok || out.vector >= 0 || out.regs[R_EAX] != k[t].want_eax ||
                out.regs[R_EBP] != want_ebp)
                printf("\n  %s (%s): eax %08x ebp %08x, want %08x %08x", k[t].name,
                       legacy ? "protected mode" : "compatibility mode", out.regs[R_EAX],
                       out.regs[R_EBP], k[t].want_eax, want_ebp);
            CU_ASSERT(ok && out.vector < 0);
            CU_ASSERT_EQUAL(out.regs[R_EAX], k[t].want_eax);
            CU_ASSERT_EQUAL(out.regs[R_EBP], want_ebp);
        }
    }
}

/*
 * Can this host run 32-bit code through selector 0x23? Try a NOP in a child:
 * a kernel without IA-32 emulation kills it instead of returning.
 */
static bool diff32_host_ok(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (x86_diff_init_low(&dm, &dcfg, &dv, &dram, &hpage, GPAGE) < 0)
            _exit(2);
        host_build_glue();
        static const uint8_t nop = 0x90;
        host_place_insn(&nop, 1);
        DiffState in = { .flags = 2 }, out;
        in.regs[R_ESP] = (uint32_t)(uintptr_t)hpage + PAGE_STACK;
        host_run(&in, &out);
        _exit(out.regs[R_ESP] == in.regs[R_ESP] ? 0 : 3);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "known", test_diff32_known },
        { "integer32", test_diff32_integer },
        { "integer16", test_diff16_integer },
        { NULL, NULL }
    };
    static const UnitTest known_only[] = {
        { "known", test_diff32_known },
        { NULL, NULL }
    };
#if defined(__x86_64__) && defined(__linux__)
    if (!diff32_host_ok()) {
        printf("unit test-x86-diff32: this host cannot run 32-bit code through selector 0x23 "
               "(no IA-32 emulation): tandem's known answers only\n");
        unit_add_suite("x86-diff32", diff_init, diff_clean, known_only);
        return;
    }
    unit_add_suite("x86-diff32", diff_init, diff_clean, tests);
#else
    (void)tests;
    unit_skip("the native side needs Linux on x86-64");
#endif
}

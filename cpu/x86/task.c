/* SPDX-License-Identifier: MIT */
/*
 * Hardware task switches: JMP/CALL to a TSS or task gate, interrupts and
 * exceptions through a task gate, and IRET with NT set, to and from 32-bit
 * TSSs and 16-bit (80286) ones, in any combination.
 *
 * The order is the SDM's (7.3): check the new TSS descriptor, save the
 * outgoing state in the current TSS, update the busy bits and the back
 * link, load TR, then the new state (CR3, EIP, EFLAGS, registers, LDTR,
 * segment registers). Faults before the state is saved are raised in the
 * old task; loading the new segment registers happens in the new task,
 * with #TS for a bad selector, like hardware; a 32-bit TSS with its T bit
 * set then raises #DB (DR6.BT). A 16-bit TSS holds only the
 * low halves of IP, FLAGS and the registers, ES/CS/SS/DS (FS and GS become
 * null) and no CR3. The I/O bitmap and the VM bit of the new
 * EFLAGS are honoured through the normal paths once the state is loaded.
 */
#include "cpu/x86/x86.h"
#include "softmmu/log.h"


static uint64_t gdt_desc_addr(X86CPU *cpu, uint16_t sel)
{
    return (uint32_t)(cpu->s->gdt.base + (sel & ~7u));
}

static void set_busy(X86CPU *cpu, uint16_t sel, bool busy)
{
    uint64_t a = gdt_desc_addr(cpu, sel) + 5;
    uint8_t acc = (uint8_t)x86_ld_kernel(cpu, a, 1);
    acc = busy ? (acc | 2) : (acc & ~2);
    x86_st_kernel(cpu, a, 1, acc);
}

/* Load a segment register of the new task: faults are #TS(selector). */
static void task_load_seg(X86CPU *cpu, int seg, uint16_t sel)
{
    X86CPUState *s = cpu->s;
    if (cpu->vm86) {
        x86_load_seg_real(cpu, seg, sel);
        return;
    }
    if (!(sel & 0xfffc)) {
        if (seg == SEG_SS || seg == SEG_CS)
            x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
        s->segs[seg].selector = sel;
        s->segs[seg].attrib = 0;
        return;
    }
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3, rpl = sel & 3;
    if (!ok || !((d >> 44) & 1))
        x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
    if (seg == SEG_CS) {
        if (!(type & 8) || ((type & 4) ? dpl > rpl : dpl != rpl))
            x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
    } else if (seg == SEG_SS) {
        /* A writable data segment with DPL = RPL = the new CPL (CS's RPL). */
        if ((type & 0xa) != 2 || dpl != rpl || rpl != cpu->cpl)
            x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
    } else if ((type & 0xa) == 0x8) {
        x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);   /* execute-only code */
    } else if ((type & 0xc) != 0xc && (dpl < rpl || dpl < cpu->cpl)) {
        /* Data and non-conforming code: DPL >= RPL and >= CPL (SDM 7.3). */
        x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
    }
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, seg == SEG_SS ? EXCP_SS : EXCP_NP, sel & 0xfffc);
    x86_seg_from_desc(&s->segs[seg], sel, d);
}

/*
 * Where a TSS keeps each field: 32-bit TSS (type 9/11) or 16-bit 286 TSS
 * (type 1/3). A 16-bit TSS has word-sized IP, FLAGS and registers, only
 * ES/CS/SS/DS, and no CR3 (the current page tables stay).
 */
typedef struct TssLayout {
    unsigned ip, flags, regs, segs, ldt;    /* offsets */
    unsigned width;                         /* bytes per register / selector slot */
    unsigned nsegs, min_limit;
} TssLayout;

static const TssLayout tss_layout32 = { 0x20, 0x24, 0x28, 0x48, 0x60, 4, 6, 0x67 };
static const TssLayout tss_layout16 = { 0x0e, 0x10, 0x12, 0x22, 0x2a, 2, 4, 0x2b };

/* The new task's state, read completely before anything is changed. */
typedef struct TssState {
    uint32_t eip, eflags, cr3, regs[8], ldt;
    bool trap;                  /* the T bit (32-bit TSS): #DB on entry */
    uint16_t segs[SEG_COUNT];
} TssState;

static uint32_t tss_ld(X86CPU *cpu, uint64_t base, unsigned off, unsigned width)
{
    return (uint32_t)x86_ld_kernel(cpu, (uint32_t)(base + off), width);
}

static void tss_read(X86CPU *cpu, uint64_t base, const TssLayout *l, TssState *t)
{
    unsigned w = l->width;
    t->eip = tss_ld(cpu, base, l->ip, w);
    t->eflags = tss_ld(cpu, base, l->flags, w);
    t->cr3 = w == 4 ? tss_ld(cpu, base, 0x1c, 4) : 0;
    for (unsigned r = 0; r < 8; r++) {
        t->regs[r] = tss_ld(cpu, base, l->regs + w * r, w);
        /* The SDM leaves the upper halves undefined after a 16-bit TSS;
         * they read as ones, like QEMU's and Bochs' models of it. */
        if (w == 2)
            t->regs[r] |= 0xffff0000u;
    }
    for (unsigned g = 0; g < SEG_COUNT; g++)
        t->segs[g] = g < l->nsegs ? (uint16_t)tss_ld(cpu, base, l->segs + w * g, 2) : 0;
    t->ldt = tss_ld(cpu, base, l->ldt, 2);
    t->trap = w == 4 && (tss_ld(cpu, base, 0x64, 2) & 1);
}

/* Save the outgoing task's state in its TSS (layout of the current TR). */
static void tss_save(X86CPU *cpu, const TssLayout *l, uint64_t eip, uint64_t fl)
{
    X86CPUState *s = cpu->s;
    uint64_t ob = s->tr.base;
    unsigned w = l->width;
    x86_st_kernel(cpu, (uint32_t)(ob + l->ip), w, eip);
    x86_st_kernel(cpu, (uint32_t)(ob + l->flags), w, fl);
    for (unsigned r = 0; r < 8; r++)
        x86_st_kernel(cpu, (uint32_t)(ob + l->regs + w * r), w, s->regs[r]);
    for (unsigned g = 0; g < l->nsegs; g++)
        x86_st_kernel(cpu, (uint32_t)(ob + l->segs + w * g), 2, s->segs[g].selector);
}

void x86_task_switch(X86CPU *cpu, uint16_t sel, int source, bool has_err, uint32_t err,
                     uint64_t ret_eip)
{
    X86CPUState *s = cpu->s;
    if (sel & 4)
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    unsigned type = (d >> 40) & 0x1f;
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    /* Types 1/9 available, 3/11 busy (16/32-bit); IRET wants a busy one. */
    if ((type & 0x15) != 1 || ((type & 2) != 0) != (source == X86_TS_IRET))
        x86_raise_exception_err(cpu, source == X86_TS_IRET ? EXCP_TS : EXCP_GP, sel & 0xfffc);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
    const TssLayout *nl = (type & 8) ? &tss_layout32 : &tss_layout16;
    const TssLayout *ol = (s->tr.attrib & 8) ? &tss_layout32 : &tss_layout16;
    SegmentCache ntr;
    x86_seg_from_desc(&ntr, sel, d);
    if (ntr.limit < nl->min_limit)
        x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);

    /* Read the whole new state first: a fault here is still in the old task. */
    TssState nt;
    tss_read(cpu, ntr.base, nl, &nt);

    /* Save the outgoing state. */
    uint64_t fl = x86_get_rflags(cpu);
    if (source == X86_TS_IRET)
        fl &= ~(uint64_t)FLAG_NT;
    tss_save(cpu, ol, ret_eip, fl);

    uint16_t old_tr = s->tr.selector;
    if (source == X86_TS_JMP || source == X86_TS_IRET)
        set_busy(cpu, old_tr, false);
    if (source != X86_TS_IRET)
        set_busy(cpu, sel, true);
    if (source == X86_TS_CALL || source == X86_TS_INT)
        x86_st_kernel(cpu, (uint32_t)ntr.base, 2, old_tr);

    /* Switch. */
    s->tr = ntr;
    s->tr.attrib |= 2;                          /* busy */
    s->cr0 |= CR0_TS;
    if (nl == &tss_layout32 && cpu->paging && nt.cr3 != (uint32_t)s->cr3)
        x86_write_cr3(cpu, nt.cr3);
    uint64_t nfl = nt.eflags | 2;
    if (source == X86_TS_CALL || source == X86_TS_INT)
        nfl |= FLAG_NT;
    s->rflags = nfl & 0x3f7fd7;
    cpu->cc_op = CC_OP_EFLAGS;
    for (unsigned r = 0; r < 8; r++)
        s->regs[r] = nt.regs[r];
    s->rip = nt.eip;
    cpu->next_rip = nt.eip;
    /* Selectors first (so a fault shows the new task's), then descriptors. */
    for (unsigned g = 0; g < SEG_COUNT; g++)
        s->segs[g].selector = nt.segs[g];
    s->ldt.selector = (uint16_t)nt.ldt;
    s->ldt.attrib = 0;
    x86_hflags_update(cpu);
    uint16_t ldt = (uint16_t)nt.ldt;
    if (ldt & 0xfffc) {
        bool lok;
        uint64_t ld = x86_desc_read(cpu, ldt & ~4, &lok);
        if ((ldt & 4) || !lok || ((ld >> 40) & 0x1f) != 0x02)
            x86_raise_exception_err(cpu, EXCP_TS, ldt & 0xfffc);
        if (!((ld >> 47) & 1))
            x86_raise_exception_err(cpu, EXCP_TS, ldt & 0xfffc);
        x86_seg_from_desc(&s->ldt, ldt, ld);
    }
    if (nfl & FLAG_VM) {
        for (unsigned g = 0; g < SEG_COUNT; g++)
            x86_load_seg_real(cpu, (int)g, nt.segs[g]);
    } else {
        /* CS first: its RPL is the new CPL the others are checked against. */
        task_load_seg(cpu, SEG_CS, nt.segs[SEG_CS]);
        /* Until SS loads, the old SS cache with the new CPL as its DPL. */
        uint16_t ssa = s->segs[SEG_SS].attrib & ~(uint16_t)(3 << SEG_ATTR_DPL_SHIFT);
        s->segs[SEG_SS].attrib = (uint16_t)(ssa | ((nt.segs[SEG_CS] & 3) << SEG_ATTR_DPL_SHIFT));
        x86_hflags_update(cpu);
        task_load_seg(cpu, SEG_SS, nt.segs[SEG_SS]);
        /* A #TS for a data segment is delivered on the new stack: its size
         * (SS.B) must be the new SS's, not the one before. */
        x86_hflags_update(cpu);
        static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        for (unsigned k = 0; k < 4; k++)
            task_load_seg(cpu, data[k], nt.segs[data[k]]);
    }
    x86_hflags_update(cpu);
    tlb_flush(cpu);
    if (has_err)
        x86_push(cpu, (s->segs[SEG_CS].attrib & SEG_ATTR_DB) ? 4 : 2, err);
    /*
     * Entering a virtual-8086 task whose EFLAGS has VIF and VIP both set
     * under CR4.VME: #GP(0) at its first instruction, so that the monitor
     * delivers the pending virtual interrupt (SDM vol. 3, 20.3.3; the same
     * as IRET to virtual-8086 mode, excp.c).
     */
    if ((nfl & FLAG_VM) && (s->cr4 & CR4_VME) && (nfl & FLAG_VIF) && (nfl & FLAG_VIP))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (nt.trap) {
        /* A debug trap (DR6.BT) once the switch is complete, before the new
         * task's first instruction: RIP is already the new task's. */
        s->dr[6] |= 1u << 15;
        x86_raise_exception(cpu, EXCP_DB);
    }
}

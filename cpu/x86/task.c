/* SPDX-License-Identifier: MIT */
/*
 * Hardware task switches (32-bit TSS): JMP/CALL to a TSS or task gate,
 * interrupts and exceptions through a task gate, and IRET with NT set.
 *
 * The order is the SDM's (7.3): check the new TSS descriptor, save the
 * outgoing state in the current TSS, update the busy bits and the back
 * link, load TR, then the new state (CR3, EIP, EFLAGS, registers, LDTR,
 * segment registers). Faults before the state is saved are raised in the
 * old task; loading the new segment registers happens in the new task,
 * with #TS for a bad selector, like hardware. 16-bit TSSs are not
 * supported (logged, #GP). The I/O bitmap and the VM bit of the new
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
        if ((type & 0xa) != 2 || dpl != rpl)
            x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
    } else if ((type & 0xa) == 0x8) {
        x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);   /* execute-only code */
    }
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, seg == SEG_SS ? EXCP_SS : EXCP_NP, sel & 0xfffc);
    x86_seg_from_desc(&s->segs[seg], sel, d);
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
    if (type == 0x01 || type == 0x03) {
        log_mask_printf(LOG_UNIMP, "task switch to a 16-bit TSS\n");
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    }
    if (source == X86_TS_IRET ? type != 0x0b : type != 0x09)
        x86_raise_exception_err(cpu, source == X86_TS_IRET ? EXCP_TS : EXCP_GP, sel & 0xfffc);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
    SegmentCache ntr;
    x86_seg_from_desc(&ntr, sel, d);
    if (ntr.limit < 0x67)
        x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);

    /* Read the whole new state first: a fault here is still in the old task. */
    uint32_t nv[26];
    for (unsigned k = 0; k < 26; k++)
        nv[k] = (uint32_t)x86_ld_kernel(cpu, (uint32_t)(ntr.base + 4 * k), 4);

    /* Save the outgoing state. */
    uint64_t ob = s->tr.base;
    uint64_t fl = x86_get_rflags(cpu);
    if (source == X86_TS_IRET)
        fl &= ~(uint64_t)FLAG_NT;
    x86_st_kernel(cpu, (uint32_t)(ob + 0x20), 4, ret_eip);
    x86_st_kernel(cpu, (uint32_t)(ob + 0x24), 4, fl);
    for (unsigned r = 0; r < 8; r++)
        x86_st_kernel(cpu, (uint32_t)(ob + 0x28 + 4 * r), 4, s->regs[r]);
    for (unsigned g = 0; g < SEG_COUNT; g++)
        x86_st_kernel(cpu, (uint32_t)(ob + 0x48 + 4 * g), 2, s->segs[g].selector);

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
    if (cpu->paging && nv[7] != (uint32_t)s->cr3)
        x86_write_cr3(cpu, nv[7]);
    uint64_t nfl = nv[9] | 2;
    if (source == X86_TS_CALL || source == X86_TS_INT)
        nfl |= FLAG_NT;
    s->rflags = nfl & 0x3f7fd7;
    cpu->cc_op = CC_OP_EFLAGS;
    for (unsigned r = 0; r < 8; r++)
        s->regs[r] = nv[10 + r];
    s->rip = nv[8];
    cpu->next_rip = nv[8];
    /* Selectors first (so a fault shows the new task's), then descriptors. */
    for (unsigned g = 0; g < SEG_COUNT; g++)
        s->segs[g].selector = (uint16_t)nv[18 + g];
    s->ldt.selector = (uint16_t)nv[24];
    s->ldt.attrib = 0;
    x86_hflags_update(cpu);
    uint16_t ldt = (uint16_t)nv[24];
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
            x86_load_seg_real(cpu, (int)g, (uint16_t)nv[18 + g]);
    } else {
        /* CS first: its RPL is the new CPL the others are checked against. */
        task_load_seg(cpu, SEG_CS, (uint16_t)nv[18 + SEG_CS]);
        s->segs[SEG_SS].attrib = (uint16_t)((nv[18 + SEG_CS] & 3) << SEG_ATTR_DPL_SHIFT);
        x86_hflags_update(cpu);
        task_load_seg(cpu, SEG_SS, (uint16_t)nv[18 + SEG_SS]);
        static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        for (unsigned k = 0; k < 4; k++)
            task_load_seg(cpu, data[k], (uint16_t)nv[18 + data[k]]);
    }
    x86_hflags_update(cpu);
    tlb_flush(cpu);
    if (has_err)
        x86_push(cpu, (s->segs[SEG_CS].attrib & SEG_ATTR_DB) ? 4 : 2, err);
}

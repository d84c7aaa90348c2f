/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts: raising them (the one noreturn unwind of the
 * CPU core), delivering them through the IVT / IDT in each mode, double and
 * triple faults, and IRET.
 *
 * Raising: x86_raise_exception*() record the vector, error code and kind in
 * the X86CPU and siglongjmp() to the execution loop's sigsetjmp, which then
 * calls x86_deliver_pending(). At that point RIP is still the address of
 * the faulting instruction (handlers never move RIP themselves; traps and
 * software interrupts push next_rip instead).
 *
 * Delivery reads the gate, computes the new stack and pushes the frame with
 * the target privilege's accesses, and only then commits CS, SS, RSP, RIP
 * and RFLAGS; a fault during delivery (a bad gate, a not-present stack
 * page) unwinds again with 'delivering' still set, and the next delivery
 * combines the two as the SDM's double-fault table says: contributory +
 * contributory or #PF + (#PF or contributory) gives #DF, anything during
 * #DF is a triple fault (cpu->shutdown), the rest are handled serially.
 * Task gates switch tasks (task.c); IRET with NT returns through the back link.
 */
#include "cpu/x86/x86.h"
#include "softmmu/log.h"

static bool vector_has_error(int v)
{
    return v == EXCP_DF || (v >= EXCP_TS && v <= EXCP_PF) || v == EXCP_AC ||
           v == 21 || v == 29 || v == 30;
}

/* 'delivering' for INT n and interrupts: not an exception vector. */
#define X86_DELIVERING_BENIGN 256

static bool contributory(int v)
{
    return v == EXCP_DE || (v >= EXCP_TS && v <= EXCP_GP);
}

void x86_raise_exception_err(X86CPU *cpu, int vector, uint32_t error)
{
    cpu->excp_vector = vector;
    cpu->excp_error = error;
    cpu->excp_has_error = vector_has_error(vector);
    cpu->excp_soft = false;
    siglongjmp(cpu->jmpbuf, 1);
}

void x86_raise_exception(X86CPU *cpu, int vector)
{
    x86_raise_exception_err(cpu, vector, 0);
}

void x86_raise_soft_interrupt(X86CPU *cpu, int vector)
{
    cpu->excp_vector = vector;
    cpu->excp_error = 0;
    cpu->excp_has_error = false;
    cpu->excp_soft = true;
    siglongjmp(cpu->jmpbuf, 1);
}

/* A stack being built for delivery: nothing is committed until the end. */
typedef struct NewStack {
    uint64_t base, sp, mask;
    unsigned idx;
} NewStack;

static void ns_push(X86CPU *cpu, NewStack *ns, unsigned size, uint64_t v)
{
    ns->sp = (ns->sp - size) & ns->mask;
    uint64_t lin = ns->base + ns->sp;
    if (!cpu->lma)
        lin = (uint32_t)lin;
    x86_st_idx(cpu, lin, size, v, ns->idx);
}

static void deliver_real(X86CPU *cpu, int vec, uint64_t ret_ip)
{
    X86CPUState *s = cpu->s;
    if ((uint32_t)vec * 4 + 3 > s->idt.limit)
        x86_raise_exception_err(cpu, EXCP_GP, (uint32_t)vec * 8 + 2);
    uint64_t ent = x86_ld_kernel(cpu, (uint32_t)(s->idt.base + (uint32_t)vec * 4), 4);
    NewStack ns = { s->segs[SEG_SS].base, s->regs[R_ESP], x86_stack_mask(cpu), 0 };
    /*
     * Each word of the frame must lie inside SS (SDM INT n, real-address
     * mode: #SS if pushing the flags or the return address exceeds the
     * stack segment). With SP = 1, 3 or 5 one word straddles 0xffff: the
     * #SS is delivered on the same stack and faults the same way, so does
     * the #DF, and the processor shuts down, as the SDM says it does.
     */
    for (unsigned k = 1; k <= 3; k++)
        if (!x86_seg_range_ok(&s->segs[SEG_SS], (ns.sp - 2 * k) & ns.mask, 2))
            x86_raise_exception_err(cpu, EXCP_SS, 0);
    ns_push(cpu, &ns, 2, x86_get_rflags(cpu));
    ns_push(cpu, &ns, 2, s->segs[SEG_CS].selector);
    ns_push(cpu, &ns, 2, ret_ip);
    x86_set_sp(cpu, ns.sp);
    s->rflags &= ~(uint64_t)(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF);
    x86_load_seg_real(cpu, SEG_CS, (uint16_t)(ent >> 16));
    s->rip = ent & 0xffff;
}

static uint64_t code_desc_for_gate(X86CPU *cpu, uint16_t sel, uint32_t ext)
{
    if (!(sel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, ext);
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
    if (!ok || !((d >> 44) & 1) || !(type & 8) || dpl > cpu->cpl)
        x86_raise_exception_err(cpu, EXCP_GP, (sel & 0xfffc) | ext);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, (sel & 0xfffc) | ext);
    return d;
}

static void deliver_prot(X86CPU *cpu, int vec, bool soft, bool has_err, uint32_t err,
                         uint64_t ret_ip)
{
    X86CPUState *s = cpu->s;
    bool lm = cpu->lma;
    uint32_t ext = soft ? 0 : 1, gerr = (uint32_t)vec * 8 + 2 + ext;
    unsigned esz = lm ? 16 : 8;
    if ((uint32_t)vec * esz + esz - 1 > s->idt.limit)
        x86_raise_exception_err(cpu, EXCP_GP, gerr);
    uint64_t ga = s->idt.base + (uint64_t)vec * esz;
    uint64_t g = x86_ld_kernel(cpu, lm ? ga : (uint32_t)ga, 8);
    uint64_t ghi = lm ? x86_ld_kernel(cpu, ga + 8, 8) : 0;
    unsigned type = (g >> 40) & 0x1f, dpl = (g >> 45) & 3;
    bool gate32;
    if (lm) {
        if (type != 0x0e && type != 0x0f)
            x86_raise_exception_err(cpu, EXCP_GP, gerr);
        gate32 = true;
    } else if (type == 0x05) {
        if (soft && dpl < cpu->cpl)
            x86_raise_exception_err(cpu, EXCP_GP, gerr);
        if (!((g >> 47) & 1))
            x86_raise_exception_err(cpu, EXCP_NP, gerr);
        x86_task_switch(cpu, (uint16_t)(g >> 16), X86_TS_INT, has_err, err, ret_ip);
        return;
    } else if (type == 0x06 || type == 0x07 || type == 0x0e || type == 0x0f) {
        gate32 = type & 8;
    } else {
        x86_raise_exception_err(cpu, EXCP_GP, gerr);
    }
    if (soft && dpl < cpu->cpl)
        x86_raise_exception_err(cpu, EXCP_GP, gerr);
    if (!((g >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, gerr);
    bool trap = type & 1;
    uint16_t sel = (uint16_t)(g >> 16);
    uint64_t off = (g & 0xffff) | ((g >> 32) & 0xffff0000);
    if (lm)
        off |= (ghi & 0xffffffff) << 32;
    uint64_t cd = code_desc_for_gate(cpu, sel, ext);
    unsigned cdpl = (cd >> 45) & 3;
    bool conforming = (cd >> 42) & 1;
    unsigned new_cpl = conforming ? cpu->cpl : cdpl;
    unsigned ist = lm ? (unsigned)(g >> 32) & 7 : 0;
    if (lm && (!((cd >> 53) & 1) || ((cd >> 54) & 1)))
        x86_raise_exception_err(cpu, EXCP_GP, (sel & 0xfffc) | ext);
    if (!lm && (gate32 ? off : off & 0xffff) > x86_desc_limit(cd))
        x86_raise_exception_err(cpu, EXCP_GP, ext);     /* gate offset past the limit */

    uint64_t fl = x86_get_rflags(cpu);
    bool vm = cpu->vm86;
    bool inner = new_cpl < cpu->cpl;
    if (vm && new_cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, (sel & 0xfffc) | ext);

    NewStack ns;
    SegmentCache new_ss = s->segs[SEG_SS];
    unsigned psz = lm ? 8 : gate32 ? 4 : 2;
    ns.idx = new_cpl == 3 ? 1 : 0;
    if (lm) {
        uint64_t rsp = s->regs[R_ESP];
        if (inner || ist) {
            unsigned tss_off = ist ? 0x24 + (ist - 1) * 8 : 4 + new_cpl * 8;
            rsp = x86_tss_stack_ld(cpu, tss_off, 8, 7, ext);
        }
        if (inner) {
            new_ss.selector = (uint16_t)new_cpl;
            new_ss.attrib = (uint16_t)(new_cpl << SEG_ATTR_DPL_SHIFT);
            new_ss.base = 0;
            new_ss.limit = 0;
        }
        ns.base = 0;
        ns.sp = rsp & ~0xfull;
        ns.mask = ~0ull;
    } else if (inner) {
        bool tss32 = (s->tr.attrib & 8) != 0;
        uint64_t esp, ssel;
        if (tss32) {
            esp = x86_tss_stack_ld(cpu, 4 + new_cpl * 8, 4, 7, ext);
            ssel = x86_tss_stack_ld(cpu, 8 + new_cpl * 8, 2, 3, ext);
        } else {
            esp = x86_tss_stack_ld(cpu, 2 + new_cpl * 4, 2, 3, ext);
            ssel = x86_tss_stack_ld(cpu, 4 + new_cpl * 4, 2, 1, ext);
        }
        bool ok;
        uint64_t sd = x86_desc_read(cpu, (uint16_t)ssel, &ok);
        unsigned stype = (sd >> 40) & 0xf;
        if (!(ssel & 0xfffc) || !ok || (ssel & 3) != new_cpl || ((sd >> 45) & 3) != new_cpl ||
            !((sd >> 44) & 1) || (stype & 0xa) != 2)
            x86_raise_exception_err(cpu, EXCP_TS, (ssel & 0xfffc) | ext);
        if (!((sd >> 47) & 1))
            x86_raise_exception_err(cpu, EXCP_SS, (ssel & 0xfffc) | ext);
        x86_seg_from_desc(&new_ss, (uint16_t)ssel, sd);
        ns.base = new_ss.base;
        ns.sp = esp;
        ns.mask = (new_ss.attrib & SEG_ATTR_DB) ? 0xffffffffull : 0xffff;
    } else {
        ns.base = s->segs[SEG_SS].base;
        ns.sp = s->regs[R_ESP];
        ns.mask = x86_stack_mask(cpu);
    }

    /* The whole frame must fit in the stack segment: #SS(EXT), or with a
     * stack switch #SS(new SS | EXT), before anything is written. */
    unsigned nslots = 3 + has_err + ((lm || inner) ? 2 : 0) + ((lm || inner) && vm ? 4 : 0);
    if (!lm && (ns.sp < nslots * psz ||
                !x86_seg_range_ok(&new_ss, (ns.sp - nslots * psz) & ns.mask, nslots * psz)))
        x86_raise_exception_err(cpu, EXCP_SS, (inner ? new_ss.selector & 0xfffc : 0) | ext);
    /* IA-32e mode has no limits, but the frame must be canonical: #SS(EXT)
     * whether the stack is the current one, the TSS's RSPn or an IST one. */
    if (lm && !x86_canonical_range(ns.sp - nslots * 8, nslots * 8))
        x86_raise_exception_err(cpu, EXCP_SS, ext);
    if (lm && !x86_canonical_range(off, 1))
        x86_raise_exception_err(cpu, EXCP_GP, ext);     /* the gate's target */
    if (lm || inner) {
        if (vm) {
            ns_push(cpu, &ns, psz, s->segs[SEG_GS].selector);
            ns_push(cpu, &ns, psz, s->segs[SEG_FS].selector);
            ns_push(cpu, &ns, psz, s->segs[SEG_DS].selector);
            ns_push(cpu, &ns, psz, s->segs[SEG_ES].selector);
        }
        ns_push(cpu, &ns, psz, s->segs[SEG_SS].selector);
        ns_push(cpu, &ns, psz, s->regs[R_ESP]);
    }
    ns_push(cpu, &ns, psz, fl);
    ns_push(cpu, &ns, psz, s->segs[SEG_CS].selector);
    ns_push(cpu, &ns, psz, ret_ip);
    if (has_err)
        ns_push(cpu, &ns, psz, err);

    /* Commit */
    if (vm) {
        static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        for (unsigned k = 0; k < 4; k++) {
            s->segs[data[k]].selector = 0;
            s->segs[data[k]].attrib = 0;
        }
    }
    s->segs[SEG_SS] = new_ss;
    uint64_t nfl = fl & ~(uint64_t)(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
    if (!trap)
        nfl &= ~(uint64_t)FLAG_IF;
    s->rflags = nfl;
    cpu->cc_op = CC_OP_EFLAGS;
    x86_seg_from_desc(&s->segs[SEG_CS], (uint16_t)((sel & ~3) | new_cpl), cd);
    x86_hflags_update(cpu);
    if (lm)
        s->regs[R_ESP] = ns.sp;
    else
        s->regs[R_ESP] = (s->regs[R_ESP] & ~ns.mask) | (ns.sp & ns.mask);
    s->rip = gate32 ? off : off & 0xffff;
}

static void deliver(X86CPU *cpu, int vec, bool soft, bool has_err, uint32_t err,
                    uint64_t ret_ip)
{
    X86CPUState *s = cpu->s;
    if (log_enabled(LOG_INT))
        log_printf("int: vector 0x%02x%s err=0x%x cs:rip=%04x:%016llx cpl=%u cr2=%llx\n",
                   vec, soft ? " (soft)" : "", has_err ? err : 0, s->segs[SEG_CS].selector,
                   (unsigned long long)s->rip, cpu->cpl, (unsigned long long)s->cr2);
    s->halted = false;
    if (!cpu->pe)
        deliver_real(cpu, vec, ret_ip);
    else
        deliver_prot(cpu, vec, soft, has_err, err, ret_ip);
}

void x86_deliver_pending(X86CPU *cpu)
{
    int vec = cpu->excp_vector;
    uint32_t err = cpu->excp_error;
    bool has_err = cpu->excp_has_error, soft = cpu->excp_soft;
    cpu->excp_vector = -1;
    x86_flags_sync(cpu);
    if (cpu->delivering >= 0) {
        int prev = cpu->delivering;
        if (prev == EXCP_DF) {
            log_mask_printf(LOG_INT, "int: triple fault (vector 0x%02x during #DF)\n", vec);
            cpu->delivering = -1;
            cpu->shutdown = true;
            return;
        }
        if ((contributory(prev) && contributory(vec)) ||
            (prev == EXCP_PF && (vec == EXCP_PF || contributory(vec)))) {
            vec = EXCP_DF;
            err = 0;
            has_err = true;
            soft = false;
        }
    }
    /* INT n and external interrupts are benign whatever their vector: a
     * fault while delivering INT 0x0d through a DPL 0 gate is a #GP, not a
     * #DF (and INT 8 faulting is no triple fault). */
    cpu->delivering = soft ? X86_DELIVERING_BENIGN : vec;
    deliver(cpu, vec, soft, has_err, err, soft ? cpu->next_rip : cpu->s->rip);
    cpu->delivering = -1;
}

void x86_deliver_interrupt(X86CPU *cpu, int vector)
{
    x86_flags_sync(cpu);
    cpu->delivering = X86_DELIVERING_BENIGN;
    deliver(cpu, vector, false, false, 0, cpu->s->rip);
    cpu->delivering = -1;
}

/* ---- IRET ---- */

void x86_op_iret(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    unsigned osz = i->osz;
    uint64_t fl = x86_get_rflags(cpu);
    unsigned iopl = (unsigned)(fl >> 12) & 3;

    s->nmi_masked = false;      /* IRET ends NMI blocking (even if it faults later) */
    if (!cpu->pe || cpu->vm86) {
        if (cpu->vm86 && iopl != 3) {
            x86_vme_iret(cpu, osz);     /* CR4.VME, else #GP(0) */
            return;
        }
        uint64_t sp = s->regs[R_ESP] & x86_stack_mask(cpu);
        uint64_t m = x86_stack_mask(cpu);
        uint64_t ip = x86_ld(cpu, x86_lin(cpu, SEG_SS, sp, osz, ACC_READ), osz);
        uint16_t cs = (uint16_t)x86_ld(cpu, x86_lin(cpu, SEG_SS, (sp + osz) & m, osz, ACC_READ), 2);
        uint64_t nf = x86_ld(cpu, x86_lin(cpu, SEG_SS, (sp + 2 * osz) & m, osz, ACC_READ), osz);
        uint64_t mask = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_IF |
                        FLAG_DF | FLAG_OF | FLAG_NT | FLAG_AC | FLAG_ID | FLAG_RF;
        if (!cpu->vm86)
            mask |= FLAG_IOPL;
        if (osz == 2)
            mask &= 0xffff;
        if ((ip & x86_size_mask(osz)) > s->segs[SEG_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        x86_load_seg_real(cpu, SEG_CS, cs);
        x86_set_sp(cpu, sp + 3 * osz);
        x86_set_rflags(cpu, nf, mask);
        cpu->next_rip = ip & x86_size_mask(osz);
        return;
    }
    /* IA-32e mode has no task switches: IRET with NT set is #GP(0). */
    if ((fl & FLAG_NT) && cpu->lma)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (fl & FLAG_NT) {
        /* Return to the task in the back link. */
        uint16_t back = (uint16_t)x86_ld_kernel(cpu, (uint32_t)s->tr.base, 2);
        x86_task_switch(cpu, back, X86_TS_IRET, false, 0, cpu->next_rip);
        return;
    }
    unsigned ssi = x86_stack_seg(cpu);
    uint64_t m = x86_stack_mask(cpu), sp = s->regs[R_ESP] & m;
    uint64_t ip = x86_ld(cpu, x86_lin(cpu, ssi, sp, osz, ACC_READ), osz);
    uint16_t cs = (uint16_t)x86_ld(cpu, x86_lin(cpu, ssi, (sp + osz) & m, osz, ACC_READ), 2);
    uint64_t nf = x86_ld(cpu, x86_lin(cpu, ssi, (sp + 2 * osz) & m, osz, ACC_READ), osz);
    uint64_t mask = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_DF |
                    FLAG_OF | FLAG_NT | FLAG_AC | FLAG_ID | FLAG_RF;
    if (cpu->cpl == 0)
        mask |= FLAG_IOPL | FLAG_IF | FLAG_VIF | FLAG_VIP;
    else if (cpu->cpl <= iopl)
        mask |= FLAG_IF;
    if (osz == 2)
        mask &= 0xffff;

    if (osz == 4 && (nf & FLAG_VM) && cpu->cpl == 0 && !cpu->lma) {
        /* Return to virtual-8086 mode. */
        uint64_t v[6];
        for (unsigned k = 0; k < 6; k++)
            v[k] = x86_ld(cpu, x86_lin(cpu, SEG_SS, (sp + 12 + 4 * k) & m, 4, ACC_READ), 4);
        x86_set_rflags(cpu, nf | FLAG_VM, mask | FLAG_VM | FLAG_IOPL | FLAG_IF);
        static const int order[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        x86_load_seg_real(cpu, SEG_SS, (uint16_t)v[1]);
        for (unsigned k = 0; k < 4; k++)
            x86_load_seg_real(cpu, order[k], (uint16_t)v[2 + k]);
        x86_load_seg_real(cpu, SEG_CS, cs);
        s->regs[R_ESP] = (uint32_t)v[0];
        cpu->next_rip = ip & 0xffff;
        if ((s->cr4 & CR4_VME) && (s->rflags & FLAG_VIF) && (s->rflags & FLAG_VIP)) {
            /* VIF and VIP both set at the start of the 8086 program's next
             * instruction: #GP(0) there, for the monitor (SDM 20.3.3). */
            s->rip = cpu->next_rip;
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        }
        return;
    }

    /* Same as a far return, then the flags; 64-bit mode always pops SS:RSP. */
    unsigned rpl = cs & 3;
    if (cpu->code_size == 8) {
        uint64_t nrsp = x86_ld(cpu, x86_lin(cpu, ssi, (sp + 3 * osz) & m, osz, ACC_READ), osz);
        uint16_t nss = (uint16_t)x86_ld(cpu, x86_lin(cpu, ssi, (sp + 4 * osz) & m, osz, ACC_READ), 2);
        uint64_t d;
        bool ok;
        d = x86_desc_read(cpu, cs, &ok);
        unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
        if (!(cs & 0xfffc) || !ok || !((d >> 44) & 1) || !(type & 8) || rpl < cpu->cpl ||
            ((type & 4) ? dpl > rpl : dpl != rpl))
            x86_raise_exception_err(cpu, EXCP_GP, cs & 0xfffc);
        if (!((d >> 47) & 1))
            x86_raise_exception_err(cpu, EXCP_NP, cs & 0xfffc);
        /* The return RIP: canonical for 64-bit code, in the limit otherwise. */
        if (!x86_far_target_ok(d, ip, d & (1ull << 53)))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        SegmentCache ss;
        x86_check_ss(cpu, nss, rpl, &ss);
        x86_seg_from_desc(&s->segs[SEG_CS], cs, d);
        bool outer = rpl > cpu->cpl;
        s->segs[SEG_SS] = ss;
        x86_hflags_update(cpu);
        s->regs[R_ESP] = nrsp;
        if (outer)
            x86_null_outer_data_segs(cpu, rpl);
        x86_set_rflags(cpu, nf, mask);
        cpu->next_rip = ip;
        return;
    }
    /* Let the far-return code do CS (and SS:RSP for an outer level); it
     * reads IP and CS from the stack top and skips the flags slot. */
    uint64_t saved_rsp = s->regs[R_ESP];
    if (rpl == cpu->cpl) {
        x86_far_return(cpu, osz, 0, true);
        x86_set_sp(cpu, sp + 3 * osz);
    } else {
        /* Lay the frame as RET far expects: IP, CS, then (flags) SP, SS. */
        uint64_t nrsp = x86_ld(cpu, x86_lin(cpu, ssi, (sp + 3 * osz) & m, osz, ACC_READ), osz);
        uint16_t nss = (uint16_t)x86_ld(cpu, x86_lin(cpu, ssi, (sp + 4 * osz) & m, osz, ACC_READ), 2);
        bool ok;
        uint64_t d = x86_desc_read(cpu, cs, &ok);
        unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
        if (!(cs & 0xfffc) || !ok || !((d >> 44) & 1) || !(type & 8) || rpl < cpu->cpl ||
            ((type & 4) ? dpl > rpl : dpl != rpl))
            x86_raise_exception_err(cpu, EXCP_GP, cs & 0xfffc);
        if (!((d >> 47) & 1))
            x86_raise_exception_err(cpu, EXCP_NP, cs & 0xfffc);
        if ((ip & x86_size_mask(osz)) > x86_desc_limit(d))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        SegmentCache ss;
        x86_check_ss(cpu, nss, rpl, &ss);
        x86_seg_from_desc(&s->segs[SEG_CS], cs, d);
        s->segs[SEG_SS] = ss;
        x86_hflags_update(cpu);
        if (cpu->lma)
            s->regs[R_ESP] = nrsp;
        else
            x86_set_sp(cpu, nrsp);
        x86_null_outer_data_segs(cpu, rpl);
    }
    (void)saved_rsp;
    x86_set_rflags(cpu, nf, mask);
    cpu->next_rip = ip & x86_size_mask(osz);
}

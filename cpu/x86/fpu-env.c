/* SPDX-License-Identifier: MIT */
/*
 * x87 control and environment: the state helpers every FPU file uses
 * (tags, ES/FERR#, #NM and #MF checks, the instruction/data pointers), and
 * the instructions whose effect depends on the guest's mode rather than on
 * arithmetic: FLDCW/FNSTCW, FNSTSW, FNCLEX, FNINIT, FLDENV/FNSTENV,
 * FRSTOR/FNSAVE in real/V86 and protected mode with 16- and 32-bit
 * operand size, FWAIT, and the 8087/287 leftovers (FNENI, FNDISI,
 * FNSETPM) that later CPUs execute as FNOP.
 *
 * Waiting vs non-waiting: FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE
 * (and the leftovers) do not look at pending exceptions; every other x87
 * instruction and FWAIT report a pending unmasked exception first (#MF with
 * CR0.NE=1; with CR0.NE=0 FERR# was raised when the exception happened and
 * execution goes on as if IGNNE# were asserted, which is what PC chipsets
 * arrange after the IRQ 13 handler's write to port F0h). #NM comes before
 * that: any ESC opcode with CR0.EM or CR0.TS set, FWAIT with CR0.MP and TS.
 *
 * Stores of whole structures write memory before changing any register, so
 * a #PF part-way leaves the FPU as it was; loads read everything into a
 * buffer first.
 */
#include "cpu/x86/fpu.h"

unsigned x86_fpu_tag(const X87Reg *r)
{
    unsigned exp = r->sign_exp & 0x7fff;
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return r->mant ? 2 : 1;
    return (r->mant >> 63) ? 0 : 2;         /* unnormals are special */
}

void x86_fpu_retag(X87State *f)
{
    uint16_t t = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = ((f->ftw >> (2 * p)) & 3) == 3 ? 3 : x86_fpu_tag(&f->st[p]);
        t |= (uint16_t)(tag << (2 * p));
    }
    f->ftw = t;
}

void x86_fpu_update_es(X86CPU *cpu)
{
    X87State *f = &cpu->s->fpu;
    bool es = (f->fsw & ~f->fcw & FSW_EXC) != 0;
    bool was = f->fsw & FSW_ES;
    if (es)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
    if (es != was && !(cpu->s->cr0 & CR0_NE) && cpu->ferr)
        cpu->ferr(cpu, es);
}

void x86_fpu_reset(X87State *f)
{
    f->fcw = 0x037f;
    f->fsw = 0;
    f->ftw = 0xffff;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

void x86_fpu_check_nm(X86CPU *cpu)
{
    if (cpu->s->cr0 & (CR0_EM | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
}

void x86_fpu_check_pending(X86CPU *cpu)
{
    if ((cpu->s->fpu.fsw & FSW_ES) && (cpu->s->cr0 & CR0_NE))
        x86_raise_exception(cpu, EXCP_MF);
}

void x86_fpu_record(X86CPU *cpu, const X86Insn *i, uint64_t ea)
{
    X87State *f = &cpu->s->fpu;
    f->fop = (uint16_t)(((i->opc & 7) << 8) | i->modrm);
    f->fip = cpu->s->rip;
    f->fcs = cpu->s->segs[SEG_CS].selector;
    if (i->k1 == K_MEM) {
        f->fdp = ea;
        f->fds = i->seg < SEG_COUNT ? cpu->s->segs[i->seg].selector
                                    : cpu->s->segs[SEG_DS].selector;
    }
}

static uint64_t lin_add(const X86CPU *cpu, uint64_t lin, unsigned k)
{
    return cpu->lma ? lin + k : (uint32_t)(lin + k);
}

void x86_fpu_mem_read(X86CPU *cpu, uint64_t lin, void *buf, unsigned n)
{
    uint8_t *b = buf;
    unsigned k = 0;
    for (; k + 8 <= n; k += 8)
        x86_host_st(b + k, 8, x86_ld(cpu, lin_add(cpu, lin, k), 8));
    for (; k + 2 <= n; k += 2)
        x86_host_st(b + k, 2, x86_ld(cpu, lin_add(cpu, lin, k), 2));
    for (; k < n; k++)
        b[k] = (uint8_t)x86_ld(cpu, lin_add(cpu, lin, k), 1);
}

void x86_fpu_mem_probe_write(X86CPU *cpu, uint64_t lin, unsigned n)
{
    /* A read-modify-write of the first and last byte faults like the store. */
    uint64_t last = lin_add(cpu, lin, n - 1);
    x86_st(cpu, lin, 1, x86_ld(cpu, lin, 1));
    x86_st(cpu, last, 1, x86_ld(cpu, last, 1));
}

void x86_fpu_mem_write(X86CPU *cpu, uint64_t lin, const void *buf, unsigned n)
{
    const uint8_t *b = buf;
    unsigned k = 0;
    x86_fpu_mem_probe_write(cpu, lin, n);
    for (; k + 8 <= n; k += 8)
        x86_st(cpu, lin_add(cpu, lin, k), 8, x86_host_ld(b + k, 8));
    for (; k + 2 <= n; k += 2)
        x86_st(cpu, lin_add(cpu, lin, k), 2, x86_host_ld(b + k, 2));
    for (; k < n; k++)
        x86_st(cpu, lin_add(cpu, lin, k), 1, b[k]);
}

/* ---- control word, status word, FNCLEX, FNINIT ---- */

void x86_op_fldcw(X86CPU *cpu, const X86Insn *i)
{
    x86_fpu_check_nm(cpu);
    x86_fpu_check_pending(cpu);
    uint16_t cw = (uint16_t)x86_ld(cpu, x86_insn_lin(cpu, i, 2, ACC_READ), 2);
    cpu->s->fpu.fcw = FCW_LOAD(cw);
    x86_fpu_update_es(cpu);
}

void x86_op_fnstcw(X86CPU *cpu, const X86Insn *i)
{
    x86_fpu_check_nm(cpu);
    x86_st(cpu, x86_insn_lin(cpu, i, 2, ACC_WRITE), 2, cpu->s->fpu.fcw);
}

void x86_op_fnstsw(X86CPU *cpu, const X86Insn *i)
{
    x86_fpu_check_nm(cpu);
    if (i->k1 == K_MEM)
        x86_st(cpu, x86_insn_lin(cpu, i, 2, ACC_WRITE), 2, cpu->s->fpu.fsw);
    else
        x86_reg_write(cpu, R_EAX, 2, cpu->s->fpu.fsw);
}

void x86_op_fnclex(X86CPU *cpu, const X86Insn *i)
{
    x86_fpu_check_nm(cpu);
    cpu->s->fpu.fsw &= (uint16_t)~(FSW_STICKY | FSW_ES | FSW_B);
    x86_fpu_update_es(cpu);
}

void x86_op_fninit(X86CPU *cpu, const X86Insn *i)
{
    x86_fpu_check_nm(cpu);
    x86_fpu_reset(&cpu->s->fpu);
    x86_fpu_update_es(cpu);
}

/* FNENI, FNDISI, FNSETPM: no-ops since the 387 (not even waiting ones). */
void x86_op_fnop_legacy(X86CPU *cpu, const X86Insn *i)
{
    x86_fpu_check_nm(cpu);
}

void x86_op_fwait(X86CPU *cpu, const X86Insn *i)
{
    if ((cpu->s->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
    x86_fpu_check_pending(cpu);
}

/* ---- environment layouts ---- */

static bool env_real(const X86CPU *cpu)
{
    return !cpu->pe || cpu->vm86;
}

/* Size of the environment for an operand size (14 or 28 bytes). */
static unsigned env_size(const X86Insn *i)
{
    return i->osz == 2 ? 14 : 28;
}

static void env_store(X86CPU *cpu, const X86Insn *i, uint8_t *e)
{
    const X87State *f = &cpu->s->fpu;
    bool real = env_real(cpu);
    uint32_t fip = (uint32_t)f->fip, fdp = (uint32_t)f->fdp;
    if (real) {
        /* real-mode formats keep 20/32-bit linear pointers */
        fip += (uint32_t)f->fcs << 4;
        fdp += (uint32_t)f->fds << 4;
    }
    if (i->osz == 2) {
        uint16_t w[7] = { f->fcw, f->fsw, f->ftw, (uint16_t)fip, f->fcs, (uint16_t)fdp, f->fds };
        if (real) {
            w[4] = (uint16_t)(((fip >> 16) & 0xf) << 12 | (f->fop & 0x7ff));
            w[6] = (uint16_t)(((fdp >> 16) & 0xf) << 12);
        }
        memcpy(e, w, 14);
        return;
    }
    uint32_t d[7] = { 0xffff0000u | f->fcw, 0xffff0000u | f->fsw, 0xffff0000u | f->ftw,
                      fip, f->fcs | ((uint32_t)(f->fop & 0x7ff) << 16), fdp,
                      0xffff0000u | f->fds };
    if (real) {
        d[3] = 0xffff0000u | (fip & 0xffff);
        d[4] = ((fip >> 16) << 12) | (f->fop & 0x7ffu);
        d[5] = 0xffff0000u | (fdp & 0xffff);
        d[6] = (fdp >> 16) << 12;
    }
    memcpy(e, d, 28);
}

static void env_load(X86CPU *cpu, const X86Insn *i, const uint8_t *e)
{
    X87State *f = &cpu->s->fpu;
    bool real = env_real(cpu);
    uint16_t fcw, fsw, ftw;
    if (i->osz == 2) {
        uint16_t w[7];
        memcpy(w, e, 14);
        fcw = w[0]; fsw = w[1]; ftw = w[2];
        if (real) {
            f->fip = w[3] | ((uint32_t)(w[4] >> 12) << 16);
            f->fop = w[4] & 0x7ff;
            f->fdp = w[5] | ((uint32_t)(w[6] >> 12) << 16);
            f->fcs = f->fds = 0;
        } else {
            f->fip = w[3]; f->fcs = w[4]; f->fdp = w[5]; f->fds = w[6];
            f->fop = 0;                     /* not in this format */
        }
    } else {
        uint32_t d[7];
        memcpy(d, e, 28);
        fcw = (uint16_t)d[0]; fsw = (uint16_t)d[1]; ftw = (uint16_t)d[2];
        if (real) {
            f->fip = (d[3] & 0xffff) | ((d[4] >> 12) << 16);
            f->fop = d[4] & 0x7ff;
            f->fdp = (d[5] & 0xffff) | ((d[6] >> 12) << 16);
            f->fcs = f->fds = 0;
        } else {
            f->fip = d[3];
            f->fcs = (uint16_t)d[4];
            f->fop = (d[4] >> 16) & 0x7ff;
            f->fdp = d[5];
            f->fds = (uint16_t)d[6];
        }
    }
    f->fcw = FCW_LOAD(fcw);
    f->fsw = fsw;
    f->ftw = ftw;
    x86_fpu_retag(f);
    x86_fpu_update_es(cpu);
}

void x86_op_fnstenv(X86CPU *cpu, const X86Insn *i)
{
    uint8_t e[28];
    x86_fpu_check_nm(cpu);
    env_store(cpu, i, e);
    x86_fpu_mem_write(cpu, x86_insn_lin(cpu, i, env_size(i), ACC_WRITE), e, env_size(i));
    /* FNSTENV masks every exception after saving (SDM FSTENV) */
    cpu->s->fpu.fcw |= FCW_EXC_MASKS;
    x86_fpu_update_es(cpu);
}

void x86_op_fldenv(X86CPU *cpu, const X86Insn *i)
{
    uint8_t e[28];
    x86_fpu_check_nm(cpu);
    x86_fpu_check_pending(cpu);
    x86_fpu_mem_read(cpu, x86_insn_lin(cpu, i, env_size(i), ACC_READ), e, env_size(i));
    env_load(cpu, i, e);
}

void x86_op_fnsave(X86CPU *cpu, const X86Insn *i)
{
    uint8_t b[108];
    const X87State *f = &cpu->s->fpu;
    unsigned n = env_size(i), top = (f->fsw >> 11) & 7;
    x86_fpu_check_nm(cpu);
    env_store(cpu, i, b);
    for (unsigned k = 0; k < 8; k++) {
        const X87Reg *r = &f->st[(top + k) & 7];
        memcpy(b + n + 10 * k, &r->mant, 8);
        memcpy(b + n + 10 * k + 8, &r->sign_exp, 2);
    }
    x86_fpu_mem_write(cpu, x86_insn_lin(cpu, i, n + 80, ACC_WRITE), b, n + 80);
    x86_fpu_reset(&cpu->s->fpu);
    x86_fpu_update_es(cpu);
}

void x86_op_frstor(X86CPU *cpu, const X86Insn *i)
{
    uint8_t b[108];
    unsigned n = env_size(i);
    x86_fpu_check_nm(cpu);
    x86_fpu_check_pending(cpu);
    x86_fpu_mem_read(cpu, x86_insn_lin(cpu, i, n + 80, ACC_READ), b, n + 80);
    X87State *f = &cpu->s->fpu;
    /* registers first: env_load retags them with the new TOP */
    uint16_t fsw;
    memcpy(&fsw, b + (i->osz == 2 ? 2 : 4), 2);
    unsigned top = (fsw >> 11) & 7;
    for (unsigned k = 0; k < 8; k++) {
        X87Reg *r = &f->st[(top + k) & 7];
        memcpy(&r->mant, b + n + 10 * k, 8);
        memcpy(&r->sign_exp, b + n + 10 * k + 8, 2);
    }
    env_load(cpu, i, b);
}

/* SPDX-License-Identifier: MIT */
/*
 * x87 data instructions: arithmetic, compare, load/store/convert (binary,
 * integer, BCD), constants, FXCH/FFREE/FINCSTP/FDECSTP, FCMOVcc, FABS/FCHS,
 * FTST/FXAM and the transcendentals. Their semantics are the execution
 * engine's (x86_fpu_exec: the host's x87 unit, see fpu-host.c); what is
 * here is the guest side every form shares:
 *
 *   #NM and pending-#MF checks -> read the memory operand (loads) ->
 *   execute on a copy of the state -> write the memory operand (stores) ->
 *   commit the state, FIP/FOP/FDP, FCOMI's flags, ES/FERR#.
 *
 * A store is written only if the instruction wrote its (host) operand: an
 * unmasked invalid, denormal, overflow or underflow exception leaves the
 * destination untouched. When an unmasked exception occurred the engine
 * runs a second time with a different fill of the operand buffer, and the
 * store happens only if both runs changed it; without one, every store
 * form writes. A faulting store leaves the FPU state as it was (the copy is
 * committed last), as x86.h requires.
 *
 * The memory operand of each (escape, reg) pair is described by mem_ops[]:
 * size in bytes and direction. Environment forms (FLDENV, FNSTCW, ...) have
 * their own handlers in fpu-env.c and never reach this table.
 */
#include "cpu/x86/fpu.h"

enum { M_NONE, M_LOAD, M_STORE };

typedef struct MemOp {
    uint8_t size, dir;
} MemOp;

static const MemOp mem_ops[8][8] = {
    /* D8: FADD..FDIVR m32fp */
    { {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD},
      {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD} },
    /* D9: FLD m32, -, FST m32, FSTP m32, (env) */
    { {4, M_LOAD}, {0, M_NONE}, {4, M_STORE}, {4, M_STORE} },
    /* DA: FIADD..FIDIVR m32int */
    { {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD},
      {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD}, {4, M_LOAD} },
    /* DB: FILD, FISTTP, FIST, FISTP m32int, -, FLD m80, -, FSTP m80 */
    { {4, M_LOAD}, {4, M_STORE}, {4, M_STORE}, {4, M_STORE},
      {0, M_NONE}, {10, M_LOAD}, {0, M_NONE}, {10, M_STORE} },
    /* DC: FADD..FDIVR m64fp */
    { {8, M_LOAD}, {8, M_LOAD}, {8, M_LOAD}, {8, M_LOAD},
      {8, M_LOAD}, {8, M_LOAD}, {8, M_LOAD}, {8, M_LOAD} },
    /* DD: FLD m64, FISTTP m64int, FST m64, FSTP m64, (FRSTOR, -, FNSAVE, FNSTSW) */
    { {8, M_LOAD}, {8, M_STORE}, {8, M_STORE}, {8, M_STORE} },
    /* DE: FIADD..FIDIVR m16int */
    { {2, M_LOAD}, {2, M_LOAD}, {2, M_LOAD}, {2, M_LOAD},
      {2, M_LOAD}, {2, M_LOAD}, {2, M_LOAD}, {2, M_LOAD} },
    /* DF: FILD, FISTTP, FIST, FISTP m16int, FBLD m80, FILD m64, FBSTP m80, FISTP m64 */
    { {2, M_LOAD}, {2, M_STORE}, {2, M_STORE}, {2, M_STORE},
      {10, M_LOAD}, {8, M_LOAD}, {10, M_STORE}, {8, M_STORE} },
};

/* FCOMI, FCOMIP, FUCOMI, FUCOMIP: DB/DF E8..F7 write ZF, PF, CF. */
static bool writes_flags(unsigned esc, unsigned modrm)
{
    return (esc == 3 || esc == 7) && modrm >= 0xe8 && modrm <= 0xf7;
}

static bool filled(const uint8_t *b, unsigned n, uint8_t v)
{
    for (unsigned k = 0; k < n; k++)
        if (b[k] != v)
            return false;
    return true;
}

static void x87_run(X86CPU *cpu, const X86Insn *i)
{
    X86CPUState *s = cpu->s;
    unsigned esc = i->opc & 7, reg = (i->modrm >> 3) & 7;
    const MemOp *m = NULL;
    uint8_t buf[16];
    uint64_t ea = 0, lin = 0;
    unsigned slot;

    x86_fpu_check_nm(cpu);
    x86_fpu_check_pending(cpu);
    memset(buf, 0x5a, sizeof(buf));
    if (i->k1 == K_MEM) {
        m = &mem_ops[esc][reg];
        ea = x86_ea(cpu, i);
        lin = x86_lin(cpu, i->seg, ea, m->size ? m->size : 1u,
                      m->dir == M_STORE ? ACC_WRITE : ACC_READ);
        if (m->dir == M_LOAD)
            x86_fpu_mem_read(cpu, lin, buf, m->size);
        slot = X87_SLOT_MEM + esc * 8 + reg;
    } else {
        slot = esc * 64 + (i->modrm & 63);
    }
    if (!x86_fpu_exec_supported(slot))
        x86_raise_exception(cpu, EXCP_UD);

    X87State nf = s->fpu;
    uint64_t fl = x86_get_rflags(cpu);
    int fast = x86_fpu_exec_fast(&nf, slot, buf);
    unsigned raised = fast >= 0 ? (unsigned)fast : x86_fpu_exec(&nf, slot, buf, &fl);
    if (m && m->dir == M_STORE) {
        bool stored = true;
        if (raised & ~s->fpu.fcw & FSW_EXC) {
            X87State again = s->fpu;
            uint8_t buf2[16];
            uint64_t fl2 = x86_get_rflags(cpu);
            memset(buf2, 0xa5, sizeof(buf2));
            x86_fpu_exec(&again, slot, buf2, &fl2);
            stored = !filled(buf, m->size, 0x5a) && !filled(buf2, m->size, 0xa5);
        }
        if (stored)
            x86_fpu_mem_write(cpu, lin, buf, m->size);
    }
    s->fpu = nf;
    if (writes_flags(esc, i->modrm))
        x86_set_arith(cpu, (uint32_t)fl);
    x86_fpu_record(cpu, i, ea);
    x86_fpu_update_es(cpu);
}

/* Register forms: arithmetic, compare, FXCH, FCMOVcc, constants, transcendentals. */
void x86_op_x87(X86CPU *cpu, const X86Insn *i)
{
    x87_run(cpu, i);
}

/* Memory sources: FLD/FILD/FBLD and the arithmetic and compare forms. */
void x86_op_x87_load(X86CPU *cpu, const X86Insn *i)
{
    x87_run(cpu, i);
}

/* Memory destinations: FST/FSTP/FIST/FISTP/FISTTP/FBSTP. */
void x86_op_x87_store(X86CPU *cpu, const X86Insn *i)
{
    x87_run(cpu, i);
}

/* SPDX-License-Identifier: MIT */
/*
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with and
 * without REP/REPE/REPNE.
 *
 * A REP instruction runs at most X86_REP_BUDGET iterations per execution;
 * if work remains it leaves next_rip at its own address, so the execution
 * loop leaves the block, can deliver interrupts, and runs it again. Each
 * iteration updates RSI/RDI/RCX itself, so a fault in iteration n leaves
 * exactly n-1 iterations done and RIP at the instruction, which is what
 * the architecture promises. The counter and index registers are sized by
 * the address size; the destination segment is always ES (no override).
 */
#include "cpu/x86/x86.h"

#define X86_REP_BUDGET 4096

static inline unsigned dst_seg(const X86CPU *cpu)
{
    return cpu->code_size == 8 ? X86_SEG_NONE : SEG_ES;
}

static inline int64_t str_step(const X86CPU *cpu, unsigned sz)
{
    return (cpu->s->rflags & FLAG_DF) ? -(int64_t)sz : (int64_t)sz;
}

static inline void idx_add(X86CPU *cpu, unsigned r, unsigned asz, int64_t d)
{
    x86_reg_write(cpu, r, asz, cpu->s->regs[r] + (uint64_t)d);
}

/*
 * Run body() once, or under REP while RCX != 0 (and the REPE/REPNE
 * condition holds when 'cond' is set). body returns the ZF it produced
 * for conditional repeats.
 */
#define STRING_LOOP(cpu, i, cond, body)                                        \
    do {                                                                       \
        unsigned asz_ = (i)->asz;                                              \
        if (!((i)->pfx & (PFX_REP | PFX_REPNE))) {                             \
            (void)(body);                                                      \
            break;                                                             \
        }                                                                      \
        for (unsigned n_ = 0;; n_++) {                                         \
            uint64_t cx_ = x86_reg_read((cpu), R_ECX, asz_);                   \
            if (cx_ == 0)                                                      \
                break;                                                         \
            if (n_ == X86_REP_BUDGET) {                                        \
                (cpu)->next_rip = (cpu)->s->rip;                               \
                break;                                                         \
            }                                                                  \
            bool zf_ = (body);                                                 \
            x86_reg_write((cpu), R_ECX, asz_, cx_ - 1);                        \
            if ((cond) && (((i)->pfx & PFX_REP) ? !zf_ : zf_))                 \
                break;                                                         \
        }                                                                      \
    } while (0)

static bool movs_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t si = x86_reg_read(cpu, R_ESI, asz), di = x86_reg_read(cpu, R_EDI, asz);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, i->seg, si), sz);
    x86_st(cpu, x86_lin(cpu, dst_seg(cpu), di), sz, v);
    int64_t d = str_step(cpu, sz);
    idx_add(cpu, R_ESI, asz, d);
    idx_add(cpu, R_EDI, asz, d);
    return false;
}

void x86_op_movs(X86CPU *cpu, const X86Insn *i)
{
    STRING_LOOP(cpu, i, false, movs_one(cpu, i));
}

static bool stos_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t di = x86_reg_read(cpu, R_EDI, asz);
    x86_st(cpu, x86_lin(cpu, dst_seg(cpu), di), sz, cpu->s->regs[R_EAX]);
    idx_add(cpu, R_EDI, asz, str_step(cpu, sz));
    return false;
}

void x86_op_stos(X86CPU *cpu, const X86Insn *i)
{
    STRING_LOOP(cpu, i, false, stos_one(cpu, i));
}

static bool lods_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t si = x86_reg_read(cpu, R_ESI, asz);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, i->seg, si), sz);
    x86_reg_write(cpu, R_EAX, sz, v);
    idx_add(cpu, R_ESI, asz, str_step(cpu, sz));
    return false;
}

void x86_op_lods(X86CPU *cpu, const X86Insn *i)
{
    STRING_LOOP(cpu, i, false, lods_one(cpu, i));
}

static bool cmps_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t si = x86_reg_read(cpu, R_ESI, asz), di = x86_reg_read(cpu, R_EDI, asz);
    uint64_t a = x86_ld(cpu, x86_lin(cpu, i->seg, si), sz);
    uint64_t b = x86_ld(cpu, x86_lin(cpu, dst_seg(cpu), di), sz);
    int64_t d = str_step(cpu, sz);
    idx_add(cpu, R_ESI, asz, d);
    idx_add(cpu, R_EDI, asz, d);
    x86_set_cc(cpu, CC_OP_SUB, sz, (a - b) & x86_size_mask(sz), a, b);
    return a == b;
}

void x86_op_cmps(X86CPU *cpu, const X86Insn *i)
{
    STRING_LOOP(cpu, i, true, cmps_one(cpu, i));
}

static bool scas_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t di = x86_reg_read(cpu, R_EDI, asz);
    uint64_t a = x86_reg_read(cpu, R_EAX, sz);
    uint64_t b = x86_ld(cpu, x86_lin(cpu, dst_seg(cpu), di), sz);
    idx_add(cpu, R_EDI, asz, str_step(cpu, sz));
    x86_set_cc(cpu, CC_OP_SUB, sz, (a - b) & x86_size_mask(sz), a, b);
    return a == b;
}

void x86_op_scas(X86CPU *cpu, const X86Insn *i)
{
    STRING_LOOP(cpu, i, true, scas_one(cpu, i));
}

static bool ins_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint16_t port = (uint16_t)cpu->s->regs[R_EDX];
    uint64_t di = x86_reg_read(cpu, R_EDI, asz);
    uint64_t lin = x86_lin(cpu, dst_seg(cpu), di);
    /* Probe the destination first so a fault does not lose the port read. */
    x86_st(cpu, lin, sz, x86_ld(cpu, lin, sz));
    x86_st(cpu, lin, sz, x86_port_in(cpu, port, sz));
    idx_add(cpu, R_EDI, asz, str_step(cpu, sz));
    return false;
}

void x86_op_ins(X86CPU *cpu, const X86Insn *i)
{
    x86_check_io(cpu, (uint16_t)cpu->s->regs[R_EDX], i->osz);
    STRING_LOOP(cpu, i, false, ins_one(cpu, i));
}

static bool outs_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t si = x86_reg_read(cpu, R_ESI, asz);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, i->seg, si), sz);
    x86_port_out(cpu, (uint16_t)cpu->s->regs[R_EDX], sz, v);
    idx_add(cpu, R_ESI, asz, str_step(cpu, sz));
    return false;
}

void x86_op_outs(X86CPU *cpu, const X86Insn *i)
{
    x86_check_io(cpu, (uint16_t)cpu->s->regs[R_EDX], i->osz);
    STRING_LOOP(cpu, i, false, outs_one(cpu, i));
}

void x86_op_xlat(X86CPU *cpu, const X86Insn *i)
{
    uint64_t ea = (cpu->s->regs[R_EBX] + (cpu->s->regs[R_EAX] & 0xff)) & x86_size_mask(i->asz);
    x86_reg_write(cpu, R_EAX, 1, x86_ld(cpu, x86_lin(cpu, i->seg, ea), 1));
}

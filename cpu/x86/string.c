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
 * REP MOVS/STOS upwards through RAM have a run-at-a-time fast path.
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
    uint64_t v = x86_ld(cpu, x86_lin(cpu, i->seg, si, sz, ACC_READ), sz);
    x86_st(cpu, x86_lin(cpu, dst_seg(cpu), di, sz, ACC_WRITE), sz, v);
    int64_t d = str_step(cpu, sz);
    idx_add(cpu, R_ESI, asz, d);
    idx_add(cpu, R_EDI, asz, d);
    return false;
}

/*
 * Fast path for REP MOVS/STOS going up through RAM: whole runs inside one
 * source and one destination page are done on host memory, element by
 * element in order (so overlapping copies replicate like hardware), with
 * the registers updated after each run. Anything else (DF set, MMIO, code
 * pages, a page boundary inside an element) takes the per-element path,
 * which raises faults precisely.
 */
#define X86_REP_FAST_BUDGET 65536

static uint64_t rep_run_len(uint64_t addr, uint64_t count, unsigned sz)
{
    uint64_t room = (0x1000 - (addr & 0xfff)) / sz;
    return count < room ? count : room;
}

static bool rep_fast_ok(const X86CPU *cpu, const X86Insn *i)
{
    /* Segments that need checks keep the per-element path (and its checks):
     * the source is read (MOVS), ES is written. */
    unsigned src = i->seg < SEG_COUNT ? 1u << i->seg : 0;
    return (i->pfx & (PFX_REP | PFX_REPNE)) && !(cpu->s->rflags & FLAG_DF) && i->asz != 2 &&
           !(cpu->seg_chk & src) && !(cpu->seg_chk_w & (1u << SEG_ES));
}

static void rep_commit(X86CPU *cpu, const X86Insn *i, uint64_t n, bool si, uint64_t cx)
{
    unsigned asz = i->asz;
    idx_add(cpu, R_EDI, asz, (int64_t)(n * i->osz));
    if (si)
        idx_add(cpu, R_ESI, asz, (int64_t)(n * i->osz));
    x86_reg_write(cpu, R_ECX, asz, cx - n);
}

void x86_op_movs(X86CPU *cpu, const X86Insn *i)
{
    if (rep_fast_ok(cpu, i)) {
        unsigned sz = i->osz, asz = i->asz;
        for (uint64_t done = 0; done < X86_REP_FAST_BUDGET;) {
            uint64_t cx = x86_reg_read(cpu, R_ECX, asz);
            if (!cx)
                return;
            uint64_t sl = x86_lin(cpu, i->seg, x86_reg_read(cpu, R_ESI, asz), sz, ACC_READ);
            uint64_t dl = x86_lin(cpu, dst_seg(cpu), x86_reg_read(cpu, R_EDI, asz), sz, ACC_WRITE);
            uint64_t n = rep_run_len(dl, rep_run_len(sl, cx, sz), sz);
            const uint8_t *src = n ? tlb_read_ptr(cpu, sl, sz) : NULL;
            uint8_t *dst = src ? tlb_rmw_ptr(cpu, dl, sz) : NULL;
            if (!dst) {
                movs_one(cpu, i);                       /* slow, precise */
                x86_reg_write(cpu, R_ECX, asz, cx - 1);
                done++;
                continue;
            }
            for (uint64_t k = 0; k < n * sz; k++)
                dst[k] = src[k];
            rep_commit(cpu, i, n, true, cx);
            done += n;
        }
        if (x86_reg_read(cpu, R_ECX, asz))
            cpu->next_rip = cpu->s->rip;                /* more to do: come back */
        return;
    }
    STRING_LOOP(cpu, i, false, movs_one(cpu, i));
}

static bool stos_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t di = x86_reg_read(cpu, R_EDI, asz);
    x86_st(cpu, x86_lin(cpu, dst_seg(cpu), di, sz, ACC_WRITE), sz, cpu->s->regs[R_EAX]);
    idx_add(cpu, R_EDI, asz, str_step(cpu, sz));
    return false;
}

void x86_op_stos(X86CPU *cpu, const X86Insn *i)
{
    if (rep_fast_ok(cpu, i)) {
        unsigned sz = i->osz, asz = i->asz;
        uint64_t v = cpu->s->regs[R_EAX];
        for (uint64_t done = 0; done < X86_REP_FAST_BUDGET;) {
            uint64_t cx = x86_reg_read(cpu, R_ECX, asz);
            if (!cx)
                return;
            uint64_t dl = x86_lin(cpu, dst_seg(cpu), x86_reg_read(cpu, R_EDI, asz), sz, ACC_WRITE);
            uint64_t n = rep_run_len(dl, cx, sz);
            uint8_t *dst = n ? tlb_rmw_ptr(cpu, dl, sz) : NULL;
            if (!dst) {
                stos_one(cpu, i);
                x86_reg_write(cpu, R_ECX, asz, cx - 1);
                done++;
                continue;
            }
            if (sz == 1)
                memset(dst, (int)(v & 0xff), n);
            else
                for (uint64_t k = 0; k < n; k++)
                    x86_host_st(dst + k * sz, sz, v);
            rep_commit(cpu, i, n, false, cx);
            done += n;
        }
        if (x86_reg_read(cpu, R_ECX, asz))
            cpu->next_rip = cpu->s->rip;
        return;
    }
    STRING_LOOP(cpu, i, false, stos_one(cpu, i));
}

static bool lods_one(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz, asz = i->asz;
    uint64_t si = x86_reg_read(cpu, R_ESI, asz);
    uint64_t v = x86_ld(cpu, x86_lin(cpu, i->seg, si, sz, ACC_READ), sz);
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
    uint64_t a = x86_ld(cpu, x86_lin(cpu, i->seg, si, sz, ACC_READ), sz);
    uint64_t b = x86_ld(cpu, x86_lin(cpu, dst_seg(cpu), di, sz, ACC_READ), sz);
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
    uint64_t b = x86_ld(cpu, x86_lin(cpu, dst_seg(cpu), di, sz, ACC_READ), sz);
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
    uint64_t lin = x86_lin(cpu, dst_seg(cpu), di, sz, ACC_WRITE);
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
    uint64_t v = x86_ld(cpu, x86_lin(cpu, i->seg, si, sz, ACC_READ), sz);
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
    x86_reg_write(cpu, R_EAX, 1, x86_ld(cpu, x86_lin(cpu, i->seg, ea, 1, ACC_READ), 1));
}

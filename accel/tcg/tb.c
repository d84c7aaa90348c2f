/* SPDX-License-Identifier: MIT */
/*
 * Translation: decoding a block of guest code into a TB, and finding the TB
 * for a pc (chained successor, jump cache, hash, or a new translation).
 *
 * Fetches go through the code TLB (tlb_code_ptr), which raises #PF for the
 * block's first instruction with RIP at that instruction. An instruction
 * that continues on the next page is only decoded as the first of a block:
 * otherwise the block ends before it, so its fetch fault is precise too.
 * Code in MMIO (no host pointer) is fetched byte by byte through the slow
 * load path into a bounce buffer; such blocks are single instructions.
 *
 * CS limit (outside 64-bit mode): the block's cs_key says how many bytes
 * from pc lie inside it (cs_key + 1, see tcg_cs_key), and decoding never
 * looks past them. An
 * instruction that does not fit (it straddles the limit, or starts past
 * it) becomes the block's last step, a zero-length #GP(0) row: RIP is that
 * instruction's when it runs, the bytes before the limit are not fetched
 * again, and nothing is checked per instruction at run time.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <string.h>

#include "accel/tcg/tcg.h"
#include "cpu/x86/fast.h"
#include "softmmu/log.h"

static void tb_log_in_asm(const TB *tb, const uint8_t *bytes, unsigned code_size)
{
    csh h;
    cs_mode mode = code_size == 8 ? CS_MODE_64 : code_size == 4 ? CS_MODE_32 : CS_MODE_16;
    log_printf("IN: pc=0x%016" PRIx64 " phys=0x%" PRIx64 " (%u insns, %u bytes)\n",
               tb->pc, tb->phys, tb->n, tb->size);
    if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
        return;
    cs_insn *insn;
    size_t n = cs_disasm(h, bytes, tb->size, tb->pc, 0, &insn);
    for (size_t k = 0; k < n; k++)
        log_printf("0x%016" PRIx64 ":  %s %s\n", insn[k].address, insn[k].mnemonic, insn[k].op_str);
    if (n)
        cs_free(insn, n);
    cs_close(&h);
    log_printf("\n");
}

static uint64_t wrap_pc(const X86CPU *cpu, uint64_t pc)
{
    return cpu->lma ? pc : (uint32_t)pc;
}

/*
 * Make insn the #GP(0) of an instruction that runs past CS's limit: the
 * GPLEN row with no length, so that the step sets RIP to the instruction's
 * own address (x86_step_generic: next_rip - len) and faults.
 */
static void tb_limit_fault(X86Insn *insn)
{
    memset(insn, 0, sizeof(*insn));
    insn->op = X86_INSN_GPLEN;
    insn->osz = insn->asz = 4;      /* as the decoder's own fault rows */
}

/*
 * Step functions and plain handlers, chosen last to first with the
 * arithmetic flags live after each instruction (all of them after the last
 * one) and those known to be 0 before it (first to last, none at the
 * block's start): see cpu/x86/fast.h.
 */
static void tb_select_handlers(TB *tb)
{
    uint32_t live = FLAGS_ARITH;
    uint32_t zero_in[TB_MAX_INSNS];     /* flags known to be 0 before each */
    uint32_t zero = 0;
    for (unsigned k = 0; k < tb->n; k++) {
        zero_in[k] = zero;
        zero = x86_insn_zero_out(&tb->insn[k].i, zero);
    }
    for (unsigned k = tb->n; k-- > 0;) {
        const X86Insn *i = &tb->insn[k].i;
        uint32_t use, def;
        tb->insn[k].impl = x86_insn_handler(i);
        tb->insn[k].fn = x86_insn_select(i, live, zero_in[k]);
        x86_insn_flags_known(i, zero_in[k], &use, &def);
        live = (live & ~def) | use;
    }
    /* A compare (or the like) and the Jcc that ends the block: one step. */
    if (tb->n >= 2) {
        X86StepFn pair = x86_insn_select_pair(&tb->insn[tb->n - 2].i, &tb->insn[tb->n - 1].i,
                                               zero_in[tb->n - 2]);
        if (pair)
            tb->insn[tb->n - 2].fn = pair;
    }
}

TB *tb_translate(TcgVcpu *t, uint64_t pc, uint32_t flags, uint32_t cs_key)
{
    X86CPU *cpu = &t->cpu;
    uint64_t phys, phys2;
    uint8_t *host = tlb_code_ptr(cpu, pc, &phys);
    uint8_t bounce[32], logbuf[TB_MAX_INSNS * 15];
    X86DecodeMode mode = { (uint8_t)(flags & 0xff), cpu->features };
    TB *tb = tb_alloc(t);
    unsigned off = 0, page_left = 0x1000 - (unsigned)(pc & 0xfff);
    /* Bytes inside CS's limit, as far as a block can look (a page). */
    uint64_t in_limit = (flags & 0xff) == 8 ? UINT64_MAX : (uint64_t)cs_key + 1;
    unsigned cs_left = in_limit < 0x1000 ? (unsigned)in_limit : 0x1000;
    unsigned first_max = cs_left < 15 ? cs_left : 15;

    tb->pc = pc;
    tb->phys = phys;
    tb->flags = flags;
    tb->cs_key = cs_key;
    for (;;) {
        X86Insn *insn = &tb->insn[tb->n].i;
        X86DecodeStatus st;
        const uint8_t *src = host ? host + off : NULL;
        /* The limit before the page's end: an instruction that does not fit faults. */
        bool at_limit = cs_left < page_left;
        unsigned avail = (at_limit ? cs_left : page_left) - off;
        if (host)
            st = x86_decode(&mode, src, avail, insn);
        else
            st = X86_DEC_MORE;
        if (st == X86_DEC_MORE && host && at_limit) {
            if (log_enabled(LOG_IN_ASM))
                memcpy(logbuf + off, src, avail);
            tb_limit_fault(insn);
            off += avail;           /* what it depends on: invalidated with them */
            tb->n++;
            break;
        }
        if (st == X86_DEC_MORE) {
            if (tb->n > 0)
                break;
            /* First instruction: gather up to 15 bytes across the boundary
             * (or up to the limit, when that comes first). */
            unsigned have = host ? page_left - off : 0;
            if (have)
                memcpy(bounce, src, have);
            for (unsigned k = have; k < first_max; k++) {
                uint64_t a = wrap_pc(cpu, pc + k);
                uint8_t *p2 = tlb_code_ptr(cpu, a, &phys2);
                if (!host || k == have) {
                    if ((phys2 & ~0xfffull) != (phys & ~0xfffull))
                        tb->phys2 = phys2 & ~0xfffull;
                }
                if (p2) {
                    bounce[k] = *p2;
                } else {
                    bounce[k] = (uint8_t)x86_ld(cpu, a, 1);
                }
                if (x86_decode(&mode, bounce, k + 1, insn) != X86_DEC_MORE)
                    break;
            }
            if (x86_decode(&mode, bounce, first_max, insn) == X86_DEC_MORE) {
                tb_limit_fault(insn);
                memcpy(logbuf, bounce, first_max);
                off += first_max;
            } else {
                memcpy(logbuf, bounce, insn->len);
                off += insn->len;
            }
            tb->n++;
            break;
        }
        if (log_enabled(LOG_IN_ASM))
            memcpy(logbuf + off, src, insn->len);
        off += insn->len;
        tb->n++;
        /* REP string instructions may re-execute themselves (next_rip = RIP):
         * like branches, they must be last (see tb_run). */
        bool rep = (x86_insn_attr(insn->op) & A_REP) && (insn->pfx & (PFX_REP | PFX_REPNE));
        if (x86_insn_block_class(insn->op) || rep || off >= page_left ||
            tb->n == TB_MAX_INSNS || (flags & TB_FLAG_ONE))
            break;
    }
    tb->size = (uint16_t)off;
    tb->end = x86_insn_block_class(tb->insn[tb->n - 1].i.op) == A_END;
    tb->ind = x86_insn_block_class(tb->insn[tb->n - 1].i.op) == A_IND;
    tb_select_handlers(tb);
    TBInsn *end = &tb->insn[tb->n];
    memset(end, 0, sizeof(*end));
    unsigned at = 0;
    for (unsigned k = 0; k < tb->n; k++) {
        at += tb->insn[k].i.len;
        tb->insn[k].end = (uint16_t)at;
    }
    end->end = (uint16_t)at;
    /* Blocks that may run in a chain end in a step that follows links. */
    end->fn = x86_step_end_for(&tb->insn[tb->n - 1].i);
    if (!tb->end && !(flags & TB_FLAG_ONE))
        end->fn = end->fn == x86_step_end ? tcg_step_chain : tcg_step_chain_fall;
    end->i.imm = (uint64_t)(uintptr_t)tb;
    if (tb->phys2 == (phys & ~0xfffull))
        tb->phys2 = ~0ull;
    tb_commit(t, tb);
    if (log_enabled(LOG_IN_ASM))
        tb_log_in_asm(tb, logbuf, flags & 0xff);
    return tb;
}

TB *tb_find(TcgVcpu *t, uint64_t pc, uint32_t flags)
{
    X86CPU *cpu = &t->cpu;
    unsigned j = tb_jc_index(pc);
    TB *tb = t->jc[j];
    uint32_t cs_key = tcg_cs_key(cpu);
    if (tb && tb->pc == pc && tb->flags == flags && tb->cs_key == cs_key && !tb->invalid)
        return tb;
    /*
     * RIP already past CS's limit (the last block fell through onto it):
     * #GP(0) here, before a fetch could raise #PF (the limit is checked
     * first). No block is made for it, so the jump cache never holds one.
     */
    if (unlikely(cpu->code_size != 8 && (uint32_t)cpu->s->rip > cpu->s->segs[SEG_CS].limit))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t phys;
    tlb_code_ptr(cpu, pc, &phys);
    tb = tb_lookup(t, pc, phys, flags, cs_key);
    if (tb && tb->phys2 != ~0ull) {
        /*
         * Its first instruction continues on the next page: that page must
         * still map where it did (the hash key is the first page only).
         * Fetching it is what running the instruction would do anyway.
         */
        uint64_t phys2;
        tlb_code_ptr(cpu, wrap_pc(cpu, (pc & ~0xfffull) + 0x1000), &phys2);
        if ((phys2 & ~0xfffull) != tb->phys2)
            tb = NULL;
    }
    if (!tb)
        tb = tb_translate(t, pc, flags, cs_key);
    t->jc[j] = tb;
    return tb;
}

/* SPDX-License-Identifier: MIT */
/*
 * Segmentation: loading segment registers with the checks of each mode,
 * far JMP/CALL/RET, and the instructions that move selectors (MOV Sreg,
 * LDS/LES/LFS/LGS/LSS, ARPL).
 *
 * A segment register's hidden part (SegmentCache) is filled from the
 * descriptor when the selector is loaded and not re-read afterwards, like
 * hardware. In real mode a load only sets selector and base (so "unreal"
 * limits survive); in virtual-8086 mode it also forces a 64 KiB data
 * segment at DPL 3. Protected-mode loads do the SDM's checks in its order,
 * with the selector (RPL cleared) as error code: #GP for type/privilege,
 * #NP (#SS for SS) for a not-present segment. Loading CS or SS changes the
 * mode cache (code and stack size, CPL), hence x86_hflags_update().
 * Far transfers through call gates (with the stack switch and parameter
 * copy), task gates and TSS descriptors (task.c) are implemented.
 *
 * The checks on every data access live here too (x86_seg_check, reached
 * from x86_lin() in x86.h only for segments whose bit is set in the masks
 * x86_seg_chk_update() derives at each mode change): limits over the whole
 * access, expand-down segments, type rights and null selectors.
 */
#include "cpu/x86/x86.h"
#include "softmmu/log.h"

void x86_seg_from_desc(SegmentCache *sc, uint16_t sel, uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    sc->selector = sel;
    sc->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
    sc->attrib = (uint16_t)(((d >> 40) & 0xff) | ((d >> 40) & 0xf000));
    sc->limit = (sc->attrib & SEG_ATTR_G) ? (limit << 12) | 0xfff : limit;
}

/* Address of the descriptor for sel, or 0 with *ok false if outside its table. */
static uint64_t desc_addr(X86CPU *cpu, uint16_t sel, bool *ok)
{
    X86CPUState *s = cpu->s;
    uint64_t base;
    uint32_t limit;
    if (sel & 4) {
        if (!(s->ldt.attrib & SEG_ATTR_P)) {
            *ok = false;
            return 0;
        }
        base = s->ldt.base;
        limit = s->ldt.limit;
    } else {
        base = s->gdt.base;
        limit = s->gdt.limit;
    }
    *ok = (uint32_t)(sel & ~7u) + 7 <= limit;
    uint64_t a = base + (sel & ~7u);
    return cpu->lma ? a : (uint32_t)a;
}

uint64_t x86_desc_read(X86CPU *cpu, uint16_t sel, bool *ok)
{
    uint64_t a = desc_addr(cpu, sel, ok);
    return *ok ? x86_ld_kernel(cpu, a, 8) : 0;
}

static void desc_set_accessed(X86CPU *cpu, uint16_t sel, uint64_t d)
{
    bool ok;
    if (d & (1ull << 40))
        return;
    uint64_t a = desc_addr(cpu, sel, &ok);
    if (ok)
        x86_st_kernel(cpu, a + 5, 1, ((d >> 40) & 0xff) | 1);
}

/* Expand-down data segment: valid offsets are limit+1 .. 0xffff or 4 GiB-1. */
static bool seg_expand_down(uint16_t attrib)
{
    return (attrib & SEG_ATTR_S) && (attrib & 0xc) == 4;
}

void x86_seg_chk_update(X86CPU *cpu)
{
    const X86CPUState *s = cpu->s;
    uint8_t rd = 0, wr = 0;
    /* No segment checks at all in 64-bit mode (FS/GS included). */
    if (cpu->code_size != 8) {
        /* Rights (and the null selector) count in protected mode only. */
        bool rights = cpu->pe && !cpu->vm86;
        for (int k = 0; k < SEG_COUNT; k++) {
            uint16_t a = s->segs[k].attrib;
            bool code = (a & SEG_ATTR_S) && (a & 8);
            bool r = s->segs[k].limit != 0xffffffffu || seg_expand_down(a) ||
                     (rights && (!(a & SEG_ATTR_P) || !(a & SEG_ATTR_S) ||
                                 (code && !(a & 2))));
            bool w = r || (rights && (code || !(a & 2)));
            rd |= (uint8_t)(r << k);
            wr |= (uint8_t)(w << k);
        }
    }
    cpu->seg_chk = rd;
    cpu->seg_chk_w = wr;
}

bool x86_seg_range_ok(const SegmentCache *sc, uint64_t ea, unsigned size)
{
    uint64_t last = ea + size - 1;
    if (seg_expand_down(sc->attrib)) {
        uint64_t upper = (sc->attrib & SEG_ATTR_DB) ? 0xffffffffull : 0xffff;
        return ea > sc->limit && last <= upper;
    }
    /* A 4 GiB segment wraps (like the unchecked flat ones). */
    return last <= sc->limit || sc->limit == 0xffffffffu;
}

void x86_seg_noncanonical(X86CPU *cpu, unsigned seg)
{
    bool stack = seg == SEG_SS || seg == X86_SEG_NONE_SS;
    x86_raise_exception_err(cpu, stack ? EXCP_SS : EXCP_GP, 0);
}

void x86_seg_check(X86CPU *cpu, unsigned seg, uint64_t ea, unsigned size, int acc)
{
    const SegmentCache *sc = &cpu->s->segs[seg];
    int vec = seg == SEG_SS ? EXCP_SS : EXCP_GP;
    uint16_t a = sc->attrib;
    if (cpu->pe && !cpu->vm86) {
        if (!(a & SEG_ATTR_P) || !(a & SEG_ATTR_S))
            x86_raise_exception_err(cpu, vec, 0);          /* null / unusable */
        bool writable = !(a & 8) && (a & 2), readable = !(a & 8) || (a & 2);
        if (acc == ACC_WRITE ? !writable : !readable)
            x86_raise_exception_err(cpu, vec, 0);
    }
    if (!x86_seg_range_ok(sc, ea, size))
        x86_raise_exception_err(cpu, vec, 0);
}

void x86_load_seg_real(X86CPU *cpu, int seg, uint16_t sel)
{
    SegmentCache *sc = &cpu->s->segs[seg];
    sc->selector = sel;
    sc->base = (uint64_t)sel << 4;
    if (cpu->vm86) {
        sc->limit = 0xffff;
        sc->attrib = SEG_ATTR_P | SEG_ATTR_S | (3 << SEG_ATTR_DPL_SHIFT) | 0x3 |
                     (seg == SEG_CS ? 0x8 : 0);
    }
    x86_hflags_update(cpu);
}

/*
 * Validate sel as the stack segment for privilege 'cpl' (a return to an
 * outer level checks the new SS against the new CPL, which is not yet the
 * current one) and describe it in *out, without changing any state.
 */
void x86_check_ss(X86CPU *cpu, uint16_t sel, unsigned cpl, SegmentCache *out)
{
    uint32_t err = sel & 0xfffc;
    if (!err) {
        /* A null SS is allowed in 64-bit mode below CPL 3 (IRETQ, RETF). */
        if (!(cpu->lma && cpl != 3 && (sel & 3) == cpl))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        out->selector = sel;
        out->attrib = (uint16_t)(cpl << SEG_ATTR_DPL_SHIFT);
        out->base = 0;
        out->limit = 0;
        return;
    }
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
    if ((sel & 3) != cpl || dpl != cpl || !((d >> 44) & 1) || (type & 0xa) != 0x2)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_SS, err);
    desc_set_accessed(cpu, sel, d);
    x86_seg_from_desc(out, sel, d | (1ull << 40));
}

void x86_load_seg(X86CPU *cpu, int seg, uint16_t sel)
{
    X86CPUState *s = cpu->s;
    if (!cpu->pe || cpu->vm86) {
        x86_load_seg_real(cpu, seg, sel);
        return;
    }
    unsigned rpl = sel & 3, cpl = cpu->cpl;
    uint32_t err = sel & 0xfffc;
    if ((sel & 0xfffc) == 0) {
        if (seg == SEG_SS && !(cpu->code_size == 8 && cpl != 3 && rpl == cpl))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        SegmentCache *sc = &s->segs[seg];
        sc->selector = sel;
        /* unusable; a null SS (64-bit mode) keeps the DPL that is the CPL */
        sc->attrib = seg == SEG_SS ? (uint16_t)(rpl << SEG_ATTR_DPL_SHIFT) : 0;
        sc->base = 0;
        sc->limit = 0;
        x86_hflags_update(cpu);
        return;
    }
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
    bool sbit = (d >> 44) & 1, present = (d >> 47) & 1;
    if (!sbit)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (seg == SEG_SS) {
        if (rpl != cpl || dpl != cpl || (type & 0xa) != 0x2)
            x86_raise_exception_err(cpu, EXCP_GP, err);
        if (!present)
            x86_raise_exception_err(cpu, EXCP_SS, err);
    } else {
        bool code = type & 8;
        if (code && !(type & 2))
            x86_raise_exception_err(cpu, EXCP_GP, err);      /* execute-only */
        if ((!code || !(type & 4)) && (dpl < cpl || dpl < rpl))
            x86_raise_exception_err(cpu, EXCP_GP, err);
        if (!present)
            x86_raise_exception_err(cpu, EXCP_NP, err);
    }
    desc_set_accessed(cpu, sel, d);
    x86_seg_from_desc(&s->segs[seg], sel, d | (1ull << 40));
    x86_hflags_update(cpu);
}

/* Load CS for a far transfer to a code segment at privilege 'cpl'. */
static void load_cs(X86CPU *cpu, uint16_t sel, uint64_t d, unsigned new_cpl)
{
    SegmentCache *cs = &cpu->s->segs[SEG_CS];
    desc_set_accessed(cpu, sel, d);
    x86_seg_from_desc(cs, (uint16_t)((sel & ~3) | new_cpl), d | (1ull << 40));
    x86_hflags_update(cpu);
}

uint64_t x86_tss_stack_ld(X86CPU *cpu, unsigned off, unsigned size, unsigned span,
                          uint32_t ext)
{
    const SegmentCache *tr = &cpu->s->tr;
    if ((uint64_t)off + span > tr->limit)
        x86_raise_exception_err(cpu, EXCP_TS, (tr->selector & 0xfffc) | ext);
    uint64_t a = tr->base + off;
    return x86_ld_kernel(cpu, cpu->lma ? a : (uint32_t)a, size);
}

/* Check a code-segment descriptor for JMP/CALL far; returns it. */
static uint64_t far_target_desc(X86CPU *cpu, uint16_t sel)
{
    uint32_t err = sel & 0xfffc;
    if (!err)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3, cpl = cpu->cpl;
    if (!((d >> 44) & 1))
        return d;               /* a gate: the caller dispatches on it */
    if (!(type & 8))
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (type & 4) {
        if (dpl > cpl)
            x86_raise_exception_err(cpu, EXCP_GP, err);
    } else if ((sel & 3) > cpl || dpl != cpl) {
        x86_raise_exception_err(cpu, EXCP_GP, err);
    }
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, err);
    return d;
}

uint32_t x86_desc_limit(uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    return (d & (1ull << 55)) ? (limit << 12) | 0xfff : limit;
}

/* Store helpers for a stack that is only committed at the end. */
static void stack_put(X86CPU *cpu, const SegmentCache *ss, uint64_t *sp, uint64_t mask,
                      unsigned size, uint64_t v)
{
    *sp = (*sp - size) & mask;
    uint64_t lin = ss->base + *sp;
    x86_st_kernel(cpu, cpu->lma ? lin : (uint32_t)lin, size, v);
}

/*
 * JMP/CALL far through a call gate (SDM 5.8.4-5.8.6): checks on the gate
 * and on the target code segment, and for a CALL to a more privileged
 * non-conforming segment the stack switch through the TSS with the
 * gate's parameter count copied (none in long mode, where gates are 16
 * bytes and the new SS is a null selector). Task gates and TSS targets go
 * to the task switch.
 */
static void far_via_gate(X86CPU *cpu, uint16_t sel, uint64_t g, bool call, unsigned osz)
{
    X86CPUState *s = cpu->s;
    unsigned type = (g >> 40) & 0xf, gdpl = (g >> 45) & 3, cpl = cpu->cpl;
    uint32_t err = sel & 0xfffc;
    bool lm = cpu->lma;
    if (!lm && (type == 1 || type == 9 || type == 5)) {
        /* A TSS directly, or a task gate naming one. */
        if (gdpl < cpl || gdpl < (sel & 3u))
            x86_raise_exception_err(cpu, EXCP_GP, err);
        if (!((g >> 47) & 1))
            x86_raise_exception_err(cpu, EXCP_NP, err);
        uint16_t tss = type == 5 ? (uint16_t)(g >> 16) : sel;
        x86_task_switch(cpu, tss, call ? X86_TS_CALL : X86_TS_JMP, false, 0, cpu->next_rip);
        return;
    }
    if (lm ? type != 12 : (type != 4 && type != 12))
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (gdpl < cpl || gdpl < (sel & 3u))
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (!((g >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, err);
    uint16_t csel = (uint16_t)(g >> 16);
    uint64_t off = (g & 0xffff) | ((g >> 32) & 0xffff0000);
    if (lm) {
        bool ok;
        uint64_t hi = x86_ld_kernel(cpu, desc_addr(cpu, sel, &ok) + 8, 8);
        if ((hi >> 8) & 0x1f)
            x86_raise_exception_err(cpu, EXCP_GP, err);
        off |= (hi & 0xffffffff) << 32;
    }
    if (type == 4)
        off &= 0xffff;
    if (!(csel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    bool ok;
    uint64_t cd = x86_desc_read(cpu, csel, &ok);
    unsigned ctype = (cd >> 40) & 0xf, dpl = (cd >> 45) & 3;
    bool conforming = ctype & 4;
    if (!ok || !((cd >> 44) & 1) || !(ctype & 8) || dpl > cpl ||
        (!call && !conforming && dpl != cpl))
        x86_raise_exception_err(cpu, EXCP_GP, csel & 0xfffc);
    if (!((cd >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, csel & 0xfffc);
    if (lm && (!((cd >> 53) & 1) || ((cd >> 54) & 1)))
        x86_raise_exception_err(cpu, EXCP_GP, csel & 0xfffc);
    /* The gate's offset: past the target's limit, or (64-bit) non-canonical. */
    if (!x86_far_target_ok(cd, off, lm))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!call) {
        load_cs(cpu, csel, cd, cpl);
        cpu->next_rip = off;
        return;
    }
    unsigned psz = lm ? 8 : type == 12 ? 4 : 2;
    uint64_t ret = cpu->next_rip;
    uint16_t old_cs = s->segs[SEG_CS].selector;
    if (!conforming && dpl < cpl) {
        SegmentCache nss;
        uint64_t nsp, mask;
        if (lm) {
            nsp = x86_tss_stack_ld(cpu, 4 + dpl * 8, 8, 7, 0);
            nss = (SegmentCache){ (uint16_t)dpl, (uint16_t)(dpl << SEG_ATTR_DPL_SHIFT), 0, 0 };
            mask = ~0ull;
        } else {
            bool tss32 = (s->tr.attrib & 8) != 0;
            uint16_t ssel;
            if (tss32) {
                nsp = x86_tss_stack_ld(cpu, 4 + dpl * 8, 4, 7, 0);
                ssel = (uint16_t)x86_tss_stack_ld(cpu, 8 + dpl * 8, 2, 3, 0);
            } else {
                nsp = x86_tss_stack_ld(cpu, 2 + dpl * 4, 2, 3, 0);
                ssel = (uint16_t)x86_tss_stack_ld(cpu, 4 + dpl * 4, 2, 1, 0);
            }
            x86_check_ss(cpu, ssel, dpl, &nss);
            mask = (nss.attrib & SEG_ATTR_DB) ? 0xffffffffull : 0xffff;
        }
        uint64_t old_sp = s->regs[R_ESP];
        const SegmentCache oss = s->segs[SEG_SS];
        unsigned pcount = lm ? 0 : (unsigned)(g >> 32) & 0x1f;
        /* The new stack must hold the whole frame: #SS(new SS) if not. */
        unsigned frame = (4 + pcount) * psz;
        if (!lm && (nsp < frame || !x86_seg_range_ok(&nss, (nsp - frame) & mask, frame)))
            x86_raise_exception_err(cpu, EXCP_SS, nss.selector & 0xfffc);
        /* 64-bit: the 32-byte frame must be canonical (the new SS is null). */
        if (lm && !x86_canonical_range(nsp - frame, frame))
            x86_raise_exception_err(cpu, EXCP_SS, 0);
        uint64_t sp = nsp;
        stack_put(cpu, &nss, &sp, mask, psz, oss.selector);
        stack_put(cpu, &nss, &sp, mask, psz, old_sp);
        for (int k = (int)pcount - 1; k >= 0; k--) {
            uint64_t a = oss.base + ((old_sp + (uint64_t)k * psz) & x86_stack_mask(cpu));
            stack_put(cpu, &nss, &sp, mask, psz, x86_ld(cpu, (uint32_t)a, psz));
        }
        stack_put(cpu, &nss, &sp, mask, psz, old_cs);
        stack_put(cpu, &nss, &sp, mask, psz, ret);
        load_cs(cpu, csel, cd, dpl);
        s->segs[SEG_SS] = nss;
        x86_hflags_update(cpu);
        s->regs[R_ESP] = lm ? sp : (s->regs[R_ESP] & ~mask) | (sp & mask);
        cpu->next_rip = off;
        return;
    }
    uint64_t old_sp = s->regs[R_ESP];
    x86_push(cpu, psz, old_cs);
    x86_push(cpu, psz, ret);
    uint64_t new_sp = s->regs[R_ESP];
    s->regs[R_ESP] = old_sp;
    load_cs(cpu, csel, cd, cpl);
    s->regs[R_ESP] = new_sp;
    cpu->next_rip = off;
    (void)osz;
}

void x86_far_jump(X86CPU *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
    off &= x86_size_mask(osz);
    if (!cpu->pe || cpu->vm86) {
        if (off > cpu->s->segs[SEG_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        x86_load_seg_real(cpu, SEG_CS, sel);
        cpu->next_rip = off;
        return;
    }
    uint64_t d = far_target_desc(cpu, sel);
    if (!((d >> 44) & 1)) {
        far_via_gate(cpu, sel, d, false, osz);
        return;
    }
    bool to64 = cpu->lma && (d & (1ull << 53));
    if (!x86_far_target_ok(d, off, to64))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    load_cs(cpu, sel, d, cpu->cpl);
    cpu->next_rip = off;
}

void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
    X86CPUState *s = cpu->s;
    uint64_t ret = cpu->next_rip;
    uint16_t old_cs = s->segs[SEG_CS].selector;
    off &= x86_size_mask(osz);
    if (!cpu->pe || cpu->vm86) {
        if (off > s->segs[SEG_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        uint64_t sp = s->regs[R_ESP];
        x86_push(cpu, osz, old_cs);
        x86_push(cpu, osz, ret);
        (void)sp;
        x86_load_seg_real(cpu, SEG_CS, sel);
        cpu->next_rip = off;
        return;
    }
    uint64_t d = far_target_desc(cpu, sel);
    if (!((d >> 44) & 1)) {
        far_via_gate(cpu, sel, d, true, osz);
        return;
    }
    bool to64 = cpu->lma && (d & (1ull << 53));
    if (!x86_far_target_ok(d, off, to64))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t old_sp = s->regs[R_ESP];
    x86_push(cpu, osz, old_cs);
    x86_push(cpu, osz, ret);
    uint64_t new_sp = s->regs[R_ESP];
    s->regs[R_ESP] = old_sp;
    load_cs(cpu, sel, d, cpu->cpl);
    s->regs[R_ESP] = new_sp;
    cpu->next_rip = off;
}

/* After a return to outer level 'cpl': data segments it may not use become null. */
void x86_null_outer_data_segs(X86CPU *cpu, unsigned cpl)
{
    static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned k = 0; k < 4; k++) {
        SegmentCache *sc = &cpu->s->segs[data[k]];
        unsigned sdpl = (sc->attrib >> SEG_ATTR_DPL_SHIFT) & 3;
        bool conforming_code = (sc->attrib & 0xc) == 0xc;
        if (!conforming_code && sdpl < cpl && (sc->attrib & SEG_ATTR_S)) {
            sc->selector = 0;
            sc->attrib = 0;
        }
    }
    x86_hflags_update(cpu);
}

void x86_far_return(X86CPU *cpu, unsigned osz, unsigned pop_bytes, bool is_iret)
{
    X86CPUState *s = cpu->s;
    uint64_t smask = x86_stack_mask(cpu);
    unsigned ss_seg = x86_stack_seg(cpu);
    uint64_t sp = s->regs[R_ESP] & smask;
    uint64_t off = x86_ld(cpu, x86_lin(cpu, ss_seg, sp, osz, ACC_READ), osz);
    uint16_t sel = (uint16_t)x86_ld(cpu, x86_lin(cpu, ss_seg, (sp + osz) & smask, osz, ACC_READ),
                                    2);
    if (!cpu->pe || cpu->vm86) {
        if ((off & x86_size_mask(osz)) > s->segs[SEG_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        x86_load_seg_real(cpu, SEG_CS, sel);
        x86_set_sp(cpu, sp + 2 * osz + pop_bytes);
        cpu->next_rip = off & x86_size_mask(osz);
        return;
    }
    uint32_t err = sel & 0xfffc;
    unsigned rpl = sel & 3, cpl = cpu->cpl;
    if (!err || rpl < cpl)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    bool ok;
    uint64_t d = x86_desc_read(cpu, sel, &ok);
    if (!ok)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    unsigned type = (d >> 40) & 0xf, dpl = (d >> 45) & 3;
    if (!((d >> 44) & 1) || !(type & 8))
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if ((type & 4) ? dpl > rpl : dpl != rpl)
        x86_raise_exception_err(cpu, EXCP_GP, err);
    if (!((d >> 47) & 1))
        x86_raise_exception_err(cpu, EXCP_NP, err);
    /* The return offset must lie in the new code segment, or be canonical
     * in 64-bit code. */
    if (!x86_far_target_ok(d, off, cpu->lma && (d & (1ull << 53))))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t nsp = sp + 2 * osz + pop_bytes;
    if (rpl == cpl) {
        load_cs(cpu, sel, d, rpl);
        x86_set_sp(cpu, nsp);
    } else {
        /* Return to an outer level: SS:RSP follow on the stack. */
        uint64_t new_rsp = x86_ld(cpu, x86_lin(cpu, ss_seg, nsp & smask, osz, ACC_READ), osz);
        uint16_t new_ss = (uint16_t)x86_ld(
            cpu, x86_lin(cpu, ss_seg, (nsp + osz) & smask, osz, ACC_READ), 2);
        SegmentCache ss;
        x86_check_ss(cpu, new_ss, rpl, &ss);
        load_cs(cpu, sel, d, rpl);
        s->segs[SEG_SS] = ss;
        x86_hflags_update(cpu);
        x86_reg_write(cpu, R_ESP, cpu->stack_size == 2 ? 2 : (osz == 2 ? 2 : 8), new_rsp + pop_bytes);
        x86_null_outer_data_segs(cpu, rpl);
    }
    cpu->next_rip = off & x86_size_mask(osz);
    x86_hflags_update(cpu);     /* data segments may have become null */
    (void)is_iret;
}

/* ---- instructions ---- */

void x86_op_jmpf(X86CPU *cpu, const X86Insn *i)
{
    x86_far_jump(cpu, i->imm2, i->imm, i->osz);
}

void x86_op_callf(X86CPU *cpu, const X86Insn *i)
{
    x86_far_call(cpu, i->imm2, i->imm, i->osz);
}

static void far_ptr(X86CPU *cpu, const X86Insn *i, uint16_t *sel, uint64_t *off)
{
    unsigned osz = i->osz;
    uint64_t ea = x86_ea(cpu, i);
    /* One segment check for the whole pointer, as on hardware. */
    *off = x86_ld(cpu, x86_lin(cpu, i->seg, ea, osz + 2, ACC_READ), osz);
    *sel = (uint16_t)x86_ld(cpu, x86_lin_nochk(cpu, i->seg, (ea + osz) & x86_size_mask(i->asz)),
                            2);
}

void x86_op_jmpf_ind(X86CPU *cpu, const X86Insn *i)
{
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, i, &sel, &off);
    x86_far_jump(cpu, sel, off, i->osz);
}

void x86_op_callf_ind(X86CPU *cpu, const X86Insn *i)
{
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, i, &sel, &off);
    x86_far_call(cpu, sel, off, i->osz);
}

void x86_op_retf(X86CPU *cpu, const X86Insn *i)
{
    x86_far_return(cpu, i->osz, i->k2 == K_IMM ? (unsigned)i->imm : 0, false);
}

void x86_op_mov_to_sreg(X86CPU *cpu, const X86Insn *i)
{
    unsigned seg = i->r1;           /* the decoder admits 0..5 only */
    if (seg == SEG_CS || seg >= SEG_COUNT)
        x86_raise_exception(cpu, EXCP_UD);
    uint16_t sel = (uint16_t)x86_op2_read_size(cpu, i, 2);
    x86_load_seg(cpu, (int)seg, sel);
    if (seg == SEG_SS)
        cpu->irq_inhibit_next = true;
}

void x86_op_mov_from_sreg(X86CPU *cpu, const X86Insn *i)
{
    unsigned seg = i->r2;
    if (seg >= SEG_COUNT)
        x86_raise_exception(cpu, EXCP_UD);
    uint16_t sel = cpu->s->segs[seg].selector;
    if (i->k1 == K_REG)
        x86_reg_write(cpu, i->r1, i->osz == 2 ? 2 : 4, sel);
    else
        x86_st(cpu, x86_insn_lin(cpu, i, 2, ACC_WRITE), 2, sel);
}

void x86_op_lfp(X86CPU *cpu, const X86Insn *i)
{
    static const int seg_of[] = { [0xc4 & 7] = SEG_ES, [0xc5 & 7] = SEG_DS };
    int seg;
    switch (i->opc) {
    case 0xc4: case 0xc5: seg = seg_of[i->opc & 7]; break;
    case 0xb2: seg = SEG_SS; break;
    case 0xb4: seg = SEG_FS; break;
    default:   seg = SEG_GS; break;
    }
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, i, &sel, &off);
    x86_load_seg(cpu, seg, sel);
    x86_reg_write(cpu, i->r1, i->osz, off);
    if (seg == SEG_SS)
        cpu->irq_inhibit_next = true;
}

void x86_op_arpl(X86CPU *cpu, const X86Insn *i)
{
    if (!cpu->pe || cpu->vm86)
        x86_raise_exception(cpu, EXCP_UD);
    uint64_t lin = 0;
    uint64_t dst = x86_op1_read(cpu, i, &lin, ACC_WRITE);
    uint64_t src = x86_reg_read(cpu, i->r2, 2);
    uint64_t fl = x86_get_rflags(cpu) & ~(uint64_t)FLAG_ZF;
    if ((dst & 3) < (src & 3)) {
        x86_op1_write(cpu, i, lin, (dst & ~3ull) | (src & 3));
        fl |= FLAG_ZF;
    }
    x86_set_arith(cpu, (uint32_t)fl);
}

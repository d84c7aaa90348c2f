/* SPDX-License-Identifier: MIT */
/*
 * Instructions KVM's instruction emulator refuses, done by the engine.
 *
 * On VT-x/AMD-V the guest's instructions run on the processor and KVM's
 * emulator only sees the odd MMIO access or real-mode corner. A KVM that
 * has no hardware extension under it runs guest kernel code in that
 * emulator instead: kvm-pvm, a paravirtual KVM, runs guest user code
 * natively but emulates every CPL0 instruction of a kernel that is not a
 * PVM guest (a stock Linux), and gives that kernel the host's CPUID
 * whatever KVM_SET_CPUID2 said. Linux then uses instructions the emulator
 * lacks, and KVM_RUN stops with an emulation failure that carries the
 * instruction's bytes. The few Linux needs are simple, and are done here on
 * the vCPU's state, which the run loop writes back before the next entry:
 *
 *   INT3          implemented for real mode only in KVM; Linux runs it at
 *                 CPL0 within its first second (the alternatives self-test,
 *                 then text_poke_bp() for static keys and ftrace). Step past
 *                 it and deliver #BP as the trap it is: the handler sees the
 *                 address after it (checked on kvm-pvm, IRETQ resumes there).
 *   POPCNT r, r   Linux's hweight alternative.
 *   CLAC, STAC    SMAP's user-access brackets.
 *   SWAPGS, SYSRET, RD/WR{FS,GS}BASE   the system-call return path and the
 *                 context switch with FSGSBASE.
 *   FWAIT, LFENCE, MFENCE, SFENCE, RDPID, and UD2 (as #UD, for BUG/WARN).
 *   LDMXCSR, STMXCSR   kernel_fpu_begin(); the operand is read or written
 *                 through KVM_TRANSLATE and the machine's memory map.
 *   INVPCID       any type, as a flush of every translation: KVM_SET_SREGS
 *                 with CR4.PGE toggled makes KVM drop the whole shadow
 *                 context, which is what a global flush needs and more than
 *                 any other type needs.
 *
 * In 32-bit protected mode (where boot loaders run, paging off), IRETD to
 * the same level, which KVM implements for real mode only.
 *
 * Only CPL0 is handled (where the emulator is used for the whole kernel);
 * anything else, or an operand form not listed, returns false
 * and the exit stays fatal with its register dump. None of this runs on
 * VT-x/AMD-V, where these instructions never reach the emulator.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm-int.h"
#include "cpu/x86/fxsave.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/memory.h"
#include "softmmu/vcpu.h"

#define CR4_PGE_BIT (1u << 7)

typedef struct KvmInsn {
    const uint8_t *b;
    unsigned len;               /* bytes available */
    unsigned n;                 /* bytes consumed */
    bool opsize, rep;           /* 66, F3 */
    bool addr32;                /* 67 */
    int seg;                    /* 64/65 override: SEG_FS/SEG_GS, else -1 */
    uint8_t rex;
} KvmInsn;

static bool insn_byte(KvmInsn *in, uint8_t *out)
{
    if (in->n >= in->len)
        return false;
    *out = in->b[in->n++];
    return true;
}

/* Bytes of a ModRM operand after the ModRM byte (SIB, displacement). */
static unsigned modrm_tail(const KvmInsn *in, uint8_t modrm)
{
    unsigned mod = modrm >> 6, rm = modrm & 7, t = 0;
    if (mod == 3)
        return 0;
    if (rm == 4) {
        t = 1;
        if (in->n >= in->len)
            return 99;
        if (mod == 0 && (in->b[in->n] & 7) == 5)
            t += 4;
    } else if (mod == 0 && rm == 5) {
        t = 4;                  /* RIP-relative */
    }
    return t + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static void seg_flat(SegmentCache *c, uint16_t sel, uint16_t type, bool code64)
{
    c->selector = sel;
    c->base = 0;
    c->limit = 0xffffffff;
    c->attrib = type | SEG_ATTR_S | (3 << SEG_ATTR_DPL_SHIFT) | SEG_ATTR_P | SEG_ATTR_G |
                (code64 ? SEG_ATTR_L : SEG_ATTR_DB);
}

/* SYSRET to 64-bit (REX.W) or compatibility-mode user code. */
static void do_sysret(X86CPUState *s, bool to64)
{
    uint16_t base = (uint16_t)(s->msr.star >> 48);
    s->rip = to64 ? s->regs[R_ECX] : (uint32_t)s->regs[R_ECX];
    s->rflags = (s->regs[11] & 0x3c7fd7) | 2;
    seg_flat(&s->segs[SEG_CS], (uint16_t)((to64 ? base + 16 : base) | 3), 0xb, to64);
    seg_flat(&s->segs[SEG_SS], (uint16_t)((base + 8) | 3), 0x3, false);
}

/* Drop every translation: two KVM_SET_SREGS, CR4.PGE flipped and back. */
static int flush_all_tlb(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_sregs sr;
    if (kvm_state_put(cpu) < 0 || ioctl(kv->fd, KVM_GET_SREGS, &sr) < 0)
        return -1;
    sr.cr4 ^= CR4_PGE_BIT;
    if (ioctl(kv->fd, KVM_SET_SREGS, &sr) < 0)
        return -1;
    sr.cr4 ^= CR4_PGE_BIT;
    return ioctl(kv->fd, KVM_SET_SREGS, &sr);
}

/*
 * The linear address of a memory operand (64-bit mode), its ModRM byte
 * already consumed; consumes the SIB and displacement. RIP-relative
 * addresses count from the end of the instruction, which for the forms
 * handled here (no immediate) is the end of the displacement.
 */
static bool insn_ea(KvmInsn *in, const X86CPUState *s, uint8_t modrm, uint64_t *out)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    uint64_t ea = 0;
    uint8_t sib = 0, d8;
    bool rip_rel = false;
    if (rm == 4) {
        if (!insn_byte(in, &sib))
            return false;
        unsigned base = (sib & 7) | (in->rex & 1 ? 8 : 0);
        unsigned index = ((sib >> 3) & 7) | (in->rex & 2 ? 8 : 0);
        if (index != 4)
            ea += s->regs[index] << (sib >> 6);
        if ((sib & 7) == 5 && mod == 0)
            mod = 2 + 4;                /* disp32, no base */
        else
            ea += s->regs[base];
    } else if (rm == 5 && mod == 0) {
        rip_rel = true;
        mod = 2 + 4;
    } else {
        ea += s->regs[rm | (in->rex & 1 ? 8 : 0)];
    }
    if (mod == 1) {
        if (!insn_byte(in, &d8))
            return false;
        ea += (uint64_t)(int64_t)(int8_t)d8;
    } else if (mod == 2 || mod == 6) {
        if (in->n + 4 > in->len)
            return false;
        int32_t d32 = (int32_t)(in->b[in->n] | in->b[in->n + 1] << 8 | in->b[in->n + 2] << 16 |
                                (uint32_t)in->b[in->n + 3] << 24);
        in->n += 4;
        ea += (uint64_t)(int64_t)d32;
    }
    if (rip_rel)
        ea += s->rip + in->n;
    if (in->addr32)
        ea = (uint32_t)ea;
    if (in->seg >= 0)
        ea += s->segs[in->seg].base;
    *out = ea;
    return true;
}

/* Guest-virtual memory through the vCPU's page tables (KVM_TRANSLATE). */
static bool guest_access(Vcpu *cpu, uint64_t va, void *buf, unsigned len, bool write)
{
    KvmVcpu *kv = cpu->accel;
    uint8_t *p = buf;
    while (len) {
        struct kvm_translation tr = { .linear_address = va };
        if (ioctl(kv->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid || (write && !tr.writeable))
            return false;
        unsigned chunk = 4096 - (unsigned)(va & 4095);
        if (chunk > len)
            chunk = len;
        bql_lock();
        MemTxResult r = write ? as_write(&cpu->machine->as_mem, tr.physical_address, p, chunk)
                              : as_read(&cpu->machine->as_mem, tr.physical_address, p, chunk);
        bql_unlock();
        if (r != MEMTX_OK)
            return false;
        va += chunk;
        p += chunk;
        len -= chunk;
    }
    return true;
}

/* A fault: delivered with RIP still at the instruction. */
static bool deliver_fault(X86CPUState *s, int vector)
{
    if (s->pending_exception >= 0)
        return false;
    s->pending_exception = vector;
    s->pending_has_error_code = false;
    s->pending_error_code = 0;
    return true;
}

/* Returns the name of what was done, or NULL (state untouched). */
static const char *kvm_emul_one(Vcpu *cpu, KvmInsn *in)
{
    X86CPUState *s = &cpu->state;
    uint8_t op, op2, modrm;

    for (;;) {
        if (!insn_byte(in, &op))
            return NULL;
        if (op == 0x66)
            in->opsize = true;
        else if (op == 0xf3)
            in->rep = true;
        else if (op == 0x67)
            in->addr32 = true;
        else if (op == 0x64 || op == 0x65)
            in->seg = op == 0x64 ? SEG_FS : SEG_GS;
        else if (op != 0x26 && op != 0x2e && op != 0x36 && op != 0x3e)
            break;              /* ES/CS/SS/DS overrides mean nothing in 64-bit mode */
    }
    if ((op & 0xf0) == 0x40) {
        in->rex = op;
        if (!insn_byte(in, &op))
            return NULL;
    }
    if (op == 0xcc && !in->rex && !in->opsize && !in->rep) {
        if (s->pending_exception >= 0)
            return NULL;                /* already delivering something */
        s->rip += in->n;
        s->pending_exception = 3;       /* #BP, a trap */
        s->pending_has_error_code = false;
        s->pending_error_code = 0;
        s->interrupt_shadow = false;
        return "INT3";
    }
    if (op == 0x9b && !in->rex && !in->opsize && !in->rep) {
        /* FWAIT: #NM when CR0.TS and CR0.MP; a pending x87 exception stays fatal. */
        if (s->fpu.fsw & 0x80)
            return NULL;
        if ((s->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
            return deliver_fault(s, 7) ? "FWAIT (#NM)" : NULL;
        s->rip += in->n;
        return "FWAIT";
    }
    if (op != 0x0f || !insn_byte(in, &op2))
        return NULL;

    unsigned rm_reg, reg;
    switch (op2) {
    case 0x01:                          /* group 7, register forms */
        if (!insn_byte(in, &modrm) || in->rep || in->opsize)
            return NULL;
        if (modrm == 0xca || modrm == 0xcb) {
            if (modrm == 0xca)
                s->rflags &= ~(uint64_t)FLAG_AC;
            else
                s->rflags |= FLAG_AC;
            s->rip += in->n;
            return modrm == 0xca ? "CLAC" : "STAC";
        }
        if (modrm == 0xf8) {
            uint64_t t = s->segs[SEG_GS].base;
            s->segs[SEG_GS].base = s->msr.kernel_gs_base;
            s->msr.kernel_gs_base = t;
            s->rip += in->n;
            return "SWAPGS";
        }
        return NULL;
    case 0x07:                          /* SYSRET */
        if (in->rep || in->opsize || !(s->msr.efer & EFER_SCE))
            return NULL;
        do_sysret(s, in->rex & 8);
        return "SYSRET";
    case 0xb8:                          /* POPCNT r, r/m: register form */
        if (!in->rep || !insn_byte(in, &modrm) || (modrm >> 6) != 3)
            return NULL;
        reg = ((modrm >> 3) & 7) | (in->rex & 4 ? 8 : 0);
        rm_reg = (modrm & 7) | (in->rex & 1 ? 8 : 0);
        {
            unsigned size = in->rex & 8 ? 8 : in->opsize ? 2 : 4;
            uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
            uint64_t src = s->regs[rm_reg] & mask;
            uint64_t cnt = (uint64_t)__builtin_popcountll(src);
            if (size == 2)
                s->regs[reg] = (s->regs[reg] & ~0xffffull) | cnt;
            else
                s->regs[reg] = cnt;     /* 32-bit results zero the upper half */
            s->rflags &= ~(uint64_t)(FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF);
            if (!src)
                s->rflags |= FLAG_ZF;
        }
        s->rip += in->n;
        return "POPCNT";
    case 0x0b:                          /* UD2: #UD, a fault (BUG() and WARN() use it) */
        return deliver_fault(s, 6) ? "UD2" : NULL;
    case 0xc7:                          /* RDPID: F3 0F C7 /7, mod 3 */
        if (!in->rep || !insn_byte(in, &modrm) || (modrm & 0xf8) != 0xf8)
            return NULL;
        s->regs[(modrm & 7) | (in->rex & 1 ? 8 : 0)] = s->msr.tsc_aux;
        s->rip += in->n;
        return "RDPID";
    case 0xae:                          /* RD/WR FS/GS BASE: F3 0F AE /0../3, mod 3 */
        if (!insn_byte(in, &modrm))
            return NULL;
        if ((modrm >> 6) != 3 && !in->rep && !in->opsize &&
            (((modrm >> 3) & 7) == 2 || ((modrm >> 3) & 7) == 3)) {
            /* LDMXCSR / STMXCSR m32 (kernel_fpu_begin() loads the default). */
            uint64_t va;
            uint32_t v;
            bool load = ((modrm >> 3) & 7) == 2;
            if (!(s->cr4 & (1u << 9)) || (s->cr0 & CR0_EM) || (s->cr0 & CR0_TS))
                return NULL;            /* #UD / #NM cases: not for here */
            if (!insn_ea(in, s, modrm, &va))
                return NULL;
            if (load) {
                if (!guest_access(cpu, va, &v, 4, false) || (v & ~X86_MXCSR_MASK))
                    return NULL;        /* a fault or #GP: leave it fatal */
                s->mxcsr = v;
            } else {
                v = s->mxcsr;
                if (!guest_access(cpu, va, &v, 4, true))
                    return NULL;
            }
            s->rip += in->n;
            return load ? "LDMXCSR" : "STMXCSR";
        }
        if ((modrm >> 6) != 3)
            return NULL;
        if (!in->rep && !in->opsize && ((modrm >> 3) & 7) >= 5) {
            /* LFENCE, MFENCE, SFENCE: order this thread's accesses, as asked. */
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            s->rip += in->n;
            return "FENCE";
        }
        if (!in->rep || ((modrm >> 3) & 7) > 3)
            return NULL;
        {
            unsigned what = (modrm >> 3) & 7;
            uint64_t *base = &s->segs[what & 1 ? SEG_GS : SEG_FS].base;
            rm_reg = (modrm & 7) | (in->rex & 1 ? 8 : 0);
            bool wide = in->rex & 8;
            if (what < 2)
                s->regs[rm_reg] = wide ? *base : (uint32_t)*base;
            else
                *base = wide ? s->regs[rm_reg] : (uint32_t)s->regs[rm_reg];
            s->rip += in->n;
            static const char *const names[4] = { "RDFSBASE", "RDGSBASE", "WRFSBASE", "WRGSBASE" };
            return names[what];
        }
    case 0x38:                          /* INVPCID: 66 0F 38 82 /r, memory operand */
        if (!in->opsize || in->rep || !insn_byte(in, &op) || op != 0x82 ||
            !insn_byte(in, &modrm) || (modrm >> 6) == 3)
            return NULL;
        {
            unsigned tail = modrm_tail(in, modrm);
            if (in->n + tail > in->len)
                return NULL;
            in->n += tail;
        }
        s->rip += in->n;
        if (flush_all_tlb(cpu) < 0) {
            fprintf(stderr, "tandem: kvm: vCPU %d: INVPCID: cannot flush: %s\n", cpu->index,
                    strerror(errno));
            return NULL;
        }
        return "INVPCID";
    }
    return NULL;
}

/*
 * 32-bit protected mode at CPL0, as boot loaders run it (SYSLINUX's core
 * returns from its interrupt handlers with IRETD, which KVM's emulator
 * implements for real mode only): IRETD to the same privilege level, flat
 * 32-bit stack, no task return.
 */
static const char *kvm_emul_pm32(Vcpu *cpu, KvmInsn *in)
{
    X86CPUState *s = &cpu->state;
    uint8_t op;
    if (!insn_byte(in, &op) || op != 0xcf)
        return NULL;
    if ((s->rflags & FLAG_NT) || !(s->segs[SEG_SS].attrib & SEG_ATTR_DB))
        return NULL;
    uint32_t frame[3];
    uint32_t esp = (uint32_t)s->regs[R_ESP];
    if (!guest_access(cpu, s->segs[SEG_SS].base + esp, frame, sizeof(frame), false))
        return NULL;
    uint16_t sel = (uint16_t)frame[1];
    if ((sel & 3) != 0 || (sel & 4) || (sel | 7u) > s->gdt.limit)
        return NULL;                    /* another ring or the LDT: not for here */
    uint64_t d;
    if (!guest_access(cpu, s->gdt.base + (sel & ~7u), &d, 8, false))
        return NULL;
    uint16_t attrib = (uint16_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
    if (!(attrib & SEG_ATTR_P) || !(attrib & SEG_ATTR_S) || !(attrib & 0x8) ||
        (attrib & SEG_ATTR_L) || !(attrib & SEG_ATTR_DB))
        return NULL;                    /* not a present 32-bit code segment */
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    if (attrib & SEG_ATTR_G)
        limit = (limit << 12) | 0xfff;
    if (frame[2] & FLAG_VM)
        return NULL;                    /* back to virtual-8086 mode */
    s->segs[SEG_CS].selector = sel;
    s->segs[SEG_CS].base = (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000));
    s->segs[SEG_CS].limit = limit;
    s->segs[SEG_CS].attrib = attrib | 1;        /* accessed */
    s->rip = frame[0];
    s->rflags = (frame[2] & 0x3f7fd5) | 2;      /* CPL0: every flag but VM/VIP/VIF rules */
    s->regs[R_ESP] = (s->regs[R_ESP] & ~0xffffffffull) | (uint32_t)(esp + 12);
    return "IRETD";
}

bool kvm_emul_fallback(Vcpu *cpu)
{
    KvmVcpu *kv = cpu->accel;
    struct kvm_run *run = kv->run;
    if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION || run->internal.ndata < 2 ||
        !(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))
        return false;
    KvmInsn in = { .b = run->emulation_failure.insn_bytes, .len = run->emulation_failure.insn_size,
                   .seg = -1 };
    if (in.len == 0 || in.len > sizeof(run->emulation_failure.insn_bytes))
        return false;
    if (kvm_state_get(cpu, false) < 0)
        return false;
    X86CPUState *s = &cpu->state;
    bool long64 = (s->msr.efer & EFER_LMA) && (s->segs[SEG_CS].attrib & SEG_ATTR_L);
    unsigned cpl = (s->segs[SEG_CS].attrib >> SEG_ATTR_DPL_SHIFT) & 3;
    bool pm32 = !(s->msr.efer & EFER_LMA) && (s->cr0 & CR0_PE) && !(s->rflags & FLAG_VM) &&
                (s->segs[SEG_CS].attrib & SEG_ATTR_DB);
    if (cpl != 0 || (!long64 && !pm32))
        return false;
    X86CPUState saved = *s;
    uint64_t rip = s->rip;
    const char *what = long64 ? kvm_emul_one(cpu, &in) : kvm_emul_pm32(cpu, &in);
    if (!what) {
        *s = saved;
        return false;
    }
    kv->state_dirty = true;             /* written back before the next KVM_RUN */
    log_mask_printf(LOG_INT, "kvm: vCPU %d: %s at 0x%llx done by tandem\n", cpu->index, what,
                    (unsigned long long)rip);
    return true;
}

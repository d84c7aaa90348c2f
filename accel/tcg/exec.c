/* SPDX-License-Identifier: MIT */
/*
 * The execution loop of the reference tier.
 *
 * The outer loop, at a block boundary: leave if asked (exit_request), pick
 * up changes made from outside (memory map, A20, TLB shootdowns), take a
 * pending NMI or INTR if it can be delivered (IF set, no STI/MOV SS
 * shadow), return VCPU_EXIT_HALT while halted, then find the next TB and
 * enter the chained loop (tcg_run_chain), which runs blocks and follows
 * their links for as long as nothing needs the outer loop. A block's
 * instructions are threaded steps (see cpu/x86/fast.h), with flag work
 * that no one can observe left out (the liveness pass in tb.c), and its
 * end step (tcg_step_chain) goes on into the linked successor's first step
 * itself, so a loop of linked blocks runs without coming back here. It
 * stops for requests from other threads, which raise the vCPU's
 * 'attention' flag (the only one it polls), after an instruction that set
 * exit_tb or the interrupt shadow (x86_step_generic stops there), and at
 * blocks that end in an A_END instruction (HLT, TF and DR7 change only in
 * those), whose end step just returns. A link made once stays right: the
 * target of a block that is not A_END is found under the same mode and CS,
 * an invalidated target returns here as soon as it is entered (its first
 * step is replaced), and one on another page is followed only while the
 * code TLB still maps it there. A fault unwinds to the sigsetjmp
 * here, which delivers it (through x86_deliver_pending, which may itself
 * unwind) and goes on.
 *
 * Lazy flags are materialised into rflags before returning, so
 * Vcpu.state is architectural whenever the vCPU is outside vcpu_run.
 */
/*
 * Steps end in tail calls (fast.h), and the direct chain of blocks relies
 * on them (exec.c): GCC makes them only from -O2 up unless asked.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("optimize-sibling-calls")
#endif
#include <inttypes.h>

#include "accel/tcg/tcg.h"
#include "softmmu/vcpu.h"
#include "softmmu/main-loop.h"
#include "softmmu/log.h"

static void log_cpu_state(X86CPU *cpu)
{
    X86CPUState *s = cpu->s;
    static const char *const names[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"
    };
    x86_flags_sync(cpu);
    unsigned n = cpu->code_size == 8 ? 16 : 8;
    for (unsigned k = 0; k < n; k++)
        log_printf("%s=%016" PRIx64 "%s", names[k], s->regs[k], (k % 4 == 3) ? "\n" : " ");
    log_printf("rip=%016" PRIx64 " rfl=%08" PRIx64 " cpl=%u cs=%04x ss=%04x ds=%04x "
               "cr0=%08" PRIx64 " cr3=%08" PRIx64 "\n",
               s->rip, s->rflags, cpu->cpl, s->segs[SEG_CS].selector,
               s->segs[SEG_SS].selector, s->segs[SEG_DS].selector, s->cr0, s->cr3);
}

/* -d cpu / -d exec output before running a block. */
static void log_block(X86CPU *cpu, const TB *tb)
{
    X86CPUState *s = cpu->s;
    if (log_enabled(LOG_CPU))
        log_cpu_state(cpu);
    if (log_enabled(LOG_EXEC))
        log_printf("Trace: [%016" PRIx64 "] %04x:%016" PRIx64 " n=%u\n",
                   tb->pc, s->segs[SEG_CS].selector, s->rip, tb->n);
}

/*
 * Run one TB: its steps run one after the other (cpu/x86/fast.h) and
 * return at the end step, with RIP after the block or where its last
 * instruction branched, or early after an instruction that asked for
 * exit_tb (code of this block overwritten, memory map changed).
 */
static inline void tb_run(X86CPU *cpu, const TB *tb)
{
    const TBInsn *e = tb->insn;
    X86StepFn fn = __atomic_load_n(&e->fn, __ATOMIC_RELAXED);     /* as in tcg_chain */
    cpu->block_rip = cpu->s->rip;
    fn(cpu, &e->i, cpu->s);
}

/*
 * INIT and STARTUP. The APIC stores a STARTUP's vector in sipi_vector from
 * another vCPU's thread, holding the big lock; this runs under it too, so a
 * STARTUP that lands while INIT resets the state is neither lost to the
 * reset nor overwritten by the saved value.
 */
static void handle_init_sipi(TcgVcpu *t, uint32_t req)
{
    bql_lock();
    X86CPU *cpu = &t->cpu;
    X86CPUState *s = cpu->s;
    if (req & CPU_INTERRUPT_INIT) {
        /*
         * INIT, as cpu/x86 defines it (x86_cpu_init_state: x87/SSE, MSRs,
         * CR0.CD/NW and a STARTUP already latched survive; an AP then
         * waits for STARTUP, the BSP restarts at the reset vector).
         */
        atomic_fetch_and(&t->vcpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_INIT);
        x86_cpu_init_state(s);
        x86_cpu_fix_reset_edx(cpu);
        x86_hflags_update(cpu);
        tlb_flush(cpu);
        cpu->cc_op = CC_OP_EFLAGS;
    }
    if (req & CPU_INTERRUPT_SIPI) {
        atomic_fetch_and(&t->vcpu->interrupt_request, ~(uint32_t)CPU_INTERRUPT_SIPI);
        if (s->wait_for_sipi && s->sipi_vector >= 0) {
            int v = s->sipi_vector & 0xff;
            s->segs[SEG_CS].selector = (uint16_t)(v << 8);
            s->segs[SEG_CS].base = (uint64_t)v << 12;
            s->rip = 0;
            s->halted = false;
            s->wait_for_sipi = false;
            x86_hflags_update(cpu);
        }
        s->sipi_vector = -1;
    }
    bql_unlock();
}

/* Outside-world checks at a block boundary. */
static void boundary_sync(TcgVcpu *t)
{
    X86CPU *cpu = &t->cpu;
    if (unlikely(atomic_load_explicit(&t->tm->view_gen, memory_order_relaxed) != t->view_gen)) {
        tlb_refresh_view(t);
        tlb_flush(cpu);
        tb_flush(t);            /* physical addresses may now hold other bytes */
    }
    if (unlikely(cpu->a20_seen != cpu->s->a20_enabled)) {
        cpu->a20_seen = cpu->s->a20_enabled;
        x86_hflags_update(cpu);
        tlb_flush(cpu);
    }
    if (unlikely(atomic_load_explicit(&t->flush_tlb, memory_order_relaxed))) {
        atomic_store(&t->flush_tlb, false);
        tlb_flush(cpu);
    }
}

bool tcg_singlestep;
__thread TcgVcpu *tcg_current;

/*
 * Debug mode: one instruction per block, with the instruction breakpoints
 * of DR0-3 (a fault, before the instruction, unless RF), and after the
 * instruction one #DB trap for the TF single-step and the data breakpoints
 * it hit (recorded by the TLB's TLB_WATCH slow path).
 */
static void debug_step(TcgVcpu *t, uint64_t pc)
{
    X86CPU *cpu = &t->cpu;
    X86CPUState *s = cpu->s;
    uint64_t dr7 = s->dr[7];
    if (!(s->rflags & FLAG_RF)) {
        for (unsigned n = 0; n < 4; n++) {
            bool enabled = (dr7 >> (2 * n)) & 3;
            bool exec = ((dr7 >> (16 + 4 * n)) & 3) == 0;
            if (enabled && exec && s->dr[n] == pc) {
                s->dr[6] = (s->dr[6] & ~0xfull) | (1u << n);
                x86_flags_sync(cpu);
                s->rflags |= FLAG_RF;       /* the handler's IRET resumes past it */
                x86_deliver_interrupt(cpu, EXCP_DB);
                return;
            }
        }
    }
    bool tf = s->rflags & FLAG_TF;
    TB *tb = tb_find(t, pc, cpu->code_size | TB_FLAG_ONE);
    if (unlikely(log_enabled(LOG_EXEC | LOG_CPU)))
        log_block(cpu, tb);
    cpu->watch_hits = 0;
    bool rf = s->rflags & FLAG_RF;
    tb_run(cpu, tb);
    /* Completing an instruction clears RF, unless the instruction set it
     * (IRET from a breakpoint handler, popping RF = 1: the instruction it
     * returns to must not hit the breakpoint again). */
    if (rf)
        s->rflags &= ~(uint64_t)FLAG_RF;
    if ((tf || cpu->watch_hits) && !cpu->halt_request) {
        /* Single-step and data breakpoints: one #DB trap after the instruction. */
        s->dr[6] |= cpu->watch_hits | (tf ? 1u << 14 : 0);
        cpu->watch_hits = 0;
        x86_deliver_interrupt(cpu, EXCP_DB);
    }
    if (cpu->irq_inhibit_next) {
        cpu->irq_inhibit_next = false;
        s->interrupt_shadow = true;
    }
    cpu->halt_request = false;
    cpu->exit_tb = false;
}

static VcpuExit tcg_exec_loop(TcgVcpu *t);

/*
 * The successor of tb at pc when no link matched: look it up (or translate
 * it) and link tb to it. A direct branch keeps its target in slot 0 and
 * the fall-through in slot 1; an indirect one (RET above all) keeps its
 * last two targets.
 */
static TB *tb_find_link(TcgVcpu *t, TB *tb, uint64_t pc, uint32_t flags)
{
    uint64_t flushes = t->tbc.flush_count;
    TB *next = tb_find(t, pc, flags);
    /*
     * A full flush while translating reused tb's memory: no link. Nor to a
     * block that spans two pages: tcg_link_ok checks one page, and tb_find
     * checks both.
     */
    if (flushes == t->tbc.flush_count && next->phys2 == ~0ull) {
        unsigned k;
        if (tb->ind)
            k = tb->jmp_next ^= 1;
        else
            k = pc == tb->pc + tb->size ? 1 : 0;
        tb_link(t, tb, k, next, pc);
    }
    return next;
}

/*
 * Optimised builds make every step's call a tail call (sibling-call
 * optimisation, on from -O2 and at -Os, and asked for at the top of the
 * files with steps for -O1 and -Og), so a chain of blocks costs no stack;
 * tests/unit/test-tcg-chain.c runs a million linked blocks in a row to
 * prove it. Without optimisation, or under AddressSanitizer, calls may
 * stay calls, each step a frame: there the direct chain enters at most 16
 * blocks (of at most 65 steps) before it returns to tcg_run_chain.
 */
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
#define TCG_CHAIN_BOUNDED 0
#else
#define TCG_CHAIN_BOUNDED 1
#define TCG_CHAIN_MAX 16u
#endif

/*
 * The block linked from tb at pc that may run next, or NULL. No flags or
 * cs_key test: a block that does not end in an A_END instruction leaves
 * the mode and CS as they were, so a link made from it once (under the
 * flags it was found with) leads to the block for those flags again. A
 * link to another page (jmp_far) holds only while the code TLB still maps
 * that page where it did (tcg_link_ok). No 'invalid' test either: an
 * invalidated block's first step is tcg_step_unlinked (tb-cache.c), which
 * leaves the chain without running it.
 */
static inline __attribute__((always_inline)) TB *tcg_link_next(X86CPU *cpu, const TB *tb,
                                                              uint64_t pc)
{
    TB *next;
    bool far;
    /* Relaxed loads: invalidation (another thread) empties slots (tb_link). */
    if (likely(__atomic_load_n(&tb->jmp_pc[0], __ATOMIC_RELAXED) == pc)) {
        next = __atomic_load_n(&tb->jmp[0], __ATOMIC_RELAXED);
        far = tb->jmp_far[0];
    } else if (__atomic_load_n(&tb->jmp_pc[1], __ATOMIC_RELAXED) == pc) {
        next = __atomic_load_n(&tb->jmp[1], __ATOMIC_RELAXED);
        far = tb->jmp_far[1];
    } else {
        return NULL;
    }
    if (!next)
        __builtin_unreachable();        /* an empty slot holds tb_none */
    if (unlikely(far) && !tcg_link_ok(cpu, tb->pc, next))
        return NULL;
    return next;
}

/*
 * The end steps of a block that is not A_END (tb.c), after a last
 * instruction that sets next_rip or not (x86_step_end_for): unless another
 * thread asked for attention, straight into the linked successor's first
 * step, as a tail call, with the RIP after the block (its fall-through or
 * branch target) as the successor's block_rip: only steps that leave the
 * blocks write RIP itself. exit_tb and the
 * interrupt shadow need no test here: only plain handlers set them, and
 * x86_step_generic ends the run after such an instruction. Without a link
 * (or budget, see TCG_CHAIN_BOUNDED) back to tcg_run_chain, which goes on
 * from chain_tb; for attention it returns with chain_tb NULL.
 *
 * pc is RIP plus chain_base, cut to 32 bits outside long mode
 * (chain_mask): CS and the mode stay as they are in the chain, which
 * leaves at every A_END instruction, exception and interrupt.
 */
static inline __attribute__((always_inline)) void tcg_chain(X86CPU *cpu, const X86Insn *i,
                                                           X86CPUState *s, uint64_t rip)
{
    TcgVcpu *t = tcg_vcpu(cpu);
    TB *tb = (TB *)(uintptr_t)i->imm;
    TB *next;
    if (unlikely(atomic_load_explicit(&t->attention, memory_order_relaxed)))
        goto out;
    next = tcg_link_next(cpu, tb, (rip + t->chain_base) & t->chain_mask);
#if TCG_CHAIN_BOUNDED
    if (next && --t->chain_left == 0)
        next = NULL;
#endif
    if (unlikely(!next)) {
        t->chain_tb = tb;
        goto out;
    }
    const TBInsn *e = next->insn;
    /* Relaxed: another thread's invalidation may be replacing it. */
    X86StepFn fn = __atomic_load_n(&e->fn, __ATOMIC_RELAXED);
    cpu->block_rip = rip;
    fn(cpu, &e->i, s);
    return;
out:
    s->rip = rip;
}

void tcg_step_unlinked(X86CPU *cpu, const X86Insn *i, X86CPUState *s)
{
    (void)i;
    s->rip = cpu->block_rip;        /* tcg_run_chain returns: chain_tb is NULL */
}

void tcg_step_chain(X86CPU *cpu, const X86Insn *i, X86CPUState *s)
{
    tcg_chain(cpu, i, s, cpu->next_rip);
}

void tcg_step_chain_fall(X86CPU *cpu, const X86Insn *i, X86CPUState *s)
{
    tcg_chain(cpu, i, s, x86_step_rip(cpu, i));
}

/*
 * The chained inner loop: run tb, whose end step follows links directly
 * (tcg_step_chain); when that stops for want of a link, find the
 * successor here (linking it) and go on. Other threads' requests
 * (interrupts, kicks, TLB shootdowns, a new memory map) arrive through
 * 'attention'; a block ending in an A_END instruction (I/O, mode or IF
 * changes) has a plain end step and returns here with chain_tb NULL, back
 * to the outer loop for the full check, as does an instruction that set
 * exit_tb or the interrupt shadow (LSS can without A_END). HLT, and
 * whatever can set TF or DR7 (POPF, IRET, SYSRET, MOV DR, task switches),
 * are all A_END, and the outer loop sees TF and DR7 before it enters
 * here: no need to test halt_request, TF or DR7 after every block. While
 * blocks are logged, attention stays raised, so each one comes back here.
 * Kept out of tcg_exec_loop so that its sigsetjmp does not pin this loop's
 * variables to the stack (a fault unwinds through here, which is fine:
 * nothing here needs cleaning up).
 */
static __attribute__((noinline)) void tcg_run_chain(TcgVcpu *t, TB *tb)
{
    X86CPU *cpu = &t->cpu;
    t->chain_base = cpu->s->segs[SEG_CS].base;
    t->chain_mask = cpu->lma ? ~0ull : 0xffffffffull;
    for (;;) {
        if (unlikely(log_enabled(LOG_EXEC | LOG_CPU))) {
            log_block(cpu, tb);
            tcg_attention(t);
        }
#if TCG_CHAIN_BOUNDED
        t->chain_left = TCG_CHAIN_MAX;
#endif
        t->chain_tb = NULL;
        tb_run(cpu, tb);
        TB *last = t->chain_tb;
        if (!last)
            return;
        uint64_t pc = (cpu->s->rip + t->chain_base) & t->chain_mask;
        TB *next = tcg_link_next(cpu, last, pc);
        tb = next ? next : tb_find_link(t, last, pc, cpu->code_size);
    }
}

VcpuExit tcg_exec(TcgVcpu *t)
{
    tcg_current = t;
    VcpuExit e = tcg_exec_loop(t);
    tcg_current = NULL;
    return e;
}

static VcpuExit tcg_exec_loop(TcgVcpu *t)
{
    X86CPU *cpu = &t->cpu;
    X86CPUState *s = cpu->s;
    Vcpu *v = t->vcpu;
    volatile bool inhibit = false;

    if (t->reload) {
        t->reload = false;
        tlb_flush(cpu);
        x86_cpu_fix_reset_edx(cpu);
    }
    cpu->cc_op = CC_OP_EFLAGS;
    x86_hflags_update(cpu);
    tlb_refresh_view(t);

    if (sigsetjmp(cpu->jmpbuf, 0)) {
        /* A fault unwound here: RIP is the faulting instruction. */
        cpu->exit_tb = false;
        cpu->irq_inhibit_next = false;
        cpu->halt_request = false;
        if (cpu->excp_vector >= 0)
            x86_deliver_pending(cpu);
        if (cpu->shutdown) {
            cpu->shutdown = false;
            x86_flags_sync(cpu);
            return VCPU_EXIT_SHUTDOWN;
        }
    }

    for (;;) {
        if (s->interrupt_shadow) {
            s->interrupt_shadow = false;
            inhibit = true;
        }
        /* Cleared before the sources are read: a request after this sets it again. */
        atomic_store(&t->attention, false);
        if (atomic_load_explicit(&v->exit_request, memory_order_relaxed)) {
            atomic_store(&v->exit_request, false);
            x86_flags_sync(cpu);
            s->interrupt_shadow = inhibit;
            return VCPU_EXIT_KICKED;
        }
        boundary_sync(t);

        uint32_t req = atomic_load_explicit(&v->interrupt_request, memory_order_relaxed);
        if (unlikely(req)) {
            if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI))
                handle_init_sipi(t, req);
            if (s->wait_for_sipi) {
                /* INTR and NMI are held while waiting for SIPI. */
            } else if ((req & CPU_INTERRUPT_NMI) && !s->nmi_masked && !inhibit) {
                atomic_fetch_and(&v->interrupt_request, ~(uint32_t)CPU_INTERRUPT_NMI);
                s->nmi_masked = true;
                x86_deliver_interrupt(cpu, EXCP_NMI);
            } else if ((req & CPU_INTERRUPT_HARD) && (s->rflags & FLAG_IF) && !inhibit &&
                       v->irq_ack) {
                bql_lock();
                int vec = v->irq_ack(v);
                bql_unlock();
                if (vec >= 0) {
                    x86_deliver_interrupt(cpu, vec);
                }
            }
        }
        inhibit = false;
        /* An interrupt that could not be taken (IF, shadow): stop at every
         * boundary until it can, as IF or the shadow may change any time. */
        if (atomic_load_explicit(&v->interrupt_request, memory_order_relaxed))
            tcg_attention(t);
        if (s->halted) {
            x86_flags_sync(cpu);
            s->interrupt_shadow = false;
            return VCPU_EXIT_HALT;
        }

        uint64_t pc = s->segs[SEG_CS].base + s->rip;
        if (!cpu->lma)
            pc = (uint32_t)pc;
        uint32_t flags = cpu->code_size;
        if (unlikely((s->rflags & FLAG_TF) || (s->dr[7] & 0xff) || tcg_singlestep)) {
            debug_step(t, pc);
            continue;
        }
        TB *tb = tb_find(t, pc, flags);

        tcg_run_chain(t, tb);
        cpu->exit_tb = false;
        if (cpu->irq_inhibit_next) {
            cpu->irq_inhibit_next = false;
            inhibit = true;
        }
        cpu->halt_request = false;
    }
}

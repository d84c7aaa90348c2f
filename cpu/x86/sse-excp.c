/* SPDX-License-Identifier: MIT */
/*
 * SIMD floating-point exceptions: applying the guest's MXCSR masks to the
 * flags an instruction raised, and raising #XM (#UD without
 * CR4.OSXMMEXCPT) with the destination left unchanged.
 *
 * Lane functions always run with every exception masked (a host SIGFPE in
 * the middle of the emulator is not something to provoke casually), which
 * gives the right results and flags whenever no unmasked exception occurs.
 * When one does, the hardware's flags can differ from the masked ones:
 *  - an unmasked pre-computation exception (invalid, denormal, divide by
 *    zero) stops the instruction before any post-computation exception is
 *    looked at, so only the pre-computation flags of all elements are
 *    reported (they do not depend on the masks);
 *  - with underflow unmasked, a tiny result is an exception even when it is
 *    exact, FTZ does not apply, and PE says whether the result would be
 *    exact with an unbounded exponent.
 * For the second case (and for unmasked overflow and precision), the lanes
 * are run once more on the host with the guest's own masks, inside a
 * sigsetjmp scope that a SIGFPE handler (installed on first use, chaining
 * to whatever handler was there before) unwinds, taking MXCSR from the
 * signal frame: the flags are then the hardware's by construction. A masked
 * run with FTZ forced first tells cheaply whether there is any tiny result
 * at all, so guests that merely unmask underflow pay nothing more until an
 * underflow really happens (F16C, which ignores FTZ, always reruns).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

#include "cpu/x86/sse.h"

#define MXCSR_PRE (MXCSR_IE | MXCSR_DE | MXCSR_ZE)

static void sse_raise(X86CPU *cpu)
{
    x86_raise_exception(cpu, (cpu->s->cr4 & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
}

void x86_sse_fp_commit(X86CPU *cpu, uint32_t flags)
{
    X86CPUState *s = cpu->s;
    uint32_t unmasked = ~(s->mxcsr >> 7) & MXCSR_FLAGS;
    if (flags & unmasked & MXCSR_PRE)
        flags &= MXCSR_PRE;
    s->mxcsr |= flags;
    if (flags & unmasked)
        sse_raise(cpu);
}

#if X86_SIMD_HOST
static __thread sigjmp_buf *sse_fault_jmp;
static __thread volatile uint32_t sse_fault_mxcsr;
static struct sigaction sse_prev_fpe;
static pthread_once_t sse_fpe_once = PTHREAD_ONCE_INIT;

static void sse_fpe_handler(int sig, siginfo_t *si, void *uc)
{
    if (sse_fault_jmp) {
        const ucontext_t *u = uc;
        sse_fault_mxcsr = u->uc_mcontext.fpregs ? u->uc_mcontext.fpregs->mxcsr : 0;
        siglongjmp(*sse_fault_jmp, 1);
    }
    /* not ours: behave as if we were not here */
    if (sse_prev_fpe.sa_flags & SA_SIGINFO) {
        sse_prev_fpe.sa_sigaction(sig, si, uc);
    } else if (sse_prev_fpe.sa_handler == SIG_DFL) {
        signal(SIGFPE, SIG_DFL);
        raise(SIGFPE);
    } else if (sse_prev_fpe.sa_handler != SIG_IGN) {
        sse_prev_fpe.sa_handler(sig);
    }
}

static void sse_fpe_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = sse_fpe_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, &sse_prev_fpe);
}

/* Run one lane with the guest's masks; *faulted when the host trapped. */
static uint32_t sse_run_exact(const SseCall *call, uint32_t mxcsr, bool *faulted)
{
    sigjmp_buf jb;
    uint32_t host;
    SseCtx c = call->c;
    XmmReg r;
    __asm__ volatile("stmxcsr %0" : "=m"(host));
    c.mxcsr = mxcsr & ~(uint32_t)MXCSR_FLAGS;
    c.flags = 0;
    c.x0 = call->has_x0 ? &call->x0 : NULL;
    pthread_once(&sse_fpe_once, sse_fpe_install);
    if (sigsetjmp(jb, 1) == 0) {
        sse_fault_jmp = &jb;
        call->fn(&r, &call->a, &call->b, &c);
        sse_fault_jmp = NULL;
        *faulted = false;
        return c.flags & MXCSR_FLAGS;
    }
    sse_fault_jmp = NULL;
    __asm__ volatile("ldmxcsr %0" : : "m"(host));
    *faulted = true;
    return sse_fault_mxcsr & MXCSR_FLAGS;
}
#endif

void x86_sse_fp_finish(X86CPU *cpu, const SseCall *calls, unsigned n, uint32_t flags)
{
    X86CPUState *s = cpu->s;
    uint32_t unmasked = ~(s->mxcsr >> 7) & MXCSR_FLAGS;
    if (!unmasked) {
        s->mxcsr |= flags;
        return;
    }
    /* (DPPS checks between its steps: a later step's pre-computation
     * exception does not hide an earlier one's post-computation one.) */
    if ((flags & unmasked & MXCSR_PRE) && !(n && calls[0].staged)) {
        s->mxcsr |= flags & MXCSR_PRE;
        sse_raise(cpu);
    }
    bool tiny = (unmasked & MXCSR_UE) && n && calls[0].ftz_blind;
    if ((unmasked & MXCSR_UE) && !tiny) {
        for (unsigned k = 0; k < n && !tiny; k++) {
            SseCtx t = calls[k].c;
            XmmReg r;
            t.flags = 0;
            t.mxcsr |= MXCSR_FTZ;
            t.x0 = calls[k].has_x0 ? &calls[k].x0 : NULL;
            calls[k].fn(&r, &calls[k].a, &calls[k].b, &t);
            tiny = t.flags & MXCSR_UE;
        }
    }
    if (!(flags & unmasked) && !tiny) {
        s->mxcsr |= flags;
        return;
    }
#if X86_SIMD_HOST
    uint32_t exact = 0;
    bool any = false;
    for (unsigned k = 0; k < n; k++) {
        bool f;
        exact |= sse_run_exact(&calls[k], s->mxcsr, &f);
        any |= f;
    }
    s->mxcsr |= exact;
    if (any)
        sse_raise(cpu);
#else
    /* Approximation: UE for tiny results; PE as the masked run saw it. */
    if (tiny)
        flags |= MXCSR_UE;
    s->mxcsr |= flags;
    if (flags & unmasked)
        sse_raise(cpu);
#endif
}

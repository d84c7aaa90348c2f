/* SPDX-License-Identifier: MIT */
/*
 * accel_tcg_ops: the tcg engine behind the accelerator interface.
 *
 * init() registers a memory listener whose commit bumps a generation
 * counter (vCPUs then refresh their FlatView, flush their TLB and TBs at
 * the next block boundary) and installs the memory API's code-write hook,
 * which turns writes by devices and DMA into TB invalidations. Each vCPU
 * gets a TcgVcpu (X86CPU + TB cache + jump cache) in Vcpu.accel.
 */
#include <stdlib.h>
#include <string.h>

#include "accel/tcg/tcg.h"
#include "softmmu/main-loop.h"
#include "cpu/x86/cpuid.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"
#include "softmmu/log.h"

static TcgMachine *tcg_hook_machine;    /* the machine whose code the hook guards */

static bool tcg_available(Error *err)
{
    return true;
}

static void tcg_listener_commit(MemoryListener *l, FlatView *view)
{
    TcgMachine *tm = (TcgMachine *)((char *)l - offsetof(TcgMachine, listener));
    atomic_fetch_add(&tm->view_gen, 1);
    pthread_mutex_lock(&tm->vcpus_lock);
    for (TcgVcpu *t = tm->vcpus; t; t = t->next)
        tcg_attention(t);
    pthread_mutex_unlock(&tm->vcpus_lock);
    /*
     * A vCPU that changed the map itself (an MMIO or port write inside a
     * block) leaves the block after that instruction, so the rest of the
     * block does not run through TLB entries of the old map.
     */
    if (tcg_current && tcg_current->tm == tm)
        tcg_exit_tb(tcg_current);
}

/* mr+offset was written by the memory API: find its guest-physical address(es). */
static void tcg_code_write_hook(AddressSpace *as, MemoryRegion *mr, uint64_t offset,
                                uint64_t len)
{
    TcgMachine *tm = tcg_hook_machine;
    if (!tm || as != &tm->machine->as_mem)
        return;
    FlatView *view = as_get_view(as);
    for (size_t k = 0; k < view->nr; k++) {
        const FlatRange *fr = &view->ranges[k];
        if (fr->mr != mr || offset + len <= fr->offset || offset >= fr->offset + fr->size)
            continue;
        uint64_t from = offset > fr->offset ? offset : fr->offset;
        uint64_t to = offset + len < fr->offset + fr->size ? offset + len : fr->offset + fr->size;
        tb_invalidate_phys_range(tm, fr->start + (from - fr->offset), to - from);
    }
    flatview_unref(view);
}

static int tcg_init(Machine *m, Error *err)
{
    if (x86_cpu_model_check_tcg(m->cpu_model, err) < 0)
        return -1;
    TcgMachine *tm = calloc(1, sizeof(*tm));
    if (!tm)
        return error_setf(err, "tcg: out of memory");
    tm->machine = m;
    pthread_mutex_init(&tm->vcpus_lock, NULL);
    /* One instruction per block, for comparing traces with other emulators. */
    if (getenv("TANDEM_TCG_SINGLESTEP"))
        tcg_singlestep = true;
    if (!m->cpu_model && x86_cpu_model_new(NULL, &tm->default_model, err) < 0) {
        free(tm);
        return -1;
    }
    char missing[256];
    if (x86_cpu_model_unimplemented(m->cpu_model ? m->cpu_model : tm->default_model, missing,
                                    sizeof(missing)))
        log_mask_printf(LOG_UNIMP, "tcg: CPU features not implemented, not advertised: %s\n",
                        missing);
    tm->listener.commit = tcg_listener_commit;
    as_add_listener(&m->as_mem, &tm->listener);
    m->accel_state = tm;
    tcg_hook_machine = tm;
    mem_code_write_hook = tcg_code_write_hook;
    return 0;
}

static void tcg_cleanup(Machine *m)
{
    TcgMachine *tm = m->accel_state;
    if (!tm)
        return;
    as_remove_listener(&m->as_mem, &tm->listener);
    if (tcg_hook_machine == tm) {
        tcg_hook_machine = NULL;
        mem_code_write_hook = NULL;
    }
    x86_cpu_model_free(tm->default_model);
    pthread_mutex_destroy(&tm->vcpus_lock);
    free(tm);
    m->accel_state = NULL;
}

/* The x87's FERR# (CR0.NE clear) goes out through the board's line. */
static void tcg_ferr(X86CPU *cpu, bool asserted)
{
    Vcpu *v = cpu->vcpu;
    if (!v->ferr)
        return;
    bool locked = bql_locked();
    if (!locked)
        bql_lock();
    v->ferr(v, asserted);
    if (!locked)
        bql_unlock();
}

static int tcg_vcpu_init(Vcpu *v, Error *err)
{
    Machine *m = v->machine;
    TcgMachine *tm = m->accel_state;
    TcgVcpu *t = aligned_alloc(64, (sizeof(TcgVcpu) + 63) & ~(size_t)63);
    if (!t)
        return error_setf(err, "tcg: out of memory");
    memset(t, 0, sizeof(*t));
    if (tb_cache_init(&t->tbc, err) < 0) {
        free(t);
        return -1;
    }
    t->vcpu = v;
    t->tm = tm;
    x86_cpu_init(&t->cpu, &v->state, v, m, m->cpu_model ? m->cpu_model : tm->default_model);
    x86_cpu_fix_reset_edx(&t->cpu);
    t->cpu.ferr = tcg_ferr;
    tlb_refresh_view(t);
    pthread_mutex_lock(&tm->vcpus_lock);
    t->next = tm->vcpus;
    tm->vcpus = t;
    pthread_mutex_unlock(&tm->vcpus_lock);
    v->accel = t;
    return 0;
}

static void tcg_vcpu_cleanup(Vcpu *v)
{
    TcgVcpu *t = v->accel;
    if (!t)
        return;
    TcgMachine *tm = t->tm;
    pthread_mutex_lock(&tm->vcpus_lock);
    for (TcgVcpu **pp = &tm->vcpus; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    pthread_mutex_unlock(&tm->vcpus_lock);
    tb_cache_destroy(&t->tbc);
    if (t->view)
        flatview_unref(t->view);
    free(t);
    v->accel = NULL;
}

static VcpuExit tcg_vcpu_run(Vcpu *v)
{
    return tcg_exec(v->accel);
}

static void tcg_vcpu_kick(Vcpu *v)
{
    /* exit_request or interrupt_request changed: look at them soon. */
    TcgVcpu *t = v->accel;
    if (t)
        tcg_attention(t);
}

static void tcg_sync_state(Vcpu *v)
{
    /* Vcpu.state is architectural whenever vcpu_run is not running. */
}

static void tcg_state_changed(Vcpu *v)
{
    TcgVcpu *t = v->accel;
    if (t)
        t->reload = true;
}

/*
 * Forget the TLB entries of the virtual page at addr on every vCPU: the
 * calling vCPU does it now (it is between two instructions of its own
 * thread); the others flush their whole TLB at their next block boundary,
 * which is sooner than any instruction of theirs could observe the page.
 */
static void tcg_flush_page(Machine *m, uint64_t addr)
{
    TcgMachine *tm = m->accel_state;
    TcgVcpu *self = tcg_current;
    if (!tm)
        return;
    pthread_mutex_lock(&tm->vcpus_lock);
    for (TcgVcpu *t = tm->vcpus; t; t = t->next) {
        if (t == self) {
            tlb_flush_page(&t->cpu, addr);
            tcg_exit_tb(t);             /* re-find the next block through the TLB */
        } else {
            atomic_store(&t->flush_tlb, true);
            tcg_attention(t);
        }
    }
    pthread_mutex_unlock(&tm->vcpus_lock);
}

static void tcg_invalidate_code(Machine *m, uint64_t addr, uint64_t len)
{
    if (m->accel_state)
        tb_invalidate_phys_range(m->accel_state, addr, len);
}

const AccelOps accel_tcg_ops = {
    .name = "tcg",
    .available = tcg_available,
    .init = tcg_init,
    .cleanup = tcg_cleanup,
    .vcpu_init = tcg_vcpu_init,
    .vcpu_cleanup = tcg_vcpu_cleanup,
    .vcpu_run = tcg_vcpu_run,
    .vcpu_kick = tcg_vcpu_kick,
    .sync_state = tcg_sync_state,
    .state_changed = tcg_state_changed,
    .invalidate_code = tcg_invalidate_code,
    .flush_page = tcg_flush_page,
};

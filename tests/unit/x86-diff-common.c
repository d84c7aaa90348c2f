/* SPDX-License-Identifier: MIT */
/* Shared tandem side of the x86 differential tests: see x86-diff-common.h. */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "softmmu/memory.h"

uint64_t x86_diff_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

void x86_diff_wr64(uint8_t *ram, uint64_t a, uint64_t v)
{
    memcpy(ram + a, &v, 8);
}

static int x86_diff_init_flags(Machine *dm, MachineConfig *cfg, Vcpu *dv, uint8_t **dram,
                               uint8_t **hpage, uint64_t gpage, int mmap_flags)
{
    Error err = { 0 };
    dm->cfg = cfg;
    mr_init_container(&dm->sysmem, "system", UINT64_MAX);
    if (mr_init_ram(&dm->ram, "ram", 4u << 20, &err) < 0)
        return -1;
    mr_add_subregion(&dm->sysmem, 0, &dm->ram);
    as_init(&dm->as_mem, &dm->sysmem, "memory");
    mr_init_container(&dm->iomem, "io", 0x10000);
    as_init(&dm->as_io, &dm->iomem, "io");
    uint8_t *ram = *dram = mr_ram_ptr(&dm->ram);
    dm->accel = &accel_tcg_ops;
    if (accel_tcg_ops.init(dm, &err) < 0)
        return -1;
    dv->machine = dm;
    x86_cpu_reset_state(&dv->state, 0);
    if (accel_tcg_ops.vcpu_init(dv, &err) < 0)
        return -1;
    x86_diff_wr64(ram, 0x20000, 0x21000 | 7);
    x86_diff_wr64(ram, 0x21000, 0x22000 | 7);
    x86_diff_wr64(ram, 0x22000, 0x87);
    /* Below 2 GiB (MAP_32BIT) the page is also 64 KiB aligned, so that a
     * 16-bit segment based at it has the page at offset 0 and SP equals the
     * low half of the page's linear stack address. */
    size_t span = mmap_flags ? 0x20000 : 4096;
    uint8_t *hp = mmap(NULL, span, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | mmap_flags, -1, 0);
    *hpage = hp;
    if (hp == MAP_FAILED)
        return -1;
    if (mmap_flags) {
        uint8_t *al = (uint8_t *)(((uintptr_t)hp + 0xffff) & ~(uintptr_t)0xffff);
        if (al > hp)
            munmap(hp, (size_t)(al - hp));
        munmap(al + 4096, span - (size_t)(al - hp) - 4096);
        *hpage = hp = al;
    }
    /* The guest sees its code page at the host page's address, so RIP,
     * RIP-relative operands and pointers into the page are the same. */
    uint64_t hv = (uint64_t)(uintptr_t)hp;
    x86_diff_wr64(ram, 0x20000 + ((hv >> 39) & 511) * 8, 0x23000 | 7);
    x86_diff_wr64(ram, 0x23000 + ((hv >> 30) & 511) * 8, 0x24000 | 7);
    x86_diff_wr64(ram, 0x24000 + ((hv >> 21) & 511) * 8, 0x25000 | 7);
    x86_diff_wr64(ram, 0x25000 + ((hv >> 12) & 511) * 8, gpage | 7);
    return 0;
}

int x86_diff_init(Machine *dm, MachineConfig *cfg, Vcpu *dv, uint8_t **dram,
                  uint8_t **hpage, uint64_t gpage)
{
    return x86_diff_init_flags(dm, cfg, dv, dram, hpage, gpage, 0);
}

int x86_diff_init_low(Machine *dm, MachineConfig *cfg, Vcpu *dv, uint8_t **dram,
                      uint8_t **hpage, uint64_t gpage)
{
    return x86_diff_init_flags(dm, cfg, dv, dram, hpage, gpage, MAP_32BIT);
}

void x86_diff_clean(Machine *dm, Vcpu *dv, uint8_t *hpage)
{
    accel_tcg_ops.vcpu_cleanup(dv);
    accel_tcg_ops.cleanup(dm);
    as_destroy(&dm->as_io);
    as_destroy(&dm->as_mem);
    mr_destroy(&dm->iomem);
    mr_destroy(&dm->ram);
    mr_destroy(&dm->sysmem);
    munmap(hpage, 4096);
}

void x86_diff_place_guest(Machine *dm, uint8_t *ram, uint64_t gpa, const uint8_t *insn,
                          unsigned len)
{
    memcpy(ram + gpa, insn, len);
    ram[gpa + len] = 0xf4;                                      /* hlt */
    accel_tcg_ops.invalidate_code(dm, gpa, len + 1);
}

void x86_diff_vectors(uint8_t *hlt, uint64_t hlt_lin, uint8_t *idt, unsigned width,
                      uint16_t sel)
{
    for (unsigned v = 0; v < 32; v++) {
        uint64_t h = hlt_lin + v;
        uint64_t gate[2] = { (h & 0xffff) | ((uint64_t)sel << 16) | (0x8eull << 40) |
                             (((h >> 16) & 0xffff) << 48), h >> 32 };
        hlt[v] = 0xf4;
        if (idt)
            memcpy(idt + v * width, gate, width);
    }
}

static sigjmp_buf x86_diff_jmp;
static X86DiffFault *x86_diff_fault;

static void x86_diff_on_signal(int sig, siginfo_t *si, void *ctx)
{
    static const int gr[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11,
                                REG_R12, REG_R13, REG_R14, REG_R15 };
    const greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
    (void)sig;
    (void)si;
    x86_diff_fault->vector = (int)g[REG_TRAPNO];
    for (unsigned r = 0; r < 16; r++)
        x86_diff_fault->regs[r] = (uint64_t)g[gr[r]];
    x86_diff_fault->rip = (uint64_t)g[REG_RIP];
    x86_diff_fault->rflags = (uint64_t)g[REG_EFL];
    siglongjmp(x86_diff_jmp, 1);
}

void x86_diff_signals(bool on)
{
    static const int sigs[] = { SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGTRAP };
    static struct sigaction old[5];
    static uint8_t altstack[64 * 1024];
    if (on) {
        stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
        sigaltstack(&ss, NULL);
        struct sigaction sa = { .sa_sigaction = x86_diff_on_signal,
                                .sa_flags = SA_SIGINFO | SA_ONSTACK };
        sigemptyset(&sa.sa_mask);
        for (unsigned k = 0; k < 5; k++)
            sigaction(sigs[k], &sa, &old[k]);
    } else {
        for (unsigned k = 0; k < 5; k++)
            sigaction(sigs[k], &old[k], NULL);
    }
}

bool x86_diff_call(void (*fn)(void), X86DiffFault *f)
{
    x86_diff_fault = f;
    if (sigsetjmp(x86_diff_jmp, 1))
        return true;
    fn();
    return false;
}

uint64_t x86_diff_value(uint64_t *state)
{
    static const uint64_t edge[] = {
        0, 1, 2, ~0ull, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
        0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, 0x100, 0x10000, 0x100000000ull,
    };
    switch (x86_diff_xorshift(state) % 4) {
    case 0: return edge[x86_diff_xorshift(state) % (sizeof(edge) / sizeof(edge[0]))];
    case 1: return x86_diff_xorshift(state) & 0xff;
    default: return x86_diff_xorshift(state);
    }
}

bool x86_diff_host_has(const char *feat)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!feat)
        return true;
    if (!strcmp(feat, "popcnt")) { __get_cpuid(1, &a, &b, &c, &d); return c & (1u << 23); }
    if (!strcmp(feat, "movbe"))  { __get_cpuid(1, &a, &b, &c, &d); return c & (1u << 22); }
    if (!strcmp(feat, "abm"))    { __get_cpuid(0x80000001, &a, &b, &c, &d); return c & (1u << 5); }
    if (!strcmp(feat, "adx"))    { __get_cpuid_count(7, 0, &a, &b, &c, &d); return b & (1u << 19); }
    if (!strcmp(feat, "bmi1"))   { __get_cpuid_count(7, 0, &a, &b, &c, &d); return b & (1u << 3); }
    if (!strcmp(feat, "bmi2"))   { __get_cpuid_count(7, 0, &a, &b, &c, &d); return b & (1u << 8); }
    return false;
}

uint64_t x86_diff_defined_flags(unsigned fl, unsigned bits, unsigned count)
{
    const uint64_t arith = X86_DIFF_ARITH;
    unsigned c = count & (bits == 64 ? 63 : 31);
    switch (fl) {
    case FL_ALL: return arith;
    case FL_LOGIC: return arith & ~FLAG_AF;
    case FL_MUL: return FLAG_CF | FLAG_OF;
    case FL_NONE: return 0;
    case FL_CF: return FLAG_CF;
    case FL_ZF: return FLAG_ZF;
    case FL_CFZF: return FLAG_CF | FLAG_ZF;
    case FL_SZCO: return FLAG_SF | FLAG_ZF | FLAG_CF | FLAG_OF;
    case FL_ZCO: return FLAG_ZF | FLAG_CF | FLAG_OF;
    case FL_DAA: return arith & ~FLAG_OF;
    case FL_AAA: return FLAG_AF | FLAG_CF;
    case FL_SZP: return FLAG_SF | FLAG_ZF | FLAG_PF;
    case FL_SHIFT:
        if (c == 0) return arith;
        if (c == 1) return FLAG_CF | FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF;
        return (c <= bits ? FLAG_CF : 0) | FLAG_SF | FLAG_ZF | FLAG_PF;
    case FL_ROT: case FL_RC:
        if (c == 0) return arith;
        return (arith & ~FLAG_OF) | (c == 1 ? FLAG_OF : 0);
    case FL_SHD:
        if (c == 0) return arith;
        if (c > bits) return 0;
        return FLAG_CF | FLAG_SF | FLAG_ZF | FLAG_PF | (c == 1 ? FLAG_OF : 0);
    }
    return arith;
}

/* SPDX-License-Identifier: MIT */
/*
 * The kvm engine against real KVM: a machine built by hand (memory API, RAM,
 * a ROM, an MMIO device, an I/O port device, one vCPU) runs tiny real-mode
 * and protected-mode snippets, and the tests check what the devices saw,
 * the exits, and the state that comes back.
 *
 * Snippets are written in assembly below (the host assembler encodes them,
 * so they stay readable) and copied into guest RAM at KT_CODE.
 *
 * Skipping: when /dev/kvm is missing or unusable, no suite is registered and
 * unit_skip() makes the binary exit 77 with accel_kvm_ops.available()'s
 * reason, which tests/run-tests.sh reports as "SKIP": a reader sees that
 * nothing was tested and why, not a pass.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "accel/kvm/kvm-int.h"
#include "accel/accel.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"
#include "cpu/x86/cpuid.h"

/* What the engine calls outside the memory API; the real ones win if linked. */
__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    atomic_store(&m->shutdown_requested, true);
    m->exit_status = status;
}

#define KT_RAM_SIZE  0x100000ull    /* 1 MiB at 0 */
#define KT_ROM_BASE  0x100000ull    /* 4 KiB of ROM */
#define KT_HI_BASE   0x300000ull    /* a second RAM region, moved by a test */
#define KT_MMIO_BASE 0x200000ull
#define KT_CODE      0x1000u
#define KT_DATA      0x2000u
#define KT_GDT       0x3000u
#define KT_PORT      0x10           /* 16 ports of the I/O test device */

/* A snippet: bytes between name and name_end, assembled in the given mode. */
#define KT_CODE_SNIPPET(name, mode, body)                                   \
    __asm__(".pushsection .rodata\n.global " #name "\n.hidden " #name "\n"   \
            #name ":\n" mode "\n" body "\n.code64\n.global " #name "_end\n"   \
            ".hidden " #name "_end\n" #name "_end:\n.popsection\n");         \
    extern const uint8_t name[], name##_end[]

KT_CODE_SNIPPET(kt_pio_out, ".code16",
    "movb $0x42, %al\n outb %al, $0x10\n"
    "movw $0x1234, %ax\n outw %ax, $0x12\n"
    "movl $0xdeadbeef, %eax\n outl %eax, $0x14\n"
    "hlt\n");
KT_CODE_SNIPPET(kt_pio_in, ".code16",
    "inb $0x10, %al\n movb %al, %bl\n"
    "inw $0x12, %ax\n movw %ax, %cx\n"
    "inl $0x14, %eax\n movl %eax, %edx\n"
    "hlt\n");
/* rep outsb of 8 bytes at KT_DATA, then rep insw of 4 words to KT_DATA+0x100. */
KT_CODE_SNIPPET(kt_pio_string, ".code16",
    "cld\n movw $0x18, %dx\n movw $0x2000, %si\n movw $8, %cx\n rep outsb\n"
    "movw $0x2100, %di\n movw $4, %cx\n rep insw\n"
    "hlt\n");
KT_CODE_SNIPPET(kt_mmio, ".code32",
    "movl $0xcafef00d, 0x200000\n"
    "movw $0xbeef, 0x200008\n"
    "movl 0x200010, %eax\n"
    "movb 0x200019, %bl\n movw 0x20001a, %cx\n"
    "hlt\n");
KT_CODE_SNIPPET(kt_rom, ".code32",
    "movb $0x55, 0x100000\n movb 0x100000, %al\n"
    "movl 0x100004, %ebx\n hlt\n");
KT_CODE_SNIPPET(kt_hi, ".code32",
    "movl (%esi), %eax\n hlt\n");
KT_CODE_SNIPPET(kt_gpr_hlt, ".code32",
    "movl $0x13579bdf, %edi\n hlt\n hlt\n");
/* FXSAVE what the engine put in; FXRSTOR an image the test wrote. */
KT_CODE_SNIPPET(kt_fxsave_fxrstor, ".code32",
    "fxsave 0x2000\n fxrstor 0x2200\n hlt\n");
KT_CODE_SNIPPET(kt_ud2, ".code32", "ud2\n");
KT_CODE_SNIPPET(kt_cpuid, ".code32",
    "xorl %eax, %eax\n cpuid\n"
    "movl %eax, 0x2000\n movl %ebx, 0x2004\n movl %ecx, 0x2008\n movl %edx, 0x200c\n"
    "movl $1, %eax\n cpuid\n"
    "movl %eax, 0x2010\n movl %ebx, 0x2014\n movl %ecx, 0x2018\n movl %edx, 0x201c\n"
    "hlt\n");
KT_CODE_SNIPPET(kt_spin, ".code16", "1: jmp 1b\n");
/* IVT entry 0x20 points at the handler at KT_CODE+0x100 (set up by the test). */
KT_CODE_SNIPPET(kt_sti_hlt, ".code16", "sti\n hlt\n movb $0x77, %al\n outb %al, $0x11\n hlt\n");
KT_CODE_SNIPPET(kt_irq_handler, ".code16", "movb $0x99, %al\n outb %al, $0x10\n iret\n");

/* ------------------------------------------------------------------ */
/* The hand-built machine                                             */

typedef struct KtAccess {
    uint64_t addr;
    unsigned size;
    uint64_t val;
} KtAccess;

static struct {
    MachineConfig cfg;
    Machine m;
    MemoryRegion rom, hi, mmio, ioport;
    Vcpu *cpu;
    KtAccess io[64];
    int nr_io;
    KtAccess mmio_log[16];
    int nr_mmio;
    int irq_acks;
    X86CPUModel *model;         /* NULL: the host's CPUID */
} kt;

static uint64_t kt_io_read(void *opaque, uint64_t addr, unsigned size)
{
    /* 0xa0+port in every byte: which port and size was asked is visible. */
    uint64_t v = 0x0101010101010101ull * (0xa0 + addr);
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void kt_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    if (kt.nr_io < 64)
        kt.io[kt.nr_io++] = (KtAccess){ addr, size, val };
}

static const MemoryRegionOps kt_io_ops = { .read = kt_io_read, .write = kt_io_write };

static uint64_t kt_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = 0x8877665544332211ull + addr;
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void kt_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    if (kt.nr_mmio < 16)
        kt.mmio_log[kt.nr_mmio++] = (KtAccess){ addr, size, val };
}

static const MemoryRegionOps kt_mmio_ops = { .read = kt_mmio_read, .write = kt_mmio_write };

static int kt_irq_ack(Vcpu *cpu)
{
    kt.irq_acks++;
    vcpu_reset_interrupt(cpu, CPU_INTERRUPT_HARD);
    return 0x20;
}

/* Not linked from softmmu/vcpu.c: the test has no vCPU threads. */
__attribute__((weak)) void vcpu_reset_interrupt(Vcpu *cpu, uint32_t mask)
{
    atomic_fetch_and(&cpu->interrupt_request, ~mask);
}

static void kt_seg(SegmentCache *c, uint16_t sel, uint64_t base, uint32_t limit,
                   uint16_t attrib)
{
    *c = (SegmentCache){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

/* Real mode, CS:IP = 0:KT_CODE, as after a far jump from the BIOS. */
static void kt_state_real(X86CPUState *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < SEG_COUNT; i++)
        kt_seg(&s->segs[i], 0, 0, 0xffff, SEG_ATTR_P | SEG_ATTR_S | 0x3);
    kt_seg(&s->segs[SEG_CS], 0, 0, 0xffff, SEG_ATTR_P | SEG_ATTR_S | 0xb);
    kt_seg(&s->ldt, 0, 0, 0xffff, SEG_ATTR_P | 0x2);
    kt_seg(&s->tr, 0, 0, 0xffff, SEG_ATTR_P | 0xb);
    s->gdt.limit = s->idt.limit = 0xffff;
    s->rip = KT_CODE;
    s->rflags = 2;
    s->regs[R_ESP] = 0x8000;
    s->cr0 = CR0_ET;
    s->cr4 = 0x600;                 /* OSFXSR | OSXMMEXCPT: SSE usable */
    s->xcr0 = 1;
    s->fpu.fcw = 0x37f;
    s->fpu.ftw = 0xffff;
    s->mxcsr = 0x1f80;
    s->msr.apic_base = 0xfee00900;  /* enabled, BSP */
    s->msr.pat = 0x0007040600070406ull;
    s->pending_exception = -1;
    s->sipi_vector = -1;
    s->a20_enabled = true;
}

/* Flat 32-bit protected mode, paging off, as a multiboot loader leaves it. */
static void kt_state_flat32(X86CPUState *s)
{
    kt_state_real(s);
    for (int i = 0; i < SEG_COUNT; i++)
        kt_seg(&s->segs[i], 0x10, 0, 0xffffffff,
               SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G | 0x3);
    kt_seg(&s->segs[SEG_CS], 0x08, 0, 0xffffffff,
           SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G | 0xb);
    s->gdt.base = KT_GDT;
    s->gdt.limit = 0x17;
    s->cr0 = CR0_PE | CR0_ET;
}

static int kt_init(void)
{
    Error err = { 0 };
    X86CPUModel *model = kt.model;
    memset(&kt, 0, sizeof(kt));
    kt.model = model;
    kt.cfg.smp = 1;
    kt.cfg.ram_size = KT_RAM_SIZE;
    Machine *m = &kt.m;
    m->cfg = &kt.cfg;
    mr_init_container(&m->sysmem, "system", UINT64_MAX);
    mr_init_container(&m->iomem, "io", 0x10000);
    as_init(&m->as_mem, &m->sysmem, "memory");
    as_init(&m->as_io, &m->iomem, "I/O");
    if (mr_init_ram(&m->ram, "ram", KT_RAM_SIZE, &err) < 0 ||
        mr_init_rom(&kt.rom, "rom", 0x1000, &err) < 0 ||
        mr_init_ram(&kt.hi, "hi", 0x1000, &err) < 0) {
        fprintf(stderr, "test-kvm: %s\n", err.msg);
        return -1;
    }
    mr_add_subregion(&m->sysmem, 0, &m->ram);
    mr_add_subregion(&m->sysmem, KT_ROM_BASE, &kt.rom);
    mr_add_subregion(&m->sysmem, KT_HI_BASE, &kt.hi);
    mr_init_io(&kt.mmio, "kt-mmio", &kt_mmio_ops, NULL, 0x1000);
    mr_add_subregion(&m->sysmem, KT_MMIO_BASE, &kt.mmio);
    mr_init_io(&kt.ioport, "kt-io", &kt_io_ops, NULL, 16);
    mr_add_subregion(&m->iomem, KT_PORT, &kt.ioport);
    for (int i = 0; i < 0x1000; i++)
        mr_ram_ptr(&kt.rom)[i] = (uint8_t)(0xc0 + i);
    /* GDT: null, flat code 0x08, flat data 0x10 */
    static const uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
    memcpy(mr_ram_ptr(&m->ram) + KT_GDT, gdt, sizeof(gdt));

    if (accel_kvm_ops.init(m, &err) < 0) {
        fprintf(stderr, "test-kvm: init: %s\n", err.msg);
        return -1;
    }
    m->accel = &accel_kvm_ops;
    m->nr_cpus = 1;
    m->cpu_model = kt.model;
    kt.cpu = calloc(1, sizeof(*kt.cpu));
    kt.cpu->machine = m;
    kt.cpu->irq_ack = kt_irq_ack;
    kt_state_real(&kt.cpu->state);
    m->cpus[0] = kt.cpu;
    if (accel_kvm_ops.vcpu_init(kt.cpu, &err) < 0) {
        fprintf(stderr, "test-kvm: vcpu_init: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int kt_clean(void)
{
    Machine *m = &kt.m;
    accel_kvm_ops.vcpu_cleanup(kt.cpu);
    free(kt.cpu);
    accel_kvm_ops.cleanup(m);
    mr_del_subregion(&m->iomem, &kt.ioport);
    mr_del_subregion(&m->sysmem, &kt.mmio);
    mr_del_subregion(&m->sysmem, &kt.hi);
    mr_del_subregion(&m->sysmem, &kt.rom);
    mr_del_subregion(&m->sysmem, &m->ram);
    mr_destroy(&kt.hi);
    mr_destroy(&kt.rom);
    mr_destroy(&m->ram);
    mr_destroy(&kt.mmio);
    mr_destroy(&kt.ioport);
    as_destroy(&m->as_io);
    as_destroy(&m->as_mem);
    mr_destroy(&m->iomem);
    mr_destroy(&m->sysmem);
    return 0;
}

/* Fresh VM per test: no state leaks from one test into the next. */
static void kt_fresh(void)
{
    kt_clean();
    if (kt_init() < 0)
        CU_FAIL_FATAL("cannot set up the kvm test machine");
}

static void kt_load(const uint8_t *code, const uint8_t *end, uint32_t at)
{
    memcpy(mr_ram_ptr(&kt.m.ram) + at, code, (size_t)(end - code));
}

#define KT_LOAD(name) kt_load(name, name##_end, KT_CODE)

static VcpuExit kt_run(void)
{
    accel_kvm_ops.state_changed(kt.cpu);
    return accel_kvm_ops.vcpu_run(kt.cpu);
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */

static void test_pio_out(void)
{
    kt_fresh();
    KT_LOAD(kt_pio_out);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT(kt.cpu->state.halted);
    CU_ASSERT_EQUAL(kt.cpu->state.rip, KT_CODE + (kt_pio_out_end - kt_pio_out));
    CU_ASSERT_EQUAL_FATAL(kt.nr_io, 3);
    CU_ASSERT(kt.io[0].addr == 0 && kt.io[0].size == 1 && kt.io[0].val == 0x42);
    CU_ASSERT(kt.io[1].addr == 2 && kt.io[1].size == 2 && kt.io[1].val == 0x1234);
    CU_ASSERT(kt.io[2].addr == 4 && kt.io[2].size == 4 && kt.io[2].val == 0xdeadbeef);
}

static void test_pio_in(void)
{
    kt_fresh();
    KT_LOAD(kt_pio_in);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EBX] & 0xff, 0xa0);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_ECX] & 0xffff, 0xa2a2);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EDX] & 0xffffffff, 0xa4a4a4a4);
}

static void test_pio_string(void)
{
    kt_fresh();
    KT_LOAD(kt_pio_string);
    uint8_t *ram = mr_ram_ptr(&kt.m.ram);
    memcpy(ram + KT_DATA, "tandem!\n", 8);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL_FATAL(kt.nr_io, 8);
    for (int i = 0; i < 8; i++)
        CU_ASSERT(kt.io[i].addr == 8 && kt.io[i].size == 1 &&
                  kt.io[i].val == (uint8_t)"tandem!\n"[i]);
    for (int i = 0; i < 4; i++) {
        uint16_t w;
        memcpy(&w, ram + KT_DATA + 0x100 + 2 * i, 2);
        CU_ASSERT_EQUAL(w, 0xa8a8);
    }
}

static void test_mmio(void)
{
    kt_fresh();
    kt_state_flat32(&kt.cpu->state);
    KT_LOAD(kt_mmio);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL_FATAL(kt.nr_mmio, 2);
    CU_ASSERT(kt.mmio_log[0].addr == 0 && kt.mmio_log[0].size == 4 &&
              kt.mmio_log[0].val == 0xcafef00d);
    CU_ASSERT(kt.mmio_log[1].addr == 8 && kt.mmio_log[1].size == 2 &&
              kt.mmio_log[1].val == 0xbeef);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EAX] & 0xffffffff, 0x44332221);  /* read of +0x10 */
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EBX] & 0xff, 0x2a);       /* byte read of +0x19 */
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_ECX] & 0xffff, 0x222b);   /* word read of +0x1a */
}

static void test_rom_readonly(void)
{
    kt_fresh();
    kt_state_flat32(&kt.cpu->state);
    KT_LOAD(kt_rom);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EAX] & 0xff, 0xc0);   /* the write was dropped */
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EBX] & 0xffffffff, 0xc7c6c5c4);
    CU_ASSERT_EQUAL(mr_ram_ptr(&kt.rom)[0], 0xc0);
}

/* A region that moves: the slot follows it, the old address becomes unassigned. */
static void test_slot_moves(void)
{
    kt_fresh();
    kt_state_flat32(&kt.cpu->state);
    KT_LOAD(kt_hi);
    memcpy(mr_ram_ptr(&kt.hi), "\x01\x02\x03\x04", 4);
    kt.cpu->state.regs[R_ESI] = KT_HI_BASE;
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EAX] & 0xffffffff, 0x04030201);

    mr_set_address(&kt.hi, KT_HI_BASE + 0x100000);
    kt_state_flat32(&kt.cpu->state);
    kt.cpu->state.regs[R_ESI] = KT_HI_BASE + 0x100000;
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EAX] & 0xffffffff, 0x04030201);

    kt_state_flat32(&kt.cpu->state);
    kt.cpu->state.regs[R_ESI] = KT_HI_BASE;             /* now unassigned: all ones */
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(kt.cpu->state.regs[R_EAX] & 0xffffffff, 0xffffffff);
}

/*
 * Everything the engine puts comes back from the kernel unchanged. The guest
 * runs only a MOV and HLT: some KVM implementations (PVM, or VMX without
 * unrestricted guest) emulate code that runs with paging off, and KVM's
 * emulator knows few x87/SSE instructions.
 */
static void kt_state_rich(X86CPUState *s)
{
    kt_state_flat32(s);
    for (int i = 0; i < 16; i++)
        s->regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    s->regs[R_ESP] = 0x7000;
    s->rflags = 2 | FLAG_CF | FLAG_ZF | FLAG_DF;
    s->segs[SEG_FS].base = 0x12345000;
    s->idt = (DescTable){ .base = 0x4000, .limit = 0x7ff };
    s->cr3 = 0x5000;
    s->cr0 |= CR0_NE | CR0_MP;
    s->dr[0] = 0x1000; s->dr[1] = 0x2000; s->dr[2] = 0x3000; s->dr[3] = 0x4000;
    s->msr.star = 0x0023001000000000ull;
    s->msr.lstar = 0xffffffff81000000ull;
    s->msr.cstar = 0xffffffff81000100ull;
    s->msr.fmask = 0x47700;
    s->msr.kernel_gs_base = 0xffff888000000000ull;
    s->msr.sysenter_cs = 0x10;
    s->msr.sysenter_esp = 0xc0001000;
    s->msr.sysenter_eip = 0xc0002000;
    s->msr.pat = 0x0007010600070106ull;
    s->msr.mtrr_def_type = 0xc06;
    for (int i = 0; i < 16; i++)
        memset(s->xmm[i].b, 0x10 + i, 16);
    s->mxcsr = 0x1f80 | 0x20;
    /* Two values pushed: TOP = 6, R7 = 1.0, R6 = pi, the rest empty. */
    s->fpu.fsw = 6 << 11;
    s->fpu.st[7] = (X87Reg){ 0x8000000000000000ull, 0x3fff };
    s->fpu.st[6] = (X87Reg){ 0xc90fdaa22168c235ull, 0x4000 };
    s->fpu.ftw = 0x0fff;
}

static void test_state_roundtrip(void)
{
    kt_fresh();
    X86CPUState *s = &kt.cpu->state;
    kt_state_rich(s);
    X86CPUState want = *s;
    KT_LOAD(kt_gpr_hlt);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    accel_kvm_ops.sync_state(kt.cpu);

    CU_ASSERT_EQUAL(s->rip, KT_CODE + 6);
    for (int i = 0; i < 16; i++) {
        /* EDI was written by the guest; its upper half is undefined outside long mode */
        if (i == R_EDI) {
            CU_ASSERT_EQUAL(s->regs[i] & 0xffffffff, 0x13579bdf);
        } else {
            CU_ASSERT_EQUAL(s->regs[i], want.regs[i]);
        }
    }
    CU_ASSERT_EQUAL(s->rflags & (FLAG_CF | FLAG_ZF | FLAG_DF), FLAG_CF | FLAG_ZF | FLAG_DF);
    CU_ASSERT_EQUAL(s->segs[SEG_CS].selector, 0x08);
    CU_ASSERT_EQUAL(s->segs[SEG_CS].limit, 0xffffffff);
    CU_ASSERT_EQUAL(s->segs[SEG_CS].attrib & ~1u, want.segs[SEG_CS].attrib & ~1u);
    CU_ASSERT_EQUAL(s->segs[SEG_FS].base, 0x12345000);
    CU_ASSERT(s->gdt.base == KT_GDT && s->gdt.limit == 0x17);
    CU_ASSERT(s->idt.base == 0x4000 && s->idt.limit == 0x7ff);
    CU_ASSERT_EQUAL(s->cr0 & (CR0_PE | CR0_NE | CR0_MP), CR0_PE | CR0_NE | CR0_MP);
    CU_ASSERT_EQUAL(s->cr3, 0x5000);
    CU_ASSERT_EQUAL(s->cr4 & 0x600, 0x600);
    CU_ASSERT(s->dr[0] == 0x1000 && s->dr[3] == 0x4000);
    CU_ASSERT_EQUAL(s->msr.star, want.msr.star);
    CU_ASSERT_EQUAL(s->msr.lstar, want.msr.lstar);
    CU_ASSERT_EQUAL(s->msr.cstar, want.msr.cstar);
    CU_ASSERT_EQUAL(s->msr.fmask, want.msr.fmask);
    CU_ASSERT_EQUAL(s->msr.kernel_gs_base, want.msr.kernel_gs_base);
    CU_ASSERT_EQUAL(s->msr.sysenter_cs, 0x10);
    CU_ASSERT_EQUAL(s->msr.sysenter_eip, 0xc0002000);
    CU_ASSERT_EQUAL(s->msr.pat, want.msr.pat);
    CU_ASSERT_EQUAL(s->msr.mtrr_def_type, 0xc06);
    CU_ASSERT_EQUAL(s->msr.apic_base & ~0xfffull, 0xfee00000);
    CU_ASSERT(memcmp(s->xmm, want.xmm, sizeof(s->xmm)) == 0);
    CU_ASSERT_EQUAL(s->mxcsr, want.mxcsr);
    CU_ASSERT_EQUAL(s->fpu.fsw, want.fpu.fsw);
    CU_ASSERT_EQUAL(s->fpu.ftw, 0x0fff);
    CU_ASSERT_EQUAL(s->fpu.fcw, 0x37f);
    CU_ASSERT(s->fpu.st[7].mant == want.fpu.st[7].mant &&
              s->fpu.st[7].sign_exp == want.fpu.st[7].sign_exp);
    CU_ASSERT(s->fpu.st[6].mant == want.fpu.st[6].mant &&
              s->fpu.st[6].sign_exp == want.fpu.st[6].sign_exp);
    CU_ASSERT_EQUAL(s->pending_exception, -1);

    /* What was read is accepted again as is (second HLT). */
    CU_ASSERT(s->halted);
    s->halted = false;          /* else the engine rightly keeps it halted */
    X86CPUState copy = *s;
    accel_kvm_ops.state_changed(kt.cpu);
    CU_ASSERT_EQUAL(accel_kvm_ops.vcpu_run(kt.cpu), VCPU_EXIT_HALT);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(s->rip, copy.rip + 1);
    CU_ASSERT(memcmp(copy.regs, s->regs, sizeof(s->regs)) == 0);
    CU_ASSERT(memcmp(copy.segs, s->segs, sizeof(s->segs)) == 0);
    /* The TSC kept running: same offset from the host's TSC, give or take
     * the time between KVM's read and ours. */
    int64_t drift = (int64_t)(s->msr.tsc_offset - copy.msr.tsc_offset);
    CU_ASSERT(drift > -1000000 && drift < 1000000);
}

/*
 * The x87/SSE mapping checked against the hardware's own layout: the guest
 * FXSAVEs what the engine put (ST(i) order, abridged tags), then FXRSTORs an
 * image the test wrote, which the engine must read back into X86CPUState.
 */
static void test_fpu_layout(void)
{
    kt_fresh();
    X86CPUState *s = &kt.cpu->state;
    kt_state_rich(s);
    uint8_t *ram = mr_ram_ptr(&kt.m.ram);
    KT_LOAD(kt_fxsave_fxrstor);

    uint8_t img[512] = { 0 };
    uint16_t fcw = 0x27f, fsw = 3 << 11;            /* TOP = 3 */
    memcpy(img + 0, &fcw, 2);
    memcpy(img + 2, &fsw, 2);
    img[4] = 1u << 3 | 1u << 4;                     /* R3 and R4 in use */
    uint32_t mxcsr = 0x1f80 | 0x8000;               /* FZ */
    memcpy(img + 24, &mxcsr, 4);
    X87Reg st0 = { 0x8000000000000000ull, 0x4000 }; /* 2.0 in R3 = ST(0) */
    X87Reg st1 = { 0, 0 };                          /* +0.0 in R4 = ST(1) */
    memcpy(img + 32, &st0.mant, 8);
    memcpy(img + 40, &st0.sign_exp, 2);
    memcpy(img + 48, &st1.mant, 8);
    memcpy(img + 56, &st1.sign_exp, 2);
    for (int i = 0; i < 8; i++)
        memset(img + 160 + 16 * i, 0xa0 + i, 16);
    memcpy(ram + KT_DATA + 0x200, img, sizeof(img));

    CU_ASSERT_EQUAL_FATAL(kt_run(), VCPU_EXIT_HALT);
    const uint8_t *fx = ram + KT_DATA;
    uint16_t w;
    memcpy(&w, fx + 0, 2);
    CU_ASSERT_EQUAL(w, 0x37f);
    memcpy(&w, fx + 2, 2);
    CU_ASSERT_EQUAL((w >> 11) & 7, 6);
    CU_ASSERT_EQUAL(fx[4], 0xc0);                   /* R6, R7 valid */
    uint64_t mant;
    memcpy(&mant, fx + 32, 8);                      /* ST(0) = R6 = pi */
    CU_ASSERT_EQUAL(mant, 0xc90fdaa22168c235ull);
    memcpy(&mant, fx + 48, 8);                      /* ST(1) = R7 = 1.0 */
    CU_ASSERT_EQUAL(mant, 0x8000000000000000ull);
    CU_ASSERT_EQUAL(fx[160 + 16 * 5], 0x15);        /* XMM5 */
    uint32_t m;
    memcpy(&m, fx + 24, 4);
    CU_ASSERT_EQUAL(m, 0x1fa0);

    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(s->fpu.fcw, 0x27f);
    CU_ASSERT_EQUAL((s->fpu.fsw >> 11) & 7, 3);
    CU_ASSERT(s->fpu.st[3].mant == st0.mant && s->fpu.st[3].sign_exp == 0x4000);
    CU_ASSERT(s->fpu.st[4].mant == 0 && s->fpu.st[4].sign_exp == 0);
    /* Full tags: R3 valid (0), R4 zero (1), all others empty (3). */
    CU_ASSERT_EQUAL(s->fpu.ftw, 0xffff & ~(3u << 6) & ~(2u << 8));
    CU_ASSERT_EQUAL(s->mxcsr, 0x9f80);
    CU_ASSERT_EQUAL(s->xmm[7].b[0], 0xa7);
    CU_ASSERT_EQUAL(s->xmm[9].b[0], 0x19);          /* FXRSTOR outside 64-bit mode: XMM0-7 only */
}

/*
 * The AVX component goes through the kernel's XSAVE area at the offset the
 * host's CPUID 0xD gives it, and comes back; the low halves beside it too.
 */
static void test_ymm_round_trip(void)
{
    kt_fresh();
    X86CPUState *s = &kt.cpu->state;
    kt_state_rich(s);
    s->cr4 |= 1u << 18;                             /* OSXSAVE */
    s->xcr0 = 7;                                    /* x87, SSE, AVX */
    for (int i = 0; i < 16; i++) {
        s->xmm[i].q[2] = 0x0101010101010101ull * (uint64_t)(0x80 + i);
        s->xmm[i].q[3] = ~s->xmm[i].q[2];
    }
    X86CPUState want = *s;
    KT_LOAD(kt_gpr_hlt);
    CU_ASSERT_EQUAL_FATAL(kt_run(), VCPU_EXIT_HALT);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(s->xcr0, 7);
    CU_ASSERT(memcmp(s->xmm, want.xmm, sizeof(s->xmm)) == 0);
}

/*
 * INIT and STARTUP taken by the engine (the userspace path): an application
 * processor deep in protected mode comes back in real mode at the reset
 * vector keeping its x87/SSE state, MSRs and CR0.CD (x86_cpu_init_state),
 * waits, and a STARTUP runs it from vector * 4 KiB.
 */
static void test_init_sipi(void)
{
    kt_fresh();
    X86CPUState *s = &kt.cpu->state;
    kt_state_rich(s);
    s->cr0 |= CR0_CD;
    s->msr.apic_base &= ~(uint64_t)(1u << 8);          /* an application processor */
    X86CPUState want = *s;
    KT_LOAD(kt_gpr_hlt);
    CU_ASSERT_EQUAL_FATAL(kt_run(), VCPU_EXIT_HALT);

    atomic_fetch_or(&kt.cpu->interrupt_request, CPU_INTERRUPT_INIT);
    CU_ASSERT_EQUAL_FATAL(accel_kvm_ops.vcpu_run(kt.cpu), VCPU_EXIT_HALT);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT(s->halted);
    CU_ASSERT_EQUAL(s->rip, 0xfff0);
    CU_ASSERT(s->segs[SEG_CS].selector == 0xf000 && s->segs[SEG_CS].base == 0xffff0000);
    CU_ASSERT_EQUAL(s->cr0 & (CR0_PE | CR0_CD | CR0_NW), CR0_CD);
    CU_ASSERT_EQUAL(s->regs[R_ESP], 0);
    CU_ASSERT(memcmp(s->xmm, want.xmm, sizeof(s->xmm)) == 0);
    CU_ASSERT_EQUAL(s->mxcsr, want.mxcsr);
    CU_ASSERT_EQUAL(s->fpu.fsw, want.fpu.fsw);
    CU_ASSERT(s->fpu.st[6].mant == want.fpu.st[6].mant);
    CU_ASSERT_EQUAL(s->msr.lstar, want.msr.lstar);

    KT_LOAD(kt_pio_out);                                /* .code16, at KT_CODE */
    s->sipi_vector = KT_CODE >> 12;
    atomic_fetch_or(&kt.cpu->interrupt_request, CPU_INTERRUPT_SIPI);
    CU_ASSERT_EQUAL(accel_kvm_ops.vcpu_run(kt.cpu), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(kt.nr_io, 3);
    accel_kvm_ops.sync_state(kt.cpu);
    CU_ASSERT_EQUAL(s->segs[SEG_CS].selector, KT_CODE >> 4);
}

/* CPUID is the CPU model's, filtered by what KVM supports. */
static void test_cpuid_model(void)
{
    Error err = { 0 };
    X86CPUModel *model = NULL;
    CU_ASSERT_FATAL(x86_cpu_model_new(NULL, &model, &err) == 0);
    kt.model = model;
    kt_fresh();
    kt_state_flat32(&kt.cpu->state);
    KT_LOAD(kt_cpuid);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    uint32_t got[8], want[4];
    memcpy(got, mr_ram_ptr(&kt.m.ram) + KT_DATA, sizeof(got));
    x86_cpuid_model_query(model, 0, 0, 0, want);
    CU_ASSERT(got[0] <= want[0]);
    CU_ASSERT(got[1] == want[1] && got[2] == want[2] && got[3] == want[3]);  /* vendor */
    x86_cpuid_model_query(model, 0, 1, 0, want);
    CU_ASSERT_EQUAL(got[4], want[0]);                                         /* signature */
    CU_ASSERT(got[6] & (1u << 31));                                           /* hypervisor */
    /*
     * Feature words: checked on the table the engine gives the kernel, not
     * on what the guest reads, because some KVM implementations (PVM, on the
     * machine this was written on) answer leaf 1 with host feature bits
     * whatever KVM_SET_CPUID2 said.
     */
    struct kvm_cpuid2 *set = kvm_cpuid_build(kt.cpu);
    CU_ASSERT_FATAL(set != NULL);
    bool seen = false;
    for (uint32_t i = 0; i < set->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &set->entries[i];
        CU_ASSERT(e->function < 0x40000000u || e->function > 0x400000ffu);    /* no KVM PV */
        if (e->function != 1)
            continue;
        seen = true;
        CU_ASSERT_EQUAL(e->eax, want[0]);
        CU_ASSERT_EQUAL(e->edx & ~want[3], 0);
        CU_ASSERT_EQUAL(e->ecx & ~want[2] & ~(1u << 31), 0);
        CU_ASSERT_EQUAL(e->ecx & (1u << 21 | 1u << 24), 0);                  /* no x2APIC, TSC-deadline */
    }
    free(set);
    CU_ASSERT(seen);
    kt.model = NULL;
    kt_fresh();
    x86_cpu_model_free(model);
}

/* #UD with an empty IDT: #GP, #DF, then the CPU shuts down. */
static void test_triple_fault(void)
{
    kt_fresh();
    kt_state_flat32(&kt.cpu->state);
    kt.cpu->state.idt = (DescTable){ .base = 0, .limit = 0 };
    KT_LOAD(kt_ud2);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_SHUTDOWN);
}

static void test_interrupt(void)
{
    kt_fresh();
    uint8_t *ram = mr_ram_ptr(&kt.m.ram);
    KT_LOAD(kt_sti_hlt);
    kt_load(kt_irq_handler, kt_irq_handler_end, KT_CODE + 0x100);
    uint16_t ivt[2] = { KT_CODE + 0x100, 0 };
    memcpy(ram + 0x20 * 4, ivt, 4);
    kt.cpu->state.idt.limit = 0x3ff;
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(kt.nr_io, 0);
    CU_ASSERT(kt.cpu->state.rflags & FLAG_IF);

    /* As a PIC would: raise INTR, then the vCPU thread runs the halted CPU. */
    atomic_fetch_or(&kt.cpu->interrupt_request, CPU_INTERRUPT_HARD);
    CU_ASSERT_EQUAL(accel_kvm_ops.vcpu_run(kt.cpu), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(kt.irq_acks, 1);
    CU_ASSERT_EQUAL_FATAL(kt.nr_io, 2);
    CU_ASSERT(kt.io[0].addr == 0 && kt.io[0].val == 0x99);    /* the handler ran */
    CU_ASSERT(kt.io[1].addr == 1 && kt.io[1].val == 0x77);    /* then the code after HLT */
}

static void *kt_kicker(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    atomic_store(&kt.cpu->exit_request, true);
    accel_kvm_ops.vcpu_kick(kt.cpu);
    return NULL;
}

/* A guest spinning forever leaves vcpu_run as soon as another thread asks. */
static void test_kick(void)
{
    kt_fresh();
    KT_LOAD(kt_spin);
    pthread_t t;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&t, NULL, kt_kicker, NULL);
    CU_ASSERT_EQUAL(kt_run(), VCPU_EXIT_KICKED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(t, NULL);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CU_ASSERT(secs < 2.0);
    CU_ASSERT_EQUAL(kt.cpu->state.rip, KT_CODE);

    /* A kick that lands before KVM_RUN is not lost either. */
    atomic_store(&kt.cpu->exit_request, false);
    accel_kvm_ops.vcpu_kick(kt.cpu);
    pthread_create(&t, NULL, kt_kicker, NULL);
    CU_ASSERT_EQUAL(accel_kvm_ops.vcpu_run(kt.cpu), VCPU_EXIT_KICKED);
    pthread_join(t, NULL);
    atomic_store(&kt.cpu->exit_request, false);
}

static const UnitTest kvm_tests[] = {
    { "port output (real mode)", test_pio_out },
    { "port input (real mode)", test_pio_in },
    { "string port I/O, count > 1", test_pio_string },
    { "MMIO read and write (protected mode)", test_mmio },
    { "ROM is read-only", test_rom_readonly },
    { "memory slot follows a moved region", test_slot_moves },
    { "register state round trip", test_state_roundtrip },
    { "x87/SSE state in the hardware's layout", test_fpu_layout },
    { "AVX upper halves through the kernel's XSAVE area", test_ymm_round_trip },
    { "INIT keeps x87/SSE and MSRs; STARTUP runs the AP", test_init_sipi },
    { "triple fault is a shutdown exit", test_triple_fault },
    { "CPUID from the CPU model", test_cpuid_model },
    { "interrupt injection wakes HLT", test_interrupt },
    { "kick leaves a spinning guest", test_kick },
    { NULL, NULL },
};

static int kt_suite_init(void)
{
    return kt_init() < 0 ? -1 : 0;
}

void unit_register(void)
{
    Error why = { 0 };
    if (!accel_kvm_ops.available(&why)) {
        unit_skip(why.msg);
        return;
    }
    unit_add_suite("kvm", kt_suite_init, kt_clean, kvm_tests);
}

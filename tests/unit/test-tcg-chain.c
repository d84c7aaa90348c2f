/* SPDX-License-Identifier: MIT */
/*
 * Direct block chaining (accel/tcg/exec.c, tcg_step_chain): a block's end
 * step runs its linked successor's first step itself, as a tail call.
 *
 * What that must keep: the stack does not grow with the chain; a link to a
 * block that was invalidated since (code written by the guest or by a
 * device, a flushed cache) is not followed; a request from another thread
 * (an interrupt) stops the chain at the next block boundary; and a fault
 * in a block entered through a link is precise.
 */
#include <pthread.h>
#include <time.h>

#include "tests/unit/test-x86-harness.h"
#include "accel/tcg/tcg.h"

static TcgVcpu *tcg(void)
{
    return (TcgVcpu *)tv.accel;
}

/* A machine in flat 32-bit protected mode with code at 0x1000. */
static void machine_pm32(const uint8_t *code, size_t len)
{
    machine_up();
    setup_pm32();
    load(0x1000, code, len);
}

/* An MMIO page whose writes record how deep the stack is at each. */
static MemoryRegion probe;
static uintptr_t probe_min, probe_max;
static unsigned probe_writes;

static uint64_t probe_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque, (void)addr, (void)size;
    return 0;
}

static void probe_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)opaque, (void)addr, (void)val, (void)size;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (!probe_writes++)
        probe_min = probe_max = sp;
    probe_min = sp < probe_min ? sp : probe_min;
    probe_max = sp > probe_max ? sp : probe_max;
}

static const MemoryRegionOps probe_ops = { .read = probe_read, .write = probe_write,
                                           .max_access = 4 };

/*
 * A million times round a loop of two blocks that link to each other, with
 * an MMIO store (a plain handler, not the end of a block) in each pass: the
 * stack at the store must stay where it was on the first pass, whether the
 * steps are tail calls (optimised builds) or the chain is cut short
 * (TCG_CHAIN_BOUNDED).
 */
static void test_long_chain(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb9, 0x40, 0x42, 0x0f, 0x00,               /* mov ecx, 1000000 */
        0x31, 0xd2,                                 /* xor edx, edx */
        0x89, 0x0d, 0x00, 0x00, 0x00, 0x10,         /* 1: mov [0x10000000], ecx */
        0x42,                                       /* inc edx */
        0xeb, 0x00,                                 /* jmp 2f */
        0x49,                                       /* 2: dec ecx */
        0x75, 0xf4,                                 /* jnz 1b */
        0x89, 0x15, 0x00, 0x70, 0x00, 0x00,         /* mov [0x7000], edx */
        0xb0, 0x00, 0xe6, 0xf4,                     /* mov al, 0; out 0xf4, al */
    };
    machine_up();
    mr_init_io(&probe, "probe", &probe_ops, NULL, 0x1000);
    mr_add_subregion(&tm.sysmem, 0x10000000, &probe);
    setup_pm32();
    load(0x1000, code, sizeof(code));
    probe_writes = 0;
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7000), 1000000);
    CU_ASSERT_EQUAL(probe_writes, 1000000);
    /* 16 blocks of the bounded chain take a few KiB; a million would take MiBs. */
    CU_ASSERT(probe_max - probe_min < 64 * 1024);
    CU_ASSERT(tcg()->tbc.tb_count < 10);
    machine_down();
}

/*
 * Block A links to block B; block C, reached from B, rewrites B's
 * immediate and goes back to A. B adds 1, 2, then 3 to EDX: on the third
 * pass A (from the second, a block of its own) already links to the B of
 * the second pass, which that link must not reach any more.
 */
static void test_link_to_rewritten_block(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb9, 0x03, 0x00, 0x00, 0x00,               /* mov ecx, 3 */
        0x31, 0xd2,                                 /* xor edx, edx */
        0x43,                                       /* 1 (0x100c): inc ebx */
        0xeb, 0x00,                                 /* jmp 2f */
        0xb8, 0x01, 0x00, 0x00, 0x00,               /* 2 (0x100f): mov eax, 1 (imm at 0x1010) */
        0x01, 0xc2,                                 /* add edx, eax */
        0x49,                                       /* dec ecx */
        0x74, 0x08,                                 /* jz 3f */
        0xfe, 0x05, 0x10, 0x10, 0x00, 0x00,         /* inc byte [0x1010] */
        0xeb, 0xeb,                                 /* jmp 1b */
        0x89, 0x15, 0x00, 0x70, 0x00, 0x00,         /* 3: mov [0x7000], edx */
        0xb0, 0x00, 0xe6, 0xf4,                     /* mov al, 0; out 0xf4, al */
    };
    machine_pm32(code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7000), 6);
    machine_down();
}

/*
 * The same with a device's write (the memory API) while the vCPU is
 * halted: the JMP block already links to the block it rewrites.
 */
static void test_link_to_dma_written_block(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb8, 0x01, 0x00, 0x00, 0x00,               /* 1: mov eax, 1 (imm at 0x1006) */
        0xa3, 0x00, 0x70, 0x00, 0x00,               /* mov [0x7000], eax */
        0xf4,                                       /* hlt */
        0xeb, 0xf3,                                 /* jmp 1b */
    };
    machine_pm32(code, sizeof(code));
    for (unsigned pass = 0; pass < 2; pass++) {     /* the second makes the link */
        CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
        tv.state.halted = false;
    }
    TB *jmp = tb_find(tcg(), 0x1010, 4);
    CU_ASSERT_EQUAL(jmp->jmp_pc[0], 0x1005);        /* linked, the case under test */
    uint32_t two = 2;
    CU_ASSERT_EQUAL(as_write(&tm.as_mem, 0x1006, &two, 4), MEMTX_OK);
    /* The write emptied the link (tb_link), so the next pass links it again. */
    CU_ASSERT_PTR_EQUAL(jmp->jmp[0], &tb_none);
    CU_ASSERT_EQUAL(jmp->jmp_pc[0], ~0ull);
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 2);
    tv.state.halted = false;
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(jmp->jmp_pc[0], 0x1005);
    CU_ASSERT(jmp->jmp[0] != &tb_none && !jmp->jmp[0]->invalid);
    machine_down();
}

/* Is slot k of from in to's list of incoming links? */
static bool links_in(const TB *to, const TB *from, unsigned k)
{
    for (uintptr_t e = to->jmp_in; e; e = ((const TB *)(e & ~(uintptr_t)1))->jmp_in_next[e & 1])
        if (e == ((uintptr_t)from | k))
            return true;
    return false;
}

/* The block the vCPU would run at pc (cs_key depends on RIP). */
static TB *find_at(uint64_t pc)
{
    tv.state.rip = pc;
    return tb_find(tcg(), pc, 4);
}

/*
 * tb_link's bookkeeping, on three blocks: a slot linked again leaves its
 * old target's list (invalidating that one then leaves the slot alone); a
 * block with two links to it has both emptied when it is invalidated; an
 * invalid block is not linked to, and an empty slot that still matches a
 * pc (tb_none, as another thread may leave it) is entered harmlessly.
 */
static void test_link_lists(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xeb, 0x00,                                 /* 0x1005: jmp 1f */
        0xeb, 0x00,                                 /* 1 (0x1007): jmp 2f */
        0xeb, 0x00,                                 /* 2 (0x1009): jmp 3f */
        0x40,                                       /* 3 (0x100b): inc eax */
        0xf4,                                       /* hlt */
    };
    machine_pm32(code, sizeof(code));
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    TcgVcpu *t = tcg();
    TB *a = find_at(0x1005), *b = find_at(0x1007), *c = find_at(0x1009), *d = find_at(0x100b);
    CU_ASSERT_FATAL(a != b && b != c && a != c && !a->invalid && !b->invalid && !c->invalid);
    tb_link(t, a, 0, b, 0x1007);
    CU_ASSERT(links_in(b, a, 0));
    tb_link(t, a, 0, c, 0x1009);                    /* relinked: out of b's list */
    CU_ASSERT(!links_in(b, a, 0));
    CU_ASSERT(links_in(c, a, 0));
    uint8_t same = 0x00;            /* a write of what is there invalidates too */
    CU_ASSERT_EQUAL(as_write(&tm.as_mem, 0x1008, &same, 1), MEMTX_OK);  /* b's byte */
    CU_ASSERT(b->invalid);
    CU_ASSERT_PTR_EQUAL(a->jmp[0], c);              /* not b's link any more */
    CU_ASSERT_EQUAL(a->jmp_pc[0], 0x1009);
    tb_link(t, a, 1, b, 0x1007);                    /* b is invalid: no link */
    CU_ASSERT_PTR_EQUAL(a->jmp[1], &tb_none);
    tb_link(t, a, 1, c, 0x100b);
    tb_link(t, d, 0, c, 0x1009);
    CU_ASSERT_EQUAL(as_write(&tm.as_mem, 0x100a, &same, 1), MEMTX_OK);  /* c's byte */
    CU_ASSERT(c->invalid);
    CU_ASSERT_PTR_EQUAL(a->jmp[0], &tb_none);
    CU_ASSERT_PTR_EQUAL(a->jmp[1], &tb_none);
    CU_ASSERT_PTR_EQUAL(d->jmp[0], &tb_none);
    CU_ASSERT_EQUAL(a->jmp_pc[0], ~0ull);
    CU_ASSERT_EQUAL(c->jmp_in, 0);
    /* An empty slot matching its pc: entering tb_none goes back to the outer loop. */
    TB *a2 = find_at(0x1005);
    CU_ASSERT_PTR_EQUAL(a2, a);
    a2->jmp_pc[0] = 0x1007;
    a2->jmp[0] = &tb_none;
    tv.state.regs[0] = 0;
    tv.state.halted = false;
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(tv.state.regs[0], 1);
    CU_ASSERT_EQUAL(tv.state.rip, 0x100d);
    machine_down();
}

/* A full flush between two runs of a linked loop: nothing stale is followed. */
static void test_flush_between_runs(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xb8, 0x00, 0x00, 0x00, 0x00,               /* mov eax, 0 */
        0xb9, 0x64, 0x00, 0x00, 0x00,               /* 1: mov ecx, 100 */
        0x40,                                       /* 2: inc eax */
        0xeb, 0x00,                                 /* jmp 3f */
        0x49,                                       /* 3: dec ecx */
        0x75, 0xfa,                                 /* jnz 2b */
        0xa3, 0x00, 0x70, 0x00, 0x00,               /* mov [0x7000], eax */
        0xf4,                                       /* hlt */
        0xeb, 0xed,                                 /* jmp 1b */
    };
    machine_pm32(code, sizeof(code));
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 100);
    tb_flush(tcg());
    /* What the flushed blocks held must not matter: scribble over it. */
    memset(tcg()->tbc.arena, 0xff, 4096);
    tv.state.halted = false;
    CU_ASSERT_EQUAL(accel_tcg_ops.vcpu_run(&tv), VCPU_EXIT_HALT);
    CU_ASSERT_EQUAL(rd32(0x7000), 200);
    machine_down();
}

static void *run_thread(void *arg)
{
    (void)arg;
    run();
    return NULL;
}

/*
 * An endless pair of linked blocks (IF set) gets an interrupt from this
 * thread: the chain must stop at a block boundary and deliver it (vector 7,
 * whose stub records it and exits), with EIP inside the loop. A chain that
 * missed the request would only stop when ECX runs out, seconds later, and
 * exit with 0.
 */
static void test_interrupt_stops_chain(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xfb,                                       /* sti */
        0xb9, 0x00, 0x00, 0x00, 0x40,               /* mov ecx, 0x40000000 */
        0xc7, 0x05, 0x00, 0x71, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* mov [0x7100], 1 */
        0x42,                                       /* 1 (0x1015): inc edx */
        0xeb, 0x00,                                 /* jmp 2f */
        0x49,                                       /* 2: dec ecx */
        0x75, 0xfa,                                 /* jnz 1b (ends at 0x101b) */
        0xb0, 0x00, 0xe6, 0xf4,                     /* mov al, 0; out 0xf4, al */
    };
    machine_pm32(code, sizeof(code));
    pthread_t th;
    CU_ASSERT_FATAL(pthread_create(&th, NULL, run_thread, NULL) == 0);
    for (int ms = 0; ms < 10000 && !__atomic_load_n((uint32_t *)(ram + 0x7100), __ATOMIC_ACQUIRE);
         ms++)
        nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);    /* deep in the chain */
    irq_vector = 7;
    atomic_fetch_or(&tv.interrupt_request, CPU_INTERRUPT_HARD);
    accel_tcg_ops.vcpu_kick(&tv);
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), 7);
    uint32_t eip = rd32(0x7f04);
    CU_ASSERT(eip >= 0x1015 && eip < 0x101b);
    CU_ASSERT(tv.state.regs[R_ECX] != 0);
    machine_down();
}

/*
 * A DIV by zero in a block entered through a link (after 1000 passes of
 * the loop): #DE with EIP at the DIV, ESI counting the ADD before it in
 * the same block, EBX = 0.
 */
static void test_fault_after_link_is_precise(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,               /* mov esp, 0x9000 */
        0xbb, 0xe8, 0x03, 0x00, 0x00,               /* mov ebx, 1000 */
        0x31, 0xf6,                                 /* xor esi, esi */
        0x4b,                                       /* 1: dec ebx */
        0xeb, 0x00,                                 /* jmp 2f */
        0xb8, 0x64, 0x00, 0x00, 0x00,               /* 2: mov eax, 100 */
        0x31, 0xd2,                                 /* xor edx, edx */
        0x83, 0xc6, 0x01,                           /* add esi, 1 */
        0xf7, 0xf3,                                 /* div ebx (at 0x1019) */
        0xeb, 0xef,                                 /* jmp 1b */
    };
    machine_pm32(code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), 0);                   /* #DE */
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1019);              /* at the DIV */
    CU_ASSERT_EQUAL(tv.state.regs[R_ESI], 1000);
    CU_ASSERT_EQUAL(tv.state.regs[R_EBX], 0);
    machine_down();
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "long_chain", test_long_chain },
        { "link_to_rewritten_block", test_link_to_rewritten_block },
        { "link_to_dma_written_block", test_link_to_dma_written_block },
        { "link_lists", test_link_lists },
        { "flush_between_runs", test_flush_between_runs },
        { "interrupt_stops_chain", test_interrupt_stops_chain },
        { "fault_after_link_is_precise", test_fault_after_link_is_precise },
        { NULL, NULL }
    };
    unit_add_suite("tcg-chain", NULL, NULL, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * The IOAPIC alone (messages recorded by a fake bus) and wired into the PC
 * routing of pc-irq.c with real local APICs and the 8259 pair: registers,
 * redirection, masking, edge vs level with Remote IRR and EOI, destinations
 * and delivery modes, the IRQ0 -> pin 2 override, virtual wire, garbage.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/intc/pc-irq.h"
#include "softmmu/vcpu.h"

const DeviceType *const device_types[] = { NULL };

static Machine mach;
static Vcpu cpus[2];
static Vcpu *cur;
static IOApic *io;
static ApicMsg msgs[64];
static int nmsgs;

Vcpu *vcpu_current(void) { return cur; }
void vcpu_interrupt(Vcpu *cpu, uint32_t mask) { atomic_fetch_or(&cpu->interrupt_request, mask); }
void vcpu_reset_interrupt(Vcpu *cpu, uint32_t mask) { atomic_fetch_and(&cpu->interrupt_request, ~mask); }

static void record(void *opaque, const ApicMsg *msg)
{
    if (nmsgs < 64)
        msgs[nmsgs] = *msg;
    nmsgs++;
}

static void setup_machine(void)
{
    unit_machine_init(&mach);
    memset(cpus, 0, sizeof(cpus));
    nmsgs = 0;
    cur = NULL;
}

static void setup(void)
{
    setup_machine();
    io = ioapic_create(&mach, record, NULL);
}

static void teardown(void)
{
    unit_machine_destroy(&mach);
}

static void io_write(uint8_t reg, uint32_t val)
{
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, IOAPIC_DEFAULT_BASE, 4, reg), MEMTX_OK);
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, IOAPIC_DEFAULT_BASE + 0x10, 4, val), MEMTX_OK);
}

static uint32_t io_read(uint8_t reg)
{
    MemTxResult r;
    as_st(&mach.as_mem, IOAPIC_DEFAULT_BASE, 4, reg);
    uint32_t v = (uint32_t)as_ld(&mach.as_mem, IOAPIC_DEFAULT_BASE + 0x10, 4, &r);
    CU_ASSERT_EQUAL(r, MEMTX_OK);
    return v;
}

static void redir(int pin, uint32_t lo, uint8_t dest)
{
    io_write((uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
    io_write((uint8_t)(0x10 + 2 * pin), lo);
}

static void test_registers(void)
{
    setup();
    CU_ASSERT_EQUAL(io_read(0x01), 0x00170020u);
    io_write(0x00, 0xffffffff);
    CU_ASSERT_EQUAL(io_read(0x00), 0x0f000000u);
    CU_ASSERT_EQUAL(io_read(0x02), 0x0f000000u);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        CU_ASSERT_EQUAL(io_read((uint8_t)(0x10 + 2 * pin)), 0x00010000u);
        CU_ASSERT_EQUAL(io_read((uint8_t)(0x11 + 2 * pin)), 0u);
    }
    /* Delivery status and Remote IRR are read-only; the rest sticks. */
    io_write(0x10 + 2 * 5, 0xffffffff);
    CU_ASSERT_EQUAL(io_read(0x10 + 2 * 5), 0x0001afffu);
    io_write(0x11 + 2 * 5, 0xffffffff);
    CU_ASSERT_EQUAL(io_read(0x11 + 2 * 5), 0xff000000u);
    /* Past the table: reads 0, writes go nowhere. */
    io_write(0x10 + 2 * 24, 0x1234);
    CU_ASSERT_EQUAL(io_read(0x10 + 2 * 24), 0u);
    io_write(0xff, 0x1234);
    CU_ASSERT_EQUAL(io_read(0xff), 0u);
    /* A byte read of IOREGSEL through the 32-bit callback. */
    MemTxResult r;
    as_st(&mach.as_mem, IOAPIC_DEFAULT_BASE, 4, 0x2a);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, IOAPIC_DEFAULT_BASE, 1, &r), 0x2au);
    teardown();
}

static void test_edge_and_mask(void)
{
    setup();
    redir(4, 0x34, 1);
    ioapic_set_irq(io, 4, 1);
    CU_ASSERT_EQUAL(nmsgs, 1);
    CU_ASSERT_EQUAL(msgs[0].vector, 0x34);
    CU_ASSERT_EQUAL(msgs[0].dest, 1u);
    CU_ASSERT_FALSE(msgs[0].dest_logical);
    CU_ASSERT_EQUAL(msgs[0].delivery, APIC_DM_FIXED);
    CU_ASSERT_FALSE(msgs[0].level);
    ioapic_set_irq(io, 4, 1);                          /* no new edge */
    CU_ASSERT_EQUAL(nmsgs, 1);
    ioapic_set_irq(io, 4, 0);
    ioapic_set_irq(io, 4, 1);
    CU_ASSERT_EQUAL(nmsgs, 2);
    CU_ASSERT_EQUAL(io_read(0x10 + 2 * 4) & (1u << 14), 0u);  /* no Remote IRR */
    /* An edge while masked is lost, unmasking does not replay it. */
    ioapic_set_irq(io, 4, 0);
    redir(4, 0x10034, 1);
    ioapic_set_irq(io, 4, 1);
    redir(4, 0x34, 1);
    CU_ASSERT_EQUAL(nmsgs, 2);
    /* Out-of-range pins from a wiring mistake are ignored. */
    ioapic_set_irq(io, 24, 1);
    ioapic_set_irq(io, -1, 1);
    CU_ASSERT_EQUAL(nmsgs, 2);
    teardown();
}

static void test_level_remote_irr(void)
{
    setup();
    redir(9, 0x8000 | 0x49, 0);
    ioapic_set_irq(io, 9, 1);
    CU_ASSERT_EQUAL(nmsgs, 1);
    CU_ASSERT_TRUE(msgs[0].level);
    CU_ASSERT_TRUE(io_read(0x10 + 2 * 9) & (1u << 14));
    ioapic_set_irq(io, 9, 1);
    CU_ASSERT_EQUAL(nmsgs, 1);                         /* in service */
    ioapic_eoi(io, 0x48);                              /* other vector */
    CU_ASSERT_EQUAL(nmsgs, 1);
    ioapic_eoi(io, 0x49);                              /* still asserted */
    CU_ASSERT_EQUAL(nmsgs, 2);
    CU_ASSERT_TRUE(io_read(0x10 + 2 * 9) & (1u << 14));
    ioapic_set_irq(io, 9, 0);
    /* The EOI register (version 0x20) does the same as a broadcast. */
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, IOAPIC_DEFAULT_BASE + 0x40, 4, 0x49), MEMTX_OK);
    CU_ASSERT_EQUAL(nmsgs, 2);
    CU_ASSERT_FALSE(io_read(0x10 + 2 * 9) & (1u << 14));
    /* Masked while asserted, then unmasked: delivered at once. */
    redir(9, 0x18000 | 0x49, 0);
    ioapic_set_irq(io, 9, 1);
    CU_ASSERT_EQUAL(nmsgs, 2);
    redir(9, 0x8000 | 0x49, 0);
    CU_ASSERT_EQUAL(nmsgs, 3);
    teardown();
}

static void test_modes_and_destinations(void)
{
    setup();
    redir(1, 0x800 | 0x100 | 0x51, 0x0c);              /* logical, lowest */
    redir(2, 0x400, 3);                                /* NMI */
    redir(3, 0x500, 3);                                /* INIT */
    redir(5, 0x700, 0);                                /* ExtINT */
    redir(6, 0x300 | 0x40, 0);                         /* reserved mode */
    redir(7, 0x8000 | 0x400, 3);                       /* NMI "level" */
    for (int pin = 1; pin <= 7; pin++)
        ioapic_set_irq(io, pin, 1);
    CU_ASSERT_EQUAL(nmsgs, 5);
    CU_ASSERT_TRUE(msgs[0].dest_logical);
    CU_ASSERT_EQUAL(msgs[0].dest, 0x0cu);
    CU_ASSERT_EQUAL(msgs[0].delivery, APIC_DM_LOWEST);
    CU_ASSERT_EQUAL(msgs[1].delivery, APIC_DM_NMI);
    CU_ASSERT_EQUAL(msgs[2].delivery, APIC_DM_INIT);
    CU_ASSERT_EQUAL(msgs[3].delivery, APIC_DM_EXTINT);
    CU_ASSERT_EQUAL(msgs[4].delivery, APIC_DM_NMI);
    CU_ASSERT_FALSE(msgs[4].level);                    /* NMI is always edge */
    CU_ASSERT_FALSE(io_read(0x10 + 2 * 7) & (1u << 14));
    teardown();
}

/* ------------------------------------------------------------------------ */
/* With pc-irq: real APICs and 8259s */

static PcIrq *pc;

static void pc_setup(void)
{
    setup_machine();
    mach.nr_cpus = 2;
    for (int i = 0; i < 2; i++) {
        cpus[i].index = i;
        cpus[i].machine = &mach;
        mach.cpus[i] = &cpus[i];
    }
    Error err = { 0 };
    pc = pc_irq_create(&mach, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    io = pc->ioapic;
}

static void apic_wr(int cpu, unsigned reg, uint32_t v)
{
    cur = &cpus[cpu];
    as_st(&mach.as_mem, APIC_DEFAULT_BASE + reg, 4, v);
    cur = NULL;
}

static bool hard(int cpu)
{
    return atomic_load(&cpus[cpu].interrupt_request) & CPU_INTERRUPT_HARD;
}

static void outb(uint16_t port, uint8_t v)
{
    as_st(&mach.as_io, port, 1, v);
}

static void test_pc_routing(void)
{
    pc_setup();
    CU_ASSERT_PTR_EQUAL(cpus[1].irq_ack, apic_irq_ack);
    CU_ASSERT_PTR_NOT_NULL(cpus[0].apic_msr_write);
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
    outb(0x21, 0xff); outb(0xa1, 0xff);                /* PIC fully masked */
    apic_wr(0, 0xf0, 0x1ff);
    apic_wr(1, 0xf0, 0x1ff);

    /* IRQ0 is IOAPIC pin 2. */
    redir(2, 0x30, 1);
    redir(0, 0x31, 1);
    irq_raise(&pc->gsi[0]);
    CU_ASSERT_TRUE(hard(1));
    CU_ASSERT_FALSE(hard(0));
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[1]), 0x30);
    irq_lower(&pc->gsi[0]);
    apic_wr(1, 0xb0, 0);
    CU_ASSERT_FALSE(hard(1));                          /* pin 0 stayed quiet */
    redir(0, 0x10000, 0);                              /* pin 0 is the 8259's */

    /* Level GSI 10 to CPU 1: EOI at the APIC re-delivers while asserted. */
    redir(10, 0x8000 | 0x3a, 1);
    irq_raise(&pc->gsi[10]);
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[1]), 0x3a);
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[1]), -1);
    apic_wr(1, 0xb0, 0);
    CU_ASSERT_TRUE(hard(1));
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[1]), 0x3a);
    irq_lower(&pc->gsi[10]);
    apic_wr(1, 0xb0, 0);
    CU_ASSERT_FALSE(hard(1));
    CU_ASSERT_FALSE(io_read(0x10 + 2 * 10) & (1u << 14));

    /* Virtual wire through LINT0: the 8259's vector reaches the BSP. */
    apic_wr(0, 0x350, 0x700);
    outb(0x21, 0xfd);                                  /* unmask IRQ1 */
    irq_raise(&pc->gsi[1]);
    CU_ASSERT_TRUE(hard(0));
    CU_ASSERT_FALSE(hard(1));
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[0]), 0x21);
    CU_ASSERT_FALSE(hard(0));
    outb(0x20, 0x20);
    irq_lower(&pc->gsi[1]);

    /* Virtual wire through IOAPIC pin 0 (ExtINT), LINT0 masked. */
    apic_wr(0, 0x350, 0x10700);
    redir(0, 0x700, 0);
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x03);
    outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x03);
    outb(0xa1, 0xf9); outb(0x21, 0xfb);                /* IRQ9, 10 in AEOI */
    irq_raise(&pc->pic_in[10]);
    irq_raise(&pc->pic_in[9]);
    CU_ASSERT_TRUE(hard(0));
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[0]), 0x29);
    /* INT stayed asserted for IRQ10; INTA's dip made a new ExtINT edge. */
    CU_ASSERT_TRUE(hard(0));
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[0]), 0x2a);
    CU_ASSERT_FALSE(hard(0));

    /* NMI wire: LINT1 programmed as NMI on both CPUs. */
    apic_wr(0, 0x360, 0x400);
    apic_wr(1, 0x360, 0x400);
    irq_raise(&pc->nmi);
    CU_ASSERT_TRUE(atomic_load(&cpus[0].interrupt_request) & CPU_INTERRUPT_NMI);
    CU_ASSERT_TRUE(atomic_load(&cpus[1].interrupt_request) & CPU_INTERRUPT_NMI);
    teardown();
}

static void test_pc_reset_and_power_on(void)
{
    pc_setup();
    /* Before anyone programs anything, a PIC-only guest works on the BSP. */
    outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0x21, 0xfe);
    irq_raise(&pc->gsi[0]);
    CU_ASSERT_TRUE(hard(0));
    CU_ASSERT_EQUAL(apic_irq_ack(&cpus[0]), 0x08);
    devices_reset(&mach);
    CU_ASSERT_EQUAL(io_read(0x10 + 2 * 2), 0x00010000u);
    CU_ASSERT_FALSE(hard(0));
    teardown();
}

static void test_garbage(void)
{
    setup();
    unsigned seed = 4242;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245 + 12345;
        uint64_t off = (seed >> 8) & 0xfc;
        if ((seed >> 20) & 1)
            as_st(&mach.as_mem, IOAPIC_DEFAULT_BASE + off, 4, seed ^ (seed >> 3));
        else
            as_ld(&mach.as_mem, IOAPIC_DEFAULT_BASE + off, 4, NULL);
        ioapic_set_irq(io, (int)((seed >> 4) % 30) - 3, (seed >> 16) & 1);
        if ((seed & 7) == 0)
            ioapic_eoi(io, (uint8_t)(seed >> 24));
    }
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++)
        if (io->redir[pin] & ~(0xff0000000001efffull))
            bad++;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_TRUE(nmsgs > 0);
    teardown();
}

static const UnitTest tests[] = {
    { "registers", test_registers },
    { "edge and masking", test_edge_and_mask },
    { "level, remote IRR and EOI", test_level_remote_irr },
    { "delivery modes and destinations", test_modes_and_destinations },
    { "pc routing with APICs and 8259", test_pc_routing },
    { "power-on PIC path and reset", test_pc_reset_and_power_on },
    { "guest garbage", test_garbage },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("ioapic", NULL, NULL, tests);
}

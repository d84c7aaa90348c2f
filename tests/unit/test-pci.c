/* SPDX-License-Identifier: MIT */
/*
 * The PCI bus through the guest's eyes: configuration mechanism #1 at
 * 0xcf8/0xcfc with every access width and alignment, absent devices,
 * read-only and write-1-to-clear bits, BAR sizing and mapping through the
 * memory API (and the command register turning decode off), INTx routed
 * through the PIIX's PIRQ registers to ISA lines, reset, snapshot, and a
 * guest writing garbage.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/core/irq.h"

/* No -device types here (device-types.c would pull in every model). */
const DeviceType *const device_types[] = { NULL };

/* machine.c is not linked into this test: record requests ourselves. */
__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    if (!atomic_exchange(&m->shutdown_requested, true))
        m->exit_status = status;
}

__attribute__((weak)) void machine_request_reset(Machine *m)
{
    atomic_store(&m->reset_requested, true);
}

static Machine mach;
static I440FXState *hb;
static PIIXIsaState *isa;
static IrqLine isa_lines[16];
static int isa_level[16];
static int isa_calls[16];

static void isa_irq_handler(void *opaque, int n, int level)
{
    isa_level[n] = level;
    isa_calls[n]++;
}

/* A device model as virtio or e1000 would be: BARs of every kind. */
typedef struct TestDev {
    PCIDevice pci;
    MemoryRegion io, mmio, mmio64, rom;
    uint64_t last_write_addr, last_write_val;
    int writes;
} TestDev;

static uint64_t testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0xa0 + addr;
}

static void testdev_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    TestDev *t = opaque;
    t->last_write_addr = addr;
    t->last_write_val = val;
    t->writes++;
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read, .write = testdev_write, .min_access = 1, .max_access = 4,
};

static TestDev *testdev_new(int devfn, uint8_t pin)
{
    TestDev *t = calloc(1, sizeof(*t));
    Error err = { 0 };
    CU_ASSERT_FATAL(pci_device_register(i440fx_bus(hb), &t->pci, devfn, "testdev", &err) == 0);
    pci_config_set_ids(&t->pci, 0x1af4, 0x1000, 0x01, 0x020000, 0);
    pci_config_set_interrupt_pin(&t->pci, pin);
    mr_init_io(&t->io, "t-io", &testdev_ops, t, 32);
    mr_init_io(&t->mmio, "t-mmio", &testdev_ops, t, 0x1000);
    mr_init_io(&t->mmio64, "t-mmio64", &testdev_ops, t, 0x100000);
    mr_init_io(&t->rom, "t-rom", &testdev_ops, t, 0x10000);
    pci_register_bar(&t->pci, 0, PCI_BAR_IO, &t->io);
    pci_register_bar(&t->pci, 1, PCI_BAR_MEM32, &t->mmio);
    pci_register_bar(&t->pci, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, &t->mmio64);
    pci_register_bar(&t->pci, PCI_ROM_SLOT, 0, &t->rom);
    return t;
}

static void testdev_free(TestDev *t)
{
    pci_device_unregister(&t->pci);
    mr_destroy(&t->io);
    mr_destroy(&t->mmio);
    mr_destroy(&t->mmio64);
    mr_destroy(&t->rom);
    free(t);
}

static int suite_init(void)
{
    unit_machine_init(&mach);
    return unit_machine_add_i440fx_piix(&mach, isa_lines, isa_irq_handler, NULL,
                                        &hb, &isa) == 0 ? 0 : 1;
}

static int suite_clean(void)
{
    unit_machine_destroy(&mach);
    return 0;
}

static uint32_t in(uint16_t port, unsigned size) { return unit_in(&mach, port, size); }
static void out(uint16_t port, unsigned size, uint32_t val) { unit_out(&mach, port, size, val); }

/* Guest-style config read/write through the ports. */
static uint32_t cfg_read(int devfn, unsigned reg, unsigned size)
{
    return unit_pci_cfg_read(&mach, devfn, reg, size);
}

static void cfg_write(int devfn, unsigned reg, unsigned size, uint32_t val)
{
    unit_pci_cfg_write(&mach, devfn, reg, size, val);
}

static void test_config_widths(void)
{
    out(0xcf8, 4, 0x80000000u);
    CU_ASSERT_EQUAL(in(0xcfc, 4), 0x12378086u);
    CU_ASSERT_EQUAL(in(0xcfc, 2), 0x8086);
    CU_ASSERT_EQUAL(in(0xcfe, 2), 0x1237);
    CU_ASSERT_EQUAL(in(0xcfc, 1), 0x86);
    CU_ASSERT_EQUAL(in(0xcfd, 1), 0x80);
    CU_ASSERT_EQUAL(in(0xcfe, 1), 0x37);
    CU_ASSERT_EQUAL(in(0xcff, 1), 0x12);
    /* Word at an odd offset: split by the memory core, bytes 1 and 2. */
    CU_ASSERT_EQUAL(in(0xcfd, 2), 0x3780);

    /* Class code and revision, one dword at 0x08. */
    CU_ASSERT_EQUAL(cfg_read(0, 0x08, 4), 0x06000002u);
    /* PIIX3 at 1.0: multi-function header, ISA bridge class. */
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x00, 4), 0x70008086u);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x0e, 1), 0x80);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x0a, 2), 0x0601);

    /* Writes of each width land on the right bytes. */
    cfg_write(0, 0x0d, 1, 0x40);                /* latency timer */
    CU_ASSERT_EQUAL(cfg_read(0, 0x0c, 4) & 0xffff00, 0x4000);
    cfg_write(0, 0x0c, 1, 0x08);                /* cache line size */
    CU_ASSERT_EQUAL(cfg_read(0, 0x0c, 2), 0x4008);
    cfg_write(0, 0x0c, 2, 0x2010);
    CU_ASSERT_EQUAL(cfg_read(0, 0x0c, 1), 0x10);
    CU_ASSERT_EQUAL(cfg_read(0, 0x0d, 1), 0x20);
    /* Upper half of a dword through 0xcfe. */
    cfg_write(PCI_DEVFN(1, 0), 0x62, 2, 0x0b0a);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x60, 4), 0x0b0a8080u);
    cfg_write(PCI_DEVFN(1, 0), 0x60, 4, 0x80808080u);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x62, 2), 0x8080);
}

static void test_config_address_register(void)
{
    out(0xcf8, 4, 0x80000000u | (3 << 11) | 0x44);
    CU_ASSERT_EQUAL(in(0xcf8, 4), 0x80001844u);
    /* Reserved bits 30:24 and 1:0 do not stick. */
    out(0xcf8, 4, 0xffffffffu);
    CU_ASSERT_EQUAL(in(0xcf8, 4), 0x80fffffcu);
    /* Byte and word accesses are not CONFIG_ADDRESS. */
    out(0xcf8, 4, 0x80000000u);
    out(0xcf8, 1, 0x55);
    out(0xcfa, 2, 0x1234);
    CU_ASSERT_EQUAL(in(0xcf8, 4), 0x80000000u);
}

static void test_absent_devices(void)
{
    /* Slot 9 is empty. */
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(9, 0), 0, 4), 0xffffffffu);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(9, 0), 2, 2), 0xffff);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(9, 0), 3, 1), 0xff);
    /* Function 5 of the PIIX does not exist. */
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 5), 0, 4), 0xffffffffu);
    /* Bus 1 has nothing (no bridges). */
    out(0xcf8, 4, 0x80010000u);
    CU_ASSERT_EQUAL(in(0xcfc, 4), 0xffffffffu);
    /* Enable bit clear: the data port is not a config access. */
    out(0xcf8, 4, 0x00000000u);
    CU_ASSERT_EQUAL(in(0xcfc, 4), 0xffffffffu);
    out(0xcfc, 4, 0);
    CU_ASSERT_EQUAL(cfg_read(0, 0, 4), 0x12378086u);
    /* Writes to nobody change nothing and do not crash. */
    cfg_write(PCI_DEVFN(9, 0), 0x04, 4, 0xffffffffu);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(9, 0), 0x04, 4), 0xffffffffu);
}

static void test_readonly_and_w1c(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    int df = PCI_DEVFN(3, 0);

    cfg_write(df, 0x00, 4, 0xdeadbeefu);        /* IDs */
    CU_ASSERT_EQUAL(cfg_read(df, 0x00, 4), 0x10001af4u);
    cfg_write(df, 0x08, 4, 0xffffffffu);        /* class, revision */
    CU_ASSERT_EQUAL(cfg_read(df, 0x08, 4), 0x02000001u);
    cfg_write(df, 0x3d, 1, 0x04);               /* interrupt pin */
    CU_ASSERT_EQUAL(cfg_read(df, 0x3d, 1), 1);
    cfg_write(df, 0x3c, 1, 0x0b);               /* interrupt line is RW */
    CU_ASSERT_EQUAL(cfg_read(df, 0x3c, 1), 0x0b);

    /* Command: only the implemented bits stick. */
    cfg_write(df, 0x04, 2, 0xffff);
    CU_ASSERT_EQUAL(cfg_read(df, 0x04, 2), 0x0547);
    cfg_write(df, 0x04, 2, 0);

    /* Status: error bits are write-1-to-clear, DEVSEL is read-only. */
    t->pci.config[PCI_STATUS + 1] |= 0xf9;      /* the device saw errors */
    uint16_t st = (uint16_t)cfg_read(df, 0x06, 2);
    CU_ASSERT_EQUAL(st, 0xfb00);
    cfg_write(df, 0x06, 2, 0x0000);             /* writing 0 clears nothing */
    CU_ASSERT_EQUAL(cfg_read(df, 0x06, 2), 0xfb00);
    cfg_write(df, 0x06, 2, 0x2000);             /* received master abort */
    CU_ASSERT_EQUAL(cfg_read(df, 0x06, 2), 0xdb00);
    /* A dword write to 0x04 clears status bits while setting command. */
    cfg_write(df, 0x04, 4, 0xffff0000u);
    CU_ASSERT_EQUAL(cfg_read(df, 0x04, 4), 0x02000000u);

    testdev_free(t);
}

static void test_bar_sizing(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    int df = PCI_DEVFN(3, 0);

    CU_ASSERT_EQUAL(cfg_read(df, 0x10, 4), 0x1);            /* I/O */
    CU_ASSERT_EQUAL(cfg_read(df, 0x14, 4), 0x0);            /* mem32 */
    CU_ASSERT_EQUAL(cfg_read(df, 0x18, 4), 0xc);            /* mem64 prefetch */
    for (unsigned reg = 0x10; reg <= 0x30; reg += 4) {
        if (reg >= 0x24 && reg < 0x30)
            continue;
        cfg_write(df, reg, 4, 0xffffffffu);
    }
    CU_ASSERT_EQUAL(cfg_read(df, 0x10, 4), 0xffffffe1u);    /* 32 bytes */
    CU_ASSERT_EQUAL(cfg_read(df, 0x14, 4), 0xfffff000u);    /* 4 KiB */
    CU_ASSERT_EQUAL(cfg_read(df, 0x18, 4), 0xfff0000cu);    /* 1 MiB */
    CU_ASSERT_EQUAL(cfg_read(df, 0x1c, 4), 0xffffffffu);
    CU_ASSERT_EQUAL(cfg_read(df, 0x20, 4), 0);              /* not a BAR */
    CU_ASSERT_EQUAL(cfg_read(df, 0x30, 4), 0xffff0001u);    /* 64 KiB ROM */
    /* Sized values never map, even with decode on. */
    cfg_write(df, 0x04, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    for (int i = 0; i <= PCI_ROM_SLOT; i++)
        CU_ASSERT_EQUAL(pci_bar_address(&t->pci, i), PCI_BAR_UNMAPPED);
    testdev_free(t);
}

static void test_bar_mapping(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    int df = PCI_DEVFN(3, 0);

    cfg_write(df, 0x10, 4, 0xc001);
    cfg_write(df, 0x14, 4, 0xfebf0000u);
    cfg_write(df, 0x18, 4, 0x0);
    cfg_write(df, 0x1c, 4, 0x8);                /* 0x8_0000_0000 */
    /* Programmed but decode off: nothing there. */
    CU_ASSERT_EQUAL(in(0xc005, 1), 0xff);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebf0010, 4, NULL), 0xffffffffu);

    cfg_write(df, 0x04, 2, PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(in(0xc005, 1), 0xa5);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 0), 0xc000);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebf0010, 4, NULL), 0xffffffffu);
    out(0xc01f, 1, 0x77);
    CU_ASSERT_EQUAL(t->last_write_addr, 0x1f);
    CU_ASSERT_EQUAL(t->last_write_val, 0x77);

    cfg_write(df, 0x04, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebf0010, 4, NULL), 0xb0);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0x800000004ull, 4, NULL), 0xa4);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 2), 0x800000000ull);

    /* Moving a BAR moves the region. */
    cfg_write(df, 0x14, 4, 0xfebe0000u);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebf0010, 4, NULL), 0xffffffffu);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebe0010, 4, NULL), 0xb0);

    /* Memory decode off unmaps memory BARs only. */
    cfg_write(df, 0x04, 2, PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebe0010, 4, NULL), 0xffffffffu);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 1), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(in(0xc005, 1), 0xa5);
    cfg_write(df, 0x04, 2, 0);
    CU_ASSERT_EQUAL(in(0xc005, 1), 0xff);

    /* The ROM decodes only with its own enable bit and memory decode. */
    cfg_write(df, 0x30, 4, 0xfeb00000u);
    cfg_write(df, 0x04, 2, PCI_COMMAND_MEMORY);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, PCI_ROM_SLOT), PCI_BAR_UNMAPPED);
    cfg_write(df, 0x30, 4, 0xfeb00001u);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, PCI_ROM_SLOT), 0xfeb00000u);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfeb00002, 1, NULL), 0xa2);

    /* An I/O BAR cannot hide the chipset's own ports (0xcf8). */
    cfg_write(df, 0x10, 4, 0x0ce1);
    cfg_write(df, 0x04, 2, PCI_COMMAND_IO);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 0), 0xce0);
    CU_ASSERT_EQUAL(cfg_read(0, 0, 4), 0x12378086u);
    CU_ASSERT_EQUAL(in(0xce0, 1), 0xa0);

    /* Reset puts every BAR back to 0 and unmaps it. */
    pci_device_reset(&t->pci);
    CU_ASSERT_EQUAL(cfg_read(df, 0x10, 4), 0x1);
    CU_ASSERT_EQUAL(cfg_read(df, 0x04, 2), 0);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 0), PCI_BAR_UNMAPPED);
    CU_ASSERT_EQUAL(in(0xce0, 1), 0xff);
    testdev_free(t);
}

static void test_bar_snapshot(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    int df = PCI_DEVFN(3, 0);
    static const StateField fields[] = {
        STATE_STRUCT(TestDev, pci, pci_device_state), STATE_END
    };
    static const StateDesc desc = { "testdev", 1, fields, NULL };
    ByteStream bs;
    Error err = { 0 };

    cfg_write(df, 0x14, 4, 0xfebf0000u);
    cfg_write(df, 0x04, 2, PCI_COMMAND_MEMORY);
    bs_init(&bs);
    CU_ASSERT_FATAL(state_save(&bs, &desc, t, &err) == 0);
    cfg_write(df, 0x04, 2, 0);
    cfg_write(df, 0x14, 4, 0xfe000000u);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 1), PCI_BAR_UNMAPPED);
    CU_ASSERT_FATAL(state_load(&bs, &desc, t, &err) == 0);
    CU_ASSERT_EQUAL(pci_bar_address(&t->pci, 1), 0xfebf0000u);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xfebf0001, 1, NULL), 0xa1);
    bs_free(&bs);
    testdev_free(t);
}

static void test_intx_routing(void)
{
    TestDev *a = testdev_new(PCI_DEVFN(4, 0), 1);   /* INTA, slot 4 -> PIRQD */
    TestDev *b = testdev_new(PCI_DEVFN(5, 0), 4);   /* INTD, slot 5 -> PIRQD */
    TestDev *c = testdev_new(PCI_DEVFN(5, 1), 2);   /* INTB, slot 5 -> PIRQB */
    int piix = PCI_DEVFN(1, 0);

    CU_ASSERT_EQUAL(pci_swizzle(4, 1), 3);
    CU_ASSERT_EQUAL(pci_swizzle(5, 4), 3);
    CU_ASSERT_EQUAL(pci_swizzle(5, 2), 1);
    CU_ASSERT_EQUAL(pci_swizzle(1, 1), 0);          /* slot 1 INTA is PIRQA */
    CU_ASSERT_EQUAL(pci_swizzle(0, 1), 3);

    /* Routes reset disabled: asserting reaches no ISA line. */
    memset(isa_calls, 0, sizeof(isa_calls));
    pci_set_irq(&a->pci, 1);
    for (int n = 0; n < 16; n++)
        CU_ASSERT_EQUAL(isa_calls[n], 0);
    CU_ASSERT(cfg_read(PCI_DEVFN(4, 0), 0x06, 2) & PCI_STATUS_INTERRUPT);

    /* Routing PIRQD to IRQ 11 raises it at once. */
    cfg_write(piix, 0x63, 1, 11);
    CU_ASSERT_EQUAL(piix_isa_pirq_route(isa, 3), 11);
    CU_ASSERT_EQUAL(isa_level[11], 1);
    /* A second device on the same PIRQ: the line stays up until both drop. */
    pci_set_irq(&b->pci, 1);
    pci_set_irq(&a->pci, 0);
    CU_ASSERT_EQUAL(isa_level[11], 1);
    CU_ASSERT_FALSE(cfg_read(PCI_DEVFN(4, 0), 0x06, 2) & PCI_STATUS_INTERRUPT);
    pci_set_irq(&b->pci, 0);
    CU_ASSERT_EQUAL(isa_level[11], 0);

    /* PIRQB to IRQ 10; PIRQD moved to 10 too: shared ISA IRQ. */
    cfg_write(piix, 0x61, 1, 10);
    pci_set_irq(&c->pci, 1);
    CU_ASSERT_EQUAL(isa_level[10], 1);
    CU_ASSERT_EQUAL(isa_level[11], 0);
    pci_set_irq(&a->pci, 1);
    CU_ASSERT_EQUAL(isa_level[11], 1);
    cfg_write(piix, 0x63, 1, 10);               /* move D from 11 to 10 */
    CU_ASSERT_EQUAL(isa_level[11], 0);
    CU_ASSERT_EQUAL(isa_level[10], 1);
    pci_set_irq(&c->pci, 0);
    CU_ASSERT_EQUAL(isa_level[10], 1);          /* D still asserted */

    /* INTx disable in the command register masks the pin, not the status. */
    cfg_write(PCI_DEVFN(4, 0), 0x04, 2, PCI_COMMAND_INTX_DISABLE);
    CU_ASSERT_EQUAL(isa_level[10], 0);
    CU_ASSERT(cfg_read(PCI_DEVFN(4, 0), 0x06, 2) & PCI_STATUS_INTERRUPT);
    cfg_write(PCI_DEVFN(4, 0), 0x04, 2, 0);
    CU_ASSERT_EQUAL(isa_level[10], 1);

    /* Bit 7 disables the route; reserved targets (IRQ 2, 8, 13) go nowhere. */
    cfg_write(piix, 0x63, 1, 0x8a);
    CU_ASSERT_EQUAL(isa_level[10], 0);
    CU_ASSERT_EQUAL(piix_isa_pirq_route(isa, 3), -1);
    memset(isa_calls, 0, sizeof(isa_calls));
    cfg_write(piix, 0x63, 1, 2);
    cfg_write(piix, 0x63, 1, 8);
    cfg_write(piix, 0x63, 1, 13);
    CU_ASSERT_EQUAL(isa_calls[2] + isa_calls[8] + isa_calls[13], 0);
    /* Reserved bits 6:4 do not stick. */
    cfg_write(piix, 0x63, 1, 0x7f);
    CU_ASSERT_EQUAL(cfg_read(piix, 0x63, 1), 0x0f);
    CU_ASSERT_EQUAL(isa_level[15], 1);

    /* Unregistering an asserting device drops its share. */
    testdev_free(a);
    CU_ASSERT_EQUAL(isa_level[15], 0);
    testdev_free(b);
    testdev_free(c);
    cfg_write(piix, 0x60, 4, 0x80808080u);
}

static void test_register_errors(void)
{
    PCIDevice d;
    Error err = { 0 };
    memset(&d, 0, sizeof(d));
    CU_ASSERT_EQUAL(pci_device_register(i440fx_bus(hb), &d, PCI_DEVFN(0, 0), "dup", &err), -1);
    CU_ASSERT_EQUAL(pci_device_register(i440fx_bus(hb), &d, 300, "big", &err), -1);
    /* -1 picks function 0 of the first free slot (2: 0 and 1 are taken). */
    CU_ASSERT_EQUAL(pci_device_register(i440fx_bus(hb), &d, -1, "auto", &err), 0);
    CU_ASSERT_EQUAL(d.devfn, PCI_DEVFN(2, 0));
    /* Out-of-range direct accesses read all-ones and write nothing. */
    CU_ASSERT_EQUAL(pci_config_read(&d, 0xfe, 4), 0xffffffffu);
    CU_ASSERT_EQUAL(pci_config_read(&d, 0x10, 3), 0xffffffffu);
    pci_config_write(&d, 0x3c, 5, 1);
    pci_config_write(&d, 0xff, 0xffff, 2);
    CU_ASSERT_EQUAL(pci_config_read(&d, 0x3c, 1), 5);
    pci_device_unregister(&d);
    CU_ASSERT_PTR_NULL(pci_find_device(i440fx_bus(hb), PCI_DEVFN(2, 0)));
}

static void test_bus_master_dma(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    MemoryRegion ram;
    Error err = { 0 };
    CU_ASSERT_FATAL(mr_init_ram(&ram, "dma-ram", 0x10000, &err) == 0);
    mr_add_subregion(&mach.sysmem, 0x100000, &ram);
    uint8_t buf[4] = { 1, 2, 3, 4 }, back[4];

    /* Bus Master Enable clear: nothing moves. */
    CU_ASSERT_EQUAL(pci_dma_write(&t->pci, 0x100010, buf, 4), MEMTX_ERROR);
    CU_ASSERT_EQUAL(mr_ram_ptr(&ram)[0x10], 0);
    CU_ASSERT_EQUAL(pci_dma_read(&t->pci, 0x100010, back, 4), MEMTX_ERROR);
    CU_ASSERT_EQUAL(back[0], 0xff);
    cfg_write(PCI_DEVFN(3, 0), 0x04, 2, PCI_COMMAND_MASTER);
    CU_ASSERT_EQUAL(pci_dma_write(&t->pci, 0x100010, buf, 4), MEMTX_OK);
    CU_ASSERT_EQUAL(mr_ram_ptr(&ram)[0x13], 4);
    CU_ASSERT_EQUAL(pci_dma_read(&t->pci, 0x100010, back, 4), MEMTX_OK);
    CU_ASSERT_EQUAL(memcmp(back, buf, 4), 0);
    /* Outside RAM: unassigned, not a crash. */
    CU_ASSERT_EQUAL(pci_dma_write(&t->pci, 0x7fff0000, buf, 4), MEMTX_UNASSIGNED);

    mr_destroy(&ram);
    testdev_free(t);
}

static void test_capabilities(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    int df = PCI_DEVFN(3, 0);
    CU_ASSERT_FALSE(cfg_read(df, 0x06, 2) & PCI_STATUS_CAP_LIST);
    CU_ASSERT_EQUAL(pci_add_capability(&t->pci, 0x09, 0x40, 16), 0x40);
    CU_ASSERT_EQUAL(pci_add_capability(&t->pci, 0x05, 0x50, 12), 0x50);
    /* Overlaps, header, misalignment and the end of space are refused. */
    CU_ASSERT_EQUAL(pci_add_capability(&t->pci, 0x11, 0x4c, 8), -1);
    CU_ASSERT_EQUAL(pci_add_capability(&t->pci, 0x11, 0x30, 8), -1);
    CU_ASSERT_EQUAL(pci_add_capability(&t->pci, 0x11, 0x62, 8), -1);
    CU_ASSERT_EQUAL(pci_add_capability(&t->pci, 0x11, 0xfc, 8), -1);
    /* The guest walks the list from 0x34. */
    CU_ASSERT(cfg_read(df, 0x06, 2) & PCI_STATUS_CAP_LIST);
    CU_ASSERT_EQUAL(cfg_read(df, 0x34, 1), 0x50);
    CU_ASSERT_EQUAL(cfg_read(df, 0x50, 2), 0x4005);
    CU_ASSERT_EQUAL(cfg_read(df, 0x40, 2), 0x0009);
    /* Read-only to the guest, and they survive reset. */
    cfg_write(df, 0x34, 1, 0);
    cfg_write(df, 0x50, 2, 0);
    pci_device_reset(&t->pci);
    CU_ASSERT_EQUAL(cfg_read(df, 0x34, 1), 0x50);
    CU_ASSERT_EQUAL(cfg_read(df, 0x50, 2), 0x4005);
    testdev_free(t);
}

/* A guest hammering the config ports with garbage never breaks tandem. */
static void test_config_fuzz(void)
{
    TestDev *t = testdev_new(PCI_DEVFN(3, 0), 1);
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t addr = x;
        x = x * 1103515245u + 12345u;
        uint32_t val = x;
        static const unsigned sizes[] = { 1, 2, 4 };
        unsigned size = sizes[(val >> 3) % 3];
        /* Mostly devices that exist, sometimes anything at all. */
        static const int devfns[] = { PCI_DEVFN(0, 0), PCI_DEVFN(1, 0), PCI_DEVFN(3, 0) };
        if ((addr >> 28) != 0xf)
            addr = (addr & 0xfc) | (uint32_t)devfns[(addr >> 8) % 3] << 8;
        out(0xcf8, 4, addr | 0x80000000u);
        out((uint16_t)(0xcfc + (val & 3)), size, val);
        (void)in((uint16_t)(0xcfc + ((val >> 8) & 3)), size);
    }
    /* Read-only identity survived; the host bridge still answers. */
    CU_ASSERT_EQUAL(cfg_read(0, 0, 4), 0x12378086u);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(3, 0), 0, 4), 0x10001af4u);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0, 4), 0x70008086u);
    testdev_free(t);
    devices_reset(&mach);
    CU_ASSERT_EQUAL(cfg_read(PCI_DEVFN(1, 0), 0x60, 4), 0x80808080u);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "config_widths", test_config_widths },
        { "config_address_register", test_config_address_register },
        { "absent_devices", test_absent_devices },
        { "readonly_and_w1c", test_readonly_and_w1c },
        { "bar_sizing", test_bar_sizing },
        { "bar_mapping", test_bar_mapping },
        { "bar_snapshot", test_bar_snapshot },
        { "intx_routing", test_intx_routing },
        { "register_errors", test_register_errors },
        { "bus_master_dma", test_bus_master_dma },
        { "capabilities", test_capabilities },
        { "config_fuzz", test_config_fuzz },
        { NULL, NULL }
    };
    unit_add_suite("pci", suite_init, suite_clean, tests);
}

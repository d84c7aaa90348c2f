/* SPDX-License-Identifier: MIT */
/*
 * The PC board, first cut: RAM, the COM ports, port 0x80 and the kernel
 * loaders. Devices are created here explicitly and in order; that order is
 * their reset and snapshot order.
 *
 * Memory map: one RAM block (Machine.ram) shown through two aliases, the
 * first PC_LOWMEM_MAX bytes at 0 and the rest at 4 GiB, leaving the top of
 * the 32-bit space for the PCI hole and the BIOS that later work adds.
 *
 * Interrupts: the board owns the sixteen ISA IRQ lines. Until the i8259
 * exists they are unwired (a NULL handler drops the level) and vCPUs'
 * irq_ack reports nothing pending.
 *
 * COM ports follow QEMU: -serial N times gives COM1..COMN at the standard
 * ports; "-serial none" leaves that port out. With no -serial, COM1 goes to
 * stdio under -nographic and, until a display exists, to the null backend
 * otherwise (the port is there, its output goes nowhere), so the machine a
 * guest sees does not depend on the display options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc/pc.h"
#include "hw/pc/e820.h"
#include "hw/pc/image.h"
#include "hw/pc/linux-boot.h"
#include "hw/pc/multiboot.h"
#include "hw/char/serial.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/misc/misc.h"
#include "softmmu/vcpu.h"
#include "ui/chardev.h"

#define PC_NR_ISA_IRQS 16
#define PC_NR_COM 4

static const struct {
    uint16_t iobase;
    int irq;
} pc_com_slots[PC_NR_COM] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

typedef struct PcBoard {
    Device dev;                 /* board-internal; frees this struct */
    Machine *machine;
    MemoryRegion ram_below_4g, ram_above_4g;
    bool have_below_4g, have_above_4g;
    uint64_t below_4g, above_4g;
    E820Table e820;
    IrqLine isa_irq[PC_NR_ISA_IRQS];
    unsigned com_used;          /* bit i: COM slot i has a port */

    /* -kernel, kept to load it again on every reset (there is no firmware) */
    enum { PC_BOOT_NONE, PC_BOOT_MULTIBOOT, PC_BOOT_LINUX } boot;
    uint8_t *kernel;
    size_t kernel_len;
} PcBoard;

static PcBoard *pc_board(Machine *m)
{
    return m ? m->board : NULL;
}

IrqLine *pc_isa_irq(Machine *m, unsigned n)
{
    PcBoard *b = pc_board(m);
    return b && n < PC_NR_ISA_IRQS ? &b->isa_irq[n] : NULL;
}

void pc_serial_default_slot(Machine *m, uint16_t *iobase, int *irq)
{
    PcBoard *b = pc_board(m);
    for (unsigned i = 0; i < PC_NR_COM; i++) {
        if (!b || !(b->com_used & (1u << i))) {
            if (b)
                b->com_used |= 1u << i;
            *iobase = pc_com_slots[i].iobase;
            *irq = pc_com_slots[i].irq;
            return;
        }
    }
    /* All four taken: the user has to say where; COM1's values as default. */
    *iobase = pc_com_slots[0].iobase;
    *irq = pc_com_slots[0].irq;
}

/* No interrupt controller yet: nothing is ever pending. */
static int pc_irq_ack_none(Vcpu *cpu)
{
    return -1;
}

static void pc_board_destroy(Device *dev)
{
    PcBoard *b = (PcBoard *)dev;
    Machine *m = b->machine;

    if (b->have_above_4g) {
        mr_del_subregion(&m->sysmem, &b->ram_above_4g);
        mr_destroy(&b->ram_above_4g);
    }
    if (b->have_below_4g) {
        mr_del_subregion(&m->sysmem, &b->ram_below_4g);
        mr_destroy(&b->ram_below_4g);
    }
    if (m->board == b) {
        m->board = NULL;
        m->board_reset = NULL;
    }
    free(b->kernel);
    free(b);
}

static int pc_init_ram(PcBoard *b, Machine *m, Error *err)
{
    uint64_t size = m->cfg->ram_size;

    if (size < (2ull << 20))
        return error_setf(err, "-m: a PC needs at least 2 MiB of RAM");
    if (mr_init_ram(&m->ram, "pc.ram", size, err) < 0)
        return -1;
    b->below_4g = size < PC_LOWMEM_MAX ? size : PC_LOWMEM_MAX;
    b->above_4g = size - b->below_4g;
    e820_build_pc(&b->e820, b->below_4g, b->above_4g);
    mr_init_alias(&b->ram_below_4g, "ram-below-4g", &m->ram, 0, b->below_4g);
    mr_add_subregion(&m->sysmem, 0, &b->ram_below_4g);
    b->have_below_4g = true;
    if (b->above_4g) {
        mr_init_alias(&b->ram_above_4g, "ram-above-4g", &m->ram, b->below_4g, b->above_4g);
        mr_add_subregion(&m->sysmem, PC_HIGHMEM_BASE, &b->ram_above_4g);
        b->have_above_4g = true;
    }
    return 0;
}

static int pc_init_serial(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    int n = cfg->nr_serial;

    if (n > PC_NR_COM)
        return error_setf(err, "-serial: at most %d serial ports", PC_NR_COM);
    for (int i = 0; i < (n ? n : 1); i++) {
        const char *spec = n ? cfg->serial[i] : (cfg->nographic ? "stdio" : "null");
        char label[24];
        Chardev *chr;
        char id[24];

        snprintf(label, sizeof(label), "serial%d", i);
        if (chardev_from_serial_spec(spec, label, &chr, err) < 0)
            return -1;
        if (!chr)
            continue;           /* -serial none: no port in this slot */
        snprintf(id, sizeof(id), "com%d", i + 1);
        b->com_used |= 1u << i;
        if (!serial_create(m, id, pc_com_slots[i].iobase,
                           &b->isa_irq[pc_com_slots[i].irq], chr, err))
            return -1;
    }
    return 0;
}

/* Put the kernel into RAM and set the boot vCPU at its entry. */
static int pc_boot_kernel(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;

    switch (b->boot) {
    case PC_BOOT_MULTIBOOT:
        return multiboot_load(m, cfg->kernel, b->kernel, b->kernel_len, b->below_4g,
                              &b->e820, err);
    case PC_BOOT_LINUX: {
        LinuxBootConfig lc = {
            .image = b->kernel,
            .image_len = b->kernel_len,
            .initrd_path = cfg->initrd,
            .cmdline = cfg->append,
            .e820 = &b->e820,
            .ram_below_4g = b->below_4g,
        };
        return linux_boot_load(m, &lc, err);
    }
    case PC_BOOT_NONE:
        break;
    }
    return 0;
}

static int pc_load_kernel(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;

    if (!cfg->kernel) {
        if (cfg->bios)
            return error_setf(err, "-bios %s: booting firmware is not supported yet; "
                              "use -kernel", cfg->bios);
        return error_setf(err, "no -kernel given, and booting firmware (-bios) is not "
                          "supported yet");
    }
    if (cfg->bios)
        return error_setf(err, "-bios %s: booting firmware is not supported yet; "
                          "use -kernel alone", cfg->bios);
    if (image_read_file("-kernel", cfg->kernel, b->below_4g, &b->kernel, &b->kernel_len,
                        err) < 0)
        return -1;
    /* Linux first, as QEMU decides: a bzImage is never treated as multiboot. */
    if (linux_boot_probe(b->kernel, b->kernel_len))
        b->boot = PC_BOOT_LINUX;
    else if (multiboot_find_header(b->kernel, b->kernel_len) >= 0)
        b->boot = PC_BOOT_MULTIBOOT;
    else
        return error_setf(err, "-kernel %s: not a multiboot or Linux kernel image",
                          cfg->kernel);
    return pc_boot_kernel(b, m, err);
}

/*
 * machine_reset() has put the vCPUs back to their power-on state; with no
 * firmware at the reset vector, a reset means booting the kernel again.
 */
static void pc_board_reset(Machine *m)
{
    PcBoard *b = pc_board(m);
    Error err = { 0 };

    if (b && pc_boot_kernel(b, m, &err) < 0) {
        fprintf(stderr, "tandem: reset: %s\n", err.msg);
        machine_request_shutdown(m, 1);
    }
}

int pc_machine_init(Machine *m, Error *err)
{
    PcBoard *b = calloc(1, sizeof(*b));

    if (!b)
        return error_setf(err, "pc: out of memory");
    b->machine = m;
    m->board = b;
    for (unsigned i = 0; i < PC_NR_ISA_IRQS; i++)
        irq_line_init(&b->isa_irq[i], NULL, NULL, (int)i);
    /* First on the list: later devices find the board through m->board. */
    device_attach(m, &b->dev, "pc", NULL, pc_board_destroy, NULL);

    if (pc_init_ram(b, m, err) < 0)
        return -1;

    if (!port80_create(m, err))
        return -1;
    if (pc_init_serial(b, m, err) < 0)
        return -1;

    if (pc_load_kernel(b, m, err) < 0)
        return -1;
    m->board_reset = pc_board_reset;

    for (int i = 0; i < m->nr_cpus; i++)
        if (m->cpus[i])
            m->cpus[i]->irq_ack = pc_irq_ack_none;
    return 0;
}

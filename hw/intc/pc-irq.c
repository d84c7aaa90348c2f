/* SPDX-License-Identifier: MIT */
/*
 * PC interrupt routing: see pc-irq.h for the wiring. The handlers here only
 * fan a level out to the controllers; all state lives in the controllers,
 * so PcIrq has nothing to save and its reset does nothing.
 */
#include <stdlib.h>

#include "hw/intc/pc-irq.h"
#include "softmmu/vcpu.h"

/* ISA IRQ0 is on IOAPIC pin 2; pin 0 belongs to the 8259's INT. */
static int pc_irq_gsi_to_pin(int n)
{
    return n == 0 ? 2 : n;
}

static void pc_irq_gsi(void *opaque, int n, int level)
{
    PcIrq *irq = opaque;
    if (n < 0 || n >= PC_IRQ_NR_GSI)
        return;
    if (n < 16 && n != 2)
        pic_set_irq(irq->pic, n, level);
    if (n != 2)
        ioapic_set_irq(irq->ioapic, pc_irq_gsi_to_pin(n), level);
}

static void pc_irq_pic_in(void *opaque, int n, int level)
{
    PcIrq *irq = opaque;
    if (n != 2)
        pic_set_irq(irq->pic, n, level);
}

static void pc_irq_pic_int(void *opaque, int n, int level)
{
    PcIrq *irq = opaque;
    for (int i = 0; i < irq->bus.nr; i++)
        if (irq->bus.apic[i])
            apic_set_lint(irq->bus.apic[i], 0, level);
    if (irq->ioapic)
        ioapic_set_irq(irq->ioapic, 0, level);
}

static void pc_irq_nmi(void *opaque, int n, int level)
{
    PcIrq *irq = opaque;
    for (int i = 0; i < irq->bus.nr; i++)
        if (irq->bus.apic[i])
            apic_set_lint(irq->bus.apic[i], 1, level);
}

static void pc_irq_deliver(void *opaque, const ApicMsg *msg)
{
    apic_bus_deliver(opaque, msg);
}

static int pc_irq_extint_ack(void *opaque)
{
    return pic_ack(opaque);
}

static void pc_irq_destroy(Device *dev)
{
    PcIrq *irq = (PcIrq *)dev;
    apic_bus_cleanup(&irq->bus);
    free(irq);
}

PcIrq *pc_irq_create(Machine *m, const ApicBusConfig *cfg, Error *err)
{
    if (m->nr_cpus < 1 || m->nr_cpus > MACHINE_MAX_CPUS) {
        error_setf(err, "pc-irq: %d CPUs, expected 1..%d", m->nr_cpus,
                   MACHINE_MAX_CPUS);
        return NULL;
    }
    PcIrq *irq = calloc(1, sizeof(*irq));
    if (!irq) {
        error_setf(err, "pc-irq: out of memory");
        return NULL;
    }
    /* First on the device list: destroyed after the controllers. */
    device_attach(m, &irq->dev, "pc-irq", NULL, pc_irq_destroy, NULL);

    apic_bus_init(&irq->bus, m, cfg);
    irq_line_init(&irq->pic_int, pc_irq_pic_int, irq, 0);
    irq->pic = pic_create(m, &irq->pic_int);
    irq->ioapic = ioapic_create(m, pc_irq_deliver, &irq->bus);
    irq->bus.eoi = ioapic_eoi;
    irq->bus.eoi_opaque = irq->ioapic;
    irq->bus.extint_ack = pc_irq_extint_ack;
    irq->bus.extint_opaque = irq->pic;

    for (int i = 0; i < m->nr_cpus; i++) {
        Vcpu *cpu = m->cpus[i];
        irq->apic[i] = apic_create(m, &irq->bus, cpu);
        if (cpu) {
            cpu->irq_ack = apic_irq_ack;
            cpu->irq_ack_opaque = irq->apic[i];
        }
    }
    for (int n = 0; n < PC_IRQ_NR_GSI; n++)
        irq_line_init(&irq->gsi[n], pc_irq_gsi, irq, n);
    for (int n = 0; n < 16; n++)
        irq_line_init(&irq->pic_in[n], pc_irq_pic_in, irq, n);
    irq_line_init(&irq->nmi, pc_irq_nmi, irq, 0);
    return irq;
}

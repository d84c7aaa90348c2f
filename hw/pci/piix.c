/* SPDX-License-Identifier: MIT */
/*
 * The PIIX3 PCI-to-ISA bridge (82371SB function 0) and port 0x92.
 *
 * PIRQ routing. The bus tells us the wired-OR level of each of PIRQA-D;
 * the route control registers 0x60-0x63 steer each one onto an ISA IRQ
 * (bits 3:0) unless bit 7 disables it. Several PIRQs may share an ISA IRQ,
 * so the level of ISA IRQ n is the OR of the asserted PIRQs routed to n.
 * isa_driven records which ISA lines we hold high; only lines whose level
 * changes are set, so an ISA IRQ no PIRQ is routed to is never touched
 * (the edge-triggered ISA device that owns it keeps it). Level versus edge
 * triggering (ELCR) is the PIC's business. The PM function's SCI joins
 * the same OR on IRQ 9, as inside a real PIIX4, so a PIRQ the OS routes to
 * IRQ 9 shares it with the SCI instead of fighting over one IrqLine. The route values the datasheet
 * reserves (IRQ 0-2, 8, 13) route nowhere, so a guest cannot drive the
 * timer, cascade or RTC lines through PCI.
 *
 * The reset control register (0xcf9) shares the dword at 0xcf8 with
 * CONFIG_ADDRESS; the PCI bus passes its byte accesses to us. Writing
 * RCPU (bit 2) resets the machine whatever the reset type bits say:
 * tandem's reset is always a full one.
 *
 * Derived state (PIRQ levels, isa_driven) is rebuilt after a load from the
 * bus, which recounts INTx from the devices' saved state.
 */
#include <stdlib.h>

#include "hw/pci/piix.h"
#include "softmmu/log.h"

#define PIIX_NUM_ISA_IRQS 16
/* ISA IRQs a PIRQ may be routed to (82371SB PIRQRC bits 3:0). */
#define PIIX_PIRQ_VALID_IRQS 0xdef8u   /* 3-7, 9-12, 14, 15 */

struct PIIXIsaState {
    PCIDevice pci;              /* first: function 0 of the PIIX */
    Machine *machine;
    IrqLine *isa_irq[PIIX_NUM_ISA_IRQS];
    uint8_t pirq_level[PCI_NUM_PIRQS];  /* derived: from the bus */
    uint16_t isa_driven;        /* derived: ISA lines we hold high */
    uint8_t rcr;                /* reset control register, 0xcf9 */
    IrqLine sci_in;             /* the PM function's SCI, ORed onto IRQ 9 */
    uint8_t sci_level;          /* derived: the PM function re-drives it */
};

IrqLine *piix_isa_sci_irq(PIIXIsaState *s)
{
    return &s->sci_in;
}

int piix_isa_pirq_route(const PIIXIsaState *s, int pirq)
{
    if (pirq < 0 || pirq >= PCI_NUM_PIRQS)
        return -1;
    uint8_t r = s->pci.config[PIIX_PIRQRC + pirq];
    int irq = r & PIIX_PIRQRC_IRQ_MASK;
    if ((r & PIIX_PIRQRC_DISABLE) || !(PIIX_PIRQ_VALID_IRQS & (1u << irq)))
        return -1;
    return irq;
}

/* Drive the ISA lines to what the routes and PIRQ levels say. */
static void piix_isa_update_irqs(PIIXIsaState *s, bool force)
{
    uint16_t want = 0;
    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        int irq = piix_isa_pirq_route(s, p);
        if (irq >= 0 && s->pirq_level[p])
            want |= (uint16_t)(1u << irq);
    }
    if (s->sci_level)
        want |= 1u << PIIX_SCI_IRQ;
    uint16_t changed = force ? (uint16_t)(want | s->isa_driven) : (uint16_t)(want ^ s->isa_driven);
    s->isa_driven = want;
    for (int n = 0; n < PIIX_NUM_ISA_IRQS; n++)
        if (changed & (1u << n))
            irq_set(s->isa_irq[n], (want >> n) & 1);
}

static void piix_isa_pirq_handler(void *opaque, int pirq, int level)
{
    PIIXIsaState *s = opaque;
    if (pirq < 0 || pirq >= PCI_NUM_PIRQS)
        return;
    s->pirq_level[pirq] = level != 0;
    piix_isa_update_irqs(s, false);
}

static void piix_isa_sci_handler(void *opaque, int n, int level)
{
    PIIXIsaState *s = opaque;
    s->sci_level = level != 0;
    piix_isa_update_irqs(s, false);
}

static void piix_isa_config_write(PCIDevice *d, unsigned addr, uint32_t val,
                                  unsigned len)
{
    if (addr < PIIX_PIRQRC + PCI_NUM_PIRQS && addr + len > PIIX_PIRQRC)
        piix_isa_update_irqs((PIIXIsaState *)d, false);
}

/* Byte accesses to 0xcf8-0xcfb that are not CONFIG_ADDRESS. */
static uint64_t piix_rcr_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIXIsaState *s = opaque;
    if (addr == 1 && size == 1)
        return s->rcr;
    return ~0ull;
}

static void piix_rcr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PIIXIsaState *s = opaque;
    if (addr != 1 || size != 1)
        return;
    /* RCPU self-clears; the reset type bits read back. */
    s->rcr = (uint8_t)(val & (PIIX_RCR_SRST | PIIX_RCR_FULL_RST));
    if (val & PIIX_RCR_RCPU) {
        log_mask_printf(LOG_GUEST, "piix: reset through 0xcf9 (0x%02x)\n",
                        (unsigned)(val & 0xff));
        machine_request_reset(s->machine);
    }
}

static const MemoryRegionOps piix_rcr_ops = {
    .read = piix_rcr_read,
    .write = piix_rcr_write,
};

static void piix_isa_reset(Device *dev)
{
    PIIXIsaState *s = (PIIXIsaState *)dev;
    pci_device_reset(&s->pci);
    uint8_t *c = s->pci.config;
    /* 82371SB power-on defaults of the registers firmware reads. */
    c[0x4c] = 0x4d;             /* IORT */
    c[0x4e] = 0x03;             /* XBCS: RTC and keyboard decode */
    for (int p = 0; p < PCI_NUM_PIRQS; p++)
        c[PIIX_PIRQRC + p] = PIIX_PIRQRC_DISABLE;
    c[0x69] = 0x02;             /* TOM */
    c[0x70] = 0x80;             /* MBIRQ0 disabled */
    c[0x76] = 0x0c;             /* MBDMA0/1 */
    c[0x77] = 0x0c;
    c[0x78] = 0x02;             /* PCSC */
    c[0xa0] = 0x08;             /* SMICNTL */
    s->rcr = 0;
    piix_isa_update_irqs(s, false);
}

static int piix_isa_post_load(void *obj, Error *err)
{
    PIIXIsaState *s = obj;
    /* Levels come back from the bus recount; re-drive whatever we touch. */
    pci_bus_update_pirqs(s->pci.bus);
    piix_isa_update_irqs(s, true);
    return 0;
}

static const StateField piix_isa_fields[] = {
    STATE_STRUCT(PIIXIsaState, pci, pci_device_state),
    STATE_U8(PIIXIsaState, rcr),
    STATE_END
};

static const StateDesc piix_isa_state = {
    "piix3-isa", 1, piix_isa_fields, piix_isa_post_load,
};

static void piix_isa_destroy(Device *dev)
{
    PIIXIsaState *s = (PIIXIsaState *)dev;
    PCIBus *bus = s->pci.bus;
    if (bus) {
        pci_bus_set_pirq_handler(bus, NULL, NULL);
        pci_bus_set_passthrough(bus, NULL, NULL);
    }
    pci_device_unregister(&s->pci);
    free(s);
}

PIIXIsaState *piix_isa_create(Machine *m, PCIBus *bus, int devfn,
                              IrqLine *const isa_irq[16], Error *err)
{
    PIIXIsaState *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "piix: out of memory");
        return NULL;
    }
    s->machine = m;
    irq_line_init(&s->sci_in, piix_isa_sci_handler, s, PIIX_SCI_IRQ);
    for (int n = 0; n < PIIX_NUM_ISA_IRQS; n++)
        s->isa_irq[n] = isa_irq ? isa_irq[n] : NULL;
    if (pci_device_register(bus, &s->pci, devfn, "piix3-isa", err) < 0) {
        free(s);
        return NULL;
    }
    /* Function 0 of a multi-function device: OSes scan 1-7 because of 0x80. */
    pci_config_set_ids(&s->pci, PIIX_VENDOR_ID, PIIX3_ISA_DEVICE_ID, 0x00, 0x060100,
                       PCI_HEADER_MULTI_FUNCTION);
    /* Bridge control registers read back; none changes tandem's behaviour. */
    for (unsigned a = 0x40; a < PCI_CONFIG_SPACE_SIZE; a++)
        s->pci.wmask[a] = 0xff;
    for (int p = 0; p < PCI_NUM_PIRQS; p++)
        s->pci.wmask[PIIX_PIRQRC + p] = PIIX_PIRQRC_DISABLE | PIIX_PIRQRC_IRQ_MASK;
    s->pci.config_write = piix_isa_config_write;
    pci_bus_set_pirq_handler(bus, piix_isa_pirq_handler, s);
    pci_bus_set_passthrough(bus, &piix_rcr_ops, s);
    device_attach(m, &s->pci.dev, "piix3", piix_isa_reset, piix_isa_destroy,
                  &piix_isa_state);
    piix_isa_reset(&s->pci.dev);
    return s;
}

/* ------------------------------------------------------------------ */
/* Port 0x92, system control port A                                   */

#define PIIX_PORT92_RESET 0x01
#define PIIX_PORT92_A20   0x02

typedef struct PIIXPort92State {
    Device dev;
    Machine *machine;
    MemoryRegion io;
    IrqLine *a20;
    uint8_t val;
} PIIXPort92State;

static uint64_t piix_port92_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIXPort92State *s = opaque;
    return s->val;
}

static void piix_port92_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PIIXPort92State *s = opaque;
    uint8_t old = s->val;
    s->val = (uint8_t)val & (PIIX_PORT92_RESET | PIIX_PORT92_A20);
    if ((old ^ s->val) & PIIX_PORT92_A20)
        irq_set(s->a20, (s->val & PIIX_PORT92_A20) != 0);
    if ((s->val & PIIX_PORT92_RESET) && !(old & PIIX_PORT92_RESET))
        machine_request_reset(s->machine);
}

static const MemoryRegionOps piix_port92_ops = {
    .read = piix_port92_read,
    .write = piix_port92_write,
    .min_access = 1,
    .max_access = 1,
};

/*
 * Reset clears the register but leaves the A20 output alone: the CPU's own
 * reset decides where A20 starts, and lowering it here would fight the
 * keyboard controller's share of the gate.
 */
static void piix_port92_reset(Device *dev)
{
    ((PIIXPort92State *)dev)->val = 0;
}

static int piix_port92_post_load(void *obj, Error *err)
{
    PIIXPort92State *s = obj;
    s->val &= PIIX_PORT92_RESET | PIIX_PORT92_A20;
    irq_set(s->a20, (s->val & PIIX_PORT92_A20) != 0);
    return 0;
}

static const StateField piix_port92_fields[] = {
    STATE_U8(PIIXPort92State, val),
    STATE_END
};

static const StateDesc piix_port92_state = {
    "port92", 1, piix_port92_fields, piix_port92_post_load,
};

static void piix_port92_destroy(Device *dev)
{
    PIIXPort92State *s = (PIIXPort92State *)dev;
    mr_destroy(&s->io);
    free(s);
}

Device *piix_port92_create(Machine *m, IrqLine *a20, Error *err)
{
    PIIXPort92State *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "port92: out of memory");
        return NULL;
    }
    s->machine = m;
    s->a20 = a20;
    mr_init_io(&s->io, "port92", &piix_port92_ops, s, 1);
    mr_add_subregion(&m->iomem, 0x92, &s->io);
    device_attach(m, &s->dev, "port92", piix_port92_reset, piix_port92_destroy,
                  &piix_port92_state);
    return &s->dev;
}

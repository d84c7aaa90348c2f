/* SPDX-License-Identifier: MIT */
/*
 * The 82093AA I/O APIC (datasheet 290566): indirect registers through
 * IOREGSEL (offset 0x00) and IOWIN (0x10), plus the EOI register (0x40) of
 * the version-0x20 parts that chipsets integrate.
 *
 * Edge-triggered inputs send one message per rising edge, and an edge that
 * arrives while the entry is masked is lost, as on the chip. Level-triggered
 * inputs send a message while asserted and set Remote IRR; nothing more is
 * sent until an EOI with the entry's vector clears Remote IRR, after which
 * an input that is still asserted sends again. Unmasking or reprogramming a
 * level entry whose input is asserted sends at once.
 *
 * Invariants: redir[] never holds bits outside the entry's defined fields;
 * delivery status reads 0 because messages are delivered synchronously;
 * pins are bounds-checked at every entry point, so a guest index or a
 * board wiring mistake can never reach outside redir[].
 */
#include <stdlib.h>
#include <string.h>

#include "hw/intc/ioapic.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"

#define RTE_VECTOR      0xffull
#define RTE_DM_SHIFT    8
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_REMOTE_IRR  (1ull << 14)
#define RTE_LEVEL       (1ull << 15)
#define RTE_MASKED      (1ull << 16)
#define RTE_DEST_SHIFT  56
/* vector, delivery mode, destination mode, polarity, trigger, mask, dest */
#define RTE_WRITABLE    (0xff00000000000000ull | 0x1afffull)

#define IOAPIC_REG_ID   0x00
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_ARB  0x02
#define IOAPIC_REG_REDIR 0x10

static unsigned rte_mode(uint64_t e)
{
    return (e >> RTE_DM_SHIFT) & 7;
}

/* Level semantics (Remote IRR) apply to fixed and lowest-priority only;
 * NMI, SMI, INIT and ExtINT are edge by definition. */
static bool rte_is_level(uint64_t e)
{
    return (e & RTE_LEVEL) && rte_mode(e) <= APIC_DM_LOWEST;
}

static void ioapic_send(IOApic *s, int pin)
{
    uint64_t e = s->redir[pin];
    ApicMsg msg = {
        .dest = (uint32_t)(e >> RTE_DEST_SHIFT),
        .dest_logical = (e & RTE_DEST_LOGICAL) != 0,
        .delivery = (uint8_t)rte_mode(e),
        .vector = (uint8_t)(e & RTE_VECTOR),
        .level = rte_is_level(e),
    };
    if (msg.delivery == 3 || msg.delivery == 6) {
        log_mask_printf(LOG_GUEST, "ioapic: pin %d has reserved delivery mode %u\n",
                        pin, msg.delivery);
        return;
    }
    if (msg.level)
        s->redir[pin] |= RTE_REMOTE_IRR;
    if (s->deliver)
        s->deliver(s->deliver_opaque, &msg);
}

/* Send for a level entry if it is asserted, unmasked and not in service. */
static void ioapic_service_level(IOApic *s, int pin)
{
    uint64_t e = s->redir[pin];
    if (!rte_is_level(e) || (e & (RTE_MASKED | RTE_REMOTE_IRR)))
        return;
    if (s->pin_level & (1u << pin))
        ioapic_send(s, pin);
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOApic *s = opaque;
    if (pin < 0 || pin >= IOAPIC_NUM_PINS)
        return;
    uint32_t bit = 1u << pin;
    bool rising = level && !(s->pin_level & bit);
    if (level)
        s->pin_level |= bit;
    else
        s->pin_level &= ~bit;

    uint64_t e = s->redir[pin];
    if (rte_is_level(e))
        ioapic_service_level(s, pin);
    else if (rising && !(e & RTE_MASKED))
        ioapic_send(s, pin);
}

void ioapic_eoi(void *opaque, uint8_t vector)
{
    IOApic *s = opaque;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->redir[pin];
        if ((e & RTE_REMOTE_IRR) && (e & RTE_VECTOR) == vector) {
            s->redir[pin] &= ~RTE_REMOTE_IRR;
            ioapic_service_level(s, pin);
        }
    }
}

static uint32_t ioapic_reg_read(IOApic *s)
{
    unsigned r = s->regsel;
    switch (r) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)s->id << 24;
    case IOAPIC_REG_VER:
        return ((IOAPIC_NUM_PINS - 1) << 16) | IOAPIC_VERSION;
    }
    if (r >= IOAPIC_REG_REDIR && r < IOAPIC_REG_REDIR + 2 * IOAPIC_NUM_PINS) {
        unsigned pin = (r - IOAPIC_REG_REDIR) >> 1;
        return (uint32_t)(s->redir[pin] >> ((r & 1) ? 32 : 0));
    }
    log_mask_printf(LOG_GUEST, "ioapic: read of register %#x\n", r);
    return 0;
}

static void ioapic_reg_write(IOApic *s, uint32_t val)
{
    unsigned r = s->regsel;
    if (r == IOAPIC_REG_ID) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * IOAPIC_NUM_PINS) {
        log_mask_printf(LOG_GUEST, "ioapic: write of register %#x\n", r);
        return;
    }
    int pin = (int)(r - IOAPIC_REG_REDIR) >> 1;
    uint64_t old = s->redir[pin], e;
    if (r & 1)
        e = (old & 0xffffffffull) | ((uint64_t)val << 32);
    else
        e = (old & ~0xffffffffull) | val;
    e = (e & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
    /* Remote IRR means nothing for an edge entry: drop a stale one so a
     * later switch back to level does not start out blocked. */
    if (!(e & RTE_LEVEL))
        e &= ~RTE_REMOTE_IRR;
    s->redir[pin] = e;
    ioapic_service_level(s, pin);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    IOApic *s = opaque;
    switch (addr) {
    case 0x00:
        return s->regsel;
    case 0x10:
        return ioapic_reg_read(s);
    default:
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    IOApic *s = opaque;
    switch (addr) {
    case 0x00:
        s->regsel = (uint8_t)val;
        break;
    case 0x10:
        ioapic_reg_write(s, (uint32_t)val);
        break;
    case 0x40:
        ioapic_eoi(s, (uint8_t)val);
        break;
    default:
        log_mask_printf(LOG_GUEST, "ioapic: write at offset %#llx\n",
                        (unsigned long long)addr);
        break;
    }
}

static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .min_access = 4,
    .max_access = 4,
    .aligned_only = true,
};

void ioapic_reset(IOApic *s)
{
    s->id = 0;
    s->regsel = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        s->redir[i] = RTE_MASKED;
    /* pin_level is the wires' state and survives the reset. */
}

static void ioapic_dev_reset(Device *dev)
{
    ioapic_reset((IOApic *)dev);
}

static void ioapic_dev_destroy(Device *dev)
{
    IOApic *s = (IOApic *)dev;
    mr_destroy(&s->mmio);
    free(s);
}

static int ioapic_post_load(void *obj, Error *err)
{
    IOApic *s = obj;
    s->id &= 0xf;
    s->pin_level &= (1u << IOAPIC_NUM_PINS) - 1;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        s->redir[i] &= RTE_WRITABLE | RTE_REMOTE_IRR;
    return 0;
}

static const StateField ioapic_fields[] = {
    STATE_U8(IOApic, id),
    STATE_U8(IOApic, regsel),
    STATE_U64_ARRAY(IOApic, redir, IOAPIC_NUM_PINS),
    STATE_U32(IOApic, pin_level),
    STATE_END
};
static const StateDesc ioapic_state = { "ioapic", 1, ioapic_fields, ioapic_post_load };

IOApic *ioapic_create(Machine *m, void (*deliver)(void *, const ApicMsg *),
                      void *opaque)
{
    IOApic *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->deliver = deliver;
    s->deliver_opaque = opaque;
    ioapic_reset(s);
    mr_init_io(&s->mmio, "ioapic", &ioapic_mmio_ops, s, 0x1000);
    if (m) {
        mr_add_subregion(&m->sysmem, IOAPIC_DEFAULT_BASE, &s->mmio);
        device_attach(m, &s->dev, "ioapic", ioapic_dev_reset, ioapic_dev_destroy,
                      &ioapic_state);
    }
    return s;
}

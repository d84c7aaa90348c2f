/* SPDX-License-Identifier: MIT */
/*
 * The 8259A pair, modelled on the datasheet's registers and nothing else.
 *
 * Requests: an input in edge mode latches its IRR bit on a low-to-high
 * transition of the pin and keeps it until the INTA that serves it, even if
 * the pin drops (so irq_pulse() works); an input in level mode (ICW1 LTIM
 * or its ELCR bit) has no latch: its IRR bit *is* the pin. 'pins' always
 * holds the input levels, which is both the edge-sense reference and the
 * level-mode IRR.
 *
 * Priority: 'lowest' names the IR with the lowest priority; the one after it
 * (mod 8) has the highest. Rotation only moves 'lowest'. A request is
 * presented on INT when it is unmasked and has strictly higher priority than
 * every in-service level (in special mask mode, masked in-service levels do
 * not count; in special fully nested mode, the master lets its cascade input
 * interrupt itself, so a slave's higher-priority request gets through).
 *
 * Invariant: after any change, pic_update() has driven the slave's INT onto
 * the master's IR2 pin and the master's INT onto int_out. The INTA cycle
 * drops both INT outputs for a moment, so a request still waiting after an
 * acknowledge reaches edge-sensitive receivers as a fresh edge.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/intc/i8259.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"

#define ICW1_IC4   0x01
#define ICW1_SNGL  0x02
#define ICW1_LTIM  0x08
#define ICW1_INIT  0x10
#define ICW4_UPM   0x01
#define ICW4_AEOI  0x02
#define ICW4_SFNM  0x10
#define OCW3_RIS   0x01
#define OCW3_RR    0x02
#define OCW3_P     0x04
#define OCW3_SMM   0x20
#define OCW3_ESMM  0x40

#define PIC_CASCADE_IR 2

/* ------------------------------------------------------------------------ */
/* One chip */

static uint8_t chip_level_mask(const PicChip *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* IRR as the datasheet defines it: latched edges plus asserted level inputs. */
static uint8_t chip_irr(const PicChip *c)
{
    uint8_t lvl = chip_level_mask(c);
    return (uint8_t)((c->irr & ~lvl) | (c->pins & lvl));
}

/* 0 is the highest priority, 7 the lowest. */
static int chip_prio(const PicChip *c, int irq)
{
    return (irq - c->lowest - 1) & 7;
}

/* The IR of highest priority among mask's bits, -1 if none. */
static int chip_highest(const PicChip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        int irq = (c->lowest + 1 + p) & 7;
        if (mask & (1u << irq))
            return irq;
    }
    return -1;
}

/* The request this chip would present on INT now, -1 if none. */
static int chip_get_irq(const PicChip *c)
{
    int cand = chip_highest(c, (uint8_t)(chip_irr(c) & ~c->imr));
    if (cand < 0)
        return -1;
    uint8_t isr = c->isr;
    if (c->special_mask)
        isr &= (uint8_t)~c->imr;
    if (c->is_master && (c->icw4 & ICW4_SFNM) && cand == PIC_CASCADE_IR)
        isr &= (uint8_t)~(1u << PIC_CASCADE_IR);
    int in_service = chip_highest(c, isr);
    if (in_service >= 0 && chip_prio(c, in_service) <= chip_prio(c, cand))
        return -1;
    return cand;
}

static void chip_set_pin(PicChip *c, int irq, int level)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (level) {
        if (!(c->pins & bit) && !(chip_level_mask(c) & bit))
            c->irr |= bit;
        c->pins |= bit;
    } else {
        c->pins &= (uint8_t)~bit;
    }
}

/* The second INTA pulse (or a poll read): irq goes in service. */
static void chip_ack(PicChip *c, int irq)
{
    uint8_t bit = (uint8_t)(1u << irq);
    c->irr &= (uint8_t)~bit;    /* level inputs keep requesting through 'pins' */
    if (c->icw4 & ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)irq;
    } else {
        c->isr |= bit;
    }
}

static void chip_reset(PicChip *c)
{
    uint8_t pins = c->pins, elcr_mask = c->elcr_mask;
    bool master = c->is_master;
    I8259 *pic = c->pic;
    memset(c, 0, sizeof(*c));
    /* The wires keep their levels across a reset; only latches clear. */
    c->pins = pins;
    c->elcr_mask = elcr_mask;
    c->is_master = master;
    c->pic = pic;
    c->lowest = 7;
}

/* ------------------------------------------------------------------------ */
/* The pair */

static void pic_update(I8259 *pic)
{
    PicChip *m = &pic->chip[0], *s = &pic->chip[1];
    chip_set_pin(m, PIC_CASCADE_IR, chip_get_irq(s) >= 0);
    int level = chip_get_irq(m) >= 0;
    if (level != pic->int_level) {
        pic->int_level = level;
        irq_set(pic->int_out, level);
    }
}

void pic_set_irq(void *opaque, int n, int level)
{
    I8259 *pic = opaque;
    if (n < 0 || n > 15)
        return;
    chip_set_pin(&pic->chip[n >> 3], n & 7, level);
    pic_update(pic);
}

bool pic_int_pending(const I8259 *pic)
{
    return chip_get_irq(&pic->chip[0]) >= 0;
}

int pic_ack(I8259 *pic)
{
    PicChip *m = &pic->chip[0], *s = &pic->chip[1];
    int vector;
    int irq = chip_get_irq(m);

    if (irq < 0) {
        /* The request went away before INTA: the 8259A answers IR7 without
         * setting its ISR bit, the classic spurious interrupt. */
        vector = m->vector_base | 7;
    } else {
        chip_ack(m, irq);
        if (irq == PIC_CASCADE_IR && !(m->icw1 & ICW1_SNGL)) {
            int sirq = chip_get_irq(s);
            if (sirq < 0) {
                /* Spurious IRQ15: the master's ISR2 stays set, which is why
                 * an OS must EOI the master for it. */
                vector = s->vector_base | 7;
            } else {
                chip_ack(s, sirq);
                vector = s->vector_base | sirq;
            }
            /* INT from the slave drops during INTA; a request left over
             * makes a new edge on IR2 in pic_update(). */
            chip_set_pin(m, PIC_CASCADE_IR, 0);
        } else {
            vector = m->vector_base | irq;
        }
    }
    /* INT goes low during INTA too: a receiver that samples edges (IOAPIC
     * pin 0 in virtual-wire mode) must see a request left over as new. */
    if (pic->int_level) {
        pic->int_level = 0;
        irq_set(pic->int_out, 0);
    }
    pic_update(pic);
    return vector;
}

/* OCW3 poll: the read acknowledges like an INTA and reports the level. */
static uint8_t chip_poll_read(PicChip *c)
{
    c->poll = false;
    int irq = chip_get_irq(c);
    if (irq < 0)
        return 0;
    chip_ack(c, irq);
    if (c->is_master && irq == PIC_CASCADE_IR)
        chip_set_pin(c, PIC_CASCADE_IR, 0);
    pic_update(c->pic);
    return (uint8_t)(0x80 | irq);
}

static void chip_write_ocw2(PicChip *c, uint8_t val)
{
    int level = val & 7;
    int irq;

    switch (val >> 5) {
    case 0:     /* clear rotate in automatic EOI mode */
        c->rotate_aeoi = false;
        break;
    case 4:     /* set rotate in automatic EOI mode */
        c->rotate_aeoi = true;
        break;
    case 1:     /* non-specific EOI */
    case 5:     /* rotate on non-specific EOI */
        irq = chip_highest(c, c->isr);
        if (irq >= 0) {
            c->isr &= (uint8_t)~(1u << irq);
            if (val >> 5 == 5)
                c->lowest = (uint8_t)irq;
        }
        break;
    case 3:     /* specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        break;
    case 7:     /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6:     /* set priority */
        c->lowest = (uint8_t)level;
        break;
    case 2:     /* no operation */
        break;
    }
}

static void chip_write_icw1(PicChip *c, uint8_t val)
{
    /* ICW1 clears IMR, ISR and the edge latches, priority back to IR0
     * highest, special mask off, status read back to IRR. */
    chip_reset(c);
    c->icw1 = val;
    c->init_step = 2;
    if (val & 0x04)
        log_mask_printf(LOG_UNIMP, "i8259: call address interval 4 ignored\n");
}

static void chip_write_data(PicChip *c, uint8_t val)
{
    switch (c->init_step) {
    case 2:
        c->vector_base = val & 0xf8;
        c->init_step = !(c->icw1 & ICW1_SNGL) ? 3 : (c->icw1 & ICW1_IC4) ? 4 : 0;
        break;
    case 3:
        c->icw3 = val;
        c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
        break;
    case 4:
        c->icw4 = val;
        c->init_step = 0;
        if (!(val & ICW4_UPM))
            log_mask_printf(LOG_UNIMP, "i8259: 8080 mode not supported, using 8086\n");
        break;
    default:
        c->imr = val;   /* OCW1 */
        break;
    }
}

static uint64_t pic_io_read(void *opaque, uint64_t addr, unsigned size)
{
    PicChip *c = opaque;
    if (c->poll)
        return chip_poll_read(c);
    if (addr & 1)
        return c->imr;
    return c->read_isr ? c->isr : chip_irr(c);
}

static void pic_io_write(void *opaque, uint64_t addr, uint64_t val64, unsigned size)
{
    PicChip *c = opaque;
    uint8_t val = (uint8_t)val64;

    if (addr & 1) {
        chip_write_data(c, val);
    } else if (val & ICW1_INIT) {
        chip_write_icw1(c, val);
    } else if (val & 0x08) {                    /* OCW3 */
        if (val & OCW3_ESMM)
            c->special_mask = (val & OCW3_SMM) != 0;
        if (val & OCW3_RR)
            c->read_isr = (val & OCW3_RIS) != 0;
        c->poll = (val & OCW3_P) != 0;
    } else {
        chip_write_ocw2(c, val);
    }
    pic_update(c->pic);
}

static const MemoryRegionOps pic_io_ops = {
    .read = pic_io_read,
    .write = pic_io_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t pic_elcr_read(void *opaque, uint64_t addr, unsigned size)
{
    I8259 *pic = opaque;
    return pic->chip[addr & 1].elcr;
}

static void pic_elcr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I8259 *pic = opaque;
    PicChip *c = &pic->chip[addr & 1];
    c->elcr = (uint8_t)val & c->elcr_mask;
    pic_update(pic);
}

static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
    .min_access = 1,
    .max_access = 1,
};

/* ------------------------------------------------------------------------ */
/* Life cycle and snapshots */

void pic_reset(I8259 *pic)
{
    for (int i = 0; i < 2; i++)
        chip_reset(&pic->chip[i]);
    pic_update(pic);
}

static void pic_dev_reset(Device *dev)
{
    pic_reset((I8259 *)dev);
}

static void pic_dev_destroy(Device *dev)
{
    I8259 *pic = (I8259 *)dev;
    mr_destroy(&pic->io_master);
    mr_destroy(&pic->io_slave);
    mr_destroy(&pic->io_elcr);
    free(pic);
}

static int pic_post_load(void *obj, Error *err)
{
    I8259 *pic = obj;
    for (int i = 0; i < 2; i++) {
        PicChip *c = &pic->chip[i];
        c->elcr &= c->elcr_mask;
        c->lowest &= 7;
        if (c->init_step != 0 && (c->init_step < 2 || c->init_step > 4))
            c->init_step = 0;
    }
    pic->int_level = -1;        /* re-drive the output whatever it was */
    pic_update(pic);
    return 0;
}

static const StateField pic_chip_fields[] = {
    STATE_U8(PicChip, irr), STATE_U8(PicChip, isr), STATE_U8(PicChip, imr),
    STATE_U8(PicChip, pins), STATE_U8(PicChip, elcr),
    STATE_U8(PicChip, vector_base), STATE_U8(PicChip, lowest),
    STATE_U8(PicChip, icw1), STATE_U8(PicChip, icw3), STATE_U8(PicChip, icw4),
    STATE_U8(PicChip, init_step),
    STATE_BOOL(PicChip, read_isr), STATE_BOOL(PicChip, poll),
    STATE_BOOL(PicChip, special_mask), STATE_BOOL(PicChip, rotate_aeoi),
    STATE_END
};
static const StateDesc pic_chip_state = { "i8259-chip", 1, pic_chip_fields, NULL };

static const StateField pic_fields[] = {
    STATE_STRUCT_ARRAY(I8259, chip, 2, pic_chip_state),
    STATE_END
};
static const StateDesc pic_state = { "i8259", 1, pic_fields, pic_post_load };

I8259 *pic_create(Machine *m, IrqLine *int_out)
{
    I8259 *pic = calloc(1, sizeof(*pic));
    if (!pic)
        abort();
    pic->int_out = int_out;
    pic->int_level = 0;
    for (int i = 0; i < 2; i++) {
        pic->chip[i].pic = pic;
        pic->chip[i].is_master = i == 0;
    }
    /* PIIX: IRQ0, 1, 2 (master) and 8, 13 (slave) are always edge. */
    pic->chip[0].elcr_mask = 0xf8;
    pic->chip[1].elcr_mask = 0xde;
    pic_reset(pic);

    mr_init_io(&pic->io_master, "pic-master", &pic_io_ops, &pic->chip[0], 2);
    mr_init_io(&pic->io_slave, "pic-slave", &pic_io_ops, &pic->chip[1], 2);
    mr_init_io(&pic->io_elcr, "elcr", &pic_elcr_ops, pic, 2);
    if (m) {
        mr_add_subregion(&m->iomem, 0x20, &pic->io_master);
        mr_add_subregion(&m->iomem, 0xa0, &pic->io_slave);
        mr_add_subregion(&m->iomem, 0x4d0, &pic->io_elcr);
        device_attach(m, &pic->dev, "i8259", pic_dev_reset, pic_dev_destroy,
                      &pic_state);
    }
    return pic;
}

/* SPDX-License-Identifier: MIT */
/*
 * The 8259A pair through the real I/O port space: initialisation words,
 * priorities and rotation, the EOI kinds, masking and special mask mode,
 * cascade, edge vs level (ELCR), spurious IRQ7/IRQ15, poll mode, snapshots.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/intc/i8259.h"
#include "softmmu/machine.h"

/* device.c looks up -device types in this table; none are needed here. */
const DeviceType *const device_types[] = { NULL };

static Machine mach;
static I8259 *pic;
static IrqLine int_line;
static int int_level;

static void int_handler(void *opaque, int n, int level)
{
    int_level = level;
}

static void outb(uint16_t port, uint8_t v)
{
    CU_ASSERT_EQUAL(as_st(&mach.as_io, port, 1, v), MEMTX_OK);
}

static uint8_t inb(uint16_t port)
{
    MemTxResult r;
    uint8_t v = (uint8_t)as_ld(&mach.as_io, port, 1, &r);
    CU_ASSERT_EQUAL(r, MEMTX_OK);
    return v;
}

/* The BIOS's sequence: edge, cascade, ICW4 8086 mode, bases 0x08/0x70. */
static void pic_bios_init(uint8_t icw4)
{
    outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, icw4);
    outb(0xa0, 0x11); outb(0xa1, 0x70); outb(0xa1, 0x02); outb(0xa1, icw4);
    outb(0x21, 0x00); outb(0xa1, 0x00);
}

static uint8_t read_isr(uint16_t base)
{
    outb(base, 0x0b);
    uint8_t v = inb(base);
    outb(base, 0x0a);
    return v;
}

static void setup(void)
{
    unit_machine_init(&mach);
    irq_line_init(&int_line, int_handler, NULL, 0);
    int_level = 0;
    pic = pic_create(&mach, &int_line);
    pic_bios_init(0x01);
}

static void teardown(void)
{
    unit_machine_destroy(&mach);
}

static void test_init_sequence(void)
{
    setup();
    outb(0x21, 0x5a);
    CU_ASSERT_EQUAL(inb(0x21), 0x5a);
    /* ICW1 clears IMR; ICW2 sets the base; without ICW4 and in single
     * mode (no ICW3), the second data write is OCW1 already. */
    outb(0x20, 0x12);
    CU_ASSERT_EQUAL(inb(0x21), 0x00);
    outb(0x21, 0x40);
    outb(0x21, 0xfe);
    CU_ASSERT_EQUAL(inb(0x21), 0xfe);
    pic_set_irq(pic, 0, 1);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x40);
    teardown();

    setup();
    pic_set_irq(pic, 1, 1);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x09);
    CU_ASSERT_EQUAL(int_level, 0);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x02);
    CU_ASSERT_EQUAL(inb(0x20), 0x00);       /* IRR: edge latch consumed */
    outb(0x20, 0x20);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x00);
    teardown();
}

static void test_priority_nesting(void)
{
    setup();
    pic_set_irq(pic, 5, 1);
    pic_set_irq(pic, 3, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0b);        /* 3 beats 5 */
    CU_ASSERT_EQUAL(int_level, 0);              /* 5 waits behind ISR3 */
    pic_set_irq(pic, 1, 1);
    CU_ASSERT_EQUAL(int_level, 1);              /* 1 nests over 3 */
    CU_ASSERT_EQUAL(pic_ack(pic), 0x09);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x0a);
    outb(0x20, 0x20);                           /* non-specific: clears 1 */
    CU_ASSERT_EQUAL(read_isr(0x20), 0x08);
    CU_ASSERT_EQUAL(int_level, 0);
    outb(0x20, 0x20);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0d);
    teardown();
}

static void test_rotation(void)
{
    setup();
    /* Rotate on non-specific EOI: the served IR becomes the lowest. */
    pic_set_irq(pic, 0, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x08);
    outb(0x20, 0xa0);
    pic_set_irq(pic, 0, 0); pic_set_irq(pic, 0, 1);
    pic_set_irq(pic, 1, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x09);        /* 1 is now highest */
    outb(0x20, 0x20);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x08);
    outb(0x20, 0x20);

    /* Set priority: IR4 lowest, so IR5 highest; 6 beats 3. */
    outb(0x20, 0xc4);
    pic_set_irq(pic, 3, 1);
    pic_set_irq(pic, 6, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0e);
    /* Rotate on specific EOI of 6: IR7 becomes highest, then 0.. */
    outb(0x20, 0xe6);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x00);
    pic_set_irq(pic, 7, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0f);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x80);      /* a real IR7: ISR set */
    outb(0x20, 0x67);                            /* specific EOI 7 */
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0b);
    teardown();
}

static void test_specific_eoi_and_aeoi(void)
{
    setup();
    pic_set_irq(pic, 4, 1);
    pic_ack(pic);
    pic_set_irq(pic, 2 + 1, 1);
    pic_ack(pic);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x18);
    outb(0x20, 0x64);                            /* specific EOI of 4 */
    CU_ASSERT_EQUAL(read_isr(0x20), 0x08);
    teardown();

    setup();
    pic_bios_init(0x03);                         /* auto-EOI */
    pic_set_irq(pic, 4, 1);
    pic_set_irq(pic, 6, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0c);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x00);
    CU_ASSERT_EQUAL(int_level, 1);               /* 6 is not blocked */
    outb(0x20, 0x80);                            /* rotate in AEOI */
    pic_set_irq(pic, 4, 0); pic_set_irq(pic, 4, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0c);         /* 4 still above 6 ... */
    pic_set_irq(pic, 4, 0); pic_set_irq(pic, 4, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0e);         /* ... until it rotated */
    outb(0x20, 0x00);

    /* Two slave requests in AEOI: the INTA of the first gives the master
     * a fresh IR2 edge for the second. */
    pic_set_irq(pic, 9, 1);
    pic_set_irq(pic, 11, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x71);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x73);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0c);         /* IRQ4 from above, last */
    CU_ASSERT_EQUAL(int_level, 0);
    teardown();
}

static void test_masking(void)
{
    setup();
    outb(0x21, 0x08);
    pic_set_irq(pic, 3, 1);
    CU_ASSERT_EQUAL(int_level, 0);
    CU_ASSERT_EQUAL(inb(0x20), 0x08);            /* requested, but masked */
    outb(0x21, 0x00);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0b);
    teardown();

    /* Special mask mode: masking the in-service IR opens lower ones. */
    setup();
    pic_set_irq(pic, 3, 1);
    pic_ack(pic);
    pic_set_irq(pic, 5, 1);
    CU_ASSERT_EQUAL(int_level, 0);
    outb(0x21, 0x08);
    CU_ASSERT_EQUAL(int_level, 0);               /* plain mask: still blocked */
    outb(0x20, 0x68);                            /* set special mask */
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0d);
    outb(0x20, 0x48);                            /* reset special mask */
    outb(0x20, 0x65);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x08);
    teardown();
}

static void test_cascade(void)
{
    setup();
    pic_set_irq(pic, 10, 1);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x72);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x04);
    CU_ASSERT_EQUAL(read_isr(0xa0), 0x04);
    /* The slave blocks its lower IRs, the master blocks its IR2 input. */
    pic_set_irq(pic, 12, 1);
    CU_ASSERT_EQUAL(int_level, 0);
    pic_set_irq(pic, 1, 1);
    CU_ASSERT_EQUAL(int_level, 1);               /* but IR1 is higher */
    CU_ASSERT_EQUAL(pic_ack(pic), 0x09);
    outb(0x20, 0x20);                            /* EOI IR1 */
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x74);
    teardown();

    /* Special fully nested: a higher slave IR gets through while a lower
     * one from the same slave is in service. */
    setup();
    pic_bios_init(0x01);
    outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, 0x11);
    pic_set_irq(pic, 12, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x74);
    pic_set_irq(pic, 9, 1);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x71);
    teardown();
}

static void test_elcr_level(void)
{
    setup();
    outb(0x4d0, 0xff);
    CU_ASSERT_EQUAL(inb(0x4d0), 0xf8);           /* IRQ0-2 are always edge */
    outb(0x4d1, 0xff);
    CU_ASSERT_EQUAL(inb(0x4d1), 0xde);           /* IRQ8, 13 as well */
    outb(0x4d0, 0x00);
    outb(0x4d1, 0x02);                           /* IRQ9 level */

    pic_set_irq(pic, 9, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x71);
    outb(0xa0, 0x20); outb(0x20, 0x20);
    CU_ASSERT_EQUAL(int_level, 1);               /* still asserted: again */
    CU_ASSERT_EQUAL(pic_ack(pic), 0x71);
    pic_set_irq(pic, 9, 0);
    outb(0xa0, 0x20); outb(0x20, 0x20);
    CU_ASSERT_EQUAL(int_level, 0);
    outb(0xa0, 0x0a);
    CU_ASSERT_EQUAL(inb(0xa0), 0x00);

    /* Edge: a pulse is latched; a line held high asks once. */
    pic_set_irq(pic, 4, 1);
    pic_set_irq(pic, 4, 0);
    CU_ASSERT_EQUAL(int_level, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0c);
    outb(0x20, 0x20);
    pic_set_irq(pic, 5, 1);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0d);
    outb(0x20, 0x20);
    pic_set_irq(pic, 5, 1);                      /* same level again */
    CU_ASSERT_EQUAL(int_level, 0);
    teardown();
}

static void test_spurious(void)
{
    setup();
    outb(0x4d0, 0x20);                           /* IRQ5 level */
    pic_set_irq(pic, 5, 1);
    CU_ASSERT_EQUAL(int_level, 1);
    pic_set_irq(pic, 5, 0);                      /* gone before INTA */
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0f);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x00);       /* spurious: no ISR7 */

    /* Spurious IRQ15: the master latched the slave's edge on IR2. */
    outb(0x4d1, 0x04);                           /* IRQ10 level */
    pic_set_irq(pic, 10, 1);
    pic_set_irq(pic, 10, 0);
    CU_ASSERT_EQUAL(pic_ack(pic), 0x77);
    CU_ASSERT_EQUAL(read_isr(0xa0), 0x00);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x04);       /* the OS must EOI the master */
    teardown();
}

static void test_poll(void)
{
    setup();
    outb(0x20, 0x0c);
    CU_ASSERT_EQUAL(inb(0x20), 0x00);            /* nothing requested */
    pic_set_irq(pic, 3, 1);
    outb(0x20, 0x0c);
    CU_ASSERT_EQUAL(inb(0x21), 0x83);            /* either port answers */
    CU_ASSERT_EQUAL(read_isr(0x20), 0x08);
    CU_ASSERT_EQUAL(int_level, 0);
    CU_ASSERT_EQUAL(inb(0x21), 0x00);            /* poll is one-shot: IMR */
    teardown();
}

static void test_snapshot(void)
{
    setup();
    Error err = { 0 };
    ByteStream bs;
    outb(0x21, 0x30);
    pic_set_irq(pic, 1, 1);
    pic_ack(pic);
    pic_set_irq(pic, 3, 1);
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, pic->dev.state, pic, &err), 0);
    pic_reset(pic);
    CU_ASSERT_EQUAL(inb(0x21), 0x00);
    int_level = 0;
    CU_ASSERT_EQUAL(state_load(&bs, pic->dev.state, pic, &err), 0);
    CU_ASSERT_EQUAL(inb(0x21), 0x30);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x02);
    outb(0x20, 0x20);
    CU_ASSERT_EQUAL(int_level, 1);               /* IRQ3 came back too */
    CU_ASSERT_EQUAL(pic_ack(pic), 0x0b);
    bs_free(&bs);
    teardown();
}

static void test_garbage(void)
{
    setup();
    static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245 + 12345;
        uint16_t port = ports[(seed >> 16) % 6];
        if ((seed >> 8) & 1)
            outb(port, (uint8_t)(seed >> 20));
        else
            inb(port);
        pic_set_irq(pic, (int)((seed >> 4) % 16), (seed >> 12) & 1);
        if (int_level != pic_int_pending(pic))
            bad++;
        if (int_level) {
            int v = pic_ack(pic);
            if (v < 0 || v > 255)
                bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    teardown();
}

static const UnitTest tests[] = {
    { "init sequence", test_init_sequence },
    { "priority and nesting", test_priority_nesting },
    { "rotation", test_rotation },
    { "specific EOI and auto-EOI", test_specific_eoi_and_aeoi },
    { "masking and special mask", test_masking },
    { "cascade and SFNM", test_cascade },
    { "ELCR level vs edge", test_elcr_level },
    { "spurious IRQ7 and IRQ15", test_spurious },
    { "poll mode", test_poll },
    { "snapshot round trip", test_snapshot },
    { "guest garbage", test_garbage },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("i8259", NULL, NULL, tests);
}

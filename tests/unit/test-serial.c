/* SPDX-License-Identifier: MIT */
/*
 * 16550A register behaviour, driven through serial_io_read/write with a
 * custom chardev that records output and an IRQ line whose receiver records
 * every level: DLAB, FIFO trigger levels and overrun, IIR priorities and how
 * each source clears, loopback and MSR, OUT2 gating, the THRE interrupt and
 * its edges, the character timeout, and the state round trip.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/char/serial.h"
#include "hw/pc/pc.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "ui/chardev.h"

/*
 * The board pieces serial.c refers to, for builds of this test that link
 * only the modules it needs; the real ones win when they are linked in.
 */
__attribute__((weak)) IrqLine *pc_isa_irq(Machine *m, unsigned n)
{
    return NULL;
}
__attribute__((weak)) void pc_serial_default_slot(Machine *m, uint16_t *iobase, int *irq)
{
    *iobase = 0x3f8;
    *irq = 4;
}
__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
}

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static uint8_t out_buf[256];
static size_t out_len;
static int irq_history[64];
static int irq_calls;
static IrqLine irq;
static SerialState uart;
static Chardev *chr;

static void fake_write(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && out_len < sizeof(out_buf); i++)
        out_buf[out_len++] = buf[i];
}

static void fake_irq(void *opaque, int n, int level)
{
    if (irq_calls < 64)
        irq_history[irq_calls] = level;
    irq_calls++;
}

static int suite_init(void)
{
    return main_loop_init();
}

static int suite_clean(void)
{
    main_loop_cleanup();
    return 0;
}

/* A fresh UART on a fresh backend for each test. */
static void setup(void)
{
    Error err = { 0 };
    chardev_destroy_all();
    memset(&uart, 0, sizeof(uart));
    out_len = 0;
    irq_calls = 0;
    irq_line_init(&irq, fake_irq, NULL, 4);
    chr = chardev_new_custom("test", fake_write, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(chr);
    CU_ASSERT_EQUAL_FATAL(serial_init(&uart, &irq, chr, &err), 0);
    irq_calls = 0;
}

static void teardown(void)
{
    serial_fini(&uart);
    chardev_destroy_all();
}

static uint8_t rd(unsigned off)
{
    return serial_io_read(&uart, off);
}

static void wr(unsigned off, uint8_t v)
{
    serial_io_write(&uart, off, v);
}

/* Bytes as if typed on the host side. */
static size_t feed(const char *s)
{
    return chardev_feed_input(chr, (const uint8_t *)s, strlen(s));
}

static void test_reset_values(void)
{
    setup();
    CU_ASSERT_EQUAL(rd(IER), 0x00);
    CU_ASSERT_EQUAL(rd(IIR), 0x01);
    CU_ASSERT_EQUAL(rd(LCR), 0x00);
    CU_ASSERT_EQUAL(rd(MCR), 0x00);
    CU_ASSERT_EQUAL(rd(LSR), 0x60);
    CU_ASSERT_EQUAL(rd(MSR) & 0xf0, 0xb0);      /* CTS, DSR, DCD */
    CU_ASSERT_EQUAL(irq.level, 0);
    teardown();
}

static void test_dlab(void)
{
    setup();
    wr(IER, 0x05);
    wr(LCR, 0x83);
    wr(DLL, 0x34);
    wr(DLM, 0x12);
    CU_ASSERT_EQUAL(rd(DLL), 0x34);
    CU_ASSERT_EQUAL(rd(DLM), 0x12);
    CU_ASSERT_EQUAL(uart.divisor, 0x1234);
    CU_ASSERT_EQUAL(out_len, 0);                /* DLL write is not THR */
    wr(LCR, 0x03);
    CU_ASSERT_EQUAL(rd(IER), 0x05);             /* IER kept its value */
    CU_ASSERT_EQUAL(rd(LCR), 0x03);
    wr(THR, 'A');
    CU_ASSERT_EQUAL(out_len, 1);
    CU_ASSERT_EQUAL(out_buf[0], 'A');
    wr(SCR, 0x5a);
    CU_ASSERT_EQUAL(rd(SCR), 0x5a);
    teardown();
}

static void test_thre_interrupt(void)
{
    setup();
    wr(MCR, 0x08);                      /* OUT2: interrupts reach the line */
    CU_ASSERT_EQUAL(irq.level, 0);
    wr(IER, 0x02);                      /* enabling ETBEI with THR empty fires */
    CU_ASSERT_EQUAL(irq.level, 1);
    CU_ASSERT_EQUAL(rd(IIR), 0x02);
    CU_ASSERT_EQUAL(irq.level, 0);      /* reading IIR acknowledged it */
    CU_ASSERT_EQUAL(rd(IIR), 0x01);

    /* A THR write clears then re-raises it: a real edge for the PIC. */
    irq_calls = 0;
    wr(THR, 'x');
    CU_ASSERT_EQUAL(irq.level, 1);
    CU_ASSERT_TRUE(irq_calls >= 2);
    CU_ASSERT_EQUAL(irq_history[0], 0);
    CU_ASSERT_EQUAL(irq_history[irq_calls - 1], 1);
    CU_ASSERT_EQUAL(rd(LSR) & 0x60, 0x60);

    /* Disabling ETBEI masks it. */
    wr(IER, 0x00);
    CU_ASSERT_EQUAL(irq.level, 0);
    CU_ASSERT_EQUAL(rd(IIR), 0x01);
    teardown();
}

static void test_out2_gates_irq(void)
{
    setup();
    wr(IER, 0x02);
    CU_ASSERT_EQUAL(rd(IIR) & 0x0f, 0x02);   /* pending (and now acked) */
    wr(THR, 'x');
    CU_ASSERT_EQUAL(irq.level, 0);          /* but OUT2 is 0 */
    wr(MCR, 0x08);
    CU_ASSERT_EQUAL(irq.level, 1);
    wr(MCR, 0x00);
    CU_ASSERT_EQUAL(irq.level, 0);
    teardown();
}

static void test_rx_16450_mode(void)
{
    setup();
    wr(MCR, 0x08);
    wr(IER, 0x01);
    CU_ASSERT_EQUAL(feed("ab"), 1);         /* one byte of room */
    CU_ASSERT_EQUAL(rd(LSR) & 0x01, 0x01);
    CU_ASSERT_EQUAL(rd(IIR), 0x04);
    CU_ASSERT_EQUAL(irq.level, 1);
    CU_ASSERT_EQUAL(rd(RBR), 'a');
    CU_ASSERT_EQUAL(rd(LSR) & 0x01, 0x00);
    CU_ASSERT_EQUAL(rd(IIR), 0x01);
    CU_ASSERT_EQUAL(irq.level, 0);
    CU_ASSERT_EQUAL(feed("b"), 1);
    CU_ASSERT_EQUAL(rd(RBR), 'b');
    teardown();
}

static void test_fifo_trigger(void)
{
    setup();
    wr(MCR, 0x08);
    wr(IER, 0x01);
    wr(FCR, 0x81);                          /* FIFO on, trigger 8 */
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    CU_ASSERT_EQUAL(feed("1234567"), 7);
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);         /* below the trigger level */
    CU_ASSERT_EQUAL(irq.level, 0);
    CU_ASSERT_TRUE(timer_pending(uart.timeout_timer));
    CU_ASSERT_EQUAL(feed("8"), 1);
    CU_ASSERT_EQUAL(rd(IIR), 0xc4);
    CU_ASSERT_EQUAL(irq.level, 1);
    CU_ASSERT_EQUAL(rd(RBR), '1');          /* 7 left: below trigger again */
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    CU_ASSERT_EQUAL(irq.level, 0);
    for (int i = 2; i <= 8; i++)
        CU_ASSERT_EQUAL(rd(RBR), '0' + i);
    CU_ASSERT_EQUAL(rd(LSR) & 0x01, 0);
    CU_ASSERT_FALSE(timer_pending(uart.timeout_timer));

    /* FIFO full: the backend is told there is no room. */
    CU_ASSERT_EQUAL(feed("abcdefghijklmnopq"), 16);
    CU_ASSERT_EQUAL(uart.rx_count, 16);
    CU_ASSERT_EQUAL(rd(LSR) & 0x02, 0);     /* flow control: no overrun */

    /* FCR bit 1 empties the receive FIFO. */
    wr(FCR, 0x83);
    CU_ASSERT_EQUAL(uart.rx_count, 0);
    CU_ASSERT_EQUAL(rd(LSR) & 0x01, 0);
    /* Turning the FIFO off empties it too and leaves 16450 mode. */
    feed("zz");
    wr(FCR, 0x00);
    CU_ASSERT_EQUAL(uart.rx_count, 0);
    CU_ASSERT_EQUAL(rd(IIR), 0x01);
    teardown();
}

static void test_trigger_levels(void)
{
    static const struct { uint8_t fcr; unsigned level; } t[] = {
        { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 },
    };
    for (size_t i = 0; i < 4; i++) {
        setup();
        wr(IER, 0x01);
        wr(FCR, t[i].fcr);
        for (unsigned n = 1; n <= t[i].level; n++) {
            feed("x");
            CU_ASSERT_EQUAL(rd(IIR) & 0x0f, n < t[i].level ? 0x01 : 0x04);
        }
        teardown();
    }
}

static void test_overrun_loopback(void)
{
    setup();
    wr(MCR, 0x18);                          /* loopback + OUT2 */
    wr(FCR, 0x01);
    wr(IER, 0x05);                          /* RDI + RLSI */
    for (int i = 0; i < 17; i++)
        wr(THR, (uint8_t)('a' + i));
    CU_ASSERT_EQUAL(out_len, 0);            /* loopback: nothing leaves */
    CU_ASSERT_EQUAL(uart.rx_count, 16);
    CU_ASSERT_EQUAL(rd(IIR), 0xc6);         /* line status outranks data */
    CU_ASSERT_EQUAL(rd(LSR) & 0x03, 0x03);  /* OE and DR; the read clears OE */
    CU_ASSERT_EQUAL(rd(LSR) & 0x02, 0x00);
    CU_ASSERT_EQUAL(rd(IIR), 0xc4);
    CU_ASSERT_EQUAL(rd(RBR), 'a');          /* the FIFO kept the first 16 */
    for (int i = 1; i < 16; i++)
        CU_ASSERT_EQUAL(rd(RBR), 'a' + i);
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    CU_ASSERT_EQUAL(irq.level, 0);

    /* 16450 mode: an overrun overwrites the holding register. */
    wr(FCR, 0x00);
    wr(THR, '1');
    wr(THR, '2');
    CU_ASSERT_EQUAL(rd(LSR) & 0x03, 0x03);
    CU_ASSERT_EQUAL(rd(RBR), '2');
    teardown();
}

static void test_loopback_msr(void)
{
    setup();
    CU_ASSERT_EQUAL(feed(""), 0);
    wr(MCR, 0x10);                          /* loopback, all outputs off */
    CU_ASSERT_EQUAL(rd(MSR), 0x0b);         /* CTS, DSR, DCD fell: deltas */
    CU_ASSERT_EQUAL(rd(MSR), 0x00);         /* deltas clear on read */
    wr(MCR, 0x1f);                          /* DTR RTS OUT1 OUT2 */
    CU_ASSERT_EQUAL(rd(MSR), 0xfb);         /* RI rose: no TERI */
    wr(MCR, 0x1b);                          /* OUT1 off: RI trailing edge */
    CU_ASSERT_EQUAL(rd(MSR), 0xb4);
    /* External input is ignored in loopback. */
    CU_ASSERT_EQUAL(feed("q"), 0);
    CU_ASSERT_EQUAL(uart.rx_count, 0);
    wr(MCR, 0x00);
    CU_ASSERT_EQUAL(rd(MSR) & 0xf0, 0xb0);
    CU_ASSERT_EQUAL(feed("q"), 1);
    teardown();
}

static void test_iir_priorities(void)
{
    setup();
    wr(MCR, 0x18);                          /* loopback, OUT2 */
    wr(FCR, 0x01);                          /* FIFO, trigger 1 */
    rd(MSR);                                /* clear the deltas of the switch */
    for (int i = 0; i < 17; i++)            /* data + overrun */
        wr(THR, 'a');
    wr(MCR, 0x19);                          /* DTR: a modem status change */
    wr(IER, 0x0f);                          /* everything, THRE fires now */

    CU_ASSERT_EQUAL(rd(IIR), 0xc6);         /* 1: line status */
    rd(LSR);
    CU_ASSERT_EQUAL(rd(IIR), 0xc4);         /* 2: received data */
    while (rd(LSR) & 0x01)
        rd(RBR);
    CU_ASSERT_EQUAL(rd(IIR), 0xc2);         /* 4: THR empty, cleared by this read */
    CU_ASSERT_EQUAL(rd(IIR), 0xc0);         /* 5: modem status */
    CU_ASSERT_EQUAL(irq.level, 1);
    rd(MSR);
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    CU_ASSERT_EQUAL(irq.level, 0);
    teardown();
}

static void test_char_timeout(void)
{
    setup();
    wr(MCR, 0x08);
    wr(IER, 0x03);
    wr(FCR, 0x41);                          /* trigger 4 */
    rd(IIR);                                /* ack the THRE interrupt */
    feed("ab");
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    CU_ASSERT_TRUE(timer_pending(uart.timeout_timer));
    serial_rx_timeout(&uart);               /* 4 character times pass */
    CU_ASSERT_EQUAL(rd(IIR), 0xcc);         /* timeout outranks THRE */
    CU_ASSERT_EQUAL(irq.level, 1);
    CU_ASSERT_EQUAL(rd(RBR), 'a');          /* a read clears it... */
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    CU_ASSERT_TRUE(timer_pending(uart.timeout_timer));  /* ...and restarts it */
    CU_ASSERT_EQUAL(rd(RBR), 'b');
    CU_ASSERT_FALSE(timer_pending(uart.timeout_timer));
    serial_rx_timeout(&uart);               /* an empty FIFO never times out */
    CU_ASSERT_EQUAL(rd(IIR), 0xc1);
    teardown();
}

static void test_state_roundtrip(void)
{
    ByteStream bs;
    Error err = { 0 };
    static SerialState copy;
    Chardev *chr2;

    setup();
    wr(LCR, 0x80);
    wr(DLL, 0x01);
    wr(LCR, 0x1b);
    wr(FCR, 0xc1);
    wr(SCR, 0x77);
    wr(MCR, 0x0b);
    wr(IER, 0x01);
    feed("xyz");
    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, uart.dev.state, &uart, &err), 0);

    memset(&copy, 0, sizeof(copy));
    chr2 = chardev_new_custom("test2", fake_write, NULL, &err);
    CU_ASSERT_EQUAL_FATAL(serial_init(&copy, NULL, chr2, &err), 0);
    bs.pos = 0;
    CU_ASSERT_EQUAL(state_load(&bs, copy.dev.state, &copy, &err), 0);
    CU_ASSERT_EQUAL(copy.divisor, 1);
    CU_ASSERT_EQUAL(copy.lcr, 0x1b);
    CU_ASSERT_EQUAL(copy.fcr, 0xc1);
    CU_ASSERT_EQUAL(copy.scr, 0x77);
    CU_ASSERT_EQUAL(copy.mcr, 0x0b);
    CU_ASSERT_EQUAL(copy.rx_count, 3);
    CU_ASSERT_EQUAL(serial_io_read(&copy, RBR), 'x');
    CU_ASSERT_EQUAL(serial_io_read(&copy, RBR), 'y');
    CU_ASSERT_TRUE(timer_pending(copy.timeout_timer));
    bs_free(&bs);

    /* A stream claiming an impossible FIFO is refused and leaves it empty. */
    uart.rx_count = 200;
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, uart.dev.state, &uart, &err), 0);
    uart.rx_count = 0;
    err.set = false;
    CU_ASSERT_EQUAL(state_load(&bs, copy.dev.state, &copy, &err), -1);
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_TRUE(copy.rx_count <= SERIAL_FIFO_SIZE);
    bs_free(&bs);
    serial_fini(&copy);
    teardown();
}

static const UnitTest serial_tests[] = {
    { "reset values", test_reset_values },
    { "DLAB and divisor latch", test_dlab },
    { "THRE interrupt and its edge", test_thre_interrupt },
    { "OUT2 gates the IRQ line", test_out2_gates_irq },
    { "receive in 16450 mode", test_rx_16450_mode },
    { "FIFO trigger, full FIFO, clearing", test_fifo_trigger },
    { "all four trigger levels", test_trigger_levels },
    { "overrun (loopback)", test_overrun_loopback },
    { "loopback modem status", test_loopback_msr },
    { "IIR priorities and clearing", test_iir_priorities },
    { "character timeout", test_char_timeout },
    { "state round trip", test_state_roundtrip },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("serial", suite_init, suite_clean, serial_tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * 16550A UART, as described by the National Semiconductor PC16550D data
 * sheet, wired the way a PC wires it.
 *
 * Model:
 * - Transmission is instantaneous: a byte written to THR goes straight to
 *   the backend (or, in loopback, to the receive FIFO), so THR and the
 *   transmit shift register are always empty again when the guest looks:
 *   LSR.THRE and LSR.TEMT read as 1 and the TX FIFO never holds anything.
 *   The THRE interrupt still follows the data sheet: cleared by a THR write
 *   or by reading IIR while it is the reported source, set again once the
 *   byte has "left", which gives edge-triggered PIC inputs a real edge.
 * - Reception has a 16-byte FIFO (1 byte in 16450 mode) with the four
 *   trigger levels and the character-timeout interrupt (4 character times
 *   on CLK_VIRTUAL, derived from the divisor and LCR framing).
 * - Interrupt priorities (IIR): line status > received data > character
 *   timeout > THR empty > modem status. The PC routes INTR through the OUT2
 *   modem-control output, so the IRQ line is driven only while MCR.OUT2 is 1.
 * - Without loopback the host side has no modem lines; the port reads as
 *   CTS, DSR and DCD asserted. In loopback MSR mirrors MCR as the data sheet
 *   says and the backend's input is ignored.
 *
 * Invariants: rx_count <= SERIAL_FIFO_SIZE, rx_head < SERIAL_FIFO_SIZE,
 * LSR.DR == (rx_count != 0), and irq_level is what the line was last set to.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/char/serial.h"
#include "hw/pc/pc.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/log.h"

/* Register offsets */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define IER_RDI   0x01      /* received data available (and timeout) */
#define IER_THRI  0x02      /* THR empty */
#define IER_RLSI  0x04      /* receiver line status */
#define IER_MSI   0x08      /* modem status */

#define IIR_NO_INT  0x01
#define IIR_MSI     0x00
#define IIR_THRI    0x02
#define IIR_RDI     0x04
#define IIR_RLSI    0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO    0xc0    /* both FIFOs enabled */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA      0x08
#define FCR_TRIGGER  0xc0

#define LCR_DLAB  0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_PE    0x04
#define LSR_FE    0x08
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_ERR_INT (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08
#define MSR_DELTA 0x0f
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80
#define MSR_HOST  (MSR_CTS | MSR_DSR | MSR_DCD)

#define SERIAL_CLOCK_HZ 115200  /* 1.8432 MHz crystal / 16 */

static bool serial_fifo_on(const SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned serial_rx_capacity(const SerialState *s)
{
    return serial_fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger(const SerialState *s)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return serial_fifo_on(s) ? levels[s->fcr >> 6] : 1;
}

static uint8_t serial_iir(const SerialState *s)
{
    uint8_t iir = IIR_NO_INT;

    if ((s->ier & IER_RLSI) && (s->lsr & LSR_ERR_INT))
        iir = IIR_RLSI;
    else if ((s->ier & IER_RDI) && s->rx_count >= serial_rx_trigger(s))
        iir = IIR_RDI;
    else if ((s->ier & IER_RDI) && s->timeout_ipending)
        iir = IIR_TIMEOUT;
    else if ((s->ier & IER_THRI) && s->thr_ipending)
        iir = IIR_THRI;
    else if ((s->ier & IER_MSI) && (s->msr & MSR_DELTA))
        iir = IIR_MSI;
    if (serial_fifo_on(s))
        iir |= IIR_FIFO;
    return iir;
}

static void serial_update_irq(SerialState *s)
{
    int level = !(serial_iir(s) & IIR_NO_INT) && (s->mcr & MCR_OUT2);
    s->irq_level = level;
    irq_set(s->irq, level);
}

/* Time for 4 characters at the programmed rate and framing. */
static int64_t serial_timeout_ns(const SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & 3) + ((s->lcr >> 3) & 1) +
                    ((s->lcr & 4) ? 2 : 1);
    uint64_t div = s->divisor ? s->divisor : 65536;  /* 0 divides by 2^16 */
    return (int64_t)(4 * bits * div * (uint64_t)NS_PER_SEC / SERIAL_CLOCK_HZ);
}

static void serial_rearm_timeout(SerialState *s)
{
    if (!s->timeout_timer)
        return;
    if (serial_fifo_on(s) && s->rx_count)
        timer_mod(s->timeout_timer, clock_get_ns(CLK_VIRTUAL) + serial_timeout_ns(s));
    else
        timer_del(s->timeout_timer);
}

void serial_rx_timeout(void *opaque)
{
    SerialState *s = opaque;
    if (serial_fifo_on(s) && s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~LSR_DR;
    s->timeout_ipending = false;
    if (s->timeout_timer)
        timer_del(s->timeout_timer);
}

/* One byte into the receiver: from the backend or looped back. */
static void serial_rx_byte(SerialState *s, uint8_t b)
{
    if (s->rx_count >= serial_rx_capacity(s)) {
        /*
         * Overrun. With the FIFO on the byte in the shift register is lost;
         * in 16450 mode it overwrites the holding register.
         */
        s->lsr |= LSR_OE;
        if (!serial_fifo_on(s))
            s->rx_fifo[s->rx_head] = b;
    } else {
        s->rx_fifo[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = b;
        s->rx_count++;
    }
    s->lsr |= LSR_DR;
    serial_rearm_timeout(s);
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;
    if (s->mcr & MCR_LOOP)
        return 0;       /* the receiver listens to the transmitter only */
    return (int)(serial_rx_capacity(s) - s->rx_count);
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;
    for (size_t i = 0; i < len; i++)
        serial_rx_byte(s, buf[i]);
    serial_update_irq(s);
}

static void serial_set_msr(SerialState *s, uint8_t lines)
{
    uint8_t old = s->msr;
    uint8_t delta = 0;

    if ((old ^ lines) & MSR_CTS)
        delta |= MSR_DCTS;
    if ((old ^ lines) & MSR_DSR)
        delta |= MSR_DDSR;
    if ((old & MSR_RI) && !(lines & MSR_RI))
        delta |= MSR_TERI;      /* trailing edge only */
    if ((old ^ lines) & MSR_DCD)
        delta |= MSR_DDCD;
    s->msr = (uint8_t)((old & MSR_DELTA) | delta | lines);
}

static uint8_t serial_loop_lines(uint8_t mcr)
{
    return (uint8_t)(((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
                     ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0));
}

static void serial_write_thr(SerialState *s, uint8_t val)
{
    /* Writing THR clears the THRE interrupt... */
    s->thr_ipending = false;
    serial_update_irq(s);
    if (s->mcr & MCR_LOOP)
        serial_rx_byte(s, val);
    else
        chardev_write(s->chr, &val, 1);
    /* ...and the byte leaves at once, so THR is empty again. */
    s->lsr |= LSR_THRE | LSR_TEMT;
    s->thr_ipending = true;
    serial_update_irq(s);
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    uint8_t fcr = (val & FCR_ENABLE) ? (val & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER)) : 0;

    /* Turning the FIFOs on or off empties them. */
    if ((fcr ^ s->fcr) & FCR_ENABLE)
        serial_rx_clear(s);
    else if ((val & FCR_ENABLE) && (val & FCR_CLEAR_RX))
        serial_rx_clear(s);
    /* FCR_CLEAR_TX: the transmit FIFO is always empty here. */
    s->fcr = fcr;
    if (!(s->fcr & FCR_ENABLE)) {
        s->timeout_ipending = false;
        if (s->timeout_timer)
            timer_del(s->timeout_timer);
    }
    chardev_accept_input(s->chr);
    serial_update_irq(s);
}

void serial_io_write(SerialState *s, unsigned offset, uint8_t val)
{
    switch (offset & 7) {
    case UART_THR:
        if (s->lcr & LCR_DLAB)
            s->divisor = (uint16_t)((s->divisor & 0xff00) | val);
        else
            serial_write_thr(s, val);
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (val << 8));
        } else {
            uint8_t old = s->ier;
            s->ier = val & 0x0f;
            /* Enabling ETBEI with THR empty interrupts at once. */
            if (!(old & IER_THRI) && (s->ier & IER_THRI) && (s->lsr & LSR_THRE))
                s->thr_ipending = true;
            serial_update_irq(s);
        }
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR: {
        uint8_t old = s->mcr;
        s->mcr = val & 0x1f;
        if (s->mcr & MCR_LOOP)
            serial_set_msr(s, serial_loop_lines(s->mcr));
        else if (old & MCR_LOOP)
            serial_set_msr(s, MSR_HOST);
        if ((old ^ s->mcr) & MCR_LOOP)
            chardev_accept_input(s->chr);
        serial_update_irq(s);
        break;
    }
    case UART_LSR:
    case UART_MSR:
        /* Factory test registers: writes have no defined effect. */
        log_mask_printf(LOG_GUEST, "serial %#x: write %#x to read-only register %u\n",
                        s->iobase, val, offset & 7);
        break;
    case UART_SCR:
        s->scr = val;
        break;
    }
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t b = 0;

    if (s->rx_count) {
        bool was_full = s->rx_count >= serial_rx_capacity(s);
        b = s->rx_fifo[s->rx_head];
        s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
        s->rx_count--;
        if (!s->rx_count)
            s->lsr &= ~LSR_DR;
        if (was_full)
            chardev_accept_input(s->chr);
    } else if (!serial_fifo_on(s)) {
        b = s->rx_fifo[s->rx_head];     /* an empty 16450 RBR keeps its byte */
    }
    /* A read restarts the timeout clock and clears its interrupt. */
    s->timeout_ipending = false;
    serial_rearm_timeout(s);
    serial_update_irq(s);
    return b;
}

uint8_t serial_io_read(SerialState *s, unsigned offset)
{
    uint8_t v;

    switch (offset & 7) {
    case UART_RBR:
        return (s->lcr & LCR_DLAB) ? (uint8_t)s->divisor : serial_read_rbr(s);
    case UART_IER:
        return (s->lcr & LCR_DLAB) ? (uint8_t)(s->divisor >> 8) : s->ier;
    case UART_IIR:
        v = serial_iir(s);
        /* Reading IIR acknowledges a THRE interrupt it reports. */
        if ((v & 0x0f) == IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return v;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        v = s->lsr;
        s->lsr &= ~LSR_ERR_INT;     /* error bits clear on read */
        serial_update_irq(s);
        return v;
    case UART_MSR:
        v = s->msr;
        s->msr &= ~MSR_DELTA;
        serial_update_irq(s);
        return v;
    default:
        return s->scr;
    }
}

void serial_reset(SerialState *s)
{
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->fcr = 0;
    s->scr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = MSR_HOST;
    s->divisor = 12;            /* 9600 baud, a common power-on value */
    s->thr_ipending = false;
    memset(s->rx_fifo, 0, sizeof(s->rx_fifo));
    serial_rx_clear(s);
    serial_update_irq(s);
    chardev_accept_input(s->chr);
}

/* ---- device glue ------------------------------------------------------- */

static int serial_post_load(void *obj, Error *err)
{
    SerialState *s = obj;
    /* The stream is input: never index the FIFO with what it says. */
    if (s->rx_head >= SERIAL_FIFO_SIZE || s->rx_count > SERIAL_FIFO_SIZE) {
        error_setf(err, "serial: corrupt FIFO state (head %u, count %u)",
                   s->rx_head, s->rx_count);
        /* The fields are already written: leave a usable, empty FIFO. */
        s->rx_head = s->rx_count = 0;
        s->lsr &= (uint8_t)~LSR_DR;
        return -1;
    }
    s->ier &= 0x0f;
    s->mcr &= 0x1f;
    if (s->rx_count)
        s->lsr |= LSR_DR;
    else
        s->lsr &= (uint8_t)~LSR_DR;
    serial_update_irq(s);
    chardev_accept_input(s->chr);
    return 0;
}

static const StateField serial_fields[] = {
    STATE_U8(SerialState, ier),
    STATE_U8(SerialState, lcr),
    STATE_U8(SerialState, mcr),
    STATE_U8(SerialState, lsr),
    STATE_U8(SerialState, msr),
    STATE_U8(SerialState, scr),
    STATE_U8(SerialState, fcr),
    STATE_U16(SerialState, divisor),
    STATE_U8_ARRAY(SerialState, rx_fifo, SERIAL_FIFO_SIZE),
    STATE_U8(SerialState, rx_head),
    STATE_U8(SerialState, rx_count),
    STATE_BOOL(SerialState, thr_ipending),
    STATE_BOOL(SerialState, timeout_ipending),
    STATE_TIMER(SerialState, timeout_timer),
    STATE_END
};

static const StateDesc serial_state = {
    "uart16550a", 1, serial_fields, serial_post_load,
};

static uint64_t serial_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return serial_io_read(opaque, (unsigned)addr);
}

static void serial_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    serial_io_write(opaque, (unsigned)addr, (uint8_t)val);
}

static const MemoryRegionOps serial_ops = {
    .read = serial_mr_read,
    .write = serial_mr_write,
    .min_access = 1,
    .max_access = 1,    /* byte registers; wider accesses hit neighbours */
};

int serial_init(SerialState *s, IrqLine *irq, Chardev *chr, Error *err)
{
    s->dev.state = &serial_state;
    s->irq = irq;
    s->chr = chr;
    s->timeout_timer = timer_new(CLK_VIRTUAL, serial_rx_timeout, s);
    if (!s->timeout_timer)
        return error_setf(err, "serial: cannot create its timer");
    if (chr && chardev_attach(chr, serial_can_receive, serial_receive, s, err) < 0) {
        timer_free(s->timeout_timer);
        s->timeout_timer = NULL;
        s->chr = NULL;
        return -1;
    }
    serial_reset(s);
    return 0;
}

void serial_fini(SerialState *s)
{
    if (s->chr)
        chardev_detach(s->chr);
    s->chr = NULL;
    if (s->timeout_timer)
        timer_free(s->timeout_timer);
    s->timeout_timer = NULL;
}

static void serial_dev_reset(Device *dev)
{
    serial_reset((SerialState *)dev);
}

static void serial_dev_destroy(Device *dev)
{
    SerialState *s = (SerialState *)dev;
    if (s->machine)
        mr_del_subregion(&s->machine->iomem, &s->io);
    mr_destroy(&s->io);
    serial_fini(s);
    free(s);
}

SerialState *serial_create(Machine *m, const char *id, uint16_t iobase,
                           IrqLine *irq, Chardev *chr, Error *err)
{
    SerialState *s = calloc(1, sizeof(*s));
    char name[32];

    if (!s) {
        error_setf(err, "serial: out of memory");
        return NULL;
    }
    if ((uint32_t)iobase + 8 > 0x10000) {
        error_setf(err, "serial: iobase %#x is outside the I/O space", iobase);
        free(s);
        return NULL;
    }
    s->iobase = iobase;
    if (serial_init(s, irq, chr, err) < 0) {
        free(s);
        return NULL;
    }
    s->machine = m;
    snprintf(name, sizeof(name), "serial@%#x", iobase);
    mr_init_io(&s->io, name, &serial_ops, s, 8);
    mr_add_subregion(&m->iomem, iobase, &s->io);
    device_attach(m, &s->dev, id, serial_dev_reset, serial_dev_destroy, &serial_state);
    return s;
}

/* -device isa-serial[,iobase=N][,irq=N][,chardev=ID] */
static Device *isa_serial_create(Machine *m, DeviceOpts *opts, Error *err)
{
    uint64_t iobase, irq;
    uint16_t def_base;
    int def_irq;
    const char *chr_id;
    Chardev *chr = NULL;
    SerialState *s;

    pc_serial_default_slot(m, &def_base, &def_irq);
    if (devopts_get_u64(opts, "iobase", def_base, &iobase, err) < 0 ||
        devopts_get_u64(opts, "irq", (uint64_t)def_irq, &irq, err) < 0)
        return NULL;
    chr_id = devopts_get_str(opts, "chardev", NULL);
    const char *id = devopts_get_str(opts, "id", NULL);
    if (devopts_check_all_used(opts, err) < 0)
        return NULL;
    if (iobase > 0xfff8) {
        error_setf(err, "isa-serial: iobase %#llx is outside the I/O space",
                   (unsigned long long)iobase);
        return NULL;
    }
    if (irq > 15) {
        error_setf(err, "isa-serial: irq %llu is not an ISA IRQ (0-15)",
                   (unsigned long long)irq);
        return NULL;
    }
    if (chr_id) {
        chr = chardev_find(chr_id);
        if (!chr) {
            error_setf(err, "isa-serial: no chardev with id '%s'", chr_id);
            return NULL;
        }
    }
    s = serial_create(m, id, (uint16_t)iobase, pc_isa_irq(m, (unsigned)irq), chr, err);
    return s ? &s->dev : NULL;
}

const DeviceType isa_serial_type = {
    .name = "isa-serial",
    .help = "16550A UART (iobase=0x3f8,irq=4,chardev=ID)",
    .create = isa_serial_create,
};

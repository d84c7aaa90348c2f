/* SPDX-License-Identifier: MIT */
/*
 * 16550A UART.
 *
 * The board (or -device isa-serial) creates a port at an I/O base with an
 * IRQ line and a character backend. The register file and its interrupt
 * logic are reachable directly (serial_io_read/serial_io_write) so that unit
 * tests can drive a port without an address space.
 */
#ifndef TANDEM_SERIAL_H
#define TANDEM_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "softmmu/memory.h"
#include "ui/chardev.h"

#define SERIAL_FIFO_SIZE 16

typedef struct Timer Timer;

typedef struct SerialState {
    Device dev;
    MemoryRegion io;
    IrqLine *irq;           /* owned by the board; may be NULL or unwired */
    Chardev *chr;           /* NULL: output discarded, no input */

    /* Registers */
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint16_t divisor;

    /* Receive FIFO (also the 1-byte holding register in 16450 mode) */
    uint8_t rx_fifo[SERIAL_FIFO_SIZE];
    uint8_t rx_head, rx_count;

    /* Interrupt sources that are latched rather than computed from state */
    bool thr_ipending;      /* THR became empty; cleared by IIR read or THR write */
    bool timeout_ipending;  /* character timeout (FIFO mode) */

    Timer *timeout_timer;   /* CLK_VIRTUAL, 4 character times */
    int irq_level;          /* level last driven on irq */
    Machine *machine;       /* NULL when made by serial_init alone */
    uint16_t iobase;
} SerialState;

/* Create a port on m's I/O space and attach it to m's device list. */
SerialState *serial_create(Machine *m, const char *id, uint16_t iobase,
                           IrqLine *irq, Chardev *chr, Error *err);

/* State without an address space (tests); serial_create calls this. */
int serial_init(SerialState *s, IrqLine *irq, Chardev *chr, Error *err);
void serial_fini(SerialState *s);
void serial_reset(SerialState *s);

/* Register access by offset 0..7. */
uint8_t serial_io_read(SerialState *s, unsigned offset);
void serial_io_write(SerialState *s, unsigned offset, uint8_t val);

/* The character-timeout timer's action, public so tests can fire it. */
void serial_rx_timeout(void *opaque);

#endif

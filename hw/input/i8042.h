/* SPDX-License-Identifier: MIT */
/*
 * i8042 keyboard controller with its PS/2 keyboard and mouse.
 *
 * The board creates one controller at ports 0x60 (data) and 0x64
 * (status/command) with the keyboard's IRQ line (ISA 1) and the mouse's
 * (ISA 12). The controller also drives two lines of the PC: the A20 gate
 * (output port bit 1) and the CPU reset (output port bit 0, pulsed by
 * command 0xFE), which becomes machine_request_reset().
 *
 * A20: by default the controller applies the gate to every vCPU itself
 * (X86CPUState.a20_enabled, then a kick so that the engine looks at it
 * before running on); a board that combines it with other sources (port
 * 0x92) points a20_out at its own line instead, whose level is 1 for "gate
 * open".
 *
 * The UI feeds input with ps2_keyboard_key(&s->kbd, ...) and
 * ps2_mouse_event(&s->mouse, ...) (see ps2.h), holding the big lock.
 */
#ifndef TANDEM_I8042_H
#define TANDEM_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/input/ps2.h"
#include "softmmu/memory.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT  0x64

/* Status register (port 0x64 reads) */
#define I8042_STR_OBF     0x01  /* output buffer full */
#define I8042_STR_IBF     0x02  /* input buffer full (never: writes are instant) */
#define I8042_STR_SYS     0x04  /* system flag: POST done */
#define I8042_STR_CMD     0x08  /* A2: last write was to the command port */
#define I8042_STR_UNLOCK  0x10  /* keyboard not inhibited by the key lock */
#define I8042_STR_AUXOBF  0x20  /* the output buffer holds a mouse byte */
#define I8042_STR_TIMEOUT 0x40
#define I8042_STR_PARITY  0x80

/* Command byte (controller RAM byte 0) */
#define I8042_CTR_KBDINT  0x01  /* IRQ 1 when a keyboard byte is in the buffer */
#define I8042_CTR_AUXINT  0x02  /* IRQ 12 when a mouse byte is */
#define I8042_CTR_SYS     0x04
#define I8042_CTR_KBDDIS  0x10  /* keyboard clock held low: its bytes wait */
#define I8042_CTR_AUXDIS  0x20
#define I8042_CTR_XLATE   0x40  /* translate keyboard bytes set 2 -> set 1 */

/* Output port */
#define I8042_OUT_RESET   0x01  /* CPU reset line, active low */
#define I8042_OUT_A20     0x02
#define I8042_OUT_KBDOBF  0x10  /* IRQ 1 */
#define I8042_OUT_AUXOBF  0x20  /* IRQ 12 */

#define I8042_CTRL_QUEUE 8

typedef struct Machine Machine;

typedef struct I8042State {
    Device dev;
    MemoryRegion io_data, io_cmd;
    Machine *machine;               /* NULL: no reset or A20 to drive */
    IrqLine *kbd_irq, *aux_irq;     /* owned by the board; may be NULL */
    IrqLine *a20_out;               /* level 1 = A20 gate open */
    IrqLine a20_cpus;               /* default a20_out: every vCPU */

    PS2Keyboard kbd;
    PS2Mouse mouse;

    uint8_t status;                 /* I8042_STR_OBF, AUXOBF, SYS, CMD */
    uint8_t ram[32];                /* ram[0] is the command byte */
    uint8_t outport;
    uint8_t obuf;                   /* what a data port read returns */
    uint8_t pending;                /* command waiting for its data byte */
    bool xlate_break;               /* translating: an F0 prefix was seen */

    /* The controller's own answers, ahead of both devices' bytes. */
    uint8_t ctrl_data[I8042_CTRL_QUEUE];
    uint8_t ctrl_aux;               /* bit i: ctrl_data[i] is tagged as mouse */
    uint8_t ctrl_rptr, ctrl_count;

    int kbd_level, aux_level;       /* last driven; -1 forces the next set */
} I8042State;

/*
 * Create the controller on m's I/O space at 0x60/0x64, attach it to m's
 * device list and reset it. kbd_irq/aux_irq are ISA lines 1 and 12.
 */
I8042State *i8042_create(Machine *m, IrqLine *kbd_irq, IrqLine *aux_irq, Error *err);

/* State without an address space (tests); i8042_create calls this. */
void i8042_init(I8042State *s, Machine *m, IrqLine *kbd_irq, IrqLine *aux_irq);
void i8042_reset(I8042State *s);

/* Port access by port number (0x60 or 0x64). */
uint8_t i8042_ioport_read(I8042State *s, uint16_t port);
void i8042_ioport_write(I8042State *s, uint16_t port, uint8_t val);

/* The 8042's set 2 -> set 1 translation of one byte (no F0 handling). */
uint8_t i8042_translate(uint8_t set2);

extern const StateDesc i8042_state;

#endif

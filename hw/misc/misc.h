/* SPDX-License-Identifier: MIT */
/*
 * Small ISA devices with no state worth a header of their own: the
 * debug-exit port test guests use to end tandem with a status, the
 * port 0x80 POST-code sink firmware writes progress codes to, the debugcon
 * byte console and the pc-testdev ports test suites drive.
 */
#ifndef TANDEM_HW_MISC_H
#define TANDEM_HW_MISC_H

#include <stdint.h>

#include "hw/core/device.h"

/* A debug-exit port at iobase (iosize 1, 2 or 4 bytes). */
Device *debug_exit_create(Machine *m, const char *id, uint16_t iobase,
                          unsigned iosize, Error *err);

/* The POST-code port at 0x80: writes ignored, reads 0xff. */
Device *port80_create(Machine *m, Error *err);

typedef struct Chardev Chardev;
typedef struct IrqLine IrqLine;

/*
 * The debug console at iobase: each byte written goes to chr (NULL: to
 * nowhere); reads return readback (QEMU: 0xe9). Does not attach to chr as
 * its frontend, so chr may also serve a serial port.
 */
Device *debugcon_create(Machine *m, const char *id, uint16_t iobase, Chardev *chr,
                        uint8_t readback, Error *err);
/*
 * -debugcon SPEC (file:PATH, stdio, null, pty, chardev:ID, none): a debugcon
 * at 0xe9. "none" creates nothing. 0, or -1 with err.
 */
int debugcon_create_from_spec(Machine *m, const char *spec, Error *err);

#define PC_TESTDEV_NR_IRQS 24
/*
 * pc-testdev (scratch ports 0xe0/0xe8, page flush 0xe4, IRQ lines at
 * 0x2000 + n, 64 KiB scratch MMIO at 0xff000000). irqs[n] is the line port
 * 0x2000 + n drives (GSI n; NULL entries are not wired).
 */
Device *pc_testdev_create(Machine *m, const char *id,
                          IrqLine *const irqs[PC_TESTDEV_NR_IRQS], Error *err);

#endif

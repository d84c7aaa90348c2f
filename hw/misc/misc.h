/* SPDX-License-Identifier: MIT */
/*
 * Small ISA devices with no state worth a header of their own: the
 * debug-exit port test guests use to end tandem with a status, and the
 * port 0x80 POST-code sink firmware writes progress codes to.
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

#endif

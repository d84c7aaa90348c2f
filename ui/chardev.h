/* SPDX-License-Identifier: MIT */
/*
 * Character backends: where a serial port's bytes go and come from.
 *
 * A Chardev is a byte pipe between one frontend (a UART, later a monitor)
 * and the host: the terminal (stdio), a file, a pseudo-terminal, nothing
 * (null), or a callback (custom, for tests and internal users). Spellings
 * follow QEMU: "-serial stdio|file:PATH|pty|null|none|chardev:ID" and
 * "-chardev BACKEND,id=ID[,path=PATH]".
 *
 * Output: chardev_write() never blocks for long, never raises SIGPIPE and
 * never fails towards the frontend: a congested or broken host side drops
 * bytes (a guest cannot be allowed to hang or crash tandem by printing).
 *
 * Input arrives through a main-loop fd handler. The backend reads only as
 * many bytes as the frontend's can_receive() allows; when that is zero it
 * stops watching the fd (so poll does not spin) until the frontend calls
 * chardev_accept_input() to say it has room again.
 *
 * stdio puts a terminal stdin in raw mode (restored at exit and on fatal
 * signals) and implements QEMU's Ctrl-A escapes: C-a x quits through the
 * quit handler, C-a C-a sends one C-a, C-a h prints help.
 *
 * Named backends (-chardev) live in one table owned by this module; each
 * can serve one frontend. Everything here runs with the big lock held.
 */
#ifndef TANDEM_CHARDEV_H
#define TANDEM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

typedef struct Chardev Chardev;
typedef struct Machine Machine;

/* How many bytes the frontend can take right now (0: none). */
typedef int ChardevCanReceive(void *opaque);
/* Bytes for the frontend; len never exceeds what can_receive allowed. */
typedef void ChardevReceive(void *opaque, const uint8_t *buf, size_t len);
/* Output sink of a custom backend. */
typedef void ChardevWriteFn(void *opaque, const uint8_t *buf, size_t len);
/* Called on C-a x. */
typedef void ChardevQuitFn(void *opaque);

/*
 * Create m's -chardev backends (m->cfg->chardevs) and make C-a x shut m
 * down with status 0. Called once, before the board creates its frontends.
 */
int chardev_init_from_config(Machine *m, Error *err);

/* -chardev TEXT ("stdio,id=X", "file,id=X,path=P", "null,id=X", "pty,id=X"). */
Chardev *chardev_new_from_opts(const char *text, Error *err);
/*
 * -serial TEXT. *out is NULL (and 0 returned) for "none": no device wanted.
 * Other specs make an anonymous backend named label, or find chardev:ID.
 */
int chardev_from_serial_spec(const char *spec, const char *label, Chardev **out,
                             Error *err);
/* A backend whose output goes to fn; no host input (tests feed it). */
Chardev *chardev_new_custom(const char *id, ChardevWriteFn *fn, void *opaque,
                            Error *err);
Chardev *chardev_find(const char *id);
const char *chardev_id(const Chardev *chr);

/* Connect the frontend; fails if another one already uses chr. */
int chardev_attach(Chardev *chr, ChardevCanReceive *can_receive,
                   ChardevReceive *receive, void *opaque, Error *err);
void chardev_detach(Chardev *chr);

/* Send bytes to the host side (dropped if it cannot take them). */
void chardev_write(Chardev *chr, const uint8_t *buf, size_t len);
/* The frontend has room again after can_receive returned 0. */
void chardev_accept_input(Chardev *chr);
/*
 * Deliver bytes as if the host had sent them, escapes included; returns how
 * many were consumed (stops when the frontend is full). For tests and muxes.
 */
size_t chardev_feed_input(Chardev *chr, const uint8_t *buf, size_t len);

/* Turn Ctrl-A escape handling on or off (on by default for stdio only). */
void chardev_set_escapes(Chardev *chr, bool on);

/* What C-a x does (the board sets a machine shutdown). */
void chardev_set_quit_handler(ChardevQuitFn *fn, void *opaque);

/* Close every backend and restore the terminal. */
void chardev_destroy_all(void);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Declarative state descriptions, for snapshots and migration.
 *
 * A device describes the fields of its state struct once, as a table of
 * StateFields; state_save() and state_load() walk the table, so no device
 * writes serialisation code. The stream is little-endian and self-checking:
 * each description writes its name and version, each field its name, and
 * load fails with a message naming the first field that does not match.
 *
 *   static const StateField uart_fields[] = {
 *       STATE_U8(Uart16550, ier),
 *       STATE_U8_ARRAY(Uart16550, rx_fifo, 16),
 *       STATE_END
 *   };
 *   static const StateDesc uart_state = { "uart16550", 1, uart_fields };
 */
#ifndef TANDEM_STATE_H
#define TANDEM_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "softmmu/error.h"

typedef enum StateFieldType {
    SF_END = 0,
    SF_BOOL,
    SF_U8,
    SF_U16,
    SF_U32,
    SF_U64,
    SF_BYTES,       /* 'count' raw bytes */
    SF_STRUCT,      /* a nested description, 'count' times */
    SF_TIMER,       /* a Timer *: its deadline, or "not pending" */
} StateFieldType;

typedef struct StateDesc StateDesc;

typedef struct StateField {
    const char *name;
    StateFieldType type;
    size_t offset;
    size_t count;           /* array length (1 for scalars) */
    size_t stride;          /* bytes between elements */
    const StateDesc *sub;   /* SF_STRUCT */
} StateField;

struct StateDesc {
    const char *name;
    uint32_t version;
    const StateField *fields;
    /* Optional: recompute derived state (IRQ levels, timers) after load. */
    int (*post_load)(void *obj, Error *err);
};

#define STATE_FIELD_(st, f, ty, n) \
    { #f, ty, offsetof(st, f), n, sizeof(((st *)0)->f) / (n), NULL }
#define STATE_BOOL(st, f)          STATE_FIELD_(st, f, SF_BOOL, 1)
#define STATE_U8(st, f)            STATE_FIELD_(st, f, SF_U8, 1)
#define STATE_U16(st, f)           STATE_FIELD_(st, f, SF_U16, 1)
#define STATE_U32(st, f)           STATE_FIELD_(st, f, SF_U32, 1)
#define STATE_U64(st, f)           STATE_FIELD_(st, f, SF_U64, 1)
#define STATE_I32(st, f)           STATE_FIELD_(st, f, SF_U32, 1)
#define STATE_I64(st, f)           STATE_FIELD_(st, f, SF_U64, 1)
#define STATE_U8_ARRAY(st, f, n)   STATE_FIELD_(st, f, SF_U8, n)
#define STATE_U16_ARRAY(st, f, n)  STATE_FIELD_(st, f, SF_U16, n)
#define STATE_U32_ARRAY(st, f, n)  STATE_FIELD_(st, f, SF_U32, n)
#define STATE_U64_ARRAY(st, f, n)  STATE_FIELD_(st, f, SF_U64, n)
#define STATE_BYTES(st, f)         { #f, SF_BYTES, offsetof(st, f), sizeof(((st *)0)->f), 1, NULL }
#define STATE_STRUCT(st, f, d)     { #f, SF_STRUCT, offsetof(st, f), 1, sizeof(((st *)0)->f), &(d) }
#define STATE_STRUCT_ARRAY(st, f, n, d) \
    { #f, SF_STRUCT, offsetof(st, f), n, sizeof(((st *)0)->f) / (n), &(d) }
#define STATE_TIMER(st, f)         { #f, SF_TIMER, offsetof(st, f), 1, sizeof(void *), NULL }
#define STATE_END                  { NULL, SF_END, 0, 0, 0, NULL }

/* A growable byte buffer with a read cursor. */
typedef struct ByteStream {
    uint8_t *data;
    size_t len, cap;
    size_t pos;             /* read position */
} ByteStream;

void bs_init(ByteStream *bs);
void bs_free(ByteStream *bs);
void bs_put(ByteStream *bs, const void *p, size_t n);
int  bs_get(ByteStream *bs, void *p, size_t n, Error *err);

int state_save(ByteStream *bs, const StateDesc *desc, const void *obj, Error *err);
int state_load(ByteStream *bs, const StateDesc *desc, void *obj, Error *err);

#endif

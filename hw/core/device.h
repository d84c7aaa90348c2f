/* SPDX-License-Identifier: MIT */
/*
 * Devices: the common header every device model embeds, the list of device
 * types that -device can create, and the options parser they share.
 *
 * A device is a state struct whose first member is a Device. The board
 * (hw/pc/) creates built-in devices explicitly and in order; -device creates
 * the user's ones afterwards through the DeviceType table in
 * hw/core/device-types.c, which is an ordinary array: no constructors or
 * linker tricks decide what exists or in which order. machine_reset() resets
 * devices in creation order, after the CPUs.
 */
#ifndef TANDEM_DEVICE_H
#define TANDEM_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "softmmu/error.h"
#include "hw/core/state.h"

typedef struct Machine Machine;
typedef struct Device Device;
typedef struct DeviceType DeviceType;

/* "name,key=val,key=val" split into pairs. */
#define DEVOPTS_MAX 32
typedef struct DeviceOpts {
    char *name;                 /* the part before the first comma */
    size_t nr;
    char *key[DEVOPTS_MAX];
    char *val[DEVOPTS_MAX];     /* "" for a bare key ("key" alone) */
    bool used[DEVOPTS_MAX];     /* marked by the getters; leftovers are errors */
} DeviceOpts;

int  devopts_parse(DeviceOpts *o, const char *text, Error *err);
void devopts_free(DeviceOpts *o);
/* Getters return def when the key is absent, -1 with err set when malformed. */
const char *devopts_get_str(DeviceOpts *o, const char *key, const char *def);
int devopts_get_u64(DeviceOpts *o, const char *key, uint64_t def, uint64_t *out, Error *err);
int devopts_get_bool(DeviceOpts *o, const char *key, bool def, bool *out, Error *err);
/* Fails naming the first key no getter asked for. */
int devopts_check_all_used(const DeviceOpts *o, Error *err);

struct DeviceType {
    const char *name;           /* as given to -device */
    const char *help;           /* one line for -device help */
    /* Create, wire into m and return the device; NULL with err on failure. */
    Device *(*create)(Machine *m, DeviceOpts *opts, Error *err);
};

struct Device {
    const DeviceType *type;     /* NULL for board-internal devices */
    const char *id;
    void (*reset)(Device *dev);
    void (*destroy)(Device *dev);   /* free what create allocated */
    const StateDesc *state;         /* describes the enclosing struct */
    Device *next;                   /* machine's list, creation order */
};

/* Add dev to m's list (reset and snapshot order is the order of calls).
 * id is copied; devices_destroy() frees the copy after dev->destroy. */
void device_attach(Machine *m, Device *dev, const char *id,
                   void (*reset)(Device *), void (*destroy)(Device *),
                   const StateDesc *state);

const DeviceType *device_type_find(const char *name);
void device_types_print(void);  /* for -device help */
/* Parse -device text, find its type and create it. "help" prints the
 * type list and returns NULL with err left unset (not an error). */
Device *device_create_from_opts(Machine *m, const char *text, Error *err);

void devices_reset(Machine *m);
void devices_destroy(Machine *m);

#endif

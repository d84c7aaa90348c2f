/* SPDX-License-Identifier: MIT */
/*
 * Port 0x80, the POST-code port. Firmware and Linux (as an I/O delay) write
 * to it constantly; a PC has something there that swallows the writes, so
 * the board claims it to keep -d unimp free of that noise. Reads return
 * 0xff, what an undecoded ISA port returns. No state, nothing to save.
 */
#include <stdlib.h>

#include "hw/misc/misc.h"
#include "softmmu/machine.h"

typedef struct Port80State {
    Device dev;
    MemoryRegion io;
    Machine *machine;
} Port80State;

static uint64_t port80_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0xff;
}

static void port80_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps port80_ops = {
    .read = port80_read,
    .write = port80_write,
    .min_access = 1,
    .max_access = 1,
};

static void port80_destroy(Device *dev)
{
    Port80State *s = (Port80State *)dev;
    mr_del_subregion(&s->machine->iomem, &s->io);
    mr_destroy(&s->io);
    free(s);
}

Device *port80_create(Machine *m, Error *err)
{
    Port80State *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "port80: out of memory");
        return NULL;
    }
    s->machine = m;
    mr_init_io(&s->io, "post-code", &port80_ops, s, 1);
    mr_add_subregion(&m->iomem, 0x80, &s->io);
    device_attach(m, &s->dev, "port80", NULL, port80_destroy, NULL);
    return &s->dev;
}

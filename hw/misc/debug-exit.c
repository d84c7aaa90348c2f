/* SPDX-License-Identifier: MIT */
/*
 * isa-debug-exit: a write of V ends tandem with exit status (V << 1) | 1,
 * QEMU's convention, so a guest can never produce status 0 by itself and a
 * harness can tell "the guest chose" from "tandem ended normally". The
 * device only asks the machine to shut down: the vCPU that wrote finishes
 * its instruction and the main loop ends the run (no exit() here).
 *
 * Only the first request counts: a guest that keeps writing while the
 * shutdown is under way cannot change the status it reported.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "hw/misc/misc.h"
#include "softmmu/machine.h"

typedef struct DebugExitState {
    Device dev;
    MemoryRegion io;
    Machine *machine;
    uint16_t iobase;
    unsigned iosize;
    bool fired;
} DebugExitState;

static uint64_t debug_exit_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    DebugExitState *s = opaque;
    if (s->fired)
        return;
    s->fired = true;
    /* The OS keeps 8 bits of the status; the shift is QEMU's, not ours. */
    machine_request_shutdown(s->machine, (int)((((uint32_t)val) << 1) | 1));
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .min_access = 1,
    .max_access = 4,
};

static const StateField debug_exit_fields[] = {
    STATE_BOOL(DebugExitState, fired),
    STATE_END
};

static const StateDesc debug_exit_state = { "isa-debug-exit", 1, debug_exit_fields, NULL };

static void debug_exit_reset(Device *dev)
{
    /* A reset does not undo a shutdown already asked for; nothing to do. */
}

static void debug_exit_destroy(Device *dev)
{
    DebugExitState *s = (DebugExitState *)dev;
    mr_del_subregion(&s->machine->iomem, &s->io);
    mr_destroy(&s->io);
    free(s);
}

Device *debug_exit_create(Machine *m, const char *id, uint16_t iobase,
                          unsigned iosize, Error *err)
{
    DebugExitState *s;

    if (iosize != 1 && iosize != 2 && iosize != 4) {
        error_setf(err, "isa-debug-exit: iosize must be 1, 2 or 4, not %u", iosize);
        return NULL;
    }
    if ((uint32_t)iobase + iosize > 0x10000) {
        error_setf(err, "isa-debug-exit: iobase %#x is outside the I/O space", iobase);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "isa-debug-exit: out of memory");
        return NULL;
    }
    s->machine = m;
    s->iobase = iobase;
    s->iosize = iosize;
    mr_init_io(&s->io, "isa-debug-exit", &debug_exit_ops, s, iosize);
    mr_add_subregion(&m->iomem, iobase, &s->io);
    device_attach(m, &s->dev, id, debug_exit_reset, debug_exit_destroy, &debug_exit_state);
    return &s->dev;
}

/* -device isa-debug-exit[,iobase=0x501][,iosize=0x02], QEMU's defaults */
static Device *isa_debug_exit_create(Machine *m, DeviceOpts *opts, Error *err)
{
    uint64_t iobase, iosize;

    if (devopts_get_u64(opts, "iobase", 0x501, &iobase, err) < 0 ||
        devopts_get_u64(opts, "iosize", 2, &iosize, err) < 0)
        return NULL;
    const char *id = devopts_get_str(opts, "id", NULL);
    if (devopts_check_all_used(opts, err) < 0)
        return NULL;
    if (iobase > 0xffff)
        return error_setf(err, "isa-debug-exit: iobase %#llx is outside the I/O space",
                          (unsigned long long)iobase), NULL;
    if (iosize > 4)
        return error_setf(err, "isa-debug-exit: iosize must be 1, 2 or 4, not %llu",
                          (unsigned long long)iosize), NULL;
    return debug_exit_create(m, id, (uint16_t)iobase, (unsigned)iosize, err);
}

const DeviceType isa_debug_exit_type = {
    .name = "isa-debug-exit",
    .help = "write V to exit with status (V<<1)|1 (iobase=0x501,iosize=2)",
    .create = isa_debug_exit_create,
};

/* SPDX-License-Identifier: MIT */
/*
 * isa-debugcon: Bochs' and QEMU's one-byte console. Every byte a guest
 * writes to the port goes to a character backend; firmware (SeaBIOS at
 * 0x402) and test suites (port 0xe9) print through it without setting up a
 * UART. A read returns the readback value (0xe9 by default, as QEMU does),
 * which is how guests probe for the port: a missing port reads 0xff.
 *
 * The device is output-only, so it writes to its backend without attaching
 * as the backend's frontend: one backend may be shared with a serial port
 * ("-serial chardev:log -device isa-debugcon,chardev=log" interleaves both
 * streams) and a stdio backend's input stays with whoever reads it. With no
 * chardev the port still exists and its bytes are dropped.
 *
 * The port is one byte wide; a wider access is split by the memory API and
 * only its first byte lands here (QEMU refuses wider accesses outright;
 * either way the device sees one byte per guest access at most).
 *
 * There is no guest-visible state beyond the constant readback value, so
 * nothing is saved and reset does nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/misc/misc.h"
#include "softmmu/machine.h"
#include "ui/chardev.h"

#define DEBUGCON_DEFAULT_IOBASE   0xe9
#define DEBUGCON_DEFAULT_READBACK 0xe9

typedef struct DebugconState {
    Device dev;
    MemoryRegion io;
    Machine *machine;
    Chardev *chr;           /* NULL: output dropped */
    uint16_t iobase;
    uint8_t readback;
} DebugconState;

static uint64_t debugcon_read(void *opaque, uint64_t addr, unsigned size)
{
    DebugconState *s = opaque;
    return s->readback;
}

static void debugcon_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    DebugconState *s = opaque;
    uint8_t c = (uint8_t)val;
    chardev_write(s->chr, &c, 1);
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .min_access = 1,
    .max_access = 1,
};

static const StateField debugcon_fields[] = {
    STATE_END
};

static const StateDesc debugcon_state = { "isa-debugcon", 1, debugcon_fields, NULL };

static void debugcon_destroy(Device *dev)
{
    DebugconState *s = (DebugconState *)dev;
    mr_del_subregion(&s->machine->iomem, &s->io);
    mr_destroy(&s->io);
    free(s);
}

Device *debugcon_create(Machine *m, const char *id, uint16_t iobase, Chardev *chr,
                        uint8_t readback, Error *err)
{
    DebugconState *s = calloc(1, sizeof(*s));

    if (!s) {
        error_setf(err, "isa-debugcon: out of memory");
        return NULL;
    }
    s->machine = m;
    s->chr = chr;
    s->iobase = iobase;
    s->readback = readback;
    mr_init_io(&s->io, "isa-debugcon", &debugcon_ops, s, 1);
    mr_add_subregion(&m->iomem, iobase, &s->io);
    device_attach(m, &s->dev, id, NULL, debugcon_destroy, &debugcon_state);
    return &s->dev;
}

/* -device isa-debugcon[,iobase=0xe9][,chardev=ID][,readback=0xe9] */
static Device *debugcon_device_create(Machine *m, DeviceOpts *opts, Error *err)
{
    uint64_t iobase, readback;
    const char *chr_id, *id;
    Chardev *chr = NULL;

    if (devopts_get_u64(opts, "iobase", DEBUGCON_DEFAULT_IOBASE, &iobase, err) < 0 ||
        devopts_get_u64(opts, "readback", DEBUGCON_DEFAULT_READBACK, &readback, err) < 0)
        return NULL;
    chr_id = devopts_get_str(opts, "chardev", NULL);
    id = devopts_get_str(opts, "id", NULL);
    if (devopts_check_all_used(opts, err) < 0)
        return NULL;
    if (iobase > 0xffff)
        return error_setf(err, "isa-debugcon: iobase %#llx is outside the I/O space",
                          (unsigned long long)iobase), NULL;
    if (readback > 0xff)
        return error_setf(err, "isa-debugcon: readback %#llx does not fit in a byte",
                          (unsigned long long)readback), NULL;
    if (chr_id) {
        chr = chardev_find(chr_id);
        if (!chr)
            return error_setf(err, "isa-debugcon: no chardev with id '%s'", chr_id), NULL;
    }
    return debugcon_create(m, id, (uint16_t)iobase, chr, (uint8_t)readback, err);
}

int debugcon_create_from_spec(Machine *m, const char *spec, Error *err)
{
    Chardev *chr;

    /* QEMU's -debugcon takes the -serial spellings. */
    if (!strcmp(spec, "none"))
        return 0;
    if (!strncmp(spec, "chardev:", 8)) {
        chr = chardev_find(spec + 8);
        if (!chr)
            return error_setf(err, "-debugcon %s: no chardev with id '%s'", spec, spec + 8);
    } else if (!strncmp(spec, "file:", 5) || !strcmp(spec, "stdio") ||
               !strcmp(spec, "null") || !strcmp(spec, "pty")) {
        if (chardev_from_serial_spec(spec, "debugcon", &chr, err) < 0)
            return -1;
    } else {
        return error_setf(err, "-debugcon %s: expected file:PATH, stdio, null, pty, "
                          "chardev:ID or none", spec);
    }
    return debugcon_create(m, "debugcon", DEBUGCON_DEFAULT_IOBASE, chr,
                           DEBUGCON_DEFAULT_READBACK, err) ? 0 : -1;
}

const DeviceType isa_debugcon_type = {
    .name = "isa-debugcon",
    .help = "bytes written to the port go to a chardev (iobase=0xe9,chardev=ID,"
            "readback=0xe9)",
    .create = debugcon_device_create,
};

/* SPDX-License-Identifier: MIT */
/*
 * Drives from the command line: -drive texts (QEMU's spelling) and the
 * -hda..-hdd / -cdrom shorthands, parsed with devopts so that a misspelt
 * key is an error naming it.
 *
 * Placement follows QEMU: index N is channel N/2, unit N%2; without index=
 * a drive takes the first free place (-cdrom is index 2, the secondary
 * master, as on QEMU's pc). Images are opened here, read-only for CD-ROMs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/ide/ide-int.h"

int ide_drive_parse(const char *text, DeviceOpts *dopts, IdeDriveOpts *o, Error *err)
{
    /* devopts wants a name first; a -drive text has none. */
    size_t n = strlen(text) + sizeof("-drive,");
    char *full = malloc(n);
    if (!full)
        return error_setf(err, "-drive: out of memory");
    snprintf(full, n, "-drive,%s", text);
    int r = devopts_parse(dopts, full, err);
    free(full);
    if (r < 0)
        return -1;

    memset(o, 0, sizeof(*o));
    o->index = -1;
    const char *file = devopts_get_str(dopts, "file", NULL);
    const char *format = devopts_get_str(dopts, "format", NULL);
    const char *iface = devopts_get_str(dopts, "if", "ide");
    const char *media = devopts_get_str(dopts, "media", "disk");
    (void)devopts_get_str(dopts, "id", NULL);
    uint64_t index;
    if (devopts_get_u64(dopts, "index", UINT64_MAX, &index, err) < 0 ||
        devopts_get_bool(dopts, "readonly", false, &o->readonly, err) < 0)
        goto fail;
    if (devopts_check_all_used(dopts, err) < 0) {
        /* err names the key; say where it came from. */
        goto fail;
    }
    if (strcmp(iface, "ide")) {
        error_setf(err, "-drive: if=%s is not supported (only if=ide)", iface);
        goto fail;
    }
    if (!strcmp(media, "disk")) {
        o->media = IDE_KIND_DISK;
    } else if (!strcmp(media, "cdrom")) {
        o->media = IDE_KIND_CDROM;
    } else {
        error_setf(err, "-drive: media=%s: expected disk or cdrom", media);
        goto fail;
    }
    if (format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
        error_setf(err, "-drive: format=%s: expected raw or qcow2", format);
        goto fail;
    }
    if (index != UINT64_MAX && index > 3) {
        error_setf(err, "-drive: index=%llu: IDE has places 0 to 3",
                   (unsigned long long)index);
        goto fail;
    }
    if (file && !file[0])
        file = NULL;
    if (!file && o->media == IDE_KIND_DISK) {
        error_setf(err, "-drive: a disk needs file=PATH");
        goto fail;
    }
    o->file = file;
    o->format = format;
    o->index = index == UINT64_MAX ? -1 : (int)index;
    return 0;

fail:
    devopts_free(dopts);
    return -1;
}

static int ide_pc_place(IdeController *s, const IdeDriveOpts *o, Error *err)
{
    int index = o->index;
    if (index < 0) {
        for (int i = 0; i < 4 && index < 0; i++)
            if (s->bus[i / 2].drive[i % 2].kind == IDE_KIND_NONE)
                index = i;
        if (index < 0)
            return error_setf(err, "-drive: all four IDE places are taken");
    } else if (s->bus[index / 2].drive[index % 2].kind != IDE_KIND_NONE) {
        return error_setf(err, "-drive: IDE index %d is already in use", index);
    }

    BlockBackend *blk = NULL;
    if (o->file) {
        bool ro = o->readonly || o->media == IDE_KIND_CDROM;
        blk = block_open(o->file, o->format, ro, err);
        if (!blk)
            return -1;
        if (o->media == IDE_KIND_DISK && block_nb_sectors(blk) == 0) {
            block_close(blk);
            return error_setf(err, "%s: disk image is smaller than one sector", o->file);
        }
    }
    IdeBus *bus = &s->bus[index / 2];
    if (ide_drive_attach(bus, index % 2, o->media, blk, err) < 0) {
        block_close(blk);
        return -1;
    }
    return 0;
}

int ide_pc_add_drive(IdeController *s, const char *text, Error *err)
{
    DeviceOpts dopts;
    IdeDriveOpts o;
    if (ide_drive_parse(text, &dopts, &o, err) < 0)
        return -1;
    int r = ide_pc_place(s, &o, err);
    devopts_free(&dopts);
    return r;
}

int ide_pc_add_legacy_drive(IdeController *s, const char *option, const char *path,
                            Error *err)
{
    IdeDriveOpts o = { .file = path, .format = NULL, .media = IDE_KIND_DISK };
    if (!strcmp(option, "cdrom")) {
        o.media = IDE_KIND_CDROM;
        o.index = 2;
    } else if (strlen(option) == 3 && !strncmp(option, "hd", 2) && option[2] >= 'a' &&
               option[2] <= 'd') {
        o.index = option[2] - 'a';
    } else {
        return error_setf(err, "ide: unknown drive option -%s", option);
    }
    if (!path || !path[0]) {
        if (o.media == IDE_KIND_DISK)
            return error_setf(err, "-%s needs an image file", option);
        o.file = NULL;
    }
    return ide_pc_place(s, &o, err);
}

/* SPDX-License-Identifier: MIT */
/*
 * The block layer's common part: opening an image (format given or probed),
 * bounds checks on every request, and EINTR-safe file helpers for drivers.
 *
 * Probing follows QEMU: a file starting with the qcow2 magic is qcow2,
 * anything else raw, with a warning when the guess is raw. A guest that owns
 * a probed raw image could write the qcow2 magic into its first sector and
 * make the next start open it as qcow2 (with a backing file pointing at any
 * host file), so writes that would put a known magic at offset 0 of a probed
 * raw image are refused, as QEMU does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

static const BlockDriver *const block_drivers[] = {
    &block_driver_qcow2,
    &block_driver_raw,
};

static const BlockDriver *block_find_driver(const char *name)
{
    for (size_t i = 0; i < sizeof(block_drivers) / sizeof(block_drivers[0]); i++)
        if (!strcmp(block_drivers[i]->name, name))
            return block_drivers[i];
    return NULL;
}

/* The best-scoring driver for the first bytes of a file (raw scores 1). */
static const BlockDriver *block_probe(const uint8_t *buf, size_t len)
{
    const BlockDriver *best = &block_driver_raw;
    int best_score = 0;
    for (size_t i = 0; i < sizeof(block_drivers) / sizeof(block_drivers[0]); i++) {
        int s = block_drivers[i]->probe ? block_drivers[i]->probe(buf, len) : 0;
        if (s > best_score) {
            best_score = s;
            best = block_drivers[i];
        }
    }
    return best;
}

int block_file_pread(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err)
{
    uint8_t *p = buf;
    while (len) {
        if (offset > (uint64_t)INT64_MAX - len)
            return error_setf(err, "%s: read beyond the largest file offset", bb->filename);
        ssize_t n = pread(bb->fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return error_setf_errno(err, errno, "%s: read at offset %llu failed",
                                    bb->filename, (unsigned long long)offset);
        }
        if (n == 0) {       /* end of file: the rest reads as zeros */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int block_file_pwrite(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                      Error *err)
{
    const uint8_t *p = buf;
    while (len) {
        if (offset > (uint64_t)INT64_MAX - len)
            return error_setf(err, "%s: write beyond the largest file offset", bb->filename);
        ssize_t n = pwrite(bb->fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return error_setf_errno(err, errno, "%s: write at offset %llu failed",
                                    bb->filename, (unsigned long long)offset);
        }
        if (n == 0)
            return error_setf(err, "%s: write at offset %llu made no progress",
                              bb->filename, (unsigned long long)offset);
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
        if (offset > bb->file_size)
            bb->file_size = offset;
    }
    return 0;
}

BlockBackend *block_open(const char *path, const char *format, bool readonly, Error *err)
{
    const BlockDriver *drv = NULL;
    if (format && !(drv = block_find_driver(format))) {
        error_setf(err, "%s: unknown image format '%s' (raw or qcow2)", path, format);
        return NULL;
    }
    int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (!readonly && (e == EACCES || e == EROFS) && access(path, R_OK) == 0)
            error_setf(err, "%s: cannot open for writing (%s); use readonly=on", path,
                       strerror(e));
        else
            error_setf_errno(err, e, "could not open disk image '%s'", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        error_setf_errno(err, errno, "%s: cannot stat", path);
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        error_setf(err, "%s: is a directory, not a disk image", path);
        close(fd);
        return NULL;
    }
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        error_setf_errno(err, errno, "%s: cannot find the size", path);
        close(fd);
        return NULL;
    }

    BlockBackend *bb = calloc(1, sizeof(*bb));
    char *name = strdup(path);
    if (!bb || !name) {
        free(bb);
        free(name);
        close(fd);
        error_setf(err, "%s: out of memory", path);
        return NULL;
    }
    bb->filename = name;
    bb->fd = fd;
    bb->file_size = (uint64_t)end;
    bb->readonly = readonly;

    if (!drv) {
        uint8_t head[512];
        if (block_file_pread(bb, 0, head, sizeof(head), err) < 0)
            goto fail;
        drv = block_probe(head, sizeof(head));
        if (drv == &block_driver_raw && !readonly) {
            bb->probed_raw = true;
            /* Read-only images need no guard, so no warning either. */
            fprintf(stderr, "tandem: warning: image format was not specified for '%s' "
                    "and probing guessed raw; writes to sector 0 are restricted "
                    "(specify format=raw to remove the restriction)\n", path);
        }
    }
    bb->drv = drv;
    if (drv->open(bb, err) < 0)
        goto fail;
    return bb;

fail:
    close(fd);
    free(bb->filename);
    free(bb);
    return NULL;
}

void block_close(BlockBackend *bb)
{
    if (!bb)
        return;
    if (bb->drv->close)
        bb->drv->close(bb);
    close(bb->fd);
    free(bb->filename);
    free(bb);
}

static int block_check_request(BlockBackend *bb, uint64_t offset, size_t len, Error *err)
{
    if (offset > bb->size || len > bb->size - offset)
        return error_setf(err, "%s: request at %llu+%zu beyond the end (%llu bytes)",
                          bb->filename, (unsigned long long)offset, len,
                          (unsigned long long)bb->size);
    return 0;
}

int block_pread(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err)
{
    if (block_check_request(bb, offset, len, err) < 0)
        return -1;
    return len ? bb->drv->pread(bb, offset, buf, len, err) : 0;
}

int block_pwrite(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                 Error *err)
{
    if (bb->readonly)
        return error_setf(err, "%s: image is read-only", bb->filename);
    if (block_check_request(bb, offset, len, err) < 0)
        return -1;
    if (!len)
        return 0;
    if (bb->probed_raw && offset < 512) {
        /* Look at the first sector as it would be after this write. */
        uint8_t head[512];
        if (bb->drv->pread(bb, 0, head, bb->size < 512 ? (size_t)bb->size : 512, err) < 0)
            return -1;
        size_t n = len < 512 - offset ? len : 512 - (size_t)offset;
        memcpy(head + offset, buf, n);
        if (block_probe(head, sizeof(head)) != &block_driver_raw)
            return error_setf(err, "%s: refusing to write an image header into sector 0 "
                              "of an image whose format was probed", bb->filename);
    }
    return bb->drv->pwrite(bb, offset, buf, len, err);
}

int block_read_sectors(BlockBackend *bb, uint64_t sector, void *buf, uint32_t count,
                       Error *err)
{
    if (sector > UINT64_MAX / BLOCK_SECTOR_SIZE)
        return error_setf(err, "%s: sector %llu out of range", bb->filename,
                          (unsigned long long)sector);
    return block_pread(bb, sector * BLOCK_SECTOR_SIZE, buf,
                       (size_t)count * BLOCK_SECTOR_SIZE, err);
}

int block_write_sectors(BlockBackend *bb, uint64_t sector, const void *buf,
                        uint32_t count, Error *err)
{
    if (sector > UINT64_MAX / BLOCK_SECTOR_SIZE)
        return error_setf(err, "%s: sector %llu out of range", bb->filename,
                          (unsigned long long)sector);
    return block_pwrite(bb, sector * BLOCK_SECTOR_SIZE, buf,
                        (size_t)count * BLOCK_SECTOR_SIZE, err);
}

int block_flush(BlockBackend *bb, Error *err)
{
    if (bb->readonly)
        return 0;
    return bb->drv->flush ? bb->drv->flush(bb, err) : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Disk image backends: what a disk or CD-ROM model reads and writes.
 *
 * A BlockBackend is an open image of a fixed virtual size. Callers address
 * it in bytes (block_pread/block_pwrite) or 512-byte sectors; every request
 * is checked against the virtual size here, once, so drivers only ever see
 * in-range requests. Drivers (raw.c, qcow2.c) sit behind a BlockDriver ops
 * table and never trust the image file: a corrupt or hostile image gives an
 * error message, never a host access out of bounds or a crash.
 *
 * I/O is synchronous on the host file (pread/pwrite); the device models
 * complete guest requests from bottom halves so the guest still sees a busy
 * device and then an interrupt. All calls are made with the big lock held.
 */
#ifndef TANDEM_BLOCK_H
#define TANDEM_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

#define BLOCK_SECTOR_SIZE 512

typedef struct BlockBackend BlockBackend;

typedef struct BlockDriver {
    const char *name;
    /* Probe score for the first bytes of a file (0: not this format). */
    int (*probe)(const uint8_t *buf, size_t len);
    /* Set bb->size; may keep private state in bb->opaque. */
    int (*open)(BlockBackend *bb, Error *err);
    void (*close)(BlockBackend *bb);
    /* Requests are inside [0, bb->size) and len > 0. */
    int (*pread)(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err);
    int (*pwrite)(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                  Error *err);
    int (*flush)(BlockBackend *bb, Error *err);
} BlockDriver;

struct BlockBackend {
    const struct BlockDriver *drv;
    char *filename;
    int fd;
    uint64_t size;          /* virtual size in bytes */
    uint64_t file_size;     /* host file size at open (drivers keep it current) */
    bool readonly;
    bool probed_raw;        /* format guessed as raw: guard sector 0 (see block.c) */
    void *opaque;           /* driver state */
};


extern const BlockDriver block_driver_raw;
extern const BlockDriver block_driver_qcow2;

/*
 * Open path. format is "raw", "qcow2" or NULL (probe; prints a one-line
 * warning to stderr, as QEMU does, when it guesses raw). Returns NULL with
 * err set (one line naming the file) on failure.
 */
BlockBackend *block_open(const char *path, const char *format, bool readonly,
                         Error *err);
void block_close(BlockBackend *bb);

int block_pread(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err);
int block_pwrite(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                 Error *err);
int block_read_sectors(BlockBackend *bb, uint64_t sector, void *buf, uint32_t count,
                       Error *err);
int block_write_sectors(BlockBackend *bb, uint64_t sector, const void *buf,
                        uint32_t count, Error *err);
int block_flush(BlockBackend *bb, Error *err);

static inline uint64_t block_size(const BlockBackend *bb) { return bb->size; }
static inline uint64_t block_nb_sectors(const BlockBackend *bb)
{
    return bb->size / BLOCK_SECTOR_SIZE;
}
static inline bool block_is_readonly(const BlockBackend *bb) { return bb->readonly; }
static inline const char *block_format_name(const BlockBackend *bb) { return bb->drv->name; }

/* Helpers for drivers: whole-buffer pread/pwrite on bb->fd, EINTR-safe.
 * block_file_pread zero-fills what lies beyond the end of the file. */
int block_file_pread(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err);
int block_file_pwrite(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                      Error *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Raw images: the virtual disk is the host file, byte for byte. The virtual
 * size is the file size at open time; the file is never grown, so a guest
 * cannot fill the host disk through a raw image.
 */
#include <errno.h>
#include <unistd.h>

#include "block/block.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1;   /* anything is a raw image, as a last resort */
}

static int raw_open(BlockBackend *bb, Error *err)
{
    bb->size = bb->file_size;
    return 0;
}

static int raw_pread(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err)
{
    return block_file_pread(bb, offset, buf, len, err);
}

static int raw_pwrite(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                      Error *err)
{
    return block_file_pwrite(bb, offset, buf, len, err);
}

static int raw_flush(BlockBackend *bb, Error *err)
{
    if (fdatasync(bb->fd) < 0 && errno != EINVAL)
        return error_setf_errno(err, errno, "%s: flush failed", bb->filename);
    return 0;
}

const BlockDriver block_driver_raw = {
    .name = "raw",
    .probe = raw_probe,
    .open = raw_open,
    .pread = raw_pread,
    .pwrite = raw_pwrite,
    .flush = raw_flush,
};

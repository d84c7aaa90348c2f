/* SPDX-License-Identifier: MIT */
/* Reading guest images (kernels, initrds, firmware) from host files. */
#ifndef TANDEM_IMAGE_H
#define TANDEM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

/*
 * Read all of path into a malloc'd buffer. what names the option in the
 * error ("-kernel"); files larger than max bytes are refused.
 */
int image_read_file(const char *what, const char *path, uint64_t max,
                    uint8_t **data, size_t *len, Error *err);

#endif

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "hw/pc/image.h"

int image_read_file(const char *what, const char *path, uint64_t max,
                    uint8_t **data, size_t *len, Error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_setf_errno(err, errno, "%s %s", what, path);
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return error_setf(err, "%s %s: not a regular file", what, path);
    }
    if ((uint64_t)st.st_size > max) {
        fclose(f);
        return error_setf(err, "%s %s: file is too large (%lld bytes)", what, path,
                          (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return error_setf(err, "%s %s: out of memory", what, path);
    }
    if (fread(buf, 1, n, f) != n) {
        int e = ferror(f) ? errno : EIO;
        fclose(f);
        free(buf);
        return error_setf_errno(err, e, "%s %s: short read", what, path);
    }
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

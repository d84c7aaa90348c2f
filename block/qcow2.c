/* SPDX-License-Identifier: MIT */
/*
 * qcow2 images (versions 2 and 3), read and write, after docs/interop/qcow2.txt.
 *
 * A guest offset is split into an L1 index, an L2 index and an offset in a
 * cluster. The L1 table and the refcount table are read whole at open and
 * kept in memory; one L2 table and one refcount block are cached (write
 * through), which is enough for the sequential patterns disks see.
 *
 * Writing: a cluster whose L2 entry is a plain allocated cluster with the
 * COPIED flag (refcount exactly 1) is written in place. Anything else
 * (unallocated, zero, compressed, shared with a snapshot) is copied: the
 * whole cluster is assembled in memory, written to a newly allocated cluster,
 * the L2 entry repointed and the old cluster's refcount dropped. Shared L2
 * tables are copied the same way before they are changed. New clusters are
 * always appended at the end of the file (free clusters inside are not
 * reused), and their refcounts are set, allocating refcount blocks as needed;
 * a full refcount table is not grown (an error, reported to the guest as an
 * I/O error).
 *
 * Trust: every offset read from the image is checked (alignment, inside the
 * file or a sane bound) before use; a bad one fails the request with one
 * line, never a host access outside our buffers. Not supported, refused at
 * open with a clear message: backing files, encryption, external data
 * files, non-zlib compression, extended L2 entries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "block/block.h"

#define QCOW2_MAGIC 0x514649fbu     /* "QFI\xfb" */
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO 1ull
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_RT_OFFSET_MASK 0xfffffffffffffe00ull
#define QCOW2_INCOMPAT_DIRTY 1ull
#define QCOW2_INCOMPAT_CORRUPT 2ull
#define QCOW2_MAX_L1_BYTES (32u << 20)
#define QCOW2_MAX_RT_BYTES (8u << 20)
#define QCOW2_MAX_SIZE (1ull << 56)

typedef struct Qcow2State {
    uint32_t version;
    unsigned cluster_bits;
    uint64_t cluster_size;
    unsigned l2_bits;               /* log2 of entries per L2 table */
    uint32_t l1_size;
    uint64_t l1_offset;
    uint64_t *l1;                   /* host order */
    uint64_t rt_offset;
    uint64_t rt_entries;
    uint64_t *rt;                   /* host order */
    unsigned refcount_order;        /* refcount width is 1 << order bits */
    unsigned rb_bits;               /* log2 of entries per refcount block */
    unsigned csize_shift;           /* compressed descriptor: size field position */
    uint64_t *l2;                   /* cached L2 table (host order) */
    uint64_t l2_offset;             /* 0: cache empty */
    uint8_t *rb;                    /* cached refcount block (image order) */
    uint64_t rb_offset;             /* 0: cache empty */
    uint8_t *cbuf;                  /* decompressed cluster */
    uint64_t cbuf_l2e;              /* descriptor cbuf holds (0: none) */
    uint8_t *cowbuf;                /* cluster being assembled for a write */
    uint64_t next_free;             /* allocation cursor, cluster aligned */
} Qcow2State;

static inline uint64_t qcow2_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}
static inline uint32_t qcow2_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void qcow2_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static int qcow2_probe(const uint8_t *buf, size_t len)
{
    return len >= 8 && qcow2_be32(buf) == QCOW2_MAGIC &&
           (qcow2_be32(buf + 4) == 2 || qcow2_be32(buf + 4) == 3) ? 100 : 0;
}

static int qcow2_corrupt(BlockBackend *bb, const char *what, uint64_t off, Error *err)
{
    return error_setf(err, "%s: corrupt qcow2 image: %s (offset 0x%llx)", bb->filename,
                      what, (unsigned long long)off);
}

/* A metadata cluster offset from the image: aligned and inside the file. */
static int qcow2_check_meta(BlockBackend *bb, uint64_t off, const char *what, Error *err)
{
    Qcow2State *s = bb->opaque;
    if (!off || (off & (s->cluster_size - 1)) || off >= bb->file_size)
        return qcow2_corrupt(bb, what, off, err);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Refcounts */

static uint64_t qcow2_rb_get(Qcow2State *s, uint64_t i)
{
    unsigned bits = 1u << s->refcount_order;
    if (bits < 8)
        return (s->rb[i * bits / 8] >> (i * bits % 8)) & ((1u << bits) - 1);
    uint64_t v = 0;
    for (unsigned b = 0; b < bits / 8; b++)
        v = v << 8 | s->rb[i * (bits / 8) + b];
    return v;
}

/* Set entry i of the cached block; returns the byte range that changed. */
static void qcow2_rb_set(Qcow2State *s, uint64_t i, uint64_t v, uint64_t *byte,
                         unsigned *nbytes)
{
    unsigned bits = 1u << s->refcount_order;
    if (bits < 8) {
        uint8_t mask = (uint8_t)(((1u << bits) - 1) << (i * bits % 8));
        uint8_t *p = &s->rb[i * bits / 8];
        *p = (uint8_t)((*p & ~mask) | ((v << (i * bits % 8)) & mask));
        *byte = i * bits / 8;
        *nbytes = 1;
        return;
    }
    unsigned w = bits / 8;
    for (unsigned b = 0; b < w; b++)
        s->rb[i * w + b] = (uint8_t)(v >> (8 * (w - 1 - b)));
    *byte = i * w;
    *nbytes = w;
}

static int qcow2_rb_load(BlockBackend *bb, uint64_t off, Error *err)
{
    Qcow2State *s = bb->opaque;
    if (s->rb_offset == off)
        return 0;
    if (qcow2_check_meta(bb, off, "refcount block offset", err) < 0)
        return -1;
    s->rb_offset = 0;
    if (block_file_pread(bb, off, s->rb, s->cluster_size, err) < 0)
        return -1;
    s->rb_offset = off;
    return 0;
}

static int qcow2_get_refcount(BlockBackend *bb, uint64_t off, uint64_t *rc, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t idx = off >> s->cluster_bits;
    uint64_t rti = idx >> s->rb_bits;
    *rc = 0;
    if (rti >= s->rt_entries || !(s->rt[rti] & QCOW2_RT_OFFSET_MASK))
        return 0;
    if (qcow2_rb_load(bb, s->rt[rti] & QCOW2_RT_OFFSET_MASK, err) < 0)
        return -1;
    *rc = qcow2_rb_get(s, idx & ((1ull << s->rb_bits) - 1));
    return 0;
}

static int qcow2_set_refcount(BlockBackend *bb, uint64_t off, uint64_t rc, int depth,
                              Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t idx = off >> s->cluster_bits;
    uint64_t rti = idx >> s->rb_bits;
    if (depth > 4)
        return error_setf(err, "%s: qcow2 refcount allocation does not converge", bb->filename);
    if (rti >= s->rt_entries)
        return error_setf(err, "%s: qcow2 refcount table is full (growing it is not "
                          "supported)", bb->filename);
    if (!(s->rt[rti] & QCOW2_RT_OFFSET_MASK)) {
        /* A new refcount block, at the end of the file; it counts itself
         * when it falls in its own range, else recursion places its count. */
        uint64_t b = s->next_free;
        s->next_free += s->cluster_size;
        memset(s->rb, 0, s->cluster_size);
        s->rb_offset = 0;
        if (block_file_pwrite(bb, b, s->rb, s->cluster_size, err) < 0)
            return -1;
        uint8_t be[8];
        qcow2_put_be64(be, b);
        if (block_file_pwrite(bb, s->rt_offset + rti * 8, be, 8, err) < 0)
            return -1;
        s->rt[rti] = b;
        if (qcow2_set_refcount(bb, b, 1, depth + 1, err) < 0)
            return -1;
    }
    uint64_t rbo = s->rt[rti] & QCOW2_RT_OFFSET_MASK;
    if (qcow2_rb_load(bb, rbo, err) < 0)
        return -1;
    uint64_t byte;
    unsigned nbytes;
    qcow2_rb_set(s, idx & ((1ull << s->rb_bits) - 1), rc, &byte, &nbytes);
    return block_file_pwrite(bb, rbo + byte, s->rb + byte, nbytes, err);
}

/* Drop one reference on every cluster of [off, off + len). */
static int qcow2_unref_range(BlockBackend *bb, uint64_t off, uint64_t len, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t first = off & ~(s->cluster_size - 1);
    for (uint64_t c = first; c < off + len; c += s->cluster_size) {
        uint64_t rc;
        if (qcow2_get_refcount(bb, c, &rc, err) < 0)
            return -1;
        if (rc == 0)
            return qcow2_corrupt(bb, "freeing a cluster with refcount 0", c, err);
        if (qcow2_set_refcount(bb, c, rc - 1, 0, err) < 0)
            return -1;
    }
    return 0;
}

static int qcow2_alloc_cluster(BlockBackend *bb, uint64_t *out, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t off = s->next_free;
    if (off + s->cluster_size > QCOW2_OFFSET_MASK)
        return error_setf(err, "%s: qcow2 image is full", bb->filename);
    s->next_free += s->cluster_size;
    if (qcow2_set_refcount(bb, off, 1, 0, err) < 0)
        return -1;
    *out = off;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Mapping */

static int qcow2_l2_load(BlockBackend *bb, uint64_t off, Error *err)
{
    Qcow2State *s = bb->opaque;
    if (s->l2_offset == off)
        return 0;
    if (qcow2_check_meta(bb, off, "L2 table offset", err) < 0)
        return -1;
    s->l2_offset = 0;
    if (block_file_pread(bb, off, s->l2, s->cluster_size, err) < 0)
        return -1;
    for (uint64_t i = 0; i < (1ull << s->l2_bits); i++)
        s->l2[i] = qcow2_be64((const uint8_t *)&s->l2[i]);
    s->l2_offset = off;
    return 0;
}

/* The L2 entry of a guest offset (0 when its L2 table is not allocated). */
static int qcow2_lookup(BlockBackend *bb, uint64_t gofs, uint64_t *l2e, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t l1i = gofs >> (s->cluster_bits + s->l2_bits);
    *l2e = 0;
    if (l1i >= s->l1_size)
        return qcow2_corrupt(bb, "L1 table too small", gofs, err);
    uint64_t l2o = s->l1[l1i] & QCOW2_OFFSET_MASK;
    if (!l2o)
        return 0;
    if (qcow2_l2_load(bb, l2o, err) < 0)
        return -1;
    *l2e = s->l2[(gofs >> s->cluster_bits) & ((1ull << s->l2_bits) - 1)];
    return 0;
}

static void qcow2_compressed_range(Qcow2State *s, uint64_t l2e, uint64_t *off,
                                   uint64_t *nsec)
{
    uint64_t desc = l2e & ~(QCOW2_OFLAG_COPIED | QCOW2_OFLAG_COMPRESSED);
    *off = desc & ((1ull << s->csize_shift) - 1);
    *nsec = ((desc >> s->csize_shift) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
}

static int qcow2_decompress(BlockBackend *bb, uint64_t l2e, Error *err)
{
    Qcow2State *s = bb->opaque;
    if (s->cbuf_l2e == l2e)
        return 0;
    uint64_t coff, nsec;
    qcow2_compressed_range(s, l2e, &coff, &nsec);
    uint64_t csize = nsec * 512 - (coff & 511);
    if (coff >= bb->file_size || nsec * 512 > 2 * s->cluster_size)
        return qcow2_corrupt(bb, "compressed cluster out of range", coff, err);
    uint8_t *in = malloc(csize);
    if (!in)
        return error_setf(err, "%s: out of memory", bb->filename);
    if (block_file_pread(bb, coff, in, csize, err) < 0) {
        free(in);
        return -1;
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    s->cbuf_l2e = 0;
    /* Raw deflate: the stream carries no window size, 15 decodes any. */
    if (inflateInit2(&z, -15) != Z_OK) {
        free(in);
        return error_setf(err, "%s: zlib initialisation failed", bb->filename);
    }
    z.next_in = in;
    z.avail_in = (uInt)csize;
    z.next_out = s->cbuf;
    z.avail_out = (uInt)s->cluster_size;
    int r = inflate(&z, Z_FINISH);
    bool ok = (r == Z_STREAM_END || r == Z_OK || r == Z_BUF_ERROR) && z.avail_out == 0;
    inflateEnd(&z);
    free(in);
    if (!ok)
        return qcow2_corrupt(bb, "compressed cluster does not decompress", coff, err);
    s->cbuf_l2e = l2e;
    return 0;
}

/* Read n bytes at gofs, all inside one guest cluster. */
static int qcow2_read_in_cluster(BlockBackend *bb, uint64_t gofs, uint8_t *buf, size_t n,
                                 Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t in = gofs & (s->cluster_size - 1);
    uint64_t l2e;
    if (qcow2_lookup(bb, gofs, &l2e, err) < 0)
        return -1;
    if (l2e & QCOW2_OFLAG_COMPRESSED) {
        if (qcow2_decompress(bb, l2e, err) < 0)
            return -1;
        memcpy(buf, s->cbuf + in, n);
        return 0;
    }
    uint64_t host = l2e & QCOW2_OFFSET_MASK;
    if (!host || (s->version >= 3 && (l2e & QCOW2_OFLAG_ZERO))) {
        memset(buf, 0, n);      /* no backing file: unallocated reads as zeros */
        return 0;
    }
    if (qcow2_check_meta(bb, host, "data cluster offset", err) < 0)
        return -1;
    return block_file_pread(bb, host + in, buf, n, err);
}

static int qcow2_pread(BlockBackend *bb, uint64_t offset, void *buf, size_t len, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint8_t *p = buf;
    while (len) {
        size_t n = (size_t)(s->cluster_size - (offset & (s->cluster_size - 1)));
        if (n > len)
            n = len;
        if (qcow2_read_in_cluster(bb, offset, p, n, err) < 0)
            return -1;
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

static int qcow2_write_l1(BlockBackend *bb, uint64_t l1i, uint64_t val, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint8_t be[8];
    qcow2_put_be64(be, val);
    if (block_file_pwrite(bb, s->l1_offset + l1i * 8, be, 8, err) < 0)
        return -1;
    s->l1[l1i] = val;
    return 0;
}

/* Make sure the L2 table of gofs exists and is ours alone; load it. */
static int qcow2_l2_for_write(BlockBackend *bb, uint64_t gofs, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t l1i = gofs >> (s->cluster_bits + s->l2_bits);
    if (l1i >= s->l1_size)
        return qcow2_corrupt(bb, "L1 table too small", gofs, err);
    uint64_t l1e = s->l1[l1i];
    uint64_t old = l1e & QCOW2_OFFSET_MASK;
    if (old && (l1e & QCOW2_OFLAG_COPIED))
        return qcow2_l2_load(bb, old, err);

    uint64_t n = 1ull << s->l2_bits;
    if (old) {
        if (qcow2_l2_load(bb, old, err) < 0)
            return -1;
    } else {
        memset(s->l2, 0, s->cluster_size);
    }
    uint64_t neu;
    if (qcow2_alloc_cluster(bb, &neu, err) < 0)
        return -1;
    s->l2_offset = 0;
    uint8_t *disk = s->cowbuf;
    for (uint64_t i = 0; i < n; i++)
        qcow2_put_be64(disk + i * 8, s->l2[i]);
    if (block_file_pwrite(bb, neu, disk, s->cluster_size, err) < 0)
        return -1;
    s->l2_offset = neu;
    if (qcow2_write_l1(bb, l1i, neu | QCOW2_OFLAG_COPIED, err) < 0)
        return -1;
    return old ? qcow2_unref_range(bb, old, s->cluster_size, err) : 0;
}

static int qcow2_write_in_cluster(BlockBackend *bb, uint64_t gofs, const uint8_t *buf,
                                  size_t n, Error *err)
{
    Qcow2State *s = bb->opaque;
    uint64_t in = gofs & (s->cluster_size - 1);
    if (qcow2_l2_for_write(bb, gofs, err) < 0)
        return -1;
    uint64_t l2i = (gofs >> s->cluster_bits) & ((1ull << s->l2_bits) - 1);
    uint64_t l2e = s->l2[l2i];
    uint64_t host = l2e & QCOW2_OFFSET_MASK;
    bool compressed = l2e & QCOW2_OFLAG_COMPRESSED;
    bool zero = s->version >= 3 && (l2e & QCOW2_OFLAG_ZERO);
    if (!compressed && !zero && host && (l2e & QCOW2_OFLAG_COPIED)) {
        if (qcow2_check_meta(bb, host, "data cluster offset", err) < 0)
            return -1;
        return block_file_pwrite(bb, host + in, buf, n, err);
    }

    /* Copy on write: the cluster's current contents plus this write. */
    if (n < s->cluster_size &&
        qcow2_read_in_cluster(bb, gofs - in, s->cowbuf, (size_t)s->cluster_size, err) < 0)
        return -1;
    memcpy(s->cowbuf + in, buf, n);
    uint64_t neu;
    if (qcow2_alloc_cluster(bb, &neu, err) < 0)
        return -1;
    if (block_file_pwrite(bb, neu, s->cowbuf, s->cluster_size, err) < 0)
        return -1;
    /* The refcount work above may have evicted nothing: L2 cache is separate. */
    uint64_t newe = neu | QCOW2_OFLAG_COPIED;
    uint8_t be[8];
    qcow2_put_be64(be, newe);
    if (block_file_pwrite(bb, s->l2_offset + l2i * 8, be, 8, err) < 0)
        return -1;
    s->l2[l2i] = newe;
    if (s->cbuf_l2e == l2e)
        s->cbuf_l2e = 0;
    if (compressed) {
        uint64_t coff, nsec;
        qcow2_compressed_range(s, l2e, &coff, &nsec);
        return qcow2_unref_range(bb, coff & ~511ull, nsec * 512, err);
    }
    return host ? qcow2_unref_range(bb, host, s->cluster_size, err) : 0;
}

static int qcow2_pwrite(BlockBackend *bb, uint64_t offset, const void *buf, size_t len,
                        Error *err)
{
    Qcow2State *s = bb->opaque;
    const uint8_t *p = buf;
    while (len) {
        size_t n = (size_t)(s->cluster_size - (offset & (s->cluster_size - 1)));
        if (n > len)
            n = len;
        if (qcow2_write_in_cluster(bb, offset, p, n, err) < 0)
            return -1;
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

static int qcow2_flush(BlockBackend *bb, Error *err)
{
    if (fdatasync(bb->fd) < 0)
        return error_setf_errno(err, errno, "%s: flush failed", bb->filename);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Open */

static void qcow2_close(BlockBackend *bb)
{
    Qcow2State *s = bb->opaque;
    if (!s)
        return;
    free(s->l1);
    free(s->rt);
    free(s->l2);
    free(s->rb);
    free(s->cbuf);
    free(s->cowbuf);
    free(s);
    bb->opaque = NULL;
}

static int qcow2_parse_header(BlockBackend *bb, Qcow2State *s, const uint8_t *h, Error *err)
{
    const char *f = bb->filename;
    if (bb->file_size < 72 || qcow2_be32(h) != QCOW2_MAGIC)
        return error_setf(err, "%s: not a qcow2 image (bad magic)", f);
    s->version = qcow2_be32(h + 4);
    if (s->version != 2 && s->version != 3)
        return error_setf(err, "%s: qcow2 version %u is not supported (2 or 3)", f,
                          s->version);
    uint64_t backing_off = qcow2_be64(h + 8);
    uint32_t backing_len = qcow2_be32(h + 16);
    s->cluster_bits = qcow2_be32(h + 20);
    uint64_t size = qcow2_be64(h + 24);
    uint32_t crypt = qcow2_be32(h + 32);
    s->l1_size = qcow2_be32(h + 36);
    s->l1_offset = qcow2_be64(h + 40);
    s->rt_offset = qcow2_be64(h + 48);
    uint32_t rt_clusters = qcow2_be32(h + 56);
    uint32_t nb_snapshots = qcow2_be32(h + 60);
    s->refcount_order = 4;

    if (s->cluster_bits < 9 || s->cluster_bits > 21)
        return error_setf(err, "%s: corrupt qcow2 header: cluster_bits %u out of range",
                          f, s->cluster_bits);
    s->cluster_size = 1ull << s->cluster_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->csize_shift = 62 - (s->cluster_bits - 8);

    if (s->version >= 3) {
        uint64_t incompat = qcow2_be64(h + 72);
        uint32_t hdr_len = qcow2_be32(h + 100);
        s->refcount_order = qcow2_be32(h + 96);
        if (bb->file_size < 104 || hdr_len < 104 || hdr_len > s->cluster_size)
            return error_setf(err, "%s: corrupt qcow2 header: header length %u", f, hdr_len);
        if (s->refcount_order > 6)
            return error_setf(err, "%s: corrupt qcow2 header: refcount_order %u", f,
                              s->refcount_order);
        uint64_t unknown = incompat & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT);
        if (unknown)
            return error_setf(err, "%s: qcow2 image uses unsupported incompatible "
                              "features 0x%llx (external data file, zstd or extended "
                              "L2?)", f, (unsigned long long)unknown);
        if ((incompat & QCOW2_INCOMPAT_CORRUPT) && !bb->readonly)
            return error_setf(err, "%s: qcow2 image is marked corrupt; open it read-only "
                              "or repair it with 'qemu-img check -r all'", f);
        if ((incompat & QCOW2_INCOMPAT_DIRTY) && !bb->readonly)
            return error_setf(err, "%s: qcow2 image was not closed cleanly (dirty); repair "
                              "it with 'qemu-img check -r all'", f);
    }
    if (backing_off) {
        char name[256] = "?";
        if (backing_len && backing_len < sizeof(name) && backing_off < s->cluster_size &&
            backing_off + backing_len <= s->cluster_size &&
            block_file_pread(bb, backing_off, name, backing_len, NULL) == 0)
            name[backing_len] = '\0';
        return error_setf(err, "%s: qcow2 backing files are not supported (backing file "
                          "'%s'); flatten it with 'qemu-img convert -O qcow2'", f, name);
    }
    if (crypt)
        return error_setf(err, "%s: encrypted qcow2 images are not supported", f);
    if (size > QCOW2_MAX_SIZE)
        return error_setf(err, "%s: corrupt qcow2 header: virtual size %llu too large",
                          f, (unsigned long long)size);
    uint64_t l1_span = s->cluster_size << s->l2_bits;
    uint64_t l1_needed = (size + l1_span - 1) / l1_span;
    if (s->l1_size < l1_needed || (uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES)
        return error_setf(err, "%s: corrupt qcow2 header: L1 size %u (need %llu)", f,
                          s->l1_size, (unsigned long long)l1_needed);
    if (s->l1_size && ((s->l1_offset & (s->cluster_size - 1)) ||
                       s->l1_offset > bb->file_size ||
                       (uint64_t)s->l1_size * 8 > bb->file_size - s->l1_offset))
        return error_setf(err, "%s: corrupt qcow2 header: L1 table at 0x%llx outside the "
                          "file", f, (unsigned long long)s->l1_offset);
    uint64_t rt_bytes = (uint64_t)rt_clusters << s->cluster_bits;
    if (!rt_clusters || rt_bytes > QCOW2_MAX_RT_BYTES ||
        (s->rt_offset & (s->cluster_size - 1)) || s->rt_offset > bb->file_size ||
        rt_bytes > bb->file_size - s->rt_offset)
        return error_setf(err, "%s: corrupt qcow2 header: refcount table at 0x%llx (%u "
                          "clusters)", f, (unsigned long long)s->rt_offset, rt_clusters);
    s->rt_entries = rt_bytes / 8;
    s->rb_bits = s->cluster_bits + 3 - s->refcount_order;
    bb->size = size;
    (void)nb_snapshots;     /* snapshot clusters lack COPIED; writes copy them */
    return 0;
}

static int qcow2_open(BlockBackend *bb, Error *err)
{
    Qcow2State *s = calloc(1, sizeof(*s));
    if (!s)
        return error_setf(err, "%s: out of memory", bb->filename);
    bb->opaque = s;
    uint8_t h[104];
    if (block_file_pread(bb, 0, h, sizeof(h), err) < 0 ||
        qcow2_parse_header(bb, s, h, err) < 0)
        goto fail;

    s->l1 = calloc(s->l1_size ? s->l1_size : 1, 8);
    s->rt = calloc(s->rt_entries, 8);
    s->l2 = malloc(s->cluster_size);
    s->rb = malloc(s->cluster_size);
    s->cbuf = malloc(s->cluster_size);
    s->cowbuf = malloc(s->cluster_size);
    if (!s->l1 || !s->rt || !s->l2 || !s->rb || !s->cbuf || !s->cowbuf) {
        error_setf(err, "%s: out of memory", bb->filename);
        goto fail;
    }
    if (block_file_pread(bb, s->l1_offset, s->l1, (size_t)s->l1_size * 8, err) < 0 ||
        block_file_pread(bb, s->rt_offset, s->rt, s->rt_entries * 8, err) < 0)
        goto fail;
    for (uint32_t i = 0; i < s->l1_size; i++)
        s->l1[i] = qcow2_be64((const uint8_t *)&s->l1[i]);
    for (uint64_t i = 0; i < s->rt_entries; i++)
        s->rt[i] = qcow2_be64((const uint8_t *)&s->rt[i]);
    s->next_free = (bb->file_size + s->cluster_size - 1) & ~(s->cluster_size - 1);
    return 0;

fail:
    qcow2_close(bb);
    return -1;
}

const BlockDriver block_driver_qcow2 = {
    .name = "qcow2",
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .pread = qcow2_pread,
    .pwrite = qcow2_pwrite,
    .flush = qcow2_flush,
};

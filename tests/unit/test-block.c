/* SPDX-License-Identifier: MIT */
/*
 * Disk image backends: raw round trips and errors, a qcow2 image built here
 * by hand (plain, unallocated and compressed clusters, allocation on write,
 * copy-on-write of a compressed cluster, corrupt headers), and images made
 * by qemu-img (v2, v3, 1-bit refcounts, compressed) checked both ways: what
 * we read must equal what qemu-img wrote, and after our writes 'qemu-img
 * check' must find no errors or leaks and 'qemu-img convert' must give the
 * bytes we wrote. The qemu-img part is skipped (with a note) without it.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "block/block.h"
#include "tests/unit/unit.h"

static char tmpdir[64];

static int suite_init(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tandem-block-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp_path(const char *name)
{
    static char path[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
    return path[k];
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

static bool have_qemu_img(void)
{
    return system("qemu-img --version >/dev/null 2>&1") == 0;
}

/* ---- raw ------------------------------------------------------------- */

static void test_raw_round_trip(void)
{
    const char *path = tmp_path("raw.img");
    static uint8_t zero[1 << 20];
    write_file(path, zero, sizeof(zero));
    Error err = { 0 };
    BlockBackend *bb = block_open(path, "raw", false, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    CU_ASSERT_EQUAL(block_size(bb), 1 << 20);
    CU_ASSERT_EQUAL(block_nb_sectors(bb), 2048);
    CU_ASSERT_STRING_EQUAL(block_format_name(bb), "raw");

    uint8_t w[3 * 512], r[3 * 512];
    fill_pattern(w, sizeof(w), 7);
    CU_ASSERT_EQUAL(block_write_sectors(bb, 2045, w, 3, &err), 0);
    CU_ASSERT_EQUAL(block_pwrite(bb, 100, "hello", 5, &err), 0);
    CU_ASSERT_EQUAL(block_flush(bb, &err), 0);
    block_close(bb);

    bb = block_open(path, "raw", true, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    CU_ASSERT_TRUE(block_is_readonly(bb));
    CU_ASSERT_EQUAL(block_read_sectors(bb, 2045, r, 3, &err), 0);
    CU_ASSERT_EQUAL(memcmp(r, w, sizeof(w)), 0);
    char hello[6] = { 0 };
    CU_ASSERT_EQUAL(block_pread(bb, 100, hello, 5, &err), 0);
    CU_ASSERT_STRING_EQUAL(hello, "hello");

    /* Beyond the end, and writes to a read-only image, fail with a message. */
    Error e2 = { 0 };
    CU_ASSERT_EQUAL(block_read_sectors(bb, 2046, r, 3, &e2), -1);
    CU_ASSERT_TRUE(e2.set);
    Error e3 = { 0 };
    CU_ASSERT_EQUAL(block_read_sectors(bb, UINT64_MAX / 256, r, 1, &e3), -1);
    Error e4 = { 0 };
    CU_ASSERT_EQUAL(block_write_sectors(bb, 0, w, 1, &e4), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e4.msg, "read-only"));
    block_close(bb);
}

static void test_raw_missing_file(void)
{
    Error err = { 0 };
    const char *path = tmp_path("does-not-exist.img");
    CU_ASSERT_PTR_NULL(block_open(path, NULL, false, &err));
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));

    Error e2 = { 0 };
    CU_ASSERT_PTR_NULL(block_open(tmpdir, "raw", true, &e2));
    CU_ASSERT_PTR_NOT_NULL(strstr(e2.msg, "directory"));

    Error e3 = { 0 };
    CU_ASSERT_PTR_NULL(block_open(path, "vmdk", true, &e3));
    CU_ASSERT_PTR_NOT_NULL(strstr(e3.msg, "vmdk"));
}

/* A probed raw image may not have a qcow2 header written into it. */
static void test_raw_probed_guard(void)
{
    const char *path = tmp_path("probed.img");
    static uint8_t zero[4096];
    write_file(path, zero, sizeof(zero));
    Error err = { 0 };
    BlockBackend *bb = block_open(path, NULL, false, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    CU_ASSERT_STRING_EQUAL(block_format_name(bb), "raw");
    uint8_t hdr[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    CU_ASSERT_EQUAL(block_write_sectors(bb, 0, hdr, 1, &err), -1);
    CU_ASSERT_TRUE(err.set);
    uint8_t ok[512] = { 0xeb, 0x3c, 0x90 };
    Error e2 = { 0 };
    CU_ASSERT_EQUAL(block_write_sectors(bb, 0, ok, 1, &e2), 0);
    CU_ASSERT_EQUAL(block_write_sectors(bb, 1, hdr, 1, &e2), 0);
    block_close(bb);

    /* Said explicitly, the format is the user's business. */
    bb = block_open(path, "raw", false, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    Error e3 = { 0 };
    CU_ASSERT_EQUAL(block_write_sectors(bb, 0, hdr, 1, &e3), 0);
    block_close(bb);
}

/* ---- a qcow2 image built by hand ------------------------------------- */

/*
 * 512-byte clusters, v3, 64 KiB virtual (L1 of 2 entries, 64 per L2):
 *   0 header, 1 L1, 2 refcount table, 3 refcount block, 4 L2 of L1[0],
 *   5 data of guest cluster 0, 6 compressed data of guest cluster 1.
 */
#define HC 512
static uint8_t hand_img[7 * HC];
static uint8_t hand_c0[HC], hand_c1[HC];

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static size_t build_hand_qcow2(void)
{
    memset(hand_img, 0, sizeof(hand_img));
    uint8_t *h = hand_img;
    put_be32(h, 0x514649fb);
    put_be32(h + 4, 3);
    put_be32(h + 20, 9);            /* cluster_bits */
    put_be64(h + 24, 64 * 1024);    /* size */
    put_be32(h + 36, 2);            /* l1_size */
    put_be64(h + 40, 1 * HC);       /* l1_table_offset */
    put_be64(h + 48, 2 * HC);       /* refcount_table_offset */
    put_be32(h + 56, 1);            /* refcount_table_clusters */
    put_be32(h + 96, 4);            /* refcount_order */
    put_be32(h + 100, 104);         /* header_length */
    put_be64(hand_img + 1 * HC, (4ull * HC) | (1ull << 63));
    put_be64(hand_img + 2 * HC, 3 * HC);
    for (int i = 0; i < 7; i++)
        hand_img[3 * HC + 2 * i + 1] = 1;

    fill_pattern(hand_c0, HC, 1);
    memcpy(hand_img + 5 * HC, hand_c0, HC);
    put_be64(hand_img + 4 * HC, (5ull * HC) | (1ull << 63));

    /* Guest cluster 1: compressible text, raw deflate as qcow2 stores it. */
    for (int i = 0; i < HC; i++)
        hand_c1[i] = (uint8_t)("tandem qcow2 "[i % 13]);
    uint8_t comp[HC];
    z_stream z;
    memset(&z, 0, sizeof(z));
    CU_ASSERT_EQUAL_FATAL(deflateInit2(&z, 9, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = hand_c1;
    z.avail_in = HC;
    z.next_out = comp;
    z.avail_out = sizeof(comp);
    CU_ASSERT_EQUAL_FATAL(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t clen = sizeof(comp) - z.avail_out;
    deflateEnd(&z);
    memcpy(hand_img + 6 * HC, comp, clen);
    uint64_t nsec = (clen + 511) / 512 - 1;     /* additional sectors */
    unsigned shift = 62 - (9 - 8);
    put_be64(hand_img + 4 * HC + 8, (1ull << 62) | (nsec << shift) | (6ull * HC));
    return sizeof(hand_img);
}

static void test_qcow2_hand_read(void)
{
    const char *path = tmp_path("hand.qcow2");
    write_file(path, hand_img, build_hand_qcow2());
    Error err = { 0 };
    BlockBackend *bb = block_open(path, NULL, true, &err);   /* probed */
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    CU_ASSERT_STRING_EQUAL(block_format_name(bb), "qcow2");
    CU_ASSERT_EQUAL(block_size(bb), 64 * 1024);
    uint8_t buf[3 * HC];
    CU_ASSERT_EQUAL(block_pread(bb, 0, buf, sizeof(buf), &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, hand_c0, HC), 0);
    CU_ASSERT_EQUAL(memcmp(buf + HC, hand_c1, HC), 0);
    static const uint8_t zeros[HC];
    CU_ASSERT_EQUAL(memcmp(buf + 2 * HC, zeros, HC), 0);
    /* Unaligned, across clusters. */
    CU_ASSERT_EQUAL(block_pread(bb, HC - 3, buf, 10, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, hand_c0 + HC - 3, 3), 0);
    CU_ASSERT_EQUAL(memcmp(buf + 3, hand_c1, 7), 0);
    block_close(bb);
}

static void test_qcow2_hand_write(void)
{
    const char *path = tmp_path("hand-w.qcow2");
    write_file(path, hand_img, build_hand_qcow2());
    Error err = { 0 };
    BlockBackend *bb = block_open(path, "qcow2", false, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    uint8_t w[HC], r[HC];
    fill_pattern(w, sizeof(w), 99);
    /* In place (cluster 0), into the compressed cluster (copy on write),
     * and into the second L2 table's range (allocates an L2 table). */
    CU_ASSERT_EQUAL(block_pwrite(bb, 10, w, 20, &err), 0);
    CU_ASSERT_EQUAL(block_pwrite(bb, HC + 100, w, 50, &err), 0);
    CU_ASSERT_EQUAL(block_pwrite(bb, 40000, w, HC, &err), 0);
    CU_ASSERT_FALSE(err.set);
    block_close(bb);

    bb = block_open(path, "qcow2", true, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    CU_ASSERT_EQUAL(block_pread(bb, 0, r, HC, &err), 0);
    CU_ASSERT_EQUAL(memcmp(r, hand_c0, 10), 0);
    CU_ASSERT_EQUAL(memcmp(r + 10, w, 20), 0);
    CU_ASSERT_EQUAL(memcmp(r + 30, hand_c0 + 30, HC - 30), 0);
    CU_ASSERT_EQUAL(block_pread(bb, HC, r, HC, &err), 0);
    CU_ASSERT_EQUAL(memcmp(r, hand_c1, 100), 0);
    CU_ASSERT_EQUAL(memcmp(r + 100, w, 50), 0);
    CU_ASSERT_EQUAL(memcmp(r + 150, hand_c1 + 150, HC - 150), 0);
    CU_ASSERT_EQUAL(block_pread(bb, 40000, r, HC, &err), 0);
    CU_ASSERT_EQUAL(memcmp(r, w, HC), 0);
    block_close(bb);

    if (have_qemu_img()) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "qemu-img check -q %s", path);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
}

static void expect_open_error(const char *name, const uint8_t *img, size_t len,
                              const char *needle)
{
    const char *path = tmp_path(name);
    write_file(path, img, len);
    Error err = { 0 };
    BlockBackend *bb = block_open(path, "qcow2", false, &err);
    CU_ASSERT_PTR_NULL(bb);
    if (bb)
        block_close(bb);
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
    if (!strstr(err.msg, needle))
        fprintf(stderr, "\n  %s: message '%s' lacks '%s'\n", name, err.msg, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
}

static void test_qcow2_corrupt_headers(void)
{
    static uint8_t img[sizeof(hand_img)];
    size_t len = build_hand_qcow2();

    memcpy(img, hand_img, len);
    put_be32(img + 20, 40);
    expect_open_error("bad-cb.qcow2", img, len, "cluster_bits");

    memcpy(img, hand_img, len);
    put_be32(img + 4, 4);
    expect_open_error("bad-ver.qcow2", img, len, "version 4");

    memcpy(img, hand_img, len);
    put_be64(img + 40, 1ull << 40);
    expect_open_error("bad-l1.qcow2", img, len, "L1 table");

    memcpy(img, hand_img, len);
    put_be64(img + 24, 1ull << 30);     /* needs more L1 entries than 2 */
    expect_open_error("bad-size.qcow2", img, len, "L1 size");

    memcpy(img, hand_img, len);
    put_be64(img + 48, 3 * HC + 1);
    expect_open_error("bad-rt.qcow2", img, len, "refcount table");

    memcpy(img, hand_img, len);
    put_be64(img + 8, 200);
    put_be32(img + 16, 8);
    memcpy(img + 200, "base.img", 8);
    expect_open_error("backing.qcow2", img, len, "backing");

    memcpy(img, hand_img, len);
    put_be64(img + 72, 1ull << 4);      /* extended L2 */
    expect_open_error("ext-l2.qcow2", img, len, "unsupported");

    expect_open_error("short.qcow2", hand_img, 40, "qcow2");

    /* Bad offsets inside tables fail the request, not the process. */
    memcpy(img, hand_img, len);
    put_be64(img + 4 * HC, (1ull << 50) | (1ull << 63));     /* data far away */
    put_be64(img + 1 * HC + 8, 0x1234ull << 9);               /* L2 beyond EOF */
    const char *path = tmp_path("bad-l2e.qcow2");
    write_file(path, img, len);
    Error err = { 0 };
    BlockBackend *bb = block_open(path, "qcow2", false, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    uint8_t buf[HC];
    Error e1 = { 0 }, e2 = { 0 }, e3 = { 0 };
    CU_ASSERT_EQUAL(block_pread(bb, 0, buf, HC, &e1), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e1.msg, "corrupt"));
    CU_ASSERT_EQUAL(block_pread(bb, 40000, buf, HC, &e2), -1);
    CU_ASSERT_EQUAL(block_pwrite(bb, 40000, buf, HC, &e3), -1);
    block_close(bb);
}

/* ---- images made by qemu-img ----------------------------------------- */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static uint8_t *read_whole(const char *path, size_t len)
{
    uint8_t *buf = malloc(len);
    FILE *f = fopen(path, "rb");
    if (!buf || !f || fread(buf, 1, len, f) != len) {
        if (f)
            fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    return buf;
}

/* Write a scatter of requests through us, then let qemu-img judge. */
static void qemu_img_round_trip(const char *name, const char *opts)
{
    if (!have_qemu_img()) {
        fprintf(stderr, " (qemu-img missing: skipped)");
        return;
    }
    const size_t size = 8u << 20;
    const char *path = tmp_path(name);
    char rawname[64];
    snprintf(rawname, sizeof(rawname), "%s.raw", name);
    const char *raw = tmp_path(rawname);
    CU_ASSERT_EQUAL_FATAL(run("qemu-img create -q -f qcow2 %s %s 8M", opts, path), 0);
    /* Some data qemu-img wrote itself, to read back through us. */
    CU_ASSERT_EQUAL_FATAL(run("qemu-io -f qcow2 -c 'write -P 0x5a 1M 64k' %s >/dev/null",
                              path), 0);

    uint8_t *expect = calloc(1, size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(expect);
    memset(expect + (1 << 20), 0x5a, 64 << 10);
    Error err = { 0 };
    BlockBackend *bb = block_open(path, "qcow2", false, &err);
    if (!bb)
        fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    CU_ASSERT_EQUAL(block_size(bb), size);
    static const struct { uint64_t off; size_t len; } req[] = {
        { 0, 512 }, { 4096 * 3 + 7, 10000 }, { (1 << 20) + 1000, 3000 },
        { 7u << 20, 1 << 20 }, { 5u << 20, 70000 }, { 65530, 12 }, { 3u << 20, 512 },
    };
    static uint8_t w[1 << 20];
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
        fill_pattern(w, req[i].len, (uint32_t)i + 1);
        CU_ASSERT_EQUAL(block_pwrite(bb, req[i].off, w, req[i].len, &err), 0);
        memcpy(expect + req[i].off, w, req[i].len);
    }
    if (err.set)
        fprintf(stderr, "\n  %s\n", err.msg);
    uint8_t *got = malloc(size);
    CU_ASSERT_EQUAL(block_pread(bb, 0, got, size, &err), 0);
    CU_ASSERT_EQUAL(memcmp(got, expect, size), 0);
    free(got);
    CU_ASSERT_EQUAL(block_flush(bb, &err), 0);
    block_close(bb);

    CU_ASSERT_EQUAL(run("qemu-img check -q %s", path), 0);
    CU_ASSERT_EQUAL_FATAL(run("qemu-img convert -O raw %s %s", path, raw), 0);
    got = read_whole(raw, size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(memcmp(got, expect, size), 0);
    free(got);
    free(expect);
}

static void test_qcow2_qemu_v3(void)
{
    qemu_img_round_trip("v3.qcow2", "-o cluster_size=4096");
}

static void test_qcow2_qemu_v2(void)
{
    qemu_img_round_trip("v2.qcow2", "-o compat=0.10");
}

static void test_qcow2_qemu_refcount1(void)
{
    qemu_img_round_trip("rc1.qcow2", "-o cluster_size=1024,refcount_bits=1");
}

static void test_qcow2_qemu_compressed(void)
{
    if (!have_qemu_img()) {
        fprintf(stderr, " (qemu-img missing: skipped)");
        return;
    }
    const size_t size = 1u << 20;
    uint8_t *data = malloc(size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    for (size_t i = 0; i < size; i++)   /* compressible, but not trivially */
        data[i] = (uint8_t)((i * 7 / 1000) ^ (i % 251 == 0 ? 0xff : 0));
    memset(data + 300000, 0, 100000);
    const char *raw = tmp_path("c.raw");
    const char *path = tmp_path("c.qcow2");
    write_file(raw, data, size);
    CU_ASSERT_EQUAL_FATAL(run("qemu-img convert -c -O qcow2 %s %s", raw, path), 0);
    Error err = { 0 };
    BlockBackend *bb = block_open(path, NULL, false, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
    uint8_t *got = malloc(size);
    CU_ASSERT_EQUAL(block_pread(bb, 0, got, size, &err), 0);
    CU_ASSERT_EQUAL(memcmp(got, data, size), 0);
    /* Overwrite part of a compressed cluster: it is copied and freed. */
    memset(data + 200000, 0xee, 3000);
    CU_ASSERT_EQUAL(block_pwrite(bb, 200000, data + 200000, 3000, &err), 0);
    block_close(bb);
    CU_ASSERT_EQUAL(run("qemu-img check -q %s", path), 0);
    CU_ASSERT_EQUAL(run("qemu-img convert -O raw %s %s", path, raw), 0);
    free(got);
    got = read_whole(raw, size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_EQUAL(memcmp(got, data, size), 0);
    free(got);
    free(data);
}

static const UnitTest block_tests[] = {
    { "raw round trip", test_raw_round_trip },
    { "raw missing file", test_raw_missing_file },
    { "raw probed sector-0 guard", test_raw_probed_guard },
    { "qcow2 hand-built read", test_qcow2_hand_read },
    { "qcow2 hand-built write", test_qcow2_hand_write },
    { "qcow2 corrupt headers", test_qcow2_corrupt_headers },
    { "qcow2 qemu-img v3", test_qcow2_qemu_v3 },
    { "qcow2 qemu-img v2", test_qcow2_qemu_v2 },
    { "qcow2 qemu-img refcount_bits=1", test_qcow2_qemu_refcount1 },
    { "qcow2 qemu-img compressed", test_qcow2_qemu_compressed },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("block", suite_init, suite_clean, block_tests);
}

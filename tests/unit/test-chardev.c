/* SPDX-License-Identifier: MIT */
/*
 * Character backends: -serial and -chardev spellings, the registry, the
 * one-frontend rule, Ctrl-A escapes (quit, literal C-a, help, unknown),
 * flow control towards a full frontend, and output errors that must neither
 * kill tandem (EPIPE) nor hang it (a pty nobody reads).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "ui/chardev.h"

__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
}

static uint8_t got[64];
static size_t got_len;
static int room;
static int quits;

static int fe_can(void *opaque)
{
    return room;
}

static void fe_recv(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && got_len < sizeof(got); i++)
        got[got_len++] = buf[i];
    room -= (int)len;
}

static void on_quit(void *opaque)
{
    quits++;
}

static int suite_init(void)
{
    return main_loop_init();
}

static int suite_clean(void)
{
    chardev_destroy_all();
    main_loop_cleanup();
    return 0;
}

static void test_specs(void)
{
    Error err = { 0 };
    Chardev *c, *d;
    char path[] = "/tmp/tandem-chr-XXXXXX";
    char spec[64];
    int fd = mkstemp(path);

    CU_ASSERT_TRUE_FATAL(fd >= 0);
    close(fd);
    chardev_destroy_all();
    CU_ASSERT_EQUAL(chardev_from_serial_spec("none", "serial0", &c, &err), 0);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_EQUAL(chardev_from_serial_spec("null", "serial0", &c, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(c);
    CU_ASSERT_STRING_EQUAL(chardev_id(c), "serial0");
    snprintf(spec, sizeof(spec), "file:%s", path);
    CU_ASSERT_EQUAL(chardev_from_serial_spec(spec, "serial0", &d, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT_STRING_NOT_EQUAL(chardev_id(d), "serial0");   /* made unique */
    chardev_write(d, (const uint8_t *)"hi\n", 3);
    chardev_write(c, (const uint8_t *)"lost", 4);

    CU_ASSERT_EQUAL(chardev_from_serial_spec("bogus", "s", &c, &err), -1);
    CU_ASSERT_TRUE(err.set);
    err.set = false;
    CU_ASSERT_EQUAL(chardev_from_serial_spec("chardev:nope", "s", &c, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nope"));
    err.set = false;
    CU_ASSERT_EQUAL(chardev_from_serial_spec("file:/nonexistent/dir/x", "s", &c, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/dir/x"));
    chardev_destroy_all();

    FILE *f = fopen(path, "r");
    char line[16] = "";
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
    CU_ASSERT_STRING_EQUAL(line, "hi\n");
    fclose(f);
    unlink(path);
}

static void test_registry(void)
{
    Error err = { 0 };
    Chardev *c, *s;

    chardev_destroy_all();
    c = chardev_new_from_opts("null,id=n0", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_EQUAL(chardev_find("n0"), c);
    CU_ASSERT_EQUAL(chardev_from_serial_spec("chardev:n0", "serial0", &s, &err), 0);
    CU_ASSERT_PTR_EQUAL(s, c);
    CU_ASSERT_PTR_NULL(chardev_new_from_opts("null,id=n0", &err));     /* duplicate */
    CU_ASSERT_TRUE(err.set);
    err.set = false;
    CU_ASSERT_PTR_NULL(chardev_new_from_opts("null", &err));           /* no id */
    err.set = false;
    CU_ASSERT_PTR_NULL(chardev_new_from_opts("tcp,id=t", &err));       /* unknown */
    err.set = false;
    CU_ASSERT_PTR_NULL(chardev_new_from_opts("file,id=f", &err));      /* no path */
    err.set = false;
    CU_ASSERT_PTR_NULL(chardev_new_from_opts("null,id=x,colour=red", &err));
    err.set = false;

    /* One frontend per backend. */
    CU_ASSERT_EQUAL(chardev_attach(c, fe_can, fe_recv, NULL, &err), 0);
    CU_ASSERT_EQUAL(chardev_attach(c, fe_can, fe_recv, NULL, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "already"));
    chardev_detach(c);
    err.set = false;
    CU_ASSERT_EQUAL(chardev_attach(c, fe_can, fe_recv, NULL, &err), 0);
    chardev_destroy_all();
}

static void test_escapes(void)
{
    Error err = { 0 };
    Chardev *c;

    chardev_destroy_all();
    c = chardev_new_custom("esc", NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    chardev_set_escapes(c, true);
    chardev_set_quit_handler(on_quit, NULL);
    CU_ASSERT_EQUAL(chardev_attach(c, fe_can, fe_recv, NULL, &err), 0);
    got_len = 0;
    room = 100;
    quits = 0;

    /* a, C-a C-a (one C-a), b, C-a h (help, dropped), C-a z (unknown, dropped), c */
    static const uint8_t in[] = { 'a', 1, 1, 'b', 1, 'h', 1, 'z', 'c' };
    CU_ASSERT_EQUAL(chardev_feed_input(c, in, sizeof(in)), sizeof(in));
    CU_ASSERT_EQUAL(got_len, 4);
    CU_ASSERT_EQUAL(memcmp(got, "a\001bc", 4), 0);
    CU_ASSERT_EQUAL(quits, 0);

    /* C-a split across two reads still works; C-a x quits. */
    CU_ASSERT_EQUAL(chardev_feed_input(c, (const uint8_t *)"\001", 1), 1);
    CU_ASSERT_EQUAL(chardev_feed_input(c, (const uint8_t *)"x", 1), 1);
    CU_ASSERT_EQUAL(quits, 1);
    CU_ASSERT_EQUAL(got_len, 4);

    /* Without escapes C-a is just a byte. */
    chardev_set_escapes(c, false);
    chardev_feed_input(c, (const uint8_t *)"\001x", 2);
    CU_ASSERT_EQUAL(got_len, 6);
    CU_ASSERT_EQUAL(quits, 1);
    chardev_set_quit_handler(NULL, NULL);
    chardev_destroy_all();
}

static void test_flow_control(void)
{
    Error err = { 0 };
    Chardev *c;

    chardev_destroy_all();
    c = chardev_new_custom("fc", NULL, NULL, &err);
    CU_ASSERT_EQUAL(chardev_attach(c, fe_can, fe_recv, NULL, &err), 0);
    got_len = 0;
    room = 3;
    CU_ASSERT_EQUAL(chardev_feed_input(c, (const uint8_t *)"abcdef", 6), 3);
    CU_ASSERT_EQUAL(got_len, 3);
    room = 0;
    CU_ASSERT_EQUAL(chardev_feed_input(c, (const uint8_t *)"def", 3), 0);
    chardev_accept_input(c);    /* no input fd: a no-op, must not crash */
    chardev_destroy_all();
}

static void test_epipe(void)
{
    Error err = { 0 };
    int p[2];
    char spec[64];
    Chardev *c;

    chardev_destroy_all();
    CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
    snprintf(spec, sizeof(spec), "file,id=pipe,path=/proc/self/fd/%d", p[1]);
    c = chardev_new_from_opts(spec, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    close(p[0]);                /* the reader goes away */
    close(p[1]);
    /* EPIPE, not SIGPIPE; reported once, then output is discarded. */
    chardev_write(c, (const uint8_t *)"x", 1);
    chardev_write(c, (const uint8_t *)"y", 1);
    CU_PASS("survived EPIPE");
    chardev_destroy_all();
}

static void test_pty_without_reader(void)
{
    Error err = { 0 };
    Chardev *c;
    static uint8_t buf[4096];
    struct timespec t0, t1;

    chardev_destroy_all();
    c = chardev_new_from_opts("pty,id=pty0", &err);
    if (!c) {
        printf("\n  (no pty here: %s)\n", err.msg);
        return;
    }
    memset(buf, 'p', sizeof(buf));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 256; i++)       /* 1 MiB, far beyond a pty's buffer */
        chardev_write(c, buf, sizeof(buf));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Full buffer means dropped bytes, never a wait per write. */
    CU_ASSERT_TRUE(t1.tv_sec - t0.tv_sec < 2);
    chardev_destroy_all();
}

static const UnitTest chardev_tests[] = {
    { "-serial specs", test_specs },
    { "-chardev registry and frontends", test_registry },
    { "Ctrl-A escapes", test_escapes },
    { "flow control", test_flow_control },
    { "EPIPE does not kill", test_epipe },
    { "pty without reader does not block", test_pty_without_reader },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("chardev", suite_init, suite_clean, chardev_tests);
}

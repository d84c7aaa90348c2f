/* SPDX-License-Identifier: MIT */
/*
 * isa-debugcon through the I/O address space: bytes reach the backend in
 * order, reads return the readback byte, wide accesses deliver one byte,
 * the -device options (iobase, chardev, readback) and their errors, a
 * backend shared with another frontend, and the -debugcon spellings
 * (file:PATH really writes the file, none creates nothing, bad specs fail
 * with one line that names -debugcon).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/misc/misc.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "ui/chardev.h"

extern const DeviceType isa_debugcon_type;

/* Only the device under test: device-types.c would pull in every model. */
const DeviceType *const device_types[] = { &isa_debugcon_type, NULL };

/* machine.c is not linked into this test; the real one wins when it is. */
__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
}

static Machine mach;
static char out[256];
static size_t out_len;

static void capture(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && out_len + 1 < sizeof(out); i++)
        out[out_len++] = (char)buf[i];
    out[out_len] = '\0';
}

static int suite_init(void)
{
    return main_loop_init();
}

static int suite_clean(void)
{
    main_loop_cleanup();
    return 0;
}

/* A bare machine (I/O space only) and a capturing backend "cap". */
static void setup(void)
{
    Error err = { 0 };

    unit_machine_init(&mach);
    out_len = 0;
    out[0] = '\0';
    CU_ASSERT_PTR_NOT_NULL_FATAL(chardev_new_custom("cap", capture, NULL, &err));
}

static void teardown(void)
{
    unit_machine_destroy(&mach);
    chardev_destroy_all();
}

static void outs(uint16_t port, const char *s)
{
    while (*s)
        as_st(&mach.as_io, port, 1, (uint8_t)*s++);
}

static void test_bytes_in_order(void)
{
    Error err = { 0 };

    setup();
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "isa-debugcon,chardev=cap",
                                                         &err));
    outs(0xe9, "hello, debugcon\n");
    CU_ASSERT_STRING_EQUAL(out, "hello, debugcon\n");
    /* Every byte value passes unchanged, NUL and 0xff included. */
    out_len = 0;
    as_st(&mach.as_io, 0xe9, 1, 0x00);
    as_st(&mach.as_io, 0xe9, 1, 0xff);
    CU_ASSERT_EQUAL(out_len, 2);
    CU_ASSERT_EQUAL((uint8_t)out[0], 0x00);
    CU_ASSERT_EQUAL((uint8_t)out[1], 0xff);
    /* The neighbours are not the device's. */
    out_len = 0;
    as_st(&mach.as_io, 0xe8, 1, 'x');
    as_st(&mach.as_io, 0xea, 1, 'y');
    CU_ASSERT_EQUAL(out_len, 0);
    teardown();
}

static void test_readback(void)
{
    Error err = { 0 };

    setup();
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "isa-debugcon,chardev=cap",
                                                         &err));
    CU_ASSERT_EQUAL(as_ld(&mach.as_io, 0xe9, 1, NULL), 0xe9);
    /* A missing port reads 0xff: that is how guests probe. */
    CU_ASSERT_EQUAL(as_ld(&mach.as_io, 0x402, 1, NULL), 0xff);
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(
        &mach, "isa-debugcon,iobase=0x402,readback=0x5a", &err));
    CU_ASSERT_EQUAL(as_ld(&mach.as_io, 0x402, 1, NULL), 0x5a);
    /* Reading sends nothing. */
    CU_ASSERT_EQUAL(out_len, 0);
    teardown();
}

static void test_wide_access(void)
{
    Error err = { 0 };

    setup();
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "isa-debugcon,chardev=cap",
                                                         &err));
    /* outw/outl: the first byte is the port's, the rest go to 0xea.. */
    as_st(&mach.as_io, 0xe9, 2, 0x4241);
    as_st(&mach.as_io, 0xe9, 4, 0x44434243);
    CU_ASSERT_STRING_EQUAL(out, "AC");
    teardown();
}

static void test_iobase_and_no_chardev(void)
{
    Error err = { 0 };

    setup();
    /* No chardev: the port exists (reads back), its bytes go nowhere. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "isa-debugcon,iobase=0x402",
                                                         &err));
    as_st(&mach.as_io, 0x402, 1, 'z');
    CU_ASSERT_EQUAL(as_ld(&mach.as_io, 0x402, 1, NULL), 0xe9);
    CU_ASSERT_EQUAL(out_len, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(
        &mach, "isa-debugcon,iobase=0x403,chardev=cap,id=dbg2", &err));
    outs(0x403, "ok");
    CU_ASSERT_STRING_EQUAL(out, "ok");
    teardown();
}

static void expect_error(const char *text, const char *msg)
{
    Error err = { 0 };

    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, text, &err));
    CU_ASSERT_TRUE(err.set);
    if (!strstr(err.msg, msg)) {
        printf("\n  '%s': error was '%s', wanted '%s'\n", text, err.msg, msg);
        CU_FAIL("wrong error message");
    }
}

static void test_option_errors(void)
{
    setup();
    expect_error("isa-debugcon,chardev=nosuch", "no chardev with id 'nosuch'");
    expect_error("isa-debugcon,iobase=0x10000", "outside the I/O space");
    expect_error("isa-debugcon,readback=0x100", "does not fit in a byte");
    expect_error("isa-debugcon,iobase=zz", "iobase");
    expect_error("isa-debugcon,speed=9600", "speed");
    CU_ASSERT_PTR_NULL(mach.devices);
    teardown();
}

static int frontend_can_receive(void *opaque)
{
    return 16;
}

static void frontend_receive(void *opaque, const uint8_t *buf, size_t len)
{
}

/* A UART and the debugcon on one backend: both streams arrive. */
static void test_shared_backend(void)
{
    Error err = { 0 };
    Chardev *cap;

    setup();
    cap = chardev_find("cap");
    CU_ASSERT_EQUAL_FATAL(chardev_attach(cap, frontend_can_receive, frontend_receive,
                                         NULL, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "isa-debugcon,chardev=cap",
                                                         &err));
    chardev_write(cap, (const uint8_t *)"uart:", 5);
    outs(0xe9, "dbg");
    CU_ASSERT_STRING_EQUAL(out, "uart:dbg");
    chardev_detach(cap);
    teardown();
}

static void test_spec_file(void)
{
    Error err = { 0 };
    char path[] = "/tmp/tandem-debugcon-XXXXXX";
    char spec[64], buf[64] = { 0 };
    int fd = mkstemp(path);
    FILE *f;

    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    setup();
    snprintf(spec, sizeof(spec), "file:%s", path);
    CU_ASSERT_EQUAL_FATAL(debugcon_create_from_spec(&mach, spec, &err), 0);
    outs(0xe9, "to the file\n");
    CU_ASSERT_EQUAL(as_ld(&mach.as_io, 0xe9, 1, NULL), 0xe9);
    teardown();                 /* closes the file */
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof(buf), f));
    fclose(f);
    unlink(path);
    CU_ASSERT_STRING_EQUAL(buf, "to the file\n");
}

static void test_spec_other(void)
{
    Error err = { 0 };

    setup();
    CU_ASSERT_EQUAL(debugcon_create_from_spec(&mach, "none", &err), 0);
    CU_ASSERT_FALSE(err.set);
    CU_ASSERT_PTR_NULL(mach.devices);
    CU_ASSERT_EQUAL(as_ld(&mach.as_io, 0xe9, 1, NULL), 0xff);

    CU_ASSERT_EQUAL(debugcon_create_from_spec(&mach, "chardev:cap", &err), 0);
    outs(0xe9, "via id");
    CU_ASSERT_STRING_EQUAL(out, "via id");
    teardown();

    setup();
    CU_ASSERT_EQUAL(debugcon_create_from_spec(&mach, "null", &err), 0);
    outs(0xe9, "dropped");
    CU_ASSERT_EQUAL(out_len, 0);
    teardown();

    setup();
    CU_ASSERT_EQUAL(debugcon_create_from_spec(&mach, "chardev:nope", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "-debugcon chardev:nope: no chardev"));
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL(debugcon_create_from_spec(&mach, "tcp:1234", &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "-debugcon tcp:1234: expected"));
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL(debugcon_create_from_spec(&mach, "file:/nonexistent-dir/x", &err), -1);
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_PTR_NULL(mach.devices);
    teardown();
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "bytes_in_order", test_bytes_in_order },
        { "readback", test_readback },
        { "wide_access", test_wide_access },
        { "iobase_and_no_chardev", test_iobase_and_no_chardev },
        { "option_errors", test_option_errors },
        { "shared_backend", test_shared_backend },
        { "spec_file", test_spec_file },
        { "spec_other", test_spec_other },
        { NULL, NULL }
    };
    unit_add_suite("debugcon", suite_init, suite_clean, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * -device option parsing, the getters, unused-option detection, and device
 * creation, reset and destruction through a private DeviceType table (this
 * file defines device_types[], so the real devices need not be linked).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/core/device.h"
#include "softmmu/machine.h"

/* ---- a fake device type ------------------------------------------------ */

typedef struct FakeDev {
    Device dev;
    uint64_t size;
    bool fast;
    int resets;
} FakeDev;

static char event_log[256];

static void log_event(const char *what, const Device *d)
{
    size_t n = strlen(event_log);
    snprintf(event_log + n, sizeof(event_log) - n, "%s:%s ", what, d->id ? d->id : "-");
}

static void fake_reset(Device *d)
{
    ((FakeDev *)d)->resets++;
    log_event("reset", d);
}

static void fake_destroy(Device *d)
{
    log_event("destroy", d);
    free(d);
}

static Device *fake_create(Machine *m, DeviceOpts *o, Error *err)
{
    uint64_t size;
    bool fast;
    if (devopts_get_u64(o, "size", 4096, &size, err) < 0 ||
        devopts_get_bool(o, "fast", false, &fast, err) < 0)
        return NULL;
    if (size == 0) {
        error_setf(err, "fake: size must not be 0");
        return NULL;
    }
    FakeDev *f = calloc(1, sizeof(*f));
    f->size = size;
    f->fast = fast;
    device_attach(m, &f->dev, devopts_get_str(o, "id", NULL), fake_reset, fake_destroy,
                  NULL);
    return &f->dev;
}

static const DeviceType fake_type = { "fake-dev", "a device for the unit tests", fake_create };
static const DeviceType other_type = { "other", "another one", fake_create };

const DeviceType *const device_types[] = { &fake_type, &other_type, NULL };

/* ---- parsing ------------------------------------------------------------ */

static void test_devopts_parse(void)
{
    DeviceOpts o;
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "isa-serial,iobase=0x3f8,irq=4,flag", &err), 0);
    CU_ASSERT_STRING_EQUAL(o.name, "isa-serial");
    CU_ASSERT_EQUAL(o.nr, 3);
    CU_ASSERT_STRING_EQUAL(o.key[0], "iobase");
    CU_ASSERT_STRING_EQUAL(o.val[0], "0x3f8");
    CU_ASSERT_STRING_EQUAL(o.key[2], "flag");
    CU_ASSERT_STRING_EQUAL(o.val[2], "");
    CU_ASSERT_FALSE(o.used[0]);
    devopts_free(&o);
    CU_ASSERT_PTR_NULL(o.name);
    CU_ASSERT_EQUAL(o.nr, 0);

    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "solo", &err), 0);
    CU_ASSERT_STRING_EQUAL(o.name, "solo");
    CU_ASSERT_EQUAL(o.nr, 0);
    devopts_free(&o);

    /* The value keeps everything after the first '='. */
    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "d,append=a=b c,empty=", &err), 0);
    CU_ASSERT_STRING_EQUAL(o.val[0], "a=b c");
    CU_ASSERT_STRING_EQUAL(o.val[1], "");
    devopts_free(&o);

    /* QEMU's driver= spelling. */
    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "driver=fake-dev,size=1", &err), 0);
    CU_ASSERT_STRING_EQUAL(o.name, "fake-dev");
    CU_ASSERT_EQUAL(o.nr, 1);
    devopts_free(&o);
    CU_ASSERT_FALSE(err.set);
}

static void test_devopts_escapes(void)
{
    DeviceOpts o;
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "d,path=a,,b,,,x=1", &err), 0);
    CU_ASSERT_EQUAL(o.nr, 2);
    CU_ASSERT_STRING_EQUAL(o.key[0], "path");
    CU_ASSERT_STRING_EQUAL(o.val[0], "a,b,");
    CU_ASSERT_STRING_EQUAL(o.key[1], "x");
    CU_ASSERT_STRING_EQUAL(o.val[1], "1");
    devopts_free(&o);

    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "d,s=,,,,", &err), 0);
    CU_ASSERT_EQUAL(o.nr, 1);
    CU_ASSERT_STRING_EQUAL(o.val[0], ",,");
    devopts_free(&o);
}

static void expect_parse_error(const char *text, const char *needle)
{
    DeviceOpts o;
    Error err = { 0 };
    CU_ASSERT_EQUAL(devopts_parse(&o, text, &err), -1);
    CU_ASSERT_TRUE(err.set);
    if (!strstr(err.msg, needle)) {
        fprintf(stderr, "'%s': message '%s' lacks '%s'\n", text, err.msg, needle);
        CU_FAIL("wrong parse error");
    }
    /* A failed parse leaves nothing to free (and freeing is harmless). */
    CU_ASSERT_PTR_NULL(o.name);
    CU_ASSERT_EQUAL(o.nr, 0);
    devopts_free(&o);
}

static void test_devopts_parse_errors(void)
{
    expect_parse_error("", "name missing");
    expect_parse_error(",a=1", "name missing");
    expect_parse_error("a=1", "name missing");
    expect_parse_error("d,a=1,a=2", "'a' given twice");
    expect_parse_error("d,flag,flag", "'flag' given twice");
    expect_parse_error("d,a=1,", "empty option");
    expect_parse_error("d,", "empty option");
    expect_parse_error("d,=5", "without a name");

    /* DEVOPTS_MAX options are fine, one more is not. */
    char text[1024] = "d";
    for (int i = 0; i < DEVOPTS_MAX; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), ",k%d=%d", i, i);
    DeviceOpts o;
    Error err = { 0 };
    CU_ASSERT_EQUAL(devopts_parse(&o, text, &err), 0);
    CU_ASSERT_EQUAL(o.nr, DEVOPTS_MAX);
    devopts_free(&o);
    strcat(text, ",one=more");
    expect_parse_error(text, "too many options");
}

/* ---- getters ------------------------------------------------------------ */

static void test_devopts_u64(void)
{
    static const struct { const char *v; uint64_t want; } good[] = {
        { "0", 0 }, { "42", 42 }, { "0x3f8", 0x3f8 }, { "0XFF", 255 },
        { "4k", 4096 }, { "4K", 4096 }, { "16M", 16u << 20 }, { "2G", 2ull << 30 },
        { "0x10k", 0x4000 }, { "18446744073709551615", UINT64_MAX },
    };
    static const char *const bad[] = {
        "", "abc", "-1", "+1", " 1", "1x", "0x", "12kk", "4Q", "18446744073709551616",
        "17179869184G", "0xg",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char text[64];
        DeviceOpts o;
        Error err = { 0 };
        uint64_t v = 1234;
        snprintf(text, sizeof(text), "d,n=%s", good[i].v);
        CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, text, &err), 0);
        CU_ASSERT_EQUAL(devopts_get_u64(&o, "n", 7, &v, &err), 0);
        CU_ASSERT_EQUAL(v, good[i].want);
        if (v != good[i].want || err.set)
            fprintf(stderr, "u64 '%s' -> %llu (%s)\n", good[i].v,
                    (unsigned long long)v, err.msg);
        CU_ASSERT_TRUE(o.used[0]);
        devopts_free(&o);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[64];
        DeviceOpts o;
        Error err = { 0 };
        uint64_t v = 1234;
        snprintf(text, sizeof(text), "d,n=%s", bad[i]);
        CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, text, &err), 0);
        CU_ASSERT_EQUAL(devopts_get_u64(&o, "n", 7, &v, &err), -1);
        CU_ASSERT_TRUE(err.set);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'n'"));
        if (!err.set)
            fprintf(stderr, "u64 '%s' accepted as %llu\n", bad[i], (unsigned long long)v);
        devopts_free(&o);
    }
    /* Absent: the default, no error. */
    DeviceOpts o;
    Error err = { 0 };
    uint64_t v = 0;
    devopts_parse(&o, "d", &err);
    CU_ASSERT_EQUAL(devopts_get_u64(&o, "n", 77, &v, &err), 0);
    CU_ASSERT_EQUAL(v, 77);
    CU_ASSERT_FALSE(err.set);
    devopts_free(&o);
}

static void test_devopts_bool_str(void)
{
    DeviceOpts o;
    Error err = { 0 };
    bool b;
    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "d,a=on,b=off,c=yes,d=no,e=true,f=false,"
                                            "g=1,h=0,bare,bad=maybe,s=text", &err), 0);
    const char *on[] = { "a", "c", "e", "g", "bare" };
    const char *off[] = { "b", "d", "f", "h" };
    for (size_t i = 0; i < 5; i++) {
        b = false;
        CU_ASSERT_EQUAL(devopts_get_bool(&o, on[i], false, &b, &err), 0);
        CU_ASSERT_TRUE(b);
    }
    for (size_t i = 0; i < 4; i++) {
        b = true;
        CU_ASSERT_EQUAL(devopts_get_bool(&o, off[i], true, &b, &err), 0);
        CU_ASSERT_FALSE(b);
    }
    CU_ASSERT_FALSE(err.set);
    CU_ASSERT_EQUAL(devopts_get_bool(&o, "bad", false, &b, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "maybe"));
    b = false;
    CU_ASSERT_EQUAL(devopts_get_bool(&o, "absent", true, &b, NULL), 0);
    CU_ASSERT_TRUE(b);

    CU_ASSERT_STRING_EQUAL(devopts_get_str(&o, "s", "def"), "text");
    CU_ASSERT_STRING_EQUAL(devopts_get_str(&o, "nope", "def"), "def");
    CU_ASSERT_PTR_NULL(devopts_get_str(&o, "nope", NULL));
    /* Every key was asked for, so nothing is left over. */
    err.set = false;
    CU_ASSERT_EQUAL(devopts_check_all_used(&o, &err), 0);
    devopts_free(&o);
}

static void test_devopts_unused(void)
{
    DeviceOpts o;
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(devopts_parse(&o, "isa-serial,irq=4,irqq=5,x", &err), 0);
    CU_ASSERT_STRING_EQUAL(devopts_get_str(&o, "irq", NULL), "4");
    CU_ASSERT_EQUAL(devopts_check_all_used(&o, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'irqq'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "isa-serial"));
    devopts_get_str(&o, "irqq", NULL);
    err.set = false;
    CU_ASSERT_EQUAL(devopts_check_all_used(&o, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'x'"));
    devopts_free(&o);
}

/* ---- devices ------------------------------------------------------------ */

static void test_device_types(void)
{
    CU_ASSERT_PTR_EQUAL(device_type_find("fake-dev"), &fake_type);
    CU_ASSERT_PTR_EQUAL(device_type_find("other"), &other_type);
    CU_ASSERT_PTR_NULL(device_type_find("fake"));
    CU_ASSERT_PTR_NULL(device_type_find(NULL));
}

static void test_device_create(void)
{
    Machine *m = calloc(1, sizeof(*m));
    Error err = { 0 };
    event_log[0] = '\0';

    Device *a = device_create_from_opts(m, "fake-dev,id=a,size=64k,fast=on", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_FALSE(err.set);
    FakeDev *fa = (FakeDev *)a;
    CU_ASSERT_EQUAL(fa->size, 65536);
    CU_ASSERT_TRUE(fa->fast);
    CU_ASSERT_PTR_EQUAL(a->type, &fake_type);
    CU_ASSERT_STRING_EQUAL(a->id, "a");

    Device *b = device_create_from_opts(m, "other,id=b", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(((FakeDev *)b)->size, 4096);

    /* A board device attached by hand joins the same list. */
    FakeDev *c = calloc(1, sizeof(*c));
    device_attach(m, &c->dev, "c", fake_reset, fake_destroy, NULL);
    CU_ASSERT_PTR_NULL(c->dev.type);

    CU_ASSERT_PTR_EQUAL(m->devices, a);
    CU_ASSERT_PTR_EQUAL(a->next, b);
    CU_ASSERT_PTR_EQUAL(b->next, &c->dev);
    CU_ASSERT_PTR_NULL(c->dev.next);

    /* Failures: unknown type, bad value, create's own error, duplicate id. */
    const struct { const char *text; const char *needle; } bad[] = {
        { "nosuch,x=1", "'nosuch'" },
        { "fake-dev,size=lots", "'size'" },
        { "fake-dev,size=0", "size must not be 0" },
        { "fake-dev,id=a", "duplicate id 'a'" },
        { "fake-dev,size=1,", "empty option" },
        { "fake-dev,,", "unknown device 'fake-dev,'" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Error e = { 0 };
        CU_ASSERT_PTR_NULL(device_create_from_opts(m, bad[i].text, &e));
        CU_ASSERT_TRUE(e.set);
        if (!strstr(e.msg, bad[i].needle)) {
            fprintf(stderr, "'%s': '%s' lacks '%s'\n", bad[i].text, e.msg, bad[i].needle);
            CU_FAIL("wrong create error");
        }
    }
    CU_ASSERT_PTR_NULL(c->dev.next);   /* none of them was attached */

    /* An unused option fails after create: the device stays listed so
     * devices_destroy can free it. */
    Error e = { 0 };
    CU_ASSERT_PTR_NULL(device_create_from_opts(m, "fake-dev,id=d,sise=1", &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'sise'"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->dev.next);
    CU_ASSERT_STRING_EQUAL(c->dev.next->id, "d");

    devices_reset(m);
    CU_ASSERT_STRING_EQUAL(event_log, "reset:a reset:b reset:c reset:d ");
    CU_ASSERT_EQUAL(fa->resets, 1);

    event_log[0] = '\0';
    devices_destroy(m);
    CU_ASSERT_STRING_EQUAL(event_log, "destroy:d destroy:c destroy:b destroy:a ");
    CU_ASSERT_PTR_NULL(m->devices);

    /* The machine is usable again after destroy. */
    Device *z = device_create_from_opts(m, "fake-dev", &err);
    CU_ASSERT_PTR_NOT_NULL(z);
    CU_ASSERT_PTR_EQUAL(m->devices, z);
    CU_ASSERT_PTR_NULL(z->id);
    devices_destroy(m);
    free(m);
}

static void test_device_help(void)
{
    Machine *m = calloc(1, sizeof(*m));
    Error err = { 0 };
    /* Keep the list out of the test output, but make sure it is written. */
    FILE *saved = stdout;
    char *buf = NULL;
    size_t len = 0;
    stdout = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NULL(device_create_from_opts(m, "help", &err));
    fclose(stdout);
    stdout = saved;
    CU_ASSERT_FALSE(err.set);      /* help is not an error */
    CU_ASSERT_PTR_NULL(m->devices);
    CU_ASSERT_PTR_NOT_NULL(buf && strstr(buf, "fake-dev"));
    CU_ASSERT_PTR_NOT_NULL(buf && strstr(buf, "a device for the unit tests"));
    CU_ASSERT_PTR_NOT_NULL(buf && strstr(buf, "other"));
    free(buf);
    free(m);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "parse", test_devopts_parse },
        { "escapes", test_devopts_escapes },
        { "parse_errors", test_devopts_parse_errors },
        { "u64", test_devopts_u64 },
        { "bool_str", test_devopts_bool_str },
        { "unused", test_devopts_unused },
        { "types", test_device_types },
        { "create", test_device_create },
        { "help", test_device_help },
        { NULL, NULL }
    };
    unit_add_suite("devopts", NULL, NULL, tests);
}

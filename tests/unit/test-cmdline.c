/* SPDX-License-Identifier: MIT */
/* Command-line parsing: values accepted, values refused with one line. */
#include <stdarg.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "softmmu/cmdline.h"
#include "softmmu/log.h"

static int parse(MachineConfig *cfg, CmdlineAction *a, Error *err, int argc, ...)
{
    char *argv[32] = { "tandem" };
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i + 1] = va_arg(ap, char *);
    va_end(ap);
    cmdline_defaults(cfg);
    memset(err, 0, sizeof(*err));
    return cmdline_parse(argc + 1, argv, cfg, a, err);
}

static void test_sizes(void)
{
    uint64_t b;
    CU_ASSERT_EQUAL(cmdline_parse_size("512", &b), 0);
    CU_ASSERT_EQUAL(b, 512ull << 20);
    CU_ASSERT_EQUAL(cmdline_parse_size("4G", &b), 0);
    CU_ASSERT_EQUAL(b, 4ull << 30);
    CU_ASSERT_EQUAL(cmdline_parse_size("size=64M", &b), 0);
    CU_ASSERT_EQUAL(b, 64ull << 20);
    CU_ASSERT_EQUAL(cmdline_parse_size("1536MiB", &b), 0);
    CU_ASSERT_EQUAL(b, 1536ull << 20);
    CU_ASSERT_EQUAL(cmdline_parse_size("banana", &b), -1);
    CU_ASSERT_EQUAL(cmdline_parse_size("12Q", &b), -1);
    CU_ASSERT_EQUAL(cmdline_parse_size("", &b), -1);
    CU_ASSERT_EQUAL(cmdline_parse_size("-5", &b), -1);
    CU_ASSERT_EQUAL(cmdline_parse_size("99999999999999999999G", &b), -1);
}

static void test_good_line(void)
{
    MachineConfig cfg;
    CmdlineAction a;
    Error err;
    int rc = parse(&cfg, &a, &err, 12, "-m", "2G", "-smp", "2", "-nographic",
                   "-serial", "file:/tmp/x", "--append", "console=ttyS0",
                   "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(a, CMDLINE_RUN);
    CU_ASSERT_EQUAL(cfg.ram_size, 2ull << 30);
    CU_ASSERT_EQUAL(cfg.smp, 2);
    CU_ASSERT_TRUE(cfg.nographic);
    CU_ASSERT_TRUE(cfg.no_reboot);
    CU_ASSERT_EQUAL(cfg.nr_serial, 1);
    CU_ASSERT_STRING_EQUAL(cfg.serial[0], "file:/tmp/x");
    CU_ASSERT_STRING_EQUAL(cfg.append, "console=ttyS0");
    CU_ASSERT_EQUAL(cfg.nr_devices, 1);
}

static void test_errors(void)
{
    MachineConfig cfg;
    CmdlineAction a;
    Error err;
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-m", "banana"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "banana"));
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 1, "-frobnicate"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown option"));
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-kernel", "/nonexistent"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent"));
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 1, "-kernel"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "missing argument"));
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-smp", "9"), -1);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-smp", "two"), -1);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-m", "0"), -1);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-serial", "tcp:1"), -1);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-serial", "file:"), -1);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-display", "gtk"), -1);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-d", "nonsense"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nonsense"));
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 1, "kernel.elf"), -1);
    /* every message is a single line */
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
}

static void test_actions(void)
{
    MachineConfig cfg;
    CmdlineAction a;
    Error err;
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 1, "-version"), 0);
    CU_ASSERT_EQUAL(a, CMDLINE_VERSION);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 1, "--help"), 0);
    CU_ASSERT_EQUAL(a, CMDLINE_HELP);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-device", "help"), 0);
    CU_ASSERT_EQUAL(a, CMDLINE_DEVICE_HELP);
    CU_ASSERT_EQUAL(parse(&cfg, &a, &err, 2, "-accel", "accel=kvm:tcg"), 0);
    CU_ASSERT_STRING_EQUAL(cfg.accel, "kvm:tcg");
    CU_ASSERT_TRUE(cfg.accel_explicit);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "sizes", test_sizes },
        { "good command line", test_good_line },
        { "errors", test_errors },
        { "help/version actions", test_actions },
        { NULL, NULL },
    };
    unit_add_suite("cmdline", NULL, NULL, tests);
}

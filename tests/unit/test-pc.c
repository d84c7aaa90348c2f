/* SPDX-License-Identifier: MIT */
/*
 * The PC board's first cut on a real memory API: the RAM split at 3.5 GiB
 * with the rest above 4 GiB, the COM ports -serial asks for (and none for
 * "none"), port 0x80, -device isa-serial and isa-debug-exit through the
 * device table, the (V<<1)|1 exit status, and the one-line errors for a
 * missing or unsupported -kernel and for -bios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/core/irq.h"
#include "hw/core/device.h"
#include "hw/pc/mtrr.h"
#include "hw/pc/multiboot.h"
#include "hw/pc/pc.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/vcpu.h"
#include "ui/chardev.h"

/* Stand-ins for modules this test does not link; the real ones win. */
__attribute__((weak)) void x86_cpu_setup_flat32(X86CPUState *s, uint32_t entry)
{
    s->rip = entry;
}
__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    if (!atomic_exchange(&m->shutdown_requested, true))
        m->exit_status = status;
}

static MachineConfig cfg;
static Machine mach;
static Vcpu cpu0;
static char kernel_path[64];
static char out[256];
static size_t out_len;

static void capture(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && out_len + 1 < sizeof(out); i++)
        out[out_len++] = (char)buf[i];
    out[out_len] = '\0';
}

/* A minimal multiboot a.out-kludge kernel at 1 MiB. */
static void write_kernel(void)
{
    uint8_t img[256];
    uint32_t f = 1u << 16;
    uint32_t h[8] = { MULTIBOOT_HEADER_MAGIC, f, -(MULTIBOOT_HEADER_MAGIC + f),
                      0x100000, 0x100000, 0, 0, 0x100040 };
    memset(img, 0x90, sizeof(img));
    memcpy(img, h, sizeof(h));
    snprintf(kernel_path, sizeof(kernel_path), "/tmp/tandem-pc-XXXXXX");
    int fd = mkstemp(kernel_path);
    if (fd >= 0) {
        if (write(fd, img, sizeof(img)) != (ssize_t)sizeof(img))
            kernel_path[0] = '\0';
        close(fd);
    }
}

static int suite_init(void)
{
    write_kernel();
    return main_loop_init();
}

static int suite_clean(void)
{
    unlink(kernel_path);
    main_loop_cleanup();
    return 0;
}

static void machine_new(void)
{
    unit_machine_init(&mach);
    memset(&cpu0, 0, sizeof(cpu0));
    mach.cfg = &cfg;
    mach.nr_cpus = 1;
    mach.cpus[0] = &cpu0;
    cpu0.machine = &mach;
}

static void machine_free(void)
{
    devices_destroy(&mach);
    chardev_destroy_all();
    unit_machine_destroy(&mach);
}

static void config_default(void)
{
    memset(&cfg, 0, sizeof(cfg));
    cfg.ram_size = 64ull << 20;
    cfg.smp = 1;
    cfg.kernel = kernel_path;
    cfg.nographic = false;
}

static uint8_t inb(uint16_t port)
{
    return (uint8_t)unit_in(&mach, port, 1);
}

static void test_ram_layout(void)
{
    Error err = { 0 };
    config_default();
    cfg.ram_size = 0xf0000000ull;               /* 3.75 GiB */
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    uint8_t *host = mr_ram_ptr(&mach.ram);
    CU_ASSERT_PTR_NOT_NULL_FATAL(host);
    /* The last byte below 3.5 GiB and the first one above 4 GiB. */
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, 0xdfffffff, 1, 0x11), MEMTX_OK);
    CU_ASSERT_EQUAL(host[0xdfffffff], 0x11);
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, 0x100000000ull, 1, 0x22), MEMTX_OK);
    CU_ASSERT_EQUAL(host[0xe0000000], 0x22);
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, 0x10fffffffull, 1, 0x33), MEMTX_OK);
    CU_ASSERT_EQUAL(host[0xefffffff], 0x33);
    /* The hole between 3.5 and 4 GiB is not RAM. */
    CU_ASSERT_EQUAL(as_st(&mach.as_mem, 0xe0000000, 1, 0x44), MEMTX_UNASSIGNED);
    /* The multiboot kernel is loaded and the vCPU set at its entry. */
    CU_ASSERT_EQUAL(host[0x100000], 0x02);      /* low byte of the magic */
    CU_ASSERT_EQUAL(cpu0.state.rip, 0x100040);
    CU_ASSERT_EQUAL(cpu0.state.regs[R_EAX], MULTIBOOT_BOOT_MAGIC);
    CU_ASSERT_PTR_NOT_NULL(cpu0.irq_ack);
    if (cpu0.irq_ack)
        CU_ASSERT_EQUAL(cpu0.irq_ack(&cpu0), -1);
    machine_free();
}

/* The fw_cfg file "name" (FW_CFG_FILE_DIR read through the ports): its size, -1 if absent. */
static int fw_cfg_file(const char *name, uint8_t *data, size_t max)
{
    unit_out(&mach, 0x510, 2, 0x19);
    uint32_t count = 0;
    for (int k = 0; k < 4; k++)
        count = count << 8 | inb(0x511);
    for (uint32_t f = 0; f < count; f++) {
        uint8_t e[64];
        for (size_t k = 0; k < sizeof(e); k++)
            e[k] = inb(0x511);
        if (strncmp((const char *)e + 8, name, 56))
            continue;
        uint32_t size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
        unit_out(&mach, 0x510, 2, (uint32_t)(e[4] << 8 | e[5]));
        for (size_t k = 0; k < size && k < max; k++)
            data[k] = inb(0x511);
        return (int)size;
    }
    return -1;
}

/*
 * The fw_cfg files SeaBIOS reads as it does on QEMU's pc: the whole-RAM
 * e820 and etc/boot-fail-wait = -1, without which SeaBIOS reboots the
 * machine every 60 s after "No bootable device" instead of waiting.
 */
static void test_fw_cfg_files(void)
{
    Error err = { 0 };
    uint8_t buf[64];
    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    CU_ASSERT_EQUAL(fw_cfg_file("etc/boot-fail-wait", buf, sizeof(buf)), 4);
    CU_ASSERT_EQUAL(memcmp(buf, "\xff\xff\xff\xff", 4), 0);
    CU_ASSERT_EQUAL(fw_cfg_file("etc/e820", buf, sizeof(buf)), 20);
    CU_ASSERT_EQUAL(buf[0] | buf[8] | buf[9] | buf[10], 0);  /* from 0 ... */
    CU_ASSERT_EQUAL(buf[11], 0x04);                     /* ... 64 MiB */
    CU_ASSERT_EQUAL(buf[16], 1);                        /* RAM */
    machine_free();
}

/*
 * A direct boot leaves the MTRRs as SeaBIOS would: enabled, write-back by
 * default, the VGA window uncached, the ROM area write-protected and the
 * PCI hole above RAM uncached; without this Linux finds them disabled and
 * skips PAT set-up.
 */
static void test_direct_boot_mtrrs(void)
{
    Error err = { 0 };
    config_default();                   /* 64 MiB: the PCI window from 2 GiB */
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    const X86Msrs *msr = &cpu0.state.msr;
    CU_ASSERT_EQUAL(msr->mtrr_def_type, 0xc06);
    CU_ASSERT_EQUAL(msr->mtrr_fixed[0], 0x0606060606060606ull);
    CU_ASSERT_EQUAL(msr->mtrr_fixed[1], 0x0606060606060606ull);
    CU_ASSERT_EQUAL(msr->mtrr_fixed[2], 0);
    CU_ASSERT_EQUAL(msr->mtrr_fixed[10], 0x0505050505050505ull);
    CU_ASSERT_EQUAL(msr->mtrr_var[0], 0x80000000ull);
    CU_ASSERT_EQUAL(msr->mtrr_var[1], 0xf80000800ull);     /* 2 GiB, 36 bits, valid */
    CU_ASSERT_EQUAL(msr->mtrr_var[2] | msr->mtrr_var[3], 0);
    machine_free();

    X86Msrs big = { 0 };
    pc_mtrr_firmware_values(&big, 0xe0000000ull, 40);
    CU_ASSERT_EQUAL(big.mtrr_var[0], 0xe0000000ull);
    CU_ASSERT_EQUAL(big.mtrr_var[1], 0xffe0000800ull);
    pc_mtrr_firmware_values(&big, 0xa0000000ull, 40);
    CU_ASSERT_EQUAL(big.mtrr_var[0], 0xc0000000ull);
    /* 512 KiB of RAM: the fixed ranges past it stay uncached. */
    pc_mtrr_firmware_values(&big, 0x80000, 36);
    CU_ASSERT_EQUAL(big.mtrr_fixed[0], 0x0606060606060606ull);
    CU_ASSERT_EQUAL(big.mtrr_fixed[1], 0);
}

/* FERR# from the FPU raises ISA IRQ 13; a write to port 0xf0 lowers it. */
static void test_fpu_irq13(void)
{
    Error err = { 0 };
    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    IrqLine *irq13 = pc_isa_irq(&mach, 13);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mach.cpus[0]->ferr);
    CU_ASSERT_EQUAL(irq13->level, 0);
    mach.cpus[0]->ferr(mach.cpus[0], 1);
    CU_ASSERT_EQUAL(irq13->level, 1);
    unit_out(&mach, 0xf0, 1, 0);
    CU_ASSERT_EQUAL(irq13->level, 0);
    machine_free();
}

static void test_serial_ports(void)
{
    Error err = { 0 };

    /* Default without -nographic: COM1 exists (null backend), COM2 does not. */
    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    CU_ASSERT_EQUAL(inb(0x3fd), 0x60);          /* COM1 LSR */
    CU_ASSERT_EQUAL(inb(0x2fd), 0xff);          /* nothing at COM2 */
    CU_ASSERT_EQUAL(inb(0x80), 0xff);           /* port 0x80 claimed */
    machine_free();

    /* -serial none -serial null: COM1 absent, COM2 present. */
    config_default();
    cfg.serial[0] = "none";
    cfg.serial[1] = "null";
    cfg.nr_serial = 2;
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    CU_ASSERT_EQUAL(inb(0x3fd), 0xff);
    CU_ASSERT_EQUAL(inb(0x2fd), 0x60);
    machine_free();

    /* -chardev + -serial chardev:ID, and a bad spec. */
    config_default();
    cfg.serial[0] = "chardev:nosuch";
    cfg.nr_serial = 1;
    machine_new();
    CU_ASSERT_EQUAL(pc_machine_init(&mach, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nosuch"));
    machine_free();
}

static void test_isa_serial_device(void)
{
    Error err = { 0 };
    Chardev *c;

    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    c = chardev_new_custom("cap", capture, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    out_len = 0;
    CU_ASSERT_PTR_NOT_NULL(device_create_from_opts(&mach,
                           "isa-serial,iobase=0x2f8,irq=3,chardev=cap", &err));
    CU_ASSERT_EQUAL(as_st(&mach.as_io, 0x2f8, 1, 'o'), MEMTX_OK);
    CU_ASSERT_EQUAL(as_st(&mach.as_io, 0x2f8, 1, 'k'), MEMTX_OK);
    CU_ASSERT_STRING_EQUAL(out, "ok");
    /* The same backend cannot serve a second port. */
    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach,
                       "isa-serial,iobase=0x3e8,chardev=cap", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "already"));
    err.set = false;
    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, "isa-serial,irq=99", &err));
    err.set = false;
    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, "isa-serial,chardev=zz", &err));
    machine_free();
}

static void test_debug_exit(void)
{
    Error err = { 0 };

    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach,
                                 "isa-debug-exit,iobase=0xf4,iosize=0x04", &err));
    CU_ASSERT_FALSE(mach.shutdown_requested);
    CU_ASSERT_EQUAL(as_st(&mach.as_io, 0xf4, 1, 0), MEMTX_OK);
    CU_ASSERT_TRUE(mach.shutdown_requested);
    CU_ASSERT_EQUAL(mach.exit_status, 1);       /* (0 << 1) | 1: pass */
    as_st(&mach.as_io, 0xf4, 1, 5);             /* later writes change nothing */
    CU_ASSERT_EQUAL(mach.exit_status, 1);
    machine_free();

    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(device_create_from_opts(&mach, "isa-debug-exit", &err));
    CU_ASSERT_EQUAL(as_st(&mach.as_io, 0x501, 2, 0x21), MEMTX_OK);   /* QEMU's default */
    CU_ASSERT_EQUAL(mach.exit_status, 0x43);
    CU_ASSERT_PTR_NULL(device_create_from_opts(&mach, "isa-debug-exit,iosize=3", &err));
    machine_free();
}

static void expect_init_error(const char *want)
{
    Error err = { 0 };
    machine_new();
    CU_ASSERT_EQUAL(pc_machine_init(&mach, &err), -1);
    if (!strstr(err.msg, want)) {
        printf("\n  error was: %s (wanted '%s')\n", err.msg, want);
        CU_FAIL("wrong error");
    }
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));  /* one line */
    machine_free();
}

static void test_kernel_errors(void)
{
    char path[] = "/tmp/tandem-pc-bad-XXXXXX";
    int fd = mkstemp(path);
    static uint8_t junk[0x400];

    config_default();
    cfg.kernel = NULL;
    cfg.bios = "/nonexistent/bios.bin";
    expect_init_error("/nonexistent/bios.bin");
    config_default();
    cfg.bios = "/usr/share/seabios/bios.bin";
    expect_init_error("not supported yet");     /* -kernel through firmware */
    config_default();
    cfg.kernel = "/nonexistent/kernel";
    expect_init_error("/nonexistent/kernel");

    memset(junk, 0x5a, sizeof(junk));
    CU_ASSERT_EQUAL(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    close(fd);
    config_default();
    cfg.kernel = path;
    expect_init_error("not a multiboot or Linux kernel");
    config_default();
    cfg.kernel = NULL;
    cfg.bios = path;                    /* 1 KiB: not a BIOS image */
    expect_init_error("multiple of 64 KiB");
    unlink(path);

    config_default();
    cfg.ram_size = 1 << 20;
    expect_init_error("at least");
}

static const UnitTest pc_tests[] = {
    { "RAM below 3.5 GiB and above 4 GiB", test_ram_layout },
    { "fw_cfg files for SeaBIOS", test_fw_cfg_files },
    { "direct boot leaves the MTRRs as firmware does", test_direct_boot_mtrrs },
    { "FERR# to IRQ 13, cleared by port 0xf0", test_fpu_irq13 },
    { "COM ports from -serial", test_serial_ports },
    { "-device isa-serial", test_isa_serial_device },
    { "-device isa-debug-exit", test_debug_exit },
    { "kernel and firmware errors", test_kernel_errors },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("pc", suite_init, suite_clean, pc_tests);
}

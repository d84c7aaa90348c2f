/* SPDX-License-Identifier: MIT */
/*
 * The PC board's first cut on a real memory API: the RAM split at 3.5 GiB
 * with the rest above 4 GiB, the COM ports -serial asks for (and none for
 * "none"), port 0x80, -device isa-serial and isa-debug-exit through the
 * device table, the (V<<1)|1 exit status, and the one-line errors for a
 * missing or unsupported -kernel and for -bios, what -kernel with -bios
 * puts in fw_cfg for the loader option ROM, and the MTRRs of a direct boot.
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "accel/accel.h"
#include "cpu/x86/cpuid.h"
#include "hw/core/irq.h"
#include "hw/core/device.h"
#include "hw/pc/mtrr.h"
#include "hw/pc/multiboot.h"
#include "hw/pc/optionrom.h"
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

    /* Under kvm the mask is no wider than the host's address width. */
    static const AccelOps fake_kvm = { .name = "kvm" };
    unsigned a, b, c, d, host = 0;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000008u &&
        __get_cpuid(0x80000008u, &a, &b, &c, &d))
        host = a & 0xff;
    X86CPUModel *wide = NULL;
    CU_ASSERT_EQUAL_FATAL(x86_cpu_model_new(NULL, &wide, &err), 0);
    wide->phys_bits = 52;                       /* wider than any host */
    config_default();
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);
    mach.cpu_model = wide;
    pc_mtrr_firmware_setup(&mach, 64u << 20);   /* tcg: the model's width */
    CU_ASSERT_EQUAL(cpu0.state.msr.mtrr_var[1], ((-(1ull << 31)) & ((1ull << 52) - 1)) | 0x800);
    mach.accel = &fake_kvm;
    pc_mtrr_firmware_setup(&mach, 64u << 20);
    unsigned bits = host && host < 52 ? host : 52;
    CU_ASSERT_EQUAL(cpu0.state.msr.mtrr_var[1], ((-(1ull << 31)) & ((1ull << bits) - 1)) | 0x800);
    mach.accel = NULL;
    mach.cpu_model = NULL;
    machine_free();
    x86_cpu_model_free(wide);

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

/* fw_cfg item `key` through the ports: the first `len` bytes. */
static void fw_cfg_item(uint16_t key, uint8_t *buf, size_t len)
{
    unit_out(&mach, 0x510, 2, key);
    for (size_t k = 0; k < len; k++)
        buf[k] = inb(0x511);
}

static uint32_t fw_cfg_u32(uint16_t key)
{
    uint8_t b[4];
    fw_cfg_item(key, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A new temporary file at path (a mkstemp template) holding data. */
static int temp_file(char *path, const uint8_t *data, size_t len)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, data, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

#define FW_SETUP_SECTS 3
#define FW_KERNEL_LEN 0x3000

/* A bzImage (protocol 2.15) with 3 setup sectors and 12 KiB of "kernel". */
static uint8_t *bzimage(size_t *len)
{
    size_t setup = (FW_SETUP_SECTS + 1) * 512;
    uint8_t *img = calloc(1, setup + FW_KERNEL_LEN);
    img[0x1f1] = FW_SETUP_SECTS;
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x0f;
    img[0x207] = 0x02;
    img[0x211] = 0x01;                          /* LOADED_HIGH */
    memset(img + 0x22c, 0xff, 3);               /* initrd_addr_max 0x7fffffff */
    img[0x22f] = 0x7f;
    img[0x239] = 0x08;                          /* cmdline_size 2048 */
    img[0x262] = 0x40;                          /* init_size 4 MiB */
    for (size_t i = 0; i < setup + FW_KERNEL_LEN; i++)
        if (i < 0x1f1 || i >= 0x270)
            img[i] = (uint8_t)(i * 13 + 1);
    *len = setup + FW_KERNEL_LEN;
    return img;
}

static uint8_t rom_sum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/*
 * -kernel with -bios: nothing is loaded into RAM and the CPU stays at the
 * reset vector; fw_cfg carries the setup code, kernel, command line and
 * initrd with the addresses the loader ROM uses, the ROM itself (signed)
 * and a boot order that puts it first.
 */
static void test_kernel_through_firmware(void)
{
    static uint8_t bios[64 * 1024], initrd[5000], buf[64 * 1024];
    char kpath[] = "/tmp/tandem-pc-bz-XXXXXX", ipath[] = "/tmp/tandem-pc-rd-XXXXXX";
    char bpath[] = "/tmp/tandem-pc-bios-XXXXXX";
    size_t klen;
    uint8_t *img = bzimage(&klen);
    for (size_t i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i ^ 0x5a);
    CU_ASSERT_EQUAL_FATAL(temp_file(kpath, img, klen) | temp_file(ipath, initrd, sizeof(initrd)) |
                          temp_file(bpath, bios, sizeof(bios)), 0);
    Error err = { 0 };
    config_default();
    cfg.kernel = kpath;
    cfg.initrd = ipath;
    cfg.append = "console=ttyS0";
    cfg.bios = bpath;
    machine_new();
    CU_ASSERT_EQUAL_FATAL(pc_machine_init(&mach, &err), 0);

    size_t setup = (FW_SETUP_SECTS + 1) * 512;
    CU_ASSERT_EQUAL(fw_cfg_u32(0x16), 0x10000);                 /* SETUP_ADDR */
    CU_ASSERT_EQUAL(fw_cfg_u32(0x17), setup);                   /* SETUP_SIZE */
    fw_cfg_item(0x18, buf, setup);
    CU_ASSERT_EQUAL(memcmp(buf, img, setup), 0);                /* as in the image */
    CU_ASSERT_EQUAL(fw_cfg_u32(0x07), 0x100000);                /* KERNEL_ADDR */
    CU_ASSERT_EQUAL(fw_cfg_u32(0x08), FW_KERNEL_LEN);
    fw_cfg_item(0x11, buf, FW_KERNEL_LEN);
    CU_ASSERT_EQUAL(memcmp(buf, img + setup, FW_KERNEL_LEN), 0);
    CU_ASSERT_EQUAL(fw_cfg_u32(0x13), 0x20000);                 /* CMDLINE_ADDR */
    CU_ASSERT_EQUAL(fw_cfg_u32(0x14), sizeof("console=ttyS0"));
    fw_cfg_item(0x15, buf, sizeof("console=ttyS0"));
    CU_ASSERT_STRING_EQUAL((char *)buf, "console=ttyS0");
    /* The initrd: page aligned, below the last MiB firmware keeps, above the kernel. */
    uint32_t rd = fw_cfg_u32(0x0a);
    CU_ASSERT_EQUAL(rd & 0xfff, 0);
    CU_ASSERT(rd + sizeof(initrd) <= cfg.ram_size - (1u << 20));
    CU_ASSERT(rd + sizeof(initrd) > cfg.ram_size - (1u << 20) - 0x1000);
    CU_ASSERT(rd >= 0x100000 + (4u << 20));
    CU_ASSERT_EQUAL(fw_cfg_u32(0x0b), sizeof(initrd));
    fw_cfg_item(0x12, buf, sizeof(initrd));
    CU_ASSERT_EQUAL(memcmp(buf, initrd, sizeof(initrd)), 0);

    int n = fw_cfg_file("genroms/linuxboot.bin", buf, sizeof(buf));
    CU_ASSERT_FATAL(n >= 512 && n % 512 == 0);
    CU_ASSERT(buf[0] == 0x55 && buf[1] == 0xaa);
    CU_ASSERT_EQUAL(buf[2] * 512, n);
    CU_ASSERT_EQUAL(rom_sum(buf, (size_t)n), 0);
    size_t pnp = buf[0x1a] | buf[0x1b] << 8;
    CU_ASSERT_EQUAL(memcmp(buf + pnp, "$PnP", 4), 0);
    CU_ASSERT_EQUAL(rom_sum(buf + pnp, buf[pnp + 5] * 16u), 0);
    CU_ASSERT_NOT_EQUAL(buf[pnp + 0x1a] | buf[pnp + 0x1b] << 8, 0);    /* a BEV */
    n = fw_cfg_file("bootorder", buf, sizeof(buf));
    CU_ASSERT_EQUAL(n, (int)strlen("/rom@genroms/linuxboot.bin\n"));
    CU_ASSERT_EQUAL(memcmp(buf, "/rom@genroms/linuxboot.bin\n", (size_t)n), 0);

    /* The firmware runs: RAM at 1 MiB is untouched, the CPU not at the kernel. */
    CU_ASSERT_EQUAL(mr_ram_ptr(&mach.ram)[0x100000 + 1], 0);
    CU_ASSERT_NOT_EQUAL(cpu0.state.rip, 0x100000);
    CU_ASSERT_EQUAL(cpu0.state.msr.mtrr_def_type, 0);         /* SeaBIOS's job */
    machine_free();

    /* A multiboot kernel does not go through firmware: one line, not a hang. */
    config_default();
    cfg.bios = bpath;
    machine_new();
    CU_ASSERT_EQUAL(pc_machine_init(&mach, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "only a Linux bzImage"));
    machine_free();
    unlink(kpath);
    unlink(ipath);
    unlink(bpath);
    free(img);
}

/* Signing an option ROM: whole blocks, size byte, PnP and image checksums. */
static void test_optionrom_finish(void)
{
    static uint8_t code[70 * 1024];
    uint8_t *rom = NULL;
    size_t len = 0;
    Error err = { 0 };
    memset(code, 0x11, 512);
    code[0] = 0x55;
    code[1] = 0xaa;
    code[0x1a] = 0x40;                          /* PnP header at 0x40 */
    code[0x1b] = 0;
    memcpy(code + 0x40, "$PnP", 4);
    code[0x45] = 2;
    /* 512 bytes of code leave no room for the checksum byte: two blocks. */
    CU_ASSERT_EQUAL_FATAL(pc_optionrom_finish(code, 512, &rom, &len, &err), 0);
    CU_ASSERT_EQUAL(len, 1024);
    CU_ASSERT_EQUAL(rom[2], 2);
    CU_ASSERT_EQUAL(rom_sum(rom, len), 0);
    CU_ASSERT_EQUAL(rom_sum(rom + 0x40, 32), 0);
    CU_ASSERT_EQUAL(rom[0x100], 0x11);          /* the code itself unchanged */
    free(rom);
    CU_ASSERT_EQUAL(pc_optionrom_finish(code + 1, 100, &rom, &len, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "signature"));
    err.set = false;
    CU_ASSERT_EQUAL(pc_optionrom_finish(code, sizeof(code), &rom, &len, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "64 KiB"));
    /* The embedded loader ROM signs. */
    err.set = false;
    CU_ASSERT_EQUAL_FATAL(pc_optionrom_finish(pc_optionrom_linuxboot, pc_optionrom_linuxboot_len,
                                              &rom, &len, &err), 0);
    CU_ASSERT_EQUAL(rom_sum(rom, len), 0);
    free(rom);
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
    { "-kernel through firmware: fw_cfg items, ROM, boot order", test_kernel_through_firmware },
    { "option ROM signing", test_optionrom_finish },
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

/* SPDX-License-Identifier: MIT */
/*
 * The Linux boot protocol loader, on bzImage headers built here: where the
 * kernel, boot_params, command line and initrd land, what boot_params says,
 * the entry state, and the errors for images that must be refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "hw/pc/linux-boot.h"
#include "softmmu/vcpu.h"

#define RAM_SIZE (64u << 20)

static Machine machine;
static MemoryRegion ram;
static Vcpu cpu0;
static E820Table e820;

static int setup(void)
{
    mr_init_container(&machine.sysmem, "system", UINT64_MAX);
    as_init(&machine.as_mem, &machine.sysmem, "memory");
    if (mr_init_ram(&ram, "ram", RAM_SIZE, NULL) < 0)
        return -1;
    mr_add_subregion(&machine.sysmem, 0, &ram);
    machine.nr_cpus = 1;
    machine.cpus[0] = &cpu0;
    cpu0.machine = &machine;
    e820_build_pc(&e820, RAM_SIZE, 0);
    return 0;
}

static uint8_t *make_image(size_t kernel_len, uint16_t version, size_t *len)
{
    size_t setup = 2 * 512;             /* setup_sects = 1 */
    uint8_t *img = calloc(1, setup + kernel_len);
    img[0x1f1] = 1;
    img[0x1fe] = 0x55; img[0x1ff] = 0xaa;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = version & 0xff; img[0x207] = version >> 8;
    img[0x211] = 0x01;                  /* LOADED_HIGH */
    img[0x214 + 2] = 0x10;              /* code32_start 0x100000 */
    img[0x22c] = 0xff; img[0x22d] = 0xff; img[0x22e] = 0xff; img[0x22f] = 0x7f;
    img[0x238] = 0xff; img[0x239] = 0x07;   /* cmdline_size 2047 */
    img[0x262] = 0x20;                  /* init_size 2 MiB */
    for (size_t i = 0; i < kernel_len; i++)
        img[setup + i] = (uint8_t)(i * 7 + 3);
    *len = setup + kernel_len;
    return img;
}

static uint32_t guest32(uint64_t addr)
{
    uint8_t *p = mr_ram_ptr(&ram) + addr;
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static char initrd_path[64];

static void test_good_image(void)
{
    size_t len;
    uint8_t *img = make_image(5000, 0x020f, &len);
    strcpy(initrd_path, "/tmp/tandem-initrd-XXXXXX");
    int fd = mkstemp(initrd_path);
    CU_ASSERT_FATAL(fd >= 0);
    char blob[10000];
    memset(blob, 0x5a, sizeof(blob));
    CU_ASSERT_FATAL(write(fd, blob, sizeof(blob)) == (ssize_t)sizeof(blob));
    close(fd);

    LinuxBootConfig cfg = { img, len, initrd_path, "console=ttyS0 quiet", &e820, RAM_SIZE, 0 };
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(linux_boot_load(&machine, &cfg, &err), 0);

    uint8_t *g = mr_ram_ptr(&ram);
    CU_ASSERT_EQUAL(memcmp(g + LINUX_BOOT_KERNEL, img + 1024, 5000), 0);
    uint8_t *bp = g + LINUX_BOOT_PARAMS;
    CU_ASSERT_EQUAL(bp[0x210], 0xff);                    /* type_of_loader */
    CU_ASSERT_EQUAL(bp[0x211] & 0x81, 0x81);             /* LOADED_HIGH | CAN_USE_HEAP */
    CU_ASSERT_EQUAL(guest32(LINUX_BOOT_PARAMS + 0x202), 0x53726448);
    CU_ASSERT_EQUAL(guest32(LINUX_BOOT_PARAMS + 0x228), LINUX_BOOT_CMDLINE);
    CU_ASSERT_STRING_EQUAL((char *)g + LINUX_BOOT_CMDLINE, "console=ttyS0 quiet");
    CU_ASSERT_EQUAL(bp[0x1e8], e820.nr);
    CU_ASSERT_EQUAL(guest32(LINUX_BOOT_PARAMS + 0x2d0 + 20 * 3 + 8), RAM_SIZE - 0x100000);
    uint32_t rd = guest32(LINUX_BOOT_PARAMS + 0x218), rd_size = guest32(LINUX_BOOT_PARAMS + 0x21c);
    CU_ASSERT_EQUAL(rd_size, sizeof(blob));
    CU_ASSERT_EQUAL(rd & 0xfff, 0);
    CU_ASSERT(rd + rd_size <= RAM_SIZE);
    CU_ASSERT(rd >= LINUX_BOOT_KERNEL + (2u << 20));
    CU_ASSERT_EQUAL(g[rd], 0x5a);
    CU_ASSERT_EQUAL(g[rd + rd_size - 1], 0x5a);

    X86CPUState *s = &cpu0.state;
    CU_ASSERT_EQUAL(s->rip, LINUX_BOOT_KERNEL);
    CU_ASSERT_EQUAL(s->regs[R_ESI], LINUX_BOOT_PARAMS);
    CU_ASSERT_EQUAL(s->segs[SEG_CS].selector, 0x10);
    CU_ASSERT_EQUAL(s->segs[SEG_DS].selector, 0x18);
    CU_ASSERT_EQUAL(s->rflags & FLAG_IF, 0);
    CU_ASSERT(s->cr0 & CR0_PE);
    CU_ASSERT_EQUAL(s->gdt.base, LINUX_BOOT_GDT);
    /* the GDT really holds a flat code descriptor at 0x10 */
    CU_ASSERT_EQUAL(guest32(LINUX_BOOT_GDT + 0x10 + 4), 0x00cf9b00);
    unlink(initrd_path);
    free(img);
}

static void expect_error(const uint8_t *img, size_t len, const char *initrd,
                         const char *cmdline, uint64_t ram, const char *word)
{
    LinuxBootConfig cfg = { img, len, initrd, cmdline, &e820, ram, 0 };
    Error err = { 0 };
    CU_ASSERT_EQUAL(linux_boot_load(&machine, &cfg, &err), -1);
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, word));
    if (!strstr(err.msg, word))
        printf("\n  message was: %s (wanted '%s')\n", err.msg, word);
}

static void test_bad_images(void)
{
    size_t len;
    uint8_t *img = make_image(4096, 0x020f, &len);
    uint8_t junk[4096] = { 0 };
    expect_error(junk, sizeof(junk), NULL, NULL, RAM_SIZE, "not a Linux bzImage");
    expect_error(img, 0x200, NULL, NULL, RAM_SIZE, "not a Linux bzImage");   /* header cut */
    expect_error(img, 1024, NULL, NULL, RAM_SIZE, "truncated");
    expect_error(img, len, NULL, NULL, 2u << 20, "larger -m");
    char longline[3000];
    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    expect_error(img, len, NULL, longline, RAM_SIZE, "at most 2047");
    expect_error(img, len, "/nonexistent/initrd", NULL, RAM_SIZE, "/nonexistent/initrd");
    free(img);
    img = make_image(4096, 0x0205, &len);
    expect_error(img, len, NULL, NULL, RAM_SIZE, "too old");
    img[0x206] = 0x0f; img[0x207] = 0x02;
    img[0x211] = 0;                     /* zImage: loaded low */
    expect_error(img, len, NULL, NULL, RAM_SIZE, "zImage");
    free(img);
}

/* A sparse initrd of size bytes at path (a mkstemp template); 0 on success. */
static int sparse_file(char *path, off_t size)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    int rc = ftruncate(fd, size);
    close(fd);
    return rc;
}

static void test_initrd_too_big(void)
{
    size_t len;
    uint8_t *img = make_image(4096, 0x020f, &len);
    char path[] = "/tmp/tandem-bigrd-XXXXXX";
    CU_ASSERT_EQUAL_FATAL(sparse_file(path, 62 << 20), 0);  /* 62 MiB in 64 MiB of RAM */
    expect_error(img, len, path, NULL, RAM_SIZE, "does not fit");
    unlink(path);
    free(img);
}

/*
 * Through firmware: the initrd keeps out of the top MiB the firmware
 * reserves (an initrd that fits directly may not fit then), and setup code
 * too large for its place below the command line is refused.
 */
static void test_fw_cfg_limits(void)
{
    size_t len;
    uint8_t *img = make_image(4096, 0x020f, &len);
    char path[] = "/tmp/tandem-fwrd-XXXXXX";
    /* 64 MiB of RAM, the kernel unpacked up to 3 MiB: 60.5 MiB fits only directly. */
    CU_ASSERT_EQUAL_FATAL(sparse_file(path, (60 << 20) + (1 << 19)), 0);
    static FwCfg *fc;               /* no machine to free it: kept to the end */
    if (!fc)
        fc = fw_cfg_create(NULL, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fc);
    LinuxBootConfig cfg = { img, len, path, NULL, &e820, RAM_SIZE, 1u << 20 };
    Error err = { 0 };
    CU_ASSERT_EQUAL(linux_boot_fw_cfg(fc, &cfg, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does not fit"));
    cfg.ram_reserved_top = 0;
    err.set = false;
    CU_ASSERT_EQUAL(linux_boot_fw_cfg(fc, &cfg, &err), 0);
    unlink(path);
    free(img);

    /* 127 setup sectors: 64 KiB, more than fits below the command line. */
    img = make_image(0x10000 + 4096, 0x020f, &len);
    img[0x1f1] = 127;
    LinuxBootConfig big = { img, len, NULL, NULL, &e820, RAM_SIZE, 1u << 20 };
    err.set = false;
    CU_ASSERT_EQUAL(linux_boot_fw_cfg(fc, &big, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "too large"));
    free(img);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "good image: layout, boot_params, entry state", test_good_image },
        { "bad images refused with one line", test_bad_images },
        { "initrd larger than RAM", test_initrd_too_big },
        { "through firmware: reserved top, setup size", test_fw_cfg_limits },
        { NULL, NULL },
    };
    unit_add_suite("linux-boot", setup, NULL, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * The IDE controller through its real ports: a Machine with 1 MiB of RAM,
 * a PCI bus with the PIIX3 IDE function (BAR4 programmed by the test as
 * firmware would), and drives from -drive texts: a sparse 200 GiB raw disk
 * (primary master, for LBA48), a 1 MiB disk (primary slave), a 64-sector
 * ISO (secondary master) and an empty CD-ROM drive (secondary slave).
 * Bottom halves run with main_loop_wait(0), so each test sees BSY first.
 *
 * hw/core/device.c is linked for devopts and device_attach; this file
 * defines device_types[] (empty) so the other device models stay out.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/ide/ide.h"
#include "hw/pci/pci.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"

const DeviceType *const device_types[] = { NULL };

#define RAM_SIZE (1u << 20)
#define BM_BASE 0xc000
#define BIG_SECTORS (200ull << 21)      /* 200 GiB */
#define CD_SECTORS 64

static char tmpdir[64], big_path[128], small_path[128], iso_path[128];
static Machine m;
static MemoryRegion pci_mem, pci_io;
static PCIBus pci_bus;
static IdeController *ide;
static IrqLine irq14, irq15;
static int irq_level[16], irq_raises[16];

static void irq_handler(void *opaque, int n, int level)
{
    if (level && !irq_level[n])
        irq_raises[n]++;
    irq_level[n] = level;
}

static uint8_t pattern(uint64_t lba, unsigned i)
{
    return (uint8_t)(lba * 13 + i * 7 + (lba >> 24));
}

static void make_file(const char *path, uint64_t size, unsigned sector, uint64_t nfill)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(ftruncate(fd, (off_t)size) == 0);
    uint8_t buf[2048];
    for (uint64_t s = 0; s < nfill; s++) {
        for (unsigned i = 0; i < sector; i++)
            buf[i] = pattern(s, i);
        CU_ASSERT_FATAL(pwrite(fd, buf, sector, (off_t)(s * sector)) == (ssize_t)sector);
    }
    close(fd);
}

static int suite_init(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tandem-ide-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(big_path, sizeof(big_path), "%s/big.img", tmpdir);
    snprintf(small_path, sizeof(small_path), "%s/small.img", tmpdir);
    snprintf(iso_path, sizeof(iso_path), "%s/cd.iso", tmpdir);
    return main_loop_init();
}

static int suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    main_loop_cleanup();
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh machine, controller and images for each test. */
static void setup(void)
{
    Error err = { 0 };
    make_file(big_path, BIG_SECTORS * 512, 512, 64);
    make_file(small_path, 1 << 20, 512, 2048);
    make_file(iso_path, CD_SECTORS * 2048, 2048, CD_SECTORS);

    unit_machine_init(&m);
    memset(irq_level, 0, sizeof(irq_level));
    memset(irq_raises, 0, sizeof(irq_raises));
    CU_ASSERT_FATAL(unit_machine_add_ram(&m, &m.ram, RAM_SIZE, &err) == 0);
    mr_init_container(&pci_mem, "pci-mem", 1ull << 32);
    mr_init_container(&pci_io, "pci-io", 0x10000);
    mr_add_subregion_overlap(&m.sysmem, 0, &pci_mem, -1);
    mr_add_subregion_overlap(&m.iomem, 0, &pci_io, -1);
    pci_bus_init(&pci_bus, &pci_mem, &pci_io, &m.iomem);
    irq_line_init(&irq14, irq_handler, NULL, 14);
    irq_line_init(&irq15, irq_handler, NULL, 15);

    ide = ide_pc_init(&m, &pci_bus, &irq14, &irq15, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ide);
    char text[256];
    snprintf(text, sizeof(text), "file=%s,format=raw,if=ide,index=0", big_path);
    if (ide_pc_add_drive(ide, text, &err) < 0)
        fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_FATAL(!err.set);
    snprintf(text, sizeof(text), "file=%s,format=raw", small_path);   /* first free: 1 */
    if (ide_pc_add_drive(ide, text, &err) < 0)
        fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_FATAL(!err.set);
    CU_ASSERT_FATAL(ide_pc_add_legacy_drive(ide, "cdrom", iso_path, &err) == 0);
    CU_ASSERT_FATAL(ide_pc_add_drive(ide, "media=cdrom,index=3", &err) == 0);
    devices_reset(&m);

    /* What firmware does: BAR4, I/O and bus-master enable. */
    pci_config_write(&ide->pci, 0x20, BM_BASE | 1, 4);
    pci_config_write(&ide->pci, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
}

static void teardown(void)
{
    devices_destroy(&m);
    ide = NULL;
    pci_bus_cleanup(&pci_bus, &m.iomem);
    mr_destroy(&pci_mem);
    mr_destroy(&pci_io);
    unit_machine_destroy(&m);
}

/* ---- port helpers ---------------------------------------------------- */

static uint32_t in(uint16_t port, unsigned size) { return unit_in(&m, port, size); }
static void out(uint16_t port, unsigned size, uint32_t v) { unit_out(&m, port, size, v); }
static uint8_t inb(uint16_t port) { return (uint8_t)in(port, 1); }
static void outb(uint16_t port, uint8_t v) { out(port, 1, v); }

static void run_bh(void)
{
    for (int i = 0; i < 4; i++)
        main_loop_wait(0);
}

static uint16_t base_of(int ch) { return ch ? 0x170 : 0x1f0; }

static void ata_select(int ch, int unit, uint8_t extra)
{
    outb(base_of(ch) + 6, (uint8_t)(0xa0 | unit << 4 | extra));
}

/* LBA28 command: address and count in the task file, then the command. */
static void ata_cmd28(int ch, int unit, uint32_t lba, uint8_t count, uint8_t cmd)
{
    uint16_t b = base_of(ch);
    ata_select(ch, unit, (uint8_t)(0x40 | ((lba >> 24) & 0xf)));
    outb(b + 2, count);
    outb(b + 3, (uint8_t)lba);
    outb(b + 4, (uint8_t)(lba >> 8));
    outb(b + 5, (uint8_t)(lba >> 16));
    outb(b + 7, cmd);
}

static void ata_cmd48(int ch, int unit, uint64_t lba, uint16_t count, uint8_t cmd)
{
    uint16_t b = base_of(ch);
    ata_select(ch, unit, 0x40);
    outb(b + 2, (uint8_t)(count >> 8));
    outb(b + 3, (uint8_t)(lba >> 24));
    outb(b + 4, (uint8_t)(lba >> 32));
    outb(b + 5, (uint8_t)(lba >> 40));
    outb(b + 2, (uint8_t)count);
    outb(b + 3, (uint8_t)lba);
    outb(b + 4, (uint8_t)(lba >> 8));
    outb(b + 5, (uint8_t)(lba >> 16));
    outb(b + 7, cmd);
}

static void pio_read(int ch, uint8_t *buf, unsigned len)
{
    for (unsigned i = 0; i < len; i += 2) {
        uint16_t w = (uint16_t)in(base_of(ch), 2);
        buf[i] = (uint8_t)w;
        buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static void pio_write(int ch, const uint8_t *buf, unsigned len)
{
    for (unsigned i = 0; i < len; i += 4)
        out(base_of(ch), 4, buf[i] | buf[i + 1] << 8 | buf[i + 2] << 16 |
                            (uint32_t)buf[i + 3] << 24);
}

static bool sector_is(const uint8_t *buf, uint64_t lba)
{
    for (unsigned i = 0; i < 512; i++)
        if (buf[i] != pattern(lba, i))
            return false;
    return true;
}

/* ---- ATA ------------------------------------------------------------- */

static void read_identify(int ch, int unit, uint8_t cmd, uint16_t *w)
{
    ata_select(ch, unit, 0);
    outb(base_of(ch) + 7, cmd);
    CU_ASSERT_EQUAL(inb(base_of(ch) + 7) & (0x80 | 0x08), 0x08);
    pio_read(ch, (uint8_t *)w, 512);
}

static bool ata_string_is(const uint16_t *w, const char *s, unsigned nwords)
{
    char got[81];
    for (unsigned i = 0; i < nwords; i++) {
        got[2 * i] = (char)(w[i] >> 8);
        got[2 * i + 1] = (char)w[i];
    }
    got[2 * nwords] = '\0';
    size_t n = strlen(s);
    return !strncmp(got, s, n) && got[n] == ' ';
}

static void test_identify(void)
{
    uint16_t w[256];
    read_identify(0, 0, 0xec, w);
    CU_ASSERT_EQUAL(irq_raises[14], 1);
    CU_ASSERT_EQUAL(w[0], 0x0040);
    CU_ASSERT_TRUE(ata_string_is(&w[27], "TANDEM HARDDISK", 20));
    CU_ASSERT_TRUE(ata_string_is(&w[10], "TD00000001", 10));
    CU_ASSERT_TRUE(w[49] & (1 << 9));               /* LBA */
    CU_ASSERT_TRUE(w[49] & (1 << 8));               /* DMA */
    CU_ASSERT_EQUAL(w[60] | (uint32_t)w[61] << 16, 0x0fffffff);
    CU_ASSERT_TRUE(w[83] & (1 << 10));              /* 48-bit */
    uint64_t n48 = w[100] | (uint64_t)w[101] << 16 | (uint64_t)w[102] << 32 |
                   (uint64_t)w[103] << 48;
    CU_ASSERT_EQUAL(n48, BIG_SECTORS);
    CU_ASSERT_EQUAL(w[1], 16383);
    CU_ASSERT_EQUAL(w[3], 16);
    CU_ASSERT_EQUAL(w[6], 63);
    uint8_t sum = 0;
    for (int i = 0; i < 256; i++)
        sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
    CU_ASSERT_EQUAL(w[255] & 0xff, 0xa5);
    CU_ASSERT_EQUAL(sum, 0);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);              /* drained: DRDY|DSC */

    read_identify(0, 1, 0xec, w);                   /* the slave */
    CU_ASSERT_EQUAL(w[60] | (uint32_t)w[61] << 16, 2048);
    CU_ASSERT_TRUE(ata_string_is(&w[10], "TD00000002", 10));

    /* The CD-ROM refuses IDENTIFY DEVICE but shows its signature. */
    ata_select(1, 0, 0);
    outb(0x177, 0xec);
    CU_ASSERT_EQUAL(inb(0x177) & 0x01, 0x01);
    CU_ASSERT_EQUAL(inb(0x171) & 0x04, 0x04);
    CU_ASSERT_EQUAL(inb(0x174), 0x14);
    CU_ASSERT_EQUAL(inb(0x175), 0xeb);
    read_identify(1, 0, 0xa1, w);
    CU_ASSERT_EQUAL(w[0] >> 14, 2);                 /* ATAPI */
    CU_ASSERT_EQUAL((w[0] >> 8) & 0x1f, 5);         /* CD-ROM */
    CU_ASSERT_TRUE(ata_string_is(&w[27], "TANDEM DVD-ROM", 20));
    /* A disk refuses IDENTIFY PACKET DEVICE. */
    ata_select(0, 0, 0);
    outb(0x1f7, 0xa1);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
}

static void test_pio_read_lba28(void)
{
    uint8_t buf[512];
    ata_cmd28(0, 0, 10, 3, 0x20);
    CU_ASSERT_TRUE(inb(0x3f6) & 0x80);              /* BSY until the bottom half */
    CU_ASSERT_EQUAL(irq_raises[14], 0);
    for (int s = 0; s < 3; s++) {
        run_bh();
        CU_ASSERT_EQUAL(irq_raises[14], s + 1);
        CU_ASSERT_EQUAL(irq_level[14], 1);
        CU_ASSERT_EQUAL(inb(0x1f7) & 0x89, 0x08);   /* DRQ; reading clears INTRQ */
        CU_ASSERT_EQUAL(irq_level[14], 0);
        pio_read(0, buf, 512);
        CU_ASSERT_TRUE(sector_is(buf, 10 + (uint64_t)s));
    }
    run_bh();
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
    CU_ASSERT_EQUAL(irq_raises[14], 3);             /* none after the last block */
    CU_ASSERT_EQUAL(inb(0x1f3), 12);                /* last sector read */

    /* CHS: cylinder 0, head 1, sector 2 is LBA 64. */
    ata_select(0, 0, 1);
    outb(0x1f2, 1);
    outb(0x1f3, 2);
    outb(0x1f4, 0);
    outb(0x1f5, 0);
    outb(0x1f7, 0x20);
    run_bh();
    pio_read(0, buf, 512);
    uint8_t expect[512];
    memset(expect, 0, sizeof(expect));              /* beyond the filled part */
    CU_ASSERT_EQUAL(memcmp(buf, expect, 512), 0);
    ata_select(0, 0, 0);
    outb(0x1f2, 1);
    outb(0x1f3, 11);                                /* CHS 0/0/11 = LBA 10 */
    outb(0x1f7, 0x20);
    run_bh();
    pio_read(0, buf, 512);
    CU_ASSERT_TRUE(sector_is(buf, 10));
}

static void test_pio_write_lba28(void)
{
    uint8_t w[1024], r[512];
    for (unsigned i = 0; i < sizeof(w); i++)
        w[i] = (uint8_t)(i * 3 + 1);
    ata_cmd28(0, 1, 20, 2, 0x30);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x88, 0x08);       /* DRQ at once, no interrupt */
    CU_ASSERT_EQUAL(irq_raises[14], 0);
    pio_write(0, w, 512);
    CU_ASSERT_TRUE(inb(0x3f6) & 0x80);
    run_bh();
    CU_ASSERT_EQUAL(irq_raises[14], 1);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x88, 0x08);
    pio_write(0, w + 512, 512);
    run_bh();
    CU_ASSERT_EQUAL(irq_raises[14], 2);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);

    int fd = open(small_path, O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    uint8_t file[1024];
    CU_ASSERT_EQUAL(pread(fd, file, 1024, 20 * 512), 1024);
    close(fd);
    CU_ASSERT_EQUAL(memcmp(file, w, 1024), 0);
    ata_cmd28(0, 1, 21, 1, 0x20);
    run_bh();
    pio_read(0, r, 512);
    CU_ASSERT_EQUAL(memcmp(r, w + 512, 512), 0);
    ata_cmd28(0, 1, 22, 1, 0x20);
    run_bh();
    pio_read(0, r, 512);
    CU_ASSERT_TRUE(sector_is(r, 22));
}

static void test_pio_lba48(void)
{
    const uint64_t lba = 0x12345678;                /* needs more than 28 bits */
    uint8_t w[512], r[512];
    for (unsigned i = 0; i < 512; i++)
        w[i] = (uint8_t)(0xa5 ^ i);
    ata_cmd48(0, 0, lba, 1, 0x34);                  /* WRITE SECTORS EXT */
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x08, 0x08);
    pio_write(0, w, 512);
    run_bh();
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);

    int fd = open(big_path, O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(pread(fd, r, 512, (off_t)(lba * 512)), 512);
    close(fd);
    CU_ASSERT_EQUAL(memcmp(r, w, 512), 0);

    memset(r, 0, sizeof(r));
    ata_cmd48(0, 0, lba, 1, 0x24);                  /* READ SECTORS EXT */
    run_bh();
    pio_read(0, r, 512);
    CU_ASSERT_EQUAL(memcmp(r, w, 512), 0);
    /* The task file holds the address; HOB reads its high half. */
    CU_ASSERT_EQUAL(inb(0x1f3), 0x78);
    outb(0x3f6, 0x80);
    CU_ASSERT_EQUAL(inb(0x1f3), 0x12);
    outb(0x3f6, 0x00);
    /* The same low 28 bits through LBA28 are another sector. */
    ata_cmd28(0, 0, (uint32_t)(lba & 0x0fffffff), 1, 0x20);
    run_bh();
    pio_read(0, r, 512);
    CU_ASSERT_NOT_EQUAL(memcmp(r, w, 512), 0);
}

static void test_read_multiple(void)
{
    uint8_t buf[4 * 512];
    ata_select(0, 0, 0);
    outb(0x1f2, 3);                                 /* not a power of two */
    outb(0x1f7, 0xc6);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
    outb(0x1f2, 4);
    outb(0x1f7, 0xc6);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
    irq_raises[14] = 0;
    ata_cmd28(0, 0, 1, 6, 0xc4);
    run_bh();
    CU_ASSERT_EQUAL(irq_raises[14], 1);
    pio_read(0, buf, 4 * 512);
    for (int s = 0; s < 4; s++)
        CU_ASSERT_TRUE(sector_is(buf + s * 512, 1 + (uint64_t)s));
    inb(0x1f7);
    run_bh();
    CU_ASSERT_EQUAL(irq_raises[14], 2);
    pio_read(0, buf, 2 * 512);
    CU_ASSERT_TRUE(sector_is(buf, 5));
    CU_ASSERT_TRUE(sector_is(buf + 512, 6));
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
}

static void test_out_of_range(void)
{
    ata_cmd28(0, 1, 2047, 2, 0x20);                 /* one past the 1 MiB disk */
    run_bh();
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x89, 0x01);
    CU_ASSERT_EQUAL(inb(0x1f1), 0x10);              /* IDNF */
    CU_ASSERT_EQUAL(irq_raises[14], 1);
    ata_cmd28(0, 1, 2047, 1, 0x20);                 /* the last one is fine */
    run_bh();
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x89, 0x08);
    uint8_t buf[512];
    pio_read(0, buf, 512);
    CU_ASSERT_TRUE(sector_is(buf, 2047));
    ata_cmd48(0, 0, BIG_SECTORS, 1, 0x24);
    run_bh();
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
    CU_ASSERT_EQUAL(inb(0x1f1), 0x10);
    ata_cmd48(0, 0, BIG_SECTORS - 1, 0, 0x25);      /* count 0 = 65536 */
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
    /* An unknown command aborts. */
    ata_select(0, 0, 0);
    outb(0x1f7, 0xf0);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
    CU_ASSERT_EQUAL(inb(0x1f1), 0x04);
}

static void test_nien(void)
{
    outb(0x3f6, 0x02);                              /* nIEN */
    ata_cmd28(0, 0, 0, 1, 0x40);                    /* READ VERIFY */
    CU_ASSERT_EQUAL(inb(0x3f6), 0x50);
    CU_ASSERT_EQUAL(irq_level[14], 0);
    outb(0x3f6, 0x00);                              /* the pending one shows */
    CU_ASSERT_EQUAL(irq_level[14], 1);
    CU_ASSERT_EQUAL(inb(0x3f6), 0x50);              /* alternate status keeps it */
    CU_ASSERT_EQUAL(irq_level[14], 1);
    inb(0x1f7);
    CU_ASSERT_EQUAL(irq_level[14], 0);
    /* Selecting the other device moves INTRQ to that device's state. */
    ata_cmd28(0, 0, 0, 1, 0x40);
    CU_ASSERT_EQUAL(irq_level[14], 1);
    ata_select(0, 1, 0);
    CU_ASSERT_EQUAL(irq_level[14], 0);
    ata_select(0, 0, 0);
    CU_ASSERT_EQUAL(irq_level[14], 1);
}

static void test_srst(void)
{
    ata_cmd28(0, 0, 0, 2, 0x20);
    run_bh();
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x08, 0x08);
    outb(0x3f6, 0x04);                              /* SRST */
    CU_ASSERT_TRUE(inb(0x3f6) & 0x80);
    outb(0x3f6, 0x00);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);              /* the transfer is gone */
    CU_ASSERT_EQUAL(inb(0x1f1), 0x01);
    CU_ASSERT_EQUAL(inb(0x1f2), 1);
    CU_ASSERT_EQUAL(inb(0x1f3), 1);
    CU_ASSERT_EQUAL(inb(0x1f4), 0);
    CU_ASSERT_EQUAL(inb(0x1f5), 0);
    CU_ASSERT_EQUAL(inb(0x1f6) & 0x10, 0);          /* device 0 selected */
    CU_ASSERT_EQUAL(in(0x1f0, 2), 0xffff);

    outb(0x376, 0x04);
    outb(0x376, 0x00);
    CU_ASSERT_EQUAL(inb(0x177), 0x00);              /* ATAPI: no DRDY after reset */
    CU_ASSERT_EQUAL(inb(0x174), 0x14);
    CU_ASSERT_EQUAL(inb(0x175), 0xeb);
    ata_select(1, 1, 0);
    CU_ASSERT_EQUAL(inb(0x174), 0x14);              /* the empty drive is there too */

    /* EXECUTE DEVICE DIAGNOSTIC: signatures and one interrupt. */
    irq_raises[14] = 0;
    ata_select(0, 0, 0);
    outb(0x1f7, 0x90);
    CU_ASSERT_EQUAL(irq_raises[14], 1);
    CU_ASSERT_EQUAL(inb(0x1f1), 0x01);
}

/* ---- ATAPI ----------------------------------------------------------- */

static void atapi_send(int unit, const uint8_t *cdb, uint16_t limit, bool dma)
{
    ata_select(1, unit, 0);
    outb(0x171, dma ? 1 : 0);
    outb(0x174, (uint8_t)limit);
    outb(0x175, (uint8_t)(limit >> 8));
    outb(0x177, 0xa0);
    CU_ASSERT_EQUAL(inb(0x177) & 0x88, 0x08);
    CU_ASSERT_EQUAL(inb(0x172) & 3, 1);             /* CoD: send the packet */
    for (int i = 0; i < 12; i += 2)
        out(0x170, 2, cdb[i] | cdb[i + 1] << 8);
    run_bh();
}

/* Collect a PIO reply; returns its length. */
static unsigned atapi_pio_in(uint8_t *buf, unsigned max, unsigned *chunks)
{
    unsigned got = 0;
    *chunks = 0;
    while ((inb(0x177) & 0x88) == 0x08) {
        CU_ASSERT_EQUAL(inb(0x172) & 3, 2);         /* IO: data to the host */
        unsigned n = inb(0x174) | inb(0x175) << 8;
        CU_ASSERT_FATAL(got + n <= max);
        pio_read(1, buf + got, n);
        got += n;
        (*chunks)++;
        run_bh();
    }
    return got;
}

static void test_atapi(void)
{
    static uint8_t buf[3 * 2048];
    unsigned chunks;
    uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
    atapi_send(0, inquiry, 0xfffe, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 36);
    CU_ASSERT_EQUAL(buf[0] & 0x1f, 5);
    CU_ASSERT_EQUAL(buf[1], 0x80);
    CU_ASSERT_EQUAL(memcmp(buf + 16, "TANDEM DVD-ROM", 14), 0);
    CU_ASSERT_EQUAL(inb(0x177), 0x50);
    CU_ASSERT_EQUAL(inb(0x172) & 3, 3);             /* command complete */

    uint8_t cap[12] = { 0x25 };
    atapi_send(0, cap, 0xfffe, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 8);
    CU_ASSERT_EQUAL(buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3], CD_SECTORS - 1);
    CU_ASSERT_EQUAL(buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7], 2048);

    /* READ(10) of 3 sectors with a 2 KiB byte count limit: 3 chunks. */
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 3 };
    irq_raises[15] = 0;
    atapi_send(0, rd, 2048, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 3 * 2048);
    CU_ASSERT_EQUAL(chunks, 3);
    CU_ASSERT_EQUAL(irq_raises[15], 4);             /* 3 chunks + completion */
    bool ok = true;
    for (unsigned s = 0; s < 3; s++)
        for (unsigned i = 0; i < 2048; i++)
            ok &= buf[s * 2048 + i] == pattern(5 + s, i);
    CU_ASSERT_TRUE(ok);

    /* Beyond the medium, then an unknown opcode: CHECK CONDITION and sense. */
    uint8_t bad[12] = { 0x28, 0, 0, 0, 0, CD_SECTORS - 1, 0, 0, 2 };
    atapi_send(0, bad, 0xfffe, false);
    CU_ASSERT_EQUAL(inb(0x177) & 0x01, 0x01);
    CU_ASSERT_EQUAL(inb(0x171) >> 4, 5);            /* ILLEGAL REQUEST */
    uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    atapi_send(0, sense, 0xfffe, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 18);
    CU_ASSERT_EQUAL(buf[2], 5);
    CU_ASSERT_EQUAL(buf[12], 0x21);                 /* LBA out of range */
    uint8_t unk[12] = { 0xee };
    atapi_send(0, unk, 0xfffe, false);
    CU_ASSERT_EQUAL(inb(0x177) & 0x01, 0x01);
    atapi_send(0, sense, 0xfffe, false);
    atapi_pio_in(buf, sizeof(buf), &chunks);
    CU_ASSERT_EQUAL(buf[12], 0x20);

    /* TOC: track 1 at 0, lead-out at the size. */
    uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100 };
    atapi_send(0, toc, 0xfffe, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 20);
    CU_ASSERT_EQUAL(buf[6], 1);
    CU_ASSERT_EQUAL(buf[14], 0xaa);
    CU_ASSERT_EQUAL(buf[19], CD_SECTORS);

    /* Event status reports the new medium once. */
    uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    atapi_send(0, gesn, 0xfffe, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 8);
    CU_ASSERT_EQUAL(buf[4], 2);
    CU_ASSERT_EQUAL(buf[5], 2);
    atapi_send(0, gesn, 0xfffe, false);
    atapi_pio_in(buf, sizeof(buf), &chunks);
    CU_ASSERT_EQUAL(buf[4], 0);

    uint8_t conf[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 255 };
    atapi_send(0, conf, 0xfffe, false);
    CU_ASSERT_TRUE(atapi_pio_in(buf, sizeof(buf), &chunks) > 8);
    CU_ASSERT_EQUAL(buf[6] << 8 | buf[7], 0x0008);  /* CD-ROM profile */

    uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255 };
    atapi_send(0, ms, 0xfffe, false);
    CU_ASSERT_EQUAL(atapi_pio_in(buf, sizeof(buf), &chunks), 8 + 22);
    CU_ASSERT_EQUAL(buf[8], 0x2a);

    /* The empty drive: NOT READY, MEDIUM NOT PRESENT. */
    uint8_t tur[12] = { 0 };
    atapi_send(1, tur, 0xfffe, false);
    CU_ASSERT_EQUAL(inb(0x177) & 0x01, 0x01);
    CU_ASSERT_EQUAL(inb(0x171) >> 4, 2);
    atapi_send(1, sense, 0xfffe, false);
    atapi_pio_in(buf, sizeof(buf), &chunks);
    CU_ASSERT_EQUAL(buf[12], 0x3a);
    atapi_send(0, tur, 0xfffe, false);
    CU_ASSERT_EQUAL(inb(0x177), 0x50);
}

/* ---- bus-master DMA -------------------------------------------------- */

static uint8_t *ram(void) { return mr_ram_ptr(&m.ram); }

static void put_prd(uint32_t at, uint32_t addr, uint32_t len, bool eot)
{
    uint8_t *p = ram() + at;
    p[0] = (uint8_t)addr; p[1] = (uint8_t)(addr >> 8); p[2] = (uint8_t)(addr >> 16); p[3] = (uint8_t)(addr >> 24);
    p[4] = (uint8_t)len; p[5] = (uint8_t)(len >> 8); p[6] = 0; p[7] = eot ? 0x80 : 0;
}

static void bm_start(int ch, uint32_t prd, bool to_mem)
{
    uint16_t b = (uint16_t)(BM_BASE + ch * 8);
    out(b + 4, 4, prd);
    outb(b + 2, 0x06);                              /* clear INTR and ERR */
    outb(b, (uint8_t)(1 | (to_mem ? 8 : 0)));
}

static void test_dma_read(void)
{
    memset(ram(), 0, RAM_SIZE);
    put_prd(0x1000, 0x2000, 1024, false);
    put_prd(0x1008, 0x8000, 512, true);
    ata_cmd28(0, 0, 30, 3, 0xc8);                   /* READ DMA */
    CU_ASSERT_TRUE(inb(0x3f6) & 0x80);
    run_bh();
    CU_ASSERT_TRUE(inb(0x3f6) & 0x80);              /* waits for the bus master */
    bm_start(0, 0x1000, true);
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 1, 1);       /* ACTIVE */
    run_bh();
    CU_ASSERT_EQUAL(irq_level[14], 1);
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 4);       /* INTR, not ACTIVE: exact fit */
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
    CU_ASSERT_TRUE(sector_is(ram() + 0x2000, 30));
    CU_ASSERT_TRUE(sector_is(ram() + 0x2200, 31));
    CU_ASSERT_TRUE(sector_is(ram() + 0x8000, 32));
    CU_ASSERT_EQUAL(ram()[0x2400], 0);
    outb(BM_BASE, 0);

    /* PRDs longer than the transfer: done, but ACTIVE stays. */
    put_prd(0x1000, 0x4000, 0, true);               /* 0 = 64 KiB */
    ata_cmd28(0, 0, 40, 1, 0xc8);
    bm_start(0, 0x1000, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 5);
    CU_ASSERT_TRUE(sector_is(ram() + 0x4000, 40));
    outb(BM_BASE, 0);

    /* 128 sectors into one 64 KiB PRD (count 0). */
    ata_cmd48(0, 0, 0, 128, 0x25);                  /* READ DMA EXT */
    bm_start(0, 0x1000, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 4);
    CU_ASSERT_TRUE(sector_is(ram() + 0x4000 + 63 * 512, 63));
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
}

static void test_dma_write(void)
{
    for (unsigned i = 0; i < 2048; i++)
        ram()[0x3000 + i] = (uint8_t)(i * 5 + 3);
    put_prd(0x1000, 0x3000, 2048, true);
    bm_start(0, 0x1000, false);                     /* started first, this time */
    ata_cmd28(0, 1, 100, 4, 0xca);                  /* WRITE DMA */
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 4);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
    CU_ASSERT_EQUAL(irq_raises[14], 1);
    outb(BM_BASE, 0);
    uint8_t r[512];
    ata_cmd28(0, 1, 103, 1, 0x20);
    run_bh();
    pio_read(0, r, 512);
    CU_ASSERT_EQUAL(memcmp(r, ram() + 0x3000 + 3 * 512, 512), 0);
}

static void test_dma_outside_ram(void)
{
    /* A PRD pointing past RAM: the command fails, nothing else happens. */
    put_prd(0x1000, 0x2000, 512, false);
    put_prd(0x1008, 0xf0000000u, 1024, true);
    ata_cmd28(0, 0, 0, 3, 0xc8);
    bm_start(0, 0x1000, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 6);       /* INTR | ERR, not ACTIVE */
    CU_ASSERT_EQUAL(inb(0x3f6) & 0x81, 0x01);
    CU_ASSERT_EQUAL(inb(0x1f1) & 0x04, 0x04);
    CU_ASSERT_EQUAL(irq_level[14], 1);
    CU_ASSERT_TRUE(sector_is(ram() + 0x2000, 0));   /* the first PRD was done */
    outb(BM_BASE, 0);

    /* Straddling the end of RAM, and a table that is itself outside RAM. */
    put_prd(0x1000, RAM_SIZE - 256, 512, true);
    ata_cmd28(0, 0, 0, 1, 0xca);
    bm_start(0, 0x1000, false);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 2, 2);
    outb(BM_BASE, 0);
    ata_cmd28(0, 0, 0, 1, 0xc8);
    bm_start(0, 0xfffff000u, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 2, 2);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
    outb(BM_BASE, 0);

    /* A PRD table shorter than the transfer. */
    put_prd(0x1000, 0x2000, 512, true);
    ata_cmd28(0, 0, 0, 2, 0xc8);
    bm_start(0, 0x1000, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 6);
    CU_ASSERT_EQUAL(inb(0x1f7) & 0x01, 0x01);
    outb(BM_BASE, 0);

    /* The drive still works afterwards. */
    put_prd(0x1000, 0x2000, 512, true);
    ata_cmd28(0, 0, 7, 1, 0xc8);
    bm_start(0, 0x1000, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 2) & 7, 4);
    CU_ASSERT_TRUE(sector_is(ram() + 0x2000, 7));
}

static void test_atapi_dma(void)
{
    memset(ram(), 0, RAM_SIZE);
    put_prd(0x1000, 0x10000, 4096, true);
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 9, 0, 0, 2 };
    bm_start(1, 0x1000, true);
    atapi_send(0, rd, 0, true);
    run_bh();
    CU_ASSERT_EQUAL(inb(BM_BASE + 8 + 2) & 7, 4);
    CU_ASSERT_EQUAL(irq_level[15], 1);
    CU_ASSERT_EQUAL(inb(0x177), 0x50);
    CU_ASSERT_EQUAL(irq_level[15], 0);
    bool ok = true;
    for (unsigned s = 0; s < 2; s++)
        for (unsigned i = 0; i < 2048; i++)
            ok &= ram()[0x10000 + s * 2048 + i] == pattern(9 + s, i);
    CU_ASSERT_TRUE(ok);
}

/* ---- options, PCI and state ------------------------------------------ */

static void test_drive_options(void)
{
    Error e1 = { 0 }, e2 = { 0 }, e3 = { 0 }, e4 = { 0 }, e5 = { 0 }, e6 = { 0 };
    char text[256];
    snprintf(text, sizeof(text), "file=%s,if=scsi", small_path);
    CU_ASSERT_EQUAL(ide_pc_add_drive(ide, text, &e1), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e1.msg, "scsi"));
    snprintf(text, sizeof(text), "file=%s,cache=none", small_path);
    CU_ASSERT_EQUAL(ide_pc_add_drive(ide, text, &e2), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e2.msg, "cache"));
    CU_ASSERT_EQUAL(ide_pc_add_drive(ide, "file=/nonexistent/disk.img,index=3", &e3), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e3.msg, "index 3"));    /* the empty CD-ROM */
    snprintf(text, sizeof(text), "file=%s,index=0", small_path);
    CU_ASSERT_EQUAL(ide_pc_add_drive(ide, text, &e4), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e4.msg, "in use"));
    CU_ASSERT_EQUAL(ide_pc_add_drive(ide, "media=disk", &e5), -1);
    CU_ASSERT_EQUAL(ide_pc_add_legacy_drive(ide, "hde", small_path, &e6), -1);

    DeviceOpts d;
    IdeDriveOpts o;
    Error e7 = { 0 };
    CU_ASSERT_EQUAL(ide_drive_parse("file=a,,b.img,format=qcow2,media=cdrom,index=2,"
                                    "readonly=on", &d, &o, &e7), 0);
    CU_ASSERT_STRING_EQUAL(o.file, "a,b.img");
    CU_ASSERT_STRING_EQUAL(o.format, "qcow2");
    CU_ASSERT_EQUAL(o.media, IDE_KIND_CDROM);
    CU_ASSERT_EQUAL(o.index, 2);
    CU_ASSERT_TRUE(o.readonly);
    devopts_free(&d);
}

static void test_pci_function(void)
{
    CU_ASSERT_EQUAL(pci_config_read(&ide->pci, 0, 4), 0x70108086);
    CU_ASSERT_EQUAL(pci_config_read(&ide->pci, 8, 4) >> 8, 0x010180);
    CU_ASSERT_EQUAL(pci_bar_address(&ide->pci, 4), BM_BASE);
    CU_ASSERT_EQUAL(pci_config_read(&ide->pci, 0x40, 2), 0x8000);
    /* Turning off the primary channel's decode hides its ports. */
    pci_config_write(&ide->pci, 0x40, 0, 2);
    CU_ASSERT_EQUAL(inb(0x1f7), 0xff);
    pci_config_write(&ide->pci, 0x40, 0x8000, 2);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
    out(BM_BASE + 4, 4, 0x12345677);
    CU_ASSERT_EQUAL(in(BM_BASE + 4, 4), 0x12345674);
}

static void test_state_round_trip(void)
{
    /* Save in the middle of a PIO read, scramble, load, finish reading. */
    uint8_t buf[512];
    ata_cmd28(0, 0, 3, 2, 0x20);
    run_bh();
    pio_read(0, buf, 100);
    ByteStream bs;
    bs_init(&bs);
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, ide->pci.dev.state, ide, &err), 0);
    devices_reset(&m);
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
    bs.pos = 0;
    CU_ASSERT_EQUAL_FATAL(state_load(&bs, ide->pci.dev.state, ide, &err), 0);
    bs_free(&bs);
    pio_read(0, buf + 100, 412);
    CU_ASSERT_TRUE(sector_is(buf, 3));
    run_bh();
    pio_read(0, buf, 512);
    CU_ASSERT_TRUE(sector_is(buf, 4));
    CU_ASSERT_EQUAL(inb(0x1f7), 0x50);
}

#define T(name, fn) { name, fn }
static void run_test(void (*fn)(void))
{
    setup();
    fn();
    teardown();
}
#define WRAP(fn) static void w_##fn(void) { run_test(fn); }
WRAP(test_identify)
WRAP(test_pio_read_lba28)
WRAP(test_pio_write_lba28)
WRAP(test_pio_lba48)
WRAP(test_read_multiple)
WRAP(test_out_of_range)
WRAP(test_nien)
WRAP(test_srst)
WRAP(test_atapi)
WRAP(test_dma_read)
WRAP(test_dma_write)
WRAP(test_dma_outside_ram)
WRAP(test_atapi_dma)
WRAP(test_drive_options)
WRAP(test_pci_function)
WRAP(test_state_round_trip)

static const UnitTest ide_tests[] = {
    T("IDENTIFY and IDENTIFY PACKET", w_test_identify),
    T("PIO read LBA28 and CHS", w_test_pio_read_lba28),
    T("PIO write LBA28", w_test_pio_write_lba28),
    T("PIO LBA48", w_test_pio_lba48),
    T("READ MULTIPLE", w_test_read_multiple),
    T("out-of-range LBA", w_test_out_of_range),
    T("interrupts and nIEN", w_test_nien),
    T("SRST and diagnostics", w_test_srst),
    T("ATAPI PIO commands", w_test_atapi),
    T("bus-master DMA read", w_test_dma_read),
    T("bus-master DMA write", w_test_dma_write),
    T("DMA outside RAM", w_test_dma_outside_ram),
    T("ATAPI DMA", w_test_atapi_dma),
    T("-drive options", w_test_drive_options),
    T("PIIX3 PCI function", w_test_pci_function),
    T("state round trip", w_test_state_round_trip),
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("ide", suite_init, suite_clean, ide_tests);
}

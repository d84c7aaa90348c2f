/* SPDX-License-Identifier: MIT */
/*
 * pci-testdev (1b36:0005) found by a scan of bus 0 through configuration
 * mechanism #1, then driven as kvm-unit-tests' pci-testdev test drives it:
 * for each BAR (0: memory, 1: I/O) select tests 0, 1, 2... until the
 * device selects nothing; for each, read the header (count 0 at first,
 * width, data, offset), write the data 16 times at the offset, read the
 * count and print the test's name.
 *
 * The count must be 16, except that QEMU, whose tests 1 and 2 of each BAR
 * hang an eventfd on the offset, may see 0 there (the eventfd swallowed
 * the writes), as the suite allows. Where no firmware assigned the BARs
 * (tandem's direct boot), the guest places them itself.
 */
#include "guest.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define TESTDEV_ID 0x00051b36u
#define GUEST_MEM_BAR 0xfe000000u   /* below the IOAPIC, above any RAM here */
#define GUEST_IO_BAR  0xc000u

static uint32_t cfg_read(unsigned devfn, unsigned reg)
{
    outl(PCI_ADDR, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return inl(PCI_DATA);
}

static void cfg_write(unsigned devfn, unsigned reg, uint32_t v)
{
    outl(PCI_ADDR, 0x80000000u | devfn << 8 | (reg & 0xfc));
    outl(PCI_DATA, v);
}

static int find_testdev(void)
{
    for (unsigned slot = 0; slot < 32; slot++) {
        unsigned nfn = 1;
        for (unsigned fn = 0; fn < nfn; fn++) {
            unsigned devfn = slot << 3 | fn;
            uint32_t id = cfg_read(devfn, 0);
            if (id == 0xffffffffu)
                continue;
            if (fn == 0 && (cfg_read(devfn, 0x0c) >> 16) & 0x80)
                nfn = 8;        /* multi-function */
            if (id == TESTDEV_ID)
                return (int)devfn;
        }
    }
    return -1;
}

typedef struct Bar {
    int io;
    uint32_t base;
} Bar;

static uint8_t rdb(const Bar *b, uint32_t off)
{
    return b->io ? inb((uint16_t)(b->base + off)) : *(volatile uint8_t *)(b->base + off);
}

static uint32_t rdl(const Bar *b, uint32_t off)
{
    return b->io ? inl((uint16_t)(b->base + off)) : *(volatile uint32_t *)(b->base + off);
}

static void wrb(const Bar *b, uint32_t off, uint8_t v)
{
    if (b->io)
        outb((uint16_t)(b->base + off), v);
    else
        *(volatile uint8_t *)(b->base + off) = v;
}

/* One test as the suite runs it; 0 when the device selected nothing. */
static int run_test(const Bar *b, unsigned nr)
{
    char name[40];
    unsigned n;

    wrb(b, 0, (uint8_t)nr);
    if (rdl(b, 12) != 0)
        return 0;
    uint8_t width = rdb(b, 1);
    if (width != 1)
        return 0;
    uint8_t data = (uint8_t)rdl(b, 8);
    uint32_t off = rdl(b, 4);
    for (int i = 0; i < 16; i++)
        wrb(b, off, data);
    uint32_t count = rdl(b, 12);
    for (n = 0; n + 1 < sizeof(name); n++) {
        name[n] = (char)rdb(b, 16 + n);
        if (!name[n])
            break;
    }
    name[n] = '\0';
    printf("pci-testdev %s: %s count %u\n", b->io ? "io" : "mem", name, count);
    GUEST_ASSERT(count == 16 || (count == 0 && nr != 0));
    return 1;
}

int guest_main(void)
{
    int devfn = find_testdev();
    uint32_t bar0, bar1;

    GUEST_ASSERT(devfn >= 0);
    printf("pci-testdev: found at 00:%02x.%x\n", (unsigned)devfn >> 3, (unsigned)devfn & 7);
    /* Class 00.ff.00, revision 0, as QEMU has it. */
    GUEST_ASSERT(cfg_read((unsigned)devfn, 0x08) == 0x00ff0000u);

    bar0 = cfg_read((unsigned)devfn, 0x10);
    bar1 = cfg_read((unsigned)devfn, 0x14);
    GUEST_ASSERT((bar0 & 1) == 0 && (bar1 & 1) == 1);
    if ((bar0 & ~0xfu) == 0 || (bar1 & ~0x3u) == 0) {
        cfg_write((unsigned)devfn, 0x10, GUEST_MEM_BAR);
        cfg_write((unsigned)devfn, 0x14, GUEST_IO_BAR);
        puts("pci-testdev: BARs assigned by the guest");
    }
    cfg_write((unsigned)devfn, 0x04, cfg_read((unsigned)devfn, 0x04) | 0x3);
    Bar mem = { 0, cfg_read((unsigned)devfn, 0x10) & ~0xfu };
    Bar io = { 1, cfg_read((unsigned)devfn, 0x14) & ~0x3u };

    unsigned total = 0, nr;
    for (nr = 0; run_test(&mem, nr); nr++)
        ;
    GUEST_ASSERT(nr == 3);
    total += nr;
    for (nr = 0; run_test(&io, nr); nr++)
        ;
    GUEST_ASSERT(nr == 3);
    total += nr;
    printf("pci-testdev: %u tests passed\n", total);
    return 0;
}

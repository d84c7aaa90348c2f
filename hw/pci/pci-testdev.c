/* SPDX-License-Identifier: MIT */
/*
 * pci-testdev (1b36:0005, class 00.ff.00, no interrupt pin): QEMU's PCI test
 * device, which kvm-unit-tests' pci-testdev test drives to check that port
 * and MMIO writes to a BAR reach the device model (and, under KVM, that
 * ioeventfds catch them). Two BARs:
 *
 *   BAR0  4 KiB memory   tests 0..2, "mmio-no-eventfd", "mmio-wildcard-eventfd",
 *                        "mmio-datamatch-eventfd"
 *   BAR1  256 bytes I/O  tests 3..5, the same three with "portio-"
 *
 * Each BAR shows, from offset 0, the header of the selected test:
 *
 *   0  u8  test number (0..5)        8   u8  data to write (0xfa, or 0xce
 *   1  u8  access width (1)                  for wildcard tests)
 *   4  u32 offset to write to        12  u32 count of writes seen
 *                                    16  NUL-terminated test name
 *
 * Writing k (0..2) to offset 0 of a BAR selects test 3 * bar + k and zeroes
 * its count; any other value selects nothing. A write that hits the
 * selected test's offset counts, provided for data-matching tests that it
 * carries the data byte. Offsets are a BAR's size/2 + test number (2048..2050
 * in BAR0, 131..133 in BAR1), so they never collide with the header.
 *
 * Everything is byte-wide, as in QEMU: the memory API splits wider guest
 * accesses into bytes, so a dword write to a test offset counts once (its
 * low byte hits the offset) and a dword read of the count assembles four
 * byte reads. The selection is one per device, shared by both BARs (a
 * write through either BAR to the selected offset counts), and reads with
 * nothing selected, or past the name's last character, return 0.
 *
 * tandem has no ioeventfds, so every test counts every write; the suite
 * accepts that (a count of 0 is its eventfd case, 16 the plain one).
 */
#include <stdlib.h>
#include <string.h>

#include "hw/pci/pci-testdev.h"
#include "softmmu/machine.h"

#define PCI_TESTDEV_VENDOR_ID   0x1b36      /* Red Hat, Inc. */
#define PCI_TESTDEV_DEVICE_ID   0x0005
/* QEMU's PCI_CLASS_OTHERS (0xff) lands in the class word: base 00, sub ff. */
#define PCI_TESTDEV_CLASS       0x00ff00
#define PCI_TESTDEV_MEM_SIZE    4096u
#define PCI_TESTDEV_IO_SIZE     256u
#define PCI_TESTDEV_TESTS_PER_BAR 3
#define PCI_TESTDEV_NR_TESTS    (2 * PCI_TESTDEV_TESTS_PER_BAR)
#define PCI_TESTDEV_DATA_MATCH  0xfa
#define PCI_TESTDEV_DATA_ANY    0xce
#define PCI_TESTDEV_HDR_NAME    16

enum { PCI_TESTDEV_BAR_MEM = 0, PCI_TESTDEV_BAR_IO = 1 };

static const char *const pci_testdev_names[PCI_TESTDEV_NR_TESTS] = {
    "mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
    "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

typedef struct PciTestdevState {
    PCIDevice pci;                  /* first: the PCI core's header */
    MemoryRegion mmio, portio;
    int32_t current;                /* selected test, -1 for none */
    uint32_t count[PCI_TESTDEV_NR_TESTS];
} PciTestdevState;

/* The wildcard tests count writes of any value. */
static bool pci_testdev_matches_data(unsigned t)
{
    return t % PCI_TESTDEV_TESTS_PER_BAR != 1;
}

static uint32_t pci_testdev_offset(unsigned t)
{
    unsigned bar_size = t < PCI_TESTDEV_TESTS_PER_BAR ? PCI_TESTDEV_MEM_SIZE
                                                      : PCI_TESTDEV_IO_SIZE;
    return bar_size / 2 + t;
}

static uint8_t pci_testdev_data(unsigned t)
{
    return pci_testdev_matches_data(t) ? PCI_TESTDEV_DATA_MATCH : PCI_TESTDEV_DATA_ANY;
}

/* Byte off of test t's header as the guest reads it. */
static uint8_t pci_testdev_header_byte(const PciTestdevState *s, unsigned t, uint64_t off)
{
    const char *name = pci_testdev_names[t];

    switch (off) {
    case 0: return (uint8_t)t;
    case 1: return 1;               /* width: byte accesses */
    case 4: case 5: case 6: case 7:
        return (uint8_t)(pci_testdev_offset(t) >> (8 * (off - 4)));
    case 8: return pci_testdev_data(t);
    case 12: case 13: case 14: case 15:
        return (uint8_t)(s->count[t] >> (8 * (off - 12)));
    default:
        if (off >= PCI_TESTDEV_HDR_NAME && off - PCI_TESTDEV_HDR_NAME < strlen(name))
            return (uint8_t)name[off - PCI_TESTDEV_HDR_NAME];
        return 0;                   /* padding, the name's NUL, beyond */
    }
}

static uint64_t pci_testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    PciTestdevState *s = opaque;

    if (s->current < 0 || s->current >= PCI_TESTDEV_NR_TESTS)
        return 0;
    return pci_testdev_header_byte(s, (unsigned)s->current, addr);
}

static void pci_testdev_write(PciTestdevState *s, unsigned bar, uint64_t addr,
                              uint8_t val)
{
    unsigned t;

    if (addr == 0) {
        s->current = -1;
        if (val >= PCI_TESTDEV_TESTS_PER_BAR)
            return;
        s->current = (int32_t)(bar * PCI_TESTDEV_TESTS_PER_BAR + val);
        s->count[s->current] = 0;
        return;
    }
    if (s->current < 0 || s->current >= PCI_TESTDEV_NR_TESTS)
        return;
    t = (unsigned)s->current;
    if (addr != pci_testdev_offset(t))
        return;
    if (pci_testdev_matches_data(t) && val != pci_testdev_data(t))
        return;
    s->count[t]++;
}

static void pci_testdev_mmio_write(void *opaque, uint64_t addr, uint64_t val,
                                   unsigned size)
{
    pci_testdev_write(opaque, PCI_TESTDEV_BAR_MEM, addr, (uint8_t)val);
}

static void pci_testdev_pio_write(void *opaque, uint64_t addr, uint64_t val,
                                  unsigned size)
{
    pci_testdev_write(opaque, PCI_TESTDEV_BAR_IO, addr, (uint8_t)val);
}

static const MemoryRegionOps pci_testdev_mmio_ops = {
    .read = pci_testdev_read,
    .write = pci_testdev_mmio_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemoryRegionOps pci_testdev_pio_ops = {
    .read = pci_testdev_read,
    .write = pci_testdev_pio_write,
    .min_access = 1,
    .max_access = 1,
};

/* A loaded selection outside 0..5 would index past count[]: drop it. */
static int pci_testdev_post_load(void *obj, Error *err)
{
    PciTestdevState *s = obj;
    if (s->current < -1 || s->current >= PCI_TESTDEV_NR_TESTS)
        s->current = -1;
    return 0;
}

static const StateField pci_testdev_fields[] = {
    STATE_STRUCT(PciTestdevState, pci, pci_device_state),
    STATE_I32(PciTestdevState, current),
    STATE_U32_ARRAY(PciTestdevState, count, PCI_TESTDEV_NR_TESTS),
    STATE_END
};

static const StateDesc pci_testdev_state = {
    "pci-testdev", 1, pci_testdev_fields, pci_testdev_post_load,
};

static void pci_testdev_reset(Device *dev)
{
    PciTestdevState *s = (PciTestdevState *)dev;

    pci_device_reset(&s->pci);
    s->current = -1;
    memset(s->count, 0, sizeof(s->count));
}

static void pci_testdev_destroy(Device *dev)
{
    PciTestdevState *s = (PciTestdevState *)dev;

    pci_device_unregister(&s->pci);
    mr_destroy(&s->mmio);
    mr_destroy(&s->portio);
    free(s);
}

PCIDevice *pci_testdev_create(Machine *m, PCIBus *bus, int devfn, const char *id,
                              Error *err)
{
    PciTestdevState *s = calloc(1, sizeof(*s));

    if (!s) {
        error_setf(err, "pci-testdev: out of memory");
        return NULL;
    }
    if (pci_device_register(bus, &s->pci, devfn, "pci-testdev", err) < 0) {
        free(s);
        return NULL;
    }
    pci_config_set_ids(&s->pci, PCI_TESTDEV_VENDOR_ID, PCI_TESTDEV_DEVICE_ID, 0x00,
                       PCI_TESTDEV_CLASS, 0);
    pci_config_set_interrupt_pin(&s->pci, 0);
    mr_init_io(&s->mmio, "pci-testdev-mmio", &pci_testdev_mmio_ops, s,
               PCI_TESTDEV_MEM_SIZE);
    mr_init_io(&s->portio, "pci-testdev-portio", &pci_testdev_pio_ops, s,
               PCI_TESTDEV_IO_SIZE);
    pci_register_bar(&s->pci, PCI_TESTDEV_BAR_MEM, PCI_BAR_MEM32, &s->mmio);
    pci_register_bar(&s->pci, PCI_TESTDEV_BAR_IO, PCI_BAR_IO, &s->portio);
    device_attach(m, &s->pci.dev, id, pci_testdev_reset,
                  pci_testdev_destroy, &pci_testdev_state);
    pci_testdev_reset(&s->pci.dev);
    return &s->pci;
}

/* -device pci-testdev[,addr=SLOT[.FN]] */
static Device *pci_testdev_device_create(Machine *m, DeviceOpts *opts, Error *err)
{
    const char *id = devopts_get_str(opts, "id", NULL);
    const char *addr = devopts_get_str(opts, "addr", NULL);
    PCIBus *bus = m->pci_bus;
    int devfn = -1;
    PCIDevice *d;

    if (devopts_check_all_used(opts, err) < 0)
        return NULL;
    if (!bus)
        return error_setf(err, "pci-testdev: this machine has no PCI bus"), NULL;
    if (addr) {
        char *end;
        unsigned long slot = strtoul(addr, &end, 16), fn = 0;
        if (end != addr && *end == '.') {
            const char *f = end + 1;
            fn = strtoul(f, &end, 16);
            if (end == f)
                end = (char *)f - 1;    /* force the error below */
        }
        if (end == addr || *end || slot > 31 || fn > 7)
            return error_setf(err, "pci-testdev: addr=%s is not SLOT[.FN] (hex, slot "
                              "0-1f, function 0-7)", addr), NULL;
        devfn = PCI_DEVFN((int)slot, (int)fn);
    }
    d = pci_testdev_create(m, bus, devfn, id, err);
    return d ? &d->dev : NULL;
}

const DeviceType pci_testdev_type = {
    .name = "pci-testdev",
    .help = "PCI test device 1b36:0005, BAR0 MMIO and BAR1 I/O test registers "
            "(addr=SLOT[.FN])",
    .create = pci_testdev_device_create,
};

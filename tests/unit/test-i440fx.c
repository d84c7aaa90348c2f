/* SPDX-License-Identifier: MIT */
/*
 * The i440FX's PAM and SMRAM windows as the CPU sees them through the
 * memory API: each PAM mode decides whether reads come from the BIOS image
 * (PCI side) or RAM and whether writes land in RAM; segments are
 * independent; the BIOS shadowing sequence firmware uses works; the
 * flattened view gives accelerators plain RAM/ROM ranges; reset, lock
 * and snapshot behave.
 */
#include <stdatomic.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/pci/i440fx.h"

const DeviceType *const device_types[] = { NULL };

static Machine mach;
static I440FXState *hb;
static MemoryRegion ram, bios, ram_below_4g;
static uint8_t *ram_host, *bios_host;

#define RAM_SIZE  (2ull << 20)
#define BIOS_SIZE (256ull << 10)

static int suite_init(void)
{
    Error err = { 0 };
    unit_machine_init(&mach);
    /* The board's part: RAM at 0, the BIOS at the top of 4 GiB. */
    if (mr_init_ram(&ram, "ram", RAM_SIZE, &err) < 0 ||
        mr_init_rom(&bios, "bios", BIOS_SIZE, &err) < 0)
        return 1;
    mr_init_alias(&ram_below_4g, "ram-below-4g", &ram, 0, RAM_SIZE);
    mr_add_subregion(&mach.sysmem, 0, &ram_below_4g);
    mr_add_subregion(&mach.sysmem, (1ull << 32) - BIOS_SIZE, &bios);
    ram_host = mr_ram_ptr(&ram);
    bios_host = mr_ram_ptr(&bios);
    for (uint64_t i = 0; i < BIOS_SIZE; i++)
        bios_host[i] = (uint8_t)(0x5a ^ (i >> 8) ^ i);
    memset(ram_host, 0x11, RAM_SIZE);

    hb = i440fx_create(&mach, &err);
    if (!hb || i440fx_map_firmware(hb, &ram, &bios, &err) < 0)
        return 1;
    return 0;
}

static int suite_clean(void)
{
    devices_destroy(&mach);
    mr_destroy(&ram_below_4g);
    mr_destroy(&bios);
    mr_destroy(&ram);
    unit_machine_destroy(&mach);
    return 0;
}

static uint8_t bios_byte(uint64_t phys)
{
    /* Below 1 MiB the image's last 128 KiB end at 0xfffff. */
    return bios_host[BIOS_SIZE - (0x100000 - phys)];
}

static uint8_t rd(uint64_t a)
{
    return (uint8_t)as_ld(&mach.as_mem, a, 1, NULL);
}

static void wr(uint64_t a, uint8_t v)
{
    as_st(&mach.as_mem, a, 1, v);
}

static void pam(unsigned reg, uint8_t v)
{
    /* Through the config ports, as firmware does it. */
    unit_pci_cfg_write(&mach, 0, reg, 1, v);
}

static uint8_t cfg_rd(unsigned reg)
{
    return (uint8_t)unit_pci_cfg_read(&mach, 0, reg, 1);
}

static void test_reset_state(void)
{
    devices_reset(&mach);
    for (unsigned r = I440FX_PAM0; r < I440FX_PAM0 + I440FX_PAM_COUNT; r++)
        CU_ASSERT_EQUAL(cfg_rd(r), 0);
    /* PCI mode: the BIOS shows at 0xe0000-0xfffff, the top of the image. */
    CU_ASSERT_EQUAL(rd(0xffff0), bios_byte(0xffff0));
    CU_ASSERT_EQUAL(rd(0xe0123), bios_byte(0xe0123));
    CU_ASSERT_EQUAL(rd(0xfffff), bios_host[BIOS_SIZE - 1]);
    CU_ASSERT_NOT_EQUAL(rd(0xffff0), 0x11);
    /* ... and at 4 GiB - 16, the same byte (the board's mapping). */
    CU_ASSERT_EQUAL(rd(0xfffffff0ull), rd(0xffff0));
    /* 0xc0000-0xdffff is PCI space with nothing there. */
    CU_ASSERT_EQUAL(rd(0xc0000), 0xff);
    CU_ASSERT_EQUAL(rd(0xd8000), 0xff);
    /* Writes in PCI mode do not reach RAM or the ROM. */
    uint8_t before = bios_host[BIOS_SIZE - 0x10];
    wr(0xffff0, 0x99);
    wr(0xc0000, 0x99);
    CU_ASSERT_EQUAL(ram_host[0xffff0], 0x11);
    CU_ASSERT_EQUAL(ram_host[0xc0000], 0x11);
    CU_ASSERT_EQUAL(bios_host[BIOS_SIZE - 0x10], before);
    /* Below 0xa0000 RAM is always RAM. */
    wr(0x9ffff, 0x42);
    CU_ASSERT_EQUAL(ram_host[0x9ffff], 0x42);
}

static void test_pam_modes(void)
{
    devices_reset(&mach);
    ram_host[0xe0010] = 0x77;

    pam(0x5e, 0x03);                /* PAM5 low: 0xe0000-0xe3fff RW */
    CU_ASSERT_EQUAL(rd(0xe0010), 0x77);
    wr(0xe0010, 0x78);
    CU_ASSERT_EQUAL(ram_host[0xe0010], 0x78);
    CU_ASSERT_EQUAL(rd(0xe0010), 0x78);
    /* The neighbouring segment (high nibble) is still PCI. */
    CU_ASSERT_EQUAL(rd(0xe4000), bios_byte(0xe4000));

    pam(0x5e, 0x01);                /* read-only: RAM reads, writes dropped */
    CU_ASSERT_EQUAL(rd(0xe0010), 0x78);
    wr(0xe0010, 0x79);
    CU_ASSERT_EQUAL(ram_host[0xe0010], 0x78);
    CU_ASSERT_EQUAL(rd(0xe0010), 0x78);

    pam(0x5e, 0x02);                /* write-only: BIOS reads, RAM writes */
    CU_ASSERT_EQUAL(rd(0xe0010), bios_byte(0xe0010));
    wr(0xe0010, 0x7a);
    CU_ASSERT_EQUAL(ram_host[0xe0010], 0x7a);
    CU_ASSERT_EQUAL(rd(0xe0010), bios_byte(0xe0010));
    /* Wide accesses through the write-only callbacks. */
    as_st(&mach.as_mem, 0xe0020, 8, 0x0102030405060708ull);
    CU_ASSERT_EQUAL(ram_host[0xe0020], 0x08);
    CU_ASSERT_EQUAL(ram_host[0xe0027], 0x01);
    uint64_t expect = 0;
    for (int i = 7; i >= 0; i--)
        expect = expect << 8 | bios_byte(0xe0020 + (uint64_t)i);
    CU_ASSERT_EQUAL(as_ld(&mach.as_mem, 0xe0020, 8, NULL), expect);

    pam(0x5e, 0x00);                /* back to PCI */
    CU_ASSERT_EQUAL(rd(0xe0010), bios_byte(0xe0010));
    wr(0xe0010, 0x7b);
    CU_ASSERT_EQUAL(ram_host[0xe0010], 0x7a);

    /* C-segments: PCI mode has nothing; RW mode reaches RAM. */
    pam(0x5a, 0x30);                /* PAM1 high: 0xc4000-0xc7fff RW */
    wr(0xc4000, 0x5c);
    CU_ASSERT_EQUAL(ram_host[0xc4000], 0x5c);
    CU_ASSERT_EQUAL(rd(0xc0000), 0xff);
    wr(0xc0000, 0x5d);
    CU_ASSERT_EQUAL(ram_host[0xc0000], 0x11);

    /* PAM0 covers 0xf0000-0xfffff with its high nibble. */
    pam(0x59, 0x30);
    wr(0xf8000, 0xee);
    CU_ASSERT_EQUAL(ram_host[0xf8000], 0xee);
    CU_ASSERT_EQUAL(rd(0xfffff), ram_host[0xfffff]);
    pam(0x59, 0x10);
    wr(0xf8000, 0xef);
    CU_ASSERT_EQUAL(ram_host[0xf8000], 0xee);
    CU_ASSERT_EQUAL(rd(0xf8000), 0xee);
}

static void test_pam_register_masks(void)
{
    devices_reset(&mach);
    pam(0x59, 0xff);
    CU_ASSERT_EQUAL(cfg_rd(0x59), 0x70);
    pam(0x5f, 0xff);
    CU_ASSERT_EQUAL(cfg_rd(0x5f), 0x77);
    /* The cache-enable bit does not change the mode. */
    CU_ASSERT_EQUAL(rd(0xec000), ram_host[0xec000]);
    devices_reset(&mach);
    CU_ASSERT_EQUAL(cfg_rd(0x59), 0);
    CU_ASSERT_EQUAL(cfg_rd(0x5f), 0);
}

/* What SeaBIOS-like firmware does: shadow itself, then write-protect. */
static void test_bios_shadowing(void)
{
    devices_reset(&mach);
    pam(0x59, 0x20);                    /* write-only */
    for (uint64_t a = 0xf0000; a < 0x100000; a += 8)
        as_st(&mach.as_mem, a, 8, as_ld(&mach.as_mem, a, 8, NULL));
    pam(0x59, 0x10);                    /* read-only */
    CU_ASSERT_EQUAL(memcmp(ram_host + 0xf0000, bios_host + BIOS_SIZE - 0x10000, 0x10000), 0);
    CU_ASSERT_EQUAL(rd(0xffff0), bios_byte(0xffff0));
    wr(0xffff0, (uint8_t)~bios_byte(0xffff0));
    CU_ASSERT_EQUAL(rd(0xffff0), bios_byte(0xffff0));

    /* The accelerators see plain RAM there, read-only: kvm can map it. */
    FlatView *v = as_get_view(&mach.as_mem);
    const FlatRange *fr = flatview_lookup(v, 0xf0000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fr);
    CU_ASSERT_PTR_EQUAL(fr->mr, &ram);
    CU_ASSERT_TRUE(fr->readonly);
    CU_ASSERT_EQUAL(fr->offset + (0xf0000 - fr->start), 0xf0000);
    fr = flatview_lookup(v, 0xe0000);           /* PCI mode: the ROM itself */
    CU_ASSERT_PTR_NOT_NULL_FATAL(fr);
    CU_ASSERT_PTR_EQUAL(fr->mr, &bios);
    CU_ASSERT_TRUE(fr->readonly);
    flatview_unref(v);
    /* DMA cannot write a read-only shadow either. */
    CU_ASSERT_PTR_NULL(as_dma_map(&mach.as_mem, 0xf0000, 16, true));
    CU_ASSERT_PTR_NOT_NULL(as_dma_map(&mach.as_mem, 0xf0000, 16, false));
}

static void test_smram_window(void)
{
    devices_reset(&mach);
    ram_host[0xa0000] = 0x3c;
    CU_ASSERT_EQUAL(cfg_rd(I440FX_SMRAM), I440FX_SMRAM_DEFAULT);
    /* Closed: 0xa0000 is the PCI/VGA window, empty here. */
    CU_ASSERT_EQUAL(rd(0xa0000), 0xff);
    wr(0xa0000, 0x01);
    CU_ASSERT_EQUAL(ram_host[0xa0000], 0x3c);
    /* D_OPEN shows the RAM underneath. */
    pam(I440FX_SMRAM, 0x4a);
    CU_ASSERT_EQUAL(cfg_rd(I440FX_SMRAM), 0x4a);
    CU_ASSERT_EQUAL(rd(0xa0000), 0x3c);
    wr(0xbffff, 0x3d);
    CU_ASSERT_EQUAL(ram_host[0xbffff], 0x3d);
    /* C_BASE_SEG is read-only. */
    pam(I440FX_SMRAM, 0x4f);
    CU_ASSERT_EQUAL(cfg_rd(I440FX_SMRAM) & 7, 2);
    /* D_LCK closes the window and locks the register until reset. */
    pam(I440FX_SMRAM, 0x5a);
    CU_ASSERT_EQUAL(cfg_rd(I440FX_SMRAM), 0x1a);
    CU_ASSERT_EQUAL(rd(0xa0000), 0xff);
    pam(I440FX_SMRAM, 0x42);
    CU_ASSERT_EQUAL(cfg_rd(I440FX_SMRAM), 0x1a);
    CU_ASSERT_EQUAL(rd(0xa0000), 0xff);
    devices_reset(&mach);
    pam(I440FX_SMRAM, 0x42);
    CU_ASSERT_EQUAL(cfg_rd(I440FX_SMRAM), 0x42);
    CU_ASSERT_EQUAL(rd(0xa0000), 0x3c);
    devices_reset(&mach);
}

static void test_snapshot(void)
{
    devices_reset(&mach);
    pam(0x5d, 0x33);                /* 0xd8000-0xdffff RW */
    ram_host[0xd8000] = 0xab;
    ByteStream bs;
    Error err = { 0 };
    Device *dev = mach.devices;     /* the host bridge is the only device */
    CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
    bs_init(&bs);
    CU_ASSERT_FATAL(state_save(&bs, dev->state, dev, &err) == 0);
    devices_reset(&mach);
    CU_ASSERT_EQUAL(rd(0xd8000), 0xff);
    CU_ASSERT_FATAL(state_load(&bs, dev->state, dev, &err) == 0);
    CU_ASSERT_EQUAL(cfg_rd(0x5d), 0x33);
    CU_ASSERT_EQUAL(rd(0xd8000), 0xab);
    bs_free(&bs);
}

static void test_pci_hole(void)
{
    I440FXPciHole h;
    i440fx_pci_hole(0xc0000000ull, 1ull << 30, &h);
    CU_ASSERT_EQUAL(h.start32, 0xc0000000ull);
    CU_ASSERT_EQUAL(h.end32, 0xfec00000ull);
    CU_ASSERT_EQUAL(h.start64, 0x140000000ull);
    CU_ASSERT_EQUAL(h.end64, 0x140000000ull + (32ull << 30));
    i440fx_pci_hole(0x7ff00000ull, 0, &h);
    CU_ASSERT_EQUAL(h.start32, 0x7ff00000ull);
    CU_ASSERT_EQUAL(h.start64, 1ull << 32);
    i440fx_pci_hole(0x7ff00000ull, 0x12345000ull, &h);
    CU_ASSERT_EQUAL(h.start64, 0x140000000ull);
    /* PCI memory really is what RAM and the board leave. */
    CU_ASSERT_PTR_EQUAL(i440fx_pci_memory(hb)->parent, &mach.sysmem);
    CU_ASSERT_EQUAL(i440fx_pci_memory(hb)->priority, -1);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "reset_state", test_reset_state },
        { "pam_modes", test_pam_modes },
        { "pam_register_masks", test_pam_register_masks },
        { "bios_shadowing", test_bios_shadowing },
        { "smram_window", test_smram_window },
        { "snapshot", test_snapshot },
        { "pci_hole", test_pci_hole },
        { NULL, NULL }
    };
    unit_add_suite("i440fx", suite_init, suite_clean, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * The i440FX host bridge: PCI bus owner, PAM shadowing and the SMRAM window.
 *
 * PAM. The 82441FX splits 0xc0000-0xfffff into thirteen segments, each
 * with two bits: RE (reads go to DRAM) and WE (writes go to DRAM); what
 * DRAM does not take goes to PCI, where the BIOS image appears at
 * 0xe0000-0xfffff. Each segment owns four regions at the same address in
 * m->sysmem, priority 1 (over the board's RAM at 0), and exactly the one
 * for the current mode is enabled:
 *
 *   RE WE  mode        region
 *    0  0  PCI         window onto PCI memory space (BIOS ROM, option ROMs)
 *    1  0  read-only   alias of RAM marked read-only (writes ignored)
 *    0  1  write-only  I/O region: reads from PCI space, writes to RAM
 *    1  1  read/write  alias of RAM
 *
 * A PCI window is a container: an alias of PCI space on top of a region
 * that acts like a master abort (reads all-ones, writes vanish), so RAM
 * never shows through where no PCI device answers. Three of four modes are
 * thus aliases of RAM or ROM that the accelerators can map (the read-only
 * one as read-only memory: kvm must honour FlatRange.readonly); only
 * write-only (a BIOS copying itself into its shadow) goes through
 * callbacks. Those reach RAM and PCI space through two private 1 MiB
 * address spaces so that dirty tracking and code invalidation happen
 * exactly as for any other write.
 *
 * SMRAM: tandem has no SMM, so the register is a stub that reads back what
 * was written (with D_LCK locking it as the datasheet says) and D_OPEN alone
 * decides whether 0xa0000-0xbffff shows DRAM (open) or the PCI window
 * (where a VGA model maps its legacy framebuffer in PCI space).
 *
 * Everything mapped is derived from config[], so a snapshot saves only the
 * config space and post_load redoes the mappings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci/i440fx.h"

#define I440FX_ISA_BIOS_MAX 0x20000ull  /* 128 KiB of the image below 1 MiB */
#define I440FX_LOW_1M       0x100000ull
#define I440FX_SMRAM_BASE   0xa0000ull
#define I440FX_SMRAM_SIZE   0x20000ull
#define I440FX_ERRSTS       0x91

enum { PAM_PCI, PAM_RO, PAM_WO, PAM_RW, PAM_MODES };

typedef struct I440FXPam {
    struct I440FXState *s;
    uint64_t base, size;
    int mode;                       /* -1 until first applied */
    MemoryRegion region[PAM_MODES];
    MemoryRegion pci_alias, pci_abort;  /* inside region[PAM_PCI] */
} I440FXPam;

struct I440FXState {
    PCIDevice pci;                  /* first: 00.0 on the bus it owns */
    Machine *machine;
    PCIBus bus;
    MemoryRegion pci_mem;           /* PCI memory space, priority -1 in sysmem */
    MemoryRegion pci_io;            /* I/O BARs, priority -1 in iomem */
    MemoryRegion smram_pci;         /* 0xa0000: PCI unless D_OPEN */
    MemoryRegion smram_alias, smram_abort;

    bool fw_mapped;
    MemoryRegion isa_bios;          /* BIOS tail in pci_mem below 1 MiB */
    bool has_isa_bios;
    I440FXPam pam[I440FX_PAM_SEGMENTS];
    /* Private views for write-only segments. */
    MemoryRegion pam_ram_root, pam_ram_alias, pam_pci_root, pam_pci_alias;
    AddressSpace pam_ram_as, pam_pci_as;
};

PCIBus *i440fx_bus(I440FXState *s)
{
    return &s->bus;
}

MemoryRegion *i440fx_pci_memory(I440FXState *s)
{
    return &s->pci_mem;
}

void i440fx_pci_hole(uint64_t ram_below_4g, uint64_t ram_above_4g, I440FXPciHole *h)
{
    const uint64_t gib = 1ull << 30;
    h->start32 = ram_below_4g < I440FX_PCI_HOLE32_END ? ram_below_4g
                                                      : I440FX_PCI_HOLE32_END;
    h->end32 = I440FX_PCI_HOLE32_END;
    /* 64-bit BARs go above all RAM, 1 GiB aligned so large BARs fit. */
    uint64_t top = (1ull << 32) + ram_above_4g;
    h->start64 = (top + gib - 1) & ~(gib - 1);
    h->end64 = h->start64 + I440FX_PCI_HOLE64_SIZE;
}

/* ------------------------------------------------------------------ */
/* PAM                                                                */

/* Segment 0 is PAM0's high nibble; segment 1 + 2k + h is PAM(k+1) nibble h. */
static uint8_t i440fx_pam_bits(const I440FXState *s, int seg)
{
    if (seg == 0)
        return (s->pci.config[I440FX_PAM0] >> 4) & 3;
    uint8_t v = s->pci.config[I440FX_PAM0 + 1 + (seg - 1) / 2];
    return ((seg - 1) & 1 ? v >> 4 : v) & 3;
}

static int i440fx_pam_mode(uint8_t bits)
{
    switch (bits & 3) {
    case I440FX_PAM_RE:                  return PAM_RO;
    case I440FX_PAM_WE:                  return PAM_WO;
    case I440FX_PAM_RE | I440FX_PAM_WE:  return PAM_RW;
    default:                             return PAM_PCI;
    }
}

static void i440fx_update_memory(I440FXState *s)
{
    mr_transaction_begin();
    if (s->fw_mapped) {
        for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
            I440FXPam *p = &s->pam[i];
            int mode = i440fx_pam_mode(i440fx_pam_bits(s, i));
            if (mode == p->mode)
                continue;
            for (int k = 0; k < PAM_MODES; k++)
                mr_set_enabled(&p->region[k], k == mode);
            p->mode = mode;
        }
    }
    mr_set_enabled(&s->smram_pci,
                   !(s->pci.config[I440FX_SMRAM] & I440FX_SMRAM_D_OPEN));
    mr_transaction_commit();
}

/*
 * A window onto PCI space must hide the RAM under it even where no PCI
 * device answers, so it is a container: the PCI space on top, and under it
 * a region that does what a master abort does (reads all-ones, writes
 * vanish).
 */
static uint64_t i440fx_abort_read(void *opaque, uint64_t addr, unsigned size)
{
    return ~0ull;
}

static void i440fx_abort_write(void *opaque, uint64_t addr, uint64_t val,
                               unsigned size)
{
}

static const MemoryRegionOps i440fx_abort_ops = {
    .read = i440fx_abort_read,
    .write = i440fx_abort_write,
};

static void i440fx_pci_window_init(I440FXState *s, MemoryRegion *win,
                                   MemoryRegion *alias, MemoryRegion *abort_io,
                                   const char *name, uint64_t base, uint64_t size)
{
    mr_init_container(win, name, size);
    mr_init_alias(alias, "pci-window", &s->pci_mem, base, size);
    mr_init_io(abort_io, "pci-master-abort", &i440fx_abort_ops, s, size);
    mr_add_subregion_overlap(win, 0, alias, 1);
    mr_add_subregion_overlap(win, 0, abort_io, 0);
}

static void i440fx_pci_window_destroy(MemoryRegion *win, MemoryRegion *alias,
                                      MemoryRegion *abort_io)
{
    mr_destroy(alias);
    mr_destroy(abort_io);
    mr_destroy(win);
}

static uint64_t i440fx_pam_wo_read(void *opaque, uint64_t addr, unsigned size)
{
    I440FXPam *p = opaque;
    uint8_t buf[8];
    as_read(&p->s->pam_pci_as, p->base + addr, buf, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

static void i440fx_pam_wo_write(void *opaque, uint64_t addr, uint64_t val,
                                unsigned size)
{
    I440FXPam *p = opaque;
    uint8_t buf[8];
    for (unsigned i = 0; i < size; i++)
        buf[i] = (uint8_t)(val >> (8 * i));
    as_write(&p->s->pam_ram_as, p->base + addr, buf, size);
}

static const MemoryRegionOps i440fx_pam_wo_ops = {
    .read = i440fx_pam_wo_read,
    .write = i440fx_pam_wo_write,
    .min_access = 1,
    .max_access = 8,
};

int i440fx_map_firmware(I440FXState *s, MemoryRegion *ram, MemoryRegion *bios,
                        Error *err)
{
    MemoryRegion *sysmem = &s->machine->sysmem;
    static const char *const names[PAM_MODES] = { "pci", "ro", "wo", "rw" };

    if (s->fw_mapped)
        return error_setf(err, "i440fx: firmware windows are already mapped");
    if (!ram || ram->size < I440FX_LOW_1M)
        return error_setf(err, "i440fx: PAM needs at least 1 MiB of RAM");

    mr_transaction_begin();
    if (bios && bios->size) {
        uint64_t n = bios->size < I440FX_ISA_BIOS_MAX ? bios->size : I440FX_ISA_BIOS_MAX;
        mr_init_alias(&s->isa_bios, "isa-bios", bios, bios->size - n, n);
        mr_add_subregion_overlap(&s->pci_mem, I440FX_LOW_1M - n, &s->isa_bios, 1);
        s->has_isa_bios = true;
    }

    mr_init_container(&s->pam_ram_root, "pam-ram-view", I440FX_LOW_1M);
    mr_init_alias(&s->pam_ram_alias, "pam-ram-view-ram", ram, 0, I440FX_LOW_1M);
    mr_add_subregion(&s->pam_ram_root, 0, &s->pam_ram_alias);
    as_init(&s->pam_ram_as, &s->pam_ram_root, "pam-ram");
    mr_init_container(&s->pam_pci_root, "pam-pci-view", I440FX_LOW_1M);
    mr_init_alias(&s->pam_pci_alias, "pam-pci-view-pci", &s->pci_mem, 0, I440FX_LOW_1M);
    mr_add_subregion(&s->pam_pci_root, 0, &s->pam_pci_alias);
    as_init(&s->pam_pci_as, &s->pam_pci_root, "pam-pci");

    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        I440FXPam *p = &s->pam[i];
        p->s = s;
        p->base = i == 0 ? 0xf0000 : 0xc0000 + (uint64_t)(i - 1) * 0x4000;
        p->size = i == 0 ? 0x10000 : 0x4000;
        p->mode = -1;
        for (int k = 0; k < PAM_MODES; k++) {
            char name[32];
            snprintf(name, sizeof(name), "pam-%05llx-%s",
                     (unsigned long long)p->base, names[k]);
            MemoryRegion *r = &p->region[k];
            if (k == PAM_PCI)
                i440fx_pci_window_init(s, r, &p->pci_alias, &p->pci_abort, name,
                                       p->base, p->size);
            else if (k == PAM_WO)
                mr_init_io(r, name, &i440fx_pam_wo_ops, p, p->size);
            else
                mr_init_alias(r, name, ram, p->base, p->size);
            if (k == PAM_RO)
                mr_set_readonly(r, true);
            mr_set_enabled(r, false);
            mr_add_subregion_overlap(sysmem, p->base, r, 1);
        }
    }
    s->fw_mapped = true;
    i440fx_update_memory(s);
    mr_transaction_commit();
    return 0;
}

static void i440fx_unmap_firmware(I440FXState *s)
{
    if (!s->fw_mapped)
        return;
    mr_transaction_begin();
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        I440FXPam *p = &s->pam[i];
        for (int k = 0; k < PAM_MODES; k++) {
            if (k == PAM_PCI)
                i440fx_pci_window_destroy(&p->region[k], &p->pci_alias, &p->pci_abort);
            else
                mr_destroy(&p->region[k]);
        }
    }
    if (s->has_isa_bios) {
        mr_del_subregion(&s->pci_mem, &s->isa_bios);
        mr_destroy(&s->isa_bios);
    }
    mr_transaction_commit();
    as_destroy(&s->pam_ram_as);
    as_destroy(&s->pam_pci_as);
    mr_del_subregion(&s->pam_ram_root, &s->pam_ram_alias);
    mr_del_subregion(&s->pam_pci_root, &s->pam_pci_alias);
    mr_destroy(&s->pam_ram_alias);
    mr_destroy(&s->pam_pci_alias);
    mr_destroy(&s->pam_ram_root);
    mr_destroy(&s->pam_pci_root);
    s->fw_mapped = false;
}

void i440fx_set_pam(I440FXState *s, unsigned reg, uint8_t val)
{
    if (reg >= I440FX_PAM0 && reg < I440FX_PAM0 + I440FX_PAM_COUNT)
        pci_config_write(&s->pci, reg, val, 1);
}

/* ------------------------------------------------------------------ */
/* Config space                                                       */

/* D_LCK makes the whole SMRAM register read-only and closes D_OPEN. */
static void i440fx_smram_apply_lock(I440FXState *s)
{
    uint8_t *smram = &s->pci.config[I440FX_SMRAM];
    if (*smram & I440FX_SMRAM_D_LCK) {
        *smram &= (uint8_t)~I440FX_SMRAM_D_OPEN;
        s->pci.wmask[I440FX_SMRAM] = 0;
    } else {
        s->pci.wmask[I440FX_SMRAM] = 0x78;
    }
}

static void i440fx_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len)
{
    I440FXState *s = (I440FXState *)d;
    bool pam = addr < I440FX_PAM0 + I440FX_PAM_COUNT && addr + len > I440FX_PAM0;
    bool smram = addr <= I440FX_SMRAM && addr + len > I440FX_SMRAM;
    if (smram)
        i440fx_smram_apply_lock(s);
    if (pam || smram)
        i440fx_update_memory(s);
}

static void i440fx_reset(Device *dev)
{
    I440FXState *s = (I440FXState *)dev;
    s->pci.wmask[I440FX_SMRAM] = 0x78;
    pci_device_reset(&s->pci);
    s->pci.config[I440FX_SMRAM] = I440FX_SMRAM_DEFAULT;
    s->bus.config_address = 0;
    i440fx_update_memory(s);
}

static int i440fx_post_load(void *obj, Error *err)
{
    I440FXState *s = obj;
    i440fx_smram_apply_lock(s);
    i440fx_update_memory(s);
    return 0;
}

static const StateField i440fx_fields[] = {
    STATE_STRUCT(I440FXState, pci, pci_device_state),
    STATE_U32(I440FXState, bus.config_address),
    STATE_END
};

static const StateDesc i440fx_state = {
    "i440fx", 1, i440fx_fields, i440fx_post_load,
};

static void i440fx_destroy(Device *dev)
{
    I440FXState *s = (I440FXState *)dev;
    Machine *m = s->machine;
    if (m->pci_bus == &s->bus)
        m->pci_bus = NULL;
    i440fx_unmap_firmware(s);
    pci_device_unregister(&s->pci);
    pci_bus_cleanup(&s->bus, &m->iomem);
    i440fx_pci_window_destroy(&s->smram_pci, &s->smram_alias, &s->smram_abort);
    mr_del_subregion(&m->sysmem, &s->pci_mem);
    mr_del_subregion(&m->iomem, &s->pci_io);
    mr_destroy(&s->pci_mem);
    mr_destroy(&s->pci_io);
    free(s);
}

I440FXState *i440fx_create(Machine *m, Error *err)
{
    I440FXState *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "i440fx: out of memory");
        return NULL;
    }
    s->machine = m;
    mr_transaction_begin();
    mr_init_container(&s->pci_mem, "pci-memory", UINT64_MAX);
    mr_add_subregion_overlap(&m->sysmem, 0, &s->pci_mem, -1);
    mr_init_container(&s->pci_io, "pci-io", 0x10000);
    mr_add_subregion_overlap(&m->iomem, 0, &s->pci_io, -1);
    pci_bus_init(&s->bus, &s->pci_mem, &s->pci_io, &m->iomem);
    s->bus.dma_as = &m->as_mem;     /* no IOMMU: bus addresses are physical */

    i440fx_pci_window_init(s, &s->smram_pci, &s->smram_alias, &s->smram_abort,
                           "smram-pci-window", I440FX_SMRAM_BASE, I440FX_SMRAM_SIZE);
    mr_add_subregion_overlap(&m->sysmem, I440FX_SMRAM_BASE, &s->smram_pci, 1);
    mr_transaction_commit();

    if (pci_device_register(&s->bus, &s->pci, PCI_DEVFN(0, 0), "i440fx", err) < 0) {
        pci_bus_cleanup(&s->bus, &m->iomem);
        free(s);
        return NULL;
    }
    if (!m->pci_bus)
        m->pci_bus = &s->bus;       /* the machine's root bus, for -device */
    /* 82441FX PMC: revision 02, class 06.00.00 (host bridge). */
    pci_config_set_ids(&s->pci, I440FX_VENDOR_ID, I440FX_DEVICE_ID, 0x02, 0x060000, 0);
    s->pci.config_write = i440fx_config_write;
    /* Firmware pokes these; they have no effect here but must read back. */
    static const uint8_t rw_regs[] = {
        0x50, 0x51, 0x57, 0x58, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
        0x67, 0x68, 0x70, 0x71, 0x90, 0x93,
    };
    for (size_t i = 0; i < sizeof(rw_regs); i++)
        s->pci.wmask[rw_regs[i]] = 0xff;
    s->pci.w1cmask[I440FX_ERRSTS] = 0xff;
    s->pci.wmask[I440FX_PAM0] = 0x70;
    for (int i = 1; i < I440FX_PAM_COUNT; i++)
        s->pci.wmask[I440FX_PAM0 + i] = 0x77;
    device_attach(m, &s->pci.dev, "i440fx", i440fx_reset, i440fx_destroy,
                  &i440fx_state);
    i440fx_reset(&s->pci.dev);
    return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * The PIIX3 IDE function (8086:7010) and its SFF-8038i bus masters.
 *
 * The function runs both channels in legacy ("compatibility") mode: fixed
 * ports and ISA IRQs 14/15, programming interface 0x80 (bus master, no
 * native mode), BARs 0-3 absent. BAR4 is the 16-byte bus-master block:
 * command, status and PRD table pointer for the primary channel at +0, the
 * secondary at +8. The IDETIM registers' decode-enable bits (0x41 and 0x43
 * bit 7) gate the legacy ports; they come out of reset enabled, so a guest
 * booted without firmware still finds its disks (SeaBIOS sets them anyway).
 *
 * The PRD walk: each 8-byte entry is a 32-bit physical address (bit 0
 * ignored), a 16-bit byte count (bit 0 ignored, 0 meaning 64 KiB) and the
 * end-of-table flag in bit 31 of the second dword. Every piece of memory is
 * reached through as_dma_map, so a PRD (or the table itself) outside guest
 * RAM ends the command with the bus master's error bit and an aborted
 * command, never a host access outside RAM. Software must not let a region
 * cross a 64 KiB boundary; this model does not need the rule and accepts
 * such regions (logged as a guest error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/ide/ide-int.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"

/* ---- bus master ------------------------------------------------------ */

void bmdma_init(BmDma *bm, IdeBus *bus)
{
    memset(bm, 0, sizeof(*bm));
    bm->bus = bus;
}

static uint8_t bmdma_read_byte(BmDma *bm, unsigned reg)
{
    switch (reg) {
    case 0: return bm->cmd;
    case 2: return bm->status;
    case 4: case 5: case 6: case 7:
        return (uint8_t)(bm->prd >> (8 * (reg - 4)));
    default: return 0;
    }
}

static void bmdma_write_byte(BmDma *bm, unsigned reg, uint8_t v)
{
    switch (reg) {
    case 0: {
        uint8_t old = bm->cmd;
        bm->cmd = v & (BM_CMD_START | BM_CMD_TOMEM);
        if ((v & BM_CMD_START) && !(old & BM_CMD_START)) {
            bm->status |= BM_STAT_ACTIVE;
            bm->cur_prd = bm->prd;
            bm->cur_len = 0;
            bm->eot = false;
            for (int u = 0; u < 2; u++)
                ide_dma_cb(&bm->bus->drive[u]);
        } else if (!(v & BM_CMD_START) && (old & BM_CMD_START)) {
            /* Stopping aborts nothing by itself: the drive still waits. */
            bm->status &= (uint8_t)~BM_STAT_ACTIVE;
        }
        break;
    }
    case 2:
        bm->status = (uint8_t)((bm->status & ~(BM_STAT_DMA0 | BM_STAT_DMA1)) |
                               (v & (BM_STAT_DMA0 | BM_STAT_DMA1)));
        bm->status &= (uint8_t)~(v & (BM_STAT_ERR | BM_STAT_INTR));
        break;
    case 4: case 5: case 6: case 7: {
        unsigned sh = 8 * (reg - 4);
        bm->prd = (bm->prd & ~(0xffu << sh)) | (uint32_t)v << sh;
        bm->prd &= ~3u;                     /* the table is dword aligned */
        break;
    }
    default:
        break;
    }
}

uint32_t bmdma_read(BmDma *bm, unsigned reg, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && reg + i < 8; i++)
        v |= (uint32_t)bmdma_read_byte(bm, reg + i) << (8 * i);
    return v;
}

void bmdma_write(BmDma *bm, unsigned reg, uint32_t val, unsigned size)
{
    /* The PRD pointer first, so a dword write to +0 starts with it in place. */
    for (int i = (int)size - 1; i >= 0; i--)
        if (reg + (unsigned)i < 8)
            bmdma_write_byte(bm, reg + (unsigned)i, (uint8_t)(val >> (8 * i)));
}

static int bmdma_copy(AddressSpace *as, uint64_t addr, uint8_t *buf, uint32_t n, bool to_mem)
{
    void *p = as_dma_map(as, addr, n, to_mem);
    if (p) {
        if (to_mem) {
            memcpy(p, buf, n);
            as_dma_done(as, addr, n);
        } else {
            memcpy(buf, p, n);
        }
        return 0;
    }
    /* Maybe RAM of several regions: go page by page. */
    if (n <= TARGET_PAGE_SIZE - (addr & (TARGET_PAGE_SIZE - 1)))
        return -1;
    while (n) {
        uint32_t piece = (uint32_t)(TARGET_PAGE_SIZE - (addr & (TARGET_PAGE_SIZE - 1)));
        if (piece > n)
            piece = n;
        if (bmdma_copy(as, addr, buf, piece, to_mem) < 0)
            return -1;
        addr += piece;
        buf += piece;
        n -= piece;
    }
    return 0;
}

int bmdma_rw(BmDma *bm, uint8_t *buf, uint32_t len, bool to_mem)
{
    AddressSpace *as = bm->bus->dma_as;
    if (!as)
        return -1;
    while (len) {
        if (!bm->cur_len) {
            if (bm->eot)
                return -2;
            uint8_t e[8];
            if (bmdma_copy(as, bm->cur_prd, e, 8, false) < 0)
                return -1;
            uint32_t addr = (e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24) & ~1u;
            uint32_t cnt = (e[4] | e[5] << 8) & 0xfffe;
            bm->eot = e[7] & 0x80;
            bm->cur_prd += 8;
            bm->cur_addr = addr;
            bm->cur_len = cnt ? cnt : 0x10000;
            if ((addr & 0xffff) + bm->cur_len > 0x10000)
                log_mask_printf(LOG_GUEST, "ide%d: PRD 0x%x+0x%x crosses a 64 KiB boundary\n",
                                bm->bus->index, addr, bm->cur_len);
        }
        uint32_t n = len < bm->cur_len ? len : bm->cur_len;
        if (bmdma_copy(as, bm->cur_addr, buf, n, to_mem) < 0)
            return -1;
        bm->cur_addr += n;
        bm->cur_len -= n;
        buf += n;
        len -= n;
    }
    return 0;
}

void bmdma_finish(BmDma *bm, bool error)
{
    if (!bm)
        return;
    bm->status |= BM_STAT_INTR;
    if (error)
        bm->status = (uint8_t)((bm->status | BM_STAT_ERR) & ~BM_STAT_ACTIVE);
    else if (bm->eot && !bm->cur_len)
        bm->status &= (uint8_t)~BM_STAT_ACTIVE;
    /* else the PRDs describe more than the transfer: ACTIVE stays (SFF-8038i). */
}

static int bmdma_post_load(void *obj, Error *err)
{
    BmDma *bm = obj;
    bm->cur_len = bm->cur_len > 0x10000 ? 0x10000 : bm->cur_len;
    return 0;
}

static const StateField bmdma_fields[] = {
    STATE_U8(BmDma, cmd), STATE_U8(BmDma, status), STATE_U32(BmDma, prd),
    STATE_U32(BmDma, cur_prd), STATE_U32(BmDma, cur_addr), STATE_U32(BmDma, cur_len),
    STATE_BOOL(BmDma, eot), STATE_END
};
const StateDesc bmdma_state = { "bmdma", 1, bmdma_fields, bmdma_post_load };

/* ---- port regions ---------------------------------------------------- */

static uint64_t ide_cmd_io_read(void *opaque, uint64_t addr, unsigned size)
{
    IdeBus *bus = opaque;
    if (addr == 0)
        return ide_ioport_read(bus, 0, size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size && addr + i < 8; i++)
        v |= ide_ioport_read(bus, (unsigned)addr + i, 1) << (8 * i);
    return v;
}

static void ide_cmd_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    IdeBus *bus = opaque;
    if (addr == 0) {
        ide_ioport_write(bus, 0, (uint32_t)val, size);
        return;
    }
    for (unsigned i = 0; i < size && addr + i < 8; i++)
        ide_ioport_write(bus, (unsigned)addr + i, (uint8_t)(val >> (8 * i)), 1);
}

static const MemoryRegionOps ide_cmd_io_ops = {
    .read = ide_cmd_io_read, .write = ide_cmd_io_write, .min_access = 1, .max_access = 4,
};

static uint64_t ide_ctl_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return ide_altstatus_read(opaque);
}

static void ide_ctl_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    ide_devctl_write(opaque, (uint8_t)val);
}

static const MemoryRegionOps ide_ctl_io_ops = {
    .read = ide_ctl_io_read, .write = ide_ctl_io_write, .min_access = 1, .max_access = 1,
};

static uint64_t piix_bmdma_io_read(void *opaque, uint64_t addr, unsigned size)
{
    IdeController *s = opaque;
    return bmdma_read(&s->bm[(addr >> 3) & 1], addr & 7, size);
}

static void piix_bmdma_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    IdeController *s = opaque;
    bmdma_write(&s->bm[(addr >> 3) & 1], addr & 7, (uint32_t)val, size);
}

static const MemoryRegionOps piix_bmdma_io_ops = {
    .read = piix_bmdma_io_read, .write = piix_bmdma_io_write,
    .min_access = 1, .max_access = 4, .aligned_only = true,
};

/* ---- the PCI function ------------------------------------------------ */

#define PIIX_IDETIM 0x40        /* primary 0x40-0x41, secondary 0x42-0x43 */
#define PIIX_SIDETIM 0x44
#define PIIX_IDETIM_IDE 0x8000  /* decode enable */

static void piix_ide_update_ports(IdeController *s)
{
    if (!s->on_pci)
        return;
    for (int ch = 0; ch < 2; ch++) {
        bool on = pci_get_word(s->pci.config + PIIX_IDETIM + 2 * ch) & PIIX_IDETIM_IDE;
        mr_set_enabled(&s->bus[ch].io, on);
        mr_set_enabled(&s->bus[ch].ctl, on);
    }
}

static void piix_ide_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len)
{
    if (addr < PIIX_IDETIM + 4 && addr + len > PIIX_IDETIM)
        piix_ide_update_ports((IdeController *)d);
}

static void ide_ctrl_reset(Device *dev)
{
    IdeController *s = (IdeController *)dev;
    if (s->on_pci) {
        pci_device_reset(&s->pci);
        pci_set_word(s->pci.config + PIIX_IDETIM, PIIX_IDETIM_IDE);
        pci_set_word(s->pci.config + PIIX_IDETIM + 2, PIIX_IDETIM_IDE);
        piix_ide_update_ports(s);
    }
    for (int ch = 0; ch < 2; ch++) {
        IdeBus *bus = &s->bus[ch];
        BmDma *bm = bus->bm;
        if (bm) {
            bm->cmd = bm->status = 0;
            bm->prd = bm->cur_prd = bm->cur_addr = bm->cur_len = 0;
            bm->eot = false;
        }
        ide_bus_reset(bus);
    }
}

static void ide_ctrl_destroy(Device *dev)
{
    IdeController *s = (IdeController *)dev;
    for (int ch = 0; ch < 2; ch++) {
        ide_bus_fini(&s->bus[ch]);
        if (s->m) {
            mr_del_subregion(&s->m->iomem, &s->bus[ch].io);
            mr_del_subregion(&s->m->iomem, &s->bus[ch].ctl);
        }
    }
    if (s->on_pci)
        pci_device_unregister(&s->pci);
    free(s);
}

static int ide_ctrl_post_load(void *obj, Error *err)
{
    IdeController *s = obj;
    piix_ide_update_ports(s);
    return 0;
}

static const StateField ide_ctrl_fields[] = {
    STATE_STRUCT(IdeController, pci, pci_device_state),
    STATE_STRUCT_ARRAY(IdeController, bus, 2, ide_bus_state),
    STATE_STRUCT_ARRAY(IdeController, bm, 2, bmdma_state),
    STATE_END
};
static const StateDesc ide_ctrl_state = { "piix3-ide", 1, ide_ctrl_fields, ide_ctrl_post_load };

IdeController *ide_pc_init(Machine *m, PCIBus *pci_bus, IrqLine *irq14, IrqLine *irq15,
                           Error *err)
{
    static const uint16_t cmd_base[2] = { 0x1f0, 0x170 }, ctl_base[2] = { 0x3f6, 0x376 };
    IdeController *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "ide: out of memory");
        return NULL;
    }
    s->m = m;
    if (pci_bus) {
        if (pci_device_register(pci_bus, &s->pci, IDE_PIIX3_DEVFN, "piix3-ide", err) < 0) {
            free(s);
            return NULL;
        }
        s->on_pci = true;
        /* mass storage, IDE, bus master in compatibility mode */
        pci_config_set_ids(&s->pci, 0x8086, IDE_PIIX3_DEVICE_ID, 0x00, 0x010180, 0x00);
        memset(s->pci.wmask + PIIX_IDETIM, 0xff, 5);   /* IDETIM x2, SIDETIM */
        s->pci.config_write = piix_ide_config_write;
        mr_init_io(&s->bmdma_io, "piix3-ide-bmdma", &piix_bmdma_io_ops, s, 16);
        pci_register_bar(&s->pci, 4, PCI_BAR_IO, &s->bmdma_io);
    }
    for (int ch = 0; ch < 2; ch++) {
        IdeBus *bus = &s->bus[ch];
        if (s->on_pci)
            bmdma_init(&s->bm[ch], bus);
        ide_bus_init(bus, ch, ch ? irq15 : irq14, &m->as_mem, s->on_pci ? &s->bm[ch] : NULL);
        mr_init_io(&bus->io, ch ? "ide1-cmd" : "ide0-cmd", &ide_cmd_io_ops, bus, 8);
        mr_init_io(&bus->ctl, ch ? "ide1-ctl" : "ide0-ctl", &ide_ctl_io_ops, bus, 1);
        mr_add_subregion(&m->iomem, cmd_base[ch], &bus->io);
        mr_add_subregion(&m->iomem, ctl_base[ch], &bus->ctl);
    }
    device_attach(m, &s->pci.dev, "ide", ide_ctrl_reset, ide_ctrl_destroy, &ide_ctrl_state);
    ide_ctrl_reset(&s->pci.dev);
    return s;
}

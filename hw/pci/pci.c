/* SPDX-License-Identifier: MIT */
/*
 * The PCI bus: configuration mechanism #1, config space masks, BAR mapping
 * and INTx to PIRQ routing. See pci.h for the model devices code against.
 *
 * Invariants:
 *  - config[] only ever changes through the masks when the guest writes,
 *    so read-only fields (IDs, class, header type, BAR type bits, interrupt
 *    pin) keep what the model put there;
 *  - a BAR's region is enabled exactly when pci_bar_decode() finds a usable
 *    address for it; bar->addr mirrors that and is recomputed from config[]
 *    after every write that touches the command register, a BAR or the ROM
 *    BAR (and after a load), so nothing else needs to be saved;
 *  - bus->pirq_count[p] is the number of devices whose driven INTx maps to
 *    PIRQ p; intx_driven is the only thing that changes it.
 *
 * A guest controls CONFIG_ADDRESS completely. It can only name bus 0 (other
 * buses read all-ones, as if no bridge answered), a devfn in 0..255 and a
 * dword-aligned register below 256; with the port offset and access size the
 * memory core guarantees (offset + size <= 4), every config access stays
 * inside the 256-byte arrays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci/pci.h"
#include "softmmu/log.h"

#define PCI_CONFIG_ADDRESS_ENABLE 0x80000000u
/* Bits 30:24 are reserved and bits 1:0 are hardwired to 0 (type 0 only). */
#define PCI_CONFIG_ADDRESS_MASK   0x80fffffcu

int pci_swizzle(int slot, int pin)
{
    /*
     * INTA of slot 1 is PIRQA and each slot rotates the four pins by one:
     * the PC convention that SeaBIOS assumes when it fills in the interrupt
     * line registers, and that the ACPI _PRT describes.
     */
    return (slot - 1 + pin - 1) & 3;
}

PCIDevice *pci_find_device(PCIBus *bus, int devfn)
{
    if (!bus || devfn < 0 || devfn >= PCI_DEVFN_MAX)
        return NULL;
    return bus->devices[devfn];
}

/* ------------------------------------------------------------------ */
/* BARs                                                               */

static unsigned pci_bar_offset(int idx)
{
    return idx == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * idx;
}

/*
 * The address the guest programmed into BAR idx if the device decodes it
 * now, PCI_BAR_UNMAPPED otherwise. An address of 0, a range that wraps or
 * leaves the bus's space, or a 32-bit BAR reaching the last byte below
 * 4 GiB counts as unmapped: the last case is what a BAR holds while it is
 * being sized (all-ones written), and mapping it would cover the BIOS.
 */
static uint64_t pci_bar_decode(const PCIDevice *d, int idx)
{
    const PCIBar *bar = &d->bars[idx];
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    unsigned off = pci_bar_offset(idx);
    uint64_t size = bar->mr->size;
    uint64_t addr, limit;

    if (bar->type & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO))
            return PCI_BAR_UNMAPPED;
        addr = pci_get_long(d->config + off) & ~(uint64_t)3 & 0xffffffffu;
        limit = d->bus->io ? d->bus->io->size : 0;
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY))
            return PCI_BAR_UNMAPPED;
        uint32_t lo = pci_get_long(d->config + off);
        if (idx == PCI_ROM_SLOT) {
            if (!(lo & PCI_ROM_ENABLE))
                return PCI_BAR_UNMAPPED;
            addr = lo & ~(uint64_t)0x7ff;
        } else {
            addr = lo & ~(uint64_t)0xf;
        }
        limit = d->bus->mem ? d->bus->mem->size : 0;
        if (bar->type & PCI_BAR_MEM64)
            addr |= (uint64_t)pci_get_long(d->config + off + 4) << 32;
        else if (addr + size - 1 >= 0xffffffffu)
            return PCI_BAR_UNMAPPED;
    }
    addr &= ~(size - 1);
    if (limit == 0 || addr == 0 || addr + size - 1 < addr || addr + size - 1 > limit - 1)
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void pci_update_mappings(PCIDevice *d)
{
    mr_transaction_begin();
    for (int i = 0; i <= PCI_ROM_SLOT; i++) {
        PCIBar *bar = &d->bars[i];
        if (!bar->mr)
            continue;
        uint64_t addr = pci_bar_decode(d, i);
        if (addr == bar->addr)
            continue;
        if (addr == PCI_BAR_UNMAPPED) {
            mr_set_enabled(bar->mr, false);
        } else {
            mr_set_address(bar->mr, addr);
            mr_set_enabled(bar->mr, true);
        }
        bar->addr = addr;
    }
    mr_transaction_commit();
}

void pci_register_bar(PCIDevice *d, int idx, uint8_t type, MemoryRegion *mr)
{
    uint64_t size = mr->size;
    bool rom = idx == PCI_ROM_SLOT;
    bool io = !rom && (type & PCI_BAR_IO);
    bool mem64 = !rom && !io && (type & PCI_BAR_MEM64);
    uint64_t min = rom ? 0x800 : io ? 4 : 16;

    /* Model bugs, not guest behaviour: refuse them loudly. */
    if (idx < 0 || idx > PCI_ROM_SLOT || (mem64 && idx >= PCI_NUM_BARS - 1) ||
        size < min || (size & (size - 1)) || (io && size > 256) ||
        (!mem64 && size > 0x80000000u) || d->bars[idx].mr ||
        (mem64 && d->bars[idx + 1].mr)) {
        fprintf(stderr, "tandem: pci: %s: bad BAR %d (size 0x%llx)\n", d->name,
                idx, (unsigned long long)size);
        abort();
    }
    PCIBar *bar = &d->bars[idx];
    bar->mr = mr;
    bar->type = rom ? 0 : io ? PCI_BAR_IO : (type & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH));
    bar->addr = PCI_BAR_UNMAPPED;

    unsigned off = pci_bar_offset(idx);
    uint64_t wmask = ~(size - 1);
    if (rom)
        wmask = (wmask & ~(uint64_t)0x7ff) | PCI_ROM_ENABLE;
    else
        wmask &= io ? ~(uint64_t)3 : ~(uint64_t)0xf;
    pci_set_long(d->config + off, bar->type);
    pci_set_long(d->wmask + off, (uint32_t)wmask);
    if (mem64) {
        pci_set_long(d->config + off + 4, 0);
        pci_set_long(d->wmask + off + 4, (uint32_t)(wmask >> 32));
    }

    mr_set_enabled(mr, false);
    MemoryRegion *parent = io ? d->bus->io : d->bus->mem;
    if (parent)
        mr_add_subregion(parent, 0, mr);
}

uint64_t pci_bar_address(const PCIDevice *d, int idx)
{
    if (idx < 0 || idx > PCI_ROM_SLOT || !d->bars[idx].mr)
        return PCI_BAR_UNMAPPED;
    return d->bars[idx].addr;
}

/* ------------------------------------------------------------------ */
/* INTx                                                               */

static void pci_bus_pirq_changed(PCIBus *bus, int pirq, int delta)
{
    int before = bus->pirq_count[pirq];
    bus->pirq_count[pirq] += delta;
    if ((before > 0) != (bus->pirq_count[pirq] > 0) && bus->pirq_handler)
        bus->pirq_handler(bus->pirq_opaque, pirq, bus->pirq_count[pirq] > 0);
}

static int pci_device_pirq(const PCIDevice *d)
{
    uint8_t pin = d->config[PCI_INTERRUPT_PIN];
    return pin >= 1 && pin <= 4 ? pci_swizzle(PCI_SLOT(d->devfn), pin) : -1;
}

/* Recompute what d drives onto its PIRQ and the read-only status bit. */
static void pci_update_intx(PCIDevice *d)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    int pirq = pci_device_pirq(d);
    uint8_t driven = d->intx_level && pirq >= 0 && !(cmd & PCI_COMMAND_INTX_DISABLE);

    if (d->intx_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    if (driven == d->intx_driven)
        return;
    d->intx_driven = driven;
    if (d->bus && pirq >= 0)
        pci_bus_pirq_changed(d->bus, pirq, driven ? 1 : -1);
}

void pci_set_irq(PCIDevice *d, int level)
{
    d->intx_level = level != 0;
    pci_update_intx(d);
}

void pci_bus_update_pirqs(PCIBus *bus)
{
    int count[PCI_NUM_PIRQS] = { 0 };
    for (int i = 0; i < PCI_DEVFN_MAX; i++) {
        PCIDevice *d = bus->devices[i];
        int pirq = d ? pci_device_pirq(d) : -1;
        if (d && d->intx_driven && pirq >= 0)
            count[pirq]++;
    }
    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        bus->pirq_count[p] = count[p];
        if (bus->pirq_handler)
            bus->pirq_handler(bus->pirq_opaque, p, count[p] > 0);
    }
}

void pci_bus_set_pirq_handler(PCIBus *bus, PCIPirqHandler *h, void *opaque)
{
    bus->pirq_handler = h;
    bus->pirq_opaque = opaque;
    for (int p = 0; p < PCI_NUM_PIRQS; p++)
        if (h)
            h(opaque, p, bus->pirq_count[p] > 0);
}

/* ------------------------------------------------------------------ */
/* Bus mastering                                                      */

bool pci_bus_master_enabled(const PCIDevice *d)
{
    return pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

AddressSpace *pci_dma_as(const PCIDevice *d)
{
    return d->bus ? d->bus->dma_as : NULL;
}

MemTxResult pci_dma_read(PCIDevice *d, uint64_t addr, void *buf, uint64_t len)
{
    AddressSpace *as = pci_dma_as(d);
    if (!as || !pci_bus_master_enabled(d)) {
        memset(buf, 0xff, len);
        return MEMTX_ERROR;
    }
    return as_read(as, addr, buf, len);
}

MemTxResult pci_dma_write(PCIDevice *d, uint64_t addr, const void *buf, uint64_t len)
{
    AddressSpace *as = pci_dma_as(d);
    if (!as || !pci_bus_master_enabled(d))
        return MEMTX_ERROR;
    return as_write(as, addr, buf, len);
}

/* ------------------------------------------------------------------ */
/* Capabilities                                                       */

static bool pci_cap_bytes_free(const PCIDevice *d, unsigned offset, unsigned size)
{
    for (unsigned i = offset; i < offset + size; i++)
        if (d->cap_used[i / 8] & (1u << (i % 8)))
            return false;
    return true;
}

int pci_add_capability(PCIDevice *d, uint8_t cap_id, unsigned offset, unsigned size)
{
    if (offset < 0x40 || (offset & 3) || size < 2 || offset >= PCI_CONFIG_SPACE_SIZE ||
        size > PCI_CONFIG_SPACE_SIZE - offset || !pci_cap_bytes_free(d, offset, size))
        return -1;
    for (unsigned i = offset; i < offset + size; i++)
        d->cap_used[i / 8] |= (uint8_t)(1u << (i % 8));
    /* New capabilities go first: the list order means nothing to the guest. */
    d->config[offset] = cap_id;
    d->config[offset + 1] = d->config[PCI_CAPABILITY_LIST];
    d->config[PCI_CAPABILITY_LIST] = (uint8_t)offset;
    d->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    return (int)offset;
}

/* ------------------------------------------------------------------ */
/* Config space                                                       */

static bool pci_config_range_ok(unsigned addr, unsigned len)
{
    return (len == 1 || len == 2 || len == 4) && addr < PCI_CONFIG_SPACE_SIZE &&
           len <= PCI_CONFIG_SPACE_SIZE - addr;
}

static bool pci_ranges_overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

uint32_t pci_config_read(PCIDevice *d, unsigned addr, unsigned len)
{
    if (!pci_config_range_ok(addr, len))
        return 0xffffffffu;
    uint32_t val = 0;
    for (unsigned i = 0; i < len; i++)
        val |= (uint32_t)d->config[addr + i] << (8 * i);
    if (d->config_read)
        val = d->config_read(d, addr, val, len);
    return val;
}

void pci_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len)
{
    if (!pci_config_range_ok(addr, len)) {
        log_mask_printf(LOG_GUEST, "pci: %s: config write of %u bytes at 0x%x "
                        "ignored\n", d->name, len, addr);
        return;
    }
    for (unsigned i = 0; i < len; i++) {
        unsigned a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        uint8_t w = d->wmask[a], c = d->w1cmask[a];
        d->config[a] = (uint8_t)((d->config[a] & ~w) | (b & w));
        d->config[a] &= (uint8_t)~(b & c);
    }
    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        pci_ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS) ||
        pci_ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4))
        pci_update_mappings(d);
    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 2))
        pci_update_intx(d);
    if (d->config_write)
        d->config_write(d, addr, val, len);
}

void pci_config_set_ids(PCIDevice *d, uint16_t vendor, uint16_t device,
                        uint8_t revision, uint32_t class_code, uint8_t header_type)
{
    pci_set_word(d->config + PCI_VENDOR_ID, vendor);
    pci_set_word(d->config + PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(d->config + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    d->config[PCI_HEADER_TYPE] = header_type;
    /*
     * Every device says it belongs to a QEMU-compatible machine, as QEMU's
     * own devices do: SeaBIOS recognises the platform by the host bridge's
     * subsystem IDs (1af4:1100) and only then trusts fw_cfg and the CMOS.
     */
    if ((header_type & 0x7f) == 0) {
        pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBSYSTEM_VENDOR_QEMU);
        pci_set_word(d->config + PCI_SUBSYSTEM_ID, PCI_SUBSYSTEM_ID_QEMU);
    }
}

void pci_config_set_interrupt_pin(PCIDevice *d, uint8_t pin)
{
    d->config[PCI_INTERRUPT_PIN] = pin <= 4 ? pin : 0;
}

int pci_device_register(PCIBus *bus, PCIDevice *d, int devfn, const char *name,
                        Error *err)
{
    if (devfn < 0) {
        for (int slot = 0; slot < 32 && devfn < 0; slot++)
            if (!bus->devices[PCI_DEVFN(slot, 0)])
                devfn = PCI_DEVFN(slot, 0);
        if (devfn < 0)
            return error_setf(err, "pci: %s: no free slot on the bus", name);
    }
    if (devfn >= PCI_DEVFN_MAX)
        return error_setf(err, "pci: %s: devfn 0x%x out of range", name, devfn);
    if (bus->devices[devfn])
        return error_setf(err, "pci: %s: slot %d function %d is taken by %s", name,
                          PCI_SLOT(devfn), PCI_FUNC(devfn), bus->devices[devfn]->name);
    d->bus = bus;
    d->devfn = devfn;
    snprintf(d->name, sizeof(d->name), "%s", name);
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    memset(d->cap_used, 0, sizeof(d->cap_used));
    for (int i = 0; i <= PCI_ROM_SLOT; i++)
        d->bars[i] = (PCIBar){ .addr = PCI_BAR_UNMAPPED };
    d->intx_level = d->intx_driven = 0;

    /* The writable parts of every type-0 header; models add their own. */
    pci_set_word(d->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    pci_set_word(d->w1cmask + PCI_STATUS, PCI_STATUS_W1C);
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    bus->devices[devfn] = d;
    return 0;
}

void pci_device_unregister(PCIDevice *d)
{
    PCIBus *bus = d->bus;
    if (!bus)
        return;
    pci_set_irq(d, 0);
    for (int i = 0; i <= PCI_ROM_SLOT; i++) {
        PCIBar *bar = &d->bars[i];
        if (bar->mr && bar->mr->parent)
            mr_del_subregion(bar->mr->parent, bar->mr);
        bar->mr = NULL;
    }
    if (bus->devices[d->devfn] == d)
        bus->devices[d->devfn] = NULL;
    d->bus = NULL;
}

void pci_device_reset(PCIDevice *d)
{
    for (unsigned i = 0; i < PCI_CONFIG_SPACE_SIZE; i++)
        d->config[i] &= (uint8_t)~(d->wmask[i] | d->w1cmask[i]);
    /* ROM enable and BAR type bits are not writable: BAR bases are. */
    pci_update_mappings(d);
    pci_set_irq(d, 0);
}

void pci_device_post_load(PCIDevice *d)
{
    pci_update_mappings(d);
    /*
     * intx_driven is derived: recompute it without a delta (the bus counts
     * are stale anyway), then recount the whole bus. Whichever device loads
     * last leaves the counts and the router's inputs right.
     */
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    d->intx_level = d->intx_level != 0;
    d->intx_driven = d->intx_level && pci_device_pirq(d) >= 0 &&
                     !(cmd & PCI_COMMAND_INTX_DISABLE);
    if (d->intx_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    if (d->bus)
        pci_bus_update_pirqs(d->bus);
}

static int pci_device_state_post_load(void *obj, Error *err)
{
    pci_device_post_load(obj);
    return 0;
}

static const StateField pci_device_fields[] = {
    STATE_BYTES(PCIDevice, config),
    STATE_U8(PCIDevice, intx_level),
    STATE_END
};

const StateDesc pci_device_state = {
    "pci-device", 1, pci_device_fields, pci_device_state_post_load,
};

/* ------------------------------------------------------------------ */
/* Configuration mechanism #1                                         */

static uint64_t pci_config_addr_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIBus *bus = opaque;
    if (addr == 0 && size == 4)
        return bus->config_address;
    if (bus->passthrough_ops && bus->passthrough_ops->read)
        return bus->passthrough_ops->read(bus->passthrough_opaque, addr, size);
    return ~0ull;
}

static void pci_config_addr_write(void *opaque, uint64_t addr, uint64_t val,
                                  unsigned size)
{
    PCIBus *bus = opaque;
    if (addr == 0 && size == 4) {
        bus->config_address = (uint32_t)val & PCI_CONFIG_ADDRESS_MASK;
        return;
    }
    if (bus->passthrough_ops && bus->passthrough_ops->write)
        bus->passthrough_ops->write(bus->passthrough_opaque, addr, val, size);
}

static const MemoryRegionOps pci_config_addr_ops = {
    .read = pci_config_addr_read,
    .write = pci_config_addr_write,
    .min_access = 1,
    .max_access = 4,
    .aligned_only = true,
};

/* The device and register CONFIG_ADDRESS selects, NULL for none. */
static PCIDevice *pci_config_target(PCIBus *bus, unsigned *reg)
{
    uint32_t ca = bus->config_address;
    if (!(ca & PCI_CONFIG_ADDRESS_ENABLE) || ((ca >> 16) & 0xff) != 0)
        return NULL;
    *reg = ca & 0xfc;
    return bus->devices[(ca >> 8) & 0xff];
}

static uint64_t pci_config_data_read(void *opaque, uint64_t addr, unsigned size)
{
    unsigned reg;
    PCIDevice *d = pci_config_target(opaque, &reg);
    /* Nobody answers: master abort, which reads as all-ones. */
    if (!d || addr + size > 4)
        return ~0ull;
    return pci_config_read(d, reg + (unsigned)addr, size);
}

static void pci_config_data_write(void *opaque, uint64_t addr, uint64_t val,
                                  unsigned size)
{
    unsigned reg;
    PCIDevice *d = pci_config_target(opaque, &reg);
    if (d && addr + size <= 4)
        pci_config_write(d, reg + (unsigned)addr, (uint32_t)val, size);
}

static const MemoryRegionOps pci_config_data_ops = {
    .read = pci_config_data_read,
    .write = pci_config_data_write,
    .min_access = 1,
    .max_access = 4,
    .aligned_only = true,
};

void pci_bus_init(PCIBus *bus, MemoryRegion *mem, MemoryRegion *io,
                  MemoryRegion *io_root)
{
    memset(bus, 0, sizeof(*bus));
    bus->mem = mem;
    bus->io = io;
    mr_init_io(&bus->config_addr_io, "pci-config-address", &pci_config_addr_ops,
               bus, 4);
    mr_init_io(&bus->config_data_io, "pci-config-data", &pci_config_data_ops,
               bus, 4);
    if (io_root) {
        mr_add_subregion(io_root, PCI_CONFIG_ADDRESS_PORT, &bus->config_addr_io);
        mr_add_subregion(io_root, PCI_CONFIG_DATA_PORT, &bus->config_data_io);
    }
}

void pci_bus_cleanup(PCIBus *bus, MemoryRegion *io_root)
{
    if (io_root && bus->config_addr_io.parent == io_root) {
        mr_del_subregion(io_root, &bus->config_addr_io);
        mr_del_subregion(io_root, &bus->config_data_io);
    }
    mr_destroy(&bus->config_addr_io);
    mr_destroy(&bus->config_data_io);
}

void pci_bus_set_passthrough(PCIBus *bus, const MemoryRegionOps *ops, void *opaque)
{
    bus->passthrough_ops = ops;
    bus->passthrough_opaque = opaque;
}

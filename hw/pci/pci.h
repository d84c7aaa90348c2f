/* SPDX-License-Identifier: MIT */
/*
 * The PCI bus: configuration space, BARs and INTx for the device models that
 * sit on it (host bridge, PIIX, and later IDE, virtio, e1000, VGA).
 *
 * One bus (number 0) with 32 slots of 8 functions, reached through
 * configuration mechanism #1 (CONFIG_ADDRESS at 0xcf8, CONFIG_DATA at
 * 0xcfc-0xcff). A device model embeds a PCIDevice as the first member of its
 * state struct (PCIDevice itself starts with the Device header, so the
 * device core sees the model as a Device), fills in its IDs, registers its
 * BARs with the MemoryRegion each one maps, and raises its interrupt pin
 * with pci_set_irq(). Everything else is done here:
 *
 *  - every guest config write goes through the device's write masks: bits
 *    outside wmask never change, bits in w1cmask are cleared by writing 1;
 *  - a BAR's region is mapped into the bus's memory or I/O container exactly
 *    while the BAR holds a usable address and the command register enables
 *    that space; sizing (writing all-ones) is a natural effect of the masks;
 *  - INTx pin n (1 = INTA) of slot s drives PIRQ (s - 1 + n - 1) mod 4
 *    (the swizzle of the PC's PCI slots: slot 1 INTA is PIRQA); the bus counts asserted devices per PIRQ and tells the
 *    router (the PIIX ISA bridge) the wired-OR level.
 *
 * Device models react to their own registers through the optional
 * config_write hook, called after the default handling, and may supply
 * volatile registers through config_read. Reset returns every guest-writable
 * bit to 0; a model's own reset then sets its non-zero defaults.
 */
#ifndef TANDEM_PCI_H
#define TANDEM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "softmmu/memory.h"

/* Standard configuration header (type 0). */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_CACHE_LINE_SIZE     0x0c
#define PCI_LATENCY_TIMER       0x0d
#define PCI_HEADER_TYPE         0x0e
#define PCI_BIST                0x0f
#define PCI_BASE_ADDRESS_0      0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
/* The subsystem IDs QEMU gives its devices, by which firmware knows it. */
#define PCI_SUBSYSTEM_VENDOR_QEMU 0x1af4
#define PCI_SUBSYSTEM_ID_QEMU     0x1100
#define PCI_ROM_ADDRESS         0x30
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d
#define PCI_CONFIG_SPACE_SIZE   256

#define PCI_COMMAND_IO          0x0001
#define PCI_COMMAND_MEMORY      0x0002
#define PCI_COMMAND_MASTER      0x0004
#define PCI_COMMAND_PARITY      0x0040
#define PCI_COMMAND_SERR        0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT    0x0008  /* read-only: INTx asserted */
#define PCI_STATUS_CAP_LIST     0x0010
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_W1C          0xf900  /* error bits, cleared by writing 1 */

#define PCI_HEADER_MULTI_FUNCTION 0x80

#define PCI_BAR_IO              0x01    /* BAR type bits, as the guest sees them */
#define PCI_BAR_MEM32           0x00
#define PCI_BAR_MEM64           0x04
#define PCI_BAR_PREFETCH        0x08
#define PCI_ROM_ENABLE          0x01

#define PCI_NUM_BARS            6
#define PCI_ROM_SLOT            6       /* the expansion ROM, a 7th BAR */
#define PCI_BAR_UNMAPPED        UINT64_MAX

#define PCI_DEVFN(slot, fn)     ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 7)
#define PCI_DEVFN_MAX           256
#define PCI_NUM_PIRQS           4

/* Configuration mechanism #1 ports. */
#define PCI_CONFIG_ADDRESS_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT    0xcfc

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIBar {
    MemoryRegion *mr;       /* NULL: BAR not implemented */
    uint8_t type;           /* PCI_BAR_* bits */
    uint64_t addr;          /* where mr is mapped, PCI_BAR_UNMAPPED if not */
} PCIBar;

struct PCIDevice {
    Device dev;             /* first: the device core's header */
    PCIBus *bus;
    int devfn;
    char name[32];

    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];    /* guest-writable bits */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];  /* write-1-to-clear bits */

    PCIBar bars[PCI_NUM_BARS + 1];           /* + expansion ROM */
    uint8_t cap_used[PCI_CONFIG_SPACE_SIZE / 8]; /* bitmap: bytes owned by capabilities */
    uint8_t intx_level;     /* what the model asked for with pci_set_irq */
    uint8_t intx_driven;    /* what reaches the bus (after INTx disable) */

    /*
     * Optional hooks of the device model. config_read may return the value
     * of volatile registers; it gets the default value (from config[]) and
     * returns what the guest sees. config_write runs after config[] was
     * updated through the masks and BAR mappings were refreshed.
     */
    uint32_t (*config_read)(PCIDevice *d, unsigned addr, uint32_t val, unsigned len);
    void (*config_write)(PCIDevice *d, unsigned addr, uint32_t val, unsigned len);
};

/* The router's input: the wired-OR level of one PIRQ line changed. */
typedef void PCIPirqHandler(void *opaque, int pirq, int level);

struct PCIBus {
    MemoryRegion *mem;      /* container memory BARs are mapped into */
    MemoryRegion *io;       /* container I/O BARs are mapped into */
    PCIDevice *devices[PCI_DEVFN_MAX];

    uint32_t config_address;        /* CONFIG_ADDRESS latch (0xcf8) */
    MemoryRegion config_addr_io;    /* 0xcf8-0xcfb */
    MemoryRegion config_data_io;    /* 0xcfc-0xcff */
    /*
     * Only dword accesses at 0xcf8 reach CONFIG_ADDRESS; the PCI spec passes
     * the others on as ordinary I/O. This is what sits there (the PIIX's
     * reset control register at 0xcf9); offsets are from 0xcf8.
     */
    const MemoryRegionOps *passthrough_ops;
    void *passthrough_opaque;

    AddressSpace *dma_as;           /* what bus masters reach (guest memory) */

    int pirq_count[PCI_NUM_PIRQS];  /* devices asserting each PIRQ */
    PCIPirqHandler *pirq_handler;
    void *pirq_opaque;
};

/*
 * Set up an empty bus whose BARs map into mem and io (containers the caller
 * placed), and put the configuration ports into io_root at 0xcf8/0xcfc.
 * io_root may be NULL (no ports, for tests that use pci_config_* only).
 */
void pci_bus_init(PCIBus *bus, MemoryRegion *mem, MemoryRegion *io,
                  MemoryRegion *io_root);
/* Remove the ports (the devices are their models' to destroy). */
void pci_bus_cleanup(PCIBus *bus, MemoryRegion *io_root);
/* The PIRQ router; called at once with the current level of each PIRQ. */
void pci_bus_set_pirq_handler(PCIBus *bus, PCIPirqHandler *h, void *opaque);
void pci_bus_set_passthrough(PCIBus *bus, const MemoryRegionOps *ops, void *opaque);
/* Recount PIRQ levels from the devices and tell the router (after a load). */
void pci_bus_update_pirqs(PCIBus *bus);
PCIDevice *pci_find_device(PCIBus *bus, int devfn);
/* The PIRQ (0..3) that INTx pin (1 = INTA .. 4 = INTD) of slot drives. */
int pci_swizzle(int slot, int pin);

/*
 * Put d on the bus at devfn (-1: function 0 of the first free slot). Fills
 * the default write masks of a type-0 header. Returns -1 with err if the
 * place is taken or out of range. The IDs are set afterwards.
 */
int pci_device_register(PCIBus *bus, PCIDevice *d, int devfn, const char *name,
                        Error *err);
void pci_device_unregister(PCIDevice *d);
/* class_code: base class << 16 | subclass << 8 | programming interface. */
void pci_config_set_ids(PCIDevice *d, uint16_t vendor, uint16_t device,
                        uint8_t revision, uint32_t class_code, uint8_t header_type);
/* pin 1..4 (INTA..INTD) or 0 for none; read-only to the guest. */
void pci_config_set_interrupt_pin(PCIDevice *d, uint8_t pin);

/*
 * Declare BAR idx (0..5, or PCI_ROM_SLOT) backed by mr, whose size must be a
 * power of two (at least 4 bytes for I/O, 16 for memory, 2 KiB for a ROM).
 * A PCI_BAR_MEM64 BAR uses idx and idx + 1. The region is placed in the
 * bus's container but stays disabled until the guest maps it.
 */
void pci_register_bar(PCIDevice *d, int idx, uint8_t type, MemoryRegion *mr);
/* Where BAR idx is mapped now, PCI_BAR_UNMAPPED when it is not. */
uint64_t pci_bar_address(const PCIDevice *d, int idx);

/* Raise or lower d's interrupt pin. */
void pci_set_irq(PCIDevice *d, int level);

/*
 * DMA as a bus master: through the bus's dma_as, and only while the guest
 * has set Bus Master Enable in the command register (otherwise MEMTX_ERROR
 * and nothing is transferred; reads fill buf with all-ones). A device that
 * wants a host pointer uses as_dma_map(pci_dma_as(d), ...) after checking
 * pci_bus_master_enabled(d).
 */
bool pci_bus_master_enabled(const PCIDevice *d);
AddressSpace *pci_dma_as(const PCIDevice *d);
MemTxResult pci_dma_read(PCIDevice *d, uint64_t addr, void *buf, uint64_t len);
MemTxResult pci_dma_write(PCIDevice *d, uint64_t addr, const void *buf, uint64_t len);

/*
 * Link a capability of size bytes at offset (>= 0x40, dword aligned) into
 * the list at 0x34 and set the status bit. Its bytes are read-only unless
 * the model opens wmask for them. Returns offset, or -1 if it overlaps the
 * header or another capability or leaves the 256 bytes.
 */
int pci_add_capability(PCIDevice *d, uint8_t cap_id, unsigned offset, unsigned size);

/*
 * Config accesses as the guest makes them (masks apply, hooks run). addr +
 * len must stay inside the 256 bytes; len is 1, 2 or 4. Out-of-range
 * requests read all-ones and write nothing.
 */
uint32_t pci_config_read(PCIDevice *d, unsigned addr, unsigned len);
void pci_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len);

/* Little-endian helpers on config[] for device models (no masks). */
static inline uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, (uint16_t)v);
    pci_set_word(p + 2, (uint16_t)(v >> 16));
}

/*
 * Reset: every guest-writable bit back to 0, BARs unmapped, INTx lowered.
 * Models call this from their reset before setting their own defaults.
 */
void pci_device_reset(PCIDevice *d);
/*
 * After a snapshot load: redo BAR mappings from config[] and the INTx level
 * from intx_level. Models call it from their post_load (pci_device_state's
 * own post_load does it when the model nests that description).
 */
void pci_device_post_load(PCIDevice *d);

/* The saved part of a PCIDevice: nest it with STATE_STRUCT(Model, pci, ...). */
extern const StateDesc pci_device_state;

#endif

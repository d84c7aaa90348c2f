/* SPDX-License-Identifier: MIT */
/*
 * The PC's IDE controller: two ATA channels with a master and a slave each,
 * ATA disks and ATAPI CD-ROMs, PIO and SFF-8038i bus-master DMA, on the
 * PIIX3 IDE function (8086:7010, legacy ports 0x1f0/0x3f6 IRQ 14 and
 * 0x170/0x376 IRQ 15, bus-master registers in BAR4).
 *
 * What the board calls (hw/pc/pc.c), in this order:
 *
 *   IdeController *ide = ide_pc_init(m, pci_bus, pc_isa_irq(m, 14),
 *                                    pc_isa_irq(m, 15), err);
 *   for each -drive text:       ide_pc_add_drive(ide, text, err);
 *   for -hda/-hdb/-hdc/-hdd:    ide_pc_add_legacy_drive(ide, "hda", path, err);
 *   for -cdrom:                 ide_pc_add_legacy_drive(ide, "cdrom", path, err);
 *
 * pci_bus may be NULL: the channels then sit on their ISA ports alone, with
 * no bus master (PIO only). Drives are attached before the machine is first
 * reset. Each function returns -1 (NULL) with one line in err on bad
 * options or images. The controller is on m's device list (reset, state,
 * destroy: it closes its images).
 *
 * Unit tests drive a channel without a machine: ide_bus_init() on an
 * IdeBus, ide_drive_attach(), then ide_ioport_*, ide_devctl_write and
 * bmdma_* as the ports would. Commands that move data complete in a bottom
 * half (the guest sees BSY, then DRQ or the end and an interrupt), so tests
 * run main_loop_wait(0) between issuing a command and looking at the result.
 */
#ifndef TANDEM_IDE_H
#define TANDEM_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/pci/pci.h"
#include "softmmu/memory.h"

typedef struct Machine Machine;
typedef struct Bh Bh;

/* I/O buffer per drive: 256 disk sectors, the largest PIO/DMA chunk. */
#define IDE_BUF_SIZE (256 * 512)

/* Status register */
#define IDE_STAT_ERR  0x01
#define IDE_STAT_DRQ  0x08
#define IDE_STAT_DSC  0x10      /* seek complete (ATAPI: service) */
#define IDE_STAT_DF   0x20
#define IDE_STAT_DRDY 0x40
#define IDE_STAT_BSY  0x80
/* Error register */
#define IDE_ERR_AMNF  0x01
#define IDE_ERR_ABRT  0x04
#define IDE_ERR_IDNF  0x10
#define IDE_ERR_UNC   0x40
/* Device control register */
#define IDE_CTL_NIEN  0x02
#define IDE_CTL_SRST  0x04
#define IDE_CTL_HOB   0x80
/* ATAPI interrupt reason (sector count register) */
#define ATAPI_IR_COD  0x01
#define ATAPI_IR_IO   0x02

/* Bus master (SFF-8038i) */
#define BM_CMD_START  0x01
#define BM_CMD_TOMEM  0x08      /* "read": device to memory */
#define BM_STAT_ACTIVE 0x01
#define BM_STAT_ERR   0x02
#define BM_STAT_INTR  0x04
#define BM_STAT_DMA0  0x20      /* drive 0 DMA capable (software's bit) */
#define BM_STAT_DMA1  0x40

typedef enum IdeKind {
    IDE_KIND_NONE = 0,
    IDE_KIND_DISK,
    IDE_KIND_CDROM,
} IdeKind;

typedef struct IdeBus IdeBus;

typedef struct IdeDrive {
    IdeBus *bus;
    int unit;                   /* 0 master, 1 slave */
    IdeKind kind;
    BlockBackend *blk;          /* owned; NULL: absent, or CD-ROM without medium */
    char model[41], serial[21];
    uint64_t nb_sectors;        /* 512-byte sectors (disk), 2048-byte (CD) */
    uint16_t cyls, heads, secs; /* default CHS translation */

    /* Saved state from here on (see ide_drive_fields in ide.c). */
    uint8_t feature, nsector, sector, lcyl, hcyl, select;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t status, error, cmd;
    uint8_t cur_heads, cur_secs;    /* INITIALIZE DEVICE PARAMETERS */
    uint8_t mult_sectors;           /* SET MULTIPLE MODE, 0: off */
    uint8_t xfer_mode;              /* SET FEATURES 03h value */
    bool write_cache;
    bool irq_pending;               /* INTRQ, before nIEN */
    bool lba48;                     /* command in progress is an EXT one */

    uint8_t pending;                /* work for the bottom half (IdePending) */
    bool dma_pending;               /* a DMA command waits for the bus master */
    bool pio_out;                   /* DRQ direction: host to device */
    uint8_t end_op;                 /* what a drained/filled buffer means */
    uint32_t buf_pos, buf_end;
    uint64_t xfer_lba;              /* next sector of the command */
    uint32_t xfer_left;             /* sectors still to move */
    uint32_t xfer_block;            /* sectors per DRQ block */

    /* ATAPI */
    uint8_t packet[12];
    uint8_t sense_key, asc, ascq;
    bool locked;                    /* PREVENT MEDIUM REMOVAL */
    bool media_event;               /* "new media" for GET EVENT STATUS */
    bool atapi_dma;                 /* this packet command moves data by DMA */
    uint16_t atapi_limit;           /* byte count limit for PIO */
    uint32_t atapi_total;           /* bytes of a non-read reply left to give */

    uint8_t buf[IDE_BUF_SIZE];
} IdeDrive;

typedef struct BmDma {
    IdeBus *bus;
    uint8_t cmd, status;
    uint32_t prd;                   /* PRD table address */
    /* The walk: next PRD, and what is left of the current one. */
    uint32_t cur_prd, cur_addr, cur_len;
    bool eot;                       /* the current PRD was the last one */
} BmDma;

struct IdeBus {
    int index;                      /* 0 primary, 1 secondary */
    IdeDrive drive[2];
    uint8_t cur;                    /* selected unit */
    uint8_t devctl;
    IrqLine *irq;
    AddressSpace *dma_as;           /* guest memory for bus-master DMA */
    BmDma *bm;                      /* NULL: no bus master */
    Bh *bh;
    MemoryRegion io, ctl;           /* command block (8 ports), control (1) */
};

typedef struct IdeController {
    PCIDevice pci;                  /* first: the device header */
    bool on_pci;
    Machine *m;
    IdeBus bus[2];
    BmDma bm[2];
    MemoryRegion bmdma_io;          /* BAR4 */
} IdeController;

#define IDE_PIIX3_DEVFN PCI_DEVFN(1, 1)
#define IDE_PIIX3_DEVICE_ID 0x7010

/* ---- board and command line ------------------------------------------ */

IdeController *ide_pc_init(Machine *m, PCIBus *pci_bus, IrqLine *irq14, IrqLine *irq15,
                           Error *err);
/* -drive file=PATH,format=raw|qcow2,if=ide,media=disk|cdrom,index=N,readonly=on */
int ide_pc_add_drive(IdeController *s, const char *text, Error *err);
/* option is "hda", "hdb", "hdc", "hdd" or "cdrom" (without the dash). */
int ide_pc_add_legacy_drive(IdeController *s, const char *option, const char *path,
                            Error *err);

typedef struct IdeDriveOpts {
    const char *file;               /* NULL: empty CD-ROM drive */
    const char *format;             /* NULL: probe */
    IdeKind media;
    int index;                      /* 0..3 (bus * 2 + unit), -1: first free */
    bool readonly;
} IdeDriveOpts;
/* Parse -drive text; o's strings point into *dopts, freed by the caller
 * with devopts_free(). */
int ide_drive_parse(const char *text, DeviceOpts *dopts, IdeDriveOpts *o, Error *err);

/* ---- one channel, for the controller and tests ----------------------- */

void ide_bus_init(IdeBus *bus, int index, IrqLine *irq, AddressSpace *dma_as, BmDma *bm);
void ide_bus_fini(IdeBus *bus);     /* closes the images */
/* Put a drive (taking blk) at unit; CD-ROMs may have blk NULL. */
int ide_drive_attach(IdeBus *bus, int unit, IdeKind kind, BlockBackend *blk, Error *err);
void ide_bus_reset(IdeBus *bus);    /* power-on / hardware reset */

/* reg 0 (data, size 2 or 4) .. 7 */
uint32_t ide_ioport_read(IdeBus *bus, unsigned reg, unsigned size);
void ide_ioport_write(IdeBus *bus, unsigned reg, uint32_t val, unsigned size);
uint8_t ide_altstatus_read(IdeBus *bus);
void ide_devctl_write(IdeBus *bus, uint8_t val);

void bmdma_init(BmDma *bm, IdeBus *bus);
/* reg 0..7 of one channel's bus-master block */
uint32_t bmdma_read(BmDma *bm, unsigned reg, unsigned size);
void bmdma_write(BmDma *bm, unsigned reg, uint32_t val, unsigned size);

extern const StateDesc ide_bus_state;
extern const StateDesc bmdma_state;

#endif

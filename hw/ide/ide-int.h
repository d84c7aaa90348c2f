/* SPDX-License-Identifier: MIT */
/*
 * Inside the IDE module: what ide.c (ATA core), atapi.c (packet commands)
 * and piix-ide.c (bus master, PCI function) call of one another.
 */
#ifndef TANDEM_IDE_INT_H
#define TANDEM_IDE_INT_H

#include "hw/ide/ide.h"

/* Bottom-half work of a drive. */
typedef enum IdePending {
    IDE_PEND_NONE = 0,
    IDE_PEND_PIO_READ,      /* read the next block, then DRQ + interrupt */
    IDE_PEND_PIO_WRITE,     /* write the block the host gave */
    IDE_PEND_DMA,           /* run the DMA transfer (when the bus master is on) */
    IDE_PEND_FLUSH,
    IDE_PEND_ATAPI_CMD,     /* execute the packet just received */
    IDE_PEND_ATAPI_READ,    /* refill the buffer for a PIO READ(10/12) */
} IdePending;

/* What the end of a PIO buffer means. */
typedef enum IdeEndOp {
    IDE_END_NONE = 0,
    IDE_END_PIO_READ,       /* ATA data-in block drained */
    IDE_END_PIO_WRITE,      /* ATA data-out block filled */
    IDE_END_DONE,           /* IDENTIFY and the like: command over */
    IDE_END_PACKET,         /* ATAPI packet received */
    IDE_END_ATAPI_DATA,     /* ATAPI data-in chunk drained */
} IdeEndOp;

/* ide.c */
void ide_raise_irq(IdeDrive *d);
void ide_schedule(IdeDrive *d, IdePending op);
void ide_pio_start(IdeDrive *d, uint32_t len, bool out, IdeEndOp end, bool irq);
void ide_abort(IdeDrive *d);
void ide_set_signature(IdeDrive *d);
void ide_dma_cb(IdeDrive *d);   /* the bus master was started: run a pending DMA */
void ide_string(uint16_t *words, const char *s, unsigned nwords);

/* atapi.c */
void atapi_identify(IdeDrive *d);
void atapi_packet_cmd(IdeDrive *d);     /* PACKET (A0h) issued */
void atapi_execute(IdeDrive *d);        /* bottom half: the packet arrived */
void atapi_pio_next(IdeDrive *d);       /* a data chunk was drained */
void atapi_read_refill(IdeDrive *d);    /* bottom half */
void atapi_dma_run(IdeDrive *d);
void atapi_reset(IdeDrive *d);

/* piix-ide.c: move len bytes between buf and the PRD-described memory.
 * 0: done; -1: a PRD outside RAM; -2: the PRD table ended first. */
int bmdma_rw(BmDma *bm, uint8_t *buf, uint32_t len, bool to_mem);
/* End of a DMA command: interrupt bit, error bit, active bit per SFF-8038i. */
void bmdma_finish(BmDma *bm, bool error);

#endif

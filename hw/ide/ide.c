/* SPDX-License-Identifier: MIT */
/*
 * ATA channels and disks (ATA/ATAPI-6): task file, PIO and DMA commands.
 *
 * Both devices of a channel latch every task-file write, as on the cable;
 * the DEV bit picks which one answers reads and takes commands. Each
 * register keeps its previous value for LBA48 (the HOB bit of the device
 * control register reads it back). A drive absent from the channel reads
 * as zeros, so software finds nothing there (QEMU's choice, which Linux and
 * SeaBIOS probe correctly).
 *
 * Commands that move data never complete in the port write that issued
 * them: the drive turns BSY and a bottom half does the host I/O, then sets
 * DRQ or ends the command, raising INTRQ. PIO follows the protocol exactly:
 * one interrupt per DRQ block on reads (none at the end), none before the
 * first block of a write and one after each block written. Every guest
 * address is range-checked against the medium before any host I/O (IDNF
 * otherwise); host I/O errors become UNC/ABRT, never a crash.
 *
 * INTRQ = selected drive's pending interrupt AND NOT nIEN; reading the
 * status register or writing a command clears the pending interrupt.
 */
#include <stdio.h>
#include <string.h>

#include "hw/ide/ide-int.h"
#include "softmmu/log.h"
#include "softmmu/main-loop.h"

#define IDE_MAX_MULT 16

enum {
    CMD_NOP = 0x00, CMD_DEVICE_RESET = 0x08, CMD_RECALIBRATE = 0x10,
    CMD_READ = 0x20, CMD_READ_ONCE = 0x21, CMD_READ_EXT = 0x24, CMD_READ_DMA_EXT = 0x25,
    CMD_READ_MULT_EXT = 0x29, CMD_WRITE = 0x30, CMD_WRITE_ONCE = 0x31,
    CMD_WRITE_EXT = 0x34, CMD_WRITE_DMA_EXT = 0x35, CMD_WRITE_MULT_EXT = 0x39,
    CMD_VERIFY = 0x40, CMD_VERIFY_ONCE = 0x41, CMD_VERIFY_EXT = 0x42, CMD_SEEK = 0x70,
    CMD_DIAG = 0x90, CMD_INIT_PARAMS = 0x91, CMD_PACKET = 0xa0, CMD_IDENTIFY_PACKET = 0xa1,
    CMD_READ_MULT = 0xc4, CMD_WRITE_MULT = 0xc5, CMD_SET_MULT = 0xc6, CMD_READ_DMA = 0xc8,
    CMD_READ_DMA_ONCE = 0xc9, CMD_WRITE_DMA = 0xca, CMD_WRITE_DMA_ONCE = 0xcb,
    CMD_STANDBY_IMM = 0xe0, CMD_IDLE_IMM = 0xe1, CMD_STANDBY = 0xe2, CMD_IDLE = 0xe3,
    CMD_CHECK_POWER = 0xe5, CMD_SLEEP = 0xe6, CMD_FLUSH = 0xe7, CMD_IDENTIFY = 0xec,
    CMD_FLUSH_EXT = 0xea, CMD_SET_FEATURES = 0xef,
};

/* ---- interrupts and small helpers ------------------------------------ */

static void ide_update_irq(IdeBus *bus)
{
    IdeDrive *d = &bus->drive[bus->cur];
    irq_set(bus->irq, d->kind != IDE_KIND_NONE && d->irq_pending &&
                      !(bus->devctl & IDE_CTL_NIEN));
}

void ide_raise_irq(IdeDrive *d)
{
    d->irq_pending = true;
    if (d->bus->bm)
        d->bus->bm->status |= BM_STAT_INTR;
    ide_update_irq(d->bus);
}

static void ide_clear_irq(IdeDrive *d)
{
    d->irq_pending = false;
    ide_update_irq(d->bus);
}

void ide_schedule(IdeDrive *d, IdePending op)
{
    d->pending = (uint8_t)op;
    d->status = (uint8_t)((d->status & ~IDE_STAT_DRQ) | IDE_STAT_BSY);
    if (d->bus->bh)
        bh_schedule(d->bus->bh);
}

void ide_pio_start(IdeDrive *d, uint32_t len, bool out, IdeEndOp end, bool irq)
{
    d->buf_pos = 0;
    d->buf_end = len;
    d->pio_out = out;
    d->end_op = (uint8_t)end;
    d->status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_DRQ;
    if (irq)
        ide_raise_irq(d);
}

static void ide_pio_stop(IdeDrive *d)
{
    d->buf_pos = d->buf_end = 0;
    d->end_op = IDE_END_NONE;
}

void ide_abort(IdeDrive *d)
{
    ide_pio_stop(d);
    d->error = IDE_ERR_ABRT;
    d->status = IDE_STAT_DRDY | IDE_STAT_ERR;
    d->dma_pending = false;
    ide_raise_irq(d);
}

static void ide_fail(IdeDrive *d, uint8_t error)
{
    ide_abort(d);
    d->error = error;
}

static void ide_done(IdeDrive *d)
{
    ide_pio_stop(d);
    d->error = 0;
    d->status = IDE_STAT_DRDY | IDE_STAT_DSC;
    ide_raise_irq(d);
}

void ide_set_signature(IdeDrive *d)
{
    d->select &= 0xf0;
    d->nsector = d->sector = 1;
    if (d->kind == IDE_KIND_CDROM) {
        d->lcyl = 0x14;
        d->hcyl = 0xeb;
    } else {
        d->lcyl = d->hcyl = 0;
    }
}

/* ATA strings: two characters per word, first in the high byte, space padded. */
void ide_string(uint16_t *words, const char *s, unsigned nwords)
{
    size_t n = strlen(s);
    for (unsigned i = 0; i < nwords * 2; i++) {
        uint8_t c = i < n ? (uint8_t)s[i] : ' ';
        if (i & 1)
            words[i / 2] |= c;
        else
            words[i / 2] = (uint16_t)(c << 8);
    }
}

/* ---- addressing ------------------------------------------------------ */

static bool ide_get_lba(IdeDrive *d, uint64_t *lba)
{
    if (d->lba48) {
        *lba = (uint64_t)d->sector | (uint64_t)d->lcyl << 8 | (uint64_t)d->hcyl << 16 |
               (uint64_t)d->hob_sector << 24 | (uint64_t)d->hob_lcyl << 32 |
               (uint64_t)d->hob_hcyl << 40;
        return true;
    }
    if (d->select & 0x40) {
        *lba = (uint64_t)d->sector | (uint64_t)d->lcyl << 8 | (uint64_t)d->hcyl << 16 |
               (uint64_t)(d->select & 0x0f) << 24;
        return true;
    }
    /* CHS, in the current translation. */
    unsigned cyl = d->lcyl | d->hcyl << 8, head = d->select & 0x0f, sec = d->sector;
    if (!d->cur_heads || !d->cur_secs || sec == 0 || sec > d->cur_secs ||
        head >= d->cur_heads)
        return false;
    *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + sec - 1;
    return true;
}

/* Leave the address of the last sector moved in the task file. */
static void ide_set_lba(IdeDrive *d, uint64_t lba)
{
    if (d->lba48) {
        d->sector = (uint8_t)lba;
        d->lcyl = (uint8_t)(lba >> 8);
        d->hcyl = (uint8_t)(lba >> 16);
        d->hob_sector = (uint8_t)(lba >> 24);
        d->hob_lcyl = (uint8_t)(lba >> 32);
        d->hob_hcyl = (uint8_t)(lba >> 40);
    } else if (d->select & 0x40) {
        d->sector = (uint8_t)lba;
        d->lcyl = (uint8_t)(lba >> 8);
        d->hcyl = (uint8_t)(lba >> 16);
        d->select = (uint8_t)((d->select & 0xf0) | ((lba >> 24) & 0x0f));
    } else if (d->cur_heads && d->cur_secs) {
        uint64_t cyl = lba / (d->cur_heads * d->cur_secs);
        unsigned rest = (unsigned)(lba % (d->cur_heads * d->cur_secs));
        d->lcyl = (uint8_t)cyl;
        d->hcyl = (uint8_t)(cyl >> 8);
        d->select = (uint8_t)((d->select & 0xf0) | (rest / d->cur_secs));
        d->sector = (uint8_t)(rest % d->cur_secs + 1);
    }
}

static uint32_t ide_get_count(IdeDrive *d)
{
    if (d->lba48) {
        uint32_t n = d->nsector | d->hob_nsector << 8;
        return n ? n : 65536;
    }
    return d->nsector ? d->nsector : 256;
}

/* Decode address and count; IDNF if outside the medium. */
static bool ide_setup_xfer(IdeDrive *d, uint32_t block)
{
    uint64_t lba = 0;
    uint32_t count = ide_get_count(d);
    if (!ide_get_lba(d, &lba) || lba > d->nb_sectors || count > d->nb_sectors - lba) {
        log_mask_printf(LOG_GUEST, "ide%d.%d: command 0x%02x: sectors %llu+%u beyond %llu\n",
                        d->bus->index, d->unit, d->cmd, (unsigned long long)lba, count,
                        (unsigned long long)d->nb_sectors);
        ide_fail(d, IDE_ERR_IDNF);
        return false;
    }
    d->xfer_lba = lba;
    d->xfer_left = count;
    d->xfer_block = block;
    return true;
}

/* ---- IDENTIFY -------------------------------------------------------- */

static void ide_put_identify_checksum(uint16_t *w)
{
    uint8_t sum = 0xa5;
    w[255] = 0x00a5;
    for (int i = 0; i < 255; i++)
        sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
    w[255] = (uint16_t)(((uint8_t)-sum) << 8 | 0xa5);
}

static void ide_store_words(IdeDrive *d, const uint16_t *w)
{
    for (int i = 0; i < 256; i++) {
        d->buf[2 * i] = (uint8_t)w[i];
        d->buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
}

static void ide_identify(IdeDrive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof(w));
    uint64_t n = d->nb_sectors;
    w[0] = 0x0040;                          /* fixed disk */
    w[1] = d->cyls;
    w[3] = d->heads;
    w[6] = d->secs;
    ide_string(&w[10], d->serial, 10);
    ide_string(&w[23], "1.0", 4);
    ide_string(&w[27], d->model, 20);
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0f00;                         /* IORDY, IORDY disable, LBA, DMA */
    w[50] = 0x4000;
    w[51] = 0x0200;                         /* PIO timing mode 2 */
    w[53] = 0x0007;                         /* words 54-58, 64-70, 88 valid */
    unsigned ch = d->cur_heads, cs = d->cur_secs;
    uint64_t cc = ch && cs ? n / (ch * cs) : 0;
    if (cc > 65535)
        cc = 65535;
    w[54] = (uint16_t)cc;
    w[55] = (uint16_t)ch;
    w[56] = (uint16_t)cs;
    uint32_t chs_cap = (uint32_t)(cc * ch * cs);
    w[57] = (uint16_t)chs_cap;
    w[58] = (uint16_t)(chs_cap >> 16);
    if (d->mult_sectors)
        w[59] = 0x0100 | d->mult_sectors;
    uint32_t lba28 = n > 0x0fffffff ? 0x0fffffff : (uint32_t)n;
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    w[63] = 0x0007;                         /* multiword DMA 0-2 */
    w[64] = 0x0003;                         /* PIO 3-4 */
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x007e;                         /* ATA-1 .. ATA-6 */
    w[82] = 0x4060;                         /* NOP, look-ahead, write cache */
    w[83] = 0x7400;                         /* FLUSH EXT, FLUSH, 48-bit */
    w[84] = 0x4000;
    w[85] = 0x4040 | (d->write_cache ? 0x0020 : 0);
    w[86] = 0x3400;
    w[87] = 0x4000;
    w[88] = 0x003f;                         /* UDMA 0-5 */
    if ((d->xfer_mode & 0xf8) == 0x20)
        w[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    else if ((d->xfer_mode & 0xf8) == 0x40)
        w[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    w[93] = d->unit ? 0x4b00 : 0x600b;      /* reset results, 80-wire cable */
    w[100] = (uint16_t)n;
    w[101] = (uint16_t)(n >> 16);
    w[102] = (uint16_t)(n >> 32);
    w[103] = (uint16_t)(n >> 48);
    ide_put_identify_checksum(w);
    ide_store_words(d, w);
}

/* ---- PIO data path --------------------------------------------------- */

static void ide_pio_read_block(IdeDrive *d)
{
    uint32_t n = d->xfer_left < d->xfer_block ? d->xfer_left : d->xfer_block;
    Error err = { 0 };
    if (block_read_sectors(d->blk, d->xfer_lba, d->buf, n, &err) < 0) {
        log_mask_printf(LOG_GUEST, "ide%d.%d: %s\n", d->bus->index, d->unit, err.msg);
        ide_set_lba(d, d->xfer_lba);
        ide_fail(d, IDE_ERR_UNC | IDE_ERR_ABRT);
        return;
    }
    ide_set_lba(d, d->xfer_lba + n - 1);
    d->xfer_lba += n;
    d->xfer_left -= n;
    ide_pio_start(d, n * 512, false, IDE_END_PIO_READ, true);
}

static void ide_pio_write_block(IdeDrive *d)
{
    uint32_t n = d->xfer_left < d->xfer_block ? d->xfer_left : d->xfer_block;
    Error err = { 0 };
    if (block_write_sectors(d->blk, d->xfer_lba, d->buf, n, &err) < 0) {
        log_mask_printf(LOG_GUEST, "ide%d.%d: %s\n", d->bus->index, d->unit, err.msg);
        ide_set_lba(d, d->xfer_lba);
        ide_fail(d, IDE_ERR_ABRT);
        return;
    }
    ide_set_lba(d, d->xfer_lba + n - 1);
    d->xfer_lba += n;
    d->xfer_left -= n;
    if (!d->xfer_left) {
        ide_done(d);
        return;
    }
    n = d->xfer_left < d->xfer_block ? d->xfer_left : d->xfer_block;
    ide_pio_start(d, n * 512, true, IDE_END_PIO_WRITE, true);
}

/* The host drained or filled the buffer. */
static void ide_pio_end(IdeDrive *d)
{
    IdeEndOp end = d->end_op;
    /* buf_pos stays: ATAPI continues from it with the next chunk. */
    d->end_op = IDE_END_NONE;
    d->status &= (uint8_t)~IDE_STAT_DRQ;
    switch (end) {
    case IDE_END_PIO_READ:
        if (d->xfer_left)
            ide_schedule(d, IDE_PEND_PIO_READ);
        else
            d->status = IDE_STAT_DRDY | IDE_STAT_DSC;
        break;
    case IDE_END_PIO_WRITE:
        ide_schedule(d, IDE_PEND_PIO_WRITE);
        break;
    case IDE_END_PACKET:
        ide_schedule(d, IDE_PEND_ATAPI_CMD);
        break;
    case IDE_END_ATAPI_DATA:
        atapi_pio_next(d);
        break;
    default:
        d->status = IDE_STAT_DRDY | IDE_STAT_DSC;
        break;
    }
}

static uint32_t ide_data_read(IdeBus *bus, unsigned size)
{
    IdeDrive *d = &bus->drive[bus->cur];
    if (!(d->status & IDE_STAT_DRQ) || d->pio_out || d->buf_pos >= d->buf_end)
        return size == 4 ? 0xffffffffu : 0xffff;
    unsigned n = size == 4 && d->buf_end - d->buf_pos >= 4 ? 4 : 2;
    uint32_t v = 0;
    for (unsigned i = 0; i < n && d->buf_pos + i < d->buf_end; i++)
        v |= (uint32_t)d->buf[d->buf_pos + i] << (8 * i);
    d->buf_pos += n;
    if (d->buf_pos >= d->buf_end)
        ide_pio_end(d);
    return v;
}

static void ide_data_write(IdeBus *bus, uint32_t val, unsigned size)
{
    IdeDrive *d = &bus->drive[bus->cur];
    if (!(d->status & IDE_STAT_DRQ) || !d->pio_out || d->buf_pos >= d->buf_end)
        return;
    unsigned n = size == 4 && d->buf_end - d->buf_pos >= 4 ? 4 : 2;
    for (unsigned i = 0; i < n && d->buf_pos + i < d->buf_end; i++)
        d->buf[d->buf_pos + i] = (uint8_t)(val >> (8 * i));
    d->buf_pos += n;
    if (d->buf_pos >= d->buf_end)
        ide_pio_end(d);
}

/* ---- DMA ------------------------------------------------------------- */

static void ide_dma_start(IdeDrive *d, bool to_disk)
{
    d->pio_out = to_disk;
    d->dma_pending = true;
    d->status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_BSY;
    if (d->bus->bm && (d->bus->bm->cmd & BM_CMD_START))
        ide_schedule(d, IDE_PEND_DMA);
}

void ide_dma_cb(IdeDrive *d)
{
    if (d->dma_pending && d->pending == IDE_PEND_NONE)
        ide_schedule(d, IDE_PEND_DMA);
}

static void ide_dma_run(IdeDrive *d)
{
    BmDma *bm = d->bus->bm;
    if (!bm || !(bm->cmd & BM_CMD_START))
        return;     /* stays pending until the bus master is started */
    d->dma_pending = false;
    if (d->kind == IDE_KIND_CDROM) {
        atapi_dma_run(d);
        return;
    }
    bool to_disk = d->pio_out;
    if (to_disk == !!(bm->cmd & BM_CMD_TOMEM)) {
        /* The host programmed the opposite direction: nothing can move. */
        ide_abort(d);
        bmdma_finish(bm, true);
        return;
    }
    while (d->xfer_left) {
        uint32_t n = d->xfer_left < IDE_BUF_SIZE / 512 ? d->xfer_left : IDE_BUF_SIZE / 512;
        Error err = { 0 };
        int r = 0;
        if (!to_disk) {
            if (block_read_sectors(d->blk, d->xfer_lba, d->buf, n, &err) < 0)
                r = -3;
            else
                r = bmdma_rw(bm, d->buf, n * 512, true);
        } else {
            r = bmdma_rw(bm, d->buf, n * 512, false);
            if (!r && block_write_sectors(d->blk, d->xfer_lba, d->buf, n, &err) < 0)
                r = -3;
        }
        if (r) {
            if (r == -3)
                log_mask_printf(LOG_GUEST, "ide%d.%d: %s\n", d->bus->index, d->unit, err.msg);
            else
                log_mask_printf(LOG_GUEST, "ide%d.%d: DMA %s\n", d->bus->index, d->unit,
                                r == -1 ? "to or from memory that is not RAM"
                                        : "PRD table shorter than the transfer");
            ide_set_lba(d, d->xfer_lba);
            ide_fail(d, r == -3 && !to_disk ? IDE_ERR_UNC | IDE_ERR_ABRT : IDE_ERR_ABRT);
            bmdma_finish(bm, r != -3);
            return;
        }
        ide_set_lba(d, d->xfer_lba + n - 1);
        d->xfer_lba += n;
        d->xfer_left -= n;
    }
    bmdma_finish(bm, false);
    ide_done(d);
}

/* ---- the bottom half ------------------------------------------------- */

static void ide_bh(void *opaque)
{
    IdeBus *bus = opaque;
    for (int u = 0; u < 2; u++) {
        IdeDrive *d = &bus->drive[u];
        IdePending op = d->pending;
        d->pending = IDE_PEND_NONE;
        switch (op) {
        case IDE_PEND_NONE:
            break;
        case IDE_PEND_PIO_READ:
            ide_pio_read_block(d);
            break;
        case IDE_PEND_PIO_WRITE:
            ide_pio_write_block(d);
            break;
        case IDE_PEND_DMA:
            ide_dma_run(d);
            break;
        case IDE_PEND_FLUSH: {
            Error err = { 0 };
            if (d->blk && block_flush(d->blk, &err) < 0) {
                log_mask_printf(LOG_GUEST, "ide%d.%d: %s\n", bus->index, u, err.msg);
                ide_abort(d);
            } else {
                ide_done(d);
            }
            break;
        }
        case IDE_PEND_ATAPI_CMD:
            atapi_execute(d);
            break;
        case IDE_PEND_ATAPI_READ:
            atapi_read_refill(d);
            break;
        }
    }
}

/* ---- commands -------------------------------------------------------- */

static void ide_set_features(IdeDrive *d)
{
    switch (d->feature) {
    case 0x02: d->write_cache = true; break;
    case 0x82: d->write_cache = false; break;
    case 0x03: {
        uint8_t mode = d->nsector, kind = mode & 0xf8, n = mode & 7;
        if (!((mode <= 1) || (kind == 0x08 && n <= 4) || (kind == 0x20 && n <= 2) ||
              (kind == 0x40 && n <= 5))) {
            ide_abort(d);
            return;
        }
        d->xfer_mode = mode;
        break;
    }
    case 0x55: case 0xaa: case 0x66: case 0xcc:
        break;                              /* look-ahead, defaults: nothing to keep */
    default:
        log_mask_printf(LOG_UNIMP, "ide%d.%d: SET FEATURES 0x%02x\n", d->bus->index,
                        d->unit, d->feature);
        ide_abort(d);
        return;
    }
    ide_done(d);
}

static void ide_diagnose(IdeBus *bus)
{
    for (int u = 0; u < 2; u++) {
        IdeDrive *d = &bus->drive[u];
        if (d->kind == IDE_KIND_NONE)
            continue;
        ide_pio_stop(d);
        ide_set_signature(d);
        d->error = 0x01;                    /* passed */
        d->status = d->kind == IDE_KIND_CDROM ? 0 : IDE_STAT_DRDY | IDE_STAT_DSC;
    }
    /* Device 0 posts the interrupt (it answers for an absent device 1). */
    IdeDrive *d0 = &bus->drive[0];
    if (d0->kind != IDE_KIND_NONE)
        ide_raise_irq(d0);
}

static void ide_exec_cmd(IdeBus *bus, uint8_t cmd)
{
    IdeDrive *d = &bus->drive[bus->cur];
    if (cmd == CMD_DIAG) {
        ide_diagnose(bus);
        return;
    }
    if (d->kind == IDE_KIND_NONE)
        return;                             /* nobody there to answer */
    bool cd = d->kind == IDE_KIND_CDROM;
    if ((d->status & IDE_STAT_BSY) && !(cd && cmd == CMD_DEVICE_RESET))
        return;
    d->cmd = cmd;
    d->lba48 = false;
    d->dma_pending = false;
    ide_clear_irq(d);
    log_mask_printf(LOG_IOPORT, "ide%d.%d: command 0x%02x\n", bus->index, d->unit, cmd);

    bool write = false, dma = false, mult = false;
    switch (cmd) {
    case CMD_IDENTIFY:
        if (cd) {
            ide_set_signature(d);           /* tells the host it is ATAPI */
            ide_abort(d);
            return;
        }
        ide_identify(d);
        ide_pio_start(d, 512, false, IDE_END_DONE, true);
        return;
    case CMD_IDENTIFY_PACKET:
        if (!cd) {
            ide_abort(d);
            return;
        }
        atapi_identify(d);
        ide_pio_start(d, 512, false, IDE_END_DONE, true);
        return;
    case CMD_PACKET:
        if (!cd) {
            ide_abort(d);
            return;
        }
        atapi_packet_cmd(d);
        return;
    case CMD_DEVICE_RESET:
        if (!cd) {
            ide_abort(d);
            return;
        }
        ide_pio_stop(d);
        d->pending = IDE_PEND_NONE;
        atapi_reset(d);
        ide_set_signature(d);
        d->status = 0;
        d->error = 0x01;
        return;
    case CMD_SET_FEATURES:
        ide_set_features(d);
        return;
    case CMD_CHECK_POWER:
        d->nsector = 0xff;                  /* active or idle */
        ide_done(d);
        return;
    case CMD_STANDBY_IMM: case CMD_IDLE_IMM: case CMD_STANDBY: case CMD_IDLE:
    case CMD_SLEEP:
        ide_done(d);
        return;
    case CMD_FLUSH: case CMD_FLUSH_EXT:
        ide_schedule(d, IDE_PEND_FLUSH);
        return;
    default:
        break;
    }
    if (cd) {                               /* the rest are ATA disk commands */
        ide_abort(d);
        return;
    }

    switch (cmd) {
    case CMD_RECALIBRATE ... CMD_RECALIBRATE + 15:
    case CMD_SEEK:
        ide_done(d);
        return;
    case CMD_INIT_PARAMS:
        if (!d->nsector) {
            ide_abort(d);
            return;
        }
        d->cur_secs = d->nsector;
        d->cur_heads = (uint8_t)((d->select & 0x0f) + 1);
        ide_done(d);
        return;
    case CMD_SET_MULT:
        if (d->nsector > IDE_MAX_MULT || (d->nsector & (d->nsector - 1))) {
            ide_abort(d);
            return;
        }
        d->mult_sectors = d->nsector;
        ide_done(d);
        return;
    case CMD_VERIFY: case CMD_VERIFY_ONCE: case CMD_VERIFY_EXT:
        d->lba48 = cmd == CMD_VERIFY_EXT;
        if (ide_setup_xfer(d, 1)) {
            ide_set_lba(d, d->xfer_lba + d->xfer_left - 1);
            ide_done(d);
        }
        return;
    case CMD_READ: case CMD_READ_ONCE: case CMD_READ_EXT:
        break;
    case CMD_READ_MULT: case CMD_READ_MULT_EXT:
        mult = true;
        break;
    case CMD_WRITE: case CMD_WRITE_ONCE: case CMD_WRITE_EXT:
        write = true;
        break;
    case CMD_WRITE_MULT: case CMD_WRITE_MULT_EXT:
        write = mult = true;
        break;
    case CMD_READ_DMA: case CMD_READ_DMA_ONCE: case CMD_READ_DMA_EXT:
        dma = true;
        break;
    case CMD_WRITE_DMA: case CMD_WRITE_DMA_ONCE: case CMD_WRITE_DMA_EXT:
        dma = write = true;
        break;
    default:
        log_mask_printf(LOG_UNIMP, "ide%d.%d: unsupported command 0x%02x\n", bus->index,
                        d->unit, cmd);
        ide_abort(d);
        return;
    }

    d->lba48 = cmd == CMD_READ_EXT || cmd == CMD_READ_MULT_EXT || cmd == CMD_WRITE_EXT ||
               cmd == CMD_WRITE_MULT_EXT || cmd == CMD_READ_DMA_EXT ||
               cmd == CMD_WRITE_DMA_EXT;
    if ((mult && !d->mult_sectors) || (write && block_is_readonly(d->blk)) ||
        (dma && !bus->bm)) {
        ide_abort(d);
        return;
    }
    if (!ide_setup_xfer(d, mult ? d->mult_sectors : 1))
        return;
    if (dma) {
        ide_dma_start(d, write);
    } else if (write) {
        uint32_t n = d->xfer_left < d->xfer_block ? d->xfer_left : d->xfer_block;
        ide_pio_start(d, n * 512, true, IDE_END_PIO_WRITE, false);
    } else {
        ide_schedule(d, IDE_PEND_PIO_READ);
    }
}

/* ---- registers ------------------------------------------------------- */

static bool ide_bus_empty(IdeBus *bus)
{
    return bus->drive[0].kind == IDE_KIND_NONE && bus->drive[1].kind == IDE_KIND_NONE;
}

uint32_t ide_ioport_read(IdeBus *bus, unsigned reg, unsigned size)
{
    IdeDrive *d = &bus->drive[bus->cur];
    bool hob = bus->devctl & IDE_CTL_HOB;
    if (reg == 0)
        return ide_data_read(bus, size);
    if (reg == 6)
        return d->select;
    if (d->kind == IDE_KIND_NONE || ide_bus_empty(bus))
        return 0;
    switch (reg) {
    case 1: return hob ? d->hob_feature : d->error;
    case 2: return hob ? d->hob_nsector : d->nsector;
    case 3: return hob ? d->hob_sector : d->sector;
    case 4: return hob ? d->hob_lcyl : d->lcyl;
    case 5: return hob ? d->hob_hcyl : d->hcyl;
    default:
        ide_clear_irq(d);
        return d->status;
    }
}

void ide_ioport_write(IdeBus *bus, unsigned reg, uint32_t val, unsigned size)
{
    if (reg == 0) {
        ide_data_write(bus, val, size);
        return;
    }
    uint8_t v = (uint8_t)val;
    if (reg == 7) {
        ide_exec_cmd(bus, v);
        return;
    }
    /* Any command block write drops HOB (ATA-6 7.9). */
    bus->devctl &= (uint8_t)~IDE_CTL_HOB;
    for (int u = 0; u < 2; u++) {
        IdeDrive *d = &bus->drive[u];
        switch (reg) {
        case 1: d->hob_feature = d->feature; d->feature = v; break;
        case 2: d->hob_nsector = d->nsector; d->nsector = v; break;
        case 3: d->hob_sector = d->sector; d->sector = v; break;
        case 4: d->hob_lcyl = d->lcyl; d->lcyl = v; break;
        case 5: d->hob_hcyl = d->hcyl; d->hcyl = v; break;
        case 6: d->select = v | 0xa0; break;
        }
    }
    if (reg == 6) {
        bus->cur = (v >> 4) & 1;
        ide_update_irq(bus);
    }
}

uint8_t ide_altstatus_read(IdeBus *bus)
{
    IdeDrive *d = &bus->drive[bus->cur];
    if (d->kind == IDE_KIND_NONE || ide_bus_empty(bus))
        return 0;
    return d->status;
}

static void ide_drive_reset(IdeDrive *d, bool power_on)
{
    ide_pio_stop(d);
    d->pending = IDE_PEND_NONE;
    d->dma_pending = false;
    d->irq_pending = false;
    d->lba48 = false;
    d->xfer_left = 0;
    d->feature = d->hob_feature = d->hob_nsector = d->hob_sector = 0;
    d->hob_lcyl = d->hob_hcyl = 0;
    d->select = 0xa0;
    if (power_on) {
        d->cur_heads = (uint8_t)d->heads;
        d->cur_secs = (uint8_t)d->secs;
        d->mult_sectors = IDE_MAX_MULT;
        d->write_cache = true;
        d->xfer_mode = 0;
    }
    if (d->kind == IDE_KIND_CDROM)
        atapi_reset(d);
    ide_set_signature(d);
    d->error = 0x01;                        /* diagnostics passed */
    /* ATAPI devices come out of reset without DRDY (ATA-6 9.12). */
    d->status = d->kind == IDE_KIND_DISK ? IDE_STAT_DRDY | IDE_STAT_DSC : 0;
}

void ide_devctl_write(IdeBus *bus, uint8_t val)
{
    uint8_t old = bus->devctl;
    bus->devctl = val;
    if ((val & IDE_CTL_SRST) && !(old & IDE_CTL_SRST)) {
        for (int u = 0; u < 2; u++) {
            IdeDrive *d = &bus->drive[u];
            ide_drive_reset(d, false);
            d->status = IDE_STAT_BSY;       /* until SRST is released */
        }
        bus->cur = 0;
    } else if (!(val & IDE_CTL_SRST) && (old & IDE_CTL_SRST)) {
        for (int u = 0; u < 2; u++)
            ide_drive_reset(&bus->drive[u], false);
        bus->cur = 0;
    }
    ide_update_irq(bus);
}

void ide_bus_reset(IdeBus *bus)
{
    bus->devctl = 0;
    bus->cur = 0;
    for (int u = 0; u < 2; u++)
        ide_drive_reset(&bus->drive[u], true);
    ide_update_irq(bus);
}

/* ---- set-up ---------------------------------------------------------- */

void ide_bus_init(IdeBus *bus, int index, IrqLine *irq, AddressSpace *dma_as, BmDma *bm)
{
    bus->index = index;
    bus->irq = irq;
    bus->dma_as = dma_as;
    bus->bm = bm;
    bus->bh = bh_new(ide_bh, bus);
    for (int u = 0; u < 2; u++) {
        bus->drive[u].bus = bus;
        bus->drive[u].unit = u;
    }
    ide_bus_reset(bus);
}

void ide_bus_fini(IdeBus *bus)
{
    for (int u = 0; u < 2; u++) {
        block_close(bus->drive[u].blk);
        bus->drive[u].blk = NULL;
        bus->drive[u].kind = IDE_KIND_NONE;
    }
    bh_free(bus->bh);
    bus->bh = NULL;
}

int ide_drive_attach(IdeBus *bus, int unit, IdeKind kind, BlockBackend *blk, Error *err)
{
    IdeDrive *d = &bus->drive[unit & 1];
    if (d->kind != IDE_KIND_NONE)
        return error_setf(err, "ide%d.%d is already in use", bus->index, unit);
    if (kind == IDE_KIND_DISK && !blk)
        return error_setf(err, "ide%d.%d: a disk needs an image (file=)", bus->index, unit);
    d->kind = kind;
    d->blk = blk;
    snprintf(d->serial, sizeof(d->serial), "TD%08d", bus->index * 2 + unit + 1);
    if (kind == IDE_KIND_CDROM) {
        snprintf(d->model, sizeof(d->model), "TANDEM DVD-ROM");
        d->nb_sectors = blk ? block_size(blk) / 2048 : 0;
        d->media_event = blk != NULL;
    } else {
        snprintf(d->model, sizeof(d->model), "TANDEM HARDDISK");
        d->nb_sectors = block_nb_sectors(blk);
        uint64_t cyls = d->nb_sectors / (16 * 63);
        d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
        d->heads = 16;
        d->secs = 63;
    }
    ide_drive_reset(d, true);
    ide_update_irq(bus);
    return 0;
}

/* ---- state ----------------------------------------------------------- */

static const StateField ide_drive_fields[] = {
    STATE_U8(IdeDrive, feature), STATE_U8(IdeDrive, nsector), STATE_U8(IdeDrive, sector),
    STATE_U8(IdeDrive, lcyl), STATE_U8(IdeDrive, hcyl), STATE_U8(IdeDrive, select),
    STATE_U8(IdeDrive, hob_feature), STATE_U8(IdeDrive, hob_nsector),
    STATE_U8(IdeDrive, hob_sector), STATE_U8(IdeDrive, hob_lcyl),
    STATE_U8(IdeDrive, hob_hcyl), STATE_U8(IdeDrive, status), STATE_U8(IdeDrive, error),
    STATE_U8(IdeDrive, cmd), STATE_U8(IdeDrive, cur_heads), STATE_U8(IdeDrive, cur_secs),
    STATE_U8(IdeDrive, mult_sectors), STATE_U8(IdeDrive, xfer_mode),
    STATE_BOOL(IdeDrive, write_cache), STATE_BOOL(IdeDrive, irq_pending),
    STATE_BOOL(IdeDrive, lba48), STATE_U8(IdeDrive, pending),
    STATE_BOOL(IdeDrive, dma_pending), STATE_BOOL(IdeDrive, pio_out),
    STATE_U8(IdeDrive, end_op), STATE_U32(IdeDrive, buf_pos), STATE_U32(IdeDrive, buf_end),
    STATE_U64(IdeDrive, xfer_lba), STATE_U32(IdeDrive, xfer_left),
    STATE_U32(IdeDrive, xfer_block), STATE_U8_ARRAY(IdeDrive, packet, 12),
    STATE_U8(IdeDrive, sense_key), STATE_U8(IdeDrive, asc), STATE_U8(IdeDrive, ascq),
    STATE_BOOL(IdeDrive, locked), STATE_BOOL(IdeDrive, media_event),
    STATE_BOOL(IdeDrive, atapi_dma), STATE_U16(IdeDrive, atapi_limit),
    STATE_U32(IdeDrive, atapi_total), STATE_BYTES(IdeDrive, buf),
    STATE_END
};
static const StateDesc ide_drive_state = { "ide-drive", 1, ide_drive_fields, NULL };

/* A loaded state is trusted no more than a guest: clamp what indexes buf. */
static int ide_bus_post_load(void *obj, Error *err)
{
    IdeBus *bus = obj;
    bus->cur &= 1;
    for (int u = 0; u < 2; u++) {
        IdeDrive *d = &bus->drive[u];
        if (d->buf_end > IDE_BUF_SIZE || d->buf_pos > d->buf_end)
            return error_setf(err, "ide%d.%d: bad PIO buffer position in the snapshot",
                              bus->index, u);
        if (d->pending != IDE_PEND_NONE && bus->bh)
            bh_schedule(bus->bh);
    }
    ide_update_irq(bus);
    return 0;
}

static const StateField ide_bus_fields[] = {
    STATE_U8(IdeBus, cur),
    STATE_U8(IdeBus, devctl),
    STATE_STRUCT_ARRAY(IdeBus, drive, 2, ide_drive_state),
    STATE_END
};
const StateDesc ide_bus_state = { "ide-bus", 1, ide_bus_fields, ide_bus_post_load };

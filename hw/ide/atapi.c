/* SPDX-License-Identifier: MIT */
/*
 * ATAPI CD/DVD-ROM: the PACKET protocol and the MMC commands that firmware
 * (SeaBIOS El Torito boot) and Linux (sr, libata, cdrom_id) send.
 *
 * A command's reply is built whole in the drive's buffer, except READ(10)
 * and READ(12), which stream 2048-byte sectors through the buffer in
 * refills. By PIO, the reply leaves in chunks no larger than the host's
 * byte count limit (cylinder registers), each announced by DRQ, the I/O
 * reason bits and an interrupt; by DMA, through the bus master in one go.
 * Errors follow SPC/MMC sense data: CHECK CONDITION shows as ERR with the
 * sense key in the error register's high nibble, and REQUEST SENSE returns
 * key/ASC/ASCQ and clears them.
 *
 * An empty drive (no file=) answers NOT READY / MEDIUM NOT PRESENT to media
 * commands. The medium is 2048-byte sectors of an ISO file; a trailing
 * partial sector is not addressable.
 */
#include <string.h>

#include "hw/ide/ide-int.h"
#include "softmmu/log.h"

enum {
    SENSE_NONE = 0, SENSE_NOT_READY = 2, SENSE_ILLEGAL_REQUEST = 5, SENSE_UNIT_ATTENTION = 6,
};
enum {
    ASC_INVALID_OPCODE = 0x20, ASC_LBA_OUT_OF_RANGE = 0x21, ASC_INVALID_FIELD = 0x24,
    ASC_SAVING_NOT_SUPPORTED = 0x39, ASC_MEDIUM_NOT_PRESENT = 0x3a,
    ASC_MEDIUM_REMOVAL_PREVENTED = 0x53,
};
enum {
    MMC_TEST_UNIT_READY = 0x00, MMC_REQUEST_SENSE = 0x03, MMC_INQUIRY = 0x12,
    MMC_MODE_SELECT_6 = 0x15, MMC_START_STOP = 0x1b, MMC_PREVENT_ALLOW = 0x1e,
    MMC_READ_CAPACITY = 0x25, MMC_READ_10 = 0x28, MMC_SEEK_10 = 0x2b,
    MMC_READ_TOC = 0x43, MMC_GET_CONFIGURATION = 0x46, MMC_GET_EVENT_STATUS = 0x4a,
    MMC_MODE_SELECT_10 = 0x55, MMC_MODE_SENSE_10 = 0x5a, MMC_READ_12 = 0xa8,
    MMC_SET_CD_SPEED = 0xbb,
};

#define CD_SECTOR 2048
#define CD_MAX_SECTORS (80 * 60 * 75)   /* 80-minute CD; larger media are DVDs */
#define ATAPI_BUF_SECTORS (IDE_BUF_SIZE / CD_SECTOR)

static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool atapi_has_medium(IdeDrive *d)
{
    return d->blk != NULL;
}

static uint16_t atapi_profile(IdeDrive *d)
{
    if (!atapi_has_medium(d))
        return 0;
    return d->nb_sectors > CD_MAX_SECTORS ? 0x0010 : 0x0008;   /* DVD-ROM : CD-ROM */
}

void atapi_reset(IdeDrive *d)
{
    d->sense_key = d->asc = d->ascq = 0;
    d->locked = false;
    d->atapi_total = 0;
}

void atapi_identify(IdeDrive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof(w));
    /* ATAPI, CD-ROM device type, removable, DRQ within 50 us, 12-byte packets */
    w[0] = 0x8000 | 5 << 8 | 0x80 | 0x40;
    ide_string(&w[10], d->serial, 10);
    ide_string(&w[23], "1.0", 4);
    ide_string(&w[27], d->model, 20);
    w[49] = 0x0f00;                         /* IORDY, LBA, DMA */
    w[53] = 0x0007;
    w[63] = 0x0007;
    w[64] = 0x0003;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[71] = w[72] = 30;
    w[80] = 0x007e;
    w[82] = 0x4014;                         /* NOP, PACKET, removable media */
    w[83] = 0x4000;
    w[84] = 0x4000;
    w[85] = 0x4014;
    w[87] = 0x4000;
    w[88] = 0x003f;
    if ((d->xfer_mode & 0xf8) == 0x20)
        w[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    else if ((d->xfer_mode & 0xf8) == 0x40)
        w[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    w[93] = d->unit ? 0x4b00 : 0x600b;
    for (int i = 0; i < 256; i++) {
        d->buf[2 * i] = (uint8_t)w[i];
        d->buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
}

/* ---- ending a command ------------------------------------------------ */

static void atapi_ok(IdeDrive *d)
{
    d->buf_pos = d->buf_end = 0;
    d->end_op = 0;
    d->xfer_left = 0;
    d->atapi_total = 0;
    d->error = 0;
    d->nsector = ATAPI_IR_IO | ATAPI_IR_COD;
    d->status = IDE_STAT_DRDY | IDE_STAT_DSC;
    ide_raise_irq(d);
}

static void atapi_check(IdeDrive *d, uint8_t key, uint8_t asc)
{
    d->sense_key = key;
    d->asc = asc;
    d->ascq = 0;
    d->buf_pos = d->buf_end = 0;
    d->end_op = 0;
    d->xfer_left = 0;
    d->atapi_total = 0;
    d->error = (uint8_t)(key << 4 | (key == SENSE_ILLEGAL_REQUEST ? IDE_ERR_ABRT : 0));
    d->nsector = ATAPI_IR_IO | ATAPI_IR_COD;
    d->status = IDE_STAT_DRDY | IDE_STAT_ERR;
    ide_raise_irq(d);
}

/* ---- moving data ----------------------------------------------------- */

/* Fill the buffer with the next sectors of a READ. */
static bool atapi_fill(IdeDrive *d)
{
    uint32_t n = d->xfer_left < ATAPI_BUF_SECTORS ? d->xfer_left : ATAPI_BUF_SECTORS;
    Error err = { 0 };
    if (block_pread(d->blk, d->xfer_lba * CD_SECTOR, d->buf, (size_t)n * CD_SECTOR,
                    &err) < 0) {
        log_mask_printf(LOG_GUEST, "ide%d.%d: %s\n", d->bus->index, d->unit, err.msg);
        atapi_check(d, 3 /* MEDIUM ERROR */, 0x11 /* unrecovered read error */);
        return false;
    }
    d->xfer_lba += n;
    d->xfer_left -= n;
    d->buf_pos = 0;
    d->buf_end = n * CD_SECTOR;
    return true;
}

/* Offer the next PIO chunk of what is in buf[buf_pos..buf_end). */
static void atapi_pio_chunk(IdeDrive *d, uint32_t end)
{
    uint32_t limit = d->atapi_limit;
    if (limit == 0)
        limit = 0xfffe;                     /* 0 is not allowed: be lenient */
    limit &= ~1u;
    uint32_t left = end - d->buf_pos;
    uint32_t n = left < limit ? left : limit;
    uint32_t pos = d->buf_pos;
    ide_pio_start(d, 0, false, IDE_END_ATAPI_DATA, false);
    d->buf_pos = pos;
    d->buf_end = pos + n;
    d->lcyl = (uint8_t)n;
    d->hcyl = (uint8_t)(n >> 8);
    d->nsector = ATAPI_IR_IO;
    /* Remember where the data really ends for the next chunk. */
    d->atapi_total = end;
    ide_raise_irq(d);
}

void atapi_pio_next(IdeDrive *d)
{
    uint32_t end = d->atapi_total;
    if (d->buf_pos < end) {
        atapi_pio_chunk(d, end);
    } else if (d->xfer_left) {
        ide_schedule(d, IDE_PEND_ATAPI_READ);
    } else {
        atapi_ok(d);
    }
}

void atapi_read_refill(IdeDrive *d)
{
    if (atapi_fill(d))
        atapi_pio_chunk(d, d->buf_end);
}

/* Send len bytes of reply in buf (the host asked for at most alloc). */
static void atapi_reply(IdeDrive *d, uint32_t len, uint32_t alloc)
{
    if (len > alloc)
        len = alloc;
    if (!len) {
        atapi_ok(d);
        return;
    }
    d->xfer_left = 0;
    if (d->atapi_dma) {
        d->buf_pos = 0;
        d->buf_end = len;
        d->dma_pending = true;
        d->status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_BSY;
        ide_dma_cb(d);
        return;
    }
    d->buf_pos = 0;
    atapi_pio_chunk(d, len);
}

void atapi_dma_run(IdeDrive *d)
{
    BmDma *bm = d->bus->bm;
    for (;;) {
        int r = bmdma_rw(bm, d->buf + d->buf_pos, d->buf_end - d->buf_pos, true);
        if (r) {
            log_mask_printf(LOG_GUEST, "ide%d.%d: ATAPI DMA failed (%s)\n", d->bus->index,
                            d->unit, r == -1 ? "memory is not RAM" : "PRD table too short");
            bmdma_finish(bm, true);
            atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        if (!d->xfer_left)
            break;
        if (!atapi_fill(d)) {
            bmdma_finish(bm, false);
            return;
        }
    }
    bmdma_finish(bm, false);
    atapi_ok(d);
}

/* ---- commands -------------------------------------------------------- */

void atapi_packet_cmd(IdeDrive *d)
{
    d->atapi_dma = d->feature & 1;
    d->atapi_limit = (uint16_t)(d->lcyl | d->hcyl << 8);
    if (d->atapi_dma && !d->bus->bm) {
        ide_abort(d);
        return;
    }
    ide_pio_start(d, 12, true, IDE_END_PACKET, false);
    d->nsector = ATAPI_IR_COD;
}

static uint32_t atapi_inquiry(IdeDrive *d, uint8_t *b)
{
    memset(b, 0, 36);
    b[0] = 0x05;                            /* CD/DVD device */
    b[1] = 0x80;                            /* removable */
    b[2] = 0x00;
    b[3] = 0x21;                            /* ATAPI, response data format 1 */
    b[4] = 31;
    memcpy(b + 8, "TANDEM  ", 8);
    memcpy(b + 16, "TANDEM DVD-ROM  ", 16);
    memcpy(b + 32, "1.0 ", 4);
    return 36;
}

static void atapi_lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = (uint8_t)(lba / (60 * 75));
    p[2] = (uint8_t)((lba / 75) % 60);
    p[3] = (uint8_t)(lba % 75);
}

static void atapi_put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf)
        atapi_lba_to_msf(p, lba);
    else
        put_be32(p, lba);
}

/* READ TOC/PMA/ATIP formats 0 (TOC), 1 (session info), 2 (full TOC). */
static int atapi_read_toc(IdeDrive *d, uint8_t *b, uint32_t *len)
{
    const uint8_t *c = d->packet;
    bool msf = c[1] & 2;
    unsigned format = c[2] & 0x0f;
    if (!format)
        format = c[9] >> 6;                 /* the older place for it */
    uint32_t leadout = (uint32_t)d->nb_sectors;
    uint8_t *p = b + 4;
    switch (format) {
    case 0: {
        unsigned start = c[6];
        if (start > 1 && start != 0xaa)
            return -1;
        if (start <= 1) {
            p[0] = 0; p[1] = 0x14; p[2] = 1; p[3] = 0;     /* data track 1 */
            atapi_put_addr(p + 4, 0, msf);
            p += 8;
        }
        p[0] = 0; p[1] = 0x14; p[2] = 0xaa; p[3] = 0;      /* lead-out */
        atapi_put_addr(p + 4, leadout, msf);
        p += 8;
        break;
    }
    case 1:
        p[0] = 0; p[1] = 0x14; p[2] = 1; p[3] = 0;
        atapi_put_addr(p + 4, 0, msf);
        p += 8;
        break;
    case 2: {
        static const uint8_t points[] = { 0xa0, 0xa1, 0xa2, 1 };
        for (unsigned i = 0; i < sizeof(points); i++, p += 11) {
            memset(p, 0, 11);
            p[0] = 1;                       /* session */
            p[1] = 0x14;
            p[3] = points[i];
            uint8_t msfb[4];
            if (points[i] == 0xa0) {
                p[8] = 1;                   /* first track; disc type 0 */
            } else if (points[i] == 0xa1) {
                p[8] = 1;                   /* last track */
            } else {
                atapi_lba_to_msf(msfb, points[i] == 0xa2 ? leadout : 0);
                memcpy(p + 8, msfb + 1, 3);
            }
        }
        break;
    }
    default:
        return -1;
    }
    *len = (uint32_t)(p - b);
    put_be16(b, (uint16_t)(*len - 2));
    b[2] = 1;
    b[3] = 1;
    return 0;
}

static uint32_t atapi_mode_page(IdeDrive *d, uint8_t page, uint8_t *p)
{
    switch (page) {
    case 0x01:                              /* read error recovery */
        memset(p, 0, 8);
        p[0] = 0x01;
        p[1] = 6;
        p[3] = 5;                           /* read retry count */
        return 8;
    case 0x2a:                              /* CD/DVD capabilities and status */
        memset(p, 0, 22);
        p[0] = 0x2a;
        p[1] = 20;
        p[2] = 0x3b;                        /* reads CD-R, CD-RW, method 2, DVD */
        p[4] = 0x71;                        /* audio play, composite, multi-session */
        p[5] = 0x00;
        p[6] = 0x29 | (d->locked ? 0x02 : 0);   /* tray, eject, lock supported */
        p[7] = 0x03;                        /* separate volume and mute */
        put_be16(p + 8, 706);               /* max speed, kB/s (4x) */
        put_be16(p + 10, 2);                /* volume levels */
        put_be16(p + 12, 512);              /* buffer, KiB */
        put_be16(p + 14, 706);
        return 22;
    default:
        return 0;
    }
}

static int atapi_mode_sense(IdeDrive *d, uint8_t *b, uint32_t *len)
{
    uint8_t pc = d->packet[2] >> 6, page = d->packet[2] & 0x3f;
    if (pc == 3) {
        atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
        return -1;
    }
    memset(b, 0, 8);
    uint32_t n = 8;
    if (page == 0x3f) {
        n += atapi_mode_page(d, 0x01, b + n);
        n += atapi_mode_page(d, 0x2a, b + n);
    } else {
        uint32_t k = atapi_mode_page(d, page, b + n);
        if (!k) {
            atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return -1;
        }
        n += k;
    }
    if (pc == 1) {                          /* changeable values: none are */
        for (uint32_t i = 8; i + 2 <= n; i += 2u + b[i + 1])
            memset(b + i + 2, 0, n - i - 2 < b[i + 1] ? n - i - 2 : b[i + 1]);
    }
    put_be16(b, (uint16_t)(n - 2));
    *len = n;
    return 0;
}

/* GET CONFIGURATION: profile list, core, morphing, removable medium,
 * random readable, DVD read. */
static uint32_t atapi_get_config(IdeDrive *d, uint8_t *b)
{
    uint8_t rt = d->packet[1] & 3;
    uint16_t start = get_be16(d->packet + 2);
    uint16_t cur = atapi_profile(d);
    uint8_t *p = b + 8;
    static const uint16_t features[] = { 0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001f };
    memset(b, 0, 8);
    for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
        uint16_t f = features[i];
        bool current = f <= 3 || cur != 0;
        if (f < start || (rt == 2 && f != start) || (rt == 1 && !current))
            continue;
        memset(p, 0, 16);
        put_be16(p, f);
        p[2] = (uint8_t)((f == 0x0001 ? 0x08 : 0) | (f <= 3 ? 0x02 : 0) | (current ? 1 : 0));
        switch (f) {
        case 0x0000:                        /* profile list: DVD-ROM, CD-ROM */
            p[3] = 8;
            put_be16(p + 4, 0x0010);
            p[6] = cur == 0x0010;
            put_be16(p + 8, 0x0008);
            p[10] = cur == 0x0008;
            p += 12;
            break;
        case 0x0001:                        /* core: ATAPI */
            p[3] = 8;
            put_be32(p + 4, 2);
            p[8] = 1;                       /* device busy events */
            p += 12;
            break;
        case 0x0002:                        /* morphing: async GESN */
            p[2] |= 0x04;
            p[3] = 4;
            p[4] = 0x02;
            p += 8;
            break;
        case 0x0003:                        /* removable medium: tray, eject, lock */
            p[2] |= 0x04;
            p[3] = 4;
            p[4] = 0x29 | (d->locked ? 0x04 : 0);
            p += 8;
            break;
        case 0x0010:                        /* random readable */
            p[3] = 8;
            put_be32(p + 4, CD_SECTOR);
            put_be16(p + 8, 16);            /* blocking */
            p += 12;
            break;
        case 0x001f:                        /* DVD read */
            p[3] = 0;
            p += 4;
            break;
        }
    }
    uint32_t len = (uint32_t)(p - b);
    put_be32(b, len - 4);
    put_be16(b + 6, cur);
    return len;
}

static int atapi_event_status(IdeDrive *d, uint8_t *b, uint32_t *len)
{
    if (!(d->packet[1] & 1)) {              /* only polled mode */
        atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return -1;
    }
    uint8_t req = d->packet[4];
    b[3] = 0x10;                            /* we support media events */
    if (req & 0x10) {
        put_be16(b, 6);
        b[2] = 0x04;                        /* media class */
        b[4] = d->media_event ? 2 : 0;      /* new media */
        b[5] = atapi_has_medium(d) ? 0x02 : 0;
        b[6] = b[7] = 0;
        d->media_event = false;
        *len = 8;
    } else {
        put_be16(b, 2);
        b[2] = 0x80;                        /* no event available */
        *len = 4;
    }
    return 0;
}

static void atapi_read(IdeDrive *d, uint32_t lba, uint32_t count)
{
    if (lba > d->nb_sectors || count > d->nb_sectors - lba) {
        atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    if (!count) {
        atapi_ok(d);
        return;
    }
    d->xfer_lba = lba;
    d->xfer_left = count;
    if (d->atapi_dma) {
        if (!atapi_fill(d))
            return;
        d->dma_pending = true;
        d->status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_BSY;
        ide_dma_cb(d);
        return;
    }
    if (atapi_fill(d))
        atapi_pio_chunk(d, d->buf_end);
}

void atapi_execute(IdeDrive *d)
{
    const uint8_t *c = d->packet;
    uint8_t *b = d->buf;
    uint32_t len = 0;
    memcpy(d->packet, d->buf, 12);
    log_mask_printf(LOG_IOPORT, "ide%d.%d: ATAPI 0x%02x\n", d->bus->index, d->unit, c[0]);

    /* Commands that need a medium. */
    switch (c[0]) {
    case MMC_TEST_UNIT_READY: case MMC_READ_CAPACITY: case MMC_READ_10: case MMC_READ_12:
    case MMC_READ_TOC: case MMC_SEEK_10:
        if (!atapi_has_medium(d)) {
            atapi_check(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
            return;
        }
        break;
    }

    switch (c[0]) {
    case MMC_TEST_UNIT_READY:
    case MMC_SEEK_10:
    case MMC_SET_CD_SPEED:
        atapi_ok(d);
        return;
    case MMC_REQUEST_SENSE:
        memset(b, 0, 18);
        b[0] = 0x70;                        /* current, fixed format */
        b[2] = d->sense_key;
        b[7] = 10;
        b[12] = d->asc;
        b[13] = d->ascq;
        d->sense_key = d->asc = d->ascq = 0;
        atapi_reply(d, 18, c[4]);
        return;
    case MMC_INQUIRY:
        if (c[1] & 1) {                     /* no vital product data pages */
            atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        atapi_reply(d, atapi_inquiry(d, b), get_be16(c + 3));
        return;
    case MMC_READ_CAPACITY:
        put_be32(b, (uint32_t)d->nb_sectors - 1);
        put_be32(b + 4, CD_SECTOR);
        atapi_reply(d, 8, 8);
        return;
    case MMC_READ_10:
        atapi_read(d, get_be32(c + 2), get_be16(c + 7));
        return;
    case MMC_READ_12:
        atapi_read(d, get_be32(c + 2), get_be32(c + 6));
        return;
    case MMC_READ_TOC:
        if (atapi_read_toc(d, b, &len) < 0) {
            atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        atapi_reply(d, len, get_be16(c + 7));
        return;
    case MMC_MODE_SENSE_10:
        if (atapi_mode_sense(d, b, &len) == 0)
            atapi_reply(d, len, get_be16(c + 7));
        return;
    case MMC_GET_CONFIGURATION:
        atapi_reply(d, atapi_get_config(d, b), get_be16(c + 7));
        return;
    case MMC_GET_EVENT_STATUS:
        if (atapi_event_status(d, b, &len) == 0)
            atapi_reply(d, len, get_be16(c + 7));
        return;
    case MMC_START_STOP:
        /* Eject (LoEj, not Start) of a locked tray is refused; otherwise
         * there is no tray to move and the medium stays. */
        if ((c[4] & 3) == 2 && d->locked) {
            atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_MEDIUM_REMOVAL_PREVENTED);
            return;
        }
        atapi_ok(d);
        return;
    case MMC_PREVENT_ALLOW:
        d->locked = c[4] & 1;
        atapi_ok(d);
        return;
    default:
        log_mask_printf(LOG_UNIMP, "ide%d.%d: ATAPI command 0x%02x not supported\n",
                        d->bus->index, d->unit, c[0]);
        atapi_check(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        return;
    }
}

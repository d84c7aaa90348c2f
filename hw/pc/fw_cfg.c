/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg: items are byte arrays selected by a 16-bit key and read either a
 * byte at a time through the data port or in bulk by DMA. The DMA
 * descriptor (control, length, address: all big-endian) lives in guest
 * memory; every transfer goes through the memory API, so a descriptor that
 * points outside guest RAM ends with the error bit, never a host access
 * out of bounds. Reads past an item's end give zeros, as in QEMU.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/pc/fw_cfg.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"

#define PORT_SELECTOR 0
#define PORT_DATA     1
#define PORT_DMA_HIGH 4
#define PORT_DMA_LOW  8
#define IO_SIZE       12

#define DMA_CTL_ERROR  0x01
#define DMA_CTL_READ   0x02
#define DMA_CTL_SKIP   0x04
#define DMA_CTL_SELECT 0x08
#define DMA_CTL_WRITE  0x10

#define ID_TRADITIONAL 0x01
#define ID_DMA         0x02
#define DMA_SIGNATURE  0x51454d5520434647ull    /* "QEMU CFG" */

static FwCfgItem *fw_cfg_find(FwCfg *fc, uint16_t key)
{
    for (size_t i = 0; i < fc->nr_items; i++)
        if (fc->items[i].key == key)
            return &fc->items[i];
    return NULL;
}

int fw_cfg_add(FwCfg *fc, uint16_t key, const void *data, uint32_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, data, len);
    FwCfgItem *it = fw_cfg_find(fc, key);
    if (!it) {
        if (fc->nr_items == fc->cap_items) {
            size_t cap = fc->cap_items ? 2 * fc->cap_items : 32;
            FwCfgItem *n = realloc(fc->items, cap * sizeof(*n));
            if (!n) {
                free(copy);
                return -1;
            }
            fc->items = n;
            fc->cap_items = cap;
        }
        it = &fc->items[fc->nr_items++];
        it->key = key;
    } else {
        free(it->data);
    }
    it->data = copy;
    it->len = len;
    return 0;
}

int fw_cfg_add_u16(FwCfg *fc, uint16_t key, uint16_t v)
{
    uint8_t b[2] = { v, v >> 8 };
    return fw_cfg_add(fc, key, b, sizeof(b));
}

int fw_cfg_add_u32(FwCfg *fc, uint16_t key, uint32_t v)
{
    uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
    return fw_cfg_add(fc, key, b, sizeof(b));
}

int fw_cfg_add_u64(FwCfg *fc, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = v >> (8 * i);
    return fw_cfg_add(fc, key, b, sizeof(b));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* The directory: count, then { size, select, reserved, name[56] }, big-endian. */
static int fw_cfg_rebuild_dir(FwCfg *fc)
{
    size_t len = 4 + fc->nr_files * 64;
    uint8_t *dir = calloc(1, len);
    if (!dir)
        return -1;
    put_be32(dir, (uint32_t)fc->nr_files);
    for (size_t i = 0; i < fc->nr_files; i++) {
        uint8_t *e = dir + 4 + 64 * i;
        FwCfgItem *it = fw_cfg_find(fc, fc->file_keys[i]);
        put_be32(e, it ? it->len : 0);
        e[4] = fc->file_keys[i] >> 8;
        e[5] = fc->file_keys[i];
        memcpy(e + 8, fc->file_names[i], FW_CFG_FILE_NAME_MAX);
    }
    int rc = fw_cfg_add(fc, FW_CFG_FILE_DIR, dir, (uint32_t)len);
    free(dir);
    return rc;
}

int fw_cfg_add_file(FwCfg *fc, const char *name, const void *data, uint32_t len)
{
    size_t n = strlen(name);
    if (n == 0 || n >= FW_CFG_FILE_NAME_MAX)
        return -1;
    size_t i;
    for (i = 0; i < fc->nr_files; i++)
        if (!strcmp(fc->file_names[i], name))
            break;
    if (i == fc->nr_files) {
        if (fc->nr_files == FW_CFG_MAX_FILES)
            return -1;
        memset(fc->file_names[i], 0, FW_CFG_FILE_NAME_MAX);
        memcpy(fc->file_names[i], name, n);
        fc->file_keys[i] = (uint16_t)(FW_CFG_FILE_FIRST + i);
        fc->nr_files++;
    }
    if (fw_cfg_add(fc, fc->file_keys[i], data, len) < 0)
        return -1;
    return fw_cfg_rebuild_dir(fc);
}

static void fw_cfg_select(FwCfg *fc, uint16_t key)
{
    fc->selector = key;
    fc->offset = 0;
}

static uint8_t fw_cfg_read_byte(FwCfg *fc)
{
    FwCfgItem *it = fw_cfg_find(fc, fc->selector);
    if (!it || fc->offset >= it->len)
        return 0;
    return it->data[fc->offset++];
}

/* Run the descriptor at fc->dma_addr; the result goes back into its control word. */
static void fw_cfg_dma(FwCfg *fc)
{
    uint8_t desc[16];
    uint64_t at = fc->dma_addr;
    fc->dma_addr = 0;
    if (as_read(fc->dma_as, at, desc, sizeof(desc)) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST, "fw_cfg: DMA descriptor at 0x%llx is not in RAM\n",
                        (unsigned long long)at);
        return;
    }
    uint32_t control = get_be32(desc);
    uint32_t length = get_be32(desc + 4);
    uint64_t addr = (uint64_t)get_be32(desc + 8) << 32 | get_be32(desc + 12);

    if (control & DMA_CTL_SELECT)
        fw_cfg_select(fc, control >> 16);
    uint32_t result = 0;
    if (control & DMA_CTL_WRITE) {
        result = DMA_CTL_ERROR;     /* every item is read-only */
    } else if (control & (DMA_CTL_READ | DMA_CTL_SKIP)) {
        FwCfgItem *it = fw_cfg_find(fc, fc->selector);
        uint32_t avail = (it && fc->offset < it->len) ? it->len - fc->offset : 0;
        uint32_t n = length < avail ? length : avail;
        if (control & DMA_CTL_READ) {
            static const uint8_t zeros[4096];
            if (n && as_write(fc->dma_as, addr, it->data + fc->offset, n) != MEMTX_OK)
                result = DMA_CTL_ERROR;
            /* Past the end, zeros; stop at the first byte that is not RAM. */
            for (uint64_t done = n; !result && done < length;) {
                uint64_t chunk = length - done < sizeof(zeros) ? length - done : sizeof(zeros);
                if (as_write(fc->dma_as, addr + done, zeros, chunk) != MEMTX_OK)
                    result = DMA_CTL_ERROR;
                done += chunk;
            }
        }
        fc->offset += n;
    }
    uint8_t status[4];
    put_be32(status, result);
    as_write(fc->dma_as, at, status, sizeof(status));
}

uint64_t fw_cfg_io_read(void *opaque, uint64_t addr, unsigned size)
{
    FwCfg *fc = opaque;
    uint64_t v = 0;
    switch (addr) {
    case PORT_DATA:
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)fw_cfg_read_byte(fc) << (8 * i);
        return v;
    case PORT_DMA_HIGH:
    case PORT_DMA_LOW: {
        /* The register reads as the signature "QEMU CFG", big-endian. */
        uint32_t half = addr == PORT_DMA_HIGH ? DMA_SIGNATURE >> 32 : (uint32_t)DMA_SIGNATURE;
        uint32_t v32 = __builtin_bswap32(half);
        return size >= 4 ? v32 : v32 & ((1u << (8 * size)) - 1);
    }
    default:
        return 0;
    }
}

void fw_cfg_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FwCfg *fc = opaque;
    switch (addr) {
    case PORT_SELECTOR:
        fw_cfg_select(fc, (uint16_t)val);
        break;
    case PORT_DMA_HIGH:
        if (size == 4)
            fc->dma_addr = (uint64_t)__builtin_bswap32((uint32_t)val) << 32;
        break;
    case PORT_DMA_LOW:
        if (size == 4) {
            fc->dma_addr |= __builtin_bswap32((uint32_t)val);
            fw_cfg_dma(fc);
        }
        break;
    default:
        log_mask_printf(LOG_GUEST, "fw_cfg: write to offset %llu ignored\n",
                        (unsigned long long)addr);
        break;
    }
}

static const MemoryRegionOps fw_cfg_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .min_access = 1,
    .max_access = 4,
};

static const StateField fw_cfg_fields[] = {
    STATE_U16(FwCfg, selector),
    STATE_U32(FwCfg, offset),
    STATE_U64(FwCfg, dma_addr),
    STATE_END
};
static const StateDesc fw_cfg_state = { "fw_cfg", 1, fw_cfg_fields, NULL };

static void fw_cfg_reset(Device *dev)
{
    FwCfg *fc = (FwCfg *)dev;
    fw_cfg_select(fc, 0);
    fc->dma_addr = 0;
}

static void fw_cfg_destroy(Device *dev)
{
    FwCfg *fc = (FwCfg *)dev;
    if (fc->io.parent)
        mr_del_subregion(fc->io.parent, &fc->io);
    mr_destroy(&fc->io);
    for (size_t i = 0; i < fc->nr_items; i++)
        free(fc->items[i].data);
    free(fc->items);
    free(fc);
}

FwCfg *fw_cfg_create(Machine *m, uint16_t base, AddressSpace *dma_as)
{
    FwCfg *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return NULL;
    fc->dma_as = dma_as;
    static const char signature[4] = { 'Q', 'E', 'M', 'U' };
    if (fw_cfg_add(fc, FW_CFG_SIGNATURE, signature, 4) < 0 ||
        fw_cfg_add_u32(fc, FW_CFG_ID, ID_TRADITIONAL | ID_DMA) < 0 ||
        fw_cfg_rebuild_dir(fc) < 0) {
        fw_cfg_destroy(&fc->dev);
        return NULL;
    }
    mr_init_io(&fc->io, "fw_cfg", &fw_cfg_ops, fc, IO_SIZE);
    if (m) {
        mr_add_subregion(&m->iomem, base, &fc->io);
        device_attach(m, &fc->dev, "fw_cfg", fw_cfg_reset, fw_cfg_destroy, &fw_cfg_state);
    }
    return fc;
}

/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS 2.8 structure table and 32-bit entry point (layouts from the DMTF
 * SMBIOS 2.8/3.x specification, DSP0134).
 *
 * Each structure is a formatted area (type, length, handle, fields) built
 * in a local SmbiosStruct, then its string set: the strings the fields
 * refer to by 1-based index, each NUL-terminated, and one more NUL (two
 * NULs when there is no string). Strings are cut at SMBIOS_STR_MAX bytes,
 * so a long -smbios text can never overflow a structure. Handles follow
 * type << 8 | instance, so every handle is unique and says what it is.
 * The table itself grows as needed (one type 4 per CPU, one type 17 per
 * 16 GiB of RAM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/smbios.h"

#define SMBIOS_STR_MAX  64
#define SMBIOS_STRS_MAX 8
#define SMBIOS_DIMM_MAX (16ull << 30)   /* largest memory device we report */
#define SMBIOS_HANDLE_NONE 0xfffe       /* "not provided" */
#define SMBIOS_HANDLE_NO_CACHE 0xffff

typedef struct SmbiosStruct {
    uint8_t f[64];              /* formatted area */
    char strs[SMBIOS_STRS_MAX * (SMBIOS_STR_MAX + 1)];
    size_t strs_len;
    unsigned nstr;
} SmbiosStruct;

typedef struct SmbiosBuilder {
    uint8_t *data;
    size_t len, cap;
    unsigned nr;
    uint16_t max;
} SmbiosBuilder;

static void smbios_put(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void smbios_begin(SmbiosStruct *s, uint8_t type, uint8_t len, uint16_t handle)
{
    memset(s, 0, sizeof(*s));
    s->f[0] = type;
    s->f[1] = len;
    smbios_put(s->f + 2, handle, 2);
}

/* Add a string; returns its index for the field (0: none). */
static uint8_t smbios_str(SmbiosStruct *s, const char *str)
{
    if (!str || !*str || s->nstr >= SMBIOS_STRS_MAX)
        return 0;
    size_t n = strnlen(str, SMBIOS_STR_MAX);
    memcpy(s->strs + s->strs_len, str, n);
    s->strs[s->strs_len + n] = 0;
    s->strs_len += n + 1;
    return (uint8_t)++s->nstr;
}

static void smbios_commit(SmbiosBuilder *b, const SmbiosStruct *s)
{
    size_t flen = s->f[1];
    size_t total = flen + (s->nstr ? s->strs_len + 1 : 2);
    if (b->len + total > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + total)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            fprintf(stderr, "tandem: out of memory building SMBIOS tables\n");
            abort();
        }
        b->data = p;
        b->cap = cap;
    }
    uint8_t *p = b->data + b->len;
    memcpy(p, s->f, flen);
    if (s->nstr) {
        memcpy(p + flen, s->strs, s->strs_len);
        p[flen + s->strs_len] = 0;
    } else {
        p[flen] = p[flen + 1] = 0;
    }
    b->len += total;
    b->nr++;
    if (total > b->max)
        b->max = (uint16_t)total;
}

static const char *smbios_or(const char *s, const char *dflt) { return s && *s ? s : dflt; }

static void smbios_type0(SmbiosBuilder *b, const SmbiosDesc *d)
{
    SmbiosStruct s;
    smbios_begin(&s, 0, 0x18, 0x0000);
    s.f[4] = smbios_str(&s, smbios_or(d->bios_vendor, "tandem"));
    s.f[5] = smbios_str(&s, smbios_or(d->bios_version, "1.0"));
    smbios_put(s.f + 6, 0xe800, 2);     /* BIOS starting segment */
    s.f[8] = smbios_str(&s, smbios_or(d->bios_date, "01/01/2025"));
    s.f[9] = 0;                         /* ROM size: 64 KiB */
    smbios_put(s.f + 10, 1u << 3, 8);   /* "characteristics not supported" */
    s.f[18] = 0x01;                     /* extension 1: ACPI */
    s.f[19] = 0x10;                     /* extension 2: a virtual machine */
    s.f[20] = 1;                        /* system BIOS major.minor */
    s.f[21] = 0;
    s.f[22] = 0xff;                     /* no embedded controller */
    s.f[23] = 0xff;
    smbios_commit(b, &s);
}

static void smbios_type1(SmbiosBuilder *b, const SmbiosDesc *d)
{
    SmbiosStruct s;
    smbios_begin(&s, 1, 0x1b, 0x0100);
    s.f[4] = smbios_str(&s, smbios_or(d->manufacturer, "tandem"));
    s.f[5] = smbios_str(&s, smbios_or(d->product, "Standard PC (i440FX + PIIX)"));
    s.f[6] = smbios_str(&s, smbios_or(d->version, "1.0"));
    s.f[7] = smbios_str(&s, d->serial);
    /* UUID fields: the first three are little-endian in the table (7.2.1),
     * so a UUID given in RFC 4122 byte order is swapped into place. */
    const uint8_t *u = d->uuid;
    uint8_t *p = s.f + 8;
    p[0] = u[3]; p[1] = u[2]; p[2] = u[1]; p[3] = u[0];
    p[4] = u[5]; p[5] = u[4];
    p[6] = u[7]; p[7] = u[6];
    memcpy(p + 8, u + 8, 8);
    s.f[24] = 0x06;                     /* woken by the power switch */
    s.f[25] = 0;                        /* SKU */
    s.f[26] = 0;                        /* family */
    smbios_commit(b, &s);
}

static void smbios_type3(SmbiosBuilder *b, const SmbiosDesc *d)
{
    SmbiosStruct s;
    smbios_begin(&s, 3, 0x16, 0x0300);
    s.f[4] = smbios_str(&s, smbios_or(d->manufacturer, "tandem"));
    s.f[5] = 0x01;                      /* chassis type: other */
    s.f[6] = smbios_str(&s, smbios_or(d->version, "1.0"));
    s.f[9] = 0x03;                      /* boot-up state: safe */
    s.f[10] = 0x03;                     /* power supply state */
    s.f[11] = 0x03;                     /* thermal state */
    s.f[12] = 0x02;                     /* security: unknown */
    /* 13-16 OEM, 17 height, 18 cords, 19-20 no contained elements, 21 SKU */
    smbios_commit(b, &s);
}

static void smbios_type4(SmbiosBuilder *b, const SmbiosDesc *d, unsigned n)
{
    SmbiosStruct s;
    char sock[16];
    snprintf(sock, sizeof(sock), "CPU %u", n);
    smbios_begin(&s, 4, 0x2a, (uint16_t)(0x0400 + n));
    s.f[4] = smbios_str(&s, sock);
    s.f[5] = 0x03;                      /* central processor */
    s.f[6] = 0x01;                      /* family: other */
    s.f[7] = smbios_str(&s, smbios_or(d->cpu_manufacturer, "tandem"));
    smbios_put(s.f + 8, d->cpuid_1_eax, 4);
    smbios_put(s.f + 12, d->cpuid_1_edx, 4);
    s.f[16] = smbios_str(&s, "tandem x86-64 CPU");
    s.f[17] = 0;                        /* voltage: unknown */
    smbios_put(s.f + 20, d->cpu_mhz, 2);    /* max speed */
    smbios_put(s.f + 22, d->cpu_mhz, 2);    /* current speed */
    s.f[24] = 0x41;                     /* socket populated, CPU enabled */
    s.f[25] = 0x01;                     /* upgrade: other */
    smbios_put(s.f + 26, SMBIOS_HANDLE_NO_CACHE, 2);
    smbios_put(s.f + 28, SMBIOS_HANDLE_NO_CACHE, 2);
    smbios_put(s.f + 30, SMBIOS_HANDLE_NO_CACHE, 2);
    s.f[35] = 1;                        /* cores */
    s.f[36] = 1;                        /* cores enabled */
    s.f[37] = 1;                        /* threads */
    smbios_put(s.f + 38, 0x0004, 2);    /* 64-bit capable */
    smbios_put(s.f + 40, 0x0001, 2);    /* family 2 */
    smbios_commit(b, &s);
}

static void smbios_type16(SmbiosBuilder *b, uint64_t ram, unsigned ndev)
{
    SmbiosStruct s;
    uint64_t kib = ram >> 10;
    smbios_begin(&s, 16, 0x17, 0x1000);
    s.f[4] = 0x01;                      /* location: other */
    s.f[5] = 0x03;                      /* use: system memory */
    s.f[6] = 0x03;                      /* error correction: none */
    if (kib < 0x80000000ull) {
        smbios_put(s.f + 7, kib, 4);
    } else {
        smbios_put(s.f + 7, 0x80000000u, 4);    /* see extended capacity */
        smbios_put(s.f + 15, ram, 8);
    }
    smbios_put(s.f + 11, SMBIOS_HANDLE_NONE, 2);
    smbios_put(s.f + 13, ndev, 2);
    smbios_commit(b, &s);
}

static void smbios_type17(SmbiosBuilder *b, unsigned n, uint64_t size)
{
    SmbiosStruct s;
    char loc[16];
    uint64_t mib = size >> 20;
    snprintf(loc, sizeof(loc), "DIMM %u", n);
    smbios_begin(&s, 17, 0x28, (uint16_t)(0x1100 + n));
    smbios_put(s.f + 4, 0x1000, 2);     /* the type 16 array */
    smbios_put(s.f + 6, SMBIOS_HANDLE_NONE, 2);
    smbios_put(s.f + 8, 0xffff, 2);     /* total width: unknown */
    smbios_put(s.f + 10, 0xffff, 2);    /* data width: unknown */
    if (mib < 0x7fff) {
        smbios_put(s.f + 12, mib, 2);
    } else {
        smbios_put(s.f + 12, 0x7fff, 2);    /* see extended size */
        smbios_put(s.f + 28, mib, 4);
    }
    s.f[14] = 0x09;                     /* form factor: DIMM */
    s.f[16] = smbios_str(&s, loc);
    s.f[18] = 0x07;                     /* type: RAM */
    smbios_put(s.f + 19, 0x0002, 2);    /* type detail: other */
    smbios_commit(b, &s);
}

static void smbios_type19(SmbiosBuilder *b, unsigned n, uint64_t start, uint64_t size)
{
    SmbiosStruct s;
    uint64_t end = start + size - 1;
    smbios_begin(&s, 19, 0x1f, (uint16_t)(0x1300 + n));
    if ((end >> 10) < 0xffffffffull) {
        smbios_put(s.f + 4, start >> 10, 4);
        smbios_put(s.f + 8, end >> 10, 4);
    } else {
        smbios_put(s.f + 4, 0xffffffffu, 4);
        smbios_put(s.f + 8, 0xffffffffu, 4);
        smbios_put(s.f + 15, start, 8);
        smbios_put(s.f + 23, end, 8);
    }
    smbios_put(s.f + 12, 0x1000, 2);
    s.f[14] = 1;                        /* partition width */
    smbios_commit(b, &s);
}

static void smbios_simple(SmbiosBuilder *b, uint8_t type, uint8_t len, uint16_t handle)
{
    SmbiosStruct s;
    smbios_begin(&s, type, len, handle);
    smbios_commit(b, &s);
}

int smbios_build(const SmbiosDesc *d, SmbiosTables *out, Error *err)
{
    SmbiosBuilder b = { 0 };
    uint64_t ram = d->ram_below_4g + d->ram_above_4g;

    memset(out, 0, sizeof(*out));
    if (d->nr_cpus == 0 || d->nr_cpus > 0xff)
        return error_setf(err, "smbios: %u CPUs (1-255)", d->nr_cpus);
    if (d->ram_below_4g < (1u << 20))
        return error_setf(err, "smbios: less than 1 MiB of RAM");

    smbios_type0(&b, d);
    smbios_type1(&b, d);
    smbios_type3(&b, d);
    for (unsigned n = 0; n < d->nr_cpus; n++)
        smbios_type4(&b, d, n);
    unsigned ndev = (unsigned)((ram + SMBIOS_DIMM_MAX - 1) / SMBIOS_DIMM_MAX);
    smbios_type16(&b, ram, ndev);
    uint64_t left = ram;
    for (unsigned n = 0; n < ndev; n++) {
        uint64_t sz = left < SMBIOS_DIMM_MAX ? left : SMBIOS_DIMM_MAX;
        smbios_type17(&b, n, sz);
        left -= sz;
    }
    smbios_type19(&b, 0, 0, d->ram_below_4g);
    if (d->ram_above_4g)
        smbios_type19(&b, 1, 1ull << 32, d->ram_above_4g);
    smbios_simple(&b, 32, 11, 0x2000);  /* boot status 0: no errors */
    smbios_simple(&b, 127, 4, 0x7f00);

    if (b.len > 0xffff) {
        free(b.data);
        return error_setf(err, "smbios: %zu-byte table exceeds the 2.8 entry point", b.len);
    }
    out->tables = b.data;
    out->tables_len = b.len;
    out->nr_structs = b.nr;
    out->max_struct = b.max;

    uint8_t *a = out->anchor;
    memcpy(a, "_SM_", 4);
    a[5] = SMBIOS_ANCHOR_SIZE;
    a[6] = 2;                           /* version 2.8 */
    a[7] = 8;
    smbios_put(a + 8, b.max, 2);
    memcpy(a + 16, "_DMI_", 5);
    smbios_put(a + 22, b.len, 2);
    smbios_put(a + 28, b.nr, 2);
    a[30] = 0x28;                       /* BCD revision */
    smbios_anchor_set_address(a, 0);
    return 0;
}

void smbios_anchor_set_address(uint8_t a[SMBIOS_ANCHOR_SIZE], uint32_t addr)
{
    uint8_t sum = 0;
    smbios_put(a + 24, addr, 4);
    /* Intermediate checksum over the _DMI_ part, then the whole. */
    a[21] = 0;
    for (int i = 16; i < SMBIOS_ANCHOR_SIZE; i++)
        sum = (uint8_t)(sum + a[i]);
    a[21] = (uint8_t)-sum;
    a[4] = 0;
    sum = 0;
    for (int i = 0; i < SMBIOS_ANCHOR_SIZE; i++)
        sum = (uint8_t)(sum + a[i]);
    a[4] = (uint8_t)-sum;
}

void smbios_tables_free(SmbiosTables *t)
{
    free(t->tables);
    memset(t, 0, sizeof(*t));
}

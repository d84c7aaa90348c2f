/* SPDX-License-Identifier: MIT */
/*
 * Building and executing the BIOS linker/loader command list (format in
 * acpi-loader.h). Records are fixed 128-byte entries written field by field
 * in little-endian order, so the list is the same on any host. Execution
 * never trusts the list: names, offsets and sizes are checked against the
 * files before a byte is touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi-loader.h"

static uint8_t *acpi_loader_entry(AcpiLoader *l, uint32_t cmd)
{
    if (l->len + ACPI_LOADER_ENTRY_SIZE > l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16 * ACPI_LOADER_ENTRY_SIZE;
        uint8_t *p = realloc(l->cmds, cap);
        if (!p) {
            fprintf(stderr, "tandem: out of memory building the ACPI loader\n");
            abort();
        }
        l->cmds = p;
        l->cap = cap;
    }
    uint8_t *e = l->cmds + l->len;
    l->len += ACPI_LOADER_ENTRY_SIZE;
    memset(e, 0, ACPI_LOADER_ENTRY_SIZE);
    for (int i = 0; i < 4; i++)
        e[i] = (uint8_t)(cmd >> (8 * i));
    return e + 4;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Names longer than 55 characters would lose their terminator. */
static void put_name(uint8_t *p, const char *name)
{
    size_t n = strlen(name);
    if (n >= ACPI_LOADER_FILESZ) {
        fprintf(stderr, "tandem: ACPI loader file name '%s' too long\n", name);
        abort();
    }
    memcpy(p, name, n);
}

void acpi_loader_allocate(AcpiLoader *l, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *e = acpi_loader_entry(l, ACPI_LOADER_ALLOCATE);
    put_name(e, file);
    put_u32(e + ACPI_LOADER_FILESZ, align);
    e[ACPI_LOADER_FILESZ + 4] = zone;
}

void acpi_loader_add_pointer(AcpiLoader *l, const char *dest, uint32_t offset,
                             uint8_t size, const char *src)
{
    uint8_t *e = acpi_loader_entry(l, ACPI_LOADER_ADD_POINTER);
    put_name(e, dest);
    put_name(e + ACPI_LOADER_FILESZ, src);
    put_u32(e + 2 * ACPI_LOADER_FILESZ, offset);
    e[2 * ACPI_LOADER_FILESZ + 4] = size;
}

void acpi_loader_add_checksum(AcpiLoader *l, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length)
{
    uint8_t *e = acpi_loader_entry(l, ACPI_LOADER_ADD_CHECKSUM);
    put_name(e, file);
    put_u32(e + ACPI_LOADER_FILESZ, offset);
    put_u32(e + ACPI_LOADER_FILESZ + 4, start);
    put_u32(e + ACPI_LOADER_FILESZ + 8, length);
}

void acpi_loader_free(AcpiLoader *l)
{
    free(l->cmds);
    l->cmds = NULL;
    l->len = l->cap = 0;
}

uint8_t acpi_checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    while (n--)
        sum = (uint8_t)(sum + *p++);
    return sum;
}

static AcpiLoaderFile *acpi_loader_find(AcpiLoaderFile *files, unsigned nr,
                                        const uint8_t *name, Error *err)
{
    char n[ACPI_LOADER_FILESZ];
    memcpy(n, name, ACPI_LOADER_FILESZ);
    n[ACPI_LOADER_FILESZ - 1] = 0;
    for (unsigned i = 0; i < nr; i++)
        if (!strcmp(files[i].name, n))
            return &files[i];
    error_setf(err, "acpi loader: no file '%s'", n);
    return NULL;
}

static int acpi_loader_range(const AcpiLoaderFile *f, uint64_t start, uint64_t len,
                             Error *err)
{
    if (start > f->len || len > f->len - start)
        return error_setf(err, "acpi loader: [%#llx, +%#llx) outside '%s' (%zu bytes)",
                          (unsigned long long)start, (unsigned long long)len,
                          f->name, f->len);
    return 0;
}

int acpi_loader_run(const uint8_t *cmds, size_t len, AcpiLoaderFile *files,
                    unsigned nr_files, Error *err)
{
    if (len % ACPI_LOADER_ENTRY_SIZE)
        return error_setf(err, "acpi loader: %zu bytes is not a whole number of commands", len);
    for (size_t off = 0; off < len; off += ACPI_LOADER_ENTRY_SIZE) {
        const uint8_t *e = cmds + off + 4;
        uint32_t cmd = get_u32(cmds + off);
        AcpiLoaderFile *f, *src;

        switch (cmd) {
        case ACPI_LOADER_ALLOCATE: {
            uint32_t align = get_u32(e + ACPI_LOADER_FILESZ);
            uint8_t zone = e[ACPI_LOADER_FILESZ + 4];
            if (!(f = acpi_loader_find(files, nr_files, e, err)))
                return -1;
            if (align && (align & (align - 1)))
                return error_setf(err, "acpi loader: bad alignment %u", align);
            if (align && f->addr % align)
                return error_setf(err, "acpi loader: '%s' at %#llx is not %u-aligned",
                                  f->name, (unsigned long long)f->addr, align);
            if (zone == ACPI_LOADER_ZONE_FSEG &&
                (f->addr < 0xe0000 || f->addr + f->len > 0x100000))
                return error_setf(err, "acpi loader: '%s' must lie in 0xe0000-0xfffff",
                                  f->name);
            break;
        }
        case ACPI_LOADER_ADD_POINTER: {
            uint32_t at = get_u32(e + 2 * ACPI_LOADER_FILESZ);
            uint8_t size = e[2 * ACPI_LOADER_FILESZ + 4];
            if (!(f = acpi_loader_find(files, nr_files, e, err)) ||
                !(src = acpi_loader_find(files, nr_files, e + ACPI_LOADER_FILESZ, err)))
                return -1;
            if (size != 1 && size != 2 && size != 4 && size != 8)
                return error_setf(err, "acpi loader: bad pointer size %u", size);
            if (acpi_loader_range(f, at, size, err) < 0)
                return -1;
            uint64_t v = 0;
            for (unsigned i = 0; i < size; i++)
                v |= (uint64_t)f->data[at + i] << (8 * i);
            v += src->addr;
            if (size < 8 && (v >> (8 * size)))
                return error_setf(err, "acpi loader: '%s' at %#llx does not fit %u bytes",
                                  src->name, (unsigned long long)src->addr, size);
            for (unsigned i = 0; i < size; i++)
                f->data[at + i] = (uint8_t)(v >> (8 * i));
            break;
        }
        case ACPI_LOADER_ADD_CHECKSUM: {
            uint32_t at = get_u32(e + ACPI_LOADER_FILESZ);
            uint32_t start = get_u32(e + ACPI_LOADER_FILESZ + 4);
            uint32_t length = get_u32(e + ACPI_LOADER_FILESZ + 8);
            if (!(f = acpi_loader_find(files, nr_files, e, err)))
                return -1;
            if (acpi_loader_range(f, at, 1, err) < 0 ||
                acpi_loader_range(f, start, length, err) < 0)
                return -1;
            f->data[at] = (uint8_t)(f->data[at] - acpi_checksum(f->data + start, length));
            break;
        }
        default:
            /* Firmware ignores commands it does not know; so do we. */
            break;
        }
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * AML byte-code builder. Opcodes and encodings are those of ACPI 6.x
 * chapter 20 (AML grammar) and section 6.4 (resource descriptors).
 *
 * A node holds its *contents* in buf and a kind saying how they are framed
 * when the node is closed:
 *   RAW       the bytes as they are (names, integers, expressions);
 *   BLOCK     op, PkgLength(contents), contents (Scope, Device, If...);
 *   PACKAGE   PackageOp PkgLength NumElements elements (VarPackage beyond
 *             255 elements, so big -smp never truncates a package);
 *   TEMPLATE  descriptors + End Tag, wrapped as Buffer(size) { ... }.
 * Closing happens once (aml_close turns the node into RAW). A node whose
 * bytes were handed out by aml_data()/aml_len() is final: appending to it
 * afterwards would put terms outside its frame, which an assertion stops.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/aml.h"

enum AmlKind { AML_RAW, AML_BLOCK, AML_PACKAGE, AML_TEMPLATE };

struct Aml {
    enum AmlKind kind;
    uint8_t op[2];
    uint8_t oplen;
    unsigned count;             /* elements of a package */
    bool final;                 /* aml_data/aml_len handed out its bytes */
    uint8_t *data;
    size_t len, cap;
};

/* Opcodes (ACPI 6.x 20.2.x). */
#define AML_ZERO_OP         0x00
#define AML_ONE_OP          0x01
#define AML_NAME_OP         0x08
#define AML_BYTE_PREFIX     0x0a
#define AML_WORD_PREFIX     0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_STRING_PREFIX   0x0d
#define AML_QWORD_PREFIX    0x0e
#define AML_SCOPE_OP        0x10
#define AML_BUFFER_OP       0x11
#define AML_PACKAGE_OP      0x12
#define AML_VARPACKAGE_OP   0x13
#define AML_METHOD_OP       0x14
#define AML_DUAL_NAME       0x2e
#define AML_MULTI_NAME      0x2f
#define AML_EXT_OP          0x5b
#define AML_ROOT_CHAR       0x5c
#define AML_PARENT_CHAR     0x5e
#define AML_LOCAL0          0x60
#define AML_ARG0            0x68
#define AML_STORE_OP        0x70
#define AML_ADD_OP          0x72
#define AML_AND_OP          0x7b
#define AML_OR_OP           0x7d
#define AML_NOTIFY_OP       0x86
#define AML_CREATE_DWORD_FIELD_OP 0x8a
#define AML_LAND_OP         0x90
#define AML_LNOT_OP         0x92
#define AML_LEQUAL_OP       0x93
#define AML_IF_OP           0xa0
#define AML_ELSE_OP         0xa1
#define AML_RETURN_OP       0xa4
#define AML_ONES_OP         0xff
#define AML_EXT_REGION_OP   0x80
#define AML_EXT_FIELD_OP    0x81
#define AML_EXT_DEVICE_OP   0x82

#define AML_PKGLEN_MAX      0x0fffffffu     /* 28 bits */

static void aml_oom(void)
{
    fprintf(stderr, "tandem: out of memory building ACPI tables\n");
    abort();
}

static Aml *aml_alloc(enum AmlKind kind)
{
    Aml *a = calloc(1, sizeof(*a));
    if (!a)
        aml_oom();
    a->kind = kind;
    return a;
}

static void aml_put(Aml *a, const void *p, size_t n)
{
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 64;
        while (cap < a->len + n)
            cap *= 2;
        uint8_t *d = realloc(a->data, cap);
        if (!d)
            aml_oom();
        a->data = d;
        a->cap = cap;
    }
    if (n)
        memcpy(a->data + a->len, p, n);
    a->len += n;
}

static void aml_byte(Aml *a, uint8_t b) { aml_put(a, &b, 1); }

static void aml_le(Aml *a, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        aml_byte(a, (uint8_t)(v >> (8 * i)));
}

/*
 * Encode v in n bytes: one byte holds 6 bits; longer forms put n - 1 in
 * bits 7:6 of the lead byte, the low 4 bits of v there and 8 more bits in
 * each following byte (20.2.4).
 */
static void aml_pkglen_put(size_t v, unsigned n, uint8_t out[4])
{
    if (n == 1) {
        out[0] = (uint8_t)v;
        return;
    }
    out[0] = (uint8_t)(((n - 1) << 6) | (v & 0x0f));
    for (unsigned i = 1; i < n; i++)
        out[i] = (uint8_t)(v >> (4 + 8 * (i - 1)));
}

/* Bytes needed to encode the value v as a PkgLength. */
static unsigned aml_pkglen_bytes(size_t v)
{
    return v <= 0x3f ? 1 : v < (1u << 12) ? 2 : v < (1u << 20) ? 3 : 4;
}

size_t aml_pkglen_encode(size_t body_len, uint8_t out[4])
{
    /* A package's PkgLength counts its own bytes too. */
    for (unsigned n = 1; n <= 4; n++) {
        size_t total = body_len + n;
        if (total <= AML_PKGLEN_MAX && aml_pkglen_bytes(total) == n) {
            aml_pkglen_put(total, n, out);
            return n;
        }
    }
    fprintf(stderr, "tandem: AML package of %zu bytes is too long\n", body_len);
    abort();
}

/* Frame node's contents according to its kind; afterwards it is RAW. */
static void aml_close(Aml *a)
{
    uint8_t pk[4];
    Aml body = *a;
    size_t n;

    if (a->kind == AML_RAW)
        return;
    a->data = NULL;
    a->len = a->cap = 0;
    switch (body.kind) {
    case AML_BLOCK:
        aml_put(a, body.op, body.oplen);
        n = aml_pkglen_encode(body.len, pk);
        aml_put(a, pk, n);
        aml_put(a, body.data, body.len);
        break;
    case AML_PACKAGE: {
        Aml cnt = { .kind = AML_TEMPLATE };
        if (body.count <= 0xff) {
            aml_byte(&cnt, (uint8_t)body.count);
            aml_byte(a, AML_PACKAGE_OP);
        } else {
            Aml *ci = aml_int(body.count);
            aml_put(&cnt, ci->data, ci->len);
            aml_free(ci);
            aml_byte(a, AML_VARPACKAGE_OP);
        }
        n = aml_pkglen_encode(cnt.len + body.len, pk);
        aml_put(a, pk, n);
        aml_put(a, cnt.data, cnt.len);
        aml_put(a, body.data, body.len);
        free(cnt.data);
        break;
    }
    case AML_TEMPLATE: {
        /* End Tag; checksum 0 means "treat as correct" (6.4.2.9). */
        static const uint8_t end_tag[2] = { 0x79, 0x00 };
        Aml *size = aml_int(body.len + 2);
        aml_byte(a, AML_BUFFER_OP);
        n = aml_pkglen_encode(size->len + body.len + 2, pk);
        aml_put(a, pk, n);
        aml_put(a, size->data, size->len);
        aml_put(a, body.data, body.len);
        aml_put(a, end_tag, 2);
        aml_free(size);
        break;
    }
    case AML_RAW:
        break;
    }
    free(body.data);
    a->kind = AML_RAW;
    a->oplen = 0;
}

Aml *aml_new(void) { return aml_alloc(AML_RAW); }

void aml_append(Aml *parent, Aml *child)
{
    assert(!parent->final);
    aml_close(child);
    aml_put(parent, child->data, child->len);
    parent->count++;
    aml_free(child);
}

const uint8_t *aml_data(Aml *node)
{
    aml_close(node);
    node->final = true;
    return node->data;
}

size_t aml_len(Aml *node)
{
    aml_close(node);
    node->final = true;
    return node->len;
}

void aml_free(Aml *node)
{
    if (node) {
        free(node->data);
        free(node);
    }
}

/* Append a (consumed) term to a node under construction. */
static void aml_term(Aml *a, Aml *t)
{
    if (!t) {
        aml_byte(a, AML_ZERO_OP);   /* NullName: no target */
        return;
    }
    aml_close(t);
    aml_put(a, t->data, t->len);
    aml_free(t);
}

static Aml *aml_block(uint8_t op0, uint8_t op1)
{
    Aml *a = aml_alloc(AML_BLOCK);
    a->op[0] = op0;
    a->op[1] = op1;
    a->oplen = op0 == AML_EXT_OP ? 2 : 1;
    return a;
}

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new();
    if (v == 0) {
        aml_byte(a, AML_ZERO_OP);
    } else if (v == 1) {
        aml_byte(a, AML_ONE_OP);
    } else if (v == UINT64_MAX) {
        aml_byte(a, AML_ONES_OP);
    } else if (v <= 0xff) {
        aml_byte(a, AML_BYTE_PREFIX);
        aml_le(a, v, 1);
    } else if (v <= 0xffff) {
        aml_byte(a, AML_WORD_PREFIX);
        aml_le(a, v, 2);
    } else if (v <= 0xffffffffu) {
        aml_byte(a, AML_DWORD_PREFIX);
        aml_le(a, v, 4);
    } else {
        aml_byte(a, AML_QWORD_PREFIX);
        aml_le(a, v, 8);
    }
    return a;
}

Aml *aml_string(const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        aml_oom();
    Aml *a = aml_new();
    aml_byte(a, AML_STRING_PREFIX);
    aml_put(a, s, strlen(s) + 1);
    free(s);
    return a;
}

Aml *aml_buffer(const uint8_t *data, size_t len)
{
    Aml *a = aml_block(AML_BUFFER_OP, 0);
    aml_term(a, aml_int(len));
    aml_put(a, data, len);
    return a;
}

Aml *aml_package(void) { return aml_alloc(AML_PACKAGE); }

/* Encode a NameString (20.2.2) from its text form into a. */
static void aml_namestring(Aml *a, const char *s)
{
    unsigned nseg = 0;
    const char *p;

    if (*s == '\\') {
        aml_byte(a, AML_ROOT_CHAR);
        s++;
    } else {
        while (*s == '^') {
            aml_byte(a, AML_PARENT_CHAR);
            s++;
        }
    }
    if (*s)
        for (nseg = 1, p = s; *p; p++)
            nseg += *p == '.';
    if (nseg == 0) {
        aml_byte(a, 0x00);          /* NullName */
        return;
    }
    if (nseg == 2) {
        aml_byte(a, AML_DUAL_NAME);
    } else if (nseg > 2) {
        assert(nseg <= 255);
        aml_byte(a, AML_MULTI_NAME);
        aml_byte(a, (uint8_t)nseg);
    }
    for (unsigned i = 0; i < nseg; i++) {
        char seg[4] = { '_', '_', '_', '_' };
        unsigned n = 0;
        for (; *s && *s != '.'; s++) {
            assert(n < 4);
            seg[n++] = *s;
        }
        assert(n > 0);
        aml_put(a, seg, 4);
        if (*s == '.')
            s++;
    }
}

static char *aml_vfmt(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        aml_oom();
    return s;
}

Aml *aml_name(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = aml_vfmt(fmt, ap);
    va_end(ap);
    Aml *a = aml_new();
    aml_namestring(a, s);
    free(s);
    return a;
}

Aml *aml_eisaid(const char *id)
{
    /* Three letters of 5 bits (A = 1) then four hex digits, byte-swapped
     * so that the text reads in memory order (6.1.5). */
    assert(strlen(id) == 7);
    uint32_t v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
                 ((uint32_t)(id[2] - 0x40) << 16) | (uint32_t)strtoul(id + 3, NULL, 16);
    return aml_int(__builtin_bswap32(v));
}

Aml *aml_local(unsigned n)
{
    assert(n < 8);
    Aml *a = aml_new();
    aml_byte(a, (uint8_t)(AML_LOCAL0 + n));
    return a;
}

Aml *aml_arg(unsigned n)
{
    assert(n < 7);
    Aml *a = aml_new();
    aml_byte(a, (uint8_t)(AML_ARG0 + n));
    return a;
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new();
    aml_byte(a, AML_NAME_OP);
    aml_namestring(a, name);
    aml_term(a, value);
    return a;
}

static Aml *aml_named_block(uint8_t op0, uint8_t op1, const char *fmt, va_list ap)
{
    char *s = aml_vfmt(fmt, ap);
    Aml *a = aml_block(op0, op1);
    aml_namestring(a, s);
    free(s);
    return a;
}

Aml *aml_scope(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Aml *a = aml_named_block(AML_SCOPE_OP, 0, fmt, ap);
    va_end(ap);
    return a;
}

Aml *aml_device(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Aml *a = aml_named_block(AML_EXT_OP, AML_EXT_DEVICE_OP, fmt, ap);
    va_end(ap);
    return a;
}

Aml *aml_method(const char *name, unsigned nargs, bool serialized)
{
    assert(nargs <= 7);
    Aml *a = aml_block(AML_METHOD_OP, 0);
    aml_namestring(a, name);
    /* MethodFlags: ArgCount in bits 2:0, SerializeFlag in bit 3. */
    aml_byte(a, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
    return a;
}

Aml *aml_if(Aml *predicate)
{
    Aml *a = aml_block(AML_IF_OP, 0);
    aml_term(a, predicate);
    return a;
}

Aml *aml_else(void) { return aml_block(AML_ELSE_OP, 0); }

Aml *aml_operation_region(const char *name, uint8_t space, Aml *offset, Aml *len)
{
    Aml *a = aml_new();
    aml_byte(a, AML_EXT_OP);
    aml_byte(a, AML_EXT_REGION_OP);
    aml_namestring(a, name);
    aml_byte(a, space);
    aml_term(a, offset);
    aml_term(a, len);
    return a;
}

Aml *aml_field(const char *region, uint8_t access, uint8_t lock, uint8_t update)
{
    Aml *a = aml_block(AML_EXT_OP, AML_EXT_FIELD_OP);
    aml_namestring(a, region);
    aml_byte(a, (uint8_t)((access & 0x0f) | ((lock & 1) << 4) | ((update & 3) << 5)));
    return a;
}

void aml_field_unit(Aml *field, const char *name, uint32_t bits)
{
    uint8_t pk[4];
    /* NamedField: NameSeg PkgLength; ReservedField: 0x00 PkgLength. Here
     * the PkgLength encoding carries the bit count itself (20.2.5.2). */
    if (name) {
        char seg[4] = { '_', '_', '_', '_' };
        size_t n = strlen(name);
        assert(n >= 1 && n <= 4);
        memcpy(seg, name, n);
        aml_put(field, seg, 4);
    } else {
        aml_byte(field, 0x00);
    }
    assert(bits <= AML_PKGLEN_MAX);
    unsigned n = aml_pkglen_bytes(bits);
    aml_pkglen_put(bits, n, pk);
    aml_put(field, pk, n);
}

static Aml *aml_op2(uint8_t op, Aml *x, Aml *y)
{
    Aml *a = aml_new();
    aml_byte(a, op);
    aml_term(a, x);
    aml_term(a, y);
    return a;
}

static Aml *aml_op3(uint8_t op, Aml *x, Aml *y, Aml *target)
{
    Aml *a = aml_op2(op, x, y);
    aml_term(a, target);
    return a;
}

Aml *aml_store(Aml *src, Aml *dst) { return aml_op2(AML_STORE_OP, src, dst); }
Aml *aml_notify(Aml *obj, Aml *value) { return aml_op2(AML_NOTIFY_OP, obj, value); }
Aml *aml_and(Aml *a, Aml *b, Aml *target) { return aml_op3(AML_AND_OP, a, b, target); }
Aml *aml_or(Aml *a, Aml *b, Aml *target) { return aml_op3(AML_OR_OP, a, b, target); }
Aml *aml_add(Aml *a, Aml *b, Aml *target) { return aml_op3(AML_ADD_OP, a, b, target); }
Aml *aml_lequal(Aml *a, Aml *b) { return aml_op2(AML_LEQUAL_OP, a, b); }
Aml *aml_land(Aml *a, Aml *b) { return aml_op2(AML_LAND_OP, a, b); }

Aml *aml_lnot(Aml *x)
{
    Aml *a = aml_new();
    aml_byte(a, AML_LNOT_OP);
    aml_term(a, x);
    return a;
}

Aml *aml_return(Aml *v)
{
    Aml *a = aml_new();
    aml_byte(a, AML_RETURN_OP);
    aml_term(a, v);
    return a;
}

Aml *aml_create_dword_field(Aml *buf, Aml *index, const char *name)
{
    Aml *a = aml_op2(AML_CREATE_DWORD_FIELD_OP, buf, index);
    aml_namestring(a, name);
    return a;
}

/* ---- resource descriptors (6.4) ---- */

Aml *aml_resource_template(void) { return aml_alloc(AML_TEMPLATE); }

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    Aml *a = aml_new();
    aml_byte(a, 0x47);              /* small item 8, length 7 */
    aml_byte(a, 0x01);              /* decodes 16 address bits */
    aml_le(a, min, 2);
    aml_le(a, max, 2);
    aml_byte(a, align);
    aml_byte(a, len);
    return a;
}

Aml *aml_irq_noflags(uint8_t irq)
{
    assert(irq < 16);
    Aml *a = aml_new();
    aml_byte(a, 0x22);              /* small item 4, length 2: edge, high */
    aml_le(a, 1u << irq, 2);
    return a;
}

Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool rw)
{
    Aml *a = aml_new();
    aml_byte(a, 0x86);              /* large item 6 */
    aml_le(a, 9, 2);
    aml_byte(a, rw ? 1 : 0);
    aml_le(a, base, 4);
    aml_le(a, len, 4);
    return a;
}

Aml *aml_interrupt(bool consumer, bool edge, bool active_low, bool shared,
                   const uint32_t *irqs, unsigned n)
{
    assert(n >= 1 && n <= 255);
    Aml *a = aml_new();
    aml_byte(a, 0x89);              /* large item 9: extended interrupt */
    aml_le(a, 2 + 4 * n, 2);
    aml_byte(a, (uint8_t)((consumer ? 1 : 0) | (edge ? 2 : 0) | (active_low ? 4 : 0) |
                          (shared ? 8 : 0)));
    aml_byte(a, (uint8_t)n);
    for (unsigned i = 0; i < n; i++)
        aml_le(a, irqs[i], 4);
    return a;
}

/*
 * Address space descriptors share a layout: tag, length, resource type,
 * general flags, type-specific flags, then granularity, min, max,
 * translation and length, each of the descriptor's width.
 */
static Aml *aml_addr_space(uint8_t tag, unsigned width, uint8_t type, uint8_t tflags,
                           uint64_t min, uint64_t max)
{
    assert(max >= min);
    Aml *a = aml_new();
    aml_byte(a, tag);
    aml_le(a, 3 + 5 * width, 2);
    aml_byte(a, type);
    aml_byte(a, 0x0c);              /* producer, positive decode, min+max fixed */
    aml_byte(a, tflags);
    aml_le(a, 0, width);
    aml_le(a, min, width);
    aml_le(a, max, width);
    aml_le(a, 0, width);
    aml_le(a, max - min + 1, width);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return aml_addr_space(0x88, 2, 2, 0, min, max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return aml_addr_space(0x88, 2, 1, 0x03 /* entire range */, min, max);
}

/* Memory flags: read-write, cacheable (01) or not (00). */
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable)
{
    return aml_addr_space(0x87, 4, 0, cacheable ? 0x03 : 0x01, min, max);
}

Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable)
{
    return aml_addr_space(0x8a, 8, 0, cacheable ? 0x03 : 0x01, min, max);
}

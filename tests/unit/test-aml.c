/* SPDX-License-Identifier: MIT */
/*
 * The AML builder against bytes worked out by hand from the ACPI 6.x AML
 * grammar (chapter 20) and resource descriptor formats (6.4): PkgLength at
 * each size boundary, integer prefixes, name strings, strings, EisaId,
 * packages (and VarPackage past 255 elements), a small method, a field
 * list, resource templates and address space descriptors.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/acpi/aml.h"

/* Compare a node's final bytes with the expected ones, then free it. */
#define CHECK_AML(node, ...)                                                  \
    do {                                                                      \
        static const uint8_t exp_[] = { __VA_ARGS__ };                        \
        Aml *n_ = (node);                                                     \
        CU_ASSERT_EQUAL_FATAL(aml_len(n_), sizeof(exp_));                     \
        CU_ASSERT_EQUAL(memcmp(aml_data(n_), exp_, sizeof(exp_)), 0);         \
        aml_free(n_);                                                         \
    } while (0)

static void check_pkglen(size_t body, const uint8_t *exp, size_t n)
{
    uint8_t out[4] = { 0 };
    size_t got = aml_pkglen_encode(body, out);
    CU_ASSERT_EQUAL(got, n);
    CU_ASSERT_EQUAL(memcmp(out, exp, n), 0);
}

static void test_pkglen_boundaries(void)
{
    /* One byte holds lengths up to 63, the PkgLength byte included. */
    check_pkglen(0, (const uint8_t[]){ 0x01 }, 1);
    check_pkglen(62, (const uint8_t[]){ 0x3f }, 1);
    /* 63 + 2 = 65 = 0x41: lead 0x40 | 1, then 0x41 >> 4. */
    check_pkglen(63, (const uint8_t[]){ 0x41, 0x04 }, 2);
    /* The largest 2-byte total, 0xfff. */
    check_pkglen(4093, (const uint8_t[]){ 0x4f, 0xff }, 2);
    /* 4094 + 2 = 0x1000 does not fit: 3 bytes, total 0x1001. */
    check_pkglen(4094, (const uint8_t[]){ 0x81, 0x00, 0x01 }, 3);
    check_pkglen(0xfffff - 3, (const uint8_t[]){ 0x8f, 0xff, 0xff }, 3);
    check_pkglen(0xfffff - 2, (const uint8_t[]){ 0xc1, 0x00, 0x00, 0x01 }, 4);
}

static void test_integers(void)
{
    CHECK_AML(aml_int(0), 0x00);
    CHECK_AML(aml_int(1), 0x01);
    CHECK_AML(aml_int(2), 0x0a, 0x02);
    CHECK_AML(aml_int(0xff), 0x0a, 0xff);
    CHECK_AML(aml_int(0x100), 0x0b, 0x00, 0x01);
    CHECK_AML(aml_int(0xffff), 0x0b, 0xff, 0xff);
    CHECK_AML(aml_int(0x10000), 0x0c, 0x00, 0x00, 0x01, 0x00);
    CHECK_AML(aml_int(0xffffffff), 0x0c, 0xff, 0xff, 0xff, 0xff);
    CHECK_AML(aml_int(0x100000000ull), 0x0e, 0, 0, 0, 0, 1, 0, 0, 0);
    CHECK_AML(aml_int(0x123456789abcdef0ull), 0x0e, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56,
              0x34, 0x12);
    CHECK_AML(aml_int(UINT64_MAX), 0xff);
}

static void test_names_and_strings(void)
{
    CHECK_AML(aml_name("_SB"), '_', 'S', 'B', '_');
    CHECK_AML(aml_name("\\"), 0x5c, 0x00);
    CHECK_AML(aml_name("\\_SB.PCI0"), 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
    CHECK_AML(aml_name("\\_SB.PCI0.ISA.PRQA"), 0x5c, 0x2f, 0x04, '_', 'S', 'B', '_', 'P',
              'C', 'I', '0', 'I', 'S', 'A', '_', 'P', 'R', 'Q', 'A');
    CHECK_AML(aml_name("^^FOO"), 0x5e, 0x5e, 'F', 'O', 'O', '_');
    CHECK_AML(aml_name("LNK%c", 'C'), 'L', 'N', 'K', 'C');
    CHECK_AML(aml_string("ab"), 0x0d, 'a', 'b', 0x00);
    CHECK_AML(aml_string("%s", ""), 0x0d, 0x00);
    /* EisaId("PNP0A03") is the well-known 0x030ad041. */
    CHECK_AML(aml_eisaid("PNP0A03"), 0x0c, 0x41, 0xd0, 0x0a, 0x03);
    CHECK_AML(aml_eisaid("PNP0C0F"), 0x0c, 0x41, 0xd0, 0x0c, 0x0f);
    CHECK_AML(aml_local(2), 0x62);
    CHECK_AML(aml_arg(0), 0x68);
}

static void test_packages(void)
{
    Aml *p = aml_package();
    aml_append(p, aml_int(1));
    aml_append(p, aml_string("a"));
    CHECK_AML(p, 0x12, 0x06, 0x02, 0x01, 0x0d, 'a', 0x00);

    CHECK_AML(aml_name_decl("_S5", aml_package()), 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00);

    /* 300 elements need VarPackage with a Word count; 3 + 300 = 303 body
     * bytes, total 305 = 0x131. */
    Aml *big = aml_package();
    for (int i = 0; i < 300; i++)
        aml_append(big, aml_int(0));
    const uint8_t *d = aml_data(big);
    CU_ASSERT_EQUAL(aml_len(big), 1 + 2 + 3 + 300);  /* op, PkgLength, count */
    CU_ASSERT_EQUAL(d[0], 0x13);
    CU_ASSERT_EQUAL(d[1], 0x41);
    CU_ASSERT_EQUAL(d[2], 0x13);
    CU_ASSERT_EQUAL(d[3], 0x0b);
    CU_ASSERT_EQUAL(d[4], 0x2c);
    CU_ASSERT_EQUAL(d[5], 0x01);
    aml_free(big);
}

static void test_small_method(void)
{
    /* Method (_STA) { If (And (PRQA, 0x80)) { Return (9) } Return (0x0b) } */
    Aml *m = aml_method("_STA", 0, false);
    Aml *i = aml_if(aml_and(aml_name("PRQA"), aml_int(0x80), NULL));
    aml_append(i, aml_return(aml_int(9)));
    aml_append(m, i);
    aml_append(m, aml_return(aml_int(0x0b)));
    CHECK_AML(m,
              0x14, 0x16, '_', 'S', 'T', 'A', 0x00,
              0xa0, 0x0c, 0x7b, 'P', 'R', 'Q', 'A', 0x0a, 0x80, 0x00,
              0xa4, 0x0a, 0x09,
              0xa4, 0x0a, 0x0b);

    /* Method (_SRS, 1, Serialized) { CreateDWordField (Arg0, 5, IRQV)
     *                                Store (IRQV, PRQA) } */
    m = aml_method("_SRS", 1, true);
    aml_append(m, aml_create_dword_field(aml_arg(0), aml_int(5), "IRQV"));
    aml_append(m, aml_store(aml_name("IRQV"), aml_name("PRQA")));
    CHECK_AML(m,
              0x14, 0x17, '_', 'S', 'R', 'S', 0x09,
              0x8a, 0x68, 0x0a, 0x05, 'I', 'R', 'Q', 'V',
              0x70, 'I', 'R', 'Q', 'V', 'P', 'R', 'Q', 'A');

    /* If/Else and Notify */
    Aml *s = aml_new();
    Aml *c = aml_if(aml_lequal(aml_local(0), aml_int(1)));
    aml_append(c, aml_notify(aml_name("PWRB"), aml_int(0x80)));
    aml_append(s, c);
    Aml *e = aml_else();
    aml_append(e, aml_store(aml_int(0), aml_local(0)));
    aml_append(s, e);
    CHECK_AML(s, 0xa0, 0x0b, 0x93, 0x60, 0x01, 0x86, 'P', 'W', 'R', 'B', 0x0a, 0x80,
              0xa1, 0x04, 0x70, 0x00, 0x60);
}

static void test_device_field_region(void)
{
    Aml *dev = aml_device("KBD");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0303")));
    CHECK_AML(dev, 0x5b, 0x82, 0x0f, 'K', 'B', 'D', '_', 0x08, '_', 'H', 'I', 'D', 0x0c,
              0x41, 0xd0, 0x03, 0x03);

    CHECK_AML(aml_operation_region("PIRQ", AML_SPACE_PCI_CONFIG, aml_int(0x60), aml_int(4)),
              0x5b, 0x80, 'P', 'I', 'R', 'Q', 0x02, 0x0a, 0x60, 0x0a, 0x04);

    Aml *f = aml_field("PIRQ", AML_ACCESS_BYTE, AML_NOLOCK, AML_PRESERVE);
    aml_field_unit(f, "PRQA", 8);
    aml_field_unit(f, NULL, 8);
    aml_field_unit(f, "WIDE", 64);  /* 64 needs the 2-byte form: 0x40 0x04 */
    CHECK_AML(f, 0x5b, 0x81, 0x13, 'P', 'I', 'R', 'Q', 0x01, 'P', 'R', 'Q', 'A', 0x08,
              0x00, 0x08, 'W', 'I', 'D', 'E', 0x40, 0x04);

    /* Lock and WriteAsZeros land in bits 4 and 6:5 of the flags. */
    f = aml_field("REGN", AML_ACCESS_DWORD, AML_LOCK, AML_WRITE_AS_ZEROS);
    const uint8_t *d = aml_data(f);
    CU_ASSERT_EQUAL(d[7], 0x03 | 0x10 | 0x40);
    aml_free(f);
}

static void test_resource_templates(void)
{
    Aml *t = aml_resource_template();
    aml_append(t, aml_io(0x60, 0x60, 1, 1));
    CHECK_AML(t, 0x11, 0x0d, 0x0a, 0x0a, 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
              0x79, 0x00);

    CHECK_AML(aml_irq_noflags(12), 0x22, 0x00, 0x10);
    CHECK_AML(aml_memory32_fixed(0xfed00000, 0x400, false), 0x86, 0x09, 0x00, 0x00, 0x00,
              0x00, 0xd0, 0xfe, 0x00, 0x04, 0x00, 0x00);
    uint32_t irqs[] = { 5, 10 };
    CHECK_AML(aml_interrupt(true, false, false, true, irqs, 2), 0x89, 0x0a, 0x00, 0x09,
              0x02, 0x05, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00);
    CHECK_AML(aml_interrupt(true, true, true, false, irqs, 1), 0x89, 0x06, 0x00, 0x07,
              0x01, 0x05, 0x00, 0x00, 0x00);
    CHECK_AML(aml_word_bus_number(0, 0xff), 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00,
              0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01);
    CHECK_AML(aml_word_io(0x0d00, 0xffff), 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00,
              0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3);
    CHECK_AML(aml_dword_memory(0xa0000, 0xbffff, true), 0x87, 0x17, 0x00, 0x00, 0x0c, 0x03,
              0, 0, 0, 0, 0x00, 0x00, 0x0a, 0x00, 0xff, 0xff, 0x0b, 0x00, 0, 0, 0, 0,
              0x00, 0x00, 0x02, 0x00);
    Aml *q = aml_qword_memory(0x100000000ull, 0x8ffffffffull, false);
    const uint8_t *d = aml_data(q);
    CU_ASSERT_EQUAL(aml_len(q), 46);
    CU_ASSERT_EQUAL(d[0], 0x8a);
    CU_ASSERT_EQUAL(d[1], 43);
    CU_ASSERT_EQUAL(d[5], 0x01);            /* read-write, non-cacheable */
    CU_ASSERT_EQUAL(d[14 + 4], 0x01);       /* min = 4 GiB: byte 4 of the qword */
    CU_ASSERT_EQUAL(d[38 + 4], 0x08);       /* length 32 GiB */
    aml_free(q);
}

static void test_scope_crosses_63_bytes(void)
{
    /* Ten 6-byte Names make the scope body cross the one-byte PkgLength
     * limit. */
    Aml *s = aml_scope("\\_SB");
    for (int i = 0; i < 10; i++) {
        char n[5];
        snprintf(n, sizeof(n), "N%03d", i);
        aml_append(s, aml_name_decl(n, aml_int(0)));     /* 6 bytes each */
    }
    /* body: 5 (\_SB_) + 60 = 65; total 67 = 0x43 -> 0x43 0x04 */
    const uint8_t *d = aml_data(s);
    CU_ASSERT_EQUAL(aml_len(s), 1 + 2 + 65);
    CU_ASSERT_EQUAL(d[0], 0x10);
    CU_ASSERT_EQUAL(d[1], 0x43);
    CU_ASSERT_EQUAL(d[2], 0x04);
    CU_ASSERT_EQUAL(d[3], 0x5c);
    aml_free(s);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "pkglen boundaries", test_pkglen_boundaries },
        { "integers", test_integers },
        { "names and strings", test_names_and_strings },
        { "packages", test_packages },
        { "small methods", test_small_method },
        { "device, field, region", test_device_field_region },
        { "resource templates", test_resource_templates },
        { "scope crossing 63 bytes", test_scope_crosses_63_bytes },
        { NULL, NULL },
    };
    unit_add_suite("aml", NULL, NULL, tests);
}

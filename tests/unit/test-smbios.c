/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS as dmidecode would read it: the 2.8 entry point's checksums and
 * fields, a walk over every structure (formatted area, then strings to the
 * double NUL) that must land exactly on the table's end, unique handles,
 * one type 4 per CPU, memory devices and mapped ranges for RAM above
 * 4 GiB, the strings of type 0/1, and the anchor after relocation.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/acpi/smbios.h"

static unsigned rd16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

typedef struct Walk {
    unsigned count, by_type[128];
    unsigned handles[512];
    size_t max_len;
    const uint8_t *first[128];          /* first structure of each type */
    uint8_t last_type;
} Walk;

/* Walk the table; every structure must end inside it, at its double NUL. */
static void walk(const SmbiosTables *t, Walk *w)
{
    size_t off = 0;
    memset(w, 0, sizeof(*w));
    while (off < t->tables_len) {
        const uint8_t *s = t->tables + off;
        CU_ASSERT_FATAL(off + 4 <= t->tables_len && s[1] >= 4);
        size_t end = off + s[1];
        /* strings: until two consecutive NULs */
        while (end + 1 < t->tables_len && !(t->tables[end] == 0 && t->tables[end + 1] == 0))
            end++;
        CU_ASSERT_FATAL(end + 1 < t->tables_len);
        end += 2;
        if (end - off > w->max_len)
            w->max_len = end - off;
        for (unsigned i = 0; i < w->count && i < 512; i++)
            CU_ASSERT_NOT_EQUAL(w->handles[i], rd16(s + 2));
        if (w->count < 512)
            w->handles[w->count] = rd16(s + 2);
        w->count++;
        if (s[0] < 128) {
            if (!w->by_type[s[0]])
                w->first[s[0]] = s;
            w->by_type[s[0]]++;
        }
        w->last_type = s[0];
        off = end;
    }
    CU_ASSERT_EQUAL(off, t->tables_len);
}

/* String n (1-based) of structure s. */
static const char *str_of(const uint8_t *s, unsigned n)
{
    const char *p = (const char *)s + s[1];
    if (n == 0)
        return "";
    while (--n)
        p += strlen(p) + 1;
    return p;
}

static void test_anchor(void)
{
    SmbiosDesc d = { .nr_cpus = 2, .ram_below_4g = 1ull << 30 };
    SmbiosTables t;
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(smbios_build(&d, &t, &err), 0);
    const uint8_t *a = t.anchor;
    CU_ASSERT_EQUAL(memcmp(a, "_SM_", 4), 0);
    CU_ASSERT_EQUAL(a[5], 0x1f);
    CU_ASSERT_EQUAL(sum(a, 0x1f), 0);
    CU_ASSERT_EQUAL(memcmp(a + 16, "_DMI_", 5), 0);
    CU_ASSERT_EQUAL(sum(a + 16, 15), 0);
    CU_ASSERT_EQUAL(a[6], 2);
    CU_ASSERT_EQUAL(a[7], 8);
    CU_ASSERT_EQUAL(a[30], 0x28);
    CU_ASSERT_EQUAL(rd16(a + 22), t.tables_len);
    CU_ASSERT_EQUAL(rd16(a + 28), t.nr_structs);
    CU_ASSERT_EQUAL(rd16(a + 8), t.max_struct);

    /* Relocated, both checksums still hold and the address is there. */
    uint8_t moved[SMBIOS_ANCHOR_SIZE];
    memcpy(moved, a, sizeof(moved));
    smbios_anchor_set_address(moved, 0x000f1234);
    CU_ASSERT_EQUAL(rd32(moved + 24), 0x000f1234);
    CU_ASSERT_EQUAL(sum(moved, 0x1f), 0);
    CU_ASSERT_EQUAL(sum(moved + 16, 15), 0);
    CU_ASSERT_NOT_EQUAL(moved[21], a[21]);
    smbios_tables_free(&t);
}

static void test_structure_walk(void)
{
    static const unsigned cpus[] = { 1, 2, 8 };
    for (unsigned k = 0; k < 3; k++) {
        SmbiosDesc d = { .nr_cpus = cpus[k], .ram_below_4g = 512ull << 20 };
        SmbiosTables t;
        Walk w;
        Error err = { 0 };
        CU_ASSERT_EQUAL_FATAL(smbios_build(&d, &t, &err), 0);
        walk(&t, &w);
        CU_ASSERT_EQUAL(w.count, t.nr_structs);
        CU_ASSERT_EQUAL(w.max_len, t.max_struct);
        CU_ASSERT_EQUAL(w.by_type[4], cpus[k]);
        static const unsigned once[] = { 0, 1, 3, 16, 32, 127 };
        for (unsigned i = 0; i < 6; i++)
            CU_ASSERT_EQUAL(w.by_type[once[i]], 1);
        CU_ASSERT_EQUAL(w.by_type[17], 1);
        CU_ASSERT_EQUAL(w.by_type[19], 1);
        CU_ASSERT_EQUAL(w.last_type, 127);
        /* formatted-area lengths of the 2.8 layouts */
        CU_ASSERT_EQUAL(w.first[0][1], 0x18);
        CU_ASSERT_EQUAL(w.first[1][1], 0x1b);
        CU_ASSERT_EQUAL(w.first[4][1], 0x2a);
        CU_ASSERT_EQUAL(w.first[17][1], 0x28);
        CU_ASSERT_EQUAL(w.first[19][1], 0x1f);
        /* 512 MiB: one 512 MiB device, mapped 0 .. 512 MiB - 1 KiB */
        CU_ASSERT_EQUAL(rd16(w.first[17] + 12), 512);
        CU_ASSERT_EQUAL(rd32(w.first[19] + 4), 0);
        CU_ASSERT_EQUAL(rd32(w.first[19] + 8), (512u << 10) - 1);
        CU_ASSERT_EQUAL(rd32(w.first[16] + 7), 512u << 10);
        smbios_tables_free(&t);
    }
}

static void test_big_memory_and_strings(void)
{
    SmbiosDesc d = {
        .nr_cpus = 4, .ram_below_4g = 3ull << 30, .ram_above_4g = 17ull << 30,
        .bios_vendor = "Vendor", .product = "Box",
        .cpuid_1_eax = 0x000306a9, .cpuid_1_edx = 0x178bfbff,
        .uuid = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff },
    };
    SmbiosTables t;
    Walk w;
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(smbios_build(&d, &t, &err), 0);
    walk(&t, &w);
    /* 20 GiB: 16 GiB + 4 GiB devices; ranges below and above 4 GiB. */
    CU_ASSERT_EQUAL(w.by_type[17], 2);
    CU_ASSERT_EQUAL(w.by_type[19], 2);
    CU_ASSERT_EQUAL(rd16(w.first[17] + 12), 16384);
    CU_ASSERT_EQUAL(rd16(w.first[16] + 13), 2);
    const uint8_t *above = w.first[19] + w.first[19][1];
    while (above[0] || above[1])
        above++;
    above += 2;                             /* the second type 19 follows */
    CU_ASSERT_EQUAL_FATAL(above[0], 19);
    CU_ASSERT_EQUAL(rd32(above + 4), 4u << 20);     /* 4 GiB in KiB */
    CU_ASSERT_EQUAL(rd32(above + 8), (21u << 20) - 1);
    CU_ASSERT_STRING_EQUAL(str_of(w.first[0], w.first[0][4]), "Vendor");
    CU_ASSERT_STRING_EQUAL(str_of(w.first[1], w.first[1][5]), "Box");
    CU_ASSERT_STRING_EQUAL(str_of(w.first[4], w.first[4][4]), "CPU 0");
    CU_ASSERT_EQUAL(rd32(w.first[4] + 8), 0x000306a9);
    CU_ASSERT_EQUAL(rd32(w.first[4] + 12), 0x178bfbff);
    /* UUID: time_low stored little-endian */
    CU_ASSERT_EQUAL(w.first[1][8], 0x33);
    CU_ASSERT_EQUAL(w.first[1][16], 0x88);
    smbios_tables_free(&t);

    /* A huge string is cut, not overflowing its structure. */
    char longs[300];
    memset(longs, 'x', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = 0;
    d.manufacturer = longs;
    CU_ASSERT_EQUAL_FATAL(smbios_build(&d, &t, &err), 0);
    walk(&t, &w);
    CU_ASSERT(strlen(str_of(w.first[1], w.first[1][4])) < 100);
    smbios_tables_free(&t);

    d.nr_cpus = 0;
    CU_ASSERT_EQUAL(smbios_build(&d, &t, &err), -1);
    CU_ASSERT(err.set);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "entry point", test_anchor },
        { "structure walk, type 4 per CPU", test_structure_walk },
        { "memory above 4 GiB and strings", test_big_memory_and_strings },
        { NULL, NULL },
    };
    unit_add_suite("smbios", NULL, NULL, tests);
}

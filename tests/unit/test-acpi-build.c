/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables as a guest finds them: the tables are built, placed by
 * running the loader commands (the firmware's job), copied into a fake
 * 1 MiB guest memory, and then walked from the RSDP the way Linux does,
 * checking every signature, length and checksum, the FADT's fields, the
 * MADT entries for several CPU counts, the HPET table, and the DSDT with
 * iasl (disassembled, searched, and compiled back without errors). Also:
 * the loader's command order and its refusals, the direct-boot install
 * into a real address space, and the fw_cfg files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "hw/acpi/acpi-build.h"
#include "hw/acpi/acpi-install.h"
#include "hw/acpi/acpi-loader.h"
#include "softmmu/machine.h"

#define TABLES_ADDR 0xe0000u
#define RSDP_ADDR   0xf0000u

static uint8_t guest[0x100000];

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint8_t *at(uint64_t addr)
{
    CU_ASSERT_FATAL(addr < sizeof(guest));
    return guest + addr;
}

/* Build d, place it like firmware would at TABLES_ADDR/RSDP_ADDR. */
static void build_and_place(const AcpiBoardDesc *d, AcpiTables *t)
{
    Error err = { 0 };
    CU_ASSERT_EQUAL_FATAL(acpi_build(d, t, &err), 0);
    uint8_t *tables = malloc(t->tables_len);
    uint8_t rsdp[ACPI_RSDP_SIZE];
    memcpy(tables, t->tables, t->tables_len);
    memcpy(rsdp, t->rsdp, sizeof(rsdp));
    AcpiLoaderFile f[] = {
        { ACPI_FILE_TABLES, tables, t->tables_len, TABLES_ADDR },
        { ACPI_FILE_RSDP, rsdp, ACPI_RSDP_SIZE, RSDP_ADDR },
    };
    CU_ASSERT_EQUAL_FATAL(acpi_loader_run(t->loader, t->loader_len, f, 2, &err), 0);
    memset(guest, 0, sizeof(guest));
    memcpy(guest + TABLES_ADDR, tables, t->tables_len);
    memcpy(guest + RSDP_ADDR, rsdp, sizeof(rsdp));
    free(tables);
}

/* A checksummed table at addr with signature sig; returns it. */
static uint8_t *table_at(uint64_t addr, const char *sig)
{
    uint8_t *p = at(addr);
    CU_ASSERT_EQUAL(memcmp(p, sig, 4), 0);
    uint32_t len = (uint32_t)rd(p + 4, 4);
    CU_ASSERT_FATAL(len >= 36 && addr + len <= sizeof(guest));
    CU_ASSERT_EQUAL(acpi_checksum(p, len), 0);
    return p;
}

/* The table sig through the XSDT, or NULL. */
static uint8_t *find_table(const char *sig)
{
    uint8_t *xsdt = at(rd(at(RSDP_ADDR) + 24, 8));
    uint32_t n = ((uint32_t)rd(xsdt + 4, 4) - 36) / 8;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = rd(xsdt + 36 + 8 * i, 8);
        if (!memcmp(at(a), sig, 4))
            return at(a);
    }
    return NULL;
}

static void pc_desc(AcpiBoardDesc *d, unsigned cpus)
{
    acpi_board_desc_pc(d, cpus, 0x40000000);
}

static void test_rsdp_rsdt_xsdt(void)
{
    AcpiBoardDesc d;
    AcpiTables t;
    pc_desc(&d, 2);
    build_and_place(&d, &t);
    uint8_t *r = at(RSDP_ADDR);
    CU_ASSERT_EQUAL(memcmp(r, "RSD PTR ", 8), 0);
    CU_ASSERT_EQUAL(acpi_checksum(r, 20), 0);
    CU_ASSERT_EQUAL(acpi_checksum(r, 36), 0);
    CU_ASSERT_EQUAL(r[15], 2);
    CU_ASSERT_EQUAL(rd(r + 20, 4), 36);
    uint8_t *rsdt = table_at(rd(r + 16, 4), "RSDT");
    uint8_t *xsdt = table_at(rd(r + 24, 8), "XSDT");
    uint32_t nr = ((uint32_t)rd(rsdt + 4, 4) - 36) / 4;
    uint32_t nx = ((uint32_t)rd(xsdt + 4, 4) - 36) / 8;
    CU_ASSERT_EQUAL(nr, 3);                 /* FACP, APIC, HPET */
    CU_ASSERT_EQUAL(nx, nr);
    static const char *sigs[] = { "FACP", "APIC", "HPET" };
    for (uint32_t i = 0; i < nr && i < 3; i++) {
        CU_ASSERT_EQUAL(rd(rsdt + 36 + 4 * i, 4), rd(xsdt + 36 + 8 * i, 8));
        table_at(rd(rsdt + 36 + 4 * i, 4), sigs[i]);
    }
    /* Every table the builder lists is where the blob says, whole. */
    CU_ASSERT_EQUAL(t.nr_tables, 7);
    for (unsigned i = 0; i < t.nr_tables; i++) {
        const AcpiTableRef *ref = &t.table[i];
        uint8_t *p = at(TABLES_ADDR + ref->offset);
        CU_ASSERT_EQUAL(memcmp(p, ref->sig, 4), 0);
        CU_ASSERT_EQUAL(rd(p + 4, 4), ref->len);
        CU_ASSERT(ref->offset + ref->len <= t.tables_len);
        if (strcmp(ref->sig, "FACS"))
            CU_ASSERT_EQUAL(acpi_checksum(p, ref->len), 0);
    }
    acpi_tables_free(&t);
}

static void test_fadt(void)
{
    AcpiBoardDesc d;
    AcpiTables t;
    pc_desc(&d, 2);
    build_and_place(&d, &t);
    uint8_t *f = find_table("FACP");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(rd(f + 4, 4), 244);
    CU_ASSERT_EQUAL(f[8], 3);
    /* FACS and DSDT, and the X_DSDT equal to the 32-bit one. */
    uint64_t facs = rd(f + 36, 4), dsdt = rd(f + 40, 4);
    CU_ASSERT_EQUAL(facs % 64, 0);
    CU_ASSERT_EQUAL(memcmp(at(facs), "FACS", 4), 0);
    CU_ASSERT_EQUAL(rd(at(facs) + 4, 4), 64);
    table_at(dsdt, "DSDT");
    CU_ASSERT_EQUAL(rd(f + 140, 8), dsdt);
    /* What the PIIX4 PM function decodes (hw/pci/piix.h). */
    CU_ASSERT_EQUAL(rd(f + 46, 2), 9);
    CU_ASSERT_EQUAL(rd(f + 48, 4), 0xb2);
    CU_ASSERT_EQUAL(f[52], 0xf1);
    CU_ASSERT_EQUAL(f[53], 0xf0);
    CU_ASSERT_EQUAL(rd(f + 56, 4), 0x600);
    CU_ASSERT_EQUAL(rd(f + 64, 4), 0x604);
    CU_ASSERT_EQUAL(rd(f + 76, 4), 0x608);
    CU_ASSERT_EQUAL(rd(f + 80, 4), 0x60c);
    CU_ASSERT_EQUAL(f[88], 4);
    CU_ASSERT_EQUAL(f[89], 2);
    CU_ASSERT_EQUAL(f[91], 4);
    CU_ASSERT_EQUAL(f[92], 4);
    /* X_ blocks: System I/O, the same address, 8 * length bits. */
    static const struct { unsigned x, legacy, bits; } blk[] = {
        { 148, 56, 32 }, { 172, 64, 16 }, { 208, 76, 32 }, { 220, 80, 32 },
    };
    for (unsigned i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(f[blk[i].x], 1);
        CU_ASSERT_EQUAL(f[blk[i].x + 1], blk[i].bits);
        CU_ASSERT_EQUAL(rd(f + blk[i].x + 4, 8), rd(f + blk[i].legacy, 4));
    }
    uint32_t flags = (uint32_t)rd(f + 112, 4);
    CU_ASSERT(flags & (1u << 0));           /* WBINVD */
    CU_ASSERT(flags & (1u << 5));           /* no sleep button */
    CU_ASSERT(flags & (1u << 10));          /* RESET_REG_SUP */
    CU_ASSERT_FALSE(flags & (1u << 4));     /* power button: fixed feature */
    CU_ASSERT_FALSE(flags & (1u << 8));     /* 24-bit PM timer */
    CU_ASSERT_FALSE(flags & (1u << 20));    /* not hardware-reduced */
    CU_ASSERT_EQUAL(f[116], 1);             /* RESET_REG in I/O space */
    CU_ASSERT_EQUAL(f[117], 8);
    CU_ASSERT_EQUAL(rd(f + 120, 8), 0xcf9);
    CU_ASSERT_EQUAL(f[128], 0x06);
    CU_ASSERT_EQUAL(rd(f + 109, 2) & 3, 3); /* legacy devices, 8042 */
    acpi_tables_free(&t);
}

typedef struct MadtCount {
    unsigned lapic, x2apic, ioapic, iso, nmi;
    uint32_t apic_id[16];
    int iso_gsi[16];                        /* by ISA IRQ, -1: none */
    uint16_t iso_flags[16];
    uint64_t ioapic_addr;
    uint8_t nmi_lint;
} MadtCount;

/* Walk the MADT; entry lengths must add up to the table exactly. */
static void madt_walk(MadtCount *c)
{
    uint8_t *m = find_table("APIC");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    uint32_t len = (uint32_t)rd(m + 4, 4), off = 44;
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < 16; i++)
        c->iso_gsi[i] = -1;
    CU_ASSERT_EQUAL(rd(m + 36, 4), 0xfee00000u);
    CU_ASSERT_EQUAL(rd(m + 40, 4), 1);
    while (off < len) {
        uint8_t type = m[off], l = m[off + 1];
        CU_ASSERT_FATAL(l >= 2 && off + l <= len);
        switch (type) {
        case 0:
            CU_ASSERT_EQUAL(l, 8);
            CU_ASSERT_EQUAL(m[off + 2], c->lapic);      /* UIDs in order */
            CU_ASSERT_EQUAL(rd(m + off + 4, 4), 1);
            if (c->lapic < 16)
                c->apic_id[c->lapic] = m[off + 3];
            c->lapic++;
            break;
        case 1:
            CU_ASSERT_EQUAL(l, 12);
            c->ioapic++;
            c->ioapic_addr = rd(m + off + 4, 4);
            break;
        case 2:
            CU_ASSERT_EQUAL(l, 10);
            CU_ASSERT_EQUAL(m[off + 2], 0);
            c->iso_gsi[m[off + 3] & 15] = (int)rd(m + off + 4, 4);
            c->iso_flags[m[off + 3] & 15] = (uint16_t)rd(m + off + 8, 2);
            c->iso++;
            break;
        case 4:
            CU_ASSERT_EQUAL(l, 6);
            CU_ASSERT_EQUAL(m[off + 2], 0xff);
            c->nmi_lint = m[off + 5];
            c->nmi++;
            break;
        case 9:
            CU_ASSERT_EQUAL(l, 16);
            if (c->x2apic < 16)
                c->apic_id[c->lapic + c->x2apic] = (uint32_t)rd(m + off + 4, 4);
            c->x2apic++;
            break;
        }
        off += l;
    }
    CU_ASSERT_EQUAL(off, len);
}

static void test_madt(void)
{
    static const unsigned counts[] = { 1, 2, 8 };
    for (unsigned k = 0; k < 3; k++) {
        AcpiBoardDesc d;
        AcpiTables t;
        MadtCount c;
        pc_desc(&d, counts[k]);
        build_and_place(&d, &t);
        madt_walk(&c);
        CU_ASSERT_EQUAL(c.lapic, counts[k]);
        for (unsigned n = 0; n < c.lapic && n < 16; n++)
            CU_ASSERT_EQUAL(c.apic_id[n], n);
        CU_ASSERT_EQUAL(c.ioapic, 1);
        CU_ASSERT_EQUAL(c.ioapic_addr, 0xfec00000u);
        CU_ASSERT_EQUAL(c.iso_gsi[0], 2);   /* PIT on pin 2 */
        CU_ASSERT_EQUAL(c.iso_flags[0], 0);
        CU_ASSERT_EQUAL(c.iso_gsi[9], 9);   /* SCI: level, active high */
        CU_ASSERT_EQUAL(c.iso_flags[9], 0x000d);
        CU_ASSERT_EQUAL(c.nmi, 1);
        CU_ASSERT_EQUAL(c.nmi_lint, 1);
        CU_ASSERT_EQUAL(c.x2apic, 0);
        acpi_tables_free(&t);
    }

    /* Sparse APIC IDs, one beyond 254: that CPU gets an x2APIC entry. */
    static const uint32_t ids[] = { 0, 2, 4, 300 };
    AcpiBoardDesc d;
    AcpiTables t;
    MadtCount c;
    pc_desc(&d, 4);
    d.apic_ids = ids;
    build_and_place(&d, &t);
    madt_walk(&c);
    CU_ASSERT_EQUAL(c.lapic, 3);
    CU_ASSERT_EQUAL(c.x2apic, 1);
    CU_ASSERT_EQUAL(c.apic_id[1], 2);
    CU_ASSERT_EQUAL(c.apic_id[2], 4);
    CU_ASSERT_EQUAL(c.apic_id[3], 300);
    acpi_tables_free(&t);
}

static bool dsdt_contains(const void *needle, size_t n)
{
    uint8_t *f = find_table("FACP");
    uint8_t *dsdt = at(rd(f + 40, 4));
    return memmem(dsdt, rd(dsdt + 4, 4), needle, n) != NULL;
}

static void test_hpet(void)
{
    static const uint8_t pnp0103[] = { 0x0c, 0x41, 0xd0, 0x01, 0x03 };
    AcpiBoardDesc d;
    AcpiTables t;
    pc_desc(&d, 1);
    build_and_place(&d, &t);
    uint8_t *h = find_table("HPET");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(rd(h + 4, 4), 56);
    CU_ASSERT_EQUAL(rd(h + 36, 4) >> 16, 0x8086);
    CU_ASSERT_EQUAL(h[40], 0);              /* system memory */
    CU_ASSERT_EQUAL(rd(h + 44, 8), 0xfed00000u);
    CU_ASSERT(dsdt_contains(pnp0103, sizeof(pnp0103)));
    acpi_tables_free(&t);

    d.hpet_addr = 0;
    build_and_place(&d, &t);
    CU_ASSERT_PTR_NULL(find_table("HPET"));
    CU_ASSERT_FALSE(dsdt_contains(pnp0103, sizeof(pnp0103)));
    acpi_tables_free(&t);
}

/* Run a shell command; returns its exit status. */
static int run(const char *fmt, const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir);
    return system(cmd);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

static void test_dsdt_iasl(void)
{
    char dir[] = "/tmp/tandem-acpi-XXXXXX";
    char path[256];
    AcpiBoardDesc d;
    AcpiTables t;

    /* configure lists acpica-tools; without iasl this check cannot run. */
    CU_ASSERT_EQUAL_FATAL(system("command -v iasl >/dev/null 2>&1"), 0);
    pc_desc(&d, 2);
    build_and_place(&d, &t);
    uint8_t *dsdt = at(rd(find_table("FACP") + 40, 4));
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(dsdt, 1, rd(dsdt + 4, 4), f), rd(dsdt + 4, 4));
    fclose(f);

    CU_ASSERT_EQUAL(run("cd %s && iasl -d dsdt.dat >log.txt 2>&1", dir), 0);
    snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
    char *dsl = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dsl);
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "\\_SB.PCI0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "Name (_S5, Package"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "Device (LNKA)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "Device (LNKD)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "EisaId (\"PNP0A03\")"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "EisaId (\"PNP0C0F\")"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "EisaId (\"PNP0303\")"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "EisaId (\"PNP0501\")"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "Method (_PIC, 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dsl, "Device (C001)"));
    CU_ASSERT_PTR_NULL(strstr(dsl, "Device (C002)"));
    CU_ASSERT_PTR_NULL(strstr(dsl, "PWRB"));    /* fixed-feature power button */
    free(dsl);
    /* The disassembly compiles back with no error and no warning. */
    CU_ASSERT_EQUAL(run("cd %s && iasl -vi -p re dsdt.dsl >log2.txt 2>&1 && "
                        "grep -q '0 Errors, 0 Warnings' log2.txt", dir), 0);

    /*
     * Run the link methods in ACPICA's interpreter (acpiexec, same
     * package): _SRS of IRQ 11 must show in _CRS and the route register,
     * _DIS must set bit 7 and turn _STA to "disabled".
     */
    CU_ASSERT_EQUAL(run("cd %s && acpiexec -b '"
                        "evaluate \\_SB.LNKB._SRS (89 06 00 09 01 0b 00 00 00 79 00); "
                        "evaluate \\_SB.LNKB._CRS; evaluate \\_SB.LNKB._STA; "
                        "evaluate \\_SB.LNKB._DIS; evaluate \\_SB.LNKB._STA; "
                        "evaluate \\_SB.PCI0.ISA.PRQB; evaluate \\_S5' dsdt.dat "
                        ">exec.txt 2>&1", dir), 0);
    snprintf(path, sizeof(path), "%s/exec.txt", dir);
    char *out = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "89 06 00 09 01 0B 00 00 00 79 00"));
    char *sta = strstr(out, "Evaluating \\_SB.LNKB._STA");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sta);
    CU_ASSERT_PTR_NOT_NULL(strstr(sta, "[Integer] = 000000000000000B"));
    sta = strstr(sta + 1, "Evaluating \\_SB.LNKB._STA");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sta);
    CU_ASSERT_PTR_NOT_NULL(strstr(sta, "[Integer] = 0000000000000009"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sta, "[Integer] = 000000000000008B"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "[Package] Contains 4 Elements"));
    CU_ASSERT_PTR_NULL(strstr(out, "ACPI Error"));
    free(out);
    run("rm -rf %s", dir);
    acpi_tables_free(&t);
}

static void test_dsdt_gsi_mode(void)
{
    AcpiBoardDesc d;
    AcpiTables t;
    pc_desc(&d, 1);
    build_and_place(&d, &t);
    CU_ASSERT_FALSE(dsdt_contains("PRTA", 4));
    CU_ASSERT(dsdt_contains("_PRT", 4));
    acpi_tables_free(&t);
    d.pirq_gsi_base = 16;
    build_and_place(&d, &t);
    CU_ASSERT(dsdt_contains("PRTA", 4));
    CU_ASSERT(dsdt_contains("PRTP", 4));
    /* PIRQD's GSI, 19, as a byte integer in the APIC-mode table. */
    CU_ASSERT(dsdt_contains((const uint8_t[]){ 0x00, 0x0a, 0x13 }, 3));
    acpi_tables_free(&t);
}

static void test_loader_commands(void)
{
    AcpiBoardDesc d;
    AcpiTables t;
    Error err = { 0 };
    pc_desc(&d, 2);
    CU_ASSERT_EQUAL_FATAL(acpi_build(&d, &t, &err), 0);
    CU_ASSERT_EQUAL(t.loader_len % ACPI_LOADER_ENTRY_SIZE, 0);
    unsigned n = (unsigned)(t.loader_len / ACPI_LOADER_ENTRY_SIZE);
    const uint8_t *c = t.loader;
    CU_ASSERT_EQUAL(rd(c, 4), ACPI_LOADER_ALLOCATE);
    CU_ASSERT_STRING_EQUAL((const char *)c + 4, ACPI_FILE_TABLES);
    CU_ASSERT_EQUAL(rd(c + 60, 4), 64);
    CU_ASSERT_EQUAL(c[64], ACPI_LOADER_ZONE_HIGH);
    c += ACPI_LOADER_ENTRY_SIZE;
    CU_ASSERT_STRING_EQUAL((const char *)c + 4, ACPI_FILE_RSDP);
    CU_ASSERT_EQUAL(c[64], ACPI_LOADER_ZONE_FSEG);
    /* A table's checksum comes after every pointer written into it. */
    unsigned checksums = 0, pointers = 0;
    for (unsigned i = 2; i < n; i++) {
        const uint8_t *e = t.loader + i * ACPI_LOADER_ENTRY_SIZE;
        if (rd(e, 4) == ACPI_LOADER_ADD_POINTER) {
            pointers++;
            uint32_t off = (uint32_t)rd(e + 4 + 112, 4);
            for (unsigned j = 2; j < i; j++) {
                const uint8_t *k = t.loader + j * ACPI_LOADER_ENTRY_SIZE;
                if (rd(k, 4) == ACPI_LOADER_ADD_CHECKSUM &&
                    !strcmp((const char *)k + 4, (const char *)e + 4)) {
                    uint32_t start = (uint32_t)rd(k + 64, 4), len = (uint32_t)rd(k + 68, 4);
                    CU_ASSERT(off < start || off >= start + len);
                }
            }
        } else if (rd(e, 4) == ACPI_LOADER_ADD_CHECKSUM) {
            checksums++;
        }
    }
    /* DSDT FADT MADT HPET RSDT XSDT + two for the RSDP */
    CU_ASSERT_EQUAL(checksums, 8);
    /* FADT 3, RSDT 3, XSDT 3, RSDP 2 */
    CU_ASSERT_EQUAL(pointers, 11);
    acpi_tables_free(&t);
}

static void test_loader_refuses(void)
{
    AcpiBoardDesc d;
    AcpiTables t;
    Error err = { 0 };
    pc_desc(&d, 1);
    CU_ASSERT_EQUAL_FATAL(acpi_build(&d, &t, &err), 0);
    uint8_t *tables = malloc(t.tables_len);
    uint8_t rsdp[ACPI_RSDP_SIZE];
    AcpiLoaderFile f[] = {
        { ACPI_FILE_TABLES, tables, t.tables_len, TABLES_ADDR + 32 },   /* not 64-aligned */
        { ACPI_FILE_RSDP, rsdp, ACPI_RSDP_SIZE, RSDP_ADDR },
    };
    memcpy(tables, t.tables, t.tables_len);
    CU_ASSERT_EQUAL(acpi_loader_run(t.loader, t.loader_len, f, 2, &err), -1);
    CU_ASSERT(err.set);
    f[0].addr = TABLES_ADDR;
    f[1].addr = 0x200000;                   /* RSDP outside the BIOS area */
    err.set = false;
    CU_ASSERT_EQUAL(acpi_loader_run(t.loader, t.loader_len, f, 2, &err), -1);
    /* A 4-byte pointer cannot reach tables above 4 GiB. */
    f[0].addr = 0x100000000ull;
    f[1].addr = RSDP_ADDR;
    CU_ASSERT_EQUAL(acpi_loader_run(t.loader, t.loader_len, f, 2, &err), -1);
    /* Offsets outside the file, unknown files, truncated lists. */
    AcpiLoader l = { 0 };
    acpi_loader_add_pointer(&l, ACPI_FILE_TABLES, (uint32_t)t.tables_len - 2, 4,
                            ACPI_FILE_TABLES);
    f[0].addr = TABLES_ADDR;
    CU_ASSERT_EQUAL(acpi_loader_run(l.cmds, l.len, f, 2, &err), -1);
    acpi_loader_free(&l);
    acpi_loader_add_checksum(&l, "etc/nothing", 0, 0, 1);
    CU_ASSERT_EQUAL(acpi_loader_run(l.cmds, l.len, f, 2, &err), -1);
    CU_ASSERT_EQUAL(acpi_loader_run(l.cmds, l.len - 1, f, 2, &err), -1);
    acpi_loader_free(&l);
    acpi_loader_add_checksum(&l, ACPI_FILE_RSDP, 8, 0, ACPI_RSDP_SIZE + 1);
    CU_ASSERT_EQUAL(acpi_loader_run(l.cmds, l.len, f, 2, &err), -1);
    acpi_loader_free(&l);
    free(tables);
    acpi_tables_free(&t);
}

static void test_bad_descriptions(void)
{
    AcpiBoardDesc d;
    AcpiTables t;
    Error err = { 0 };
    pc_desc(&d, 0);
    CU_ASSERT_EQUAL(acpi_build(&d, &t, &err), -1);
    CU_ASSERT(err.set);
    pc_desc(&d, 1);
    d.pci_hole32_start = d.pci_hole32_end;
    err.set = false;
    CU_ASSERT_EQUAL(acpi_build(&d, &t, &err), -1);
    CU_ASSERT(err.set);
    pc_desc(&d, 1);
    d.gpe0_blk_len = 3;
    err.set = false;
    CU_ASSERT_EQUAL(acpi_build(&d, &t, &err), -1);
}

static void test_direct_install_and_fw_cfg(void)
{
    static MemoryRegion root, ram;
    static AddressSpace as;
    AcpiBoardDesc d;
    AcpiTables t;
    SmbiosTables s;
    SmbiosDesc sd = { .nr_cpus = 2, .ram_below_4g = 0x40000000 };
    Error err = { 0 };

    mr_init_container(&root, "root", UINT64_MAX);
    CU_ASSERT_EQUAL_FATAL(mr_init_ram(&ram, "ram", 0x100000, NULL), 0);
    mr_add_subregion(&root, 0, &ram);
    as_init(&as, &root, "mem");
    pc_desc(&d, 2);
    CU_ASSERT_EQUAL_FATAL(acpi_build(&d, &t, &err), 0);
    CU_ASSERT_EQUAL_FATAL(smbios_build(&sd, &s, &err), 0);
    CU_ASSERT_EQUAL(acpi_direct_install(&as, &t, &s, &err), 0);

    /* Scan the BIOS area as Linux does, 16 bytes at a time. */
    uint8_t *g = mr_ram_ptr(&ram);
    uint64_t rsdp = 0, sm = 0;
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
        if (!rsdp && !memcmp(g + a, "RSD PTR ", 8) && acpi_checksum(g + a, 20) == 0)
            rsdp = a;
        if (!sm && !memcmp(g + a, "_SM_", 4) && acpi_checksum(g + a, g[a + 5]) == 0)
            sm = a;
    }
    CU_ASSERT_EQUAL(rsdp, ACPI_DIRECT_RSDP_ADDR);
    CU_ASSERT_EQUAL(sm, SMBIOS_DIRECT_ANCHOR_ADDR);
    uint64_t xsdt = rd(g + rsdp + 24, 8);
    CU_ASSERT_EQUAL(memcmp(g + xsdt, "XSDT", 4), 0);
    CU_ASSERT_EQUAL(acpi_checksum(g + xsdt, rd(g + xsdt + 4, 4)), 0);
    uint64_t fadt = rd(g + xsdt + 36, 8);
    CU_ASSERT_EQUAL(memcmp(g + fadt, "FACP", 4), 0);
    CU_ASSERT_EQUAL(memcmp(g + rd(g + fadt + 40, 4), "DSDT", 4), 0);
    CU_ASSERT_EQUAL(rd(g + sm + 24, 4), SMBIOS_DIRECT_TABLES_ADDR);
    CU_ASSERT_EQUAL(g[SMBIOS_DIRECT_TABLES_ADDR], 0);   /* type 0 first */
    /* The builder's own blobs stay unrelocated (reusable after reset). */
    CU_ASSERT_EQUAL(t.rsdp[8], 0);

    /* Too big for the BIOS area: refused, not truncated. */
    AcpiTables big = t;
    big.tables_len = 0x10001;
    CU_ASSERT_EQUAL(acpi_direct_install(&as, &big, NULL, &err), -1);

    /* fw_cfg: the five files SeaBIOS asks for, with their sizes. */
    static Machine mach;            /* an I/O space and a device list */
    mr_init_container(&mach.iomem, "io", 0x10000);
    FwCfg *fc = fw_cfg_create(&mach, FW_CFG_IO_BASE, &as);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fc);
    CU_ASSERT_EQUAL(acpi_add_fw_cfg(fc, &t, &err), 0);
    CU_ASSERT_EQUAL(smbios_add_fw_cfg(fc, &s, &err), 0);
    static const char *names[] = { ACPI_FILE_TABLES, ACPI_FILE_RSDP, ACPI_FILE_LOADER,
                                   SMBIOS_FILE_TABLES, SMBIOS_FILE_ANCHOR };
    size_t sizes[] = { t.tables_len, ACPI_RSDP_SIZE, t.loader_len, s.tables_len,
                       SMBIOS_ANCHOR_SIZE };
    fw_cfg_io_write(fc, 0, FW_CFG_FILE_DIR, 2);
    uint8_t dir[4 + 5 * 64];
    for (size_t i = 0; i < sizeof(dir); i++)
        dir[i] = (uint8_t)fw_cfg_io_read(fc, 1, 1);
    CU_ASSERT_EQUAL(dir[3], 5);
    for (unsigned i = 0; i < 5; i++) {
        const uint8_t *e = dir + 4 + 64 * i;
        CU_ASSERT_STRING_EQUAL((const char *)e + 8, names[i]);
        CU_ASSERT_EQUAL((uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3], sizes[i]);
    }
    devices_destroy(&mach);
    as_destroy(&as);
    mr_destroy(&ram);
    smbios_tables_free(&s);
    acpi_tables_free(&t);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "RSDP, RSDT, XSDT and every table", test_rsdp_rsdt_xsdt },
        { "FADT fields", test_fadt },
        { "MADT for 1, 2, 8 and sparse CPUs", test_madt },
        { "HPET present and absent", test_hpet },
        { "DSDT through iasl", test_dsdt_iasl },
        { "DSDT _PRT in GSI mode", test_dsdt_gsi_mode },
        { "loader command list", test_loader_commands },
        { "loader refusals", test_loader_refuses },
        { "bad descriptions", test_bad_descriptions },
        { "direct install and fw_cfg", test_direct_install_and_fw_cfg },
        { NULL, NULL },
    };
    unit_add_suite("acpi-build", NULL, NULL, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * ACPI table generation (layouts from ACPI 6.x chapter 5).
 *
 * All tables but the RSDP go into one blob, in this order: FACS first (so
 * the blob's 64-byte allocation alignment is the FACS's), then DSDT, FADT,
 * MADT, HPET, RSDT, XSDT, each starting 8-byte aligned. A pointer field
 * holds the target's offset in its blob and gets an ADD_POINTER command;
 * every checksummed table gets an ADD_CHECKSUM after its pointers, so the
 * checksum is computed on the final, relocated bytes. The checksum fields
 * are left zero here: only the loader knows the addresses they cover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi-build.h"
#include "hw/acpi/acpi-loader.h"
#include "hw/intc/ioapic.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/timer/mc146818.h"

#define ACPI_OEM_ID        "TANDEM"
#define ACPI_OEM_TABLE_ID  "TANDEMPC"
#define ACPI_CREATOR_ID    "TNDM"
#define ACPI_HEADER_SIZE   36
#define ACPI_FACS_SIZE     64
#define ACPI_FADT_REV3_SIZE 244

/* FADT flags (5.2.9 table "Fixed ACPI Description Table Fixed Feature Flags"). */
#define FADT_F_WBINVD           (1u << 0)
#define FADT_F_PROC_C1          (1u << 2)
#define FADT_F_SLP_BUTTON       (1u << 5)
#define FADT_F_RESET_REG_SUP    (1u << 10)
#define FADT_F_USE_PLATFORM_CLOCK (1u << 15)
/* IA-PC boot architecture flags: legacy devices, 8042. */
#define FADT_BOOT_LEGACY_DEVICES 0x0001
#define FADT_BOOT_8042          0x0002

/* GAS address space IDs and access sizes. */
#define GAS_MEMORY 0
#define GAS_IO     1
#define GAS_ACCESS_BYTE  1
#define GAS_ACCESS_WORD  2
#define GAS_ACCESS_DWORD 3

typedef struct AcpiBlob {
    uint8_t *data;
    size_t len, cap;
} AcpiBlob;

typedef struct AcpiBuilder {
    const AcpiBoardDesc *d;
    AcpiBlob blob;
    AcpiLoader loader;
    AcpiTables *out;
} AcpiBuilder;

/* ---- byte helpers ---- */

static void acpi_put(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Reserve len zeroed bytes at an align-aligned offset of the blob. */
static size_t acpi_blob_reserve(AcpiBlob *b, size_t len, size_t align)
{
    size_t off = (b->len + align - 1) & ~(align - 1);
    if (off + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < off + len)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            fprintf(stderr, "tandem: out of memory building ACPI tables\n");
            abort();
        }
        b->data = p;
        b->cap = cap;
    }
    memset(b->data + b->len, 0, off + len - b->len);
    b->len = off + len;
    return off;
}

/* Append len zeroed bytes; the pointer is valid until the next append. */
static uint8_t *acpi_blob_append(AcpiBlob *b, size_t len)
{
    size_t off = acpi_blob_reserve(b, len, 1);
    return b->data + off;
}

static void acpi_header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(p, sig, 4);
    acpi_put(p + 4, len, 4);
    p[8] = rev;
    p[9] = 0;                           /* checksum: set by the loader */
    memcpy(p + 10, ACPI_OEM_ID, 6);
    memcpy(p + 16, ACPI_OEM_TABLE_ID, 8);
    acpi_put(p + 24, 1, 4);             /* OEM revision */
    memcpy(p + 28, ACPI_CREATOR_ID, 4);
    acpi_put(p + 32, 1, 4);             /* creator revision */
}

/* Start a table of len bytes; returns its offset in the blob. */
static size_t acpi_table_begin(AcpiBuilder *b, const char *sig, uint32_t len, uint8_t rev)
{
    size_t off = acpi_blob_reserve(&b->blob, len, 8);
    acpi_header(b->blob.data + off, sig, len, rev);
    return off;
}

/* Record the table and have the loader checksum it (after its pointers). */
static void acpi_table_end(AcpiBuilder *b, size_t off, bool checksum)
{
    AcpiTables *t = b->out;
    uint32_t len = (uint32_t)(b->blob.len - off);
    acpi_put(b->blob.data + off + 4, len, 4);
    if (checksum)
        acpi_loader_add_checksum(&b->loader, ACPI_FILE_TABLES, (uint32_t)off + 9,
                                 (uint32_t)off, len);
    if (t->nr_tables < ACPI_MAX_TABLES) {
        AcpiTableRef *r = &t->table[t->nr_tables++];
        memcpy(r->sig, b->blob.data + off, 4);
        r->sig[4] = 0;
        r->offset = (uint32_t)off;
        r->len = len;
    }
}

/* A pointer of size bytes at blob offset at, to the table at offset target. */
static void acpi_table_pointer(AcpiBuilder *b, size_t at, unsigned size, size_t target)
{
    acpi_put(b->blob.data + at, target, size);
    acpi_loader_add_pointer(&b->loader, ACPI_FILE_TABLES, (uint32_t)at, (uint8_t)size,
                            ACPI_FILE_TABLES);
}

static void acpi_gas(uint8_t *p, uint8_t space, uint8_t bit_width, uint8_t access,
                     uint64_t addr)
{
    p[0] = space;
    p[1] = bit_width;
    p[2] = 0;                           /* bit offset */
    p[3] = access;
    acpi_put(p + 4, addr, 8);
}

/* ---- the tables ---- */

static size_t acpi_build_facs(AcpiBuilder *b)
{
    /* No checksum, 64-byte aligned: it is the blob's first table. */
    size_t off = acpi_blob_reserve(&b->blob, ACPI_FACS_SIZE, 64);
    uint8_t *p = b->blob.data + off;
    memcpy(p, "FACS", 4);
    acpi_put(p + 4, ACPI_FACS_SIZE, 4);
    p[32] = 2;                          /* version (ACPI 4.0 and later) */
    acpi_table_end(b, off, false);
    return off;
}

static size_t acpi_build_dsdt(AcpiBuilder *b)
{
    Aml *body = acpi_dsdt_build(b->d);
    size_t n = aml_len(body);
    /* Revision 2: integers are 64 bits (the 64-bit PCI window needs it). */
    size_t off = acpi_table_begin(b, "DSDT", (uint32_t)(ACPI_HEADER_SIZE + n), 2);
    memcpy(b->blob.data + off + ACPI_HEADER_SIZE, aml_data(body), n);
    aml_free(body);
    acpi_table_end(b, off, true);
    return off;
}

static size_t acpi_build_fadt(AcpiBuilder *b, size_t facs, size_t dsdt)
{
    const AcpiBoardDesc *d = b->d;
    size_t off = acpi_table_begin(b, "FACP", ACPI_FADT_REV3_SIZE, 3);
    uint8_t *p = b->blob.data + off;
    uint32_t flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
                     FADT_F_USE_PLATFORM_CLOCK;

    acpi_put(p + 46, d->sci_irq, 2);
    acpi_put(p + 48, d->smi_cmd, 4);
    p[52] = d->acpi_enable;
    p[53] = d->acpi_disable;
    acpi_put(p + 56, d->pm1a_evt_blk, 4);
    acpi_put(p + 64, d->pm1a_cnt_blk, 4);
    acpi_put(p + 76, d->pm_tmr_blk, 4);
    acpi_put(p + 80, d->gpe0_blk, 4);
    p[88] = 4;                          /* PM1_EVT_LEN */
    p[89] = 2;                          /* PM1_CNT_LEN */
    p[91] = 4;                          /* PM_TMR_LEN */
    p[92] = d->gpe0_blk ? d->gpe0_blk_len : 0;
    /* C2/C3 latencies above 100/1000 us say "not supported". */
    acpi_put(p + 96, 0x0fff, 2);
    acpi_put(p + 98, 0x0fff, 2);
    p[108] = d->rtc_century;
    acpi_put(p + 109, FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_8042, 2);
    if (d->reset_port) {
        flags |= FADT_F_RESET_REG_SUP;
        acpi_gas(p + 116, GAS_IO, 8, GAS_ACCESS_BYTE, d->reset_port);
        p[128] = d->reset_value;
    }
    acpi_put(p + 112, flags, 4);
    /* The 64-bit blocks repeat the 32-bit ones (ACPICA warns on mismatch). */
    acpi_gas(p + 148, GAS_IO, 32, GAS_ACCESS_WORD, d->pm1a_evt_blk);
    acpi_gas(p + 172, GAS_IO, 16, GAS_ACCESS_WORD, d->pm1a_cnt_blk);
    acpi_gas(p + 208, GAS_IO, 32, GAS_ACCESS_DWORD, d->pm_tmr_blk);
    if (d->gpe0_blk)
        acpi_gas(p + 220, GAS_IO, (uint8_t)(8 * d->gpe0_blk_len), GAS_ACCESS_BYTE,
                 d->gpe0_blk);
    /* FACS through the 32-bit field only (X_FIRMWARE_CTRL stays 0, which
     * ACPICA accepts); the DSDT through both, equal after relocation. */
    acpi_table_pointer(b, off + 36, 4, facs);
    acpi_table_pointer(b, off + 40, 4, dsdt);
    acpi_table_pointer(b, off + 140, 8, dsdt);
    acpi_table_end(b, off, true);
    return off;
}

static uint32_t acpi_cpu_apic_id(const AcpiBoardDesc *d, unsigned n)
{
    return d->apic_ids ? d->apic_ids[n] : n;
}

static size_t acpi_build_madt(AcpiBuilder *b)
{
    const AcpiBoardDesc *d = b->d;
    size_t off = acpi_table_begin(b, "APIC", ACPI_HEADER_SIZE + 8, 3);
    uint8_t *p = b->blob.data + off;
    bool x2apic = false;

    acpi_put(p + 36, d->lapic_addr, 4);
    acpi_put(p + 40, 1, 4);             /* PCAT_COMPAT: there are 8259s too */

    for (unsigned n = 0; n < d->nr_cpus; n++) {
        uint32_t id = acpi_cpu_apic_id(d, n);
        if (id < 0xff) {
            p = acpi_blob_append(&b->blob, 8);
            p[0] = 0;                   /* Processor Local APIC */
            p[1] = 8;
            p[2] = (uint8_t)n;          /* ACPI processor UID */
            p[3] = (uint8_t)id;
            acpi_put(p + 4, 1, 4);      /* enabled */
        } else {
            x2apic = true;
            p = acpi_blob_append(&b->blob, 16);
            p[0] = 9;                   /* Processor Local x2APIC */
            p[1] = 16;
            acpi_put(p + 4, id, 4);
            acpi_put(p + 8, 1, 4);
            acpi_put(p + 12, n, 4);
        }
    }

    p = acpi_blob_append(&b->blob, 12);
    p[0] = 1;                           /* I/O APIC */
    p[1] = 12;
    p[2] = d->ioapic_id;
    acpi_put(p + 4, d->ioapic_addr, 4);
    acpi_put(p + 8, d->ioapic_gsi_base, 4);

    for (unsigned i = 0; i < d->nr_overrides; i++) {
        const AcpiIrqOverride *o = &d->overrides[i];
        p = acpi_blob_append(&b->blob, 10);
        p[0] = 2;                       /* Interrupt Source Override */
        p[1] = 10;
        p[2] = 0;                       /* bus: ISA */
        p[3] = o->irq;
        acpi_put(p + 4, o->gsi, 4);
        acpi_put(p + 8, o->flags, 2);
    }

    /* NMI on LINT1 of every processor (UID 0xff / 0xffffffff: all). */
    p = acpi_blob_append(&b->blob, 6);
    p[0] = 4;                           /* Local APIC NMI */
    p[1] = 6;
    p[2] = 0xff;
    acpi_put(p + 3, 0, 2);              /* conforms to the bus */
    p[5] = d->nmi_lint;
    if (x2apic) {
        p = acpi_blob_append(&b->blob, 12);
        p[0] = 0x0a;                    /* Local x2APIC NMI */
        p[1] = 12;
        acpi_put(p + 4, 0xffffffffu, 4);
        p[8] = d->nmi_lint;
    }
    acpi_table_end(b, off, true);
    return off;
}

static size_t acpi_build_hpet(AcpiBuilder *b)
{
    const AcpiBoardDesc *d = b->d;
    size_t off = acpi_table_begin(b, "HPET", ACPI_HEADER_SIZE + 20, 1);
    uint8_t *p = b->blob.data + off;
    acpi_put(p + 36, d->hpet_block_id, 4);
    acpi_gas(p + 40, GAS_MEMORY, 64, 0, d->hpet_addr);
    p[52] = 0;                          /* HPET number */
    acpi_put(p + 53, 0x80, 2);          /* minimum periodic tick, in counter ticks */
    p[55] = 0;                          /* no page protection */
    acpi_table_end(b, off, true);
    return off;
}

static size_t acpi_build_sdt(AcpiBuilder *b, const char *sig, unsigned entry,
                             const size_t *tables, unsigned n)
{
    size_t off = acpi_table_begin(b, sig, (uint32_t)(ACPI_HEADER_SIZE + entry * n), 1);
    for (unsigned i = 0; i < n; i++)
        acpi_table_pointer(b, off + ACPI_HEADER_SIZE + entry * i, entry, tables[i]);
    acpi_table_end(b, off, true);
    return off;
}

static void acpi_build_rsdp(AcpiBuilder *b, size_t rsdt, size_t xsdt)
{
    uint8_t *p = b->out->rsdp;
    memset(p, 0, ACPI_RSDP_SIZE);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, ACPI_OEM_ID, 6);
    p[15] = 2;                          /* ACPI 2.0+: XSDT and length valid */
    acpi_put(p + 16, rsdt, 4);
    acpi_put(p + 20, ACPI_RSDP_SIZE, 4);
    acpi_put(p + 24, xsdt, 8);
    acpi_loader_add_pointer(&b->loader, ACPI_FILE_RSDP, 16, 4, ACPI_FILE_TABLES);
    acpi_loader_add_pointer(&b->loader, ACPI_FILE_RSDP, 24, 8, ACPI_FILE_TABLES);
    /* The 1.0 checksum covers the first 20 bytes, the extended one all 36. */
    acpi_loader_add_checksum(&b->loader, ACPI_FILE_RSDP, 8, 0, 20);
    acpi_loader_add_checksum(&b->loader, ACPI_FILE_RSDP, 32, 0, ACPI_RSDP_SIZE);
}

static int acpi_check_desc(const AcpiBoardDesc *d, Error *err)
{
    if (d->nr_cpus == 0)
        return error_setf(err, "acpi: no CPUs");
    if (d->nr_cpus > 0xff && !d->apic_ids)
        return error_setf(err, "acpi: %u CPUs need explicit APIC IDs", d->nr_cpus);
    if (d->nr_overrides > ACPI_MAX_OVERRIDES)
        return error_setf(err, "acpi: %u interrupt overrides (max %d)", d->nr_overrides,
                          ACPI_MAX_OVERRIDES);
    if (!d->pm1a_evt_blk || !d->pm1a_cnt_blk || !d->pm_tmr_blk)
        return error_setf(err, "acpi: the PM1a and PM timer blocks are required");
    if (d->gpe0_blk && (d->gpe0_blk_len == 0 || d->gpe0_blk_len % 2))
        return error_setf(err, "acpi: GPE0 block length %u must be even", d->gpe0_blk_len);
    if (d->pci_hole32_end <= d->pci_hole32_start || d->pci_hole32_end > 0x100000000ull)
        return error_setf(err, "acpi: bad 32-bit PCI hole [%#llx, %#llx)",
                          (unsigned long long)d->pci_hole32_start,
                          (unsigned long long)d->pci_hole32_end);
    if (d->pirq_irq_mask == 0 && !d->pirq_gsi_base)
        return error_setf(err, "acpi: PCI interrupt links have no IRQ to offer");
    return 0;
}

int acpi_build(const AcpiBoardDesc *d, AcpiTables *out, Error *err)
{
    AcpiBuilder b = { .d = d, .out = out };
    size_t sdt[4];
    unsigned n = 0;

    memset(out, 0, sizeof(*out));
    if (acpi_check_desc(d, err) < 0)
        return -1;
    /* The FACS needs 64-byte alignment, the RSDP 16 and a place in FSEG. */
    acpi_loader_allocate(&b.loader, ACPI_FILE_TABLES, 64, ACPI_LOADER_ZONE_HIGH);
    acpi_loader_allocate(&b.loader, ACPI_FILE_RSDP, 16, ACPI_LOADER_ZONE_FSEG);

    size_t facs = acpi_build_facs(&b);
    size_t dsdt = acpi_build_dsdt(&b);
    sdt[n++] = acpi_build_fadt(&b, facs, dsdt);
    sdt[n++] = acpi_build_madt(&b);
    if (d->hpet_addr)
        sdt[n++] = acpi_build_hpet(&b);
    size_t rsdt = acpi_build_sdt(&b, "RSDT", 4, sdt, n);
    size_t xsdt = acpi_build_sdt(&b, "XSDT", 8, sdt, n);
    acpi_build_rsdp(&b, rsdt, xsdt);

    out->tables = b.blob.data;
    out->tables_len = b.blob.len;
    out->loader = b.loader.cmds;
    out->loader_len = b.loader.len;
    return 0;
}

void acpi_tables_free(AcpiTables *t)
{
    free(t->tables);
    free(t->loader);
    memset(t, 0, sizeof(*t));
}

const AcpiTableRef *acpi_tables_find(const AcpiTables *t, const char *sig)
{
    for (unsigned i = 0; i < t->nr_tables; i++)
        if (!memcmp(t->table[i].sig, sig, 4))
            return &t->table[i];
    return NULL;
}

void acpi_board_desc_pc(AcpiBoardDesc *d, unsigned nr_cpus, uint64_t ram_below_4g)
{
    static const uint8_t level_irqs[] = { 5, 9, 10, 11 };

    memset(d, 0, sizeof(*d));
    d->nr_cpus = nr_cpus;
    d->lapic_addr = 0xfee00000u;
    d->ioapic_addr = (uint32_t)IOAPIC_DEFAULT_BASE;
    d->ioapic_id = 0;                   /* the IOAPIC's ID register after reset */
    d->nmi_lint = 1;
    /* The PIT's IRQ0 is IOAPIC pin 2 (see hw/intc/pc-irq.h). */
    d->overrides[d->nr_overrides++] = (AcpiIrqOverride){ 0, 2, 0 };
    /* The SCI and the IRQs PCI links are routed to are level, active high:
     * that is how the emulated PIIX drives them onto the IOAPIC. */
    for (unsigned i = 0; i < sizeof(level_irqs); i++)
        d->overrides[d->nr_overrides++] = (AcpiIrqOverride){
            level_irqs[i], level_irqs[i], ACPI_INTI_POLARITY_HIGH | ACPI_INTI_TRIGGER_LEVEL
        };

    d->sci_irq = 9;
    d->smi_cmd = PIIX_APM_CNT_PORT;
    d->acpi_enable = PIIX_APM_ACPI_ENABLE;
    d->acpi_disable = PIIX_APM_ACPI_DISABLE;
    d->pm1a_evt_blk = PIIX_PM_BASE_DEFAULT + PIIX_PM_PMSTS;
    d->pm1a_cnt_blk = PIIX_PM_BASE_DEFAULT + PIIX_PM_PMCNTRL;
    d->pm_tmr_blk = PIIX_PM_BASE_DEFAULT + PIIX_PM_PMTMR;
    d->gpe0_blk = PIIX_PM_BASE_DEFAULT + PIIX_PM_GPSTS;
    d->gpe0_blk_len = 4;
    d->reset_port = PIIX_RCR_PORT;
    d->reset_value = PIIX_RCR_RCPU | PIIX_RCR_SRST;    /* 0x06 */
    d->s5_slp_typ = PIIX_SUS_TYP_SOFT_OFF;
    d->rtc_century = RTC_CENTURY;       /* the model keeps the century there */

    d->hpet_addr = 0xfed00000u;
    /* Rev 1, 3 comparators, 64-bit counter, legacy routing, vendor 8086. */
    d->hpet_block_id = 0x8086u << 16 | 1u << 15 | 1u << 13 | 2u << 8 | 1u;

    d->isa_bridge_devfn = 1 << 3;       /* 00:01.0 */
    d->pirq_swizzle = 3;                /* hw/pci pci_swizzle: slot 1 INTA is PIRQA */
    d->pirq_irq_mask = 1u << 5 | 1u << 9 | 1u << 10 | 1u << 11;
    d->pci_hole32_start = ram_below_4g;
    d->pci_hole32_end = I440FX_PCI_HOLE32_END;
    d->isa_devices = ACPI_ISA_ALL;
}

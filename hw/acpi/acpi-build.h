/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for the PC: RSDP (2.0, with XSDT), RSDT, XSDT, FADT
 * (revision 3), FACS, MADT, HPET and a DSDT with the PCI root, its
 * interrupt links and the legacy ISA devices.
 *
 * The board describes the machine in an AcpiBoardDesc (acpi_board_desc_pc
 * fills in the PIIX4/i440FX values, the board corrects what differs) and
 * acpi_build() turns it into fw_cfg-ready blobs: "etc/acpi/tables" (every
 * table but the RSDP, pointers between them as offsets into the blob),
 * "etc/acpi/rsdp" and "etc/table-loader", the command list that tells the
 * firmware how to place and link them. Direct Linux boot runs the same
 * command list itself (acpi_install in acpi-install.h), so both paths give
 * the guest the same bytes, addresses aside.
 *
 * Choices, and why:
 *  - FADT revision 3 (ACPI 2.0 layout, 244 bytes): every Linux since 2.6
 *    reads it, it has the X_ fields and RESET_REG, and nothing in a PIIX4
 *    needs the later fields. 32-bit and X_ blocks always agree.
 *  - A FACS is present: ACPICA expects one on non-hardware-reduced
 *    platforms (global lock, waking vector).
 *  - The power button is a fixed feature (FADT PWR_BUTTON clear), so no
 *    \_SB.PWRB device: Linux binds "Power Button (FF)" and acts on the
 *    PM1 PWRBTN status bit. The sleep button is absent (SLP_BUTTON set).
 *  - PCI interrupts go through link devices LNKA-D over the PIIX3 route
 *    registers in both PIC and APIC mode (the routed ISA IRQ is also the
 *    IOAPIC pin), unless pirq_gsi_base says the PIRQs have IOAPIC pins of
 *    their own, in which case _PRT returns those GSIs after _PIC(1).
 */
#ifndef TANDEM_ACPI_BUILD_H
#define TANDEM_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/acpi/aml.h"
#include "softmmu/error.h"

/* MPS INTI flags of an interrupt source override (MADT). */
#define ACPI_INTI_POLARITY_HIGH 0x0001
#define ACPI_INTI_POLARITY_LOW  0x0003
#define ACPI_INTI_TRIGGER_EDGE  0x0004
#define ACPI_INTI_TRIGGER_LEVEL 0x000c

#define ACPI_MAX_OVERRIDES 16

typedef struct AcpiIrqOverride {
    uint8_t irq;                /* ISA IRQ (bus 0) */
    uint32_t gsi;
    uint16_t flags;             /* ACPI_INTI_*, 0: conforms to the bus */
} AcpiIrqOverride;

/* The legacy devices the DSDT declares under \_SB.PCI0.ISA. */
enum {
    ACPI_ISA_KBD = 1u << 0,     /* i8042 keyboard, PNP0303 */
    ACPI_ISA_MOUSE = 1u << 1,   /* PS/2 mouse, PNP0F13 */
    ACPI_ISA_COM1 = 1u << 2,    /* 16550 at 0x3f8, IRQ 4, PNP0501 */
    ACPI_ISA_COM2 = 1u << 3,    /* 16550 at 0x2f8, IRQ 3 */
    ACPI_ISA_RTC = 1u << 4,     /* PNP0B00 */
    ACPI_ISA_PIT = 1u << 5,     /* PNP0100 */
    ACPI_ISA_PIC = 1u << 6,     /* PNP0000 */
    ACPI_ISA_ALL = 0x7f,
};

typedef struct AcpiBoardDesc {
    /* CPUs: MADT processor n has ACPI UID n and local APIC ID apic_ids[n]
     * (NULL: n). IDs of 255 and above get x2APIC entries. */
    unsigned nr_cpus;
    const uint32_t *apic_ids;
    uint32_t lapic_addr;

    uint32_t ioapic_addr;
    uint8_t ioapic_id;
    uint32_t ioapic_gsi_base;
    AcpiIrqOverride overrides[ACPI_MAX_OVERRIDES];
    unsigned nr_overrides;
    uint8_t nmi_lint;           /* local APIC pin NMI is wired to (1) */

    /* Power management (FADT) */
    uint16_t sci_irq;
    uint32_t smi_cmd;           /* 0: ACPI is always enabled */
    uint8_t acpi_enable, acpi_disable;
    uint16_t pm1a_evt_blk;      /* 4 bytes: status + enable */
    uint16_t pm1a_cnt_blk;      /* 2 bytes */
    uint16_t pm_tmr_blk;        /* 4 bytes, 24-bit timer */
    uint16_t gpe0_blk;
    uint8_t gpe0_blk_len;       /* even: status half + enable half */
    uint16_t reset_port;        /* RESET_REG in I/O space, 0: none */
    uint8_t reset_value;
    uint8_t s5_slp_typ;         /* SLP_TYP for soft-off in \_S5 */
    uint8_t rtc_century;        /* CMOS index of the century, 0: none */

    uint32_t hpet_addr;         /* 0: no HPET */
    uint32_t hpet_block_id;     /* Event Timer Block ID (capabilities low half) */

    /* PCI */
    uint8_t isa_bridge_devfn;   /* PIIX3 function 0, holder of 0x60-0x63 */
    uint8_t pirq_swizzle;       /* slot s INTx p (0 = INTA) is PIRQ (s + p + this) & 3 */
    uint16_t pirq_irq_mask;     /* ISA IRQs the links offer (_PRS) */
    uint32_t pirq_gsi_base;     /* 0: via the ISA route; else PIRQn = GSI base+n */
    uint64_t pci_hole32_start, pci_hole32_end;  /* [start, end) */
    uint64_t pci_hole64_start, pci_hole64_end;  /* empty: no 64-bit window */
    uint32_t isa_devices;       /* ACPI_ISA_* */
} AcpiBoardDesc;

/*
 * The i440FX/PIIX3/PIIX4 PC with nr_cpus CPUs (APIC IDs 0..n-1), the
 * IOAPIC at 0xfec00000 (ID nr_cpus, GSI 0), PM at PIIX_PM_BASE_DEFAULT,
 * SCI 9, HPET at 0xfed00000 and the 32-bit PCI hole from ram_below_4g to
 * the IOAPIC. The board corrects the PCI hole (i440fx_pci_hole), the HPET
 * and the ISA devices if they differ.
 */
void acpi_board_desc_pc(AcpiBoardDesc *d, unsigned nr_cpus, uint64_t ram_below_4g);

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP   "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

#define ACPI_RSDP_SIZE 36
#define ACPI_MAX_TABLES 16

typedef struct AcpiTableRef {
    char sig[5];
    uint32_t offset, len;       /* within tables */
} AcpiTableRef;

typedef struct AcpiTables {
    uint8_t *tables;            /* etc/acpi/tables */
    size_t tables_len;
    uint8_t rsdp[ACPI_RSDP_SIZE];   /* etc/acpi/rsdp */
    uint8_t *loader;            /* etc/table-loader */
    size_t loader_len;
    AcpiTableRef table[ACPI_MAX_TABLES];    /* where each table is */
    unsigned nr_tables;
} AcpiTables;

/* Build every table; -1 with err filled if d is inconsistent. */
int acpi_build(const AcpiBoardDesc *d, AcpiTables *out, Error *err);
void acpi_tables_free(AcpiTables *t);
/* The table with this signature, or NULL. */
const AcpiTableRef *acpi_tables_find(const AcpiTables *t, const char *sig);

/* The DSDT's AML body (without the table header), for acpi_build and tests. */
Aml *acpi_dsdt_build(const AcpiBoardDesc *d);

#endif

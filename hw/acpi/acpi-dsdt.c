/* SPDX-License-Identifier: MIT */
/*
 * The PC's DSDT, written with the AML builder. What it declares:
 *
 *   \PICF, \_PIC      the interrupt model the OS chose (0 PIC, 1 APIC)
 *   \_S5              soft-off: SLP_TYP for PM1a/PM1b
 *   \_SB.Cnnn         one ACPI0007 processor device per CPU, _UID = the
 *                     MADT processor UID
 *   \_SB.PCI0         PNP0A03 root bridge: _CRS (buses, I/O around the
 *                     config ports, the VGA window, the PCI holes), _PRT
 *   \_SB.PCI0.ISA     the PIIX3 (_ADR 1.0) with its PIRQ route registers
 *                     as fields PRQA-PRQD, and the legacy ISA devices
 *   \_SB.PCI0.HPET    PNP0103, when there is one
 *   \_SB.LNKA-LNKD    PNP0C0F interrupt links over PRQA-PRQD
 *
 * A link's route byte has the IRQ in bits 3:0 and "disabled" in bit 7,
 * which the link methods use directly: _STA tests bit 7, _DIS sets it,
 * _SRS stores the chosen IRQ (clearing bit 7) and _CRS reports it through
 * an Interrupt descriptor whose IRQ number is the dword at offset 5.
 */
#include <stdio.h>
#include <string.h>

#include "hw/acpi/acpi-build.h"

#define ACPI_STA_PRESENT_ENABLED 0x0b   /* present, enabled, functioning */
#define ACPI_STA_PRESENT_DISABLED 0x09  /* present, functioning */
#define ACPI_STA_ALL 0x0f               /* ... and shown in the UI */
#define ACPI_IRQ_DESC_NUMBER 5          /* offset of the first IRQ, 6.4.3.6 */
#define PIRQ_DISABLE 0x80

static Aml *dsdt_hid(const char *eisaid) { return aml_name_decl("_HID", aml_eisaid(eisaid)); }

/* Device(name) { _HID, [_UID], _STA, _CRS = crs } */
static Aml *dsdt_isa_device(const char *name, const char *hid, int uid, Aml *crs)
{
    Aml *dev = aml_device("%s", name);
    aml_append(dev, dsdt_hid(hid));
    if (uid >= 0)
        aml_append(dev, aml_name_decl("_UID", aml_int((uint64_t)uid)));
    aml_append(dev, aml_name_decl("_STA", aml_int(ACPI_STA_ALL)));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *dsdt_crs_io_irq(uint16_t port, uint8_t len, int irq)
{
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_io(port, port, 1, len));
    if (irq >= 0)
        aml_append(crs, aml_irq_noflags((uint8_t)irq));
    return crs;
}

static void dsdt_isa_devices(Aml *isa, uint32_t which)
{
    Aml *crs;
    if (which & ACPI_ISA_KBD) {
        crs = aml_resource_template();
        aml_append(crs, aml_io(0x60, 0x60, 1, 1));
        aml_append(crs, aml_io(0x64, 0x64, 1, 1));
        aml_append(crs, aml_irq_noflags(1));
        aml_append(isa, dsdt_isa_device("KBD", "PNP0303", -1, crs));
    }
    if (which & ACPI_ISA_MOUSE) {
        crs = aml_resource_template();
        aml_append(crs, aml_irq_noflags(12));
        aml_append(isa, dsdt_isa_device("MOU", "PNP0F13", -1, crs));
    }
    if (which & ACPI_ISA_COM1)
        aml_append(isa, dsdt_isa_device("COM1", "PNP0501", 1, dsdt_crs_io_irq(0x3f8, 8, 4)));
    if (which & ACPI_ISA_COM2)
        aml_append(isa, dsdt_isa_device("COM2", "PNP0501", 2, dsdt_crs_io_irq(0x2f8, 8, 3)));
    if (which & ACPI_ISA_RTC)
        aml_append(isa, dsdt_isa_device("RTC", "PNP0B00", -1, dsdt_crs_io_irq(0x70, 2, 8)));
    if (which & ACPI_ISA_PIT)
        aml_append(isa, dsdt_isa_device("TMR", "PNP0100", -1, dsdt_crs_io_irq(0x40, 4, 0)));
    if (which & ACPI_ISA_PIC) {
        crs = aml_resource_template();
        aml_append(crs, aml_io(0x20, 0x20, 1, 2));
        aml_append(crs, aml_io(0xa0, 0xa0, 1, 2));
        aml_append(crs, aml_io(0x4d0, 0x4d0, 1, 2));    /* ELCR */
        aml_append(crs, aml_irq_noflags(2));
        aml_append(isa, dsdt_isa_device("PIC", "PNP0000", -1, crs));
    }
}

/* The PIIX3 function 0 with its route registers, and the ISA devices. */
static Aml *dsdt_isa_bridge(const AcpiBoardDesc *d)
{
    Aml *isa = aml_device("ISA");
    unsigned slot = d->isa_bridge_devfn >> 3, fn = d->isa_bridge_devfn & 7;
    aml_append(isa, aml_name_decl("_ADR", aml_int((uint64_t)slot << 16 | fn)));
    aml_append(isa, aml_operation_region("PIRQ", AML_SPACE_PCI_CONFIG, aml_int(0x60),
                                         aml_int(4)));
    Aml *f = aml_field("PIRQ", AML_ACCESS_BYTE, AML_NOLOCK, AML_PRESERVE);
    for (int i = 0; i < 4; i++) {
        char name[5];
        snprintf(name, sizeof(name), "PRQ%c", 'A' + i);
        aml_field_unit(f, name, 8);
    }
    aml_append(isa, f);
    dsdt_isa_devices(isa, d->isa_devices);
    return isa;
}

static Aml *dsdt_pci_crs(const AcpiBoardDesc *d)
{
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_word_bus_number(0, 0xff));
    aml_append(crs, aml_io(0xcf8, 0xcf8, 1, 8));
    aml_append(crs, aml_word_io(0x0000, 0x0cf7));
    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    aml_append(crs, aml_dword_memory(0xa0000, 0xbffff, true));    /* VGA window */
    aml_append(crs, aml_dword_memory((uint32_t)d->pci_hole32_start,
                                     (uint32_t)(d->pci_hole32_end - 1), false));
    if (d->pci_hole64_end > d->pci_hole64_start)
        aml_append(crs, aml_qword_memory(d->pci_hole64_start, d->pci_hole64_end - 1, false));
    return crs;
}

/*
 * One entry per slot and pin: Package { slot << 16 | 0xffff, pin, source,
 * index }. With a link as source, index is 0; without (gsi), the GSI.
 */
static Aml *dsdt_prt(const AcpiBoardDesc *d, bool gsi)
{
    Aml *prt = aml_package();
    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            unsigned pirq = (slot + pin + d->pirq_swizzle) & 3;
            Aml *e = aml_package();
            aml_append(e, aml_int((uint64_t)slot << 16 | 0xffff));
            aml_append(e, aml_int(pin));
            if (gsi) {
                aml_append(e, aml_int(0));
                aml_append(e, aml_int(d->pirq_gsi_base + pirq));
            } else {
                aml_append(e, aml_name("LNK%c", 'A' + pirq));
                aml_append(e, aml_int(0));
            }
            aml_append(prt, e);
        }
    }
    return prt;
}

static Aml *dsdt_pci_root(const AcpiBoardDesc *d)
{
    Aml *pci = aml_device("PCI0");
    aml_append(pci, dsdt_hid("PNP0A03"));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci, aml_name_decl("_CRS", dsdt_pci_crs(d)));
    if (d->pirq_gsi_base) {
        /* Links in PIC mode, the PIRQs' own IOAPIC pins in APIC mode. */
        aml_append(pci, aml_name_decl("PRTP", dsdt_prt(d, false)));
        aml_append(pci, aml_name_decl("PRTA", dsdt_prt(d, true)));
        Aml *m = aml_method("_PRT", 0, false);
        Aml *apic = aml_if(aml_name("\\PICF"));
        aml_append(apic, aml_return(aml_name("PRTA")));
        aml_append(m, apic);
        aml_append(m, aml_return(aml_name("PRTP")));
        aml_append(pci, m);
    } else {
        aml_append(pci, aml_name_decl("_PRT", dsdt_prt(d, false)));
    }
    aml_append(pci, dsdt_isa_bridge(d));
    if (d->hpet_addr) {
        Aml *crs = aml_resource_template();
        aml_append(crs, aml_memory32_fixed(d->hpet_addr, 0x400, false));
        aml_append(pci, dsdt_isa_device("HPET", "PNP0103", 0, crs));
    }
    return pci;
}

/* The link's possible IRQs as a one-descriptor template. */
static Aml *dsdt_link_irqs(uint16_t mask)
{
    uint32_t irqs[16];
    unsigned n = 0;
    for (unsigned i = 0; i < 16; i++)
        if (mask & (1u << i))
            irqs[n++] = i;
    Aml *t = aml_resource_template();
    /* Level, active high, shared: how the emulated PIIX drives them. */
    aml_append(t, aml_interrupt(true, false, false, true, irqs, n));
    return t;
}

static Aml *dsdt_link(const AcpiBoardDesc *d, unsigned i)
{
    char reg[32];
    snprintf(reg, sizeof(reg), "\\_SB.PCI0.ISA.PRQ%c", 'A' + i);
    Aml *dev = aml_device("LNK%c", 'A' + i);
    aml_append(dev, dsdt_hid("PNP0C0F"));
    aml_append(dev, aml_name_decl("_UID", aml_int(i + 1)));
    aml_append(dev, aml_name_decl("_PRS", dsdt_link_irqs(d->pirq_irq_mask)));

    Aml *m = aml_method("_STA", 0, false);
    Aml *off = aml_if(aml_and(aml_name("%s", reg), aml_int(PIRQ_DISABLE), NULL));
    aml_append(off, aml_return(aml_int(ACPI_STA_PRESENT_DISABLED)));
    aml_append(m, off);
    aml_append(m, aml_return(aml_int(ACPI_STA_PRESENT_ENABLED)));
    aml_append(dev, m);

    m = aml_method("_DIS", 0, false);
    aml_append(m, aml_or(aml_name("%s", reg), aml_int(PIRQ_DISABLE), aml_name("%s", reg)));
    aml_append(dev, m);

    /* _CRS and _SRS create named objects, so they must be serialized. */
    m = aml_method("_CRS", 0, true);
    uint32_t zero = 0;
    Aml *t = aml_resource_template();
    aml_append(t, aml_interrupt(true, false, false, true, &zero, 1));
    aml_append(m, aml_name_decl("RTPL", t));
    aml_append(m, aml_create_dword_field(aml_name("RTPL"), aml_int(ACPI_IRQ_DESC_NUMBER),
                                         "IRQV"));
    Aml *on = aml_if(aml_lnot(aml_and(aml_name("%s", reg), aml_int(PIRQ_DISABLE), NULL)));
    aml_append(on, aml_and(aml_name("%s", reg), aml_int(0x0f), aml_name("IRQV")));
    aml_append(m, on);
    aml_append(m, aml_return(aml_name("RTPL")));
    aml_append(dev, m);

    m = aml_method("_SRS", 1, true);
    aml_append(m, aml_create_dword_field(aml_arg(0), aml_int(ACPI_IRQ_DESC_NUMBER), "IRQV"));
    aml_append(m, aml_store(aml_name("IRQV"), aml_name("%s", reg)));
    aml_append(dev, m);
    return dev;
}

Aml *acpi_dsdt_build(const AcpiBoardDesc *d)
{
    Aml *dsdt = aml_new();

    Aml *root = aml_scope("\\");
    aml_append(root, aml_name_decl("PICF", aml_int(0)));
    Aml *pic = aml_method("_PIC", 1, false);
    aml_append(pic, aml_store(aml_arg(0), aml_name("PICF")));
    aml_append(root, pic);
    Aml *s5 = aml_package();
    aml_append(s5, aml_int(d->s5_slp_typ));     /* PM1a_CNT.SLP_TYP */
    aml_append(s5, aml_int(d->s5_slp_typ));     /* PM1b (absent) */
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(root, aml_name_decl("_S5", s5));
    aml_append(dsdt, root);

    Aml *sb = aml_scope("\\_SB");
    for (unsigned n = 0; n < d->nr_cpus; n++) {
        /* Cnnn in hex: four characters name 4096 CPUs. */
        Aml *cpu = aml_device("C%03X", n & 0xfff);
        aml_append(cpu, aml_name_decl("_HID", aml_string("ACPI0007")));
        aml_append(cpu, aml_name_decl("_UID", aml_int(n)));
        aml_append(sb, cpu);
    }
    aml_append(sb, dsdt_pci_root(d));
    for (unsigned i = 0; i < 4; i++)
        aml_append(sb, dsdt_link(d, i));
    aml_append(dsdt, sb);
    return dsdt;
}

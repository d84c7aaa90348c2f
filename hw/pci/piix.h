/* SPDX-License-Identifier: MIT */
/*
 * The PIIX south bridge functions of the PC: the PIIX3 PCI-to-ISA bridge
 * (8086:7000, with the PIRQ router and the reset control register at
 * 0xcf9), the PIIX4 ACPI power-management function (8086:7113: PM1 event
 * and control blocks, PM timer, GPE0, SCI, sleep/power-off, the APM
 * control port 0xb2) and port 0x92 (fast A20 and fast reset).
 *
 * How the board wires them (after i440fx_create):
 *
 *   IrqLine *isa[16];  for (n) isa[n] = pc_isa_irq(m, n);
 *   PIIXIsaState *isa_br = piix_isa_create(m, bus, PCI_DEVFN(1, 0), isa, err);
 *   PIIXPMState *pm = piix_pm_create(m, bus, PCI_DEVFN(1, 3),
 *                                    piix_isa_sci_irq(isa_br), err);
 *   piix_port92_create(m, a20_line, err);    // a20_line: see below
 *   // Direct boot (no firmware to program PMBASE):
 *   piix_pm_set_base(pm, PIIX_PM_BASE_DEFAULT);
 *
 * What the board's ACPI tables must say (FADT/DSDT) to match:
 *   PM1a_EVT_BLK = PMBASE + 0 (len 4), PM1a_CNT_BLK = PMBASE + 4 (len 2),
 *   PM_TMR_BLK = PMBASE + 8 (len 4, 24-bit: TMR_VAL_EXT clear),
 *   GPE0_BLK = PMBASE + 0x0c (len 4), SCI_INT = 9, SMI_CMD = 0xb2,
 *   ACPI_ENABLE = 0xf1, ACPI_DISABLE = 0xf0, RESET_REG = I/O 0xcf9 value 6,
 *   \_S5 = Package { 0, 0 } (PIIX4 SUS_TYP 0 is soft-off).
 */
#ifndef TANDEM_PIIX_H
#define TANDEM_PIIX_H

#include "hw/core/irq.h"
#include "hw/pci/pci.h"
#include "softmmu/machine.h"

#define PIIX_VENDOR_ID          0x8086
#define PIIX3_ISA_DEVICE_ID     0x7000
#define PIIX4_PM_DEVICE_ID      0x7113

/* PIIX3 ISA bridge registers. */
#define PIIX_PIRQRC             0x60    /* 0x60-0x63: PIRQA-D route control */
#define PIIX_PIRQRC_DISABLE     0x80
#define PIIX_PIRQRC_IRQ_MASK    0x0f
#define PIIX_RCR_PORT           0xcf9
#define PIIX_RCR_SRST           0x02    /* hard (system) reset */
#define PIIX_RCR_RCPU           0x04    /* writing 1 resets */
#define PIIX_RCR_FULL_RST       0x08

/* PIIX4 PM function registers (config space). */
#define PIIX_PM_PMBA            0x40    /* PM I/O base, bits 15:6 */
#define PIIX_PM_DEVACTB         0x58
#define PIIX_PM_PMREGMISC       0x80    /* bit 0: PM I/O space enable */
#define PIIX_PM_SMBBA           0x90
#define PIIX_PM_SMBHSTCFG       0xd2
#define PIIX_PM_BASE_DEFAULT    0x600   /* what SeaBIOS programs on QEMU's pc */
#define PIIX_PM_IO_SIZE         0x40

/* PM I/O registers, offsets from PMBASE. */
#define PIIX_PM_PMSTS           0x00    /* PM1a_STS */
#define PIIX_PM_PMEN            0x02    /* PM1a_EN */
#define PIIX_PM_PMCNTRL         0x04    /* PM1a_CNT */
#define PIIX_PM_PMTMR           0x08
#define PIIX_PM_GPSTS           0x0c    /* GPE0_STS */
#define PIIX_PM_GPEN            0x0e    /* GPE0_EN */

#define PIIX_PM1_TMROF          0x0001  /* STS/EN: timer bit 23 toggled */
#define PIIX_PM1_BM_STS         0x0010
#define PIIX_PM1_GBL            0x0020
#define PIIX_PM1_PWRBTN         0x0100
#define PIIX_PM1_RTC            0x0400
#define PIIX_PM1_PWRBTNOR_STS   0x0800
#define PIIX_PM1_WAK_STS        0x8000
#define PIIX_PM1_STS_MASK       0x8d31
#define PIIX_PM1_EN_MASK        0x0521

#define PIIX_PM1_CNT_SCI_EN     0x0001
#define PIIX_PM1_CNT_BRLD_EN_BM 0x0002
#define PIIX_PM1_CNT_GBL_RLS    0x0004
#define PIIX_PM1_CNT_SUS_TYP_SHIFT 10
#define PIIX_PM1_CNT_SUS_TYP    0x1c00
#define PIIX_PM1_CNT_SUS_EN     0x2000
#define PIIX_SUS_TYP_SOFT_OFF   0       /* S5 */
#define PIIX_SUS_TYP_STR        1       /* S3: not supported, wakes at once */

#define PIIX_APM_CNT_PORT       0xb2
#define PIIX_APM_STS_PORT       0xb3
#define PIIX_APM_ACPI_ENABLE    0xf1
#define PIIX_APM_ACPI_DISABLE   0xf0

/* The ACPI PM timer: 3.579545 MHz, 24 bits. */
#define PIIX_PM_TIMER_HZ        3579545ull
#define PIIX_PM_TIMER_MASK      0xffffffu

typedef struct PIIXIsaState PIIXIsaState;
typedef struct PIIXPMState PIIXPMState;

/*
 * The ISA bridge at devfn, router of bus's PIRQs onto isa_irq[0..15] (NULL
 * entries are unwired), owner of the reset control register at 0xcf9.
 */
PIIXIsaState *piix_isa_create(Machine *m, PCIBus *bus, int devfn,
                              IrqLine *const isa_irq[16], Error *err);
/* The ISA IRQ PIRQ n is routed to, or -1 (disabled or reserved value). */
int piix_isa_pirq_route(const PIIXIsaState *s, int pirq);
/*
 * The input for the PM function's SCI: ORed with the PIRQs routed to
 * IRQ 9 and driven onto isa_irq[9]. Give this, not isa_irq[9] itself, to
 * piix_pm_create, so that a PCI link routed to IRQ 9 and the SCI share it.
 */
IrqLine *piix_isa_sci_irq(PIIXIsaState *s);
#define PIIX_SCI_IRQ 9

/* The PM function at devfn; sci is piix_isa_sci_irq() of the ISA bridge. */
PIIXPMState *piix_pm_create(Machine *m, PCIBus *bus, int devfn, IrqLine *sci,
                            Error *err);
/* Program PMBASE and enable the PM I/O space, as firmware does. */
void piix_pm_set_base(PIIXPMState *pm, uint16_t base);
/* The power button was pressed (e.g. a host request for a clean poweroff). */
void piix_pm_power_button(PIIXPMState *pm);
/* Set a GPE0 status bit (0..15) for a device event (hotplug, ...). */
void piix_pm_gpe_raise(PIIXPMState *pm, unsigned bit);
/* Replace the clock the timer counts from (tests); NULL restores CLK_VIRTUAL. */
void piix_pm_set_clock(PIIXPMState *pm, int64_t (*clock_ns)(void));
/* The 24-bit PM timer value at CLK_VIRTUAL time ns (a pure function). */
uint32_t piix_pm_timer_at(int64_t ns);
/* The first time after ns at which the timer's bit 23 toggles. */
int64_t piix_pm_timer_next_overflow(int64_t ns);

/*
 * Port 0x92 (system control port A): bit 1 drives a20 (the board ORs it
 * with the keyboard controller's A20 into the CPUs' A20 gate), a 0->1 edge
 * of bit 0 resets the machine. a20 may be NULL.
 */
Device *piix_port92_create(Machine *m, IrqLine *a20, Error *err);

#endif

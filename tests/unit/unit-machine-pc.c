/* SPDX-License-Identifier: MIT */
/*
 * The PC chipset fixture of the unit tests (declared in unit-machine.h):
 * the i440FX host bridge and the PIIX ISA bridge on a unit_machine_init()
 * machine. A file of its own in libunit.a so that only the tests that call
 * it link the chipset models; the rest keep their weak stand-ins.
 */
#include "tests/unit/unit-machine.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"

int unit_machine_add_i440fx_piix(Machine *m, IrqLine isa_lines[16],
                                 IrqHandler *handler, void *opaque,
                                 I440FXState **hb, PIIXIsaState **isa)
{
    Error err = { 0 };
    *hb = i440fx_create(m, &err);
    if (!*hb)
        return -1;
    IrqLine *lines[16];
    for (int n = 0; n < 16; n++) {
        irq_line_init(&isa_lines[n], handler, opaque, n);
        lines[n] = &isa_lines[n];
    }
    *isa = piix_isa_create(m, i440fx_bus(*hb), PCI_DEVFN(1, 0), lines, &err);
    return *isa ? 0 : -1;
}

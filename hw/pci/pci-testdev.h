/* SPDX-License-Identifier: MIT */
/*
 * pci-testdev (1b36:0005), QEMU's PCI test device: BAR0 (4 KiB memory) and
 * BAR1 (256 bytes I/O) carry the test registers kvm-unit-tests' pci-testdev
 * test drives. See pci-testdev.c for the register layout.
 */
#ifndef TANDEM_PCI_TESTDEV_H
#define TANDEM_PCI_TESTDEV_H

#include "hw/pci/pci.h"

/* Put a pci-testdev on bus at devfn (-1: first free slot) and attach it to m. */
PCIDevice *pci_testdev_create(Machine *m, PCIBus *bus, int devfn, const char *id,
                              Error *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The shared Machine fixture of the unit tests; see unit-machine.h.
 */
#include <string.h>

#include "tests/unit/unit-machine.h"
#include "hw/core/device.h"

void unit_machine_init(Machine *m)
{
    memset(m, 0, sizeof(*m));
    m->devices_tail = &m->devices;
    mr_init_container(&m->sysmem, "system", UINT64_MAX);
    mr_init_container(&m->iomem, "io", 0x10000);
    as_init(&m->as_mem, &m->sysmem, "memory");
    as_init(&m->as_io, &m->iomem, "I/O");
}

int unit_machine_add_ram(Machine *m, MemoryRegion *ram, uint64_t size, Error *err)
{
    if (mr_init_ram(ram, "ram", size, err) < 0)
        return -1;
    mr_add_subregion(&m->sysmem, 0, ram);
    return 0;
}

void unit_machine_destroy(Machine *m)
{
    devices_destroy(m);
    /* A no-op when unit_machine_add_ram() was not given &m->ram. */
    mr_destroy(&m->ram);
    as_destroy(&m->as_mem);
    as_destroy(&m->as_io);
    mr_destroy(&m->sysmem);
    mr_destroy(&m->iomem);
}

uint32_t unit_in(Machine *m, uint16_t port, unsigned size)
{
    return (uint32_t)as_ld(&m->as_io, port, size, NULL);
}

void unit_out(Machine *m, uint16_t port, unsigned size, uint32_t val)
{
    as_st(&m->as_io, port, size, val);
}

uint32_t unit_pci_cfg_addr(int devfn, unsigned reg)
{
    return 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xfc);
}

uint32_t unit_pci_cfg_read(Machine *m, int devfn, unsigned reg, unsigned size)
{
    unit_out(m, 0xcf8, 4, unit_pci_cfg_addr(devfn, reg));
    return unit_in(m, (uint16_t)(0xcfc + (reg & 3)), size);
}

void unit_pci_cfg_write(Machine *m, int devfn, unsigned reg, unsigned size, uint32_t val)
{
    unit_out(m, 0xcf8, 4, unit_pci_cfg_addr(devfn, reg));
    unit_out(m, (uint16_t)(0xcfc + (reg & 3)), size, val);
}

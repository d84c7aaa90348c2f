/* SPDX-License-Identifier: MIT */
/*
 * Every device type -device can create, in one plain table. A new device
 * model adds its DeviceType here; nothing registers itself.
 */
#include <stddef.h>

#include "hw/core/device.h"

extern const DeviceType isa_debug_exit_type;   /* hw/misc/debug-exit.c */
extern const DeviceType isa_serial_type;       /* hw/char/serial.c */
extern const DeviceType isa_debugcon_type;     /* hw/misc/debugcon.c */
extern const DeviceType pc_testdev_type;       /* hw/misc/pc-testdev.c */
extern const DeviceType pci_testdev_type;      /* hw/pci/pci-testdev.c */
extern const DeviceType vga_device_type;       /* hw/display/vga.c */

const DeviceType *const device_types[] = {
    &isa_debug_exit_type,
    &isa_serial_type,
    &isa_debugcon_type,
    &pc_testdev_type,
    &pci_testdev_type,
    &vga_device_type,
    NULL
};

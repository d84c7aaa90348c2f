#!/bin/bash
# SPDX-License-Identifier: MIT
# The same checks as linux-boot.sh with the kernel and initramfs on an
# El Torito CD (scripts/cdrom-image.sh: ISOLINUX, no-emulation boot) that
# SeaBIOS boots from the ATAPI CD-ROM (-cdrom), no -kernel at all: SeaBIOS
# reads the boot catalog and ISOLINUX through INT 13h on the CD, ISOLINUX
# loads the kernel and initramfs the same way.
exec env LINUX_BOOT_VIA=cdrom "$(dirname "$0")/linux-boot.sh" "$@"

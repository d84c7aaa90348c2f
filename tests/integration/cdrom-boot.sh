#!/bin/bash
# SPDX-License-Identifier: MIT
# The same checks as linux-boot.sh with the kernel and initramfs on an
# El Torito CD (scripts/cdrom-image.sh: ISOLINUX, no-emulation boot) that
# SeaBIOS boots from the ATAPI CD-ROM (-cdrom), no -kernel at all: SeaBIOS
# reads the boot catalog and ISOLINUX through INT 13h on the CD, ISOLINUX
# loads the kernel and initramfs the same way.
# One CPU: SeaBIOS starts the others with a single INIT-SIPI, and tandem's
# tcg can lose a SIPI that lands while the INIT is being taken (the vCPU's
# INIT handling restores an older sipi_vector), which hangs SeaBIOS now
# and then (Linux's direct-boot SMP start-up has not been seen to hit it).
# -smp 2 again once that is fixed.
exec env LINUX_BOOT_SMP=${LINUX_BOOT_SMP:-1} LINUX_BOOT_VIA=cdrom "$(dirname "$0")/linux-boot.sh" "$@"

#!/bin/bash
# SPDX-License-Identifier: MIT
# The same checks as linux-boot.sh with -kernel/-initrd/-append booted
# through firmware: -bios gives SeaBIOS, which finds the kernel in fw_cfg
# and runs tandem's loader option ROM (hw/pc/optionrom/linuxboot.S) first in
# its boot order; the ROM loads setup, kernel, command line and initrd by
# fw_cfg DMA and starts the kernel's real-mode setup code.
# One CPU: SeaBIOS starts the others with a single INIT-SIPI, and tandem's
# tcg can lose a SIPI that lands while the INIT is being taken (the vCPU's
# INIT handling restores an older sipi_vector), which hangs SeaBIOS now
# and then (Linux's direct-boot SMP start-up has not been seen to hit it).
# -smp 2 again once that is fixed.
exec env LINUX_BOOT_SMP=${LINUX_BOOT_SMP:-1} LINUX_BOOT_VIA=firmware "$(dirname "$0")/linux-boot.sh" "$@"

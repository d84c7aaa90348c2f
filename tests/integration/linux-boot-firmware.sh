#!/bin/bash
# SPDX-License-Identifier: MIT
# The same checks as linux-boot.sh with -kernel/-initrd/-append booted
# through firmware: -bios gives SeaBIOS, which finds the kernel in fw_cfg
# and runs tandem's loader option ROM (hw/pc/optionrom/linuxboot.S) first in
# its boot order; the ROM loads setup, kernel, command line and initrd by
# fw_cfg DMA and starts the kernel's real-mode setup code.
exec env LINUX_BOOT_VIA=firmware "$(dirname "$0")/linux-boot.sh" "$@"

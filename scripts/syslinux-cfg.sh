#!/bin/sh
# SPDX-License-Identifier: MIT
# The boot loader configuration the test images share (SYSLINUX on the
# disk, ISOLINUX on the CD read the same format): serial console, no
# prompt, /vmlinuz with /initrd.gz and the given command line.
#   scripts/syslinux-cfg.sh APPEND > syslinux.cfg
set -eu
cat <<CFG
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND $1
CFG

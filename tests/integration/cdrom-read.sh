#!/bin/bash
# SPDX-License-Identifier: MIT
# The same checks as linux-boot.sh (direct boot, -smp 2) with an ISO 9660
# CD attached (-cdrom) that Linux reads through ata_piix and sr_mod: the
# ATAPI CD-ROM under a real driver (IDENTIFY PACKET, TEST UNIT READY, READ
# CAPACITY, READ TOC, READ(10) by bus-master DMA) and a file on it hashed.
exec env LINUX_BOOT_CD_READ=1 "$(dirname "$0")/linux-boot.sh" "$@"

#!/bin/bash
# SPDX-License-Identifier: MIT
# The same checks as linux-boot.sh with Debian's generic kernel
# (linux-image-amd64) instead of the cloud flavour: more drivers probe the
# machine's devices during boot.
exec env KERNEL_FLAVOUR=generic "$(dirname "$0")/linux-boot.sh" "$@"

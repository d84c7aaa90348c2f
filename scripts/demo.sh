#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: boot Debian's cloud kernel with a busybox initramfs on the
# serial console of this terminal. Ctrl-A x quits; 'poweroff -f' in the
# guest ends tandem with status 0.
set -euo pipefail
build=${1:-build}
read -r kernel initrd < <(scripts/guest-image.sh "$build" cloud | tail -1)
echo "demo: booting $(basename "$kernel") (Ctrl-A x quits)"
# The demo shows the reference engine (tcg): it runs on any machine the same
# way. DEMO_ACCEL=kvm (or kvm:tcg) picks the hardware engine instead.
exec "$build/tandem" -accel "${DEMO_ACCEL:-tcg}" -m 512 -smp 2 -kernel "$kernel" \
    -initrd "$initrd" -append "console=ttyS0 quiet" -nographic

#!/bin/bash
# SPDX-License-Identifier: MIT
# The bare-metal test guests under the kvm engine, judged exactly as under
# tcg: each one goes through tests/guests/run-guest.sh (exit status through
# the debug-exit port, NAME.expect lines on the serial port), with a tandem
# that is told "-accel kvm,kernel-irqchip=MODE", once with the kernel's
# local APICs (split, the default) and once with tandem's (off). Exit 0
# pass, 77 skipped (reason on the last line), anything else fail.
#   tests/integration/kvm-guests.sh BUILD
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
tandem=$(cd "$build" 2>/dev/null && pwd)/tandem

skip() { echo "$1"; exit 77; }

[ -x "$tandem" ] || skip "no $build/tandem to run"
[ -e /dev/kvm ] || skip "no /dev/kvm on this host"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no permission to open /dev/kvm"

shopt -s nullglob
guests=("$build"/tests/guests/*.elf)
[ ${#guests[@]} -gt 0 ] || skip "no bare-metal guests built in $build/tests/guests"

# A tandem that runs everything under kvm; run-guest.sh stays the one judge.
wrap=$(mktemp -d)
trap 'rm -rf "$wrap"' EXIT

failed=0
for irqchip in split off; do
    printf '#!/bin/sh\nexec "%s" -accel kvm,kernel-irqchip=%s "$@"\n' "$tandem" "$irqchip" \
        > "$wrap/tandem"
    chmod +x "$wrap/tandem"
    for elf in "${guests[@]}"; do
        name=$(basename "$elf" .elf)
        if out=$("$here/guests/run-guest.sh" "$wrap" "$(cd "$(dirname "$elf")" && pwd)/$name.elf" 2>&1); then
            echo "kvm guest $name (kernel-irqchip=$irqchip): pass"
        elif grep -q "KVM is not usable" <<<"$out"; then
            # /dev/kvm exists but cannot run a VM (no VT-x/AMD-V, taken, too old):
            # tandem said why in one line; a skip, not a failure of the guests.
            skip "$(grep -m1 "KVM is not usable" <<<"$out" | sed 's/^tandem: //')"
        else
            echo "kvm guest $name (kernel-irqchip=$irqchip): FAIL"
            echo "$out" | tail -20 | sed 's/^/    /'
            failed=$((failed + 1))
        fi
    done
done
echo "kvm guests: ${#guests[@]} run twice (kernel-irqchip=split and off), $failed failed"
[ "$failed" -eq 0 ]

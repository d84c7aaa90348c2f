#!/bin/bash
# SPDX-License-Identifier: MIT
# The x86 decoder against capstone on every instruction of Debian's kernel
# image and modules (tests/unit/test-x86-decode-linux.c): fetches and
# unpacks the linux-image package with scripts/guest-image.sh (cached under
# BUILD/images), then runs the unit binary on it and prints its figures.
#   tests/integration/decode-linux.sh BUILD
# Exit 0 pass, 77 skipped (reason on the last line), anything else fail.
#
# Environment:
#   DECODE_LINUX_FLAVOURS="cloud generic"  the kernels to check (default
#                         cloud; generic has 4,000 modules and takes ~10 s)
#   TESTS_X86_DECODE_LINUX_STRIDE=N  every N-th module only (default all)
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" 2>/dev/null && pwd) || { echo "decode-linux: no build folder $1"; exit 1; }
bin=$build/tests/unit/test-x86-decode-linux

skip() { echo "decode-linux: skipped: $*"; exit 77; }
fail() { echo "decode-linux: FAIL: $*"; exit 1; }

[ -x "$bin" ] || fail "no $bin (make first)"
command -v dpkg-deb >/dev/null 2>&1 || skip "dpkg-deb not installed (not a Debian host)"

bad=0
for flavour in ${DECODE_LINUX_FLAVOURS:-cloud}; do
    out=$(IMAGE_NAME=initramfs-$flavour "$top/scripts/guest-image.sh" "$build" "$flavour" 2>&1) ||
        { echo "$out"; fail "scripts/guest-image.sh $flavour failed"; }
    read -r kernel _ < <(tail -1 <<<"$out")
    [ -f "${kernel:-}" ] || { echo "$out"; fail "no kernel from scripts/guest-image.sh"; }
    pkg=$(dirname "$(dirname "$kernel")")
    echo "decode-linux: $(basename "$pkg")"
    t0=$SECONDS
    TESTS_X86_DECODE_LINUX=$pkg "$bin" > "$build/decode-linux-$flavour.log" 2>&1
    rc=$?
    grep -E '^  (vmlinux|modules|unimplemented|capstone gaps)' "$build/decode-linux-$flavour.log"
    echo "decode-linux: $flavour: status $rc in $((SECONDS - t0))s (log: $build/decode-linux-$flavour.log)"
    if [ "$rc" -ne 0 ]; then
        grep -E '^  .*(capstone|tandem)' "$build/decode-linux-$flavour.log" | head -40
        bad=$((bad + 1))
    fi
done
[ "$bad" -eq 0 ] || fail "$bad kernel(s) with decoder mismatches"
echo "decode-linux: no mismatches"

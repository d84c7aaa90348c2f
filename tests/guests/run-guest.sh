#!/bin/bash
# SPDX-License-Identifier: MIT
# Run one bare-metal test guest:  run-guest.sh BUILD path/to/NAME.elf
# A guest passes by writing 0 to the debug-exit port (tandem exits with
# status 1); any other status fails. If tests/guests/NAME.expect exists,
# each of its lines must also appear in the guest's serial output.
# tests/guests/NAME.args may hold extra tandem options. In them, @OUT@
# stands for a fresh temporary file (say, a -chardev file path the guest
# writes to through a debugcon); each line of tests/guests/NAME.out.expect
# must then appear in that file after the run.
# GUEST_EMULATOR replaces "BUILD/tandem" (e.g. GUEST_EMULATOR="qemu-system-x86_64
# -accel tcg" checks a guest against QEMU with the same options).
set -u
build=$1 elf=$2
name=$(basename "$elf" .elf)
dir=$(dirname "$0")
args=()
[ -f "$dir/$name.args" ] && read -r -a args < "$dir/$name.args"
outfile=""
if [[ " ${args[*]-} " == *@OUT@* ]]; then
    outfile=$(mktemp "${TMPDIR:-/tmp}/guest-$name.XXXXXX") || exit 1
    trap 'rm -f "$outfile"' EXIT
    args=("${args[@]//@OUT@/$outfile}")
fi
read -r -a emulator <<<"${GUEST_EMULATOR:-$build/tandem}"
out=$(timeout -k 5 ${GUEST_TIMEOUT:-60} "${emulator[@]}" -kernel "$elf" -nographic \
      -device isa-debug-exit,iobase=0xf4 "${args[@]}" </dev/null 2>&1)
rc=$?
echo "$out"
if [ -n "$outfile" ]; then
    echo "--- @OUT@ ($name) ---"
    cat "$outfile"
    echo "--- end of @OUT@ ---"
fi
if [ "$rc" -ne 1 ]; then
    echo "run-guest: $name exited with status $rc (1 means pass)"
    exit 1
fi
if [ -f "$dir/$name.expect" ]; then
    while IFS= read -r want; do
        [ -z "$want" ] && continue
        if ! grep -qF -- "$want" <<<"$out"; then
            echo "run-guest: $name: expected output line missing: $want"
            exit 1
        fi
    done < "$dir/$name.expect"
fi
if [ -f "$dir/$name.out.expect" ]; then
    if [ -z "$outfile" ]; then
        echo "run-guest: $name: $name.out.expect exists but $name.args has no @OUT@"
        exit 1
    fi
    while IFS= read -r want; do
        [ -z "$want" ] && continue
        if ! grep -qF -- "$want" "$outfile"; then
            echo "run-guest: $name: expected line missing from @OUT@: $want"
            exit 1
        fi
    done < "$dir/$name.out.expect"
fi
exit 0

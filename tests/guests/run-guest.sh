#!/bin/bash
# SPDX-License-Identifier: MIT
# Run one bare-metal test guest:  run-guest.sh BUILD path/to/NAME.elf
# A guest passes by writing 0 to the debug-exit port (tandem exits with
# status 1); any other status fails. If tests/guests/NAME.expect exists,
# each of its lines must also appear in the guest's serial output.
# tests/guests/NAME.args may hold extra tandem options.
set -u
build=$1 elf=$2
name=$(basename "$elf" .elf)
dir=$(dirname "$0")
args=()
[ -f "$dir/$name.args" ] && read -r -a args < "$dir/$name.args"
out=$(timeout -k 5 ${GUEST_TIMEOUT:-60} "$build/tandem" -kernel "$elf" -nographic \
      -device isa-debug-exit,iobase=0xf4 "${args[@]}" </dev/null 2>&1)
rc=$?
echo "$out"
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
exit 0

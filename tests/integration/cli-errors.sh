#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad command lines: each gives exactly one line on stderr and status 1,
# and never a crash.
set -u
build=${1:-build}
tandem="$build/tandem"
fails=0

expect_error() {   # expect_error WORD-IN-MESSAGE ARGS...
    local want=$1; shift
    local err rc lines
    err=$("$tandem" "$@" 2>&1 >/dev/null </dev/null); rc=$?
    lines=$(printf '%s\n' "$err" | grep -c .)
    if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$want" <<<"$err"; then
        echo "FAIL: tandem $* -> status $rc, $lines line(s): $err"
        fails=$((fails + 1))
    else
        echo "ok: tandem $* -> $err"
    fi
}

expect_error "/nonexistent" -kernel /nonexistent
expect_error "banana" -m banana
expect_error "-frobnicate" -frobnicate
expect_error "missing argument" -kernel
expect_error "-smp 99" -smp 99
guest="$build/tests/guests/hello.elf"
expect_error "nosuchdevice" -device nosuchdevice -kernel "$guest"
expect_error "iobase" -device isa-debug-exit,iobase=banana -kernel "$guest"
expect_error "unknown accelerator" -accel warp -kernel "$guest"
expect_error "tcg takes no options" -accel tcg,thread=multi -kernel "$guest"
expect_error "-d" -d nonsense
expect_error "multiboot" -kernel /etc/hostname -nographic
expect_error "not a multiboot or Linux" -kernel "$0"
expect_error "/nonexistent/disk.img" -hda /nonexistent/disk.img -kernel "$guest"
expect_error "multiple of 64 KiB" -bios "$0"

out=$("$tandem" -version); rc=$?
if [ "$rc" -ne 0 ] || ! grep -q "tandem version" <<<"$out"; then
    echo "FAIL: -version"; fails=$((fails + 1))
fi
out=$("$tandem" -help); rc=$?
for opt in -m -smp -kernel -initrd -append -bios -nographic -serial -display -accel \
           -cpu -device -d -D -no-reboot -version; do
    grep -q -- "^  $opt\b" <<<"$out" || { echo "FAIL: -help lacks $opt"; fails=$((fails + 1)); }
done
[ "$fails" -eq 0 ]

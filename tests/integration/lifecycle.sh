#!/bin/bash
# SPDX-License-Identifier: MIT
# The machine's life cycle from outside: SIGTERM and SIGINT stop tandem
# cleanly with status 0 and one line saying why; Ctrl-A x on the serial
# console quits; a guest's debug-exit write ends it with the guest's status.
# The long-running guest is the firmware (SeaBIOS) with nothing to boot.
set -u
build=${1:-build}
tandem="$build/tandem"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for sig in TERM INT; do
    err=$(mktemp)
    "$tandem" -accel tcg -nographic -serial null </dev/null >/dev/null 2>"$err" &
    pid=$!
    sleep 1
    kill -s "$sig" "$pid"
    timeout 10 tail --pid="$pid" -f /dev/null
    wait "$pid"; rc=$?
    if [ "$rc" -ne 0 ] || ! grep -q "terminating on signal" "$err"; then
        fail "SIG$sig: status $rc, stderr: $(cat "$err")"
    else
        echo "ok: SIG$sig -> status 0, $(cat "$err")"
    fi
    rm -f "$err"
done

# Ctrl-A x typed on the console (stdin is a pipe here, so no raw mode); the
# pipe stays open, so only the escape can end tandem before the timeout.
timeout 10 "$tandem" -accel tcg -nographic < <(sleep 1; printf '\001x'; sleep 12) >/dev/null 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then fail "Ctrl-A x: status $rc"; else echo "ok: Ctrl-A x -> status 0"; fi

# The guest's own exit status.
timeout 30 "$tandem" -accel tcg -kernel "$build/tests/guests/hello.elf" -nographic \
    -device isa-debug-exit,iobase=0xf4 </dev/null >/dev/null 2>&1
rc=$?
if [ "$rc" -ne 1 ]; then fail "debug-exit: status $rc, want 1"; else echo "ok: debug-exit -> status 1"; fi
# A triple fault with -no-reboot ends tandem with status 0 after the first
# boot; without it the machine resets (the reset guest passes on its second
# boot, checked with the other guests).
out=$(timeout 30 "$tandem" -accel tcg -no-reboot -kernel "$build/tests/guests/reset.elf" \
      -nographic -device isa-debug-exit,iobase=0xf4 </dev/null 2>&1)
rc=$?
if [ "$rc" -ne 0 ] || ! grep -q "first boot" <<<"$out" || grep -q "second boot" <<<"$out"; then
    fail "-no-reboot: status $rc, output: $out"
else
    echo "ok: triple fault with -no-reboot -> status 0 after one boot"
fi
[ "$fails" -eq 0 ]

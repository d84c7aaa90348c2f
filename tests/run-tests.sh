#!/bin/bash
# SPDX-License-Identifier: MIT
# Run tandem's tests and print one closing line "N passed, N failed".
#   tests/run-tests.sh BUILD all    unit tests, guests, integration boots
#   tests/run-tests.sh BUILD fast   unit tests and guests only
# Unit binaries count each CUnit test; every guest and integration script
# counts as one test. An integration script exits 0 (pass), 77 (skipped,
# with its reason on the last line) or anything else (fail).
set -u
build=${1:-build}
mode=${2:-all}
passed=0 failed=0 skipped=0
failures=()

run_unit() {
    local bin out line p f
    for bin in "$build"/tests/unit/test-*; do
        [ -x "$bin" ] || continue
        case "$bin" in *.o|*.d) continue ;; esac
        # Needs a kernel package: tests/integration/decode-linux.sh runs it.
        case "$bin" in */test-x86-decode-linux) continue ;; esac
        out=$("$bin" 2>&1)
        local rc=$?
        if [ "$rc" -eq 77 ]; then       # unit_skip(): the host cannot run them
            skipped=$((skipped + 1))
            echo "SKIP  unit $(basename "$bin"): $(grep -E '^unit .*: skipped: ' <<<"$out" | tail -1 | sed -E 's/^unit [^:]*: skipped: //')"
            continue
        fi
        line=$(grep -E '^unit .*: [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)
        if [ -n "$line" ]; then
            p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/' <<<"$line")
            f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/' <<<"$line")
        else
            p=0 f=1
        fi
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
        passed=$((passed + p)); failed=$((failed + f))
        echo "$line${line:+ }(rc=$rc)"
        if [ "$f" -ne 0 ]; then
            failures+=("$(basename "$bin")")
            echo "$out" | tail -40
        fi
    done
}

run_script() {   # run_script NAME COMMAND...
    local name=$1; shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    case $rc in
    0) passed=$((passed + 1)); echo "PASS  $name" ;;
    77) skipped=$((skipped + 1)); echo "SKIP  $name: $(tail -1 <<<"$out")" ;;
    *) failed=$((failed + 1)); failures+=("$name"); echo "FAIL  $name (rc=$rc)"
       echo "$out" | tail -30 | sed 's/^/      /' ;;
    esac
}

run_guests() {
    local elf
    for elf in "$build"/tests/guests/*.elf; do
        [ -e "$elf" ] || continue
        run_script "guest $(basename "$elf" .elf)" tests/guests/run-guest.sh "$build" "$elf"
    done
}

run_integration() {
    local t
    for t in tests/integration/*.sh; do
        [ -e "$t" ] || continue
        run_script "integration $(basename "$t" .sh)" "$t" "$build"
    done
}

run_unit
run_guests
[ "$mode" = all ] && run_integration

if ((${#failures[@]})); then
    echo "failed: ${failures[*]}"
fi
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: tandem's benchmarks, each run beside its peers in the same
# invocation, printed as absolute figures and as ratios against the peers.
#   bench/run.sh BUILD
# Environment: BENCH_N (loop iterations of the long run, default 500000000).
# The peer is Debian's qemu-system-x86_64 under tcg; without it the peer
# columns say so and only tandem's figures are printed.
set -u
build=${1:-build}
n_short=1000000
n_long=${BENCH_N:-500000000}
insns_per_iter=8
qemu=$(command -v qemu-system-x86_64 || true)

now() { date +%s.%N; }

# run_guest ENGINE ELF N: prints the wall time of one run, or "fail"
run_guest() {
    local engine=$1 elf=$2 n=$3 t0 t1 rc
    t0=$(now)
    case $engine in
    tandem) "$build/tandem" -accel tcg -kernel "$elf" -append "n=$n" -nographic \
                -device isa-debug-exit,iobase=0xf4 </dev/null >/dev/null 2>&1 ;;
    qemu)   "$qemu" -accel tcg -m 128 -kernel "$elf" -append "n=$n" -nographic -nic none \
                -device isa-debug-exit,iobase=0xf4 </dev/null >/dev/null 2>&1 ;;
    esac
    rc=$?
    t1=$(now)
    if [ "$rc" -ne 1 ]; then echo fail; return; fi
    echo "$t1 - $t0" | bc -l
}

# Guest MIPS from the difference of a long and a short run.
mips() {
    local engine=$1 elf=$2 ts tl
    ts=$(run_guest "$engine" "$elf" "$n_short")
    tl=$(run_guest "$engine" "$elf" "$n_long")
    if [ "$ts" = fail ] || [ "$tl" = fail ]; then echo fail; return; fi
    echo "($n_long - $n_short) * $insns_per_iter / ($tl - $ts) / 1000000" | bc -l
}

elf="$build/bench/guests/intloop.elf"
echo "benchmark: integer loop ($n_long iterations x $insns_per_iter instructions)"
t=$(mips tandem "$elf")
if [ -n "$qemu" ]; then q=$(mips qemu "$elf"); else q="absent"; fi
printf '  %-28s %s\n' "tandem tcg (guest MIPS)" "$(printf '%.0f' "$t" 2>/dev/null || echo "$t")"
printf '  %-28s %s\n' "qemu tcg (guest MIPS)" "$(printf '%.0f' "$q" 2>/dev/null || echo "$q")"
if [ "$t" != fail ] && [ "$q" != fail ] && [ "$q" != absent ]; then
    printf '  %-28s %.2f\n' "tandem / qemu" "$(echo "$t / $q" | bc -l)"
fi

#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: tandem's benchmarks, each run beside its peers in the same
# invocation, printed as absolute figures and as ratios against the peers.
#   bench/run.sh BUILD
# Environment: BENCH_N (loop iterations of the long run, default 500000000),
# BENCH_RUNS (runs of the integer loop per engine, best kept, default 3),
# BENCH_LINUX=0 (skip the Linux benchmarks, which take minutes).
# Benchmarks: guest MIPS of an integer loop (bare metal); Linux boot time to
# /init and a double-precision matrix multiply inside Linux.
# The peer is Debian's qemu-system-x86_64 under tcg; without it the peer
# columns say so and only tandem's figures are printed.
set -u
build=${1:-build}
n_short=1000000
n_long=${BENCH_N:-500000000}
runs=${BENCH_RUNS:-3}
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

# Guest MIPS from the difference of a long and a short run; the best of
# $runs such pairs, since a single run can lose much to the host (QEMU's
# figure on this loop swings between runs by up to 3x on a shared machine).
mips() {
    local engine=$1 elf=$2 ts tl m best=fail k
    for ((k = 0; k < runs; k++)); do
        ts=$(run_guest "$engine" "$elf" "$n_short")
        tl=$(run_guest "$engine" "$elf" "$n_long")
        if [ "$ts" = fail ] || [ "$tl" = fail ]; then echo fail; return; fi
        m=$(echo "($n_long - $n_short) * $insns_per_iter / ($tl - $ts) / 1000000" | bc -l)
        if [ "$best" = fail ] || [ "$(echo "$m > $best" | bc -l)" = 1 ]; then best=$m; fi
    done
    echo "$best"
}

elf="$build/bench/guests/intloop.elf"
echo "benchmark: integer loop ($n_long iterations x $insns_per_iter instructions, best of $runs)"
t=$(mips tandem "$elf")
if [ -n "$qemu" ]; then q=$(mips qemu "$elf"); else q="absent"; fi
printf '  %-28s %s\n' "tandem tcg (guest MIPS)" "$(printf '%.0f' "$t" 2>/dev/null || echo "$t")"
printf '  %-28s %s\n' "qemu tcg (guest MIPS)" "$(printf '%.0f' "$q" 2>/dev/null || echo "$q")"
if [ "$t" != fail ] && [ "$q" != fail ] && [ "$q" != absent ]; then
    printf '  %-28s %.2f\n' "tandem / qemu" "$(echo "$t / $q" | bc -l)"
fi

[ "${BENCH_LINUX:-1}" = 0 ] && exit 0

# --- Linux: boot time to /init and a floating-point kernel -----------------
# The same Debian cloud kernel and initramfs under tandem and QEMU (tcg,
# one CPU); /init reports the kernel's uptime and runs a double-precision
# matrix multiply that times itself with the guest's clock.
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bench"
cp "$top/bench/linux/test.sh" "$work/root/test.sh"
march=""
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && march=-march=x86-64-v3
gcc -static -O2 $march -o "$work/root/bench/matmul" "$top/bench/linux/matmul.c" || exit 1
native=$("$work/root/bench/matmul" | awk '{print $2}')
read -r kernel initrd < <(IMAGE_NAME=initramfs-bench EXTRA_ROOT="$work/root" \
    "$top/scripts/guest-image.sh" "$build" cloud 2>/dev/null | tail -1)

linux_run() {   # linux_run ENGINE-COMMAND...: prints "UPTIME MATMUL" or "fail fail"
    local out
    out=$(timeout 600 "$@" -m 512 -kernel "$kernel" -initrd "$initrd" \
          -append "console=ttyS0 quiet" -nographic </dev/null 2>/dev/null)
    local up mm
    up=$(grep -a -o 'bench: uptime-at-init [0-9.]*' <<<"$out" | awk '{print $3}')
    mm=$(grep -a -o 'matmul: [0-9.]*' <<<"$out" | awk '{print $2}')
    echo "${up:-fail} ${mm:-fail}"
}

read -r t_up t_mm < <(linux_run "$build/tandem" -accel tcg)
if [ -n "$qemu" ]; then
    # -cpu max: the program uses AVX2/FMA, which QEMU's default CPU lacks.
    read -r q_up q_mm < <(linux_run "$qemu" -accel tcg -cpu max -nic none)
else
    q_up=absent q_mm=absent
fi
echo "benchmark: Linux boot to /init (kernel uptime, s) and a 256x256 double matmul x64 (s)"
printf '  %-28s %s\n' "native matmul" "$native"
printf '  %-28s boot %s  matmul %s\n' "tandem tcg" "$t_up" "$t_mm"
printf '  %-28s boot %s  matmul %s\n' "qemu tcg" "$q_up" "$q_mm"
ratio() { [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && printf '%.2f' "$(echo "$1 / $2" | bc -l)" || echo "n/a"; }
printf '  %-28s %s\n' "boot: tandem / qemu" "$(ratio "$t_up" "$q_up")"
printf '  %-28s %s\n' "matmul: tandem / qemu" "$(ratio "$t_mm" "$q_mm")"
printf '  %-28s %s\n' "matmul: tandem / native" "$(ratio "$t_mm" "$native")"
printf '  %-28s %s\n' "matmul: qemu / native" "$(ratio "$q_mm" "$native")"

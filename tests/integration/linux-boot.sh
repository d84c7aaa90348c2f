#!/bin/bash
# SPDX-License-Identifier: MIT
# Debian's cloud kernel booted directly (-kernel/-initrd/-append, -smp 2) with
# a busybox initramfs whose /test.sh prints what this script then judges
# against the host:
#   - every CPU online (both with the default -smp 2);
#   - the RTC's time within a minute of the host's when the line was printed;
#   - sha256sum of a file of the initramfs equal to the host's;
#   - static C programs (tests/integration/linux-boot/prog.c, and simd.c
#     built for x86-64-v3: x87 long double libm, AVX2/FMA loops, glibc's
#     string routines) printing exactly what they print on the host;
#   - the MTRRs left as firmware leaves them (tandem's direct boot sets
#     them up as SeaBIOS would): Linux programs PAT with write-combining
#     instead of "MTRRs disabled, skipping PAT initialization", and (under
#     tandem) finds every CPU's MTRRs the same;
#   - a clean poweroff: the emulator exits with status 0 by itself.
#   tests/integration/linux-boot.sh BUILD
# Exit 0 pass, 77 skipped (reason on the last line), anything else fail.
#
# Environment:
#   ENGINE=tcg|kvm        the engine (default tcg)
#   KERNEL_FLAVOUR=cloud|generic  Debian's linux-image-cloud-amd64 (default)
#                         or the generic linux-image-amd64
#   EMULATOR=tandem|qemu  qemu runs the same image under qemu-system-x86_64
#                         with the same engine, which proves the checks right
#   LINUX_BOOT_VIA=direct|firmware|cdrom  how the kernel gets in:
#                         direct (default): -kernel/-initrd/-append;
#                         firmware: the same through SeaBIOS and tandem's
#                         loader option ROM (-bios), checking that SeaBIOS
#                         says "Booting from ROM" (QEMU always boots -kernel
#                         that way); cdrom: an ISOLINUX CD built by
#                         scripts/cdrom-image.sh, booted by SeaBIOS from the
#                         ATAPI CD-ROM (-cdrom), checking "Booting from
#                         DVD/CD" and ISOLINUX's BOOT_IMAGE= on the command line
#   LINUX_BOOT_CD_READ=1  also attach the CD (-cdrom) and have Linux read it:
#                         /test.sh loads ata_piix, sr_mod and isofs from
#                         the kernel package, mounts /dev/sr0 and hashes a
#                         file on it, which must equal the host's (the
#                         ATAPI device under Linux's driver, PIO and DMA);
#                         always on with LINUX_BOOT_VIA=cdrom
#   LINUX_BOOT_SMP=N      the number of CPUs (default 2)
#   LINUX_BOOT_TCG=0      skip the run under tandem's tcg (it runs by default)
#   LINUX_BOOT_SLOW_KVM=1 run under kvm even on a host whose KVM emulates
#                         every guest kernel instruction (kvm-pvm): the boot
#                         then takes tens of minutes, so it is skipped unless
#                         asked for.
#   LINUX_BOOT_TIMEOUT=S  the emulator's time limit (default 300, 3600 for
#                         kvm on kvm-pvm)
#   LINUX_BOOT_KEEP=1     keep the console log and staging folder
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" 2>/dev/null && pwd) || { echo "linux-boot: no build folder $1"; exit 1; }
engine=${ENGINE:-tcg}
emulator=${EMULATOR:-tandem}

skip() { echo "linux-boot: skipped: $*"; exit 77; }
fail() { echo "linux-boot: FAIL: $*"; exit 1; }

case $engine in tcg|kvm) ;; *) fail "ENGINE=$engine: tcg or kvm" ;; esac
case $emulator in
qemu)
    emu_cmd=(qemu-system-x86_64 -accel "$engine" -net none)
    command -v qemu-system-x86_64 >/dev/null 2>&1 ||
        skip "qemu-system-x86_64 not installed (Debian package qemu-system-x86)" ;;
tandem)
    emu_cmd=("$build/tandem" -accel "$engine")
    [ -x "$build/tandem" ] || fail "no $build/tandem (make first)"
    if [ "$engine" = tcg ] && [ "${LINUX_BOOT_TCG:-1}" = 0 ]; then
        skip "LINUX_BOOT_TCG=0 given"
    fi ;;
*) fail "EMULATOR=$emulator: tandem or qemu" ;;
esac
via=${LINUX_BOOT_VIA:-direct}
smp=${LINUX_BOOT_SMP:-2}
case $smp in [1-8]) ;; *) fail "LINUX_BOOT_SMP=$smp: 1 to 8" ;; esac
bios=/usr/share/seabios/bios-256k.bin
case $via in
direct) ;;
firmware|cdrom)
    [ -r "$bios" ] || skip "no $bios (Debian package seabios)"
    [ "$via" = firmware ] && [ "$emulator" = tandem ] && emu_cmd+=(-bios "$bios") ;;
*) fail "LINUX_BOOT_VIA=$via: direct, firmware or cdrom" ;;
esac
cd_read=${LINUX_BOOT_CD_READ:-0}
[ "$via" = cdrom ] && cd_read=1
if [ "$cd_read" = 1 ]; then
    command -v xorriso >/dev/null 2>&1 || skip "xorriso not installed (Debian package xorriso)"
    [ -f /usr/lib/ISOLINUX/isolinux.bin ] || skip "no isolinux.bin (Debian package isolinux)"
fi

timeout=${LINUX_BOOT_TIMEOUT:-300}
extra_append=""
if [ "$engine" = kvm ]; then
    [ -e /dev/kvm ] || skip "no /dev/kvm on this host"
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no permission to open /dev/kvm"
    # kvm-pvm (a paravirtual KVM without VT-x/AMD-V) runs guest user code
    # natively but every ring-0 instruction of a stock kernel through KVM's
    # instruction emulator, about 2 million a second: the decompressor alone
    # takes minutes. Correct, but too slow for a default test run.
    if [ -d /sys/module/kvm_pvm ]; then
        [ "${LINUX_BOOT_SLOW_KVM:-0}" = 1 ] ||
            skip "this host's KVM is kvm-pvm, which emulates all guest kernel code (a boot takes tens of minutes); LINUX_BOOT_SLOW_KVM=1 runs it anyway"
        timeout=${LINUX_BOOT_TIMEOUT:-3600}
        # kvm-pvm also shows the guest the host's CPUID whatever tandem
        # sets: keep the kernel's SIMD code (blake2s for the RNG, crypto)
        # off, which that emulator cannot run, likewise CMPXCHG16B (SLUB's
        # lockless freelists) and XSAVE/XRSTOR (the FPU falls back to
        # FXSAVE), and the TSC-deadline timer, whose MSR KVM swallows when
        # the local APIC is tandem's (the tick never comes), from the
        # kernel's own command line.
        extra_append="clearcpuid=ssse3,sse4_1,sse4_2,avx,avx2,avx512f,pclmulqdq,aes,sha_ni,cx16 noxsave lapic=notscdeadline"
    fi
fi
command -v gcc >/dev/null 2>&1 || skip "gcc not installed (needed for the static test program)"

work=$(mktemp -d "${TMPDIR:-/tmp}/linux-boot.XXXXXX") || fail "mktemp"
[ "${LINUX_BOOT_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
t_start=$SECONDS

# --- The initramfs: /test.sh, a file to hash, the static program. ---------
root=$work/root
mkdir -p "$root/testdata"
cp "$top/tests/integration/linux-boot/test.sh" "$root/test.sh"
chmod 755 "$root/test.sh"
head -c 524288 /dev/urandom > "$root/testdata/blob" || fail "cannot make the test file"
host_sha=$(sha256sum "$root/testdata/blob" | cut -d' ' -f1)
gcc -static -O2 -std=gnu11 -Wall -Wextra -Werror -pthread \
    -o "$root/testdata/prog" "$top/tests/integration/linux-boot/prog.c" -lm \
    >"$work/gcc.log" 2>&1 || { cat "$work/gcc.log"; fail "the static test program did not build (libc6-dev?)"; }
# The SIMD program is built for x86-64-v3 (AVX2, FMA, BMI) when the host
# can run it, so the guest runs the same AVX2/FMA code and libm variants.
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo; then
    gcc -static -O2 -march=x86-64-v3 -std=gnu11 -Wall -Wextra -Werror \
        -o "$root/testdata/simd" "$top/tests/integration/linux-boot/simd.c" -lm \
        >"$work/gcc-simd.log" 2>&1 || { cat "$work/gcc-simd.log"; fail "the SIMD test program did not build"; }
else
    echo "linux-boot: the host lacks x86-64-v3; the SIMD program is left out"
fi
{ "$root/testdata/prog" && { [ ! -x "$root/testdata/simd" ] || "$root/testdata/simd"; }; } \
    > "$work/prog.host" || fail "the test programs failed on the host"

flavour=${KERNEL_FLAVOUR:-cloud}
IMAGE_NAME=initramfs-linux-boot-$flavour EXTRA_ROOT=$root "$top/scripts/guest-image.sh" "$build" "$flavour" \
    >"$work/image.out" 2>&1 || { cat "$work/image.out"; fail "scripts/guest-image.sh failed"; }
read -r kernel initrd < <(tail -1 "$work/image.out")
[ -f "${kernel:-}" ] && [ -f "${initrd:-}" ] || { cat "$work/image.out"; fail "no kernel/initramfs built"; }
if [ "$cd_read" = 1 ]; then
    # The CD drivers come from the kernel package guest-image.sh unpacked,
    # so the initramfs is built again with them in /testdata/modules.
    kmods=$(dirname "$kernel")/../lib/modules/$(basename "$kernel" | sed 's/^vmlinuz-//')
    mkdir -p "$root/testdata/modules" "$work/cdroot"
    for m in scsi/scsi_common scsi/scsi_mod cdrom/cdrom ata/libata ata/ata_piix scsi/sr_mod; do
        cp "$kmods/kernel/drivers/$m.ko" "$root/testdata/modules/" || fail "no $m.ko in the kernel package"
    done
    cp "$kmods/kernel/fs/isofs/isofs.ko" "$root/testdata/modules/" || fail "no isofs.ko in the kernel package"
    cp "$root/testdata/blob" "$work/cdroot/blob"
    IMAGE_NAME=initramfs-linux-boot-$flavour EXTRA_ROOT=$root "$top/scripts/guest-image.sh" "$build" "$flavour" \
        >"$work/image.out" 2>&1 || { cat "$work/image.out"; fail "scripts/guest-image.sh failed"; }
    read -r kernel initrd < <(tail -1 "$work/image.out")
fi
append="console=ttyS0 panic=-1${extra_append:+ $extra_append}"
case $via in
cdrom)
    boot_args=()
    how=" from the CD-ROM" ;;
firmware)
    boot_args=(-kernel "$kernel" -initrd "$initrd" -append "$append")
    how=" through SeaBIOS" ;;
*)
    boot_args=(-kernel "$kernel" -initrd "$initrd" -append "$append")
    how="" ;;
esac
if [ "$cd_read" = 1 ]; then
    iso=$(KERNEL=$kernel INITRD=$initrd CDROM_EXTRA=$work/cdroot CDROM_NAME=cdrom-linux-boot-$flavour.iso \
          CDROM_APPEND=$append "$top/scripts/cdrom-image.sh" "$build" "$flavour" 2>"$work/iso.err" | tail -1)
    [ -f "$iso" ] || { cat "$work/iso.err"; fail "scripts/cdrom-image.sh did not build the CD"; }
    boot_args+=(-cdrom "$iso")
    [ "$via" = cdrom ] || how="$how, the CD attached"
fi

# --- Boot. Every console line gets the host's time (epoch seconds) in
# front as it arrives, so the guest's RTC is compared with the host's clock
# at the moment it was read, however slow the boot. ----------------------
log=$work/console.log
stamp_lines() {     # each line of stdin as "EPOCH.FRACTION LINE", carriage returns dropped
    local l
    while IFS= read -r l || [ -n "$l" ]; do
        printf '%s %s\n' "$EPOCHREALTIME" "${l//$'\r'/}"
        # A boot that cannot go on: stop the emulator now, not at the timeout.
        if [ -n "$stop_on" ] && [[ "$l" == *"$stop_on"* ]]; then
            kill "$(cat "$work/emu.pid")" 2>/dev/null
        fi
    done
}
run_emulator() {    # in the pipeline's subshell: its pid becomes timeout's
    echo "$BASHPID" > "$work/emu.pid"
    exec timeout -k 10 "$timeout" "${emu_cmd[@]}" -m 512 -smp "$smp" -nographic -no-reboot "${boot_args[@]}"
}
# ISOLINUX halts when the rest of itself reads back wrong (as it did while
# the CPU ran BSWAP in SeaBIOS's 16-bit INT 13h code wrongly): fail at once.
stop_on=""
[ "$via" = cdrom ] && stop_on="isolinux: Image checksum error"
echo "linux-boot: $emulator -accel $engine -smp $smp$how: $(basename "$kernel"), timeout ${timeout}s"
t_boot=$SECONDS
run_emulator </dev/null 2>&1 | stamp_lines > "$log"
rc=${PIPESTATUS[0]}
boot_time=$((SECONDS - t_boot))
echo "linux-boot: $emulator exited with status $rc after ${boot_time}s"

# --- Judge. ---------------------------------------------------------------
bad=0
check() {   # check OK|FAIL WHAT
    echo "linux-boot: $1 $2"
    [ "$1" = ok ] || bad=$((bad + 1))
}
line() { grep -a -m1 " linux-boot: $1" "$log" | sed 's/^[0-9.]* //'; }

case $via in
firmware)
    grep -a -q 'Booting from ROM' "$log" &&
        check ok "SeaBIOS booted the kernel from the loader ROM" ||
        check FAIL "no 'Booting from ROM' from SeaBIOS on the console" ;;
cdrom)
    cmd=$(line cmdline)
    grep -a -q 'Booting from DVD/CD' "$log" && [[ "$cmd" == "linux-boot: cmdline BOOT_IMAGE=/vmlinuz "* ]] &&
        check ok "SeaBIOS booted the CD-ROM, ISOLINUX the kernel ($cmd)" ||
        check FAIL "no CD boot: 'Booting from DVD/CD' $(grep -a -c 'Booting from DVD/CD' "$log") time(s), '${cmd:-no cmdline line}'" ;;
esac

if [ "$cd_read" = 1 ]; then
    cd_sha=$(line "cd ")
    [ "$cd_sha" = "linux-boot: cd sha256 $host_sha" ] &&
        check ok "Linux read the CD (ata_piix, sr0, iso9660): sha256sum equals the host's" ||
        check FAIL "CD read: '${cd_sha:-no line}', host $host_sha"
fi

cpus=$(line "cpus online")
want_online=0
[ "$smp" -gt 1 ] && want_online=0-$((smp - 1))
[[ "$cpus" == "linux-boot: cpus online $want_online count $smp" ]] &&
    check ok "all $smp CPU(s) online ($cpus)" || check FAIL "CPUs: '${cpus:-no line}' (want $want_online, $smp)"

rtc_line=$(grep -a -m1 " linux-boot: rtc " "$log")
rtc=$(sed -n 's/^[0-9.]* linux-boot: rtc \([0-9][0-9]*\)$/\1/p' <<<"$rtc_line")
if [ -n "$rtc" ]; then
    host_at=${rtc_line%%.*}
    diff=$((rtc - host_at))
    [ "${diff#-}" -le 60 ] && check ok "RTC within a minute of the host (off by ${diff}s)" ||
        check FAIL "RTC $rtc is ${diff}s away from the host's $host_at"
else
    check FAIL "RTC: '${rtc_line:-no line}'"
fi

# shellcheck source=linux-boot/judge.sh
. "$top/tests/integration/linux-boot/judge.sh"
sed 's/^[0-9.]* //' "$log" > "$work/console.lines"
linux_boot_judge_data "$work/console.lines" "$host_sha" "$work/prog.host" "$work/prog.guest"

pat=$(grep -a -m1 -o 'x86/PAT: .*' "$log" | tr -s ' ')
mtrr_bad=$(grep -a -m1 -o 'x86/PAT: MTRRs disabled.*\|mtrr: your CPUs had inconsistent.*' "$log")
# QEMU's tcg does not copy SeaBIOS's MTRRs to the other CPUs (INIT clears
# them there), so only tandem is held to "consistent".
[ "$emulator" = qemu ] && mtrr_bad=$(grep -a -m1 -o 'x86/PAT: MTRRs disabled.*' "$log")
[ "$pat" = "x86/PAT: Configuration [0-7]: WB WC UC- UC WB WP UC- WT " ] && [ -z "$mtrr_bad" ] &&
    check ok "MTRRs as firmware leaves them: $pat" ||
    check FAIL "MTRR/PAT: '${pat:-no PAT line}'${mtrr_bad:+, '$mtrr_bad'}"

[ -n "$(line done)" ] && [ "$rc" -eq 0 ] && check ok "clean poweroff: $emulator exited 0" ||
    check FAIL "no clean poweroff (status $rc$([ "$rc" = 124 ] && echo ', timed out'))"

up=$(line uptime)
[ -n "$up" ] && echo "linux-boot: guest uptime at the end ${up#linux-boot: uptime }s"
if [ "$bad" -ne 0 ]; then
    echo "linux-boot: --- console tail ---"
    tail -40 "$log" | sed 's/^[0-9.]* //'
    echo "linux-boot: --- end of console ---"
    fail "$bad check(s) failed ($emulator -accel $engine, $((SECONDS - t_start))s)"
fi
echo "linux-boot: all checks passed under $emulator -accel $engine ($((SECONDS - t_start))s)"

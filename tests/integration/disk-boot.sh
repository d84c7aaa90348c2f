#!/bin/bash
# SPDX-License-Identifier: MIT
# Firmware boot from a disk: scripts/disk-image.sh builds a raw disk whose
# MBR (syslinux-common's mbr.bin) starts SYSLINUX, which loads Debian's cloud
# kernel and an initramfs; the PC boots it with no -kernel at all, through
# SeaBIOS (-hda DISK). The guest's /test.sh checks that it came that way
# (the boot loader's BOOT_IMAGE= on the command line) and powers off; the
# emulator must then exit 0 by itself.
#   tests/integration/disk-boot.sh BUILD
# Exit 0 pass, 77 skipped (reason on the last line), anything else fail.
#
# Environment: ENGINE, EMULATOR, LINUX_BOOT_TCG, LINUX_BOOT_SLOW_KVM and
# LINUX_BOOT_KEEP as for linux-boot.sh (tandem's tcg run is opt-in until
# its CPU boots Linux); DISK_BOOT_TIMEOUT=S the emulator's time limit
# (default 300, 3600 for kvm on kvm-pvm).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" 2>/dev/null && pwd) || { echo "disk-boot: no build folder $1"; exit 1; }
engine=${ENGINE:-tcg}
emulator=${EMULATOR:-tandem}

skip() { echo "disk-boot: skipped: $*"; exit 77; }
fail() { echo "disk-boot: FAIL: $*"; exit 1; }

case $engine in tcg|kvm) ;; *) fail "ENGINE=$engine: tcg or kvm" ;; esac
case $emulator in
qemu)
    command -v qemu-system-x86_64 >/dev/null 2>&1 ||
        skip "qemu-system-x86_64 not installed (Debian package qemu-system-x86)"
    emu_cmd=(qemu-system-x86_64 -accel "$engine" -net none) ;;
tandem)
    [ -x "$build/tandem" ] || fail "no $build/tandem (make first)"
    [ "$engine" = tcg ] && [ "${LINUX_BOOT_TCG:-1}" = 0 ] &&
        skip "LINUX_BOOT_TCG=0 given"
    emu_cmd=("$build/tandem" -accel "$engine") ;;
*) fail "EMULATOR=$emulator: tandem or qemu" ;;
esac
timeout=${DISK_BOOT_TIMEOUT:-300}
extra_append=""     # see linux-boot.sh: kvm-pvm needs the guest's SIMD off
if [ "$engine" = kvm ]; then
    [ -e /dev/kvm ] || skip "no /dev/kvm on this host"
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no permission to open /dev/kvm"
    if [ -d /sys/module/kvm_pvm ]; then     # see linux-boot.sh
        [ "${LINUX_BOOT_SLOW_KVM:-0}" = 1 ] ||
            skip "this host's KVM is kvm-pvm, which emulates all guest kernel code (a boot takes tens of minutes); LINUX_BOOT_SLOW_KVM=1 runs it anyway"
        timeout=${DISK_BOOT_TIMEOUT:-3600}
        extra_append="clearcpuid=ssse3,sse4_1,sse4_2,avx,avx2,avx512f,pclmulqdq,aes,sha_ni lapic=notscdeadline"
    fi
fi
for t in syslinux:syslinux mcopy:mtools mkfs.vfat:dosfstools; do
    command -v "${t%%:*}" >/dev/null 2>&1 || skip "${t%%:*} not installed (Debian package ${t#*:})"
done
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || skip "no mbr.bin (Debian package syslinux-common)"
[ -f /usr/share/seabios/bios-256k.bin ] || skip "no SeaBIOS (Debian package seabios)"

work=$(mktemp -d "${TMPDIR:-/tmp}/disk-boot.XXXXXX") || fail "mktemp"
[ "${LINUX_BOOT_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
t_start=$SECONDS

mkdir -p "$work/root"
cat > "$work/root/test.sh" <<'EOF'
#!/bin/sh
# Booted by SYSLINUX from the disk: it puts BOOT_IMAGE= on the command line.
echo "disk-boot: cmdline $(cat /proc/cmdline)"
echo "disk-boot: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
echo "disk-boot: done"
EOF
chmod 755 "$work/root/test.sh"
disk=$(IMAGE_NAME=initramfs-disk-boot EXTRA_ROOT=$work/root DISK_NAME=disk-boot.img \
       DISK_APPEND="console=ttyS0 panic=-1${extra_append:+ $extra_append}" "$top/scripts/disk-image.sh" "$build" cloud 2>"$work/image.err" | tail -1)
[ -f "$disk" ] || { cat "$work/image.err"; fail "scripts/disk-image.sh did not build the disk"; }

log=$work/console.log
echo "disk-boot: $emulator -accel $engine -hda $(basename "$disk") ($(du -k "$disk" | cut -f1) KiB), timeout ${timeout}s"
timeout -k 10 "$timeout" "${emu_cmd[@]}" -m 512 -nographic -no-reboot \
    -drive "file=$disk,format=raw,if=ide" </dev/null >"$log" 2>&1
rc=$?
tr -d '\r' < "$log" > "$log.txt"
echo "disk-boot: $emulator exited with status $rc after $((SECONDS - t_start))s"

bad=0
grep -a -q '^disk-boot: cmdline BOOT_IMAGE=/vmlinuz' "$log.txt" &&
    echo "disk-boot: ok the kernel came from the disk through SYSLINUX" ||
    { echo "disk-boot: FAIL no 'BOOT_IMAGE=/vmlinuz' command line from the guest"; bad=$((bad + 1)); }
grep -a -q '^disk-boot: done' "$log.txt" && [ "$rc" -eq 0 ] &&
    echo "disk-boot: ok clean poweroff: $emulator exited 0" ||
    { echo "disk-boot: FAIL no clean poweroff (status $rc)"; bad=$((bad + 1)); }
if [ "$bad" -ne 0 ]; then
    echo "disk-boot: --- console tail ---"
    tail -40 "$log.txt"
    echo "disk-boot: --- end of console ---"
    fail "$bad check(s) failed"
fi
echo "disk-boot: passed under $emulator -accel $engine ($((SECONDS - t_start))s)"

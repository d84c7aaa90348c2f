#!/bin/bash
# SPDX-License-Identifier: MIT
# The kvm engine on real KVM, on a host with no /dev/kvm at all: boot Debian's
# cloud kernel in QEMU's tcg with SVM (-cpu qemu64,+svm), load irqbypass.ko,
# kvm.ko and kvm-amd.ko nested=1 from the same kernel package inside it, and
# run a static tandem there with "-accel kvm" on every bare-metal test guest.
# Each guest must pass there as it does under tcg on this host.
#   tests/integration/kvm-nested.sh BUILD
# Exit 0 pass, 77 skipped only when QEMU itself is missing (reason on the last
# line), anything else fail (with the guest's console tail).
#
# Environment:
#   TANDEM_STATIC=FILE       a static tandem to use instead of building one in
#                            BUILD/images/static (BUILD's own if it is static)
#   KVM_NESTED_LINUX=1       also boot the cloud kernel under tandem -accel kvm
#                            inside the QEMU guest (slow: shadow paging nested
#                            in tcg; raises the outer guest's RAM)
#   KVM_NESTED_TIMEOUT=SECS  QEMU's time limit (default 480, 1500 with LINUX)
#   KVM_NESTED_KEEP=1        keep the console log and staging folder
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" 2>/dev/null && pwd) || { echo "kvm-nested: no build folder $1"; exit 1; }

qemu=qemu-system-x86_64
command -v "$qemu" >/dev/null 2>&1 || {
    echo "kvm-nested: skipped: $qemu not installed (Debian package qemu-system-x86)"; exit 77; }

fail() { echo "kvm-nested: FAIL: $*"; exit 1; }
t_start=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-nested.XXXXXX") || fail "mktemp"
[ "${KVM_NESTED_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

shopt -s nullglob
guests=("$build"/tests/guests/*.elf)
[ ${#guests[@]} -gt 0 ] || fail "no bare-metal guests built in $build/tests/guests (make all)"

# --- 1. A static tandem: the guest's initramfs has no libraries at all. ----
# Built in BUILD/images/static: the Makefile's dependency scan skips images/,
# and configure's output is only replaced when it changes, so a rerun only
# relinks what changed.
if [ -n "${TANDEM_STATIC:-}" ]; then
    tandem_static=$TANDEM_STATIC
elif grep -q '^CONFIG_STATIC := yes' "$build/config.mak" 2>/dev/null; then
    tandem_static=$build/tandem
else
    sdir=$build/images/static
    mkdir -p "$sdir"
    (cd "$top" && ./configure --static --builddir="$work/cfg") >"$work/static.log" 2>&1 ||
        { tail -20 "$work/static.log"; fail "./configure --static failed"; }
    cmp -s "$work/cfg/config.mak" "$sdir/config.mak" || cp "$work/cfg/config.mak" "$sdir/config.mak"
    # Not part of the caller's make: its jobserver is not ours to share.
    (cd "$top" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
        make -j"$(nproc)" BUILD="$sdir" "$sdir/tandem") >>"$work/static.log" 2>&1 ||
        { tail -30 "$work/static.log"; fail "the static tandem did not build"; }
    tandem_static=$sdir/tandem
fi
[ -x "$tandem_static" ] || fail "no static tandem at $tandem_static"
if ! file -L "$tandem_static" 2>/dev/null | grep -q 'statically linked'; then
    # `file` may be absent; ldd then tells the same thing.
    ldd "$tandem_static" 2>&1 | grep -q 'not a dynamic executable' ||
        fail "$tandem_static is not statically linked"
fi
echo "kvm-nested: static tandem $tandem_static ($((SECONDS - t_start))s so far)"

# --- 2. The same guests under tcg on this host: the results to match. -----
wrap=$work/tcg
mkdir -p "$wrap"
printf '#!/bin/sh\nexec "%s" -accel tcg "$@"\n' "$tandem_static" > "$wrap/tandem"
chmod +x "$wrap/tandem"
declare -A tcg_result
for elf in "${guests[@]}"; do
    name=$(basename "$elf" .elf)
    if "$top/tests/guests/run-guest.sh" "$wrap" "$elf" >"$work/tcg-$name.log" 2>&1; then
        tcg_result[$name]=PASS
    else
        tcg_result[$name]=FAIL
    fi
done

# --- 3. The kernel, its KVM modules, and the initramfs. ------------------
image() {   # image NAME [EXTRA_ROOT]: prints "KERNEL INITRD"
    IMAGE_NAME=$1 EXTRA_ROOT=${2:-} "$top/scripts/guest-image.sh" "$build" cloud \
        2>"$work/image.err" | tail -1
}
# The inner Linux's initramfs (used by KVM_NESTED_LINUX); building it also
# fetches and unpacks the kernel package the modules come from.
inner=$work/inner
mkdir -p "$inner"
cat > "$inner/test.sh" <<'EOF'
#!/bin/sh
# Linux under tandem -accel kvm, inside QEMU: the basic checks of a booted system.
ok=1
grep -q ' /proc ' /proc/mounts || { echo "inner-linux: /proc not mounted"; ok=0; }
[ -c /dev/null ] || { echo "inner-linux: no /dev/null"; ok=0; }
echo "inner-linux: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPU(s), $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
[ "$ok" = 1 ] && echo "inner-linux: ok"
EOF
chmod +x "$inner/test.sh"
read -r kernel inner_initrd < <(image initramfs-kvm-nested-inner "$inner")
[ -n "${kernel:-}" ] && [ -f "$kernel" ] ||
    { cat "$work/image.err"; fail "scripts/guest-image.sh did not give a kernel"; }
kdir=$(dirname "$(dirname "$kernel")")      # the unpacked kernel package
mdir=$(ls -d "$kdir"/lib/modules/*/kernel 2>/dev/null | head -1)
[ -n "$mdir" ] || fail "no modules in $kdir/lib/modules"

root=$work/root
mkdir -p "$root/kvm" "$root/tandem/guests" "$root/usr/share/seabios"
# busybox insmod loads plain ELF only: unpack .ko.xz / .ko.zst.
for m in virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-amd; do
    base=$(basename "$m")
    if [ -f "$mdir/$m.ko" ]; then
        cp "$mdir/$m.ko" "$root/kvm/$base.ko"
    elif [ -f "$mdir/$m.ko.xz" ]; then
        xz -dc "$mdir/$m.ko.xz" > "$root/kvm/$base.ko"
    elif [ -f "$mdir/$m.ko.zst" ]; then
        zstd -qdc "$mdir/$m.ko.zst" > "$root/kvm/$base.ko"
    else
        fail "no $m.ko(.xz|.zst) under $mdir"
    fi || fail "cannot unpack $m"
done
strip -o "$root/tandem/tandem" "$tandem_static" 2>/dev/null || cp "$tandem_static" "$root/tandem/tandem"
cp "$top/tests/integration/kvm-nested/run-guest.sh" "$root/tandem/run-guest.sh"
cp "$top/tests/integration/kvm-nested/test.sh" "$root/test.sh"
for elf in "${guests[@]}"; do
    name=$(basename "$elf" .elf)
    cp "$elf" "$root/tandem/guests/"
    for ext in args expect out.expect; do
        [ -f "$top/tests/guests/$name.$ext" ] && cp "$top/tests/guests/$name.$ext" "$root/tandem/guests/"
    done
done
# The firmware tandem looks for by default, so the inner PC is the host's.
for f in bios-256k.bin vgabios-stdvga.bin; do
    [ -f "/usr/share/seabios/$f" ] && cp "/usr/share/seabios/$f" "$root/usr/share/seabios/"
done
mem=1024
timeout=${KVM_NESTED_TIMEOUT:-480}
if [ "${KVM_NESTED_LINUX:-0}" = 1 ]; then
    mkdir -p "$root/tandem/linux"
    cp "$kernel" "$root/tandem/linux/vmlinuz"
    cp "$inner_initrd" "$root/tandem/linux/initrd.gz"
    mem=2048
    timeout=${KVM_NESTED_TIMEOUT:-1500}
fi
read -r kernel initrd < <(image initramfs-kvm-nested "$root")
[ -n "${initrd:-}" ] && [ -f "$initrd" ] ||
    { cat "$work/image.err"; fail "scripts/guest-image.sh did not build the initramfs"; }
echo "kvm-nested: $(basename "$kernel"), initramfs $(du -k "$initrd" | cut -f1) KiB," \
     "${#guests[@]} guests$([ "${KVM_NESTED_LINUX:-0}" = 1 ] && echo ' + Linux boot')" \
     "($((SECONDS - t_start))s so far)"

# --- 4. Boot it in QEMU's tcg with SVM. ------------------------------------
log=$work/console.log
t_qemu=$SECONDS
timeout -k 10 "$timeout" "$qemu" -accel tcg -cpu qemu64,+svm -m "$mem" -smp 1 \
    -nographic -no-reboot -net none -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 LINUX_TIMEOUT=$((timeout - 120))" </dev/null >"$log" 2>&1
qrc=$?
tr -d '\r' < "$log" > "$log.txt"
echo "kvm-nested: QEMU exited with status $qrc after $((SECONDS - t_qemu))s"
grep '^nested: ' "$log.txt" | sed 's/^/  /'

# --- 5. Judge: every guest passed inside, as under tcg here. ---------------
bad=0
for elf in "${guests[@]}"; do
    name=$(basename "$elf" .elf)
    nested=MISSING
    grep -q "^nested: PASS guest $name " "$log.txt" && nested=PASS
    grep -q "^nested: FAIL guest $name " "$log.txt" && nested=FAIL
    note=""
    grep -qw -- '-accel' "$top/tests/guests/$name.args" 2>/dev/null &&
        note=" (its .args choose: $(grep -o -- '-accel [a-z:]*' "$top/tests/guests/$name.args"))"
    printf 'kvm-nested: %-20s tcg here: %-4s  kvm nested: %s%s\n' \
        "$name" "${tcg_result[$name]}" "$nested" "$note"
    if [ "$nested" != PASS ] || [ "${tcg_result[$name]}" != PASS ]; then
        bad=$((bad + 1))
        [ "${tcg_result[$name]}" != PASS ] && tail -15 "$work/tcg-$name.log" | sed 's/^/    tcg| /'
    fi
done
if [ "${KVM_NESTED_LINUX:-0}" = 1 ] && ! grep -q '^nested: PASS linux-boot' "$log.txt"; then
    echo "kvm-nested: linux-boot under tandem -accel kvm did not pass"
    bad=$((bad + 1))
fi
grep -q '^nested: done' "$log.txt" || { echo "kvm-nested: the guest's /test.sh did not finish"; bad=$((bad + 1)); }
if [ "$bad" -ne 0 ] || [ "$qrc" -ne 0 ]; then
    echo "kvm-nested: --- console tail ---"
    tail -60 "$log.txt"
    echo "kvm-nested: --- end of console ---"
    fail "$bad check(s) failed, QEMU status $qrc (total $((SECONDS - t_start))s)"
fi
echo "kvm-nested: all ${#guests[@]} guests passed under tandem -accel kvm in nested KVM" \
     "(total $((SECONDS - t_start))s)"

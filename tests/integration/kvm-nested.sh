#!/bin/bash
# SPDX-License-Identifier: MIT
# The kvm engine on real KVM, on a host with no /dev/kvm at all: boot Debian's
# cloud kernel in QEMU's tcg with SVM (-cpu qemu64,+svm), load irqbypass.ko,
# kvm.ko and kvm-amd.ko nested=1 from the same kernel package inside it, and
# run a static tandem there with "-accel kvm":
#   - on every bare-metal test guest: each must pass as under tcg here;
#   - on the cpuid guest again with "-cpu tandem,+svm": the guest must see
#     SVM (CPUID 0x80000001 ECX bit 2) and an AMD vendor, so that its own
#     kvm-amd could load;
#   - on the cloud kernel with a small initramfs running the Linux boot
#     test's /test.sh (tests/integration/linux-boot/): the same checks as
#     linux-boot.sh makes (CPUs, sha256 of a file, a static program's output
#     equal to the host's, clean poweroff), with -smp 1 (nested shadow
#     paging inside tcg is slow; see the timings printed).
#   tests/integration/kvm-nested.sh BUILD
# Exit 0 pass, 77 skipped only when QEMU itself is missing (reason on the last
# line), anything else fail (with the guest's console tail).
#
# Environment:
#   TANDEM_STATIC=FILE       a static tandem to use instead of building one in
#                            BUILD/images/static (BUILD's own if it is static)
#   KVM_NESTED_LINUX=0       leave out the Linux boot under tandem -accel kvm
#   KVM_NESTED_TIMEOUT=SECS  QEMU's time limit (default 300, 900 with Linux)
#   KVM_NESTED_IRQCHIP=MODE  run every inner tandem with -accel kvm,kernel-irqchip=MODE
#                            (split or off; default: tandem's default)
#   KVM_NESTED_COMPARE=1     then boot Linux three times with each irqchip,
#                            alternately, and print the times (not judged)
#   KVM_NESTED_SVM=1         nested inside nested: the inner Linux runs with
#                            -cpu tandem,+svm and must load kvm-amd itself
#                            and get /dev/kvm (about a minute more)
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
# The inner Linux's initramfs: the Linux boot test's /test.sh with a smaller
# file to hash and the same static program, whose output on this host is
# what the guest must print. Building it also fetches and unpacks the kernel
# package the modules come from.
linux=${KVM_NESTED_LINUX:-1}
inner=$work/inner
mkdir -p "$inner/testdata"
cp "$top/tests/integration/linux-boot/test.sh" "$inner/test.sh"
chmod 755 "$inner/test.sh"
svm=${KVM_NESTED_SVM:-0}
[ "$svm" = 1 ] && [ "$linux" != 1 ] && fail "KVM_NESTED_SVM=1 needs the Linux boot (KVM_NESTED_LINUX=1)"
head -c 65536 /dev/urandom > "$inner/testdata/blob" || fail "cannot make the test file"
host_sha=$(sha256sum "$inner/testdata/blob" | cut -d' ' -f1)
if [ "$linux" = 1 ]; then
    gcc -static -O2 -std=gnu11 -Wall -Wextra -Werror -pthread \
        -o "$inner/testdata/prog" "$top/tests/integration/linux-boot/prog.c" -lm \
        >"$work/gcc.log" 2>&1 || { cat "$work/gcc.log"; fail "the static test program did not build (libc6-dev?)"; }
    "$inner/testdata/prog" > "$work/prog.host" || fail "the test program failed on the host"
fi
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
if [ "$svm" = 1 ]; then
    # The inner Linux gets the same modules and loads them after the Linux
    # boot test's checks; its initramfs is built again with them.
    mv "$inner/test.sh" "$inner/linux-boot-test.sh"
    cp -r "$root/kvm" "$inner/kvm"
    cat > "$inner/test.sh" <<'EOS'
#!/bin/sh
/linux-boot-test.sh
for m in irqbypass kvm kvm-amd; do
    insmod "/kvm/$m.ko" || echo "nested-svm: insmod $m failed"
done
if [ -c /dev/kvm ]; then
    echo "nested-svm: /dev/kvm present ($(grep -c -w svm /proc/cpuinfo) CPU(s) with svm)"
else
    echo "nested-svm: no /dev/kvm"; dmesg | grep -i -E 'kvm|svm' | tail -5
fi
EOS
    chmod 755 "$inner/test.sh"
    read -r kernel inner_initrd < <(image initramfs-kvm-nested-inner "$inner")
    [ -f "${inner_initrd:-}" ] || { cat "$work/image.err"; fail "the inner initramfs did not build again"; }
fi
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
timeout=${KVM_NESTED_TIMEOUT:-300}
if [ "$linux" = 1 ]; then
    mkdir -p "$root/tandem/linux"
    cp "$kernel" "$root/tandem/linux/vmlinuz"
    cp "$inner_initrd" "$root/tandem/linux/initrd.gz"
    mem=2048
    timeout=${KVM_NESTED_TIMEOUT:-900}
fi
read -r kernel initrd < <(image initramfs-kvm-nested "$root")
[ -n "${initrd:-}" ] && [ -f "$initrd" ] ||
    { cat "$work/image.err"; fail "scripts/guest-image.sh did not build the initramfs"; }
echo "kvm-nested: $(basename "$kernel"), initramfs $(du -k "$initrd" | cut -f1) KiB," \
     "${#guests[@]} guests$([ "$linux" = 1 ] && echo ' + Linux boot')" \
     "($((SECONDS - t_start))s so far)"

# --- 4. Boot it in QEMU's tcg with SVM. ------------------------------------
log=$work/console.log
# The outer kernel hands unknown "NAME=value" words to init as environment.
accel_env=""
case ${KVM_NESTED_IRQCHIP:-} in
"") ;;
split|off) accel_env=" TANDEM_ACCEL=kvm,kernel-irqchip=$KVM_NESTED_IRQCHIP"
           echo "kvm-nested: inner tandem runs with -accel kvm,kernel-irqchip=$KVM_NESTED_IRQCHIP" ;;
*) fail "KVM_NESTED_IRQCHIP=$KVM_NESTED_IRQCHIP: split or off" ;;
esac
[ "$svm" = 1 ] && accel_env="$accel_env INNER_CPU=tandem,+svm"
if [ "${KVM_NESTED_COMPARE:-0}" = 1 ] && [ "$linux" = 1 ]; then
    accel_env="$accel_env IRQCHIP_COMPARE=1"
    timeout=$((timeout + 900))
fi
t_qemu=$SECONDS
timeout -k 10 "$timeout" "$qemu" -accel tcg -cpu qemu64,+svm -m "$mem" -smp 1 \
    -nographic -no-reboot -net none -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 LINUX_TIMEOUT=$((timeout - 120))$accel_env" \
    </dev/null >"$log" 2>&1
qrc=$?
tr -d '\r' < "$log" > "$log.txt"
echo "kvm-nested: QEMU exited with status $qrc after $((SECONDS - t_qemu))s"
grep '^nested: ' "$log.txt" | sed 's/^/  /'

# --- 5. Judge: every guest passed inside, as under tcg here. ---------------
bad=0
failed=""      # what failed, repeated on the last line (the part a test log keeps)
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
        failed="$failed; guest $name (tcg here ${tcg_result[$name]}, kvm nested $nested)"
        [ "${tcg_result[$name]}" != PASS ] && tail -15 "$work/tcg-$name.log" | sed 's/^/    tcg| /'
    fi
done
check() {   # check ok|FAIL WHAT
    echo "kvm-nested: $1 $2"
    [ "$1" = ok ] || { bad=$((bad + 1)); failed="$failed; $2"; }
}
if [ -f "$build/tests/guests/cpuid.elf" ]; then
    svm=$(grep -a -m1 '^nested: .* cpu-svm' "$log.txt")
    [[ "$svm" == "nested: PASS cpu-svm"* ]] &&
        check ok "-cpu tandem,+svm under nested KVM: the guest sees SVM and AuthenticAMD" ||
        check FAIL "-cpu tandem,+svm: '${svm:-no cpu-svm line}'"
fi
if [ -f "$build/tests/guests/smp.elf" ]; then
    ns=$(grep -a -m1 '^nested: .* smp-svm' "$log.txt")
    [[ "$ns" == "nested: PASS smp-svm"* ]] &&
        check ok "-cpu tandem,+svm -smp 2: INIT/SIPI with nested state saved and reset" ||
        check FAIL "-cpu tandem,+svm -smp 2: '${ns:-no smp-svm line}'"
fi
if [ "$linux" = 1 ]; then
    # The inner console's "linux-boot:" lines, judged as linux-boot.sh does.
    sed -n 's/^    inner| //p' "$log.txt" > "$work/inner.txt"
    line() { grep -a -m1 "^linux-boot: $1" "$work/inner.txt"; }
    cpus=$(line "cpus online")
    [ "$cpus" = "linux-boot: cpus online 0 count 1" ] &&
        check ok "Linux: its CPU online ($cpus)" || check FAIL "Linux CPUs: '${cpus:-no line}'"
    # shellcheck source=linux-boot/judge.sh
    . "$top/tests/integration/linux-boot/judge.sh"
    linux_boot_judge_data "$work/inner.txt" "$host_sha" "$work/prog.host" "$work/prog.guest" "Linux: "
    if [ "$svm" = 1 ]; then
        ns=$(grep -a -m1 '^nested-svm: ' "$work/inner.txt")
        [[ "$ns" == "nested-svm: /dev/kvm present"* ]] &&
            check ok "Linux with -cpu tandem,+svm loaded kvm-amd itself: ${ns#nested-svm: }" ||
            check FAIL "nested inside nested: '${ns:-no nested-svm line}'"
    fi
    lb=$(grep -a -m1 '^nested: .* linux-boot' "$log.txt")
    [[ "$lb" == "nested: PASS linux-boot"* ]] &&
        check ok "Linux: /test.sh done, clean poweroff ${lb#nested: PASS linux-boot }" ||
        check FAIL "Linux: '${lb:-no linux-boot line}'"
fi
grep -q '^nested: done' "$log.txt" ||
    { echo "kvm-nested: the guest's /test.sh did not finish"; bad=$((bad + 1)); failed="$failed; /test.sh unfinished"; }
if [ "$bad" -ne 0 ] || [ "$qrc" -ne 0 ]; then
    echo "kvm-nested: --- console tail ---"
    tail -60 "$log.txt"
    echo "kvm-nested: --- end of console ---"
    fail "$bad check(s) failed${failed:+ (${failed#; })}, QEMU status $qrc (total $((SECONDS - t_start))s)"
fi
echo "kvm-nested: all ${#guests[@]} guests$([ "$linux" = 1 ] && echo ' and Linux') passed" \
     "under tandem -accel kvm in nested KVM (total $((SECONDS - t_start))s)"

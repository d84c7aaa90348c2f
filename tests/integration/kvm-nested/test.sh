#!/bin/sh
# SPDX-License-Identifier: MIT
# /test.sh of the nested-KVM test's initramfs (busybox sh; scripts/guest-init.sh
# runs it, then powers off). This Linux runs in QEMU's tcg with SVM: load
# Debian's KVM modules with nested=1, check that /dev/kvm appears, run every
# bare-metal guest with "tandem -accel kvm", and, when the image carries a
# kernel for it, boot Linux under tandem -accel kvm too. Every result is a
# line starting with "nested: "; kvm-nested.sh on the host reads them from
# the serial console and judges.
set -u
say() { echo "nested: $*"; }
now() { cut -d' ' -f1 /proc/uptime; }           # seconds, 1/100 resolution
since() { echo "$1 $(now)" | awk '{ printf "%.1f", $2 - $1 }'; }
indent() { tail -n "$1" | sed 's/^/    | /'; }

say "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)," \
    "svm in cpuinfo: $(grep -qw svm /proc/cpuinfo && echo yes || echo no)," \
    "tandem -accel ${TANDEM_ACCEL:-kvm}"

# Same kernel package as this kernel; busybox insmod does not resolve
# dependencies, so the three go in by hand, in order.
load() {   # load MODULE [PARAM=VALUE...]
    m=$1; shift
    if out=$(insmod "/kvm/$m.ko" "$@" 2>&1); then
        say "insmod $m${*:+ $*}: ok"
    else
        say "insmod $m${*:+ $*}: FAILED: $out"
    fi
}
load irqbypass
load kvm
load kvm-amd nested=1
if [ ! -c /dev/kvm ]; then
    say "FAIL /dev/kvm did not appear"
    dmesg | grep -i -E 'kvm|svm' | indent 20
    say "done"
    exit 1
fi
p=/sys/module/kvm_amd/parameters
say "/dev/kvm present (kvm_amd nested=$(cat $p/nested 2>/dev/null)" \
    "npt=$(cat $p/npt 2>/dev/null))"

# The bare-metal guests, judged as on the host (run-guest.sh).
run=0 passed=0 failed=0
for elf in /tandem/guests/*.elf; do
    [ -e "$elf" ] || continue
    name=$(basename "$elf" .elf)
    t0=$(now)
    out=$(/tandem/run-guest.sh /tandem/guests "$name" 2>&1)
    rc=$?
    run=$((run + 1))
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        say "PASS guest $name ($(since "$t0")s)"
    else
        failed=$((failed + 1))
        say "FAIL guest $name ($(since "$t0")s)"
        printf '%s\n' "$out" | indent 25
    fi
done
say "guests: $run run, $passed passed, $failed failed"

# Nested virtualization for tandem's guest: "-cpu ...,+svm" must reach its
# CPUID (KVM offers SVM here because kvm-amd runs with nested=1).
if [ -f /tandem/guests/cpuid.elf ]; then
    t0=$(now)
    out=$(timeout 60 /tandem/tandem -accel "${TANDEM_ACCEL:-kvm}" -cpu tandem,+svm -nographic \
          -kernel /tandem/guests/cpuid.elf -device isa-debug-exit,iobase=0xf4 </dev/null 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q '^svm: yes' &&
       printf '%s\n' "$out" | grep -q 'vendor AuthenticAMD'; then
        say "PASS cpu-svm ($(since "$t0")s): $(printf '%s\n' "$out" | grep '^svm leaf')"
    else
        say "FAIL cpu-svm (status $rc)"
        printf '%s\n' "$out" | indent 10
    fi
fi
# With SVM the engine carries the vCPU's nested state (KVM_GET/SET_NESTED_STATE)
# through every full state transfer; INIT makes one on CPU 1 and must reset it.
if [ -f /tandem/guests/smp.elf ]; then
    out=$(GUEST_TIMEOUT=60 TANDEM_EXTRA="-cpu tandem,+svm" /tandem/run-guest.sh /tandem/guests smp 2>&1)
    if [ $? -eq 0 ]; then
        say "PASS smp-svm"
    else
        say "FAIL smp-svm"
        printf '%s\n' "$out" | indent 10
    fi
fi

# Linux under tandem -accel kvm (only when kvm-nested.sh packed a kernel),
# running the Linux boot test's /test.sh; the host judges its "linux-boot:"
# lines. Its console streams through, prefixed, so a hang shows how far it
# got. LINUX_TIMEOUT comes from the outer kernel's command line (init's
# env). "-d cpu" makes a kvm vCPU that is stopped by the timeout print its
# registers.
if [ -f /tandem/linux/vmlinuz ]; then
    t0=$(now)
    { timeout "${LINUX_TIMEOUT:-600}" /tandem/tandem -accel "${TANDEM_ACCEL:-kvm}" \
          ${INNER_CPU:+-cpu "$INNER_CPU"} -d cpu -m 256 -smp 1 \
          -kernel /tandem/linux/vmlinuz -initrd /tandem/linux/initrd.gz \
          -append "console=ttyS0 panic=-1" -nographic -no-reboot </dev/null 2>&1
      echo "tandem-status $?"; } | tee /tmp/linux.out | sed 's/^/    inner| /'
    st=$(sed -n 's/^tandem-status //p' /tmp/linux.out)
    if [ "$st" = 0 ] && grep -q '^linux-boot: done' /tmp/linux.out; then
        say "PASS linux-boot ($(since "$t0")s, tandem status 0)"
    else
        say "FAIL linux-boot ($(since "$t0")s, tandem status ${st:-none})"
    fi
fi
# KVM_NESTED_COMPARE=1 on the host: the same Linux boot with each irqchip,
# alternately, in this one guest (so both see the same load), for the cost
# of each; nothing is judged.
if [ -f /tandem/linux/vmlinuz ] && [ "${IRQCHIP_COMPARE:-0}" = 1 ]; then
    poll=/sys/module/kvm/parameters/halt_poll_ns
    poll_ns=$(cat $poll 2>/dev/null)
    for mode in split off split-nopoll split off split-nopoll; do
        # split-nopoll: the kernel's APIC without KVM's halt polling, which
        # spins where this guest has a single CPU for all of tandem.
        [ "$mode" = split-nopoll ] && echo 0 > $poll
        t0=$(now)
        time -f "%e %U %S" -o /tmp/time.out \
            timeout "${LINUX_TIMEOUT:-600}" /tandem/tandem -accel kvm,kernel-irqchip=${mode%-nopoll} \
            -d cpu -m 256 -smp 1 -kernel /tandem/linux/vmlinuz -initrd /tandem/linux/initrd.gz \
            -append "console=ttyS0 panic=-1" -nographic -no-reboot </dev/null >/tmp/cmp.out 2>&1
        st=$?
        say "compare kernel-irqchip=$mode: status $st, $(since "$t0")s wall," \
            "user+sys $(awk '{print $2 "+" $3}' /tmp/time.out)s," \
            "guest uptime $(sed -n 's/^linux-boot: uptime //p' /tmp/cmp.out)s," \
            "$(grep -o ' exits=[0-9]*' /tmp/cmp.out)"
        [ -n "$poll_ns" ] && echo "$poll_ns" > $poll
    done
fi
say "done"

#!/bin/sh
# SPDX-License-Identifier: MIT
# Inside the nested-KVM test's Linux guest (busybox sh, no bash): run one
# bare-metal test guest under "tandem -accel kvm" and judge it exactly as
# tests/guests/run-guest.sh does on the host -- keep the two in step:
#   - the guest passes by writing 0 to the debug-exit port (tandem exits 1);
#   - NAME.args adds tandem options, @OUT@ standing for a fresh file;
#   - each line of NAME.expect must appear in the serial output, and each
#     line of NAME.out.expect in the @OUT@ file.
#   run-guest.sh DIR NAME      (DIR holds NAME.elf and its .args/.expect)
# TANDEM_EXTRA adds options before NAME.args (e.g. "-cpu tandem,+svm");
# TANDEM_ACCEL replaces "kvm" after -accel (e.g. "kvm,kernel-irqchip=off").
# Prints tandem's output; exit 0 pass, 1 fail.
set -u
dir=$1 name=$2
tandem=${TANDEM:-/tandem/tandem}

args=""
[ -f "$dir/$name.args" ] && args=$(head -n 1 "$dir/$name.args")
outfile=""
case " $args " in
*@OUT@*)
    outfile=$(mktemp "/tmp/guest-$name.XXXXXX") || exit 1
    args=$(echo "$args" | sed "s|@OUT@|$outfile|g") ;;
esac

# $args is split on blanks on purpose, as read -a splits it on the host.
# shellcheck disable=SC2086
out=$(timeout "${GUEST_TIMEOUT:-120}" "$tandem" -accel "${TANDEM_ACCEL:-kvm}" -kernel "$dir/$name.elf" \
      -nographic -device isa-debug-exit,iobase=0xf4 ${TANDEM_EXTRA:-} $args </dev/null 2>&1)
rc=$?
echo "$out"
if [ -n "$outfile" ]; then
    echo "--- @OUT@ ($name) ---"
    cat "$outfile"
    echo "--- end of @OUT@ ---"
fi

verdict=0
if [ "$rc" -ne 1 ]; then
    echo "run-guest: $name exited with status $rc (1 means pass)"
    verdict=1
fi
check_lines() {   # check_lines EXPECT-FILE HAYSTACK-FILE WHAT
    while IFS= read -r want || [ -n "$want" ]; do
        [ -z "$want" ] && continue
        if ! grep -qF -- "$want" "$2"; then
            echo "run-guest: $name: expected line missing from $3: $want"
            return 1
        fi
    done < "$1"
}
if [ "$verdict" -eq 0 ] && [ -f "$dir/$name.expect" ]; then
    printf '%s\n' "$out" > "/tmp/guest-$name.serial"
    check_lines "$dir/$name.expect" "/tmp/guest-$name.serial" "the serial output" || verdict=1
    rm -f "/tmp/guest-$name.serial"
fi
if [ "$verdict" -eq 0 ] && [ -f "$dir/$name.out.expect" ]; then
    if [ -z "$outfile" ]; then
        echo "run-guest: $name: $name.out.expect exists but $name.args has no @OUT@"
        verdict=1
    else
        check_lines "$dir/$name.out.expect" "$outfile" "@OUT@" || verdict=1
    fi
fi
[ -n "$outfile" ] && rm -f "$outfile"
exit "$verdict"

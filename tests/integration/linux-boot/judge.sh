# SPDX-License-Identifier: MIT
# Sourced by the scripts that boot Linux with tests/integration/linux-boot/
# test.sh as /test.sh (linux-boot.sh, kvm-nested.sh): the checks of its
# output that only the host can make, written once. The caller defines
#   check ok|FAIL TEXT      records one verdict
# and passes the guest's "linux-boot:" lines with nothing in front of them.

# linux_boot_judge_data LINES HOST_SHA PROG_HOST PROG_GUEST [PREFIX]
#   the file's sha256 and the static programs' output against the host's;
#   PROG_GUEST is written (the guest's "prog:" lines); PREFIX starts each
#   verdict's text.
linux_boot_judge_data() {
    local lines=$1 host_sha=$2 prog_host=$3 prog_guest=$4 what=${5:-}
    local sha status
    sha=$(grep -a -m1 '^linux-boot: sha256' "$lines")
    if [ "$sha" = "linux-boot: sha256 $host_sha" ]; then
        check ok "${what}sha256sum equals the host's"
    else
        check FAIL "${what}sha256: '${sha:-no line}', host $host_sha"
    fi
    sed -n '/^linux-boot: prog-begin/,/^linux-boot: prog-status/p' "$lines" |
        grep -a '^prog: ' > "$prog_guest"
    status=$(grep -a -m1 '^linux-boot: prog-status' "$lines")
    if cmp -s "$prog_host" "$prog_guest" && [ "$status" = "linux-boot: prog-status 0" ]; then
        check ok "${what}static program: same $(wc -l < "$prog_host") lines as on the host"
    else
        check FAIL "${what}static program output differs from the host's (status: '$status')"
        diff "$prog_host" "$prog_guest" | head -20 | sed 's/^/    /'
    fi
}

#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Find the first instruction where two executions of the same guest part ways.
#
#   scripts/trace-diff.sh [options] [-- GUEST ARGS...]
#       run tandem (tcg, one instruction per block) and QEMU (tcg, -singlestep)
#       on the same machine and compare their traces
#   scripts/trace-diff.sh --self [options] [-- GUEST ARGS...]
#       run tandem twice, with normal blocks and one instruction per block, and
#       compare: finds translator / block-execution bugs (lazy flags carried
#       between instructions, block ends, SMC) with tandem's own single-step
#       run as the reference, no QEMU needed
#   scripts/trace-diff.sh --cmp A.log B.log
#       compare two existing logs (tandem "-d cpu,exec" or QEMU
#       "-d cpu,exec,nochain"; the format is detected per line), or record
#       files (*.rec) kept by -k
#
# Options:
#   -b BUILD     tandem build folder (default build)
#   -t SECONDS   run each emulator at most this long (default 60)
#   -n RECORDS   stop after this many trace records per side (default 20000000)
#   -m COUNT     report this many divergences before stopping (default 1)
#   -c LINES     context records printed before a divergence (default 8)
#   -k           keep the normalised record files (printed at the end)
#   -q ARGS      extra arguments for QEMU only (e.g. -q "-cpu max")
#                (QEMU's pc differs from tandem's in CPUID, the fw_cfg file
#                list, floppy/LPT/CD-ROM: expect divergences there)
#   -T ARGS      extra arguments for tandem only
# GUEST ARGS go to both emulators (default: SeaBIOS with no disk, -m 128).
#
# Alignment: each record (the state before one block) of trace A is matched
# with the record of trace B after the previous A block's instructions
# (tandem's "n=" count; QEMU single-steps), or, if that is at another pc
# (the block was left early), the first record at the same linear PC
# within a window of 100000 records. A block trace against a single-step
# trace thus aligns at block starts; an interrupt taken only in B is
# skipped over; a PC of A not found in B is a control-flow divergence (an
# interrupt taken only in A, e.g. at another time in --self mode, shows up
# as one: look at where A went). Runs of records at one pc (a REP resumed
# in chunks) count as one record, and their registers are not compared.
# Registers that differ are
# "tainted" until both sides agree again, so a value that legitimately
# differs (RDTSC, CPUID, an I/O port read, fw_cfg contents) is reported
# once, where it appears; use -m to look past such expected differences.
# Outside 64-bit mode only the low 32 bits of registers are compared.
set -u

build=build secs=60 maxrec=20000000 ndiv=1 ctx=8 keep=0 mode=qemu
qextra="" textra=""
while [ $# -gt 0 ]; do
    case $1 in
    -b) build=$2; shift 2 ;;
    -t) secs=$2; shift 2 ;;
    -n) maxrec=$2; shift 2 ;;
    -m) ndiv=$2; shift 2 ;;
    -c) ctx=$2; shift 2 ;;
    -k) keep=1; shift ;;
    -q) qextra=$2; shift 2 ;;
    -T) textra=$2; shift 2 ;;
    --self) mode=self; shift ;;
    --cmp) mode=cmp; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '4,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) [ "$mode" = cmp ] && break; echo "trace-diff: unknown option $1" >&2; exit 2 ;;
    esac
done

tmp=$(mktemp -d /tmp/trace-diff.XXXXXX)
cleanup() { [ "$keep" = 1 ] || rm -rf "$tmp"; }
trap cleanup EXIT

# One line per trace record: "pc cs eax ecx edx ebx esp ebp esi edi [r8..r15]
# efl n rep", n being the instructions in the block (tandem's n=; 0 if
# unknown) and rep "r" for a record that repeats at the same pc, else "-".
# Both formats are read by the same program: tandem prints the registers and
# then "Trace: [pc] ..."; QEMU prints "Trace N: host [csbase/pc/...]" and then
# the registers, so a QEMU record is complete at the next Trace line.
normalise() {   # normalise MAXREC < log > records
    # (hex strings such as "1e5" look numeric to awk: compare them as strings)
    LC_ALL=C awk -v max="$1" '
    function low(v, n) { v = tolower(v); return substr(v, length(v) - n + 1) }
    function strip(v) { sub(/^0+/, "", v); return v == "" ? "0" : v }
    function emit(   k, n, w, out) {
        if (pc == "") return
        w = have64 ? 16 : 8
        n = have64 ? 16 : 8
        out = strip(low(pc, 16)) " " cs
        for (k = 0; k < n; k++) out = out " " strip(low(r[k], w))
        out = out " " strip(low(efl, 8)) " " (n_insn + 0)
        # A run of records at one pc is a REP instruction that the emulator
        # resumes in chunks (QEMU: one iteration per step); its chunking is
        # not architectural, so keep the first record of the run, marked
        # "r" (compare skips its registers).
        if ((prevpc "") == (pc "") && n_insn <= 1) { prevflag = "r" }
        else {
            if (prev != "") { print prev " " prevflag; if (++count >= max) exit 0 }
            prev = out; prevpc = pc; prevflag = "-"
        }
        pc = ""; have64 = 0; n_insn = 0; delete r
    }
    function field(line, key,   p, rest) {   # value after "key=" up to a blank
        p = index(line, key "=")
        if (!p) return ""
        rest = substr(line, p + length(key) + 1)
        sub(/^ +/, "", rest)
        sub(/[ \[].*/, "", rest)
        return rest
    }
    BEGIN {
        split("rax rcx rdx rbx rsp rbp rsi rdi r8 r9 r10 r11 r12 r13 r14 r15", tn, " ")
        split("EAX ECX EDX EBX ESP EBP ESI EDI", qn, " ")
        split("RAX RCX RDX RBX RSP RBP RSI RDI R8 R9 R10 R11 R12 R13 R14 R15", qn64, " ")
    }
    # ---- tandem ----
    /^rax=|^rsp=|^r8=|^r12=/ {
        for (k = 1; k <= 16; k++) { v = field($0, tn[k]); if (v != "") { r[k-1] = v; if (k > 8) have64 = 1 } }
        next
    }
    /^rip=/ { efl = field($0, "rfl"); cs = field($0, "cs"); next }
    /^Trace: \[/ {
        pc = $2; gsub(/[\[\]]/, "", pc)
        n_insn = field($0, "n") + 0
        emit(); next
    }
    # ---- QEMU ----
    /^Trace [0-9]+: / {
        emit()
        split($0, a, "/"); pc = a[2]; qemu = 1; next
    }
    qemu && /^(EAX|ESI|RAX|RSI|R8 |R12)=/ {
        for (k = 1; k <= 8; k++) { v = field($0, qn[k]); if (v != "") r[k-1] = v }
        for (k = 1; k <= 16; k++) { v = field($0, qn64[k]); if (v != "") { r[k-1] = v; if (k > 8) have64 = 1 } }
        next
    }
    qemu && /^[ER]IP=/ { efl = field($0, "EFL"); next }
    qemu && /^CS =/ { cs = substr($2, 2); next }
    END { emit(); if (prev != "") print prev " " prevflag }
    '
}

# Run one emulator with its log going through a FIFO into normalise, so a
# multi-gigabyte trace is never stored; stop it when enough records are in.
run_log() {   # run_log OUT.rec ENV... -- COMMAND... (@LOG@ stands for the log file)
    local out=$1; shift
    local envs=() args=() a
    while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
    local fifo=$tmp/fifo.$(basename "$out")
    mkfifo "$fifo"
    for a in "$@"; do args+=("${a//@LOG@/$fifo}"); done
    normalise "$maxrec" <"$fifo" >"$out" &
    local npid=$!
    env "${envs[@]}" timeout "$secs" "${args[@]}" </dev/null >"$out.console" 2>&1 &
    local epid=$!
    wait "$npid"
    kill "$epid" 2>/dev/null
    wait "$epid" 2>/dev/null
    rm -f "$fifo"
    echo "trace-diff: $(wc -l <"$out") records from ${args[0]}" >&2
}

# Compare record files A and B (see the alignment rules above).
compare() {   # compare A.rec B.rec NAME-A NAME-B
    LC_ALL=C awk -v ndiv="$ndiv" -v ctx="$ctx" -v na="$3" -v nb="$4" -v fb="$2" '
    BEGIN {
        split("pc cs eax ecx edx ebx esp ebp esi edi", nm, " ")
        window = 100000; bi = 0; bread = 0; qh = qt = 0; reported = 0; steps = 1
    }
    # B is read through a lookahead queue q[qh..qt-1] (bidx: record numbers)
    function fill(k) {   # at least k records queued? (0 at the end of B)
        while (qt - qh < k) {
            if ((getline line < fb) <= 0) return 0
            q[qt] = line; bidx[qt] = ++bread; qt++
        }
        return 1
    }
    function qpc(k,   f) {   # pc of the k-th queued record
        split(q[qh + k - 1], f, " "); return f[1] ""
    }
    function take(k,   j) {   # B advances k records; the k-th is the match
        for (j = 1; j < k; j++) {
            if (nskip < 64) skip[nskip++] = q[qh] " #" bidx[qh]
            skipped++; delete q[qh]; delete bidx[qh]; qh++
        }
        bl = q[qh]; bi = bidx[qh]; delete q[qh]; delete bidx[qh]; qh++
        nb_f = split(bl, bf, " ") - 2
    }
    function regname(k, n) {   # field k of an n-field record
        if (k == n) return "efl"
        if (k <= 10) return nm[k]
        return "r" (k - 3)
    }
    function show(tag, line, idx) { printf "  %s#%-9d %s\n", tag, idx, line }
    {
        na_f = split($0, af, " ") - 2
        pc = af[1] ""
        # Where B is after the previous A block of "steps" instructions: its
        # steps-th record (a loop may jump back into the middle of the block,
        # so the first record at the same pc is not always the right one), or
        # the one before (a REP left unfinished ends the block at its last
        # instruction), or an earlier one (the block left early: a fault, a
        # write to code or to the memory map), else the next one at this pc.
        skipped = 0; nskip = 0; pos = 0
        fill(steps)
        if (qt - qh >= steps && qpc(steps) == pc) pos = steps
        else if (steps > 1 && qt - qh >= steps - 1 && qpc(steps - 1) == pc) pos = steps - 1
        else for (k = 1; k <= qt - qh && k <= steps; k++) if (qpc(k) == pc) { pos = k; break }
        if (!pos) {
            for (k = qt - qh + 1; ; k++) {
                if (!fill(k)) {
                    printf "trace-diff: %s ended at %s record %d (pc %s)\n", nb, na, NR, af[1]
                    exit 3
                }
                if (qpc(k) == pc) { pos = k; break }
                if (k > window) {
                    take(k)
                    printf "\nCONTROL FLOW DIVERGENCE: %s record %d pc %s not found in the next %d records of %s\n", na, NR, af[1], window, nb
                    for (k = (NR > ctx ? NR - ctx : 1); k < NR; k++) show(na, hist[k % 64], k)
                    show(na, $0, NR)
                    printf "  %s after its last match (#%d):\n", nb, lastbi
                    for (k = 0; k < nskip && k < 16; k++) print "    " skip[k]
                    exit 1
                }
            }
        }
        take(pos)
        steps = af[na_f + 1] > 0 ? af[na_f + 1] : 1
        lastbi = bi
        hist[NR % 64] = $0
        # registers: report only newly differing ones
        n = na_f < nb_f ? na_f : nb_f
        if (af[na_f + 2] == "r" || bf[nb_f + 2] == "r") n = 1   # REP in progress
        newd = ""; alld = ""
        for (k = 2; k <= n; k++) {
            key = regname(k, n)
            if ((af[k] "") != (bf[k] "")) {
                alld = alld " " key
                if (!(key in taint)) newd = newd sprintf(" %s: %s=%s %s=%s", key, na, af[k], nb, bf[k])
                taint[key] = 1
            } else delete taint[key]
        }
        if (newd != "") {
            printf "\nDIVERGENCE #%d at %s record %d / %s record %d, pc %s:%s\n", reported + 1, na, NR, nb, bi, af[1], newd
            for (k = (NR > ctx ? NR - ctx : 1); k < NR; k++) if ((k % 64) in hist && k > NR - 64) show(na, hist[k % 64], k)
            show(na, $0, NR)
            show(nb, bl, bi)
            if (skipped) {
                printf "  %s ran %d record(s) in between (first ones):\n", nb, skipped
                for (k = 0; k < nskip && k < 16; k++) print "    " skip[k]
            }
            printf "  (fields: pc cs eax ecx edx ebx esp ebp esi edi [r8..r15] efl n rep)\n"
            if (++reported >= ndiv) exit 1
        }
    }
    END { if (!reported && NR) printf "trace-diff: no divergence in %d records of %s\n", NR, na }
    ' "$1"
}

if [ "$mode" = cmp ]; then
    [ $# -eq 2 ] || { echo "usage: trace-diff.sh --cmp A.log B.log" >&2; exit 2; }
    # .rec files (kept with -k) are already normalised
    for f in a:"$1" b:"$2"; do
        case ${f#?:} in
        *.rec) cp "${f#?:}" "$tmp/${f%%:*}.rec" ;;
        *) normalise "$maxrec" <"${f#?:}" >"$tmp/${f%%:*}.rec" ;;
        esac
    done
    compare "$tmp/a.rec" "$tmp/b.rec" A B
    rc=$?
else
    [ $# -gt 0 ] && guest=("$@") || guest=(-nographic -m 128)
    tandem=$build/tandem
    [ -x "$tandem" ] || { echo "trace-diff: no $tandem" >&2; exit 2; }
    # shellcheck disable=SC2206
    targs=(-accel tcg "${guest[@]}" $textra -d cpu,exec -D @LOG@)
    if [ "$mode" = self ]; then
        # A = blocks (sparse), B = single-step (dense reference)
        run_log "$tmp/a.rec" -u TANDEM_TCG_SINGLESTEP -- "$tandem" "${targs[@]}" &
        run_log "$tmp/b.rec" TANDEM_TCG_SINGLESTEP=1 -- "$tandem" "${targs[@]}" &
        wait
        compare "$tmp/a.rec" "$tmp/b.rec" blocks single
        rc=$?
    else
        command -v qemu-system-x86_64 >/dev/null || { echo "trace-diff: no qemu-system-x86_64" >&2; exit 2; }
        run_log "$tmp/a.rec" TANDEM_TCG_SINGLESTEP=1 -- "$tandem" "${targs[@]}" &
        # shellcheck disable=SC2086
        # one instruction per TB: -singlestep until QEMU 8.1, then an accel property
        qver=$(qemu-system-x86_64 -version | sed -nE '1s/.*version ([0-9]+)\.([0-9]+).*/\1 \2/p')
        if [ "${qver% *}" -gt 8 ] || { [ "${qver% *}" -eq 8 ] && [ "${qver#* }" -ge 1 ]; }; then
            qaccel=(-accel tcg,one-insn-per-tb=on)
        else
            qaccel=(-accel tcg -singlestep)
        fi
        run_log "$tmp/b.rec" -u TANDEM_TCG_SINGLESTEP -- qemu-system-x86_64 "${qaccel[@]}" -nic none "${guest[@]}" $qextra \
            -d cpu,exec,nochain -D @LOG@ &
        wait
        compare "$tmp/a.rec" "$tmp/b.rec" tandem qemu
        rc=$?
    fi
fi
[ "$keep" = 1 ] && echo "trace-diff: records kept in $tmp" >&2
exit $rc

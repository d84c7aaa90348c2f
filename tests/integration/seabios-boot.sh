#!/bin/bash
# SPDX-License-Identifier: MIT
# SeaBIOS (Debian's bios-256k.bin, the board's default firmware) boots under
# tcg with nothing to boot and reaches, on the debug console at 0x402, the
# milestones it reaches on QEMU's pc: fw_cfg found, its init code relocated
# to high memory (which needs its malloc zones, i.e. the writes to its own
# shadow RAM after PAM made it writable), the PCI devices probed and the
# VGA BIOS run, every boot device tried and "No bootable device.", with no
# 60 s retry (etc/boot-fail-wait = -1, as on QEMU).
#   tests/integration/seabios-boot.sh BUILD
set -u
build=${1:-build}
tandem="$build/tandem"
bios=/usr/share/seabios/bios-256k.bin
limit=${SEABIOS_BOOT_TIMEOUT:-60}

[ -x "$tandem" ] || { echo "no $tandem"; exit 1; }
[ -r "$bios" ] || { echo "skipped: no $bios (Debian package seabios)"; exit 77; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$tandem" -accel tcg -nographic -m 128 -serial null \
    -chardev "file,id=dbg,path=$log" -device isa-debugcon,iobase=0x402,chardev=dbg \
    </dev/null >/dev/null 2>&1 &
pid=$!
for ((t = 0; t < limit * 10; t++)); do
    grep -q "No bootable device" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
sleep 0.2                               # the rest of the line
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

fails=0
expect() {      # expect REGEX WHAT
    if grep -Eq "$1" "$log"; then
        echo "ok: $2"
    else
        echo "FAIL: $2 (no /$1/)"
        fails=$((fails + 1))
    fi
}
expect '^Found QEMU fw_cfg' "fw_cfg found"
expect '^qemu/e820: addr 0x0+ len 0x0*8000000 \[RAM\]' "RAM from etc/e820"
expect '^Relocating init from 0x[0-9a-f]+ to 0x[0-9a-f]+' "init code relocated"
expect '^Found [4-9] PCI devices' "PCI devices found"
expect '^PCI: init bdf=00:01.1 id=8086:7010' "PIIX IDE initialised"
expect '^PCI: Using 00:02.0 for primary VGA' "VGA found"
expect '^Start SeaVGABIOS' "VGA BIOS started"
expect '^Turning on vga text mode console' "VGA text mode on"
expect '^ATA controller 1 at 1f0' "ATA controllers"
expect '^PS2 keyboard initialized' "PS/2 keyboard"
expect '^All threads complete' "init threads done"
expect '^Booting from Hard Disk' "boot attempted"
expect '^No bootable device\.$' "No bootable device (and no retry)"
if grep -q "WARNING\|No space for init relocation" "$log"; then
    echo "FAIL: warnings: $(grep "WARNING\|No space" "$log" | head -3)"
    fails=$((fails + 1))
fi
if [ "$fails" -ne 0 ]; then
    echo "--- debug console (last 30 lines):"
    tail -30 "$log"
fi
[ "$fails" -eq 0 ]

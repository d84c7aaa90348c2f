#!/bin/bash
# SPDX-License-Identifier: MIT
# An El Torito CD-ROM image that boots Debian's kernel through ISOLINUX,
# from Debian's packages (isolinux, syslinux-common, xorriso), for the
# firmware CD boot test (SeaBIOS -> ATAPI CD-ROM -> ISOLINUX -> Linux):
#   scripts/cdrom-image.sh BUILD [cloud|generic]
# Prints the image's path on its last line.
#
# Layout: ISOLINUX (isolinux.bin, ldlinux.c32, isolinux.cfg) in /isolinux,
# the kernel and initramfs at the root. isolinux.bin is the no-emulation
# boot image (loaded as 4 sectors of 512 bytes; the boot-info table tells
# it where the rest of itself is), the way Debian's own install CDs boot.
#
# Environment: KERNEL and INITRD, files to put on the CD as they are
# (default: scripts/guest-image.sh's, which gets IMAGE_NAME and
# EXTRA_ROOT); CDROM_EXTRA, a folder copied over the CD's root (files for
# the guest to read); CDROM_NAME names the image under BUILD/images (default
# cdrom-FLAVOUR.iso); CDROM_APPEND replaces the kernel command line
# (default "console=ttyS0").
set -euo pipefail
build=${1:-build}
flavour=${2:-cloud}
top=$(cd "$(dirname "$0")/.." && pwd)

need() {    # need FILE-OR-COMMAND PACKAGE
    if [ "${1#/}" != "$1" ]; then
        [ -f "$1" ] && return
    else
        command -v "$1" >/dev/null 2>&1 && return
    fi
    echo "cdrom-image: $1 not found (apt-get install $2)" >&2
    exit 1
}
need xorriso xorriso
need /usr/lib/ISOLINUX/isolinux.bin isolinux
need /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common

kernel=${KERNEL:-} initrd=${INITRD:-}
if [ -z "$kernel" ] || [ -z "$initrd" ]; then
    read -r kernel initrd < <("$top/scripts/guest-image.sh" "$build" "$flavour" | tail -1)
fi
[ -f "${kernel:-}" ] && [ -f "${initrd:-}" ] || { echo "cdrom-image: no kernel/initramfs" >&2; exit 1; }
mkdir -p "$build/images"
cache=$(cd "$build/images" && pwd)
iso=$cache/${CDROM_NAME:-cdrom-$flavour.iso}

work=$(mktemp -d "${TMPDIR:-/tmp}/cdrom-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/iso/isolinux/"
cp "$kernel" "$work/iso/vmlinuz"
cp "$initrd" "$work/iso/initrd.gz"
if [ -n "${CDROM_EXTRA:-}" ]; then
    cp -a "$CDROM_EXTRA"/. "$work/iso"/
fi
"$top/scripts/syslinux-cfg.sh" "${CDROM_APPEND:-console=ttyS0}" > "$work/iso/isolinux/isolinux.cfg"

xorriso -as mkisofs -quiet -o "$iso.tmp" -V TANDEM -R -J \
    -b isolinux/isolinux.bin -c isolinux/boot.cat \
    -no-emul-boot -boot-load-size 4 -boot-info-table "$work/iso" >&2
mv "$iso.tmp" "$iso"
echo "$iso"

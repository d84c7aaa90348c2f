#!/bin/bash
# SPDX-License-Identifier: MIT
# A small raw disk image that boots Debian's kernel through a real boot
# loader from Debian's packages, for firmware boot tests (SeaBIOS -> MBR ->
# SYSLINUX -> Linux):
#   scripts/disk-image.sh BUILD [cloud|generic]
# Prints the image's path on its last line.
#
# Layout: syslinux-common's mbr.bin in sector 0 with one active FAT
# partition at 1 MiB holding SYSLINUX (ldlinux.sys/ldlinux.c32), the kernel,
# the initramfs of scripts/guest-image.sh and syslinux.cfg. SYSLINUX rather
# than EXTLINUX: extlinux installs only into a mounted file system, while the
# syslinux installer writes a FAT image through mtools, so nothing here
# needs root, a loop device or a mount.
#
# Environment: IMAGE_NAME and EXTRA_ROOT are passed to guest-image.sh (the
# initramfs to put on the disk); DISK_NAME names the image under
# BUILD/images (default disk-FLAVOUR.img); DISK_APPEND replaces the kernel
# command line (default "console=ttyS0").
set -euo pipefail
build=${1:-build}
flavour=${2:-cloud}
top=$(cd "$(dirname "$0")/.." && pwd)

need() {    # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || {
        echo "disk-image: $1 not found (apt-get install $2)" >&2; exit 1; }
}
need syslinux syslinux
need mcopy mtools
need mkfs.vfat dosfstools
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || { echo "disk-image: no $mbr (apt-get install syslinux-common)" >&2; exit 1; }

read -r kernel initrd < <("$top/scripts/guest-image.sh" "$build" "$flavour" | tail -1)
[ -f "${kernel:-}" ] && [ -f "${initrd:-}" ] || { echo "disk-image: guest-image.sh gave no kernel" >&2; exit 1; }
cache=$(cd "$build/images" && pwd)
disk=$cache/${DISK_NAME:-disk-$flavour.img}

# Sizes in 512-byte sectors. The partition starts at 1 MiB, as partitioning
# tools align it, and leaves 16 MiB beyond the files.
part_start=2048
files_kib=$(( ($(stat -c %s "$kernel") + $(stat -c %s "$initrd")) / 1024 ))
part_kib=$(( (files_kib / 1024 + 16) * 1024 ))
[ "$part_kib" -ge 32768 ] || part_kib=32768
part_sectors=$((part_kib * 2))

work=$(mktemp -d "${TMPDIR:-/tmp}/disk-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
part=$work/part.img

# The FAT file system, its BPB's hidden-sector count equal to the
# partition's offset so the boot sector finds itself on the disk.
mkfs.vfat -C -F 16 -n TANDEM -h "$part_start" "$part" "$part_kib" >/dev/null
syslinux --install "$part"
"$top/scripts/syslinux-cfg.sh" "${DISK_APPEND:-console=ttyS0}" > "$work/syslinux.cfg"
export MTOOLS_SKIP_CHECK=1
mcopy -i "$part" "$kernel" ::/vmlinuz
mcopy -i "$part" "$initrd" ::/initrd.gz
mcopy -i "$part" "$work/syslinux.cfg" ::/syslinux.cfg

le32() {    # le32 N: four bytes, little-endian, as printf escapes
    printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
        $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# The disk: MBR boot code, one partition entry (active, type 0x0e = FAT16
# LBA; CHS fields at their "use LBA" maximum), the 0x55AA signature, then
# the partition's sectors.
rm -f "$disk.tmp"
truncate -s $(( (part_start + part_sectors) * 512 )) "$disk.tmp"
dd if="$mbr" of="$disk.tmp" bs=440 count=1 conv=notrunc status=none
printf "\\x80\\xfe\\xff\\xff\\x0e\\xfe\\xff\\xff$(le32 $part_start)$(le32 $part_sectors)" |
    dd of="$disk.tmp" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$disk.tmp" bs=1 seek=510 conv=notrunc status=none
dd if="$part" of="$disk.tmp" bs=512 seek="$part_start" conv=notrunc status=none
mv "$disk.tmp" "$disk"
echo "$disk"

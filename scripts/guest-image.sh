#!/bin/bash
# SPDX-License-Identifier: MIT
# Build a Linux guest from Debian's own packages, cached under BUILD/images:
#   scripts/guest-image.sh BUILD [cloud|generic]
# Downloads (apt-get download) the kernel package and busybox-static,
# extracts the kernel image, and builds an initramfs whose /init mounts the
# usual file systems and starts a busybox shell on the serial console.
# Prints the paths of the kernel and initramfs on its last line.
# Environment, for tests: EXTRA_ROOT, a folder copied over the initramfs root;
# IMAGE_NAME, the name of the initramfs and its root folder under
# BUILD/images (default initramfs-FLAVOUR), so a test's image does not
# replace the one `make demo` boots.
set -euo pipefail
build=${1:-build}
flavour=${2:-cloud}
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$build/images"
mkdir -p "$cache/debs"
cache=$(cd "$cache" && pwd)

meta="linux-image-$flavour-amd64"
[ "$flavour" = generic ] && meta=linux-image-amd64

# The meta package names the real kernel package it depends on.
kpkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
    echo "guest-image: cannot resolve $meta (run apt-get update?)" >&2
    exit 1
fi

fetch() {   # fetch PACKAGE: download its .deb into the cache once
    local pkg=$1
    if ! ls "$cache/debs/${pkg}"_*.deb >/dev/null 2>&1; then
        (cd "$cache/debs" && apt-get download "$pkg" >/dev/null 2>&1) || {
            echo "guest-image: apt-get download $pkg failed" >&2; exit 1; }
    fi
    ls "$cache/debs/${pkg}"_*.deb | head -1
}

kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

kdir="$cache/$kpkg"
if [ ! -d "$kdir/boot" ]; then
    rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
    dpkg-deb -x "$kdeb" "$kdir.tmp"
    rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
fi
kernel=$(ls "$kdir"/boot/vmlinuz-* | head -1)

bdir="$cache/busybox"
if [ ! -x "$bdir/bin/busybox" ]; then
    rm -rf "$bdir.tmp" && mkdir -p "$bdir.tmp"
    dpkg-deb -x "$bdeb" "$bdir.tmp"
    rm -rf "$bdir" && mv "$bdir.tmp" "$bdir"
fi

# The initramfs: busybox, its applet links, /init, and whatever the caller
# put in EXTRA_ROOT (a folder copied over the root, for tests).
name=${IMAGE_NAME:-initramfs-$flavour}
initrd="$cache/$name.cpio.gz"
root="$cache/root-${name#initramfs-}"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root,usr/bin,usr/sbin}
cp "$bdir/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cp "$top/scripts/guest-init.sh" "$root/init"
chmod 755 "$root/init"
if [ -n "${EXTRA_ROOT:-}" ]; then
    cp -a "$EXTRA_ROOT"/. "$root"/
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9 > "$initrd.tmp")
mv "$initrd.tmp" "$initrd"
echo "$kernel $initrd"

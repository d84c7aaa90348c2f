#!/bin/sh
# /init of tandem's demo initramfs (busybox): mount the basics, say hello,
# run /test.sh if a test put one there, else give the user a shell.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "tandem demo: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
if [ -x /test.sh ]; then
    /test.sh
    poweroff -f
fi
echo "Type 'poweroff -f' to stop the machine (or Ctrl-A x)."
setsid cttyhack sh
poweroff -f

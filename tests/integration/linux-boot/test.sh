#!/bin/sh
# /test.sh of the Linux boot test's initramfs (run by /init, which powers the
# machine off afterwards). Prints "linux-boot: ..." lines that
# tests/integration/linux-boot.sh judges on the host: what can only be
# compared with the host (the clock, the program's output, the file's hash)
# is printed, not judged here.
echo "linux-boot: uname $(uname -sr)"
echo "linux-boot: cmdline $(cat /proc/cmdline)"
echo "linux-boot: cpus online $(cat /sys/devices/system/cpu/online) count $(grep -c ^processor /proc/cpuinfo)"
# The RTC itself, not the system clock (which the kernel may have set from
# it, or not): since_epoch exists once rtc_cmos has probed.
if [ -r /sys/class/rtc/rtc0/since_epoch ]; then
    echo "linux-boot: rtc $(cat /sys/class/rtc/rtc0/since_epoch)"
else
    echo "linux-boot: rtc none (no /sys/class/rtc/rtc0); system clock $(date +%s)"
fi
echo "linux-boot: sha256 $(sha256sum /testdata/blob | cut -d' ' -f1)"
# With the CD attached (linux-boot.sh LINUX_BOOT_CD_READ), read a file from
# it through Linux's own ATAPI driver stack.
if [ -d /testdata/modules ]; then
    for m in scsi_common scsi_mod cdrom libata ata_piix sr_mod isofs; do
        insmod "/testdata/modules/$m.ko" || echo "linux-boot: insmod $m failed"
    done
    i=0
    while [ ! -b /dev/sr0 ] && [ "$i" -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    mkdir -p /mnt/cd
    if mount -t iso9660 -o ro /dev/sr0 /mnt/cd; then
        echo "linux-boot: cd sha256 $(sha256sum /mnt/cd/blob | cut -d' ' -f1)"
        umount /mnt/cd
    else
        echo "linux-boot: cd mount failed ($(ls /dev/sr* 2>&1))"
    fi
fi
echo "linux-boot: prog-begin"
/testdata/prog
status=$?
if [ -x /testdata/simd ]; then
    /testdata/simd || status=$?
fi
echo "linux-boot: prog-status $status"
echo "linux-boot: uptime $(cut -d' ' -f1 /proc/uptime)"
echo "linux-boot: done"

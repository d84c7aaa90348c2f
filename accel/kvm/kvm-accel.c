/* SPDX-License-Identifier: MIT */
/*
 * The kvm engine's entry in the accelerator table. The engine itself is
 * the subject of its own issue; until it lands, available() tells the user
 * precisely why kvm cannot run here, so "-accel kvm" fails in one line and
 * the default "kvm:tcg" falls back to tcg.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "accel/accel.h"

static bool kvm_available(Error *err)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        error_setf_errno(err, errno, "KVM is not usable: /dev/kvm");
        return false;
    }
    close(fd);
    error_setf(err, "KVM is not usable: this build of tandem has no kvm engine yet");
    return false;
}

const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .available = kvm_available,
};

/* SPDX-License-Identifier: MIT */
/*
 * Choosing the engine: "-accel a:b" tries each in order and takes the first
 * one whose available() says yes, reporting why the others could not run.
 * An entry may carry the engine's own options after its name, QEMU-style
 * ("kvm,kernel-irqchip=split"); the engine parses them in its init(), and
 * options given to an engine that takes none are an error here.
 */
#include <stdio.h>
#include <string.h>

#include "accel/accel.h"

static const AccelOps *const accels[] = { &accel_tcg_ops, &accel_kvm_ops };

static const AccelOps *accel_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(accels) / sizeof(accels[0]); i++)
        if (strlen(accels[i]->name) == len && !strncmp(accels[i]->name, name, len))
            return accels[i];
    return NULL;
}

const AccelOps *accel_select(const char *list, bool *fell_back, Error *err)
{
    Error why = { 0 };
    const char *p = list;
    *fell_back = false;
    while (*p) {
        size_t n = strcspn(p, ":"), name = strcspn(p, ",:");
        const AccelOps *ops = accel_find(p, name);
        if (!ops)
            return error_setf(err, "-accel %s: unknown accelerator '%.*s' (tcg, kvm)",
                              list, (int)name, p), NULL;
        if (name < n && !ops->has_options)
            return error_setf(err, "-accel %s: %s takes no options ('%.*s')", list,
                              ops->name, (int)(n - name - 1), p + name + 1), NULL;
        Error e = { 0 };
        if (!ops->available || ops->available(&e)) {
            if (why.set) {
                fprintf(stderr, "tandem: %s; using %s\n", why.msg, ops->name);
                *fell_back = true;
            }
            return ops;
        }
        if (!why.set)
            why = e;
        p += n;
        if (*p == ':')
            p++;
    }
    error_setf(err, "%s", why.set ? why.msg : "no accelerator given");
    return NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * Device registry, -device option parsing and the machine's device list.
 *
 * Options follow QEMU's spelling: "name,key=val,flag", with ",," standing
 * for a literal comma (so "path=a,,b" gives "a,b"). A DeviceOpts owns its
 * strings; the getters mark keys as used so that a misspelt option is an
 * error ("isa-serial does not take option 'irqq'") instead of being
 * silently ignored, which is the single most useful check a command line
 * can make.
 *
 * The device list is singly linked in creation order through Device.next,
 * with m->devices_tail pointing at the last next pointer (set up lazily, so
 * a zero-initialised Machine works). Reset walks it forwards; destroy walks
 * it backwards, since a device created later may hold on to an earlier one
 * (a NIC to its PCI bus), never the reverse. device_attach() copies the id,
 * and devices_destroy() frees that copy: the -device text it usually comes
 * from is gone once create returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hw/core/device.h"
#include "softmmu/machine.h"

extern const DeviceType *const device_types[];

/* ------------------------------------------------------------------------ */
/* Options */

static char *devopts_alloc(size_t n)
{
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "tandem: out of memory\n");
        abort();
    }
    return p;
}

static char *devopts_strndup(const char *s, size_t n)
{
    char *p = devopts_alloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/*
 * Cut the next comma-separated item from *pp, folding ",," into ",".
 * Returns a new string, advances *pp past the separator and sets *more
 * when a separator was consumed (so "a=1," ends with an empty item).
 */
static char *devopts_next_item(const char **pp, bool *more)
{
    const char *p = *pp;
    size_t n = 0;
    char *out = devopts_alloc(strlen(p) + 1);    /* unescaping only shrinks */
    while (*p) {
        if (*p == ',') {
            if (p[1] != ',')
                break;
            p++;            /* ",," is an escaped comma */
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    *more = *p == ',';
    if (*more)
        p++;
    *pp = p;
    return out;
}

int devopts_parse(DeviceOpts *o, const char *text, Error *err)
{
    memset(o, 0, sizeof(*o));
    if (!text)
        text = "";
    const char *p = text;

    bool more;
    o->name = devopts_next_item(&p, &more);
    /* QEMU also accepts the name spelt "driver=NAME". */
    if (!strncmp(o->name, "driver=", 7)) {
        memmove(o->name, o->name + 7, strlen(o->name + 7) + 1);
    } else if (strchr(o->name, '=')) {
        error_setf(err, "device name missing before '%s'", o->name);
        goto fail;
    }
    if (!o->name[0]) {
        error_setf(err, "device name missing in '%s'", text);
        goto fail;
    }

    while (more) {
        char *item = devopts_next_item(&p, &more);
        if (!item[0]) {
            free(item);
            error_setf(err, "empty option in '%s'", text);
            goto fail;
        }
        char *eq = strchr(item, '=');
        char *key, *val;
        if (eq) {
            key = devopts_strndup(item, (size_t)(eq - item));
            val = devopts_strndup(eq + 1, strlen(eq + 1));
        } else {
            key = devopts_strndup(item, strlen(item));
            val = devopts_strndup("", 0);
        }
        free(item);
        if (!key[0]) {
            error_setf(err, "%s: option without a name ('=%s')", o->name, val);
            free(key);
            free(val);
            goto fail;
        }
        for (size_t i = 0; i < o->nr; i++) {
            if (!strcmp(o->key[i], key)) {
                error_setf(err, "%s: option '%s' given twice", o->name, key);
                free(key);
                free(val);
                goto fail;
            }
        }
        if (o->nr == DEVOPTS_MAX) {
            error_setf(err, "%s: too many options (at most %d)", o->name, DEVOPTS_MAX);
            free(key);
            free(val);
            goto fail;
        }
        o->key[o->nr] = key;
        o->val[o->nr] = val;
        o->used[o->nr] = false;
        o->nr++;
    }
    return 0;

fail:
    devopts_free(o);
    return -1;
}

void devopts_free(DeviceOpts *o)
{
    free(o->name);
    for (size_t i = 0; i < o->nr; i++) {
        free(o->key[i]);
        free(o->val[i]);
    }
    memset(o, 0, sizeof(*o));
}

static int devopts_find(DeviceOpts *o, const char *key)
{
    for (size_t i = 0; i < o->nr; i++) {
        if (!strcmp(o->key[i], key)) {
            o->used[i] = true;
            return (int)i;
        }
    }
    return -1;
}

const char *devopts_get_str(DeviceOpts *o, const char *key, const char *def)
{
    int i = devopts_find(o, key);
    return i < 0 ? def : o->val[i];
}

/* Decimal or 0x hex, then an optional binary k/M/G/T suffix. */
int devopts_get_u64(DeviceOpts *o, const char *key, uint64_t def, uint64_t *out,
                    Error *err)
{
    int i = devopts_find(o, key);
    if (i < 0) {
        *out = def;
        return 0;
    }
    const char *s = o->val[i];
    const char *digits = s;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    }
    /* strtoull would accept " 12", "+12" and "-1" (as 2^64-1): refuse them. */
    bool ok = base == 16 ? (*digits && strchr("0123456789abcdefABCDEF", *digits))
                         : (*digits >= '0' && *digits <= '9');
    if (!ok)
        return error_setf(err, "%s: option '%s' expects a number, not '%s'",
                          o->name, key, s);
    char *end;
    errno = 0;
    uint64_t v = strtoull(digits, &end, base);
    if (errno == ERANGE)
        return error_setf(err, "%s: option '%s': %s is too large", o->name, key, s);
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: end = NULL; break;
    }
    if (!end || *end)
        return error_setf(err, "%s: option '%s' expects a number, not '%s'",
                          o->name, key, s);
    if (shift && v > (UINT64_MAX >> shift))
        return error_setf(err, "%s: option '%s': %s is too large", o->name, key, s);
    *out = v << shift;
    return 0;
}

int devopts_get_bool(DeviceOpts *o, const char *key, bool def, bool *out, Error *err)
{
    static const char *const yes[] = { "on", "yes", "true", "1", "" };
    static const char *const no[] = { "off", "no", "false", "0" };
    int i = devopts_find(o, key);
    if (i < 0) {
        *out = def;
        return 0;
    }
    /* A bare "flag" (empty value) means flag=on, as in QEMU. */
    for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++) {
        if (!strcasecmp(o->val[i], yes[k])) {
            *out = true;
            return 0;
        }
    }
    for (size_t k = 0; k < sizeof(no) / sizeof(no[0]); k++) {
        if (!strcasecmp(o->val[i], no[k])) {
            *out = false;
            return 0;
        }
    }
    return error_setf(err, "%s: option '%s' expects on/off, not '%s'",
                      o->name, key, o->val[i]);
}

int devopts_check_all_used(const DeviceOpts *o, Error *err)
{
    for (size_t i = 0; i < o->nr; i++)
        if (!o->used[i])
            return error_setf(err, "%s does not take option '%s'", o->name, o->key[i]);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Device types */

const DeviceType *device_type_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; device_types[i]; i++)
        if (!strcmp(device_types[i]->name, name))
            return device_types[i];
    return NULL;
}

void device_types_print(void)
{
    int width = 0;
    for (size_t i = 0; device_types[i]; i++) {
        int n = (int)strlen(device_types[i]->name);
        if (n > width)
            width = n;
    }
    printf("Devices (-device NAME[,option=value...]):\n");
    for (size_t i = 0; device_types[i]; i++)
        printf("  %-*s  %s\n", width, device_types[i]->name,
               device_types[i]->help ? device_types[i]->help : "");
}

/* ------------------------------------------------------------------------ */
/* The machine's device list */

static void device_list_init(Machine *m)
{
    if (!m->devices_tail) {
        /* Lazily, so a zero-initialised Machine needs no setup call; the
         * list may already hold devices if someone linked them by hand. */
        m->devices_tail = &m->devices;
        while (*m->devices_tail)
            m->devices_tail = &(*m->devices_tail)->next;
    }
}

void device_attach(Machine *m, Device *dev, const char *id,
                   void (*reset)(Device *), void (*destroy)(Device *),
                   const StateDesc *state)
{
    device_list_init(m);
    dev->id = id ? devopts_strndup(id, strlen(id)) : NULL;
    dev->reset = reset;
    dev->destroy = destroy;
    dev->state = state;
    dev->next = NULL;
    *m->devices_tail = dev;
    m->devices_tail = &dev->next;
}

static Device *device_find_id(Machine *m, const char *id)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->id && !strcmp(d->id, id))
            return d;
    return NULL;
}

/*
 * "help" (or "?") prints the list and returns NULL with err left unset:
 * the caller tells a request for help from a failure by err->set, and
 * should exit 0.
 *
 * Unused options are detected only after create() ran (only the device
 * knows which keys it reads). The device then stays on the machine's list,
 * fully wired, and is freed by devices_destroy(): tearing down a half-used
 * device here could leave the memory map pointing at freed state, and the
 * caller exits on any error anyway.
 */
Device *device_create_from_opts(Machine *m, const char *text, Error *err)
{
    DeviceOpts o;
    Device *dev = NULL;

    if (devopts_parse(&o, text, err) < 0)
        return NULL;
    if (!strcmp(o.name, "help") || !strcmp(o.name, "?")) {
        device_types_print();
        goto out;
    }
    const DeviceType *type = device_type_find(o.name);
    if (!type) {
        error_setf(err, "unknown device '%s' (-device help lists them)", o.name);
        goto out;
    }
    /* "id" is common to all devices; devices may read it too. */
    const char *id = devopts_get_str(&o, "id", NULL);
    if (id && device_find_id(m, id)) {
        error_setf(err, "%s: duplicate id '%s'", o.name, id);
        goto out;
    }
    dev = type->create(m, &o, err);
    if (!dev) {
        error_setf(err, "%s: cannot create device", o.name);
        goto out;
    }
    if (!dev->type)
        dev->type = type;
    if (!dev->id && id)
        dev->id = devopts_strndup(id, strlen(id));
    if (devopts_check_all_used(&o, err) < 0)
        dev = NULL;
out:
    devopts_free(&o);
    return dev;
}

void devices_reset(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->reset)
            d->reset(d);
}

void devices_destroy(Machine *m)
{
    /* Reverse the list, then destroy newest first. */
    Device *rev = NULL;
    Device *d = m->devices;
    while (d) {
        Device *next = d->next;
        d->next = rev;
        rev = d;
        d = next;
    }
    m->devices = NULL;
    m->devices_tail = &m->devices;
    while (rev) {
        Device *next = rev->next;
        char *id = (char *)rev->id;
        rev->next = NULL;
        /* destroy may free the device: read everything we need first. */
        if (rev->destroy)
            rev->destroy(rev);
        free(id);
        rev = next;
    }
}

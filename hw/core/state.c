/* SPDX-License-Identifier: MIT */
/*
 * Declarative state save/load.
 *
 * Stream layout (all integers little-endian), for one description:
 *
 *   desc    := name version:u32 field* end:u8(0)
 *   name    := len:u8 bytes[len]
 *   field   := type:u8 name elemsize:u32 count:u32 payload
 *   payload := SF_BOOL/U8..U64: count integers of elemsize bytes
 *              SF_BYTES:        count raw bytes (elemsize 1)
 *              SF_STRUCT:       count nested descs (elemsize 0)
 *              SF_TIMER:        clock:u8 pending:u8 [deadline:i64]
 *
 * Everything the loader reads is compared with what the description
 * expects before it is used, so a stream can never make the loader index
 * outside the object or allocate: names are read into a fixed buffer and
 * counts and sizes must equal the table's.
 *
 * state_load() runs twice over the stream: a dry run that only checks it,
 * then a second pass that writes the object, arms timers and calls the
 * post_load hooks. A stream that fails therefore leaves the device exactly
 * as it was, which matters when a user loads the wrong snapshot into a
 * running machine. The error names the first mismatching field by its path
 * ("pic.regs[1].imr").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/state.h"
#include "softmmu/main-loop.h"

#define STATE_NAME_MAX 255
#define STATE_PATH_MAX 256

/* ------------------------------------------------------------------------ */
/* ByteStream */

void bs_init(ByteStream *bs)
{
    memset(bs, 0, sizeof(*bs));
}

void bs_free(ByteStream *bs)
{
    free(bs->data);
    memset(bs, 0, sizeof(*bs));
}

void bs_put(ByteStream *bs, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (n > SIZE_MAX - bs->len) {
        fprintf(stderr, "tandem: state stream too large\n");
        abort();
    }
    if (bs->len + n > bs->cap) {
        size_t cap = bs->cap ? bs->cap : 256;
        while (cap < bs->len + n)
            cap = cap > SIZE_MAX / 2 ? bs->len + n : cap * 2;
        uint8_t *d = realloc(bs->data, cap);
        if (!d) {
            /* Out of memory while snapshotting: no sane way to continue. */
            fprintf(stderr, "tandem: out of memory growing a state stream\n");
            abort();
        }
        bs->data = d;
        bs->cap = cap;
    }
    memcpy(bs->data + bs->len, p, n);
    bs->len += n;
}

int bs_get(ByteStream *bs, void *p, size_t n, Error *err)
{
    /* pos can only exceed len if a caller edited the struct by hand. */
    if (bs->pos > bs->len || n > bs->len - bs->pos)
        return error_setf(err, "state stream truncated: need %zu bytes at offset %zu, "
                          "%zu left", n, bs->pos, bs->pos > bs->len ? 0 : bs->len - bs->pos);
    if (n)
        memcpy(p, bs->data + bs->pos, n);
    bs->pos += n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Helpers shared by save and load */

static size_t state_type_width(StateFieldType t)
{
    switch (t) {
    case SF_BOOL:   return sizeof(bool);
    case SF_U8:     return 1;
    case SF_U16:    return 2;
    case SF_U32:    return 4;
    case SF_U64:    return 8;
    case SF_BYTES:  return 1;
    case SF_STRUCT: return 0;
    case SF_TIMER:  return 8;
    default:        return 0;
    }
}

static const char *state_type_name(unsigned t)
{
    static const char *const names[] = {
        "end", "bool", "u8", "u16", "u32", "u64", "bytes", "struct", "timer",
    };
    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* Append ".name" or "[i]" to a path, truncating rather than overflowing. */
static void state_path_push(char *path, size_t *len, const char *fmt, const char *s, size_t i)
{
    size_t l = *len;
    int n;
    if (s)
        n = snprintf(path + l, STATE_PATH_MAX - l, fmt, s);
    else
        n = snprintf(path + l, STATE_PATH_MAX - l, fmt, i);
    if (n > 0)
        l += (size_t)n;
    *len = l < STATE_PATH_MAX ? l : STATE_PATH_MAX - 1;
}

static void state_field_path(char *path, size_t *len, const char *name)
{
    state_path_push(path, len, *len ? ".%s" : "%s", name, 0);
}

/*
 * A table describes memory the compiler laid out; a field whose element
 * size disagrees with its type (STATE_U32 on a uint64_t, a wrong array
 * length) is a programming error we report instead of silently saving
 * garbage.
 */
static int state_check_field(const StateDesc *desc, const StateField *f, Error *err)
{
    size_t w = state_type_width(f->type);
    switch (f->type) {
    case SF_BOOL: case SF_U8: case SF_U16: case SF_U32: case SF_U64:
        if (f->stride != w || f->count == 0)
            return error_setf(err, "state %s: field '%s' is %zu bytes wide, %s "
                              "needs %zu", desc->name, f->name, f->stride,
                              state_type_name(f->type), w);
        return 0;
    case SF_BYTES:
        return 0;
    case SF_STRUCT:
        if (!f->sub || f->count == 0 || f->stride == 0)
            return error_setf(err, "state %s: struct field '%s' has no description",
                              desc->name, f->name);
        return 0;
    case SF_TIMER:
        if (f->count != 1)
            return error_setf(err, "state %s: timer field '%s' must be single",
                              desc->name, f->name);
        return 0;
    default:
        return error_setf(err, "state %s: field '%s' has unknown type %d",
                          desc->name, f->name, (int)f->type);
    }
}

/* ------------------------------------------------------------------------ */
/* Save */

static void put_le(ByteStream *bs, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    bs_put(bs, b, n);
}

static void put_name(ByteStream *bs, const char *s)
{
    size_t n = strlen(s);
    put_le(bs, n, 1);
    bs_put(bs, s, n);
}

static uint64_t state_read_int(const uint8_t *p, StateFieldType t)
{
    switch (t) {
    case SF_BOOL: return *(const bool *)p;
    case SF_U8:   return *p;
    case SF_U16:  { uint16_t v; memcpy(&v, p, 2); return v; }
    case SF_U32:  { uint32_t v; memcpy(&v, p, 4); return v; }
    default:      { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static int state_save_desc(ByteStream *bs, const StateDesc *desc, const uint8_t *obj,
                           Error *err)
{
    if (!desc->name || strlen(desc->name) > STATE_NAME_MAX)
        return error_setf(err, "state: description without a usable name");
    put_name(bs, desc->name);
    put_le(bs, desc->version, 4);

    for (const StateField *f = desc->fields; f && f->type != SF_END; f++) {
        if (!f->name || strlen(f->name) > STATE_NAME_MAX)
            return error_setf(err, "state %s: field without a usable name", desc->name);
        if (state_check_field(desc, f, err) < 0)
            return -1;
        const uint8_t *base = obj + f->offset;
        size_t w = state_type_width(f->type);

        if (f->count > UINT32_MAX)
            return error_setf(err, "state %s: field '%s' too large", desc->name, f->name);
        put_le(bs, f->type, 1);
        put_name(bs, f->name);
        put_le(bs, w, 4);
        put_le(bs, f->count, 4);

        switch (f->type) {
        case SF_BYTES:
            bs_put(bs, base, f->count);
            break;
        case SF_STRUCT:
            for (size_t i = 0; i < f->count; i++)
                if (state_save_desc(bs, f->sub, base + i * f->stride, err) < 0)
                    return -1;
            break;
        case SF_TIMER: {
            Timer *t;
            memcpy(&t, base, sizeof(t));
            int64_t when = t ? timer_expire_time(t) : -1;
            put_le(bs, t ? timer_clock(t) : 0, 1);
            put_le(bs, when >= 0, 1);
            if (when >= 0)
                put_le(bs, (uint64_t)when, 8);
            break;
        }
        default:
            for (size_t i = 0; i < f->count; i++)
                put_le(bs, state_read_int(base + i * f->stride, f->type), w);
            break;
        }
    }
    put_le(bs, SF_END, 1);
    return 0;
}

int state_save(ByteStream *bs, const StateDesc *desc, const void *obj, Error *err)
{
    size_t start = bs->len;
    if (state_save_desc(bs, desc, obj, err) < 0) {
        /* Do not leave half a description for the next one to follow. */
        bs->len = start;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Load */

typedef struct StateLoader {
    ByteStream *bs;
    bool apply;                 /* false: dry run, check the stream only */
    Error *err;
    const char *top;            /* the outermost description's name */
    char path[STATE_PATH_MAX];  /* where we are, for error messages */
    size_t path_len;
} StateLoader;

static int loader_truncated(StateLoader *ld, const char *top)
{
    if (ld->path_len)
        return error_setf(ld->err, "state load: %s: stream truncated in field %s "
                          "(offset %zu)", ld->top, ld->path, ld->bs->pos);
    return error_setf(ld->err, "state load: %s: stream truncated (offset %zu)",
                      top, ld->bs->pos);
}

static int get_le(StateLoader *ld, uint64_t *v, size_t n, const char *top)
{
    uint8_t b[8];
    ByteStream *bs = ld->bs;
    *v = 0;     /* callers may print it even on the error path */
    if (bs->pos > bs->len || n > bs->len - bs->pos)
        return loader_truncated(ld, top);
    memcpy(b, bs->data + bs->pos, n);
    bs->pos += n;
    for (size_t i = 0; i < n; i++)
        *v |= (uint64_t)b[i] << (8 * i);
    return 0;
}

/* Read a name into buf (NUL-terminated); buf holds STATE_NAME_MAX + 1. */
static int get_name(StateLoader *ld, char *buf, const char *top)
{
    uint64_t n;
    if (get_le(ld, &n, 1, top) < 0)
        return -1;
    ByteStream *bs = ld->bs;
    if (n > bs->len - bs->pos)
        return loader_truncated(ld, top);
    memcpy(buf, bs->data + bs->pos, n);
    buf[n] = '\0';
    bs->pos += n;
    return 0;
}

static void state_write_int(uint8_t *p, StateFieldType t, uint64_t v)
{
    switch (t) {
    case SF_BOOL: *(bool *)p = v != 0; break;
    case SF_U8:   *p = (uint8_t)v; break;
    case SF_U16:  { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case SF_U32:  { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default:      memcpy(p, &v, 8); break;
    }
}

static int state_load_timer(StateLoader *ld, const StateField *f, uint8_t *base)
{
    uint64_t clock, pending, when = 0;
    Timer *t;
    memcpy(&t, base, sizeof(t));
    if (get_le(ld, &clock, 1, f->name) < 0 || get_le(ld, &pending, 1, f->name) < 0)
        return -1;
    if (pending > 1)
        return error_setf(ld->err, "state load: %s: field %s: bad timer state %u",
                          ld->top, ld->path, (unsigned)pending);
    if (pending) {
        if (get_le(ld, &when, 8, f->name) < 0)
            return -1;
        if (when > (uint64_t)INT64_MAX)
            return error_setf(ld->err, "state load: %s: field %s: bad timer deadline",
                              ld->top, ld->path);
        if (!t)
            return error_setf(ld->err, "state load: %s: field %s: timer pending in stream "
                              "but the device has none", ld->top, ld->path);
        if (clock != (uint64_t)timer_clock(t))
            return error_setf(ld->err, "state load: %s: field %s: timer on clock %u in "
                              "stream, %u expected", ld->top, ld->path, (unsigned)clock,
                              (unsigned)timer_clock(t));
    }
    if (ld->apply && t) {
        if (pending)
            timer_mod(t, (int64_t)when);
        else
            timer_del(t);
    }
    return 0;
}

static int state_load_desc(StateLoader *ld, const StateDesc *desc, uint8_t *obj);

static int state_load_field(StateLoader *ld, const StateDesc *desc, const StateField *f,
                            uint8_t *obj)
{
    uint8_t *base = obj + f->offset;
    size_t w = state_type_width(f->type);
    size_t saved_len = ld->path_len;
    uint64_t type, size, count;
    char name[STATE_NAME_MAX + 1];

    if (state_check_field(desc, f, ld->err) < 0)
        return -1;
    state_field_path(ld->path, &ld->path_len, f->name);

    if (get_le(ld, &type, 1, f->name) < 0)
        return -1;
    if (type == SF_END)
        return error_setf(ld->err, "state load: %s: field %s missing from stream", ld->top, ld->path);
    if (get_name(ld, name, f->name) < 0)
        return -1;
    if (strcmp(name, f->name) != 0)
        return error_setf(ld->err, "state load: %s: field %s: stream has '%s' here",
                          ld->top, ld->path, name);
    if (type != (uint64_t)f->type)
        return error_setf(ld->err, "state load: %s: field %s: type %s in stream, %s expected",
                          ld->top, ld->path, state_type_name((unsigned)type),
                          state_type_name(f->type));
    if (get_le(ld, &size, 4, f->name) < 0 || get_le(ld, &count, 4, f->name) < 0)
        return -1;
    if (size != w)
        return error_setf(ld->err, "state load: %s: field %s: size %u in stream, %zu expected",
                          ld->top, ld->path, (unsigned)size, w);
    if (count != f->count)
        return error_setf(ld->err, "state load: %s: field %s: count %u in stream, %zu expected",
                          ld->top, ld->path, (unsigned)count, f->count);

    switch (f->type) {
    case SF_BYTES: {
        ByteStream *bs = ld->bs;
        if (f->count > bs->len - bs->pos)
            return loader_truncated(ld, f->name);
        if (ld->apply)
            memcpy(base, bs->data + bs->pos, f->count);
        bs->pos += f->count;
        break;
    }
    case SF_STRUCT:
        for (size_t i = 0; i < f->count; i++) {
            size_t l = ld->path_len;
            if (f->count > 1)
                state_path_push(ld->path, &ld->path_len, "[%zu]", NULL, i);
            if (state_load_desc(ld, f->sub, base + i * f->stride) < 0)
                return -1;
            ld->path_len = l;
            ld->path[l] = '\0';
        }
        break;
    case SF_TIMER:
        if (state_load_timer(ld, f, base) < 0)
            return -1;
        break;
    default:
        for (size_t i = 0; i < f->count; i++) {
            uint64_t v;
            if (get_le(ld, &v, w, f->name) < 0)
                return -1;
            if (f->type == SF_BOOL && v > 1)
                return error_setf(ld->err, "state load: %s: field %s: bad boolean %u",
                                  ld->top, ld->path, (unsigned)v);
            if (ld->apply)
                state_write_int(base + i * f->stride, f->type, v);
        }
        break;
    }
    ld->path_len = saved_len;
    ld->path[saved_len] = '\0';
    return 0;
}

static int state_load_desc(StateLoader *ld, const StateDesc *desc, uint8_t *obj)
{
    char name[STATE_NAME_MAX + 1];
    uint64_t version, type;
    /* "dev" at the top, "dev: field regs[1]" for a nested description. */
    char where[STATE_NAME_MAX + STATE_PATH_MAX + 16];
    if (ld->path_len)
        snprintf(where, sizeof(where), "%s: field %s", ld->top, ld->path);
    else
        snprintf(where, sizeof(where), "%s", desc->name);

    if (get_name(ld, name, desc->name) < 0)
        return -1;
    if (strcmp(name, desc->name) != 0)
        return error_setf(ld->err, "state load: %s: stream holds '%s', '%s' expected",
                          where, name, desc->name);
    if (get_le(ld, &version, 4, desc->name) < 0)
        return -1;
    if (version != desc->version)
        return error_setf(ld->err, "state load: %s: version %u in stream, %u expected",
                          where, (unsigned)version, desc->version);

    for (const StateField *f = desc->fields; f && f->type != SF_END; f++)
        if (state_load_field(ld, desc, f, obj) < 0)
            return -1;

    /* The stream must end the description where the table does. */
    if (get_le(ld, &type, 1, desc->name) < 0)
        return -1;
    if (type != SF_END) {
        char extra[STATE_NAME_MAX + 1] = "?";
        get_name(ld, extra, desc->name);
        /* A failed read above already set the (truncation) error. */
        return error_setf(ld->err, "state load: %s: unexpected field '%s' in stream",
                          where, extra);
    }

    if (ld->apply && desc->post_load) {
        if (desc->post_load(obj, ld->err) < 0)
            return error_setf(ld->err, "state load: %s: post_load failed", where);
    }
    return 0;
}

int state_load(ByteStream *bs, const StateDesc *desc, void *obj, Error *err)
{
    StateLoader ld = { .bs = bs, .apply = false, .err = err, .top = desc->name };
    size_t start = bs->pos;

    /* The dry run reads obj (its Timer pointers) but never writes it. */
    if (state_load_desc(&ld, desc, obj) < 0) {
        bs->pos = start;
        return -1;
    }
    size_t end = bs->pos;
    bs->pos = start;
    ld.apply = true;
    ld.path_len = 0;
    ld.path[0] = '\0';
    if (state_load_desc(&ld, desc, obj) < 0)
        return -1;      /* only post_load can fail here */
    if (bs->pos != end)
        return error_setf(err, "state load: %s: internal error, passes disagree",
                          desc->name);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * State descriptions: a struct with every field type (nested arrays of
 * structs, raw bytes, a pending and an idle timer) survives a round trip;
 * streams that are truncated anywhere, corrupted anywhere, of another
 * version or of another layout are rejected with the offending field named
 * and without touching the destination object.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/core/state.h"
#include "softmmu/main-loop.h"

typedef struct Inner {
    uint8_t a;
    uint16_t w[3];
} Inner;

typedef struct Mid {
    uint32_t id;
    Inner in[2];
    bool flag;
} Mid;

typedef struct Dev {
    bool b;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    uint8_t arr8[5];
    uint16_t arr16[3];
    uint32_t arr32[4];
    uint64_t arr64[2];
    uint8_t blob[13];
    Inner single;
    Mid mids[3];
    Timer *t_pending;
    Timer *t_idle;
    /* not saved: */
    int derived;
} Dev;

static int inner_post_loads;

static int inner_post_load(void *obj, Error *err)
{
    inner_post_loads++;
    return 0;
}

static int dev_post_load(void *obj, Error *err)
{
    Dev *d = obj;
    d->derived = d->u8 + 1;
    return 0;
}

static const StateField inner_fields[] = {
    STATE_U8(Inner, a),
    STATE_U16_ARRAY(Inner, w, 3),
    STATE_END
};
static const StateDesc inner_desc = { "inner", 1, inner_fields, inner_post_load };

static const StateField mid_fields[] = {
    STATE_U32(Mid, id),
    STATE_STRUCT_ARRAY(Mid, in, 2, inner_desc),
    STATE_BOOL(Mid, flag),
    STATE_END
};
static const StateDesc mid_desc = { "mid", 1, mid_fields, NULL };

#define DEV_FIELDS(mid_d)                         \
    STATE_BOOL(Dev, b),                           \
    STATE_U8(Dev, u8),                            \
    STATE_U16(Dev, u16),                          \
    STATE_U32(Dev, u32),                          \
    STATE_U64(Dev, u64),                          \
    STATE_I32(Dev, i32),                          \
    STATE_I64(Dev, i64),                          \
    STATE_U8_ARRAY(Dev, arr8, 5),                 \
    STATE_U16_ARRAY(Dev, arr16, 3),               \
    STATE_U32_ARRAY(Dev, arr32, 4),               \
    STATE_U64_ARRAY(Dev, arr64, 2),               \
    STATE_BYTES(Dev, blob),                       \
    STATE_STRUCT(Dev, single, inner_desc),        \
    STATE_STRUCT_ARRAY(Dev, mids, 3, mid_d),      \
    STATE_TIMER(Dev, t_pending),                  \
    STATE_TIMER(Dev, t_idle),                     \
    STATE_END

static const StateField dev_fields[] = { DEV_FIELDS(mid_desc) };
static const StateDesc dev_desc = { "testdev", 3, dev_fields, dev_post_load };
static const StateDesc dev_desc_v4 = { "testdev", 4, dev_fields, dev_post_load };
static const StateDesc dev_desc_renamed = { "otherdev", 3, dev_fields, dev_post_load };

/* The same layout, except that Inner.w has 2 elements in its description. */
static const StateField inner_fields_short[] = {
    STATE_U8(Inner, a),
    { "w", SF_U16, offsetof(Inner, w), 2, 2, NULL },
    STATE_END
};
static const StateDesc inner_desc_short = { "inner", 1, inner_fields_short, NULL };
static const StateField mid_fields_short[] = {
    STATE_U32(Mid, id),
    STATE_STRUCT_ARRAY(Mid, in, 2, inner_desc_short),
    STATE_BOOL(Mid, flag),
    STATE_END
};
static const StateDesc mid_desc_short = { "mid", 1, mid_fields_short, NULL };
static const StateField dev_fields_short[] = { DEV_FIELDS(mid_desc_short) };
static const StateDesc dev_desc_short = { "testdev", 3, dev_fields_short, NULL };

static void dev_init(Dev *d)
{
    memset(d, 0, sizeof(*d));
    d->t_pending = timer_new(CLK_VIRTUAL, NULL, NULL);
    d->t_idle = timer_new(CLK_REALTIME, NULL, NULL);
}

static void dev_fini(Dev *d)
{
    timer_free(d->t_pending);
    timer_free(d->t_idle);
}

static void dev_fill(Dev *d)
{
    d->b = true;
    d->u8 = 0xa5;
    d->u16 = 0xbeef;
    d->u32 = 0xdeadbeef;
    d->u64 = 0x0123456789abcdefull;
    d->i32 = -12345;
    d->i64 = -0x123456789ll;
    for (int i = 0; i < 5; i++)
        d->arr8[i] = (uint8_t)(0x10 + i);
    for (int i = 0; i < 3; i++)
        d->arr16[i] = (uint16_t)(0x1000 + i * 0x111);
    for (int i = 0; i < 4; i++)
        d->arr32[i] = 0x80000000u + (uint32_t)i * 7;
    for (int i = 0; i < 2; i++)
        d->arr64[i] = 0xfedcba9876543210ull - (uint64_t)i;
    for (int i = 0; i < 13; i++)
        d->blob[i] = (uint8_t)(i * 31);
    d->single.a = 9;
    d->single.w[0] = 1;
    d->single.w[1] = 2;
    d->single.w[2] = 0xffff;
    for (int m = 0; m < 3; m++) {
        d->mids[m].id = 100u + (uint32_t)m;
        d->mids[m].flag = m & 1;
        for (int k = 0; k < 2; k++) {
            d->mids[m].in[k].a = (uint8_t)(m * 10 + k);
            for (int j = 0; j < 3; j++)
                d->mids[m].in[k].w[j] = (uint16_t)(m * 1000 + k * 100 + j);
        }
    }
    timer_mod(d->t_pending, 123456789012ll);
    timer_del(d->t_idle);
}

/* Compare the saved fields (not the timers' identities, nor 'derived'). */
static bool dev_equal(const Dev *x, const Dev *y)
{
    size_t upto = offsetof(Dev, t_pending);
    return memcmp(x, y, upto) == 0 &&
           timer_expire_time(x->t_pending) == timer_expire_time(y->t_pending) &&
           timer_expire_time(x->t_idle) == timer_expire_time(y->t_idle);
}

static void save_src(ByteStream *bs)
{
    Dev src;
    Error err = { 0 };
    dev_init(&src);
    dev_fill(&src);
    bs_init(bs);
    CU_ASSERT_EQUAL_FATAL(state_save(bs, &dev_desc, &src, &err), 0);
    CU_ASSERT_FALSE(err.set);
    dev_fini(&src);
}

static void test_state_round_trip(void)
{
    Dev src, dst;
    ByteStream bs;
    Error err = { 0 };

    dev_init(&src);
    dev_fill(&src);
    dev_init(&dst);
    /* The destination starts with the opposite timer states. */
    timer_mod(dst.t_idle, 5000);
    CU_ASSERT_TRUE(timer_pending(dst.t_idle));
    CU_ASSERT_FALSE(timer_pending(dst.t_pending));

    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, &dev_desc, &src, &err), 0);
    CU_ASSERT(bs.len > 0);
    inner_post_loads = 0;
    CU_ASSERT_EQUAL(state_load(&bs, &dev_desc, &dst, &err), 0);
    if (err.set)
        fprintf(stderr, "unexpected: %s\n", err.msg);
    CU_ASSERT_EQUAL(bs.pos, bs.len);
    CU_ASSERT_TRUE(dev_equal(&src, &dst));
    CU_ASSERT_TRUE(timer_pending(dst.t_pending));
    CU_ASSERT_EQUAL(timer_expire_time(dst.t_pending), 123456789012ll);
    CU_ASSERT_FALSE(timer_pending(dst.t_idle));
    CU_ASSERT_EQUAL(timer_expire_time(dst.t_idle), -1);
    /* post_load ran for the device and for each of its 1 + 3*2 Inners. */
    CU_ASSERT_EQUAL(dst.derived, 0xa5 + 1);
    CU_ASSERT_EQUAL(inner_post_loads, 7);

    /* Two descriptions back to back in one stream load in sequence. */
    bs.pos = 0;
    bs.len = 0;
    CU_ASSERT_EQUAL(state_save(&bs, &inner_desc, &src.single, &err), 0);
    CU_ASSERT_EQUAL(state_save(&bs, &mid_desc, &src.mids[2], &err), 0);
    Inner in = { 0 };
    Mid mid;
    memset(&mid, 0, sizeof(mid));
    CU_ASSERT_EQUAL(state_load(&bs, &inner_desc, &in, &err), 0);
    CU_ASSERT_EQUAL(state_load(&bs, &mid_desc, &mid, &err), 0);
    CU_ASSERT_EQUAL(memcmp(&in, &src.single, sizeof(in)), 0);
    CU_ASSERT_EQUAL(memcmp(&mid, &src.mids[2], sizeof(mid)), 0);
    CU_ASSERT_EQUAL(bs.pos, bs.len);

    bs_free(&bs);
    dev_fini(&src);
    dev_fini(&dst);
}

typedef struct Small {
    uint8_t a;
    uint16_t b;
    uint32_t c;
} Small;

static const StateField small_fields[] = {
    STATE_U8(Small, a), STATE_U16(Small, b), STATE_U32(Small, c), STATE_END
};
static const StateDesc small_desc = { "small", 1, small_fields, NULL };

static void test_state_little_endian(void)
{
    Small s = { 0x7f, 0xa1b2, 0x11223344 };
    ByteStream bs;
    Error err = { 0 };
    static const uint8_t c_le[] = { 0x44, 0x33, 0x22, 0x11 };
    static const uint8_t b_le[] = { 0xb2, 0xa1 };

    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, &small_desc, &s, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(memmem(bs.data, bs.len, c_le, sizeof(c_le)));
    CU_ASSERT_PTR_NOT_NULL(memmem(bs.data, bs.len, b_le, sizeof(b_le)));
    CU_ASSERT_PTR_NOT_NULL(memmem(bs.data, bs.len, "small", 5));
    /* The value ends the stream, just before the end-of-fields marker. */
    CU_ASSERT_EQUAL(memcmp(bs.data + bs.len - 5, c_le, 4), 0);
    CU_ASSERT_EQUAL(bs.data[bs.len - 1], 0);
    bs_free(&bs);
}

/* Load stream into a filled object; check it fails, names 'needle', and
 * leaves the object alone. */
static void expect_load_fails(ByteStream *bs, const StateDesc *desc, const char *needle)
{
    Dev dst, ref;
    Error err = { 0 };
    dev_init(&dst);
    dev_fill(&dst);
    dst.u32 = 0x5a5a5a5a;
    timer_mod(dst.t_idle, 777);
    ref = dst;
    size_t pos = bs->pos;

    CU_ASSERT_EQUAL(state_load(bs, desc, &dst, &err), -1);
    CU_ASSERT_TRUE(err.set);
    if (needle && !strstr(err.msg, needle)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, needle);
        CU_FAIL("error message does not name the field");
    }
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
    CU_ASSERT_TRUE(dev_equal(&dst, &ref));
    CU_ASSERT_EQUAL(timer_expire_time(dst.t_idle), 777);
    CU_ASSERT_EQUAL(bs->pos, pos);
    dev_fini(&dst);
}

static void test_state_wrong_version(void)
{
    ByteStream bs;
    save_src(&bs);
    expect_load_fails(&bs, &dev_desc_v4, "version 3");
    expect_load_fails(&bs, &dev_desc_renamed, "testdev");
    bs_free(&bs);
}

static void test_state_nested_mismatch(void)
{
    ByteStream bs;
    save_src(&bs);
    expect_load_fails(&bs, &dev_desc_short, "mids[0].in[0].w");
    bs_free(&bs);
}

static void test_state_field_mismatch(void)
{
    Small s = { 1, 2, 3 };
    ByteStream bs;
    Error err = { 0 };
    bs_init(&bs);
    CU_ASSERT_EQUAL_FATAL(state_save(&bs, &small_desc, &s, &err), 0);

    static const StateField renamed[] = {
        STATE_U8(Small, a), STATE_U16(Small, b),
        { "cc", SF_U32, offsetof(Small, c), 1, 4, NULL }, STATE_END
    };
    static const StateField retyped[] = {
        STATE_U8(Small, a), { "b", SF_U8, offsetof(Small, b), 1, 1, NULL },
        STATE_U32(Small, c), STATE_END
    };
    static const StateField fewer[] = { STATE_U8(Small, a), STATE_U16(Small, b), STATE_END };
    static const StateField more[] = {
        STATE_U8(Small, a), STATE_U16(Small, b), STATE_U32(Small, c),
        { "d", SF_U8, offsetof(Small, a), 1, 1, NULL }, STATE_END
    };
    const struct { const StateField *f; const char *needle; } cases[] = {
        { renamed, "field cc" },
        { retyped, "field b" },
        { fewer, "unexpected field 'c'" },
        { more, "field d missing" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        StateDesc d = { "small", 1, cases[i].f, NULL };
        Small t = { 9, 9, 9 };
        Error e = { 0 };
        bs.pos = 0;
        CU_ASSERT_EQUAL(state_load(&bs, &d, &t, &e), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, cases[i].needle));
        if (!strstr(e.msg, cases[i].needle))
            fprintf(stderr, "case %zu: '%s'\n", i, e.msg);
        CU_ASSERT_EQUAL(t.a, 9);
        CU_ASSERT_EQUAL(t.c, 9);
    }
    bs_free(&bs);
}

static void test_state_truncated(void)
{
    ByteStream full;
    save_src(&full);
    int fails = 0;
    for (size_t n = 0; n < full.len; n++) {
        ByteStream cut;
        bs_init(&cut);
        bs_put(&cut, full.data, n);
        Dev dst;
        Error err = { 0 };
        dev_init(&dst);
        timer_mod(dst.t_idle, 42);
        if (state_load(&cut, &dev_desc, &dst, &err) == -1 && err.set &&
            strstr(err.msg, "truncated") && timer_expire_time(dst.t_idle) == 42 &&
            dst.u32 == 0)
            fails++;
        dev_fini(&dst);
        bs_free(&cut);
    }
    /* Every proper prefix fails cleanly and says why. */
    CU_ASSERT_EQUAL(fails, (int)full.len);
    bs_free(&full);
}

static void test_state_corrupted(void)
{
    ByteStream full;
    save_src(&full);
    int rejected = 0;
    bool consistent = true;
    for (size_t i = 0; i < full.len; i++) {
        ByteStream bad;
        bs_init(&bad);
        bs_put(&bad, full.data, full.len);
        bad.data[i] ^= 0xff;
        Dev dst;
        Error err = { 0 };
        dev_init(&dst);
        int rc = state_load(&bad, &dev_desc, &dst, &err);
        if ((rc < 0) != err.set)
            consistent = false;
        if (rc < 0)
            rejected++;
        dev_fini(&dst);
        bs_free(&bad);
    }
    CU_ASSERT_TRUE(consistent);
    /* Payload bytes may change silently, but the framing must be checked:
     * the stream is mostly framing, so most flips are rejected. */
    CU_ASSERT(rejected > (int)full.len / 2);

    /* A huge name length is bounds-checked, not trusted. */
    ByteStream bad;
    bs_init(&bad);
    bs_put(&bad, full.data, full.len);
    bad.data[0] = 0xff;
    expect_load_fails(&bad, &dev_desc, NULL);
    bs_free(&bad);
    bs_free(&full);
}

static int failing_post_load(void *obj, Error *err)
{
    return error_setf(err, "register 7 out of range");
}

static void test_state_post_load_error(void)
{
    Small s = { 1, 2, 3 }, t = { 0, 0, 0 };
    ByteStream bs;
    Error err = { 0 };
    StateDesc d = { "small", 1, small_fields, failing_post_load };
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &d, &s, &err), 0);
    CU_ASSERT_EQUAL(state_load(&bs, &d, &t, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "register 7"));
    bs_free(&bs);
}

static void test_state_timer_missing(void)
{
    ByteStream bs;
    Dev dst;
    Error err = { 0 };
    save_src(&bs);
    dev_init(&dst);
    timer_free(dst.t_pending);
    dst.t_pending = NULL;
    CU_ASSERT_EQUAL(state_load(&bs, &dev_desc, &dst, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "t_pending"));
    dev_fini(&dst);
    bs_free(&bs);
}

static void test_state_bad_description(void)
{
    typedef struct Wide { uint64_t x; } Wide;
    static const StateField f[] = {
        { "x", SF_U32, offsetof(Wide, x), 1, sizeof(uint64_t), NULL }, STATE_END
    };
    StateDesc d = { "wide", 1, f, NULL };
    Wide w = { 1 };
    ByteStream bs;
    Error err = { 0 };
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &d, &w, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'x'"));
    /* Nothing half-written is left behind. */
    CU_ASSERT_EQUAL(bs.len, 0);
    bs_free(&bs);
}

static void test_bs_get(void)
{
    ByteStream bs;
    Error err = { 0 };
    uint8_t buf[8];
    bs_init(&bs);
    bs_put(&bs, "abc", 3);
    CU_ASSERT_EQUAL(bs_get(&bs, buf, 4, &err), -1);
    CU_ASSERT_TRUE(err.set);
    CU_ASSERT_EQUAL(bs.pos, 0);
    err.set = false;
    CU_ASSERT_EQUAL(bs_get(&bs, buf, 3, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "abc", 3), 0);
    CU_ASSERT_EQUAL(bs_get(&bs, buf, 1, &err), -1);
    CU_ASSERT_EQUAL(bs_get(&bs, buf, 0, &err), 0);
    /* Growth well past the initial capacity keeps earlier bytes. */
    for (int i = 0; i < 10000; i++) {
        uint8_t v = (uint8_t)i;
        bs_put(&bs, &v, 1);
    }
    CU_ASSERT_EQUAL(bs.len, 10003);
    CU_ASSERT_EQUAL(bs.data[2], 'c');
    CU_ASSERT_EQUAL(bs.data[3 + 9999], (uint8_t)9999);
    bs_free(&bs);
    CU_ASSERT_PTR_NULL(bs.data);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "round_trip", test_state_round_trip },
        { "little_endian", test_state_little_endian },
        { "wrong_version", test_state_wrong_version },
        { "nested_mismatch", test_state_nested_mismatch },
        { "field_mismatch", test_state_field_mismatch },
        { "truncated", test_state_truncated },
        { "corrupted", test_state_corrupted },
        { "post_load_error", test_state_post_load_error },
        { "timer_missing", test_state_timer_missing },
        { "bad_description", test_state_bad_description },
        { "bs_get", test_bs_get },
        { NULL, NULL }
    };
    unit_add_suite("state", NULL, NULL, tests);
}

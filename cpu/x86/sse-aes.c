/* SPDX-License-Identifier: MIT */
/*
 * AES-NI (AESENC/AESENCLAST/AESDEC/AESDECLAST/AESIMC/AESKEYGENASSIST) and
 * PCLMULQDQ, legacy and VEX.128, and the SHA extensions (SHA1RNDS4,
 * SHA1NEXTE, SHA1MSG1/2, SHA256RNDS2, SHA256MSG1/2), in portable C.
 *
 * The XMM register is the AES state in FIPS-197 order: byte i is row
 * i % 4 of column i / 4. The S-boxes are computed once from their
 * definition (multiplicative inverse in GF(2^8) modulo x^8+x^4+x^3+x+1,
 * then the affine map), so there is no table to get wrong; the round
 * steps follow the SDM's pseudo-code for each instruction, as do the SHA
 * ones (with the SDM's naming: A is bits 127:96). These are integer
 * operations: no MXCSR involvement.
 */
#include <pthread.h>

#include "cpu/x86/sse.h"

#define LANE(name) static void lane_##name(XmmReg *d, const XmmReg *a, const XmmReg *b, SseCtx *c)

static uint8_t aes_sbox[256], aes_inv_sbox[256];
static pthread_once_t aes_once = PTHREAD_ONCE_INIT;

/* multiplication in GF(2^8) with the AES polynomial */
static uint8_t gmul(uint8_t x, uint8_t y)
{
    uint8_t r = 0;
    while (y) {
        if (y & 1)
            r ^= x;
        x = (uint8_t)((x << 1) ^ ((x & 0x80) ? 0x1b : 0));
        y >>= 1;
    }
    return r;
}

static uint8_t rotl8(uint8_t v, unsigned n)
{
    return (uint8_t)((v << n) | (v >> (8 - n)));
}

static void aes_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        uint8_t inv = 0;
        for (unsigned k = 1; v && k < 256; k++)
            if (gmul((uint8_t)v, (uint8_t)k) == 1) {
                inv = (uint8_t)k;
                break;
            }
        uint8_t s = (uint8_t)(inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^
                              rotl8(inv, 4) ^ 0x63);
        aes_sbox[v] = s;
        aes_inv_sbox[s] = (uint8_t)v;
    }
}

static void shift_rows(uint8_t *s, bool inv)
{
    uint8_t t[16];
    for (unsigned r = 0; r < 4; r++)
        for (unsigned col = 0; col < 4; col++) {
            unsigned from = inv ? (col + 4 - r) % 4 : (col + r) % 4;
            t[r + 4 * col] = s[r + 4 * from];
        }
    memcpy(s, t, 16);
}

static void sub_bytes(uint8_t *s, bool inv)
{
    for (unsigned k = 0; k < 16; k++)
        s[k] = inv ? aes_inv_sbox[s[k]] : aes_sbox[s[k]];
}

static void mix_columns(uint8_t *s, bool inv)
{
    static const uint8_t fwd[4] = { 2, 3, 1, 1 }, bwd[4] = { 14, 11, 13, 9 };
    const uint8_t *m = inv ? bwd : fwd;
    for (unsigned col = 0; col < 4; col++) {
        uint8_t in[4], *p = s + 4 * col;
        memcpy(in, p, 4);
        for (unsigned r = 0; r < 4; r++)
            p[r] = (uint8_t)(gmul(in[0], m[(4 - r) % 4]) ^ gmul(in[1], m[(5 - r) % 4]) ^
                             gmul(in[2], m[(6 - r) % 4]) ^ gmul(in[3], m[(7 - r) % 4]));
    }
}

/* a: the state (destination / VEX.vvvv), b: the round key (r/m) */
static void aes_round(XmmReg *d, const XmmReg *a, const XmmReg *b, bool dec, bool last)
{
    uint8_t s[16];
    pthread_once(&aes_once, aes_init);
    memcpy(s, a->b, 16);
    shift_rows(s, dec);
    sub_bytes(s, dec);
    if (!last)
        mix_columns(s, dec);
    for (unsigned k = 0; k < 16; k++)
        d->b[k] = s[k] ^ b->b[k];
}

LANE(aesenc) { (void)c; aes_round(d, a, b, false, false); }
LANE(aesenclast) { (void)c; aes_round(d, a, b, false, true); }
LANE(aesdec) { (void)c; aes_round(d, a, b, true, false); }
LANE(aesdeclast) { (void)c; aes_round(d, a, b, true, true); }

LANE(aesimc)
{
    (void)a;
    (void)c;
    memcpy(d->b, b->b, 16);
    mix_columns(d->b, true);
}

static uint32_t sub_word(uint32_t w)
{
    uint32_t r = 0;
    for (unsigned k = 0; k < 4; k++)
        r |= (uint32_t)aes_sbox[(w >> (8 * k)) & 0xff] << (8 * k);
    return r;
}

LANE(aeskeygenassist)
{
    (void)a;
    pthread_once(&aes_once, aes_init);
    uint32_t x1 = sub_word(b->d[1]), x3 = sub_word(b->d[3]), rcon = c->imm;
    d->d[0] = x1;
    d->d[1] = ((x1 >> 8) | (x1 << 24)) ^ rcon;
    d->d[2] = x3;
    d->d[3] = ((x3 >> 8) | (x3 << 24)) ^ rcon;
}

/* PCLMULQDQ: carry-less product of a qword of a (imm[0]) and of b (imm[4]) */
LANE(pclmulqdq)
{
    uint64_t x = a->q[c->imm & 1], y = b->q[(c->imm >> 4) & 1], lo = 0, hi = 0;
    for (unsigned k = 0; k < 64; k++)
        if ((y >> k) & 1) {
            lo ^= x << k;
            hi ^= k ? x >> (64 - k) : 0;
        }
    d->q[0] = lo;
    d->q[1] = hi;
}

SSE_HANDLER(aesenc, lane_aesenc, SSE_NO256)
SSE_HANDLER(aesenclast, lane_aesenclast, SSE_NO256)
SSE_HANDLER(aesdec, lane_aesdec, SSE_NO256)
SSE_HANDLER(aesdeclast, lane_aesdeclast, SSE_NO256)
SSE_HANDLER(aesimc, lane_aesimc, SSE_NO256 | SSE_A_IS_B)
SSE_HANDLER(aeskeygenassist, lane_aeskeygenassist, SSE_NO256 | SSE_A_IS_B)
SSE_HANDLER(pclmulqdq, lane_pclmulqdq, SSE_NO256)

/* ---- SHA extensions: the SDM's pseudo-code, element 0 being bits 31:0 ---- */

static uint32_t rol32(uint32_t v, unsigned n) { return (v << n) | (v >> (32 - n)); }
static uint32_t ror32(uint32_t v, unsigned n) { return (v >> n) | (v << (32 - n)); }

LANE(sha1rnds4)
{
    static const uint32_t kk[4] = { 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6 };
    unsigned fsel = c->imm & 3;
    uint32_t A = a->d[3], B = a->d[2], C = a->d[1], D = a->d[0], E = 0;
    const uint32_t w[4] = { b->d[3], b->d[2], b->d[1], b->d[0] };
    for (unsigned i = 0; i < 4; i++) {
        uint32_t f = fsel == 0 ? (B & C) ^ (~B & D) :
                     fsel == 2 ? (B & C) ^ (B & D) ^ (C & D) : B ^ C ^ D;
        uint32_t nA = f + rol32(A, 5) + w[i] + E + kk[fsel];   /* E is 0 in round 0 */
        E = D;
        D = C;
        C = rol32(B, 30);
        B = A;
        A = nA;
    }
    d->d[3] = A;
    d->d[2] = B;
    d->d[1] = C;
    d->d[0] = D;
}

LANE(sha1nexte)
{
    (void)c;
    *d = *b;
    d->d[3] = b->d[3] + rol32(a->d[3], 30);
}

LANE(sha1msg1)
{
    (void)c;
    uint32_t w0 = a->d[3], w1 = a->d[2], w2 = a->d[1], w3 = a->d[0], w4 = b->d[3], w5 = b->d[2];
    d->d[3] = w2 ^ w0;
    d->d[2] = w3 ^ w1;
    d->d[1] = w4 ^ w2;
    d->d[0] = w5 ^ w3;
}

LANE(sha1msg2)
{
    (void)c;
    uint32_t w13 = b->d[2], w14 = b->d[1], w15 = b->d[0];
    uint32_t w16 = rol32(a->d[3] ^ w13, 1), w17 = rol32(a->d[2] ^ w14, 1);
    uint32_t w18 = rol32(a->d[1] ^ w15, 1), w19 = rol32(a->d[0] ^ w16, 1);
    d->d[3] = w16;
    d->d[2] = w17;
    d->d[1] = w18;
    d->d[0] = w19;
}

LANE(sha256rnds2)
{
    uint32_t A = b->d[3], B = b->d[2], C = a->d[3], D = a->d[2];
    uint32_t E = b->d[1], F = b->d[0], G = a->d[1], H = a->d[0];
    for (unsigned i = 0; i < 2; i++) {
        uint32_t ch = (E & F) ^ (~E & G), maj = (A & B) ^ (A & C) ^ (B & C);
        uint32_t s0 = ror32(A, 2) ^ ror32(A, 13) ^ ror32(A, 22);
        uint32_t s1 = ror32(E, 6) ^ ror32(E, 11) ^ ror32(E, 25);
        uint32_t t = ch + s1 + c->x0->d[i] + H;
        uint32_t nA = t + maj + s0, nE = t + D;
        H = G;
        G = F;
        F = E;
        E = nE;
        D = C;
        C = B;
        B = A;
        A = nA;
    }
    d->d[3] = A;
    d->d[2] = B;
    d->d[1] = E;
    d->d[0] = F;
}

static uint32_t sig0(uint32_t w) { return ror32(w, 7) ^ ror32(w, 18) ^ (w >> 3); }
static uint32_t sig1(uint32_t w) { return ror32(w, 17) ^ ror32(w, 19) ^ (w >> 10); }

LANE(sha256msg1)
{
    (void)c;
    uint32_t w4 = b->d[0], w3 = a->d[3], w2 = a->d[2], w1 = a->d[1], w0 = a->d[0];
    d->d[3] = w3 + sig0(w4);
    d->d[2] = w2 + sig0(w3);
    d->d[1] = w1 + sig0(w2);
    d->d[0] = w0 + sig0(w1);
}

LANE(sha256msg2)
{
    (void)c;
    uint32_t w14 = b->d[2], w15 = b->d[3];
    uint32_t w16 = a->d[0] + sig1(w14), w17 = a->d[1] + sig1(w15);
    uint32_t w18 = a->d[2] + sig1(w16), w19 = a->d[3] + sig1(w17);
    d->d[3] = w19;
    d->d[2] = w18;
    d->d[1] = w17;
    d->d[0] = w16;
}

/*
 * The SDM gives the SHA instructions the aligned-m128 exception type; AMD
 * processors (the reference of the differential tester) accept misaligned
 * operands, and so does this.
 */
#define SHA_KIND (SSE_NO256 | SSE_UNAL)
SSE_HANDLER(sha1rnds4, lane_sha1rnds4, SHA_KIND)
SSE_HANDLER(sha1nexte, lane_sha1nexte, SHA_KIND)
SSE_HANDLER(sha1msg1, lane_sha1msg1, SHA_KIND)
SSE_HANDLER(sha1msg2, lane_sha1msg2, SHA_KIND)
SSE_HANDLER(sha256rnds2, lane_sha256rnds2, SHA_KIND | SSE_X0)
SSE_HANDLER(sha256msg1, lane_sha256msg1, SHA_KIND)
SSE_HANDLER(sha256msg2, lane_sha256msg2, SHA_KIND)

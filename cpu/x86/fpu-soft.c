/* SPDX-License-Identifier: MIT */
/*
 * The portable x87 engine, for hosts that are not x86-64 (and, with
 * -DTANDEM_FPU_SOFT, on x86-64 to test it against the host engine).
 *
 * It implements the basic subset in integer arithmetic on the 80-bit format:
 * FLD/FST/FSTP between registers, FXCH, FFREE, FINCSTP/FDECSTP, FLDZ/FLD1,
 * FCHS/FABS, FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR (register, pop and m32/m64
 * forms), FCOM/FCOMP/FCOMPP/FUCOM/FUCOMP/FUCOMPP, FLD m32/m64/m80,
 * FSTP m80, FILD m16/m32/m64. Results are rounded once, from an exact
 * (or sticky-bit exact) intermediate, to the precision and rounding control
 * of FCW, with the IE/DE/ZE/OE/UE/PE flags, C1 for round-up and stack
 * faults, and the masked default results; NaNs propagate as the SDM's
 * table 4-7 says. Unmasked responses, the transcendentals and the other
 * conversions are not here: x86_fpu_exec_supported() says no and the
 * handler raises #UD for them.
 */
#include "cpu/x86/fpu.h"

#if !defined(__x86_64__) || defined(TANDEM_FPU_SOFT)

typedef struct Ext {
    uint64_t m;
    uint16_t se;
} Ext;

typedef struct Ctx {
    X87State *f;
    unsigned flags, c1;
} Ctx;

static const Ext indefinite = { 0xc000000000000000ull, 0xffff };

static unsigned top_of(const X87State *f) { return (f->fsw >> 11) & 7; }
static bool empty(const X87State *f, unsigned i)
{
    unsigned p = (top_of(f) + i) & 7;
    return ((f->ftw >> (2 * p)) & 3) == 3;
}
static Ext get(const X87State *f, unsigned i)
{
    const X87Reg *r = &f->st[(top_of(f) + i) & 7];
    return (Ext){ r->mant, r->sign_exp };
}
static void put(X87State *f, unsigned i, Ext v)
{
    unsigned p = (top_of(f) + i) & 7;
    f->st[p].mant = v.m;
    f->st[p].sign_exp = v.se;
    f->ftw = (uint16_t)((f->ftw & ~(3u << (2 * p))) | (x86_fpu_tag(&f->st[p]) << (2 * p)));
}
static void pop(X87State *f)
{
    unsigned p = top_of(f);
    f->ftw |= (uint16_t)(3u << (2 * p));
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (((p + 1) & 7) << 11));
}
/* Push: false (after the stack fault response) if ST(7) was not empty. */
static bool push(Ctx *c, Ext v)
{
    X87State *f = c->f;
    unsigned t = (top_of(f) - 1) & 7;
    bool ok = ((f->ftw >> (2 * t)) & 3) == 3;
    if (!ok) {
        c->flags |= FSW_IE | FSW_SF;
        c->c1 = 1;
        if (!(f->fcw & FSW_IE))
            return false;
        v = indefinite;
    }
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (t << 11));
    put(f, 0, v);
    return ok;
}

static bool is_nan(Ext a) { return (a.se & 0x7fff) == 0x7fff && (a.m << 1); }
static bool is_snan(Ext a) { return is_nan(a) && !((a.m >> 62) & 1) && (a.m >> 63); }
static bool is_inf(Ext a) { return (a.se & 0x7fff) == 0x7fff && a.m == (1ull << 63); }
static bool is_zero(Ext a) { return !(a.se & 0x7fff) && !a.m; }
/* unnormals, pseudo-NaN/infinity: invalid operands since the 387 */
static bool unsupported(Ext a)
{
    unsigned e = a.se & 0x7fff;
    return e && !(a.m >> 63);
}

/* Invalid operation: flags, and whether the masked default may be stored. */
static bool invalid(Ctx *c)
{
    c->flags |= FSW_IE;
    return c->f->fcw & FSW_IE;
}

/* NaN operands (SDM table 4-7): an SNaN and a QNaN give the QNaN, two of a
 * kind the one with the larger significand; the result is quiet. */
static Ext nan_result(Ctx *c, Ext a, Ext b, bool two)
{
    if (is_snan(a) || (two && is_snan(b)))
        c->flags |= FSW_IE;
    Ext r;
    if (two && is_nan(a) && is_nan(b) && is_snan(a) != is_snan(b))
        r = is_snan(a) ? b : a;
    else if (two && is_nan(a) && is_nan(b))
        r = (a.m << 1) > (b.m << 1) ? a : (a.m << 1) < (b.m << 1) ? b : (a.se < b.se ? a : b);
    else
        r = is_nan(a) ? a : b;
    r.m |= 1ull << 62;
    return r;
}

/* Normalise: value = m * 2^(e - 16383 - 63), m != 0 -> J bit set. */
static void unpack(Ext a, int *e, uint64_t *m)
{
    *e = a.se & 0x7fff;
    *m = a.m;
    if (!*e)
        *e = 1;                                 /* denormals and pseudo-denormals */
    while (*m && !(*m >> 63)) {
        *m <<= 1;
        (*e)--;
    }
}

/*
 * Round (-1)^sign * m * 2^(e - 127) -- so e is the unbiased exponent when
 * bit 127 of m is set; bit 0 of m may be a sticky bit -- to 'bits' bits of
 * precision in the exponent range emin..emax, per RC; sets PE/UE/OE and C1.
 * Tininess is detected before rounding.
 */
static Ext round_pack(Ctx *c, unsigned sign, int e, unsigned __int128 m, unsigned bits,
                      int emin, int emax)
{
    unsigned rc = (c->f->fcw >> 10) & 3;
    if (!m)
        return (Ext){ 0, (uint16_t)(sign << 15) };
    while (!(m >> 127)) {
        m <<= 1;
        e--;
    }
    bool tiny = e < emin;
    unsigned shift = 128 - bits;
    bool gone = false;                          /* every bit below the result */
    if (tiny) {
        unsigned extra = (unsigned)(emin - e);
        if (extra + shift > 127)
            gone = true;
        else
            shift += extra;
        e = emin;
    }
    unsigned __int128 keep = gone ? 0 : m >> shift;
    unsigned __int128 rest = gone ? m : m & (((unsigned __int128)1 << shift) - 1);
    unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
    bool inexact = rest != 0, up = false;
    switch (rc) {
    case 0: up = !gone && (rest > half || (rest == half && (keep & 1))); break;
    case 1: up = sign && inexact; break;
    case 2: up = !sign && inexact; break;
    case 3: break;
    }
    if (up) {
        keep++;
        if (!tiny && keep >> bits) {
            keep >>= 1;
            e++;
        }
    }
    if (tiny && (inexact || !(c->f->fcw & FSW_UE)))
        c->flags |= FSW_UE;
    if (e > emax) {
        c->flags |= FSW_OE | FSW_PE;
        bool to_inf = rc == 0 || (rc == 1 && sign) || (rc == 2 && !sign);
        c->c1 = to_inf;
        if (to_inf)
            return (Ext){ 1ull << 63, (uint16_t)(sign << 15 | 0x7fff) };
        keep = ((unsigned __int128)1 << bits) - 1;
        e = emax;
        tiny = false;
    } else if (inexact) {
        c->flags |= FSW_PE;
        c->c1 = up;
    }
    uint64_t mant = (uint64_t)(keep << (64 - bits));
    int be = e + 16383;                         /* biased exponent of a J=1 value */
    if (!(mant >> 63))
        be = 0;                                 /* a denormal result */
    return (Ext){ mant, (uint16_t)(sign << 15 | (unsigned)be) };
}

static unsigned pc_bits(const X87State *f)
{
    static const unsigned b[4] = { 24, 64, 53, 64 };
    return b[(f->fcw >> 8) & 3];
}

static Ext arith_round(Ctx *c, unsigned sign, int e, unsigned __int128 m)
{
    return round_pack(c, sign, e, m, pc_bits(c->f), 1 - 16383, 0x7ffe - 16383);
}

/* op: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr (the reg field values) */
static bool arith(Ctx *c, unsigned op, Ext a, Ext b, Ext *r)
{
    if (op == 5 || op == 7) {
        Ext t = a; a = b; b = t;
        op--;
    }
    if (unsupported(a) || unsupported(b)) {
        *r = indefinite;
        return invalid(c);
    }
    if (is_nan(a) || is_nan(b)) {
        *r = nan_result(c, a, b, true);
        return !(c->flags & FSW_IE) || (c->f->fcw & FSW_IE);
    }
    unsigned sa = a.se >> 15, sb = b.se >> 15;
    if (op == 4)
        sb ^= 1;
    bool zdiv = op == 6 && is_zero(b) && !is_zero(a) && !is_inf(a);
    if (!zdiv && (((a.se & 0x7fff) == 0 && a.m) || ((b.se & 0x7fff) == 0 && b.m))) {
        c->flags |= FSW_DE;                     /* precedence: zero divide first */
        if (!(c->f->fcw & FSW_DE))
            return false;
    }
    unsigned rc = (c->f->fcw >> 10) & 3;
    if (op == 0 || op == 4) {
        if (is_inf(a) || is_inf(b)) {
            if (is_inf(a) && is_inf(b) && sa != sb) {
                *r = indefinite;
                return invalid(c);
            }
            *r = is_inf(a) ? a : b;
            r->se = (uint16_t)((is_inf(a) ? sa : sb) << 15 | 0x7fff);
            return true;
        }
        if (is_zero(a) && is_zero(b)) {
            unsigned s = sa == sb ? sa : rc == 1;
            *r = (Ext){ 0, (uint16_t)(s << 15) };
            return true;
        }
        int ea, eb;
        uint64_t ma, mb;
        unpack(a, &ea, &ma);
        unpack(b, &eb, &mb);
        if (!ma) { ea = eb; sa = sb; }
        if (!mb) eb = ea;
        if (eb > ea || (eb == ea && mb > ma)) {
            int te = ea; ea = eb; eb = te;
            uint64_t tm = ma; ma = mb; mb = tm;
            unsigned ts = sa; sa = sb; sb = ts;
        }
        unsigned __int128 A = (unsigned __int128)ma << 62, B = (unsigned __int128)mb << 62;
        unsigned d = (unsigned)(ea - eb);
        if (d) {
            bool sticky = d >= 126 ? B != 0 : (B & (((unsigned __int128)1 << d) - 1)) != 0;
            B = d >= 126 ? 0 : B >> d;
            B |= sticky;
        }
        unsigned __int128 R = sa == sb ? A + B : A - B;
        if (!R) {
            *r = (Ext){ 0, (uint16_t)((rc == 1) << 15) };
            return true;
        }
        *r = arith_round(c, sa, ea - 16383 + 2, R);     /* ma << 62 */
        return true;
    }
    unsigned s = sa ^ sb;
    if (op == 1) {
        if ((is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b))) {
            *r = indefinite;
            return invalid(c);
        }
        if (is_inf(a) || is_inf(b)) {
            *r = (Ext){ 1ull << 63, (uint16_t)(s << 15 | 0x7fff) };
            return true;
        }
        if (is_zero(a) || is_zero(b)) {
            *r = (Ext){ 0, (uint16_t)(s << 15) };
            return true;
        }
        int ea, eb;
        uint64_t ma, mb;
        unpack(a, &ea, &ma);
        unpack(b, &eb, &mb);
        unsigned __int128 R = (unsigned __int128)ma * mb;
        *r = arith_round(c, s, ea + eb - 2 * 16383 + 1, R);
        return true;
    }
    /* division */
    if ((is_inf(a) && is_inf(b)) || (is_zero(a) && is_zero(b))) {
        *r = indefinite;
        return invalid(c);
    }
    if (is_inf(a) || is_zero(b)) {
        if (is_zero(b) && !is_inf(a)) {
            c->flags |= FSW_ZE;
            if (!(c->f->fcw & FSW_ZE))
                return false;
        }
        *r = (Ext){ 1ull << 63, (uint16_t)(s << 15 | 0x7fff) };
        return true;
    }
    if (is_inf(b) || is_zero(a)) {
        *r = (Ext){ 0, (uint16_t)(s << 15) };
        return true;
    }
    int ea, eb;
    uint64_t ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    /* 128 quotient bits in two long divisions, the remainder as sticky */
    unsigned __int128 q1 = ((unsigned __int128)ma << 64) / mb;
    unsigned __int128 r1 = ((unsigned __int128)ma << 64) % mb;
    unsigned __int128 q2 = (r1 << 64) / mb, r2 = (r1 << 64) % mb;
    unsigned __int128 q = (q1 << 62) | (q2 >> 2) | ((q2 & 3) || r2 ? 1 : 0);
    *r = arith_round(c, s, ea - eb + 1, q);
    return true;
}

/* m32/m64 -> 80-bit: exact, SNaN signals IE, denormal signals DE. */
static Ext from_bin(Ctx *c, const uint8_t *p, bool dbl)
{
    uint64_t v = 0;
    memcpy(&v, p, dbl ? 8 : 4);
    unsigned mbits = dbl ? 52 : 23, ebits = dbl ? 11 : 8;
    unsigned s = (unsigned)(v >> (mbits + ebits)) & 1;
    unsigned e = (unsigned)(v >> mbits) & ((1u << ebits) - 1);
    uint64_t m = v & ((1ull << mbits) - 1);
    int bias = dbl ? 1023 : 127;
    if (e == (1u << ebits) - 1) {
        Ext r = { (1ull << 63) | (m << (63 - mbits)), (uint16_t)(s << 15 | 0x7fff) };
        if (m && !((m >> (mbits - 1)) & 1)) {
            c->flags |= FSW_IE;
            r.m |= 1ull << 62;
        }
        return r;
    }
    if (!e && !m)
        return (Ext){ 0, (uint16_t)(s << 15) };
    int ue = e ? (int)e - bias : 1 - bias;
    uint64_t mant = (e ? (1ull << 63) : 0) | (m << (63 - mbits));
    if (!e) {
        c->flags |= FSW_DE;
        while (!(mant >> 63)) {
            mant <<= 1;
            ue--;
        }
    }
    return (Ext){ mant, (uint16_t)(s << 15 | (unsigned)(ue + 16383)) };
}

static Ext from_int(int64_t v)
{
    if (!v)
        return (Ext){ 0, 0 };
    unsigned s = v < 0;
    uint64_t m = s ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int e = 63;
    while (!(m >> 63)) {
        m <<= 1;
        e--;
    }
    return (Ext){ m, (uint16_t)(s << 15 | (unsigned)(e + 16383)) };
}

static void compare(Ctx *c, Ext a, Ext b, bool quiet)
{
    X87State *f = c->f;
    unsigned cc;
    f->fsw &= (uint16_t)~(FSW_C0 | FSW_C2 | FSW_C3);
    if (is_nan(a) || is_nan(b) || unsupported(a) || unsupported(b)) {
        if (!quiet || is_snan(a) || is_snan(b) || unsupported(a) || unsupported(b))
            c->flags |= FSW_IE;
        cc = FSW_C0 | FSW_C2 | FSW_C3;
    } else {
        if (!(c->flags & FSW_IE) &&
            (((a.se & 0x7fff) == 0 && a.m) || ((b.se & 0x7fff) == 0 && b.m)))
            c->flags |= FSW_DE;
        int ea, eb;
        uint64_t ma, mb;
        unsigned sa = a.se >> 15, sb = b.se >> 15;
        unpack(a, &ea, &ma);
        unpack(b, &eb, &mb);
        int ord;
        if (!ma && !mb) ord = 0;
        else if (!ma) ord = sb ? 1 : -1;
        else if (!mb) ord = sa ? -1 : 1;
        else if (sa != sb) ord = sa ? -1 : 1;
        else {
            ord = ea != eb ? (ea > eb ? 1 : -1) : ma != mb ? (ma > mb ? 1 : -1) : 0;
            if (sa) ord = -ord;
        }
        cc = ord < 0 ? FSW_C0 : ord == 0 ? FSW_C3 : 0;
    }
    f->fsw |= (uint16_t)cc;                     /* even when IE is unmasked */
}

static bool underflow(Ctx *c, bool a_empty, bool b_empty)
{
    if (!a_empty && !b_empty)
        return false;
    c->flags |= FSW_IE | FSW_SF;
    c->c1 = 0;
    return true;
}

/* ---- dispatch ---- */

static bool soft_reg(Ctx *c, unsigned esc, unsigned modrm)
{
    X87State *f = c->f;
    unsigned reg = (modrm >> 3) & 7, i = modrm & 7;
    Ext r;
    switch (esc) {
    case 0: case 4: case 6:
        if (reg == 2 || reg == 3) {             /* FCOM, FCOMP, FCOMPP (DE D9) */
            if (!underflow(c, empty(f, 0), empty(f, i)))
                compare(c, get(f, 0), get(f, i), false);
            else
                f->fsw |= FSW_C0 | FSW_C2 | FSW_C3;
            if ((reg == 3 || esc == 6) && (!(c->flags & FSW_IE) || (f->fcw & FSW_IE))) {
                pop(f);
                if (esc == 6)
                    pop(f);
            }
            return true;
        }
        {
            unsigned d = esc == 0 ? 0 : i, op = reg;
            if (esc != 0 && reg >= 4)
                op = reg ^ 1;                   /* DC/DE: FSUBR/FSUB, FDIVR/FDIV swap */
            Ext a = get(f, d), b = get(f, esc == 0 ? i : 0);
            if (underflow(c, empty(f, 0), empty(f, i))) {
                if (!(f->fcw & FSW_IE))
                    return true;
                r = indefinite;
            } else if (!arith(c, op, a, b, &r)) {
                return true;
            }
            put(f, d, r);
            if (esc == 6)
                pop(f);
        }
        return true;
    case 1:
        if (reg == 0) {
            if (empty(f, i)) {
                underflow(c, true, true);
                if (f->fcw & FSW_IE)
                    push(c, indefinite);
                c->c1 = 0;                      /* underflow wins over overflow */
                return true;
            }
            push(c, get(f, i));
            return true;
        }
        if (reg == 1) {
            if (empty(f, 0) || empty(f, i)) {
                underflow(c, true, true);
                if (!(f->fcw & FSW_IE))
                    return true;
                if (empty(f, 0)) put(f, 0, indefinite);
                if (empty(f, i)) put(f, i, indefinite);
            }
            Ext a = get(f, 0), b = get(f, i);
            put(f, 0, b);
            put(f, i, a);
            c->c1 = 0;
            return true;
        }
        switch (modrm) {
        case 0xe0: case 0xe1:
            if (empty(f, 0)) {
                underflow(c, true, true);
                if (f->fcw & FSW_IE)
                    put(f, 0, indefinite);
                return true;
            }
            r = get(f, 0);
            r.se = modrm == 0xe0 ? r.se ^ 0x8000 : r.se & 0x7fff;
            put(f, 0, r);
            c->c1 = 0;
            return true;
        case 0xe8: return push(c, (Ext){ 1ull << 63, 0x3fff }), true;
        case 0xee: return push(c, (Ext){ 0, 0 }), true;
        case 0xf6: case 0xf7:
            f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) |
                                (((top_of(f) + (modrm == 0xf7 ? 1 : 7)) & 7) << 11));
            c->c1 = 0;
            return true;
        case 0xd0:                              /* FNOP: C1 as it was */
            c->c1 = (f->fsw >> 9) & 1;
            return true;
        }
        return false;
    case 2:
        if (modrm != 0xe9)
            return false;
        i = 1;
        __attribute__((fallthrough));           /* FUCOMPP */
    case 5:
        if (esc == 5 && reg == 0) {             /* FFREE */
            f->ftw |= (uint16_t)(3u << (2 * ((top_of(f) + i) & 7)));
            return true;
        }
        if (esc == 5 && (reg == 2 || reg == 3)) {
            if (empty(f, 0)) {
                underflow(c, true, true);
                if (!(f->fcw & FSW_IE))
                    return true;
                put(f, i, indefinite);
            } else {
                put(f, i, get(f, 0));
            }
            if (reg == 3)
                pop(f);
            return true;
        }
        if (esc == 2 || reg == 4 || reg == 5) {
            if (!underflow(c, empty(f, 0), empty(f, i)))
                compare(c, get(f, 0), get(f, i), true);
            else
                f->fsw |= FSW_C0 | FSW_C2 | FSW_C3;
            if (reg == 5 || esc == 2) {
                if (!(c->flags & FSW_IE) || (f->fcw & FSW_IE)) {
                    pop(f);
                    if (esc == 2)
                        pop(f);
                }
            }
            return true;
        }
        return false;
    }
    return false;
}

static bool soft_mem(Ctx *c, unsigned esc, unsigned reg, uint8_t *mem)
{
    X87State *f = c->f;
    Ext v, r;
    switch (esc) {
    case 0: case 4:
        v = empty(f, 0) ? indefinite : from_bin(c, mem, esc == 4);
        if (reg == 2 || reg == 3) {
            if (!underflow(c, empty(f, 0), false))
                compare(c, get(f, 0), v, false);
            else
                f->fsw |= FSW_C0 | FSW_C2 | FSW_C3;
            if (reg == 3 && (!(c->flags & FSW_IE) || (f->fcw & FSW_IE)))
                pop(f);
            return true;
        }
        if (underflow(c, empty(f, 0), false)) {
            if (f->fcw & FSW_IE)
                put(f, 0, indefinite);
            return true;
        }
        if ((c->flags & FSW_IE) && !(f->fcw & FSW_IE))
            return true;
        if (arith(c, reg, get(f, 0), v, &r))
            put(f, 0, r);
        return true;
    case 1: case 5:
        if (reg != 0)
            return false;
        if (!empty(f, 7))                       /* overflow: no operand checks */
            return push(c, indefinite), true;
        v = from_bin(c, mem, esc == 5);
        if ((c->flags & FSW_IE) && !(f->fcw & FSW_IE))
            return true;
        push(c, v);
        return true;
    case 3:
        if (reg == 0) {
            int32_t x;
            memcpy(&x, mem, 4);
            push(c, from_int(x));
            return true;
        }
        if (reg == 5) {
            memcpy(&v.m, mem, 8);
            memcpy(&v.se, mem + 8, 2);
            push(c, v);
            return true;
        }
        if (reg == 7) {
            if (empty(f, 0)) {
                underflow(c, true, true);
                if (!(f->fcw & FSW_IE))
                    return true;
                v = indefinite;
            } else {
                v = get(f, 0);
            }
            memcpy(mem, &v.m, 8);
            memcpy(mem + 8, &v.se, 2);
            pop(f);
            c->c1 = 0;
            return true;
        }
        return false;
    case 7:
        if (reg == 0 || reg == 5) {
            int64_t x;
            if (reg == 0) {
                int16_t h;
                memcpy(&h, mem, 2);
                x = h;
            } else {
                memcpy(&x, mem, 8);
            }
            push(c, from_int(x));
            return true;
        }
        return false;
    }
    return false;
}

static bool soft_supported_mem(unsigned esc, unsigned reg)
{
    switch (esc) {
    case 0: case 4: return true;
    case 1: case 5: return reg == 0;
    case 3: return reg == 0 || reg == 5 || reg == 7;
    case 7: return reg == 0 || reg == 5;
    }
    return false;
}

bool x86_fpu_exec_supported(unsigned slot)
{
    if (slot >= X87_SLOT_MEM)
        return slot < X87_SLOTS && soft_supported_mem((slot - X87_SLOT_MEM) >> 3, slot & 7);
    unsigned esc = slot >> 6, modrm = 0xc0 | (slot & 63), reg = (modrm >> 3) & 7;
    switch (esc) {
    case 0: case 4: return true;
    case 6: return reg != 2 && (reg != 3 || modrm == 0xd9);
    case 1:
        return reg <= 1 || modrm == 0xd0 || modrm == 0xe0 || modrm == 0xe1 || modrm == 0xe8 ||
               modrm == 0xee || modrm == 0xf6 || modrm == 0xf7;
    case 2: return modrm == 0xe9;
    case 5: return reg == 0 || (reg >= 2 && reg <= 5);
    }
    return false;
}

int x86_fpu_exec_fast(X87State *f, unsigned slot, uint8_t *mem)
{
    return -1;
}

unsigned x86_fpu_exec(X87State *f, unsigned slot, uint8_t *mem, uint64_t *rflags)
{
    Ctx c = { f, 0, 0 };                        /* C1 = 0 unless rounded up */
    (void)rflags;
    if (slot >= X87_SLOT_MEM)
        soft_mem(&c, (slot - X87_SLOT_MEM) >> 3, slot & 7, mem);
    else
        soft_reg(&c, slot >> 6, 0xc0 | (slot & 63));
    if (c.flags & FSW_SF)
        c.flags |= FSW_IE;
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (c.c1 ? FSW_C1 : 0));
    f->fsw |= (uint16_t)c.flags;
    return c.flags & FSW_STICKY;
}

#endif

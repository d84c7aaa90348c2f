/* SPDX-License-Identifier: MIT */
/*
 * The x86 decoder: bytes + mode -> X86Insn, a pure function.
 *
 * The lookup tables are derived once from insn.def: for each (map, opcode)
 * a chain of candidate rows in table order. Decoding is prefixes (legacy
 * ones in any order, REX only immediately before the opcode), the opcode
 * and its map escapes, the ModRM byte when the opcode's rows have one, the
 * first candidate row whose ext / prefix / mod / mode / feature constraints
 * match, then SIB, displacement and immediate as that row says. Operands are
 * normalised (see insn.h) so handlers never decode anything.
 *
 * Invariants: a returned X86Insn always has len >= 1 and <= 15 unless the
 * status is X86_DEC_MORE; anything not in the table, or gated by a feature
 * the mode does not advertise, decodes to the X86_INSN_UD row; an
 * instruction that would run past 15 bytes decodes to X86_INSN_GPLEN. The
 * decoder never reads bytes[avail] or beyond.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"

typedef struct X86Row {
    const char *mnem;
    int16_t ext;
    uint16_t attr;
    uint8_t map, opc, pfx, modc, form, osz, imm, feat, icpt;
} X86Row;

static const X86Row x86_rows[X86_INSN_COUNT] = {
#define X86_INSN(id, mnem, handler, map, opc, ext, pfx, modc, form, osz, imm, feat, attr, icpt) \
    [X86_INSN_##id] = { mnem, ext, attr, map, opc, pfx, modc, form, osz, imm, feat, icpt },
#include "cpu/x86/insn.def"
#undef X86_INSN
};

/* Candidate chains: head[map][opcode] and next[row], 0 meaning "none". */
static uint16_t dec_head[X86_MAP_COUNT][256];
static uint16_t dec_next[X86_INSN_COUNT];
static bool dec_has_modrm[X86_MAP_COUNT][256];
static pthread_once_t dec_once = PTHREAD_ONCE_INIT;

static void dec_append(unsigned map, unsigned opc, unsigned row)
{
    uint16_t *link = &dec_head[map][opc];
    while (*link)
        link = &dec_next[*link];
    *link = (uint16_t)row;
    dec_has_modrm[map][opc] = x86_rows[row].modc != NO_MODRM;
}

static void dec_build_tables(void)
{
    /* Rows 0 and 1 are the #UD / #GP pseudo rows; they are never matched. */
    for (unsigned r = X86_INSN_GPLEN + 1; r < X86_INSN_COUNT; r++) {
        const X86Row *row = &x86_rows[r];
        unsigned n = 1;
        if (row->attr & A_CC16)
            n = 16;
        else if (row->form == F_O || row->form == F_OI || row->form == F_AO)
            n = 8;
        for (unsigned k = 0; k < n; k++)
            dec_append(row->map, row->opc + k, r);
    }
}

const char *x86_insn_mnemonic(unsigned op)
{
    return op < X86_INSN_COUNT ? x86_rows[op].mnem : "?";
}

unsigned x86_insn_attr(unsigned op)
{
    return op < X86_INSN_COUNT ? x86_rows[op].attr : A_END;
}

unsigned x86_insn_icpt(unsigned op)
{
    return op < X86_INSN_COUNT ? x86_rows[op].icpt : ICPT_NONE;
}

/* Byte registers: without REX, encodings 4..7 are AH, CH, DH, BH. */
static inline uint8_t dec_breg(unsigned r, bool rex)
{
    return (!rex && r >= 4 && r < 8) ? (uint8_t)(X86_REG_AH + r - 4) : (uint8_t)r;
}

typedef struct DecState {
    const uint8_t *b;
    unsigned avail, pos;
} DecState;

/* 0: ok, else the status to return */
static inline int dec_need(const DecState *d, unsigned n)
{
    if (d->pos + n > 15)
        return X86_DEC_GP;
    if (d->pos + n > d->avail)
        return X86_DEC_MORE;
    return 0;
}

static uint64_t dec_get(DecState *d, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < n; k++)
        v |= (uint64_t)d->b[d->pos + k] << (8 * k);
    d->pos += n;
    return v;
}

static X86DecodeStatus dec_fail(X86Insn *out, X86DecodeStatus st, unsigned len)
{
    memset(out, 0, sizeof(*out));
    if (st == X86_DEC_MORE)
        return st;
    out->op = st == X86_DEC_GP ? X86_INSN_GPLEN : X86_INSN_UD;
    out->len = (uint8_t)(len < 1 ? 1 : len > 15 ? 15 : len);
    out->osz = 4;
    out->asz = 4;
    return st;
}

static bool dec_row_matches(const X86Row *row, const X86DecodeMode *mode, unsigned modrm,
                            unsigned rex, unsigned last_rep, bool opsz, bool vex)
{
    if (!(row->attr & A_VEX) != !vex)
        return false;
    unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    bool mode64 = mode->code_size == 8;

    if (row->ext >= 0x100) {
        /* A set of registers (segment registers): REX.R counts. */
        if ((rex & 4) || !((row->ext >> reg) & 1))
            return false;
    } else if (row->ext >= 0x40) {
        if (mod != 3 || (unsigned)(row->ext & 0x3f) != ((reg << 3) | rm))
            return false;
    } else if (row->ext >= 0 && (unsigned)row->ext != reg) {
        return false;
    }
    switch (row->pfx) {
    case P_NONE: if (last_rep || opsz) return false; break;
    case P_66:   if (last_rep || !opsz) return false; break;
    case P_F3:   if (last_rep != 0xf3) return false; break;
    case P_F2:   if (last_rep != 0xf2) return false; break;
    }
    if (row->modc == MOD_MEM && mod == 3)
        return false;
    if (row->modc == MOD_REG && mod != 3)
        return false;
    if ((row->attr & A_NO64) && mode64)
        return false;
    if ((row->attr & A_ONLY64) && !mode64)
        return false;
    if (row->feat != FEAT_NONE) {
        /* LAHF/SAHF are gated only in 64-bit mode. */
        bool gated = row->feat != FEAT_LAHF64 || mode64;
        if (gated && !(mode->features && mode->features[row->feat]))
            return false;
    }
    return true;
}

/* ModRM/SIB/displacement into out; returns 0 or a status. */
static int dec_modrm_mem(DecState *d, X86Insn *out, unsigned modrm, unsigned rex,
                         bool mode64)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    int st;
    bool ss_default = false;

    out->base = X86_BASE_NONE;
    out->index = X86_BASE_NONE;
    out->scale = 0;
    out->disp = 0;
    if (out->asz == 2) {
        static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
        static const uint8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI, 0xff, 0xff, 0xff, 0xff };
        if (mod == 0 && rm == 6) {
            if ((st = dec_need(d, 2)))
                return st;
            out->disp = (int16_t)dec_get(d, 2);
            return 0;
        }
        out->base = base16[rm];
        out->index = index16[rm];
        ss_default = out->base == R_EBP;
        if (mod == 1) {
            if ((st = dec_need(d, 1)))
                return st;
            out->disp = (int8_t)dec_get(d, 1);
        } else if (mod == 2) {
            if ((st = dec_need(d, 2)))
                return st;
            out->disp = (int16_t)dec_get(d, 2);
        }
        return ss_default ? 1000 : 0;
    }

    if (rm == 4) {
        if ((st = dec_need(d, 1)))
            return st;
        unsigned sib = (unsigned)dec_get(d, 1);
        unsigned idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
        unsigned base = (sib & 7) | ((rex & 1) << 3);
        out->scale = (uint8_t)(sib >> 6);
        if (idx != 4)
            out->index = (uint8_t)idx;
        if ((sib & 7) == 5 && mod == 0) {
            if ((st = dec_need(d, 4)))
                return st;
            out->disp = (int32_t)dec_get(d, 4);
        } else {
            out->base = (uint8_t)base;
            ss_default = base == R_ESP || base == R_EBP;
        }
    } else if (rm == 5 && mod == 0) {
        if ((st = dec_need(d, 4)))
            return st;
        out->disp = (int32_t)dec_get(d, 4);
        if (mode64)
            out->base = X86_BASE_RIP;
        return 0;
    } else {
        out->base = (uint8_t)(rm | ((rex & 1) << 3));
        ss_default = out->base == R_EBP;
    }
    if (mod == 1) {
        if ((st = dec_need(d, 1)))
            return st;
        out->disp = (int8_t)dec_get(d, 1);
    } else if (mod == 2) {
        if ((st = dec_need(d, 4)))
            return st;
        out->disp = (int32_t)dec_get(d, 4);
    }
    return ss_default ? 1000 : 0;
}

X86DecodeStatus x86_decode(const X86DecodeMode *mode, const uint8_t *bytes,
                           unsigned avail, X86Insn *out)
{
    DecState d = { bytes, avail, 0 };
    bool mode64 = mode->code_size == 8;
    unsigned pfx = 0, rex = 0, last_rep = 0, map = X86_MAP_0, opc, modrm = 0;
    int seg = -1, st;
    bool vex = false;
    unsigned vex_l = 0, vex_w = 0, vvvv = 0;

    pthread_once(&dec_once, dec_build_tables);

    for (;;) {
        if ((st = dec_need(&d, 1)))
            return dec_fail(out, st, d.pos + 1);
        unsigned b = bytes[d.pos];
        switch (b) {
        case 0x66: pfx |= PFX_OPSZ; break;
        case 0x67: pfx |= PFX_ADSZ; break;
        case 0xf0: pfx |= PFX_LOCK; break;
        case 0xf2: case 0xf3: last_rep = b; break;
        case 0x26: case 0x2e: case 0x36: case 0x3e:
            /* In 64-bit mode these are prefixes that change nothing. */
            if (!mode64)
                seg = (b >> 3) & 3;
            break;
        case 0x64: seg = SEG_FS; break;
        case 0x65: seg = SEG_GS; break;
        case 0xc4: case 0xc5:
            /* VEX, unless LES/LDS outside 64-bit mode (ModRM.mod != 3). */
            if (!mode64) {
                if ((st = dec_need(&d, 2)))
                    return dec_fail(out, st, d.pos + 2);
                if ((bytes[d.pos + 1] >> 6) != 3)
                    goto opcode;
            }
            goto vex_prefix;
        default:
            if (mode64 && (b & 0xf0) == 0x40) {
                rex = b;
                d.pos++;
                continue;
            }
            goto opcode;
        }
        rex = 0;            /* a REX not right before the opcode is ignored */
        d.pos++;
    }
vex_prefix: {
        /* 66/F2/F3/LOCK/REX before VEX are invalid. */
        bool three = bytes[d.pos] == 0xc4;
        if ((st = dec_need(&d, three ? 4 : 3)))
            return dec_fail(out, st, d.pos + (three ? 4 : 3));
        unsigned b1 = bytes[d.pos + 1], b2 = three ? bytes[d.pos + 2] : b1, mm = 1;
        d.pos += three ? 3 : 2;
        if ((pfx & (PFX_OPSZ | PFX_LOCK)) || last_rep || rex)
            return dec_fail(out, X86_DEC_UD, d.pos + 1);
        rex = 0x40 | (((b1 >> 7) & 1) ? 0 : 4);
        if (three) {
            rex |= (((b1 >> 6) & 1) ? 0 : 2) | (((b1 >> 5) & 1) ? 0 : 1);
            mm = b1 & 0x1f;
            vex_w = b2 >> 7;
            if (mode64 && (b2 & 0x80))
                rex |= 8;
        }
        if (!mode64)
            rex = 0x40;                 /* R, X, B, W have no effect outside 64-bit mode */
        vex = true;
        vex_l = (b2 >> 2) & 1;
        vvvv = (~b2 >> 3) & (mode64 ? 15 : 7);
        static const unsigned pp_rep[4] = { 0, 0, 0xf3, 0xf2 };
        last_rep = pp_rep[b2 & 3];
        if ((b2 & 3) == 1)
            pfx |= PFX_OPSZ;
        if (mm < 1 || mm > 3)
            return dec_fail(out, X86_DEC_UD, d.pos + 1);
        map = mm == 1 ? X86_MAP_0F : mm == 2 ? X86_MAP_0F38 : X86_MAP_0F3A;
        opc = (unsigned)dec_get(&d, 1);
        goto have_opcode;
    }
opcode:
    opc = (unsigned)dec_get(&d, 1);
    if (opc == 0x0f) {
        if ((st = dec_need(&d, 1)))
            return dec_fail(out, st, d.pos + 1);
        opc = (unsigned)dec_get(&d, 1);
        map = X86_MAP_0F;
        if (opc == 0x38 || opc == 0x3a) {
            if ((st = dec_need(&d, 1)))
                return dec_fail(out, st, d.pos + 1);
            map = opc == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
            opc = (unsigned)dec_get(&d, 1);
        }
    }
have_opcode:
    /* VEX opcodes have a ModRM byte except VZEROUPPER/VZEROALL (NO_MODRM rows). */
    if (dec_has_modrm[map][opc]) {
        if ((st = dec_need(&d, 1)))
            return dec_fail(out, st, d.pos + 1);
        modrm = (unsigned)dec_get(&d, 1);
    }

    unsigned r = dec_head[map][opc];
    for (; r; r = dec_next[r])
        if (dec_row_matches(&x86_rows[r], mode, modrm, rex, last_rep, pfx & PFX_OPSZ, vex))
            break;
    if (!r || (vex && vex_l && !(x86_rows[r].attr & A_VL)) ||
        (vex && !vex_l && (x86_rows[r].attr & A_L1)) ||
        (vex && vex_w && (x86_rows[r].attr & A_W0)) ||
        ((x86_rows[r].attr & A_NOVVVV) && vvvv))
        return dec_fail(out, X86_DEC_UD, d.pos);
    const X86Row *row = &x86_rows[r];

    memset(out, 0, sizeof(*out));
    out->op = (uint16_t)r;
    out->vex = vex;
    out->vreg = (uint8_t)vvvv;
    out->vexl = (uint8_t)vex_l;
    out->vexw = (uint8_t)vex_w;
    out->opc = (uint8_t)opc;
    out->modrm = (uint8_t)modrm;
    if (last_rep == 0xf3)
        pfx |= PFX_REP;
    else if (last_rep == 0xf2)
        pfx |= PFX_REPNE;
    if (rex)
        pfx |= PFX_REX;
    if (rex & 8)
        pfx |= PFX_REXW;
    if (seg >= 0)
        pfx |= PFX_SEG;
    out->pfx = (uint8_t)pfx;

    /* Operand size */
    unsigned v = mode->code_size == 2 ? 2 : 4;
    if (pfx & PFX_OPSZ)
        v = 6 - v;
    if (rex & 8)
        v = 8;
    switch (row->osz) {
    case SZ_B:   out->osz = 1; break;
    case SZ_V:   out->osz = (uint8_t)v; break;
    case SZ_D64: out->osz = (uint8_t)(mode64 ? ((pfx & PFX_OPSZ) && !(rex & 8) ? 2 : 8) : v); break;
    case SZ_F64: out->osz = (uint8_t)(mode64 ? 8 : v); break;
    case SZ_W:   out->osz = 2; break;
    case SZ_D:   out->osz = 4; break;
    case SZ_Y:   out->osz = (rex & 8) ? 8 : 4; break;
    }
    /* Address size */
    if (mode64)
        out->asz = (pfx & PFX_ADSZ) ? 4 : 8;
    else
        out->asz = (uint8_t)((pfx & PFX_ADSZ) ? 6 - mode->code_size : mode->code_size);

    /* Operands */
    unsigned reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    unsigned rmreg = (modrm & 7) | ((rex & 1) << 3);
    unsigned oreg = (opc & 7) | ((rex & 1) << 3);
    bool has_rex = rex != 0;
    bool is_mem = dec_has_modrm[map][opc] && (modrm >> 6) != 3;
    unsigned esize = out->osz;
    if (row->form == F_GEB)
        esize = 1;
    bool ss_default = false;

    if (is_mem && row->form != F_CR) {
        st = dec_modrm_mem(&d, out, modrm, rex, mode64);
        if (st == 1000)
            ss_default = true;
        else if (st)
            return dec_fail(out, st, d.pos + 1);
    }
    uint8_t e_kind = is_mem ? K_MEM : K_REG;
    uint8_t e_reg = (uint8_t)(esize == 1 ? dec_breg(rmreg, has_rex) : rmreg);
    uint8_t g_reg = (uint8_t)(out->osz == 1 ? dec_breg(reg, has_rex) : reg);
    switch (row->form) {
    case F_EG:  out->k1 = e_kind; out->r1 = e_reg; out->k2 = K_REG; out->r2 = g_reg; break;
    case F_GE: case F_GEB: case F_GEW: case F_GED:
        out->k1 = K_REG; out->r1 = g_reg; out->k2 = e_kind; out->r2 = e_reg; break;
    case F_EI:  out->k1 = e_kind; out->r1 = e_reg; out->k2 = K_IMM; break;
    case F_AI:  out->k1 = K_REG; out->r1 = R_EAX; out->k2 = K_IMM; break;
    case F_E:   out->k1 = e_kind; out->r1 = e_reg; break;
    case F_E1:  out->k1 = e_kind; out->r1 = e_reg; out->k2 = K_IMM; out->imm = 1; break;
    case F_ECL: out->k1 = e_kind; out->r1 = e_reg; out->k2 = K_REG; out->r2 = R_ECX; break;
    case F_O:   out->k1 = K_REG; out->r1 = (uint8_t)(out->osz == 1 ? dec_breg(oreg, has_rex) : oreg); break;
    case F_OI:  out->k1 = K_REG; out->r1 = (uint8_t)(out->osz == 1 ? dec_breg(oreg, has_rex) : oreg);
                out->k2 = K_IMM; break;
    case F_AO:  out->k1 = K_REG; out->r1 = R_EAX; out->k2 = K_REG; out->r2 = (uint8_t)oreg; break;
    case F_I:   out->k2 = K_IMM; break;
    case F_AM:  out->k1 = K_REG; out->r1 = R_EAX; out->k2 = K_MEM; break;
    case F_MA:  out->k1 = K_MEM; out->k2 = K_REG; out->r2 = R_EAX; break;
    case F_CR:  out->k1 = K_REG; out->r1 = (uint8_t)reg; out->k2 = K_REG; out->r2 = (uint8_t)rmreg; break;
    default: break;
    }

    /* Immediates */
    unsigned n = 0;
    switch (row->imm) {
    case IMM_B: case IMM_BU: case IMM_J8: n = 1; break;
    case IMM_W: n = 2; break;
    case IMM_Z: case IMM_JZ: n = out->osz == 2 ? 2 : 4; break;
    case IMM_V: n = out->osz; break;
    case IMM_WB: n = 3; break;
    case IMM_AP: n = (out->osz == 2 ? 2 : 4) + 2; break;
    case IMM_MOFFS: n = out->asz; break;
    }
    if (n) {
        if ((st = dec_need(&d, n)))
            return dec_fail(out, st, d.pos + n);
        switch (row->imm) {
        case IMM_B: case IMM_J8: out->imm = (uint64_t)(int64_t)(int8_t)dec_get(&d, 1); break;
        case IMM_BU: out->imm = dec_get(&d, 1); break;
        case IMM_W: out->imm = dec_get(&d, 2); break;
        case IMM_Z: case IMM_JZ:
            out->imm = n == 2 ? (uint64_t)(int64_t)(int16_t)dec_get(&d, 2)
                              : (uint64_t)(int64_t)(int32_t)dec_get(&d, 4);
            break;
        case IMM_V: out->imm = dec_get(&d, n); break;
        case IMM_WB: out->imm = dec_get(&d, 2); out->imm2 = (uint16_t)dec_get(&d, 1); break;
        case IMM_AP: out->imm = dec_get(&d, n - 2); out->imm2 = (uint16_t)dec_get(&d, 2); break;
        case IMM_MOFFS:
            out->disp = (int64_t)dec_get(&d, n);
            out->base = out->index = X86_BASE_NONE;
            break;
        }
    }
    if (row->form == F_AM || row->form == F_MA)
        is_mem = true;

    /* Segment of the memory operand */
    if (seg < 0)
        seg = ss_default ? SEG_SS : SEG_DS;
    if (mode64 && seg != SEG_FS && seg != SEG_GS)
        seg = seg == SEG_SS ? X86_SEG_NONE_SS : X86_SEG_NONE;   /* #SS when non-canonical */
    out->seg = (uint8_t)seg;
    out->len = (uint8_t)d.pos;

    /* LOCK is legal only on the rows that allow it, with a memory destination. */
    if ((pfx & PFX_LOCK) && (!(row->attr & A_LOCK) || out->k1 != K_MEM))
        return dec_fail(out, X86_DEC_UD, d.pos);
    return X86_DEC_OK;
}

int x86_insn_format(const X86Insn *i, char *buf, unsigned len)
{
    static const char *const cc[16] = {
        "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"
    };
    const char *m = x86_insn_mnemonic(i->op);
    if (x86_insn_attr(i->op) & A_CC16)
        return snprintf(buf, len, "%s%s", m[0] == 'j' ? "j" : m, cc[i->opc & 15]);
    return snprintf(buf, len, "%s", m);
}

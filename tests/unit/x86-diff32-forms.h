/* SPDX-License-Identifier: MIT */
/*
 * The instruction forms of the 32- and 16-bit differential tester
 * (test-x86-diff32.c, its only includer): opcode bytes, ModRM use, operand
 * widths, immediates, which flags the manuals define and what the input
 * generator must arrange for each. The same bytes run in 32-bit and in
 * 16-bit code: 66 and 67 flip the widths the mode implies.
 */
#ifndef TANDEM_X86_DIFF32_FORMS_H
#define TANDEM_X86_DIFF32_FORMS_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/unit/x86-diff-common.h"

enum {
    SP_NONE, SP_DIV, SP_IDIV, SP_CL, SP_CNT8, SP_BSX, SP_STR, SP_CMPX, SP_BOUND, SP_INTO,
    SP_XLAT, SP_ENTER, SP_LEAVE, SP_LEA, SP_LEA16, SP_LOOP, SP_LOOP16, SP_AAM, SP_MOFFS,
    SP_NO16, SP_VEX, SP_CC, SP_REL0, SP_RET, SP_BRIND, SP_POPSEG, SP_MOVSEG, SP_LOADSEG,
    SP_FARPTR, SP_PUSHSEG, SP_BTMEM, SP_POPF, SP_MEMR, SP_STR67,
};

/* ext: ModRM reg field, or one of these */
#define E_REG   -1      /* ModRM with a random reg field */
#define E_NONE  -2      /* no ModRM */
#define E_OPREG -3      /* register in the opcode's low three bits */

typedef struct Form32 {
    const char *name;
    uint8_t op[4], oplen;       /* opcode bytes (a mandatory prefix first) */
    int8_t ext;
    bool byte;                  /* 8-bit operand form (else 16 and 32) */
    bool mem;                   /* r/m is the memory operand */
    uint8_t imm;                /* immediate bytes: 1, 2, 4 (iz) */
    uint8_t fl, sp;
    const char *need;           /* host CPU feature, or NULL */
    bool fault;                 /* inputs that raise an exception (not cleaned) */
} Form32;

static const Form32 diff32_forms[] = {
    /* what 32-bit mode alone has */
    { "inc r (40+r)", {0x40}, 1, E_OPREG, false, false, 0, FL_ALL, 0, NULL, false },
    { "dec r (48+r)", {0x48}, 1, E_OPREG, false, false, 0, FL_ALL, 0, NULL, false },
    { "pusha",     {0x60}, 1, E_NONE, false, false, 0, FL_ALL, 0, NULL, false },
    { "popa",      {0x61}, 1, E_NONE, false, false, 0, FL_ALL, 0, NULL, false },
    { "daa",       {0x27}, 1, E_NONE, true,  false, 0, FL_DAA, 0, NULL, false },
    { "das",       {0x2f}, 1, E_NONE, true,  false, 0, FL_DAA, 0, NULL, false },
    { "aaa",       {0x37}, 1, E_NONE, true,  false, 0, FL_AAA, 0, NULL, false },
    { "aas",       {0x3f}, 1, E_NONE, true,  false, 0, FL_AAA, 0, NULL, false },
    { "aam",       {0xd4}, 1, E_NONE, true,  false, 1, FL_SZP, SP_AAM, NULL, false },
    { "aad",       {0xd5}, 1, E_NONE, true,  false, 1, FL_SZP, 0, NULL, false },
    { "salc",      {0xd6}, 1, E_NONE, true,  false, 0, FL_ALL, 0, NULL, false },
    { "arpl Ew,Gw", {0x63}, 1, E_REG, false, false, 0, FL_ZF, SP_NO16, NULL, false },
    { "bound Gv,Ma", {0x62}, 1, E_REG, false, true, 0, FL_ALL, SP_BOUND, NULL, false },
    { "into",      {0xce}, 1, E_NONE, true,  false, 0, FL_ALL, SP_INTO, NULL, false },
    { "xlat",      {0xd7}, 1, E_NONE, true,  false, 0, FL_ALL, SP_XLAT, NULL, false },
    { "enter",     {0xc8}, 1, E_NONE, false, false, 3, FL_ALL, SP_ENTER, NULL, false },
    { "leave",     {0xc9}, 1, E_NONE, false, false, 0, FL_ALL, SP_LEAVE, NULL, false },
    { "loop",      {0xe2, 0x00}, 2, E_NONE, true, false, 0, FL_ALL, SP_LOOP, NULL, false },
    { "loope",     {0xe1, 0x00}, 2, E_NONE, true, false, 0, FL_ALL, SP_LOOP, NULL, false },
    { "loopne",    {0xe0, 0x00}, 2, E_NONE, true, false, 0, FL_ALL, SP_LOOP, NULL, false },
    { "jecxz",     {0xe3, 0x00}, 2, E_NONE, true, false, 0, FL_ALL, SP_LOOP, NULL, false },
    { "loop (67)", {0x67, 0xe2, 0x00}, 3, E_NONE, true, false, 0, FL_ALL, SP_LOOP16, NULL, false },
    { "jcxz (67)", {0x67, 0xe3, 0x00}, 3, E_NONE, true, false, 0, FL_ALL, SP_LOOP16, NULL, false },
    { "push r",    {0x50}, 1, E_OPREG, false, false, 0, FL_ALL, 0, NULL, false },
    { "pop r",     {0x58}, 1, E_OPREG, false, false, 0, FL_ALL, 0, NULL, false },
    { "push Iz",   {0x68}, 1, E_NONE, false, false, 4, FL_ALL, 0, NULL, false },
    { "push Ib",   {0x6a}, 1, E_NONE, false, false, 1, FL_ALL, 0, NULL, false },
    { "push Mv",   {0xff}, 1, 6, false, true, 0, FL_ALL, 0, NULL, false },
    { "pop Mv",    {0x8f}, 1, 0, false, true, 0, FL_ALL, 0, NULL, false },
    { "mov AL,Ob", {0xa0}, 1, E_NONE, true, false, 0, FL_ALL, SP_MOFFS, NULL, false },
    { "mov eAX,Ov", {0xa1}, 1, E_NONE, false, false, 0, FL_ALL, SP_MOFFS, NULL, false },
    { "mov Ob,AL", {0xa2}, 1, E_NONE, true, false, 0, FL_ALL, SP_MOFFS, NULL, false },
    { "mov Ov,eAX", {0xa3}, 1, E_NONE, false, false, 0, FL_ALL, SP_MOFFS, NULL, false },
    { "lea Gv,M (32)", {0x8d}, 1, E_REG, false, false, 0, FL_ALL, SP_LEA, NULL, false },
    { "lea Gv,M (16)", {0x8d}, 1, E_REG, false, false, 0, FL_ALL, SP_LEA16, NULL, false },
    /* memory through base and index registers: every 16-bit form (with the
     * 64 KiB wrap) in 16-bit code, base + index*scale + disp in 32-bit code */
    { "mov Gv,M (regs)", {0x8b}, 1, E_REG, false, true, 0, FL_ALL, SP_MEMR, NULL, false },
    { "add M,Gv (regs)", {0x01}, 1, E_REG, false, true, 0, FL_ALL, SP_MEMR, NULL, false },
    { "cmp M,Gb (regs)", {0x38}, 1, E_REG, true, true, 0, FL_ALL, SP_MEMR, NULL, false },
    { "cmpxchg8b", {0x0f, 0xc7}, 2, 1, false, true, 0, FL_ALL, SP_CMPX, NULL, false },
    /* near branches to the next instruction, at both operand sizes in 16-bit
     * code (66 CALL/RET push and pop EIP), at 32 bits in 32-bit code (a
     * 16-bit IP would leave the page) */
    { "call rel",  {0xe8}, 1, E_NONE, false, false, 4, FL_ALL, SP_REL0, NULL, false },
    { "jmp rel8",  {0xeb}, 1, E_NONE, false, false, 1, FL_ALL, SP_REL0, NULL, false },
    { "jcc rel",   {0x0f, 0x80}, 2, E_NONE, false, false, 4, FL_ALL, SP_REL0, NULL, false },
    { "ret",       {0xc3}, 1, E_NONE, false, false, 0, FL_ALL, SP_RET, NULL, false },
    { "ret Iw",    {0xc2}, 1, E_NONE, false, false, 2, FL_ALL, SP_RET, NULL, false },
    { "call Ev",   {0xff}, 1, 2, false, false, 0, FL_ALL, SP_BRIND, NULL, false },
    { "jmp Ev",    {0xff}, 1, 4, false, false, 0, FL_ALL, SP_BRIND, NULL, false },
    /* EFLAGS: IF is 1 on both sides; POPF pops IF=1, IOPL=0, and never TF or
     * AC (user mode has CR0.AM set), so CPL 3 natively and CPL 0 in tandem agree */
    { "pushf",     {0x9c}, 1, E_NONE, false, false, 0, FL_ALL, 0, NULL, false },
    { "popf",      {0x9d}, 1, E_NONE, false, false, 0, FL_ALL, SP_POPF, NULL, false },
    /* segment registers (ES, DS: selector 0x2b, the host's __USER_DS, or null) */
    { "push es",   {0x06}, 1, E_NONE, false, false, 0, FL_ALL, SP_PUSHSEG, NULL, false },
    { "push ss",   {0x16}, 1, E_NONE, false, false, 0, FL_ALL, SP_PUSHSEG, NULL, false },
    { "push ds",   {0x1e}, 1, E_NONE, false, false, 0, FL_ALL, SP_PUSHSEG, NULL, false },
    { "pop es",    {0x07}, 1, E_NONE, false, false, 0, FL_ALL, SP_POPSEG, NULL, false },
    { "pop ds",    {0x1f}, 1, E_NONE, false, false, 0, FL_ALL, SP_POPSEG, NULL, false },
    { "mov Ev,Sw", {0x8c}, 1, E_REG, false, false, 0, FL_ALL, SP_MOVSEG, NULL, false },
    { "mov Mw,Sw", {0x8c}, 1, E_REG, false, true, 0, FL_ALL, SP_MOVSEG, NULL, false },
    { "mov Sw,Ew", {0x8e}, 1, E_REG, false, false, 0, FL_ALL, SP_LOADSEG, NULL, false },
    { "les Gv,Mp", {0xc4}, 1, E_REG, false, true, 0, FL_ALL, SP_FARPTR, NULL, false },
    { "lds Gv,Mp", {0xc5}, 1, E_REG, false, true, 0, FL_ALL, SP_FARPTR, NULL, false },
    /* exceptions: #BR, #OF, #DE */
    { "bound #BR", {0x62}, 1, E_REG, false, true, 0, FL_ALL, SP_BOUND, NULL, true },
    { "into #OF",  {0xce}, 1, E_NONE, true, false, 0, FL_ALL, SP_INTO, NULL, true },
    { "aam 0 #DE", {0xd4}, 1, E_NONE, true, false, 1, FL_SZP, SP_AAM, NULL, true },
    { "div Ev #DE", {0xf7}, 1, 6, false, false, 0, FL_NONE, SP_DIV, NULL, true },
    { "idiv Eb #DE", {0xf6}, 1, 7, true, false, 0, FL_NONE, SP_IDIV, NULL, true },
    /* the common forms, at 8, 16 and 32 bits */
    { "add Ev,Gv", {0x01}, 1, E_REG, false, false, 0, FL_ALL, 0, NULL, false },
    { "adc Eb,Gb", {0x10}, 1, E_REG, true,  false, 0, FL_ALL, 0, NULL, false },
    { "sbb Gv,Mv", {0x1b}, 1, E_REG, false, true,  0, FL_ALL, 0, NULL, false },
    { "sub Mb,Gb", {0x28}, 1, E_REG, true,  true,  0, FL_ALL, 0, NULL, false },
    { "cmp Ev,Iz", {0x81}, 1, 7, false, false, 4, FL_ALL, 0, NULL, false },
    { "and Ev,Ib", {0x83}, 1, 4, false, false, 1, FL_LOGIC, 0, NULL, false },
    { "or Eb,Ib",  {0x80}, 1, 1, true,  false, 1, FL_LOGIC, 0, NULL, false },
    { "xor Ev,Gv", {0x31}, 1, E_REG, false, false, 0, FL_LOGIC, 0, NULL, false },
    { "test Ev,Gv", {0x85}, 1, E_REG, false, false, 0, FL_LOGIC, 0, NULL, false },
    { "test Eb,Ib", {0xf6}, 1, 0, true,  false, 1, FL_LOGIC, 0, NULL, false },
    { "add AL,Ib", {0x04}, 1, E_NONE, true, false, 1, FL_ALL, 0, NULL, false },
    { "sub eAX,Iz", {0x2d}, 1, E_NONE, false, false, 4, FL_ALL, 0, NULL, false },
    { "inc Ev",    {0xff}, 1, 0, false, false, 0, FL_ALL, 0, NULL, false },
    { "dec Mv",    {0xff}, 1, 1, false, true,  0, FL_ALL, 0, NULL, false },
    { "inc Eb",    {0xfe}, 1, 0, true,  false, 0, FL_ALL, 0, NULL, false },
    { "neg Ev",    {0xf7}, 1, 3, false, false, 0, FL_ALL, 0, NULL, false },
    { "not Eb",    {0xf6}, 1, 2, true,  false, 0, FL_ALL, 0, NULL, false },
    { "mul Ev",    {0xf7}, 1, 4, false, false, 0, FL_MUL, 0, NULL, false },
    { "mul Eb",    {0xf6}, 1, 4, true,  false, 0, FL_MUL, 0, NULL, false },
    { "imul Eb",   {0xf6}, 1, 5, true,  false, 0, FL_MUL, 0, NULL, false },
    { "imul Ev",   {0xf7}, 1, 5, false, false, 0, FL_MUL, 0, NULL, false },
    { "imul Gv,Ev", {0x0f, 0xaf}, 2, E_REG, false, false, 0, FL_MUL, 0, NULL, false },
    { "imul Gv,Ev,Ib", {0x6b}, 1, E_REG, false, false, 1, FL_MUL, 0, NULL, false },
    { "div Ev",    {0xf7}, 1, 6, false, false, 0, FL_NONE, SP_DIV, NULL, false },
    { "div Eb",    {0xf6}, 1, 6, true,  false, 0, FL_NONE, SP_DIV, NULL, false },
    { "idiv Ev",   {0xf7}, 1, 7, false, false, 0, FL_NONE, SP_IDIV, NULL, false },
    { "idiv Eb",   {0xf6}, 1, 7, true,  false, 0, FL_NONE, SP_IDIV, NULL, false },
    { "rol Ev,CL", {0xd3}, 1, 0, false, false, 0, FL_ROT, SP_CL, NULL, false },
    { "ror Eb,CL", {0xd2}, 1, 1, true,  false, 0, FL_ROT, SP_CL, NULL, false },
    { "rcl Ev,CL", {0xd3}, 1, 2, false, false, 0, FL_RC, SP_CL, NULL, false },
    { "rcr Ev,CL", {0xd3}, 1, 3, false, false, 0, FL_RC, SP_CL, NULL, false },
    { "rcl Eb,CL", {0xd2}, 1, 2, true,  false, 0, FL_RC, SP_CL, NULL, false },
    { "shl Ev,CL", {0xd3}, 1, 4, false, false, 0, FL_SHIFT, SP_CL, NULL, false },
    { "shr Eb,CL", {0xd2}, 1, 5, true,  false, 0, FL_SHIFT, SP_CL, NULL, false },
    { "sar Ev,CL", {0xd3}, 1, 7, false, false, 0, FL_SHIFT, SP_CL, NULL, false },
    { "shl Ev,Ib", {0xc1}, 1, 4, false, false, 1, FL_SHIFT, SP_CNT8, NULL, false },
    { "rcr Ev,Ib", {0xc1}, 1, 3, false, false, 1, FL_RC, SP_CNT8, NULL, false },
    { "sar Eb,Ib", {0xc0}, 1, 7, true,  false, 1, FL_SHIFT, SP_CNT8, NULL, false },
    { "rcl Ev,1",  {0xd1}, 1, 2, false, false, 0, FL_RC, 0, NULL, false },
    { "shld Ev,Gv,CL", {0x0f, 0xa5}, 2, E_REG, false, false, 0, FL_SHD, SP_CL, NULL, false },
    { "shrd Ev,Gv,Ib", {0x0f, 0xac}, 2, E_REG, false, false, 1, FL_SHD, SP_CNT8, NULL, false },
    { "bt Ev,Gv",  {0x0f, 0xa3}, 2, E_REG, false, false, 0, FL_CF, 0, NULL, false },
    { "btc Ev,Gv", {0x0f, 0xbb}, 2, E_REG, false, false, 0, FL_CF, 0, NULL, false },
    { "btr Ev,Ib", {0x0f, 0xba}, 2, 6, false, false, 1, FL_CF, 0, NULL, false },
    /* a register bit offset reaches bytes before and after the operand */
    { "bt Mv,Gv",  {0x0f, 0xa3}, 2, E_REG, false, true, 0, FL_CF, SP_BTMEM, NULL, false },
    { "bts Mv,Gv", {0x0f, 0xab}, 2, E_REG, false, true, 0, FL_CF, SP_BTMEM, NULL, false },
    { "btr Mv,Gv", {0x0f, 0xb3}, 2, E_REG, false, true, 0, FL_CF, SP_BTMEM, NULL, false },
    { "btc Mv,Gv", {0x0f, 0xbb}, 2, E_REG, false, true, 0, FL_CF, SP_BTMEM, NULL, false },
    { "bts Mv,Ib", {0x0f, 0xba}, 2, 5, false, true, 1, FL_CF, 0, NULL, false },
    { "bsf Gv,Ev", {0x0f, 0xbc}, 2, E_REG, false, false, 0, FL_ZF, SP_BSX, NULL, false },
    { "bsr Gv,Ev", {0x0f, 0xbd}, 2, E_REG, false, false, 0, FL_ZF, SP_BSX, NULL, false },
    { "popcnt",    {0xf3, 0x0f, 0xb8}, 3, E_REG, false, false, 0, FL_ALL, 0, "popcnt", false },
    { "lzcnt",     {0xf3, 0x0f, 0xbd}, 3, E_REG, false, false, 0, FL_CFZF, 0, "abm", false },
    { "tzcnt",     {0xf3, 0x0f, 0xbc}, 3, E_REG, false, false, 0, FL_CFZF, 0, "bmi1", false },
    { "movzx Gv,Eb", {0x0f, 0xb6}, 2, E_REG, false, false, 0, FL_ALL, 0, NULL, false },
    { "movsx Gv,Eb", {0x0f, 0xbe}, 2, E_REG, false, false, 0, FL_ALL, 0, NULL, false },
    { "movzx Gv,Ew", {0x0f, 0xb7}, 2, E_REG, false, false, 0, FL_ALL, 0, NULL, false },
    { "mov Gb,Eb", {0x8a}, 1, E_REG, true,  false, 0, FL_ALL, 0, NULL, false },
    { "mov Mv,Gv", {0x89}, 1, E_REG, false, true,  0, FL_ALL, 0, NULL, false },
    { "xchg Eb,Gb", {0x86}, 1, E_REG, true, false, 0, FL_ALL, 0, NULL, false },
    { "xchg eAX,r", {0x90}, 1, E_OPREG, false, false, 0, FL_ALL, 0, NULL, false },
    { "xadd Ev,Gv", {0x0f, 0xc1}, 2, E_REG, false, false, 0, FL_ALL, 0, NULL, false },
    { "cmpxchg Ev,Gv", {0x0f, 0xb1}, 2, E_REG, false, false, 0, FL_ALL, 0, NULL, false },
    { "cmpxchg Mb,Gb", {0x0f, 0xb0}, 2, E_REG, true, true, 0, FL_ALL, 0, NULL, false },
    { "setcc",     {0x0f, 0x90}, 2, 0, true,  false, 0, FL_ALL, SP_CC, NULL, false },
    { "cmovcc",    {0x0f, 0x40}, 2, E_REG, false, false, 0, FL_ALL, SP_CC, NULL, false },
    { "bswap",     {0x0f, 0xc8}, 2, E_OPREG, false, false, 0, FL_ALL, SP_NO16, NULL, false },
    { "cwde",      {0x98}, 1, E_NONE, false, false, 0, FL_ALL, 0, NULL, false },
    { "cdq",       {0x99}, 1, E_NONE, false, false, 0, FL_ALL, 0, NULL, false },
    { "sahf",      {0x9e}, 1, E_NONE, true,  false, 0, FL_ALL, 0, NULL, false },
    { "lahf",      {0x9f}, 1, E_NONE, true,  false, 0, FL_ALL, 0, NULL, false },
    { "movbe Gv,Mv", {0x0f, 0x38, 0xf0}, 3, E_REG, false, true, 0, FL_ALL, 0, "movbe", false },
    { "adcx",      {0x66, 0x0f, 0x38, 0xf6}, 4, E_REG, false, false, 0, FL_ALL, SP_NO16, "adx", false },
    { "adox",      {0xf3, 0x0f, 0x38, 0xf6}, 4, E_REG, false, false, 0, FL_ALL, SP_NO16, "adx", false },
    /* VEX: op = { map, pp, opcode } */
    { "andn",   {2, 0, 0xf2}, 3, E_REG, false, false, 0, FL_SZCO, SP_VEX, "bmi1", false },
    { "blsr",   {2, 0, 0xf3}, 3, 1, false, false, 0, FL_SZCO, SP_VEX, "bmi1", false },
    { "bextr",  {2, 0, 0xf7}, 3, E_REG, false, false, 0, FL_ZCO, SP_VEX, "bmi1", false },
    { "shlx",   {2, 1, 0xf7}, 3, E_REG, false, false, 0, FL_ALL, SP_VEX, "bmi2", false },
    { "mulx",   {2, 3, 0xf6}, 3, E_REG, false, false, 0, FL_ALL, SP_VEX, "bmi2", false },
    { "rorx",   {3, 3, 0xf0}, 3, E_REG, false, false, 1, FL_ALL, SP_VEX, "bmi2", false },
    /* strings with 32-bit ESI/EDI/ECX */
    { "movsb",     {0xa4}, 1, E_NONE, true,  false, 0, FL_ALL, SP_STR, NULL, false },
    { "movs",      {0xa5}, 1, E_NONE, false, false, 0, FL_ALL, SP_STR, NULL, false },
    { "stos",      {0xab}, 1, E_NONE, false, false, 0, FL_ALL, SP_STR, NULL, false },
    { "lodsb",     {0xac}, 1, E_NONE, true,  false, 0, FL_ALL, SP_STR, NULL, false },
    { "cmps",      {0xa7}, 1, E_NONE, false, false, 0, FL_ALL, SP_STR, NULL, false },
    { "scasb",     {0xae}, 1, E_NONE, true,  false, 0, FL_ALL, SP_STR, NULL, false },
    /* 16-bit code only: 67 makes them use ESI, EDI and ECX whole */
    { "movs (67)", {0x67, 0xa5}, 2, E_NONE, false, false, 0, FL_ALL, SP_STR67, NULL, false },
    { "stosb (67)", {0x67, 0xaa}, 2, E_NONE, true, false, 0, FL_ALL, SP_STR67, NULL, false },
    { "cmps (67)", {0x67, 0xa7}, 2, E_NONE, false, false, 0, FL_ALL, SP_STR67, NULL, false },
};

#endif

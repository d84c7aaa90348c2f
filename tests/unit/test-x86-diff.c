/* SPDX-License-Identifier: MIT */
/*
 * Differential tester, first version: user-level integer instructions run
 * natively on the host and in tandem's CPU (64-bit mode) with the same
 * register, flag and memory inputs; the registers, the memory operand and
 * the flags the manuals define for that instruction and input must agree.
 *
 * Host side: one RWX page holds a trampoline that loads all registers but
 *  RSP and the arithmetic flags from a state block, runs the instruction at
 * page offset 0x100, and stores everything back. Guest side: the same bytes
 * at the same page offset of a guest page, followed by HLT, run by
 * vcpu_run on a hand-built machine; the code is rewritten for each form and
 * announced with invalidate_code, which exercises TB invalidation too.
 * Memory forms use a RIP-relative operand at page offset 0x800, which the
 * identical page offsets make the same displacement on both sides.
 *
 * Inputs are random values mixed with edge cases (0, 1, all-ones, sign
 * boundaries); shift and rotate counts sweep every value 0..63. Inputs that
 * would fault natively (#DE) are adjusted first, except in the "#DE" forms,
 * which compare the exception instead: natively the signal context (see
 * x86_diff_call) gives vector, registers, RIP and RFLAGS; in tandem the
 * guest page holds a GDT and an IDT whose handlers are one HLT per vector,
 * and the frame gives RIP and RFLAGS. TESTS_X86_DIFF_ITERS sets the
 * iterations per form and size for a long run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/unit.h"
#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "softmmu/machine.h"
#include "softmmu/memory.h"
#include "softmmu/vcpu.h"

#define ARITH X86_DIFF_ARITH

/* ---- forms ---- */

enum { SP_NONE, SP_DIV, SP_IDIV, SP_BSX, SP_CL, SP_IMM8CNT, SP_SHD_CL, SP_NO16, SP_LEA, SP_STR, SP_CMPX, SP_VEX,
       SP_BTMEM, SP_DIVF };

typedef struct DiffForm {
    const char *name;
    uint8_t op[4], oplen;       /* opcode bytes (a mandatory prefix first) */
    int8_t ext;                 /* ModRM reg field, -1: a register */
    bool byte;                  /* 8-bit operand form (else 16/32/64) */
    bool mem;                   /* r/m is the memory operand */
    uint8_t imm;                /* immediate bytes (1, 2 or 4; 4 means iz) */
    uint8_t fl, sp;
    const char *need;           /* host CPU feature, or NULL */
} DiffForm;


static const DiffForm forms[] = {
    { "add Eb,Gb", {0x00}, 1, -1, true,  false, 0, FL_ALL, 0, NULL },
    { "add Ev,Gv", {0x01}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "add Gv,Mv", {0x03}, 1, -1, false, true,  0, FL_ALL, 0, NULL },
    { "add Mv,Gv", {0x01}, 1, -1, false, true,  0, FL_ALL, 0, NULL },
    { "or Ev,Gv",  {0x09}, 1, -1, false, false, 0, FL_LOGIC, 0, NULL },
    { "or Eb,Gb",  {0x08}, 1, -1, true,  false, 0, FL_LOGIC, 0, NULL },
    { "adc Ev,Gv", {0x11}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "adc Eb,Gb", {0x10}, 1, -1, true,  false, 0, FL_ALL, 0, NULL },
    { "sbb Ev,Gv", {0x19}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "sbb Gb,Mb", {0x1a}, 1, -1, true,  true,  0, FL_ALL, 0, NULL },
    { "and Ev,Gv", {0x21}, 1, -1, false, false, 0, FL_LOGIC, 0, NULL },
    { "sub Ev,Gv", {0x29}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "sub Eb,Gb", {0x28}, 1, -1, true,  false, 0, FL_ALL, 0, NULL },
    { "xor Gv,Ev", {0x33}, 1, -1, false, false, 0, FL_LOGIC, 0, NULL },
    { "cmp Ev,Gv", {0x39}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "cmp Eb,Gb", {0x38}, 1, -1, true,  false, 0, FL_ALL, 0, NULL },
    { "add AL,Ib", {0x04}, 1, -2, true,  false, 1, FL_ALL, 0, NULL },
    { "sub eAX,Iz", {0x2d}, 1, -2, false, false, 4, FL_ALL, 0, NULL },
    { "adc Ev,Iz", {0x81}, 1, 2, false, false, 4, FL_ALL, 0, NULL },
    { "sbb Ev,Ib", {0x83}, 1, 3, false, false, 1, FL_ALL, 0, NULL },
    { "cmp Eb,Ib", {0x80}, 1, 7, true,  false, 1, FL_ALL, 0, NULL },
    { "xor Mv,Ib", {0x83}, 1, 6, false, true,  1, FL_LOGIC, 0, NULL },
    { "and Eb,Ib", {0x80}, 1, 4, true,  false, 1, FL_LOGIC, 0, NULL },
    { "test Ev,Gv", {0x85}, 1, -1, false, false, 0, FL_LOGIC, 0, NULL },
    { "test Eb,Ib", {0xf6}, 1, 0, true,  false, 1, FL_LOGIC, 0, NULL },
    { "inc Ev",    {0xff}, 1, 0, false, false, 0, FL_ALL, 0, NULL },
    { "dec Eb",    {0xfe}, 1, 1, true,  false, 0, FL_ALL, 0, NULL },
    { "dec Mv",    {0xff}, 1, 1, false, true,  0, FL_ALL, 0, NULL },
    { "neg Ev",    {0xf7}, 1, 3, false, false, 0, FL_ALL, 0, NULL },
    { "neg Eb",    {0xf6}, 1, 3, true,  false, 0, FL_ALL, 0, NULL },
    { "not Ev",    {0xf7}, 1, 2, false, false, 0, FL_ALL, 0, NULL },
    { "mul Ev",    {0xf7}, 1, 4, false, false, 0, FL_MUL, 0, NULL },
    { "mul Eb",    {0xf6}, 1, 4, true,  false, 0, FL_MUL, 0, NULL },
    { "imul Ev",   {0xf7}, 1, 5, false, false, 0, FL_MUL, 0, NULL },
    { "imul Eb",   {0xf6}, 1, 5, true,  false, 0, FL_MUL, 0, NULL },
    { "imul Gv,Ev", {0x0f, 0xaf}, 2, -1, false, false, 0, FL_MUL, 0, NULL },
    { "imul Gv,Ev,Iz", {0x69}, 1, -1, false, false, 4, FL_MUL, 0, NULL },
    { "imul Gv,Ev,Ib", {0x6b}, 1, -1, false, false, 1, FL_MUL, 0, NULL },
    { "div Ev",    {0xf7}, 1, 6, false, false, 0, FL_NONE, SP_DIV, NULL },
    { "div Eb",    {0xf6}, 1, 6, true,  false, 0, FL_NONE, SP_DIV, NULL },
    { "idiv Ev",   {0xf7}, 1, 7, false, false, 0, FL_NONE, SP_IDIV, NULL },
    { "idiv Eb",   {0xf6}, 1, 7, true,  false, 0, FL_NONE, SP_IDIV, NULL },
    /* inputs that raise #DE: a zero divisor, a quotient too wide */
    { "div Ev #DE",  {0xf7}, 1, 6, false, false, 0, FL_NONE, SP_DIVF, NULL },
    { "idiv Ev #DE", {0xf7}, 1, 7, false, false, 0, FL_NONE, SP_DIVF, NULL },
    { "div Eb #DE",  {0xf6}, 1, 6, true,  false, 0, FL_NONE, SP_DIVF, NULL },
    { "idiv Eb #DE", {0xf6}, 1, 7, true,  false, 0, FL_NONE, SP_DIVF, NULL },
    { "rol Ev,CL", {0xd3}, 1, 0, false, false, 0, FL_ROT, SP_CL, NULL },
    { "ror Eb,CL", {0xd2}, 1, 1, true,  false, 0, FL_ROT, SP_CL, NULL },
    { "rcl Ev,CL", {0xd3}, 1, 2, false, false, 0, FL_RC, SP_CL, NULL },
    { "rcr Eb,CL", {0xd2}, 1, 3, true,  false, 0, FL_RC, SP_CL, NULL },
    { "rcr Ev,CL", {0xd3}, 1, 3, false, false, 0, FL_RC, SP_CL, NULL },
    { "rcl Eb,CL", {0xd2}, 1, 2, true,  false, 0, FL_RC, SP_CL, NULL },
    { "shl Ev,CL", {0xd3}, 1, 4, false, false, 0, FL_SHIFT, SP_CL, NULL },
    { "shr Eb,CL", {0xd2}, 1, 5, true,  false, 0, FL_SHIFT, SP_CL, NULL },
    { "sar Ev,CL", {0xd3}, 1, 7, false, false, 0, FL_SHIFT, SP_CL, NULL },
    { "shl Ev,Ib", {0xc1}, 1, 4, false, false, 1, FL_SHIFT, SP_IMM8CNT, NULL },
    { "sar Eb,Ib", {0xc0}, 1, 7, true,  false, 1, FL_SHIFT, SP_IMM8CNT, NULL },
    { "ror Ev,Ib", {0xc1}, 1, 1, false, false, 1, FL_ROT, SP_IMM8CNT, NULL },
    { "shr Ev,1",  {0xd1}, 1, 5, false, false, 0, FL_SHIFT, 0, NULL },
    { "rol Eb,1",  {0xd0}, 1, 0, true,  false, 0, FL_ROT, 0, NULL },
    { "shr Mv,CL", {0xd3}, 1, 5, false, true,  0, FL_SHIFT, SP_CL, NULL },
    { "shld Ev,Gv,CL", {0x0f, 0xa5}, 2, -1, false, false, 0, FL_SHD, SP_SHD_CL, NULL },
    { "shrd Ev,Gv,CL", {0x0f, 0xad}, 2, -1, false, false, 0, FL_SHD, SP_SHD_CL, NULL },
    { "shld Ev,Gv,Ib", {0x0f, 0xa4}, 2, -1, false, false, 1, FL_SHD, SP_IMM8CNT, NULL },
    { "bt Ev,Gv",  {0x0f, 0xa3}, 2, -1, false, false, 0, FL_CF, 0, NULL },
    { "bts Ev,Gv", {0x0f, 0xab}, 2, -1, false, false, 0, FL_CF, 0, NULL },
    /* on memory the register bit offset is signed and reaches other bytes */
    { "bt Mv,Gv",  {0x0f, 0xa3}, 2, -1, false, true, 0, FL_CF, SP_BTMEM, NULL },
    { "btr Mv,Gv", {0x0f, 0xb3}, 2, -1, false, true, 0, FL_CF, SP_BTMEM, NULL },
    { "btc Mv,Ib", {0x0f, 0xba}, 2, 7, false, true, 1, FL_CF, 0, NULL },
    { "btr Ev,Ib", {0x0f, 0xba}, 2, 6, false, false, 1, FL_CF, 0, NULL },
    { "btc Ev,Ib", {0x0f, 0xba}, 2, 7, false, false, 1, FL_CF, 0, NULL },
    { "bsf Gv,Ev", {0x0f, 0xbc}, 2, -1, false, false, 0, FL_ZF, SP_BSX, NULL },
    { "bsr Gv,Ev", {0x0f, 0xbd}, 2, -1, false, false, 0, FL_ZF, SP_BSX, NULL },
    { "popcnt",    {0xf3, 0x0f, 0xb8}, 3, -1, false, false, 0, FL_ALL, 0, "popcnt" },
    { "lzcnt",     {0xf3, 0x0f, 0xbd}, 3, -1, false, false, 0, FL_CFZF, 0, "abm" },
    { "cmovcc",    {0x0f, 0x40}, 2, -1, false, false, 0, FL_ALL, 0, NULL },
    { "setcc",     {0x0f, 0x90}, 2, 0, true,  false, 0, FL_ALL, 0, NULL },
    { "xchg Ev,Gv", {0x87}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "xchg Mb,Gb", {0x86}, 1, -1, true,  true,  0, FL_ALL, 0, NULL },
    { "xadd Ev,Gv", {0x0f, 0xc1}, 2, -1, false, false, 0, FL_ALL, 0, NULL },
    { "cmpxchg Ev,Gv", {0x0f, 0xb1}, 2, -1, false, false, 0, FL_ALL, 0, NULL },
    { "cmpxchg Mb,Gb", {0x0f, 0xb0}, 2, -1, true,  true,  0, FL_ALL, 0, NULL },
    { "movzx Gv,Eb", {0x0f, 0xb6}, 2, -1, false, false, 0, FL_ALL, 0, NULL },
    { "movsx Gv,Ew", {0x0f, 0xbf}, 2, -1, false, false, 0, FL_ALL, 0, NULL },
    { "movsxd Gv,Ed", {0x63}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "mov Ev,Gv", {0x89}, 1, -1, false, false, 0, FL_ALL, 0, NULL },
    { "mov Gb,Eb", {0x8a}, 1, -1, true,  false, 0, FL_ALL, 0, NULL },
    { "mov Mv,Gv", {0x89}, 1, -1, false, true,  0, FL_ALL, 0, NULL },
    { "mov Gv,Mv", {0x8b}, 1, -1, false, true,  0, FL_ALL, 0, NULL },
    { "lea Gv,M",  {0x8d}, 1, -1, false, false, 0, FL_ALL, SP_LEA, NULL },
    { "xchg AX,Ov", {0x90}, 1, -3, false, false, 0, FL_ALL, 0, NULL },
    { "cbw",       {0x98}, 1, -2, false, false, 0, FL_ALL, 0, NULL },
    { "cwd",       {0x99}, 1, -2, false, false, 0, FL_ALL, 0, NULL },
    { "bswap",     {0x0f, 0xc8}, 2, -3, false, false, 0, FL_ALL, SP_NO16, NULL },
    { "cmc",       {0xf5}, 1, -2, false, false, 0, FL_ALL, 0, NULL },
    { "sahf",      {0x9e}, 1, -2, false, false, 0, FL_ALL, 0, NULL },
    { "lahf",      {0x9f}, 1, -2, false, false, 0, FL_ALL, 0, NULL },
    { "adcx",      {0x66, 0x0f, 0x38, 0xf6}, 4, -1, false, false, 0, FL_ALL, SP_NO16, "adx" },
    { "adox",      {0xf3, 0x0f, 0x38, 0xf6}, 4, -1, false, false, 0, FL_ALL, SP_NO16, "adx" },
    { "movbe Gv,Mv", {0x0f, 0x38, 0xf0}, 3, -1, false, true, 0, FL_ALL, 0, "movbe" },
    { "cmpxchg8b/16b", {0x0f, 0xc7}, 2, 1, false, true, 0, FL_ALL, SP_CMPX, NULL },
    /* VEX forms: op = { map, pp, opcode } */
    { "andn",   {2, 0, 0xf2}, 3, -1, false, false, 0, FL_SZCO, SP_VEX, "bmi1" },
    { "blsr",   {2, 0, 0xf3}, 3, 1, false, false, 0, FL_SZCO, SP_VEX, "bmi1" },
    { "blsmsk", {2, 0, 0xf3}, 3, 2, false, false, 0, FL_SZCO, SP_VEX, "bmi1" },
    { "blsi",   {2, 0, 0xf3}, 3, 3, false, false, 0, FL_SZCO, SP_VEX, "bmi1" },
    { "bextr",  {2, 0, 0xf7}, 3, -1, false, false, 0, FL_ZCO, SP_VEX, "bmi1" },
    { "bzhi",   {2, 0, 0xf5}, 3, -1, false, false, 0, FL_SZCO, SP_VEX, "bmi2" },
    { "pext",   {2, 2, 0xf5}, 3, -1, false, false, 0, FL_ALL, SP_VEX, "bmi2" },
    { "pdep",   {2, 3, 0xf5}, 3, -1, false, false, 0, FL_ALL, SP_VEX, "bmi2" },
    { "mulx",   {2, 3, 0xf6}, 3, -1, false, false, 0, FL_ALL, SP_VEX, "bmi2" },
    { "shlx",   {2, 1, 0xf7}, 3, -1, false, false, 0, FL_ALL, SP_VEX, "bmi2" },
    { "sarx",   {2, 2, 0xf7}, 3, -1, false, false, 0, FL_ALL, SP_VEX, "bmi2" },
    { "shrx",   {2, 3, 0xf7}, 3, -1, false, false, 0, FL_ALL, SP_VEX, "bmi2" },
    { "rorx",   {3, 3, 0xf0}, 3, -1, false, false, 1, FL_ALL, SP_VEX, "bmi2" },
    { "movsb",     {0xa4}, 1, -2, true,  false, 0, FL_ALL, SP_STR, NULL },
    { "movs",      {0xa5}, 1, -2, false, false, 0, FL_ALL, SP_STR, NULL },
    { "stosb",     {0xaa}, 1, -2, true,  false, 0, FL_ALL, SP_STR, NULL },
    { "stos",      {0xab}, 1, -2, false, false, 0, FL_ALL, SP_STR, NULL },
    { "lodsb",     {0xac}, 1, -2, true,  false, 0, FL_ALL, SP_STR, NULL },
    { "lods",      {0xad}, 1, -2, false, false, 0, FL_ALL, SP_STR, NULL },
    { "cmpsb",     {0xa6}, 1, -2, true,  false, 0, FL_ALL, SP_STR, NULL },
    { "cmps",      {0xa7}, 1, -2, false, false, 0, FL_ALL, SP_STR, NULL },
    { "scasb",     {0xae}, 1, -2, true,  false, 0, FL_ALL, SP_STR, NULL },
    { "scas",      {0xaf}, 1, -2, false, false, 0, FL_ALL, SP_STR, NULL },
};

/* ---- host side ---- */

#define DATA_LEN 0x400

typedef struct DiffState {
    uint64_t regs[16];
    uint64_t flags;
    uint64_t mem;               /* the memory operand at PAGE_DATA */
    uint8_t buf[DATA_LEN];      /* PAGE_DATA.. as a whole (string forms) */
    int vector;                 /* exception raised, -1 for none */
    uint64_t rip;               /* where it was raised */
} DiffState;

#define PAGE_INSN 0x100
#define PAGE_DATA 0x800
#define PAGE_IN   0xc00
#define PAGE_OUT  0xd00
#define PAGE_RSP  0xe00
/* guest page only: one HLT per vector, GDT (code64 0x10), IDT, the stack the
 * exception frames go to (the instruction's RSP is not compared) */
#define PAGE_VEC  0x200
#define PAGE_GDT  0x300
#define PAGE_IDT  0x400
#define PAGE_GSTK 0x800

static uint8_t *hpage;

static unsigned emit_movabs_rax_load(uint8_t *p, uint64_t addr)   /* mov rax, [addr] */
{
    p[0] = 0x48; p[1] = 0xa1;
    memcpy(p + 2, &addr, 8);
    return 10;
}

static unsigned emit_movabs_rax_store(uint8_t *p, uint64_t addr)  /* mov [addr], rax */
{
    p[0] = 0x48; p[1] = 0xa3;
    memcpy(p + 2, &addr, 8);
    return 10;
}

static unsigned emit_mov_rax_imm(uint8_t *p, uint64_t v)
{
    p[0] = 0x48; p[1] = 0xb8;
    memcpy(p + 2, &v, 8);
    return 10;
}

/* mov reg, [rax+off] or mov [rax+off], reg (disp8 or disp32) */
static unsigned emit_reg_rax(uint8_t *p, unsigned reg, unsigned off, bool store)
{
    p[0] = 0x48 | (reg >= 8 ? 4 : 0);
    p[1] = store ? 0x89 : 0x8b;
    p[2] = 0x80 | ((reg & 7) << 3);          /* [rax + disp32] */
    uint32_t d = off;
    memcpy(p + 3, &d, 4);
    return 7;
}

static void host_build_trampoline(void)
{
    uint8_t *p = hpage;
    uint64_t base = (uint64_t)(uintptr_t)hpage;
    unsigned n = 0;
    static const uint8_t push[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    memcpy(p, push, sizeof(push));
    n += sizeof(push);
    p[n++] = 0x48; p[n++] = 0x89; p[n++] = 0xe0;               /* mov rax, rsp */
    n += emit_movabs_rax_store(p + n, base + PAGE_RSP);
    n += emit_movabs_rax_load(p + n, base + PAGE_IN + 16 * 8);  /* flags */
    p[n++] = 0x50; p[n++] = 0x9d;                               /* push rax; popfq */
    n += emit_mov_rax_imm(p + n, base + PAGE_IN);
    for (unsigned r = 1; r < 16; r++)
        if (r != R_ESP)
            n += emit_reg_rax(p + n, r, r * 8, false);
    n += emit_reg_rax(p + n, 0, 0, false);                      /* rax last */
    if (n > PAGE_INSN)
        abort();
    while (n < PAGE_INSN)
        p[n++] = 0x90;
}

static void host_place_insn(const uint8_t *insn, unsigned len)
{
    uint8_t *p = hpage;
    uint64_t base = (uint64_t)(uintptr_t)hpage;
    unsigned n = PAGE_INSN;
    memcpy(p + n, insn, len);
    n += len;
    n += emit_movabs_rax_store(p + n, base + PAGE_OUT);
    p[n++] = 0x9c; p[n++] = 0x58;                               /* pushfq; pop rax */
    n += emit_movabs_rax_store(p + n, base + PAGE_OUT + 16 * 8);
    p[n++] = 0xfc;                                              /* cld: the ABI wants DF clear */
    n += emit_mov_rax_imm(p + n, base + PAGE_OUT);
    for (unsigned r = 1; r < 16; r++)
        if (r != R_ESP)
            n += emit_reg_rax(p + n, r, r * 8, true);
    n += emit_movabs_rax_load(p + n, base + PAGE_RSP);
    p[n++] = 0x48; p[n++] = 0x89; p[n++] = 0xc4;               /* mov rsp, rax */
    static const uint8_t pop[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
    memcpy(p + n, pop, sizeof(pop));
}

static void host_run(const DiffState *in, DiffState *out)
{
    uint64_t *pin = (uint64_t *)(void *)(hpage + PAGE_IN);
    uint64_t *pout = (uint64_t *)(void *)(hpage + PAGE_OUT);
    memcpy(pin, in->regs, 16 * 8);
    pin[16] = in->flags;
    memcpy(hpage + PAGE_DATA, in->buf, DATA_LEN);
    memcpy(hpage + PAGE_DATA, &in->mem, 8);
    __builtin___clear_cache((char *)hpage, (char *)hpage + 4096);
    X86DiffFault fault;
    out->vector = -1;
    out->rip = 0;
    if (x86_diff_call((void (*)(void))(void *)hpage, &fault)) {
        out->vector = fault.vector;
        out->rip = fault.rip;
        memcpy(out->regs, fault.regs, 16 * 8);
        out->flags = fault.rflags;
    } else {
        memcpy(out->regs, pout, 16 * 8);
        out->flags = pout[16];
    }
    out->regs[R_ESP] = in->regs[R_ESP];
    memcpy(&out->mem, hpage + PAGE_DATA, 8);
    memcpy(out->buf, hpage + PAGE_DATA, DATA_LEN);
}

/* ---- tandem side ---- */

#define GPAGE 0x10000

static Machine dm;
static MachineConfig dcfg;
static Vcpu dv;
static uint8_t *dram;

static int diff_init(void)
{
    if (x86_diff_init(&dm, &dcfg, &dv, &dram, &hpage, GPAGE) < 0)
        return -1;
    uint8_t *g = dram + GPAGE;
    uint64_t hv = (uint64_t)(uintptr_t)hpage, code64 = 0x00af9b000000ffffull;
    memcpy(g + PAGE_GDT + 0x10, &code64, 8);
    x86_diff_vectors(g + PAGE_VEC, hv + PAGE_VEC, g + PAGE_IDT, 16, 0x10);
    host_build_trampoline();
    x86_diff_signals(true);
    return 0;
}

static int diff_clean(void)
{
    x86_diff_signals(false);
    x86_diff_clean(&dm, &dv, hpage);
    return 0;
}

static bool guest_run(const DiffState *in, DiffState *out)
{
    X86CPUState *s = &dv.state;
    s->cr3 = 0x20000;
    s->cr4 = 1u << 5;
    s->msr.efer = EFER_LME | EFER_LMA;
    s->cr0 = CR0_PE | CR0_PG | CR0_ET;
    s->segs[SEG_CS] = (SegmentCache){ 0x10, SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_L | SEG_ATTR_G,
                                      0xffffffff, 0 };
    SegmentCache data = { 0x18, SEG_ATTR_P | SEG_ATTR_S | 0x3 | SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff, 0 };
    s->segs[SEG_SS] = s->segs[SEG_DS] = s->segs[SEG_ES] = data;
    uint64_t hv = (uint64_t)(uintptr_t)hpage;
    s->gdt = (DescTable){ hv + PAGE_GDT, 0x17 };
    s->idt = (DescTable){ hv + PAGE_IDT, 32 * 16 - 1 };
    memcpy(s->regs, in->regs, sizeof(s->regs));
    s->regs[R_ESP] = hv + PAGE_GSTK;
    s->rflags = (in->flags & (ARITH | FLAG_DF)) | 2;
    s->rip = (uint64_t)(uintptr_t)hpage + PAGE_INSN;
    s->halted = false;
    memcpy(dram + GPAGE + PAGE_DATA, in->buf, DATA_LEN);
    memcpy(dram + GPAGE + PAGE_DATA, &in->mem, 8);
    accel_tcg_ops.state_changed(&dv);
    VcpuExit e = accel_tcg_ops.vcpu_run(&dv);
    memcpy(out->regs, s->regs, sizeof(out->regs));
    out->regs[R_ESP] = in->regs[R_ESP];
    out->flags = s->rflags;
    memcpy(&out->mem, dram + GPAGE + PAGE_DATA, 8);
    memcpy(out->buf, dram + GPAGE + PAGE_DATA, DATA_LEN);
    out->vector = -1;
    out->rip = 0;
    if (e == VCPU_EXIT_HALT && s->rip > hv + PAGE_VEC && s->rip <= hv + PAGE_VEC + 32) {
        /* the frame: RIP, CS, RFLAGS, RSP, SS (no error code for #DE) */
        uint64_t sp = s->regs[R_ESP];
        if (sp < hv + PAGE_VEC || sp + 24 > hv + PAGE_DATA)
            return false;
        out->vector = (int)(s->rip - hv - PAGE_VEC - 1);
        memcpy(&out->rip, dram + GPAGE + (sp - hv), 8);
        memcpy(&out->flags, dram + GPAGE + (sp - hv) + 16, 8);
    }
    return e == VCPU_EXIT_HALT;
}

/* ---- generation ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { return x86_diff_xorshift(&rng); }

static uint64_t rnd_value(void) { return x86_diff_value(&rng); }

static unsigned failures_printed;

static void run_form(const DiffForm *f, unsigned iters, unsigned *ran, unsigned *faults,
                     unsigned *bad)
{
    static const unsigned vsizes[] = { 16, 32, 64 };
    unsigned nsizes = f->byte ? 1 : 3;
    for (unsigned si = 0; si < nsizes; si++) {
        unsigned bits = f->byte ? 8 : vsizes[si];
        if (bits == 16 && f->sp == SP_NO16)
            continue;
        for (unsigned it = 0; it < iters; it++) {
            uint8_t insn[16];
            unsigned n = 0, opi = 0;
            unsigned reg = 0, rm = 0, count = 0;
            bool rex_needed = bits == 64, use_rex = false;
            if (f->sp == SP_VEX) {
                /* 32/64-bit only: C4 RXB.map W.vvvv.L.pp op modrm [ib] */
                if (bits == 16)
                    break;
                unsigned g, v, e;
                do {
                    g = (unsigned)(rnd() % 16);
                    v = (unsigned)(rnd() % 16);
                    e = (unsigned)(rnd() % 16);
                } while (g == R_ESP || v == R_ESP || e == R_ESP);
                if (f->ext >= 0)
                    g = (unsigned)f->ext;
                insn[n++] = 0xc4;
                insn[n++] = (uint8_t)(((g >= 8) ? 0 : 0x80) | 0x40 | ((e >= 8) ? 0 : 0x20) | f->op[0]);
                insn[n++] = (uint8_t)((bits == 64 ? 0x80 : 0) | ((~v & 15) << 3) | f->op[1]);
                insn[n++] = f->op[2];
                insn[n++] = (uint8_t)(0xc0 | ((g & 7) << 3) | (e & 7));
                if (f->imm)
                    insn[n++] = (uint8_t)(it % 64);
                if (!strcmp(f->name, "rorx"))
                    insn[2] |= 0x78;                    /* vvvv = 1111b: reserved */
                reg = g;
                rm = e;
                goto generated;
            }
            /* mandatory prefix (66/F3) comes before REX */
            if (f->oplen > 1 && (f->op[0] == 0x66 || f->op[0] == 0xf3 || f->op[0] == 0xf2))
                insn[n++] = f->op[opi++];
            if (f->sp == SP_STR && it % 3)
                insn[n++] = it % 3 == 1 ? 0xf3 : 0xf2;      /* REP(E) / REPNE */
            if (bits == 16)
                insn[n++] = 0x66;
            /* pick registers: never RSP, nor SPL/BPL... confusion with REX */
            use_rex = rex_needed || (rnd() & 1);
            do {
                reg = (unsigned)(rnd() % 16);
                rm = (unsigned)(rnd() % 16);
                if (!use_rex) {
                    reg &= 7;
                    rm &= 7;
                }
            } while ((reg == R_ESP) || (rm == R_ESP) ||
                     (f->byte && !use_rex && (reg == 4 || rm == 4)));
            if ((f->sp == SP_DIV || f->sp == SP_IDIV || f->sp == SP_DIVF) &&
                (rm == R_EAX || rm == R_EDX))
                rm = R_EBX;
            if ((f->sp == SP_CL || f->sp == SP_SHD_CL) && (rm == R_ECX || reg == R_ECX))
                continue;
            if (f->ext == -3)
                rm = reg;                       /* bswap: register in the opcode */
            if (f->ext >= 0)
                reg = (unsigned)f->ext;
            uint8_t rex = 0x40 | (bits == 64 ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 && !f->mem ? 1 : 0);
            if (use_rex && (f->ext != -2 || bits == 64))
                insn[n++] = rex;
            for (; opi < f->oplen; opi++)
                insn[n++] = f->op[opi];
            unsigned cc = (unsigned)(rnd() % 16);
            if (!strcmp(f->name, "cmovcc") || !strcmp(f->name, "setcc"))
                insn[n - 1] += (uint8_t)cc;
            if (f->ext == -3)
                insn[n - 1] += (uint8_t)(rm & 7);
            unsigned modrm_at = n;
            if (f->ext != -2 && f->ext != -3) {
                if (f->sp == SP_LEA) {
                    /* [base + index*scale + disp32] with random registers */
                    insn[n++] = (uint8_t)(0x84 | ((reg & 7) << 3));
                    uint8_t sib = (uint8_t)(rnd() & 0xff);
                    if ((sib & 7) == 4)
                        sib = (uint8_t)((sib & ~7) | 3);   /* never RSP as base */
                    insn[n++] = sib;
                    uint32_t d32 = (uint32_t)rnd();
                    memcpy(insn + n, &d32, 4);
                    n += 4;
                } else if (f->mem)
                    insn[n++] = (uint8_t)(0x05 | ((reg & 7) << 3));   /* [rip+disp32] */
                else
                    insn[n++] = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
                if (f->mem)
                    n += 4;
            }
            unsigned imm_at = n;
            if (f->op[0] == 0xd0 || f->op[0] == 0xd1)
                count = 1;
            if (f->imm) {
                unsigned il = f->imm == 4 ? (bits == 16 ? 2 : 4) : f->imm;
                uint64_t v = rnd_value();
                if (f->sp == SP_IMM8CNT)
                    v = it % 64;
                memcpy(insn + n, &v, il);
                n += il;
                count = (unsigned)v & 0xff;
            }
            if (f->mem) {
                /* disp32 from the end of the instruction to PAGE_DATA */
                int32_t disp = (int32_t)(PAGE_DATA + (f->sp == SP_BTMEM ? 0x100 : 0) -
                                         (PAGE_INSN + n));
                memcpy(insn + modrm_at + 1, &disp, 4);
            }
            (void)imm_at;
generated:;
            DiffState in, h, g;
            for (unsigned r = 0; r < 16; r++)
                in.regs[r] = rnd_value();
            in.regs[R_ESP] = 0;
            in.flags = (rnd() & ARITH) | 2;
            in.mem = rnd_value();
            for (unsigned k = 0; k < DATA_LEN; k++)
                in.buf[k] = (uint8_t)(rnd() % 4 == 0 ? rnd() : (k & 3));  /* some equal runs */
            if (f->sp == SP_CMPX && (rnd() & 1)) {
                /* make the comparison succeed half of the time */
                memcpy(in.buf, &in.mem, 8);
                if (bits == 64) {
                    memcpy(&in.regs[R_EAX], in.buf, 8);
                    memcpy(&in.regs[R_EDX], in.buf + 8, 8);
                } else {
                    in.regs[R_EAX] = (uint32_t)in.mem;
                    in.regs[R_EDX] = in.mem >> 32;
                }
            }
            if (f->sp == SP_STR) {
                uint64_t base = (uint64_t)(uintptr_t)hpage + PAGE_DATA;
                in.regs[R_ESI] = base + 0x100 + rnd() % 0x80;
                in.regs[R_EDI] = base + 0x280 + rnd() % 0x80;
                in.regs[R_ECX] = rnd() % 20;
                in.flags |= (rnd() & 1) ? FLAG_DF : 0;
            }
            if (f->sp == SP_BTMEM)      /* bits -2048..2047 around data+0x100 */
                in.regs[reg] = (uint64_t)((int64_t)(rnd() % 4096) - 2048);
            if (f->sp == SP_CL || f->sp == SP_SHD_CL) {
                in.regs[R_ECX] = (in.regs[R_ECX] & ~0xffull) | (it % 64);
                count = it % 64;
            }
            if (f->sp == SP_DIVF) {
                /* a zero divisor, the most negative dividend over -1, or
                 * whatever the random high half gives */
                uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;
                bool xh = bits == 8 && rm >= 4 && !use_rex;
                unsigned how = it % 3;
                if (how == 0 && xh)
                    in.regs[rm - 4] &= ~0xff00ull;
                else if (how == 0)
                    in.regs[rm] &= ~m;
                if (how == 1 && !xh && bits == 8) {
                    in.regs[rm] |= 0xff;
                    in.regs[R_EAX] = (in.regs[R_EAX] & ~0xffffull) | 0x8000;
                } else if (how == 1 && !xh) {
                    in.regs[rm] |= m;
                    in.regs[R_EAX] = (in.regs[R_EAX] & ~m) | ((m >> 1) + 1);
                    in.regs[R_EDX] |= m;
                }
            }
            if (f->sp == SP_DIV || f->sp == SP_IDIV) {
                uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;
                uint64_t d = in.regs[rm] & m;
                if (bits == 8 && rm >= 4 && !use_rex)
                    d = (in.regs[rm - 4] >> 8) & 0xff;
                if (d == 0 || (f->sp == SP_IDIV && (d == m || d == (m >> 1) + 1))) {
                    it--;
                    continue;
                }
                if (f->sp == SP_DIV) {
                    if (bits == 8)
                        in.regs[R_EAX] = (in.regs[R_EAX] & ~0xff00ull) |
                                         ((((in.regs[R_EAX] >> 8) & 0xff) % d) << 8);
                    else
                        in.regs[R_EDX] = (in.regs[R_EDX] & ~m) | ((in.regs[R_EDX] & m) % d);
                } else {
                    /* sign-extend the low half into the high half: cannot overflow */
                    if (bits == 8) {
                        int8_t lo = (int8_t)in.regs[R_EAX];
                        in.regs[R_EAX] = (in.regs[R_EAX] & ~0xff00ull) | ((lo < 0 ? 0xffull : 0) << 8);
                    } else {
                        bool neg = (in.regs[R_EAX] >> (bits - 1)) & 1;
                        in.regs[R_EDX] = (in.regs[R_EDX] & ~m) | (neg ? m : 0);
                    }
                }
                if (bits == 8 && rm >= 4 && !use_rex && (rm - 4 == R_EAX)) {
                    it--;
                    continue;       /* divisor AH changed by the adjustment */
                }
            }
            host_place_insn(insn, n);
            x86_diff_place_guest(&dm, dram, GPAGE + PAGE_INSN, insn, n);
            host_run(&in, &h);
            bool ok = guest_run(&in, &g);
            (*ran)++;
            if (ok && (h.vector >= 0 || g.vector >= 0)) {
                /* an exception: the same vector, the state before the
                 * instruction, its address and flags */
                (*faults)++;
                if (h.vector != g.vector || memcmp(h.regs, g.regs, sizeof(h.regs)) ||
                    h.rip != g.rip || ((h.flags ^ g.flags) & (ARITH | FLAG_DF))) {
                    (*bad)++;
                    if (failures_printed++ < 40)
                        printf("\nMISMATCH %s (%u-bit): vector host %d tandem %d, rip host "
                               "%llx tandem %llx", f->name, bits, h.vector, g.vector,
                               (unsigned long long)h.rip, (unsigned long long)g.rip);
                }
                continue;
            }

            uint64_t fmask = x86_diff_defined_flags(f->fl, bits, count);
            bool regs_ok = true;
            for (unsigned r = 0; r < 16; r++)
                if (h.regs[r] != g.regs[r])
                    regs_ok = false;
            if (f->sp == SP_BSX && ((in.regs[rm] & ((bits == 64) ? ~0ull : (1ull << bits) - 1)) == 0))
                regs_ok = true;     /* destination undefined for a zero source */
            if (f->fl == FL_SHD && (count & (bits == 64 ? 63 : 31)) > bits)
                regs_ok = true;     /* result undefined */
            bool mem_ok = h.mem == g.mem && !memcmp(h.buf, g.buf, DATA_LEN);
            bool flags_ok = ((h.flags ^ g.flags) & (fmask | FLAG_DF)) == 0;
            if (!ok || !regs_ok || !mem_ok || !flags_ok) {
                (*bad)++;
                static const DiffForm *last_form;
                static unsigned per_form;
                if (last_form != f) {
                    last_form = f;
                    per_form = 0;
                }
                if (failures_printed++ < 40 && per_form++ < 3) {
                    printf("\nMISMATCH %s (%u-bit)%s bytes:", f->name, bits, ok ? "" : " [guest fault]");
                    for (unsigned k = 0; k < n; k++)
                        printf(" %02x", insn[k]);
                    printf("\n  in: flags=%03llx mem=%016llx", (unsigned long long)in.flags,
                           (unsigned long long)in.mem);
                    for (unsigned r = 0; r < 16; r++)
                        if (h.regs[r] != g.regs[r] || in.regs[r] != h.regs[r])
                            printf("\n  r%-2u in=%016llx host=%016llx tandem=%016llx", r,
                                   (unsigned long long)in.regs[r], (unsigned long long)h.regs[r],
                                   (unsigned long long)g.regs[r]);
                    printf("\n  flags host=%03llx tandem=%03llx mask=%03llx mem host=%016llx tandem=%016llx\n",
                           (unsigned long long)(h.flags & ARITH), (unsigned long long)(g.flags & ARITH),
                           (unsigned long long)fmask, (unsigned long long)h.mem,
                           (unsigned long long)g.mem);
                }
            }
        }
    }
}

static void test_diff_integer(void)
{
    unsigned iters = 256, ran = 0, faults = 0, bad = 0, skipped = 0;
    const char *env = getenv("TESTS_X86_DIFF_ITERS");
    if (env)
        iters = (unsigned)strtoul(env, NULL, 0);
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        if (!x86_diff_host_has(forms[k].need)) {
            skipped++;
            continue;
        }
        run_form(&forms[k], iters, &ran, &faults, &bad);
    }
    printf("\n  %u forms, %u runs, %u of them exceptions, %u skipped forms (host lacks "
           "feature), %u mismatches\n", (unsigned)(sizeof(forms) / sizeof(forms[0])), ran,
           faults, skipped, bad);
    CU_ASSERT(ran > 1000);
    CU_ASSERT(faults > 100);
    CU_ASSERT_EQUAL(bad, 0);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "integer", test_diff_integer },
        { NULL, NULL }
    };
    unit_add_suite("x86-diff", diff_init, diff_clean, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Differential tester, 32-bit pass: user-level integer instructions run
 * natively in a 32-bit code segment and in tandem's CPU in 32-bit mode, with
 * the same register, flag and memory inputs; registers, the data area (the
 * stack included) and the flags the manuals define must agree.
 *
 * It covers what 32-bit mode decodes or executes differently from 64-bit
 * mode: INC/DEC 40-4F, PUSH/POP with a 32-bit stack, PUSHA/POPA,
 * PUSHF/POPF, DAA/DAS/AAA/AAS/AAM/AAD, SALC, ARPL, BOUND, INTO, XLAT,
 * ENTER/LEAVE, LOOP/JECXZ (also with CX under 67), near CALL/JMP/RET/Jcc,
 * PUSH/POP/MOV of ES, DS and SS, LES/LDS, moffs32, LEA with 16-bit
 * addressing, BT* on memory with register bit offsets, byte registers
 * AH..BH everywhere, BMI under VEX (where W is ignored), and the common ALU,
 * shift, bit, multiply/divide and string forms at 16 (66) and 32 bits.
 * Left out, because the two sides cannot be made alike: memory operands
 * with 16-bit addresses (the host maps nothing below 64 KiB), far
 * transfers and loads of CS/SS (the host runs at CPL 3, tandem at CPL 0),
 * and 16-bit near branches (IP would leave the page).
 *
 * Host side: Linux x86-64 keeps a 32-bit user code segment (selector 0x23,
 * __USER32_CS). One RWX page below 2 GiB holds 64-bit glue that saves the
 * callee-saved registers and far-jumps to 0x23:prologue; the 32-bit
 * prologue loads DS/ES/SS with 0x2b, the flags and all eight registers from
 * a state block, runs the instruction at page offset 0x100, stores
 * everything back and far-jumps to 0x33 (64-bit) glue that returns to C.
 * The host is probed once in a child process; a kernel without 32-bit
 * support makes the binary skip. Tandem side: the same bytes at the same
 * virtual address, followed by HLT, run twice: in compatibility mode (long
 * mode, a 32-bit code segment) and in legacy protected mode with 32-bit
 * paging (page directory 0x26000, page table 0x27000). TESTS_X86_DIFF_ITERS
 * sets the iterations per form and size for a long run.
 *
 * Exceptions are compared too (the "fault" forms feed BOUND indexes out of
 * range, INTO with OF set, AAM 0, DIV/IDIV by zero or overflowing): natively
 * the kernel turns them into a signal whose context (taken on an alternate
 * stack, so the data area is untouched) gives the vector, the registers, the
 * EIP and EFLAGS; in tandem the guest page holds a GDT and an IDT whose
 * handlers are one HLT per vector, so where the vCPU halts names the
 * vector and the frame on the guest stack gives EIP and EFLAGS.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

#define ARITH X86_DIFF_ARITH

enum {
    SP_NONE, SP_DIV, SP_IDIV, SP_CL, SP_CNT8, SP_BSX, SP_STR, SP_CMPX, SP_BOUND, SP_INTO,
    SP_XLAT, SP_ENTER, SP_LEAVE, SP_LEA, SP_LEA16, SP_LOOP, SP_LOOP16, SP_AAM, SP_MOFFS,
    SP_NO16, SP_VEX, SP_CC, SP_REL0, SP_RET, SP_BRIND, SP_POPSEG, SP_MOVSEG, SP_LOADSEG,
    SP_FARPTR, SP_PUSHSEG, SP_BTMEM, SP_POPF,
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

static const Form32 forms[] = {
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
    { "loop cx",   {0x67, 0xe2, 0x00}, 3, E_NONE, true, false, 0, FL_ALL, SP_LOOP16, NULL, false },
    { "jcxz",      {0x67, 0xe3, 0x00}, 3, E_NONE, true, false, 0, FL_ALL, SP_LOOP16, NULL, false },
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
    { "lea Gv,M (16)", {0x67, 0x8d}, 2, E_REG, false, false, 0, FL_ALL, SP_LEA16, NULL, false },
    { "cmpxchg8b", {0x0f, 0xc7}, 2, 1, false, true, 0, FL_ALL, SP_CMPX, NULL, false },
    /* near branches to the next instruction, with a 32-bit stack (no 66:
     * a 16-bit IP would leave the page) */
    { "call rel32", {0xe8}, 1, E_NONE, true, false, 4, FL_ALL, SP_REL0, NULL, false },
    { "jmp rel8",  {0xeb}, 1, E_NONE, true, false, 1, FL_ALL, SP_REL0, NULL, false },
    { "jcc rel32", {0x0f, 0x80}, 2, E_NONE, true, false, 4, FL_ALL, SP_REL0, NULL, false },
    { "ret",       {0xc3}, 1, E_NONE, true, false, 0, FL_ALL, SP_RET, NULL, false },
    { "ret Iw",    {0xc2}, 1, E_NONE, true, false, 2, FL_ALL, SP_RET, NULL, false },
    { "call Ev",   {0xff}, 1, 2, true, false, 0, FL_ALL, SP_BRIND, NULL, false },
    { "jmp Ev",    {0xff}, 1, 4, true, false, 0, FL_ALL, SP_BRIND, NULL, false },
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
};

/* ---- page layout (the host page and the guest page alike) ---- */

#define PAGE_ENTRY   0x000      /* 64-bit glue: save, far jump to 32-bit */
#define PAGE_EXIT    0x040      /* 64-bit glue: restore, return to C */
#define PAGE_PRO     0x080      /* 32-bit prologue: load the state */
#define PAGE_INSN    0x100      /* the instruction, then the 32-bit epilogue */
#define PAGE_DATA    0x800      /* data area compared whole: memory operand, stack */
#define DATA_LEN     0x400
#define PAGE_STACK   0xb00      /* initial ESP (the stack is in the data area) */
#define PAGE_IN      0xc00      /* eight registers, flags */
#define PAGE_OUT     0xd00
#define PAGE_SCRATCH 0xe80      /* the glue's own stack for PUSHFD/POPFD */
#define PAGE_SAVE    0xf00      /* RSP, DS, ES of the C caller; the far pointer */
/* guest page only (the host page has nothing there) */
#define PAGE_VEC     0x200      /* HLT for each vector 0..31 */
#define PAGE_GDT     0x400      /* null, code32 0x08, data 0x10, code64 0x18, -, data 0x2b */
#define PAGE_IDT32   0x500      /* 32 eight-byte interrupt gates */
#define PAGE_IDT64   0x600      /* 32 sixteen-byte interrupt gates */

typedef struct DiffState {
    uint32_t regs[8];
    uint32_t flags;
    uint16_t es, ds;            /* selectors after the instruction */
    uint8_t buf[DATA_LEN];      /* PAGE_DATA.. */
    int vector;                 /* exception raised, -1 for none */
    uint32_t eip, eflags;       /* of the exception frame */
} DiffState;

static uint8_t *hpage;

static unsigned put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return 4;
}

/* mov r32, [abs] or mov [abs], r32 */
static unsigned emit_mov_abs(uint8_t *p, unsigned reg, uint32_t addr, bool store)
{
    p[0] = store ? 0x89 : 0x8b;
    p[1] = (uint8_t)(0x05 | (reg << 3));
    return 2 + put32(p + 2, addr);
}

static void host_build_glue(void)
{
    uint8_t *p = hpage;
    uint32_t base = (uint32_t)(uintptr_t)hpage;
    unsigned n = PAGE_ENTRY;
    static const uint8_t push[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    memcpy(p + n, push, sizeof(push));
    n += sizeof(push);
    p[n++] = 0x8c; p[n++] = 0x1c; p[n++] = 0x25;                /* mov [abs], ds */
    n += put32(p + n, base + PAGE_SAVE + 8);
    p[n++] = 0x8c; p[n++] = 0x04; p[n++] = 0x25;                /* mov [abs], es */
    n += put32(p + n, base + PAGE_SAVE + 10);
    p[n++] = 0x48; p[n++] = 0x89; p[n++] = 0xe0;               /* mov rax, rsp */
    p[n++] = 0x48; p[n++] = 0xa3;                               /* mov [abs64], rax */
    uint64_t a = base + PAGE_SAVE;
    memcpy(p + n, &a, 8);
    n += 8;
    p[n++] = 0xff; p[n++] = 0x2c; p[n++] = 0x25;                /* jmp far m16:32 */
    n += put32(p + n, base + PAGE_SAVE + 16);
    put32(p + PAGE_SAVE + 16, base + PAGE_PRO);
    p[PAGE_SAVE + 20] = 0x23;                                   /* __USER32_CS */
    p[PAGE_SAVE + 21] = 0;
    if (n > PAGE_EXIT)
        abort();

    n = PAGE_EXIT;
    p[n++] = 0x8e; p[n++] = 0x1c; p[n++] = 0x25;                /* mov ds, [abs] */
    n += put32(p + n, base + PAGE_SAVE + 8);
    p[n++] = 0x8e; p[n++] = 0x04; p[n++] = 0x25;                /* mov es, [abs] */
    n += put32(p + n, base + PAGE_SAVE + 10);
    p[n++] = 0x48; p[n++] = 0xa1;                               /* mov rax, [abs64] */
    memcpy(p + n, &a, 8);
    n += 8;
    p[n++] = 0x48; p[n++] = 0x89; p[n++] = 0xc4;               /* mov rsp, rax */
    static const uint8_t pop[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
    memcpy(p + n, pop, sizeof(pop));
    n += sizeof(pop);
    if (n > PAGE_PRO)
        abort();

    n = PAGE_PRO;
    p[n++] = 0xb8; n += put32(p + n, 0x2b);                     /* mov eax, __USER_DS */
    p[n++] = 0x8e; p[n++] = 0xd8;                               /* mov ds, eax */
    p[n++] = 0x8e; p[n++] = 0xc0;                               /* mov es, eax */
    p[n++] = 0x8e; p[n++] = 0xd0;                               /* mov ss, eax */
    p[n++] = 0xbc; n += put32(p + n, base + PAGE_SCRATCH);      /* mov esp, scratch */
    p[n++] = 0xff; p[n++] = 0x35;                               /* push dword [flags] */
    n += put32(p + n, base + PAGE_IN + 32);
    p[n++] = 0x9d;                                              /* popfd */
    for (unsigned r = 0; r < 8; r++)                            /* MOV leaves the flags */
        n += emit_mov_abs(p + n, r, base + PAGE_IN + 4 * r, false);
    if (n > PAGE_INSN)
        abort();
    while (n < PAGE_INSN)
        p[n++] = 0x90;
}

static void host_place_insn(const uint8_t *insn, unsigned len)
{
    uint8_t *p = hpage;
    uint32_t base = (uint32_t)(uintptr_t)hpage;
    unsigned n = PAGE_INSN;
    memcpy(p + n, insn, len);
    n += len;
    for (unsigned r = 0; r < 8; r++)
        n += emit_mov_abs(p + n, r, base + PAGE_OUT + 4 * r, true);
    p[n++] = 0x8c; p[n++] = 0x05; n += put32(p + n, base + PAGE_OUT + 36);   /* mov [], es */
    p[n++] = 0x8c; p[n++] = 0x1d; n += put32(p + n, base + PAGE_OUT + 38);   /* mov [], ds */
    p[n++] = 0xbc; n += put32(p + n, base + PAGE_SCRATCH);      /* mov esp, scratch */
    p[n++] = 0x9c; p[n++] = 0x58;                               /* pushfd; pop eax */
    p[n++] = 0xa3; n += put32(p + n, base + PAGE_OUT + 32);     /* mov [flags], eax */
    p[n++] = 0xfc;                                              /* cld: the ABI wants DF clear */
    p[n++] = 0xea; n += put32(p + n, base + PAGE_EXIT);         /* jmp far 0x33:exit */
    p[n++] = 0x33; p[n++] = 0;
}

static sigjmp_buf host_jmp;
static DiffState *host_out;

/* An exception in the 32-bit code: keep what the kernel saw, back to C. */
static void host_fault(int sig, siginfo_t *si, void *ctx)
{
    static const int gr[8] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                               REG_RSI, REG_RDI };
    const greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
    (void)sig;
    (void)si;
    host_out->vector = (int)g[REG_TRAPNO];
    for (unsigned r = 0; r < 8; r++)
        host_out->regs[r] = (uint32_t)g[gr[r]];
    host_out->eip = (uint32_t)g[REG_RIP];
    host_out->eflags = (uint32_t)g[REG_EFL];
    siglongjmp(host_jmp, 1);
}

static void host_signals(bool on)
{
    static const int sigs[] = { SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGTRAP };
    static struct sigaction old[5];
    static uint8_t altstack[64 * 1024];
    if (on) {
        stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
        sigaltstack(&ss, NULL);
        struct sigaction sa = { .sa_sigaction = host_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK };
        sigemptyset(&sa.sa_mask);
        for (unsigned k = 0; k < 5; k++)
            sigaction(sigs[k], &sa, &old[k]);
    } else {
        for (unsigned k = 0; k < 5; k++)
            sigaction(sigs[k], &old[k], NULL);
    }
}

static void host_run(const DiffState *in, DiffState *out)
{
    memcpy(hpage + PAGE_IN, in->regs, 32);
    memcpy(hpage + PAGE_IN + 32, &in->flags, 4);
    memcpy(hpage + PAGE_DATA, in->buf, DATA_LEN);
    __builtin___clear_cache((char *)hpage, (char *)hpage + 4096);
    out->vector = -1;
    out->es = out->ds = 0;
    out->eip = out->eflags = 0;
    host_out = out;
    if (sigsetjmp(host_jmp, 1) == 0) {
        ((void (*)(void))(void *)(hpage + PAGE_ENTRY))();
        memcpy(out->regs, hpage + PAGE_OUT, 32);
        memcpy(&out->flags, hpage + PAGE_OUT + 32, 4);
        memcpy(&out->es, hpage + PAGE_OUT + 36, 2);
        memcpy(&out->ds, hpage + PAGE_OUT + 38, 2);
    } else {
        /* back from host_fault in 64-bit mode with DS/ES still 0x2b: harmless */
        out->flags = out->eflags;
    }
    memcpy(out->buf, hpage + PAGE_DATA, DATA_LEN);
}

/* ---- tandem side ---- */

#define GPAGE 0x10000
#define PD32  0x26000
#define PT32  0x27000

static Machine dm;
static MachineConfig dcfg;
static Vcpu dv;
static uint8_t *dram;

static int diff_init(void)
{
    if (x86_diff_init_low(&dm, &dcfg, &dv, &dram, &hpage, GPAGE) < 0)
        return -1;
    uint32_t hv = (uint32_t)(uintptr_t)hpage;
    /* 32-bit paging: one page table mapping the host page's address */
    uint32_t pde = PT32 | 7, pte = GPAGE | 7;
    memcpy(dram + PD32 + (hv >> 22) * 4, &pde, 4);
    memcpy(dram + PT32 + ((hv >> 12) & 1023) * 4, &pte, 4);
    /* descriptor tables and one HLT per vector in the guest page */
    uint8_t *g = dram + GPAGE;
    static const uint64_t gdt[6] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
                                     0x00af9b000000ffffull, 0, 0x00cff3000000ffffull };
    memcpy(g + PAGE_GDT, gdt, sizeof(gdt));
    for (unsigned v = 0; v < 32; v++) {
        uint64_t h = hv + PAGE_VEC + v;
        uint64_t gate = (h & 0xffff) | ((uint64_t)0x08 << 16) | (0x8eull << 40) |
                        ((h >> 16) << 48);
        memcpy(g + PAGE_IDT32 + v * 8, &gate, 8);
        gate = (gate & ~(0xffffull << 16)) | ((uint64_t)0x18 << 16);
        memcpy(g + PAGE_IDT64 + v * 16, &gate, 8);
        memset(g + PAGE_IDT64 + v * 16 + 8, 0, 8);
        g[PAGE_VEC + v] = 0xf4;
    }
    host_build_glue();
    host_signals(true);
    return 0;
}

static int diff_clean(void)
{
    host_signals(false);
    x86_diff_clean(&dm, &dv, hpage);
    return 0;
}

/* Run in compatibility mode (legacy false) or 32-bit protected mode. */
static bool guest_run(const DiffState *in, DiffState *out, bool legacy)
{
    X86CPUState *s = &dv.state;
    s->cr0 = CR0_PE | CR0_PG | CR0_ET;
    if (legacy) {
        s->cr3 = PD32;
        s->cr4 = 0;
        s->msr.efer = 0;
    } else {
        s->cr3 = 0x20000;
        s->cr4 = 1u << 5;
        s->msr.efer = EFER_LME | EFER_LMA;
    }
    s->segs[SEG_CS] = (SegmentCache){ 0x08, SEG_ATTR_P | SEG_ATTR_S | 0xb | SEG_ATTR_DB | SEG_ATTR_G,
                                      0xffffffff, 0 };
    /* The data segments are the host's: selector 0x2b, a DPL 3 flat segment.
     * SS keeps DPL 0 in its cache (CPL is SS.DPL; the handlers run at CPL 0
     * without a TSS), but shows the host's selector to PUSH SS. */
    SegmentCache data = { 0x2b, SEG_ATTR_P | SEG_ATTR_S | 0x3 | (3 << SEG_ATTR_DPL_SHIFT) |
                                SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff, 0 };
    s->segs[SEG_DS] = s->segs[SEG_ES] = data;
    data.attrib &= (uint16_t)~(3 << SEG_ATTR_DPL_SHIFT);
    s->segs[SEG_SS] = data;
    uint32_t hv = (uint32_t)(uintptr_t)hpage;
    s->gdt = (DescTable){ hv + PAGE_GDT, 0x2f };
    s->idt = legacy ? (DescTable){ hv + PAGE_IDT32, 32 * 8 - 1 }
                    : (DescTable){ hv + PAGE_IDT64, 32 * 16 - 1 };
    for (unsigned r = 0; r < 8; r++)
        s->regs[r] = in->regs[r];
    s->rflags = (in->flags & (ARITH | FLAG_DF)) | FLAG_IF | 2;   /* as in user mode */
    s->rip = hv + PAGE_INSN;
    s->halted = false;
    memcpy(dram + GPAGE + PAGE_DATA, in->buf, DATA_LEN);
    accel_tcg_ops.state_changed(&dv);
    VcpuExit e = accel_tcg_ops.vcpu_run(&dv);
    for (unsigned r = 0; r < 8; r++)
        out->regs[r] = (uint32_t)s->regs[r];
    out->flags = (uint32_t)s->rflags;
    out->es = s->segs[SEG_ES].selector;
    out->ds = s->segs[SEG_DS].selector;
    memcpy(out->buf, dram + GPAGE + PAGE_DATA, DATA_LEN);
    out->vector = -1;
    if (e != VCPU_EXIT_HALT)
        return false;
    if (s->rip > hv + PAGE_VEC && s->rip <= hv + PAGE_VEC + 32) {
        /* the frame: [error code], EIP, CS, EFLAGS (legacy) or RIP, CS,
         * RFLAGS, RSP, SS */
        uint32_t sp = (uint32_t)s->regs[R_ESP], w = legacy ? 4 : 8;
        out->vector = (int)(s->rip - hv - PAGE_VEC - 1);
        if (out->vector == 8 || (out->vector >= 10 && out->vector <= 14) || out->vector == 17)
            sp += w;
        if (sp < hv + PAGE_DATA || sp + 3 * w > hv + PAGE_DATA + DATA_LEN)
            return false;
        memcpy(&out->eip, dram + GPAGE + (sp - hv), 4);
        memcpy(&out->eflags, dram + GPAGE + (sp - hv) + 2 * w, 4);
    }
    return true;
}

/* ---- generation ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void) { return (uint32_t)x86_diff_xorshift(&rng); }
static uint32_t rnd_value(void) { return (uint32_t)x86_diff_value(&rng); }

/*
 * Build one instance of f at operand width bits into insn; fix the inputs
 * in *in that the form needs. Returns the length, 0 to skip this instance.
 * *count gets the shift count for the flag rules, *rm_out the r/m register.
 */
static unsigned gen_insn(const Form32 *f, unsigned bits, unsigned it, uint8_t *insn,
                         DiffState *in, unsigned *count, unsigned *rm_out)
{
    uint32_t base = (uint32_t)(uintptr_t)hpage;
    unsigned n = 0, opi = 0, reg, rm;
    if (f->sp == SP_VEX) {
        /* C4 RXB.map W.vvvv.L.pp op modrm: R, X, B set (inverted), so not LES */
        unsigned v;
        do {
            reg = rnd() % 8, rm = rnd() % 8, v = rnd() % 8;
        } while (reg == R_ESP || rm == R_ESP || v == R_ESP);
        if (f->ext >= 0)
            reg = (unsigned)f->ext;
        insn[n++] = 0xc4;
        insn[n++] = (uint8_t)(0xe0 | f->op[0]);
        insn[n++] = (uint8_t)((rnd() & 0x80) | ((~v & 15) << 3) | f->op[1]);
        insn[n++] = f->op[2];
        insn[n++] = (uint8_t)(0xc0 | (reg << 3) | rm);
        if (f->imm)
            insn[n++] = (uint8_t)(it % 64);
        if (!strcmp(f->name, "rorx"))
            insn[2] |= 0x78;                    /* vvvv = 1111b: reserved */
        return n;
    }
    if (f->oplen > 1 && (f->op[0] == 0x66 || f->op[0] == 0xf3 || f->op[0] == 0xf2))
        insn[n++] = f->op[opi++];
    if (f->sp == SP_STR && it % 3)
        insn[n++] = it % 3 == 1 ? 0xf3 : 0xf2;
    if (bits == 16)
        insn[n++] = 0x66;
    /* registers: never ESP; byte forms may use AH..BH (4..7) */
    do {
        reg = rnd() % 8;
        rm = rnd() % 8;
    } while (!f->byte && (reg == R_ESP || rm == R_ESP));
    if (f->sp == SP_DIV || f->sp == SP_IDIV) {
        static const uint8_t d8[] = { 1, 2, 3, 5, 6, 7 };   /* not AL or AH */
        rm = f->byte ? d8[rnd() % 6] : (rm == R_EAX || rm == R_EDX ? R_EBX : rm);
    }
    if (f->sp == SP_CL && (rm == R_ECX || reg == R_ECX || (f->byte && rm == 5)))
        return 0;
    if (f->ext >= 0)
        reg = (unsigned)f->ext;
    *rm_out = rm;
    for (; opi < f->oplen; opi++)
        insn[n++] = f->op[opi];
    if (f->sp == SP_CC || (f->sp == SP_REL0 && f->oplen == 2))
        insn[n - 1] += (uint8_t)(rnd() % 16);
    if (f->sp == SP_MOVSEG || f->sp == SP_LOADSEG) {
        /* 8C: ES, SS or DS; 8E: ES or DS (SS and CS would need CPL 3) */
        static const uint8_t rd[3] = { 0, 2, 3 };
        reg = f->sp == SP_MOVSEG ? rd[rnd() % 3] : (rnd() & 1) * 3;
    }
    if (f->sp == SP_BRIND && rm == R_ESP)
        rm = R_EAX;                             /* byte form: ESP was allowed */
    if (f->ext == E_OPREG)
        insn[n - 1] += (uint8_t)rm;
    if (f->ext >= 0 || f->ext == E_REG) {
        if (f->sp == SP_LEA) {
            /* [base + index*scale + disp32], any registers */
            insn[n++] = (uint8_t)(0x84 | (reg << 3));
            insn[n++] = (uint8_t)rnd();
            n += put32(insn + n, rnd());
        } else if (f->sp == SP_LEA16) {
            /* any 16-bit form: mod 0..2, every rm */
            unsigned mod = rnd() % 3, r16 = rnd() % 8;
            insn[n++] = (uint8_t)((mod << 6) | (reg << 3) | r16);
            if (mod == 1)
                insn[n++] = (uint8_t)rnd();
            else if (mod == 2 || (mod == 0 && r16 == 6)) {
                uint16_t d = (uint16_t)rnd();
                memcpy(insn + n, &d, 2);
                n += 2;
            }
        } else if (f->mem) {
            insn[n++] = (uint8_t)(0x05 | (reg << 3));         /* [disp32] */
            n += put32(insn + n, base + PAGE_DATA + (f->sp == SP_BTMEM ? 0x100 : 0));
        } else {
            insn[n++] = (uint8_t)(0xc0 | (reg << 3) | rm);
        }
    }
    *count = f->op[0] == 0xd0 || f->op[0] == 0xd1 ? 1 : 0;
    if (f->sp == SP_MOFFS)
        n += put32(insn + n, base + PAGE_DATA + 8 + rnd() % 16);
    if (f->imm) {
        unsigned il = f->imm == 4 ? (bits == 16 ? 2 : 4) : f->imm;
        uint32_t v = rnd_value();
        if (f->sp == SP_CNT8)
            v = it % 64;
        if (f->sp == SP_REL0)
            v = 0;                              /* the target is the next instruction */
        if (f->sp == SP_RET)
            v &= 0x3c;                          /* stay in the data area */
        if (f->sp == SP_AAM)
            v = f->fault ? 0 : (v & 0xff) ? v : 10;     /* AAM 0 is #DE */
        if (f->sp == SP_ENTER)
            v = (rnd() % 64) | ((it % 8) << 16);  /* size, nesting level 0..7 */
        memcpy(insn + n, &v, il);
        n += il;
        *count = v & 0xff;
    }

    /* inputs the form needs */
    uint32_t next = base + PAGE_INSN + n;
    if (f->sp == SP_RET)
        memcpy(in->buf + (PAGE_STACK - PAGE_DATA), &next, 4);
    if (f->sp == SP_BRIND)
        in->regs[rm] = next;
    if (f->sp == SP_POPF) {
        uint32_t v = (rnd() & (ARITH | FLAG_DF | FLAG_NT | FLAG_ID | 0xffc00000u)) | FLAG_IF | 2;
        memcpy(in->buf + (PAGE_STACK - PAGE_DATA), &v, 4);
    }
    if (f->sp == SP_BTMEM)      /* bits -2048..2047: bytes -256..255 around data+0x100 */
        in->regs[reg] = (uint32_t)((int32_t)(rnd() % 4096) - 2048);
    /* a selector for ES (0x2b or null) or DS (0x2b), upper bits random */
    uint32_t sel = (rnd() & 1) ? 0x2b : 0;
    if (f->sp == SP_POPSEG) {
        if (f->op[0] == 0x1f)
            sel = 0x2b;
        uint32_t v = (rnd() & 0xffff0000u) | sel;
        memcpy(in->buf + (PAGE_STACK - PAGE_DATA), &v, 4);
    }
    if (f->sp == SP_LOADSEG)
        in->regs[rm] = (rnd() & 0xffff0000u) | (reg == 3 ? 0x2b : sel);
    if (f->sp == SP_FARPTR) {
        uint16_t s16 = (uint16_t)(f->op[0] == 0xc5 ? 0x2b : sel);
        memcpy(in->buf + (bits == 16 ? 2 : 4), &s16, 2);
    }
    if (f->sp == SP_CL) {
        in->regs[R_ECX] = (in->regs[R_ECX] & ~0xffu) | (it % 64);
        *count = it % 64;
    }
    if (f->sp == SP_STR) {
        in->regs[R_ESI] = base + PAGE_DATA + 0x100 + rnd() % 0x80;
        in->regs[R_EDI] = base + PAGE_DATA + 0x180 + rnd() % 0x80;
        in->regs[R_ECX] = rnd() % 20;
        in->flags |= (rnd() & 1) ? FLAG_DF : 0;
    }
    if (f->sp == SP_XLAT)
        in->regs[R_EBX] = base + PAGE_DATA + rnd() % 0x100;
    if (f->sp == SP_ENTER || f->sp == SP_LEAVE)
        in->regs[R_EBP] = base + PAGE_DATA + 0x100 + (rnd() % 0x40) * 4;
    if (f->sp == SP_INTO && !f->fault)
        in->flags &= ~(uint32_t)FLAG_OF;        /* OF=1 traps (#OF) */
    if (f->sp == SP_INTO && f->fault && (rnd() % 4))
        in->flags |= FLAG_OF;
    if (f->sp == SP_LOOP || f->sp == SP_LOOP16)
        in->regs[R_ECX] = rnd() % 3 ? rnd() % 3 : (rnd() & 1 ? 0x10000 : 0xffff0001);
    if (f->sp == SP_BOUND) {
        /* bounds around the index: inside, or on an edge; never #BR */
        int32_t idx = bits == 16 ? (int16_t)in->regs[reg] : (int32_t)in->regs[reg];
        int32_t lo = idx - (int32_t)(rnd() % 3), hi = idx + (int32_t)(rnd() % 3);
        if (idx < (bits == 16 ? -32766 : -0x7ffffffe) || idx > (bits == 16 ? 32765 : 0x7ffffffd))
            lo = hi = idx;
        else if (f->fault && (rnd() & 1))
            lo = idx + 1 + (int32_t)(rnd() % 2);        /* below the lower bound */
        else if (f->fault)
            hi = idx - 1 - (int32_t)(rnd() % 2);        /* above the upper bound */
        if (bits == 16) {
            int16_t b16[2] = { (int16_t)lo, (int16_t)hi };
            memcpy(in->buf, b16, 4);
        } else {
            int32_t b32[2] = { lo, hi };
            memcpy(in->buf, b32, 8);
        }
    }
    if (f->sp == SP_CMPX && (rnd() & 1)) {
        memcpy(&in->regs[R_EAX], in->buf, 4);   /* make the comparison succeed */
        memcpy(&in->regs[R_EDX], in->buf + 4, 4);
    }
    if ((f->sp == SP_DIV || f->sp == SP_IDIV) && f->fault) {
        /* divide by zero, or a quotient too wide (IDIV's most negative / -1) */
        if (rnd() & 1)
            in->regs[rm] &= bits == 8 && rm >= 4 ? ~0xff00u : bits == 32 ? 0 : ~((1u << bits) - 1);
        else if (f->sp == SP_IDIV && bits == 8 && rm < 4)
            in->regs[rm] |= 0xff, in->regs[R_EAX] = (in->regs[R_EAX] & ~0xffffu) | 0x8000;
    } else if (f->sp == SP_DIV || f->sp == SP_IDIV) {
        uint32_t m = bits == 32 ? ~0u : (1u << bits) - 1;
        uint32_t d = in->regs[rm] & m;
        if (bits == 8 && rm >= 4)
            d = (in->regs[rm - 4] >> 8) & 0xff;
        if (d == 0 || (f->sp == SP_IDIV && (d == m || d == (m >> 1) + 1)))
            return 0;
        if (f->sp == SP_DIV) {
            if (bits == 8)
                in->regs[R_EAX] = (in->regs[R_EAX] & ~0xff00u) |
                                  ((((in->regs[R_EAX] >> 8) & 0xff) % d) << 8);
            else
                in->regs[R_EDX] = (in->regs[R_EDX] & ~m) | ((in->regs[R_EDX] & m) % d);
        } else if (bits == 8) {
            /* sign-extend the low half into the high half: cannot overflow */
            int8_t lo = (int8_t)in->regs[R_EAX];
            in->regs[R_EAX] = (in->regs[R_EAX] & ~0xff00u) | (lo < 0 ? 0xff00u : 0);
        } else {
            bool neg = (in->regs[R_EAX] >> (bits - 1)) & 1;
            in->regs[R_EDX] = (in->regs[R_EDX] & ~m) | (neg ? m : 0);
        }
    }
    return n;
}

static unsigned failures_printed;

static void report(const Form32 *f, unsigned bits, bool legacy, bool ok, const uint8_t *insn,
                   unsigned n, const DiffState *in, const DiffState *h, const DiffState *g,
                   uint32_t fmask)
{
    if (failures_printed++ >= 40)
        return;
    printf("\nMISMATCH %s (%u-bit, %s)%s bytes:", f->name, bits,
           legacy ? "protected mode" : "compatibility mode", ok ? "" : " [guest fault]");
    for (unsigned k = 0; k < n; k++)
        printf(" %02x", insn[k]);
    printf("\n  in: flags=%03x; vector host %d tandem %d; frame EIP host %08x tandem %08x, "
           "EFLAGS host %03x tandem %03x", in->flags, h->vector, g->vector, h->eip, g->eip,
           h->eflags & 0xfff, g->eflags & 0xfff);
    for (unsigned r = 0; r < 8; r++)
        if (h->regs[r] != g->regs[r] || in->regs[r] != h->regs[r])
            printf("\n  r%u in=%08x host=%08x tandem=%08x", r, in->regs[r], h->regs[r], g->regs[r]);
    if (h->es != g->es || h->ds != g->ds)
        printf("\n  es host=%04x tandem=%04x ds host=%04x tandem=%04x", h->es, g->es, h->ds,
               g->ds);
    printf("\n  flags host=%03x tandem=%03x mask=%03x", h->flags & (uint32_t)ARITH,
           g->flags & (uint32_t)ARITH, fmask);
    for (unsigned k = 0; k < DATA_LEN; k++)
        if (h->buf[k] != g->buf[k]) {
            printf("\n  data+0x%x host=%02x tandem=%02x (first difference)", k, h->buf[k],
                   g->buf[k]);
            break;
        }
    printf("\n");
}

static void run_form(const Form32 *f, unsigned iters, unsigned *ran, unsigned *faults,
                     unsigned *bad)
{
    static const unsigned vsizes[] = { 16, 32 };
    unsigned nsizes = f->byte ? 1 : 2;
    for (unsigned si = 0; si < nsizes; si++) {
        unsigned bits = f->byte ? 8 : vsizes[si];
        if (bits == 16 && (f->sp == SP_NO16 || f->sp == SP_VEX || f->sp == SP_CMPX))
            continue;
        for (unsigned it = 0; it < iters; it++) {
            DiffState in, h, g;
            for (unsigned r = 0; r < 8; r++)
                in.regs[r] = rnd_value();
            in.regs[R_ESP] = (uint32_t)(uintptr_t)hpage + PAGE_STACK;
            in.flags = (rnd() & (uint32_t)ARITH) | 2;
            for (unsigned k = 0; k < DATA_LEN; k++)
                in.buf[k] = (uint8_t)(rnd() % 4 == 0 ? rnd() : (k & 3));
            uint8_t insn[16];
            unsigned count = 0, rm = 0;
            unsigned n = gen_insn(f, bits, it, insn, &in, &count, &rm);
            if (!n)
                continue;
            host_place_insn(insn, n);
            x86_diff_place_guest(&dm, dram, GPAGE + PAGE_INSN, insn, n);
            host_run(&in, &h);
            uint32_t fmask = (uint32_t)x86_diff_defined_flags(f->fl, bits, count);
            for (unsigned pass = 0; pass < 2; pass++) {
                bool legacy = pass == 1;
                bool ok = guest_run(&in, &g, legacy);
                (*ran)++;
                if (ok && (h.vector >= 0 || g.vector >= 0)) {
                    /* an exception: precise state, the frame's EIP and EFLAGS */
                    (*faults)++;
                    h.regs[R_ESP] = g.regs[R_ESP] = 0;
                    if (h.vector != g.vector || memcmp(h.regs, g.regs, sizeof(h.regs)) ||
                        h.eip != g.eip || ((h.eflags ^ g.eflags) & (ARITH | FLAG_DF))) {
                        (*bad)++;
                        report(f, bits, legacy, ok, insn, n, &in, &h, &g, ARITH);
                    }
                    continue;
                }
                bool regs_ok = !memcmp(h.regs, g.regs, sizeof(h.regs)) && h.es == g.es &&
                               h.ds == g.ds;
                uint32_t m = bits == 32 ? ~0u : (1u << bits) - 1;
                if (f->sp == SP_BSX && (in.regs[rm] & m) == 0)
                    regs_ok = true;     /* destination undefined for a zero source */
                if (f->fl == FL_SHD && (count & 31) > bits)
                    regs_ok = true;     /* result undefined */
                if (f->sp == SP_PUSHSEG && bits == 32)
                    /* SDM: a 32-bit push of a segment register writes the
                     * selector zero-extended (AMD) or with a 16-bit move
                     * (recent Intel, and tandem): the upper half is the CPU's */
                    memcpy(g.buf + (PAGE_STACK - 4 - PAGE_DATA) + 2,
                           h.buf + (PAGE_STACK - 4 - PAGE_DATA) + 2, 2);
                bool mem_ok = !memcmp(h.buf, g.buf, DATA_LEN);
                uint32_t more = f->sp == SP_POPF ? FLAG_NT | FLAG_ID | FLAG_IF : 0;
                bool flags_ok = ((h.flags ^ g.flags) & (fmask | FLAG_DF | more)) == 0;
                if (!ok || !regs_ok || !mem_ok || !flags_ok) {
                    (*bad)++;
                    report(f, bits, legacy, ok, insn, n, &in, &h, &g, fmask);
                }
            }
        }
    }
}

static void test_diff32_integer(void)
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
    printf("\n  %u forms, %u runs (compatibility and protected mode), %u of them "
           "exceptions, %u skipped forms (host lacks feature), %u mismatches\n",
           (unsigned)(sizeof(forms) / sizeof(forms[0])), ran, faults, skipped, bad);
    CU_ASSERT(ran > 1000);
    CU_ASSERT(faults > 100);
    CU_ASSERT_EQUAL(bad, 0);
}

/*
 * Can this host run 32-bit code through selector 0x23? Try a NOP in a child:
 * a kernel without IA-32 emulation kills it instead of returning.
 */
static bool diff32_host_ok(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (x86_diff_init_low(&dm, &dcfg, &dv, &dram, &hpage, GPAGE) < 0)
            _exit(2);
        host_build_glue();
        static const uint8_t nop = 0x90;
        host_place_insn(&nop, 1);
        DiffState in = { .flags = 2 }, out;
        in.regs[R_ESP] = (uint32_t)(uintptr_t)hpage + PAGE_STACK;
        host_run(&in, &out);
        _exit(out.regs[R_ESP] == in.regs[R_ESP] ? 0 : 3);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "integer32", test_diff32_integer },
        { NULL, NULL }
    };
#if defined(__x86_64__) && defined(__linux__)
    if (!diff32_host_ok()) {
        unit_skip("this host cannot run 32-bit code through selector 0x23 (no IA-32 emulation)");
        return;
    }
    unit_add_suite("x86-diff32", diff_init, diff_clean, tests);
#else
    (void)tests;
    unit_skip("the native side needs Linux on x86-64");
#endif
}

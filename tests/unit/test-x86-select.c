/* SPDX-License-Identifier: MIT */
/*
 * Handler selection with block context (cpu/x86/fast.c) against the
 * generic handlers, and the flag liveness that drives it.
 *
 * Forms: each encoding is decoded, then run from the same random state by
 * its generic handler (x86_handlers[op]), by x86_insn_select() with every
 * flag live, and with none live. The first two must agree on registers,
 * next RIP and all six flags; the no-flags copy on registers and next RIP,
 * and on every flag the instruction does not declare as written (those
 * must pass through untouched). x86_insn_flags() is checked too: the flags
 * it says an instruction writes must not depend on the flags before it.
 *
 * Blocks: a guest loop made of such instructions, most of whose flags are
 * dead, must end with the registers and flags the host CPU computes; and a
 * fault after an instruction whose flags a later one would overwrite must
 * see that instruction's flags (a faulting instruction reads them all).
 */
#include "tests/unit/test-x86-harness.h"
#include "cpu/x86/fast.h"
#include "bench/guests/intloop.h"

#define ARITH FLAGS_ARITH

typedef struct Form {
    const char *name;
    uint8_t bytes[12], len;
    bool mode64;
    bool specialised;           /* x86_insn_select() must not return the generic handler */
} Form;

static const Form forms[] = {
    { "add eax,ebx", {0x01, 0xd8}, 2, true, true },
    { "add rax,rbx", {0x48, 0x01, 0xd8}, 3, true, true },
    { "add r8,r9", {0x4d, 0x01, 0xc8}, 3, true, true },
    { "or ecx,edx", {0x09, 0xd1}, 2, true, true },
    { "adc rcx,rdx", {0x48, 0x11, 0xd1}, 3, true, true },
    { "sbb esi,edi", {0x19, 0xfe}, 2, true, true },
    { "and rsi,rdi", {0x48, 0x21, 0xfe}, 3, true, true },
    { "sub ebx,eax", {0x29, 0xc3}, 2, true, true },
    { "xor rbx,rax", {0x48, 0x31, 0xc3}, 3, true, true },
    { "cmp eax,ebx", {0x39, 0xd8}, 2, true, true },
    { "test rax,rbx", {0x48, 0x85, 0xd8}, 3, true, true },
    { "add eax,-5", {0x83, 0xc0, 0xfb}, 3, true, true },
    { "or rcx,-128", {0x48, 0x83, 0xc9, 0x80}, 4, true, true },
    { "adc edx,0x12345678", {0x81, 0xd2, 0x78, 0x56, 0x34, 0x12}, 6, true, true },
    { "sbb rdx,-2", {0x48, 0x83, 0xda, 0xfe}, 4, true, true },
    { "and ebx,0x7fffffff", {0x81, 0xe3, 0xff, 0xff, 0xff, 0x7f}, 6, true, true },
    { "sub rsp,8", {0x48, 0x83, 0xec, 0x08}, 4, true, true },
    { "xor esi,1", {0x83, 0xf6, 0x01}, 3, true, true },
    { "cmp rdi,-1", {0x48, 0x83, 0xff, 0xff}, 4, true, true },
    { "test eax,imm", {0xa9, 0x00, 0x00, 0x00, 0x80}, 5, true, true },
    { "add eax,imm (05)", {0x05, 0x01, 0x00, 0x00, 0x80}, 5, true, true },
    { "inc eax", {0xff, 0xc0}, 2, true, true },
    { "dec rcx", {0x48, 0xff, 0xc9}, 3, true, true },
    { "shl eax,5", {0xc1, 0xe0, 0x05}, 3, true, true },
    { "shr rax,63", {0x48, 0xc1, 0xe8, 0x3f}, 4, true, true },
    { "sar edx,31", {0xc1, 0xfa, 0x1f}, 3, true, true },
    { "sar rdx,1", {0x48, 0xd1, 0xfa}, 3, true, true },
    { "rol eax,3", {0xc1, 0xc0, 0x03}, 3, true, true },
    { "ror rbx,17", {0x48, 0xc1, 0xcb, 0x11}, 4, true, true },
    { "rol ecx,1", {0xd1, 0xc1}, 2, true, true },
    { "shl ecx,33 (count 1)", {0xc1, 0xe1, 0x21}, 3, true, true },
    { "shl ecx,32 (count 0)", {0xc1, 0xe1, 0x20}, 3, true, false },
    { "lea eax,[rax+rbx*2]", {0x8d, 0x04, 0x58}, 3, true, true },
    { "lea rax,[rax+rbx*2+8]", {0x48, 0x8d, 0x44, 0x58, 0x08}, 5, true, true },
    { "lea rax,[rbx*4+0x100]", {0x48, 0x8d, 0x04, 0x9d, 0x00, 0x01, 0x00, 0x00}, 8, true, true },
    { "lea eax,[disp32]", {0x8d, 0x04, 0x25, 0xf0, 0xff, 0xff, 0xff}, 7, true, true },
    { "lea rdx,[rcx-1]", {0x48, 0x8d, 0x51, 0xff}, 4, true, true },
    { "lea rax,[rcx+rdx]", {0x48, 0x8d, 0x04, 0x11}, 4, true, true },
    { "lea rax,[rcx+rdx*2]", {0x48, 0x8d, 0x04, 0x51}, 4, true, true },
    { "lea rax,[rcx+rdx*4]", {0x48, 0x8d, 0x04, 0x91}, 4, true, true },
    { "lea r9,[r10+r11*8]", {0x4f, 0x8d, 0x0c, 0xda}, 4, true, true },
    { "lea eax,[rcx+rdx*8]", {0x8d, 0x04, 0xd1}, 3, true, true },
    { "lea rax,[ecx+edx*4] (67)", {0x67, 0x48, 0x8d, 0x04, 0x91}, 5, true, true },
    { "lea eax,[eax+ebx*2] (67)", {0x67, 0x8d, 0x04, 0x58}, 4, true, true },
    { "lea rax,[eax+ebx] (67)", {0x67, 0x48, 0x8d, 0x04, 0x18}, 5, true, true },
    { "jz +16", {0x74, 0x10}, 2, true, true },
    { "jnz -2", {0x75, 0xfe}, 2, true, true },
    { "jb rel32", {0x0f, 0x82, 0x00, 0x10, 0x00, 0x00}, 6, true, true },
    { "jbe", {0x76, 0x10}, 2, true, true },
    { "js", {0x78, 0x10}, 2, true, true },
    { "jp", {0x7a, 0x10}, 2, true, true },
    { "jl", {0x7c, 0x10}, 2, true, true },
    { "jle", {0x7e, 0x10}, 2, true, true },
    { "jo", {0x70, 0x10}, 2, true, true },
    { "jnle", {0x7f, 0x10}, 2, true, true },
    { "jmp +5", {0xeb, 0x05}, 2, true, true },
    { "jmp rel32", {0xe9, 0x00, 0x00, 0x00, 0x80}, 5, true, true },
    { "mov eax,ebx", {0x89, 0xd8}, 2, true, true },
    { "mov r9,rax", {0x49, 0x89, 0xc1}, 3, true, true },
    { "mov ecx,imm", {0xb9, 0x78, 0x56, 0x34, 0x92}, 5, true, true },
    { "mov rcx,imm64", {0x48, 0xb9, 1, 2, 3, 4, 5, 6, 7, 0x88}, 10, true, true },
    { "mov rcx,simm32", {0x48, 0xc7, 0xc1, 0x00, 0x00, 0x00, 0x80}, 7, true, true },
    /* 32-bit code */
    { "add eax,ebx (32)", {0x01, 0xd8}, 2, false, true },
    { "dec esi (32, 4e)", {0x4e}, 1, false, true },
    { "inc edi (32, 47)", {0x47}, 1, false, true },
    { "sub ecx,7 (32)", {0x83, 0xe9, 0x07}, 3, false, true },
    { "rol eax,3 (32)", {0xc1, 0xc0, 0x03}, 3, false, true },
    { "lea edx,[eax+ebx*2] (32)", {0x8d, 0x14, 0x58}, 3, false, true },
    { "lea edx,[ebx+4] (32)", {0x8d, 0x53, 0x04}, 3, false, true },
    { "jnz -2 (32)", {0x75, 0xfe}, 2, false, true },
    { "jge rel32 (32)", {0x0f, 0x8d, 0x00, 0x01, 0x00, 0x00}, 6, false, true },
    { "jmp -2 (32)", {0xeb, 0xfe}, 2, false, true },
    /* 8- and 16-bit register forms (not AH..BH) */
    { "add ax,bx", {0x66, 0x01, 0xd8}, 3, true, true },
    { "add al,bl", {0x00, 0xd8}, 2, true, true },
    { "adc dl,cl", {0x10, 0xca}, 2, true, true },
    { "sbb si,di", {0x66, 0x19, 0xfe}, 3, true, true },
    { "sub r9b,r10b", {0x45, 0x28, 0xd1}, 3, true, true },
    { "xor sil,dil", {0x40, 0x30, 0xfe}, 3, true, true },
    { "and cx,0x8001", {0x66, 0x81, 0xe1, 0x01, 0x80}, 5, true, true },
    { "or bl,0x80", {0x80, 0xcb, 0x80}, 3, true, true },
    { "cmp al,0x20 (3c)", {0x3c, 0x20}, 2, true, true },
    { "cmp dx,-1", {0x66, 0x83, 0xfa, 0xff}, 4, true, true },
    { "test al,1 (a8)", {0xa8, 0x01}, 2, true, true },
    { "test cl,dl", {0x84, 0xd1}, 2, true, true },
    { "sub al,bl (32)", {0x28, 0xd8}, 2, false, true },
    /* forms left to the generic handlers: selection must still be exact */
    { "add ah,bl (32)", {0x00, 0xdc}, 2, false, false },
    { "cmp bh,1 (32)", {0x80, 0xff, 0x01}, 3, false, false },
    { "rcl eax,3", {0xc1, 0xd0, 0x03}, 3, true, false },
    { "shl eax,cl", {0xd3, 0xe0}, 2, true, false },
    { "neg rax", {0x48, 0xf7, 0xd8}, 3, true, false },
    { "cmovz eax,ebx", {0x0f, 0x44, 0xc3}, 3, true, true },
    { "cmovl rax,rbx", {0x48, 0x0f, 0x4c, 0xc3}, 4, true, true },
    { "cmovbe r8d,ecx", {0x44, 0x0f, 0x46, 0xc1}, 4, true, true },
    { "cmovp eax,ebx", {0x0f, 0x4a, 0xc3}, 3, true, true },
    { "cmovno rax,rbx", {0x48, 0x0f, 0x41, 0xc3}, 4, true, true },
    { "cmovnle eax,ebx (32)", {0x0f, 0x4f, 0xc3}, 3, false, true },
    { "cmovz ax,bx (generic)", {0x66, 0x0f, 0x44, 0xc3}, 4, true, false },
    { "setb al", {0x0f, 0x92, 0xc0}, 3, true, true },
    { "setnz r9b", {0x41, 0x0f, 0x95, 0xc1}, 4, true, true },
    { "setle dl", {0x0f, 0x9e, 0xc2}, 3, true, true },
    { "seto bl", {0x0f, 0x90, 0xc3}, 3, true, true },
    { "sets ah (generic)", {0x0f, 0x98, 0xc4}, 3, false, false },
    { "movzx eax,bl", {0x0f, 0xb6, 0xc3}, 3, true, true },
    { "movzx rax,cx", {0x48, 0x0f, 0xb7, 0xc1}, 4, true, true },
    { "movsx ecx,dl", {0x0f, 0xbe, 0xca}, 3, true, true },
    { "movsx rcx,dx", {0x48, 0x0f, 0xbf, 0xca}, 4, true, true },
    { "movsxd rax,ecx", {0x48, 0x63, 0xc1}, 3, true, true },
    { "movzx eax,bh (32, generic)", {0x0f, 0xb6, 0xc7}, 3, false, false },
    { "imul eax,ebx", {0x0f, 0xaf, 0xc3}, 3, true, true },
    { "imul rax,rbx", {0x48, 0x0f, 0xaf, 0xc3}, 4, true, true },
    { "imul ecx,edx,-7", {0x6b, 0xca, 0xf9}, 3, true, true },
    { "imul rcx,rdx,imm32", {0x48, 0x69, 0xca, 0x01, 0x00, 0x00, 0x80}, 7, true, true },
    { "imul ax,bx (generic)", {0x66, 0x0f, 0xaf, 0xc3}, 4, true, false },
    /* memory forms: RBX and RCX point into the mapped page (see point_regs) */
    { "mov rax,[rbx+rcx*8+0x10]", {0x48, 0x8b, 0x44, 0xcb, 0x10}, 5, true, true },
    { "mov eax,[rbx+rcx*8+0x10]", {0x8b, 0x44, 0xcb, 0x10}, 4, true, true },
    { "mov [rbx+rcx*8+0x10],rax", {0x48, 0x89, 0x44, 0xcb, 0x10}, 5, true, true },
    { "mov [rbx+0x10],eax", {0x89, 0x43, 0x10}, 3, true, true },
    { "mov [rbx+2],ax", {0x66, 0x89, 0x43, 0x02}, 4, true, true },
    { "mov [rbx+1],al", {0x88, 0x43, 0x01}, 3, true, true },
    { "mov [rbx+1],ah (generic)", {0x88, 0x63, 0x01}, 3, true, false },
    { "mov qword [rbx+8],-5", {0x48, 0xc7, 0x43, 0x08, 0xfb, 0xff, 0xff, 0xff}, 8, true, true },
    { "mov dword [rbx],imm", {0xc7, 0x03, 0x78, 0x56, 0x34, 0x12}, 6, true, true },
    { "mov byte [rbx],0x80", {0xc6, 0x03, 0x80}, 3, true, true },
    { "mov al,[rbx] (generic)", {0x8a, 0x03}, 2, true, false },
    { "movzx eax,byte [rbx+rcx]", {0x0f, 0xb6, 0x04, 0x0b}, 4, true, true },
    { "movzx rax,word [rbx+rcx]", {0x48, 0x0f, 0xb7, 0x04, 0x0b}, 5, true, true },
    { "movsx eax,byte [rbx+rcx]", {0x0f, 0xbe, 0x04, 0x0b}, 4, true, true },
    { "movsx rax,word [rbx]", {0x48, 0x0f, 0xbf, 0x03}, 4, true, true },
    { "movsxd rax,[rbx]", {0x48, 0x63, 0x03}, 3, true, true },
    { "add rax,[rbx+rcx*8]", {0x48, 0x03, 0x04, 0xcb}, 4, true, true },
    { "cmp eax,[rbx]", {0x3b, 0x03}, 2, true, true },
    { "add ax,[rbx]", {0x66, 0x03, 0x03}, 3, true, true },
    { "sub cl,[rbx+1]", {0x2a, 0x4b, 0x01}, 3, true, true },
    { "or r9b,[rbx+1]", {0x44, 0x0a, 0x4b, 0x01}, 4, true, true },
    { "sub [rbx+rcx*8],rax", {0x48, 0x29, 0x04, 0xcb}, 4, true, true },
    { "and [rbx],edx", {0x21, 0x13}, 2, true, true },
    { "cmp qword [rbx],-1", {0x48, 0x83, 0x3b, 0xff}, 4, true, true },
    { "test byte [rbx],0x80", {0xf6, 0x03, 0x80}, 3, true, true },
    { "test [rbx],eax", {0x85, 0x03}, 2, true, true },
    { "xor word [rbx],0x1234", {0x66, 0x81, 0x33, 0x34, 0x12}, 5, true, true },
    { "or [rbx+1],al", {0x08, 0x43, 0x01}, 3, true, true },
    { "add dword [rbx],5", {0x83, 0x03, 0x05}, 3, true, true },
    { "adc [rbx],eax (generic)", {0x11, 0x03}, 2, true, false },
    /* the stack (RSP points into the page) */
    { "push rax", {0x50}, 1, true, true },
    { "push r12", {0x41, 0x54}, 2, true, true },
    { "push rsp", {0x54}, 1, true, true },
    { "push -2", {0x6a, 0xfe}, 2, true, true },
    { "push imm32", {0x68, 0x00, 0x00, 0x00, 0x80}, 5, true, true },
    { "pop rcx", {0x59}, 1, true, true },
    { "pop rsp", {0x5c}, 1, true, true },
    { "pop r15", {0x41, 0x5f}, 2, true, true },
    { "push [rbx] (generic)", {0xff, 0x33}, 2, true, false },
    { "push ax (generic)", {0x66, 0x50}, 2, true, false },
    { "call rel32", {0xe8, 0x00, 0x01, 0x00, 0x00}, 5, true, true },
    { "call -5", {0xe8, 0xfb, 0xff, 0xff, 0xff}, 5, true, true },
    { "ret", {0xc3}, 1, true, true },
    { "ret 16", {0xc2, 0x10, 0x00}, 3, true, true },
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t rnd_value(void)
{
    static const uint64_t edge[] = { 0, 1, 2, ~0ull, 0x7fffffff, 0x80000000, 0xffffffff,
                                     0x7fffffffffffffffull, 0x8000000000000000ull, 0xff, 0x80 };
    uint64_t r = rnd();
    if ((r & 3) == 0)
        return edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
    return rnd();
}

/*
 * The memory of the memory forms: guest-linear 0x10000..0x10fff is mapped
 * in the CPU's TLB (MMU index 0) to this buffer, so both the generic and
 * the specialised handlers take their RAM fast paths.
 */
#define MEM_LIN 0x10000u
static uint8_t mem_buf[0x1000] __attribute__((aligned(4096)));
static uint8_t mem_init[0x1000];

static void map_mem(X86CPU *c)
{
    for (unsigned k = 0; k < TLB_NB_MMU; k++)
        for (unsigned e = 0; e < TLB_SIZE; e++)
            c->tlb.t[k][e].addr_read = c->tlb.t[k][e].addr_write =
                c->tlb.t[k][e].addr_code = TLB_INVALID;
    TlbEntry *e = &c->tlb.t[0][(MEM_LIN >> 12) & (TLB_SIZE - 1)];
    e->addr_read = e->addr_write = MEM_LIN;
    e->addend = (uintptr_t)mem_buf - MEM_LIN;
}

/* RBX and RSP 8-aligned in the page, RCX small: no access crosses a page. */
static void point_regs(X86CPUState *s)
{
    s->regs[R_EBX] = MEM_LIN + (rnd() & 0x7f8);
    s->regs[R_ECX] = rnd() & 0x3f;
    s->regs[R_ESP] = MEM_LIN + 0x800 + (rnd() & 0x3f8);
}

/* Does i touch memory (an operand or the stack)? Those forms compare it. */
static bool uses_memory(const X86Insn *i)
{
    X86Handler h = x86_handlers[i->op];
    return i->k1 == K_MEM || i->k2 == K_MEM || h == x86_op_push || h == x86_op_pop ||
           h == x86_op_call || h == x86_op_ret;
}

static X86CPU fcpu;
static X86CPUState fstate;

/* A random register file and a random flag state, eager or lazy. */
static void random_state(X86CPUState *s, X86CPU *c)
{
    for (unsigned r = 0; r < 16; r++)
        s->regs[r] = rnd_value();
    s->rflags = 0x202 | (rnd() & ARITH);
    s->segs[SEG_CS].limit = (rnd() & 1) ? 0xffffffff : 0x1080;
    c->cc_op = CC_OP_EFLAGS;
    switch (rnd() % 6) {
    case 1:
        x86_set_cc(c, CC_OP_SUB, 4, (uint32_t)(s->regs[1] - s->regs[2]), (uint32_t)s->regs[1],
                   (uint32_t)s->regs[2]);
        break;
    case 2:
        x86_set_cc(c, CC_OP_ADD, 8, s->regs[1] + s->regs[2], s->regs[1], s->regs[2]);
        break;
    case 3:
        x86_set_cc(c, CC_OP_LOGIC, 4, (uint32_t)rnd(), 0, 0);
        break;
    case 4:     /* a lazy state the fast paths leave to the generic code */
        x86_set_cc(c, CC_OP_SBB, 2, (uint16_t)(s->regs[1] - s->regs[2] - 1),
                   (uint16_t)s->regs[1], (uint16_t)s->regs[2]);
        c->cc_aux = 1;
        break;
    case 5:
        x86_set_cc(c, CC_OP_DEC, 1, (uint8_t)(s->regs[3] - 1), (uint8_t)s->regs[3], 1);
        c->cc_aux = rnd() & 1;
        break;
    }
}

typedef struct Result {
    uint8_t mem[0x1000];
    uint64_t regs[16], next_rip;
    uint32_t flags;
    int fault;                  /* vector raised, or -1 */
} Result;

/*
 * Run i from (c0, s0): the plain handler h, or (h NULL) the step function
 * step as the first of a two-step sequence, the instruction and the end
 * step, as the translator lays it out.
 */
static void run_handler(X86Handler h, X86StepFn step, const X86Insn *i, const X86CPU *c0,
                        const X86CPUState *s0, Result *out)
{
    static X86Step steps[2];
    volatile bool memory = uses_memory(i);
    steps[0] = (X86Step){ step, x86_insn_handler(i), *i, i->len };
    steps[1] = (X86Step){ x86_step_end_for(i), NULL, { 0 }, i->len };
    fstate = *s0;
    fcpu = *c0;
    fcpu.s = &fstate;
    if (memory)
        memcpy(mem_buf, mem_init, sizeof(mem_buf));
    /* The plain handler finds next_rip set; a step computes it (fast.h). */
    fcpu.next_rip = step ? 0 : 0x1000 + i->len;
    fcpu.block_rip = 0x1000;
    fcpu.excp_vector = -1;
    fstate.rip = 0x1000;
    if (!sigsetjmp(fcpu.jmpbuf, 0)) {
        if (step)
            step(&fcpu, &steps[0].i, &fstate);
        else
            h(&fcpu, i);
    }
    out->fault = fcpu.excp_vector;
    if (memory)
        memcpy(out->mem, mem_buf, sizeof(out->mem));
    memcpy(out->regs, fstate.regs, sizeof(out->regs));
    /* A step's sequence ends with RIP where the instruction went. */
    out->next_rip = step ? fstate.rip : fcpu.next_rip;
    out->flags = (uint32_t)x86_get_rflags(&fcpu) & ARITH;
}

static void test_forms(void)
{
    static uint8_t features[FEAT_COUNT];
    unsigned total_faults = 0, zero_forms = 0;
    memset(features, 1, sizeof(features));
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        const Form *fm = &forms[f];
        X86DecodeMode mode = { fm->mode64 ? 8 : 4, features };
        X86Insn i;
        CU_ASSERT_EQUAL_FATAL(x86_decode(&mode, fm->bytes, fm->len, &i), X86_DEC_OK);
        CU_ASSERT_EQUAL_FATAL(i.len, fm->len);
        X86Handler generic = x86_handlers[i.op];
        X86StepFn all = x86_insn_select(&i, ARITH, 0), none = x86_insn_select(&i, 0, 0);
        /* The step for when CF and OF are known to be 0 before it. */
        X86StepFn zero = x86_insn_select(&i, ARITH, FLAG_CF | FLAG_OF);
        zero_forms += zero != all;
        uint32_t use, def;
        x86_insn_flags(&i, &use, &def);
        if (fm->specialised && all == x86_step_generic) {
            printf("\n  %s: not specialised\n", fm->name);
            CU_FAIL("form not specialised");
        }
        unsigned bad = 0, faults = 0;
        bool memory = uses_memory(&i);
        for (unsigned n = 0; n < (memory ? 400u : 3000u) && bad < 3; n++) {
            static X86CPU c0;
            X86CPUState s0;
            memset(&c0, 0, offsetof(X86CPU, tlb));
            memset(&s0, 0, sizeof(s0));
            c0.code_size = fm->mode64 ? 8 : 4;
            c0.lma = fm->mode64;
            c0.stack_size = fm->mode64 ? 8 : 4;
            c0.s = &s0;
            random_state(&s0, &c0);
            point_regs(&s0);
            map_mem(&c0);
            if (memory)
                for (unsigned k = 0; k < sizeof(mem_init); k += 8) {
                    uint64_t v = rnd_value();
                    memcpy(mem_init + k, &v, 8);
                }
            static Result ref, a, b, other;
            run_handler(generic, NULL, &i, &c0, &s0, &ref);
            run_handler(NULL, all, &i, &c0, &s0, &a);
            run_handler(NULL, none, &i, &c0, &s0, &b);
            bool ok = !memory || (!memcmp(ref.mem, a.mem, sizeof(ref.mem)) &&
                                  !memcmp(ref.mem, b.mem, sizeof(ref.mem)));
            /* After the end step, RIP is where the instruction went, or its own on a fault. */
            uint64_t want = ref.fault >= 0 ? 0x1000 : ref.next_rip;
            ok = ok && a.next_rip == want && b.next_rip == want;
            ok = ok && !memcmp(ref.regs, a.regs, sizeof(ref.regs)) &&
                      ref.flags == a.flags && ref.fault == a.fault && ref.fault == b.fault;
            ok = ok && !memcmp(ref.regs, b.regs, sizeof(ref.regs));
            /* With no flag live, the flags it does not always write pass through. */
            ok = ok && ((ref.flags ^ b.flags) & ~def) == 0;
            /* What it declares written does not depend on the flags before. */
            static X86CPU c1;
            c1 = c0;
            X86CPUState s1 = s0;
            c1.cc_op = CC_OP_EFLAGS;
            s1.rflags = (s1.rflags & ~(uint64_t)ARITH) | (~x86_cc_compute(&c0) & ARITH);
            if (!use) {
                run_handler(generic, NULL, &i, &c1, &s1, &other);
                ok = ok && ((ref.flags ^ other.flags) & def) == 0;
            }
            if (zero != all) {
                /* From the same state with CF and OF clear, as its selection assumed. */
                s1 = s0;
                c1 = c0;
                c1.s = &s1;
                c1.cc_op = CC_OP_EFLAGS;
                s1.rflags = (s1.rflags & ~(uint64_t)ARITH) |
                            (x86_cc_compute(&c0) & ARITH & ~(uint32_t)(FLAG_CF | FLAG_OF));
                run_handler(generic, NULL, &i, &c1, &s1, &other);
                run_handler(NULL, zero, &i, &c1, &s1, &a);
                ok = ok && !memcmp(other.regs, a.regs, sizeof(a.regs)) &&
                     other.flags == a.flags && other.fault == a.fault &&
                     (other.fault >= 0 || other.next_rip == a.next_rip);
            }
            faults += ref.fault >= 0;
            if (!ok) {
                printf("\n  %s: mismatch (flags ref %03x all %03x none %03x def %03x)\n",
                       fm->name, ref.flags, a.flags, b.flags, def);
                bad++;
            }
        }
        CU_ASSERT_EQUAL(bad, 0);
        total_faults += faults;
    }
    CU_ASSERT(total_faults > 0);        /* the CS limit check was exercised */
    CU_ASSERT(zero_forms > 0);          /* INC/DEC with CF known 0 were */
}

/*
 * A flag-setting instruction fused with the Jcc that ends its block
 * (x86_insn_select_pair): run as the translator lays it out (pair step,
 * Jcc step, end step) it must equal the two plain handlers one after the
 * other, for every condition, in 64- and 32-bit code (where the CS limit
 * can make the branch fault).
 */
typedef struct PairResult {
    uint64_t regs[16], rip;
    uint32_t flags;
    int fault;
} PairResult;

/* i then j from (c0, s0): the plain handlers (pair NULL), or as steps. */
static void run_pair(X86StepFn pair, const X86Insn *i, const X86Insn *j, const X86CPU *c0,
                     const X86CPUState *s0, PairResult *out)
{
    static X86Step steps[3];
    fstate = *s0;
    fcpu = *c0;
    fcpu.s = &fstate;
    fcpu.excp_vector = -1;
    fcpu.block_rip = s0->rip;
    steps[0] = (X86Step){ pair, x86_insn_handler(i), *i, i->len };
    steps[1] = (X86Step){ x86_insn_select(j, ARITH, 0), x86_insn_handler(j), *j,
                          (uint16_t)(i->len + j->len) };
    steps[2] = (X86Step){ x86_step_end, NULL, { 0 }, (uint16_t)(i->len + j->len) };
    if (!sigsetjmp(fcpu.jmpbuf, 0)) {
        if (pair) {
            steps[0].fn(&fcpu, &steps[0].i, &fstate);
        } else {
            fcpu.next_rip = s0->rip + i->len;
            x86_handlers[i->op](&fcpu, i);
            fstate.rip = fcpu.next_rip;
            fcpu.next_rip += j->len;
            x86_handlers[j->op](&fcpu, j);
            fstate.rip = fcpu.next_rip;
        }
    }
    out->fault = fcpu.excp_vector;
    memcpy(out->regs, fstate.regs, sizeof(out->regs));
    out->rip = fstate.rip;
    out->flags = (uint32_t)x86_get_rflags(&fcpu) & ARITH;
}

static void test_pairs(void)
{
    static const struct { uint8_t b[8], len; } alu[] = {
        { {0x39, 0xd8}, 2 },                        /* cmp eax, ebx */
        { {0x48, 0x39, 0xd8}, 3 },                  /* cmp rax, rbx */
        { {0x83, 0xf9, 0x07}, 3 },                  /* cmp ecx, 7 */
        { {0x48, 0x83, 0xff, 0xff}, 4 },            /* cmp rdi, -1 */
        { {0x85, 0xc0}, 2 },                        /* test eax, eax */
        { {0x48, 0x85, 0xdb}, 3 },                  /* test rbx, rbx */
        { {0xf7, 0xc1, 0x00, 0x00, 0x00, 0x80}, 6 },/* test ecx, 0x80000000 */
        { {0x29, 0xd8}, 2 },                        /* sub eax, ebx */
        { {0x48, 0x83, 0xe9, 0x01}, 4 },            /* sub rcx, 1 */
        { {0xff, 0xc9}, 2 },                        /* dec ecx */
        { {0x48, 0xff, 0xc0}, 3 },                  /* inc rax */
    };
    static uint8_t features[FEAT_COUNT];
    memset(features, 1, sizeof(features));
    unsigned bad = 0, fused = 0, fused_zero = 0, faults = 0;
    for (unsigned m = 0; m < 2; m++) {
        bool mode64 = m == 0;
        X86DecodeMode mode = { mode64 ? 8 : 4, features };
        for (size_t a = 0; a < sizeof(alu) / sizeof(alu[0]); a++) {
            X86Insn i, j;
            if (x86_decode(&mode, alu[a].b, alu[a].len, &i) != X86_DEC_OK ||
                (!mode64 && (i.pfx & PFX_REX)))
                continue;                           /* REX is DEC/INC in 32-bit code */
            for (unsigned cc = 0; cc < 16; cc++) {
                uint8_t jb[2] = { (uint8_t)(0x70 + cc), 0x7f };    /* jcc +0x7f */
                CU_ASSERT_EQUAL_FATAL(x86_decode(&mode, jb, 2, &j), X86_DEC_OK);
                X86StepFn pair = x86_insn_select_pair(&i, &j, 0);
                X86StepFn zero = x86_insn_select_pair(&i, &j, FLAG_CF | FLAG_OF);
                fused += pair != NULL;
                fused_zero += zero != pair;
                if (!pair)
                    continue;
                for (unsigned n = 0; n < 600; n++) {
                    /* Every other run: with CF and OF clear, for the step that assumes it. */
                    bool z = n & 1;
                    static X86CPU c0;
                    X86CPUState s0;
                    memset(&c0, 0, offsetof(X86CPU, tlb));
                    memset(&s0, 0, sizeof(s0));
                    c0.code_size = c0.stack_size = mode64 ? 8 : 4;
                    c0.lma = mode64;
                    c0.s = &s0;
                    random_state(&s0, &c0);
                    s0.rip = 0x1000;
                    if (z) {
                        s0.rflags = (s0.rflags & ~(uint64_t)ARITH) |
                                    (x86_cc_compute(&c0) & ARITH & ~(uint32_t)(FLAG_CF | FLAG_OF));
                        c0.cc_op = CC_OP_EFLAGS;
                    }
                    PairResult ref, got;
                    run_pair(NULL, &i, &j, &c0, &s0, &ref);
                    run_pair(z ? zero : pair, &i, &j, &c0, &s0, &got);
                    int ref_fault = ref.fault;
                    faults += ref_fault >= 0;
                    bool ok = got.fault == ref.fault &&
                              !memcmp(got.regs, ref.regs, sizeof(ref.regs)) &&
                              got.flags == ref.flags && (ref.fault >= 0 || got.rip == ref.rip);
                    if (!ok && bad++ < 3)
                        printf("\n  pair %zu + j%x (%s): mismatch\n", a, cc, mode64 ? "64" : "32");
                }
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(fused >= 2 * 16 * 8);
    CU_ASSERT(fused_zero >= 16);        /* DEC/INC + Jcc with CF known 0 */
    CU_ASSERT(faults > 0);
}

/* An instruction that can fault or that the table does not know reads all flags. */
static void test_flags_barriers(void)
{
    static uint8_t features[FEAT_COUNT];
    static const uint8_t div[] = { 0xf7, 0xf1 }, load[] = { 0x8b, 0x03 }, push[] = { 0x50 };
    static const uint8_t *const code[] = { div, load, push };
    static const uint8_t len[] = { 2, 2, 1 };
    memset(features, 1, sizeof(features));
    for (unsigned k = 0; k < 3; k++) {
        X86DecodeMode mode = { 8, features };
        X86Insn i;
        uint32_t use, def;
        CU_ASSERT_EQUAL_FATAL(x86_decode(&mode, code[k], len[k], &i), X86_DEC_OK);
        x86_insn_flags(&i, &use, &def);
        CU_ASSERT_EQUAL(use, ARITH);
        CU_ASSERT_EQUAL(def, 0);
    }
}

/*
 * The benchmark's loop (bench/guests/intloop.c), 1000 times, then PUSHFD:
 * ADD, XOR, ROL and SUB run without flags (overwritten later in the block),
 * AND keeps its CF for DEC, and the registers and final flags must be the
 * host's.
 */
static void test_block_loop(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,       /* mov esp, 0x9000 */
        0xb8, 0x01, 0x00, 0x00, 0x00,       /* mov eax, 1 */
        0xbb, 0x02, 0x00, 0x00, 0x00,       /* mov ebx, 2 */
        0xb9, 0x03, 0x00, 0x00, 0x00,       /* mov ecx, 3 */
        0xbe, 0xe8, 0x03, 0x00, 0x00,       /* mov esi, 1000 */
        0x01, 0xd8,                         /* 1: add eax, ebx */
        0x31, 0xcb,                         /* xor ebx, ecx */
        0xc1, 0xc0, 0x03,                   /* rol eax, 3 */
        0x83, 0xe9, 0x07,                   /* sub ecx, 7 */
        0x8d, 0x14, 0x58,                   /* lea edx, [eax+ebx*2] */
        0x81, 0xe3, 0xff, 0xff, 0xff, 0x7f, /* and ebx, 0x7fffffff */
        0x4e,                               /* dec esi */
        0x75, 0xea,                         /* jnz 1b */
        0x01, 0xd8,                         /* add eax, ebx */
        0x9c,                               /* pushfd */
        0x8f, 0x05, 0x00, 0x70, 0x00, 0x00, /* pop dword [0x7000] */
        0xa3, 0x04, 0x70, 0x00, 0x00,       /* mov [0x7004], eax */
        0x89, 0x1d, 0x08, 0x70, 0x00, 0x00, /* mov [0x7008], ebx */
        0x89, 0x0d, 0x0c, 0x70, 0x00, 0x00, /* mov [0x700c], ecx */
        0x89, 0x15, 0x10, 0x70, 0x00, 0x00, /* mov [0x7010], edx */
        0xb0, 0x00, 0xe6, 0xf4,             /* mov al, 0; out 0xf4, al */
    };
    uint32_t a = 1, b = 2, c = 3, d = 0, n = 1000;
    uint64_t fl;
    __asm__ volatile(INTLOOP_ASM
                     "addl %%ebx, %%eax\n\t"
                     "pushfq\n\t"
                     "popq %5\n\t"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(n), "=r"(fl));
    pm32_boot(code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7000) & ARITH, fl & ARITH);
    CU_ASSERT_EQUAL(rd32(0x7004), a);
    CU_ASSERT_EQUAL(rd32(0x7008), b);
    CU_ASSERT_EQUAL(rd32(0x700c), c);
    CU_ASSERT_EQUAL(rd32(0x7010), d);
    machine_down();
}

/* What x86_insn_zero_out knows to be 0 after each of a sequence (32-bit code). */
static void test_zero_out(void)
{
    static uint8_t features[FEAT_COUNT];
    static const struct { uint8_t b[6], len; uint32_t in, out; } seq[] = {
        { {0x81, 0xe3, 0xff, 0xff, 0xff, 0x7f}, 6, 0, FLAG_CF | FLAG_OF }, /* and ebx, imm */
        { {0x31, 0xcb}, 2, 0, FLAG_CF | FLAG_OF },                 /* xor ebx, ecx */
        { {0x85, 0x03}, 2, 0, FLAG_CF | FLAG_OF },                 /* test [ebx], eax */
        { {0x8d, 0x14, 0x58}, 3, FLAG_CF | FLAG_OF, FLAG_CF | FLAG_OF }, /* lea */
        { {0x89, 0xd8}, 2, FLAG_CF, FLAG_CF },                     /* mov eax, ebx */
        { {0x4e}, 1, FLAG_CF | FLAG_OF, FLAG_CF },                 /* dec esi: OF */
        { {0xc1, 0xc0, 0x03}, 3, FLAG_CF | FLAG_OF, 0 },           /* rol eax, 3 */
        { {0x01, 0xd8}, 2, FLAG_CF, 0 },                           /* add eax, ebx */
        { {0x8b, 0x03}, 2, FLAG_CF, 0 },                           /* mov eax, [ebx] */
        { {0xf9}, 1, FLAG_CF, 0 },                                 /* stc */
        { {0xf7, 0xf1}, 2, FLAG_CF, 0 },                           /* div ecx */
    };
    memset(features, 1, sizeof(features));
    X86DecodeMode mode = { 4, features };
    for (size_t k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
        X86Insn i;
        CU_ASSERT_EQUAL_FATAL(x86_decode(&mode, seq[k].b, seq[k].len, &i), X86_DEC_OK);
        if (x86_insn_zero_out(&i, seq[k].in) != seq[k].out)
            printf("\n  zero_out %zu: %x, not %x\n", k, x86_insn_zero_out(&i, seq[k].in),
                   seq[k].out);
        CU_ASSERT_EQUAL(x86_insn_zero_out(&i, seq[k].in), seq[k].out);
    }
}

/*
 * DEC keeps CF: after AND (CF = 0) then ROL (CF = the bit rotated in) it
 * must keep the ROL's CF = 1, and after AND then LEA the AND's 0. Then
 * (x86_insn_flags_known): ADD's CF = 1 reaches PUSHFD through a DEC that
 * knows nothing of CF (the ADD must compute it, the lazy state before
 * being a XOR's CF = 0); and a DEC after AND (CF = 0, the AND computing
 * no flags) leaves CF = 0 although the flags before the AND (STC) had 1.
 */
static void test_block_dec_keeps_cf(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,       /* mov esp, 0x9000 */
        0xb8, 0x00, 0x00, 0x00, 0x80,       /* mov eax, 0x80000000 */
        0xf9,                               /* stc */
        0x21, 0xdb,                         /* and ebx, ebx: CF = 0 */
        0xc1, 0xc0, 0x01,                   /* rol eax, 1: CF = 1 */
        0x49,                               /* dec ecx */
        0x9c,                               /* pushfd */
        0x8f, 0x05, 0x00, 0x70, 0x00, 0x00, /* pop dword [0x7000] */
        0x21, 0xdb,                         /* and ebx, ebx: CF = 0 */
        0x8d, 0x14, 0x00,                   /* lea edx, [eax+eax] */
        0x49,                               /* dec ecx */
        0x9c,                               /* pushfd */
        0x8f, 0x05, 0x04, 0x70, 0x00, 0x00, /* pop dword [0x7004] */
        0xb8, 0xff, 0xff, 0xff, 0xff,       /* mov eax, -1 */
        0xbb, 0x01, 0x00, 0x00, 0x00,       /* mov ebx, 1 */
        0x31, 0xd2,                         /* xor edx, edx: CF = 0 */
        0x01, 0xd8,                         /* add eax, ebx: CF = 1 */
        0x49,                               /* dec ecx */
        0x9c,                               /* pushfd */
        0x8f, 0x05, 0x08, 0x70, 0x00, 0x00, /* pop dword [0x7008] */
        0xf9,                               /* stc */
        0x21, 0xdb,                         /* and ebx, ebx: CF = 0 */
        0x49,                               /* dec ecx */
        0x9c,                               /* pushfd */
        0x8f, 0x05, 0x0c, 0x70, 0x00, 0x00, /* pop dword [0x700c] */
        0xb0, 0x00, 0xe6, 0xf4,             /* mov al, 0; out 0xf4, al */
    };
    pm32_boot(code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd32(0x7000) & FLAG_CF, FLAG_CF);
    CU_ASSERT_EQUAL(rd32(0x7004) & FLAG_CF, 0);
    CU_ASSERT_EQUAL(rd32(0x7008) & FLAG_CF, FLAG_CF);
    CU_ASSERT_EQUAL(rd32(0x700c) & FLAG_CF, 0);
    machine_down();
}

/*
 * x86_insn_flags_known: a 32/64-bit INC or DEC of a register with CF known
 * 0 before it writes CF as well (its _cf0 step stores it), so the liveness
 * pass may drop the CF of the AND before it; not without that knowledge,
 * and not a 16-bit one (its step is the plain handler, which reads CF).
 */
static void test_flags_known(void)
{
    static uint8_t features[FEAT_COUNT];
    static const struct { uint8_t b[3], len; uint32_t in, def; } seq[] = {
        { {0x4e}, 1, FLAG_CF, ARITH },                              /* dec esi */
        { {0x4e}, 1, FLAG_OF, ARITH & ~(uint32_t)FLAG_CF },         /* dec esi */
        { {0x46}, 1, FLAG_CF | FLAG_OF, ARITH },                    /* inc esi */
        { {0x66, 0x4e}, 2, FLAG_CF, ARITH & ~(uint32_t)FLAG_CF },   /* dec si */
        { {0x01, 0xd8}, 2, FLAG_CF, ARITH },                        /* add eax, ebx */
        { {0x89, 0xd8}, 2, FLAG_CF, 0 },                            /* mov eax, ebx */
    };
    memset(features, 1, sizeof(features));
    X86DecodeMode mode = { 4, features };
    for (size_t k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
        X86Insn i;
        uint32_t use, def;
        CU_ASSERT_EQUAL_FATAL(x86_decode(&mode, seq[k].b, seq[k].len, &i), X86_DEC_OK);
        x86_insn_flags_known(&i, seq[k].in, &use, &def);
        CU_ASSERT_EQUAL(use, 0);
        CU_ASSERT_EQUAL(def, seq[k].def);
    }
}

/*
 * ADD's flags are overwritten by the XOR after the DIV, but the DIV faults
 * first (#DE): the handler must see ADD's flags in the pushed EFLAGS.
 */
static void test_block_fault_sees_flags(void)
{
    static const uint8_t code[] = {
        0xbc, 0x00, 0x90, 0x00, 0x00,       /* mov esp, 0x9000 */
        0xb8, 0xff, 0xff, 0xff, 0xff,       /* mov eax, -1 */
        0xb9, 0x00, 0x00, 0x00, 0x00,       /* mov ecx, 0 */
        0x83, 0xc0, 0x01,                   /* add eax, 1: CF ZF PF AF */
        0xf7, 0xf1,                         /* div ecx: #DE */
        0x31, 0xc0,                         /* xor eax, eax */
        0xb0, 0x00, 0xe6, 0xf4,             /* mov al, 0; out 0xf4, al */
    };
    pm32_boot(code, sizeof(code));
    run();
    CU_ASSERT_EQUAL(exit_code, 1);
    CU_ASSERT_EQUAL(rd32(0x7f00), 0);                   /* #DE */
    CU_ASSERT_EQUAL(rd32(0x7f04), 0x1012);              /* at the DIV */
    CU_ASSERT_EQUAL(rd32(0x7f0c) & ARITH, FLAG_CF | FLAG_ZF | FLAG_PF | FLAG_AF);
    machine_down();
}

/*
 * Near branches in 64-bit code whose target is not canonical: the fast
 * steps (JMP rel, a fused DEC+JNZ, CALL rel) must leave them to the plain
 * handlers, which raise #GP(0) at the branch with nothing changed (no
 * return address pushed). The branch sits in the last bytes below the
 * canonical boundary (0x7ffffffffff0), mapped by a 2 MiB page at 2 MiB.
 */
static void run_branch_noncanonical(const uint8_t *branch, size_t len, uint64_t want_rip)
{
    static const uint8_t start[] = {
        0x48, 0xc7, 0xc4, 0x00, 0x90, 0x00, 0x00,                   /* mov rsp, 0x9000 */
        0xb9, 0x02, 0x00, 0x00, 0x00,                               /* mov ecx, 2 */
        0x48, 0xb8, 0xf0, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00, /* mov rax, 0x7ffffffffff0 */
        0xff, 0xe0,                                                 /* jmp rax */
    };
    static const uint8_t on_gp[] = {
        0x48, 0x8b, 0x04, 0x24, 0x48, 0x89, 0x04, 0x25, 0x00, 0x70, 0x00, 0x00, /* error */
        0x48, 0x8b, 0x44, 0x24, 0x08, 0x48, 0x89, 0x04, 0x25, 0x08, 0x70, 0x00, 0x00, /* rip */
        0x48, 0x8b, 0x44, 0x24, 0x20, 0x48, 0x89, 0x04, 0x25, 0x10, 0x70, 0x00, 0x00, /* rsp */
        0xb0, 0x00, 0xe6, 0xf4,                                     /* exit 0 */
    };
    static const uint8_t on_other[] = { 0xb0, 0xee, 0xe6, 0xf4 };  /* exit 0xee */
    machine_up();
    setup_long_mode();
    wr64(0x20000 + 255 * 8, 0x23000 | 3);           /* PML4[255] */
    wr64(0x23000 + 511 * 8, 0x24000 | 3);           /* PDPT[511] */
    wr64(0x24000 + 511 * 8, 0x200000 | 0x83);       /* PD[511]: 0x7fffffe00000 -> 2 MiB */
    for (unsigned v = 0; v < 32; v++)
        idt64_set(v, v == 13 ? 0x1100 : 0x1200, 0, 0);
    tv.state.idt.base = 0x2000;
    tv.state.idt.limit = 32 * 16 - 1;
    accel_tcg_ops.state_changed(&tv);
    load(0x1000, start, sizeof(start));
    load(0x1100, on_gp, sizeof(on_gp));
    load(0x1200, on_other, sizeof(on_other));
    load(0x3ffff0, branch, len);
    run();
    CU_ASSERT_EQUAL(exit_code, 0);
    CU_ASSERT_EQUAL(rd64(0x7000), 0);
    CU_ASSERT_EQUAL(rd64(0x7008), want_rip);
    CU_ASSERT_EQUAL(rd64(0x7010), 0x9000);          /* nothing pushed */
    machine_down();
}

static void test_branch_noncanonical(void)
{
    static const uint8_t jmp[] = { 0xeb, 0x0e };                        /* jmp 0x800000000000 */
    static const uint8_t dec_jnz[] = { 0xff, 0xc9, 0x75, 0x0c };        /* dec ecx; jnz (same) */
    static const uint8_t call[] = { 0xe8, 0x0b, 0x00, 0x00, 0x00 };     /* call (same) */
    run_branch_noncanonical(jmp, sizeof(jmp), 0x7ffffffffff0ull);
    run_branch_noncanonical(call, sizeof(call), 0x7ffffffffff0ull);
    /* The DEC has run when the JNZ faults: the fault is the branch's. */
    run_branch_noncanonical(dec_jnz, sizeof(dec_jnz), 0x7ffffffffff2ull);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "forms", test_forms },
        { "flags_barriers", test_flags_barriers },
        { "pairs", test_pairs },
        { "block_loop", test_block_loop },
        { "zero_out", test_zero_out },
        { "block_dec_keeps_cf", test_block_dec_keeps_cf },
        { "flags_known", test_flags_known },
        { "block_fault_sees_flags", test_block_fault_sees_flags },
        { "branch_noncanonical", test_branch_noncanonical },
        { NULL, NULL }
    };
    unit_add_suite("x86-select", NULL, NULL, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * The x87 execution engine on x86-64 hosts: the guest's instruction runs on
 * the host's x87 unit, with the guest's whole x87 state loaded.
 *
 * tandem_x87_host_run (assembly below) takes a 32-bit FNSAVE image of the
 * guest state, loads it with FRSTOR (so the guest's control word, TOP, tags
 * and registers are the host's), copies the guest's arithmetic flags into
 * RFLAGS (FCMOVcc reads them), calls one of 576 four-byte slots holding
 * "opcode, ModRM, RET" -- the 512 register encodings D8 C0 .. DF FF and the
 * 64 memory encodings with ModRM [rsi] -- then captures RFLAGS (FCOMI writes
 * them) and stores the state back with FNSAVE, which also leaves the host
 * FPU in its initial state as the C ABI expects.
 *
 * Pending exceptions never reach the host: the image is built with the
 * sticky exception flags and ES cleared (so neither FRSTOR's state nor the
 * waiting instruction itself can raise a host #MF, and only non-waiting
 * FNSAVE follows it), and the guest's sticky flags are ORed back afterwards.
 * No x87 result depends on the sticky flags, so this changes nothing but
 * lets us report exactly what this instruction raised. The slot table is
 * complete; only slots the decoder maps to x86_op_x87 are ever called.
 */
#include "cpu/x86/fpu.h"

void x87_image_from_state(const X87State *f, X87Image *img)
{
    unsigned top = (f->fsw >> 11) & 7;
    memset(img, 0, sizeof(*img));
    img->fcw = 0xffff0000u | f->fcw;
    img->fsw = 0xffff0000u | (f->fsw & ~(FSW_STICKY | FSW_ES | FSW_B));
    img->ftw = 0xffff0000u | f->ftw;
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &f->st[(top + i) & 7];
        memcpy(img->st[i], &r->mant, 8);
        memcpy(img->st[i] + 8, &r->sign_exp, 2);
    }
}

void x87_state_from_image(X87State *f, const X87Image *img)
{
    unsigned top = (img->fsw >> 11) & 7;
    f->fsw = (uint16_t)img->fsw;
    f->ftw = (uint16_t)img->ftw;
    for (unsigned i = 0; i < 8; i++) {
        X87Reg *r = &f->st[(top + i) & 7];
        memcpy(&r->mant, img->st[i], 8);
        memcpy(&r->sign_exp, img->st[i] + 8, 2);
    }
}

#if defined(__x86_64__) && !defined(TANDEM_FPU_SOFT)

void tandem_x87_host_run(X87Image *img, uint8_t *mem, uint64_t *rflags, unsigned long slot)
    __attribute__((visibility("hidden")));

__asm__(
    "   .text\n"
    "   .p2align 4\n"
    "   .globl tandem_x87_host_run\n"
    "   .hidden tandem_x87_host_run\n"
    "   .type tandem_x87_host_run, @function\n"
    "tandem_x87_host_run:\n"            /* rdi image, rsi mem, rdx &rflags, rcx slot */
    "   push %rbx\n"
    "   mov %rdx, %rbx\n"
    "   pushfq\n"
    "   pop %rax\n"
    "   and $~0x8d5, %rax\n"            /* keep the host's DF (clear), IF, ... */
    "   mov (%rbx), %rdx\n"
    "   and $0x8d5, %edx\n"             /* the guest's CF PF AF ZF SF OF */
    "   or %rdx, %rax\n"
    "   frstor (%rdi)\n"
    "   lea tandem_x87_slots(%rip), %rdx\n"
    "   lea (%rdx,%rcx,4), %rdx\n"
    "   push %rax\n"
    "   popfq\n"
    "   call *%rdx\n"
    "   pushfq\n"
    "   pop %rax\n"
    "   mov %rax, (%rbx)\n"
    "   fnsave (%rdi)\n"
    "   pop %rbx\n"
    "   ret\n"
    "   .size tandem_x87_host_run, .-tandem_x87_host_run\n"
    "   .p2align 4\n"
    "tandem_x87_slots:\n"
    "   .set tandem_x87_i, 0\n"
    "   .rept 512\n"
    "   .byte 0xd8 + (tandem_x87_i >> 6), 0xc0 + (tandem_x87_i & 63), 0xc3, 0x90\n"
    "   .set tandem_x87_i, tandem_x87_i + 1\n"
    "   .endr\n"
    "   .set tandem_x87_i, 0\n"
    "   .rept 64\n"
    "   .byte 0xd8 + (tandem_x87_i >> 3), ((tandem_x87_i & 7) << 3) | 6, 0xc3, 0x90\n"
    "   .set tandem_x87_i, tandem_x87_i + 1\n"
    "   .endr\n"
);

/*
 * The fast path: FRSTOR + FNSAVE cost far more than the arithmetic, so the
 * common forms under a control word that masks every exception run on just
 * their operands. tandem_x87_fast loads b then a (nload of them) with FLD
 * m80 under the guest's FCW, runs the slot, stores FSW and pops whatever
 * is left (at most two values) into out[0], out[1]; it restores the host's
 * FCW and clears the flags it raised. With all exceptions masked nothing
 * can trap, and the operation sees the same operand values as with the
 * whole state loaded (ST(i) is renamed ST(1), which only changes register
 * numbering), so results, flags and C1 are the same; C0/C2/C3, which these
 * forms leave alone, keep the guest's values.
 */
typedef struct X87FastIo {
    uint8_t a[16], b[16];       /* in: ST(0), ST(i) */
    uint16_t fcw, fsw;          /* in: guest FCW; out: host FSW */
    uint32_t pad;
    uint8_t out[2][16];         /* out: what was left on the stack, top first */
} X87FastIo;

void tandem_x87_fast(X87FastIo *io, uint8_t *mem, unsigned long slot, unsigned long nload)
    __attribute__((visibility("hidden")));

__asm__(
    "   .text\n"
    "   .p2align 4\n"
    "   .globl tandem_x87_fast\n"
    "   .hidden tandem_x87_fast\n"
    "   .type tandem_x87_fast, @function\n"
    "tandem_x87_fast:\n"               /* rdi io, rsi mem, rdx slot, rcx nload */
    "   sub $8, %rsp\n"
    "   fnstcw (%rsp)\n"
    "   fnclex\n"
    "   fldcw 32(%rdi)\n"
    "   cmp $2, %ecx\n"
    "   jb 1f\n"
    "   fldt 16(%rdi)\n"
    "1: test %ecx, %ecx\n"
    "   jz 2f\n"
    "   fldt (%rdi)\n"
    "2: lea tandem_x87_slots(%rip), %rax\n"
    "   lea (%rax,%rdx,4), %rax\n"
    "   call *%rax\n"
    "   fnstsw 34(%rdi)\n"
    "   movzwl 34(%rdi), %eax\n"
    "   shr $11, %eax\n"
    "   neg %eax\n"
    "   and $7, %eax\n"                /* depth = (8 - TOP) & 7 */
    "   jz 3f\n"
    "   fstpt 40(%rdi)\n"
    "   cmp $1, %eax\n"
    "   je 3f\n"
    "   fstpt 56(%rdi)\n"
    "3: fnclex\n"
    "   fldcw (%rsp)\n"
    "   add $8, %rsp\n"
    "   ret\n"
    "   .size tandem_x87_fast, .-tandem_x87_fast\n"
);

static bool st_empty(const X87State *f, unsigned i)
{
    return ((f->ftw >> (2 * ((((f->fsw >> 11) & 7) + i) & 7))) & 3) == 3;
}

static void st_write(X87State *f, unsigned i, const uint8_t *v)
{
    unsigned p = (((f->fsw >> 11) & 7) + i) & 7;
    memcpy(&f->st[p].mant, v, 8);
    memcpy(&f->st[p].sign_exp, v + 8, 2);
    f->ftw = (uint16_t)((f->ftw & ~(3u << (2 * p))) | (x86_fpu_tag(&f->st[p]) << (2 * p)));
}

static void st_read(const X87State *f, unsigned i, uint8_t *v)
{
    const X87Reg *r = &f->st[(((f->fsw >> 11) & 7) + i) & 7];
    memcpy(v, &r->mant, 8);
    memcpy(v + 8, &r->sign_exp, 2);
}

static void st_move_top(X87State *f, int by)
{
    unsigned top = (((f->fsw >> 11) & 7) + (unsigned)by) & 7;
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (top << 11));
}

int x86_fpu_exec_fast(X87State *f, unsigned slot, uint8_t *mem)
{
    X87FastIo io;
    unsigned esc, reg, i = 0;
    enum { ARITH_ST0, ARITH_STI, ARITH_POP, MEM_ARITH, MEM_LOAD, MEM_ST, MEM_STP } kind;

    if ((f->fcw & FCW_EXC_MASKS) != FCW_EXC_MASKS)
        return -1;
    if (slot < X87_SLOT_MEM) {
        esc = slot >> 6;
        reg = (slot >> 3) & 7;
        i = slot & 7;
        if (reg == 2 || reg == 3 || (esc != 0 && esc != 4 && esc != 6))
            return -1;
        kind = esc == 0 ? ARITH_ST0 : esc == 4 ? ARITH_STI : ARITH_POP;
        slot = (slot & ~7u) | 1;                /* ST(i) travels as ST(1) */
    } else {
        esc = (slot - X87_SLOT_MEM) >> 3;
        reg = slot & 7;
        if (!(esc & 1) && reg != 2 && reg != 3)
            kind = MEM_ARITH;                   /* D8 DA DC DE */
        else if ((esc == 1 || esc == 5) && reg == 0)
            kind = MEM_LOAD;                    /* FLD m32/m64 */
        else if ((esc == 1 || esc == 5) && reg == 2)
            kind = MEM_ST;
        else if ((esc == 1 || esc == 5) && reg == 3)
            kind = MEM_STP;
        else
            return -1;
    }
    if (kind == MEM_LOAD ? !st_empty(f, 7) : st_empty(f, 0) || st_empty(f, i))
        return -1;                              /* stack faults: the full path */
    unsigned nload = kind == MEM_LOAD ? 0 : kind <= ARITH_POP ? 2 : 1;
    st_read(f, 0, io.a);
    st_read(f, i, io.b);
    io.fcw = f->fcw;
    tandem_x87_fast(&io, mem, slot, nload);

    switch (kind) {
    case ARITH_ST0: case MEM_ARITH: st_write(f, 0, io.out[0]); break;
    case ARITH_STI: st_write(f, i, io.out[1]); break;
    case ARITH_POP: st_write(f, i, io.out[0]); break;
    case MEM_LOAD: st_move_top(f, -1); st_write(f, 0, io.out[0]); break;
    case MEM_ST: break;
    case MEM_STP: break;
    }
    if (kind == ARITH_POP || kind == MEM_STP) {
        f->ftw |= (uint16_t)(3u << (2 * ((f->fsw >> 11) & 7)));
        st_move_top(f, 1);
    }
    unsigned raised = io.fsw & FSW_EXC;
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (io.fsw & FSW_C1) | raised);
    return (int)raised;
}

unsigned x86_fpu_exec(X87State *f, unsigned slot, uint8_t *mem, uint64_t *rflags)
{
    X87Image img;
    uint16_t sticky = f->fsw & FSW_STICKY;
    x87_image_from_state(f, &img);
    tandem_x87_host_run(&img, mem, rflags, slot);
    x87_state_from_image(f, &img);
    unsigned raised = f->fsw & FSW_STICKY;
    f->fsw = (uint16_t)((f->fsw & ~(FSW_ES | FSW_B)) | sticky);
    return raised;
}

bool x86_fpu_exec_supported(unsigned slot)
{
    return slot < X87_SLOTS;
}

#endif

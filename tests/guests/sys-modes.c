/* SPDX-License-Identifier: MIT */
/*
 * Mode switches as a boot loader and a 64-bit kernel make them:
 *
 *  1. protected -> real -> protected: through a 16-bit protected-mode code
 *     segment, CR0.PE cleared and a far jump; real-mode segment arithmetic
 *     (DS * 16), 32-bit operands with 66h, an INT through the IVT (IP, CS
 *     pushed, IF cleared); then CR0.PE set and a 32-bit far jump back.
 *  2. protected -> long (CR4.PAE, 4-level tables, EFER.LME/NXE/SCE, CR0.PG)
 *     and a far jump to a 64-bit code segment; there, with a 64-bit IDT and
 *     TSS: 64-bit arithmetic; #PF in 4-level paging with error code, CR2
 *     and RIP for a not-present page, a read-only page (CR0.WP), a fetch
 *     from an XD page and a reserved bit; a double fault (#DE through a
 *     not-present gate) on the TSS's IST1 stack; SYSRET to 64-bit ring 3
 *     and SYSCALL back (selectors from STAR, RCX/R11, RFLAGS masked by
 *     FMASK); #GP(0) for a read whose last byte only is non-canonical;
 *     #SS(0) for a non-canonical address through SS (an RBP-based operand,
 *     PUSH, CALL, RET, PUSHFQ, ENTER, LEAVE, INT3's frame and a ring 3 call
 *     gate's frame on a non-canonical RSP or RSP0); #TS(TSS)
 *     for an IST slot past the TSS limit; #GP(0) for non-canonical targets
 *     of an interrupt gate, a call gate, IRETQ, LRETQ, SYSEXIT and near
 *     JMP, CALL, RET (RSP unchanged); #GP(0)
 *     for IRETQ with NT set; #GP for LGDT/LIDT of a non-canonical base and
 *     LTR/LLDT of a descriptor with one; then a far jump to 32-bit compatibility mode, paging and
 *     EFER.LME off, back in protected mode.
 *
 *  3. real mode again: INT with SP = 3 has no room for its frame (#SS,
 *     then #DF, then shutdown: the board resets and the second boot finds
 *     the mark left for it in low memory).
 *
 * The 64-bit handlers are assembly; they log each exception (vector, error
 * code, CS:RIP, CR2, their own RSP, RFLAGS, SS) and resume at lm_resume.
 * C checks the log once back in 32-bit code.
 */
#include "guest.h"
#include "desc.h"

/* ---- 1. real mode ---- */

#define RM_BASE 0x8000          /* where the 16-bit code is copied */
#define RM_DATA 0x9100          /* what it leaves for us */

uint32_t rm_saved_esp;
struct { uint16_t limit; uint32_t base; } __attribute__((packed)) pm_idtr;

extern const uint8_t rm_blob[], rm_blob_end[], rm_after_int[];
void rm_enter(void);

#define RM(label) "(" #label " - rm_blob + 0x8000)"
__asm__(".section .rodata\n"
        ".code16\n"
        "rm_blob:\n"                            /* 16-bit protected mode, CS 0x38 */
        "movw $0x40, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
        "movl %cr0, %eax\n andl $~1, %eax\n movl %eax, %cr0\n"
        "ljmp $0, $" RM(rm_real) "\n"
        "rm_real:\n"                            /* real mode, CS 0 */
        "xorw %ax, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
        "movw $0x9000, %sp\n"
        "lidt " RM(rm_idtr) "\n"
        "movw %cs, 0x9100\n"
        "movw $0x0910, %ax\n movw %ax, %ds\n"
        "movw $0x4321, 0x2\n"                   /* 0910:0002 = 0x9102 */
        "xorw %ax, %ax\n movw %ax, %ds\n"
        "movl $0x89abcdef, %eax\n"
        "addl $0x11111111, %eax\n"
        "movl %eax, 0x9108\n"
        "movw $" RM(rm_isr) ", 0xc0\n"          /* IVT entry 0x30 */
        "movw $0, 0xc2\n"
        "pushw $0x0202\n popfw\n"               /* IF set: the INT clears it */
        "int $0x30\n"
        "rm_after_int:\n"
        /* Part 3 only: an INT with SP = 3 (the CS word straddles 0xffff) */
        "cmpw $0x5353, 0x9110\n"
        "jne 3f\n"
        "movw $3, %sp\n"
        "int $0x30\n"
        "movw $0x9000, %sp\n"
        "movw $0xdead, 0x9112\n"               /* still running: no shutdown */
        "3:\n"
        "cli\n"
        "movl %cr0, %eax\n orl $1, %eax\n movl %eax, %cr0\n"
        ".byte 0x66, 0xea\n .long rm_back\n .word 0x08\n"
        "rm_isr:\n"
        "movw %sp, %bp\n"
        "movw (%bp), %ax\n movw %ax, 0x9104\n"  /* pushed IP */
        "movw 2(%bp), %ax\n movw %ax, 0x9106\n" /* pushed CS */
        "movw 4(%bp), %ax\n movw %ax, 0x910c\n" /* pushed FLAGS */
        "pushfw\n popw %ax\n movw %ax, 0x910e\n"
        "iret\n"
        "rm_idtr: .word 0x3ff\n .long 0\n"
        "rm_blob_end:\n"
        ".code32\n"
        ".text\n"
        "rm_enter:\n"
        "pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
        "movl %esp, rm_saved_esp\n"
        "ljmp $0x38, $0x8000\n"
        "rm_back:\n"
        "movw $0x10, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
        "movw %ax, %fs\n movw %ax, %gs\n"
        "movl rm_saved_esp, %esp\n"
        "lidt pm_idtr\n"
        "popl %edi\n popl %esi\n popl %ebx\n popl %ebp\n"
        "ret\n");

static void test_real_mode(void)
{
    volatile uint16_t *d = (volatile uint16_t *)RM_DATA;

    memcpy((void *)RM_BASE, rm_blob, (size_t)(rm_blob_end - rm_blob));
    memset((void *)RM_DATA, 0, 20);
    __asm__ volatile("sidt %0" : "=m"(pm_idtr));
    rm_enter();
    GUEST_ASSERT(d[0] == 0);                        /* CS in real mode */
    GUEST_ASSERT(d[1] == 0x4321);                   /* DS 0x0910 + 2 */
    GUEST_ASSERT(d[2] == RM_BASE + (rm_after_int - rm_blob));   /* pushed IP */
    GUEST_ASSERT(d[3] == 0);                        /* pushed CS */
    GUEST_ASSERT(*(volatile uint32_t *)(RM_DATA + 8) == 0x9abcdf00);
    GUEST_ASSERT(d[6] & 0x200);                     /* pushed FLAGS.IF */
    GUEST_ASSERT(!(d[7] & 0x200));                  /* cleared in the handler */
    GUEST_ASSERT(read_cr0() & 1);
    /* Exceptions work again in protected mode. */
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("ud2") : : : "memory");
    GUEST_ASSERT(exc.count == 1 && exc.vector == 6 && exc.eip == exc_expect_eip);
    puts("sys-modes: protected -> real -> protected ok");
}

/* ---- 2. long mode ---- */

#define SEL_KCS64 0x48
#define SEL_KDS   0x50
#define SEL_UCS32 0x58
#define SEL_UDS   0x60
#define SEL_UCS64 0x68
#define SEL_TSS64 0x70
#define SEL_GATE64 0x80         /* 16 bytes */
#define SEL_BADTSS 0x90         /* 16 bytes: a TSS at a non-canonical base */
#define SEL_BADLDT 0xa0         /* 16 bytes: an LDT at a non-canonical base */
#define SEL_UGATE64 0xb0        /* 16 bytes: a DPL 3 call gate to ring 0 */
#define WIN 0x40000000u

struct tss64 {
    uint32_t r0;
    uint64_t rsp[3], r1, ist[7], r2;
    uint16_t r3, iomap;
} __attribute__((packed));

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd0[512] __attribute__((aligned(4096)));
static uint64_t pd1[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t ist1_stack[4096] __attribute__((aligned(16)));
static uint8_t lm_ustack[4096] __attribute__((aligned(16)));
static uint64_t idt64[2 * 32] __attribute__((aligned(16)));
static struct tss64 tss64 __attribute__((aligned(16)));

/* Shared with the assembly. */
uint32_t lm_saved_esp, lm_cr3, lm_ustack_top;
uint64_t lm_val, lm_count, lm_resume, lm_kernel_rsp, lm_save_rsp;
uint64_t lm_call_moved, lm_ret_moved;  /* RSP change across a faulting CALL, RET */
uint64_t lm_recs[32][8];         /* vector, error, rip, cs, cr2, handler rsp, rflags, ss */
uint64_t lm_sc_rcx, lm_sc_r11, lm_sc_rflags;
uint16_t lm_sc_cs, lm_sc_ss, lm_user_cs, lm_user_ss;
struct { uint16_t limit; uint64_t base; } __attribute__((packed)) lm_idtr;

extern uint8_t lm_stubs[], lm_pf1[], lm_pf2[], lm_pf4[], lm_gp_nc[], lm_after_syscall[];
extern uint8_t lm_gp_nc2[], lm_ss_rbp[], lm_ss_push[], lm_ss_call[], lm_ss_ret[], lm_ss_int3[];
extern uint8_t lm_ts_ist[], lm_gp_gate[], lm_gp_callgate[], lm_gp_iret[], lm_gp_lret[],
    lm_gp_sysexit[], lm_gp_iret_nt[], lm_gp_lgdt[], lm_gp_lidt[], lm_gp_ltr[], lm_gp_lldt[],
    lm_ss_pushf[], lm_ss_enter[], lm_ss_leave[], lm_ss_ugate[], lm_gp_jmp[], lm_gp_call[],
    lm_gp_ret[];
extern uint8_t lm_syscall_entry[];
void lm_enter(void);

__asm__(".text\n"
        ".code32\n"
        "lm_enter:\n"
        "pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
        "movl %esp, lm_saved_esp\n"
        "movl %cr4, %eax\n orl $0x20, %eax\n movl %eax, %cr4\n"
        "movl lm_cr3, %eax\n movl %eax, %cr3\n"
        "movl $0xc0000080, %ecx\n rdmsr\n orl $0x901, %eax\n wrmsr\n"
        "movl %cr0, %eax\n orl $0x80010000, %eax\n movl %eax, %cr0\n"
        "ljmp $0x48, $lm64\n"
        ".code64\n"
        "lm64:\n"
        "movw $0x50, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
        "movl lm_saved_esp(%rip), %esp\n"
        "lidt lm_idtr(%rip)\n"
        "movw $0x70, %ax\n ltr %ax\n"
        "movabsq $0x123456789abcdef0, %rax\n"
        "movq $0x1000, %rbx\n"
        "addq %rbx, %rax\n"
        "movq %rax, lm_val(%rip)\n"
        /* #PF, 4-level */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_pf1: movq 0x40000000, %rax\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_pf2: movq %rax, 0x40001000\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movl $0x40002000, %eax\n jmp *%rax\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_pf4: movq 0x40003008, %rax\n1:\n"
        /* #DF on IST1 */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "xorl %ecx, %ecx\n movl $1, %eax\n xorl %edx, %edx\n"
        "divl %ecx\n1:\n"
        /* #GP(0) for a non-canonical address */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x0000800000000000, %rax\n"
        "lm_gp_nc: movq (%rax), %rax\n1:\n"
        /* an 8-byte read whose first byte is canonical, its last not */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x00007ffffffffffc, %rax\n"
        "lm_gp_nc2: movq (%rax), %rax\n1:\n"
        /* through SS (RBP-based): #SS(0) */
        "movq %rbp, %r12\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x0000800000000000, %rbp\n"
        "lm_ss_rbp: movq 8(%rbp), %rax\n1:\n"
        "movq %r12, %rbp\n"
        /* stack operations on a non-canonical RSP: #SS(0), delivered on
         * IST1 (the #SS gate's); the pushed RSP is the bad one */
        "movq %rsp, lm_save_rsp(%rip)\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x0000800000000004, %rsp\n"   /* the slot straddles */
        "lm_ss_push: pushq %rax\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x0000800000000010, %rsp\n"
        "lm_ss_call: call 2f\n2:\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_ss_ret: ret\n1:\n"
        /* INT3 (its gate has no IST) cannot push its frame there */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_ss_int3: int3\n1:\n"
        "movq lm_save_rsp(%rip), %rsp\n"
        /* IST7 lies past the TSS's limit (0x4f): #TS(TSS selector) */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_ts_ist: int $5\n1:\n"
        /* non-canonical targets: an interrupt gate's, a call gate's, IRETQ's,
         * LRETQ's and SYSEXIT's (RCX) raise #GP(0) where they are taken */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_gate: int $7\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_callgate: lcall *lm_far_gate(%rip)\n1:\n"
        "movabsq $0x0000800000000000, %rcx\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movq %rsp, %rax\n pushq $0x50\n pushq %rax\n pushq $2\n pushq $0x48\n pushq %rcx\n"
        "lm_gp_iret: iretq\n1:\n"
        "movq lm_save_rsp(%rip), %rsp\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "pushq $0x48\n pushq %rcx\n"
        "lm_gp_lret: lretq\n1:\n"
        "movq lm_save_rsp(%rip), %rsp\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movq %rcx, %rdx\n"
        "lm_gp_sysexit: rex64 sysexit\n1:\n"
        /* IRETQ with NT set: no task to return to in IA-32e mode */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "leaq 1f(%rip), %rcx\n"
        "movq %rsp, %rax\n pushq $0x50\n pushq %rax\n pushq $2\n pushq $0x48\n pushq %rcx\n"
        "pushfq\n orq $0x4000, (%rsp)\n popfq\n"
        "lm_gp_iret_nt: iretq\n1:\n"
        "pushfq\n andq $~0x4000, (%rsp)\n popfq\n"
        "movq lm_save_rsp(%rip), %rsp\n"
        /* descriptor tables at non-canonical bases: LGDT, LIDT #GP(0);
         * LTR, LLDT of 16-byte descriptors with such a base #GP(selector) */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_lgdt: lgdt lm_bad_dtr(%rip)\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_lidt: lidt lm_bad_dtr(%rip)\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movw $0x90, %ax\n"
        "lm_gp_ltr: ltr %ax\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movw $0xa0, %ax\n"
        "lm_gp_lldt: lldt %ax\n1:\n"
        /* more stack operations through a non-canonical RSP / RBP: #SS(0) */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x0000800000000010, %rsp\n"
        "lm_ss_pushf: pushfq\n1:\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_ss_enter: enter $16, $0\n1:\n"
        "movq lm_save_rsp(%rip), %rsp\n"
        "movq %rbp, %r12\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "movabsq $0x0000800000000000, %rbp\n"
        "lm_ss_leave: leave\n1:\n"
        "movq %r12, %rbp\n"
        /* near branches to a non-canonical target: #GP(0) at the branch,
         * with nothing pushed or popped */
        "movabsq $0x0000800000000000, %rcx\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_jmp: jmp *%rcx\n1:\n"
        "movq %rsp, %r12\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_call: call *%rcx\n1:\n"
        "subq %rsp, %r12\n movq %r12, lm_call_moved(%rip)\n"
        "pushq %rcx\n movq %rsp, %r12\n"
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_gp_ret: ret\n1:\n"
        "subq %rsp, %r12\n movq %r12, lm_ret_moved(%rip)\n"
        "popq %rcx\n"
        /* SYSRET to ring 3, SYSCALL back */
        "movq %rsp, lm_kernel_rsp(%rip)\n"
        "movl $lm_user, %ecx\n"
        "movl $2, %r11d\n"
        "movl lm_ustack_top(%rip), %esp\n"
        "sysretq\n"
        "lm_user:\n"
        "movw %cs, lm_user_cs(%rip)\n"
        "movw %ss, lm_user_ss(%rip)\n"
        /* ring 3 -> 0 through a call gate onto a non-canonical RSP0: #SS(0) */
        "leaq 1f(%rip), %rbx\n movq %rbx, lm_resume(%rip)\n"
        "lm_ss_ugate: lcall *lm_far_ugate(%rip)\n1:\n"
        "std\n"
        "syscall\n"
        "lm_after_syscall:\n"
        "hlt\n"
        "lm_syscall_entry:\n"
        "movq %rcx, lm_sc_rcx(%rip)\n"
        "movq %r11, lm_sc_r11(%rip)\n"
        "movw %cs, lm_sc_cs(%rip)\n"
        "movw %ss, lm_sc_ss(%rip)\n"
        "pushfq\n popq lm_sc_rflags(%rip)\n"
        "cld\n"
        "movq lm_kernel_rsp(%rip), %rsp\n"
        /* back to 32-bit code */
        "ljmpl *lm_far32(%rip)\n"
        /* exception stubs, vectors 0..31, and the logging handler */
        ".balign 16\n"
        "lm_stubs:\n"
        ".set vec, 0\n"
        ".rept 32\n"
        ".balign 16\n"
        ".if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21)\n"
        ".else\n"
        "pushq $0\n"
        ".endif\n"
        "pushq $vec\n"
        "jmp lm_common\n"
        ".set vec, vec + 1\n"
        ".endr\n"
        "lm_common:\n"
        "pushq %rax\n pushq %rbx\n"
        "movq lm_count(%rip), %rax\n"
        "cmpq $32, %rax\n jae lm_fail\n"
        "shlq $6, %rax\n leaq lm_recs(%rip), %rbx\n addq %rbx, %rax\n"
        "movq 16(%rsp), %rbx\n movq %rbx, (%rax)\n"
        "movq 24(%rsp), %rbx\n movq %rbx, 8(%rax)\n"
        "movq 32(%rsp), %rbx\n movq %rbx, 16(%rax)\n"
        "movq 40(%rsp), %rbx\n movq %rbx, 24(%rax)\n"
        "movq %cr2, %rbx\n movq %rbx, 32(%rax)\n"
        "leaq 16(%rsp), %rbx\n movq %rbx, 40(%rax)\n"
        "movq 48(%rsp), %rbx\n movq %rbx, 48(%rax)\n"
        "movq 64(%rsp), %rbx\n movq %rbx, 56(%rax)\n"
        "incq lm_count(%rip)\n"
        "movq lm_resume(%rip), %rbx\n"
        "testq %rbx, %rbx\n jz lm_fail\n"
        "movq %rbx, 32(%rsp)\n"
        "movq $0, lm_resume(%rip)\n"
        "popq %rbx\n popq %rax\n"
        "addq $16, %rsp\n"
        "iretq\n"
        "lm_fail:\n"
        "movb $0x55, %al\n outb %al, $0xf4\n hlt\n"
        ".code32\n"
        "lm_back32:\n"                          /* compatibility mode, CS 0x08 */
        "movl %cr0, %eax\n andl $0x7fffffff, %eax\n movl %eax, %cr0\n"
        "movl $0xc0000080, %ecx\n rdmsr\n andl $~0x100, %eax\n wrmsr\n"
        "movl %cr4, %eax\n andl $~0x20, %eax\n movl %eax, %cr4\n"
        "movw $0x10, %ax\n movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n"
        "movw %ax, %fs\n movw %ax, %gs\n"
        "movl lm_saved_esp, %esp\n"
        "lidt pm_idtr\n"
        "popl %edi\n popl %esi\n popl %ebx\n popl %ebp\n"
        "ret\n"
        ".data\n"
        "lm_far32: .long lm_back32\n .word 0x08\n"
        "lm_far_gate: .long 0\n .word 0x80\n"
        "lm_far_ugate: .long 0\n .word 0xb3\n"
        "lm_bad_dtr: .word 0xfff\n .quad 0x0000800000000000\n"
        ".text\n");

static void set_gate64(unsigned v, uint32_t off, unsigned ist, unsigned type)
{
    idt64[2 * v] = (uint64_t)(off & 0xffff) | ((uint64_t)SEL_KCS64 << 16) |
                   ((uint64_t)ist << 32) | ((uint64_t)type << 40) |
                   ((uint64_t)(off >> 16) << 48);
    idt64[2 * v + 1] = 0;
}

static void check_rec(unsigned n, uint64_t vec, uint64_t err, uint32_t rip, uint32_t cr2)
{
    uint64_t *r = lm_recs[n];
    if (r[0] != vec || r[1] != err || r[2] != rip || r[3] != SEL_KCS64 || r[4] != cr2)
        printf("long mode exception %u: vector %u error 0x%x at 0x%x:0x%x cr2 0x%x; "
               "want %u 0x%x 0x48:0x%x 0x%x\n", n, (uint32_t)r[0], (uint32_t)r[1],
               (uint32_t)r[3], (uint32_t)r[2], (uint32_t)r[4], (uint32_t)vec,
               (uint32_t)err, rip, cr2);
    GUEST_ASSERT(r[0] == vec);
    GUEST_ASSERT(r[1] == err);
    GUEST_ASSERT(r[2] == rip);
    GUEST_ASSERT(r[3] == SEL_KCS64);
    GUEST_ASSERT(r[4] == cr2);
}

static void test_long_mode(void)
{
    uint32_t a = (uint32_t)page_a, maxphy = 36, eax, ebx, ecx, edx;

    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000000u));
    if (eax >= 0x80000008u) {
        __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000008u));
        maxphy = eax & 0xff;
    }
    GUEST_ASSERT(maxphy < 52);

    gdt[SEL_KCS64 >> 3] = seg_desc(0, 0xfffff, 0x9a, 0xa);
    gdt[SEL_KDS >> 3] = seg_desc(0, 0xfffff, 0x92, 0xc);
    gdt[SEL_UCS32 >> 3] = seg_desc(0, 0xfffff, 0xfa, 0xc);
    gdt[SEL_UDS >> 3] = seg_desc(0, 0xfffff, 0xf2, 0xc);
    gdt[SEL_UCS64 >> 3] = seg_desc(0, 0xfffff, 0xfa, 0xa);
    /* The limit leaves out IST4..7 (and the I/O map, unused at ring 0). */
    gdt[SEL_TSS64 >> 3] = seg_desc((uint32_t)&tss64, 0x4f, 0x89, 0);
    gdt[(SEL_TSS64 >> 3) + 1] = 0;
    /* A 64-bit call gate whose target is non-canonical (bits 63:32 0x8000). */
    gdt[SEL_GATE64 >> 3] = ((uint64_t)SEL_KCS64 << 16) | (0x8cull << 40);
    gdt[(SEL_GATE64 >> 3) + 1] = 0x8000;
    gdt[SEL_BADTSS >> 3] = seg_desc(0, 0x67, 0x89, 0);
    gdt[(SEL_BADTSS >> 3) + 1] = 0x8000;            /* base 0x0000800000000000 */
    gdt[SEL_BADLDT >> 3] = seg_desc(0, 0xfff, 0x82, 0);
    gdt[(SEL_BADLDT >> 3) + 1] = 0x8000;
    gdt[SEL_UGATE64 >> 3] = ((uint32_t)lm_stubs & 0xffff) | ((uint64_t)SEL_KCS64 << 16) |
                            (0xecull << 40) | ((uint64_t)((uint32_t)lm_stubs >> 16) << 48);
    gdt[(SEL_UGATE64 >> 3) + 1] = 0;
    tss64.rsp[0] = 0x0000800000000010ull;           /* only that gate switches stacks */
    tss64.ist[0] = (uint32_t)(ist1_stack + sizeof(ist1_stack));
    tss64.iomap = sizeof(tss64);

    for (unsigned v = 0; v < 32; v++)
        set_gate64(v, (uint32_t)(lm_stubs + 16 * v), 0, 0x8e);
    set_gate64(0, (uint32_t)lm_stubs, 0, 0x0e);             /* #DE: not present */
    set_gate64(8, (uint32_t)(lm_stubs + 16 * 8), 1, 0x8e);  /* #DF on IST1 */
    set_gate64(12, (uint32_t)(lm_stubs + 16 * 12), 1, 0x8e);  /* #SS too */
    set_gate64(5, (uint32_t)(lm_stubs + 16 * 5), 7, 0x8e);    /* IST7: past the limit */
    idt64[2 * 7 + 1] = 0x8000;                              /* non-canonical target */
    lm_idtr.limit = sizeof(idt64) - 1;
    lm_idtr.base = (uint32_t)idt64;

    pml4[0] = (uint32_t)pdpt | 7;
    pdpt[0] = (uint32_t)pd0 | 7;
    pdpt[1] = (uint32_t)pd1 | 7;
    for (uint32_t i = 0; i < 8; i++)
        pd0[i] = (i << 21) | 0x87;
    pd1[0] = (uint32_t)pt | 7;
    pt[0] = 0;
    pt[1] = a | 1;                                  /* read-only */
    pt[2] = a | 3 | (1ull << 63);                   /* XD */
    pt[3] = a | 3 | (1ull << maxphy);               /* reserved bit */
    lm_cr3 = (uint32_t)pml4;
    lm_ustack_top = (uint32_t)(lm_ustack + sizeof(lm_ustack));

    wrmsr(0xc0000081, ((uint64_t)(SEL_UCS32 | 3) << 48) | ((uint64_t)SEL_KCS64 << 32));
    wrmsr(0xc0000082, (uint32_t)lm_syscall_entry);
    wrmsr(0xc0000084, 0x700);                       /* FMASK: TF, IF, DF */
    wrmsr(0x174, SEL_KCS64);                        /* SYSENTER_CS: SYSEXIT allowed */

    lm_enter();

    /* Protected mode again, the 32-bit TSS back in TR. */
    gdt[SEL_TSS >> 3] &= ~(2ull << 40);
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
    GUEST_ASSERT(!(read_cr0() & 0x80000000u));
    GUEST_ASSERT(!(rdmsr(0xc0000080) & (1u << 10)));       /* LMA clear */
    exc_clear();
    __asm__ volatile(EXPECT_FAULT("ud2") : : : "memory");
    GUEST_ASSERT(exc.count == 1 && exc.vector == 6 && exc.eip == exc_expect_eip);

    GUEST_ASSERT(lm_val == 0x123456789abceef0ull);
    puts("sys-modes: protected -> long -> protected ok");

    if (lm_count != 30)
        printf("long mode: %u exceptions\n", (uint32_t)lm_count);
    GUEST_ASSERT(lm_count == 30);
    check_rec(0, 14, 0, (uint32_t)lm_pf1, WIN);
    check_rec(1, 14, 3, (uint32_t)lm_pf2, WIN + 0x1000);
    check_rec(2, 14, 0x11, WIN + 0x2000, WIN + 0x2000);
    lm_recs[3][1] &= ~1ull;                         /* P with RSVD: see sys-paging */
    check_rec(3, 14, 8, (uint32_t)lm_pf4, WIN + 0x3008);
    puts("sys-modes: long mode #PF error codes and CR2 ok");

    GUEST_ASSERT(lm_recs[4][0] == 8 && lm_recs[4][1] == 0);
    GUEST_ASSERT(lm_recs[4][5] == tss64.ist[0] - 7 * 8);
    GUEST_ASSERT(lm_recs[4][7] == SEL_KDS);
    puts("sys-modes: long mode double fault on IST1 ok");

    check_rec(5, 13, 0, (uint32_t)lm_gp_nc, WIN + 0x3008);     /* CR2 unchanged */
    puts("sys-modes: long mode #GP(0) for a non-canonical address ok");

    /* The whole access must be canonical; through SS it is a stack fault. */
    check_rec(6, 13, 0, (uint32_t)lm_gp_nc2, WIN + 0x3008);
    check_rec(7, 12, 0, (uint32_t)lm_ss_rbp, WIN + 0x3008);
    check_rec(8, 12, 0, (uint32_t)lm_ss_push, WIN + 0x3008);
    GUEST_ASSERT(lm_recs[8][5] == tss64.ist[0] - 7 * 8);   /* on IST1 */
    check_rec(9, 12, 0, (uint32_t)lm_ss_call, WIN + 0x3008);
    check_rec(10, 12, 0, (uint32_t)lm_ss_ret, WIN + 0x3008);
    check_rec(11, 12, 0, (uint32_t)lm_ss_int3, WIN + 0x3008);
    puts("sys-modes: long mode non-canonical access ends and stack accesses (#SS(0)) ok");

    check_rec(12, 10, SEL_TSS64, (uint32_t)lm_ts_ist, WIN + 0x3008);
    puts("sys-modes: long mode IST slot past the TSS limit raises #TS(TSS) ok");
    check_rec(13, 13, 0, (uint32_t)lm_gp_gate, WIN + 0x3008);
    check_rec(14, 13, 0, (uint32_t)lm_gp_callgate, WIN + 0x3008);
    check_rec(15, 13, 0, (uint32_t)lm_gp_iret, WIN + 0x3008);
    check_rec(16, 13, 0, (uint32_t)lm_gp_lret, WIN + 0x3008);
    check_rec(17, 13, 0, (uint32_t)lm_gp_sysexit, WIN + 0x3008);
    puts("sys-modes: long mode non-canonical gate, IRETQ, LRETQ, SYSEXIT targets raise #GP(0) ok");
    check_rec(18, 13, 0, (uint32_t)lm_gp_iret_nt, WIN + 0x3008);
    GUEST_ASSERT(lm_recs[18][6] & 0x4000);                  /* NT in the pushed RFLAGS */
    puts("sys-modes: long mode IRETQ with NT set raises #GP(0) ok");
    check_rec(19, 13, 0, (uint32_t)lm_gp_lgdt, WIN + 0x3008);
    check_rec(20, 13, 0, (uint32_t)lm_gp_lidt, WIN + 0x3008);
    check_rec(21, 13, SEL_BADTSS, (uint32_t)lm_gp_ltr, WIN + 0x3008);
    check_rec(22, 13, SEL_BADLDT, (uint32_t)lm_gp_lldt, WIN + 0x3008);
    GUEST_ASSERT(!(gdt[SEL_BADTSS >> 3] & (2ull << 40)));   /* not marked busy */
    puts("sys-modes: long mode LGDT, LIDT, LTR, LLDT of non-canonical bases raise #GP ok");
    check_rec(23, 12, 0, (uint32_t)lm_ss_pushf, WIN + 0x3008);
    check_rec(24, 12, 0, (uint32_t)lm_ss_enter, WIN + 0x3008);
    check_rec(25, 12, 0, (uint32_t)lm_ss_leave, WIN + 0x3008);
    check_rec(26, 13, 0, (uint32_t)lm_gp_jmp, WIN + 0x3008);
    check_rec(27, 13, 0, (uint32_t)lm_gp_call, WIN + 0x3008);
    check_rec(28, 13, 0, (uint32_t)lm_gp_ret, WIN + 0x3008);
    GUEST_ASSERT(lm_call_moved == 0 && lm_ret_moved == 0);
    puts("sys-modes: long mode near JMP, CALL, RET to non-canonical targets raise #GP(0) ok");
    /* From ring 3: the gate's 32-byte frame at RSP0 would not be canonical. */
    uint64_t *r = lm_recs[29];
    if (r[0] != 12 || r[1] != 0 || r[2] != (uint32_t)lm_ss_ugate || r[3] != (SEL_UCS64 | 3))
        printf("call gate from ring 3: vector %u error 0x%x at 0x%x:0x%x\n", (uint32_t)r[0],
               (uint32_t)r[1], (uint32_t)r[3], (uint32_t)r[2]);
    GUEST_ASSERT(r[0] == 12 && r[1] == 0 && r[2] == (uint32_t)lm_ss_ugate);
    GUEST_ASSERT(r[3] == (SEL_UCS64 | 3));
    puts("sys-modes: long mode PUSHFQ, ENTER, LEAVE and a call gate's new stack raise #SS(0) ok");

    if (lm_sc_rcx != (uint32_t)lm_after_syscall || lm_sc_r11 != 0x402 ||
        lm_sc_rflags != 2 || lm_sc_cs != SEL_KCS64 || lm_sc_ss != SEL_KDS ||
        lm_user_cs != (SEL_UCS64 | 3) || lm_user_ss != (SEL_UDS | 3))
        printf("syscall: rcx 0x%x r11 0x%x rflags 0x%x cs 0x%x ss 0x%x; user cs 0x%x ss 0x%x\n",
               (uint32_t)lm_sc_rcx, (uint32_t)lm_sc_r11, (uint32_t)lm_sc_rflags, lm_sc_cs,
               lm_sc_ss, lm_user_cs, lm_user_ss);
    GUEST_ASSERT(lm_user_cs == (SEL_UCS64 | 3) && lm_user_ss == (SEL_UDS | 3));
    GUEST_ASSERT(lm_sc_rcx == (uint32_t)lm_after_syscall);
    GUEST_ASSERT(lm_sc_r11 == 0x402);
    GUEST_ASSERT(lm_sc_rflags == 2);
    GUEST_ASSERT(lm_sc_cs == SEL_KCS64 && lm_sc_ss == SEL_KDS);
    puts("sys-modes: SYSRET to ring 3 and SYSCALL back ok");
}

/* ---- 3. real mode: no room for an interrupt frame ---- */

/*
 * A word that survives the reset (low memory is not cleared), at 0x504: the
 * first boot sets it before the INT that must shut the processor down; the
 * board then resets and loads this guest again, which finds it.
 */
#define RM_SHUTDOWN_MARK 0x5353aa01u

static volatile uint32_t *rm_mark(void)
{
    uintptr_t at = 0x504;
    __asm__("" : "+r"(at));                 /* no literal low pointer for gcc */
    return (volatile uint32_t *)at;
}

/*
 * INT 0x30 in real mode with SP = 3: FLAGS fits at SS:1, CS would straddle
 * SS:0xffff, so #SS; #SS is delivered on the same stack and faults the same
 * way, so #DF, and so does the #DF: a triple fault, and the board resets.
 */
static void test_real_mode_no_room(void)
{
    volatile uint16_t *d = (volatile uint16_t *)RM_DATA;

    memcpy((void *)RM_BASE, rm_blob, (size_t)(rm_blob_end - rm_blob));
    memset((void *)RM_DATA, 0, 20);
    d[8] = 0x5353;
    *rm_mark() = RM_SHUTDOWN_MARK;
    rm_enter();
    *rm_mark() = 0;
    printf("real mode INT with SP = 3 came back (0x%x): no shutdown\n", d[9]);
    GUEST_ASSERT(0);
}

int guest_main(void)
{
    if (*rm_mark() == RM_SHUTDOWN_MARK) {
        *rm_mark() = 0;
        puts("sys-modes: real-mode INT with SP = 3 shuts down (reset) ok");
        return 0;
    }
    desc_init();
    test_real_mode();
    test_long_mode();
    test_real_mode_no_room();
    return 0;
}

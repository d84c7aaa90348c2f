/* SPDX-License-Identifier: MIT */
/*
 * Privilege levels in 32-bit protected mode, as an OS uses them: entry to
 * ring 3 through IRET (CS/SS with RPL 3; FS holding a DPL 0 data segment
 * becomes null, GS holding a DPL 3 one stays), privileged instructions
 * (CLI, HLT) and INT through a DPL 0 gate faulting there with #GP (error code
 * vector*8+2 for the gate), a call gate back to ring 0 that switches to the
 * TSS's ring 0 stack and copies a parameter, returning with RET far n,
 * SYSENTER/SYSEXIT (CS, SS, ESP from the MSRs and back from EDX/ECX), and
 * the TSS I/O permission bitmap at IOPL 0: one port allowed, its neighbour
 * (and a word access spanning both) denied with #GP(0), and everything
 * allowed at IOPL 3.
 */
#include "guest.h"
#include "desc.h"

#define SEL_GATE 0x48           /* call gate, DPL 3, one parameter */

static uint8_t sysenter_stack[1024] __attribute__((aligned(16)));

/* Results written by the code below. */
volatile uint32_t u_cs, u_ss, g_cs, g_ss, g_esp, g_ret_cs, g_param, g_old_ss,
                  g_old_esp, u_esp_before, se_cs, se_ss, se_esp, se_eflags,
                  sx_cs, sx_ss, sx_esp, u_fs, u_gs;

void user_basic(void);
void user_priv(void);
void user_gate(void);
void gate_target(void);
void user_sysenter(void);
void sysenter_entry(void);
void user_io(void);
void user_io_iopl3(void);

__asm__(".text\n"
        /* Ring 3: note CS/SS, back to ring 0. */
        "user_basic:\n"
        "movl %cs, %eax\n movl %eax, u_cs\n"
        "movl %ss, %eax\n movl %eax, u_ss\n"
        "movl %fs, %eax\n movl %eax, u_fs\n"
        "movl %gs, %eax\n movl %eax, u_gs\n"
        "int $0x80\n"
        /* Ring 3: privileged instructions fault, the handler skips them. */
        "user_priv:\n"
        "movl $1f, exc_resume\nat_cli: cli\n1:\n"
        "movl $1f, exc_resume\nat_hlt: hlt\n1:\n"
        "movl $1f, exc_resume\nat_int: int $0x0d\n1:\n"
        "int $0x80\n"
        /* Ring 3: through the call gate with one parameter. */
        "user_gate:\n"
        "movl %esp, u_esp_before\n"
        "pushl $0x1234abcd\n"
        "lcall $0x4b, $0\n"
        "movl %cs, %eax\n movl %eax, u_cs\n"
        "int $0x80\n"
        /* Ring 0 through the gate: look at the new stack, return. */
        "gate_target:\n"
        "movl %cs, %eax\n movl %eax, g_cs\n"
        "movl %ss, %eax\n movl %eax, g_ss\n"
        "movl %esp, g_esp\n"
        "movl 4(%esp), %eax\n movl %eax, g_ret_cs\n"
        "movl 8(%esp), %eax\n movl %eax, g_param\n"
        "movl 12(%esp), %eax\n movl %eax, g_old_esp\n"
        "movl 16(%esp), %eax\n movl %eax, g_old_ss\n"
        "lret $4\n"
        /* Ring 3: SYSENTER, and back with SYSEXIT. */
        "user_sysenter:\n"
        "movl %esp, u_esp_before\n"
        "movl $1f, %edx\n movl %esp, %ecx\n"
        "sysenter\n"
        "1: movl %cs, %eax\n movl %eax, sx_cs\n"
        "movl %ss, %eax\n movl %eax, sx_ss\n"
        "movl %esp, sx_esp\n"
        "int $0x80\n"
        "sysenter_entry:\n"
        "movl %cs, %eax\n movl %eax, se_cs\n"
        "movl %ss, %eax\n movl %eax, se_ss\n"
        "movl %esp, se_esp\n"
        "pushfl\n popl se_eflags\n"
        "sysexit\n"
        /* Ring 3 at IOPL 0: port 0x80 allowed, 0x81 not. */
        "user_io:\n"
        "movb $0x55, %al\n outb %al, $0x80\n inb $0x80, %al\n"
        "movl $1f, exc_resume\nat_out81: outb %al, $0x81\n1:\n"
        "movl $1f, exc_resume\nat_inw80: inw $0x80, %ax\n1:\n"
        "int $0x80\n"
        /* Ring 3 at IOPL 3: the bitmap is not consulted. */
        "user_io_iopl3:\n"
        "movb $0, %al\n outb %al, $0x81\n inw $0x80, %ax\n"
        "int $0x80\n");

extern uint8_t at_cli[], at_hlt[], at_int[], at_out81[], at_inw80[];

/* Every exception in order, before the usual handling. */
static struct { uint32_t vector, error, eip, cs; } log[8];
static volatile unsigned nlog;

static int log_hook(struct exc_frame *f)
{
    if (nlog < 8) {
        log[nlog].vector = f->vector;
        log[nlog].error = f->error;
        log[nlog].eip = f->eip;
        log[nlog].cs = f->cs;
    }
    nlog++;
    return 0;
}

static void check_log(unsigned n, uint32_t vec, uint32_t err, void *eip)
{
    if (log[n].vector != vec || log[n].error != err || log[n].eip != (uint32_t)eip ||
        log[n].cs != SEL_CS3)
        printf("exception %u: vector %u error 0x%x at 0x%x:0x%x; want %u 0x%x 0x1b:0x%x\n",
               n, log[n].vector, log[n].error, log[n].cs, log[n].eip, vec, err,
               (uint32_t)eip);
    GUEST_ASSERT(log[n].vector == vec);
    GUEST_ASSERT(log[n].error == err);
    GUEST_ASSERT(log[n].eip == (uint32_t)eip);
    GUEST_ASSERT(log[n].cs == SEL_CS3);
}

int guest_main(void)
{
    desc_init();

    /* IRET to ring 3 nulls FS (DPL 0 data), keeps GS (DPL 3). */
    __asm__ volatile("movw %0, %%fs\n\tmovw %1, %%gs" : : "r"((uint16_t)SEL_DS0),
                     "r"((uint16_t)SEL_DS3) : "memory");
    exc_clear();
    u_fs = u_gs = 0xdead;
    user_call(user_basic, 0x2);
    __asm__ volatile("movw %0, %%fs\n\tmovw %0, %%gs" : : "r"((uint16_t)SEL_DS0) : "memory");
    GUEST_ASSERT(u_cs == SEL_CS3 && u_ss == SEL_DS3);
    if (u_fs != 0 || u_gs != SEL_DS3)
        printf("ring 3: fs 0x%x gs 0x%x\n", u_fs, u_gs);
    GUEST_ASSERT(u_fs == 0 && u_gs == SEL_DS3);
    GUEST_ASSERT(exc.count == 1 && exc.vector == 0x80 && exc.cs == SEL_CS3);
    puts("sys-rings: ring 3 through IRET ok");

    exc_hook = log_hook;
    nlog = 0;
    user_call(user_priv, 0x2);
    GUEST_ASSERT(nlog == 4);
    check_log(0, 13, 0, at_cli);
    check_log(1, 13, 0, at_hlt);
    check_log(2, 13, 0x0d * 8 + 2, at_int);
    GUEST_ASSERT(log[3].vector == 0x80);
    puts("sys-rings: CLI, HLT, INT through a DPL 0 gate: #GP at ring 3 ok");

    gdt[SEL_GATE >> 3] = (uint64_t)((uint32_t)gate_target & 0xffff) |
                         ((uint64_t)SEL_CS0 << 16) | (1ull << 32) |
                         (0xecull << 40) | ((uint64_t)((uint32_t)gate_target >> 16) << 48);
    exc_clear();
    user_call(user_gate, 0x2);
    GUEST_ASSERT(g_cs == SEL_CS0 && g_ss == SEL_DS0);
    GUEST_ASSERT(g_esp == tss.t.esp0 - 20);
    GUEST_ASSERT(g_ret_cs == SEL_CS3);
    GUEST_ASSERT(g_param == 0x1234abcd);
    GUEST_ASSERT(g_old_ss == SEL_DS3);
    GUEST_ASSERT(g_old_esp == u_esp_before - 4);
    GUEST_ASSERT(u_cs == SEL_CS3);
    puts("sys-rings: call gate to ring 0 with stack switch and parameter ok");

    wrmsr(0x174, SEL_CS0);
    wrmsr(0x175, (uint32_t)(sysenter_stack + sizeof(sysenter_stack)));
    wrmsr(0x176, (uint32_t)sysenter_entry);
    exc_clear();
    user_call(user_sysenter, 0x2);
    GUEST_ASSERT(se_cs == SEL_CS0 && se_ss == SEL_DS0);
    GUEST_ASSERT(se_esp == (uint32_t)(sysenter_stack + sizeof(sysenter_stack)));
    GUEST_ASSERT(!(se_eflags & 0x200));
    GUEST_ASSERT(sx_cs == SEL_CS3 && sx_ss == SEL_DS3);
    GUEST_ASSERT(sx_esp == u_esp_before);
    puts("sys-rings: SYSENTER/SYSEXIT ok");

    tss.iomap[0x80 / 8] &= (uint8_t)~(1u << (0x80 % 8));
    nlog = 0;
    user_call(user_io, 0x2);
    GUEST_ASSERT(nlog == 3);
    check_log(0, 13, 0, at_out81);
    check_log(1, 13, 0, at_inw80);
    GUEST_ASSERT(log[2].vector == 0x80);
    nlog = 0;
    user_call(user_io_iopl3, 0x3002);
    GUEST_ASSERT(nlog == 1 && log[0].vector == 0x80);
    puts("sys-rings: I/O permission bitmap ok");
    return 0;
}

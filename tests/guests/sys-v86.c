/* SPDX-License-Identifier: MIT */
/*
 * Virtual-8086 mode under a protected-mode monitor: IRET with EFLAGS.VM
 * enters 8086 code copied below 1 MiB (CS:IP 0700:0000, SS:SP 0800:1000,
 * DS 0900), which computes, stores through DS, pushes and pops, reads CS
 * and loads DS (base = selector * 16). At IOPL 0, CLI, INT 0x21 and HLT
 * each trap to the monitor as #GP(0) with the v8086 CS:IP of the
 * instruction, VM set in the pushed EFLAGS and the v8086 data segments in
 * the frame; the monitor emulates CLI and INT (skipping them) and ends the
 * run at HLT, checking the registers and memory the 8086 code left.
 */
#include "guest.h"
#include "desc.h"

#define V86_CS 0x0700
#define V86_SS 0x0800
#define V86_DS 0x0900

extern const uint8_t v86_start[], v86_end[], v86_cli[], v86_int[], v86_hlt[];
__asm__(".section .rodata\n"
        ".code16\n"
        "v86_start:\n"
        "movw $0x1234, %ax\n"
        "movw $0x0010, %bx\n"
        "addw %bx, %ax\n"
        "movw %ax, 0x0\n"
        "pushw %ax\n"
        "popw %cx\n"
        "movw %cs, %dx\n"
        "movw %dx, 0x2\n"
        "movw %sp, %si\n"
        "movw $0x0a00, %dx\n"
        "movw %dx, %ds\n"
        "movw %ax, 0x4\n"
        "v86_cli: cli\n"
        "v86_int: int $0x21\n"
        "movw $0xbeef, %di\n"
        "v86_hlt: hlt\n"
        "v86_end:\n"
        ".code32\n"
        ".text\n"
        "v86_enter:\n"
        "pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
        "movl %esp, user_saved_esp\n"
        "pushl $0\n pushl $0\n"                 /* GS, FS */
        "pushl $0x0900\n pushl $0x0900\n"       /* DS, ES */
        "pushl $0x0800\n pushl $0x1000\n"       /* SS, SP */
        "pushl $0x20002\n"                      /* VM, IOPL 0 */
        "pushl $0x0700\n pushl $0\n"            /* CS, IP */
        "iret\n");
void v86_enter(void);

static struct { uint32_t error, cs, ip, eflags, ds, ss; uint8_t op; } gp[4];
static volatile unsigned ngp;
static volatile uint32_t int_no, end_ax, end_cx, end_si, end_di, end_ds;

static uint32_t off(const uint8_t *p)
{
    return (uint32_t)(p - v86_start);
}

static int monitor(struct exc_frame *f)
{
    if (f->vector != 13 || !(f->eflags & (1u << 17)))
        return 0;
    const uint8_t *ip = (const uint8_t *)(f->cs * 16 + (f->eip & 0xffff));
    if (ngp < 4) {
        gp[ngp].error = f->error;
        gp[ngp].cs = f->cs;
        gp[ngp].ip = f->eip;
        gp[ngp].eflags = f->eflags;
        gp[ngp].ds = f->ds;
        gp[ngp].ss = f->ss;
        gp[ngp].op = ip[0];
    }
    ngp++;
    switch (ip[0]) {
    case 0xfa:                          /* CLI */
        f->eip += 1;
        return 1;
    case 0xcd:                          /* INT n */
        int_no = ip[1];
        f->eip += 2;
        return 1;
    case 0xf4:                          /* HLT: the end */
        end_ax = f->eax & 0xffff;
        end_cx = f->ecx & 0xffff;
        end_si = f->esi & 0xffff;
        end_di = f->edi & 0xffff;
        end_ds = f->ds;
        user_return();
        return 1;
    default:
        printf("FAIL: v8086 #GP at %x:%x, opcode %x\n", f->cs, f->eip, ip[0]);
        guest_exit(4);
    }
}

static void check_gp(unsigned n, const uint8_t *at, uint8_t op, uint32_t ds)
{
    if (gp[n].error != 0 || gp[n].cs != V86_CS || gp[n].ip != off(at) || gp[n].op != op)
        printf("#GP %u: error 0x%x at %x:%x opcode %x; want 0 %x:%x %x\n", n, gp[n].error,
               gp[n].cs, gp[n].ip, gp[n].op, V86_CS, off(at), op);
    GUEST_ASSERT(gp[n].error == 0);
    GUEST_ASSERT(gp[n].cs == V86_CS);
    GUEST_ASSERT(gp[n].ip == off(at));
    GUEST_ASSERT(gp[n].op == op);
    GUEST_ASSERT(gp[n].eflags & (1u << 17));
    GUEST_ASSERT(((gp[n].eflags >> 12) & 3) == 0);
    GUEST_ASSERT(gp[n].ds == ds);
    GUEST_ASSERT(gp[n].ss == V86_SS);
}

int guest_main(void)
{
    desc_init();
    memcpy((void *)(V86_CS * 16), v86_start, (size_t)(v86_end - v86_start));
    memset((void *)(V86_DS * 16), 0, 16);
    memset((void *)0xa000, 0, 16);
    exc_hook = monitor;
    v86_enter();
    exc_hook = 0;

    GUEST_ASSERT(ngp == 3);
    check_gp(0, v86_cli, 0xfa, 0x0a00);
    check_gp(1, v86_int, 0xcd, 0x0a00);
    check_gp(2, v86_hlt, 0xf4, 0x0a00);
    GUEST_ASSERT(int_no == 0x21);
    puts("sys-v86: CLI, INT, HLT trap to the monitor as #GP(0) ok");

    GUEST_ASSERT(end_ax == 0x1244 && end_cx == 0x1244);
    GUEST_ASSERT(end_si == 0x1000);
    GUEST_ASSERT(end_di == 0xbeef);
    GUEST_ASSERT(end_ds == 0x0a00);
    GUEST_ASSERT(*(volatile uint16_t *)(V86_DS * 16) == 0x1244);
    GUEST_ASSERT(*(volatile uint16_t *)(V86_DS * 16 + 2) == V86_CS);
    GUEST_ASSERT(*(volatile uint16_t *)0xa004 == 0x1244);
    GUEST_ASSERT(*(volatile uint16_t *)(V86_SS * 16 + 0x1000 - 2) == 0x1244);
    puts("sys-v86: 8086 code results ok");
    return 0;
}

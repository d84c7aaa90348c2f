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
 *
 * Then the same at IOPL 0 with CR4.VME: CLI, STI, PUSHF and POPF work on
 * VIF without trapping (PUSHF shows IF = VIF and IOPL 3), INT 0x30 (clear
 * in the TSS's redirection bitmap) goes to the 8086 program's own IVT
 * handler with a FLAGS image of IF = VIF, IOPL 3 and VIF cleared, its IRET
 * restores VIF; INT 0x31 (bit set) traps with #GP(0), STI with VIP pending
 * traps, the monitor's IRET back with VIF and VIP both set traps at the
 * next instruction, PUSHFD/POPFD (32-bit) still trap. At IOPL 3, INT 0x30 goes to
 * the 8086 handler with the real IF (cleared, then restored by its IRET)
 * and INT 0x31 to the protected-mode handler. Last, CR4.PVI at ring 3 (IOPL
 * 0): CLI and STI clear and set VIF instead of faulting, and STI with VIP
 * pending raises #GP(0). Then, under CR4.VME again, a JMP to a v8086 task
 * whose TSS EFLAGS has VIF and VIP both set raises #GP(0) at its first
 * instruction, and a POPF or IRET setting IF (so VIF) with VIP pending
 * does too;
 * an INT n redirected to the 8086 program's IVT with SP = 3 (no room for
 * its frame below SS:0xffff) raises #SS(0) to the monitor.
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
        ".text\n");

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

/* ---- CR4.VME ---- */

#define VME_CS 0x0600
#define VME_DATA 0x9000                         /* DS 0x0900: what the code records */
#define FL_IF   0x200u
#define FL_IOPL 0x3000u
#define FL_VIF  0x80000u
#define FL_VIP  0x100000u

extern const uint8_t vme3_start[], vme3_after_int[], vme3_int_idt[], vme3_hlt[];
extern const uint8_t vme_pending[];
extern const uint8_t vme_start[], vme_end[], vme_after_int[], vme_int_idt[], vme_sti_vip[],
    vme_pushfd[], vme_popfd[], vme_hlt[], vme_isr[];
__asm__(".section .rodata\n"
        ".code16\n"
        "vme_start:\n"
        "pushfw\n popw %ax\n movw %ax, 0x0\n"   /* VIF 1 */
        "cli\n"
        "pushfw\n popw %ax\n movw %ax, 0x2\n"   /* VIF 0 */
        "sti\n"
        "pushfw\n popw %ax\n movw %ax, 0x4\n"   /* VIF 1 */
        "pushw $0\n popfw\n"
        "pushfw\n popw %ax\n movw %ax, 0x6\n"   /* VIF 0 from POPF */
        "pushw $0x0200\n popfw\n"                 /* VIF 1 again */
        "int $0x30\n"
        "vme_after_int:\n"
        "pushfw\n popw %ax\n movw %ax, 0xe\n"   /* VIF 1 from the handler's IRET */
        "vme_int_idt: int $0x31\n"                 /* the monitor sets VIP, clears VIF */
        "cli\n"
        "vme_sti_vip: sti\n"                       /* the monitor sets VIF, VIP stays */
        "vme_pending:\n"                           /* both set: #GP here; VIP cleared */
        "pushfw\n popw %ax\n movw %ax, 0x10\n"
        "vme_pushfd: pushfl\n"
        "vme_popfd: popfl\n"
        "vme_hlt: hlt\n"
        "vme_isr:\n"
        "movw %sp, %bp\n"
        "movw (%bp), %ax\n movw %ax, 0x8\n"      /* pushed IP */
        "movw 2(%bp), %ax\n movw %ax, 0xa\n"     /* pushed CS */
        "movw 4(%bp), %ax\n movw %ax, 0xc\n"     /* pushed FLAGS */
        "pushfw\n popw %ax\n movw %ax, 0x12\n"  /* VIF cleared */
        "iret\n"
        "vme3_start:\n"                           /* the same at IOPL 3 */
        "sti\n"
        "int $0x30\n"
        "vme3_after_int:\n"
        "pushfw\n popw %ax\n movw %ax, 0x14\n"  /* IF back from the handler's IRET */
        "vme3_int_idt: int $0x31\n"                /* to the IDT: a DPL 3 gate */
        "vme3_hlt: hlt\n"
        "vme_end:\n"
        ".code32\n"
        ".text\n");

static struct { uint32_t ip, error, eflags; } vgp[8];
static volatile unsigned nvgp;

static uint16_t vme_off(const uint8_t *p)
{
    return (uint16_t)(p - vme_start);
}

/* A #GP from v8086 mode: note it in vgp and say so; anything else: false. */
static int vgp_note(const struct exc_frame *f)
{
    if (f->vector != 13 || !(f->eflags & (1u << 17)))
        return 0;
    if (nvgp < 8) {
        vgp[nvgp].ip = (uint16_t)f->eip;
        vgp[nvgp].error = f->error;
        vgp[nvgp].eflags = f->eflags;
    }
    nvgp++;
    return 1;
}

static int vme_monitor(struct exc_frame *f)
{
    if (!vgp_note(f))
        return 0;
    uint16_t ip = (uint16_t)f->eip;
    if (ip == vme_off(vme_int_idt)) {
        f->eflags = (f->eflags | FL_VIP) & ~FL_VIF;
        f->eip += 2;
    } else if (ip == vme_off(vme_sti_vip)) {
        f->eflags |= FL_VIF;                    /* "deliver" it later: VIP kept */
        f->eip += 1;
    } else if (ip == vme_off(vme_pending)) {
        f->eflags &= ~FL_VIP;                   /* the pending interrupt is done */
    } else if (ip == vme_off(vme_pushfd) || ip == vme_off(vme_popfd)) {
        f->eip += 2;
    } else {
        user_return();                          /* HLT, or anything unexpected */
    }
    return 1;
}

static void test_vme(void)
{
    volatile uint16_t *d = (volatile uint16_t *)VME_DATA;
    uint32_t id[4];

    __asm__ volatile("cpuid" : "=a"(id[0]), "=b"(id[1]), "=c"(id[2]), "=d"(id[3]) : "a"(1), "c"(0));
    GUEST_ASSERT(id[3] & 2);                    /* CPUID.1:EDX.VME */
    memcpy((void *)(VME_CS * 16), vme_start, (size_t)(vme_end - vme_start));
    memset((void *)VME_DATA, 0xee, 0x20);
    /* IVT 0x30 -> the 8086 handler; the redirection bitmap (the 32 bytes
     * below the I/O map) sends 0x30 there and 0x31 to the IDT. */
    /* (asm: GCC will not let C store near address 0) */
    __asm__ volatile("movw %0, 0xc0\n\tmovw %1, 0xc2"
                     : : "r"(vme_off(vme_isr)), "r"((uint16_t)VME_CS) : "memory");
    tss.t.iomap = sizeof(struct tss32) + 32;
    tss.iomap[0x30 / 8] = (uint8_t)~(1u << (0x30 & 7));
    write_cr4(read_cr4() | 1);
    nvgp = 0;
    exc_hook = vme_monitor;
    v86_call(VME_CS, 0, V86_SS, 0x1000, V86_DS, 0x2 | FL_VIF);   /* IOPL 0, VIF */
    exc_hook = 0;
    write_cr4(read_cr4() & ~1u);
    tss.t.iomap = sizeof(struct tss32);
    memset(tss.iomap, 0xff, 32);

    for (unsigned k = 0; k < nvgp && k < 8; k++)
        printf("VME #GP %u: ip 0x%x error 0x%x eflags 0x%x\n", k, vgp[k].ip, vgp[k].error,
               vgp[k].eflags);
    for (unsigned k = 0; k < 10; k++)
        printf("VME word %u: 0x%x\n", k, d[k]);
    GUEST_ASSERT((d[0] & (FL_IF | FL_IOPL)) == (FL_IF | FL_IOPL));
    GUEST_ASSERT((d[1] & (FL_IF | FL_IOPL)) == FL_IOPL);
    GUEST_ASSERT((d[2] & (FL_IF | FL_IOPL)) == (FL_IF | FL_IOPL));
    GUEST_ASSERT((d[3] & (FL_IF | FL_IOPL)) == FL_IOPL);
    puts("sys-v86: VME CLI, STI, PUSHF, POPF act on VIF ok");

    GUEST_ASSERT(d[4] == vme_off(vme_after_int));     /* pushed IP */
    GUEST_ASSERT(d[5] == VME_CS);                      /* pushed CS */
    GUEST_ASSERT((d[6] & (FL_IF | FL_IOPL)) == (FL_IF | FL_IOPL));
    GUEST_ASSERT((d[9] & FL_IF) == 0);                 /* VIF cleared in the handler */
    GUEST_ASSERT((d[7] & FL_IF) == FL_IF);             /* restored by its IRET */
    puts("sys-v86: VME INT n redirected to the 8086 handler ok");

    GUEST_ASSERT(nvgp == 6);
    GUEST_ASSERT(vgp[0].ip == vme_off(vme_int_idt) && vgp[0].error == 0);
    GUEST_ASSERT(vgp[0].eflags & FL_VIF);
    GUEST_ASSERT(((vgp[0].eflags >> 12) & 3) == 0);
    GUEST_ASSERT(vgp[1].ip == vme_off(vme_sti_vip) && vgp[1].error == 0);
    GUEST_ASSERT((vgp[1].eflags & (FL_VIF | FL_VIP)) == FL_VIP);
    GUEST_ASSERT(vgp[2].ip == vme_off(vme_pending) && vgp[2].error == 0);
    GUEST_ASSERT((vgp[2].eflags & (FL_VIF | FL_VIP)) == (FL_VIF | FL_VIP));
    GUEST_ASSERT((d[8] & FL_IF) == FL_IF);
    GUEST_ASSERT(vgp[3].ip == vme_off(vme_pushfd) && vgp[3].error == 0);
    GUEST_ASSERT(vgp[4].ip == vme_off(vme_popfd) && vgp[4].error == 0);
    GUEST_ASSERT(vgp[5].ip == vme_off(vme_hlt));
    puts("sys-v86: VME traps (INT via IDT bit, STI with VIP, VIF+VIP pending, PUSHFD/POPFD) ok");
}

/* IOPL 3 with CR4.VME: methods 5 (redirect, real IF) and 4 (through the IDT). */
static volatile uint32_t vme3_vec, vme3_ip, vme3_eflags, vme3_count;

static int vme3_monitor(struct exc_frame *f)
{
    if (!(f->eflags & (1u << 17)))
        return 0;
    vme3_count++;
    if (f->vector == 0x31) {
        vme3_vec = f->vector;
        vme3_ip = f->eip;
        vme3_eflags = f->eflags;
        return 1;                               /* IRET back after the INT */
    }
    user_return();                              /* #GP at HLT, or anything else */
    return 1;
}

static void test_vme_iopl3(void)
{
    volatile uint16_t *d = (volatile uint16_t *)VME_DATA;

    memset((void *)VME_DATA, 0xee, 0x20);
    tss.t.iomap = sizeof(struct tss32) + 32;
    tss.iomap[0x30 / 8] = (uint8_t)~(1u << (0x30 & 7));
    set_gate_stub(0x31, 0xee);
    write_cr4(read_cr4() | 1);
    vme3_count = 0;
    exc_hook = vme3_monitor;
    v86_call(VME_CS, vme_off(vme3_start), V86_SS, 0x1000, V86_DS, 0x3002);   /* IOPL 3 */
    exc_hook = 0;
    write_cr4(read_cr4() & ~1u);
    set_gate_stub(0x31, 0x8e);
    tss.t.iomap = sizeof(struct tss32);
    memset(tss.iomap, 0xff, 32);

    GUEST_ASSERT(d[4] == vme_off(vme3_after_int) && d[5] == VME_CS);
    GUEST_ASSERT((d[6] & (FL_IF | FL_IOPL)) == (FL_IF | FL_IOPL));   /* the real IF */
    GUEST_ASSERT((d[9] & FL_IF) == 0);                 /* IF cleared in the handler */
    GUEST_ASSERT((d[10] & FL_IF) == FL_IF);            /* restored by its IRET */
    GUEST_ASSERT(vme3_count == 2 && vme3_vec == 0x31);
    GUEST_ASSERT(vme3_ip == vme_off(vme3_hlt));        /* INT pushes the next IP */
    GUEST_ASSERT(((vme3_eflags >> 12) & 3) == 3);
    puts("sys-v86: VME at IOPL 3: redirected INT and INT through the IDT ok");
}

/* ---- CR4.PVI at ring 3 ---- */

void pvi_cli(void);
void pvi_sti(void);
void pvi_sti_vip(void);
extern const uint8_t pvi_at_sti[], pvi_after_sti[];
__asm__(".text\n"
        "pvi_cli: cli\n int $0x80\n"
        "pvi_sti: sti\n int $0x80\n"
        "pvi_sti_vip:\n"
        "pvi_at_sti: sti\n"
        "pvi_after_sti: int $0x80\n");

static volatile uint32_t pvi_gp_eip, pvi_gp_error, pvi_gp_count;

static int pvi_monitor(struct exc_frame *f)
{
    if (f->vector != 13 || (f->cs & 3) != 3)
        return 0;
    pvi_gp_count++;
    pvi_gp_eip = f->eip;
    pvi_gp_error = f->error;
    f->eip = (uint32_t)pvi_after_sti;
    return 1;
}

static void test_pvi(void)
{
    write_cr4(read_cr4() | 2);
    exc_clear();
    user_call(pvi_cli, 0x202 | FL_VIF);
    GUEST_ASSERT(exc.vector == 0x80);
    GUEST_ASSERT((exc.eflags & (FL_VIF | FL_IF)) == FL_IF);       /* VIF cleared, IF kept */
    exc_clear();
    user_call(pvi_sti, 0x202);
    GUEST_ASSERT(exc.vector == 0x80);
    GUEST_ASSERT((exc.eflags & (FL_VIF | FL_IF)) == (FL_VIF | FL_IF));
    exc_clear();
    exc_hook = pvi_monitor;
    user_call(pvi_sti_vip, 0x202 | FL_VIP);
    exc_hook = 0;
    write_cr4(read_cr4() & ~2u);
    GUEST_ASSERT(pvi_gp_count == 1);
    GUEST_ASSERT(pvi_gp_eip == (uint32_t)pvi_at_sti && pvi_gp_error == 0);
    GUEST_ASSERT(!(exc.eflags & FL_VIF));
    puts("sys-v86: PVI CLI/STI at ring 3 act on VIF, STI with VIP faults ok");
}

/* ---- a task switch into virtual-8086 mode with VIF and VIP set ---- */

#define VMT_CS 0x0400
#define SEL_VMT SEL_FREE        /* the 32-bit TSS of the v8086 task */

extern const uint8_t vmt_start[], vmt_end[], vmt_hlt[], vmt_popf[], vmt_int[], vmt_hlt2[],
    vmt_iret[], vmt_last[];
__asm__(".section .rodata\n"
        ".code16\n"
        "vmt_start:\n"                          /* #GP here: VIF and VIP both set */
        "pushw $0x0200\n"                       /* (the monitor cleared VIP) */
        "cli\n"
        "vmt_hlt: hlt\n"                        /* the monitor sets VIP */
        "vmt_popf: popfw\n"                     /* IF=1 with VIP: #GP; VIP cleared */
        "pushfw\n popw %ax\n movw %ax, 0x0\n"  /* then it loads VIF */
        "movw $3, %sp\n"                        /* FLAGS fits, CS straddles 0xffff */
        "vmt_int: int $0x30\n"                  /* redirected: #SS(0) to the monitor */
        "movw $0x1000, %sp\n"
        "cli\n"
        "vmt_hlt2: hlt\n"                       /* the monitor sets VIP again */
        "pushw $0x0200\n pushw %cs\n pushw $(vmt_last - vmt_start)\n"
        "vmt_iret: iret\n"                      /* IF=1 with VIP: #GP; VIP cleared */
        "vmt_last: hlt\n"
        "vmt_end:\n"
        ".code32\n"
        ".text\n");

/* The task's TSS with an all-clear redirection bitmap (INT n to the IVT). */
static struct {
    struct tss32 t;
    uint8_t redir[32];
} __attribute__((packed)) vmt __attribute__((aligned(128)));
static uint8_t vmt_stack[2048] __attribute__((aligned(16)));
static volatile uint32_t vmt_ss_count, vmt_ss_ip, vmt_ss_error, vmt_ss_sp;

static int vmt_monitor(struct exc_frame *f)
{
    if (f->vector == 12 && (f->eflags & (1u << 17))) {
        vmt_ss_count++;
        vmt_ss_ip = f->eip & 0xffff;
        vmt_ss_error = f->error;
        vmt_ss_sp = f->esp & 0xffff;
        f->eip += 2;                            /* past the INT */
        return 1;
    }
    if (!vgp_note(f))
        return 0;
    uint16_t ip = (uint16_t)f->eip;
    if (ip == 0 || ip == (uint16_t)(vmt_popf - vmt_start) ||
        ip == (uint16_t)(vmt_iret - vmt_start)) {
        f->eflags &= ~FL_VIP;                   /* delivered: retry the instruction */
    } else if (ip == (uint16_t)(vmt_hlt - vmt_start) || ip == (uint16_t)(vmt_hlt2 - vmt_start)) {
        f->eflags |= FL_VIP;
        f->eip += 1;
    } else {
        /* The end (or anything unexpected): back to the monitor's task. */
        __asm__ volatile("ljmp %0, $0" : : "i"(SEL_TSS) : "memory");
    }
    return 1;
}

static void test_vme_task(void)
{
    volatile uint16_t *d = (volatile uint16_t *)VME_DATA;

    memcpy((void *)(VMT_CS * 16), vmt_start, (size_t)(vmt_end - vmt_start));
    memset((void *)VME_DATA, 0xee, 0x20);
    task_init(&vmt.t, SEL_VMT, 0, vmt_stack, sizeof(vmt_stack));
    gdt[SEL_VMT >> 3] = seg_desc((uint32_t)&vmt, sizeof(vmt) - 1, 0x89, 0);
    memset(vmt.redir, 0, sizeof(vmt.redir));
    vmt.t.iomap = sizeof(vmt);                  /* no I/O bitmap, redir just below */
    vmt.t.eflags = 0x2 | (1u << 17) | FL_VIF | FL_VIP;            /* VM, IOPL 0 */
    vmt.t.cs = VMT_CS;
    vmt.t.eip = 0;
    vmt.t.ss = V86_SS;
    vmt.t.esp = 0x1000;
    vmt.t.ds = vmt.t.es = V86_DS;
    vmt.t.fs = vmt.t.gs = 0;
    vmt.t.ss0 = SEL_DS0;
    vmt.t.esp0 = (uint32_t)(vmt_stack + sizeof(vmt_stack));
    vmt_ss_count = 0;
    write_cr4(read_cr4() | 1);
    nvgp = 0;
    exc_hook = vmt_monitor;
    __asm__ volatile("ljmp %0, $0" : : "i"(SEL_VMT) : "memory");
    exc_hook = 0;
    write_cr4(read_cr4() & ~1u);
    __asm__ volatile("clts");

    for (unsigned k = 0; k < nvgp && k < 8; k++)
        printf("VME task #GP %u: ip 0x%x error 0x%x eflags 0x%x\n", k, vgp[k].ip,
               vgp[k].error, vgp[k].eflags);
    GUEST_ASSERT(nvgp == 6);
    GUEST_ASSERT(vgp[0].ip == 0 && vgp[0].error == 0);
    GUEST_ASSERT((vgp[0].eflags & (FL_VIF | FL_VIP)) == (FL_VIF | FL_VIP));
    GUEST_ASSERT(vgp[1].ip == (uint16_t)(vmt_hlt - vmt_start));
    GUEST_ASSERT(vgp[2].ip == (uint16_t)(vmt_popf - vmt_start) && vgp[2].error == 0);
    GUEST_ASSERT((vgp[2].eflags & (FL_VIF | FL_VIP)) == FL_VIP);
    GUEST_ASSERT(vgp[3].ip == (uint16_t)(vmt_hlt2 - vmt_start));
    GUEST_ASSERT(vgp[4].ip == (uint16_t)(vmt_iret - vmt_start) && vgp[4].error == 0);
    GUEST_ASSERT((vgp[4].eflags & (FL_VIF | FL_VIP)) == FL_VIP);
    GUEST_ASSERT(vgp[5].ip == (uint16_t)(vmt_last - vmt_start));
    GUEST_ASSERT((d[0] & FL_IF) == FL_IF);
    puts("sys-v86: VME task switch with VIF+VIP, POPF and IRET IF=1 with VIP raise #GP(0) ok");
    /* A redirected INT with SP = 3: the CS word would straddle SS:0xffff. */
    GUEST_ASSERT(vmt_ss_count == 1 && vmt_ss_error == 0);
    GUEST_ASSERT(vmt_ss_ip == (uint16_t)(vmt_int - vmt_start) && vmt_ss_sp == 3);
    puts("sys-v86: VME-redirected INT with no room on the 8086 stack raises #SS(0) ok");
}

int guest_main(void)
{
    desc_init();
    memcpy((void *)(V86_CS * 16), v86_start, (size_t)(v86_end - v86_start));
    memset((void *)(V86_DS * 16), 0, 16);
    memset((void *)0xa000, 0, 16);
    exc_hook = monitor;
    v86_call(V86_CS, 0, V86_SS, 0x1000, V86_DS, 0x2);   /* IOPL 0 */
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

    test_vme();
    test_vme_iopl3();
    test_pvi();
    test_vme_task();
    return 0;
}

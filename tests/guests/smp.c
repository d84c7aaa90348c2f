/* SPDX-License-Identifier: MIT */
/*
 * Starting a second CPU the way an OS does: INIT and two STARTUP IPIs from
 * the boot CPU's local APIC to APIC ID 1, whose real-mode trampoline at
 * 0x8000 stores a flag and halts. Exercises the APIC's ICR, INIT/SIPI
 * delivery, the engine's wait-for-SIPI state and a second vCPU thread.
 */
#include "guest.h"

#define APIC_BASE 0xfee00000u
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define TRAMPOLINE 0x8000u
#define FLAG 0x9000u

static volatile uint32_t *reg(uint32_t base, uint32_t off)
{
    uintptr_t a = base + off;
    __asm__("" : "+r"(a));      /* keep gcc from reasoning about the literal */
    return (volatile uint32_t *)a;
}

static void send_ipi(uint32_t dest, uint32_t icr)
{
    *reg(APIC_BASE, APIC_ICR_HI) = dest << 24;
    *reg(APIC_BASE, APIC_ICR_LO) = icr;
    for (int i = 0; i < 1000 && (*reg(APIC_BASE, APIC_ICR_LO) & (1u << 12)); i++)
        ;                       /* delivery status: wait until sent */
}

static void delay(void)
{
    for (volatile int i = 0; i < 100000; i++)
        ;
}

int guest_main(void)
{
    /* 16-bit code: mov al,1; mov [0x9000],al; hlt; jmp $-1 */
    static const uint8_t trampoline[] = { 0xb0, 0x01, 0xa2, 0x00, 0x90, 0xf4, 0xeb, 0xfd };
    volatile uint8_t *code = (volatile uint8_t *)reg(TRAMPOLINE, 0);
    volatile uint8_t *flag = (volatile uint8_t *)reg(FLAG, 0);

    for (unsigned i = 0; i < sizeof(trampoline); i++)
        code[i] = trampoline[i];
    *flag = 0;
    *reg(APIC_BASE, APIC_SVR) = 0x1ff;          /* software-enable the APIC */

    send_ipi(1, 0x00004500);                    /* INIT, assert */
    delay();
    for (int n = 0; n < 2 && !*flag; n++) {
        send_ipi(1, 0x00004600 | (TRAMPOLINE >> 12));   /* STARTUP at 0x8000 */
        delay();
    }
    for (int i = 0; i < 1000000 && !*flag; i++)
        ;
    GUEST_ASSERT(*flag == 1);
    puts("smp: CPU 1 ran its startup code");
    return 0;
}

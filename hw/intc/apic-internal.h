/* SPDX-License-Identifier: MIT */
/*
 * What the pieces of the local APIC share and nothing outside hw/intc/apic*
 * may use: the register indexes, the mode tests on IA32_APIC_BASE and the
 * LVT timer entry, and the state updates that every way into an APIC
 * (MMIO, MSRs, CR8, messages, the timer) has to make after a change.
 * The interface other modules use stays in hw/intc/apic.h.
 */
#ifndef TANDEM_HW_INTC_APIC_INTERNAL_H
#define TANDEM_HW_INTC_APIC_INTERNAL_H

#include "hw/intc/apic.h"

/* Register indexes (MMIO offset >> 4; x2APIC MSR - 0x800). */
enum {
    REG_ID = 0x02, REG_VER = 0x03, REG_TPR = 0x08, REG_APR = 0x09,
    REG_PPR = 0x0a, REG_EOI = 0x0b, REG_RRD = 0x0c, REG_LDR = 0x0d,
    REG_DFR = 0x0e, REG_SVR = 0x0f, REG_ISR = 0x10, REG_TMR = 0x18,
    REG_IRR = 0x20, REG_ESR = 0x28, REG_ICR_LO = 0x30, REG_ICR_HI = 0x31,
    REG_LVT = 0x32, REG_TIMER_ICR = 0x38, REG_TIMER_CCR = 0x39,
    REG_TIMER_DCR = 0x3e, REG_SELF_IPI = 0x3f,
};

static inline bool apic_hw_enabled(const Apic *s)
{
    return (s->apicbase & APIC_BASE_EN) != 0;
}

static inline bool apic_x2apic_mode(const Apic *s)
{
    return (s->apicbase & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
           (APIC_BASE_EN | APIC_BASE_EXTD);
}

static inline uint32_t apic_timer_mode(const Apic *s)
{
    return s->lvt[APIC_LVT_TIMER] & APIC_TIMER_MODE;
}

/* Copy IA32_APIC_BASE and IA32_TSC_DEADLINE into the vCPU's state. */
void apic_mirror_msrs(Apic *s);
/* Recompute CPU_INTERRUPT_HARD after any change to what is deliverable. */
void apic_update_irq(Apic *s);
/* INIT: back to power-up state, keeping the ID and IA32_APIC_BASE. */
void apic_init_reset(Apic *s);
/* Move the MMIO window to IA32_APIC_BASE (apic-msr.c). */
void apic_relocate(Apic *s);
/* Arm the timer for its next expiry after the current time. */
void apic_timer_rearm(Apic *s);

#endif

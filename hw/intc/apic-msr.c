/* SPDX-License-Identifier: MIT */
/*
 * The local APIC's CPU hooks (softmmu/vcpu.h): the MSRs IA32_APIC_BASE,
 * IA32_TSC_DEADLINE and the x2APIC range 0x800-0x8ff, and CR8.
 *
 * Writes to IA32_APIC_BASE carry the SDM's x2APIC state-transition rules
 * (xAPIC, x2APIC, disabled and which moves between them are legal) and move the
 * machine's one MMIO window when the base address changes. The x2APIC MSRs
 * go to the same register code the MMIO page uses (apic_reg_read/write in
 * apic.c), with that mode's rules.
 *
 * The hooks may be called from a vCPU thread that does not hold the big
 * lock, so each takes it for its own duration when needed.
 */
#include "hw/intc/apic.h"
#include "hw/intc/apic-internal.h"
#include "softmmu/log.h"
#include "softmmu/vcpu.h"

/* The hooks may come from a vCPU that does not hold the big lock. */
static bool apic_lock(void)
{
    if (bql_locked())
        return false;
    bql_lock();
    return true;
}

static void apic_unlock(bool taken)
{
    if (taken)
        bql_unlock();
}

/* Move the machine's MMIO window to where IA32_APIC_BASE now points. */
void apic_relocate(Apic *s)
{
    ApicBus *bus = s->bus;
    uint64_t base = s->apicbase & APIC_BASE_ADDR;
    if (!bus->mapped || base == bus->mmio_base || !apic_hw_enabled(s))
        return;
    /* One window for the machine: it follows the last CPU that moved its
     * APIC. OSes move all of them together, or (far more often) none. */
    log_mask_printf(LOG_UNIMP, "apic %u: relocated to %#llx\n", s->id,
                    (unsigned long long)base);
    bus->mmio_base = base;
    mr_set_address(&bus->mmio, base);
}

static int apic_write_base(Apic *s, uint64_t val)
{
    uint64_t reserved = ~(APIC_BASE_ADDR | APIC_BASE_BSP | APIC_BASE_EN |
                          (s->bus->cfg.x2apic ? APIC_BASE_EXTD : 0));
    if (val & reserved)
        return -1;
    bool old_x2 = apic_x2apic_mode(s), old_en = apic_hw_enabled(s);
    bool new_en = val & APIC_BASE_EN, new_x2 = new_en && (val & APIC_BASE_EXTD);
    if ((val & APIC_BASE_EXTD) && !new_en)
        return -1;                      /* EXTD without EN is invalid */
    if (old_x2 && new_en && !new_x2)
        return -1;                      /* x2APIC -> xAPIC must go via disabled */
    if (!old_en && new_x2)
        return -1;                      /* disabled -> x2APIC is invalid */

    /* The BSP flag is set by reset, not by software. */
    s->apicbase = (val & ~APIC_BASE_BSP) | (s->apicbase & APIC_BASE_BSP);
    if (old_en && !new_en)
        apic_init_reset(s);     /* back to power-up state, ID and base kept */
    if (new_x2 && !old_x2)
        s->id = s->cpu ? (uint32_t)s->cpu->index : s->id;  /* the initial APIC ID */
    apic_mirror_msrs(s);
    apic_relocate(s);
    apic_update_irq(s);
    return 0;
}

static int apic_msr_read_locked(Apic *s, uint32_t msr, uint64_t *val)
{
    if (msr == MSR_IA32_APIC_BASE) {
        *val = s->apicbase;
        return 0;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        if (!s->bus->cfg.tsc_deadline)
            return -1;
        *val = apic_timer_mode(s) == APIC_TIMER_TSCDL ? s->tsc_deadline : 0;
        return 0;
    }
    if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST && apic_x2apic_mode(s))
        return apic_reg_read(s, msr - MSR_X2APIC_FIRST, true, val);
    return -1;
}

static int apic_msr_write_locked(Apic *s, uint32_t msr, uint64_t val)
{
    if (msr == MSR_IA32_APIC_BASE)
        return apic_write_base(s, val);
    if (msr == MSR_IA32_TSC_DEADLINE) {
        if (!s->bus->cfg.tsc_deadline)
            return -1;
        if (apic_timer_mode(s) != APIC_TIMER_TSCDL)
            return 0;                   /* ignored in the other modes */
        s->tsc_deadline = val;
        apic_mirror_msrs(s);
        apic_timer_rearm(s);
        return 0;
    }
    if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST && apic_x2apic_mode(s)) {
        unsigned index = msr - MSR_X2APIC_FIRST;
        /* Only ICR takes 64 bits; elsewhere the high half is reserved. */
        if (index != REG_ICR_LO && (val >> 32))
            return -1;
        return apic_reg_write(s, index, true, val);
    }
    return -1;
}

int apic_msr_read(Vcpu *cpu, uint32_t msr, uint64_t *val)
{
    Apic *s = cpu->apic;
    if (!s)
        return -1;
    bool taken = apic_lock();
    int r = apic_msr_read_locked(s, msr, val);
    apic_unlock(taken);
    return r;
}

int apic_msr_write(Vcpu *cpu, uint32_t msr, uint64_t val)
{
    Apic *s = cpu->apic;
    if (!s)
        return -1;
    bool taken = apic_lock();
    int r = apic_msr_write_locked(s, msr, val);
    apic_unlock(taken);
    return r;
}

void apic_set_cr8(Vcpu *cpu, uint64_t val)
{
    Apic *s = cpu->apic;
    if (!s)
        return;
    bool taken = apic_lock();
    s->tpr = (uint32_t)(val & 0xf) << 4;
    apic_update_irq(s);
    apic_unlock(taken);
}

uint64_t apic_get_cr8(Vcpu *cpu)
{
    Apic *s = cpu->apic;
    if (!s)
        return 0;
    bool taken = apic_lock();
    uint64_t v = (s->tpr >> 4) & 0xf;
    apic_unlock(taken);
    return v;
}

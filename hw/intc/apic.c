/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (SDM vol. 3, chapter 10 / 11 "Advanced Programmable
 * Interrupt Controller"), one per vCPU, xAPIC and x2APIC.
 *
 * State lives in Apic; the only derived state is the vCPU's
 * CPU_INTERRUPT_HARD bit, which apic_update_irq() recomputes after every
 * change: it is set exactly when apic_irq_ack() would hand out a vector
 * (an ExtINT waiting, or the highest IRR class above the PPR class).
 *
 * IA32_APIC_BASE is kept in Apic.apicbase and mirrored into the CPU state
 * so that gdb, snapshots of the CPU and kvm see the architectural value.
 * The same goes for IA32_TSC_DEADLINE.
 *
 * Before an OS programs the APIC, the 8259 must still reach the bootstrap
 * processor (test guests, DOS, early firmware), as it does on a PC whose
 * BIOS left the APIC in virtual-wire mode. So the PIC's INT on LINT0 is
 * passed through when the APIC is hardware-disabled, when LINT0 is unmasked
 * in ExtINT mode, or when the BSP's APIC is still software-disabled.
 *
 * Messages (IPIs, IOAPIC, MSI) are delivered synchronously under the big
 * lock, so the ICR's delivery-status bit always reads idle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/intc/apic.h"
#include "hw/intc/apic-internal.h"
#include "softmmu/log.h"
#include "softmmu/vcpu.h"

#define APIC_VERSION      0x14          /* integrated APIC, as P6 and later */
#define APIC_SVR_ENABLE   (1u << 8)

/* Writable bits of each LVT entry (delivery status and remote IRR are RO). */
static const uint32_t lvt_write_mask[APIC_LVT_NR] = {
    [APIC_LVT_TIMER]   = 0x000700ff,
    [APIC_LVT_THERMAL] = 0x000107ff,
    [APIC_LVT_PERF]    = 0x000107ff,
    [APIC_LVT_LINT0]   = 0x0001a7ff,
    [APIC_LVT_LINT1]   = 0x0001a7ff,
    [APIC_LVT_ERROR]   = 0x000100ff,
};


/* ------------------------------------------------------------------------ */
/* Small helpers */

static int64_t apic_now(const Apic *s)
{
    return s->bus->cfg.clock_ns ? s->bus->cfg.clock_ns() : clock_get_ns(CLK_VIRTUAL);
}

static bool apic_sw_enabled(const Apic *s)
{
    return apic_hw_enabled(s) && (s->svr & APIC_SVR_ENABLE);
}

static bool vec_test(const uint32_t *v, unsigned vec)
{
    return (v[(vec >> 5) & 7] >> (vec & 31)) & 1;
}

static void vec_set(uint32_t *v, unsigned vec)
{
    v[(vec >> 5) & 7] |= 1u << (vec & 31);
}

static void vec_clear(uint32_t *v, unsigned vec)
{
    v[(vec >> 5) & 7] &= ~(1u << (vec & 31));
}

/* Highest set vector, -1 if none. */
static int vec_highest(const uint32_t *v)
{
    for (int i = 7; i >= 0; i--)
        if (v[i])
            return i * 32 + 31 - __builtin_clz(v[i]);
    return -1;
}

void apic_mirror_msrs(Apic *s)
{
    if (s->cpu) {
        s->cpu->state.msr.apic_base = s->apicbase;
        s->cpu->state.msr.tsc_deadline = s->tsc_deadline;
    }
}

uint32_t apic_ppr(const Apic *s)
{
    int isrv = vec_highest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    if ((s->tpr & 0xf0) >= isr_class)
        return s->tpr & 0xff;
    return isr_class;
}

static uint32_t apic_apr(const Apic *s)
{
    int isrv = vec_highest(s->isr), irrv = vec_highest(s->irr);
    uint32_t tpr = s->tpr & 0xff;
    uint32_t isr_c = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    uint32_t irr_c = irrv < 0 ? 0 : (uint32_t)irrv & 0xf0;
    if ((tpr & 0xf0) >= irr_c && (tpr & 0xf0) > isr_c)
        return tpr;
    uint32_t m = tpr & 0xf0;
    if (isr_c > m)
        m = isr_c;
    if (irr_c > m)
        m = irr_c;
    return m;
}

/* The vector apic_irq_ack would take from IRR, -1 if none. */
static int apic_deliverable_vector(const Apic *s)
{
    int irrv = vec_highest(s->irr);
    if (irrv < 0 || !apic_hw_enabled(s))
        return -1;
    if (((uint32_t)irrv & 0xf0) <= (apic_ppr(s) & 0xf0))
        return -1;
    return irrv;
}

static bool apic_is_bsp(const Apic *s)
{
    return (s->apicbase & APIC_BASE_BSP) != 0;
}

/* Does the 8259's INT on LINT0 reach the CPU now? See the file comment. */
static bool apic_lint0_passes_pic(const Apic *s)
{
    uint32_t lvt = s->lvt[APIC_LVT_LINT0];
    if (!apic_hw_enabled(s))
        return true;
    if (!(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT)
        return true;
    return apic_is_bsp(s) && !(s->svr & APIC_SVR_ENABLE);
}

static bool apic_extint_ready(const Apic *s)
{
    return s->extint_pending || (s->lint_level[0] && apic_lint0_passes_pic(s));
}

void apic_update_irq(Apic *s)
{
    Vcpu *cpu = s->cpu;
    if (!cpu)
        return;
    bool want = apic_extint_ready(s) || apic_deliverable_vector(s) >= 0;
    bool have = (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD) != 0;
    if (want && !have)
        vcpu_interrupt(cpu, CPU_INTERRUPT_HARD);
    else if (!want && have)
        vcpu_reset_interrupt(cpu, CPU_INTERRUPT_HARD);
}

/* ------------------------------------------------------------------------ */
/* Accepting interrupts */

static void apic_error(Apic *s, uint32_t bits);

/* A fixed (or won lowest-priority) interrupt arrives: it goes to IRR. */
static void apic_accept_fixed(Apic *s, uint8_t vector, bool level)
{
    if (vector < 16) {
        apic_error(s, APIC_ESR_RECV_ILLEGAL);
        return;
    }
    vec_set(s->irr, vector);
    if (level)
        vec_set(s->tmr, vector);
    else
        vec_clear(s->tmr, vector);
    apic_update_irq(s);
}

static void apic_error(Apic *s, uint32_t bits)
{
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[APIC_LVT_ERROR];
    if (lvt & APIC_LVT_MASKED)
        return;
    /* An illegal vector in the error LVT itself only sets ESR: no loop. */
    if ((lvt & 0xff) < 16) {
        s->esr_pending |= APIC_ESR_RECV_ILLEGAL;
        return;
    }
    apic_accept_fixed(s, lvt & 0xff, false);
}


/* A message for this APIC (destination already matched). */
static void apic_deliver_local(Apic *s, const ApicMsg *msg)
{
    Vcpu *cpu = s->cpu;
    if (!apic_hw_enabled(s))
        return;             /* a hardware-disabled APIC is not on the bus */

    switch (msg->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* A software-disabled APIC only takes NMI, SMI, INIT and SIPI. */
        if (s->svr & APIC_SVR_ENABLE)
            apic_accept_fixed(s, msg->vector, msg->level);
        break;
    case APIC_DM_SMI:
        if (cpu)
            vcpu_interrupt(cpu, CPU_INTERRUPT_SMI);
        break;
    case APIC_DM_NMI:
        if (cpu)
            vcpu_interrupt(cpu, CPU_INTERRUPT_NMI);
        break;
    case APIC_DM_INIT:
        /* INIT resets the APIC at once (it keeps its ID and base); the
         * CPU's own reset happens when it takes CPU_INTERRUPT_INIT. */
        apic_init_reset(s);
        if (cpu)
            vcpu_interrupt(cpu, CPU_INTERRUPT_INIT);
        break;
    case APIC_DM_SIPI:
        /* The CPU ignores SIPI unless it waits for one after INIT. */
        if (cpu) {
            cpu->state.sipi_vector = msg->vector;
            vcpu_interrupt(cpu, CPU_INTERRUPT_SIPI);
        }
        break;
    case APIC_DM_EXTINT:
        s->extint_pending = true;
        apic_update_irq(s);
        break;
    default:
        log_mask_printf(LOG_GUEST, "apic %u: reserved delivery mode %u\n",
                        s->id, msg->delivery);
        break;
    }
}

/* Logical destination register as this APIC's mode defines it. */
static uint32_t apic_ldr(const Apic *s)
{
    if (apic_x2apic_mode(s))
        return ((s->id >> 4) << 16) | (1u << (s->id & 0xf));
    return s->ldr;
}

static bool apic_match_dest(const Apic *s, const ApicMsg *msg)
{
    uint32_t bcast = msg->dest32 ? 0xffffffffu : 0xffu;
    uint32_t dest = msg->dest32 ? msg->dest : (msg->dest & 0xff);

    if (dest == bcast)
        return true;
    if (!msg->dest_logical)
        return apic_x2apic_mode(s) ? dest == s->id : dest == (s->id & 0xff);

    uint32_t ldr = apic_ldr(s);
    if (apic_x2apic_mode(s)) {
        /* Cluster ID in 31:16, member bitmap in 15:0. An 8-bit message
         * (IOAPIC, MSI) addresses cluster dest[7:4], members dest[3:0]. */
        uint32_t cluster = msg->dest32 ? dest >> 16 : dest >> 4;
        uint32_t bits = msg->dest32 ? dest & 0xffff : dest & 0xf;
        return (ldr >> 16) == cluster && (ldr & bits & 0xffff);
    }
    uint8_t lid = (uint8_t)(ldr >> 24);
    if ((s->dfr >> 28) == 0xf)                 /* flat model */
        return (lid & dest) != 0;
    /* cluster model */
    return (lid >> 4) == (dest >> 4) && (lid & dest & 0xf);
}

void apic_bus_deliver(ApicBus *bus, const ApicMsg *msg)
{
    if (msg->delivery == APIC_DM_LOWEST) {
        /* Arbitration: the lowest processor priority wins; ties go to the
         * lowest-numbered CPU, which keeps the choice reproducible. */
        Apic *best = NULL;
        for (int i = 0; i < bus->nr; i++) {
            Apic *s = bus->apic[i];
            if (!s || !apic_sw_enabled(s) || !apic_match_dest(s, msg))
                continue;
            if (!best || (apic_ppr(s) & 0xf0) < (apic_ppr(best) & 0xf0))
                best = s;
        }
        if (best)
            apic_deliver_local(best, msg);
        return;
    }
    for (int i = 0; i < bus->nr; i++) {
        Apic *s = bus->apic[i];
        if (s && apic_match_dest(s, msg))
            apic_deliver_local(s, msg);
    }
}

void apic_bus_msi(ApicBus *bus, uint64_t addr, uint32_t data)
{
    if ((addr & ~(APIC_MSI_WINDOW - 1)) != APIC_DEFAULT_BASE) {
        log_mask_printf(LOG_GUEST, "apic: MSI to %#llx outside the window\n",
                        (unsigned long long)addr);
        return;
    }
    ApicMsg msg = apic_msi_decode(addr, data);
    apic_bus_deliver(bus, &msg);
}

ApicMsg apic_msi_decode(uint64_t addr, uint32_t data)
{
    return (ApicMsg){
        .dest = (uint32_t)(addr >> 12) & 0xff,
        .dest_logical = (addr >> 2) & 1,
        .delivery = (data >> 8) & 7,
        .vector = data & 0xff,
        .level = (data >> 15) & 1,
    };
}

void apic_msi_encode(const ApicMsg *msg, uint64_t *addr, uint32_t *data)
{
    *addr = APIC_DEFAULT_BASE | ((msg->dest & 0xff) << 12) | (msg->dest_logical ? 1u << 2 : 0);
    *data = msg->vector | ((uint32_t)(msg->delivery & 7) << 8) |
            (msg->level ? (1u << 15) | (1u << 14) : 0);
}

/* ------------------------------------------------------------------------ */
/* Local interrupts (LVT) */

static void apic_lvt_deliver(Apic *s, int idx)
{
    uint32_t lvt = s->lvt[idx];
    if ((lvt & APIC_LVT_MASKED) || !apic_sw_enabled(s))
        return;
    unsigned mode = (idx == APIC_LVT_TIMER || idx == APIC_LVT_ERROR)
                    ? APIC_DM_FIXED : (lvt >> 8) & 7;
    bool level = (idx == APIC_LVT_LINT0 || idx == APIC_LVT_LINT1) &&
                 (lvt & APIC_LVT_LEVEL);
    switch (mode) {
    case APIC_DM_FIXED:
        if (level) {
            if (lvt & APIC_LVT_REMOTE_IRR)
                return;         /* still being serviced: EOI re-delivers */
            s->lvt[idx] |= APIC_LVT_REMOTE_IRR;
        }
        apic_accept_fixed(s, lvt & 0xff, level);
        break;
    case APIC_DM_SMI:
    case APIC_DM_NMI:
    case APIC_DM_INIT:
    case APIC_DM_EXTINT: {
        ApicMsg msg = { .delivery = (uint8_t)mode, .vector = lvt & 0xff };
        apic_deliver_local(s, &msg);
        break;
    }
    default:
        break;
    }
}

void apic_set_lint(void *opaque, int n, int level)
{
    Apic *s = opaque;
    if (n < 0 || n > 1)
        return;
    int idx = n ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
    bool rising = level && !s->lint_level[n];
    s->lint_level[n] = level != 0;

    if (!apic_hw_enabled(s)) {
        /* Without an APIC the pins are the CPU's INTR and NMI. */
        if (n == 1 && rising && s->cpu)
            vcpu_interrupt(s->cpu, CPU_INTERRUPT_NMI);
        apic_update_irq(s);
        return;
    }
    uint32_t lvt = s->lvt[idx];
    unsigned mode = (lvt >> 8) & 7;
    if (mode == APIC_DM_EXTINT) {
        /* ExtINT is level-sensitive by nature: follow the PIC's INT. */
        apic_update_irq(s);
    } else if (mode == APIC_DM_FIXED && (lvt & APIC_LVT_LEVEL)) {
        if (level)
            apic_lvt_deliver(s, idx);
    } else if (rising) {
        apic_lvt_deliver(s, idx);
    }
    if (n == 0)
        apic_update_irq(s);     /* the passthrough rule may have changed */
}

/* ------------------------------------------------------------------------ */
/* Acknowledge and EOI */

int apic_irq_ack(Vcpu *cpu)
{
    Apic *s = cpu->apic;
    int vector = -1;
    if (!s)
        return -1;
    if (apic_extint_ready(s)) {
        s->extint_pending = false;
        /* The 8259 drives the vector; its INT may drop, which comes back
         * here through apic_set_lint before we recompute below. */
        vector = s->bus->extint_ack ? s->bus->extint_ack(s->bus->extint_opaque) : -1;
    } else {
        vector = apic_deliverable_vector(s);
        if (vector >= 0) {
            vec_clear(s->irr, (unsigned)vector);
            vec_set(s->isr, (unsigned)vector);
        }
    }
    apic_update_irq(s);
    return vector;
}

static void apic_eoi(Apic *s)
{
    int vec = vec_highest(s->isr);
    if (vec < 0)
        return;
    vec_clear(s->isr, (unsigned)vec);
    if (vec_test(s->tmr, (unsigned)vec)) {
        vec_clear(s->tmr, (unsigned)vec);
        /* Level-triggered local inputs: clear remote IRR, re-sample. */
        for (int n = 0; n < 2; n++) {
            int idx = n ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
            uint32_t lvt = s->lvt[idx];
            if ((lvt & APIC_LVT_REMOTE_IRR) && (lvt & 0xff) == (unsigned)vec) {
                s->lvt[idx] &= ~APIC_LVT_REMOTE_IRR;
                if (s->lint_level[n])
                    apic_lvt_deliver(s, idx);
            }
        }
        if (s->bus->eoi)
            s->bus->eoi(s->bus->eoi_opaque, (uint8_t)vec);
    }
    apic_update_irq(s);
}

/* ------------------------------------------------------------------------ */
/* Timer */

static uint64_t apic_tsc_hz(const Apic *s)
{
    return s->bus->cfg.tsc_hz ? s->bus->cfg.tsc_hz : (uint64_t)NS_PER_SEC;
}

static uint64_t apic_read_tsc(const Apic *s, int64_t now)
{
    if (s->bus->cfg.read_tsc)
        return s->bus->cfg.read_tsc(s->cpu, now);
    uint64_t t = (uint64_t)((unsigned __int128)(uint64_t)now * apic_tsc_hz(s) / NS_PER_SEC);
    return t + (s->cpu ? s->cpu->state.msr.tsc_offset : 0);
}

/*
 * Arm the timer for its next expiry after 'now'. A count just loaded passes
 * its start time as 'now': its first expiry is start + period even when the
 * clock has already gone past that by the time we get here (a one-shot of a
 * few ticks, as Linux programs when an event is due at once, or a vCPU
 * thread preempted between the two reads). Read afresh, such a one-shot
 * would count as expired and never fire, and the guest's tick would stop.
 */
static void apic_timer_rearm_from(Apic *s, int64_t now)
{
    int64_t when;
    if (!s->timer)
        return;
    if (apic_timer_mode(s) == APIC_TIMER_TSCDL)
        when = s->tsc_deadline
               ? apic_tsc_deadline_ns(s->tsc_deadline, apic_read_tsc(s, now),
                                      apic_tsc_hz(s), now)
               : -1;
    else
        when = apic_timer_next_expiry(s->timer_initial,
                                      apic_timer_divisor(s->timer_dcr),
                                      apic_timer_mode(s) == APIC_TIMER_PERIODIC,
                                      s->timer_start, now);
    if (when < 0)
        timer_del(s->timer);
    else
        timer_mod(s->timer, when);
}

void apic_timer_rearm(Apic *s)
{
    apic_timer_rearm_from(s, apic_now(s));
}

void apic_timer_expired(void *opaque)
{
    Apic *s = opaque;
    int64_t now = apic_now(s);
    uint32_t mode = apic_timer_mode(s);

    if (mode == APIC_TIMER_TSCDL) {
        if (!s->tsc_deadline || apic_read_tsc(s, now) < s->tsc_deadline) {
            apic_timer_rearm(s);        /* early (clock skew) or disarmed */
            return;
        }
        s->tsc_deadline = 0;
        apic_mirror_msrs(s);
    } else if (s->timer_initial == 0) {
        return;
    }
    /* Masked: the count still runs out, only the interrupt is suppressed. */
    apic_lvt_deliver(s, APIC_LVT_TIMER);
    if (mode == APIC_TIMER_PERIODIC)
        apic_timer_rearm(s);
}

/* ------------------------------------------------------------------------ */
/* Registers */

static void apic_send_ipi(Apic *s)
{
    uint32_t lo = s->icr_lo;
    unsigned delivery = (lo >> 8) & 7;
    unsigned shorthand = (lo >> 18) & 3;
    ApicMsg msg = {
        .dest = apic_x2apic_mode(s) ? s->icr_hi : s->icr_hi >> 24,
        .dest32 = apic_x2apic_mode(s),
        .dest_logical = (lo >> 11) & 1,
        .delivery = (uint8_t)delivery,
        .vector = lo & 0xff,
        .level = (lo >> 15) & 1,
    };

    /* INIT level de-assert only re-synchronised arbitration IDs on the
     * P6 bus; there is nothing to do. */
    if (delivery == APIC_DM_INIT && (lo & (1u << 15)) && !(lo & (1u << 14)))
        return;
    if ((delivery == APIC_DM_FIXED || delivery == APIC_DM_LOWEST) && msg.vector < 16) {
        apic_error(s, APIC_ESR_SEND_ILLEGAL);
        return;
    }
    if (delivery == APIC_DM_EXTINT || delivery == 3) {
        log_mask_printf(LOG_GUEST, "apic %u: IPI with delivery mode %u\n",
                        s->id, delivery);
        return;
    }
    msg.level = msg.level && delivery == APIC_DM_FIXED;
    switch (shorthand) {
    case 0:
        apic_bus_deliver(s->bus, &msg);
        break;
    case 1:                                     /* self */
        apic_deliver_local(s, &msg);
        break;
    case 2:                                     /* all including self */
    case 3:                                     /* all excluding self */
        for (int i = 0; i < s->bus->nr; i++) {
            Apic *t = s->bus->apic[i];
            if (t && (shorthand == 2 || t != s))
                apic_deliver_local(t, &msg);
        }
        break;
    }
}

static void apic_write_svr(Apic *s, uint32_t val)
{
    s->svr = val & 0x3ff;
    if (!(s->svr & APIC_SVR_ENABLE)) {
        /* Software disable masks every LVT entry (SDM 10.4.7.2). */
        for (int i = 0; i < APIC_LVT_NR; i++)
            s->lvt[i] |= APIC_LVT_MASKED;
    }
    apic_update_irq(s);
}

static void apic_write_lvt(Apic *s, int idx, uint32_t val)
{
    uint32_t old = s->lvt[idx];
    uint32_t mask = lvt_write_mask[idx];
    if (idx == APIC_LVT_TIMER && !s->bus->cfg.tsc_deadline)
        mask &= ~(2u << 17);
    uint32_t v = (val & mask) | (old & ~mask & APIC_LVT_REMOTE_IRR);
    if (!(s->svr & APIC_SVR_ENABLE))
        v |= APIC_LVT_MASKED;
    s->lvt[idx] = v;

    if (idx == APIC_LVT_TIMER && ((old ^ v) & APIC_TIMER_MODE)) {
        /* A mode switch disarms the timer (SDM 10.5.4.1). */
        s->timer_initial = 0;
        s->tsc_deadline = 0;
        apic_mirror_msrs(s);
        if (s->timer)
            timer_del(s->timer);
    }
    if (idx == APIC_LVT_LINT0 || idx == APIC_LVT_LINT1) {
        int n = idx == APIC_LVT_LINT1;
        if ((v & APIC_LVT_LEVEL) && s->lint_level[n] && ((v >> 8) & 7) == APIC_DM_FIXED)
            apic_lvt_deliver(s, idx);
    }
    apic_update_irq(s);
}

int apic_reg_read(Apic *s, unsigned index, bool x2, uint64_t *val)
{
    uint32_t v = 0;
    if (index >= 0x40)
        return -1;
    switch (index) {
    case REG_ID:    v = x2 ? s->id : s->id << 24; break;
    case REG_VER:   v = APIC_VERSION | ((APIC_LVT_NR - 1) << 16); break;
    case REG_TPR:   v = s->tpr; break;
    case REG_APR:   if (x2) return -1; v = apic_apr(s); break;
    case REG_PPR:   v = apic_ppr(s); break;
    case REG_EOI:   if (x2) return -1; break;
    case REG_RRD:   if (x2) return -1; break;
    case REG_LDR:   v = apic_ldr(s); break;
    case REG_DFR:   if (x2) return -1; v = s->dfr; break;
    case REG_SVR:   v = s->svr; break;
    case REG_ESR:   v = s->esr; break;
    case REG_ICR_LO:
        if (x2) {
            *val = ((uint64_t)s->icr_hi << 32) | s->icr_lo;
            return 0;
        }
        v = s->icr_lo;
        break;
    case REG_ICR_HI: if (x2) return -1; v = s->icr_hi; break;
    case REG_TIMER_ICR: v = s->timer_initial; break;
    case REG_TIMER_CCR:
        if (apic_timer_mode(s) != APIC_TIMER_TSCDL)
            v = apic_timer_count_at(s->timer_initial, apic_timer_divisor(s->timer_dcr),
                                    apic_timer_mode(s) == APIC_TIMER_PERIODIC,
                                    s->timer_start, apic_now(s));
        break;
    case REG_TIMER_DCR: v = s->timer_dcr; break;
    default:
        if (index >= REG_ISR && index < REG_ISR + 8)
            v = s->isr[index - REG_ISR];
        else if (index >= REG_TMR && index < REG_TMR + 8)
            v = s->tmr[index - REG_TMR];
        else if (index >= REG_IRR && index < REG_IRR + 8)
            v = s->irr[index - REG_IRR];
        else if (index >= REG_LVT && index < REG_LVT + APIC_LVT_NR)
            v = s->lvt[index - REG_LVT];
        else
            return -1;
        break;
    }
    *val = v;
    return 0;
}

int apic_reg_write(Apic *s, unsigned index, bool x2, uint64_t val64)
{
    uint32_t val = (uint32_t)val64;
    if (index >= 0x40)
        return -1;
    switch (index) {
    case REG_ID:
        if (x2)
            return -1;          /* x2APIC ID is read-only */
        s->id = val >> 24;
        break;
    case REG_TPR:
        s->tpr = val & 0xff;
        apic_update_irq(s);
        break;
    case REG_EOI:
        if (x2 && val)
            return -1;
        apic_eoi(s);
        break;
    case REG_LDR:
        if (x2)
            return -1;
        s->ldr = val & 0xff000000u;
        break;
    case REG_DFR:
        if (x2)
            return -1;
        s->dfr = val | 0x0fffffffu;
        break;
    case REG_SVR:
        apic_write_svr(s, val);
        break;
    case REG_ESR:
        if (x2 && val)
            return -1;
        /* A write latches the errors since the last one into ESR. */
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case REG_ICR_LO:
        if (x2)
            s->icr_hi = (uint32_t)(val64 >> 32);
        s->icr_lo = val & ~(1u << 12);  /* delivery status: always idle */
        apic_send_ipi(s);
        break;
    case REG_ICR_HI:
        if (x2)
            return -1;
        s->icr_hi = val & 0xff000000u;
        break;
    case REG_TIMER_ICR:
        if (apic_timer_mode(s) == APIC_TIMER_TSCDL)
            break;              /* ignored in TSC-deadline mode */
        s->timer_initial = val;
        s->timer_start = apic_now(s);
        apic_timer_rearm_from(s, s->timer_start);
        break;
    case REG_TIMER_DCR:
        s->timer_dcr = val & 0xb;
        if (s->timer && timer_pending(s->timer))
            apic_timer_rearm(s);
        break;
    case REG_SELF_IPI:
        if (!x2)
            return -1;
        apic_accept_fixed(s, val & 0xff, false);
        break;
    case REG_VER: case REG_APR: case REG_PPR: case REG_RRD: case REG_TIMER_CCR:
        return x2 ? -1 : 0;     /* read-only: xAPIC ignores the write */
    default:
        if (index >= REG_LVT && index < REG_LVT + APIC_LVT_NR) {
            apic_write_lvt(s, (int)(index - REG_LVT), val);
            break;
        }
        if (index >= REG_ISR && index < REG_IRR + 8)
            return x2 ? -1 : 0;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* MMIO: the xAPIC page of the calling vCPU, or an MSI */

static Apic *apic_of_current(ApicBus *bus)
{
    Vcpu *cpu = vcpu_current();
    if (cpu)
        return cpu->apic;
    /* No vCPU (monitor, gdb stub): show the BSP's registers. */
    return bus->nr ? bus->apic[0] : NULL;
}

static uint64_t apic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    ApicBus *bus = opaque;
    Apic *s = apic_of_current(bus);
    uint64_t phys = bus->mmio_base + addr, val = 0;

    if (!s || !apic_hw_enabled(s) || apic_x2apic_mode(s) ||
        (phys & ~0xfffull) != (s->apicbase & APIC_BASE_ADDR))
        return 0xffffffffu;     /* not this CPU's APIC page: nothing there */
    if ((addr & 0xf) || apic_reg_read(s, (addr & 0xfff) >> 4, false, &val) < 0) {
        apic_error(s, APIC_ESR_ILLEGAL_REG);
        return 0;
    }
    return val;
}

static void apic_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    ApicBus *bus = opaque;
    Vcpu *cpu = vcpu_current();
    uint64_t phys = bus->mmio_base + addr;

    if (!cpu) {
        apic_bus_msi(bus, phys, (uint32_t)val);
        return;
    }
    Apic *s = cpu->apic;
    if (!s || !apic_hw_enabled(s) || apic_x2apic_mode(s) ||
        (phys & ~0xfffull) != (s->apicbase & APIC_BASE_ADDR))
        return;
    if ((addr & 0xf) || apic_reg_write(s, (addr & 0xfff) >> 4, false, val) < 0)
        apic_error(s, APIC_ESR_ILLEGAL_REG);
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .min_access = 4,
    .max_access = 4,
    .aligned_only = true,
};

/* ------------------------------------------------------------------------ */
/* Reset, snapshots, creation */

/* INIT: everything but the ID and IA32_APIC_BASE (SDM 10.4.7.3). */
void apic_init_reset(Apic *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    for (int i = 0; i < APIC_LVT_NR; i++)
        s->lvt[i] = APIC_LVT_MASKED;
    s->timer_initial = 0;
    s->timer_dcr = 0;
    s->timer_start = 0;
    s->tsc_deadline = 0;
    s->extint_pending = false;
    if (s->timer)
        timer_del(s->timer);
    apic_mirror_msrs(s);
    apic_update_irq(s);
}

void apic_reset(Apic *s)
{
    int index = s->cpu ? s->cpu->index : 0;
    s->id = (uint32_t)index;
    s->apicbase = APIC_DEFAULT_BASE | APIC_BASE_EN | (index == 0 ? APIC_BASE_BSP : 0);
    apic_init_reset(s);
    if (s->bus->mapped && s->bus->mmio_base != APIC_DEFAULT_BASE) {
        s->bus->mmio_base = APIC_DEFAULT_BASE;
        mr_set_address(&s->bus->mmio, APIC_DEFAULT_BASE);
    }
}

static void apic_dev_reset(Device *dev)
{
    apic_reset((Apic *)dev);
}

static void apic_dev_destroy(Device *dev)
{
    Apic *s = (Apic *)dev;
    for (int i = 0; i < s->bus->nr; i++)
        if (s->bus->apic[i] == s)
            s->bus->apic[i] = NULL;
    if (s->cpu && s->cpu->apic == s) {
        s->cpu->apic = NULL;
        s->cpu->apic_msr_read = NULL;
        s->cpu->apic_msr_write = NULL;
        s->cpu->apic_set_cr8 = NULL;
        s->cpu->apic_get_cr8 = NULL;
    }
    if (s->timer)
        timer_free(s->timer);
    free(s);
}

static int apic_post_load(void *obj, Error *err)
{
    Apic *s = obj;
    for (int i = 0; i < APIC_LVT_NR; i++)
        s->lvt[i] &= lvt_write_mask[i] | APIC_LVT_REMOTE_IRR;
    s->timer_dcr &= 0xb;
    s->lint_level[0] = s->lint_level[0] != 0;
    s->lint_level[1] = s->lint_level[1] != 0;
    apic_mirror_msrs(s);
    apic_relocate(s);
    apic_update_irq(s);
    return 0;
}

static const StateField apic_fields[] = {
    STATE_U64(Apic, apicbase),
    STATE_U32(Apic, id), STATE_U32(Apic, tpr), STATE_U32(Apic, ldr),
    STATE_U32(Apic, dfr), STATE_U32(Apic, svr), STATE_U32(Apic, esr),
    STATE_U32(Apic, esr_pending), STATE_U32(Apic, icr_lo), STATE_U32(Apic, icr_hi),
    STATE_U32_ARRAY(Apic, isr, 8), STATE_U32_ARRAY(Apic, tmr, 8),
    STATE_U32_ARRAY(Apic, irr, 8), STATE_U32_ARRAY(Apic, lvt, APIC_LVT_NR),
    STATE_U32(Apic, timer_initial), STATE_U32(Apic, timer_dcr),
    STATE_I64(Apic, timer_start), STATE_U64(Apic, tsc_deadline),
    STATE_TIMER(Apic, timer),
    STATE_U8_ARRAY(Apic, lint_level, 2),
    STATE_BOOL(Apic, extint_pending),
    STATE_END
};
static const StateDesc apic_state = { "apic", 1, apic_fields, apic_post_load };

Apic *apic_create(Machine *m, ApicBus *bus, Vcpu *cpu)
{
    Apic *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->cpu = cpu;
    s->bus = bus;
    s->timer = timer_new(CLK_VIRTUAL, apic_timer_expired, s);
    if (bus->nr < MACHINE_MAX_CPUS)
        bus->apic[bus->nr++] = s;
    if (cpu) {
        cpu->apic = s;
        cpu->apic_msr_read = apic_msr_read;
        cpu->apic_msr_write = apic_msr_write;
        cpu->apic_set_cr8 = apic_set_cr8;
        cpu->apic_get_cr8 = apic_get_cr8;
    }
    apic_reset(s);
    if (m) {
        char id[16];
        snprintf(id, sizeof(id), "apic%d", cpu ? cpu->index : 0);
        device_attach(m, &s->dev, id, apic_dev_reset, apic_dev_destroy, &apic_state);
    }
    return s;
}

void apic_bus_init(ApicBus *bus, Machine *m, const ApicBusConfig *cfg)
{
    memset(bus, 0, sizeof(*bus));
    if (cfg)
        bus->cfg = *cfg;
    bus->mmio_base = APIC_DEFAULT_BASE;
    mr_init_io(&bus->mmio, "apic", &apic_mmio_ops, bus, APIC_MSI_WINDOW);
    if (m) {
        /* Above RAM and the PCI hole's other MMIO: the APIC always wins. */
        mr_add_subregion_overlap(&m->sysmem, APIC_DEFAULT_BASE, &bus->mmio, 10);
        bus->mapped = true;
    }
}

void apic_bus_cleanup(ApicBus *bus)
{
    mr_destroy(&bus->mmio);
    bus->mapped = false;
}

/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of each vCPU, and the APIC "bus" that connects them to each
 * other, to the IOAPIC and to MSIs.
 *
 * One Apic per Vcpu. Its registers are reached three ways: the xAPIC MMIO
 * page (one region for the whole machine; the handler picks the APIC of the
 * vCPU making the access with vcpu_current(), since every CPU sees its own
 * APIC at the same address), the x2APIC MSRs 0x800-0x8ff, and CR8. The CPU
 * core reaches the MSRs and CR8 through the hooks in softmmu/vcpu.h that
 * pc_irq_init() fills in, so nothing in cpu/ includes this file.
 *
 * The CPU takes interrupts with apic_irq_ack() (the Vcpu's irq_ack hook):
 * ExtINT (the 8259 through LINT0 in virtual-wire mode, or an IOAPIC ExtINT
 * message) first, then the highest IRR vector above the processor priority.
 * CPU_INTERRUPT_HARD is kept equal to "apic_irq_ack would return a vector".
 *
 * Time: the timer counts on CLK_VIRTUAL at APIC_TIMER_HZ before the divider;
 * the count at any time is a pure function of (initial count, divisor, start
 * time, now), apic_timer_count_at(), so tests need no sleeping.
 *
 * Everything runs with the big lock held; the CPU hooks take it themselves
 * when their caller does not hold it.
 */
#ifndef TANDEM_HW_INTC_APIC_H
#define TANDEM_HW_INTC_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"
#include "softmmu/memory.h"

typedef struct Vcpu Vcpu;
typedef struct Apic Apic;

#define APIC_DEFAULT_BASE  0xfee00000ull
#define APIC_MSI_WINDOW    0x100000ull       /* 0xfee00000..0xfeefffff */
#define APIC_TIMER_HZ      1000000000ll      /* bus clock before the divider */

/* IA32_APIC_BASE bits */
#define APIC_BASE_BSP      (1ull << 8)
#define APIC_BASE_EXTD     (1ull << 10)      /* x2APIC mode */
#define APIC_BASE_EN       (1ull << 11)      /* hardware enable */
#define APIC_BASE_ADDR     0x000ffffffffff000ull

#define MSR_IA32_APIC_BASE     0x1b
#define MSR_IA32_TSC_DEADLINE  0x6e0
#define MSR_X2APIC_FIRST       0x800
#define MSR_X2APIC_LAST        0x8ff

/* Delivery modes (ICR, LVT, IOAPIC redirection entries, MSI data). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_SIPI = 6,
    APIC_DM_EXTINT = 7,
};

/* The LVT entries this APIC has, in register order from 0x320. */
enum {
    APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
    APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
    APIC_LVT_NR
};
#define APIC_LVT_MASKED     (1u << 16)
#define APIC_LVT_LEVEL      (1u << 15)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_TIMER_ONESHOT  (0u << 17)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_TSCDL    (2u << 17)
#define APIC_TIMER_MODE     (3u << 17)

/* ESR bits */
#define APIC_ESR_SEND_ILLEGAL  (1u << 5)
#define APIC_ESR_RECV_ILLEGAL  (1u << 6)
#define APIC_ESR_ILLEGAL_REG   (1u << 7)

/* An interrupt message: from an IPI, the IOAPIC or an MSI. */
typedef struct ApicMsg {
    uint32_t dest;          /* APIC ID, or logical destination */
    bool dest_logical;
    bool dest32;            /* x2APIC format (32-bit); else 8-bit */
    uint8_t delivery;       /* APIC_DM_* */
    uint8_t vector;
    bool level;             /* level-triggered: sets TMR, EOI is broadcast */
} ApicMsg;

typedef struct ApicBusConfig {
    bool x2apic;            /* CPUID advertises x2APIC */
    bool tsc_deadline;      /* CPUID advertises the TSC-deadline timer */
    uint64_t tsc_hz;        /* guest TSC frequency (0: 1 GHz) */
    /* Guest TSC of cpu at CLK_VIRTUAL time now_ns; NULL: now_ns scaled to
     * tsc_hz plus state.msr.tsc_offset. The CPU core may provide its own. */
    uint64_t (*read_tsc)(Vcpu *cpu, int64_t now_ns);
    /* Source of time; NULL is clock_get_ns(CLK_VIRTUAL). Tests set a fake. */
    int64_t (*clock_ns)(void);
} ApicBusConfig;

typedef struct ApicBus {
    ApicBusConfig cfg;
    int nr;
    Apic *apic[MACHINE_MAX_CPUS];
    /* EOI of a level-triggered vector, broadcast to the IOAPIC. */
    void (*eoi)(void *opaque, uint8_t vector);
    void *eoi_opaque;
    /* The 8259's interrupt acknowledge, for ExtINT. */
    int (*extint_ack)(void *opaque);
    void *extint_opaque;
    MemoryRegion mmio;      /* the xAPIC page and the MSI window */
    uint64_t mmio_base;
    bool mapped;
} ApicBus;

struct Apic {
    Device dev;
    Vcpu *cpu;
    ApicBus *bus;
    uint64_t apicbase;      /* IA32_APIC_BASE (mirrored to cpu->state.msr) */
    uint32_t id;
    uint32_t tpr, ldr, dfr, svr;
    uint32_t esr;           /* as last latched by a write to ESR */
    uint32_t esr_pending;   /* errors since */
    uint32_t icr_lo, icr_hi;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t lvt[APIC_LVT_NR];
    uint32_t timer_initial, timer_dcr;
    int64_t timer_start;    /* clock time the count was loaded */
    uint64_t tsc_deadline;
    Timer *timer;
    uint8_t lint_level[2];
    bool extint_pending;    /* an ExtINT message waits for INTA */
};

/* The bus: map the MMIO window into m->sysmem (m may be NULL in tests). */
void apic_bus_init(ApicBus *bus, Machine *m, const ApicBusConfig *cfg);
void apic_bus_cleanup(ApicBus *bus);
/* Deliver a message to every APIC it addresses (no shorthands). */
void apic_bus_deliver(ApicBus *bus, const ApicMsg *msg);
/* An MSI: a 32-bit write of data to addr in the 0xfee00000 window. Device
 * models signal MSIs with this, not with a memory write: the MMIO region
 * cannot tell a vCPU's own APIC access from DMA made on its thread. */
void apic_bus_msi(ApicBus *bus, uint64_t addr, uint32_t data);
/*
 * The MSI format (SDM vol. 3 "Message Signalled Interrupts"): the address
 * 0xfee00000 | destination << 12 | logical << 2, the data vector | delivery
 * mode << 8 | level-triggered << 15 (with assert, bit 14). Decoding reads
 * an 8-bit destination and ignores the window check (apic_bus_msi's).
 */
ApicMsg apic_msi_decode(uint64_t addr, uint32_t data);
void apic_msi_encode(const ApicMsg *msg, uint64_t *addr, uint32_t *data);

/* Create the APIC of cpu, join bus, attach to m for reset and snapshots. */
Apic *apic_create(Machine *m, ApicBus *bus, Vcpu *cpu);
void apic_reset(Apic *s);

/* LINT0/LINT1 input pins (IrqHandler; opaque is the Apic, n is 0 or 1). */
void apic_set_lint(void *opaque, int n, int level);

/* The Vcpu's irq_ack: a vector, or -1 if nothing deliverable remains. */
int apic_irq_ack(Vcpu *cpu);

/* CPU hooks (see softmmu/vcpu.h): 0 on success, -1 means #GP. */
int apic_msr_read(Vcpu *cpu, uint32_t msr, uint64_t *val);
int apic_msr_write(Vcpu *cpu, uint32_t msr, uint64_t val);
void apic_set_cr8(Vcpu *cpu, uint64_t val);
uint64_t apic_get_cr8(Vcpu *cpu);

/* Register access by index (offset >> 4), for MMIO and x2APIC alike;
 * x2apic selects that mode's rules. 0 on success, -1 for an invalid
 * access (#GP for an MSR, ESR "illegal register" for MMIO). */
int apic_reg_read(Apic *s, unsigned index, bool x2apic, uint64_t *val);
int apic_reg_write(Apic *s, unsigned index, bool x2apic, uint64_t val);

/* Processor priority, as the PPR register reads. */
uint32_t apic_ppr(const Apic *s);

/* Timer arithmetic, pure. divisor from the DCR value; count of a timer
 * loaded with initial at start_ns, read at now_ns; absolute time of the
 * next expiry after now_ns (-1: none, a one-shot that already expired). */
unsigned apic_timer_divisor(uint32_t dcr);
uint32_t apic_timer_count_at(uint32_t initial, unsigned divisor, bool periodic,
                             int64_t start_ns, int64_t now_ns);
int64_t apic_timer_next_expiry(uint32_t initial, unsigned divisor, bool periodic,
                               int64_t start_ns, int64_t now_ns);
/* CLK_VIRTUAL time at which the guest TSC reaches deadline. */
int64_t apic_tsc_deadline_ns(uint64_t deadline, uint64_t tsc_now, uint64_t tsc_hz,
                             int64_t now_ns);
/* The timer callback (exported so tests can fire it at a time they chose). */
void apic_timer_expired(void *opaque);

#endif

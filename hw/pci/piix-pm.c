/* SPDX-License-Identifier: MIT */
/*
 * The PIIX4 ACPI power-management function (82371AB function 3, 8086:7113).
 *
 * Firmware programs PMBASE (config 0x40) and sets PMIOSE (config 0x80 bit
 * 0); from then on a 64-byte I/O block at PMBASE holds the ACPI fixed
 * hardware: PM1a status/enable (+0), PM1a control (+4), the PM timer (+8)
 * and GPE0 status/enable (+0x0c). The rest of the block (processor and
 * global control) reads back what was written and does nothing.
 *
 * The PM timer is a pure function of CLK_VIRTUAL: ticks = ns * 3.579545 MHz,
 * 24 bits. Nothing counts; a read computes. TMROF_STS (bit 23 toggled) is
 * folded in lazily from the time of the next toggle not yet reported
 * (tmr_ovf_ns), whenever the status is looked at; a timer is armed only
 * while TMROF_EN asks for an SCI at that moment.
 *
 * The SCI (a level on ISA IRQ 9) is SCI_EN && (PM1 STS & EN, or GPE0 STS &
 * EN), recomputed after every change. With SCI_EN clear the PIIX4 would
 * signal SMI instead; tandem has no SMM, so those events are only latched.
 * For the same reason the APM control port 0xb2 plays the firmware's SMI
 * handler for the two commands ACPI defines (enable/disable ACPI mode), and
 * DEVACTB's APMC_EN starts set, telling firmware that SMM setup is done.
 *
 * Writing SUS_EN with SUS_TYP 0 (soft-off) asks the machine to shut down
 * with status 0: this is how `poweroff` ends tandem.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/pci/piix.h"
#include "softmmu/log.h"
#include "softmmu/main-loop.h"

#define PIIX_PM_TMR_TOGGLE  (1ull << 23)     /* TMROF: timer bit 23 toggles */
#define PIIX_PM_APMC_EN     0x02             /* DEVACTB bit 25, in byte 0x5b */

struct PIIXPMState {
    PCIDevice pci;              /* first: function 3 of the PIIX */
    Machine *machine;
    IrqLine *sci;
    MemoryRegion io;            /* PIIX_PM_IO_SIZE bytes at PMBASE */
    MemoryRegion apm_io;        /* 0xb2-0xb3 */
    int64_t (*clock_ns)(void);
    Timer *tmr_timer;           /* armed while TMROF_EN */

    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe_sts, gpe_en;
    uint8_t apmc, apms;
    uint8_t regs[PIIX_PM_IO_SIZE];  /* the read-back part of the block */
    int64_t tmr_ovf_ns;         /* next bit-23 toggle not yet in TMROF_STS */
};

uint32_t piix_pm_timer_at(int64_t ns)
{
    if (ns < 0)
        ns = 0;
    unsigned __int128 t = (unsigned __int128)ns * PIIX_PM_TIMER_HZ / NS_PER_SEC;
    return (uint32_t)(t & PIIX_PM_TIMER_MASK);
}

int64_t piix_pm_timer_next_overflow(int64_t ns)
{
    if (ns < 0)
        ns = 0;
    unsigned __int128 ticks = (unsigned __int128)ns * PIIX_PM_TIMER_HZ / NS_PER_SEC;
    unsigned __int128 next = (ticks / PIIX_PM_TMR_TOGGLE + 1) * PIIX_PM_TMR_TOGGLE;
    /* The first ns whose tick count reaches next: round up. */
    unsigned __int128 t = (next * NS_PER_SEC + PIIX_PM_TIMER_HZ - 1) / PIIX_PM_TIMER_HZ;
    return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

static int64_t piix_pm_clock_virtual(void)
{
    return clock_get_ns(CLK_VIRTUAL);
}

void piix_pm_set_clock(PIIXPMState *pm, int64_t (*clock_ns)(void))
{
    pm->clock_ns = clock_ns ? clock_ns : piix_pm_clock_virtual;
    pm->tmr_ovf_ns = piix_pm_timer_next_overflow(pm->clock_ns());
}

/* ------------------------------------------------------------------ */
/* Events and the SCI                                                 */

static void piix_pm_fold_tmrof(PIIXPMState *s, int64_t now)
{
    if (now >= s->tmr_ovf_ns) {
        s->pm1_sts |= PIIX_PM1_TMROF;
        s->tmr_ovf_ns = piix_pm_timer_next_overflow(now);
    }
}

static void piix_pm_update_sci(PIIXPMState *s)
{
    bool pending = (s->pm1_sts & s->pm1_en & PIIX_PM1_EN_MASK) ||
                   (s->gpe_sts & s->gpe_en);
    irq_set(s->sci, (s->pm1_cnt & PIIX_PM1_CNT_SCI_EN) && pending);
}

static void piix_pm_arm_timer(PIIXPMState *s)
{
    if (!s->tmr_timer)
        return;
    if (s->pm1_en & PIIX_PM1_TMROF)
        timer_mod(s->tmr_timer, s->tmr_ovf_ns);
    else
        timer_del(s->tmr_timer);
}

static void piix_pm_tmr_cb(void *opaque)
{
    PIIXPMState *s = opaque;
    piix_pm_fold_tmrof(s, s->clock_ns());
    piix_pm_update_sci(s);
    piix_pm_arm_timer(s);
}

void piix_pm_power_button(PIIXPMState *pm)
{
    pm->pm1_sts |= PIIX_PM1_PWRBTN;
    piix_pm_update_sci(pm);
}

void piix_pm_gpe_raise(PIIXPMState *pm, unsigned bit)
{
    if (bit >= 16)
        return;
    pm->gpe_sts |= (uint16_t)(1u << bit);
    piix_pm_update_sci(pm);
}

static void piix_pm_sleep(PIIXPMState *s, unsigned typ)
{
    switch (typ) {
    case PIIX_SUS_TYP_SOFT_OFF:
        log_mask_printf(LOG_GUEST, "piix-pm: soft-off (S5) requested\n");
        machine_request_shutdown(s->machine, 0);
        break;
    default:
        /* No suspend states: wake up at once, as after a wake event. */
        log_mask_printf(LOG_UNIMP, "piix-pm: sleep type %u not supported, "
                        "resuming\n", typ);
        s->pm1_sts |= PIIX_PM1_WAK_STS;
        break;
    }
}

/* ------------------------------------------------------------------ */
/* The PM I/O block                                                   */

static uint8_t piix_pm_read_byte(PIIXPMState *s, unsigned off, uint32_t tmr)
{
    unsigned sh = 8 * (off & 1);
    switch (off) {
    case PIIX_PM_PMSTS: case PIIX_PM_PMSTS + 1:   return (uint8_t)(s->pm1_sts >> sh);
    case PIIX_PM_PMEN: case PIIX_PM_PMEN + 1:     return (uint8_t)(s->pm1_en >> sh);
    case PIIX_PM_PMCNTRL: case PIIX_PM_PMCNTRL + 1: return (uint8_t)(s->pm1_cnt >> sh);
    case PIIX_PM_PMTMR ... PIIX_PM_PMTMR + 3:
        return (uint8_t)(tmr >> (8 * (off - PIIX_PM_PMTMR)));
    case PIIX_PM_GPSTS: case PIIX_PM_GPSTS + 1:   return (uint8_t)(s->gpe_sts >> sh);
    case PIIX_PM_GPEN: case PIIX_PM_GPEN + 1:     return (uint8_t)(s->gpe_en >> sh);
    default:
        return off < PIIX_PM_IO_SIZE ? s->regs[off] : 0xff;
    }
}

static void piix_pm_write_byte(PIIXPMState *s, unsigned off, uint8_t b)
{
    unsigned sh = 8 * (off & 1);
    uint16_t v = (uint16_t)(b << sh);
    uint16_t lane = (uint16_t)(0xff << sh);
    switch (off) {
    case PIIX_PM_PMSTS: case PIIX_PM_PMSTS + 1:
        s->pm1_sts &= (uint16_t)~(v & PIIX_PM1_STS_MASK);
        break;
    case PIIX_PM_PMEN: case PIIX_PM_PMEN + 1:
        s->pm1_en = (uint16_t)((s->pm1_en & ~lane) | (v & PIIX_PM1_EN_MASK));
        piix_pm_arm_timer(s);
        break;
    case PIIX_PM_PMCNTRL: case PIIX_PM_PMCNTRL + 1: {
        /* GBL_RLS and SUS_EN are write-only strobes; they read as 0. */
        uint16_t keep = PIIX_PM1_CNT_SCI_EN | PIIX_PM1_CNT_BRLD_EN_BM |
                        PIIX_PM1_CNT_SUS_TYP;
        s->pm1_cnt = (uint16_t)((s->pm1_cnt & ~lane) | (v & keep));
        if (v & PIIX_PM1_CNT_SUS_EN)
            piix_pm_sleep(s, (s->pm1_cnt & PIIX_PM1_CNT_SUS_TYP) >>
                                 PIIX_PM1_CNT_SUS_TYP_SHIFT);
        break;
    }
    case PIIX_PM_PMTMR ... PIIX_PM_PMTMR + 3:
        break;      /* read-only */
    case PIIX_PM_GPSTS: case PIIX_PM_GPSTS + 1:
        s->gpe_sts &= (uint16_t)~v;
        break;
    case PIIX_PM_GPEN: case PIIX_PM_GPEN + 1:
        s->gpe_en = (uint16_t)((s->gpe_en & ~lane) | v);
        break;
    default:
        if (off < PIIX_PM_IO_SIZE)
            s->regs[off] = b;
        break;
    }
}

static uint64_t piix_pm_io_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIXPMState *s = opaque;
    int64_t now = s->clock_ns();
    uint32_t tmr = piix_pm_timer_at(now);   /* one sample for all bytes */
    uint16_t before = s->pm1_sts;
    piix_pm_fold_tmrof(s, now);
    if (s->pm1_sts != before) {
        /* Only if the timer callback has not run yet (main loop busy). */
        piix_pm_update_sci(s);
        piix_pm_arm_timer(s);
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)piix_pm_read_byte(s, (unsigned)addr + i, tmr) << (8 * i);
    return v;
}

static void piix_pm_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PIIXPMState *s = opaque;
    /* A pending overflow must be latched before a W1C can clear it. */
    piix_pm_fold_tmrof(s, s->clock_ns());
    for (unsigned i = 0; i < size; i++)
        piix_pm_write_byte(s, (unsigned)addr + i, (uint8_t)(val >> (8 * i)));
    piix_pm_update_sci(s);
}

static const MemoryRegionOps piix_pm_io_ops = {
    .read = piix_pm_io_read,
    .write = piix_pm_io_write,
    .min_access = 1,
    .max_access = 4,
    .aligned_only = true,
};

/* APM control (0xb2) and status (0xb3). */
static uint64_t piix_pm_apm_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIXPMState *s = opaque;
    return addr == 0 ? s->apmc : s->apms;
}

static void piix_pm_apm_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PIIXPMState *s = opaque;
    if (addr != 0) {
        s->apms = (uint8_t)val;
        return;
    }
    s->apmc = (uint8_t)val;
    if (s->apmc == PIIX_APM_ACPI_ENABLE)
        s->pm1_cnt |= PIIX_PM1_CNT_SCI_EN;
    else if (s->apmc == PIIX_APM_ACPI_DISABLE)
        s->pm1_cnt &= (uint16_t)~PIIX_PM1_CNT_SCI_EN;
    piix_pm_update_sci(s);
}

static const MemoryRegionOps piix_pm_apm_ops = {
    .read = piix_pm_apm_read,
    .write = piix_pm_apm_write,
    .min_access = 1,
    .max_access = 1,
};

/* ------------------------------------------------------------------ */
/* Config space                                                       */

static void piix_pm_update_io(PIIXPMState *s)
{
    uint16_t base = pci_get_word(s->pci.config + PIIX_PM_PMBA) & 0xffc0;
    bool on = (s->pci.config[PIIX_PM_PMREGMISC] & 1) && base != 0;
    mr_transaction_begin();
    if (on)
        mr_set_address(&s->io, base);
    mr_set_enabled(&s->io, on);
    mr_transaction_commit();
}

static void piix_pm_config_write(PCIDevice *d, unsigned addr, uint32_t val,
                                 unsigned len)
{
    if ((addr < PIIX_PM_PMBA + 4 && addr + len > PIIX_PM_PMBA) ||
        (addr <= PIIX_PM_PMREGMISC && addr + len > PIIX_PM_PMREGMISC))
        piix_pm_update_io((PIIXPMState *)d);
}

void piix_pm_set_base(PIIXPMState *pm, uint16_t base)
{
    pci_config_write(&pm->pci, PIIX_PM_PMBA, (uint32_t)base | 1, 4);
    pci_config_write(&pm->pci, PIIX_PM_PMREGMISC, 1, 1);
}

static void piix_pm_reset(Device *dev)
{
    PIIXPMState *s = (PIIXPMState *)dev;
    pci_device_reset(&s->pci);
    s->pci.config[PIIX_PM_PMBA] = 0x01;         /* I/O space indicator */
    s->pci.config[PIIX_PM_SMBBA] = 0x01;
    s->pci.config[PIIX_PM_DEVACTB + 3] = PIIX_PM_APMC_EN;
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    s->gpe_sts = s->gpe_en = 0;
    s->apmc = s->apms = 0;
    memset(s->regs, 0, sizeof(s->regs));
    s->tmr_ovf_ns = piix_pm_timer_next_overflow(s->clock_ns());
    piix_pm_arm_timer(s);
    piix_pm_update_io(s);
    piix_pm_update_sci(s);
}

static int piix_pm_post_load(void *obj, Error *err)
{
    PIIXPMState *s = obj;
    s->pm1_sts &= PIIX_PM1_STS_MASK;
    s->pm1_en &= PIIX_PM1_EN_MASK;
    piix_pm_update_io(s);
    piix_pm_update_sci(s);
    return 0;
}

static const StateField piix_pm_fields[] = {
    STATE_STRUCT(PIIXPMState, pci, pci_device_state),
    STATE_U16(PIIXPMState, pm1_sts),
    STATE_U16(PIIXPMState, pm1_en),
    STATE_U16(PIIXPMState, pm1_cnt),
    STATE_U16(PIIXPMState, gpe_sts),
    STATE_U16(PIIXPMState, gpe_en),
    STATE_U8(PIIXPMState, apmc),
    STATE_U8(PIIXPMState, apms),
    STATE_BYTES(PIIXPMState, regs),
    STATE_I64(PIIXPMState, tmr_ovf_ns),
    STATE_TIMER(PIIXPMState, tmr_timer),
    STATE_END
};

static const StateDesc piix_pm_state = {
    "piix4-pm", 1, piix_pm_fields, piix_pm_post_load,
};

static void piix_pm_destroy(Device *dev)
{
    PIIXPMState *s = (PIIXPMState *)dev;
    pci_device_unregister(&s->pci);
    mr_destroy(&s->io);
    mr_destroy(&s->apm_io);
    if (s->tmr_timer)
        timer_free(s->tmr_timer);
    free(s);
}

PIIXPMState *piix_pm_create(Machine *m, PCIBus *bus, int devfn, IrqLine *sci,
                            Error *err)
{
    PIIXPMState *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setf(err, "piix-pm: out of memory");
        return NULL;
    }
    s->machine = m;
    s->sci = sci;
    s->clock_ns = piix_pm_clock_virtual;
    if (pci_device_register(bus, &s->pci, devfn, "piix4-pm", err) < 0) {
        free(s);
        return NULL;
    }
    /* 82371AB function 3: class 06.80 (other bridge), revision 03. */
    pci_config_set_ids(&s->pci, PIIX_VENDOR_ID, PIIX4_PM_DEVICE_ID, 0x03, 0x068000, 0);
    pci_config_set_interrupt_pin(&s->pci, 1);
    for (unsigned a = 0x44; a < PCI_CONFIG_SPACE_SIZE; a++)
        s->pci.wmask[a] = 0xff;
    s->pci.wmask[PIIX_PM_PMBA] = 0xc0;          /* PMBASE bits 15:6 */
    s->pci.wmask[PIIX_PM_PMBA + 1] = 0xff;
    s->pci.wmask[PIIX_PM_PMREGMISC] = 0x01;
    s->pci.wmask[PIIX_PM_SMBBA] = 0xf0;         /* SMBus base bits 15:4 */
    s->pci.wmask[PIIX_PM_SMBBA + 1] = 0xff;
    s->pci.wmask[PIIX_PM_SMBBA + 2] = 0;
    s->pci.wmask[PIIX_PM_SMBBA + 3] = 0;
    s->pci.config_write = piix_pm_config_write;

    mr_init_io(&s->io, "piix4-pm", &piix_pm_io_ops, s, PIIX_PM_IO_SIZE);
    mr_set_enabled(&s->io, false);
    mr_add_subregion(&m->iomem, 0, &s->io);
    mr_init_io(&s->apm_io, "apm", &piix_pm_apm_ops, s, 2);
    mr_add_subregion(&m->iomem, PIIX_APM_CNT_PORT, &s->apm_io);
    s->tmr_timer = timer_new(CLK_VIRTUAL, piix_pm_tmr_cb, s);

    device_attach(m, &s->pci.dev, "piix4-pm", piix_pm_reset, piix_pm_destroy,
                  &piix_pm_state);
    piix_pm_reset(&s->pci.dev);
    return s;
}

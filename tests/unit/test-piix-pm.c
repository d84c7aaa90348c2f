/* SPDX-License-Identifier: MIT */
/*
 * The PIIX4 power-management function and its neighbours, through the
 * guest's ports: PMBASE programming, the PM timer (a pure function of the
 * clock, driven here by a fake one), PM1 status/enable with W1C, the SCI
 * level, ACPI enable through 0xb2, GPE0, S5 ending the machine, the reset
 * control register at 0xcf9 and port 0x92.
 */
#include <stdatomic.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/unit-machine.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "softmmu/main-loop.h"

const DeviceType *const device_types[] = { NULL };

static int shutdown_calls, reset_calls;

__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    shutdown_calls++;
    if (!atomic_exchange(&m->shutdown_requested, true))
        m->exit_status = status;
}

__attribute__((weak)) void machine_request_reset(Machine *m)
{
    reset_calls++;
    atomic_store(&m->reset_requested, true);
}

static Machine mach;
static I440FXState *hb;
static PIIXPMState *pm;
static PIIXIsaState *isa;
static IrqLine isa_lines[16], a20_line;
static int64_t fake_ns;

static int64_t fake_clock(void)
{
    return fake_ns;
}

static void line_handler(void *opaque, int n, int level)
{
}

#define PM_DEVFN PCI_DEVFN(1, 3)
#define PMBASE 0x600

static int suite_init(void)
{
    Error err = { 0 };
    unit_machine_init(&mach);
    if (unit_machine_add_i440fx_piix(&mach, isa_lines, line_handler, NULL, &hb, &isa) < 0)
        return 1;
    irq_line_init(&a20_line, line_handler, NULL, 0);
    pm = piix_pm_create(&mach, i440fx_bus(hb), PM_DEVFN, piix_isa_sci_irq(isa), &err);
    if (!pm || !piix_port92_create(&mach, &a20_line, &err))
        return 1;
    fake_ns = 1000;
    piix_pm_set_clock(pm, fake_clock);
    return 0;
}

static int suite_clean(void)
{
    unit_machine_destroy(&mach);
    return 0;
}

static uint32_t in(uint16_t port, unsigned size) { return unit_in(&mach, port, size); }
static void out(uint16_t port, unsigned size, uint32_t val) { unit_out(&mach, port, size, val); }

static uint32_t cfg_read(int devfn, unsigned reg, unsigned size)
{
    return unit_pci_cfg_read(&mach, devfn, reg, size);
}

static void cfg_write(int devfn, unsigned reg, unsigned size, uint32_t val)
{
    unit_pci_cfg_write(&mach, devfn, reg, size, val);
}

/* Reset, then program the PM function the way SeaBIOS does. */
static void pm_setup(void)
{
    devices_reset(&mach);
    shutdown_calls = reset_calls = 0;
    atomic_store(&mach.shutdown_requested, false);
    atomic_store(&mach.reset_requested, false);
    mach.exit_status = -1;
    cfg_write(PM_DEVFN, PIIX_PM_PMBA, 4, PMBASE | 1);
    cfg_write(PM_DEVFN, PIIX_PM_PMREGMISC, 1, 1);
}

static void test_pm_config(void)
{
    devices_reset(&mach);
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, 0x00, 4), 0x71138086u);
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, 0x0a, 2), 0x0680);
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, 0x3d, 1), 1);
    /* PMBASE: bits 15:6 writable, bit 0 hardwired to 1. */
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, PIIX_PM_PMBA, 4), 1);
    cfg_write(PM_DEVFN, PIIX_PM_PMBA, 4, 0xffffffffu);
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, PIIX_PM_PMBA, 4), 0xffc1u);
    /* "SMM already set up" for firmware: APMC_EN in DEVACTB. */
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, PIIX_PM_DEVACTB + 3, 1), 0x02);
    /* The PM block appears only once PMIOSE is set. */
    cfg_write(PM_DEVFN, PIIX_PM_PMBA, 4, PMBASE | 1);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 4), 0xffffffffu);
    cfg_write(PM_DEVFN, PIIX_PM_PMREGMISC, 1, 1);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 4), piix_pm_timer_at(fake_ns));
    /* Moving PMBASE moves the block. */
    cfg_write(PM_DEVFN, PIIX_PM_PMBA, 2, 0xb001);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 4), 0xffffffffu);
    CU_ASSERT_EQUAL(in(0xb000 + PIIX_PM_PMTMR, 4), piix_pm_timer_at(fake_ns));
    /* The direct-boot helper does what firmware does. */
    devices_reset(&mach);
    piix_pm_set_base(pm, PIIX_PM_BASE_DEFAULT);
    CU_ASSERT_EQUAL(cfg_read(PM_DEVFN, PIIX_PM_PMBA, 4), 0x601);
    CU_ASSERT_EQUAL(in(PIIX_PM_BASE_DEFAULT + PIIX_PM_PMTMR, 4), piix_pm_timer_at(fake_ns));
}

static void test_pm_timer_function(void)
{
    CU_ASSERT_EQUAL(piix_pm_timer_at(0), 0);
    CU_ASSERT_EQUAL(piix_pm_timer_at(NS_PER_SEC), 3579545u);
    CU_ASSERT_EQUAL(piix_pm_timer_at(NS_PER_SEC / 2), 1789772u);
    CU_ASSERT_EQUAL(piix_pm_timer_at(279), 0);      /* one tick is ~279.4 ns */
    CU_ASSERT_EQUAL(piix_pm_timer_at(280), 1);
    /* 24 bits: wraps after 2^24 ticks (~4.69 s). */
    int64_t wrap = (int64_t)(((unsigned __int128)1 << 24) * NS_PER_SEC / PIIX_PM_TIMER_HZ) + 1;
    CU_ASSERT(piix_pm_timer_at(wrap) < 4);
    CU_ASSERT(piix_pm_timer_at(wrap - 300) > 0xfffff0u);
    /* No overflow of the arithmetic a century into the run. */
    int64_t century = 100ll * 365 * 86400 * NS_PER_SEC;
    unsigned __int128 ticks = (unsigned __int128)century * PIIX_PM_TIMER_HZ / NS_PER_SEC;
    CU_ASSERT_EQUAL(piix_pm_timer_at(century), (uint32_t)ticks & 0xffffff);
    CU_ASSERT_EQUAL(piix_pm_timer_at(-5), 0);
    /* Bit 23 toggles exactly at the computed overflow time. */
    int64_t t = 12345;
    for (int i = 0; i < 4; i++) {
        int64_t next = piix_pm_timer_next_overflow(t);
        CU_ASSERT(next > t);
        CU_ASSERT_NOT_EQUAL(piix_pm_timer_at(next) & 0x800000,
                            piix_pm_timer_at(next - 1) & 0x800000);
        CU_ASSERT_EQUAL(piix_pm_timer_at(next) & 0x7fffff, 0);
        t = next;
    }
    /* Through the port, with the fake clock. */
    pm_setup();
    fake_ns = 2 * NS_PER_SEC;
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 4), 7159090u);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 2), 7159090u & 0xffff);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR + 2, 1), (7159090u >> 16) & 0xff);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR + 3, 1), 0);
    out(PMBASE + PIIX_PM_PMTMR, 4, 0);               /* read-only */
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 4), 7159090u);
    fake_ns += NS_PER_SEC;
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMTMR, 4), 7159090u + 3579545u);
}

static void test_pm1_status_enable_sci(void)
{
    pm_setup();
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    piix_pm_power_button(pm);
    CU_ASSERT(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_PWRBTN);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);                 /* not enabled */
    out(PMBASE + PIIX_PM_PMEN, 2, PIIX_PM1_PWRBTN);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMEN, 2), PIIX_PM1_PWRBTN);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);                 /* SCI_EN still 0 */
    /* The OS switches to ACPI mode through SMI_CMD. */
    out(PIIX_APM_CNT_PORT, 1, PIIX_APM_ACPI_ENABLE);
    CU_ASSERT(in(PMBASE + PIIX_PM_PMCNTRL, 2) & PIIX_PM1_CNT_SCI_EN);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    /* Writing 0 clears nothing; writing 1 clears (W1C). */
    out(PMBASE + PIIX_PM_PMSTS, 2, 0);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    out(PMBASE + PIIX_PM_PMSTS, 2, PIIX_PM1_PWRBTN);
    CU_ASSERT_FALSE(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_PWRBTN);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    /* A byte write to the high half clears the same bit. */
    piix_pm_power_button(pm);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    out(PMBASE + PIIX_PM_PMSTS + 1, 1, PIIX_PM1_PWRBTN >> 8);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    /* Disabling the enable bit drops the SCI with status still set. */
    piix_pm_power_button(pm);
    out(PMBASE + PIIX_PM_PMEN, 2, 0);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    CU_ASSERT(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_PWRBTN);
    /* Reserved enable bits do not stick. */
    out(PMBASE + PIIX_PM_PMEN, 2, 0xffff);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMEN, 2), PIIX_PM1_EN_MASK);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    /* ACPI disable: back to (absent) SMI, SCI drops. */
    out(PIIX_APM_CNT_PORT, 1, PIIX_APM_ACPI_DISABLE);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    CU_ASSERT_EQUAL(in(PIIX_APM_CNT_PORT, 1), PIIX_APM_ACPI_DISABLE);
    out(PIIX_APM_STS_PORT, 1, 0x5a);
    CU_ASSERT_EQUAL(in(PIIX_APM_STS_PORT, 1), 0x5a);
}

static void test_timer_overflow_status(void)
{
    pm_setup();
    fake_ns = 1000;
    piix_pm_set_clock(pm, fake_clock);
    out(PMBASE + PIIX_PM_PMSTS, 2, 0xffff);
    CU_ASSERT_FALSE(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_TMROF);
    out(PMBASE + PIIX_PM_PMCNTRL, 2, PIIX_PM1_CNT_SCI_EN);
    out(PMBASE + PIIX_PM_PMEN, 2, PIIX_PM1_TMROF);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    /* Just before bit 23 toggles: nothing; just after: status and SCI. */
    int64_t ovf = piix_pm_timer_next_overflow(fake_ns);
    fake_ns = ovf - 1;
    CU_ASSERT_FALSE(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_TMROF);
    fake_ns = ovf;
    CU_ASSERT(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_TMROF);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    out(PMBASE + PIIX_PM_PMSTS, 2, PIIX_PM1_TMROF);
    CU_ASSERT_FALSE(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_TMROF);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    /* The next one comes 2^23 ticks later, not at once. */
    fake_ns = ovf + NS_PER_SEC;
    CU_ASSERT_FALSE(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_TMROF);
    fake_ns = ovf + 2400000000ll;           /* > 2^23 / 3.579545 MHz = 2.34 s */
    CU_ASSERT(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_TMROF);
    out(PMBASE + PIIX_PM_PMEN, 2, 0);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
}

static void test_gpe0(void)
{
    pm_setup();
    out(PIIX_APM_CNT_PORT, 1, PIIX_APM_ACPI_ENABLE);
    piix_pm_gpe_raise(pm, 1);
    piix_pm_gpe_raise(pm, 99);              /* out of range: ignored */
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_GPSTS, 2), 0x0002);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    out(PMBASE + PIIX_PM_GPEN, 2, 0x0002);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_GPEN, 2), 0x0002);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    /* GPE0 as one dword (STS low, EN high). */
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_GPSTS, 4), 0x00020002u);
    out(PMBASE + PIIX_PM_GPSTS, 1, 0x02);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_GPSTS, 2), 0);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
}

static void test_sleep_states(void)
{
    pm_setup();
    /* SUS_TYP alone does nothing; SUS_EN reads back as 0. */
    out(PMBASE + PIIX_PM_PMCNTRL, 2, 5 << PIIX_PM1_CNT_SUS_TYP_SHIFT);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMCNTRL, 2), 5 << PIIX_PM1_CNT_SUS_TYP_SHIFT);
    CU_ASSERT_EQUAL(shutdown_calls, 0);
    /* S3 is not supported: the guest wakes at once, the machine stays up. */
    out(PMBASE + PIIX_PM_PMCNTRL, 2, (1 << PIIX_PM1_CNT_SUS_TYP_SHIFT) | PIIX_PM1_CNT_SUS_EN);
    CU_ASSERT_EQUAL(shutdown_calls, 0);
    CU_ASSERT(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_WAK_STS);
    CU_ASSERT_FALSE(in(PMBASE + PIIX_PM_PMCNTRL, 2) & PIIX_PM1_CNT_SUS_EN);
    /* S5 (SUS_TYP 0) powers off with status 0, as `poweroff` expects. */
    out(PMBASE + PIIX_PM_PMCNTRL, 2, PIIX_PM1_CNT_SCI_EN | PIIX_PM1_CNT_SUS_EN);
    CU_ASSERT_EQUAL(shutdown_calls, 1);
    CU_ASSERT_TRUE(atomic_load(&mach.shutdown_requested));
    CU_ASSERT_EQUAL(mach.exit_status, 0);
    CU_ASSERT_EQUAL(reset_calls, 0);
}

static void test_reset_control(void)
{
    pm_setup();
    out(0xcf8, 4, 0x80000800u);
    /* Reset type bits alone do nothing and read back; CONFIG_ADDRESS stays. */
    out(PIIX_RCR_PORT, 1, PIIX_RCR_SRST);
    CU_ASSERT_EQUAL(reset_calls, 0);
    CU_ASSERT_EQUAL(in(PIIX_RCR_PORT, 1), PIIX_RCR_SRST);
    CU_ASSERT_EQUAL(in(0xcf8, 4), 0x80000800u);
    /* RCPU resets (Linux's reboot=pci writes 0x02 then 0x06). */
    out(PIIX_RCR_PORT, 1, PIIX_RCR_SRST | PIIX_RCR_RCPU);
    CU_ASSERT_EQUAL(reset_calls, 1);
    CU_ASSERT_TRUE(atomic_load(&mach.reset_requested));
    CU_ASSERT_EQUAL(in(PIIX_RCR_PORT, 1) & PIIX_RCR_RCPU, 0);
    CU_ASSERT_EQUAL(shutdown_calls, 0);
    /* Other byte/word accesses in 0xcf8-0xcfb neither reset nor latch. */
    out(0xcfa, 2, 0xffff);
    out(0xcfb, 1, 0xff);
    CU_ASSERT_EQUAL(reset_calls, 1);
    CU_ASSERT_EQUAL(in(0xcf8, 4), 0x80000800u);
    devices_reset(&mach);
    CU_ASSERT_EQUAL(in(PIIX_RCR_PORT, 1), 0);
}

static void test_port92(void)
{
    pm_setup();
    CU_ASSERT_EQUAL(in(0x92, 1), 0);
    out(0x92, 1, 0x02);
    CU_ASSERT_EQUAL(a20_line.level, 1);
    CU_ASSERT_EQUAL(in(0x92, 1), 0x02);
    CU_ASSERT_EQUAL(reset_calls, 0);
    out(0x92, 1, 0x00);
    CU_ASSERT_EQUAL(a20_line.level, 0);
    out(0x92, 1, 0x03);
    CU_ASSERT_EQUAL(reset_calls, 1);
    CU_ASSERT_EQUAL(a20_line.level, 1);
    /* Only a 0 -> 1 edge of bit 0 resets. */
    out(0x92, 1, 0x03);
    CU_ASSERT_EQUAL(reset_calls, 1);
    out(0x92, 1, 0xfe);
    CU_ASSERT_EQUAL(in(0x92, 1), 0x02);
}

/* A PCI link the OS routes to IRQ 9 shares the line with the SCI. */
static void test_sci_shares_irq9(void)
{
    PCIDevice *pmdev = (PCIDevice *)pm;     /* INTA of slot 1: PIRQA */
    pm_setup();
    out(PIIX_APM_CNT_PORT, 1, PIIX_APM_ACPI_ENABLE);
    out(PMBASE + PIIX_PM_PMEN, 2, PIIX_PM1_PWRBTN);
    cfg_write(PCI_DEVFN(1, 0), 0x60, 1, 9);
    piix_pm_power_button(pm);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    pci_set_irq(pmdev, 1);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    out(PMBASE + PIIX_PM_PMSTS, 2, PIIX_PM1_PWRBTN);    /* SCI drops... */
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);             /* ...PIRQA holds it */
    pci_set_irq(pmdev, 0);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    piix_pm_power_button(pm);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    cfg_write(PCI_DEVFN(1, 0), 0x60, 1, 0x80);          /* unrouting PIRQA... */
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);             /* ...leaves the SCI */
    out(PMBASE + PIIX_PM_PMSTS, 2, PIIX_PM1_PWRBTN);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
}

static void test_snapshot(void)
{
    pm_setup();
    out(PIIX_APM_CNT_PORT, 1, PIIX_APM_ACPI_ENABLE);
    out(PMBASE + PIIX_PM_PMEN, 2, PIIX_PM1_PWRBTN);
    piix_pm_power_button(pm);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    Device *dev = &((PCIDevice *)pm)->dev;
    ByteStream bs;
    Error err = { 0 };
    bs_init(&bs);
    CU_ASSERT_FATAL(state_save(&bs, dev->state, dev, &err) == 0);
    devices_reset(&mach);
    CU_ASSERT_EQUAL(isa_lines[9].level, 0);
    CU_ASSERT_EQUAL(in(PMBASE + PIIX_PM_PMSTS, 2), 0xffff);   /* unmapped */
    CU_ASSERT_FATAL(state_load(&bs, dev->state, dev, &err) == 0);
    CU_ASSERT_EQUAL(isa_lines[9].level, 1);
    CU_ASSERT(in(PMBASE + PIIX_PM_PMSTS, 2) & PIIX_PM1_PWRBTN);
    bs_free(&bs);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "pm_config", test_pm_config },
        { "pm_timer_function", test_pm_timer_function },
        { "pm1_status_enable_sci", test_pm1_status_enable_sci },
        { "timer_overflow_status", test_timer_overflow_status },
        { "gpe0", test_gpe0 },
        { "sleep_states", test_sleep_states },
        { "reset_control", test_reset_control },
        { "port92", test_port92 },
        { "sci_shares_irq9", test_sci_shares_irq9 },
        { "snapshot", test_snapshot },
        { NULL, NULL }
    };
    unit_add_suite("piix-pm", suite_init, suite_clean, tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Firmware-style MTRR set-up (see mtrr.h). The values follow the rules
 * SeaBIOS applies on QEMU's i440FX machine, so a guest booted directly sees
 * the same cacheability as one booted through SeaBIOS: every vCPU gets the
 * same values (firmware programs the application processors too, and
 * Linux complains when they differ).
 */
#include <cpuid.h>
#include <string.h>

#include "hw/pc/mtrr.h"
#include "accel/accel.h"
#include "cpu/x86/cpuid.h"

#define MTRR_UC 0
#define MTRR_WP 5
#define MTRR_WB 6
#define MTRR_DEF_E   0x800      /* MTRRs enabled */
#define MTRR_DEF_FE  0x400      /* fixed ranges enabled */
#define MTRR_MASK_V  0x800      /* variable range valid */

/* One fixed-range MSR: eight ranges of `unit` bytes from `base`. */
static uint64_t pc_mtrr_fixed(uint64_t ram, uint64_t base, uint64_t unit, uint8_t type)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        if (ram >= base + unit * (uint64_t)(i + 1))
            v |= (uint64_t)type << (8 * i);
    return v;
}

/*
 * Where the board's 32-bit PCI window starts in firmware's view: SeaBIOS
 * rounds it to 2 GiB, 3 GiB or 3.5 GiB, so the uncached range [start, 4G)
 * is always a power of two, as one variable MTRR needs.
 */
static uint64_t pc_mtrr_pci_start(uint64_t ram_below_4g)
{
    if (ram_below_4g <= 0x80000000ull)
        return 0x80000000ull;
    if (ram_below_4g <= 0xc0000000ull)
        return 0xc0000000ull;
    return 0xe0000000ull;
}

void pc_mtrr_firmware_values(X86Msrs *msr, uint64_t ram, unsigned phys_bits)
{
    if (phys_bits < 32 || phys_bits > 52)
        phys_bits = 36;
    msr->mtrr_fixed[0] = pc_mtrr_fixed(ram, 0, 0x10000, MTRR_WB);        /* 0x00000 */
    msr->mtrr_fixed[1] = pc_mtrr_fixed(ram, 0x80000, 0x4000, MTRR_WB);   /* 0x80000 */
    msr->mtrr_fixed[2] = 0;                                              /* VGA: UC */
    for (int j = 0; j < 8; j++)                                          /* ROMs: WP */
        msr->mtrr_fixed[3 + j] = pc_mtrr_fixed(ram, 0xc0000 + 0x8000 * (uint64_t)j, 0x1000,
                                               MTRR_WP);
    memset(msr->mtrr_var, 0, sizeof(msr->mtrr_var));
    uint64_t start = pc_mtrr_pci_start(ram);
    uint64_t addr_mask = (1ull << phys_bits) - 1;
    msr->mtrr_var[0] = start | MTRR_UC;
    msr->mtrr_var[1] = (-((1ull << 32) - start) & addr_mask) | MTRR_MASK_V;
    msr->mtrr_def_type = MTRR_DEF_E | MTRR_DEF_FE | MTRR_WB;
}

/* The host CPU's physical address width, 0 if it does not say. */
static unsigned pc_mtrr_host_phys_bits(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000008u ||
        !__get_cpuid(0x80000008u, &a, &b, &c, &d))
        return 0;
    return a & 0xff;
}

void pc_mtrr_firmware_setup(Machine *m, uint64_t ram_below_4g)
{
    unsigned phys_bits = 36;
    if (m->cpu_model && !m->cpu_model->host) {
        uint32_t r[4] = { 0 };
        x86_cpuid_model_query(m->cpu_model, 0, 1, 0, r);
        if (!(r[3] & (1u << 12)))
            return;             /* no MTRRs on this CPU: firmware leaves them */
        x86_cpuid_model_query(m->cpu_model, 0, 0x80000000u, 0, r);
        if (r[0] >= 0x80000008u) {
            x86_cpuid_model_query(m->cpu_model, 0, 0x80000008u, 0, r);
            phys_bits = r[0] & 0xff;
        }
    }
    /*
     * Under kvm the guest's address width is at most the host's (and is
     * the host's with -cpu host); KVM refuses a variable-range mask with
     * bits above the guest's width, so the mask must not be wider.
     */
    if (m->accel && !strcmp(m->accel->name, "kvm")) {
        unsigned host = pc_mtrr_host_phys_bits();
        if (host && (host < phys_bits || (m->cpu_model && m->cpu_model->host)))
            phys_bits = host;
    }
    for (int i = 0; i < m->nr_cpus; i++)
        pc_mtrr_firmware_values(&m->cpus[i]->state.msr, ram_below_4g, phys_bits);
}

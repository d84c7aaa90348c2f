/* SPDX-License-Identifier: MIT */
/*
 * The MTRRs as PC firmware leaves them, for boots that skip the firmware
 * (direct -kernel). SeaBIOS enables the MTRRs with write-back as the
 * default type, write-back fixed ranges for RAM below 640 KiB, uncached
 * for the VGA window, write-protect for the ROM area, and one uncached
 * variable range over the 32-bit PCI hole; Linux reads that to decide
 * whether RAM is cacheable and whether to program PAT. With the MTRRs left
 * at their power-on zeros it prints "MTRRs disabled, skipping PAT
 * initialization too" and runs without write-combining.
 */
#ifndef TANDEM_PC_MTRR_H
#define TANDEM_PC_MTRR_H

#include <stdint.h>

#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

/*
 * Fill msr's MTRRs for ram_below_4g bytes of RAM from 0 and a CPU with
 * phys_bits physical address bits, as SeaBIOS does on an i440FX board.
 */
void pc_mtrr_firmware_values(X86Msrs *msr, uint64_t ram_below_4g, unsigned phys_bits);

/*
 * Apply pc_mtrr_firmware_values() to every vCPU of m, if its CPU model has
 * MTRRs, with the address width the guest sees: the model's, and under kvm
 * no wider than the host's.
 */
void pc_mtrr_firmware_setup(Machine *m, uint64_t ram_below_4g);

#endif

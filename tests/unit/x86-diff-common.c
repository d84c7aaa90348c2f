/* SPDX-License-Identifier: MIT */
/* Shared tandem side of the x86 differential tests: see x86-diff-common.h. */
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/x86-diff-common.h"
#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "softmmu/memory.h"

uint64_t x86_diff_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

void x86_diff_wr64(uint8_t *ram, uint64_t a, uint64_t v)
{
    memcpy(ram + a, &v, 8);
}

int x86_diff_init(Machine *dm, MachineConfig *cfg, Vcpu *dv, uint8_t **dram,
                  uint8_t **hpage, uint64_t gpage)
{
    Error err = { 0 };
    dm->cfg = cfg;
    mr_init_container(&dm->sysmem, "system", UINT64_MAX);
    if (mr_init_ram(&dm->ram, "ram", 4u << 20, &err) < 0)
        return -1;
    mr_add_subregion(&dm->sysmem, 0, &dm->ram);
    as_init(&dm->as_mem, &dm->sysmem, "memory");
    mr_init_container(&dm->iomem, "io", 0x10000);
    as_init(&dm->as_io, &dm->iomem, "io");
    uint8_t *ram = *dram = mr_ram_ptr(&dm->ram);
    dm->accel = &accel_tcg_ops;
    if (accel_tcg_ops.init(dm, &err) < 0)
        return -1;
    dv->machine = dm;
    x86_cpu_reset_state(&dv->state, 0);
    if (accel_tcg_ops.vcpu_init(dv, &err) < 0)
        return -1;
    x86_diff_wr64(ram, 0x20000, 0x21000 | 7);
    x86_diff_wr64(ram, 0x21000, 0x22000 | 7);
    x86_diff_wr64(ram, 0x22000, 0x87);
    uint8_t *hp = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *hpage = hp;
    if (hp == MAP_FAILED)
        return -1;
    /* The guest sees its code page at the host page's address, so RIP,
     * RIP-relative operands and pointers into the page are the same. */
    uint64_t hv = (uint64_t)(uintptr_t)hp;
    x86_diff_wr64(ram, 0x20000 + ((hv >> 39) & 511) * 8, 0x23000 | 7);
    x86_diff_wr64(ram, 0x23000 + ((hv >> 30) & 511) * 8, 0x24000 | 7);
    x86_diff_wr64(ram, 0x24000 + ((hv >> 21) & 511) * 8, 0x25000 | 7);
    x86_diff_wr64(ram, 0x25000 + ((hv >> 12) & 511) * 8, gpage | 7);
    return 0;
}

void x86_diff_clean(Machine *dm, Vcpu *dv, uint8_t *hpage)
{
    accel_tcg_ops.vcpu_cleanup(dv);
    accel_tcg_ops.cleanup(dm);
    as_destroy(&dm->as_io);
    as_destroy(&dm->as_mem);
    mr_destroy(&dm->iomem);
    mr_destroy(&dm->ram);
    mr_destroy(&dm->sysmem);
    munmap(hpage, 4096);
}

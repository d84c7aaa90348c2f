/* SPDX-License-Identifier: MIT */
/*
 * pc-testdev: the ISA test device that kvm-unit-tests and similar suites
 * expect on a PC, at QEMU's fixed addresses:
 *
 *   I/O 0xe0-0xe3   a 32-bit scratch register; any 1, 2 or 4-byte access at
 *                   any offset reads or replaces just the bytes it covers.
 *   I/O 0xe4-0xe7   page flush: a 4-byte write of an address makes every
 *                   vCPU forget the page holding it, both its TLB entries
 *                   (the address taken as virtual) and translated code (the
 *                   address taken as physical; the suites identity-map it).
 *                   Other widths are ignored, as QEMU ignores them.
 *   I/O 0xe8-0xeb   the same scratch register, reached one byte at a time
 *                   (wider accesses arrive here split by the memory API).
 *   I/O 0x2000+n    n < 24: a byte write drives interrupt line n (GSI n) to
 *                   !!value; reads return 0; wider writes are ignored.
 *   MMIO 0xff000000 64 KiB of scratch memory behind MMIO callbacks (so that
 *                   accesses exit to the device model under kvm), 1 to 8
 *                   bytes little-endian.
 *
 * The flush port never touches the CPU: it asks the engine through the
 * accelerator interface (invalidate_code for translated code, flush_page
 * for TLBs), and an engine without those hooks (kvm: the guest's TLB is
 * the hardware's, and there is no translated code) simply has nothing to
 * forget. Flushing is always architecturally allowed, so this can never
 * make a correct guest wrong.
 *
 * Lines: a guest may only raise what the board wired; the device remembers
 * its own levels so that a reset lowers what it raised. It shares a GSI
 * with whatever ISA device sits there exactly as QEMU's does (the last
 * writer sets the level), which is what the suites expect of a test device.
 *
 * Unaligned accesses, which QEMU's memory core drops for this device, are
 * served here byte by byte; no suite depends on either behaviour.
 *
 * Reset clears the scratch register, the scratch memory and the lines.
 */
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "hw/core/irq.h"
#include "hw/misc/misc.h"
#include "hw/pc/pc.h"
#include "softmmu/machine.h"

#define PC_TESTDEV_SCRATCH_PORT 0xe0
#define PC_TESTDEV_FLUSH_PORT   0xe4
#define PC_TESTDEV_BYTE_PORT    0xe8
#define PC_TESTDEV_IRQ_PORT     0x2000
#define PC_TESTDEV_IOMEM_BASE   0xff000000ull
#define PC_TESTDEV_IOMEM_SIZE   0x10000u
#define PC_TESTDEV_PAGE_SIZE    4096u

typedef struct PcTestdevState {
    Device dev;
    Machine *machine;
    MemoryRegion scratch_io, flush_io, byte_io, irq_io, iomem;
    IrqLine *irqs[PC_TESTDEV_NR_IRQS];

    uint32_t scratch;
    uint32_t irq_levels;        /* bit n: this device holds line n high */
    uint8_t mem[PC_TESTDEV_IOMEM_SIZE];
} PcTestdevState;

/* ---- scratch register (0xe0 and 0xe8) ------------------------------------ */

static uint64_t pc_testdev_scratch_read(void *opaque, uint64_t addr, unsigned size)
{
    PcTestdevState *s = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < 4; i++)
        val |= (uint64_t)((s->scratch >> (8 * (addr + i))) & 0xff) << (8 * i);
    return val;
}

static void pc_testdev_scratch_write(void *opaque, uint64_t addr, uint64_t val,
                                     unsigned size)
{
    PcTestdevState *s = opaque;

    for (unsigned i = 0; i < size && addr + i < 4; i++) {
        unsigned shift = 8 * (unsigned)(addr + i);
        s->scratch = (s->scratch & ~(0xffu << shift)) |
                     (uint32_t)((val >> (8 * i)) & 0xff) << shift;
    }
}

static const MemoryRegionOps pc_testdev_scratch_ops = {
    .read = pc_testdev_scratch_read,
    .write = pc_testdev_scratch_write,
    .min_access = 1,
    .max_access = 4,
};

/* The byte-wide view exists to exercise the split path of the engines. */
static const MemoryRegionOps pc_testdev_byte_ops = {
    .read = pc_testdev_scratch_read,
    .write = pc_testdev_scratch_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- page flush (0xe4) ---------------------------------------------------- */

static uint64_t pc_testdev_flush_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void pc_testdev_flush_write(void *opaque, uint64_t addr, uint64_t val,
                                   unsigned size)
{
    PcTestdevState *s = opaque;
    const AccelOps *accel = s->machine->accel;
    uint64_t page = (uint32_t)val & ~(uint64_t)(PC_TESTDEV_PAGE_SIZE - 1);

    /* Only a whole dword write is a request (QEMU drops the others). */
    if (addr != 0 || size != 4 || !accel)
        return;
    if (accel->invalidate_code)
        accel->invalidate_code(s->machine, page, PC_TESTDEV_PAGE_SIZE);
    if (accel->flush_page)
        accel->flush_page(s->machine, page);
}

static const MemoryRegionOps pc_testdev_flush_ops = {
    .read = pc_testdev_flush_read,
    .write = pc_testdev_flush_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- interrupt lines (0x2000 + n) ---------------------------------------- */

static void pc_testdev_set_line(PcTestdevState *s, unsigned n, int level)
{
    if (level)
        s->irq_levels |= 1u << n;
    else
        s->irq_levels &= ~(1u << n);
    irq_set(s->irqs[n], level);
}

static uint64_t pc_testdev_irq_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void pc_testdev_irq_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PcTestdevState *s = opaque;

    if (size != 1 || addr >= PC_TESTDEV_NR_IRQS)
        return;
    pc_testdev_set_line(s, (unsigned)addr, (val & 0xff) != 0);
}

static const MemoryRegionOps pc_testdev_irq_ops = {
    .read = pc_testdev_irq_read,
    .write = pc_testdev_irq_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- scratch MMIO (0xff000000) -------------------------------------------- */

static uint64_t pc_testdev_mem_read(void *opaque, uint64_t addr, unsigned size)
{
    PcTestdevState *s = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < PC_TESTDEV_IOMEM_SIZE; i++)
        val |= (uint64_t)s->mem[addr + i] << (8 * i);
    return val;
}

static void pc_testdev_mem_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PcTestdevState *s = opaque;

    for (unsigned i = 0; i < size && addr + i < PC_TESTDEV_IOMEM_SIZE; i++)
        s->mem[addr + i] = (uint8_t)(val >> (8 * i));
}

static const MemoryRegionOps pc_testdev_mem_ops = {
    .read = pc_testdev_mem_read,
    .write = pc_testdev_mem_write,
    .min_access = 1,
    .max_access = 8,
};

/* ---- device life cycle ------------------------------------------------------ */

static const StateField pc_testdev_fields[] = {
    STATE_U32(PcTestdevState, scratch),
    STATE_U32(PcTestdevState, irq_levels),
    STATE_BYTES(PcTestdevState, mem),
    STATE_END
};

static const StateDesc pc_testdev_state = { "pc-testdev", 1, pc_testdev_fields, NULL };

static void pc_testdev_reset(Device *dev)
{
    PcTestdevState *s = (PcTestdevState *)dev;

    s->scratch = 0;
    memset(s->mem, 0, sizeof(s->mem));
    for (unsigned n = 0; n < PC_TESTDEV_NR_IRQS; n++)
        if (s->irq_levels & (1u << n))
            pc_testdev_set_line(s, n, 0);
}

static void pc_testdev_destroy(Device *dev)
{
    PcTestdevState *s = (PcTestdevState *)dev;
    Machine *m = s->machine;

    mr_del_subregion(&m->iomem, &s->scratch_io);
    mr_del_subregion(&m->iomem, &s->flush_io);
    mr_del_subregion(&m->iomem, &s->byte_io);
    mr_del_subregion(&m->iomem, &s->irq_io);
    mr_del_subregion(&m->sysmem, &s->iomem);
    mr_destroy(&s->scratch_io);
    mr_destroy(&s->flush_io);
    mr_destroy(&s->byte_io);
    mr_destroy(&s->irq_io);
    mr_destroy(&s->iomem);
    free(s);
}

Device *pc_testdev_create(Machine *m, const char *id,
                          IrqLine *const irqs[PC_TESTDEV_NR_IRQS], Error *err)
{
    PcTestdevState *s = calloc(1, sizeof(*s));

    if (!s) {
        error_setf(err, "pc-testdev: out of memory");
        return NULL;
    }
    s->machine = m;
    for (unsigned n = 0; n < PC_TESTDEV_NR_IRQS; n++)
        s->irqs[n] = irqs ? irqs[n] : NULL;
    mr_init_io(&s->scratch_io, "pc-testdev-ioport", &pc_testdev_scratch_ops, s, 4);
    mr_init_io(&s->flush_io, "pc-testdev-flush-page", &pc_testdev_flush_ops, s, 4);
    mr_init_io(&s->byte_io, "pc-testdev-ioport-byte", &pc_testdev_byte_ops, s, 4);
    mr_init_io(&s->irq_io, "pc-testdev-irq-line", &pc_testdev_irq_ops, s,
               PC_TESTDEV_NR_IRQS);
    mr_init_io(&s->iomem, "pc-testdev-iomem", &pc_testdev_mem_ops, s,
               PC_TESTDEV_IOMEM_SIZE);
    mr_transaction_begin();
    mr_add_subregion(&m->iomem, PC_TESTDEV_SCRATCH_PORT, &s->scratch_io);
    mr_add_subregion(&m->iomem, PC_TESTDEV_FLUSH_PORT, &s->flush_io);
    mr_add_subregion(&m->iomem, PC_TESTDEV_BYTE_PORT, &s->byte_io);
    mr_add_subregion(&m->iomem, PC_TESTDEV_IRQ_PORT, &s->irq_io);
    mr_add_subregion(&m->sysmem, PC_TESTDEV_IOMEM_BASE, &s->iomem);
    mr_transaction_commit();
    device_attach(m, &s->dev, id, pc_testdev_reset, pc_testdev_destroy,
                  &pc_testdev_state);
    return &s->dev;
}

/* -device pc-testdev: GSIs 0..15 are the board's ISA lines. */
static Device *pc_testdev_device_create(Machine *m, DeviceOpts *opts, Error *err)
{
    IrqLine *irqs[PC_TESTDEV_NR_IRQS] = { 0 };
    const char *id = devopts_get_str(opts, "id", NULL);

    if (devopts_check_all_used(opts, err) < 0)
        return NULL;
    for (unsigned n = 0; n < PC_TESTDEV_NR_IRQS; n++)
        irqs[n] = pc_isa_irq(m, n);
    return pc_testdev_create(m, id, irqs, err);
}

const DeviceType pc_testdev_type = {
    .name = "pc-testdev",
    .help = "test ports 0xe0/0xe4/0xe8, IRQ lines at 0x2000+n, scratch MMIO at 0xff000000",
    .create = pc_testdev_device_create,
};

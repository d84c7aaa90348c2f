/* SPDX-License-Identifier: MIT */
/*
 * The PC board, first cut: RAM, the COM ports, port 0x80 and the kernel
 * loaders. Devices are created here explicitly and in order; that order is
 * their reset and snapshot order.
 *
 * Memory map: one RAM block (Machine.ram) shown through two aliases, the
 * first PC_LOWMEM_MAX bytes at 0 and the rest at 4 GiB, leaving the top of
 * the 32-bit space for the PCI hole and the BIOS that later work adds.
 *
 * Interrupts: hw/intc/pc-irq.c creates the 8259 pair, the IOAPIC and the
 * local APICs and hands out one line per GSI; ISA device n gets GSI n.
 *
 * Firmware interface: fw_cfg at 0x510 carries what SeaBIOS and test guests
 * read (RAM size, CPU count, the E820 map).
 *
 * Booting: with -kernel alone the board loads the kernel itself and starts
 * the CPU at its entry (direct boot, no firmware runs: the board sets up
 * what firmware would, ACPI tables and MTRRs); with -kernel and -bios the
 * firmware runs from the reset vector and boots the kernel through fw_cfg
 * and tandem's loader option ROM, as QEMU always does.
 *
 * COM ports follow QEMU: -serial N times gives COM1..COMN at the standard
 * ports; "-serial none" leaves that port out. With no -serial, COM1 goes to
 * stdio under -nographic and, until a display exists, to the null backend
 * otherwise (the port is there, its output goes nowhere), so the machine a
 * guest sees does not depend on the display options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/pc/pc.h"
#include "accel/accel.h"
#include "hw/pc/e820.h"
#include "hw/pc/image.h"
#include "hw/pc/linux-boot.h"
#include "hw/pc/mtrr.h"
#include "hw/pc/multiboot.h"
#include "hw/pc/optionrom.h"
#include "hw/char/serial.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/intc/pc-irq.h"
#include "hw/acpi/acpi-install.h"
#include "hw/display/vga.h"
#include "hw/input/i8042.h"
#include "hw/ide/ide.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/timer/hpet.h"
#include "hw/timer/i8254.h"
#include "hw/timer/mc146818.h"
#include "hw/pc/fw_cfg.h"
#include "hw/misc/misc.h"
#include "softmmu/vcpu.h"
#include "ui/chardev.h"

#define PC_NR_COM 4
#define PC_DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"

static const struct {
    uint16_t iobase;
    int irq;
} pc_com_slots[PC_NR_COM] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

typedef struct PcBoard {
    Device dev;                 /* board-internal; frees this struct */
    Machine *machine;
    MemoryRegion ram_below_4g, ram_above_4g;
    bool have_below_4g, have_above_4g;
    uint64_t below_4g, above_4g;
    E820Table e820;
    PcIrq *irq;
    FwCfg *fw_cfg;
    I8042State *kbc;
    HpetState *hpet;
    I440FXState *host_bridge;
    PIIXIsaState *isa_bridge;
    PIIXPMState *pm;
    IdeController *ide;
    /* A20 = keyboard controller's output port bit 1 OR port 0x92 bit 1 */
    IrqLine a20_from_kbc, a20_from_port92;
    MemoryRegion bios;
    bool have_bios;
    MemoryRegion ignne;             /* port 0xf0: clears the FPU's IRQ 13 */
    AcpiTables acpi;
    SmbiosTables smbios;
    bool have_tables;
    PitState *pit;
    RtcState *rtc;
    unsigned com_used;          /* bit i: COM slot i has a port */

    /* -kernel for a direct boot, kept to load it again on every reset */
    enum { PC_BOOT_NONE, PC_BOOT_MULTIBOOT, PC_BOOT_LINUX } boot;
    uint8_t *kernel;
    size_t kernel_len;
} PcBoard;

static PcBoard *pc_board(Machine *m)
{
    return m ? m->board : NULL;
}

IrqLine *pc_isa_irq(Machine *m, unsigned n)
{
    PcBoard *b = pc_board(m);
    return b && b->irq && n < PC_IRQ_NR_GSI ? &b->irq->gsi[n] : NULL;
}


void pc_serial_default_slot(Machine *m, uint16_t *iobase, int *irq)
{
    PcBoard *b = pc_board(m);
    for (unsigned i = 0; i < PC_NR_COM; i++) {
        if (!b || !(b->com_used & (1u << i))) {
            if (b)
                b->com_used |= 1u << i;
            *iobase = pc_com_slots[i].iobase;
            *irq = pc_com_slots[i].irq;
            return;
        }
    }
    /* All four taken: the user has to say where; COM1's values as default. */
    *iobase = pc_com_slots[0].iobase;
    *irq = pc_com_slots[0].irq;
}

static void pc_board_destroy(Device *dev)
{
    PcBoard *b = (PcBoard *)dev;
    Machine *m = b->machine;

    if (b->ignne.parent) {
        mr_del_subregion(b->ignne.parent, &b->ignne);
        mr_destroy(&b->ignne);
    }
    if (b->have_bios) {
        mr_del_subregion(&m->sysmem, &b->bios);
        mr_destroy(&b->bios);
    }
    if (b->have_above_4g) {
        mr_del_subregion(&m->sysmem, &b->ram_above_4g);
        mr_destroy(&b->ram_above_4g);
    }
    if (b->have_below_4g) {
        mr_del_subregion(&m->sysmem, &b->ram_below_4g);
        mr_destroy(&b->ram_below_4g);
    }
    if (m->board == b) {
        m->board = NULL;
        m->board_reset = NULL;
    }
    if (b->have_tables) {
        acpi_tables_free(&b->acpi);
        smbios_tables_free(&b->smbios);
    }
    free(b->kernel);
    free(b);
}

static int pc_init_ram(PcBoard *b, Machine *m, Error *err)
{
    uint64_t size = m->cfg->ram_size;

    if (size < (2ull << 20))
        return error_setf(err, "-m: a PC needs at least 2 MiB of RAM");
    if (mr_init_ram(&m->ram, "pc.ram", size, err) < 0)
        return -1;
    b->below_4g = size < PC_LOWMEM_MAX ? size : PC_LOWMEM_MAX;
    b->above_4g = size - b->below_4g;
    e820_build_pc(&b->e820, b->below_4g, b->above_4g);
    mr_init_alias(&b->ram_below_4g, "ram-below-4g", &m->ram, 0, b->below_4g);
    mr_add_subregion(&m->sysmem, 0, &b->ram_below_4g);
    b->have_below_4g = true;
    if (b->above_4g) {
        mr_init_alias(&b->ram_above_4g, "ram-above-4g", &m->ram, b->below_4g, b->above_4g);
        mr_add_subregion(&m->sysmem, PC_HIGHMEM_BASE, &b->ram_above_4g);
        b->have_above_4g = true;
    }
    return 0;
}

static void pc_a20_update(void *opaque, int n, int level)
{
    PcBoard *b = opaque;
    irq_set(&b->kbc->a20_cpus, b->a20_from_kbc.level || b->a20_from_port92.level);
}

/* The i440FX host bridge, the PIIX3 ISA bridge and the PIIX4 PM function. */
static int pc_init_chipset(PcBoard *b, Machine *m, Error *err)
{
    IrqLine *isa[16];
    for (unsigned n = 0; n < 16; n++)
        isa[n] = pc_isa_irq(m, n);
    b->host_bridge = i440fx_create(m, err);
    if (!b->host_bridge)
        return -1;
    PCIBus *bus = i440fx_bus(b->host_bridge);
    b->isa_bridge = piix_isa_create(m, bus, PCI_DEVFN(1, 0), isa, err);
    if (!b->isa_bridge)
        return -1;
    b->pm = piix_pm_create(m, bus, PCI_DEVFN(1, 3), piix_isa_sci_irq(b->isa_bridge), err);
    if (!b->pm)
        return -1;
    b->ide = ide_pc_init(m, bus, pc_isa_irq(m, 14), pc_isa_irq(m, 15), err);
    if (!b->ide)
        return -1;
    if (!m->cfg->vga || !strcmp(m->cfg->vga, "std")) {
        VgaState *vga = vga_pci_create(m, bus, PCI_DEVFN(2, 0), "vga", NULL, err);
        if (!vga)
            return -1;
        /* Under kvm guest writes do not reach the dirty bitmap yet. */
        if (m->accel && !strcmp(m->accel->name, "kvm"))
            vga_set_vram_untracked(vga, true);
    }
    irq_line_init(&b->a20_from_port92, pc_a20_update, b, 1);
    if (!piix_port92_create(m, &b->a20_from_port92, err))
        return -1;
    return 0;
}

/* -drive, -hda..-hdd and -cdrom, in the order QEMU assigns them. */
static int pc_init_drives(PcBoard *b, Machine *m, Error *err)
{
    static const char *const legacy[4] = { "hda", "hdb", "hdc", "hdd" };
    const MachineConfig *cfg = m->cfg;

    for (int i = 0; i < 4; i++)
        if (cfg->hd[i] && ide_pc_add_legacy_drive(b->ide, legacy[i], cfg->hd[i], err) < 0)
            return -1;
    if (cfg->cdrom && ide_pc_add_legacy_drive(b->ide, "cdrom", cfg->cdrom, err) < 0)
        return -1;
    for (int i = 0; i < cfg->nr_drives; i++)
        if (ide_pc_add_drive(b->ide, cfg->drives[i], err) < 0)
            return -1;
    return 0;
}

/*
 * Firmware: the image is a ROM at the top of the 32-bit space, its last
 * 128 KiB also visible below 1 MiB through the PAM logic. Without firmware
 * (direct kernel boot) the PAM windows still exist, over RAM.
 */
static int pc_init_firmware(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    const char *path = cfg->bios;
    MemoryRegion *bios = NULL;

    if (!cfg->kernel && !path) {
        path = PC_DEFAULT_BIOS;
        if (access(path, R_OK) != 0)
            return error_setf(err, "no -kernel given and no firmware at %s "
                              "(apt-get install seabios, or use -bios FILE)", path);
    }

    if (path) {
        uint8_t *data;
        size_t len;
        if (image_read_file("-bios", path, 16u << 20, &data, &len, err) < 0)
            return -1;
        if (len < 64 * 1024 || len % (64 * 1024)) {
            free(data);
            return error_setf(err, "-bios %s: a BIOS image is a multiple of 64 KiB "
                              "(this one is %zu bytes)", path, len);
        }
        if (mr_init_rom(&b->bios, "pc.bios", len, err) < 0) {
            free(data);
            return -1;
        }
        memcpy(mr_ram_ptr(&b->bios), data, len);
        free(data);
        mr_add_subregion(&m->sysmem, 0x100000000ull - len, &b->bios);
        b->have_bios = true;
        bios = &b->bios;
    }
    return i440fx_map_firmware(b->host_bridge, &m->ram, bios, err);
}

/*
 * ACPI and SMBIOS tables. Through firmware they go to fw_cfg and SeaBIOS
 * places them; for a direct kernel boot the board does what firmware would:
 * enable the PM block at its usual base, make 0xe0000-0xfffff RAM through
 * the PAM registers, and write the tables where Linux scans for them.
 */
static int pc_build_tables(PcBoard *b, Machine *m, Error *err)
{
    AcpiBoardDesc ad;
    I440FXPciHole hole;
    acpi_board_desc_pc(&ad, (unsigned)m->nr_cpus, b->below_4g);
    i440fx_pci_hole(b->below_4g, b->above_4g, &hole);
    ad.pci_hole32_start = hole.start32;
    ad.pci_hole32_end = hole.end32;
    ad.pci_hole64_start = hole.start64;
    ad.pci_hole64_end = hole.end64;
    SmbiosDesc sd = {
        .nr_cpus = (unsigned)m->nr_cpus,
        .ram_below_4g = b->below_4g,
        .ram_above_4g = b->above_4g,
    };
    if (acpi_build(&ad, &b->acpi, err) < 0)
        return -1;
    if (smbios_build(&sd, &b->smbios, err) < 0) {
        acpi_tables_free(&b->acpi);
        return -1;
    }
    b->have_tables = true;
    if (b->have_bios)
        return acpi_add_fw_cfg(b->fw_cfg, &b->acpi, err) < 0 ||
               smbios_add_fw_cfg(b->fw_cfg, &b->smbios, err) < 0 ? -1 : 0;
    return 0;
}

static int pc_install_direct_tables(PcBoard *b, Machine *m, Error *err)
{
    piix_pm_set_base(b->pm, PIIX_PM_BASE_DEFAULT);
    i440fx_set_pam(b->host_bridge, I440FX_PAM0, 0x30);       /* 0xf0000-0xfffff */
    i440fx_set_pam(b->host_bridge, I440FX_PAM0 + 5, 0x33);   /* 0xe0000-0xe7fff */
    i440fx_set_pam(b->host_bridge, I440FX_PAM0 + 6, 0x33);   /* 0xe8000-0xeffff */
    return acpi_direct_install(&m->as_mem, &b->acpi, &b->smbios, err);
}

/*
 * The x87's FERR# (with CR0.NE clear) raises IRQ 13, as on the PC/AT; a
 * write to port 0xf0 lowers it again (the handler's "clear busy").
 */
static void pc_ferr(Vcpu *cpu, int level)
{
    if (level)
        irq_raise(pc_isa_irq(cpu->machine, 13));
}

static uint64_t pc_ignne_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0xff;
}

static void pc_ignne_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    irq_lower(pc_isa_irq(opaque, 13));
}

static const MemoryRegionOps pc_ignne_ops = {
    .read = pc_ignne_read,
    .write = pc_ignne_write,
    .min_access = 1,
    .max_access = 1,
};

static void pc_init_fpu_irq(PcBoard *b, Machine *m)
{
    mr_init_io(&b->ignne, "fpu-ignne", &pc_ignne_ops, m, 1);
    mr_add_subregion(&m->iomem, 0xf0, &b->ignne);
    for (int i = 0; i < m->nr_cpus; i++)
        m->cpus[i]->ferr = pc_ferr;
}

/* The CMOS bytes SeaBIOS reads for memory sizes and the CPU count. */
static void pc_fill_cmos(PcBoard *b, Machine *m)
{
    RtcState *rtc = b->rtc;
    uint64_t ext_kib = b->below_4g > (1u << 20) ? (b->below_4g - (1u << 20)) >> 10 : 0;
    uint64_t over_16m = b->below_4g > (16u << 20) ? (b->below_4g - (16u << 20)) >> 16 : 0;
    uint64_t high = b->above_4g >> 16;

    if (ext_kib > 0xffff)
        ext_kib = 0xffff;
    if (over_16m > 0xffff)
        over_16m = 0xffff;
    rtc_set_cmos(rtc, 0x15, 640 & 0xff);
    rtc_set_cmos(rtc, 0x16, 640 >> 8);
    rtc_set_cmos(rtc, 0x17, (uint8_t)ext_kib);
    rtc_set_cmos(rtc, 0x18, (uint8_t)(ext_kib >> 8));
    rtc_set_cmos(rtc, 0x30, (uint8_t)ext_kib);
    rtc_set_cmos(rtc, 0x31, (uint8_t)(ext_kib >> 8));
    rtc_set_cmos(rtc, 0x34, (uint8_t)over_16m);
    rtc_set_cmos(rtc, 0x35, (uint8_t)(over_16m >> 8));
    rtc_set_cmos(rtc, 0x5b, (uint8_t)high);
    rtc_set_cmos(rtc, 0x5c, (uint8_t)(high >> 8));
    rtc_set_cmos(rtc, 0x5d, (uint8_t)(high >> 16));
    rtc_set_cmos(rtc, 0x5f, (uint8_t)(m->nr_cpus - 1));
    rtc_set_cmos(rtc, 0x14, 0x06);      /* equipment: VGA/EGA, math coprocessor */
    rtc_set_cmos(rtc, 0x3d, 0x32);      /* boot order: hard disk, then CD-ROM */
    rtc_set_cmos(rtc, 0x38, 0x10);      /* then floppy */
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2d; i++)
        sum += rtc_get_cmos(rtc, i);
    rtc_set_cmos(rtc, 0x2e, (uint8_t)(sum >> 8));
    rtc_set_cmos(rtc, 0x2f, (uint8_t)sum);
}

/*
 * The HPET sits between the PIT/RTC and their IRQ lines so that its legacy
 * replacement route can take IRQ0 and IRQ8 over; its own timers may also use
 * IOAPIC inputs 20-23.
 */
static int pc_init_timers(PcBoard *b, Machine *m, Error *err)
{
    IrqLine *gsi[PC_IRQ_NR_GSI];
    for (unsigned i = 0; i < PC_IRQ_NR_GSI; i++)
        gsi[i] = &b->irq->gsi[i];
    b->hpet = hpet_create(m, NULL, HPET_BASE, pc_isa_irq(m, 0), pc_isa_irq(m, 8), gsi,
                          PC_IRQ_NR_GSI, err);
    if (!b->hpet)
        return -1;
    b->pit = pit_create(m, NULL, hpet_pit_input(b->hpet), err);
    if (!b->pit)
        return -1;
    b->rtc = rtc_create(m, NULL, hpet_rtc_input(b->hpet), err);
    if (!b->rtc)
        return -1;
    pc_fill_cmos(b, m);
    return 0;
}

/*
 * The items every guest may read: RAM size, CPU count, the memory map.
 * Firmware gets the RAM as QEMU describes it, whole ranges from 0 and from
 * 4 GiB; carving out the EBDA and the BIOS area is SeaBIOS's own business
 * (it reserves what it uses), while a directly booted kernel gets the
 * carved map from the loader.
 */
static int pc_init_fw_cfg(PcBoard *b, Machine *m, Error *err)
{
    b->fw_cfg = fw_cfg_create(m, FW_CFG_IO_BASE, &m->as_mem);
    if (!b->fw_cfg)
        return error_setf(err, "fw_cfg: out of memory");
    E820Table ram = { 0 };
    e820_add(&ram, 0, b->below_4g, E820_RAM);
    if (b->above_4g)
        e820_add(&ram, PC_HIGHMEM_BASE, b->above_4g, E820_RAM);
    uint8_t e820[E820_MAX_ENTRIES * 20];
    for (size_t i = 0; i < ram.nr; i++) {
        const E820Entry *e = &ram.entry[i];
        for (int k = 0; k < 8; k++) {
            e820[20 * i + k] = (uint8_t)(e->addr >> (8 * k));
            e820[20 * i + 8 + k] = (uint8_t)(e->size >> (8 * k));
        }
        for (int k = 0; k < 4; k++)
            e820[20 * i + 16 + k] = (uint8_t)(e->type >> (8 * k));
    }
    /*
     * SeaBIOS retries a failed boot after this many ms; -1 (QEMU's default
     * reboot-timeout) means never: it says "No bootable device." and waits,
     * instead of rebooting the machine every 60 s.
     */
    static const uint8_t boot_fail_wait[4] = { 0xff, 0xff, 0xff, 0xff };
    if (fw_cfg_add_file(b->fw_cfg, "etc/boot-fail-wait", boot_fail_wait, 4) < 0)
        return error_setf(err, "fw_cfg: out of memory");
    if (fw_cfg_add_u64(b->fw_cfg, FW_CFG_RAM_SIZE, m->cfg->ram_size) < 0 ||
        fw_cfg_add_u16(b->fw_cfg, FW_CFG_NB_CPUS, (uint16_t)m->nr_cpus) < 0 ||
        fw_cfg_add_u16(b->fw_cfg, FW_CFG_MAX_CPUS, (uint16_t)m->nr_cpus) < 0 ||
        fw_cfg_add_u16(b->fw_cfg, FW_CFG_NOGRAPHIC, m->cfg->nographic) < 0 ||
        fw_cfg_add_file(b->fw_cfg, "etc/e820", e820, (uint32_t)(20 * ram.nr)) < 0)
        return error_setf(err, "fw_cfg: out of memory");
    return 0;
}

static int pc_init_serial(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    int n = cfg->nr_serial;

    if (n > PC_NR_COM)
        return error_setf(err, "-serial: at most %d serial ports", PC_NR_COM);
    for (int i = 0; i < (n ? n : 1); i++) {
        const char *spec = n ? cfg->serial[i] : (cfg->nographic ? "stdio" : "null");
        char label[24];
        Chardev *chr;
        char id[24];

        snprintf(label, sizeof(label), "serial%d", i);
        if (chardev_from_serial_spec(spec, label, &chr, err) < 0)
            return -1;
        if (!chr)
            continue;           /* -serial none: no port in this slot */
        snprintf(id, sizeof(id), "com%d", i + 1);
        b->com_used |= 1u << i;
        if (!serial_create(m, id, pc_com_slots[i].iobase,
                           pc_isa_irq(m, (unsigned)pc_com_slots[i].irq), chr, err))
            return -1;
    }
    return 0;
}

/* Put the kernel into RAM and set the boot vCPU at its entry. */
static int pc_boot_kernel(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;

    if (b->boot != PC_BOOT_NONE && pc_install_direct_tables(b, m, err) < 0)
        return -1;
    /* No firmware runs: leave the CPUs' cache set-up as SeaBIOS would. */
    if (b->boot != PC_BOOT_NONE)
        pc_mtrr_firmware_setup(m, b->below_4g);

    switch (b->boot) {
    case PC_BOOT_MULTIBOOT:
        return multiboot_load(m, cfg->kernel, b->kernel, b->kernel_len, b->below_4g,
                              &b->e820, err);
    case PC_BOOT_LINUX: {
        LinuxBootConfig lc = {
            .image = b->kernel,
            .image_len = b->kernel_len,
            .initrd_path = cfg->initrd,
            .cmdline = cfg->append,
            .e820 = &b->e820,
            .ram_below_4g = b->below_4g,
        };
        return linux_boot_load(m, &lc, err);
    }
    case PC_BOOT_NONE:
        break;
    }
    return 0;
}

/*
 * -kernel with -bios: the firmware boots it. The kernel's pieces go to
 * fw_cfg, and tandem's loader ROM to "genroms/", first in "bootorder" so
 * SeaBIOS runs it before any disk. SeaBIOS keeps its tables at the top of
 * low RAM (128 KiB on QEMU's pc), so the initrd stays below the last MiB.
 */
#define PC_FW_RESERVED_TOP (1u << 20)
#define PC_LINUXBOOT_ROM "genroms/linuxboot.bin"

static int pc_firmware_kernel(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    if (b->boot != PC_BOOT_LINUX)
        return error_setf(err, "-kernel %s: only a Linux bzImage boots through -bios "
                          "(drop -bios to boot a multiboot kernel directly)", cfg->kernel);
    LinuxBootConfig lc = {
        .image = b->kernel,
        .image_len = b->kernel_len,
        .initrd_path = cfg->initrd,
        .cmdline = cfg->append,
        .ram_below_4g = b->below_4g,
        .ram_reserved_top = PC_FW_RESERVED_TOP,
    };
    if (linux_boot_fw_cfg(b->fw_cfg, &lc, err) < 0)
        return -1;
    b->boot = PC_BOOT_NONE;             /* firmware boots it again on reset */
    free(b->kernel);
    b->kernel = NULL;

    uint8_t *rom;
    size_t rom_len;
    if (pc_optionrom_finish(pc_optionrom_linuxboot, pc_optionrom_linuxboot_len, &rom,
                            &rom_len, err) < 0)
        return -1;
    static const char bootorder[] = "/rom@" PC_LINUXBOOT_ROM "\n";
    int rc = fw_cfg_add_file(b->fw_cfg, PC_LINUXBOOT_ROM, rom, (uint32_t)rom_len);
    free(rom);
    if (rc < 0 || fw_cfg_add_file(b->fw_cfg, "bootorder", bootorder, sizeof(bootorder) - 1) < 0)
        return error_setf(err, "fw_cfg: out of memory");
    return 0;
}

static int pc_load_kernel(PcBoard *b, Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;

    if (!cfg->kernel)
        return 0;               /* firmware boots from the reset vector */
    if (image_read_file("-kernel", cfg->kernel, b->below_4g, &b->kernel, &b->kernel_len,
                        err) < 0)
        return -1;
    /* Linux first, as QEMU decides: a bzImage is never treated as multiboot. */
    if (linux_boot_probe(b->kernel, b->kernel_len))
        b->boot = PC_BOOT_LINUX;
    else if (multiboot_find_header(b->kernel, b->kernel_len) >= 0)
        b->boot = PC_BOOT_MULTIBOOT;
    else
        return error_setf(err, "-kernel %s: not a multiboot or Linux kernel image",
                          cfg->kernel);
    if (b->have_bios)
        return pc_firmware_kernel(b, m, err);
    return pc_boot_kernel(b, m, err);
}

/*
 * machine_reset() has put the vCPUs back to their power-on state; with no
 * firmware at the reset vector, a reset means booting the kernel again.
 */
static void pc_board_reset(Machine *m)
{
    PcBoard *b = pc_board(m);
    Error err = { 0 };

    if (b && pc_boot_kernel(b, m, &err) < 0) {
        fprintf(stderr, "tandem: reset: %s\n", err.msg);
        machine_request_shutdown(m, 1);
    }
}

int pc_machine_init(Machine *m, Error *err)
{
    PcBoard *b = calloc(1, sizeof(*b));

    if (!b)
        return error_setf(err, "pc: out of memory");
    b->machine = m;
    m->board = b;
    /* First on the list: later devices find the board through m->board. */
    device_attach(m, &b->dev, "pc", NULL, pc_board_destroy, NULL);

    if (pc_init_ram(b, m, err) < 0)
        return -1;
    b->irq = pc_irq_create(m, NULL, err);
    if (!b->irq)
        return -1;
    if (pc_init_chipset(b, m, err) < 0 || pc_init_drives(b, m, err) < 0 ||
        pc_init_firmware(b, m, err) < 0)
        return -1;
    if (pc_init_fw_cfg(b, m, err) < 0 || pc_build_tables(b, m, err) < 0)
        return -1;

    if (!port80_create(m, err))
        return -1;
    pc_init_fpu_irq(b, m);
    if (pc_init_timers(b, m, err) < 0)
        return -1;
    b->kbc = i8042_create(m, pc_isa_irq(m, 1), pc_isa_irq(m, 12), err);
    if (!b->kbc)
        return -1;
    irq_line_init(&b->a20_from_kbc, pc_a20_update, b, 0);
    b->a20_from_kbc.level = 1;          /* the controller's reset value: open */
    b->kbc->a20_out = &b->a20_from_kbc;
    if (pc_init_serial(b, m, err) < 0)
        return -1;

    if (pc_load_kernel(b, m, err) < 0)
        return -1;
    m->board_reset = pc_board_reset;
    return 0;
}

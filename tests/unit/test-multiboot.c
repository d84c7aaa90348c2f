/* SPDX-License-Identifier: MIT */
/*
 * The multiboot loader on images built here in memory: a good ELF (segments,
 * BSS, command line, modules, memory map), the a.out kludge, and the ways an
 * image can be wrong or hostile (no header, bad checksum, unsupported flags,
 * segments outside RAM or over the information area, truncation, absurd
 * sizes, 64-bit ELF). A failed load must write nothing. Guest memory is a
 * host buffer behind the loader's write callback; the board-level entry
 * (files, -initrd parsing, vCPU state) runs on a real memory API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "hw/pc/multiboot.h"
#include "hw/pc/e820.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"
#include "cpu/x86/cpu.h"

/* The CPU core provides this; a stand-in for builds without it. */
__attribute__((weak)) void x86_cpu_setup_flat32(X86CPUState *s, uint32_t entry)
{
    s->rip = entry;
    s->cr0 |= CR0_PE;
}

#define RAM_SIZE (4u << 20)
static uint8_t *ram;
static unsigned writes;
static E820Table e820;

static int fake_write(void *opaque, uint64_t addr, const void *buf, uint64_t len)
{
    if (addr > RAM_SIZE || len > RAM_SIZE - addr)
        return -1;
    memcpy(ram + addr, buf, len);
    writes++;
    return 0;
}

static uint32_t ld32(uint64_t addr)
{
    return (uint32_t)ram[addr] | (uint32_t)ram[addr + 1] << 8 |
           (uint32_t)ram[addr + 2] << 16 | (uint32_t)ram[addr + 3] << 24;
}

static uint64_t ld64(uint64_t addr)
{
    return ld32(addr) | (uint64_t)ld32(addr + 4) << 32;
}

static void st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void reset_ram(void)
{
    memset(ram, 0xaa, RAM_SIZE);
    writes = 0;
}

static MultibootParams params(void)
{
    e820_build_pc(&e820, RAM_SIZE, 0);
    return (MultibootParams){
        .ram_below_4g = RAM_SIZE,
        .e820 = &e820,
        .write = fake_write,
    };
}

typedef struct TestSeg {
    uint32_t vaddr, paddr, off, filesz, memsz;
} TestSeg;

/*
 * ELF32 image: header, program headers at 52, multiboot header at 0x200,
 * segment contents at their offsets filled with a pattern (0x10 + index).
 */
static size_t make_elf(uint8_t *img, size_t cap, const TestSeg *segs, unsigned n,
                       uint32_t entry, uint32_t mb_flags)
{
    size_t len = 0x400;

    memset(img, 0, cap);
    memcpy(img, "\x7f" "ELF", 4);
    img[4] = 1, img[5] = 1, img[6] = 1;
    st16(img + 16, 2);
    st16(img + 18, 3);
    st32(img + 20, 1);
    st32(img + 24, entry);
    st32(img + 28, 52);
    st16(img + 40, 52);
    st16(img + 42, 32);
    st16(img + 44, (uint16_t)n);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *ph = img + 52 + i * 32;
        st32(ph, 1);
        st32(ph + 4, segs[i].off);
        st32(ph + 8, segs[i].vaddr);
        st32(ph + 12, segs[i].paddr);
        st32(ph + 16, segs[i].filesz);
        st32(ph + 20, segs[i].memsz);
        st32(ph + 24, 7);
        if ((uint64_t)segs[i].off + segs[i].filesz <= cap) {
            memset(img + segs[i].off, 0x10 + i, segs[i].filesz);
            if (segs[i].off + segs[i].filesz > len)
                len = segs[i].off + segs[i].filesz;
        }
    }
    st32(img + 0x200, MULTIBOOT_HEADER_MAGIC);
    st32(img + 0x204, mb_flags);
    st32(img + 0x208, -(MULTIBOOT_HEADER_MAGIC + mb_flags));
    return len;
}

static uint8_t img[0x8000];

static const TestSeg good_segs[] = {
    { 0x100000, 0x100000, 0x1000, 0x800, 0x800 },
    { 0x102000, 0x102000, 0x2000, 0x100, 0x1100 },     /* 0x1000 bytes of BSS */
};

static int suite_init(void)
{
    ram = malloc(RAM_SIZE);
    return ram ? 0 : -1;
}

static int suite_clean(void)
{
    free(ram);
    return 0;
}

/* Run a load expected to fail with msg in the error; nothing may be written. */
static void expect_fail(size_t len, const MultibootParams *p, const char *msg)
{
    MultibootBoot boot;
    Error err = { 0 };
    reset_ram();
    CU_ASSERT_EQUAL(multiboot_load_image("t.elf", img, len, p, &boot, &err), -1);
    CU_ASSERT_TRUE(err.set);
    if (!strstr(err.msg, msg)) {
        printf("\n  error was: %s (wanted '%s')\n", err.msg, msg);
        CU_FAIL("wrong error message");
    }
    CU_ASSERT_EQUAL(writes, 0);
}

static void test_good_elf(void)
{
    MultibootParams p = params();
    MultibootBoot boot;
    Error err = { 0 };
    static const uint8_t mod0[] = "first module";
    static uint8_t mod1[5000];
    MultibootModule mods[2] = {
        { "mod0.bin arg=1", mod0, sizeof(mod0) },
        { "mod1.bin", mod1, sizeof(mod1) },
    };
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0x3);

    memset(mod1, 0x5c, sizeof(mod1));
    p.cmdline = "kernel console=ttyS0";
    p.mods = mods;
    p.nr_mods = 2;
    reset_ram();
    CU_ASSERT_EQUAL_FATAL(multiboot_load_image("t.elf", img, len, &p, &boot, &err), 0);
    CU_ASSERT_EQUAL(boot.entry, 0x100010);
    CU_ASSERT_EQUAL(boot.info_addr, MULTIBOOT_INFO_ADDR);
    CU_ASSERT_EQUAL(boot.image_start, 0x100000);
    CU_ASSERT_EQUAL(boot.image_end, 0x103100);

    /* Segments: contents, BSS zeroed, nothing past it touched. */
    CU_ASSERT_EQUAL(ram[0x100000], 0x10);
    CU_ASSERT_EQUAL(ram[0x1007ff], 0x10);
    CU_ASSERT_EQUAL(ram[0x100800], 0xaa);
    CU_ASSERT_EQUAL(ram[0x102000], 0x11);
    CU_ASSERT_EQUAL(ram[0x1020ff], 0x11);
    CU_ASSERT_EQUAL(ram[0x102100], 0x00);
    CU_ASSERT_EQUAL(ram[0x1030ff], 0x00);
    CU_ASSERT_EQUAL(ram[0x103100], 0xaa);

    /* The information structure. */
    uint32_t info = boot.info_addr;
    uint32_t flags = ld32(info);
    CU_ASSERT_EQUAL(flags & 0x24d, 0x24d);      /* mem, cmdline, mods, mmap, name */
    CU_ASSERT_EQUAL(ld32(info + 4), 640);
    CU_ASSERT_EQUAL(ld32(info + 8), (RAM_SIZE - 0x100000) >> 10);
    CU_ASSERT_STRING_EQUAL((char *)ram + ld32(info + 16), "kernel console=ttyS0");
    CU_ASSERT_STRING_EQUAL((char *)ram + ld32(info + 64), "tandem");

    /* Modules: after the kernel, page aligned, in order, with their strings. */
    CU_ASSERT_EQUAL(ld32(info + 20), 2);
    uint32_t ml = ld32(info + 24);
    uint32_t m0 = ld32(ml), m0_end = ld32(ml + 4);
    uint32_t m1 = ld32(ml + 16), m1_end = ld32(ml + 20);
    CU_ASSERT_TRUE(m0 >= boot.image_end);
    CU_ASSERT_EQUAL(m0 % 4096, 0);
    CU_ASSERT_EQUAL(m0_end - m0, sizeof(mod0));
    CU_ASSERT_EQUAL(memcmp(ram + m0, mod0, sizeof(mod0)), 0);
    CU_ASSERT_EQUAL(m1 % 4096, 0);
    CU_ASSERT_TRUE(m1 >= m0_end);
    CU_ASSERT_EQUAL(m1_end - m1, sizeof(mod1));
    CU_ASSERT_EQUAL(ram[m1 + sizeof(mod1) - 1], 0x5c);
    CU_ASSERT_STRING_EQUAL((char *)ram + ld32(ml + 8), "mod0.bin arg=1");
    CU_ASSERT_STRING_EQUAL((char *)ram + ld32(ml + 24), "mod1.bin");

    /* The memory map is the board's E820 table. */
    uint32_t mm = ld32(info + 48), mm_len = ld32(info + 44);
    CU_ASSERT_EQUAL(mm_len, e820.nr * 24);
    for (size_t i = 0; i < e820.nr && (i + 1) * 24 <= mm_len; i++) {
        CU_ASSERT_EQUAL(ld32(mm + i * 24), 20);
        CU_ASSERT_EQUAL(ld64(mm + i * 24 + 4), e820.entry[i].addr);
        CU_ASSERT_EQUAL(ld64(mm + i * 24 + 12), e820.entry[i].size);
        CU_ASSERT_EQUAL(ld32(mm + i * 24 + 20), e820.entry[i].type);
    }
    /* The whole info area stays below the EBDA. */
    CU_ASSERT_TRUE(boot.info_end <= MULTIBOOT_INFO_LIMIT);
}

/*
 * A header whose flags ask for nothing (kvm-unit-tests' kernels): the ELF
 * segments are still loaded, BSS zeroed, and memory, map, command line
 * given, exactly as when they are asked for.
 */
static void test_flags_none(void)
{
    MultibootParams p = params();
    MultibootBoot boot;
    Error err = { 0 };
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);

    p.cmdline = "x86/apic.flat -smp 1";
    reset_ram();
    CU_ASSERT_EQUAL_FATAL(multiboot_load_image("t.elf", img, len, &p, &boot, &err), 0);
    CU_ASSERT_EQUAL(boot.entry, 0x100010);
    CU_ASSERT_EQUAL(ram[0x100000], 0x10);
    CU_ASSERT_EQUAL(ram[0x102000], 0x11);
    CU_ASSERT_EQUAL(ram[0x102100], 0x00);
    CU_ASSERT_EQUAL(ram[0x1030ff], 0x00);
    CU_ASSERT_EQUAL(ld32(boot.info_addr) & 0x45, 0x45);     /* mem, cmdline, mmap */
    CU_ASSERT_EQUAL(ld32(boot.info_addr + 20), 0);          /* no modules */
    CU_ASSERT_STRING_EQUAL((char *)ram + ld32(boot.info_addr + 16), "x86/apic.flat -smp 1");
    CU_ASSERT_EQUAL(ld32(boot.info_addr + 44), e820.nr * 24);
}

static void test_virtual_entry(void)
{
    /* A higher-half kernel: linked at 0xc0100000, loaded at 1 MiB. */
    static const TestSeg seg[] = { { 0xc0100000, 0x100000, 0x1000, 0x100, 0x100 } };
    MultibootParams p = params();
    MultibootBoot boot;
    Error err = { 0 };
    size_t len = make_elf(img, sizeof(img), seg, 1, 0xc0100020, 0);

    reset_ram();
    CU_ASSERT_EQUAL_FATAL(multiboot_load_image("t.elf", img, len, &p, &boot, &err), 0);
    CU_ASSERT_EQUAL(boot.entry, 0x100020);
    CU_ASSERT_EQUAL(ram[0x100000], 0x10);
}

static void test_no_header(void)
{
    MultibootParams p = params();
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);
    st32(img + 0x200, 0x12345678);
    expect_fail(len, &p, "no multiboot header");
    CU_ASSERT_EQUAL(multiboot_find_header(img, len), -1);

    /* A header past the first 8 KiB does not count. */
    st32(img + 0x2000, MULTIBOOT_HEADER_MAGIC);
    st32(img + 0x2008, -MULTIBOOT_HEADER_MAGIC);
    CU_ASSERT_EQUAL(multiboot_find_header(img, 0x3000), -1);
    /* Nor one cut off by the end of the file. */
    CU_ASSERT_EQUAL(multiboot_find_header(img, 0x204), -1);
}

static void test_bad_checksum(void)
{
    MultibootParams p = params();
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);
    st32(img + 0x208, 0);
    CU_ASSERT_EQUAL(multiboot_find_header(img, len), 0x200);
    expect_fail(len, &p, "checksum");
}

static void test_unsupported_flags(void)
{
    MultibootParams p = params();
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 1u << 5);
    expect_fail(len, &p, "does not have");
}

static void test_segment_outside_ram(void)
{
    MultibootParams p = params();
    TestSeg s[] = { { RAM_SIZE - 0x100, RAM_SIZE - 0x100, 0x1000, 0x100, 0x200 } };
    size_t len = make_elf(img, sizeof(img), s, 1, RAM_SIZE - 0x100, 0);
    expect_fail(len, &p, "outside RAM");

    /* Addresses and sizes that would wrap a 32-bit sum. */
    TestSeg w[] = { { 0xfffff000, 0xfffff000, 0x1000, 0x100, 0x2000 } };
    len = make_elf(img, sizeof(img), w, 1, 0xfffff000, 0);
    expect_fail(len, &p, "outside RAM");
    TestSeg huge[] = { { 0x100000, 0x100000, 0x1000, 0x100, 0xffffffff } };
    len = make_elf(img, sizeof(img), huge, 1, 0x100000, 0);
    expect_fail(len, &p, "outside RAM");
}

static void test_overlaps_info(void)
{
    MultibootParams p = params();
    TestSeg s[] = { { 0x8000, 0x8000, 0x1000, 0x100, 0x2000 } };
    size_t len = make_elf(img, sizeof(img), s, 1, 0x8000, 0);
    expect_fail(len, &p, "overlaps");
}

static void test_truncated(void)
{
    MultibootParams p = params();
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);

    /* The file ends inside the second segment. */
    expect_fail(len - 1, &p, "truncated");
    /* Program headers claimed past the end of the file. */
    st16(img + 44, 0xffff);
    expect_fail(len, &p, "truncated");
    /* Too short to be ELF at all, but with a header. */
    len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);
    memset(img, 0, 4);
    expect_fail(len, &p, "not ELF");
}

static void test_filesz_above_memsz(void)
{
    MultibootParams p = params();
    TestSeg s[] = { { 0x100000, 0x100000, 0x1000, 0x200, 0x100 } };
    size_t len = make_elf(img, sizeof(img), s, 1, 0x100000, 0);
    expect_fail(len, &p, "file size");
}

static void test_entry_outside(void)
{
    MultibootParams p = params();
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x200000, 0);
    expect_fail(len, &p, "entry point");
}

static void test_elf64(void)
{
    MultibootParams p = params();
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);
    img[4] = 2;
    expect_fail(len, &p, "64-bit");
}

static void test_module_too_big(void)
{
    MultibootParams p = params();
    MultibootModule m = { "big", img, RAM_SIZE };
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);
    p.mods = &m;
    p.nr_mods = 1;
    expect_fail(len, &p, "does not fit");
}

static void test_cmdline_too_long(void)
{
    MultibootParams p = params();
    size_t n = MULTIBOOT_INFO_LIMIT - MULTIBOOT_INFO_ADDR;
    char *cmd = malloc(n + 1);
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);
    memset(cmd, 'a', n);
    cmd[n] = '\0';
    p.cmdline = cmd;
    expect_fail(len, &p, "too long");
    free(cmd);
}

/* a.out kludge: a flat binary whose header gives the addresses. */
static size_t make_aout(uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
                        uint32_t entry)
{
    uint32_t flags = 1u << 16;
    memset(img, 0x77, 0x1000);
    /* Header at file offset 0x40, i.e. at load_addr + 0x40. */
    st32(img + 0x40, MULTIBOOT_HEADER_MAGIC);
    st32(img + 0x44, flags);
    st32(img + 0x48, -(MULTIBOOT_HEADER_MAGIC + flags));
    st32(img + 0x4c, load_addr + 0x40);
    st32(img + 0x50, load_addr);
    st32(img + 0x54, load_end);
    st32(img + 0x58, bss_end);
    st32(img + 0x5c, entry);
    return 0x1000;
}

static void test_aout_kludge(void)
{
    MultibootParams p = params();
    MultibootBoot boot;
    Error err = { 0 };
    size_t len = make_aout(0x200000, 0x200800, 0x201000, 0x200060);

    reset_ram();
    CU_ASSERT_EQUAL_FATAL(multiboot_load_image("t.bin", img, len, &p, &boot, &err), 0);
    CU_ASSERT_EQUAL(boot.entry, 0x200060);
    CU_ASSERT_EQUAL(ram[0x200000], 0x77);
    CU_ASSERT_EQUAL(ld32(0x200040), MULTIBOOT_HEADER_MAGIC);
    CU_ASSERT_EQUAL(ram[0x2007ff], 0x77);
    CU_ASSERT_EQUAL(ram[0x200800], 0x00);       /* BSS */
    CU_ASSERT_EQUAL(ram[0x200fff], 0x00);
    CU_ASSERT_EQUAL(ram[0x201000], 0xaa);

    /* load_end_addr 0: the rest of the file; bss_end 0: no BSS. */
    len = make_aout(0x200000, 0, 0, 0x200060);
    reset_ram();
    CU_ASSERT_EQUAL(multiboot_load_image("t.bin", img, len, &p, &boot, &err), 0);
    CU_ASSERT_EQUAL(ram[0x200fff], 0x77);
    CU_ASSERT_EQUAL(ram[0x201000], 0xaa);
}

static void test_aout_bad(void)
{
    MultibootParams p = params();
    size_t len = make_aout(0x200000, 0x1ff000, 0, 0x200060);
    expect_fail(len, &p, "below load_addr");
    len = make_aout(0x200000, 0x300000, 0, 0x200060);
    expect_fail(len, &p, "truncated");
    len = make_aout(0x200000, 0x200800, 0x200400, 0x200060);
    expect_fail(len, &p, "bss_end_addr");
    /* header_addr - load_addr larger than the header's file offset */
    len = make_aout(0x200000, 0, 0, 0x200060);
    st32(img + 0x4c, 0x200100);
    expect_fail(len, &p, "load_addr");
    /* loading up to the top of RAM and beyond */
    len = make_aout(RAM_SIZE - 0x800, 0, 0, RAM_SIZE - 0x7a0);
    expect_fail(len, &p, "outside RAM");
}

/* The board-level entry: files, "-initrd a args,b", vCPU state. */
static void test_load_machine(void)
{
    static MachineConfig cfg;
    static Machine m;
    static Vcpu cpu;
    char kpath[] = "/tmp/tandem-mb-kXXXXXX";
    char mpath[] = "/tmp/tandem-mb-mXXXXXX";
    char initrd[200];
    Error err = { 0 };
    int kfd = mkstemp(kpath), mfd = mkstemp(mpath);
    size_t len = make_elf(img, sizeof(img), good_segs, 2, 0x100010, 0);

    CU_ASSERT_TRUE_FATAL(kfd >= 0 && mfd >= 0);
    CU_ASSERT_EQUAL(write(kfd, img, len), (ssize_t)len);
    CU_ASSERT_EQUAL(write(mfd, "MODULE", 6), 6);
    close(kfd);
    close(mfd);

    memset(&m, 0, sizeof(m));
    memset(&cfg, 0, sizeof(cfg));
    snprintf(initrd, sizeof(initrd), "%s x,,y,%s", mpath, mpath);
    cfg.initrd = initrd;
    cfg.append = "quiet";
    cfg.ram_size = RAM_SIZE;
    m.cfg = &cfg;
    mr_init_container(&m.sysmem, "system", UINT64_MAX);
    as_init(&m.as_mem, &m.sysmem, "memory");
    CU_ASSERT_EQUAL_FATAL(mr_init_ram(&m.ram, "ram", RAM_SIZE, &err), 0);
    mr_add_subregion(&m.sysmem, 0, &m.ram);
    m.nr_cpus = 1;
    m.cpus[0] = &cpu;
    e820_build_pc(&e820, RAM_SIZE, 0);

    CU_ASSERT_EQUAL(multiboot_load(&m, kpath, img, len, RAM_SIZE, &e820, &err), 0);
    if (err.set)
        printf("\n  %s\n", err.msg);
    CU_ASSERT_EQUAL(cpu.state.rip, 0x100010);
    CU_ASSERT_EQUAL(cpu.state.regs[R_EAX], MULTIBOOT_BOOT_MAGIC);
    CU_ASSERT_EQUAL(cpu.state.regs[R_EBX], MULTIBOOT_INFO_ADDR);

    uint8_t *g = mr_ram_ptr(&m.ram);
    char want[300];
    uint32_t info = MULTIBOOT_INFO_ADDR, ml;
    memcpy(&ml, g + info + 24, 4);
    snprintf(want, sizeof(want), "%s quiet", kpath);
    uint32_t cl;
    memcpy(&cl, g + info + 16, 4);
    CU_ASSERT_STRING_EQUAL((char *)g + cl, want);
    CU_ASSERT_EQUAL(*(uint32_t *)(g + info + 20), 2);
    uint32_t s0, str0, str1;
    memcpy(&s0, g + ml, 4);
    memcpy(&str0, g + ml + 8, 4);
    memcpy(&str1, g + ml + 24, 4);
    CU_ASSERT_EQUAL(memcmp(g + s0, "MODULE", 6), 0);
    snprintf(want, sizeof(want), "%s x,y", mpath);
    CU_ASSERT_STRING_EQUAL((char *)g + str0, want);
    CU_ASSERT_STRING_EQUAL((char *)g + str1, mpath);

    /* A missing module file is one clear error. */
    cfg.initrd = "/nonexistent/module";
    err.set = false;
    CU_ASSERT_EQUAL(multiboot_load(&m, kpath, img, len, RAM_SIZE, &e820, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/module"));

    unlink(kpath);
    unlink(mpath);
    mr_del_subregion(&m.sysmem, &m.ram);
    mr_destroy(&m.ram);
    as_destroy(&m.as_mem);
    mr_destroy(&m.sysmem);
}

static const UnitTest multiboot_tests[] = {
    { "good ELF: segments, BSS, info, modules, mmap", test_good_elf },
    { "virtual entry point becomes physical", test_virtual_entry },
    { "no header (bad magic)", test_no_header },
    { "bad checksum", test_bad_checksum },
    { "unsupported required flags", test_unsupported_flags },
    { "segment outside RAM, wrapping sizes", test_segment_outside_ram },
    { "segment over the info area", test_overlaps_info },
    { "truncated images", test_truncated },
    { "file size above memory size", test_filesz_above_memsz },
    { "entry outside the image", test_entry_outside },
    { "64-bit ELF without kludge", test_elf64 },
    { "header flags ask for nothing", test_flags_none },
    { "module too big for RAM", test_module_too_big },
    { "command line too long", test_cmdline_too_long },
    { "a.out kludge", test_aout_kludge },
    { "a.out kludge, bad fields", test_aout_bad },
    { "board entry: files, -initrd list, vCPU", test_load_machine },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("multiboot", suite_init, suite_clean, multiboot_tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 loader, after the Multiboot Specification 0.6.96.
 *
 * Loading happens in two phases. The plan phase parses the header and the
 * ELF program headers (or the a.out-kludge address fields when flag 16 is
 * set), computes where every segment, module and the information area go,
 * and checks all of it against the image length and the RAM layout, with
 * 64-bit arithmetic so that no 32-bit field can wrap. Only a plan that is
 * entirely valid is carried out by the write phase. So a bad image never
 * leaves half-loaded memory behind, and no check hides in the middle of the
 * writes.
 *
 * Layout: the kernel's segments go where they ask (they must lie in RAM below
 * 4 GiB and clear of the information area); modules follow the kernel,
 * page-aligned; the information structure, the memory map, the module list
 * and all strings sit together from MULTIBOOT_INFO_ADDR in conventional
 * memory. The memory map is the board's E820 table, the same one Linux and
 * firmware are given.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/pc/multiboot.h"
#include "hw/pc/image.h"
#include "softmmu/machine.h"
#include "softmmu/memory.h"
#include "softmmu/vcpu.h"
#include "softmmu/log.h"
#include "cpu/x86/cpu.h"

/* Header flags */
#define MB_FLAG_PAGE_ALIGN  (1u << 0)   /* modules page aligned: always done */
#define MB_FLAG_MEMINFO     (1u << 1)   /* mem_* and mmap: always given */
#define MB_FLAG_VIDEO       (1u << 2)   /* video mode: not supported, ignored */
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_FLAGS_REQUIRED   0x0000ffffu /* low half: loader must understand */

/* Info structure flags */
#define MBI_MEM      (1u << 0)
#define MBI_CMDLINE  (1u << 2)
#define MBI_MODS     (1u << 3)
#define MBI_MMAP     (1u << 6)
#define MBI_LOADER   (1u << 9)

/* Offsets in the information structure */
enum {
    MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_CMDLINE_ADDR = 16,
    MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48, MBI_LOADER_NAME = 64, MBI_SIZE = 128,
};

#define MB_MAX_SEGMENTS 32
#define MB_MMAP_ENTRY 24        /* size field + 20 bytes */
#define MB_MOD_ENTRY 16
#define MB_PAGE 4096u
#define MB_LOADER_NAME "tandem"

typedef struct MbSegment {
    uint64_t addr;          /* guest-physical */
    uint64_t file_off;
    uint64_t filesz, memsz;
} MbSegment;

typedef struct MbPlan {
    MbSegment seg[MB_MAX_SEGMENTS];
    unsigned nr_seg;
    uint64_t entry;
    uint64_t image_start, image_end;
    uint64_t mod_addr[64];
} MbPlan;

#define MB_MAX_MODULES (sizeof(((MbPlan *)0)->mod_addr) / sizeof(uint64_t))

static uint32_t mb_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint16_t mb_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void mb_st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void mb_st64(uint8_t *p, uint64_t v)
{
    mb_st32(p, (uint32_t)v);
    mb_st32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t mb_align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

long multiboot_find_header(const uint8_t *img, size_t len)
{
    size_t limit = len < MULTIBOOT_SEARCH_LIMIT ? len : MULTIBOOT_SEARCH_LIMIT;
    for (size_t off = 0; off + 12 <= limit; off += 4)
        if (mb_ld32(img + off) == MULTIBOOT_HEADER_MAGIC)
            return (long)off;
    return -1;
}

static int mb_add_segment(MbPlan *plan, const char *name, uint64_t addr,
                          uint64_t file_off, uint64_t filesz, uint64_t memsz,
                          Error *err)
{
    if (plan->nr_seg >= MB_MAX_SEGMENTS)
        return error_setf(err, "%s: more than %d loadable segments", name, MB_MAX_SEGMENTS);
    plan->seg[plan->nr_seg++] = (MbSegment){ addr, file_off, filesz, memsz };
    return 0;
}

/* Flag 16: the header itself says where the image goes. */
static int mb_plan_aout(const char *name, const uint8_t *img, size_t len,
                        size_t hdr, MbPlan *plan, Error *err)
{
    uint32_t header_addr, load_addr, load_end, bss_end;
    uint64_t file_off, filesz, memsz;

    if (hdr + 32 > len)
        return error_setf(err, "%s: multiboot header is truncated", name);
    header_addr = mb_ld32(img + hdr + 12);
    load_addr = mb_ld32(img + hdr + 16);
    load_end = mb_ld32(img + hdr + 20);
    bss_end = mb_ld32(img + hdr + 24);
    plan->entry = mb_ld32(img + hdr + 28);

    if (load_addr > header_addr || header_addr - load_addr > hdr)
        return error_setf(err, "%s: multiboot load_addr %#x does not fit header_addr %#x "
                          "at file offset %#zx", name, load_addr, header_addr, hdr);
    file_off = hdr - (header_addr - load_addr);
    if (load_end == 0) {
        filesz = len - file_off;
    } else {
        if (load_end < load_addr)
            return error_setf(err, "%s: multiboot load_end_addr %#x is below load_addr %#x",
                              name, load_end, load_addr);
        filesz = (uint64_t)load_end - load_addr;
        if (file_off + filesz > len)
            return error_setf(err, "%s: image is truncated (load_end_addr %#x needs "
                              "%llu bytes, file has %zu)", name, load_end,
                              (unsigned long long)(file_off + filesz), len);
    }
    if (bss_end == 0) {
        memsz = filesz;
    } else {
        if ((uint64_t)bss_end < load_addr + filesz)
            return error_setf(err, "%s: multiboot bss_end_addr %#x is below the loaded "
                              "image end %#llx", name, bss_end,
                              (unsigned long long)(load_addr + filesz));
        memsz = (uint64_t)bss_end - load_addr;
    }
    return mb_add_segment(plan, name, load_addr, file_off, filesz, memsz, err);
}

/* An ELF32 executable: its PT_LOAD segments at their physical addresses. */
static int mb_plan_elf(const char *name, const uint8_t *img, size_t len,
                       MbPlan *plan, Error *err)
{
    uint64_t phoff, entry;
    unsigned phnum, phentsize;

    if (len < 52 || memcmp(img, "\x7f" "ELF", 4))
        return error_setf(err, "%s: multiboot image is not ELF and does not set the "
                          "a.out kludge (flag 16)", name);
    if (img[4] == 2)
        return error_setf(err, "%s: 64-bit ELF multiboot kernels need the a.out kludge "
                          "(flag 16); give a 32-bit one", name);
    if (img[4] != 1 || img[5] != 1)
        return error_setf(err, "%s: not a little-endian 32-bit ELF", name);
    if (mb_ld16(img + 16) != 2 || mb_ld16(img + 18) != 3)
        return error_setf(err, "%s: not an i386 ELF executable", name);
    entry = mb_ld32(img + 24);
    phoff = mb_ld32(img + 28);
    phentsize = mb_ld16(img + 42);
    phnum = mb_ld16(img + 44);
    if (phentsize != 32)
        return error_setf(err, "%s: ELF program header size %u is not 32", name, phentsize);
    if (phnum == 0 || phoff + (uint64_t)phnum * 32 > len)
        return error_setf(err, "%s: ELF program headers are missing or truncated", name);

    plan->entry = entry;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * 32;
        uint64_t off = mb_ld32(ph + 4), vaddr = mb_ld32(ph + 8), paddr = mb_ld32(ph + 12);
        uint64_t filesz = mb_ld32(ph + 16), memsz = mb_ld32(ph + 20);

        if (mb_ld32(ph) != 1 /* PT_LOAD */ || memsz == 0)
            continue;
        if (filesz > memsz)
            return error_setf(err, "%s: ELF segment %u has file size %#llx above its "
                              "memory size %#llx", name, i, (unsigned long long)filesz,
                              (unsigned long long)memsz);
        if (off + filesz > len)
            return error_setf(err, "%s: image is truncated (ELF segment %u needs bytes "
                              "up to %#llx, file has %#zx)", name, i,
                              (unsigned long long)(off + filesz), len);
        /* A virtual entry point becomes physical, as GRUB does it. */
        if (entry >= vaddr && entry - vaddr < memsz)
            plan->entry = entry - vaddr + paddr;
        if (mb_add_segment(plan, name, paddr, off, filesz, memsz, err) < 0)
            return -1;
    }
    if (plan->nr_seg == 0)
        return error_setf(err, "%s: ELF image has no loadable segment", name);
    return 0;
}

/* [a, a+alen) and [b, b+blen) intersect */
static bool mb_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int mb_write(const MultibootParams *p, const char *name, uint64_t addr,
                    const void *buf, uint64_t len, Error *err)
{
    if (len && p->write(p->opaque, addr, buf, len) != 0)
        return error_setf(err, "%s: cannot write guest memory at %#llx+%#llx", name,
                          (unsigned long long)addr, (unsigned long long)len);
    return 0;
}

static int mb_zero(const MultibootParams *p, const char *name, uint64_t addr,
                   uint64_t len, Error *err)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint64_t n = len < sizeof(zeros) ? len : sizeof(zeros);
        if (mb_write(p, name, addr, zeros, n, err) < 0)
            return -1;
        addr += n;
        len -= n;
    }
    return 0;
}

int multiboot_load_image(const char *name, const uint8_t *img, size_t len,
                         const MultibootParams *p, MultibootBoot *out, Error *err)
{
    MbPlan *plan;
    long hdr = multiboot_find_header(img, len);
    uint32_t flags;
    size_t nr_mmap = p->e820 ? p->e820->nr : 0;
    const char *cmdline = p->cmdline ? p->cmdline : "";
    uint64_t info_size, info_end, mod_next, at;
    uint64_t ram = p->ram_below_4g < 0x100000000ull ? p->ram_below_4g : 0x100000000ull;
    uint8_t *info = NULL;
    int ret = -1;

    if (hdr < 0)
        return error_setf(err, "%s: no multiboot header in the first %d bytes", name,
                          MULTIBOOT_SEARCH_LIMIT);
    flags = mb_ld32(img + hdr + 4);
    if ((uint32_t)(MULTIBOOT_HEADER_MAGIC + flags + mb_ld32(img + hdr + 8)) != 0)
        return error_setf(err, "%s: multiboot header checksum is wrong", name);
    if (flags & MB_FLAGS_REQUIRED & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO))
        return error_setf(err, "%s: multiboot header requires features tandem does not "
                          "have (flags %#x)", name, flags);
    if (flags & MB_FLAG_VIDEO)
        log_mask_printf(LOG_UNIMP, "multiboot: %s asks for a video mode; ignored\n", name);
    if (p->nr_mods > MB_MAX_MODULES)
        return error_setf(err, "%s: too many multiboot modules (%zu, at most %zu)", name,
                          p->nr_mods, (size_t)MB_MAX_MODULES);

    plan = calloc(1, sizeof(*plan));
    if (!plan)
        return error_setf(err, "%s: out of memory", name);
    if (flags & MB_FLAG_AOUT_KLUDGE) {
        if (mb_plan_aout(name, img, len, (size_t)hdr, plan, err) < 0)
            goto out;
    } else if (mb_plan_elf(name, img, len, plan, err) < 0) {
        goto out;
    }

    /* The information area: structure, mmap, module list, then strings. */
    info_size = MBI_SIZE + (uint64_t)nr_mmap * MB_MMAP_ENTRY +
                (uint64_t)p->nr_mods * MB_MOD_ENTRY + sizeof(MB_LOADER_NAME) +
                strlen(cmdline) + 1;
    for (size_t i = 0; i < p->nr_mods; i++)
        info_size += strlen(p->mods[i].string) + 1;
    info_end = MULTIBOOT_INFO_ADDR + info_size;
    if (info_end > MULTIBOOT_INFO_LIMIT) {
        error_setf(err, "%s: command line and module names are too long for the multiboot "
                   "information area (%llu bytes, at most %u)", name,
                   (unsigned long long)info_size,
                   MULTIBOOT_INFO_LIMIT - MULTIBOOT_INFO_ADDR);
        goto out;
    }
    if (info_end > ram) {
        error_setf(err, "%s: not enough RAM for multiboot (%llu KiB)", name,
                   (unsigned long long)(ram >> 10));
        goto out;
    }

    /* Every segment inside RAM below 4 GiB and clear of the info area. */
    plan->image_start = UINT64_MAX;
    plan->image_end = 0;
    for (unsigned i = 0; i < plan->nr_seg; i++) {
        const MbSegment *s = &plan->seg[i];
        if (s->addr > ram || s->memsz > ram - s->addr) {
            error_setf(err, "%s: segment at %#llx+%#llx lies outside RAM (%llu MiB below "
                       "4 GiB)", name, (unsigned long long)s->addr,
                       (unsigned long long)s->memsz, (unsigned long long)(ram >> 20));
            goto out;
        }
        if (mb_overlap(s->addr, s->memsz, MULTIBOOT_INFO_ADDR, info_size)) {
            error_setf(err, "%s: segment at %#llx+%#llx overlaps the multiboot "
                       "information area at %#x+%#llx", name, (unsigned long long)s->addr,
                       (unsigned long long)s->memsz, MULTIBOOT_INFO_ADDR,
                       (unsigned long long)info_size);
            goto out;
        }
        if (s->addr < plan->image_start)
            plan->image_start = s->addr;
        if (s->addr + s->memsz > plan->image_end)
            plan->image_end = s->addr + s->memsz;
    }
    {
        bool entry_ok = false;
        for (unsigned i = 0; i < plan->nr_seg; i++)
            if (plan->entry >= plan->seg[i].addr &&
                plan->entry - plan->seg[i].addr < plan->seg[i].memsz)
                entry_ok = true;
        if (!entry_ok) {
            error_setf(err, "%s: entry point %#llx is outside the loaded image", name,
                       (unsigned long long)plan->entry);
            goto out;
        }
    }

    /* Modules: after the kernel and the info area, page aligned. */
    mod_next = mb_align_up(plan->image_end > info_end ? plan->image_end : info_end, MB_PAGE);
    for (size_t i = 0; i < p->nr_mods; i++) {
        uint64_t size = p->mods[i].size;
        if (mod_next > ram || size > ram - mod_next) {
            error_setf(err, "%s: module '%s' (%llu bytes) does not fit in RAM below 4 GiB",
                       name, p->mods[i].string, (unsigned long long)size);
            goto out;
        }
        plan->mod_addr[i] = mod_next;
        mod_next = mb_align_up(mod_next + size, MB_PAGE);
    }

    /* ---- everything checked: write ---- */
    for (unsigned i = 0; i < plan->nr_seg; i++) {
        const MbSegment *s = &plan->seg[i];
        if (mb_write(p, name, s->addr, img + s->file_off, s->filesz, err) < 0 ||
            mb_zero(p, name, s->addr + s->filesz, s->memsz - s->filesz, err) < 0)
            goto out;
    }
    for (size_t i = 0; i < p->nr_mods; i++)
        if (mb_write(p, name, plan->mod_addr[i], p->mods[i].data, p->mods[i].size, err) < 0)
            goto out;

    info = calloc(1, info_size);
    if (!info) {
        error_setf(err, "%s: out of memory", name);
        goto out;
    }
    at = MBI_SIZE;
    mb_st32(info + MBI_FLAGS, MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER |
                              (p->nr_mods ? MBI_MODS : 0));
    mb_st32(info + MBI_MEM_LOWER, (uint32_t)((ram < 0xa0000 ? ram : 0xa0000) >> 10));
    mb_st32(info + MBI_MEM_UPPER, (uint32_t)(ram > 0x100000 ? (ram - 0x100000) >> 10 : 0));
    mb_st32(info + MBI_MMAP_ADDR, (uint32_t)(MULTIBOOT_INFO_ADDR + at));
    mb_st32(info + MBI_MMAP_LENGTH, (uint32_t)(nr_mmap * MB_MMAP_ENTRY));
    for (size_t i = 0; i < nr_mmap; i++, at += MB_MMAP_ENTRY) {
        const E820Entry *e = &p->e820->entry[i];
        mb_st32(info + at, MB_MMAP_ENTRY - 4);
        mb_st64(info + at + 4, e->addr);
        mb_st64(info + at + 12, e->size);
        mb_st32(info + at + 20, e->type);
    }
    {
        uint64_t mods_at = at;
        uint64_t str = at + (uint64_t)p->nr_mods * MB_MOD_ENTRY;
        mb_st32(info + MBI_MODS_COUNT, (uint32_t)p->nr_mods);
        mb_st32(info + MBI_MODS_ADDR, p->nr_mods ? (uint32_t)(MULTIBOOT_INFO_ADDR + mods_at) : 0);
        memcpy(info + str, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
        mb_st32(info + MBI_LOADER_NAME, (uint32_t)(MULTIBOOT_INFO_ADDR + str));
        str += sizeof(MB_LOADER_NAME);
        memcpy(info + str, cmdline, strlen(cmdline) + 1);
        mb_st32(info + MBI_CMDLINE_ADDR, (uint32_t)(MULTIBOOT_INFO_ADDR + str));
        str += strlen(cmdline) + 1;
        for (size_t i = 0; i < p->nr_mods; i++) {
            uint8_t *e = info + mods_at + i * MB_MOD_ENTRY;
            size_t sl = strlen(p->mods[i].string) + 1;
            mb_st32(e, (uint32_t)plan->mod_addr[i]);
            mb_st32(e + 4, (uint32_t)(plan->mod_addr[i] + p->mods[i].size));
            mb_st32(e + 8, (uint32_t)(MULTIBOOT_INFO_ADDR + str));
            memcpy(info + str, p->mods[i].string, sl);
            str += sl;
        }
    }
    if (mb_write(p, name, MULTIBOOT_INFO_ADDR, info, info_size, err) < 0)
        goto out;

    out->entry = (uint32_t)plan->entry;
    out->info_addr = MULTIBOOT_INFO_ADDR;
    out->image_start = plan->image_start;
    out->image_end = plan->image_end;
    out->info_end = info_end;
    ret = 0;
out:
    free(info);
    free(plan);
    return ret;
}

/* ---- the board's side -------------------------------------------------- */

static int multiboot_write_guest(void *opaque, uint64_t addr, const void *buf, uint64_t len)
{
    Machine *m = opaque;
    return as_write_rom(&m->as_mem, addr, buf, len) == MEMTX_OK ? 0 : -1;
}

/*
 * QEMU's -initrd syntax for multiboot: "file1 args,file2 args"; ",," is a
 * literal comma. Each item is the module's string; the file is the part
 * before the first space.
 */
static char **multiboot_split_modules(const char *list, size_t *nr)
{
    size_t cap = 1, n = 0, len = strlen(list);
    char **items;
    char *cur;
    size_t cl = 0;

    for (const char *c = list; *c; c++)
        if (*c == ',')
            cap++;
    items = calloc(cap + 1, sizeof(*items));
    cur = malloc(len + 1);
    if (!items || !cur) {
        free(items);
        free(cur);
        return NULL;
    }
    for (size_t i = 0; i <= len; i++) {
        if (list[i] == ',' && list[i + 1] == ',') {
            cur[cl++] = ',';
            i++;
        } else if (list[i] == ',' || list[i] == '\0') {
            cur[cl] = '\0';
            if (cl)
                items[n++] = strdup(cur);
            cl = 0;
        } else {
            cur[cl++] = list[i];
        }
    }
    free(cur);
    *nr = n;
    return items;
}

int multiboot_load(Machine *m, const char *kernel_path, const uint8_t *img,
                   size_t len, uint64_t ram_below_4g, const E820Table *e820,
                   Error *err)
{
    const MachineConfig *cfg = m->cfg;
    MultibootParams p = {
        .ram_below_4g = ram_below_4g,
        .e820 = e820,
        .write = multiboot_write_guest,
        .opaque = m,
    };
    MultibootBoot boot;
    MultibootModule *mods = NULL;
    char **items = NULL;
    uint8_t **bufs = NULL;
    size_t nr = 0;
    char *cmdline = NULL;
    int ret = -1;

    if (m->nr_cpus < 1 || !m->cpus[0])
        return error_setf(err, "multiboot: the machine has no CPU");
    if (cfg->initrd && *cfg->initrd) {
        items = multiboot_split_modules(cfg->initrd, &nr);
        if (!items)
            return error_setf(err, "multiboot: out of memory");
        mods = calloc(nr ? nr : 1, sizeof(*mods));
        bufs = calloc(nr ? nr : 1, sizeof(*bufs));
        if (!mods || !bufs) {
            error_setf(err, "multiboot: out of memory");
            goto out;
        }
        for (size_t i = 0; i < nr; i++) {
            char path[4096];
            snprintf(path, sizeof(path), "%.*s", (int)strcspn(items[i], " "), items[i]);
            if (image_read_file("-initrd", path, ram_below_4g, &bufs[i],
                                &mods[i].size, err) < 0)
                goto out;
            mods[i].data = bufs[i];
            mods[i].string = items[i];
        }
    }
    /* The kernel's own command line starts with its path, as GRUB and QEMU do. */
    if (asprintf(&cmdline, "%s%s%s", kernel_path, cfg->append ? " " : "",
                 cfg->append ? cfg->append : "") < 0) {
        cmdline = NULL;
        error_setf(err, "multiboot: out of memory");
        goto out;
    }
    p.cmdline = cmdline;
    p.mods = mods;
    p.nr_mods = nr;
    if (multiboot_load_image(kernel_path, img, len, &p, &boot, err) < 0)
        goto out;

    X86CPUState *s = &m->cpus[0]->state;
    x86_cpu_setup_flat32(s, boot.entry);
    s->regs[R_EAX] = MULTIBOOT_BOOT_MAGIC;
    s->regs[R_EBX] = boot.info_addr;
    ret = 0;
out:
    for (size_t i = 0; i < nr; i++) {
        free(items[i]);
        if (bufs)
            free(bufs[i]);
    }
    free(items);
    free(bufs);
    free(mods);
    free(cmdline);
    return ret;
}

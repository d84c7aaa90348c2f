/* SPDX-License-Identifier: MIT */
/*
 * The x86 decoder against capstone on the code of Debian's kernel image
 * and modules: every instruction capstone finds in a linear sweep of every
 * executable section must decode in tandem (64-bit mode, every feature on)
 * to the same length.
 *
 * TESTS_X86_DECODE_LINUX names an unpacked linux-image package (the folder
 * scripts/guest-image.sh leaves under BUILD/images: boot/vmlinuz-* and
 * lib/modules/VERSION/kernel/ **.ko[.xz|.zst|.gz]); without it the binary
 * skips (exit 77). tests/integration/decode-linux.sh fetches the package and
 * runs this. vmlinux is the compressed payload of the bzImage (found through
 * the boot protocol's payload_offset/payload_length and told apart by its
 * magic), unpacked by the Debian tool for its format. Every module is
 * walked (the cloud kernel's 1,100 take a few seconds);
 * TESTS_X86_DECODE_LINUX_STRIDE=N takes every N-th by path instead.
 * TESTS_X86_DECODE_LINUX_SHOW=N prints up to N mismatches (default 40),
 * TESTS_X86_DECODE_LINUX_SHOW_INVALID=N the first N spots invalid to both.
 *
 * Each capstone instruction lands in one bucket:
 *  - compared: tandem decodes it to the same length;
 *  - unimplemented: tandem says #UD and the instruction belongs to a class
 *    the CPU model does not implement or advertise (AVX-512, VMX/SVM, ...,
 *    see linux_unimplemented()); counted per mnemonic and printed;
 *  - mismatch: anything else, a bug in decode.c/insn.def (the test fails).
 * Where capstone finds no instruction we ask whether tandem agrees: both
 * invalid is counted, and tandem decoding bytes capstone rejects is a
 * mismatch unless it is one of capstone 4's documented gaps (linux_cs_gap()).
 *
 * Data in text: the kernel keeps its tables out of its executable sections,
 * but a linear sweep still walks padding, alignment fill, the odd embedded
 * constant and a little 32-bit code. We compare them all the same: decoding
 * is a pure function of the bytes, so any byte string capstone decodes is a
 * fair test whether or not a CPU ever runs it. After bytes capstone rejects
 * the sweep moves on by one byte, so it falls back in step with the real
 * instruction stream within a few instructions, as a disassembler does. In
 * Debian 12's kernels the spots capstone rejects are almost all instructions
 * newer than capstone 4 that tandem's model lacks as well (RDPKRU/WRPKRU,
 * SERIALIZE, TPAUSE, TILERELEASE, ENCLV, RDPRU, AVX-512 forms), so tandem
 * agrees that they are #UD.
 */
#include <capstone/capstone.h>
#include <dirent.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/insn.h"

static uint8_t linux_features[FEAT_COUNT];
static const char *linux_dir;
static unsigned long linux_show_max = 40;   /* TESTS_X86_DECODE_LINUX_SHOW */
static unsigned long linux_show_invalid;    /* TESTS_X86_DECODE_LINUX_SHOW_INVALID */

typedef struct LinuxCount {
    unsigned long compared, unimpl, both_invalid, cs_gap, mismatch, files, bytes;
} LinuxCount;

/* Mnemonic histograms of the unimplemented and capstone-gap buckets. */
#define LINUX_HIST 256
typedef struct LinuxHist { char mnem[32]; unsigned long n; } LinuxHist;
static LinuxHist linux_unimpl_hist[LINUX_HIST], linux_gap_hist[LINUX_HIST];

static void linux_hist_add(LinuxHist *h, const char *m)
{
    for (unsigned k = 0; k < LINUX_HIST; k++) {
        if (!h[k].mnem[0])
            snprintf(h[k].mnem, sizeof(h[k].mnem), "%s", m);
        if (!strcmp(h[k].mnem, m)) {
            h[k].n++;
            return;
        }
    }
}

static void linux_hist_print(const char *what, const LinuxHist *h)
{
    printf("\n  %s:", what);
    for (unsigned k = 0; k < LINUX_HIST && h[k].mnem[0]; k++)
        printf(" %s %lu", h[k].mnem, h[k].n);
}

/*
 * Classes tandem's CPU model does not implement, so its decoder rightly
 * answers #UD: by capstone group, then by mnemonic.
 */
static bool linux_unimplemented(const cs_insn *in)
{
    static const uint8_t groups[] = {
        X86_GRP_AVX512, X86_GRP_VM, X86_GRP_SGX, X86_GRP_3DNOW, X86_GRP_FMA4, X86_GRP_XOP,
        X86_GRP_TBM, X86_GRP_SSE4A, X86_GRP_CDI, X86_GRP_ERI, X86_GRP_PFI, X86_GRP_VLX,
        X86_GRP_DQI, X86_GRP_BWI,
    };
    static const char *const mnem[] = {
        "encls", "enclu", "enclv",                      /* SGX */
        "monitor", "mwait",                             /* CPUID.01H:ECX.MONITOR */
        "clflushopt", "clwb",                           /* CPUID.07H:EBX bits 23, 24 */
        "rdseed", "invpcid", "rdpid",                   /* CPUID.07H:EBX 18, 10; ECX 22 */
        "xsaves", "xsaves64", "xrstors", "xrstors64",   /* CPUID.(0DH,1):EAX.XSAVES */
        "rdpkru", "wrpkru",                             /* CPUID.07H:ECX.OSPKE */
        "xbegin", "xend", "xabort", "xtest",            /* RTM */
        NULL,
    };
    const cs_detail *d = in->detail;
    for (unsigned k = 0; d && k < d->groups_count; k++)
        for (unsigned g = 0; g < sizeof(groups); g++)
            if (d->groups[k] == groups[g])
                return true;
    for (unsigned k = 0; mnem[k]; k++)
        if (!strcmp(in->mnemonic, mnem[k]))
            return true;
    /* VIA PadLock (CPUID C0000001H, Centaur only): xstore, xcrypt*, xsha*, montmul */
    return !strncmp(in->mnemonic, "xstore", 6) || !strncmp(in->mnemonic, "xcrypt", 6) ||
           !strncmp(in->mnemonic, "xsha", 4) || !strcmp(in->mnemonic, "montmul");
}

/*
 * Bytes capstone 4 rejects (or misreads) although the SDM defines them; each
 * entry says what the SDM says. True when tandem's decoding is such a case.
 */
static bool linux_cs_gap(const X86Insn *i)
{
    switch (i->op) {
    case X86_INSN_UD1: case X86_INSN_UD0:
        /* SDM Vol. 2B, UD: "0F B9 /r UD1 r32, r/m32", "0F FF /r UD0 r32,
         * r/m32"; capstone 4 reads "ud2b" and "ud0" without the ModRM byte
         * (the kernel's static-call trampolines end in 0F B9 CC). */
        return true;
    case X86_INSN_LFENCE: case X86_INSN_MFENCE: case X86_INSN_SFENCE:
        /* SDM Vol. 2A/2B, LFENCE/MFENCE/SFENCE: "the processor ignores the
         * r/m field of the ModR/M byte"; capstone 4 knows rm = 0 only. */
        return (i->modrm & 7) != 0;
    case X86_INSN_VBROADCASTI128_66_385A_M:
        /* SDM Vol. 2C, VPBROADCAST: "VEX.256.66.0F38.W0 5A /r VBROADCASTI128
         * ymm1, m128" (AVX2); capstone 4 has no such row. */
        return true;
    default:
        return false;
    }
}

static X86DecodeStatus linux_dec(const uint8_t *b, size_t avail, X86Insn *out)
{
    X86DecodeMode m = { 8, linux_features };
    return x86_decode(&m, b, avail < 15 ? (unsigned)avail : 15, out);
}

static void linux_show(const char *file, const char *sec, uint64_t off, const uint8_t *b,
                       size_t avail, const char *what)
{
    printf("\n  %s %s+0x%llx:", file, sec, (unsigned long long)off);
    for (size_t k = 0; k < avail && k < 15; k++)
        printf(" %02x", b[k]);
    printf(": %s", what);
}

/* Linear sweep of one executable section. */
static void linux_sweep(csh h, csh hd, cs_insn *in, cs_insn *ind, const char *file,
                        const char *sec, const uint8_t *code, size_t size, LinuxCount *c)
{
    const uint8_t *p = code;
    size_t left = size;
    uint64_t addr = 0;
    c->bytes += size;
    while (left) {
        const uint8_t *at = p;
        X86Insn i;
        X86DecodeStatus st = linux_dec(at, left, &i);
        char what[320];
        if (!cs_disasm_iter(h, &p, &left, &addr, in)) {
            size_t step = 1;
            if (st != X86_DEC_OK) {
                if (c->both_invalid++ < linux_show_invalid)
                    linux_show(file, sec, (uint64_t)(at - code), at, left, "invalid to both");
            } else if (linux_cs_gap(&i)) {
                c->cs_gap++;
                linux_hist_add(linux_gap_hist, x86_insn_mnemonic(i.op));
                step = i.len <= left ? i.len : left;
            } else {
                if (c->mismatch++ < linux_show_max) {
                    snprintf(what, sizeof(what), "capstone invalid, tandem %s len %u",
                             x86_insn_mnemonic(i.op), i.len);
                    linux_show(file, sec, (uint64_t)(at - code), at, left, what);
                }
            }
            p = at + step, left -= step, addr += step;
            continue;
        }
        if (st == X86_DEC_OK && i.len == in->size) {
            c->compared++;
            continue;
        }
        if (st == X86_DEC_UD) {
            /* The detail pass only for the few instructions that need it. */
            const uint8_t *q = at;
            size_t ql = in->size;
            uint64_t qa = 0;
            if (cs_disasm_iter(hd, &q, &ql, &qa, ind) && linux_unimplemented(ind)) {
                c->unimpl++;
                linux_hist_add(linux_unimpl_hist, ind->mnemonic);
                continue;
            }
        }
        if (st == X86_DEC_OK && linux_cs_gap(&i)) {
            c->cs_gap++;
            linux_hist_add(linux_gap_hist, x86_insn_mnemonic(i.op));
            p = at + i.len, left = size - (size_t)(p - code), addr = (uint64_t)(p - code);
            continue;
        }
        if (c->mismatch++ < linux_show_max) {
            snprintf(what, sizeof(what), "capstone %s %s len %u, tandem %s len %u", in->mnemonic,
                     in->op_str, in->size, st == X86_DEC_OK ? x86_insn_mnemonic(i.op) : "invalid",
                     st == X86_DEC_OK ? i.len : 0);
            linux_show(file, sec, (uint64_t)(at - code), at, left, what);
        }
    }
}

/* Every executable section of an ELF64 image in memory; false if not one. */
static bool linux_walk_elf(csh h, csh hd, cs_insn *in, cs_insn *ind, const char *file,
                           const uint8_t *img, size_t size, LinuxCount *c)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)img;
    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff > size || (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
        eh->e_shstrndx >= eh->e_shnum)
        return false;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(const void *)(img + eh->e_shoff);
    const Elf64_Shdr *strs = &sh[eh->e_shstrndx];
    if (strs->sh_offset > size || strs->sh_size > size - strs->sh_offset)
        return false;
    for (unsigned k = 0; k < eh->e_shnum; k++) {
        if (!(sh[k].sh_flags & SHF_EXECINSTR) || sh[k].sh_type != SHT_PROGBITS)
            continue;
        if (sh[k].sh_offset > size || sh[k].sh_size > size - sh[k].sh_offset ||
            sh[k].sh_name >= strs->sh_size)
            return false;
        const char *name = (const char *)img + strs->sh_offset + sh[k].sh_name;
        if (!memchr(name, 0, strs->sh_size - sh[k].sh_name))
            return false;
        linux_sweep(h, hd, in, ind, file, name, img + sh[k].sh_offset, sh[k].sh_size, c);
    }
    c->files++;
    return true;
}

/* Read all of a stream; NULL on failure. */
static uint8_t *linux_slurp(FILE *f, size_t *size)
{
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            return NULL;
        }
        buf = nb;
        cap *= 2;
    }
    *size = n;
    return buf;
}

static uint8_t *linux_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = linux_slurp(f, size);
    fclose(f);
    return b;
}

/*
 * Run "TOOL < path" and return its output. Decompressors exit non-zero on
 * the size word the kernel appends after the stream; the output before it
 * is complete, and the caller checks it is an ELF image.
 */
static uint8_t *linux_unpack(const char *tool, const char *path, size_t *size)
{
    if (strchr(path, '\''))
        return NULL;
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "%s < '%s' 2>/dev/null", tool, path);
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    uint8_t *b = linux_slurp(f, size);
    pclose(f);
    return b;
}

/* The decompressor for a payload, by its magic; NULL if unknown. */
static const char *linux_tool_for(const uint8_t *p, size_t n)
{
    static const struct { uint8_t magic[6]; unsigned len; const char *tool; } t[] = {
        { { 0x1f, 0x8b }, 2, "gzip -dc" },
        { { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, "xz -dc --single-stream" },
        { { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd -dc" },
        { { 0x02, 0x21, 0x4c, 0x18 }, 4, "lz4 -dc" },
        { { 0x5d, 0x00, 0x00 }, 3, "xz -dc --format=lzma" },
        { { 'B', 'Z', 'h' }, 3, "bzip2 -dc" },
        { { 0x89, 'L', 'Z', 'O' }, 4, "lzop -dc" },
    };
    for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++)
        if (n >= t[k].len && !memcmp(p, t[k].magic, t[k].len))
            return t[k].tool;
    return NULL;
}

/* vmlinux out of a bzImage: the payload the boot protocol (2.08+) points at. */
static uint8_t *linux_vmlinux(const char *bzimage, size_t *size, char *err, size_t errlen)
{
    size_t n;
    uint8_t *img = linux_read_file(bzimage, &n);
    if (!img || n < 0x250 || memcmp(img + 0x202, "HdrS", 4)) {
        snprintf(err, errlen, "%s: not a bzImage", bzimage);
        free(img);
        return NULL;
    }
    uint32_t setup = img[0x1f1] ? img[0x1f1] : 4, poff, plen;
    memcpy(&poff, img + 0x248, 4);
    memcpy(&plen, img + 0x24c, 4);
    size_t start = (size_t)(setup + 1) * 512 + poff;
    const char *tool = start < n && plen <= n - start ? linux_tool_for(img + start, plen) : NULL;
    if (!tool) {
        snprintf(err, errlen, "%s: payload at 0x%zx has no known compression magic", bzimage,
                 start);
        free(img);
        return NULL;
    }
    char tmp[] = "/tmp/tandem-vmlinux-XXXXXX";
    int fd = mkstemp(tmp);
    bool ok = fd >= 0 && write(fd, img + start, plen) == (ssize_t)plen;
    if (fd >= 0)
        close(fd);
    free(img);
    uint8_t *out = ok ? linux_unpack(tool, tmp, size) : NULL;
    if (fd >= 0)
        unlink(tmp);
    if (!out || *size < 4 || memcmp(out, ELFMAG, SELFMAG)) {
        snprintf(err, errlen, "%s: '%s' gave no ELF image", bzimage, tool);
        free(out);
        return NULL;
    }
    return out;
}

/* Module paths under dir, collected recursively. */
typedef struct LinuxList { char **v; size_t n, cap; } LinuxList;

static void linux_find_modules(const char *dir, LinuxList *l)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
            break;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            linux_find_modules(path, l);
            free(path);
        } else if (strstr(e->d_name, ".ko")) {
            if (l->n == l->cap) {
                l->cap = l->cap ? l->cap * 2 : 1024;
                l->v = realloc(l->v, l->cap * sizeof(*l->v));
            }
            l->v[l->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
}

static int linux_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One module: plain .ko, or compressed by the tool its suffix names. */
static uint8_t *linux_read_module(const char *path, size_t *size)
{
    size_t len = strlen(path);
    if (len > 3 && !strcmp(path + len - 3, ".ko"))
        return linux_read_file(path, size);
    if (len > 6 && !strcmp(path + len - 6, ".ko.xz"))
        return linux_unpack("xz -dc", path, size);
    if (len > 7 && !strcmp(path + len - 7, ".ko.zst"))
        return linux_unpack("zstd -dc", path, size);
    if (len > 6 && !strcmp(path + len - 6, ".ko.gz"))
        return linux_unpack("gzip -dc", path, size);
    return NULL;
}

static void test_decode_linux(void)
{
    memset(linux_features, 1, sizeof(linux_features));
    csh h, hd;
    CU_ASSERT_FATAL(cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK);
    CU_ASSERT_FATAL(cs_open(CS_ARCH_X86, CS_MODE_64, &hd) == CS_ERR_OK);
    cs_option(hd, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = cs_malloc(h), *ind = cs_malloc(hd);

    /* The kernel image */
    char path[4096], err[4400];
    snprintf(path, sizeof(path), "%s/boot", linux_dir);
    DIR *d = opendir(path);
    struct dirent *e;
    path[0] = 0;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "vmlinuz-", 8))
            snprintf(path, sizeof(path), "%s/boot/%s", linux_dir, e->d_name);
    if (d)
        closedir(d);
    if (!path[0])
        printf("\n  %s: no boot/vmlinuz-* (not an unpacked linux-image package)", linux_dir);
    CU_ASSERT_FATAL(path[0] != 0);
    size_t size = 0;
    LinuxCount kc = { 0 }, mc = { 0 };
    uint8_t *vmlinux = linux_vmlinux(path, &size, err, sizeof(err));
    if (!vmlinux)
        printf("\n  %s", err);
    CU_ASSERT_FATAL(vmlinux != NULL);
    CU_ASSERT(linux_walk_elf(h, hd, in, ind, "vmlinux", vmlinux, size, &kc));
    free(vmlinux);
    printf("\n  vmlinux: %lu bytes of code, %lu instructions compared, %lu unimplemented, "
           "%lu invalid to both, %lu capstone gaps, %lu mismatches",
           kc.bytes, kc.compared, kc.unimpl, kc.both_invalid, kc.cs_gap, kc.mismatch);

    /* The modules: all, or every stride-th by path */
    LinuxList l = { 0 };
    snprintf(path, sizeof(path), "%s/lib/modules", linux_dir);
    linux_find_modules(path, &l);
    qsort(l.v, l.n, sizeof(*l.v), linux_cmp);
    const char *sv = getenv("TESTS_X86_DECODE_LINUX_STRIDE");
    size_t stride = sv ? strtoul(sv, NULL, 0) : 1;
    if (stride < 1)
        stride = 1;
    unsigned long bad_files = 0;
    for (size_t k = 0; k < l.n; k++) {
        if (k % stride == 0) {
            uint8_t *m = linux_read_module(l.v[k], &size);
            const char *name = strstr(l.v[k], "/kernel/") ? strstr(l.v[k], "/kernel/") + 1 : l.v[k];
            if (!m || !linux_walk_elf(h, hd, in, ind, name, m, size, &mc)) {
                if (bad_files++ < 5)
                    printf("\n  %s: not a readable ELF64 module", l.v[k]);
            }
            free(m);
        }
        free(l.v[k]);
    }
    free(l.v);
    printf("\n  modules: %lu of %zu files, %lu bytes of code, %lu instructions compared, "
           "%lu unimplemented, %lu invalid to both, %lu capstone gaps, %lu mismatches",
           mc.files, l.n, mc.bytes, mc.compared, mc.unimpl, mc.both_invalid, mc.cs_gap,
           mc.mismatch);
    linux_hist_print("unimplemented by mnemonic", linux_unimpl_hist);
    linux_hist_print("capstone gaps by tandem's mnemonic", linux_gap_hist);
    printf("\n");
    cs_free(in, 1);
    cs_free(ind, 1);
    cs_close(&h);
    cs_close(&hd);
    CU_ASSERT_EQUAL(bad_files, 0);
    CU_ASSERT_EQUAL(kc.mismatch + mc.mismatch, 0);
    CU_ASSERT(kc.compared > 1000000);
    CU_ASSERT(l.n == 0 || mc.compared > 10000);
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "linux", test_decode_linux },
        { NULL, NULL }
    };
    linux_dir = getenv("TESTS_X86_DECODE_LINUX");
    if (getenv("TESTS_X86_DECODE_LINUX_SHOW"))
        linux_show_max = strtoul(getenv("TESTS_X86_DECODE_LINUX_SHOW"), NULL, 0);
    if (getenv("TESTS_X86_DECODE_LINUX_SHOW_INVALID"))
        linux_show_invalid = strtoul(getenv("TESTS_X86_DECODE_LINUX_SHOW_INVALID"), NULL, 0);
    if (!linux_dir || !*linux_dir) {
        unit_skip("TESTS_X86_DECODE_LINUX (an unpacked linux-image package) not set; "
                  "tests/integration/decode-linux.sh sets it");
        return;
    }
    unit_add_suite("x86-decode-linux", NULL, NULL, tests);
}

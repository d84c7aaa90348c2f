/* SPDX-License-Identifier: MIT */
/*
 * Command-line parsing. One table lists every option with whether it takes
 * an argument; the parser walks argv once and dispatches on the table, so
 * -help is generated from the same table that parses, and an option cannot
 * exist without its help line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "softmmu/cmdline.h"
#include "softmmu/log.h"

#define RAM_MIN (1ull << 20)
#define RAM_MAX (1ull << 40)

typedef int OptHandler(MachineConfig *cfg, const char *arg, CmdlineAction *action,
                       Error *err);

typedef struct Option {
    const char *name;
    const char *argname;    /* NULL: takes no argument */
    OptHandler *handler;
    const char *help;
} Option;

void cmdline_defaults(MachineConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = 128ull << 20;
    cfg->smp = 1;
}

int cmdline_parse_size(const char *text, uint64_t *bytes)
{
    const char *p = text;
    if (!strncmp(p, "size=", 5))
        p += 5;
    if (!isdigit((unsigned char)*p))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 20;    /* plain numbers are MiB, as in QEMU */
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    case 'b': case 'B': shift = 0; end++; break;
    default: return -1;
    }
    if (*end == 'i' || *end == 'B')   /* "MiB", "GB" */
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    if (*end != '\0')
        return -1;
    if (v > (UINT64_MAX >> shift))
        return -1;
    *bytes = (uint64_t)v << shift;
    return 0;
}

static int check_readable(const char *opt, const char *path, Error *err)
{
    if (access(path, R_OK) != 0)
        return error_setf_errno(err, errno, "%s %s", opt, path);
    return 0;
}

static int opt_m(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    uint64_t size;
    if (cmdline_parse_size(arg, &size) < 0)
        return error_setf(err, "-m %s: invalid RAM size (examples: 512, 512M, 4G)", arg);
    if (size < RAM_MIN || size > RAM_MAX)
        return error_setf(err, "-m %s: RAM size must be between 1M and 1T", arg);
    cfg->ram_size = (size + 0xfffff) & ~0xfffffull;
    return 0;
}

static int opt_smp(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    const char *p = arg;
    if (!strncmp(p, "cpus=", 5))
        p += 5;
    char *end;
    errno = 0;
    long n = strtol(p, &end, 10);
    if (errno || end == p || (*end && *end != ','))
        return error_setf(err, "-smp %s: expected a number of CPUs", arg);
    if (n < 1 || n > MACHINE_MAX_CPUS)
        return error_setf(err, "-smp %s: between 1 and %d CPUs are supported", arg,
                          MACHINE_MAX_CPUS);
    cfg->smp = (int)n;
    return 0;
}

static int opt_kernel(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->kernel = arg;
    return check_readable("-kernel", arg, err);
}

static int opt_initrd(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    /* Multiboot takes several modules, comma separated, each with arguments. */
    char buf[4096];
    const char *p = arg;
    cfg->initrd = arg;
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t path_len = strcspn(p, " ");
        if (path_len > n)
            path_len = n;
        if (path_len == 0 || path_len >= sizeof(buf))
            return error_setf(err, "-initrd %s: empty or overlong file name", arg);
        memcpy(buf, p, path_len);
        buf[path_len] = '\0';
        if (check_readable("-initrd", buf, err) < 0)
            return -1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int opt_append(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->append = arg;
    return 0;
}

static int opt_bios(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->bios = arg;
    return check_readable("-bios", arg, err);
}

static int opt_nographic(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->nographic = true;
    return 0;
}

static int opt_serial(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (cfg->nr_serial >= 4)
        return error_setf(err, "-serial %s: at most 4 serial ports", arg);
    if (strcmp(arg, "stdio") && strcmp(arg, "none") && strcmp(arg, "null") &&
        strcmp(arg, "pty") && strncmp(arg, "file:", 5) && strncmp(arg, "chardev:", 8))
        return error_setf(err, "-serial %s: expected stdio, file:PATH, pty, chardev:ID, null "
                          "or none", arg);
    if ((!strncmp(arg, "file:", 5) && arg[5] == '\0') ||
        (!strncmp(arg, "chardev:", 8) && arg[8] == '\0'))
        return error_setf(err, "-serial %s: missing name after ':'", arg);
    cfg->serial[cfg->nr_serial++] = arg;
    return 0;
}

static int opt_display(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    size_t n = strcspn(arg, ",");
    if (n == 4 && !strncmp(arg, "none", 4)) {
        cfg->display = "none";
        return 0;
    }
    if (n == 3 && !strncmp(arg, "sdl", 3)) {
#ifdef CONFIG_SDL
        cfg->display = "sdl";
        return 0;
#else
        return error_setf(err, "-display sdl: this tandem was built without SDL");
#endif
    }
    return error_setf(err, "-display %s: expected sdl or none", arg);
}

static int opt_vga(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (strcmp(arg, "std") && strcmp(arg, "none"))
        return error_setf(err, "-vga %s: expected std or none", arg);
    cfg->vga = arg;
    return 0;
}

static int opt_accel(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    const char *p = arg;
    if (!strncmp(p, "accel=", 6))
        p += 6;
    if (*p == '\0')
        return error_setf(err, "-accel: expected tcg, kvm or kvm:tcg");
    /* Options after the name (",thread=...") are the engine's own. */
    cfg->accel = p;
    cfg->accel_explicit = true;
    return 0;
}

static int opt_enable_kvm(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->accel = "kvm";
    cfg->accel_explicit = true;
    return 0;
}

static int opt_cpu(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (*arg == '\0')
        return error_setf(err, "-cpu: expected a CPU model name");
    cfg->cpu_model = arg;
    return 0;
}

static int opt_device(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        *a = CMDLINE_DEVICE_HELP;
        return 0;
    }
    if (cfg->nr_devices >= MACHINE_MAX_DEVICES)
        return error_setf(err, "-device %s: too many devices (at most %d)", arg,
                          MACHINE_MAX_DEVICES);
    cfg->devices[cfg->nr_devices++] = arg;
    return 0;
}

static int opt_chardev(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (cfg->nr_chardevs >= MACHINE_MAX_CHARDEVS)
        return error_setf(err, "-chardev %s: too many character devices", arg);
    cfg->chardevs[cfg->nr_chardevs++] = arg;
    return 0;
}

static int opt_drive(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (cfg->nr_drives >= MACHINE_MAX_DRIVES)
        return error_setf(err, "-drive %s: too many drives (at most %d)", arg,
                          MACHINE_MAX_DRIVES);
    cfg->drives[cfg->nr_drives++] = arg;
    return 0;
}

static int opt_hd(MachineConfig *cfg, int index, const char *opt, const char *arg,
                  Error *err)
{
    cfg->hd[index] = arg;
    return check_readable(opt, arg, err);
}

static int opt_hda(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    return opt_hd(cfg, 0, "-hda", arg, err);
}

static int opt_hdb(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    return opt_hd(cfg, 1, "-hdb", arg, err);
}

static int opt_hdc(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    return opt_hd(cfg, 2, "-hdc", arg, err);
}

static int opt_hdd(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    return opt_hd(cfg, 3, "-hdd", arg, err);
}

static int opt_cdrom(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->cdrom = arg;
    return check_readable("-cdrom", arg, err);
}

static int opt_debugcon(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->debugcon = arg;
    return 0;
}

static int opt_d(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    char bad[64];
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        *a = CMDLINE_LOG_HELP;
        return 0;
    }
    if (log_parse_mask(arg, bad, sizeof(bad)) < 0)
        return error_setf(err, "-d %s: unknown log item '%s' (see -d help)", arg, bad);
    return 0;
}

static int opt_D(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    if (log_set_file(arg) < 0)
        return error_setf_errno(err, errno, "-D %s", arg);
    return 0;
}

static int opt_no_reboot(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    cfg->no_reboot = true;
    return 0;
}

static int opt_version(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    *a = CMDLINE_VERSION;
    return 0;
}

static int opt_help(MachineConfig *cfg, const char *arg, CmdlineAction *a, Error *err)
{
    *a = CMDLINE_HELP;
    return 0;
}

static const Option options[] = {
    { "m", "SIZE", opt_m, "guest RAM (plain numbers are MiB; suffixes K M G T)" },
    { "smp", "N", opt_smp, "number of CPUs (1-8)" },
    { "cpu", "MODEL[,+feat,-feat]", opt_cpu, "CPU model and feature changes" },
    { "accel", "tcg|kvm|kvm:tcg", opt_accel, "engine (default kvm:tcg: kvm if usable)" },
    { "enable-kvm", NULL, opt_enable_kvm, "same as -accel kvm" },
    { "kernel", "FILE", opt_kernel, "boot this kernel (multiboot ELF)" },
    { "initrd", "FILE[,FILE...]", opt_initrd, "initial ramdisk / multiboot modules" },
    { "append", "TEXT", opt_append, "kernel command line" },
    { "bios", "FILE", opt_bios, "firmware image" },
    { "nographic", NULL, opt_nographic, "no window; serial port on the terminal" },
    { "serial", "stdio|file:PATH|pty|chardev:ID|null|none", opt_serial,
      "back the next serial port (COM1 first)" },
    { "display", "sdl|none", opt_display, "display frontend" },
    { "vga", "std|none", opt_vga, "graphics card (default std: VGA with Bochs VBE)" },
    { "device", "NAME[,opt=val...]", opt_device, "add a device (-device help lists them)" },
    { "chardev", "BACKEND,id=ID[,path=FILE]", opt_chardev,
      "named character backend: stdio, file, null" },
    { "drive", "file=PATH[,format=raw|qcow2][,media=disk|cdrom][,index=N][,readonly=on]",
      opt_drive, "add an IDE drive" },
    { "hda", "FILE", opt_hda, "IDE primary master disk image" },
    { "hdb", "FILE", opt_hdb, "IDE primary slave disk image" },
    { "hdc", "FILE", opt_hdc, "IDE secondary master disk image" },
    { "hdd", "FILE", opt_hdd, "IDE secondary slave disk image" },
    { "cdrom", "FILE", opt_cdrom, "IDE CD-ROM image (secondary master)" },
    { "debugcon", "file:PATH|stdio|chardev:ID|null", opt_debugcon,
      "a debug console on port 0xe9" },
    { "d", "ITEM[,ITEM...]", opt_d, "log items (-d help lists them)" },
    { "D", "FILE", opt_D, "write the log to FILE instead of stderr" },
    { "no-reboot", NULL, opt_no_reboot, "exit instead of rebooting" },
    { "version", NULL, opt_version, "print the version and exit" },
    { "help", NULL, opt_help, "print this help and exit" },
    { "h", NULL, opt_help, NULL },
};

void cmdline_print_help(void)
{
    printf("usage: tandem [options]\n\n"
           "tandem: a PC emulator with two engines, tcg (dynamic translation) and kvm.\n\n");
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        const Option *o = &options[i];
        char left[64];
        if (!o->help)
            continue;
        snprintf(left, sizeof(left), "-%s%s%s", o->name, o->argname ? " " : "",
                 o->argname ? o->argname : "");
        if (strlen(left) > 26)
            printf("  %s\n  %-26s %s\n", left, "", o->help);
        else
            printf("  %-26s %s\n", left, o->help);
    }
    printf("\nWith -nographic, Ctrl-A x quits and Ctrl-A h lists the other keys.\n");
}

int cmdline_parse(int argc, char **argv, MachineConfig *cfg, CmdlineAction *action,
                  Error *err)
{
    *action = CMDLINE_RUN;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (word[0] != '-' || word[1] == '\0')
            return error_setf(err, "%s: unexpected argument (options start with '-'; see -help)",
                              word);
        const char *name = word + 1;
        if (*name == '-')
            name++;
        const Option *opt = NULL;
        for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++)
            if (!strcmp(options[k].name, name))
                opt = &options[k];
        if (!opt)
            return error_setf(err, "%s: unknown option (see -help)", word);
        const char *arg = NULL;
        if (opt->argname) {
            if (i + 1 >= argc)
                return error_setf(err, "%s: missing argument %s", word, opt->argname);
            arg = argv[++i];
        }
        if (opt->handler(cfg, arg, action, err) < 0)
            return -1;
        if (*action != CMDLINE_RUN)
            return 0;
    }
    return 0;
}

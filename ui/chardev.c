/* SPDX-License-Identifier: MIT */
/*
 * Character backends (see chardev.h for the contract).
 *
 * Invariants:
 * - A backend's fds are valid until chardev_destroy_all(); out_fd < 0 means
 *   output is discarded, in_fd < 0 means there is never input.
 * - The input fd is watched only while a frontend is attached, the frontend
 *   had room at the last look (input_armed) and the fd has not hit EOF or an
 *   error. Re-arming after the frontend filled up goes through a bottom half
 *   so that frontends may call chardev_accept_input() from a vCPU thread.
 * - Output never waits more than CHARDEV_WRITE_WAIT_MS in total per call, and
 *   after a call had to drop bytes, later calls do not wait at all until a
 *   write succeeds again (a stuck terminal costs the guest nothing more).
 * - Only one stdio backend exists; it owns the terminal's saved mode, which
 *   is put back by atexit and by the fatal-signal handlers installed here
 *   (only where the disposition was still the default, so the main loop's
 *   own SIGINT/SIGTERM handling and sanitizers keep theirs).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ui/chardev.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

#define CHARDEV_ID_MAX 32
#define CHARDEV_WRITE_WAIT_MS 500
#define CHARDEV_ESCAPE 0x01     /* Ctrl-A, as in QEMU */

typedef enum ChardevKind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_PTY,
    CHARDEV_CUSTOM,
} ChardevKind;

struct Chardev {
    char id[CHARDEV_ID_MAX];
    ChardevKind kind;
    int in_fd, out_fd;
    bool close_in, close_out;   /* fds we opened (not stdin/stdout) */
    bool drop_when_full;        /* pty: nobody may be reading, never wait */

    /* output health */
    bool congested;             /* last write dropped bytes */
    bool broken;                /* hard error: output discarded from now on */

    /* input */
    bool input_armed;           /* fd handler registered */
    bool input_dead;            /* EOF or error: never watch again */
    Bh *rearm_bh;
    Timer *retry_timer;         /* pty: look again for a reader later */
    bool escapes;               /* Ctrl-A handling (stdio) */
    bool got_escape;

    /* frontend */
    bool attached;
    ChardevCanReceive *can_receive;
    ChardevReceive *receive;
    void *fe_opaque;

    /* custom */
    ChardevWriteFn *custom_write;
    void *custom_opaque;

    Chardev *next;
};

static Chardev *chardev_list;
static unsigned chardev_anon_count;
static ChardevQuitFn *chardev_quit_fn;
static void *chardev_quit_opaque;

/* The terminal's mode before stdio made it raw. */
static bool term_saved;
static struct termios term_orig;
static bool stdio_in_use;

static void chardev_arm_input(Chardev *chr);
static void chardev_rearm_bh(void *opaque);

/* ---- terminal ---------------------------------------------------------- */

static void chardev_term_restore(void)
{
    if (term_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &term_orig);
}

/* Fatal signal: put the terminal back, then die of the same signal. */
static void chardev_term_signal(int sig)
{
    chardev_term_restore();     /* tcsetattr is async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void chardev_term_raw(void)
{
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
                                 SIGQUIT, SIGHUP, SIGTERM, SIGINT };
    struct termios t;

    static bool hooks_installed;

    if (term_saved || !isatty(STDIN_FILENO) ||
        tcgetattr(STDIN_FILENO, &term_orig) < 0)
        return;
    term_saved = true;
    if (hooks_installed)
        goto set_raw;
    hooks_installed = true;
    atexit(chardev_term_restore);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
        struct sigaction old;
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
            !(old.sa_flags & SA_SIGINFO)) {
            struct sigaction sa;
            memset(&sa, 0, sizeof(sa));
            sa.sa_handler = chardev_term_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(fatal[i], &sa, NULL);
        }
    }

    /*
     * Raw input, but keep output processing (OPOST) as the user had it so
     * that host-side messages still start at column 0. ISIG is off: Ctrl-C
     * belongs to the guest, C-a x is the way out (as with QEMU -nographic).
     */
set_raw:
    t = term_orig;
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* ---- registry ---------------------------------------------------------- */

Chardev *chardev_find(const char *id)
{
    for (Chardev *c = chardev_list; c; c = c->next)
        if (!strcmp(c->id, id))
            return c;
    return NULL;
}

const char *chardev_id(const Chardev *chr)
{
    return chr->id;
}

static Chardev *chardev_alloc(const char *id, ChardevKind kind, Error *err)
{
    Chardev *chr;

    if (!id || !*id) {
        error_setf(err, "chardev: an id is required");
        return NULL;
    }
    if (strlen(id) >= CHARDEV_ID_MAX) {
        error_setf(err, "chardev: id '%s' is too long", id);
        return NULL;
    }
    if (chardev_find(id)) {
        error_setf(err, "chardev: id '%s' is already in use", id);
        return NULL;
    }
    chr = calloc(1, sizeof(*chr));
    if (!chr) {
        error_setf(err, "chardev: out of memory");
        return NULL;
    }
    snprintf(chr->id, sizeof(chr->id), "%s", id);
    chr->kind = kind;
    chr->in_fd = chr->out_fd = -1;
    chr->next = chardev_list;
    chardev_list = chr;
    return chr;
}

/* Ignore SIGPIPE once: a closed reader must show up as EPIPE, not death. */
static void chardev_ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

static Chardev *chardev_open(const char *backend, const char *id,
                             const char *path, Error *err)
{
    Chardev *chr;

    if (!strcmp(backend, "null")) {
        return chardev_alloc(id, CHARDEV_NULL, err);
    }
    if (!strcmp(backend, "stdio")) {
        if (stdio_in_use) {
            error_setf(err, "chardev '%s': stdio is already used by another backend", id);
            return NULL;
        }
        chr = chardev_alloc(id, CHARDEV_STDIO, err);
        if (!chr)
            return NULL;
        stdio_in_use = true;
        chr->in_fd = STDIN_FILENO;
        chr->out_fd = STDOUT_FILENO;
        chr->escapes = true;
        chardev_ignore_sigpipe();
        chardev_term_raw();
        return chr;
    }
    if (!strcmp(backend, "file")) {
        int fd;
        if (!path || !*path) {
            error_setf(err, "chardev '%s': file backend needs path=PATH", id);
            return NULL;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            error_setf_errno(err, errno, "chardev '%s': cannot open '%s'", id, path);
            return NULL;
        }
        chr = chardev_alloc(id, CHARDEV_FILE, err);
        if (!chr) {
            close(fd);
            return NULL;
        }
        chr->out_fd = fd;
        chr->close_out = true;
        chardev_ignore_sigpipe();   /* the path may be a FIFO */
        return chr;
    }
    if (!strcmp(backend, "pty")) {
        int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        struct termios t;
        const char *name;
        if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || !(name = ptsname(fd))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            error_setf_errno(err, e, "chardev '%s': cannot create a pseudo-terminal", id);
            return NULL;
        }
        if (tcgetattr(fd, &t) == 0) {
            cfmakeraw(&t);
            tcsetattr(fd, TCSANOW, &t);
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        chr = chardev_alloc(id, CHARDEV_PTY, err);
        if (!chr) {
            close(fd);
            return NULL;
        }
        chr->in_fd = chr->out_fd = fd;
        chr->close_out = true;
        chr->drop_when_full = true;
        fprintf(stderr, "tandem: char device redirected to %s (label %s)\n", name, id);
        return chr;
    }
    error_setf(err, "chardev: unknown backend '%s' (stdio, file, pty, null)", backend);
    return NULL;
}

/* "backend,id=X,path=P": a small parser, the keys are few and fixed. */
Chardev *chardev_new_from_opts(const char *text, Error *err)
{
    char buf[1024], *save = NULL, *tok;
    const char *backend, *id = NULL, *path = NULL;

    if (strlen(text) >= sizeof(buf)) {
        error_setf(err, "chardev: option text too long");
        return NULL;
    }
    snprintf(buf, sizeof(buf), "%s", text);
    backend = strtok_r(buf, ",", &save);
    if (!backend) {
        error_setf(err, "chardev: empty option text");
        return NULL;
    }
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            error_setf(err, "chardev: option '%s' needs a value", tok);
            return NULL;
        }
        *eq = '\0';
        if (!strcmp(tok, "id"))
            id = eq + 1;
        else if (!strcmp(tok, "path"))
            path = eq + 1;
        else {
            error_setf(err, "chardev: unknown option '%s'", tok);
            return NULL;
        }
    }
    if (!id) {
        error_setf(err, "chardev: '%s' needs id=ID", text);
        return NULL;
    }
    if (path && strcmp(backend, "file")) {
        error_setf(err, "chardev '%s': path= only applies to the file backend", id);
        return NULL;
    }
    return chardev_open(backend, id, path, err);
}

int chardev_from_serial_spec(const char *spec, const char *label, Chardev **out,
                             Error *err)
{
    char id[CHARDEV_ID_MAX];

    *out = NULL;
    if (!strcmp(spec, "none"))
        return 0;
    if (!strncmp(spec, "chardev:", 8)) {
        Chardev *chr = chardev_find(spec + 8);
        if (!chr)
            return error_setf(err, "-serial %s: no chardev with id '%s'", spec, spec + 8);
        *out = chr;
        return 0;
    }
    /* Anonymous backends get the frontend's label, made unique. */
    snprintf(id, sizeof(id), "%s", label && *label ? label : "serial");
    if (chardev_find(id))
        snprintf(id, sizeof(id), "%.20s.%u", label ? label : "serial", ++chardev_anon_count);
    if (!strncmp(spec, "file:", 5))
        *out = chardev_open("file", id, spec + 5, err);
    else if (!strcmp(spec, "stdio") || !strcmp(spec, "null") || !strcmp(spec, "pty"))
        *out = chardev_open(spec, id, NULL, err);
    else
        return error_setf(err, "-serial %s: unknown backend "
                          "(stdio, file:PATH, pty, null, none, chardev:ID)", spec);
    return *out ? 0 : -1;
}

Chardev *chardev_new_custom(const char *id, ChardevWriteFn *fn, void *opaque,
                            Error *err)
{
    Chardev *chr = chardev_alloc(id, CHARDEV_CUSTOM, err);
    if (chr) {
        chr->custom_write = fn;
        chr->custom_opaque = opaque;
    }
    return chr;
}

static void chardev_quit_machine(void *opaque)
{
    machine_request_shutdown(opaque, 0);
}

int chardev_init_from_config(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;

    if (!chardev_quit_fn)
        chardev_set_quit_handler(chardev_quit_machine, m);
    for (int i = 0; i < cfg->nr_chardevs; i++) {
        Error e = { 0 };
        if (!chardev_new_from_opts(cfg->chardevs[i], &e))
            return error_setf(err, "-chardev %s: %s", cfg->chardevs[i], e.msg);
    }
    return 0;
}

/* ---- frontend ---------------------------------------------------------- */

int chardev_attach(Chardev *chr, ChardevCanReceive *can_receive,
                   ChardevReceive *receive, void *opaque, Error *err)
{
    if (chr->attached)
        return error_setf(err, "chardev '%s' is already used by another device", chr->id);
    chr->attached = true;
    chr->can_receive = can_receive;
    chr->receive = receive;
    chr->fe_opaque = opaque;
    chardev_arm_input(chr);
    return 0;
}

void chardev_detach(Chardev *chr)
{
    if (chr->input_armed) {
        main_loop_set_fd_handler(chr->in_fd, NULL, NULL, NULL);
        chr->input_armed = false;
    }
    chr->attached = false;
    chr->can_receive = NULL;
    chr->receive = NULL;
    chr->fe_opaque = NULL;
}

void chardev_set_escapes(Chardev *chr, bool on)
{
    chr->escapes = on;
    chr->got_escape = false;
}

void chardev_set_quit_handler(ChardevQuitFn *fn, void *opaque)
{
    chardev_quit_fn = fn;
    chardev_quit_opaque = opaque;
}

/* ---- output ------------------------------------------------------------ */

static void chardev_write_fd(Chardev *chr, const uint8_t *buf, size_t len)
{
    int waited_ms = 0;

    while (len) {
        ssize_t n = write(chr->out_fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            chr->congested = false;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Wait a little for a slow reader, but never spin or hang. */
            struct pollfd pfd = { .fd = chr->out_fd, .events = POLLOUT };
            if (chr->congested || chr->drop_when_full ||
                waited_ms >= CHARDEV_WRITE_WAIT_MS) {
                chr->congested = true;
                return;         /* drop the rest */
            }
            poll(&pfd, 1, 50);
            waited_ms += 50;
            continue;
        }
        if (chr->drop_when_full && n < 0 && errno == EIO)
            return;             /* pty with no reader yet: not an error */
        /* EPIPE, EIO, ENOSPC...: say so once, then discard quietly. */
        chr->broken = true;
        fprintf(stderr, "tandem: chardev '%s': write failed (%s); discarding its output\n",
                chr->id, n < 0 ? strerror(errno) : "no progress");
        return;
    }
}

void chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || !len)
        return;
    if (chr->kind == CHARDEV_CUSTOM) {
        if (chr->custom_write)
            chr->custom_write(chr->custom_opaque, buf, len);
        return;
    }
    if (chr->out_fd < 0 || chr->broken)
        return;
    chardev_write_fd(chr, buf, len);
}

/* ---- input ------------------------------------------------------------- */

static void chardev_print_help(Chardev *chr)
{
    static const char help[] =
        "\r\n"
        "C-a h    print this help\r\n"
        "C-a x    exit emulator\r\n"
        "C-a C-a  sends C-a\r\n";
    if (chr->out_fd >= 0 && !chr->broken)
        chardev_write_fd(chr, (const uint8_t *)help, sizeof(help) - 1);
}

/*
 * Escape handling: returns true if byte c is for the frontend. Unknown
 * escapes are dropped, as QEMU's mux does.
 */
static bool chardev_filter_escape(Chardev *chr, uint8_t c)
{
    if (!chr->escapes)
        return true;
    if (!chr->got_escape) {
        if (c == CHARDEV_ESCAPE) {
            chr->got_escape = true;
            return false;
        }
        return true;
    }
    chr->got_escape = false;
    switch (c) {
    case CHARDEV_ESCAPE:
        return true;
    case 'x':
    case 'X': {
        static const char msg[] = "\r\ntandem: terminating on C-a x\r\n";
        if (chr->out_fd >= 0 && !chr->broken)
            chardev_write_fd(chr, (const uint8_t *)msg, sizeof(msg) - 1);
        if (chardev_quit_fn)
            chardev_quit_fn(chardev_quit_opaque);
        return false;
    }
    case 'h':
    case 'H':
    case '?':
        chardev_print_help(chr);
        return false;
    default:
        return false;
    }
}

size_t chardev_feed_input(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t used = 0;

    while (used < len) {
        uint8_t out[256];
        size_t n = 0;
        int room = chr->attached && chr->can_receive ?
                   chr->can_receive(chr->fe_opaque) : 0;
        if (room <= 0)
            break;
        /* Take at most 'room' deliverable bytes from the input. */
        while (used < len && n < (size_t)room && n < sizeof(out)) {
            uint8_t c = buf[used++];
            if (chardev_filter_escape(chr, c))
                out[n++] = c;
        }
        if (n && chr->receive)
            chr->receive(chr->fe_opaque, out, n);
    }
    return used;
}

static void chardev_fd_read(void *opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[256];
    int room = chr->attached && chr->can_receive ? chr->can_receive(chr->fe_opaque) : 0;
    ssize_t n;

    if (room <= 0) {
        /* Stop polling until the frontend drains (chardev_accept_input). */
        main_loop_set_fd_handler(chr->in_fd, NULL, NULL, NULL);
        chr->input_armed = false;
        return;
    }
    /*
     * Read no more than the frontend takes, so nothing is ever buffered
     * here: escapes only shrink what is delivered.
     */
    n = read(chr->in_fd, buf, (size_t)room < sizeof(buf) ? (size_t)room : sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* EOF (stdin from /dev/null, closed pipe) or error: stop watching. */
        if (n < 0 && chr->kind == CHARDEV_PTY && errno == EIO) {
            /*
             * Nobody has the slave side open: poll keeps reporting POLLHUP,
             * so stop watching and look again in a second (as QEMU does).
             */
            main_loop_set_fd_handler(chr->in_fd, NULL, NULL, NULL);
            chr->input_armed = false;
            if (!chr->retry_timer)
                chr->retry_timer = timer_new(CLK_REALTIME, chardev_rearm_bh, chr);
            if (chr->retry_timer)
                timer_mod(chr->retry_timer, clock_get_ns(CLK_REALTIME) + NS_PER_SEC);
            return;
        }
        main_loop_set_fd_handler(chr->in_fd, NULL, NULL, NULL);
        chr->input_armed = false;
        chr->input_dead = true;
        return;
    }
    chardev_feed_input(chr, buf, (size_t)n);
}

static void chardev_arm_input(Chardev *chr)
{
    if (chr->in_fd < 0 || chr->input_dead || chr->input_armed || !chr->attached)
        return;
    chr->input_armed = true;
    main_loop_set_fd_handler(chr->in_fd, chardev_fd_read, NULL, chr);
}

static void chardev_rearm_bh(void *opaque)
{
    chardev_arm_input(opaque);
}

void chardev_accept_input(Chardev *chr)
{
    if (!chr || chr->in_fd < 0 || chr->input_dead || chr->input_armed)
        return;
    /* May run on a vCPU thread: let the main loop re-register the fd. */
    if (!chr->rearm_bh)
        chr->rearm_bh = bh_new(chardev_rearm_bh, chr);
    if (chr->rearm_bh)
        bh_schedule(chr->rearm_bh);
}

/* ---- teardown ---------------------------------------------------------- */

void chardev_destroy_all(void)
{
    while (chardev_list) {
        Chardev *chr = chardev_list;
        chardev_list = chr->next;
        if (chr->input_armed)
            main_loop_set_fd_handler(chr->in_fd, NULL, NULL, NULL);
        if (chr->rearm_bh)
            bh_free(chr->rearm_bh);
        if (chr->retry_timer)
            timer_free(chr->retry_timer);
        if (chr->close_out && chr->out_fd >= 0)
            close(chr->out_fd);
        if (chr->close_in && chr->in_fd >= 0 && chr->in_fd != chr->out_fd)
            close(chr->in_fd);
        free(chr);
    }
    stdio_in_use = false;
    chardev_anon_count = 0;
    chardev_term_restore();
    term_saved = false;
}

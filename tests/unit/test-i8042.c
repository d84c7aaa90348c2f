/* SPDX-License-Identifier: MIT */
/*
 * The i8042 through its two ports, with the real PS/2 devices behind it and
 * IRQ lines whose receivers record every level: self and interface tests,
 * the command byte, IRQs following the output buffer, translation to set 1
 * (checked for every key against the keyboard's own set 1), the A20 gate
 * and reset lines of the output port, the aux path, devices held back while
 * disabled, the shared buffer's order, the memory API wiring, snapshots, and
 * a guest writing random bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/input/i8042.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"

/*
 * Stand-ins for the machine pieces the controller calls, so that this test
 * links without the whole tree (hw/core/device.c pulls in every device
 * type). They behave like the real ones where the test looks.
 */
static int kicks;

__attribute__((weak)) void device_attach(Machine *m, Device *dev, const char *id,
                                         void (*reset)(Device *),
                                         void (*destroy)(Device *),
                                         const StateDesc *state)
{
    dev->id = id;
    dev->reset = reset;
    dev->destroy = destroy;
    dev->state = state;
}

__attribute__((weak)) void vcpu_interrupt(Vcpu *cpu, uint32_t mask)
{
    atomic_fetch_or(&cpu->interrupt_request, mask);
    kicks++;
}

__attribute__((weak)) void machine_request_reset(Machine *m)
{
    atomic_store(&m->reset_requested, true);
}

typedef struct Recv {
    int level[2];           /* 0: IRQ 1, 1: IRQ 12 */
    int rises[2];
    int falls[2];
} Recv;

static void recv_handler(void *opaque, int n, int level)
{
    Recv *r = opaque;
    if (level && !r->level[n])
        r->rises[n]++;
    if (!level && r->level[n])
        r->falls[n]++;
    r->level[n] = level;
}

typedef struct Rig {
    Machine m;
    Vcpu cpu[2];
    IrqLine kbd_irq, aux_irq;
    Recv r;
    I8042State s;
} Rig;

static Rig *rig_new(void)
{
    Rig *g = calloc(1, sizeof(*g));
    g->m.nr_cpus = 2;
    for (int i = 0; i < 2; i++) {
        g->cpu[i].index = i;
        g->cpu[i].machine = &g->m;
        g->m.cpus[i] = &g->cpu[i];
    }
    irq_line_init(&g->kbd_irq, recv_handler, &g->r, 0);
    irq_line_init(&g->aux_irq, recv_handler, &g->r, 1);
    i8042_init(&g->s, &g->m, &g->kbd_irq, &g->aux_irq);
    return g;
}

static uint8_t st(Rig *g) { return i8042_ioport_read(&g->s, 0x64); }
static uint8_t rd(Rig *g) { return i8042_ioport_read(&g->s, 0x60); }
static void cmd(Rig *g, uint8_t c) { i8042_ioport_write(&g->s, 0x64, c); }
static void wr(Rig *g, uint8_t v) { i8042_ioport_write(&g->s, 0x60, v); }

static void set_ctr(Rig *g, uint8_t v)
{
    cmd(g, 0x60);
    wr(g, v);
}

/* Read everything the controller has; aux[i] says which device sent it. */
static unsigned drain(Rig *g, uint8_t *buf, bool *aux, unsigned max)
{
    unsigned n = 0;
    while (n < max && (st(g) & I8042_STR_OBF)) {
        if (aux)
            aux[n] = st(g) & I8042_STR_AUXOBF;
        buf[n++] = rd(g);
    }
    return n;
}

#define EXPECT_OUT(g, ...) do {                                          \
        const uint8_t want_[] = { __VA_ARGS__ };                         \
        uint8_t got_[64];                                                \
        unsigned n_ = drain((g), got_, NULL, sizeof(got_));              \
        CU_ASSERT_EQUAL(n_, sizeof(want_));                              \
        if (n_ == sizeof(want_))                                         \
            CU_ASSERT_EQUAL(memcmp(got_, want_, n_), 0);                 \
    } while (0)

static void test_self_tests(void)
{
    Rig *g = rig_new();

    CU_ASSERT_EQUAL(st(g) & (I8042_STR_OBF | I8042_STR_IBF), 0);
    CU_ASSERT(st(g) & I8042_STR_UNLOCK);
    set_ctr(g, 0x00);
    CU_ASSERT_FALSE(st(g) & I8042_STR_SYS);

    cmd(g, 0xaa);
    CU_ASSERT(st(g) & I8042_STR_CMD);
    CU_ASSERT(st(g) & I8042_STR_OBF);
    CU_ASSERT_FALSE(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(rd(g), 0x55);
    CU_ASSERT_FALSE(st(g) & I8042_STR_OBF);
    CU_ASSERT(st(g) & I8042_STR_SYS);

    cmd(g, 0xab);
    EXPECT_OUT(g, 0x00);
    cmd(g, 0xa9);
    EXPECT_OUT(g, 0x00);
    cmd(g, 0xa4);
    EXPECT_OUT(g, 0xf1);

    /* An empty buffer reads as its last byte. */
    CU_ASSERT_EQUAL(rd(g), 0xf1);
    free(g);
}

static void test_command_byte(void)
{
    Rig *g = rig_new();

    cmd(g, 0x20);
    EXPECT_OUT(g, I8042_CTR_KBDINT | I8042_CTR_AUXINT | I8042_CTR_XLATE);

    set_ctr(g, 0x25);
    CU_ASSERT_FALSE(st(g) & I8042_STR_CMD);     /* the data byte was last */
    cmd(g, 0x20);
    EXPECT_OUT(g, 0x25);
    CU_ASSERT(st(g) & I8042_STR_SYS);
    set_ctr(g, 0x40);
    CU_ASSERT_FALSE(st(g) & I8042_STR_SYS);

    /* Other RAM bytes round trip too. */
    cmd(g, 0x65);
    wr(g, 0x5a);
    cmd(g, 0x25);
    EXPECT_OUT(g, 0x5a);

    /* AD/AE and A7/A8 toggle the clock-disable bits, as Linux checks. */
    cmd(g, 0xad);
    cmd(g, 0xa7);
    cmd(g, 0x20);
    EXPECT_OUT(g, 0x40 | I8042_CTR_KBDDIS | I8042_CTR_AUXDIS);
    cmd(g, 0xae);
    cmd(g, 0x20);
    EXPECT_OUT(g, 0x40 | I8042_CTR_AUXDIS);
    cmd(g, 0xa8);
    cmd(g, 0x20);
    EXPECT_OUT(g, 0x40);
    free(g);
}

static void test_irq_follows_obf(void)
{
    Rig *g = rig_new();

    set_ctr(g, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    CU_ASSERT_EQUAL(g->r.level[0], 0);

    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, true);
    CU_ASSERT(st(g) & I8042_STR_OBF);
    CU_ASSERT_EQUAL(g->r.level[0], 1);
    CU_ASSERT_EQUAL(g->r.level[1], 0);
    CU_ASSERT_EQUAL(rd(g), 0x1c);
    CU_ASSERT_EQUAL(g->r.level[0], 0);

    /* Two bytes queued: one edge per byte. */
    int rises = g->r.rises[0];
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, false);
    CU_ASSERT_EQUAL(rd(g), 0xf0);
    CU_ASSERT_EQUAL(g->r.level[0], 1);
    CU_ASSERT_EQUAL(rd(g), 0x1c);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    CU_ASSERT_EQUAL(g->r.rises[0] - rises, 2);

    /* Interrupt disabled: OBF without IRQ; enabling it raises the line. */
    set_ctr(g, 0x00);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_B, true);
    CU_ASSERT(st(g) & I8042_STR_OBF);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    set_ctr(g, I8042_CTR_KBDINT);
    CU_ASSERT_EQUAL(g->r.level[0], 1);
    CU_ASSERT_EQUAL(rd(g), 0x32);
    CU_ASSERT_EQUAL(g->r.level[0], 0);

    /* Controller answers raise IRQ 1 too. */
    cmd(g, 0xaa);
    CU_ASSERT_EQUAL(g->r.level[0], 1);
    rd(g);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    free(g);
}

static void test_translation(void)
{
    Rig *g = rig_new();

    set_ctr(g, I8042_CTR_XLATE);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, true);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, false);
    EXPECT_OUT(g, 0x1e, 0x9e);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_RIGHTCTRL, true);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_RIGHTCTRL, false);
    EXPECT_OUT(g, 0xe0, 0x1d, 0xe0, 0x9d);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_F7, false);
    EXPECT_OUT(g, 0xc1);

    /* Answers pass, except ID byte 83 which reads 41 and set 2 as 41. */
    wr(g, 0xf2);
    EXPECT_OUT(g, 0xfa, 0xab, 0x41);
    wr(g, 0xf0);
    wr(g, 0x00);
    EXPECT_OUT(g, 0xfa, 0xfa, 0x41);

    set_ctr(g, 0x00);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, true);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, false);
    EXPECT_OUT(g, 0x1c, 0xf0, 0x1c);
    wr(g, 0xf2);
    EXPECT_OUT(g, 0xfa, 0xab, 0x83);

    /* The keyboard's set-2 overrun code reaches the guest as set 1's. */
    set_ctr(g, I8042_CTR_XLATE);
    for (int i = 0; i < 20; i++)
        ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, true);
    uint8_t buf[32];
    unsigned n = drain(g, buf, NULL, sizeof(buf));
    /* One byte went straight to the output buffer, so 17 in all. */
    CU_ASSERT_EQUAL(n, 17);
    CU_ASSERT_EQUAL(buf[n - 1], 0xff);
    free(g);
}

/* Bytes of one key event, as the guest sees them. */
static unsigned key_bytes(Rig *g, unsigned key, bool pressed, uint8_t *buf)
{
    ps2_keyboard_key(&g->s.kbd, key, pressed);
    return drain(g, buf, NULL, 16);
}

/*
 * For every key: set 2 through the translator must equal what the keyboard
 * itself sends in set 1. This checks the key table's set-1 and set-2
 * columns and the 8042 table against each other.
 */
static void test_translation_all_keys(void)
{
    Rig *xl = rig_new(), *s1 = rig_new();
    int keys = 0, mismatches = 0;

    set_ctr(xl, I8042_CTR_XLATE);
    set_ctr(s1, 0x00);
    wr(s1, 0xf0);
    wr(s1, 0x01);
    EXPECT_OUT(s1, 0xfa, 0xfa);

    for (unsigned key = 0; key < PS2_KEY_MAX; key++) {
        for (int p = 1; p >= 0; p--) {
            uint8_t a[16], b[16];
            unsigned na = key_bytes(xl, key, p, a);
            unsigned nb = key_bytes(s1, key, p, b);
            if (na != nb || memcmp(a, b, na) != 0)
                mismatches++;
            if (p && na)
                keys++;
        }
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(keys, 106);     /* 105-key ISO layout + US backslash */
    free(xl);
    free(s1);
}

static void test_a20_output_port(void)
{
    Rig *g = rig_new();

    g->cpu[0].state.a20_enabled = true;
    g->cpu[1].state.a20_enabled = true;
    kicks = 0;

    cmd(g, 0xd0);
    uint8_t out = rd(g);
    CU_ASSERT(out & I8042_OUT_A20);
    CU_ASSERT(out & I8042_OUT_RESET);

    /* Close the gate the classic way: D1 then DD. */
    cmd(g, 0xd1);
    wr(g, 0xdd);
    CU_ASSERT_FALSE(g->cpu[0].state.a20_enabled);
    CU_ASSERT_FALSE(g->cpu[1].state.a20_enabled);
    CU_ASSERT_EQUAL(kicks, 2);
    CU_ASSERT_FALSE(atomic_load(&g->m.reset_requested));
    cmd(g, 0xd0);
    CU_ASSERT_FALSE(rd(g) & I8042_OUT_A20);

    /* The same value again does not disturb the vCPUs. */
    cmd(g, 0xd1);
    wr(g, 0xdd);
    CU_ASSERT_EQUAL(kicks, 2);

    cmd(g, 0xd1);
    wr(g, 0xdf);
    CU_ASSERT(g->cpu[0].state.a20_enabled);
    CU_ASSERT(g->cpu[1].state.a20_enabled);
    CU_ASSERT_EQUAL(kicks, 4);

    /* The single-byte commands DD/DF. */
    cmd(g, 0xdd);
    CU_ASSERT_FALSE(g->cpu[0].state.a20_enabled);
    cmd(g, 0xdf);
    CU_ASSERT(g->cpu[1].state.a20_enabled);

    /* D0 reports the OBF lines in bits 4/5: here IRQ 1's. */
    cmd(g, 0xd0);
    CU_ASSERT(rd(g) & I8042_OUT_A20);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, true);
    cmd(g, 0xd0);
    CU_ASSERT_EQUAL(rd(g), 0x1e);    /* the key byte came first (translated) */
    CU_ASSERT_EQUAL(rd(g) & (I8042_OUT_KBDOBF | I8042_OUT_AUXOBF), I8042_OUT_KBDOBF);

    /* A board may route the gate elsewhere. */
    Recv r;
    memset(&r, 0, sizeof(r));
    IrqLine mine;
    irq_line_init(&mine, recv_handler, &r, 0);
    g->s.a20_out = &mine;
    cmd(g, 0xdd);
    CU_ASSERT_EQUAL(r.falls[0] + r.rises[0], 0);    /* was 0 already in r */
    cmd(g, 0xdf);
    CU_ASSERT_EQUAL(r.level[0], 1);
    cmd(g, 0xdd);
    CU_ASSERT_EQUAL(r.level[0], 0);
    CU_ASSERT(g->cpu[0].state.a20_enabled);        /* untouched now */

    /* Reset opens the gate again. */
    i8042_reset(&g->s);
    CU_ASSERT_EQUAL(r.level[0], 1);
    free(g);
}

static void test_reset_lines(void)
{
    Rig *g = rig_new();

    cmd(g, 0xff);                       /* pulses nothing */
    cmd(g, 0xfd);                       /* pulses bit 1 only */
    CU_ASSERT_FALSE(atomic_load(&g->m.reset_requested));
    cmd(g, 0xfe);
    CU_ASSERT(atomic_load(&g->m.reset_requested));

    atomic_store(&g->m.reset_requested, false);
    cmd(g, 0xf0);
    CU_ASSERT(atomic_load(&g->m.reset_requested));

    /* Writing the output port with the reset bit low resets too. */
    atomic_store(&g->m.reset_requested, false);
    cmd(g, 0xd1);
    wr(g, 0x03);
    CU_ASSERT_FALSE(atomic_load(&g->m.reset_requested));
    cmd(g, 0xd1);
    wr(g, 0x02);
    CU_ASSERT(atomic_load(&g->m.reset_requested));

    /* No answer is produced by any of them. */
    CU_ASSERT_FALSE(st(g) & I8042_STR_OBF);
    free(g);
}

static void test_aux_path(void)
{
    Rig *g = rig_new();
    uint8_t buf[16];
    bool aux[16];
    unsigned n;

    set_ctr(g, I8042_CTR_KBDINT | I8042_CTR_AUXINT | I8042_CTR_XLATE);
    cmd(g, 0xd4);
    wr(g, 0xff);
    CU_ASSERT(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(g->r.level[1], 1);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    n = drain(g, buf, aux, 16);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT(aux[0] && aux[1] && aux[2]);
    CU_ASSERT(buf[0] == 0xfa && buf[1] == 0xaa && buf[2] == 0x00);
    CU_ASSERT_EQUAL(g->r.level[1], 0);

    /* Mouse bytes are never translated. */
    cmd(g, 0xd4);
    wr(g, 0xf2);
    EXPECT_OUT(g, 0xfa, 0x00);

    cmd(g, 0xd4);
    wr(g, 0xf4);
    EXPECT_OUT(g, 0xfa);
    ps2_mouse_event(&g->s.mouse, 3, -2, 0, PS2_MOUSE_LEFT);
    n = drain(g, buf, aux, 16);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT(aux[0] && aux[2]);
    CU_ASSERT(buf[0] == 0x29 && buf[1] == 0x03 && buf[2] == 0xfe);

    /* D3: loopback as the mouse, D2: as the keyboard, both untranslated. */
    cmd(g, 0xd3);
    wr(g, 0x5a);
    CU_ASSERT(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(g->r.level[1], 1);
    CU_ASSERT_EQUAL(rd(g), 0x5a);
    cmd(g, 0xd2);
    wr(g, 0x1c);
    CU_ASSERT_FALSE(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(g->r.level[0], 1);
    CU_ASSERT_EQUAL(rd(g), 0x1c);

    /* AUXINT off: the mouse byte sits in the buffer without IRQ 12. */
    set_ctr(g, I8042_CTR_KBDINT);
    cmd(g, 0xd4);
    wr(g, 0xe6);
    CU_ASSERT(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(g->r.level[1], 0);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    CU_ASSERT_EQUAL(rd(g), 0xfa);
    free(g);
}

static void test_disable_holds_bytes(void)
{
    Rig *g = rig_new();

    set_ctr(g, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    cmd(g, 0xad);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_A, true);
    CU_ASSERT_FALSE(st(g) & I8042_STR_OBF);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    /* Controller answers still get through. */
    cmd(g, 0xaa);
    EXPECT_OUT(g, 0x55);
    cmd(g, 0xae);
    CU_ASSERT(st(g) & I8042_STR_OBF);
    CU_ASSERT_EQUAL(g->r.level[0], 1);
    EXPECT_OUT(g, 0x1c);

    /* The same for the mouse, and with a command byte write. */
    cmd(g, 0xa7);
    cmd(g, 0xd4);
    wr(g, 0xf2);
    CU_ASSERT_FALSE(st(g) & I8042_STR_OBF);
    set_ctr(g, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    CU_ASSERT(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(g->r.level[1], 1);
    EXPECT_OUT(g, 0xfa, 0x00);
    free(g);
}

static void test_shared_buffer_order(void)
{
    Rig *g = rig_new();
    uint8_t buf[16];
    bool aux[16];
    unsigned n;

    set_ctr(g, I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    cmd(g, 0xd4);
    wr(g, 0xf4);
    rd(g);
    /* The mouse's packet takes the buffer first; a key waits its turn. */
    ps2_mouse_event(&g->s.mouse, 1, 1, 0, 0);
    ps2_keyboard_key(&g->s.kbd, PS2_KEY_Z, true);
    CU_ASSERT(st(g) & I8042_STR_AUXOBF);
    CU_ASSERT_EQUAL(g->r.level[1], 1);
    CU_ASSERT_EQUAL(g->r.level[0], 0);
    n = drain(g, buf, aux, 16);
    CU_ASSERT_EQUAL(n, 4);
    /* After the first mouse byte the keyboard has priority. */
    CU_ASSERT(aux[0] && !aux[1] && aux[2] && aux[3]);
    CU_ASSERT_EQUAL(buf[1], 0x1a);
    CU_ASSERT_EQUAL(buf[0], 0x08);
    free(g);
}

static void test_memory_api_and_snapshot(void)
{
    Machine *m = calloc(1, sizeof(*m));
    IrqLine kbd, aux;
    Recv r;
    memset(&r, 0, sizeof(r));
    Error err = { 0 };

    mr_init_container(&m->iomem, "io", 0x10000);
    as_init(&m->as_io, &m->iomem, "I/O");
    irq_line_init(&kbd, recv_handler, &r, 0);
    irq_line_init(&aux, recv_handler, &r, 1);

    I8042State *s = i8042_create(m, &kbd, &aux, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL(s->dev.reset);

    as_st(&m->as_io, 0x64, 1, 0xaa);
    CU_ASSERT(as_ld(&m->as_io, 0x64, 1, NULL) & I8042_STR_OBF);
    CU_ASSERT_EQUAL(r.level[0], 1);
    CU_ASSERT_EQUAL(as_ld(&m->as_io, 0x60, 1, NULL), 0x55);
    CU_ASSERT_EQUAL(r.level[0], 0);

    /* Snapshot with a byte in the buffer and more queued behind it. */
    ps2_keyboard_key(&s->kbd, PS2_KEY_Q, true);
    ps2_keyboard_key(&s->kbd, PS2_KEY_Q, false);
    ByteStream bs;
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &i8042_state, s, &err), 0);

    I8042State *t = calloc(1, sizeof(*t));
    Recv r2;
    memset(&r2, 0, sizeof(r2));
    IrqLine kbd2;
    irq_line_init(&kbd2, recv_handler, &r2, 0);
    i8042_init(t, NULL, &kbd2, NULL);
    CU_ASSERT_EQUAL(r2.level[0], 0);
    CU_ASSERT_EQUAL(state_load(&bs, &i8042_state, t, &err), 0);
    bs_free(&bs);
    CU_ASSERT_EQUAL(r2.level[0], 1);            /* post_load drove the line */
    CU_ASSERT_EQUAL(i8042_ioport_read(t, 0x60), 0x10);
    CU_ASSERT_EQUAL(i8042_ioport_read(t, 0x60), 0x90);
    CU_ASSERT_FALSE(i8042_ioport_read(t, 0x64) & I8042_STR_OBF);
    free(t);

    /* Device reset empties everything. */
    s->dev.reset(&s->dev);
    CU_ASSERT_FALSE(as_ld(&m->as_io, 0x64, 1, NULL) & I8042_STR_OBF);
    CU_ASSERT_EQUAL(r.level[0], 0);

    s->dev.destroy(&s->dev);
    as_destroy(&m->as_io);
    mr_destroy(&m->iomem);
    free(m);
}

/* A guest writing anything anywhere must not break the invariants. */
static void test_random_guest(void)
{
    Rig *g = rig_new();
    unsigned seed = 12345;

    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        uint8_t v = (uint8_t)(r >> 8);
        switch (r & 7) {
        case 0: cmd(g, v); break;
        case 1: case 2: wr(g, v); break;
        case 3: rd(g); break;
        case 4: st(g); break;
        case 5: ps2_keyboard_key(&g->s.kbd, v, r & 0x10000); break;
        case 6: ps2_mouse_event(&g->s.mouse, (int)(r % 2001) - 1000,
                                (int)(r % 777) - 388, (int)(r % 9) - 4, v); break;
        case 7: break;
        }
        if (g->s.ctrl_count > I8042_CTRL_QUEUE || g->s.kbd.port.count > PS2_KBD_QUEUE_SIZE ||
            g->s.mouse.port.count > PS2_MOUSE_QUEUE_SIZE)
            break;
    }
    CU_ASSERT(g->s.ctrl_count <= I8042_CTRL_QUEUE);
    CU_ASSERT(g->s.kbd.port.count <= PS2_KBD_QUEUE_SIZE);
    CU_ASSERT(g->s.mouse.port.count <= PS2_MOUSE_QUEUE_SIZE);
    CU_ASSERT(!(g->s.status & I8042_STR_AUXOBF) || (g->s.status & I8042_STR_OBF));
    /* Still alive: a reset and a self test answer as on day one. */
    i8042_reset(&g->s);
    cmd(g, 0xaa);
    EXPECT_OUT(g, 0x55);
    free(g);
}

static const UnitTest i8042_tests[] = {
    { "self and interface tests", test_self_tests },
    { "command byte and RAM", test_command_byte },
    { "IRQ follows OBF", test_irq_follows_obf },
    { "translation on and off", test_translation },
    { "translation of every key", test_translation_all_keys },
    { "A20 through the output port", test_a20_output_port },
    { "reset through pulse and output port", test_reset_lines },
    { "aux path, D2/D3 loopback", test_aux_path },
    { "disabled devices hold bytes back", test_disable_holds_bytes },
    { "shared buffer order", test_shared_buffer_order },
    { "memory API wiring and snapshot", test_memory_api_and_snapshot },
    { "random guest", test_random_guest },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("i8042", NULL, NULL, i8042_tests);
}

/* SPDX-License-Identifier: MIT */
/*
 * PS/2 keyboard and mouse on their own, driven byte by byte as the i8042
 * would and read back through their queues: every command's answer, the
 * scan code sets, the IntelliMouse knocks, packet encoding with negative and
 * overflowing motion, 2:1 scaling, remote and wrap modes, the bounded queues
 * (keyboard overrun code, mouse motion held back), and snapshot repair.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/input/ps2.h"

static int notified;

static void count_notify(void *opaque)
{
    notified++;
}

/* Take everything queued; returns how many bytes. */
static unsigned drain(PS2Port *p, uint8_t *buf, unsigned max)
{
    unsigned n = 0;
    uint8_t b;
    while (n < max && ps2_port_read(p, &b))
        buf[n++] = b;
    return n;
}

#define EXPECT_BYTES(port, ...) do {                                     \
        const uint8_t want_[] = { __VA_ARGS__ };                         \
        uint8_t got_[PS2_QUEUE_MAX];                                     \
        unsigned n_ = drain((port), got_, sizeof(got_));                 \
        CU_ASSERT_EQUAL(n_, sizeof(want_));                              \
        if (n_ == sizeof(want_))                                         \
            CU_ASSERT_EQUAL(memcmp(got_, want_, n_), 0);                 \
    } while (0)

#define EXPECT_EMPTY(port) CU_ASSERT_FALSE(ps2_port_pending(port))

static void kbd_cmd(PS2Keyboard *k, uint8_t b) { ps2_keyboard_write(k, b); }
static void mouse_cmd(PS2Mouse *m, uint8_t b) { ps2_mouse_write(m, b); }

/* ------------------------------------------------------------------------ */
/* Keyboard */

static void test_kbd_reset_identify_echo(void)
{
    PS2Keyboard k;
    notified = 0;
    ps2_keyboard_init(&k, count_notify, NULL);
    EXPECT_EMPTY(&k.port);

    kbd_cmd(&k, 0xff);
    CU_ASSERT(notified > 0);
    EXPECT_BYTES(&k.port, 0xfa, 0xaa);

    kbd_cmd(&k, 0xf2);
    EXPECT_BYTES(&k.port, 0xfa, 0xab, 0x83);

    /* Echo answers EE alone, without an ACK. */
    kbd_cmd(&k, 0xee);
    EXPECT_BYTES(&k.port, 0xee);

    /* Unknown commands are refused with Resend. */
    kbd_cmd(&k, 0xef);
    EXPECT_BYTES(&k.port, 0xfe);
    kbd_cmd(&k, 0x00);
    EXPECT_BYTES(&k.port, 0xfe);
}

static void test_kbd_leds_typematic_resend(void)
{
    PS2Keyboard k;
    ps2_keyboard_init(&k, NULL, NULL);

    kbd_cmd(&k, 0xed);
    EXPECT_BYTES(&k.port, 0xfa);
    kbd_cmd(&k, PS2_LED_CAPS | PS2_LED_SCROLL);
    EXPECT_BYTES(&k.port, 0xfa);
    CU_ASSERT_EQUAL(ps2_keyboard_leds(&k), PS2_LED_CAPS | PS2_LED_SCROLL);

    kbd_cmd(&k, 0xf3);
    kbd_cmd(&k, 0x20);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa);
    CU_ASSERT_EQUAL(k.typematic, 0x20);

    /* Resend repeats the last byte the host took. */
    kbd_cmd(&k, 0xf2);
    EXPECT_BYTES(&k.port, 0xfa, 0xab, 0x83);
    kbd_cmd(&k, 0xfe);
    EXPECT_BYTES(&k.port, 0x83);

    /* A command where an argument was expected aborts the argument. */
    kbd_cmd(&k, 0xed);
    kbd_cmd(&k, 0xf2);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa, 0xab, 0x83);
    CU_ASSERT_EQUAL(ps2_keyboard_leds(&k), PS2_LED_CAPS | PS2_LED_SCROLL);

    /* Reset clears the LEDs, the scan code set and the queue. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 3);
    kbd_cmd(&k, 0xff);
    EXPECT_BYTES(&k.port, 0xfa, 0xaa);
    CU_ASSERT_EQUAL(ps2_keyboard_leds(&k), 0);
    CU_ASSERT_EQUAL(k.scancode_set, 2);
}

static void test_kbd_scancode_sets(void)
{
    PS2Keyboard k;
    ps2_keyboard_init(&k, NULL, NULL);

    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 0);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa, 0x02);

    /* Set 2: make, F0 break, E0 for extended keys. */
    ps2_keyboard_key(&k, PS2_KEY_A, true);
    ps2_keyboard_key(&k, PS2_KEY_A, false);
    EXPECT_BYTES(&k.port, 0x1c, 0xf0, 0x1c);
    ps2_keyboard_key(&k, PS2_KEY_RIGHTCTRL, true);
    ps2_keyboard_key(&k, PS2_KEY_RIGHTCTRL, false);
    EXPECT_BYTES(&k.port, 0xe0, 0x14, 0xe0, 0xf0, 0x14);
    ps2_keyboard_key(&k, PS2_KEY_F7, true);
    EXPECT_BYTES(&k.port, 0x83);
    ps2_keyboard_key(&k, PS2_KEY_PRINTSCREEN, true);
    ps2_keyboard_key(&k, PS2_KEY_PRINTSCREEN, false);
    EXPECT_BYTES(&k.port, 0xe0, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12);
    ps2_keyboard_key(&k, PS2_KEY_PAUSE, true);
    ps2_keyboard_key(&k, PS2_KEY_PAUSE, false);     /* no break code */
    EXPECT_BYTES(&k.port, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);

    /* Set 1: make, make|80 break. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 1);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa);
    ps2_keyboard_key(&k, PS2_KEY_A, true);
    ps2_keyboard_key(&k, PS2_KEY_A, false);
    EXPECT_BYTES(&k.port, 0x1e, 0x9e);
    ps2_keyboard_key(&k, PS2_KEY_UP, true);
    ps2_keyboard_key(&k, PS2_KEY_UP, false);
    EXPECT_BYTES(&k.port, 0xe0, 0x48, 0xe0, 0xc8);
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 0);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa, 0x01);

    /* Set 3: one code per key, no E0, F0 break. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 3);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa);
    ps2_keyboard_key(&k, PS2_KEY_ESC, true);
    ps2_keyboard_key(&k, PS2_KEY_ESC, false);
    ps2_keyboard_key(&k, PS2_KEY_RIGHTCTRL, true);
    EXPECT_BYTES(&k.port, 0x08, 0xf0, 0x08, 0x58);
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 0);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa, 0x03);

    /* A set that does not exist is refused and changes nothing. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 7);
    EXPECT_BYTES(&k.port, 0xfa, 0xfe);
    CU_ASSERT_EQUAL(k.scancode_set, 3);

    /* Keys without a PS/2 code are ignored. */
    ps2_keyboard_key(&k, 0x00, true);
    ps2_keyboard_key(&k, 0x3000, true);
    EXPECT_EMPTY(&k.port);
}

static void test_kbd_scanning(void)
{
    PS2Keyboard k;
    ps2_keyboard_init(&k, NULL, NULL);

    /* F5: defaults, scanning off, output buffer cleared before the ACK. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 1);
    kbd_cmd(&k, 0xf5);
    EXPECT_BYTES(&k.port, 0xfa);
    CU_ASSERT_EQUAL(k.scancode_set, 2);
    ps2_keyboard_key(&k, PS2_KEY_B, true);
    EXPECT_EMPTY(&k.port);

    /* F4: scanning on, output buffer cleared. */
    kbd_cmd(&k, 0xf4);
    EXPECT_BYTES(&k.port, 0xfa);
    ps2_keyboard_key(&k, PS2_KEY_B, true);
    EXPECT_BYTES(&k.port, 0x32);

    ps2_keyboard_key(&k, PS2_KEY_B, true);
    kbd_cmd(&k, 0xf4);
    EXPECT_BYTES(&k.port, 0xfa);

    /* F6: defaults, scanning stays on. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 3);
    kbd_cmd(&k, 0xf6);
    EXPECT_BYTES(&k.port, 0xfa);
    CU_ASSERT_EQUAL(k.scancode_set, 2);
    ps2_keyboard_key(&k, PS2_KEY_B, false);
    EXPECT_BYTES(&k.port, 0xf0, 0x32);

    /* Set-3 key lists: every listed key is acknowledged until a command. */
    kbd_cmd(&k, 0xfb);
    kbd_cmd(&k, 0x1c);
    kbd_cmd(&k, 0x32);
    kbd_cmd(&k, 0xee);
    EXPECT_BYTES(&k.port, 0xfa, 0xfa, 0xfa, 0xee);
}

static void test_kbd_overrun(void)
{
    PS2Keyboard k;
    uint8_t buf[64];
    unsigned n;

    ps2_keyboard_init(&k, NULL, NULL);
    /* 15 one-byte keys fit; the 16th slot takes the overrun code. */
    for (int i = 0; i < 40; i++)
        ps2_keyboard_key(&k, PS2_KEY_A, true);
    CU_ASSERT_EQUAL(k.port.count, PS2_KBD_QUEUE_SIZE);
    n = drain(&k.port, buf, sizeof(buf));
    CU_ASSERT_EQUAL(n, 16);
    for (unsigned i = 0; i < 15; i++)
        CU_ASSERT_EQUAL(buf[i], 0x1c);
    CU_ASSERT_EQUAL(buf[15], 0x00);

    /* Once there is room, keys flow again. */
    ps2_keyboard_key(&k, PS2_KEY_A, false);
    EXPECT_BYTES(&k.port, 0xf0, 0x1c);

    /* A multi-byte key is dropped whole: no half sequences. */
    for (int i = 0; i < 13; i++)
        ps2_keyboard_key(&k, PS2_KEY_A, true);
    ps2_keyboard_key(&k, PS2_KEY_PRINTSCREEN, true);
    n = drain(&k.port, buf, sizeof(buf));
    CU_ASSERT_EQUAL(n, 14);
    CU_ASSERT_EQUAL(buf[13], 0x00);

    /* Set 1's overrun code is FF. */
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 1);
    drain(&k.port, buf, sizeof(buf));
    for (int i = 0; i < 20; i++)
        ps2_keyboard_key(&k, PS2_KEY_A, true);
    n = drain(&k.port, buf, sizeof(buf));
    CU_ASSERT_EQUAL(n, 16);
    CU_ASSERT_EQUAL(buf[15], 0xff);

    /* An ACK still fits when keys have filled their share. */
    for (int i = 0; i < 15; i++)
        ps2_keyboard_key(&k, PS2_KEY_A, true);
    kbd_cmd(&k, 0xee);
    n = drain(&k.port, buf, sizeof(buf));
    CU_ASSERT_EQUAL(n, 16);
    CU_ASSERT_EQUAL(buf[15], 0xee);

    /* A guest that never reads cannot grow the queue with commands. */
    for (int i = 0; i < 100; i++)
        kbd_cmd(&k, 0xf2);
    CU_ASSERT(k.port.count <= PS2_KBD_QUEUE_SIZE);
}

/* ------------------------------------------------------------------------ */
/* Mouse */

static void test_mouse_reset_id_knock(void)
{
    PS2Mouse m;
    ps2_mouse_init(&m, NULL, NULL);

    mouse_cmd(&m, 0xff);
    EXPECT_BYTES(&m.port, 0xfa, 0xaa, 0x00);
    mouse_cmd(&m, 0xf2);
    EXPECT_BYTES(&m.port, 0xfa, 0x00);

    /* The wrong order does not unlock the wheel. */
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 80);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 100);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    mouse_cmd(&m, 0xf2);
    EXPECT_BYTES(&m.port, 0xfa, 0x00);

    /* 200, 100, 80: IntelliMouse. */
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 100);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 80);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    mouse_cmd(&m, 0xf2);
    EXPECT_BYTES(&m.port, 0xfa, 0x03);

    /* Then 200, 200, 80: IntelliMouse Explorer. */
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 80);
    mouse_cmd(&m, 0xf2);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x04);
    CU_ASSERT_EQUAL(m.sample_rate, 80);

    /* Reset goes back to a plain mouse. */
    mouse_cmd(&m, 0xff);
    mouse_cmd(&m, 0xf2);
    EXPECT_BYTES(&m.port, 0xfa, 0xaa, 0x00, 0xfa, 0x00);
}

static void test_mouse_settings_status(void)
{
    PS2Mouse m;
    ps2_mouse_init(&m, NULL, NULL);

    /* Bad sample rate and resolution are refused and change nothing. */
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 7);
    mouse_cmd(&m, 0xe8); mouse_cmd(&m, 9);
    EXPECT_BYTES(&m.port, 0xfa, 0xfe, 0xfa, 0xfe);
    CU_ASSERT_EQUAL(m.sample_rate, 100);
    CU_ASSERT_EQUAL(m.resolution, 2);

    mouse_cmd(&m, 0xe8); mouse_cmd(&m, 1);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 40);
    mouse_cmd(&m, 0xe7);
    mouse_cmd(&m, 0xf4);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    ps2_mouse_event(&m, 0, 0, 0, PS2_MOUSE_LEFT | PS2_MOUSE_RIGHT);
    drain(&m.port, (uint8_t[8]){0}, 8);

    /* Status: enabled, 2:1, left (bit 2) and right (bit 0); res; rate. */
    mouse_cmd(&m, 0xe9);
    EXPECT_BYTES(&m.port, 0xfa, 0x35, 0x01, 40);

    /* Remote mode shows in bit 6; 1:1 clears bit 4. */
    mouse_cmd(&m, 0xf0);
    mouse_cmd(&m, 0xe6);
    ps2_mouse_event(&m, 0, 0, 0, PS2_MOUSE_MIDDLE);
    mouse_cmd(&m, 0xe9);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa, 0xfa, 0x62, 0x01, 40);

    /* Defaults: rate 100, resolution 2, reporting off (mode kept). */
    mouse_cmd(&m, 0xf6);
    mouse_cmd(&m, 0xe9);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa, 0x42, 0x02, 100);

    /* Unknown command. */
    mouse_cmd(&m, 0x00);
    EXPECT_BYTES(&m.port, 0xfe);
}

static void test_mouse_packets(void)
{
    PS2Mouse m;
    ps2_mouse_init(&m, NULL, NULL);

    /* Reporting off: nothing is sent. */
    ps2_mouse_event(&m, 10, 10, 0, PS2_MOUSE_LEFT);
    EXPECT_EMPTY(&m.port);

    mouse_cmd(&m, 0xf4);
    EXPECT_BYTES(&m.port, 0xfa);
    ps2_mouse_event(&m, 10, -3, 0, PS2_MOUSE_LEFT);
    EXPECT_BYTES(&m.port, 0x08 | 0x20 | 0x01, 0x0a, 0xfd);
    ps2_mouse_event(&m, -1, 1, 0, PS2_MOUSE_RIGHT | PS2_MOUSE_MIDDLE);
    EXPECT_BYTES(&m.port, 0x08 | 0x10 | 0x06, 0xff, 0x01);

    /* Extremes that fit: 255 and -256. */
    ps2_mouse_event(&m, 255, -256, 0, 0);
    EXPECT_BYTES(&m.port, 0x08 | 0x20, 0xff, 0x00);

    /* Overflow: the bit is set and the value saturates. */
    ps2_mouse_event(&m, 300, 0, 0, 0);
    EXPECT_BYTES(&m.port, 0x08 | 0x40, 0xff, 0x00);
    ps2_mouse_event(&m, 0, -1000, 0, 0);
    EXPECT_BYTES(&m.port, 0x08 | 0x80 | 0x20, 0x00, 0x00);
    ps2_mouse_event(&m, -257, 0, 0, 0);
    EXPECT_BYTES(&m.port, 0x08 | 0x40 | 0x10, 0x00, 0x00);

    /* No motion and no button change: no packet. */
    ps2_mouse_event(&m, 0, 0, 0, 0);
    EXPECT_EMPTY(&m.port);

    /* Resend repeats the whole last packet. */
    ps2_mouse_event(&m, 2, 3, 0, 0);
    EXPECT_BYTES(&m.port, 0x08, 0x02, 0x03);
    mouse_cmd(&m, 0xfe);
    EXPECT_BYTES(&m.port, 0x08, 0x02, 0x03);

    /* 2:1 scaling: 1->1, 2->1, 3->3, 4->6, 5->9, n->2n. */
    mouse_cmd(&m, 0xe7);
    EXPECT_BYTES(&m.port, 0xfa);
    ps2_mouse_event(&m, 4, -5, 0, 0);
    EXPECT_BYTES(&m.port, 0x08 | 0x20, 0x06, 0xf7);
    ps2_mouse_event(&m, 10, 2, 0, 0);
    EXPECT_BYTES(&m.port, 0x08, 0x14, 0x01);
    ps2_mouse_event(&m, 200, 0, 0, 0);      /* 400 after scaling */
    EXPECT_BYTES(&m.port, 0x08 | 0x40, 0xff, 0x00);

    /* Disable: no packets; enable again. */
    mouse_cmd(&m, 0xe6);
    mouse_cmd(&m, 0xf5);
    ps2_mouse_event(&m, 1, 1, 0, 0);
    EXPECT_BYTES(&m.port, 0xfa, 0xfa);
}

static void test_mouse_wheel_packets(void)
{
    PS2Mouse m;
    ps2_mouse_init(&m, NULL, NULL);

    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 100);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 80);
    mouse_cmd(&m, 0xf4);
    drain(&m.port, (uint8_t[16]){0}, 16);

    ps2_mouse_event(&m, 1, 0, -2, 0);
    EXPECT_BYTES(&m.port, 0x08, 0x01, 0x00, 0xfe);
    ps2_mouse_event(&m, 0, 0, 1000, 0);     /* clamped to the byte */
    EXPECT_BYTES(&m.port, 0x08, 0x00, 0x00, 0x7f);

    /* Explorer: 4-bit wheel, buttons 4 and 5 in bits 4 and 5. */
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 200);
    mouse_cmd(&m, 0xf3); mouse_cmd(&m, 80);
    drain(&m.port, (uint8_t[16]){0}, 16);
    ps2_mouse_event(&m, 0, 0, -1, PS2_MOUSE_4TH);
    EXPECT_BYTES(&m.port, 0x08, 0x00, 0x00, 0x1f);
    ps2_mouse_event(&m, 0, 0, 1, PS2_MOUSE_5TH | PS2_MOUSE_LEFT);
    EXPECT_BYTES(&m.port, 0x09, 0x00, 0x00, 0x21);
}

static void test_mouse_remote_wrap(void)
{
    PS2Mouse m;
    ps2_mouse_init(&m, NULL, NULL);

    mouse_cmd(&m, 0xf0);
    EXPECT_BYTES(&m.port, 0xfa);
    ps2_mouse_event(&m, 5, 6, 0, PS2_MOUSE_LEFT);
    ps2_mouse_event(&m, 1, 0, 0, PS2_MOUSE_LEFT);
    EXPECT_EMPTY(&m.port);
    mouse_cmd(&m, 0xeb);
    EXPECT_BYTES(&m.port, 0xfa, 0x09, 0x06, 0x06);
    mouse_cmd(&m, 0xeb);                     /* counters were cleared */
    EXPECT_BYTES(&m.port, 0xfa, 0x09, 0x00, 0x00);

    /* Wrap: echo everything until EC. */
    mouse_cmd(&m, 0xee);
    mouse_cmd(&m, 0x42);
    mouse_cmd(&m, 0xf2);
    mouse_cmd(&m, 0xec);
    mouse_cmd(&m, 0xf2);
    EXPECT_BYTES(&m.port, 0xfa, 0x42, 0xf2, 0xfa, 0xfa, 0x00);
}

static void test_mouse_queue_bounded(void)
{
    PS2Mouse m;
    uint8_t buf[PS2_QUEUE_MAX];
    unsigned n;

    notified = 0;
    ps2_mouse_init(&m, count_notify, NULL);
    mouse_cmd(&m, 0xf4);
    drain(&m.port, buf, sizeof(buf));

    /* 256 bytes hold 85 packets; later motion waits in the counters. */
    for (int i = 0; i < 100; i++)
        ps2_mouse_event(&m, 1, 0, 0, 0);
    CU_ASSERT_EQUAL(m.port.count, 255);
    CU_ASSERT_EQUAL(m.dx, 15);

    /* Reading makes room: the held motion goes out as one packet. */
    n = drain(&m.port, buf, 3);
    CU_ASSERT_EQUAL(n, 3);
    ps2_mouse_flush(&m);
    CU_ASSERT_EQUAL(m.port.count, 255);
    CU_ASSERT_EQUAL(m.dx, 0);
    n = drain(&m.port, buf, sizeof(buf));
    CU_ASSERT_EQUAL(n, 255);
    CU_ASSERT_EQUAL(buf[252], 0x08);
    CU_ASSERT_EQUAL(buf[253], 15);

    /* Held motion beyond a packet's range arrives with the overflow bit. */
    for (int i = 0; i < 85; i++)
        ps2_mouse_event(&m, 0, 1, 0, 0);
    for (int i = 0; i < 1000; i++)
        ps2_mouse_event(&m, 0, -100000, 0, 0);
    CU_ASSERT(m.port.count <= PS2_MOUSE_QUEUE_SIZE);
    drain(&m.port, buf, 255);
    ps2_mouse_flush(&m);
    EXPECT_BYTES(&m.port, 0x08 | 0x80 | 0x20, 0x00, 0x00);
    CU_ASSERT(notified > 0);

    /* Answers are bounded too. */
    for (int i = 0; i < 1000; i++)
        mouse_cmd(&m, 0xe9);
    CU_ASSERT(m.port.count <= PS2_MOUSE_QUEUE_SIZE);
}

static void test_snapshot_repair(void)
{
    PS2Keyboard k, k2;
    PS2Mouse m, m2;
    ByteStream bs;
    Error err = { 0 };

    ps2_keyboard_init(&k, NULL, NULL);
    ps2_keyboard_init(&k2, NULL, NULL);
    kbd_cmd(&k, 0xf2);
    kbd_cmd(&k, 0xf0);
    kbd_cmd(&k, 3);

    /* A good round trip keeps queue and settings. */
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &ps2_keyboard_state, &k, &err), 0);
    CU_ASSERT_EQUAL(state_load(&bs, &ps2_keyboard_state, &k2, &err), 0);
    bs_free(&bs);
    CU_ASSERT_EQUAL(k2.scancode_set, 3);
    EXPECT_BYTES(&k2.port, 0xfa, 0xab, 0x83, 0xfa, 0xfa);

    /* Out-of-range pointers from a stream are refused and left safe. */
    k.port.rptr = 200;
    k.port.count = 300;
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &ps2_keyboard_state, &k, &err), 0);
    CU_ASSERT_EQUAL(state_load(&bs, &ps2_keyboard_state, &k2, &err), -1);
    bs_free(&bs);
    CU_ASSERT(k2.port.rptr < k2.port.cap);
    CU_ASSERT(k2.port.count <= k2.port.cap);
    ps2_keyboard_key(&k2, PS2_KEY_A, true);
    EXPECT_BYTES(&k2.port, 0x1c);

    ps2_mouse_init(&m, NULL, NULL);
    ps2_mouse_init(&m2, NULL, NULL);
    m.dx = 0x7fffffff;
    m.id = 9;
    m.last_len = 200;
    memset(&err, 0, sizeof(err));
    bs_init(&bs);
    CU_ASSERT_EQUAL(state_save(&bs, &ps2_mouse_state, &m, &err), 0);
    CU_ASSERT_EQUAL(state_load(&bs, &ps2_mouse_state, &m2, &err), 0);
    bs_free(&bs);
    CU_ASSERT_EQUAL(m2.id, 0);
    CU_ASSERT(m2.last_len <= 4);
    CU_ASSERT(m2.dx <= 0xffff);
}

static const UnitTest ps2_tests[] = {
    { "kbd reset, identify, echo, unknown", test_kbd_reset_identify_echo },
    { "kbd LEDs, typematic, resend", test_kbd_leds_typematic_resend },
    { "kbd scan code sets 1/2/3", test_kbd_scancode_sets },
    { "kbd enable/disable/defaults", test_kbd_scanning },
    { "kbd 16-byte queue and overrun", test_kbd_overrun },
    { "mouse reset, ID, IntelliMouse knocks", test_mouse_reset_id_knock },
    { "mouse settings and status", test_mouse_settings_status },
    { "mouse packets, sign, overflow, scaling", test_mouse_packets },
    { "mouse wheel packets", test_mouse_wheel_packets },
    { "mouse remote and wrap modes", test_mouse_remote_wrap },
    { "mouse queue bounded, held motion", test_mouse_queue_bounded },
    { "snapshot round trip and repair", test_snapshot_repair },
    { NULL, NULL }
};

void unit_register(void)
{
    unit_add_suite("ps2", NULL, NULL, ps2_tests);
}

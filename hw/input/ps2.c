/* SPDX-License-Identifier: MIT */
/*
 * PS/2 keyboard (MF II) and mouse (PS/2, IntelliMouse, IntelliMouse
 * Explorer), following the IBM PS/2 technical reference's command sets and
 * Andries Brouwer's "Keyboard scancodes" tables.
 *
 * Model:
 * - Answers are immediate: a command byte queues its ACK (and any data) at
 *   once. Commands with an argument remember the command in 'pending' and
 *   ACK again when the argument arrives.
 * - Keyboard: the make/break bytes of a key come from one table indexed by
 *   HID usage holding the set-1, set-2 and set-3 codes; Print Screen and
 *   Pause have their own multi-byte sequences. Set 3 sends make and break
 *   for every key (the per-key mode commands F7..FD are acknowledged but do
 *   not change that), and no typematic repeat is generated: the UI repeats
 *   keys by sending more presses.
 * - Mouse: motion accumulates in dx/dy/dz; in stream mode with reporting
 *   on, a packet goes out at once if the queue has room for a whole one,
 *   otherwise when ps2_mouse_flush() finds room. Resolution does not scale
 *   host motion (host pixels are counts); 2:1 scaling is applied in stream
 *   mode as the reference's table says.
 *
 * Invariants: port.rptr < port.cap and port.count <= port.cap, with cap 16
 * (keyboard) or 256 (mouse); a key sequence or packet is queued whole or not
 * at all; the keyboard's overrun code, when present, is the last queued
 * byte; command answers use the slot reserved for the overrun code, so an
 * ACK is only lost if the guest floods commands without reading.
 */
#include <string.h>

#include "hw/input/ps2.h"
#include "softmmu/log.h"

/* ------------------------------------------------------------------------ */
/* The queue */

static void ps2_port_init(PS2Port *p, uint16_t cap, PS2Notify *notify, void *opaque)
{
    memset(p, 0, sizeof(*p));
    p->cap = cap;
    p->notify = notify;
    p->opaque = opaque;
}

static void ps2_port_clear(PS2Port *p)
{
    p->rptr = 0;
    p->count = 0;
}

static unsigned ps2_port_free(const PS2Port *p)
{
    return p->cap - p->count;
}

/* Append n bytes if all fit; the caller notifies. */
static bool ps2_port_push(PS2Port *p, const uint8_t *b, unsigned n)
{
    if (n > ps2_port_free(p))
        return false;
    for (unsigned i = 0; i < n; i++)
        p->data[(p->rptr + p->count++) % p->cap] = b[i];
    return true;
}

static void ps2_port_notify(PS2Port *p)
{
    if (p->count && p->notify)
        p->notify(p->opaque);
}

bool ps2_port_read(PS2Port *p, uint8_t *val)
{
    if (!p->count)
        return false;
    *val = p->data[p->rptr];
    p->rptr = (p->rptr + 1) % p->cap;
    p->count--;
    p->last = *val;
    return true;
}

/* A loaded snapshot may hold anything: keep the ring inside its array. */
static int ps2_port_post_load(PS2Port *p, Error *err, const char *who)
{
    if (p->rptr < p->cap && p->count <= p->cap)
        return 0;
    ps2_port_clear(p);
    return error_setf(err, "%s: queue pointers out of range", who);
}

/* ------------------------------------------------------------------------ */
/* Keyboard */

enum {
    KEY_E0 = 1,         /* sets 1 and 2: extended key, E0 prefix */
    KEY_PRTSC = 2,      /* special sequences in sets 1 and 2 */
    KEY_PAUSE = 4,
};

typedef struct PS2KeyCodes {
    uint8_t set1, set2, set3, flags;
} PS2KeyCodes;

/* Entries with set2 == 0 are not keys. */
static const PS2KeyCodes ps2_keys[PS2_KEY_MAX] = {
    [PS2_KEY_A] = { 0x1e, 0x1c, 0x1c, 0 }, [PS2_KEY_B] = { 0x30, 0x32, 0x32, 0 },
    [PS2_KEY_C] = { 0x2e, 0x21, 0x21, 0 }, [PS2_KEY_D] = { 0x20, 0x23, 0x23, 0 },
    [PS2_KEY_E] = { 0x12, 0x24, 0x24, 0 }, [PS2_KEY_F] = { 0x21, 0x2b, 0x2b, 0 },
    [PS2_KEY_G] = { 0x22, 0x34, 0x34, 0 }, [PS2_KEY_H] = { 0x23, 0x33, 0x33, 0 },
    [PS2_KEY_I] = { 0x17, 0x43, 0x43, 0 }, [PS2_KEY_J] = { 0x24, 0x3b, 0x3b, 0 },
    [PS2_KEY_K] = { 0x25, 0x42, 0x42, 0 }, [PS2_KEY_L] = { 0x26, 0x4b, 0x4b, 0 },
    [PS2_KEY_M] = { 0x32, 0x3a, 0x3a, 0 }, [PS2_KEY_N] = { 0x31, 0x31, 0x31, 0 },
    [PS2_KEY_O] = { 0x18, 0x44, 0x44, 0 }, [PS2_KEY_P] = { 0x19, 0x4d, 0x4d, 0 },
    [PS2_KEY_Q] = { 0x10, 0x15, 0x15, 0 }, [PS2_KEY_R] = { 0x13, 0x2d, 0x2d, 0 },
    [PS2_KEY_S] = { 0x1f, 0x1b, 0x1b, 0 }, [PS2_KEY_T] = { 0x14, 0x2c, 0x2c, 0 },
    [PS2_KEY_U] = { 0x16, 0x3c, 0x3c, 0 }, [PS2_KEY_V] = { 0x2f, 0x2a, 0x2a, 0 },
    [PS2_KEY_W] = { 0x11, 0x1d, 0x1d, 0 }, [PS2_KEY_X] = { 0x2d, 0x22, 0x22, 0 },
    [PS2_KEY_Y] = { 0x15, 0x35, 0x35, 0 }, [PS2_KEY_Z] = { 0x2c, 0x1a, 0x1a, 0 },

    [PS2_KEY_1] = { 0x02, 0x16, 0x16, 0 }, [PS2_KEY_2] = { 0x03, 0x1e, 0x1e, 0 },
    [PS2_KEY_3] = { 0x04, 0x26, 0x26, 0 }, [PS2_KEY_4] = { 0x05, 0x25, 0x25, 0 },
    [PS2_KEY_5] = { 0x06, 0x2e, 0x2e, 0 }, [PS2_KEY_6] = { 0x07, 0x36, 0x36, 0 },
    [PS2_KEY_7] = { 0x08, 0x3d, 0x3d, 0 }, [PS2_KEY_8] = { 0x09, 0x3e, 0x3e, 0 },
    [PS2_KEY_9] = { 0x0a, 0x46, 0x46, 0 }, [PS2_KEY_0] = { 0x0b, 0x45, 0x45, 0 },

    [PS2_KEY_ENTER]      = { 0x1c, 0x5a, 0x5a, 0 },
    [PS2_KEY_ESC]        = { 0x01, 0x76, 0x08, 0 },
    [PS2_KEY_BACKSPACE]  = { 0x0e, 0x66, 0x66, 0 },
    [PS2_KEY_TAB]        = { 0x0f, 0x0d, 0x0d, 0 },
    [PS2_KEY_SPACE]      = { 0x39, 0x29, 0x29, 0 },
    [PS2_KEY_MINUS]      = { 0x0c, 0x4e, 0x4e, 0 },
    [PS2_KEY_EQUAL]      = { 0x0d, 0x55, 0x55, 0 },
    [PS2_KEY_LEFTBRACE]  = { 0x1a, 0x54, 0x54, 0 },
    [PS2_KEY_RIGHTBRACE] = { 0x1b, 0x5b, 0x5b, 0 },
    [PS2_KEY_BACKSLASH]  = { 0x2b, 0x5d, 0x5c, 0 },
    /* The ISO key left of Enter has the US backslash's codes. */
    [PS2_KEY_NONUS_HASH] = { 0x2b, 0x5d, 0x5c, 0 },
    [PS2_KEY_SEMICOLON]  = { 0x27, 0x4c, 0x4c, 0 },
    [PS2_KEY_APOSTROPHE] = { 0x28, 0x52, 0x52, 0 },
    [PS2_KEY_GRAVE]      = { 0x29, 0x0e, 0x0e, 0 },
    [PS2_KEY_COMMA]      = { 0x33, 0x41, 0x41, 0 },
    [PS2_KEY_DOT]        = { 0x34, 0x49, 0x49, 0 },
    [PS2_KEY_SLASH]      = { 0x35, 0x4a, 0x4a, 0 },
    [PS2_KEY_CAPSLOCK]   = { 0x3a, 0x58, 0x14, 0 },

    [PS2_KEY_F1]  = { 0x3b, 0x05, 0x07, 0 }, [PS2_KEY_F2]  = { 0x3c, 0x06, 0x0f, 0 },
    [PS2_KEY_F3]  = { 0x3d, 0x04, 0x17, 0 }, [PS2_KEY_F4]  = { 0x3e, 0x0c, 0x1f, 0 },
    [PS2_KEY_F5]  = { 0x3f, 0x03, 0x27, 0 }, [PS2_KEY_F6]  = { 0x40, 0x0b, 0x2f, 0 },
    [PS2_KEY_F7]  = { 0x41, 0x83, 0x37, 0 }, [PS2_KEY_F8]  = { 0x42, 0x0a, 0x3f, 0 },
    [PS2_KEY_F9]  = { 0x43, 0x01, 0x47, 0 }, [PS2_KEY_F10] = { 0x44, 0x09, 0x4f, 0 },
    [PS2_KEY_F11] = { 0x57, 0x78, 0x56, 0 }, [PS2_KEY_F12] = { 0x58, 0x07, 0x5e, 0 },

    [PS2_KEY_PRINTSCREEN] = { 0x37, 0x7c, 0x57, KEY_PRTSC },
    [PS2_KEY_SCROLLLOCK]  = { 0x46, 0x7e, 0x5f, 0 },
    [PS2_KEY_PAUSE]       = { 0x45, 0x77, 0x62, KEY_PAUSE },
    [PS2_KEY_INSERT]      = { 0x52, 0x70, 0x67, KEY_E0 },
    [PS2_KEY_HOME]        = { 0x47, 0x6c, 0x6e, KEY_E0 },
    [PS2_KEY_PAGEUP]      = { 0x49, 0x7d, 0x6f, KEY_E0 },
    [PS2_KEY_DELETE]      = { 0x53, 0x71, 0x64, KEY_E0 },
    [PS2_KEY_END]         = { 0x4f, 0x69, 0x65, KEY_E0 },
    [PS2_KEY_PAGEDOWN]    = { 0x51, 0x7a, 0x6d, KEY_E0 },
    [PS2_KEY_RIGHT]       = { 0x4d, 0x74, 0x6a, KEY_E0 },
    [PS2_KEY_LEFT]        = { 0x4b, 0x6b, 0x61, KEY_E0 },
    [PS2_KEY_DOWN]        = { 0x50, 0x72, 0x60, KEY_E0 },
    [PS2_KEY_UP]          = { 0x48, 0x75, 0x63, KEY_E0 },

    [PS2_KEY_NUMLOCK]    = { 0x45, 0x77, 0x76, 0 },
    [PS2_KEY_KPSLASH]    = { 0x35, 0x4a, 0x77, KEY_E0 },
    [PS2_KEY_KPASTERISK] = { 0x37, 0x7c, 0x7e, 0 },
    [PS2_KEY_KPMINUS]    = { 0x4a, 0x7b, 0x84, 0 },
    [PS2_KEY_KPPLUS]     = { 0x4e, 0x79, 0x7c, 0 },
    [PS2_KEY_KPENTER]    = { 0x1c, 0x5a, 0x79, KEY_E0 },
    [PS2_KEY_KP1] = { 0x4f, 0x69, 0x69, 0 }, [PS2_KEY_KP2] = { 0x50, 0x72, 0x72, 0 },
    [PS2_KEY_KP3] = { 0x51, 0x7a, 0x7a, 0 }, [PS2_KEY_KP4] = { 0x4b, 0x6b, 0x6b, 0 },
    [PS2_KEY_KP5] = { 0x4c, 0x73, 0x73, 0 }, [PS2_KEY_KP6] = { 0x4d, 0x74, 0x74, 0 },
    [PS2_KEY_KP7] = { 0x47, 0x6c, 0x6c, 0 }, [PS2_KEY_KP8] = { 0x48, 0x75, 0x75, 0 },
    [PS2_KEY_KP9] = { 0x49, 0x7d, 0x7d, 0 }, [PS2_KEY_KP0] = { 0x52, 0x70, 0x70, 0 },
    [PS2_KEY_KPDOT] = { 0x53, 0x71, 0x71, 0 },

    [PS2_KEY_102ND] = { 0x56, 0x61, 0x13, 0 },
    [PS2_KEY_MENU]  = { 0x5d, 0x2f, 0x8d, KEY_E0 },

    [PS2_KEY_LEFTCTRL]   = { 0x1d, 0x14, 0x11, 0 },
    [PS2_KEY_LEFTSHIFT]  = { 0x2a, 0x12, 0x12, 0 },
    [PS2_KEY_LEFTALT]    = { 0x38, 0x11, 0x19, 0 },
    [PS2_KEY_LEFTMETA]   = { 0x5b, 0x1f, 0x8b, KEY_E0 },
    [PS2_KEY_RIGHTCTRL]  = { 0x1d, 0x14, 0x58, KEY_E0 },
    [PS2_KEY_RIGHTSHIFT] = { 0x36, 0x59, 0x59, 0 },
    [PS2_KEY_RIGHTALT]   = { 0x38, 0x11, 0x39, KEY_E0 },
    [PS2_KEY_RIGHTMETA]  = { 0x5c, 0x27, 0x8c, KEY_E0 },
};

/* Keyboard commands (host to keyboard). */
enum {
    KBD_CMD_SET_LEDS = 0xed,
    KBD_CMD_ECHO = 0xee,
    KBD_CMD_SCANCODE = 0xf0,
    KBD_CMD_IDENTIFY = 0xf2,
    KBD_CMD_TYPEMATIC = 0xf3,
    KBD_CMD_ENABLE = 0xf4,
    KBD_CMD_DEFAULT_DISABLE = 0xf5,
    KBD_CMD_SET_DEFAULTS = 0xf6,
    KBD_CMD_ALL_TYPEMATIC = 0xf7,   /* F7..FA: set 3 all-key modes */
    KBD_CMD_ALL_MAKE_BREAK_TYPEMATIC = 0xfa,
    KBD_CMD_KEY_TYPEMATIC = 0xfb,   /* FB..FD: set 3 per-key modes, key list */
    KBD_CMD_KEY_MAKE = 0xfd,
    KBD_CMD_RESEND = 0xfe,
    KBD_CMD_RESET = 0xff,
};

/* Overrun codes: set 1 uses FF, sets 2 and 3 use 00. */
static uint8_t ps2_kbd_overrun_code(const PS2Keyboard *k)
{
    return k->scancode_set == 1 ? 0xff : 0x00;
}

/* Answers may use every slot, including the one kept for the overrun code. */
static void ps2_kbd_answer(PS2Keyboard *k, const uint8_t *b, unsigned n)
{
    if (!ps2_port_push(&k->port, b, n))
        log_mask_printf(LOG_GUEST, "ps2 keyboard: answer dropped, queue full\n");
    ps2_port_notify(&k->port);
}

static void ps2_kbd_ack(PS2Keyboard *k)
{
    uint8_t ack = PS2_ACK;
    ps2_kbd_answer(k, &ack, 1);
}

/* Defaults as F6 and reset set them (scanning is up to the caller). */
static void ps2_kbd_defaults(PS2Keyboard *k)
{
    k->scancode_set = 2;
    k->typematic = 0x2b;        /* 10.9 characters/s after 500 ms */
    k->pending = 0;
}

void ps2_keyboard_reset(PS2Keyboard *k)
{
    ps2_port_clear(&k->port);
    ps2_kbd_defaults(k);
    k->scanning = true;
    k->leds = 0;
    k->overrun = false;
}

void ps2_keyboard_init(PS2Keyboard *k, PS2Notify *notify, void *opaque)
{
    memset(k, 0, sizeof(*k));
    ps2_port_init(&k->port, PS2_KBD_QUEUE_SIZE, notify, opaque);
    ps2_keyboard_reset(k);
}

uint8_t ps2_keyboard_leds(const PS2Keyboard *k)
{
    return k->leds;
}

/* The second byte of a two-byte command. */
static void ps2_kbd_argument(PS2Keyboard *k, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case KBD_CMD_SET_LEDS:
        k->leds = val & 7;
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_TYPEMATIC:
        k->typematic = val & 0x7f;
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_SCANCODE:
        if (val == 0) {
            uint8_t b[2] = { PS2_ACK, k->scancode_set };
            ps2_kbd_answer(k, b, 2);
        } else if (val <= 3) {
            k->scancode_set = val;
            ps2_kbd_ack(k);
        } else {
            uint8_t r = PS2_RESEND;
            ps2_kbd_answer(k, &r, 1);
        }
        break;
    default:        /* FB..FD key lists: each key code is acknowledged */
        ps2_kbd_ack(k);
        k->pending = cmd;       /* the list goes on until the next command */
        break;
    }
}

void ps2_keyboard_write(PS2Keyboard *k, uint8_t val)
{
    /*
     * A byte that is a command (ED and above) while an argument is awaited
     * aborts the argument, as on real keyboards; set-3 key lists end the
     * same way.
     */
    if (k->pending && val < KBD_CMD_SET_LEDS) {
        uint8_t cmd = k->pending;
        k->pending = 0;
        ps2_kbd_argument(k, cmd, val);
        return;
    }
    k->pending = 0;

    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_TYPEMATIC:
    case KBD_CMD_SCANCODE:
        k->pending = val;
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_ECHO: {
        uint8_t e = PS2_ECHO;
        ps2_kbd_answer(k, &e, 1);
        break;
    }
    case KBD_CMD_IDENTIFY: {
        /* MF II keyboard; translated by an i8042 it reads AB 41. */
        uint8_t b[3] = { PS2_ACK, 0xab, 0x83 };
        ps2_kbd_answer(k, b, 3);
        break;
    }
    case KBD_CMD_ENABLE:
        /* Enable clears the output buffer and starts scanning. */
        ps2_port_clear(&k->port);
        k->overrun = false;
        k->scanning = true;
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_DEFAULT_DISABLE:
    case KBD_CMD_SET_DEFAULTS:
        ps2_port_clear(&k->port);
        k->overrun = false;
        ps2_kbd_defaults(k);
        k->scanning = (val == KBD_CMD_SET_DEFAULTS);
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_ALL_TYPEMATIC ... KBD_CMD_ALL_MAKE_BREAK_TYPEMATIC:
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_KEY_TYPEMATIC ... KBD_CMD_KEY_MAKE:
        k->pending = val;
        ps2_kbd_ack(k);
        break;
    case KBD_CMD_RESEND:
        ps2_kbd_answer(k, &k->port.last, 1);
        break;
    case KBD_CMD_RESET: {
        uint8_t b[2] = { PS2_ACK, PS2_BAT_OK };
        ps2_keyboard_reset(k);
        ps2_kbd_answer(k, b, 2);
        break;
    }
    default: {
        uint8_t r = PS2_RESEND;
        log_mask_printf(LOG_GUEST, "ps2 keyboard: unknown command %#x\n", val);
        ps2_kbd_answer(k, &r, 1);
        break;
    }
    }
}

/* Build the bytes of one key event in the current set; returns the count. */
static unsigned ps2_kbd_encode(const PS2Keyboard *k, const PS2KeyCodes *c,
                               bool pressed, uint8_t *b)
{
    unsigned n = 0;

    if (k->scancode_set == 3) {
        if (!pressed)
            b[n++] = 0xf0;
        b[n++] = c->set3;
        return n;
    }
    if (k->scancode_set == 1) {
        if (c->flags & KEY_PAUSE) {
            static const uint8_t seq[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
            if (!pressed)
                return 0;   /* Pause has no break code */
            memcpy(b, seq, sizeof(seq));
            return sizeof(seq);
        }
        if (c->flags & KEY_PRTSC) {
            /* The plain (unmodified) sequence: fake left shift + E0 37. */
            static const uint8_t mk[] = { 0xe0, 0x2a, 0xe0, 0x37 };
            static const uint8_t br[] = { 0xe0, 0xb7, 0xe0, 0xaa };
            memcpy(b, pressed ? mk : br, 4);
            return 4;
        }
        if (c->flags & KEY_E0)
            b[n++] = 0xe0;
        b[n++] = pressed ? c->set1 : (uint8_t)(c->set1 | 0x80);
        return n;
    }
    /* Set 2 */
    if (c->flags & KEY_PAUSE) {
        static const uint8_t seq[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
        if (!pressed)
            return 0;
        memcpy(b, seq, sizeof(seq));
        return sizeof(seq);
    }
    if (c->flags & KEY_PRTSC) {
        static const uint8_t mk[] = { 0xe0, 0x12, 0xe0, 0x7c };
        static const uint8_t br[] = { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
        if (pressed) {
            memcpy(b, mk, sizeof(mk));
            return sizeof(mk);
        }
        memcpy(b, br, sizeof(br));
        return sizeof(br);
    }
    if (c->flags & KEY_E0)
        b[n++] = 0xe0;
    if (!pressed)
        b[n++] = 0xf0;
    b[n++] = c->set2;
    return n;
}

void ps2_keyboard_key(PS2Keyboard *k, unsigned key, bool pressed)
{
    uint8_t b[8];
    unsigned n;

    if (key >= PS2_KEY_MAX || !ps2_keys[key].set2) {
        log_mask_printf(LOG_UNIMP, "ps2 keyboard: no PS/2 code for key %#x\n", key);
        return;
    }
    if (!k->scanning)
        return;
    n = ps2_kbd_encode(k, &ps2_keys[key], pressed, b);
    if (!n)
        return;
    /*
     * Keys leave one slot free for the overrun code. A key that does not
     * fit is lost and the code queued in its place, once: further losses
     * are reported by the same code until a key fits again.
     */
    if (n + 1 <= ps2_port_free(&k->port)) {
        ps2_port_push(&k->port, b, n);
        k->overrun = false;
    } else if (!k->overrun) {
        uint8_t o = ps2_kbd_overrun_code(k);
        ps2_port_push(&k->port, &o, 1);
        k->overrun = true;
    }
    ps2_port_notify(&k->port);
}

/* ------------------------------------------------------------------------ */
/* Mouse */

enum {
    MOUSE_CMD_SCALING_11 = 0xe6,
    MOUSE_CMD_SCALING_21 = 0xe7,
    MOUSE_CMD_RESOLUTION = 0xe8,
    MOUSE_CMD_STATUS = 0xe9,
    MOUSE_CMD_STREAM = 0xea,
    MOUSE_CMD_READ_DATA = 0xeb,
    MOUSE_CMD_WRAP_OFF = 0xec,
    MOUSE_CMD_WRAP_ON = 0xee,
    MOUSE_CMD_REMOTE = 0xf0,
    MOUSE_CMD_GET_ID = 0xf2,
    MOUSE_CMD_SAMPLE_RATE = 0xf3,
    MOUSE_CMD_ENABLE = 0xf4,
    MOUSE_CMD_DISABLE = 0xf5,
    MOUSE_CMD_DEFAULTS = 0xf6,
    MOUSE_CMD_RESEND = 0xfe,
    MOUSE_CMD_RESET = 0xff,
};

/* Packet byte 0 */
#define MOUSE_PKT_ALWAYS1 0x08
#define MOUSE_PKT_XSIGN   0x10
#define MOUSE_PKT_YSIGN   0x20
#define MOUSE_PKT_XOVF    0x40
#define MOUSE_PKT_YOVF    0x80

/*
 * Counters saturate far beyond what a packet can carry: enough to know they
 * overflowed, small enough that scaling cannot overflow an int32_t.
 */
#define MOUSE_COUNTER_MAX 0xffff

static unsigned ps2_mouse_packet_len(const PS2Mouse *m)
{
    return m->id ? 4 : 3;
}

static void ps2_mouse_answer(PS2Mouse *m, const uint8_t *b, unsigned n)
{
    if (!ps2_port_push(&m->port, b, n))
        log_mask_printf(LOG_GUEST, "ps2 mouse: answer dropped, queue full\n");
    ps2_port_notify(&m->port);
}

static void ps2_mouse_ack(PS2Mouse *m)
{
    uint8_t ack = PS2_ACK;
    ps2_mouse_answer(m, &ack, 1);
}

static void ps2_mouse_defaults(PS2Mouse *m)
{
    m->sample_rate = 100;
    m->resolution = 2;          /* 4 counts/mm */
    m->scaling21 = false;
    m->reporting = false;
    m->dx = m->dy = m->dz = 0;
}

void ps2_mouse_reset(PS2Mouse *m)
{
    ps2_port_clear(&m->port);
    ps2_mouse_defaults(m);
    m->remote = false;
    m->wrap = false;
    m->id = 0;
    memset(m->rates, 0, sizeof(m->rates));
    m->pending = 0;
    m->sent_buttons = m->buttons;
    m->last_len = 0;
}

void ps2_mouse_init(PS2Mouse *m, PS2Notify *notify, void *opaque)
{
    memset(m, 0, sizeof(*m));
    ps2_port_init(&m->port, PS2_MOUSE_QUEUE_SIZE, notify, opaque);
    ps2_mouse_reset(m);
}

/* 2:1 scaling per the reference: 1->1, 2->1, 3->3, 4->6, 5->9, n->2n. */
static int32_t ps2_mouse_scale21(int32_t v)
{
    /* |v| <= MOUSE_COUNTER_MAX (also after a snapshot: see post_load). */
    static const int8_t small[6] = { 0, 1, 1, 3, 6, 9 };
    int32_t a = v < 0 ? -v : v;
    a = a < 6 ? small[a] : a * 2;
    return v < 0 ? -a : a;
}

/*
 * Encode the counters into b and clear them. X and Y are 9-bit two's
 * complement (sign in byte 0); a counter outside -256..255 sets its overflow
 * bit and is sent saturated, the motion beyond lost as on a real mouse.
 */
static unsigned ps2_mouse_make_packet(PS2Mouse *m, uint8_t *b, bool scale)
{
    int32_t dx = m->dx, dy = m->dy, dz = m->dz;
    uint8_t b0 = MOUSE_PKT_ALWAYS1 | (m->buttons & 7);

    if (scale && m->scaling21) {
        dx = ps2_mouse_scale21(dx);
        dy = ps2_mouse_scale21(dy);
    }
    if (dx > 255 || dx < -256) {
        b0 |= MOUSE_PKT_XOVF;
        dx = dx > 0 ? 255 : -256;
    }
    if (dy > 255 || dy < -256) {
        b0 |= MOUSE_PKT_YOVF;
        dy = dy > 0 ? 255 : -256;
    }
    if (dx < 0)
        b0 |= MOUSE_PKT_XSIGN;
    if (dy < 0)
        b0 |= MOUSE_PKT_YSIGN;
    b[0] = b0;
    b[1] = (uint8_t)dx;
    b[2] = (uint8_t)dy;
    if (m->id == 3) {
        dz = dz > 127 ? 127 : dz < -128 ? -128 : dz;
        b[3] = (uint8_t)dz;
    } else if (m->id == 4) {
        /* 4-bit wheel, buttons 4 and 5 in bits 4 and 5 */
        dz = dz > 7 ? 7 : dz < -8 ? -8 : dz;
        b[3] = (uint8_t)((dz & 0x0f) | ((m->buttons & 0x18) << 1));
    }
    m->dx = m->dy = m->dz = 0;
    m->sent_buttons = m->buttons;
    m->last_len = ps2_mouse_packet_len(m);
    memcpy(m->last_packet, b, m->last_len);
    return m->last_len;
}

static bool ps2_mouse_has_news(const PS2Mouse *m)
{
    return m->dx || m->dy || m->dz || m->buttons != m->sent_buttons;
}

/* Stream mode: send what the counters hold, if a whole packet fits. */
static void ps2_mouse_send_stream(PS2Mouse *m)
{
    uint8_t b[4];

    if (m->remote || !m->reporting || m->wrap || !ps2_mouse_has_news(m))
        return;
    if (ps2_port_free(&m->port) < ps2_mouse_packet_len(m))
        return;     /* counters keep accumulating until there is room */
    ps2_port_push(&m->port, b, ps2_mouse_make_packet(m, b, true));
    ps2_port_notify(&m->port);
}

void ps2_mouse_flush(PS2Mouse *m)
{
    ps2_mouse_send_stream(m);
}

static int32_t ps2_mouse_add(int32_t acc, int v)
{
    int64_t s = (int64_t)acc + v;
    return s > MOUSE_COUNTER_MAX ? MOUSE_COUNTER_MAX
         : s < -MOUSE_COUNTER_MAX ? -MOUSE_COUNTER_MAX : (int32_t)s;
}

void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    m->buttons = buttons & 0x1f;
    /* Motion only counts while the mouse reports or can be polled. */
    if (!m->reporting && !m->remote)
        return;
    m->dx = ps2_mouse_add(m->dx, dx);
    m->dy = ps2_mouse_add(m->dy, dy);
    m->dz = ps2_mouse_add(m->dz, dz);
    ps2_mouse_send_stream(m);
}

/*
 * The IntelliMouse knocks: sample rates 200, 100, 80 then Get ID reports 3
 * (wheel); 200, 200, 80 once in wheel mode reports 4 (Explorer).
 */
static void ps2_mouse_set_rate(PS2Mouse *m, uint8_t rate)
{
    m->sample_rate = rate;
    m->rates[0] = m->rates[1];
    m->rates[1] = m->rates[2];
    m->rates[2] = rate;
    if (m->rates[0] == 200 && m->rates[1] == 100 && m->rates[2] == 80 && m->id == 0)
        m->id = 3;
    else if (m->rates[0] == 200 && m->rates[1] == 200 && m->rates[2] == 80 && m->id == 3)
        m->id = 4;
}

static void ps2_mouse_argument(PS2Mouse *m, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case MOUSE_CMD_SAMPLE_RATE:
        switch (val) {
        case 10: case 20: case 40: case 60: case 80: case 100: case 200:
            ps2_mouse_set_rate(m, val);
            ps2_mouse_ack(m);
            return;
        }
        break;
    case MOUSE_CMD_RESOLUTION:
        if (val <= 3) {
            m->resolution = val;
            ps2_mouse_ack(m);
            return;
        }
        break;
    }
    /* An invalid argument: the mouse asks for it again. */
    {
        uint8_t r = PS2_RESEND;
        log_mask_printf(LOG_GUEST, "ps2 mouse: bad argument %#x for %#x\n", val, cmd);
        ps2_mouse_answer(m, &r, 1);
    }
}

void ps2_mouse_write(PS2Mouse *m, uint8_t val)
{
    if (m->pending) {
        uint8_t cmd = m->pending;
        m->pending = 0;
        ps2_mouse_argument(m, cmd, val);
        return;
    }
    /* Wrap mode echoes everything but reset and "wrap off". */
    if (m->wrap && val != MOUSE_CMD_WRAP_OFF && val != MOUSE_CMD_RESET) {
        ps2_mouse_answer(m, &val, 1);
        return;
    }

    switch (val) {
    case MOUSE_CMD_SCALING_11:
    case MOUSE_CMD_SCALING_21:
        m->scaling21 = (val == MOUSE_CMD_SCALING_21);
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_RESOLUTION:
    case MOUSE_CMD_SAMPLE_RATE:
        m->pending = val;
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_STATUS: {
        /* Left in bit 2, middle in bit 1, right in bit 0. */
        uint8_t btn = (uint8_t)(((m->buttons & PS2_MOUSE_LEFT) << 2) |
                                ((m->buttons & PS2_MOUSE_MIDDLE) >> 1) |
                                ((m->buttons & PS2_MOUSE_RIGHT) >> 1));
        uint8_t b[4] = {
            PS2_ACK,
            (uint8_t)((m->remote << 6) | (m->reporting << 5) | (m->scaling21 << 4) | btn),
            m->resolution, m->sample_rate,
        };
        ps2_mouse_answer(m, b, 4);
        break;
    }
    case MOUSE_CMD_STREAM:
    case MOUSE_CMD_REMOTE:
        m->remote = (val == MOUSE_CMD_REMOTE);
        m->dx = m->dy = m->dz = 0;
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_READ_DATA: {
        /* A packet whether or not anything moved; no 2:1 scaling here. */
        uint8_t b[5] = { PS2_ACK };
        unsigned n = ps2_mouse_make_packet(m, b + 1, false);
        ps2_mouse_answer(m, b, n + 1);
        break;
    }
    case MOUSE_CMD_WRAP_OFF:
        m->wrap = false;
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_WRAP_ON:
        m->wrap = true;
        m->dx = m->dy = m->dz = 0;
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_GET_ID: {
        uint8_t b[2] = { PS2_ACK, m->id };
        ps2_mouse_answer(m, b, 2);
        break;
    }
    case MOUSE_CMD_ENABLE:
        m->reporting = true;
        m->dx = m->dy = m->dz = 0;
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_DISABLE:
        m->reporting = false;
        m->dx = m->dy = m->dz = 0;
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_DEFAULTS:
        ps2_mouse_defaults(m);
        ps2_mouse_ack(m);
        break;
    case MOUSE_CMD_RESEND:
        if (m->last_len)
            ps2_mouse_answer(m, m->last_packet, m->last_len);
        else
            ps2_mouse_answer(m, &m->port.last, 1);
        break;
    case MOUSE_CMD_RESET: {
        uint8_t b[3] = { PS2_ACK, PS2_BAT_OK, 0x00 };
        ps2_mouse_reset(m);
        ps2_mouse_answer(m, b, 3);
        break;
    }
    default: {
        uint8_t r = PS2_RESEND;
        log_mask_printf(LOG_GUEST, "ps2 mouse: unknown command %#x\n", val);
        ps2_mouse_answer(m, &r, 1);
        break;
    }
    }
}

/* ------------------------------------------------------------------------ */
/* Snapshots */

static int ps2_keyboard_post_load(void *obj, Error *err)
{
    PS2Keyboard *k = obj;
    if (k->scancode_set < 1 || k->scancode_set > 3)
        k->scancode_set = 2;
    return ps2_port_post_load(&k->port, err, "ps2 keyboard");
}

static int ps2_mouse_post_load(void *obj, Error *err)
{
    PS2Mouse *m = obj;
    if (m->id != 0 && m->id != 3 && m->id != 4)
        m->id = 0;
    if (m->last_len > sizeof(m->last_packet))
        m->last_len = 0;
    if (m->resolution > 3)
        m->resolution = 2;
    m->dx = ps2_mouse_add(0, m->dx);
    m->dy = ps2_mouse_add(0, m->dy);
    m->dz = ps2_mouse_add(0, m->dz);
    return ps2_port_post_load(&m->port, err, "ps2 mouse");
}

/* The ring is saved whole; cap, notify and opaque belong to the wiring. */
static const StateField ps2_keyboard_fields[] = {
    STATE_U8_ARRAY(PS2Keyboard, port.data, PS2_QUEUE_MAX),
    STATE_U16(PS2Keyboard, port.rptr),
    STATE_U16(PS2Keyboard, port.count),
    STATE_U8(PS2Keyboard, port.last),
    STATE_U8(PS2Keyboard, scancode_set),
    STATE_BOOL(PS2Keyboard, scanning),
    STATE_U8(PS2Keyboard, leds),
    STATE_U8(PS2Keyboard, typematic),
    STATE_U8(PS2Keyboard, pending),
    STATE_BOOL(PS2Keyboard, overrun),
    STATE_END
};

const StateDesc ps2_keyboard_state = {
    "ps2-keyboard", 1, ps2_keyboard_fields, ps2_keyboard_post_load,
};

static const StateField ps2_mouse_fields[] = {
    STATE_U8_ARRAY(PS2Mouse, port.data, PS2_QUEUE_MAX),
    STATE_U16(PS2Mouse, port.rptr),
    STATE_U16(PS2Mouse, port.count),
    STATE_U8(PS2Mouse, port.last),
    STATE_U8(PS2Mouse, sample_rate),
    STATE_U8(PS2Mouse, resolution),
    STATE_BOOL(PS2Mouse, scaling21),
    STATE_BOOL(PS2Mouse, remote),
    STATE_BOOL(PS2Mouse, reporting),
    STATE_BOOL(PS2Mouse, wrap),
    STATE_U8(PS2Mouse, id),
    STATE_U8_ARRAY(PS2Mouse, rates, 3),
    STATE_U8(PS2Mouse, pending),
    STATE_U8(PS2Mouse, buttons),
    STATE_U8(PS2Mouse, sent_buttons),
    STATE_I32(PS2Mouse, dx),
    STATE_I32(PS2Mouse, dy),
    STATE_I32(PS2Mouse, dz),
    STATE_U8_ARRAY(PS2Mouse, last_packet, 4),
    STATE_U8(PS2Mouse, last_len),
    STATE_END
};

const StateDesc ps2_mouse_state = {
    "ps2-mouse", 1, ps2_mouse_fields, ps2_mouse_post_load,
};

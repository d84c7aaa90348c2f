/* SPDX-License-Identifier: MIT */
/*
 * PS/2 keyboard and mouse: the devices at the far end of the i8042's two
 * serial links.
 *
 * Each device owns a bounded transmit queue (PS2Port). The host side (the
 * i8042, or a test) writes command bytes with ps2_keyboard_write /
 * ps2_mouse_write and takes answer and event bytes with ps2_port_read; the
 * device calls its notify hook whenever bytes become available so the
 * controller can move one into its output buffer once that is empty.
 *
 * Input from the UI: ps2_keyboard_key() takes a PS2Key, which is a USB HID
 * keyboard usage (page 0x07) and therefore also SDL2's SDL_Scancode value,
 * and emits the make or break sequence of the keyboard's current scan code
 * set (2 by default; the i8042 translates set 2 to set 1 when its command
 * byte asks for it). ps2_mouse_event() adds relative motion and sets the
 * button state; packets follow the mouse's mode and protocol (3 bytes, or 4
 * once the guest has unlocked the IntelliMouse wheel).
 *
 * Queues never grow: the keyboard holds 16 bytes as real keyboards do and
 * reports an overrun code when a key does not fit; the mouse keeps
 * accumulating motion in its counters while its queue is full and sends it
 * (with the overflow bits if the counters overflowed) once there is room.
 * Called with the big lock held.
 */
#ifndef TANDEM_PS2_H
#define TANDEM_PS2_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/state.h"

#define PS2_KBD_QUEUE_SIZE 16
#define PS2_MOUSE_QUEUE_SIZE 256
#define PS2_QUEUE_MAX PS2_MOUSE_QUEUE_SIZE

/* Bytes every PS/2 device sends. */
#define PS2_ACK         0xfa
#define PS2_RESEND      0xfe
#define PS2_ERROR       0xfc
#define PS2_BAT_OK      0xaa    /* basic assurance test passed */
#define PS2_ECHO        0xee

/* Mouse buttons for ps2_mouse_event(). */
#define PS2_MOUSE_LEFT   0x01
#define PS2_MOUSE_RIGHT  0x02
#define PS2_MOUSE_MIDDLE 0x04
#define PS2_MOUSE_4TH    0x08   /* IntelliMouse Explorer (ID 4) only */
#define PS2_MOUSE_5TH    0x10

/* Keyboard LEDs as set by command 0xED. */
#define PS2_LED_SCROLL 0x01
#define PS2_LED_NUM    0x02
#define PS2_LED_CAPS   0x04

/*
 * Keys, by USB HID usage. Values not named here are not PS/2 keys and are
 * ignored by ps2_keyboard_key().
 */
typedef enum PS2Key {
    PS2_KEY_A = 0x04, PS2_KEY_B, PS2_KEY_C, PS2_KEY_D, PS2_KEY_E, PS2_KEY_F,
    PS2_KEY_G, PS2_KEY_H, PS2_KEY_I, PS2_KEY_J, PS2_KEY_K, PS2_KEY_L,
    PS2_KEY_M, PS2_KEY_N, PS2_KEY_O, PS2_KEY_P, PS2_KEY_Q, PS2_KEY_R,
    PS2_KEY_S, PS2_KEY_T, PS2_KEY_U, PS2_KEY_V, PS2_KEY_W, PS2_KEY_X,
    PS2_KEY_Y, PS2_KEY_Z,
    PS2_KEY_1 = 0x1e, PS2_KEY_2, PS2_KEY_3, PS2_KEY_4, PS2_KEY_5,
    PS2_KEY_6, PS2_KEY_7, PS2_KEY_8, PS2_KEY_9, PS2_KEY_0,
    PS2_KEY_ENTER = 0x28, PS2_KEY_ESC, PS2_KEY_BACKSPACE, PS2_KEY_TAB,
    PS2_KEY_SPACE, PS2_KEY_MINUS, PS2_KEY_EQUAL, PS2_KEY_LEFTBRACE,
    PS2_KEY_RIGHTBRACE, PS2_KEY_BACKSLASH, PS2_KEY_NONUS_HASH,
    PS2_KEY_SEMICOLON, PS2_KEY_APOSTROPHE, PS2_KEY_GRAVE, PS2_KEY_COMMA,
    PS2_KEY_DOT, PS2_KEY_SLASH, PS2_KEY_CAPSLOCK,
    PS2_KEY_F1 = 0x3a, PS2_KEY_F2, PS2_KEY_F3, PS2_KEY_F4, PS2_KEY_F5,
    PS2_KEY_F6, PS2_KEY_F7, PS2_KEY_F8, PS2_KEY_F9, PS2_KEY_F10,
    PS2_KEY_F11, PS2_KEY_F12,
    PS2_KEY_PRINTSCREEN = 0x46, PS2_KEY_SCROLLLOCK, PS2_KEY_PAUSE,
    PS2_KEY_INSERT, PS2_KEY_HOME, PS2_KEY_PAGEUP, PS2_KEY_DELETE,
    PS2_KEY_END, PS2_KEY_PAGEDOWN, PS2_KEY_RIGHT, PS2_KEY_LEFT,
    PS2_KEY_DOWN, PS2_KEY_UP,
    PS2_KEY_NUMLOCK = 0x53, PS2_KEY_KPSLASH, PS2_KEY_KPASTERISK,
    PS2_KEY_KPMINUS, PS2_KEY_KPPLUS, PS2_KEY_KPENTER, PS2_KEY_KP1,
    PS2_KEY_KP2, PS2_KEY_KP3, PS2_KEY_KP4, PS2_KEY_KP5, PS2_KEY_KP6,
    PS2_KEY_KP7, PS2_KEY_KP8, PS2_KEY_KP9, PS2_KEY_KP0, PS2_KEY_KPDOT,
    PS2_KEY_102ND = 0x64, PS2_KEY_MENU,
    PS2_KEY_LEFTCTRL = 0xe0, PS2_KEY_LEFTSHIFT, PS2_KEY_LEFTALT,
    PS2_KEY_LEFTMETA, PS2_KEY_RIGHTCTRL, PS2_KEY_RIGHTSHIFT,
    PS2_KEY_RIGHTALT, PS2_KEY_RIGHTMETA,
    PS2_KEY_MAX = 0xe8,         /* one past the last usage */
} PS2Key;

typedef void PS2Notify(void *opaque);

/* A device's transmit queue: a ring of at most 'cap' bytes. */
typedef struct PS2Port {
    uint8_t data[PS2_QUEUE_MAX];
    uint16_t rptr, count;       /* rptr < cap, count <= cap */
    uint16_t cap;               /* fixed by the device type, not saved */
    uint8_t last;               /* last byte taken, for the resend command */
    PS2Notify *notify;
    void *opaque;
} PS2Port;

typedef struct PS2Keyboard {
    PS2Port port;
    uint8_t scancode_set;       /* 1, 2 or 3 */
    bool scanning;              /* F4/F5 */
    uint8_t leds;               /* PS2_LED_* */
    uint8_t typematic;          /* F3 argument (no repeat is generated) */
    uint8_t pending;            /* command waiting for its argument, 0: none */
    bool overrun;               /* the last slot holds the overrun code */
} PS2Keyboard;

typedef struct PS2Mouse {
    PS2Port port;
    uint8_t sample_rate;        /* reports per second (F3) */
    uint8_t resolution;         /* 0..3: 1, 2, 4, 8 counts/mm (E8) */
    bool scaling21;             /* E7 / E6 */
    bool remote;                /* F0 remote / EA stream mode */
    bool reporting;             /* F4 / F5 */
    bool wrap;                  /* EE echo mode until EC or FF */
    uint8_t id;                 /* 0, 3 (wheel) or 4 (wheel + 5 buttons) */
    uint8_t rates[3];           /* last three sample rates, for the knock */
    uint8_t pending;            /* command waiting for its argument */
    uint8_t buttons;            /* PS2_MOUSE_* currently held */
    uint8_t sent_buttons;       /* as of the last packet */
    int32_t dx, dy, dz;         /* movement not yet reported (saturating) */
    uint8_t last_packet[4];     /* for the resend command */
    uint8_t last_len;
} PS2Mouse;

/* Take the next byte the device sends; false when it has nothing. */
bool ps2_port_read(PS2Port *p, uint8_t *val);
static inline bool ps2_port_pending(const PS2Port *p) { return p->count != 0; }

/* notify (may be NULL) is called whenever bytes become available. */
void ps2_keyboard_init(PS2Keyboard *k, PS2Notify *notify, void *opaque);
/* Power-on state: queue empty, set 2, scanning enabled, LEDs off. */
void ps2_keyboard_reset(PS2Keyboard *k);
/* A byte from the host (the i8042's data port). */
void ps2_keyboard_write(PS2Keyboard *k, uint8_t val);
/* A key went down or up (key is a PS2Key; unknown values are ignored). */
void ps2_keyboard_key(PS2Keyboard *k, unsigned key, bool pressed);
/* The LEDs the guest last set (PS2_LED_*), for the UI. */
uint8_t ps2_keyboard_leds(const PS2Keyboard *k);

void ps2_mouse_init(PS2Mouse *m, PS2Notify *notify, void *opaque);
void ps2_mouse_reset(PS2Mouse *m);
void ps2_mouse_write(PS2Mouse *m, uint8_t val);
/*
 * Relative motion (dx right, dy up as on the wire, dz wheel: positive is
 * towards the user, i.e. scrolling down) and the buttons now held.
 */
void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons);

/*
 * Called by the queue's reader after taking bytes: the mouse sends motion
 * it had to hold back while its queue was full.
 */
void ps2_mouse_flush(PS2Mouse *m);

/* Snapshot descriptions; their post_load hooks repair out-of-range state. */
extern const StateDesc ps2_keyboard_state;
extern const StateDesc ps2_mouse_state;

#endif

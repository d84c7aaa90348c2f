/* SPDX-License-Identifier: MIT */
/*
 * The display interface between a graphics device model and a frontend.
 *
 * The device renders the guest's screen into a DisplaySurface it owns: 32-bit
 * pixels 0x00RRGGBB (SDL_PIXELFORMAT_XRGB8888 / ARGB8888 with alpha ignored),
 * rows 'stride' pixels apart. A refresh reports which rows changed since the
 * previous one and whether the size changed; the frontend uploads exactly
 * those rows. The surface and its pixels stay valid until the next refresh
 * (a resize reallocates them), and both are touched only with the big lock
 * held.
 */
#ifndef TANDEM_CONSOLE_H
#define TANDEM_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct DisplaySurface {
    uint32_t *pixels;           /* 0x00RRGGBB */
    int width, height;          /* 0 x 0 when the guest shows nothing */
    int stride;                 /* pixels between rows (>= width) */
} DisplaySurface;

typedef struct DisplayUpdate {
    bool resized;               /* width/height changed: redraw everything */
    int y0, y1;                 /* rows [y0, y1) changed; y0 == y1: none */
} DisplayUpdate;

/* Pack an 8-bit-per-channel colour as the surface stores it. */
static inline uint32_t display_rgb(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

/*
 * The SDL2 window (ui/sdl.c, built only with CONFIG_SDL: the Makefile drops
 * ui/sdl*.c otherwise, so callers guard these with #ifdef CONFIG_SDL).
 *
 * sdl_display_possible(): a window could open here (DISPLAY or
 * WAYLAND_DISPLAY is set); the default display is "sdl" when this holds and
 * neither -nographic nor -display none was given.
 * sdl_display_init(): open the window for vga (with the big lock held, on the
 * main thread, before machine_run()); its refresh timer then runs in the
 * main loop. Returns -1 with err when SDL or the window cannot start.
 * sdl_display_cleanup(): close it after machine_run() returns.
 */
typedef struct Machine Machine;
typedef struct VgaState VgaState;
typedef struct Error Error;

bool sdl_display_possible(void);
int sdl_display_init(Machine *m, VgaState *vga, Error *err);
void sdl_display_cleanup(void);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The SDL2 window: shows the VGA's surface and feeds the host's keyboard
 * and mouse to the PS/2 devices.
 *
 * Everything runs in one CLK_REALTIME timer of the main loop, every ~16.7 ms
 * (60 Hz), on the main thread and with the big lock held, which is what SDL
 * asks for (video and events on the thread that initialised them) and what
 * the device models ask for. Each tick drains SDL's event queue, asks the VGA
 * to render what changed, uploads only those rows into a streaming texture
 * and presents. Presenting does not wait for vsync: the big lock is held.
 *
 * Input. Keys go through as their SDL_Scancode, which is the USB HID usage
 * ps2_keyboard_key() takes; SDL's auto-repeat becomes repeated make codes,
 * as a real keyboard's typematic repeat would. Keys held when the window
 * loses focus are released, so none stays stuck in the guest. The mouse is
 * relative: a click in the window grabs it (the click is not passed on),
 * Ctrl-Alt-G releases it, as in QEMU. Closing the window asks the machine
 * to shut down.
 */
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "hw/display/vga.h"
#include "ui/console.h"
#include "hw/core/device.h"
#include "hw/input/i8042.h"
#include "softmmu/main-loop.h"
#include "softmmu/machine.h"

#define SDL_REFRESH_NS      (NS_PER_SEC / 60)
#define SDL_TITLE           "tandem"
#define SDL_TITLE_GRABBED   "tandem - Press Ctrl-Alt-G to release the mouse"

typedef struct SdlDisplay {
    Machine *machine;
    VgaState *vga;
    I8042State *kbc;            /* NULL: the machine has no keyboard */
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h;
    Timer *timer;
    bool grabbed;
    bool need_present;
    uint8_t held[SDL_NUM_SCANCODES / 8];    /* keys the guest saw go down */
} SdlDisplay;

static SdlDisplay *sdl_display;

bool sdl_display_possible(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (w && *w);
}

static I8042State *sdl_find_kbc(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->id && !strcmp(d->id, "i8042"))
            return (I8042State *)d;
    return NULL;
}

/* ---- input ---------------------------------------------------------- */

static void sdl_key(SdlDisplay *sd, SDL_Scancode sc, bool down)
{
    if ((unsigned)sc >= SDL_NUM_SCANCODES)
        return;
    if (down)
        sd->held[sc / 8] |= (uint8_t)(1u << (sc % 8));
    else
        sd->held[sc / 8] &= (uint8_t)~(1u << (sc % 8));
    if (sd->kbc)
        ps2_keyboard_key(&sd->kbc->kbd, (unsigned)sc, down);
}

static void sdl_release_all_keys(SdlDisplay *sd)
{
    for (unsigned sc = 0; sc < SDL_NUM_SCANCODES; sc++)
        if (sd->held[sc / 8] & (1u << (sc % 8)))
            sdl_key(sd, (SDL_Scancode)sc, false);
}

static void sdl_set_grab(SdlDisplay *sd, bool on)
{
    if (sd->grabbed == on)
        return;
    /* Relative mode hides the cursor and reports motion past the edges. */
    if (SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE) < 0 && on)
        return;
    SDL_SetWindowGrab(sd->window, on ? SDL_TRUE : SDL_FALSE);
    sd->grabbed = on;
    SDL_SetWindowTitle(sd->window, on ? SDL_TITLE_GRABBED : SDL_TITLE);
}

static unsigned sdl_mouse_buttons(uint32_t state)
{
    unsigned b = 0;
    if (state & SDL_BUTTON(SDL_BUTTON_LEFT))
        b |= PS2_MOUSE_LEFT;
    if (state & SDL_BUTTON(SDL_BUTTON_RIGHT))
        b |= PS2_MOUSE_RIGHT;
    if (state & SDL_BUTTON(SDL_BUTTON_MIDDLE))
        b |= PS2_MOUSE_MIDDLE;
    if (state & SDL_BUTTON(SDL_BUTTON_X1))
        b |= PS2_MOUSE_4TH;
    if (state & SDL_BUTTON(SDL_BUTTON_X2))
        b |= PS2_MOUSE_5TH;
    return b;
}

static void sdl_mouse(SdlDisplay *sd, int dx, int dy, int dz)
{
    if (!sd->grabbed || !sd->kbc)
        return;
    /* SDL's y grows downwards, PS/2's upwards; wheel up is negative dz. */
    ps2_mouse_event(&sd->kbc->mouse, dx, -dy, dz,
                    sdl_mouse_buttons(SDL_GetMouseState(NULL, NULL)));
}

static void sdl_handle_keydown(SdlDisplay *sd, const SDL_KeyboardEvent *k)
{
    SDL_Keymod mod = SDL_GetModState();
    if (k->keysym.scancode == SDL_SCANCODE_G && (mod & KMOD_CTRL) && (mod & KMOD_ALT)) {
        if (!k->repeat)
            sdl_set_grab(sd, !sd->grabbed);
        return;                         /* the hotkey is the host's, not the guest's */
    }
    sdl_key(sd, k->keysym.scancode, true);
}

static void sdl_handle_event(SdlDisplay *sd, const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_QUIT:
        machine_request_shutdown(sd->machine, 0);
        break;
    case SDL_KEYDOWN:
        sdl_handle_keydown(sd, &ev->key);
        break;
    case SDL_KEYUP:
        if (ev->key.keysym.scancode == SDL_SCANCODE_G &&
            !(sd->held[SDL_SCANCODE_G / 8] & (1u << (SDL_SCANCODE_G % 8))))
            break;                      /* the G of the hotkey never went down */
        sdl_key(sd, ev->key.keysym.scancode, false);
        break;
    case SDL_MOUSEMOTION:
        sdl_mouse(sd, ev->motion.xrel, ev->motion.yrel, 0);
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (!sd->grabbed) {
            sdl_set_grab(sd, true);     /* the grabbing click stays on the host */
            break;
        }
        sdl_mouse(sd, 0, 0, 0);
        break;
    case SDL_MOUSEBUTTONUP:
        sdl_mouse(sd, 0, 0, 0);
        break;
    case SDL_MOUSEWHEEL:
        sdl_mouse(sd, 0, 0, ev->wheel.direction == SDL_MOUSEWHEEL_FLIPPED
                                ? ev->wheel.y : -ev->wheel.y);
        break;
    case SDL_WINDOWEVENT:
        switch (ev->window.event) {
        case SDL_WINDOWEVENT_CLOSE:
            machine_request_shutdown(sd->machine, 0);
            break;
        case SDL_WINDOWEVENT_FOCUS_LOST:
            sdl_release_all_keys(sd);
            sdl_set_grab(sd, false);
            break;
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_SIZE_CHANGED:
            sd->need_present = true;
            break;
        default:
            break;
        }
        break;
    default:
        break;
    }
}

/* ---- output --------------------------------------------------------- */

/* Small modes (320x200, 360x400) get a window twice their size. */
static void sdl_resize(SdlDisplay *sd, int w, int h)
{
    if (sd->texture)
        SDL_DestroyTexture(sd->texture);
    sd->texture = NULL;
    sd->tex_w = w;
    sd->tex_h = h;
    if (w <= 0 || h <= 0)
        return;
    sd->texture = SDL_CreateTexture(sd->renderer, SDL_PIXELFORMAT_RGB888,
                                    SDL_TEXTUREACCESS_STREAMING, w, h);
    int scale = (w < 640 && h < 480) ? 2 : 1;
    SDL_SetWindowSize(sd->window, w * scale, h * scale);
}

static void sdl_refresh(void *opaque)
{
    SdlDisplay *sd = opaque;
    SDL_Event ev;
    DisplayUpdate u;

    while (SDL_PollEvent(&ev))
        sdl_handle_event(sd, &ev);

    vga_refresh(sd->vga, &u);
    const DisplaySurface *surf = vga_surface(sd->vga);
    if (u.resized || surf->width != sd->tex_w || surf->height != sd->tex_h) {
        sdl_resize(sd, surf->width, surf->height);
        u.y0 = 0;
        u.y1 = surf->height;
    }
    if (sd->texture && u.y1 > u.y0) {
        SDL_Rect r = { 0, u.y0, surf->width, u.y1 - u.y0 };
        SDL_UpdateTexture(sd->texture, &r, surf->pixels + (size_t)u.y0 * surf->stride,
                          surf->stride * (int)sizeof(uint32_t));
        sd->need_present = true;
    }
    if (sd->need_present) {
        SDL_SetRenderDrawColor(sd->renderer, 0, 0, 0, 255);
        SDL_RenderClear(sd->renderer);
        if (sd->texture)
            SDL_RenderCopy(sd->renderer, sd->texture, NULL, NULL);
        SDL_RenderPresent(sd->renderer);
        sd->need_present = false;
    }
    timer_mod(sd->timer, clock_get_ns(CLK_REALTIME) + SDL_REFRESH_NS);
}

int sdl_display_init(Machine *m, VgaState *vga, Error *err)
{
    if (!vga)
        return error_setf(err, "-display sdl: the machine has no VGA to show");
    if (sdl_display)
        return error_setf(err, "-display sdl: a window already exists");

    /* tandem handles SIGINT/SIGTERM itself (clean shutdown). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_Init(SDL_INIT_VIDEO) < 0)
        return error_setf(err, "-display sdl: cannot initialise SDL: %s", SDL_GetError());

    SdlDisplay *sd = calloc(1, sizeof(*sd));
    if (!sd) {
        SDL_Quit();
        return error_setf(err, "-display sdl: out of memory");
    }
    sd->machine = m;
    sd->vga = vga;
    sd->kbc = sdl_find_kbc(m);
    sd->window = SDL_CreateWindow(SDL_TITLE, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                  640, 480, SDL_WINDOW_RESIZABLE);
    if (sd->window)
        sd->renderer = SDL_CreateRenderer(sd->window, -1, SDL_RENDERER_ACCELERATED);
    if (sd->window && !sd->renderer)
        sd->renderer = SDL_CreateRenderer(sd->window, -1, SDL_RENDERER_SOFTWARE);
    if (!sd->renderer) {
        error_setf(err, "-display sdl: cannot create the window: %s", SDL_GetError());
        if (sd->window)
            SDL_DestroyWindow(sd->window);
        free(sd);
        SDL_Quit();
        return -1;
    }
    /* Scale the guest's pixels, don't smooth them. */
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
    sd->need_present = true;
    vga_invalidate(vga);
    sd->timer = timer_new(CLK_REALTIME, sdl_refresh, sd);
    timer_mod(sd->timer, clock_get_ns(CLK_REALTIME));
    sdl_display = sd;
    return 0;
}

void sdl_display_cleanup(void)
{
    SdlDisplay *sd = sdl_display;
    if (!sd)
        return;
    timer_free(sd->timer);
    if (sd->texture)
        SDL_DestroyTexture(sd->texture);
    SDL_DestroyRenderer(sd->renderer);
    SDL_DestroyWindow(sd->window);
    SDL_Quit();
    free(sd);
    sdl_display = NULL;
}

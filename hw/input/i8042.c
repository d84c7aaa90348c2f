/* SPDX-License-Identifier: MIT */
/*
 * The i8042 (8042-compatible keyboard controller) as a PC/AT and PS/2
 * machine has it: one output buffer shared by the keyboard, the mouse and
 * the controller's own answers, a command byte in controller RAM, and an
 * output port wired to the A20 gate and the CPU reset line.
 *
 * Model:
 * - Writes are handled at once, so IBF always reads 0. A command that takes
 *   a data byte remembers itself in 'pending'; the next write to port 0x60
 *   goes to it instead of the keyboard.
 * - The output buffer is refilled only when empty (a data port read empties
 *   it), in this order: the controller's answers, the keyboard's queue
 *   unless its clock is disabled (command byte bit 4), then the mouse's
 *   unless its clock is (bit 5). Bytes held back by a disabled device stay
 *   in that device's queue until it is enabled again.
 * - With command byte bit 6 set, keyboard bytes pass through the 8042's
 *   translation table on their way into the buffer; an F0 prefix is
 *   swallowed and sets bit 7 of the next translated byte. Bytes written
 *   with D2/D3 are not translated.
 * - IRQ 1 follows "buffer holds a keyboard or controller byte and KBDINT",
 *   IRQ 12 "buffer holds a mouse byte and AUXINT". A read lowers the line
 *   before the next byte raises it again, so edge-triggered inputs see one
 *   edge per byte.
 *
 * Invariants: ctrl_rptr < I8042_CTRL_QUEUE, ctrl_count <= I8042_CTRL_QUEUE;
 * AUXOBF is only set together with OBF; every index into ram[] is masked
 * to 0..31.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/input/i8042.h"
#include "softmmu/machine.h"
#include "softmmu/vcpu.h"
#include "softmmu/log.h"

/* Controller commands (port 0x64) */
enum {
    CCMD_READ_RAM = 0x20,       /* 20..3F: read RAM byte n & 1f */
    CCMD_WRITE_RAM = 0x60,      /* 60..7F: write RAM byte n & 1f */
    CCMD_PASSWORD_TEST = 0xa4,
    CCMD_PASSWORD_LOAD = 0xa5,
    CCMD_PASSWORD_ENABLE = 0xa6,
    CCMD_AUX_DISABLE = 0xa7,
    CCMD_AUX_ENABLE = 0xa8,
    CCMD_AUX_TEST = 0xa9,
    CCMD_SELF_TEST = 0xaa,
    CCMD_KBD_TEST = 0xab,
    CCMD_KBD_DISABLE = 0xad,
    CCMD_KBD_ENABLE = 0xae,
    CCMD_READ_INPUT = 0xc0,
    CCMD_POLL_INPUT_LOW = 0xc1,
    CCMD_POLL_INPUT_HIGH = 0xc2,
    CCMD_READ_OUTPUT = 0xd0,
    CCMD_WRITE_OUTPUT = 0xd1,
    CCMD_WRITE_KBD_OBUF = 0xd2,
    CCMD_WRITE_AUX_OBUF = 0xd3,
    CCMD_WRITE_AUX = 0xd4,
    CCMD_A20_DISABLE = 0xdd,    /* HP Vectra style, common on clones */
    CCMD_A20_ENABLE = 0xdf,
    CCMD_READ_TEST = 0xe0,
    CCMD_PULSE = 0xf0,          /* F0..FF: pulse output bits 0..3 that are 0 */
};

#define I8042_SELF_TEST_OK 0x55
#define I8042_POWER_ON_CTR (I8042_CTR_KBDINT | I8042_CTR_AUXINT | I8042_CTR_XLATE)
#define I8042_POWER_ON_OUT (I8042_OUT_RESET | I8042_OUT_A20)

/*
 * The translation table of the 8042's ROM: set-2 byte -> set-1 byte. Above
 * 0x7F it is the identity except F7 (83) and Alt+SysRq (84), so answers like
 * FA, AA, EE and the E0/E1 prefixes pass unchanged; 00 (set 2 overrun)
 * becomes FF (set 1 overrun).
 */
static const uint8_t i8042_xlate_table[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t i8042_translate(uint8_t b)
{
    if (b < 0x80)
        return i8042_xlate_table[b];
    if (b == 0x83)
        return 0x41;
    if (b == 0x84)
        return 0x54;
    return b;
}

static uint8_t i8042_ctr(const I8042State *s)
{
    return s->ram[0];
}

static void i8042_set_line(IrqLine *line, int *cached, int level)
{
    if (*cached == level)
        return;
    *cached = level;
    irq_set(line, level);
}

static void i8042_update_irq(I8042State *s)
{
    bool full = s->status & I8042_STR_OBF;
    bool aux = s->status & I8042_STR_AUXOBF;
    uint8_t ctr = i8042_ctr(s);

    i8042_set_line(s->kbd_irq, &s->kbd_level,
                   full && !aux && (ctr & I8042_CTR_KBDINT));
    i8042_set_line(s->aux_irq, &s->aux_level,
                   full && aux && (ctr & I8042_CTR_AUXINT));
}

static void i8042_fill(I8042State *s, uint8_t val, bool aux)
{
    s->obuf = val;
    s->status |= I8042_STR_OBF;
    if (aux)
        s->status |= I8042_STR_AUXOBF;
    else
        s->status &= ~I8042_STR_AUXOBF;
}

/* Move one byte into the output buffer if it is empty and one is waiting. */
static void i8042_refill(I8042State *s)
{
    uint8_t ctr = i8042_ctr(s), b;

    while (!(s->status & I8042_STR_OBF)) {
        if (s->ctrl_count) {
            unsigned i = s->ctrl_rptr;
            i8042_fill(s, s->ctrl_data[i], (s->ctrl_aux >> i) & 1);
            s->ctrl_rptr = (s->ctrl_rptr + 1) % I8042_CTRL_QUEUE;
            s->ctrl_count--;
        } else if (!(ctr & I8042_CTR_KBDDIS) && ps2_port_read(&s->kbd.port, &b)) {
            if (ctr & I8042_CTR_XLATE) {
                if (b == 0xf0) {
                    s->xlate_break = true;
                    continue;   /* the prefix itself never reaches the host */
                }
                b = i8042_translate(b) | (s->xlate_break ? 0x80 : 0);
                s->xlate_break = false;
            }
            i8042_fill(s, b, false);
        } else if (!(ctr & I8042_CTR_AUXDIS) && ps2_port_read(&s->mouse.port, &b)) {
            i8042_fill(s, b, true);
            /* Room in the mouse's queue: it may send motion it held back. */
            ps2_mouse_flush(&s->mouse);
        } else {
            break;
        }
    }
    i8042_update_irq(s);
}

static void i8042_notify(void *opaque)
{
    I8042State *s = opaque;
    /* A notify from inside refill finds the buffer full and only updates. */
    i8042_refill(s);
}

/* Queue one of the controller's own answers. */
static void i8042_answer(I8042State *s, uint8_t val, bool aux)
{
    unsigned i;

    if (s->ctrl_count >= I8042_CTRL_QUEUE) {
        log_mask_printf(LOG_GUEST, "i8042: answer %#x dropped, guest is not reading\n", val);
        return;
    }
    i = (s->ctrl_rptr + s->ctrl_count) % I8042_CTRL_QUEUE;
    s->ctrl_data[i] = val;
    if (aux)
        s->ctrl_aux |= 1u << i;
    else
        s->ctrl_aux &= ~(1u << i);
    s->ctrl_count++;
    i8042_refill(s);
}

/* ------------------------------------------------------------------------ */
/* The output port: A20 and reset */

/*
 * The default A20 sink. Under tcg the engine compares a20_enabled with
 * what its TLB was filled with; the kick makes a vCPU leave chained blocks
 * so that it looks soon (a guest polling for the wrap-around must see it).
 * kvm has no A20 masking, so there the field only keeps Vcpu.state truthful
 * for snapshots and lockstep. accel->state_changed() is not used: it would
 * reload all of Vcpu.state into an engine whose live registers are newer
 * (this runs inside a vCPU's port access).
 */
static void i8042_a20_to_cpus(void *opaque, int n, int level)
{
    Machine *m = opaque;

    for (int i = 0; i < m->nr_cpus && i < MACHINE_MAX_CPUS; i++) {
        Vcpu *cpu = m->cpus[i];
        bool on = level != 0;
        if (!cpu || __atomic_load_n(&cpu->state.a20_enabled, __ATOMIC_RELAXED) == on)
            continue;
        __atomic_store_n(&cpu->state.a20_enabled, on, __ATOMIC_RELEASE);
        vcpu_interrupt(cpu, 0);     /* no event, only the kick and wake-up */
    }
}

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    bool a20_changed = (s->outport ^ val) & I8042_OUT_A20;

    /* Bits 4 and 5 are the OBF lines: not storable. */
    s->outport = val & ~(I8042_OUT_KBDOBF | I8042_OUT_AUXOBF);
    if (a20_changed)
        irq_set(s->a20_out, (val & I8042_OUT_A20) != 0);
    if (!(val & I8042_OUT_RESET)) {
        /*
         * The reset line is low: the CPU is held in reset. The machine
         * resets everything, this controller included, which raises the
         * line again.
         */
        log_mask_printf(LOG_INT, "i8042: CPU reset through the output port\n");
        if (s->machine)
            machine_request_reset(s->machine);
    }
}

static uint8_t i8042_read_outport(const I8042State *s)
{
    uint8_t v = s->outport;
    if (s->status & I8042_STR_OBF)
        v |= (s->status & I8042_STR_AUXOBF) ? I8042_OUT_AUXOBF : I8042_OUT_KBDOBF;
    return v;
}

/* ------------------------------------------------------------------------ */
/* Commands */

static void i8042_write_ctr(I8042State *s, uint8_t val)
{
    s->ram[0] = val;
    /* The status register's system flag is a copy of the command byte's. */
    s->status = (s->status & ~I8042_STR_SYS) | (val & I8042_CTR_SYS);
    if (!(val & I8042_CTR_XLATE))
        s->xlate_break = false;
    /* Enabling a device or its interrupt may release bytes or raise a line. */
    i8042_refill(s);
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (cmd >= CCMD_READ_RAM && cmd < CCMD_READ_RAM + 0x20) {
        i8042_answer(s, s->ram[cmd & 0x1f], false);
        return;
    }
    if (cmd >= CCMD_WRITE_RAM && cmd < CCMD_WRITE_RAM + 0x20) {
        s->pending = cmd;
        return;
    }
    if (cmd >= CCMD_PULSE) {
        /* Bits 0..3 clear in the command are pulsed low for ~6 us. */
        if (!(cmd & I8042_OUT_RESET)) {
            log_mask_printf(LOG_INT, "i8042: CPU reset pulse (%#x)\n", cmd);
            if (s->machine)
                machine_request_reset(s->machine);
        }
        return;
    }

    switch (cmd) {
    case CCMD_PASSWORD_TEST:
        i8042_answer(s, 0xf1, false);      /* no password installed */
        break;
    case CCMD_PASSWORD_LOAD:
        s->pending = cmd;                   /* bytes up to a 00 are dropped */
        break;
    case CCMD_PASSWORD_ENABLE:
        break;                              /* nothing installed to enable */
    case CCMD_AUX_DISABLE:
        i8042_write_ctr(s, i8042_ctr(s) | I8042_CTR_AUXDIS);
        break;
    case CCMD_AUX_ENABLE:
        i8042_write_ctr(s, i8042_ctr(s) & ~I8042_CTR_AUXDIS);
        break;
    case CCMD_AUX_TEST:
    case CCMD_KBD_TEST:
        i8042_answer(s, 0x00, false);      /* no clock or data line stuck */
        break;
    case CCMD_SELF_TEST:
        i8042_write_ctr(s, i8042_ctr(s) | I8042_CTR_SYS);
        i8042_answer(s, I8042_SELF_TEST_OK, false);
        break;
    case CCMD_KBD_DISABLE:
        i8042_write_ctr(s, i8042_ctr(s) | I8042_CTR_KBDDIS);
        break;
    case CCMD_KBD_ENABLE:
        i8042_write_ctr(s, i8042_ctr(s) & ~I8042_CTR_KBDDIS);
        break;
    case CCMD_READ_INPUT:
        i8042_answer(s, 0x80, false);      /* bit 7: keyboard not inhibited */
        break;
    case CCMD_POLL_INPUT_LOW:
    case CCMD_POLL_INPUT_HIGH:
        break;
    case CCMD_READ_OUTPUT:
        i8042_answer(s, i8042_read_outport(s), false);
        break;
    case CCMD_WRITE_OUTPUT:
    case CCMD_WRITE_KBD_OBUF:
    case CCMD_WRITE_AUX_OBUF:
    case CCMD_WRITE_AUX:
        s->pending = cmd;
        break;
    case CCMD_A20_DISABLE:
        i8042_write_outport(s, s->outport & ~I8042_OUT_A20);
        break;
    case CCMD_A20_ENABLE:
        i8042_write_outport(s, s->outport | I8042_OUT_A20);
        break;
    case CCMD_READ_TEST:
        i8042_answer(s, 0x00, false);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: unknown command %#x\n", cmd);
        break;
    }
}

static void i8042_data_write(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->pending;

    s->pending = 0;
    if (cmd >= CCMD_WRITE_RAM && cmd < CCMD_WRITE_RAM + 0x20) {
        if ((cmd & 0x1f) == 0)
            i8042_write_ctr(s, val);
        else
            s->ram[cmd & 0x1f] = val;
        return;
    }
    switch (cmd) {
    case CCMD_PASSWORD_LOAD:
        if (val)
            s->pending = cmd;
        return;
    case CCMD_WRITE_OUTPUT:
        i8042_write_outport(s, val);
        return;
    case CCMD_WRITE_KBD_OBUF:
        i8042_answer(s, val, false);
        return;
    case CCMD_WRITE_AUX_OBUF:
        i8042_answer(s, val, true);
        return;
    case CCMD_WRITE_AUX:
        ps2_mouse_write(&s->mouse, val);
        return;
    default:
        /* No command waiting: the byte goes to the keyboard. */
        ps2_keyboard_write(&s->kbd, val);
        return;
    }
}

uint8_t i8042_ioport_read(I8042State *s, uint16_t port)
{
    if (port == I8042_CMD_PORT)
        return s->status;
    if (port != I8042_DATA_PORT)
        return 0xff;

    /* An empty buffer reads as whatever it last held. */
    uint8_t val = s->obuf;
    if (s->status & I8042_STR_OBF) {
        s->status &= ~(I8042_STR_OBF | I8042_STR_AUXOBF);
        i8042_update_irq(s);    /* lower first: the next byte is a new edge */
        i8042_refill(s);
    }
    return val;
}

void i8042_ioport_write(I8042State *s, uint16_t port, uint8_t val)
{
    if (port == I8042_CMD_PORT) {
        s->status |= I8042_STR_CMD;
        i8042_command(s, val);
    } else if (port == I8042_DATA_PORT) {
        s->status &= ~I8042_STR_CMD;
        i8042_data_write(s, val);
    }
}

/* ------------------------------------------------------------------------ */
/* Device */

void i8042_reset(I8042State *s)
{
    ps2_keyboard_reset(&s->kbd);
    ps2_mouse_reset(&s->mouse);
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = I8042_POWER_ON_CTR;
    s->status = I8042_STR_UNLOCK;
    s->outport = I8042_POWER_ON_OUT;
    s->obuf = 0;
    s->pending = 0;
    s->xlate_break = false;
    s->ctrl_rptr = s->ctrl_count = 0;
    s->ctrl_aux = 0;
    s->kbd_level = s->aux_level = -1;
    i8042_update_irq(s);
    /*
     * The gate follows the output port's reset value, whatever the CPUs'
     * own reset did, so that the two agree after every machine reset.
     */
    irq_set(s->a20_out, 1);
}

void i8042_init(I8042State *s, Machine *m, IrqLine *kbd_irq, IrqLine *aux_irq)
{
    memset(s, 0, sizeof(*s));
    s->machine = m;
    s->kbd_irq = kbd_irq;
    s->aux_irq = aux_irq;
    if (m)
        irq_line_init(&s->a20_cpus, i8042_a20_to_cpus, m, 0);
    s->a20_out = &s->a20_cpus;
    ps2_keyboard_init(&s->kbd, i8042_notify, s);
    ps2_mouse_init(&s->mouse, i8042_notify, s);
    i8042_reset(s);
}

/* One region per port: 0x61..0x63 belong to other devices. */
static uint64_t i8042_data_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8042_ioport_read(opaque, I8042_DATA_PORT);
}

static void i8042_data_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    i8042_ioport_write(opaque, I8042_DATA_PORT, (uint8_t)val);
}

static uint64_t i8042_cmd_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8042_ioport_read(opaque, I8042_CMD_PORT);
}

static void i8042_cmd_mr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    i8042_ioport_write(opaque, I8042_CMD_PORT, (uint8_t)val);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_mr_read,
    .write = i8042_data_mr_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_cmd_mr_read,
    .write = i8042_cmd_mr_write,
    .min_access = 1,
    .max_access = 1,
};

static void i8042_dev_reset(Device *dev)
{
    i8042_reset((I8042State *)dev);
}

static void i8042_dev_destroy(Device *dev)
{
    I8042State *s = (I8042State *)dev;
    if (s->machine) {
        mr_del_subregion(&s->machine->iomem, &s->io_data);
        mr_del_subregion(&s->machine->iomem, &s->io_cmd);
    }
    mr_destroy(&s->io_data);
    mr_destroy(&s->io_cmd);
    free(s);
}

I8042State *i8042_create(Machine *m, IrqLine *kbd_irq, IrqLine *aux_irq, Error *err)
{
    I8042State *s = malloc(sizeof(*s));

    if (!s) {
        error_setf(err, "i8042: out of memory");
        return NULL;
    }
    i8042_init(s, m, kbd_irq, aux_irq);
    mr_init_io(&s->io_data, "i8042-data", &i8042_data_ops, s, 1);
    mr_init_io(&s->io_cmd, "i8042-cmd", &i8042_cmd_ops, s, 1);
    mr_transaction_begin();
    mr_add_subregion(&m->iomem, I8042_DATA_PORT, &s->io_data);
    mr_add_subregion(&m->iomem, I8042_CMD_PORT, &s->io_cmd);
    mr_transaction_commit();
    device_attach(m, &s->dev, "i8042", i8042_dev_reset, i8042_dev_destroy, &i8042_state);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Snapshots */

static int i8042_post_load(void *obj, Error *err)
{
    I8042State *s = obj;
    int ret = 0;

    if (s->ctrl_rptr >= I8042_CTRL_QUEUE || s->ctrl_count > I8042_CTRL_QUEUE) {
        s->ctrl_rptr = s->ctrl_count = 0;
        ret = error_setf(err, "i8042: answer queue pointers out of range");
    }
    if (!(s->status & I8042_STR_OBF))
        s->status &= ~I8042_STR_AUXOBF;
    /* Drive the lines from the loaded state whatever they were. */
    s->kbd_level = s->aux_level = -1;
    i8042_update_irq(s);
    return ret;
}

static const StateField i8042_fields[] = {
    STATE_U8(I8042State, status),
    STATE_U8_ARRAY(I8042State, ram, 32),
    STATE_U8(I8042State, outport),
    STATE_U8(I8042State, obuf),
    STATE_U8(I8042State, pending),
    STATE_BOOL(I8042State, xlate_break),
    STATE_U8_ARRAY(I8042State, ctrl_data, I8042_CTRL_QUEUE),
    STATE_U8(I8042State, ctrl_aux),
    STATE_U8(I8042State, ctrl_rptr),
    STATE_U8(I8042State, ctrl_count),
    STATE_STRUCT(I8042State, kbd, ps2_keyboard_state),
    STATE_STRUCT(I8042State, mouse, ps2_mouse_state),
    STATE_END
};

const StateDesc i8042_state = { "i8042", 1, i8042_fields, i8042_post_load };

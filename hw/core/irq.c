/* SPDX-License-Identifier: MIT */
/*
 * IRQ lines.
 *
 * A line is plain data owned by whoever embeds it (usually the board or the
 * sending device), so there is nothing to allocate or free. The sender's
 * view is just irq_set(): a NULL line or a line without a handler swallows
 * the level (the board chose not to wire it), which lets device models
 * raise their outputs unconditionally. The level is stored before the
 * handler runs so that a receiver reading line->level from its handler, or
 * re-entering the sender, sees the new value.
 */
#include <stddef.h>

#include "hw/core/irq.h"

void irq_line_init(IrqLine *line, IrqHandler *handler, void *opaque, int n)
{
    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
    line->level = 0;
}

void irq_set(IrqLine *line, int level)
{
    if (!line)
        return;
    /* Normalise so receivers can compare levels without caring how a
     * device computed them (e.g. "status & mask"). */
    level = level != 0;
    line->level = level;
    if (line->handler)
        line->handler(line->opaque, line->n, level);
}

void irq_pulse(IrqLine *line)
{
    irq_set(line, 1);
    irq_set(line, 0);
}

/* SPDX-License-Identifier: MIT */
/*
 * IRQ lines: a wire from a device output to an interrupt controller input.
 *
 * The board creates the lines (irq_line_init) with the receiver's handler
 * and gives them to the sender; the sender only ever sets a level. Setting a
 * line that is not wired (handler NULL, or a NULL line) does nothing, so a
 * device need not care whether the board connected it. Levels are
 * remembered, and the handler is called on every irq_set, changed or not:
 * edge-triggered receivers compare with their own latch.
 * Called with the big lock held.
 */
#ifndef TANDEM_IRQ_H
#define TANDEM_IRQ_H

typedef void IrqHandler(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler *handler;
    void *opaque;
    int n;          /* receiver's input number, passed back to the handler */
    int level;
} IrqLine;

void irq_line_init(IrqLine *line, IrqHandler *handler, void *opaque, int n);
void irq_set(IrqLine *line, int level);
static inline void irq_raise(IrqLine *line) { irq_set(line, 1); }
static inline void irq_lower(IrqLine *line) { irq_set(line, 0); }
/* Raise then lower: one edge. */
void irq_pulse(IrqLine *line);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * IRQ lines: levels are remembered and normalised, the handler sees the
 * receiver's opaque and input number on every set (changed or not), and
 * unwired or NULL lines swallow levels without crashing.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "hw/core/irq.h"

typedef struct Recv {
    int calls;
    int last_n;
    int last_level;
    void *last_opaque;
    int history[8];
} Recv;

static void recv_handler(void *opaque, int n, int level)
{
    Recv *r = opaque;
    if (r->calls < 8)
        r->history[r->calls] = level;
    r->calls++;
    r->last_n = n;
    r->last_level = level;
    r->last_opaque = opaque;
}

static void test_irq_levels(void)
{
    Recv r;
    IrqLine line;
    memset(&r, 0, sizeof(r));
    irq_line_init(&line, recv_handler, &r, 5);
    CU_ASSERT_EQUAL(line.level, 0);

    irq_raise(&line);
    CU_ASSERT_EQUAL(line.level, 1);
    CU_ASSERT_EQUAL(r.calls, 1);
    CU_ASSERT_EQUAL(r.last_level, 1);

    /* Same level again still reaches the handler. */
    irq_set(&line, 1);
    CU_ASSERT_EQUAL(r.calls, 2);

    irq_lower(&line);
    CU_ASSERT_EQUAL(line.level, 0);
    CU_ASSERT_EQUAL(r.last_level, 0);

    /* Any non-zero level is "asserted". */
    irq_set(&line, 0x80);
    CU_ASSERT_EQUAL(line.level, 1);
    CU_ASSERT_EQUAL(r.last_level, 1);
    CU_ASSERT_EQUAL(r.calls, 4);
}

static void test_irq_handler_args(void)
{
    Recv a, b;
    IrqLine la, lb;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    irq_line_init(&la, recv_handler, &a, 3);
    irq_line_init(&lb, recv_handler, &b, 14);

    irq_raise(&lb);
    CU_ASSERT_EQUAL(a.calls, 0);
    CU_ASSERT_EQUAL(b.calls, 1);
    CU_ASSERT_PTR_EQUAL(b.last_opaque, &b);
    CU_ASSERT_EQUAL(b.last_n, 14);

    irq_raise(&la);
    CU_ASSERT_EQUAL(a.last_n, 3);
    CU_ASSERT_PTR_EQUAL(a.last_opaque, &a);
    CU_ASSERT_EQUAL(b.calls, 1);
}

static void test_irq_pulse(void)
{
    Recv r;
    IrqLine line;
    memset(&r, 0, sizeof(r));
    irq_line_init(&line, recv_handler, &r, 0);
    irq_pulse(&line);
    CU_ASSERT_EQUAL(r.calls, 2);
    CU_ASSERT_EQUAL(r.history[0], 1);
    CU_ASSERT_EQUAL(r.history[1], 0);
    CU_ASSERT_EQUAL(line.level, 0);
}

static void test_irq_unwired(void)
{
    IrqLine line;
    irq_line_init(&line, NULL, NULL, 7);
    irq_raise(&line);
    /* No handler, but the level is still remembered. */
    CU_ASSERT_EQUAL(line.level, 1);
    irq_pulse(&line);
    CU_ASSERT_EQUAL(line.level, 0);

    /* A NULL line is a no-op, not a crash. */
    irq_set(NULL, 1);
    irq_raise(NULL);
    irq_pulse(NULL);
    CU_PASS("NULL line ignored");
}

void unit_register(void)
{
    static const UnitTest tests[] = {
        { "levels", test_irq_levels },
        { "handler_args", test_irq_handler_args },
        { "pulse", test_irq_pulse },
        { "unwired", test_irq_unwired },
        { NULL, NULL }
    };
    unit_add_suite("irq", NULL, NULL, tests);
}

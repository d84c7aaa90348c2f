/* SPDX-License-Identifier: MIT */
/*
 * Shared CUnit driver. Each tests/unit/test-*.c defines unit_register(),
 * which adds its suites with unit_add_suite(); unit-main.c runs them and
 * prints "unit NAME: N passed, N failed" for tests/run-tests.sh to add up.
 */
#ifndef TANDEM_UNIT_H
#define TANDEM_UNIT_H

#include <CUnit/CUnit.h>

typedef struct UnitTest {
    const char *name;
    CU_TestFunc fn;
} UnitTest;

void unit_register(void);
/* tests is terminated by { NULL, NULL }; init/clean may be NULL. */
void unit_add_suite(const char *name, CU_InitializeFunc init,
                    CU_CleanupFunc clean, const UnitTest *tests);
/*
 * Call from unit_register() instead of adding suites when this host cannot
 * run the module's tests at all (no /dev/kvm, say): the binary then prints
 * "unit NAME: skipped: REASON" and exits 77, which tests/run-tests.sh counts
 * as skipped, neither passed nor failed.
 */
void unit_skip(const char *reason);

#endif

/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "tests/unit/unit.h"

void unit_add_suite(const char *name, CU_InitializeFunc init,
                    CU_CleanupFunc clean, const UnitTest *tests)
{
    CU_pSuite s = CU_add_suite(name, init, clean);
    if (!s) {
        fprintf(stderr, "unit: cannot add suite %s: %s\n", name, CU_get_error_msg());
        exit(2);
    }
    for (; tests->name; tests++) {
        if (!CU_add_test(s, tests->name, tests->fn)) {
            fprintf(stderr, "unit: cannot add test %s: %s\n", tests->name,
                    CU_get_error_msg());
            exit(2);
        }
    }
}

static char unit_skip_reason[256];

void unit_skip(const char *reason)
{
    snprintf(unit_skip_reason, sizeof(unit_skip_reason), "%s", reason);
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    (void)argc;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    unit_register();
    if (unit_skip_reason[0]) {
        printf("unit %s: skipped: %s\n", name, unit_skip_reason);
        CU_cleanup_registry();
        return 77;
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    printf("unit %s: %u passed, %u failed\n", name, run - failed, failed + suites_failed);
    CU_cleanup_registry();
    return (failed || suites_failed || run == 0) ? 1 : 0;
}

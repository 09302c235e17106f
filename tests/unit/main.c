/* The CUnit runner: registers every suite (generated list), runs them with
 * the basic interface, prints CUnit's Run Summary, and exits non-zero when
 * any assertion or test failed (CU_basic_run_tests alone returns success). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/unit/unit.h"
#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUITE(n) void suite_##n(void);
#include "unit_suites.h"
#undef SUITE

void unit_add_suite(const char *name, const struct unit_test *tests, size_t n)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (!s) {
        fprintf(stderr, "unit: cannot add suite %s: %s\n", name, CU_get_error_msg());
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        if (!CU_add_test(s, tests[i].name, tests[i].fn)) {
            fprintf(stderr, "unit: cannot add test %s: %s\n", tests[i].name, CU_get_error_msg());
            exit(2);
        }
    }
}

const char *unit_tmpdir(void)
{
    static char path[8][256];
    static unsigned slot;
    char *p = path[slot++ % 8];
    const char *base = getenv("TMPDIR");
    snprintf(p, 256, "%s/ntlab-unit-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        exit(2);
    }
    return p;
}

const char *unit_code_mismatch(const char *what, bool win32, uint32_t got, uint32_t want)
{
    static char ring[64][768];
    static unsigned slot;
    char *out = ring[slot++ % 64];
    const char *g = win32 ? nterr_win32_symbol(got) : nterr_status_symbol(got);
    const char *w = win32 ? nterr_win32_symbol(want) : nterr_status_symbol(want);
    if (win32)
        snprintf(out, sizeof ring[0], "%s: got %s (%u), expected %s (%u)", what,
                 g ? g : "an unknown code", (unsigned)got, w ? w : "an unknown code",
                 (unsigned)want);
    else
        snprintf(out, sizeof ring[0], "%s: got %s (0x%08X), expected %s (0x%08X)", what,
                 g ? g : "an unknown status", (unsigned)got, w ? w : "an unknown status",
                 (unsigned)want);
    return out;
}

bool unit_timing(void)
{
    const char *v = getenv("UNIT_NO_TIMING");
    return !v || !*v;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void unit_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "unit: %s\n", CU_get_error_msg());
        return 2;
    }
#define SUITE(n) suite_##n();
#include "unit_suites.h"
#undef SUITE
    CU_basic_set_mode(argc > 1 && strcmp(argv[1], "-v") == 0 ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n");
    if (run == 0) {
        fprintf(stderr, "unit: no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}

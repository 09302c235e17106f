/* Shared helpers for the CUnit suites. Each tests/unit/test_NAME.c defines
 * `void suite_NAME(void)` that adds its suite and tests; main.c calls them. */
#ifndef NTLAB_TESTS_UNIT_H
#define NTLAB_TESTS_UNIT_H
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>

/* Adds a suite with the given tests; aborts the run on registry failure. */
struct unit_test {
    const char *name;
    void (*fn)(void);
};
void unit_add_suite(const char *name, const struct unit_test *tests, size_t n);
#define UNIT_SUITE(name, ...)                                                              \
    do {                                                                                   \
        static const struct unit_test t_[] = {__VA_ARGS__};                                \
        unit_add_suite(name, t_, sizeof t_ / sizeof t_[0]);                                \
    } while (0)
#define UNIT_TEST(fn) {#fn, fn}

/* A fresh empty temporary directory for one test (under $TMPDIR or /tmp);
 * removed recursively by unit_rmtree. The returned string is static per call
 * slot: copy it if you need several. */
const char *unit_tmpdir(void);
void unit_rmtree(const char *path);

/* False when wall-clock bounds mean nothing: UNIT_NO_TIMING is set in the
 * environment (`make valgrind` sets it: code runs 20-50x slower there).
 * A test asserts a time bound only when this is true. */
bool unit_timing(void);

#endif

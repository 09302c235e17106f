/* Shared helpers for the CUnit suites. Each tests/unit/test_NAME.c defines
 * `void suite_NAME(void)` that adds its suite and tests; main.c calls them. */
#ifndef NTLAB_TESTS_UNIT_H
#define NTLAB_TESTS_UNIT_H
#include "emulator/nterr.h"
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

/* Status assertions: on failure CUnit reports both codes by name and number,
 * "UNIT_ASSERT_STATUS(lsa_open(...), STATUS_SUCCESS): got STATUS_ACCESS_DENIED
 * (0xC0000022), expected STATUS_SUCCESS (0x00000000)", where CU_ASSERT_EQUAL
 * would print only the expression. UNIT_ASSERT_STATUS compares NTSTATUS
 * codes, UNIT_ASSERT_WIN32 Win32 error codes; _FATAL ends the test. */
#define UNIT_ASSERT_STATUS(actual, expected)                                                       \
    UNIT_ASSERT_CODE_("UNIT_ASSERT_STATUS(" #actual ", " #expected ")", false, actual, expected,   \
                      CU_FALSE)
#define UNIT_ASSERT_STATUS_FATAL(actual, expected)                                                 \
    UNIT_ASSERT_CODE_("UNIT_ASSERT_STATUS_FATAL(" #actual ", " #expected ")", false, actual,       \
                      expected, CU_TRUE)
#define UNIT_ASSERT_WIN32(actual, expected)                                                        \
    UNIT_ASSERT_CODE_("UNIT_ASSERT_WIN32(" #actual ", " #expected ")", true, actual, expected,     \
                      CU_FALSE)
#define UNIT_ASSERT_WIN32_FATAL(actual, expected)                                                  \
    UNIT_ASSERT_CODE_("UNIT_ASSERT_WIN32_FATAL(" #actual ", " #expected ")", true, actual,         \
                      expected, CU_TRUE)
/* what is stringified by the outer macro: here actual and expected would
 * already be expanded (STATUS_SUCCESS to 0x00000000u). */
#define UNIT_ASSERT_CODE_(what, win32, actual, expected, fatal)                                    \
    do {                                                                                           \
        uint32_t got_ = (actual), want_ = (expected);                                              \
        const char *what_ = (what);                                                                \
        CU_assertImplementation(got_ == want_, __LINE__,                                           \
                                got_ == want_ ? what_                                              \
                                              : unit_code_mismatch(what_, win32, got_, want_),     \
                                __FILE__, "", fatal);                                              \
    } while (0)
/* The failure text of a code assertion: what, then both codes by symbol
 * (emulator/nterr.h; "unknown" when the table lacks one) and number. The
 * text is in one of a ring of static buffers, which outlives the assertion:
 * CUnit may keep the pointer until the run's summary is printed. */
const char *unit_code_mismatch(const char *what, bool win32, uint32_t got, uint32_t want);

#endif

/* ddmin (src/lib/ddmin.h): 1-minimal results, test-call counts, the
 * bound on tests, and errors from the callback. */
#include "src/lib/ddmin.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The outcome shows when the candidate holds every item of need[]. */
struct need {
    size_t need[64];
    size_t nneed;
    size_t calls;
    bool saw_empty, saw_unsorted;
    int fail_at; /* return -EIO at this call (1-based), 0: never */
};

static int has_all(void *arg, const size_t *items, size_t n)
{
    struct need *w = arg;
    w->calls++;
    if (n == 0)
        w->saw_empty = true;
    for (size_t i = 1; i < n; i++)
        if (items[i - 1] >= items[i])
            w->saw_unsorted = true;
    if (w->fail_at && (int)w->calls == w->fail_at)
        return -EIO;
    for (size_t k = 0; k < w->nneed; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = items[i] == w->need[k];
        if (!found)
            return 0;
    }
    return 1;
}

/* Removing any one item of r loses the outcome (1-minimality), checked
 * with the callback itself. */
static bool one_minimal(struct need *w, const struct ddmin_result *r)
{
    size_t *c = malloc((r->n ? r->n : 1) * sizeof *c);
    bool ok = c != NULL;
    for (size_t skip = 0; ok && r->n > 1 && skip < r->n; skip++) {
        size_t m = 0;
        for (size_t i = 0; i < r->n; i++)
            if (i != skip)
                c[m++] = r->items[i];
        ok = has_all(w, c, m) == 0;
    }
    free(c);
    return ok;
}

static void test_single_item(void)
{
    struct need w = {.need = {5}, .nneed = 1};
    struct ddmin_result r;
    CU_ASSERT_EQUAL_FATAL(ddmin_run(16, has_all, &w, 0, &r), 0);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_EQUAL(r.items[0], 5);
    /* Halving finds one item of 16 in at most 2 tests per level: 8. */
    CU_ASSERT_TRUE(r.tests <= 8);
    CU_ASSERT_EQUAL(r.tests, w.calls);
    CU_ASSERT_FALSE(w.saw_empty);
    CU_ASSERT_FALSE(w.saw_unsorted);
    free(r.items);
}

static void test_two_items_apart(void)
{
    struct need w = {.need = {3, 12}, .nneed = 2};
    struct ddmin_result r;
    CU_ASSERT_EQUAL_FATAL(ddmin_run(16, has_all, &w, 0, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    CU_ASSERT_EQUAL(r.items[0], 3);
    CU_ASSERT_EQUAL(r.items[1], 12);
    CU_ASSERT_EQUAL(r.tests, w.calls);
    CU_ASSERT_TRUE(one_minimal(&w, &r));
    CU_ASSERT_FALSE(w.saw_empty);
    free(r.items);
}

/* For "holds every item of S" the 1-minimal subset is S itself. Random
 * S (a fixed LCG: reproducible), sizes 1..200; tests stay within Zeller's
 * worst case n^2 + 3n and, for |S| small, near |S| log2 n. */
static void test_random_sets(void)
{
    unsigned long x = 12345;
    for (int round = 0; round < 40; round++) {
        x = x * 1103515245ul + 12345ul;
        size_t n = 1 + (x >> 8) % 200;
        struct need w = {0};
        size_t want = 1 + (x >> 16) % 5;
        bool in[200] = {false};
        for (size_t k = 0; k < want; k++) {
            x = x * 1103515245ul + 12345ul;
            in[(x >> 8) % n] = true;
        }
        for (size_t i = 0; i < n; i++)
            if (in[i])
                w.need[w.nneed++] = i;
        struct ddmin_result r;
        CU_ASSERT_EQUAL_FATAL(ddmin_run(n, has_all, &w, 0, &r), 0);
        CU_ASSERT_EQUAL(r.n, w.nneed);
        for (size_t i = 0; i < r.n && i < w.nneed; i++)
            CU_ASSERT_EQUAL(r.items[i], w.need[i]);
        CU_ASSERT_TRUE(r.tests <= n * n + 3 * n);
        size_t lg = 1;
        while (((size_t)1 << lg) < n)
            lg++;
        /* Measured: at most ~9 |S| log2 n over these rounds (346 for
         * |S| = 5 of 181); the bound catches a regression to quadratic. */
        CU_ASSERT_TRUE(r.tests <= 12 * w.nneed * lg);
        CU_ASSERT_FALSE(w.saw_empty);
        CU_ASSERT_FALSE(w.saw_unsorted);
        free(r.items);
    }
}

/* An outcome that is not monotone (it shows for exactly two items): the
 * result is still 1-minimal. */
static int exactly_two(void *arg, const size_t *items, size_t n)
{
    (void)items;
    ++*(size_t *)arg;
    return n == 2;
}

static void test_not_monotone(void)
{
    size_t calls = 0;
    struct ddmin_result r;
    CU_ASSERT_EQUAL_FATAL(ddmin_run(9, exactly_two, &calls, 0, &r), 0);
    CU_ASSERT_EQUAL(r.n, 2);
    CU_ASSERT_EQUAL(r.tests, calls);
    free(r.items);
}

static void test_small_sets(void)
{
    struct need w = {.need = {0}, .nneed = 1};
    struct ddmin_result r;
    CU_ASSERT_EQUAL_FATAL(ddmin_run(0, has_all, &w, 0, &r), 0);
    CU_ASSERT_EQUAL(r.n, 0);
    CU_ASSERT_EQUAL(r.tests, 0);
    free(r.items);
    CU_ASSERT_EQUAL_FATAL(ddmin_run(1, has_all, &w, 0, &r), 0);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_EQUAL(r.tests, 0); /* the empty set is never tested */
    free(r.items);
    CU_ASSERT_EQUAL(ddmin_run(4, NULL, &w, 0, &r), EINVAL);
    CU_ASSERT_PTR_NULL(r.items);
}

static void test_callback_error(void)
{
    struct need w = {.need = {5}, .nneed = 1, .fail_at = 2};
    struct ddmin_result r;
    CU_ASSERT_EQUAL(ddmin_run(16, has_all, &w, 0, &r), EIO);
    CU_ASSERT_PTR_NULL(r.items);
    CU_ASSERT_EQUAL(r.tests, 2);
}

static void test_max_tests(void)
{
    struct need w = {.need = {2, 9, 30}, .nneed = 3};
    struct ddmin_result r;
    CU_ASSERT_EQUAL_FATAL(ddmin_run(64, has_all, &w, 3, &r), ETIMEDOUT);
    CU_ASSERT_EQUAL(r.tests, 3);
    CU_ASSERT_TRUE(r.n >= 3 && r.n <= 64);
    CU_ASSERT_EQUAL(has_all(&w, r.items, r.n), 1); /* still shows it */
    free(r.items);
}

void suite_ddmin(void)
{
    UNIT_SUITE("ddmin", UNIT_TEST(test_single_item), UNIT_TEST(test_two_items_apart),
               UNIT_TEST(test_random_sets), UNIT_TEST(test_not_monotone),
               UNIT_TEST(test_small_sets), UNIT_TEST(test_callback_error),
               UNIT_TEST(test_max_tests));
}

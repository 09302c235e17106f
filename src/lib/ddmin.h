/* Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating
 * Failure-Inducing Input", TSE 2002): ddmin shrinks a set of n items that
 * shows an outcome to a 1-minimal subset that still shows it (removing any
 * one item of the result loses the outcome). Pure: the caller's callback
 * is the only thing that runs; no globals. */
#ifndef NTLAB_LIB_DDMIN_H
#define NTLAB_LIB_DDMIN_H
#include <stddef.h>

/* Tests a candidate: items[0..n) are indexes into the caller's set, in
 * increasing order (n >= 1). Returns 1 when the candidate still shows the
 * outcome, 0 when it does not, or a negative errno value to stop ddmin
 * (returned as its positive value). */
typedef int (*ddmin_test_fn)(void *arg, const size_t *items, size_t n);

struct ddmin_result {
    size_t *items; /* the 1-minimal subset, increasing; the caller frees it */
    size_t n;
    size_t tests;  /* callback calls made (a candidate already seen is not tested again
                      when it is the same as the current set) */
};

/* Runs ddmin over items 0..n-1, which the caller knows to show the
 * outcome (not tested again). The empty set is never tested: the result
 * has at least one item when n >= 1, none when n == 0. max_tests bounds
 * the callback calls (0: no bound); when reached, the smallest set found
 * so far is returned (it still shows the outcome, but may not be
 * 1-minimal) and the return value is ETIMEDOUT. Returns 0, ETIMEDOUT,
 * ENOMEM, EINVAL (no test), or the callback's error; on an error other
 * than ETIMEDOUT, out holds nothing to free. */
int ddmin_run(size_t n, ddmin_test_fn test, void *arg, size_t max_tests, struct ddmin_result *out);

#endif

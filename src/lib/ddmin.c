/* ddmin (ddmin.h): the set shrinks by testing, at granularity k, each of
 * k chunks and then each chunk's complement; a chunk or complement that
 * still shows the outcome becomes the set. When none does, the
 * granularity doubles, until chunks are single items: then every one-item
 * removal was tried and failed, which is 1-minimality. */
#include "src/lib/ddmin.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct dd {
    ddmin_test_fn test;
    void *arg;
    size_t max_tests, tests;
    size_t *cur, ncur; /* the current set */
    size_t *cand;      /* scratch: one candidate */
};

/* Chunk i of k over ncur items: [*lo, *hi). Sizes differ by at most one. */
static void chunk(size_t ncur, size_t k, size_t i, size_t *lo, size_t *hi)
{
    *lo = ncur * i / k;
    *hi = ncur * (i + 1) / k;
}

/* Tests cand[0..n); on success (1) it becomes the current set. Returns 1,
 * 0, or a positive errno value (negated callback error, or ETIMEDOUT). */
static int try_cand(struct dd *d, size_t n)
{
    if (n == 0)
        return 0;
    if (d->max_tests && d->tests >= d->max_tests)
        return -ETIMEDOUT;
    d->tests++;
    int v = d->test(d->arg, d->cand, n);
    if (v < 0)
        return v;
    if (v == 0)
        return 0;
    memcpy(d->cur, d->cand, n * sizeof *d->cur);
    d->ncur = n;
    return 1;
}

/* One round at granularity *k: subsets, then complements. Returns 1 when
 * the set shrank (*k updated as ddmin says), 0 when nothing did, or a
 * negative error. */
static int round_k(struct dd *d, size_t *k)
{
    size_t lo, hi;
    for (size_t i = 0; i < *k; i++) {
        chunk(d->ncur, *k, i, &lo, &hi);
        memcpy(d->cand, d->cur + lo, (hi - lo) * sizeof *d->cand);
        int v = try_cand(d, hi - lo);
        if (v) {
            if (v > 0)
                *k = 2;
            return v;
        }
    }
    /* With k == 2 a complement is the other chunk: already tested. */
    for (size_t i = 0; *k > 2 && i < *k; i++) {
        chunk(d->ncur, *k, i, &lo, &hi);
        memcpy(d->cand, d->cur, lo * sizeof *d->cand);
        memcpy(d->cand + lo, d->cur + hi, (d->ncur - hi) * sizeof *d->cand);
        int v = try_cand(d, d->ncur - (hi - lo));
        if (v) {
            if (v > 0)
                *k = *k - 1 > 2 ? *k - 1 : 2;
            return v;
        }
    }
    return 0;
}

int ddmin_run(size_t n, ddmin_test_fn test, void *arg, size_t max_tests, struct ddmin_result *out)
{
    memset(out, 0, sizeof *out);
    if (!test)
        return EINVAL;
    struct dd d = {.test = test, .arg = arg, .max_tests = max_tests};
    d.cur = malloc((n ? n : 1) * sizeof *d.cur);
    d.cand = malloc((n ? n : 1) * sizeof *d.cand);
    if (!d.cur || !d.cand) {
        free(d.cur);
        free(d.cand);
        return ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        d.cur[i] = i;
    d.ncur = n;
    size_t k = 2;
    int rc = 0;
    while (d.ncur >= 2) {
        if (k > d.ncur)
            k = d.ncur;
        int v = round_k(&d, &k);
        if (v < 0) {
            rc = -v;
            break;
        }
        if (v == 0) {
            if (k >= d.ncur)
                break; /* single items: 1-minimal */
            k = 2 * k < d.ncur ? 2 * k : d.ncur;
        }
    }
    free(d.cand);
    out->tests = d.tests;
    if (rc && rc != ETIMEDOUT) {
        free(d.cur);
        return rc;
    }
    out->items = d.cur;
    out->n = d.ncur;
    return rc;
}

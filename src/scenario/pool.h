/* Running many scenarios in worker processes (ntlab run -j N): each worker
 * is a fork of the caller that takes one index at a time over a pipe, runs
 * it, and sends the result back; results reach the caller in index order,
 * as soon as all earlier ones are in. A worker that dies (a crash, a
 * sanitizer abort) fails the scenario it was running and is replaced. */
#ifndef NTLAB_SCENARIO_POOL_H
#define NTLAB_SCENARIO_POOL_H
#include "src/lib/buf.h"
#include "src/scenario/scenario.h"
#include <stddef.h>

/* Runs job i in a worker: fills *r (the pool frees it after sending). */
typedef void (*scn_pool_job)(void *arg, size_t i, struct scn_result *r);
/* Called in the caller's process, in index order; takes ownership of *r
 * (scn_result_free it). */
typedef void (*scn_pool_done)(void *arg, size_t i, struct scn_result *r);

/* Runs jobs 0..n-1 on `workers` processes (1 or less: in this process,
 * no fork). Flushes stdio before forking. Returns 0, or an errno value
 * when no worker could be started at all (the jobs not run are then
 * reported as failed through done). */
int scn_pool_run(size_t n, int workers, scn_pool_job job, void *job_arg, scn_pool_done done,
                 void *done_arg);

/* The wire form of a result between a worker and the caller (exposed for
 * tests): serialize appends to out; parse reads one from data[0..len),
 * returning the bytes used, 0 when incomplete, or (size_t)-1 when
 * malformed. */
int scn_result_serialize(struct buf *out, size_t index, const struct scn_result *r);
size_t scn_result_parse(const char *data, size_t len, size_t *index, struct scn_result *r);

#endif

/* ntlab run --minimize (issue 19): shrinks a scenario that fails (or whose
 * transcript differs from a reference) to a smaller file that still does
 * so the same way, by delta debugging (src/lib/ddmin.h) over its removable
 * units, every candidate run in-process.
 *
 * Units (minimize_units.c) are lines of the scenario file itself (what it
 * includes stays as it is): first whole setup steps, admin steps (an
 * `ntlab` line with its checks and here-doc), include lines, `refused`
 * lines and whole sessions (`open`/`smtp` NAME up to `close NAME`); then,
 * inside what is left, an admin step's check lines and a session's
 * exchanges (a `NAME >` line with the replies it expects up to the next).
 * Comments and blank lines are dropped; title, reproduces, tags, begin and
 * timeout lines stay.
 *
 * "The same way" (a choice: the issue names no rule): the first failure is
 * at the same line of the original file (FILE:LINE mapped back through the
 * removals) with the same actual line (scn_result.got), or the same
 * message when it has none. With a reference transcript: the first change
 * of the transcript against the reference that adds lines adds the same
 * lines (changes that only remove lines are what removing sessions does). */
#ifndef NTLAB_SCENARIO_MINIMIZE_H
#define NTLAB_SCENARIO_MINIMIZE_H
#include "src/lib/buf.h"
#include "src/scenario/scenario.h"
#include <stddef.h>

#define SCN_MIN_MAX_TESTS 5000u /* candidate runs before giving up on 1-minimality */

struct scn_min_opts {
    const struct scn_parse_opts *parse; /* as `ntlab run` parses */
    const struct scn_run_opts *run;     /* in-process (no target); transcript is
                                           asked for when reference is set */
    const char *reference;              /* the reference transcript's text, or NULL */
    size_t reference_len;
    size_t max_tests;                   /* 0: SCN_MIN_MAX_TESTS */
};

struct scn_min_result {
    char *text;          /* the smallest scenario found (no header comment), NUL-ended */
    size_t steps_before; /* steps of the file: admin steps, includes, refused lines and
                            whole sessions (phase-1 units; what `--minimize` reports) */
    size_t steps_after;
    size_t units_before, units_after; /* removable units (both phases) */
    size_t tests;        /* candidate runs */
    bool one_minimal;    /* false when max_tests stopped ddmin */
    char *outcome;       /* what stayed the same, one line ("FILE:LINE: message") */
};

/* Minimizes the scenario text[0..len) read from path (includes and file
 * arguments resolve from path, as for the original). Returns 0; EINVAL
 * with "FILE:LINE: problem" in err when it does not parse; ESRCH when it
 * passes (or its transcript equals the reference): nothing to minimize;
 * ENOMEM. out is filled on 0 only (scn_min_result_free). */
int scn_minimize(const char *path, const char *text, size_t len, const struct scn_min_opts *o,
                 struct scn_min_result *out, char *err, size_t errlen);
void scn_min_result_free(struct scn_min_result *r);

/* --- the units (minimize_units.c; shared with minimize.c) ------------------ */

struct scn_min_line {
    const char *p; /* into the text (not NUL-ended) */
    size_t len;
    unsigned orig; /* line number in the original */
    int unit;      /* -1: always kept */
    int sub;       /* -1: kept with its unit; else a phase-2 unit of that unit */
    bool drop;     /* a comment or blank line: never written */
};

struct scn_min_units {
    struct scn_min_line *v;
    size_t n;
    size_t nunits, nsubs;
};

/* Splits text into lines and units. 0 or ENOMEM. */
int scn_min_split(const char *text, size_t len, struct scn_min_units *u);
void scn_min_units_free(struct scn_min_units *u);
/* Writes the lines kept by unit_keep[nunits] and sub_keep[nsubs] to out
 * ('\n'-ended), with map[k] = original line number of written line k+1
 * (map holds u->n entries). 0 or ENOMEM. */
int scn_min_text(const struct scn_min_units *u, const bool *unit_keep, const bool *sub_keep,
                 struct buf *out, unsigned *map);

#endif

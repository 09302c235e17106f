/* Transcripts (what a scenario expected and what actually happened, one
 * line per event) and the unified diff between them, with invisible
 * characters made visible. */
#ifndef NTLAB_SCENARIO_DIFF_H
#define NTLAB_SCENARIO_DIFF_H
#include "src/lib/buf.h"
#include "src/scenario/match.h"
#include <stdbool.h>
#include <stddef.h>

/* How a received line ended, when not with CRLF. */
#define SCN_TL_BARE_LF 0x1u /* LF without CR: shown with a trailing \n */
#define SCN_TL_NO_EOL 0x2u  /* the connection closed mid-line: shown with <EOF> */

struct scn_tline {
    char *text; /* raw bytes (may hold CR, tabs, controls; never LF) */
    size_t len;
    unsigned flags;
    /* An expected line written as a pattern: text is pat_off bytes of
     * prefix, then the pattern as written (not owned; it outlives the
     * transcript). NULL for every other line. */
    const struct scn_pattern *pat;
    size_t pat_off;
};

struct scn_transcript {
    struct scn_tline *v;
    size_t n, cap;
};

/* Appends a line (copied). 0 or ENOMEM. */
int scn_ts_add(struct scn_transcript *t, const char *text, size_t len, unsigned flags);
/* Appends prefix + body as one line. */
int scn_ts_add2(struct scn_transcript *t, const char *prefix, const char *body, size_t len,
                unsigned flags);
int scn_ts_addf(struct scn_transcript *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends prefix + pat's text as one expected line that remembers pat, so
 * that a failure's note points at the first byte pat cannot match. */
int scn_ts_add_pat(struct scn_transcript *t, const char *prefix, const struct scn_pattern *pat,
                   unsigned flags);
void scn_ts_free(struct scn_transcript *t);
bool scn_tline_eq(const struct scn_tline *a, const struct scn_tline *b);

/* Appends line[0..len) to out with invisible characters visible: CR as \r,
 * TAB as \t, other control bytes and DEL as \xHH, each trailing space as
 * U+00B7 '·'; then the flags' markers. */
int scn_visible(struct buf *out, const char *line, size_t len, unsigned flags);

/* Appends to out the unified diff (3 lines of context) of expected against
 * actual, headed "--- LABEL_A" / "+++ LABEL_B", every line made visible and
 * prefixed by indent. When the first change replaces one line by one line,
 * a note names the first differing byte, with a caret under it: for an
 * expected pattern line, the first byte of the actual line the pattern
 * cannot match (scn_pattern_prefix). Nothing is appended when they are
 * equal. Returns 0 or ENOMEM. */
int scn_diff(const struct scn_transcript *expected, const struct scn_transcript *actual,
             const char *label_a, const char *label_b, const char *indent, struct buf *out);

#endif

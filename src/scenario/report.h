/* Reports of a scenario run: the console (one line per scenario, the diff
 * under a failure), TAP version 13, and JUnit XML for CI servers. */
#ifndef NTLAB_SCENARIO_REPORT_H
#define NTLAB_SCENARIO_REPORT_H
#include "src/lib/buf.h"
#include "src/scenario/scenario.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct scn_counts {
    size_t passed, failed, skipped;
    double seconds;
};

void scn_counts_add(struct scn_counts *c, const struct scn_result *r);
/* "N passed, N failed" and ", N skipped" when any (no newline). */
void scn_counts_line(const struct scn_counts *c, char *out, size_t n);

/* Console: "ok   PATH (1.2 ms)  TITLE", "FAIL WHERE: MESSAGE" and the diff
 * indented, "skip PATH: REASON". verbose adds the actual transcript of
 * every scenario; the article transcript is printed when present. */
void scn_report_text(FILE *f, const struct scn_result *r, bool verbose);

/* TAP: the header and plan, then one test line per result (numbered from
 * 1) with a YAML block under a failure, then the counts as a comment. */
void scn_report_tap_begin(FILE *f, size_t planned);
void scn_report_tap(FILE *f, size_t number, const struct scn_result *r);
void scn_report_tap_end(FILE *f, const struct scn_counts *c);

/* JUnit XML (one testsuite, one testcase per result, the message and diff
 * in <failure>, the reason in <skipped>), appended to out. Returns 0 or
 * ENOMEM. */
int scn_report_junit(struct buf *out, const struct scn_result *const *results, size_t n,
                     const char *suite_name);
/* Appends s[0..len) escaped for XML text and attribute values: markup
 * characters as entities, characters XML 1.0 cannot hold (control bytes,
 * invalid UTF-8) as \xHH. */
int scn_xml_escape(struct buf *out, const char *s, size_t len);

#endif

/* The scenario parser (scn_parse_text) fed arbitrary text named
 * DIR/fuzz.scn, where DIR holds copies of the shared fragments of
 * tests/scenarios/lib, so that `include lib/...` resolves.
 *
 * Properties: a rejected scenario says where ("FILE:LINE:" or "FILE:");
 * an accepted one respects the documented bounds; every step has a
 * location; an expected line without {{...}} escapes matches exactly its
 * own text and nothing longer; every compiled pattern can be matched
 * against short lines (no UB in the matcher). */
#include "src/lib/afile.h"
#include "src/scenario/scenario.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char name[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *d = fuzz_tmpdir("scenario");
    char lib[PATH_MAX];
    snprintf(lib, sizeof lib, "%s/lib", d);
    if (afile_mkdirs(lib, 0700))
        fuzz_fail("mkdir %s", lib);
    /* the fragments the seeds include; absent when run from elsewhere */
    static const char *const frags[] = {"corp-lab.inc", "corp-lab-fixed.inc", "session-ok.inc"};
    for (size_t i = 0; i < sizeof frags / sizeof frags[0]; i++) {
        char src[PATH_MAX], dst[PATH_MAX + 32];
        snprintf(src, sizeof src, "tests/scenarios/lib/%s", frags[i]);
        snprintf(dst, sizeof dst, "%s/%s", lib, frags[i]);
        char *text;
        size_t len;
        if (afile_read(src, SCN_FILE_MAX, &text, &len) == 0) {
            fuzz_write_file(dst, text, len);
            free(text);
        }
    }
    snprintf(name, sizeof name, "%s/fuzz.scn", d);
    return 0;
}

static void check_pattern(const struct scn_pattern *p)
{
    static const char *const lines[] = {"", "+OK", "-ERR x", "+OK 3 731", "{{", "}}",
                                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        size_t n = strlen(lines[i]);
        (void)scn_pattern_match(p, lines[i], n);
        /* The caret's position stays inside the line. */
        if (scn_pattern_prefix(p, lines[i], n) > n)
            fuzz_fail("scn_pattern_prefix past the end of the line");
    }
    if (!p->has_re) {
        if (!scn_pattern_match(p, p->text, p->len))
            fuzz_fail("a literal pattern does not match its own text");
        char *longer = malloc(p->len + 2);
        if (!longer)
            return;
        memcpy(longer, p->text, p->len);
        longer[p->len] = 'x';
        if (scn_pattern_match(p, longer, p->len + 1))
            fuzz_fail("a literal pattern matches a longer line");
        free(longer);
    } else if (p->len < 200) {
        (void)scn_pattern_match(p, p->text, p->len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SCN_FILE_MAX)
        return 0;
    struct scn *s = NULL;
    char err[512];
    err[0] = 0;
    int rc = scn_parse_text(name, (const char *)data, size, NULL, &s, err, sizeof err);
    if (rc != 0) {
        if (s)
            fuzz_fail("scn_parse_text failed (%d) but returned a scenario", rc);
        if (rc == EINVAL && strncmp(err, name, strlen(name)) != 0 && !strstr(err, "/lib/"))
            fuzz_fail("error not located: \"%s\"", err);
        return 0;
    }
    if (s->nsteps > SCN_MAX_STEPS || s->ntags > SCN_MAX_TAGS || s->nfiles > SCN_MAX_FILES)
        fuzz_fail("bounds exceeded: %zu steps, %zu tags, %zu files", s->nsteps, s->ntags,
                  s->nfiles);
    for (size_t i = 0; i < s->nsteps; i++) {
        const struct scn_step *st = &s->steps[i];
        if (!st->loc.file || st->loc.line == 0)
            fuzz_fail("step %zu has no location", i);
        if (st->op == SCN_OP_EXPECT)
            check_pattern(&st->pat);
        if (st->op == SCN_OP_NTLAB) {
            if (st->argc < 1 || st->argc > SCN_MAX_ARGS || !st->argv || st->argv[st->argc])
                fuzz_fail("ntlab step %zu: argc %d", i, st->argc);
            for (size_t k = 0; k < st->nchecks; k++)
                check_pattern(&st->checks[k].pat);
        }
        if ((st->op == SCN_OP_SEND || st->op == SCN_OP_EXPECT || st->op == SCN_OP_CLOSE ||
             st->op == SCN_OP_CLOSED || st->op == SCN_OP_OPEN) &&
            !st->session[0])
            fuzz_fail("session step %zu without a session name", i);
    }
    (void)scn_has_tag(s, "q189732");
    scn_free(s);
    return 0;
}

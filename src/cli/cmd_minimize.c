/* ntlab run --minimize FILE [-o OUT] [--force] [--reference T] (issue 19):
 * the smallest scenario that still fails the same way (src/scenario/
 * minimize.h), written with a header saying what made it. cmd_run.c
 * parses the options (so `ntlab run --help` is the one that lists them). */
#include "version.h" /* NTLAB_VERSION (BUILD/gen; the Makefile names this file) */
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/text.h"
#include "src/scenario/minimize.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* OUT: -o, or FILE with .scn replaced by .min.scn (beside it: the includes
 * and file names it keeps resolve from there as from FILE). */
static int out_path(const struct cli_min_args *m, char *p, size_t n)
{
    size_t l = strlen(m->file);
    if (m->out)
        return snprintf(p, n, "%s", m->out) < (int)n ? 0 : ENAMETOOLONG;
    if (l > 4 && strcmp(m->file + l - 4, ".scn") == 0)
        l -= 4;
    return snprintf(p, n, "%.*s.min.scn", (int)l, m->file) < (int)n ? 0 : ENAMETOOLONG;
}

/* The header (wall-clock date: a choice, the file is made now, not in a lab). */
static int write_result(struct cli_ctx *ctx, const struct cli_min_args *m, const char *out,
                        const struct scn_min_result *r, double secs)
{
    time_t now = time(NULL);
    struct tm tm;
    char date[32] = "?";
    if (plat_gmtime(&now, &tm))
        strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
    struct buf b = BUF_INIT;
    int e = buf_printf(&b,
                       "# Minimized by ntlab %s on %s from %s\n"
                       "# (ntlab run --minimize%s%s): %zu steps -> %zu, %zu runs in %.2f s%s.\n"
                       "# It still fails the same way: ",
                       NTLAB_VERSION, date, m->file, m->reference ? " --reference " : "",
                       m->reference ? m->reference : "", r->steps_before, r->steps_after,
                       r->tests, secs, r->one_minimal ? "" : " (stopped at the run limit)");
    /* a reference's outcome is several lines (the diff's): each a comment */
    for (const char *p = r->outcome; !e && *p;) {
        size_t n = strcspn(p, "\n");
        e = buf_printf(&b, "%s%.*s\n", p == r->outcome ? "" : "#   ", (int)n, p);
        p += n + (p[n] == '\n');
    }
    if (!e && !*r->outcome)
        e = buf_putc(&b, '\n');
    if (!e)
        e = buf_puts(&b, r->text);
    if (!e)
        e = afile_write(out, b.p, b.len, 0644);
    buf_free(&b);
    if (e)
        return cli_error(ctx, CLI_FAIL, "run: cannot write %s: %s", out, plat_strerror(e));
    fprintf(ctx->out, "minimized %s: %zu steps -> %zu (%zu runs, %.2f s): %s\n", m->file,
            r->steps_before, r->steps_after, r->tests, secs, out);
    return CLI_OK;
}

/* A reference transcript is text lines as `ntlab run --transcript` prints
 * them (indented or not): the first line that is not is "REF:LINE:
 * problem" (CLI_FAIL, nothing run or written), else CLI_OK. */
static int reference_check(struct cli_ctx *ctx, const char *name, const char *t, size_t len)
{
    const char *why = NULL;
    unsigned line = text_error_line(t, len, &why);
    if (why)
        return cli_error(ctx, CLI_FAIL, "run: %s:%u: %s: not a transcript", name, line, why);
    if (len == 0)
        return cli_error(ctx, CLI_FAIL, "run: %s: empty: not a transcript", name);
    line = 1;
    for (size_t off = 0; off < len; line++) {
        const char *nl = memchr(t + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - t) : len;
        if (end - off > SCN_LINE_MAX)
            return cli_error(ctx, CLI_FAIL, "run: %s:%u: a line over %u bytes: not a transcript",
                             name, line, SCN_LINE_MAX);
        /* ntlab run's report around the transcript: the result lines */
        if ((end - off >= 5 && memcmp(t + off, "ok   ", 5) == 0) ||
            (end - off >= 5 && memcmp(t + off, "FAIL ", 5) == 0))
            return cli_error(ctx, CLI_FAIL, "run: %s:%u: a result line of ntlab run, not a "
                             "transcript line (keep only the indented lines)", name, line);
        off = end + 1;
    }
    return CLI_OK;
}

static int minimize(struct cli_ctx *ctx, const struct cli_min_args *m, const struct scn_admin *admin,
                    const struct scn_parse_opts *po)
{
    char out[4096];
    if (out_path(m, out, sizeof out))
        return cli_error(ctx, CLI_USAGE, "run: output name too long");
    struct plat_stat st;
    if (!m->force && plat_stat(out, &st) == 0)
        return cli_error(ctx, CLI_FAIL, "run: %s exists (--force overwrites it)", out);
    char *text = NULL, *ref = NULL;
    size_t len = 0, rlen = 0;
    int e = afile_read(m->file, SCN_FILE_MAX, &text, &len);
    if (e)
        return cli_error(ctx, CLI_FAIL, "run: %s: %s", m->file, plat_strerror(e));
    if (m->reference && (e = afile_read(m->reference, SCN_FILE_MAX, &ref, &rlen))) {
        free(text);
        return cli_error(ctx, CLI_FAIL, "run: %s: %s", m->reference, plat_strerror(e));
    }
    if (m->reference && reference_check(ctx, m->reference, ref, rlen) != CLI_OK) {
        free(text);
        free(ref);
        return CLI_FAIL;
    }
    struct scn_run_opts ro = {.admin = admin, .tmpbase = m->tmp};
    struct scn_min_opts mo = {.parse = po, .run = &ro, .reference = ref, .reference_len = rlen};
    struct scn_min_result r;
    char err[1024] = "";
    struct timespec t0, t1;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &t0);
    e = scn_minimize(m->file, text, len, &mo, &r, err, sizeof err);
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int rc;
    if (e == EINVAL || e == ESRCH)
        rc = cli_error(ctx, CLI_FAIL, "run: %s", err); /* FILE:LINE, or why nothing */
    else if (e)
        rc = cli_error(ctx, CLI_FAIL, "run: minimizing %s: %s", m->file, plat_strerror(e));
    else
        rc = write_result(ctx, m, out, &r, secs);
    if (!e)
        scn_min_result_free(&r);
    free(text);
    free(ref);
    return rc;
}

int cli_minimize(struct cli_ctx *ctx, const struct cli_min_args *m, const struct scn_admin *admin,
                 bool (*command_ok)(const char *name))
{
    struct scn_parse_opts po = {command_ok, cli_file_args, m->allow_outside};
    return minimize(ctx, m, admin, &po);
}

/* The `ntlab` admin steps of a scenario run (runner.h): the command runs
 * through the scenario's admin runner (in-process on the lab, or in the
 * daemon serving --lab), and its exit code and output are checked against
 * the step's exit/out/has/lacks lines. */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/scenario/diff.h"
#include "src/scenario/mask.h"
#include "src/scenario/runner.h"
#include "src/scenario/scenario.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_OUTPUT_MAX 200 /* output lines shown for a failed check */

/* Splits out into lines (the last line end optional). */
static size_t split_output(char *out, size_t len, char ***lines_out)
{
    size_t n = 0, cap = 0;
    char **lines = NULL;
    char *p = out, *end = out + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        *e = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(lines, cap * sizeof *v);
            if (!v)
                break;
            lines = v;
        }
        lines[n++] = p;
        p = nl ? nl + 1 : end;
    }
    *lines_out = lines;
    return n;
}

static void show_output(struct scn_runner *r, char **lines, size_t n)
{
    for (size_t i = 0; i < n && i < SHOWN_OUTPUT_MAX; i++)
        scn_run_chk(r, scn_ts_add2(&r->act, "| ", lines[i], strlen(lines[i]), 0));
    if (n > SHOWN_OUTPUT_MAX)
        scn_run_chk(r, scn_ts_addf(&r->act, "| ... %zu more lines", n - SHOWN_OUTPUT_MAX));
}

/* Gives every machine of the lab the Exchange store image (what the
 * daemon does): machines come and go with admin steps. */
void scn_run_register_images(struct scn_runner *r)
{
    for (size_t i = 0; i < lab_machine_count(r->lab); i++) {
        struct machine *m = lab_machine_at(r->lab, i);
        if (!machine_scm(m) || !scm_find_image(machine_scm(m), EXCHANGE_IMAGE))
            exchange_register(m); /* EIO: services.conf is broken; its commands say so */
    }
}

static void free_argv(char **argv, int argc)
{
    for (int i = 0; argv && i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* The words of st as a fresh argv (the callee may modify it); a here-doc
 * body becomes a file that the "-" argument names. 0 and *out, ENOMEM, or
 * EIO when the here-doc could not be written (reported as a mismatch). */
static int make_argv(struct scn_runner *r, const struct scn_step *st, char ***out)
{
    *out = NULL;
    char **argv = calloc((size_t)st->argc + 1, sizeof *argv);
    if (!argv)
        return ENOMEM;
    for (int i = 0; i < st->argc; i++)
        if (!(argv[i] = strdup(st->argv[i])))
            goto oom;
    if (st->heredoc) {
        char sub[sizeof r->dir + 16];
        snprintf(sub, sizeof sub, "%s/.scenario", r->dir);
        plat_mkdir(sub, 0700);
        char path[4200];
        snprintf(path, sizeof path, "%.4150s/heredoc-%u.txt", sub, ++r->heredocs);
        int wr = afile_write(path, st->heredoc, st->heredoc_len, 0600);
        if (wr) {
            scn_run_chk(r, scn_ts_addf(&r->act, "cannot write the here-doc: %s", strerror(wr)));
            scn_run_mismatch(r, st->loc, "cannot write the here-doc %s: %s", path, strerror(wr));
            free_argv(argv, st->argc);
            return EIO;
        }
        free(argv[st->heredoc_arg]);
        if (!(argv[st->heredoc_arg] = strdup(path)))
            goto oom;
    }
    *out = argv;
    return 0;
oom:
    free_argv(argv, st->argc);
    return ENOMEM;
}

/* Runs the command, everything it prints into *outbuf (malloc'd, *outlen
 * bytes), its exit code in *rc; then the lab's machines get the store
 * image and the sessions the clock. 0 or ENOMEM. */
static int run_command(struct scn_runner *r, const struct scn_step *st, char **argv, char **outbuf,
                       size_t *outlen, int *rc)
{
    struct plat_memstream ms = {0};
    FILE *out = plat_memstream_open(&ms, outbuf, outlen);
    if (!out)
        return ENOMEM;
    *rc = r->o->admin->run(r->o->admin->arg, r->lab, r->lab ? r->dir : r->o->labdir, st->argc, argv,
                           out);
    plat_memstream_close(&ms);
    if (r->lab) {
        scn_run_register_images(r);
        scn_run_tick(r);
    }
    return 0;
}

static void check_exit(struct scn_runner *r, const struct scn_step *st, int rc, char **lines,
                       size_t n)
{
    if (st->exit_code != 0)
        scn_run_chk(r, scn_ts_addf(&r->exp, "exit %d", st->exit_code));
    if (rc != 0 || st->exit_code != 0)
        scn_run_chk(r, scn_ts_addf(&r->act, "exit %d", rc));
    if (rc != st->exit_code) {
        scn_run_mismatch(r, st->loc, "ntlab %s exited %d, expected %d%s%s", st->argv[0], rc,
                         st->exit_code, n ? ": " : "", n ? lines[0] : "");
        if (!st->has_out)
            show_output(r, lines, n);
    }
}

/* out lines: the whole output, line by line. */
static void check_out_lines(struct scn_runner *r, const struct scn_step *st, char **lines, size_t n)
{
    size_t oi = 0;
    for (size_t k = 0; k < st->nchecks; k++) {
        const struct scn_check *c = &st->checks[k];
        if (c->kind != SCN_CHECK_OUT)
            continue;
        scn_run_chk(r, scn_ts_add_pat(&r->exp, "| ", &c->pat, 0));
        if (oi < n) {
            size_t l = strlen(lines[oi]);
            if (scn_pattern_match(&c->pat, lines[oi], l)) {
                scn_run_chk(r, scn_ts_add2(&r->act, "| ", c->pat.text, c->pat.len, 0));
            } else {
                scn_run_chk(r, scn_ts_add2(&r->act, "| ", lines[oi], l, 0));
                char qe[160], qa[160];
                scn_run_quote(qe, sizeof qe, c->pat.text, c->pat.len, 0);
                scn_run_quote(qa, sizeof qa, lines[oi], l, 0);
                scn_run_mismatch(r, c->loc, "ntlab %s: output line %zu: expected %s, got %s",
                                 st->argv[0], oi + 1, qe, qa);
            }
        } else {
            scn_run_mismatch(r, c->loc, "ntlab %s: the output ended before this line", st->argv[0]);
        }
        oi++;
    }
    if (st->has_out && oi < n) {
        for (size_t i = oi; i < n; i++)
            scn_run_chk(r, scn_ts_add2(&r->act, "| ", lines[i], strlen(lines[i]), 0));
        scn_run_mismatch(r, st->loc, "ntlab %s: %zu more output line%s than expected", st->argv[0],
                         n - oi, n - oi == 1 ? "" : "s");
    }
}

/* One has/lacks line: some output line matches / none does. */
static void check_has_lacks(struct scn_runner *r, const struct scn_step *st,
                            const struct scn_check *c, char **lines, size_t n)
{
    const char *kw = c->kind == SCN_CHECK_HAS ? "has " : "lacks ";
    scn_run_chk(r, scn_ts_add_pat(&r->exp, kw, &c->pat, 0));
    size_t hit = n;
    for (size_t i = 0; i < n && hit == n; i++)
        if (scn_pattern_match(&c->pat, lines[i], strlen(lines[i])))
            hit = i;
    if (c->kind == SCN_CHECK_HAS && hit == n) {
        struct buf b = BUF_INIT;
        scn_run_chk(r, buf_puts(&b, "has "));
        scn_run_chk(r, buf_append(&b, c->pat.text, c->pat.len));
        scn_run_chk(r, buf_puts(&b, " -- no such line in:"));
        if (b.p)
            scn_run_chk(r, scn_ts_add(&r->act, b.p, b.len, 0));
        buf_free(&b);
        show_output(r, lines, n);
        char q[160];
        scn_run_quote(q, sizeof q, c->pat.text, c->pat.len, 0);
        scn_run_mismatch(r, c->loc, "ntlab %s: no output line matches %s", st->argv[0], q);
    } else if (c->kind == SCN_CHECK_LACKS && hit < n) {
        scn_run_chk(r, scn_ts_add2(&r->act, "found: ", lines[hit], strlen(lines[hit]), 0));
        char q[160];
        scn_run_quote(q, sizeof q, lines[hit], strlen(lines[hit]), 0);
        scn_run_mismatch(r, c->loc, "ntlab %s: an output line matches: %s", st->argv[0], q);
    } else {
        scn_run_chk(r, scn_ts_add2(&r->act, kw, c->pat.text, c->pat.len, 0));
    }
}

/* What the command printed and how it ended, against the step's checks. */
static void check_output(struct scn_runner *r, const struct scn_step *st, const char *shown,
                         size_t shown_len, int rc, char *outbuf, size_t outlen)
{
    char **lines = NULL;
    size_t n = outbuf ? split_output(outbuf, outlen, &lines) : 0;
    scn_run_real_line(r, "$ ntlab ", shown, shown_len, 0);
    for (size_t i = 0; i < n; i++)
        scn_run_real_line(r, "| ", lines[i], strlen(lines[i]), 0);
    if (rc != 0)
        scn_run_real_linef(r, "exit %d", rc);
    check_exit(r, st, rc, lines, n);
    check_out_lines(r, st, lines, n);
    for (size_t k = 0; k < st->nchecks; k++)
        if (st->checks[k].kind != SCN_CHECK_OUT)
            check_has_lacks(r, st, &st->checks[k], lines, n);
    free(lines);
}

void scn_run_ntlab(struct scn_runner *r, const struct scn_step *st)
{
    /* Reports show the command with its passwords masked (mask.h). */
    struct buf cmd = BUF_INIT;
    scn_run_chk(r, scn_mask_cmdline(&cmd, st->cmdline));
    const char *shown = cmd.p ? cmd.p : "";
    scn_run_chk(r, scn_ts_add2(&r->exp, "$ ntlab ", shown, cmd.len, 0));
    scn_run_chk(r, scn_ts_add2(&r->act, "$ ntlab ", shown, cmd.len, 0));
    if (r->o->want_transcript && !st->setup)
        scn_run_chk(r, buf_printf(&r->article, "# ntlab %s\n", shown));
    char **argv = NULL;
    char *outbuf = NULL;
    size_t outlen = 0;
    int rc = -1;
    int e = make_argv(r, st, &argv);
    if (e == 0)
        e = run_command(r, st, argv, &outbuf, &outlen, &rc);
    if (e == 0)
        check_output(r, st, shown, cmd.len, rc, outbuf, outlen);
    else if (e == ENOMEM)
        r->oom = true;
    free(outbuf);
    free_argv(argv, st->argc);
    buf_free(&cmd);
}

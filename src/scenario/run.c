/* Running one scenario: a fresh lab in a fresh directory (or a live
 * server), the steps in order, and two transcripts — what the file
 * expected and what happened — whose diff is the report. Every step adds
 * the same line to both when it goes as expected, so a mismatch shows up as
 * exactly the lines that differ. This file is the runner core and the
 * transcript helpers; the sessions are in run_sess.c, the admin steps in
 * run_admin.c (runner.h). */
#include "emulator/lab.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/daemon.h"
#include "src/scenario/diff.h"
#include "src/scenario/runner.h"
#include "src/scenario/scenario.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono_seconds(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- transcripts and reports -------------------------------------------------- */

void scn_run_mismatch(struct scn_runner *r, struct scn_loc loc, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    r->fail_loc = loc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
    va_end(ap);
}

void scn_run_got(struct scn_runner *r, const char *line, size_t len, unsigned flags)
{
    if (r->failed)
        return;
    buf_reset(&r->fail_got);
    scn_run_chk(r, scn_visible(&r->fail_got, line, len, flags));
}

void scn_run_chk(struct scn_runner *r, int rc)
{
    if (rc)
        r->oom = true;
}

void scn_run_quote(char *out, size_t n, const char *s, size_t len, unsigned flags)
{
    struct buf b = BUF_INIT;
    if (scn_visible(&b, s, len, flags) == 0 && b.p) {
        if (b.len > 120)
            snprintf(out, n, "'%.117s...'", b.p);
        else
            snprintf(out, n, "'%s'", b.p);
    } else {
        snprintf(out, n, "''");
    }
    buf_free(&b);
}

void scn_run_real_line(struct scn_runner *r, const char *prefix, const char *text, size_t len,
                       unsigned flags)
{
    if (!r->o->want_actual)
        return;
    scn_run_chk(r, buf_puts(&r->real, prefix));
    scn_run_chk(r, scn_visible(&r->real, text, len, flags));
    scn_run_chk(r, buf_putc(&r->real, '\n'));
}

void scn_run_real_linef(struct scn_runner *r, const char *fmt, ...)
{
    if (!r->o->want_actual)
        return;
    va_list ap;
    va_start(ap, fmt);
    scn_run_chk(r, buf_vprintf(&r->real, fmt, ap));
    va_end(ap);
    scn_run_chk(r, buf_putc(&r->real, '\n'));
}

void scn_run_article_line(struct scn_runner *r, const char *sess, const char *text, size_t len)
{
    if (!r->o->want_transcript)
        return;
    if (r->multi && sess)
        scn_run_chk(r, buf_printf(&r->article, "[%s] ", sess));
    scn_run_chk(r, buf_append(&r->article, text, len));
    scn_run_chk(r, buf_putc(&r->article, '\n'));
}

/* --- directories ------------------------------------------------------------ */

int scn_rmtree(const char *path)
{
    struct plat_stat st;
    int rc = plat_lstat(path, &st);
    if (rc)
        return rc == ENOENT ? 0 : rc;
    if (!st.is_dir)
        return unlink(path) == 0 ? 0 : errno;
    struct plat_dir *d;
    rc = plat_dir_open(path, &d);
    if (rc)
        return rc;
    const char *name;
    enum plat_dtype type;
    int e;
    while ((e = plat_dir_next(d, &name, &type)) == 0) {
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char sub[4096];
        int n = snprintf(sub, sizeof sub, "%s/%s", path, name);
        if (n < 0 || (size_t)n >= sizeof sub) {
            rc = rc ? rc : ENAMETOOLONG;
            continue;
        }
        int r2 = scn_rmtree(sub);
        if (r2 && !rc)
            rc = r2;
    }
    plat_dir_close(d);
    if (e != ENOENT && !rc)
        rc = e;
    if (rmdir(path) != 0 && !rc)
        rc = errno;
    return rc;
}

/* Makes a fresh directory BASE/ntlab-scn-XXXXXX in dir (absolute, so that
 * a daemon reading a here-doc file finds it). 0 or an errno value. */
static int fresh_dir(const char *base, char *dir, size_t n)
{
    char tmpl[4096];
    int k = snprintf(tmpl, sizeof tmpl, "%s/ntlab-scn-XXXXXX", base);
    if (k < 0 || (size_t)k >= sizeof tmpl)
        return ENAMETOOLONG;
    int rc = plat_mkdtemp(tmpl);
    if (rc)
        return rc;
    if (plat_realpath(tmpl, dir, n))
        str_copy(dir, n, tmpl);
    return 0;
}

/* The fresh directory of a run: under --tmp, else on tmpfs (/dev/shm,
 * where the lab's fsyncs cost nothing) when there is one we may write,
 * else the system's temporary directory. */
static int make_dir(struct scn_runner *r)
{
    int rc;
    if (r->o->tmpbase) {
        rc = fresh_dir(r->o->tmpbase, r->dir, sizeof r->dir);
    } else {
        struct plat_stat st;
        rc = ENOENT;
        if (!PLAT_WINDOWS && plat_stat("/dev/shm", &st) == 0 && st.is_dir)
            rc = fresh_dir("/dev/shm", r->dir, sizeof r->dir);
        if (rc) {
            char tmp[4096];
            rc = plat_tmpdir(tmp, sizeof tmp);
            if (rc == 0)
                rc = fresh_dir(tmp, r->dir, sizeof r->dir);
        }
    }
    if (rc == 0)
        r->have_dir = true;
    return rc;
}

/* --- the scenario -------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void set_skip(struct scn_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_skip(struct scn_result *res, const char *fmt, ...)
{
    res->status = SCN_SKIP;
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    res->message = buf_steal(&b);
}

static int open_lab(struct scn_runner *r, const char *dir, bool fresh)
{
    char err[512] = "";
    if (fresh) {
        int e = plat_mkdir(dir, 0700);
        if (e != 0 && e != EEXIST) {
            snprintf(r->fail_msg, sizeof r->fail_msg, "cannot create %s: %s", dir, strerror(e));
            return -1;
        }
        char conf[4200];
        snprintf(conf, sizeof conf, "%s/lab.conf", dir);
        struct plat_stat st;
        if (plat_stat(conf, &st) == 0) {
            snprintf(r->fail_msg, sizeof r->fail_msg, "%s already holds a lab", dir);
            return -1;
        }
    }
    ntstatus st = lab_open(dir, true, &r->lab, err, sizeof err);
    if (st != STATUS_SUCCESS) {
        snprintf(r->fail_msg, sizeof r->fail_msg, "cannot create a lab in %s: %s", dir,
                 err[0]                    ? err
                 : nterr_status_symbol(st) ? nterr_status_symbol(st)
                                           : "error");
        r->lab = NULL;
        return -1;
    }
    return 0;
}

static void finish(struct scn_runner *r)
{
    const struct scn *s = r->s;
    struct scn_result *res = r->res;
    if (r->oom && !r->failed)
        scn_run_mismatch(r, (struct scn_loc){s->path, 0}, "out of memory");
    if (r->failed) {
        res->status = SCN_FAIL;
        struct buf w = BUF_INIT;
        if (r->fail_loc.line)
            buf_printf(&w, "%s:%u", r->fail_loc.file, r->fail_loc.line);
        else
            buf_printf(&w, "%s", r->fail_loc.file);
        res->where = buf_steal(&w);
        res->message = strdup(r->fail_msg);
        if (r->fail_got.len)
            res->got = buf_steal(&r->fail_got);
        struct buf d = BUF_INIT;
        char label[4200];
        snprintf(label, sizeof label, "expected (%s)", s->path);
        if (scn_diff(&r->exp, &r->act, label, "actual", "", &d) == 0 && d.len)
            res->diff = buf_steal(&d);
        buf_free(&d);
    } else {
        res->status = SCN_PASS;
    }
    if (r->o->want_transcript)
        res->transcript = r->article.p ? buf_steal(&r->article) : strdup("");
    if (r->o->want_actual)
        res->actual = r->real.p ? buf_steal(&r->real) : strdup("");
}

/* Whether the scenario opens sessions of several names: article lines
 * then get a [session] prefix. */
static bool several_sessions(const struct scn *s)
{
    const char *first = NULL;
    for (size_t i = 0; i < s->nsteps; i++) {
        if (s->steps[i].op != SCN_OP_OPEN)
            continue;
        if (first && strcmp(first, s->steps[i].session) != 0)
            return true;
        first = s->steps[i].session;
    }
    return false;
}

enum setup { SETUP_OK, SETUP_FAILED, SETUP_SKIPPED };

/* What dir holds: 0 nothing (or no such directory), 1 a lab (lab.conf),
 * 2 something else; -1 when it cannot be read (errno in *e). */
static int dir_holds(const char *dir, int *e)
{
    struct plat_dir *d;
    *e = plat_dir_open(dir, &d);
    if (*e)
        return *e == ENOENT ? 0 : -1;
    const char *name;
    enum plat_dtype type;
    int what = 0;
    while ((*e = plat_dir_next(d, &name, &type)) == 0) {
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (strcmp(name, "lab.conf") == 0)
            what = 1;
        else if (what == 0)
            what = 2;
    }
    plat_dir_close(d);
    if (*e != ENOENT)
        return -1;
    *e = 0;
    return what == 0 ? 0 : what == 1 ? 1 : 2;
}

/* --prepare DIR: a new or empty directory, unless --force: then a lab
 * there (not one a daemon serves) is removed first, and other files are
 * left where they are (ntlab removes only what is its own). 0, or -1 with
 * the reason in r->fail_msg. */
static int prepare_dir(struct scn_runner *r, const char *dir)
{
    int e;
    int what = dir_holds(dir, &e);
    if (what < 0) {
        snprintf(r->fail_msg, sizeof r->fail_msg, "cannot read %s: %s", dir, strerror(e));
        return -1;
    }
    if (what == 0)
        return 0;
    if (!r->o->force) {
        snprintf(r->fail_msg, sizeof r->fail_msg,
                 what == 1 ? "%s already holds a lab (--force replaces it)"
                           : "%s is not empty (--prepare wants a new or empty directory; "
                             "--force builds the lab beside what is there)",
                 dir);
        return -1;
    }
    if (what == 2)
        return 0;
    long pid = daemon_pid(dir);
    if (pid) {
        snprintf(r->fail_msg, sizeof r->fail_msg,
                 "%s is served by ntlab up (pid %ld): stop it first (ntlab -C %s down)", dir, pid,
                 dir);
        return -1;
    }
    e = scn_rmtree(dir);
    if (e) {
        snprintf(r->fail_msg, sizeof r->fail_msg, "cannot empty %s: %s", dir, strerror(e));
        return -1;
    }
    return 0;
}

/* --prepare: the setup steps build a lab in a new directory that stays. */
static enum setup set_up_prepare(struct scn_runner *r)
{
    const struct scn *s = r->s;
    if (!s->has_begin) {
        scn_run_mismatch(r, (struct scn_loc){s->path, 0},
                         "no 'begin' line: nothing marks the setup to prepare");
        return SETUP_FAILED;
    }
    if (prepare_dir(r, r->o->prepare)) {
        r->failed = true;
        r->fail_loc = (struct scn_loc){s->path, 0};
        return SETUP_FAILED;
    }
    str_copy(r->dir, sizeof r->dir, r->o->prepare);
    if (open_lab(r, r->o->prepare, true)) {
        r->failed = true;
        r->fail_loc = (struct scn_loc){s->path, 0};
        return SETUP_FAILED;
    }
    r->res->kept = strdup(r->o->prepare);
    return SETUP_OK;
}

/* --target: a live server; a scratch directory holds the here-doc files. */
static enum setup set_up_live(struct scn_runner *r)
{
    const struct scn *s = r->s;
    size_t needs = s->has_begin ? s->admin_steps_after_begin : s->admin_steps;
    if (needs && !r->o->labdir) {
        set_skip(r->res,
                 "needs %zu admin step%s; %s has no control socket here (give --lab "
                 "DIR of the ntlab up serving it)",
                 needs, needs == 1 ? "" : "s", r->o->target);
        return SETUP_SKIPPED;
    }
    int rc = make_dir(r); /* for here-doc files */
    if (rc) {
        scn_run_mismatch(r, (struct scn_loc){s->path, 0}, "cannot create a scratch directory: %s",
                         strerror(rc));
        return SETUP_FAILED;
    }
    return SETUP_OK;
}

/* In-process: a fresh lab in a fresh directory. */
static enum setup set_up_local(struct scn_runner *r)
{
    const struct scn *s = r->s;
    int rc = make_dir(r);
    if (rc) {
        scn_run_mismatch(r, (struct scn_loc){s->path, 0}, "cannot create a lab directory: %s",
                         strerror(rc));
        return SETUP_FAILED;
    }
    if (open_lab(r, r->dir, false)) {
        r->failed = true;
        r->fail_loc = (struct scn_loc){s->path, 0};
        return SETUP_FAILED;
    }
    return SETUP_OK;
}

/* --existing: in-process on a lab that is already there; it stays. */
static enum setup set_up_existing(struct scn_runner *r)
{
    str_copy(r->dir, sizeof r->dir, r->o->existing);
    char err[512] = "";
    ntstatus st = lab_open(r->dir, false, &r->lab, err, sizeof err);
    if (st != STATUS_SUCCESS) {
        r->lab = NULL;
        scn_run_mismatch(r, (struct scn_loc){r->s->path, 0}, "cannot open the lab in %s: %s",
                         r->dir, err[0] ? err : "error");
        return SETUP_FAILED;
    }
    scn_run_register_images(r);
    return SETUP_OK;
}

/* o->lab: in-process on a lab the caller keeps open (tear_down leaves it). */
static enum setup set_up_given(struct scn_runner *r)
{
    str_copy(r->dir, sizeof r->dir, lab_dir(r->o->lab));
    r->lab = r->o->lab;
    scn_run_register_images(r);
    return SETUP_OK;
}

static enum setup set_up(struct scn_runner *r)
{
    enum setup su = r->o->prepare    ? set_up_prepare(r)
                    : r->o->target   ? set_up_live(r)
                    : r->o->existing ? set_up_existing(r)
                    : r->o->lab      ? set_up_given(r)
                                     : set_up_local(r);
    if (su != SETUP_OK)
        return su;
    if (r->s->admin_steps && !r->o->admin) {
        scn_run_mismatch(r, (struct scn_loc){r->s->path, 0},
                         "admin steps need an ntlab command runner");
        return SETUP_FAILED;
    }
    return SETUP_OK;
}

/* A setup step failed: the run ends there, and the report says so. */
static void setup_stopped(struct scn_runner *r)
{
    size_t n = strlen(r->fail_msg);
    snprintf(r->fail_msg + n, sizeof r->fail_msg - n, "%s",
             " (in the setup: the scenario stopped here)");
    scn_run_chk(r, scn_ts_addf(&r->act, "(the setup failed: the steps after this one did not run)"));
}

/* The steps in order (under --prepare only the setup's admin steps), then
 * the replies nobody expected that are still waiting at the end. */
static void run_steps(struct scn_runner *r)
{
    const struct scn *s = r->s;
    const struct scn_run_opts *o = r->o;
    /* a live server's lab, or an existing one, is set up already */
    bool skip_setup = o->target != NULL || o->existing != NULL || o->lab != NULL;
    for (size_t i = 0; i < s->nsteps && !r->oom; i++) {
        const struct scn_step *st = &s->steps[i];
        if (r->failed && s->has_begin && i > 0 && s->steps[i - 1].setup) {
            /* The lab is not what the case assumes: every later step would
             * fail for the same reason ("no machine", "not connected"), and
             * those follow-on failures hide the one cause. */
            setup_stopped(r);
            return;
        }
        if (o->prepare && !st->setup)
            break;
        if (o->prepare && st->op != SCN_OP_NTLAB)
            continue; /* preparing builds the lab; sessions are for the run */
        switch (st->op) {
        case SCN_OP_BEGIN:
            break;
        case SCN_OP_TIMEOUT:
            r->timeout_ms = (int)st->timeout * 1000;
            break;
        case SCN_OP_NTLAB:
            if (!(skip_setup && st->setup))
                scn_run_ntlab(r, st);
            break;
        default:
            scn_run_tick(r);
            scn_run_session_step(r, st);
            break;
        }
    }
    scn_run_tick(r);
    const struct scn_step *last = s->nsteps ? &s->steps[s->nsteps - 1] : NULL;
    scn_run_flush_sessions(r, last ? last->loc : (struct scn_loc){s->path, 0});
}

/* Frees the run: sessions, the lab, its directory (kept for --keep when
 * the scenario failed). */
static void tear_down(struct scn_runner *r)
{
    scn_run_end_sessions(r);
    if (r->lab && r->lab != r->o->lab)
        lab_free(r->lab);
    if (r->have_dir) {
        if (r->o->keep && r->res->status == SCN_FAIL && !r->o->target)
            r->res->kept = strdup(r->dir);
        else
            scn_rmtree(r->dir);
    }
    scn_ts_free(&r->exp);
    scn_ts_free(&r->act);
    buf_free(&r->article);
    buf_free(&r->real);
    buf_free(&r->fail_got);
    free(r);
}

void scn_run(const struct scn *s, const struct scn_run_opts *o, struct scn_result *res)
{
    memset(res, 0, sizeof *res);
    double t0 = mono_seconds();
    res->path = dup_or_null(s->path);
    res->title = dup_or_null(s->title);
    struct scn_runner *r = calloc(1, sizeof *r);
    if (!r) {
        res->status = SCN_FAIL;
        res->message = dup_or_null("out of memory");
        return;
    }
    r->s = s;
    r->o = o;
    r->res = res;
    r->timeout_ms = SCN_DEFAULT_TIMEOUT * 1000;
    pop3_config_default(&r->cfg);
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        r->sess[i].fd = -1;
    r->multi = several_sessions(s);
    enum setup su = set_up(r);
    if (su == SETUP_OK)
        run_steps(r);
    if (su != SETUP_SKIPPED)
        finish(r);
    /* The final lab, before it goes (ntlab run --export-final). */
    if (su == SETUP_OK && o->at_end && r->lab && !o->target && !o->prepare)
        o->at_end(o->at_end_arg, s, r->lab, res);
    tear_down(r);
    res->seconds = mono_seconds() - t0;
}

void scn_result_free(struct scn_result *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->title);
    free(r->where);
    free(r->message);
    free(r->got);
    free(r->diff);
    free(r->transcript);
    free(r->actual);
    free(r->kept);
    memset(r, 0, sizeof *r);
}

int scn_result_parse_error(struct scn_result *r, const char *path, const char *err)
{
    memset(r, 0, sizeof *r);
    r->status = SCN_FAIL;
    r->path = strdup(path);
    /* "FILE:LINE: problem" -> where = "FILE:LINE", message = "problem". */
    const char *sep = strstr(err, ": ");
    if (sep) {
        size_t wl = (size_t)(sep - err);
        r->where = malloc(wl + 1);
        if (r->where) {
            memcpy(r->where, err, wl);
            r->where[wl] = 0;
        }
        r->message = strdup(sep + 2);
    } else {
        r->message = strdup(err);
    }
    return r->message && r->path ? 0 : ENOMEM;
}

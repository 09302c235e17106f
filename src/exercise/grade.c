/* The grader: each goal becomes a small scenario (scenario.h) run against
 * the lab, in-process or through the daemon, and a goal is met when its
 * scenario passes. A goal block may mark line ranges with the sentence a
 * failure there means (least-privilege's three teaching checks), so the
 * student reads why, not a transcript diff. */
#include "src/exercise/exercise.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GEN_MARKS 64

struct gen {
    struct buf b;
    unsigned line; /* lines written */
    struct {
        unsigned from;
        char *why;
    } marks[GEN_MARKS];
    size_t nmarks;
    int rc;
};

static void put(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct gen *g, const char *fmt, ...)
{
    if (g->rc)
        return;
    va_list ap;
    va_start(ap, fmt);
    g->rc = buf_vprintf(&g->b, fmt, ap);
    va_end(ap);
    if (!g->rc)
        g->rc = buf_putc(&g->b, '\n');
    g->line++;
}

/* Text already holding several lines (the setup, a solution). */
static void put_block(struct gen *g, const char *text)
{
    for (const char *p = text; *p && !g->rc;) {
        size_t l = strcspn(p, "\n");
        put(g, "%.*s", (int)l, p);
        p += l + (p[l] == '\n');
    }
}

/* From the next line on, a failure means why (until the next mark). */
static void mark(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mark(struct gen *g, const char *fmt, ...)
{
    if (g->rc || g->nmarks == GEN_MARKS) {
        g->rc = g->rc ? g->rc : E2BIG;
        return;
    }
    struct buf w = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    g->rc = buf_vprintf(&w, fmt, ap);
    va_end(ap);
    g->marks[g->nmarks].from = g->line + 1;
    g->marks[g->nmarks++].why = buf_steal(&w);
}

static void gen_free(struct gen *g)
{
    buf_free(&g->b);
    for (size_t i = 0; i < g->nmarks; i++)
        free(g->marks[i].why);
}

static void gen_pop3(struct gen *g, char **a)
{
    mark(g, "the POP3 logon as %s on %s does not succeed", a[1], a[0]);
    put(g, "open goal %s", a[0]);
    put(g, "goal < {{[+]OK.*}}");
    put(g, "goal > USER %s", a[1]);
    put(g, "goal < {{[+]OK.*}}");
    put(g, "goal > PASS %s", a[2]);
    put(g, "goal < {{[+]OK.*}}");
    put(g, "goal > QUIT");
    put(g, "goal < {{[+]OK.*}}");
    put(g, "goal closed");
}

/* The probe user of least-privilege's audit check: unique per check, so
 * one check never takes another's event for its own. */
static void probe_name(char *out, size_t n)
{
    uint64_t r = 0;
    if (plat_random(&r, sizeof r))
        r = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    snprintf(out, n, "ntlab-probe-%08x", (unsigned)(r & 0xffffffffu));
}

/* least-privilege MACHINE ACCOUNT FOCUS MAILBOX RIGHT... */
static void gen_least(struct gen *g, int argc, char **a)
{
    const char *m = a[0], *acct = a[1], *focus = a[2], *mbox = a[3];
    static const struct {
        const char *pat, *who;
    } broad[] = {{"Everyone ({{.*}}", "Everyone"},
                 {"{{.*}}Domain Users ({{.*}}", "Domain Users"},
                 {"{{.*}}Administrators ({{.*}}", "Administrators"}};
    for (int i = 4; i < argc; i++)
        for (size_t k = 0; k < 3; k++) {
            mark(g, "%s went to %s in %s: every member of %s now holds it. Grant it to the "
                    "service account %s alone, and revoke it from %s",
                 a[i], broad[k].who, focus, broad[k].who, acct, broad[k].who);
            put(g, "ntlab rights who %s --focus %s", a[i], focus);
            put(g, "lacks %s", broad[k].pat);
        }
    struct buf want = BUF_INIT;
    for (int i = 4; i < argc; i++)
        buf_printf(&want, "%s%s", i > 4 ? ", " : "", a[i]);
    mark(g, "%s holds other rights than the store needs in %s: exactly %s (see ntlab rights "
            "list %s --focus %s)",
         acct, focus, want.p ? want.p : "", acct, focus);
    buf_free(&want);
    put(g, "ntlab rights list %s --focus %s", acct, focus);
    put(g, "out {{.*}} in %s:", focus);
    for (int i = 4; i < argc; i++)
        put(g, "out   %s", a[i]);
    char probe[32];
    probe_name(probe, sizeof probe);
    const char *bs = strchr(acct, '\\');
    mark(g, "a failed POP3 logon left no event in %s's Application log: the store's failure "
            "audit is off (its persona's event row is 'none'). Turn it back on: failed logons "
            "are how the problem was seen at all",
         m);
    put(g, "open probe %s", m);
    put(g, "probe < {{[+-].*}}");
    put(g, "probe > USER %.*s%s%s\\%s", bs ? (int)(bs - acct) : 0, acct, bs ? "\\" : "", probe,
        mbox);
    put(g, "probe < {{[+-].*}}");
    put(g, "probe > PASS not-the-password");
    put(g, "probe < {{-.*}}");
    put(g, "close probe");
    put(g, "ntlab eventlog --log application --machine %s", m);
    put(g, "has {{.*}}%s{{.*}}", probe);
}

static void gen_goal(struct gen *g, const struct ex_goal *goal, char **a)
{
    switch (goal->kind) {
    case EX_GOAL_POP3:
        gen_pop3(g, a);
        break;
    case EX_GOAL_RIGHT:
        mark(g, "%s does not hold %s in %s", a[0], a[1], a[2]);
        put(g, "ntlab rights list %s --focus %s", a[0], a[2]);
        put(g, "has   %s", a[1]);
        break;
    case EX_GOAL_SERVICE:
        mark(g, "%s on %s is not %s", a[1], a[0], a[2]);
        put(g, "ntlab service list --machine %s", a[0]);
        put(g, "has %s{{ +}}%s{{ .*}}", a[1], a[2]);
        break;
    case EX_GOAL_TOKEN:
        mark(g, "no running service's token on %s holds %s (a service's token is taken when it "
                "starts)",
             a[0], a[1]);
        put(g, "ntlab service list --tokens --machine %s", a[0]);
        put(g, "has {{ +}}%s{{ .*}}", a[1]);
        break;
    case EX_GOAL_EVENT: {
        struct buf src = BUF_INIT;
        for (int i = 3; i < goal->argc; i++)
            buf_printf(&src, "%s%s", i > 3 ? " " : "", a[i]);
        mark(g, "no event %s %s in %s's %s log", src.p ? src.p : "", a[2], a[0], a[1]);
        put(g, "ntlab eventlog --log %s --machine %s", a[1], a[0]);
        put(g, "has {{.*}} %s %s {{.*}}", src.p ? src.p : "", a[2]);
        buf_free(&src);
        break;
    }
    case EX_GOAL_LEAST:
        gen_least(g, goal->argc, a);
        break;
    }
}

/* Fills g with the scenario of one goal (argv expanded with vars). */
static int gen_text(struct gen *g, const struct exercise *ex, size_t gi,
                    const struct ex_vars *vars, enum ex_mode mode, const char *steps)
{
    const struct ex_goal *goal = &ex->goals[gi];
    put(g, "title %s: goal %s", ex->name, goal->name);
    if (mode == EX_FRESH) {
        char *s = ex_expand(ex->setup, vars);
        char *t = steps ? ex_expand(steps, vars) : NULL;
        if (!s || (steps && !t))
            g->rc = ENOMEM;
        else {
            put_block(g, s);
            if (t)
                put_block(g, t);
        }
        free(s);
        free(t);
    }
    put(g, "begin");
    if (mode == EX_OFFLINE)
        put(g, "ntlab boot");
    char *a[EX_MAX_WORDS] = {NULL};
    for (int i = 0; i < goal->argc && !g->rc; i++)
        if (!(a[i] = ex_expand(goal->argv[i], vars)))
            g->rc = ENOMEM;
    if (!g->rc)
        gen_goal(g, goal, a);
    for (int i = 0; i < goal->argc; i++)
        free(a[i]);
    return g->rc;
}

char *ex_goal_text(const struct exercise *ex, size_t goal, const struct ex_vars *vars,
                   enum ex_mode mode, const char *steps)
{
    struct gen g = {.b = BUF_INIT};
    char *out = NULL;
    if (goal < ex->ngoals && gen_text(&g, ex, goal, vars, mode, steps) == 0)
        out = buf_steal(&g.b);
    gen_free(&g);
    return out;
}

/* The sentence for a failure at "NAME:LINE" (the last mark at or above). */
static const char *why_at(const struct gen *g, const char *where)
{
    const char *c = where ? strrchr(where, ':') : NULL;
    unsigned line = c ? (unsigned)strtoul(c + 1, NULL, 10) : 0;
    const char *why = g->nmarks ? g->marks[0].why : NULL;
    for (size_t i = 0; i < g->nmarks; i++)
        if (line >= g->marks[i].from)
            why = g->marks[i].why;
    return why;
}

static int grade_goal(const struct exercise *ex, size_t gi, const struct ex_vars *vars,
                      const struct ex_grade_opts *o, const char *copy, struct ex_goal_result *gr)
{
    struct gen g = {.b = BUF_INIT};
    int rc = gen_text(&g, ex, gi, vars, o->mode, o->steps);
    struct scn *s = NULL;
    char err[1024];
    if (!rc)
        rc = scn_parse_text(ex->name, g.b.p, g.b.len, NULL, &s, err, sizeof err);
    if (rc) {
        gen_free(&g);
        if (rc == EINVAL) /* our own text: a goal argument broke a line */
            return (gr->why = strdup(err)) ? 0 : ENOMEM;
        return rc;
    }
    struct scn_run_opts ro = {.admin = o->admin, .tmpbase = o->tmpbase};
    if (o->mode == EX_OFFLINE)
        ro.existing = copy;
    if (o->mode == EX_LIVE) {
        ro.target = o->target;
        ro.labdir = o->labdir;
    }
    if (o->mode == EX_HERE)
        ro.lab = o->lab;
    struct scn_result res;
    scn_run(s, &ro, &res);
    gr->met = res.status == SCN_PASS;
    if (!gr->met) {
        const char *why = why_at(&g, res.where);
        struct buf b = BUF_INIT;
        if (res.message && strstr(res.message, "(in the setup"))
            buf_printf(&b, "the lab was not built: %s", res.message);
        else
            buf_printf(&b, "%s%s%s", why ? why : "", why && res.message ? " -- " : "",
                       res.message ? res.message : "");
        gr->why = buf_steal(&b);
        rc = gr->why ? 0 : ENOMEM;
    }
    scn_result_free(&res);
    scn_free(s);
    gen_free(&g);
    return rc;
}

/* OFFLINE: a scratch copy of the lab, under tmpbase or /dev/shm or $TMPDIR. */
static int make_copy(const struct ex_grade_opts *o, char *dir, size_t n, char *err, size_t errlen)
{
    char base[4096];
    struct plat_stat st;
    if (o->tmpbase)
        str_copy(base, sizeof base, o->tmpbase);
    else if (!PLAT_WINDOWS && plat_stat("/dev/shm", &st) == 0 && st.is_dir &&
             access("/dev/shm", W_OK) == 0)
        str_copy(base, sizeof base, "/dev/shm");
    else if (plat_tmpdir(base, sizeof base))
        str_copy(base, sizeof base, "/tmp");
    int k = snprintf(dir, n, "%s/ntlab-check-XXXXXX", base);
    if (k < 0 || (size_t)k >= n)
        return ENAMETOOLONG;
    int rc = plat_mkdtemp(dir);
    if (rc) {
        snprintf(err, errlen, "cannot make a scratch directory in %s: %s", base,
                 plat_strerror(rc));
        return rc;
    }
    rc = ex_copy_lab(o->labdir, dir);
    if (rc) {
        snprintf(err, errlen, "cannot copy the lab %s: %s", o->labdir, plat_strerror(rc));
        scn_rmtree(dir);
    }
    return rc;
}

int ex_grade(const struct exercise *ex, const struct ex_vars *vars, const struct ex_grade_opts *o,
             struct ex_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    rep->first_unmet = -1;
    rep->ngoals = ex->ngoals;
    int rc = 0;
    char copy[4200] = "";
    for (size_t i = 0; i < ex->ngoals && !rc; i++) {
        rep->goals[i].judged = true;
        if (o->mode == EX_OFFLINE && ex_goal_needs_live(ex->goals[i].kind)) {
            rep->goals[i].judged = false;
            rep->nunjudged++; /* not unmet either: no hint of it (first_unmet) */
            struct buf b = BUF_INIT;
            const char *lab = o->labdir ? o->labdir : "LAB";
            buf_printf(&b, EX_UNJUDGED_WHY, lab, lab);
            if (!(rep->goals[i].why = buf_steal(&b)))
                rc = ENOMEM;
            continue;
        }
        /* every goal on a fresh copy: one goal's probe never feeds another */
        if (o->mode == EX_OFFLINE && (rc = make_copy(o, copy, sizeof copy, err, errlen)))
            break;
        rc = grade_goal(ex, i, vars, o, copy, &rep->goals[i]);
        if (o->mode == EX_OFFLINE)
            scn_rmtree(copy);
        if (rc)
            snprintf(err, errlen, "goal %s: %s", ex->goals[i].name, plat_strerror(rc));
        else if (rep->goals[i].met)
            rep->nmet++;
        else if (rep->first_unmet < 0)
            rep->first_unmet = (int)i;
    }
    if (rc)
        ex_report_free(rep);
    return rc;
}

bool ex_goal_needs_live(enum ex_goal_kind k)
{
    return k == EX_GOAL_TOKEN || k == EX_GOAL_SERVICE;
}

void ex_report_free(struct ex_report *rep)
{
    for (size_t i = 0; i < EX_MAX_GOALS; i++) {
        free(rep->goals[i].why);
        rep->goals[i].why = NULL;
    }
}

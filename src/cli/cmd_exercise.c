/* ntlab exercise list|start|check|hint|reset|solution|test (issue 16).
 * Exercises come embedded (src/exercises/NAME.exercise) or from --exercises
 * DIR; the keys (NAME.solution) only from --keys DIR or
 * $NTLAB_EXERCISE_KEYS, never from the binary (README "Exercises"). A lab
 * built by start holds LAB/exercise.conf: which exercise, which seed, how
 * many hints were shown. */
#include "src/cli/class_spawn.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/exercise/exercise.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/embed.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/net/daemon.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EX_CONF "exercise.conf"
#define EX_EMBED_DIR "src/exercises/"
#define EX_KEYS_ENV "NTLAB_EXERCISE_KEYS"

struct ex_opts {
    const char *exercises; /* --exercises DIR */
    const char *keys;      /* --keys DIR */
    const char *seed_s;    /* --seed N */
    const char *target;    /* --target HOST:PORT */
    bool json, force, offline, verbose;
    const char *words[64];
    struct args_words w;
};

static const char ex_usage[] =
    "usage: ntlab exercise list [--exercises DIR]\n"
    "       ntlab exercise start NAME [LAB] [--seed N] [--force] [--exercises DIR]\n"
    "       ntlab [-C LAB] exercise check [--json] [-v] [--offline] [--target HOST:PORT]\n"
    "       ntlab [-C LAB] exercise hint [--json] | reset\n"
    "       ntlab [-C LAB] exercise show [--json]   (the story and the hints shown so far)\n"
    "       ntlab exercise solution NAME [--seed N] --keys DIR   (instructor)\n"
    "       ntlab exercise test NAME... --keys DIR   (every solution to 100%, every wrong one\n"
    "           to its goal and hint)";

static bool ex_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > EX_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* The exercise NAME: DIR/NAME.exercise, or the embedded one. */
static int ex_load(struct cli_ctx *ctx, const char *dir, const char *name, struct exercise **ex)
{
    if (!ex_name_ok(name))
        return cli_error(ctx, CLI_USAGE, "exercise: bad exercise name '%s' (a-z, 0-9, -)", name);
    char path[4096], err[1024];
    if (dir)
        snprintf(path, sizeof path, "%s/%s.exercise", dir, name);
    else
        snprintf(path, sizeof path, EX_EMBED_DIR "%s.exercise", name);
    char *text = NULL;
    size_t len = 0;
    int rc;
    if (dir) {
        rc = afile_read(path, EX_FILE_MAX + 1, &text, &len);
        if (rc)
            return cli_error(ctx, CLI_FAIL, "%s: %s", path,
                             rc == EFBIG ? "too large" : plat_strerror(rc));
    } else {
        const struct embed_file *f = embed_find(path);
        if (!f)
            return cli_error(ctx, CLI_FAIL, "no exercise '%s' (ntlab exercise list)", name);
        text = (char *)f->data;
        len = f->len;
    }
    rc = ex_parse(path, text, len, ex, err, sizeof err);
    if (dir)
        free(text);
    if (rc)
        return cli_error(ctx, CLI_FAIL, "%s", rc == ENOMEM ? "out of memory" : err);
    return CLI_OK;
}

/* The keys of ex from --keys DIR or $NTLAB_EXERCISE_KEYS. */
static int ex_load_keys(struct cli_ctx *ctx, const struct ex_opts *op, struct exercise *ex)
{
    const char *dir = op->keys ? op->keys : getenv(EX_KEYS_ENV);
    if (!dir || !*dir)
        return cli_error(ctx, CLI_USAGE,
                         "exercise: the solutions are the instructor's: give --keys DIR (or "
                         "$" EX_KEYS_ENV "), the directory of NAME.solution files");
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/%s.solution", dir, ex->name);
    char *text = NULL;
    size_t len = 0;
    int rc = afile_read(path, EX_FILE_MAX + 1, &text, &len);
    if (rc)
        return cli_error(ctx, CLI_FAIL, "%s: %s", path, rc == EFBIG ? "too large" : plat_strerror(rc));
    rc = ex_parse_keys(ex, path, text, len, err, sizeof err);
    free(text);
    return rc ? cli_error(ctx, CLI_FAIL, "%s", rc == ENOMEM ? "out of memory" : err) : CLI_OK;
}

static int ex_seed(struct cli_ctx *ctx, const char *s, uint64_t *seed)
{
    int64_t v = 0;
    if (s && str_to_i64(s, 0, INT64_MAX, &v))
        return cli_error(ctx, CLI_USAGE, "exercise: --seed needs a number (0 = the article's names)");
    *seed = (uint64_t)v;
    return CLI_OK;
}

/* --- LAB/exercise.conf ------------------------------------------------------ */

struct ex_conf {
    char name[EX_NAME_MAX + 1];
    uint64_t seed;
    char dir[1024];  /* --exercises DIR at start, or "" */
    char hint_goal[EX_NAME_MAX + 1];
    unsigned hints;  /* of hint_goal, shown by `hint` */
};

static int conf_write(struct cli_ctx *ctx, const char *lab, const struct ex_conf *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/" EX_CONF, lab);
    struct buf b = BUF_INIT;
    int rc = buf_printf(&b,
                        "# the exercise this lab was built for (ntlab exercise start)\n"
                        "exercise = %s\nseed = %llu\nexercises = %s\nhint = %s %u\n",
                        c->name, (unsigned long long)c->seed, c->dir,
                        c->hint_goal[0] ? c->hint_goal : "-", c->hints);
    if (!rc)
        rc = afile_write(path, b.p, b.len, 0644);
    buf_free(&b);
    return rc ? cli_error(ctx, CLI_FAIL, "%s: %s", path, plat_strerror(rc)) : CLI_OK;
}

static int conf_read(struct cli_ctx *ctx, const char *lab, struct ex_conf *c)
{
    memset(c, 0, sizeof *c);
    char path[4096];
    snprintf(path, sizeof path, "%s/" EX_CONF, lab);
    char *text = NULL;
    size_t len = 0;
    int rc = afile_read(path, 8192, &text, &len);
    if (rc)
        return cli_error(ctx, CLI_FAIL, "%s: %s (not a lab made by ntlab exercise start?)", path,
                         plat_strerror(rc));
    unsigned line = 0;
    bool named = false;
    for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        line++;
        char goal[EX_NAME_MAX + 2] = "";
        unsigned long long seed;
        unsigned n;
        if (*p == '#' || !*p)
            continue;
        if (sscanf(p, "exercise = %47s", c->name) == 1 && ex_name_ok(c->name))
            named = true;
        else if (sscanf(p, "seed = %llu", &seed) == 1)
            c->seed = seed;
        else if (strncmp(p, "exercises =", 11) == 0)
            str_copy(c->dir, sizeof c->dir, p + 11 + strspn(p + 11, " "));
        else if (sscanf(p, "hint = %48s %u", goal, &n) == 2 && strlen(goal) <= EX_NAME_MAX) {
            str_copy(c->hint_goal, sizeof c->hint_goal, strcmp(goal, "-") ? goal : "");
            c->hints = n;
        } else {
            free(text);
            return cli_error(ctx, CLI_FAIL, "%s:%u: not 'key = value' of exercise, seed, "
                             "exercises, hint", path, line);
        }
    }
    free(text);
    if (!named)
        return cli_error(ctx, CLI_FAIL, "%s: no 'exercise = NAME' line", path);
    return CLI_OK;
}

/* --- building a lab ---------------------------------------------------------- */

/* The setup of ex with vars, built in lab (new or empty; force: a lab
 * there is replaced) through the scenario runner's --prepare. */
static int ex_build(struct cli_ctx *ctx, const struct exercise *ex, const struct ex_vars *vars,
                    const char *lab, bool force)
{
    char *setup = ex_expand(ex->setup, vars);
    struct buf b = BUF_INIT;
    int e = 0;
    /* at the file's own lines, so that a failing step names its FILE:LINE */
    for (unsigned i = 1; i < ex->setup_line && !e; i++)
        e = buf_putc(&b, '\n');
    if (!setup || e || buf_printf(&b, "%sbegin\n", setup)) {
        free(setup);
        buf_free(&b);
        return cli_error(ctx, CLI_FAIL, "out of memory");
    }
    free(setup);
    char err[1024];
    struct scn *s = NULL;
    int rc = scn_parse_text(ex->file, b.p, b.len, NULL, &s, err, sizeof err);
    buf_free(&b);
    if (rc)
        return cli_error(ctx, CLI_FAIL, "%s", err);
    struct scn_run_opts ro = {.admin = cli_scenario_admin(), .prepare = lab, .force = force};
    struct scn_result res;
    scn_run(s, &ro, &res);
    scn_free(s);
    rc = CLI_OK;
    if (res.status != SCN_PASS)
        rc = cli_error(ctx, CLI_FAIL, "exercise %s: the lab was not built: %s%s%s", ex->name,
                       res.where ? res.where : "", res.where ? ": " : "",
                       res.message ? res.message : "");
    scn_result_free(&res);
    return rc;
}

static void print_story(FILE *f, const struct exercise *ex, const struct ex_vars *vars)
{
    char *story = ex_expand(ex->story, vars);
    fprintf(f, "%s\n(%s; difficulty %d)\n\n%s", ex->title, ex->kb, ex->difficulty,
            story ? story : ex->story);
    free(story);
}

static int ex_start(struct cli_ctx *ctx, struct ex_opts *op)
{
    if (op->w.n < 2 || op->w.n > 3)
        return cli_error(ctx, CLI_USAGE, "%s", ex_usage);
    const char *name = op->words[1], *lab = op->w.n == 3 ? op->words[2] : name;
    struct ex_conf c = {0};
    int rc = ex_seed(ctx, op->seed_s, &c.seed);
    struct exercise *ex = NULL;
    if (rc == CLI_OK)
        rc = ex_load(ctx, op->exercises, name, &ex);
    if (rc)
        return rc;
    struct ex_vars vars;
    ex_vars_init(&vars, c.seed);
    struct plat_stat st;
    bool existed = plat_stat(lab, &st) == 0;
    rc = ex_build(ctx, ex, &vars, lab, op->force);
    if (rc && !existed)
        scn_rmtree(lab); /* a lab that failed to build is not left half made */
    str_copy(c.name, sizeof c.name, ex->name);
    if (op->exercises) {
        char abs[1024];
        str_copy(c.dir, sizeof c.dir,
                 plat_realpath(op->exercises, abs, sizeof abs) ? op->exercises : abs);
    }
    if (rc == CLI_OK)
        rc = conf_write(ctx, lab, &c);
    if (rc == CLI_OK) {
        print_story(ctx->out, ex, &vars);
        fprintf(ctx->out,
                "\nThe lab is in %s. Serve it with 'ntlab -C %s up', then check your work with "
                "'ntlab -C %s exercise check'.\n",
                lab, lab, lab);
    }
    ex_free(ex);
    return rc;
}

/* The exercise of the lab -C names (LAB/exercise.conf) and its names, for
 * a subcommand that takes no word of its own (reset, check, hint): *ex is
 * the caller's to ex_free, NULL on failure. */
static int ex_of_lab(struct cli_ctx *ctx, const struct ex_opts *op, struct ex_conf *c,
                     struct exercise **ex, struct ex_vars *vars)
{
    *ex = NULL;
    if (op->w.n != 1)
        return cli_error(ctx, CLI_USAGE, "%s", ex_usage);
    int rc = conf_read(ctx, ctx->labdir, c);
    if (rc == CLI_OK)
        rc = ex_load(ctx, c->dir[0] ? c->dir : NULL, c->name, ex);
    if (rc == CLI_OK)
        ex_vars_init(vars, c->seed);
    return rc;
}

static int ex_reset(struct cli_ctx *ctx, struct ex_opts *op)
{
    struct ex_conf c;
    struct exercise *ex;
    struct ex_vars vars;
    int rc = ex_of_lab(ctx, op, &c, &ex, &vars);
    if (rc)
        return rc;
    long pid = daemon_pid(ctx->labdir);
    if (pid)
        rc = cli_error(ctx, CLI_FAIL, "exercise reset: %s is served by ntlab up (pid %ld): stop "
                       "it first (ntlab -C %s down)", ctx->labdir, pid, ctx->labdir);
    else
        rc = ex_build(ctx, ex, &vars, ctx->labdir, true);
    c.hint_goal[0] = 0;
    c.hints = 0;
    if (rc == CLI_OK)
        rc = conf_write(ctx, ctx->labdir, &c);
    if (rc == CLI_OK)
        fprintf(ctx->out, "%s: rebuilt as exercise %s (seed %llu) first built it\n",
                ctx->labdir, ex->name, (unsigned long long)c.seed);
    ex_free(ex);
    return rc;
}

/* --- checking ------------------------------------------------------------------ */

/* The POP3 listener of the ntlab up serving lab, from its status. */
static int live_target(const char *lab, char *out, size_t n)
{
    char *text;
    char *argv[] = {"status", NULL};
    int rc;
    bool ok = cli_capture(lab, 1, argv, false, &text, &rc);
    if (!text)
        return ENOMEM;
    int e = ENOENT;
    for (char *p = ok ? text : NULL; p && *p && e; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        char addr[128];
        if (sscanf(p, " POP3 %127s", addr) == 1 && strchr(addr, ':')) {
            str_copy(out, n, addr);
            e = 0;
        }
    }
    free(text);
    return e;
}

/* What an offline check whose judged goals are all met says next. */
#define UNJUDGED_NEXT                                                                              \
    "the goals marked ? need the lab served (ntlab up), then exercise check again"

/* The hint check and hint print: for the first unmet goal, the hint after
 * those `hint` has shown of it (the first when none). */
static const char *next_hint(const struct exercise *ex, const struct ex_report *rep,
                             const struct ex_conf *c)
{
    if (rep->first_unmet < 0)
        return NULL;
    const struct ex_goal *g = &ex->goals[rep->first_unmet];
    size_t k = strcmp(c->hint_goal, g->name) == 0 ? c->hints : 0;
    if (k >= g->nhints)
        k = g->nhints - 1;
    return g->hints[k];
}

static int grade_lab(struct cli_ctx *ctx, const struct ex_opts *op, const struct exercise *ex,
                     const struct ex_vars *vars, struct ex_report *rep, const char **mode)
{
    char target[160] = "";
    struct ex_grade_opts go = {.mode = EX_OFFLINE, .admin = cli_scenario_admin(),
                               .labdir = ctx->labdir};
    if (ctx->live) {
        /* inside the daemon (the console): its own lab, in-process */
        go.mode = EX_HERE;
        go.lab = cli_lab(ctx);
        if (!go.lab)
            return CLI_FAIL;
    } else if (!op->offline && daemon_pid(ctx->labdir)) {
        go.mode = EX_LIVE;
        if (op->target)
            str_copy(target, sizeof target, op->target);
        else if (live_target(ctx->labdir, target, sizeof target))
            return cli_error(ctx, CLI_FAIL, "exercise check: the ntlab up serving %s names no "
                             "POP3 listener (give --target HOST:PORT)", ctx->labdir);
        go.target = target;
    }
    *mode = go.mode == EX_OFFLINE ? "offline" : "live";
    /* Live checks of one lab take turns: each logs on to the same mailbox,
     * and a second logon meanwhile would get "in use" (a check that cannot
     * create the lock, e.g. an instructor's read-only view, goes unlocked). */
    struct filelock lk = {-1};
    char lpath[4096];
    snprintf(lpath, sizeof lpath, "%s/exercise-check.lock", ctx->labdir);
    if (go.mode == EX_LIVE)
        (void)filelock_acquire(&lk, lpath, true);
    /* The daemon must not wait: the check holding the lock needs it to
     * answer. Checks inside it take turns anyway (one thread). */
    if (go.mode == EX_HERE && filelock_acquire(&lk, lpath, false) == EWOULDBLOCK)
        return cli_error(ctx, CLI_BUSY, "exercise check: another check of this lab is running; "
                         "try again in a moment");
    char err[1024] = "";
    int rc = ex_grade(ex, vars, &go, rep, err, sizeof err);
    filelock_release(&lk);
    return rc ? cli_error(ctx, CLI_FAIL, "exercise check: %s", err) : CLI_OK;
}

static void check_text(FILE *f, const struct exercise *ex, const struct ex_vars *vars,
                       const struct ex_report *rep, const char *hint, const char *mode)
{
    fprintf(f, "exercise %s (seed %llu, %s): %s\n", ex->name, (unsigned long long)vars->seed,
            mode, ex->title);
    if (strcmp(mode, "offline") == 0) /* what an offline verdict stands for */
        fprintf(f, "  (offline: a copy of the lab booted as 'ntlab up' boots it, so a POP3 "
                   "logon meets a freshly started store)\n");
    for (size_t i = 0; i < rep->ngoals; i++) {
        /* ? : left to the served lab (offline), neither met nor failed */
        fprintf(f, "  %s %s",
                rep->goals[i].met ? "\xe2\x9c\x93" : rep->goals[i].judged ? "\xe2\x9c\x97" : "?",
                ex->goals[i].name);
        if (!rep->goals[i].met && rep->goals[i].why)
            fprintf(f, ": %s", rep->goals[i].why);
        fputc('\n', f);
    }
    fprintf(f, "score: %zu/%zu (%zu%%)", rep->nmet, rep->ngoals,
            rep->ngoals ? rep->nmet * 100 / rep->ngoals : 0);
    if (rep->nunjudged)
        fprintf(f, "; %zu judged only on the served lab", rep->nunjudged);
    fputc('\n', f);
    if (hint) {
        char *h = ex_expand(hint, vars);
        fprintf(f, "next hint: %s\n", h ? h : hint);
        free(h);
        return;
    }
    if (rep->nunjudged) { /* the rest only the served lab shows: no verdict yet */
        fprintf(f, "\nEvery goal judged offline is met; %s\n", UNJUDGED_NEXT);
        return;
    }
    char *e = ex_expand(ex->explanation, vars);
    fprintf(f, "\nAll goals met. %s\n%s", ex->kb, e ? e : ex->explanation);
    free(e);
}

static void check_json(FILE *f, const struct exercise *ex, const struct ex_vars *vars,
                       const struct ex_report *rep, const char *hint, const char *mode)
{
    char *h = hint ? ex_expand(hint, vars) : NULL;
    /* the explanation once every goal is met and judged */
    char *e = hint || rep->nunjudged ? NULL : ex_expand(ex->explanation, vars);
    fputs("{\n  \"exercise\": ", f);
    cli_json_str(f, ex->name);
    fputs(",\n  \"title\": ", f);
    cli_json_str(f, ex->title);
    fprintf(f, ",\n  \"seed\": %llu,\n  \"mode\": ", (unsigned long long)vars->seed);
    cli_json_str(f, mode);
    fputs(",\n  \"goals\": [", f);
    for (size_t i = 0; i < rep->ngoals; i++) {
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        cli_json_str(f, ex->goals[i].name);
        fprintf(f, ", \"met\": %s, \"judged\": %s, \"why\": ", rep->goals[i].met ? "true" : "false",
                rep->goals[i].judged ? "true" : "false");
        cli_json_str(f, rep->goals[i].why);
        fputc('}', f);
    }
    fprintf(f, "\n  ],\n  \"met\": %zu,\n  \"unjudged\": %zu,\n  \"total\": %zu,\n  \"score\": %zu,\n  \"hint\": ",
            (size_t)rep->nmet, (size_t)rep->nunjudged, (size_t)rep->ngoals,
            (size_t)(rep->ngoals ? rep->nmet * 100 / rep->ngoals : 0));
    cli_json_str(f, h);
    fputs(",\n  \"explanation\": ", f);
    cli_json_str(f, e);
    fputs(",\n  \"kb\": ", f);
    cli_json_str(f, ex->kb);
    fputs("\n}\n", f);
    free(h);
    free(e);
}

/* hint --json: {"goal": the first unmet goal or null, "hint": its hint or null}. */
static void hint_json(FILE *f, const struct exercise *ex, const struct ex_report *rep,
                      const char *hint)
{
    fputs("{\"goal\": ", f);
    cli_json_str(f, rep->first_unmet >= 0 ? ex->goals[rep->first_unmet].name : NULL);
    fputs(", \"hint\": ", f);
    cli_json_str(f, hint);
    fputs("}\n", f);
}

/* When each goal was first met, on the lab's clock (class_spawn.h). */
static void record_progress(struct cli_ctx *ctx, const struct exercise *ex,
                            const struct ex_report *rep)
{
    const char *names[EX_MAX_GOALS];
    bool met[EX_MAX_GOALS];
    for (size_t i = 0; i < rep->ngoals; i++) {
        names[i] = ex->goals[i].name;
        met[i] = rep->goals[i].met;
    }
    class_progress_record(ctx, names, met, rep->ngoals);
}

static int ex_check(struct cli_ctx *ctx, struct ex_opts *op, bool hint_cmd)
{
    struct ex_conf c;
    struct exercise *ex;
    struct ex_vars vars;
    int rc = ex_of_lab(ctx, op, &c, &ex, &vars);
    struct ex_report rep;
    const char *mode = "offline";
    if (rc == CLI_OK)
        rc = grade_lab(ctx, op, ex, &vars, &rep, &mode);
    if (rc) {
        ex_free(ex);
        return rc;
    }
    const char *hint = next_hint(ex, &rep, &c);
    record_progress(ctx, ex, &rep); /* for `ntlab class report` (issue 16, classes) */
    if (hint_cmd) {
        /* the next `hint` gives the following one of the same goal */
        char *h = hint ? ex_expand(hint, &vars) : NULL;
        if (op->json)
            hint_json(ctx->out, ex, &rep, h ? h : hint);
        else
            fprintf(ctx->out, "%s\n", h      ? h
                                      : hint ? hint
                                      : rep.nunjudged
                                          ? "No hint: every goal judged offline is met; " UNJUDGED_NEXT
                                          : "All goals are met: no hint needed.");
        free(h);
        if (hint) {
            const char *g = ex->goals[rep.first_unmet].name;
            c.hints = strcmp(c.hint_goal, g) == 0 ? c.hints + 1 : 1;
            str_copy(c.hint_goal, sizeof c.hint_goal, g);
            rc = conf_write(ctx, ctx->labdir, &c);
        }
    } else if (op->json) {
        check_json(ctx->out, ex, &vars, &rep, hint, mode);
    } else {
        check_text(ctx->out, ex, &vars, &rep, hint, mode);
        for (size_t i = 0; op->verbose && i < rep.ngoals; i++) {
            /* -v: the scenario each unmet goal ran, to run by hand */
            char *t = rep.goals[i].met ? NULL
                                       : ex_goal_text(ex, i, &vars, EX_OFFLINE, NULL);
            if (t)
                fprintf(ctx->out, "\n# goal %s, as a scenario:\n%s", ex->goals[i].name, t);
            free(t);
        }
    }
    if (rc == CLI_OK && !hint_cmd && (rep.first_unmet >= 0 || rep.nunjudged))
        rc = CLI_FAIL; /* exit 0 only when every goal is met, judged */
    ex_report_free(&rep);
    ex_free(ex);
    return rc;
}

/* show: the story and the hints `hint` has shown (of the goal it last
 * gave one for), as the student read them; no grading, so nothing of the
 * lab is touched (the console's GET). Never the solution: the keys are
 * not read. */
static void show_json(FILE *f, const struct exercise *ex, const struct ex_vars *vars,
                      const char *story, const struct ex_goal *hg, size_t nshown)
{
    fputs("{\n  \"exercise\": ", f);
    cli_json_str(f, ex->name);
    fputs(",\n  \"title\": ", f);
    cli_json_str(f, ex->title);
    fputs(",\n  \"kb\": ", f);
    cli_json_str(f, ex->kb);
    fprintf(f, ",\n  \"difficulty\": %d,\n  \"seed\": %llu,\n  \"story\": ", ex->difficulty,
            (unsigned long long)vars->seed);
    cli_json_str(f, story);
    fputs(",\n  \"goals\": [", f);
    for (size_t i = 0; i < ex->ngoals; i++) {
        fputs(i ? ", " : "", f);
        cli_json_str(f, ex->goals[i].name);
    }
    fputs("],\n  \"hint_goal\": ", f);
    cli_json_str(f, hg ? hg->name : NULL);
    fputs(",\n  \"hints\": [", f);
    for (size_t i = 0; i < nshown; i++) {
        char *h = ex_expand(hg->hints[i], vars);
        fputs(i ? ",\n    " : "\n    ", f);
        cli_json_str(f, h ? h : hg->hints[i]);
        free(h);
    }
    fputs(nshown ? "\n  ]\n}\n" : "]\n}\n", f);
}

static int ex_show(struct cli_ctx *ctx, struct ex_opts *op)
{
    struct ex_conf c;
    struct exercise *ex = NULL;
    struct ex_vars vars;
    int rc = ex_of_lab(ctx, op, &c, &ex, &vars);
    if (rc)
        return rc;
    const struct ex_goal *hg = NULL;
    for (size_t i = 0; i < ex->ngoals && c.hint_goal[0]; i++)
        if (strcmp(ex->goals[i].name, c.hint_goal) == 0)
            hg = &ex->goals[i];
    size_t nshown = hg ? (c.hints < hg->nhints ? c.hints : hg->nhints) : 0;
    char *story = ex_expand(ex->story, &vars);
    if (op->json) {
        show_json(ctx->out, ex, &vars, story ? story : ex->story, hg, nshown);
    } else {
        print_story(ctx->out, ex, &vars);
        for (size_t i = 0; i < nshown; i++) {
            char *h = ex_expand(hg->hints[i], &vars);
            fprintf(ctx->out, "%shint %zu (%s): %s\n", i ? "" : "\n", i + 1, hg->name,
                    h ? h : hg->hints[i]);
            free(h);
        }
    }
    free(story);
    ex_free(ex);
    return CLI_OK;
}

/* Inside the daemon (the console, through its command hook) only what a
 * student may see runs: check, hint, show, with --json alone. Never the
 * keys (solution, test), nor -v (the goals' scenario text), nor what
 * rebuilds or replaces the lab (start, reset). */
static int ex_live_allowed(struct cli_ctx *ctx, const struct ex_opts *op, const char *sub)
{
    if (strcmp(sub, "check") && strcmp(sub, "hint") && strcmp(sub, "show"))
        return cli_error(ctx, CLI_USAGE, "exercise %s does not run inside the daemon (only "
                         "check, hint and show do)", sub);
    if (op->verbose || op->target || op->offline || op->keys || op->exercises || op->seed_s ||
        op->force)
        return cli_error(ctx, CLI_USAGE, "exercise %s: inside the daemon only --json is taken",
                         sub);
    return CLI_OK;
}

/* --- the library, keys and their test ------------------------------------------------ */

static int list_one(struct cli_ctx *ctx, const char *dir, const char *name)
{
    struct exercise *ex = NULL;
    int rc = ex_load(ctx, dir, name, &ex);
    if (rc)
        return rc;
    const char *sp = strchr(ex->kb, ' ');
    fprintf(ctx->out, "%-24s %-9.*s %d  %s\n", ex->name, sp ? (int)(sp - ex->kb) : 9, ex->kb,
            ex->difficulty, ex->title);
    ex_free(ex);
    return CLI_OK;
}

static int ex_list(struct cli_ctx *ctx, struct ex_opts *op)
{
    if (op->w.n != 1)
        return cli_error(ctx, CLI_USAGE, "%s", ex_usage);
    fprintf(ctx->out, "%-24s %-9s %s  %s\n", "EXERCISE", "KB", "D", "TITLE");
    int rc = CLI_OK;
    if (!op->exercises) {
        size_t n;
        const struct embed_file *f = embed_files(&n);
        for (size_t i = 0; i < n && rc == CLI_OK; i++) {
            size_t l = strlen(f[i].path);
            if (strncmp(f[i].path, EX_EMBED_DIR, strlen(EX_EMBED_DIR)) || l < 9 ||
                strcmp(f[i].path + l - 9, ".exercise"))
                continue;
            char name[EX_NAME_MAX + 1];
            snprintf(name, sizeof name, "%.*s", (int)(l - 9 - strlen(EX_EMBED_DIR)),
                     f[i].path + strlen(EX_EMBED_DIR));
            rc = list_one(ctx, NULL, name);
        }
        return rc;
    }
    struct plat_dir *d;
    int e = plat_dir_open(op->exercises, &d);
    if (e)
        return cli_error(ctx, CLI_FAIL, "%s: %s", op->exercises, plat_strerror(e));
    const char *name;
    enum plat_dtype type;
    while (rc == CLI_OK && plat_dir_next(d, &name, &type) == 0) {
        size_t l = strlen(name);
        char base[EX_NAME_MAX + 1];
        if (l < 10 || l - 9 > EX_NAME_MAX || strcmp(name + l - 9, ".exercise"))
            continue;
        snprintf(base, sizeof base, "%.*s", (int)(l - 9), name);
        rc = list_one(ctx, op->exercises, base);
    }
    plat_dir_close(d);
    return rc;
}

static int ex_solution(struct cli_ctx *ctx, struct ex_opts *op)
{
    if (op->w.n != 2)
        return cli_error(ctx, CLI_USAGE, "%s", ex_usage);
    uint64_t seed = 0;
    struct exercise *ex = NULL;
    int rc = ex_seed(ctx, op->seed_s, &seed);
    if (rc == CLI_OK)
        rc = ex_load(ctx, op->exercises, op->words[1], &ex);
    if (rc == CLI_OK)
        rc = ex_load_keys(ctx, op, ex);
    if (rc == CLI_OK) {
        struct ex_vars vars;
        ex_vars_init(&vars, seed);
        char *s = ex_expand(ex->solution, &vars);
        fprintf(ctx->out, "# %s (seed %llu): the solution, as ntlab admin steps\n%s", ex->name,
                (unsigned long long)seed, s ? s : ex->solution);
        free(s);
        for (size_t i = 0; i < ex->nwrongs; i++)
            fprintf(ctx->out, "# wrong solution '%s' leaves goal '%s' unmet\n", ex->wrongs[i].name,
                    ex->wrongs[i].goal);
    }
    ex_free(ex);
    return rc;
}

/* Runs steps on a fresh lab of ex (seed 0) and grades it. */
static int fresh_grade(struct cli_ctx *ctx, const struct exercise *ex, const char *steps,
                       struct ex_report *rep)
{
    struct ex_vars vars;
    ex_vars_init(&vars, 0);
    struct ex_grade_opts go = {.mode = EX_FRESH, .admin = cli_scenario_admin(), .steps = steps};
    char err[1024] = "";
    int rc = ex_grade(ex, &vars, &go, rep, err, sizeof err);
    return rc ? cli_error(ctx, CLI_FAIL, "%s: %s", ex->name, err) : CLI_OK;
}

/* One exercise: its solution meets every goal, each wrong solution leaves
 * its goal the first unmet and gets that goal's first hint. */
static int test_one(struct cli_ctx *ctx, struct ex_opts *op, const char *name, bool *bad)
{
    struct exercise *ex = NULL;
    int rc = ex_load(ctx, op->exercises, name, &ex);
    if (rc == CLI_OK)
        rc = ex_load_keys(ctx, op, ex);
    struct ex_report rep;
    if (rc == CLI_OK && (rc = fresh_grade(ctx, ex, ex->solution, &rep)) == CLI_OK) {
        bool ok = rep.first_unmet < 0;
        fprintf(ctx->out, "%s %s solution: %zu/%zu goals\n", ok ? "ok  " : "FAIL", ex->name,
                rep.nmet, rep.ngoals);
        for (size_t i = 0; !ok && op->verbose && i < rep.ngoals; i++)
            if (!rep.goals[i].met)
                fprintf(ctx->out, "     %s: %s\n", ex->goals[i].name, rep.goals[i].why);
        *bad |= !ok;
        ex_report_free(&rep);
    }
    for (size_t w = 0; rc == CLI_OK && w < ex->nwrongs; w++) {
        const struct ex_wrong *wr = &ex->wrongs[w];
        if ((rc = fresh_grade(ctx, ex, wr->steps, &rep)))
            break;
        int gi = rep.first_unmet;
        struct ex_vars v0;
        ex_vars_init(&v0, 0);
        char *hint = gi >= 0 ? ex_expand(ex->goals[gi].hints[0], &v0) : NULL;
        bool ok = gi >= 0 && strcmp(ex->goals[gi].name, wr->goal) == 0;
        fprintf(ctx->out, "%s %s wrong %s: first unmet %s (wanted %s)%s%s\n", ok ? "ok  " : "FAIL",
                ex->name, wr->name, gi >= 0 ? ex->goals[gi].name : "none", wr->goal,
                hint ? "; hint: " : "", hint ? hint : "");
        free(hint);
        if (gi >= 0 && (op->verbose || !ok))
            fprintf(ctx->out, "     why: %s\n", rep.goals[gi].why ? rep.goals[gi].why : "");
        *bad |= !ok;
        ex_report_free(&rep);
    }
    ex_free(ex);
    return rc;
}

static int ex_test(struct cli_ctx *ctx, struct ex_opts *op)
{
    if (op->w.n < 2)
        return cli_error(ctx, CLI_USAGE, "%s", ex_usage);
    bool bad = false;
    int rc = CLI_OK;
    for (size_t i = 1; i < op->w.n && rc == CLI_OK; i++)
        rc = test_one(ctx, op, op->words[i], &bad);
    return rc ? rc : bad ? CLI_FAIL : CLI_OK;
}

int cmd_exercise(struct cli_ctx *ctx, int argc, char **argv)
{
    struct ex_opts op = {0};
    op.w = (struct args_words){op.words, 0, 64, NULL};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--exercises", &op.exercises), ARGS_OPT_STR("--keys", &op.keys),
        ARGS_OPT_STR("--seed", &op.seed_s),         ARGS_OPT_STR("--target", &op.target),
        ARGS_OPT_FLAG("--json", &op.json),          ARGS_OPT_FLAG("--force", &op.force),
        ARGS_OPT_FLAG("--offline", &op.offline),
        {.name = "--verbose", .alias = "-v", .kind = ARGS_FLAG, .to = &op.verbose},
    };
    const struct args_spec spec = {"exercise", opts, ARGS_COUNT(opts), args_words, &op.w, false};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc)
        return rc;
    const char *sub = op.w.n ? op.w.v[0] : "";
    if (ctx->live && (rc = ex_live_allowed(ctx, &op, sub)))
        return rc;
    if (strcmp(sub, "show") == 0)
        return ex_show(ctx, &op);
    if (strcmp(sub, "list") == 0)
        return ex_list(ctx, &op);
    if (strcmp(sub, "start") == 0)
        return ex_start(ctx, &op);
    if (strcmp(sub, "check") == 0)
        return ex_check(ctx, &op, false);
    if (strcmp(sub, "hint") == 0)
        return ex_check(ctx, &op, true);
    if (strcmp(sub, "reset") == 0)
        return ex_reset(ctx, &op);
    if (strcmp(sub, "solution") == 0)
        return ex_solution(ctx, &op);
    if (strcmp(sub, "test") == 0)
        return ex_test(ctx, &op);
    return cli_error(ctx, CLI_USAGE, "%s", ex_usage);
}

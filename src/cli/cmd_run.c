/* ntlab run (scenarios) and ntlab record (the recording proxy). Admin steps
 * of a scenario are ntlab commands: cli_dispatch against the scenario's
 * in-process lab, or control_forward into the `ntlab up` serving --lab. */
#include "emulator/lab.h"
#include "src/lib/arr.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/scenario/export.h"
#include "src/scenario/pool.h"
#include "src/scenario/record.h"
#include "src/scenario/report.h"
#include "src/scenario/scenario.h"
#include "src/scenario/tcp.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RUN_MAX_FILES 100000u
#define RUN_DIR_DEPTH 8

/* --- admin steps ---------------------------------------------------------------- */

static int admin_run(void *arg, struct lab *lab, const char *labdir, int argc, char **argv,
                     FILE *out)
{
    (void)arg;
    struct cli_ctx c = {.labdir = labdir, .lab = lab, .live = true, .out = out, .err = out};
    /* --machine M goes to the context, as cli_main does it. */
    char *rest[SCN_MAX_ARGS + 1];
    int n = 0;
    for (int i = 0; i < argc && n < SCN_MAX_ARGS; i++) {
        if (strcmp(argv[i], "--machine") == 0 && i + 1 < argc)
            c.machine = argv[++i];
        else if (strncmp(argv[i], "--machine=", 10) == 0)
            c.machine = argv[i] + 10;
        else
            rest[n++] = argv[i];
    }
    rest[n] = NULL;
    int rc;
    if (lab) {
        rc = cli_dispatch(&c, n, rest);
        fflush(out);
        return rc;
    }
    if (!cli_command_is_forwarded(rest[0])) {
        /* Not for the daemon: run here against the lab's files, as from a
         * shell beside it. */
        c.live = false;
        rc = cli_dispatch(&c, n, rest);
        cli_close(&c);
        fflush(out);
        return rc;
    }
    /* Its files (here-docs, files beside the scenario) go as their content:
     * the daemon may not see this host's files (the QEMU appliance, Wine). */
    if (!cli_forward(labdir, c.machine, n, rest, NULL, out, out, &rc)) {
        fprintf(out, "ntlab: no ntlab up serves %s (no control socket)\n", labdir);
        rc = CLI_FAIL;
    }
    fflush(out);
    return rc;
}

/* The commands a scenario may run: those that act on a lab, mail
 * delivery, and errmsg. */
static bool scenario_command_ok(const char *name)
{
    return cli_command_is_forwarded(name) || strcmp(name, "errmsg") == 0;
}

/* --- collecting files --------------------------------------------------------------- */

struct files {
    char **v;
    size_t n, cap;
};

static int files_add(struct files *f, const char *path)
{
    if (f->n >= RUN_MAX_FILES)
        return E2BIG;
    char **v = arr_grow(f->v, &f->cap, f->n, sizeof *v, 64);
    if (!v)
        return ENOMEM;
    f->v = v;
    if (!(f->v[f->n] = strdup(path)))
        return ENOMEM;
    f->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.scn under dir (sorted; fragments elsewhere are not scenarios). */
static int collect_dir(const char *dir, struct files *f, int depth)
{
    if (depth > RUN_DIR_DEPTH)
        return 0;
    struct plat_dir *d;
    int rc = plat_dir_open(dir, &d);
    if (rc)
        return rc;
    struct files here = {0};
    const char *name;
    enum plat_dtype type;
    int e;
    while (rc == 0 && (e = plat_dir_next(d, &name, &type)) == 0) {
        if (name[0] == '.')
            continue;
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", dir, name);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        rc = files_add(&here, path);
    }
    plat_dir_close(d);
    if (here.n)
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    for (size_t i = 0; rc == 0 && i < here.n; i++) {
        struct plat_stat st;
        if (plat_stat(here.v[i], &st) != 0)
            continue;
        size_t l = strlen(here.v[i]);
        if (st.is_dir)
            rc = collect_dir(here.v[i], f, depth + 1);
        else if (l > 4 && strcmp(here.v[i] + l - 4, ".scn") == 0)
            rc = files_add(f, here.v[i]);
    }
    for (size_t i = 0; i < here.n; i++)
        free(here.v[i]);
    free(here.v);
    return rc;
}

/* --- running ------------------------------------------------------------------------ */

struct job {
    const char *path;
    struct scn *s;   /* parsed, or NULL */
    char *parse_err; /* when it did not parse */
};

struct runner {
    struct cli_ctx *ctx;
    struct job *jobs;
    size_t njobs;
    struct scn_run_opts opts;
    bool tap, verbose;
    struct scn_counts counts;
    struct scn_result *results; /* kept for JUnit */
    bool keep_results;
};

/* --export-final DIR: the final lab of each scenario that ran in-process
 * as DIR/NAME.scn (NAME: the scenario's file name), dated by the lab's
 * clock so that a round trip compares equal (README "Export a lab"). */
static void export_final(void *arg, const struct scn *s, struct lab *lab, struct scn_result *r)
{
    const char *dir = arg;
    const char *base = strrchr(s->path, '/');
    base = base ? base + 1 : s->path;
    char name[256], path[4096], err[1024] = "";
    size_t bl = strlen(base);
    if (bl > 4 && strcmp(base + bl - 4, ".scn") == 0)
        bl -= 4;
    snprintf(name, sizeof name, "%.*s", (int)bl, base);
    snprintf(path, sizeof path, "%s/%s.scn", dir, name);
    struct scn_export_opts eo = {.version = cli_version(), .date = lab_clock_now(lab),
                                 .lab_name = name};
    char *text = NULL;
    size_t len = 0;
    int e = scn_export(lab, &eo, &text, &len, err, sizeof err);
    if (e == 0)
        e = afile_write(path, text, len, 0644);
    free(text);
    if (e == 0)
        return;
    char msg[1400];
    snprintf(msg, sizeof msg, "--export-final %.300s: %.1000s", path, err[0] ? err : strerror(e));
    r->status = SCN_FAIL;
    free(r->message);
    r->message = strdup(msg);
}

static int export_final_opt(struct cli_ctx *ctx, struct runner *rn, const char *dir)
{
    if (rn->opts.target || rn->opts.prepare)
        return cli_error(ctx, CLI_USAGE, "run: --export-final DIR runs in-process (no --target "
                                         "or --prepare)");
    int e = afile_mkdirs(dir, 0755);
    if (e)
        return cli_error(ctx, CLI_FAIL, "run: --export-final %s: %s", dir, strerror(e));
    rn->opts.at_end = export_final;
    rn->opts.at_end_arg = (void *)dir;
    return CLI_OK;
}

static void run_job(void *arg, size_t i, struct scn_result *r)
{
    struct runner *rn = arg;
    struct job *j = &rn->jobs[i];
    if (!j->s) {
        scn_result_parse_error(r, j->path, j->parse_err ? j->parse_err : "cannot parse");
        return;
    }
    scn_run(j->s, &rn->opts, r);
}

static void job_done(void *arg, size_t i, struct scn_result *r)
{
    struct runner *rn = arg;
    scn_counts_add(&rn->counts, r);
    if (rn->tap)
        scn_report_tap(rn->ctx->out, i + 1, r);
    else if (rn->opts.prepare && r->status == SCN_PASS)
        /* Nothing was tested: the setup was built, not passed. */
        fprintf(rn->ctx->out,
                "prepared %s from %s (%.1f ms): serve it with 'ntlab -C %s up', then run with "
                "--target HOST:PORT --lab %s\n",
                rn->opts.prepare, r->path, r->seconds * 1000.0, rn->opts.prepare,
                rn->opts.prepare);
    else
        scn_report_text(rn->ctx->out, r, rn->verbose);
    fflush(rn->ctx->out);
    if (rn->keep_results) {
        rn->results[i] = *r;
        memset(r, 0, sizeof *r);
    } else {
        scn_result_free(r);
    }
}

static const char run_usage[] =
    "usage: ntlab run FILE|DIR... [--tag T] [-j N] [--junit FILE] [--tap] [-v] [--transcript]\n"
    "           [--target HOST:PORT [--lab DIR] [--target-smtp HOST:PORT]] [--keep] [--tmp DIR]\n"
    "           [--export-final DIR]\n"
    "           [--allow-outside-files]\n"
    "           | --prepare DIR [--force] FILE";

/* --tag, once per tag; one too many is a usage error. */
static int run_tag_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                       const char *val)
{
    (void)what;
    struct args_words *t = o->to;
    if (t->n == t->max)
        return cli_error(ctx, CLI_USAGE, "%s", run_usage);
    t->v[t->n++] = val;
    return CLI_OK;
}

static int run_jobs_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                        const char *val)
{
    int64_t v;
    if (str_to_i64(val, 1, 256, &v))
        return cli_error(ctx, CLI_USAGE, "%s: -j needs a number of workers (1-256)", what);
    *(long *)o->to = (long)v;
    return CLI_OK;
}

/* A scenario file, or a directory of them; another word starting with a
 * dash is an unknown option. */
static int run_file_word(struct cli_ctx *ctx, const char *what, void *to, const char *a)
{
    struct files *files = to;
    if (a[0] == '-' && a[1])
        return cli_error(ctx, CLI_USAGE, "%s: unknown option '%s'", what, a);
    struct plat_stat st;
    int se = plat_stat(a, &st);
    if (se)
        return cli_error(ctx, CLI_USAGE, "%s: %s: %s", what, a, strerror(se));
    int e = st.is_dir ? collect_dir(a, files, 0) : files_add(files, a);
    if (e)
        return cli_error(ctx, CLI_FAIL, "%s: %s: %s", what, a,
                         e == E2BIG ? "too many scenario files" : strerror(e));
    return CLI_OK;
}

/* The options that go together or not (after the parse). CLI_OK or the
 * usage error. */
static int check_run_opts(struct cli_ctx *ctx, struct runner *rn, const struct files *files)
{
    if (files->n == 0)
        return cli_error(ctx, CLI_USAGE, "run: no scenario files given (FILE.scn or a directory)");
    /* NTLAB_CONTROL=tcp:HOST:PORT names the daemon's control endpoint
     * whatever the lab directory (control.h): admin steps can run. */
    if (rn->opts.target && !rn->opts.labdir && getenv("NTLAB_CONTROL"))
        rn->opts.labdir = ".";
    if (rn->opts.target_smtp && !rn->opts.target)
        return cli_error(ctx, CLI_USAGE, "run: --target-smtp goes with --target");
    if (rn->opts.labdir && !rn->opts.target)
        return cli_error(ctx, CLI_USAGE, "run: --lab goes with --target (the daemon's lab)");
    if (rn->opts.target) {
        char host[SCN_HOST_MAX], port[8];
        if (scn_tcp_split(rn->opts.target, host, port, 0))
            return cli_error(ctx, CLI_USAGE, "run: bad --target '%s' (HOST:PORT)",
                             rn->opts.target);
    }
    if (rn->opts.prepare && (files->n != 1 || rn->opts.target))
        return cli_error(ctx, CLI_USAGE,
                         "run: --prepare DIR takes one scenario file and no --target");
    if (rn->opts.force && !rn->opts.prepare)
        return cli_error(ctx, CLI_USAGE, "run: --force goes with --prepare DIR");
    return CLI_OK;
}

/* Parses every file into rn->jobs, first of all: the tags select, and the
 * workers inherit the parse. A file that does not parse is a job that
 * fails. CLI_OK or CLI_FAIL (out of memory, no scenario has the tags). */
static int parse_jobs(struct cli_ctx *ctx, struct runner *rn, const struct files *files,
                      const char *const *tags, size_t ntags, bool allow_outside)
{
    rn->jobs = calloc(files->n, sizeof *rn->jobs);
    if (!rn->jobs)
        return cli_error(ctx, CLI_FAIL, "run: out of memory");
    struct scn_parse_opts po = {scenario_command_ok, cli_file_args, allow_outside};
    for (size_t i = 0; i < files->n; i++) {
        char err[1024] = "";
        struct scn *s = NULL;
        int e = scn_parse_file(files->v[i], &po, &s, err, sizeof err);
        if (e == ENOMEM)
            return cli_error(ctx, CLI_FAIL, "run: out of memory");
        if (e == 0 && ntags) {
            bool want = false;
            for (size_t k = 0; k < ntags && !want; k++)
                want = scn_has_tag(s, tags[k]);
            if (!want) {
                scn_free(s);
                continue;
            }
        }
        struct job *j = &rn->jobs[rn->njobs++];
        j->path = files->v[i];
        j->s = s;
        if (e)
            j->parse_err = strdup(err);
    }
    if (rn->njobs == 0)
        return cli_error(ctx, CLI_FAIL, "run: no scenario has tag%s %s%s", ntags > 1 ? "s" : "",
                         tags[0], ntags > 1 ? " (or the others)" : "");
    return CLI_OK;
}

/* --junit FILE: the kept results as JUnit XML. 0 or an errno value (said). */
static int write_junit(struct cli_ctx *ctx, const struct runner *rn, const char *junit)
{
    const struct scn_result **v = calloc(rn->njobs, sizeof *v);
    struct buf x = BUF_INIT;
    int je = v ? 0 : ENOMEM;
    for (size_t i = 0; v && i < rn->njobs; i++)
        v[i] = &rn->results[i];
    if (je == 0)
        je = scn_report_junit(&x, (const struct scn_result *const *)v, rn->njobs,
                              "ntlab scenarios");
    if (je == 0)
        je = afile_write(junit, x.p, x.len, 0644);
    if (je)
        cli_error(ctx, CLI_FAIL, "run: cannot write %s: %s", junit, strerror(je));
    buf_free(&x);
    free(v);
    return je;
}

/* Runs the jobs on the workers, reports, and writes --junit. CLI_OK when
 * every scenario passed. */
static int run_jobs(struct cli_ctx *ctx, struct runner *rn, long workers, const char *junit)
{
    rn->keep_results = junit != NULL;
    if (rn->keep_results && !(rn->results = calloc(rn->njobs, sizeof *rn->results)))
        return cli_error(ctx, CLI_FAIL, "run: out of memory");
    if (rn->tap)
        scn_report_tap_begin(ctx->out, rn->njobs);
    int e = scn_pool_run(rn->njobs, (int)workers, run_job, rn, job_done, rn);
    if (e)
        cli_error(ctx, CLI_FAIL, "run: cannot start workers: %s", strerror(e));
    if (rn->tap) {
        scn_report_tap_end(ctx->out, &rn->counts);
    } else if (rn->opts.prepare) {
        if (rn->counts.failed) /* its line and diff say why */
            fprintf(ctx->out, "not prepared: %s\n", rn->opts.prepare);
    } else {
        char line[128];
        scn_counts_line(&rn->counts, line, sizeof line);
        fprintf(ctx->out, "%s\n", line);
    }
    if (junit && write_junit(ctx, rn, junit))
        rn->counts.failed++;
    return rn->counts.failed || e ? CLI_FAIL : CLI_OK;
}

/* --- run --minimize (issue 19; the work is in cmd_minimize.c) ------------------------ */

static const char min_usage[] =
    "usage: ntlab run --minimize FILE [-o OUT] [--force] [--reference TRANSCRIPT] [--tmp DIR]\n"
    "           [--allow-outside-files]";

static int min_word(struct cli_ctx *ctx, const char *what, void *to, const char *a)
{
    struct cli_min_args *m = to;
    if (a[0] == '-' && a[1])
        return cli_error(ctx, CLI_USAGE, "%s: unknown option '%s'\n%s", what, a, min_usage);
    if (m->file)
        return cli_error(ctx, CLI_USAGE, "%s: --minimize takes one scenario file\n%s", what,
                         min_usage);
    m->file = a;
    return CLI_OK;
}

static int run_minimize(struct cli_ctx *ctx, int argc, char **argv, const struct scn_admin *admin)
{
    struct cli_min_args m = {0};
    const struct args_opt opts[] = {
        ARGS_OPT_FLAG("--minimize", &m.minimize),
        ARGS_OPT_STR("-o", &m.out),
        ARGS_OPT_STR("--reference", &m.reference),
        ARGS_OPT_STR("--tmp", &m.tmp),
        ARGS_OPT_FLAG("--force", &m.force),
        ARGS_OPT_FLAG("--allow-outside-files", &m.allow_outside),
    };
    const struct args_spec spec = {.what = "run", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = min_word, .word_to = &m, .unknown_is_word = true};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc != CLI_OK)
        return rc;
    if (!m.file)
        return cli_error(ctx, CLI_USAGE, "run: --minimize needs a scenario file\n%s", min_usage);
    return cli_minimize(ctx, &m, admin, scenario_command_ok);
}

int cmd_run(struct cli_ctx *ctx, int argc, char **argv)
{
    struct runner rn = {.ctx = ctx};
    struct files files = {0};
    const char *tags[64];
    const char *junit = NULL;
    long workers = 1;
    bool allow_outside = false;
    const char *export_dir = NULL;
    struct scn_admin admin = {admin_run, NULL};
    rn.opts.admin = &admin;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--minimize") == 0)
            return run_minimize(ctx, argc, argv, &admin);

    struct args_words tagw = {.v = tags, .max = sizeof tags / sizeof tags[0]};
    const struct args_opt opts[] = {
        ARGS_OPT_CALL("--tag", &tagw, run_tag_opt),
        {.name = "--jobs", .alias = "-j", .kind = ARGS_CALL, .to = &workers, .call = run_jobs_opt,
         .missing = "-j needs a number of workers (1-256)", .joined = true},
        ARGS_OPT_STR("--junit", &junit),
        ARGS_OPT_STR("--target", &rn.opts.target),
        ARGS_OPT_STR("--target-smtp", &rn.opts.target_smtp),
        ARGS_OPT_STR("--lab", &rn.opts.labdir),
        ARGS_OPT_STR("--tmp", &rn.opts.tmpbase),
        ARGS_OPT_STR("--prepare", &rn.opts.prepare),
        ARGS_OPT_FLAG("--force", &rn.opts.force),
        ARGS_OPT_FLAG("--tap", &rn.tap),
        {.name = "--verbose", .alias = "-v", .kind = ARGS_FLAG, .to = &rn.verbose},
        ARGS_OPT_FLAG("--transcript", &rn.opts.want_transcript),
        ARGS_OPT_FLAG("--keep", &rn.opts.keep),
        ARGS_OPT_STR("--export-final", &export_dir),
        /* include and file arguments may leave the scenario's tree */
        ARGS_OPT_FLAG("--allow-outside-files", &allow_outside),
    };
    const struct args_spec spec = {.what = "run", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = run_file_word, .word_to = &files,
                                   .unknown_is_word = true};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc == CLI_OK)
        rc = check_run_opts(ctx, &rn, &files);
    if (rc == CLI_OK && export_dir)
        rc = export_final_opt(ctx, &rn, export_dir);
    rn.opts.want_actual = rn.verbose;
    if (rc == CLI_OK)
        rc = parse_jobs(ctx, &rn, &files, tags, tagw.n, allow_outside);
    if (rc == CLI_OK)
        rc = run_jobs(ctx, &rn, workers, junit);
    for (size_t i = 0; i < rn.njobs; i++) {
        scn_free(rn.jobs[i].s);
        free(rn.jobs[i].parse_err);
    }
    free(rn.jobs);
    for (size_t i = 0; rn.results && i < rn.njobs; i++)
        scn_result_free(&rn.results[i]);
    free(rn.results);
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    return rc;
}

/* --- record ---------------------------------------------------------------------------- */

static int record_sessions_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                               const char *val)
{
    int64_t n;
    if (str_to_i64(val, 1, 1000000, &n))
        return cli_error(ctx, CLI_USAGE, "%s: bad session count '%s'", what, val);
    *(size_t *)o->to = (size_t)n;
    return CLI_OK;
}

/* The upstream HOST:PORT; a word starting with a dash is a usage error. */
static int record_word(struct cli_ctx *ctx, const char *what, void *to, const char *a)
{
    const char **upstream = to;
    if (a[0] == '-')
        return cli_error(ctx, CLI_USAGE, "usage: ntlab record HOST:PORT [--listen ADDR:PORT] "
                                         "[-n SESSIONS] -o FILE");
    if (*upstream)
        return cli_error(ctx, CLI_USAGE, "%s: unexpected argument '%s'", what, a);
    *upstream = a;
    return CLI_OK;
}

int cmd_record(struct cli_ctx *ctx, int argc, char **argv)
{
    struct scn_record_opts o = {.log = ctx->err, .stop_on_request = true};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--listen", &o.listen),
        ARGS_OPT_STR("-o", &o.out_path),
        {.name = "--sessions", .alias = "-n", .kind = ARGS_CALL, .to = &o.max_sessions,
         .call = record_sessions_opt},
    };
    const struct args_spec spec = {.what = "record", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = record_word, .word_to = &o.upstream,
                                   .unknown_is_word = true};
    int perr = args_parse(ctx, &spec, argc, argv, 1);
    if (perr != CLI_OK)
        return perr;
    if (!o.upstream || !o.out_path)
        return cli_error(ctx, CLI_USAGE,
                         "usage: ntlab record HOST:PORT [--listen ADDR:PORT] [-n SESSIONS] -o FILE");
    char err[512] = "";
    int rc = scn_record(&o, err, sizeof err);
    if (rc)
        return cli_error(ctx, CLI_FAIL, "record: %s", err[0] ? err : strerror(rc));
    return CLI_OK;
}

/* The admin runner of scenarios, for the exercise grader (issue 16). */
const struct scn_admin *cli_scenario_admin(void)
{
    static const struct scn_admin admin = {admin_run, NULL};
    return &admin;
}

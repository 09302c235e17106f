/* ntlab up / down / status: the daemon serving a lab (src/net/daemon.h)
 * and its control socket. */
#include "emulator/lab.h"
#include "emulator/query.h"
#include "emulator/scm.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/exchange/exchange.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/net/ctltcp.h"
#include "src/net/daemon.h"
#include "src/scenario/liverec.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DOWN_WAIT_MS 30000

/* Whether a is a file the daemon placed for this request: directly in
 * the lab's .ctl-files/ (sent, sl long), not "../" out of it. */
static bool is_sent(const char *a, const char *sent, size_t sl)
{
    return strncmp(a, sent, sl) == 0 && a[sl] && !strpbrk(a + sl, "/\\");
}

/* Runs a forwarded admin command inside the daemon, against the live lab
 * (cli.h). */
int cli_live_command(void *arg, struct lab *lab, const char *labdir, const char *machine,
                     int argc, char **argv, FILE *out, FILE *err)
{
    (void)arg;
    struct cli_ctx ctx = {.labdir = labdir, .machine = machine, .lab = lab, .live = true,
                          .remote = true, .out = out, .err = err};
    /* export runs live to stdout (the console's Save as scenario, and
     * `ntlab export` while a daemon serves): the lab as it is now; it
     * refuses to write a file inside the daemon (cmd_export.c). */
    bool export = strcmp(argv[0], "export") == 0;
    /* exercise: the console's check, hint and show (cmd_exercise.c refuses
     * the rest inside the daemon: the keys never run here) */
    bool exercise = strcmp(argv[0], "exercise") == 0;
    if (!cli_command_is_forwarded(argv[0]) && !export && !exercise)
        return cli_error(&ctx, CLI_USAGE, "'%s' does not run inside the daemon", argv[0]);
    /* Every file comes with the command (control.h files; cli_forward sends
     * them), placed under LAB/.ctl-files/: the daemon never opens a path a
     * client named. Such a path is the daemon's host's file, not the
     * caller's: a message would put it into a mailbox readable over POP3,
     * and a template's or persona's errors would quote it to a client
     * that may be on another host (TCP control). */
    char sent[4200];
    int sl = snprintf(sent, sizeof sent, "%s/.ctl-files/", labdir);
    if (sl <= 0 || (size_t)sl >= sizeof sent)
        return cli_error(&ctx, CLI_FAIL, "%s: lab path too long", argv[0]);
    int idx[CONTROL_ARGC_MAX];
    int nf = cli_file_words(argc, argv, idx, (int)CONTROL_ARGC_MAX);
    for (int i = 0; i < nf; i++)
        if (!is_sent(argv[idx[i]], sent, (size_t)sl))
            return cli_error(&ctx, CLI_USAGE, /* argv[1]: only policy import, persona
                                                 add and mail deliver read files */
                             "%s %s: inside the daemon a file comes sent with the command "
                             "(ntlab sends it), not named by its path: '%s'",
                             argv[0], argv[1], argv[idx[i]]);
    return cli_dispatch(&ctx, argc, argv);
}

/* --listen, once per listener: into listen, the array behind cfg->listen. */
struct up_listen {
    struct daemon_config *cfg;
    const char **listen;
};

static int up_listen_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                         const char *val)
{
    struct up_listen *l = o->to;
    if (l->cfg->nlisten == DAEMON_MAX_LISTEN)
        return cli_error(ctx, CLI_USAGE, "%s: at most %d --listen", what, DAEMON_MAX_LISTEN);
    char why[400];
    if (daemon_listen_check(val, why, sizeof why))
        return cli_error(ctx, CLI_USAGE, "%s: %s", what, why);
    l->listen[l->cfg->nlisten++] = val;
    return CLI_OK;
}

/* --listen-smtp, once per SMTP listener (issue 18): as --listen. */
static int up_listen_smtp_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                              const char *val)
{
    struct up_listen *l = o->to;
    if (l->cfg->nlisten_smtp == DAEMON_MAX_LISTEN)
        return cli_error(ctx, CLI_USAGE, "%s: at most %d --listen-smtp", what, DAEMON_MAX_LISTEN);
    char why[400];
    if (daemon_listen_check(val, why, sizeof why))
        return cli_error(ctx, CLI_USAGE, "%s: %s", what, why);
    l->listen[l->cfg->nlisten_smtp++] = val;
    return CLI_OK;
}

static int up_control_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                          const char *val)
{
    struct net_addr ca;
    if (ctltcp_spec_parse(val, &ca))
        return cli_error(ctx, CLI_USAGE, "%s: bad --control '%s' (tcp:ADDR:PORT)", what, val);
    *(const char **)o->to = val;
    return CLI_OK;
}

static int up_max_connections_opt(struct cli_ctx *ctx, const char *what,
                                  const struct args_opt *o, const char *val)
{
    int64_t v;
    if (str_to_i64(val, 1, 1000000, &v))
        return cli_error(ctx, CLI_USAGE, "%s: bad --max-connections '%s' (1-1000000)", what, val);
    *(size_t *)o->to = (size_t)v;
    return CLI_OK;
}

static int up_max_conn_rate_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                                const char *val)
{
    int64_t v;
    if (str_to_i64(val, 0, 1000000, &v))
        return cli_error(ctx, CLI_USAGE,
                         "%s: bad --max-conn-rate '%s' (connections per address per second, "
                         "0-1000000; 0 = no limit)", what, val);
    *(int64_t *)o->to = v ? v : -1;
    return CLI_OK;
}

static int up_idle_timeout_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                               const char *val)
{
    int64_t v;
    if (str_to_duration(val, &v) || v < 1 || v > 86400 * 7)
        return cli_error(ctx, CLI_USAGE,
                         "%s: bad --idle-timeout '%s' (e.g. 600, 10m; RFC 1939 wants at least "
                         "10 minutes)", what, val);
    *(int64_t *)o->to = v;
    return CLI_OK;
}

/* up --record FILE [--append] (issue 19): the recording starts here, in
 * the caller's process, so a refusal (the file exists) is the caller's
 * error; the daemon appends to it. The header names the lab by its
 * directory and dates it by the lab's clock (as ntlab export). */
static int up_record_start(struct cli_ctx *ctx, struct lab *lab, const char *path, bool append,
                           struct scn_liverec **rec, char **abs)
{
    int e = cli_absolute_path(path, abs);
    if (e)
        return cli_error(ctx, CLI_FAIL, "up: --record %s: %s", path, strerror(e));
    const char *slash = strrchr(ctx->labdir, '/');
    struct scn_liverec_opts o = {.path = *abs, .append = append, .version = cli_version(),
                                 .date = lab_clock_now(lab),
                                 .lab_name = slash && slash[1] ? slash + 1 : ctx->labdir};
    char err[1024] = "";
    e = scn_liverec_open(lab, &o, rec, err, sizeof err);
    if (e)
        return cli_error(ctx, CLI_FAIL, "up: --record: %s", err[0] ? err : strerror(e));
    return CLI_OK;
}

int cmd_up(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *listen[DAEMON_MAX_LISTEN];
    struct daemon_config cfg = {.listen = listen, .command = cli_live_command, .out = ctx->out};
    struct up_listen ul = {&cfg, listen};
    const char *listen_smtp[DAEMON_MAX_LISTEN];
    struct up_listen uls = {&cfg, listen_smtp};
    cfg.listen_smtp = listen_smtp;
    const char *record = NULL;
    bool append = false;
    const struct args_opt opts[] = {
        ARGS_OPT_FLAG("--foreground", &cfg.foreground),
        ARGS_OPT_FLAG("--rate-limit-loopback", &cfg.rate_loopback),
        ARGS_OPT_CALL("--listen", &ul, up_listen_opt),
        ARGS_OPT_CALL("--listen-smtp", &uls, up_listen_smtp_opt),
        ARGS_OPT_CALL("--control", &cfg.control_tcp, up_control_opt),
        ARGS_OPT_STR("--control-secret-file", &cfg.control_secret_file),
        ARGS_OPT_STR("--http", &cfg.http),
        ARGS_OPT_CALL("--max-connections", &cfg.max_connections, up_max_connections_opt),
        ARGS_OPT_CALL("--max-conn-rate", &cfg.max_conn_rate, up_max_conn_rate_opt),
        ARGS_OPT_CALL("--idle-timeout", &cfg.idle_timeout, up_idle_timeout_opt),
        ARGS_OPT_STR("--record", &record),
        ARGS_OPT_FLAG("--append", &append),
    };
    const struct args_spec spec = {.what = "up", .opts = opts, .nopts = ARGS_COUNT(opts)};
    int perr = args_parse(ctx, &spec, argc, argv, 1);
    if (perr != CLI_OK)
        return perr;
    if (!cfg.control_tcp != !cfg.control_secret_file)
        return cli_error(ctx, CLI_USAGE,
                         "up: --control tcp:ADDR:PORT and --control-secret-file go together");
    if (ctx->live)
        return cli_error(ctx, CLI_USAGE, "up: the daemon is already running");
    if (append && !record)
        return cli_error(ctx, CLI_USAGE, "up: --append goes with --record FILE.scn");
    /* The daemon leaves its working directory: it needs the lab's absolute path. */
    static char absdir[PATH_MAX];
    int re = plat_realpath(ctx->labdir, absdir, sizeof absdir);
    if (re)
        return cli_error(ctx, CLI_FAIL, "up: %s: %s", ctx->labdir, strerror(re));
    if (ctx->lab)
        cli_close(ctx);
    cfg.labdir_shown = ctx->labdir; /* the welcome text names the lab as the user did */
    ctx->labdir = absdir;
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    cfg.labdir = absdir;
    /* The same for the secret file: read after the daemon went to "/". */
    char *secret_abs = NULL;
    if (cfg.control_secret_file) {
        int e = cli_absolute_path(cfg.control_secret_file, &secret_abs);
        if (e)
            return cli_error(ctx, CLI_FAIL, "up: %s: %s", cfg.control_secret_file, strerror(e));
        cfg.control_secret_file = secret_abs;
    }
    struct scn_liverec *rec = NULL;
    char *record_abs = NULL;
    struct daemon_recorder hooks = scn_liverec_hooks;
    if (record) {
        int rrc = up_record_start(ctx, lab, record, append, &rec, &record_abs);
        if (rrc != CLI_OK) {
            free(secret_abs);
            free(record_abs);
            return rrc;
        }
        hooks.arg = rec;
        cfg.record = &hooks;
    }
    bool is_daemon;
    int rc = daemon_up(lab, &cfg, ctx->err, &is_daemon);
    free(secret_abs);
    scn_liverec_free(rec);
    free(record_abs);
    return rc;
}

static int no_daemon(struct cli_ctx *ctx, const char *what)
{
    return cli_error(ctx, CLI_FAIL, "%s: no daemon serves %s (start one with 'ntlab -C %s up')",
                     what, ctx->labdir, ctx->labdir);
}

int cmd_down(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc != 1)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab down");
    if (ctx->live)
        return cli_error(ctx, CLI_USAGE, "down: use the control socket");
    long pid = daemon_pid(ctx->labdir);
    int rc;
    if (!control_forward(ctx->labdir, NULL, argc, argv, ctx->out, ctx->err, &rc))
        return no_daemon(ctx, "down");
    if (rc != CLI_OK)
        return rc;
    /* Wait until it has shut the machines down and released the lab. */
    for (int waited = 0; waited < DOWN_WAIT_MS; waited += 20) {
        if (!daemon_pid(ctx->labdir)) {
            fprintf(ctx->out, "ntlab: stopped%s\n", pid ? "" : " (pid unknown)");
            return CLI_OK;
        }
        plat_sleep_ms(20);
    }
    return cli_error(ctx, CLI_FAIL, "down: the daemon (pid %ld) did not stop within %d s", pid,
                     DOWN_WAIT_MS / 1000);
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc != 1)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab status");
    if (ctx->live)
        return cli_error(ctx, CLI_USAGE, "status: use the control socket");
    int rc;
    if (control_forward(ctx->labdir, ctx->machine, argc, argv, ctx->out, ctx->err, &rc))
        return rc;
    /* No daemon: what is configured, from disk. */
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    fprintf(ctx->out, "daemon: not running (start it with 'ntlab -C %s up')\nmachines:\n",
            ctx->labdir);
    struct query_service *s = malloc(sizeof *s);
    for (size_t i = 0; s && i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        struct query_machine q;
        query_machine(m, &q);
        fprintf(ctx->out, "  %-15s %-10s %-14s %-15s down\n", q.name, machine_role_name(q.role),
                osver_display(q.os), q.domain[0] ? q.domain : "-");
        for (size_t j = 0; j < q.nservices; j++)
            if (query_service_at(m, j, s) == STATUS_SUCCESS)
                fprintf(ctx->out, "    service %-18s %-8s %-8s %-14s %s\n", s->name, "stopped",
                        scm_start_type_name(s->start), s->image, s->account);
    }
    free(s);
    return CLI_FAIL;
}

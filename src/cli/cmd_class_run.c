/* `ntlab class up|down|status|report DIR` (issue 16): every student's lab
 * served by its own `ntlab up` daemon on the class's ports. */
#include "src/cli/class_spawn.h"
#include "src/cli/cli.h"
#include "src/exercise/class.h"
#include "src/exercise/progress.h"
#include "src/lib/plat.h"
#include "src/net/daemon.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* up or down for every lab; exit 0 when each one is (now) as asked. */
static int class_updown(struct cli_ctx *ctx, const char *dir, const struct class_conf *c,
                        bool up)
{
    int *rc = calloc(c->n, sizeof *rc);
    if (!rc)
        return cli_error(ctx, CLI_FAIL, "class: out of memory");
    const char *what = up ? "up" : "down";
    int e = class_spawn_all(dir, c, what, up ? class_up_argv : class_down_argv, NULL, rc);
    int out = e == ENOSYS ? cli_error(ctx, CLI_FAIL, "class %s: %s", what, CLASS_NOSPAWN)
                          : CLI_OK;
    size_t done = 0, already = 0;
    for (size_t i = 0; e != ENOSYS && i < c->n; i++) {
        if (rc[i] == -2) {
            already++;
        } else if (rc[i] == 0) {
            done++;
        } else {
            out = cli_error(ctx, CLI_FAIL, "class %s: %s: 'ntlab %s' failed (exit %d):", what,
                            c->s[i].login, what, rc[i]);
            class_log_show(ctx->err, dir, c->s[i].login, what);
        }
    }
    if (e != ENOSYS)
        fprintf(ctx->out, "class %s: %zu %s, %zu already %s, %zu failed\n", what, done,
                up ? "started" : "stopped", already, up ? "running" : "stopped",
                c->n - done - already);
    free(rc);
    return out;
}

static int class_status(struct cli_ctx *ctx, const char *dir, const struct class_conf *c)
{
    size_t running = 0;
    fprintf(ctx->out, "class %s: %s %s, %zu students\n", dir, c->preset ? "preset" : "exercise",
            c->exercise, c->n);
    fprintf(ctx->out, "%-16s %s%*s %-8s %-8s %5s %5s %7s  %s\n", "LOGIN", "NAME", 20, "", "STATE", "PID",
            "POP3", "SMTP", "CONSOLE", "GOALS MET");
    for (size_t i = 0; i < c->n; i++) {
        const struct class_student *s = &c->s[i];
        char lab[4096], pid[24] = "-", goals[32] = "-";
        if (class_lab_path(lab, sizeof lab, dir, s->login))
            continue;
        long p = daemon_pid(lab);
        if (p) {
            snprintf(pid, sizeof pid, "%ld", p);
            running++;
        }
        struct progress pr;
        char err[512];
        if (progress_load(lab, &pr, err, sizeof err) == 0) {
            if (pr.ngoals)
                snprintf(goals, sizeof goals, "%zu/%zu", progress_met(&pr), pr.ngoals);
            progress_free(&pr);
        }
        fprintf(ctx->out, "%-16s %s%*s %-8s %-8s %5u %5u %7u  %s\n", s->login, s->display,
                class_pad(s->display, 24), "",
                p ? "running" : "stopped", pid, s->pop3, s->smtp, s->console, goals);
    }
    fprintf(ctx->out, "%zu of %zu labs served\n", running, c->n);
    return running == c->n ? CLI_OK : CLI_FAIL;
}

int cmd_class_run(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *sub = argv[1];
    bool report = strcmp(sub, "report") == 0;
    const char *dir = NULL, *format = "text";
    for (int i = 2; i < argc; i++) {
        if (report && (strcmp(argv[i], "--csv") == 0 || strcmp(argv[i], "--json") == 0))
            format = argv[i] + 2;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_error(ctx, CLI_USAGE, "class %s: unknown option '%s'", sub, argv[i]);
        else if (dir)
            return cli_error(ctx, CLI_USAGE, "class %s: unexpected argument '%s'", sub, argv[i]);
        else
            dir = argv[i];
    }
    if (!dir)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab class %s DIR%s", sub,
                         report ? " [--csv|--json]" : "");
    struct class_conf c;
    char err[4400];
    if (class_conf_load(dir, &c, err, sizeof err))
        return cli_error(ctx, CLI_FAIL, "class %s: %s", sub, err);
    int rc;
    if (strcmp(sub, "status") == 0)
        rc = class_status(ctx, dir, &c);
    else if (report)
        rc = class_report(ctx, dir, &c, format);
    else
        rc = class_updown(ctx, dir, &c, strcmp(sub, "up") == 0);
    class_conf_free(&c);
    return rc;
}

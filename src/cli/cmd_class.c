/* `ntlab class init`: a lab per student of a roster (issue 16), and the
 * subcommand dispatch of `class` (up, down, status, report: cmd_class_run.c). */
#include "src/cli/args.h"
#include "src/cli/class_spawn.h"
#include "src/cli/cli.h"
#include "src/exercise/class.h"
#include "src/exercise/roster.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int port_base_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                         const char *val)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(val, &end, 10);
    if (errno || !*val || *end || *val == '-' || v < 1024 || v > 65535)
        return cli_error(ctx, CLI_USAGE, "%s: --port-base '%s' is not a port from 1024 to 65535",
                         what, val);
    *(unsigned *)o->to = (unsigned)v;
    return CLI_OK;
}

/* Builds every lab in tmp; CLI_OK or CLI_FAIL after saying which failed. */
static int init_labs(struct cli_ctx *ctx, const char *tmp, const struct class_conf *c)
{
    int *rc = calloc(c->n, sizeof *rc);
    if (!rc)
        return cli_error(ctx, CLI_FAIL, "class init: out of memory");
    int e = class_spawn_all(tmp, c, "start", class_start_argv, NULL, rc);
    int out = CLI_OK;
    if (e == ENOSYS)
        out = cli_error(ctx, CLI_FAIL, "class init: %s", CLASS_NOSPAWN);
    for (size_t i = 0; out == CLI_OK && i < c->n; i++) {
        char lab[4096];
        int ce = class_lab_path(lab, sizeof lab, tmp, c->s[i].login);
        if (rc[i] == 0 && !ce)
            ce = plat_chmod(lab, CLASS_LAB_MODE);
        if (rc[i] != 0 || ce) {
            char cmd[128];
            snprintf(cmd, sizeof cmd, c->preset ? "init LAB --preset %s" : "exercise start %s "
                     "LAB --seed %lu", c->exercise, (unsigned long)c->s[i].seed);
            out = cli_error(ctx, CLI_FAIL,
                            "class init: %s (student %zu): 'ntlab %s' failed (exit %d)%s; "
                            "nothing was created",
                            c->s[i].login, i + 1, cmd, rc[i],
                            rc[i] == 0 ? ", then the lab's mode could not be set" : "");
            class_log_show(ctx->err, tmp, c->s[i].login, "start");
        }
    }
    free(rc);
    return out;
}

/* Copies the roster as given into instructor/roster (the class's record). */
static int keep_roster(const char *tmp, const char *roster)
{
    char *text, p[4096];
    size_t len;
    int e = afile_read(roster, ROSTER_FILE_MAX, &text, &len);
    if (e)
        return e;
    e = class_path(p, sizeof p, tmp, "instructor/roster");
    if (!e)
        e = afile_write(p, text, len, 0600);
    free(text);
    return e;
}

static int class_init(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *exercise = NULL, *preset = NULL, *roster_file = NULL, *dirv[1];
    unsigned base = CLASS_PORT_BASE_DEFAULT;
    struct args_words dir = {dirv, 0, 1, NULL};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--exercise", &exercise),
        ARGS_OPT_STR("--preset", &preset),
        ARGS_OPT_STR("--roster", &roster_file),
        ARGS_OPT_CALL("--port-base", &base, port_base_opt),
    };
    const struct args_spec spec = {.what = "class init", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &dir};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    if (dir.n != 1 || !exercise == !preset || !roster_file)
        return cli_error(ctx, CLI_USAGE,
                         "usage: ntlab class init DIR (--exercise NAME|--preset NAME) --roster "
                         "FILE [--port-base N]");
    char err[4400];
    struct roster r;
    struct class_conf c;
    if (roster_load(roster_file, &r, err, sizeof err))
        return cli_error(ctx, CLI_FAIL, "class init: %s", err);
    int e = roster_fill_seeds(&r);
    if (!e)
        e = class_conf_make(&c, exercise ? exercise : preset, !exercise, &r, base, err,
                            sizeof err);
    roster_free(&r);
    if (e)
        return cli_error(ctx, CLI_FAIL, "class init: %s", e == EINVAL ? err : strerror(e));
    if (class_dir_check(dirv[0], err, sizeof err)) {
        class_conf_free(&c);
        return cli_error(ctx, CLI_FAIL, "class init: %s", err);
    }
    char tmp[4096] = "";
    e = class_dir_begin(dirv[0], tmp, sizeof tmp);
    rc = e ? cli_error(ctx, CLI_FAIL, "class init: %s: %s", dirv[0], plat_strerror(e)) : CLI_OK;
    if (rc == CLI_OK)
        rc = init_labs(ctx, tmp, &c);
    if (rc == CLI_OK && ((e = keep_roster(tmp, roster_file)) || (e = class_conf_save(tmp, &c)) ||
                         (e = class_dir_commit(tmp, dirv[0]))))
        rc = cli_error(ctx, CLI_FAIL, "class init: %s: %s; nothing was created", dirv[0],
                       plat_strerror(e));
    if (rc != CLI_OK && tmp[0])
        class_dir_abort(tmp); /* the labs made so far: a failed init leaves nothing */
    if (rc == CLI_OK)
        fprintf(ctx->out, "class %s: %zu labs of %s %s, ports %u-%u; serve them with "
                "'ntlab class up %s'\n", dirv[0], c.n, c.preset ? "preset" : "exercise",
                c.exercise, c.port_base,
                c.port_base + (unsigned)c.n * CLASS_PORTS_PER_STUDENT - 1, dirv[0]);
    class_conf_free(&c);
    return rc;
}

int cmd_class(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "init") == 0)
        return class_init(ctx, argc, argv);
    if (strcmp(sub, "up") == 0 || strcmp(sub, "down") == 0 || strcmp(sub, "status") == 0 ||
        strcmp(sub, "report") == 0)
        return cmd_class_run(ctx, argc, argv);
    return cli_error(ctx, CLI_USAGE,
                     "class: expected init, up, down, status or report (got '%s')", sub);
}

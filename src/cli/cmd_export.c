/* ntlab export: the lab as a scenario (src/scenario/export.h), on stdout
 * or written atomically to -o FILE. */
#include "emulator/lab.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/afile.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/net/daemon.h"
#include "src/scenario/export.h"
#include <errno.h>
#include "src/lib/plat.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lab's name for the header: its directory's last component. */
static void lab_name(const char *dir, char *out, size_t n)
{
    char real[PATH_MAX];
    const char *p = plat_realpath(dir, real, sizeof real) == 0 ? real : dir;
    const char *slash = strrchr(p, '/');
    const char *bs = strrchr(p, '\\'); /* Windows paths */
    if (bs && (!slash || bs > slash))
        slash = bs;
    str_copy(out, n, slash && slash[1] ? slash + 1 : p);
}

/* The export from the daemon serving the lab: the lab as it is now (its
 * clock runs, its machines are up), as the console's Save as scenario
 * gets it. -o stays the client's: the daemon writes nothing. true when a
 * daemon answered (*rc its exit code, *text what it printed). */
static bool export_live(struct cli_ctx *ctx, const char *name, const char *date, char **text,
                        size_t *len, int *rc)
{
    if (ctx->live || !daemon_pid(ctx->labdir))
        return false;
    char *v[6] = {"export"};
    int n = 1;
    if (name)
        v[n++] = "--name", v[n++] = (char *)name;
    if (date)
        v[n++] = "--date", v[n++] = (char *)date;
    struct plat_memstream ms;
    FILE *f = plat_memstream_open(&ms, text, len);
    if (!f)
        return false;
    bool ran = control_forward(ctx->labdir, NULL, n, v, f, ctx->err, rc);
    plat_memstream_close(&ms);
    if (!ran) {
        free(*text);
        *text = NULL;
    }
    return ran;
}

static int export_write(struct cli_ctx *ctx, const char *outpath, char *text, size_t len)
{
    int e = 0;
    if (!outpath || strcmp(outpath, "-") == 0)
        fwrite(text, 1, len, ctx->out);
    else
        e = afile_write(outpath, text, len, 0644);
    free(text);
    if (e)
        return cli_error(ctx, CLI_FAIL, "export: %s: %s", outpath, strerror(e));
    return CLI_OK;
}

int cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *outpath = NULL, *name = NULL, *date = NULL;
    const struct args_opt opts[] = {
        ARGS_OPT_STR("-o", &outpath),
        ARGS_OPT_STR("--name", &name),
        ARGS_OPT_STR("--date", &date),
    };
    const struct args_spec spec = {.what = "export", .opts = opts, .nopts = ARGS_COUNT(opts)};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc != CLI_OK)
        return rc;
    if (ctx->live && outpath && strcmp(outpath, "-") != 0)
        return cli_error(ctx, CLI_USAGE, "export: inside the daemon it writes to stdout only "
                                         "(the client writes -o FILE)");
    int64_t when = 0;
    if (date && str_to_i64(date, 0, INT64_C(253402300799), &when))
        return cli_error(ctx, CLI_USAGE, "export: bad --date '%s' (seconds since 1970, UTC)", date);
    char *text = NULL;
    size_t len = 0;
    int lrc;
    if (export_live(ctx, name, date, &text, &len, &lrc)) {
        if (lrc != CLI_OK) {
            free(text);
            return lrc; /* the daemon printed why */
        }
        return export_write(ctx, outpath, text, len);
    }
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    char nm[256];
    if (name)
        str_copy(nm, sizeof nm, name);
    else
        lab_name(ctx->labdir, nm, sizeof nm);
    /* Default date: the lab's clock (ntlab reads time from the lab clock;
     * on a daemon's lab that is the time of day). */
    struct scn_export_opts o = {.version = cli_version(), .date = date ? when : lab_clock_now(lab),
                                .lab_name = nm};
    char err[1024] = "";
    int e = scn_export(lab, &o, &text, &len, err, sizeof err);
    if (e)
        return cli_error(ctx, CLI_FAIL, "export: %s", err[0] ? err : strerror(e));
    return export_write(ctx, outpath, text, len);
}

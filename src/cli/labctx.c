/* Opening the lab for a command, and finding its target machine. */
#include "emulator/lab.h"
#include "src/cli/cli.h"
#include "src/exchange/exchange.h"
#include "src/lib/plat.h"
#include "src/net/control.h"
#include "src/net/daemon.h"
#include <stdlib.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Whether dir is missing or an empty directory: only then may the hint
 * suggest making the lab there (never in a source tree or a home). */
static bool dir_unused(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        struct stat st;
        return stat(dir, &st) != 0;
    }
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* labdir is no lab: say what to do instead, with paths the user can paste. */
static void not_a_lab(struct cli_ctx *ctx)
{
    const char *dir = ctx->labdir;
    if (dir_unused(dir)) {
        cli_error(ctx, CLI_FAIL, "%s is not a lab (no lab.conf); create one with 'ntlab init %s'",
                  dir, dir);
        return;
    }
    /* `make run` makes lab/ in the source tree: name it rather than a new one. */
    char sub[4096], conf[4200];
    bool here = strcmp(dir, ".") == 0;
    snprintf(sub, sizeof sub, "%s%slab", here ? "" : dir, here ? "" : "/");
    snprintf(conf, sizeof conf, "%s/lab.conf", sub);
    struct stat st;
    if (stat(conf, &st) == 0) {
        cli_error(ctx, CLI_FAIL, "%s is not a lab (no lab.conf); the lab %s is: 'ntlab -C %s %s'",
                  dir, sub, sub, "COMMAND ...");
        return;
    }
    cli_error(ctx, CLI_FAIL,
              "%s is not a lab (no lab.conf) and holds other files; create a lab in a new "
              "directory with 'ntlab init %s' and name it with 'ntlab -C %s COMMAND ...'",
              dir, sub, sub);
}

int cli_lab_create(struct cli_ctx *ctx, const char *dir, struct lab **lab)
{
    char err[512] = "";
    ntstatus s = lab_open(dir, true, lab, err, sizeof err);
    if (s != STATUS_SUCCESS)
        return cli_error(ctx, CLI_FAIL, "init: cannot create lab %s: %s", dir,
                         err[0] ? err : nterr_status_symbol(s));
    return CLI_OK;
}

struct lab *cli_lab(struct cli_ctx *ctx)
{
    if (ctx->lab)
        return ctx->lab;
    char err[512] = "";
    ntstatus st = lab_open(ctx->labdir, false, &ctx->lab, err, sizeof err);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND) {
        not_a_lab(ctx);
        return NULL;
    }
    if (st != STATUS_SUCCESS) {
        cli_error(ctx, CLI_FAIL, "cannot open lab %s: %s", ctx->labdir,
                  err[0] ? err : nterr_status_symbol(st) ? nterr_status_symbol(st) : "error");
        ctx->lab = NULL;
        return NULL;
    }
    /* Every machine knows the Exchange store's service image, so that a
     * boot or `service start` outside the daemon runs it too (a malformed
     * services.conf surfaces at boot with its file and line). */
    for (size_t i = 0; i < lab_machine_count(ctx->lab); i++)
        (void)exchange_register(lab_machine_at(ctx->lab, i));
    return ctx->lab;
}

struct machine *cli_machine(struct cli_ctx *ctx)
{
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return NULL;
    if (ctx->machine)
        return cli_computer(ctx, ctx->machine, "");
    if (lab_machine_count(lab) == 0) {
        cli_error(ctx, CLI_FAIL, "lab %s has no machine; add one with 'ntlab machine add'",
                  ctx->labdir);
        return NULL;
    }
    return lab_machine_at(lab, 0);
}

void cli_close(struct cli_ctx *ctx)
{
    if (ctx->lab && !ctx->live) {
        lab_free(ctx->lab);
        ctx->lab = NULL;
    }
}

bool cli_capture(const char *labdir, int argc, char **argv, bool local, char **text, int *rc)
{
    size_t len = 0;
    struct plat_memstream ms;
    *text = NULL;
    *rc = 1;
    FILE *f = plat_memstream_open(&ms, text, &len);
    if (!f)
        return false;
    bool ran = daemon_pid(labdir) && control_forward(labdir, NULL, argc, argv, f, f, rc);
    if (!ran && local) {
        struct cli_ctx c2 = {.labdir = labdir, .out = f, .err = f};
        *rc = cli_dispatch(&c2, argc, argv);
        cli_close(&c2);
        ran = true;
    }
    plat_memstream_close(&ms);
    return ran;
}

void cli_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

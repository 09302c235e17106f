/* ntlab persona add NAME FILE | list: a lab's own POP3 personas, the files
 * LAB/personas/NAME.persona that `machine add --persona NAME` and the
 * Exchange store find before the built-ins (src/pop3/persona.h). A scenario
 * brings its persona this way, inline (a here-doc for FILE) or as a file
 * beside it. */
#include "emulator/lab.h"
#include "src/cli/cli.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/pop3/persona.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PERSONA_LIST_MAX 256 /* personas listed (built-in + the lab's) */

static bool is_builtin(const char *name)
{
    char names[64][PERSONA_NAME_MAX];
    size_t n = persona_builtin_list(names, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Checks the text as a persona of the lab (inherit finds the lab's
 * personas, then the built-ins) and writes it durably. */
static int persona_add(struct cli_ctx *ctx, struct lab *lab, const char *name, const char *path)
{
    if (!persona_name_valid(name))
        return cli_error(ctx, CLI_USAGE,
                         "persona add: '%.64s' is not a persona name (1-%d letters, digits, '.', "
                         "'_', '-', not starting with '.')",
                         name, PERSONA_NAME_MAX - 1);
    /* A lab file shadows the built-in of its name, and a persona inheriting
     * that built-in would then inherit itself: only new names. */
    if (is_builtin(name))
        return cli_error(ctx, CLI_FAIL,
                         "persona add: %s is a built-in persona; give yours another name (it may "
                         "'inherit %s')",
                         name, name);
    char dir[4200], file[4300];
    snprintf(dir, sizeof dir, "%s/personas", lab_dir(lab));
    snprintf(file, sizeof file, "%s/%s.persona", dir, name);
    struct plat_stat st;
    if (plat_stat(file, &st) == 0)
        return cli_error(ctx, CLI_FAIL, "persona add: the lab already has a persona %s", name);
    char *data;
    size_t len;
    int e = afile_read(path, PERSONA_FILE_MAX, &data, &len);
    if (e)
        return cli_error(ctx, CLI_FAIL, "persona add: %s: %s", path,
                         e == EFBIG ? "file too large (a persona is at most 64 KiB)"
                                    : plat_strerror(e));
    struct persona *p = NULL;
    char err[512] = "";
    e = persona_parse(name, data, len, dir, &p, err, sizeof err);
    if (e) {
        free(data);
        return e == ENOMEM ? cli_error(ctx, CLI_FAIL, "persona add: out of memory")
                           : cli_error(ctx, CLI_FAIL, "persona add: %s", err);
    }
    e = plat_mkdir(dir, 0755);
    if (e == 0 || e == EEXIST)
        e = afile_write(file, data, len, 0644);
    free(data);
    if (e) {
        persona_free(p);
        return cli_error(ctx, CLI_FAIL, "persona add: cannot write %s: %s", file,
                         plat_strerror(e));
    }
    fprintf(ctx->out, "persona %s added: version %s\n", name, p->version);
    persona_free(p);
    return CLI_OK;
}

/* One line a persona: NAME, where it comes from, its version. */
static void list_one(struct cli_ctx *ctx, const char *name, const char *dir, const char *where)
{
    struct persona *p = NULL;
    char err[512] = "";
    if (persona_find(name, dir, &p, err, sizeof err) == 0) {
        fprintf(ctx->out, "%-24s %-9s %s\n", name, where, p->version);
        persona_free(p);
    } else {
        fprintf(ctx->out, "%-24s %-9s (does not load: %s)\n", name, where,
                ctx->remote ? "see ntlab status on its host" : err);
    }
}

static int persona_list(struct cli_ctx *ctx, struct lab *lab)
{
    char names[64][PERSONA_NAME_MAX];
    size_t n = persona_builtin_list(names, 64);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/personas", lab_dir(lab));
    for (size_t i = 0; i < n && i < 64; i++)
        list_one(ctx, names[i], NULL, "built-in");
    struct plat_dir *d;
    if (plat_dir_open(dir, &d) != 0)
        return CLI_OK; /* no lab personas yet */
    const char *fname;
    enum plat_dtype type;
    size_t shown = 0;
    while (plat_dir_next(d, &fname, &type) == 0 && shown < PERSONA_LIST_MAX) {
        size_t fl = strlen(fname);
        if (fl <= 8 || strcmp(fname + fl - 8, ".persona") != 0 || fl - 8 >= PERSONA_NAME_MAX)
            continue;
        char name[PERSONA_NAME_MAX];
        memcpy(name, fname, fl - 8);
        name[fl - 8] = 0;
        if (!persona_name_valid(name))
            continue;
        list_one(ctx, name, dir, "lab");
        shown++;
    }
    plat_dir_close(d);
    return CLI_OK;
}

int cmd_persona(struct cli_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "usage: ntlab persona add NAME FILE | list";
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "%s", usage);
    bool add = strcmp(argv[1], "add") == 0, list = strcmp(argv[1], "list") == 0;
    if (!add && !list)
        return cli_error(ctx, CLI_USAGE, "persona: unknown subcommand '%s' (add, list)", argv[1]);
    if ((add && argc != 4) || (list && argc != 2))
        return cli_error(ctx, CLI_USAGE, "%s", usage);
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return CLI_FAIL;
    return add ? persona_add(ctx, lab, argv[2], argv[3]) : persona_list(ctx, lab);
}

/* ntlab init LABDIR: a new lab holding one machine (a member server also
 * gets its domain's PDC, since a member needs a domain to belong to). */
#include "emulator/lab.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/cli/preset.h"
#include "src/lib/str.h"
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_ADMIN_PASSWORD "Admin1"

static int os_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                   const char *val)
{
    if (!osver_parse(val, o->to))
        return cli_error(ctx, CLI_USAGE, "%s: unknown --os '%s' (nt4, w2k or xp)", what, val);
    return CLI_OK;
}

static int role_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                     const char *val)
{
    enum machine_role *role = o->to;
    if (!machine_role_parse(val, role) || *role == ROLE_BDC)
        return cli_error(ctx, CLI_USAGE, "%s: unknown --role '%s' (member, pdc or standalone)",
                         what, val);
    return CLI_OK;
}

int cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *dir = NULL, *name = "NTSRV", *domain = NULL, *preset = NULL;
    const char *adminpw = DEFAULT_ADMIN_PASSWORD;
    enum osver os = OSVER_NT4;
    enum machine_role role = ROLE_STANDALONE;
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--name", &name),
        ARGS_OPT_CALL("--os", &os, os_opt),
        ARGS_OPT_CALL("--role", &role, role_opt),
        ARGS_OPT_STR("--domain", &domain),
        ARGS_OPT_STR("--admin-password", &adminpw),
        ARGS_OPT_STR("--preset", &preset),
    };
    struct args_words dirs = {.v = &dir, .max = 1};
    const struct args_spec spec = {.what = "init", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &dirs};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc != CLI_OK)
        return rc;
    if (!dir)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab init LABDIR [--name NAME] [--os nt4|w2k|xp] "
                                         "[--role member|pdc|standalone] [--domain D] [--preset P]");
    char conf[4096];
    snprintf(conf, sizeof conf, "%s/lab.conf", dir);
    struct stat st;
    if (stat(conf, &st) == 0)
        return cli_error(ctx, CLI_FAIL, "init: %s already holds a lab", dir);
    if (preset)
        return preset_create(ctx, dir, preset);

    if (role == ROLE_STANDALONE && domain && *domain)
        return cli_error(ctx, CLI_USAGE, "init: a standalone server has no --domain");
    if (role != ROLE_STANDALONE && !(domain && *domain))
        return cli_error(ctx, CLI_USAGE, "init: --role %s needs --domain", machine_role_name(role));
    if (os == OSVER_XP && role == ROLE_PDC)
        return cli_error(ctx, CLI_USAGE, "init: Windows XP cannot be a domain controller");

    struct lab *lab;
    if (cli_lab_create(ctx, dir, &lab) != CLI_OK)
        return CLI_FAIL;
    ntstatus s;
    struct machine *m = NULL;
    if (role == ROLE_MEMBER) {
        /* The member's domain needs a PDC: DOMAINDC, on NT 4.0 like the article's. */
        char dc[MACHINE_NAME_MAX + 1];
        char dcname[64];
        snprintf(dcname, sizeof dcname, "%sDC", domain);
        str_copy(dc, sizeof dc, dcname);
        s = lab_machine_add(lab, dc, ROLE_PDC, os == OSVER_XP ? OSVER_W2K : os, domain, adminpw,
                            NULL);
        if (s != STATUS_SUCCESS) {
            lab_free(lab);
            return cli_error(ctx, CLI_FAIL, "init: cannot create domain controller %s: %s", dc,
                             nterr_status_symbol(s));
        }
        fprintf(ctx->out, "created %s: PDC of domain %s\n", dc, domain);
    }
    s = lab_machine_add(lab, name, role, os, domain, adminpw, &m);
    if (s != STATUS_SUCCESS) {
        lab_free(lab);
        return cli_error(ctx, CLI_FAIL, "init: cannot create machine '%s': %s", name,
                         nterr_status_symbol(s));
    }
    fprintf(ctx->out, "created %s: %s %s%s%s in lab %s (Administrator password: %s)\n",
            machine_name(m), osver_display(os), machine_role_name(role), domain ? " of " : "",
            domain ? domain : "", dir, adminpw);
    lab_free(lab);
    return CLI_OK;
}

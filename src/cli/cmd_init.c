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

int cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *dir = NULL, *name = "NTSRV", *domain = NULL, *preset = NULL;
    const char *adminpw = DEFAULT_ADMIN_PASSWORD;
    enum osver os = OSVER_NT4;
    enum machine_role role = ROLE_STANDALONE;
    struct args a;
    args_init(&a, argc, argv, 1);
    int k;
    while ((k = args_next(&a))) {
        if (k == 2) {
            if (dir)
                return cli_error(ctx, CLI_USAGE, "init: unexpected argument '%s'", a.val);
            dir = a.val;
            continue;
        }
        if (!args_value(&a))
            return cli_error(ctx, CLI_USAGE, "init: %s needs a value", a.opt);
        if (strcmp(a.opt, "--name") == 0) {
            name = a.val;
        } else if (strcmp(a.opt, "--os") == 0) {
            if (!osver_parse(a.val, &os))
                return cli_error(ctx, CLI_USAGE, "init: unknown --os '%s' (nt4, w2k or xp)", a.val);
        } else if (strcmp(a.opt, "--role") == 0) {
            if (!machine_role_parse(a.val, &role) || role == ROLE_BDC)
                return cli_error(ctx, CLI_USAGE,
                                 "init: unknown --role '%s' (member, pdc or standalone)", a.val);
        } else if (strcmp(a.opt, "--domain") == 0) {
            domain = a.val;
        } else if (strcmp(a.opt, "--admin-password") == 0) {
            adminpw = a.val;
        } else if (strcmp(a.opt, "--preset") == 0) {
            preset = a.val;
        } else {
            return cli_error(ctx, CLI_USAGE, "init: unknown option '%s'", a.opt);
        }
    }
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
    char err[512] = "";
    ntstatus s = lab_open(dir, true, &lab, err, sizeof err);
    if (s != STATUS_SUCCESS)
        return cli_error(ctx, CLI_FAIL, "init: cannot create lab %s: %s", dir,
                         err[0] ? err : nterr_status_symbol(s));
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
    fprintf(ctx->out, "created %s: %s %s%s%s in lab %s (Administrator password: %s)\n", m->name,
            osver_display(os), machine_role_name(role), domain ? " of " : "", domain ? domain : "",
            dir, adminpw);
    lab_free(lab);
    return CLI_OK;
}

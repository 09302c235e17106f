/* ntlab logon: LogonUser from the command line, with a caller token built
 * as the service control manager builds one for a service account. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/str.h"
#include <string.h>

static void print_token(struct cli_ctx *ctx, struct machine *m, const struct token *t)
{
    char sidbuf[SID_STR_MAX], name[256];
    fprintf(ctx->out, "User:       %s\\%s  %s\n", t->domain_name, t->user_name,
            sid_str(&t->user, sidbuf));
    fprintf(ctx->out, "Logon type: %d (%s)\n", (int)t->type, logon_type_name(t->type));
    fprintf(ctx->out, "Groups:\n");
    for (size_t i = 0; i < t->ngroups; i++) {
        machine_sid_name(m, &t->groups[i], name, sizeof name);
        fprintf(ctx->out, "  %-40s %s\n", name, sid_str(&t->groups[i], sidbuf));
    }
    fprintf(ctx->out, "Privileges:\n");
    for (unsigned i = 0; i < RI_COUNT; i++) {
        if (!token_has_privilege(t, i))
            continue;
        unsigned attr = token_privilege_attributes(t, i);
        fprintf(ctx->out, "  %-32s %s\n", rights_at(i)->name,
                attr & SE_PRIVILEGE_ENABLED
                    ? (attr & SE_PRIVILEGE_ENABLED_BY_DEFAULT ? "Enabled by default" : "Enabled")
                    : "Disabled");
    }
}

/* "DOMAIN\user" -> domain, user; "user" -> NULL, user. */
static bool split_account(const char *in, char *dom, size_t nd, char *user, size_t nu)
{
    const char *bs = strchr(in, '\\');
    if (!bs) {
        dom[0] = 0;
        return str_copy(user, nu, in) == 0 && *user;
    }
    return str_copyn(dom, nd, in, (size_t)(bs - in)) == 0 && str_copy(user, nu, bs + 1) == 0 &&
           *user && !strchr(user, '\\');
}

static int type_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                      const char *val)
{
    if (!logon_type_parse(val, o->to))
        return cli_error(ctx, CLI_USAGE,
                         "%s: unknown --type '%s' (interactive, network, batch, service)", what, val);
    return CLI_OK;
}

int cmd_logon(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *caller = NULL, *workstation = NULL;
    enum logon_type type = LOGON_NETWORK;
    const char *pos[2];
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--caller", &caller),
        ARGS_OPT_CALL("--type", &type, type_opt),
        ARGS_OPT_STR("--workstation", &workstation),
    };
    struct args_words words = {.v = pos, .max = 2};
    const struct args_spec spec = {.what = "logon", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &words};
    int rc = args_parse(ctx, &spec, argc, argv, 1);
    if (rc != CLI_OK)
        return rc;
    size_t npos = words.n;
    if (npos != 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab logon [--caller ACCOUNT|SYSTEM] "
                                         "[--type TYPE] USER|'DOMAIN\\USER' PASSWORD");
    char udom[64], user[64];
    if (!split_account(pos[0], udom, sizeof udom, user, sizeof user))
        return cli_error(ctx, CLI_USAGE, "logon: bad account '%s' (USER or 'DOMAIN\\USER')", pos[0]);
    struct machine *m = cli_machine(ctx);
    if (!m)
        return CLI_FAIL;
    /* Offline the lab is powered off: power it on for this logon, so a
     * member server can pass a domain logon through to its DC. */
    if (!ctx->live) {
        char err[512] = "";
        ntstatus st = lab_boot_all(lab_of_machine(m), err, sizeof err);
        if (st != STATUS_SUCCESS)
            return cli_error(ctx, CLI_FAIL, "logon: cannot boot the lab: %s",
                             err[0] ? err : nterr_status_symbol(st));
    }
    struct token ctok;
    if (!caller || str_ieq(caller, "SYSTEM") || str_ieq(caller, "LocalSystem")) {
        token_system(&ctok, machine_os(m), machine_now(m));
    } else {
        char cdom[64], cuser[64];
        if (!split_account(caller, cdom, sizeof cdom, cuser, sizeof cuser))
            return cli_error(ctx, CLI_USAGE, "logon: bad --caller '%s'", caller);
        ntstatus st = logon_token_for(m, cdom, cuser, LOGON_SERVICE, &ctok);
        if (st != STATUS_SUCCESS) {
            char text[512];
            nterr_describe(nterr_to_win32(st), text, sizeof text);
            char guess[300];
            if (cli_eaten_account(m, caller, guess, sizeof guess))
                return cli_error(ctx, CLI_FAIL, "logon: no caller account '%s'; did the shell eat "
                                                "a backslash? quote it: '%s' (%s)", caller, guess, text);
            return cli_error(ctx, CLI_FAIL, "logon: no caller account '%s': %s", caller, text);
        }
    }
    struct token out;
    ntstatus st = logon_user(m, &ctok, udom[0] ? udom : NULL, user, pos[1], type, workstation,
                             "ntlab", &out);
    if (st != STATUS_SUCCESS) {
        char text[512];
        nterr_describe(nterr_to_win32(st), text, sizeof text);
        fprintf(ctx->out, "%s\n", text);
        /* NT answers 1326 for an unknown user too: tell the shell's doing apart */
        struct sid sid;
        char guess[300];
        if (machine_resolve(m, pos[0], &sid) != STATUS_SUCCESS &&
            cli_eaten_account(m, pos[0], guess, sizeof guess))
            cli_error(ctx, CLI_FAIL, "logon: no account '%s'; did the shell eat a backslash? "
                                     "quote it: '%s'", pos[0], guess);
        return CLI_FAIL;
    }
    fprintf(ctx->out, "The operation completed successfully.\n");
    print_token(ctx, m, &out);
    return CLI_OK;
}

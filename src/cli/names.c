/* Names typed on the command line: accounts, users, computers and rights.
 * One place resolves them, so every command accepts the same spellings and
 * gives the same help when a name does not resolve: a shell that ate the
 * backslash of an unquoted DOMAIN\account or \\COMPUTER, or the nearest
 * names of a misspelled right (emulator/rights.c finds them). */
#include "emulator/lab.h"
#include "emulator/rights.h"
#include "src/cli/cli.h"
#include "src/lib/str.h"
#include <string.h>
#include <strings.h>

#define NONE_MAPPED "1332 ERROR_NONE_MAPPED: No mapping between account names and security IDs was done."
#define NAME_MAX_TRY 256 /* longer names are not split for the hint */

bool cli_eaten_account(struct machine *m, const char *name, char *out, size_t n)
{
    size_t len = strlen(name);
    if (len < 2 || len > NAME_MAX_TRY || strchr(name, '\\') || name[0] == '*')
        return false;
    /* bash turns CORP\EXCHSVC into CORPEXCHSVC: put a backslash back at each
     * place and keep the first split that names an account. */
    for (size_t i = 1; i < len; i++) {
        char guess[NAME_MAX_TRY + 2];
        snprintf(guess, sizeof guess, "%.*s\\%s", (int)i, name, name + i);
        struct sid sid;
        if (machine_resolve(m, guess, &sid) == STATUS_SUCCESS) {
            str_copy(out, n, guess);
            return true;
        }
    }
    return false;
}

int cli_account(struct cli_ctx *ctx, struct machine *m, const char *name, struct sid *sid)
{
    if (machine_resolve(m, name, sid) == STATUS_SUCCESS)
        return CLI_OK;
    char guess[NAME_MAX_TRY + 2];
    if (cli_eaten_account(m, name, guess, sizeof guess))
        return cli_error(ctx, CLI_FAIL,
                         "no account '%s'; did the shell eat a backslash? quote it: '%s' "
                         "(" NONE_MAPPED ")", name, guess);
    return cli_error(ctx, CLI_FAIL, "no account '%s' (" NONE_MAPPED ")", name);
}

struct machine *cli_computer(struct cli_ctx *ctx, const char *name, const char *what)
{
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return NULL;
    const char *bare = name[0] == '\\' && name[1] == '\\' ? name + 2 : name;
    struct machine *m = bare[0] == '\\' ? NULL : lab_machine_find(lab, bare);
    if (m)
        return m;
    /* `-m \\EXCHSRV` unquoted reaches us as \EXCHSRV */
    if (name[0] == '\\' && name[1] != '\\' && lab_machine_find(lab, name + 1))
        cli_error(ctx, CLI_FAIL, "%sno machine '%s' in lab %s; did the shell eat a backslash? "
                                 "quote it: '\\\\%s' (or give the bare name %s)",
                  what, name, ctx->labdir, name + 1, name + 1);
    else
        cli_error(ctx, CLI_FAIL, "%sno machine '%s' in lab %s", what, name, ctx->labdir);
    return NULL;
}

/* Whether the domain part dom (length dl) of a user name names the SAM of m
 * itself: ".", the machine's name, or (on a DC) its domain. */
static bool names_own_sam(const struct machine *m, const char *dom, size_t dl)
{
    const char *own = sam_domain_name(machine_sam(m));
    return (dl == 1 && dom[0] == '.') ||
           (dl == strlen(machine_name(m)) && strncasecmp(dom, machine_name(m), dl) == 0) ||
           (own && dl == strlen(own) && strncasecmp(dom, own, dl) == 0);
}

int cli_user_target(struct cli_ctx *ctx, struct machine *m, const char *name,
                    struct machine **target, const char **user)
{
    const char *bs = strchr(name, '\\');
    *target = m;
    *user = name;
    if (!bs)
        return CLI_OK;
    size_t dl = (size_t)(bs - name);
    *user = bs + 1;
    if (!**user || strchr(*user, '\\'))
        return cli_error(ctx, CLI_USAGE, "bad user name '%s' (USER, DOMAIN\\USER or .\\USER)", name);
    if (names_own_sam(m, name, dl))
        return CLI_OK;
    /* A member server's domain: the account lives in the domain's SAM,
     * which its domain controller holds (net user NAME /domain). */
    if (machine_role(m) == ROLE_MEMBER && dl == strlen(machine_domain(m)) &&
        strncasecmp(name, machine_domain(m), dl) == 0) {
        struct machine *dc =
            lab_focus_machine(lab_of_machine(m), machine_domain(m)); /* NULL: no lab */
        if (!dc || !machine_sam(dc))
            return cli_error(ctx, CLI_FAIL, "no domain controller of %s in this lab",
                             machine_domain(m));
        *target = dc;
        return CLI_OK;
    }
    if (machine_is_dc(m))
        return cli_error(ctx, CLI_FAIL, "'%s': %.*s is neither %s nor its domain %s", name, (int)dl,
                         name, machine_name(m), machine_domain(m));
    if (machine_role(m) == ROLE_MEMBER)
        return cli_error(ctx, CLI_FAIL,
                         "'%s': %.*s is neither this machine (%s) nor its domain (%s)", name,
                         (int)dl, name, machine_name(m), machine_domain(m));
    return cli_error(ctx, CLI_FAIL, "'%s': %.*s is not this machine (%s)", name, (int)dl, name,
                     machine_name(m));
}

struct sam_user *cli_user(struct cli_ctx *ctx, struct machine *m, const char *name,
                          struct machine **target)
{
    const char *user;
    if (cli_user_target(ctx, m, name, target, &user))
        return NULL;
    struct sam_user *u = sam_user_find(machine_sam((*target)), user);
    if (u)
        return u;
    char guess[NAME_MAX_TRY + 2];
    if (cli_eaten_account(m, name, guess, sizeof guess))
        cli_error(ctx, CLI_FAIL,
                  "no user '%s' on %s; did the shell eat a backslash? quote it: '%s'", name,
                  machine_name((*target)), guess);
    else {
        char text[512];
        nterr_describe(nterr_to_win32(STATUS_NO_SUCH_USER), text, sizeof text);
        cli_error(ctx, CLI_FAIL, "no user '%s': %s", name, text);
    }
    return NULL;
}

/* "did you mean A ("a"), B ("b") or C ("c")?" into out. */
static void nearest_text(const char *name, enum osver os, char *out, size_t n)
{
    unsigned near[3];
    size_t k = rights_nearest(name, os, near, 3);
    out[0] = 0;
    if (!k)
        return;
    if (strcasecmp(name, rights_at(near[0])->name) == 0) {
        snprintf(out, n, "; did you mean %s? (constant names are case-sensitive)",
                 rights_at(near[0])->name);
        return;
    }
    size_t used = (size_t)snprintf(out, n, "; did you mean ");
    for (size_t i = 0; i < k && used < n; i++) {
        const struct rights_info *r = rights_at(near[i]);
        used += (size_t)snprintf(out + used, n - used, "%s%s (\"%s\")",
                                 i == 0 ? "" : i + 1 == k ? " or " : ", ", r->name,
                                 rights_display(near[i], os));
    }
    if (used < n)
        snprintf(out + used, n - used, "?");
}

int cli_right(struct cli_ctx *ctx, const char *name, enum osver os, bool display_names,
              unsigned *index)
{
    if (rights_lookup(name, os, index) == STATUS_SUCCESS)
        return CLI_OK;
    unsigned i;
    if (rights_lookup_display(name, os, &i) == STATUS_SUCCESS) {
        if (display_names) {
            *index = i;
            return CLI_OK;
        }
        return cli_error(ctx, CLI_USAGE, "ntrights takes constant names: '%s' is %s (or use 'ntlab "
                                         "rights grant|revoke', which takes both)",
                         name, rights_at(i)->name);
    }
    char hint[512], text[256];
    nearest_text(name, os, hint, sizeof hint);
    nterr_describe(nterr_to_win32(STATUS_NO_SUCH_PRIVILEGE), text, sizeof text);
    /* A right of a later Windows: say which. */
    for (unsigned j = 0; j < RI_COUNT; j++)
        if (strcmp(rights_at(j)->name, name) == 0)
            return cli_error(ctx, CLI_FAIL, "unknown right '%s' on %s (new in %s; %s)", name,
                             osver_display(os), osver_display(rights_at(j)->since), text);
    return cli_error(ctx, CLI_FAIL, "unknown right '%s' on %s (%s)%s", name, osver_display(os),
                     text, hint);
}

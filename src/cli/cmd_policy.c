/* ntlab policy ...: the account policy of User Manager's Policies menu
 * (password and lockout: the template's [System Access]) and secedit-style
 * import of a security template, in a policy focus as `rights --focus`. */
#include "emulator/inf.h"
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/rights.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The lsa_sysaccess field of a [System Access] key: lsa.h's one map. */
static int *sa_field(struct lsa_sysaccess *sa, enum inf_sa k)
{
    return lsa_sysaccess_field(sa, k);
}

static bool sa_key(const char *name, enum inf_sa *out)
{
    return inf_sa_lookup(name, out);
}

static int show(struct cli_ctx *ctx, struct cli_focus *f)
{
    lsa_refresh(f->lsa);
    struct lsa_sysaccess sa = *lsa_sysaccess(f->lsa);
    fprintf(ctx->out, "Account policy of %s (%s):\n", f->label, osver_display(lsa_os(f->lsa)));
    for (int k = 0; k < INF_SA_COUNT; k++)
        fprintf(ctx->out, "  %s = %d\n", inf_sa_key((enum inf_sa)k),
                *sa_field(&sa, (enum inf_sa)k));
    return CLI_OK;
}

static int apply_sa(struct cli_ctx *ctx, struct cli_focus *f, const struct lsa_sysaccess *sa)
{
    ntstatus st = lsa_set_sysaccess(f->lsa, sa);
    if (st != STATUS_SUCCESS) {
        char text[512];
        nterr_describe(nterr_to_win32(st), text, sizeof text);
        return cli_error(ctx, CLI_FAIL, "policy: cannot change the account policy of %s: %s",
                         f->label, text);
    }
    return CLI_OK;
}

static int set(struct cli_ctx *ctx, struct cli_focus *f, const char *const *pairs, size_t n)
{
    lsa_refresh(f->lsa);
    struct lsa_sysaccess sa = *lsa_sysaccess(f->lsa);
    for (size_t i = 0; i < n; i++) {
        char key[64];
        const char *eq = strchr(pairs[i], '=');
        if (!eq || str_copyn(key, sizeof key, pairs[i], (size_t)(eq - pairs[i])))
            return cli_error(ctx, CLI_USAGE, "policy set: '%s' is not KEY=VALUE", pairs[i]);
        enum inf_sa k;
        int64_t v;
        if (!sa_key(str_trim(key), &k))
            return cli_error(ctx, CLI_USAGE,
                             "policy set: unknown key '%s' (a [System Access] key, e.g. "
                             "LockoutBadCount)", key);
        if (str_to_i64(eq + 1, -1, 999999, &v) || !inf_sa_valid(k, (int)v))
            return cli_error(ctx, CLI_USAGE, "policy set: bad value '%s' for %s", eq + 1,
                             inf_sa_key(k));
        *sa_field(&sa, k) = (int)v;
    }
    if (apply_sa(ctx, f, &sa))
        return CLI_FAIL;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(pairs[i], '=');
        char key[64];
        str_copyn(key, sizeof key, pairs[i], (size_t)(eq - pairs[i]));
        enum inf_sa k = INF_SA_COUNT;
        if (!sa_key(str_trim(key), &k))
            continue; /* checked above */
        fprintf(ctx->out, "Setting %s = %d in %s ... successful\n", inf_sa_key(k),
                *sa_field(&sa, k), f->label);
    }
    return CLI_OK;
}

/* secedit /configure with a template: its [System Access] keys are set, and
 * each right it lists gets exactly the holders it lists (rights it does not
 * list keep theirs; an empty "SeXxx =" line is read as listing nothing). */
static int import(struct cli_ctx *ctx, struct cli_focus *f, const char *path)
{
    char *data;
    size_t len;
    int e = afile_read(path, INF_MAX_FILE, &data, &len);
    if (e)
        return cli_error(ctx, CLI_FAIL, "policy import: %s: %s", path,
                         e == EFBIG ? "file too large" : plat_strerror(e));
    struct inf doc;
    char err[512] = "";
    /* Inside the daemon the file is one the caller sent (cli_live_command
     * takes no other): its errors may quote it. */
    ntstatus st = inf_parse(path, data, len, lsa_os(f->lsa), &inf_default_limits, &doc, err,
                            sizeof err);
    free(data);
    if (st != STATUS_SUCCESS)
        return cli_error(ctx, CLI_FAIL, "policy import: %s", err[0] ? err : path);
    int rc = CLI_OK;
    /* Resolve every holder first: nothing changes if one is unknown. */
    struct sid *sids = calloc(doc.ngrants ? doc.ngrants : 1, sizeof *sids);
    if (!sids) {
        inf_free(&doc);
        return cli_error(ctx, CLI_FAIL, "policy import: out of memory");
    }
    for (size_t i = 0; i < doc.ngrants && rc == CLI_OK; i++) {
        if (!doc.grants[i].name)
            sids[i] = doc.grants[i].sid;
        else if (machine_resolve(f->m, doc.grants[i].name, &sids[i]) != STATUS_SUCCESS)
            rc = cli_error(ctx, CLI_FAIL, "policy import: %s: no account '%s'", path,
                           doc.grants[i].name);
    }
    if (rc == CLI_OK) {
        lsa_refresh(f->lsa);
        struct lsa_sysaccess sa = *lsa_sysaccess(f->lsa);
        size_t nsa = 0;
        for (int k = 0; k < INF_SA_COUNT; k++) {
            if (doc.sa_set[k]) {
                *sa_field(&sa, (enum inf_sa)k) = doc.sa[k];
                nsa++;
            }
        }
        if (nsa)
            rc = apply_sa(ctx, f, &sa);
    }
    struct lsa_handle h;
    bool open = false;
    if (rc == CLI_OK) {
        st = lsa_open_policy(f->lsa, sid_wellknown(SID_WK_ADMINISTRATORS), 1,
                             POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES |
                                 POLICY_VIEW_LOCAL_INFORMATION,
                             &h);
        if (st != STATUS_SUCCESS)
            rc = cli_error(ctx, CLI_FAIL, "policy import: cannot open the policy of %s",
                           f->label);
        else
            open = true;
    }
    size_t nrights = 0;
    for (unsigned r = 0; r < RI_COUNT && rc == CLI_OK; r++) {
        bool listed = false;
        for (size_t i = 0; i < doc.ngrants && !listed; i++)
            listed = doc.grants[i].right == r;
        if (!listed)
            continue;
        const char *name = rights_at(r)->name;
        const char *one[1] = {name};
        struct sid *cur = NULL;
        size_t ncur = 0;
        st = lsa_enumerate_accounts_with_right(&h, name, &cur, &ncur);
        for (size_t i = 0; st == STATUS_SUCCESS && i < ncur; i++) {
            ntstatus s2 = lsa_remove_account_rights(&h, &cur[i], false, one, 1);
            if (s2 != STATUS_SUCCESS && s2 != STATUS_OBJECT_NAME_NOT_FOUND)
                st = s2;
        }
        free(cur);
        if (st == STATUS_NO_MORE_ENTRIES)
            st = STATUS_SUCCESS;
        for (size_t i = 0; st == STATUS_SUCCESS && i < doc.ngrants; i++)
            if (doc.grants[i].right == r)
                st = lsa_add_account_rights(&h, &sids[i], one, 1);
        if (st != STATUS_SUCCESS) {
            char text[512];
            nterr_describe(nterr_to_win32(st), text, sizeof text);
            rc = cli_error(ctx, CLI_FAIL, "policy import: %s in %s: %s", name, f->label, text);
        }
        nrights++;
    }
    if (open)
        lsa_close(&h);
    if (rc == CLI_OK) {
        size_t nsa = 0;
        for (int k = 0; k < INF_SA_COUNT; k++)
            nsa += doc.sa_set[k];
        fprintf(ctx->out, "Importing %s into %s: %zu account polic%s, %zu right%s ... successful\n",
                path, f->label, nsa, nsa == 1 ? "y" : "ies", nrights, nrights == 1 ? "" : "s");
    }
    free(sids);
    inf_free(&doc);
    return rc;
}

size_t cmd_policy_options(struct args_opt *out, const char **focus)
{
    const struct args_opt opts[CMD_POLICY_NOPTS] = {
        {.name = "--focus", .kind = ARGS_STR, .to = focus,
         .missing = "--focus needs a value (DOMAIN, COMPUTER or '\\\\COMPUTER')"},
    };
    memcpy(out, opts, sizeof opts);
    return CMD_POLICY_NOPTS;
}

int cmd_policy(struct cli_ctx *ctx, int argc, char **argv)
{
    static const char usage[] =
        "usage: ntlab policy show | set KEY=VALUE... | import TEMPLATE.inf   "
        "[--focus DOMAIN|COMPUTER|'\\\\COMPUTER']";
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "%s", usage);
    const char *sub = argv[1], *focus = NULL;
    const char *pos[64];
    struct args_opt opts[CMD_POLICY_NOPTS];
    struct args_words words = {.v = pos, .max = 64, .too_many = "too many arguments"};
    const struct args_spec spec = {.what = "policy", .opts = opts,
                                   .nopts = cmd_policy_options(opts, &focus),
                                   .word = args_words, .word_to = &words};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    size_t npos = words.n;
    struct cli_focus f;
    if (strcmp(sub, "show") == 0) {
        if (npos)
            return cli_error(ctx, CLI_USAGE, "%s", usage);
        return cli_focus(ctx, focus, &f) ? CLI_FAIL : show(ctx, &f);
    }
    if (strcmp(sub, "set") == 0) {
        if (!npos)
            return cli_error(ctx, CLI_USAGE, "%s", usage);
        return cli_focus(ctx, focus, &f) ? CLI_FAIL : set(ctx, &f, pos, npos);
    }
    if (strcmp(sub, "import") == 0) {
        if (npos != 1)
            return cli_error(ctx, CLI_USAGE, "%s", usage);
        return cli_focus(ctx, focus, &f) ? CLI_FAIL : import(ctx, &f, pos[0]);
    }
    return cli_error(ctx, CLI_USAGE, "policy: unknown subcommand '%s' (show, set, import)", sub);
}

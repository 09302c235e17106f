/* ntlab rights ... and ntlab ntrights ...: User Manager's User Rights
 * Policy and the Resource Kit's ntrights, over the LSA API (lsa.h). */
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/query.h"
#include "emulator/rights.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include <stdlib.h>
#include <string.h>

/* The lab administrator's identity: the CLI acts as BUILTIN\Administrators. */
static ntstatus open_policy(struct cli_focus *f, unsigned access, struct lsa_handle *h)
{
    const struct sid *admins = sid_wellknown(SID_WK_ADMINISTRATORS);
    return lsa_open_policy(f->lsa, admins, 1, access, h);
}

static void status_text(ntstatus st, char *out, size_t n)
{
    nterr_describe(nterr_to_win32(st), out, n);
}

static int resolve(struct cli_ctx *ctx, struct cli_focus *f, const char *account, struct sid *sid)
{
    return cli_account(ctx, f->m, account, sid);
}

/* names: the rights as typed; display_names: whether User Manager's names
 * are taken (rights grant|revoke) or only constants (ntrights). */
static int change(struct cli_ctx *ctx, struct cli_focus *f, const char *account, bool grant, bool all,
                  const char *const *names, size_t n, bool display_names)
{
    const char *rights[64];
    if (n > sizeof rights / sizeof rights[0])
        return cli_error(ctx, CLI_USAGE, "at most %zu rights at once",
                         sizeof rights / sizeof rights[0]);
    for (size_t i = 0; i < n; i++) {
        unsigned idx;
        int rc = cli_right(ctx, names[i], lsa_os(f->lsa), display_names, &idx);
        if (rc)
            return rc;
        rights[i] = rights_at(idx)->name;
    }
    struct sid sid;
    if (resolve(ctx, f, account, &sid))
        return CLI_FAIL;
    struct lsa_handle h;
    ntstatus st = open_policy(f, POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES, &h);
    if (st == STATUS_SUCCESS) {
        st = grant ? lsa_add_account_rights(&h, &sid, rights, n)
                   : lsa_remove_account_rights(&h, &sid, all, rights, n);
        lsa_close(&h);
    }
    char who[256];
    machine_sid_name(f->m, &sid, who, sizeof who);
    if (st != STATUS_SUCCESS) {
        char text[512];
        status_text(st, text, sizeof text);
        if (st == STATUS_OBJECT_NAME_NOT_FOUND)
            return cli_error(ctx, CLI_FAIL, "%s holds no rights in %s (%s)", who, f->label, text);
        return cli_error(ctx, CLI_FAIL, "%s for %s in %s failed: %s", grant ? "grant" : "revoke",
                         who, f->label, text);
    }
    if (all) {
        fprintf(ctx->out, "Revoking all rights from %s in %s ... successful\n", who, f->label);
        return CLI_OK;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(ctx->out, "%s %s %s %s in %s ... successful\n", grant ? "Granting" : "Revoking",
                rights[i], grant ? "to" : "from", who, f->label);
    return CLI_OK;
}

static void print_mask(struct cli_ctx *ctx, rights_mask mask, enum osver os, bool display,
                       const char *indent, const char *suffix)
{
    for (unsigned i = 0; i < RI_COUNT; i++) {
        if (!(mask & RIGHTS_BIT(i)))
            continue;
        const struct rights_info *ri = rights_at(i);
        if (display)
            fprintf(ctx->out, "%s%s%s\n", indent, rights_display(i, os), suffix);
        else
            fprintf(ctx->out, "%s%s%s\n", indent, ri->name, suffix);
    }
}

static int list_account(struct cli_ctx *ctx, struct cli_focus *f, const char *account, bool display)
{
    struct sid sid;
    if (resolve(ctx, f, account, &sid))
        return CLI_FAIL;
    struct lsa_handle h;
    ntstatus st = open_policy(f, POLICY_VIEW_LOCAL_INFORMATION | POLICY_LOOKUP_NAMES, &h);
    if (st != STATUS_SUCCESS)
        return cli_error(ctx, CLI_FAIL, "cannot open the policy of %s", f->label);
    rights_mask own = 0;
    st = lsa_enumerate_account_rights(&h, &sid, &own);
    lsa_close(&h);
    enum osver os = lsa_os(f->lsa);
    char who[256];
    machine_sid_name(f->m, &sid, who, sizeof who);
    char sidbuf[SID_STR_MAX];
    fprintf(ctx->out, "%s (%s) in %s:\n", who, sid_str(&sid, sidbuf), f->label);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        fprintf(ctx->out, "  no rights of its own\n");
    else if (st == STATUS_SUCCESS)
        print_mask(ctx, own, os, display, "  ", "");
    else
        return cli_error(ctx, CLI_FAIL, "cannot enumerate rights of %s", who);
    return CLI_OK;
}

static int list_all(struct cli_ctx *ctx, struct cli_focus *f, bool display)
{
    struct query_rights q;
    ntstatus st = query_rights(f->m, f->lsa, &q);
    if (st != STATUS_SUCCESS) {
        query_rights_free(&q);
        return cli_error(ctx, CLI_FAIL, "cannot open the policy of %s", f->label);
    }
    fprintf(ctx->out, "User rights in %s (%s):\n", f->label, osver_display(q.os));
    for (size_t i = 0; i < q.nrights; i++) {
        const struct query_right *r = &q.rights[i];
        fprintf(ctx->out, "%s%s =", display ? rights_display(r->right, q.os) : r->name,
                r->advanced ? " (advanced)" : "");
        for (size_t j = 0; j < r->nholders; j++)
            fprintf(ctx->out, "%s %s", j ? "," : "", r->holders[j].name);
        fputc('\n', ctx->out);
    }
    query_rights_free(&q);
    return CLI_OK;
}

static int who_holds(struct cli_ctx *ctx, struct cli_focus *f, const char *name)
{
    unsigned idx;
    int rc = cli_right(ctx, name, lsa_os(f->lsa), true, &idx);
    if (rc)
        return rc;
    const char *right = rights_at(idx)->name;
    struct query_rights q;
    ntstatus st = query_rights(f->m, f->lsa, &q);
    if (st != STATUS_SUCCESS) {
        query_rights_free(&q);
        return cli_error(ctx, CLI_FAIL, "cannot open the policy of %s", f->label);
    }
    const struct query_right *r = query_rights_find(&q, idx);
    if (!r) {
        query_rights_free(&q);
        return cli_error(ctx, CLI_FAIL, "unknown right '%s' on %s", right,
                         osver_display(lsa_os(f->lsa)));
    }
    if (!r->nholders)
        fprintf(ctx->out, "nobody holds %s in %s\n", right, f->label);
    for (size_t i = 0; i < r->nholders; i++) {
        char sidbuf[SID_STR_MAX];
        fprintf(ctx->out, "%s (%s)\n", r->holders[i].name, sid_str(&r->holders[i].sid, sidbuf));
    }
    query_rights_free(&q);
    return CLI_OK;
}

int cmd_rights(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab rights grant|revoke|list|who ...");
    const char *sub = argv[1];
    const char *focus = NULL;
    bool display = false, all = false;
    const char *pos[64];
    const struct args_opt opts[] = {
        {.name = "--focus", .kind = ARGS_STR, .to = &focus,
         .missing = "--focus needs a value (DOMAIN, COMPUTER or '\\\\COMPUTER')"},
        ARGS_OPT_FLAG("--display", &display),
        ARGS_OPT_FLAG("--all", &all),
    };
    struct args_words words = {.v = pos, .max = 64, .too_many = "too many arguments"};
    const struct args_spec spec = {.what = "rights", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &words};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    size_t npos = words.n;
    struct cli_focus f;
    if (strcmp(sub, "grant") == 0 || strcmp(sub, "revoke") == 0) {
        bool grant = sub[0] == 'g';
        if (npos < 1 || (npos < 2 && !(all && !grant)) || (all && grant) || (all && npos > 1))
            return cli_error(ctx, CLI_USAGE, "usage: ntlab rights %s ACCOUNT %s", sub,
                             grant ? "RIGHT..." : "(RIGHT...|--all)");
        if (cli_focus(ctx, focus, &f))
            return CLI_FAIL;
        return change(ctx, &f, pos[0], grant, all, pos + 1, npos - 1, true);
    }
    if (strcmp(sub, "list") == 0) {
        if (npos > 1)
            return cli_error(ctx, CLI_USAGE, "usage: ntlab rights list [ACCOUNT] [--display]");
        if (cli_focus(ctx, focus, &f))
            return CLI_FAIL;
        return npos ? list_account(ctx, &f, pos[0], display) : list_all(ctx, &f, display);
    }
    if (strcmp(sub, "who") == 0) {
        if (npos != 1)
            return cli_error(ctx, CLI_USAGE, "usage: ntlab rights who RIGHT");
        if (cli_focus(ctx, focus, &f))
            return CLI_FAIL;
        return who_holds(ctx, &f, pos[0]);
    }
    return cli_error(ctx, CLI_USAGE, "rights: unknown subcommand '%s' (grant, revoke, list, who)",
                     sub);
}

/* ntrights' +r and -r: one of them, once. */
struct ntrights_op {
    int op; /* 1 grant, -1 revoke, 0 not yet given */
    const char *right;
};

static int ntrights_op_opt(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                           const char *val)
{
    struct ntrights_op *r = o->to;
    if (r->op)
        return cli_error(ctx, CLI_USAGE, "%s: give one of +r or -r, once", what);
    r->op = o->name[0] == '+' ? 1 : -1;
    r->right = val;
    return CLI_OK;
}

static int ntrights_unexpected(struct cli_ctx *ctx, const char *what, void *to, const char *word)
{
    (void)to;
    return cli_error(ctx, CLI_USAGE, "%s: unexpected argument '%s'", what, word);
}

/* ntrights +r RIGHT -u ACCOUNT [-m \\COMPUTER] [-e ENTRY]: one right per
 * call, case-sensitive names, the local computer unless -m. */
int cmd_ntrights(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *account = NULL, *computer = NULL, *entry = NULL;
    struct ntrights_op r = {0, NULL};
    const struct args_opt opts[] = {
        {.name = "+r", .kind = ARGS_CALL, .to = &r, .call = ntrights_op_opt,
         .missing = "+r needs a value (a right, e.g. SeTcbPrivilege)"},
        {.name = "-r", .kind = ARGS_CALL, .to = &r, .call = ntrights_op_opt,
         .missing = "-r needs a value (a right, e.g. SeTcbPrivilege)"},
        {.name = "-u", .kind = ARGS_STR, .to = &account,
         .missing = "-u needs a value (an account, e.g. 'CORP\\EXCHSVC')"},
        {.name = "-m", .kind = ARGS_STR, .to = &computer,
         .missing = "-m needs a value (a computer, e.g. '\\\\EXCHSRV')"},
        {.name = "-e", .kind = ARGS_STR, .to = &entry,
         .missing = "-e needs a value (the text of an event-log entry)"},
    };
    const struct args_spec spec = {.what = "ntrights", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = ntrights_unexpected, .unknown_is_word = true};
    int e = args_parse(ctx, &spec, argc, argv, 1);
    if (e != CLI_OK)
        return e;
    int op = r.op;
    const char *right = r.right;
    if (!op || !account)
        return cli_error(ctx, CLI_USAGE,
                         "usage: ntlab ntrights (+r|-r) RIGHT -u ACCOUNT [-m '\\\\COMPUTER'] [-e ENTRY]");
    struct cli_focus f;
    if (computer) {
        /* \\EXCHSRV as ntrights spells it, or the bare EXCHSRV */
        struct machine *target = cli_computer(ctx, computer, "ntrights: ");
        if (!target)
            return CLI_FAIL;
        char focus[MACHINE_NAME_MAX + 3];
        snprintf(focus, sizeof focus, "\\\\%s", machine_name(target));
        /* On a DC, the computer's policy is its domain's. */
        if (machine_is_dc(target)) {
            f.m = target;
            f.lsa = machine_lsa(target);
            snprintf(f.label, sizeof f.label, "%s", machine_domain(target));
        } else if (cli_focus(ctx, focus, &f)) {
            return CLI_FAIL;
        }
    } else if (cli_focus(ctx, NULL, &f)) {
        return CLI_FAIL;
    }
    const char *rights[1] = {right};
    int rc = change(ctx, &f, account, op > 0, false, rights, 1, false);
    if (rc == CLI_OK && entry && machine_evtlog(f.m)) {
        /* ntrights -e: the entry goes to the target computer's log. */
        evtlog_write(machine_evtlog(f.m), EVTLOG_APPLICATION, machine_now(f.m), "NTRIGHTS", 1,
                     EVT_INFORMATION, 0, "N/A", entry);
    }
    return rc;
}

/* ntlab export: each policy (a member's or standalone's own, a domain's)
 * as `policy set` and `rights grant/revoke` against the OS's default
 * template, so that a fresh machine plus these lines holds the same
 * account policy and rights (export_int.h). Accounts are those the lab
 * knows: the well-known SIDs and every SAM's users and groups. */
#include "emulator/inf.h"
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/machine.h"
#include "emulator/rights.h"
#include "emulator/sam.h"
#include "emulator/sid.h"
#include "src/lib/embed.h"
#include "src/scenario/export_int.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sa_value(const struct lsa_sysaccess *sa, enum inf_sa k)
{
    switch (k) {
    case INF_SA_MIN_PASSWORD_AGE: return sa->min_password_age;
    case INF_SA_MAX_PASSWORD_AGE: return sa->max_password_age;
    case INF_SA_MIN_PASSWORD_LENGTH: return sa->min_password_length;
    case INF_SA_PASSWORD_HISTORY: return sa->password_history;
    case INF_SA_LOCKOUT_BAD_COUNT: return sa->lockout_bad_count;
    case INF_SA_RESET_LOCKOUT_COUNT: return sa->reset_lockout_count;
    case INF_SA_LOCKOUT_DURATION: return sa->lockout_duration;
    case INF_SA_FORCE_LOGOFF: return sa->force_logoff;
    case INF_SA_COUNT: break;
    }
    return 0;
}

static int sysaccess(struct exp *x, const char *focus, const struct lsa *live,
                     const struct lsa *def)
{
    struct buf o = BUF_INIT;
    int rc = 0;
    for (int k = 0; rc == 0 && k < INF_SA_COUNT; k++) {
        int v = sa_value(lsa_sysaccess(live), (enum inf_sa)k);
        if (v != sa_value(lsa_sysaccess(def), (enum inf_sa)k))
            rc = buf_printf(&o, " %s=%d", inf_sa_key((enum inf_sa)k), v);
    }
    if (rc == 0 && o.len)
        rc = buf_printf(&x->body, "ntlab policy set%s --focus %s\n", o.p, focus);
    buf_free(&o);
    return rc;
}

/* `rights VERB ACCOUNT R... --focus F` for the rights in mask. */
static int rights_line(struct exp *x, struct machine *m, const char *verb, const struct sid *sid,
                       rights_mask mask, const char *focus)
{
    if (!mask)
        return 0;
    char name[512];
    machine_sid_name(m, sid, name, sizeof name);
    int rc = buf_printf(&x->body, "ntlab rights %s ", verb);
    if (rc == 0)
        rc = exp_word(&x->body, name);
    for (unsigned r = 0; rc == 0 && r < rights_count(); r++)
        if (mask & RIGHTS_BIT(r))
            rc = buf_printf(&x->body, " %s", rights_at(r)->name);
    return rc ? rc : buf_printf(&x->body, " --focus %s\n", focus);
}

static int account(struct exp *x, struct machine *m, const char *focus, const struct lsa *live,
                   const struct lsa *def, const struct sid *sid)
{
    rights_mask have = lsa_sid_rights(live, sid), want = lsa_sid_rights(def, sid);
    int rc = rights_line(x, m, "grant", sid, have & ~want, focus);
    return rc ? rc : rights_line(x, m, "revoke", sid, want & ~have, focus);
}

struct focus_args {
    struct machine *m;
    const char *focus;
    const struct lsa *live, *def;
};

/* The users and groups of one account database. */
static int sam_accounts(struct exp *x, struct machine *owner, struct sam *s, void *arg)
{
    (void)owner;
    const struct focus_args *a = arg;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sam_user_count(s); k++) {
        struct sid us;
        sam_user_sid(s, sam_user_at(s, k), &us);
        rc = account(x, a->m, a->focus, a->live, a->def, &us);
    }
    for (size_t k = 0; rc == 0 && k < sam_group_count(s); k++) {
        const struct sid *gs = &sam_group_at(s, k)->sid;
        if (!sid_is_builtin_alias(gs)) /* the BUILTIN ones are well-known */
            rc = account(x, a->m, a->focus, a->live, a->def, gs);
    }
    return rc;
}

/* Every account the lab can name, once each, in a fixed order. */
static int accounts(struct exp *x, struct machine *m, const char *focus, const struct lsa *live,
                    const struct lsa *def)
{
    int rc = 0;
    for (int w = 0; rc == 0 && w < SID_WK_COUNT; w++)
        rc = account(x, m, focus, live, def, sid_wellknown((enum sid_wk)w));
    struct focus_args a = {m, focus, live, def};
    return rc ? rc : exp_each_sam(x, sam_accounts, &a);
}

static int one_policy(struct exp *x, struct machine *m, const char *focus, struct lsa *live,
                      bool dc)
{
    const char *path = machine_policy_template(machine_os(m), dc);
    const struct embed_file *f = path ? embed_find(path) : NULL;
    if (!f)
        return exp_fail(x, EINVAL, "%s: no default policy for %s", focus, path ? path : "it");
    if (lsa_refresh(live) != STATUS_SUCCESS)
        return exp_fail(x, EINVAL, "%s", lsa_last_error(live));
    struct lsa *def = NULL;
    char err[512] = "";
    if (lsa_load_mem(path, (const char *)f->data, f->len, machine_os(m), NULL, &def, err,
                     sizeof err) != STATUS_SUCCESS)
        return exp_fail(x, EINVAL, "%s", err[0] ? err : path);
    int rc = sysaccess(x, focus, live, def);
    if (rc == 0)
        rc = accounts(x, m, focus, live, def);
    lsa_free(def);
    return rc;
}

int exp_policy(struct exp *x)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < lab_machine_count(x->lab); i++) {
        struct machine *m = lab_machine_at(x->lab, i);
        if (machine_owns_db(m) && machine_lsa(m))
            rc = one_policy(x, m, machine_name(m), machine_lsa(m), false);
    }
    for (size_t d = 0; rc == 0 && d < lab_domain_count(x->lab); d++) {
        const char *dom = lab_domain_name(x->lab, d);
        struct machine *dc = lab_domain_controller(x->lab, dom);
        struct lsa *l = lab_domain_lsa(x->lab, dom);
        if (dc && l)
            rc = one_policy(x, dc, dom, l, true);
    }
    return rc;
}

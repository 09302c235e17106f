/* /api/v1/policy/FOCUS/account: User Manager's Policies -> Account
 * (password and lockout: the template's [System Access]) on a focus,
 * through the LSA calls `ntlab policy show|set` makes. Fields are the
 * template's key names ("LockoutBadCount"), mapped to the policy by
 * lsa_sysaccess_field, the map the CLI uses; -1 is "not set / never". */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "src/console/step.h"
#include "emulator/inf.h"
#include "emulator/lsa.h"
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include <string.h>

static json_t *policy_json(const struct api_focus *f)
{
    lsa_refresh(f->lsa);
    struct lsa_sysaccess sa = *lsa_sysaccess(f->lsa);
    json_t *p = json_object();
    for (int k = 0; p && k < INF_SA_COUNT; k++)
        json_object_set_new(p, inf_sa_key((enum inf_sa)k),
                            json_integer(*lsa_sysaccess_field(&sa, (enum inf_sa)k)));
    return json_pack("{s:s, s:s, s:o}", "focus", f->label, "os", osver_name(lsa_os(f->lsa)),
                     "account", p);
}

/* Every field is checked before the one lsa_set_sysaccess call: a bad one
 * changes nothing. */
static int set_policy(struct api_call *a, struct api_focus *f)
{
    const char *keys[INF_SA_COUNT + 1];
    for (int k = 0; k < INF_SA_COUNT; k++)
        keys[k] = inf_sa_key((enum inf_sa)k);
    keys[INF_SA_COUNT] = NULL;
    json_t *b = reply_body(a->rq, keys, a->rs);
    if (!b)
        return 0;
    lsa_refresh(f->lsa);
    struct lsa_sysaccess sa = *lsa_sysaccess(f->lsa);
    int bad = -1;
    /* `policy set KEY=VALUE... --focus FOCUS` with the keys given */
    struct api_steps ss = {0};
    struct api_step *s = api_step_new(&ss, NULL, "policy");
    api_step_word(&ss, s, "set");
    for (int k = 0; k < INF_SA_COUNT && bad < 0; k++) {
        json_t *v = json_object_get(b, keys[k]);
        if (!v)
            continue;
        json_int_t n = json_is_integer(v) ? json_integer_value(v) : -2;
        if (n < -1 || n > 999999 || !inf_sa_valid((enum inf_sa)k, (int)n))
            bad = k;
        else
            *lsa_sysaccess_field(&sa, (enum inf_sa)k) = (int)n;
        api_step_wordf(&ss, s, "%s=%d", keys[k], (int)n);
    }
    api_step_word(&ss, s, "--focus");
    api_step_word(&ss, s, f->label);
    bool any = json_object_size(b) > 0;
    json_decref(b);
    if (bad >= 0)
        return reply_error(a->rs, 400, "bad value for %s (an integer in the range the "
                                       "template allows; -1: not set)", keys[bad]);
    if (any && api_steps_check(a, &ss))
        return 0;
    ntstatus st = any ? lsa_set_sysaccess(f->lsa, &sa) : STATUS_SUCCESS;
    if (any)
        a->c->changed = true;
    if (st != STATUS_SUCCESS)
        return reply_win32(a->rs, "cannot change the account policy of", f->label,
                           nterr_to_win32(st));
    int e = reply_json(a->rs, 200, policy_json(f));
    if (any) /* made: recorded whatever the reply */
        api_steps_send(a, &ss);
    return e;
}

int api_policy(struct api_call *a)
{
    if (a->n != 3 || strcmp(a->seg[2], "account") != 0)
        return reply_error(a->rs, 404, "no such API path");
    struct api_focus f;
    if (api_focus(a, a->seg[1], &f))
        return 0;
    if (strcmp(a->rq->method, "GET") == 0)
        return reply_json(a->rs, 200, policy_json(&f));
    if (strcmp(a->rq->method, "POST") == 0)
        return set_policy(a, &f);
    return api_method(a, "GET, POST");
}
#endif

/* /api/v1/rights/FOCUS[/grant|/revoke]: User Manager's Policies -> User
 * Rights on a focus (Select Domain: "CORP", or "\\EXCHSRV" / "EXCHSRV" for
 * a computer's own policy), through the LSA calls `ntlab rights` makes. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "src/console/step.h"
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/machine.h"
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "emulator/query.h"
#include "emulator/rights.h"
#include "emulator/sid.h"
#include <stdio.h>
#include <string.h>

#define MAX_RIGHTS 64

/* Select Domain's rule, as `ntlab rights --focus` takes it: a domain, or
 * \\COMPUTER; a bare name that is no domain but a computer means it. 0, or
 * rs filled with the refusal. */
int api_focus(struct api_call *a, const char *given, struct api_focus *f)
{
    struct lab *lab = a->c->lab;
    char named[MACHINE_NAME_MAX + 3];
    struct lsa *probe;
    const char *focus = given;
    if (focus[0] != '\\' &&
        lab_policy_for_focus(lab, focus, &probe) == STATUS_OBJECT_NAME_NOT_FOUND &&
        lab_machine_find(lab, focus)) {
        snprintf(named, sizeof named, "\\\\%s", machine_name(lab_machine_find(lab, focus)));
        focus = named;
    }
    ntstatus st = lab_policy_for_focus(lab, focus, &f->lsa);
    if (st == STATUS_INVALID_PARAMETER) {
        reply_error(a->rs, 400, "focus '%s' is a domain controller: set the focus to its domain",
                    given);
        return -1;
    }
    f->m = st == STATUS_SUCCESS ? lab_focus_machine(lab, focus) : NULL;
    if (!f->m) {
        reply_error(a->rs, 404, "no domain or computer '%s' in this lab", given);
        return -1;
    }
    snprintf(f->label, sizeof f->label, "%s", focus);
    return 0;
}

static json_t *rights_json(const struct api_focus *f)
{
    struct query_rights r;
    ntstatus st = query_rights(f->m, f->lsa, &r);
    json_t *arr = st == STATUS_SUCCESS ? json_array() : NULL;
    for (size_t i = 0; arr && i < r.nrights; i++) {
        const struct query_right *q = &r.rights[i];
        json_t *holders = json_array();
        for (size_t j = 0; holders && j < q->nholders; j++) {
            char sid[SID_STR_MAX];
            if (sid_format(&q->holders[j].sid, sid, sizeof sid))
                sid[0] = 0;
            json_array_append_new(holders, json_pack("{s:s, s:s}", "name", q->holders[j].name,
                                                     "sid", sid));
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:b, s:o}", "name", q->name,
                                             "display", rights_display(q->right, r.os),
                                             "logon_right", q->logon_right, "advanced",
                                             q->advanced, "holders", holders));
    }
    enum osver os = r.os;
    query_rights_free(&r);
    if (!arr)
        return NULL;
    return json_pack("{s:s, s:s, s:o}", "focus", f->label, "os", osver_name(os), "rights", arr);
}

/* The body's rights as constants (User Manager's display names too, as
 * `ntlab rights grant` takes them). 0, or rs filled. */
static int body_rights(struct api_call *a, json_t *list, enum osver os, const char **out,
                       size_t *n)
{
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > MAX_RIGHTS) {
        reply_error(a->rs, 400, "\"rights\" must be a list of 1 to %d right names", MAX_RIGHTS);
        return -1;
    }
    *n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        unsigned idx;
        const char *name = json_string_value(v);
        if (!name) {
            reply_error(a->rs, 400, "\"rights\" must hold strings");
            return -1;
        }
        if (rights_resolve(name, os, &idx) != STATUS_SUCCESS) {
            char text[300];
            nterr_describe(nterr_to_win32(STATUS_NO_SUCH_PRIVILEGE), text, sizeof text);
            reply_error(a->rs, 400, "unknown right '%.80s' on %s (%s)", name, osver_display(os),
                        text);
            return -1;
        }
        out[(*n)++] = rights_at(idx)->name;
    }
    return 0;
}

/* `rights grant|revoke ACCOUNT RIGHT... --focus FOCUS`, the account by
 * the name export writes for its SID. 0, or -1 with a->rs filled. */
static int rights_step(struct api_call *a, const struct api_focus *f, bool grant,
                       const struct sid *sid, const char **rights, size_t n,
                       struct api_steps *ss)
{
    char who[QUERY_ACCOUNT_MAX];
    machine_sid_name(f->m, sid, who, sizeof who);
    struct api_step *s = api_step_new(ss, NULL, "rights");
    api_step_word(ss, s, grant ? "grant" : "revoke");
    api_step_word(ss, s, who);
    for (size_t i = 0; i < n; i++)
        api_step_word(ss, s, rights[i]);
    api_step_word(ss, s, "--focus");
    api_step_word(ss, s, f->label);
    return api_steps_check(a, ss);
}

static int change(struct api_call *a, struct api_focus *f, bool grant)
{
    static const char *const fields[] = {"account", "rights", NULL};
    json_t *body = reply_body(a->rq, fields, a->rs);
    if (!body)
        return 0;
    const char *account = json_string_value(json_object_get(body, "account"));
    const char *rights[MAX_RIGHTS];
    size_t n;
    struct sid sid;
    struct api_steps ss = {0};
    if (!account) {
        reply_error(a->rs, 400, "\"account\" (a string, e.g. \"CORP\\\\EXCHSVC\") is required");
    } else if (body_rights(a, json_object_get(body, "rights"), lsa_os(f->lsa), rights, &n) == 0) {
        if (machine_resolve(f->m, account, &sid) != STATUS_SUCCESS) {
            char text[300];
            nterr_describe(nterr_to_win32(STATUS_NONE_MAPPED), text, sizeof text);
            reply_error(a->rs, 404, "no account '%.100s' (%s)", account, text);
        } else if (rights_step(a, f, grant, &sid, rights, n, &ss) == 0) {
            struct lsa_handle h;
            const struct sid *admins = sid_wellknown(SID_WK_ADMINISTRATORS);
            ntstatus st = lsa_open_policy(f->lsa, admins, 1,
                                          POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES, &h);
            if (st == STATUS_SUCCESS) {
                st = grant ? lsa_add_account_rights(&h, &sid, rights, n)
                           : lsa_remove_account_rights(&h, &sid, false, rights, n);
                lsa_close(&h);
                a->c->changed = true;
            }
            char who[QUERY_ACCOUNT_MAX], what[QUERY_ACCOUNT_MAX + 80];
            machine_sid_name(f->m, &sid, who, sizeof who);
            snprintf(what, sizeof what, "for %s in %s", who, f->label);
            if (st == STATUS_SUCCESS) {
                (void)reply_json(a->rs, 200, rights_json(f));
                api_steps_send(a, &ss); /* made: recorded whatever the reply */
            } else
                reply_win32(a->rs, grant ? "grant" : "revoke", what, nterr_to_win32(st));
        }
    }
    json_decref(body);
    return 0;
}

int api_rights(struct api_call *a)
{
    if (a->n < 2 || a->n > 3)
        return reply_error(a->rs, 404, "no such API path");
    struct api_focus f;
    if (api_focus(a, a->seg[1], &f))
        return 0;
    bool get = strcmp(a->rq->method, "GET") == 0, post = strcmp(a->rq->method, "POST") == 0;
    if (a->n == 2)
        return get ? reply_json(a->rs, 200, rights_json(&f)) : api_method(a, "GET");
    if (strcmp(a->seg[2], "grant") != 0 && strcmp(a->seg[2], "revoke") != 0)
        return reply_error(a->rs, 404, "no such API path");
    return post ? change(a, &f, a->seg[2][0] == 'g') : api_method(a, "POST");
}
#endif

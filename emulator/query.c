/* Structured views of a machine (query.h): copies of what the machine,
 * its SCM, its policy and its event log hold. */
#include "emulator/query.h"
#include "src/lib/str.h"
#include <stdlib.h>
#include <string.h>

ntstatus query_machine(const struct machine *m, struct query_machine *out)
{
    if (!m || !out)
        return STATUS_INVALID_PARAMETER;
    memset(out, 0, sizeof *out);
    str_copy(out->name, sizeof out->name, machine_name(m));
    out->os = machine_os(m);
    out->role = machine_role(m);
    str_copy(out->domain, sizeof out->domain, machine_domain(m));
    out->running = machine_running(m);
    out->clock = machine_now(m);
    out->clock_virtual = machine_clock(m)->virtual_time;
    out->nservices = query_service_count(m);
    return STATUS_SUCCESS;
}

size_t query_service_count(const struct machine *m)
{
    return m && machine_scm(m) ? scm_count(machine_scm(m)) : 0;
}

static void copy_token(struct machine *m, const struct scm_service *svc, struct query_token *q)
{
    const struct token *t = &svc->token;
    str_copy(q->user, sizeof q->user, t->user_name);
    str_copy(q->domain, sizeof q->domain, t->domain_name);
    q->user_sid = t->user;
    q->logon_id = t->logon_id;
    q->logon_time = t->logon_time;
    for (unsigned i = 0; i < RI_COUNT; i++) {
        if (!token_has_privilege(t, i))
            continue;
        struct query_privilege *p = &q->privileges[q->nprivileges++];
        p->right = i;
        p->name = rights_at(i)->name;
        p->attributes = token_privilege_attributes(t, i);
    }
    q->drift = scm_token_drift(m, svc, &q->granted_since, &q->revoked_since);
    if (q->drift)
        q->granted_since = q->revoked_since = 0;
}

ntstatus query_service_at(struct machine *m, size_t i, struct query_service *out)
{
    if (!m || !out || i >= query_service_count(m))
        return STATUS_INVALID_PARAMETER;
    const struct scm_service *s = scm_at(machine_scm(m), i);
    memset(out, 0, sizeof *out);
    str_copy(out->name, sizeof out->name, s->name);
    str_copy(out->display, sizeof out->display, s->display);
    str_copy(out->image, sizeof out->image, s->image);
    str_copy(out->account, sizeof out->account, s->account);
    out->state = s->state;
    out->start = s->start;
    out->last_error = s->last_error;
    out->has_token = s->state == SCM_RUNNING;
    if (out->has_token)
        copy_token(m, s, &out->token);
    return STATUS_SUCCESS;
}

/* The holders of one right; an unheld right has none (not an error). */
static ntstatus holders_of(struct machine *m, struct lsa_handle *h, struct query_right *r)
{
    struct sid *sids = NULL;
    size_t n = 0;
    ntstatus st = lsa_enumerate_accounts_with_right(h, r->name, &sids, &n);
    if (st == STATUS_NO_MORE_ENTRIES)
        return STATUS_SUCCESS;
    if (st)
        return st;
    r->holders = n ? calloc(n, sizeof *r->holders) : NULL;
    if (n && !r->holders) {
        free(sids);
        return STATUS_NO_MEMORY;
    }
    for (size_t j = 0; j < n; j++) {
        r->holders[j].sid = sids[j];
        machine_sid_name(m, &sids[j], r->holders[j].name, sizeof r->holders[j].name);
    }
    r->nholders = n;
    free(sids);
    return STATUS_SUCCESS;
}

ntstatus query_rights(struct machine *m, struct lsa *lsa, struct query_rights *out)
{
    if (!out)
        return STATUS_INVALID_PARAMETER;
    memset(out, 0, sizeof *out);
    if (!m || !lsa)
        return STATUS_INVALID_PARAMETER;
    out->os = lsa_os(lsa);
    out->rights = calloc(RI_COUNT, sizeof *out->rights);
    if (!out->rights)
        return STATUS_NO_MEMORY;
    struct lsa_handle h;
    ntstatus st = lsa_open_policy(lsa, sid_wellknown(SID_WK_ADMINISTRATORS), 1,
                                  POLICY_VIEW_LOCAL_INFORMATION | POLICY_LOOKUP_NAMES, &h);
    if (st)
        return st;
    for (unsigned i = 0; i < RI_COUNT && !st; i++) {
        const struct rights_info *ri = rights_at(i);
        if (!(rights_known(out->os) & RIGHTS_BIT(i)))
            continue;
        struct query_right *r = &out->rights[out->nrights++];
        r->right = i;
        r->name = ri->name;
        r->logon_right = ri->kind == RIGHTS_LOGON;
        r->advanced = ri->advanced;
        st = holders_of(m, &h, r);
    }
    lsa_close(&h);
    return st;
}

void query_rights_free(struct query_rights *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrights; i++)
        free(r->rights[i].holders);
    free(r->rights);
    memset(r, 0, sizeof *r);
}

const struct query_right *query_rights_find(const struct query_rights *r, unsigned right)
{
    for (size_t i = 0; r && i < r->nrights; i++)
        if (r->rights[i].right == right)
            return &r->rights[i];
    return NULL;
}

ntstatus query_events(const struct machine *m, enum evtlog_which which, uint32_t after,
                      struct evtlog_record *out, size_t max, size_t *n)
{
    if (n)
        *n = 0;
    if (!m || !out || !n || !max || (unsigned)which >= EVTLOG_COUNT)
        return STATUS_INVALID_PARAMETER;
    const struct evtlog *l = machine_evtlog(m);
    if (!l)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    /* record numbers rise with the index: find the first above `after` */
    size_t lo = evtlog_first(l, which), hi = evtlog_count(l, which);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct evtlog_record *r = evtlog_at(l, which, mid);
        if (r && r->record <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < evtlog_count(l, which) && *n < max; i++) {
        const struct evtlog_record *r = evtlog_at(l, which, i);
        if (r && r->record > after)
            out[(*n)++] = *r;
    }
    return STATUS_SUCCESS;
}

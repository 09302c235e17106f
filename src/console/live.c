/* Live updates by comparing snapshots (live.h). */
#include "src/console/live.h"
#if NTLAB_CONSOLE
#include "emulator/evtlog.h"
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "emulator/query.h"
#include "emulator/scm.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_PAGE 32u

static void emit_json(console_live_emit emit, void *arg, const char *event, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (text)
        emit(arg, event, text);
    free(text);
}

/* FNV-1a over the policy's holders of each right: changes when a grant or
 * revoke changed who holds what. */
static uint64_t rights_fp(struct machine *m)
{
    struct query_rights r;
    uint64_t h = 1469598103934665603ull;
    if (query_rights(m, machine_lsa(m), &r) == STATUS_SUCCESS) {
        for (size_t i = 0; i < r.nrights; i++) {
            for (size_t j = 0; j < r.rights[i].nholders; j++) {
                /* the SID's fields, not its bytes: padding and unused
                 * sub-authorities are not part of it */
                const struct sid *sd = &r.rights[i].holders[j].sid;
                size_t cnt = sd->count < SID_MAX_SUBAUTH ? sd->count : SID_MAX_SUBAUTH;
                h = (h ^ sd->count) * 1099511628211ull;
                h = (h ^ sd->authority) * 1099511628211ull;
                for (size_t k = 0; k < cnt; k++)
                    h = (h ^ sd->sub[k]) * 1099511628211ull;
            }
            h = (h ^ (i + 1)) * 1099511628211ull;
        }
    }
    query_rights_free(&r);
    return h;
}

/* New records of one log since last (all of them are only counted when
 * emit is NULL: priming). */
static uint32_t scan_log(struct machine *m, enum evtlog_which w, uint32_t last,
                         console_live_emit emit, void *arg, size_t *nev)
{
    struct evtlog_record *recs = malloc(LIVE_PAGE * sizeof *recs);
    size_t n = LIVE_PAGE;
    while (recs && n == LIVE_PAGE) {
        if (query_events(m, w, last, recs, LIVE_PAGE, &n) != STATUS_SUCCESS)
            break;
        for (size_t i = 0; i < n; i++) {
            if (emit) {
                emit_json(emit, arg, "event",
                          json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "machine", machine_name(m),
                                    "log", evtlog_name(w), "record", (json_int_t)recs[i].record,
                                    "event_id", (json_int_t)recs[i].event_id, "source",
                                    recs[i].source, "type", evtlog_type_name(recs[i].type)));
                (*nev)++;
            }
            last = recs[i].record;
        }
    }
    free(recs);
    return last;
}

static void scan_services(struct machine *m, const struct console_live_machine *old,
                          struct console_live_machine *now, console_live_emit emit, void *arg,
                          size_t *nev)
{
    now->nsvc = 0;
    for (size_t i = 0; i < query_service_count(m) && now->nsvc < LIVE_MAX_SERVICES; i++) {
        struct query_service q;
        if (query_service_at(m, i, &q) != STATUS_SUCCESS)
            continue;
        size_t k = now->nsvc++;
        snprintf(now->svc[k].name, sizeof now->svc[k].name, "%s", q.name);
        now->svc[k].state = (int)q.state;
        now->svc[k].logon_id = q.has_token ? (uint64_t)q.token.logon_id : 0;
        bool same = false;
        for (size_t j = 0; old && j < old->nsvc && !same; j++)
            same = strcmp(old->svc[j].name, q.name) == 0 && old->svc[j].state == (int)q.state &&
                   old->svc[j].logon_id == now->svc[k].logon_id;
        if (old && !same && emit) {
            emit_json(emit, arg, "service",
                      json_pack("{s:s, s:s, s:s, s:I}", "machine", machine_name(m), "service",
                                q.name, "state", scm_state_name(q.state), "last_error",
                                (json_int_t)q.last_error));
            (*nev)++;
        }
    }
}

static void scan_machine(struct machine *m, const struct console_live_machine *old,
                         struct console_live_machine *now, console_live_emit emit, void *arg,
                         size_t *nev)
{
    snprintf(now->name, sizeof now->name, "%s", machine_name(m));
    now->running = machine_running(m);
    if (old && old->running != now->running) {
        emit_json(emit, arg, "machine", json_pack("{s:s, s:b}", "machine", now->name, "running",
                                                  now->running));
        (*nev)++;
    }
    scan_services(m, old, now, emit, arg, nev);
    for (int w = 0; w < EVTLOG_COUNT && w < 3; w++)
        now->last_record[w] = scan_log(m, (enum evtlog_which)w, old ? old->last_record[w] : 0,
                                       old ? emit : NULL, arg, nev);
    now->rights_fp = rights_fp(m);
    if (old && old->rights_fp != now->rights_fp) {
        char focus[40];
        if (machine_is_dc(m))
            snprintf(focus, sizeof focus, "%s", machine_domain(m));
        else
            snprintf(focus, sizeof focus, "\\\\%s", now->name);
        emit_json(emit, arg, "rights", json_pack("{s:s, s:s}", "focus", focus, "machine",
                                                 now->name));
        (*nev)++;
    }
}

size_t console_live_scan(struct console_live *lv, struct lab *lab, console_live_emit emit,
                         void *arg)
{
    size_t nev = 0, n = lab_machine_count(lab);
    if (n > LIVE_MAX_MACHINES)
        n = LIVE_MAX_MACHINES;
    struct console_live_machine *now = malloc(sizeof *now);
    for (size_t i = 0; now && i < n; i++) {
        struct machine *m = lab_machine_at(lab, i);
        const struct console_live_machine *old = NULL;
        for (size_t j = 0; lv->primed && j < lv->n && !old; j++)
            if (strcmp(lv->m[j].name, machine_name(m)) == 0)
                old = &lv->m[j];
        memset(now, 0, sizeof *now);
        scan_machine(m, old, now, lv->primed ? emit : NULL, arg, &nev);
        /* machines keep their index unless one was added or removed */
        lv->m[i] = *now;
    }
    free(now);
    lv->n = n;
    lv->primed = true;
    return nev;
}
#endif

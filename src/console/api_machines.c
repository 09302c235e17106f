/* /api/v1/machines...: machines, their services and tokens, restart and
 * shutdown, service start and stop (api.h). Reads are emulator/query.h;
 * writes are the calls `ntlab reboot`, `ntlab shutdown` and `ntlab service
 * start|stop` make. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "src/console/step.h"
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "emulator/query.h"
#include "emulator/rights.h"
#include "emulator/scm.h"
#include "emulator/sid.h"
#include <errno.h>
#include <string.h>

int api_method(struct api_call *a, const char *allowed)
{
    return reply_error(a->rs, 405, "method %s not allowed here (allowed: %s)", a->rq->method,
                       allowed);
}

static json_t *machine_json(const struct machine *m)
{
    struct query_machine q;
    if (query_machine(m, &q) != STATUS_SUCCESS)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:b, s:I}", "name", q.name, "os",
                     osver_name(q.os), "os_display", osver_display(q.os), "role",
                     machine_role_name(q.role), "domain", q.domain, "running", q.running,
                     "clock", (json_int_t)q.clock, "clock_virtual", q.clock_virtual,
                     "nservices", (json_int_t)q.nservices);
}

static json_t *mask_names(rights_mask mask)
{
    json_t *a = json_array();
    for (unsigned i = 0; a && i < RI_COUNT; i++)
        if (mask & RIGHTS_BIT(i))
            json_array_append_new(a, json_string(rights_at(i)->name));
    return a;
}

/* A service token: its privileges next to what the policy gives now. */
static json_t *token_json(const struct query_token *t)
{
    char sid[SID_STR_MAX];
    if (sid_format(&t->user_sid, sid, sizeof sid))
        sid[0] = 0;
    json_t *privs = json_array();
    for (size_t i = 0; privs && i < t->nprivileges; i++)
        json_array_append_new(privs, json_pack("{s:s, s:b}", "name", t->privileges[i].name,
                                               "enabled", (t->privileges[i].attributes &
                                                           SE_PRIVILEGE_ENABLED) != 0));
    json_t *drift = t->drift == STATUS_SUCCESS
                        ? json_pack("{s:o, s:o}", "granted_since", mask_names(t->granted_since),
                                    "revoked_since", mask_names(t->revoked_since))
                        : json_pack("{s:I}", "unknown_win32",
                                    (json_int_t)nterr_to_win32(t->drift));
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "user", t->user, "domain", t->domain,
                     "sid", sid, "logon_id", (json_int_t)t->logon_id, "logon_time",
                     (json_int_t)t->logon_time, "privileges", privs, "drift", drift);
}

static json_t *services_json(struct machine *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < query_service_count(m); i++) {
        struct query_service q;
        if (query_service_at(m, i, &q) != STATUS_SUCCESS)
            continue;
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "name", q.name, "display",
                              q.display, "image", q.image, "account", q.account, "state",
                              scm_state_name(q.state), "start", scm_start_type_name(q.start),
                              "last_error", (json_int_t)q.last_error);
        if (o && q.has_token)
            json_object_set_new(o, "token", token_json(&q.token));
        json_array_append_new(arr, o);
    }
    return arr;
}

static int machine_power(struct api_call *a, struct machine *m, const char *verb)
{
    static const char *const none[] = {NULL};
    json_t *body = reply_body(a->rq, none, a->rs);
    if (!body)
        return 0;
    json_decref(body);
    char err[256] = "";
    bool restart = strcmp(verb, "restart") == 0;
    struct api_steps ss = {0};
    api_step_new(&ss, machine_name(m), restart ? "reboot" : "shutdown");
    if (api_steps_check(a, &ss))
        return 0;
    ntstatus st = restart ? machine_reboot(m, err, sizeof err) : machine_shutdown(m);
    a->c->changed = true;
    /* up (or down) with only its event log short of the events: done, as the CLI says */
    bool done = restart ? machine_running(m) : !machine_running(m);
    if (st != STATUS_SUCCESS && !done) {
        if (err[0])
            return reply_error(a->rs, 409, "%s %s: %s", restart ? "reboot" : "shutdown",
                               machine_name(m), err);
        return reply_win32(a->rs, restart ? "reboot" : "shutdown", machine_name(m),
                           nterr_to_win32(st));
    }
    reply_json(a->rs, 200, machine_json(m));
    api_steps_send(a, &ss);
    return 0;
}

static int service_action(struct api_call *a, struct machine *m, const char *svc,
                          const char *verb)
{
    static const char *const none[] = {NULL};
    json_t *body = reply_body(a->rq, none, a->rs);
    if (!body)
        return 0;
    json_decref(body);
    struct api_steps ss = {0};
    struct api_step *s = api_step_new(&ss, machine_name(m), "service");
    api_step_word(&ss, s, verb);
    api_step_word(&ss, s, svc);
    if (api_steps_check(a, &ss))
        return 0;
    uint32_t rc = strcmp(verb, "start") == 0 ? scm_start(m, svc) : scm_stop(m, svc);
    a->c->changed = true;
    if (rc != ERROR_SUCCESS)
        return reply_win32(a->rs, verb, svc, rc);
    reply_json(a->rs, 200, services_json(m));
    api_steps_send(a, &ss);
    return 0;
}

static json_t *config_json(const struct scm_service *v)
{
    json_t *deps = json_array();
    for (size_t i = 0; deps && i < v->ndeps; i++)
        json_array_append_new(deps, json_string(v->deps[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "name", v->name, "display", v->display,
                     "start", scm_start_type_name(v->start), "account", v->account, "system",
                     scm_account_is_system(v->account), "depends", deps);
}

/* `service config SVC [--start T] [--account A] [--password P]`: what
 * the dialog set (nothing when it set nothing). */
static void config_step(struct api_steps *ss, struct machine *m, const struct scm_config *cfg)
{
    if (!cfg->start && !cfg->account && !cfg->password)
        return;
    struct api_step *s = api_step_new(ss, machine_name(m), "service");
    api_step_word(ss, s, "config");
    api_step_word(ss, s, cfg->name);
    if (cfg->start) {
        api_step_word(ss, s, "--start");
        api_step_word(ss, s, scm_start_type_name(cfg->start));
    }
    if (cfg->account) {
        api_step_word(ss, s, "--account");
        api_step_word(ss, s, cfg->account);
    }
    if (cfg->password) {
        api_step_word(ss, s, "--password");
        api_step_word(ss, s, cfg->password);
    }
}

/* The Services dialog's Startup...: start type and Log On As (account and
 * password), through scm_change_config as `ntlab service config`. The
 * password is written, never read back. */
static int service_config(struct api_call *a, struct machine *m, const char *svc)
{
    if (strcmp(a->rq->method, "GET") == 0)
        return reply_json(a->rs, 200, config_json(scm_find(machine_scm(m), svc)));
    if (strcmp(a->rq->method, "POST") != 0)
        return api_method(a, "GET, POST");
    static const char *const allowed[] = {"start", "account", "password", NULL};
    json_t *b = reply_body(a->rq, allowed, a->rs);
    if (!b)
        return 0;
    struct scm_config cfg = {.name = svc};
    json_t *start = json_object_get(b, "start"), *acct = json_object_get(b, "account"),
           *pw = json_object_get(b, "password");
    if (start && !scm_start_type_parse(json_string_value(start) ? json_string_value(start) : "",
                                       &cfg.start))
        reply_error(a->rs, 400, "\"start\" must be \"auto\", \"demand\" or \"disabled\"");
    else if ((acct && !json_is_string(acct)) || (pw && !json_is_string(pw)))
        reply_error(a->rs, 400, "\"account\" and \"password\" must be strings");
    else {
        cfg.account = json_string_value(acct);
        cfg.password = json_string_value(pw);
        struct api_steps ss = {0};
        config_step(&ss, m, &cfg);
        uint32_t rc = ERROR_SUCCESS;
        if (ss.n && api_steps_check(a, &ss)) {
            json_decref(b);
            return 0;
        }
        if (start || acct || pw) {
            rc = scm_change_config(m, svc, &cfg);
            a->c->changed = true;
        }
        if (rc != ERROR_SUCCESS)
            reply_win32(a->rs, "cannot configure service", svc, rc);
        else { /* made: recorded whatever the reply */
            (void)reply_json(a->rs, 200, config_json(scm_find(machine_scm(m), svc)));
            api_steps_send(a, &ss);
        }
    }
    json_decref(b);
    return 0;
}

int api_machines(struct api_call *a)
{
    bool get = strcmp(a->rq->method, "GET") == 0, post = strcmp(a->rq->method, "POST") == 0;
    if (strcmp(a->seg[0], "machines") != 0)
        return reply_error(a->rs, 404, "no such API path");
    struct lab *lab = a->c->lab;
    if (a->n == 1) {
        if (!get)
            return api_method(a, "GET");
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < lab_machine_count(lab); i++)
            json_array_append_new(arr, machine_json(lab_machine_at(lab, i)));
        return reply_json(a->rs, 200, arr);
    }
    struct machine *m = lab_machine_find(lab, a->seg[1]);
    if (!m)
        return reply_error(a->rs, 404, "no machine '%s' in this lab", a->seg[1]);
    if (a->n == 2)
        return get ? reply_json(a->rs, 200, machine_json(m)) : api_method(a, "GET");
    if (a->n == 3 && (strcmp(a->seg[2], "restart") == 0 || strcmp(a->seg[2], "shutdown") == 0))
        return post ? machine_power(a, m, a->seg[2]) : api_method(a, "POST");
    if (strcmp(a->seg[2], "events") == 0 && (a->n == 4 || a->n == 5))
        return api_events(a, m);
    if (strcmp(a->seg[2], "services") != 0 || a->n == 4 || a->n > 5)
        return reply_error(a->rs, 404, "no such API path");
    if (a->n == 3)
        return get ? reply_json(a->rs, 200, services_json(m)) : api_method(a, "GET");
    if (!machine_scm(m) || !scm_find(machine_scm(m), a->seg[3]))
        return reply_error(a->rs, 404, "%s has no service '%s'", machine_name(m), a->seg[3]);
    if (strcmp(a->seg[4], "config") == 0)
        return service_config(a, m, a->seg[3]);
    if (strcmp(a->seg[4], "start") != 0 && strcmp(a->seg[4], "stop") != 0)
        return reply_error(a->rs, 404, "no such API path");
    return post ? service_action(a, m, a->seg[3], a->seg[4]) : api_method(a, "POST");
}
#endif

/* issue 15: the teaching console's API handlers (src/console/console.h),
 * called as the HTTP row calls them, without a socket: access (peer, Host,
 * secret, Origin), reads through the query API, writes through the CLI's
 * calls, and hostile requests that must change nothing. */
#include "tests/unit/console_fixture.h"
#include "tests/unit/unit.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/sam.h"
#include "emulator/scm.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void grant(struct lsa *lsa, const struct sid *sid, const char *right)
{
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(lsa, sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h),
        STATUS_SUCCESS);
    const char *r[1] = {right};
    UNIT_ASSERT_STATUS_FATAL(lsa_add_account_rights(&h, sid, r, 1), STATUS_SUCCESS);
    lsa_close(&h);
}

static void add_service(struct machine *m, const char *name, const char *pw)
{
    struct scm_config c = {0};
    c.name = name;
    c.image = "null";
    c.account = "CORP\\svc";
    c.password = pw;
    c.start = SCM_AUTO;
    UNIT_ASSERT_WIN32_FATAL(scm_add(m, &c), ERROR_SUCCESS);
}

/* CORP: a PDC and a member SRV; SRV runs Good as CORP\svc, granted
 * SeTcbPrivilege after it started (drift); Bad has a wrong password. */
static void clab_create(struct cfx_lab *q)
{
    cfx_corp(q);
    uint32_t rid;
    struct sid svc;
    UNIT_ASSERT_STATUS_FATAL(
        sam_user_add(machine_sam(q->dc), "svc", "Svc1!", machine_now(q->dc), &rid), STATUS_SUCCESS);
    sam_user_sid(machine_sam(q->dc), sam_user_by_rid(machine_sam(q->dc), rid), &svc);
    grant(machine_lsa(q->srv), &svc, "SeServiceLogonRight");
    add_service(q->srv, "Good", "Svc1!");
    add_service(q->srv, "Bad", "B4dpw!");
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(q->lab, err, sizeof err), STATUS_SUCCESS);
    grant(machine_lsa(q->srv), &svc, "SeTcbPrivilege");
}

/* Runs rq; returns its status, the parsed body into *out (NULL: not kept).
 * No password ever goes back. */
static int call(struct cfx_lab *q, const struct console_request *rq, json_t **out)
{
    static const char *const pw[] = {"Svc1!", "B4dpw!", NULL};
    return cfx_json(&q->con, rq, out, pw);
}

/* The answer's error text; "" when it has none (a success). */
static const char *error_of(json_t *v)
{
    const char *e = json_string_value(json_object_get(v, "error"));
    return e ? e : "";
}

static enum scm_state state_of(struct cfx_lab *q, const char *svc)
{
    return scm_find(machine_scm(q->srv), svc)->state;
}

/* Refusals change nothing: a stop of Good refused for each reason. */
static void test_access(void)
{
    struct cfx_lab q;
    clab_create(&q);
    json_t *v;
    struct console_request rq = cfx_req("GET", "/api/v1/machines", NULL);
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 200);
    rq.token = NULL;
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 401);
    CU_ASSERT_PTR_NOT_NULL(strstr(error_of(v), "?token="));
    json_decref(v);
    rq.token = "0123456789abcdef0123456789abcdeX"; /* one character off */
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 403);
    rq.token = CFX_SECRET "0"; /* a longer one */
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 403);
    rq.token = "";
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 401);
    rq = cfx_req("GET", "/api/v1/machines", NULL);
    rq.peer_loopback = false;
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(error_of(v), "loopback"));
    json_decref(v);
    /* DNS rebinding: a name of another site resolved to 127.0.0.1 */
    const char *hosts[] = {"evil.example:8110", "127.0.0.1:8111", "127.0.0.1", NULL};
    for (size_t i = 0; i < 4; i++) {
        rq = cfx_req("GET", "/api/v1/machines", NULL);
        rq.host = hosts[i];
        CU_ASSERT_EQUAL(call(&q, &rq, NULL), 403);
    }
    rq = cfx_req("GET", "/api/v1/machines", NULL);
    rq.host = "LOCALHOST:8110";
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 200);
    rq.host = "[::1]:8110";
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 200);
    /* writes: the Origin of the console's own page, nothing else */
    const char *origins[] = {NULL, "http://evil.example", "http://127.0.0.1:8111", "null",
                             "https://127.0.0.1:8110"};
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        rq = cfx_req("POST", "/api/v1/machines/SRV/services/Good/stop", NULL);
        rq.origin = origins[i];
        CU_ASSERT_EQUAL(call(&q, &rq, &v), 403);
        CU_ASSERT_PTR_NOT_NULL(strstr(error_of(v), "Origin " CFX_ORIGIN));
        json_decref(v);
        CU_ASSERT_EQUAL(state_of(&q, "Good"), SCM_RUNNING);
    }
    rq = cfx_req("POST", "/api/v1/machines/SRV/services/Good/stop", NULL);
    rq.token = "nope";
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 403);
    CU_ASSERT_EQUAL(state_of(&q, "Good"), SCM_RUNNING);
    CU_ASSERT_FALSE(q.con.changed);
    rq = cfx_req("POST", "/api/v1/machines/SRV/services/Good/stop", NULL);
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 200);
    CU_ASSERT_EQUAL(state_of(&q, "Good"), SCM_STOPPED);
    CU_ASSERT_TRUE(q.con.changed);
    cfx_free(&q);
}

static json_t *find_named(json_t *arr, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
            return o;
    }
    return NULL;
}

static bool has_string(json_t *arr, const char *s)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        if (strcmp(json_string_value(o), s) == 0)
            return true;
    }
    return false;
}

/* The lesson: the token is a snapshot (drift), a restart takes the grant. */
static void test_services_restart(void)
{
    struct cfx_lab q;
    clab_create(&q);
    json_t *v;
    struct console_request rq = cfx_req("GET", "/api/v1/machines", NULL);
    CU_ASSERT_EQUAL_FATAL(call(&q, &rq, &v), 200);
    json_t *srv = find_named(v, "SRV");
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(srv, "role")), "member");
    CU_ASSERT_TRUE(json_is_true(json_object_get(srv, "running")));
    json_decref(v);
    rq = cfx_req("GET", "/api/v1/machines/srv/services", NULL);
    CU_ASSERT_EQUAL_FATAL(call(&q, &rq, &v), 200);
    json_t *good = find_named(v, "Good"), *bad = find_named(v, "Bad");
    CU_ASSERT_PTR_NOT_NULL_FATAL(good);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
    json_t *tok = json_object_get(good, "token");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(tok, "user")), "svc");
    CU_ASSERT_TRUE(has_string(json_object_get(json_object_get(tok, "drift"), "granted_since"),
                              "SeTcbPrivilege"));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(bad, "state")), "stopped");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(bad, "last_error")), 1069);
    CU_ASSERT_PTR_NULL(json_object_get(bad, "token"));
    json_decref(v);
    /* a failed start: the Win32 code and the text the CLI prints */
    rq = cfx_req("POST", "/api/v1/machines/SRV/services/Bad/start", "{}");
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 409);
    CU_ASSERT_STRING_EQUAL(error_of(v), "start Bad: 1069 ERROR_SERVICE_LOGON_FAILED: The service "
                                        "did not start due to a logon failure.");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(v, "win32")), 1069);
    json_decref(v);
    rq = cfx_req("POST", "/api/v1/machines/SRV/restart", NULL);
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 200);
    rq = cfx_req("GET", "/api/v1/machines/SRV/services", NULL);
    CU_ASSERT_EQUAL_FATAL(call(&q, &rq, &v), 200);
    tok = json_object_get(find_named(v, "Good"), "token");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(tok, "drift"),
                                                    "granted_since")), 0);
    bool tcb = false;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(tok, "privileges"), i, p) {
        tcb |= strcmp(json_string_value(json_object_get(p, "name")), "SeTcbPrivilege") == 0;
    }
    CU_ASSERT_TRUE(tcb);
    json_decref(v);
    rq = cfx_req("POST", "/api/v1/machines/SRV/shutdown", NULL);
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_TRUE(json_is_false(json_object_get(v, "running")));
    json_decref(v);
    cfx_free(&q);
}

/* Hostile requests: a 4xx with a clear message and no change. */
static void test_hostile(void)
{
    struct cfx_lab q;
    clab_create(&q);
    static char big[CONSOLE_BODY_MAX + 2];
    memset(big, ' ', sizeof big - 1);
    const struct {
        const char *method, *path, *body;
        int status;
        const char *says;
    } cases[] = {
        {"POST", "/api/v1/machines/SRV/services/Good/stop", "{", 400, "malformed JSON"},
        {"POST", "/api/v1/machines/SRV/services/Good/stop", "[]", 400, "JSON object"},
        {"POST", "/api/v1/machines/SRV/services/Good/stop", "{\"force\":true}", 400,
         "unknown field \"force\""},
        {"POST", "/api/v1/machines/SRV/services/Good/stop", "{\"a\":1,\"a\":1}", 400,
         "malformed JSON"},
        {"POST", "/api/v1/machines/SRV/services/Good/stop", "{\"\\u0000\":1}", 400,
         "malformed JSON"},
        {"POST", "/api/v1/machines/NOPE/services/Good/stop", NULL, 404, "no machine 'NOPE'"},
        {"POST", "/api/v1/machines/SRV/services/Nope/stop", NULL, 404, "no service 'Nope'"},
        {"POST", "/api/v1/machines/SRV/services/Good/pause", NULL, 404, "no such API path"},
        {"GET", "/api/v1/machines/SRV/services/Good/stop", NULL, 405, "allowed: POST"},
        {"POST", "/api/v1/machines", NULL, 405, "allowed: GET"},
        {"GET", "/api/v1/machines/", NULL, 404, "no such"},
        {"GET", "/api/v1/machines//services", NULL, 404, "no such"},
        {"GET", "/api/v1/machines/SRV/services/Good/stop/x/y", NULL, 404, "no such"},
        {"GET", "/api/v2/machines", NULL, 404, "no such"},
        {"GET", "/etc/passwd", NULL, 404, "no such"},
        {"POST", "/api/v1/machines/SRV/restart", big, 413, "larger than"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct console_request rq = cfx_req(cases[i].method, cases[i].path, cases[i].body);
        if (cases[i].body == big)
            rq.body_too_large = true;
        json_t *v;
        int st = call(&q, &rq, &v);
        CU_ASSERT_EQUAL(st, cases[i].status);
        const char *e = error_of(v);
        CU_ASSERT_PTR_NOT_NULL(e);
        if (st != cases[i].status || !e || !strstr(e, cases[i].says))
            fprintf(stderr, "\ncase %zu: %d %s\n", i, st, e ? e : "(no error)");
        CU_ASSERT_PTR_NOT_NULL(e ? strstr(e, cases[i].says) : NULL);
        json_decref(v);
        CU_ASSERT_EQUAL(state_of(&q, "Good"), SCM_RUNNING);
        CU_ASSERT_TRUE(machine_running(q.srv));
    }
    cfx_free(&q);
}

static void test_secret(void)
{
    const char *dir = unit_tmpdir();
    char s1[CONSOLE_SECRET_LEN + 1], s2[CONSOLE_SECRET_LEN + 1], err[600], p[600];
    CU_ASSERT_EQUAL_FATAL(console_secret_load(dir, s1, err, sizeof err), 0);
    CU_ASSERT_EQUAL(strlen(s1), CONSOLE_SECRET_LEN);
    CU_ASSERT_EQUAL(strspn(s1, "0123456789abcdef"), CONSOLE_SECRET_LEN);
    snprintf(p, sizeof p, "%s/%s", dir, CONSOLE_SECRET_FILE);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(console_secret_load(dir, s2, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(s1, s2); /* kept across restarts */
    CU_ASSERT_EQUAL(chmod(p, 0644), 0);
    CU_ASSERT_EQUAL(console_secret_load(dir, s2, err, sizeof err), EPERM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "readable by others"));
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("not-hex\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(chmod(p, 0600), 0);
    CU_ASSERT_EQUAL(console_secret_load(dir, s2, err, sizeof err), EINVAL);
    unit_rmtree(dir);
}

static bool holds(json_t *rights, const char *right, const char *who)
{
    size_t i, j;
    json_t *r, *h;
    json_array_foreach(json_object_get(rights, "rights"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "name")), right) != 0)
            continue;
        json_array_foreach(json_object_get(r, "holders"), j, h) {
            if (strcmp(json_string_value(json_object_get(h, "name")), who) == 0)
                return true;
        }
    }
    return false;
}

static bool good_has_tcb(struct cfx_lab *q)
{
    struct console_request rq = cfx_req("POST", "/api/v1/machines/SRV/restart", NULL);
    CU_ASSERT_EQUAL(call(q, &rq, NULL), 200);
    json_t *v;
    rq = cfx_req("GET", "/api/v1/machines/SRV/services", NULL);
    CU_ASSERT_EQUAL(call(q, &rq, &v), 200);
    bool tcb = false;
    size_t i;
    json_t *p;
    json_t *tok = json_object_get(find_named(v, "Good"), "token");
    json_array_foreach(json_object_get(tok, "privileges"), i, p) {
        tcb |= strcmp(json_string_value(json_object_get(p, "name")), "SeTcbPrivilege") == 0;
    }
    json_decref(v);
    return tcb;
}

/* Q189732's trap by the API: a grant with focus CORP is the domain's policy
 * (its DCs), not the member server's; only \\SRV's reaches the service. */
static void test_rights_focus(void)
{
    struct cfx_lab q;
    clab_create(&q);
    json_t *v;
    struct console_request rq = cfx_req("POST", "/api/v1/rights/SRV/revoke",
                                    "{\"account\":\"CORP\\\\svc\",\"rights\":[\"SeTcbPrivilege\"]}");
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "focus")), "\\\\SRV");
    CU_ASSERT_FALSE(holds(v, "SeTcbPrivilege", "CORP\\svc"));
    json_decref(v);
    CU_ASSERT_FALSE(good_has_tcb(&q));
    /* User Manager's display name, as `ntlab rights grant` takes it */
    rq = cfx_req("POST", "/api/v1/rights/CORP/grant",
             "{\"account\":\"CORP\\\\svc\",\"rights\":[\"Act as part of the operating system\"]}");
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "focus")), "CORP");
    CU_ASSERT_TRUE(holds(v, "SeTcbPrivilege", "CORP\\svc"));
    json_decref(v);
    CU_ASSERT_FALSE(good_has_tcb(&q)); /* the trap: still not in the token */
    rq = cfx_req("GET", "/api/v1/rights/%5C%5CSRV", NULL); /* as MHD hands it: unescaped */
    rq.path = "/api/v1/rights/\\\\SRV";
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_FALSE(holds(v, "SeTcbPrivilege", "CORP\\svc"));
    json_decref(v);
    rq = cfx_req("POST", "/api/v1/rights/\\\\SRV/grant",
             "{\"rights\":[\"SeTcbPrivilege\"],\"account\":\"CORP\\\\svc\"}");
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_TRUE(holds(v, "SeTcbPrivilege", "CORP\\svc"));
    json_decref(v);
    CU_ASSERT_TRUE(good_has_tcb(&q));
    cfx_free(&q);
}

static void test_rights_hostile(void)
{
    struct cfx_lab q;
    clab_create(&q);
    const struct {
        const char *method, *path, *body;
        int status;
        const char *says;
    } cases[] = {
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\nobody\",\"rights\":"
         "[\"SeTcbPrivilege\"]}", 404, "no account 'CORP\\nobody' (1332 ERROR_NONE_MAPPED"},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\svc\",\"rights\":"
         "[\"SeDebugPrivilege\",\"SeBogusPrivilege\"]}", 400,
         "unknown right 'SeBogusPrivilege' on Windows NT 4.0 (1313 ERROR_NO_SUCH_PRIVILEGE"},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\svc\",\"rights\":"
         "[\"setcbprivilege\"]}", 400, "unknown right"},
        {"POST", "/api/v1/rights/SRV/grant", "{\"rights\":[\"SeDebugPrivilege\"]}", 400,
         "\"account\""},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":1,\"rights\":[\"SeDebugPrivilege\"]}",
         400, "\"account\""},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\svc\",\"rights\":[]}", 400,
         "list of 1 to"},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\svc\",\"rights\":"
         "\"SeDebugPrivilege\"}", 400, "list of 1 to"},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\svc\",\"rights\":[7]}", 400,
         "strings"},
        {"POST", "/api/v1/rights/SRV/grant", "{\"account\":\"CORP\\\\svc\",\"rights\":"
         "[\"SeDebugPrivilege\"],\"all\":true}", 400, "unknown field \"all\""},
        {"POST", "/api/v1/rights/NOWHERE/grant", "{}", 404, "no domain or computer 'NOWHERE'"},
        {"POST", "/api/v1/rights/\\\\CORPDC/grant", "{}", 400, "domain controller"},
        {"GET", "/api/v1/rights/SRV/grant", NULL, 405, "allowed: POST"},
        {"POST", "/api/v1/rights/SRV", NULL, 405, "allowed: GET"},
        {"POST", "/api/v1/rights/SRV/list", NULL, 404, "no such"},
        {"GET", "/api/v1/rights", NULL, 404, "no such"},
        {"GET", "/api/v1/machines/SRV/events/Nope", NULL, 404, "no event log 'Nope'"},
        {"GET", "/api/v1/machines/SRV/events/System/-1", NULL, 400, "not a record number"},
        {"GET", "/api/v1/machines/SRV/events/System/99999999999", NULL, 400, "record number"},
        {"POST", "/api/v1/machines/SRV/events/System", NULL, 405, "allowed: GET"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct console_request rq = cfx_req(cases[i].method, cases[i].path, cases[i].body);
        json_t *v;
        int st = call(&q, &rq, &v);
        CU_ASSERT_EQUAL(st, cases[i].status);
        const char *e = error_of(v);
        if (st != cases[i].status || !e || !strstr(e, cases[i].says))
            fprintf(stderr, "\nrights case %zu: %d %s\n", i, st, e ? e : "(no error)");
        CU_ASSERT_PTR_NOT_NULL(e ? strstr(e, cases[i].says) : NULL);
        json_decref(v);
    }
    /* nothing changed: SeDebugPrivilege (first in a refused list) not granted */
    struct console_request rq = cfx_req("GET", "/api/v1/rights/SRV", NULL);
    json_t *v;
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_FALSE(holds(v, "SeDebugPrivilege", "CORP\\svc"));
    json_decref(v);
    CU_ASSERT_FALSE(q.con.changed);
    cfx_free(&q);
}

/* Event Viewer: the Bad service's failed logon is in SRV's System log;
 * paging from the last record number gives nothing new. */
static void test_events(void)
{
    struct cfx_lab q;
    clab_create(&q);
    json_t *v;
    struct console_request rq = cfx_req("GET", "/api/v1/machines/SRV/events/system", NULL);
    CU_ASSERT_EQUAL_FATAL(call(&q, &rq, &v), 200);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "log")), "System");
    json_t *evs = json_object_get(v, "events");
    CU_ASSERT_TRUE_FATAL(json_array_size(evs) > 0);
    bool e7000 = false;
    size_t i;
    json_t *e;
    json_array_foreach(evs, i, e) {
        e7000 |= json_integer_value(json_object_get(e, "event_id")) == 7000 &&
                 strstr(json_string_value(json_object_get(e, "description")), "Bad") != NULL;
    }
    CU_ASSERT_TRUE(e7000);
    json_int_t last = json_integer_value(
        json_object_get(json_array_get(evs, json_array_size(evs) - 1), "record"));
    json_decref(v);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/machines/SRV/events/System/%lld", (long long)last);
    rq = cfx_req("GET", path, NULL);
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "events")), 0);
    json_decref(v);
    cfx_free(&q);
}

/* User Manager: the domain's users at focus CORP, Properties by POST. */
static void test_users(void)
{
    struct cfx_lab q;
    clab_create(&q);
    json_t *v;
    struct console_request rq = cfx_req("GET", "/api/v1/users/CORP", NULL);
    CU_ASSERT_EQUAL_FATAL(call(&q, &rq, &v), 200);
    json_t *svc = find_named(json_object_get(v, "users"), "svc");
    CU_ASSERT_PTR_NOT_NULL_FATAL(svc);
    CU_ASSERT_TRUE(json_is_false(json_object_get(svc, "disabled")));
    CU_ASSERT_PTR_NULL(json_object_get(svc, "nthash"));
    CU_ASSERT_PTR_NULL(json_object_get(svc, "password"));
    json_decref(v);
    const char *big = "{\"fullname\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
    const struct {
        const char *path, *body;
        int status;
        const char *says;
    } bad[] = {
        {"/api/v1/users/CORP/svc", "{\"disabled\":\"yes\"}", 400, "true or false"},
        {"/api/v1/users/CORP/svc", "{\"locked_out\":true}", 400, "only be cleared"},
        {"/api/v1/users/CORP/svc", "{\"password\":5}", 400, "\"password\" must be a string"},
        {"/api/v1/users/CORP/svc", "{\"expires\":-1}", 400, "\"expires\""},
        {"/api/v1/users/CORP/svc", "{\"disabled\":true,\"admin\":true}", 400, "unknown field"},
        {"/api/v1/users/CORP/svc", big, 400, "\"fullname\" must be a string under"},
        {"/api/v1/users/CORP/nobody", "{\"disabled\":true}", 404,
         "no user 'nobody' in CORP (1317 ERROR_NO_SUCH_USER"},
        {"/api/v1/users/ELSEWHERE/svc", "{}", 404, "no domain or computer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = cfx_req("POST", bad[i].path, bad[i].body);
        int st = call(&q, &rq, &v);
        CU_ASSERT_EQUAL(st, bad[i].status);
        const char *e = error_of(v);
        if (st != bad[i].status || !e || !strstr(e, bad[i].says))
            fprintf(stderr, "\nusers case %zu: %d %s\n", i, st, e ? e : "(no error)");
        CU_ASSERT_PTR_NOT_NULL(e ? strstr(e, bad[i].says) : NULL);
        json_decref(v);
    }
    struct sam_user *u = sam_user_find(machine_sam(q.dc), "svc");
    CU_ASSERT_EQUAL(u->flags & SAM_DISABLED, 0);
    CU_ASSERT_STRING_EQUAL(u->fullname, "");
    CU_ASSERT_FALSE(q.con.changed);
    uint8_t hash[16];
    memcpy(hash, u->nthash, sizeof hash);
    rq = cfx_req("POST", "/api/v1/users/CORP/svc",
             "{\"disabled\":true,\"fullname\":\"Exchange service\",\"password\":\"N3w-pass!\"}");
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_TRUE(json_is_true(json_object_get(v, "disabled")));
    CU_ASSERT_PTR_NULL(json_object_get(v, "password"));
    json_decref(v);
    u = sam_user_find(machine_sam(q.dc), "svc");
    CU_ASSERT_NOT_EQUAL(u->flags & SAM_DISABLED, 0);
    CU_ASSERT_STRING_EQUAL(u->fullname, "Exchange service");
    CU_ASSERT_NOT_EQUAL(memcmp(hash, u->nthash, sizeof hash), 0);
    /* the member's own SAM is another focus */
    rq = cfx_req("GET", "/api/v1/users/SRV/svc", NULL);
    CU_ASSERT_EQUAL(call(&q, &rq, NULL), 404);
    rq = cfx_req("GET", "/api/v1/users/%5C%5CSRV", NULL);
    rq.path = "/api/v1/users/\\\\SRV";
    CU_ASSERT_EQUAL(call(&q, &rq, &v), 200);
    CU_ASSERT_PTR_NOT_NULL(find_named(json_object_get(v, "users"), "Administrator"));
    json_decref(v);
    cfx_free(&q);
}

void suite_console(void)
{
    UNIT_SUITE("console", UNIT_TEST(test_access), UNIT_TEST(test_services_restart),
               UNIT_TEST(test_hostile), UNIT_TEST(test_secret), UNIT_TEST(test_rights_focus),
               UNIT_TEST(test_rights_hostile), UNIT_TEST(test_events),
               UNIT_TEST(test_users));
}
#else
void suite_console(void)
{
}
#endif

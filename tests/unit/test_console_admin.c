/* issue 15: the console API's User Manager and Services dialogs
 * (src/console/api_accounts.c, api_policy.c, api_users.c' New User and
 * logon hours, api_machines.c' Startup...): good requests reach the SAM,
 * LSA and SCM as the CLI's calls do; hostile ones get a 4xx and change
 * nothing. */
#include "tests/unit/console_fixture.h"
#include "tests/unit/unit.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/sam.h"
#include "emulator/scm.h"
#include "src/console/live.h"
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* CORP: PDC CORPDC, member SRV with one stopped service Svc (LocalSystem). */
static void alab_create(struct cfx_lab *q)
{
    cfx_corp(q);
    cfx_add_svc(q);
}

/* Runs METHOD PATH with body from the console's page: the status, the
 * answer in *out (NULL: dropped). No answer may carry a password. */
static int run(struct cfx_lab *q, const char *method, const char *path, const char *body,
               json_t **out)
{
    static const char *const pw[] = {"S3cret-pw", NULL};
    struct console_request rq = cfx_req(method, path, body);
    return cfx_json(&q->con, &rq, out, pw);
}

/* Whether the answer's error holds says (and prints it when not). */
static bool says(json_t *v, const char *what)
{
    const char *e = json_string_value(json_object_get(v, "error"));
    if (!e || !strstr(e, what))
        fprintf(stderr, "\nexpected error with '%s', got %s\n", what, e ? e : "(none)");
    return e && strstr(e, what);
}

static json_t *find_key(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        const char *s = json_string_value(json_object_get(o, key));
        if (s && strcmp(s, value) == 0)
            return o;
    }
    return NULL;
}

static void test_focuses_accounts_groups(void)
{
    struct cfx_lab q;
    alab_create(&q);
    json_t *v;
    CU_ASSERT_EQUAL_FATAL(run(&q, "GET", "/api/v1/focuses", NULL, &v), 200);
    json_t *f = json_object_get(v, "focuses");
    CU_ASSERT_PTR_NOT_NULL(find_key(f, "focus", "CORP"));
    CU_ASSERT_PTR_NOT_NULL(find_key(f, "focus", "\\\\SRV"));
    CU_ASSERT_PTR_NULL(find_key(f, "focus", "\\\\CORPDC")); /* a DC's focus is its domain */
    json_decref(v);
    CU_ASSERT_EQUAL_FATAL(run(&q, "GET", "/api/v1/accounts/CORP", NULL, &v), 200);
    json_t *acc = json_object_get(v, "accounts");
    json_t *e = find_key(acc, "name", "Everyone");
    CU_ASSERT_PTR_NOT_NULL(e);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "sid")), "S-1-1-0");
    CU_ASSERT_PTR_NOT_NULL(find_key(acc, "name", "CORP\\Administrator"));
    CU_ASSERT_PTR_NOT_NULL(find_key(acc, "name", "CORP\\Domain Admins"));
    CU_ASSERT_PTR_NOT_NULL(find_key(acc, "name", "BUILTIN\\Administrators"));
    CU_ASSERT_PTR_NULL(find_key(acc, "sid", "S-1-0-0")); /* the NULL SID is offered to none */
    json_decref(v);
    /* the computer's own accounts are another list */
    CU_ASSERT_EQUAL_FATAL(run(&q, "GET", "/api/v1/accounts/SRV", NULL, &v), 200);
    CU_ASSERT_PTR_NOT_NULL(find_key(json_object_get(v, "accounts"), "name", "SRV\\Administrator"));
    CU_ASSERT_PTR_NULL(find_key(json_object_get(v, "accounts"), "name", "CORP\\Administrator"));
    json_decref(v);
    CU_ASSERT_EQUAL_FATAL(run(&q, "GET", "/api/v1/groups/CORP", NULL, &v), 200);
    json_t *g = find_key(json_object_get(v, "groups"), "name", "Domain Admins");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(g, "kind")), "global");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(g, "members"), 0)),
                           "CORP\\Administrator");
    json_decref(v);
    /* hostile: unknown focus, wrong method, extra segment */
    CU_ASSERT_EQUAL(run(&q, "GET", "/api/v1/accounts/NOWHERE", NULL, &v), 404);
    CU_ASSERT_TRUE(says(v, "no domain or computer 'NOWHERE'"));
    json_decref(v);
    CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/groups/CORP", "{}", NULL), 405);
    CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/focuses", "{}", NULL), 405);
    CU_ASSERT_EQUAL(run(&q, "GET", "/api/v1/focuses/CORP", NULL, NULL), 404);
    CU_ASSERT_EQUAL(run(&q, "GET", "/api/v1/accounts/CORP/x", NULL, NULL), 404);
    CU_ASSERT_EQUAL(run(&q, "GET", "/api/v1/accounts/\\\\CORPDC", NULL, &v), 400);
    CU_ASSERT_TRUE(says(v, "domain controller"));
    json_decref(v);
    cfx_free(&q);
}

static void test_new_user(void)
{
    struct cfx_lab q;
    alab_create(&q);
    json_t *v;
    const char *hours = "00fcff00fcff00fcff00fcff00fcff00fcff00fcff";
    char body[300];
    snprintf(body, sizeof body,
             "{\"name\":\"kim\",\"password\":\"S3cret-pw\",\"fullname\":\"Kim\","
             "\"must_change\":true,\"logon_hours\":\"%s\"}", hours);
    CU_ASSERT_EQUAL_FATAL(run(&q, "POST", "/api/v1/users/CORP", body, &v), 201);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "logon_hours")), hours);
    CU_ASSERT_TRUE(json_is_true(json_object_get(v, "must_change")));
    json_decref(v);
    CU_ASSERT_TRUE(q.con.changed);
    struct sam_user *u = sam_user_find(machine_sam(q.dc), "kim");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_TRUE(sam_password_ok(u, "S3cret-pw"));
    CU_ASSERT_EQUAL(u->logon_hours[1], 0xfc);
    CU_ASSERT_NOT_EQUAL(u->flags & SAM_MUST_CHANGE, 0);
    CU_ASSERT_STRING_EQUAL(u->fullname, "Kim");
    /* it exists now: 409 with 1316's text, nothing changed */
    q.con.changed = false;
    CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/users/CORP", "{\"name\":\"KIM\"}", &v), 409);
    CU_ASSERT_TRUE(says(v, "cannot add user KIM: 1316 ERROR_USER_EXISTS"));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(v, "win32")), 1316);
    json_decref(v);
    size_t n = sam_user_count(machine_sam(q.dc));
    const struct {
        const char *body, *says;
        int status;
    } bad[] = {
        {"{\"password\":\"x\"}", "\"name\"", 400},
        {"{\"name\":\"lee\",\"password\":1}", "\"password\" must be a string", 400},
        {"{\"name\":\"lee\",\"logon_hours\":\"ff\"}", "42 hex digits", 400},
        {"{\"name\":\"lee\",\"logon_hours\":\"zz0000000000000000000000000000000000000000\"}",
         "42 hex digits", 400},
        {"{\"name\":\"lee\",\"locked_out\":false}", "unknown field \"locked_out\"", 400},
        {"{\"name\":\"lee\",\"disabled\":1}", "true or false", 400},
        {"{\"name\":\"a/b\"}", "87 ERROR_INVALID_PARAMETER", 409},
        {"[1]", "JSON object", 400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/users/CORP", bad[i].body, &v), bad[i].status);
        CU_ASSERT_TRUE(says(v, bad[i].says));
        json_decref(v);
    }
    CU_ASSERT_EQUAL(sam_user_count(machine_sam(q.dc)), n);
    CU_ASSERT_PTR_NULL(sam_user_find(machine_sam(q.dc), "lee"));
    /* Properties: logon hours written back; a bad one changes nothing */
    CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/users/CORP/kim",
                        "{\"logon_hours\":\"ffffffffffffffffffffffffffffffffffffffffff\"}", NULL),
                    200);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(q.dc), "kim")->logon_hours[1], 0xff);
    CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/users/CORP/kim",
                        "{\"disabled\":true,\"logon_hours\":\"00\"}", NULL), 400);
    u = sam_user_find(machine_sam(q.dc), "kim");
    CU_ASSERT_EQUAL(u->flags & SAM_DISABLED, 0);
    cfx_free(&q);
}

static void test_account_policy(void)
{
    struct cfx_lab q;
    alab_create(&q);
    json_t *v;
    CU_ASSERT_EQUAL_FATAL(run(&q, "GET", "/api/v1/policy/CORP/account", NULL, &v), 200);
    CU_ASSERT_TRUE(json_is_integer(json_object_get(json_object_get(v, "account"),
                                                   "LockoutBadCount")));
    json_decref(v);
    CU_ASSERT_EQUAL_FATAL(run(&q, "POST", "/api/v1/policy/CORP/account",
                              "{\"LockoutBadCount\":3,\"LockoutDuration\":-1}", &v), 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(v, "account"),
                                                       "LockoutBadCount")), 3);
    json_decref(v);
    CU_ASSERT_EQUAL(lsa_sysaccess(lab_domain_lsa(q.lab, "CORP"))->lockout_bad_count, 3);
    CU_ASSERT_EQUAL(lsa_sysaccess(lab_domain_lsa(q.lab, "CORP"))->lockout_duration, -1);
    /* the member's own policy is untouched */
    CU_ASSERT_NOT_EQUAL(lsa_sysaccess(machine_lsa(q.srv))->lockout_bad_count, 3);
    const char *bad[][2] = {
        {"{\"LockoutBadCount\":5,\"Lockout\":1}", "unknown field \"Lockout\""},
        {"{\"LockoutBadCount\":5,\"MinimumPasswordLength\":99}", "MinimumPasswordLength"},
        {"{\"LockoutBadCount\":\"5\"}", "bad value for LockoutBadCount"},
        {"{\"LockoutBadCount\":5,\"LockoutBadCount\":6}", "malformed JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/policy/CORP/account", bad[i][0], &v), 400);
        CU_ASSERT_TRUE(says(v, bad[i][1]));
        json_decref(v);
    }
    CU_ASSERT_EQUAL(lsa_sysaccess(lab_domain_lsa(q.lab, "CORP"))->lockout_bad_count, 3);
    CU_ASSERT_EQUAL(run(&q, "GET", "/api/v1/policy/CORP/audit", NULL, NULL), 404);
    CU_ASSERT_EQUAL(run(&q, "DELETE", "/api/v1/policy/CORP/account", NULL, NULL), 405);
    cfx_free(&q);
}

static void test_service_config(void)
{
    struct cfx_lab q;
    alab_create(&q);
    json_t *v;
    const char *path = "/api/v1/machines/SRV/services/Svc/config";
    CU_ASSERT_EQUAL_FATAL(run(&q, "GET", path, NULL, &v), 200);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "start")), "demand");
    CU_ASSERT_TRUE(json_is_true(json_object_get(v, "system")));
    json_decref(v);
    CU_ASSERT_EQUAL_FATAL(run(&q, "POST", path,
                              "{\"start\":\"auto\",\"account\":\"CORP\\\\svc\","
                              "\"password\":\"S3cret-pw\"}", &v), 200);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "account")), "CORP\\svc");
    CU_ASSERT_PTR_NULL(json_object_get(v, "password"));
    json_decref(v);
    struct scm_service *s = scm_find(machine_scm(q.srv), "Svc");
    CU_ASSERT_EQUAL(s->start, SCM_AUTO);
    CU_ASSERT_STRING_EQUAL(s->password, "S3cret-pw");
    const char *bad[][2] = {
        {"{\"start\":\"boot\"}", "\"start\" must be"},
        {"{\"start\":2}", "\"start\" must be"},
        {"{\"account\":5}", "must be strings"},
        {"{\"start\":\"disabled\",\"interact\":true}", "unknown field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(run(&q, "POST", path, bad[i][0], &v), 400);
        CU_ASSERT_TRUE(says(v, bad[i][1]));
        json_decref(v);
    }
    CU_ASSERT_EQUAL(run(&q, "POST", path, "{\"account\":\"a\\\\b\\\\c\"}", &v), 409);
    CU_ASSERT_TRUE(says(v, "cannot configure service Svc: 87"));
    json_decref(v);
    CU_ASSERT_EQUAL(s->start, SCM_AUTO);
    CU_ASSERT_STRING_EQUAL(s->account, "CORP\\svc");
    CU_ASSERT_EQUAL(run(&q, "GET", "/api/v1/machines/SRV/services/Nope/config", NULL, NULL), 404);
    CU_ASSERT_EQUAL(run(&q, "PUT", path, "{}", NULL), 405);
    cfx_free(&q);
}

struct seen {
    char names[64][16];
    char data[64][400];
    size_t n;
};

static void record(void *arg, const char *event, const char *json)
{
    struct seen *sn = arg;
    if (sn->n < 64) {
        snprintf(sn->names[sn->n], sizeof sn->names[0], "%s", event);
        snprintf(sn->data[sn->n], sizeof sn->data[0], "%s", json);
        sn->n++;
    }
}

static bool saw(const struct seen *sn, const char *event, const char *part)
{
    for (size_t i = 0; i < sn->n; i++)
        if (strcmp(sn->names[i], event) == 0 && strstr(sn->data[i], part))
            return true;
    return false;
}

/* live.c: the first scan primes; then each change is one event. */
static void test_live_scan(void)
{
    struct cfx_lab q;
    alab_create(&q);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(q.lab, err, sizeof err), STATUS_SUCCESS);
    struct console_live *lv = calloc(1, sizeof *lv);
    struct seen *sn = calloc(1, sizeof *sn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sn);
    CU_ASSERT_EQUAL(console_live_scan(lv, q.lab, record, sn), 0);
    CU_ASSERT_EQUAL(sn->n, 0);
    CU_ASSERT_EQUAL(console_live_scan(lv, q.lab, record, sn), 0); /* nothing changed */
    UNIT_ASSERT_WIN32_FATAL(scm_start(q.srv, "Svc"), ERROR_SUCCESS);
    json_t *v;
    CU_ASSERT_EQUAL(run(&q, "POST", "/api/v1/rights/SRV/grant",
                        "{\"account\":\"Everyone\",\"rights\":[\"SeDebugPrivilege\"]}", &v),
                    200);
    json_decref(v);
    CU_ASSERT_TRUE(console_live_scan(lv, q.lab, record, sn) >= 2);
    CU_ASSERT_TRUE(saw(sn, "service", "\"service\":\"Svc\",\"state\":\"running\""));
    CU_ASSERT_TRUE(saw(sn, "rights", "\"focus\":\"\\\\\\\\SRV\""));
    CU_ASSERT_FALSE(saw(sn, "rights", "\"focus\":\"CORP\""));
    sn->n = 0;
    UNIT_ASSERT_STATUS_FATAL(machine_shutdown(q.srv), STATUS_SUCCESS);
    console_live_scan(lv, q.lab, record, sn);
    CU_ASSERT_TRUE(saw(sn, "machine", "\"machine\":\"SRV\",\"running\":false"));
    CU_ASSERT_TRUE(saw(sn, "service", "\"state\":\"stopped\""));
    sn->n = 0;
    UNIT_ASSERT_STATUS_FATAL(machine_boot(q.srv, err, sizeof err), STATUS_SUCCESS);
    console_live_scan(lv, q.lab, record, sn);
    CU_ASSERT_TRUE(saw(sn, "machine", "\"running\":true"));
    CU_ASSERT_TRUE(saw(sn, "event", "\"machine\":\"SRV\",\"log\":\"System\""));
    free(sn);
    free(lv);
    cfx_free(&q);
}

void suite_console_admin(void)
{
    UNIT_SUITE("console_admin", UNIT_TEST(test_focuses_accounts_groups), UNIT_TEST(test_new_user),
               UNIT_TEST(test_account_policy), UNIT_TEST(test_service_config),
               UNIT_TEST(test_live_scan));
}
#else
void suite_console_admin(void)
{
}
#endif

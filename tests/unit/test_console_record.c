/* issue 19: the console's writes under up --record (src/console/step.c:
 * each write handler hands the `ntlab` command line a person types for
 * the same change to console.record, only when the write succeeded, and
 * refuses a change it could not record) and Save as scenario
 * (api_export.c: GET /api/v1/export through the daemon's command). */
#include "tests/unit/console_fixture.h"
#include "tests/unit/unit.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/sam.h"
#include "emulator/scm.h"
#include "src/cli/cli.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXREC 16

struct rlab {
    struct cfx_lab f; /* recording into rec */
    char rec[MAXREC][600]; /* each step: its words, then " @MACHINE" */
    size_t n;
    int fail; /* the recorder's answer: 0, or an errno value */
};

static int take(void *arg, const char *machine, int argc, char **argv, char *err, size_t errlen)
{
    struct rlab *q = arg;
    if (q->fail) {
        snprintf(err, errlen, "disk full (test)");
        return q->fail;
    }
    CU_ASSERT_FATAL(q->n < MAXREC);
    char *p = q->rec[q->n++];
    p[0] = 0;
    for (int i = 0; i < argc; i++)
        snprintf(p + strlen(p), 600 - strlen(p), "%s%s", i ? " " : "", argv[i]);
    CU_ASSERT_PTR_NULL(argv[argc]);
    if (machine)
        snprintf(p + strlen(p), 600 - strlen(p), " @%s", machine);
    return 0;
}

/* The daemon's command as cmd_daemon.c runs it: the CLI's dispatcher on
 * the live lab. */
static int command(void *arg, int argc, char **argv, FILE *out, FILE *err)
{
    struct rlab *q = arg;
    struct cli_ctx ctx = {.labdir = q->f.dir, .lab = q->f.lab, .live = true, .remote = true,
                          .out = out, .err = err};
    return cli_dispatch(&ctx, argc, argv);
}

/* CORP: PDC CORPDC, member SRV with a stopped service Svc; recording. */
static void rlab_create(struct rlab *q)
{
    memset(q, 0, sizeof *q);
    cfx_corp(&q->f);
    cfx_add_svc(&q->f);
    q->f.con.record = take;
    q->f.con.record_arg = q;
}

static void rlab_free(struct rlab *q)
{
    cfx_free(&q->f);
}

/* METHOD PATH with body from the page: the status; the answer's body
 * (or its first 300 bytes) in text when given. */
static int call(struct rlab *q, const char *method, const char *path, const char *body,
                struct console_response *keep)
{
    struct console_request rq = cfx_req(method, path, body);
    struct console_response rs;
    CU_ASSERT_EQUAL_FATAL(console_handle(&q->f.con, &rq, &rs), 0);
    int st = rs.status;
    if (keep)
        *keep = rs;
    else
        console_response_free(&rs);
    return st;
}

static int post(struct rlab *q, const char *path, const char *body)
{
    return call(q, "POST", path, body, NULL);
}

/* The steps recorded since the last check, one per line. */
static void expect(struct rlab *q, const char *want)
{
    char got[MAXREC * 600] = "";
    for (size_t i = 0; i < q->n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s\n", q->rec[i]);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\nrecorded:\n%swanted:\n%s", got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    q->n = 0;
}

static void test_rights(void)
{
    struct rlab q;
    rlab_create(&q);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/rights/SRV/grant",
                         "{\"account\":\"Everyone\",\"rights\":[\"SeDebugPrivilege\","
                         "\"Act as part of the operating system\"]}"), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/rights/CORP/grant",
                         "{\"account\":\"corp\\\\administrator\",\"rights\":"
                         "[\"SeShutdownPrivilege\"]}"), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/rights/\\\\SRV/revoke",
                         "{\"account\":\"Everyone\",\"rights\":[\"SeDebugPrivilege\"]}"), 200);
    /* the names as export writes them: the right's constant, the account's
     * name for its SID, the focus as Select Domain shows it */
    expect(&q, "rights grant Everyone SeDebugPrivilege SeTcbPrivilege --focus \\\\SRV\n"
               "rights grant CORP\\Administrator SeShutdownPrivilege --focus CORP\n"
               "rights revoke Everyone SeDebugPrivilege --focus \\\\SRV\n");
    /* refused writes record nothing */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/rights/SRV/grant",
                         "{\"account\":\"nobody\",\"rights\":[\"SeDebugPrivilege\"]}"), 404);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/rights/SRV/grant",
                         "{\"account\":\"Everyone\",\"rights\":[\"SeNoSuch\"]}"), 400);
    expect(&q, "");
    rlab_free(&q);
}

static void test_machines_services(void)
{
    struct rlab q;
    rlab_create(&q);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(q.f.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/services/Svc/start", NULL), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/services/Svc/stop", NULL), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/services/Svc/stop", NULL), 409); /* not */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/services/Svc/config",
                         "{\"start\":\"auto\",\"account\":\"CORP\\\\Administrator\","
                         "\"password\":\"Adm1n!\"}"), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/services/Svc/config", "{}"), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/restart", NULL), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/machines/SRV/shutdown", NULL), 200);
    expect(&q, "service start Svc @SRV\n"
               "service stop Svc @SRV\n"
               "service config Svc --start auto --account CORP\\Administrator --password Adm1n! "
               "@SRV\n"
               "reboot @SRV\n"
               "shutdown @SRV\n");
    rlab_free(&q);
}

static void test_users(void)
{
    struct rlab q;
    rlab_create(&q);
    /* Monday 8-18 UTC: bits 32..41 */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP",
                         "{\"name\":\"bob\",\"password\":\"S3cret-pw\",\"fullname\":\"Bob B\","
                         "\"disabled\":true,\"logon_hours\":\"00000000ff03"
                         "000000000000000000000000000000\"}"), 201);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP", "{\"name\":\"bob\",\"password\":\"x\"}"),
                    409); /* exists */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/bob",
                         "{\"password\":\"An0ther-pw\",\"must_change\":true,\"comment\":\"c\","
                         "\"expires\":915148800,\"locked_out\":false}"), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/SRV/Administrator",
                         "{\"logon_hours\":\"" "000000000000000000000000000000000000000000"
                         "\"}"), 200);
    expect(&q, "user add bob --password S3cret-pw @CORPDC\n"
               "user set bob --disabled on --fullname Bob B --hours Mon 8-18 @CORPDC\n"
               "user passwd bob --password An0ther-pw @CORPDC\n"
               "user set bob --must-change on --comment c --expires 1999-01-01 00:00 @CORPDC\n"
               "user unlock bob @CORPDC\n"
               "user set Administrator --hours none @SRV\n");
    /* --expires takes minutes: a second more cannot be recorded, so it is
     * refused while recording (and the account keeps its date) ... */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/bob", "{\"expires\":915148801}"), 400);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(q.f.dc), "bob")->expires, 915148800);
    expect(&q, "");
    /* ... and taken when the lab is not recorded */
    q.f.con.record = NULL;
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/bob", "{\"expires\":915148801}"), 200);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(q.f.dc), "bob")->expires, 915148801);
    rlab_free(&q);
}

static void test_policy(void)
{
    struct rlab q;
    rlab_create(&q);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/policy/CORP/account",
                         "{\"LockoutBadCount\":5,\"MinimumPasswordLength\":8}"), 200);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/policy/SRV/account", "{}"), 200); /* no change */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/policy/SRV/account", "{\"LockoutBadCount\":-7}"), 400);
    expect(&q, "policy set MinimumPasswordLength=8 LockoutBadCount=5 --focus CORP\n");
    rlab_free(&q);
}

/* A recorder failure after the write: the change stays, the answer says
 * it was not recorded (500). A step that cannot be written: not made. */
static void test_failures(void)
{
    struct rlab q;
    rlab_create(&q);
    q.fail = EIO;
    struct console_response rs;
    CU_ASSERT_EQUAL(call(&q, "POST", "/api/v1/rights/SRV/grant",
                         "{\"account\":\"Everyone\",\"rights\":[\"SeDebugPrivilege\"]}", &rs),
                    500);
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "the change was made, but up --record could not "
                                           "record 'ntlab rights': disk full (test)"));
    console_response_free(&rs);
    struct lsa *lsa;
    UNIT_ASSERT_STATUS_FATAL(lab_policy_for_focus(q.f.lab, "\\\\SRV", &lsa), STATUS_SUCCESS);
    CU_ASSERT_TRUE(lsa_sid_rights(lsa, sid_wellknown(SID_WK_EVERYONE)) != 0);
    q.fail = 0;
    /* No scenario line can hold these: refused while recording, not made.
     * A password with a blank (a secret is one word) ... */
    CU_ASSERT_EQUAL(call(&q, "POST", "/api/v1/users/CORP",
                         "{\"name\":\"eve\",\"password\":\"two words\"}", &rs), 500);
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "cannot be written as an ntlab command line"));
    console_response_free(&rs);
    CU_ASSERT_PTR_NULL(sam_user_find(machine_sam(q.f.dc), "eve"));
    /* ... a line break in a value (it would end the recorded line) ... */
    q.f.con.record = NULL;
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP", "{\"name\":\"eve\",\"password\":\"pw\"}"),
                    201);
    q.f.con.record = take;
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/eve",
                         "{\"fullname\":\"Eve\\nntlab user add evil --password x\"}"), 500);
    CU_ASSERT_STRING_EQUAL(sam_user_find(machine_sam(q.f.dc), "eve")->fullname, "");
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/eve", "{\"comment\":\"tab\\there\"}"), 500);
    /* ... an expiry past 9999-12-31 23:59 (YYYY cannot say it) */
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/eve", "{\"expires\":253402300800}"), 400);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/users/CORP/eve", "{\"expires\":9223372036854775800}"),
                    400);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(q.f.dc), "eve")->expires, 0);
    /* 64 rights, the most one grant takes, fit one recorded line */
    char body[2000] = "{\"account\":\"Guests\",\"rights\":[";
    for (int i = 0; i < 64; i++)
        strcat(body, i ? ",\"SeBackupPrivilege\"" : "\"SeBackupPrivilege\"");
    strcat(body, "]}");
    struct sid guests;
    UNIT_ASSERT_STATUS_FATAL(machine_resolve(q.f.srv, "Guests", &guests), STATUS_SUCCESS);
    rights_mask before = lsa_sid_rights(lsa, &guests);
    CU_ASSERT_EQUAL(post(&q, "/api/v1/rights/SRV/grant", body), 200);
    CU_ASSERT_NOT_EQUAL(lsa_sid_rights(lsa, &guests), before);
    CU_ASSERT_EQUAL(q.n, 1);
    CU_ASSERT_EQUAL(strncmp(q.rec[0], "rights grant ", 13), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(q.rec[0], "SeBackupPrivilege SeBackupPrivilege"));
    q.n = 0;
    expect(&q, "");
    rlab_free(&q);
}

static void test_export(void)
{
    struct rlab q;
    rlab_create(&q);
    struct console_response rs;
    /* no daemon command: nothing to run export with */
    CU_ASSERT_EQUAL(call(&q, "GET", "/api/v1/export", NULL, &rs), 501);
    console_response_free(&rs);
    q.f.con.command = command;
    q.f.con.command_arg = &q;
    CU_ASSERT_EQUAL(call(&q, "POST", "/api/v1/export", NULL, NULL), 405);
    CU_ASSERT_EQUAL(call(&q, "GET", "/api/v1/export/x", NULL, NULL), 404);
    CU_ASSERT_EQUAL_FATAL(call(&q, "GET", "/api/v1/export", NULL, &rs), 200);
    CU_ASSERT_STRING_EQUAL(rs.type, "text/plain; charset=utf-8");
    const char *base = strrchr(q.f.dir, '/') + 1;
    char want[300];
    snprintf(want, sizeof want, "%s.scn", base);
    CU_ASSERT_STRING_EQUAL(rs.attachment, want);
    CU_ASSERT_EQUAL(strncmp(rs.body, "# Exported by ntlab ", 20), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "ntlab machine add SRV --role member"));
    CU_ASSERT_PTR_NULL(strstr(rs.body, "Adm1n!")); /* hashes as placeholders */
    CU_ASSERT_EQUAL(strlen(rs.body), rs.len);
    console_response_free(&rs);
    /* a corrupt lab file: the export's FILE:LINE, as JSON */
    char path[600];
    snprintf(path, sizeof path, "%s/CORPDC/exchange.conf", q.f.dir);
    FILE *f = fopen(path, "a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("garbage line\n", f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(call(&q, "GET", "/api/v1/export", NULL, &rs), 409);
    CU_ASSERT_STRING_EQUAL(rs.type, "application/json");
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "{\"error\":\"export: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(rs.body, "exchange.conf:1: "));
    CU_ASSERT_EQUAL(rs.attachment[0], 0);
    console_response_free(&rs);
    rlab_free(&q);
}

void suite_console_record(void)
{
    UNIT_SUITE("console_record", UNIT_TEST(test_rights), UNIT_TEST(test_machines_services),
               UNIT_TEST(test_users), UNIT_TEST(test_policy), UNIT_TEST(test_failures),
               UNIT_TEST(test_export));
}
#else
void suite_console_record(void)
{
}
#endif

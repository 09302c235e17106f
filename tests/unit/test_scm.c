/* The service control manager: configuration and services.conf, the
 * service logon (Q189732's "grant, then restart or reboot"), dependency
 * order, failures and their System-log events, boot/shutdown/reboot. */
#include "emulator/lsa.h"
#include "emulator/machine.h"
#include "emulator/scm.h"
#include "src/lib/afile.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ADMIN_PW "Adm1n!"

/* --- helpers ------------------------------------------------------------- */

/* An image that records the order of starts ("+A") and stops ("-A") and can
 * be told to fail one service's start. */
struct recorder {
    char log[1024];
    const char *fail_name;
    ntstatus fail_with;
};

static ntstatus rec_start(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)m;
    struct recorder *r = arg;
    if (r->fail_name && strcmp(r->fail_name, svc->name) == 0)
        return r->fail_with;
    size_t n = strlen(r->log);
    snprintf(r->log + n, sizeof r->log - n, "+%s ", svc->name);
    svc->context = r;
    return STATUS_SUCCESS;
}

static void rec_stop(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)m;
    struct recorder *r = arg;
    CU_ASSERT(svc->context == r); /* the image's state survives until stop */
    size_t n = strlen(r->log);
    snprintf(r->log + n, sizeof r->log - n, "-%s ", svc->name);
}

static struct machine *new_machine(void)
{
    struct machine *m = NULL;
    UNIT_ASSERT_STATUS_FATAL(
        machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m), STATUS_SUCCESS);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(scm_attach(m, err, sizeof err), STATUS_SUCCESS);
    return m;
}

static void register_recorder(struct machine *m, struct recorder *r)
{
    memset(r, 0, sizeof *r);
    struct scm_image img = {"rec", rec_start, rec_stop, r};
    CU_ASSERT_FATAL(scm_register_image(machine_scm(m), &img) == 0);
}

static void add_user(struct machine *m, const char *name, const char *pw, struct sid *sid)
{
    uint32_t rid;
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(machine_sam(m), name, pw, machine_now(m), &rid),
                             STATUS_SUCCESS);
    sam_user_sid(machine_sam(m), sam_user_find(machine_sam(m), name), sid);
}

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

static uint32_t add(struct machine *m, const char *name, const char *image, const char *account,
                    const char *pw, enum scm_start_type start, const char *dep1, const char *dep2)
{
    const char *deps[2] = {dep1, dep2};
    struct scm_config c = {0};
    c.name = name;
    c.image = image;
    c.account = account;
    c.password = pw;
    c.start = start;
    c.set_deps = true;
    c.deps = deps;
    c.ndeps = dep2 ? 2 : dep1 ? 1 : 0;
    return scm_add(m, &c);
}

static size_t count_events(struct machine *m, uint32_t id)
{
    size_t n = 0;
    for (size_t i = evtlog_first(machine_evtlog(m), EVTLOG_SYSTEM);
         i < evtlog_count(machine_evtlog(m), EVTLOG_SYSTEM); i++) {
        const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_SYSTEM, i);
        if (r && r->event_id == id)
            n++;
    }
    return n;
}

/* The newest System-log record with this event ID, or NULL. */
static const struct evtlog_record *last_event(struct machine *m, uint32_t id)
{
    for (size_t i = evtlog_count(machine_evtlog(m), EVTLOG_SYSTEM);
         i-- > evtlog_first(machine_evtlog(m), EVTLOG_SYSTEM);) {
        const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_SYSTEM, i);
        if (r && r->event_id == id)
            return r;
    }
    return NULL;
}

/* --- configuration ------------------------------------------------------- */

static void test_names_and_parsing(void)
{
    enum scm_start_type t;
    CU_ASSERT(scm_start_type_parse("AUTO", &t) && t == SCM_AUTO);
    CU_ASSERT(scm_start_type_parse("manual", &t) && t == SCM_DEMAND);
    CU_ASSERT(scm_start_type_parse("disabled", &t) && t == SCM_DISABLED);
    CU_ASSERT(!scm_start_type_parse("boot", &t));
    CU_ASSERT_STRING_EQUAL(scm_start_type_name(SCM_DEMAND), "demand");
    CU_ASSERT_STRING_EQUAL(scm_state_name(SCM_RUNNING), "running");
    CU_ASSERT(scm_account_is_system("localsystem"));
    CU_ASSERT(scm_account_is_system(".\\LocalSystem"));
    CU_ASSERT(!scm_account_is_system(".\\exchsvc"));
}

static void test_config_errors(void)
{
    struct machine *m = new_machine();
    UNIT_ASSERT_WIN32(add(m, "A", NULL, NULL, NULL, SCM_AUTO, NULL, NULL), ERROR_SUCCESS);
    struct scm_service *a = scm_find(machine_scm(m), "a");
    CU_ASSERT_FATAL(a != NULL);
    CU_ASSERT_STRING_EQUAL(a->image, "null");
    CU_ASSERT_STRING_EQUAL(a->account, "LocalSystem");
    CU_ASSERT_STRING_EQUAL(a->display, "A");
    UNIT_ASSERT_WIN32(add(m, "a", NULL, NULL, NULL, 0, NULL, NULL), ERROR_SERVICE_EXISTS);
    UNIT_ASSERT_WIN32(add(m, "bad name", NULL, NULL, NULL, 0, NULL, NULL), ERROR_INVALID_NAME);
    UNIT_ASSERT_WIN32(add(m, "../x", NULL, NULL, NULL, 0, NULL, NULL), ERROR_INVALID_NAME);
    UNIT_ASSERT_WIN32(add(m, "B", NULL, NULL, NULL, 0, "Nosuch", NULL),
                      ERROR_SERVICE_DOES_NOT_EXIST);
    UNIT_ASSERT_WIN32(add(m, "B", NULL, "CORP\\a:b", "x", 0, NULL, NULL), ERROR_INVALID_PARAMETER);
    /* NT trims names: an account part never starts or ends with a space
     * (a fuzzer found " " accepted and then unreadable in services.conf) */
    UNIT_ASSERT_WIN32(add(m, "B", NULL, " ", "x", 0, NULL, NULL), ERROR_INVALID_PARAMETER);
    UNIT_ASSERT_WIN32(add(m, "B", NULL, "CORP\\bob ", "x", 0, NULL, NULL), ERROR_INVALID_PARAMETER);
    UNIT_ASSERT_WIN32(add(m, "B", NULL, " CORP\\bob", "x", 0, NULL, NULL), ERROR_INVALID_PARAMETER);
    UNIT_ASSERT_WIN32(add(m, "B", NULL, "WAYTOOLONGDOMAINNAME\\x", "x", 0, NULL, NULL),
                      ERROR_INVALID_PARAMETER);
    UNIT_ASSERT_WIN32(add(m, "B", "bad image", NULL, NULL, 0, NULL, NULL), ERROR_INVALID_PARAMETER);
    UNIT_ASSERT_WIN32(add(m, "B", NULL, NULL, NULL, 0, "B", NULL), ERROR_CIRCULAR_DEPENDENCY);
    CU_ASSERT(scm_count(machine_scm(m)) == 1);
    /* a bare account name means the local account; LocalSystem keeps no password */
    UNIT_ASSERT_WIN32(add(m, "B", NULL, "svc", "pw", 0, "A", NULL), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(scm_find(machine_scm(m), "B")->account, ".\\svc");
    UNIT_ASSERT_WIN32(add(m, "C", NULL, "LocalSystem", "ignored", 0, "B", NULL), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(scm_find(machine_scm(m), "C")->password, "");
    /* A -> C would close the cycle A -> C -> B -> A */
    const char *deps[1] = {"C"};
    struct scm_config c = {0};
    c.set_deps = true;
    c.deps = deps;
    c.ndeps = 1;
    UNIT_ASSERT_WIN32(scm_change_config(m, "A", &c), ERROR_CIRCULAR_DEPENDENCY);
    CU_ASSERT(scm_find(machine_scm(m), "A")->ndeps == 0);
    UNIT_ASSERT_WIN32(scm_change_config(m, "Nosuch", &c), ERROR_SERVICE_DOES_NOT_EXIST);
    struct scm_config bad = {0};
    bad.start = (enum scm_start_type)7;
    UNIT_ASSERT_WIN32(scm_change_config(m, "A", &bad), ERROR_INVALID_PARAMETER);
    CU_ASSERT(scm_find(machine_scm(m), "A")->start == SCM_AUTO);
    UNIT_ASSERT_WIN32(scm_delete(m, "Nosuch"), ERROR_SERVICE_DOES_NOT_EXIST);
    UNIT_ASSERT_WIN32(scm_start(m, "Nosuch"), ERROR_SERVICE_DOES_NOT_EXIST);
    UNIT_ASSERT_WIN32(scm_stop(m, "A"), ERROR_SERVICE_NOT_ACTIVE);
    /* images */
    struct scm_image dup = {"NULL", rec_start, NULL, NULL};
    CU_ASSERT(scm_register_image(machine_scm(m), &dup) == EEXIST);
    struct scm_image noname = {"", rec_start, NULL, NULL};
    CU_ASSERT(scm_register_image(machine_scm(m), &noname) == EINVAL);
    CU_ASSERT(scm_find_image(machine_scm(m), "Null") != NULL);
    machine_free(m);
}

static void test_persist(void)
{
    const char *dir = unit_tmpdir();
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m),
        STATUS_SUCCESS);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(scm_attach(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(add(m, "MSExchangeSA", NULL, NULL, NULL, SCM_AUTO, NULL, NULL) == 0);
    struct scm_config c = {0};
    const char *deps[1] = {"MSExchangeSA"};
    c.name = "MSExchangeIS";
    c.display = "Microsoft Exchange Information Store";
    c.image = "msexchangeis";
    c.account = "CORP\\exchsvc";
    c.password = " odd \"pass\\word\" ";
    c.start = SCM_AUTO;
    c.set_deps = true;
    c.deps = deps;
    c.ndeps = 1;
    UNIT_ASSERT_WIN32(scm_add(m, &c), ERROR_SUCCESS);
    CU_ASSERT(add(m, "Spare", NULL, NULL, NULL, SCM_DISABLED, NULL, NULL) == 0);
    UNIT_ASSERT_WIN32(scm_delete(m, "Spare"), ERROR_SUCCESS);

    char path[512];
    snprintf(path, sizeof path, "%s/services.conf", dir);
    struct stat st;
    CU_ASSERT_FATAL(stat(path, &st) == 0);
    CU_ASSERT((st.st_mode & 0077) == 0); /* it holds passwords */
    machine_free(m);

    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(scm_attach(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(scm_count(machine_scm(m)) == 2);
    CU_ASSERT_STRING_EQUAL(scm_at(machine_scm(m), 0)->name, "MSExchangeSA");
    struct scm_service *is = scm_at(machine_scm(m), 1);
    CU_ASSERT_FATAL(is != NULL);
    CU_ASSERT_STRING_EQUAL(is->display, "Microsoft Exchange Information Store");
    CU_ASSERT_STRING_EQUAL(is->image, "msexchangeis");
    CU_ASSERT_STRING_EQUAL(is->account, "CORP\\exchsvc");
    CU_ASSERT_STRING_EQUAL(is->password, " odd \"pass\\word\" ");
    CU_ASSERT(is->start == SCM_AUTO);
    CU_ASSERT(is->ndeps == 1 && strcmp(is->deps[0], "MSExchangeSA") == 0);
    CU_ASSERT(is->state == SCM_STOPPED);
    CU_ASSERT(scm_find(machine_scm(m), "Spare") == NULL);
    machine_free(m);
    unit_rmtree(dir);
}

static void expect_bad_conf(const char *text, const char *where)
{
    const char *dir = unit_tmpdir();
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m),
        STATUS_SUCCESS);
    char path[512];
    snprintf(path, sizeof path, "%s/services.conf", dir);
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0600) == 0);
    char err[512] = "";
    UNIT_ASSERT_STATUS(scm_attach(m, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT(machine_scm(m) == NULL);
    if (!strstr(err, where))
        fprintf(stderr, "\n  expected '%s' in '%s'\n", where, err);
    CU_ASSERT(strstr(err, where) != NULL);
    machine_free(m);
    unit_rmtree(dir);
}

static void test_malformed_conf(void)
{
    expect_bad_conf("Image = null\n", "services.conf:1: setting outside");
    expect_bad_conf("[A]\nStart = sometimes\n", "services.conf:2: bad start type");
    expect_bad_conf("[A]\n[a]\n", "services.conf:2: service defined twice");
    expect_bad_conf("[A\n", "services.conf:1: section header");
    expect_bad_conf("[A]\nColour = blue\n", "services.conf:2: unknown key");
    expect_bad_conf("[A]\nImage = null\nImage = null\n", "services.conf:3: key given twice");
    expect_bad_conf("[A]\nPassword = \"unterminated\n", "services.conf:2: broken quoted");
    expect_bad_conf("[A]\nAccount = a\\b\\c\n", "services.conf:2: bad account");
    expect_bad_conf("# ok\n[A]\nDependOnService = B\n[B]\nDependOnService = A\n",
                    "services.conf:2: circular");
    expect_bad_conf("[A]\nDependOnService = A\n", "services.conf:2: service depends on itself");
    expect_bad_conf("[A]\njunk\n", "services.conf:2: expected KEY = VALUE");
}

/* --- the service logon --------------------------------------------------- */

static void test_logon_right_missing(void)
{
    struct machine *m = new_machine();
    struct sid svc_sid;
    add_user(m, "exchsvc", "pw", &svc_sid);
    CU_ASSERT(add(m, "MSExchangeIS", NULL, ".\\exchsvc", "pw", SCM_DEMAND, NULL, NULL) == 0);
    size_t before = evtlog_count(machine_evtlog(m), EVTLOG_SYSTEM);
    UNIT_ASSERT_WIN32(scm_start(m, "MSExchangeIS"), ERROR_SERVICE_LOGON_FAILED);
    struct scm_service *svc = scm_find(machine_scm(m), "MSExchangeIS");
    CU_ASSERT(svc->state == SCM_STOPPED);
    UNIT_ASSERT_WIN32(svc->last_error, ERROR_SERVICE_LOGON_FAILED);
    UNIT_ASSERT_WIN32(nterr_to_win32(svc->logon_status), ERROR_LOGON_TYPE_NOT_GRANTED);
    /* 7013 then 7000, from the SCM, as errors */
    CU_ASSERT_FATAL(evtlog_count(machine_evtlog(m), EVTLOG_SYSTEM) == before + 2);
    const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_SYSTEM, before);
    CU_ASSERT(r->event_id == 7013 && r->type == EVT_ERROR);
    CU_ASSERT_STRING_EQUAL(r->source, "Service Control Manager");
    CU_ASSERT_STRING_EQUAL(r->description,
                           "Logon attempt with the current password failed with the following "
                           "error: Logon failure: the user has not been granted the requested "
                           "logon type at this computer.");
    r = evtlog_at(machine_evtlog(m), EVTLOG_SYSTEM, before + 1);
    CU_ASSERT(r->event_id == 7000 && r->type == EVT_ERROR);
    CU_ASSERT_STRING_EQUAL(r->description,
                           "The MSExchangeIS service failed to start due to the following "
                           "error: The service did not start due to a logon failure.");
    /* a wrong password is a logon failure too, with its own 7013 text */
    grant(machine_lsa(m), &svc_sid, "SeServiceLogonRight");
    struct scm_config c = {0};
    c.password = "wrong";
    CU_ASSERT(scm_change_config(m, "MSExchangeIS", &c) == 0);
    UNIT_ASSERT_WIN32(scm_start(m, "MSExchangeIS"), ERROR_SERVICE_LOGON_FAILED);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7013)->description,
                           "Logon attempt with the current password failed with the following "
                           "error: Logon failure: unknown user name or bad password.");
    /* with the right and the password, it runs under its own account */
    c.password = "pw";
    CU_ASSERT(scm_change_config(m, "MSExchangeIS", &c) == 0);
    UNIT_ASSERT_WIN32(scm_start(m, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(svc->state == SCM_RUNNING);
    CU_ASSERT(svc->last_error == 0);
    CU_ASSERT(sid_equal(&svc->token.user, &svc_sid));
    CU_ASSERT(svc->token.type == LOGON_SERVICE);
    UNIT_ASSERT_WIN32(scm_start(m, "MSExchangeIS"), ERROR_SERVICE_ALREADY_RUNNING);
    machine_free(m);
}

static void test_token_kept_until_restart(void)
{
    struct machine *m = new_machine();
    struct sid svc_sid;
    add_user(m, "exchsvc", "pw", &svc_sid);
    grant(machine_lsa(m), &svc_sid, "SeServiceLogonRight");
    CU_ASSERT(add(m, "MSExchangeIS", NULL, "exchsvc", "pw", SCM_AUTO, NULL, NULL) == 0);
    CU_ASSERT(add(m, "Other", NULL, NULL, NULL, SCM_AUTO, NULL, NULL) == 0);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_boot(m, err, sizeof err), STATUS_SUCCESS);
    struct scm_service *svc = scm_find(machine_scm(m), "MSExchangeIS");
    CU_ASSERT_FATAL(svc->state == SCM_RUNNING);
    CU_ASSERT(!token_has_privilege(&svc->token, RI_TCB));

    /* Q189732: the grant is live in the policy, but the running service's
     * token is a snapshot */
    grant(machine_lsa(m), &svc_sid, "SeTcbPrivilege");
    CU_ASSERT(!token_has_privilege(&svc->token, RI_TCB));
    /* restarting another service changes nothing for this one */
    UNIT_ASSERT_WIN32(scm_restart(m, "Other"), ERROR_SUCCESS);
    CU_ASSERT(!token_has_privilege(&svc->token, RI_TCB));
    /* restarting the service itself takes a fresh token */
    UNIT_ASSERT_WIN32(scm_restart(m, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(svc->state == SCM_RUNNING);
    CU_ASSERT(token_has_privilege(&svc->token, RI_TCB));

    /* the same through a reboot: revoke, the token keeps TCB, reboot drops it */
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h),
        STATUS_SUCCESS);
    const char *tcb[1] = {"SeTcbPrivilege"};
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc_sid, false, tcb, 1), STATUS_SUCCESS);
    lsa_close(&h);
    CU_ASSERT(token_has_privilege(&svc->token, RI_TCB));
    UNIT_ASSERT_STATUS(machine_reboot(m, err, sizeof err), STATUS_SUCCESS);
    svc = scm_find(machine_scm(m), "MSExchangeIS");
    CU_ASSERT(svc->state == SCM_RUNNING);
    CU_ASSERT(!token_has_privilege(&svc->token, RI_TCB));
    machine_free(m);
}

static void test_localsystem_token(void)
{
    struct machine *m = new_machine();
    CU_ASSERT(add(m, "Sys", NULL, NULL, NULL, SCM_DEMAND, NULL, NULL) == 0);
    UNIT_ASSERT_WIN32(scm_start(m, "Sys"), ERROR_SUCCESS);
    struct scm_service *svc = scm_find(machine_scm(m), "Sys");
    CU_ASSERT(sid_equal(&svc->token.user, sid_wellknown(SID_WK_SYSTEM)));
    CU_ASSERT(token_has_privilege(&svc->token, RI_TCB));
    UNIT_ASSERT_WIN32(scm_stop(m, "Sys"), ERROR_SUCCESS);
    CU_ASSERT(svc->state == SCM_STOPPED);
    CU_ASSERT(!token_has_privilege(&svc->token, RI_TCB)); /* dropped at stop */
    machine_free(m);
}

/* --- dependencies, boot and shutdown ------------------------------------- */

static void test_boot_order_and_reverse_shutdown(void)
{
    /* The boot list names dependants first, so only the dependency graph
     * can give the right order. */
    const char *dir = unit_tmpdir();
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m),
        STATUS_SUCCESS);
    char path[512];
    snprintf(path, sizeof path, "%s/services.conf", dir);
    const char *text = "[C]\nImage = rec\nStart = auto\nDependOnService = B\n"
                       "[B]\nImage = rec\nStart = auto\nDependOnService = A, D\n"
                       "[E]\nImage = rec\nStart = demand\n"
                       "[A]\nImage = rec\nStart = auto\n"
                       "[D]\nImage = rec\nStart = demand\n"
                       "[F]\nImage = rec\nStart = disabled\n";
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0600) == 0);
    char err0[256];
    UNIT_ASSERT_STATUS_FATAL(scm_attach(m, err0, sizeof err0), STATUS_SUCCESS);
    struct recorder rec;
    register_recorder(m, &rec);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_boot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(machine_running(m));
    /* B (listed before A) needs A and D first; E and F do not start */
    CU_ASSERT_STRING_EQUAL(rec.log, "+A +D +B +C ");
    CU_ASSERT(scm_find(machine_scm(m), "E")->state == SCM_STOPPED);
    CU_ASSERT(scm_find(machine_scm(m), "F")->state == SCM_STOPPED);
    CU_ASSERT(count_events(m, 6005) == 1 && count_events(m, 6009) == 1);
    rec.log[0] = 0;
    UNIT_ASSERT_STATUS(machine_shutdown(m), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "-C -B -D -A ");
    CU_ASSERT(!machine_running(m));
    CU_ASSERT(count_events(m, 6006) == 1);
    CU_ASSERT(last_event(m, 6006)->event_id == 6006);
    CU_ASSERT_STRING_EQUAL(last_event(m, 6006)->description, "The Event log service was stopped.");
    CU_ASSERT_STRING_EQUAL(last_event(m, 6005)->source, "EventLog");
    /* shutting down twice, or booting a running machine, changes nothing */
    UNIT_ASSERT_STATUS(machine_shutdown(m), STATUS_SUCCESS);
    CU_ASSERT(count_events(m, 6006) == 1);
    rec.log[0] = 0;
    UNIT_ASSERT_STATUS(machine_reboot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "+A +D +B +C ");
    UNIT_ASSERT_STATUS(machine_boot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(count_events(m, 6005) == 2);
    machine_free(m);
    unit_rmtree(dir);
}

static void test_stop_and_restart_dependants(void)
{
    struct machine *m = new_machine();
    struct recorder rec;
    register_recorder(m, &rec);
    CU_ASSERT(add(m, "A", "rec", NULL, NULL, SCM_DEMAND, NULL, NULL) == 0);
    CU_ASSERT(add(m, "B", "rec", NULL, NULL, SCM_DEMAND, "A", NULL) == 0);
    CU_ASSERT(add(m, "C", "rec", NULL, NULL, SCM_DEMAND, "B", NULL) == 0);
    CU_ASSERT(add(m, "X", "rec", NULL, NULL, SCM_DEMAND, NULL, NULL) == 0);
    UNIT_ASSERT_WIN32(scm_start(m, "C"), ERROR_SUCCESS);
    UNIT_ASSERT_WIN32(scm_start(m, "X"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "+A +B +C +X ");
    rec.log[0] = 0;
    UNIT_ASSERT_WIN32(scm_restart(m, "A"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "-C -B -A +A +B +C ");
    rec.log[0] = 0;
    UNIT_ASSERT_WIN32(scm_stop(m, "B"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "-C -B ");
    CU_ASSERT(scm_find(machine_scm(m), "A")->state == SCM_RUNNING);
    CU_ASSERT(scm_find(machine_scm(m), "X")->state == SCM_RUNNING);
    /* restarting a stopped service just starts it */
    rec.log[0] = 0;
    UNIT_ASSERT_WIN32(scm_restart(m, "C"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "+B +C ");
    /* deleting a running service stops it (and its dependants) first */
    rec.log[0] = 0;
    UNIT_ASSERT_WIN32(scm_delete(m, "X"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "-X ");
    machine_free(m);
}

static void test_failed_dependency(void)
{
    struct machine *m = new_machine();
    struct recorder rec;
    register_recorder(m, &rec);
    /* A's account does not exist: its logon fails */
    CU_ASSERT(add(m, "A", "rec", ".\\nobody", "x", SCM_AUTO, NULL, NULL) == 0);
    CU_ASSERT(add(m, "B", "rec", NULL, NULL, SCM_AUTO, "A", NULL) == 0);
    CU_ASSERT(add(m, "C", "rec", NULL, NULL, SCM_AUTO, "A", NULL) == 0);
    CU_ASSERT(add(m, "D", "rec", NULL, NULL, SCM_AUTO, "C", NULL) == 0);
    CU_ASSERT(add(m, "Off", "rec", NULL, NULL, SCM_DISABLED, NULL, NULL) == 0);
    CU_ASSERT(add(m, "G", "rec", NULL, NULL, SCM_AUTO, "Off", NULL) == 0);
    CU_ASSERT(add(m, "H", "rec", NULL, NULL, SCM_AUTO, NULL, NULL) == 0);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_boot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(rec.log, "+H ");
    /* A was tried once: one 7013/7000 pair, however many depend on it */
    CU_ASSERT(count_events(m, 7013) == 1);
    CU_ASSERT(count_events(m, 7000) == 1);
    CU_ASSERT(count_events(m, 7001) == 4); /* B and C on A, D on C, G on Off */
    UNIT_ASSERT_WIN32(scm_find(machine_scm(m), "B")->last_error, ERROR_SERVICE_DEPENDENCY_FAIL);
    UNIT_ASSERT_WIN32(scm_find(machine_scm(m), "D")->last_error, ERROR_SERVICE_DEPENDENCY_FAIL);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7001)->description,
                           "The G service depends on the Off service which failed to start "
                           "because of the following error: "
                           "The specified service is disabled and cannot be started.");
    /* by hand: the dependant fails with 1068 and says why */
    UNIT_ASSERT_WIN32(scm_start(m, "B"), ERROR_SERVICE_DEPENDENCY_FAIL);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7001)->description,
                           "The B service depends on the A service which failed to start "
                           "because of the following error: "
                           "The service did not start due to a logon failure.");
    UNIT_ASSERT_WIN32(scm_start(m, "D"), ERROR_SERVICE_DEPENDENCY_FAIL);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7001)->description,
                           "The D service depends on the C service which failed to start "
                           "because of the following error: "
                           "The dependency service or group failed to start.");
    UNIT_ASSERT_WIN32(scm_start(m, "Off"), ERROR_SERVICE_DISABLED);
    CU_ASSERT(scm_find(machine_scm(m), "B")->state == SCM_STOPPED);
    machine_free(m);
}

static void test_image_failures(void)
{
    struct machine *m = new_machine();
    struct recorder rec;
    register_recorder(m, &rec);
    rec.fail_name = "Bad";
    rec.fail_with = STATUS_ACCESS_DENIED;
    CU_ASSERT(add(m, "Bad", "rec", NULL, NULL, SCM_DEMAND, NULL, NULL) == 0);
    CU_ASSERT(add(m, "Ghost", "msexchangeis", NULL, NULL, SCM_DEMAND, NULL, NULL) == 0);
    UNIT_ASSERT_WIN32(scm_start(m, "Bad"), ERROR_ACCESS_DENIED);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7000)->description,
                           "The Bad service failed to start due to the following error: "
                           "Access is denied.");
    CU_ASSERT(scm_find(machine_scm(m), "Bad")->state == SCM_STOPPED);
    /* no image registered under that name on this machine */
    UNIT_ASSERT_WIN32(scm_start(m, "Ghost"), ERROR_FILE_NOT_FOUND);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7000)->description,
                           "The Ghost service failed to start due to the following error: "
                           "The system cannot find the file specified.");
    machine_free(m);
}

static void test_missing_dependency_in_file(void)
{
    /* services.conf edited by hand may name a service that does not exist */
    const char *dir = unit_tmpdir();
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m),
        STATUS_SUCCESS);
    char path[512];
    snprintf(path, sizeof path, "%s/services.conf", dir);
    const char *text = "[A]\nStart = auto\nDependOnService = Gone\n";
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0600) == 0);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_boot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(scm_find(machine_scm(m), "A")->state == SCM_STOPPED);
    UNIT_ASSERT_WIN32(scm_find(machine_scm(m), "A")->last_error, ERROR_SERVICE_DEPENDENCY_DELETED);
    CU_ASSERT_STRING_EQUAL(last_event(m, 7003)->description,
                           "The A service depends on the following nonexistent service: Gone");
    machine_free(m);
    unit_rmtree(dir);
}

static void test_reboot_rereads_changed_files(void)
{
    const char *dir = unit_tmpdir();
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m),
        STATUS_SUCCESS);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_boot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(add(m, "A", NULL, NULL, NULL, SCM_AUTO, NULL, NULL) == 0);
    struct scm_service *a = scm_find(machine_scm(m), "A");
    struct sam *sam_before = machine_sam(m);
    /* unchanged files: a reboot keeps the very same objects */
    UNIT_ASSERT_STATUS(machine_reboot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(scm_find(machine_scm(m), "A") == a);
    CU_ASSERT(a->state == SCM_RUNNING);
    CU_ASSERT(machine_sam(m) == sam_before);

    /* another writer changes services.conf and the SAM */
    char path[512];
    snprintf(path, sizeof path, "%s/services.conf", dir);
    const char *text = "[A]\nStart = demand\n\n[New]\nStart = auto\n";
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0600) == 0);
    char sam_path[512];
    snprintf(sam_path, sizeof sam_path, "%s/sam.txt", dir);
    struct sam *other;
    UNIT_ASSERT_STATUS_FATAL(sam_load(sam_path, &other, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(other, "newbie", "pw", 0, NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_save(other, sam_path), STATUS_SUCCESS);
    sam_free(other);
    CU_ASSERT(sam_user_find(machine_sam(m), "newbie") == NULL);

    UNIT_ASSERT_STATUS(machine_reboot(m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(sam_user_find(machine_sam(m), "newbie") != NULL);
    CU_ASSERT(scm_find(machine_scm(m), "A")->state == SCM_STOPPED);
    CU_ASSERT(scm_find(machine_scm(m), "New")->state == SCM_RUNNING);

    /* a broken file on disk: the boot fails, naming it, and the machine stays down */
    const char *broken = "[A]\nStart = never\n";
    CU_ASSERT_FATAL(afile_write(path, broken, strlen(broken), 0600) == 0);
    UNIT_ASSERT_STATUS(machine_reboot(m, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT(strstr(err, "services.conf:2:") != NULL);
    CU_ASSERT(!machine_running(m));
    machine_free(m);
    unit_rmtree(dir);
}

void suite_scm(void)
{
    UNIT_SUITE("scm", UNIT_TEST(test_names_and_parsing), UNIT_TEST(test_config_errors),
               UNIT_TEST(test_persist), UNIT_TEST(test_malformed_conf),
               UNIT_TEST(test_logon_right_missing), UNIT_TEST(test_token_kept_until_restart),
               UNIT_TEST(test_localsystem_token), UNIT_TEST(test_boot_order_and_reverse_shutdown),
               UNIT_TEST(test_stop_and_restart_dependants), UNIT_TEST(test_failed_dependency),
               UNIT_TEST(test_image_failures), UNIT_TEST(test_missing_dependency_in_file),
               UNIT_TEST(test_reboot_rereads_changed_files));
}

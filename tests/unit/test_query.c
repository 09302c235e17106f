/* issue 13 item 6: the structured query API (emulator/query.h) and the
 * daemon status section printed from it (src/net/statusfmt.h). */
#include "emulator/lab.h"
#include "emulator/lsa.h"
#include "emulator/query.h"
#include "src/net/drift.h"
#include "src/net/statusfmt.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_PW "Adm1n!"

struct qlab {
    const char *dir;
    struct lab *lab;
    struct machine *dc, *srv;
    struct sid svc;
};

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

static void add_service(struct machine *m, const char *name, const char *account, const char *pw)
{
    struct scm_config c = {0};
    c.name = name;
    c.image = "null";
    c.account = account;
    c.password = pw;
    c.start = SCM_AUTO;
    UNIT_ASSERT_WIN32_FATAL(scm_add(m, &c), ERROR_SUCCESS);
}

/* CORP with a PDC and a member SRV; SRV runs "Good" as CORP\svc (granted
 * SeTcbPrivilege after it started: drift), "Bad" fails its logon, "Sys"
 * runs as LocalSystem; booted. */
static void qlab_create(struct qlab *q)
{
    memset(q, 0, sizeof *q);
    q->dir = unit_tmpdir();
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_open(q->dir, true, &q->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(q->lab, "CORPDC", ROLE_PDC, OSVER_NT4, "CORP", ADMIN_PW, &q->dc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(q->lab, "SRV", ROLE_MEMBER, OSVER_W2K, "CORP", ADMIN_PW, &q->srv),
        STATUS_SUCCESS);
    uint32_t rid;
    UNIT_ASSERT_STATUS_FATAL(
        sam_user_add(machine_sam(q->dc), "svc", "Svc1!", machine_now(q->dc), &rid), STATUS_SUCCESS);
    sam_user_sid(machine_sam(q->dc), sam_user_by_rid(machine_sam(q->dc), rid), &q->svc);
    grant(machine_lsa(q->srv), &q->svc, "SeServiceLogonRight");
    UNIT_ASSERT_STATUS_FATAL(scm_attach(q->srv, err, sizeof err), STATUS_SUCCESS);
    add_service(q->srv, "Good", "CORP\\svc", "Svc1!");
    add_service(q->srv, "Bad", "CORP\\svc", "wrong");
    add_service(q->srv, "Sys", "LocalSystem", NULL);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(q->lab, err, sizeof err), STATUS_SUCCESS);
    grant(machine_lsa(q->srv), &q->svc, "SeTcbPrivilege");
}

static void qlab_free(struct qlab *q)
{
    lab_free(q->lab);
    unit_rmtree(q->dir);
}

/* The machines/services/tokens section exactly as server.c's print_status
 * and print_token print it today, over the raw SCM: the reference the
 * struct-based printer must match byte for byte. */
static void reference_status(FILE *f, struct lab *lab)
{
    for (size_t i = 0; i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        fprintf(f, "  %-15s %-10s %-14s %-15s %s\n", machine_name(m),
                machine_role_name(machine_role(m)), osver_display(machine_os(m)),
                machine_domain(m)[0] ? machine_domain(m) : "-",
                machine_running(m) ? "running" : "down");
        for (size_t j = 0; machine_scm(m) && j < scm_count(machine_scm(m)); j++) {
            struct scm_service *svc = scm_at(machine_scm(m), j);
            fprintf(f, "    service %-18s %-8s %-8s %-14s %s\n", svc->name,
                    scm_state_name(svc->state), scm_start_type_name(svc->start), svc->image,
                    svc->account);
            if (svc->state == SCM_RUNNING) {
                const struct token *t = &svc->token;
                fprintf(f, "      token of %s\\%s (logon id %llu):\n", t->domain_name, t->user_name,
                        (unsigned long long)t->logon_id);
                bool any = false;
                for (unsigned r = 0; r < RI_COUNT; r++) {
                    if (!token_has_privilege(t, r))
                        continue;
                    unsigned attr = token_privilege_attributes(t, r);
                    fprintf(f, "        %-32s %-45s %s\n", rights_at(r)->name,
                            rights_display(r, machine_os(m)),
                            attr & SE_PRIVILEGE_ENABLED
                                ? (attr & SE_PRIVILEGE_ENABLED_BY_DEFAULT ? "Enabled by default"
                                                                          : "Enabled")
                                : "Disabled");
                    any = true;
                }
                if (!any)
                    fprintf(f, "        (no privileges)\n");
                drift_print(f, m, svc, "      ");
            } else if (svc->last_error) {
                const char *t = nterr_win32_text(svc->last_error);
                fprintf(f, "      last start failed: %u %s\n", (unsigned)svc->last_error,
                        t ? t : "");
            }
        }
    }
}

static char *print_to_string(void (*fn)(FILE *, struct lab *), struct lab *lab)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fn(f, lab);
    fclose(f);
    return text;
}

static void status_of(FILE *f, struct lab *lab)
{
    CU_ASSERT(status_print_machines(f, lab) == 0);
}

static void test_status_section_same_text(void)
{
    struct qlab q;
    qlab_create(&q);
    char *want = print_to_string(reference_status, q.lab);
    char *got = print_to_string(status_of, q.lab);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* and it shows what matters: states, the token, the drift, the failure */
    CU_ASSERT_PTR_NOT_NULL(strstr(got, "  SRV             member     Windows 2000   CORP"
                                       "            running\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(got,
                                  "    service Good               running  auto     null"
                                  "           CORP\\svc\n      token of CORP\\svc (logon id "));
    CU_ASSERT_PTR_NOT_NULL(strstr(got, "      granted since start: SeTcbPrivilege; takes effect "
                                       "at restart\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(got, "    service Bad                stopped  auto     null"
                                       "           CORP\\svc\n      last start failed: 1069 "));
    free(want);
    free(got);
    /* a machine that is down: no services running, no tokens */
    UNIT_ASSERT_STATUS(machine_shutdown(q.srv), STATUS_SUCCESS);
    want = print_to_string(reference_status, q.lab);
    got = print_to_string(status_of, q.lab);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_PTR_NULL(strstr(got, "token of"));
    free(want);
    free(got);
    qlab_free(&q);
}

static void test_query_machine_and_services(void)
{
    struct qlab q;
    qlab_create(&q);
    struct query_machine qm;
    UNIT_ASSERT_STATUS(query_machine(q.srv, &qm), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(qm.name, "SRV");
    CU_ASSERT(qm.os == OSVER_W2K && qm.role == ROLE_MEMBER && qm.running);
    CU_ASSERT_STRING_EQUAL(qm.domain, "CORP");
    CU_ASSERT(qm.clock == lab_clock_now(q.lab) && qm.clock_virtual);
    CU_ASSERT(qm.nservices == 3);
    UNIT_ASSERT_STATUS(query_machine(NULL, &qm), STATUS_INVALID_PARAMETER);

    struct query_service s;
    UNIT_ASSERT_STATUS(query_service_at(q.srv, 0, &s), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(s.name, "Good");
    CU_ASSERT(s.state == SCM_RUNNING && s.start == SCM_AUTO && s.has_token);
    CU_ASSERT_STRING_EQUAL(s.token.user, "svc");
    CU_ASSERT_STRING_EQUAL(s.token.domain, "CORP");
    CU_ASSERT(sid_equal(&s.token.user_sid, &q.svc));
    CU_ASSERT(s.token.logon_id == scm_find(machine_scm(q.srv), "Good")->token.logon_id);
    CU_ASSERT(s.token.drift == STATUS_SUCCESS);
    CU_ASSERT(s.token.granted_since == RIGHTS_BIT(RI_TCB) && s.token.revoked_since == 0);
    bool notify = false;
    for (size_t i = 0; i < s.token.nprivileges; i++)
        if (s.token.privileges[i].right == RI_CHANGE_NOTIFY) {
            notify = true;
            CU_ASSERT_STRING_EQUAL(s.token.privileges[i].name, "SeChangeNotifyPrivilege");
            CU_ASSERT(s.token.privileges[i].attributes & SE_PRIVILEGE_ENABLED_BY_DEFAULT);
        }
    CU_ASSERT(notify);
    UNIT_ASSERT_STATUS(query_service_at(q.srv, 1, &s), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(s.name, "Bad");
    CU_ASSERT(s.state == SCM_STOPPED && !s.has_token && s.last_error == 1069);
    CU_ASSERT(s.token.nprivileges == 0);
    UNIT_ASSERT_STATUS(query_service_at(q.srv, 3, &s), STATUS_INVALID_PARAMETER);
    CU_ASSERT(query_service_count(q.dc) == 0);
    qlab_free(&q);
}

static void test_query_rights(void)
{
    struct qlab q;
    qlab_create(&q);
    struct query_rights r;
    UNIT_ASSERT_STATUS_FATAL(query_rights(q.srv, machine_lsa(q.srv), &r), STATUS_SUCCESS);
    CU_ASSERT(r.os == OSVER_W2K);
    const struct query_right *tcb = query_rights_find(&r, RI_TCB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tcb);
    CU_ASSERT(!tcb->logon_right);
    CU_ASSERT_FATAL(tcb->nholders == 1);
    CU_ASSERT(sid_equal(&tcb->holders[0].sid, &q.svc));
    CU_ASSERT_STRING_EQUAL(tcb->holders[0].name, "CORP\\svc");
    const struct query_right *svc = query_rights_find(&r, RI_SERVICE_LOGON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(svc);
    CU_ASSERT(svc->logon_right && svc->nholders >= 1);
    /* only the rights the OS knows, in catalogue order */
    for (size_t i = 0; i < r.nrights; i++) {
        CU_ASSERT((rights_known(OSVER_W2K) & RIGHTS_BIT(r.rights[i].right)) != 0);
        CU_ASSERT(i == 0 || r.rights[i - 1].right < r.rights[i].right);
    }
    query_rights_free(&r);
    /* NT 4.0 knows no deny rights: the domain's policy has none */
    UNIT_ASSERT_STATUS_FATAL(query_rights(q.dc, machine_lsa(q.dc), &r), STATUS_SUCCESS);
    CU_ASSERT_PTR_NULL(query_rights_find(&r, RI_DENY_NETWORK_LOGON));
    CU_ASSERT_PTR_NOT_NULL(query_rights_find(&r, RI_NETWORK_LOGON));
    query_rights_free(&r);
    UNIT_ASSERT_STATUS(query_rights(q.srv, NULL, &r), STATUS_INVALID_PARAMETER);
    query_rights_free(&r);
    qlab_free(&q);
}

static void test_query_events(void)
{
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(machine_create("EV", OSVER_NT4, ROLE_STANDALONE, NULL, ADMIN_PW, &m),
                             STATUS_SUCCESS);
    for (int i = 0; i < 70; i++) {
        char text[32];
        snprintf(text, sizeof text, "event %d", i);
        UNIT_ASSERT_STATUS_FATAL(evtlog_write(machine_evtlog(m), EVTLOG_APPLICATION, machine_now(m),
                                              "Test", 100 + (uint32_t)i, EVT_INFORMATION, 0, "N/A",
                                              text),
                                 STATUS_SUCCESS);
    }
    struct evtlog_record page[32];
    size_t n, total = 0;
    uint32_t after = 0;
    ntstatus st;
    while ((st = query_events(m, EVTLOG_APPLICATION, after, page, 32, &n)) == STATUS_SUCCESS && n) {
        for (size_t i = 0; i < n; i++) {
            const struct evtlog_record *r =
                evtlog_at(machine_evtlog(m), EVTLOG_APPLICATION, total + i);
            CU_ASSERT(r && r->record == page[i].record && r->event_id == page[i].event_id);
        }
        total += n;
        after = page[n - 1].record;
    }
    UNIT_ASSERT_STATUS(st, STATUS_SUCCESS);
    CU_ASSERT(total == 70);
    /* after a record: only the newer ones */
    UNIT_ASSERT_STATUS(query_events(m, EVTLOG_APPLICATION, 65, page, 32, &n), STATUS_SUCCESS);
    CU_ASSERT(n == 5 && page[0].record == 66);
    CU_ASSERT_STRING_EQUAL(page[0].description, "event 65");
    UNIT_ASSERT_STATUS(query_events(m, EVTLOG_SECURITY, 0, page, 32, &n), STATUS_SUCCESS);
    CU_ASSERT(n == 0);
    UNIT_ASSERT_STATUS(query_events(m, EVTLOG_SYSTEM, 0, page, 0, &n), STATUS_INVALID_PARAMETER);
    machine_free(m);
}

void suite_query(void)
{
    UNIT_SUITE("query", UNIT_TEST(test_status_section_same_text),
               UNIT_TEST(test_query_machine_and_services), UNIT_TEST(test_query_rights),
               UNIT_TEST(test_query_events));
}

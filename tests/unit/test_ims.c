/* The Internet Mail Service (src/exchange/ims.c, issue 18 slice 2): its
 * own service and token, recipients against the mailbox directory and its
 * SMTP domain, delivery all-or-none into real Maildirs, AUTH through
 * LogonUser with the IMS's token (Q235627's event 4183 when it fails), and
 * the whole path through the SMTP engine. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/exchange/ims.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_PW "Adm1n!"
#define SVC_PW "svc-pw"

struct corp {
    const char *dir;
    struct lab *lab;
    struct machine *pdc, *exch;
    struct sid exchsvc, imssvc, alice;
};

static void domain_user(struct corp *c, const char *name, const char *pw, struct sid *sid)
{
    struct sam *sam = lab_domain_sam(c->lab, "CORP");
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(sam, name, pw, lab_clock_now(c->lab), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(c->pdc), STATUS_SUCCESS);
    sam_user_sid(sam, sam_user_find(sam, name), sid);
}

static void grant(struct machine *m, const struct sid *sid, const char *right)
{
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h),
        STATUS_SUCCESS);
    const char *r[1] = {right};
    UNIT_ASSERT_STATUS_FATAL(lsa_add_account_rights(&h, sid, r, 1), STATUS_SUCCESS);
    lsa_close(&h);
}

/* CORP, EXCHSRV with MSExchangeIS (as exchsvc, with SeTcbPrivilege) and
 * MSExchangeIMC (as imssvc, depending on the store; SeTcbPrivilege only
 * when ims_tcb), mailboxes alice and shared; booted. */
static void corp_create(struct corp *c, bool ims_tcb, const char *ims_conf)
{
    memset(c, 0, sizeof *c);
    c->dir = unit_tmpdir();
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_open(c->dir, true, &c->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "CORPDC", ROLE_PDC, OSVER_NT4, "CORP", ADMIN_PW, &c->pdc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "EXCHSRV", ROLE_MEMBER, OSVER_NT4, "CORP", ADMIN_PW, &c->exch),
        STATUS_SUCCESS);
    domain_user(c, "exchsvc", SVC_PW, &c->exchsvc);
    domain_user(c, "imssvc", SVC_PW, &c->imssvc);
    domain_user(c, "alice", "Passw0rd", &c->alice);
    grant(c->exch, &c->exchsvc, "SeServiceLogonRight");
    grant(c->exch, &c->exchsvc, "SeTcbPrivilege");
    grant(c->exch, &c->imssvc, "SeServiceLogonRight");
    if (ims_tcb)
        grant(c->exch, &c->imssvc, "SeTcbPrivilege");
    if (ims_conf) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", machine_dir(c->exch), IMS_CONF_FILE);
        CU_ASSERT_FATAL(afile_write(path, ims_conf, strlen(ims_conf), 0644) == 0);
    }
    CU_ASSERT_FATAL(exchange_register(c->exch) == 0);
    struct scm_config cfg = {.name = "MSExchangeIS",
                             .image = EXCHANGE_IMAGE,
                             .account = "CORP\\exchsvc",
                             .password = SVC_PW,
                             .start = SCM_AUTO};
    UNIT_ASSERT_WIN32_FATAL(scm_add(c->exch, &cfg), ERROR_SUCCESS);
    const char *deps[] = {"MSExchangeIS"};
    struct scm_config icfg = {.name = IMS_SERVICE,
                              .image = IMS_IMAGE,
                              .account = "CORP\\imssvc",
                              .password = SVC_PW,
                              .start = SCM_AUTO,
                              .set_deps = true,
                              .deps = deps,
                              .ndeps = 1};
    UNIT_ASSERT_WIN32_FATAL(scm_add(c->exch, &icfg), ERROR_SUCCESS);
    CU_ASSERT_FATAL(exchange_mailbox_add(c->exch, "alice", "CORP\\alice", NULL, err, sizeof err) ==
                    0);
    CU_ASSERT_FATAL(exchange_mailbox_add(c->exch, "shared", "CORP\\alice", NULL, err, sizeof err) ==
                    0);
    UNIT_ASSERT_STATUS(lab_boot_all(c->lab, err, sizeof err), STATUS_SUCCESS);
}

static void corp_free(struct corp *c)
{
    lab_free(c->lab);
    unit_rmtree(c->dir);
}

/* Messages in alias's Maildir, and the first one's bytes into got. */
static size_t mailbox(struct corp *c, const char *alias, struct buf *got)
{
    char dir[PATH_MAX];
    CU_ASSERT_FATAL(exchange_mailbox_path(c->exch, alias, dir, sizeof dir) == 0);
    struct maildrop *md;
    if (maildrop_open(dir, &md))
        return 0;
    size_t n = maildrop_count(md);
    if (got && n) {
        char b[4096];
        size_t k;
        buf_reset(got);
        for (uint64_t off = 0; maildrop_read(md, 0, off, b, sizeof b, &k) == 0 && k; off += k)
            buf_append(got, b, k);
    }
    maildrop_close(md);
    return n;
}

static size_t app_events(struct machine *m, uint32_t id, const char *needle)
{
    size_t n = 0;
    for (size_t i = evtlog_first(machine_evtlog(m), EVTLOG_APPLICATION);
         i < evtlog_count(machine_evtlog(m), EVTLOG_APPLICATION); i++) {
        const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_APPLICATION, i);
        if (r && r->event_id == id && !strcmp(r->source, IMS_SOURCE) &&
            (!needle || strstr(r->description, needle)))
            n++;
    }
    return n;
}

static void test_rcpt_and_deliver(void)
{
    struct corp c;
    corp_create(&c, true, NULL);
    CU_ASSERT_FATAL(ims_running(c.exch));
    struct ims_session *is;
    CU_ASSERT_FATAL(ims_session_open(c.exch, "10.0.0.9", &is) == 0);
    CU_ASSERT_STRING_EQUAL(ims_session_host(is), "exchsrv.corp.example");
    CU_ASSERT_STRING_EQUAL(ims_session_persona(is), IMS_DEFAULT_PERSONA);
    CU_ASSERT_EQUAL(ims_rcpt(is, "alice@corp.example"), 0);
    CU_ASSERT_EQUAL(ims_rcpt(is, "Alice@CORP.Example"), 0);
    CU_ASSERT_EQUAL(ims_rcpt(is, "nobody@corp.example"), ENOENT);
    CU_ASSERT_EQUAL(ims_rcpt(is, "alice@elsewhere.example"), ENOENT); /* no relaying */
    CU_ASSERT_EQUAL(ims_rcpt(is, "alice"), ENOENT);
    const char *to[] = {"alice@corp.example", "shared@corp.example"};
    const char msg[] = "Subject: t\r\n\r\nbody\r\n";
    CU_ASSERT_EQUAL(ims_deliver(is, to, 2, msg, sizeof msg - 1), 0);
    struct buf got = BUF_INIT;
    CU_ASSERT_EQUAL(mailbox(&c, "alice", &got), 1);
    CU_ASSERT(got.len == sizeof msg - 1 && !memcmp(got.p, msg, got.len));
    CU_ASSERT_EQUAL(mailbox(&c, "shared", NULL), 1);
    /* all or none: shared's Maildir made unusable, alice's copy goes again */
    char dir[PATH_MAX];
    CU_ASSERT_FATAL(exchange_mailbox_path(c.exch, "shared", dir, sizeof dir) == 0);
    unit_rmtree(dir);
    CU_ASSERT_FATAL(afile_write(dir, "x", 1, 0644) == 0); /* a file where the Maildir was */
    CU_ASSERT_NOT_EQUAL(ims_deliver(is, to, 2, msg, sizeof msg - 1), 0);
    CU_ASSERT_EQUAL(mailbox(&c, "alice", NULL), 1);
    /* the store stopped: recipients and delivery wait (451) */
    UNIT_ASSERT_WIN32(scm_stop(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(!ims_running(c.exch)); /* its dependant stopped first */
    CU_ASSERT_EQUAL(ims_rcpt(is, "alice@corp.example"), EAGAIN);
    CU_ASSERT_EQUAL(ims_deliver(is, to, 1, msg, sizeof msg - 1), EAGAIN);
    CU_ASSERT_EQUAL(ims_session_open(c.exch, "x", &(struct ims_session *){NULL}), ECONNREFUSED);
    ims_session_close(is);
    buf_free(&got);
    corp_free(&c);
}

/* Q235627 meets Q189732: AUTH through LogonUser with the IMS's token. */
static void test_auth_needs_tcb(void)
{
    struct corp c;
    corp_create(&c, false, NULL);
    struct ims_session *is;
    CU_ASSERT_FATAL(ims_session_open(c.exch, "10.0.0.9", &is) == 0);
    struct mail_logon_credentials cred = {.mechanism = "LOGIN",
                                          .user = "alice",
                                          .domain = "",
                                          .account = "alice",
                                          .mailbox = "alice",
                                          .password = "Passw0rd"};
    struct mail_logon_result res = {0};
    ims_logon_ops.login(is, &cred, &res);
    CU_ASSERT_EQUAL(res.outcome, MAIL_LOGON_WIN32);
    UNIT_ASSERT_WIN32(res.win32, ERROR_PRIVILEGE_NOT_HELD);
    CU_ASSERT_EQUAL(app_events(c.exch, IMS_EVENT_AUTH_FAILED,
                               "Authentication attempt (AUTH LOGIN) from 10.0.0.9 as alice "
                               "failed: LogonUser() call failed with error: A required "
                               "privilege is not held by the client."),
                    1);
    /* the grant reaches the IMS only at its restart */
    grant(c.exch, &c.imssvc, "SeTcbPrivilege");
    memset(&res, 0, sizeof res);
    ims_logon_ops.login(is, &cred, &res);
    CU_ASSERT_EQUAL(res.outcome, MAIL_LOGON_WIN32);
    ims_session_close(is);
    UNIT_ASSERT_WIN32(scm_restart(c.exch, IMS_SERVICE), ERROR_SUCCESS);
    CU_ASSERT_FATAL(ims_session_open(c.exch, "10.0.0.9", &is) == 0);
    memset(&res, 0, sizeof res);
    ims_logon_ops.login(is, &cred, &res);
    CU_ASSERT_EQUAL(res.outcome, MAIL_LOGON_OK);
    CU_ASSERT_PTR_NULL(res.maildrop);
    cred.password = "wrong";
    memset(&res, 0, sizeof res);
    ims_logon_ops.login(is, &cred, &res);
    UNIT_ASSERT_WIN32(res.win32, ERROR_LOGON_FAILURE);
    CU_ASSERT_EQUAL(app_events(c.exch, IMS_EVENT_AUTH_FAILED, "unknown user name or bad password"),
                    1);
    ims_session_close(is);
    corp_free(&c);
}

static void test_settings(void)
{
    struct corp c;
    corp_create(&c, true, "# lab\ndomain = Mail.Corp.Example\npersona = ims50\n");
    struct ims_session *is;
    CU_ASSERT_FATAL(ims_session_open(c.exch, NULL, &is) == 0);
    CU_ASSERT_STRING_EQUAL(ims_session_host(is), "exchsrv.mail.corp.example");
    CU_ASSERT_STRING_EQUAL(ims_session_persona(is), "ims50");
    CU_ASSERT_EQUAL(ims_rcpt(is, "alice@mail.corp.example"), 0);
    CU_ASSERT_EQUAL(ims_rcpt(is, "alice@corp.example"), ENOENT);
    ims_session_close(is);
    corp_free(&c);
    /* a bad file stops the start, and the event names the line */
    corp_create(&c, true, "domain = corp.example\nrelay = yes\n");
    CU_ASSERT(!ims_running(c.exch));
    CU_ASSERT(exchange_running(c.exch));
    CU_ASSERT_EQUAL(app_events(c.exch, IMS_EVENT_SETTINGS, ":2:"), 1);
    corp_free(&c);
}

void suite_ims(void)
{
    UNIT_SUITE("ims", UNIT_TEST(test_rcpt_and_deliver), UNIT_TEST(test_auth_needs_tcb),
               UNIT_TEST(test_settings));
}

/* The Exchange store: the msexchangeis image and its token snapshot, the
 * logon path (alias vs account, ownership, in-use, no mailbox, stopped
 * store), the mailbox directory file, delivery, personas, APOP. Sessions
 * are driven in-process through exchange_session_open. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/md5.h"
#include "src/lib/str.h"
#include "src/pop3/pop3.h"
#include "tests/unit/unit.h"
/* The persona event table's default row for a refused logon (persona_event.c) */
#define DEFAULT_SOURCE "MSExchangePOP3"
#define DEFAULT_ID 1010u
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_PW "Adm1n!"
#define SVC_PW "svc-pw"

struct corp {
    const char *dir;
    struct lab *lab;
    struct machine *pdc, *exch;
    struct sid exchsvc, alice, bob;
    struct pop3_config cfg;
};

static void domain_user(struct corp *c, const char *name, const char *pw, struct sid *sid)
{
    struct sam *sam = lab_domain_sam(c->lab, "CORP");
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(sam, name, pw, lab_clock_now(c->lab), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(c->pdc), STATUS_SUCCESS);
    sam_user_sid(sam, sam_user_find(sam, name), sid);
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

/* Q189732's lab: CORP with PDC, member EXCHSRV running MSExchangeIS as
 * CORP\exchsvc (with SeTcbPrivilege only when tcb), users alice and bob,
 * mailboxes alice (alice's), amail (alice's: alias != account) and shared
 * (bob's); booted. */
static void corp_create(struct corp *c, bool tcb, const char *persona)
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
    CU_ASSERT_FATAL(exchange_set_persona(c->exch, persona) == 0); /* the store reads the file */
    domain_user(c, "exchsvc", SVC_PW, &c->exchsvc);
    domain_user(c, "alice", "Passw0rd", &c->alice);
    domain_user(c, "bob", "b0bpw", &c->bob);
    grant(machine_lsa(c->exch), &c->exchsvc, "SeServiceLogonRight");
    if (tcb)
        grant(machine_lsa(c->exch), &c->exchsvc, "SeTcbPrivilege");
    CU_ASSERT_FATAL(exchange_register(c->exch) == 0);
    CU_ASSERT(exchange_register(c->exch) == 0); /* idempotent */
    struct scm_config cfg = {0};
    cfg.name = "MSExchangeIS";
    cfg.image = EXCHANGE_IMAGE;
    cfg.account = "CORP\\exchsvc";
    cfg.password = SVC_PW;
    cfg.start = SCM_AUTO;
    UNIT_ASSERT_WIN32_FATAL(scm_add(c->exch, &cfg), ERROR_SUCCESS);
    CU_ASSERT_FATAL(exchange_mailbox_add(c->exch, "alice", "CORP\\alice", NULL, err,
                                         sizeof err) == 0);
    CU_ASSERT_FATAL(exchange_mailbox_add(c->exch, "amail", "CORP\\alice", NULL, err,
                                         sizeof err) == 0);
    CU_ASSERT_FATAL(exchange_mailbox_add(c->exch, "shared", "CORP\\bob", NULL, err,
                                         sizeof err) == 0);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c->lab, err, sizeof err), STATUS_SUCCESS);
    pop3_config_default(&c->cfg);
}

static void corp_free(struct corp *c)
{
    lab_free(c->lab);
    unit_rmtree(c->dir);
}

/* One client: sends a line, returns everything the server answered. */
struct client {
    struct exchange_session *es; /* the store: ps's logon backend */
    struct pop3_session *ps;
    struct pop3_config cfg;
    struct buf got;
    struct machine *m;
};

static char *drain(struct client *cl)
{
    struct pop3_session *ps = cl->ps;
    buf_reset(&cl->got);
    size_t len;
    const char *p;
    while ((p = pop3_session_output(ps, &len)) && len) {
        CU_ASSERT_FATAL(buf_append(&cl->got, p, len) == 0);
        pop3_session_consume(ps, len, machine_now(cl->m));
    }
    return cl->got.p ? cl->got.p : (char *)"";
}

static int client_open(struct corp *c, struct client *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->m = c->exch;
    int e = exchange_session_open(c->exch, &cl->es);
    if (e)
        return e;
    const struct pop3_backend be = {&exchange_logon_ops, cl->es, NULL, NULL};
    cl->cfg = c->cfg;
    cl->cfg.host = machine_name(c->exch);
    cl->ps = pop3_session_new(exchange_session_persona(cl->es), &be, &cl->cfg,
                              machine_now(c->exch), 1);
    return cl->ps ? 0 : ENOMEM;
}

static const char *say(struct client *cl, const char *line)
{
    struct pop3_session *ps = cl->ps;
    size_t n = strlen(line);
    CU_ASSERT(pop3_session_input(ps, line, n, machine_now(cl->m)) == n);
    return drain(cl);
}

static void client_close(struct client *cl)
{
    pop3_session_drop(cl->ps);
    exchange_session_close(cl->es);
    buf_free(&cl->got);
}

static size_t count_app_events(struct machine *m, const char *source, uint32_t id,
                               const char *needle)
{
    size_t n = 0;
    for (size_t i = evtlog_first(machine_evtlog(m), EVTLOG_APPLICATION);
         i < evtlog_count(machine_evtlog(m), EVTLOG_APPLICATION); i++) {
        const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_APPLICATION, i);
        if (r && r->event_id == id && strcmp(r->source, source) == 0 &&
            (!needle || strstr(r->description, needle)))
            n++;
    }
    return n;
}

static bool any_event_mentions(struct machine *m, const char *text)
{
    for (int w = 0; w < EVTLOG_COUNT; w++)
        for (size_t i = evtlog_first(machine_evtlog(m), (enum evtlog_which)w);
             i < evtlog_count(machine_evtlog(m), (enum evtlog_which)w); i++) {
            const struct evtlog_record *r = evtlog_at(machine_evtlog(m), (enum evtlog_which)w, i);
            if (r && strstr(r->description, text))
                return true;
        }
    return false;
}

/* --- the founding case and the token snapshot ------------------------------------- */

static void test_q189732_snapshot(void)
{
    struct corp c;
    corp_create(&c, false, "q189732");
    CU_ASSERT_FATAL(exchange_running(c.exch));
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    CU_ASSERT_STRING_EQUAL(drain(&cl),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "User CORP\\alice\\alice\r\n"), "+OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "Pass Passw0rd\r\n"),
                           "-Err A required privilege is not held by the client\r\n");
    /* the Failure Audit from MSExchangePOP3, without the password */
    CU_ASSERT(count_app_events(c.exch, DEFAULT_SOURCE, DEFAULT_ID,
                               "1314") == 1);
    CU_ASSERT(!any_event_mentions(c.exch, "Passw0rd"));

    /* the grant is live in the policy but not in the running store's token */
    grant(machine_lsa(c.exch), &c.exchsvc, "SeTcbPrivilege");
    CU_ASSERT_STRING_EQUAL(say(&cl, "USER CORP\\alice\\alice\r\n"), "+OK\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"),
                           "-Err A required privilege is not held by the client\r\n");
    struct client cl2;
    CU_ASSERT_FATAL(client_open(&c, &cl2) == 0);
    drain(&cl2);
    say(&cl2, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl2, "PASS Passw0rd\r\n"),
                           "-Err A required privilege is not held by the client\r\n");
    CU_ASSERT(exchange_session_store_running(cl2.es));

    /* restart: a new token; the old sessions' store is gone */
    UNIT_ASSERT_WIN32(scm_restart(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(token_has_privilege(&exchange_service(c.exch)->token, RI_TCB));
    CU_ASSERT(!exchange_session_store_running(cl2.es));
    say(&cl2, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl2, "PASS Passw0rd\r\n"),
                           "-Err The information store is not available\r\n");
    client_close(&cl2);
    client_close(&cl);

    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "User CORP\\alice\\alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "Pass Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 0 0\r\n");
    client_close(&cl);
    corp_free(&c);
}

static void test_reboot_takes_new_token(void)
{
    struct corp c;
    corp_create(&c, false, "exchange-5.0.1457.10");
    char err[256];
    rights_mask granted = 1, revoked = 1;
    CU_ASSERT(scm_token_drift(c.exch, exchange_service(c.exch), &granted, &revoked) == 0);
    CU_ASSERT(granted == 0 && revoked == 0);
    grant(machine_lsa(c.exch), &c.exchsvc, "SeTcbPrivilege");
    CU_ASSERT(!token_has_privilege(&exchange_service(c.exch)->token, RI_TCB));
    /* the drift: granted since start (and looking used no logon id) */
    struct token t1, t2;
    UNIT_ASSERT_STATUS(logon_token_for(c.exch, "CORP", "exchsvc", LOGON_SERVICE, &t1),
                       STATUS_SUCCESS);
    CU_ASSERT(scm_token_drift(c.exch, exchange_service(c.exch), &granted, &revoked) == 0);
    CU_ASSERT(granted == RIGHTS_BIT(RI_TCB) && revoked == 0);
    UNIT_ASSERT_STATUS(logon_token_for(c.exch, "CORP", "exchsvc", LOGON_SERVICE, &t2),
                       STATUS_SUCCESS);
    CU_ASSERT(t2.logon_id == t1.logon_id + 1);
    UNIT_ASSERT_STATUS(machine_reboot(c.exch, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_FATAL(exchange_running(c.exch));
    CU_ASSERT(token_has_privilege(&exchange_service(c.exch)->token, RI_TCB));
    CU_ASSERT(scm_token_drift(c.exch, exchange_service(c.exch), &granted, &revoked) == 0);
    CU_ASSERT(granted == 0 && revoked == 0);
    /* revoked since start */
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(machine_lsa(c.exch), sid_wellknown(SID_WK_SYSTEM), 1,
                                             POLICY_ALL_ACCESS, &h),
                             STATUS_SUCCESS);
    const char *tcb[1] = {"SeTcbPrivilege"};
    UNIT_ASSERT_STATUS_FATAL(lsa_remove_account_rights(&h, &c.exchsvc, false, tcb, 1),
                             STATUS_SUCCESS);
    lsa_close(&h);
    CU_ASSERT(scm_token_drift(c.exch, exchange_service(c.exch), &granted, &revoked) == 0);
    CU_ASSERT(granted == 0 && revoked == RIGHTS_BIT(RI_TCB));
    grant(machine_lsa(c.exch), &c.exchsvc, "SeTcbPrivilege");
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    client_close(&cl);
    /* a stopped store refuses sessions (a connection refused) */
    UNIT_ASSERT_WIN32(scm_stop(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(!exchange_running(c.exch));
    CU_ASSERT(exchange_service(c.exch) == NULL);
    UNIT_ASSERT_STATUS(
        scm_token_drift(c.exch, scm_find(machine_scm(c.exch), "MSExchangeIS"), &granted, &revoked),
        STATUS_INVALID_PARAMETER);
    struct exchange_session *es = NULL;
    CU_ASSERT(exchange_session_open(c.exch, &es) == ECONNREFUSED);
    CU_ASSERT(es == NULL);
    corp_free(&c);
}

/* --- logon outcomes ------------------------------------------------------------------ */

static void test_alias_is_not_account(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    char err[256];
    static const char msg[] = "Subject: x\r\n\r\nhi\r\n";
    CU_ASSERT(exchange_deliver(c.exch, "amail", msg, strlen(msg), NULL, 0) == 0);
    static const char *const users[] = {"CORP\\alice\\amail\r\n", "CORP\\alice/amail\r\n",
                                        "corp\\ALICE\\AMAIL\r\n"};
    for (size_t i = 0; i < 3; i++) {
        struct client cl;
        CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
        drain(&cl);
        char line[64];
        snprintf(line, sizeof line, "USER %s", users[i]);
        CU_ASSERT_STRING_EQUAL(say(&cl, line), "+OK\r\n");
        CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
        CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 1 18\r\n");
        client_close(&cl);
    }
    /* no mailbox part: mailbox = account ("alice", which is empty) */
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 0 0\r\n");
    client_close(&cl);
    /* an alias that is nobody's account: "amail" alone is no account */
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER amail\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"),
                           "-ERR Logon failure: unknown user name or bad password.\r\n");
    client_close(&cl);
    (void)err;
    corp_free(&c);
}

static void test_other_owner_denied(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER CORP\\alice\\shared\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "-ERR Access is denied.\r\n");
    CU_ASSERT(pop3_session_state(cl.ps) == POP3_AUTHORIZATION);
    /* the owner may */
    say(&cl, "USER CORP\\bob\\shared\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS b0bpw\r\n"), "+OK User successfully logged on\r\n");
    client_close(&cl);
    CU_ASSERT(count_app_events(c.exch, DEFAULT_SOURCE, DEFAULT_ID,
                               "does not own") == 1);
    corp_free(&c);
}

static void test_failures(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    /* no such alias on this server */
    say(&cl, "USER CORP\\alice\\nosuch\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "-ERR The mailbox does not exist\r\n");
    /* bad password: 1326, and the audit names it */
    say(&cl, "USER CORP\\alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS wrong\r\n"),
                           "-ERR Logon failure: unknown user name or bad password.\r\n");
    CU_ASSERT(count_app_events(c.exch, DEFAULT_SOURCE, DEFAULT_ID,
                               "1326") == 1);
    /* an unknown domain: no DC of it */
    say(&cl, "USER NOWHERE\\alice\r\n");
    const char *r = say(&cl, "PASS Passw0rd\r\n");
    CU_ASSERT(strncmp(r, "-ERR ", 5) == 0);
    /* the server's domain when none is named; the local SAM for "." */
    say(&cl, "USER .\\alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"),
                           "-ERR Logon failure: unknown user name or bad password.\r\n");
    /* in use: a second session on a locked maildrop */
    say(&cl, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    struct client cl2;
    CU_ASSERT_FATAL(client_open(&c, &cl2) == 0);
    drain(&cl2);
    say(&cl2, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl2, "PASS Passw0rd\r\n"),
                           "-ERR The mailbox is in use by another session\r\n");
    client_close(&cl); /* dropped: the lock goes, nothing is deleted */
    say(&cl2, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl2, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    client_close(&cl2);
    CU_ASSERT(!any_event_mentions(c.exch, "Passw0rd"));
    CU_ASSERT(!any_event_mentions(c.exch, "wrong"));
    corp_free(&c);
}

static void test_maildir_missing_is_recreated(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    char path[4200];
    CU_ASSERT_FATAL(exchange_mailbox_path(c.exch, "alice", path, sizeof path) == 0);
    unit_rmtree(path);
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    client_close(&cl);
    corp_free(&c);
}

/* --- delivery and the directory ------------------------------------------------------ */

static void test_deliver_and_dele(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    static const char m1[] = "Subject: one\n\n.dot line\n";
    static const char m2[] = "Subject: two\r\n\r\nbody\r\n";
    CU_ASSERT(exchange_deliver(c.exch, "alice", m1, sizeof m1 - 1, NULL, 0) == 0);
    CU_ASSERT(exchange_deliver(c.exch, "ALICE", m2, sizeof m2 - 1, NULL, 0) == 0);
    CU_ASSERT(exchange_deliver(c.exch, "nosuch", m2, sizeof m2 - 1, NULL, 0) == ENOENT);
    CU_ASSERT(exchange_deliver(c.exch, "../x", m2, sizeof m2 - 1, NULL, 0) == ENOENT);
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER alice\r\n");
    say(&cl, "PASS Passw0rd\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 2 49\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "RETR 1\r\n"),
                           "+OK\r\nSubject: one\r\n\r\n..dot line\r\n.\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "DELE 1\r\n"), "+OK\r\n");
    client_close(&cl); /* dropped: nothing removed */
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER alice\r\n");
    say(&cl, "PASS Passw0rd\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 2 49\r\n");
    say(&cl, "DELE 1\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "QUIT\r\n"),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10 signing off\r\n");
    client_close(&cl);
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER alice\r\n");
    say(&cl, "PASS Passw0rd\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 1 22\r\n");
    client_close(&cl);
    corp_free(&c);
}

static void test_mailbox_add_errors(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    char err[512];
    CU_ASSERT(exchange_mailbox_add(c.exch, "alice", "CORP\\bob", NULL, err, sizeof err) == EEXIST);
    CU_ASSERT(exchange_mailbox_add(c.exch, "ALICE", "CORP\\bob", NULL, err, sizeof err) == EEXIST);
    CU_ASSERT(exchange_mailbox_add(c.exch, "x", "CORP\\nobody", NULL, err, sizeof err) == ESRCH);
    CU_ASSERT(strstr(err, "nobody") != NULL);
    CU_ASSERT(exchange_mailbox_add(c.exch, "../etc", "CORP\\bob", NULL, err, sizeof err) == EINVAL);
    CU_ASSERT(exchange_mailbox_add(c.exch, ".hidden", "CORP\\bob", NULL, err, sizeof err) == EINVAL);
    CU_ASSERT(exchange_mailbox_add(c.exch, "", "CORP\\bob", NULL, err, sizeof err) == EINVAL);
    CU_ASSERT(exchange_mailbox_add(c.exch, "a b", "CORP\\bob", NULL, err, sizeof err) == EINVAL);
    char longalias[80];
    memset(longalias, 'a', 65);
    longalias[65] = 0;
    CU_ASSERT(exchange_mailbox_add(c.exch, longalias, "CORP\\bob", NULL, err, sizeof err) ==
              EINVAL);
    longalias[64] = 0;
    CU_ASSERT(exchange_mailbox_add(c.exch, longalias, "CORP\\bob", NULL, err, sizeof err) == 0);
    CU_ASSERT(exchange_mailbox_add(c.exch, "sec", "CORP\\bob", "bad\nsecret", err, sizeof err) ==
              EINVAL);
    /* added while the store runs: seen without a restart; a bare name
     * resolves as LsaLookupNames does (here: the domain's bob) */
    CU_ASSERT(exchange_mailbox_add(c.exch, "bob2", "bob", NULL, err, sizeof err) == 0);
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER CORP\\bob\\bob2\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS b0bpw\r\n"), "+OK User successfully logged on\r\n");
    client_close(&cl);
    /* the list, canonical owner names, durable */
    struct exchange_directory *d;
    CU_ASSERT_FATAL(exchange_mailbox_list(c.exch, &d, err, sizeof err) == 0);
    CU_ASSERT(exchange_directory_count(d) == 5);
    const struct exchange_mailbox *mb = exchange_directory_find(d, "BOB2");
    CU_ASSERT_FATAL(mb != NULL);
    CU_ASSERT_STRING_EQUAL(mb->owner, "CORP\\bob");
    CU_ASSERT(sid_equal(&mb->owner_sid, &c.bob));
    CU_ASSERT(exchange_directory_find(d, "nosuch") == NULL);
    exchange_directory_free(d);
    corp_free(&c);
}

/* mailbox set (exchange_recipient_set): the new owner is seen by the
 * running store at the next logon, durably; every refusal leaves the file
 * as it was. */
static void test_recipient_set(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    char err[512], path[4200];
    snprintf(path, sizeof path, "%s/%s", machine_dir(c.exch), EXCHANGE_DIR_FILE);
    char *before;
    size_t blen;
    CU_ASSERT_FATAL(afile_read(path, 1 << 20, &before, &blen) == 0);
    struct exchange_recipient_change ch = {.owner = "CORP\\alice"};
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "nosuch", &ch, err, sizeof err) == ENOENT);
    CU_ASSERT(strstr(err, "no mailbox 'nosuch'") != NULL);
    CU_ASSERT(exchange_recipient_set(c.exch, "Other", "shared", &ch, err, sizeof err) == ENOENT);
    CU_ASSERT(strstr(err, "it is in Recipients") != NULL);
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "../x", &ch, err, sizeof err) == EINVAL);
    CU_ASSERT(exchange_recipient_set(c.exch, "a b", "shared", &ch, err, sizeof err) == EINVAL);
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", NULL, err, sizeof err) == EINVAL);
    struct exchange_recipient_change none = {0};
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", &none, err, sizeof err) == EINVAL);
    struct exchange_recipient_change both = {.apop_secret = "s", .clear_secret = true};
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", &both, err, sizeof err) == EINVAL);
    struct exchange_recipient_change badsec = {.apop_secret = "a\nb"};
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", &badsec, err, sizeof err) == EINVAL);
    struct exchange_recipient_change custom = {.custom_address = "SMTP:x@example.com"};
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", &custom, err, sizeof err) == EINVAL);
    struct exchange_recipient_change nobody = {.owner = "CORP\\nobody"};
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", &nobody, err, sizeof err) == ESRCH);
    CU_ASSERT(strstr(err, "nobody") != NULL);
    char *after;
    size_t alen;
    CU_ASSERT_FATAL(afile_read(path, 1 << 20, &after, &alen) == 0);
    CU_ASSERT(alen == blen && memcmp(before, after, blen) == 0);
    free(after);
    /* alice may not open bob's "shared" until it is hers; the store runs */
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    say(&cl, "USER CORP\\alice\\SHARED\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "-ERR Access is denied.\r\n");
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "SHARED", &ch, err, sizeof err) == 0);
    say(&cl, "USER CORP\\alice\\shared\r\n");
    CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"), "+OK User successfully logged on\r\n");
    client_close(&cl);
    struct exchange_directory *d;
    CU_ASSERT_FATAL(exchange_mailbox_list(c.exch, &d, err, sizeof err) == 0);
    const struct exchange_mailbox *mb = exchange_directory_find(d, "shared");
    CU_ASSERT_FATAL(mb != NULL);
    CU_ASSERT_STRING_EQUAL(mb->alias, "shared"); /* its first spelling: the Maildir's name */
    CU_ASSERT_STRING_EQUAL(mb->owner, "CORP\\alice");
    CU_ASSERT(sid_equal(&mb->owner_sid, &c.alice));
    /* replace keeps the kind of an entry */
    struct exchange_mailbox m2 = *mb;
    m2.custom = true;
    CU_ASSERT(exchange_directory_replace(d, &m2) == EINVAL);
    str_copy(m2.alias, sizeof m2.alias, "nosuch");
    m2.custom = false;
    CU_ASSERT(exchange_directory_replace(d, &m2) == ENOENT);
    exchange_directory_free(d);
    /* a malformed file: EIO with its line, and it stays as it was */
    CU_ASSERT_FATAL(afile_write(path, "[broken\n", 8, 0600) == 0);
    CU_ASSERT(exchange_recipient_set(c.exch, NULL, "shared", &ch, err, sizeof err) == EIO);
    CU_ASSERT(strstr(err, ":1: ") != NULL);
    CU_ASSERT_FATAL(afile_read(path, 1 << 20, &after, &alen) == 0);
    CU_ASSERT(alen == 8 && memcmp(after, "[broken\n", 8) == 0);
    free(after);
    free(before);
    corp_free(&c);
}

static const char *write_tmp(const char *dir, const char *text)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, EXCHANGE_DIR_FILE);
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0600) == 0);
    return path;
}

/* Issue 12 (logons): the directory finds an alias through a hash index,
 * without case, across its growth; a duplicate in another case is EEXIST
 * and an unknown alias (one that shares a slot chain too) is not found. */
static void test_directory_index(void)
{
    struct exchange_directory *d = exchange_directory_new();
    CU_ASSERT_FATAL(d != NULL);
    CU_ASSERT(exchange_directory_find(d, "user0001") == NULL); /* empty */
    struct exchange_mailbox mb = {0};
    CU_ASSERT_FATAL(sid_parse("S-1-5-21-1-2-3-1001", &mb.owner_sid, NULL) == 0);
    str_copy(mb.owner, sizeof mb.owner, "M\\u");
    char alias[32];
    for (int i = 1; i <= 1000; i++) {
        snprintf(alias, sizeof alias, "User%04d", i);
        str_copy(mb.alias, sizeof mb.alias, alias);
        CU_ASSERT(exchange_directory_add(d, &mb) == 0);
    }
    CU_ASSERT(exchange_directory_count(d) == 1000);
    for (int i = 1; i <= 1000; i++) {
        snprintf(alias, sizeof alias, "uSER%04d", i);
        const struct exchange_mailbox *f = exchange_directory_find(d, alias);
        CU_ASSERT_FATAL(f != NULL);
        CU_ASSERT(f == exchange_directory_at(d, (size_t)i - 1));
    }
    str_copy(mb.alias, sizeof mb.alias, "USER0500");
    CU_ASSERT(exchange_directory_add(d, &mb) == EEXIST);
    CU_ASSERT(exchange_directory_find(d, "user1001") == NULL);
    CU_ASSERT(exchange_directory_find(d, "user000") == NULL);
    CU_ASSERT(exchange_directory_find(d, "") == NULL);
    exchange_directory_free(d);
}

static void test_directory_file(void)
{
    const char *dir = unit_tmpdir();
    char err[512];
    struct exchange_directory *d;
    /* missing file: empty */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/none.conf", dir);
    CU_ASSERT_FATAL(exchange_directory_load(missing, &d, err, sizeof err) == 0);
    CU_ASSERT(exchange_directory_count(d) == 0);
    /* round trip, with quoting where needed */
    struct exchange_mailbox mb = {0};
    str_copy(mb.alias, sizeof mb.alias, "Sales.Team-1");
    str_copy(mb.owner, sizeof mb.owner, " CORP\\odd \"name\" ");
    CU_ASSERT_FATAL(sid_parse("S-1-5-21-1-2-3-1001", &mb.owner_sid, NULL) == 0);
    mb.has_secret = true;
    str_copy(mb.apop_secret, sizeof mb.apop_secret, "tan\\stAafl");
    CU_ASSERT(exchange_directory_add(d, &mb) == 0);
    CU_ASSERT(exchange_directory_add(d, &mb) == EEXIST);
    const char *path = write_tmp(dir, "");
    CU_ASSERT(exchange_directory_save(d, path) == 0);
    exchange_directory_free(d);
    CU_ASSERT_FATAL(exchange_directory_load(path, &d, err, sizeof err) == 0);
    const struct exchange_mailbox *got = exchange_directory_find(d, "sales.team-1");
    CU_ASSERT_FATAL(got != NULL);
    CU_ASSERT_STRING_EQUAL(got->owner, " CORP\\odd \"name\" ");
    CU_ASSERT(got->has_secret && strcmp(got->apop_secret, "tan\\stAafl") == 0);
    CU_ASSERT(sid_equal(&got->owner_sid, &mb.owner_sid));
    CU_ASSERT(exchange_directory_at(d, 1) == NULL);
    exchange_directory_free(d);

    /* malformed files: each names its line */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"Owner = x\n", ":1: setting outside"},
        {"[a]\nOwner = x\n", ":1: mailbox has no OwnerSid"},
        {"[a]\nOwnerSid = S-1-5-21-1-2-3-1001\n", ":1: mailbox has no Owner"},
        {"[a]\nOwner = x\nOwnerSid = S-1-5-21-1-2-3-1001\n[A]\nOwner = y\n"
         "OwnerSid = S-1-5-21-1-2-3-1002\n",
         ":4: duplicate mailbox alias"},
        {"[a]\nOwner = x\nOwnerSid = X-1-5\n", ":3: bad OwnerSid"},
        {"[a]\nOwner = x\nOwner = y\n", ":3: duplicate Owner"},
        {"[a]\nColour = red\n", ":2: unknown key"},
        {"[a]\nOwner\n", ":2: expected KEY = VALUE"},
        {"[../x]\n", ":1: invalid mailbox alias"},
        {"[]\n", ":1: section header"},
        {"[a\n", ":1: section header"},
        {"[a]\nOwner = \"open\n", ":2: broken quoted value"},
        {"[a]\nOwner =\n", ":2: Owner must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = write_tmp(dir, bad[i].text);
        err[0] = 0;
        d = NULL;
        CU_ASSERT(exchange_directory_load(path, &d, err, sizeof err) == EINVAL);
        CU_ASSERT(d == NULL);
        if (!strstr(err, bad[i].want))
            fprintf(stderr, "\n  case %zu: got '%s', want '%s'\n", i, err, bad[i].want);
        CU_ASSERT(strstr(err, bad[i].want) != NULL);
        CU_ASSERT(strncmp(err, path, strlen(path)) == 0);
    }
    /* comments, blank lines, CRLF, case-insensitive keys */
    path = write_tmp(dir, "# c\r\n; c\r\n\r\n[x]\r\nowner = CORP\\x\r\nOWNERSID = S-1-5-21-1-2-3-9\r\n");
    CU_ASSERT_FATAL(exchange_directory_load(path, &d, err, sizeof err) == 0);
    CU_ASSERT(exchange_directory_count(d) == 1);
    CU_ASSERT_STRING_EQUAL(exchange_directory_at(d, 0)->owner, "CORP\\x");
    exchange_directory_free(d);
    /* the validity rules */
    CU_ASSERT(exchange_alias_valid("a.b_c-9"));
    CU_ASSERT(!exchange_alias_valid(".a"));
    CU_ASSERT(!exchange_alias_valid("a/b"));
    CU_ASSERT(!exchange_alias_valid("a\\b"));
    CU_ASSERT(!exchange_alias_valid(NULL));
    unit_rmtree(dir);
}

static void test_store_start_failures(void)
{
    struct corp c;
    corp_create(&c, true, "no-such-persona");
    /* the store could not load its persona: not running, 7000 + 1000 logged */
    CU_ASSERT(!exchange_running(c.exch));
    struct scm_service *svc = scm_find(machine_scm(c.exch), "MSExchangeIS");
    CU_ASSERT(svc->state == SCM_STOPPED);
    UNIT_ASSERT_WIN32(svc->last_error, ERROR_FILE_NOT_FOUND);
    CU_ASSERT(count_app_events(c.exch, "MSExchangeIS", 1000, "no-such-persona") == 1);
    /* a lab's own persona, LAB/personas/NAME.persona */
    char p[4200];
    snprintf(p, sizeof p, "%s/personas", c.dir);
    CU_ASSERT_FATAL(afile_mkdirs(p, 0700) == 0);
    snprintf(p, sizeof p, "%s/personas/no-such-persona.persona", c.dir);
    static const char custom[] = "persona 1\ninherit exchange-5.0.1457.10\n"
                                 "reply banner %+ Custom lab server ready\n";
    CU_ASSERT_FATAL(afile_write(p, custom, sizeof custom - 1, 0644) == 0);
    UNIT_ASSERT_WIN32(scm_start(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    CU_ASSERT_STRING_EQUAL(drain(&cl), "+OK Custom lab server ready\r\n");
    client_close(&cl);
    /* a malformed directory stops the store at its next start */
    UNIT_ASSERT_WIN32(scm_stop(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    snprintf(p, sizeof p, "%s/%s", machine_dir(c.exch), EXCHANGE_DIR_FILE);
    CU_ASSERT_FATAL(afile_write(p, "[broken\n", 8, 0600) == 0);
    UNIT_ASSERT_WIN32(scm_start(c.exch, "MSExchangeIS"), ERROR_INTERNAL_DB_CORRUPTION);
    CU_ASSERT(count_app_events(c.exch, "MSExchangeIS", 1001, "mailboxes.conf:1:") == 1);
    CU_ASSERT(!exchange_running(c.exch));
    corp_free(&c);
}

/* Replaces the text of a machine's file, as a user edits it. */
static void edit_file(struct machine *m, const char *file, const char *text)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", machine_dir(m), file);
    CU_ASSERT_FATAL(afile_write(p, text, strlen(text), 0644) == 0);
}

static void edit_persona(struct machine *m, const char *line)
{
    edit_file(m, EXCHANGE_CONF_FILE, line);
}

/* The text of a machine's file (freed by the caller). */
static char *machine_file(struct machine *m, const char *file)
{
    char p[4200], *text = NULL;
    size_t len;
    snprintf(p, sizeof p, "%s/%s", machine_dir(m), file);
    if (afile_read(p, 1 << 16, &text, &len))
        return NULL;
    return text;
}

static const char *banner_now(struct corp *c, struct client *cl)
{
    CU_ASSERT_FATAL(client_open(c, cl) == 0);
    return drain(cl);
}

/* issue 12: exchange.conf's persona takes effect at the store's restart and
 * at the machine's reboot, as a service reads its configuration at start. */
static void test_persona_read_at_start(void)
{
    struct corp c;
    corp_create(&c, true, "q189732");
    struct client cl;
    CU_ASSERT_STRING_EQUAL(banner_now(&c, &cl),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n");
    client_close(&cl);
    edit_persona(c.exch, "persona = exchange-5.5\n");
    /* a running store keeps the persona it started with */
    CU_ASSERT_STRING_EQUAL(banner_now(&c, &cl),
                           "+OK Microsoft Exchange POP3 server version 5.0.1457.10     ready\r\n");
    client_close(&cl);
    UNIT_ASSERT_WIN32_FATAL(scm_restart(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(strstr(banner_now(&c, &cl), "5.5.") != NULL);
    client_close(&cl);
    CU_ASSERT_STRING_EQUAL(exchange_persona_name(c.exch), "exchange-5.5");
    /* the reboot reads it too */
    edit_persona(c.exch, "persona = rfc1939\n");
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_reboot(c.exch, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(strncmp(banner_now(&c, &cl), "+OK POP3 server ready <", 23) == 0);
    client_close(&cl);
    /* no persona line: the default */
    edit_persona(c.exch, "");
    UNIT_ASSERT_WIN32_FATAL(scm_restart(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(exchange_persona(c.exch)->name, EXCHANGE_DEFAULT_PERSONA);
    /* a malformed exchange.conf: the store does not start and says where */
    edit_persona(c.exch, "persona = bad name!\n");
    CU_ASSERT(scm_restart(c.exch, "MSExchangeIS") != ERROR_SUCCESS);
    CU_ASSERT(!exchange_running(c.exch));
    CU_ASSERT(count_app_events(c.exch, "MSExchangeIS", 1000, "exchange.conf:1: bad persona") == 1);
    CU_ASSERT_PTR_NULL(exchange_persona_name(c.exch));
    edit_persona(c.exch, "# a comment\npersona = rfc1939\ncolour = blue\n");
    CU_ASSERT(scm_restart(c.exch, "MSExchangeIS") != ERROR_SUCCESS);
    CU_ASSERT(count_app_events(c.exch, "MSExchangeIS", 1000, "exchange.conf:3: unknown key") == 1);
    corp_free(&c);
}

/* issue 13: a lab of an older ntlab names the persona in machine.conf. It
 * loads and behaves as before, and the store's first start moves the line
 * to exchange.conf (machine.conf keeps everything else). */
static void test_persona_legacy_lab(void)
{
    struct corp c;
    corp_create(&c, true, "q189732");
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_shutdown(c.exch), STATUS_SUCCESS);
    char *conf = machine_file(c.exch, "machine.conf");
    CU_ASSERT_FATAL(conf != NULL);
    CU_ASSERT(strstr(conf, "persona") == NULL);
    /* the previous version's machine.conf: persona before the clock */
    char *clk = strstr(conf, "clock = ");
    CU_ASSERT_FATAL(clk != NULL);
    struct buf old = BUF_INIT;
    CU_ASSERT_FATAL(buf_append(&old, conf, (size_t)(clk - conf)) == 0);
    CU_ASSERT_FATAL(buf_printf(&old, "persona = rfc1939\n%s", clk) == 0);
    edit_file(c.exch, "machine.conf", old.p);
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", machine_dir(c.exch), EXCHANGE_CONF_FILE);
    CU_ASSERT_FATAL(remove(p) == 0);
    /* the lab as the old version left it, opened again */
    lab_free(c.lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    c.exch = lab_machine_find(c.lab, "EXCHSRV");
    CU_ASSERT_FATAL(c.exch != NULL);
    CU_ASSERT_STRING_EQUAL(machine_setting(c.exch, "persona"), "rfc1939");
    CU_ASSERT_FATAL(exchange_register(c.exch) == 0);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c.lab, err, sizeof err), STATUS_SUCCESS);
    struct client cl;
    CU_ASSERT(strncmp(banner_now(&c, &cl), "+OK POP3 server ready <", 23) == 0);
    client_close(&cl);
    CU_ASSERT_STRING_EQUAL(exchange_persona_name(c.exch), "rfc1939");
    /* moved: exchange.conf names it, machine.conf no longer does */
    CU_ASSERT_PTR_NULL(machine_setting(c.exch, "persona"));
    char *now = machine_file(c.exch, EXCHANGE_CONF_FILE);
    CU_ASSERT(now && strstr(now, "\npersona = rfc1939\n"));
    free(now);
    now = machine_file(c.exch, "machine.conf");
    CU_ASSERT(now && !strstr(now, "persona") && strstr(now, "sid = "));
    free(now);
    /* and it stays: the next start reads exchange.conf */
    UNIT_ASSERT_WIN32_FATAL(scm_restart(c.exch, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT_STRING_EQUAL(exchange_persona_name(c.exch), "rfc1939");
    /* a bad legacy name stops the store, as a bad machine.conf line did */
    UNIT_ASSERT_STATUS_FATAL(machine_shutdown(c.exch), STATUS_SUCCESS);
    buf_reset(&old);
    CU_ASSERT_FATAL(buf_append(&old, conf, (size_t)(clk - conf)) == 0);
    CU_ASSERT_FATAL(buf_printf(&old, "persona = ../etc\n%s", clk) == 0);
    edit_file(c.exch, "machine.conf", old.p);
    lab_free(c.lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    c.exch = lab_machine_find(c.lab, "EXCHSRV");
    CU_ASSERT_FATAL(c.exch && exchange_register(c.exch) == 0);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(!exchange_running(c.exch));
    CU_ASSERT(count_app_events(c.exch, "MSExchangeIS", 1000, "machine.conf: bad persona name") ==
              1);
    buf_free(&old);
    free(conf);
    corp_free(&c);
}

static void test_apop(void)
{
    struct corp c;
    corp_create(&c, true, "rfc1939");
    char err[256];
    CU_ASSERT_FATAL(exchange_mailbox_add(c.exch, "carol", "CORP\\alice", "tanstaaf", err,
                                         sizeof err) == 0);
    CU_ASSERT(exchange_deliver(c.exch, "carol", "S: a\r\n\r\nb\r\n", 11, NULL, 0) == 0);
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    const char *banner = drain(&cl);
    const char *lt = strchr(banner, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    CU_ASSERT_FATAL(lt && gt);
    char ts[128], line[256], hex[33];
    str_copyn(ts, sizeof ts, lt, (size_t)(gt - lt + 1));
    char both[256];
    snprintf(both, sizeof both, "%stanstaaf", ts);
    uint8_t dg[16];
    md5(both, strlen(both), dg);
    str_hex(dg, 16, hex);
    /* wrong digest, then a mailbox without a secret, then the right one */
    CU_ASSERT(strncmp(say(&cl, "APOP carol 00000000000000000000000000000000\r\n"), "-ERR", 4) == 0);
    snprintf(line, sizeof line, "APOP alice %s\r\n", hex);
    CU_ASSERT(strncmp(say(&cl, line), "-ERR", 4) == 0);
    snprintf(line, sizeof line, "APOP carol %s\r\n", hex);
    CU_ASSERT(strncmp(say(&cl, line), "+OK", 3) == 0);
    CU_ASSERT_STRING_EQUAL(say(&cl, "STAT\r\n"), "+OK 1 11\r\n");
    client_close(&cl);
    CU_ASSERT(count_app_events(c.exch, DEFAULT_SOURCE, DEFAULT_ID,
                               "APOP") == 2);
    corp_free(&c);
}

static void test_session_memory(void)
{
    struct corp c;
    corp_create(&c, true, "exchange-5.0.1457.10");
    struct client cl;
    CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
    drain(&cl);
    size_t idle = exchange_session_memory(cl.es) + pop3_session_memory(cl.ps);
    CU_ASSERT(idle > 0 && idle < 2048); /* idle: no buffers held */
    client_close(&cl);
    exchange_session_close(NULL);
    CU_ASSERT(exchange_session_memory(NULL) == 0);
    corp_free(&c);
}

/* The client's address is %2 of the persona's events (exchange-5.5 names
 * it): a daemon's "ADDR:PORT" peer loses its port, IPv6 its brackets, and
 * an unknown address shows as the insert's escape (issue 14 item 1). */
static void test_event_client_address(void)
{
    struct corp c;
    corp_create(&c, false, "exchange-5.5");
    static const struct {
        const char *given, *shown;
    } cases[] = {
        {"10.0.0.7:1042", "from 10.0.0.7 to mailbox alice"},
        {"[::1]:110", "from ::1 to mailbox alice"},
        {"192.168.1.9", "from 192.168.1.9 to mailbox alice"},
        {NULL, "from %2 to mailbox alice"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct client cl;
        CU_ASSERT_FATAL(client_open(&c, &cl) == 0);
        exchange_session_set_client(cl.es, cases[k].given);
        drain(&cl);
        say(&cl, "USER CORP\\alice\\alice\r\n");
        CU_ASSERT_STRING_EQUAL(say(&cl, "PASS Passw0rd\r\n"),
                               "-ERR A required privilege is not held by the client.\r\n");
        CU_ASSERT_EQUAL(count_app_events(c.exch, "MSExchangeIS", 1010, cases[k].shown), 1);
        client_close(&cl);
    }
    CU_ASSERT_EQUAL(count_app_events(c.exch, DEFAULT_SOURCE, DEFAULT_ID, NULL), 0);
    corp_free(&c);
}

void suite_exchange(void)
{
    UNIT_SUITE("exchange", UNIT_TEST(test_q189732_snapshot), UNIT_TEST(test_reboot_takes_new_token),
               UNIT_TEST(test_alias_is_not_account), UNIT_TEST(test_other_owner_denied),
               UNIT_TEST(test_failures), UNIT_TEST(test_maildir_missing_is_recreated),
               UNIT_TEST(test_deliver_and_dele), UNIT_TEST(test_mailbox_add_errors),
               UNIT_TEST(test_recipient_set),
               UNIT_TEST(test_directory_file), UNIT_TEST(test_directory_index),
               UNIT_TEST(test_store_start_failures), UNIT_TEST(test_apop),
               UNIT_TEST(test_session_memory), UNIT_TEST(test_persona_read_at_start),
               UNIT_TEST(test_persona_legacy_lab), UNIT_TEST(test_event_client_address));
}

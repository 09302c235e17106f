/* LogonUser: every outcome of reference/nt-facts.md §2 on in-memory
 * machines (and a lab for pass-through), with its Win32 code, its audit
 * event, lockout on the virtual clock, deny rights, and the token. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "emulator/machine.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <string.h>

#define PW "Secr3t!"

static struct machine *new_machine(const char *name, enum osver os)
{
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(machine_create(name, os, ROLE_STANDALONE, NULL, "admin", &m),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(machine_sam(m), "alice", PW, machine_now(m), NULL),
                             STATUS_SUCCESS);
    return m;
}

static struct sid sid_of(struct machine *m, const char *name)
{
    struct sid s;
    UNIT_ASSERT_STATUS_FATAL(machine_resolve(m, name, &s), STATUS_SUCCESS);
    return s;
}

static void set_right(struct lsa *l, const struct sid *sid, const char *right, bool on)
{
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(l, sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h), STATUS_SUCCESS);
    const char *r[1] = {right};
    ntstatus st = on ? lsa_add_account_rights(&h, sid, r, 1)
                     : lsa_remove_account_rights(&h, sid, false, r, 1);
    UNIT_ASSERT_STATUS_FATAL(st, STATUS_SUCCESS);
    lsa_close(&h);
}

/* A logon as a LocalSystem service would make it (the caller holds TCB). */
static ntstatus logon_as(struct machine *m, const char *domain, const char *user, const char *pw,
                         enum logon_type type, const char *ws, struct token *out)
{
    struct token sys;
    token_system(&sys, machine_os(m), machine_now(m));
    return logon_user(m, &sys, domain, user, pw, type, ws, "MSExchangeIS", out);
}

static ntstatus net(struct machine *m, const char *user, const char *pw)
{
    struct token t;
    return logon_as(m, NULL, user, pw, LOGON_NETWORK, NULL, &t);
}

static size_t sec_count(struct machine *m)
{
    return evtlog_count(machine_evtlog(m), EVTLOG_SECURITY);
}

/* The newest Security record, which must carry this id. */
static const struct evtlog_record *last_audit(struct machine *m, uint32_t id)
{
    size_t n = sec_count(m);
    const struct evtlog_record *r = n ? evtlog_at(machine_evtlog(m), EVTLOG_SECURITY, n - 1) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    if (r->event_id != id)
        fprintf(stderr, "\nlast audit %u, want %u: %s\n", r->event_id, id, r->description);
    CU_ASSERT_EQUAL(r->event_id, id);
    return r;
}

static void set_policy(struct machine *m, int bad, int reset, int duration)
{
    struct lsa_sysaccess sa = *lsa_sysaccess(machine_lsa(m));
    sa.lockout_bad_count = bad;
    sa.reset_lockout_count = reset;
    sa.lockout_duration = duration;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(machine_lsa(m), &sa), STATUS_SUCCESS);
}

/* --- 1314: the caller's SeTcbPrivilege ------------------------------------ */

static void test_tcb_required_nt4_w2k(void)
{
    static const enum osver oses[] = {OSVER_NT4, OSVER_W2K};
    for (size_t i = 0; i < 2; i++) {
        struct machine *m = new_machine("EXCHSRV", oses[i]);
        struct token svc, out;
        /* the Exchange service account: a user token without TCB */
        UNIT_ASSERT_STATUS_FATAL(logon_token_for(m, ".", "alice", LOGON_SERVICE, &svc),
                                 STATUS_SUCCESS);
        CU_ASSERT_FALSE(token_has_privilege(&svc, RI_TCB));
        size_t before = sec_count(m);
        ntstatus st = logon_user(m, &svc, NULL, "alice", PW, LOGON_NETWORK, NULL, "MSExchangeIS",
                                 &out);
        UNIT_ASSERT_STATUS(st, STATUS_PRIVILEGE_NOT_HELD);
        UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_PRIVILEGE_NOT_HELD);
        /* before anything else: unknown user, bad password, bad type */
        UNIT_ASSERT_STATUS(
            logon_user(m, &svc, NULL, "nobody", "x", LOGON_NETWORK, NULL, NULL, &out),
            STATUS_PRIVILEGE_NOT_HELD);
        UNIT_ASSERT_STATUS(
            logon_user(m, &svc, "NODOMAIN", "alice", "bad", (enum logon_type)9, NULL, NULL, &out),
            STATUS_PRIVILEGE_NOT_HELD);
        UNIT_ASSERT_STATUS(logon_user(m, NULL, NULL, "alice", PW, LOGON_NETWORK, NULL, NULL, &out),
                           STATUS_PRIVILEGE_NOT_HELD);
        /* rejected before the LSA: no audit */
        CU_ASSERT_EQUAL(sec_count(m), before);
        /* a held but disabled TCB is enough (held is what counts) */
        struct sid alice = sid_of(m, "alice");
        set_right(machine_lsa(m), &alice, "SeTcbPrivilege", true);
        UNIT_ASSERT_STATUS_FATAL(logon_token_for(m, ".", "alice", LOGON_SERVICE, &svc),
                                 STATUS_SUCCESS);
        CU_ASSERT_TRUE(token_has_privilege(&svc, RI_TCB));
        CU_ASSERT_FALSE(token_privilege_enabled(&svc, RI_TCB));
        UNIT_ASSERT_STATUS(logon_user(m, &svc, NULL, "alice", PW, LOGON_NETWORK, NULL, NULL, &out),
                           STATUS_SUCCESS);
        machine_free(m);
    }
}

static void test_xp_needs_no_tcb(void)
{
    struct machine *m = new_machine("XPBOX", OSVER_XP);
    struct token svc, out;
    UNIT_ASSERT_STATUS_FATAL(logon_token_for(m, NULL, "alice", LOGON_SERVICE, &svc),
                             STATUS_SUCCESS);
    CU_ASSERT_FALSE(token_has_privilege(&svc, RI_TCB));
    UNIT_ASSERT_STATUS(logon_user(m, &svc, NULL, "alice", PW, LOGON_NETWORK, NULL, NULL, &out),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(logon_user(m, &svc, NULL, "alice", "bad", LOGON_NETWORK, NULL, NULL, &out),
                       STATUS_LOGON_FAILURE);
    machine_free(m);
}

/* --- authentication -------------------------------------------------------- */

static void test_success_and_audit(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct token t;
    UNIT_ASSERT_STATUS_FATAL(logon_as(m, ".", "ALICE", PW, LOGON_NETWORK, "WS1", &t),
                             STATUS_SUCCESS);
    struct sid alice = sid_of(m, "alice");
    CU_ASSERT_TRUE(sid_equal(&t.user, &alice));
    CU_ASSERT_STRING_EQUAL(t.user_name, "alice"); /* the SAM's spelling */
    CU_ASSERT_STRING_EQUAL(t.domain_name, "EXCHSRV");
    CU_ASSERT_TRUE(t.logon_id >= 0x10000);
    const struct evtlog_record *r = last_audit(m, 528);
    CU_ASSERT_EQUAL(r->type, EVT_AUDIT_SUCCESS);
    CU_ASSERT_EQUAL(r->category, 2);
    CU_ASSERT_STRING_EQUAL(r->source, "Security");
    CU_ASSERT_STRING_EQUAL(r->user, "EXCHSRV\\alice");
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Successful Logon: User Name: alice Domain: "
                                                  "EXCHSRV Logon ID: (0x0,0x"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Logon Type: 3 Logon Process: MSExchangeIS "
                                                  "Authentication Package: "
                                                  "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 "
                                                  "Workstation Name: WS1"));
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->last_logon, machine_now(m));
    /* each logon gets its own id; the machine name is a local domain too */
    struct token t2;
    UNIT_ASSERT_STATUS(logon_as(m, "exchsrv", "alice", PW, LOGON_NETWORK, NULL, &t2),
                       STATUS_SUCCESS);
    CU_ASSERT_NOT_EQUAL(t.logon_id, t2.logon_id);
    machine_free(m);
}

static void test_bad_password_unknown_user(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct token t;
    ntstatus st = logon_as(m, NULL, "alice", "wrong", LOGON_NETWORK, NULL, &t);
    UNIT_ASSERT_STATUS(st, STATUS_LOGON_FAILURE);
    UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_LOGON_FAILURE);
    const struct evtlog_record *r = last_audit(m, 529);
    CU_ASSERT_EQUAL(r->type, EVT_AUDIT_FAILURE);
    CU_ASSERT_STRING_EQUAL(r->user, "NT AUTHORITY\\SYSTEM");
    CU_ASSERT_STRING_EQUAL(r->description,
                           "Logon Failure: Reason: Unknown user name or bad password "
                           "User Name: alice Domain: EXCHSRV Logon Type: 3 Logon Process: "
                           "MSExchangeIS Authentication Package: "
                           "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 Workstation Name: EXCHSRV");
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->bad_count, 1);
    UNIT_ASSERT_STATUS(net(m, "alice", ""), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", NULL), STATUS_LOGON_FAILURE);
    /* unknown user: the same answer and audit, nothing counted */
    UNIT_ASSERT_STATUS(net(m, "mallory", PW), STATUS_LOGON_FAILURE);
    r = last_audit(m, 529);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "User Name: mallory"));
    UNIT_ASSERT_STATUS(net(m, NULL, PW), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "", PW), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "averyveryverylongusernamethatisnotthere", PW), STATUS_LOGON_FAILURE);
    /* a hostile name reaches the log without its control characters */
    UNIT_ASSERT_STATUS(net(m, "evil\r\nname", PW), STATUS_LOGON_FAILURE);
    r = last_audit(m, 529);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "User Name: evil??name"));
    /* an unknown domain is a failed logon too */
    UNIT_ASSERT_STATUS(logon_as(m, "ELSEWHERE", "alice", PW, LOGON_NETWORK, NULL, &t),
                       STATUS_LOGON_FAILURE);
    r = last_audit(m, 529);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Domain: ELSEWHERE"));
    /* a good logon resets the counter */
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->bad_count, 0);
    /* passwords never reach the log */
    for (size_t i = 0; i < sec_count(m); i++) {
        const struct evtlog_record *x = evtlog_at(machine_evtlog(m), EVTLOG_SECURITY, i);
        CU_ASSERT_PTR_NULL(strstr(x->description, PW));
        CU_ASSERT_PTR_NULL(strstr(x->description, "wrong"));
    }
    machine_free(m);
}

static void test_invalid_type(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct token t;
    size_t before = sec_count(m);
    ntstatus st = logon_as(m, NULL, "alice", PW, (enum logon_type)8, NULL, &t);
    UNIT_ASSERT_STATUS(st, STATUS_INVALID_LOGON_TYPE);
    UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_INVALID_LOGON_TYPE);
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, (enum logon_type)0, NULL, &t),
                       STATUS_INVALID_LOGON_TYPE);
    CU_ASSERT_EQUAL(sec_count(m), before);
    UNIT_ASSERT_STATUS(logon_token_for(m, NULL, "alice", (enum logon_type)1, &t),
                       STATUS_INVALID_LOGON_TYPE);
    machine_free(m);
}

/* --- lockout --------------------------------------------------------------- */

static void test_lockout_and_release(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    set_policy(m, 3, 30, 30);
    for (int i = 0; i < 3; i++)
        UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    struct sam_user *u = sam_user_find(machine_sam(m), "alice");
    CU_ASSERT_TRUE(u->flags & SAM_LOCKED);
    CU_ASSERT_EQUAL(u->locked_at, machine_now(m));
    /* the third bad password audited 529, then 644 for the lockout */
    const struct evtlog_record *r = last_audit(m, 644);
    CU_ASSERT_EQUAL(r->category, 7);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "User Account Locked Out: Target Account "
                                                  "Name: alice"));
    /* locked: the right password and a wrong one both get 1909 */
    ntstatus st = net(m, "alice", PW);
    UNIT_ASSERT_STATUS(st, STATUS_ACCOUNT_LOCKED_OUT);
    UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_ACCOUNT_LOCKED_OUT);
    r = last_audit(m, 539);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Reason: Account locked out"));
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_ACCOUNT_LOCKED_OUT);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->bad_count, 3);
    /* LockoutDuration 30 minutes on the virtual clock */
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 29 * 60 + 59), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_ACCOUNT_LOCKED_OUT);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 1), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    u = sam_user_find(machine_sam(m), "alice");
    CU_ASSERT_FALSE(u->flags & SAM_LOCKED);
    CU_ASSERT_EQUAL(u->bad_count, 0);
    /* released by time, a wrong password counts from zero again */
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->bad_count, 1);
    machine_free(m);
}

static void test_lockout_counter_reset(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    set_policy(m, 3, 30, 30);
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    /* ResetLockoutCount: 30 minutes after the last bad one the count restarts */
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 30 * 60), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(m), "alice")->bad_count, 1);
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS); /* 2 < 3: not locked */
    /* a good logon resets the count too */
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    /* LockoutBadCount 0: never locks */
    set_policy(m, 0, 30, 30);
    for (int i = 0; i < 20; i++)
        UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    machine_free(m);
}

static void test_lockout_until_admin(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_W2K);
    set_policy(m, 2, 30, -1);
    UNIT_ASSERT_STATUS(net(m, "alice", "a"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", "b"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 30LL * 86400),
                       STATUS_SUCCESS); /* within MaximumPasswordAge */
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_ACCOUNT_LOCKED_OUT);
    /* User Manager's "Account Locked Out" box cleared by an admin */
    struct sam_user *u = sam_user_find(machine_sam(m), "alice");
    u->flags &= ~SAM_LOCKED;
    u->bad_count = 0;
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    /* other accounts are not affected by alice's lockout */
    UNIT_ASSERT_STATUS(net(m, "alice", "a"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "alice", "b"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(m, "Administrator", "admin"), STATUS_SUCCESS);
    machine_free(m);
}

static void test_lockout_is_durable(void)
{
    const char *dir = unit_tmpdir();
    char mdir[512], err[256];
    snprintf(mdir, sizeof mdir, "%s/EXCHSRV", dir);
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(mdir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "admin", &m),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(machine_sam(m), "alice", PW, machine_now(m), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(m), STATUS_SUCCESS);
    set_policy(m, 2, 30, 30);
    UNIT_ASSERT_STATUS(net(m, "alice", "a"), STATUS_LOGON_FAILURE);
    /* the bad count is on disk at once */
    struct machine *copy;
    UNIT_ASSERT_STATUS_FATAL(machine_load(mdir, &copy, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(copy), "alice")->bad_count, 1);
    machine_free(copy);
    UNIT_ASSERT_STATUS(net(m, "alice", "b"), STATUS_LOGON_FAILURE);
    machine_free(m); /* as after kill -9: nothing more is written */
    UNIT_ASSERT_STATUS_FATAL(machine_load(mdir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sam_user_find(machine_sam(m), "alice")->flags & SAM_LOCKED);
    CU_ASSERT_EQUAL(lsa_sysaccess(machine_lsa(m))->lockout_bad_count, 2);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_ACCOUNT_LOCKED_OUT);
    /* the release by time is written too */
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 31 * 60), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_load(mdir, &copy, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_FALSE(sam_user_find(machine_sam(copy), "alice")->flags & SAM_LOCKED);
    CU_ASSERT_EQUAL(sam_user_find(machine_sam(copy), "alice")->bad_count, 0);
    machine_free(copy);
    /* the audits went to the machine's Security log on disk */
    UNIT_ASSERT_STATUS_FATAL(machine_load(mdir, &copy, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(evtlog_count(machine_evtlog(copy), EVTLOG_SECURITY),
                    5); /* 529 529 644 539 528 */
    machine_free(copy);
    machine_free(m);
    unit_rmtree(dir);
}

/* --- account restrictions -------------------------------------------------- */

static void expect_restriction(struct machine *m, const char *ws, ntstatus want, uint32_t code,
                               uint32_t event, const char *reason)
{
    struct token t;
    ntstatus st = logon_as(m, NULL, "alice", PW, LOGON_NETWORK, ws, &t);
    CU_ASSERT_EQUAL(st, want);
    CU_ASSERT_EQUAL(nterr_to_win32(st), code);
    const struct evtlog_record *r = last_audit(m, event);
    if (!strstr(r->description, reason))
        fprintf(stderr, "\nwant reason '%s' in '%s'\n", reason, r->description);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, reason));
}

static void test_restrictions(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct sam_user *u = sam_user_find(machine_sam(m), "alice");
    int64_t now = machine_now(m);

    u->flags |= SAM_DISABLED;
    expect_restriction(m, NULL, STATUS_ACCOUNT_DISABLED, ERROR_ACCOUNT_DISABLED, 531,
                       "Account currently disabled");
    /* restrictions only after a good password */
    UNIT_ASSERT_STATUS(net(m, "alice", "wrong"), STATUS_LOGON_FAILURE);
    /* disabled is checked before expiry */
    u->expires = now;
    expect_restriction(m, NULL, STATUS_ACCOUNT_DISABLED, ERROR_ACCOUNT_DISABLED, 531,
                       "Account currently disabled");
    u->flags &= ~SAM_DISABLED;
    expect_restriction(m, NULL, STATUS_ACCOUNT_EXPIRED, ERROR_ACCOUNT_EXPIRED, 532,
                       "The specified user account has expired");
    u->expires = now + 1;
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    u->expires = 0;

    /* CLOCK_DEFAULT_START is Wednesday 09:00 UTC: bit 3 * 24 + 9 */
    unsigned bit = 3 * 24 + 9;
    u->logon_hours[bit / 8] &= (uint8_t)~(1u << (bit % 8));
    expect_restriction(m, NULL, STATUS_INVALID_LOGON_HOURS, ERROR_INVALID_LOGON_HOURS, 530,
                       "Account logon time restriction violation");
    memset(u->logon_hours, 0, sizeof u->logon_hours);
    u->logon_hours[bit / 8] = (uint8_t)(1u << (bit % 8));
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 3600), STATUS_SUCCESS); /* 10:00: not allowed */
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_INVALID_LOGON_HOURS);
    /* the week wraps: Saturday 23:00 is bit 167, Sunday 00:00 bit 0 */
    memset(u->logon_hours, 0, sizeof u->logon_hours);
    u->logon_hours[20] = 0x80;
    UNIT_ASSERT_STATUS(machine_clock_set(m, CLOCK_DEFAULT_START + 3 * 86400 + 14 * 3600),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 3600), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_INVALID_LOGON_HOURS);
    memset(u->logon_hours, 0xFF, sizeof u->logon_hours);
    now = machine_now(m);

    str_copy(u->workstations[0], sizeof u->workstations[0], "WS1");
    str_copy(u->workstations[1], sizeof u->workstations[1], "WS2");
    expect_restriction(m, "WS3", STATUS_INVALID_WORKSTATION, ERROR_INVALID_WORKSTATION, 533,
                       "User not allowed to logon at this computer");
    struct token t;
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_NETWORK, "ws2", &t), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_NETWORK, NULL, &t), STATUS_SUCCESS);
    u->workstations[0][0] = u->workstations[1][0] = 0;

    /* MaximumPasswordAge = 42 days in the NT 4.0 template */
    CU_ASSERT_EQUAL(lsa_sysaccess(machine_lsa(m))->max_password_age, 42);
    u->pwd_last_set = now - 42 * 86400;
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    u->pwd_last_set = now - 42 * 86400 - 1;
    expect_restriction(m, NULL, STATUS_PASSWORD_EXPIRED, ERROR_PASSWORD_EXPIRED, 535,
                       "The specified account's password has expired");
    u->flags |= SAM_PWD_NEVER_EXPIRES;
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    u->flags &= ~SAM_PWD_NEVER_EXPIRES;
    struct lsa_sysaccess sa = *lsa_sysaccess(machine_lsa(m));
    sa.max_password_age = -1;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(machine_lsa(m), &sa), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    sa.max_password_age = 42;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(machine_lsa(m), &sa), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_PASSWORD_EXPIRED);
    UNIT_ASSERT_STATUS(sam_set_password(machine_sam(m), "alice", PW, now), STATUS_SUCCESS);
    u = sam_user_find(machine_sam(m), "alice");
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);

    u->flags |= SAM_MUST_CHANGE;
    expect_restriction(m, NULL, STATUS_PASSWORD_MUST_CHANGE, ERROR_PASSWORD_MUST_CHANGE, 535,
                       "The specified account's password has expired");
    u->flags &= ~SAM_MUST_CHANGE;
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    last_audit(m, 528);
    machine_free(m);
}

/* --- logon rights ---------------------------------------------------------- */

static void test_logon_rights(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct sid alice = sid_of(m, "alice");
    struct token t;
    /* nobody holds batch or service logon by default */
    ntstatus st = logon_as(m, NULL, "alice", PW, LOGON_BATCH, NULL, &t);
    UNIT_ASSERT_STATUS(st, STATUS_LOGON_TYPE_NOT_GRANTED);
    UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_LOGON_TYPE_NOT_GRANTED);
    const struct evtlog_record *r = last_audit(m, 534);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Logon Type: 4"));
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_SERVICE, NULL, &t),
                       STATUS_LOGON_TYPE_NOT_GRANTED);
    set_right(machine_lsa(m), &alice, "SeBatchLogonRight", true);
    set_right(machine_lsa(m), &alice, "SeServiceLogonRight", true);
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_BATCH, NULL, &t), STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_BATCH)));
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_SERVICE, NULL, &t), STATUS_SUCCESS);
    /* interactive through Everyone/Users on an NT 4.0 server */
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_INTERACTIVE, NULL, &t), STATUS_SUCCESS);
    /* network logon comes from Everyone: take it away */
    set_right(machine_lsa(m), sid_wellknown(SID_WK_EVERYONE), "SeNetworkLogonRight", false);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_LOGON_TYPE_NOT_GRANTED);
    UNIT_ASSERT_STATUS(net(m, "Administrator", "admin"), STATUS_SUCCESS); /* Administrators */
    /* granted through a group the user is in */
    UNIT_ASSERT_STATUS(sam_group_add(machine_sam(m), "Mail Users", SAM_GROUP_ALIAS, NULL),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_add_member(machine_sam(m), "Mail Users", &alice), STATUS_SUCCESS);
    struct sid mail = sid_of(m, "Mail Users");
    set_right(machine_lsa(m), &mail, "SeNetworkLogonRight", true);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    /* or to the logon-type SID itself */
    set_right(machine_lsa(m), &mail, "SeNetworkLogonRight", false);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_LOGON_TYPE_NOT_GRANTED);
    set_right(machine_lsa(m), sid_wellknown(SID_WK_NETWORK), "SeNetworkLogonRight", true);
    UNIT_ASSERT_STATUS(net(m, "alice", PW), STATUS_SUCCESS);
    /* NT 4.0 has no deny rights at all */
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h),
        STATUS_SUCCESS);
    const char *deny[1] = {"SeDenyNetworkLogonRight"};
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &alice, deny, 1), STATUS_NO_SUCH_PRIVILEGE);
    lsa_close(&h);
    machine_free(m);
}

static void test_deny_rights_override(void)
{
    static const struct {
        enum logon_type type;
        const char *allow, *deny;
    } cases[] = {
        {LOGON_INTERACTIVE, "SeInteractiveLogonRight", "SeDenyInteractiveLogonRight"},
        {LOGON_NETWORK, "SeNetworkLogonRight", "SeDenyNetworkLogonRight"},
        {LOGON_BATCH, "SeBatchLogonRight", "SeDenyBatchLogonRight"},
        {LOGON_SERVICE, "SeServiceLogonRight", "SeDenyServiceLogonRight"},
    };
    static const enum osver oses[] = {OSVER_W2K, OSVER_XP};
    for (size_t o = 0; o < 2; o++) {
        struct machine *m = new_machine("W2KSRV", oses[o]);
        struct sid alice = sid_of(m, "alice");
        for (size_t i = 0; i < 4; i++) {
            struct token t;
            set_right(machine_lsa(m), &alice, cases[i].allow, true);
            UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, cases[i].type, NULL, &t),
                               STATUS_SUCCESS);
            /* deny on the user wins over allow */
            set_right(machine_lsa(m), &alice, cases[i].deny, true);
            UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, cases[i].type, NULL, &t),
                               STATUS_LOGON_TYPE_NOT_GRANTED);
            last_audit(m, 534);
            set_right(machine_lsa(m), &alice, cases[i].deny, false);
            /* deny through a group (Users) wins over allow on the user */
            set_right(machine_lsa(m), sid_wellknown(SID_WK_USERS), cases[i].deny, true);
            UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, cases[i].type, NULL, &t),
                               STATUS_LOGON_TYPE_NOT_GRANTED);
            /* taken back: allowed again */
            set_right(machine_lsa(m), sid_wellknown(SID_WK_USERS), cases[i].deny, false);
            UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, cases[i].type, NULL, &t),
                               STATUS_SUCCESS);
        }
        machine_free(m);
    }
}

/* --- the token ------------------------------------------------------------- */

static void test_token_contents(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct sid alice = sid_of(m, "alice");
    struct token t;
    UNIT_ASSERT_STATUS_FATAL(logon_as(m, NULL, "alice", PW, LOGON_NETWORK, NULL, &t),
                             STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_EVERYONE)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_NETWORK)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_AUTHENTICATED_USERS)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_USERS)));
    CU_ASSERT_FALSE(token_is_member(&t, sid_wellknown(SID_WK_ADMINISTRATORS)));
    CU_ASSERT_FALSE(token_is_member(&t, sid_wellknown(SID_WK_INTERACTIVE)));
    /* NT 4.0 member defaults: Bypass traverse checking (Everyone, enabled),
     * Shut down the system (Users, disabled); no TCB */
    CU_ASSERT_TRUE(token_privilege_enabled(&t, RI_CHANGE_NOTIFY));
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, RI_CHANGE_NOTIFY),
                    SE_PRIVILEGE_ENABLED | SE_PRIVILEGE_ENABLED_BY_DEFAULT);
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_SHUTDOWN));
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_SHUTDOWN));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_TCB));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_DEBUG));

    /* the privileges of the policy at logon: a grant reaches new tokens
     * only; a token is a snapshot */
    set_right(machine_lsa(m), &alice, "SeTcbPrivilege", true);
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_TCB));
    struct token t2;
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_NETWORK, NULL, &t2), STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_has_privilege(&t2, RI_TCB));
    CU_ASSERT_FALSE(token_privilege_enabled(&t2, RI_TCB));
    set_right(machine_lsa(m), &alice, "SeTcbPrivilege", false);
    CU_ASSERT_TRUE(token_has_privilege(&t2, RI_TCB));
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "alice", PW, LOGON_NETWORK, NULL, &t2), STATUS_SUCCESS);
    CU_ASSERT_FALSE(token_has_privilege(&t2, RI_TCB));

    /* the Administrator: Administrators and its privileges */
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "administrator", "admin", LOGON_INTERACTIVE, NULL, &t),
                       STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_ADMINISTRATORS)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_INTERACTIVE)));
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_DEBUG));
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_BACKUP));
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_BACKUP));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_TCB));

    /* logon_token_for: the same token without password or checks */
    sam_user_find(machine_sam(m), "alice")->flags |= SAM_DISABLED;
    UNIT_ASSERT_STATUS(logon_token_for(m, "EXCHSRV", "alice", LOGON_SERVICE, &t), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&t.user, &alice));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_SERVICE)));
    UNIT_ASSERT_STATUS(logon_token_for(m, NULL, "nobody", LOGON_SERVICE, &t), STATUS_NO_SUCH_USER);
    UNIT_ASSERT_STATUS(logon_token_for(m, "ELSEWHERE", "alice", LOGON_SERVICE, &t),
                       STATUS_NO_SUCH_USER);
    machine_free(m);
}

static void test_two_machines_share_nothing(void)
{
    struct machine *a = new_machine("EXCHSRV", OSVER_NT4);
    struct machine *b;
    UNIT_ASSERT_STATUS_FATAL(
        machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "other", &b), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(machine_sid(a), machine_sid(b))); /* same name, same derived SID */
    CU_ASSERT_PTR_NOT_EQUAL(machine_sam(a), machine_sam(b));
    CU_ASSERT_PTR_NOT_EQUAL(machine_lsa(a), machine_lsa(b));
    UNIT_ASSERT_STATUS(net(a, "alice", PW), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net(b, "alice", PW), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(a, "Administrator", "other"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(b, "Administrator", "other"), STATUS_SUCCESS);
    /* policy, lockout and clocks are per machine */
    struct sid alice = sid_of(a, "alice");
    set_right(machine_lsa(a), &alice, "SeTcbPrivilege", true);
    CU_ASSERT_FALSE(lsa_sid_rights(machine_lsa(b), &alice) & RIGHTS_BIT(RI_TCB));
    set_policy(a, 1, 30, 30);
    UNIT_ASSERT_STATUS(net(a, "Administrator", "bad"), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(net(a, "Administrator", "admin"), STATUS_ACCOUNT_LOCKED_OUT);
    UNIT_ASSERT_STATUS(net(b, "Administrator", "other"), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_clock_advance(a, 3600), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(machine_now(b), CLOCK_DEFAULT_START);
    CU_ASSERT_NOT_EQUAL(sec_count(a), sec_count(b));
    machine_free(a);
    machine_free(b);
}

/* --- pass-through to a domain controller (lab.c) ---------------------------- */

struct corp {
    const char *dir;
    struct lab *lab;
    struct machine *pdc, *exch;
};

static void corp_up(struct corp *c)
{
    char err[256];
    c->dir = unit_tmpdir();
    UNIT_ASSERT_STATUS_FATAL(lab_open(c->dir, true, &c->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "PDC", ROLE_PDC, OSVER_NT4, "CORP", "dadmin", &c->pdc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "EXCHSRV", ROLE_MEMBER, OSVER_NT4, "CORP", "ladmin", &c->exch),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        sam_user_add(machine_sam(c->pdc), "bob", PW, lab_clock_now(c->lab), NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(c->pdc), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c->lab, err, sizeof err), STATUS_SUCCESS);
}

static void test_pass_through(void)
{
    struct corp c;
    corp_up(&c);
    struct machine *m = c.exch;
    struct token t;
    UNIT_ASSERT_STATUS_FATAL(logon_as(m, "corp", "bob", PW, LOGON_NETWORK, NULL, &t),
                             STATUS_SUCCESS);
    struct sid bob, du, da;
    UNIT_ASSERT_STATUS_FATAL(machine_resolve(m, "CORP\\bob", &bob), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&t.user, &bob));
    CU_ASSERT_STRING_EQUAL(t.domain_name, "CORP");
    sid_compose(machine_sid(c.pdc), SID_RID_DOMAIN_USERS, &du);
    sid_compose(machine_sid(c.pdc), SID_RID_DOMAIN_ADMINS, &da);
    CU_ASSERT_TRUE(token_is_member(&t, &du));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_AUTHENTICATED_USERS)));
    /* BUILTIN\Users comes from the member's own Users alias, which the
     * join gave CORP\Domain Users (not from the DC's alias of that name) */
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_USERS)));
    last_audit(m, 528);

    /* the domain Administrator: Domain Admins, and local Administrators
     * because lab_machine_add joined the member (CORP\Domain Admins is in
     * the member's Administrators); joining again changes nothing */
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "Administrator", "dadmin", LOGON_NETWORK, NULL, &t),
                       STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, &da));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_ADMINISTRATORS)));
    UNIT_ASSERT_STATUS(machine_join_domain(m, machine_sid(c.pdc)), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_join_domain(m, machine_sid(c.pdc)), STATUS_SUCCESS); /* idempotent */
    UNIT_ASSERT_STATUS(machine_join_domain(c.pdc, machine_sid(c.pdc)), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "Administrator", "dadmin", LOGON_NETWORK, NULL, &t),
                       STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_ADMINISTRATORS)));
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_DEBUG)); /* the member's policy */
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t), STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_USERS)));

    /* the local account of the same name is another account */
    UNIT_ASSERT_STATUS(logon_as(m, NULL, "Administrator", "ladmin", LOGON_NETWORK, NULL, &t),
                       STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(t.domain_name, "EXCHSRV");
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "Administrator", "ladmin", LOGON_NETWORK, NULL, &t),
                       STATUS_LOGON_FAILURE);

    /* the member's policy decides the privileges: a grant in the domain
     * policy does not reach EXCHSRV, a local one does */
    struct lsa *dom = lab_domain_lsa(c.lab, "CORP");
    set_right(dom, &bob, "SeTcbPrivilege", true);
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t), STATUS_SUCCESS);
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_TCB));
    set_right(machine_lsa(m), &bob, "SeTcbPrivilege", true);
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t), STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_TCB));
    /* and decides the logon right */
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "bob", PW, LOGON_BATCH, NULL, &t),
                       STATUS_LOGON_TYPE_NOT_GRANTED);
    set_right(dom, &bob, "SeBatchLogonRight", true);
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "bob", PW, LOGON_BATCH, NULL, &t),
                       STATUS_LOGON_TYPE_NOT_GRANTED);

    /* the DC's SAM applies the account restrictions */
    sam_user_find(machine_sam(c.pdc), "bob")->flags |= SAM_DISABLED;
    UNIT_ASSERT_STATUS(logon_as(m, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t),
                       STATUS_ACCOUNT_DISABLED);
    last_audit(m, 531);
    sam_user_find(machine_sam(c.pdc), "bob")->flags &= ~SAM_DISABLED;

    /* on the DC itself, its domain is local */
    UNIT_ASSERT_STATUS(logon_as(c.pdc, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t), STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_USERS)));
    UNIT_ASSERT_STATUS(logon_as(c.pdc, "PDC", "bob", PW, LOGON_NETWORK, NULL, &t), STATUS_SUCCESS);

    /* a domain the member does not belong to */
    UNIT_ASSERT_STATUS(logon_as(m, "OTHERDOM", "bob", PW, LOGON_NETWORK, NULL, &t),
                       STATUS_LOGON_FAILURE);

    /* no DC running: 1311, audited 537 */
    UNIT_ASSERT_STATUS(machine_shutdown(c.pdc), STATUS_SUCCESS);
    ntstatus st = logon_as(m, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t);
    UNIT_ASSERT_STATUS(st, STATUS_NO_LOGON_SERVERS);
    UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_NO_LOGON_SERVERS);
    last_audit(m, 537);
    UNIT_ASSERT_STATUS(logon_token_for(m, "CORP", "bob", LOGON_SERVICE, &t),
                       STATUS_NO_LOGON_SERVERS);
    /* the TCB rule still comes first */
    struct token plain;
    UNIT_ASSERT_STATUS_FATAL(logon_token_for(m, NULL, "Administrator", LOGON_SERVICE, &plain),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(logon_user(m, &plain, "CORP", "bob", PW, LOGON_NETWORK, NULL, NULL, &t),
                       STATUS_PRIVILEGE_NOT_HELD);
    lab_free(c.lab);
    unit_rmtree(c.dir);
}

static void test_pass_through_lockout_on_dc(void)
{
    struct corp c;
    corp_up(&c);
    struct lsa *dom = lab_domain_lsa(c.lab, "CORP");
    struct lsa_sysaccess sa = *lsa_sysaccess(dom);
    sa.lockout_bad_count = 2;
    sa.reset_lockout_count = 10;
    sa.lockout_duration = 10;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(dom, &sa), STATUS_SUCCESS);
    /* the member's own [System Access] has no say over domain accounts */
    set_policy(c.exch, 0, -1, -1);
    struct token t;
    size_t dc_before = sec_count(c.pdc);
    UNIT_ASSERT_STATUS(logon_as(c.exch, "CORP", "bob", "x", LOGON_NETWORK, "WS9", &t),
                       STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(logon_as(c.exch, "CORP", "bob", "y", LOGON_NETWORK, "WS9", &t),
                       STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(logon_as(c.exch, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t),
                       STATUS_ACCOUNT_LOCKED_OUT);
    last_audit(c.exch, 539);
    /* 644 is written where the account was locked: the DC */
    CU_ASSERT_EQUAL(sec_count(c.pdc), dc_before + 1);
    const struct evtlog_record *r = last_audit(c.pdc, 644);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Caller Machine Name: WS9"));
    /* written to the domain's sam.txt */
    char err[256];
    struct sam *disk;
    UNIT_ASSERT_STATUS_FATAL(sam_load(lab_domain_sam_path(c.lab, "CORP"), &disk, err, sizeof err),
                             STATUS_SUCCESS);
    CU_ASSERT_TRUE(sam_user_find(disk, "bob")->flags & SAM_LOCKED);
    sam_free(disk);
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, 600), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(logon_as(c.exch, "CORP", "bob", PW, LOGON_NETWORK, NULL, &t),
                       STATUS_SUCCESS);
    lab_free(c.lab);
    unit_rmtree(c.dir);
}

static void test_type_names(void)
{
    enum logon_type t;
    CU_ASSERT_STRING_EQUAL(logon_type_name(LOGON_INTERACTIVE), "Interactive");
    CU_ASSERT_STRING_EQUAL(logon_type_name(LOGON_NETWORK), "Network");
    CU_ASSERT_STRING_EQUAL(logon_type_name(LOGON_BATCH), "Batch");
    CU_ASSERT_STRING_EQUAL(logon_type_name(LOGON_SERVICE), "Service");
    CU_ASSERT_TRUE(logon_type_parse("network", &t) && t == LOGON_NETWORK);
    CU_ASSERT_TRUE(logon_type_parse("SERVICE", &t) && t == LOGON_SERVICE);
    CU_ASSERT_TRUE(logon_type_parse("2", &t) && t == LOGON_INTERACTIVE);
    CU_ASSERT_TRUE(logon_type_parse("4", &t) && t == LOGON_BATCH);
    CU_ASSERT_FALSE(logon_type_parse("6", &t));
    CU_ASSERT_FALSE(logon_type_parse("23", &t));
    CU_ASSERT_FALSE(logon_type_parse("", &t));
    CU_ASSERT_FALSE(logon_type_parse(NULL, &t));
    CU_ASSERT_FALSE(logon_type_parse("Networks", &t));
}

/* --- the checks after the credential (issue 13 item 3) --------------------- */

/* logon_post_credential_checks: no password, no caller token; each check
 * of its contract gives its status and audit, in the documented order. */
static ntstatus post(struct machine *m, const char *ws, enum logon_type type, struct token *t)
{
    struct sam_user *u = sam_user_find(machine_sam(m), "alice");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    const struct logon_request rq = {NULL, "alice", type, ws, "NtLmSsp", NULL};
    return logon_post_credential_checks(m, m, u, &rq, t);
}

static void expect_post(struct machine *m, const char *ws, ntstatus want, uint32_t event)
{
    struct token t;
    size_t before = sec_count(m);
    CU_ASSERT_EQUAL(post(m, ws, LOGON_NETWORK, &t), want);
    CU_ASSERT_EQUAL(sec_count(m), before + 1);
    const struct evtlog_record *r = last_audit(m, event);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Logon Process: NtLmSsp"));
}

static void test_post_credential_checks(void)
{
    struct machine *m = new_machine("EXCHSRV", OSVER_NT4);
    struct sam_user *u = sam_user_find(machine_sam(m), "alice");
    int64_t now = machine_now(m);
    struct token t;

    /* success: a token, a logon id, last_logon, audit 528 */
    struct token t0; /* the logon ids count up from the last one given */
    UNIT_ASSERT_STATUS(post(m, NULL, LOGON_NETWORK, &t0), STATUS_SUCCESS);
    uint64_t id = t0.logon_id + 1;
    expect_post(m, NULL, STATUS_SUCCESS, 528);
    UNIT_ASSERT_STATUS(post(m, NULL, LOGON_NETWORK, &t), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(t.logon_id, id + 1);
    CU_ASSERT_STRING_EQUAL(t.user_name, "alice");
    CU_ASSERT_EQUAL(u->last_logon, now);
    /* a bad type, before any audit */
    size_t before = sec_count(m);
    UNIT_ASSERT_STATUS(post(m, NULL, (enum logon_type)9, &t), STATUS_INVALID_LOGON_TYPE);
    CU_ASSERT_EQUAL(sec_count(m), before);
    /* lockout is the credential step's: not checked here */
    u->flags |= SAM_LOCKED;
    u->locked_at = now;
    expect_post(m, NULL, STATUS_SUCCESS, 528);
    u->flags &= ~SAM_LOCKED;

    u->flags |= SAM_DISABLED;
    u->expires = now; /* disabled comes first */
    expect_post(m, NULL, STATUS_ACCOUNT_DISABLED, 531);
    u->flags &= ~SAM_DISABLED;
    expect_post(m, NULL, STATUS_ACCOUNT_EXPIRED, 532);
    u->expires = 0;
    unsigned bit = 3 * 24 + 9; /* CLOCK_DEFAULT_START: Wednesday 09:00 UTC */
    u->logon_hours[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
    expect_post(m, NULL, STATUS_INVALID_LOGON_HOURS, 530);
    memset(u->logon_hours, 0xFF, sizeof u->logon_hours);
    str_copy(u->workstations[0], sizeof u->workstations[0], "WS1");
    expect_post(m, "WS3", STATUS_INVALID_WORKSTATION, 533);
    expect_post(m, "ws1", STATUS_SUCCESS, 528);
    u->workstations[0][0] = 0;
    u->pwd_last_set = now - 42 * 86400 - 1; /* NT 4.0 template: 42 days */
    expect_post(m, NULL, STATUS_PASSWORD_EXPIRED, 535);
    u->pwd_last_set = now;
    u->flags |= SAM_MUST_CHANGE;
    expect_post(m, NULL, STATUS_PASSWORD_MUST_CHANGE, 535);
    u->flags &= ~SAM_MUST_CHANGE;
    /* the logon right of the type: nobody holds batch logon by default */
    before = sec_count(m);
    UNIT_ASSERT_STATUS(post(m, NULL, LOGON_BATCH, &t), STATUS_LOGON_TYPE_NOT_GRANTED);
    CU_ASSERT_EQUAL(sec_count(m), before + 1);
    last_audit(m, 534);
    machine_free(m);

    /* deny rights win on Windows 2000 */
    m = new_machine("W2KSRV", OSVER_W2K);
    struct sid alice = sid_of(m, "alice");
    set_right(machine_lsa(m), &alice, "SeNetworkLogonRight", true);
    expect_post(m, NULL, STATUS_SUCCESS, 528);
    set_right(machine_lsa(m), &alice, "SeDenyNetworkLogonRight", true);
    expect_post(m, NULL, STATUS_LOGON_TYPE_NOT_GRANTED, 534);
    machine_free(m);
}

void suite_logon(void)
{
    UNIT_SUITE("logon", UNIT_TEST(test_tcb_required_nt4_w2k), UNIT_TEST(test_xp_needs_no_tcb),
               UNIT_TEST(test_success_and_audit), UNIT_TEST(test_bad_password_unknown_user),
               UNIT_TEST(test_invalid_type), UNIT_TEST(test_lockout_and_release),
               UNIT_TEST(test_lockout_counter_reset), UNIT_TEST(test_lockout_until_admin),
               UNIT_TEST(test_lockout_is_durable), UNIT_TEST(test_restrictions),
               UNIT_TEST(test_logon_rights), UNIT_TEST(test_deny_rights_override),
               UNIT_TEST(test_token_contents), UNIT_TEST(test_two_machines_share_nothing),
               UNIT_TEST(test_pass_through), UNIT_TEST(test_pass_through_lockout_on_dc),
               UNIT_TEST(test_type_names), UNIT_TEST(test_post_credential_checks));
}

/* The lab: machines and domains on disk, DCs sharing the domain database,
 * pass-through logons from a member server, the policy-focus trap of
 * Q189732, lockout on virtual time, and two labs in one process. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "emulator/scm.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_PW "Adm1n!"

struct corp {
    const char *dir;
    struct lab *lab;
    struct machine *pdc, *bdc, *exch;
};

/* LAB: PDC and BDC of CORP, member server EXCHSRV; not booted. */
static void corp_create(struct corp *c)
{
    c->dir = unit_tmpdir();
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_open(c->dir, true, &c->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "pdc", ROLE_PDC, OSVER_NT4, "corp", ADMIN_PW, &c->pdc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "BDC", ROLE_BDC, OSVER_NT4, "CORP", ADMIN_PW, &c->bdc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c->lab, "EXCHSRV", ROLE_MEMBER, OSVER_NT4, "CORP", ADMIN_PW, &c->exch),
        STATUS_SUCCESS);
}

static void corp_free(struct corp *c)
{
    lab_free(c->lab);
    unit_rmtree(c->dir);
}

/* A domain account, written to the domain database as an admin tool does. */
static void domain_user(struct corp *c, const char *name, const char *pw, struct sid *sid)
{
    struct sam *sam = lab_domain_sam(c->lab, "CORP");
    CU_ASSERT_FATAL(sam != NULL);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(sam, name, pw, lab_clock_now(c->lab), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(c->pdc), STATUS_SUCCESS);
    if (sid)
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

static ntstatus net_logon(struct machine *m, const char *domain, const char *user,
                          const char *pw, struct token *tok)
{
    struct token system;
    token_system(&system, machine_os(m), machine_now(m));
    return logon_user(m, &system, domain, user, pw, LOGON_NETWORK, NULL, "ntlab", tok);
}

static size_t count_events(struct machine *m, enum evtlog_which w, uint32_t id)
{
    size_t n = 0;
    for (size_t i = evtlog_first(machine_evtlog(m), w); i < evtlog_count(machine_evtlog(m), w);
         i++) {
        const struct evtlog_record *r = evtlog_at(machine_evtlog(m), w, i);
        if (r && r->event_id == id)
            n++;
    }
    return n;
}

/* --- the lab on disk ----------------------------------------------------- */

static void test_create_and_reopen(void)
{
    struct corp c;
    corp_create(&c);
    struct machine *solo;
    UNIT_ASSERT_STATUS(
        lab_machine_add(c.lab, "Solo", ROLE_STANDALONE, OSVER_W2K, NULL, ADMIN_PW, &solo),
        STATUS_SUCCESS);
    CU_ASSERT(lab_machine_count(c.lab) == 4);
    CU_ASSERT_STRING_EQUAL(machine_name(c.pdc), "PDC");
    CU_ASSERT_STRING_EQUAL(machine_name(solo), "SOLO");
    CU_ASSERT(lab_domain_count(c.lab) == 1);
    CU_ASSERT_STRING_EQUAL(lab_domain_name(c.lab, 0), "CORP");
    /* both DCs share the domain database; the member keeps its own */
    CU_ASSERT(machine_sam(c.pdc) == lab_domain_sam(c.lab, "CORP"));
    CU_ASSERT(machine_sam(c.bdc) == machine_sam(c.pdc) && machine_lsa(c.bdc) == machine_lsa(c.pdc));
    CU_ASSERT(!machine_owns_db(c.pdc) && !machine_owns_db(c.bdc));
    CU_ASSERT(machine_owns_db(c.exch) && machine_sam(c.exch) != machine_sam(c.pdc) &&
              machine_lsa(c.exch) != machine_lsa(c.pdc));
    CU_ASSERT_STRING_EQUAL(sam_domain_name(machine_sam(c.pdc)), "CORP");
    CU_ASSERT(sid_equal(sam_domain_sid(machine_sam(c.pdc)), machine_sid(c.pdc)));
    CU_ASSERT(sid_equal(machine_sid(c.bdc), machine_sid(c.pdc)));
    CU_ASSERT(lab_of_machine(c.exch) == c.lab && lab_of_machine(c.pdc) == c.lab);
    CU_ASSERT(lab_machine_find(c.lab, "exchsrv") == c.exch);
    CU_ASSERT(lab_machine_find(c.lab, "nosuch") == NULL);
    domain_user(&c, "alice", "pw", NULL);

    char path[600];
    snprintf(path, sizeof path, "%s/lab.conf", c.dir);
    char *text;
    size_t len;
    CU_ASSERT_FATAL(afile_read(path, 1 << 16, &text, &len) == 0);
    CU_ASSERT(strstr(text, "domain = CORP nt4\n") != NULL);
    CU_ASSERT(strstr(text, "machine = PDC\nmachine = BDC\nmachine = EXCHSRV\nmachine = SOLO\n") !=
              NULL);
    free(text);
    lab_free(c.lab);

    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(lab_machine_count(c.lab) == 4);
    c.pdc = lab_machine_find(c.lab, "PDC");
    c.bdc = lab_machine_find(c.lab, "BDC");
    c.exch = lab_machine_find(c.lab, "EXCHSRV");
    CU_ASSERT_FATAL(c.pdc && c.bdc && c.exch);
    CU_ASSERT(machine_role(c.pdc) == ROLE_PDC && machine_role(c.bdc) == ROLE_BDC &&
              machine_role(c.exch) == ROLE_MEMBER);
    CU_ASSERT(!machine_running(c.pdc));
    CU_ASSERT(machine_sam(c.pdc) == lab_domain_sam(c.lab, "CORP") &&
              machine_sam(c.bdc) == machine_sam(c.pdc));
    CU_ASSERT(machine_lsa(c.pdc) == lab_domain_lsa(c.lab, "corp") &&
              machine_lsa(c.bdc) == machine_lsa(c.pdc));
    CU_ASSERT(sam_user_find(machine_sam(c.pdc), "alice") != NULL);
    CU_ASSERT(sam_user_find(machine_sam(c.exch), "alice") == NULL);
    corp_free(&c);
}

static void test_add_errors(void)
{
    struct corp c;
    corp_create(&c);
    struct machine *m;
    UNIT_ASSERT_STATUS(lab_machine_add(c.lab, "M1", ROLE_MEMBER, OSVER_NT4, "NODOM", ADMIN_PW, &m),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    UNIT_ASSERT_STATUS(lab_machine_add(c.lab, "PDC2", ROLE_PDC, OSVER_NT4, "CORP", ADMIN_PW, &m),
                       STATUS_OBJECT_NAME_COLLISION);
    UNIT_ASSERT_STATUS(
        lab_machine_add(c.lab, "exchsrv", ROLE_STANDALONE, OSVER_NT4, NULL, ADMIN_PW, &m),
        STATUS_OBJECT_NAME_COLLISION);
    UNIT_ASSERT_STATUS(
        lab_machine_add(c.lab, "S1", ROLE_STANDALONE, OSVER_NT4, "CORP", ADMIN_PW, &m),
        STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lab_machine_add(c.lab, "M2", ROLE_MEMBER, OSVER_NT4, NULL, ADMIN_PW, &m),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(
        lab_machine_add(c.lab, "../x", ROLE_STANDALONE, OSVER_NT4, NULL, ADMIN_PW, &m),
        STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(
        lab_machine_add(c.lab, "SIXTEENCHARSLONG", ROLE_STANDALONE, OSVER_NT4, NULL, ADMIN_PW, &m),
        STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lab_machine_add(c.lab, "", ROLE_STANDALONE, OSVER_NT4, NULL, ADMIN_PW, &m),
                       STATUS_INVALID_PARAMETER);
    CU_ASSERT(lab_machine_count(c.lab) == 3);
    char err[256];
    struct lab *none;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nolab", c.dir);
    UNIT_ASSERT_STATUS(lab_open(missing, false, &none, err, sizeof err),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    corp_free(&c);
}

static void expect_bad_lab(const char *conf, const char *where)
{
    const char *dir = unit_tmpdir();
    char path[600];
    snprintf(path, sizeof path, "%s/lab.conf", dir);
    CU_ASSERT_FATAL(afile_write(path, conf, strlen(conf), 0644) == 0);
    struct lab *lab = NULL;
    char err[512] = "";
    ntstatus st = lab_open(dir, false, &lab, err, sizeof err);
    CU_ASSERT(st != STATUS_SUCCESS && lab == NULL);
    if (!strstr(err, where))
        fprintf(stderr, "\n  expected '%s' in '%s'\n", where, err);
    CU_ASSERT(strstr(err, where) != NULL);
    unit_rmtree(dir);
}

static void test_malformed_lab_conf(void)
{
    expect_bad_lab("clock = soon\n", "lab.conf:1: clock");
    expect_bad_lab("# c\nmachine = ../etc\n", "lab.conf:2: bad machine name");
    expect_bad_lab("machine = A\nmachine = a\n", "lab.conf:2: machine listed twice");
    expect_bad_lab("domain = CORP\n", "lab.conf:1: domain needs");
    expect_bad_lab("domain = CORP os2\n", "lab.conf:1: unknown OS");
    expect_bad_lab("colour = blue\n", "lab.conf:1: unknown key");
    expect_bad_lab("machine\n", "lab.conf:1: expected KEY = VALUE");
    expect_bad_lab("domain = CORP nt4\n", "domains/CORP/sam.txt");
}

/* --- domains and member servers ------------------------------------------ */

static void test_member_logon_through_dc(void)
{
    struct corp c;
    corp_create(&c);
    struct sid alice;
    domain_user(&c, "alice", "secret", &alice);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(machine_running(c.pdc) && machine_running(c.bdc) && machine_running(c.exch));
    CU_ASSERT(lab_domain_controller(c.lab, "corp") == c.pdc);

    struct token tok;
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "alice", "secret", &tok), STATUS_SUCCESS);
    CU_ASSERT(sid_equal(&tok.user, &alice));
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "alice", "wrong", &tok), STATUS_LOGON_FAILURE);
    /* the member's own SAM does not know her */
    UNIT_ASSERT_STATUS(net_logon(c.exch, ".", "alice", "secret", &tok), STATUS_LOGON_FAILURE);

    /* the BDC answers while the PDC is down */
    UNIT_ASSERT_STATUS(machine_shutdown(c.pdc), STATUS_SUCCESS);
    CU_ASSERT(lab_domain_controller(c.lab, "CORP") == c.bdc);
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "alice", "secret", &tok), STATUS_SUCCESS);
    /* no DC running: 1311 */
    UNIT_ASSERT_STATUS(machine_shutdown(c.bdc), STATUS_SUCCESS);
    CU_ASSERT(lab_domain_controller(c.lab, "CORP") == NULL);
    ntstatus st = net_logon(c.exch, "CORP", "alice", "secret", &tok);
    UNIT_ASSERT_STATUS(st, STATUS_NO_LOGON_SERVERS);
    UNIT_ASSERT_WIN32(nterr_to_win32(st), ERROR_NO_LOGON_SERVERS);
    /* local accounts still work */
    UNIT_ASSERT_STATUS(net_logon(c.exch, ".", "Administrator", ADMIN_PW, &tok), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_boot(c.bdc, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "alice", "secret", &tok), STATUS_SUCCESS);
    corp_free(&c);
}

static void test_focus_trap(void)
{
    /* KB Q189732's warning: Exchange on a member server; granting "Act as
     * part of the operating system" with User Manager focused on the domain
     * does not reach the member server; focused on \\EXCHSRV it does, after
     * the reboot. */
    struct corp c;
    corp_create(&c);
    struct sid exchsvc;
    domain_user(&c, "exchsvc", "pw", &exchsvc);
    struct lsa *dom, *local, *x;
    UNIT_ASSERT_STATUS_FATAL(lab_policy_for_focus(c.lab, "CORP", &dom), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_policy_for_focus(c.lab, "\\\\EXCHSRV", &local), STATUS_SUCCESS);
    CU_ASSERT(dom == machine_lsa(c.pdc) && local == machine_lsa(c.exch) && dom != local);
    UNIT_ASSERT_STATUS(lab_policy_for_focus(c.lab, "\\\\PDC", &x), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lab_policy_for_focus(c.lab, "\\\\NOSUCH", &x), STATUS_OBJECT_NAME_NOT_FOUND);
    UNIT_ASSERT_STATUS(lab_policy_for_focus(c.lab, "NODOMAIN", &x), STATUS_OBJECT_NAME_NOT_FOUND);
    UNIT_ASSERT_STATUS(lab_policy_for_focus(c.lab, "", &x), STATUS_OBJECT_NAME_INVALID);
    UNIT_ASSERT_STATUS(lab_policy_for_focus(c.lab, "\\EXCHSRV", &x), STATUS_OBJECT_NAME_INVALID);
    CU_ASSERT(lab_focus_machine(c.lab, "CORP") == c.pdc);
    CU_ASSERT(lab_focus_machine(c.lab, "\\\\EXCHSRV") == c.exch);

    /* the Exchange service runs on EXCHSRV as CORP\exchsvc */
    grant(local, &exchsvc, "SeServiceLogonRight");
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(scm_attach(c.exch, err, sizeof err), STATUS_SUCCESS);
    struct scm_config cfg = {0};
    cfg.name = "MSExchangeIS";
    cfg.account = "CORP\\exchsvc";
    cfg.password = "pw";
    cfg.start = SCM_AUTO;
    UNIT_ASSERT_WIN32(scm_add(c.exch, &cfg), ERROR_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c.lab, err, sizeof err), STATUS_SUCCESS);
    struct scm_service *is = scm_find(machine_scm(c.exch), "MSExchangeIS");
    CU_ASSERT_FATAL(is && is->state == SCM_RUNNING);
    CU_ASSERT(sid_equal(&is->token.user, &exchsvc));
    CU_ASSERT(!token_has_privilege(&is->token, RI_TCB));

    /* domain focus: the DCs' policy changes, the member server's does not */
    grant(dom, &exchsvc, "SeTcbPrivilege");
    CU_ASSERT(lsa_sid_rights(dom, &exchsvc) & RIGHTS_BIT(RI_TCB));
    CU_ASSERT(!(lsa_sid_rights(local, &exchsvc) & RIGHTS_BIT(RI_TCB)));
    UNIT_ASSERT_STATUS(machine_reboot(c.exch, err, sizeof err), STATUS_SUCCESS);
    is = scm_find(machine_scm(c.exch), "MSExchangeIS");
    CU_ASSERT(is->state == SCM_RUNNING);
    CU_ASSERT(!token_has_privilege(&is->token, RI_TCB));

    /* \\EXCHSRV focus: written at once, reaching the service at reboot */
    grant(local, &exchsvc, "SeTcbPrivilege");
    CU_ASSERT(!token_has_privilege(&is->token, RI_TCB));
    UNIT_ASSERT_STATUS(machine_reboot(c.exch, err, sizeof err), STATUS_SUCCESS);
    is = scm_find(machine_scm(c.exch), "MSExchangeIS");
    CU_ASSERT(is->state == SCM_RUNNING);
    CU_ASSERT(token_has_privilege(&is->token, RI_TCB));

    /* and the grant is on disk: a fresh process sees it */
    lab_free(c.lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_policy_for_focus(c.lab, "\\\\EXCHSRV", &local), STATUS_SUCCESS);
    CU_ASSERT(lsa_sid_rights(local, &exchsvc) & RIGHTS_BIT(RI_TCB));
    corp_free(&c);
}

static void test_lockout_on_virtual_time(void)
{
    struct corp c;
    corp_create(&c);
    domain_user(&c, "bob", "right", NULL);
    struct lsa *dom = lab_domain_lsa(c.lab, "CORP");
    struct lsa_sysaccess sa = *lsa_sysaccess(dom);
    sa.lockout_bad_count = 3;
    sa.reset_lockout_count = 30;
    sa.lockout_duration = 30;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(dom, &sa), STATUS_SUCCESS);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c.lab, err, sizeof err), STATUS_SUCCESS);

    struct token tok;
    for (int i = 0; i < 3; i++)
        UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "bob", "wrong", &tok), STATUS_LOGON_FAILURE);
    /* locked: even the right password is refused, at the member and the DC */
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "bob", "right", &tok), STATUS_ACCOUNT_LOCKED_OUT);
    UNIT_ASSERT_STATUS(net_logon(c.pdc, "CORP", "bob", "right", &tok), STATUS_ACCOUNT_LOCKED_OUT);
    /* audits: 529 for each bad password and 539 at the machine logged on
     * to; 644 once, where the domain database locked the account */
    CU_ASSERT(count_events(c.exch, EVTLOG_SECURITY, 529) == 3);
    CU_ASSERT(count_events(c.exch, EVTLOG_SECURITY, 539) == 1);
    CU_ASSERT(count_events(c.pdc, EVTLOG_SECURITY, 539) == 1);
    CU_ASSERT(count_events(c.pdc, EVTLOG_SECURITY, 644) == 1);
    CU_ASSERT(count_events(c.exch, EVTLOG_SECURITY, 644) == 0);
    /* the lockout is in the domain database, so a DC reboot keeps it */
    UNIT_ASSERT_STATUS(machine_reboot(c.pdc, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "bob", "right", &tok), STATUS_ACCOUNT_LOCKED_OUT);
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, 29 * 60), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "bob", "right", &tok), STATUS_ACCOUNT_LOCKED_OUT);
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, 2 * 60), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "bob", "right", &tok), STATUS_SUCCESS);
    corp_free(&c);
}

static void test_dc_reboot_rereads_domain_db(void)
{
    struct corp c;
    corp_create(&c);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(c.lab, err, sizeof err), STATUS_SUCCESS);
    struct sam *before = machine_sam(c.pdc);
    UNIT_ASSERT_STATUS(machine_reboot(c.pdc, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(machine_sam(c.pdc) == before); /* unchanged: not re-read */

    /* another process adds a domain account */
    const char *path = lab_domain_sam_path(c.lab, "CORP");
    CU_ASSERT_FATAL(path != NULL);
    struct sam *other;
    UNIT_ASSERT_STATUS_FATAL(sam_load(path, &other, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(other, "carol", "pw", 0, NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_save(other, path), STATUS_SUCCESS);
    sam_free(other);
    CU_ASSERT(sam_user_find(machine_sam(c.pdc), "carol") == NULL);
    UNIT_ASSERT_STATUS(machine_reboot(c.pdc, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(sam_user_find(machine_sam(c.pdc), "carol") != NULL);
    /* both DCs point at the new database */
    CU_ASSERT(machine_sam(c.bdc) == machine_sam(c.pdc) &&
              machine_sam(c.pdc) == lab_domain_sam(c.lab, "CORP"));
    struct token tok;
    UNIT_ASSERT_STATUS(net_logon(c.exch, "CORP", "carol", "pw", &tok), STATUS_SUCCESS);

    /* a broken domain file: the DC's boot fails and names it */
    const char *junk = "this is not a SAM\n";
    CU_ASSERT_FATAL(afile_write(path, junk, strlen(junk), 0600) == 0);
    UNIT_ASSERT_STATUS(machine_reboot(c.bdc, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT(strstr(err, "sam.txt") != NULL);
    CU_ASSERT(!machine_running(c.bdc));
    corp_free(&c);
}

/* --- the clock, and two labs --------------------------------------------- */

static void test_lab_clock(void)
{
    struct corp c;
    corp_create(&c);
    CU_ASSERT(lab_clock_is_virtual(c.lab));
    CU_ASSERT(lab_clock_now(c.lab) == CLOCK_DEFAULT_START);
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, 3600), STATUS_SUCCESS);
    CU_ASSERT(machine_now(c.exch) == CLOCK_DEFAULT_START + 3600);
    CU_ASSERT(machine_now(c.pdc) == CLOCK_DEFAULT_START + 3600);
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, -1), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lab_clock_set(c.lab, -5), STATUS_INVALID_PARAMETER);
    CU_ASSERT(lab_clock_now(c.lab) == CLOCK_DEFAULT_START + 3600);
    /* a machine added later joins the lab's time */
    struct machine *late;
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(c.lab, "LATE", ROLE_MEMBER, OSVER_NT4, "CORP", ADMIN_PW, &late),
        STATUS_SUCCESS);
    CU_ASSERT(machine_now(late) == CLOCK_DEFAULT_START + 3600);
    UNIT_ASSERT_STATUS(lab_clock_set(c.lab, 1000000000), STATUS_SUCCESS);
    lab_free(c.lab);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(lab_clock_now(c.lab) == 1000000000);
    CU_ASSERT(machine_now(lab_machine_find(c.lab, "EXCHSRV")) == 1000000000);
    /* wall time for a daemon: this process only */
    lab_clock_use_wall(c.lab);
    CU_ASSERT(!lab_clock_is_virtual(c.lab));
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, 60), STATUS_INVALID_PARAMETER);
    CU_ASSERT(lab_clock_now(c.lab) > 1500000000);
    lab_free(c.lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(lab_clock_now(c.lab) == 1000000000);
    corp_free(&c);
}

/* issue 12: what the daemon does with the clock at stop and after a kill. */
static void test_lab_clock_save_and_floor(void)
{
    struct corp c;
    corp_create(&c);
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(machine_boot(c.exch, err, sizeof err),
                             STATUS_SUCCESS); /* events at T0 */
    /* the machine logs at T0+100 while lab.conf still says T0 (a daemon
     * killed before it saved the clock) ... */
    UNIT_ASSERT_STATUS(machine_clock_set(c.exch, machine_now(c.exch) + 100), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_reboot(c.exch, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_clock_set(c.exch, machine_now(c.exch) - 100), STATUS_SUCCESS);
    int64_t moved = -1;
    /* ... past the lab's clock (a kill lost the save): the floor moves it */
    UNIT_ASSERT_STATUS(lab_clock_not_before_events(c.lab, &moved), STATUS_SUCCESS);
    CU_ASSERT(moved == 100);
    CU_ASSERT(lab_clock_now(c.lab) == CLOCK_DEFAULT_START + 100);
    CU_ASSERT(machine_now(c.pdc) == CLOCK_DEFAULT_START + 100);
    UNIT_ASSERT_STATUS(lab_clock_not_before_events(c.lab, &moved), STATUS_SUCCESS);
    CU_ASSERT(moved == 0);
    lab_free(c.lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(lab_clock_now(c.lab) == CLOCK_DEFAULT_START + 100); /* written */
    /* a running clock: save writes where it stands */
    lab_clock_run(c.lab);
    UNIT_ASSERT_STATUS(lab_clock_save(c.lab), STATUS_SUCCESS);
    lab_free(c.lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(c.dir, false, &c.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(lab_clock_now(c.lab) >= CLOCK_DEFAULT_START + 100);
    /* a hand edit of lab.conf since: not overwritten */
    UNIT_ASSERT_STATUS(lab_clock_advance(c.lab, 60), STATUS_SUCCESS); /* its own write is fine */
    UNIT_ASSERT_STATUS(lab_clock_save(c.lab), STATUS_SUCCESS);
    char path[4200], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/lab.conf", c.dir);
    CU_ASSERT_FATAL(afile_read(path, 1 << 16, &text, &len) == 0);
    struct buf edited = BUF_INIT;
    CU_ASSERT_FATAL(buf_printf(&edited, "# edited by hand\n%s", text) == 0);
    CU_ASSERT_FATAL(afile_write(path, edited.p, edited.len, 0644) == 0);
    UNIT_ASSERT_STATUS(lab_clock_save(c.lab), STATUS_SHARING_VIOLATION);
    free(text);
    CU_ASSERT_FATAL(afile_read(path, 1 << 16, &text, &len) == 0);
    CU_ASSERT(strncmp(text, "# edited by hand\n", 17) == 0);
    free(text);
    buf_free(&edited);
    /* on wall time neither writes nor moves */
    lab_clock_use_wall(c.lab);
    UNIT_ASSERT_STATUS(lab_clock_save(c.lab), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lab_clock_not_before_events(c.lab, &moved), STATUS_SUCCESS);
    CU_ASSERT(moved == 0);
    corp_free(&c);
}

static void test_two_labs_share_nothing(void)
{
    struct corp a, b;
    corp_create(&a);
    corp_create(&b);
    domain_user(&a, "alice", "pw", NULL);
    CU_ASSERT(sam_user_find(lab_domain_sam(a.lab, "CORP"), "alice") != NULL);
    CU_ASSERT(sam_user_find(lab_domain_sam(b.lab, "CORP"), "alice") == NULL);
    CU_ASSERT(lab_domain_sam(a.lab, "CORP") != lab_domain_sam(b.lab, "CORP"));
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(a.lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT(lab_domain_controller(a.lab, "CORP") == a.pdc);
    CU_ASSERT(lab_domain_controller(b.lab, "CORP") == NULL); /* b is not booted */
    struct token tok;
    UNIT_ASSERT_STATUS(net_logon(a.exch, "CORP", "alice", "pw", &tok), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(net_logon(b.exch, "CORP", "alice", "pw", &tok), STATUS_NO_LOGON_SERVERS);
    UNIT_ASSERT_STATUS(lab_clock_advance(a.lab, 600), STATUS_SUCCESS);
    CU_ASSERT(lab_clock_now(b.lab) == CLOCK_DEFAULT_START);
    CU_ASSERT(count_events(a.exch, EVTLOG_SYSTEM, 6005) == 1);
    CU_ASSERT(count_events(b.exch, EVTLOG_SYSTEM, 6005) == 0);
    corp_free(&a);
    corp_free(&b);
}

void suite_lab(void)
{
    UNIT_SUITE("lab", UNIT_TEST(test_create_and_reopen), UNIT_TEST(test_add_errors),
               UNIT_TEST(test_malformed_lab_conf), UNIT_TEST(test_member_logon_through_dc),
               UNIT_TEST(test_focus_trap), UNIT_TEST(test_lockout_on_virtual_time),
               UNIT_TEST(test_dc_reboot_rereads_domain_db), UNIT_TEST(test_lab_clock),
               UNIT_TEST(test_two_labs_share_nothing), UNIT_TEST(test_lab_clock_save_and_floor));
}

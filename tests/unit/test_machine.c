/* The machine core: creation rules, the default policy of each OS/role,
 * the derived machine SID, machine.conf round trip and hostile input, name
 * resolution, audits, and domain membership. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "emulator/machine_int.h" /* white-box: one machine without an event log */
#include "src/lib/afile.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_roles(void)
{
    static const struct {
        enum machine_role r;
        const char *name;
    } roles[] = {{ROLE_STANDALONE, "standalone"},
                 {ROLE_MEMBER, "member"},
                 {ROLE_PDC, "pdc"},
                 {ROLE_BDC, "bdc"}};
    for (size_t i = 0; i < 4; i++) {
        enum machine_role r;
        CU_ASSERT_STRING_EQUAL(machine_role_name(roles[i].r), roles[i].name);
        CU_ASSERT_TRUE(machine_role_parse(roles[i].name, &r) && r == roles[i].r);
    }
    enum machine_role r;
    CU_ASSERT_TRUE(machine_role_parse("PDC", &r) && r == ROLE_PDC);
    CU_ASSERT_FALSE(machine_role_parse("server", &r));
    CU_ASSERT_FALSE(machine_role_parse("", &r));
    CU_ASSERT_FALSE(machine_role_parse(NULL, &r));
}

static void test_create(void)
{
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(machine_create("exchsrv", OSVER_NT4, ROLE_MEMBER, "corp", "pw", &m),
                             STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(machine_name(m), "EXCHSRV");
    CU_ASSERT_STRING_EQUAL(machine_domain(m), "CORP");
    CU_ASSERT_EQUAL(machine_os(m), OSVER_NT4);
    CU_ASSERT_FALSE(machine_is_dc(m));
    CU_ASSERT_FALSE(machine_running(m));
    CU_ASSERT_TRUE(machine_owns_db(m));
    CU_ASSERT_PTR_NULL(lab_of_machine(m));
    CU_ASSERT_STRING_EQUAL(machine_dir(m), "");
    CU_ASSERT_TRUE(machine_clock(m)->virtual_time);
    CU_ASSERT_EQUAL(machine_now(m), CLOCK_DEFAULT_START);
    CU_ASSERT_PTR_NOT_NULL(machine_evtlog(m));
    /* a member's SAM is the machine's account domain, SID = machine SID */
    CU_ASSERT_STRING_EQUAL(sam_domain_name(machine_sam(m)), "EXCHSRV");
    CU_ASSERT_TRUE(sid_equal(sam_domain_sid(machine_sam(m)), machine_sid(m)));
    CU_ASSERT_EQUAL(machine_sid(m)->count, 4);
    CU_ASSERT_EQUAL(machine_sid(m)->sub[0], 21);
    CU_ASSERT_TRUE(sam_password_ok(sam_user_find(machine_sam(m), "Administrator"), "pw"));
    /* the NT 4.0 member template: network access for Everyone, no TCB */
    CU_ASSERT_EQUAL(lsa_os(machine_lsa(m)), OSVER_NT4);
    CU_ASSERT_TRUE(lsa_sid_rights(machine_lsa(m), sid_wellknown(SID_WK_EVERYONE)) &
                   RIGHTS_BIT(RI_NETWORK_LOGON));
    CU_ASSERT_FALSE(lsa_sid_rights(machine_lsa(m), sid_wellknown(SID_WK_ADMINISTRATORS)) &
                    RIGHTS_BIT(RI_TCB));
    CU_ASSERT_TRUE(lsa_sid_rights(machine_lsa(m), sid_wellknown(SID_WK_POWER_USERS)) &
                   RIGHTS_BIT(RI_NETWORK_LOGON));
    machine_free(m);

    /* a DC: the domain's SAM with global groups, the DC template */
    UNIT_ASSERT_STATUS_FATAL(machine_create("PDC1", OSVER_W2K, ROLE_PDC, "CORP", "pw", &m),
                             STATUS_SUCCESS);
    CU_ASSERT_TRUE(machine_is_dc(m));
    CU_ASSERT_STRING_EQUAL(sam_domain_name(machine_sam(m)), "CORP");
    CU_ASSERT_PTR_NOT_NULL(sam_group_find(machine_sam(m), "Domain Admins"));
    CU_ASSERT_TRUE(lsa_sid_rights(machine_lsa(m), sid_wellknown(SID_WK_AUTHENTICATED_USERS)) &
                   RIGHTS_BIT(RI_MACHINE_ACCOUNT)); /* w2k-dc.inf */
    machine_free(m);

    /* each OS/role has its template */
    static const struct {
        enum osver os;
        enum machine_role role;
    } ok[] = {{OSVER_NT4, ROLE_STANDALONE}, {OSVER_NT4, ROLE_BDC}, {OSVER_W2K, ROLE_STANDALONE},
              {OSVER_W2K, ROLE_MEMBER},     {OSVER_XP, ROLE_STANDALONE}, {OSVER_XP, ROLE_MEMBER}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *dom = ok[i].role == ROLE_STANDALONE ? NULL : "CORP";
        UNIT_ASSERT_STATUS_FATAL(machine_create("M", ok[i].os, ok[i].role, dom, "", &m),
                                 STATUS_SUCCESS);
        CU_ASSERT_EQUAL(lsa_os(machine_lsa(m)), ok[i].os);
        CU_ASSERT_TRUE(lsa_account_count(machine_lsa(m)) > 5);
        machine_free(m);
    }
}

static void test_create_errors(void)
{
    struct machine *m = (struct machine *)1;
    static const struct {
        const char *name;
        enum osver os;
        enum machine_role role;
        const char *domain;
    } bad[] = {
        {"", OSVER_NT4, ROLE_STANDALONE, NULL},
        {"SIXTEENCHARSLONG", OSVER_NT4, ROLE_STANDALONE, NULL},
        {"../x", OSVER_NT4, ROLE_STANDALONE, NULL},
        {"A B", OSVER_NT4, ROLE_STANDALONE, NULL},
        {"A", OSVER_NT4, ROLE_STANDALONE, "CORP"},
        {"A", OSVER_NT4, ROLE_MEMBER, NULL},
        {"A", OSVER_NT4, ROLE_MEMBER, ""},
        {"A", OSVER_NT4, ROLE_PDC, NULL},
        {"A", OSVER_NT4, ROLE_MEMBER, "BAD/DOMAIN"},
        {"A", OSVER_NT4, ROLE_MEMBER, "SIXTEENCHARSLONG"},
        {"A", OSVER_XP, ROLE_PDC, "CORP"},
        {"A", OSVER_XP, ROLE_BDC, "CORP"},
        {"A", (enum osver)41, ROLE_STANDALONE, NULL},
        {"A", OSVER_NT4, (enum machine_role)9, "CORP"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        UNIT_ASSERT_STATUS(
            machine_create(bad[i].name, bad[i].os, bad[i].role, bad[i].domain, "", &m),
            STATUS_INVALID_PARAMETER);
        CU_ASSERT_PTR_NULL(m);
    }
    UNIT_ASSERT_STATUS(machine_create(NULL, OSVER_NT4, ROLE_STANDALONE, NULL, "", &m),
                       STATUS_INVALID_PARAMETER);
}

static void test_derived_sid(void)
{
    struct machine *a, *b, *c;
    CU_ASSERT_FATAL(machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "", &a) == 0);
    CU_ASSERT_FATAL(machine_create("exchsrv", OSVER_W2K, ROLE_MEMBER, "CORP", "", &b) == 0);
    CU_ASSERT_FATAL(machine_create("EXCHSRV2", OSVER_NT4, ROLE_STANDALONE, NULL, "", &c) == 0);
    CU_ASSERT_TRUE(sid_equal(machine_sid(a), machine_sid(b)));
    CU_ASSERT_FALSE(sid_equal(machine_sid(a), machine_sid(c)));
    char s[SID_STR_MAX];
    sid_format(machine_sid(a), s, sizeof s);
    CU_ASSERT_EQUAL(strncmp(s, "S-1-5-21-", 9), 0);
    machine_free(a);
    machine_free(b);
    machine_free(c);
}

static char *read_text(const char *dir, const char *file)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *t = NULL;
    size_t n;
    return afile_read(path, 1 << 20, &t, &n) == 0 ? t : NULL;
}

static void write_text(const char *dir, const char *file, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0644) == 0);
}

/* issue 13: keys machine.conf does not define are a product's settings,
 * kept verbatim across machine_save_conf (a lab of an older ntlab has
 * "persona =" there), and removed with a write. */
static void test_conf_settings_kept(void)
{
    const char *base = unit_tmpdir();
    char dir[512], err[256];
    snprintf(dir, sizeof dir, "%s/srv", base);
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "SRV", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &m), STATUS_SUCCESS);
    char *conf = read_text(dir, "machine.conf");
    CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
    char *clk = strstr(conf, "clock = ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(clk);
    char text[2048];
    snprintf(text, sizeof text, "%.*spersona = exchange-5.5\nvendor.x = a b  c\n%s",
             (int)(clk - conf), conf, clk);
    write_text(dir, "machine.conf", text);
    machine_free(m);
    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(machine_setting(m, "PERSONA"), "exchange-5.5");
    CU_ASSERT_STRING_EQUAL(machine_setting(m, "vendor.x"), "a b  c");
    CU_ASSERT_PTR_NULL(machine_setting(m, "clock"));
    /* written back as they were: the file is the old version's, byte for byte */
    UNIT_ASSERT_STATUS(machine_save_conf(m), STATUS_SUCCESS);
    char *again = read_text(dir, "machine.conf");
    CU_ASSERT_STRING_EQUAL(again, text);
    free(again);
    UNIT_ASSERT_STATUS(machine_setting_remove(m, "persona"), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_setting_remove(m, "persona"), STATUS_SUCCESS); /* gone: fine */
    CU_ASSERT_PTR_NULL(machine_setting(m, "persona"));
    machine_free(m);
    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_PTR_NULL(machine_setting(m, "persona"));
    CU_ASSERT_STRING_EQUAL(machine_setting(m, "vendor.x"), "a b  c");
    machine_free(m);
    free(conf);
    unit_rmtree(base);
}

static void test_init_dir_and_load(void)
{
    const char *base = unit_tmpdir();
    char dir[512], err[256];
    snprintf(dir, sizeof dir, "%s/exchsrv", base);
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "exchsrv", OSVER_W2K, ROLE_MEMBER, "corp", "pw", &m), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(machine_dir(m), dir);
    char *conf = read_text(dir, "machine.conf");
    CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
    CU_ASSERT_PTR_NOT_NULL(strstr(conf, "name = EXCHSRV\nos = w2k\nrole = member\n"
                                        "domain = CORP\nsid = S-1-5-21-"));
    CU_ASSERT_PTR_NOT_NULL(strstr(conf, "clock = 899283600\n"));
    free(conf);
    char *inf = read_text(dir, "policy.inf");
    CU_ASSERT_PTR_NOT_NULL(inf);
    free(inf);
    char *samt = read_text(dir, "sam.txt");
    CU_ASSERT_PTR_NOT_NULL(samt);
    free(samt);

    /* changes, then a fresh load sees them */
    CU_ASSERT_EQUAL(sam_user_add(machine_sam(m), "alice", "pw", machine_now(m), NULL), 0);
    UNIT_ASSERT_STATUS(machine_save_sam(m), STATUS_SUCCESS);
    struct sid alice;
    UNIT_ASSERT_STATUS(machine_resolve(m, "alice", &alice), STATUS_SUCCESS);
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h),
        STATUS_SUCCESS);
    const char *tcb[1] = {"SeTcbPrivilege"};
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &alice, tcb, 1), STATUS_SUCCESS);
    lsa_close(&h);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 3600), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_save_conf(m), STATUS_SUCCESS);
    machine_audit(m, 528, true, "EXCHSRV\\alice", "Successful Logon: test");
    struct sid sid = *machine_sid(m);
    machine_free(m);

    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(machine_name(m), "EXCHSRV");
    CU_ASSERT_STRING_EQUAL(machine_domain(m), "CORP");
    CU_ASSERT_EQUAL(machine_os(m), OSVER_W2K);
    CU_ASSERT_EQUAL(machine_role(m), ROLE_MEMBER);
    CU_ASSERT_TRUE(sid_equal(machine_sid(m), &sid));
    CU_ASSERT_EQUAL(machine_now(m), CLOCK_DEFAULT_START + 3600);
    CU_ASSERT_TRUE(machine_owns_db(m));
    CU_ASSERT_FALSE(machine_running(m));
    CU_ASSERT_PTR_NOT_NULL(sam_user_find(machine_sam(m), "alice"));
    CU_ASSERT_TRUE(lsa_sid_rights(machine_lsa(m), &alice) & RIGHTS_BIT(RI_TCB));
    CU_ASSERT_EQUAL(evtlog_count(machine_evtlog(m), EVTLOG_SECURITY), 1);
    /* the loaded machine logs on with what it loaded */
    struct token sys, t;
    token_system(&sys, machine_os(m), machine_now(m));
    UNIT_ASSERT_STATUS(logon_user(m, &sys, NULL, "alice", "pw", LOGON_NETWORK, NULL, NULL, &t),
                       STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_TCB));
    /* wall clock round trip: "clock = wall" is read, and written back */
    machine_free(m);
    char *text = read_text(dir, "machine.conf");
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *clk = strstr(text, "clock = ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(clk);
    strcpy(clk, "clock = wall\n");
    write_text(dir, "machine.conf", text);
    free(text);
    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_FALSE(machine_clock(m)->virtual_time);
    UNIT_ASSERT_STATUS(machine_save_conf(m), STATUS_SUCCESS);
    machine_free(m);
    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_FALSE(machine_clock(m)->virtual_time);
    machine_free(m);

    /* a second init on the same directory is refused */
    UNIT_ASSERT_STATUS(machine_init_dir(dir, "OTHER", OSVER_NT4, ROLE_STANDALONE, NULL, "", &m),
                       STATUS_OBJECT_NAME_COLLISION);
    /* no such directory */
    char nodir[600];
    snprintf(nodir, sizeof nodir, "%s/none", base);
    UNIT_ASSERT_STATUS(machine_load(nodir, &m, err, sizeof err), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_PTR_NULL(m);
    /* a member without its SAM */
    char path[600];
    snprintf(path, sizeof path, "%s/sam.txt", dir);
    CU_ASSERT_EQUAL(unlink(path), 0);
    UNIT_ASSERT_STATUS(machine_load(dir, &m, err, sizeof err), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "sam.txt"));
    unit_rmtree(base);
}

/* A policy.inf naming accounts resolves them through the machine. */
static void test_policy_names(void)
{
    const char *base = unit_tmpdir();
    char dir[512], err[256];
    snprintf(dir, sizeof dir, "%s/m", base);
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(
        machine_init_dir(dir, "EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &m),
        STATUS_SUCCESS);
    CU_ASSERT_EQUAL(sam_user_add(machine_sam(m), "exchsvc", "pw", 0, NULL), 0);
    UNIT_ASSERT_STATUS(machine_save_sam(m), STATUS_SUCCESS);
    struct sid svc;
    UNIT_ASSERT_STATUS(machine_resolve(m, "EXCHSRV\\exchsvc", &svc), STATUS_SUCCESS);
    machine_free(m);
    write_text(dir, "policy.inf",
               "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
               "[Privilege Rights]\r\nSeTcbPrivilege = exchsvc\r\n"
               "SeServiceLogonRight = EXCHSRV\\exchsvc,Administrators\r\n");
    UNIT_ASSERT_STATUS_FATAL(machine_load(dir, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(machine_lsa(m), &svc),
                    RIGHTS_BIT(RI_TCB) | RIGHTS_BIT(RI_SERVICE_LOGON));
    CU_ASSERT_TRUE(lsa_sid_rights(machine_lsa(m), sid_wellknown(SID_WK_ADMINISTRATORS)) &
                   RIGHTS_BIT(RI_SERVICE_LOGON));
    machine_free(m);
    unit_rmtree(base);
}

static const char CONF_OK[] = "name = EXCHSRV\nos = nt4\nrole = member\ndomain = CORP\n"
                              "sid = S-1-5-21-1-2-3\n";

static void test_bad_conf(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", ":1: missing name"},
        {"# comment\n; another\n", ":2: missing name"},
        {"name EXCHSRV\n", ":1: expected key = value"},
        {"col/our = blue\n", ":1: unknown key \"col/our\""},
        {"colour = blue\nColour = red\n", ":2: Colour given twice"},
        {"a=1\nb=1\nc=1\nd=1\ne=1\nf=1\ng=1\nh=1\ni=1\nj=1\nk=1\nl=1\nm=1\nn=1\no=1\np=1\n"
         "q=1\n",
         ":17: more than 16 settings"},
        {"name = A\nname = B\n", ":2: name given twice"},
        {"name = A\nos = nt4\nrole = member\ndomain = CORP\n", ":4: missing sid"},
        {"name = A\nos = nt4\nsid = S-1-5-21-1-2-3\n", ":3: missing role"},
        {"name = A\nrole = member\nsid = S-1-5-21-1-2-3\n", ":3: missing os"},
        {"name = A\nos = os2\nrole = member\ndomain = C\nsid = S-1-5-21-1-2-3\n",
         ":2: unknown os \"os2\""},
        {"name = A\nos = nt4\nrole = king\ndomain = C\nsid = S-1-5-21-1-2-3\n",
         ":3: unknown role \"king\""},
        {"name = ../A\nos = nt4\nrole = member\ndomain = C\nsid = S-1-5-21-1-2-3\n",
         ":1: bad name"},
        {"name = A\nos = nt4\nrole = member\nsid = S-1-5-21-1-2-3\n", ":4: missing domain"},
        {"name = A\nos = nt4\nrole = standalone\ndomain = C\nsid = S-1-5-21-1-2-3\n",
         ":4: a standalone server has no domain"},
        {"name = A\nos = nt4\nrole = member\ndomain = C/D\nsid = S-1-5-21-1-2-3\n",
         ":4: bad domain"},
        {"name = A\nos = xp\nrole = pdc\ndomain = C\nsid = S-1-5-21-1-2-3\n",
         ":3: Windows XP cannot be a pdc"},
        {"name = A\nos = nt4\nrole = member\ndomain = C\nsid = S-1-5-32-544\n", ":5: bad sid"},
        {"name = A\nos = nt4\nrole = member\ndomain = C\nsid = S-1-5-21-1-2-x\n", ":5: bad sid"},
        {"name = A\nos = nt4\nrole = member\ndomain = C\nsid = S-1-5-21-1-2-3\nclock = soon\n",
         ":6: clock must be"},
        {"name = A\nos = nt4\nrole = member\ndomain = C\nsid = S-1-5-21-1-2-3\nclock = -5\n",
         ":6: clock must be"},
    };
    const char *base = unit_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(base, "machine.conf", cases[i].text);
        struct machine *m = (struct machine *)1;
        char err[400] = "";
        UNIT_ASSERT_STATUS(machine_load(base, &m, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
        CU_ASSERT_PTR_NULL(m);
        char want[300];
        snprintf(want, sizeof want, "%s/machine.conf%s", base, cases[i].want);
        bool ok = strncmp(err, want, strlen(want)) == 0;
        if (!ok)
            fprintf(stderr, "\ncase %zu: got \"%s\"\n want \"%s\"\n", i, err, want);
        CU_ASSERT_TRUE(ok);
    }
    /* an over-long line, a NUL byte */
    char big[1200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    memcpy(big, "name = ", 7);
    write_text(base, "machine.conf", big);
    struct machine *m;
    char err[400];
    UNIT_ASSERT_STATUS(machine_load(base, &m, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: line longer than"));
    char path[600];
    snprintf(path, sizeof path, "%s/machine.conf", base);
    CU_ASSERT_FATAL(afile_write(path, "name = A\0B\n", 11, 0644) == 0);
    UNIT_ASSERT_STATUS(machine_load(base, &m, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL byte"));
    /* a good conf without databases: a member needs its SAM */
    write_text(base, "machine.conf", CONF_OK);
    UNIT_ASSERT_STATUS(machine_load(base, &m, err, sizeof err), STATUS_OBJECT_NAME_NOT_FOUND);
    /* a DC without files is one waiting for its lab's domain database */
    write_text(base, "machine.conf",
               "# a DC\nname = PDC\nos = nt4\nrole = pdc\ndomain = CORP\nsid = S-1-5-21-1-2-3\n");
    UNIT_ASSERT_STATUS_FATAL(machine_load(base, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_FALSE(machine_owns_db(m));
    CU_ASSERT_PTR_NULL(machine_sam(m));
    struct token sys, t;
    token_system(&sys, machine_os(m), 0);
    UNIT_ASSERT_STATUS(logon_user(m, &sys, NULL, "x", "y", LOGON_NETWORK, NULL, NULL, &t),
                       STATUS_NO_LOGON_SERVERS);
    machine_free(m);
    unit_rmtree(base);
}

static void test_lone_dc_dir(void)
{
    const char *base = unit_tmpdir();
    char err[256];
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(machine_init_dir(base, "PDC", OSVER_NT4, ROLE_PDC, "CORP", "pw", &m),
                             STATUS_SUCCESS);
    CU_ASSERT_EQUAL(sam_user_add(machine_sam(m), "bob", "pw", 0, NULL), 0);
    UNIT_ASSERT_STATUS(machine_save_sam(m), STATUS_SUCCESS);
    machine_free(m);
    UNIT_ASSERT_STATUS_FATAL(machine_load(base, &m, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_TRUE(machine_owns_db(m));
    CU_ASSERT_STRING_EQUAL(sam_domain_name(machine_sam(m)), "CORP");
    struct token sys, t;
    token_system(&sys, machine_os(m), 0);
    UNIT_ASSERT_STATUS(logon_user(m, &sys, "CORP", "bob", "pw", LOGON_NETWORK, NULL, NULL, &t),
                       STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(t.domain_name, "CORP");
    machine_free(m);
    unit_rmtree(base);
}

static void test_resolve_and_names(void)
{
    struct machine *m;
    CU_ASSERT_FATAL(machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &m) == 0);
    uint32_t rid;
    CU_ASSERT_EQUAL(sam_user_add(machine_sam(m), "alice", "pw", 0, &rid), 0);
    struct sid alice, s;
    sid_compose(machine_sid(m), rid, &alice);
    static const char *ok_alice[] = {"alice", "ALICE", ".\\alice", "EXCHSRV\\alice",
                                     "exchsrv\\Alice"};
    for (size_t i = 0; i < 5; i++) {
        UNIT_ASSERT_STATUS(machine_resolve(m, ok_alice[i], &s), STATUS_SUCCESS);
        CU_ASSERT_TRUE(sid_equal(&s, &alice));
    }
    char str[SID_STR_MAX + 1];
    sid_format(&alice, str + 1, SID_STR_MAX);
    str[0] = '*';
    UNIT_ASSERT_STATUS(machine_resolve(m, str, &s), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&s, &alice));
    UNIT_ASSERT_STATUS(machine_resolve(m, str + 1, &s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_resolve(m, "Everyone", &s), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&s, sid_wellknown(SID_WK_EVERYONE)));
    UNIT_ASSERT_STATUS(machine_resolve(m, "BUILTIN\\Administrators", &s), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&s, sid_wellknown(SID_WK_ADMINISTRATORS)));
    UNIT_ASSERT_STATUS(machine_resolve(m, "Administrators", &s), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&s, sid_wellknown(SID_WK_ADMINISTRATORS)));
    UNIT_ASSERT_STATUS(machine_resolve(m, "NT AUTHORITY\\SYSTEM", &s), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&s, sid_wellknown(SID_WK_SYSTEM)));
    UNIT_ASSERT_STATUS(machine_resolve(m, "Administrator", &s), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(s.sub[4], SID_RID_ADMINISTRATOR);
    static const char *none[] = {"", "nobody", "OTHER\\alice", "BUILTIN\\alice",
                                 "NT AUTHORITY\\alice", "S-1-x", "*", "VERYLONGDOMAINNAME\\a",
                                 "\\alice"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        UNIT_ASSERT_STATUS(machine_resolve(m, none[i], &s), STATUS_NONE_MAPPED);
    UNIT_ASSERT_STATUS(machine_resolve(m, NULL, &s), STATUS_NONE_MAPPED);

    char name[128];
    machine_sid_name(m, &alice, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "EXCHSRV\\alice");
    machine_sid_name(m, sid_wellknown(SID_WK_ADMINISTRATORS), name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "BUILTIN\\Administrators");
    machine_sid_name(m, sid_wellknown(SID_WK_EVERYONE), name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "Everyone");
    struct sid ghost;
    sid_compose(machine_sid(m), 4242, &ghost);
    machine_sid_name(m, &ghost, name, sizeof name);
    sid_format(&ghost, str, sizeof str);
    CU_ASSERT_STRING_EQUAL(name, str);
    machine_free(m);
}

static void test_resolve_in_lab(void)
{
    const char *base = unit_tmpdir();
    char err[256];
    struct lab *lab;
    struct machine *pdc, *exch;
    UNIT_ASSERT_STATUS_FATAL(lab_open(base, true, &lab, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_FATAL(lab_machine_add(lab, "PDC", ROLE_PDC, OSVER_NT4, "CORP", "pw", &pdc) == 0);
    CU_ASSERT_FATAL(lab_machine_add(lab, "EXCHSRV", ROLE_MEMBER, OSVER_NT4, "CORP", "pw", &exch) ==
                    0);
    CU_ASSERT_EQUAL(sam_user_add(machine_sam(pdc), "bob", "pw", 0, NULL), 0);
    struct sid bob, s;
    UNIT_ASSERT_STATUS(machine_resolve(pdc, "bob", &bob), STATUS_SUCCESS);
    /* a member resolves its domain's accounts (without a DC running) */
    UNIT_ASSERT_STATUS(machine_resolve(exch, "CORP\\bob", &s), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&s, &bob));
    UNIT_ASSERT_STATUS(machine_resolve(exch, "bob", &s), STATUS_SUCCESS); /* primary domain */
    UNIT_ASSERT_STATUS(machine_resolve(exch, "EXCHSRV\\bob", &s), STATUS_NONE_MAPPED);
    UNIT_ASSERT_STATUS(machine_resolve(exch, "CORP\\Domain Admins", &s), STATUS_SUCCESS);
    /* a local account wins over the domain's of the same name */
    struct sid local_admin;
    UNIT_ASSERT_STATUS(machine_resolve(exch, "Administrator", &local_admin), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_split(&local_admin, machine_sid(exch), NULL));
    char name[128];
    machine_sid_name(exch, &bob, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "CORP\\bob");
    machine_sid_name(exch, &local_admin, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "EXCHSRV\\Administrator");
    machine_sid_name(pdc, &bob, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "CORP\\bob");
    /* the DC answers to its computer name and its domain */
    UNIT_ASSERT_STATUS(machine_resolve(pdc, "PDC\\bob", &s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(machine_resolve(pdc, "CORP\\bob", &s), STATUS_SUCCESS);
    lab_free(lab);
    unit_rmtree(base);
}

static void test_audit(void)
{
    struct machine *m;
    CU_ASSERT_FATAL(machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &m) == 0);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 42), STATUS_SUCCESS);
    machine_audit(m, 529, false, "NT AUTHORITY\\SYSTEM", "Logon Failure: Reason: x");
    machine_audit(m, 644, true, "NT AUTHORITY\\SYSTEM", "User Account Locked Out: y");
    CU_ASSERT_EQUAL_FATAL(evtlog_count(machine_evtlog(m), EVTLOG_SECURITY), 2);
    CU_ASSERT_EQUAL(evtlog_count(machine_evtlog(m), EVTLOG_SYSTEM), 0);
    const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_SECURITY, 0);
    CU_ASSERT_EQUAL(r->event_id, 529);
    CU_ASSERT_EQUAL(r->type, EVT_AUDIT_FAILURE);
    CU_ASSERT_EQUAL(r->category, 2);
    CU_ASSERT_EQUAL(r->time, CLOCK_DEFAULT_START + 42);
    CU_ASSERT_STRING_EQUAL(r->source, "Security");
    CU_ASSERT_STRING_EQUAL(r->user, "NT AUTHORITY\\SYSTEM");
    CU_ASSERT_STRING_EQUAL(r->computer, "EXCHSRV");
    CU_ASSERT_STRING_EQUAL(r->description, "Logon Failure: Reason: x");
    r = evtlog_at(machine_evtlog(m), EVTLOG_SECURITY, 1);
    CU_ASSERT_EQUAL(r->type, EVT_AUDIT_SUCCESS);
    CU_ASSERT_EQUAL(r->category, 7);
    /* without an event log: nothing, and no crash (white-box: no operation
     * makes such a machine, so this test reaches into machine_int.h) */
    evtlog_free(machine_evtlog(m));
    m->evtlog = NULL;
    machine_audit(m, 528, true, "x", "y");
    machine_free(m);
}

static void test_join_domain(void)
{
    struct machine *m;
    CU_ASSERT_FATAL(machine_create("EXCHSRV", OSVER_NT4, ROLE_MEMBER, "CORP", "pw", &m) == 0);
    struct sid dom, da, du;
    sid_make_domain(7, 8, 9, &dom);
    sid_compose(&dom, SID_RID_DOMAIN_ADMINS, &da);
    sid_compose(&dom, SID_RID_DOMAIN_USERS, &du);
    UNIT_ASSERT_STATUS(machine_join_domain(m, &dom), STATUS_SUCCESS);
    struct sid got[8];
    size_t n;
    UNIT_ASSERT_STATUS(sam_memberships(machine_sam(m), &da, 1, got, 8, &n), STATUS_SUCCESS);
    CU_ASSERT_TRUE(n == 1 && sid_equal(&got[0], sid_wellknown(SID_WK_ADMINISTRATORS)));
    UNIT_ASSERT_STATUS(sam_memberships(machine_sam(m), &du, 1, got, 8, &n), STATUS_SUCCESS);
    CU_ASSERT_TRUE(n == 1 && sid_equal(&got[0], sid_wellknown(SID_WK_USERS)));
    machine_free(m);
    CU_ASSERT_FATAL(machine_create("SOLO", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &m) == 0);
    UNIT_ASSERT_STATUS(machine_join_domain(m, &dom), STATUS_INVALID_PARAMETER);
    machine_free(m);
}

/* The one NetBIOS name check (issue 13 item 7) that machine.c and lab.c share. */
static void test_name_valid(void)
{
    CU_ASSERT_TRUE(machine_name_valid("EXCHSRV", MACHINE_NAME_MAX));
    CU_ASSERT_TRUE(machine_name_valid("a-b_9", MACHINE_NAME_MAX));
    CU_ASSERT_TRUE(machine_name_valid("ABCDEFGHIJKLMNO", MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid("ABCDEFGHIJKLMNOP", MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid("", MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid(NULL, MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid("..", MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid("a/b", MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid("a b", MACHINE_NAME_MAX));
    CU_ASSERT_FALSE(machine_name_valid("CORP", 3));
}

void suite_machine(void)
{
    UNIT_SUITE("machine", UNIT_TEST(test_roles), UNIT_TEST(test_create),
               UNIT_TEST(test_create_errors), UNIT_TEST(test_derived_sid),
               UNIT_TEST(test_init_dir_and_load), UNIT_TEST(test_policy_names),
               UNIT_TEST(test_bad_conf), UNIT_TEST(test_conf_settings_kept),
               UNIT_TEST(test_lone_dc_dir), UNIT_TEST(test_resolve_and_names),
               UNIT_TEST(test_resolve_in_lab), UNIT_TEST(test_audit), UNIT_TEST(test_join_domain),
               UNIT_TEST(test_name_valid));
}

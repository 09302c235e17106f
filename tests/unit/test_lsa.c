#include "emulator/lsa.h"
#include "src/lib/afile.h"
#include "src/lib/embed.h"
#include "src/lib/filelock.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define HDR "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"

static struct sid S(const char *s)
{
    struct sid r;
    CU_ASSERT_EQUAL_FATAL(sid_parse(s, &r, NULL), 0);
    return r;
}

/* A tiny SAM: EXCH\Exchsvc = ...-1000, EXCH\alice = ...-1001. */
static bool fake_name_to_sid(void *arg, const char *name, struct sid *out)
{
    (void)arg;
    const char *n = strchr(name, '\\') ? strchr(name, '\\') + 1 : name;
    if (str_ieq(n, "Exchsvc"))
        *out = S("S-1-5-21-1-2-3-1000");
    else if (str_ieq(n, "alice"))
        *out = S("S-1-5-21-1-2-3-1001");
    else
        return false;
    return true;
}

static bool fake_sid_to_name(void *arg, const struct sid *sid, char *out, size_t n)
{
    (void)arg;
    struct sid a = S("S-1-5-21-1-2-3-1000");
    if (!sid_equal(sid, &a))
        return false;
    str_copy(out, n, "EXCH\\Exchsvc");
    return true;
}

static const struct lsa_names fake_names = {fake_name_to_sid, fake_sid_to_name, NULL};

static char *path_in(const char *dir, const char *name)
{
    static char p[4][512];
    static unsigned k;
    char *r = p[k++ % 4];
    snprintf(r, 512, "%s/%s", dir, name);
    return r;
}

static void put(const char *path, const char *text)
{
    CU_ASSERT_EQUAL_FATAL(afile_write(path, text, strlen(text), 0600), 0);
}

static char *slurp(const char *path, size_t *len)
{
    char *d = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(afile_read(path, 1 << 20, &d, &n), 0);
    if (len)
        *len = n;
    return d;
}

static const struct sid *admins(void)
{
    return sid_wellknown(SID_WK_ADMINISTRATORS);
}

static void open_admin(struct lsa *l, struct lsa_handle *h)
{
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(l, admins(), 1, POLICY_ALL_ACCESS, h), STATUS_SUCCESS);
}

static void test_open_access(void)
{
    struct lsa *l;
    UNIT_ASSERT_STATUS_FATAL(lsa_create(OSVER_NT4, &l), STATUS_SUCCESS);
    struct sid user[3] = {S("S-1-5-21-1-2-3-1001"), *sid_wellknown(SID_WK_EVERYONE),
                          *sid_wellknown(SID_WK_USERS)};
    struct lsa_handle h;
    UNIT_ASSERT_STATUS(lsa_open_policy(l, user, 3, POLICY_ALL_ACCESS, &h), STATUS_ACCESS_DENIED);
    CU_ASSERT_FALSE(h.open);
    UNIT_ASSERT_STATUS(lsa_open_policy(l, user, 3, POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES, &h),
                       STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(lsa_open_policy(l, user, 3, 0x00010000u /* DELETE */, &h),
                       STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(lsa_open_policy(l, user, 3, 0x10000000u, &h), STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(lsa_open_policy(NULL, user, 3, POLICY_LOOKUP_NAMES, &h),
                       STATUS_INVALID_HANDLE);
    /* Read access is fine for anyone, but cannot write. */
    UNIT_ASSERT_STATUS_FATAL(
        lsa_open_policy(l, user, 3, POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION, &h),
        STATUS_SUCCESS);
    const char *tcb[] = {"SeTcbPrivilege"};
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &user[0], tcb, 1), STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &user[0], true, NULL, 0),
                       STATUS_ACCESS_DENIED);
    CU_ASSERT_EQUAL(lsa_account_count(l), 0u);
    lsa_close(&h);
    CU_ASSERT_FALSE(h.open);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &user[0], tcb, 1), STATUS_INVALID_HANDLE);
    rights_mask m;
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &user[0], &m), STATUS_INVALID_HANDLE);
    /* A handle without LOOKUP_NAMES cannot enumerate. */
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(l, user, 3, POLICY_VIEW_LOCAL_INFORMATION, &h),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &user[0], &m), STATUS_ACCESS_DENIED);
    /* Administrators or SYSTEM get write access. */
    struct sid adm[2] = {user[0], *admins()};
    UNIT_ASSERT_STATUS(lsa_open_policy(l, adm, 2, POLICY_ALL_ACCESS, &h), STATUS_SUCCESS);
    CU_ASSERT_TRUE(h.open);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &user[0], tcb, 1), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_open_policy(l, sid_wellknown(SID_WK_SYSTEM), 1, POLICY_ALL_ACCESS, &h),
                       STATUS_SUCCESS);
    lsa_free(l);
}

static void test_add_remove_enumerate(void)
{
    struct lsa *l;
    UNIT_ASSERT_STATUS_FATAL(lsa_create(OSVER_NT4, &l), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_os(l), OSVER_NT4);
    struct lsa_handle h;
    open_admin(l, &h);
    struct sid svc = S("S-1-5-21-1-2-3-1000");
    const char *good[] = {"SeTcbPrivilege", "SeServiceLogonRight"};
    const char *bad[] = {"SeTcbPrivilege", "SeFrobPrivilege"};
    const char *deny[] = {"SeDenyNetworkLogonRight"};
    rights_mask m = 0;
    /* Unknown right: whole call fails, nothing created. */
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &svc, bad, 2), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &svc, deny, 1), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &svc, good, 0), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &svc, &m), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_EQUAL(lsa_account_count(l), 0u);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &svc, good, 2), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &svc, &m), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(m, RIGHTS_BIT(RI_TCB) | RIGHTS_BIT(RI_SERVICE_LOGON));
    CU_ASSERT_EQUAL(lsa_account_count(l), 1u);
    /* Failing add on an existing account changes nothing either. */
    UNIT_ASSERT_STATUS(
        lsa_add_account_rights(&h, &svc, (const char *[]){"SeDebugPrivilege", "x"}, 2),
        STATUS_NO_SUCH_PRIVILEGE);
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &svc), RIGHTS_BIT(RI_TCB) | RIGHTS_BIT(RI_SERVICE_LOGON));
    /* Remove: bad arguments. */
    struct sid nobody = S("S-1-5-21-1-2-3-1999");
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc, false, NULL, 0),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc, false, bad, 2),
                       STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &nobody, false, good, 1),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &nobody, true, NULL, 0),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    /* Not held: ignored. */
    UNIT_ASSERT_STATUS(
        lsa_remove_account_rights(&h, &svc, false, (const char *[]){"SeDebugPrivilege"}, 1),
        STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &svc), RIGHTS_BIT(RI_TCB) | RIGHTS_BIT(RI_SERVICE_LOGON));
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc, false, good, 1), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &svc), RIGHTS_BIT(RI_SERVICE_LOGON));
    /* Removing the last right deletes the account object. */
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc, false, good + 1, 1), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &svc, &m), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_EQUAL(lsa_account_count(l), 0u);
    /* all=true removes everything and deletes the object; rights ignored. */
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &svc, good, 2), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc, true, bad, 2), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &svc, &m), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_EQUAL(lsa_account_count(l), 0u);

    /* Enumerate accounts with a right. */
    struct sid *v = (struct sid *)1;
    size_t n = 99;
    UNIT_ASSERT_STATUS(lsa_enumerate_accounts_with_right(&h, "SeTcbPrivilege", &v, &n),
                       STATUS_NO_MORE_ENTRIES);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_EQUAL(n, 0u);
    UNIT_ASSERT_STATUS(lsa_enumerate_accounts_with_right(&h, NULL, &v, &n), STATUS_NO_MORE_ENTRIES);
    UNIT_ASSERT_STATUS(lsa_enumerate_accounts_with_right(&h, "SeNope", &v, &n),
                       STATUS_NO_SUCH_PRIVILEGE);
    const char *tcb[] = {"SeTcbPrivilege"};
    const char *net[] = {"SeNetworkLogonRight"};
    struct sid a = S("S-1-5-21-1-2-3-1001");
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &a, tcb, 1), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &svc, tcb, 1), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, sid_wellknown(SID_WK_EVERYONE), net, 1),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lsa_enumerate_accounts_with_right(&h, "SeTcbPrivilege", &v, &n),
                             STATUS_SUCCESS);
    CU_ASSERT_EQUAL_FATAL(n, 2u);
    CU_ASSERT_TRUE(sid_equal(&v[0], &svc));
    CU_ASSERT_TRUE(sid_equal(&v[1], &a));
    free(v);
    UNIT_ASSERT_STATUS_FATAL(lsa_enumerate_accounts_with_right(&h, NULL, &v, &n), STATUS_SUCCESS);
    CU_ASSERT_EQUAL_FATAL(n, 3u);
    CU_ASSERT_TRUE(sid_equal(&v[0], sid_wellknown(SID_WK_EVERYONE)));
    free(v);
    /* Effective rights over user + groups. */
    struct sid tok[3] = {S("S-1-5-21-1-2-3-1002"), *sid_wellknown(SID_WK_EVERYONE), *sid_wellknown(SID_WK_USERS)};
    CU_ASSERT_EQUAL(lsa_effective_rights(l, tok, 3), RIGHTS_BIT(RI_NETWORK_LOGON));
    tok[0] = a;
    CU_ASSERT_EQUAL(lsa_effective_rights(l, tok, 3), RIGHTS_BIT(RI_NETWORK_LOGON) | RIGHTS_BIT(RI_TCB));
    CU_ASSERT_EQUAL(lsa_effective_rights(l, tok, 0), 0u);
    lsa_free(l);
}

static void test_lookup(void)
{
    struct lsa *l;
    UNIT_ASSERT_STATUS_FATAL(lsa_create(OSVER_NT4, &l), STATUS_SUCCESS);
    struct lsa_handle h;
    open_admin(l, &h);
    const char *names[] = {"EXCH\\Exchsvc", "Administrators", "nobody"};
    struct sid sids[3];
    bool mapped[3];
    /* Without a names provider only well-known names resolve. */
    UNIT_ASSERT_STATUS(lsa_lookup_names(&h, names, 1, sids, mapped), STATUS_NONE_MAPPED);
    CU_ASSERT_FALSE(mapped[0]);
    lsa_set_names(l, &fake_names);
    UNIT_ASSERT_STATUS(lsa_lookup_names(&h, names, 2, sids, mapped), STATUS_SUCCESS);
    CU_ASSERT_TRUE(mapped[0] && mapped[1]);
    CU_ASSERT_TRUE(sid_equal(&sids[1], admins()));
    struct sid svc = S("S-1-5-21-1-2-3-1000");
    CU_ASSERT_TRUE(sid_equal(&sids[0], &svc));
    UNIT_ASSERT_STATUS(lsa_lookup_names(&h, names, 3, sids, mapped), STATUS_SOME_NOT_MAPPED);
    CU_ASSERT_FALSE(mapped[2]);
    UNIT_ASSERT_STATUS(lsa_lookup_names(&h, names + 2, 1, sids, mapped), STATUS_NONE_MAPPED);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_SOME_NOT_MAPPED), 1301u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_NONE_MAPPED), 1332u);

    struct sid q[3] = {svc, *sid_wellknown(SID_WK_SYSTEM), S("S-1-5-21-9-9-9-1234")};
    char out[3][64];
    UNIT_ASSERT_STATUS(lsa_lookup_sids(&h, q, 3, &out[0][0], 64, mapped), STATUS_SOME_NOT_MAPPED);
    CU_ASSERT_TRUE(mapped[0] && mapped[1] && !mapped[2]);
    CU_ASSERT_STRING_EQUAL(out[0], "EXCH\\Exchsvc");
    CU_ASSERT_STRING_EQUAL(out[1], "NT AUTHORITY\\SYSTEM");
    CU_ASSERT_STRING_EQUAL(out[2], "S-1-5-21-9-9-9-1234");
    UNIT_ASSERT_STATUS(lsa_lookup_sids(&h, q, 2, &out[0][0], 64, mapped), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_lookup_sids(&h, q + 2, 1, &out[0][0], 64, mapped), STATUS_NONE_MAPPED);
    /* Lookups need POLICY_LOOKUP_NAMES. */
    struct lsa_handle ro;
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(l, NULL, 0, POLICY_VIEW_LOCAL_INFORMATION, &ro),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_lookup_names(&ro, names, 1, sids, mapped), STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(lsa_lookup_sids(&ro, q, 1, &out[0][0], 64, mapped), STATUS_ACCESS_DENIED);
    lsa_free(l);
}

static void test_durable_and_names(void)
{
    const char *dir = unit_tmpdir();
    const char *p = path_in(dir, "policy.inf");
    struct lsa *l;
    char err[256];
    UNIT_ASSERT_STATUS(lsa_load(p, OSVER_NT4, NULL, &l, err, sizeof err),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_PTR_NULL(l);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such file"));
    put(p, HDR "[System Access]\r\nMaximumPasswordAge = 42\r\nLockoutBadCount = 0\r\n"
               "[Privilege Rights]\r\nSeTcbPrivilege = EXCH\\Exchsvc,Ghost\r\n"
               "SeNetworkLogonRight = *S-1-1-0\r\n[Registry Values]\r\nMACHINE\\X=4,1\r\n");
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, &fake_names, &l, err, sizeof err),
                             STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(lsa_path(l), p);
    struct sid svc = S("S-1-5-21-1-2-3-1000");
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &svc), RIGHTS_BIT(RI_TCB));
    CU_ASSERT_EQUAL(lsa_sysaccess(l)->max_password_age, 42);
    CU_ASSERT_EQUAL(lsa_sysaccess(l)->min_password_age, -1);
    struct lsa_handle h;
    open_admin(l, &h);
    struct sid alice = S("S-1-5-21-1-2-3-1001");
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &alice, (const char *[]){"SeBatchLogonRight"}, 1),
                       STATUS_SUCCESS);
    char *text = slurp(p, NULL);
    CU_ASSERT_STRING_EQUAL(text, HDR "[System Access]\r\nMaximumPasswordAge = 42\r\nLockoutBadCount = 0\r\n"
                                     "[Privilege Rights]\r\nSeTcbPrivilege = *S-1-5-21-1-2-3-1000,Ghost\r\n"
                                     "SeNetworkLogonRight = *S-1-1-0\r\n"
                                     "SeBatchLogonRight = *S-1-5-21-1-2-3-1001\r\n"
                                     "[Registry Values]\r\nMACHINE\\X=4,1\r\n");
    free(text);
    /* Visible on reload (without names: the SIDs are written as SIDs). */
    struct lsa *l2;
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &l2, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(l2, &alice), RIGHTS_BIT(RI_BATCH_LOGON));
    CU_ASSERT_EQUAL(lsa_sid_rights(l2, &svc), RIGHTS_BIT(RI_TCB));
    CU_ASSERT_EQUAL(lsa_account_count(l2), 3u);
    lsa_free(l2);
    /* [System Access]: invalid value refused; -1 unsets where -1 is not a value. */
    struct lsa_sysaccess sa = *lsa_sysaccess(l);
    sa.min_password_length = 15;
    UNIT_ASSERT_STATUS(lsa_set_sysaccess(l, &sa), STATUS_INVALID_PARAMETER);
    sa.min_password_length = 8;
    sa.lockout_bad_count = 5;
    sa.reset_lockout_count = 30;
    sa.lockout_duration = -1;
    UNIT_ASSERT_STATUS(lsa_set_sysaccess(l, &sa), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &l2, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sysaccess(l2)->min_password_length, 8);
    CU_ASSERT_EQUAL(lsa_sysaccess(l2)->lockout_bad_count, 5);
    CU_ASSERT_EQUAL(lsa_sysaccess(l2)->lockout_duration, -1);
    CU_ASSERT_EQUAL(lsa_sysaccess(l2)->min_password_age, -1);
    lsa_free(l2);
    text = slurp(p, NULL);
    /* -1 on a key that was not set leaves it unset... */
    CU_ASSERT_PTR_NULL(strstr(text, "LockoutDuration"));
    CU_ASSERT_PTR_NULL(strstr(text, "MinimumPasswordAge"));
    free(text);
    /* ...but -1 is a value ("until an admin unlocks") once the key is set. */
    sa.lockout_duration = 30;
    UNIT_ASSERT_STATUS(lsa_set_sysaccess(l, &sa), STATUS_SUCCESS);
    sa.lockout_duration = -1;
    UNIT_ASSERT_STATUS(lsa_set_sysaccess(l, &sa), STATUS_SUCCESS);
    text = slurp(p, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "LockoutDuration = -1\r\n"));
    free(text);
    sa.min_password_length = -1;
    UNIT_ASSERT_STATUS(lsa_set_sysaccess(l, &sa), STATUS_SUCCESS);
    text = slurp(p, NULL);
    CU_ASSERT_PTR_NULL(strstr(text, "MinimumPasswordLength"));
    free(text);
    lsa_free(l);
    unit_rmtree(dir);
}

static void test_utf16_file(void)
{
    const char *dir = unit_tmpdir();
    const char *p = path_in(dir, "policy.inf");
    const char *t = HDR "[Privilege Rights]\r\nSeTcbPrivilege = *S-1-5-21-1-2-3-1000\r\n";
    size_t n = strlen(t);
    char *u = malloc(2 + 2 * n);
    u[0] = (char)0xFF;
    u[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        u[2 + 2 * i] = t[i];
        u[3 + 2 * i] = 0;
    }
    CU_ASSERT_EQUAL_FATAL(afile_write(p, u, 2 + 2 * n, 0600), 0);
    free(u);
    struct lsa *l;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &l, err, sizeof err), STATUS_SUCCESS);
    struct sid svc = S("S-1-5-21-1-2-3-1000");
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &svc), RIGHTS_BIT(RI_TCB));
    lsa_free(l);
    unit_rmtree(dir);
}

static void test_malformed_untouched(void)
{
    const char *dir = unit_tmpdir();
    const char *p = path_in(dir, "policy.inf");
    const char *bad = HDR "[Privilege Rights]\r\nSeTcbPrivilege = *S-1-5-21-x\r\n";
    put(p, bad);
    struct lsa *l = (struct lsa *)1;
    char err[256];
    UNIT_ASSERT_STATUS(lsa_load(p, OSVER_NT4, NULL, &l, err, sizeof err),
                       STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT_PTR_NULL(l);
    char want[600];
    snprintf(want, sizeof want, "%s:7: malformed SID \"*S-1-5-21-x\": non-numeric sub-authority field", p);
    CU_ASSERT_STRING_EQUAL(err, want);
    /* A right this OS lacks. */
    put(p, HDR "[Privilege Rights]\r\nSeUndockPrivilege = *S-1-1-0\r\n");
    UNIT_ASSERT_STATUS(lsa_load(p, OSVER_NT4, NULL, &l, err, sizeof err), STATUS_NO_SUCH_PRIVILEGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":7: right SeUndockPrivilege does not exist on Windows NT 4.0"));

    /* Good file loaded; then someone breaks it on disk: our mutation fails,
     * memory is unchanged and the file is left byte-identical. */
    put(p, HDR "[Privilege Rights]\r\nSeTcbPrivilege = *S-1-5-21-1-2-3-1000\r\n");
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &l, err, sizeof err), STATUS_SUCCESS);
    put(p, bad);
    struct lsa_handle h;
    open_admin(l, &h);
    struct sid a = S("S-1-5-21-1-2-3-1001");
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &a, (const char *[]){"SeTcbPrivilege"}, 1),
                       STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT_PTR_NOT_NULL(strstr(lsa_last_error(l), ":7: malformed SID"));
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &a), 0u);
    CU_ASSERT_EQUAL(lsa_account_count(l), 1u);
    struct sid svc = S("S-1-5-21-1-2-3-1000");
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, &svc, true, NULL, 0),
                       STATUS_INTERNAL_DB_CORRUPTION);
    struct lsa_sysaccess sa = *lsa_sysaccess(l);
    sa.lockout_bad_count = 3;
    UNIT_ASSERT_STATUS(lsa_set_sysaccess(l, &sa), STATUS_INTERNAL_DB_CORRUPTION);
    rights_mask m;
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&h, &svc, &m), STATUS_INTERNAL_DB_CORRUPTION);
    UNIT_ASSERT_STATUS(lsa_refresh(l), STATUS_INTERNAL_DB_CORRUPTION);
    size_t len;
    char *now = slurp(p, &len);
    CU_ASSERT_EQUAL(len, strlen(bad));
    CU_ASSERT_EQUAL(memcmp(now, bad, len), 0);
    free(now);
    /* A right the OS lacks, written by someone else, is corruption too. */
    put(p, HDR "[Privilege Rights]\r\nSeUndockPrivilege = *S-1-1-0\r\n");
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &a, (const char *[]){"SeTcbPrivilege"}, 1),
                       STATUS_INTERNAL_DB_CORRUPTION);
    lsa_free(l);
    unit_rmtree(dir);
}

static void test_lock_and_concurrent_writer(void)
{
    const char *dir = unit_tmpdir();
    const char *p = path_in(dir, "policy.inf");
    const char *lockp = path_in(dir, "policy.inf.lock");
    put(p, HDR "[Privilege Rights]\r\n");
    struct lsa *a, *b;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &a, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &b, err, sizeof err), STATUS_SUCCESS);
    struct lsa_handle ha, hb;
    open_admin(a, &ha);
    open_admin(b, &hb);
    struct sid s1 = S("S-1-5-21-1-2-3-1000"), s2 = S("S-1-5-21-1-2-3-1001");
    const char *tcb[] = {"SeTcbPrivilege"};

    /* Another writer holds the lock (its own open file description). */
    struct filelock other;
    CU_ASSERT_EQUAL_FATAL(filelock_acquire(&other, lockp, false), 0);
    size_t len0;
    char *before = slurp(p, &len0);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&ha, &s1, tcb, 1), STATUS_SHARING_VIOLATION);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_SHARING_VIOLATION), 32u);
    CU_ASSERT_EQUAL(lsa_sid_rights(a, &s1), 0u);
    UNIT_ASSERT_STATUS(lsa_save_as(a, p), STATUS_SHARING_VIOLATION);
    size_t len1;
    char *after = slurp(p, &len1);
    CU_ASSERT_TRUE(len0 == len1 && memcmp(before, after, len0) == 0);
    free(before);
    free(after);
    filelock_release(&other);

    /* a and b both write; neither loses the other's change. */
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&ha, &s1, tcb, 1), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&hb, &s2, tcb, 1), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(b, &s1), RIGHTS_BIT(RI_TCB)); /* b re-read before writing */
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&ha, &s1, true, NULL, 0), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(a, &s2), RIGHTS_BIT(RI_TCB));
    struct lsa *c;
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &c, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(c, &s1), 0u);
    CU_ASSERT_EQUAL(lsa_sid_rights(c, &s2), RIGHTS_BIT(RI_TCB));
    lsa_free(c);
    /* A reader sees another writer's change after a refresh. */
    rights_mask m;
    CU_ASSERT_EQUAL(lsa_sid_rights(b, &s1), RIGHTS_BIT(RI_TCB)); /* stale */
    UNIT_ASSERT_STATUS(lsa_enumerate_account_rights(&hb, &s1, &m), STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_EQUAL(lsa_sid_rights(b, &s1), 0u);
    lsa_free(a);
    lsa_free(b);
    unit_rmtree(dir);
}

static void test_failed_write_keeps_memory(void)
{
    const char *dir = unit_tmpdir();
    const char *p = path_in(dir, "policy.inf");
    put(p, HDR "[Privilege Rights]\r\nSeTcbPrivilege = *S-1-5-21-1-2-3-1000\r\n");
    struct lsa *l;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(lsa_load(p, OSVER_NT4, NULL, &l, err, sizeof err), STATUS_SUCCESS);
    struct lsa_handle h;
    open_admin(l, &h);
    struct sid s1 = S("S-1-5-21-1-2-3-1000"), s2 = S("S-1-5-21-1-2-3-1001");
    /* Make every file write beyond 64 bytes fail (EFBIG). */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 64;
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ntstatus add = lsa_add_account_rights(&h, &s2, (const char *[]){"SeDebugPrivilege"}, 1);
    ntstatus rm = lsa_remove_account_rights(&h, &s1, true, NULL, 0);
    struct lsa_sysaccess sa = *lsa_sysaccess(l);
    sa.lockout_bad_count = 3;
    ntstatus ss = lsa_set_sysaccess(l, &sa);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    UNIT_ASSERT_STATUS(add, STATUS_IO_DEVICE_ERROR);
    UNIT_ASSERT_STATUS(rm, STATUS_IO_DEVICE_ERROR);
    UNIT_ASSERT_STATUS(ss, STATUS_IO_DEVICE_ERROR);
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &s2), 0u);
    CU_ASSERT_EQUAL(lsa_sid_rights(l, &s1), RIGHTS_BIT(RI_TCB));
    CU_ASSERT_EQUAL(lsa_sysaccess(l)->lockout_bad_count, -1);
    CU_ASSERT_NOT_EQUAL(lsa_last_error(l)[0], '\0');
    /* And it works again afterwards. */
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &s2, (const char *[]){"SeDebugPrivilege"}, 1),
                       STATUS_SUCCESS);
    lsa_free(l);
    unit_rmtree(dir);
}

static void test_save_as_and_mem(void)
{
    const char *dir = unit_tmpdir();
    const char *p = path_in(dir, "new.inf");
    struct lsa *l;
    UNIT_ASSERT_STATUS_FATAL(lsa_create(OSVER_W2K, &l), STATUS_SUCCESS);
    CU_ASSERT_PTR_NULL(lsa_path(l));
    UNIT_ASSERT_STATUS(lsa_refresh(l), STATUS_SUCCESS);
    struct lsa_handle h;
    open_admin(l, &h);
    const char *r[] = {"SeDenyNetworkLogonRight"};
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, sid_wellknown(SID_WK_GUESTS), r, 1),
                       STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lsa_save_as(l, path_in(dir, "no/such/dir.inf")),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_PTR_NULL(lsa_path(l));
    UNIT_ASSERT_STATUS_FATAL(lsa_save_as(l, p), STATUS_SUCCESS);
    char *text = slurp(p, NULL);
    CU_ASSERT_STRING_EQUAL(text, HDR "[System Access]\r\n[Privilege Rights]\r\n"
                                     "SeDenyNetworkLogonRight = *S-1-5-32-546\r\n");
    struct lsa *m;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(
        lsa_load_mem("mem", text, strlen(text), OSVER_W2K, NULL, &m, err, sizeof err),
        STATUS_SUCCESS);
    CU_ASSERT_EQUAL(lsa_sid_rights(m, sid_wellknown(SID_WK_GUESTS)), RIGHTS_BIT(RI_DENY_NETWORK_LOGON));
    CU_ASSERT_PTR_NULL(lsa_path(m));
    lsa_free(m);
    UNIT_ASSERT_STATUS(
        lsa_load_mem("mem", text, strlen(text), OSVER_NT4, NULL, &m, err, sizeof err),
        STATUS_NO_SUCH_PRIVILEGE);
    CU_ASSERT_STRING_EQUAL(err, "mem:8: right SeDenyNetworkLogonRight does not exist on Windows NT 4.0");
    free(text);
    lsa_free(l);
    unit_rmtree(dir);
}

/* The hash table under many inserts and deletes agrees with a plain array. */
static void test_table_churn(void)
{
    struct lsa *l;
    UNIT_ASSERT_STATUS_FATAL(lsa_create(OSVER_NT4, &l), STATUS_SUCCESS);
    struct lsa_handle h;
    open_admin(l, &h);
    enum { N = 600 };
    static rights_mask ref[N];
    memset(ref, 0, sizeof ref);
    unsigned seed = 12345;
    const char *names[] = {"SeTcbPrivilege", "SeDebugPrivilege", "SeBatchLogonRight"};
    for (int step = 0; step < 6000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned i = (seed >> 8) % N, r = (seed >> 20) % 3;
        struct sid s;
        sid_compose(sid_wellknown(SID_WK_BUILTIN), i, &s);
        if ((seed >> 4) & 1) {
            UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &s, &names[r], 1), STATUS_SUCCESS);
            ref[i] |= RIGHTS_BIT(r == 0 ? RI_TCB : r == 1 ? RI_DEBUG : RI_BATCH_LOGON);
        } else {
            ntstatus st = lsa_remove_account_rights(&h, &s, (seed >> 5) & 1, &names[r], 1);
            UNIT_ASSERT_STATUS(st, ref[i] ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND);
            if ((seed >> 5) & 1)
                ref[i] = 0;
            else
                ref[i] &= ~RIGHTS_BIT(r == 0 ? RI_TCB : r == 1 ? RI_DEBUG : RI_BATCH_LOGON);
        }
    }
    size_t count = 0;
    for (unsigned i = 0; i < N; i++) {
        struct sid s;
        sid_compose(sid_wellknown(SID_WK_BUILTIN), i, &s);
        CU_ASSERT_EQUAL(lsa_sid_rights(l, &s), ref[i]);
        count += ref[i] != 0;
    }
    CU_ASSERT_EQUAL(lsa_account_count(l), count);
    lsa_free(l);
}

static struct lsa *load_template(const char *path, enum osver os, ntstatus want)
{
    const struct embed_file *f = embed_find(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct lsa *l = NULL;
    char err[256] = "";
    ntstatus st = lsa_load_mem(path, (const char *)f->data, f->len, os, NULL, &l, err, sizeof err);
    if (st != want)
        fprintf(stderr, "\n%s: %s\n", path, err);
    CU_ASSERT_EQUAL(st, want);
    return l;
}

static void test_default_templates(void)
{
    static const struct {
        const char *path;
        enum osver os;
    } t[] = {{"policies/nt4-member.inf", OSVER_NT4}, {"policies/nt4-dc.inf", OSVER_NT4},
             {"policies/w2k-member.inf", OSVER_W2K}, {"policies/w2k-dc.inf", OSVER_W2K},
             {"policies/xp-workstation.inf", OSVER_XP}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct lsa *l = load_template(t[i].path, t[i].os, STATUS_SUCCESS);
        if (!l)
            continue;
        struct lsa_handle h;
        open_admin(l, &h);
        struct sid *v;
        size_t n;
        /* No one holds TCB; Everyone bypasses traverse checking. */
        UNIT_ASSERT_STATUS(lsa_enumerate_accounts_with_right(&h, "SeTcbPrivilege", &v, &n),
                           STATUS_NO_MORE_ENTRIES);
        rights_mask every = lsa_sid_rights(l, sid_wellknown(SID_WK_EVERYONE));
        CU_ASSERT_TRUE(every & RIGHTS_BIT(RI_CHANGE_NOTIFY));
        CU_ASSERT_TRUE(every & RIGHTS_BIT(RI_NETWORK_LOGON));
        CU_ASSERT_TRUE(lsa_sid_rights(l, admins()) & RIGHTS_BIT(RI_NETWORK_LOGON));
        CU_ASSERT_EQUAL(lsa_sysaccess(l)->max_password_age, 42);
        CU_ASSERT_EQUAL(lsa_sysaccess(l)->lockout_bad_count, 0);
        lsa_free(l);
    }
    struct lsa *l = load_template("policies/nt4-member.inf", OSVER_NT4, STATUS_SUCCESS);
    if (l) {
        CU_ASSERT_TRUE(lsa_sid_rights(l, sid_wellknown(SID_WK_POWER_USERS)) & RIGHTS_BIT(RI_NETWORK_LOGON));
        CU_ASSERT_EQUAL(lsa_sid_rights(l, sid_wellknown(SID_WK_REPLICATOR)), 0u);
        lsa_free(l);
    }
    l = load_template("policies/nt4-dc.inf", OSVER_NT4, STATUS_SUCCESS);
    if (l) {
        CU_ASSERT_EQUAL(lsa_sid_rights(l, sid_wellknown(SID_WK_EVERYONE)),
                        RIGHTS_BIT(RI_NETWORK_LOGON) | RIGHTS_BIT(RI_CHANGE_NOTIFY));
        CU_ASSERT_EQUAL(lsa_sid_rights(l, sid_wellknown(SID_WK_POWER_USERS)), 0u);
        lsa_free(l);
    }
    /* Newer templates do not load on older systems. */
    CU_ASSERT_PTR_NULL(load_template("policies/w2k-dc.inf", OSVER_NT4, STATUS_NO_SUCH_PRIVILEGE));
    CU_ASSERT_PTR_NULL(load_template("policies/xp-workstation.inf", OSVER_W2K, STATUS_NO_SUCH_PRIVILEGE));
}

void suite_lsa(void)
{
    UNIT_SUITE("lsa", UNIT_TEST(test_open_access), UNIT_TEST(test_add_remove_enumerate),
               UNIT_TEST(test_lookup), UNIT_TEST(test_durable_and_names), UNIT_TEST(test_utf16_file),
               UNIT_TEST(test_malformed_untouched), UNIT_TEST(test_lock_and_concurrent_writer),
               UNIT_TEST(test_failed_write_keeps_memory), UNIT_TEST(test_save_as_and_mem),
               UNIT_TEST(test_table_churn), UNIT_TEST(test_default_templates));
}

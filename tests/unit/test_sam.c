/* The SAM: NT hashes, accounts and groups with NT's rules, memberships,
 * and sam.txt round trip and hostile input. */
#include "emulator/sam.h"
#include "src/lib/afile.h"
#include "src/lib/md4.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 899283600LL

static struct sid dom(void)
{
    struct sid d;
    sid_make_domain(11, 22, 33, &d);
    return d;
}

static struct sid rid_sid(const struct sam *s, uint32_t rid)
{
    struct sid r;
    sid_compose(sam_domain_sid(s), rid, &r);
    return r;
}

static void hash_hex(const char *pw, char out[33])
{
    uint8_t h[16];
    sam_nthash(pw, h);
    str_hex(h, 16, out);
}

static void test_nthash(void)
{
    char h[33];
    hash_hex("password", h);
    CU_ASSERT_STRING_EQUAL(h, "8846f7eaee8fb117ad06bdd830b7586c");
    hash_hex("", h);
    CU_ASSERT_STRING_EQUAL(h, "31d6cfe0d16ae931b73c59d7e0c089c0");
    /* non-ASCII: U+00E9 is one UTF-16 unit e9 00; U+1F600 a surrogate pair */
    uint8_t want[16], got[16];
    md4("\xe9\x00", 2, want);
    sam_nthash("\xc3\xa9", got);
    CU_ASSERT_EQUAL(memcmp(want, got, 16), 0);
    md4("\x3d\xd8\x00\xde", 4, want);
    sam_nthash("\xf0\x9f\x98\x80", got);
    CU_ASSERT_EQUAL(memcmp(want, got, 16), 0);
    /* an invalid byte hashes as U+FFFD */
    md4("a\x00\xfd\xff", 4, want);
    sam_nthash("a\xff", got);
    CU_ASSERT_EQUAL(memcmp(want, got, 16), 0);
    /* long passwords cross the internal chunk boundary */
    char longpw[201];
    memset(longpw, 'x', 200);
    longpw[200] = 0;
    uint8_t wide[400];
    for (int i = 0; i < 200; i++) {
        wide[2 * i] = 'x';
        wide[2 * i + 1] = 0;
    }
    md4(wide, sizeof wide, want);
    sam_nthash(longpw, got);
    CU_ASSERT_EQUAL(memcmp(want, got, 16), 0);
}

static void test_create_member(void)
{
    struct sid d = dom();
    struct sam *s;
    UNIT_ASSERT_STATUS_FATAL(sam_create("EXCHSRV", &d, false, "secret", T0, &s), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(sam_domain_name(s), "EXCHSRV");
    CU_ASSERT_TRUE(sid_equal(sam_domain_sid(s), &d));
    struct sam_user *admin = sam_user_find(s, "administrator");
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    CU_ASSERT_EQUAL(admin->rid, 500);
    CU_ASSERT_TRUE(sam_password_ok(admin, "secret"));
    CU_ASSERT_FALSE(sam_password_ok(admin, "Secret"));
    CU_ASSERT_EQUAL(admin->pwd_last_set, T0);
    struct sam_user *guest = sam_user_by_rid(s, 501);
    CU_ASSERT_PTR_NOT_NULL_FATAL(guest);
    CU_ASSERT_STRING_EQUAL(guest->name, "Guest");
    CU_ASSERT_TRUE(guest->flags & SAM_DISABLED);
    CU_ASSERT_TRUE(sam_password_ok(guest, ""));
    struct sam_group *admins = sam_group_find(s, "Administrators");
    CU_ASSERT_PTR_NOT_NULL_FATAL(admins);
    CU_ASSERT_TRUE(sid_equal(&admins->sid, sid_wellknown(SID_WK_ADMINISTRATORS)));
    CU_ASSERT_TRUE(admins->builtin);
    struct sid as = rid_sid(s, 500);
    CU_ASSERT_EQUAL(admins->nmembers, 1);
    CU_ASSERT_TRUE(sid_equal(&admins->members[0], &as));
    CU_ASSERT_PTR_NOT_NULL(sam_group_find(s, "Power Users"));
    CU_ASSERT_PTR_NULL(sam_group_find(s, "Server Operators"));
    CU_ASSERT_PTR_NULL(sam_group_find(s, "Domain Users"));
    for (size_t i = 0; i < sam_group_count(s); i++)
        CU_ASSERT_EQUAL(sam_group_at(s, i)->kind, SAM_GROUP_ALIAS);
    CU_ASSERT_PTR_NULL(sam_group_at(s, sam_group_count(s)));
    CU_ASSERT_EQUAL(sam_user_count(s), 2);
    CU_ASSERT_PTR_NULL(sam_user_at(s, 2));
    sam_free(s);

    /* bad parameters */
    UNIT_ASSERT_STATUS(sam_create("BAD\\NAME", &d, false, "x", T0, &s), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_create("MUCHTOOLONGANAME", &d, false, "x", T0, &s),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_create("", &d, false, "x", T0, &s), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_create("X", sid_wellknown(SID_WK_BUILTIN), false, "x", T0, &s),
                       STATUS_INVALID_PARAMETER);
    CU_ASSERT_PTR_NULL(s);
}

static void test_create_dc(void)
{
    struct sid d = dom();
    struct sam *s;
    UNIT_ASSERT_STATUS_FATAL(sam_create("CORP", &d, true, "secret", T0, &s), STATUS_SUCCESS);
    struct sam_group *da = sam_group_find(s, "Domain Admins");
    CU_ASSERT_PTR_NOT_NULL_FATAL(da);
    CU_ASSERT_EQUAL(da->kind, SAM_GROUP_GLOBAL);
    struct sid das = rid_sid(s, 512);
    CU_ASSERT_TRUE(sid_equal(&da->sid, &das));
    CU_ASSERT_PTR_NOT_NULL(sam_group_find(s, "Server Operators"));
    CU_ASSERT_PTR_NULL(sam_group_find(s, "Power Users"));
    /* Administrators holds Domain Admins, which holds Administrator */
    struct sam_group *admins = sam_group_find(s, "Administrators");
    CU_ASSERT_TRUE(admins->nmembers == 1 && sid_equal(&admins->members[0], &das));
    uint32_t rid;
    UNIT_ASSERT_STATUS(sam_user_add(s, "alice", "pw", T0, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1000);
    struct sid alice = rid_sid(s, 1000);
    struct sid got[16];
    size_t n;
    UNIT_ASSERT_STATUS(sam_memberships(s, &alice, 1, got, 16, &n), STATUS_SUCCESS);
    /* Domain Users directly, Users through it */
    CU_ASSERT_EQUAL(n, 2);
    struct sid du = rid_sid(s, 513);
    bool has_du = false, has_users = false;
    for (size_t i = 0; i < n; i++) {
        has_du |= sid_equal(&got[i], &du);
        has_users |= sid_equal(&got[i], sid_wellknown(SID_WK_USERS));
    }
    CU_ASSERT_TRUE(has_du && has_users);
    /* Administrator: Domain Admins, Domain Users, Administrators, Users */
    struct sid as = rid_sid(s, 500);
    UNIT_ASSERT_STATUS(sam_memberships(s, &as, 1, got, 16, &n), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(n, 4);
    /* overflow of the caller's array */
    UNIT_ASSERT_STATUS(sam_memberships(s, &as, 1, got, 3, &n), STATUS_NO_MEMORY);
    CU_ASSERT_EQUAL(n, 3);
    sam_free(s);
}

static void test_users(void)
{
    struct sid d = dom();
    struct sam *s;
    UNIT_ASSERT_STATUS_FATAL(sam_create("EXCHSRV", &d, false, "secret", T0, &s), STATUS_SUCCESS);
    uint32_t rid = 0;
    UNIT_ASSERT_STATUS(sam_user_add(s, "alice", "Pa55", T0 + 5, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1000);
    UNIT_ASSERT_STATUS(sam_user_add(s, "ALICE", "x", T0, NULL), STATUS_USER_EXISTS);
    UNIT_ASSERT_STATUS(sam_user_add(s, "users", "x", T0, NULL), STATUS_GROUP_EXISTS);
    static const char *bad[] = {"", "a/b", "a\\b", "a[b", "a]b", "a:b", "a;b", "a|b", "a=b",
                                "a,b", "a+b", "a*b", "a?b", "a<b", "a>b", "a\"b", "a\tb",
                                "...", " . ", "abcdefghijklmnopqrstu", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        UNIT_ASSERT_STATUS(sam_user_add(s, bad[i], "x", T0, NULL), STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_user_add(s, "abcdefghijklmnopqrst", "x", T0, NULL), STATUS_SUCCESS);
    char longpw[SAM_PASSWORD_MAX + 2];
    memset(longpw, 'p', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = 0;
    UNIT_ASSERT_STATUS(sam_user_add(s, "bob", longpw, T0, NULL), STATUS_INVALID_PARAMETER);
    longpw[SAM_PASSWORD_MAX] = 0;
    UNIT_ASSERT_STATUS(sam_user_add(s, "bob", longpw, T0, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1002);
    CU_ASSERT_TRUE(sam_password_ok(sam_user_find(s, "BOB"), longpw));

    struct sam_user *a = sam_user_find(s, "Alice");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a->pwd_last_set, T0 + 5);
    CU_ASSERT_TRUE(sam_password_ok(a, "Pa55"));
    CU_ASSERT_FALSE(sam_password_ok(a, "pa55"));
    CU_ASSERT_FALSE(sam_password_ok(a, NULL));
    for (int i = 0; i < 21; i++)
        CU_ASSERT_EQUAL(a->logon_hours[i], 0xFF);
    /* new users join Users */
    struct sid as = rid_sid(s, 1000);
    struct sid got[8];
    size_t n;
    UNIT_ASSERT_STATUS(sam_memberships(s, &as, 1, got, 8, &n), STATUS_SUCCESS);
    CU_ASSERT_TRUE(n == 1 && sid_equal(&got[0], sid_wellknown(SID_WK_USERS)));

    UNIT_ASSERT_STATUS(sam_set_password(s, "alice", "new", T0 + 99), STATUS_SUCCESS);
    a = sam_user_find(s, "alice");
    CU_ASSERT_TRUE(sam_password_ok(a, "new"));
    CU_ASSERT_EQUAL(a->pwd_last_set, T0 + 99);
    UNIT_ASSERT_STATUS(sam_set_password(s, "nobody", "new", T0), STATUS_NO_SUCH_USER);
    UNIT_ASSERT_STATUS(sam_set_password(s, "alice", longpw, T0), STATUS_SUCCESS);

    /* lookups */
    struct sid sid;
    bool is_group = true;
    CU_ASSERT_TRUE(sam_lookup_name(s, "alice", &sid, &is_group));
    CU_ASSERT_TRUE(sid_equal(&sid, &as));
    CU_ASSERT_FALSE(is_group);
    CU_ASSERT_TRUE(sam_lookup_name(s, "administrators", &sid, &is_group));
    CU_ASSERT_TRUE(is_group);
    CU_ASSERT_FALSE(sam_lookup_name(s, "nobody", &sid, &is_group));
    const char *name;
    CU_ASSERT_TRUE(sam_lookup_sid(s, &as, &name, &is_group));
    CU_ASSERT_STRING_EQUAL(name, "alice");
    CU_ASSERT_TRUE(sam_lookup_sid(s, sid_wellknown(SID_WK_GUESTS), &name, &is_group));
    CU_ASSERT_STRING_EQUAL(name, "Guests");
    struct sid unknown = rid_sid(s, 4242);
    CU_ASSERT_FALSE(sam_lookup_sid(s, &unknown, &name, &is_group));

    /* delete: memberships go too; RIDs are not reused */
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Administrators", &as), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_user_del(s, "ALICE"), STATUS_SUCCESS);
    CU_ASSERT_PTR_NULL(sam_user_find(s, "alice"));
    CU_ASSERT_PTR_NULL(sam_user_by_rid(s, 1000));
    CU_ASSERT_EQUAL(sam_group_find(s, "Administrators")->nmembers, 1);
    CU_ASSERT_EQUAL(sam_group_find(s, "Users")->nmembers, 2);
    UNIT_ASSERT_STATUS(sam_user_del(s, "alice"), STATUS_NO_SUCH_USER);
    UNIT_ASSERT_STATUS(sam_user_del(s, "Administrator"), STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(sam_user_del(s, "guest"), STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(sam_user_add(s, "carol", "x", T0, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1003);
    CU_ASSERT_PTR_NOT_NULL(sam_user_find(s, "bob")); /* indexes rebuilt after the move */
    CU_ASSERT_EQUAL(sam_user_find(s, "bob")->rid, 1002);
    CU_ASSERT_EQUAL(sam_user_by_rid(s, 1003), sam_user_find(s, "carol"));
    sam_free(s);
}

static void test_groups(void)
{
    struct sid d = dom();
    struct sam *s;
    UNIT_ASSERT_STATUS_FATAL(sam_create("EXCHSRV", &d, false, "secret", T0, &s), STATUS_SUCCESS);
    uint32_t rid;
    UNIT_ASSERT_STATUS(sam_user_add(s, "alice", "x", T0, &rid), STATUS_SUCCESS);
    struct sid alice = rid_sid(s, rid);
    UNIT_ASSERT_STATUS(sam_group_add(s, "Mail Admins", SAM_GROUP_ALIAS, "mail"), STATUS_SUCCESS);
    struct sam_group *g = sam_group_find(s, "mail admins");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    struct sid gs = rid_sid(s, 1001);
    CU_ASSERT_TRUE(sid_equal(&g->sid, &gs));
    CU_ASSERT_FALSE(g->builtin);
    CU_ASSERT_EQUAL(sam_group_by_sid(s, &gs), g);
    UNIT_ASSERT_STATUS(sam_group_add(s, "MAIL ADMINS", SAM_GROUP_ALIAS, NULL), STATUS_GROUP_EXISTS);
    UNIT_ASSERT_STATUS(sam_group_add(s, "Alice", SAM_GROUP_ALIAS, NULL), STATUS_USER_EXISTS);
    UNIT_ASSERT_STATUS(sam_group_add(s, "Globals", SAM_GROUP_GLOBAL, NULL),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_group_add(s, "a*b", SAM_GROUP_ALIAS, NULL), STATUS_INVALID_PARAMETER);

    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Admins", &alice), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Admins", &alice), STATUS_MEMBER_IN_GROUP);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "No Such", &alice), STATUS_NO_SUCH_GROUP);
    /* an alias cannot hold an alias, nor itself */
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Admins", sid_wellknown(SID_WK_USERS)),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Administrators", &gs), STATUS_INVALID_PARAMETER);
    /* a RID of this domain naming nothing */
    struct sid ghost = rid_sid(s, 7777);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Administrators", &ghost), STATUS_NO_SUCH_USER);
    /* a foreign SID (a domain group) and a well-known one are fine */
    struct sid other, corp_da;
    sid_make_domain(7, 8, 9, &other);
    sid_compose(&other, 512, &corp_da);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Administrators", &corp_da), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Users", sid_wellknown(SID_WK_AUTHENTICATED_USERS)),
                       STATUS_SUCCESS);

    /* memberships of alice plus a foreign global group she is in */
    struct sid in[2] = {alice, corp_da}, got[8];
    size_t n;
    UNIT_ASSERT_STATUS(sam_memberships(s, in, 2, got, 8, &n), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(n, 3); /* Administrators, Users, Mail Admins */

    UNIT_ASSERT_STATUS(sam_group_remove_member(s, "Mail Admins", &alice), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_remove_member(s, "Mail Admins", &alice),
                       STATUS_MEMBER_NOT_IN_GROUP);
    UNIT_ASSERT_STATUS(sam_group_remove_member(s, "Nope", &alice), STATUS_NO_SUCH_GROUP);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Admins", &alice), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_del(s, "Users"), STATUS_ACCESS_DENIED);
    UNIT_ASSERT_STATUS(sam_group_del(s, "Nope"), STATUS_NO_SUCH_GROUP);
    UNIT_ASSERT_STATUS(sam_group_del(s, "Mail Admins"), STATUS_SUCCESS);
    CU_ASSERT_PTR_NULL(sam_group_find(s, "Mail Admins"));
    CU_ASSERT_PTR_NULL(sam_group_by_sid(s, &gs));
    CU_ASSERT_PTR_NOT_NULL(sam_group_find(s, "Replicator")); /* index rebuilt */
    UNIT_ASSERT_STATUS(sam_memberships(s, in, 2, got, 8, &n), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(n, 2);
    /* the freed RID is not handed out again */
    UNIT_ASSERT_STATUS(sam_user_add(s, "bob", "x", T0, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1002);

    /* many members stay sorted and findable */
    for (uint32_t i = 0; i < 300; i++) {
        struct sid m;
        sid_compose(&other, 5000 - i, &m);
        UNIT_ASSERT_STATUS(sam_group_add_member(s, "Guests", &m), STATUS_SUCCESS);
    }
    g = sam_group_find(s, "Guests");
    for (size_t i = 1; i < g->nmembers; i++)
        CU_ASSERT_TRUE(sid_compare(&g->members[i - 1], &g->members[i]) < 0);
    sam_free(s);

    /* global groups on a DC take only users of the domain */
    UNIT_ASSERT_STATUS_FATAL(sam_create("CORP", &d, true, "secret", T0, &s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_add(s, "Mail Users", SAM_GROUP_GLOBAL, NULL), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Users", &corp_da), STATUS_INVALID_PARAMETER);
    struct sid du = rid_sid(s, 513);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Users", &du), STATUS_INVALID_PARAMETER);
    struct sid adm = rid_sid(s, 500);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Users", &adm), STATUS_SUCCESS);
    sam_free(s);
}

static char *path_in(const char *dir, const char *name)
{
    static char p[4][512];
    static unsigned k;
    char *r = p[k++ % 4];
    snprintf(r, 512, "%s/%s", dir, name);
    return r;
}

static bool user_equal(const struct sam_user *x, const struct sam_user *y)
{
    bool ws = true;
    for (int i = 0; i < SAM_WORKSTATIONS_MAX; i++)
        ws = ws && strcmp(x->workstations[i], y->workstations[i]) == 0;
    return ws && strcmp(x->name, y->name) == 0 && strcmp(x->fullname, y->fullname) == 0 &&
           strcmp(x->comment, y->comment) == 0 && x->rid == y->rid &&
           memcmp(x->nthash, y->nthash, 16) == 0 && x->flags == y->flags &&
           x->pwd_last_set == y->pwd_last_set && x->expires == y->expires &&
           memcmp(x->logon_hours, y->logon_hours, sizeof x->logon_hours) == 0 &&
           x->bad_count == y->bad_count && x->last_bad == y->last_bad &&
           x->locked_at == y->locked_at && x->last_logon == y->last_logon;
}

static void test_roundtrip(void)
{
    const char *dir = unit_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s", path_in(dir, "sam.txt"));
    struct sid d = dom();
    struct sam *s;
    UNIT_ASSERT_STATUS_FATAL(sam_create("CORP", &d, true, "secret", T0, &s), STATUS_SUCCESS);
    uint32_t rid;
    UNIT_ASSERT_STATUS(sam_user_add(s, "alice", "pw", T0, &rid), STATUS_SUCCESS);
    struct sam_user *a = sam_user_find(s, "alice");
    str_copy(a->fullname, sizeof a->fullname, "Alice \\ Smith\tJr.\n\xc3\xa9");
    str_copy(a->comment, sizeof a->comment, "a=b, c");
    a->flags = SAM_LOCKED | SAM_MUST_CHANGE | SAM_PWD_NEVER_EXPIRES | SAM_CANT_CHANGE;
    a->expires = T0 + 100;
    a->logon_hours[3] = 0x0F;
    str_copy(a->workstations[0], 16, "WS1");
    str_copy(a->workstations[1], 16, "WS-2");
    a->bad_count = 2;
    a->last_bad = T0 + 1;
    a->locked_at = T0 + 2;
    a->last_logon = T0 + 3;
    UNIT_ASSERT_STATUS(sam_group_add(s, "Mail Users", SAM_GROUP_GLOBAL, "with space"),
                       STATUS_SUCCESS);
    struct sid as = rid_sid(s, rid);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Mail Users", &as), STATUS_SUCCESS);
    struct sid other, foreign;
    sid_make_domain(7, 8, 9, &other);
    sid_compose(&other, 1234, &foreign);
    UNIT_ASSERT_STATUS(sam_group_add_member(s, "Administrators", &foreign), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_save(s, path), STATUS_SUCCESS);

    struct sam *l;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(sam_load(path, &l, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(sam_domain_name(l), "CORP");
    CU_ASSERT_TRUE(sid_equal(sam_domain_sid(l), &d));
    CU_ASSERT_EQUAL(sam_user_count(l), sam_user_count(s));
    CU_ASSERT_EQUAL(sam_group_count(l), sam_group_count(s));
    for (size_t i = 0; i < sam_user_count(s); i++) {
        const struct sam_user *x = sam_user_at(s, i), *y = sam_user_at(l, i);
        CU_ASSERT_TRUE(user_equal(x, y));
    }
    for (size_t i = 0; i < sam_group_count(s); i++) {
        const struct sam_group *x = sam_group_at(s, i), *y = sam_group_at(l, i);
        CU_ASSERT_STRING_EQUAL(x->name, y->name);
        CU_ASSERT_STRING_EQUAL(x->comment, y->comment);
        CU_ASSERT_TRUE(sid_equal(&x->sid, &y->sid));
        CU_ASSERT_EQUAL(x->kind, y->kind);
        CU_ASSERT_EQUAL(x->builtin, y->builtin);
        CU_ASSERT_EQUAL_FATAL(x->nmembers, y->nmembers);
        for (size_t j = 0; j < x->nmembers; j++)
            CU_ASSERT_TRUE(sid_equal(&x->members[j], &y->members[j]));
    }
    CU_ASSERT_TRUE(sam_password_ok(sam_user_find(l, "alice"), "pw"));
    /* the next RID continues, and saving again gives the same bytes */
    char path2[512];
    snprintf(path2, sizeof path2, "%s", path_in(dir, "sam2.txt"));
    UNIT_ASSERT_STATUS(sam_save(l, path2), STATUS_SUCCESS);
    char *t1, *t2;
    size_t n1, n2;
    CU_ASSERT_EQUAL_FATAL(afile_read(path, 1 << 20, &t1, &n1), 0);
    CU_ASSERT_EQUAL_FATAL(afile_read(path2, 1 << 20, &t2, &n2), 0);
    CU_ASSERT_TRUE(n1 == n2 && memcmp(t1, t2, n1) == 0);
    /* readable: one line per record, no plain password */
    CU_ASSERT_PTR_NOT_NULL(strstr(t1, "user name=alice rid=1000 nthash="));
    CU_ASSERT_PTR_NOT_NULL(strstr(t1, "groups=Domain\\sUsers,Mail\\sUsers"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t1, "member group=Administrators sid=S-1-5-21-7-8-9-1234\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t1, "fullname=Alice\\s\\\\\\sSmith\\tJr.\\n\xc3\xa9"));
    CU_ASSERT_PTR_NULL(strstr(t1, "secret"));
    free(t1);
    free(t2);
    UNIT_ASSERT_STATUS(sam_user_add(l, "bob", "x", T0, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1002); /* 1001 is Mail Users */
    sam_free(l);
    sam_free(s);

    UNIT_ASSERT_STATUS(sam_load(path_in(dir, "absent.txt"), &l, err, sizeof err),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT_PTR_NULL(l);
    UNIT_ASSERT_STATUS_FATAL(sam_create("X", &d, false, "x", T0, &s), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(sam_save(s, path_in(dir, "no/such/dir/sam.txt")),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    sam_free(s);
    unit_rmtree(dir);
}

#define HDR "sam version=1 domain=EXCHSRV sid=S-1-5-21-11-22-33 dc=0 next_rid=1000\n"
#define GRP "group name=Users sid=S-1-5-32-545 kind=alias builtin=1\n"
#define H32 "8846f7eaee8fb117ad06bdd830b7586c"

static void test_malformed(void)
{
    static const struct {
        const char *text;
        const char *want; /* expected suffix after the path */
    } cases[] = {
        {"", ":1: no \"sam\" header line"},
        {"# only a comment\n", ":1: no \"sam\" header line"},
        {GRP, ":1: expected the \"sam\" header line first"},
        {HDR HDR, ":2: second sam header"},
        {"sam version=2 domain=X sid=S-1-5-21-1-2-3 dc=0 next_rid=1000\n",
         ":1: unsupported version 2"},
        {"sam version=1 domain=A/B sid=S-1-5-21-1-2-3 dc=0 next_rid=1000\n",
         ":1: missing or bad domain name"},
        {"sam version=1 domain=X sid=S-1-5-21-1-2-x dc=0 next_rid=1000\n", ":1: bad domain sid"},
        {"sam version=1 domain=X sid=S-1-5-32 dc=0 next_rid=1000\n",
         ":1: bad domain sid: not S-1-5-21-a-b-c"},
        {"sam version=1 domain=X sid=S-1-5-21-1-2-3 dc=2 next_rid=1000\n",
         ":1: missing or bad dc"},
        {"sam version=1 domain=X sid=S-1-5-21-1-2-3 dc=0 next_rid=99999999999\n",
         ":1: missing or bad next_rid"},
        {"sam version=1 domain=X sid=S-1-5-21-1-2-3 dc=0 next_rid=1000 color=red\n",
         ":1: unknown field color"},
        {HDR "bogus a=b\n", ":2: unknown record \"bogus\""},
        {HDR "user name=a name=b\n", ":2: field name given twice"},
        {HDR "user name\n", ":2: expected key=value"},
        {HDR "user =x\n", ":2: expected key=value"},
        {HDR "user name=a\\q\n", ":2: bad escape in field name"},
        {HDR "user name=a\\x00\n", ":2: bad escape in field name"},
        {HDR "user name=a\\x4\n", ":2: bad escape in field name"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " extra=1\n", ":3: unknown field extra"},
        {HDR GRP "user rid=1000 nthash=" H32 "\n", ":3: missing or bad user name"},
        {HDR GRP "user name=a:b rid=1000 nthash=" H32 "\n", ":3: missing or bad user name"},
        {HDR GRP "user name=abcdefghijklmnopqrstu rid=1000 nthash=" H32 "\n",
         ":3: missing or bad user name"},
        {HDR GRP "user name=a rid=0 nthash=" H32 "\n", ":3: user a: missing or bad rid"},
        {HDR GRP "user name=a rid=-5 nthash=" H32 "\n", ":3: user a: missing or bad rid"},
        {HDR GRP "user name=a rid=4294967296 nthash=" H32 "\n", ":3: user a: missing or bad rid"},
        {HDR GRP "user name=a rid=12x nthash=" H32 "\n", ":3: user a: missing or bad rid"},
        {HDR GRP "user name=a rid=1000 nthash=1234\n", ":3: user a: nthash must be 32 hex"},
        {HDR GRP "user name=a rid=1000 nthash=zz46f7eaee8fb117ad06bdd830b7586c\n",
         ":3: user a: nthash must be 32 hex"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " flags=disabled,sleepy\n",
         ":3: user a: unknown flag \"sleepy\""},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " expires=-1\n", ":3: user a: bad expires"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " pwd_last_set=99999999999999999999\n",
         ":3: user a: bad pwd_last_set"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " bad_count=4294967296\n",
         ":3: user a: bad bad_count"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " hours=ff\n", ":3: user a: hours must be 42"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " workstations=A,B,C,D,E,F,G,H,I\n",
         ":3: too many workstations"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " workstations=A,,B\n",
         ":3: user a: bad workstation name"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " workstations=TOOLONGWORKSTATION\n",
         ":3: user a: bad workstation name"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " comment=\xff\n",
         ":3: user a: comment too long or not UTF-8"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " groups=Nope\n",
         ":3: user a: unknown group \"Nope\""},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " groups=Users,users\n",
         ":3: user a: group users listed twice"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 "\nuser name=A rid=1001 nthash=" H32 "\n",
         ":4: name A already used"},
        {HDR GRP "user name=users rid=1001 nthash=" H32 "\n", ":3: name users already used"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 "\nuser name=b rid=1000 nthash=" H32 "\n",
         ":4: user b: RID 1000 already used"},
        {HDR GRP "group name=G sid=S-1-5-21-11-22-33-1000 kind=alias\n"
                 "user name=b rid=1000 nthash=" H32 "\n",
         ":4: user b: RID 1000 already used"},
        {HDR GRP GRP, ":3: group Users: sid S-1-5-32-545 already used"},
        {HDR GRP "group name=USERS sid=S-1-5-32-546 kind=alias\n", ":3: name USERS already used"},
        {HDR "group name=G sid=S-1-5-21-9-9-9-1000 kind=alias\n",
         ":2: group G: sid is neither BUILTIN nor of domain EXCHSRV"},
        {HDR "group name=G sid=S-1-5-21-11-22-33-1000 kind=global\n",
         ":2: group G: global groups exist only"},
        {HDR "group name=G sid=S-1-5-21-11-22-33-1000 kind=local\n",
         ":2: group G: kind must be alias or global"},
        {HDR "group name=G sid=S-1-5-21-11-22-33-1000 kind=alias builtin=yes\n",
         ":2: group G: builtin must be 0 or 1"},
        {HDR GRP "member group=Nope sid=S-1-1-0\n", ":3: member: unknown group \"Nope\""},
        {HDR GRP "member sid=S-1-1-0\n", ":3: member: missing group"},
        {HDR GRP "member group=Users sid=S-1-x\n", ":3: member of Users: bad sid"},
        {HDR GRP "member group=Users sid=S-1-5-21-11-22-33-4000\n",
         ":3: member of Users: S-1-5-21-11-22-33-4000 names no account"},
        {HDR GRP "group name=Guests sid=S-1-5-32-546 kind=alias\n"
                 "member group=Users sid=S-1-5-32-546\n",
         ":4: member of Users: S-1-5-32-546 cannot be a member of this alias"},
        {HDR GRP "member group=Users sid=S-1-1-0\nmember group=Users sid=S-1-1-0\n",
         ":2: group Users lists member S-1-1-0 twice"},
        {HDR GRP "user name=a rid=1000 nthash=" H32 " groups=Users\n"
                 "member group=Users sid=S-1-5-21-11-22-33-1000\n",
         ":2: group Users lists member S-1-5-21-11-22-33-1000 twice"},
        {HDR "user name=a\x01 rid=1000\n", ":2: missing or bad user name"},
    };
    const char *dir = unit_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/sam.txt", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CU_ASSERT_EQUAL_FATAL(afile_write(path, cases[i].text, strlen(cases[i].text), 0600), 0);
        struct sam *s = (struct sam *)1;
        char err[300] = "";
        ntstatus st = sam_load(path, &s, err, sizeof err);
        UNIT_ASSERT_STATUS(st, STATUS_INTERNAL_DB_CORRUPTION);
        CU_ASSERT_PTR_NULL(s);
        size_t pl = strlen(path);
        bool ok = strncmp(err, path, pl) == 0 &&
                  strncmp(err + pl, cases[i].want, strlen(cases[i].want)) == 0;
        if (!ok)
            fprintf(stderr, "\ncase %zu: got \"%s\", want \"%s\"\n", i, err, cases[i].want);
        CU_ASSERT_TRUE(ok);
    }
    /* an over-long line and a NUL byte */
    char big[5000];
    memset(big, 'x', sizeof big);
    memcpy(big, HDR "user name=a comment=", sizeof HDR - 1 + 20);
    big[sizeof big - 1] = '\n';
    CU_ASSERT_EQUAL_FATAL(afile_write(path, big, sizeof big, 0600), 0);
    struct sam *s;
    char err[300];
    UNIT_ASSERT_STATUS(sam_load(path, &s, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: line longer than 4096 bytes"));
    static const char nul[] = HDR "user name=a\0 rid=1000\n";
    CU_ASSERT_EQUAL_FATAL(afile_write(path, nul, sizeof nul - 1, 0600), 0);
    UNIT_ASSERT_STATUS(sam_load(path, &s, err, sizeof err), STATUS_INTERNAL_DB_CORRUPTION);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: NUL byte in line"));
    /* CRLF line ends, comments, blank lines, fields in any order are fine */
    static const char ok[] = "# hand-written\r\n\r\n  " HDR GRP
                             "user nthash=" H32 " rid=1005 name=zed groups=Users\r\n";
    CU_ASSERT_EQUAL_FATAL(afile_write(path, ok, sizeof ok - 1, 0600), 0);
    UNIT_ASSERT_STATUS_FATAL(sam_load(path, &s, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sam_password_ok(sam_user_find(s, "ZED"), "password"));
    uint32_t rid;
    UNIT_ASSERT_STATUS(sam_user_add(s, "next", "x", T0, &rid), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(rid, 1006);
    sam_free(s);
    unit_rmtree(dir);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 10,000 users load fast (the bound here is loose for sanitizer builds;
 * tests/bench/sam_load.c holds the 5 ms figure on the optimised build). */
static void test_big(void)
{
    const char *dir = unit_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/sam.txt", dir);
    struct sid d = dom();
    struct sam *s;
    UNIT_ASSERT_STATUS_FATAL(sam_create("CORP", &d, true, "secret", T0, &s), STATUS_SUCCESS);
    for (int i = 0; i < 10000; i++) {
        char name[21];
        snprintf(name, sizeof name, "user%05d", i);
        UNIT_ASSERT_STATUS_FATAL(sam_user_add(s, name, name, T0, NULL), STATUS_SUCCESS);
    }
    UNIT_ASSERT_STATUS_FATAL(sam_save(s, path), STATUS_SUCCESS);
    struct sam *l = NULL;
    char err[256];
    /* the best of three: one load on a machine busy with other work can
     * take several times as long (seen: over 250 ms while 130 ms alone) */
    double best = 1e9;
    for (int k = 0; k < 3; k++) {
        if (l)
            sam_free(l);
        double t = now_ms();
        UNIT_ASSERT_STATUS_FATAL(sam_load(path, &l, err, sizeof err), STATUS_SUCCESS);
        t = now_ms() - t;
        best = t < best ? t : best;
    }
    if (unit_timing())
        CU_ASSERT_TRUE(best < 250);
    CU_ASSERT_EQUAL(sam_user_count(l), 10002);
    CU_ASSERT_EQUAL(sam_group_find(l, "Domain Users")->nmembers, 10001);
    CU_ASSERT_TRUE(sam_password_ok(sam_user_find(l, "USER04242"), "user04242"));
    sam_free(l);
    sam_free(s);
    unit_rmtree(dir);
}

void suite_sam(void)
{
    UNIT_SUITE("sam", UNIT_TEST(test_nthash), UNIT_TEST(test_create_member),
               UNIT_TEST(test_create_dc), UNIT_TEST(test_users), UNIT_TEST(test_groups),
               UNIT_TEST(test_roundtrip), UNIT_TEST(test_malformed), UNIT_TEST(test_big));
}

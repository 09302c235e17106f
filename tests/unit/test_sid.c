#include "emulator/sid.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <string.h>

static void roundtrip(const char *in, const char *want)
{
    struct sid s;
    const char *why = "x";
    char b[SID_STR_MAX];
    CU_ASSERT_EQUAL_FATAL(sid_parse(in, &s, &why), 0);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_EQUAL(s.revision, 1);
    CU_ASSERT_STRING_EQUAL(sid_str(&s, b), want);
}

static void test_parse_ok(void)
{
    roundtrip("S-1-5-21-1-2-3-1000", "S-1-5-21-1-2-3-1000");
    roundtrip("s-1-5-32-544", "S-1-5-32-544");
    roundtrip("S-1-1-0", "S-1-1-0");
    roundtrip("S-1-5", "S-1-5");
    roundtrip("S-1-5-4294967295", "S-1-5-4294967295");
    roundtrip("S-1-0x123456789ABC-1", "S-1-0x123456789ABC-1");
    roundtrip("S-1-0x5-18", "S-1-5-18");
    roundtrip("S-1-4294967296-1", "S-1-0x000100000000-1");
    roundtrip("S-1-281474976710655", "S-1-0xFFFFFFFFFFFF");
    roundtrip("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15");
    struct sid s;
    CU_ASSERT_EQUAL(sid_parse("S-1-5-21-7-8-9-500", &s, NULL), 0);
    CU_ASSERT_EQUAL(s.count, 5);
    CU_ASSERT_EQUAL(s.authority, 5u);
    CU_ASSERT_EQUAL(s.sub[4], 500u);
}

static void bad(const char *in, const char *reason)
{
    struct sid s = {.revision = 9};
    const char *why = NULL;
    CU_ASSERT_EQUAL(sid_parse(in, &s, &why), EINVAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    CU_ASSERT_STRING_EQUAL(why, reason);
    CU_ASSERT_EQUAL(s.revision, 9); /* out untouched */
    CU_ASSERT_EQUAL(sid_parse(in, &s, NULL), EINVAL);
}

static void test_parse_bad(void)
{
    bad("", "missing \"S-\" prefix");
    bad("X-1-5", "missing \"S-\" prefix");
    bad("S1-5", "missing \"S-\" prefix");
    bad("S-2-5-32", "revision is not 1");
    bad("S-99999999999-5", "revision is not 1");
    bad("S--5", "empty revision field");
    bad("S-a-5", "non-numeric revision field");
    bad("S-1x-5", "trailing characters after the revision");
    bad("S-1", "missing identifier authority");
    bad("S-1-", "empty identifier authority field");
    bad("S-1-x", "non-numeric identifier authority field");
    bad("S-1-0x", "non-numeric identifier authority field");
    bad("S-1-5z-3", "trailing characters after the identifier authority");
    bad("S-1-281474976710656", "identifier authority over 48 bits");
    bad("S-1-0x1000000000000", "identifier authority over 48 bits");
    bad("S-1-5-", "empty sub-authority field");
    bad("S-1-5--3", "empty sub-authority field");
    bad("S-1-5-abc", "non-numeric sub-authority field");
    bad("S-1-5-+3", "non-numeric sub-authority field");
    bad("S-1-5-32-544 ", "trailing characters after a sub-authority");
    bad("S-1-5-32-544abc", "trailing characters after a sub-authority");
    bad("S-1-5-4294967296", "sub-authority over 32 bits");
    bad("S-1-5-99999999999999999999999", "sub-authority over 32 bits");
    bad("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "more than 15 sub-authorities");
    struct sid s;
    const char *why = NULL;
    CU_ASSERT_EQUAL(sid_parse(NULL, &s, &why), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(why);
}

static void test_format_small(void)
{
    struct sid s;
    char b[8];
    CU_ASSERT_EQUAL_FATAL(sid_parse("S-1-5-32-544", &s, NULL), 0);
    CU_ASSERT_EQUAL(sid_format(&s, b, sizeof b), E2BIG);
    CU_ASSERT_EQUAL(sid_format(&s, b, 0), E2BIG);
    char exact[13];
    CU_ASSERT_EQUAL(sid_format(&s, exact, sizeof exact), 0);
    CU_ASSERT_STRING_EQUAL(exact, "S-1-5-32-544");
    CU_ASSERT_EQUAL(sid_format(&s, exact, 12), E2BIG);
}

static void test_compare_hash(void)
{
    struct sid a, b, c, d;
    sid_parse("S-1-5-32-544", &a, NULL);
    sid_parse("S-1-5-32-544", &b, NULL);
    sid_parse("S-1-5-32-545", &c, NULL);
    sid_parse("S-1-5-32", &d, NULL);
    CU_ASSERT_TRUE(sid_equal(&a, &b));
    CU_ASSERT_FALSE(sid_equal(&a, &c));
    CU_ASSERT_FALSE(sid_equal(&a, &d));
    CU_ASSERT_EQUAL(sid_compare(&a, &b), 0);
    CU_ASSERT_TRUE(sid_compare(&a, &c) < 0);
    CU_ASSERT_TRUE(sid_compare(&c, &a) > 0);
    CU_ASSERT_TRUE(sid_compare(&d, &a) < 0);
    CU_ASSERT_TRUE(sid_compare(sid_wellknown(SID_WK_EVERYONE), &a) < 0);
    CU_ASSERT_EQUAL(sid_hash(&a), sid_hash(&b));
    CU_ASSERT_NOT_EQUAL(sid_hash(&a), sid_hash(&c));
    CU_ASSERT_NOT_EQUAL(sid_hash(&a), sid_hash(&d));
    /* Stale sub-authorities beyond count do not matter. */
    struct sid e = d;
    e.sub[1] = 12345;
    CU_ASSERT_TRUE(sid_equal(&d, &e));
    CU_ASSERT_EQUAL(sid_hash(&d), sid_hash(&e));
}

static void test_compose_split(void)
{
    struct sid dom, u, full;
    sid_make_domain(11, 22, 33, &dom);
    char b[SID_STR_MAX];
    CU_ASSERT_STRING_EQUAL(sid_str(&dom, b), "S-1-5-21-11-22-33");
    CU_ASSERT_EQUAL(sid_compose(&dom, SID_RID_ADMINISTRATOR, &u), 0);
    CU_ASSERT_STRING_EQUAL(sid_str(&u, b), "S-1-5-21-11-22-33-500");
    uint32_t rid = 0;
    CU_ASSERT_TRUE(sid_split(&u, &dom, &rid));
    CU_ASSERT_EQUAL(rid, 500u);
    CU_ASSERT_FALSE(sid_split(&dom, &dom, &rid));
    struct sid other;
    sid_make_domain(11, 22, 34, &other);
    CU_ASSERT_FALSE(sid_split(&u, &other, &rid));
    sid_parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", &full, NULL);
    CU_ASSERT_EQUAL(sid_compose(&full, 1, &u), E2BIG);
}

static void test_wellknown(void)
{
    char b[SID_STR_MAX];
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_EVERYONE), b), "S-1-1-0");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_SYSTEM), b), "S-1-5-18");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_ADMINISTRATORS), b), "S-1-5-32-544");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_REPLICATOR), b), "S-1-5-32-552");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_AUTHENTICATED_USERS), b), "S-1-5-11");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_NULL), b), "S-1-0-0");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_CREATOR_GROUP), b), "S-1-3-1");
    CU_ASSERT_STRING_EQUAL(sid_str(sid_wellknown(SID_WK_BUILTIN), b), "S-1-5-32");
    CU_ASSERT_PTR_NULL(sid_wellknown(SID_WK_COUNT));
    CU_ASSERT_STRING_EQUAL(sid_wellknown_name(sid_wellknown(SID_WK_REPLICATOR)), "BUILTIN\\Replicator");
    CU_ASSERT_STRING_EQUAL(sid_wellknown_name(sid_wellknown(SID_WK_SYSTEM)), "NT AUTHORITY\\SYSTEM");
    /* Every entry is distinct and round-trips through its name. */
    for (unsigned i = 0; i < SID_WK_COUNT; i++) {
        const struct sid *s = sid_wellknown((enum sid_wk)i);
        const char *n = sid_wellknown_name(s);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        struct sid got;
        CU_ASSERT_TRUE(sid_wellknown_lookup(n, &got));
        CU_ASSERT_TRUE(sid_equal(&got, s));
    }
    struct sid x;
    CU_ASSERT_TRUE(sid_wellknown_lookup("administrators", &x));
    CU_ASSERT_TRUE(sid_equal(&x, sid_wellknown(SID_WK_ADMINISTRATORS)));
    CU_ASSERT_TRUE(sid_wellknown_lookup("system", &x));
    CU_ASSERT_TRUE(sid_equal(&x, sid_wellknown(SID_WK_SYSTEM)));
    CU_ASSERT_TRUE(sid_wellknown_lookup("everyone", &x));
    CU_ASSERT_FALSE(sid_wellknown_lookup("Administrator", &x));
    CU_ASSERT_FALSE(sid_wellknown_lookup("BUILTIN\\Nobody", &x));
    sid_parse("S-1-5-21-1-2-3-500", &x, NULL);
    CU_ASSERT_PTR_NULL(sid_wellknown_name(&x));
}

static void test_builtin_alias(void)
{
    struct sid s;
    sid_parse("S-1-5-32-544", &s, NULL);
    CU_ASSERT_TRUE(sid_is_builtin_alias(&s));
    sid_parse("S-1-5-32-552", &s, NULL);
    CU_ASSERT_TRUE(sid_is_builtin_alias(&s));
    sid_parse("S-1-5-32", &s, NULL);
    CU_ASSERT_FALSE(sid_is_builtin_alias(&s));
    sid_parse("S-1-5-32-600", &s, NULL);
    CU_ASSERT_FALSE(sid_is_builtin_alias(&s));
    sid_parse("S-1-5-21-1-2-3-544", &s, NULL);
    CU_ASSERT_FALSE(sid_is_builtin_alias(&s));
}

void suite_sid(void)
{
    UNIT_SUITE("sid", UNIT_TEST(test_parse_ok), UNIT_TEST(test_parse_bad),
               UNIT_TEST(test_format_small), UNIT_TEST(test_compare_hash),
               UNIT_TEST(test_compose_split), UNIT_TEST(test_wellknown),
               UNIT_TEST(test_builtin_alias));
}

/* Tokens: groups (Everyone and the logon-type SID added, duplicates
 * dropped), privileges only from the rights given, SeChangeNotify enabled
 * by default and the rest disabled, AdjustTokenPrivileges, LocalSystem. */
#include "emulator/token.h"
#include "tests/unit/unit.h"
#include <string.h>

#define T0 899283600LL

static struct sid user_sid(uint32_t rid)
{
    struct sid d, u;
    sid_make_domain(1, 2, 3, &d);
    sid_compose(&d, rid, &u);
    return u;
}

static void test_build(void)
{
    struct sid u = user_sid(1000);
    struct sid groups[3] = {*sid_wellknown(SID_WK_USERS), *sid_wellknown(SID_WK_EVERYONE),
                            *sid_wellknown(SID_WK_USERS)};
    rights_mask r = RIGHTS_BIT(RI_CHANGE_NOTIFY) | RIGHTS_BIT(RI_SHUTDOWN) |
                    RIGHTS_BIT(RI_NETWORK_LOGON) | RIGHTS_BIT(RI_DENY_BATCH_LOGON);
    struct token t;
    UNIT_ASSERT_STATUS_FATAL(
        token_build(&t, &u, groups, 3, r, LOGON_NETWORK, "EXCHSRV", "alice", T0), STATUS_SUCCESS);
    CU_ASSERT_TRUE(sid_equal(&t.user, &u));
    /* Users once, Everyone once, NETWORK added */
    CU_ASSERT_EQUAL(t.ngroups, 3);
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_EVERYONE)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_NETWORK)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_USERS)));
    CU_ASSERT_TRUE(token_is_member(&t, &u));
    CU_ASSERT_FALSE(token_is_member(&t, sid_wellknown(SID_WK_INTERACTIVE)));
    CU_ASSERT_FALSE(token_is_member(&t, sid_wellknown(SID_WK_ADMINISTRATORS)));
    /* logon rights never reach a token */
    CU_ASSERT_EQUAL(t.privileges, RIGHTS_BIT(RI_CHANGE_NOTIFY) | RIGHTS_BIT(RI_SHUTDOWN));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_NETWORK_LOGON));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_TCB));
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_SHUTDOWN));
    /* SeChangeNotify enabled by default, the rest held but disabled */
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, RI_CHANGE_NOTIFY),
                    SE_PRIVILEGE_ENABLED | SE_PRIVILEGE_ENABLED_BY_DEFAULT);
    CU_ASSERT_TRUE(token_privilege_enabled(&t, RI_CHANGE_NOTIFY));
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, RI_SHUTDOWN), 0);
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_SHUTDOWN));
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, RI_TCB), 0);
    CU_ASSERT_EQUAL(t.type, LOGON_NETWORK);
    CU_ASSERT_EQUAL(t.logon_time, T0);
    CU_ASSERT_STRING_EQUAL(t.user_name, "alice");
    CU_ASSERT_STRING_EQUAL(t.domain_name, "EXCHSRV");

    struct sid all[8];
    CU_ASSERT_EQUAL(token_sids(&t, all, 8), 4);
    CU_ASSERT_TRUE(sid_equal(&all[0], &u));
    CU_ASSERT_EQUAL(token_sids(&t, all, 2), 2);

    /* each logon type adds its SID */
    static const struct {
        enum logon_type type;
        enum sid_wk sid;
    } types[] = {{LOGON_INTERACTIVE, SID_WK_INTERACTIVE},
                 {LOGON_BATCH, SID_WK_BATCH},
                 {LOGON_SERVICE, SID_WK_SERVICE}};
    for (size_t i = 0; i < 3; i++) {
        UNIT_ASSERT_STATUS(token_build(&t, &u, NULL, 0, 0, types[i].type, "D", "u", T0),
                           STATUS_SUCCESS);
        CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(types[i].sid)));
        CU_ASSERT_EQUAL(t.ngroups, 2);
        CU_ASSERT_EQUAL(t.privileges, 0);
    }
    UNIT_ASSERT_STATUS(token_build(&t, &u, NULL, 0, 0, (enum logon_type)7, "D", "u", T0),
                       STATUS_INVALID_PARAMETER);
}

static void test_too_many_groups(void)
{
    struct sid u = user_sid(1000), g[TOKEN_MAX_GROUPS];
    for (size_t i = 0; i < TOKEN_MAX_GROUPS; i++)
        g[i] = user_sid((uint32_t)(2000 + i));
    struct token t;
    /* 64 groups + Everyone + NETWORK do not fit */
    UNIT_ASSERT_STATUS(token_build(&t, &u, g, TOKEN_MAX_GROUPS, 0, LOGON_NETWORK, "D", "u", T0),
                       STATUS_NO_MEMORY);
    UNIT_ASSERT_STATUS(token_build(&t, &u, g, TOKEN_MAX_GROUPS - 2, 0, LOGON_NETWORK, "D", "u", T0),
                       STATUS_SUCCESS);
    CU_ASSERT_EQUAL(t.ngroups, TOKEN_MAX_GROUPS);
    /* over-long names are cut, not overflowed */
    char longname[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    UNIT_ASSERT_STATUS(token_build(&t, &u, NULL, 0, 0, LOGON_NETWORK, longname, longname, T0),
                       STATUS_SUCCESS);
    CU_ASSERT_EQUAL(strlen(t.user_name), TOKEN_NAME_MAX - 1);
}

static void test_adjust(void)
{
    struct sid u = user_sid(1000);
    struct token t;
    UNIT_ASSERT_STATUS_FATAL(token_build(&t, &u, NULL, 0,
                                         RIGHTS_BIT(RI_TCB) | RIGHTS_BIT(RI_CHANGE_NOTIFY),
                                         LOGON_SERVICE, "D", "svc", T0),
                             STATUS_SUCCESS);
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_TCB));
    UNIT_ASSERT_STATUS(token_adjust(&t, RI_TCB, true), STATUS_SUCCESS);
    CU_ASSERT_TRUE(token_privilege_enabled(&t, RI_TCB));
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, RI_TCB), SE_PRIVILEGE_ENABLED);
    UNIT_ASSERT_STATUS(token_adjust(&t, RI_TCB, false), STATUS_SUCCESS);
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_TCB));
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_TCB));
    /* disabling a default-enabled one keeps its "by default" mark */
    UNIT_ASSERT_STATUS(token_adjust(&t, RI_CHANGE_NOTIFY, false), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, RI_CHANGE_NOTIFY),
                    SE_PRIVILEGE_ENABLED_BY_DEFAULT);
    /* not held: ERROR_NOT_ALL_ASSIGNED, and nothing changes */
    UNIT_ASSERT_STATUS(token_adjust(&t, RI_DEBUG, true), STATUS_NOT_ALL_ASSIGNED);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_NOT_ALL_ASSIGNED), ERROR_NOT_ALL_ASSIGNED);
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_DEBUG));
    UNIT_ASSERT_STATUS(token_adjust(&t, RI_SERVICE_LOGON, true), STATUS_NOT_ALL_ASSIGNED);
    UNIT_ASSERT_STATUS(token_adjust(&t, 200, true), STATUS_NOT_ALL_ASSIGNED);
    CU_ASSERT_FALSE(token_has_privilege(&t, 200));
    CU_ASSERT_EQUAL(token_privilege_attributes(&t, 200), 0);
}

static void test_system(void)
{
    struct token t;
    token_system(&t, OSVER_NT4, T0);
    CU_ASSERT_TRUE(sid_equal(&t.user, sid_wellknown(SID_WK_SYSTEM)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_ADMINISTRATORS)));
    CU_ASSERT_TRUE(token_is_member(&t, sid_wellknown(SID_WK_EVERYONE)));
    CU_ASSERT_STRING_EQUAL(t.user_name, "SYSTEM");
    CU_ASSERT_STRING_EQUAL(t.domain_name, "NT AUTHORITY");
    /* LocalSystem holds TCB, enabled; every NT 4.0 privilege, none of W2K's */
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_TCB));
    CU_ASSERT_TRUE(token_privilege_enabled(&t, RI_TCB));
    CU_ASSERT_TRUE(token_privilege_enabled(&t, RI_CHANGE_NOTIFY));
    for (unsigned i = RI_CREATE_TOKEN; i <= RI_REMOTE_SHUTDOWN; i++)
        CU_ASSERT_TRUE(token_has_privilege(&t, i));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_UNDOCK));
    CU_ASSERT_FALSE(token_has_privilege(&t, RI_SERVICE_LOGON));
    /* held but off until adjusted, as for any process */
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_BACKUP));
    CU_ASSERT_FALSE(token_privilege_enabled(&t, RI_BACKUP));
    token_system(&t, OSVER_W2K, T0);
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_UNDOCK));
    CU_ASSERT_TRUE(token_has_privilege(&t, RI_ENABLE_DELEGATION));
}

void suite_token(void)
{
    UNIT_SUITE("token", UNIT_TEST(test_build), UNIT_TEST(test_too_many_groups),
               UNIT_TEST(test_adjust), UNIT_TEST(test_system));
}

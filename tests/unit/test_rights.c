#include "emulator/rights.h"
#include "tests/unit/unit.h"
#include <string.h>

static void test_catalogue_shape(void)
{
    CU_ASSERT_EQUAL(rights_count(), (size_t)RI_COUNT);
    CU_ASSERT_EQUAL(RI_COUNT, 36);
    unsigned std = 0, adv = 0;
    for (unsigned i = 0; i < RI_COUNT; i++) {
        const struct rights_info *r = rights_at(i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        CU_ASSERT_EQUAL(r->index, i);
        CU_ASSERT_PTR_NOT_NULL(r->display);
        if (i <= RI_ENABLE_DELEGATION) {
            CU_ASSERT_EQUAL(r->kind, RIGHTS_PRIVILEGE);
            CU_ASSERT_EQUAL(r->value, i + 2);
            CU_ASSERT_EQUAL(r->since, i + 2 <= 24 ? OSVER_NT4 : OSVER_W2K);
        } else {
            CU_ASSERT_EQUAL(r->kind, RIGHTS_LOGON);
        }
        /* Names are unique. */
        for (unsigned j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(r->name, rights_at(j)->name);
        if (r->since == OSVER_NT4)
            r->advanced ? adv++ : std++;
    }
    /* "NT gives you two groups of user rights - 11 standard and 16 advanced." */
    CU_ASSERT_EQUAL(std, 11u);
    CU_ASSERT_EQUAL(adv, 16u);
    CU_ASSERT_PTR_NULL(rights_at(RI_COUNT));
    CU_ASSERT_STRING_EQUAL(rights_at(RI_TCB)->name, "SeTcbPrivilege");
    CU_ASSERT_EQUAL(rights_at(RI_TCB)->value, 7u);
    CU_ASSERT_TRUE(rights_at(RI_TCB)->advanced);
    CU_ASSERT_STRING_EQUAL(rights_at(RI_SYSTEMTIME)->name, "SeSystemtimePrivilege");
    CU_ASSERT_STRING_EQUAL(rights_at(RI_CHANGE_NOTIFY)->name, "SeChangeNotifyPrivilege");
    CU_ASSERT_EQUAL(rights_at(RI_CHANGE_NOTIFY)->value, 23u);
    CU_ASSERT_EQUAL(rights_at(RI_SERVICE_LOGON)->value, 0x10u);
    CU_ASSERT_EQUAL(rights_at(RI_DENY_REMOTE_INTERACTIVE_LOGON)->value, 0x800u);
    CU_ASSERT_EQUAL(rights_at(RI_REMOTE_INTERACTIVE_LOGON)->since, OSVER_XP);
    CU_ASSERT_EQUAL(rights_at(RI_DENY_SERVICE_LOGON)->since, OSVER_W2K);
    CU_ASSERT_EQUAL(rights_at(RI_NETWORK_LOGON)->since, OSVER_NT4);
}

static void test_lookup(void)
{
    unsigned i = 999;
    UNIT_ASSERT_STATUS(rights_lookup("SeTcbPrivilege", OSVER_NT4, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_TCB);
    UNIT_ASSERT_STATUS(rights_lookup("SeServiceLogonRight", OSVER_NT4, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_SERVICE_LOGON);
    i = 999;
    UNIT_ASSERT_STATUS(rights_lookup("setcbprivilege", OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup("SeTCBPrivilege", OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup("SeNoSuchPrivilege", OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup("", OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup(NULL, OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    CU_ASSERT_EQUAL(i, 999u);
    /* Not on this OS. */
    UNIT_ASSERT_STATUS(rights_lookup("SeDenyNetworkLogonRight", OSVER_NT4, &i),
                       STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup("SeDenyNetworkLogonRight", OSVER_W2K, &i), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(rights_lookup("SeUndockPrivilege", OSVER_NT4, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup("SeRemoteInteractiveLogonRight", OSVER_W2K, &i),
                       STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup("SeRemoteInteractiveLogonRight", OSVER_XP, &i),
                       STATUS_SUCCESS);
    /* Out of scope (XP SP2/2003). */
    UNIT_ASSERT_STATUS(rights_lookup("SeImpersonatePrivilege", OSVER_XP, &i),
                       STATUS_NO_SUCH_PRIVILEGE);
}

static void test_display(void)
{
    unsigned i = 0;
    CU_ASSERT_STRING_EQUAL(rights_display(RI_TCB, OSVER_NT4), "Act as part of the operating system");
    CU_ASSERT_STRING_EQUAL(rights_display(RI_NETWORK_LOGON, OSVER_NT4), "Access this computer from network");
    CU_ASSERT_STRING_EQUAL(rights_display(RI_NETWORK_LOGON, OSVER_W2K), "Access this computer from the network");
    CU_ASSERT_STRING_EQUAL(rights_display(RI_SYSTEM_ENVIRONMENT, OSVER_NT4), "Modify firmware environment variables");
    CU_ASSERT_STRING_EQUAL(rights_display(RI_SYSTEM_ENVIRONMENT, OSVER_W2K), "Modify firmware environment values");
    CU_ASSERT_STRING_EQUAL(rights_display(RI_INCREASE_QUOTA, OSVER_W2K), "Increase quotas");
    CU_ASSERT_STRING_EQUAL(rights_display(RI_INCREASE_QUOTA, OSVER_XP), "Adjust memory quotas for a process");
    CU_ASSERT_PTR_NULL(rights_display(RI_COUNT, OSVER_XP));
    UNIT_ASSERT_STATUS(rights_lookup_display("act as part of the operating system", OSVER_NT4, &i),
                       STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_TCB);
    UNIT_ASSERT_STATUS(
        rights_lookup_display("Access this computer from the network", OSVER_NT4, &i),
        STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_NETWORK_LOGON);
    UNIT_ASSERT_STATUS(rights_lookup_display("Deny logon locally", OSVER_NT4, &i),
                       STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_lookup_display("Deny logon locally", OSVER_W2K, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_DENY_INTERACTIVE_LOGON);
    UNIT_ASSERT_STATUS(rights_lookup_display("Frobnicate", OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
}

static void test_luid_masks(void)
{
    unsigned i = 0;
    UNIT_ASSERT_STATUS(rights_by_luid(7, OSVER_NT4, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_TCB);
    UNIT_ASSERT_STATUS(rights_by_luid(2, OSVER_NT4, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, 0u);
    UNIT_ASSERT_STATUS(rights_by_luid(1, OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_by_luid(28, OSVER_XP, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_by_luid(25, OSVER_NT4, &i), STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_by_luid(27, OSVER_W2K, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, (unsigned)RI_ENABLE_DELEGATION);
    rights_mask p = rights_privileges();
    CU_ASSERT_EQUAL(p, (RIGHTS_BIT(RI_ENABLE_DELEGATION + 1) - 1));
    rights_mask nt4 = rights_known(OSVER_NT4), w2k = rights_known(OSVER_W2K), xp = rights_known(OSVER_XP);
    CU_ASSERT_EQUAL(__builtin_popcountll(nt4), 27);
    CU_ASSERT_EQUAL(__builtin_popcountll(w2k), 34);
    CU_ASSERT_EQUAL(__builtin_popcountll(xp), 36);
    CU_ASSERT_TRUE((nt4 & ~w2k) == 0 && (w2k & ~xp) == 0);
    CU_ASSERT_FALSE(nt4 & RIGHTS_BIT(RI_DENY_NETWORK_LOGON));
}

/* Issue 12: display names where a right is named, and the nearest names
 * for a misspelling. */
static void test_resolve_display(void)
{
    unsigned i = 99;
    UNIT_ASSERT_STATUS(rights_resolve("SeTcbPrivilege", OSVER_NT4, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, RI_TCB);
    i = 99;
    UNIT_ASSERT_STATUS(rights_resolve("act as part of the OPERATING system", OSVER_NT4, &i),
                       STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, RI_TCB);
    /* W2K's spelling on W2K, and NT4's on W2K too (the names a person knows) */
    UNIT_ASSERT_STATUS(rights_resolve("Replace a process-level token", OSVER_W2K, &i),
                       STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, RI_ASSIGN_PRIMARY_TOKEN);
    UNIT_ASSERT_STATUS(rights_resolve("Log on locally", OSVER_XP, &i), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(i, RI_INTERACTIVE_LOGON);
    /* constant names stay case-sensitive, as ntrights */
    UNIT_ASSERT_STATUS(rights_resolve("setcbprivilege", OSVER_NT4, &i), STATUS_NO_SUCH_PRIVILEGE);
    /* a right the OS does not know, by either name */
    UNIT_ASSERT_STATUS(rights_resolve("Deny logon locally", OSVER_NT4, &i),
                       STATUS_NO_SUCH_PRIVILEGE);
    UNIT_ASSERT_STATUS(rights_resolve(NULL, OSVER_NT4, &i), STATUS_NO_SUCH_PRIVILEGE);
}

static void test_nearest(void)
{
    unsigned out[3];
    CU_ASSERT_EQUAL_FATAL(rights_nearest("SeTcbPrivelege", OSVER_NT4, out, 3) >= 1, 1);
    CU_ASSERT_EQUAL(out[0], RI_TCB);
    CU_ASSERT_EQUAL_FATAL(rights_nearest("setcbprivilege", OSVER_NT4, out, 3) >= 1, 1);
    CU_ASSERT_EQUAL(out[0], RI_TCB);
    CU_ASSERT_EQUAL_FATAL(rights_nearest("Act as part of the operating sytem", OSVER_NT4, out, 3),
                          1);
    CU_ASSERT_EQUAL(out[0], RI_TCB);
    CU_ASSERT_EQUAL_FATAL(rights_nearest("Tcb", OSVER_NT4, out, 3), 1);
    CU_ASSERT_EQUAL(out[0], RI_TCB);
    /* several near names, nearest first, never more than asked */
    size_t n = rights_nearest("SeServiceLogon", OSVER_W2K, out, 3);
    CU_ASSERT_TRUE(n >= 1 && n <= 3);
    CU_ASSERT_EQUAL(out[0], RI_SERVICE_LOGON);
    CU_ASSERT_EQUAL(rights_nearest("SeServiceLogon", OSVER_W2K, out, 1), 1);
    CU_ASSERT_EQUAL(out[0], RI_SERVICE_LOGON);
    /* a right of a later OS is not offered */
    CU_ASSERT_EQUAL(rights_nearest("SeUndockPrivilage", OSVER_NT4, out, 3), 0);
    CU_ASSERT_EQUAL_FATAL(rights_nearest("SeUndockPrivilage", OSVER_W2K, out, 3) >= 1, 1);
    CU_ASSERT_EQUAL(out[0], RI_UNDOCK);
    /* nothing near, empty, too long, no room */
    CU_ASSERT_EQUAL(rights_nearest("xyzzy", OSVER_XP, out, 3), 0);
    CU_ASSERT_EQUAL(rights_nearest("", OSVER_XP, out, 3), 0);
    CU_ASSERT_EQUAL(rights_nearest(NULL, OSVER_XP, out, 3), 0);
    CU_ASSERT_EQUAL(rights_nearest("SeTcbPrivilege", OSVER_XP, out, 0), 0);
    char big[RIGHTS_NAME_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CU_ASSERT_EQUAL(rights_nearest(big, OSVER_XP, out, 3), 0);
    big[RIGHTS_NAME_MAX] = 0; /* at the bound: scanned, nothing near */
    CU_ASSERT_EQUAL(rights_nearest(big, OSVER_XP, out, 3), 0);
}

void suite_rights(void)
{
    UNIT_SUITE("rights", UNIT_TEST(test_catalogue_shape), UNIT_TEST(test_lookup),
               UNIT_TEST(test_display), UNIT_TEST(test_luid_masks),
               UNIT_TEST(test_resolve_display), UNIT_TEST(test_nearest));
}

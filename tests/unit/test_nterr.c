#include "emulator/nterr.h"
#include "emulator/osver.h"
#include "tests/unit/unit.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <string.h>

static void test_mapping(void)
{
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_SUCCESS), ERROR_SUCCESS);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_PRIVILEGE_NOT_HELD), 1314u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_NO_SUCH_PRIVILEGE), 1313u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_ACCESS_DENIED), 5u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_LOGON_FAILURE), 1326u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_ACCOUNT_DISABLED), 1331u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_WRONG_PASSWORD), 86u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_NO_SUCH_USER), 1317u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_LOGON_TYPE_NOT_GRANTED), 1385u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_ACCOUNT_LOCKED_OUT), 1909u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_OBJECT_NAME_NOT_FOUND), 2u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_SOME_NOT_MAPPED), 1301u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_NO_MORE_ENTRIES), 259u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_NOT_ALL_ASSIGNED), 1300u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_SHARING_VIOLATION), 32u);
    UNIT_ASSERT_WIN32(nterr_to_win32(STATUS_INTERNAL_DB_CORRUPTION), 1358u);
    /* Unknown failure and warning -> 317; unknown success -> 0. */
    UNIT_ASSERT_WIN32(nterr_to_win32(0xC0FFEE01u), ERROR_MR_MID_NOT_FOUND);
    UNIT_ASSERT_WIN32(nterr_to_win32(0x80001234u), 317u);
    UNIT_ASSERT_WIN32(nterr_to_win32(0x00000103u), ERROR_SUCCESS);
}

/* Every declared NTSTATUS has a symbol, maps to a Win32 code that has a
 * symbol and a text. */
static void test_tables_complete(void)
{
    static const ntstatus all[] = {
        STATUS_SUCCESS, STATUS_NOT_ALL_ASSIGNED, STATUS_SOME_NOT_MAPPED, STATUS_NO_MORE_ENTRIES,
        STATUS_UNSUCCESSFUL, STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER, STATUS_NO_MEMORY,
        STATUS_ACCESS_DENIED, STATUS_OBJECT_NAME_INVALID, STATUS_OBJECT_NAME_NOT_FOUND,
        STATUS_OBJECT_NAME_COLLISION, STATUS_NO_LOGON_SERVERS, STATUS_NO_SUCH_PRIVILEGE,
        STATUS_PRIVILEGE_NOT_HELD, STATUS_USER_EXISTS, STATUS_NO_SUCH_USER, STATUS_GROUP_EXISTS,
        STATUS_NO_SUCH_GROUP, STATUS_MEMBER_IN_GROUP, STATUS_MEMBER_NOT_IN_GROUP,
        STATUS_WRONG_PASSWORD, STATUS_LOGON_FAILURE, STATUS_ACCOUNT_RESTRICTION,
        STATUS_INVALID_LOGON_HOURS, STATUS_INVALID_WORKSTATION, STATUS_PASSWORD_EXPIRED,
        STATUS_ACCOUNT_DISABLED, STATUS_NONE_MAPPED, STATUS_INVALID_SID,
        STATUS_INTERNAL_DB_CORRUPTION, STATUS_LOGON_NOT_GRANTED, STATUS_INVALID_LOGON_TYPE,
        STATUS_LOGON_TYPE_NOT_GRANTED, STATUS_ACCOUNT_EXPIRED, STATUS_PASSWORD_MUST_CHANGE,
        STATUS_ACCOUNT_LOCKED_OUT, STATUS_SHARING_VIOLATION, STATUS_DISK_FULL,
        STATUS_IO_DEVICE_ERROR,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        CU_ASSERT_PTR_NOT_NULL(nterr_status_symbol(all[i]));
        uint32_t w = nterr_to_win32(all[i]);
        CU_ASSERT_NOT_EQUAL(w, ERROR_MR_MID_NOT_FOUND);
        CU_ASSERT_PTR_NOT_NULL(nterr_win32_symbol(w));
        CU_ASSERT_PTR_NOT_NULL(nterr_win32_text(w));
    }
    static const uint32_t w32[] = {1053, 1056, 1058, 1060, 1062, 1068, 1069, 1073, 6, 8, 32, 87,
                                   112, 1316, 1318, 1319, 1320, 1321, 1337, 1358, 1367, 1380};
    for (size_t i = 0; i < sizeof w32 / sizeof w32[0]; i++) {
        CU_ASSERT_PTR_NOT_NULL(nterr_win32_symbol(w32[i]));
        const char *t = nterr_win32_text(w32[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL(t[strlen(t) - 1], '.');
    }
    CU_ASSERT_STRING_EQUAL(nterr_status_symbol(STATUS_ACCESS_DENIED), "STATUS_ACCESS_DENIED");
    CU_ASSERT_PTR_NULL(nterr_status_symbol(0xC0FFEE01u));
    CU_ASSERT_PTR_NULL(nterr_win32_symbol(99999));
    CU_ASSERT_PTR_NULL(nterr_win32_text(99999));
}

static void test_texts(void)
{
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1314), "A required privilege is not held by the client.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1326), "Logon failure: unknown user name or bad password.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1313), "A specified privilege does not exist.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1385),
                           "Logon failure: the user has not been granted the requested logon type at this computer.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1907),
                           "The user must change his password before he logs on the first time.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1069), "The service did not start due to a logon failure.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(1301),
                           "Some mapping between account names and security IDs was not done.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_text(5), "Access is denied.");
    CU_ASSERT_STRING_EQUAL(nterr_win32_symbol(1314), "ERROR_PRIVILEGE_NOT_HELD");
}

static void test_parse(void)
{
    uint32_t c = 0;
    CU_ASSERT_TRUE(nterr_parse("ERROR_PRIVILEGE_NOT_HELD", &c));
    CU_ASSERT_EQUAL(c, 1314u);
    CU_ASSERT_TRUE(nterr_parse("error_access_denied", &c));
    CU_ASSERT_EQUAL(c, 5u);
    CU_ASSERT_TRUE(nterr_parse("1326", &c));
    CU_ASSERT_EQUAL(c, 1326u);
    CU_ASSERT_TRUE(nterr_parse("0xC0000061", &c));
    CU_ASSERT_EQUAL(c, 1314u);
    CU_ASSERT_TRUE(nterr_parse("0xc000006d", &c));
    CU_ASSERT_EQUAL(c, 1326u);
    CU_ASSERT_TRUE(nterr_parse("STATUS_LOGON_FAILURE", &c));
    CU_ASSERT_EQUAL(c, 1326u);
    c = 77;
    CU_ASSERT_FALSE(nterr_parse("", &c));
    CU_ASSERT_FALSE(nterr_parse("ERROR_NOPE", &c));
    CU_ASSERT_FALSE(nterr_parse("99999", &c));
    CU_ASSERT_FALSE(nterr_parse("1314x", &c));
    CU_ASSERT_FALSE(nterr_parse("-5", &c));
    CU_ASSERT_FALSE(nterr_parse("0x", &c));
    CU_ASSERT_FALSE(nterr_parse("0xC0FFEE01", &c));
    CU_ASSERT_FALSE(nterr_parse("99999999999999999999", &c));
    CU_ASSERT_FALSE(nterr_parse(NULL, &c));
    CU_ASSERT_EQUAL(c, 77u);
}

static void test_describe(void)
{
    char b[256];
    nterr_describe(1314, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1314 ERROR_PRIVILEGE_NOT_HELD: A required privilege is not held by the client.");
    nterr_describe(4242, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "4242 (unknown error)");
    char small[8];
    nterr_describe(1314, small, sizeof small);
    CU_ASSERT_STRING_EQUAL(small, "1314 ER");
}

static void test_osver(void)
{
    enum osver v;
    CU_ASSERT_TRUE(osver_parse("NT4", &v));
    CU_ASSERT_EQUAL(v, OSVER_NT4);
    CU_ASSERT_TRUE(osver_parse("nt4.0", &v));
    CU_ASSERT_EQUAL(v, OSVER_NT4);
    CU_ASSERT_TRUE(osver_parse("2000", &v));
    CU_ASSERT_EQUAL(v, OSVER_W2K);
    CU_ASSERT_TRUE(osver_parse("w2k", &v));
    CU_ASSERT_EQUAL(v, OSVER_W2K);
    CU_ASSERT_TRUE(osver_parse("Xp", &v));
    CU_ASSERT_EQUAL(v, OSVER_XP);
    CU_ASSERT_FALSE(osver_parse("vista", &v));
    CU_ASSERT_FALSE(osver_parse("", &v));
    CU_ASSERT_STRING_EQUAL(osver_name(OSVER_W2K), "w2k");
    CU_ASSERT_STRING_EQUAL(osver_display(OSVER_NT4), "Windows NT 4.0");
    CU_ASSERT_STRING_EQUAL(osver_display(OSVER_XP), "Windows XP");
    CU_ASSERT_TRUE(OSVER_NT4 < OSVER_W2K && OSVER_W2K < OSVER_XP);
}

/* The one errno mapping of the emulator (issue 13 item 7): each errno a
 * file operation reports, and the Win32 code the SCM turns it into. */
static void test_from_errno(void)
{
    static const struct {
        int e;
        ntstatus st;
    } cases[] = {
        {0, STATUS_SUCCESS},
        {ENOENT, STATUS_OBJECT_NAME_NOT_FOUND},
        {ENOTDIR, STATUS_OBJECT_NAME_NOT_FOUND},
        {EEXIST, STATUS_OBJECT_NAME_COLLISION},
        {ENOSPC, STATUS_DISK_FULL},
        {EDQUOT, STATUS_DISK_FULL},
        {EACCES, STATUS_ACCESS_DENIED},
        {EPERM, STATUS_ACCESS_DENIED},
        {EROFS, STATUS_ACCESS_DENIED},
        {ENOMEM, STATUS_NO_MEMORY},
        {ENAMETOOLONG, STATUS_OBJECT_NAME_INVALID},
        {EWOULDBLOCK, STATUS_SHARING_VIOLATION},
        {EIO, STATUS_IO_DEVICE_ERROR},
        {EINVAL, STATUS_IO_DEVICE_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CU_ASSERT_EQUAL(nterr_from_errno(cases[i].e), cases[i].st);
    UNIT_ASSERT_WIN32(nterr_to_win32(nterr_from_errno(ENOSPC)), ERROR_DISK_FULL);
    UNIT_ASSERT_WIN32(nterr_to_win32(nterr_from_errno(EIO)), ERROR_IO_DEVICE);
}

void suite_nterr(void)
{
    UNIT_SUITE("nterr", UNIT_TEST(test_mapping), UNIT_TEST(test_tables_complete),
               UNIT_TEST(test_texts), UNIT_TEST(test_parse), UNIT_TEST(test_describe),
               UNIT_TEST(test_osver), UNIT_TEST(test_from_errno));
}

#include "emulator/inf.h"
#include "emulator/rights.h"
#include "tests/unit/unit.h"
#include <stdlib.h>
#include <string.h>

#define HDR "[Unicode]\nUnicode=yes\n[Version]\nsignature=\"$CHICAGO$\"\nRevision=1\n"

static ntstatus parse(const char *text, enum osver os, struct inf *doc, char *err, size_t n)
{
    return inf_parse("t.inf", text, strlen(text), os, NULL, doc, err, n);
}

static void test_parse_good(void)
{
    const char *text = "; a comment\r\n"
                       "[Unicode]\r\nUnicode=yes\r\n"
                       "[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
                       "[System Access]\r\n"
                       "MinimumPasswordAge = 1\r\n"
                       "maximumpasswordage=-1\r\n"
                       "LockoutBadCount = 5\r\n"
                       "NewAdministratorName = \"Admin\"\r\n"
                       "[Event Audit]\r\n"
                       "AuditLogonEvents = 3\r\n"
                       "; kept\r\n"
                       "[Privilege Rights]\r\n"
                       "  ; indented comment\r\n"
                       "SeTcbPrivilege = *S-1-5-21-1-2-3-501,Guest,Foobar,*S-1-5-32-544\r\n"
                       "SeNetworkLogonRight =\r\n"
                       "SeChangeNotifyPrivilege=*S-1-1-0\r\n";
    struct inf doc;
    char err[256] = "x";
    UNIT_ASSERT_STATUS_FATAL(parse(text, OSVER_NT4, &doc, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_TRUE(doc.sa_set[INF_SA_MIN_PASSWORD_AGE]);
    CU_ASSERT_EQUAL(doc.sa[INF_SA_MIN_PASSWORD_AGE], 1);
    CU_ASSERT_EQUAL(doc.sa[INF_SA_MAX_PASSWORD_AGE], -1);
    CU_ASSERT_EQUAL(doc.sa[INF_SA_LOCKOUT_BAD_COUNT], 5);
    CU_ASSERT_FALSE(doc.sa_set[INF_SA_LOCKOUT_DURATION]);
    CU_ASSERT_EQUAL_FATAL(doc.n_sa_extra, 1u);
    CU_ASSERT_STRING_EQUAL(doc.sa_extra[0], "NewAdministratorName = \"Admin\"");
    CU_ASSERT_EQUAL_FATAL(doc.nsections, 1u);
    CU_ASSERT_STRING_EQUAL(doc.sections[0].name, "Event Audit");
    CU_ASSERT_EQUAL_FATAL(doc.sections[0].nlines, 2u);
    CU_ASSERT_STRING_EQUAL(doc.sections[0].lines[0], "AuditLogonEvents = 3");
    CU_ASSERT_STRING_EQUAL(doc.sections[0].lines[1], "; kept");
    CU_ASSERT_EQUAL_FATAL(doc.ngrants, 5u);
    CU_ASSERT_EQUAL(doc.grants[0].right, (unsigned)RI_TCB);
    CU_ASSERT_PTR_NULL(doc.grants[0].name);
    CU_ASSERT_EQUAL(doc.grants[0].sid.sub[4], 501u);
    CU_ASSERT_STRING_EQUAL(doc.grants[1].name, "Guest");
    CU_ASSERT_STRING_EQUAL(doc.grants[2].name, "Foobar");
    CU_ASSERT_EQUAL(doc.grants[4].right, (unsigned)RI_CHANGE_NOTIFY);
    inf_free(&doc);
    CU_ASSERT_EQUAL(doc.ngrants, 0u);
}

static void test_utf16(void)
{
    const char *text = HDR "[Privilege Rights]\r\nSeTcbPrivilege = *S-1-5-32-544,Exchsvc\r\n";
    size_t n = strlen(text);
    char *u = malloc(2 + 2 * n);
    u[0] = (char)0xFF;
    u[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        u[2 + 2 * i] = text[i];
        u[3 + 2 * i] = 0;
    }
    struct inf doc;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(
        inf_parse("u.inf", u, 2 + 2 * n, OSVER_NT4, NULL, &doc, err, sizeof err), STATUS_SUCCESS);
    CU_ASSERT_EQUAL(doc.ngrants, 2u);
    inf_free(&doc);
    /* Odd length UTF-16 is rejected as text. */
    UNIT_ASSERT_STATUS(inf_parse("u.inf", u, 1 + 2 * n, OSVER_NT4, NULL, &doc, err, sizeof err),
                       STATUS_INTERNAL_DB_CORRUPTION);
    unsigned lines = 0; /* the stray byte is half of the last LF: on the last line */
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    char want[64];
    snprintf(want, sizeof want, "u.inf:%u: not UTF-16LE", lines);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "(odd number of bytes in UTF-16 text)"));
    free(u);
}

static void expect_err(const char *text, enum osver os, ntstatus want, const char *msg)
{
    struct inf doc;
    char err[512] = "";
    CU_ASSERT_EQUAL(parse(text, os, &doc, err, sizeof err), want);
    if (strcmp(err, msg) != 0) {
        fprintf(stderr, "\n  got  \"%s\"\n  want \"%s\"\n", err, msg);
        CU_FAIL("error message");
    }
    CU_ASSERT_EQUAL(doc.ngrants, 0u);
    CU_ASSERT_EQUAL(doc.nsections, 0u);
}

#define C STATUS_INTERNAL_DB_CORRUPTION
static void test_errors(void)
{
    expect_err("[Unicode]\nUnicode=yes\n[Privilege Rights]\nSeTcbPrivilege =\n", OSVER_NT4, C,
               "t.inf:1: missing [Version] section with signature=\"$CHICAGO$\"");
    expect_err("[Unicode]\nUnicode=yes\n[Version]\nRevision=1\n", OSVER_NT4, C,
               "t.inf:3: [Version] lacks signature=\"$CHICAGO$\"");
    expect_err("[Version]\nsignature=\"$WINDOWS NT$\"\n", OSVER_NT4, C,
               "t.inf:2: signature is \"\"$WINDOWS NT$\"\", want \"$CHICAGO$\" in quotes");
    expect_err("[Version]\nsignature=\"$CHICAGO$\"\nRevision=2\n", OSVER_NT4, C,
               "t.inf:3: unsupported Revision \"2\" (want 1)");
    expect_err(HDR "[Privilege Rights\nSeTcbPrivilege =\n", OSVER_NT4, C,
               "t.inf:6: bad section header \"[Privilege Rights\"");
    expect_err(HDR "[Privilege] Rights]\n", OSVER_NT4, C,
               "t.inf:6: bad section header \"[Privilege] Rights]\"");
    expect_err(HDR "[ ]\n", OSVER_NT4, C, "t.inf:6: bad section header \"[]\" (empty name)");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege\n", OSVER_NT4, C,
               "t.inf:7: line without '=': \"SeTcbPrivilege\"");
    expect_err(HDR "[System Access]\nMinimumPasswordLength\n", OSVER_NT4, C,
               "t.inf:7: line without '=': \"MinimumPasswordLength\"");
    expect_err("junk\n" HDR, OSVER_NT4, C, "t.inf:1: line outside any section: \"junk\"");
    expect_err(HDR "[System Access]\nMinimumPasswordLength = 7x\n", OSVER_NT4, C,
               "t.inf:7: bad number \"7x\" for MinimumPasswordLength (want 0..14)");
    expect_err(HDR "[System Access]\nMinimumPasswordLength = 15\n", OSVER_NT4, C,
               "t.inf:7: bad number \"15\" for MinimumPasswordLength (want 0..14)");
    expect_err(HDR "[System Access]\nLockoutBadCount =\n", OSVER_NT4, C,
               "t.inf:7: bad number \"\" for LockoutBadCount (want 0..999)");
    expect_err(HDR "[System Access]\nLockoutBadCount = 1\nlockoutbadcount = 2\n", OSVER_NT4, C,
               "t.inf:8: LockoutBadCount given twice");
    expect_err(HDR "[System Access]\n= 2\n", OSVER_NT4, C, "t.inf:7: missing key before '='");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege = *S-1-5-32-5x4\n", OSVER_NT4, C,
               "t.inf:7: malformed SID \"*S-1-5-32-5x4\": trailing characters after a sub-authority");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege = *\n", OSVER_NT4, C,
               "t.inf:7: malformed SID \"*\": missing \"S-\" prefix");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege = a,,b\n", OSVER_NT4, C,
               "t.inf:7: empty account entry in the list of SeTcbPrivilege");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege = a,\n", OSVER_NT4, C,
               "t.inf:7: empty account entry in the list of SeTcbPrivilege");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege = a\tb\n", OSVER_NT4, C,
               "t.inf:7: control character in account name \"a\tb\"");
    expect_err(HDR "[Privilege Rights]\nSeTcbPrivilege = a\nSeTcbPrivilege = b\n", OSVER_NT4, C,
               "t.inf:8: SeTcbPrivilege listed twice");
    expect_err(HDR "[Privilege Rights]\nSeFrobPrivilege = *S-1-1-0\n", OSVER_NT4,
               STATUS_NO_SUCH_PRIVILEGE, "t.inf:7: unknown right \"SeFrobPrivilege\"");
    expect_err(HDR "[Privilege Rights]\nsetcbprivilege = *S-1-1-0\n", OSVER_NT4,
               STATUS_NO_SUCH_PRIVILEGE, "t.inf:7: unknown right \"setcbprivilege\"");
    expect_err(HDR "[Privilege Rights]\nSeDenyNetworkLogonRight = *S-1-1-0\n", OSVER_NT4,
               STATUS_NO_SUCH_PRIVILEGE,
               "t.inf:7: right SeDenyNetworkLogonRight does not exist on Windows NT 4.0");
    expect_err(HDR "[Unicode]\nUnicode=maybe\n", OSVER_NT4, C,
               "t.inf:7: Unicode must be yes or no, not \"maybe\"");
    /* Not text. */
    struct inf doc;
    char err[256];
    const char bin[] = "[Version]\n\0\1";
    CU_ASSERT_EQUAL(inf_parse("b.inf", bin, sizeof bin, OSVER_NT4, NULL, &doc, err, sizeof err), C);
    CU_ASSERT_STRING_EQUAL(err, "b.inf:2: not UTF-16LE (with BOM), UTF-8 or ASCII text (NUL byte)");
    /* A tiny err buffer is still terminated. */
    char small[6];
    CU_ASSERT_EQUAL(parse("junk\n", OSVER_NT4, &doc, small, sizeof small), C);
    CU_ASSERT_STRING_EQUAL(small, "t.inf");
    CU_ASSERT_EQUAL(parse("junk\n", OSVER_NT4, &doc, NULL, 0), C);
}

static void test_limits(void)
{
    struct inf_limits lim = {1024, 40, 3};
    struct inf doc;
    char err[256];
    const char *longline = HDR "[Privilege Rights]\nSeTcbPrivilege = *S-1-5-21-1-2-3-1000,*S-1-1-0\n";
    CU_ASSERT_EQUAL(inf_parse("t.inf", longline, strlen(longline), OSVER_NT4, &lim, &doc, err,
                              sizeof err), C);
    CU_ASSERT_STRING_EQUAL(err, "t.inf:7: line longer than 40 bytes");
    const char *many = HDR "[Privilege Rights]\nSeTcbPrivilege = a,b\nSeDebugPrivilege = c,d\n";
    CU_ASSERT_EQUAL(inf_parse("t.inf", many, strlen(many), OSVER_NT4, &lim, &doc, err, sizeof err), C);
    CU_ASSERT_STRING_EQUAL(err, "t.inf:8: more than 3 account entries");
    const char *verb = HDR "[Event Audit]\nA=1\nB=2\n[Registry Values]\n";
    CU_ASSERT_EQUAL(inf_parse("t.inf", verb, strlen(verb), OSVER_NT4, &lim, &doc, err, sizeof err), C);
    CU_ASSERT_STRING_EQUAL(err, "t.inf:9: more than 3 lines kept verbatim");
    lim.max_file = 10;
    CU_ASSERT_EQUAL(inf_parse("t.inf", many, strlen(many), OSVER_NT4, &lim, &doc, err, sizeof err), C);
    CU_ASSERT_STRING_EQUAL(err, "t.inf: file larger than 10 bytes");
    char name[INF_MAX_NAME + 64];
    memset(name, 'n', INF_MAX_NAME + 1);
    name[INF_MAX_NAME + 1] = 0;
    char text[1024];
    snprintf(text, sizeof text, HDR "[Privilege Rights]\nSeTcbPrivilege = %s\n", name);
    CU_ASSERT_EQUAL(parse(text, OSVER_NT4, &doc, err, sizeof err), C);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.inf:7: account name \"nnnn"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than 256 bytes"));
    /* Exactly at the limit is fine. */
    name[INF_MAX_NAME] = 0;
    snprintf(text, sizeof text, HDR "[Privilege Rights]\nSeTcbPrivilege = %s\n", name);
    UNIT_ASSERT_STATUS(parse(text, OSVER_NT4, &doc, err, sizeof err), STATUS_SUCCESS);
    inf_free(&doc);
}

static void test_write_canonical(void)
{
    const char *text = HDR "[Event Audit]\nAuditLogonEvents = 3\n"
                           "[System Access]\nLockoutBadCount=5\nMaximumPasswordAge=42\nFoo=bar\n"
                           "[Privilege Rights]\n"
                           "SeNetworkLogonRight = zed,*S-1-5-32-544,Alpha,*S-1-1-0,*S-1-5-32-544\n"
                           "SeTcbPrivilege = *S-1-5-21-9-9-9-1000\n"
                           "SeDebugPrivilege =\n";
    struct inf doc;
    char err[256];
    UNIT_ASSERT_STATUS_FATAL(parse(text, OSVER_NT4, &doc, err, sizeof err), STATUS_SUCCESS);
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL_FATAL(inf_write(&doc, &b), 0);
    const char *want = "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
                       "[System Access]\r\nMaximumPasswordAge = 42\r\nLockoutBadCount = 5\r\nFoo = bar\r\n"
                       "[Privilege Rights]\r\n"
                       "SeTcbPrivilege = *S-1-5-21-9-9-9-1000\r\n"
                       "SeNetworkLogonRight = *S-1-1-0,*S-1-5-32-544,Alpha,zed\r\n"
                       "[Event Audit]\r\nAuditLogonEvents = 3\r\n";
    CU_ASSERT_STRING_EQUAL(b.p, want);
    /* The output parses back to the same output (a fixed point). */
    struct inf again;
    UNIT_ASSERT_STATUS_FATAL(inf_parse("w", b.p, b.len, OSVER_NT4, NULL, &again, err, sizeof err),
                             STATUS_SUCCESS);
    struct buf b2 = BUF_INIT;
    CU_ASSERT_EQUAL(inf_write(&again, &b2), 0);
    CU_ASSERT_STRING_EQUAL(b2.p, want);
    buf_free(&b);
    buf_free(&b2);
    inf_free(&doc);
    inf_free(&again);
    /* An empty document still has the header. */
    struct inf empty;
    inf_init(&empty);
    CU_ASSERT_EQUAL(inf_write(&empty, &b), 0);
    CU_ASSERT_STRING_EQUAL(b.p, "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\n"
                                "Revision=1\r\n[System Access]\r\n[Privilege Rights]\r\n");
    buf_free(&b);
    CU_ASSERT_STRING_EQUAL(inf_sa_key(INF_SA_FORCE_LOGOFF), "ForceLogoffWhenHourExpire");
    CU_ASSERT_PTR_NULL(inf_sa_key(INF_SA_COUNT));
    CU_ASSERT_TRUE(inf_sa_valid(INF_SA_LOCKOUT_DURATION, -1));
    CU_ASSERT_FALSE(inf_sa_valid(INF_SA_MIN_PASSWORD_AGE, -1));
}

void suite_inf(void)
{
    UNIT_SUITE("inf", UNIT_TEST(test_parse_good), UNIT_TEST(test_utf16), UNIT_TEST(test_errors),
               UNIT_TEST(test_limits), UNIT_TEST(test_write_canonical));
}

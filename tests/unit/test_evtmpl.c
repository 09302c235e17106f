/* Event description templates (src/pop3/evtmpl.h): insertion strings,
 * literal percent signs, long texts, missing inserts. */
#include "src/pop3/evtmpl.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <string.h>

static const char *const ins[] = {"CORP\\alice", "10.0.0.7", "alice", "LogonUser", "1326",
                                  "Logon failure: unknown user name or bad password."};
#define NINS (sizeof ins / sizeof ins[0])

static void test_evtmpl_inserts(void)
{
    char out[256];
    CU_ASSERT_EQUAL(evtmpl_expand("User %1 from %2: %4 failed, error %5: %6", ins, NINS, out,
                                  sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "User CORP\\alice from 10.0.0.7: LogonUser failed, error 1326: "
                                "Logon failure: unknown user name or bad password.");
    /* the same insert twice, adjacent inserts, an insert at either end */
    CU_ASSERT_EQUAL(evtmpl_expand("%3%3 %1", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "alicealice CORP\\alice");
    /* two digits are read greedily: %12 is insert 12, which is missing */
    CU_ASSERT_EQUAL(evtmpl_expand("%12", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "%12");
    CU_ASSERT_EQUAL(evtmpl_expand("%1 2", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "CORP\\alice 2");
    /* a third digit is text */
    CU_ASSERT_EQUAL(evtmpl_expand("%013", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "%013");
}

static void test_evtmpl_percent(void)
{
    char out[128];
    CU_ASSERT_EQUAL(evtmpl_expand("100%% of %3", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "100% of alice");
    CU_ASSERT_EQUAL(evtmpl_expand("%%1 is not an insert", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "%1 is not an insert");
    /* a lone '%' (end, or before a non-digit) stays as written */
    CU_ASSERT_EQUAL(evtmpl_expand("50% done %", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "50% done %");
    /* an insert holding '%' is not expanded again */
    const char *const pct[] = {"ev%2il", "X"};
    CU_ASSERT_EQUAL(evtmpl_expand("[%1]", pct, 2, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "[ev%2il]");
}

static void test_evtmpl_missing(void)
{
    char out[128];
    CU_ASSERT_EQUAL(evtmpl_expand("%1 at %2 (%7)", ins, 1, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "CORP\\alice at %2 (%7)");
    const char *const holes[] = {"a", NULL, "c"};
    CU_ASSERT_EQUAL(evtmpl_expand("%1%2%3", holes, 3, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "a%2c");
    CU_ASSERT_EQUAL(evtmpl_expand("%1", NULL, 0, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "%1");
    CU_ASSERT_EQUAL(evtmpl_expand("", ins, NINS, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
}

static void test_evtmpl_long(void)
{
    char big[3000], out[64];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = 0;
    const char *const one[] = {big};
    CU_ASSERT_EQUAL(evtmpl_expand("x%1z", one, 1, out, sizeof out), ENOSPC);
    CU_ASSERT_EQUAL(strlen(out), sizeof out - 1);
    CU_ASSERT_EQUAL(out[0], 'x');
    CU_ASSERT_EQUAL(out[62], 'y');
    /* exactly full is not cut */
    char fit[8];
    CU_ASSERT_EQUAL(evtmpl_expand("abcdefg", NULL, 0, fit, sizeof fit), 0);
    CU_ASSERT_STRING_EQUAL(fit, "abcdefg");
    CU_ASSERT_EQUAL(evtmpl_expand("abcdefgh", NULL, 0, fit, sizeof fit), ENOSPC);
    CU_ASSERT_STRING_EQUAL(fit, "abcdefg");
    /* a cut never splits a UTF-8 character: "é" is two bytes */
    const char *const utf[] = {"abcdef\xc3\xa9"};
    CU_ASSERT_EQUAL(evtmpl_expand("%1", utf, 1, fit, sizeof fit), ENOSPC);
    CU_ASSERT_STRING_EQUAL(fit, "abcdef");
    char one_byte[1];
    CU_ASSERT_EQUAL(evtmpl_expand("a", NULL, 0, one_byte, 1), ENOSPC);
    CU_ASSERT_EQUAL(one_byte[0], 0);
    CU_ASSERT_EQUAL(evtmpl_expand("a", NULL, 0, one_byte, 0), EINVAL);
}

static void test_evtmpl_check(void)
{
    char why[128] = "";
    CU_ASSERT_EQUAL(evtmpl_check("User %1 error %7: %6 100%% %x %", 7, why, sizeof why), 0);
    CU_ASSERT_EQUAL(evtmpl_check("%8", 7, why, sizeof why), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "%1..%7"));
    CU_ASSERT_EQUAL(evtmpl_check("a %0 b", 7, why, sizeof why), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "%0"));
    CU_ASSERT_EQUAL(evtmpl_check("%%8", 7, why, sizeof why), 0);
    CU_ASSERT_EQUAL(evtmpl_check("%99", 99, NULL, 0), 0);
    CU_ASSERT_EQUAL(evtmpl_check(NULL, 7, NULL, 0), EINVAL);
}

void suite_evtmpl(void)
{
    UNIT_SUITE("evtmpl", UNIT_TEST(test_evtmpl_inserts), UNIT_TEST(test_evtmpl_percent),
               UNIT_TEST(test_evtmpl_missing), UNIT_TEST(test_evtmpl_long),
               UNIT_TEST(test_evtmpl_check));
}

/* ntlab run --minimize's parts (src/scenario/minimize.h): the units of a
 * file, the text of a candidate with its line map, and the errors of
 * scn_minimize. The whole minimization runs in tests/cli/minimize.t (it
 * needs the CLI's admin steps). */
#include "src/lib/buf.h"
#include "src/scenario/minimize.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char text[] = "title t\n"                          /* 1 fixed */
                           "# a comment\n"                      /* 2 dropped */
                           "ntlab user add a --password x\n"    /* 3 unit 0 */
                           "exit 0\n"                           /* 4 unit 0, sub 0 */
                           "begin\n"                            /* 5 fixed */
                           "open s1\n"                          /* 6 unit 1 */
                           "s1 < +OK hi\n"                      /* 7 unit 1 (head) */
                           "ntlab mail deliver a - <<M\n"       /* 8 unit 2 */
                           "s1 > not a session line here\n"     /* 9 unit 2 (body) */
                           "M\n"                                /* 10 unit 2 */
                           "s1 > QUIT\n"                        /* 11 unit 1, sub 1 */
                           "s1 < +OK bye\n"                     /* 12 unit 1, sub 1 */
                           "s1 closed\n"                        /* 13 unit 1, sub 1 */
                           "close s1\n"                         /* 14 unit 1 */
                           "x9 > stray\n";                      /* 15 fixed */

static void test_split(void)
{
    struct scn_min_units u;
    CU_ASSERT_EQUAL_FATAL(scn_min_split(text, strlen(text), &u), 0);
    CU_ASSERT_EQUAL_FATAL(u.n, 15);
    CU_ASSERT_EQUAL(u.nunits, 3);
    CU_ASSERT_EQUAL(u.nsubs, 2);
    const int unit[] = {-1, -1, 0, 0, -1, 1, 1, 2, 2, 2, 1, 1, 1, 1, -1};
    const int sub[] = {-1, -1, -1, 0, -1, -1, -1, -1, -1, -1, 1, 1, 1, -1, -1};
    for (size_t i = 0; i < u.n; i++) {
        CU_ASSERT_EQUAL(u.v[i].unit, unit[i]);
        CU_ASSERT_EQUAL(u.v[i].sub, sub[i]);
        CU_ASSERT_EQUAL(u.v[i].orig, i + 1);
    }
    CU_ASSERT_TRUE(u.v[1].drop);
    /* Unit 2 and the exchange dropped: the line map points back. */
    bool uk[] = {true, true, false}, sk[] = {true, false};
    struct buf b = BUF_INIT;
    unsigned map[15];
    CU_ASSERT_EQUAL_FATAL(scn_min_text(&u, uk, sk, &b, map), 0);
    CU_ASSERT_EQUAL(b.len, strlen("title t\nntlab user add a --password x\nexit 0\nbegin\nopen "
                                  "s1\ns1 < +OK hi\nclose s1\nx9 > stray\n"));
    CU_ASSERT_EQUAL(memcmp(b.p, "title t\nntlab user add a", 24), 0);
    CU_ASSERT_EQUAL(map[0], 1);
    CU_ASSERT_EQUAL(map[1], 3);
    CU_ASSERT_EQUAL(map[6], 14);
    CU_ASSERT_EQUAL(map[7], 15);
    buf_free(&b);
    scn_min_units_free(&u);
}

static void test_errors(void)
{
    struct scn_run_opts ro = {0};
    struct scn_min_opts o = {.run = &ro};
    struct scn_min_result r;
    char err[256];
    const char *bad = "title t\nbegin\ns1 frobnicate\n";
    CU_ASSERT_EQUAL(scn_minimize("bad.scn", bad, strlen(bad), &o, &r, err, sizeof err), EINVAL);
    CU_ASSERT_EQUAL(strncmp(err, "bad.scn:3: ", 11), 0);
    CU_ASSERT_PTR_NULL(r.text);
    const char *pass = "title t\nbegin\n";
    CU_ASSERT_EQUAL(scn_minimize("p.scn", pass, strlen(pass), &o, &r, err, sizeof err), ESRCH);
    CU_ASSERT_STRING_EQUAL(err, "p.scn: the scenario passes: nothing to minimize");
    /* A reference the empty transcript only lacks lines of: nothing to keep. */
    o.reference = "  s1 < +OK\n";
    o.reference_len = strlen(o.reference);
    CU_ASSERT_EQUAL(scn_minimize("p.scn", pass, strlen(pass), &o, &r, err, sizeof err), ESRCH);
    CU_ASSERT_STRING_EQUAL(err,
                           "p.scn: the transcript only lacks lines of the reference: nothing to keep");
    o.reference = "";
    o.reference_len = 0;
    CU_ASSERT_EQUAL(scn_minimize("p.scn", pass, strlen(pass), &o, &r, err, sizeof err), ESRCH);
    CU_ASSERT_STRING_EQUAL(err, "p.scn: the transcript is the reference's: nothing to minimize");
}

void suite_minimize(void)
{
    UNIT_SUITE("minimize", UNIT_TEST(test_split), UNIT_TEST(test_errors));
}

/* Issue 14 item 6: where a failure's caret points when the expected line
 * holds {{regex}} escapes: at the first byte of the actual line that the
 * pattern (literal parts and escapes together) cannot match. rematch_prefix
 * is the engine's half, scn_pattern_prefix the pattern's, the diff note the
 * report's. */
#include "src/lib/rematch.h"
#include "src/scenario/diff.h"
#include "src/scenario/match.h"
#include "tests/unit/unit.h"
#include <stdlib.h>
#include <string.h>

static size_t rx_prefix(const char *re, const char *s)
{
    struct rematch *m = NULL;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(rematch_compile(re, &m, err, sizeof err), 0);
    size_t k = rematch_prefix(m, s);
    rematch_free(m);
    return k;
}

static void test_rematch_prefix(void)
{
    CU_ASSERT_EQUAL(rx_prefix("^abc$", "abc"), 3);   /* all of it */
    CU_ASSERT_EQUAL(rx_prefix("^abc$", "abd"), 2);   /* the 'd' */
    CU_ASSERT_EQUAL(rx_prefix("^abc$", "abcd"), 3);  /* past the end anchor */
    CU_ASSERT_EQUAL(rx_prefix("^abc$", "ab"), 2);    /* the line ended early */
    CU_ASSERT_EQUAL(rx_prefix("^abc$", "x"), 0);
    CU_ASSERT_EQUAL(rx_prefix("^abc$", ""), 0);
    CU_ASSERT_EQUAL(rx_prefix("^a[0-9]+b$", "a123xb"), 4);
    CU_ASSERT_EQUAL(rx_prefix("^a[0-9]+b$", "ab"), 1); /* + wants one digit */
    CU_ASSERT_EQUAL(rx_prefix("^a[0-9]*b$", "ab!"), 2);
    CU_ASSERT_EQUAL(rx_prefix("^.*xyz$", "abc"), 3);   /* .* takes everything */
    CU_ASSERT_EQUAL(rx_prefix("^(ab|ac)d$", "acx"), 2); /* either branch counts */
    CU_ASSERT_EQUAL(rx_prefix("^(ab|ac)d$", "aex"), 1);
    CU_ASSERT_EQUAL(rx_prefix("^x{2,3}y$", "xxxxy"), 3); /* the bound's end */
    CU_ASSERT_EQUAL(rx_prefix("^a\\>b$", "ab"), 1);     /* an assertion that fails mid-line */
    CU_ASSERT_EQUAL(rx_prefix("^a()*b$", "ac"), 1);     /* an empty loop ends */
    /* Unanchored at the start, still counted from s[0]: no later restart. */
    CU_ASSERT_EQUAL(rx_prefix("b", "ab"), 0);
}

static size_t pat_prefix(const char *pat, const char *line)
{
    struct scn_pattern p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(scn_pattern_init(&p, pat, strlen(pat), err, sizeof err), 0);
    size_t k = scn_pattern_prefix(&p, line, strlen(line));
    scn_pattern_free(&p);
    return k;
}

static void test_pattern_prefix(void)
{
    /* Literal: the common prefix. */
    CU_ASSERT_EQUAL(pat_prefix("+OK ready", "+OK readY"), 8);
    CU_ASSERT_EQUAL(pat_prefix("+OK ready", "+OK ready now"), 9);
    /* The escape's text is not compared with the line: "+OK 12 messagez"
     * parts at the 'z', not at the '{' of the pattern. */
    CU_ASSERT_EQUAL(pat_prefix("+OK {{[0-9]+}} messages", "+OK 12 messagez"), 14);
    CU_ASSERT_EQUAL(pat_prefix("+OK {{[0-9]+}} messages", "+OK x messages"), 4);
    CU_ASSERT_EQUAL(pat_prefix("+OK {{[0-9]+}} messages", "+OK 12 messages!"), 15);
    CU_ASSERT_EQUAL(pat_prefix("+OK {{[0-9]+}} messages", "+OK 12"), 6); /* ended early */
    /* Literal specials around escapes stay literal. */
    CU_ASSERT_EQUAL(pat_prefix("a.b {{x|y}} (c)", "a.b y (d)"), 7);
    CU_ASSERT_EQUAL(pat_prefix("a.b {{x|y}} (c)", "aXb y (c)"), 1);
    /* A bound inside the escape, and a literal {{. */
    CU_ASSERT_EQUAL(pat_prefix("{{[0-9]{4}}}-x", "199-x"), 3);
    CU_ASSERT_EQUAL(pat_prefix("lit {{\\{\\{}} end", "lit {x end"), 5);
    /* A greedy escape followed by literal text: the line ran out. */
    CU_ASSERT_EQUAL(pat_prefix("{{.*}} signing off", "+OK bye"), 7);
    /* A NUL in the line: no escape matches it. */
    struct scn_pattern p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(scn_pattern_init(&p, "a{{.*}}", 7, err, sizeof err), 0);
    CU_ASSERT_EQUAL(scn_pattern_prefix(&p, "ab\0c", 4), 2);
    scn_pattern_free(&p);
    /* A long line (heap copy inside). */
    char *line = malloc(6001);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    line[0] = 'x';
    memset(line + 1, 'y', 5999);
    line[6000] = 0;
    line[4321] = 'z';
    CU_ASSERT_EQUAL(pat_prefix("x{{y*}}", line), 4321);
    free(line);
}

/* The diff note: the caret under the actual line, at that byte. */
static void test_diff_caret(void)
{
    struct scn_pattern p;
    char err[256];
    const char *pat = "+OK {{[0-9]+}} messages ({{[0-9]+}} octets)";
    CU_ASSERT_EQUAL_FATAL(scn_pattern_init(&p, pat, strlen(pat), err, sizeof err), 0);
    struct scn_transcript e = {0}, a = {0};
    CU_ASSERT_EQUAL(scn_ts_add_pat(&e, "s1 < ", &p, 0), 0);
    const char *got = "s1 < +OK 2 messages (320 octet)";
    CU_ASSERT_EQUAL(scn_ts_add(&a, got, strlen(got), 0), 0);
    struct buf out = BUF_INIT;
    CU_ASSERT_EQUAL(scn_diff(&e, &a, "e", "a", "", &out), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out.p);
    /* "(320 octet" matched; the ')' is where "octets" wanted an 's'. */
    CU_ASSERT(strstr(out.p, "first byte the pattern cannot match at column 31: ')' (0x29)\n"
                            "-s1 < +OK {{[0-9]+}} messages ({{[0-9]+}} octets)\n"
                            "+s1 < +OK 2 messages (320 octet)\n"
                            "                               ^\n") != NULL);
    buf_free(&out);
    scn_ts_free(&a);

    /* The line ends where the pattern wants more. */
    got = "s1 < +OK 2 messages (";
    CU_ASSERT_EQUAL(scn_ts_add(&a, got, strlen(got), 0), 0);
    CU_ASSERT_EQUAL(scn_diff(&e, &a, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "actual line ends at column 22 where the pattern wants more\n") !=
              NULL);
    CU_ASSERT(strstr(out.p, "\n                      ^\n") != NULL);
    buf_free(&out);
    scn_ts_free(&a);

    /* The pattern matches, only the line end differs. */
    got = "s1 < +OK 2 messages (320 octets)";
    CU_ASSERT_EQUAL(scn_ts_add(&a, got, strlen(got), SCN_TL_BARE_LF), 0);
    CU_ASSERT_EQUAL(scn_diff(&e, &a, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "the pattern matches; the line ends differ (CRLF expected, LF got)") !=
              NULL);
    buf_free(&out);
    scn_ts_free(&a);

    /* The prefix before the pattern differs: the plain byte note. */
    got = "s2 < +OK 2 messages (320 octets)";
    CU_ASSERT_EQUAL(scn_ts_add(&a, got, strlen(got), 0), 0);
    CU_ASSERT_EQUAL(scn_diff(&e, &a, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "first difference at column 2: expected '1' (0x31), got '2' (0x32)") !=
              NULL);
    buf_free(&out);
    scn_ts_free(&a);

    /* A wide visible byte (a tab) before the caret moves it by its width. */
    scn_ts_free(&e);
    scn_pattern_free(&p);
    pat = "x{{\t*}}y";
    CU_ASSERT_EQUAL_FATAL(scn_pattern_init(&p, pat, strlen(pat), err, sizeof err), 0);
    CU_ASSERT_EQUAL(scn_ts_add_pat(&e, "| ", &p, 0), 0);
    got = "| x\tz";
    CU_ASSERT_EQUAL(scn_ts_add(&a, got, strlen(got), 0), 0);
    CU_ASSERT_EQUAL(scn_diff(&e, &a, "e", "a", "", &out), 0);
    CU_ASSERT(strstr(out.p, "+| x\\tz\n      ^\n") != NULL);
    buf_free(&out);
    scn_ts_free(&a);
    scn_ts_free(&e);
    scn_pattern_free(&p);
}

void suite_caret(void)
{
    UNIT_SUITE("caret", UNIT_TEST(test_rematch_prefix), UNIT_TEST(test_pattern_prefix),
               UNIT_TEST(test_diff_caret));
}

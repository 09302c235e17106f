/* The class roster (issue 16): LOGIN:DISPLAY NAME[:SEED] lines, comments,
 * every malformed line as "FILE:LINE: problem", uniqueness, seeds. */
#include "src/exercise/roster.h"
#include "src/lib/afile.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a copy of text (roster_parse writes into it). */
static int parse(const char *text, struct roster *r, char *err, size_t errlen)
{
    char *t = strdup(text);
    CU_ASSERT_FATAL(t != NULL);
    int e = roster_parse("r.txt", t, strlen(t), r, err, errlen);
    free(t);
    return e;
}

static void test_good(void)
{
    struct roster r;
    char err[256] = "";
    CU_ASSERT_FATAL(parse("# class of 1998\n\n  alice : Alice Liddell \r\nbob.s:Bob "
                          "Smith:42\n\t# done\ncarl_3:Carl-Émile:0\n",
                          &r, err, sizeof err) == 0);
    CU_ASSERT_FATAL(r.n == 3);
    CU_ASSERT_STRING_EQUAL(r.s[0].login, "alice");
    CU_ASSERT_STRING_EQUAL(r.s[0].display, "Alice Liddell");
    CU_ASSERT(!r.s[0].seed_given && r.s[0].line == 3);
    CU_ASSERT_STRING_EQUAL(r.s[1].login, "bob.s");
    CU_ASSERT(r.s[1].seed_given && r.s[1].seed == 42 && r.s[1].line == 4);
    CU_ASSERT_STRING_EQUAL(r.s[2].display, "Carl-Émile");
    CU_ASSERT(r.s[2].seed_given && r.s[2].seed == 0);
    CU_ASSERT(roster_fill_seeds(&r) == 0);
    CU_ASSERT(r.s[0].seed_given && r.s[0].seed >= 1 && r.s[0].seed <= 999999);
    CU_ASSERT(r.s[0].seed != 42 && r.s[0].seed != 0);
    CU_ASSERT(r.s[1].seed == 42 && r.s[2].seed == 0); /* given seeds are kept */
    roster_free(&r);
    CU_ASSERT(r.s == NULL && r.n == 0);
}

/* Each malformed roster fails with exactly this message, and leaves no students. */
static void test_bad(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"alice Alice\n", "r.txt:1: missing ':' after the login (expected LOGIN:DISPLAY NAME[:SEED])"},
        {"# c\na:b:1:2\n", "r.txt:2: too many ':' (expected LOGIN:DISPLAY NAME[:SEED]; a display name has no ':')"},
        {"al ice:Alice\n", "r.txt:1: login 'al ice' is not 1-32 letters, digits, '.', '_' or '-' starting with a letter or digit"},
        {"-x:X\n", "r.txt:1: login '-x' is not 1-32 letters, digits, '.', '_' or '-' starting with a letter or digit"},
        {"../x:X\n", "r.txt:1: login '../x' is not 1-32 letters, digits, '.', '_' or '-' starting with a letter or digit"},
        {":X\n", "r.txt:1: login '' is not 1-32 letters, digits, '.', '_' or '-' starting with a letter or digit"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:X\n", "r.txt:1: login 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not 1-32 letters, digits, '.', '_' or '-' starting with a letter or digit"},
        {"a:  \n", "r.txt:1: empty display name"},
        {"a:A\tB\n", "r.txt:1: control character in display name"},
        {"a:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "r.txt:1: display name longer than 64 bytes"},
        {"a:A:x1\n", "r.txt:1: seed 'x1' is not a number from 0 to 4294967295"},
        {"a:A:4294967296\n", "r.txt:1: seed '4294967296' is not a number from 0 to 4294967295"},
        {"a:A:-1\n", "r.txt:1: seed '-1' is not a number from 0 to 4294967295"},
        {"a:A:\n", "r.txt:1: seed '' is not a number from 0 to 4294967295"},
        {"alice:A\nbob:B\nALICE:C\n", "r.txt:3: login 'ALICE' already on line 1"},
        {"a:A:7\nb:B:7\n", "r.txt:2: seed 7 already given to 'a' on line 1 (two students would get the same lab)"},
        {"# nobody\n\n", "r.txt: no students (lines LOGIN:DISPLAY NAME[:SEED])"},
        {"", "r.txt: no students (lines LOGIN:DISPLAY NAME[:SEED])"},
        {"a:A\nb:\xff\n", "r.txt:2: invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct roster r = {(void *)1, 99};
        char err[512] = "";
        CU_ASSERT(parse(cases[i].text, &r, err, sizeof err) == EINVAL);
        CU_ASSERT(r.s == NULL && r.n == 0);
        if (strcmp(err, cases[i].msg) != 0)
            fprintf(stderr, "\ncase %zu: got '%s'\n", i, err);
        CU_ASSERT_STRING_EQUAL(err, cases[i].msg);
    }
}

static void test_limits(void)
{
    /* a line past 512 bytes, and the 1001st student */
    char *t = malloc(ROSTER_FILE_MAX);
    CU_ASSERT_FATAL(t != NULL);
    memset(t, 'x', 600);
    memcpy(t, "a:", 2);
    t[600] = '\n';
    t[601] = 0;
    struct roster r;
    char err[256];
    CU_ASSERT(roster_parse("r.txt", t, strlen(t), &r, err, sizeof err) == EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "r.txt:1: line longer than 512 bytes");
    size_t n = 0;
    for (int i = 0; i <= ROSTER_MAX_STUDENTS; i++)
        n += (size_t)sprintf(t + n, "s%d:S\n", i);
    CU_ASSERT(roster_parse("r.txt", t, n, &r, err, sizeof err) == EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "r.txt:1001: more than 1000 students");
    n = 0; /* the parse wrote into t: again, exactly 1000 */
    for (int i = 0; i < ROSTER_MAX_STUDENTS; i++)
        n += (size_t)sprintf(t + n, "s%d:S\n", i);
    CU_ASSERT(roster_parse("r.txt", t, n, &r, err, sizeof err) == 0);
    CU_ASSERT(r.n == ROSTER_MAX_STUDENTS);
    CU_ASSERT(roster_fill_seeds(&r) == 0);
    bool dup = false; /* one assert, not half a million */
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = i + 1; j < r.n; j++)
            dup |= r.s[i].seed == r.s[j].seed;
    CU_ASSERT(!dup);
    roster_free(&r);
    free(t);
}

static void test_load(void)
{
    const char *dir = unit_tmpdir();
    char p[4200], err[4400];
    struct roster r;
    snprintf(p, sizeof p, "%s/none", dir);
    CU_ASSERT(roster_load(p, &r, err, sizeof err) == ENOENT);
    CU_ASSERT(strstr(err, "/none: No such file or directory") != NULL);
    CU_ASSERT(roster_load(dir, &r, err, sizeof err) == EISDIR);
    snprintf(p, sizeof p, "%s/roster", dir);
    CU_ASSERT_FATAL(afile_write(p, "a:A\n", 4, 0600) == 0);
    CU_ASSERT(roster_load(p, &r, err, sizeof err) == 0 && r.n == 1);
    roster_free(&r);
    CU_ASSERT_FATAL(afile_write(p, "a:A\nb\n", 6, 0600) == 0);
    CU_ASSERT(roster_load(p, &r, err, sizeof err) == EINVAL);
    char want[4300];
    snprintf(want, sizeof want, "%s:2: missing ':' after the login (expected LOGIN:DISPLAY NAME[:SEED])", p);
    CU_ASSERT_STRING_EQUAL(err, want);
    unit_rmtree(dir);
}

static void test_login_ok(void)
{
    CU_ASSERT(roster_login_ok("a") && roster_login_ok("A1.b_c-d"));
    CU_ASSERT(!roster_login_ok("") && !roster_login_ok(".a") && !roster_login_ok("a/b"));
    CU_ASSERT(!roster_login_ok("a b") && !roster_login_ok("é"));
}

void suite_roster(void)
{
    UNIT_SUITE("roster", UNIT_TEST(test_good), UNIT_TEST(test_bad), UNIT_TEST(test_limits),
               UNIT_TEST(test_load), UNIT_TEST(test_login_ok));
}

/* Exercises (issue 16): the parser's FILE:LINE errors for malformed
 * exercise and solution files, the seeded names, the copy of a lab, and
 * the grader's goal kinds on fresh in-process labs (met and unmet, with
 * least-privilege's explanations). */
#include "src/cli/cli.h"
#include "src/exercise/exercise.h"
#include "src/lib/afile.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err[1024];

#define LAB_SETUP                                                                              \
    "setup <<END\n"                                                                            \
    "ntlab machine add ${DC} --role pdc --os nt4 --domain ${DOMAIN}\n"                         \
    "ntlab machine add ${SERVER} --role member --os nt4 --domain ${DOMAIN}\n"                  \
    "ntlab user add ${SVC} --password ${SVCPASS} --machine ${DC}\n"                            \
    "ntlab user add ${USER} --password ${PASSWORD} --machine ${DC}\n"                          \
    "ntlab user set ${USER} --password-never-expires on --machine ${DC}\n"                     \
    "ntlab user set ${SVC} --password-never-expires on --machine ${DC}\n"                      \
    "ntlab ntrights +r SeServiceLogonRight -u ${DOMAIN}\\${SVC} -m \\\\${SERVER}\n"           \
    "ntlab service add MSExchangeIS --image msexchangeis --account ${DOMAIN}\\${SVC} "        \
    "--password ${SVCPASS} --start auto --machine ${SERVER}\n"                                 \
    "ntlab mailbox add ${MAILBOX} --owner ${DOMAIN}\\${USER} --machine ${SERVER}\n"           \
    "ntlab boot\n"                                                                             \
    "END\n"

#define HEAD "title T\nkb Q1 K\ndifficulty 2\nstory <<E\nS\nE\nexplanation <<E\nX\nE\n"

static const char good[] = HEAD LAB_SETUP
    "goal tcb right ${DOMAIN}\\${SVC} SeTcbPrivilege \\\\${SERVER}\n"
    "goal running service ${SERVER} MSExchangeIS running\n"
    "goal token token ${SERVER} SeTcbPrivilege\n"
    "goal logon pop3 ${SERVER} ${DOMAIN}\\${USER}\\${MAILBOX} ${PASSWORD}\n"
    "goal boot-event event ${SERVER} system 6005 EventLog\n"
    "goal least least-privilege ${SERVER} ${DOMAIN}\\${SVC} \\\\${SERVER} ${MAILBOX} "
    "SeTcbPrivilege SeServiceLogonRight\n"
    "hint tcb first\nhint tcb second\nhint running r\nhint token t\nhint logon l\n"
    "hint boot-event e\nhint least p\n";

static struct exercise *parse_ok(const char *text)
{
    struct exercise *ex = NULL;
    int rc = ex_parse("d/t.exercise", text, strlen(text), &ex, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
        fprintf(stderr, "parse: %s\n", err);
    return ex;
}

static void test_parse_good(void)
{
    struct exercise *ex = parse_ok(good);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    CU_ASSERT_STRING_EQUAL(ex->name, "t");
    CU_ASSERT_STRING_EQUAL(ex->kb, "Q1 K");
    CU_ASSERT_EQUAL(ex->difficulty, 2);
    CU_ASSERT_EQUAL(ex->ngoals, 6);
    CU_ASSERT_EQUAL(ex->setup_line, 11);
    CU_ASSERT_EQUAL(ex->goals[0].nhints, 2);
    CU_ASSERT_STRING_EQUAL(ex->goals[0].hints[1], "second");
    CU_ASSERT_EQUAL(ex->goals[5].kind, EX_GOAL_LEAST);
    CU_ASSERT_EQUAL(ex->goals[5].argc, 6);
    const char keys[] = "# k\nsolution <<END\nntlab boot\nEND\nwrong w1 tcb <<Z\nntlab boot\nZ\n";
    CU_ASSERT_EQUAL(ex_parse_keys(ex, "k.solution", keys, strlen(keys), err, sizeof err), 0);
    CU_ASSERT_EQUAL(ex->nwrongs, 1);
    CU_ASSERT_STRING_EQUAL(ex->wrongs[0].goal, "tcb");
    ex_free(ex);
}

/* Each malformed file fails with exactly this error. */
static void test_parse_bad(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"title T\n", "d/t.exercise:1: no kb line (an exercise needs title, kb, difficulty, "
                      "story, setup, goals, explanation)"},
        {"title T\ndifficulty 0\n", "d/t.exercise:2: difficulty wants a number 1-5"},
        {"title T\ntitle U\n", "d/t.exercise:2: title given twice"},
        {"frobnicate x\n", "d/t.exercise:1: unknown directive 'frobnicate'"},
        {"story <<END\nno end\n", "d/t.exercise:1: no line 'END' ends the here-doc"},
        {"story text\n", "d/t.exercise:1: story wants a here-doc: story <<TAG"},
        {"goal g magic a b\n", "d/t.exercise:1: unknown goal kind 'magic' (pop3, right, service, "
                               "token, event, least-privilege)"},
        {"goal g right a b\n", "d/t.exercise:1: goal kind right takes 3 to 3 words, not 2"},
        {"goal G right a b c\n", "d/t.exercise:1: goal name 'G': 1-47 of a-z, 0-9, -"},
        {"goal g right a b c\ngoal g right a b c\n", "d/t.exercise:2: goal 'g' given twice"},
        {"goal g right ${NOPE} b c\n", "d/t.exercise:1: unknown variable ${NOPE}"},
        {"goal g service m s sleeping\n", "d/t.exercise:1: service state 'sleeping': running or "
                                          "stopped"},
        {"hint g text\n", "d/t.exercise:1: hint for goal 'g', which no goal line above names"},
        {"setup <<E\nopen s1\nE\n", "d/t.exercise:2: setup: only ntlab steps (sessions belong "
                                    "to goals)"},
        {"\nsetup <<E\nntlab boot\nbogus line\nE\n", "d/t.exercise:4: unknown directive 'bogus' "
                                                     "(a session line is NAME > TEXT, NAME < TEXT, NAME <<TAG or NAME closed)"},
        {HEAD LAB_SETUP "goal g right a b c\n", "d/t.exercise:22: goal 'g' has no hint"},
        {HEAD LAB_SETUP, "d/t.exercise:21: no goal line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exercise *ex = NULL;
        err[0] = 0;
        int rc = ex_parse("d/t.exercise", cases[i].text, strlen(cases[i].text), &ex, err,
                          sizeof err);
        CU_ASSERT_EQUAL(rc, EINVAL);
        CU_ASSERT_PTR_NULL(ex);
        if (strcmp(err, cases[i].want) != 0) {
            fprintf(stderr, "case %zu: got '%s'\n  want '%s'\n", i, err, cases[i].want);
            CU_FAIL("error text");
        }
    }
    /* a NUL byte, a line over the limit, a file over the limit */
    struct exercise *ex = NULL;
    CU_ASSERT_EQUAL(ex_parse("n", "title a\0b\n", 10, &ex, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "n:1: NUL byte in the line");
    char *big = malloc(EX_FILE_MAX + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'a', EX_FILE_MAX + 1);
    big[EX_FILE_MAX + 1] = 0;
    CU_ASSERT_EQUAL(ex_parse("b", big, EX_LINE_MAX + 10, &ex, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "b:1: line over 4095 bytes");
    CU_ASSERT_EQUAL(ex_parse("b", big, EX_FILE_MAX + 1, &ex, err, sizeof err), EFBIG);
    free(big);
}

static void test_parse_keys_bad(void)
{
    struct exercise *ex = parse_ok(good);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "k:0: no solution here-doc"},
        {"wrong w1 nogoal <<E\nE\n", "k:1: wrong solution 'w1' names no goal of t: 'nogoal'"},
        {"wrong w1 tcb\n", "k:1: wrong wants NAME GOAL <<TAG"},
        {"title x\n", "k:1: unknown directive 'title' (a .solution file has solution, wrong)"},
        {"solution <<E\nopen x\nE\n", "k:2: solution: only ntlab steps (sessions belong to goals)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exercise *e2 = parse_ok(good);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e2);
        err[0] = 0;
        CU_ASSERT_EQUAL(ex_parse_keys(e2, "k", cases[i].text, strlen(cases[i].text), err,
                                      sizeof err),
                        EINVAL);
        if (strcmp(err, cases[i].want) != 0) {
            fprintf(stderr, "keys case %zu: got '%s'\n", i, err);
            CU_FAIL("keys error text");
        }
        ex_free(e2);
    }
    ex_free(ex);
}

static void test_vars(void)
{
    struct ex_vars a, b, c;
    ex_vars_init(&a, 0);
    CU_ASSERT_STRING_EQUAL(a.v[EX_VAR_DOMAIN], "CORP");
    CU_ASSERT_STRING_EQUAL(a.v[EX_VAR_MAILBOX], "alice");
    ex_vars_init(&b, 42);
    ex_vars_init(&c, 42);
    CU_ASSERT_EQUAL(memcmp(&b, &c, sizeof b), 0);
    int differ = 0;
    for (uint64_t s = 1; s < 200; s++) {
        ex_vars_init(&c, s);
        differ += strcmp(c.v[EX_VAR_PASSWORD], b.v[EX_VAR_PASSWORD]) != 0;
        for (int v = 0; v < EX_VAR_COUNT; v++)
            CU_ASSERT(strlen(c.v[v]) >= 3 && strlen(c.v[v]) <= 15);
        CU_ASSERT_STRING_NOT_EQUAL(c.v[EX_VAR_DC], c.v[EX_VAR_SERVER]);
    }
    CU_ASSERT(differ >= 190);
    char *x = ex_expand("${DOMAIN}\\${USER} ${NOPE} ${", &a);
    CU_ASSERT_STRING_EQUAL(x, "CORP\\alice ${NOPE} ${");
    free(x);
    char bad[48];
    CU_ASSERT(ex_vars_known("a ${SERVER} b", bad, sizeof bad));
    CU_ASSERT(!ex_vars_known("a ${server}", bad, sizeof bad));
    CU_ASSERT_STRING_EQUAL(bad, "${server}");
}

/* Grades ex on a fresh lab after steps; returns the report (caller frees). */
static void grade(const struct exercise *ex, const char *steps, struct ex_report *rep)
{
    struct ex_vars v;
    ex_vars_init(&v, 0);
    struct ex_grade_opts o = {.mode = EX_FRESH, .admin = cli_scenario_admin(), .steps = steps};
    CU_ASSERT_EQUAL(ex_grade(ex, &v, &o, rep, err, sizeof err), 0);
}

static void test_grade(void)
{
    struct exercise *ex = parse_ok(good);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    struct ex_report rep;
    /* the broken lab: the store runs, without the right */
    grade(ex, NULL, &rep);
    CU_ASSERT_EQUAL(rep.nmet, 2); /* running, boot-event */
    CU_ASSERT_EQUAL(rep.first_unmet, 0);
    CU_ASSERT(rep.goals[1].met && rep.goals[4].met);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.goals[3].why, "A required privilege is not held"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.goals[5].why, "holds other rights than the store needs"));
    ex_report_free(&rep);
    /* the fix */
    grade(ex, "ntlab ntrights +r SeTcbPrivilege -u ${DOMAIN}\\${SVC} -m \\\\${SERVER}\n"
              "ntlab reboot --machine ${SERVER}\n", &rep);
    CU_ASSERT_EQUAL(rep.nmet, 6);
    CU_ASSERT_EQUAL(rep.first_unmet, -1);
    ex_report_free(&rep);
    /* the grant to a broad group: token and logon fine, least privilege says why */
    static const char *const broad[] = {"Everyone", "CORP\\Domain Users", "Administrators"};
    for (int i = 0; i < 3; i++) {
        char steps[512];
        snprintf(steps, sizeof steps,
                 "ntlab ntrights +r SeTcbPrivilege -u ${DOMAIN}\\${SVC} -m \\\\${SERVER}\n"
                 "ntlab rights grant \"%s\" SeTcbPrivilege --focus \\\\${SERVER}\n"
                 "ntlab reboot --machine ${SERVER}\n", broad[i]);
        grade(ex, steps, &rep);
        CU_ASSERT_EQUAL(rep.first_unmet, 5);
        char want[128];
        snprintf(want, sizeof want, "SeTcbPrivilege went to %s in \\\\EXCHSRV",
                 strchr(broad[i], '\\') ? strchr(broad[i], '\\') + 1 : broad[i]);
        CU_ASSERT_PTR_NOT_NULL(rep.goals[5].why ? strstr(rep.goals[5].why, want) : NULL);
        if (rep.goals[5].why && !strstr(rep.goals[5].why, want))
            fprintf(stderr, "why: %s\n", rep.goals[5].why);
        ex_report_free(&rep);
    }
    ex_free(ex);
    /* the failure audit switched off: a persona whose failure rows are none */
    const char *at = strstr(good, "ntlab machine add ${SERVER}");
    const char *nl = strchr(at, '\n');
    char quiet[sizeof good + 256];
    snprintf(quiet, sizeof quiet,
             "%.*sntlab persona add quiet - <<P\npersona 1\ninherit q189732\nevent win32 none\n"
             "event win32.1314 none\nP\n%.*s --persona quiet%s",
             (int)(at - good), good, (int)(nl - at), at, nl);
    ex = parse_ok(quiet);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    grade(ex, "ntlab ntrights +r SeTcbPrivilege -u ${DOMAIN}\\${SVC} -m \\\\${SERVER}\n"
              "ntlab reboot --machine ${SERVER}\n", &rep);
    CU_ASSERT_EQUAL(rep.first_unmet, 5);
    CU_ASSERT_PTR_NOT_NULL(rep.goals[5].why ? strstr(rep.goals[5].why, "failure audit is off")
                                            : NULL);
    ex_report_free(&rep);
    ex_free(ex);
    ex = parse_ok(good);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    /* the store stopped: service, token and logon unmet */
    grade(ex, "ntlab service stop MSExchangeIS --machine ${SERVER}\n", &rep);
    CU_ASSERT(!rep.goals[1].met && !rep.goals[2].met && !rep.goals[3].met);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.goals[1].why, "MSExchangeIS on EXCHSRV is not running"));
    ex_report_free(&rep);
    /* a failing step of the solution: every goal unmet, saying so */
    grade(ex, "ntlab user del nobody-here --machine ${DC}\n", &rep);
    CU_ASSERT_EQUAL(rep.nmet, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.goals[1].why, "the lab was not built"));
    ex_report_free(&rep);
    ex_free(ex);
}

static void test_copy(void)
{
    const char *d = unit_tmpdir();
    char src[600], dst[600], f[700];
    snprintf(src, sizeof src, "%s/src", d);
    snprintf(dst, sizeof dst, "%s/dst", d);
    CU_ASSERT_EQUAL(afile_mkdirs(src, 0700), 0);
    CU_ASSERT_EQUAL(afile_mkdirs(dst, 0700), 0);
    CU_ASSERT_EQUAL(ex_copy_lab(src, dst), ENOENT); /* not a lab */
    snprintf(f, sizeof f, "%s/lab.conf", src);
    CU_ASSERT_EQUAL(afile_write(f, "x\n", 2, 0600), 0);
    snprintf(f, sizeof f, "%s/M/mail/new", src);
    CU_ASSERT_EQUAL(afile_mkdirs(f, 0700), 0);
    snprintf(f, sizeof f, "%s/M/sam.txt", src);
    CU_ASSERT_EQUAL(afile_write(f, "sam\n", 4, 0600), 0);
    snprintf(f, sizeof f, "%s/M/sam.txt.lock", src);
    CU_ASSERT_EQUAL(afile_write(f, "", 0, 0600), 0);
    CU_ASSERT_EQUAL(ex_copy_lab(src, dst), 0);
    char *data = NULL;
    size_t len = 0;
    snprintf(f, sizeof f, "%s/M/sam.txt", dst);
    CU_ASSERT_EQUAL(afile_read(f, 100, &data, &len), 0);
    CU_ASSERT_EQUAL(len, 4);
    free(data);
    snprintf(f, sizeof f, "%s/M/sam.txt.lock", dst);
    CU_ASSERT_EQUAL(afile_read(f, 100, &data, &len), ENOENT);
    snprintf(f, sizeof f, "%s/M/mail/new", dst);
    CU_ASSERT_EQUAL(afile_mkdirs(f, 0700), 0);
    unit_rmtree(d);
}

void suite_exercise(void)
{
    UNIT_SUITE("exercise", UNIT_TEST(test_parse_good), UNIT_TEST(test_parse_bad),
               UNIT_TEST(test_parse_keys_bad), UNIT_TEST(test_vars), UNIT_TEST(test_grade),
               UNIT_TEST(test_copy));
}

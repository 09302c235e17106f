/* A class directory (issue 16): class.conf written and read back, its
 * errors, the ports, the skeleton built beside DIR and committed or
 * aborted; a lab's progress.conf and "first met" kept across gradings. */
#include "src/exercise/class.h"
#include "src/exercise/progress.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void make_roster(struct roster *r, const char *text)
{
    char *t = strdup(text), err[256];
    CU_ASSERT_FATAL(t && roster_parse("r", t, strlen(t), r, err, sizeof err) == 0);
    free(t);
    CU_ASSERT_FATAL(roster_fill_seeds(r) == 0);
}

static void test_conf_roundtrip(void)
{
    const char *dir = unit_tmpdir();
    char p[4200], err[4400];
    snprintf(p, sizeof p, "%s/instructor", dir);
    CU_ASSERT_FATAL(plat_mkdir(p, 0700) == 0);
    struct roster r;
    make_roster(&r, "alice:Alice \"Al\" \\ Liddell:5\nbob:Bob\n");
    struct class_conf c, d;
    CU_ASSERT_FATAL(class_conf_make(&c, "q189732", false, &r, 20000, err, sizeof err) == 0);
    CU_ASSERT(c.s[1].pop3 == 20003 && c.s[1].smtp == 20004 && c.s[1].console == 20005);
    CU_ASSERT_FATAL(class_conf_save(dir, &c) == 0);
    CU_ASSERT_FATAL(class_conf_load(dir, &d, err, sizeof err) == 0);
    CU_ASSERT_STRING_EQUAL(d.exercise, "q189732");
    CU_ASSERT(!d.preset && d.port_base == 20000 && d.n == 2);
    CU_ASSERT_STRING_EQUAL(d.s[0].display, "Alice \"Al\" \\ Liddell");
    CU_ASSERT(d.s[0].seed == 5 && d.s[1].seed == c.s[1].seed && d.s[1].console == 20005);
    class_conf_free(&d);
    class_conf_free(&c);
    /* the ports must fit */
    CU_ASSERT(class_conf_make(&c, "x", true, &r, 65531, err, sizeof err) == EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "--port-base 65531: 2 students need ports 65531-65536 (3 "
                                "each), which must lie within 1024-65535");
    CU_ASSERT(class_conf_make(&c, "x", true, &r, 65530, err, sizeof err) == 0);
    class_conf_free(&c);
    CU_ASSERT(class_conf_make(&c, "../x", false, &r, 20000, err, sizeof err) == EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "exercise name '../x' is not 1-64 letters, digits, '.', '_', '-'");
    roster_free(&r);
    unit_rmtree(dir);
}

static void test_conf_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"exercise = x\n", ":1: setting before [class]"},
        {"[class]\nexercise = x\n[alice]\n", ":3: expected [class] or [student LOGIN], not '[alice]'"},
        {"[class]\nexercise = x\n[student a]\npop3=1\nsmtp=2\nconsole=3\n[student a]\n", ":7: [student a] given twice"},
        {"[class]\nexercise = x\npreset = y\n", ":3: a second exercise or preset"},
        {"[class]\nexercise = x\n[student a]\nseed = -1\n", ":4: seed = '-1' is not a number"},
        {"[class]\nexercise = x\n[student a]\npop3 = 0\n", ":4: pop3 = '0' is not a port"},
        {"[class]\nexercise = x\n[student a]\ncolour = red\n", ":4: unknown key 'colour'"},
        {"[class]\nexercise = x\n[student a]\npop3 = 1\n", ": [student a] lacks a port (pop3, smtp, console)"},
        {"[class]\nexercise = x\n", ": no students"},
        {"[class]\n[student a]\n", ": no 'exercise = NAME' in [class]"},
        {"[class]\nexercise = x\n[student a]\npop3 = 1\nsmtp = 2\nconsole = 3\n[class]\n", ":7: [class] after the students"},
    };
    const char *dir = unit_tmpdir();
    char p[4200], err[4400];
    snprintf(p, sizeof p, "%s/instructor", dir);
    CU_ASSERT_FATAL(plat_mkdir(p, 0700) == 0);
    snprintf(p, sizeof p, "%s/instructor/class.conf", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CU_ASSERT_FATAL(afile_write(p, cases[i].text, strlen(cases[i].text), 0600) == 0);
        struct class_conf c;
        CU_ASSERT(class_conf_load(dir, &c, err, sizeof err) == EINVAL);
        CU_ASSERT(c.s == NULL && c.n == 0);
        char want[4400];
        snprintf(want, sizeof want, "%s%s", p, cases[i].msg);
        if (strcmp(err, want))
            fprintf(stderr, "\ncase %zu: %s\n", i, err);
        CU_ASSERT_STRING_EQUAL(err, want);
    }
    struct class_conf c;
    CU_ASSERT(class_conf_load("/nonexistent", &c, err, sizeof err) == ENOENT);
    CU_ASSERT(strstr(err, "is not a class directory") != NULL);
    unit_rmtree(dir);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

static void test_dir(void)
{
    const char *base = unit_tmpdir();
    char dir[4200], tmp[4200], p[4300], err[4400];
    snprintf(dir, sizeof dir, "%s/class", base);
    CU_ASSERT(class_dir_check(dir, err, sizeof err) == 0); /* absent */
    CU_ASSERT_FATAL(class_dir_begin(dir, tmp, sizeof tmp) == 0);
    CU_ASSERT(strncmp(tmp, base, strlen(base)) == 0 && strstr(tmp, "/.class.init-") != NULL);
    snprintf(p, sizeof p, "%s/instructor", tmp);
    CU_ASSERT(mode_of(p) == 0700);
    snprintf(p, sizeof p, "%s/labs", tmp);
    CU_ASSERT(mode_of(p) == 0711);
    /* DIR was made meanwhile and is not empty: the commit refuses */
    CU_ASSERT_FATAL(plat_mkdir(dir, 0755) == 0);
    snprintf(p, sizeof p, "%s/x", dir);
    CU_ASSERT_FATAL(afile_write(p, "", 0, 0600) == 0);
    CU_ASSERT(class_dir_check(dir, err, sizeof err) == ENOTEMPTY);
    CU_ASSERT(class_dir_commit(tmp, dir) != 0);
    class_dir_abort(tmp);
    struct plat_stat st;
    CU_ASSERT(plat_stat(tmp, &st) == ENOENT);
    CU_ASSERT(unlink(p) == 0);
    /* an empty DIR is replaced */
    CU_ASSERT_FATAL(class_dir_begin(dir, tmp, sizeof tmp) == 0);
    CU_ASSERT(class_dir_commit(tmp, dir) == 0);
    CU_ASSERT(mode_of(dir) == 0711);
    CU_ASSERT(plat_stat(tmp, &st) == ENOENT);
    CU_ASSERT(class_dir_check(dir, err, sizeof err) == ENOTEMPTY);
    snprintf(p, sizeof p, "%s/class/labs", base);
    CU_ASSERT(class_dir_check(p, err, sizeof err) == 0); /* empty */
    snprintf(p, sizeof p, "%s/class/labs/f", base);
    CU_ASSERT_FATAL(afile_write(p, "", 0, 0600) == 0);
    CU_ASSERT(class_dir_check(p, err, sizeof err) == ENOTDIR);
    unit_rmtree(base);
}

static void test_progress(void)
{
    const char *lab = unit_tmpdir();
    char err[4400], p[4200];
    struct progress pr;
    CU_ASSERT(progress_load(lab, &pr, err, sizeof err) == 0 && pr.ngoals == 0); /* none yet */
    const char *names[] = {"store-starts", "pop3-logon"};
    bool met1[] = {true, false}, met2[] = {false, true};
    CU_ASSERT(progress_update(&pr, names, met1, 2, "1998-07-01 09:12:00") == 0);
    CU_ASSERT(progress_save(lab, &pr) == 0);
    CU_ASSERT(progress_load(lab, &pr, err, sizeof err) == 0 && pr.ngoals == 2);
    CU_ASSERT(progress_met(&pr) == 1);
    /* broken again later: the first time stays; the other is met now */
    CU_ASSERT(progress_update(&pr, names, met2, 2, "1998-07-01 09:30:00") == 0);
    CU_ASSERT_STRING_EQUAL(pr.g[0].met, "1998-07-01 09:12:00");
    CU_ASSERT_STRING_EQUAL(pr.g[1].met, "1998-07-01 09:30:00");
    CU_ASSERT(progress_update(&pr, names, met2, 2, "bad\ntime") == EINVAL);
    const char *bad[] = {"a=b"};
    CU_ASSERT(progress_update(&pr, bad, met1, 1, "1998-07-01 09:12:00") == EINVAL);
    snprintf(p, sizeof p, "%s/%s", lab, PROGRESS_FILE);
    CU_ASSERT(mode_of(p) == 0640);
    CU_ASSERT_FATAL(afile_write(p, "x = 1998\ny\n", 11, 0600) == 0);
    CU_ASSERT(progress_load(lab, &pr, err, sizeof err) == EINVAL && pr.ngoals == 0);
    CU_ASSERT(strstr(err, "progress.conf:2: expected GOAL = TIME or GOAL = -") != NULL);
    unit_rmtree(lab);
}

void suite_class(void)
{
    UNIT_SUITE("class", UNIT_TEST(test_conf_roundtrip), UNIT_TEST(test_conf_errors),
               UNIT_TEST(test_dir), UNIT_TEST(test_progress));
}

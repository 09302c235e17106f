/* A scenario's file references stay in its own tree (src/scenario/confine.h),
 * issue 12: include ../../../etc/passwd and mail deliver /etc/shadow. */
#include "src/lib/afile.h"
#include "src/scenario/confine.h"
#include "src/scenario/scenario.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_inside(void)
{
    CU_ASSERT_TRUE(scn_confine_inside("/srv/scn", "/srv/scn"));
    CU_ASSERT_TRUE(scn_confine_inside("/srv/scn", "/srv/scn/lib/x.inc"));
    CU_ASSERT_TRUE(scn_confine_inside("/srv/scn/", "/srv/scn/x.inc"));
    CU_ASSERT_FALSE(scn_confine_inside("/srv/scn", "/srv/scn2/x.inc")); /* a component, not a prefix */
    CU_ASSERT_FALSE(scn_confine_inside("/srv/scn", "/srv/sc"));
    CU_ASSERT_FALSE(scn_confine_inside("/srv/scn", "/etc/passwd"));
    CU_ASSERT_TRUE(scn_confine_inside("/", "/etc/passwd"));
    CU_ASSERT_TRUE(scn_confine_quotable("lib/a.inc"));
    CU_ASSERT_TRUE(scn_confine_quotable("a.scn"));
    CU_ASSERT_FALSE(scn_confine_quotable("/etc/passwd"));
    CU_ASSERT_FALSE(scn_confine_quotable(".scn"));
    char out[64];
    CU_ASSERT_EQUAL(scn_confine_join("d/a.scn", "lib/x.inc", out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "d/lib/x.inc");
    CU_ASSERT_EQUAL(scn_confine_join("a.scn", "x.inc", out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "x.inc");
    CU_ASSERT_EQUAL(scn_confine_join("d/a.scn", "/abs", out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "/abs");
}

static int two_files(int argc, char *const *argv, int *idx, int max)
{
    int n = 0;
    for (int i = 1; i < argc && n < max; i++)
        if (strcmp(argv[i], "-") != 0)
            idx[n++] = i;
    return n;
}

static void test_parse_confined(void)
{
    const char *dir = unit_tmpdir();
    char root[512], sub[600], path[700], real[700], outside[700];
    snprintf(root, sizeof root, "%s/scn", dir);
    snprintf(sub, sizeof sub, "%s/lib", root);
    CU_ASSERT_EQUAL_FATAL(afile_mkdirs(sub, 0755), 0);
    snprintf(outside, sizeof outside, "%s/secret.txt", dir);
    CU_ASSERT_EQUAL_FATAL(afile_write(outside, "hunter2 line\n", 13, 0600), 0);
    snprintf(path, sizeof path, "%s/m.eml", root);
    CU_ASSERT_EQUAL_FATAL(afile_write(path, "Subject: x\n\n", 12, 0600), 0);
    snprintf(path, sizeof path, "%s/t.scn", root);
    struct scn_parse_opts o = {NULL, two_files, false};
    struct scn *s = NULL;
    char err[1024];
    /* a file argument relative to the scenario becomes its real path */
    const char *ok = "title t\nntlab mail m.eml -\n";
    CU_ASSERT_EQUAL_FATAL(afile_write(path, ok, strlen(ok), 0600), 0);
    CU_ASSERT_EQUAL_FATAL(scn_parse_file(path, &o, &s, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(root, real));
    strcat(real, "/m.eml");
    CU_ASSERT_STRING_EQUAL(s->steps[0].argv[1], real);
    CU_ASSERT_STRING_EQUAL(s->steps[0].argv[2], "-");
    scn_free(s);
    /* outside: refused, without its text */
    const char *bad = "title t\nntlab mail ../secret.txt\n";
    CU_ASSERT_EQUAL_FATAL(afile_write(path, bad, strlen(bad), 0600), 0);
    CU_ASSERT_EQUAL(scn_parse_file(path, &o, &s, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: ../secret.txt: outside the scenario's directory"));
    const char *inc = "title t\ninclude ../secret.txt\n";
    CU_ASSERT_EQUAL_FATAL(afile_write(path, inc, strlen(inc), 0600), 0);
    CU_ASSERT_EQUAL(scn_parse_file(path, &o, &s, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "outside the scenario's directory"));
    CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
    /* allowed: read, but the text of a file that is not a scenario is not shown */
    o.allow_outside_files = true;
    CU_ASSERT_EQUAL(scn_parse_file(path, &o, &s, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "secret.txt:1: not scenario text"));
    CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
    /* NULL options: confined as well */
    CU_ASSERT_EQUAL(scn_parse_file(path, NULL, &s, err, sizeof err), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "outside the scenario's directory"));
    unit_rmtree(dir);
}

void suite_confine(void)
{
    UNIT_SUITE("confine", UNIT_TEST(test_inside), UNIT_TEST(test_parse_confined));
}

/* Bulk delivery (maildrop_deliver_copies): every copy arrives under
 * maildrop_deliver's naming, in order, nothing is left in tmp/ (issue 14
 * item 4; tests/cli/mail_bulk.t times 100,000). */
#include "src/mailstore/maildrop.h"
#include "tests/unit/unit.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static size_t count_dir(const char *dir, const char *sub)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    DIR *d = opendir(p);
    size_t n = 0;
    if (!d)
        return (size_t)-1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_maildrop_bulk_copies(void)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/md", unit_tmpdir());
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    const char msg[] = "Subject: x\n\n.dot\n";
    uint64_t done = 99;
    /* 5000 crosses a round (4096) */
    CU_ASSERT_EQUAL(maildrop_deliver_copies(dir, msg, sizeof msg - 1, 899283600, 5000, &done), 0);
    CU_ASSERT_EQUAL(done, 5000);
    CU_ASSERT_EQUAL(count_dir(dir, "new"), 5000);
    CU_ASSERT_EQUAL(count_dir(dir, "tmp"), 0);
    /* one more, one by one: it sorts after the copies */
    char last[256];
    CU_ASSERT_EQUAL(maildrop_deliver(dir, "Subject: last\n\n", 15, 899283600, last, sizeof last), 0);
    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    CU_ASSERT_EQUAL(maildrop_count(md), 5001);
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 5000), last);
    /* each copy's sizes, stored and as sent (LF becomes CRLF: 3 lines) */
    CU_ASSERT_PTR_NOT_NULL(strstr(maildrop_name(md, 0), ",S=17,W=20"));
    for (size_t i = 1; i < 5000; i++)
        if (strcmp(maildrop_name(md, i - 1), maildrop_name(md, i)) >= 0) {
            CU_FAIL("copies out of order");
            break;
        }
    maildrop_close(md);
    unit_rmtree(dir);
}

static void test_maildrop_bulk_errors(void)
{
    char dir[PATH_MAX];
    uint64_t done = 7;
    snprintf(dir, sizeof dir, "%s/none", unit_tmpdir());
    CU_ASSERT_EQUAL(maildrop_deliver_copies(dir, "x", 1, 0, 3, &done), ENOENT);
    CU_ASSERT_EQUAL(done, 0);
    CU_ASSERT_EQUAL(maildrop_deliver_copies(NULL, "x", 1, 0, 3, NULL), EINVAL);
    CU_ASSERT_EQUAL(maildrop_deliver_copies(dir, NULL, 1, 0, 3, NULL), EINVAL);
    CU_ASSERT_EQUAL(maildrop_deliver_copies(dir, "x", 1, -1, 3, NULL), EINVAL);
    snprintf(dir, sizeof dir, "%s/md0", unit_tmpdir());
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    CU_ASSERT_EQUAL(maildrop_deliver_copies(dir, "x", 1, 0, 0, &done), 0);
    CU_ASSERT_EQUAL(done, 0);
    CU_ASSERT_EQUAL(count_dir(dir, "new"), 0);
    unit_rmtree(dir);
}

void suite_maildrop_bulk(void)
{
    UNIT_SUITE("maildrop_bulk", UNIT_TEST(test_maildrop_bulk_copies),
               UNIT_TEST(test_maildrop_bulk_errors));
}

#include "src/mailstore/maildrop.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void put_file(const char *dir, const char *sub, const char *name, const char *data)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(data, 1, strlen(data), f);
    fclose(f);
}

static bool exists(const char *dir, const char *sub, const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s/%s", dir, sub, name);
    return access(p, F_OK) == 0;
}

static size_t count_dir(const char *dir, const char *sub)
{
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "ls -A '%s/%s' | wc -l", dir, sub);
    FILE *f = popen(cmd, "r");
    size_t n = 0;
    if (f) {
        if (fscanf(f, "%zu", &n) != 1)
            n = (size_t)-1;
        pclose(f);
    }
    return n;
}

static void test_maildrop_sent_size(void)
{
    CU_ASSERT_EQUAL(maildrop_sent_size("", 0), 0);
    CU_ASSERT_EQUAL(maildrop_sent_size("a", 1), 3);        /* CRLF added */
    CU_ASSERT_EQUAL(maildrop_sent_size("a\n", 2), 3);      /* LF -> CRLF */
    CU_ASSERT_EQUAL(maildrop_sent_size("a\r\n", 3), 3);
    CU_ASSERT_EQUAL(maildrop_sent_size("a\r", 2), 4);      /* bare CR kept, CRLF added */
    CU_ASSERT_EQUAL(maildrop_sent_size("a\nb", 3), 6);
    CU_ASSERT_EQUAL(maildrop_sent_size("\n\n", 2), 4);
    CU_ASSERT_EQUAL(maildrop_sent_size(".\r\n..\n", 6), 7); /* stuffing not counted */
    /* pieces split between CR and LF give the same count */
    struct maildrop_sizer z;
    maildrop_size_init(&z);
    maildrop_size_add(&z, "x\r", 2);
    maildrop_size_add(&z, "\ny\n", 3);
    CU_ASSERT_EQUAL(maildrop_size_end(&z), maildrop_sent_size("x\r\ny\n", 5));
}

static void test_maildrop_deliver_and_scan(void)
{
    const char *dir = unit_tmpdir();
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    char n1[128], n2[128], n3[128];
    const char *m1 = "Subject: one\n\nbody one\n";
    const char *m2 = "Subject: two\r\n\r\nbody two\r\n";
    const char *m3 = "Subject: three\n\n.dot\nno final newline";
    /* the same second of the machine's clock three times: order must hold */
    CU_ASSERT_EQUAL_FATAL(maildrop_deliver(dir, m1, strlen(m1), 899283600, n1, sizeof n1), 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_deliver(dir, m2, strlen(m2), 899283600, n2, sizeof n2), 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_deliver(dir, m3, strlen(m3), 899283600, n3, sizeof n3), 0);
    CU_ASSERT(strncmp(n1, "899283600.N", 11) == 0);
    CU_ASSERT(strstr(n1, ",W=") != NULL);
    CU_ASSERT(exists(dir, "new", n1));
    CU_ASSERT_EQUAL(count_dir(dir, "tmp"), 0);

    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_count(md), 3);
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 0), n1);
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 1), n2);
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 2), n3);
    CU_ASSERT_STRING_EQUAL(maildrop_uid(md, 0), n1);
    CU_ASSERT(strlen(maildrop_uid(md, 2)) <= MAILDROP_UID_MAX);
    CU_ASSERT_EQUAL(maildrop_size(md, 0), maildrop_sent_size(m1, strlen(m1)));
    CU_ASSERT_EQUAL(maildrop_size(md, 1), strlen(m2));
    CU_ASSERT_EQUAL(maildrop_size(md, 2), strlen(m3) + 3 + 2);
    CU_ASSERT_EQUAL(maildrop_total(md),
                    maildrop_size(md, 0) + maildrop_size(md, 1) + maildrop_size(md, 2));

    /* chunked reads return the stored bytes */
    char got[256];
    size_t off = 0, n;
    do {
        CU_ASSERT_EQUAL_FATAL(maildrop_read(md, 2, off, got + off, 5, &n), 0);
        off += n;
    } while (n);
    CU_ASSERT_EQUAL(off, strlen(m3));
    CU_ASSERT_EQUAL(memcmp(got, m3, off), 0);
    CU_ASSERT_EQUAL(maildrop_read(md, 0, 0, got, sizeof got, &n), 0);
    CU_ASSERT_EQUAL(n, strlen(m1));
    CU_ASSERT_EQUAL(maildrop_read(md, 3, 0, got, sizeof got, &n), EINVAL);
    maildrop_close(md);

    /* UIDLs are the same in the next session */
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    CU_ASSERT_STRING_EQUAL(maildrop_uid(md, 1), n2);
    maildrop_close(md);
    unit_rmtree(dir);
}

/* Files placed by other tools: no W= (the file is read to size it), flags
 * in cur/, ordering by the leading time, odd names. */
static void test_maildrop_foreign_files(void)
{
    const char *dir = unit_tmpdir();
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    put_file(dir, "cur", "300.abc.host:2,S", "a\nb\n");
    put_file(dir, "new", "20.def.host", "x\r\ny");
    put_file(dir, "new", "1000.ghi.host,W=bogus", "zz\n");
    char longname[120];
    memset(longname, 'q', 100);
    strcpy(longname + 100, ".long");
    put_file(dir, "new", longname, "");
    put_file(dir, "new", ".hidden", "ignored");
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/cur/5.subdir", dir);
    CU_ASSERT_EQUAL(mkdir(p, 0700), 0);

    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_count(md), 4);
    /* numeric order of the leading time; a name without one counts as 0 */
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 0), longname);
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 1), "20.def.host");
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 2), "300.abc.host:2,S");
    CU_ASSERT_STRING_EQUAL(maildrop_name(md, 3), "1000.ghi.host,W=bogus");
    CU_ASSERT_EQUAL(maildrop_size(md, 0), 0);
    CU_ASSERT_EQUAL(maildrop_size(md, 1), 6);
    CU_ASSERT_EQUAL(maildrop_size(md, 2), 6);
    CU_ASSERT_EQUAL(maildrop_size(md, 3), 4); /* malformed W= ignored: file read */
    CU_ASSERT_STRING_EQUAL(maildrop_uid(md, 2), "300.abc.host"); /* info part dropped */
    const char *u = maildrop_uid(md, 0);
    CU_ASSERT_EQUAL(strlen(u), 32); /* too long: MD5 of the base name */
    CU_ASSERT_EQUAL(strspn(u, "0123456789abcdef"), 32);
    maildrop_close(md);
    unit_rmtree(dir);
}

static void test_maildrop_lock(void)
{
    const char *dir = unit_tmpdir();
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    struct maildrop *a, *b;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &a), 0);
    CU_ASSERT_EQUAL(maildrop_open(dir, &b), EBUSY);
    CU_ASSERT_PTR_NULL(b);
    /* delivery is lock-free (Maildir) and does not disturb the snapshot */
    CU_ASSERT_EQUAL(maildrop_deliver(dir, "m\n", 2, 1, NULL, 0), 0);
    CU_ASSERT_EQUAL(maildrop_count(a), 0);
    maildrop_close(a);
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &b), 0);
    CU_ASSERT_EQUAL(maildrop_count(b), 1);
    maildrop_close(b);
    /* a lock held by a process that died is gone with it */
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        struct maildrop *c;
        _exit(maildrop_open(dir, &c) == 0 ? 0 : 1); /* exits holding it */
    }
    int status;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &b), 0);
    maildrop_close(b);
    unit_rmtree(dir);
}

static void test_maildrop_remove(void)
{
    const char *dir = unit_tmpdir();
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    char n1[128], n2[128];
    CU_ASSERT_EQUAL(maildrop_deliver(dir, "1\n", 2, 10, n1, sizeof n1), 0);
    CU_ASSERT_EQUAL(maildrop_deliver(dir, "2\n", 2, 11, n2, sizeof n2), 0);
    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    size_t n;
    char b[8];
    CU_ASSERT_EQUAL(maildrop_read(md, 0, 0, b, sizeof b, &n), 0); /* keeps it open */
    CU_ASSERT_EQUAL(maildrop_remove(md, 0), 0);
    CU_ASSERT_EQUAL(maildrop_remove(md, 0), 0); /* already gone counts as removed */
    CU_ASSERT_EQUAL(maildrop_remove(md, 5), EINVAL);
    CU_ASSERT_EQUAL(maildrop_sync(md), 0);
    CU_ASSERT_FALSE(exists(dir, "new", n1));
    CU_ASSERT_TRUE(exists(dir, "new", n2));
    CU_ASSERT_EQUAL(maildrop_read(md, 0, 0, b, sizeof b, &n), ENOENT);
    maildrop_close(md);
    unit_rmtree(dir);
}

static void test_maildrop_not_a_maildir(void)
{
    const char *dir = unit_tmpdir();
    struct maildrop *md;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/nope", dir);
    CU_ASSERT_EQUAL(maildrop_open(p, &md), ENOENT);
    CU_ASSERT_EQUAL(maildrop_deliver(p, "x", 1, 1, NULL, 0), ENOENT);
    CU_ASSERT_EQUAL(access(p, F_OK), -1); /* delivery did not create it */
    snprintf(p, sizeof p, "%s/new", dir);
    CU_ASSERT_EQUAL(mkdir(p, 0700), 0);
    CU_ASSERT_EQUAL(maildrop_open(dir, &md), ENOENT); /* no cur/ */
    CU_ASSERT_EQUAL(maildrop_deliver(dir, "x", 1, -1, NULL, 0), EINVAL);
    unit_rmtree(dir);
}

/* Many messages: the scan is one pass, numbering and totals hold. */
static void test_maildrop_many(void)
{
    const char *dir = unit_tmpdir();
    CU_ASSERT_EQUAL_FATAL(maildrop_create(dir), 0);
    enum { N = 10000 };
    for (unsigned i = 0; i < N; i++) {
        char name[64];
        /* created out of order; sizes via W= */
        unsigned t = (i * 7919u) % N;
        snprintf(name, sizeof name, "%u.x%u.h,S=1,W=3", 1000000 + t, t);
        put_file(dir, "new", name, "x");
    }
    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open(dir, &md), 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_count(md), N);
    CU_ASSERT_EQUAL(maildrop_total(md), 3u * N);
    bool ordered = true;
    for (size_t i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof want, "%zu.x%zu.h,S=1,W=3", 1000000 + i, i);
        if (strcmp(maildrop_name(md, i), want) != 0)
            ordered = false;
    }
    CU_ASSERT_TRUE(ordered);
    maildrop_close(md);
    unit_rmtree(dir);
}

/* The uids of a maildrop opened through c, joined by spaces, into out. */
static size_t listing(const char *dir, struct maildrop_cache *c, char *out, size_t n)
{
    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open_cached(dir, c, &md), 0);
    size_t count = maildrop_count(md), w = 0;
    out[0] = 0;
    for (size_t i = 0; i < count && w < n; i++)
        w += (size_t)snprintf(out + w, n - w, "%s%s:%llu", i ? " " : "", maildrop_uid(md, i),
                              (unsigned long long)maildrop_size(md, i));
    maildrop_close(md);
    return count;
}

/* The listing cache (issue 12: a logon listed new/ and cur/ every time):
 * an unchanged, settled Maildir is served from the cache with the same
 * listing; a delivery or a removal is seen at once; a maildrop whose sizes
 * came from file contents is never kept. */
static void test_maildrop_cache(void)
{
    const char *root = unit_tmpdir();
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, sizeof b, "%s/b", root);
    CU_ASSERT_EQUAL_FATAL(maildrop_create(a), 0);
    CU_ASSERT_EQUAL_FATAL(maildrop_create(b), 0);
    CU_ASSERT_EQUAL(maildrop_deliver(a, "1\n", 2, 10, NULL, 0), 0);
    CU_ASSERT_EQUAL(maildrop_deliver(a, "22\n", 3, 11, NULL, 0), 0);
    CU_ASSERT_EQUAL(maildrop_deliver(b, "1\n", 2, 10, NULL, 0), 0);
    put_file(b, "cur", "12.foreign:2,S", "no size in the name\n");
    sleep(3); /* both settle: older than any time stamp granularity */
    struct maildrop_cache *c = maildrop_cache_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char want[512], got[512];
    CU_ASSERT_EQUAL(listing(a, NULL, want, sizeof want), 2);
    CU_ASSERT_EQUAL(listing(a, c, got, sizeof got), 2); /* scanned, kept */
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(maildrop_cache_count(c), 1);
    CU_ASSERT_EQUAL(listing(a, c, got, sizeof got), 2); /* from the cache */
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(listing(b, c, got, sizeof got), 2);
    CU_ASSERT_EQUAL(maildrop_cache_count(c), 1); /* b's sizes came from a file */
    /* a delivery is seen at once */
    CU_ASSERT_EQUAL(maildrop_deliver(a, "333\n", 4, 12, NULL, 0), 0);
    CU_ASSERT_EQUAL(listing(a, NULL, want, sizeof want), 3);
    CU_ASSERT_EQUAL(listing(a, c, got, sizeof got), 3);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* so is a removal (the UPDATE of a session opened through the cache) */
    struct maildrop *md;
    CU_ASSERT_EQUAL_FATAL(maildrop_open_cached(a, c, &md), 0);
    CU_ASSERT_EQUAL(maildrop_remove(md, 0), 0);
    CU_ASSERT_EQUAL(maildrop_sync(md), 0);
    maildrop_close(md);
    CU_ASSERT_EQUAL(listing(a, NULL, want, sizeof want), 2);
    CU_ASSERT_EQUAL(listing(a, c, got, sizeof got), 2);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* the lock still excludes a second session */
    CU_ASSERT_EQUAL_FATAL(maildrop_open_cached(a, c, &md), 0);
    struct maildrop *md2;
    CU_ASSERT_EQUAL(maildrop_open_cached(a, c, &md2), EBUSY);
    maildrop_close(md);
    maildrop_cache_free(c);
    unit_rmtree(root);
}

void suite_maildrop(void)
{
    UNIT_SUITE("maildrop", UNIT_TEST(test_maildrop_sent_size),
               UNIT_TEST(test_maildrop_deliver_and_scan), UNIT_TEST(test_maildrop_foreign_files),
               UNIT_TEST(test_maildrop_lock), UNIT_TEST(test_maildrop_remove),
               UNIT_TEST(test_maildrop_not_a_maildir), UNIT_TEST(test_maildrop_many),
               UNIT_TEST(test_maildrop_cache));
}

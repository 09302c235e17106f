/* The platform layer (src/lib/plat*.h) on POSIX, and the parts that the
 * Windows build relies on and can be checked here: the ERE engine against
 * regcomp, the strptime subset against glibc, the event-loop API, the
 * lab's control endpoint file (ctllocal). */
#define _GNU_SOURCE /* strptime, timegm */
#include "src/lib/afile.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include "src/lib/rematch.h"
#include "src/net/control.h"
#include "src/net/ctllocal.h"
#include "src/net/ctltcp.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --- rematch against regcomp ------------------------------------------------- */

static const char *const re_patterns[] = {
    "", "a", "abc", "^abc$", "^$", "a|b", "a|", "(a|b)c", "a*", "a+", "a?", "a{2}", "a{2,}",
    "a{1,3}b", "a{0,0}b", "(ab)*c", "(a*)*b", "(a|)+x", ".", "^.$", "a.c", "[abc]", "[^abc]",
    "[a-c]+$", "[]a]", "[^]a]", "[a-]", "[-a]", "[[:digit:]]+", "^[[:alpha:]_][[:alnum:]_]*$",
    "[[:space:]]", "[[:upper:][:digit:]]", "[[:punct:]]", "[[.a.]-c]", "[[=b=]]", "\\.", "a\\+b",
    "\\(x\\)", "\\w+", "\\W", "\\s", "\\S+$", "\\bfoo\\b", "\\Bo", "\\<f", "o\\>", "\\`a",
    "b\\'", "^+OK [0-9]+ [0-9]+$", "^(\\+OK|-ERR)( .*)?$", "^-Err A required privilege .*\\.$",
    "((a|b)*c){2}", "x(y|z){0,2}$", "[0-9]{1,3}(\\.[0-9]{1,3}){3}", "(((((a)))))", "a)b", "a{256}", "x{2,300}y", "a$", "$a", "a^", "(^a|b$)", "a|^b",
    /* refused by both */
    "(", "(a", "[a", "[z-a]", "a{3,2}", "a{256}", "*a", "a|*b", "{1}", "\\", "[[:nope:]]",
    "a{1", "a{x}", "^*", "^+a", "a{32768}", "$?",
};

static const char *const re_subjects[] = {
    "", "a", "b", "c", "abc", "xabcx", "ab", "aab", "aaab", "ac", "bc", "abababc", "x", "xy",
    "xyz", "xyy", "xyzz", "]", "-", "123", "a1", "_id9", "9id", " ", "\t", "A", "!", ".", "a+b",
    "(x)", "foo", "a foo b", "food", "oof", "+OK 3 731", "+OK 1", "-ERR nope",
    "-Err A required privilege is not held by the client.", "cc", "abcabc", "10.0.0.1",
    "1.2.3", "a)b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
};

static void test_rematch_vs_regcomp(void)
{
    size_t np = sizeof re_patterns / sizeof re_patterns[0];
    size_t ns = sizeof re_subjects / sizeof re_subjects[0];
    for (size_t i = 0; i < np; i++) {
        regex_t sys;
        int sys_rc = regcomp(&sys, re_patterns[i], REG_EXTENDED | REG_NOSUB);
        struct rematch *m = NULL;
        char err[128] = "";
        int rc = rematch_compile(re_patterns[i], &m, err, sizeof err);
        if ((sys_rc == 0) != (rc == 0))
            fprintf(stderr, "pattern '%s': regcomp %d, rematch %d (%s)\n", re_patterns[i],
                    sys_rc, rc, err);
        CU_ASSERT_EQUAL(sys_rc == 0, rc == 0);
        if (rc)
            CU_ASSERT_EQUAL(rc, EINVAL);
        if (rc)
            CU_ASSERT(err[0] != 0);
        for (size_t j = 0; rc == 0 && sys_rc == 0 && j < ns; j++) {
            bool want = regexec(&sys, re_subjects[j], 0, NULL, 0) == 0;
            bool got = rematch_exec(m, re_subjects[j]);
            if (want != got)
                fprintf(stderr, "pattern '%s' on '%s': regexec %d, rematch %d\n",
                        re_patterns[i], re_subjects[j], want, got);
            CU_ASSERT_EQUAL(want, got);
        }
        if (sys_rc == 0)
            regfree(&sys);
        rematch_free(m);
    }
}

static void test_rematch_limits(void)
{
    struct rematch *m = NULL;
    char err[128];
    /* Back-references need a backtracker: refused with a reason. */
    CU_ASSERT_EQUAL(rematch_compile("(a)\\1", &m, err, sizeof err), EINVAL);
    CU_ASSERT(strstr(err, "back-reference") != NULL);
    /* Nesting is bounded, so is the expanded program. */
    char deep[600];
    memset(deep, '(', 300);
    memset(deep + 300, ')', 299);
    deep[599] = 0;
    CU_ASSERT_EQUAL(rematch_compile(deep, &m, err, sizeof err), EINVAL);
    CU_ASSERT_EQUAL(rematch_compile("((a{255}){255}){255}", &m, err, sizeof err), EINVAL);
    CU_ASSERT(strstr(err, "too big") != NULL);
    CU_ASSERT_EQUAL(rematch_compile("a{40000}", &m, err, sizeof err), EINVAL);
    /* The classic pathological case runs in linear time. */
    CU_ASSERT_EQUAL(rematch_compile("^(a|a?)+$", &m, err, sizeof err), 0);
    char s[4001];
    memset(s, 'a', 4000);
    s[3999] = 'b';
    s[4000] = 0;
    struct timespec t0, t1;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &t0);
    CU_ASSERT_FALSE(rematch_exec(m, s));
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &t1);
    if (unit_timing())
        CU_ASSERT(t1.tv_sec - t0.tv_sec < 2);
    rematch_free(m);
    /* NUL never matches, not even a negated class: the subject ends there. */
    CU_ASSERT_EQUAL(rematch_compile("^[^x]$", &m, err, sizeof err), 0);
    CU_ASSERT_FALSE(rematch_exec(m, ""));
    rematch_free(m);
}

static void test_plat_re(void)
{
    struct plat_re re;
    char err[128] = "";
    CU_ASSERT_EQUAL(plat_re_compile(&re, "^\\+OK [0-9]+$", err, sizeof err), 0);
    CU_ASSERT_TRUE(plat_re_match(&re, "+OK 12"));
    CU_ASSERT_FALSE(plat_re_match(&re, "+OK x"));
    plat_re_free(&re);
    plat_re_free(&re); /* twice is harmless */
    CU_ASSERT_EQUAL(plat_re_compile(&re, "a(", err, sizeof err), EINVAL);
    CU_ASSERT(err[0] != 0);
    CU_ASSERT_FALSE(plat_re_match(&re, "a("));
}

/* --- time ------------------------------------------------------------------- */

static void test_strptime_vs_glibc(void)
{
    static const struct {
        const char *s, *fmt;
    } cases[] = {
        {"1998-07-02", "%Y-%m-%d"}, {"2000-02-29", "%Y-%m-%d"}, {"1998-7-2", "%Y-%m-%d"},
        {"1998-13-01", "%Y-%m-%d"}, {"1998-00-01", "%Y-%m-%d"}, {"1998-01-32", "%Y-%m-%d"},
        {"98-01-01x", "%Y-%m-%d"},  {"12:34", "%H:%M"},         {"12:34:56", "%H:%M:%S"},
        {"24:00", "%H:%M"},         {"23:60", "%H:%M"},         {"1:2", "%H:%M"},
        {"12:34 rest", "%H:%M"},    {"x12:34", "%H:%M"},        {"", "%Y"},
        {" 7:05", "%H:%M"},         {"10%", "%H%%"},            {"12:34:61", "%H:%M:%S"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tm a = {0}, b = {0};
        const char *ea = strptime(cases[i].s, cases[i].fmt, &a);
        const char *eb = plat_strptime(cases[i].s, cases[i].fmt, &b);
        if ((ea == NULL) != (eb == NULL) || (ea && ea != eb))
            fprintf(stderr, "strptime('%s', '%s'): glibc %s, plat %s\n", cases[i].s,
                    cases[i].fmt, ea ? ea : "NULL", eb ? eb : "NULL");
        CU_ASSERT_EQUAL(ea == NULL, eb == NULL);
        if (ea && eb) {
            CU_ASSERT_PTR_EQUAL(ea, eb);
            CU_ASSERT_EQUAL(a.tm_year, b.tm_year);
            CU_ASSERT_EQUAL(a.tm_mon, b.tm_mon);
            CU_ASSERT_EQUAL(a.tm_mday, b.tm_mday);
            CU_ASSERT_EQUAL(a.tm_hour, b.tm_hour);
            CU_ASSERT_EQUAL(a.tm_min, b.tm_min);
            CU_ASSERT_EQUAL(a.tm_sec, b.tm_sec);
        }
    }
    struct tm tm = {0};
    CU_ASSERT_PTR_NULL(plat_strptime("2000", "%j", &tm)); /* a conversion it does not do */
}

static void test_time_helpers(void)
{
    struct tm tm = {0};
    CU_ASSERT_PTR_NOT_NULL(plat_strptime("1998-07-02 10:20:30", "%Y-%m-%d %H:%M:%S", &tm));
    time_t t = plat_timegm(&tm);
    CU_ASSERT_EQUAL((long long)t, 899374830LL);
    struct tm back;
    CU_ASSERT_PTR_NOT_NULL(plat_gmtime(&t, &back));
    CU_ASSERT_EQUAL(back.tm_hour, 10);
    CU_ASSERT_EQUAL(back.tm_yday, tm.tm_yday);
    struct timespec a, b;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &a);
    plat_sleep_ms(20);
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &b);
    long long ms = (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CU_ASSERT(ms >= 19);
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &a);
    CU_ASSERT(a.tv_sec > 1500000000);
}

/* --- files ------------------------------------------------------------------ */

static void test_files(void)
{
    const char *dir = unit_tmpdir();
    char a[512], b[512], sub[512], real[4096];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CU_ASSERT_EQUAL(afile_write(a, "one\n", 4, 0644), 0);
    CU_ASSERT_EQUAL(afile_write(b, "two\n", 4, 0644), 0);
    struct plat_stat sa, sb, s2;
    CU_ASSERT_EQUAL(plat_stat(a, &sa), 0);
    CU_ASSERT_TRUE(sa.is_reg);
    CU_ASSERT_EQUAL(sa.size, 4);
    CU_ASSERT_EQUAL(plat_stat(b, &sb), 0);
    /* rename replaces; the identity moves with the file */
    CU_ASSERT_EQUAL(plat_rename(a, b), 0);
    CU_ASSERT_EQUAL(plat_stat(b, &s2), 0);
    CU_ASSERT_EQUAL(s2.ino, sa.ino);
    CU_ASSERT_NOT_EQUAL(s2.ino, sb.ino);
    CU_ASSERT_EQUAL(plat_stat(a, &s2), ENOENT);
    CU_ASSERT_EQUAL(plat_rename(a, b), ENOENT);
    CU_ASSERT_EQUAL(plat_sync_dir(dir), 0);
    char nodir[600];
    snprintf(nodir, sizeof nodir, "%s/none", dir);
    CU_ASSERT_EQUAL(plat_sync_dir(nodir), ENOENT);
    /* directories */
    CU_ASSERT_EQUAL(plat_mkdir(sub, 0700), 0);
    CU_ASSERT_EQUAL(plat_mkdir(sub, 0700), EEXIST);
    CU_ASSERT_EQUAL(plat_stat(sub, &s2), 0);
    CU_ASSERT_TRUE(s2.is_dir);
    char link[600];
    snprintf(link, sizeof link, "%s/link", dir);
    CU_ASSERT_EQUAL(symlink(b, link), 0);
    CU_ASSERT_EQUAL(plat_lstat(link, &s2), 0);
    CU_ASSERT_TRUE(s2.is_link);
    CU_ASSERT_FALSE(s2.is_reg);
    CU_ASSERT_EQUAL(plat_stat(link, &s2), 0);
    CU_ASSERT_TRUE(s2.is_reg);
    struct plat_dir *d;
    CU_ASSERT_EQUAL(plat_dir_open(dir, &d), 0);
    int seen_b = 0, seen_sub = 0, seen_link = 0, n = 0;
    const char *name;
    enum plat_dtype type;
    int e;
    while ((e = plat_dir_next(d, &name, &type)) == 0) {
        n++;
        if (strcmp(name, "b") == 0)
            seen_b = type == PLAT_DT_REG;
        else if (strcmp(name, "sub") == 0)
            seen_sub = type == PLAT_DT_DIR;
        else if (strcmp(name, "link") == 0)
            seen_link = type == PLAT_DT_OTHER; /* not followed */
    }
    CU_ASSERT_EQUAL(e, ENOENT);
    CU_ASSERT_TRUE(seen_b && seen_sub && seen_link);
    CU_ASSERT(n >= 3);
    plat_dir_close(d);
    plat_dir_close(NULL);
    CU_ASSERT_EQUAL(plat_dir_open(nodir, &d), ENOENT);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(plat_dir_open(b, &d), ENOTDIR);
    /* pread/pwrite leave the data where they say */
    int fd = open(b, O_RDWR | O_CLOEXEC);
    CU_ASSERT(fd >= 0);
    CU_ASSERT_EQUAL(plat_pwrite(fd, "XY", 2, 1), 2);
    char buf[8] = "";
    CU_ASSERT_EQUAL(plat_pread(fd, buf, sizeof buf, 0), 4);
    CU_ASSERT_EQUAL(memcmp(buf, "oXY\n", 4), 0);
    CU_ASSERT_EQUAL(plat_pread(fd, buf, sizeof buf, 100), 0);
    CU_ASSERT_EQUAL(plat_fsync(fd), 0);
    CU_ASSERT_EQUAL(plat_fdatasync(fd), 0);
    CU_ASSERT_EQUAL(plat_fstat(fd, &s2), 0);
    CU_ASSERT_EQUAL(s2.size, 4);
    close(fd);
    CU_ASSERT_EQUAL(plat_fsync(fd), EBADF);
    /* realpath, absolute paths */
    CU_ASSERT_EQUAL(plat_realpath(link, real, sizeof real), 0);
    CU_ASSERT_EQUAL(strcmp(real + strlen(real) - 2, "/b"), 0);
    CU_ASSERT_TRUE(plat_path_is_absolute(real));
    CU_ASSERT_EQUAL(plat_realpath(nodir, real, sizeof real), ENOENT);
    CU_ASSERT_EQUAL(plat_realpath(b, real, 4), ENAMETOOLONG);
    CU_ASSERT_FALSE(plat_path_is_absolute("lab"));
    CU_ASSERT_FALSE(plat_path_is_absolute("C:/lab")); /* a relative path here */
    CU_ASSERT_EQUAL(plat_path_root_len("/x"), 1);
    CU_ASSERT_EQUAL(plat_path_root_len("x/y"), 0);
    /* temp dirs */
    char tmpl[600];
    snprintf(tmpl, sizeof tmpl, "%s/t-XXXXXX", dir);
    CU_ASSERT_EQUAL(plat_mkdtemp(tmpl), 0);
    CU_ASSERT_EQUAL(plat_stat(tmpl, &s2), 0);
    CU_ASSERT_TRUE(s2.is_dir);
    char bad[] = "/nonexistent-dir-ntlab/t-XXXXXX";
    CU_ASSERT_EQUAL(plat_mkdtemp(bad), ENOENT);
    char t[4096];
    CU_ASSERT_EQUAL(plat_tmpdir(t, sizeof t), 0);
    CU_ASSERT_TRUE(plat_path_is_absolute(t));
    CU_ASSERT_EQUAL(plat_tmpdir(t, 1), ENAMETOOLONG);
    unit_rmtree(dir);
}

static void test_private_file(void)
{
    const char *dir = unit_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/secret", dir);
    CU_ASSERT_EQUAL(afile_write(p, "x", 1, 0600), 0);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    CU_ASSERT_EQUAL(plat_fd_private(fd), 0);
    CU_ASSERT_EQUAL(fchmod(fd, 0640), 0);
    CU_ASSERT_EQUAL(plat_fd_private(fd), EPERM);
    close(fd);
    fd = open(dir, O_RDONLY | O_CLOEXEC);
    CU_ASSERT_EQUAL(plat_fd_private(fd), EINVAL);
    close(fd);
    unit_rmtree(dir);
}

static void test_locks(void)
{
    const char *dir = unit_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/x.lock", dir);
    struct filelock a = {-1}, b = {-1};
    CU_ASSERT_EQUAL(filelock_acquire(&a, p, false), 0);
    /* per open file: a second holder in the same process is refused */
    CU_ASSERT_EQUAL(filelock_acquire(&b, p, false), EWOULDBLOCK);
    CU_ASSERT_EQUAL(b.fd, -1);
    int fd = open(p, O_RDWR | O_CLOEXEC);
    CU_ASSERT_EQUAL(plat_lock(fd, PLAT_LOCK_PER_OPEN), EWOULDBLOCK);
    close(fd);
    filelock_release_remove(&a, p);
    struct plat_stat st;
    CU_ASSERT_EQUAL(plat_stat(p, &st), ENOENT);
    CU_ASSERT_EQUAL(filelock_acquire(&b, p, true), 0);
    filelock_release(&b);
    filelock_release(&b);
    /* the lock test sees another process's lock */
    CU_ASSERT_EQUAL(filelock_acquire(&a, p, false), 0);
    fflush(NULL);
    long pid = plat_fork();
    if (pid == 0) {
        int f2 = open(p, O_RDONLY);
        _exit(f2 >= 0 && plat_lock_held(f2) ? 0 : 1);
    }
    int status = -1;
    CU_ASSERT_EQUAL(plat_waitpid(pid, &status), 0);
    CU_ASSERT_EQUAL(plat_status_exit(status), 0);
    CU_ASSERT_EQUAL(plat_status_signal(status), 0);
    filelock_release(&a);
    fd = open(p, O_RDWR | O_CLOEXEC);
    CU_ASSERT_FALSE(plat_lock_held(fd));
    CU_ASSERT_EQUAL(plat_lock(fd, PLAT_LOCK_WAIT), 0);
    CU_ASSERT_EQUAL(plat_unlock(fd, PLAT_LOCK_WAIT), 0);
    close(fd);
    unit_rmtree(dir);
}

/* --- memory, randomness, processes ----------------------------------------------- */

static void test_memstream_random(void)
{
    char *buf = NULL;
    size_t len = 99;
    struct plat_memstream ms;
    FILE *f = plat_memstream_open(&ms, &buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (int i = 0; i < 2000; i++)
        fprintf(f, "line %d\n", i);
    CU_ASSERT_EQUAL(plat_memstream_close(&ms), 0);
    CU_ASSERT_EQUAL(plat_memstream_close(&ms), 0); /* closed: a no-op */
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    CU_ASSERT_EQUAL(len, strlen(buf));
    CU_ASSERT(strstr(buf, "line 1999\n") != NULL);
    free(buf);
    unsigned char r1[300], r2[300];
    CU_ASSERT_EQUAL(plat_random(r1, sizeof r1), 0); /* more than one getentropy call */
    CU_ASSERT_EQUAL(plat_random(r2, sizeof r2), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(r1, r2, sizeof r1), 0);
    plat_wipe(r1, sizeof r1);
    for (size_t i = 0; i < sizeof r1; i++)
        CU_ASSERT_EQUAL_FATAL(r1[i], 0);
    fflush(NULL);
    long pid = plat_fork();
    if (pid == 0)
        for (;;)
            plat_sleep_ms(1000);
    plat_kill_hard(pid);
    int status = 0;
    CU_ASSERT_EQUAL(plat_waitpid(pid, &status), 0);
    CU_ASSERT_EQUAL(plat_status_signal(status), 9);
    CU_ASSERT_EQUAL(plat_status_exit(status), -1);
    int fds[2];
    CU_ASSERT_EQUAL(plat_pipe(fds), 0);
    CU_ASSERT_EQUAL(write(fds[1], "z", 1), 1);
    char c = 0;
    CU_ASSERT_EQUAL(read(fds[0], &c, 1), 1);
    CU_ASSERT_EQUAL(c, 'z');
    close(fds[0]);
    close(fds[1]);
}

/* --- sockets and the event loop ------------------------------------------------------ */

static void test_sockets_and_loop(void)
{
    int sv[2];
    CU_ASSERT_EQUAL_FATAL(plat_socketpair(sv), 0);
    struct plat_ev *ev;
    CU_ASSERT_EQUAL_FATAL(plat_ev_new(&ev), 0);
    int tag0 = 0, tag1 = 1;
    CU_ASSERT_EQUAL(plat_ev_add(ev, sv[0], PLAT_EV_IN, &tag0), 0);
    CU_ASSERT_EQUAL(plat_ev_add(ev, sv[0], PLAT_EV_IN, &tag0), EEXIST);
    CU_ASSERT_EQUAL(plat_ev_mod(ev, sv[1], PLAT_EV_IN, &tag1), ENOENT);
    struct plat_ev_event out[4];
    CU_ASSERT_EQUAL(plat_ev_wait(ev, out, 4, 0), 0); /* nothing yet */
    CU_ASSERT_EQUAL(plat_send(sv[1], "hi", 2), 2);
    CU_ASSERT_EQUAL(plat_ev_wait(ev, out, 4, 1000), 1);
    CU_ASSERT_PTR_EQUAL(out[0].ptr, &tag0);
    CU_ASSERT(out[0].events & PLAT_EV_IN);
    char buf[8];
    CU_ASSERT_EQUAL(plat_recv(sv[0], buf, sizeof buf), 2);
    CU_ASSERT_EQUAL(plat_sock_nonblock(sv[0], true), 0);
    CU_ASSERT_EQUAL(plat_recv(sv[0], buf, sizeof buf), -1);
    CU_ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
    /* interest in output only; then the peer goes away */
    CU_ASSERT_EQUAL(plat_ev_mod(ev, sv[0], PLAT_EV_OUT, &tag1), 0);
    CU_ASSERT_EQUAL(plat_ev_wait(ev, out, 4, 1000), 1);
    CU_ASSERT_PTR_EQUAL(out[0].ptr, &tag1);
    CU_ASSERT(out[0].events & PLAT_EV_OUT);
    CU_ASSERT_EQUAL(plat_ev_mod(ev, sv[0], PLAT_EV_IN | PLAT_EV_RDHUP, &tag0), 0);
    CU_ASSERT_EQUAL(plat_shutdown_wr(sv[1]), 0);
    CU_ASSERT_EQUAL(plat_ev_wait(ev, out, 4, 1000), 1);
    CU_ASSERT(out[0].events & (PLAT_EV_IN | PLAT_EV_RDHUP));
    CU_ASSERT_EQUAL(plat_recv(sv[0], buf, sizeof buf), 0);
    CU_ASSERT_EQUAL(plat_ev_del(ev, sv[0]), 0);
    CU_ASSERT_EQUAL(plat_ev_del(ev, sv[0]), ENOENT);
    plat_ev_free(ev);
    plat_ev_free(NULL);
    struct plat_pollfd p[2] = {{sv[0], PLAT_POLLIN, 0}, {-1, PLAT_POLLIN, 7}};
    CU_ASSERT_EQUAL(plat_poll(p, 2, 1000), 1);
    CU_ASSERT(p[0].revents & PLAT_POLLIN);
    CU_ASSERT_EQUAL(p[1].revents, 0); /* a negative descriptor is ignored */
    plat_sock_close(sv[0]);
    plat_sock_close(sv[1]);
    /* a listener on a free loopback port, a refused connect */
    int l = plat_socket(AF_INET, SOCK_STREAM, 0, PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
    CU_ASSERT_FATAL(l >= 0);
    CU_ASSERT_EQUAL(plat_sock_listen_opts(l), 0);
    CU_ASSERT_EQUAL(plat_sock_nodelay(l), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    CU_ASSERT_EQUAL(plat_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    CU_ASSERT_EQUAL(plat_getsockname(l, (struct sockaddr *)&a, &al), 0);
    CU_ASSERT_EQUAL(plat_listen(l, 4), 0);
    CU_ASSERT_EQUAL(plat_accept(l, NULL, NULL, 0), -1); /* nobody yet, non-blocking */
    CU_ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
    int c = plat_socket(AF_INET, SOCK_STREAM, 0, PLAT_SOCK_NONBLOCK);
    int r = plat_connect(c, (struct sockaddr *)&a, sizeof a);
    CU_ASSERT(r == 0 || errno == EINPROGRESS);
    struct plat_pollfd pc = {c, PLAT_POLLOUT, 0};
    CU_ASSERT_EQUAL(plat_poll(&pc, 1, 2000), 1);
    CU_ASSERT_EQUAL(plat_sock_error(c), 0);
    CU_ASSERT_EQUAL(plat_sock_nodelay(c), 0);
    struct plat_pollfd pl = {l, PLAT_POLLIN, 0};
    CU_ASSERT_EQUAL(plat_poll(&pl, 1, 2000), 1);
    int s = plat_accept(l, NULL, NULL, PLAT_SOCK_CLOEXEC);
    CU_ASSERT(s >= 0);
    /* issue 12 (logons): TCP_NODELAY set on the listener reaches the
     * accepted socket (inherited on Linux, set there elsewhere) */
    CU_ASSERT_EQUAL(plat_sock_accepted_nodelay(s), 0);
    int nd = 0;
    socklen_t ndl = sizeof nd;
    CU_ASSERT_EQUAL(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &nd, &ndl), 0);
    CU_ASSERT(nd != 0);
    plat_sock_close(s);
    plat_sock_close(c);
    plat_sock_close(l); /* the port is free again: a connect is refused */
    c = plat_socket(AF_INET, SOCK_STREAM, 0, PLAT_SOCK_NONBLOCK);
    r = plat_connect(c, (struct sockaddr *)&a, sizeof a);
    if (r != 0 && errno == EINPROGRESS) {
        pc = (struct plat_pollfd){c, PLAT_POLLOUT, 0};
        CU_ASSERT_EQUAL(plat_poll(&pc, 1, 2000), 1);
        CU_ASSERT_EQUAL(plat_sock_error(c), ECONNREFUSED);
    } else {
        CU_ASSERT_EQUAL(errno, ECONNREFUSED);
    }
    plat_sock_close(c);
    CU_ASSERT_EQUAL(plat_socket(-1, SOCK_STREAM, 0, 0), -1);
}

static void test_stop_requests(void)
{
    struct plat_stop st;
    CU_ASSERT_EQUAL_FATAL(plat_stop_open(&st), 0);
    char name[64] = "";
    CU_ASSERT_EQUAL(plat_stop_take(&st, name, sizeof name), 0);
    CU_ASSERT_EQUAL(kill(getpid(), SIGTERM), 0); /* blocked: queued for the descriptor */
    struct plat_pollfd p = {st.fd, PLAT_POLLIN, 0};
    CU_ASSERT_EQUAL(plat_poll(&p, 1, 2000), 1);
    CU_ASSERT_EQUAL(plat_stop_take(&st, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "Terminated");
    plat_stop_close(&st);
    plat_stop_close(&st); /* closed: a no-op */
}

/* --- the lab's control endpoint file (the Windows default channel) ----------------------- */

static void test_ctllocal(void)
{
    const char *dir = unit_tmpdir();
    char secret[512], spec[CTLLOCAL_SPEC_MAX], sp[4096], err[256];
    CU_ASSERT_EQUAL(ctllocal_lookup(dir, spec, sizeof spec, sp, sizeof sp), ENOENT);
    CU_ASSERT_EQUAL(ctllocal_make_secret(dir, secret, sizeof secret, err, sizeof err), 0);
    struct net_addr a;
    ctllocal_default_addr(&a);
    int l = plat_socket(AF_INET, SOCK_STREAM, 0, PLAT_SOCK_CLOEXEC);
    CU_ASSERT_FATAL(l >= 0);
    CU_ASSERT_EQUAL(plat_bind(l, (struct sockaddr *)&a.ss, a.len), 0);
    CU_ASSERT_EQUAL(ctllocal_publish(dir, l, secret, err, sizeof err), 0);
    CU_ASSERT_EQUAL(ctllocal_lookup(dir, spec, sizeof spec, sp, sizeof sp), 0);
    CU_ASSERT_EQUAL(strncmp(spec, "tcp:127.0.0.1:", 14), 0);
    CU_ASSERT_STRING_EQUAL(sp, secret);
    struct net_addr back;
    CU_ASSERT_EQUAL(ctltcp_spec_parse(spec, &back), 0);
    /* the secret: 32 hex digits, owner-only, loadable as a control secret */
    struct ctltcp_secret s;
    CU_ASSERT_EQUAL(ctltcp_secret_load(secret, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.len, 32);
    char secret2[512];
    CU_ASSERT_EQUAL(ctllocal_make_secret(dir, secret2, sizeof secret2, err, sizeof err), 0);
    struct ctltcp_secret s2;
    CU_ASSERT_EQUAL(ctltcp_secret_load(secret2, &s2, err, sizeof err), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(s.s, s2.s, 32), 0); /* fresh at each start */
    ctltcp_secret_wipe(&s);
    ctltcp_secret_wipe(&s2);
    /* malformed endpoint files */
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, CONTROL_SOCKET);
    static const char *const badfiles[] = {"", "tcp:1.2.3.4:5\n", "udp:1.2.3.4:5\n/x\n",
                                           "tcp:1.2.3.4:5\n\n", "tcp:1.2.3.4:5\n/x\nmore\n",
                                           "tcp:1.2.3.4:5\n/x"};
    for (size_t i = 0; i < sizeof badfiles / sizeof badfiles[0]; i++) {
        CU_ASSERT_EQUAL(afile_write(p, badfiles[i], strlen(badfiles[i]), 0600), 0);
        CU_ASSERT_EQUAL(ctllocal_lookup(dir, spec, sizeof spec, sp, sizeof sp), EINVAL);
    }
    CU_ASSERT_EQUAL(afile_write(p, "tcp:1.2.3.4:5\n/x\n", 17, 0600), 0);
    CU_ASSERT_EQUAL(ctllocal_lookup(dir, spec, 5, sp, sizeof sp), EINVAL); /* does not fit */
    ctllocal_unlink(dir);
    CU_ASSERT_EQUAL(ctllocal_lookup(dir, spec, sizeof spec, sp, sizeof sp), ENOENT);
    struct plat_stat st;
    CU_ASSERT_EQUAL(plat_stat(secret, &st), ENOENT);
    char longdir[5000];
    memset(longdir, 'x', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = 0;
    CU_ASSERT_NOT_EQUAL(ctllocal_make_secret(longdir, secret, sizeof secret, err, sizeof err), 0);
    CU_ASSERT(err[0] != 0);
    plat_sock_close(l);
    unit_rmtree(dir);
}

void suite_plat(void)
{
    UNIT_SUITE("plat", UNIT_TEST(test_rematch_vs_regcomp), UNIT_TEST(test_rematch_limits),
               UNIT_TEST(test_plat_re), UNIT_TEST(test_strptime_vs_glibc),
               UNIT_TEST(test_time_helpers), UNIT_TEST(test_files), UNIT_TEST(test_private_file),
               UNIT_TEST(test_locks), UNIT_TEST(test_memstream_random),
               UNIT_TEST(test_sockets_and_loop), UNIT_TEST(test_stop_requests),
               UNIT_TEST(test_ctllocal));
}

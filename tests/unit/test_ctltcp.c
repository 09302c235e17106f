/* The control channel over TCP (src/net/ctltcp.h): secret files, the auth
 * frame, and control_forward() through NTLAB_CONTROL against a stand-in
 * daemon in a child process that checks the secret and the request. */
#include "src/net/control.h"
#include "src/net/ctltcp.h"
#include "tests/unit/unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GOOD "0123456789abcdef0123456789abcdef"

static char *write_file(const char *dir, const char *name, const char *text, size_t len,
                        mode_t mode)
{
    static char path[4][512];
    static int slot;
    char *p = path[slot++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    unlink(p); /* it may be read-only from the last call */
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(text, 1, len, f);
    fclose(f);
    chmod(p, mode);
    return p;
}

static int load(const char *dir, const char *text, mode_t mode, struct ctltcp_secret *s)
{
    char err[512];
    const char *p = write_file(dir, "secret", text, strlen(text), mode);
    int e = ctltcp_secret_load(p, s, err, sizeof err);
    if (e)
        CU_ASSERT_PTR_NOT_NULL(strstr(err, p)); /* every error names the file */
    return e;
}

static void test_secret_load(void)
{
    const char *d = unit_tmpdir();
    struct ctltcp_secret s;
    CU_ASSERT_EQUAL(load(d, GOOD, 0600, &s), 0);
    CU_ASSERT_STRING_EQUAL(s.s, GOOD);
    CU_ASSERT_EQUAL(s.len, 32u);
    CU_ASSERT_EQUAL(load(d, GOOD "\n", 0400, &s), 0);
    CU_ASSERT_EQUAL(s.len, 32u);
    CU_ASSERT_EQUAL(load(d, GOOD "\r\n", 0600, &s), 0);
    CU_ASSERT_STRING_EQUAL(s.s, GOOD);
    /* Exactly the bounds. */
    char max[CTLTCP_SECRET_MAX + 2];
    memset(max, 'k', CTLTCP_SECRET_MAX);
    max[CTLTCP_SECRET_MAX] = 0;
    CU_ASSERT_EQUAL(load(d, max, 0600, &s), 0);
    CU_ASSERT_EQUAL(s.len, CTLTCP_SECRET_MAX);
    max[CTLTCP_SECRET_MAX] = 'k';
    max[CTLTCP_SECRET_MAX + 1] = 0;
    CU_ASSERT_EQUAL(load(d, max, 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(load(d, "0123456789abcdef", 0600, &s), 0);
    CU_ASSERT_EQUAL(load(d, "0123456789abcde", 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(load(d, "", 0600, &s), EINVAL);
    /* Spaces, control bytes, a second line, non-ASCII. */
    CU_ASSERT_EQUAL(load(d, "0123456789 abcdef0", 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(load(d, "0123456789\tabcdef0", 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(load(d, GOOD "\n\n", 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(load(d, GOOD "\n" GOOD, 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(load(d, "0123456789abcdef\xc3\xa9", 0600, &s), EINVAL);
    CU_ASSERT_EQUAL(s.len, 0u); /* a failed load leaves no secret */
    /* Others may read it: refused, whatever it holds. */
    CU_ASSERT_EQUAL(load(d, GOOD, 0640, &s), EPERM);
    CU_ASSERT_EQUAL(load(d, GOOD, 0604, &s), EPERM);
    CU_ASSERT_EQUAL(load(d, GOOD, 0660, &s), EPERM);
    /* Not there, a directory, a symlink. */
    char err[512], p[600], q[600];
    snprintf(p, sizeof p, "%s/none", d);
    CU_ASSERT_EQUAL(ctltcp_secret_load(p, &s, err, sizeof err), ENOENT);
    CU_ASSERT_EQUAL(ctltcp_secret_load(d, &s, err, sizeof err), EINVAL);
    load(d, GOOD, 0600, &s);
    snprintf(p, sizeof p, "%s/secret", d);
    snprintf(q, sizeof q, "%s/link", d);
    CU_ASSERT_EQUAL(symlink(p, q), 0);
    CU_ASSERT_EQUAL(ctltcp_secret_load(q, &s, err, sizeof err), ELOOP);
    ctltcp_secret_wipe(&s);
    CU_ASSERT_EQUAL(s.len, 0u);
    CU_ASSERT_EQUAL(s.s[0], 0);
    unit_rmtree(d);
}

static void test_spec(void)
{
    struct net_addr a;
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:127.0.0.1:7110", &a), 0);
    CU_ASSERT_EQUAL(a.ss.ss_family, AF_INET);
    CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&a.ss)->sin_port), 7110);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:[::1]:7110", &a), 0);
    CU_ASSERT_EQUAL(a.ss.ss_family, AF_INET6);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:0.0.0.0:7110", &a), 0);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("127.0.0.1:7110", &a), EINVAL);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("unix:/tmp/x", &a), EINVAL);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:127.0.0.1:0", &a), EINVAL);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:127.0.0.1:65536", &a), EINVAL);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:example.org:7110", &a), EINVAL);
    CU_ASSERT_EQUAL(ctltcp_spec_parse("tcp:", &a), EINVAL);
    CU_ASSERT_EQUAL(ctltcp_spec_parse(NULL, &a), EINVAL);
}

static void test_auth_frame(void)
{
    struct ctltcp_secret s = {.s = GOOD, .len = 32}, other = {.s = GOOD, .len = 32};
    other.s[31] = 'g';
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(ctltcp_auth_encode(&b, &s), 0);
    CU_ASSERT_EQUAL(b.len, CTLTCP_AUTH_HEADER + 32);
    buf_puts(&b, "NTLC..."); /* the request that follows is not the frame's */
    size_t used = 99;
    CU_ASSERT_EQUAL(ctltcp_auth_check(b.p, b.len, &s, &used), 0);
    CU_ASSERT_EQUAL(used, CTLTCP_AUTH_HEADER + 32);
    /* Every prefix of the frame: more is needed. */
    for (size_t n = 0; n < CTLTCP_AUTH_HEADER + 32; n++) {
        CU_ASSERT_EQUAL(ctltcp_auth_check(b.p, n, &s, &used), EAGAIN);
        CU_ASSERT_EQUAL(used, 0u);
    }
    CU_ASSERT_EQUAL(ctltcp_auth_check(b.p, b.len, &other, &used), EACCES);
    /* A shorter or longer secret with the same start is wrong too. */
    struct ctltcp_secret shorter = {.s = GOOD, .len = 31};
    shorter.s[31] = 0;
    CU_ASSERT_EQUAL(ctltcp_auth_check(b.p, b.len, &shorter, &used), EACCES);
    struct buf b2 = BUF_INIT;
    ctltcp_auth_encode(&b2, &shorter);
    CU_ASSERT_EQUAL(ctltcp_auth_check(b2.p, b2.len, &s, &used), EACCES);
    /* Not an auth frame: a bare request, a bad version, an absurd length. */
    CU_ASSERT_EQUAL(ctltcp_auth_check("NTLC\1", 5, &s, &used), EPROTO);
    CU_ASSERT_EQUAL(ctltcp_auth_check("X", 1, &s, &used), EPROTO);
    CU_ASSERT_EQUAL(ctltcp_auth_check("NTLA\2\0\0\0\1x", 10, &s, &used), EPROTO);
    CU_ASSERT_EQUAL(ctltcp_auth_check("NTLA\1\0\0\1\1x", 10, &s, &used), EPROTO);
    CU_ASSERT_EQUAL(ctltcp_auth_check("NTLA\1\xff\xff\xff\xffx", 10, &s, &used), EPROTO);
    CU_ASSERT_EQUAL(used, 0u);
    buf_free(&b);
    buf_free(&b2);
}

/* A stand-in daemon: accepts one connection, reads it to EOF, and answers
 * a request with rc 7 and "ran ARGV0 on MACHINE" when the secret is right;
 * hangs up without a word when it is not. Exits 0 when it answered, 3 when
 * it refused, other values on errors. */
static pid_t fake_daemon(const struct ctltcp_secret *secret, int *port)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    CU_ASSERT_FATAL(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0 &&
                    listen(ls, 4) == 0 && getsockname(ls, (struct sockaddr *)&a, &al) == 0);
    *port = ntohs(a.sin_port);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid > 0) {
        close(ls);
        return pid;
    }
    alarm(20);
    int fd = accept(ls, NULL, NULL);
    if (fd < 0)
        _exit(10);
    struct buf in = BUF_INIT;
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) > 0)
        buf_append(&in, tmp, (size_t)r);
    size_t used;
    if (ctltcp_auth_check(in.p, in.len, secret, &used) != 0) {
        close(fd);
        _exit(3);
    }
    struct control_request req;
    if (control_request_parse(in.p + used, in.len - used, &req) != 0)
        _exit(11);
    char out[256];
    snprintf(out, sizeof out, "ran %s on %s\n", req.argv[0], req.machine ? req.machine : "-");
    struct buf resp = BUF_INIT;
    control_response_encode(&resp, 7, out, strlen(out), "note\n", 5);
    if (write(fd, resp.p, resp.len) != (ssize_t)resp.len)
        _exit(12);
    close(fd);
    _exit(0);
}

static int forward(const char *spec, const char *secret_file, char *outbuf, size_t n, int *rc)
{
    setenv(CTLTCP_ENV, spec, 1);
    if (secret_file)
        setenv(CTLTCP_SECRET_ENV, secret_file, 1);
    else
        unsetenv(CTLTCP_SECRET_ENV);
    FILE *out = tmpfile(), *err = tmpfile();
    char *argv[] = {"reboot", NULL};
    *rc = -1;
    bool got = control_forward("/nonexistent-lab", "EXCHSRV", 1, argv, out, err, rc);
    unsetenv(CTLTCP_ENV);
    unsetenv(CTLTCP_SECRET_ENV);
    rewind(out);
    rewind(err);
    size_t k = fread(outbuf, 1, n / 2 - 1, out);
    outbuf[k] = 0;
    size_t m = fread(outbuf + k, 1, n - k - 1, err);
    outbuf[k + m] = 0;
    fclose(out);
    fclose(err);
    return got;
}

static void test_forward_tcp(void)
{
    const char *d = unit_tmpdir();
    struct ctltcp_secret s = {.s = GOOD, .len = 32};
    const char *good = write_file(d, "good", GOOD "\n", 33, 0600);
    const char *bad = write_file(d, "bad", "fedcba9876543210fedcba9876543210", 32, 0600);
    const char *open_ = write_file(d, "open", GOOD, 32, 0644);
    char spec[64], text[1024];
    int port, rc, status;

    pid_t pid = fake_daemon(&s, &port);
    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%d", port);
    CU_ASSERT_TRUE(forward(spec, good, text, sizeof text, &rc));
    CU_ASSERT_EQUAL(rc, 7);
    CU_ASSERT_STRING_EQUAL(text, "ran reboot on EXCHSRV\nnote\n");
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A wrong secret: the daemon hangs up; the client says so, rc 1. */
    pid = fake_daemon(&s, &port);
    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%d", port);
    CU_ASSERT_TRUE(forward(spec, bad, text, sizeof text, &rc));
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "wrong secret"));
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3);

    /* Nothing listening: the command fails instead of touching a local lab. */
    CU_ASSERT_TRUE(forward(spec, good, text, sizeof text, &rc));
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "refused"));

    /* The client refuses a secret others can read, no secret file, a bad spec:
     * nothing is sent anywhere. */
    CU_ASSERT_TRUE(forward(spec, open_, text, sizeof text, &rc));
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "chmod 600"));
    CU_ASSERT_TRUE(forward(spec, NULL, text, sizeof text, &rc));
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, CTLTCP_SECRET_ENV));
    CU_ASSERT_TRUE(forward("tcp:nowhere", good, text, sizeof text, &rc));
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "tcp:ADDR:PORT"));

    /* Without NTLAB_CONTROL, a lab with no daemon: not forwarded. */
    char *argv[] = {"status", NULL};
    FILE *out = tmpfile();
    CU_ASSERT_FALSE(control_forward(d, NULL, 1, argv, out, out, &rc));
    fclose(out);
    unit_rmtree(d);
}

void suite_ctltcp(void)
{
    UNIT_SUITE("ctltcp", UNIT_TEST(test_secret_load), UNIT_TEST(test_spec),
               UNIT_TEST(test_auth_frame), UNIT_TEST(test_forward_tcp));
}

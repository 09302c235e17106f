/* src/net pieces that need no daemon: the control channel's wire format
 * (round trip, every truncation, hostile headers and bounds), the response
 * cut, listen-address parsing, and control_forward without a daemon (no
 * socket; a stale socket is removed). */
#include "src/lib/buf.h"
#include "src/net/addr.h"
#include "src/net/control.h"
#include "src/net/daemon.h"
#include "src/net/welcome.h"
#include "src/net/labwatch.h"
#include "emulator/lab.h"
#include "src/lib/afile.h"
#include "src/lib/filesig.h"
#include "emulator/machine.h"
#include "src/lib/plat.h"
#include "src/net/log.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void test_request_round_trip(void)
{
    char *argv[] = {"ntrights", "+r", "SeTcbPrivilege", "-u", "CORP\\EXCHSVC", "", NULL};
    struct buf b = BUF_INIT;
    CU_ASSERT_FATAL(control_request_encode(&b, "EXCHSRV", 6, argv) == 0);
    struct control_request req;
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT_STRING_EQUAL(req.machine, "EXCHSRV");
    CU_ASSERT(req.argc == 6);
    for (int i = 0; i < 6; i++)
        CU_ASSERT_STRING_EQUAL(req.argv[i], argv[i]);
    CU_ASSERT(req.argv[6] == NULL);
    control_request_free(&req);
    /* every proper prefix asks for more; a byte too many is refused */
    for (size_t n = 0; n < b.len; n++) {
        int e = control_request_parse(b.p, n, &req);
        CU_ASSERT(e == EAGAIN);
    }
    CU_ASSERT_FATAL(buf_putc(&b, 'x') == 0);
    CU_ASSERT(control_request_parse(b.p, b.len, &req) == EPROTO);
    buf_free(&b);
    /* no machine */
    CU_ASSERT_FATAL(control_request_encode(&b, NULL, 1, argv) == 0);
    CU_ASSERT_FATAL(control_request_parse(b.p, b.len, &req) == 0);
    CU_ASSERT(req.machine == NULL && req.argc == 1);
    control_request_free(&req);
    control_request_free(&req); /* twice is fine */
    buf_free(&b);
    /* bounds on the sending side */
    CU_ASSERT(control_request_encode(&b, NULL, 0, argv) == E2BIG);
    char *big = malloc(CONTROL_ARG_MAX + 2);
    CU_ASSERT_FATAL(big != NULL);
    memset(big, 'a', CONTROL_ARG_MAX + 1);
    big[CONTROL_ARG_MAX + 1] = 0;
    char *one[] = {big};
    CU_ASSERT(control_request_encode(&b, NULL, 1, one) == E2BIG);
    free(big);
    buf_free(&b);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A request built by hand: header + body. */
static size_t forge(unsigned char *out, const unsigned char *body, size_t blen, uint32_t claimed)
{
    memcpy(out, "NTLC\x01", 5);
    put32(out + 5, claimed);
    memcpy(out + 9, body, blen);
    return 9 + blen;
}

static void test_request_hostile(void)
{
    struct control_request req;
    unsigned char m[256], body[64];
    CU_ASSERT(control_request_parse("GET / HTTP/1.0\r\n", 16, &req) == EPROTO);
    CU_ASSERT(control_request_parse("NT", 2, &req) == EAGAIN);
    CU_ASSERT(control_request_parse("NTLC\x02\0\0\0\0", 9, &req) == EPROTO); /* version */
    /* a body length over the bound, before any body arrives */
    size_t n = forge(m, body, 0, CONTROL_REQUEST_MAX + 1);
    CU_ASSERT(control_request_parse(m, n, &req) == E2BIG);
    /* unknown flags */
    put32(body, 2);
    put32(body + 4, 1);
    put32(body + 8, 1);
    body[12] = 'x';
    n = forge(m, body, 13, 13);
    CU_ASSERT(control_request_parse(m, n, &req) == EPROTO);
    /* argc 0, argc over the bound */
    put32(body, 0);
    put32(body + 4, 0);
    n = forge(m, body, 8, 8);
    CU_ASSERT(control_request_parse(m, n, &req) == EPROTO);
    put32(body + 4, CONTROL_ARGC_MAX + 1);
    n = forge(m, body, 8, 8);
    CU_ASSERT(control_request_parse(m, n, &req) == E2BIG);
    /* a string longer than the body, a string over the bound, a NUL inside */
    put32(body + 4, 1);
    put32(body + 8, 100);
    n = forge(m, body, 12, 12);
    CU_ASSERT(control_request_parse(m, n, &req) == EPROTO);
    put32(body + 8, CONTROL_ARG_MAX + 1);
    n = forge(m, body, 12, 12);
    CU_ASSERT(control_request_parse(m, n, &req) == E2BIG);
    put32(body + 8, 3);
    memcpy(body + 12, "a\0b", 3);
    n = forge(m, body, 15, 15);
    CU_ASSERT(control_request_parse(m, n, &req) == EPROTO);
    /* argc says 2, one string given; trailing bytes inside the body */
    put32(body + 4, 2);
    memcpy(body + 12, "abc", 3);
    CU_ASSERT(control_request_parse(m, forge(m, body, 15, 15), &req) == EPROTO);
    put32(body + 4, 1);
    body[15] = 'z';
    CU_ASSERT(control_request_parse(m, forge(m, body, 16, 16), &req) == EPROTO);
    /* a machine string that runs off the end */
    put32(body, 1);
    put32(body + 4, 50);
    CU_ASSERT(control_request_parse(m, forge(m, body, 8, 8), &req) == EPROTO);
}

static void test_response(void)
{
    struct buf b = BUF_INIT;
    CU_ASSERT_FATAL(control_response_encode(&b, 2, "out\n", 4, "err\n", 4) == 0);
    CU_ASSERT(b.len == 5 + 4 + 4 + 4 + 4 + 4);
    CU_ASSERT(memcmp(b.p, "NTLR\x01\0\0\0\x02\0\0\0\x04out\n\0\0\0\x04" "err\n", b.len) == 0);
    buf_free(&b);
    CU_ASSERT_FATAL(control_response_encode(&b, 0, NULL, 0, NULL, 0) == 0);
    CU_ASSERT(b.len == 17);
    buf_free(&b);
    /* output past the bound is cut, and err says so */
    char *big = malloc(CONTROL_OUTPUT_MAX + 10);
    CU_ASSERT_FATAL(big != NULL);
    memset(big, 'o', CONTROL_OUTPUT_MAX + 10);
    CU_ASSERT_FATAL(control_response_encode(&b, 0, big, CONTROL_OUTPUT_MAX + 10, "", 0) == 0);
    free(big);
    const unsigned char *p = (const unsigned char *)b.p;
    uint32_t ol = (uint32_t)p[9] << 24 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 8 | p[12];
    CU_ASSERT(ol == CONTROL_OUTPUT_MAX);
    CU_ASSERT(strstr(b.p + 17 + ol, "output cut") != NULL);
    buf_free(&b);
}

static void test_addr(void)
{
    struct net_addr a;
    char s[NET_ADDR_STR_MAX];
    /* spec and how it is printed; IPv4 is formatted by hand, so every
     * width of every part */
    static const char *const round[][2] = {
        {"127.0.0.1:1110", "127.0.0.1:1110"}, {"2110", "127.0.0.1:2110"},
        {"localhost:110", "127.0.0.1:110"},   {"*:110", "0.0.0.0:110"},
        {"[::1]:1110", "[::1]:1110"},         {"255.255.255.255:65535", "255.255.255.255:65535"},
        {"10.0.99.100:1", "10.0.99.100:1"},
    };
    for (size_t i = 0; i < sizeof round / sizeof round[0]; i++) {
        CU_ASSERT_FATAL(net_addr_parse(round[i][0], &a) == 0);
        net_addr_format(&a, s, sizeof s);
        CU_ASSERT_STRING_EQUAL(s, round[i][1]);
    }
    /* and cut as snprintf cuts (a is 10.0.99.100:1) */
    net_addr_format(&a, s, 6);
    CU_ASSERT_STRING_EQUAL(s, "10.0.");
    s[0] = 'x';
    net_addr_format(&a, s, 0);
    CU_ASSERT(s[0] == 'x');
    static const char *const bad[] = {
        "", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:1x",
        "host.example:110", "1.2.3:110", "[::1]", "[::1]110", "[zz]:110", ":110", "0",
        "127.0.0.1:110:1", NULL,
    };
    for (size_t i = 0; bad[i]; i++) {
        CU_ASSERT(net_addr_parse(bad[i], &a) == EINVAL);
    }
    CU_ASSERT(net_addr_parse(NULL, &a) == EINVAL);
    /* a listener on a free port; the same port again is refused with a reason */
    CU_ASSERT_FATAL(net_addr_parse("127.0.0.1:1", &a) == 0);
    ((struct sockaddr_in *)&a.ss)->sin_port = 0;
    int fd = -1, fd2 = -1;
    char err[256];
    CU_ASSERT_FATAL(net_listen_tcp(&a, &fd, err, sizeof err) == 0);
    struct sockaddr_in bound;
    socklen_t bl = sizeof bound;
    CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&bound, &bl) == 0);
    ((struct sockaddr_in *)&a.ss)->sin_port = bound.sin_port;
    CU_ASSERT(net_listen_tcp(&a, &fd2, err, sizeof err) == EADDRINUSE);
    CU_ASSERT(strstr(err, "listen on 127.0.0.1:") != NULL);
    close(fd);
}

/* A log line: "YYYY-MM-DD HH:MM:SS.mmmZ ntlab[PID]: text", the prefix
 * built from the parts kept for the second. */
static void test_log_line(void)
{
    struct net_logq q = {0};
    CU_ASSERT_EQUAL(net_logq_add(&q, "one %d", 1), 0);
    CU_ASSERT_EQUAL(net_logq_add(&q, "two %s", "x"), 0);
    char want[64];
    snprintf(want, sizeof want, "Z ntlab[%ld]: one 1\n", (long)getpid());
    const char *l1 = q.b.p, *l2 = strchr(l1, '\n') + 1;
    for (const char *l = l1; l; l = l == l1 ? l2 : NULL) {
        int y, mo, d, h, mi, se, ms;
        CU_ASSERT_EQUAL(sscanf(l, "%4d-%2d-%2d %2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi, &se, &ms), 7);
        CU_ASSERT(l[4] == '-' && l[10] == ' ' && l[19] == '.' && l[23] == 'Z');
        CU_ASSERT(y >= 2024 && ms >= 0 && ms <= 999);
    }
    CU_ASSERT(strncmp(l1 + 23, want, strlen(want)) == 0);
    snprintf(want, sizeof want, "Z ntlab[%ld]: two x\n", (long)getpid());
    CU_ASSERT_STRING_EQUAL(l2 + 23, want);
    net_logq_free(&q);
}

static void test_forward_without_daemon(void)
{
    const char *dir = unit_tmpdir();
    char *argv[] = {"status", NULL};
    int rc = -1;
    /* no socket: no daemon */
    CU_ASSERT(!control_forward(dir, NULL, 1, argv, stdout, stderr, &rc));
    CU_ASSERT(rc == -1);
    /* a stale socket (bound, nobody listening): removed */
    char path[200];
    snprintf(path, sizeof path, "%s/%s", dir, CONTROL_SOCKET);
    if (strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
        close(fd);
        struct stat st;
        CU_ASSERT(stat(path, &st) == 0);
        CU_ASSERT(!control_forward(dir, NULL, 1, argv, stdout, stderr, &rc));
        CU_ASSERT(stat(path, &st) != 0);
    }
    /* control_listen makes an owner-only socket */
    int lfd = -1;
    char err[256];
    CU_ASSERT_FATAL(control_listen(dir, &lfd, err, sizeof err) == 0);
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && S_ISSOCK(st.st_mode));
    close(lfd);
    control_unlink(dir);
    CU_ASSERT(stat(path, &st) != 0);
    unit_rmtree(dir);
}

/* issue 12: --listen specs are checked on their own, each fault named. */
static void test_listen_check(void)
{
    char err[400];
    CU_ASSERT(daemon_listen_check("127.0.0.1:1110", err, sizeof err) == 0);
    CU_ASSERT(daemon_listen_check("EXCHSRV=[::1]:110", err, sizeof err) == 0);
    CU_ASSERT(daemon_listen_check("\\\\EXCHSRV=*:110", err, sizeof err) == 0);
    static const struct {
        const char *spec, *why;
    } bad[] = {
        {"127.0.0.1:99999", "port '99999' is not a number from 1 to 65535"},
        {"127.0.0.1:0", "port '0' is not"},
        {":1110", "no address before ':'"},
        {"", "'': empty"},
        {"host:1", "'host' is not a numeric IPv4 address"},
        {"[::1]110", "[ADDR]:PORT"},
        {"=1.2.3.4:5", "no machine name before '='"},
        {"EXCHSRV=", "no ADDR:PORT after '='"},
        {"ABCDEFGHIJKLMNOPQR=1.2.3.4:5", "machine name longer than 15"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT(daemon_listen_check(bad[i].spec, err, sizeof err) == EINVAL);
        CU_ASSERT(strstr(err, bad[i].why) != NULL);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "--listen '%s'", bad[i].spec);
        CU_ASSERT(strstr(err, quoted) == err);
    }
}

static char *render(const char *tmpl, const char *lab, const struct server_listen *ls, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    struct plat_memstream ms;
    FILE *f = plat_memstream_open(&ms, &buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    welcome_render(tmpl, strlen(tmpl), lab, ls, n, f);
    CU_ASSERT_FATAL(plat_memstream_close(&ms) == 0);
    return buf;
}

/* issue 12: the welcome text's placeholders. */
static void test_welcome_render(void)
{
    struct machine *a, *b;
    UNIT_ASSERT_STATUS_FATAL(machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &a),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_create("MAIL2", OSVER_NT4, ROLE_STANDALONE, NULL, "pw", &b),
                             STATUS_SUCCESS);
    struct server_listen ls[2] = {{.m = a}, {.m = b}};
    CU_ASSERT_FATAL(net_addr_parse("0.0.0.0:2110", &ls[0].addr) == 0);
    CU_ASSERT_FATAL(net_addr_parse("[::1]:110", &ls[1].addr) == 0);
    char *out = render("telnet ${HOST:EXCHSRV} ${PORT:EXCHSRV}; ${HOST:mail2}:${PORT:MAIL2}\n"
                       "-C ${LAB} ${HOST:NOPE} ${LAB ${PORT:EXCHSRV $",
                       "lab", ls, 2);
    CU_ASSERT_STRING_EQUAL(out, "telnet 127.0.0.1 2110; ::1:110\n"
                                "-C lab ${HOST:NOPE} ${LAB ${PORT:EXCHSRV $");
    free(out);
    out = render("ntlab -C ${LAB} status", "my labs/it's", ls, 0);
    CU_ASSERT_STRING_EQUAL(out, "ntlab -C 'my labs/it'\\''s' status");
    free(out);
    out = render("${LAB}", "", ls, 0);
    CU_ASSERT_STRING_EQUAL(out, "''");
    free(out);
    machine_free(a);
    machine_free(b);
}

/* issue 12: the daemon's watch over its lab: the clock saved when due, the
 * directory lost when its pid file goes or is replaced, or it is deleted. */
static void test_labwatch(void)
{
    const char *dir = unit_tmpdir();
    char err[256], pid[4200], conf[4200], msg[4400];
    struct lab *lab;
    UNIT_ASSERT_STATUS_FATAL(lab_open(dir, true, &lab, err, sizeof err), STATUS_SUCCESS);
    snprintf(pid, sizeof pid, "%s/ntlab.pid", dir);
    snprintf(conf, sizeof conf, "%s/lab.conf", dir);
    CU_ASSERT_FATAL(afile_write(pid, "1\n", 2, 0600) == 0);
    struct labwatch w;
    CU_ASSERT_FATAL(labwatch_start(&w, dir, 0) == 0);
    struct filesig before, after;
    CU_ASSERT_FATAL(filesig_take(&before, conf) == 0);
    CU_ASSERT(labwatch_tick(&w, lab, 1000, msg, sizeof msg) == LABWATCH_OK);
    CU_ASSERT(filesig_take(&after, conf) == 0 && filesig_equal(&before, &after)); /* not due */
    CU_ASSERT(labwatch_tick(&w, lab, LABWATCH_CLOCK_SAVE_MS, msg, sizeof msg) == LABWATCH_OK);
    CU_ASSERT(filesig_take(&after, conf) == 0 && !filesig_equal(&before, &after)); /* saved */
    /* the pid file replaced by another file (a new lab's) */
    CU_ASSERT_FATAL(afile_write(pid, "2\n", 2, 0600) == 0);
    CU_ASSERT(labwatch_tick(&w, lab, LABWATCH_CLOCK_SAVE_MS + 500, msg, sizeof msg) ==
              LABWATCH_OK); /* looked less than a second ago */
    CU_ASSERT(labwatch_tick(&w, lab, LABWATCH_CLOCK_SAVE_MS + 1000, msg, sizeof msg) ==
              LABWATCH_LOST);
    CU_ASSERT(strstr(msg, "was replaced by another lab: stopping") != NULL);
    CU_ASSERT(unlink(pid) == 0);
    CU_ASSERT(labwatch_tick(&w, lab, 100000, msg, sizeof msg) == LABWATCH_LOST);
    CU_ASSERT(strstr(msg, "lost the daemon's ntlab.pid") != NULL);
    unit_rmtree(dir);
    CU_ASSERT(labwatch_tick(&w, lab, 200000, msg, sizeof msg) == LABWATCH_LOST);
    CU_ASSERT(strstr(msg, "was deleted: stopping") != NULL);
    labwatch_stop(&w);
    labwatch_stop(&w);
    lab_free(lab);
    /* not armed (no pid file): always ok */
    CU_ASSERT(labwatch_start(&w, "/nonexistent/ntlab-lab", 0) == ENOENT);
    CU_ASSERT(labwatch_ok(&w, "/nonexistent/ntlab-lab", 5000, msg, sizeof msg));
}

void suite_net(void)
{
    UNIT_SUITE("net", UNIT_TEST(test_request_round_trip), UNIT_TEST(test_request_hostile),
               UNIT_TEST(test_response), UNIT_TEST(test_addr),
               UNIT_TEST(test_forward_without_daemon), UNIT_TEST(test_listen_check),
               UNIT_TEST(test_welcome_render), UNIT_TEST(test_labwatch), UNIT_TEST(test_log_line));
}

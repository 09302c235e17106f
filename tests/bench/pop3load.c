/* pop3load: the POP3 load generator of the benchmarks (issue 7), driven by
 * tests/bench/run.sh against ntlab's daemon, Dovecot and a trivial stub.
 * Single-threaded, non-blocking sockets on epoll/poll. libntlab only for
 * the client side of AUTH NTLM (the scenario room's, src/scenario/ntlmstep.h).
 *
 *   pop3load logins   --port P --conns N --secs D [--warmup W] --user U --pass W [--users K]
 *                     [--auth user|ntlm [--domain D]]
 *                     (ntlm: AUTH NTLM, NEGOTIATE, then the NTLMv2
 *                     AUTHENTICATE for D\USER instead of USER/PASS)
 *   pop3load retr     --port P --user U --pass W --size B [--pipeline N]
 *   pop3load idle     --port P --sessions K [--login --user U --pass W --users K]
 *                     [--hold S] [--pid SERVER_PID]
 *   pop3load cmdtime  --port P --user U --pass W [--reps R]
 *   pop3load loopback --bytes B
 *   pop3load stub     --port P --count C --size B      (a trivial POP3 server)
 *   pop3load mkmaildir DIR --count C --size B [--first S]
 *   pop3load probe    --port P     (exit 0 when a POP3 banner comes)
 *
 * With --users K, the user and password are PREFIX + a 4-digit number
 * (1..K); connection i always uses number (i % K) + 1, so concurrent
 * sessions never contend for one maildrop. Each measuring mode prints one
 * line of key=value pairs on stdout (the driver parses it) and exits 0;
 * a protocol or setup error prints "pop3load: ..." on stderr and exits 1.
 *
 * Messages are generated, never stored in the repo: message number s of
 * size B is a pure function of (s, B) (gen_message), so the Maildir writer,
 * the stub and the RETR verifier agree byte for byte. Lines are CRLF; some
 * start with '.', some are exactly "." so that dot-stuffing is exercised.
 * MB in the output is 10^6 bytes of un-stuffed message payload. */
#define _GNU_SOURCE /* accept4; this tool is Linux-only (epoll) anyway */
#include "src/lib/buf.h"
#include "src/scenario/ntlmstep.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_RESP 512 /* RFC 1939 status line, CRLF included */
#define HDR_FMT "X-Pop3load-Seq: %08u\r\nSubject: pop3load message %08u\r\n\r\n"
#define HDR_LEN 64u      /* length of HDR_FMT once expanded */
#define SEQ_LINE_LEN 26u /* "X-Pop3load-Seq: NNNNNNNN\r\n" */
#define MAX_MSG_SIZE (64u << 20)
#define MAX_COUNT 1000000u
#define MAX_CONNS 100000u

/* ------------------------------------------------------------------ util */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pop3load: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("pop3load: out of memory\n", stderr);
        exit(1); /* a benchmark tool, not library code */
    }
    return p;
}

static bool parse_u(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_d(const char *s, double max, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= 0) || v > max)
        return false;
    *out = v;
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Raises the descriptor limit to at least want (root may raise the hard
 * limit too). Returns false when it stays below want. */
static bool raise_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return false;
    if (rl.rlim_cur >= want)
        return true;
    if (rl.rlim_max < want)
        rl.rlim_max = want;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        return true;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur >= want;
}

/* ------------------------------------------------------------- messages */

/* A pool of body lines made once from a fixed seed: printable text of
 * 0..98 characters, with every 29th line starting with '.', every 97th
 * exactly "." and every 13th empty. */
struct pool {
    char *text;
    uint32_t *off; /* line i is text[off[i] .. off[i+1]) */
    uint32_t n;
};

static void pool_init(struct pool *p)
{
    enum { LINES = 8191 };
    p->n = LINES;
    p->off = xmalloc((LINES + 1) * sizeof *p->off);
    p->text = xmalloc((size_t)LINES * 101);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    uint32_t pos = 0;
    for (uint32_t i = 0; i < LINES; i++) {
        p->off[i] = pos;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t len = (uint32_t)(x % 99);
        if (i % 13 == 0)
            len = 0;
        for (uint32_t k = 0; k < len; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            p->text[pos + k] = (char)(' ' + x % 95);
        }
        if (i % 29 == 1 && len > 0)
            p->text[pos] = '.';
        if (i % 97 == 5) {
            len = 1;
            p->text[pos] = '.';
        }
        pos += len;
        p->text[pos++] = '\r';
        p->text[pos++] = '\n';
    }
    p->off[LINES] = pos;
}

/* Writes message seq of exactly size bytes (size >= HDR_LEN + 2) to out. */
static void gen_message(const struct pool *p, uint32_t seq, size_t size, char *out)
{
    char hdr[HDR_LEN + 1];
    snprintf(hdr, sizeof hdr, HDR_FMT, seq, seq);
    memcpy(out, hdr, HDR_LEN);
    size_t pos = HDR_LEN, rest = size - HDR_LEN;
    uint32_t line = (uint32_t)(((uint64_t)seq * 2654435761u) % p->n);
    while (rest > 0) {
        size_t len = p->off[line + 1] - p->off[line];
        if (len == rest || len + 2 <= rest) {
            memcpy(out + pos, p->text + p->off[line], len);
        } else { /* a filler line makes the size exact */
            len = rest;
            memset(out + pos, 'x', len - 2);
            out[pos + len - 2] = '\r';
            out[pos + len - 1] = '\n';
        }
        pos += len;
        rest -= len;
        line = line + 1 == p->n ? 0 : line + 1;
    }
}

/* Dot-stuffs msg (CRLF lines) into a new buffer ending in ".\r\n". */
static char *stuff_message(const char *msg, size_t len, size_t *outlen)
{
    size_t dots = 0;
    for (size_t i = 0; i < len; i++)
        if (msg[i] == '.' && (i == 0 || msg[i - 1] == '\n'))
            dots++;
    char *o = xmalloc(len + dots + 3);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '.' && (i == 0 || msg[i - 1] == '\n'))
            o[k++] = '.';
        o[k++] = msg[i];
    }
    memcpy(o + k, ".\r\n", 3);
    *outlen = k + 3;
    return o;
}

/* ------------------------------------------------------------ arguments */

struct opts {
    const char *host, *user, *pass, *dir;
    unsigned long port, conns, users, count, size, pipeline, sessions, reps, first, pid;
    double secs, warmup, hold;
    unsigned long long bytes;
    bool login;
    bool ntlm;          /* --auth ntlm */
    const char *domain; /* --domain: NTLM's domain ("" when not given) */
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.host = "127.0.0.1",
                       .conns = 32,
                       .secs = 3,
                       .warmup = 0.5,
                       .count = 1000,
                       .size = 102400,
                       .pipeline = 1,
                       .sessions = 1000,
                       .reps = 5,
                       .hold = 10,
                       .first = 1,
                       .bytes = 102400000ull};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true, takes = true;
        unsigned long u = 0;
        if (!strcmp(a, "--host"))
            o->host = v, ok = v != NULL;
        else if (!strcmp(a, "--user"))
            o->user = v, ok = v != NULL;
        else if (!strcmp(a, "--pass"))
            o->pass = v, ok = v != NULL;
        else if (!strcmp(a, "--port"))
            ok = parse_u(v, 65535, &o->port) && o->port > 0;
        else if (!strcmp(a, "--conns"))
            ok = parse_u(v, MAX_CONNS, &o->conns) && o->conns > 0;
        else if (!strcmp(a, "--users"))
            ok = parse_u(v, MAX_CONNS, &o->users);
        else if (!strcmp(a, "--count"))
            ok = parse_u(v, MAX_COUNT, &o->count);
        else if (!strcmp(a, "--first"))
            ok = parse_u(v, 90000000, &o->first);
        else if (!strcmp(a, "--size"))
            ok = parse_u(v, MAX_MSG_SIZE, &o->size) && o->size >= HDR_LEN + 2;
        else if (!strcmp(a, "--pipeline"))
            ok = parse_u(v, MAX_COUNT, &o->pipeline) && o->pipeline > 0;
        else if (!strcmp(a, "--sessions"))
            ok = parse_u(v, MAX_CONNS, &o->sessions) && o->sessions > 0;
        else if (!strcmp(a, "--reps"))
            ok = parse_u(v, 1000, &o->reps) && o->reps > 0;
        else if (!strcmp(a, "--pid"))
            ok = parse_u(v, INT_MAX, &o->pid);
        else if (!strcmp(a, "--secs"))
            ok = parse_d(v, 3600, &o->secs) && o->secs > 0;
        else if (!strcmp(a, "--warmup"))
            ok = parse_d(v, 3600, &o->warmup);
        else if (!strcmp(a, "--hold"))
            ok = parse_d(v, 3600, &o->hold);
        else if (!strcmp(a, "--bytes"))
            ok = parse_u(v, ULONG_MAX, &u), o->bytes = u;
        else if (!strcmp(a, "--auth"))
            ok = v && (!strcmp(v, "user") || !strcmp(v, "ntlm")), o->ntlm = v && !strcmp(v, "ntlm");
        else if (!strcmp(a, "--domain"))
            o->domain = v, ok = v != NULL;
        else if (!strcmp(a, "--login"))
            o->login = true, takes = false;
        else if (a[0] != '-' && !o->dir)
            o->dir = a, takes = false;
        else
            return die("unknown argument '%s' (see the comment at the top of pop3load.c)", a);
        if (!ok)
            return die("bad or missing value for %s", a);
        if (takes)
            i++;
    }
    return 0;
}

/* The user name (or password) of connection i. */
static void cred(char *out, size_t cap, const char *prefix, const struct opts *o, unsigned long i)
{
    if (o->users == 0)
        snprintf(out, cap, "%s", prefix);
    else
        snprintf(out, cap, "%s%04lu", prefix, i % o->users + 1);
}

/* ---------------------------------------------------------- connections */

static int tcp_connect(const char *host, unsigned port, bool nonblock, bool nodelay)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (nodelay)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Writes all of s on a socket whose buffer has room (short commands). */
static bool send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        s += n, len -= (size_t)n;
    }
    return true;
}

/* A blocking-style line client on a non-blocking socket (retr, cmdtime). */
struct client {
    int fd;
    char *buf;
    size_t len, cap, pos; /* unread bytes are buf[pos..len) */
};

static bool client_fill(struct client *c, int timeout_ms)
{
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos, c->pos = 0;
    }
    if (c->len == c->cap)
        return false;
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (n > 0) {
            c->len += (size_t)n;
            return true;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return false;
        struct pollfd pf = {.fd = c->fd, .events = POLLIN};
        if (poll(&pf, 1, timeout_ms) <= 0)
            return false;
    }
}

/* Reads one CRLF line (without CRLF) into line. */
static bool client_line(struct client *c, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);
        if (nl) {
            size_t n = (size_t)(nl - (c->buf + c->pos));
            if (n > 0 && nl[-1] == '\r')
                n--;
            if (n >= cap)
                n = cap - 1;
            memcpy(line, c->buf + c->pos, n);
            line[n] = 0;
            c->pos = (size_t)(nl - c->buf) + 1;
            return true;
        }
        if (c->len - c->pos > LINE_MAX_RESP * 64 || !client_fill(c, 30000))
            return false;
    }
}

static bool client_cmd(struct client *c, const char *cmd, char *line, size_t cap)
{
    char out[600];
    int n = snprintf(out, sizeof out, "%s\r\n", cmd);
    if (n < 0 || (size_t)n >= sizeof out || !send_all(c->fd, out, (size_t)n))
        return false;
    return client_line(c, line, cap) && strncmp(line, "+OK", 3) == 0;
}

static int client_open(struct client *c, const struct opts *o)
{
    c->cap = 1u << 20;
    c->buf = xmalloc(c->cap);
    c->len = c->pos = 0;
    c->fd = tcp_connect(o->host, (unsigned)o->port, true, true);
    if (c->fd < 0)
        return die("connect %s:%lu: %s", o->host, o->port, strerror(errno));
    char line[LINE_MAX_RESP], cmd[300];
    if (!client_line(c, line, sizeof line) || strncmp(line, "+OK", 3))
        return die("no +OK banner from %s:%lu", o->host, o->port);
    if (!o->user || !o->pass)
        return die("--user and --pass are needed");
    snprintf(cmd, sizeof cmd, "USER %s", o->user);
    if (!client_cmd(c, cmd, line, sizeof line))
        return die("USER %s: %s", o->user, line);
    snprintf(cmd, sizeof cmd, "PASS %s", o->pass);
    if (!client_cmd(c, cmd, line, sizeof line))
        return die("PASS for %s: %s", o->user, line);
    return 0;
}

static void client_quit(struct client *c)
{
    char line[LINE_MAX_RESP];
    if (client_cmd(c, "QUIT", line, sizeof line))
        while (client_fill(c, 5000)) /* wait for the server's close */
            c->pos = c->len;
    close(c->fd);
    free(c->buf);
}

/* ---------------------------------------------------------------- logins */

enum { L_BANNER, L_USER, L_PASS, L_STAT, L_QUIT, L_CLOSE, N_AUTH, N_NEGO };

struct lconn {
    int fd, state;
    unsigned long idx;
    double t0;
    size_t len;
    char buf[LINE_MAX_RESP];
};

struct lstats {
    uint32_t *lat_us;
    size_t n, cap, errors, sessions;
    char first_error[200];
};

static void lconn_start(int ep, struct lconn *c, const struct opts *o, struct lstats *st)
{
    for (;;) {
        /* no wait for writability: the banner tells that connect worked,
         * and epoll reports a failed connect as EPOLLERR anyway; no
         * TCP_NODELAY: one command is in flight at a time */
        c->fd = tcp_connect(o->host, (unsigned)o->port, true, false);
        c->state = L_BANNER;
        c->len = 0;
        c->t0 = now_s();
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (c->fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == 0)
            return;
        if (!st->first_error[0])
            snprintf(st->first_error, sizeof st->first_error, "connect: %s", strerror(errno));
        st->errors++;
        if (c->fd >= 0)
            close(c->fd);
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
}

static void lconn_fail(struct lconn *c, struct lstats *st, const char *what)
{
    st->errors++;
    if (!st->first_error[0])
        snprintf(st->first_error, sizeof st->first_error, "%s", what);
    close(c->fd);
    c->fd = -1;
}

/* One step of AUTH NTLM on the reply line of length ll at c->buf (taken
 * off the buffer here): after the banner AUTH NTLM, after "+ " the
 * NEGOTIATE, after the CHALLENGE the AUTHENTICATE (then the +OK is
 * L_PASS's). Returns 0, or an errno value (the session fails). */
static int ntlm_step(struct lconn *c, const struct opts *o, size_t ll)
{
    struct buf line = BUF_INIT, shown = BUF_INIT;
    char text[500], err[200];
    int e = 0, k = 0;
    if (c->state == L_BANNER) {
        k = snprintf(text, sizeof text, "AUTH NTLM\r\n");
        e = buf_append(&line, text, (size_t)k);
        c->state = N_AUTH;
    } else {
        char u[200], p[200];
        cred(u, sizeof u, o->user, o, c->idx);
        cred(p, sizeof p, o->pass, o, c->idx);
        if (c->state == N_AUTH)
            k = snprintf(text, sizeof text, "{{ntlm negotiate}}");
        else
            k = snprintf(text, sizeof text, "{{ntlm %s%s%s %s}}", o->domain ? o->domain : "",
                         o->domain ? "\\" : "", u, p);
        size_t lastlen = ll >= 2 && c->buf[ll - 2] == '\r' ? ll - 2 : ll - 1;
        e = scn_ntlm_line(text, (size_t)k, c->buf, lastlen, &line, &shown, err, sizeof err);
        c->state = c->state == N_AUTH ? N_NEGO : L_PASS;
    }
    memmove(c->buf, c->buf + ll, c->len - ll);
    c->len -= ll;
    if (!e && !send_all(c->fd, line.p, line.len))
        e = EIO;
    buf_free(&line);
    buf_free(&shown);
    return e;
}

/* Handles one readiness event; returns true when the session finished
 * (either way) and the slot is free. */
static bool lconn_event(struct lconn *c, uint32_t events, const struct opts *o, struct lstats *st,
                        bool count)
{
    if (events & EPOLLERR) {
        int err = 0;
        socklen_t sl = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
        char m[120];
        snprintf(m, sizeof m, "state %d: socket error: %s", c->state,
                 strerror(err ? err : ECONNRESET));
        lconn_fail(c, st, m);
        return true;
    }
    /* one recv per event: epoll is level-triggered and says when there is
     * more, which saves the recv that would only return EAGAIN */
    {
        ssize_t n;
        do
            n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
            return false;
        if (n <= 0) {
            if (c->state == L_CLOSE) { /* the server closed after QUIT */
                close(c->fd);
                c->fd = -1;
                return true;
            }
            lconn_fail(c, st,
                       n == 0 ? "server closed the connection mid-session" : strerror(errno));
            return true;
        }
        c->len += (size_t)n;
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
            size_t ll = (size_t)(nl - c->buf) + 1;
            bool cont = c->state == N_AUTH || c->state == N_NEGO; /* "+ " lines */
            if (c->state == L_CLOSE || strncmp(c->buf, cont ? "+ " : "+OK", cont ? 2 : 3) != 0) {
                char m[200];
                int shown = (int)(ll > 150 ? 150 : ll - 1);
                snprintf(m, sizeof m, "state %d: unexpected reply '%.*s'", c->state, shown, c->buf);
                lconn_fail(c, st, m);
                return true;
            }
            if (o->ntlm && (c->state == L_BANNER || cont)) {
                int r = ntlm_step(c, o, ll);
                if (r) {
                    lconn_fail(c, st, r == ENOMEM ? "out of memory" : "NTLM step failed");
                    return true;
                }
                continue;
            }
            memmove(c->buf, c->buf + ll, c->len - ll);
            c->len -= ll;
            char cmd[300];
            int k = 0;
            switch (c->state) {
            case L_BANNER: {
                char u[200];
                cred(u, sizeof u, o->user, o, c->idx);
                k = snprintf(cmd, sizeof cmd, "USER %s\r\n", u);
                break;
            }
            case L_USER: {
                char p[200];
                cred(p, sizeof p, o->pass, o, c->idx);
                k = snprintf(cmd, sizeof cmd, "PASS %s\r\n", p);
                break;
            }
            case L_PASS:
                k = snprintf(cmd, sizeof cmd, "STAT\r\n");
                break;
            case L_STAT:
                k = snprintf(cmd, sizeof cmd, "QUIT\r\n");
                break;
            case L_QUIT: {
                if (count) {
                    if (st->n == st->cap) {
                        st->cap = st->cap ? st->cap * 2 : 4096;
                        uint32_t *p = realloc(st->lat_us, st->cap * sizeof *p);
                        if (!p) {
                            lconn_fail(c, st, "out of memory");
                            return true;
                        }
                        st->lat_us = p;
                    }
                    double us = (now_s() - c->t0) * 1e6;
                    st->lat_us[st->n++] = us > 4e9 ? UINT32_MAX : (uint32_t)us;
                    st->sessions++;
                }
                break;
            }
            }
            c->state++;
            if (k > 0 && !send_all(c->fd, cmd, (size_t)k)) {
                lconn_fail(c, st, "send failed");
                return true;
            }
        }
        if (c->len == sizeof c->buf) {
            lconn_fail(c, st, "reply line too long");
            return true;
        }
    }
    return false;
}

static int mode_logins(const struct opts *o)
{
    if (!o->user || !o->pass)
        return die("logins needs --user and --pass");
    raise_nofile(o->conns * 2 + 64);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return die("epoll_create1: %s", strerror(errno));
    struct lconn *cs = xmalloc(o->conns * sizeof *cs);
    struct lstats st = {0};
    double t_start = now_s(), t_count = t_start + o->warmup, t_end = t_count + o->secs;
    for (unsigned long i = 0; i < o->conns; i++) {
        cs[i].idx = i;
        lconn_start(ep, &cs[i], o, &st);
    }
    enum { MAXEV = 256 };
    struct epoll_event evs[MAXEV];
    size_t live = o->conns;
    double t_stop = t_end + 10; /* in-flight sessions get 10 s to finish */
    double last_check = t_start;
    while (live > 0) {
        double now = now_s();
        if (now > t_stop)
            break;
        if (st.sessions == 0 && st.errors > 1000)
            break;
        int n = epoll_wait(ep, evs, MAXEV, 100);
        if (n < 0 && errno != EINTR)
            return die("epoll_wait: %s", strerror(errno));
        now = now_s();
        for (int i = 0; i < n; i++) {
            struct lconn *c = evs[i].data.ptr;
            bool counting = now >= t_count && now <= t_end;
            if (lconn_event(c, evs[i].events, o, &st, counting)) {
                if (now < t_end)
                    lconn_start(ep, c, o, &st);
                else
                    live--;
            }
        }
        if (now - last_check > 1) { /* a session stuck for 10 s is an error */
            last_check = now;
            for (unsigned long i = 0; i < o->conns; i++)
                if (cs[i].fd >= 0 && now - cs[i].t0 > 10) {
                    lconn_fail(&cs[i], &st, "session stuck for 10 s");
                    if (now < t_end)
                        lconn_start(ep, &cs[i], o, &st);
                    else
                        live--;
                }
        }
    }
    for (unsigned long i = 0; i < o->conns; i++)
        if (cs[i].fd >= 0)
            close(cs[i].fd);
    close(ep);
    if (st.sessions == 0)
        return die("logins: no session completed (%zu errors; first: %s)", st.errors,
                   st.first_error[0] ? st.first_error : "none");
    qsort(st.lat_us, st.n, sizeof *st.lat_us, cmp_u32);
    double p50 = st.lat_us[st.n / 2] / 1e3, p99 = st.lat_us[(st.n * 99) / 100] / 1e3;
    printf("mode=logins conns=%lu secs=%.2f sessions=%zu errors=%zu sessions_per_s=%.1f "
           "p50_ms=%.3f p99_ms=%.3f\n",
           o->conns, o->secs, st.sessions, st.errors, (double)st.sessions / o->secs, p50, p99);
    if (st.errors)
        fprintf(stderr, "pop3load: logins: %zu errors; first: %s\n", st.errors, st.first_error);
    free(st.lat_us);
    free(cs);
    return 0;
}

/* ------------------------------------------------------------------ retr */

/* Un-stuffs and verifies multi-line RETR bodies as they stream in. */
struct verifier {
    const struct pool *pool;
    size_t size;     /* expected size of every message */
    char *expect;    /* the expected message, once its seq is known */
    size_t got;      /* un-stuffed bytes of the current message so far */
    bool line_start; /* the next byte starts a line */
    bool have_seq;
    char head[SEQ_LINE_LEN];
    uint8_t *seen; /* seen[seq - first] */
    unsigned long first, count;
    uint64_t payload;
    char err[200];
};

/* Adds un-stuffed bytes to the current message. */
static bool ver_take(struct verifier *v, const char *p, size_t n)
{
    if (v->got + n > v->size) {
        snprintf(v->err, sizeof v->err, "message longer than %zu bytes", v->size);
        return false;
    }
    if (!v->have_seq) {
        size_t k = SEQ_LINE_LEN - v->got < n ? SEQ_LINE_LEN - v->got : n;
        memcpy(v->head + v->got, p, k);
        if (v->got + k == SEQ_LINE_LEN) {
            char tmp[SEQ_LINE_LEN + 1];
            memcpy(tmp, v->head, SEQ_LINE_LEN);
            tmp[SEQ_LINE_LEN] = 0;
            unsigned long seq;
            char digits[9];
            memcpy(digits, tmp + 16, 8);
            digits[8] = 0;
            if (memcmp(tmp, "X-Pop3load-Seq: ", 16) || memcmp(tmp + 24, "\r\n", 2) ||
                !parse_u(digits, 99999999, &seq) || seq < v->first || seq >= v->first + v->count) {
                snprintf(v->err, sizeof v->err, "unexpected first line '%.24s'", tmp);
                return false;
            }
            if (v->seen[seq - v->first]++) {
                snprintf(v->err, sizeof v->err, "message %lu returned twice", seq);
                return false;
            }
            gen_message(v->pool, (uint32_t)seq, v->size, v->expect);
            v->have_seq = true;
            if (memcmp(v->head, v->expect, SEQ_LINE_LEN)) {
                snprintf(v->err, sizeof v->err, "first line differs");
                return false;
            }
            p += k, n -= k;
            v->got += k;
        } else {
            v->got += k;
            return true;
        }
    }
    if (n && memcmp(v->expect + v->got, p, n)) {
        snprintf(v->err, sizeof v->err, "content differs near byte %zu", v->got);
        return false;
    }
    v->got += n;
    return true;
}

/* Consumes body bytes from buf; returns how many were used (the rest is an
 * incomplete line start to be retried with more data), sets *done at the
 * terminator, or returns SIZE_MAX on a verification error. */
static size_t ver_body(struct verifier *v, const char *buf, size_t len, bool *done)
{
    size_t i = 0;
    *done = false;
    while (i < len) {
        if (v->line_start) {
            if (buf[i] == '.') {
                if (len - i < 3)
                    return i; /* cannot tell ".\r\n" from "..." yet */
                if (buf[i + 1] == '\r' && buf[i + 2] == '\n') {
                    if (v->got != v->size) {
                        snprintf(v->err, sizeof v->err, "message of %zu bytes, want %zu", v->got,
                                 v->size);
                        return SIZE_MAX;
                    }
                    *done = true;
                    v->payload += v->got;
                    return i + 3;
                }
                i++; /* the stuffed dot */
            }
            v->line_start = false;
        }
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) + 1 : len;
        if (!ver_take(v, buf + i, end - i))
            return SIZE_MAX;
        i = end;
        if (nl)
            v->line_start = true;
    }
    return i;
}

static int mode_retr(const struct opts *o)
{
    struct pool pool;
    pool_init(&pool);
    struct client c;
    if (client_open(&c, o))
        return 1;
    char line[LINE_MAX_RESP];
    if (!client_cmd(&c, "STAT", line, sizeof line))
        return die("STAT: %s", line);
    unsigned long count, octets;
    char *sp = strchr(line + 4, ' ');
    if (!sp)
        return die("STAT reply '%s'", line);
    *sp = 0;
    if (!parse_u(line + 4, MAX_COUNT, &count) || !parse_u(sp + 1, ULONG_MAX, &octets))
        return die("STAT reply '%s %s'", line, sp + 1);
    if (count == 0)
        return die("retr: the maildrop of %s is empty", o->user);
    struct verifier v = {.pool = &pool, .size = o->size, .first = o->first, .count = count};
    v.expect = xmalloc(o->size);
    v.seen = calloc(count, 1);
    if (!v.seen)
        return die("out of memory");
    unsigned long sent = 0, done_n = 0;
    bool in_body = false;
    char out[64 * 16];
    double t0 = now_s();
    while (done_n < count) {
        /* keep up to --pipeline commands in flight */
        size_t ol = 0;
        while (sent < count && sent - done_n < o->pipeline && ol + 16 < sizeof out)
            ol += (size_t)snprintf(out + ol, sizeof out - ol, "RETR %lu\r\n", ++sent);
        if (ol && !send_all(c.fd, out, ol)) /* blocking-style: commands are tiny */
            return die("send: %s", strerror(errno));
        /* parse what is buffered; fill when more is needed */
        for (;;) {
            if (!in_body) {
                char *nl = memchr(c.buf + c.pos, '\n', c.len - c.pos);
                if (!nl)
                    break;
                if (strncmp(c.buf + c.pos, "+OK", 3)) {
                    size_t ll = (size_t)(nl - (c.buf + c.pos));
                    return die("RETR %lu: '%.*s'", done_n + 1, (int)(ll > 100 ? 100 : ll),
                               c.buf + c.pos);
                }
                c.pos = (size_t)(nl - c.buf) + 1;
                in_body = true;
                v.got = 0, v.have_seq = false, v.line_start = true;
            }
            bool fin;
            size_t used = ver_body(&v, c.buf + c.pos, c.len - c.pos, &fin);
            if (used == SIZE_MAX)
                return die("RETR %lu: %s", done_n + 1, v.err);
            c.pos += used;
            if (!fin)
                break;
            in_body = false;
            done_n++;
            if (sent < count && sent - done_n < o->pipeline)
                break; /* room to send more */
        }
        if (done_n == count)
            break;
        if (sent < count && sent - done_n < o->pipeline)
            continue;
        if (!client_fill(&c, 30000))
            return die("RETR: connection lost or timed out after %lu messages", done_n);
    }
    double secs = now_s() - t0;
    for (unsigned long i = 0; i < count; i++)
        if (!v.seen[i])
            return die("retr: message %lu never came", i + o->first);
    client_quit(&c);
    printf(
        "mode=retr pipeline=%lu messages=%lu payload_bytes=%llu secs=%.4f mb_s=%.1f verified=%lu\n",
        o->pipeline, count, (unsigned long long)v.payload, secs, (double)v.payload / 1e6 / secs,
        count);
    free(v.expect);
    free(v.seen);
    return 0;
}

/* --------------------------------------------------------------- cmdtime */

/* Sends cmd and reads its multi-line reply; returns lines or -1. */
static long multiline(struct client *c, const char *cmd)
{
    char line[LINE_MAX_RESP];
    if (!client_cmd(c, cmd, line, sizeof line))
        return -1;
    long n = 0;
    for (;;) {
        if (!client_line(c, line, sizeof line))
            return -1;
        if (!strcmp(line, "."))
            return n;
        n++;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int mode_cmdtime(const struct opts *o)
{
    struct client c;
    double t0 = now_s();
    if (client_open(&c, o))
        return 1;
    double login_ms = (now_s() - t0) * 1e3;
    double *stat = xmalloc(o->reps * sizeof(double)), *list = xmalloc(o->reps * sizeof(double)),
           *uidl = xmalloc(o->reps * sizeof(double));
    long lines = 0;
    char line[LINE_MAX_RESP];
    for (unsigned long r = 0; r < o->reps; r++) {
        t0 = now_s();
        if (!client_cmd(&c, "STAT", line, sizeof line))
            return die("STAT: %s", line);
        stat[r] = (now_s() - t0) * 1e3;
        t0 = now_s();
        if ((lines = multiline(&c, "LIST")) < 0)
            return die("LIST failed");
        list[r] = (now_s() - t0) * 1e3;
        t0 = now_s();
        if (multiline(&c, "UIDL") != lines)
            return die("UIDL failed or disagrees with LIST");
        uidl[r] = (now_s() - t0) * 1e3;
    }
    client_quit(&c);
    qsort(stat, o->reps, sizeof *stat, cmp_double);
    qsort(list, o->reps, sizeof *list, cmp_double);
    qsort(uidl, o->reps, sizeof *uidl, cmp_double);
    printf("mode=cmdtime messages=%ld login_ms=%.3f stat_ms=%.3f list_ms=%.3f uidl_ms=%.3f\n",
           lines, login_ms, stat[o->reps / 2], list[o->reps / 2], uidl[o->reps / 2]);
    free(stat), free(list), free(uidl);
    return 0;
}

/* ------------------------------------------------------------------ idle */

/* Resident and proportional memory of a process and all its descendants. */
struct mem {
    unsigned long rss_kib, pss_kib, procs;
};

static unsigned long proc_field(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char l[256];
    unsigned long v = 0;
    size_t kl = strlen(key);
    while (fgets(l, sizeof l, f))
        if (!strncmp(l, key, kl)) {
            char *p = l + kl, *end;
            while (*p == ' ' || *p == '\t')
                p++;
            v = strtoul(p, &end, 10);
            break;
        }
    fclose(f);
    return v;
}

static struct mem tree_mem(pid_t root)
{
    struct mem m = {0};
    if (root <= 0)
        return m;
    /* pid -> ppid for every process, then the closure under root */
    size_t cap = 1024, n = 0;
    pid_t(*pp)[2] = xmalloc(cap * sizeof *pp);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        unsigned long pid;
        if (!parse_u(e->d_name, INT_MAX, &pid))
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%lu/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = 0;
        char *rp = strrchr(buf, ')'); /* comm may hold spaces and parens */
        long ppid;
        char st;
        if (!rp || sscanf(rp + 1, " %c %ld", &st, &ppid) != 2)
            continue;
        if (n == cap) {
            cap *= 2;
            pid_t(*q)[2] = realloc(pp, cap * sizeof *pp);
            if (!q)
                break;
            pp = q;
        }
        pp[n][0] = (pid_t)pid, pp[n][1] = (pid_t)ppid;
        n++;
    }
    if (d)
        closedir(d);
    /* pid bitmap of the tree, grown pass by pass (depth is small) */
    enum { PID_BITS = 1 << 23 };
    uint8_t *inset = calloc(PID_BITS / 8, 1), *in = calloc(n ? n : 1, 1);
    if (!inset || !in) {
        free(inset), free(in), free(pp);
        return m;
    }
    if (root < PID_BITS)
        inset[root / 8] |= (uint8_t)(1u << (root % 8));
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < n; i++) {
            pid_t p = pp[i][0], q = pp[i][1];
            if (in[i] || p >= PID_BITS)
                continue;
            if (p == root || (q > 0 && q < PID_BITS && (inset[q / 8] >> (q % 8) & 1))) {
                in[i] = 1, grew = true;
                inset[p / 8] |= (uint8_t)(1u << (p % 8));
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!in[i])
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/status", (long)pp[i][0]);
        m.rss_kib += proc_field(path, "VmRSS:");
        snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pp[i][0]);
        m.pss_kib += proc_field(path, "Pss:");
        m.procs++;
    }
    free(in);
    free(inset);
    free(pp);
    return m;
}

enum { I_CONNECT, I_BANNER, I_USER, I_PASS, I_HELD, I_NOOP, I_ALIVE, I_DEAD };

struct iconn {
    int fd, state;
    size_t len;
    char buf[256];
};

/* Reads a reply line on an idle connection; 1 = +OK line, 0 = not yet,
 * -1 = error or close. */
static int iconn_line(struct iconn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0)
            return -1;
        c->len += (size_t)n;
        if (c->len == sizeof c->buf)
            return -1;
    }
    char *nl = memchr(c->buf, '\n', c->len);
    if (!nl)
        return 0;
    bool ok = strncmp(c->buf, "+OK", 3) == 0;
    size_t ll = (size_t)(nl - c->buf) + 1;
    memmove(c->buf, c->buf + ll, c->len - ll);
    c->len -= ll;
    return ok ? 1 : -1;
}

static int mode_idle(const struct opts *o)
{
    if (o->login && (!o->user || !o->pass))
        return die("idle --login needs --user and --pass");
    if (!raise_nofile(o->sessions + 64))
        return die("cannot raise the descriptor limit to %lu", o->sessions + 64);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct iconn *cs = xmalloc(o->sessions * sizeof *cs);
    struct mem before = tree_mem((pid_t)o->pid);
    enum { RAMP = 64, MAXEV = 512 };
    struct epoll_event evs[MAXEV];
    unsigned long next = 0, pending = 0, held = 0, failed = 0, dropped = 0;
    char first_err[160] = "";
    double t0 = now_s();
    /* open: at most RAMP handshakes in flight */
    while (held + dropped + failed < o->sessions) {
        while (next < o->sessions && pending < RAMP) {
            struct iconn *c = &cs[next++];
            c->len = 0;
            c->state = I_CONNECT;
            c->fd = tcp_connect(o->host, (unsigned)o->port, true, false);
            struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
            if (c->fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev)) {
                if (!first_err[0])
                    snprintf(first_err, sizeof first_err, "connect: %s", strerror(errno));
                if (c->fd >= 0)
                    close(c->fd);
                c->fd = -1, c->state = I_DEAD, failed++;
                continue;
            }
            pending++;
        }
        if (now_s() - t0 > 120) {
            snprintf(first_err, sizeof first_err, "opening took over 120 s");
            break;
        }
        int n = epoll_wait(ep, evs, MAXEV, 1000);
        for (int i = 0; i < n; i++) {
            struct iconn *c = evs[i].data.ptr;
            int r = 0;
            if (c->state == I_HELD) { /* the server dropped a held session */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1, c->state = I_DEAD;
                held--, dropped++;
                continue;
            }
            if (c->state == I_CONNECT) {
                int err = 0;
                socklen_t sl = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
                if (err) {
                    if (!first_err[0])
                        snprintf(first_err, sizeof first_err, "connect: %s", strerror(err));
                    r = -1;
                } else {
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                    c->state = I_BANNER;
                    continue;
                }
            } else {
                r = iconn_line(c);
                if (r == 0)
                    continue;
                if (r < 0 && !first_err[0])
                    snprintf(first_err, sizeof first_err, "state %d: %s '%.60s'", c->state,
                             c->len ? "reply" : "closed or error", c->buf);
            }
            if (r > 0) {
                char cmd[300], u[200];
                int k = 0;
                unsigned long idx = (unsigned long)(c - cs);
                if (c->state == I_BANNER && o->login) {
                    cred(u, sizeof u, o->user, o, idx);
                    k = snprintf(cmd, sizeof cmd, "USER %s\r\n", u);
                    c->state = I_USER;
                } else if (c->state == I_USER) {
                    cred(u, sizeof u, o->pass, o, idx);
                    k = snprintf(cmd, sizeof cmd, "PASS %s\r\n", u);
                    c->state = I_PASS;
                } else {
                    c->state = I_HELD;
                    held++, pending--;
                }
                if (k > 0 && !send_all(c->fd, cmd, (size_t)k))
                    r = -1;
            }
            if (r < 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1, c->state = I_DEAD;
                failed++, pending--;
            }
        }
    }
    double open_secs = now_s() - t0;
    struct mem at = tree_mem((pid_t)o->pid);
    unsigned long measured = held; /* sessions open when `at` was taken */
    fprintf(stderr, "pop3load: idle: %lu held, %lu failed in %.1f s; holding %.0f s\n", held,
            failed, open_secs, o->hold);
    /* hold: anything a held session hears now is the server dropping it */
    double t_hold = now_s() + o->hold;
    while (now_s() < t_hold) {
        int n = epoll_wait(ep, evs, MAXEV, 200);
        for (int i = 0; i < n; i++) {
            struct iconn *c = evs[i].data.ptr;
            if (c->state != I_HELD)
                continue;
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            c->fd = -1, c->state = I_DEAD;
            held--, dropped++;
        }
    }
    /* survivors: those that still answer NOOP */
    unsigned long asked = 0, alive = 0;
    for (unsigned long i = 0; i < o->sessions; i++)
        if (cs[i].state == I_HELD) {
            if (send_all(cs[i].fd, "NOOP\r\n", 6)) {
                cs[i].state = I_NOOP;
                asked++;
            }
        }
    double t_noop = now_s() + 30;
    unsigned long answered = 0;
    while (answered < asked && now_s() < t_noop) {
        int n = epoll_wait(ep, evs, MAXEV, 500);
        for (int i = 0; i < n; i++) {
            struct iconn *c = evs[i].data.ptr;
            if (c->state != I_NOOP)
                continue;
            int r = iconn_line(c);
            if (r == 0)
                continue;
            c->state = r > 0 ? I_ALIVE : I_DEAD;
            alive += r > 0;
            answered++;
        }
    }
    for (unsigned long i = 0; i < o->sessions; i++)
        if (cs[i].fd >= 0) {
            send_all(cs[i].fd, "QUIT\r\n", 6);
            close(cs[i].fd);
        }
    close(ep);
    free(cs);
    double per_rss =
        measured ? ((double)at.rss_kib - (double)before.rss_kib) / (double)measured : 0;
    double per_pss =
        measured ? ((double)at.pss_kib - (double)before.pss_kib) / (double)measured : 0;
    printf(
        "mode=idle sessions=%lu login=%d held=%lu failed=%lu dropped=%lu survivors=%lu "
        "open_secs=%.2f hold_secs=%.1f procs=%lu rss_before_kib=%lu rss_held_kib=%lu "
        "pss_before_kib=%lu pss_held_kib=%lu rss_per_session_kib=%.2f pss_per_session_kib=%.2f\n",
        o->sessions, o->login, held, failed, dropped, alive, open_secs, o->hold, at.procs,
        before.rss_kib, at.rss_kib, before.pss_kib, at.pss_kib, per_rss, per_pss);
    if (failed)
        fprintf(stderr, "pop3load: idle: %lu sessions failed to open; first: %s\n", failed,
                first_err);
    return 0;
}

/* -------------------------------------------------------------- loopback */

static int listen_any(unsigned port, unsigned *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 4096) ||
        getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        close(fd);
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

/* The ceiling: the same volume as raw TCP, a server process writing 64 KiB
 * chunks and this one reading them into a 256 KiB buffer. */
static int mode_loopback(const struct opts *o)
{
    unsigned port;
    int ls = listen_any(0, &port);
    if (ls < 0)
        return die("listen: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        return die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            _exit(1);
        enum { CH = 64 * 1024 };
        char *chunk = xmalloc(CH);
        memset(chunk, 'x', CH);
        unsigned long long left = o->bytes;
        while (left > 0) {
            ssize_t n = send(fd, chunk, left < CH ? (size_t)left : CH, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                _exit(1);
            left -= (unsigned long long)n;
        }
        close(fd);
        _exit(0);
    }
    close(ls);
    int fd = tcp_connect("127.0.0.1", port, false, false);
    if (fd < 0)
        return die("connect: %s", strerror(errno));
    size_t cap = 256 * 1024;
    char *buf = xmalloc(cap);
    unsigned long long got = 0;
    double t0 = now_s();
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (unsigned long long)n;
    }
    double secs = now_s() - t0;
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    free(buf);
    if (got != o->bytes)
        return die("loopback: received %llu of %llu bytes", got, o->bytes);
    printf("mode=loopback bytes=%llu secs=%.4f mb_s=%.1f\n", got, secs, (double)got / 1e6 / secs);
    return 0;
}

/* ------------------------------------------------------------------ stub */

/* A trivial POP3 server to show the generator's own ceiling: any USER/PASS
 * is accepted, messages 1..count are precomputed and pre-stuffed, replies
 * are written from memory. One process, epoll, non-blocking. */
struct sconn {
    int fd;
    size_t inlen;
    const char *out; /* pending output: a precomputed message or obuf */
    size_t outlen;
    char *obuf; /* small replies */
    size_t obuf_len, obuf_off;
    bool quitting;
    char in[1024];
};

struct stub {
    char **msg;
    size_t *len;
    char *list, *uidl; /* whole multi-line replies */
    size_t list_len, uidl_len;
    unsigned long count;
    unsigned long long total;
};

/* Writes what is pending; true when everything has gone. */
static bool sconn_flush(struct sconn *c, bool *dead)
{
    while (c->obuf_off < c->obuf_len || c->outlen > 0) {
        const char *p;
        size_t n;
        if (c->obuf_off < c->obuf_len)
            p = c->obuf + c->obuf_off, n = c->obuf_len - c->obuf_off;
        else
            p = c->out, n = c->outlen;
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return false;
        if (w <= 0) {
            *dead = true;
            return false;
        }
        if (c->obuf_off < c->obuf_len)
            c->obuf_off += (size_t)w;
        else
            c->out += w, c->outlen -= (size_t)w;
    }
    c->obuf_len = c->obuf_off = 0;
    return true;
}

static void sconn_reply(struct sconn *c, const char *s)
{
    size_t n = strlen(s);
    if (c->obuf_len + n <= 4096) {
        memcpy(c->obuf + c->obuf_len, s, n);
        c->obuf_len += n;
    }
}

/* Runs the commands buffered in c->in while no output is pending. */
static void sconn_commands(struct stub *s, struct sconn *c)
{
    char *nl;
    while (c->outlen == 0 && !c->quitting && c->obuf_len < 3500 &&
           (nl = memchr(c->in, '\n', c->inlen)) != NULL) {
        size_t ll = (size_t)(nl - c->in) + 1;
        char cmd[64] = "";
        size_t cl = ll - 1 < sizeof cmd - 1 ? ll - 1 : sizeof cmd - 1;
        memcpy(cmd, c->in, cl);
        cmd[cl] = 0;
        if (cl && cmd[cl - 1] == '\r')
            cmd[cl - 1] = 0;
        memmove(c->in, c->in + ll, c->inlen - ll);
        c->inlen -= ll;
        char r[128];
        unsigned long n;
        if (!strncmp(cmd, "USER ", 5) || !strncmp(cmd, "PASS ", 5) || !strcmp(cmd, "NOOP"))
            sconn_reply(c, "+OK\r\n");
        else if (!strcmp(cmd, "STAT")) {
            snprintf(r, sizeof r, "+OK %lu %llu\r\n", s->count, s->total);
            sconn_reply(c, r);
        } else if (!strncmp(cmd, "RETR ", 5) && parse_u(cmd + 5, s->count, &n) && n > 0) {
            sconn_reply(c, "+OK message follows\r\n");
            c->out = s->msg[n - 1], c->outlen = s->len[n - 1];
        } else if (!strcmp(cmd, "LIST") || !strcmp(cmd, "UIDL")) {
            c->out = cmd[0] == 'L' ? s->list : s->uidl;
            c->outlen = cmd[0] == 'L' ? s->list_len : s->uidl_len;
        } else if (!strcmp(cmd, "QUIT")) {
            sconn_reply(c, "+OK bye\r\n");
            c->quitting = true;
        } else
            sconn_reply(c, "-ERR unknown command\r\n");
    }
}

static int mode_stub(const struct opts *o)
{
    struct pool pool;
    pool_init(&pool);
    struct stub s = {.count = o->count};
    s.msg = xmalloc((o->count ? o->count : 1) * sizeof *s.msg);
    s.len = xmalloc((o->count ? o->count : 1) * sizeof *s.len);
    char *tmp = xmalloc(o->size);
    for (unsigned long i = 0; i < o->count; i++) {
        gen_message(&pool, (uint32_t)(i + o->first), o->size, tmp);
        s.msg[i] = stuff_message(tmp, o->size, &s.len[i]);
        s.total += o->size;
    }
    free(tmp);
    size_t cap = 64 + (size_t)o->count * 40;
    s.list = xmalloc(cap), s.uidl = xmalloc(cap);
    s.list_len = (size_t)snprintf(s.list, cap, "+OK\r\n");
    s.uidl_len = (size_t)snprintf(s.uidl, cap, "+OK\r\n");
    for (unsigned long i = 0; i < o->count; i++) {
        s.list_len +=
            (size_t)snprintf(s.list + s.list_len, cap - s.list_len, "%lu %lu\r\n", i + 1, o->size);
        s.uidl_len += (size_t)snprintf(s.uidl + s.uidl_len, cap - s.uidl_len, "%lu u%lu\r\n", i + 1,
                                       i + o->first);
    }
    s.list_len += (size_t)snprintf(s.list + s.list_len, cap - s.list_len, ".\r\n");
    s.uidl_len += (size_t)snprintf(s.uidl + s.uidl_len, cap - s.uidl_len, ".\r\n");
    raise_nofile(MAX_CONNS + 64);
    unsigned port;
    int ls = listen_any((unsigned)o->port, &port);
    if (ls < 0)
        return die("listen on port %lu: %s", o->port, strerror(errno));
    fcntl(ls, F_SETFL, O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    fprintf(stderr, "pop3load: stub serving %lu messages on 127.0.0.1:%u\n", o->count, port);
    enum { MAXEV = 256 };
    struct epoll_event evs[MAXEV];
    for (;;) {
        int n = epoll_wait(ep, evs, MAXEV, -1);
        if (n < 0 && errno != EINTR)
            return die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            struct sconn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct sconn *nc = calloc(1, sizeof *nc);
                    char *ob = malloc(4096);
                    if (!nc || !ob) {
                        free(nc), free(ob), close(fd);
                        continue;
                    }
                    nc->fd = fd, nc->obuf = ob;
                    sconn_reply(nc, "+OK pop3load stub ready\r\n");
                    struct epoll_event e2 = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                                             .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e2);
                }
                continue;
            }
            bool dead = false;
            for (;;) { /* edge-triggered: run until blocked */
                bool flushed = sconn_flush(c, &dead);
                if (dead || !flushed)
                    break;
                if (c->quitting) {
                    dead = true;
                    break;
                }
                sconn_commands(&s, c);
                if (c->obuf_len || c->outlen)
                    continue;
                if (c->inlen == sizeof c->in) { /* a full buffer and no line in it */
                    dead = true;
                    break;
                }
                ssize_t r = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r < 0 && errno == EAGAIN)
                    break;
                if (r <= 0) {
                    dead = true;
                    break;
                }
                c->inlen += (size_t)r;
            }
            if (dead) {
                close(c->fd);
                free(c->obuf);
                free(c);
            }
        }
    }
}

/* ----------------------------------------------------------------- probe */

/* Whether a POP3 server answers on the port: connects, reads the banner,
 * says QUIT. Exits 0 with the banner on stdout, or 1. */
static int mode_probe(const struct opts *o)
{
    int fd = tcp_connect(o->host, (unsigned)o->port, true, false);
    if (fd < 0)
        return 1;
    struct client c = {.fd = fd, .cap = 4096};
    c.buf = xmalloc(c.cap);
    char line[LINE_MAX_RESP];
    struct pollfd pf = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t sl = sizeof err;
    bool ok = poll(&pf, 1, 2000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 &&
              err == 0 && client_line(&c, line, sizeof line) && strncmp(line, "+OK", 3) == 0;
    if (ok) {
        printf("%s\n", line);
        send_all(fd, "QUIT\r\n", 6);
    }
    close(fd);
    free(c.buf);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------- mkmaildir */

/* Writes messages first..first+count-1 to DIR/cur (creating DIR/{tmp,new,
 * cur}) under names that sort in that order for ntlab (leading time) and
 * Dovecot (filename order) alike, with Courier's S= and W= sizes (the
 * messages are CRLF already, so both are the file size). */
static int mode_mkmaildir(const struct opts *o)
{
    if (!o->dir)
        return die("mkmaildir needs a directory");
    char path[4096];
    const char *subs[] = {"", "/tmp", "/new", "/cur"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", o->dir, subs[i]);
        if (mkdir(path, 0755) && errno != EEXIST)
            return die("mkdir %s: %s", path, strerror(errno));
    }
    struct pool pool;
    pool_init(&pool);
    char *msg = xmalloc(o->size);
    for (unsigned long i = 0; i < o->count; i++) {
        unsigned long seq = o->first + i;
        gen_message(&pool, (uint32_t)seq, o->size, msg);
        int k = snprintf(path, sizeof path, "%s/cur/%lu.M%luP1.pop3load,S=%lu,W=%lu:2,", o->dir,
                         1500000000ul + seq, seq, o->size, o->size);
        if (k < 0 || (size_t)k >= sizeof path)
            return die("path too long");
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return die("create %s: %s", path, strerror(errno));
        size_t off = 0;
        while (off < o->size) {
            ssize_t w = write(fd, msg + off, o->size - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                close(fd);
                return die("write %s: %s", path, strerror(errno));
            }
            off += (size_t)w;
        }
        if (close(fd))
            return die("close %s: %s", path, strerror(errno));
    }
    free(msg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: pop3load logins|retr|idle|cmdtime|loopback|stub|mkmaildir|probe [options]\n"
              "(see the comment at the top of tests/bench/pop3load.c; tests/bench/run.sh drives "
              "it)\n",
              stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct opts o;
    if (parse_args(argc, argv, &o))
        return 2;
    const char *m = argv[1];
    if (!strcmp(m, "mkmaildir"))
        return mode_mkmaildir(&o);
    if (!strcmp(m, "loopback"))
        return mode_loopback(&o);
    if (!strcmp(m, "stub"))
        return mode_stub(&o);
    if (!o.port)
        return die("%s needs --port", m);
    if (!strcmp(m, "probe"))
        return mode_probe(&o);
    if (!strcmp(m, "logins"))
        return mode_logins(&o);
    if (!strcmp(m, "retr"))
        return mode_retr(&o);
    if (!strcmp(m, "idle"))
        return mode_idle(&o);
    if (!strcmp(m, "cmdtime"))
        return mode_cmdtime(&o);
    return die("unknown mode '%s'", m);
}

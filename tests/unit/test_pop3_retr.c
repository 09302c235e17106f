/* RETR's run-at-a-time conversion (session.c retr_convert) against the rule
 * itself and against TOP's byte-at-a-time path: the same wire bytes for
 * tricky stored messages (bare LF, CR alone, leading dots, no final
 * newline, CRLF and ".": split across read pieces, more insertions than one
 * piece notes), whatever the transport takes per write, alone and
 * pipelined; and the +OK size is the size as sent. */
#include "src/lib/buf.h"
#include "src/pop3/msgstream.h"
#include "src/pop3/pop3.h"
#include "tests/unit/unit.h"
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 899283600LL

struct rb {
    char dir[PATH_MAX];
};

static void rb_login(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    struct rb *b = arg;
    (void)c;
    r->outcome = maildrop_open(b->dir, &r->maildrop) == 0 ? MAIL_LOGON_OK : MAIL_LOGON_SYSTEM_ERROR;
}

static const struct mail_logon_ops rb_logon = {.login = rb_login};

/* The rule, written plainly: RFC 1939 §3 byte-stuffing, CRLF for every LF,
 * a CRLF added after a last line without LF, then ".\r\n". */
static void reference(const unsigned char *m, size_t n, struct buf *out)
{
    bool start = true;
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        if (start && m[i] == '.')
            buf_putc(out, '.');
        if (m[i] == '\n' && last != '\r')
            buf_putc(out, '\r');
        buf_putc(out, (char)m[i]);
        start = m[i] == '\n';
        last = m[i];
    }
    if (!start)
        buf_append(out, "\r\n", 2);
    buf_append(out, ".\r\n", 3);
}

/* One session: logs on, sends cmds (all at once: pipelined), and collects
 * the output, taking at most step bytes per write (0: all offered). */
static void session_run(struct rb *b, const char *cmds, size_t step, struct buf *got)
{
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("rfc1939", &p, err, sizeof err), 0);
    struct pop3_config cfg;
    pop3_config_default(&cfg);
    const struct pop3_backend be = {&rb_logon, b, NULL, NULL};
    struct pop3_session *s = pop3_session_new(p, &be, &cfg, T0, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    struct buf in = BUF_INIT;
    buf_printf(&in, "USER alice\r\nPASS x\r\n%sQUIT\r\n", cmds);
    size_t fed = 0, peak = 0;
    for (unsigned spins = 0; spins < 100000000u; spins++) {
        if (fed < in.len && pop3_session_want_input(s))
            fed += pop3_session_input(s, in.p + fed, in.len - fed, T0);
        size_t n;
        const char *o = pop3_session_output(s, &n);
        if (n > peak)
            peak = n;
        if (!n) {
            if (fed == in.len || pop3_session_closed(s))
                break;
            continue;
        }
        size_t w = step && step < n ? step : n;
        buf_append(got, o, w);
        pop3_session_consume(s, w, T0);
    }
    CU_ASSERT(pop3_session_closed(s));
    /* pieces grow for a transport that takes them whole, within a bound */
    CU_ASSERT(peak <= 512u * 1024);
    if (step && step < POP3_OUT_CHUNK)
        CU_ASSERT(peak <= 2 * POP3_OUT_CHUNK);
    CU_ASSERT(pop3_session_memory(s) <= 1024); /* closed: buffers gone */
    pop3_session_drop(s);
    persona_free(p);
    buf_free(&in);
}

/* Skips n lines of s ("+OK ...\r\n" replies); returns what follows. */
static const char *skip_lines(const char *s, const char *end, unsigned n)
{
    while (n-- && s < end) {
        const char *lf = memchr(s, '\n', (size_t)(end - s));
        if (!lf)
            return end;
        s = lf + 1;
    }
    return s;
}

/* Checks RETR k (1-based) and TOP k <many> of every message in msgs
 * against the reference, alone and pipelined, for each write size. */
static void check_messages(const char *const *msgs, const size_t *lens, size_t count)
{
    const char *root = unit_tmpdir();
    struct rb b;
    snprintf(b.dir, sizeof b.dir, "%s/alice", root);
    CU_ASSERT_EQUAL_FATAL(maildrop_create(b.dir), 0);
    for (size_t i = 0; i < count; i++)
        CU_ASSERT_EQUAL_FATAL(maildrop_deliver(b.dir, msgs[i], lens[i], T0 + (int64_t)i, NULL, 0), 0);
    static const size_t steps[] = {0, 1000, 7, 65536};
    struct buf want = BUF_INIT, cmds = BUF_INIT, got = BUF_INIT, all = BUF_INIT;
    for (size_t si = 0; si < sizeof steps / sizeof steps[0]; si++) {
        size_t step = steps[si];
        bool small = step && step < 100;
        buf_reset(&all);
        buf_reset(&cmds);
        for (size_t i = 0; i < count; i++) {
            buf_reset(&want);
            reference((const unsigned char *)msgs[i], lens[i], &want);
            buf_printf(&cmds, "RETR %zu\r\n", i + 1);
            if (small && lens[i] > 100000)
                continue; /* 7-byte writes: the small ones only */
            for (int top = 0; top < 2; top++) {
                char cmd[64];
                snprintf(cmd, sizeof cmd, top ? "TOP %zu 99999999\r\n" : "RETR %zu\r\n", i + 1);
                buf_reset(&got);
                session_run(&b, cmd, step, &got);
                const char *end = got.p + got.len;
                const char *ok = skip_lines(got.p, end, 3); /* banner, USER, PASS */
                const char *body = skip_lines(ok, end, 1);
                CU_ASSERT_FATAL(body < end);
                char size[32];
                snprintf(size, sizeof size, "+OK %llu octets",
                         (unsigned long long)maildrop_sent_size(msgs[i], lens[i]));
                if (!top)
                    CU_ASSERT(strncmp(ok, size, strlen(size)) == 0);
                /* the body, then QUIT's reply */
                size_t blen = (size_t)(end - body);
                const char *quit = skip_lines(body + (want.len <= blen ? want.len : blen), end, 1);
                bool same = want.len < blen && memcmp(body, want.p, want.len) == 0 && quit == end;
                if (!same)
                    fprintf(stderr, "\n  message %zu (%zu bytes), %s, writes of %zu: differs\n",
                            i + 1, lens[i], top ? "TOP" : "RETR", step);
                CU_ASSERT(same);
            }
            if (!small)
                buf_append(&all, want.p, want.len);
        }
        if (small)
            continue;
        /* all of them pipelined in one go */
        buf_reset(&got);
        session_run(&b, cmds.p, step, &got);
        const char *end = got.p + got.len;
        struct buf bodies = BUF_INIT;
        const char *q = skip_lines(got.p, end, 3);
        for (size_t i = 0; i < count && q < end; i++) {
            q = skip_lines(q, end, 1); /* +OK */
            const char *term = NULL;
            /* the reply ends at the first "\r\n.\r\n" or a leading ".\r\n" */
            if (end - q >= 3 && memcmp(q, ".\r\n", 3) == 0) {
                term = q;
            } else {
                for (const char *t = q; t + 5 <= end; t++)
                    if (memcmp(t, "\r\n.\r\n", 5) == 0) {
                        term = t + 2;
                        break;
                    }
            }
            CU_ASSERT_PTR_NOT_NULL_FATAL(term);
            buf_append(&bodies, q, (size_t)(term + 3 - q));
            q = term + 3;
        }
        CU_ASSERT_EQUAL(bodies.len, all.len);
        CU_ASSERT(bodies.len == all.len && memcmp(bodies.p, all.p, all.len) == 0);
        buf_free(&bodies);
    }
    buf_free(&want);
    buf_free(&cmds);
    buf_free(&got);
    buf_free(&all);
    unit_rmtree(root);
}

static void test_retr_tricky(void)
{
    static const char *const m[] = {
        "a\nb\n",                 /* bare LF */
        "a\r\nb\r\n",             /* CRLF already */
        "a\rb\r\n\r",             /* CR alone, mid-line and at the end */
        "\r\r\n.\r\n..\r\n",      /* CR CR LF; dot lines */
        ".starts with a dot\n.\n", /* leading dot, "." alone, bare LF */
        "no final newline",
        "no final newline.\r",
        ".",
        "\n",
        "\n.\n\n.",
        "x\n.y\r\n.\rz\n.",
    };
    size_t lens[sizeof m / sizeof m[0]];
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        lens[i] = strlen(m[i]);
    check_messages(m, lens, sizeof m / sizeof m[0]);
}

/* Large messages whose line ends and dots sit on and around the read
 * piece boundaries (64 KiB reads, pieces of 16 KiB and up after a +OK
 * line), with NULs, and one needing far more insertions than a piece
 * notes (an LF-only message of empty lines). */
static void test_retr_boundaries(void)
{
    enum { N = 6 };
    char *m[N];
    size_t lens[N];
    size_t sz = 300000;
    for (int k = 0; k < N; k++) {
        m[k] = malloc(sz);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m[k]);
        lens[k] = sz;
    }
    /* 0: CRLF lines of every length 1..97, a dot-led line every 5th */
    for (size_t i = 0, len = 1, ln = 0; i < sz; ln++, len = len % 97 + 1) {
        for (size_t j = 0; j < len && i < sz; j++)
            m[0][i++] = j == 0 && ln % 5 == 0 ? '.' : (char)('a' + j % 26);
        if (i < sz)
            m[0][i++] = '\r';
        if (i < sz)
            m[0][i++] = '\n';
    }
    /* 1: the same with bare LFs */
    for (size_t i = 0, len = 1, ln = 0; i < sz; ln++, len = len % 89 + 1) {
        for (size_t j = 0; j < len && i < sz; j++)
            m[1][i++] = j == 0 && ln % 3 == 0 ? '.' : (char)(j % 7 ? 'b' : 0);
        if (i < sz)
            m[1][i++] = '\n';
    }
    /* 2: only LFs: every one needs a CR */
    memset(m[2], '\n', sz);
    /* 3: ".\n" lines: two insertions each */
    for (size_t i = 0; i < sz; i++)
        m[3][i] = i % 2 ? '\n' : '.';
    /* 4: CRLF mail with CR LF and ". " placed at every offset near the
     * 16/32/64/128/256 KiB marks */
    for (size_t i = 0; i < sz; i++)
        m[4][i] = 'c';
    static const size_t marks[] = {16384, 32768, 65536, 131072, 196608, 262144};
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
        for (size_t d = 0; d < 60; d += 4) {
            size_t at = marks[k] - 40 + d;
            memcpy(m[4] + at, d % 8 ? "\r\n.x" : "\n.\r\n", 4);
        }
    /* 5: random soup of 'a', '.', CR, LF, NUL */
    unsigned seed = 7;
    static const char soup[] = {'a', 'a', 'a', '.', '\r', '\n', '\n', 0};
    for (size_t i = 0; i < sz; i++) {
        seed = seed * 1103515245u + 12345u;
        m[5][i] = soup[(seed >> 16) % sizeof soup];
    }
    check_messages((const char *const *)m, lens, N);
    for (int k = 0; k < N; k++)
        free(m[k]);
}

/* Random messages of random lengths around the piece sizes. */
static void test_retr_random(void)
{
    enum { N = 8 };
    char *m[N];
    size_t lens[N];
    unsigned seed = 4242;
    static const char soup[] = {'x', 'y', '.', '.', '\r', '\n'};
    for (int k = 0; k < N; k++) {
        seed = seed * 1103515245u + 12345u;
        lens[k] = (size_t)((seed >> 8) % 140000u);
        m[k] = malloc(lens[k] + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m[k]);
        unsigned dense = k % 2 ? 3 : 40; /* line ends often or rarely */
        for (size_t i = 0; i < lens[k]; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % dense;
            m[k][i] = r < sizeof soup ? soup[r] : 'z';
        }
    }
    check_messages((const char *const *)m, lens, N);
    for (int k = 0; k < N; k++)
        free(m[k]);
}

/* Feeds the n bytes at m to the converter in reads of step bytes, as
 * pop3_msg_pump does (each read lands at out->len; what the converter did
 * not take is read again), then ends the reply as pump does. Returns how
 * many times the converter took less than it was given. */
static unsigned convert_pieces(const char *m, size_t n, size_t step, bool portable,
                               struct buf *out)
{
    struct pop3_stream st;
    pop3_msg_start(&st, 0, false, 0);
    unsigned cuts = 0;
    for (size_t off = 0; off < n;) {
        size_t k = n - off < step ? n - off : step;
        if (buf_reserve(out, k + 8))
            CU_FAIL_FATAL("out of memory");
        memcpy(out->p + out->len, m + off, k);
        size_t used = 0;
        int rc = portable ? pop3_msg_convert_portable(&st, out, k, &used)
                          : pop3_msg_convert(&st, out, k, &used);
        if (rc || used == 0 || used > k)
            CU_FAIL_FATAL("the converter failed or took nothing");
        cuts += used < k;
        off += used;
    }
    if (!st.line_start)
        buf_append(out, "\r\n", 2);
    buf_append(out, ".\r\n", 3);
    return cuts;
}

/* Both scans (the CPU's fastest, and the portable one) against the rule,
 * for every read size in steps[]; returns the cuts seen. */
static unsigned check_convert(const char *m, size_t n, const char *what)
{
    static const size_t steps[] = {1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 127, 128, 129, 4096,
                                   65536, 262144};
    struct buf want = BUF_INIT, got = BUF_INIT;
    reference((const unsigned char *)m, n, &want);
    unsigned cuts = 0;
    for (size_t si = 0; si < sizeof steps / sizeof steps[0]; si++) {
        if (steps[si] < 64 && n > 20000)
            continue; /* small reads of big messages: slow, and no new case */
        for (int portable = 0; portable < 2; portable++) {
            buf_reset(&got);
            cuts += convert_pieces(m, n, steps[si], portable, &got);
            bool same = got.len == want.len && memcmp(got.p, want.p, want.len) == 0;
            if (!same)
                fprintf(stderr, "\n  %s (%zu bytes), reads of %zu, %s scan: differs\n", what, n,
                        steps[si], portable ? "portable" : "fast");
            CU_ASSERT(same);
        }
    }
    buf_free(&want);
    buf_free(&got);
    return cuts;
}

/* The 64-byte scans' edges: line ends and dots at and around every block
 * and read boundary, CR LF split between reads, a last line without LF, a
 * CR alone, NULs, a 100 KB line without LF, and more insertions than one
 * pass notes (the converter stops and the rest is read again). */
static void test_convert_edges(void)
{
#define S(lit) {lit, sizeof lit - 1}
    static const struct {
        const char *m;
        size_t n;
    } small[] = {
        S(""),
        S("."),
        S(".."),
        S("\n"),
        S("\r"),
        S("\r\n"),
        S(".\n"),
        S("\n."),
        S("a\r\nb"),
        S("no final newline"),
        S("ends in CR\r"),
        S("a\rb\r\r\n\r"),
        S("\0\n\0.\n.\0\r\0\n"),
        S(".\r\n..\r\n.\n\n."),
    };
#undef S
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
        check_convert(small[i].m, small[i].n, "small");

    enum { BIG = 102400 };
    char *m = malloc(BIG);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    /* every feature at every offset around the 64- and 128-byte blocks */
    static const char *const feats[] = {"\n.", "\r\n.", "\r\n", "\n\n", ".\r", "\r."};
    for (size_t f = 0; f < sizeof feats / sizeof feats[0]; f++)
        for (size_t at = 0; at < 200; at++) {
            memset(m, 'x', 260);
            memcpy(m + at, feats[f], strlen(feats[f]));
            check_convert(m, 260, feats[f]);
            check_convert(m + at, 260 - at, feats[f]); /* the feature first */
        }
    /* a 100 KB line without LF, plain and starting with '.' */
    memset(m, 'y', BIG);
    check_convert(m, BIG, "one long line");
    m[0] = '.';
    m[BIG - 1] = '\r';
    check_convert(m, BIG, "one long dot line ending in CR");
    /* 100 KB of LFs, of ".\n", of "\n.": more insertions than a pass notes */
    memset(m, '\n', BIG);
    CU_ASSERT(check_convert(m, BIG, "LFs") > 0);
    for (size_t i = 0; i < BIG; i++)
        m[i] = i % 2 ? '\n' : '.';
    CU_ASSERT(check_convert(m, BIG, "dot lines") > 0);
    CU_ASSERT(check_convert(m + 1, BIG - 1, "LF dot") > 0);
    /* random soups, line ends dense and sparse */
    unsigned seed = 99;
    static const char soup[] = {'a', '.', '.', '\r', '\n', '\n', 0};
    for (int k = 0; k < 24; k++) {
        size_t n = k < 12 ? 1 + (size_t)k * 37 : 4000 + (size_t)k * 999;
        unsigned dense = k % 3 == 0 ? 7 : k % 3 == 1 ? 20 : 200;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % dense;
            m[i] = r < sizeof soup ? soup[r] : 'z';
        }
        check_convert(m, n, "soup");
    }
    free(m);
}

/* Open descriptors of this process (/proc/self/fd), or -1 without /proc. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", "..", and the directory's own descriptor */
}

/* Runs cmds (whole lines) through s and drains the output. */
static void feed(struct pop3_session *s, const char *cmds)
{
    size_t fed = 0, len = strlen(cmds);
    for (unsigned spins = 0; spins < 1000000u; spins++) {
        if (fed < len && pop3_session_want_input(s))
            fed += pop3_session_input(s, cmds + fed, len - fed, T0);
        size_t n;
        (void)pop3_session_output(s, &n);
        if (!n && fed == len)
            return;
        pop3_session_consume(s, n, T0);
    }
    CU_FAIL("the session did not take its input");
}

/* What the daemon's descriptor accounting counts (pop3_session_fds) is
 * what is open: a logged-on idle session holds its maildrop lock alone, a
 * message file only while its RETR or TOP runs (issue 12: 10,000 idle
 * sessions did not fit the descriptors reserved as if each held two). */
static void test_retr_fds(void)
{
    const char *root = unit_tmpdir();
    struct rb b;
    snprintf(b.dir, sizeof b.dir, "%s/alice", root);
    CU_ASSERT_EQUAL_FATAL(maildrop_create(b.dir), 0);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(maildrop_deliver(b.dir, "Subject: x\n\nbody\n", 17, T0 + i, NULL, 0), 0);
    struct persona *p;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(persona_builtin("rfc1939", &p, err, sizeof err), 0);
    struct pop3_config cfg;
    pop3_config_default(&cfg);
    const struct pop3_backend be = {&rb_logon, &b, NULL, NULL};
    struct pop3_session *s = pop3_session_new(p, &be, &cfg, T0, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int base = open_fds();
    CU_ASSERT_EQUAL(pop3_session_fds(s), 0);
    feed(s, "USER alice\r\nPASS x\r\n");
    CU_ASSERT_EQUAL(pop3_session_state(s), POP3_TRANSACTION);
    CU_ASSERT_EQUAL(pop3_session_fds(s), 1); /* the lock */
    if (base >= 0)
        CU_ASSERT_EQUAL(open_fds() - base, 1);
    feed(s, "RETR 1\r\nTOP 2 0\r\nRETR 2\r\n");
    CU_ASSERT_EQUAL(pop3_session_fds(s), 1); /* the messages are closed again */
    if (base >= 0)
        CU_ASSERT_EQUAL(open_fds() - base, 1);
    feed(s, "QUIT\r\n");
    CU_ASSERT(pop3_session_closed(s));
    CU_ASSERT_EQUAL(pop3_session_fds(s), 0);
    if (base >= 0)
        CU_ASSERT_EQUAL(open_fds() - base, 0);
    pop3_session_drop(s);
    persona_free(p);
    unit_rmtree(root);
}

void suite_pop3_retr(void)
{
    UNIT_SUITE("pop3_retr", UNIT_TEST(test_retr_tricky), UNIT_TEST(test_retr_boundaries),
               UNIT_TEST(test_retr_random), UNIT_TEST(test_retr_fds),
               UNIT_TEST(test_convert_edges));
}

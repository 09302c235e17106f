/* Per-line cost of the engines' line input (src/lib/linein.c, what POP3
 * and SMTP share): 1,000,000 NOOP lines fed in 16 KB pieces, as a socket
 * read gives them, into a logged-on POP3 session and an SMTP session, the
 * replies drained after each piece. Peer: a bare memchr line splitter over
 * the same bytes (the least any line reader does); stub: the same piece
 * loop calling a function that does nothing. Prints ns per line and the
 * ratios; fails only when a figure could not be measured. */
#include "src/pop3/pop3.h"
#include "src/smtp/smtp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINES 1000000u
#define PIECE 16384u

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char g_dir[256];

static void open_md(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    (void)arg;
    (void)c;
    r->outcome = maildrop_open(g_dir, &r->maildrop) ? MAIL_LOGON_SYSTEM_ERROR : MAIL_LOGON_OK;
}

static const struct mail_logon_ops pop_logon = {.login = open_md};
static const struct pop3_backend pop_backend = {&pop_logon, NULL, NULL, NULL};

static size_t pop_drain(struct pop3_session *s)
{
    size_t total = 0, n;
    while (pop3_session_output(s, &n), n) {
        total += n;
        pop3_session_consume(s, n, 0);
    }
    return total;
}

/* Feeds text piece by piece; 0 when every byte was taken and the session
 * stayed open, -1 otherwise. */
static int pop_feed(struct pop3_session *s, const char *text, size_t len)
{
    for (size_t off = 0; off < len;) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        size_t took = pop3_session_input(s, text + off, n, 0);
        pop_drain(s);
        if (pop3_session_closed(s) || (took == 0 && !pop3_session_want_input(s)))
            return -1;
        off += took;
    }
    return 0;
}

static size_t smtp_drain(struct smtp_session *s)
{
    size_t total = 0, n;
    while (smtp_session_output(s, &n), n) {
        total += n;
        smtp_session_consume(s, n, 0);
    }
    return total;
}

static int smtp_feed(struct smtp_session *s, const char *text, size_t len)
{
    for (size_t off = 0; off < len;) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        size_t took = smtp_session_input(s, text + off, n, 0);
        smtp_drain(s);
        if (smtp_session_closed(s) || (took == 0 && !smtp_session_want_input(s)))
            return -1;
        off += took;
    }
    return 0;
}

/* The peer: splits the same bytes into lines with memchr. */
static size_t peer_lines(const char *text, size_t len)
{
    size_t lines = 0;
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        for (const char *p = text + off, *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
            lines++;
    }
    return lines;
}

__attribute__((noinline)) static size_t stub_piece(const char *p, size_t n)
{
    __asm__ volatile("" : : "r"(p), "r"(n) : "memory");
    return n;
}

static double stub_run(const char *text, size_t len)
{
    double t = now_ns();
    size_t sum = 0;
    for (size_t off = 0; off < len; off += PIECE)
        sum += stub_piece(text + off, len - off < PIECE ? len - off : PIECE);
    return sum == len ? now_ns() - t : -1;
}

static char *noops(size_t *len)
{
    static const char line[] = "NOOP\r\n";
    *len = LINES * (sizeof line - 1);
    char *t = malloc(*len);
    for (size_t i = 0; t && i < LINES; i++)
        memcpy(t + i * (sizeof line - 1), line, sizeof line - 1);
    return t;
}

static double pop_run(const char *text, size_t len)
{
    struct persona *p;
    char err[256];
    if (persona_builtin("rfc1939", &p, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    struct pop3_config cfg;
    pop3_config_default(&cfg);
    struct pop3_session *s = pop3_session_new(p, &pop_backend, &cfg, 0, 1);
    double r = -1;
    if (s && pop_feed(s, "USER bench\r\nPASS x\r\n", 20) == 0) {
        double t = now_ns();
        r = pop_feed(s, text, len) == 0 ? now_ns() - t : -1;
    }
    pop3_session_drop(s);
    persona_free(p);
    return r;
}

static double smtp_run(const char *text, size_t len)
{
    struct smtp_config cfg;
    smtp_config_default(&cfg);
    cfg.host = "bench.lab.example";
    const struct smtp_backend be = {0};
    struct smtp_session *s = smtp_session_new(smtp_persona_find("rfc"), &be, &cfg, "127.0.0.1", 0);
    double r = -1;
    if (s) {
        smtp_drain(s);
        double t = now_ns();
        r = smtp_feed(s, text, len) == 0 ? now_ns() - t : -1;
    }
    smtp_session_drop(s);
    return r;
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/ntlab-linein-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    size_t len;
    char *text = noops(&len);
    if (!text || !mkdtemp(g_dir) || maildrop_create(g_dir)) {
        perror("setup");
        return 1;
    }
    double best_pop = -1, best_smtp = -1, best_peer = -1, best_stub = -1;
    for (int round = 0; round < 3; round++) { /* best of three: the machine is shared */
        double a = pop_run(text, len), b = smtp_run(text, len);
        double t = now_ns();
        size_t lines = peer_lines(text, len);
        double c = lines == LINES ? now_ns() - t : -1, d = stub_run(text, len);
        if (a < 0 || b < 0 || c < 0 || d < 0) {
            fprintf(stderr, "linein_bench: a run failed (pop3 %.0f smtp %.0f peer %.0f stub %.0f)\n",
                    a, b, c, d);
            return 1;
        }
        best_pop = best_pop < 0 || a < best_pop ? a : best_pop;
        best_smtp = best_smtp < 0 || b < best_smtp ? b : best_smtp;
        best_peer = best_peer < 0 || c < best_peer ? c : best_peer;
        best_stub = best_stub < 0 || d < best_stub ? d : best_stub;
    }
    printf("line input, %u NOOP lines in %u-byte pieces (best of 3), ns per line:\n", LINES, PIECE);
    printf("  pop3 session %.1f  smtp session %.1f  peer memchr splitter %.2f  stub %.3f\n",
           best_pop / LINES, best_smtp / LINES, best_peer / LINES, best_stub / LINES);
    printf("  pop3/peer %.1f  smtp/peer %.1f  pop3/stub %.0f  smtp/stub %.0f\n",
           best_pop / best_peer, best_smtp / best_peer, best_pop / best_stub,
           best_smtp / best_stub);
    free(text);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : 1;
}

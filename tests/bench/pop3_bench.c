/* POP3 engine benchmark: a 100,000-message Maildir (maildrop scan, STAT,
 * LIST, UIDL through a session), RETR throughput of a large message through
 * the engine's chunked output, and the memory of idle sessions. Prints the
 * figures; fails only on a setup error. */
#include "src/lib/buf.h"
#include "src/pop3/pop3.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MESSAGES 100000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char g_dir[256];

static void open_md(void *arg, const struct mail_logon_credentials *c, struct mail_logon_result *r)
{
    (void)arg;
    (void)c;
    int rc = maildrop_open(g_dir, &r->maildrop);
    r->outcome = rc ? MAIL_LOGON_SYSTEM_ERROR : MAIL_LOGON_OK;
}

static const struct mail_logon_ops logon = {.login = open_md};
static const struct pop3_backend backend = {&logon, NULL, NULL, NULL};

/* Sends cmd and drains the reply; returns the octets received. */
static size_t run(struct pop3_session *s, const char *cmd)
{
    pop3_session_input(s, cmd, strlen(cmd), 0);
    size_t total = 0, n;
    while (pop3_session_output(s, &n), n) {
        total += n;
        pop3_session_consume(s, n, 0);
    }
    return total;
}

static void rmrf(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", d);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/ntlab-pop3-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir) || maildrop_create(g_dir)) {
        perror("setup");
        return 1;
    }
    double t = now_ms();
    for (unsigned i = 0; i < MESSAGES; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/new/%u.R%08x.bench,S=100,W=102", g_dir, 899283600u + i, i);
        FILE *f = fopen(p, "w");
        if (!f) {
            perror(p);
            return 1;
        }
        fclose(f);
    }
    printf("setup: %d message files in %.0f ms\n", MESSAGES, now_ms() - t);

    t = now_ms();
    struct maildrop *md;
    if (maildrop_open(g_dir, &md)) {
        perror("maildrop_open");
        return 1;
    }
    printf("maildrop_open (scan+sort) of %zu messages: %.1f ms\n", maildrop_count(md), now_ms() - t);
    maildrop_close(md);

    struct persona *p;
    char err[256];
    if (persona_builtin("rfc1939", &p, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct pop3_config cfg;
    pop3_config_default(&cfg);
    struct pop3_session *s = pop3_session_new(p, &backend, &cfg, 0, 1);
    run(s, "");
    t = now_ms();
    run(s, "USER bench\r\nPASS x\r\n");
    printf("logon (maildrop open) through the session: %.1f ms\n", now_ms() - t);
    t = now_ms();
    run(s, "STAT\r\n");
    printf("STAT: %.3f ms\n", now_ms() - t);
    t = now_ms();
    size_t n = run(s, "LIST\r\n");
    printf("LIST: %zu octets in %.1f ms\n", n, now_ms() - t);
    t = now_ms();
    n = run(s, "UIDL\r\n");
    printf("UIDL: %zu octets in %.1f ms\n", n, now_ms() - t);
    printf("session memory in TRANSACTION (maildrop excluded): %zu bytes\n", pop3_session_memory(s));
    pop3_session_drop(s);
    rmrf(g_dir);

    /* RETR throughput through the engine (no socket) */
    snprintf(g_dir, sizeof g_dir, "%s/ntlab-pop3-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir) || maildrop_create(g_dir)) {
        perror("setup 2");
        return 1;
    }
    size_t big = 100u << 20;
    char *msg = malloc(big);
    if (!msg)
        return 1;
    for (size_t i = 0; i < big; i++)
        msg[i] = (i % 80 == 79) ? '\n' : (i % 80 == 0) ? '.' : 'm';
    if (maildrop_deliver(g_dir, msg, big, 1, NULL, 0)) {
        perror("deliver");
        return 1;
    }
    free(msg);
    s = pop3_session_new(p, &backend, &cfg, 0, 2);
    run(s, "USER bench\r\nPASS x\r\n");
    t = now_ms();
    n = run(s, "RETR 1\r\n");
    double ms = now_ms() - t;
    printf("RETR of a 100 MiB bare-LF message: %zu octets in %.0f ms (%.0f MB/s)\n", n, ms,
           n / 1e3 / ms);
    pop3_session_drop(s);
    rmrf(g_dir);

    /* idle sessions */
    enum { IDLE = 10000 };
    struct pop3_session **v = calloc(IDLE, sizeof *v);
    size_t mem = 0;
    for (unsigned i = 0; i < IDLE; i++) {
        v[i] = pop3_session_new(p, &backend, &cfg, 0, i);
        run(v[i], "");
        mem += pop3_session_memory(v[i]);
    }
    printf("%d idle sessions: %zu bytes each on average (target <= 8192)\n", IDLE, mem / IDLE);
    for (unsigned i = 0; i < IDLE; i++)
        pop3_session_drop(v[i]);
    free(v);
    persona_free(p);
    return 0;
}

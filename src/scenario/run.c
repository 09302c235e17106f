/* Running one scenario: a fresh lab in a fresh directory (or a live
 * server), the steps in order, and two transcripts — what the file
 * expected and what happened — whose diff is the report. Every step adds
 * the same line to both when it goes as expected, so a mismatch shows up as
 * exactly the lines that differ. */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/scenario/diff.h"
#include "src/scenario/mask.h"
#include "src/scenario/scenario.h"
#include "src/scenario/tcp.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RX_MAX (64u << 20)   /* bytes one session may hold unread */
#define SHOWN_OUTPUT_MAX 200 /* output lines shown for a failed check */

struct sess {
    bool used;
    char name[SCN_NAME_MAX + 1];
    char peer[SCN_HOST_MAX + 16]; /* for the telnet line of the transcript */
    struct exchange_session *es;  /* in-process */
    int fd;                       /* over TCP, else -1 */
    struct buf rx;                /* received, not yet taken as lines */
    bool eof;                     /* the server closed */
    bool overflow;
    struct scn_mask mask;         /* what of the client's lines is shown */
};

struct run {
    const struct scn *s;
    const struct scn_run_opts *o;
    struct scn_result *res;
    struct lab *lab;                /* in-process */
    char dir[4096];                 /* the fresh lab (or scratch dir over TCP) */
    bool have_dir;
    struct scn_transcript exp, act;
    struct buf article;             /* --transcript */
    struct buf real;                /* -v: what was sent, received and printed */
    bool multi;                     /* several session names: prefix article lines */
    const char *last_article_sess;
    struct sess sess[SCN_MAX_SESSIONS];
    uint64_t nonce;
    int timeout_ms;
    struct pop3_config cfg;
    unsigned heredocs;
    bool failed;
    struct scn_loc fail_loc;
    char fail_msg[600];
    bool oom;
};

static double mono_seconds(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Records the first mismatch (later ones only show in the diff). */
__attribute__((format(printf, 3, 4))) static void mismatch(struct run *r, struct scn_loc loc,
                                                           const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    r->fail_loc = loc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
    va_end(ap);
}

static void chk(struct run *r, int rc)
{
    if (rc)
        r->oom = true;
}

/* A short visible quote of a line for one-line messages. */
static void quote(char *out, size_t n, const char *s, size_t len, unsigned flags)
{
    struct buf b = BUF_INIT;
    if (scn_visible(&b, s, len, flags) == 0 && b.p) {
        if (b.len > 120)
            snprintf(out, n, "'%.117s...'", b.p);
        else
            snprintf(out, n, "'%s'", b.p);
    } else {
        snprintf(out, n, "''");
    }
    buf_free(&b);
}

/* -v: one line of what really happened, made visible. */
static void real_line(struct run *r, const char *prefix, const char *text, size_t len,
                      unsigned flags)
{
    if (!r->o->want_actual)
        return;
    chk(r, buf_puts(&r->real, prefix));
    chk(r, scn_visible(&r->real, text, len, flags));
    chk(r, buf_putc(&r->real, '\n'));
}

__attribute__((format(printf, 2, 3))) static void real_linef(struct run *r, const char *fmt, ...)
{
    if (!r->o->want_actual)
        return;
    va_list ap;
    va_start(ap, fmt);
    chk(r, buf_vprintf(&r->real, fmt, ap));
    va_end(ap);
    chk(r, buf_putc(&r->real, '\n'));
}

static void article_line(struct run *r, const char *sess, const char *text, size_t len)
{
    if (!r->o->want_transcript)
        return;
    if (r->multi && sess)
        chk(r, buf_printf(&r->article, "[%s] ", sess));
    chk(r, buf_append(&r->article, text, len));
    chk(r, buf_putc(&r->article, '\n'));
}

/* --- directories ------------------------------------------------------------ */

int scn_rmtree(const char *path)
{
    struct plat_stat st;
    int rc = plat_lstat(path, &st);
    if (rc)
        return rc == ENOENT ? 0 : rc;
    if (!st.is_dir)
        return unlink(path) == 0 ? 0 : errno;
    struct plat_dir *d;
    rc = plat_dir_open(path, &d);
    if (rc)
        return rc;
    const char *name;
    enum plat_dtype type;
    int e;
    while ((e = plat_dir_next(d, &name, &type)) == 0) {
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char sub[4096];
        int n = snprintf(sub, sizeof sub, "%s/%s", path, name);
        if (n < 0 || (size_t)n >= sizeof sub) {
            rc = rc ? rc : ENAMETOOLONG;
            continue;
        }
        int r2 = scn_rmtree(sub);
        if (r2 && !rc)
            rc = r2;
    }
    plat_dir_close(d);
    if (e != ENOENT && !rc)
        rc = e;
    if (rmdir(path) != 0 && !rc)
        rc = errno;
    return rc;
}

/* Makes a fresh directory BASE/ntlab-scn-XXXXXX in dir (absolute, so that
 * a daemon reading a here-doc file finds it). 0 or an errno value. */
static int fresh_dir(const char *base, char *dir, size_t n)
{
    char tmpl[4096];
    int k = snprintf(tmpl, sizeof tmpl, "%s/ntlab-scn-XXXXXX", base);
    if (k < 0 || (size_t)k >= sizeof tmpl)
        return ENAMETOOLONG;
    int rc = plat_mkdtemp(tmpl);
    if (rc)
        return rc;
    if (plat_realpath(tmpl, dir, n))
        str_copy(dir, n, tmpl);
    return 0;
}

/* The fresh directory of a run: under --tmp, else on tmpfs (/dev/shm,
 * where the lab's fsyncs cost nothing) when there is one we may write,
 * else the system's temporary directory. */
static int make_dir(struct run *r)
{
    int rc;
    if (r->o->tmpbase) {
        rc = fresh_dir(r->o->tmpbase, r->dir, sizeof r->dir);
    } else {
        struct plat_stat st;
        rc = ENOENT;
        if (!PLAT_WINDOWS && plat_stat("/dev/shm", &st) == 0 && st.is_dir)
            rc = fresh_dir("/dev/shm", r->dir, sizeof r->dir);
        if (rc) {
            char tmp[4096];
            rc = plat_tmpdir(tmp, sizeof tmp);
            if (rc == 0)
                rc = fresh_dir(tmp, r->dir, sizeof r->dir);
        }
    }
    if (rc == 0)
        r->have_dir = true;
    return rc;
}

/* --- sessions ------------------------------------------------------------------ */

static struct sess *find_sess(struct run *r, const char *name)
{
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        if (r->sess[i].used && strcmp(r->sess[i].name, name) == 0)
            return &r->sess[i];
    return NULL;
}

static struct sess *new_sess(struct run *r, const char *name)
{
    for (int i = 0; i < SCN_MAX_SESSIONS; i++) {
        struct sess *se = &r->sess[i];
        if (!se->used) {
            memset(se, 0, sizeof *se);
            se->used = true;
            se->fd = -1;
            str_copy(se->name, sizeof se->name, name);
            return se;
        }
    }
    return NULL;
}

static void end_sess(struct sess *se)
{
    if (se->es)
        exchange_session_close(se->es);
    scn_tcp_close(se->fd);
    buf_free(&se->rx);
    memset(se, 0, sizeof *se);
    se->fd = -1;
}

static void rx_add(struct sess *se, const char *p, size_t len)
{
    if (se->rx.len + len > RX_MAX) {
        se->overflow = true;
        se->eof = true;
        return;
    }
    if (buf_append(&se->rx, p, len))
        se->overflow = true;
}

/* In-process: moves everything the engine has to say into rx. */
static void drain(struct run *r, struct sess *se)
{
    if (!se->es)
        return;
    struct pop3_session *ps = exchange_session_pop3(se->es);
    int64_t now = lab_clock_now(r->lab);
    for (;;) {
        size_t len = 0;
        const char *p = pop3_session_output(ps, &len);
        if (len == 0)
            break;
        rx_add(se, p, len);
        pop3_session_consume(ps, len, now);
        if (se->overflow)
            break;
    }
    if (pop3_session_closed(ps))
        se->eof = true;
}

/* In-process: the virtual clock may have moved (autologout). */
static void tick_all(struct run *r)
{
    if (!r->lab)
        return;
    int64_t now = lab_clock_now(r->lab);
    for (int i = 0; i < SCN_MAX_SESSIONS; i++) {
        struct sess *se = &r->sess[i];
        if (!se->used || !se->es || se->eof)
            continue;
        struct pop3_session *ps = exchange_session_pop3(se->es);
        if (now >= pop3_session_deadline(ps))
            pop3_session_tick(ps, now);
        drain(r, se);
    }
}

/* Over TCP: reads what arrived, waiting up to wait_ms for something. */
static void tcp_fill(struct sess *se, int wait_ms)
{
    if (se->fd < 0 || se->eof)
        return;
    int w = scn_tcp_wait(se->fd, wait_ms);
    if (w <= 0)
        return;
    char buf[16384];
    ssize_t n = scn_tcp_recv(se->fd, buf, sizeof buf);
    if (n > 0)
        rx_add(se, buf, (size_t)n);
    else if (n == 0 || errno != EAGAIN)
        se->eof = true;
}

/* Takes the next complete line from rx: 1 got one (*flags: how it ended),
 * 0 none yet. At EOF, bytes without a line end come out as a line with
 * SCN_TL_NO_EOL. The line is copied to *line (malloc'd). */
static int take_line(struct sess *se, char **line, size_t *len, unsigned *flags)
{
    if (se->rx.len == 0)
        return 0;
    char *nl = memchr(se->rx.p, '\n', se->rx.len);
    size_t l, used;
    unsigned f = 0;
    if (nl) {
        l = (size_t)(nl - se->rx.p);
        used = l + 1;
        if (l > 0 && se->rx.p[l - 1] == '\r')
            l--;
        else
            f = SCN_TL_BARE_LF;
    } else if (se->eof) {
        l = used = se->rx.len;
        f = SCN_TL_NO_EOL;
    } else {
        return 0;
    }
    char *c = malloc(l + 1);
    if (!c)
        return 0;
    memcpy(c, se->rx.p, l);
    c[l] = 0;
    buf_consume(&se->rx, used);
    scn_mask_server(&se->mask, c, l);
    *line = c;
    *len = l;
    *flags = f;
    return 1;
}

/* The next line, waiting as the transport allows: 1 got one, 0 the
 * connection closed, -1 no reply (in-process: nothing pending; over TCP:
 * the timeout passed). */
static int next_line(struct run *r, struct sess *se, char **line, size_t *len, unsigned *flags)
{
    if (se->es) {
        drain(r, se);
        if (take_line(se, line, len, flags))
            return 1;
        return se->eof ? 0 : -1;
    }
    struct timespec t0;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (take_line(se, line, len, flags))
            return 1;
        if (se->eof || se->fd < 0)
            return 0;
        struct timespec t1;
        plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &t1);
        long waited = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (waited >= r->timeout_ms)
            return -1;
        tcp_fill(se, r->timeout_ms - (int)waited);
    }
}

/* Lines that arrived and that no step expected: shown as extra lines. */
static void flush_unexpected(struct run *r, struct sess *se, struct scn_loc loc)
{
    if (se->es)
        drain(r, se);
    else
        tcp_fill(se, 0);
    char *line;
    size_t len;
    unsigned flags;
    while (take_line(se, &line, &len, &flags)) {
        char pre[SCN_NAME_MAX + 8];
        snprintf(pre, sizeof pre, "%s < ", se->name);
        chk(r, scn_ts_add2(&r->act, pre, line, len, flags));
        real_line(r, pre, line, len, flags);
        article_line(r, se->name, line, len);
        char q[160];
        quote(q, sizeof q, line, len, flags);
        mismatch(r, loc, "%s: unexpected reply line %s", se->name, q);
        free(line);
    }
}

static struct machine *store_machine(struct run *r, const char *name)
{
    if (name[0])
        return lab_machine_find(r->lab, name);
    struct machine *configured = NULL;
    for (size_t i = 0; i < lab_machine_count(r->lab); i++) {
        struct machine *m = lab_machine_at(r->lab, i);
        if (exchange_running(m))
            return m;
        for (size_t k = 0; !configured && m->scm && k < scm_count(m->scm); k++)
            if (str_ieq(scm_at(m->scm, k)->image, EXCHANGE_IMAGE))
                configured = m;
    }
    return configured;
}

/* Connects: 0 and *se filled, or an errno value with a text for the
 * transcript in why. */
static int connect_sess(struct run *r, const char *machine, struct sess *se, char *why,
                        size_t whylen)
{
    if (r->o->target) {
        int fd;
        int rc = scn_tcp_connect(r->o->target, r->timeout_ms, &fd);
        if (rc) {
            snprintf(why, whylen, "%s", rc == ECONNREFUSED ? "connection refused" : strerror(rc));
            return rc;
        }
        se->fd = fd;
        char host[SCN_HOST_MAX], port[8];
        if (scn_tcp_split(r->o->target, host, port, 0) == 0)
            snprintf(se->peer, sizeof se->peer, "%s %s", host, port);
        return 0;
    }
    struct machine *m = store_machine(r, machine);
    if (!m) {
        snprintf(why, whylen, machine[0] ? "no machine %s in the lab" :
                                           "no machine in the lab has an Exchange store%s", machine);
        return ENOENT;
    }
    struct exchange_session *es;
    int rc = exchange_session_open(m, &r->cfg, lab_clock_now(r->lab), ++r->nonce, NULL, &es);
    if (rc) {
        snprintf(why, whylen, "%s", rc == ECONNREFUSED ? "connection refused" : strerror(rc));
        return rc;
    }
    se->es = es;
    snprintf(se->peer, sizeof se->peer, "%s 110", m->name);
    drain(r, se);
    return 0;
}

static void step_open(struct run *r, const struct scn_step *st)
{
    chk(r, scn_ts_addf(&r->exp, "open %s", st->session));
    struct sess *se = find_sess(r, st->session);
    if (se) /* closed by the server and opened again: the old one is done */
        end_sess(se);
    se = new_sess(r, st->session);
    if (!se) {
        chk(r, scn_ts_addf(&r->act, "open %s: too many sessions", st->session));
        mismatch(r, st->loc, "%s: more than %d sessions", st->session, SCN_MAX_SESSIONS);
        return;
    }
    char why[256];
    if (connect_sess(r, st->machine, se, why, sizeof why)) {
        chk(r, scn_ts_addf(&r->act, "open %s: %s", st->session, why));
        real_linef(r, "open %s: %s", st->session, why);
        mismatch(r, st->loc, "%s: %s", st->session, why);
        se->eof = true; /* stays known by name: later steps report "not connected" */
        return;
    }
    chk(r, scn_ts_addf(&r->act, "open %s", st->session));
    real_linef(r, "open %s (%s)", st->session, se->peer);
    char tl[SCN_HOST_MAX + 32];
    int n = snprintf(tl, sizeof tl, "Telnet %s", se->peer);
    article_line(r, st->session, tl, n > 0 ? (size_t)n : 0);
}

static void step_refused(struct run *r, const struct scn_step *st)
{
    chk(r, scn_ts_addf(&r->exp, "refused%s%s", st->machine[0] ? " " : "", st->machine));
    struct sess tmp = {.fd = -1};
    char why[256];
    int rc = connect_sess(r, st->machine, &tmp, why, sizeof why);
    bool refused = rc == ECONNREFUSED;
    if (rc == 0 && tmp.fd >= 0) {
        /* A server that accepts and hangs up at once without a greeting
         * refuses service as surely as a refused connection. */
        tcp_fill(&tmp, r->timeout_ms);
        if (tmp.eof && tmp.rx.len == 0)
            refused = true;
    }
    real_linef(r, "refused%s%s: %s", st->machine[0] ? " " : "", st->machine,
               refused ? "refused" : rc ? why : "accepted");
    if (refused) {
        chk(r, scn_ts_addf(&r->act, "refused%s%s", st->machine[0] ? " " : "", st->machine));
    } else if (rc) {
        chk(r, scn_ts_addf(&r->act, "refused%s%s: %s", st->machine[0] ? " " : "", st->machine,
                           why));
        mismatch(r, st->loc, "connection failed otherwise than refused: %s", why);
    } else {
        char *line = NULL;
        size_t len = 0;
        unsigned flags = 0;
        if (tmp.es)
            drain(r, &tmp);
        take_line(&tmp, &line, &len, &flags);
        chk(r, scn_ts_add2(&r->act, "connected, greeted: ", line ? line : "", len, flags));
        mismatch(r, st->loc, "the connection was accepted, not refused");
        free(line);
    }
    end_sess(&tmp);
}

static void step_close(struct run *r, const struct scn_step *st)
{
    struct sess *se = find_sess(r, st->session);
    if (se)
        flush_unexpected(r, se, st->loc);
    chk(r, scn_ts_addf(&r->exp, "close %s", st->session));
    chk(r, scn_ts_addf(&r->act, "close %s", st->session));
    real_linef(r, "close %s", st->session);
    if (se)
        end_sess(se);
}

static void step_send(struct run *r, const struct scn_step *st)
{
    struct sess *se = find_sess(r, st->session);
    if (se)
        flush_unexpected(r, se, st->loc);
    size_t tl = st->len - (st->bare_lf ? 1 : 2);
    char pre[SCN_NAME_MAX + 8];
    snprintf(pre, sizeof pre, "%s %s ", st->session, st->bare_lf ? ">lf" : ">");
    /* Every report shows the line with its secret masked; the real bytes
     * are sent. */
    struct buf shown = BUF_INIT;
    chk(r, scn_mask_client(se ? &se->mask : NULL, &shown, st->data, tl));
    const char *sp = shown.p ? shown.p : "";
    chk(r, scn_ts_add2(&r->exp, pre, sp, shown.len, 0));
    chk(r, scn_ts_add2(&r->act, pre, sp, shown.len, 0));
    real_line(r, pre, sp, shown.len, 0);
    if (!se || (!se->es && se->fd < 0)) {
        buf_free(&shown);
        chk(r, scn_ts_addf(&r->act, "%s: not connected", st->session));
        mismatch(r, st->loc, "%s: not connected, cannot send", st->session);
        return;
    }
    if (se->eof) {
        buf_free(&shown);
        chk(r, scn_ts_addf(&r->act, "%s: connection closed", st->session));
        mismatch(r, st->loc, "%s: the server closed the connection, cannot send", st->session);
        return;
    }
    article_line(r, se->name, sp, shown.len);
    buf_free(&shown);
    if (se->fd >= 0) {
        int rc = scn_tcp_send_all(se->fd, st->data, st->len);
        if (rc) {
            chk(r, scn_ts_addf(&r->act, "%s: send failed: %s", st->session, strerror(rc)));
            mismatch(r, st->loc, "%s: send failed: %s", st->session, strerror(rc));
        }
        return;
    }
    struct pop3_session *ps = exchange_session_pop3(se->es);
    size_t off = 0;
    int stuck = 0;
    while (off < st->len && stuck < 2) {
        size_t n = pop3_session_input(ps, st->data + off, st->len - off, lab_clock_now(r->lab));
        off += n;
        drain(r, se);
        stuck = n == 0 ? stuck + 1 : 0;
    }
    if (off < st->len) {
        chk(r, scn_ts_addf(&r->act, "%s: the server took only %zu of %zu bytes", st->session, off,
                           st->len));
        mismatch(r, st->loc, "%s: the server stopped taking input", st->session);
    }
}

static void step_expect(struct run *r, const struct scn_step *st)
{
    /* The line end is a flag (shown as \n or <EOF> when not CRLF), so that
     * a line whose bytes agree but whose end differs says just that. */
    char pre[SCN_NAME_MAX + 8];
    snprintf(pre, sizeof pre, "%s < ", st->session);
    unsigned want = st->bare_lf ? SCN_TL_BARE_LF : 0;
    chk(r, scn_ts_add2(&r->exp, pre, st->pat.text, st->pat.len, want));
    struct sess *se = find_sess(r, st->session);
    if (!se || (!se->es && se->fd < 0 && se->rx.len == 0)) {
        chk(r, scn_ts_addf(&r->act, "%s: not connected", st->session));
        mismatch(r, st->loc, "%s: not connected, no reply to expect", st->session);
        return;
    }
    char *line = NULL;
    size_t len = 0;
    unsigned flags = 0;
    int got = next_line(r, se, &line, &len, &flags);
    if (got == 1) {
        real_line(r, pre, line, len, flags);
        if (flags == want && scn_pattern_match(&st->pat, line, len)) {
            chk(r, scn_ts_add2(&r->act, pre, st->pat.text, st->pat.len, want));
        } else {
            chk(r, scn_ts_add2(&r->act, pre, line, len, flags));
            char qe[160], qa[160];
            quote(qe, sizeof qe, st->pat.text, st->pat.len, 0);
            quote(qa, sizeof qa, line, len, flags);
            mismatch(r, st->loc, "%s: expected %s, got %s", st->session, qe, qa);
        }
        article_line(r, se->name, line, len);
        free(line);
        return;
    }
    if (se->overflow) {
        chk(r, scn_ts_addf(&r->act, "%s: more than %u bytes unread", st->session, RX_MAX));
        mismatch(r, st->loc, "%s: reply too large", st->session);
    } else if (got == 0) {
        chk(r, scn_ts_addf(&r->act, "%s: connection closed", st->session));
        real_linef(r, "%s: connection closed", st->session);
        mismatch(r, st->loc, "%s: connection closed, no reply", st->session);
    } else if (r->o->target) {
        chk(r, scn_ts_addf(&r->act, "%s: no reply within %d ms", st->session, r->timeout_ms));
        mismatch(r, st->loc, "%s: no reply within %d ms", st->session, r->timeout_ms);
    } else {
        chk(r, scn_ts_addf(&r->act, "%s: no reply", st->session));
        mismatch(r, st->loc, "%s: no reply", st->session);
    }
}

static void step_closed(struct run *r, const struct scn_step *st)
{
    chk(r, scn_ts_addf(&r->exp, "%s closed", st->session));
    struct sess *se = find_sess(r, st->session);
    if (!se) {
        chk(r, scn_ts_addf(&r->act, "%s: not connected", st->session));
        mismatch(r, st->loc, "%s: not connected", st->session);
        return;
    }
    /* Whatever still comes before the end is unexpected. */
    char *line;
    size_t len;
    unsigned flags;
    int got;
    while ((got = next_line(r, se, &line, &len, &flags)) == 1) {
        char pre[SCN_NAME_MAX + 8];
        snprintf(pre, sizeof pre, "%s < ", se->name);
        chk(r, scn_ts_add2(&r->act, pre, line, len, flags));
        real_line(r, pre, line, len, flags);
        article_line(r, se->name, line, len);
        char q[160];
        quote(q, sizeof q, line, len, flags);
        mismatch(r, st->loc, "%s: expected the connection closed, got %s", st->session, q);
        free(line);
    }
    real_linef(r, "%s %s", st->session, got == 0 ? "closed" : "still open");
    if (got == 0) {
        chk(r, scn_ts_addf(&r->act, "%s closed", st->session));
        article_line(r, se->name, "Connection closed by foreign host.", 34);
    } else {
        chk(r, scn_ts_addf(&r->act, "%s: still open", st->session));
        mismatch(r, st->loc, "%s: the connection is still open", st->session);
    }
    end_sess(se);
}

/* --- admin steps -------------------------------------------------------------- */

/* Splits out into lines (the last line end optional). */
static size_t split_output(char *out, size_t len, char ***lines_out)
{
    size_t n = 0, cap = 0;
    char **lines = NULL;
    char *p = out, *end = out + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        *e = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(lines, cap * sizeof *v);
            if (!v)
                break;
            lines = v;
        }
        lines[n++] = p;
        p = nl ? nl + 1 : end;
    }
    *lines_out = lines;
    return n;
}

static void show_output(struct run *r, char **lines, size_t n)
{
    for (size_t i = 0; i < n && i < SHOWN_OUTPUT_MAX; i++)
        chk(r, scn_ts_add2(&r->act, "| ", lines[i], strlen(lines[i]), 0));
    if (n > SHOWN_OUTPUT_MAX)
        chk(r, scn_ts_addf(&r->act, "| ... %zu more lines", n - SHOWN_OUTPUT_MAX));
}

/* Gives every machine of the lab the Exchange store image (what the
 * daemon does): machines come and go with admin steps. */
static void register_images(struct run *r)
{
    for (size_t i = 0; i < lab_machine_count(r->lab); i++) {
        struct machine *m = lab_machine_at(r->lab, i);
        if (!m->scm || !scm_find_image(m->scm, EXCHANGE_IMAGE))
            exchange_register(m); /* EIO: services.conf is broken; its commands say so */
    }
}

static void step_ntlab(struct run *r, const struct scn_step *st)
{
    /* Reports show the command with its passwords masked (mask.h). */
    struct buf cmd = BUF_INIT;
    chk(r, scn_mask_cmdline(&cmd, st->cmdline));
    const char *shown = cmd.p ? cmd.p : "";
    chk(r, scn_ts_add2(&r->exp, "$ ntlab ", shown, cmd.len, 0));
    chk(r, scn_ts_add2(&r->act, "$ ntlab ", shown, cmd.len, 0));
    if (r->o->want_transcript && !st->setup)
        chk(r, buf_printf(&r->article, "# ntlab %s\n", shown));
    char **argv = calloc((size_t)st->argc + 1, sizeof *argv);
    char *outbuf = NULL;
    size_t outlen = 0;
    FILE *out = NULL;
    struct plat_memstream ms = {0};
    int rc = -1;
    char path[4200] = "";
    if (!argv)
        goto oom;
    for (int i = 0; i < st->argc; i++)
        if (!(argv[i] = strdup(st->argv[i])))
            goto oom;
    if (st->heredoc) {
        /* The body becomes a file that the "-" argument names. */
        char sub[sizeof r->dir + 16];
        snprintf(sub, sizeof sub, "%s/.scenario", r->dir);
        plat_mkdir(sub, 0700);
        snprintf(path, sizeof path, "%.4150s/heredoc-%u.txt", sub, ++r->heredocs);
        int wr = afile_write(path, st->heredoc, st->heredoc_len, 0600);
        if (wr) {
            chk(r, scn_ts_addf(&r->act, "cannot write the here-doc: %s", strerror(wr)));
            mismatch(r, st->loc, "cannot write the here-doc %s: %s", path, strerror(wr));
            goto done;
        }
        free(argv[st->heredoc_arg]);
        if (!(argv[st->heredoc_arg] = strdup(path)))
            goto oom;
    }
    out = plat_memstream_open(&ms, &outbuf, &outlen);
    if (!out)
        goto oom;
    rc = r->o->admin->run(r->o->admin->arg, r->lab, r->lab ? r->dir : r->o->labdir, st->argc, argv,
                          out);
    plat_memstream_close(&ms);
    out = NULL;
    if (r->lab) {
        register_images(r);
        tick_all(r);
    }
    char **lines = NULL;
    size_t n = outbuf ? split_output(outbuf, outlen, &lines) : 0;
    real_line(r, "$ ntlab ", shown, cmd.len, 0);
    for (size_t i = 0; i < n; i++)
        real_line(r, "| ", lines[i], strlen(lines[i]), 0);
    if (rc != 0)
        real_linef(r, "exit %d", rc);

    if (st->exit_code != 0)
        chk(r, scn_ts_addf(&r->exp, "exit %d", st->exit_code));
    if (rc != 0 || st->exit_code != 0)
        chk(r, scn_ts_addf(&r->act, "exit %d", rc));
    if (rc != st->exit_code) {
        mismatch(r, st->loc, "ntlab %s exited %d, expected %d%s%s", st->argv[0], rc,
                 st->exit_code, n ? ": " : "", n ? lines[0] : "");
        if (!st->has_out)
            show_output(r, lines, n);
    }
    /* out lines: the whole output, line by line. */
    size_t oi = 0;
    for (size_t k = 0; k < st->nchecks; k++) {
        const struct scn_check *c = &st->checks[k];
        if (c->kind != SCN_CHECK_OUT)
            continue;
        chk(r, scn_ts_add2(&r->exp, "| ", c->pat.text, c->pat.len, 0));
        if (oi < n) {
            size_t l = strlen(lines[oi]);
            if (scn_pattern_match(&c->pat, lines[oi], l)) {
                chk(r, scn_ts_add2(&r->act, "| ", c->pat.text, c->pat.len, 0));
            } else {
                chk(r, scn_ts_add2(&r->act, "| ", lines[oi], l, 0));
                char qe[160], qa[160];
                quote(qe, sizeof qe, c->pat.text, c->pat.len, 0);
                quote(qa, sizeof qa, lines[oi], l, 0);
                mismatch(r, c->loc, "ntlab %s: output line %zu: expected %s, got %s",
                         st->argv[0], oi + 1, qe, qa);
            }
        } else {
            mismatch(r, c->loc, "ntlab %s: the output ended before this line", st->argv[0]);
        }
        oi++;
    }
    if (st->has_out && oi < n) {
        for (size_t i = oi; i < n; i++)
            chk(r, scn_ts_add2(&r->act, "| ", lines[i], strlen(lines[i]), 0));
        mismatch(r, st->loc, "ntlab %s: %zu more output line%s than expected", st->argv[0],
                 n - oi, n - oi == 1 ? "" : "s");
    }
    for (size_t k = 0; k < st->nchecks; k++) {
        const struct scn_check *c = &st->checks[k];
        if (c->kind == SCN_CHECK_OUT)
            continue;
        const char *kw = c->kind == SCN_CHECK_HAS ? "has " : "lacks ";
        chk(r, scn_ts_add2(&r->exp, kw, c->pat.text, c->pat.len, 0));
        size_t hit = n;
        for (size_t i = 0; i < n && hit == n; i++)
            if (scn_pattern_match(&c->pat, lines[i], strlen(lines[i])))
                hit = i;
        if (c->kind == SCN_CHECK_HAS && hit == n) {
            struct buf b = BUF_INIT;
            chk(r, buf_puts(&b, "has "));
            chk(r, buf_append(&b, c->pat.text, c->pat.len));
            chk(r, buf_puts(&b, " -- no such line in:"));
            if (b.p)
                chk(r, scn_ts_add(&r->act, b.p, b.len, 0));
            buf_free(&b);
            show_output(r, lines, n);
            char q[160];
            quote(q, sizeof q, c->pat.text, c->pat.len, 0);
            mismatch(r, c->loc, "ntlab %s: no output line matches %s", st->argv[0], q);
        } else if (c->kind == SCN_CHECK_LACKS && hit < n) {
            chk(r, scn_ts_add2(&r->act, "found: ", lines[hit], strlen(lines[hit]), 0));
            char q[160];
            quote(q, sizeof q, lines[hit], strlen(lines[hit]), 0);
            mismatch(r, c->loc, "ntlab %s: an output line matches: %s", st->argv[0], q);
        } else {
            chk(r, scn_ts_add2(&r->act, kw, c->pat.text, c->pat.len, 0));
        }
    }
    free(lines);
    goto done;
oom:
    r->oom = true;
done:
    if (out)
        plat_memstream_close(&ms);
    free(outbuf);
    for (int i = 0; argv && i < st->argc; i++)
        free(argv[i]);
    free(argv);
    buf_free(&cmd);
}

/* --- the scenario -------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void set_skip(struct scn_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_skip(struct scn_result *res, const char *fmt, ...)
{
    res->status = SCN_SKIP;
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    res->message = buf_steal(&b);
}

static int open_lab(struct run *r, const char *dir, bool fresh)
{
    char err[512] = "";
    if (fresh) {
        int e = plat_mkdir(dir, 0700);
        if (e != 0 && e != EEXIST) {
            snprintf(r->fail_msg, sizeof r->fail_msg, "cannot create %s: %s", dir, strerror(e));
            return -1;
        }
        char conf[4200];
        snprintf(conf, sizeof conf, "%s/lab.conf", dir);
        struct plat_stat st;
        if (plat_stat(conf, &st) == 0) {
            snprintf(r->fail_msg, sizeof r->fail_msg, "%s already holds a lab", dir);
            return -1;
        }
    }
    ntstatus st = lab_open(dir, true, &r->lab, err, sizeof err);
    if (st != STATUS_SUCCESS) {
        snprintf(r->fail_msg, sizeof r->fail_msg, "cannot create a lab in %s: %s", dir,
                 err[0] ? err : nterr_status_symbol(st) ? nterr_status_symbol(st) : "error");
        r->lab = NULL;
        return -1;
    }
    return 0;
}

static void finish(struct run *r)
{
    const struct scn *s = r->s;
    struct scn_result *res = r->res;
    if (r->oom && !r->failed)
        mismatch(r, (struct scn_loc){s->path, 0}, "out of memory");
    if (r->failed) {
        res->status = SCN_FAIL;
        struct buf w = BUF_INIT;
        if (r->fail_loc.line)
            buf_printf(&w, "%s:%u", r->fail_loc.file, r->fail_loc.line);
        else
            buf_printf(&w, "%s", r->fail_loc.file);
        res->where = buf_steal(&w);
        res->message = strdup(r->fail_msg);
        struct buf d = BUF_INIT;
        char label[4200];
        snprintf(label, sizeof label, "expected (%s)", s->path);
        if (scn_diff(&r->exp, &r->act, label, "actual", "", &d) == 0 && d.len)
            res->diff = buf_steal(&d);
        buf_free(&d);
    } else {
        res->status = SCN_PASS;
    }
    if (r->o->want_transcript)
        res->transcript = r->article.p ? buf_steal(&r->article) : strdup("");
    if (r->o->want_actual)
        res->actual = r->real.p ? buf_steal(&r->real) : strdup("");
}

void scn_run(const struct scn *s, const struct scn_run_opts *o, struct scn_result *res)
{
    memset(res, 0, sizeof *res);
    double t0 = mono_seconds();
    res->path = dup_or_null(s->path);
    res->title = dup_or_null(s->title);
    struct run *r = calloc(1, sizeof *r);
    if (!r) {
        res->status = SCN_FAIL;
        res->message = dup_or_null("out of memory");
        return;
    }
    r->s = s;
    r->o = o;
    r->res = res;
    r->timeout_ms = SCN_DEFAULT_TIMEOUT * 1000;
    pop3_config_default(&r->cfg);
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        r->sess[i].fd = -1;
    /* Article lines get a [session] prefix when there are several names. */
    const char *first = NULL;
    for (size_t i = 0; i < s->nsteps; i++) {
        if (s->steps[i].op != SCN_OP_OPEN)
            continue;
        if (first && strcmp(first, s->steps[i].session) != 0)
            r->multi = true;
        first = s->steps[i].session;
    }

    bool live = o->target != NULL;
    bool skip_setup = live; /* a live server's lab is set up already */
    if (o->prepare) {
        if (!s->has_begin) {
            mismatch(r, (struct scn_loc){s->path, 0},
                     "no 'begin' line: nothing marks the setup to prepare");
            goto out;
        }
        str_copy(r->dir, sizeof r->dir, o->prepare);
        if (open_lab(r, o->prepare, true)) {
            r->failed = true;
            r->fail_loc = (struct scn_loc){s->path, 0};
            goto out;
        }
        res->kept = strdup(o->prepare);
    } else if (live) {
        size_t needs = s->has_begin ? s->admin_steps_after_begin : s->admin_steps;
        if (needs && !o->labdir) {
            set_skip(res, "needs %zu admin step%s; %s has no control socket here (give --lab "
                          "DIR of the ntlab up serving it)",
                     needs, needs == 1 ? "" : "s", o->target);
            goto out_skip;
        }
        int rc = make_dir(r); /* for here-doc files */
        if (rc) {
            mismatch(r, (struct scn_loc){s->path, 0}, "cannot create a scratch directory: %s",
                     strerror(rc));
            goto out;
        }
    } else {
        int rc = make_dir(r);
        if (rc) {
            mismatch(r, (struct scn_loc){s->path, 0}, "cannot create a lab directory: %s",
                     strerror(rc));
            goto out;
        }
        if (open_lab(r, r->dir, false)) {
            r->failed = true;
            r->fail_loc = (struct scn_loc){s->path, 0};
            goto out;
        }
    }
    if (s->admin_steps && !o->admin) {
        mismatch(r, (struct scn_loc){s->path, 0}, "admin steps need an ntlab command runner");
        goto out;
    }

    for (size_t i = 0; i < s->nsteps && !r->oom; i++) {
        const struct scn_step *st = &s->steps[i];
        if (o->prepare && !st->setup)
            break;
        if (o->prepare && st->op != SCN_OP_NTLAB)
            continue; /* preparing builds the lab; sessions are for the run */
        if (st->op != SCN_OP_NTLAB && st->op != SCN_OP_TIMEOUT && st->op != SCN_OP_BEGIN)
            tick_all(r);
        switch (st->op) {
        case SCN_OP_BEGIN:
            break;
        case SCN_OP_TIMEOUT:
            r->timeout_ms = (int)st->timeout * 1000;
            break;
        case SCN_OP_NTLAB:
            if (skip_setup && st->setup)
                break;
            step_ntlab(r, st);
            break;
        case SCN_OP_OPEN:
            step_open(r, st);
            break;
        case SCN_OP_REFUSED:
            step_refused(r, st);
            break;
        case SCN_OP_CLOSE:
            step_close(r, st);
            break;
        case SCN_OP_SEND:
            step_send(r, st);
            break;
        case SCN_OP_EXPECT:
            step_expect(r, st);
            break;
        case SCN_OP_CLOSED:
            step_closed(r, st);
            break;
        }
    }
    /* Replies nobody expected, still waiting at the end. */
    tick_all(r);
    for (int i = 0; i < SCN_MAX_SESSIONS; i++) {
        struct sess *se = &r->sess[i];
        if (!se->used)
            continue;
        const struct scn_step *last = s->nsteps ? &s->steps[s->nsteps - 1] : NULL;
        flush_unexpected(r, se, last ? last->loc : (struct scn_loc){s->path, 0});
    }

out:
    finish(r);
out_skip:
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        if (r->sess[i].used)
            end_sess(&r->sess[i]);
    if (r->lab)
        lab_free(r->lab);
    if (r->have_dir) {
        if (o->keep && res->status == SCN_FAIL && !o->target)
            res->kept = strdup(r->dir);
        else
            scn_rmtree(r->dir);
    }
    scn_ts_free(&r->exp);
    scn_ts_free(&r->act);
    buf_free(&r->article);
    buf_free(&r->real);
    free(r);
    res->seconds = mono_seconds() - t0;
}

void scn_result_free(struct scn_result *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->title);
    free(r->where);
    free(r->message);
    free(r->diff);
    free(r->transcript);
    free(r->actual);
    free(r->kept);
    memset(r, 0, sizeof *r);
}

int scn_result_parse_error(struct scn_result *r, const char *path, const char *err)
{
    memset(r, 0, sizeof *r);
    r->status = SCN_FAIL;
    r->path = strdup(path);
    /* "FILE:LINE: problem" -> where = "FILE:LINE", message = "problem". */
    const char *sep = strstr(err, ": ");
    if (sep) {
        size_t wl = (size_t)(sep - err);
        r->where = malloc(wl + 1);
        if (r->where) {
            memcpy(r->where, err, wl);
            r->where[wl] = 0;
        }
        r->message = strdup(sep + 2);
    } else {
        r->message = strdup(err);
    }
    return r->message && r->path ? 0 : ENOMEM;
}

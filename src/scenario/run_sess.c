/* The POP3 sessions of a scenario run (runner.h): in-process on the lab's
 * Exchange store or over TCP to --target, and the steps that drive them
 * (open, refused, close, send, expect, closed); SMTP sessions (`smtp NAME`,
 * issue 18) in-process on the machine's IMS (src/net/smtplocal.h). */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/exchange/ims.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/scenario/diff.h"
#include "src/scenario/mask.h"
#include "src/scenario/ntlmstep.h"
#include "src/scenario/runner.h"
#include "src/scenario/scenario.h"
#include "src/scenario/tcp.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct scn_sess *find_sess(struct scn_runner *r, const char *name)
{
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        if (r->sess[i].used && strcmp(r->sess[i].name, name) == 0)
            return &r->sess[i];
    return NULL;
}

static struct scn_sess *new_sess(struct scn_runner *r, const char *name)
{
    for (int i = 0; i < SCN_MAX_SESSIONS; i++) {
        struct scn_sess *se = &r->sess[i];
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

/* In-process (POP3 on the store, or SMTP on the IMS), not over TCP. */
static bool local(const struct scn_sess *se)
{
    return se->es || se->sl;
}

static void end_sess(struct scn_sess *se)
{
    smtplocal_close(se->sl);
    pop3_session_drop(se->ps);
    exchange_session_close(se->es);
    scn_tcp_close(se->fd);
    buf_free(&se->rx);
    buf_free(&se->last);
    memset(se, 0, sizeof *se);
    se->fd = -1;
}

static void rx_add(struct scn_sess *se, const char *p, size_t len)
{
    if (se->rx.len + len > SCN_RX_MAX) {
        se->overflow = true;
        se->eof = true;
        return;
    }
    if (buf_append(&se->rx, p, len))
        se->overflow = true;
}

/* In-process: moves everything the engine has to say into rx. */
static void drain(struct scn_runner *r, struct scn_sess *se)
{
    if (se->sl) {
        int64_t now = lab_clock_now(r->lab);
        size_t len = 0;
        const char *p;
        while (!se->overflow && (p = smtplocal_output(se->sl, &len)) && len) {
            rx_add(se, p, len);
            smtplocal_consume(se->sl, len, now);
        }
        if (smtplocal_closed(se->sl))
            se->eof = true;
        return;
    }
    if (!se->ps)
        return;
    struct pop3_session *ps = se->ps;
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
void scn_run_tick(struct scn_runner *r)
{
    if (!r->lab)
        return;
    int64_t now = lab_clock_now(r->lab);
    for (int i = 0; i < SCN_MAX_SESSIONS; i++) {
        struct scn_sess *se = &r->sess[i];
        if (se->used && se->sl && !se->eof && now >= smtplocal_deadline(se->sl)) {
            smtplocal_tick(se->sl, now);
            drain(r, se);
        }
        if (!se->used || !se->ps || se->eof)
            continue;
        struct pop3_session *ps = se->ps;
        if (now >= pop3_session_deadline(ps))
            pop3_session_tick(ps, now);
        drain(r, se);
    }
}

/* Over TCP: reads what arrived, waiting up to wait_ms for something. */
static void tcp_fill(struct scn_sess *se, int wait_ms)
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
static int take_line(struct scn_sess *se, char **line, size_t *len, unsigned *flags)
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
static int next_line(struct scn_runner *r, struct scn_sess *se, char **line, size_t *len,
                     unsigned *flags)
{
    if (local(se)) {
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

/* A received line that no step expected: it goes to the actual
 * transcript, -v and the article, its quote to q; line is freed. */
static void unexpected_line(struct scn_runner *r, struct scn_sess *se, char *line, size_t len,
                            unsigned flags, char *q, size_t qlen)
{
    char pre[SCN_NAME_MAX + 8];
    snprintf(pre, sizeof pre, "%s < ", se->name);
    scn_run_chk(r, scn_ts_add2(&r->act, pre, line, len, flags));
    scn_run_real_line(r, pre, line, len, flags);
    scn_run_article_line(r, se->name, line, len);
    scn_run_quote(q, qlen, line, len, flags);
    free(line);
}

/* Lines that arrived and that no step expected: shown as extra lines. */
static void flush_unexpected(struct scn_runner *r, struct scn_sess *se, struct scn_loc loc)
{
    if (local(se))
        drain(r, se);
    else
        tcp_fill(se, 0);
    char *line;
    size_t len;
    unsigned flags;
    while (take_line(se, &line, &len, &flags)) {
        char q[160];
        unexpected_line(r, se, line, len, flags, q, sizeof q);
        scn_run_got(r, line, len, flags);
        scn_run_mismatch(r, loc, "%s: unexpected reply line %s", se->name, q);
    }
}

/* Whether m has a service running the Exchange store image (started or not). */
static bool has_store(struct machine *m)
{
    struct scm *scm = machine_scm(m);
    for (size_t k = 0; scm && k < scm_count(scm); k++)
        if (str_ieq(scm_at(scm, k)->image, EXCHANGE_IMAGE))
            return true;
    return false;
}

static struct machine *store_machine(struct scn_runner *r, const char *name)
{
    if (name[0])
        return lab_machine_find(r->lab, name);
    struct machine *configured = NULL;
    for (size_t i = 0; i < lab_machine_count(r->lab); i++) {
        struct machine *m = lab_machine_at(r->lab, i);
        if (exchange_running(m))
            return m;
        if (!configured && has_store(m))
            configured = m;
    }
    return configured;
}

/* Connects: 0 and *se filled, or an errno value with a text for the
 * transcript in why. */
/* An SMTP session on the machine's IMS: in-process, or over TCP to
 * --target-smtp. */
static int connect_smtp(struct scn_runner *r, const char *machine, struct scn_sess *se, char *why,
                        size_t whylen)
{
    if (r->o->target) {
        int fd = -1;
        int rc = r->o->target_smtp ? scn_tcp_connect(r->o->target_smtp, r->timeout_ms, &fd)
                                   : ENOTSUP;
        if (rc) {
            snprintf(why, whylen, "%s",
                     rc == ENOTSUP        ? "an SMTP session needs --target-smtp HOST:PORT"
                     : rc == ECONNREFUSED ? "connection refused"
                                          : strerror(rc));
            return rc;
        }
        se->fd = fd;
        char host[SCN_HOST_MAX], port[8];
        if (scn_tcp_split(r->o->target_smtp, host, port, 0) == 0)
            snprintf(se->peer, sizeof se->peer, "%s %s", host, port);
        return 0;
    }
    struct machine *m = machine[0] ? lab_machine_find(r->lab, machine) : NULL;
    for (size_t i = 0; !machine[0] && !m && i < lab_machine_count(r->lab); i++)
        if (ims_service(lab_machine_at(r->lab, i)))
            m = lab_machine_at(r->lab, i);
    int rc = m ? smtplocal_open(m, "127.0.0.1", 0, lab_clock_now(r->lab), &se->sl) : ENOENT;
    if (rc) {
        snprintf(why, whylen, "%s",
                 rc == ECONNREFUSED ? "connection refused (no Internet Mail Service runs there)"
                 : !m               ? "no machine with a running Internet Mail Service"
                                    : strerror(rc));
        return rc;
    }
    snprintf(se->peer, sizeof se->peer, "%s 25", machine_name(m));
    drain(r, se);
    return 0;
}

static int connect_sess(struct scn_runner *r, const char *machine, struct scn_sess *se, char *why,
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
        snprintf(why, whylen,
                 machine[0] ? "no machine %s in the lab"
                            : "no machine in the lab has an Exchange store%s",
                 machine);
        return ENOENT;
    }
    int rc = exchange_session_open(m, &se->es);
    if (rc == 0) /* an in-process session is the lab host's own: a loopback client */
        exchange_session_set_client(se->es, "127.0.0.1");
    if (rc == 0) {
        const struct pop3_backend be = {&exchange_logon_ops, se->es, NULL, NULL};
        se->cfg = r->cfg;
        se->cfg.host = machine_name(m);
        se->ps = pop3_session_new(exchange_session_persona(se->es), &be, &se->cfg,
                                  lab_clock_now(r->lab), ++r->nonce);
        rc = se->ps ? 0 : ENOMEM;
    }
    if (rc) {
        exchange_session_close(se->es);
        se->es = NULL;
        /* In-process the cause is known: say where to look for it. */
        if (rc == ECONNREFUSED && !has_store(m))
            snprintf(why, whylen, "connection refused (%s has no Exchange store service)",
                     machine_name(m));
        else if (rc == ECONNREFUSED)
            snprintf(why, whylen, "connection refused (the Exchange store on %s is not running: "
                     "see ntlab eventlog --log system --machine %s)", machine_name(m), machine_name(m));
        else
            snprintf(why, whylen, "%s", strerror(rc));
        return rc;
    }
    snprintf(se->peer, sizeof se->peer, "%s 110", machine_name(m));
    drain(r, se);
    return 0;
}

static void step_open(struct scn_runner *r, const struct scn_step *st)
{
    scn_run_chk(r, scn_ts_addf(&r->exp, "open %s", st->session));
    struct scn_sess *se = find_sess(r, st->session);
    if (se) /* closed by the server and opened again: the old one is done */
        end_sess(se);
    se = new_sess(r, st->session);
    if (!se) {
        scn_run_chk(r, scn_ts_addf(&r->act, "open %s: too many sessions", st->session));
        scn_run_mismatch(r, st->loc, "%s: more than %d sessions", st->session, SCN_MAX_SESSIONS);
        return;
    }
    char why[256];
    if (st->smtp ? connect_smtp(r, st->machine, se, why, sizeof why)
                 : connect_sess(r, st->machine, se, why, sizeof why)) {
        scn_run_chk(r, scn_ts_addf(&r->act, "open %s: %s", st->session, why));
        scn_run_real_linef(r, "open %s: %s", st->session, why);
        scn_run_mismatch(r, st->loc, "%s: %s", st->session, why);
        /* Stays known by name, so that its later steps are skipped: each
         * would fail as "not connected", a follow-on of this one cause. */
        se->eof = true;
        se->never_opened = true;
        return;
    }
    scn_run_chk(r, scn_ts_addf(&r->act, "open %s", st->session));
    scn_run_real_linef(r, "open %s (%s)", st->session, se->peer);
    char tl[SCN_HOST_MAX + 32];
    int n = snprintf(tl, sizeof tl, "Telnet %s", se->peer);
    scn_run_article_line(r, st->session, tl, n > 0 ? (size_t)n : 0);
}

static void step_refused(struct scn_runner *r, const struct scn_step *st)
{
    scn_run_chk(r, scn_ts_addf(&r->exp, "refused%s%s", st->machine[0] ? " " : "", st->machine));
    struct scn_sess tmp = {.fd = -1};
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
    scn_run_real_linef(r, "refused%s%s: %s", st->machine[0] ? " " : "", st->machine,
                       refused ? "refused"
                       : rc    ? why
                               : "accepted");
    if (refused) {
        scn_run_chk(r, scn_ts_addf(&r->act, "refused%s%s", st->machine[0] ? " " : "", st->machine));
    } else if (rc) {
        scn_run_chk(r, scn_ts_addf(&r->act, "refused%s%s: %s", st->machine[0] ? " " : "",
                                   st->machine, why));
        scn_run_mismatch(r, st->loc, "connection failed otherwise than refused: %s", why);
    } else {
        char *line = NULL;
        size_t len = 0;
        unsigned flags = 0;
        if (tmp.es)
            drain(r, &tmp);
        take_line(&tmp, &line, &len, &flags);
        scn_run_chk(r, scn_ts_add2(&r->act, "connected, greeted: ", line ? line : "", len, flags));
        scn_run_mismatch(r, st->loc, "the connection was accepted, not refused");
        free(line);
    }
    end_sess(&tmp);
}

static void step_close(struct scn_runner *r, const struct scn_step *st)
{
    struct scn_sess *se = find_sess(r, st->session);
    if (se)
        flush_unexpected(r, se, st->loc);
    scn_run_chk(r, scn_ts_addf(&r->exp, "close %s", st->session));
    scn_run_chk(r, scn_ts_addf(&r->act, "close %s", st->session));
    scn_run_real_linef(r, "close %s", st->session);
    if (se)
        end_sess(se);
}

static void step_send(struct scn_runner *r, const struct scn_step *st)
{
    struct scn_sess *se = find_sess(r, st->session);
    if (se)
        flush_unexpected(r, se, st->loc);
    size_t tl = st->len - (st->bare_lf ? 1 : 2);
    char pre[SCN_NAME_MAX + 8];
    snprintf(pre, sizeof pre, "%s %s ", st->session, st->bare_lf ? ">lf" : ">");
    /* Every report shows the line with its secret masked; the real bytes
     * are sent. A {{ntlm ...}} line is computed here (ntlmstep.h). */
    struct buf shown = BUF_INIT, gen = BUF_INIT;
    const char *data = st->data;
    size_t dlen = st->len;
    if (scn_ntlm_is(st->data, tl)) {
        char err[160];
        const char *last = se && se->last.p ? se->last.p : "";
        int rc = scn_ntlm_line(st->data, tl, last, se ? se->last.len : 0, &gen, &shown, err,
                               sizeof err);
        if (rc == ENOMEM)
            scn_run_chk(r, rc);
        if (rc) {
            scn_run_chk(r, scn_ts_addf(&r->act, "%s: %s", st->session, err));
            scn_run_mismatch(r, st->loc, "%s: %s", st->session, err);
            buf_free(&shown);
            buf_free(&gen);
            return;
        }
        data = gen.p;
        dlen = gen.len;
    } else {
        scn_run_chk(r, scn_mask_client(se ? &se->mask : NULL, &shown, st->data, tl));
    }
    const char *sp = shown.p ? shown.p : "";
    scn_run_chk(r, scn_ts_add2(&r->exp, pre, sp, shown.len, 0));
    scn_run_chk(r, scn_ts_add2(&r->act, pre, sp, shown.len, 0));
    scn_run_real_line(r, pre, sp, shown.len, 0);
    if (!se || (!local(se) && se->fd < 0)) {
        buf_free(&shown);
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: not connected", st->session));
        scn_run_mismatch(r, st->loc, "%s: not connected, cannot send", st->session);
        buf_free(&gen);
        return;
    }
    if (se->eof) {
        buf_free(&shown);
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: connection closed", st->session));
        scn_run_mismatch(r, st->loc, "%s: the server closed the connection, cannot send",
                         st->session);
        buf_free(&gen);
        return;
    }
    scn_run_article_line(r, se->name, sp, shown.len);
    buf_free(&shown);
    if (se->fd >= 0) {
        int rc = scn_tcp_send_all(se->fd, data, dlen);
        if (rc) {
            scn_run_chk(r, scn_ts_addf(&r->act, "%s: send failed: %s", st->session, strerror(rc)));
            scn_run_mismatch(r, st->loc, "%s: send failed: %s", st->session, strerror(rc));
        }
        buf_free(&gen);
        return;
    }
    struct pop3_session *ps = se->ps;
    size_t off = 0;
    int stuck = 0;
    while (off < dlen && stuck < 2) {
        size_t n = se->sl ? smtplocal_input(se->sl, data + off, dlen - off, lab_clock_now(r->lab))
                          : pop3_session_input(ps, data + off, dlen - off, lab_clock_now(r->lab));
        off += n;
        drain(r, se);
        stuck = n == 0 ? stuck + 1 : 0;
    }
    if (off < dlen) {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: the server took only %zu of %zu bytes",
                                   st->session, off, dlen));
        scn_run_mismatch(r, st->loc, "%s: the server stopped taking input", st->session);
    }
    buf_free(&gen);
}

static void step_expect(struct scn_runner *r, const struct scn_step *st)
{
    /* The line end is a flag (shown as \n or <EOF> when not CRLF), so that
     * a line whose bytes agree but whose end differs says just that. */
    char pre[SCN_NAME_MAX + 8];
    snprintf(pre, sizeof pre, "%s < ", st->session);
    unsigned want = st->bare_lf ? SCN_TL_BARE_LF : 0;
    scn_run_chk(r, scn_ts_add_pat(&r->exp, pre, &st->pat, want));
    struct scn_sess *se = find_sess(r, st->session);
    if (!se || (!local(se) && se->fd < 0 && se->rx.len == 0)) {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: not connected", st->session));
        scn_run_mismatch(r, st->loc, "%s: not connected, no reply to expect", st->session);
        return;
    }
    char *line = NULL;
    size_t len = 0;
    unsigned flags = 0;
    int got = next_line(r, se, &line, &len, &flags);
    if (got == 1) {
        buf_reset(&se->last);
        scn_run_chk(r, buf_append(&se->last, line, len));
        scn_run_real_line(r, pre, line, len, flags);
        if (flags == want && scn_pattern_match(&st->pat, line, len)) {
            scn_run_chk(r, scn_ts_add2(&r->act, pre, st->pat.text, st->pat.len, want));
        } else {
            scn_run_chk(r, scn_ts_add2(&r->act, pre, line, len, flags));
            char qe[160], qa[160];
            scn_run_quote(qe, sizeof qe, st->pat.text, st->pat.len, 0);
            scn_run_quote(qa, sizeof qa, line, len, flags);
            scn_run_got(r, line, len, flags);
            scn_run_mismatch(r, st->loc, "%s: expected %s, got %s", st->session, qe, qa);
        }
        scn_run_article_line(r, se->name, line, len);
        free(line);
        return;
    }
    if (se->overflow) {
        scn_run_chk(r,
                    scn_ts_addf(&r->act, "%s: more than %u bytes unread", st->session, SCN_RX_MAX));
        scn_run_mismatch(r, st->loc, "%s: reply too large", st->session);
    } else if (got == 0) {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: connection closed", st->session));
        scn_run_real_linef(r, "%s: connection closed", st->session);
        scn_run_mismatch(r, st->loc, "%s: connection closed, no reply", st->session);
    } else if (r->o->target) {
        scn_run_chk(r,
                    scn_ts_addf(&r->act, "%s: no reply within %d ms", st->session, r->timeout_ms));
        scn_run_mismatch(r, st->loc, "%s: no reply within %d ms", st->session, r->timeout_ms);
    } else {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: no reply", st->session));
        scn_run_mismatch(r, st->loc, "%s: no reply", st->session);
    }
}

static void step_closed(struct scn_runner *r, const struct scn_step *st)
{
    scn_run_chk(r, scn_ts_addf(&r->exp, "%s closed", st->session));
    struct scn_sess *se = find_sess(r, st->session);
    if (!se) {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: not connected", st->session));
        scn_run_mismatch(r, st->loc, "%s: not connected", st->session);
        return;
    }
    /* Whatever still comes before the end is unexpected. */
    char *line;
    size_t len;
    unsigned flags;
    int got;
    while ((got = next_line(r, se, &line, &len, &flags)) == 1) {
        char q[160];
        unexpected_line(r, se, line, len, flags, q, sizeof q);
        scn_run_got(r, line, len, flags);
        scn_run_mismatch(r, st->loc, "%s: expected the connection closed, got %s", st->session, q);
    }
    scn_run_real_linef(r, "%s %s", st->session, got == 0 ? "closed" : "still open");
    if (got == 0) {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s closed", st->session));
        scn_run_article_line(r, se->name, "Connection closed by foreign host.", 34);
    } else {
        scn_run_chk(r, scn_ts_addf(&r->act, "%s: still open", st->session));
        scn_run_mismatch(r, st->loc, "%s: the connection is still open", st->session);
    }
    end_sess(se);
}

/* One row per session operation; the others are run.c's and run_admin.c's. */
static void (*const session_steps[])(struct scn_runner *, const struct scn_step *) = {
    [SCN_OP_OPEN] = step_open, [SCN_OP_REFUSED] = step_refused, [SCN_OP_CLOSE] = step_close,
    [SCN_OP_SEND] = step_send, [SCN_OP_EXPECT] = step_expect,   [SCN_OP_CLOSED] = step_closed,
};

void scn_run_session_step(struct scn_runner *r, const struct scn_step *st)
{
    size_t op = (size_t)st->op;
    if (st->op != SCN_OP_OPEN && st->op != SCN_OP_REFUSED) {
        struct scn_sess *se = find_sess(r, st->session);
        if (se && se->never_opened) {
            if (st->op == SCN_OP_CLOSE || st->op == SCN_OP_CLOSED)
                end_sess(se); /* the name may be opened again */
            return;
        }
    }
    if (op < sizeof session_steps / sizeof session_steps[0] && session_steps[op])
        session_steps[op](r, st);
}

void scn_run_flush_sessions(struct scn_runner *r, struct scn_loc loc)
{
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        if (r->sess[i].used)
            flush_unexpected(r, &r->sess[i], loc);
}

void scn_run_end_sessions(struct scn_runner *r)
{
    for (int i = 0; i < SCN_MAX_SESSIONS; i++)
        if (r->sess[i].used)
            end_sess(&r->sess[i]);
}

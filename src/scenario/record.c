/* The recording proxy behind `ntlab record`. */
#include "src/scenario/record.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include "src/scenario/scenario.h"
#include "src/scenario/tcp.h"
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARTIAL_MAX SCN_LINE_MAX /* a line longer than this is cut into pieces */

struct conn {
    bool used;
    int id;
    int cfd, ufd;
    struct buf cin, sin; /* partial lines from the client / the server */
    bool greeted;
};

struct rec {
    const struct scn_record_opts *o;
    struct buf body;
    int next_id;
    size_t ended;
    struct conn c[SCN_RECORD_MAX_CONNS];
};

/* Is text[i..] an APOP timestamp "<local@host>" (RFC 1939 §7)? Returns its length. */
static size_t apop_stamp(const char *t, size_t i, size_t len)
{
    if (t[i] != '<')
        return 0;
    bool at = false;
    for (size_t j = i + 1; j < len; j++) {
        char c = t[j];
        if (c == '>')
            return at && j > i + 2 ? j - i + 1 : 0;
        if (c == '@')
            at = true;
        else if (c == '<' || c == ' ' || c == '\t' || (unsigned char)c < 0x20)
            return 0;
    }
    return 0;
}

int scn_record_line(struct buf *out, const char *sess, int from_server, const char *line,
                    size_t len, int bare_lf, int greeting)
{
    if (!from_server && memchr(line, 0, len))
        return buf_printf(out, "# %s sent a line holding a NUL byte (not replayable)\n", sess);
    int rc = buf_printf(out, "%s %s", sess, from_server ? (bare_lf ? "<lf" : "<")
                                                       : (bare_lf ? ">lf" : ">"));
    if (rc == 0 && len)
        rc = buf_putc(out, ' ');
    for (size_t i = 0; rc == 0 && i < len; i++) {
        size_t n;
        if (!from_server) {
            rc = buf_putc(out, line[i]);
        } else if (line[i] == '{' && i + 1 < len && line[i + 1] == '{') {
            rc = buf_puts(out, "{{\\{\\{}}");
            i++;
        } else if (greeting && (n = apop_stamp(line, i, len)) > 0) {
            rc = buf_puts(out, "{{<[^>]*>}}");
            i += n - 1;
        } else if (line[i] == 0) {
            rc = buf_puts(out, "{{.}}");
        } else if (line[i] == '\r' && i + 1 == len) {
            rc = buf_puts(out, "{{\r}}"); /* a trailing CR would be read as a line end */
        } else {
            rc = buf_putc(out, line[i]);
        }
    }
    if (rc == 0)
        rc = buf_putc(out, '\n');
    return rc;
}

static void logf_(const struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const struct rec *r, const char *fmt, ...)
{
    if (!r->o->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->o->log, fmt, ap);
    va_end(ap);
    fputc('\n', r->o->log);
    fflush(r->o->log);
}

static int save(struct rec *r)
{
    struct buf f = BUF_INIT;
    time_t now = time(NULL);
    struct tm tm;
    plat_gmtime(&now, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    int rc = buf_printf(&f,
                        "# Recorded by ntlab record on %s: clients of %s relayed to %s.\n"
                        "# Replay with: ntlab run --target %s FILE\n"
                        "title Recorded POP3 session%s with %s\n"
                        "tags recorded\n\n",
                        when, r->o->listen ? r->o->listen : SCN_RECORD_DEFAULT_LISTEN,
                        r->o->upstream, r->o->upstream, r->next_id > 2 ? "s" : "",
                        r->o->upstream);
    if (rc == 0 && r->body.len)
        rc = buf_append(&f, r->body.p, r->body.len);
    if (rc == 0)
        rc = afile_write(r->o->out_path, f.p, f.len, 0644);
    buf_free(&f);
    return rc;
}

/* Emits the complete lines in b as scenario lines; at_eof: also the rest. */
static void lines_out(struct rec *r, struct conn *c, struct buf *b, bool from_server, bool at_eof)
{
    char sess[16];
    snprintf(sess, sizeof sess, "s%d", c->id);
    for (;;) {
        char *nl = b->len ? memchr(b->p, '\n', b->len) : NULL;
        size_t len, used;
        bool bare = false;
        if (nl) {
            len = (size_t)(nl - b->p);
            used = len + 1;
            if (len > 0 && b->p[len - 1] == '\r')
                len--;
            else
                bare = true;
        } else if (b->len > PARTIAL_MAX || (at_eof && b->len)) {
            /* No line end: the format has no way to say so; note it. */
            buf_printf(&r->body, "# %s: %zu bytes without a line end follow\n", sess, b->len);
            len = used = b->len > PARTIAL_MAX ? PARTIAL_MAX : b->len;
        } else {
            return;
        }
        scn_record_line(&r->body, sess, from_server, b->p, len, bare,
                        from_server && !c->greeted);
        if (from_server)
            c->greeted = true;
        buf_consume(b, used);
    }
}

static void end_conn(struct rec *r, struct conn *c, bool server_closed)
{
    lines_out(r, c, &c->sin, true, true);
    lines_out(r, c, &c->cin, false, true);
    if (server_closed)
        buf_printf(&r->body, "s%d closed\n", c->id);
    else
        buf_printf(&r->body, "close s%d\n", c->id);
    scn_tcp_close(c->cfd);
    scn_tcp_close(c->ufd);
    buf_free(&c->cin);
    buf_free(&c->sin);
    logf_(r, "s%d ended (%s)", c->id, server_closed ? "the server closed" : "the client closed");
    memset(c, 0, sizeof *c);
    r->ended++;
    int rc = save(r);
    if (rc)
        logf_(r, "ntlab record: cannot write %s: %s", r->o->out_path, strerror(rc));
}

/* Relays what fd has to the other side; false at EOF or error. */
static bool relay(struct rec *r, struct conn *c, bool from_server)
{
    char tmp[16384];
    int from = from_server ? c->ufd : c->cfd, to = from_server ? c->cfd : c->ufd;
    ssize_t n = scn_tcp_recv(from, tmp, sizeof tmp);
    if (n <= 0)
        return false;
    struct buf *b = from_server ? &c->sin : &c->cin;
    buf_append(b, tmp, (size_t)n);
    /* Lines are written when complete, so both directions interleave in
     * the order the proxy saw them. */
    lines_out(r, c, b, from_server, false);
    return scn_tcp_send_all(to, tmp, (size_t)n) == 0;
}

/* Takes a new client and connects it upstream (one refused beyond
 * SCN_RECORD_MAX_CONNS; an upstream that refuses is recorded as refused). */
static void accept_client(struct rec *r, int lfd)
{
    const struct scn_record_opts *o = r->o;
    int cfd = plat_accept(lfd, NULL, NULL, PLAT_SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    int slot = -1;
    for (int i = 0; i < SCN_RECORD_MAX_CONNS && slot < 0; i++)
        if (!r->c[i].used)
            slot = i;
    if (slot < 0) {
        logf_(r, "ntlab record: more than %d connections; one refused", SCN_RECORD_MAX_CONNS);
        scn_tcp_close(cfd);
        return;
    }
    int ufd;
    int crc = scn_tcp_connect(o->upstream, 5000, &ufd);
    if (crc) {
        logf_(r, "ntlab record: cannot reach %s: %s", o->upstream, strerror(crc));
        if (crc == ECONNREFUSED)
            buf_printf(&r->body, "refused\n");
        scn_tcp_close(cfd);
        r->ended++;
        save(r);
        return;
    }
    struct conn *c = &r->c[slot];
    memset(c, 0, sizeof *c);
    c->used = true;
    c->id = r->next_id++;
    c->cfd = cfd;
    c->ufd = ufd;
    buf_printf(&r->body, "%sopen s%d\n", r->body.len ? "\n" : "", c->id);
    logf_(r, "s%d: a client connected", c->id);
}

/* Relays what the connections have (pfd: their upstream and client
 * descriptors, in pairs); the server side first: its reply precedes what
 * the client sends next. */
static void relay_ready(struct rec *r, const struct plat_pollfd *pfd)
{
    for (int i = 0; i < SCN_RECORD_MAX_CONNS; i++) {
        struct conn *c = &r->c[i];
        if (!c->used)
            continue;
        if (pfd[2 * i].revents & (PLAT_POLLIN | PLAT_POLLHUP | PLAT_POLLERR)) {
            if (!relay(r, c, true)) {
                end_conn(r, c, true);
                continue;
            }
        }
        if (pfd[1 + 2 * i].revents & (PLAT_POLLIN | PLAT_POLLHUP | PLAT_POLLERR)) {
            if (!relay(r, c, false))
                end_conn(r, c, false);
        }
    }
}

int scn_record(const struct scn_record_opts *o, char *err, size_t errlen)
{
    const char *laddr = o->listen ? o->listen : SCN_RECORD_DEFAULT_LISTEN;
    char host[SCN_HOST_MAX], port[8];
    if (scn_tcp_split(o->upstream, host, port, 0)) {
        snprintf(err, errlen, "bad upstream address '%s' (HOST:PORT)", o->upstream);
        return EINVAL;
    }
    int lfd;
    char bound[SCN_HOST_MAX + 16];
    int rc = scn_tcp_listen(laddr, &lfd, bound, sizeof bound);
    if (rc) {
        snprintf(err, errlen, "cannot listen on %s: %s", laddr, strerror(rc));
        return rc;
    }
    struct rec *r = calloc(1, sizeof *r);
    if (!r) {
        scn_tcp_close(lfd);
        return ENOMEM;
    }
    r->o = o;
    r->next_id = 1;
    rc = save(r); /* fail early when the file cannot be written */
    if (rc) {
        snprintf(err, errlen, "cannot write %s: %s", o->out_path, strerror(rc));
        scn_tcp_close(lfd);
        free(r);
        return rc;
    }
    logf_(r, "ntlab record: listening on %s, relaying to %s, writing %s", bound, o->upstream,
          o->out_path);
    struct plat_stop stopper = {.fd = -1, .aux = -1};
    if (o->stop_on_request && plat_stop_open(&stopper) != 0)
        stopper.fd = -1;
    enum { NFIXED = 2 };
    struct plat_pollfd pfd[NFIXED + 2 * SCN_RECORD_MAX_CONNS];
    bool stop = false;
    while (!stop && (o->max_sessions == 0 || r->ended < o->max_sessions)) {
        size_t np = 0;
        pfd[np++] = (struct plat_pollfd){.fd = lfd, .events = PLAT_POLLIN};
        pfd[np++] = (struct plat_pollfd){.fd = stopper.fd, .events = PLAT_POLLIN};
        for (int i = 0; i < SCN_RECORD_MAX_CONNS; i++) {
            pfd[np++] = (struct plat_pollfd){.fd = r->c[i].used ? r->c[i].ufd : -1,
                                             .events = PLAT_POLLIN};
            pfd[np++] = (struct plat_pollfd){.fd = r->c[i].used ? r->c[i].cfd : -1,
                                             .events = PLAT_POLLIN};
        }
        int n = plat_poll(pfd, np, -1);
        if (n < 0) {
            if (errno != EINTR)
                stop = true;
            continue;
        }
        if (stopper.fd >= 0 && (pfd[1].revents & PLAT_POLLIN)) {
            char why[32];
            if (plat_stop_take(&stopper, why, sizeof why) == 1) {
                logf_(r, "ntlab record: %s: stopping", why);
                stop = true;
                continue;
            }
        }
        relay_ready(r, pfd + NFIXED);
        if (pfd[0].revents & PLAT_POLLIN)
            accept_client(r, lfd);
    }
    /* Connections still open end here, as the client's. */
    for (int i = 0; i < SCN_RECORD_MAX_CONNS; i++)
        if (r->c[i].used)
            end_conn(r, &r->c[i], false);
    rc = save(r);
    if (rc)
        snprintf(err, errlen, "cannot write %s: %s", o->out_path, strerror(rc));
    else
        logf_(r, "ntlab record: %d connection%s recorded in %s", r->next_id - 1,
              r->next_id == 2 ? "" : "s", o->out_path);
    if (stopper.fd >= 0)
        plat_stop_close(&stopper);
    scn_tcp_close(lfd);
    buf_free(&r->body);
    free(r);
    return rc;
}

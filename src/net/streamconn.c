/* Stream connections (streamconn.h): the part of pop3conn.c and
 * smtpconn.c that does not depend on the protocol. */
#include "src/net/streamconn.h"
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/lib/plat.h"
#include "src/net/ratelimit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 4096u   /* one read per event; the engine buffers the rest */
#define DRAIN_TIMEOUT_S 30 /* a finished session whose client stops reading */

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

_Static_assert(PLAT_EV_IN <= UINT16_MAX && PLAT_EV_OUT <= UINT16_MAX &&
                   PLAT_EV_RDHUP <= UINT16_MAX, "epoll interest in streamconn.events");

static void ep_mod(struct server *s, struct streamconn *c, uint32_t ev)
{
    if (c->events == ev)
        return;
    if (plat_ev_mod(s->ep, c->h.o.fd, ev, c) == 0)
        c->events = (uint16_t)ev;
}

/* up --record: what went over the socket, one record per read or send
 * (daemon.h's tape). Out of memory or past the bound, the tape says it is
 * cut rather than failing the session. */
static void tape_add(struct streamconn *c, char dir, const char *p, size_t n)
{
    if (!c->tape || c->tape_full)
        return;
    unsigned char hd[5] = {(unsigned char)dir, (unsigned char)n, (unsigned char)(n >> 8),
                           (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
    if (c->tape->len + sizeof hd + n > DAEMON_TAPE_MAX || buf_reserve(c->tape, sizeof hd + n)) {
        c->tape_full = true;
        return;
    }
    (void)buf_append(c->tape, hd, sizeof hd);
    (void)buf_append(c->tape, p, n);
}

/* Hands the ended session's tape to the recorder. */
static void tape_end(struct server *s, struct streamconn *c)
{
    const struct streamconn_ops *ops = c->h.o.kind->stream;
    if (!c->tape)
        return;
    if (server_recording(s)) {
        struct daemon_session_rec r = {.smtp = ops->word[0] != '\0',
                                       .machine = machine_name(c->h.l->m),
                                       .tape = c->tape->p ? c->tape->p : "",
                                       .len = c->tape->len,
                                       .truncated = c->tape_full,
                                       .server_closed = ops->closed(c->eng) && !s->stopping};
        char err[300] = "";
        int e = s->cfg->record->session(s->cfg->record->arg, &r, err, sizeof err);
        if (e)
            server_record_failed(s, e, err);
    }
    buf_free(c->tape);
    free(c->tape);
    c->tape = NULL;
}

void streamconn_close(struct server *s, struct server_conn *h, const char *why)
{
    const struct streamconn_ops *ops = h->o.kind->stream;
    struct streamconn *c = (struct streamconn *)h;
    if (why)
        LOG(s, "#%llu %s", (unsigned long long)c->id, why);
    tape_end(s, c);
    ops->drop(c); /* may log through the kind's events: c still valid */
    listener_conn_unlink(s, h);
    plat_sock_close(h->o.fd);
    s->nfds -= c->fds;
    free(c->pend);
    free(c);
}

static void pend_clear(struct streamconn *c)
{
    free(c->pend);
    c->pend = NULL;
    c->pend_len = 0;
}

static void feed_pending(struct streamconn *c, int64_t now)
{
    const struct streamconn_ops *ops = c->h.o.kind->stream;
    size_t n = ops->input(c->eng, c->pend, c->pend_len, now);
    if (n >= c->pend_len) {
        pend_clear(c);
    } else if (n) {
        memmove(c->pend, c->pend + n, c->pend_len - n);
        c->pend_len -= (uint32_t)n;
    }
}

void streamconn_pump(struct server *s, struct server_conn *h)
{
    const struct streamconn_ops *ops = h->o.kind->stream;
    struct streamconn *c = (struct streamconn *)h;
    void *eng = c->eng;
    int64_t now = lab_clock_now(s->lab);
    bool blocked = false;
    for (;;) {
        if (c->pend && !ops->closed(eng) && ops->want_input(eng))
            feed_pending(c, now);
        size_t len;
        const char *p = ops->output(eng, &len);
        if (!len)
            break;
        /* A client never sees a reply before the log holds the lines of
         * what produced it (a logon outcome, an UPDATE): whoever reads the
         * log after the reply finds them. Other lines (a connect, before
         * the banner) wait for the next such flush or the end of the pass,
         * which merges them into fewer writes. */
        if (s->log.first && s->log.batching && server_defer(s, h))
            return; /* sent at the end of the pass, after the log write */
        if (s->log.first)
            net_logger_flush(&s->log);
        ssize_t w = plat_send(h->o.fd, p, len);
        if (w > 0) {
            tape_add(c, 'S', p, (size_t)w);
            c->bytes_out += (uint64_t)w;
            ops->consume(eng, (size_t)w, now);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            blocked = true;
            break;
        }
        streamconn_close(s, h, "connection lost while sending");
        return;
    }
    if (ops->closed(eng)) {
        pend_clear(c); /* bytes after the end are ignored */
        if (!blocked) {
            streamconn_close(s, h, NULL);
            return;
        }
        if (!c->stall)
            c->stall = (uint32_t)(server_mono_ms() / 1000) | 1u;
    }
    /* After the client's FIN, the replies to what it sent still go out
     * (`printf 'USER..\nPASS..\nLIST\nQUIT\n' | nc` gets them all); then
     * the connection ends, without UPDATE unless QUIT came. */
    if (c->eof && !blocked) {
        streamconn_close(s, h, "client closed the connection");
        return;
    }
    /* what the session holds now: its maildrop lock once logged on, the
     * message file during a transfer (measured, not assumed) */
    if (ops->fds) {
        unsigned fds = ops->fds(eng);
        s->nfds = s->nfds - c->fds + fds;
        c->fds = (uint8_t)fds;
    }
    uint32_t ev = 0;
    if (!c->eof && !ops->closed(eng) && !c->pend && ops->want_input(eng))
        ev |= PLAT_EV_IN | PLAT_EV_RDHUP;
    if (blocked)
        ev |= PLAT_EV_OUT;
    ep_mod(s, c, ev);
}

void streamconn_readable(struct server *s, struct server_conn *h)
{
    const struct streamconn_ops *ops = h->o.kind->stream;
    struct streamconn *c = (struct streamconn *)h;
    if (c->pend) {
        /* Reading is off while the engine holds input (c->pend), so only a
         * hang-up or an error woke us: reading now would put new bytes
         * before the held ones (and drop the held buffer). Sending the
         * pending replies finds out, and closes a dead connection. */
        streamconn_pump(s, h);
        return;
    }
    char buf[READ_CHUNK];
    ssize_t r = plat_recv(h->o.fd, buf, sizeof buf);
    if (r == 0) {
        c->eof = true;
        streamconn_pump(s, h);
        return;
    }
    if (r < 0 && errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK) {
        streamconn_close(s, h, "connection lost");
        return;
    }
    if (r > 0) {
        tape_add(c, 'C', buf, (size_t)r);
        c->bytes_in += (uint64_t)r;
        size_t n = ops->input(c->eng, buf, (size_t)r, lab_clock_now(s->lab));
        if (n < (size_t)r && !ops->closed(c->eng)) {
            /* The engine's input buffer is full: keep the rest until it
             * wants more (reading stops meanwhile). */
            c->pend = malloc((size_t)r - n);
            if (!c->pend) {
                streamconn_close(s, h, "out of memory");
                return;
            }
            memcpy(c->pend, buf + n, (size_t)r - n);
            c->pend_len = (uint32_t)((size_t)r - n);
        }
    }
    streamconn_pump(s, h);
}

void streamconn_tick(struct server *s, struct server_conn *h, int64_t mono_ms)
{
    const struct streamconn_ops *ops = h->o.kind->stream;
    struct streamconn *c = (struct streamconn *)h;
    uint32_t mono = (uint32_t)(mono_ms / 1000);
    if (c->stall && mono - c->stall > DRAIN_TIMEOUT_S) {
        streamconn_close(s, h, "closed: the client stopped reading");
        return;
    }
    int64_t now = lab_clock_now(s->lab);
    if (ops->deadline(c->eng) <= now) {
        ops->tick(c->eng, now);
        streamconn_pump(s, h);
    }
}

void streamconn_stop(struct server *s, struct server_conn *h)
{
    const struct streamconn_ops *ops = h->o.kind->stream;
    struct streamconn *c = (struct streamconn *)h;
    size_t len;
    const char *p = ops->output(c->eng, &len);
    if (len) {
        ssize_t w = plat_send(h->o.fd, p, len);
        if (w > 0)
            tape_add(c, 'S', p, (size_t)w);
    }
    streamconn_close(s, h, "closed: the daemon is stopping");
}

bool streamconn_note_running(struct server *s, struct server_listener *l)
{
    const struct streamconn_ops *ops = l->o.kind->stream;
    bool running = ops->running(l->m);
    if (running != l->was_running) {
        LOG(s, "%s: %s is %s", machine_name(l->m), ops->service, running ? "running" : "stopped");
        l->was_running = running;
    }
    return running;
}

void streamconn_changed(struct server *s, struct server_listener *l)
{
    const struct streamconn_ops *ops = l->o.kind->stream;
    (void)streamconn_note_running(s, l);
    struct server_conn *h = l->conns, *next;
    for (; h; h = next) {
        next = h->next;
        if (!ops->conn_running((const struct streamconn *)h))
            streamconn_close(s, h, ops->stopped_why);
    }
}

/* Over a limit: the kind's line instead of a banner, then the close. */
static void refuse(struct server *s, struct server_listener *l, int fd, const char *peer,
                   const char *why)
{
    const struct streamconn_ops *ops = l->o.kind->stream;
    ops->refuse_send(l, fd);
    plat_sock_close(fd);
    LOG(s, "%s: %sconnection from %s refused: %s", machine_name(l->m), ops->word, peer, why);
}

/* Whether the service runs (noting a change in the log) and the daemon
 * takes this connection: else it is closed or refused here. The
 * descriptors: its socket, plus those the sessions hold now (a logged-on
 * session's maildrop lock, a message file while a RETR runs). */
static bool admit(struct server *s, struct server_listener *l, int fd,
                  const struct sockaddr_storage *ss, socklen_t sl, const char *peer)
{
    const struct streamconn_ops *ops = l->o.kind->stream;
    bool running = streamconn_note_running(s, l);
    if (!running || s->stopping) {
        LOG(s, "%s: %sconnection from %s closed: %s%s", machine_name(l->m), ops->word, peer,
            !running ? ops->service : "the daemon is stopping", !running ? " is not running" : "");
        plat_sock_close(fd);
        return false;
    }
    if (!ratelimit_admit(s->rate, (const struct sockaddr *)ss, sl,
                         (uint32_t)(server_mono_ms() / 1000))) {
        refuse(s, l, fd, peer, "connection rate limit reached");
        return false;
    }
    bool fds_ok = (uint64_t)s->nsessions + 1 + s->nfds <= s->fd_budget;
    if (s->nsessions >= s->max_conns || !fds_ok) {
        refuse(s, l, fd, peer,
               s->nsessions >= s->max_conns ? "connection limit reached" : ops->fd_limit_why);
        return false;
    }
    return true;
}

/* A new connection: the kind's session, then the banner. */
static void conn_open(struct server *s, struct server_listener *l, int fd,
                      const struct sockaddr_storage *ss, socklen_t sl, const char *peer)
{
    const struct streamconn_ops *ops = l->o.kind->stream;
    /* pop3-facts §8: without it a reply written in pieces waits for the
     * client's delayed ACK (Nagle). Set on the listener (addr.c). */
    (void)plat_sock_accepted_nodelay(fd);
    struct streamconn *c = calloc(1, ops->size);
    if (!c) {
        plat_sock_close(fd);
        return;
    }
    c->h.o.kind = l->o.kind;
    c->h.o.fd = fd;
    c->h.l = l;
    c->id = ++s->next_id;
    if (server_recording(s))
        c->tape = calloc(1, sizeof *c->tape); /* NULL: this session is not taped */
    net_peer_set(&c->peer, (const struct sockaddr *)ss, sl);
    int e = ops->start(s, l, c, peer);
    uint32_t events = PLAT_EV_IN | PLAT_EV_RDHUP;
    if (e == 0)
        e = listener_conn_add(s, l, &c->h, events);
    if (e) {
        LOG(s, "%s: %sconnection from %s closed: %s", machine_name(l->m), ops->word, peer,
            strerror(e));
        ops->drop(c);
        plat_sock_close(fd);
        free(c->tape);
        free(c);
        return;
    }
    c->events = (uint16_t)events;
    s->total_conns++;
    if (!l->addr_str[0])
        net_addr_format(&l->addr, l->addr_str, sizeof l->addr_str);
    LOG(s, "#%llu %sconnect from %s to %s (%s)", (unsigned long long)c->id, ops->word, peer,
        l->addr_str, machine_name(l->m));
    streamconn_pump(s, &c->h); /* the banner */
}

void streamconn_accept(struct server *s, struct server_listener *l)
{
    const struct streamconn_ops *ops = l->o.kind->stream;
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl;
        int fd = listener_accept_fd(l, &ss, &sl);
        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && s->spare_fd >= 0) {
                /* Out of descriptors: free the spare to take the connection
                 * off the queue and close it, so the loop does not spin. */
                close(s->spare_fd);
                fd = plat_accept(l->o.fd, NULL, NULL, 0);
                if (fd >= 0)
                    plat_sock_close(fd);
                s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                LOG(s, "%s: %sconnection refused: out of file descriptors", machine_name(l->m),
                    ops->word);
            }
            return;
        }
        char peer[NET_ADDR_STR_MAX];
        net_sockaddr_format((struct sockaddr *)&ss, sl, peer, sizeof peer);
        if (admit(s, l, fd, &ss, sl, peer))
            conn_open(s, l, fd, &ss, sl, peer);
    }
}

void streamconn_listener_info(struct server *s, const struct server_listener *l,
                              struct server_listener_info *out)
{
    (void)s;
    const struct streamconn_ops *ops = l->o.kind->stream;
    net_addr_format(&l->addr, out->address, sizeof out->address);
    out->machine = machine_name(l->m);
    struct scm_service *svc = ops->service_of(l->m);
    out->store_running = svc != NULL;
    if (svc) {
        out->service = svc->name;
        out->account = svc->account;
        out->persona = ops->persona_name(l->m);
    }
}

void streamconn_session_info(struct server *s, const struct streamconn *c, int64_t idle_timeout,
                             struct server_session_info *out)
{
    int64_t deadline = c->h.o.kind->stream->deadline(c->eng), now = lab_clock_now(s->lab);
    int64_t last = deadline == INT64_MAX ? now : deadline - idle_timeout;
    out->idle_s = now > last ? now - last : 0;
    out->id = c->id;
    net_peer_format(&c->peer, out->peer, sizeof out->peer);
    out->machine = machine_name(c->h.l->m);
    out->bytes_in = c->bytes_in;
    out->bytes_out = c->bytes_out;
}

/* POP3 connections (pop3conn.h). Every call into the Exchange store's
 * session API (exchange_session_*) is in this file. */
#include "src/net/pop3conn.h"
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/net/ratelimit.h"
#include "src/pop3/persona.h"
#include "src/pop3/pop3.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 4096u   /* one read per event; the engine buffers the rest */
#define DRAIN_TIMEOUT_S 30 /* a finished session whose client stops reading */

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

/* One POP3 connection: kept small; the engine session holds the rest. */
struct conn {
    struct server_conn h;
    struct net_peer peer; /* the client's address (the status) */
    bool eof;             /* the client sent FIN: no more input, finish the output */
    uint8_t fds;          /* descriptors the session holds besides the socket */
    uint16_t events;      /* epoll interest now (PLAT_EV_* fit in 16 bits) */
    uint32_t stall;       /* when a closed session's last output got stuck (s), or 0 */
    uint32_t pend_len;
    uint64_t id;
    struct exchange_session *es; /* the store: ps's logon backend */
    struct pop3_session *ps;
    char *pend; /* input the engine has not taken yet (NULL almost always) */
    char *who;  /* "user\0mailbox" once logged on, else NULL (the status) */
    uint64_t bytes_in, bytes_out;
};
_Static_assert(PLAT_EV_IN <= UINT16_MAX && PLAT_EV_OUT <= UINT16_MAX &&
                   PLAT_EV_RDHUP <= UINT16_MAX, "epoll interest in conn.events");

static struct server *srv_of(const struct conn *c)
{
    return c->h.l->srv;
}

static const char *outcome_name(enum mail_logon_outcome o)
{
    switch (o) {
    case MAIL_LOGON_OK: return "OK";
    case MAIL_LOGON_WIN32: return "FAILED";
    case MAIL_LOGON_IN_USE: return "IN_USE";
    case MAIL_LOGON_NO_MAILBOX: return "NO_MAILBOX";
    case MAIL_LOGON_ACCESS_DENIED: return "ACCESS_DENIED";
    case MAIL_LOGON_AMBIGUOUS: return "AMBIGUOUS";
    case MAIL_LOGON_CUSTOM_RECIPIENT: return "CUSTOM_RECIPIENT";
    default: return "SYSTEM_ERROR";
    }
}

static const char *close_name(enum pop3_close_reason r)
{
    switch (r) {
    case POP3_CLOSE_QUIT: return "QUIT";
    case POP3_CLOSE_AUTOLOGOUT: return "autologout";
    case POP3_CLOSE_BAD_COMMANDS: return "too many bad commands";
    case POP3_CLOSE_DROPPED: return "dropped";
    default: return "error";
    }
}

static const char *state_name(enum pop3_state st)
{
    switch (st) {
    case POP3_AUTHORIZATION: return "AUTHORIZATION";
    case POP3_TRANSACTION: return "TRANSACTION";
    case POP3_UPDATE: return "UPDATE";
    default: return "CLOSED";
    }
}

/* Who logged on, for the status: the user as sent and the mailbox
 * (without memory the status shows none). */
static void note_logon(struct conn *c, const char *user, const char *mailbox)
{
    size_t ul = strlen(user), ml = strlen(mailbox ? mailbox : "");
    char *w = malloc(ul + ml + 2);
    if (!w)
        return;
    memcpy(w, user, ul + 1);
    memcpy(w + ul + 1, mailbox ? mailbox : "", ml + 1);
    free(c->who);
    c->who = w;
}

/* Session events from the engine, through the store: never a password. */
static void on_event(void *arg, const struct pop3_event *ev)
{
    struct conn *c = arg;
    struct server *s = srv_of(c);
    struct machine *m = c->h.l->m;
    s->log.first = true; /* a logon outcome or the end: logged before the reply */
    if (ev->type == POP3_EV_LOGON) {
        char user[160];
        net_log_clean(ev->cred->user, user, sizeof user);
        const struct mail_logon_result *r = ev->result;
        if (r->outcome == MAIL_LOGON_OK) {
            LOG(s, "#%llu %s logon %s user=\"%s\": OK", (unsigned long long)c->id, machine_name(m),
                ev->cred->mechanism, user);
            note_logon(c, user, ev->cred->mailbox);
        } else {
            LOG(s, "#%llu %s logon %s user=\"%s\": %s win32=%u%s%s", (unsigned long long)c->id,
                machine_name(m), ev->cred->mechanism, user, outcome_name(r->outcome),
                (unsigned)r->win32, r->text[0] ? " " : "", r->text);
        }
        return;
    }
    if (ev->reason == POP3_CLOSE_QUIT && ev->state == POP3_UPDATE)
        LOG(s, "#%llu QUIT: UPDATE removed %zu message(s)%s", (unsigned long long)c->id,
            ev->removed, ev->not_removed ? ", some could not be removed" : "");
    else
        LOG(s, "#%llu session ended: %s in %s", (unsigned long long)c->id,
            close_name(ev->reason), state_name(ev->state));
}

static void ep_mod(struct server *s, struct conn *c, uint32_t ev)
{
    if (c->events == ev)
        return;
    if (plat_ev_mod(s->ep, c->h.o.fd, ev, c) == 0)
        c->events = (uint16_t)ev;
}

/* Ends a connection: the engine drops the session (no UPDATE unless it ran
 * already) and the socket closes. */
static void conn_close(struct server *s, struct server_conn *h, const char *why)
{
    struct conn *c = (struct conn *)h;
    if (why)
        LOG(s, "#%llu %s", (unsigned long long)c->id, why);
    pop3_session_drop(c->ps); /* may log through on_event: c still valid */
    exchange_session_close(c->es);
    listener_conn_unlink(s, h);
    plat_sock_close(h->o.fd);
    s->nfds -= c->fds;
    free(c->pend);
    free(c->who);
    free(c);
}

/* Moves bytes between the engine and the socket as far as both allow, then
 * sets the epoll interest. */
static void conn_pump(struct server *s, struct server_conn *h)
{
    struct conn *c = (struct conn *)h;
    struct pop3_session *ps = c->ps;
    int64_t now = lab_clock_now(s->lab);
    bool blocked = false;
    for (;;) {
        if (c->pend && !pop3_session_closed(ps) && pop3_session_want_input(ps)) {
            size_t n = pop3_session_input(ps, c->pend, c->pend_len, now);
            if (n >= c->pend_len) {
                free(c->pend);
                c->pend = NULL;
                c->pend_len = 0;
            } else if (n) {
                memmove(c->pend, c->pend + n, c->pend_len - n);
                c->pend_len -= (uint32_t)n;
            }
        }
        size_t len;
        const char *p = pop3_session_output(ps, &len);
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
            c->bytes_out += (uint64_t)w;
            pop3_session_consume(ps, (size_t)w, now);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            blocked = true;
            break;
        }
        conn_close(s, h, "connection lost while sending");
        return;
    }
    if (pop3_session_closed(ps)) {
        free(c->pend); /* bytes after the end are ignored */
        c->pend = NULL;
        c->pend_len = 0;
        if (!blocked) {
            conn_close(s, h, NULL);
            return;
        }
        if (!c->stall)
            c->stall = (uint32_t)(server_mono_ms() / 1000) | 1u;
    }
    /* After the client's FIN, the replies to what it sent still go out
     * (`printf 'USER..\nPASS..\nLIST\nQUIT\n' | nc` gets them all); then
     * the connection ends, without UPDATE unless QUIT came. */
    if (c->eof && !blocked) {
        conn_close(s, h, "client closed the connection");
        return;
    }
    /* what the session holds now: its maildrop lock once logged on, the
     * message file during a transfer (measured, not assumed) */
    unsigned fds = pop3_session_fds(ps);
    s->nfds = s->nfds - c->fds + fds;
    c->fds = (uint8_t)fds;
    uint32_t ev = 0;
    if (!c->eof && !pop3_session_closed(ps) && !c->pend && pop3_session_want_input(ps))
        ev |= PLAT_EV_IN | PLAT_EV_RDHUP;
    if (blocked)
        ev |= PLAT_EV_OUT;
    ep_mod(s, c, ev);
}

static void conn_readable(struct server *s, struct server_conn *h)
{
    struct conn *c = (struct conn *)h;
    if (c->pend) {
        /* Reading is off while the engine holds input (c->pend), so only a
         * hang-up or an error woke us: reading now would put new bytes
         * before the held ones (and drop the held buffer). Sending the
         * pending replies finds out, and closes a dead connection. */
        conn_pump(s, h);
        return;
    }
    char buf[READ_CHUNK];
    ssize_t r = plat_recv(h->o.fd, buf, sizeof buf);
    if (r == 0) {
        c->eof = true;
        conn_pump(s, h);
        return;
    }
    if (r < 0 && errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK) {
        conn_close(s, h, "connection lost");
        return;
    }
    if (r > 0) {
        c->bytes_in += (uint64_t)r;
        struct pop3_session *ps = c->ps;
        size_t n = pop3_session_input(ps, buf, (size_t)r, lab_clock_now(s->lab));
        if (n < (size_t)r && !pop3_session_closed(ps)) {
            /* The engine holds POP3_IN_MAX already: keep the rest until it
             * wants more (reading stops meanwhile). */
            c->pend = malloc((size_t)r - n);
            if (!c->pend) {
                conn_close(s, h, "out of memory");
                return;
            }
            memcpy(c->pend, buf + n, (size_t)r - n);
            c->pend_len = (uint32_t)((size_t)r - n);
        }
    }
    conn_pump(s, h);
}

/* Whether one more connection fits the descriptors: its socket, plus the
 * descriptors the sessions hold now (a logged-on session's maildrop lock,
 * a message file while a RETR runs). */
static bool fds_allow(const struct server *s)
{
    return (uint64_t)s->nsessions + 1 + s->nfds <= s->fd_budget;
}

/* Over a limit: the persona's too-many-connections line instead of a
 * banner (one non-blocking send into a fresh socket's empty buffer), then
 * the close. */
static void refuse(struct server *s, struct server_listener *l, int fd, const char *peer,
                   const char *why)
{
    const struct persona *p = exchange_persona(l->m);
    struct buf b = BUF_INIT;
    const struct persona_vars v = {.host = machine_name(l->m)};
    if (p && persona_render(p, PERSONA_TOO_MANY_CONNECTIONS, &v, &b) == 0 && b.len)
        (void)plat_send(fd, b.p, b.len);
    buf_free(&b);
    plat_sock_close(fd);
    LOG(s, "%s: connection from %s refused: %s", machine_name(l->m), peer, why);
}

/* Whether the store runs (noting a change in the log) and the daemon
 * takes this connection: else it is closed or refused here. */
static bool admit(struct server *s, struct server_listener *l, int fd,
                  const struct sockaddr_storage *ss, socklen_t sl, const char *peer)
{
    bool running = exchange_running(l->m);
    if (running != l->was_running) {
        LOG(s, "%s: the Exchange store is %s", machine_name(l->m), running ? "running" : "stopped");
        l->was_running = running;
    }
    if (!running || s->stopping) {
        LOG(s, "%s: connection from %s closed: %s", machine_name(l->m), peer,
            !running ? "the Exchange store is not running" : "the daemon is stopping");
        plat_sock_close(fd);
        return false;
    }
    if (!ratelimit_admit(s->rate, (const struct sockaddr *)ss, sl,
                         (uint32_t)(server_mono_ms() / 1000))) {
        refuse(s, l, fd, peer, "connection rate limit reached");
        return false;
    }
    if (s->nsessions >= s->max_conns || !fds_allow(s)) {
        refuse(s, l, fd, peer, s->nsessions >= s->max_conns ? "connection limit reached"
                                                            : "descriptor limit reached");
        return false;
    }
    return true;
}

/* A new connection: a session on the store, the banner queued. */
static void conn_open(struct server *s, struct server_listener *l, int fd,
                      const struct sockaddr_storage *ss, socklen_t sl, const char *peer)
{
    /* pop3-facts §8: without it a reply written in pieces waits for the
     * client's delayed ACK (Nagle). Set on the listener (addr.c). */
    (void)plat_sock_accepted_nodelay(fd);
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        plat_sock_close(fd);
        return;
    }
    c->h.o.kind = &pop3conn_kind;
    c->h.o.fd = fd;
    c->h.l = l;
    c->id = ++s->next_id;
    net_peer_set(&c->peer, (const struct sockaddr *)ss, sl);
    int e = exchange_session_open(l->m, &c->es);
    if (e == 0)
        exchange_session_set_client(c->es, peer); /* %2 of the store's events */
    if (e == 0) {
        const struct pop3_backend be = {&exchange_logon_ops, c->es, on_event, c};
        c->ps = pop3_session_new(exchange_session_persona(c->es), &be, l->data,
                                 lab_clock_now(s->lab), s->apop_base + c->id);
        e = c->ps ? 0 : ENOMEM;
    }
    uint32_t events = PLAT_EV_IN | PLAT_EV_RDHUP;
    if (e == 0)
        e = listener_conn_add(s, l, &c->h, events);
    if (e) {
        LOG(s, "%s: connection from %s closed: %s", machine_name(l->m), peer, strerror(e));
        pop3_session_drop(c->ps);
        exchange_session_close(c->es);
        plat_sock_close(fd);
        free(c);
        return;
    }
    c->events = (uint16_t)events;
    s->total_conns++;
    if (!l->addr_str[0])
        net_addr_format(&l->addr, l->addr_str, sizeof l->addr_str);
    LOG(s, "#%llu connect from %s to %s (%s)", (unsigned long long)c->id, peer, l->addr_str,
        machine_name(l->m));
    conn_pump(s, &c->h); /* the banner */
}

static void accept_pop3(struct server *s, struct server_listener *l)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = plat_accept(l->o.fd, (struct sockaddr *)&ss, &sl,
                             PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && s->spare_fd >= 0) {
                /* Out of descriptors: free the spare to take the connection
                 * off the queue and close it, so the loop does not spin. */
                close(s->spare_fd);
                fd = plat_accept(l->o.fd, NULL, NULL, 0);
                if (fd >= 0)
                    plat_sock_close(fd);
                s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                LOG(s, "%s: connection refused: out of file descriptors", machine_name(l->m));
            }
            return;
        }
        char peer[NET_ADDR_STR_MAX];
        net_sockaddr_format((struct sockaddr *)&ss, sl, peer, sizeof peer);
        if (admit(s, l, fd, &ss, sl, peer))
            conn_open(s, l, fd, &ss, sl, peer);
    }
}

/* A control command ran: the listener notes its store's new state, and
 * connections whose store stopped are closed, as the stopped service
 * drops its clients. */
static void listener_changed(struct server *s, struct server_listener *l)
{
    bool running = exchange_running(l->m);
    if (running != l->was_running) {
        LOG(s, "%s: the Exchange store is %s", machine_name(l->m), running ? "running" : "stopped");
        l->was_running = running;
    }
    struct server_conn *h = l->conns, *next;
    for (; h; h = next) {
        next = h->next;
        if (!exchange_session_store_running(((struct conn *)h)->es))
            conn_close(s, h, "closed: its Exchange store stopped");
    }
}

/* A POP3 listener's own: the engine's configuration with the machine's
 * name as host (the sessions keep a pointer to it). */
static int listener_start(struct server *s, struct server_listener *l)
{
    struct pop3_config *pcfg = malloc(sizeof *pcfg);
    if (!pcfg)
        return ENOMEM;
    *pcfg = s->pcfg;
    pcfg->host = machine_name(l->m);
    l->data = pcfg;
    l->was_running = exchange_running(l->m);
    return 0;
}

static void listener_stop(struct server *s, struct server_listener *l)
{
    (void)s;
    free(l->data);
    l->data = NULL;
}

static void conn_tick(struct server *s, struct server_conn *h, int64_t mono_ms)
{
    struct conn *c = (struct conn *)h;
    uint32_t mono = (uint32_t)(mono_ms / 1000);
    if (c->stall && mono - c->stall > DRAIN_TIMEOUT_S) {
        conn_close(s, h, "closed: the client stopped reading");
        return;
    }
    int64_t now = lab_clock_now(s->lab);
    struct pop3_session *ps = c->ps;
    if (pop3_session_deadline(ps) <= now) {
        pop3_session_tick(ps, now);
        conn_pump(s, h);
    }
}

/* Shutdown: what the connection has queued goes out (best effort, one
 * non-blocking send), then it is dropped: no UPDATE without QUIT. */
static void conn_stop(struct server *s, struct server_conn *h)
{
    struct conn *c = (struct conn *)h;
    size_t len;
    const char *p = pop3_session_output(c->ps, &len);
    if (len)
        (void)plat_send(h->o.fd, p, len);
    conn_close(s, h, "closed: the daemon is stopping");
}

static size_t conn_memory(const struct server_conn *h)
{
    const struct conn *c = (const struct conn *)h;
    return sizeof *c + c->pend_len + exchange_session_memory(c->es) + pop3_session_memory(c->ps) +
           (c->who ? strlen(c->who) + strlen(c->who + strlen(c->who) + 1) + 2 : 0);
}

static void listener_info(struct server *s, const struct server_listener *l,
                          struct server_listener_info *out)
{
    (void)s;
    net_addr_format(&l->addr, out->address, sizeof out->address);
    out->machine = machine_name(l->m);
    struct scm_service *svc = exchange_service(l->m);
    out->store_running = svc != NULL;
    if (svc) {
        out->service = svc->name;
        out->account = svc->account;
        out->persona = exchange_persona_name(l->m);
    }
}

static void session_info(struct server *s, const struct server_conn *h,
                         struct server_session_info *out)
{
    const struct conn *c = (const struct conn *)h;
    struct pop3_session *ps = c->ps;
    out->id = c->id;
    net_peer_format(&c->peer, out->peer, sizeof out->peer);
    out->machine = machine_name(h->l->m);
    out->user = c->who ? c->who : "";
    out->mailbox = c->who ? c->who + strlen(c->who) + 1 : "";
    out->state = state_name(pop3_session_state(ps));
    /* the engine's autologout deadline is the last activity plus the
     * idle timeout */
    int64_t deadline = pop3_session_deadline(ps), now = lab_clock_now(s->lab);
    int64_t last = deadline == INT64_MAX ? now : deadline - s->pcfg.idle_timeout;
    out->idle_s = now > last ? now - last : 0;
    out->bytes_in = c->bytes_in;
    out->bytes_out = c->bytes_out;
}

const struct listener_kind pop3conn_kind = {
    .name = "POP3",
    .sessions = true,
    .listen = listener_start,
    .unlisten = listener_stop,
    .accept = accept_pop3,
    .input = conn_readable,
    .output = conn_pump,
    .tick = conn_tick,
    .changed = listener_changed,
    .stop = conn_stop,
    .close = conn_close,
    .memory = conn_memory,
    .listener_info = listener_info,
    .session_info = session_info,
};

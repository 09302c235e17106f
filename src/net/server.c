/* The daemon's event loop: POP3 listeners and connections, the control
 * socket, signals (daemon.h). Level-triggered epoll; every socket is
 * non-blocking; one read per readiness event, so no connection starves the
 * others. */
#include "src/net/server.h"
#include "emulator/lab.h"
#include "emulator/rights.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/net/ctllocal.h"
#include "src/net/ctltcp.h"
#include "src/net/drift.h"
#include "src/net/labwatch.h"
#include "src/net/log.h"
#include "src/net/ratelimit.h"
#include "src/pop3/persona.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum kind { K_POP3_LISTEN = 1, K_POP3, K_CTL_LISTEN, K_CTL, K_SIGNAL, K_CTL_TCP_LISTEN };

#define READ_CHUNK 4096u          /* one read per event; the engine buffers the rest */
#define CTL_RECV_TIMEOUT_MS 30000 /* a control client must send its request by then */
#define SWEEP_MS 1000             /* autologout and control timeouts are checked this often */
#define DRAIN_TIMEOUT_S 30        /* a finished session whose client stops reading */
/* Event-log records are written at once and fdatasynced at most this long
 * after: one sync per log per interval under load, not one per pass of
 * the loop (each stalled the single-threaded loop; issue 12). */
#define COMMIT_MS 50
/* Descriptors kept back from connections: listeners, epoll, signalfd,
 * control clients, the log, event logs and state files being written. */
#define FD_RESERVE 256u

struct listener {
    uint8_t kind; /* K_POP3_LISTEN; every epoll target starts with its kind */
    bool was_running; /* store state last seen, for the log */
    int fd;
    struct server *srv;
    struct machine *m;
    struct net_addr addr;
    char addr_str[NET_ADDR_STR_MAX]; /* addr for the log; "" until the first connect */
    size_t nconns;
};

/* One POP3 connection: kept small; the engine session holds the rest. */
struct conn {
    uint8_t kind; /* K_POP3 */
    bool eof;        /* the client sent FIN: no more input, finish the output */
    bool deferred;   /* in server.deferred: its reply waits for the pass's log write */
    uint8_t fds;     /* descriptors the session holds besides the socket */
    uint32_t events; /* epoll interest now */
    uint32_t stall;  /* when a closed session's last output got stuck (s), or 0 */
    int fd;
    uint32_t pend_len;
    uint64_t id;
    struct listener *l;
    struct exchange_session *es;
    char *pend; /* input the engine has not taken yet (NULL almost always) */
    struct conn *prev, *next;
};

struct ctl {
    uint8_t kind; /* K_CTL */
    bool replied;
    bool need_auth; /* a TCP client that has not shown the secret yet */
    int fd;
    int64_t deadline_ms;
    struct buf in, out;
    size_t sent;
    struct ctl *prev, *next;
};

struct tag {
    uint8_t kind; /* K_CTL_LISTEN, K_CTL_TCP_LISTEN, K_SIGNAL */
    int fd;
};

struct server {
    struct lab *lab;
    const struct daemon_config *cfg;
    FILE *log;
    struct plat_ev *ep;
    struct plat_stop stop; /* sig.fd is stop.fd */
    struct tag sig, ctl_listen, ctl_tcp;
    struct net_addr ctl_tcp_addr;
    struct ctltcp_secret secret; /* for ctl_tcp */
    struct listener ls[DAEMON_MAX_LISTEN];
    size_t nls;
    struct conn *conns;
    size_t nconns, max_conns;
    size_t nfds;        /* the sum of the connections' fds */
    uint64_t fd_budget; /* descriptors for connections and their maildrops */
    struct ratelimit *rate;
    struct ctl *ctls;
    uint64_t next_id;
    struct pop3_config pcfg;
    int spare_fd; /* given up to accept-and-close when out of descriptors */
    bool stopping;
    bool recheck; /* a control command ran: look at the stores after the batch */
    int64_t started;
    uint64_t total_conns;
    /* Log lines of the current pass of the event loop, written together
     * at its end (one write instead of one per line); outside the loop
     * each line goes out at once. */
    struct net_logq logq;
    bool batching;
    struct labwatch watch; /* the lab directory (gone or replaced: stop) and clock */
    bool lab_lost;
    /* Added to the connection number in the APOP timestamp <N.clock@host>:
     * random per start, so a restart that finds the clock where it was
     * does not repeat a timestamp (RFC 1939 §7 wants each one unique). */
    uint64_t apop_base;
    bool log_first; /* logq holds a logon or UPDATE line: out before the next reply */
    /* Connections whose replies wait for the end of the pass, when one
     * write puts the log lines of all of them in the log first. */
    struct conn **deferred;
    size_t ndeferred, cap_deferred;
    int64_t commit_due; /* when the open event-log group is synced; 0 = no activity */
};

/* --- logging ------------------------------------------------------------------------ */

#define LOGQ_MAX 65536u /* a pass that logs more writes early, whole lines */

static void log_flush(struct server *s)
{
    s->log_first = false;
    (void)net_logq_flush(&s->logq, s->log); /* nowhere to report a failed log write */
}

static void logf_(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct server *s, const char *fmt, ...)
{
    if (!s->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    int rc = net_logq_vadd(&s->logq, fmt, ap);
    va_end(ap);
    if (rc) {
        log_flush(s);
        fputs("ntlab: a log line was lost (out of memory)\n", s->log);
        fflush(s->log);
        return;
    }
    if (!s->batching || s->logq.b.len >= LOGQ_MAX)
        log_flush(s);
}

/* Client-supplied text for a log line: printable ASCII, bounded. */
static void clean(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; in && in[i] && j + 1 < n; i++)
        out[j++] = (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f ? in[i] : '?';
    out[j] = 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *outcome_name(enum pop3_outcome o)
{
    switch (o) {
    case POP3_LOGIN_OK: return "OK";
    case POP3_LOGIN_WIN32: return "FAILED";
    case POP3_LOGIN_IN_USE: return "IN_USE";
    case POP3_LOGIN_NO_MAILBOX: return "NO_MAILBOX";
    case POP3_LOGIN_ACCESS_DENIED: return "ACCESS_DENIED";
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

/* Session events from the engine, through the store: never a password. */
static void on_event(void *arg, const struct pop3_event *ev)
{
    struct conn *c = arg;
    struct server *s = c->l->srv;
    s->log_first = true; /* a logon outcome or the end: logged before the reply */
    if (ev->type == POP3_EV_LOGON) {
        char user[160];
        clean(ev->cred->user, user, sizeof user);
        const struct pop3_login_result *r = ev->result;
        if (r->outcome == POP3_LOGIN_OK)
            logf_(s, "#%llu %s logon %s user=\"%s\": OK", (unsigned long long)c->id,
                  c->l->m->name, ev->cred->mechanism, user);
        else
            logf_(s, "#%llu %s logon %s user=\"%s\": %s win32=%u%s%s", (unsigned long long)c->id,
                  c->l->m->name, ev->cred->mechanism, user, outcome_name(r->outcome),
                  (unsigned)r->win32, r->text[0] ? " " : "", r->text);
        return;
    }
    if (ev->reason == POP3_CLOSE_QUIT && ev->state == POP3_UPDATE)
        logf_(s, "#%llu QUIT: UPDATE removed %zu message(s)%s", (unsigned long long)c->id,
              ev->removed, ev->not_removed ? ", some could not be removed" : "");
    else
        logf_(s, "#%llu session ended: %s in %s", (unsigned long long)c->id,
              close_name(ev->reason), state_name(ev->state));
}

/* --- POP3 connections ---------------------------------------------------------------- */

static void ep_mod(struct server *s, struct conn *c, uint32_t ev)
{
    if (c->events == ev)
        return;
    if (plat_ev_mod(s->ep, c->fd, ev, c) == 0)
        c->events = ev;
}

/* Ends a connection: the engine drops the session (no UPDATE unless it ran
 * already) and the socket closes. */
static void conn_close(struct server *s, struct conn *c, const char *why)
{
    if (why)
        logf_(s, "#%llu %s", (unsigned long long)c->id, why);
    exchange_session_close(c->es); /* may log through on_event: c still valid */
    if (!PLAT_EV_CLOSE_REMOVES) /* else the close does it: one system call less */
        plat_ev_del(s->ep, c->fd);
    plat_sock_close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->l->nconns--;
    s->nconns--;
    s->nfds -= c->fds;
    for (size_t i = 0; c->deferred && i < s->ndeferred; i++)
        if (s->deferred[i] == c)
            s->deferred[i] = NULL;
    free(c->pend);
    free(c);
}

/* Puts c on the list of replies sent after the pass's log write; false
 * without memory (then the caller writes the log now). */
static bool defer(struct server *s, struct conn *c)
{
    if (c->deferred)
        return true;
    if (s->ndeferred == s->cap_deferred) {
        size_t cap = s->cap_deferred ? 2 * s->cap_deferred : 64;
        struct conn **d = realloc(s->deferred, cap * sizeof *d);
        if (!d)
            return false;
        s->deferred = d;
        s->cap_deferred = cap;
    }
    s->deferred[s->ndeferred++] = c;
    c->deferred = true;
    return true;
}

/* Moves bytes between the engine and the socket as far as both allow, then
 * sets the epoll interest. */
static void conn_pump(struct server *s, struct conn *c)
{
    struct pop3_session *ps = exchange_session_pop3(c->es);
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
        if (s->log_first && s->batching && defer(s, c))
            return; /* sent at the end of the pass, after the log write */
        if (s->log_first)
            log_flush(s);
        ssize_t w = plat_send(c->fd, p, len);
        if (w > 0) {
            pop3_session_consume(ps, (size_t)w, now);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            blocked = true;
            break;
        }
        conn_close(s, c, "connection lost while sending");
        return;
    }
    if (pop3_session_closed(ps)) {
        free(c->pend); /* bytes after the end are ignored */
        c->pend = NULL;
        c->pend_len = 0;
        if (!blocked) {
            conn_close(s, c, NULL);
            return;
        }
        if (!c->stall)
            c->stall = (uint32_t)(mono_ms() / 1000) | 1u;
    }
    /* After the client's FIN, the replies to what it sent still go out
     * (`printf 'USER..\nPASS..\nLIST\nQUIT\n' | nc` gets them all); then
     * the connection ends, without UPDATE unless QUIT came. */
    if (c->eof && !blocked) {
        conn_close(s, c, "client closed the connection");
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

static void conn_readable(struct server *s, struct conn *c)
{
    if (c->pend) {
        /* Reading is off while the engine holds input (c->pend), so only a
         * hang-up or an error woke us: reading now would put new bytes
         * before the held ones (and drop the held buffer). Sending the
         * pending replies finds out, and closes a dead connection. */
        conn_pump(s, c);
        return;
    }
    char buf[READ_CHUNK];
    ssize_t r = plat_recv(c->fd, buf, sizeof buf);
    if (r == 0) {
        c->eof = true;
        conn_pump(s, c);
        return;
    }
    if (r < 0 && errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK) {
        conn_close(s, c, "connection lost");
        return;
    }
    if (r > 0) {
        struct pop3_session *ps = exchange_session_pop3(c->es);
        size_t n = pop3_session_input(ps, buf, (size_t)r, lab_clock_now(s->lab));
        if (n < (size_t)r && !pop3_session_closed(ps)) {
            /* The engine holds POP3_IN_MAX already: keep the rest until it
             * wants more (reading stops meanwhile). */
            c->pend = malloc((size_t)r - n);
            if (!c->pend) {
                conn_close(s, c, "out of memory");
                return;
            }
            memcpy(c->pend, buf + n, (size_t)r - n);
            c->pend_len = (uint32_t)((size_t)r - n);
        }
    }
    conn_pump(s, c);
}

/* Whether one more connection fits the descriptors: its socket, plus the
 * descriptors the sessions hold now (a logged-on session's maildrop lock,
 * a message file while a RETR runs). */
static bool fds_allow(const struct server *s)
{
    return (uint64_t)s->nconns + 1 + s->nfds <= s->fd_budget;
}

/* Over a limit: the persona's too-many-connections line instead of a
 * banner (one non-blocking send into a fresh socket's empty buffer), then
 * the close. */
static void refuse(struct server *s, struct listener *l, int fd, const char *peer, const char *why)
{
    const struct persona *p = exchange_persona(l->m);
    struct buf b = BUF_INIT;
    const struct persona_vars v = {.host = l->m->name};
    if (p && persona_render(p, PERSONA_TOO_MANY_CONNECTIONS, &v, &b) == 0 && b.len)
        (void)plat_send(fd, b.p, b.len);
    buf_free(&b);
    plat_sock_close(fd);
    logf_(s, "%s: connection from %s refused: %s", l->m->name, peer, why);
}

static void accept_pop3(struct server *s, struct listener *l)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = plat_accept(l->fd, (struct sockaddr *)&ss, &sl, PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && s->spare_fd >= 0) {
                /* Out of descriptors: free the spare to take the connection
                 * off the queue and close it, so the loop does not spin. */
                close(s->spare_fd);
                fd = plat_accept(l->fd, NULL, NULL, 0);
                if (fd >= 0)
                    plat_sock_close(fd);
                s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                logf_(s, "%s: connection refused: out of file descriptors", l->m->name);
            }
            return;
        }
        char peer[NET_ADDR_STR_MAX];
        net_sockaddr_format((struct sockaddr *)&ss, sl, peer, sizeof peer);
        bool running = exchange_running(l->m);
        if (running != l->was_running) {
            logf_(s, "%s: the Exchange store is %s", l->m->name, running ? "running" : "stopped");
            l->was_running = running;
        }
        if (!running || s->stopping) {
            logf_(s, "%s: connection from %s closed: %s", l->m->name, peer,
                  !running ? "the Exchange store is not running" : "the daemon is stopping");
            plat_sock_close(fd);
            continue;
        }
        if (!ratelimit_admit(s->rate, (struct sockaddr *)&ss, sl, (uint32_t)(mono_ms() / 1000))) {
            refuse(s, l, fd, peer, "connection rate limit reached");
            continue;
        }
        if (s->nconns >= s->max_conns || !fds_allow(s)) {
            refuse(s, l, fd, peer, s->nconns >= s->max_conns ? "connection limit reached"
                                                             : "descriptor limit reached");
            continue;
        }
        /* pop3-facts §8: without it a reply written in pieces waits for the
         * client's delayed ACK (Nagle). Set on the listener (addr.c). */
        (void)plat_sock_accepted_nodelay(fd);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            plat_sock_close(fd);
            continue;
        }
        c->kind = K_POP3;
        c->fd = fd;
        c->l = l;
        c->id = ++s->next_id;
        const struct exchange_hooks hooks = {on_event, c};
        int e = exchange_session_open(l->m, &s->pcfg, lab_clock_now(s->lab),
                                      s->apop_base + c->id, &hooks, &c->es);
        uint32_t events = PLAT_EV_IN | PLAT_EV_RDHUP;
        if (e == 0)
            e = plat_ev_add(s->ep, fd, events, c);
        if (e) {
            logf_(s, "%s: connection from %s closed: %s", l->m->name, peer, strerror(e));
            exchange_session_close(c->es);
            plat_sock_close(fd);
            free(c);
            continue;
        }
        c->events = events;
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        s->nconns++;
        l->nconns++;
        s->total_conns++;
        if (!l->addr_str[0])
            net_addr_format(&l->addr, l->addr_str, sizeof l->addr_str);
        logf_(s, "#%llu connect from %s to %s (%s)", (unsigned long long)c->id, peer, l->addr_str,
              l->m->name);
        conn_pump(s, c); /* the banner */
    }
}

/* Connections whose store stopped are closed, as the stopped service
 * drops its clients; listeners note the new state. */
static void check_stores(struct server *s)
{
    for (size_t i = 0; i < s->nls; i++) {
        bool running = exchange_running(s->ls[i].m);
        if (running != s->ls[i].was_running) {
            logf_(s, "%s: the Exchange store is %s", s->ls[i].m->name,
                  running ? "running" : "stopped");
            s->ls[i].was_running = running;
        }
    }
    struct conn *c = s->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (!exchange_session_store_running(c->es))
            conn_close(s, c, "closed: its Exchange store stopped");
    }
}

/* Once a second, the lab itself (labwatch.h): deleted or replaced under
 * the daemon, it stops it; its clock is saved now and then. */
static void check_lab(struct server *s)
{
    char msg[PATH_MAX + 128];
    enum labwatch_event ev =
        s->lab_lost ? LABWATCH_OK : labwatch_tick(&s->watch, s->lab, mono_ms(), msg, sizeof msg);
    if (ev != LABWATCH_OK)
        logf_(s, "%s", msg);
    if (ev == LABWATCH_LOST)
        s->lab_lost = s->stopping = true;
}

bool server_lab_lost(const struct server *s)
{
    return s->lab_lost;
}

static void sweep(struct server *s)
{
    int64_t now = lab_clock_now(s->lab);
    uint32_t mono = (uint32_t)(mono_ms() / 1000);
    struct conn *c = s->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->stall && mono - c->stall > DRAIN_TIMEOUT_S) {
            conn_close(s, c, "closed: the client stopped reading");
            continue;
        }
        struct pop3_session *ps = exchange_session_pop3(c->es);
        if (pop3_session_deadline(ps) <= now) {
            pop3_session_tick(ps, now);
            conn_pump(s, c);
        }
    }
}

size_t server_session_memory(struct server *s, size_t *nconns)
{
    size_t total = 0;
    for (struct conn *c = s->conns; c; c = c->next)
        total += sizeof *c + c->pend_len + exchange_session_memory(c->es);
    if (nconns)
        *nconns = s->nconns;
    return total;
}

/* --- status --------------------------------------------------------------------------- */

static void print_token(FILE *f, struct machine *m, const struct token *t)
{
    fprintf(f, "      token of %s\\%s (logon id %llu):\n", t->domain_name, t->user_name,
            (unsigned long long)t->logon_id);
    bool any = false;
    for (unsigned i = 0; i < RI_COUNT; i++) {
        if (!token_has_privilege(t, i))
            continue;
        unsigned attr = token_privilege_attributes(t, i);
        fprintf(f, "        %-32s %-45s %s\n", rights_at(i)->name, rights_display(i, m->os),
                attr & SE_PRIVILEGE_ENABLED
                    ? (attr & SE_PRIVILEGE_ENABLED_BY_DEFAULT ? "Enabled by default" : "Enabled")
                    : "Disabled");
        any = true;
    }
    if (!any)
        fprintf(f, "        (no privileges)\n");
}

void server_print_listeners(struct server *s, FILE *f)
{
    for (size_t i = 0; i < s->nls; i++) {
        char a[NET_ADDR_STR_MAX];
        net_addr_format(&s->ls[i].addr, a, sizeof a);
        struct scm_service *svc = exchange_service(s->ls[i].m);
        fprintf(f, "  POP3 %-22s %-15s store %s", a, s->ls[i].m->name,
                svc ? "running" : "not running");
        if (svc)
            fprintf(f, " (%s as %s, persona %s)", svc->name, svc->account,
                    s->ls[i].m->persona[0] ? s->ls[i].m->persona : EXCHANGE_DEFAULT_PERSONA);
        fprintf(f, ", %zu session(s)\n", s->ls[i].nconns);
    }
    if (!s->nls)
        fprintf(f, "  (no machine of this lab has an msexchangeis service: no POP3 listener)\n");
    if (s->ctl_tcp.fd >= 0) {
        char a[NET_ADDR_STR_MAX];
        net_addr_format(&s->ctl_tcp_addr, a, sizeof a);
        fprintf(f, "  control tcp:%s (with the secret)\n", a);
    }
}

static void print_status(struct server *s, FILE *f)
{
    fprintf(f, "daemon: pid %ld serving %s, up %llds\n", (long)getpid(), lab_dir(s->lab),
            (long long)((mono_ms() - s->started) / 1000));
    fprintf(f, "machines:\n");
    for (size_t i = 0; i < lab_machine_count(s->lab); i++) {
        struct machine *m = lab_machine_at(s->lab, i);
        fprintf(f, "  %-15s %-10s %-14s %-15s %s\n", m->name, machine_role_name(m->role),
                osver_display(m->os), m->domain[0] ? m->domain : "-",
                m->running ? "running" : "down");
        for (size_t j = 0; m->scm && j < scm_count(m->scm); j++) {
            struct scm_service *svc = scm_at(m->scm, j);
            fprintf(f, "    service %-18s %-8s %-8s %-14s %s\n", svc->name,
                    scm_state_name(svc->state), scm_start_type_name(svc->start), svc->image,
                    svc->account);
            if (svc->state == SCM_RUNNING) {
                print_token(f, m, &svc->token);
                drift_print(f, m, svc, "      ");
            } else if (svc->last_error) {
                const char *t = nterr_win32_text(svc->last_error);
                fprintf(f, "      last start failed: %u %s\n", (unsigned)svc->last_error,
                        t ? t : "");
            }
        }
    }
    fprintf(f, "listeners:\n");
    server_print_listeners(s, f);
    size_t n;
    size_t mem = server_session_memory(s, &n);
    fprintf(f, "connections: %zu open (limit %zu), %llu since start, %zu bytes of session heap"
               " (%zu per connection)\n",
            n, s->max_conns, (unsigned long long)s->total_conns, mem, n ? mem / n : 0);
}

/* --- control connections ------------------------------------------------------------- */

static void ctl_close(struct server *s, struct ctl *c)
{
    plat_ev_del(s->ep, c->fd);
    plat_sock_close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->ctls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

static void ctl_flush(struct server *s, struct ctl *c)
{
    while (c->sent < c->out.len) {
        ssize_t w = plat_send(c->fd, c->out.p + c->sent, c->out.len - c->sent);
        if (w > 0) {
            c->sent += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            plat_ev_mod(s->ep, c->fd, PLAT_EV_OUT, c);
            return;
        }
        break;
    }
    ctl_close(s, c);
}

/* Runs one request and queues its response. */
static void ctl_execute(struct server *s, struct ctl *c, struct control_request *req)
{
    char *out = NULL, *err = NULL;
    size_t outlen = 0, errlen = 0;
    struct plat_memstream mo, me;
    FILE *fo = plat_memstream_open(&mo, &out, &outlen), *fe = plat_memstream_open(&me, &err, &errlen);
    int rc = 1;
    if (fo && fe) {
        const char *cmd = req->argv[0];
        char who[64] = "";
        if (req->machine)
            clean(req->machine, who, sizeof who);
        char line[128];
        clean(cmd, line, sizeof line);
        logf_(s, "control: %s%s%s", line, who[0] ? " --machine " : "", who);
        if (strcmp(cmd, "status") == 0 && req->argc == 1) {
            print_status(s, fo);
            rc = 0;
        } else if (strcmp(cmd, "down") == 0 && req->argc == 1) {
            fprintf(fo, "ntlab: the daemon (pid %ld) serving %s is stopping\n", (long)getpid(),
                    lab_dir(s->lab));
            s->stopping = true;
            rc = 0;
        } else if (s->cfg->command) {
            char ferr[300] = "";
            if (control_request_files_put(req, lab_dir(s->lab), ferr, sizeof ferr)) {
                fprintf(fe, "ntlab: the daemon cannot take the command's files: %s\n", ferr);
                rc = 1;
            } else {
                rc = s->cfg->command(s->cfg->command_arg, s->lab, lab_dir(s->lab), req->machine,
                                     req->argc, req->argv, fo, fe);
            }
            control_request_files_drop(req);
            /* A new machine gets the store image; reboots and service
             * commands show in the stores. */
            for (size_t i = 0; i < lab_machine_count(s->lab); i++)
                (void)exchange_register(lab_machine_at(s->lab, i));
            s->recheck = true; /* after the batch: it may close connections */
        } else {
            fprintf(fe, "ntlab: the daemon runs no admin commands\n");
            rc = 2;
        }
    }
    plat_memstream_close(&mo);
    plat_memstream_close(&me);
    if (!fo || !fe || control_response_encode(&c->out, rc, out, out ? outlen : 0, err,
                                              err ? errlen : 0)) {
        free(out);
        free(err);
        ctl_close(s, c);
        return;
    }
    free(out);
    free(err);
    c->replied = true;
    ctl_flush(s, c);
}

static void ctl_readable(struct server *s, struct ctl *c)
{
    char buf[16384];
    ssize_t r = plat_recv(c->fd, buf, sizeof buf);
    if (r < 0 && (errno == EAGAIN || errno == EINTR || errno == EWOULDBLOCK))
        return;
    if (r <= 0 || c->in.len + (size_t)r > CONTROL_REQUEST_MAX + 64) {
        ctl_close(s, c);
        return;
    }
    if (buf_append(&c->in, buf, (size_t)r)) {
        ctl_close(s, c);
        return;
    }
    if (c->need_auth) {
        size_t used;
        int a = ctltcp_auth_check(c->in.p, c->in.len, &s->secret, &used);
        if (a == EAGAIN)
            return;
        if (a) {
            logf_(s, "control: TCP client %s: closed", a == EACCES ? "gave a wrong secret"
                                                                   : "sent no secret");
            ctl_close(s, c);
            return;
        }
        buf_consume(&c->in, used);
        c->need_auth = false;
        if (!c->in.len)
            return;
    }
    struct control_request req;
    int e = control_request_parse(c->in.p, c->in.len, &req);
    if (e == EAGAIN)
        return;
    if (e) {
        logf_(s, "control: malformed request dropped (%s)", strerror(e));
        ctl_close(s, c);
        return;
    }
    plat_ev_mod(s->ep, c->fd, 0, c);
    ctl_execute(s, c, &req);
    control_request_free(&req);
}

/* tcp: from the TCP control listener, where the secret stands in for
 * the peer's uid. */
static void accept_ctl(struct server *s, bool tcp)
{
    for (int k = 0; k < 16; k++) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int fd = plat_accept(tcp ? s->ctl_tcp.fd : s->ctl_listen.fd, (struct sockaddr *)&peer, &pl,
                             PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (tcp) {
            char a[NET_ADDR_STR_MAX];
            net_sockaddr_format((struct sockaddr *)&peer, pl, a, sizeof a);
            logf_(s, "control: TCP connection from %s", a);
        } else {
            if (!plat_sock_peer_is_self(fd)) {
                logf_(s, "control: connection from another user refused");
                control_refuse_peer(fd, lab_dir(s->lab));
                continue;
            }
        }
        struct ctl *c = calloc(1, sizeof *c);
        if (!c) {
            plat_sock_close(fd);
            continue;
        }
        c->kind = K_CTL;
        c->fd = fd;
        c->need_auth = tcp;
        c->deadline_ms = mono_ms() + CTL_RECV_TIMEOUT_MS;
        if (plat_ev_add(s->ep, fd, PLAT_EV_IN, c) != 0) {
            plat_sock_close(fd);
            free(c);
            continue;
        }
        c->next = s->ctls;
        if (s->ctls)
            s->ctls->prev = c;
        s->ctls = c;
    }
}

/* --- setup and the loop ---------------------------------------------------------------- */

/* What each start draws anew: the APOP timestamps' random base, the watch
 * over the lab directory (labwatch.h). */
static void start_per_run(struct server *s)
{
    if (plat_random(&s->apop_base, sizeof s->apop_base))
        s->apop_base = (uint64_t)s->started ^ ((uint64_t)getpid() << 20);
    s->apop_base = (s->apop_base % (UINT64_C(1) << 40)) + 1; /* 13 digits at most */
    int e = labwatch_start(&s->watch, lab_dir(s->lab), s->started);
    if (e)
        logf_(s, "cannot watch %s/%s (%s): a deleted lab will go unnoticed", lab_dir(s->lab),
              CONTROL_PIDFILE, strerror(e));
}

int server_new(struct lab *lab, const struct daemon_config *cfg, const struct server_listen *lsv,
               size_t nls, FILE *log, struct server **out, char *err, size_t errlen)
{
    if (nls > DAEMON_MAX_LISTEN) {
        snprintf(err, errlen, "too many listeners (at most %d)", DAEMON_MAX_LISTEN);
        return EINVAL;
    }
    struct server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    s->lab = lab;
    s->cfg = cfg;
    s->log = log;
    s->sig.fd = s->stop.fd = s->ctl_listen.fd = s->ctl_tcp.fd = s->spare_fd = -1;
    s->max_conns = cfg->max_connections ? cfg->max_connections : DAEMON_DEFAULT_MAX_CONNECTIONS;
    s->started = mono_ms();
    start_per_run(s);
    pop3_config_default(&s->pcfg);
    if (cfg->idle_timeout > 0)
        s->pcfg.idle_timeout = cfg->idle_timeout;
    for (size_t i = 0; i < DAEMON_MAX_LISTEN; i++)
        s->ls[i].fd = -1;
    /* As many descriptors as the hard limit allows; connections stay
     * within them (accept's EMFILE path is the last resort, not the plan). */
    uint64_t fdlim;
    int fe = plat_raise_fd_limit(&fdlim);
    s->fd_budget = fdlim > FD_RESERVE + nls ? fdlim - FD_RESERVE - nls : 0;
    if (fdlim == UINT64_MAX) {
        logf_(s, "descriptor limit: none%s%s; at most %zu connections", fe ? ": " : "",
              fe ? strerror(fe) : "", s->max_conns);
    } else {
        bool capped = s->fd_budget < s->max_conns;
        if (capped)
            s->max_conns = (size_t)s->fd_budget;
        logf_(s, "descriptor limit: %llu; at most %zu connections%s, %llu logged on (a "
              "logged-on session holds its maildrop lock too, and a message file during a "
              "RETR)", (unsigned long long)fdlim, s->max_conns, capped ? ", capped by it" : "",
              (unsigned long long)(s->fd_budget / 2));
    }
    if (!s->max_conns) {
        snprintf(err, errlen, "descriptor limit %llu leaves no room for connections",
                 (unsigned long long)fdlim);
        server_free(s);
        return EMFILE;
    }
    uint32_t seed = 0;
    (void)plat_random(&seed, sizeof seed); /* a zero seed still works */
    s->rate = malloc(sizeof *s->rate);
    if (!s->rate) {
        snprintf(err, errlen, "out of memory");
        server_free(s);
        return ENOMEM;
    }
    uint32_t per_sec = cfg->max_conn_rate < 0 ? 0
                       : cfg->max_conn_rate ? (uint32_t)cfg->max_conn_rate : RATELIMIT_DEFAULT;
    ratelimit_init(s->rate, per_sec, cfg->rate_loopback, seed);
    if (per_sec)
        logf_(s, "connection rate limit: %u per address per second%s", per_sec,
              cfg->rate_loopback ? ", loopback included" : " (loopback exempt)");
    else
        logf_(s, "connection rate limit: off");
    int e = 0;
    e = plat_ev_new(&s->ep);
    if (e) {
        snprintf(err, errlen, "epoll: %s", strerror(e));
        goto fail;
    }
    /* SIGTERM, SIGINT, SIGHUP (Ctrl-C on Windows) as a descriptor to watch;
     * SIGPIPE ignored (plat.h). */
    s->sig.kind = K_SIGNAL;
    e = plat_stop_open(&s->stop);
    s->sig.fd = s->stop.fd;
    if (!e)
        e = plat_ev_add(s->ep, s->sig.fd, PLAT_EV_IN, &s->sig);
    if (e) {
        snprintf(err, errlen, "signalfd: %s", strerror(e));
        goto fail;
    }
    for (size_t i = 0; i < nls; i++) {
        struct listener *l = &s->ls[i];
        l->kind = K_POP3_LISTEN;
        l->srv = s;
        l->m = lsv[i].m;
        l->addr = lsv[i].addr;
        l->was_running = exchange_running(l->m);
        e = net_listen_tcp(&l->addr, &l->fd, err, errlen);
        if (e)
            goto fail;
        s->nls++;
        e = plat_ev_add(s->ep, l->fd, PLAT_EV_IN, l);
        if (e) {
            snprintf(err, errlen, "epoll: %s", strerror(e));
            goto fail;
        }
    }
    s->ctl_listen.kind = K_CTL_LISTEN;
    if (PLAT_HAS_UNIX_SOCKETS) {
        e = control_listen(lab_dir(lab), &s->ctl_listen.fd, err, errlen);
        if (e)
            goto fail;
        e = plat_ev_add(s->ep, s->ctl_listen.fd, PLAT_EV_IN, &s->ctl_listen);
        if (e) {
            snprintf(err, errlen, "epoll: %s", strerror(e));
            goto fail;
        }
    }
    /* Without Unix sockets (Windows) the lab's own channel is loopback TCP
     * with a fresh secret, published in the lab (ctllocal.h). */
    char secret_file[PATH_MAX] = "";
    if (!PLAT_HAS_UNIX_SOCKETS && !cfg->control_tcp) {
        ctllocal_default_addr(&s->ctl_tcp_addr);
        e = ctllocal_make_secret(lab_dir(lab), secret_file, sizeof secret_file, err, errlen);
        if (e)
            goto fail;
    }
    if (cfg->control_tcp || secret_file[0]) {
        /* Never without a secret: TCP cannot tell who the peer is. */
        if (!cfg->control_tcp) {
            /* the local channel: address and secret made above */
        } else if (ctltcp_spec_parse(cfg->control_tcp, &s->ctl_tcp_addr)) {
            snprintf(err, errlen, "bad --control '%s' (tcp:ADDR:PORT)", cfg->control_tcp);
            e = EINVAL;
            goto fail;
        }
        if (!secret_file[0] && !cfg->control_secret_file) {
            snprintf(err, errlen, "--control %s needs --control-secret-file", cfg->control_tcp);
            e = EINVAL;
            goto fail;
        }
        if (!secret_file[0] && plat_realpath(cfg->control_secret_file, secret_file,
                                             sizeof secret_file))
            str_copy(secret_file, sizeof secret_file, cfg->control_secret_file);
        e = ctltcp_secret_load(secret_file, &s->secret, err, errlen);
        if (e)
            goto fail;
        s->ctl_tcp.kind = K_CTL_TCP_LISTEN;
        e = net_listen_tcp(&s->ctl_tcp_addr, &s->ctl_tcp.fd, err, errlen);
        if (e)
            goto fail;
        e = plat_ev_add(s->ep, s->ctl_tcp.fd, PLAT_EV_IN, &s->ctl_tcp);
        if (e) {
            snprintf(err, errlen, "epoll: %s", strerror(e));
            goto fail;
        }
        if (!PLAT_HAS_UNIX_SOCKETS) {
            e = ctllocal_publish(lab_dir(lab), s->ctl_tcp.fd, secret_file, err, errlen);
            if (e)
                goto fail;
        }
    }
    s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    *out = s;
    return 0;
fail:
    server_free(s);
    return e ? e : EIO;
}

static void group_begin(struct server *s)
{
    for (size_t i = 0; i < lab_machine_count(s->lab); i++) {
        struct machine *m = lab_machine_at(s->lab, i);
        if (m->evtlog)
            evtlog_begin(m->evtlog);
    }
}

static void group_commit(struct server *s)
{
    for (size_t i = 0; i < lab_machine_count(s->lab); i++) {
        struct machine *m = lab_machine_at(s->lab, i);
        if (m->evtlog && evtlog_commit(m->evtlog) != STATUS_SUCCESS)
            logf_(s, "%s: %s", m->name, evtlog_failure_text(m->evtlog));
    }
}

/* The end of a pass of the loop: the event-log commit when due, store
 * changes, the once-a-second sweep, then the pass's log lines in one write
 * and the replies that waited for it. */
static void pass_end(struct server *s, int64_t *next_sweep)
{
    if (s->commit_due && mono_ms() >= s->commit_due) {
        group_commit(s);
        group_begin(s);
        s->commit_due = 0;
    }
    if (s->recheck) {
        s->recheck = false;
        check_stores(s);
    }
    if (mono_ms() >= *next_sweep) {
        sweep(s);
        check_lab(s);
        int64_t now = mono_ms();
        struct ctl *c = s->ctls, *next;
        for (; c; c = next) {
            next = c->next;
            if (now >= c->deadline_ms) /* a silent or stuck control client */
                ctl_close(s, c);
        }
        *next_sweep = now + SWEEP_MS;
    }
    s->batching = false;
    log_flush(s); /* this pass's lines, in one write */
    for (size_t i = 0; i < s->ndeferred; i++) { /* then the replies that waited */
        struct conn *c = s->deferred[i];
        if (c) {
            c->deferred = false;
            conn_pump(s, c);
        }
    }
    s->ndeferred = 0;
}

void server_run(struct server *s)
{
    struct plat_ev_event evs[256];
    int64_t next_sweep = mono_ms() + SWEEP_MS;
    /* Group commit: the event-log records the loop writes (a 528 or 529
     * audit per logon) are each written at once, so a crash of this
     * process loses none, and fdatasynced together COMMIT_MS after the
     * first pass with activity rather than one fdatasync per logon. */
    group_begin(s);
    while (!s->stopping) {
        int64_t wake = s->commit_due && s->commit_due < next_sweep ? s->commit_due : next_sweep;
        int64_t left = wake - mono_ms();
        int n = plat_ev_wait(s->ep, evs, 256, left < 0 ? 0 : (int)left);
        if (n < 0 && errno != EINTR) {
            logf_(s, "epoll_wait: %s", strerror(errno));
            break;
        }
        if (n > 0 && !s->commit_due)
            s->commit_due = mono_ms() + COMMIT_MS;
        s->batching = true;
        for (int i = 0; i < n; i++) {
            uint8_t kind = *(uint8_t *)evs[i].ptr;
            void *p = evs[i].ptr;
            switch (kind) {
            case K_POP3_LISTEN:
                accept_pop3(s, p);
                break;
            case K_POP3: {
                struct conn *c = p;
                /* Only this connection's own handlers close it, and each
                 * fd appears once per epoll_wait: no event of this batch
                 * names a freed connection (closing many at once waits
                 * for the end of the batch: recheck, sweep). */
                if (evs[i].events & (PLAT_EV_IN | PLAT_EV_RDHUP | PLAT_EV_HUP | PLAT_EV_ERR))
                    conn_readable(s, c);
                else if (evs[i].events & PLAT_EV_OUT)
                    conn_pump(s, c);
                break;
            }
            case K_CTL_LISTEN:
            case K_CTL_TCP_LISTEN:
                accept_ctl(s, kind == K_CTL_TCP_LISTEN);
                break;
            case K_CTL: {
                struct ctl *c = p;
                if (c->replied)
                    ctl_flush(s, c);
                else
                    ctl_readable(s, c);
                break;
            }
            case K_SIGNAL: {
                char name[64];
                if (plat_stop_take(&s->stop, name, sizeof name)) {
                    logf_(s, "signal %s: stopping", name);
                    s->stopping = true;
                }
                break;
            }
            default:
                break;
            }
        }
        pass_end(s, &next_sweep);
    }
    group_commit(s);
    /* Shutdown: stop accepting; send what each connection already has
     * queued (best effort), then drop it: no UPDATE for sessions that had
     * not sent QUIT. Control replies (the `down` answer) get a moment. */
    for (size_t i = 0; i < s->nls; i++) {
        plat_ev_del(s->ep, s->ls[i].fd);
        plat_sock_close(s->ls[i].fd);
        s->ls[i].fd = -1;
    }
    if (s->ctl_listen.fd >= 0)
        plat_ev_del(s->ep, s->ctl_listen.fd);
    if (s->ctl_tcp.fd >= 0)
        plat_ev_del(s->ep, s->ctl_tcp.fd);
    plat_ev_del(s->ep, s->sig.fd);
    size_t dropped = s->nconns;
    while (s->conns) {
        struct conn *c = s->conns;
        size_t len;
        const char *p = pop3_session_output(exchange_session_pop3(c->es), &len);
        if (len)
            (void)plat_send(c->fd, p, len); /* non-blocking */
        conn_close(s, c, "closed: the daemon is stopping");
    }
    int64_t until = mono_ms() + 2000;
    while (s->ctls && mono_ms() < until) {
        int n = plat_ev_wait(s->ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            struct ctl *c = evs[i].ptr;
            if (c->kind == K_CTL && c->replied)
                ctl_flush(s, c);
        }
    }
    while (s->ctls)
        ctl_close(s, s->ctls);
    logf_(s, "stopped: %zu connection(s) closed", dropped);
}

void server_free(struct server *s)
{
    if (!s)
        return;
    while (s->conns)
        conn_close(s, s->conns, NULL);
    while (s->ctls)
        ctl_close(s, s->ctls);
    for (size_t i = 0; i < DAEMON_MAX_LISTEN; i++)
        if (s->ls[i].fd >= 0)
            plat_sock_close(s->ls[i].fd);
    if (s->ctl_listen.fd >= 0) {
        plat_sock_close(s->ctl_listen.fd);
        if (!s->lab_lost) /* a lab at that path now is another's */
            control_unlink(lab_dir(s->lab));
    }
    if (s->ctl_tcp.fd >= 0) {
        plat_sock_close(s->ctl_tcp.fd);
        if (!PLAT_HAS_UNIX_SOCKETS && !s->lab_lost)
            control_unlink(lab_dir(s->lab));
    }
    ctltcp_secret_wipe(&s->secret);
    labwatch_stop(&s->watch);
    log_flush(s);
    net_logq_free(&s->logq);
    plat_stop_close(&s->stop);
    if (s->spare_fd >= 0)
        close(s->spare_fd);
    plat_ev_free(s->ep);
    free(s->rate);
    free(s->deferred);
    free(s);
}

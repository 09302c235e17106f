/* SMTP connections (smtpconn.h). Every call into the IMS's session API
 * (ims_session_*) and the SMTP engine is in this file. */
#include "src/net/smtpconn.h"
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/ims.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/ratelimit.h"
#include "src/smtp/smtp.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK 4096u   /* one read per event; the engine buffers the rest */
#define DRAIN_TIMEOUT_S 30 /* a finished session whose client stops reading */

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

struct conn {
    struct server_conn h;
    struct net_peer peer;
    bool eof;
    uint16_t events;
    uint32_t stall;
    uint32_t pend_len;
    uint64_t id;
    struct ims_session *is;
    struct smtp_session *ss;
    struct smtp_config cfg; /* host points into is */
    char *pend;
    char user[128]; /* the AUTH name once authenticated (the status) */
    uint64_t bytes_in, bytes_out;
};

static struct server *srv_of(const struct conn *c)
{
    return c->h.l->srv;
}

/* --- the engine's backend: the IMS ------------------------------------------------ */

static enum smtp_rcpt_result be_rcpt(void *arg, const char *address)
{
    struct conn *c = arg;
    int e = ims_rcpt(c->is, address);
    return e == 0 ? SMTP_RCPT_OK : e == ENOENT ? SMTP_RCPT_UNKNOWN : SMTP_RCPT_TEMPFAIL;
}

static int be_deliver(void *arg, const struct smtp_envelope *env, const void *msg, size_t len)
{
    struct conn *c = arg;
    return ims_deliver(c->is, env->rcpt, env->nrcpt, msg, len);
}

static const char *close_name(enum smtp_close_reason r)
{
    switch (r) {
    case SMTP_CLOSE_QUIT:
        return "QUIT";
    case SMTP_CLOSE_TIMEOUT:
        return "timeout";
    case SMTP_CLOSE_BAD_COMMANDS:
        return "too many bad commands";
    case SMTP_CLOSE_SYNC:
        return "data before the 354";
    case SMTP_CLOSE_DROPPED:
        return "dropped";
    default:
        return "error";
    }
}

/* Session events: logged before the reply they explain; never a password. */
static void on_event(void *arg, const struct smtp_event *ev)
{
    struct conn *c = arg;
    struct server *s = srv_of(c);
    struct machine *m = c->h.l->m;
    s->log.first = true;
    unsigned long long id = (unsigned long long)c->id;
    if (ev->type == SMTP_EV_LOGON) {
        char user[160];
        net_log_clean(ev->cred->user, user, sizeof user);
        const struct mail_logon_result *r = ev->result;
        if (r->outcome == MAIL_LOGON_OK) {
            LOG(s, "#%llu %s SMTP AUTH %s user=\"%s\": OK", id, machine_name(m),
                ev->cred->mechanism, user);
            str_copy(c->user, sizeof c->user, user);
        } else {
            LOG(s, "#%llu %s SMTP AUTH %s user=\"%s\": FAILED win32=%u%s%s", id, machine_name(m),
                ev->cred->mechanism, user, (unsigned)r->win32, r->text[0] ? " " : "", r->text);
        }
    } else if (ev->type == SMTP_EV_DELIVERED) {
        char from[160];
        net_log_clean(ev->env->from, from, sizeof from);
        LOG(s, "#%llu %s SMTP message from=<%s> to %zu recipient(s), %zu octets: %s", id,
            machine_name(m), from, ev->env->nrcpt, ev->size,
            ev->err ? strerror(ev->err) : "delivered");
    } else {
        LOG(s, "#%llu SMTP session ended: %s", id, close_name(ev->reason));
    }
}

/* --- the connection ---------------------------------------------------------------- */

static void ep_mod(struct server *s, struct conn *c, uint32_t ev)
{
    if (c->events == ev)
        return;
    if (plat_ev_mod(s->ep, c->h.o.fd, ev, c) == 0)
        c->events = (uint16_t)ev;
}

static void conn_close(struct server *s, struct server_conn *h, const char *why)
{
    struct conn *c = (struct conn *)h;
    if (why)
        LOG(s, "#%llu %s", (unsigned long long)c->id, why);
    smtp_session_drop(c->ss); /* a message before its final dot is gone */
    ims_session_close(c->is);
    listener_conn_unlink(s, h);
    plat_sock_close(h->o.fd);
    free(c->pend);
    free(c);
}

static void feed_pending(struct conn *c, int64_t now)
{
    size_t n = smtp_session_input(c->ss, c->pend, c->pend_len, now);
    if (n >= c->pend_len) {
        free(c->pend);
        c->pend = NULL;
        c->pend_len = 0;
    } else if (n) {
        memmove(c->pend, c->pend + n, c->pend_len - n);
        c->pend_len -= (uint32_t)n;
    }
}

static void conn_pump(struct server *s, struct server_conn *h)
{
    struct conn *c = (struct conn *)h;
    struct smtp_session *ss = c->ss;
    int64_t now = lab_clock_now(s->lab);
    bool blocked = false;
    for (;;) {
        if (c->pend && !smtp_session_closed(ss) && smtp_session_want_input(ss))
            feed_pending(c, now);
        size_t len;
        const char *p = smtp_session_output(ss, &len);
        if (!len)
            break;
        if (s->log.first && s->log.batching && server_defer(s, h))
            return; /* sent at the end of the pass, after the log write */
        if (s->log.first)
            net_logger_flush(&s->log);
        ssize_t w = plat_send(h->o.fd, p, len);
        if (w > 0) {
            c->bytes_out += (uint64_t)w;
            smtp_session_consume(ss, (size_t)w, now);
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
    if (smtp_session_closed(ss)) {
        free(c->pend);
        c->pend = NULL;
        c->pend_len = 0;
        if (!blocked) {
            conn_close(s, h, NULL);
            return;
        }
        if (!c->stall)
            c->stall = (uint32_t)(server_mono_ms() / 1000) | 1u;
    }
    if (c->eof && !blocked) {
        conn_close(s, h, "client closed the connection");
        return;
    }
    uint32_t ev = 0;
    if (!c->eof && !smtp_session_closed(ss) && !c->pend && smtp_session_want_input(ss))
        ev |= PLAT_EV_IN | PLAT_EV_RDHUP;
    if (blocked)
        ev |= PLAT_EV_OUT;
    ep_mod(s, c, ev);
}

static void conn_readable(struct server *s, struct server_conn *h)
{
    struct conn *c = (struct conn *)h;
    if (c->pend) { /* reading is off while the engine holds input: a hang-up */
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
        size_t n = smtp_session_input(c->ss, buf, (size_t)r, lab_clock_now(s->lab));
        if (n < (size_t)r && !smtp_session_closed(c->ss)) {
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

/* Over a limit: a 421 instead of the banner (wording: choice), then close. */
static void refuse(struct server *s, struct server_listener *l, int fd, const char *peer,
                   const char *why)
{
    char line[160];
    int k = snprintf(line, sizeof line, "421 %s Service not available, try again later\r\n",
                     machine_name(l->m));
    if (k > 0 && (size_t)k < sizeof line)
        (void)plat_send(fd, line, (size_t)k);
    plat_sock_close(fd);
    LOG(s, "%s: SMTP connection from %s refused: %s", machine_name(l->m), peer, why);
}

static bool admit(struct server *s, struct server_listener *l, int fd,
                  const struct sockaddr_storage *ss, socklen_t sl, const char *peer)
{
    bool running = ims_running(l->m);
    if (running != l->was_running) {
        LOG(s, "%s: the Internet Mail Service is %s", machine_name(l->m),
            running ? "running" : "stopped");
        l->was_running = running;
    }
    if (!running || s->stopping) {
        LOG(s, "%s: SMTP connection from %s closed: %s", machine_name(l->m), peer,
            !running ? "the Internet Mail Service is not running" : "the daemon is stopping");
        plat_sock_close(fd);
        return false;
    }
    if (!ratelimit_admit(s->rate, (const struct sockaddr *)ss, sl,
                         (uint32_t)(server_mono_ms() / 1000))) {
        refuse(s, l, fd, peer, "connection rate limit reached");
        return false;
    }
    if (s->nsessions >= s->max_conns || (uint64_t)s->nsessions + 1 + s->nfds > s->fd_budget) {
        refuse(s, l, fd, peer, "connection limit reached");
        return false;
    }
    return true;
}

/* The client's address without its port, for the Received: line. */
static void peer_ip(const char *peer, char *out, size_t n)
{
    const char *b = peer, *e;
    if (*b == '[') {
        b++;
        e = strchr(b, ']');
    } else {
        e = strrchr(b, ':');
    }
    size_t len = e ? (size_t)(e - b) : strlen(b);
    if (str_copyn(out, n, b, len))
        str_copy(out, n, "unknown");
}

static int session_start(struct server *s, struct server_listener *l, struct conn *c,
                         const char *peer)
{
    char ip[NET_ADDR_STR_MAX];
    peer_ip(peer, ip, sizeof ip);
    int e = ims_session_open(l->m, ip, &c->is);
    if (e)
        return e;
    const struct smtp_persona *p = smtp_persona_find(ims_session_persona(c->is));
    if (!p) {
        LOG(s, "%s: ims.conf names no SMTP persona '%s'", machine_name(l->m),
            ims_session_persona(c->is));
        return ENOENT;
    }
    smtp_config_default(&c->cfg);
    c->cfg.host = ims_session_host(c->is);
    if (s->cfg->idle_timeout > 0)
        c->cfg.idle_timeout = s->cfg->idle_timeout;
    const struct smtp_backend be = {.logon = &ims_logon_ops,
                                    .logon_arg = c->is,
                                    .rcpt = be_rcpt,
                                    .deliver = be_deliver,
                                    .arg = c,
                                    .event = on_event,
                                    .event_arg = c};
    c->ss = smtp_session_new(p, &be, &c->cfg, ip, lab_clock_now(s->lab));
    return c->ss ? 0 : ENOMEM;
}

static void conn_open(struct server *s, struct server_listener *l, int fd,
                      const struct sockaddr_storage *ss, socklen_t sl, const char *peer)
{
    (void)plat_sock_accepted_nodelay(fd);
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        plat_sock_close(fd);
        return;
    }
    c->h.o.kind = &smtpconn_kind;
    c->h.o.fd = fd;
    c->h.l = l;
    c->id = ++s->next_id;
    net_peer_set(&c->peer, (const struct sockaddr *)ss, sl);
    int e = session_start(s, l, c, peer);
    uint32_t events = PLAT_EV_IN | PLAT_EV_RDHUP;
    if (e == 0)
        e = listener_conn_add(s, l, &c->h, events);
    if (e) {
        LOG(s, "%s: SMTP connection from %s closed: %s", machine_name(l->m), peer, strerror(e));
        smtp_session_drop(c->ss);
        ims_session_close(c->is);
        plat_sock_close(fd);
        free(c);
        return;
    }
    c->events = (uint16_t)events;
    s->total_conns++;
    if (!l->addr_str[0])
        net_addr_format(&l->addr, l->addr_str, sizeof l->addr_str);
    LOG(s, "#%llu SMTP connect from %s to %s (%s)", (unsigned long long)c->id, peer, l->addr_str,
        machine_name(l->m));
    conn_pump(s, &c->h); /* the banner */
}

static void accept_smtp(struct server *s, struct server_listener *l)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = plat_accept(l->o.fd, (struct sockaddr *)&ss, &sl,
                             PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EMFILE: pop3conn's spare descriptor handles the loop's */
        }
        char peer[NET_ADDR_STR_MAX];
        net_sockaddr_format((struct sockaddr *)&ss, sl, peer, sizeof peer);
        if (admit(s, l, fd, &ss, sl, peer))
            conn_open(s, l, fd, &ss, sl, peer);
    }
}

static void listener_changed(struct server *s, struct server_listener *l)
{
    bool running = ims_running(l->m);
    if (running != l->was_running) {
        LOG(s, "%s: the Internet Mail Service is %s", machine_name(l->m),
            running ? "running" : "stopped");
        l->was_running = running;
    }
    struct server_conn *h = l->conns, *next;
    for (; h; h = next) {
        next = h->next;
        if (!ims_session_running(((struct conn *)h)->is))
            conn_close(s, h, "closed: its Internet Mail Service stopped");
    }
}

static int listener_start(struct server *s, struct server_listener *l)
{
    (void)s;
    l->was_running = ims_running(l->m);
    return 0;
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
    if (smtp_session_deadline(c->ss) <= now) {
        smtp_session_tick(c->ss, now);
        conn_pump(s, h);
    }
}

static void conn_stop(struct server *s, struct server_conn *h)
{
    struct conn *c = (struct conn *)h;
    size_t len;
    const char *p = smtp_session_output(c->ss, &len);
    if (len)
        (void)plat_send(h->o.fd, p, len);
    conn_close(s, h, "closed: the daemon is stopping");
}

static size_t conn_memory(const struct server_conn *h)
{
    const struct conn *c = (const struct conn *)h;
    return sizeof *c + c->pend_len + smtp_session_memory(c->ss);
}

static void listener_info(struct server *s, const struct server_listener *l,
                          struct server_listener_info *out)
{
    (void)s;
    net_addr_format(&l->addr, out->address, sizeof out->address);
    out->machine = machine_name(l->m);
    struct scm_service *svc = ims_service(l->m);
    out->store_running = svc != NULL;
    if (svc) {
        out->service = svc->name;
        out->account = svc->account;
        out->persona = ims_persona_name(l->m);
    }
}

static void session_info(struct server *s, const struct server_conn *h,
                         struct server_session_info *out)
{
    const struct conn *c = (const struct conn *)h;
    out->id = c->id;
    net_peer_format(&c->peer, out->peer, sizeof out->peer);
    out->machine = machine_name(h->l->m);
    out->user = c->user;
    out->mailbox = "";
    out->state = smtp_session_closed(c->ss) ? "CLOSED" : "SMTP";
    int64_t deadline = smtp_session_deadline(c->ss), now = lab_clock_now(s->lab);
    int64_t last = deadline == INT64_MAX ? now : deadline - c->cfg.idle_timeout;
    out->idle_s = now > last ? now - last : 0;
    out->bytes_in = c->bytes_in;
    out->bytes_out = c->bytes_out;
}

const struct listener_kind smtpconn_kind = {
    .name = "SMTP",
    .sessions = true,
    .listen = listener_start,
    .accept = accept_smtp,
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

/* --- planning the listeners ---------------------------------------------------------- */

static bool has_ims(struct machine *m)
{
    for (size_t i = 0; machine_scm(m) && i < scm_count(machine_scm(m)); i++)
        if (str_ieq(scm_at(machine_scm(m), i)->image, IMS_IMAGE))
            return true;
    return false;
}

/* The machine an --listen-smtp spec names (or the single IMS's), and the
 * address part; NULL with err on a fault. */
static struct machine *spec_machine(struct lab *lab, const char *spec, struct machine **ims,
                                    size_t ni, const char **addr, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    *addr = eq ? eq + 1 : spec;
    if (!eq) {
        if (ni != 1)
            snprintf(err, errlen, "--listen-smtp '%s': this lab has %zu Internet Mail Services; %s",
                     spec, ni, ni ? "name the machine (NAME=ADDR:PORT)" : "none to serve");
        return ni == 1 ? ims[0] : NULL;
    }
    char name[MACHINE_NAME_MAX + 3];
    struct machine *m = NULL;
    if (!str_copyn(name, sizeof name, spec, (size_t)(eq - spec)))
        m = lab_machine_find(lab, name[0] == '\\' && name[1] == '\\' ? name + 2 : name);
    if (!m || !has_ims(m)) {
        snprintf(err, errlen, "--listen-smtp '%s': no machine of that name with an %s service",
                 spec, IMS_IMAGE);
        return NULL;
    }
    return m;
}

int smtpconn_plan(struct lab *lab, const struct daemon_config *cfg, struct server_listen *ls,
                  size_t *nls, size_t max, char *err, size_t errlen)
{
    struct machine *ims[LAB_MAX_MACHINES];
    size_t ni = 0;
    bool assigned[LAB_MAX_MACHINES] = {false};
    for (size_t i = 0; i < lab_machine_count(lab); i++)
        if (has_ims(lab_machine_at(lab, i)))
            ims[ni++] = lab_machine_at(lab, i);
    for (size_t i = 0; i < cfg->nlisten_smtp; i++) {
        const char *spec = cfg->listen_smtp[i], *addr;
        if (daemon_listen_check(spec, err, errlen))
            return EINVAL;
        struct machine *m = spec_machine(lab, spec, ims, ni, &addr, err, errlen);
        if (!m)
            return EINVAL;
        size_t k = 0;
        while (k < ni && ims[k] != m)
            k++;
        if (assigned[k] || *nls >= max) {
            snprintf(err, errlen, "--listen-smtp: %s",
                     assigned[k] ? "a machine is given twice" : "too many listeners");
            return EINVAL;
        }
        assigned[k] = true;
        (void)net_addr_parse(addr, &ls[*nls].addr); /* checked above */
        ls[*nls].kind = &smtpconn_kind;
        ls[(*nls)++].m = m;
    }
    /* With --listen the caller places listeners itself: SMTP only where
     * --listen-smtp says (so a test's daemon on its free POP3 port does
     * not also take 1025, which another daemon may hold). */
    unsigned port = SMTPCONN_DEFAULT_PORT;
    for (size_t k = 0; k < ni && cfg->nlisten == 0; k++) {
        if (assigned[k])
            continue;
        if (*nls >= max) {
            snprintf(err, errlen, "too many listeners (at most %d)", DAEMON_MAX_LISTEN);
            return EINVAL;
        }
        char spec[32];
        snprintf(spec, sizeof spec, "%s:%u", NET_DEFAULT_ADDR, port++);
        (void)net_addr_parse(spec, &ls[*nls].addr);
        ls[*nls].kind = &smtpconn_kind;
        ls[(*nls)++].m = ims[k];
    }
    return 0;
}

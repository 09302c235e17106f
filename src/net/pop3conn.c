/* POP3 connections (pop3conn.h). Every call into the Exchange store's
 * session API (exchange_session_*) is in this file. */
#include "src/net/pop3conn.h"
#include "src/net/streamconn.h"
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/pop3/persona.h"
#include "src/pop3/pop3.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

/* One POP3 connection: kept small; the engine session (sc.eng) holds the
 * rest. */
struct conn {
    struct streamconn sc;
    struct exchange_session *es; /* the store: the session's logon backend */
    char *who; /* "user\0mailbox" once logged on, else NULL (the status) */
};

static struct server *srv_of(const struct conn *c)
{
    return c->sc.h.l->srv;
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
    struct machine *m = c->sc.h.l->m;
    s->log.first = true; /* a logon outcome or the end: logged before the reply */
    if (ev->type == POP3_EV_LOGON) {
        char user[160];
        net_log_clean(ev->cred->user, user, sizeof user);
        const struct mail_logon_result *r = ev->result;
        if (r->outcome == MAIL_LOGON_OK) {
            LOG(s, "#%llu %s logon %s user=\"%s\": OK", (unsigned long long)c->sc.id, machine_name(m),
                ev->cred->mechanism, user);
            note_logon(c, user, ev->cred->mailbox);
        } else {
            LOG(s, "#%llu %s logon %s user=\"%s\": %s win32=%u%s%s", (unsigned long long)c->sc.id,
                machine_name(m), ev->cred->mechanism, user, outcome_name(r->outcome),
                (unsigned)r->win32, r->text[0] ? " " : "", r->text);
        }
        return;
    }
    if (ev->reason == POP3_CLOSE_QUIT && ev->state == POP3_UPDATE)
        LOG(s, "#%llu QUIT: UPDATE removed %zu message(s)%s", (unsigned long long)c->sc.id,
            ev->removed, ev->not_removed ? ", some could not be removed" : "");
    else
        LOG(s, "#%llu session ended: %s in %s", (unsigned long long)c->sc.id,
            close_name(ev->reason), state_name(ev->state));
}

/* A new connection: a session on the store, the banner queued. */
static int session_start(struct server *s, struct server_listener *l, struct streamconn *sc,
                         const char *peer)
{
    struct conn *c = (struct conn *)sc;
    int e = exchange_session_open(l->m, &c->es);
    if (e)
        return e;
    exchange_session_set_client(c->es, peer); /* %2 of the store's events */
    const struct pop3_backend be = {&exchange_logon_ops, c->es, on_event, c};
    sc->eng = pop3_session_new(exchange_session_persona(c->es), &be, l->data,
                               lab_clock_now(s->lab), s->apop_base + sc->id);
    return sc->eng ? 0 : ENOMEM;
}

/* The engine drops the session (no UPDATE unless it ran already). */
static void session_drop(struct streamconn *sc)
{
    struct conn *c = (struct conn *)sc;
    pop3_session_drop(sc->eng); /* may log through on_event: c still valid */
    exchange_session_close(c->es);
    free(c->who);
}

/* Over a limit: the persona's too-many-connections line. */
static void refuse_send(struct server_listener *l, int fd)
{
    const struct persona *p = exchange_persona(l->m);
    struct buf b = BUF_INIT;
    const struct persona_vars v = {.host = machine_name(l->m)};
    if (p && persona_render(p, PERSONA_TOO_MANY_CONNECTIONS, &v, &b) == 0 && b.len)
        (void)plat_send(fd, b.p, b.len);
    buf_free(&b);
}

STREAMCONN_ENGINE(pop3_session)

/* the maildrop lock once logged on, the message file during a transfer */
static unsigned eng_fds(const void *e)
{
    return pop3_session_fds(e);
}

static bool conn_running(const struct streamconn *sc)
{
    return exchange_session_store_running(((const struct conn *)sc)->es);
}

static const struct streamconn_ops ops = {
    STREAMCONN_ENGINE_OPS(pop3_session),
    .size = sizeof(struct conn),
    .word = "",
    .service = "the Exchange store",
    .fd_limit_why = "descriptor limit reached",
    .fds = eng_fds,
    .start = session_start,
    .drop = session_drop,
    .conn_running = conn_running,
    .stopped_why = "closed: its Exchange store stopped",
    .refuse_send = refuse_send,
    .running = exchange_running,
    .service_of = exchange_service,
    .persona_name = exchange_persona_name,
};

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

static size_t conn_memory(const struct server_conn *h)
{
    const struct conn *c = (const struct conn *)h;
    return sizeof *c + c->sc.pend_len + exchange_session_memory(c->es) +
           pop3_session_memory(c->sc.eng) +
           (c->who ? strlen(c->who) + strlen(c->who + strlen(c->who) + 1) + 2 : 0);
}

static void session_info(struct server *s, const struct server_conn *h,
                         struct server_session_info *out)
{
    const struct conn *c = (const struct conn *)h;
    struct pop3_session *ps = c->sc.eng;
    /* the engine's autologout deadline: the last activity plus the idle
     * timeout */
    streamconn_session_info(s, &c->sc, s->pcfg.idle_timeout, out);
    out->user = c->who ? c->who : "";
    out->mailbox = c->who ? c->who + strlen(c->who) + 1 : "";
    out->state = state_name(pop3_session_state(ps));
}

const struct listener_kind pop3conn_kind = {
    .name = "POP3",
    .sessions = true,
    .listen = listener_start,
    .unlisten = listener_stop,
    STREAMCONN_ROWS,
    .memory = conn_memory,
    .session_info = session_info,
    .stream = &ops,
};

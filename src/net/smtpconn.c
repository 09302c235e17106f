/* SMTP connections (smtpconn.h). Every call into the IMS's session API
 * (ims_session_*) and the SMTP engine is in this file. */
#include "src/net/smtpconn.h"
#include "src/net/streamconn.h"
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/ims.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/smtp/smtp.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

/* One SMTP connection: the engine session is sc.eng. */
struct conn {
    struct streamconn sc;
    struct ims_session *is;
    struct smtp_config cfg; /* host points into is */
    char user[128];         /* the AUTH name once authenticated (the status) */
};

static struct server *srv_of(const struct conn *c)
{
    return c->sc.h.l->srv;
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
    struct machine *m = c->sc.h.l->m;
    s->log.first = true;
    unsigned long long id = (unsigned long long)c->sc.id;
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

static int session_start(struct server *s, struct server_listener *l, struct streamconn *sc,
                         const char *peer)
{
    struct conn *c = (struct conn *)sc;
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
    sc->eng = smtp_session_new(p, &be, &c->cfg, ip, lab_clock_now(s->lab));
    return sc->eng ? 0 : ENOMEM;
}

/* A message before its final dot is gone. */
static void session_drop(struct streamconn *sc)
{
    smtp_session_drop(sc->eng);
    ims_session_close(((struct conn *)sc)->is);
}

/* Over a limit: a 421 instead of the banner (wording: choice). */
static void refuse_send(struct server_listener *l, int fd)
{
    char line[160];
    int k = snprintf(line, sizeof line, "421 %s Service not available, try again later\r\n",
                     machine_name(l->m));
    if (k > 0 && (size_t)k < sizeof line)
        (void)plat_send(fd, line, (size_t)k);
}

STREAMCONN_ENGINE(smtp_session)

static bool conn_running(const struct streamconn *sc)
{
    return ims_session_running(((const struct conn *)sc)->is);
}

static const struct streamconn_ops ops = {
    STREAMCONN_ENGINE_OPS(smtp_session),
    .size = sizeof(struct conn),
    .word = "SMTP ",
    .service = "the Internet Mail Service",
    .fd_limit_why = "connection limit reached", /* as before streamconn.c */
    .start = session_start,
    .drop = session_drop,
    .conn_running = conn_running,
    .stopped_why = "closed: its Internet Mail Service stopped",
    .refuse_send = refuse_send,
    .running = ims_running,
    .service_of = ims_service,
    .persona_name = ims_persona_name,
};

static int listener_start(struct server *s, struct server_listener *l)
{
    (void)s;
    l->was_running = ims_running(l->m);
    return 0;
}

static size_t conn_memory(const struct server_conn *h)
{
    const struct conn *c = (const struct conn *)h;
    return sizeof *c + c->sc.pend_len + smtp_session_memory(c->sc.eng);
}

static void session_info(struct server *s, const struct server_conn *h,
                         struct server_session_info *out)
{
    const struct conn *c = (const struct conn *)h;
    streamconn_session_info(s, &c->sc, c->cfg.idle_timeout, out);
    out->user = c->user;
    out->mailbox = "";
    out->state = smtp_session_closed(c->sc.eng) ? "CLOSED" : "SMTP";
}

const struct listener_kind smtpconn_kind = {
    .name = "SMTP",
    .sessions = true,
    .listen = listener_start,
    STREAMCONN_ROWS,
    .memory = conn_memory,
    .session_info = session_info,
    .stream = &ops,
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

/* The daemon's event loop (server.h): level-triggered readiness over every
 * socket, timers, the once-a-second sweep, the event-log group commit and
 * the pass's log write. What a socket means is its row's business
 * (listener.h): the loop calls one row function per event. Every socket is
 * non-blocking; one read per readiness event, so no connection starves the
 * others. */
#include "src/net/server.h"
#include "emulator/lab.h"
#include "src/lib/plat.h"
#include "src/net/control.h"
#include "src/net/ctlconn.h"
#include "src/net/listener.h"
#include "src/net/ratelimit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SWEEP_MS 1000 /* autologout and control timeouts are checked this often */
/* Event-log records are written at once and fdatasynced at most this long
 * after: one sync per log per interval under load, not one per pass of
 * the loop (each stalled the single-threaded loop; issue 12). */
#define COMMIT_MS 50
/* Descriptors kept back from connections: listeners, epoll, signalfd,
 * control clients, the log, event logs and state files being written. */
#define FD_RESERVE 256u
#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

bool server_recording(const struct server *s)
{
    return s->cfg->record && !s->record_off;
}

void server_record_failed(struct server *s, int rc, const char *err)
{
    char line[300];
    net_log_clean(err && err[0] ? err : strerror(rc), line, sizeof line);
    net_logger_printf(&s->log, "record: stopped recording: %s", line);
    s->record_off = true;
}

int64_t server_mono_ms(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool server_defer(struct server *s, struct server_conn *c)
{
    if (c->o.deferred)
        return true;
    if (s->ndeferred == s->cap_deferred) {
        size_t cap = s->cap_deferred ? 2 * s->cap_deferred : 64;
        struct server_conn **d = realloc(s->deferred, cap * sizeof *d);
        if (!d)
            return false;
        s->deferred = d;
        s->cap_deferred = cap;
    }
    s->deferred[s->ndeferred++] = c;
    c->o.deferred = true;
    return true;
}

/* --- what the daemon serves, as values -------------------------------------- */

void server_info(struct server *s, struct server_info *out)
{
    memset(out, 0, sizeof *out);
    out->pid = (long)getpid();
    out->lab_dir = lab_dir(s->lab);
    out->uptime_s = (server_mono_ms() - s->started) / 1000;
    out->session_heap = server_session_memory(s, &out->nconns);
    out->max_conns = s->max_conns;
    out->total_conns = s->total_conns;
}

size_t server_listeners(struct server *s, struct server_listener_info *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nls && n < max; i++) {
        const struct server_listener *l = &s->ls[i];
        memset(&out[n], 0, sizeof out[n]);
        out[n].kind = l->o.kind->name;
        out[n].nsessions = l->o.kind->sessions ? l->nconns : 0;
        l->o.kind->listener_info(s, l, &out[n]);
        n++;
    }
    return n;
}

void server_sessions(struct server *s,
                     void (*fn)(void *arg, const struct server_session_info *si), void *arg)
{
    for (size_t i = 0; i < s->nls; i++) {
        const struct listener_kind *k = s->ls[i].o.kind;
        if (!k->sessions)
            continue;
        for (const struct server_conn *c = s->ls[i].conns; c; c = c->next) {
            struct server_session_info si;
            memset(&si, 0, sizeof si);
            si.kind = k->name;
            k->session_info(s, c, &si);
            fn(arg, &si);
        }
    }
}

size_t server_session_memory(struct server *s, size_t *nconns)
{
    size_t total = 0;
    for (size_t i = 0; i < s->nls; i++)
        if (s->ls[i].o.kind->sessions)
            for (const struct server_conn *c = s->ls[i].conns; c; c = c->next)
                total += s->ls[i].o.kind->memory(c);
    if (nconns)
        *nconns = s->nsessions;
    return total;
}

bool server_lab_lost(const struct server *s)
{
    return s->lab_lost;
}

/* --- setup ------------------------------------------------------------------------ */

/* What each start draws anew: the APOP timestamps' random base, the watch
 * over the lab directory (labwatch.h). */
static void start_per_run(struct server *s)
{
    if (plat_random(&s->apop_base, sizeof s->apop_base))
        s->apop_base = (uint64_t)s->started ^ ((uint64_t)getpid() << 20);
    s->apop_base = (s->apop_base % (UINT64_C(1) << 40)) + 1; /* 13 digits at most */
    int e = labwatch_start(&s->watch, lab_dir(s->lab), s->started);
    if (e)
        LOG(s, "cannot watch %s/%s (%s): a deleted lab will go unnoticed", lab_dir(s->lab),
            CONTROL_PIDFILE, strerror(e));
}

/* The connection limit within the descriptors (as many as the hard limit
 * allows; connections stay within them: accept's EMFILE path is the last
 * resort, not the plan) and the connection rate limit. */
static int set_limits(struct server *s, size_t nls, char *err, size_t errlen)
{
    const struct daemon_config *cfg = s->cfg;
    uint64_t fdlim;
    int fe = plat_raise_fd_limit(&fdlim);
    s->fd_budget = fdlim > FD_RESERVE + nls ? fdlim - FD_RESERVE - nls : 0;
    if (fdlim == UINT64_MAX) {
        LOG(s, "descriptor limit: none%s%s; at most %zu connections", fe ? ": " : "",
            fe ? strerror(fe) : "", s->max_conns);
    } else {
        bool capped = s->fd_budget < s->max_conns;
        if (capped)
            s->max_conns = (size_t)s->fd_budget;
        LOG(s, "descriptor limit: %llu; at most %zu connections%s, %llu logged on (a "
               "logged-on session holds its maildrop lock too, and a message file during a "
               "RETR)", (unsigned long long)fdlim, s->max_conns, capped ? ", capped by it" : "",
            (unsigned long long)(s->fd_budget / 2));
    }
    if (!s->max_conns) {
        snprintf(err, errlen, "descriptor limit %llu leaves no room for connections",
                 (unsigned long long)fdlim);
        return EMFILE;
    }
    uint32_t seed = 0;
    (void)plat_random(&seed, sizeof seed); /* a zero seed still works */
    s->rate = malloc(sizeof *s->rate);
    if (!s->rate) {
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    uint32_t per_sec = cfg->max_conn_rate < 0 ? 0
                       : cfg->max_conn_rate ? (uint32_t)cfg->max_conn_rate : RATELIMIT_DEFAULT;
    ratelimit_init(s->rate, per_sec, cfg->rate_loopback, seed);
    if (per_sec)
        LOG(s, "connection rate limit: %u per address per second%s", per_sec,
            cfg->rate_loopback ? ", loopback included" : " (loopback exempt)");
    else
        LOG(s, "connection rate limit: off");
    return 0;
}

/* The event set with the stop signal, the listeners, the control channel. */
static int open_sockets(struct server *s, const struct server_listen *lsv, size_t nls, char *err,
                        size_t errlen)
{
    int e = plat_ev_new(&s->ep);
    if (e) {
        snprintf(err, errlen, "epoll: %s", strerror(e));
        return e;
    }
    /* SIGTERM, SIGINT, SIGHUP (Ctrl-C on Windows) as a descriptor to watch;
     * SIGPIPE ignored (plat.h). */
    e = plat_stop_open(&s->stop);
    if (!e)
        e = plat_ev_add(s->ep, s->stop.fd, PLAT_EV_IN, &s->sig);
    if (e) {
        snprintf(err, errlen, "signalfd: %s", strerror(e));
        return e;
    }
    for (size_t i = 0; i < nls; i++) {
        int fd;
        struct server_listener *l;
        e = net_listen_tcp(&lsv[i].addr, &fd, err, errlen);
        if (!e)
            e = listener_add(s, lsv[i].kind, fd, lsv[i].m, &lsv[i].addr, &l, err, errlen);
        if (e)
            return e;
    }
    return ctlconn_open(s, err, errlen);
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
    s->log.f = log;
    s->stop.fd = s->spare_fd = -1;
    s->max_conns = cfg->max_connections ? cfg->max_connections : DAEMON_DEFAULT_MAX_CONNECTIONS;
    s->started = server_mono_ms();
    start_per_run(s);
    pop3_config_default(&s->pcfg);
    if (cfg->idle_timeout > 0)
        s->pcfg.idle_timeout = cfg->idle_timeout;
    int e = set_limits(s, nls, err, errlen);
    if (!e)
        e = open_sockets(s, lsv, nls, err, errlen);
    if (e) {
        server_free(s);
        return e;
    }
    s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    *out = s;
    return 0;
}

/* --- the loop --------------------------------------------------------------------- */

static void group_begin(struct server *s)
{
    for (size_t i = 0; i < lab_machine_count(s->lab); i++) {
        struct machine *m = lab_machine_at(s->lab, i);
        if (machine_evtlog(m))
            evtlog_begin(machine_evtlog(m));
    }
}

static void group_commit(struct server *s)
{
    for (size_t i = 0; i < lab_machine_count(s->lab); i++) {
        struct machine *m = lab_machine_at(s->lab, i);
        if (machine_evtlog(m) && evtlog_commit(machine_evtlog(m)) != STATUS_SUCCESS)
            LOG(s, "%s: %s", machine_name(m), evtlog_failure_text(machine_evtlog(m)));
    }
}

/* Once a second, the lab itself (labwatch.h): deleted or replaced under
 * the daemon, it stops it; its clock is saved now and then. */
static void check_lab(struct server *s)
{
    char msg[PATH_MAX + 128];
    enum labwatch_event ev = s->lab_lost ? LABWATCH_OK
                                         : labwatch_tick(&s->watch, s->lab, server_mono_ms(),
                                                         msg, sizeof msg);
    if (ev != LABWATCH_OK)
        LOG(s, "%s", msg);
    if (ev == LABWATCH_LOST)
        s->lab_lost = s->stopping = true;
}

/* Every connection's timers (autologout, a stuck client, a silent control
 * client), then the lab. */
static void sweep(struct server *s)
{
    int64_t now = server_mono_ms();
    for (size_t i = 0; i < s->nls; i++) {
        struct server_conn *c = s->ls[i].conns, *next;
        for (; c; c = next) {
            next = c->next;
            c->o.kind->tick(s, c, now);
        }
    }
    check_lab(s);
}

/* The end of a pass of the loop: the event-log commit when due, store
 * changes, the once-a-second sweep, then the pass's log lines in one write
 * and the replies that waited for it. */
static void pass_end(struct server *s, int64_t *next_sweep)
{
    if (s->commit_due && server_mono_ms() >= s->commit_due) {
        group_commit(s);
        group_begin(s);
        s->commit_due = 0;
    }
    if (s->recheck) {
        s->recheck = false;
        for (size_t i = 0; i < s->nls; i++)
            if (s->ls[i].o.kind->changed)
                s->ls[i].o.kind->changed(s, &s->ls[i]);
    }
    if (server_mono_ms() >= *next_sweep) {
        sweep(s);
        *next_sweep = server_mono_ms() + SWEEP_MS;
    }
    s->log.batching = false;
    net_logger_flush(&s->log); /* this pass's lines, in one write */
    for (size_t i = 0; i < s->ndeferred; i++) { /* then the replies that waited */
        struct server_conn *c = s->deferred[i];
        if (c) {
            c->o.deferred = false;
            c->o.kind->output(s, c);
        }
    }
    s->ndeferred = 0;
}

/* One event: the stop signal, a listener's queue, or a connection's
 * socket, each to its row. Only a connection's own handlers close it, and
 * each fd appears once per wait: no event of a batch names a freed
 * connection (closing many at once waits for the end of the batch:
 * recheck, sweep). */
static void dispatch(struct server *s, const struct plat_ev_event *ev)
{
    struct server_obj *o = ev->ptr;
    if (!o->kind) {
        char name[64];
        if (plat_stop_take(&s->stop, name, sizeof name)) {
            LOG(s, "signal %s: stopping", name);
            s->stopping = true;
        }
    } else if (o->listening) {
        o->kind->accept(s, (struct server_listener *)o);
    } else if (ev->events & (PLAT_EV_IN | PLAT_EV_RDHUP | PLAT_EV_HUP | PLAT_EV_ERR)) {
        o->kind->input(s, (struct server_conn *)o);
    } else if (ev->events & PLAT_EV_OUT) {
        o->kind->output(s, (struct server_conn *)o);
    }
}

/* Shutdown: stop accepting; each connection sends what it already has
 * queued (best effort) and is dropped (no UPDATE for sessions that had not
 * sent QUIT), or keeps a moment for its reply (the `down` answer). */
static void shut_down(struct server *s, struct plat_ev_event *evs, int max)
{
    size_t dropped = s->nsessions;
    for (size_t i = 0; i < s->nls; i++) {
        struct server_listener *l = &s->ls[i];
        plat_ev_del(s->ep, l->o.fd);
        /* The control channel's stay open, out of the event set, until
         * server_free removes what they published (ctlconn_free). */
        if (l->o.kind->sessions) {
            plat_sock_close(l->o.fd);
            l->o.fd = -1;
        }
        struct server_conn *c = l->conns, *next;
        for (; c; c = next) {
            next = c->next;
            c->o.kind->stop(s, c);
        }
    }
    plat_ev_del(s->ep, s->stop.fd);
    int64_t until = server_mono_ms() + 2000;
    while (s->nconns_all && server_mono_ms() < until) {
        int n = plat_ev_wait(s->ep, evs, max, 100);
        for (int i = 0; i < n; i++) {
            struct server_conn *c = evs[i].ptr;
            c->o.kind->output(s, c);
        }
    }
    for (size_t i = 0; i < s->nls; i++)
        while (s->ls[i].conns)
            s->ls[i].o.kind->close(s, s->ls[i].conns, NULL);
    LOG(s, "stopped: %zu connection(s) closed", dropped);
}

void server_run(struct server *s)
{
    struct plat_ev_event evs[256];
    int64_t next_sweep = server_mono_ms() + SWEEP_MS;
    /* Group commit: the event-log records the loop writes (a 528 or 529
     * audit per logon) are each written at once, so a crash of this
     * process loses none, and fdatasynced together COMMIT_MS after the
     * first pass with activity rather than one fdatasync per logon. */
    group_begin(s);
    while (!s->stopping) {
        int64_t wake = s->commit_due && s->commit_due < next_sweep ? s->commit_due : next_sweep;
        int64_t left = wake - server_mono_ms();
        int n = plat_ev_wait(s->ep, evs, 256, left < 0 ? 0 : (int)left);
        if (n < 0 && errno != EINTR) {
            LOG(s, "epoll_wait: %s", strerror(errno));
            break;
        }
        if (n > 0 && !s->commit_due)
            s->commit_due = server_mono_ms() + COMMIT_MS;
        s->log.batching = true;
        for (int i = 0; i < n; i++)
            dispatch(s, &evs[i]);
        pass_end(s, &next_sweep);
    }
    group_commit(s);
    shut_down(s, evs, 256);
}

void server_free(struct server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nls; i++)
        while (s->ls[i].conns)
            s->ls[i].o.kind->close(s, s->ls[i].conns, NULL);
    ctlconn_free(s);
    for (size_t i = 0; i < s->nls; i++) {
        if (s->ls[i].o.kind->unlisten)
            s->ls[i].o.kind->unlisten(s, &s->ls[i]);
        if (s->ls[i].o.fd >= 0)
            plat_sock_close(s->ls[i].o.fd);
    }
    labwatch_stop(&s->watch);
    net_logger_free(&s->log);
    plat_stop_close(&s->stop);
    if (s->spare_fd >= 0)
        close(s->spare_fd);
    plat_ev_free(s->ep);
    free(s->rate);
    free(s->deferred);
    free(s);
}

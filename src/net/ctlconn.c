/* The control channel (ctlconn.h). */
#include "src/net/ctlconn.h"
#include "emulator/lab.h"
#include "src/exchange/exchange.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include "src/net/ctllocal.h"
#include "src/net/status.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTL_RECV_TIMEOUT_MS 30000 /* a control client must send its request by then */

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)

struct ctl {
    struct server_conn h;
    bool replied;
    bool need_auth; /* a TCP client that has not shown the secret yet */
    int64_t deadline_ms;
    struct buf in, out;
    size_t sent;
};

static void ctl_close(struct server *s, struct server_conn *h, const char *why)
{
    struct ctl *c = (struct ctl *)h;
    if (why)
        LOG(s, "control: %s", why);
    listener_conn_unlink(s, h);
    plat_sock_close(h->o.fd);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

static void ctl_flush(struct server *s, struct server_conn *h)
{
    struct ctl *c = (struct ctl *)h;
    while (c->sent < c->out.len) {
        ssize_t w = plat_send(h->o.fd, c->out.p + c->sent, c->out.len - c->sent);
        if (w > 0) {
            c->sent += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            plat_ev_mod(s->ep, h->o.fd, PLAT_EV_OUT, c);
            return;
        }
        break;
    }
    ctl_close(s, h, NULL);
}

/* Runs one command, its output to fo and fe; returns its exit code.
 * *ran: it went to the lab's command (what up --record records). */
static int ctl_run(struct server *s, struct control_request *req, FILE *fo, FILE *fe, bool *ran)
{
    const char *cmd = req->argv[0];
    char who[64] = "";
    if (req->machine)
        net_log_clean(req->machine, who, sizeof who);
    char line[128];
    net_log_clean(cmd, line, sizeof line);
    char sent[40] = "";
    if (req->nfiles) /* the files came with it: the daemon read no caller's path */
        snprintf(sent, sizeof sent, " (%zu file%s sent)", req->nfiles, req->nfiles > 1 ? "s" : "");
    LOG(s, "control: %s%s%s%s", line, who[0] ? " --machine " : "", who, sent);
    if (strcmp(cmd, "status") == 0 && req->argc == 1) {
        status_print(s, fo);
        return 0;
    }
    if (strcmp(cmd, "down") == 0 && req->argc == 1) {
        fprintf(fo, "ntlab: the daemon (pid %ld) serving %s is stopping\n", (long)getpid(),
                lab_dir(s->lab));
        s->stopping = true;
        return 0;
    }
    if (!s->cfg->command) {
        fprintf(fe, "ntlab: the daemon runs no admin commands\n");
        return 2;
    }
    int rc;
    char ferr[300] = "";
    if (control_request_files_put(req, lab_dir(s->lab), ferr, sizeof ferr)) {
        fprintf(fe, "ntlab: the daemon cannot take the command's files: %s\n", ferr);
        rc = 1;
    } else {
        rc = s->cfg->command(s->cfg->command_arg, s->lab, lab_dir(s->lab), req->machine,
                             req->argc, req->argv, fo, fe);
        *ran = true;
    }
    /* A new machine gets the store image; reboots and service commands
     * show in the stores. */
    for (size_t i = 0; i < lab_machine_count(s->lab); i++)
        (void)exchange_register(lab_machine_at(s->lab, i));
    s->recheck = true; /* after the batch: it may close connections */
    return rc;
}

/* up --record: hands the step that ran to the recorder. */
static void ctl_record(struct server *s, const struct control_request *req, int rc,
                       const char *out, size_t outlen, const char *err, size_t errlen)
{
    struct daemon_step st = {.machine = req->machine, .argc = req->argc, .argv = req->argv,
                             .files = req->files, .nfiles = req->nfiles, .rc = rc,
                             .out = out ? out : "", .outlen = outlen,
                             .err = err ? err : "", .errlen = errlen};
    char why[300] = "";
    int e = s->cfg->record->step(s->cfg->record->arg, &st, why, sizeof why);
    if (e)
        server_record_failed(s, e, why);
}

/* Runs one request and queues its response. */
static void ctl_execute(struct server *s, struct ctl *c, struct control_request *req)
{
    char *out = NULL, *err = NULL;
    size_t outlen = 0, errlen = 0;
    struct plat_memstream mo, me;
    FILE *fo = plat_memstream_open(&mo, &out, &outlen), *fe = plat_memstream_open(&me, &err, &errlen);
    int rc = 1;
    bool ran = false;
    if (fo && fe)
        rc = ctl_run(s, req, fo, fe, &ran);
    plat_memstream_close(&mo);
    plat_memstream_close(&me);
    /* the caller's names for its files, not where the daemon put them */
    if (fo && fe && (control_request_unplace(req, &out, &outlen) ||
                     control_request_unplace(req, &err, &errlen)))
        LOG(s, "control: out of memory naming the sent files (the reply names where they were)");
    control_request_files_drop(req);
    if (ran && fo && fe && server_recording(s))
        ctl_record(s, req, rc, out, out ? outlen : 0, err, err ? errlen : 0);
    if (!fo || !fe || control_response_encode(&c->out, rc, out, out ? outlen : 0, err,
                                              err ? errlen : 0)) {
        free(out);
        free(err);
        ctl_close(s, &c->h, NULL);
        return;
    }
    free(out);
    free(err);
    c->replied = true;
    ctl_flush(s, &c->h);
}

/* A TCP client's secret, before its request: 0 when shown (the rest of
 * c->in is the request), EAGAIN for more, else the connection is closed. */
static int ctl_auth(struct server *s, struct ctl *c)
{
    size_t used;
    int a = ctltcp_auth_check(c->in.p, c->in.len, &s->secret, &used);
    if (a == EAGAIN)
        return EAGAIN;
    if (a) {
        LOG(s, "control: TCP client %s: closed", a == EACCES ? "gave a wrong secret"
                                                             : "sent no secret");
        ctl_close(s, &c->h, NULL);
        return a;
    }
    buf_consume(&c->in, used);
    c->need_auth = false;
    return 0;
}

static void ctl_readable(struct server *s, struct server_conn *h)
{
    struct ctl *c = (struct ctl *)h;
    if (c->replied) { /* a hang-up or an error while the reply goes out */
        ctl_flush(s, h);
        return;
    }
    char buf[16384];
    ssize_t r = plat_recv(h->o.fd, buf, sizeof buf);
    if (r < 0 && (errno == EAGAIN || errno == EINTR || errno == EWOULDBLOCK))
        return;
    if (r <= 0 || c->in.len + (size_t)r > CONTROL_REQUEST_MAX + 64 ||
        buf_append(&c->in, buf, (size_t)r)) {
        ctl_close(s, h, NULL);
        return;
    }
    if (c->need_auth && (ctl_auth(s, c) || !c->in.len))
        return;
    struct control_request req;
    int e = control_request_parse(c->in.p, c->in.len, &req);
    if (e == EAGAIN)
        return;
    if (e) {
        LOG(s, "control: malformed request dropped (%s)", strerror(e));
        ctl_close(s, h, NULL);
        return;
    }
    plat_ev_mod(s->ep, h->o.fd, 0, c);
    ctl_execute(s, c, &req);
    control_request_free(&req);
}

static void ctl_writable(struct server *s, struct server_conn *h)
{
    if (((struct ctl *)h)->replied)
        ctl_flush(s, h);
}

/* l->tcp: from a TCP listener, where the secret stands in for the peer's
 * uid. */
static void accept_ctl(struct server *s, struct server_listener *l)
{
    for (int k = 0; k < 16; k++) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int fd = plat_accept(l->o.fd, (struct sockaddr *)&peer, &pl,
                             PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (l->tcp) {
            char a[NET_ADDR_STR_MAX];
            net_sockaddr_format((struct sockaddr *)&peer, pl, a, sizeof a);
            LOG(s, "control: TCP connection from %s", a);
        } else if (!plat_sock_peer_is_self(fd)) {
            LOG(s, "control: connection from another user refused");
            control_refuse_peer(fd, lab_dir(s->lab));
            continue;
        }
        struct ctl *c = calloc(1, sizeof *c);
        if (!c) {
            plat_sock_close(fd);
            continue;
        }
        c->h.o.kind = &ctlconn_kind;
        c->h.o.fd = fd;
        c->need_auth = l->tcp;
        c->deadline_ms = server_mono_ms() + CTL_RECV_TIMEOUT_MS;
        if (listener_conn_add(s, l, &c->h, PLAT_EV_IN) != 0) {
            plat_sock_close(fd);
            free(c);
        }
    }
}

static void ctl_tick(struct server *s, struct server_conn *h, int64_t mono_ms)
{
    if (mono_ms >= ((struct ctl *)h)->deadline_ms) /* a silent or stuck control client */
        ctl_close(s, h, NULL);
}

/* Shutdown: a reply under way gets the last moment (the `down` answer);
 * a request not yet answered is not run. */
static void ctl_stop(struct server *s, struct server_conn *h)
{
    if (!((struct ctl *)h)->replied)
        ctl_close(s, h, NULL);
}

static size_t ctl_memory(const struct server_conn *h)
{
    const struct ctl *c = (const struct ctl *)h;
    return sizeof *c + c->in.cap + c->out.cap;
}

static void listener_info(struct server *s, const struct server_listener *l,
                          struct server_listener_info *out)
{
    (void)s;
    if (l->tcp) {
        net_addr_format(&l->addr, out->address, sizeof out->address);
        out->tcp_secret = true;
    }
}

const struct listener_kind ctlconn_kind = {
    .name = "control",
    .sessions = false,
    .accept = accept_ctl,
    .input = ctl_readable,
    .output = ctl_writable,
    .tick = ctl_tick,
    .stop = ctl_stop,
    .close = ctl_close,
    .memory = ctl_memory,
    .listener_info = listener_info,
};

/* The TCP listener's address and secret file (secret_file: the local
 * channel's, made already, or ""). */
static int tcp_setup(struct server *s, char *secret_file, size_t n, char *err, size_t errlen)
{
    const struct daemon_config *cfg = s->cfg;
    /* Never without a secret: TCP cannot tell who the peer is. */
    if (cfg->control_tcp && ctltcp_spec_parse(cfg->control_tcp, &s->ctl_tcp_addr)) {
        snprintf(err, errlen, "bad --control '%s' (tcp:ADDR:PORT)", cfg->control_tcp);
        return EINVAL;
    }
    if (!secret_file[0] && !cfg->control_secret_file) {
        snprintf(err, errlen, "--control %s needs --control-secret-file", cfg->control_tcp);
        return EINVAL;
    }
    if (!secret_file[0] && plat_realpath(cfg->control_secret_file, secret_file, n))
        str_copy(secret_file, n, cfg->control_secret_file);
    return ctltcp_secret_load(secret_file, &s->secret, err, errlen);
}

int ctlconn_open(struct server *s, char *err, size_t errlen)
{
    struct server_listener *l;
    int e, fd;
    if (PLAT_HAS_UNIX_SOCKETS) {
        e = control_listen(lab_dir(s->lab), &fd, err, errlen);
        if (!e)
            e = listener_add(s, &ctlconn_kind, fd, NULL, NULL, &l, err, errlen);
        if (e)
            return e;
    }
    /* Without Unix sockets (Windows) the lab's own channel is loopback TCP
     * with a fresh secret, published in the lab (ctllocal.h). */
    char secret_file[PATH_MAX] = "";
    if (!PLAT_HAS_UNIX_SOCKETS && !s->cfg->control_tcp) {
        ctllocal_default_addr(&s->ctl_tcp_addr);
        e = ctllocal_make_secret(lab_dir(s->lab), secret_file, sizeof secret_file, err, errlen);
        if (e)
            return e;
    }
    if (!s->cfg->control_tcp && !secret_file[0])
        return 0;
    e = tcp_setup(s, secret_file, sizeof secret_file, err, errlen);
    if (!e)
        e = net_listen_tcp(&s->ctl_tcp_addr, &fd, err, errlen);
    if (!e)
        e = listener_add(s, &ctlconn_kind, fd, NULL, &s->ctl_tcp_addr, &l, err, errlen);
    if (e)
        return e;
    l->tcp = true;
    if (!PLAT_HAS_UNIX_SOCKETS)
        e = ctllocal_publish(lab_dir(s->lab), l->o.fd, secret_file, err, errlen);
    return e;
}

void ctlconn_free(struct server *s)
{
    for (size_t i = 0; i < s->nls; i++) {
        struct server_listener *l = &s->ls[i];
        if (l->o.kind != &ctlconn_kind || l->o.fd < 0)
            continue;
        plat_sock_close(l->o.fd);
        l->o.fd = -1;
        /* the Unix socket, or on Windows the published TCP endpoint */
        if ((!l->tcp || !PLAT_HAS_UNIX_SOCKETS) && !s->lab_lost)
            control_unlink(lab_dir(s->lab));
    }
    ctltcp_secret_wipe(&s->secret);
}

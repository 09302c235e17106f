/* The console's listener row (httpconn.h). */
#include "src/net/httpconn.h"
#include "src/console/console.h"
#include <errno.h>
#include <string.h>
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "src/console/live.h"
#include "src/exchange/exchange.h"
#include "src/net/httplive.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>

#define LOG(s, ...) net_logger_printf(&(s)->log, __VA_ARGS__)
/* a class's browsers on one host: 64 live streams and room for requests */
#define HTTP_MAX_CONNS (HTTPLIVE_MAX_STREAMS + 32)
#define HTTP_TIMEOUT_S 60        /* an idle keep-alive connection */
#define HTTP_CONN_MEMORY 65536u  /* per connection: bounds the request head */

struct http_listener {
    struct server_conn pump; /* fd: libmicrohttpd's epoll descriptor */
    struct server *s;
    struct MHD_Daemon *d;
    struct console con;
    struct httplive *live;
    struct console_live *snap; /* the last snapshot live updates compare with */
};

/* One request's body as it arrives. */
struct http_req {
    char *body;
    size_t len;
    bool too_large;
};

static bool peer_loopback(const struct sockaddr *sa)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

static bool take_body(struct http_req *r, const char *data, size_t n)
{
    if (r->too_large || r->len + n > CONSOLE_BODY_MAX) {
        r->too_large = true; /* read and drop the rest, then answer 413 */
        return true;
    }
    char *p = realloc(r->body, r->len + n + 1);
    if (!p)
        return false;
    memcpy(p + r->len, data, n);
    r->len += n;
    p[r->len] = 0;
    r->body = p;
    return true;
}

static const char *header(struct MHD_Connection *conn, enum MHD_ValueKind kind, const char *k)
{
    return MHD_lookup_connection_value(conn, kind, k);
}

static void live_emit(void *arg, const char *event, const char *json)
{
    httplive_broadcast(arg, event, json);
}

/* The console's way to the daemon's command (console.h): as the control
 * channel runs it, without a --machine. */
static int http_command(void *arg, int argc, char **argv, FILE *out, FILE *err)
{
    struct server *s = arg;
    return s->cfg->command(s->cfg->command_arg, s->lab, lab_dir(s->lab), NULL, argc, argv, out,
                           err);
}

/* up --record: a console write's step (console.h record), handed on as
 * the control channel's are (ctlconn.c ctl_record). It carries no output:
 * a console write prints nothing a replay could check (our choice: the
 * step's exit code 0 is the check). */
static int http_record(void *arg, const char *machine, int argc, char **argv, char *err,
                       size_t errlen)
{
    struct server *s = arg;
    if (!server_recording(s))
        return 0; /* stopped after a failure: logged then */
    struct daemon_step st = {.machine = machine, .argc = argc, .argv = argv, .out = "",
                             .err = ""};
    int e = s->cfg->record->step(s->cfg->record->arg, &st, err, errlen);
    if (e)
        server_record_failed(s, e, err);
    return e;
}

/* Live updates: the lab's snapshot compared with the last one. */
static void http_scan(struct http_listener *hl)
{
    if (hl->live && hl->snap)
        console_live_scan(hl->snap, hl->s->lab, live_emit, hl->live);
}

static enum MHD_Result respond(struct http_listener *hl, struct MHD_Connection *conn,
                               const char *url, const char *method, struct http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const char *token = header(conn, MHD_HEADER_KIND, "X-Ntlab-Token");
    if (!token)
        token = header(conn, MHD_GET_ARGUMENT_KIND, "token");
    struct console_request rq = {
        .method = method,
        .path = url,
        .token = token,
        .host = header(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
        .origin = header(conn, MHD_HEADER_KIND, "Origin"),
        .peer_loopback = ci && peer_loopback(ci->client_addr),
        .body_too_large = r->too_large,
        .body = r->body ? r->body : "",
        .body_len = r->len,
    };
    char why[300];
    if (httplive_owns(url) && hl->live && console_access(&hl->con, &rq, why, sizeof why) == 0) {
        return httplive_answer(hl->live, conn, url, method, r->body ? r->body : "", r->len,
                               r->too_large);
    }
    struct console_response rs;
    struct MHD_Response *resp = NULL;
    if (console_handle(&hl->con, &rq, &rs) == 0)
        resp = MHD_create_response_from_buffer(rs.len, rs.body, MHD_RESPMEM_MUST_COPY);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        char line[160];
        net_log_clean(url, line, sizeof line);
        LOG(hl->s, "console: %s %s: %d", method, line, resp ? rs.status : 500);
    }
    if (hl->con.changed) {
        /* as after a control command (ctlconn.c): reboots and service
         * commands show in the stores */
        hl->con.changed = false;
        for (size_t i = 0; i < lab_machine_count(hl->s->lab); i++)
            (void)exchange_register(lab_machine_at(hl->s->lab, i));
        hl->s->recheck = true;
        http_scan(hl); /* right after the write, not at the next tick */
    }
    if (!resp) {
        console_response_free(&rs);
        return MHD_NO; /* libmicrohttpd closes the connection */
    }
    httplive_headers(resp, rs.type);
    if (rs.attachment[0]) { /* Save as scenario (api_export.c) */
        char cd[sizeof rs.attachment + 40];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", rs.attachment);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
    }
    if (rs.cache) { /* the page's static files may be kept a while (pages.c) */
        MHD_del_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, rs.cache);
    }
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs.status, resp);
    MHD_destroy_response(resp);
    console_response_free(&rs);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **req_cls)
{
    (void)version;
    struct http_req *r = *req_cls;
    if (!r) { /* the head only: the body (if any) comes in the next calls */
        r = calloc(1, sizeof *r);
        *req_cls = r;
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        bool ok = take_body(r, upload, *upload_size);
        *upload_size = 0;
        return ok ? MHD_YES : MHD_NO;
    }
    return respond(cls, conn, url, method, r);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn, (void)why;
    struct http_req *r = *req_cls;
    if (r) {
        free(r->body);
        free(r);
        *req_cls = NULL;
    }
}

static unsigned addr_port(const struct net_addr *a)
{
    if (a->ss.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

static void pump_close(struct server *s, struct server_conn *c, const char *why)
{
    if (c->o.kind != &httpconn_kind) { /* a terminal of the listener (server.c closes
                                          a listener's connections through its row) */
        c->o.kind->close(s, c, why);
        return;
    }
    struct http_listener *hl = (struct http_listener *)c;
    httplive_free(hl->live);
    hl->live = NULL;
    if (why)
        LOG(s, "console: %s", why);
    listener_conn_unlink(s, c);
    MHD_stop_daemon(hl->d); /* closes its connections and its epoll descriptor */
    hl->d = NULL;
}

static void pump_run(struct server *s, struct server_conn *c)
{
    (void)s;
    struct http_listener *hl = (struct http_listener *)c;
    if (hl->d)
        MHD_run(hl->d);
}

static void pump_tick(struct server *s, struct server_conn *c, int64_t mono_ms)
{
    struct http_listener *hl = (struct http_listener *)c;
    if (hl->live) {
        http_scan(hl);
        httplive_tick(hl->live, mono_ms);
    }
    pump_run(s, c); /* libmicrohttpd's timeouts */
}

static void pump_stop(struct server *s, struct server_conn *c)
{
    pump_close(s, c, NULL);
}

static size_t pump_memory(const struct server_conn *c)
{
    (void)c;
    return sizeof(struct http_listener);
}

static int http_listen(struct server *s, struct server_listener *l)
{
    char err[PATH_MAX + 200];
    struct http_listener *hl = calloc(1, sizeof *hl);
    if (!hl)
        return ENOMEM;
    int e = console_secret_load(lab_dir(s->lab), hl->con.secret, err, sizeof err);
    if (e) {
        LOG(s, "console: %s", err);
        free(hl);
        return e;
    }
    hl->s = s;
    hl->con.lab = s->lab;
    if (s->cfg->command) {
        hl->con.command = http_command;
        hl->con.command_arg = s;
    }
    if (s->cfg->record) {
        hl->con.record = http_record;
        hl->con.record_arg = s;
    }
    hl->con.port = addr_port(&l->addr);
    hl->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME,
                             0, NULL, NULL, on_request, hl, MHD_OPTION_NOTIFY_COMPLETED, on_done, hl,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNS,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
                             MHD_OPTION_END);
    const union MHD_DaemonInfo *di =
        hl->d ? MHD_get_daemon_info(hl->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    e = !hl->d ? EIO : !di ? ENOTSUP : 0;
    if (!e) {
        hl->pump.o.kind = &httpconn_kind;
        hl->pump.o.fd = di->epoll_fd;
        e = listener_conn_add(s, l, &hl->pump, PLAT_EV_IN);
    }
    if (!e) {
        hl->live = httplive_new(s, l, hl->d);
        hl->snap = calloc(1, sizeof *hl->snap);
        e = hl->live && hl->snap ? 0 : ENOMEM;
        if (e)
            listener_conn_unlink(s, &hl->pump);
        else
            http_scan(hl); /* primes: the first differences are the lab's next changes */
    }
    if (e) {
        LOG(s, "console: libmicrohttpd: %s", strerror(e));
        httplive_free(hl->live);
        free(hl->snap);
        if (hl->d)
            MHD_stop_daemon(hl->d);
        plat_wipe(hl->con.secret, sizeof hl->con.secret);
        free(hl);
        return e;
    }
    l->data = hl;
    return 0;
}

static void http_unlisten(struct server *s, struct server_listener *l)
{
    (void)s;
    struct http_listener *hl = l->data;
    if (!hl)
        return;
    httplive_free(hl->live);
    if (hl->d)
        MHD_stop_daemon(hl->d);
    plat_wipe(hl->con.secret, sizeof hl->con.secret);
    free(hl->snap);
    free(hl);
    l->data = NULL;
}

/* Hands queued connections to libmicrohttpd (a bounded number per call). */
static void http_accept(struct server *s, struct server_listener *l)
{
    struct http_listener *hl = l->data;
    for (int k = 0; k < 16 && hl && hl->d; k++) {
        struct sockaddr_storage ss;
        socklen_t sl;
        int fd = listener_accept_fd(l, &ss, &sl);
        if (fd < 0)
            break;
        /* libmicrohttpd owns fd now, and closes it also when it refuses */
        if (MHD_add_connection(hl->d, fd, (struct sockaddr *)&ss, sl) != MHD_YES)
            LOG(s, "console: connection refused: %s", strerror(errno));
    }
    if (hl && hl->d)
        MHD_run(hl->d);
}

static void http_info(struct server *s, const struct server_listener *l,
                      struct server_listener_info *out)
{
    (void)s;
    net_addr_format(&l->addr, out->address, sizeof out->address);
    const struct http_listener *hl = l->data;
    out->console = true;
    if (hl)
        httplive_counts(hl->live, &out->streams, &out->terminals);
}

const struct listener_kind httpconn_kind = {
    .name = "HTTP",
    .sessions = false,
    .listen = http_listen,
    .unlisten = http_unlisten,
    .accept = http_accept,
    .input = pump_run,
    .output = pump_run,
    .tick = pump_tick,
    .stop = pump_stop,
    .close = pump_close,
    .memory = pump_memory,
    .listener_info = http_info,
};

void httpconn_print(struct server *s, FILE *f)
{
    for (size_t i = 0; i < s->nls; i++) {
        const struct server_listener *l = &s->ls[i];
        if (l->o.kind != &httpconn_kind || !l->data)
            continue;
        const struct http_listener *hl = l->data;
        char a[NET_ADDR_STR_MAX];
        net_addr_format(&l->addr, a, sizeof a);
        fprintf(f, "  console http://%s/?token=%s\n", a, hl->con.secret);
    }
}

int httpconn_prepare(const char *labdir, char *err, size_t errlen)
{
    char secret[CONSOLE_SECRET_LEN + 1];
    int e = console_secret_load(labdir, secret, err, errlen);
    plat_wipe(secret, sizeof secret);
    return e;
}

int httpconn_parse(const char *spec, struct net_addr *out, char *err, size_t errlen)
{
    char why[160];
    if (net_addr_check(spec, why, sizeof why) == 0 && net_addr_parse(spec, out) == 0)
        return 0;
    snprintf(err, errlen, "--http '%s': %s (expected [ADDR:]PORT, e.g. 8110 or 127.0.0.1:8110)",
             spec, why);
    return EINVAL;
}
#else
/* This build has no console (console.h says which builds). */
static void none_accept(struct server *s, struct server_listener *l)
{
    (void)s, (void)l;
}
const struct listener_kind httpconn_kind = {.name = "HTTP", .accept = none_accept};

void httpconn_print(struct server *s, FILE *f)
{
    (void)s, (void)f;
}

int httpconn_prepare(const char *labdir, char *err, size_t errlen)
{
    (void)labdir, (void)err, (void)errlen;
    return ENOTSUP; /* httpconn_parse refused already */
}

int httpconn_parse(const char *spec, struct net_addr *out, char *err, size_t errlen)
{
    (void)spec, (void)out;
    snprintf(err, errlen, "--http: this build of ntlab has no browser console (the Windows "
                          "build and the QEMU appliance's static build do not include "
                          "libmicrohttpd; README \"Teaching console\")");
    return ENOTSUP;
}
#endif

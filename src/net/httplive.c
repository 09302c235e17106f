/* The console's live streams and POP3 terminals (httplive.h). */
#include "src/lib/plat.h"
#if !PLAT_WINDOWS && !defined(NTLAB_NO_CONSOLE) /* console.h's rule */
#include "src/net/httplive.h"
#include "src/console/console.h"
#include "src/console/reply.h"
#include "emulator/machine.h"
#include <strings.h>
#include "src/lib/base64.h"
#include "src/net/pop3conn.h"
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LIVE_MAX_SESSIONS 4096

struct stream {
    struct httplive *hl; /* NULL once the listener went away */
    struct MHD_Connection *conn;
    bool suspended, ended;
    char *buf;
    size_t len, off;
    int64_t last_ms; /* last bytes queued: the keepalive's clock */
};

struct term {
    struct server_conn c;
    struct httplive *hl;
    uint32_t id;
    bool closed;
    int64_t last_ms;
    char *log; /* the last HTTPLIVE_TERM_KEEP bytes received */
    size_t loglen;
};

struct sess {
    uint64_t id;
    const char *kind;
};

struct httplive {
    struct server *s;
    struct server_listener *l;
    struct MHD_Daemon *d;
    struct stream *streams[HTTPLIVE_MAX_STREAMS];
    struct term *terms[HTTPLIVE_MAX_TERMS];
    uint32_t next_term;
    struct sess *sess;
    size_t nsess;
};

void httplive_headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", CONSOLE_CSP);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!text)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    httplive_headers(r, "application/json");
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result fail(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    return reply(conn, status, json_pack("{s:s}", "error", msg));
}

/* --- streams ---------------------------------------------------------------------- */

static void stream_wake(struct stream *st)
{
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
}

static void stream_put(struct stream *st, const char *text, size_t n, int64_t now)
{
    if (st->ended)
        return;
    if (st->len + n > HTTPLIVE_STREAM_MAX) {
        st->ended = true; /* a client this far behind reconnects (EventSource does) */
    } else {
        char *p = realloc(st->buf, st->len + n);
        if (!p) {
            st->ended = true;
        } else {
            memcpy(p + st->len, text, n);
            st->buf = p;
            st->len += n;
        }
    }
    st->last_ms = now;
    stream_wake(st);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = cls;
    if (st->off == st->len) {
        st->off = st->len = 0;
        if (st->ended || !st->hl)
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* nothing to send: wait suspended, not in a loop of empty reads */
        st->suspended = true;
        MHD_suspend_connection(st->conn);
        return 0;
    }
    size_t n = st->len - st->off < max ? st->len - st->off : max;
    memcpy(buf, st->buf + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *st = cls;
    for (size_t i = 0; st->hl && i < HTTPLIVE_MAX_STREAMS; i++)
        if (st->hl->streams[i] == st)
            st->hl->streams[i] = NULL;
    free(st->buf);
    free(st);
}

static enum MHD_Result open_stream(struct httplive *hl, struct MHD_Connection *conn)
{
    size_t slot = HTTPLIVE_MAX_STREAMS;
    for (size_t i = 0; i < HTTPLIVE_MAX_STREAMS && slot == HTTPLIVE_MAX_STREAMS; i++)
        if (!hl->streams[i])
            slot = i;
    if (slot == HTTPLIVE_MAX_STREAMS)
        return fail(conn, 503, "too many live streams (64): close a console tab");
    struct stream *st = calloc(1, sizeof *st);
    if (!st)
        return MHD_NO;
    st->hl = hl;
    st->conn = conn;
    st->last_ms = server_mono_ms();
    /* the first bytes say the stream is open (and retry: EventSource's delay) */
    static const char hello[] = "retry: 2000\n: ntlab live\n\n";
    stream_put(st, hello, sizeof hello - 1, st->last_ms);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    hl->streams[slot] = st;
    httplive_headers(r, "text/event-stream");
    enum MHD_Result ok = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ok;
}

void httplive_broadcast(struct httplive *hl, const char *event, const char *json)
{
    size_t n = strlen(event) + strlen(json) + 20;
    char *text = malloc(n);
    if (!text)
        return;
    int k = snprintf(text, n, "event: %s\ndata: %s\n\n", event, json);
    int64_t now = server_mono_ms();
    for (size_t i = 0; k > 0 && i < HTTPLIVE_MAX_STREAMS; i++)
        if (hl->streams[i])
            stream_put(hl->streams[i], text, (size_t)k, now);
    free(text);
    /* No MHD_run here: this may run inside libmicrohttpd's own callbacks
     * (a write's scan), which must not re-enter it. A resume wakes
     * libmicrohttpd's epoll descriptor, so the loop runs it next pass;
     * the terminal's input runs it at once itself. */
}

/* --- terminals ---------------------------------------------------------------------- */

/* The slot of terminal id, or HTTPLIVE_MAX_TERMS. */
static size_t term_find(struct httplive *hl, const char *id)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(id, &end, 10);
    for (size_t i = 0; id[0] >= '0' && id[0] <= '9' && !*end && !errno && i < HTTPLIVE_MAX_TERMS;
         i++)
        if (hl->terms[i] && hl->terms[i]->id == v)
            return i;
    return HTTPLIVE_MAX_TERMS;
}

static void term_event(struct term *t, const char *data, size_t n, bool closed)
{
    char *b64 = malloc(base64_encoded_len(n) + 1);
    if (!b64)
        return;
    base64_encode(data, n, b64);
    json_t *v = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)t->id, "data", b64, "closed",
                          closed);
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    free(b64);
    if (text)
        httplive_broadcast(t->hl, "terminal", text);
    free(text);
}

static void term_keep(struct term *t, const char *data, size_t n)
{
    if (n >= HTTPLIVE_TERM_KEEP) {
        data += n - HTTPLIVE_TERM_KEEP;
        n = HTTPLIVE_TERM_KEEP;
    }
    if (t->loglen + n > HTTPLIVE_TERM_KEEP) {
        size_t drop = t->loglen + n - HTTPLIVE_TERM_KEEP;
        memmove(t->log, t->log + drop, t->loglen - drop);
        t->loglen -= drop;
    }
    memcpy(t->log + t->loglen, data, n);
    t->loglen += n;
}

/* Ends t's connection (EOF, DELETE, idle, the daemon stopping); its
 * transcript stays readable (GET) until its slot is needed or it is
 * deleted. */
static void term_close(struct server *s, struct server_conn *c, const char *why)
{
    (void)why;
    struct term *t = (struct term *)c;
    if (t->closed)
        return;
    listener_conn_unlink(s, c);
    close(c->o.fd);
    t->closed = true;
    if (t->hl)
        term_event(t, "", 0, true);
}

static void term_free(struct httplive *hl, size_t slot)
{
    struct term *t = hl->terms[slot];
    term_close(hl->s, &t->c, NULL);
    hl->terms[slot] = NULL;
    free(t->log);
    free(t);
}

static void term_input(struct server *s, struct server_conn *c)
{
    struct term *t = (struct term *)c;
    char buf[4096];
    ssize_t n = recv(c->o.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        term_close(s, c, NULL);
        return;
    }
    t->last_ms = server_mono_ms();
    term_keep(t, buf, (size_t)n);
    term_event(t, buf, (size_t)n, false);
    MHD_run(t->hl->d); /* the reply to the browser now, not at the next tick */
}

static void term_output(struct server *s, struct server_conn *c)
{
    (void)s, (void)c; /* sends are small and synchronous (term_send) */
}

static void term_tick(struct server *s, struct server_conn *c, int64_t mono_ms)
{
    if (mono_ms - ((struct term *)c)->last_ms >= HTTPLIVE_TERM_IDLE_MS)
        term_close(s, c, NULL);
}

static size_t term_memory(const struct server_conn *c)
{
    (void)c;
    return sizeof(struct term) + HTTPLIVE_TERM_KEEP;
}

static void term_stop(struct server *s, struct server_conn *c)
{
    term_close(s, c, NULL);
}

const struct listener_kind httplive_term_kind = {
    .name = "terminal",
    .input = term_input,
    .output = term_output,
    .tick = term_tick,
    .stop = term_stop,
    .close = term_close,
    .memory = term_memory,
};

/* The POP3 listener of machine (NULL: the first one), its address made
 * connectable (a wildcard bind is reached on loopback). */
static const struct server_listener *pop3_listener(struct server *s, const char *machine,
                                                   struct sockaddr_storage *to)
{
    for (size_t i = 0; i < s->nls; i++) {
        const struct server_listener *l = &s->ls[i];
        if (l->o.kind != &pop3conn_kind ||
            (machine && (!l->m || strcasecmp(machine_name(l->m), machine) != 0)))
            continue;
        *to = l->addr.ss;
        if (to->ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)to;
            if (a->sin_addr.s_addr == htonl(INADDR_ANY))
                a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        } else if (to->ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)to;
            if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
                a->sin6_addr = in6addr_loopback;
        }
        return l;
    }
    return NULL;
}

static int term_connect(const struct sockaddr_storage *to)
{
    int fd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    socklen_t len = to->ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                               : sizeof(struct sockaddr_in6);
    if (connect(fd, (const struct sockaddr *)to, len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static enum MHD_Result term_open(struct httplive *hl, struct MHD_Connection *conn,
                                 const char *body, size_t len)
{
    static const char *const allowed[] = {"machine", NULL};
    char why[200];
    json_t *b = reply_json_object(body, len, allowed, why, sizeof why);
    if (!b)
        return fail(conn, 400, why);
    json_t *mv = json_object_get(b, "machine");
    size_t slot = HTTPLIVE_MAX_TERMS;
    for (size_t i = 0; i < HTTPLIVE_MAX_TERMS && slot == HTTPLIVE_MAX_TERMS; i++)
        if (!hl->terms[i] || hl->terms[i]->closed)
            slot = i; /* a closed one's transcript gives way */
    struct sockaddr_storage to;
    bool bad = mv && !json_is_string(mv);
    const struct server_listener *pl =
        bad ? NULL : pop3_listener(hl->s, json_string_value(mv), &to);
    json_decref(b);
    if (bad)
        return fail(conn, 400, "\"machine\" must be a string");
    if (!pl)
        return fail(conn, 404, "no POP3 listener for that machine in this daemon");
    if (slot == HTTPLIVE_MAX_TERMS)
        return fail(conn, 503, "too many terminals (8): close one");
    if (hl->terms[slot])
        term_free(hl, slot);
    struct term *t = calloc(1, sizeof *t);
    char *log = malloc(HTTPLIVE_TERM_KEEP);
    int fd = t && log ? term_connect(&to) : -1;
    if (fd >= 0) {
        t->c.o.kind = &httplive_term_kind;
        t->c.o.fd = fd;
        t->hl = hl;
        t->log = log;
        t->id = ++hl->next_term;
        t->last_ms = server_mono_ms();
        if (listener_conn_add(hl->s, hl->l, &t->c, PLAT_EV_IN) == 0) {
            hl->terms[slot] = t;
            char a[NET_ADDR_STR_MAX];
            net_addr_format(&pl->addr, a, sizeof a);
            return reply(conn, 201, json_pack("{s:I, s:s}", "id", (json_int_t)t->id,
                                              "address", a));
        }
        close(fd);
    }
    snprintf(why, sizeof why, "cannot connect to the POP3 listener: %s", strerror(errno));
    free(log);
    free(t);
    return fail(conn, 502, why);
}

/* {"data": BASE64} or {"text": "..."} (UTF-8 as typed): the bytes, sent
 * as they are (the page adds the CR LF a telnet sends). */
static enum MHD_Result term_send(struct MHD_Connection *conn, struct term *t, const char *body,
                                 size_t len)
{
    static const char *const allowed[] = {"data", "text", NULL};
    char why[200];
    json_t *b = reply_json_object(body, len, allowed, why, sizeof why);
    if (!b)
        return fail(conn, 400, why);
    const char *data = json_string_value(json_object_get(b, "data"));
    const char *text = json_string_value(json_object_get(b, "text"));
    uint8_t bytes[4096];
    size_t n = 0;
    bool ok = (data != NULL) != (text != NULL);
    if (ok && data)
        ok = base64_decode(data, strlen(data), bytes, sizeof bytes, &n) == 0;
    else if (ok) {
        n = json_string_length(json_object_get(b, "text"));
        ok = n <= sizeof bytes;
        if (ok)
            memcpy(bytes, text, n);
    }
    json_decref(b);
    if (!ok)
        return fail(conn, 400, "give \"data\" (base64) or \"text\", up to 4096 bytes");
    size_t off = 0;
    while (off < n) {
        ssize_t k = send(t->c.o.fd, bytes + off, n - off, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return fail(conn, 409, "the POP3 connection does not take more bytes now");
        off += (size_t)k;
    }
    t->last_ms = server_mono_ms();
    return reply(conn, 200, json_pack("{s:I, s:I}", "id", (json_int_t)t->id, "sent",
                                      (json_int_t)n));
}

static enum MHD_Result term_get(struct MHD_Connection *conn, struct term *t)
{
    char *b64 = malloc(base64_encoded_len(t->loglen) + 1);
    if (!b64)
        return MHD_NO;
    base64_encode(t->log, t->loglen, b64);
    json_t *v = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)t->id, "received", b64, "open",
                          !t->closed);
    free(b64);
    return reply(conn, 200, v);
}

/* --- requests, ticks ---------------------------------------------------------------- */

bool httplive_owns(const char *path)
{
    return strcmp(path, "/api/v1/live") == 0 || strcmp(path, "/api/v1/terminal") == 0 ||
           strncmp(path, "/api/v1/terminal/", 17) == 0;
}

enum MHD_Result httplive_answer(struct httplive *hl, struct MHD_Connection *conn,
                                const char *path, const char *method, const char *body,
                                size_t len, bool too_large)
{
    if (too_large)
        return fail(conn, 413, "request body too large");
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
         del = strcmp(method, "DELETE") == 0;
    if (strcmp(path, "/api/v1/live") == 0)
        return get ? open_stream(hl, conn) : fail(conn, 405, "method not allowed (GET)");
    if (strcmp(path, "/api/v1/terminal") == 0)
        return post ? term_open(hl, conn, body, len)
                    : fail(conn, 405, "method not allowed (POST)");
    size_t slot = term_find(hl, path + 17);
    if (slot == HTTPLIVE_MAX_TERMS)
        return fail(conn, 404, "no terminal with that id");
    struct term *t = hl->terms[slot];
    if (get)
        return term_get(conn, t);
    if (post && t->closed)
        return fail(conn, 409, "the POP3 server closed this terminal's connection");
    if (post)
        return term_send(conn, t, body, len);
    if (del) {
        uint32_t id = t->id;
        term_free(hl, slot);
        return reply(conn, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "closed", 1));
    }
    return fail(conn, 405, "method not allowed (GET, POST, DELETE)");
}

struct sess_scan {
    struct sess *now;
    size_t n;
    const struct sess *old;
    size_t nold;
    struct httplive *hl;
};

static bool sess_in(const struct sess *a, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].id == id)
            return true;
    return false;
}

static void sess_one(void *arg, const struct server_session_info *si)
{
    struct sess_scan *sc = arg;
    if (sc->n == LIVE_MAX_SESSIONS)
        return;
    sc->now[sc->n++] = (struct sess){si->id, si->kind};
    if (sc->old && !sess_in(sc->old, sc->nold, si->id)) {
        json_t *v = json_pack("{s:s, s:I, s:s, s:s, s:b}", "kind", si->kind, "id",
                              (json_int_t)si->id, "peer", si->peer, "machine",
                              si->machine ? si->machine : "", "open", 1);
        char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
        json_decref(v);
        if (text)
            httplive_broadcast(sc->hl, "session", text);
        free(text);
    }
}

/* "session" events: sessions that opened or closed since the last tick. */
static void scan_sessions(struct httplive *hl)
{
    struct sess_scan sc = {calloc(LIVE_MAX_SESSIONS, sizeof(struct sess)), 0, hl->sess,
                           hl->nsess, hl};
    if (!sc.now)
        return;
    if (!hl->sess)
        sc.old = NULL; /* the first look only primes */
    server_sessions(hl->s, sess_one, &sc);
    for (size_t i = 0; hl->sess && i < hl->nsess; i++) {
        if (sess_in(sc.now, sc.n, hl->sess[i].id))
            continue;
        char text[160];
        snprintf(text, sizeof text, "{\"kind\":\"%s\",\"id\":%llu,\"open\":false}",
                 hl->sess[i].kind, (unsigned long long)hl->sess[i].id);
        httplive_broadcast(hl, "session", text);
    }
    free(hl->sess);
    hl->sess = sc.now;
    hl->nsess = sc.n;
}

void httplive_tick(struct httplive *hl, int64_t mono_ms)
{
    static const char ka[] = ": keepalive\n\n";
    for (size_t i = 0; i < HTTPLIVE_MAX_STREAMS; i++) {
        struct stream *st = hl->streams[i];
        if (st && mono_ms - st->last_ms >= HTTPLIVE_KEEPALIVE_MS)
            stream_put(st, ka, sizeof ka - 1, mono_ms);
    }
    scan_sessions(hl);
}

void httplive_counts(const struct httplive *hl, size_t *streams, size_t *terms)
{
    *streams = *terms = 0;
    for (size_t i = 0; hl && i < HTTPLIVE_MAX_STREAMS; i++)
        *streams += hl->streams[i] != NULL;
    for (size_t i = 0; hl && i < HTTPLIVE_MAX_TERMS; i++)
        *terms += hl->terms[i] && !hl->terms[i]->closed;
}

struct httplive *httplive_new(struct server *s, struct server_listener *l, struct MHD_Daemon *d)
{
    struct httplive *hl = calloc(1, sizeof *hl);
    if (hl) {
        hl->s = s;
        hl->l = l;
        hl->d = d;
        /* Made with the daemon, before any session: every session a tick
         * sees from now on is new (the stream once missed the opens of
         * the sessions that were up at the first tick). */
        scan_sessions(hl);
    }
    return hl;
}

void httplive_free(struct httplive *hl)
{
    if (!hl)
        return;
    for (size_t i = 0; i < HTTPLIVE_MAX_TERMS; i++) {
        if (hl->terms[i]) {
            hl->terms[i]->hl = NULL; /* no events: the streams end too */
            term_free(hl, i);
        }
    }
    /* streams end: resumed so that libmicrohttpd closes them as it stops */
    for (size_t i = 0; i < HTTPLIVE_MAX_STREAMS; i++) {
        struct stream *st = hl->streams[i];
        if (st) {
            st->hl = NULL;
            st->ended = true;
            stream_wake(st);
        }
    }
    free(hl->sess);
    free(hl);
}
#endif

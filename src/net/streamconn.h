/* Stream connections: what a POP3 and an SMTP connection (pop3conn.c,
 * smtpconn.c) share -- the accept loop, admission, the byte pump between
 * a protocol engine and the socket, the drain timeout, the close. A kind
 * embeds struct streamconn first in its connection and hands each call
 * its table of engine calls (struct streamconn_ops), so the hot path costs
 * one indirect call per engine operation.
 *
 * Internal to src/net (listener.h). */
#ifndef NTLAB_NET_STREAMCONN_H
#define NTLAB_NET_STREAMCONN_H
#include "src/lib/buf.h"
#include "src/net/listener.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scm_service;

/* The head of a stream connection (first member of the kind's own). */
struct streamconn {
    struct server_conn h;
    struct net_peer peer; /* the client's address (the status) */
    bool eof;             /* the client sent FIN: no more input, finish the output */
    uint8_t fds;          /* descriptors the session holds besides the socket */
    uint16_t events;      /* epoll interest now (PLAT_EV_* fit in 16 bits) */
    uint32_t stall;       /* when a closed session's last output got stuck (s), or 0 */
    uint32_t pend_len;
    uint64_t id;
    void *eng; /* the engine's session (the ops' first argument) */
    char *pend; /* input the engine has not taken yet (NULL almost always) */
    uint64_t bytes_in, bytes_out;
    struct buf *tape; /* up --record: the session's bytes (daemon.h), or NULL */
    bool tape_full;   /* past DAEMON_TAPE_MAX: no more taped */
};

/* A kind's engine and service calls (its row's .stream). eng is struct
 * streamconn.eng. */
struct streamconn_ops {
    size_t size;      /* of the kind's connection struct */
    const char *word; /* "" or "SMTP ": after "#N " / "NAME: " in the log lines */
    const char *service; /* "the Exchange store": the log's running/stopped lines */
    const char *fd_limit_why; /* the refusal's reason when descriptors run out */
    size_t (*input)(void *eng, const char *p, size_t len, int64_t now);
    const char *(*output)(void *eng, size_t *len);
    void (*consume)(void *eng, size_t n, int64_t now);
    bool (*closed)(const void *eng);
    bool (*want_input)(const void *eng);
    int64_t (*deadline)(const void *eng);
    void (*tick)(void *eng, int64_t now);
    /* Optional: descriptors the session holds now besides the socket. */
    unsigned (*fds)(const void *eng);
    /* Starts the session on a new connection c (the kind's struct, zeroed
     * but for the head): 0 or an errno value (then drop cleans up). */
    int (*start)(struct server *s, struct server_listener *l, struct streamconn *c,
                 const char *peer);
    /* Ends the engine's session and the service's, frees the kind's own
     * memory (not c); also after a failed start. */
    void (*drop)(struct streamconn *c);
    /* Sends the over-a-limit line instead of a banner (one non-blocking
     * send into the fresh socket fd's empty buffer). */
    void (*refuse_send)(struct server_listener *l, int fd);
    bool (*running)(struct machine *m);                   /* the service runs */
    /* Whether c's own service session still runs (a control command may
     * have stopped it), and the close's words when not. */
    bool (*conn_running)(const struct streamconn *c);
    const char *stopped_why;
    struct scm_service *(*service_of)(struct machine *m); /* the status' service */
    const char *(*persona_name)(struct machine *m);
};

/* The engine calls of an engine whose functions are PFX_input, PFX_output,
 * ... (pop3_session_*, smtp_session_*): STREAMCONN_ENGINE(PFX) defines
 * typed wrappers, STREAMCONN_ENGINE_OPS(PFX) names them in a table. */
#define STREAMCONN_ENGINE(PFX)                                                                 \
    static size_t PFX##_sc_input(void *e, const char *p, size_t len, int64_t now)              \
    {                                                                                          \
        return PFX##_input(e, p, len, now);                                                    \
    }                                                                                          \
    static const char *PFX##_sc_output(void *e, size_t *len) { return PFX##_output(e, len); }  \
    static void PFX##_sc_consume(void *e, size_t n, int64_t now) { PFX##_consume(e, n, now); } \
    static bool PFX##_sc_closed(const void *e) { return PFX##_closed(e); }                     \
    static bool PFX##_sc_want_input(const void *e) { return PFX##_want_input(e); }             \
    static int64_t PFX##_sc_deadline(const void *e) { return PFX##_deadline(e); }              \
    static void PFX##_sc_tick(void *e, int64_t now) { PFX##_tick(e, now); }
#define STREAMCONN_ENGINE_OPS(PFX)                                                             \
    .input = PFX##_sc_input, .output = PFX##_sc_output, .consume = PFX##_sc_consume,           \
    .closed = PFX##_sc_closed, .want_input = PFX##_sc_want_input,                              \
    .deadline = PFX##_sc_deadline, .tick = PFX##_sc_tick

/* The rows of a stream kind (struct listener_kind), its .stream the table:
 * accept takes up to 64 queued connections, admits and opens each (out of
 * descriptors: the server's spare one refuses one); input reads once into
 * the engine; output moves bytes between the engine and the socket as far
 * as both allow, then sets the epoll interest; tick runs the drain timeout,
 * then the engine's timers; stop sends what is queued (one non-blocking
 * send) and closes; close logs why (NULL: nothing), drops the sessions and
 * frees c. Each may close c. */
void streamconn_accept(struct server *s, struct server_listener *l);
void streamconn_readable(struct server *s, struct server_conn *h);
void streamconn_pump(struct server *s, struct server_conn *h);
void streamconn_tick(struct server *s, struct server_conn *h, int64_t mono_ms);
void streamconn_stop(struct server *s, struct server_conn *h);
void streamconn_close(struct server *s, struct server_conn *h, const char *why);
/* Notes the service's state in the log when it changed; whether it runs. */
bool streamconn_note_running(struct server *s, struct server_listener *l);
/* The row's changed: a control command ran; the listener notes its
 * service's new state, and connections whose service stopped are closed,
 * as the stopped service drops its clients. */
void streamconn_changed(struct server *s, struct server_listener *l);
/* The listener's part of the status. */
void streamconn_listener_info(struct server *s, const struct server_listener *l,
                              struct server_listener_info *out);
/* The head's part of the session status; idle from the engine's deadline,
 * which is the last activity plus idle_timeout (lab clock units). */
void streamconn_session_info(struct server *s, const struct streamconn *c, int64_t idle_timeout,
                             struct server_session_info *out);

/* The rows every stream kind shares, for its struct listener_kind. */
#define STREAMCONN_ROWS                                                                          \
    .accept = streamconn_accept, .input = streamconn_readable, .output = streamconn_pump,        \
    .tick = streamconn_tick, .changed = streamconn_changed, .stop = streamconn_stop,             \
    .close = streamconn_close, .listener_info = streamconn_listener_info

#endif

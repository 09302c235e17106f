/* Listener kinds: the daemon's loop (server.c) knows sockets, timers and
 * the pass; what a socket of each kind means lives in one row of engine
 * functions (struct listener_kind), the way pop3.h hands a session its
 * backend. POP3 (pop3conn.c) and the control channel (ctlconn.c) are rows;
 * SMTP or an HTTP console is another row, with no change to the loop.
 *
 * Internal to src/net: the rows' files see the server (struct server)
 * through this header. Everything in the event set starts with a struct
 * server_obj, so one load finds the row for an event. */
#ifndef NTLAB_NET_LISTENER_H
#define NTLAB_NET_LISTENER_H
#include "src/net/addr.h"
#include "src/net/ctltcp.h"
#include "src/net/daemon.h"
#include "src/net/labwatch.h"
#include "src/net/log.h"
#include "src/net/server.h"
#include "src/lib/plat.h"
#include "src/pop3/pop3.h"
#include <stdbool.h>
#include <stdint.h>

struct server_listener;
struct server_conn;
struct streamconn_ops;

/* One row per kind. Every function is required unless it says optional;
 * each gets the server and its own object (a kind casts a struct
 * server_conn * to its own connection struct, whose first member it is).
 * The loop calls exactly one of accept, input or output per event. */
struct listener_kind {
    const char *name; /* "POP3", "control": the status and the log */
    /* Its connections are sessions: they count against --max-connections
     * and the descriptor budget, and show in the status' "connections:"
     * and "sessions:" (the control channel's do not). */
    bool sessions;
    /* Optional: a listener of this kind was just added (note its state,
     * set up l->data); 0 or an errno value (the daemon does not start). */
    int (*listen)(struct server *s, struct server_listener *l);
    /* Optional: the daemon is freeing l: release l->data. */
    void (*unlisten)(struct server *s, struct server_listener *l);
    /* The listening socket is readable: accept what is queued (a bounded
     * number per call, so the loop stays fair). */
    void (*accept)(struct server *s, struct server_listener *l);
    /* A connection's socket is readable, hung up or in error. */
    void (*input)(struct server *s, struct server_conn *c);
    /* A connection's socket takes output again, or its reply waited for
     * the pass's log write (server_defer); also during shutdown. */
    void (*output)(struct server *s, struct server_conn *c);
    /* Once a second, per connection: timers (autologout, a stuck client);
     * may close c. */
    void (*tick)(struct server *s, struct server_conn *c, int64_t mono_ms);
    /* Optional: a control command ran (the stores may have changed). */
    void (*changed)(struct server *s, struct server_listener *l);
    /* The daemon is stopping: send what is queued and close, or keep c
     * for the last moment of output (then output, then close). */
    void (*stop)(struct server *s, struct server_conn *c);
    /* Ends c (listener_conn_unlink, its socket, its memory); why for the
     * log, NULL for none. */
    void (*close)(struct server *s, struct server_conn *c, const char *why);
    /* Heap bytes c holds (for the status' session heap). */
    size_t (*memory)(const struct server_conn *c);
    /* What a listener and a connection show in the status (server.h):
     * out comes zeroed with kind and nsessions filled. session_info is
     * called for kinds with sessions only (optional otherwise). */
    void (*listener_info)(struct server *s, const struct server_listener *l,
                          struct server_listener_info *out);
    void (*session_info)(struct server *s, const struct server_conn *c,
                         struct server_session_info *out);
    /* Optional: a stream kind's engine table (streamconn.h), for the
     * streamconn_* functions a stream kind's row uses. */
    const struct streamconn_ops *stream;
};

/* The head of everything in the event set (the event's ptr). kind NULL:
 * the stop signal. */
struct server_obj {
    const struct listener_kind *kind;
    bool listening; /* a struct server_listener, else a struct server_conn */
    bool deferred;  /* a connection in server.deferred: its reply waits for the
                       pass's log write */
    int fd;         /* the socket */
};

struct server_listener {
    struct server_obj o;
    bool was_running; /* POP3: the store's state last seen, for the log */
    bool tcp;         /* the control channel over TCP: the secret first */
    struct server *srv;
    struct machine *m; /* the machine whose store it serves; NULL for control */
    struct net_addr addr;
    char addr_str[NET_ADDR_STR_MAX]; /* addr for the log; "" until the first connect */
    size_t nconns;
    void *data; /* the kind's own per-listener state (its listen row's) */
    struct server_conn *conns; /* this listener's connections, newest first */
};

/* The head of every connection (first member of each kind's own). */
struct server_conn {
    struct server_obj o;
    struct server_listener *l;
    struct server_conn *prev, *next;
};

#define SERVER_MAX_LISTENERS (DAEMON_MAX_LISTEN + 2) /* + the control channel's two */

struct server {
    struct lab *lab;
    const struct daemon_config *cfg;
    struct net_logger log;
    struct plat_ev *ep;
    struct plat_stop stop;
    struct server_obj sig; /* kind NULL: stop.fd in the event set */
    struct server_listener ls[SERVER_MAX_LISTENERS];
    size_t nls;
    size_t nsessions, max_conns; /* connections of kinds with sessions */
    size_t nconns_all;           /* every connection, control included */
    size_t nfds;                 /* the sum of the sessions' own descriptors */
    uint64_t fd_budget;          /* descriptors for connections and their maildrops */
    struct ratelimit *rate;
    uint64_t next_id;
    struct pop3_config pcfg;
    int spare_fd; /* given up to accept-and-close when out of descriptors */
    bool stopping;
    bool recheck; /* a control command ran: look at the stores after the batch */
    bool lab_lost;
    bool record_off; /* the recorder failed once: no more recording */
    int64_t started;
    uint64_t total_conns;
    struct labwatch watch; /* the lab directory (gone or replaced: stop) and clock */
    /* Added to the connection number in the APOP timestamp <N.clock@host>:
     * random per start, so a restart that finds the clock where it was
     * does not repeat a timestamp (RFC 1939 §7 wants each one unique). */
    uint64_t apop_base;
    /* The control channel over TCP (ctlconn.c): where, and its secret. */
    struct net_addr ctl_tcp_addr;
    struct ctltcp_secret secret;
    /* Connections whose replies wait for the end of the pass, when one
     * write puts the log lines of all of them in the log first. */
    struct server_conn **deferred;
    size_t ndeferred, cap_deferred;
    int64_t commit_due; /* when the open event-log group is synced; 0 = no activity */
};

/* Whether the daemon records (cfg->record, not stopped by a failure). */
bool server_recording(const struct server *s);
/* Logs a recorder's failure (rc, err) and stops recording. */
void server_record_failed(struct server *s, int rc, const char *err);

/* The monotonic clock in milliseconds. */
int64_t server_mono_ms(void);

/* Opens nothing: registers the listening socket fd (the server owns it
 * from now on, also on failure) as a listener of kind for m (NULL for the
 * control channel) at addr (NULL: none). 0 or an errno value (err says). */
int listener_add(struct server *s, const struct listener_kind *kind, int fd, struct machine *m,
                 const struct net_addr *addr, struct server_listener **out, char *err,
                 size_t errlen);

/* Puts a new connection (its head filled: kind, fd) on l's list and in the
 * counts, and into the event set with events. 0 or an errno value (then
 * nothing is linked: the caller frees c and closes its socket). */
int listener_conn_add(struct server *s, struct server_listener *l, struct server_conn *c,
                      uint32_t events);
/* Takes c off its listener's list, the counts, the event set (where
 * closing its socket does not) and the deferred replies. The caller
 * closes the socket and frees c. */
void listener_conn_unlink(struct server *s, struct server_conn *c);

/* Accepts one queued connection on l's socket (non-blocking,
 * close-on-exec), retrying after EINTR and ECONNABORTED: the new socket
 * (its address in *ss, *sl), or -1 with errno (EAGAIN: none queued). */
int listener_accept_fd(struct server_listener *l, struct sockaddr_storage *ss, socklen_t *sl);

/* Puts c on the list of replies sent after the pass's log write; false
 * without memory (then the caller writes the log now). */
bool server_defer(struct server *s, struct server_conn *c);

#endif

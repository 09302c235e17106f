/* The daemon's event loop (daemon.h describes what it serves). Internal to
 * src/net: daemon.c sets it up and runs it. */
#ifndef NTLAB_NET_SERVER_H
#define NTLAB_NET_SERVER_H
#include "src/net/addr.h"
#include "src/net/daemon.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct server;
struct machine;
struct listener_kind; /* listener.h: one row per kind (pop3conn.h: POP3) */

/* A listener to open: its kind, the machine whose store it serves, and
 * where. */
struct server_listen {
    const struct listener_kind *kind;
    struct machine *m;
    struct net_addr addr;
};

/* Creates the loop: epoll, signalfd (blocks SIGTERM, SIGINT, SIGHUP; ignores
 * SIGPIPE), the listeners and the control socket. log receives one line per
 * event. Returns 0 or an errno value with err filled. */
int server_new(struct lab *lab, const struct daemon_config *cfg, const struct server_listen *ls,
               size_t nls, FILE *log, struct server **out, char *err, size_t errlen);
/* Runs until a signal or `down`; then closes every connection (no UPDATE)
 * and returns. */
void server_run(struct server *s);
/* Whether the run ended because the lab directory was deleted or replaced
 * (labwatch.h): the caller then writes nothing more to it (no shutdown
 * events, no pid file removal: a new lab at that path is another's). */
bool server_lab_lost(const struct server *s);
/* Closes everything the server opened (not the lab) and frees it. */
void server_free(struct server *s);

/* --- what the daemon serves, as values (status.h prints them; a console
 * can serialise the same) ------------------------------------------------ */

struct server_info {
    long pid;
    const char *lab_dir;
    int64_t uptime_s;
    size_t nconns, max_conns; /* open sessions and their limit */
    uint64_t total_conns;     /* sessions since start */
    size_t session_heap;      /* heap bytes the open sessions hold */
};

struct server_listener_info {
    const char *kind;               /* its row's name: "POP3", "control" */
    char address[NET_ADDR_STR_MAX]; /* "127.0.0.1:1110"; "" for the local socket */
    bool tcp_secret;                /* a TCP control channel: clients show the secret */
    const char *machine;            /* whose store it serves; NULL for control */
    bool store_running;
    const char *service, *account, *persona; /* the running store's; NULL when stopped */
    size_t nsessions;
    bool console;              /* the HTTP console's listener (httpconn.c) */
    size_t streams, terminals; /* its open live streams and POP3 terminals */
};

struct server_session_info {
    const char *kind;            /* its listener's row name */
    uint64_t id;                 /* the "#N" of the log */
    char peer[NET_ADDR_STR_MAX]; /* the client's address */
    const char *machine;         /* whose store it is on */
    const char *user;            /* as logged on ("" before a logon) */
    const char *mailbox;         /* the mailbox opened ("" before a logon) */
    const char *state;           /* "AUTHORIZATION", "TRANSACTION", "UPDATE", "CLOSED" */
    int64_t idle_s;              /* seconds since the client's last activity (lab clock) */
    uint64_t bytes_in, bytes_out;
};

/* The daemon as a whole. Strings point into s: valid until it changes. */
void server_info(struct server *s, struct server_info *out);
/* The listeners in order (POP3 listeners as given, then the control
 * channel's); out[i] for i < the count returned, at most max filled. */
size_t server_listeners(struct server *s, struct server_listener_info *out, size_t max);
/* Calls fn for each open session, newest first per listener; strings in
 * the info are valid during the call only. */
void server_sessions(struct server *s,
                     void (*fn)(void *arg, const struct server_session_info *si), void *arg);

/* Heap bytes the open sessions hold (conn + session); *nconns their count
 * (nconns may be NULL). */
size_t server_session_memory(struct server *s, size_t *nconns);

#endif

/* The daemon's event loop (daemon.h describes what it serves). Internal to
 * src/net: daemon.c sets it up and runs it. */
#ifndef NTLAB_NET_SERVER_H
#define NTLAB_NET_SERVER_H
#include "src/net/addr.h"
#include "src/net/daemon.h"
#include <stdio.h>

struct server;
struct machine;

/* A listener to open: the machine whose store it serves, and where. */
struct server_listen {
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
/* Writes the listeners ("  127.0.0.1:1110  EXCHSRV") to f. */
void server_print_listeners(struct server *s, FILE *f);
/* Closes everything the server opened (not the lab) and frees it. */
void server_free(struct server *s);

/* Per-connection accounting for the memory figure: bytes of heap the idle
 * connections hold (conn + session). */
size_t server_session_memory(struct server *s, size_t *nconns);

#endif

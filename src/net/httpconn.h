/* The teaching console's listener kind (`ntlab up --http [ADDR:]PORT`):
 * one row of listener.h whose requests GNU libmicrohttpd parses inside the
 * daemon's own loop, and src/console answers (console.h). The row accepts
 * (so the loop stays fair and the peer is known) and hands each socket to
 * libmicrohttpd (MHD_add_connection); libmicrohttpd keeps its connections
 * in its own epoll set, whose descriptor sits in the loop's event set as
 * the listener's one "connection" (the pump): readable means MHD_run. */
#ifndef NTLAB_NET_HTTPCONN_H
#define NTLAB_NET_HTTPCONN_H
#include "src/net/listener.h"
#include <stdio.h>

extern const struct listener_kind httpconn_kind;

/* Parses --http's value ("PORT", "ADDR:PORT"; the address defaults to
 * 127.0.0.1) into *out: 0, or EINVAL with "--http 'SPEC': ..." in err.
 * ENOTSUP with the reason when this build has no console. */
int httpconn_parse(const char *spec, struct net_addr *out, char *err, size_t errlen);

/* Makes or checks the lab's console secret before the daemon starts, so
 * `up` names the problem (a secret file others can read, ...): 0, or an
 * errno value with err filled. */
int httpconn_prepare(const char *labdir, char *err, size_t errlen);

/* Prints "  console http://ADDR/?token=SECRET" for each console listener
 * of s (for `up`'s own terminal only: the URL carries the secret). */
void httpconn_print(struct server *s, FILE *f);

#endif

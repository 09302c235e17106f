/* The daemon's `status` text, printed from the values server.h fills
 * (struct server_info, server_listener_info, server_session_info), e.g.
 *   daemon: pid 4242 serving /home/me/lab, up 12s
 *   machines:                    (each machine, its services and tokens)
 *   listeners:
 *     POP3 127.0.0.1:1110         EXCHSRV         store running (...), 1 session(s)
 *   connections: 1 open (limit 16384), 3 since start, ...
 *   sessions:
 *     #3 POP3 127.0.0.1:50112 EXCHSRV TRANSACTION user="alice" mailbox=alice idle 2s in 31 out 270
 * The "sessions:" section lists at most STATUS_SESSIONS_MAX of them, then
 * says how many more are open. */
#ifndef NTLAB_NET_STATUS_H
#define NTLAB_NET_STATUS_H
#include "src/net/server.h"
#include <stdio.h>

#define STATUS_SESSIONS_MAX 1000u

/* The whole status to f. */
void status_print(struct server *s, FILE *f);
/* The listener lines alone ("  POP3 127.0.0.1:1110  EXCHSRV ..."), as
 * `up` prints them when it starts. */
void status_print_listeners(struct server *s, FILE *f);

#endif

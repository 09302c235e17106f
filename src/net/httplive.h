/* The console's live parts, inside the HTTP row (httpconn.c): the
 * Server-Sent Events streams of GET /api/v1/live and the POP3 terminal
 * bridge (POST /api/v1/terminal opens a TCP connection from the daemon to
 * the lab's own POP3 listener; its bytes go out exactly, base64 in the
 * JSON, on the streams as "terminal" events and in GET
 * /api/v1/terminal/ID). A stream waits suspended (MHD_suspend_connection)
 * and is resumed, and libmicrohttpd run at once, when there is something
 * to send: a terminal's reply reaches the browser without waiting for a
 * tick. httpconn.c checks access first; these answer the rest. */
#ifndef NTLAB_NET_HTTPLIVE_H
#define NTLAB_NET_HTTPLIVE_H
#include "src/net/listener.h"
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTPLIVE_MAX_STREAMS 64
#define HTTPLIVE_MAX_TERMS 8
#define HTTPLIVE_KEEPALIVE_MS 15000
#define HTTPLIVE_TERM_IDLE_MS (10 * 60 * 1000)
#define HTTPLIVE_TERM_KEEP 65536u   /* bytes of a terminal's transcript kept */
#define HTTPLIVE_STREAM_MAX 262144u /* a stream this far behind is ended */

struct httplive; /* opaque */

/* For the HTTP listener l of s whose libmicrohttpd daemon is d; NULL
 * without memory. */
struct httplive *httplive_new(struct server *s, struct server_listener *l,
                              struct MHD_Daemon *d);
/* Ends the streams' bookkeeping and closes the terminals (before d stops). */
void httplive_free(struct httplive *hl);

/* Whether path (after access) is one of ours: /api/v1/live,
 * /api/v1/terminal[/ID]. */
bool httplive_owns(const char *path);
/* Answers such a request (body and its length as received; too_large:
 * the transport dropped a body past CONSOLE_BODY_MAX, answered 413):
 * queues the response on conn. MHD_NO closes the connection. */
enum MHD_Result httplive_answer(struct httplive *hl, struct MHD_Connection *conn,
                                const char *path, const char *method, const char *body,
                                size_t len, bool too_large);

/* The headers every console answer carries (README "Threat model"). */
void httplive_headers(struct MHD_Response *r, const char *type);

/* Queues event name with JSON data on every stream, resuming the waiting
 * ones (the caller runs libmicrohttpd, or the loop does on its wakeup:
 * never inside libmicrohttpd's callbacks). */
void httplive_broadcast(struct httplive *hl, const char *event, const char *json);
/* Once a second: keepalive comments, idle terminals, the POP3/SMTP
 * session list compared with the last one ("session" events). */
void httplive_tick(struct httplive *hl, int64_t mono_ms);
/* Open streams and terminals (the status line). */
void httplive_counts(const struct httplive *hl, size_t *streams, size_t *terms);

/* The terminals' connection kind (their sockets are connections of the
 * HTTP listener; its close hands them here). */
extern const struct listener_kind httplive_term_kind;

#endif

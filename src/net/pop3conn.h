/* POP3 connections on the daemon's listeners: the row of the listener
 * table (listener.h) that serves a machine's Exchange store. Each
 * connection drives one exchange_session (exchange.h) over a
 * non-blocking socket: one read per readiness event, the engine's output
 * sent as far as the socket takes it, and the log line of a logon or an
 * UPDATE written before the reply it explains. */
#ifndef NTLAB_NET_POP3CONN_H
#define NTLAB_NET_POP3CONN_H
#include "src/net/listener.h"

extern const struct listener_kind pop3conn_kind;

#endif

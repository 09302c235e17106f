/* The POP3 engine: one session is a value, bytes in and bytes out, with no
 * sockets and no clock of its own. RFC 1939 states (AUTHORIZATION,
 * TRANSACTION, UPDATE), RFC 2449 CAPA, RFC 5034 AUTH with a table of SASL
 * mechanisms (sasl.h: PLAIN, and challenge/response ones), APOP; every
 * line the client sees comes from the session's persona (persona.h).
 *
 * The engine never logs anyone on and never opens a mailbox by itself: it
 * parses the USER argument the persona's way and hands the credentials to
 * the backend (the service it runs in, e.g. src/exchange) through the
 * protocol-neutral logon contract (src/mailstore/mail_logon.h), which
 * returns an outcome and, on success, an opened and locked maildrop
 * (src/mailstore/maildrop.h).
 *
 * Driving a session (the transport's loop):
 *   s = pop3_session_new(...)             the banner is queued
 *   on readable:  n = pop3_session_input(s, data, len, now)
 *                 (bytes past n were not taken: keep them, stop reading
 *                 while !pop3_session_want_input(s), offer them again later)
 *   on writable:  p = pop3_session_output(s, &len); write; then
 *                 pop3_session_consume(s, written, now)
 *   timers:       pop3_session_tick(s, now) at pop3_session_deadline(s)
 *   pop3_session_closed(s) && no output left  -> close the connection,
 *                 then pop3_session_drop(s)
 *   connection lost at any time               -> pop3_session_drop(s)
 *
 * Memory: the session value is a few hundred bytes; input and output
 * buffers are allocated when bytes arrive or a reply is queued, and freed
 * again when empty. A RETR, TOP, LIST or UIDL reply is produced in pieces of
 * about POP3_OUT_CHUNK bytes as the transport drains the output, so a large
 * message or a 100,000-message listing never sits in memory; while the
 * transport takes each piece whole the pieces double, up to 256 KiB, and a
 * partial send brings them back to POP3_OUT_CHUNK. Input is held
 * to POP3_IN_MAX bytes while a reply is pending (pipelining). */
#ifndef NTLAB_POP3_POP3_H
#define NTLAB_POP3_POP3_H
#include "src/mailstore/mail_logon.h"
#include "src/mailstore/maildrop.h"
#include "src/pop3/persona.h"
#include "src/pop3/sasl.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POP3_OUT_CHUNK 16384u /* output produced ahead of the transport (at first) */
#define POP3_IN_MAX 16384u    /* input buffered while replies are pending */

enum pop3_state { POP3_AUTHORIZATION, POP3_TRANSACTION, POP3_UPDATE, POP3_CLOSED };

struct pop3_config {
    /* Host name for %h and the APOP timestamp ("localhost" when NULL). The
     * string must outlive the sessions. */
    const char *host;
    /* Autologout after this many seconds without a command (RFC 1939 §3:
     * at least 10 minutes; shorter values are accepted for tests). */
    int64_t idle_timeout;
    /* Bad commands (unknown, wrong state, bad arguments, over-long line,
     * NUL byte) before the session says too-many-bad and closes; 0 = never. */
    unsigned max_bad_commands;
    /* Longest command line in octets, CRLF included (RFC 2449 §4: 255). */
    size_t max_line;
    /* Longest AUTH continuation line (RFC 5034 lets it exceed max_line). */
    size_t max_auth_line;
    /* The SASL mechanisms AUTH knows, in listing order (sasl.h); NULL:
     * pop3_sasl_builtin. A row is offered where the persona's sasl bits
     * include its offer bit. Must outlive the sessions. */
    const struct pop3_sasl_mech *sasl;
    size_t nsasl;
};

/* idle_timeout 600, max_bad_commands 20, max_line 255, max_auth_line 8192,
 * the built-in SASL table. */
void pop3_config_default(struct pop3_config *c);

/* --- the backend ---------------------------------------------------------- */

/* The engine logs users on through the protocol-neutral logon contract
 * (src/mailstore/mail_logon.h): the service it runs in (src/exchange) gives
 * a struct mail_logon_ops and its per-session arg. */

enum pop3_event_type {
    POP3_EV_LOGON, /* a logon attempt finished: cred (no password) + result */
    POP3_EV_CLOSE, /* the session ended: reason, removed, not_removed */
};

enum pop3_close_reason {
    POP3_CLOSE_QUIT,         /* QUIT (UPDATE ran when in TRANSACTION) */
    POP3_CLOSE_AUTOLOGOUT,   /* idle timer */
    POP3_CLOSE_BAD_COMMANDS, /* too many bad commands */
    POP3_CLOSE_DROPPED,      /* pop3_session_drop before the session ended */
    POP3_CLOSE_ERROR,        /* reading a message failed mid-reply, or no memory */
};

struct pop3_event {
    enum pop3_event_type type;
    const struct mail_logon_credentials *cred; /* LOGON */
    const struct mail_logon_result *result;    /* LOGON (maildrop already taken) */
    enum pop3_close_reason reason;             /* CLOSE */
    enum pop3_state state;                     /* CLOSE: the state it ended in */
    size_t removed, not_removed;               /* CLOSE after UPDATE */
};

struct pop3_backend {
    const struct mail_logon_ops *logon; /* USER/PASS, APOP, AUTH */
    void *logon_arg;                    /* passed to logon's calls */
    /* Optional: session events for the server's log; never a password. */
    void (*event)(void *arg, const struct pop3_event *ev);
    void *event_arg;
};

/* --- sessions ---------------------------------------------------------------- */

struct pop3_session;

/* A new session in AUTHORIZATION with the banner queued. persona, config
 * and what backend points to must outlive it; *backend is copied. now is
 * the machine's clock (seconds); nonce makes the APOP timestamp
 * <nonce.now@host> unique (e.g. a connection counter). NULL on ENOMEM. */
struct pop3_session *pop3_session_new(const struct persona *persona,
                                      const struct pop3_backend *backend,
                                      const struct pop3_config *config, int64_t now,
                                      uint64_t nonce);

/* Feeds bytes the client sent; commands run in order as their lines
 * complete (CRLF or bare LF). Returns how many bytes were taken: fewer than
 * len only while replies are pending and POP3_IN_MAX bytes are already
 * buffered. Bytes after the session closed are taken and ignored. */
size_t pop3_session_input(struct pop3_session *s, const void *data, size_t len, int64_t now);
/* Whether the transport should read more now. */
bool pop3_session_want_input(const struct pop3_session *s);

/* Bytes waiting to be sent (produces the next piece of a long reply when
 * the buffer runs low); *len = 0 when there is nothing. The pointer is
 * valid until the next call on s. */
const char *pop3_session_output(struct pop3_session *s, size_t *len);
/* The transport sent n bytes of what pop3_session_output returned. Counts
 * as client activity and lets pipelined commands proceed. */
void pop3_session_consume(struct pop3_session *s, size_t n, int64_t now);

/* Autologout: closes the session (no UPDATE; the persona's autologout line
 * is queued) once now - last activity >= idle_timeout. */
void pop3_session_tick(struct pop3_session *s, int64_t now);
/* When tick should next be called (INT64_MAX once closed). */
int64_t pop3_session_deadline(const struct pop3_session *s);

/* True once the session wants the connection closed (after QUIT, autologout,
 * too many bad commands, or an error); send the remaining output first. */
bool pop3_session_closed(const struct pop3_session *s);
enum pop3_state pop3_session_state(const struct pop3_session *s);
/* Descriptors the session holds besides its connection: its maildrop's
 * lock once logged on, and the message file during a RETR or TOP. */
unsigned pop3_session_fds(const struct pop3_session *s);

/* Ends and frees the session. If it had not closed (connection lost), it
 * runs no UPDATE: nothing is deleted and the maildrop lock is released.
 * NULL is fine. */
void pop3_session_drop(struct pop3_session *s);

/* Heap bytes the session holds now, maildrop excluded (for the per-session
 * memory budget). */
size_t pop3_session_memory(const struct pop3_session *s);

#endif

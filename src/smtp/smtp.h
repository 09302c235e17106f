/* The SMTP receiver engine: one session is a value, bytes in and bytes out,
 * with no sockets, no files and no clock of its own (issue 18). RFC 5321
 * server side: HELO/EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
 * VRFY (as the persona says), QUIT; the SIZE (RFC 1870), 8BITMIME (RFC
 * 6152) and PIPELINING (RFC 2920) extensions and AUTH LOGIN / PLAIN (RFC
 * 4954) where the persona offers them. Every reply line comes from the
 * session's persona (src/smtp/persona.h).
 *
 * The engine resolves no recipient and stores no message: RCPT asks the
 * backend (the IMS in src/exchange) whether the address is a mailbox, and
 * at the final dot the engine hands the whole message (its Received: line
 * prepended, dot-unstuffed, CRLF lines) to the backend's deliver, which
 * answers only once the message is durably in every recipient's Maildir;
 * the 250 is queued after that. A connection lost before the final dot
 * delivers nothing: the message lives only in the session until then.
 * AUTH hands the name and password to the logon contract
 * (src/mailstore/mail_logon.h) like POP3 does.
 *
 * Driving a session (the transport's loop), as for the POP3 engine:
 *   s = smtp_session_new(...)             the banner is queued
 *   on readable:  n = smtp_session_input(s, data, len, now)
 *                 (bytes past n were not taken: keep them and offer them
 *                 again once smtp_session_want_input(s))
 *   on writable:  p = smtp_session_output(s, &len); write; then
 *                 smtp_session_consume(s, written, now)
 *   timers:       smtp_session_tick(s, now) at smtp_session_deadline(s)
 *   smtp_session_closed(s) && no output left  -> close, smtp_session_drop(s)
 *   connection lost at any time               -> smtp_session_drop(s)
 *
 * Early data (a client that sends bytes after DATA before it has read the
 * 354): RFC 5321 §3.3 and RFC 2920 §3.1 require the client to wait for the
 * DATA reply, since DATA may fail and the bytes would then be read as
 * commands. Bytes that arrive while the 354 is still unsent are such bytes;
 * the session answers 554 (the persona's sync-error line) and closes,
 * delivering nothing (choice: the way Exim treats a synchronization error,
 * rather than guessing where the client's data begins). */
#ifndef NTLAB_SMTP_SMTP_H
#define NTLAB_SMTP_SMTP_H
#include "src/mailstore/mail_logon.h"
#include "src/smtp/persona.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMTP_IN_MAX 16384u /* command input buffered while replies are pending */

struct smtp_config {
    /* Host name for the banner, the EHLO line and the Received: line
     * ("localhost" when NULL). Must outlive the sessions. */
    const char *host;
    /* Close after this many seconds without client activity (RFC 5321
     * §4.5.3.2.7: at least 5 minutes; shorter values are for tests). */
    int64_t idle_timeout;
    /* Bad commands (unknown, out of sequence, bad syntax, over-long line)
     * before 421 and close; 0 = never. */
    unsigned max_bad_commands;
    /* Longest command line, CRLF included (RFC 5321 §4.5.3.1.4: 512). */
    size_t max_line;
    /* Longest text line of a message, CRLF included (RFC 5321 §4.5.3.1.6:
     * 1000); a message with a longer line is refused at the final dot. */
    size_t max_text_line;
    /* Largest message in octets as received (before the Received: line);
     * advertised by SIZE; 0 = no limit (still bounded by SIZE_MAX). */
    size_t max_message;
    /* Recipients per message (RFC 5321 §4.5.3.1.8: at least 100). */
    unsigned max_recipients;
};

/* idle_timeout 300, max_bad_commands 20, max_line 512, max_text_line 1000,
 * max_message 10 MiB, max_recipients 100. */
void smtp_config_default(struct smtp_config *c);

/* --- the backend ---------------------------------------------------------- */

enum smtp_rcpt_result {
    SMTP_RCPT_OK,       /* a mailbox here: the recipient is accepted */
    SMTP_RCPT_UNKNOWN,  /* no such mailbox (550) */
    SMTP_RCPT_TEMPFAIL, /* the directory could not be read now (451) */
};

/* What deliver gets besides the message. Strings are the engine's, valid
 * for the call. */
struct smtp_envelope {
    const char *helo;        /* the HELO/EHLO argument */
    const char *from;        /* the reverse-path without <>, "" for <> */
    const char *const *rcpt; /* forward-paths without <>, as accepted */
    size_t nrcpt;
    const char *auth_user; /* the AUTH name when authenticated, else NULL */
};

enum smtp_event_type {
    SMTP_EV_LOGON,     /* AUTH finished: cred (no password) + result */
    SMTP_EV_DELIVERED, /* a message went to the backend: env, size, err */
    SMTP_EV_CLOSE,     /* the session ended: reason */
};

enum smtp_close_reason {
    SMTP_CLOSE_QUIT,
    SMTP_CLOSE_TIMEOUT,
    SMTP_CLOSE_BAD_COMMANDS,
    SMTP_CLOSE_SYNC,    /* data before the 354 */
    SMTP_CLOSE_DROPPED, /* smtp_session_drop before the session ended */
    SMTP_CLOSE_ERROR,   /* no memory */
};

struct smtp_event {
    enum smtp_event_type type;
    const struct mail_logon_credentials *cred; /* LOGON */
    const struct mail_logon_result *result;    /* LOGON */
    const struct smtp_envelope *env;           /* DELIVERED */
    size_t size;                               /* DELIVERED: octets handed over */
    int err;                                   /* DELIVERED: deliver's answer */
    enum smtp_close_reason reason;             /* CLOSE */
};

struct smtp_backend {
    /* AUTH LOGIN and PLAIN: login only (the maildrop a successful logon
     * returns is closed at once: SMTP reads no mailbox). NULL: no AUTH is
     * offered, whatever the persona says. */
    const struct mail_logon_ops *logon;
    void *logon_arg;
    /* RCPT: is address (without <>, as sent) a mailbox here? */
    enum smtp_rcpt_result (*rcpt)(void *arg, const char *address);
    /* The final dot: store msg[0..len) for every recipient of env, durably,
     * or for none. 0, or an errno value (the client gets 451 and may retry). */
    int (*deliver)(void *arg, const struct smtp_envelope *env, const void *msg, size_t len);
    void *arg; /* passed to rcpt and deliver */
    /* Optional: session events for the server's log; never a password. */
    void (*event)(void *arg, const struct smtp_event *ev);
    void *event_arg;
};

/* --- sessions ---------------------------------------------------------------- */

struct smtp_session;

/* A new session with the banner queued. persona, config and what backend
 * points to must outlive it; *backend is copied. peer (the client's address
 * for the Received: line, e.g. "127.0.0.1"; NULL: "unknown") is copied.
 * now is the machine's clock in seconds since 1970. NULL on ENOMEM. */
struct smtp_session *smtp_session_new(const struct smtp_persona *persona,
                                      const struct smtp_backend *backend,
                                      const struct smtp_config *config, const char *peer,
                                      int64_t now);

/* Feeds bytes the client sent; commands run in order as their lines
 * complete (CRLF, or a bare LF, which is taken as CRLF). Returns how many
 * bytes were taken: fewer than len only while replies are pending and
 * SMTP_IN_MAX bytes are already buffered. Bytes after close are taken and
 * ignored. */
size_t smtp_session_input(struct smtp_session *s, const void *data, size_t len, int64_t now);
bool smtp_session_want_input(const struct smtp_session *s);

/* Bytes waiting to be sent; *len = 0 when none. Valid until the next call. */
const char *smtp_session_output(struct smtp_session *s, size_t *len);
/* The transport sent n bytes of what smtp_session_output returned. */
void smtp_session_consume(struct smtp_session *s, size_t n, int64_t now);

/* Closes the session with the persona's timeout line once now - last
 * activity >= idle_timeout. */
void smtp_session_tick(struct smtp_session *s, int64_t now);
int64_t smtp_session_deadline(const struct smtp_session *s);

/* True once the session wants the connection closed; send the output first. */
bool smtp_session_closed(const struct smtp_session *s);

/* Ends and frees the session; a message not yet at its final dot is
 * discarded (nothing was delivered). NULL is fine. */
void smtp_session_drop(struct smtp_session *s);

/* Heap bytes the session holds now (for a per-session memory budget). */
size_t smtp_session_memory(const struct smtp_session *s);

#endif

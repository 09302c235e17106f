/* SASL for the POP3 AUTH command (RFC 5034; RFC 1734's framing): one row
 * per mechanism, PLAIN now, NTLM next (issue 17).
 *
 * The engine (session.c) drives an exchange. AUTH without an argument
 * lists the rows the persona offers; AUTH NAME finds the row (NAME in any
 * case) among them, else the persona's auth-mechanism reply. Each client
 * message goes to the row's step decoded: first the initial response on
 * the AUTH line (or none), then each continuation line, which is base64
 * (RFC 4648, strict), "=" for an empty message (RFC 5034 §4), or "*" to
 * cancel (the persona's auth-cancelled reply). A line that is not base64,
 * a NUL byte, or a line over pop3_config.max_auth_line ends the exchange
 * with the persona's auth-bad, nul-byte or line-too-long reply, counted as
 * a bad command. The step says what to send next: a challenge ("+ " and
 * its base64), a clear-text logon (the backend's login), the result of
 * the backend's challenge/response logon, or the auth-bad reply.
 *
 * A challenge/response mechanism is a row whose step is pop3_sasl_backend:
 * the backend (mail_logon_ops.login_challenge) reads and answers its
 * messages, with state of its own that the engine hands back on each call
 * and lets it free when the exchange ends early; the engine never parses
 * them. So NTLM is a row {"NTLM", PERSONA_SASL_NTLM, pop3_sasl_backend}, a
 * persona word for its bit, and the store's login_challenge. */
#ifndef NTLAB_POP3_SASL_H
#define NTLAB_POP3_SASL_H
#include "src/lib/buf.h"
#include "src/mailstore/mail_logon.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pop3_sasl_rc {
    POP3_SASL_CHALLENGE, /* send out[0..outlen) as the next challenge and wait */
    POP3_SASL_LOGIN,     /* log on with the clear-text credentials in cred */
    POP3_SASL_RESULT,    /* the backend ended the exchange: *res says how */
    POP3_SASL_MALFORMED, /* the client's message is unusable: auth-bad */
};

/* One step's input and output. The engine fills the input and zeroes the
 * rest; the step fills the part its return value names. */
struct pop3_sasl_call {
    const char *mechanism; /* the row's name */
    const uint8_t *in;     /* the client's message, decoded, with a NUL at
                              in[inlen]; NULL: AUTH carried no initial
                              response (first step only) */
    size_t inlen;
    bool first;                    /* the AUTH command's own step */
    enum mail_logon_syntax syntax; /* the persona's user syntax */
    const struct mail_logon_ops *logon;
    void *logon_arg;
    void **state; /* the backend's state for this exchange (mail_logon.h) */
    /* CHALLENGE */
    uint8_t *out;
    size_t outcap; /* MAIL_LOGON_CHALLENGE_MAX */
    size_t outlen;
    /* LOGIN: cred's strings point into in and user */
    struct mail_logon_credentials cred;
    struct mail_logon_user user;
    /* RESULT: zeroed by the engine; a maildrop in it goes to the session */
    struct mail_logon_result *res;
};

typedef enum pop3_sasl_rc pop3_sasl_step(struct pop3_sasl_call *c);

/* One mechanism. */
struct pop3_sasl_mech {
    const char *name;     /* upper case, as the AUTH listing and CAPA's SASL
                             line print it and events name it */
    unsigned offer;       /* the persona's sasl bit (PERSONA_SASL_*) offering it */
    pop3_sasl_step *step; /* each client message, the first included */
};

/* RFC 4616 PLAIN. First step without an initial response: an empty
 * challenge. A message "authzid NUL authcid NUL passwd": LOGIN, when the
 * authcid is non-empty and splits by the persona's syntax, the authzid is
 * empty or equal to it, no field holds CR or LF and the password is under
 * MAIL_LOGON_FIELD_MAX; otherwise MALFORMED. */
enum pop3_sasl_rc pop3_sasl_plain(struct pop3_sasl_call *c);
/* Challenge/response through the backend's login_challenge, each message
 * as it came: CHALLENGE while it continues, RESULT when it is done. No
 * login_challenge, or a challenge longer than outcap: RESULT with
 * MAIL_LOGON_SYSTEM_ERROR. */
enum pop3_sasl_rc pop3_sasl_backend(struct pop3_sasl_call *c);

/* The engine's table (PLAIN), used when pop3_config.sasl is NULL. */
extern const struct pop3_sasl_mech pop3_sasl_builtin[];
extern const size_t pop3_sasl_nbuiltin;

/* The row of tab named name (case-insensitive) whose offer bit is in
 * offers (a persona's sasl bits); NULL when none. */
const struct pop3_sasl_mech *pop3_sasl_find(const struct pop3_sasl_mech *tab, size_t n,
                                            unsigned offers, const char *name);
/* Appends before NAME after for each row offered, in table order; *count
 * says how many. 0 or ENOMEM. */
int pop3_sasl_names(const struct pop3_sasl_mech *tab, size_t n, unsigned offers, const char *before,
                    const char *after, struct buf *out, size_t *count);

/* CAPA's SASL line (RFC 2449 §6.3): "SASL" and the offered names, CRLF;
 * nothing when none is offered. 0 or ENOMEM. */
int pop3_sasl_capa(const struct pop3_sasl_mech *tab, size_t n, unsigned offers, struct buf *out);

/* Decodes one client message: "=" is the empty message, else strict
 * base64. On success *out is malloc'd with a NUL at (*out)[*len], and the
 * caller wipes and frees it. 0, EINVAL (not base64) or ENOMEM. */
int pop3_sasl_decode(const char *line, uint8_t **out, size_t *len);
/* Appends "+ " BASE64 CRLF (RFC 5034 §4; "+ " alone when len is 0).
 * 0 or ENOMEM. */
int pop3_sasl_challenge(const uint8_t *data, size_t len, struct buf *out);

#endif

/* The SMTP session's inside, shared by session.c (bytes, lines, the message
 * text) and cmd.c (the command table, AUTH). Not for other rooms. */
#ifndef NTLAB_SMTP_SMTP_INT_H
#define NTLAB_SMTP_SMTP_INT_H
#include "src/lib/buf.h"
#include "src/smtp/smtp.h"

#define SMTP_ADDR_MAX 256u       /* an address without <>, NUL excluded (RFC 5321 §4.5.3.1.3) */
#define SMTP_AUTH_LINE_MAX 2048u /* an AUTH continuation line, CRLF included */

enum smtp_phase {
    SMTP_PH_CMD,        /* reading commands */
    SMTP_PH_DATA_WAIT,  /* the 354 is queued and not yet all sent */
    SMTP_PH_DATA,       /* reading the message text */
    SMTP_PH_AUTH_USER,  /* AUTH LOGIN: waiting for the name */
    SMTP_PH_AUTH_PASS,  /* AUTH LOGIN: waiting for the password */
    SMTP_PH_AUTH_PLAIN, /* AUTH PLAIN: waiting for the response */
    SMTP_PH_CLOSED,
};

struct smtp_session {
    const struct smtp_persona *p;
    struct smtp_backend be;
    const struct smtp_config *cfg;
    enum smtp_phase phase;
    char peer[64];
    bool skipping; /* discarding the rest of an over-long command line */
    bool early;    /* bytes arrived while the 354 was unsent */
    bool midline;  /* DATA: discarding the rest of an over-long text line */
    bool bad_line; /* DATA: a text line was over max_text_line */
    bool too_big;  /* DATA: the message passed max_message */
    bool esmtp;    /* EHLO (not HELO) opened the session */
    bool authed;
    unsigned bad;
    int64_t last;
    char *helo; /* the HELO/EHLO argument; NULL before one */
    char *from; /* the reverse-path; NULL outside a transaction */
    char **rcpt;
    size_t nrcpt, rcpt_cap;
    char *auth_user;  /* the authenticated name */
    char *login_user; /* AUTH LOGIN: the name, waiting for the password */
    struct buf in, out, msg;
    size_t out_off;
    size_t msg_base; /* bytes of msg that are the Received: line */
};

/* session.c: a reply line from the persona (more: a '-' after the code);
 * arg fills %a. Closes the session on ENOMEM. */
void smtp_int_reply(struct smtp_session *s, enum smtp_reply r, const char *arg, bool more);
/* session.c: a raw line (CRLF added), e.g. an EHLO keyword or a 334. */
void smtp_int_put(struct smtp_session *s, const char *code, bool more, const char *text);
/* session.c: a protocol error: counts towards max_bad_commands (421 and
 * close at the limit, else the reply r). */
void smtp_int_bad(struct smtp_session *s, enum smtp_reply r);
/* session.c: reply and close the session. */
void smtp_int_close(struct smtp_session *s, enum smtp_close_reason why);
/* session.c: DATA accepted: the Received: line starts the message, 354. */
void smtp_int_data_begin(struct smtp_session *s);
/* session.c: forgets the transaction (from, recipients, message). */
void smtp_int_reset(struct smtp_session *s);

/* cmd.c: runs one command line (NUL-terminated, CRLF stripped). */
void smtp_int_command(struct smtp_session *s, char *line);
/* cmd.c: one AUTH continuation line in an AUTH phase. */
void smtp_int_auth_line(struct smtp_session *s, char *line);
/* cmd.c: ends an AUTH exchange in progress (wipes the name). */
void smtp_int_auth_abort(struct smtp_session *s);

#endif

/* SMTP personas: the reply lines and offered extensions of one product's
 * SMTP receiver, as data (issue 18). Built in, in persona.c: "rfc" (plain
 * RFC 5321 wording), "ims55" and "ims50" (the Exchange 5.5 and 5.0
 * Internet Mail Service). Each line's source, or "choice" where no source
 * gives it, is noted beside it there, as src/pop3/personas/README.md does
 * for POP3.
 *
 * A line is "CODE text" with the RFC 5321 reply code first. The engine
 * expands: %h the server's host name, %a the command's argument (an
 * address without <>), %c the client's HELO/EHLO name, %r the client's
 * address, %z the message size limit; %% a percent sign. */
#ifndef NTLAB_SMTP_PERSONA_H
#define NTLAB_SMTP_PERSONA_H
#include <stdbool.h>
#include <stddef.h>

enum smtp_reply {
    SMTP_R_BANNER,        /* 220 on connect */
    SMTP_R_HELO,          /* 250 to HELO */
    SMTP_R_EHLO,          /* 250 first line of the EHLO reply */
    SMTP_R_MAIL_OK,       /* 250 MAIL accepted */
    SMTP_R_RCPT_OK,       /* 250 RCPT accepted */
    SMTP_R_RCPT_UNKNOWN,  /* 550 no such mailbox */
    SMTP_R_RCPT_TEMPFAIL, /* 451 directory unavailable */
    SMTP_R_TOO_MANY_RCPT, /* 452 recipients per message */
    SMTP_R_DATA_GO,       /* 354 */
    SMTP_R_DATA_OK,       /* 250 message stored */
    SMTP_R_DATA_FAIL,     /* 451 delivery failed */
    SMTP_R_NO_RCPT,       /* 554 DATA without a valid recipient */
    SMTP_R_SIZE,          /* 552 message (or its SIZE=) over the limit */
    SMTP_R_TEXT_LINE,     /* 500 a message line over max_text_line */
    SMTP_R_RSET,          /* 250 */
    SMTP_R_NOOP,          /* 250 */
    SMTP_R_VRFY,          /* 252 or 502, as the persona answers VRFY */
    SMTP_R_QUIT,          /* 221 */
    SMTP_R_UNKNOWN,       /* 500 unrecognized command */
    SMTP_R_LINE_TOO_LONG, /* 500 command line too long */
    SMTP_R_SYNTAX,        /* 501 bad arguments */
    SMTP_R_PARAM,         /* 555 MAIL/RCPT parameter not recognized */
    SMTP_R_SEQUENCE,      /* 503 bad sequence of commands */
    SMTP_R_NEED_HELO,     /* 503 MAIL before HELO/EHLO */
    SMTP_R_NOT_IMPL,      /* 502 known but not implemented (EXPN, TURN, ...) */
    SMTP_R_AUTH_OK,       /* 235 */
    SMTP_R_AUTH_FAIL,     /* 535 */
    SMTP_R_AUTH_CANCEL,   /* 501 client sent "*" */
    SMTP_R_AUTH_MECH,     /* 504 mechanism not offered */
    SMTP_R_AUTH_ERROR,    /* 454 the logon service failed */
    SMTP_R_TOO_MANY_BAD,  /* 421 then close */
    SMTP_R_TIMEOUT,       /* 421 then close */
    SMTP_R_SYNC,          /* 554 data before the 354, then close */
    SMTP_R_COUNT
};

#define SMTP_OFFER_SIZE 0x01u
#define SMTP_OFFER_8BITMIME 0x02u
#define SMTP_OFFER_PIPELINING 0x04u
#define SMTP_OFFER_AUTH_LOGIN 0x08u
#define SMTP_OFFER_AUTH_PLAIN 0x10u
#define SMTP_OFFER_EHLO 0x20u /* EHLO answered (else 500, an RFC 821-only server) */

struct smtp_persona {
    const char *name;
    const char *describe;
    unsigned offers; /* SMTP_OFFER_* */
    const char *line[SMTP_R_COUNT];
};

/* The built-in persona named name (case-insensitive), or NULL. */
const struct smtp_persona *smtp_persona_find(const char *name);
/* The i-th built-in persona, or NULL past the end (for listings). */
const struct smtp_persona *smtp_persona_at(size_t i);

#endif

/* The built-in SMTP personas (persona.h). Sources:
 *  [T] a Microsoft KB telnet test transcript of an Exchange 5.5 IMS
 *      (5.5.2651.58): banner "220 <host> ESMTP Server (Microsoft Exchange
 *      Internet Mail Service 5.5.2651.58) ready", HELO "250 OK", MAIL
 *      "250 OK - mail from <addr>", RCPT "250 OK - Recipient <addr>", DATA
 *      "354 Send data.  End with CRLF.CRLF", the final dot "250 OK", QUIT
 *      "221 Closing Port / Mail queued for delivery".
 *  [Q235627] the IMS 5.5 takes SMTP AUTH LOGIN and checks it with
 *      LogonUser (event 4183 when that fails).
 *  [R] RFC 5321 §4.2 reply codes (and RFC 1870, 4954, 2920, 6152 for the
 *      extensions' codes); the text after a code is ours.
 * Everything else is marked "choice": no source we found gives it. */
#include "src/smtp/persona.h"
#include "src/lib/str.h"

/* Lines every persona shares unless it says otherwise: RFC codes [R], our
 * wording (choice). */
#define RFC_COMMON                                                                                 \
    [SMTP_R_RCPT_UNKNOWN] = "550 5.1.1 <%a>: no such mailbox here",                                \
    [SMTP_R_RCPT_TEMPFAIL] = "451 4.3.0 <%a>: directory unavailable, try again later",             \
    [SMTP_R_TOO_MANY_RCPT] = "452 4.5.3 Too many recipients",                                      \
    [SMTP_R_DATA_FAIL] = "451 4.3.0 Message not stored, try again later",                          \
    [SMTP_R_NO_RCPT] = "554 5.5.1 No valid recipients",                                            \
    [SMTP_R_SIZE] = "552 5.3.4 Message size exceeds fixed maximum message size",                   \
    [SMTP_R_TEXT_LINE] = "500 5.5.2 Line too long in message text",                                \
    [SMTP_R_UNKNOWN] = "500 5.5.1 Command unrecognized",                                           \
    [SMTP_R_LINE_TOO_LONG] = "500 5.5.2 Line too long",                                            \
    [SMTP_R_SYNTAX] = "501 5.5.4 Syntax error in parameters or arguments",                         \
    [SMTP_R_PARAM] = "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized",                      \
    [SMTP_R_SEQUENCE] = "503 5.5.1 Bad sequence of commands",                                      \
    [SMTP_R_NEED_HELO] = "503 5.5.1 Send HELO or EHLO first",                                      \
    [SMTP_R_NOT_IMPL] = "502 5.5.1 Command not implemented",                                       \
    [SMTP_R_AUTH_OK] = "235 2.7.0 Authentication successful",                                      \
    [SMTP_R_AUTH_FAIL] = "535 5.7.8 Authentication credentials invalid",                           \
    [SMTP_R_AUTH_CANCEL] = "501 5.7.0 Authentication cancelled",                                   \
    [SMTP_R_AUTH_MECH] = "504 5.5.4 Unrecognized authentication type",                             \
    [SMTP_R_AUTH_ERROR] = "454 4.7.0 Temporary authentication failure",                            \
    [SMTP_R_TOO_MANY_BAD] = "421 4.7.0 %h Too many errors, closing connection",                    \
    [SMTP_R_TIMEOUT] = "421 4.4.2 %h Timeout, closing connection",                                 \
    [SMTP_R_SYNC] = "554 5.5.0 %h Data sent before the 354 reply, closing connection"

/* The IMS's own lines [T]; the rest of its wording is a choice: IMS-like
 * terse text without enhanced status codes (the IMS predates RFC 2034's
 * use in its replies as far as we know). */
#define IMS_COMMON                                                                                 \
    [SMTP_R_HELO] = "250 OK",                                           /* [T] */                  \
        [SMTP_R_EHLO] = "250 %h Hello [%r]",                            /* choice */               \
        [SMTP_R_MAIL_OK] = "250 OK - mail from <%a>",                   /* [T] */                  \
        [SMTP_R_RCPT_OK] = "250 OK - Recipient <%a>",                   /* [T] */                  \
        [SMTP_R_RCPT_UNKNOWN] = "550 Unknown Recipient <%a>",           /* choice */               \
        [SMTP_R_RCPT_TEMPFAIL] = "451 Directory unavailable <%a>",      /* choice */               \
        [SMTP_R_TOO_MANY_RCPT] = "452 Too many recipients",             /* choice */               \
        [SMTP_R_DATA_GO] = "354 Send data.  End with CRLF.CRLF",        /* [T] */                  \
        [SMTP_R_DATA_OK] = "250 OK",                                    /* [T] */                  \
        [SMTP_R_DATA_FAIL] = "451 Message not queued, try again later", /* choice */               \
        [SMTP_R_NO_RCPT] = "554 No valid recipients",                   /* choice */               \
        [SMTP_R_SIZE] = "552 Message size exceeds fixed maximum",       /* choice */               \
        [SMTP_R_TEXT_LINE] = "500 Line too long",                       /* choice */               \
        [SMTP_R_RSET] = "250 Resetting",                                /* choice */               \
        [SMTP_R_NOOP] = "250 OK",                                       /* choice */               \
        [SMTP_R_VRFY] = "252 Cannot VRFY user",                         /* choice */               \
        [SMTP_R_QUIT] = "221 Closing Port / Mail queued for delivery",  /* [T] */                  \
        [SMTP_R_UNKNOWN] = "500 Command unrecognized",                  /* choice */               \
        [SMTP_R_LINE_TOO_LONG] = "500 Line too long",                   /* choice */               \
        [SMTP_R_SYNTAX] = "501 Syntax error in parameters",             /* choice */               \
        [SMTP_R_PARAM] = "555 Parameter not recognized",                /* choice */               \
        [SMTP_R_SEQUENCE] = "503 Bad sequence of commands",             /* choice */               \
        [SMTP_R_NEED_HELO] = "503 Need HELO first",                     /* choice */               \
        [SMTP_R_NOT_IMPL] = "502 Command not implemented",              /* choice */               \
        [SMTP_R_AUTH_OK] = "235 Authentication successful",             /* choice */               \
        [SMTP_R_AUTH_FAIL] = "535 Authentication failed",               /* choice */               \
        [SMTP_R_AUTH_CANCEL] = "501 Authentication cancelled",          /* choice */               \
        [SMTP_R_AUTH_MECH] = "504 Unrecognized authentication type",    /* choice */               \
        [SMTP_R_AUTH_ERROR] = "454 Authentication service unavailable", /* choice */               \
        [SMTP_R_TOO_MANY_BAD] = "421 %h Too many errors",               /* choice */               \
        [SMTP_R_TIMEOUT] = "421 %h Timeout",                            /* choice */               \
        [SMTP_R_SYNC] = "554 %h Data sent before 354"                   /* choice */

static const struct smtp_persona personas[] = {
    {
        .name = "rfc",
        .describe = "plain RFC 5321 receiver (wording ours)",
        .offers = SMTP_OFFER_EHLO | SMTP_OFFER_SIZE | SMTP_OFFER_8BITMIME | SMTP_OFFER_PIPELINING |
                  SMTP_OFFER_AUTH_LOGIN | SMTP_OFFER_AUTH_PLAIN,
        .line =
            {
                RFC_COMMON,
                [SMTP_R_BANNER] = "220 %h ESMTP ready",
                [SMTP_R_HELO] = "250 %h",
                [SMTP_R_EHLO] = "250 %h greets %c",
                [SMTP_R_MAIL_OK] = "250 2.1.0 Sender <%a> OK",
                [SMTP_R_RCPT_OK] = "250 2.1.5 Recipient <%a> OK",
                [SMTP_R_DATA_GO] = "354 Start mail input; end with <CRLF>.<CRLF>",
                [SMTP_R_DATA_OK] = "250 2.0.0 Message accepted for delivery",
                [SMTP_R_RSET] = "250 2.0.0 OK",
                [SMTP_R_NOOP] = "250 2.0.0 OK",
                /* RFC 5321 §3.5.3: 252 when the server will not verify */
                [SMTP_R_VRFY] = "252 2.5.2 Cannot VRFY user, but will accept message",
                [SMTP_R_QUIT] = "221 2.0.0 %h closing connection",
            },
    },
    {
        .name = "ims55",
        .describe = "Exchange Server 5.5 Internet Mail Service",
        /* AUTH LOGIN [Q235627]; SIZE and no 8BITMIME/PIPELINING: choice */
        .offers = SMTP_OFFER_EHLO | SMTP_OFFER_SIZE | SMTP_OFFER_AUTH_LOGIN,
        .line =
            {
                IMS_COMMON,
                [SMTP_R_BANNER] = /* [T] */
                "220 %h ESMTP Server (Microsoft Exchange Internet Mail Service 5.5.2651.58) ready",
            },
    },
    {
        .name = "ims50",
        .describe = "Exchange Server 5.0 Internet Mail Service",
        /* choice: the 5.5 IMS's wording with a 5.0 build number (1457.7,
         * choice), EHLO and SIZE, and no AUTH (Q235627 is about 5.5) */
        .offers = SMTP_OFFER_EHLO | SMTP_OFFER_SIZE,
        .line =
            {
                IMS_COMMON,
                [SMTP_R_BANNER] = "220 %h ESMTP Server (Microsoft Exchange Internet Mail Service "
                                  "5.0.1457.7) ready",
            },
    },
};

const struct smtp_persona *smtp_persona_at(size_t i)
{
    return i < sizeof personas / sizeof personas[0] ? &personas[i] : NULL;
}

const struct smtp_persona *smtp_persona_find(const char *name)
{
    for (size_t i = 0; name && smtp_persona_at(i); i++)
        if (str_ieq(personas[i].name, name))
            return &personas[i];
    return NULL;
}

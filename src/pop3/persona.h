/* POP3 personas: how one product greets, words each reply, which optional
 * commands it offers and how it reads the USER argument. Data, not code:
 * built-in personas are src/pop3/personas/NAME.persona, embedded in the
 * binary; a lab may load its own file.
 *
 * File format (UTF-8/ASCII text, LF or CRLF lines, at most 64 KiB):
 *   - Blank lines and lines whose first character is '#' are ignored.
 *   - Every other line is "KEY VALUE": the key, one space, and the value,
 *     which is taken byte for byte to the end of the line (inner and
 *     trailing spaces included: Q189732's banner has five spaces).
 *   - Line 1 of content must be "persona 1" (the format version).
 *   - "inherit NAME" (optional, right after it) starts from another persona:
 *     NAME.persona beside the file, else the built-in NAME. Everything the
 *     file sets replaces what it inherited.
 *   Keys:
 *     version TEXT        %v in templates (up to 63 printable characters)
 *     ok TOKEN            positive status token (%+), e.g. +OK
 *     err TOKEN           negative status token (%-), e.g. -ERR or -Err
 *     keep-period yes|no  whether %s (a Win32 FormatMessage text) keeps
 *                         its trailing period
 *     user-syntax exchange|plain
 *                         exchange: account, domain\account,
 *                         domain\account\mailbox, domain\account/mailbox;
 *                         plain: the whole argument is the user name
 *     offer WORD...       optional commands offered: TOP UIDL CAPA APOP AUTH
 *                         (replaces the inherited set; "offer" alone = none)
 *     sasl MECH...        AUTH mechanisms (PLAIN and NTLM are implemented;
 *                         the engine's SASL table, sasl.h, has a row for
 *                         each word)
 *     capa LINE           a CAPA response line in both states; capa-auth
 *                         LINE: AUTHORIZATION only; capa-trans LINE:
 *                         TRANSACTION only. The first capa* line of a file
 *                         drops the inherited list. A line "SASL ..." is
 *                         sent as SASL and the mechanisms AUTH offers (the
 *                         sasl key's, in the table's order), whatever
 *                         follows SASL in the file, and left out when AUTH
 *                         offers none: CAPA never names a mechanism that
 *                         AUTH refuses.
 *     reply NAME TEMPLATE the line sent for outcome NAME (persona_reply_key
 *                         lists them); "reply win32.CODE TEMPLATE" words one
 *                         Win32 error differently from "reply win32".
 *     event NAME ...      the event the store logs for an outcome (the
 *                         event table, below; persona_event.c)
 *     item-limit N        the store's default limits for a POP3 logon
 *     message-limit N     (struct persona; 0 = none, the default)
 *   Template variables: %+ %- (status tokens), %v version, %h host name,
 *   %t APOP timestamp (banner), %s Win32 text and %e its number (win32),
 *   %n message number, %c message count, %o octets, %u UIDL, %% a '%'.
 *   A variable a reply cannot supply is a load error. An empty template
 *   (nothing after the name) means "send no line" and is allowed only for
 *   autologout and too-many-bad, which close the connection anyway.
 *   too-many-connections is rendered without a session (no USER, no
 *   maildrop): only the variables every template has.
 *   Rendered lines are cut to 510 octets + CRLF (RFC 1939's 512), and CR,
 *   LF or NUL in a variable's value are sent as spaces.
 *
 * Errors are reported as "NAME:LINE: problem" (or "NAME: problem" for a
 * missing reply) in the caller's buffer. */
#ifndef NTLAB_POP3_PERSONA_H
#define NTLAB_POP3_PERSONA_H
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum persona_reply {
    PERSONA_BANNER,        /* greeting; %t when APOP is offered */
    PERSONA_SIGNOFF,       /* QUIT: in AUTHORIZATION, or UPDATE succeeded */
    PERSONA_UPDATE_FAILED, /* QUIT: some deleted messages not removed */
    PERSONA_USER_OK,
    PERSONA_USER_BAD,     /* USER argument unusable (empty part, control chars) */
    PERSONA_PASS_NO_USER, /* PASS not right after a successful USER */
    PERSONA_LOGON_OK,     /* %c %o of the maildrop */
    PERSONA_WIN32,        /* logon failed: %s FormatMessage text, %e code */
    PERSONA_IN_USE,       /* maildrop locked by another session */
    PERSONA_NO_MAILBOX,
    PERSONA_ACCESS_DENIED, /* logged on, but may not open this mailbox */
    PERSONA_SYSTEM_ERROR,
    PERSONA_AUTH_LIST,      /* AUTH without argument: mechanism list follows */
    PERSONA_AUTH_MECHANISM, /* unsupported SASL mechanism */
    PERSONA_AUTH_CANCELLED, /* client answered '*' */
    PERSONA_AUTH_BAD,       /* bad base64, NUL/CR/LF inside a field, ... */
    PERSONA_UNKNOWN_COMMAND,
    PERSONA_WRONG_STATE, /* known command, not valid in this state */
    PERSONA_SYNTAX,      /* bad or missing arguments */
    PERSONA_NO_MESSAGE,  /* %n */
    PERSONA_DELETED,     /* %n already deleted */
    PERSONA_DELE_OK,     /* %n */
    PERSONA_RSET_OK,     /* %c %o */
    PERSONA_NOOP_OK,
    PERSONA_STAT,     /* %c %o */
    PERSONA_LIST_ONE, /* %n %o */
    PERSONA_LIST_ALL, /* %c %o; scan lines follow */
    PERSONA_UIDL_ONE, /* %n %u */
    PERSONA_UIDL_ALL,
    PERSONA_RETR_OK, /* %o */
    PERSONA_TOP_OK,
    PERSONA_CAPA_OK,
    PERSONA_LINE_TOO_LONG,
    PERSONA_NUL_BYTE,
    PERSONA_TOO_MANY_BAD, /* then close */
    PERSONA_AUTOLOGOUT,   /* then close */
    PERSONA_TOO_MANY_CONNECTIONS, /* the daemon refuses a connection past a limit, then closes */
    PERSONA_AMBIGUOUS,        /* the mailbox name matches several directory entries */
    PERSONA_CUSTOM_RECIPIENT, /* the mailbox name is a custom recipient (no mailbox) */
    PERSONA_AUTH_DISABLED, /* AUTH for a switchable mechanism (PERSONA_SASL_SWITCHABLE) the
                              persona does not offer (Q191558's NTLM "disabled for this
                              protocol"); optional: absent, the auth-mechanism template */
    PERSONA_TOO_MANY_ITEMS,    /* %c: the Inbox holds more items than the store's limit for a
                                  POP3 logon; optional: absent, the system-error template */
    PERSONA_MESSAGE_TOO_LARGE, /* %n %o: RETR/TOP of a message over the store's size limit;
                                  optional: absent, the system-error template */
    PERSONA_REPLY_COUNT
};

enum persona_user_syntax { PERSONA_USER_EXCHANGE, PERSONA_USER_PLAIN };

/* Optional commands (the offer key). */
#define PERSONA_OFFER_TOP 0x01u
#define PERSONA_OFFER_UIDL 0x02u
#define PERSONA_OFFER_CAPA 0x04u
#define PERSONA_OFFER_APOP 0x08u
#define PERSONA_OFFER_AUTH 0x10u
/* SASL mechanisms (the sasl key; a bit per row of the engine's SASL
 * table, sasl.h). */
#define PERSONA_SASL_PLAIN 0x01u
#define PERSONA_SASL_NTLM 0x02u
/* Mechanisms a product switches off per protocol (Exchange's Windows NT
 * Challenge/Response, Q191558): AUTH for one of them that the persona does
 * not offer gets auth-disabled, any other unoffered one auth-mechanism. */
#define PERSONA_SASL_SWITCHABLE PERSONA_SASL_NTLM

/* States a capa line is listed in. */
#define PERSONA_CAPA_AUTH 0x1u
#define PERSONA_CAPA_TRANS 0x2u

#define PERSONA_NAME_MAX 64
#define PERSONA_TOKEN_MAX 16
#define PERSONA_FILE_MAX 65536u
#define PERSONA_LINE_MAX 1024u
#define PERSONA_CAPA_MAX 32u
#define PERSONA_WIN32_MAX 64u

struct persona_capa {
    char *line;
    unsigned states;
};

struct persona_win32 {
    uint32_t code;
    char *tmpl;
};

/* --- the event table (persona_event.c; format in personas/README.md) ------
 * What the store writes to the machine's Application log for an outcome:
 *   event NAME SOURCE ID TYPE CATEGORY TEMPLATE
 *   event NAME none                    (the outcome logs nothing)
 * NAME is an outcome below or win32.CODE (one Win32 reason worded apart
 * from "win32"); SOURCE 1..63 printable bytes without a space; ID and
 * CATEGORY 0..65535; TYPE error|warning|information|audit-success|
 * audit-failure; TEMPLATE an event description (evtmpl.h) with the
 * insertion strings %1 user (DOMAIN\account), %2 client address, %3
 * mailbox, %4 the failing internal call, %5 the error code, %6 its
 * FormatMessage text, %7 the logon mechanism. An outcome that has no value
 * for an insert leaves it NULL (shown as written, "%5"). A persona that
 * inherits nothing starts from the default table (persona_event.c: the
 * Exchange 5.0 store's MSExchangePOP3 1010 Failure Audit). */
enum persona_event {
    PERSONA_EVENT_WIN32,         /* a failed logon, by its Win32 reason */
    PERSONA_EVENT_NO_MAILBOX,    /* logged on, no such mailbox */
    PERSONA_EVENT_ACCESS_DENIED, /* logged on, not the mailbox's owner */
    PERSONA_EVENT_IN_USE,        /* the mailbox is locked by another session */
    PERSONA_EVENT_SYSTEM_ERROR,  /* a store-side failure opening the mailbox */
    PERSONA_EVENT_STORE_START,   /* the store cannot start: its directory */
    PERSONA_EVENT_AMBIGUOUS,     /* logged on, the name matches several directory entries */
    PERSONA_EVENT_CUSTOM_RECIPIENT, /* logged on, the name is a custom recipient */
    PERSONA_EVENT_TOO_MANY_ITEMS,    /* logged on, the Inbox is over the item limit */
    PERSONA_EVENT_MESSAGE_TOO_LARGE, /* RETR/TOP refused: the message is over the size limit */
    PERSONA_EVENT_COUNT
};
/* The same numbers as the event log's types (emulator/evtlog.h). */
enum persona_event_type {
    PERSONA_EVT_ERROR = 1,
    PERSONA_EVT_WARNING = 2,
    PERSONA_EVT_INFORMATION = 4,
    PERSONA_EVT_AUDIT_SUCCESS = 8,
    PERSONA_EVT_AUDIT_FAILURE = 16,
};
#define PERSONA_EVENT_INSERTS 7u
#define PERSONA_EVENT_SOURCE_MAX 64
#define PERSONA_EVENT_W32_MAX 32u

struct persona_event_row {
    bool logs; /* false: "none" */
    char source[PERSONA_EVENT_SOURCE_MAX];
    uint16_t id;
    enum persona_event_type type;
    uint16_t category;
    char *tmpl;
};

struct persona_event_w32 {
    uint32_t code;
    struct persona_event_row row;
};

/* Duplicate detection for one file's event lines (the parser's). */
struct persona_event_seen {
    unsigned fixed; /* a bit per enum persona_event */
    uint32_t codes[PERSONA_EVENT_W32_MAX];
    size_t ncodes;
};

/* A loaded persona: immutable once loaded, shared read-only by sessions. */
struct persona {
    char name[PERSONA_NAME_MAX];
    char version[PERSONA_NAME_MAX];
    char ok[PERSONA_TOKEN_MAX];
    char err[PERSONA_TOKEN_MAX];
    bool keep_period;
    enum persona_user_syntax user_syntax;
    unsigned offers;
    unsigned sasl;
    char *reply[PERSONA_REPLY_COUNT];
    struct persona_capa capa[PERSONA_CAPA_MAX];
    size_t ncapa;
    struct persona_win32 win32[PERSONA_WIN32_MAX];
    size_t nwin32;
    struct persona_event_row event[PERSONA_EVENT_COUNT];
    struct persona_event_w32 evw32[PERSONA_EVENT_W32_MAX];
    size_t nevw32;
    /* The store's limits for a POP3 logon, as this product's defaults (the
     * store's exchange.conf may override them): the most items the Inbox
     * may hold, the largest message RETR/TOP hand out, in octets as sent.
     * 0: no limit. Keys "item-limit N" and "message-limit N". */
    uint32_t item_limit;
    uint64_t message_limit;
};

/* Values for a template; unset pointers render as nothing (the loader
 * rejects templates that use a variable their reply does not supply). */
struct persona_vars {
    const char *host;      /* %h */
    const char *timestamp; /* %t */
    const char *text;      /* %s (the period rule is applied here) */
    uint32_t code;         /* %e */
    uint64_t n;            /* %n */
    uint64_t count;        /* %c */
    uint64_t octets;       /* %o */
    const char *uid;       /* %u */
};

/* Parses persona text. name labels errors and is the persona's name;
 * dir is where "inherit" looks first (NULL: built-ins only). On success
 * *out is owned by the caller (persona_free). Returns 0, EINVAL (err says
 * "NAME:LINE: problem"), ENOENT (inherited persona missing), ELOOP
 * (inheritance deeper than 4) or ENOMEM. */
int persona_parse(const char *name, const char *text, size_t len, const char *dir,
                  struct persona **out, char *err, size_t errcap);
/* Loads the file at path; the persona's name is the file name without
 * ".persona". Same returns, plus the errno of reading the file (EFBIG past
 * PERSONA_FILE_MAX). */
int persona_load(const char *path, struct persona **out, char *err, size_t errcap);
/* Loads the built-in persona NAME (embedded src/pop3/personas/NAME.persona).
 * ENOENT when there is none. */
int persona_builtin(const char *name, struct persona **out, char *err, size_t errcap);
/* Looks for DIR/NAME.persona (dir may be NULL), then the built-in NAME.
 * NAME must be letters, digits, '.', '_' or '-' (not starting with '.').
 * Same returns as persona_load; ENOENT when neither exists. */
int persona_find(const char *name, const char *dir, struct persona **out, char *err,
                 size_t errcap);
/* Whether s may name a persona: 1 to PERSONA_NAME_MAX - 1 letters, digits,
 * '.', '_' or '-', not starting with '.' (so NAME.persona stays in its
 * directory). */
bool persona_name_valid(const char *s);
/* The built-in persona names in file-name order: copies up to max of them
 * into names and returns how many exist. */
size_t persona_builtin_list(char (*names)[PERSONA_NAME_MAX], size_t max);
void persona_free(struct persona *p);

/* "banner", "user-ok", ... : the name used after "reply" in files. */
const char *persona_reply_key(enum persona_reply r);

/* Appends the rendered line plus CRLF to out; appends nothing for an empty
 * template. For PERSONA_WIN32 the per-code template wins when there is one.
 * Returns 0 or ENOMEM. */
int persona_render(const struct persona *p, enum persona_reply r, const struct persona_vars *v,
                   struct buf *out);
/* Whether reply r renders to nothing (empty template). */
bool persona_silent(const struct persona *p, enum persona_reply r);


/* --- events (persona_event.c) --------------------------------------------- */

/* "win32", "no-mailbox", ...: the NAME after "event" in files. */
const char *persona_event_key(enum persona_event e);
/* Parses the value of one "event" line into p (replacing an inherited
 * row). Returns 0, EINVAL (why says the problem, without a location: the
 * caller adds "NAME:LINE: ") or ENOMEM. */
int persona_event_line(struct persona *p, const char *value, struct persona_event_seen *seen,
                       char *why, size_t whylen);
/* Fills a fresh persona's table with the default rows. 0 or ENOMEM. */
int persona_event_defaults(struct persona *p);
/* Frees the table's templates (persona_free calls it). */
void persona_event_free(struct persona *p);
/* The row outcome e logs under (for PERSONA_EVENT_WIN32 the win32.CODE row
 * wins), or NULL when it logs nothing. Owned by p. */
const struct persona_event_row *persona_event(const struct persona *p, enum persona_event e,
                                              uint32_t code);
/* The row's description with inserts (PERSONA_EVENT_INSERTS entries, any
 * NULL) into out: evtmpl_expand's returns. */
int persona_event_text(const struct persona_event_row *row, const char *const *inserts,
                       char *out, size_t cap);

#endif

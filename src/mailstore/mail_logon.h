/* The logon contract between a mail protocol engine and the service it runs
 * in, the same for every protocol: POP3 (src/pop3) now, SMTP AUTH (issue 18)
 * and IMAP4 later. An engine parses its protocol and never logs anyone on:
 * it hands what the client offered to its backend (src/exchange: the store,
 * which asks the emulated machine with the store's own token) and gets back
 * an outcome and, on success, the opened and locked maildrop (maildrop.h),
 * which the engine then owns and closes.
 *
 * Three ways in (struct mail_logon_ops):
 *  - login: a clear-text name and password (POP3 USER/PASS and AUTH PLAIN;
 *    SMTP AUTH LOGIN and PLAIN).
 *  - login_apop: POP3 APOP (RFC 1939 §7), a digest of the engine's banner
 *    timestamp and a secret the backend keeps.
 *  - login_challenge: a challenge/response SASL mechanism (NTLM, issue 17),
 *    one call per client message. The engine only carries the mechanism's
 *    messages (base64 on the wire, decoded here); the backend understands
 *    and verifies them (for NTLM an MSV1_0-style check in emulator/). The
 *    engine's mechanism table decides which mechanisms reach it.
 *
 * Here, in the mail store room, and not in src/exchange: an engine may use
 * src/lib and this contract only, while src/exchange uses the emulator (and
 * the engines' personas); an engine including an exchange header would pull
 * the OS model into a transport-free protocol room and point an arrow up
 * DESIGN.md's table. The result carries a maildrop, this room's type.
 *
 * Also here: the user-name syntax every Exchange protocol shares (USER,
 * AUTH PLAIN's authcid, SMTP AUTH LOGIN's name: "domain\account\mailbox"),
 * and the APOP digest check a backend uses. */
#ifndef NTLAB_MAILSTORE_MAIL_LOGON_H
#define NTLAB_MAILSTORE_MAIL_LOGON_H
#include "src/mailstore/maildrop.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAIL_LOGON_TEXT_MAX 256u       /* a Win32 error text from the backend */
#define MAIL_LOGON_FIELD_MAX 256u      /* a name or password, NUL included */
#define MAIL_LOGON_CHALLENGE_MAX 4096u /* one decoded challenge (NTLM's Type 2 fits) */

/* What the client offered. Strings are NUL-terminated, owned by the engine,
 * valid for the duration of the call. */
struct mail_logon_credentials {
    /* "USER" (USER/PASS), "APOP", or the SASL mechanism ("PLAIN", ...) */
    const char *mechanism;
    const char *user; /* the user argument as sent (USER, APOP name, PLAIN authcid) */
    /* The user argument split by the engine's user syntax
     * (mail_logon_split_user). */
    const char *domain;         /* "" when the client named none: the server's domain */
    const char *account;        /* never empty */
    const char *mailbox;        /* the alias; equals account when the client named none */
    const char *password;       /* clear text; NULL for APOP and in events */
    const char *authzid;        /* PLAIN: "" or equal to the authcid (checked) */
    const char *apop_timestamp; /* APOP: the banner's <...>, else NULL */
    const char *apop_digest;    /* APOP: 32 lowercase hex digits, else NULL */
};

enum mail_logon_outcome {
    MAIL_LOGON_OK,            /* maildrop is open and locked */
    MAIL_LOGON_WIN32,         /* the logon failed: win32 and text say how */
    MAIL_LOGON_IN_USE,        /* the maildrop is locked by another session */
    MAIL_LOGON_NO_MAILBOX,    /* no such mailbox (alias) on this server */
    MAIL_LOGON_ACCESS_DENIED, /* logged on, but the account may not open it */
    MAIL_LOGON_SYSTEM_ERROR,  /* the store failed (disk, not running, ...) */
    MAIL_LOGON_AMBIGUOUS,     /* the name matches several directory entries */
    MAIL_LOGON_CUSTOM_RECIPIENT, /* the name is a custom recipient: no mailbox */
    MAIL_LOGON_TOO_MANY_ITEMS,   /* the Inbox holds more items (items) than the store
                                    lets a protocol logon open */
};

struct mail_logon_result {
    enum mail_logon_outcome outcome;
    uint32_t win32;                 /* the Win32 error for MAIL_LOGON_WIN32 (also
                                       logged for the others when non-zero) */
    char text[MAIL_LOGON_TEXT_MAX]; /* its FormatMessage text, as the backend's
                                       OS words it (with its period; the
                                       engine's persona decides whether to
                                       keep it) */
    struct maildrop *maildrop;      /* MAIL_LOGON_OK: handed to the engine,
                                       which closes it */
    uint64_t message_limit;         /* MAIL_LOGON_OK: the largest message (octets as
                                       sent) the store hands out; 0: no limit. The
                                       engine refuses a larger one and tells the
                                       backend (message_refused) */
    uint64_t items;                 /* MAIL_LOGON_TOO_MANY_ITEMS: what the Inbox holds */
    /* login_challenge only: who the client's messages named (NTLM's Type 3
     * carries domain and account; the mailbox is the backend's choice), for
     * the engine's events and logs, since the engine reads no names there.
     * Empty strings when the backend could not tell. */
    char domain[MAIL_LOGON_FIELD_MAX];
    char account[MAIL_LOGON_FIELD_MAX];
    char mailbox[MAIL_LOGON_FIELD_MAX];
};

enum mail_logon_step {
    MAIL_LOGON_CONTINUE, /* send out[0..outlen) as the next challenge */
    MAIL_LOGON_DONE,     /* the exchange is over: *res says how */
};

/* One client message of a challenge/response exchange and the room for the
 * backend's answer. */
struct mail_logon_message {
    const char *mechanism; /* the engine's name for it ("NTLM"), upper case */
    const uint8_t *in;     /* the client's message, decoded; NULL: none (the
                              first call of an exchange the client began
                              without an initial response) */
    size_t inlen;
    uint8_t *out;  /* CONTINUE: the next challenge, decoded (may be empty) */
    size_t outcap; /* MAIL_LOGON_CHALLENGE_MAX */
    size_t outlen;
};

/* The backend, called with the arg its user gave (one per session). */
struct mail_logon_ops {
    /* Clear text. Must fill *res (zeroed by the caller). */
    void (*login)(void *arg, const struct mail_logon_credentials *cred,
                  struct mail_logon_result *res);
    /* APOP: the backend looks up the shared secret, checks the digest with
     * mail_logon_apop_check, and opens the maildrop. NULL: APOP answers
     * system-error even where the persona offers it. */
    void (*login_apop)(void *arg, const struct mail_logon_credentials *cred,
                       struct mail_logon_result *res);
    /* Challenge/response, one call per client message. *state is NULL at
     * an exchange's first call; the backend may point it at state of its
     * own (the challenge it sent, negotiated flags) and owns that. CONTINUE:
     * msg->out holds the next challenge (msg->outlen <= msg->outcap), *res
     * untouched, the state kept for the next call. DONE: *res filled as by
     * login (zeroed by the caller), and the backend has freed its state and
     * set *state to NULL. A mechanism the backend does not know, or a
     * message it cannot parse, is DONE with a failure. NULL: the engine's
     * challenge/response mechanisms answer system-error. */
    enum mail_logon_step (*login_challenge)(void *arg, void **state, struct mail_logon_message *msg,
                                            struct mail_logon_result *res);
    /* The engine abandons an exchange that last returned CONTINUE (client
     * cancel, bad line, session end): frees state (never NULL here). */
    void (*challenge_end)(void *arg, void *state);
    /* The engine refused to hand out message index (0-based) of octets
     * octets, over the result's message_limit: the backend logs it. NULL:
     * nothing is logged. */
    void (*message_refused)(void *arg, size_t index, uint64_t octets);
};

/* --- user names --------------------------------------------------------- */

enum mail_logon_syntax {
    /* "account", "domain\account", "domain\account\mailbox" or
     * "domain\account/mailbox" (Exchange 5.x, Q161116), and the same with
     * '/' after the domain ("domain/account/mailbox", as Exchange's POP3
     * account-name help and later versions give it) */
    MAIL_LOGON_SYNTAX_NT,
    /* the whole argument is the account and the mailbox */
    MAIL_LOGON_SYNTAX_PLAIN,
};

struct mail_logon_user {
    char domain[MAIL_LOGON_FIELD_MAX]; /* "" when none was named */
    char account[MAIL_LOGON_FIELD_MAX];
    char mailbox[MAIL_LOGON_FIELD_MAX]; /* = account when none was named */
};

/* Splits a user argument. False when it is unusable: empty, too long
 * (MAIL_LOGON_FIELD_MAX with its NUL), a control character, or (NT syntax)
 * an empty domain, account or mailbox part, or a mailbox with '\' or '/'. */
bool mail_logon_split_user(const char *arg, enum mail_logon_syntax syntax,
                           struct mail_logon_user *u);

/* RFC 1939 §7: digest == MD5(timestamp + secret) as lowercase hex, compared
 * in constant time. */
bool mail_logon_apop_check(const char *timestamp, const char *secret, const char *digest);

#endif

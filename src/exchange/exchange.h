/* The Exchange store as a product on an emulated machine: the
 * `msexchangeis` service image, the mailbox directory, delivery, and the
 * logon path from a POP3 session to LogonUser with the store's own token.
 *
 * The store runs as a service (scm.h). Its start (with the service's
 * logon token in svc->token) copies that token — the snapshot later grants
 * never reach — loads the mailbox directory and the machine's persona, and
 * becomes "running"; its stop marks it stopped. POP3 sessions opened on a
 * running store log users on through it:
 *
 *   logon_user(m, &store token, domain or m->domain when empty, account,
 *              password, LOGON_NETWORK, NULL, "MSExchangeIS", &tok)
 *     fails   -> POP3_LOGIN_WIN32 with nterr_to_win32 and nterr_win32_text,
 *                and a Failure Audit event (Application log, source
 *                MSExchangePOP3, EXCHANGE_EVENT_LOGON_FAILED)
 *   then the alias is looked up on this server only (unknown ->
 *   POP3_LOGIN_NO_MAILBOX), the token's user SID must be the mailbox's
 *   owner SID (else POP3_LOGIN_ACCESS_DENIED), and the Maildir is opened
 *   (locked by another session -> POP3_LOGIN_IN_USE; other errors ->
 *   POP3_LOGIN_SYSTEM_ERROR). A session whose store stopped after it
 *   connected gets POP3_LOGIN_SYSTEM_ERROR at PASS.
 *
 * Store state is reference counted: a session keeps its store (and thus its
 * persona) alive after the service stops or restarts; the restarted service
 * is a new store with a new token. No globals: everything hangs off the
 * machine's SCM.
 *
 * Mailbox directory: m->dir/mailboxes.conf, text, written durably
 * (afile.h). '#' or ';' starts a comment line; one section per mailbox:
 *   [alice]                                    the alias
 *   Owner = CORP\alice                         as given when added
 *   OwnerSid = S-1-5-21-1111-2222-3333-1001    resolved when added
 *   ApopSecret = "secret"                      optional (APOP, below)
 * Values may be double-quoted with \" and \\ escapes. The owner's SID is
 * resolved when the mailbox is added (as Exchange Administrator binds a
 * mailbox to its primary NT account's SID), so the check at logon needs no
 * name lookup. An alias is 1..EXCHANGE_ALIAS_MAX characters of letters,
 * digits, '.', '_' and '-', not starting with '.'; aliases compare
 * case-insensitively. The Maildir of alias A is m->dir/mail/A (the alias
 * as first written).
 *
 * APOP: Exchange keeps no plain-text secrets, so a mailbox answers APOP
 * only when the directory holds an ApopSecret for it (a lab feature for the
 * rfc1939 persona); the digest names the alias, no LogonUser is made, and
 * the owner check is moot. Without a secret APOP gets the persona's
 * logon-failure reply (ERROR_LOGON_FAILURE). */
#ifndef NTLAB_EXCHANGE_EXCHANGE_H
#define NTLAB_EXCHANGE_EXCHANGE_H
#include "emulator/machine.h"
#include "emulator/sid.h"
#include "src/pop3/pop3.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXCHANGE_IMAGE "msexchangeis"     /* the service image name */
#define EXCHANGE_SERVICE "MSExchangeIS"   /* the usual service name */
#define EXCHANGE_PROCESS "MSExchangeIS"   /* logon process name in audits */
#define EXCHANGE_POP3_SOURCE "MSExchangePOP3"
#define EXCHANGE_EVENT_LOGON_FAILED 1010u /* Application log, Failure Audit */
#define EXCHANGE_DEFAULT_PERSONA "exchange-5.0.1457.10" /* when exchange.conf names none */
#define EXCHANGE_PERSONA_MAX 63                         /* a persona name's length */
#define EXCHANGE_CONF_FILE "exchange.conf"
#define EXCHANGE_ALIAS_MAX 64
#define EXCHANGE_OWNER_MAX 160
#define EXCHANGE_SECRET_MAX 128
#define EXCHANGE_MAX_MAILBOXES 100000u
#define EXCHANGE_DIR_FILE "mailboxes.conf"

/* --- the service image -------------------------------------------------- */

/* Registers the msexchangeis image with m's SCM (attaching the SCM first if
 * needed). Idempotent: an image already registered under that name is fine.
 * Returns 0, EINVAL (m NULL), ENOSPC (the SCM's image table is full) or
 * EIO (the SCM could not be attached: services.conf is malformed). */
int exchange_register(struct machine *m);

/* Whether a service with the msexchangeis image runs on m (its start
 * succeeded and it has not stopped since). */
bool exchange_running(struct machine *m);

/* The running store's service (NULL when none runs): for status output
 * (name, account, the token's privileges). */
struct scm_service *exchange_service(struct machine *m);

/* The running store's POP3 persona (NULL when none runs), owned by the
 * store: valid until control returns to anything that may stop the
 * service. For replies made without a session (the daemon refusing a
 * connection: persona_render). */
const struct persona *exchange_persona(struct machine *m);

/* The persona name the running store loaded (its setting, or
 * EXCHANGE_DEFAULT_PERSONA); NULL when none runs. Owned by the store, as
 * exchange_persona. */
const char *exchange_persona_name(struct machine *m);

/* --- the store's settings (settings.c) -----------------------------------
 * m->dir/exchange.conf, text, written durably (afile.h); one "key = value"
 * a line, '#' or ';' starts a comment line:
 *   persona = q189732     optional: the POP3 persona (built in, or
 *                         LAB/personas/NAME.persona); default
 *                         EXCHANGE_DEFAULT_PERSONA
 * The store reads it at each start, so an edit takes effect at the
 * service's restart or the machine's reboot.
 *
 * Labs written before the store had this file kept "persona = NAME" in
 * machine.conf, which the emulator keeps as a setting it does not read
 * (machine_setting). Reading the settings moves it here: exchange.conf is
 * written with it, then the line is dropped from machine.conf. Until both
 * writes succeed the legacy line stays and wins (so a failed move is
 * retried at the next start and changes nothing meanwhile). */

/* 1..EXCHANGE_PERSONA_MAX letters, digits, '.', '_' or '-'. */
bool exchange_persona_name_valid(const char *s);
/* The persona named by the settings into out ("" when none is named; the
 * caller then uses EXCHANGE_DEFAULT_PERSONA), migrating a legacy machine.conf
 * line first. An in-memory machine has no settings (""). Returns 0, or
 * EINVAL with "PATH:LINE: problem" in err for a malformed exchange.conf
 * ("PATH: bad persona name" for a bad legacy line), EFBIG, ENOMEM or a read's
 * errno. A failed migration write is not an error (above). */
int exchange_settings_persona(struct machine *m, char *out, size_t n, char *err, size_t errlen);
/* Names the store's persona in exchange.conf (durably; the store uses it at
 * its next start). Does not check that the persona exists (persona_find
 * does that). Returns 0, EINVAL (bad name, or an in-memory machine), or
 * the write's errno. */
int exchange_set_persona(struct machine *m, const char *name);

/* --- the mailbox directory ---------------------------------------------- */

struct exchange_mailbox {
    char alias[EXCHANGE_ALIAS_MAX + 1];
    char owner[EXCHANGE_OWNER_MAX + 1]; /* "CORP\alice" as given */
    struct sid owner_sid;
    bool has_secret;
    char apop_secret[EXCHANGE_SECRET_MAX + 1];
};

struct exchange_directory; /* opaque: a loaded mailboxes.conf */

/* Loads the directory file at path; a missing file is an empty directory.
 * Returns 0, EINVAL ("PATH:LINE: problem" in err: bad syntax, bad alias,
 * duplicate alias, bad SID, missing Owner/OwnerSid, over-long value),
 * EFBIG (more than EXCHANGE_MAX_MAILBOXES or a file over 64 MiB), ENOMEM,
 * or the errno of reading it. */
int exchange_directory_load(const char *path, struct exchange_directory **out, char *err,
                            size_t errlen);
/* Writes it durably (temp, fsync, rename, fsync dir). 0 or an errno value. */
int exchange_directory_save(const struct exchange_directory *d, const char *path);
/* An empty directory (NULL on ENOMEM). */
struct exchange_directory *exchange_directory_new(void);
void exchange_directory_free(struct exchange_directory *d);
size_t exchange_directory_count(const struct exchange_directory *d);
/* The i-th mailbox in file order, or NULL. */
const struct exchange_mailbox *exchange_directory_at(const struct exchange_directory *d, size_t i);
/* By alias, case-insensitive; NULL when absent. */
const struct exchange_mailbox *exchange_directory_find(const struct exchange_directory *d,
                                                       const char *alias);
/* Adds a copy of mb. Returns 0, EINVAL (bad alias or owner), EEXIST,
 * EFBIG (EXCHANGE_MAX_MAILBOXES), ENOMEM. */
int exchange_directory_add(struct exchange_directory *d, const struct exchange_mailbox *mb);
bool exchange_alias_valid(const char *alias);

/* Adds mailbox alias to m's directory, owned by owner ("DOMAIN\ACCOUNT",
 * ".\ACCOUNT" or "ACCOUNT", resolved with machine_resolve on m), creates
 * its Maildir m->dir/mail/ALIAS, writes mailboxes.conf durably, and tells
 * a running store about it (no restart needed, as in Exchange). apop_secret
 * may be NULL. Returns 0, EINVAL (m has no state directory, bad alias or
 * secret; err says which), EEXIST (alias taken), ESRCH (owner does not
 * resolve to an account), or the load/write errno (err says). */
int exchange_mailbox_add(struct machine *m, const char *alias, const char *owner,
                         const char *apop_secret, char *err, size_t errlen);
/* Loads m's directory (m->dir/mailboxes.conf) for listing; as
 * exchange_directory_load, plus EINVAL when m has no state directory. */
int exchange_mailbox_list(struct machine *m, struct exchange_directory **out, char *err,
                          size_t errlen);
/* The Maildir path of alias on m, into out. 0, EINVAL (bad alias, no state
 * directory), ENAMETOOLONG. Does not check the directory. */
int exchange_mailbox_path(const struct machine *m, const char *alias, char *out, size_t n);

/* Delivers one RFC 5322 message to the mailbox alias on m (it must be in
 * the directory; the store need not run), stamped with m's clock
 * (maildrop_deliver). name_out/cap may be NULL/0. Returns 0, ENOENT (no
 * such alias), EINVAL, or maildrop_deliver's errno. */
int exchange_deliver(struct machine *m, const char *alias, const void *data, size_t len,
                     char *name_out, size_t name_cap);

/* --- POP3 sessions on a running store ----------------------------------- */

/* Optional per-session observer (the daemon's log): called with every
 * session event after the store has handled it (never a password). */
struct exchange_hooks {
    void (*event)(void *arg, const struct pop3_event *ev);
    void *arg;
};

struct exchange_session; /* a POP3 session bound to a store */

/* Opens a session on m's running store: a pop3 session with the store's
 * persona and the store as backend, banner queued. config is copied;
 * config->host NULL means the machine's name (host and m must outlive the
 * session). hooks may be NULL (copied). Returns 0, ECONNREFUSED (no running store on m: a client's
 * connection refused) or ENOMEM. */
int exchange_session_open(struct machine *m, const struct pop3_config *config, int64_t now,
                          uint64_t nonce, const struct exchange_hooks *hooks,
                          struct exchange_session **out);
/* The POP3 engine session to drive (pop3.h); owned by es. */
struct pop3_session *exchange_session_pop3(struct exchange_session *es);
/* Drops the pop3 session (pop3_session_drop: no UPDATE unless it already
 * ran) and releases the store. NULL is fine. */
void exchange_session_close(struct exchange_session *es);
/* Whether the store this session was opened on still runs (false after
 * its service stopped, even if a new instance started since): a server
 * closes such connections, as a stopped Exchange service drops its
 * clients. */
bool exchange_session_store_running(const struct exchange_session *es);
/* Heap bytes the session holds (pop3 session + this wrapper). */
size_t exchange_session_memory(const struct exchange_session *es);

#endif

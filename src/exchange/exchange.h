/* The Exchange store as a product on an emulated machine: the
 * `msexchangeis` service image, the mailbox directory, delivery, and the
 * logon path from a mail session (POP3 now) to LogonUser with the store's own token.
 *
 * The store runs as a service (scm.h). Its start (with the service's
 * logon token in svc->token) copies that token — the snapshot later grants
 * never reach — loads the mailbox directory and the machine's persona, and
 * becomes "running"; its stop marks it stopped. Protocol sessions opened on
 * a running store (exchange_session_open: the caller owns the engine
 * session and gives it exchange_logon_ops) log users on through it, by the
 * protocol-neutral contract of src/mailstore/mail_logon.h:
 *
 *   logon_user(m, &store token, domain or m->domain when empty, account,
 *              password, LOGON_NETWORK, NULL, "MSExchangeIS", &tok)
 *     unless the store's credentials cache (credcache.h) holds a live
 *     entry for that domain, account and password: then its token is
 *     used and LogonUser is not called (Q166620); a successful LogonUser
 *     is cached
 *     fails   -> MAIL_LOGON_WIN32 with nterr_to_win32 and nterr_win32_text,
 *                and the persona's win32 event (its event table, persona.h:
 *                by default MSExchangePOP3 1010, a Failure Audit)
 *   then the alias is looked up on this server only (unknown ->
 *   MAIL_LOGON_NO_MAILBOX), the token's user SID must be the mailbox's
 *   owner SID (else MAIL_LOGON_ACCESS_DENIED), and the Maildir is opened
 *   (locked by another session -> MAIL_LOGON_IN_USE; other errors ->
 *   MAIL_LOGON_SYSTEM_ERROR). A session whose store stopped after it
 *   connected gets MAIL_LOGON_SYSTEM_ERROR at PASS. Each refusal is
 *   logged as the persona's event for that outcome (store_events.h).
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
 *   Container = Sales                          optional; default Recipients
 *   CustomRecipient = SMTP:bob@example.com     a custom recipient (no Owner,
 *                                              OwnerSid, ApopSecret, Maildir)
 * Exchange 5.x keeps recipients in containers of a site; an alias is unique
 * within its container, so [ALIAS] may appear once per container. A file
 * written before containers names none: every entry is in Recipients.
 * Values may be double-quoted with \" and \\ escapes. The owner's SID is
 * resolved when the mailbox is added (as Exchange Administrator binds a
 * mailbox to its primary NT account's SID), so the check at logon needs no
 * name lookup. An alias is 1..EXCHANGE_ALIAS_MAX characters of letters,
 * digits, '.', '_' and '-', not starting with '.'; aliases compare
 * case-insensitively. The Maildir of alias A is m->dir/mail/A (the alias
 * as first written; exchange_entry_path for other containers).
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
#include "src/mailstore/mail_logon.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXCHANGE_IMAGE "msexchangeis"     /* the service image name */
#define EXCHANGE_SERVICE "MSExchangeIS"   /* the usual service name */
#define EXCHANGE_PROCESS "MSExchangeIS"   /* logon process name in audits */
#define EXCHANGE_DEFAULT_PERSONA "exchange-5.0.1457.10" /* when exchange.conf names none */
#define EXCHANGE_PERSONA_MAX 63                         /* a persona name's length */
#define EXCHANGE_CONF_FILE "exchange.conf"
#define EXCHANGE_ALIAS_MAX 64
#define EXCHANGE_OWNER_MAX 160
#define EXCHANGE_SECRET_MAX 128
#define EXCHANGE_MAX_MAILBOXES 100000u
#define EXCHANGE_DIR_FILE "mailboxes.conf"
#define EXCHANGE_CONTAINER_MAX 64                 /* a recipients container's name */
#define EXCHANGE_DEFAULT_CONTAINER "Recipients"   /* Exchange 5.x's site default */
#define EXCHANGE_ADDRESS_MAX 256                  /* a custom recipient's address */

struct persona; /* src/pop3/persona.h: the POP3 persona the store loads */

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
 *   Credentials Cache Age Limit = 120    optional, minutes (credcache.h,
 *   Credentials Cache Idle Limit = 15    KB Q166620: the store's cache of
 *   Credentials Cache Size = 256         clear-text logons; size in
 *                                        buckets, 0 turns it off)
 * The three cache keys are the article's registry values under
 * MSExchangeIS\ParametersNetIf, with its defaults when absent.
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

struct credcache_settings; /* src/exchange/credcache.h */
struct credcache_stats;
/* The credentials cache's settings from exchange.conf into out (the
 * article's defaults for keys not given, and for an in-memory machine).
 * Returns 0, or as exchange_settings_persona (EINVAL with "PATH:LINE:
 * KEY: expected a number from 0 to MAX" for a bad value). */
int exchange_settings_credcache(struct machine *m, struct credcache_settings *out, char *err,
                                size_t errlen);
/* Writes the cache's settings into exchange.conf durably, keeping its
 * persona (the store uses them at its next start). Returns 0, EINVAL (a
 * value out of bounds, or an in-memory machine) or the write's errno. */
int exchange_set_credcache(struct machine *m, const struct credcache_settings *s);
/* The running store's cache counts (entries live on the lab clock now).
 * Returns false, *out zeroed, when no store runs on m. */
bool exchange_credcache_stats(struct machine *m, struct credcache_stats *out);

/* --- the mailbox directory ---------------------------------------------- */

/* One directory entry: a mailbox, or (custom) a custom recipient, an
 * address with no mailbox and no owner. An alias is unique within its
 * container, not per server (issue 14 item 3; see directory.c). */
struct exchange_mailbox {
    char alias[EXCHANGE_ALIAS_MAX + 1];
    char owner[EXCHANGE_OWNER_MAX + 1]; /* "CORP\alice" as given; "" when custom */
    struct sid owner_sid;
    bool has_secret;
    char apop_secret[EXCHANGE_SECRET_MAX + 1];
    /* "" reads as EXCHANGE_DEFAULT_CONTAINER (exchange_directory_add fills it) */
    char container[EXCHANGE_CONTAINER_MAX + 1];
    bool custom;                              /* a custom recipient */
    char address[EXCHANGE_ADDRESS_MAX + 1];   /* custom: "SMTP:bob@example.com" */
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
/* By alias, case-insensitive, in any container: the first added; NULL when
 * absent. An alias may name several entries: exchange_directory_lookup. */
const struct exchange_mailbox *exchange_directory_find(const struct exchange_directory *d,
                                                       const char *alias);
/* By container and alias (both case-insensitive; container NULL or "" is
 * the default one); NULL when absent. */
const struct exchange_mailbox *exchange_directory_find_in(const struct exchange_directory *d,
                                                          const char *container,
                                                          const char *alias);
/* Every entry named alias (case-insensitive, mailboxes and custom
 * recipients of every container), the first max of them into out (in the
 * order added; out may be NULL when max is 0). Returns how many there are.
 * The SMTP side (issue 18) resolves a RCPT alias with this. */
size_t exchange_directory_lookup(const struct exchange_directory *d, const char *alias,
                                 const struct exchange_mailbox **out, size_t max);
/* A container name: as an alias (exchange_alias_valid), at most
 * EXCHANGE_CONTAINER_MAX. */
bool exchange_container_valid(const char *name);

/* How a logon's mailbox name resolves (resolve.c). */
enum exchange_resolve {
    EXCHANGE_RESOLVE_MAILBOX,   /* exactly one mailbox: *out */
    EXCHANGE_RESOLVE_NONE,      /* nothing by that name */
    EXCHANGE_RESOLVE_AMBIGUOUS, /* several entries share the alias (KB Q189654) */
    EXCHANGE_RESOLVE_CUSTOM,    /* a custom recipient: an address, no mailbox */
};
/* Resolves name (the mailbox part of a logon's user name: the alias given
 * after DOMAIN\account\ or DOMAIN/account/, else the account's own name)
 * as an alias over the whole directory, every container of this server,
 * without case. *out is the entry for MAILBOX and CUSTOM, else NULL. */
enum exchange_resolve exchange_directory_resolve(const struct exchange_directory *d,
                                                 const char *name,
                                                 const struct exchange_mailbox **out);
/* Adds a copy of mb (an empty container becomes the default). A mailbox
 * needs an owner; a custom recipient an address (1..EXCHANGE_ADDRESS_MAX
 * printable characters) and no secret. Returns 0, EINVAL (bad alias,
 * container, owner or address), EEXIST (the alias is taken in that
 * container), EFBIG (EXCHANGE_MAX_MAILBOXES), ENOMEM. */
int exchange_directory_add(struct exchange_directory *d, const struct exchange_mailbox *mb);
bool exchange_alias_valid(const char *alias);
/* Overwrites the entry of mb's container and alias with mb's owner, SID,
 * secret or address, keeping the entry's alias and container as first
 * written. Returns 0, ENOENT (no such entry), EINVAL (mb fails
 * exchange_directory_add's checks, or would turn a mailbox into a custom
 * recipient or back). */
int exchange_directory_replace(struct exchange_directory *d, const struct exchange_mailbox *mb);

/* Adds mailbox alias to m's directory, owned by owner ("DOMAIN\ACCOUNT",
 * ".\ACCOUNT" or "ACCOUNT", resolved with machine_resolve on m), creates
 * its Maildir m->dir/mail/ALIAS, writes mailboxes.conf durably, and tells
 * a running store about it (no restart needed, as in Exchange). apop_secret
 * may be NULL. Returns 0, EINVAL (m has no state directory, bad alias or
 * secret; err says which), EEXIST (alias taken), ESRCH (owner does not
 * resolve to an account), or the load/write errno (err says). */
int exchange_mailbox_add(struct machine *m, const char *alias, const char *owner,
                         const char *apop_secret, char *err, size_t errlen);
/* As exchange_mailbox_add, in a container (NULL or "": the default), or,
 * with custom_address, a custom recipient (owner and apop_secret then
 * NULL; no Maildir). EEXIST: the alias is taken in that container. */
int exchange_recipient_add(struct machine *m, const char *container, const char *alias,
                           const char *owner, const char *apop_secret,
                           const char *custom_address, char *err, size_t errlen);
/* A custom recipient's address: 1..EXCHANGE_ADDRESS_MAX printable bytes. */
bool exchange_recipient_address_valid(const char *address);
/* What exchange_recipient_set changes; NULL / false keeps a field. */
struct exchange_recipient_change {
    const char *owner;          /* a mailbox's primary NT account, resolved as in add */
    const char *apop_secret;    /* a mailbox's APOP secret */
    bool clear_secret;          /* drop the APOP secret */
    const char *custom_address; /* a custom recipient's address */
};
/* Changes the entry alias of container (NULL or "": the default) on m, as
 * Exchange Administrator's mailbox properties do: the primary Windows NT
 * account (its SID resolved now, as when added), the APOP secret, or a
 * custom recipient's address. Written durably; a running store sees it at
 * the next logon (no restart, as with add). The Maildir stays: a new owner
 * gets the mailbox with its messages. Returns 0, EINVAL (no state
 * directory, bad alias, container, secret or address, nothing to change,
 * a secret both set and cleared, a mailbox field for a custom recipient or
 * --custom for a mailbox; err says which), ENOENT (no such entry in that
 * container; err names the container that holds the alias, if one does),
 * ESRCH (owner is no account m knows), EIO ("PATH:LINE: problem" in err:
 * mailboxes.conf is malformed; nothing is written), or the load/write
 * errno. */
int exchange_recipient_set(struct machine *m, const char *container, const char *alias,
                           const struct exchange_recipient_change *ch, char *err, size_t errlen);
/* Loads m's directory (m->dir/mailboxes.conf) for listing; as
 * exchange_directory_load, plus EINVAL when m has no state directory. */
int exchange_mailbox_list(struct machine *m, struct exchange_directory **out, char *err,
                          size_t errlen);
/* The Maildir path of alias on m, into out. 0, EINVAL (bad alias, no state
 * directory), ENAMETOOLONG. Does not check the directory. */
int exchange_mailbox_path(const struct machine *m, const char *alias, char *out, size_t n);
/* The Maildir of a directory entry: m->dir/mail/ALIAS in the default
 * container (as before containers), m->dir/mail/ALIAS@CONTAINER in another
 * ('@' is in neither name, so two containers never share one). EINVAL for
 * a custom recipient. */
int exchange_entry_path(const struct machine *m, const struct exchange_mailbox *mb, char *out,
                        size_t n);

/* Delivers one RFC 5322 message to the mailbox alias on m (it must be in
 * the directory; the store need not run), stamped with m's clock
 * (maildrop_deliver). alias may be "ALIAS@CONTAINER" to pick one of
 * several entries sharing an alias. name_out/cap may be NULL/0. Returns 0,
 * ENOENT (no such alias, or a custom recipient: no mailbox), EEXIST (the
 * alias names several entries), EINVAL, or maildrop_deliver's errno. */
int exchange_deliver(struct machine *m, const char *alias, const void *data, size_t len,
                     char *name_out, size_t name_cap);

/* Delivers count copies of one message to alias on m at once
 * (maildrop_deliver_copies: the same names and order as one by one, one
 * flush per 4096): a scenario's large maildrop. *delivered (may be NULL)
 * says how many arrived, also on failure. Returns 0, ENOENT (no such
 * alias), EINVAL (count over EXCHANGE_COPIES_MAX, no state directory), or
 * the delivery's errno. */
#define EXCHANGE_COPIES_MAX 1000000u
int exchange_deliver_copies(struct machine *m, const char *alias, const void *data, size_t len,
                            uint64_t count, uint64_t *delivered);

/* --- sessions on a running store --------------------------------------- */

/* One client's hold on a running store: the logon backend of one protocol
 * session. The caller (the daemon's listener, the scenario runner) owns
 * the engine session and gives it exchange_logon_ops with the
 * exchange_session as the arg, and exchange_session_persona's persona. */
struct exchange_session;

/* The store's logon (mail_logon.h): login (USER/PASS, AUTH PLAIN) and
 * login_apop as described above; no challenge/response mechanism yet
 * (NTLM is issue 17), so login_challenge is NULL. arg: an
 * exchange_session. */
extern const struct mail_logon_ops exchange_logon_ops;

/* Opens a session on m's running store. Returns 0, ECONNREFUSED (no
 * running store on m: a client's connection refused) or ENOMEM. */
int exchange_session_open(struct machine *m, struct exchange_session **out);
/* The client's address for the session's events (%2 of the persona's
 * event table), copied; NULL or "" when unknown. Given as the daemon
 * formats a peer ("10.0.0.7:1042", "[::1]:1042") the port is dropped; a
 * bare address is kept. Cut at EXCHANGE_CLIENT_MAX. */
#define EXCHANGE_CLIENT_MAX 63
void exchange_session_set_client(struct exchange_session *es, const char *client);
/* The store's POP3 persona, owned by the store and valid while es is open
 * (a session keeps its store, and so its persona, after a stop). */
const struct persona *exchange_session_persona(const struct exchange_session *es);
/* Releases the store. Close the engine session first: its logon may still
 * call through es until then. NULL is fine. */
void exchange_session_close(struct exchange_session *es);
/* Whether the store this session was opened on still runs (false after
 * its service stopped, even if a new instance started since): a server
 * closes such connections, as a stopped Exchange service drops its
 * clients. */
bool exchange_session_store_running(const struct exchange_session *es);
/* Heap bytes es holds (the engine session's own are its own to count). */
size_t exchange_session_memory(const struct exchange_session *es);

#endif

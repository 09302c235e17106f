/* The msexchangeis service image and the logon path (exchange.h).
 * The store's state hangs off its service (svc->context) and is reference
 * counted so that sessions outlive a stop or restart without dangling. */
#include "emulator/lab.h"
#include "emulator/logon.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/exchange/credcache.h"
#include "src/exchange/store_int.h"
#include "src/exchange/ims.h"
#include "src/exchange/store_events.h"
#include "src/exchange/svc.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/pop3/persona.h"
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-log events of the store itself (ntlab's own numbers: the
 * store refusing to start names the file and line that stopped it). */
#define EXCHANGE_IS_SOURCE "MSExchangeIS"
#define EVENT_PERSONA_FAILED 1000u
/* %4 of the logon events: the internal call that failed. LogonUser is the
 * NT API the store calls; the MAPI method names stand for the store's own
 * steps (ntlab's choice, personas/README.md). */
#define STORE_CALL_LOGON "LogonUser"
#define STORE_CALL_APOP "CheckApopDigest"
#define STORE_CALL_RESOLVE "IAddrBook::ResolveName"
#define STORE_CALL_OPEN "IMAPISession::OpenMsgStore"
#define STORE_CALL_DIRECTORY "LoadMailboxDirectory"
#define STORE_CALL_CONTENTS "IMAPIFolder::GetContentsTable"
#define STORE_CALL_MESSAGE "IMessage::OpenProperty"
/* MAPI's codes for the store's limits (mapicode.h: MAKE_MAPI_E(0x403), (0x305)) */
#define STORE_MAPI_TABLE_TOO_BIG "MAPI_E_TABLE_TOO_BIG (0x80040403)"
#define STORE_MAPI_TOO_BIG "MAPI_E_TOO_BIG (0x80040305)"

struct exchange_store {
    struct svc_state base; /* first: references, running, machine, token */
    struct persona *persona;
    char persona_name[EXCHANGE_PERSONA_MAX + 1]; /* as named when it started */
    struct exchange_directory *dir;
    struct maildrop_cache *mdcache; /* listings of unchanged maildrops; NULL = none */
    struct credcache *creds; /* clear-text logons (Q166620); made at start, so a restart empties it */
};

struct exchange_session {
    struct exchange_store *store;
    char client[EXCHANGE_CLIENT_MAX + 1]; /* %2 of its events; "" unknown */
    /* who the open maildrop belongs to, for the events of a later refusal */
    char user[SAM_DOMAIN_NAME_MAX + SAM_NAME_MAX + 2];
    char mailbox[EXCHANGE_ALIAS_MAX + 1];
    char mechanism[16];
};

static void store_unref(struct exchange_store *st)
{
    if (!st || !svc_state_unref(&st->base))
        return;
    persona_free(st->persona);
    exchange_directory_free(st->dir);
    maildrop_cache_free(st->mdcache);
    credcache_free(st->creds);
    free(st);
}

static int dir_path(const struct machine *m, char *out, size_t n)
{
    if (!machine_dir(m)[0])
        return EINVAL;
    int k = snprintf(out, n, "%s/%s", machine_dir(m), EXCHANGE_DIR_FILE);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

/* Where a lab's own personas live: LAB/personas, or beside a lone
 * machine's state directory; NULL for an in-memory machine. */
static const char *persona_dir(const struct machine *m, char *buf, size_t n)
{
    int k;
    if (lab_of_machine(m))
        k = snprintf(buf, n, "%s/personas", lab_dir(lab_of_machine(m)));
    else if (machine_dir(m)[0])
        k = snprintf(buf, n, "%s/personas", machine_dir(m));
    else
        return NULL;
    return k < 0 || (size_t)k >= n ? NULL : buf;
}

/* --- the service image -------------------------------------------------------- */

/* The credentials cache with exchange.conf's settings, keyed anew: each
 * start begins empty. A bad setting stops the start, named in an event. */
static int start_credcache(struct machine *m, struct exchange_store *st)
{
    struct credcache_settings cs;
    char err[512] = "";
    int e = exchange_settings_credcache(m, &cs, err, sizeof err);
    if (!e)
        e = credcache_new(&cs, &st->creds);
    if (e) {
        char msg[700];
        snprintf(msg, sizeof msg, "The information store cannot make its credentials cache: %s",
                 err[0] ? err : strerror(e));
        svc_app_event(m, EXCHANGE_IS_SOURCE, EVENT_PERSONA_FAILED, EVT_ERROR, NULL, msg);
    }
    return e;
}

static ntstatus store_start(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)arg;
    struct exchange_store *st = calloc(1, sizeof *st);
    if (!st)
        return STATUS_NO_MEMORY;
    svc_state_init(&st->base, m, svc);
    char err[512] = "", pdir[PATH_MAX];
    /* What exchange.conf says now: the persona is read at each start. */
    char named[EXCHANGE_PERSONA_MAX + 1];
    int ce = exchange_settings_persona(m, named, sizeof named, err, sizeof err);
    if (ce) {
        char msg[700];
        snprintf(msg, sizeof msg, "The information store cannot read its settings: %s",
                 err[0] ? err : strerror(ce));
        svc_app_event(m, EXCHANGE_IS_SOURCE, EVENT_PERSONA_FAILED, EVT_ERROR, NULL, msg);
        free(st);
        return ce == EINVAL || ce == EFBIG || ce == EILSEQ ? STATUS_INTERNAL_DB_CORRUPTION
                                                           : nterr_from_errno(ce);
    }
    const char *name = named[0] ? named : EXCHANGE_DEFAULT_PERSONA;
    str_copy(st->persona_name, sizeof st->persona_name, name);
    int e = persona_find(name, persona_dir(m, pdir, sizeof pdir), &st->persona, err, sizeof err);
    if (e) {
        char msg[700];
        snprintf(msg, sizeof msg, "The information store cannot load POP3 persona '%s': %s",
                 name, err[0] ? err : strerror(e));
        svc_app_event(m, EXCHANGE_IS_SOURCE, EVENT_PERSONA_FAILED, EVT_ERROR, NULL, msg);
        free(st);
        return e == ENOENT ? STATUS_OBJECT_NAME_NOT_FOUND
               : e == ENOMEM ? STATUS_NO_MEMORY
                             : STATUS_INTERNAL_DB_CORRUPTION;
    }
    char path[PATH_MAX];
    if (dir_path(m, path, sizeof path) == 0) {
        e = exchange_directory_load(path, &st->dir, err, sizeof err);
    } else {
        st->dir = exchange_directory_new(); /* in-memory machine: no mailboxes yet */
        e = st->dir ? 0 : ENOMEM;
    }
    if (e) { /* the persona is loaded: its store-start row words it */
        const struct exchange_event_facts f = {.call = STORE_CALL_DIRECTORY,
                                               .text = err[0] ? err : strerror(e)};
        exchange_event_log(m, st->persona, PERSONA_EVENT_STORE_START, &f);
        persona_free(st->persona);
        free(st);
        return e == ENOMEM ? STATUS_NO_MEMORY : STATUS_INTERNAL_DB_CORRUPTION;
    }
    e = start_credcache(m, st);
    if (e) {
        exchange_directory_free(st->dir);
        persona_free(st->persona);
        free(st);
        return e == ENOMEM ? STATUS_NO_MEMORY : STATUS_INTERNAL_DB_CORRUPTION;
    }
    svc_attach(&st->base, svc);
    return STATUS_SUCCESS;
}

static void store_stop(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)arg;
    (void)m; /* sessions still holding the store get system-error at PASS */
    store_unref(svc_detach(svc));
}

int exchange_register(struct machine *m)
{
    if (!m)
        return EINVAL;
    if (!machine_scm(m)) {
        char err[256];
        if (scm_attach(m, err, sizeof err) != STATUS_SUCCESS)
            return EIO;
    }
    int e = svc_register(m, EXCHANGE_IMAGE, store_start, store_stop);
    /* the Internet Mail Service comes with the store (ims.h) */
    return e ? e : ims_register(m);
}

struct scm_service *exchange_service(struct machine *m)
{
    return svc_running(m, EXCHANGE_IMAGE);
}

static struct exchange_store *running_store(struct machine *m)
{
    struct scm_service *s = exchange_service(m);
    return s ? s->context : NULL;
}

bool exchange_credcache_stats(struct machine *m, struct credcache_stats *out)
{
    struct exchange_store *st = running_store(m);
    credcache_stats(st ? st->creds : NULL, machine_now(m), out);
    return st != NULL;
}

bool exchange_running(struct machine *m)
{
    return running_store(m) != NULL;
}

const struct persona *exchange_persona(struct machine *m)
{
    struct exchange_store *st = running_store(m);
    return st ? st->persona : NULL;
}

const char *exchange_persona_name(struct machine *m)
{
    struct exchange_store *st = running_store(m);
    return st ? st->persona_name : NULL;
}

/* --- mailboxes ----------------------------------------------------------------- */

int exchange_mailbox_path(const struct machine *m, const char *alias, char *out, size_t n)
{
    if (!m || !machine_dir(m)[0] || !exchange_alias_valid(alias))
        return EINVAL;
    int k = snprintf(out, n, "%s/mail/%s", machine_dir(m), alias);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

int exchange_entry_path(const struct machine *m, const struct exchange_mailbox *mb, char *out,
                        size_t n)
{
    if (!mb || mb->custom)
        return EINVAL;
    if (!mb->container[0] || str_ieq(mb->container, EXCHANGE_DEFAULT_CONTAINER))
        return exchange_mailbox_path(m, mb->alias, out, n);
    if (!m || !machine_dir(m)[0] || !exchange_alias_valid(mb->alias) ||
        !exchange_container_valid(mb->container))
        return EINVAL;
    int k = snprintf(out, n, "%s/mail/%s@%s", machine_dir(m), mb->alias, mb->container);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

int exchange_mailbox_list(struct machine *m, struct exchange_directory **out, char *err,
                          size_t errlen)
{
    char path[PATH_MAX];
    int e = dir_path(m, path, sizeof path);
    if (e) {
        if (err && errlen)
            snprintf(err, errlen, "%s has no state directory", machine_name(m));
        return EINVAL;
    }
    return exchange_directory_load(path, out, err, errlen);
}

bool exchange_recipient_address_valid(const char *address)
{
    size_t n = address ? strlen(address) : 0;
    bool ok = n > 0 && n <= EXCHANGE_ADDRESS_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)address[i] >= 0x20 && address[i] != 0x7f;
    return ok;
}

/* mb's APOP secret; false when not 1..EXCHANGE_SECRET_MAX printable bytes. */
static bool set_secret(struct exchange_mailbox *mb, const char *secret)
{
    size_t n = strlen(secret);
    bool ok = n > 0 && n <= EXCHANGE_SECRET_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)secret[i] >= 0x20 && secret[i] != 0x7f;
    if (ok) {
        str_copy(mb->apop_secret, sizeof mb->apop_secret, secret);
        mb->has_secret = true;
    }
    return ok;
}

/* mb's owner SID and name; false when owner is no account m resolves. */
static bool set_owner(struct machine *m, struct exchange_mailbox *mb, const char *owner)
{
    if (!owner || !*owner || machine_resolve(m, owner, &mb->owner_sid) != STATUS_SUCCESS)
        return false;
    /* The canonical name ("CORP\alice"), as Exchange Administrator shows the
     * primary Windows NT account. */
    mb->owner[0] = 0;
    machine_sid_name(m, &mb->owner_sid, mb->owner, sizeof mb->owner);
    if (!mb->owner[0])
        str_copy(mb->owner, sizeof mb->owner, owner);
    return true;
}

int exchange_mailbox_add(struct machine *m, const char *alias, const char *owner,
                         const char *apop_secret, char *err, size_t errlen)
{
    return exchange_recipient_add(m, NULL, alias, owner, apop_secret, NULL, err, errlen);
}

int exchange_recipient_add(struct machine *m, const char *container, const char *alias,
                           const char *owner, const char *apop_secret,
                           const char *custom_address, char *err, size_t errlen)
{
    char path[PATH_MAX], mdir[PATH_MAX];
    if (err && errlen)
        err[0] = 0;
#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        return code;                                                                               \
    } while (0)
    if (!m || !machine_dir(m)[0] || dir_path(m, path, sizeof path))
        FAIL(EINVAL, "machine has no state directory");
    if (!exchange_alias_valid(alias))
        FAIL(EINVAL, "invalid alias '%s' (1-64 letters, digits, '.', '_' or '-'; not starting "
                     "with '.')", alias ? alias : "");
    if (container && *container && !exchange_container_valid(container))
        FAIL(EINVAL, "invalid container '%s' (1-64 letters, digits, '.', '_' or '-')", container);
    struct exchange_mailbox mb;
    memset(&mb, 0, sizeof mb);
    str_copy(mb.alias, sizeof mb.alias, alias);
    str_copy(mb.container, sizeof mb.container,
             container && *container ? container : EXCHANGE_DEFAULT_CONTAINER);
    if (custom_address) {
        if (owner || apop_secret || !exchange_recipient_address_valid(custom_address))
            FAIL(EINVAL, "a custom recipient's address is 1-256 printable characters, with no "
                         "owner or APOP secret");
        str_copy(mb.address, sizeof mb.address, custom_address);
        mb.custom = true;
    }
    if (apop_secret && !set_secret(&mb, apop_secret))
        FAIL(EINVAL, "APOP secret must be 1-128 printable characters");
    if (!mb.custom && !set_owner(m, &mb, owner))
        FAIL(ESRCH, "owner '%s' is not an account known to %s", owner ? owner : "",
             machine_name(m));

    struct exchange_directory *d;
    char lerr[512] = "";
    int e = exchange_directory_load(path, &d, lerr, sizeof lerr);
    if (e)
        FAIL(e, "%s", lerr[0] ? lerr : strerror(e));
    const struct exchange_mailbox *dup = exchange_directory_find_in(d, mb.container, alias);
    if (dup) {
        char where[EXCHANGE_CONTAINER_MAX + 1];
        str_copy(where, sizeof where, dup->container); /* as first written */
        exchange_directory_free(d);
        FAIL(EEXIST, "mailbox '%s' already exists on %s (container %s)", alias,
             machine_name(m), where);
    }
    e = exchange_directory_add(d, &mb);
    if (!e && !mb.custom)
        e = exchange_entry_path(m, &mb, mdir, sizeof mdir);
    /* The Maildir first: a directory entry never names a missing store. */
    if (!e && !mb.custom)
        e = maildrop_create(mdir);
    if (!e)
        e = exchange_directory_save(d, path);
    exchange_directory_free(d);
    if (e)
        FAIL(e, "cannot add mailbox '%s': %s", alias, strerror(e));
    /* Exchange sees new mailboxes without a restart. */
    struct exchange_store *st = running_store(m);
    if (st && !exchange_directory_find_in(st->dir, mb.container, alias))
        (void)exchange_directory_add(st->dir, &mb);
    plat_wipe(&mb, sizeof mb);
    return 0;
#undef FAIL
}

/* ch applied to a copy of the entry (*nb); 0 or EINVAL/ESRCH with err. */
static int apply_change(struct machine *m, struct exchange_mailbox *nb,
                        const struct exchange_recipient_change *ch, char *err, size_t errlen)
{
    const char *why = NULL;
    int code = EINVAL;
    if (nb->custom && (ch->owner || ch->apop_secret || ch->clear_secret))
        why = "is a custom recipient: it has no owner or APOP secret (--custom sets its address)";
    else if (!nb->custom && ch->custom_address)
        why = "is a mailbox, not a custom recipient: --custom does not apply";
    else if (ch->custom_address && !exchange_recipient_address_valid(ch->custom_address))
        why = "a custom recipient's address is 1-256 printable characters";
    else if (ch->apop_secret && !set_secret(nb, ch->apop_secret))
        why = "APOP secret must be 1-128 printable characters";
    else if (ch->owner && !set_owner(m, nb, ch->owner))
        code = ESRCH;
    if (why && err && errlen)
        snprintf(err, errlen, "'%s' %s", nb->alias, why);
    else if (code == ESRCH && err && errlen)
        snprintf(err, errlen, "owner '%s' is not an account known to %s", ch->owner,
                 machine_name(m));
    if (why || code == ESRCH)
        return code;
    if (ch->clear_secret) {
        plat_wipe(nb->apop_secret, sizeof nb->apop_secret);
        nb->has_secret = false;
    }
    if (ch->custom_address)
        str_copy(nb->address, sizeof nb->address, ch->custom_address);
    return 0;
}

/* The entry of container/alias in d into *nb, or ENOENT with err naming
 * where the alias is, if it is anywhere. */
static int find_entry(struct machine *m, const struct exchange_directory *d,
                      const char *container, const char *alias, struct exchange_mailbox *nb,
                      char *err, size_t errlen)
{
    const char *c = container && *container ? container : EXCHANGE_DEFAULT_CONTAINER;
    const struct exchange_mailbox *mb = exchange_directory_find_in(d, c, alias), *other = NULL;
    if (mb) {
        *nb = *mb;
        return 0;
    }
    if (err && errlen) {
        if (exchange_directory_lookup(d, alias, &other, 1))
            snprintf(err, errlen, "no mailbox '%s' in container %s on %s (it is in %s: "
                     "--container %s)", alias, c, machine_name(m), other->container,
                     other->container);
        else
            snprintf(err, errlen, "no mailbox '%s' on %s (see 'ntlab mailbox list')", alias,
                     machine_name(m));
    }
    return ENOENT;
}

int exchange_recipient_set(struct machine *m, const char *container, const char *alias,
                           const struct exchange_recipient_change *ch, char *err, size_t errlen)
{
    char path[PATH_MAX], why[300] = "";
    if (!m || !machine_dir(m)[0] || dir_path(m, path, sizeof path))
        snprintf(why, sizeof why, "machine has no state directory");
    else if (!exchange_alias_valid(alias))
        snprintf(why, sizeof why, "invalid alias '%.64s' (1-64 letters, digits, '.', '_' or '-'; "
                 "not starting with '.')", alias ? alias : "");
    else if (container && *container && !exchange_container_valid(container))
        snprintf(why, sizeof why, "invalid container '%.64s' (1-64 letters, digits, '.', '_' or "
                 "'-')", container);
    else if (!ch || (!ch->owner && !ch->apop_secret && !ch->clear_secret && !ch->custom_address))
        snprintf(why, sizeof why,
                 "nothing to change (--owner, --apop-secret, --no-apop-secret or --custom)");
    else if (ch->apop_secret && ch->clear_secret)
        snprintf(why, sizeof why, "--apop-secret and --no-apop-secret contradict each other");
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    if (why[0])
        return EINVAL;
    struct exchange_directory *d;
    char lerr[512] = "";
    int e = exchange_directory_load(path, &d, lerr, sizeof lerr);
    if (e) {
        if (err && errlen)
            snprintf(err, errlen, "%s", lerr[0] ? lerr : strerror(e));
        return e == EINVAL ? EIO : e; /* EINVAL is the caller's input */
    }
    struct exchange_mailbox nb;
    e = find_entry(m, d, container, alias, &nb, err, errlen);
    if (!e)
        e = apply_change(m, &nb, ch, err, errlen);
    if (!e && (e = exchange_directory_replace(d, &nb)) == 0 &&
        (e = exchange_directory_save(d, path)) != 0 && err && errlen)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
    exchange_directory_free(d);
    /* the running store's copy too: its next logon checks the new owner */
    struct exchange_store *st = running_store(m);
    if (!e && st && exchange_directory_replace(st->dir, &nb) == ENOENT)
        (void)exchange_directory_add(st->dir, &nb);
    plat_wipe(&nb, sizeof nb);
    return e;
}

int exchange_deliver(struct machine *m, const char *alias, const void *data, size_t len,
                     char *name_out, size_t name_cap)
{
    char path[PATH_MAX], mdir[PATH_MAX];
    if (!m || !alias || (!data && len) || dir_path(m, path, sizeof path))
        return EINVAL;
    struct exchange_directory *d;
    int e = exchange_directory_load(path, &d, NULL, 0);
    if (e)
        return e;
    /* "ALIAS@CONTAINER" names one of several entries sharing an alias */
    char name[EXCHANGE_ALIAS_MAX + EXCHANGE_CONTAINER_MAX + 2];
    str_copy(name, sizeof name, alias);
    char *at = strchr(name, '@');
    if (at)
        *at++ = 0;
    const struct exchange_mailbox *mb = NULL;
    size_t n = at ? (mb = exchange_directory_find_in(d, at, name)) != NULL
                  : exchange_directory_lookup(d, name, &mb, 1);
    e = n == 0 || mb->custom ? ENOENT
        : n > 1             ? EEXIST
                            : exchange_entry_path(m, mb, mdir, sizeof mdir);
    exchange_directory_free(d);
    if (e)
        return e;
    e = maildrop_create(mdir); /* a Maildir removed by hand comes back empty */
    if (e)
        return e;
    return maildrop_deliver(mdir, data, len, machine_now(m), name_out, name_cap);
}

/* --- the logon backend (mail_logon.h) ---------------------------------------------------- */

static void set_win32(struct mail_logon_result *res, enum mail_logon_outcome o, uint32_t code)
{
    res->outcome = o;
    res->win32 = code;
    const char *t = nterr_win32_text(code);
    str_copy(res->text, sizeof res->text, t ? t : "");
}

/* Logs outcome e of one logon as the persona words it (store_events.h).
 * call: the internal call that failed; res: the code and text, when the
 * outcome has them. */
static void log_outcome(const struct exchange_session *es, const struct mail_logon_credentials *cred,
                        const char *domain, enum persona_event e, const char *call,
                        const struct mail_logon_result *res)
{
    char user[SAM_DOMAIN_NAME_MAX + SAM_NAME_MAX + 64];
    snprintf(user, sizeof user, "%s%s%s", domain, domain[0] ? "\\" : "", cred->account);
    const struct exchange_event_facts f = {
        .user = user,
        .client = es->client[0] ? es->client : NULL,
        .mailbox = cred->mailbox,
        .call = call,
        .has_code = res && res->win32,
        .code = res ? res->win32 : 0,
        /* a MAPI failure has no Win32 code: its text names it */
        .text = res && (res->win32 || res->outcome == MAIL_LOGON_TOO_MANY_ITEMS) ? res->text
                                                                                : NULL,
        .mechanism = cred->mechanism ? cred->mechanism : "USER",
    };
    exchange_event_log(es->store->base.m, es->store->persona, e, &f);
}

/* The store's limits on an opened maildrop (exchange.h): over the item
 * limit, the logon fails (the maildrop is closed); otherwise the session
 * gets the message limit and remembers whose maildrop it holds. */
static void apply_limits(struct exchange_session *es,
                         const struct mail_logon_credentials *cred, const char *domain,
                         struct mail_logon_result *res)
{
    const struct persona *p = es->store->persona;
    size_t n = maildrop_count(res->maildrop);
    if (p->item_limit && n > p->item_limit) {
        maildrop_close(res->maildrop);
        res->maildrop = NULL;
        res->outcome = MAIL_LOGON_TOO_MANY_ITEMS;
        res->items = n;
        res->win32 = 0;
        snprintf(res->text, sizeof res->text,
                 STORE_MAPI_TABLE_TOO_BIG ": the Inbox holds %zu items, more than the %u a "
                 "logon may open",
                 n, (unsigned)p->item_limit);
        log_outcome(es, cred, domain, PERSONA_EVENT_TOO_MANY_ITEMS, STORE_CALL_CONTENTS, res);
        return;
    }
    res->outcome = MAIL_LOGON_OK;
    res->message_limit = p->message_limit;
    snprintf(es->user, sizeof es->user, "%s%s%s", domain, domain[0] ? "\\" : "", cred->account);
    str_copy(es->mailbox, sizeof es->mailbox, cred->mailbox);
    str_copy(es->mechanism, sizeof es->mechanism, cred->mechanism ? cred->mechanism : "USER");
}

/* Opens the mailbox's Maildir for a logged-on session; a failure is
 * logged as the persona's in-use or system-error event. */
static void open_maildrop(struct exchange_session *es,
                          const struct mail_logon_credentials *cred, const char *domain,
                          const struct exchange_mailbox *mb, struct mail_logon_result *res)
{
    struct exchange_store *st = es->store;
    char mdir[PATH_MAX];
    if (exchange_entry_path(st->base.m, mb, mdir, sizeof mdir)) {
        set_win32(res, MAIL_LOGON_SYSTEM_ERROR, ERROR_INVALID_NAME);
        log_outcome(es, cred, domain, PERSONA_EVENT_SYSTEM_ERROR, STORE_CALL_OPEN, res);
        return;
    }
    if (!st->mdcache) /* made at the first logon; without memory, no cache */
        st->mdcache = maildrop_cache_new();
    int e = maildrop_open_cached(mdir, st->mdcache, &res->maildrop);
    if (e == ENOENT && maildrop_create(mdir) == 0) /* first logon creates the store */
        e = maildrop_open_cached(mdir, st->mdcache, &res->maildrop);
    if (e == 0) {
        apply_limits(es, cred, domain, res);
        return;
    }
    res->maildrop = NULL;
    if (e == EBUSY)
        set_win32(res, MAIL_LOGON_IN_USE, ERROR_SHARING_VIOLATION);
    else
        set_win32(res, MAIL_LOGON_SYSTEM_ERROR, e == ENOMEM ? ERROR_NOT_ENOUGH_MEMORY
                                                            : ERROR_IO_DEVICE);
    log_outcome(es, cred, domain,
                e == EBUSY ? PERSONA_EVENT_IN_USE : PERSONA_EVENT_SYSTEM_ERROR, STORE_CALL_OPEN,
                res);
}

/* Wipes what a token holds (its SIDs in use, privileges and names), not
 * its unused group slots: the whole 4.5 KB was a tenth of a logon's
 * instructions (issue 12). */
static void wipe_token(struct token *t)
{
    size_t ng = t->ngroups < TOKEN_MAX_GROUPS ? t->ngroups : TOKEN_MAX_GROUPS;
    plat_wipe(t, offsetof(struct token, groups) + ng * sizeof t->groups[0]);
    plat_wipe(&t->privileges, sizeof *t - offsetof(struct token, privileges));
}

static void be_login(void *arg, const struct mail_logon_credentials *cred,
                     struct mail_logon_result *res)
{
    struct exchange_session *es = arg;
    struct exchange_store *st = es->store;
    if (!st->base.running) {
        set_win32(res, MAIL_LOGON_SYSTEM_ERROR, ERROR_SERVICE_NOT_ACTIVE);
        return;
    }
    struct machine *m = st->base.m;
    const char *domain = cred->domain && cred->domain[0] ? cred->domain : machine_domain(m);
    struct token tok;
    const char *pw = cred->password ? cred->password : "";
    /* A cached logon skips LogonUser (Q166620): no account check, no audit. */
    if (!credcache_lookup(st->creds, domain, cred->account, pw, machine_now(m), &tok)) {
        ntstatus s = logon_user(m, &st->base.token, domain, cred->account, pw, LOGON_NETWORK, NULL,
                                EXCHANGE_PROCESS, &tok);
        if (s != STATUS_SUCCESS) {
            uint32_t code = nterr_to_win32(s);
            set_win32(res, MAIL_LOGON_WIN32, code);
            log_outcome(es, cred, domain, PERSONA_EVENT_WIN32, STORE_CALL_LOGON, res);
            return;
        }
        credcache_insert(st->creds, domain, cred->account, pw, machine_now(m), &tok);
    }
    /* An alias is resolved in this server's directory (all its containers). */
    const struct exchange_mailbox *mb;
    enum exchange_resolve r = exchange_directory_resolve(st->dir, cred->mailbox, &mb);
    if (r != EXCHANGE_RESOLVE_MAILBOX) {
        wipe_token(&tok);
        res->outcome = r == EXCHANGE_RESOLVE_AMBIGUOUS ? MAIL_LOGON_AMBIGUOUS
                       : r == EXCHANGE_RESOLVE_CUSTOM  ? MAIL_LOGON_CUSTOM_RECIPIENT
                                                       : MAIL_LOGON_NO_MAILBOX;
        log_outcome(es, cred, domain,
                    r == EXCHANGE_RESOLVE_AMBIGUOUS ? PERSONA_EVENT_AMBIGUOUS
                    : r == EXCHANGE_RESOLVE_CUSTOM  ? PERSONA_EVENT_CUSTOM_RECIPIENT
                                                    : PERSONA_EVENT_NO_MAILBOX,
                    STORE_CALL_RESOLVE, res);
        return;
    }
    if (!sid_equal(&tok.user, &mb->owner_sid)) {
        wipe_token(&tok);
        set_win32(res, MAIL_LOGON_ACCESS_DENIED, ERROR_ACCESS_DENIED);
        log_outcome(es, cred, domain, PERSONA_EVENT_ACCESS_DENIED, STORE_CALL_OPEN, res);
        return;
    }
    wipe_token(&tok);
    open_maildrop(es, cred, domain, mb, res);
}

/* APOP: only for a mailbox with an ApopSecret (exchange.h). */
static void be_login_apop(void *arg, const struct mail_logon_credentials *cred,
                          struct mail_logon_result *res)
{
    struct exchange_session *es = arg;
    struct exchange_store *st = es->store;
    if (!st->base.running) {
        set_win32(res, MAIL_LOGON_SYSTEM_ERROR, ERROR_SERVICE_NOT_ACTIVE);
        return;
    }
    const struct exchange_mailbox *mb = NULL;
    if (exchange_directory_lookup(st->dir, cred->mailbox, &mb, 1) != 1) /* one, or none */
        mb = NULL;
    if (!mb || !mb->has_secret || !cred->apop_timestamp || !cred->apop_digest ||
        !mail_logon_apop_check(cred->apop_timestamp, mb->apop_secret, cred->apop_digest)) {
        set_win32(res, MAIL_LOGON_WIN32, ERROR_LOGON_FAILURE);
        log_outcome(es, cred, "", PERSONA_EVENT_WIN32, STORE_CALL_APOP, res);
        return;
    }
    open_maildrop(es, cred, "", mb, res);
}

/* The engine refused a message over the store's size limit: the event. */
static void be_message_refused(void *arg, size_t index, uint64_t octets)
{
    struct exchange_session *es = arg;
    char text[160];
    snprintf(text, sizeof text, STORE_MAPI_TOO_BIG ": message %zu is %llu octets, more than "
             "the %llu the store hands out", index + 1, (unsigned long long)octets,
             (unsigned long long)es->store->persona->message_limit);
    const struct exchange_event_facts f = {
        .user = es->user,
        .client = es->client[0] ? es->client : NULL,
        .mailbox = es->mailbox,
        .call = STORE_CALL_MESSAGE,
        .text = text,
        .mechanism = es->mechanism,
    };
    exchange_event_log(es->store->base.m, es->store->persona, PERSONA_EVENT_MESSAGE_TOO_LARGE, &f);
}

const struct mail_logon_ops exchange_logon_ops = {
    .login = be_login,
    .login_apop = be_login_apop,
    .login_challenge = exchange_ntlm_step,
    .challenge_end = exchange_ntlm_end,
    .message_refused = be_message_refused,
};

/* --- sessions -------------------------------------------------------------------- */

int exchange_session_open(struct machine *m, struct exchange_session **out)
{
    struct exchange_store *st = m ? running_store(m) : NULL;
    if (!st)
        return ECONNREFUSED;
    struct exchange_session *es = calloc(1, sizeof *es);
    if (!es)
        return ENOMEM;
    es->store = st;
    st->base.refs++;
    *out = es;
    return 0;
}

void exchange_session_set_client(struct exchange_session *es, const char *client)
{
    str_copy(es->client, sizeof es->client, client ? client : "");
    /* "10.0.0.7:1042" or "[::1]:1042": the event names the address only */
    char *colon = strrchr(es->client, ':');
    if (es->client[0] == '[' && colon && colon > es->client && colon[-1] == ']') {
        colon[-1] = 0;
        memmove(es->client, es->client + 1, strlen(es->client + 1) + 1);
    } else if (colon && strchr(es->client, ':') == colon) {
        *colon = 0;
    }
}

const struct persona *exchange_session_persona(const struct exchange_session *es)
{
    return es->store->persona;
}

void exchange_session_close(struct exchange_session *es)
{
    if (!es)
        return;
    store_unref(es->store);
    free(es);
}

size_t exchange_session_memory(const struct exchange_session *es)
{
    return es ? sizeof *es : 0;
}

bool exchange_session_store_running(const struct exchange_session *es)
{
    return es && es->store->base.running;
}

/* --- for the store's other logon paths (store_int.h) ------------------------------ */

bool exchange_store_check_running(const struct exchange_session *es,
                                  struct mail_logon_result *res)
{
    if (es->store->base.running)
        return true;
    set_win32(res, MAIL_LOGON_SYSTEM_ERROR, ERROR_SERVICE_NOT_ACTIVE);
    return false;
}

struct machine *exchange_store_machine(const struct exchange_session *es)
{
    return es->store->base.m;
}

const struct exchange_mailbox *exchange_store_mailbox(const struct exchange_session *es,
                                                      const char *alias)
{
    return exchange_directory_find(es->store->dir, alias);
}

void exchange_store_open(struct exchange_session *es, const struct mail_logon_credentials *cred,
                         const char *domain, const struct exchange_mailbox *mb,
                         struct mail_logon_result *res)
{
    open_maildrop(es, cred, domain, mb, res);
}

void exchange_store_fail(struct exchange_session *es, const struct mail_logon_credentials *cred,
                         const char *domain, enum persona_event e, const char *call,
                         const struct mail_logon_result *res)
{
    log_outcome(es, cred, domain, e, call, res);
}

void exchange_store_set_win32(struct mail_logon_result *res, enum mail_logon_outcome o,
                              uint32_t code)
{
    set_win32(res, o, code);
}

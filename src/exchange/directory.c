/* The Exchange mailbox directory: mailboxes.conf read and written as text
 * (format in exchange.h). Hostile input: every line and value is bounded,
 * every parse checked, errors name PATH:LINE. */
#include "src/exchange/exchange.h"
#include "src/lib/arr.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/kvfile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR_FILE_MAX (64u * 1024u * 1024u)

struct exchange_directory {
    struct exchange_mailbox *v;
    size_t n, cap;
    /* Aliases hashed without case, open addressing: index + 1, 0 = free;
     * nslot a power of two, at most half full. A logon finds its mailbox
     * without comparing every alias (issue 12), and a directory of 10,000
     * mailboxes loads without n^2 comparisons. */
    size_t *slot, nslot;
};

static size_t alias_hash(const char *a)
{
    size_t h = 1469598103934665603u;
    for (; *a; a++)
        h = (h ^ (size_t)tolower((unsigned char)*a)) * 1099511628211u;
    return h;
}

/* Where a new entry for alias goes: the first free slot of its probe
 * sequence. An alias may be in the index more than once (one per
 * container); lookups walk the sequence to its first free slot. */
static size_t free_slot(const struct exchange_directory *d, const char *alias)
{
    size_t mask = d->nslot - 1, i = alias_hash(alias) & mask;
    while (d->slot[i])
        i = (i + 1) & mask;
    return i;
}

static int index_grow(struct exchange_directory *d)
{
    size_t nslot = d->nslot ? d->nslot * 2 : 16;
    size_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return ENOMEM;
    free(d->slot);
    d->slot = slot;
    d->nslot = nslot;
    for (size_t k = 0; k < d->n; k++)
        d->slot[free_slot(d, d->v[k].alias)] = k + 1;
    return 0;
}

bool exchange_alias_valid(const char *alias)
{
    if (!alias || !*alias || *alias == '.')
        return false;
    size_t n = 0;
    for (const char *p = alias; *p; p++, n++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || n >= EXCHANGE_ALIAS_MAX)
            return false;
    }
    return true;
}

/* Printable text without control characters (owners and secrets). */
static bool valid_value(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

struct exchange_directory *exchange_directory_new(void)
{
    return calloc(1, sizeof(struct exchange_directory));
}

void exchange_directory_free(struct exchange_directory *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        plat_wipe(d->v[i].apop_secret, sizeof d->v[i].apop_secret);
    free(d->v);
    free(d->slot);
    free(d);
}

size_t exchange_directory_count(const struct exchange_directory *d)
{
    return d ? d->n : 0;
}

const struct exchange_mailbox *exchange_directory_at(const struct exchange_directory *d, size_t i)
{
    return d && i < d->n ? &d->v[i] : NULL;
}

bool exchange_container_valid(const char *name)
{
    return exchange_alias_valid(name) && strlen(name) <= EXCHANGE_CONTAINER_MAX;
}

static const char *container_of(const struct exchange_mailbox *mb)
{
    return mb->container[0] ? mb->container : EXCHANGE_DEFAULT_CONTAINER;
}

/* Probe order is the order added: a later entry of the same alias always
 * lands past an earlier one, and index_grow re-adds in file order. */
size_t exchange_directory_lookup(const struct exchange_directory *d, const char *alias,
                                 const struct exchange_mailbox **out, size_t max)
{
    if (!d || !alias || !d->nslot)
        return 0;
    size_t mask = d->nslot - 1, n = 0;
    for (size_t i = alias_hash(alias) & mask; d->slot[i]; i = (i + 1) & mask) {
        const struct exchange_mailbox *mb = &d->v[d->slot[i] - 1];
        if (!str_ieq(mb->alias, alias))
            continue;
        if (n < max)
            out[n] = mb;
        n++;
    }
    return n;
}

const struct exchange_mailbox *exchange_directory_find(const struct exchange_directory *d,
                                                       const char *alias)
{
    const struct exchange_mailbox *first = NULL;
    return exchange_directory_lookup(d, alias, &first, 1) ? first : NULL;
}

const struct exchange_mailbox *exchange_directory_find_in(const struct exchange_directory *d,
                                                          const char *container,
                                                          const char *alias)
{
    if (!d || !alias || !d->nslot)
        return NULL;
    const char *c = container && *container ? container : EXCHANGE_DEFAULT_CONTAINER;
    size_t mask = d->nslot - 1;
    for (size_t i = alias_hash(alias) & mask; d->slot[i]; i = (i + 1) & mask) {
        const struct exchange_mailbox *mb = &d->v[d->slot[i] - 1];
        if (str_ieq(mb->alias, alias) && str_ieq(container_of(mb), c))
            return mb;
    }
    return NULL;
}

int exchange_directory_add(struct exchange_directory *d, const struct exchange_mailbox *mb)
{
    if (!d || !mb || !exchange_alias_valid(mb->alias) ||
        (mb->container[0] && !exchange_container_valid(mb->container)))
        return EINVAL;
    if (mb->custom ? !valid_value(mb->address, EXCHANGE_ADDRESS_MAX) || mb->has_secret ||
                         mb->owner[0]
                   : !valid_value(mb->owner, EXCHANGE_OWNER_MAX) ||
                         (mb->has_secret && !valid_value(mb->apop_secret, EXCHANGE_SECRET_MAX)))
        return EINVAL;
    if (exchange_directory_find_in(d, mb->container, mb->alias))
        return EEXIST;
    if (d->n >= EXCHANGE_MAX_MAILBOXES)
        return EFBIG;
    struct exchange_mailbox *v = arr_grow(d->v, &d->cap, d->n, sizeof *v, 8);
    if (!v)
        return ENOMEM;
    d->v = v;
    if ((d->n + 1) * 2 > d->nslot && index_grow(d))
        return ENOMEM;
    d->v[d->n] = *mb;
    if (!mb->container[0])
        str_copy(d->v[d->n].container, sizeof d->v[d->n].container, EXCHANGE_DEFAULT_CONTAINER);
    d->n++;
    d->slot[free_slot(d, mb->alias)] = d->n;
    return 0;
}

int exchange_directory_replace(struct exchange_directory *d, const struct exchange_mailbox *mb)
{
    if (!d || !mb)
        return EINVAL;
    const struct exchange_mailbox *old = exchange_directory_find_in(d, mb->container, mb->alias);
    if (!old)
        return ENOENT;
    /* the same checks as an addition; the alias keeps its first spelling
     * (the Maildir's name) and the entry its kind */
    if (mb->custom != old->custom ||
        (mb->custom ? !valid_value(mb->address, EXCHANGE_ADDRESS_MAX) || mb->has_secret ||
                          mb->owner[0]
                    : !valid_value(mb->owner, EXCHANGE_OWNER_MAX) ||
                          (mb->has_secret && !valid_value(mb->apop_secret, EXCHANGE_SECRET_MAX))))
        return EINVAL;
    struct exchange_mailbox *e = &d->v[old - d->v];
    char alias[EXCHANGE_ALIAS_MAX + 1], container[EXCHANGE_CONTAINER_MAX + 1];
    str_copy(alias, sizeof alias, e->alias);
    str_copy(container, sizeof container, e->container);
    plat_wipe(e->apop_secret, sizeof e->apop_secret);
    *e = *mb;
    str_copy(e->alias, sizeof e->alias, alias);
    str_copy(e->container, sizeof e->container, container);
    return 0;
}

/* --- reading ------------------------------------------------------------------ */

static const struct kvfile_syntax dir_syntax = {
    .comments = "#;",
    .sections = true,
    .quoted = true,
    .bad_text = "not valid text (UTF-8 or UTF-16 with BOM): ",
    .bad_text_end = "",
    .no_equals = "expected KEY = VALUE",
    .bad_header = "section header must be [ALIAS]",
    .outside = "setting outside a [ALIAS] section",
};

/* One [ALIAS] section as it is read. */
struct section {
    struct exchange_mailbox mb;
    bool in, have_owner, have_sid, have_container;
    unsigned start;
};

/* Checks the section just read and appends it. */
static int finish(struct exchange_directory *d, const struct section *sec, struct kvfile *kf)
{
    unsigned line = sec->start;
    if (sec->mb.custom && (sec->have_owner || sec->have_sid || sec->mb.has_secret))
        return kvfile_fail(kf, line, "a custom recipient has no Owner, OwnerSid or ApopSecret");
    if (!sec->mb.custom && !sec->have_owner)
        return kvfile_fail(kf, line, "mailbox has no Owner");
    if (!sec->mb.custom && !sec->have_sid)
        return kvfile_fail(kf, line, "mailbox has no OwnerSid");
    int e = exchange_directory_add(d, &sec->mb);
    if (e == EEXIST)
        return kvfile_fail(kf, line, "duplicate mailbox alias in container %s",
                           container_of(&sec->mb));
    if (e == EFBIG) {
        kvfile_fail(kf, line, "too many mailboxes");
        return EFBIG;
    }
    if (e)
        return e == EINVAL ? kvfile_fail(kf, line, "invalid mailbox") : e;
    return 0;
}

static int setting(struct section *sec, const char *key, const char *val, unsigned ln,
                   struct kvfile *kf)
{
    struct exchange_mailbox *mb = &sec->mb;
    if (str_ieq(key, "Owner")) {
        if (sec->have_owner)
            return kvfile_fail(kf, ln, "duplicate Owner");
        if (!valid_value(val, EXCHANGE_OWNER_MAX))
            return kvfile_fail(kf, ln, "Owner must be 1-160 printable characters");
        str_copy(mb->owner, sizeof mb->owner, val);
        sec->have_owner = true;
    } else if (str_ieq(key, "OwnerSid")) {
        if (sec->have_sid)
            return kvfile_fail(kf, ln, "duplicate OwnerSid");
        const char *why = NULL;
        if (sid_parse(val, &mb->owner_sid, &why))
            return kvfile_fail(kf, ln, "bad OwnerSid: %s", why ? why : "not a SID");
        sec->have_sid = true;
    } else if (str_ieq(key, "ApopSecret")) {
        if (mb->has_secret)
            return kvfile_fail(kf, ln, "duplicate ApopSecret");
        if (!valid_value(val, EXCHANGE_SECRET_MAX))
            return kvfile_fail(kf, ln, "ApopSecret must be 1-128 printable characters");
        str_copy(mb->apop_secret, sizeof mb->apop_secret, val);
        mb->has_secret = true;
    } else if (str_ieq(key, "Container")) {
        if (sec->have_container)
            return kvfile_fail(kf, ln, "duplicate Container");
        if (!exchange_container_valid(val))
            return kvfile_fail(kf, ln, "Container must be 1-64 letters, digits, '.', '_' or '-'");
        str_copy(mb->container, sizeof mb->container, val);
        sec->have_container = true;
    } else if (str_ieq(key, "CustomRecipient")) {
        if (mb->custom)
            return kvfile_fail(kf, ln, "duplicate CustomRecipient");
        if (!valid_value(val, EXCHANGE_ADDRESS_MAX))
            return kvfile_fail(kf, ln, "CustomRecipient must be 1-256 printable characters");
        str_copy(mb->address, sizeof mb->address, val);
        mb->custom = true;
    } else {
        return kvfile_fail(kf, ln, "unknown key (Owner, OwnerSid, ApopSecret, Container, "
                                   "CustomRecipient)");
    }
    return 0;
}

static int parse(struct exchange_directory *d, struct kvfile *kf)
{
    struct section sec;
    memset(&sec, 0, sizeof sec);
    int e = 0;
    struct kvfile_item it;
    while (!e && !(e = kvfile_next(kf, &it)) && it.kind != KVFILE_END) {
        if (it.kind == KVFILE_PAIR) {
            e = setting(&sec, it.key, it.value, it.line, kf);
            continue;
        }
        if (sec.in && (e = finish(d, &sec, kf)) != 0)
            break;
        if (!*it.name)
            return kvfile_fail(kf, it.line, "%s", dir_syntax.bad_header);
        if (!exchange_alias_valid(it.name))
            return kvfile_fail(kf, it.line,
                               "invalid mailbox alias (letters, digits, '.', '_', '-'; "
                               "at most 64; not starting with '.')");
        plat_wipe(&sec, sizeof sec);
        str_copy(sec.mb.alias, sizeof sec.mb.alias, it.name);
        sec.in = true;
        sec.start = it.line;
    }
    if (!e && sec.in)
        e = finish(d, &sec, kf);
    plat_wipe(&sec, sizeof sec);
    return e;
}

int exchange_directory_load(const char *path, struct exchange_directory **out, char *err,
                            size_t errlen)
{
    struct exchange_directory *d = exchange_directory_new();
    if (!d) {
        if (err && errlen)
            err[0] = 0;
        return ENOMEM;
    }
    struct kvfile kf;
    int e = kvfile_open(&kf, path, DIR_FILE_MAX, &dir_syntax, err, errlen);
    if (e == ENOENT) {
        if (err && errlen)
            err[0] = 0;
        e = 0;
    } else if (e == EILSEQ) {
        e = EINVAL;
    } else if (!e) {
        e = parse(d, &kf);
    }
    kvfile_close(&kf);
    if (e) {
        exchange_directory_free(d);
        return e;
    }
    *out = d;
    return 0;
}

/* --- writing ------------------------------------------------------------------ */

/* A value as written: bare unless it would not read back bare (edge
 * spaces, a leading quote), then quoted with \" and \\ escapes. */
static int put_quoted(struct buf *b, const char *key, const char *val)
{
    size_t n = strlen(val);
    if (n && val[0] != '"' && val[0] != ' ' && val[0] != '\t' && val[n - 1] != ' ' &&
        val[n - 1] != '\t')
        return buf_printf(b, "%s = %s\n", key, val);
    int e = buf_printf(b, "%s = \"", key);
    for (const char *p = val; !e && *p; p++) {
        if (*p == '"' || *p == '\\')
            e = buf_putc(b, '\\');
        if (!e)
            e = buf_putc(b, *p);
    }
    return e ? e : buf_puts(b, "\"\n");
}

int exchange_directory_save(const struct exchange_directory *d, const char *path)
{
    struct buf b = {0};
    int e = buf_puts(&b, "# ntlab Exchange mailbox directory (see README). One [ALIAS] a mailbox;\n"
                         "# OwnerSid is the owning account's SID, resolved when it was added.\n");
    for (size_t i = 0; !e && i < d->n; i++) {
        const struct exchange_mailbox *mb = &d->v[i];
        char sid[SID_STR_MAX];
        e = buf_printf(&b, "\n[%s]\n", mb->alias);
        /* the default container, spelled as the default, is not written:
         * old files stay as they were; another spelling of it ("RecIpients",
         * found by fuzz_directory) is kept as given */
        if (!e && strcmp(container_of(mb), EXCHANGE_DEFAULT_CONTAINER) != 0)
            e = buf_printf(&b, "Container = %s\n", mb->container);
        if (!e && mb->custom) {
            e = put_quoted(&b, "CustomRecipient", mb->address);
            continue;
        }
        if (!e)
            e = put_quoted(&b, "Owner", mb->owner);
        if (!e)
            e = buf_printf(&b, "OwnerSid = %s\n", sid_str(&mb->owner_sid, sid));
        if (!e && mb->has_secret)
            e = put_quoted(&b, "ApopSecret", mb->apop_secret);
    }
    if (!e)
        e = afile_write(path, b.p, b.len, 0600); /* APOP secrets: owner only */
    if (b.p)
        plat_wipe(b.p, b.len);
    buf_free(&b);
    return e;
}

/* The LSA policy database: an open-addressing hash table SID -> rights_mask
 * (an account object exists iff its mask is non-zero), the account names
 * that did not resolve (kept and written back), the [System Access] values
 * and whatever else the template held (kept verbatim).
 *
 * Durability: a mutation takes "<path>.lock" (non-blocking), re-reads the
 * file if its identity (dev, ino, size, mtime, ctime) changed since we last
 * read or wrote it, applies the change, writes the whole template with
 * afile_write, records the new identity and releases the lock. A failed
 * write undoes the change in memory. */
#include "emulator/lsa.h"
#include "emulator/inf.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Account objects live densely in ents[0..count); idx is an open-addressing
 * index over them. An index slot holds (hash >> 32) << 32 | (entry + 1), 0 =
 * empty, so probing compares tags without touching the entries and the home
 * of a slot is known from the slot alone (tag & mask). */
struct entry {
    uint64_t hash;
    rights_mask mask; /* never 0 */
    struct sid sid;
};

struct pending {
    char *name;
    rights_mask mask;
};

struct file_id {
    bool valid;
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

struct lsa {
    enum osver os;
    struct lsa_names names;
    bool have_names;
    struct entry *ents;
    size_t count, ents_cap;
    uint64_t *idx;
    size_t cap; /* index slots: a power of two, or 0 */
    struct pending *pending;
    size_t npending;
    struct inf doc; /* [System Access] and verbatim parts; grants always empty */
    struct lsa_sysaccess sa;
    char *path;
    char *lockpath;
    struct file_id id;
    char lasterr[512];
};

/* --- hash table ----------------------------------------------------------- */

#define SLOT_EMPTY 0u
#define SLOT_ENT(v) ((size_t)((v)&0xFFFFFFFFu) - 1)
#define SLOT_TAG(v) ((v) >> 32)

static inline bool sid_same(const struct sid *a, const struct sid *b)
{
    if (a->count != b->count || a->authority != b->authority)
        return false;
    for (unsigned i = 0; i < a->count; i++)
        if (a->sub[i] != b->sub[i])
            return false;
    return true;
}

/* The slot holding s, or the empty slot where it would go. */
static inline size_t probe(const struct lsa *l, const struct sid *s, uint64_t h)
{
    size_t m = l->cap - 1;
    uint64_t tag = h >> 32;
    size_t i = (size_t)tag & m;
    for (;;) {
        uint64_t v = l->idx[i];
        if (v == SLOT_EMPTY)
            return i;
        if (SLOT_TAG(v) == tag) {
            const struct entry *e = &l->ents[SLOT_ENT(v)];
            if (e->hash == h && sid_same(&e->sid, s))
                return i;
        }
        i = (i + 1) & m;
    }
}

static inline struct entry *table_find(const struct lsa *l, const struct sid *s)
{
    if (!l->count)
        return NULL;
    uint64_t v = l->idx[probe(l, s, sid_hash(s))];
    return v == SLOT_EMPTY ? NULL : &l->ents[SLOT_ENT(v)];
}

static rights_mask table_get(const struct lsa *l, const struct sid *s)
{
    const struct entry *e = table_find(l, s);
    return e ? e->mask : 0;
}

/* Makes room for n entries (index at most half full). */
static int table_reserve(struct lsa *l, size_t n)
{
    if (n > UINT32_MAX - 1)
        return ENOMEM;
    if (n > l->ents_cap) {
        size_t c = l->ents_cap ? l->ents_cap : 16;
        while (c < n)
            c *= 2;
        struct entry *e = realloc(l->ents, c * sizeof *e);
        if (!e)
            return ENOMEM;
        l->ents = e;
        l->ents_cap = c;
    }
    if (n * 2 > l->cap) {
        size_t c = l->cap ? l->cap : 16;
        while (n * 2 > c)
            c *= 2;
        uint64_t *ni = calloc(c, sizeof *ni);
        if (!ni)
            return ENOMEM;
        for (size_t j = 0; j < l->count; j++) {
            size_t i = (size_t)(l->ents[j].hash >> 32) & (c - 1);
            while (ni[i] != SLOT_EMPTY)
                i = (i + 1) & (c - 1);
            ni[i] = (l->ents[j].hash >> 32) << 32 | (uint64_t)(j + 1);
        }
        free(l->idx);
        l->idx = ni;
        l->cap = c;
    }
    return 0;
}

/* Removes the entry in slot i: backward-shift the probe run in the index,
 * then move the last entry into the hole of the dense array. */
static void table_delete_at(struct lsa *l, size_t i)
{
    size_t m = l->cap - 1;
    size_t hole = SLOT_ENT(l->idx[i]);
    size_t j = i;
    for (;;) {
        j = (j + 1) & m;
        if (l->idx[j] == SLOT_EMPTY)
            break;
        size_t k = (size_t)SLOT_TAG(l->idx[j]) & m;
        /* Move j into the gap at i unless its home k lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            l->idx[i] = l->idx[j];
            i = j;
        }
    }
    l->idx[i] = SLOT_EMPTY;
    size_t last = l->count - 1;
    if (hole != last) {
        const struct entry *e = &l->ents[last];
        size_t s = probe(l, &e->sid, e->hash);
        l->idx[s] = (e->hash >> 32) << 32 | (uint64_t)(hole + 1);
        l->ents[hole] = *e;
    }
    l->count--;
}

/* Sets the mask of s (0 deletes the account object). Returns 0 or ENOMEM. */
static int table_set(struct lsa *l, const struct sid *s, rights_mask mask)
{
    uint64_t h = sid_hash(s);
    if (l->count) {
        size_t i = probe(l, s, h);
        if (l->idx[i] != SLOT_EMPTY) {
            if (mask)
                l->ents[SLOT_ENT(l->idx[i])].mask = mask;
            else
                table_delete_at(l, i);
            return 0;
        }
    }
    if (!mask)
        return 0;
    if (table_reserve(l, l->count + 1))
        return ENOMEM;
    size_t i = probe(l, s, h);
    l->ents[l->count] = (struct entry){h, mask, *s};
    l->idx[i] = (h >> 32) << 32 | (uint64_t)(l->count + 1);
    l->count++;
    return 0;
}

/* --- construction ----------------------------------------------------------- */

static void sa_from_doc(struct lsa *l)
{
    for (int k = 0; k < INF_SA_COUNT; k++)
        *lsa_sysaccess_field(&l->sa, (enum inf_sa)k) = l->doc.sa_set[k] ? l->doc.sa[k] : -1;
}

static struct lsa *lsa_new(enum osver os)
{
    struct lsa *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->os = os;
    inf_init(&l->doc);
    sa_from_doc(l);
    return l;
}

static void lsa_clear_state(struct lsa *l)
{
    free(l->ents);
    free(l->idx);
    for (size_t i = 0; i < l->npending; i++)
        free(l->pending[i].name);
    free(l->pending);
    inf_free(&l->doc);
    l->ents = NULL;
    l->idx = NULL;
    l->cap = l->count = l->ents_cap = 0;
    l->pending = NULL;
    l->npending = 0;
}

void lsa_free(struct lsa *l)
{
    if (!l)
        return;
    lsa_clear_state(l);
    free(l->path);
    free(l->lockpath);
    free(l);
}

ntstatus lsa_create(enum osver os, struct lsa **out)
{
    *out = lsa_new(os);
    return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

static bool resolve_name(const struct lsa *l, const char *name, struct sid *out)
{
    if (sid_wellknown_lookup(name, out))
        return true;
    return l->have_names && l->names.name_to_sid && l->names.name_to_sid(l->names.arg, name, out);
}

static int pending_cmp(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;
    return str_icmp(x->name, y->name);
}

/* Sorts the unresolved names and merges duplicates (case-insensitive). */
static void pending_normalize(struct lsa *l)
{
    if (l->npending < 2)
        return;
    qsort(l->pending, l->npending, sizeof l->pending[0], pending_cmp);
    size_t w = 0;
    for (size_t i = 1; i < l->npending; i++) {
        if (str_ieq(l->pending[w].name, l->pending[i].name)) {
            l->pending[w].mask |= l->pending[i].mask;
            free(l->pending[i].name);
        } else {
            l->pending[++w] = l->pending[i];
        }
    }
    l->npending = w + 1;
}

/* Moves the grants of doc into l's table (resolving names) and keeps the
 * rest of doc in l. l must be empty. */
static ntstatus build_from_doc(struct lsa *l, struct inf *doc)
{
    size_t npend = 0;
    for (size_t i = 0; i < doc->ngrants; i++)
        if (doc->grants[i].name)
            npend++;
    if (npend) {
        l->pending = calloc(npend, sizeof *l->pending);
        if (!l->pending)
            return STATUS_NO_MEMORY;
    }
    /* Size the table once: at most one account per SID grant. */
    if (doc->ngrants > npend && table_reserve(l, doc->ngrants - npend))
        return STATUS_NO_MEMORY;
    for (size_t i = 0; i < doc->ngrants; i++) {
        struct inf_grant *g = &doc->grants[i];
        struct sid sid;
        const struct sid *s = &g->sid;
        if (g->name) {
            if (!resolve_name(l, g->name, &sid)) {
                l->pending[l->npending++] = (struct pending){g->name, RIGHTS_BIT(g->right)};
                g->name = NULL; /* ownership moved */
                continue;
            }
            s = &sid;
        }
        if (table_set(l, s, table_get(l, s) | RIGHTS_BIT(g->right)))
            return STATUS_NO_MEMORY;
    }
    pending_normalize(l);
    for (size_t i = 0; i < doc->ngrants; i++)
        free(doc->grants[i].name);
    free(doc->grants);
    doc->grants = NULL;
    doc->ngrants = doc->cap_grants = 0;
    l->doc = *doc;
    inf_init(doc);
    sa_from_doc(l);
    return STATUS_SUCCESS;
}

static ntstatus parse_into(struct lsa *l, const char *name, const char *data, size_t len,
                           char *err, size_t errlen)
{
    struct inf doc;
    ntstatus st = inf_parse(name, data, len, l->os, NULL, &doc, err, errlen);
    if (st != STATUS_SUCCESS)
        return st;
    st = build_from_doc(l, &doc);
    inf_free(&doc);
    if (st != STATUS_SUCCESS && err && errlen)
        snprintf(err, errlen, "%s: out of memory", name);
    return st;
}

/* The loaders' common start: *out and err cleared, an empty database for
 * os carrying the names (NULL: the default names). NULL when out of memory. */
static struct lsa *load_begin(enum osver os, const struct lsa_names *names, struct lsa **out,
                              char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    struct lsa *l = lsa_new(os);
    if (l && names) {
        l->names = *names;
        l->have_names = true;
    }
    return l;
}

ntstatus lsa_load_mem(const char *name_for_errors, const char *data, size_t len, enum osver os,
                      const struct lsa_names *names, struct lsa **out, char *err, size_t errlen)
{
    struct lsa *l = load_begin(os, names, out, err, errlen);
    if (!l)
        return STATUS_NO_MEMORY;
    ntstatus st = parse_into(l, name_for_errors, data, len, err, errlen);
    if (st != STATUS_SUCCESS) {
        lsa_free(l);
        return st;
    }
    *out = l;
    return STATUS_SUCCESS;
}

static bool stat_id(const char *path, struct file_id *id)
{
    struct plat_stat st;
    if (plat_stat(path, &st) != 0) {
        id->valid = false;
        return false;
    }
    *id = (struct file_id){true,         st.dev,       st.ino,       st.size,
                           st.mtime_sec, st.mtime_nsec, st.ctime_sec, st.ctime_nsec};
    return true;
}

static bool id_equal(const struct file_id *a, const struct file_id *b)
{
    return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

/* Reads path and parses it into l (empty). Sets *id to the identity of the
 * bytes read (re-read if the file changed while we read it). */
static ntstatus read_into(struct lsa *l, const char *path, struct file_id *id, char *err,
                          size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        struct file_id before, after;
        stat_id(path, &before);
        char *data;
        size_t len;
        int rc = afile_read(path, INF_MAX_FILE, &data, &len);
        if (rc == ENOENT) {
            if (err && errlen)
                snprintf(err, errlen, "%s: no such file", path);
            return STATUS_OBJECT_NAME_NOT_FOUND;
        }
        if (rc == EFBIG) {
            if (err && errlen)
                snprintf(err, errlen, "%s: file larger than %zu bytes", path, INF_MAX_FILE);
            return STATUS_INTERNAL_DB_CORRUPTION;
        }
        if (rc) {
            if (err && errlen)
                snprintf(err, errlen, "%s: %s", path, strerror(rc));
            return nterr_from_errno(rc);
        }
        stat_id(path, &after);
        if (!id_equal(&before, &after) && attempt < 3) {
            free(data); /* a writer renamed a new version in meanwhile */
            continue;
        }
        ntstatus st = parse_into(l, path, data, len, err, errlen);
        free(data);
        *id = after;
        return st;
    }
}

static ntstatus bind_path(struct lsa *l, const char *path)
{
    char *p = strdup(path);
    size_t n = strlen(path) + sizeof ".lock";
    char *lp = malloc(n);
    if (!p || !lp) {
        free(p);
        free(lp);
        return STATUS_NO_MEMORY;
    }
    snprintf(lp, n, "%s.lock", path);
    free(l->path);
    free(l->lockpath);
    l->path = p;
    l->lockpath = lp;
    return STATUS_SUCCESS;
}

ntstatus lsa_load(const char *path, enum osver os, const struct lsa_names *names,
                  struct lsa **out, char *err, size_t errlen)
{
    struct lsa *l = load_begin(os, names, out, err, errlen);
    if (!l)
        return STATUS_NO_MEMORY;
    ntstatus st = read_into(l, path, &l->id, err, errlen);
    if (st == STATUS_SUCCESS)
        st = bind_path(l, path);
    if (st != STATUS_SUCCESS) {
        lsa_free(l);
        return st;
    }
    *out = l;
    return STATUS_SUCCESS;
}

/* --- writing ---------------------------------------------------------------- */

/* Serializes l into out (canonical form, inf.h). */
static int serialize(struct lsa *l, struct buf *out)
{
    struct inf tmp = l->doc; /* shares the verbatim parts; grants are ours */
    tmp.grants = NULL;
    tmp.ngrants = tmp.cap_grants = 0;
    int rc = 0;
    for (size_t i = 0; i < l->count && !rc; i++) {
        rights_mask m = l->ents[i].mask;
        while (m && !rc) {
            unsigned bit = (unsigned)__builtin_ctzll(m);
            m &= m - 1;
            rc = inf_add_grant(&tmp, bit, &l->ents[i].sid, NULL);
        }
    }
    for (size_t i = 0; i < l->npending && !rc; i++) {
        rights_mask m = l->pending[i].mask;
        while (m && !rc) {
            unsigned bit = (unsigned)__builtin_ctzll(m);
            m &= m - 1;
            rc = inf_add_grant(&tmp, bit, NULL, l->pending[i].name);
        }
    }
    if (!rc)
        rc = inf_write(&tmp, out);
    for (size_t i = 0; i < tmp.ngrants; i++)
        free(tmp.grants[i].name);
    free(tmp.grants);
    return rc;
}

static ntstatus write_file(struct lsa *l, const char *path, struct file_id *id)
{
    struct buf b = BUF_INIT;
    if (serialize(l, &b)) {
        buf_free(&b);
        snprintf(l->lasterr, sizeof l->lasterr, "%s: out of memory", path);
        return STATUS_NO_MEMORY;
    }
    int rc = afile_write(path, b.p, b.len, 0600);
    buf_free(&b);
    if (rc) {
        snprintf(l->lasterr, sizeof l->lasterr, "%s: %s", path, strerror(rc));
        return nterr_from_errno(rc);
    }
    stat_id(path, id);
    return STATUS_SUCCESS;
}

ntstatus lsa_save_as(struct lsa *l, const char *path)
{
    if (!l || !path)
        return STATUS_INVALID_PARAMETER;
    l->lasterr[0] = '\0';
    size_t n = strlen(path) + sizeof ".lock";
    char *lp = malloc(n);
    if (!lp)
        return STATUS_NO_MEMORY;
    snprintf(lp, n, "%s.lock", path);
    struct filelock lock;
    int rc = filelock_acquire(&lock, lp, false);
    free(lp);
    if (rc) {
        snprintf(l->lasterr, sizeof l->lasterr, "%s.lock: %s", path,
                 rc == EWOULDBLOCK ? "held by another writer" : strerror(rc));
        return nterr_from_errno(rc);
    }
    struct file_id id;
    ntstatus st = write_file(l, path, &id);
    if (st == STATUS_SUCCESS) {
        st = bind_path(l, path);
        if (st == STATUS_SUCCESS)
            l->id = id;
    }
    filelock_release(&lock);
    return st;
}

/* Replaces l's state by the file's if the file changed. Caller holds the
 * lock for a mutation; plain reads rely on afile_write's atomic rename. */
static ntstatus refresh(struct lsa *l)
{
    if (!l->path)
        return STATUS_SUCCESS;
    struct file_id now;
    if (!stat_id(l->path, &now))
        return STATUS_SUCCESS; /* deleted: our next write recreates it */
    if (id_equal(&now, &l->id))
        return STATUS_SUCCESS;
    struct lsa *fresh = lsa_new(l->os);
    if (!fresh)
        return STATUS_NO_MEMORY;
    fresh->names = l->names;
    fresh->have_names = l->have_names;
    struct file_id id;
    ntstatus st = read_into(fresh, l->path, &id, l->lasterr, sizeof l->lasterr);
    if (st == STATUS_NO_SUCH_PRIVILEGE)
        st = STATUS_INTERNAL_DB_CORRUPTION; /* the file, not the caller, is wrong */
    if (st != STATUS_SUCCESS) {
        lsa_free(fresh);
        /* Deleted between stat and read: our next write recreates it. */
        return st == STATUS_OBJECT_NAME_NOT_FOUND ? STATUS_SUCCESS : st;
    }
    lsa_clear_state(l);
    l->ents = fresh->ents;
    l->ents_cap = fresh->ents_cap;
    l->idx = fresh->idx;
    l->cap = fresh->cap;
    l->count = fresh->count;
    l->pending = fresh->pending;
    l->npending = fresh->npending;
    l->doc = fresh->doc;
    l->sa = fresh->sa;
    l->id = id;
    free(fresh); /* its parts now belong to l */
    return STATUS_SUCCESS;
}

ntstatus lsa_refresh(struct lsa *l)
{
    if (!l)
        return STATUS_INVALID_HANDLE;
    l->lasterr[0] = '\0';
    return refresh(l);
}

const char *lsa_last_error(const struct lsa *l)
{
    return l ? l->lasterr : "";
}

const char *lsa_path(const struct lsa *l)
{
    return l ? l->path : NULL;
}

/* One change: either a SID's new mask (computed from the current one after
 * any reload) or new [System Access] values. */
struct change {
    const struct sid *sid;
    rights_mask add, remove;
    bool remove_all;
    bool must_exist; /* STATUS_OBJECT_NAME_NOT_FOUND when the account has no rights */
    const struct lsa_sysaccess *sa;
};

static const struct {
    size_t off;
} sa_fields[INF_SA_COUNT] = {
    {offsetof(struct lsa_sysaccess, min_password_age)},
    {offsetof(struct lsa_sysaccess, max_password_age)},
    {offsetof(struct lsa_sysaccess, min_password_length)},
    {offsetof(struct lsa_sysaccess, password_history)},
    {offsetof(struct lsa_sysaccess, lockout_bad_count)},
    {offsetof(struct lsa_sysaccess, reset_lockout_count)},
    {offsetof(struct lsa_sysaccess, lockout_duration)},
    {offsetof(struct lsa_sysaccess, force_logoff)},
};

static int sa_get(const struct lsa_sysaccess *sa, int k)
{
    int v;
    memcpy(&v, (const char *)sa + sa_fields[k].off, sizeof v);
    return v;
}

int *lsa_sysaccess_field(struct lsa_sysaccess *sa, enum inf_sa k)
{
    return (unsigned)k < INF_SA_COUNT ? (int *)(void *)((char *)sa + sa_fields[k].off) : NULL;
}

static ntstatus mutate(struct lsa *l, const struct change *c)
{
    l->lasterr[0] = '\0';
    struct filelock lock = {-1};
    if (l->path) {
        int rc = filelock_acquire(&lock, l->lockpath, false);
        if (rc) {
            snprintf(l->lasterr, sizeof l->lasterr, "%s: %s", l->lockpath,
                     rc == EWOULDBLOCK ? "held by another writer" : strerror(rc));
            return nterr_from_errno(rc);
        }
        ntstatus st = refresh(l);
        if (st != STATUS_SUCCESS) {
            filelock_release(&lock);
            return st;
        }
    }
    ntstatus st = STATUS_SUCCESS;
    bool changed = false;
    rights_mask old = 0;
    bool old_set[INF_SA_COUNT] = {false};
    int old_val[INF_SA_COUNT] = {0};
    struct lsa_sysaccess old_sa = l->sa;
    if (c->sid) {
        old = table_get(l, c->sid);
        if (c->must_exist && !old) {
            st = STATUS_OBJECT_NAME_NOT_FOUND;
            goto out;
        }
        rights_mask m = c->remove_all ? 0 : ((old | c->add) & ~c->remove);
        if (m != old) {
            if (table_set(l, c->sid, m)) {
                st = STATUS_NO_MEMORY;
                goto out;
            }
            changed = true;
        }
    } else {
        memcpy(old_set, l->doc.sa_set, sizeof old_set);
        memcpy(old_val, l->doc.sa, sizeof old_val);
        for (int k = 0; k < INF_SA_COUNT; k++) {
            int v = sa_get(c->sa, k);
            if (v == sa_get(&l->sa, k))
                continue; /* untouched fields keep their "set" state */
            if (v == -1 && !inf_sa_valid((enum inf_sa)k, -1)) {
                l->doc.sa_set[k] = false;
            } else {
                l->doc.sa_set[k] = true;
                l->doc.sa[k] = v;
            }
            changed = true;
        }
        sa_from_doc(l);
    }
    if (changed && l->path) {
        struct file_id id;
        st = write_file(l, l->path, &id);
        if (st == STATUS_SUCCESS) {
            l->id = id;
        } else if (c->sid) {
            table_set(l, c->sid, old); /* cannot fail: restores an existing size */
        } else {
            memcpy(l->doc.sa_set, old_set, sizeof old_set);
            memcpy(l->doc.sa, old_val, sizeof old_val);
            l->sa = old_sa;
        }
    }
out:
    filelock_release(&lock);
    return st;
}

void lsa_set_names(struct lsa *l, const struct lsa_names *names)
{
    if (!l)
        return;
    if (names) {
        l->names = *names;
        l->have_names = true;
    } else {
        l->have_names = false;
    }
    /* Names that now resolve become SIDs (written as such on the next change). */
    size_t w = 0;
    for (size_t i = 0; i < l->npending; i++) {
        struct sid s;
        if (resolve_name(l, l->pending[i].name, &s) &&
            table_set(l, &s, table_get(l, &s) | l->pending[i].mask) == 0) {
            free(l->pending[i].name);
            continue;
        }
        l->pending[w++] = l->pending[i];
    }
    l->npending = w;
}

enum osver lsa_os(const struct lsa *l)
{
    return l->os;
}

const struct lsa_sysaccess *lsa_sysaccess(const struct lsa *l)
{
    return &l->sa;
}

ntstatus lsa_set_sysaccess(struct lsa *l, const struct lsa_sysaccess *sa)
{
    if (!l || !sa)
        return STATUS_INVALID_PARAMETER;
    for (int k = 0; k < INF_SA_COUNT; k++) {
        int v = sa_get(sa, k);
        if (v != -1 && !inf_sa_valid((enum inf_sa)k, v))
            return STATUS_INVALID_PARAMETER;
    }
    struct change c = {.sa = sa};
    return mutate(l, &c);
}

rights_mask lsa_sid_rights(const struct lsa *l, const struct sid *sid)
{
    return table_get(l, sid);
}

rights_mask lsa_effective_rights(const struct lsa *l, const struct sid *sids, size_t n)
{
    rights_mask m = 0;
    if (!l->count)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = l->idx[probe(l, &sids[i], sid_hash(&sids[i]))];
        if (v != SLOT_EMPTY)
            m |= l->ents[SLOT_ENT(v)].mask;
    }
    return m;
}

size_t lsa_account_count(const struct lsa *l)
{
    return l->count;
}

/* --- ntsecapi-shaped API ------------------------------------------------------ */

#define STANDARD_WRITE_BITS 0x000D0000u /* DELETE | WRITE_DAC | WRITE_OWNER */

ntstatus lsa_open_policy(struct lsa *l, const struct sid *caller_sids, size_t ncaller,
                         unsigned desired_access, struct lsa_handle *h)
{
    if (!h)
        return STATUS_INVALID_PARAMETER;
    *h = (struct lsa_handle){NULL, 0, false};
    if (!l)
        return STATUS_INVALID_HANDLE;
    if (desired_access & ~POLICY_ALL_ACCESS)
        return STATUS_ACCESS_DENIED;
    if (desired_access & (POLICY_WRITE_MASK | STANDARD_WRITE_BITS)) {
        bool admin = false;
        for (size_t i = 0; i < ncaller && !admin; i++)
            admin = sid_equal(&caller_sids[i], sid_wellknown(SID_WK_ADMINISTRATORS)) ||
                    sid_equal(&caller_sids[i], sid_wellknown(SID_WK_SYSTEM));
        if (!admin)
            return STATUS_ACCESS_DENIED;
    }
    *h = (struct lsa_handle){l, desired_access, true};
    return STATUS_SUCCESS;
}

void lsa_close(struct lsa_handle *h)
{
    if (h)
        *h = (struct lsa_handle){NULL, 0, false};
}

static ntstatus check_handle(const struct lsa_handle *h, unsigned need)
{
    if (!h || !h->open || !h->lsa)
        return STATUS_INVALID_HANDLE;
    return (h->access & need) == need ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
}

static ntstatus rights_to_mask(const struct lsa *l, const char *const *rights, size_t n,
                               rights_mask *out)
{
    rights_mask m = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned idx;
        if (rights_lookup(rights[i], l->os, &idx) != STATUS_SUCCESS)
            return STATUS_NO_SUCH_PRIVILEGE;
        m |= RIGHTS_BIT(idx);
    }
    *out = m;
    return STATUS_SUCCESS;
}

ntstatus lsa_add_account_rights(struct lsa_handle *h, const struct sid *sid,
                                const char *const *rights, size_t n)
{
    ntstatus st = check_handle(h, POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES);
    if (st != STATUS_SUCCESS)
        return st;
    if (!sid || n == 0 || !rights)
        return STATUS_INVALID_PARAMETER;
    rights_mask add;
    st = rights_to_mask(h->lsa, rights, n, &add);
    if (st != STATUS_SUCCESS)
        return st;
    struct change c = {.sid = sid, .add = add};
    return mutate(h->lsa, &c);
}

ntstatus lsa_remove_account_rights(struct lsa_handle *h, const struct sid *sid, bool all,
                                   const char *const *rights, size_t n)
{
    ntstatus st = check_handle(h, POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES);
    if (st != STATUS_SUCCESS)
        return st;
    if (!sid || (!all && (n == 0 || !rights)))
        return STATUS_INVALID_PARAMETER;
    rights_mask rm = 0;
    if (!all) {
        st = rights_to_mask(h->lsa, rights, n, &rm);
        if (st != STATUS_SUCCESS)
            return st;
    }
    struct change c = {.sid = sid, .remove = rm, .remove_all = all, .must_exist = true};
    return mutate(h->lsa, &c);
}

ntstatus lsa_enumerate_account_rights(struct lsa_handle *h, const struct sid *sid,
                                      rights_mask *out)
{
    ntstatus st = check_handle(h, POLICY_LOOKUP_NAMES);
    if (st != STATUS_SUCCESS)
        return st;
    if (!sid || !out)
        return STATUS_INVALID_PARAMETER;
    st = lsa_refresh(h->lsa);
    if (st != STATUS_SUCCESS)
        return st;
    *out = table_get(h->lsa, sid);
    return *out ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
}

static int sid_qcmp(const void *a, const void *b)
{
    return sid_compare(a, b);
}

ntstatus lsa_enumerate_accounts_with_right(struct lsa_handle *h, const char *right,
                                           struct sid **out, size_t *n)
{
    ntstatus st = check_handle(h, POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION);
    if (st != STATUS_SUCCESS)
        return st;
    if (!out || !n)
        return STATUS_INVALID_PARAMETER;
    *out = NULL;
    *n = 0;
    struct lsa *l = h->lsa;
    rights_mask want = ~(rights_mask)0;
    if (right) {
        unsigned idx;
        if (rights_lookup(right, l->os, &idx) != STATUS_SUCCESS)
            return STATUS_NO_SUCH_PRIVILEGE;
        want = RIGHTS_BIT(idx);
    }
    st = lsa_refresh(l);
    if (st != STATUS_SUCCESS)
        return st;
    size_t k = 0;
    for (size_t i = 0; i < l->count; i++)
        if (l->ents[i].mask & want)
            k++;
    if (!k)
        return STATUS_NO_MORE_ENTRIES;
    struct sid *v = malloc(k * sizeof *v);
    if (!v)
        return STATUS_NO_MEMORY;
    k = 0;
    for (size_t i = 0; i < l->count; i++)
        if (l->ents[i].mask & want)
            v[k++] = l->ents[i].sid;
    qsort(v, k, sizeof *v, sid_qcmp);
    *out = v;
    *n = k;
    return STATUS_SUCCESS;
}

static ntstatus mapped_status(size_t mapped, size_t n)
{
    if (mapped == n)
        return STATUS_SUCCESS;
    return mapped ? STATUS_SOME_NOT_MAPPED : STATUS_NONE_MAPPED;
}

ntstatus lsa_lookup_names(struct lsa_handle *h, const char *const *names, size_t n,
                          struct sid *sids, bool *mapped)
{
    ntstatus st = check_handle(h, POLICY_LOOKUP_NAMES);
    if (st != STATUS_SUCCESS)
        return st;
    if ((n && (!names || !sids || !mapped)))
        return STATUS_INVALID_PARAMETER;
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        mapped[i] = names[i] && resolve_name(h->lsa, names[i], &sids[i]);
        if (mapped[i])
            ok++;
        else
            memset(&sids[i], 0, sizeof sids[i]);
    }
    return mapped_status(ok, n);
}

ntstatus lsa_lookup_sids(struct lsa_handle *h, const struct sid *sids, size_t n, char *names,
                         size_t n_each, bool *mapped)
{
    ntstatus st = check_handle(h, POLICY_LOOKUP_NAMES);
    if (st != STATUS_SUCCESS)
        return st;
    if (n && (!sids || !names || !mapped || n_each == 0))
        return STATUS_INVALID_PARAMETER;
    const struct lsa *l = h->lsa;
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        char *out = names + i * n_each;
        const char *wk = sid_wellknown_name(&sids[i]);
        if (wk) {
            str_copy(out, n_each, wk);
            mapped[i] = true;
        } else {
            mapped[i] = l->have_names && l->names.sid_to_name &&
                        l->names.sid_to_name(l->names.arg, &sids[i], out, n_each);
        }
        if (mapped[i]) {
            ok++;
        } else if (sid_format(&sids[i], out, n_each) != 0) {
            out[0] = '\0';
        }
    }
    return mapped_status(ok, n);
}

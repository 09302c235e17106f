/* Inside the SAM: the model's layout and the functions its three files
 * share (sam.c the account model, samfile.c the sam.txt format, samstore.c
 * the guarded write path). Not for use outside emulator/sam*.c. */
#ifndef NTLAB_EMULATOR_SAM_INT_H
#define NTLAB_EMULATOR_SAM_INT_H
#include "emulator/sam.h"
#include "src/lib/buf.h"
#include "src/lib/filelock.h"
#include "src/lib/filesig.h"

/* Where a SAM lives on disk and the state of a change in progress. */
struct sam_store {
    char *path;          /* sam.txt, or NULL: changes stay in memory */
    char *lockpath;      /* path + ".lock" */
    struct filesig sig;  /* the file as last read or written by us */
    struct filelock lock; /* held during a change or a batch */
    unsigned batch;      /* > 0 inside sam_batch_begin/end */
    struct sam *undo;    /* the model before the change, to restore on failure */
};

/* Open-addressing index: ix = array index + 1 (0 = empty) and the upper
 * hash bits, so that probing rarely touches the (cache-cold) names. */
struct islot {
    uint32_t ix;
    uint32_t fp;
};
struct idx {
    struct islot *slot;
    size_t cap; /* power of two, or 0 */
};

/* RID -> user index, or group index | RID_GROUP. key 0 = empty (RID 0 is
 * never valid in an account domain). */
#define RID_GROUP 0x80000000u
struct ridx {
    uint32_t *key;
    uint32_t *val;
    size_t cap;
};

struct sam {
    char name[SAM_DOMAIN_NAME_MAX + 1];
    struct sid sid;
    bool dc;
    uint32_t next_rid;
    struct sam_user *users;
    size_t nusers, capusers;
    struct sam_group *groups;
    size_t ngroups, capgroups;
    struct idx user_names, group_names;
    struct ridx rids;
    /* BUILTIN aliases S-1-5-32-500..599 -> group index + 1 (0 = none): the
     * only group SIDs outside the account domain */
    uint32_t builtin_ix[100];
    struct sam_store store; /* samstore.c; not part of the model */
};

/* ---- lookups, inline: the loader (samfile.c) runs them for every line ---- */

/* ASCII case-insensitive equality without the locale calls of tolower(). */
static inline bool sam_name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x != y) {
            x = (unsigned char)(x >= 'A' && x <= 'Z' ? x + 32 : x);
            y = (unsigned char)(y >= 'A' && y <= 'Z' ? y + 32 : y);
            if (x != y)
                return false;
        }
        if (!x)
            return true;
    }
}

static inline uint64_t sam_rid_hash(uint32_t rid)
{
    uint64_t x = rid * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 32);
}

static inline const char *sam_user_key(const struct sam *s, size_t i) { return s->users[i].name; }
static inline const char *sam_group_key(const struct sam *s, size_t i) { return s->groups[i].name; }

typedef const char *(*sam_key_fn)(const struct sam *, size_t);

static inline size_t sam_idx_find_h(const struct sam *s, const struct idx *x, sam_key_fn key, const char *name,
                         uint64_t h)
{
    if (!x->cap)
        return SIZE_MAX;
    size_t mask = x->cap - 1;
    uint32_t fp = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const struct islot *sl = &x->slot[i];
        if (!sl->ix)
            return SIZE_MAX;
        if (sl->fp == fp && sam_name_eq(key(s, sl->ix - 1), name))
            return sl->ix - 1;
    }
}

static inline bool sam_ridx_find(const struct ridx *r, uint32_t rid, uint32_t *val)
{
    if (!r->cap || !rid)
        return false;
    size_t mask = r->cap - 1;
    for (size_t i = (size_t)sam_rid_hash(rid) & mask;; i = (i + 1) & mask) {
        if (!r->key[i])
            return false;
        if (r->key[i] == rid) {
            *val = r->val[i];
            return true;
        }
    }
}

static inline bool sam_name_taken_h(const struct sam *s, const char *name, uint64_t h, ntstatus *why)
{
    if (sam_idx_find_h(s, &s->user_names, sam_user_key, name, h) != SIZE_MAX) {
        *why = STATUS_USER_EXISTS;
        return true;
    }
    if (sam_idx_find_h(s, &s->group_names, sam_group_key, name, h) != SIZE_MAX) {
        *why = STATUS_GROUP_EXISTS;
        return true;
    }
    return false;
}

static inline bool sam_rid_taken(const struct sam *s, uint32_t rid)
{
    uint32_t v;
    return sam_ridx_find(&s->rids, rid, &v);
}

/* ---- sam.c: model internals ---------------------------------------------- */

struct sam *sam_new(void);
/* Names NT accepts (see sam_user_add); max = longest allowed length. */
bool sam_name_ok(const char *name, size_t max);
bool sam_text_ok(const char *t);
bool sam_text_line_ok(const char *t); /* and no control byte */
bool sam_domain_sid_ok(const struct sid *d);
/* FNV-1a over ASCII-folded bytes; inline: the loader hashes every name. */
static inline uint64_t sam_name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}
bool sam_name_taken(const struct sam *s, const char *name, ntstatus *why);
/* Index of the group or SIZE_MAX. */
size_t sam_group_index(const struct sam *s, const char *name);
/* True when sid is a user of this SAM; *ui = its index in the users array. */
bool sam_local_user_index(const struct sam *s, const struct sid *sid, size_t *ui);
/* Sizes the arrays and indexes for about n accounts (the loader). ENOMEM. */
int sam_reserve(struct sam *s, size_t n);
int sam_users_reserve(struct sam *s, size_t want);
/* Indexes users[nusers] (h = its name hash) and counts it. */
ntstatus sam_user_commit_h(struct sam *s, uint64_t h);
ntstatus sam_group_append(struct sam *s, const char *name, const char *comment,
                          const struct sid *sid, enum sam_group_kind kind, bool builtin);
int sam_members_reserve(struct sam_group *g);
ntstatus sam_member_allowed(const struct sam *s, const struct sam_group *g,
                            const struct sid *member);
/* A deep copy of the model (not the store), or NULL. */
struct sam *sam_clone(const struct sam *s);
/* Exchanges the models of a and b; each keeps its own store. */
void sam_swap_model(struct sam *a, struct sam *b);

/* The changes themselves, in memory only (samstore.c guards them). */
ntstatus sam_do_user_add(struct sam *s, const char *name, const char *password, int64_t now,
                         uint32_t *rid);
ntstatus sam_do_user_del(struct sam *s, const char *name);
ntstatus sam_do_set_password(struct sam *s, const char *name, const char *password,
                             int64_t now);
ntstatus sam_do_set_nthash(struct sam *s, const char *name, const uint8_t hash[16], int64_t now);
ntstatus sam_do_group_add(struct sam *s, const char *name, enum sam_group_kind kind,
                          const char *comment);
ntstatus sam_do_group_del(struct sam *s, const char *name);
ntstatus sam_do_add_member(struct sam *s, const char *group, const struct sid *member);
ntstatus sam_do_remove_member(struct sam *s, const char *group, const struct sid *member);

/* ---- samhash.c ------------------------------------------------------------ */

void sam_wipe(void *p, size_t n);
bool sam_password_len_ok(const char *pw);

/* ---- samfile.c: sam.txt ------------------------------------------------------ */

#define SAM_FILE_MAX (32u << 20) /* ~300,000 accounts */
/* Appends the sam.txt text of s to out. 0 or ENOMEM. */
int sam_file_format(const struct sam *s, struct buf *out);
/* Parses sam.txt text (modified in place) named path into a new model.
 * STATUS_INTERNAL_DB_CORRUPTION with "PATH:LINE: problem" in err, or
 * STATUS_NO_MEMORY. */
ntstatus sam_file_parse(const char *path, char *text, size_t len, struct sam **out, char *err,
                        size_t errlen);

/* ---- samstore.c ------------------------------------------------------------ */

void sam_store_free(struct sam_store *st);

#endif

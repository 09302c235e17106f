/* The SAM: users and groups in arrays, with hash indexes by name
 * (case-insensitive, shared namespace) and by RID, so that loading a
 * 10,000-user SAM is linear and a logon's lookups are O(1).
 *
 * sam.txt format (UTF-8 text, LF line ends, CRLF accepted):
 *
 *   # comment lines and blank lines are ignored
 *   sam version=1 domain=EXCHSRV sid=S-1-5-21-1-2-3 dc=0 next_rid=1001
 *   group name=Administrators sid=S-1-5-32-544 kind=alias builtin=1 comment=...
 *   user name=alice rid=1000 nthash=<32 hex> pwd_last_set=899283600 groups=Users
 *   member group=Administrators sid=S-1-5-21-7-8-9-512
 *
 * One record per line: a kind word, then space-separated key=value fields in
 * any order. The "sam" header comes first. A record may only name groups
 * and accounts defined on earlier lines (sam_save writes header, groups,
 * users, members). Values are escaped: \s space, \\ backslash, \t \n \r,
 * \xHH any other byte; bytes >= 0x80 are raw UTF-8. Lists are comma
 * separated (names cannot contain commas).
 *
 *   sam    version (1), domain, sid (S-1-5-21-...), dc (0/1), next_rid
 *   group  name, sid (BUILTIN S-1-5-32-5xx or the domain SID + RID), kind
 *          (alias/global; global only on a DC), builtin (0/1), comment
 *   user   name, rid, nthash (MD4 of the UTF-16LE password, lowercase hex)
 *          are required; optional: fullname, comment, flags (disabled,
 *          locked, pwd-never-expires, must-change, cant-change), times in
 *          seconds since the epoch (pwd_last_set, expires, last_bad,
 *          locked_at, last_logon; 0 = never), bad_count, hours (42 hex
 *          digits = the 21 logon-hours bytes; absent = always),
 *          workstations (up to 8 names), groups (the groups this user is a
 *          member of, by name)
 *   member group, sid: a member that is not a local user (a global group,
 *          a well-known SID, an account of another domain)
 *
 * Loading rejects: lines over SAM_LINE_MAX bytes, unknown kinds or keys, a
 * key given twice, malformed or out-of-range numbers, bad names, duplicate
 * names (users and groups share one namespace), duplicate RIDs or SIDs,
 * duplicate memberships, references to undefined groups or accounts, and
 * memberships NT does not allow (an alias inside an alias, anything but a
 * user in a global group). */
#include "emulator/sam.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/md4.h"
#include "src/lib/plat.h" /* EDQUOT on Windows */
#include "src/lib/str.h"
#include "src/lib/text.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAM_LINE_MAX 4096
#define SAM_FILE_MAX (32u << 20) /* ~300,000 accounts */
#define SAM_VERSION 1

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
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over ASCII-folded bytes */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

/* ASCII case-insensitive equality without the locale calls of tolower(). */
static bool name_eq(const char *a, const char *b)
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

static uint64_t rid_hash(uint32_t rid)
{
    uint64_t x = rid * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 32);
}

static size_t cap_for(size_t n)
{
    size_t c = 16;
    while (c < 2 * n)
        c *= 2;
    return c;
}

static const char *user_key(const struct sam *s, size_t i) { return s->users[i].name; }
static const char *group_key(const struct sam *s, size_t i) { return s->groups[i].name; }

typedef const char *(*key_fn)(const struct sam *, size_t);

static size_t idx_find_h(const struct sam *s, const struct idx *x, key_fn key, const char *name,
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
        if (sl->fp == fp && name_eq(key(s, sl->ix - 1), name))
            return sl->ix - 1;
    }
}

static size_t idx_find(const struct sam *s, const struct idx *x, key_fn key, const char *name)
{
    return idx_find_h(s, x, key, name, name_hash(name));
}

static void idx_put_h(struct idx *x, uint64_t h, size_t i)
{
    size_t mask = x->cap - 1;
    size_t j = (size_t)h & mask;
    while (x->slot[j].ix)
        j = (j + 1) & mask;
    x->slot[j].ix = (uint32_t)(i + 1);
    x->slot[j].fp = (uint32_t)(h >> 32);
}

static void idx_put(struct idx *x, const char *name, size_t i)
{
    idx_put_h(x, name_hash(name), i);
}

/* Rebuilds the index for n entries (capacity for at least `want`). */
static int idx_rebuild(const struct sam *s, struct idx *x, key_fn key, size_t n, size_t want)
{
    size_t cap = cap_for(want > n ? want : n);
    struct islot *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return ENOMEM;
    free(x->slot);
    x->slot = slot;
    x->cap = cap;
    for (size_t i = 0; i < n; i++)
        idx_put(x, key(s, i), i);
    return 0;
}

/* Makes room for entry n (the n+1-th) and inserts it. */
static int idx_add(const struct sam *s, struct idx *x, key_fn key, size_t n)
{
    if (2 * (n + 1) > x->cap) {
        int rc = idx_rebuild(s, x, key, n, 2 * (n + 1));
        if (rc)
            return rc;
    }
    idx_put(x, key(s, n), n);
    return 0;
}

static bool ridx_find(const struct ridx *r, uint32_t rid, uint32_t *val)
{
    if (!r->cap || !rid)
        return false;
    size_t mask = r->cap - 1;
    for (size_t i = (size_t)rid_hash(rid) & mask;; i = (i + 1) & mask) {
        if (!r->key[i])
            return false;
        if (r->key[i] == rid) {
            *val = r->val[i];
            return true;
        }
    }
}

static void ridx_put_nogrow(struct ridx *r, uint32_t rid, uint32_t val)
{
    size_t mask = r->cap - 1;
    size_t i = (size_t)rid_hash(rid) & mask;
    while (r->key[i] && r->key[i] != rid)
        i = (i + 1) & mask;
    r->key[i] = rid;
    r->val[i] = val;
}

static int ridx_alloc(struct ridx *r, size_t want)
{
    size_t cap = cap_for(want);
    uint32_t *k = calloc(cap, sizeof *k), *v = malloc(cap * sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return ENOMEM;
    }
    free(r->key);
    free(r->val);
    r->key = k;
    r->val = v;
    r->cap = cap;
    return 0;
}

static bool group_rid(const struct sam *s, const struct sam_group *g, uint32_t *rid)
{
    return sid_split(&g->sid, &s->sid, rid);
}

static int ridx_rebuild(struct sam *s, size_t want)
{
    size_t n = s->nusers + s->ngroups;
    int rc = ridx_alloc(&s->rids, want > n ? want : n);
    if (rc)
        return rc;
    for (size_t i = 0; i < s->nusers; i++)
        ridx_put_nogrow(&s->rids, s->users[i].rid, (uint32_t)i);
    for (size_t i = 0; i < s->ngroups; i++) {
        uint32_t rid;
        if (group_rid(s, &s->groups[i], &rid))
            ridx_put_nogrow(&s->rids, rid, (uint32_t)i | RID_GROUP);
    }
    return 0;
}

static int ridx_add(struct sam *s, uint32_t rid, uint32_t val)
{
    size_t n = s->nusers + s->ngroups; /* entries incl. the one being added */
    if (2 * (n + 1) > s->rids.cap) {
        int rc = ridx_rebuild(s, 2 * (n + 1));
        if (rc)
            return rc;
    }
    ridx_put_nogrow(&s->rids, rid, val);
    return 0;
}

static int rebuild_all(struct sam *s)
{
    memset(s->builtin_ix, 0, sizeof s->builtin_ix);
    for (size_t i = 0; i < s->ngroups; i++)
        if (sid_is_builtin_alias(&s->groups[i].sid))
            s->builtin_ix[s->groups[i].sid.sub[1] - 500] = (uint32_t)(i + 1);
    int rc = idx_rebuild(s, &s->user_names, user_key, s->nusers, s->nusers + 1);
    if (!rc)
        rc = idx_rebuild(s, &s->group_names, group_key, s->ngroups, s->ngroups + 1);
    if (!rc)
        rc = ridx_rebuild(s, s->nusers + s->ngroups + 1);
    return rc;
}

/* Member arrays grow by doubling whenever nmembers reaches a power of two,
 * so their capacity needs no field of its own. */
static int members_reserve(struct sam_group *g)
{
    size_t n = g->nmembers;
    if (n != 0 && (n & (n - 1)) != 0)
        return 0;
    size_t cap = n ? 2 * n : 4;
    if (n && n < 4)
        return 0; /* the initial capacity of 4 covers 1..3 */
    struct sid *m = realloc(g->members, cap * sizeof *m);
    if (!m)
        return ENOMEM;
    g->members = m;
    return 0;
}

/* Members are kept sorted (sid_compare) so membership tests are binary
 * searches; returns the position of sid or where it would go. */
static size_t member_pos(const struct sam_group *g, const struct sid *sid, bool *found)
{
    size_t lo = 0, hi = g->nmembers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = sid_compare(&g->members[mid], sid);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static bool group_has(const struct sam_group *g, const struct sid *sid)
{
    bool found;
    member_pos(g, sid, &found);
    return found;
}

static ntstatus member_insert(struct sam_group *g, const struct sid *sid)
{
    bool found;
    size_t pos = member_pos(g, sid, &found);
    if (found)
        return STATUS_MEMBER_IN_GROUP;
    if (members_reserve(g))
        return STATUS_NO_MEMORY;
    memmove(&g->members[pos + 1], &g->members[pos], (g->nmembers - pos) * sizeof *g->members);
    g->members[pos] = *sid;
    g->nmembers++;
    return STATUS_SUCCESS;
}

static bool member_remove(struct sam_group *g, const struct sid *sid)
{
    bool found;
    size_t pos = member_pos(g, sid, &found);
    if (!found)
        return false;
    memmove(&g->members[pos], &g->members[pos + 1], (g->nmembers - pos - 1) * sizeof *g->members);
    g->nmembers--;
    return true;
}

static bool utf8_ok(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    while (*s) {
        unsigned c = *s;
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if ((s[j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += k + 1;
    }
    return true;
}

/* NT account and group names: not empty, not all dots or spaces, no control
 * characters and none of " / \ [ ] : ; | = , + * ? < > . */
static bool name_ok(const char *name, size_t max)
{
    /* 1 = forbidden, 2 = dot or space; a table keeps this cheap at load */
    static const unsigned char cls[256] = {
        [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
        [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
        [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1,
        [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1,
        [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, [0x7f] = 1, ['"'] = 1, ['/'] = 1, ['\\'] = 1,
        ['['] = 1, [']'] = 1, [':'] = 1, [';'] = 1, ['|'] = 1, ['='] = 1, [','] = 1, ['+'] = 1,
        ['*'] = 1, ['?'] = 1, ['<'] = 1, ['>'] = 1, ['.'] = 2, [' '] = 2,
    };
    bool only_dots_spaces = true, high = false;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++) {
        unsigned c = cls[*p];
        if (c == 1 || n == max)
            return false;
        only_dots_spaces = only_dots_spaces && c == 2;
        high = high || *p >= 0x80;
    }
    return n > 0 && !only_dots_spaces && (!high || utf8_ok(name));
}

static bool text_ok(const char *t)
{
    return strlen(t) < SAM_TEXT_MAX && utf8_ok(t);
}

/* ---- NT hash ------------------------------------------------------------ */

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

void sam_nthash(const char *password, uint8_t out[16])
{
    struct md4_ctx c;
    uint8_t chunk[128];
    size_t n = 0;
    md4_init(&c);
    const unsigned char *p = (const unsigned char *)password;
    size_t left = strlen(password);
    while (left) {
        /* An invalid sequence counts as U+FFFD for one byte, as
         * MultiByteToWideChar does with its default flags. */
        size_t len;
        long dec = text_utf8_decode(p, left, &len);
        uint32_t cp = dec < 0 ? 0xFFFDu : (uint32_t)dec;
        p += len;
        left -= len;
        uint16_t u[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[0] = (uint16_t)(0xD800 | (cp >> 10));
            u[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else {
            u[0] = (uint16_t)cp;
        }
        for (int i = 0; i < nu; i++) {
            chunk[n++] = (uint8_t)(u[i] & 0xFF);
            chunk[n++] = (uint8_t)(u[i] >> 8);
        }
        if (n > sizeof chunk - 4) {
            md4_update(&c, chunk, n);
            n = 0;
        }
    }
    md4_update(&c, chunk, n);
    md4_final(&c, out);
    wipe(chunk, sizeof chunk);
}

bool sam_password_ok(const struct sam_user *u, const char *password)
{
    uint8_t h[16];
    sam_nthash(password ? password : "", h);
    unsigned diff = 0; /* constant time: no early exit on the first mismatch */
    for (int i = 0; i < 16; i++)
        diff |= (unsigned)(h[i] ^ u->nthash[i]);
    wipe(h, sizeof h);
    return diff == 0;
}

static bool password_len_ok(const char *pw)
{
    return strnlen(pw, SAM_PASSWORD_MAX + 1) <= SAM_PASSWORD_MAX;
}

/* ---- accessors ---------------------------------------------------------- */

const char *sam_domain_name(const struct sam *s) { return s->name; }
const struct sid *sam_domain_sid(const struct sam *s) { return &s->sid; }
size_t sam_user_count(const struct sam *s) { return s->nusers; }
size_t sam_group_count(const struct sam *s) { return s->ngroups; }

struct sam_user *sam_user_at(const struct sam *s, size_t i)
{
    return i < s->nusers ? &s->users[i] : NULL;
}

struct sam_group *sam_group_at(const struct sam *s, size_t i)
{
    return i < s->ngroups ? &s->groups[i] : NULL;
}

struct sam_user *sam_user_find(const struct sam *s, const char *name)
{
    if (!name)
        return NULL;
    size_t i = idx_find(s, &s->user_names, user_key, name);
    return i == SIZE_MAX ? NULL : &s->users[i];
}

struct sam_group *sam_group_find(const struct sam *s, const char *name)
{
    if (!name)
        return NULL;
    size_t i = idx_find(s, &s->group_names, group_key, name);
    return i == SIZE_MAX ? NULL : &s->groups[i];
}

struct sam_user *sam_user_by_rid(const struct sam *s, uint32_t rid)
{
    uint32_t v;
    if (!ridx_find(&s->rids, rid, &v) || (v & RID_GROUP))
        return NULL;
    return &s->users[v];
}

struct sam_group *sam_group_by_sid(const struct sam *s, const struct sid *sid)
{
    uint32_t rid, v;
    if (sid_split(sid, &s->sid, &rid)) {
        if (!ridx_find(&s->rids, rid, &v) || !(v & RID_GROUP))
            return NULL;
        return &s->groups[v & ~RID_GROUP];
    }
    if (!sid_is_builtin_alias(sid))
        return NULL;
    uint32_t ix = s->builtin_ix[sid->sub[1] - 500];
    return ix ? &s->groups[ix - 1] : NULL;
}

void sam_user_sid(const struct sam *s, const struct sam_user *u, struct sid *out)
{
    sid_compose(&s->sid, u->rid, out); /* a domain SID has 4 sub-authorities: fits */
}

bool sam_lookup_name(const struct sam *s, const char *name, struct sid *out, bool *is_group)
{
    const struct sam_user *u = sam_user_find(s, name);
    if (u) {
        sam_user_sid(s, u, out);
        if (is_group)
            *is_group = false;
        return true;
    }
    const struct sam_group *g = sam_group_find(s, name);
    if (g) {
        *out = g->sid;
        if (is_group)
            *is_group = true;
        return true;
    }
    return false;
}

bool sam_lookup_sid(const struct sam *s, const struct sid *sid, const char **name, bool *is_group)
{
    uint32_t rid;
    if (sid_split(sid, &s->sid, &rid)) {
        const struct sam_user *u = sam_user_by_rid(s, rid);
        if (u) {
            *name = u->name;
            if (is_group)
                *is_group = false;
            return true;
        }
    }
    const struct sam_group *g = sam_group_by_sid(s, sid);
    if (g) {
        *name = g->name;
        if (is_group)
            *is_group = true;
        return true;
    }
    return false;
}

/* ---- construction ------------------------------------------------------- */

/* Account domains are S-1-5-21-a-b-c (machine or domain SIDs), which also
 * keeps them apart from BUILTIN (S-1-5-32). */
static bool domain_sid_ok(const struct sid *d)
{
    return d->authority == 5 && d->count == 4 && d->sub[0] == 21;
}

static struct sam *sam_alloc(void)
{
    return calloc(1, sizeof(struct sam));
}

void sam_free(struct sam *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ngroups; i++)
        free(s->groups[i].members);
    free(s->users);
    free(s->groups);
    free(s->user_names.slot);
    free(s->group_names.slot);
    free(s->rids.key);
    free(s->rids.val);
    free(s);
}

static int users_reserve(struct sam *s, size_t want)
{
    if (want <= s->capusers)
        return 0;
    size_t cap = s->capusers ? s->capusers : 16;
    while (cap < want)
        cap *= 2;
    struct sam_user *u = realloc(s->users, cap * sizeof *u);
    if (!u)
        return ENOMEM;
    s->users = u;
    s->capusers = cap;
    return 0;
}

static int groups_reserve(struct sam *s, size_t want)
{
    if (want <= s->capgroups)
        return 0;
    size_t cap = s->capgroups ? s->capgroups : 16;
    while (cap < want)
        cap *= 2;
    struct sam_group *g = realloc(s->groups, cap * sizeof *g);
    if (!g)
        return ENOMEM;
    s->groups = g;
    s->capgroups = cap;
    return 0;
}

static bool name_taken_h(const struct sam *s, const char *name, uint64_t h, ntstatus *why)
{
    if (idx_find_h(s, &s->user_names, user_key, name, h) != SIZE_MAX) {
        *why = STATUS_USER_EXISTS;
        return true;
    }
    if (idx_find_h(s, &s->group_names, group_key, name, h) != SIZE_MAX) {
        *why = STATUS_GROUP_EXISTS;
        return true;
    }
    return false;
}

static bool name_taken(const struct sam *s, const char *name, ntstatus *why)
{
    return name_taken_h(s, name, name_hash(name), why);
}

static bool rid_taken(const struct sam *s, uint32_t rid)
{
    uint32_t v;
    return ridx_find(&s->rids, rid, &v);
}

static uint32_t alloc_rid(struct sam *s)
{
    while (rid_taken(s, s->next_rid))
        s->next_rid++;
    return s->next_rid++;
}

static void user_defaults(struct sam_user *u)
{
    memset(u, 0, sizeof *u);
    memset(u->logon_hours, 0xFF, sizeof u->logon_hours);
}

/* The same defaults without clearing the text arrays past their first
 * byte: the loader fills 10,000 of these per reboot, and zeroing ~800
 * bytes each is a measurable part of it. Bytes after a string's NUL are
 * never read. */
static void user_defaults_fast(struct sam_user *u)
{
    u->name[0] = u->fullname[0] = u->comment[0] = 0;
    u->rid = 0;
    memset(u->nthash, 0, sizeof u->nthash);
    u->flags = 0;
    u->pwd_last_set = u->expires = u->last_bad = u->locked_at = u->last_logon = 0;
    memset(u->logon_hours, 0xFF, sizeof u->logon_hours);
    for (size_t i = 0; i < SAM_WORKSTATIONS_MAX; i++)
        u->workstations[i][0] = 0;
    u->bad_count = 0;
}

/* Indexes the user in the slot after the last one (h = its name_hash)
 * and counts it. */
static ntstatus user_commit_h(struct sam *s, uint64_t h)
{
    size_t i = s->nusers;
    if (2 * (i + 1) > s->user_names.cap) {
        if (idx_rebuild(s, &s->user_names, user_key, i, 2 * (i + 1)))
            return STATUS_NO_MEMORY;
    }
    idx_put_h(&s->user_names, h, i);
    if (ridx_add(s, s->users[i].rid, (uint32_t)i))
        return STATUS_NO_MEMORY; /* indexes may hold a stale slot: caller rebuilds or frees */
    s->nusers++;
    return STATUS_SUCCESS;
}

static ntstatus user_commit(struct sam *s)
{
    return user_commit_h(s, name_hash(s->users[s->nusers].name));
}

/* Appends a user (name validated by the caller) and indexes it. */
static ntstatus user_append(struct sam *s, const struct sam_user *src)
{
    if (users_reserve(s, s->nusers + 1))
        return STATUS_NO_MEMORY;
    s->users[s->nusers] = *src;
    return user_commit(s);
}

static ntstatus group_append(struct sam *s, const char *name, const char *comment,
                             const struct sid *sid, enum sam_group_kind kind, bool builtin)
{
    if (groups_reserve(s, s->ngroups + 1))
        return STATUS_NO_MEMORY;
    size_t i = s->ngroups;
    struct sam_group *g = &s->groups[i];
    memset(g, 0, sizeof *g);
    str_copy(g->name, sizeof g->name, name);
    str_copy(g->comment, sizeof g->comment, comment ? comment : "");
    g->sid = *sid;
    g->kind = kind;
    g->builtin = builtin;
    uint32_t rid;
    if (idx_add(s, &s->group_names, group_key, i) ||
        (group_rid(s, g, &rid) && ridx_add(s, rid, (uint32_t)i | RID_GROUP)))
        return STATUS_NO_MEMORY;
    if (sid_is_builtin_alias(sid))
        s->builtin_ix[sid->sub[1] - 500] = (uint32_t)(i + 1);
    s->ngroups++;
    return STATUS_SUCCESS;
}

static ntstatus add_builtin_alias(struct sam *s, enum sid_wk wk, const char *name,
                                  const char *comment)
{
    return group_append(s, name, comment, sid_wellknown(wk), SAM_GROUP_ALIAS, true);
}

static ntstatus add_member_sid(struct sam *s, const char *group, const struct sid *sid)
{
    struct sam_group *g = sam_group_find(s, group);
    return g ? member_insert(g, sid) : STATUS_NO_SUCH_GROUP;
}

ntstatus sam_create(const char *name, const struct sid *domain_sid, bool domain_controller,
                    const char *admin_password, int64_t now, struct sam **out)
{
    *out = NULL;
    if (!name || !name_ok(name, SAM_DOMAIN_NAME_MAX) || !domain_sid ||
        !domain_sid_ok(domain_sid) || !admin_password ||
        !password_len_ok(admin_password))
        return STATUS_INVALID_PARAMETER;
    struct sam *s = sam_alloc();
    if (!s)
        return STATUS_NO_MEMORY;
    str_copy(s->name, sizeof s->name, name);
    s->sid = *domain_sid;
    s->dc = domain_controller;
    s->next_rid = SID_RID_FIRST_ACCOUNT;
    ntstatus st = STATUS_SUCCESS;
    if (rebuild_all(s))
        st = STATUS_NO_MEMORY;

    /* BUILTIN aliases as NT 4.0 creates them; comments are User Manager's. */
#define ALIAS(wk, nm, cm)                                                                  \
    if (NT_SUCCESS(st))                                                                    \
    st = add_builtin_alias(s, wk, nm, cm)
    ALIAS(SID_WK_ADMINISTRATORS, "Administrators",
          domain_controller ? "Members can fully administer the domain"
                            : "Members can fully administer the computer");
    ALIAS(SID_WK_USERS, "Users", "Ordinary users");
    ALIAS(SID_WK_GUESTS, "Guests",
          domain_controller ? "Users granted guest access to the domain"
                            : "Users granted guest access to the computer");
    if (!domain_controller)
        ALIAS(SID_WK_POWER_USERS, "Power Users",
              "Members can share directories and printers");
    if (domain_controller) {
        ALIAS(SID_WK_ACCOUNT_OPERATORS, "Account Operators",
              "Members can administer domain user and group accounts");
        ALIAS(SID_WK_SERVER_OPERATORS, "Server Operators",
              "Members can administer domain servers");
        ALIAS(SID_WK_PRINT_OPERATORS, "Print Operators",
              "Members can administer domain printers");
    }
    ALIAS(SID_WK_BACKUP_OPERATORS, "Backup Operators",
          "Members can bypass file security to back up files");
    ALIAS(SID_WK_REPLICATOR, "Replicator", "Supports file replication in a domain");
#undef ALIAS

    if (domain_controller) {
        static const struct {
            uint32_t rid;
            const char *name, *comment, *alias;
        } globals[] = {
            {SID_RID_DOMAIN_ADMINS, "Domain Admins", "Designated administrators of the domain",
             "Administrators"},
            {SID_RID_DOMAIN_USERS, "Domain Users", "All domain users", "Users"},
            {SID_RID_DOMAIN_GUESTS, "Domain Guests", "All domain guests", "Guests"},
        };
        for (size_t i = 0; i < sizeof globals / sizeof globals[0] && NT_SUCCESS(st); i++) {
            struct sid gs;
            sid_compose(domain_sid, globals[i].rid, &gs);
            st = group_append(s, globals[i].name, globals[i].comment, &gs, SAM_GROUP_GLOBAL,
                              true);
            if (NT_SUCCESS(st))
                st = add_member_sid(s, globals[i].alias, &gs);
        }
    }

    static const struct {
        uint32_t rid;
        const char *name, *comment;
        uint32_t flags;
    } accounts[] = {
        {SID_RID_ADMINISTRATOR, "Administrator",
         "Built-in account for administering the computer/domain", SAM_PWD_NEVER_EXPIRES},
        {SID_RID_GUEST, "Guest", "Built-in account for guest access to the computer/domain",
         SAM_DISABLED | SAM_PWD_NEVER_EXPIRES | SAM_CANT_CHANGE},
    };
    for (size_t i = 0; i < 2 && NT_SUCCESS(st); i++) {
        struct sam_user u;
        user_defaults(&u);
        str_copy(u.name, sizeof u.name, accounts[i].name);
        str_copy(u.comment, sizeof u.comment, accounts[i].comment);
        u.rid = accounts[i].rid;
        u.flags = accounts[i].flags;
        u.pwd_last_set = now;
        sam_nthash(i == 0 ? admin_password : "", u.nthash);
        st = user_append(s, &u);
        wipe(&u, sizeof u);
        struct sid us;
        sid_compose(domain_sid, accounts[i].rid, &us);
        if (!NT_SUCCESS(st))
            break;
        if (i == 0) {
            st = add_member_sid(s, domain_controller ? "Domain Admins" : "Administrators", &us);
            if (NT_SUCCESS(st) && domain_controller)
                st = add_member_sid(s, "Domain Users", &us);
        } else {
            st = add_member_sid(s, domain_controller ? "Domain Guests" : "Guests", &us);
        }
    }
    if (!NT_SUCCESS(st)) {
        sam_free(s);
        return st;
    }
    *out = s;
    return STATUS_SUCCESS;
}

/* ---- users -------------------------------------------------------------- */

ntstatus sam_user_add(struct sam *s, const char *name, const char *password, int64_t now,
                      uint32_t *rid)
{
    if (!name || !name_ok(name, SAM_NAME_MAX) || !password || !password_len_ok(password))
        return STATUS_INVALID_PARAMETER;
    ntstatus st;
    if (name_taken(s, name, &st))
        return st;
    struct sam_group *home = sam_group_find(s, s->dc ? "Domain Users" : "Users");
    struct sam_user u;
    user_defaults(&u);
    str_copy(u.name, sizeof u.name, name);
    u.rid = alloc_rid(s);
    u.pwd_last_set = now;
    sam_nthash(password, u.nthash);
    st = user_append(s, &u);
    wipe(&u, sizeof u);
    if (!NT_SUCCESS(st)) {
        rebuild_all(s); /* drop a half-inserted index entry */
        return st;
    }
    if (home) {
        /* home was found before the users array moved; groups did not move */
        struct sid us;
        sid_compose(&s->sid, s->users[s->nusers - 1].rid, &us);
        st = member_insert(home, &us);
        if (!NT_SUCCESS(st)) {
            s->nusers--;
            rebuild_all(s);
            return st;
        }
    }
    if (rid)
        *rid = s->users[s->nusers - 1].rid;
    return STATUS_SUCCESS;
}

static void drop_member_everywhere(struct sam *s, const struct sid *sid)
{
    for (size_t i = 0; i < s->ngroups; i++)
        member_remove(&s->groups[i], sid);
}

ntstatus sam_user_del(struct sam *s, const char *name)
{
    size_t i = name ? idx_find(s, &s->user_names, user_key, name) : SIZE_MAX;
    if (i == SIZE_MAX)
        return STATUS_NO_SUCH_USER;
    /* NT refuses to delete the built-in accounts. */
    if (s->users[i].rid == SID_RID_ADMINISTRATOR || s->users[i].rid == SID_RID_GUEST)
        return STATUS_ACCESS_DENIED;
    struct sid us;
    sam_user_sid(s, &s->users[i], &us);
    drop_member_everywhere(s, &us);
    wipe(&s->users[i], sizeof s->users[i]);
    memmove(&s->users[i], &s->users[i + 1], (s->nusers - i - 1) * sizeof *s->users);
    s->nusers--;
    return rebuild_all(s) ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

ntstatus sam_set_password(struct sam *s, const char *name, const char *password, int64_t now)
{
    struct sam_user *u = sam_user_find(s, name);
    if (!u)
        return STATUS_NO_SUCH_USER;
    if (!password || !password_len_ok(password))
        return STATUS_INVALID_PARAMETER;
    sam_nthash(password, u->nthash);
    u->pwd_last_set = now;
    return STATUS_SUCCESS;
}

/* ---- groups ------------------------------------------------------------- */

ntstatus sam_group_add(struct sam *s, const char *name, enum sam_group_kind kind,
                       const char *comment)
{
    if (!name || !name_ok(name, SAM_GROUP_NAME_MAX - 1) || (comment && !text_ok(comment)))
        return STATUS_INVALID_PARAMETER;
    if (kind != SAM_GROUP_ALIAS && kind != SAM_GROUP_GLOBAL)
        return STATUS_INVALID_PARAMETER;
    if (kind == SAM_GROUP_GLOBAL && !s->dc)
        return STATUS_INVALID_PARAMETER; /* only a domain has global groups */
    ntstatus st;
    if (name_taken(s, name, &st))
        return st;
    struct sid gs;
    sid_compose(&s->sid, alloc_rid(s), &gs);
    st = group_append(s, name, comment, &gs, kind, false);
    if (!NT_SUCCESS(st))
        rebuild_all(s);
    return st;
}

ntstatus sam_group_del(struct sam *s, const char *name)
{
    size_t i = name ? idx_find(s, &s->group_names, group_key, name) : SIZE_MAX;
    if (i == SIZE_MAX)
        return STATUS_NO_SUCH_GROUP;
    if (s->groups[i].builtin)
        return STATUS_ACCESS_DENIED;
    struct sid gs = s->groups[i].sid;
    free(s->groups[i].members);
    memmove(&s->groups[i], &s->groups[i + 1], (s->ngroups - i - 1) * sizeof *s->groups);
    s->ngroups--;
    drop_member_everywhere(s, &gs);
    return rebuild_all(s) ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

/* Which members NT allows: an alias holds users, global groups and foreign
 * SIDs but no alias; a global group holds users of its own domain only. */
static ntstatus member_allowed(const struct sam *s, const struct sam_group *g,
                               const struct sid *member)
{
    uint32_t rid, v;
    bool local = sid_split(member, &s->sid, &rid);
    bool local_user = local && ridx_find(&s->rids, rid, &v) && !(v & RID_GROUP);
    if (sid_equal(member, &g->sid))
        return STATUS_INVALID_PARAMETER;
    if (g->kind == SAM_GROUP_GLOBAL)
        return local_user ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    const struct sam_group *mg = sam_group_by_sid(s, member);
    if (mg && mg->kind == SAM_GROUP_ALIAS)
        return STATUS_INVALID_PARAMETER;
    if (local && !local_user && !mg)
        return STATUS_NO_SUCH_USER; /* a RID of this domain that names nothing */
    return STATUS_SUCCESS;
}

ntstatus sam_group_add_member(struct sam *s, const char *group, const struct sid *member)
{
    struct sam_group *g = sam_group_find(s, group);
    if (!g)
        return STATUS_NO_SUCH_GROUP;
    if (!member || member->count > SID_MAX_SUBAUTH)
        return STATUS_INVALID_PARAMETER;
    ntstatus st = member_allowed(s, g, member);
    if (!NT_SUCCESS(st))
        return st;
    return member_insert(g, member);
}

ntstatus sam_group_remove_member(struct sam *s, const char *group, const struct sid *member)
{
    struct sam_group *g = sam_group_find(s, group);
    if (!g)
        return STATUS_NO_SUCH_GROUP;
    return member_remove(g, member) ? STATUS_SUCCESS : STATUS_MEMBER_NOT_IN_GROUP;
}

static bool in_list(const struct sid *list, size_t n, const struct sid *sid)
{
    for (size_t i = 0; i < n; i++)
        if (sid_equal(&list[i], sid))
            return true;
    return false;
}

ntstatus sam_memberships(const struct sam *s, const struct sid *in, size_t nin, struct sid *out,
                         size_t max, size_t *n)
{
    size_t k = 0;
    *n = 0;
    /* Pass 1: direct memberships. Pass 2: aliases holding a global group
     * that the SIDs are in (either found in pass 1 or given in `in`). */
    for (int pass = 0; pass < 2; pass++) {
        size_t found_direct = k;
        for (size_t i = 0; i < s->ngroups; i++) {
            const struct sam_group *g = &s->groups[i];
            if (in_list(out, k, &g->sid))
                continue;
            bool hit = false;
            if (pass == 0) {
                for (size_t j = 0; j < nin && !hit; j++)
                    hit = group_has(g, &in[j]);
            } else if (g->kind == SAM_GROUP_ALIAS) {
                for (size_t j = 0; j < found_direct && !hit; j++) {
                    const struct sam_group *fg = sam_group_by_sid(s, &out[j]);
                    hit = fg && fg->kind == SAM_GROUP_GLOBAL && group_has(g, &out[j]);
                }
            }
            if (!hit)
                continue;
            if (k >= max) {
                *n = k;
                return STATUS_NO_MEMORY;
            }
            out[k++] = g->sid;
        }
    }
    *n = k;
    return STATUS_SUCCESS;
}

/* ---- sam.txt writer ----------------------------------------------------- */

static int put_escaped(struct buf *b, const char *v)
{
    static const char hx[] = "0123456789abcdef";
    int rc = 0;
    const unsigned char *p = (const unsigned char *)v;
    while (*p && !rc) {
        /* a run of bytes that need no escape goes in with one append */
        const unsigned char *run = p;
        while (*p > ' ' && *p != '\\' && *p != 0x7f)
            p++;
        if (p > run)
            rc = buf_append(b, run, (size_t)(p - run));
        if (!*p || rc)
            break;
        char e[4] = {'\\', 0, 0, 0};
        size_t n = 2;
        switch (*p) {
        case ' ': e[1] = 's'; break;
        case '\\': e[1] = '\\'; break;
        case '\t': e[1] = 't'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        default:
            e[1] = 'x';
            e[2] = hx[*p >> 4];
            e[3] = hx[*p & 15];
            n = 4;
        }
        rc = buf_append(b, e, n);
        p++;
    }
    return rc;
}

static int put_field(struct buf *b, const char *key, const char *v)
{
    int rc = buf_putc(b, ' ');
    rc = rc ? rc : buf_puts(b, key);
    rc = rc ? rc : buf_putc(b, '=');
    return rc ? rc : put_escaped(b, v);
}

static int put_num(struct buf *b, const char *key, int64_t v)
{
    /* by hand: printf per field made saving a 10,000-user SAM slow */
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t x = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    if (v < 0)
        *--p = '-';
    int rc = buf_putc(b, ' ');
    rc = rc ? rc : buf_puts(b, key);
    rc = rc ? rc : buf_putc(b, '=');
    return rc ? rc : buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

static const struct {
    uint32_t bit;
    const char *name;
} flag_names[] = {
    {SAM_DISABLED, "disabled"},
    {SAM_LOCKED, "locked"},
    {SAM_PWD_NEVER_EXPIRES, "pwd-never-expires"},
    {SAM_MUST_CHANGE, "must-change"},
    {SAM_CANT_CHANGE, "cant-change"},
};
#define NFLAGS (sizeof flag_names / sizeof flag_names[0])
#define SAM_FLAGS_ALL (SAM_DISABLED | SAM_LOCKED | SAM_PWD_NEVER_EXPIRES | SAM_MUST_CHANGE | SAM_CANT_CHANGE)

/* The local users' memberships, user by user (groups in array order), so
 * that saving is linear: a CSR table built from the groups' member lists. */
struct user_groups {
    size_t *off; /* nusers + 1 offsets into ix */
    uint32_t *ix; /* group indexes */
};

static int user_groups_build(const struct sam *s, struct user_groups *ug)
{
    ug->off = calloc(s->nusers + 1, sizeof *ug->off);
    ug->ix = NULL;
    if (!ug->off)
        return ENOMEM;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->ngroups; i++) {
            const struct sam_group *g = &s->groups[i];
            for (size_t j = 0; j < g->nmembers; j++) {
                uint32_t rid, v;
                if (!sid_split(&g->members[j], &s->sid, &rid) || !ridx_find(&s->rids, rid, &v) ||
                    (v & RID_GROUP))
                    continue;
                if (pass == 0)
                    ug->off[v + 1]++;
                else
                    ug->ix[ug->off[v]++] = (uint32_t)i;
            }
        }
        if (pass == 0) {
            for (size_t u = 0; u < s->nusers; u++)
                ug->off[u + 1] += ug->off[u];
            total = ug->off[s->nusers];
            ug->ix = malloc((total ? total : 1) * sizeof *ug->ix);
            if (!ug->ix)
                return ENOMEM;
        }
    }
    /* filling advanced off[u] to the end of u's run (the start of u + 1's):
     * shift by one to get the starts back */
    memmove(ug->off + 1, ug->off, s->nusers * sizeof *ug->off);
    ug->off[0] = 0;
    return 0;
}

static void user_groups_free(struct user_groups *ug)
{
    free(ug->off);
    free(ug->ix);
}

static int put_user(struct buf *b, const struct sam *s, const struct sam_user *u,
                    const struct user_groups *ug, size_t ui)
{
    char hex[33];
    str_hex(u->nthash, 16, hex);
    int rc = buf_puts(b, "user");
    rc = rc ? rc : put_field(b, "name", u->name);
    rc = rc ? rc : put_num(b, "rid", u->rid);
    rc = rc ? rc : put_field(b, "nthash", hex);
    if (!rc && (u->flags & SAM_FLAGS_ALL)) {
        rc = buf_puts(b, " flags=");
        bool first = true;
        for (size_t i = 0; i < NFLAGS && !rc; i++)
            if (u->flags & flag_names[i].bit) {
                rc = buf_printf(b, "%s%s", first ? "" : ",", flag_names[i].name);
                first = false;
            }
    }
    rc = rc ? rc : put_num(b, "pwd_last_set", u->pwd_last_set);
    if (!rc && u->expires)
        rc = put_num(b, "expires", u->expires);
    if (!rc && u->fullname[0])
        rc = put_field(b, "fullname", u->fullname);
    if (!rc && u->comment[0])
        rc = put_field(b, "comment", u->comment);
    bool always = true;
    for (size_t i = 0; i < sizeof u->logon_hours; i++)
        always = always && u->logon_hours[i] == 0xFF;
    if (!rc && !always) {
        char h[43];
        str_hex(u->logon_hours, sizeof u->logon_hours, h);
        rc = put_field(b, "hours", h);
    }
    bool first = true;
    for (size_t i = 0; i < SAM_WORKSTATIONS_MAX && !rc; i++) {
        if (!u->workstations[i][0])
            continue;
        rc = first ? buf_puts(b, " workstations=") : buf_putc(b, ',');
        rc = rc ? rc : put_escaped(b, u->workstations[i]);
        first = false;
    }
    if (!rc && u->bad_count)
        rc = put_num(b, "bad_count", u->bad_count);
    if (!rc && u->last_bad)
        rc = put_num(b, "last_bad", u->last_bad);
    if (!rc && u->locked_at)
        rc = put_num(b, "locked_at", u->locked_at);
    if (!rc && u->last_logon)
        rc = put_num(b, "last_logon", u->last_logon);
    for (size_t k = ug->off[ui]; k < ug->off[ui + 1] && !rc; k++) {
        rc = k == ug->off[ui] ? buf_puts(b, " groups=") : buf_putc(b, ',');
        rc = rc ? rc : put_escaped(b, s->groups[ug->ix[k]].name);
    }
    return rc ? rc : buf_putc(b, '\n');
}

static bool is_local_user(const struct sam *s, const struct sid *sid)
{
    uint32_t rid, v;
    return sid_split(sid, &s->sid, &rid) && ridx_find(&s->rids, rid, &v) && !(v & RID_GROUP);
}

ntstatus sam_save(const struct sam *s, const char *path)
{
    struct buf b = BUF_INIT;
    char sidbuf[SID_STR_MAX];
    int rc = buf_puts(&b, "# ntlab SAM (sam.txt): one record per line; format in emulator/sam.c\n");
    rc = rc ? rc : buf_puts(&b, "sam");
    rc = rc ? rc : put_num(&b, "version", SAM_VERSION);
    rc = rc ? rc : put_field(&b, "domain", s->name);
    rc = rc ? rc : put_field(&b, "sid", sid_str(&s->sid, sidbuf));
    rc = rc ? rc : put_num(&b, "dc", s->dc);
    rc = rc ? rc : put_num(&b, "next_rid", s->next_rid);
    rc = rc ? rc : buf_putc(&b, '\n');
    for (size_t i = 0; i < s->ngroups && !rc; i++) {
        const struct sam_group *g = &s->groups[i];
        rc = buf_puts(&b, "group");
        rc = rc ? rc : put_field(&b, "name", g->name);
        rc = rc ? rc : put_field(&b, "sid", sid_str(&g->sid, sidbuf));
        rc = rc ? rc : put_field(&b, "kind", g->kind == SAM_GROUP_GLOBAL ? "global" : "alias");
        if (!rc && g->builtin)
            rc = put_num(&b, "builtin", 1);
        if (!rc && g->comment[0])
            rc = put_field(&b, "comment", g->comment);
        rc = rc ? rc : buf_putc(&b, '\n');
    }
    struct user_groups ug;
    if (!rc) {
        rc = user_groups_build(s, &ug);
        for (size_t i = 0; i < s->nusers && !rc; i++)
            rc = put_user(&b, s, &s->users[i], &ug, i);
        user_groups_free(&ug);
    }
    for (size_t i = 0; i < s->ngroups && !rc; i++) {
        const struct sam_group *g = &s->groups[i];
        for (size_t j = 0; j < g->nmembers && !rc; j++) {
            if (is_local_user(s, &g->members[j]))
                continue; /* on the user's line */
            rc = buf_puts(&b, "member");
            rc = rc ? rc : put_field(&b, "group", g->name);
            rc = rc ? rc : put_field(&b, "sid", sid_str(&g->members[j], sidbuf));
            rc = rc ? rc : buf_putc(&b, '\n');
        }
    }
    if (rc) {
        buf_free(&b);
        return STATUS_NO_MEMORY;
    }
    /* 0600: the file holds password hashes. */
    rc = afile_write(path, b.p, b.len, 0600);
    buf_free(&b);
    if (rc == 0)
        return STATUS_SUCCESS;
    if (rc == ENOSPC || rc == EDQUOT)
        return STATUS_DISK_FULL;
    if (rc == ENOENT || rc == ENOTDIR)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (rc == EACCES || rc == EPERM || rc == EROFS)
        return STATUS_ACCESS_DENIED;
    return STATUS_IO_DEVICE_ERROR;
}

/* ---- sam.txt reader ----------------------------------------------------- */

struct loader {
    const char *path;
    unsigned line;
    char *err;
    size_t errlen;
    struct sam *s;
    bool have_header;
    unsigned char *group_unsorted; /* per group: members appended out of order */
    unsigned *group_line;          /* per group: its defining line */
    size_t cap_aux;
    /* the last groups= value and what it resolved to: most users share one */
    char last_groups[256];
    size_t last_gidx[8], last_ng;
};

static ntstatus bad(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ntstatus bad(struct loader *L, const char *fmt, ...)
{
    if (L->err && L->errlen) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        for (char *p = msg; *p; p++) /* names from the file may hold escaped controls */
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        snprintf(L->err, L->errlen, "%s:%u: %s", L->path, L->line, msg);
    }
    return STATUS_INTERNAL_DB_CORRUPTION;
}

static int hexdig(unsigned char c)
{
    /* value + 1, 0 = not a hex digit */
    static const unsigned char v[256] = {
        ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
        ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
        ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    };
    return (int)v[c] - 1;
}

/* Unescapes v in place. Returns false on a bad escape or an escaped NUL. */
static bool unescape(char *v)
{
    char *w = v;
    for (char *r = v; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case 's': *w++ = ' '; break;
        case '\\': *w++ = '\\'; break;
        case 't': *w++ = '\t'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 'x': {
            int hi = hexdig((unsigned char)r[1]), lo = hi < 0 ? -1 : hexdig((unsigned char)r[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            *w++ = (char)(hi << 4 | lo);
            r += 2;
            break;
        }
        default: return false;
        }
    }
    *w = 0;
    return true;
}

/* Decimal without sign, in [min, max]. */
static bool parse_u(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    /* at most 19 digits, so x cannot overflow (10^19 - 1 < 2^64); every
     * limit used here (INT64_MAX, UINT32_MAX) has at most 19 digits */
    uint64_t x = 0;
    size_t n = 0;
    for (const char *p = v; *p; p++, n++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9 || n == 19)
            return false;
        x = x * 10 + d;
    }
    if (n == 0 || x < min || x > max)
        return false;
    *out = x;
    return true;
}

static bool parse_time(const char *v, int64_t *out)
{
    uint64_t x; /* times are non-negative: 0 = never */
    if (!parse_u(v, 0, (uint64_t)INT64_MAX, &x))
        return false;
    *out = (int64_t)x;
    return true;
}

/* Token scanning is the loader's hot loop: one table load and test per
 * byte. Key bytes stop at NUL, space, tab and '='; value bytes at NUL,
 * space and tab, noting backslashes on the way. */
static char *scan_key(char *p)
{
    static const unsigned char stop[256] = {[0] = 1, [' '] = 1, ['\t'] = 1, ['='] = 1};
    while (!stop[(unsigned char)*p])
        p++;
    return p;
}

static char *scan_value(char *p, bool *esc)
{
    static const unsigned char stop[256] = {[0] = 1, [' '] = 1, ['\t'] = 1, ['\\'] = 2};
    for (;;) {
        while (!stop[(unsigned char)*p])
            p++;
        if (*p != '\\')
            return p;
        *esc = true;
        p++;
    }
}

static inline bool key_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Reads the key=value fields after a record's kind (in place) onto the
 * record's keys[0..nk): vals[k] is the unescaped value of keys[k] or NULL.
 * Errors: a token without '=', an unknown key, a key given twice, a bad
 * escape. One pass per token; a class table keeps the common byte to one
 * load and one test. */
static ntstatus read_fields(struct loader *L, char *p, const char *const *keys, size_t nk,
                            char **vals)
{
    size_t next = 0;
    for (size_t k = 0; k < nk; k++)
        vals[k] = NULL;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return STATUS_SUCCESS;
        char *key = p;
        bool esc = false;
        p = scan_key(p);
        if (*p != '=' || p == key) {
            *scan_value(p, &esc) = 0;
            return bad(L, "expected key=value, got \"%.40s\"", key);
        }
        *p++ = 0;
        char *val = p;
        p = scan_value(p, &esc);
        if (*p)
            *p++ = 0;
        /* Writers put the keys in table order, so the search starts after
         * the previous match: usually the first candidate is the one. */
        size_t k = next, tries = 0;
        while (tries < nk && !key_eq(keys[k], key)) {
            k = k + 1 == nk ? 0 : k + 1;
            tries++;
        }
        if (tries == nk)
            return bad(L, "unknown field %.40s", key);
        next = k + 1 == nk ? 0 : k + 1;
        if (vals[k])
            return bad(L, "field %s given twice", keys[k]);
        if (esc && !unescape(val))
            return bad(L, "bad escape in field %s", keys[k]);
        vals[k] = val;
    }
}

static ntstatus load_header(struct loader *L, char *fields)
{
    enum { K_VERSION, K_DOMAIN, K_SID, K_DC, K_NEXT_RID, NK };
    static const char *const keys[NK] = {"version", "domain", "sid", "dc", "next_rid"};
    char *v[NK];
    struct sam *s = L->s;
    uint64_t x;
    if (L->have_header)
        return bad(L, "second sam header");
    ntstatus st = read_fields(L, fields, keys, NK, v);
    if (!NT_SUCCESS(st))
        return st;
    if (!v[K_VERSION] || !parse_u(v[K_VERSION], 0, UINT32_MAX, &x))
        return bad(L, "missing or bad version");
    if (x != SAM_VERSION)
        return bad(L, "unsupported version %s (this ntlab reads %d)", v[K_VERSION], SAM_VERSION);
    if (!v[K_DOMAIN] || !name_ok(v[K_DOMAIN], SAM_DOMAIN_NAME_MAX))
        return bad(L, "missing or bad domain name");
    str_copy(s->name, sizeof s->name, v[K_DOMAIN]);
    const char *why = "missing";
    if (!v[K_SID] || sid_parse(v[K_SID], &s->sid, &why) != 0)
        return bad(L, "bad domain sid: %s", why);
    if (!domain_sid_ok(&s->sid))
        return bad(L, "bad domain sid: not S-1-5-21-a-b-c");
    if (!v[K_DC] || !parse_u(v[K_DC], 0, 1, &x))
        return bad(L, "missing or bad dc (0 or 1)");
    s->dc = x == 1;
    if (!v[K_NEXT_RID] || !parse_u(v[K_NEXT_RID], SID_RID_FIRST_ACCOUNT, UINT32_MAX - 1, &x))
        return bad(L, "missing or bad next_rid");
    s->next_rid = (uint32_t)x;
    L->have_header = true;
    return STATUS_SUCCESS;
}

static int aux_reserve(struct loader *L, size_t want)
{
    if (want <= L->cap_aux)
        return 0;
    size_t cap = L->cap_aux ? 2 * L->cap_aux : 32;
    while (cap < want)
        cap *= 2;
    unsigned char *u = realloc(L->group_unsorted, cap);
    if (!u)
        return ENOMEM;
    L->group_unsorted = u;
    unsigned *gl = realloc(L->group_line, cap * sizeof *gl);
    if (!gl)
        return ENOMEM;
    L->group_line = gl;
    L->cap_aux = cap;
    return 0;
}

static ntstatus load_group(struct loader *L, char *fields)
{
    enum { K_NAME, K_SID, K_KIND, K_BUILTIN, K_COMMENT, NK };
    static const char *const keys[NK] = {"name", "sid", "kind", "builtin", "comment"};
    char *v[NK];
    struct sam *s = L->s;
    ntstatus st = read_fields(L, fields, keys, NK, v);
    if (!NT_SUCCESS(st))
        return st;
    const char *name = v[K_NAME];
    if (!name || !name_ok(name, SAM_GROUP_NAME_MAX - 1))
        return bad(L, "missing or bad group name");
    struct sid gs;
    const char *why = "missing";
    if (!v[K_SID] || sid_parse(v[K_SID], &gs, &why) != 0)
        return bad(L, "group %s: bad sid: %s", name, why);
    enum sam_group_kind kind;
    if (v[K_KIND] && strcmp(v[K_KIND], "alias") == 0)
        kind = SAM_GROUP_ALIAS;
    else if (v[K_KIND] && strcmp(v[K_KIND], "global") == 0)
        kind = SAM_GROUP_GLOBAL;
    else
        return bad(L, "group %s: kind must be alias or global", name);
    uint64_t builtin = 0;
    if (v[K_BUILTIN] && !parse_u(v[K_BUILTIN], 0, 1, &builtin))
        return bad(L, "group %s: builtin must be 0 or 1", name);
    if (v[K_COMMENT] && !text_ok(v[K_COMMENT]))
        return bad(L, "group %s: comment too long or not UTF-8", name);
    uint32_t rid;
    bool local = sid_split(&gs, &s->sid, &rid);
    if (!local && !sid_is_builtin_alias(&gs))
        return bad(L, "group %s: sid is neither BUILTIN nor of domain %s", name, s->name);
    if (kind == SAM_GROUP_GLOBAL && (!local || !s->dc))
        return bad(L, "group %s: global groups exist only in a domain controller's SAM", name);
    if (local && (rid == 0 || rid_taken(s, rid)))
        return bad(L, "group %s: RID %" PRIu32 " already used", name, rid);
    if (local && rid >= s->next_rid && rid < UINT32_MAX)
        s->next_rid = rid + 1;
    if (!local && sam_group_by_sid(s, &gs))
        return bad(L, "group %s: sid %s already used", name, v[K_SID]);
    if (name_taken(s, name, &st))
        return bad(L, "name %s already used", name);
    if (aux_reserve(L, s->ngroups + 1))
        return STATUS_NO_MEMORY;
    L->group_unsorted[s->ngroups] = 0;
    L->group_line[s->ngroups] = L->line;
    return group_append(s, name, v[K_COMMENT], &gs, kind, builtin == 1);
}

/* Appends without the sorted insert; the loader sorts at the end. */
static ntstatus load_add_member(struct loader *L, size_t gi, const struct sid *sid)
{
    struct sam_group *g = &L->s->groups[gi];
    if (members_reserve(g))
        return STATUS_NO_MEMORY;
    if (g->nmembers && sid_compare(&g->members[g->nmembers - 1], sid) >= 0)
        L->group_unsorted[gi] = 1;
    g->members[g->nmembers++] = *sid;
    return STATUS_SUCCESS;
}

static ntstatus parse_list(struct loader *L, char *v, const char *what, char **items,
                           size_t max, size_t *n)
{
    *n = 0;
    if (!*v)
        return STATUS_SUCCESS;
    for (char *p = v;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (*n == max)
            return bad(L, "too many %s", what);
        items[(*n)++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return STATUS_SUCCESS;
}

/* Exactly 2n hex digits into n bytes. */
static bool unhex(const char *v, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexdig((unsigned char)v[2 * i]);
        int lo = hi < 0 ? -1 : hexdig((unsigned char)v[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return v[2 * n] == 0;
}

static ntstatus load_user(struct loader *L, char *fields)
{
    /* in the order put_user writes them (read_fields is fastest that way) */
    enum {
        K_NAME, K_RID, K_NTHASH, K_FLAGS, K_PWD_LAST_SET, K_EXPIRES, K_FULLNAME, K_COMMENT,
        K_HOURS, K_WORKSTATIONS, K_BAD_COUNT, K_LAST_BAD, K_LOCKED_AT, K_LAST_LOGON, K_GROUPS, NK
    };
    static const char *const keys[NK] = {
        "name", "rid", "nthash", "flags", "pwd_last_set", "expires", "fullname", "comment",
        "hours", "workstations", "bad_count", "last_bad", "locked_at", "last_logon", "groups"};
    char *v[NK];
    struct sam *s = L->s;
    ntstatus st = read_fields(L, fields, keys, NK, v);
    if (!NT_SUCCESS(st))
        return st;
    /* built in place: the array slot after the last user */
    if (users_reserve(s, s->nusers + 1))
        return STATUS_NO_MEMORY;
    struct sam_user *u = &s->users[s->nusers];
    user_defaults_fast(u);
    uint64_t x;
    const char *name = v[K_NAME];
    if (!name || !name_ok(name, SAM_NAME_MAX))
        return bad(L, "missing or bad user name");
    str_copy(u->name, sizeof u->name, name);
    if (!v[K_RID] || !parse_u(v[K_RID], 1, UINT32_MAX, &x))
        return bad(L, "user %s: missing or bad rid", name);
    u->rid = (uint32_t)x;
    if (!v[K_NTHASH] || !unhex(v[K_NTHASH], u->nthash, 16))
        return bad(L, "user %s: nthash must be 32 hex digits", name);
    if (v[K_FLAGS] && *v[K_FLAGS]) {
        char *items[NFLAGS];
        size_t n;
        st = parse_list(L, v[K_FLAGS], "flags", items, NFLAGS, &n);
        if (!NT_SUCCESS(st))
            return st;
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < NFLAGS && strcmp(items[i], flag_names[k].name) != 0)
                k++;
            if (k == NFLAGS)
                return bad(L, "user %s: unknown flag \"%.32s\"", name, items[i]);
            u->flags |= flag_names[k].bit;
        }
    }
    static const unsigned tk[] = {K_PWD_LAST_SET, K_EXPIRES, K_LAST_BAD, K_LOCKED_AT, K_LAST_LOGON};
    int64_t *times[] = {&u->pwd_last_set, &u->expires, &u->last_bad, &u->locked_at, &u->last_logon};
    for (size_t i = 0; i < sizeof tk / sizeof tk[0]; i++)
        if (v[tk[i]] && !parse_time(v[tk[i]], times[i]))
            return bad(L, "user %s: bad %s", name, keys[tk[i]]);
    if (v[K_BAD_COUNT]) {
        if (!parse_u(v[K_BAD_COUNT], 0, UINT32_MAX, &x))
            return bad(L, "user %s: bad bad_count", name);
        u->bad_count = (uint32_t)x;
    }
    if (v[K_FULLNAME]) {
        if (!text_ok(v[K_FULLNAME]))
            return bad(L, "user %s: fullname too long or not UTF-8", name);
        str_copy(u->fullname, sizeof u->fullname, v[K_FULLNAME]);
    }
    if (v[K_COMMENT]) {
        if (!text_ok(v[K_COMMENT]))
            return bad(L, "user %s: comment too long or not UTF-8", name);
        str_copy(u->comment, sizeof u->comment, v[K_COMMENT]);
    }
    if (v[K_HOURS] && !unhex(v[K_HOURS], u->logon_hours, sizeof u->logon_hours))
        return bad(L, "user %s: hours must be %zu hex digits", name, 2 * sizeof u->logon_hours);
    if (v[K_WORKSTATIONS]) {
        char *items[SAM_WORKSTATIONS_MAX];
        size_t n;
        st = parse_list(L, v[K_WORKSTATIONS], "workstations", items, SAM_WORKSTATIONS_MAX, &n);
        if (!NT_SUCCESS(st))
            return st;
        for (size_t i = 0; i < n; i++)
            if (!name_ok(items[i], 15) || strchr(items[i], ' ') ||
                str_copy(u->workstations[i], sizeof u->workstations[i], items[i]))
                return bad(L, "user %s: bad workstation name", name);
    }
    uint64_t h = name_hash(name);
    if (name_taken_h(s, name, h, &st))
        return bad(L, "name %s already used", name);
    if (rid_taken(s, u->rid))
        return bad(L, "user %s: RID %" PRIu32 " already used", name, u->rid);
    if (u->rid >= s->next_rid && u->rid < UINT32_MAX)
        s->next_rid = u->rid + 1; /* never hand out a RID that is in use */
    st = user_commit_h(s, h);
    if (!NT_SUCCESS(st))
        return st; /* a failed load frees the whole SAM */
    struct sid us = s->sid; /* 4 sub-authorities: checked at the header */
    us.sub[us.count++] = u->rid;
    const char *gv = v[K_GROUPS];
    if (gv && L->last_ng && strcmp(gv, L->last_groups) == 0) {
        /* same list as the previous user: resolved and checked already */
        for (size_t i = 0; i < L->last_ng && NT_SUCCESS(st); i++)
            st = load_add_member(L, L->last_gidx[i], &us);
        return st;
    }
    bool cache = gv && str_copy(L->last_groups, sizeof L->last_groups, gv) == 0;
    L->last_ng = 0;
    size_t ng = 0;
    /* groups: any number; a repeat shows as this user already being the
     * group's last member, since its memberships are appended right here. */
    for (char *p = v[K_GROUPS]; p && *p && NT_SUCCESS(st);) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        size_t gi = idx_find(s, &s->group_names, group_key, p);
        if (gi == SIZE_MAX)
            return bad(L, "user %s: unknown group \"%.64s\"", name, p);
        const struct sam_group *g = &s->groups[gi];
        if (g->nmembers && sid_equal(&g->members[g->nmembers - 1], &us))
            return bad(L, "user %s: group %s listed twice", name, p);
        st = load_add_member(L, gi, &us);
        if (ng < sizeof L->last_gidx / sizeof L->last_gidx[0])
            L->last_gidx[ng] = gi;
        ng++;
        p = comma ? comma + 1 : NULL;
        if (p && !*p)
            return bad(L, "user %s: empty name in groups", name);
    }
    if (cache && NT_SUCCESS(st) && ng <= sizeof L->last_gidx / sizeof L->last_gidx[0])
        L->last_ng = ng;
    return st;
}

static ntstatus load_member(struct loader *L, char *fields)
{
    enum { K_GROUP, K_SID, NK };
    static const char *const keys[NK] = {"group", "sid"};
    char *v[NK];
    struct sam *s = L->s;
    ntstatus st = read_fields(L, fields, keys, NK, v);
    if (!NT_SUCCESS(st))
        return st;
    const char *group = v[K_GROUP];
    if (!group)
        return bad(L, "member: missing group");
    size_t gi = idx_find(s, &s->group_names, group_key, group);
    if (gi == SIZE_MAX)
        return bad(L, "member: unknown group \"%.64s\"", group);
    struct sid ms;
    const char *why = "missing";
    if (!v[K_SID] || sid_parse(v[K_SID], &ms, &why) != 0)
        return bad(L, "member of %s: bad sid: %s", group, why);
    st = member_allowed(s, &s->groups[gi], &ms);
    if (st == STATUS_NO_SUCH_USER)
        return bad(L, "member of %s: %s names no account of this SAM", group, v[K_SID]);
    if (!NT_SUCCESS(st))
        return bad(L, "member of %s: %s cannot be a member of this %s", group, v[K_SID],
                   s->groups[gi].kind == SAM_GROUP_GLOBAL ? "global group" : "alias");
    return load_add_member(L, gi, &ms);
}

static int cmp_sid(const void *a, const void *b)
{
    return sid_compare(a, b);
}

static ntstatus load_finish(struct loader *L)
{
    struct sam *s = L->s;
    if (!L->have_header) {
        L->line = L->line ? L->line : 1;
        return bad(L, "no \"sam\" header line");
    }
    for (size_t i = 0; i < s->ngroups; i++) {
        struct sam_group *g = &s->groups[i];
        if (L->group_unsorted[i])
            qsort(g->members, g->nmembers, sizeof *g->members, cmp_sid);
        for (size_t j = 1; j < g->nmembers; j++)
            if (sid_equal(&g->members[j - 1], &g->members[j])) {
                char sb[SID_STR_MAX];
                L->line = L->group_line[i];
                return bad(L, "group %s lists member %s twice", g->name,
                           sid_str(&g->members[j], sb));
            }
    }
    return STATUS_SUCCESS;
}

static ntstatus load_text(struct loader *L, char *text, size_t len)
{
    /* Size the arrays from the line count up front: one allocation each. */
    size_t lines = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + len - p))); p++)
        lines++;
    if (lines > len / 40 + 1)
        lines = len / 40 + 1; /* a user line takes at least 40 bytes */
    if (users_reserve(L->s, lines) || idx_rebuild(L->s, &L->s->user_names, user_key, 0, lines) ||
        ridx_alloc(&L->s->rids, lines) ||
        idx_rebuild(L->s, &L->s->group_names, group_key, 0, 16))
        return STATUS_NO_MEMORY;
    char *p = text, *end = text + len;
    const char *nul = memchr(text, 0, len);
    L->line = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        L->line++;
        if ((size_t)(eol - p) > SAM_LINE_MAX)
            return bad(L, "line longer than %d bytes", SAM_LINE_MAX);
        *eol = 0;
        if (eol > p && eol[-1] == '\r')
            *--eol = 0;
        char *line = p;
        p = nl ? nl + 1 : end;
        if (nul && nul >= line && nul < eol)
            return bad(L, "NUL byte in line");
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line || *line == '#')
            continue;
        char *kind = line, *fields = line;
        while (*fields && *fields != ' ' && *fields != '\t')
            fields++;
        if (*fields)
            *fields++ = 0;
        ntstatus st;
        if (strcmp(kind, "user") == 0 && L->have_header)
            st = load_user(L, fields);
        else if (strcmp(kind, "sam") == 0)
            st = load_header(L, fields);
        else if (!L->have_header)
            return bad(L, "expected the \"sam\" header line first");
        else if (strcmp(kind, "group") == 0)
            st = load_group(L, fields);
        else if (strcmp(kind, "member") == 0)
            st = load_member(L, fields);
        else
            return bad(L, "unknown record \"%.32s\"", kind);
        if (!NT_SUCCESS(st))
            return st;
    }
    return load_finish(L);
}

ntstatus sam_load(const char *path, struct sam **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    char *text;
    size_t len;
    int rc = afile_read(path, SAM_FILE_MAX, &text, &len);
    if (rc == ENOENT) {
        if (err && errlen)
            snprintf(err, errlen, "%s: no such file", path);
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, plat_strerror(rc));
        return rc == ENOMEM ? STATUS_NO_MEMORY
                            : rc == EFBIG ? STATUS_INTERNAL_DB_CORRUPTION : STATUS_IO_DEVICE_ERROR;
    }
    struct loader L = {.path = path, .err = err, .errlen = errlen};
    L.s = sam_alloc();
    ntstatus st = L.s ? load_text(&L, text, len) : STATUS_NO_MEMORY;
    free(text);
    free(L.group_unsorted);
    free(L.group_line);
    if (!NT_SUCCESS(st)) {
        if (st == STATUS_NO_MEMORY && err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        sam_free(L.s);
        return st;
    }
    *out = L.s;
    return STATUS_SUCCESS;
}

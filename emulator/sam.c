/* The SAM's account model: users and groups in arrays, with hash indexes
 * by name (case-insensitive, shared namespace) and by RID, so that loading
 * a 10,000-user SAM is linear and a logon's lookups are O(1); NT's rules
 * for names and memberships; the changes themselves, in memory. The text
 * format is samfile.c's, the guarded write path samstore.c's. */
#include "emulator/sam_int.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------ */



static size_t cap_for(size_t n)
{
    size_t c = 16;
    while (c < 2 * n)
        c *= 2;
    return c;
}



static size_t idx_find(const struct sam *s, const struct idx *x, sam_key_fn key, const char *name)
{
    return sam_idx_find_h(s, x, key, name, sam_name_hash(name));
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
    idx_put_h(x, sam_name_hash(name), i);
}

/* Rebuilds the index for n entries (capacity for at least `want`). */
static int idx_rebuild(const struct sam *s, struct idx *x, sam_key_fn key, size_t n, size_t want)
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
static int idx_add(const struct sam *s, struct idx *x, sam_key_fn key, size_t n)
{
    if (2 * (n + 1) > x->cap) {
        int rc = idx_rebuild(s, x, key, n, 2 * (n + 1));
        if (rc)
            return rc;
    }
    idx_put(x, key(s, n), n);
    return 0;
}


static void ridx_put_nogrow(struct ridx *r, uint32_t rid, uint32_t val)
{
    size_t mask = r->cap - 1;
    size_t i = (size_t)sam_rid_hash(rid) & mask;
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
    int rc = idx_rebuild(s, &s->user_names, sam_user_key, s->nusers, s->nusers + 1);
    if (!rc)
        rc = idx_rebuild(s, &s->group_names, sam_group_key, s->ngroups, s->ngroups + 1);
    if (!rc)
        rc = ridx_rebuild(s, s->nusers + s->ngroups + 1);
    return rc;
}

/* Member arrays grow by doubling whenever nmembers reaches a power of two,
 * so their capacity needs no field of its own. */
int sam_members_reserve(struct sam_group *g)
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
    if (sam_members_reserve(g))
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

/* Valid UTF-8 by the shared decoder's rules (no overlong forms,
 * surrogates or code points past U+10FFFF). */
static bool utf8_ok(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t left = strlen(p);
    while (left) {
        size_t len = 1;
        if (*s >= 0x80 && text_utf8_decode(s, left, &len) < 0)
            return false;
        s += len;
        left -= len;
    }
    return true;
}

/* NT account and group names: not empty, not all dots or spaces, no control
 * characters and none of " / \ [ ] : ; | = , + * ? < > . */
bool sam_name_ok(const char *name, size_t max)
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

bool sam_text_ok(const char *t)
{
    return strlen(t) < SAM_TEXT_MAX && utf8_ok(t);
}

/* A full name or comment as a change sets it: one line, as User Manager's
 * edit boxes take it (a line break would also end a scenario's line; a
 * SAM file written before this rule still loads: sam_text_ok). */
bool sam_text_line_ok(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return sam_text_ok(t);
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
    size_t i = idx_find(s, &s->user_names, sam_user_key, name);
    return i == SIZE_MAX ? NULL : &s->users[i];
}

struct sam_group *sam_group_find(const struct sam *s, const char *name)
{
    if (!name)
        return NULL;
    size_t i = idx_find(s, &s->group_names, sam_group_key, name);
    return i == SIZE_MAX ? NULL : &s->groups[i];
}

struct sam_user *sam_user_by_rid(const struct sam *s, uint32_t rid)
{
    uint32_t v;
    if (!sam_ridx_find(&s->rids, rid, &v) || (v & RID_GROUP))
        return NULL;
    return &s->users[v];
}

struct sam_group *sam_group_by_sid(const struct sam *s, const struct sid *sid)
{
    uint32_t rid, v;
    if (sid_split(sid, &s->sid, &rid)) {
        if (!sam_ridx_find(&s->rids, rid, &v) || !(v & RID_GROUP))
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
bool sam_domain_sid_ok(const struct sid *d)
{
    return d->authority == 5 && d->count == 4 && d->sub[0] == 21;
}

struct sam *sam_new(void)
{
    struct sam *s = calloc(1, sizeof(struct sam));
    if (s)
        s->store.lock.fd = -1;
    return s;
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
    sam_store_free(&s->store);
    free(s);
}

int sam_users_reserve(struct sam *s, size_t want)
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


bool sam_name_taken(const struct sam *s, const char *name, ntstatus *why)
{
    return sam_name_taken_h(s, name, sam_name_hash(name), why);
}


static uint32_t alloc_rid(struct sam *s)
{
    while (sam_rid_taken(s, s->next_rid))
        s->next_rid++;
    return s->next_rid++;
}

static void user_defaults(struct sam_user *u)
{
    memset(u, 0, sizeof *u);
    memset(u->logon_hours, 0xFF, sizeof u->logon_hours);
}

/* Indexes the user in the slot after the last one (h = its sam_name_hash)
 * and counts it. */
ntstatus sam_user_commit_h(struct sam *s, uint64_t h)
{
    size_t i = s->nusers;
    if (2 * (i + 1) > s->user_names.cap) {
        if (idx_rebuild(s, &s->user_names, sam_user_key, i, 2 * (i + 1)))
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
    return sam_user_commit_h(s, sam_name_hash(s->users[s->nusers].name));
}

/* Appends a user (name validated by the caller) and indexes it. */
static ntstatus user_append(struct sam *s, const struct sam_user *src)
{
    if (sam_users_reserve(s, s->nusers + 1))
        return STATUS_NO_MEMORY;
    s->users[s->nusers] = *src;
    return user_commit(s);
}

ntstatus sam_group_append(struct sam *s, const char *name, const char *comment,
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
    if (idx_add(s, &s->group_names, sam_group_key, i) ||
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
    return sam_group_append(s, name, comment, sid_wellknown(wk), SAM_GROUP_ALIAS, true);
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
    if (!name || !sam_name_ok(name, SAM_DOMAIN_NAME_MAX) || !domain_sid ||
        !sam_domain_sid_ok(domain_sid) || !admin_password ||
        !sam_password_len_ok(admin_password))
        return STATUS_INVALID_PARAMETER;
    struct sam *s = sam_new();
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
            st = sam_group_append(s, globals[i].name, globals[i].comment, &gs, SAM_GROUP_GLOBAL,
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
        sam_wipe(&u, sizeof u);
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

ntstatus sam_do_user_add(struct sam *s, const char *name, const char *password, int64_t now,
                      uint32_t *rid)
{
    if (!name || !sam_name_ok(name, SAM_NAME_MAX) || !password || !sam_password_len_ok(password))
        return STATUS_INVALID_PARAMETER;
    ntstatus st;
    if (sam_name_taken(s, name, &st))
        return st;
    struct sam_group *home = sam_group_find(s, s->dc ? "Domain Users" : "Users");
    struct sam_user u;
    user_defaults(&u);
    str_copy(u.name, sizeof u.name, name);
    u.rid = alloc_rid(s);
    u.pwd_last_set = now;
    sam_nthash(password, u.nthash);
    st = user_append(s, &u);
    sam_wipe(&u, sizeof u);
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

ntstatus sam_do_user_del(struct sam *s, const char *name)
{
    size_t i = name ? idx_find(s, &s->user_names, sam_user_key, name) : SIZE_MAX;
    if (i == SIZE_MAX)
        return STATUS_NO_SUCH_USER;
    /* NT refuses to delete the built-in accounts. */
    if (s->users[i].rid == SID_RID_ADMINISTRATOR || s->users[i].rid == SID_RID_GUEST)
        return STATUS_ACCESS_DENIED;
    struct sid us;
    sam_user_sid(s, &s->users[i], &us);
    drop_member_everywhere(s, &us);
    sam_wipe(&s->users[i], sizeof s->users[i]);
    memmove(&s->users[i], &s->users[i + 1], (s->nusers - i - 1) * sizeof *s->users);
    s->nusers--;
    return rebuild_all(s) ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

ntstatus sam_do_set_password(struct sam *s, const char *name, const char *password, int64_t now)
{
    struct sam_user *u = sam_user_find(s, name);
    if (!u)
        return STATUS_NO_SUCH_USER;
    if (!password || !sam_password_len_ok(password))
        return STATUS_INVALID_PARAMETER;
    sam_nthash(password, u->nthash);
    u->pwd_last_set = now;
    return STATUS_SUCCESS;
}

ntstatus sam_do_set_nthash(struct sam *s, const char *name, const uint8_t hash[16], int64_t now)
{
    struct sam_user *u = sam_user_find(s, name);
    if (!u)
        return STATUS_NO_SUCH_USER;
    if (!hash)
        return STATUS_INVALID_PARAMETER;
    memcpy(u->nthash, hash, 16);
    u->pwd_last_set = now;
    return STATUS_SUCCESS;
}

/* ---- groups ------------------------------------------------------------- */

ntstatus sam_do_group_add(struct sam *s, const char *name, enum sam_group_kind kind,
                       const char *comment)
{
    if (!name || !sam_name_ok(name, SAM_GROUP_NAME_MAX - 1) || (comment && !sam_text_ok(comment)))
        return STATUS_INVALID_PARAMETER;
    if (kind != SAM_GROUP_ALIAS && kind != SAM_GROUP_GLOBAL)
        return STATUS_INVALID_PARAMETER;
    if (kind == SAM_GROUP_GLOBAL && !s->dc)
        return STATUS_INVALID_PARAMETER; /* only a domain has global groups */
    ntstatus st;
    if (sam_name_taken(s, name, &st))
        return st;
    struct sid gs;
    sid_compose(&s->sid, alloc_rid(s), &gs);
    st = sam_group_append(s, name, comment, &gs, kind, false);
    if (!NT_SUCCESS(st))
        rebuild_all(s);
    return st;
}

ntstatus sam_do_group_del(struct sam *s, const char *name)
{
    size_t i = name ? idx_find(s, &s->group_names, sam_group_key, name) : SIZE_MAX;
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
ntstatus sam_member_allowed(const struct sam *s, const struct sam_group *g,
                               const struct sid *member)
{
    uint32_t rid, v;
    bool local = sid_split(member, &s->sid, &rid);
    bool local_user = local && sam_ridx_find(&s->rids, rid, &v) && !(v & RID_GROUP);
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

ntstatus sam_do_add_member(struct sam *s, const char *group, const struct sid *member)
{
    struct sam_group *g = sam_group_find(s, group);
    if (!g)
        return STATUS_NO_SUCH_GROUP;
    if (!member || member->count > SID_MAX_SUBAUTH)
        return STATUS_INVALID_PARAMETER;
    ntstatus st = sam_member_allowed(s, g, member);
    if (!NT_SUCCESS(st))
        return st;
    return member_insert(g, member);
}

ntstatus sam_do_remove_member(struct sam *s, const char *group, const struct sid *member)
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

/* ---- for the loader, the writer and the store ---------------------------- */

size_t sam_group_index(const struct sam *s, const char *name)
{
    return idx_find(s, &s->group_names, sam_group_key, name);
}

bool sam_local_user_index(const struct sam *s, const struct sid *sid, size_t *ui)
{
    uint32_t rid, v;
    if (!sid_split(sid, &s->sid, &rid) || !sam_ridx_find(&s->rids, rid, &v) || (v & RID_GROUP))
        return false;
    *ui = v;
    return true;
}

int sam_reserve(struct sam *s, size_t n)
{
    if (sam_users_reserve(s, n) || idx_rebuild(s, &s->user_names, sam_user_key, 0, n) ||
        ridx_alloc(&s->rids, n) || idx_rebuild(s, &s->group_names, sam_group_key, 0, 16))
        return ENOMEM;
    return 0;
}

struct sam *sam_clone(const struct sam *s)
{
    struct sam *c = sam_new();
    if (!c)
        return NULL;
    memcpy(c->name, s->name, sizeof c->name);
    c->sid = s->sid;
    c->dc = s->dc;
    c->next_rid = s->next_rid;
    if (sam_users_reserve(c, s->nusers + 1) || groups_reserve(c, s->ngroups + 1)) {
        sam_free(c);
        return NULL;
    }
    memcpy(c->users, s->users, s->nusers * sizeof *s->users);
    c->nusers = s->nusers;
    for (size_t i = 0; i < s->ngroups; i++, c->ngroups++) {
        const struct sam_group *g = &s->groups[i];
        c->groups[i] = *g;
        c->groups[i].members = NULL;
        if (!g->nmembers)
            continue;
        size_t cap = 4; /* the capacity sam_members_reserve gave g */
        while (cap < g->nmembers)
            cap *= 2;
        c->groups[i].members = malloc(cap * sizeof *g->members);
        if (!c->groups[i].members) {
            sam_free(c);
            return NULL;
        }
        memcpy(c->groups[i].members, g->members, g->nmembers * sizeof *g->members);
    }
    if (rebuild_all(c)) {
        sam_free(c);
        return NULL;
    }
    return c;
}

void sam_swap_model(struct sam *a, struct sam *b)
{
    struct sam t = *a;
    *a = *b;
    *b = t;
    struct sam_store st = a->store;
    a->store = b->store;
    b->store = st;
}

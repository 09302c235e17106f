/* The SAM's text file, sam.txt: writing a model out and reading one in.
 *
 * Format (UTF-8 text, LF line ends, CRLF accepted):
 *
 *   # comment lines and blank lines are ignored
 *   sam version=1 domain=EXCHSRV sid=S-1-5-21-1-2-3 dc=0 next_rid=1001
 *   group name=Administrators sid=S-1-5-32-544 kind=alias builtin=1 comment=...
 *   user name=alice rid=1000 nthash=<32 hex> pwd_last_set=899283600 groups=Users
 *   member group=Administrators sid=S-1-5-21-7-8-9-512
 *
 * One record per line: a kind word, then space-separated key=value fields in
 * any order. The "sam" header comes first. A record may only name groups
 * and accounts defined on earlier lines (the writer puts header, groups,
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
#include "emulator/sam_int.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAM_LINE_MAX 4096
#define SAM_VERSION 1

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
                size_t v;
                if (!sam_local_user_index(s, &g->members[j], &v))
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
    size_t ui;
    return sam_local_user_index(s, sid, &ui);
}

int sam_file_format(const struct sam *s, struct buf *out)
{
    char sidbuf[SID_STR_MAX];
    int rc = buf_puts(out, "# ntlab SAM (sam.txt): one record per line; format in emulator/samfile.c\n");
    rc = rc ? rc : buf_puts(out, "sam");
    rc = rc ? rc : put_num(out, "version", SAM_VERSION);
    rc = rc ? rc : put_field(out, "domain", s->name);
    rc = rc ? rc : put_field(out, "sid", sid_str(&s->sid, sidbuf));
    rc = rc ? rc : put_num(out, "dc", s->dc);
    rc = rc ? rc : put_num(out, "next_rid", s->next_rid);
    rc = rc ? rc : buf_putc(out, '\n');
    for (size_t i = 0; i < s->ngroups && !rc; i++) {
        const struct sam_group *g = &s->groups[i];
        rc = buf_puts(out, "group");
        rc = rc ? rc : put_field(out, "name", g->name);
        rc = rc ? rc : put_field(out, "sid", sid_str(&g->sid, sidbuf));
        rc = rc ? rc : put_field(out, "kind", g->kind == SAM_GROUP_GLOBAL ? "global" : "alias");
        if (!rc && g->builtin)
            rc = put_num(out, "builtin", 1);
        if (!rc && g->comment[0])
            rc = put_field(out, "comment", g->comment);
        rc = rc ? rc : buf_putc(out, '\n');
    }
    struct user_groups ug;
    if (!rc) {
        rc = user_groups_build(s, &ug);
        for (size_t i = 0; i < s->nusers && !rc; i++)
            rc = put_user(out, s, &s->users[i], &ug, i);
        user_groups_free(&ug);
    }
    for (size_t i = 0; i < s->ngroups && !rc; i++) {
        const struct sam_group *g = &s->groups[i];
        for (size_t j = 0; j < g->nmembers && !rc; j++) {
            if (is_local_user(s, &g->members[j]))
                continue; /* on the user's line */
            rc = buf_puts(out, "member");
            rc = rc ? rc : put_field(out, "group", g->name);
            rc = rc ? rc : put_field(out, "sid", sid_str(&g->members[j], sidbuf));
            rc = rc ? rc : buf_putc(out, '\n');
        }
    }
    return rc ? ENOMEM : 0;
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
    va_list ap;
    va_start(ap, fmt);
    text_file_verror(L->err, L->errlen, L->path, L->line, fmt, ap);
    va_end(ap);
    return STATUS_INTERNAL_DB_CORRUPTION;
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
            int hi = str_hexval(r[1]), lo = hi < 0 ? -1 : str_hexval(r[2]);
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
    if (!v[K_DOMAIN] || !sam_name_ok(v[K_DOMAIN], SAM_DOMAIN_NAME_MAX))
        return bad(L, "missing or bad domain name");
    str_copy(s->name, sizeof s->name, v[K_DOMAIN]);
    const char *why = "missing";
    if (!v[K_SID] || sid_parse(v[K_SID], &s->sid, &why) != 0)
        return bad(L, "bad domain sid: %s", why);
    if (!sam_domain_sid_ok(&s->sid))
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
    if (!name || !sam_name_ok(name, SAM_GROUP_NAME_MAX - 1))
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
    if (v[K_COMMENT] && !sam_text_ok(v[K_COMMENT]))
        return bad(L, "group %s: comment too long or not UTF-8", name);
    uint32_t rid;
    bool local = sid_split(&gs, &s->sid, &rid);
    if (!local && !sid_is_builtin_alias(&gs))
        return bad(L, "group %s: sid is neither BUILTIN nor of domain %s", name, s->name);
    if (kind == SAM_GROUP_GLOBAL && (!local || !s->dc))
        return bad(L, "group %s: global groups exist only in a domain controller's SAM", name);
    if (local && (rid == 0 || sam_rid_taken(s, rid)))
        return bad(L, "group %s: RID %" PRIu32 " already used", name, rid);
    if (local && rid >= s->next_rid && rid < UINT32_MAX)
        s->next_rid = rid + 1;
    if (!local && sam_group_by_sid(s, &gs))
        return bad(L, "group %s: sid %s already used", name, v[K_SID]);
    if (sam_name_taken(s, name, &st))
        return bad(L, "name %s already used", name);
    if (aux_reserve(L, s->ngroups + 1))
        return STATUS_NO_MEMORY;
    L->group_unsorted[s->ngroups] = 0;
    L->group_line[s->ngroups] = L->line;
    return sam_group_append(s, name, v[K_COMMENT], &gs, kind, builtin == 1);
}

/* Appends without the sorted insert; the loader sorts at the end. */
static ntstatus load_add_member(struct loader *L, size_t gi, const struct sid *sid)
{
    struct sam_group *g = &L->s->groups[gi];
    if (sam_members_reserve(g))
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

/* The defaults of a new user (sam.c) without clearing the text arrays past their first
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

/* A user line's groups=: any number of names; a repeat shows as this user
 * already being the group's last member, since its memberships are
 * appended right here. Most users share one list: the last is cached. */
static ntstatus load_user_groups(struct loader *L, const char *name, char *gv,
                                 const struct sid *us)
{
    struct sam *s = L->s;
    ntstatus st = STATUS_SUCCESS;
    if (gv && L->last_ng && strcmp(gv, L->last_groups) == 0) {
        /* same list as the previous user: resolved and checked already */
        for (size_t i = 0; i < L->last_ng && NT_SUCCESS(st); i++)
            st = load_add_member(L, L->last_gidx[i], us);
        return st;
    }
    bool cache = gv && str_copy(L->last_groups, sizeof L->last_groups, gv) == 0;
    L->last_ng = 0;
    size_t ng = 0;
    for (char *p = gv; p && *p && NT_SUCCESS(st);) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        size_t gi = sam_group_index(s, p);
        if (gi == SIZE_MAX)
            return bad(L, "user %s: unknown group \"%.64s\"", name, p);
        const struct sam_group *g = &s->groups[gi];
        if (g->nmembers && sid_equal(&g->members[g->nmembers - 1], us))
            return bad(L, "user %s: group %s listed twice", name, p);
        st = load_add_member(L, gi, us);
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
    if (sam_users_reserve(s, s->nusers + 1))
        return STATUS_NO_MEMORY;
    struct sam_user *u = &s->users[s->nusers];
    user_defaults_fast(u);
    uint64_t x;
    const char *name = v[K_NAME];
    if (!name || !sam_name_ok(name, SAM_NAME_MAX))
        return bad(L, "missing or bad user name");
    str_copy(u->name, sizeof u->name, name);
    if (!v[K_RID] || !parse_u(v[K_RID], 1, UINT32_MAX, &x))
        return bad(L, "user %s: missing or bad rid", name);
    u->rid = (uint32_t)x;
    if (!v[K_NTHASH] || str_unhex(v[K_NTHASH], u->nthash, 16))
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
        if (!sam_text_ok(v[K_FULLNAME]))
            return bad(L, "user %s: fullname too long or not UTF-8", name);
        str_copy(u->fullname, sizeof u->fullname, v[K_FULLNAME]);
    }
    if (v[K_COMMENT]) {
        if (!sam_text_ok(v[K_COMMENT]))
            return bad(L, "user %s: comment too long or not UTF-8", name);
        str_copy(u->comment, sizeof u->comment, v[K_COMMENT]);
    }
    if (v[K_HOURS] && str_unhex(v[K_HOURS], u->logon_hours, sizeof u->logon_hours))
        return bad(L, "user %s: hours must be %zu hex digits", name, 2 * sizeof u->logon_hours);
    if (v[K_WORKSTATIONS]) {
        char *items[SAM_WORKSTATIONS_MAX];
        size_t n;
        st = parse_list(L, v[K_WORKSTATIONS], "workstations", items, SAM_WORKSTATIONS_MAX, &n);
        if (!NT_SUCCESS(st))
            return st;
        for (size_t i = 0; i < n; i++)
            if (!sam_name_ok(items[i], 15) || strchr(items[i], ' ') ||
                str_copy(u->workstations[i], sizeof u->workstations[i], items[i]))
                return bad(L, "user %s: bad workstation name", name);
    }
    uint64_t h = sam_name_hash(name);
    if (sam_name_taken_h(s, name, h, &st))
        return bad(L, "name %s already used", name);
    if (sam_rid_taken(s, u->rid))
        return bad(L, "user %s: RID %" PRIu32 " already used", name, u->rid);
    if (u->rid >= s->next_rid && u->rid < UINT32_MAX)
        s->next_rid = u->rid + 1; /* never hand out a RID that is in use */
    st = sam_user_commit_h(s, h);
    if (!NT_SUCCESS(st))
        return st; /* a failed load frees the whole SAM */
    struct sid us = s->sid; /* 4 sub-authorities: checked at the header */
    us.sub[us.count++] = u->rid;
    return load_user_groups(L, name, v[K_GROUPS], &us);
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
    size_t gi = sam_group_index(s, group);
    if (gi == SIZE_MAX)
        return bad(L, "member: unknown group \"%.64s\"", group);
    struct sid ms;
    const char *why = "missing";
    if (!v[K_SID] || sid_parse(v[K_SID], &ms, &why) != 0)
        return bad(L, "member of %s: bad sid: %s", group, why);
    st = sam_member_allowed(s, &s->groups[gi], &ms);
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
    if (sam_reserve(L->s, lines))
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

ntstatus sam_file_parse(const char *path, char *text, size_t len, struct sam **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    struct loader L = {.path = path, .err = err, .errlen = errlen};
    L.s = sam_new();
    ntstatus st = L.s ? load_text(&L, text, len) : STATUS_NO_MEMORY;
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

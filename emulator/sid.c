#include "emulator/sid.h"
#include "src/lib/str.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define AUTH_MAX ((UINT64_C(1) << 48) - 1)

/* One '-'-separated field: digits only (or 0x + hex when hex_ok), value <= max. */
enum field_err { F_OK, F_EMPTY, F_NONNUM, F_TRAILING, F_RANGE };

static enum field_err parse_field(const char **pp, bool hex_ok, uint64_t max, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    bool range = false;
    size_t nd = 0;
    if (*p == '-' || *p == '\0')
        return F_EMPTY;
    if (hex_ok && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        for (;; p++, nd++) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if (*p >= 'a' && *p <= 'f')
                d = (unsigned)(*p - 'a' + 10);
            else if (*p >= 'A' && *p <= 'F')
                d = (unsigned)(*p - 'A' + 10);
            else
                break;
            if (v > (max >> 4))
                range = true;
            else
                v = v << 4 | d;
            if (v > max)
                range = true;
        }
        if (nd == 0)
            return F_NONNUM;
    } else {
        for (; *p >= '0' && *p <= '9'; p++, nd++) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (max - d) / 10)
                range = true;
            else
                v = v * 10 + d;
        }
        if (nd == 0)
            return F_NONNUM;
    }
    if (*p != '-' && *p != '\0')
        return F_TRAILING;
    if (range)
        return F_RANGE;
    *out = v;
    *pp = p;
    return F_OK;
}

static int fail(const char **why, const char *text)
{
    if (why)
        *why = text;
    return EINVAL;
}

int sid_parse(const char *s, struct sid *out, const char **why)
{
    if (!s)
        return fail(why, "no SID given");
    if (!((s[0] == 'S' || s[0] == 's') && s[1] == '-'))
        return fail(why, "missing \"S-\" prefix");
    const char *p = s + 2;
    uint64_t v;
    switch (parse_field(&p, false, UINT32_MAX, &v)) {
    case F_OK:
        break;
    case F_EMPTY:
        return fail(why, "empty revision field");
    case F_NONNUM:
        return fail(why, "non-numeric revision field");
    case F_TRAILING:
        return fail(why, "trailing characters after the revision");
    case F_RANGE:
        return fail(why, "revision is not 1");
    }
    if (v != 1)
        return fail(why, "revision is not 1");
    if (*p != '-')
        return fail(why, "missing identifier authority");
    p++;
    struct sid r = {.revision = 1};
    switch (parse_field(&p, true, AUTH_MAX, &r.authority)) {
    case F_OK:
        break;
    case F_EMPTY:
        return fail(why, "empty identifier authority field");
    case F_NONNUM:
        return fail(why, "non-numeric identifier authority field");
    case F_TRAILING:
        return fail(why, "trailing characters after the identifier authority");
    case F_RANGE:
        return fail(why, "identifier authority over 48 bits");
    }
    while (*p == '-') {
        p++;
        if (r.count == SID_MAX_SUBAUTH)
            return fail(why, "more than 15 sub-authorities");
        switch (parse_field(&p, false, UINT32_MAX, &v)) {
        case F_OK:
            break;
        case F_EMPTY:
            return fail(why, "empty sub-authority field");
        case F_NONNUM:
            return fail(why, "non-numeric sub-authority field");
        case F_TRAILING:
            return fail(why, "trailing characters after a sub-authority");
        case F_RANGE:
            return fail(why, "sub-authority over 32 bits");
        }
        r.sub[r.count++] = (uint32_t)v;
    }
    /* parse_field stops only at '-' or NUL, so *p is NUL here. */
    *out = r;
    if (why)
        *why = NULL;
    return 0;
}

int sid_format(const struct sid *s, char *out, size_t n)
{
    if (n == 0)
        return E2BIG;
    int k;
    /* NT prints authorities that do not fit 32 bits as 0x + 12 hex digits. */
    if (s->authority > UINT32_MAX)
        k = snprintf(out, n, "S-%u-0x%012" PRIX64, s->revision, s->authority);
    else
        k = snprintf(out, n, "S-%u-%" PRIu64, s->revision, s->authority);
    if (k < 0 || (size_t)k >= n)
        return E2BIG;
    size_t len = (size_t)k;
    for (unsigned i = 0; i < s->count && i < SID_MAX_SUBAUTH; i++) {
        k = snprintf(out + len, n - len, "-%" PRIu32, s->sub[i]);
        if (k < 0 || (size_t)k >= n - len)
            return E2BIG;
        len += (size_t)k;
    }
    return 0;
}

const char *sid_str(const struct sid *s, char buf[SID_STR_MAX])
{
    if (sid_format(s, buf, SID_STR_MAX) != 0)
        str_copy(buf, SID_STR_MAX, "S-?");
    return buf;
}

bool sid_equal(const struct sid *a, const struct sid *b)
{
    /* revision is always 1; ignoring it keeps equal/compare/hash consistent
     * for SIDs built by hand without setting it. */
    if (a->count != b->count || a->authority != b->authority)
        return false;
    return memcmp(a->sub, b->sub, a->count * sizeof a->sub[0]) == 0;
}

int sid_compare(const struct sid *a, const struct sid *b)
{
    if (a->authority != b->authority)
        return a->authority < b->authority ? -1 : 1;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    for (unsigned i = 0; i < a->count; i++)
        if (a->sub[i] != b->sub[i])
            return a->sub[i] < b->sub[i] ? -1 : 1;
    return 0;
}

static inline uint64_t mix64(uint64_t x)
{
    /* splitmix64 finalizer */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t sid_hash(const struct sid *s)
{
    uint64_t h = mix64(s->authority ^ ((uint64_t)s->count << 56));
    for (unsigned i = 0; i < s->count; i++)
        h = mix64(h ^ s->sub[i]);
    return h;
}

int sid_compose(const struct sid *domain, uint32_t rid, struct sid *out)
{
    if (domain->count >= SID_MAX_SUBAUTH)
        return E2BIG;
    struct sid r = *domain;
    r.sub[r.count++] = rid;
    *out = r;
    return 0;
}

bool sid_split(const struct sid *s, const struct sid *domain, uint32_t *rid)
{
    if (s->count != domain->count + 1 || s->authority != domain->authority)
        return false;
    if (memcmp(s->sub, domain->sub, domain->count * sizeof s->sub[0]) != 0)
        return false;
    if (rid)
        *rid = s->sub[domain->count];
    return true;
}

void sid_make_domain(uint32_t a, uint32_t b, uint32_t c, struct sid *out)
{
    *out = (struct sid){.revision = 1, .count = 4, .authority = 5, .sub = {21, a, b, c}};
}

struct wk_entry {
    struct sid sid;
    const char *name;
};

#define WK1(auth, a, nm) {{1, 1, auth, {a}}, nm}
#define WK2(auth, a, b, nm) {{1, 2, auth, {a, b}}, nm}
/* Indexed by enum sid_wk. Names: reference/nt-facts.md §5; Replicator as NT
 * 4.0 User Manager shows it. */
static const struct wk_entry wellknown[SID_WK_COUNT] = {
    [SID_WK_NULL] = WK1(0, 0, "NULL SID"),
    [SID_WK_EVERYONE] = WK1(1, 0, "Everyone"),
    [SID_WK_LOCAL] = WK1(2, 0, "LOCAL"),
    [SID_WK_CREATOR_OWNER] = WK1(3, 0, "CREATOR OWNER"),
    [SID_WK_CREATOR_GROUP] = WK1(3, 1, "CREATOR GROUP"),
    [SID_WK_DIALUP] = WK1(5, 1, "NT AUTHORITY\\DIALUP"),
    [SID_WK_NETWORK] = WK1(5, 2, "NT AUTHORITY\\NETWORK"),
    [SID_WK_BATCH] = WK1(5, 3, "NT AUTHORITY\\BATCH"),
    [SID_WK_INTERACTIVE] = WK1(5, 4, "NT AUTHORITY\\INTERACTIVE"),
    [SID_WK_SERVICE] = WK1(5, 6, "NT AUTHORITY\\SERVICE"),
    [SID_WK_ANONYMOUS] = WK1(5, 7, "NT AUTHORITY\\ANONYMOUS LOGON"),
    [SID_WK_AUTHENTICATED_USERS] = WK1(5, 11, "NT AUTHORITY\\Authenticated Users"),
    [SID_WK_SYSTEM] = WK1(5, 18, "NT AUTHORITY\\SYSTEM"),
    [SID_WK_BUILTIN] = WK1(5, 32, "BUILTIN"),
    [SID_WK_ADMINISTRATORS] = WK2(5, 32, 544, "BUILTIN\\Administrators"),
    [SID_WK_USERS] = WK2(5, 32, 545, "BUILTIN\\Users"),
    [SID_WK_GUESTS] = WK2(5, 32, 546, "BUILTIN\\Guests"),
    [SID_WK_POWER_USERS] = WK2(5, 32, 547, "BUILTIN\\Power Users"),
    [SID_WK_ACCOUNT_OPERATORS] = WK2(5, 32, 548, "BUILTIN\\Account Operators"),
    [SID_WK_SERVER_OPERATORS] = WK2(5, 32, 549, "BUILTIN\\Server Operators"),
    [SID_WK_PRINT_OPERATORS] = WK2(5, 32, 550, "BUILTIN\\Print Operators"),
    [SID_WK_BACKUP_OPERATORS] = WK2(5, 32, 551, "BUILTIN\\Backup Operators"),
    [SID_WK_REPLICATOR] = WK2(5, 32, 552, "BUILTIN\\Replicator"),
};
#undef WK1
#undef WK2

const struct sid *sid_wellknown(enum sid_wk which)
{
    if ((unsigned)which >= SID_WK_COUNT)
        return NULL;
    return &wellknown[which].sid;
}

const char *sid_wellknown_name(const struct sid *s)
{
    for (unsigned i = 0; i < SID_WK_COUNT; i++)
        if (sid_equal(s, &wellknown[i].sid))
            return wellknown[i].name;
    return NULL;
}

bool sid_wellknown_lookup(const char *name, struct sid *out)
{
    if (!name)
        return false;
    for (unsigned i = 0; i < SID_WK_COUNT; i++) {
        const char *full = wellknown[i].name;
        const char *bs = strchr(full, '\\');
        if (str_ieq(name, full) || (bs && str_ieq(name, bs + 1))) {
            *out = wellknown[i].sid;
            return true;
        }
    }
    return false;
}

bool sid_is_builtin_alias(const struct sid *s)
{
    return s->authority == 5 && s->count == 2 && s->sub[0] == 32 && s->sub[1] >= 500 &&
           s->sub[1] <= 599;
}

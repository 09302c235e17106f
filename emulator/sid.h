/* Security identifiers: parse, format, compare; the well-known SIDs with
 * their NT names; machine and domain SIDs with RIDs. */
#ifndef NTLAB_EMULATOR_SID_H
#define NTLAB_EMULATOR_SID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SID_MAX_SUBAUTH 15
/* "S-1-" + 48-bit authority + 15 x "-4294967295" fits comfortably. */
#define SID_STR_MAX 192

struct sid {
    uint8_t revision;  /* always 1 */
    uint8_t count;     /* number of sub-authorities, 0..15 */
    uint64_t authority; /* 48-bit identifier authority */
    uint32_t sub[SID_MAX_SUBAUTH];
};

/* Well-known RIDs. */
#define SID_RID_ADMINISTRATOR 500u
#define SID_RID_GUEST 501u
#define SID_RID_DOMAIN_ADMINS 512u
#define SID_RID_DOMAIN_USERS 513u
#define SID_RID_DOMAIN_GUESTS 514u
#define SID_RID_FIRST_ACCOUNT 1000u

/* Parses "S-1-5-21-1-2-3-1000" (case-insensitive "S", decimal fields, or a
 * 0x-prefixed hex authority as NT prints authorities >= 2^32).
 * Returns 0, or EINVAL with *why (static text, may be NULL) naming the
 * problem: missing "S-" prefix, revision not 1, empty or non-numeric field,
 * authority over 48 bits, sub-authority over 32 bits, more than 15
 * sub-authorities, trailing characters. */
int sid_parse(const char *s, struct sid *out, const char **why);
/* Formats into out (n >= SID_STR_MAX recommended). Returns 0 or E2BIG. */
int sid_format(const struct sid *s, char *out, size_t n);
/* Convenience: formats into a static-free caller buffer and returns it. */
const char *sid_str(const struct sid *s, char buf[SID_STR_MAX]);

bool sid_equal(const struct sid *a, const struct sid *b);
/* Total order (authority, count, sub-authorities) for sorting. */
int sid_compare(const struct sid *a, const struct sid *b);
/* 64-bit hash for hash tables. */
uint64_t sid_hash(const struct sid *s);

/* domain + rid: copies domain and appends rid. Returns 0 or E2BIG. */
int sid_compose(const struct sid *domain, uint32_t rid, struct sid *out);
/* True if s is domain plus exactly one RID; sets *rid. */
bool sid_split(const struct sid *s, const struct sid *domain, uint32_t *rid);
/* Builds S-1-5-21-a-b-c. */
void sid_make_domain(uint32_t a, uint32_t b, uint32_t c, struct sid *out);

/* Well-known SIDs. */
enum sid_wk {
    SID_WK_NULL,
    SID_WK_EVERYONE,
    SID_WK_LOCAL,
    SID_WK_CREATOR_OWNER,
    SID_WK_CREATOR_GROUP,
    SID_WK_DIALUP,
    SID_WK_NETWORK,
    SID_WK_BATCH,
    SID_WK_INTERACTIVE,
    SID_WK_SERVICE,
    SID_WK_ANONYMOUS,
    SID_WK_AUTHENTICATED_USERS,
    SID_WK_SYSTEM,
    SID_WK_BUILTIN,
    SID_WK_ADMINISTRATORS,
    SID_WK_USERS,
    SID_WK_GUESTS,
    SID_WK_POWER_USERS,
    SID_WK_ACCOUNT_OPERATORS,
    SID_WK_SERVER_OPERATORS,
    SID_WK_PRINT_OPERATORS,
    SID_WK_BACKUP_OPERATORS,
    SID_WK_REPLICATOR,
    SID_WK_COUNT
};

/* The SID of a well-known identity. */
const struct sid *sid_wellknown(enum sid_wk which);
/* Full NT name ("BUILTIN\Administrators", "NT AUTHORITY\SYSTEM", "Everyone")
 * of a well-known SID, or NULL when s is not well-known. */
const char *sid_wellknown_name(const struct sid *s);
/* Finds a well-known SID by full name or by the part after the backslash
 * ("Administrators", "SYSTEM"), case-insensitively. Returns true on a hit. */
bool sid_wellknown_lookup(const char *name, struct sid *out);
/* True for S-1-5-32-5xx (BUILTIN aliases). */
bool sid_is_builtin_alias(const struct sid *s);

#endif

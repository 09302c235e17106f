/* Exchange 5.x's credentials cache for clear-text (Basic) logons, after KB
 * Q166620 ("XGEN: Credentials Caching for Internet Protocols"):
 *   - only clear-text logons are cached, never NT Challenge/Response;
 *   - after LogonUser validated a user name and password, the store keeps
 *     the credentials "hashed using a secure hash" and the token; a later
 *     logon with the same credentials uses the cached token, so LogonUser
 *     is not called (which is why a changed password keeps working, and an
 *     account disabled meanwhile still logs on, until the entry expires);
 *   - an entry lives at most "Credentials Cache Age Limit" minutes
 *     (default 120) and is dropped after "Credentials Cache Idle Limit"
 *     minutes (default 15) without a logon using it;
 *   - "Credentials Cache Size" is 256 buckets by default; 0 turns caching
 *     off (a LogonUser for every session).
 * The cache lives in the running store's memory, so a service restart or
 * a reboot empties it.
 *
 * No clear password is kept: an entry is found by HMAC-MD5 over the
 * upper-cased domain, the upper-cased account and the password, keyed with
 * 16 random bytes drawn when the cache is made (each service start). One
 * entry per bucket (bucket = the MAC's first four bytes modulo the size);
 * a new entry replaces whatever held its bucket: the article gives the
 * size in buckets and no more, so the replacement rule is ntlab's choice.
 * Times are the lab clock's seconds. No globals; not thread-safe (the
 * store's single event loop owns it). */
#ifndef NTLAB_EXCHANGE_CREDCACHE_H
#define NTLAB_EXCHANGE_CREDCACHE_H
#include "emulator/token.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CREDCACHE_KEY_AGE "Credentials Cache Age Limit"   /* minutes */
#define CREDCACHE_KEY_IDLE "Credentials Cache Idle Limit" /* minutes */
#define CREDCACHE_KEY_SIZE "Credentials Cache Size"       /* buckets; 0 = off */
#define CREDCACHE_AGE_DEFAULT 120u
#define CREDCACHE_IDLE_DEFAULT 15u
#define CREDCACHE_SIZE_DEFAULT 256u
/* ntlab's bounds (the article gives none): a year of minutes, 64 Ki buckets */
#define CREDCACHE_MINUTES_MAX 525600u
#define CREDCACHE_SIZE_MAX 65536u

struct credcache_settings {
    uint32_t age_limit_min;  /* 0..CREDCACHE_MINUTES_MAX */
    uint32_t idle_limit_min; /* 0..CREDCACHE_MINUTES_MAX */
    uint32_t size;           /* buckets, 0..CREDCACHE_SIZE_MAX; 0 = off */
};

/* The article's defaults. */
void credcache_defaults(struct credcache_settings *s);
/* Whether every field is within its bound. */
bool credcache_settings_valid(const struct credcache_settings *s);

struct credcache_stats {
    uint32_t size;            /* buckets (0: the cache is off) */
    size_t entries;           /* live entries at the time asked */
    uint64_t hits, misses;    /* lookups since the cache was made */
    uint32_t age_limit_min, idle_limit_min;
};

struct credcache;

/* A new, empty cache with settings s (copied), keyed with fresh random
 * bytes. Returns 0, EINVAL (s NULL or out of bounds), ENOMEM, or
 * plat_random's error (no key: no cache). */
int credcache_new(const struct credcache_settings *s, struct credcache **out);
/* Wipes the key, the MACs and the tokens, and frees. NULL is fine. */
void credcache_free(struct credcache *c);

/* Looks up (domain, account, password) at time now. On a live entry:
 * copies its token into *tok, marks it used at now, counts a hit and
 * returns true. Otherwise counts a miss (an expired entry found on the way
 * is dropped) and returns false. A cache that is off (size 0) returns
 * false and counts nothing. NULL strings read as "". */
bool credcache_lookup(struct credcache *c, const char *domain, const char *account,
                      const char *password, int64_t now, struct token *tok);
/* Keeps tok for (domain, account, password), created and used at now,
 * replacing the bucket's entry. Does nothing when the cache is off, or
 * when memory for the entry is short (the logon still succeeded; the next
 * one calls LogonUser again). */
void credcache_insert(struct credcache *c, const char *domain, const char *account,
                      const char *password, int64_t now, const struct token *tok);
/* The counts and settings, entries counted as live at now. */
void credcache_stats(const struct credcache *c, int64_t now, struct credcache_stats *out);

#endif

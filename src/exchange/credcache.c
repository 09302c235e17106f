/* The store's credentials cache (credcache.h, KB Q166620). */
#include "src/exchange/credcache.h"
#include "src/lib/hmac_md5.h"
#include "src/lib/plat.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN 16
#define MAC_LEN 16
#define NAME_CAP 256 /* domain and account are cut here before hashing: LogonUser's own bounds are lower */

struct credcache_entry {
    uint8_t mac[MAC_LEN];
    int64_t created, used;
    struct token tok;
};

struct credcache {
    struct credcache_settings set;
    uint8_t key[KEY_LEN];
    struct credcache_entry **bucket; /* set.size slots; NULL = empty */
    uint64_t hits, misses;
};

void credcache_defaults(struct credcache_settings *s)
{
    s->age_limit_min = CREDCACHE_AGE_DEFAULT;
    s->idle_limit_min = CREDCACHE_IDLE_DEFAULT;
    s->size = CREDCACHE_SIZE_DEFAULT;
}

bool credcache_settings_valid(const struct credcache_settings *s)
{
    return s && s->age_limit_min <= CREDCACHE_MINUTES_MAX &&
           s->idle_limit_min <= CREDCACHE_MINUTES_MAX && s->size <= CREDCACHE_SIZE_MAX;
}

int credcache_new(const struct credcache_settings *s, struct credcache **out)
{
    *out = NULL;
    if (!credcache_settings_valid(s))
        return EINVAL;
    struct credcache *c = calloc(1, sizeof *c);
    if (!c)
        return ENOMEM;
    c->set = *s;
    int e = plat_random(c->key, sizeof c->key);
    if (e) {
        free(c);
        return e;
    }
    if (s->size && !(c->bucket = calloc(s->size, sizeof *c->bucket))) {
        credcache_free(c);
        return ENOMEM;
    }
    *out = c;
    return 0;
}

static void drop(struct credcache *c, uint32_t i)
{
    if (!c->bucket[i])
        return;
    plat_wipe(c->bucket[i], sizeof *c->bucket[i]);
    free(c->bucket[i]);
    c->bucket[i] = NULL;
}

void credcache_free(struct credcache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; c->bucket && i < c->set.size; i++)
        drop(c, i);
    free(c->bucket);
    plat_wipe(c, sizeof *c);
    free(c);
}

/* NT names compare without case: hash them upper-cased, cut at NAME_CAP. */
static void hash_name(struct hmac_md5_ctx *h, const char *s)
{
    char up[NAME_CAP];
    size_t n = 0;
    for (; s && s[n] && n < sizeof up; n++)
        up[n] = (char)toupper((unsigned char)s[n]);
    hmac_md5_update(h, up, n);
    hmac_md5_update(h, "", 1); /* a separator no name holds */
}

static void mac_of(const struct credcache *c, const char *domain, const char *account,
                   const char *password, uint8_t mac[MAC_LEN])
{
    struct hmac_md5_ctx h;
    hmac_md5_init(&h, c->key, sizeof c->key);
    hash_name(&h, domain);
    hash_name(&h, account);
    if (password)
        hmac_md5_update(&h, password, strlen(password));
    hmac_md5_final(&h, mac);
}

static uint32_t bucket_of(const struct credcache *c, const uint8_t mac[MAC_LEN])
{
    uint32_t v = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
                 (uint32_t)mac[3] << 24;
    return v % c->set.size;
}

/* Live at now: younger than the age limit and used within the idle limit. */
static bool live(const struct credcache *c, const struct credcache_entry *e, int64_t now)
{
    return now - e->created < (int64_t)c->set.age_limit_min * 60 &&
           now - e->used < (int64_t)c->set.idle_limit_min * 60;
}

static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t d = 0; /* without an early exit: the time says nothing of where they differ */
    for (size_t i = 0; i < MAC_LEN; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

bool credcache_lookup(struct credcache *c, const char *domain, const char *account,
                      const char *password, int64_t now, struct token *tok)
{
    if (!c || !c->set.size)
        return false;
    uint8_t mac[MAC_LEN];
    mac_of(c, domain, account, password, mac);
    uint32_t i = bucket_of(c, mac);
    struct credcache_entry *e = c->bucket[i];
    if (e && !live(c, e, now)) {
        drop(c, i);
        e = NULL;
    }
    bool hit = e && mac_equal(e->mac, mac);
    plat_wipe(mac, sizeof mac);
    if (!hit) {
        c->misses++;
        return false;
    }
    e->used = now;
    *tok = e->tok;
    c->hits++;
    return true;
}

void credcache_insert(struct credcache *c, const char *domain, const char *account,
                      const char *password, int64_t now, const struct token *tok)
{
    if (!c || !c->set.size)
        return;
    struct credcache_entry *e = malloc(sizeof *e);
    if (!e)
        return;
    mac_of(c, domain, account, password, e->mac);
    e->created = e->used = now;
    e->tok = *tok;
    uint32_t i = bucket_of(c, e->mac);
    drop(c, i);
    c->bucket[i] = e;
}

void credcache_stats(const struct credcache *c, int64_t now, struct credcache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    out->size = c->set.size;
    out->age_limit_min = c->set.age_limit_min;
    out->idle_limit_min = c->set.idle_limit_min;
    out->hits = c->hits;
    out->misses = c->misses;
    for (uint32_t i = 0; i < c->set.size; i++)
        if (c->bucket[i] && live(c, c->bucket[i], now))
            out->entries++;
}

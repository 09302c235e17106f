/* Per-address connection rate limit (ratelimit.h). */
#include "src/net/ratelimit.h"
#include <string.h>

void ratelimit_init(struct ratelimit *rl, uint32_t per_sec, bool loopback, uint32_t seed)
{
    memset(rl, 0, sizeof *rl);
    rl->per_sec = per_sec;
    rl->loopback = loopback;
    rl->seed = seed;
}

static bool addr_key(const struct sockaddr *sa, socklen_t len, uint8_t key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

/* 127.0.0.0/8 (IPv4, or mapped into IPv6 as ::ffff:127.x.y.z) or ::1. */
static bool key_loopback(const uint8_t key[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return (memcmp(key, mapped, 12) == 0 && key[12] == 127) || memcmp(key, one, 16) == 0;
}

bool ratelimit_is_loopback(const struct sockaddr *sa, socklen_t len)
{
    uint8_t key[16];
    return sa && addr_key(sa, len, key) && key_loopback(key);
}

/* FNV-1a over the seeded key. */
static uint32_t key_hash(const uint8_t key[16], uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;
    for (unsigned i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}

bool ratelimit_admit(struct ratelimit *rl, const struct sockaddr *sa, socklen_t len,
                     uint32_t now_s)
{
    uint8_t key[16];
    if (!rl->per_sec || !sa || !addr_key(sa, len, key) || (!rl->loopback && key_loopback(key)))
        return true;
    now_s = now_s + 1 ? now_s + 1 : 1; /* 0 marks an empty slot */
    struct ratelimit_slot *set = rl->slot[key_hash(key, rl->seed) % RATELIMIT_SETS], *use = NULL;
    for (unsigned w = 0; w < RATELIMIT_WAYS && !use; w++)
        if (set[w].sec && memcmp(set[w].key, key, 16) == 0)
            use = &set[w];
    if (!use) {
        /* a stale or empty slot, else the one counting least */
        use = &set[0];
        for (unsigned w = 0; w < RATELIMIT_WAYS; w++) {
            if (set[w].sec != now_s) {
                use = &set[w];
                break;
            }
            if (set[w].count < use->count)
                use = &set[w];
        }
        memcpy(use->key, key, 16);
        use->sec = now_s;
        use->count = 0;
    }
    if (use->sec != now_s) { /* decay: a new second starts a new count */
        use->sec = now_s;
        use->count = 0;
    }
    if (use->count < UINT32_MAX)
        use->count++;
    return use->count <= rl->per_sec;
}

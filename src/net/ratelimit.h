/* Per-source-address connection rate limit for the daemon: at most N
 * connections per address per second. Bounded memory whatever the number
 * of addresses: a fixed table of RATELIMIT_SETS hashed sets of
 * RATELIMIT_WAYS slots; a slot's count decays (resets) when its second
 * has passed, and a new address takes a stale slot, else the set's
 * least-counting one (so a flood of spoofed-looking addresses can evict a
 * counter early, never grow the table). */
#ifndef NTLAB_NET_RATELIMIT_H
#define NTLAB_NET_RATELIMIT_H
#include "src/lib/plat_sock.h"
#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SETS 1024u
#define RATELIMIT_WAYS 4u
#define RATELIMIT_DEFAULT 200u /* connections per address per second */

struct ratelimit_slot {
    uint8_t key[16]; /* IPv6 address; IPv4 as ::ffff:a.b.c.d */
    uint32_t sec;    /* the second the count belongs to; 0 = empty */
    uint32_t count;
};

struct ratelimit {
    uint32_t per_sec; /* 0 = off */
    uint32_t seed;    /* hash seed, so sets are not predictable from outside */
    struct ratelimit_slot slot[RATELIMIT_SETS][RATELIMIT_WAYS];
};

/* Sets up rl (caller-owned, about 100 KiB) for per_sec connections per
 * address per second; 0 turns the limit off. */
void ratelimit_init(struct ratelimit *rl, uint32_t per_sec, uint32_t seed);
/* Counts one connection from sa at monotonic second now_s and says whether
 * it is within the limit (true: admit). An address family other than
 * IPv4/IPv6 is never limited. */
bool ratelimit_admit(struct ratelimit *rl, const struct sockaddr *sa, socklen_t len,
                     uint32_t now_s);

#endif

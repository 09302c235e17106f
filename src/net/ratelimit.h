/* Per-source-address connection rate limit for the daemon: at most N
 * connections per address per second. Loopback sources (127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104) are exempt unless asked for: a local pipeline (the
 * scenario runner with --target, a benchmark) is the lab's own user, not
 * a flood, and runs thousands of sessions a second. Bounded memory whatever the number
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
/* Connections per non-loopback address per second: above what a class
 * behind one NAT address running scenarios needs, below what one host's
 * connect storm reaches (the bench's load generator: 14,000/s). */
#define RATELIMIT_DEFAULT 5000u

struct ratelimit_slot {
    uint8_t key[16]; /* IPv6 address; IPv4 as ::ffff:a.b.c.d */
    uint32_t sec;    /* the second the count belongs to; 0 = empty */
    uint32_t count;
};

struct ratelimit {
    uint32_t per_sec; /* 0 = off */
    bool loopback;    /* loopback sources are counted too */
    uint32_t seed;    /* hash seed, so sets are not predictable from outside */
    struct ratelimit_slot slot[RATELIMIT_SETS][RATELIMIT_WAYS];
};

/* Sets up rl (caller-owned, about 100 KiB) for per_sec connections per
 * address per second; 0 turns the limit off. loopback: count loopback
 * sources as well (else they are always admitted). */
void ratelimit_init(struct ratelimit *rl, uint32_t per_sec, bool loopback, uint32_t seed);
/* Whether sa is a loopback address (IPv4 127/8, IPv6 ::1, IPv4-mapped
 * 127/8). */
bool ratelimit_is_loopback(const struct sockaddr *sa, socklen_t len);
/* Counts one connection from sa at monotonic second now_s and says whether
 * it is within the limit (true: admit). An address family other than
 * IPv4/IPv6 is never limited, nor loopback unless rl counts it. */
bool ratelimit_admit(struct ratelimit *rl, const struct sockaddr *sa, socklen_t len,
                     uint32_t now_s);

#endif

/* Bulk delivery (issue 14 item 4: a 100,000-message maildrop in under
 * 10 s): maildrop_deliver_copies of 100,000 messages into a Maildir on
 * /dev/shm where it is writable (where the scenario runner keeps its labs),
 * else $TMPDIR. Peer: maildrop_deliver one by one (an fsync per message),
 * 2,000 messages, scaled; stub: the same loop calling a function that does
 * nothing. Prints the figures; fails only when one could not be measured. */
#include "src/mailstore/maildrop.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define COPIES 100000u
#define PEER 2000u

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline)) static int stub_deliver(const char *dir, const void *data, size_t len)
{
    __asm__ volatile("" : : "r"(dir), "r"(data), "r"(len) : "memory");
    return 0;
}

static int mkmd(char *dir, size_t n, const char *base, const char *tag)
{
    snprintf(dir, n, "%s/ntlab-bulk-bench-%s-XXXXXX", base, tag);
    return mkdtemp(dir) && maildrop_create(dir) == 0 ? 0 : -1;
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";
    static const char msg[] = "Subject: load\r\n\r\nx\r\n";
    char bulk[256], peer[256];
    if (mkmd(bulk, sizeof bulk, base, "copies") || mkmd(peer, sizeof peer, base, "one")) {
        perror("setup");
        return 1;
    }
    uint64_t got = 0;
    double t = now_ms();
    int rc = maildrop_deliver_copies(bulk, msg, sizeof msg - 1, 899283600, COPIES, &got);
    double bulk_ms = now_ms() - t;
    t = now_ms();
    for (unsigned i = 0; !rc && i < PEER; i++)
        rc = maildrop_deliver(peer, msg, sizeof msg - 1, 899283600, NULL, 0);
    double peer_ms = (now_ms() - t) * COPIES / PEER;
    t = now_ms();
    for (unsigned i = 0; !rc && i < COPIES; i++)
        rc = stub_deliver(bulk, msg, sizeof msg - 1);
    double stub_ms = now_ms() - t;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", bulk, peer);
    int clean = system(cmd);
    if (rc || got != COPIES || bulk_ms <= 0 || peer_ms <= 0) {
        fprintf(stderr, "bulk_bench: delivery failed (rc %d, %llu of %u)\n", rc,
                (unsigned long long)got, COPIES);
        return 1;
    }
    printf("bulk delivery of %u messages on %s: %.0f ms (limit 10000)\n", COPIES, base, bulk_ms);
    printf("  peer maildrop_deliver one by one (%u, scaled): %.0f ms; bulk/peer %.3f\n", PEER,
           peer_ms, bulk_ms / peer_ms);
    printf("  stub (do-nothing call per message): %.3f ms; bulk/stub %.0f\n", stub_ms,
           stub_ms > 0 ? bulk_ms / stub_ms : 0.0);
    return clean == 0 ? 0 : 1;
}

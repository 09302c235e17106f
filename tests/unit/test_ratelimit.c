/* src/net/ratelimit.c: the per-address connection rate limit. Loopback
 * sources are exempt unless asked for (issue 12: the default of 200/s
 * refused the benchmark's and the scenario runner's local sessions);
 * other addresses are counted per second, each on its own. */
#include "src/net/ratelimit.h"
#include "tests/unit/unit.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static socklen_t v4(struct sockaddr_storage *ss, const char *a)
{
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    memset(ss, 0, sizeof *ss);
    in->sin_family = AF_INET;
    CU_ASSERT_FATAL(inet_pton(AF_INET, a, &in->sin_addr) == 1);
    return sizeof *in;
}

static socklen_t v6(struct sockaddr_storage *ss, const char *a)
{
    struct sockaddr_in6 *in = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    in->sin6_family = AF_INET6;
    CU_ASSERT_FATAL(inet_pton(AF_INET6, a, &in->sin6_addr) == 1);
    return sizeof *in;
}

/* How many of n connections from sa within second now are admitted. */
static unsigned admitted(struct ratelimit *rl, const struct sockaddr_storage *ss, socklen_t sl,
                         unsigned n, uint32_t now)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        k += ratelimit_admit(rl, (const struct sockaddr *)ss, sl, now);
    return k;
}

static void test_loopback_exempt_by_default(void)
{
    struct ratelimit *rl = malloc(sizeof *rl);
    CU_ASSERT_FATAL(rl != NULL);
    ratelimit_init(rl, RATELIMIT_DEFAULT, false, 7);
    struct sockaddr_storage ss;
    static const char *const v4lo[] = {"127.0.0.1", "127.1.2.3"};
    static const char *const v6lo[] = {"::1", "::ffff:127.0.0.1"};
    /* a local pipeline: far past the per-address default in one second */
    for (unsigned i = 0; i < 2; i++) {
        socklen_t sl = v4(&ss, v4lo[i]);
        CU_ASSERT(admitted(rl, &ss, sl, 3 * RATELIMIT_DEFAULT, 1) == 3 * RATELIMIT_DEFAULT);
        sl = v6(&ss, v6lo[i]);
        CU_ASSERT(admitted(rl, &ss, sl, 3 * RATELIMIT_DEFAULT, 1) == 3 * RATELIMIT_DEFAULT);
    }
    /* a non-loopback address is still counted at the default */
    socklen_t sl = v4(&ss, "192.0.2.7");
    CU_ASSERT(admitted(rl, &ss, sl, RATELIMIT_DEFAULT + 10, 1) == RATELIMIT_DEFAULT);
    free(rl);
}

static void test_limit_counts_others(void)
{
    struct ratelimit *rl = malloc(sizeof *rl);
    CU_ASSERT_FATAL(rl != NULL);
    ratelimit_init(rl, 3, false, 0);
    struct sockaddr_storage a, b;
    socklen_t la = v4(&a, "192.0.2.7"), lb = v6(&b, "2001:db8::5");
    CU_ASSERT(admitted(rl, &a, la, 10, 5) == 3);
    CU_ASSERT(admitted(rl, &b, lb, 10, 5) == 3); /* each address on its own */
    CU_ASSERT(admitted(rl, &a, la, 10, 6) == 3); /* a new second, a new count */
    /* near-loopback addresses are not exempt */
    static const char *const v4no[] = {"128.0.0.1", "126.255.255.255", "10.127.0.1"};
    for (unsigned i = 0; i < 3; i++) {
        la = v4(&a, v4no[i]);
        CU_ASSERT(admitted(rl, &a, la, 10, 7) == 3);
        CU_ASSERT(!ratelimit_is_loopback((struct sockaddr *)&a, la));
    }
    static const char *const v6no[] = {"::2", "::ffff:10.0.0.1", "::127.0.0.1"};
    for (unsigned i = 0; i < 3; i++) {
        lb = v6(&b, v6no[i]);
        CU_ASSERT(admitted(rl, &b, lb, 10, 7) == 3);
        CU_ASSERT(!ratelimit_is_loopback((struct sockaddr *)&b, lb));
    }
    /* off: everyone admitted */
    ratelimit_init(rl, 0, true, 0);
    la = v4(&a, "192.0.2.7");
    CU_ASSERT(admitted(rl, &a, la, 1000, 5) == 1000);
    free(rl);
}

static void test_loopback_counted_when_asked(void)
{
    struct ratelimit *rl = malloc(sizeof *rl);
    CU_ASSERT_FATAL(rl != NULL);
    ratelimit_init(rl, 3, true, 0);
    struct sockaddr_storage ss;
    socklen_t sl = v4(&ss, "127.0.0.1");
    CU_ASSERT(ratelimit_is_loopback((struct sockaddr *)&ss, sl));
    CU_ASSERT(admitted(rl, &ss, sl, 10, 1) == 3);
    sl = v6(&ss, "::1");
    CU_ASSERT(ratelimit_is_loopback((struct sockaddr *)&ss, sl));
    CU_ASSERT(admitted(rl, &ss, sl, 10, 1) == 3);
    /* a truncated address is never limited (nothing to key on) */
    CU_ASSERT(admitted(rl, &ss, 4, 10, 1) == 10);
    free(rl);
}

void suite_ratelimit(void)
{
    UNIT_SUITE("ratelimit", UNIT_TEST(test_loopback_exempt_by_default),
               UNIT_TEST(test_limit_counts_others), UNIT_TEST(test_loopback_counted_when_asked));
}

/* Who may use the console (console.h, README "Teaching console: threat
 * model"). */
#include "src/console/console.h"
#if NTLAB_CONSOLE
#include "src/lib/str.h"
#include <stdio.h>
#include <string.h>

/* Equal in time independent of where they differ. */
static bool secret_equal(const char *given, const char *secret)
{
    size_t n = strlen(secret), g = strlen(given);
    unsigned char d = (unsigned char)(g != n);
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(secret[i] ^ (i < g ? given[i] : 0));
    return d == 0;
}

/* "127.0.0.1:8110", "localhost:8110" or "[::1]:8110" with our port. */
static bool host_ok(const char *host, unsigned port)
{
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; host && i < sizeof names / sizeof names[0]; i++) {
        char want[40];
        snprintf(want, sizeof want, "%s:%u", names[i], port);
        if (str_ieq(host, want))
            return true;
    }
    return false;
}

static bool is_read(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

int console_access_host(const struct console *c, const struct console_request *rq, char *why,
                        size_t n)
{
    if (!rq->peer_loopback) {
        snprintf(why, n, "the console serves loopback clients only");
        return 403;
    }
    if (!host_ok(rq->host, c->port)) {
        snprintf(why, n, "the Host header must be 127.0.0.1:%u, localhost:%u or [::1]:%u",
                 c->port, c->port, c->port);
        return 403;
    }
    return 0;
}

int console_access(const struct console *c, const struct console_request *rq, char *why,
                   size_t n)
{
    int st = console_access_host(c, rq, why, n);
    if (st)
        return st;
    if (!rq->token || !rq->token[0]) {
        snprintf(why, n, "no console token: open the URL that 'ntlab up --http' printed "
                         "(it ends in ?token=...)");
        return 401;
    }
    if (!secret_equal(rq->token, c->secret)) {
        snprintf(why, n, "wrong console token (the lab's is in its %s)", CONSOLE_SECRET_FILE);
        return 403;
    }
    if (!is_read(rq->method)) {
        char want[64];
        snprintf(want, sizeof want, "http://%s", rq->host);
        if (!rq->origin || !str_ieq(rq->origin, want)) {
            snprintf(why, n, "a request that changes the lab must come from the console's own "
                             "page (Origin %s)", want);
            return 403;
        }
    }
    return 0;
}
#endif

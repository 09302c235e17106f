/* Listen addresses (addr.h). */
#include "src/net/addr.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int parse_port(const char *s, in_port_t *out)
{
    int64_t v;
    if (!*s || str_to_i64(s, 1, 65535, &v))
        return EINVAL;
    *out = htons((in_port_t)v);
    return 0;
}

int net_addr_parse(const char *spec, struct net_addr *out)
{
    memset(out, 0, sizeof *out);
    if (!spec || !*spec || strlen(spec) > 80)
        return EINVAL;
    char host[96];
    const char *port;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            return EINVAL;
        if (str_copyn(host, sizeof host, spec + 1, (size_t)(close - spec - 1)))
            return EINVAL;
        port = close + 2;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
        s6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1 || parse_port(port, &s6->sin6_port))
            return EINVAL;
        out->len = sizeof *s6;
        return 0;
    }
    const char *colon = strrchr(spec, ':');
    if (!colon) {
        str_copy(host, sizeof host, NET_DEFAULT_ADDR);
        port = spec;
    } else {
        if (str_copyn(host, sizeof host, spec, (size_t)(colon - spec)))
            return EINVAL;
        port = colon + 1;
    }
    if (str_ieq(host, "localhost"))
        str_copy(host, sizeof host, "127.0.0.1");
    else if (strcmp(host, "*") == 0)
        str_copy(host, sizeof host, "0.0.0.0");
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
    s4->sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1 || parse_port(port, &s4->sin_port))
        return EINVAL;
    out->len = sizeof *s4;
    return 0;
}

int net_addr_check(const char *spec, char *why, size_t n)
{
    struct net_addr a;
    if (net_addr_parse(spec, &a) == 0)
        return 0;
    size_t len = spec ? strlen(spec) : 0;
    const char *colon = spec ? strrchr(spec, ':') : NULL;
    const char *port = colon ? colon + 1 : spec;
    const char *close = spec && spec[0] == '[' ? strchr(spec, ']') : NULL;
    int64_t v;
    if (!len)
        snprintf(why, n, "empty");
    else if (len > 80)
        snprintf(why, n, "longer than 80 characters");
    else if (spec[0] == '[' && (!close || close[1] != ':'))
        snprintf(why, n, "an IPv6 address needs the form [ADDR]:PORT");
    else if (!*port)
        snprintf(why, n, "no port after ':'");
    else if (str_to_i64(port, 1, 65535, &v))
        snprintf(why, n, "port '%.16s' is not a number from 1 to 65535", port);
    else if (colon == spec)
        snprintf(why, n, "no address before ':' (e.g. 127.0.0.1, 0.0.0.0 or *)");
    else
        snprintf(why, n, "'%.*s' is not a numeric IPv4 address, localhost, * or [IPv6]",
                 (int)(colon - spec), spec);
    return EINVAL;
}

/* Appends v in decimal at p; returns the end. */
static char *put_dec(char *p, unsigned v)
{
    char t[12];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(p, t + i, sizeof t - i);
    return p + (sizeof t - i);
}

void net_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *out, size_t n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        /* by hand: the daemon formats every connection's peer */
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        const unsigned char *b = (const unsigned char *)&s4->sin_addr;
        char t[sizeof "255.255.255.255:65535"], *p = t;
        for (unsigned i = 0; i < 4; i++) {
            p = put_dec(p, b[i]);
            *p++ = i < 3 ? '.' : ':';
        }
        p = put_dec(p, ntohs(s4->sin_port));
        size_t l = (size_t)(p - t);
        if (n) { /* cut to n - 1 bytes, as snprintf would */
            l = l < n - 1 ? l : n - 1;
            memcpy(out, t, l);
            out[l] = 0;
        }
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
        snprintf(out, n, "[%s]:%u", host, (unsigned)ntohs(s6->sin6_port));
    } else {
        snprintf(out, n, "?");
    }
}

void net_addr_format(const struct net_addr *a, char *out, size_t n)
{
    net_sockaddr_format((const struct sockaddr *)&a->ss, a->len, out, n);
}

int net_listen_tcp(const struct net_addr *a, int *fdp, char *err, size_t errlen)
{
    char as[NET_ADDR_STR_MAX];
    net_addr_format(a, as, sizeof as);
    int fd = plat_socket(a->ss.ss_family, SOCK_STREAM, 0, PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "listen on %s: socket: %s", as, strerror(e));
        return e;
    }
    (void)plat_sock_listen_opts(fd);
    (void)plat_sock_nodelay(fd); /* accepted sockets inherit it on Linux */
    if (a->ss.ss_family == AF_INET6)
        (void)plat_sock_v6only(fd);
    if (plat_bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
        int e = errno;
        in_port_t port = a->ss.ss_family == AF_INET
                             ? ((const struct sockaddr_in *)&a->ss)->sin_port
                             : ((const struct sockaddr_in6 *)&a->ss)->sin6_port;
        if (e == EACCES && ntohs(port) < 1024)
            snprintf(err, errlen,
                     "listen on %s: %s (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
                     as, strerror(e));
        else
            snprintf(err, errlen, "listen on %s: %s", as, strerror(e));
        plat_sock_close(fd);
        return e;
    }
    if (plat_listen(fd, 4096) != 0) {
        int e = errno;
        snprintf(err, errlen, "listen on %s: %s", as, strerror(e));
        plat_sock_close(fd);
        return e;
    }
    *fdp = fd;
    return 0;
}

void net_peer_set(struct net_peer *p, const struct sockaddr *sa, socklen_t len)
{
    memset(p, 0, sizeof *p);
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        p->family = 4;
        memcpy(p->ip, &s4->sin_addr, 4);
        p->port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        p->family = 6;
        memcpy(p->ip, &s6->sin6_addr, 16);
        p->port = ntohs(s6->sin6_port);
    }
}

void net_peer_format(const struct net_peer *p, char *out, size_t n)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len = 0;
    if (p->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, p->ip, 4);
        s4->sin_port = htons(p->port);
        len = sizeof *s4;
    } else if (p->family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, p->ip, 16);
        s6->sin6_port = htons(p->port);
        len = sizeof *s6;
    }
    net_sockaddr_format((const struct sockaddr *)&ss, len, out, n);
}

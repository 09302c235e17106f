/* TCP helpers for the runner (--target) and the recorder, over the
 * platform's sockets (src/lib/plat_sock.h: BSD sockets or Winsock). */
#include "src/scenario/tcp.h"
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int scn_tcp_split(const char *hostport, char host[SCN_HOST_MAX], char port[8], int allow_zero)
{
    const char *colon;
    if (hostport[0] == '[') {
        const char *close = strchr(hostport, ']');
        if (!close || close[1] != ':')
            return EINVAL;
        if (str_copyn(host, SCN_HOST_MAX, hostport + 1, (size_t)(close - hostport - 1)))
            return EINVAL;
        colon = close + 1;
    } else {
        colon = strrchr(hostport, ':');
        if (!colon || colon == hostport)
            return EINVAL;
        if (str_copyn(host, SCN_HOST_MAX, hostport, (size_t)(colon - hostport)))
            return EINVAL;
        if (strchr(host, ':'))
            return EINVAL; /* a bare IPv6 address needs brackets */
    }
    int64_t p;
    if (str_to_i64(colon + 1, allow_zero ? 0 : 1, 65535, &p))
        return EINVAL;
    snprintf(port, 8, "%d", (int)p);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_one(const struct addrinfo *ai, int64_t deadline, int *out)
{
    int fd = plat_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol,
                         PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = 0;
    if (plat_connect(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS && errno != EWOULDBLOCK) {
            rc = errno;
        } else {
            struct plat_pollfd p = {.fd = fd, .events = PLAT_POLLOUT};
            int64_t left = deadline - now_ms();
            int n = left > 0 ? plat_poll(&p, 1, (int)left) : 0;
            if (n == 0)
                rc = ETIMEDOUT;
            else if (n < 0)
                rc = errno;
            else
                rc = plat_sock_error(fd);
        }
    }
    if (rc) {
        plat_sock_close(fd);
        return rc;
    }
    plat_sock_nonblock(fd, false);
    plat_sock_nodelay(fd);
    *out = fd;
    return 0;
}

int scn_tcp_connect(const char *hostport, int timeout_ms, int *fd)
{
    char host[SCN_HOST_MAX], port[8];
    if (scn_tcp_split(hostport, host, port, 0))
        return EINVAL;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return EINVAL;
    int64_t deadline = now_ms() + timeout_ms;
    int rc = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        rc = connect_one(ai, deadline, fd);
        if (rc == 0 || rc == ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    return rc;
}

int scn_tcp_listen(const char *addrport, int *fd, char *bound, size_t boundlen)
{
    char host[SCN_HOST_MAX], port[8];
    if (scn_tcp_split(addrport, host, port, 1))
        return EINVAL;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return EINVAL;
    int rc = EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int s = plat_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol, PLAT_SOCK_CLOEXEC);
        if (s < 0) {
            rc = errno;
            continue;
        }
        plat_sock_listen_opts(s);
        if (plat_bind(s, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0 ||
            plat_listen(s, 16) != 0) {
            rc = errno;
            plat_sock_close(s);
            continue;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        char h[NI_MAXHOST], p[NI_MAXSERV];
        if (plat_getsockname(s, (struct sockaddr *)&ss, &sl) == 0 &&
            getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                        NI_NUMERICHOST | NI_NUMERICSERV) == 0)
            snprintf(bound, boundlen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
        else
            snprintf(bound, boundlen, "%s", addrport);
        *fd = s;
        rc = 0;
        break;
    }
    freeaddrinfo(res);
    return rc;
}

int scn_tcp_wait(int fd, int timeout_ms)
{
    struct plat_pollfd p = {.fd = fd, .events = PLAT_POLLIN};
    for (;;) {
        int n = plat_poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 ? -1 : n > 0;
    }
}

int scn_tcp_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = plat_send(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

ssize_t scn_tcp_recv(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t k = plat_recv(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        return k;
    }
}

void scn_tcp_close(int fd)
{
    if (fd >= 0)
        plat_sock_close(fd);
}

/* The control channel over TCP (ctltcp.h): secret files, the auth frame,
 * the client's connect. */
#include "src/net/ctltcp.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char auth_magic[4] = {'N', 'T', 'L', 'A'};
#define VERSION 1u

void ctltcp_secret_wipe(struct ctltcp_secret *s)
{
    /* volatile: a plain memset of memory about to die may be optimised out */
    volatile char *p = s->s;
    for (size_t i = 0; i < sizeof s->s; i++)
        p[i] = 0;
    s->len = 0;
}

int ctltcp_secret_load(const char *path, struct ctltcp_secret *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int fd;
    int e = plat_open_regular(path, PLAT_OPEN_NOFOLLOW, &fd);
    if (e == EISDIR || e == PLAT_ENOTREG) {
        snprintf(err, errlen, "control secret %s: not a regular file", path);
        return EINVAL;
    }
    if (e) {
        snprintf(err, errlen, "control secret %s: %s", path, strerror(e));
        return e;
    }
    e = plat_fd_private(fd);
    char buf[CTLTCP_SECRET_MAX + 3];
    ssize_t n = 0;
    if (e && e != EINVAL && e != EPERM) {
        snprintf(err, errlen, "control secret %s: %s", path, strerror(e));
    } else if (e == EINVAL) {
        snprintf(err, errlen, "control secret %s: not a regular file", path);
    } else if (e == EPERM) {
        snprintf(err, errlen,
                 "control secret %s: must be your own file, readable by nobody else (chmod 600)",
                 path);
    } else {
        /* One read more than the longest valid file tells "too long". */
        size_t got = 0;
        while (got < sizeof buf) {
            ssize_t r = read(fd, buf + got, sizeof buf - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                e = errno;
                snprintf(err, errlen, "control secret %s: %s", path, strerror(e));
                break;
            }
            if (r == 0)
                break;
            got += (size_t)r;
        }
        n = (ssize_t)got;
    }
    close(fd);
    if (e) {
        memset(buf, 0, sizeof buf);
        return e;
    }
    size_t len = (size_t)n;
    if (len && buf[len - 1] == '\n')
        len--;
    if (len && buf[len - 1] == '\r')
        len--;
    bool ok = len >= CTLTCP_SECRET_MIN && len <= CTLTCP_SECRET_MAX;
    for (size_t i = 0; ok && i < len; i++)
        ok = buf[i] > 0x20 && buf[i] < 0x7f;
    if (!ok) {
        memset(buf, 0, sizeof buf);
        snprintf(err, errlen,
                 "control secret %s: must be %u to %u printable characters without spaces", path,
                 CTLTCP_SECRET_MIN, CTLTCP_SECRET_MAX);
        return EINVAL;
    }
    memcpy(out->s, buf, len);
    out->s[len] = 0;
    out->len = len;
    memset(buf, 0, sizeof buf);
    return 0;
}

int ctltcp_spec_parse(const char *spec, struct net_addr *out)
{
    memset(out, 0, sizeof *out);
    if (!spec || strncmp(spec, "tcp:", 4) != 0)
        return EINVAL;
    return net_addr_parse(spec + 4, out);
}

int ctltcp_auth_encode(struct buf *b, const struct ctltcp_secret *s)
{
    unsigned char h[CTLTCP_AUTH_HEADER];
    memcpy(h, auth_magic, 4);
    h[4] = VERSION;
    uint32_t n = (uint32_t)s->len;
    h[5] = (unsigned char)(n >> 24);
    h[6] = (unsigned char)(n >> 16);
    h[7] = (unsigned char)(n >> 8);
    h[8] = (unsigned char)n;
    int e = buf_append(b, h, sizeof h);
    return e ? e : buf_append(b, s->s, s->len);
}

int ctltcp_auth_check(const void *data, size_t len, const struct ctltcp_secret *secret,
                      size_t *used)
{
    const unsigned char *d = data;
    *used = 0;
    size_t have = len < 4 ? len : 4;
    if (have && memcmp(d, auth_magic, have) != 0)
        return EPROTO;
    if (len < CTLTCP_AUTH_HEADER)
        return EAGAIN;
    if (d[4] != VERSION)
        return EPROTO;
    uint32_t n = (uint32_t)d[5] << 24 | (uint32_t)d[6] << 16 | (uint32_t)d[7] << 8 | d[8];
    if (n > CTLTCP_SECRET_MAX)
        return EPROTO;
    if (len - CTLTCP_AUTH_HEADER < n)
        return EAGAIN;
    /* Every byte of the daemon's secret is looked at whatever the input. */
    const unsigned char *got = d + CTLTCP_AUTH_HEADER;
    unsigned diff = n != secret->len;
    for (size_t i = 0; i < secret->len; i++)
        diff |= (unsigned)((i < n ? got[i] : 0) ^ (unsigned char)secret->s[i]);
    if (diff)
        return EACCES;
    *used = CTLTCP_AUTH_HEADER + n;
    return 0;
}

int ctltcp_client_open(const char *spec, const char *secret_file, struct buf *pre, int *fdp,
                       char *err, size_t errlen)
{
    *fdp = -1;
    struct net_addr a;
    if (ctltcp_spec_parse(spec, &a)) {
        snprintf(err, errlen, "%s: '%s' is not tcp:ADDR:PORT", CTLTCP_ENV, spec);
        return EINVAL;
    }
    if (!secret_file || !*secret_file) {
        snprintf(err, errlen, "%s is set but %s names no secret file", CTLTCP_ENV,
                 CTLTCP_SECRET_ENV);
        return EINVAL;
    }
    struct ctltcp_secret s;
    int e = ctltcp_secret_load(secret_file, &s, err, errlen);
    if (!e)
        e = ctltcp_auth_encode(pre, &s);
    ctltcp_secret_wipe(&s);
    if (e) {
        if (e == ENOMEM)
            snprintf(err, errlen, "out of memory");
        return e;
    }
    int fd = plat_socket(a.ss.ss_family, SOCK_STREAM, 0, PLAT_SOCK_NONBLOCK | PLAT_SOCK_CLOEXEC);
    if (fd < 0) {
        e = errno;
        snprintf(err, errlen, "control %s: %s", spec, strerror(e));
        return e;
    }
    if (plat_connect(fd, (struct sockaddr *)&a.ss, a.len) != 0 && errno != EINPROGRESS) {
        e = errno;
        snprintf(err, errlen, "control %s: %s", spec, strerror(e));
        plat_sock_close(fd);
        return e;
    }
    *fdp = fd;
    return 0;
}

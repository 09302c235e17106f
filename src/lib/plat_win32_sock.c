/* The platform layer on Windows, its sockets (plat_sock.h): Winsock
 * sockets as ntlab's int descriptors, poll and the event loop on WSAPoll,
 * and the stop requests (Ctrl-C, console close), which reach the event
 * loop through a socket pair. The rest is in plat_win32.c. */
#ifdef _WIN32
#define PLAT_WIN32_IMPL /* the whole Windows API, error names included (plat_sock.h) */
#include "src/lib/plat.h"
#include "src/lib/plat_sock.h"
#include "src/lib/plat_win32.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static int wsa_errno(int e)
{
    switch (e) {
    case WSAEWOULDBLOCK: return EAGAIN;
    case WSAEINPROGRESS:
    case WSAEALREADY: return EALREADY;
    case WSAEINTR: return EINTR;
    case WSAEBADF:
    case WSAENOTSOCK: return EBADF;
    case WSAEACCES: return EACCES;
    case WSAEFAULT:
    case WSAEINVAL: return EINVAL;
    case WSAEMFILE: return EMFILE;
    case WSAENOBUFS: return ENOBUFS;
    case WSAEADDRINUSE: return EADDRINUSE;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAEAFNOSUPPORT:
    case WSAEPFNOSUPPORT: return EAFNOSUPPORT;
    case WSAENETDOWN:
    case WSAENETUNREACH: return ENETUNREACH;
    case WSAEHOSTDOWN:
    case WSAEHOSTUNREACH: return EHOSTUNREACH;
    case WSAECONNABORTED: return ECONNABORTED;
    case WSAECONNRESET:
    case WSAENETRESET: return ECONNRESET;
    case WSAECONNREFUSED: return ECONNREFUSED;
    case WSAETIMEDOUT: return ETIMEDOUT;
    case WSAENOTCONN: return ENOTCONN;
    case WSAESHUTDOWN: return EPIPE;
    case WSAEISCONN: return EISCONN;
    case WSAEMSGSIZE: return EMSGSIZE;
    case WSAEOPNOTSUPP: return EOPNOTSUPP;
    default: return EIO;
    }
}

static int sock_fail(void)
{
    errno = wsa_errno(WSAGetLastError());
    return -1;
}

/* A SOCKET as ntlab's int: handle values are small multiples of 4. */
static SOCKET S(int fd)
{
    return fd < 0 ? INVALID_SOCKET : (SOCKET)(uintptr_t)(unsigned)fd;
}

int plat_win32_wsa_startup(void)
{
    WSADATA wd;
    int e = WSAStartup(MAKEWORD(2, 2), &wd);
    return e ? wsa_errno(e) : 0;
}

/* --- stop requests ---------------------------------------------------------------------- */

/* The write end for the console control handler, which gets no context:
 * the one piece of process-wide state in ntlab, set while a stop watch is
 * open. */
static volatile LONG64 stop_wr = -1;

static BOOL WINAPI on_console(DWORD type)
{
    LONG64 s = stop_wr;
    if (s < 0 || type > 255)
        return FALSE;
    char b = (char)type;
    send((SOCKET)s, &b, 1, 0);
    return TRUE; /* handled: the event loop stops in order */
}

int plat_stop_open(struct plat_stop *st)
{
    st->fd = st->aux = -1;
    int sv[2];
    int e = plat_socketpair(sv);
    if (e)
        return e;
    plat_sock_nonblock(sv[0], true);
    st->fd = sv[0];
    st->aux = sv[1];
    stop_wr = (LONG64)S(sv[1]);
    SetConsoleCtrlHandler(on_console, TRUE);
    return 0;
}

int plat_stop_take(struct plat_stop *st, char *name, size_t n)
{
    char b[16];
    int got = 0;
    int k;
    while ((k = recv(S(st->fd), b, (int)sizeof b, 0)) > 0) {
        int t = (unsigned char)b[k - 1];
        snprintf(name, n, "%s", t == CTRL_C_EVENT ? "Ctrl-C" : t == CTRL_BREAK_EVENT ? "Ctrl-Break"
                                : t == CTRL_CLOSE_EVENT ? "console closed" : "system shutdown");
        got = 1;
    }
    return got;
}

void plat_stop_close(struct plat_stop *st)
{
    if (st->fd < 0)
        return;
    SetConsoleCtrlHandler(on_console, FALSE);
    stop_wr = -1;
    plat_sock_close(st->fd);
    plat_sock_close(st->aux);
    st->fd = st->aux = -1;
}

/* --- sockets ----------------------------------------------------------------------------- */

/* Registers s as an int descriptor, or closes it if its value is too large. */
static int sock_int(SOCKET s)
{
    if (s == INVALID_SOCKET)
        return sock_fail();
    if ((uintptr_t)s > (uintptr_t)INT_MAX) {
        closesocket(s);
        errno = EMFILE;
        return -1;
    }
    return (int)(uintptr_t)s;
}

int plat_socket(int family, int type, int proto, int flags)
{
    int fd = sock_int(socket(family, type, proto));
    if (fd < 0)
        return -1;
    if (flags & PLAT_SOCK_CLOEXEC)
        SetHandleInformation((HANDLE)S(fd), HANDLE_FLAG_INHERIT, 0);
    if (flags & PLAT_SOCK_NONBLOCK) {
        int e = plat_sock_nonblock(fd, true);
        if (e) {
            closesocket(S(fd));
            errno = e;
            return -1;
        }
    }
    return fd;
}

int plat_sock_close(int fd)
{
    return closesocket(S(fd)) ? wsa_errno(WSAGetLastError()) : 0;
}

int plat_sock_nonblock(int fd, bool on)
{
    u_long v = on ? 1 : 0;
    return ioctlsocket(S(fd), FIONBIO, &v) ? wsa_errno(WSAGetLastError()) : 0;
}

int plat_sock_listen_opts(int fd)
{
    BOOL one = TRUE;
    return setsockopt(S(fd), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one)
               ? wsa_errno(WSAGetLastError())
               : 0;
}

int plat_sock_nodelay(int fd)
{
    BOOL one = TRUE;
    return setsockopt(S(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one)
               ? wsa_errno(WSAGetLastError())
               : 0;
}

int plat_sock_accepted_nodelay(int fd)
{
    return plat_sock_nodelay(fd);
}

int plat_sock_v6only(int fd)
{
    DWORD one = 1;
    return setsockopt(S(fd), IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&one, sizeof one)
               ? wsa_errno(WSAGetLastError())
               : 0;
}

int plat_sock_error(int fd)
{
    int e = 0;
    int sl = sizeof e;
    if (getsockopt(S(fd), SOL_SOCKET, SO_ERROR, (char *)&e, &sl) != 0)
        return wsa_errno(WSAGetLastError());
    return e ? wsa_errno(e) : 0;
}

int plat_unix_listen(const char *dir, const char *name, int backlog)
{
    (void)dir, (void)name, (void)backlog;
    errno = ENOSYS;
    return -1;
}

int plat_unix_connect(const char *dir, const char *name, int *fd)
{
    (void)dir, (void)name;
    *fd = -1;
    errno = ENOSYS;
    return -1;
}

bool plat_sock_peer_is_self(int fd)
{
    (void)fd; /* no Unix-domain sockets here: the control channel is TCP with a secret */
    return false;
}

int plat_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    return bind(S(fd), sa, len) ? sock_fail() : 0;
}

int plat_listen(int fd, int backlog)
{
    return listen(S(fd), backlog) ? sock_fail() : 0;
}

int plat_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (connect(S(fd), sa, len) == 0)
        return 0;
    int e = WSAGetLastError();
    errno = e == WSAEWOULDBLOCK ? EINPROGRESS : wsa_errno(e);
    return -1;
}

int plat_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
    return getsockname(S(fd), sa, len) ? sock_fail() : 0;
}

int plat_shutdown_wr(int fd)
{
    return shutdown(S(fd), SD_SEND) ? sock_fail() : 0;
}

int plat_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    int c = sock_int(accept(S(fd), sa, len));
    if (c < 0)
        return -1;
    if (flags & PLAT_SOCK_CLOEXEC)
        SetHandleInformation((HANDLE)S(c), HANDLE_FLAG_INHERIT, 0);
    /* Winsock hands the listener's non-blocking mode down; POSIX does not. */
    int e = plat_sock_nonblock(c, (flags & PLAT_SOCK_NONBLOCK) != 0);
    if (e) {
        closesocket(S(c));
        errno = e;
        return -1;
    }
    return c;
}

ssize_t plat_send(int fd, const void *p, size_t n)
{
    int k = send(S(fd), p, n > INT_MAX ? INT_MAX : (int)n, 0);
    return k < 0 ? sock_fail() : k;
}

ssize_t plat_recv(int fd, void *p, size_t n)
{
    int k = recv(S(fd), p, n > INT_MAX ? INT_MAX : (int)n, 0);
    return k < 0 ? sock_fail() : k;
}

int plat_socketpair(int sv[2])
{
    /* Loopback TCP: a listener on an ephemeral port, one connection, and a
     * check that the accepted peer is our own connecting socket. */
    sv[0] = sv[1] = -1;
    int l = plat_socket(AF_INET, SOCK_STREAM, 0, PLAT_SOCK_CLOEXEC);
    if (l < 0)
        return errno;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    int e = 0;
    plat_sock_listen_opts(l);
    if (plat_bind(l, (struct sockaddr *)&a, sizeof a) || plat_listen(l, 1) ||
        plat_getsockname(l, (struct sockaddr *)&a, &al))
        e = errno;
    int c = e ? -1 : plat_socket(AF_INET, SOCK_STREAM, 0, PLAT_SOCK_CLOEXEC);
    if (!e && c < 0)
        e = errno;
    if (!e && plat_connect(c, (struct sockaddr *)&a, sizeof a))
        e = errno;
    int s = -1;
    for (int tries = 0; !e && tries < 8; tries++) {
        struct sockaddr_in peer, mine;
        socklen_t pl = sizeof peer, ml = sizeof mine;
        s = plat_accept(l, (struct sockaddr *)&peer, &pl, PLAT_SOCK_CLOEXEC);
        if (s < 0) {
            e = errno;
            break;
        }
        if (plat_getsockname(c, (struct sockaddr *)&mine, &ml) == 0 &&
            peer.sin_port == mine.sin_port && peer.sin_addr.s_addr == mine.sin_addr.s_addr)
            break;
        plat_sock_close(s); /* someone else's connection: not ours */
        s = -1;
    }
    if (!e && s < 0)
        e = ECONNREFUSED;
    plat_sock_close(l);
    if (e) {
        if (c >= 0)
            plat_sock_close(c);
        return e;
    }
    sv[0] = s;
    sv[1] = c;
    return 0;
}

static short to_wsa(short ev)
{
    return (short)((ev & PLAT_POLLIN ? POLLRDNORM : 0) | (ev & PLAT_POLLOUT ? POLLWRNORM : 0));
}

static short from_wsa(short rev, short asked)
{
    short r = 0;
    if (rev & (POLLRDNORM | POLLRDBAND))
        r |= PLAT_POLLIN;
    if (rev & POLLWRNORM)
        r |= PLAT_POLLOUT;
    if (rev & (POLLERR | POLLNVAL))
        r |= PLAT_POLLERR;
    if (rev & POLLHUP) /* the end of the stream is there to read */
        r |= PLAT_POLLHUP | (asked & PLAT_POLLIN);
    return r;
}

/* WSAPoll over the entries with a descriptor; returns the ready count. */
static int wsa_poll(WSAPOLLFD *w, size_t nw, int timeout_ms)
{
    if (nw == 0) {
        if (timeout_ms > 0)
            Sleep((DWORD)timeout_ms);
        else if (timeout_ms < 0)
            Sleep(INFINITE);
        return 0;
    }
    int r = WSAPoll(w, (ULONG)nw, timeout_ms < 0 ? -1 : timeout_ms);
    return r < 0 ? sock_fail() : r;
}

int plat_poll(struct plat_pollfd *p, size_t n, int timeout_ms)
{
    WSAPOLLFD stackw[64];
    WSAPOLLFD *w = n <= 64 ? stackw : malloc(n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return -1;
    }
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) {
        p[i].revents = 0;
        if (p[i].fd < 0)
            continue;
        w[nw].fd = S(p[i].fd);
        w[nw].events = to_wsa(p[i].events);
        w[nw].revents = 0;
        nw++;
    }
    int r = wsa_poll(w, nw, timeout_ms);
    if (r > 0) {
        r = 0;
        for (size_t i = 0, k = 0; i < n; i++) {
            if (p[i].fd < 0)
                continue;
            p[i].revents = from_wsa(w[k++].revents, p[i].events);
            if (p[i].revents)
                r++;
        }
    }
    if (w != stackw)
        free(w);
    return r;
}

/* --- the event loop: a table polled with WSAPoll ---------------------------------------- */

struct ev_ent {
    int fd;
    uint32_t events;
    void *ptr;
};

struct plat_ev {
    struct ev_ent *e;
    WSAPOLLFD *w;
    size_t n, cap;
};

int plat_ev_new(struct plat_ev **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : ENOMEM;
}

static long ev_find(struct plat_ev *ev, int fd)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->e[i].fd == fd)
            return (long)i;
    return -1;
}

int plat_ev_add(struct plat_ev *ev, int fd, uint32_t events, void *ptr)
{
    if (fd < 0)
        return EBADF;
    if (ev_find(ev, fd) >= 0)
        return EEXIST;
    if (ev->n == ev->cap) {
        size_t nc = ev->cap ? ev->cap * 2 : 16;
        struct ev_ent *e = realloc(ev->e, nc * sizeof *e);
        if (!e)
            return ENOMEM;
        ev->e = e;
        WSAPOLLFD *w = realloc(ev->w, nc * sizeof *w);
        if (!w)
            return ENOMEM;
        ev->w = w;
        ev->cap = nc;
    }
    ev->e[ev->n++] = (struct ev_ent){fd, events, ptr};
    return 0;
}

int plat_ev_mod(struct plat_ev *ev, int fd, uint32_t events, void *ptr)
{
    long i = ev_find(ev, fd);
    if (i < 0)
        return ENOENT;
    ev->e[i].events = events;
    ev->e[i].ptr = ptr;
    return 0;
}

int plat_ev_del(struct plat_ev *ev, int fd)
{
    long i = ev_find(ev, fd);
    if (i < 0)
        return ENOENT;
    ev->e[i] = ev->e[--ev->n];
    return 0;
}

int plat_ev_wait(struct plat_ev *ev, struct plat_ev_event *out, int max, int timeout_ms)
{
    for (size_t i = 0; i < ev->n; i++) {
        uint32_t want = ev->e[i].events;
        ev->w[i].fd = S(ev->e[i].fd);
        ev->w[i].events = (short)((want & (PLAT_EV_IN | PLAT_EV_RDHUP) ? POLLRDNORM : 0) |
                                  (want & PLAT_EV_OUT ? POLLWRNORM : 0));
        ev->w[i].revents = 0;
    }
    int r = wsa_poll(ev->w, ev->n, timeout_ms);
    if (r <= 0)
        return r;
    int k = 0;
    for (size_t i = 0; i < ev->n && k < max; i++) {
        short rev = ev->w[i].revents;
        if (!rev)
            continue;
        uint32_t want = ev->e[i].events, got = 0;
        if (rev & (POLLRDNORM | POLLRDBAND))
            got |= PLAT_EV_IN;
        if (rev & POLLWRNORM)
            got |= PLAT_EV_OUT;
        if (rev & (POLLERR | POLLNVAL))
            got |= PLAT_EV_ERR;
        if (rev & POLLHUP)
            got |= PLAT_EV_HUP | (want & (PLAT_EV_IN | PLAT_EV_RDHUP));
        got &= want | PLAT_EV_ERR | PLAT_EV_HUP;
        if (!got)
            continue;
        out[k].events = got;
        out[k].ptr = ev->e[i].ptr;
        k++;
    }
    return k;
}

void plat_ev_free(struct plat_ev *ev)
{
    if (!ev)
        return;
    free(ev->e);
    free(ev->w);
    free(ev);
}

#else
typedef int plat_win32_sock_unused_; /* ISO C wants a non-empty translation unit */
#endif

/* Sockets through the platform layer: BSD sockets on POSIX, Winsock 2 on
 * Windows. A socket is an int on both systems (a Winsock SOCKET is a small
 * kernel handle value; -1 stands for INVALID_SOCKET). Failures set errno
 * with POSIX values on both systems (WSAEWOULDBLOCK becomes EWOULDBLOCK,
 * a connect in progress EINPROGRESS, ...), so callers test errno as usual.
 * This header brings in the system's socket headers. */
#ifndef NTLAB_LIB_PLAT_SOCK_H
#define NTLAB_LIB_PLAT_SOCK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef _WIN32
/* Only the socket API: the Windows error and status names (winerror.h,
 * winnt.h's STATUS_*) would collide with ntlab's own NT model
 * (emulator/nterr.h). plat_win32.c, which needs them, says PLAT_WIN32_IMPL. */
#ifndef PLAT_WIN32_IMPL
#define _WINERROR_
#define WIN32_NO_STATUS
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#ifndef PLAT_WIN32_IMPL
#undef WIN32_NO_STATUS
/* winnt.h's token attribute names: emulator/token.h has the model's own. */
#undef SE_PRIVILEGE_ENABLED_BY_DEFAULT
#undef SE_PRIVILEGE_ENABLED
#undef SE_PRIVILEGE_USED_FOR_ACCESS
#undef SE_PRIVILEGE_REMOVED
#endif
typedef unsigned short in_port_t;
#ifndef SHUT_WR
#define SHUT_WR SD_SEND
#endif
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

/* Flags for plat_socket and plat_accept. */
#define PLAT_SOCK_NONBLOCK 1
#define PLAT_SOCK_CLOEXEC 2

/* socket(family, type, proto) with the flags. -1 with errno on failure. */
int plat_socket(int family, int type, int proto, int flags);
int plat_sock_close(int fd);
/* Sets or clears non-blocking mode (fcntl O_NONBLOCK; ioctlsocket FIONBIO). */
int plat_sock_nonblock(int fd, bool on);
/* The option a listener sets before bind: SO_REUSEADDR on POSIX (restart
 * while old connections sit in TIME_WAIT); on Windows SO_EXCLUSIVEADDRUSE,
 * since SO_REUSEADDR there lets another process steal the port. */
int plat_sock_listen_opts(int fd);
/* TCP_NODELAY on. */
int plat_sock_nodelay(int fd);
/* TCP_NODELAY on a socket accepted from a listener that has it (set by
 * plat_sock_nodelay on the listener): nothing to do on Linux, where the
 * accepted socket inherits it (a system call less per connection), a
 * plat_sock_nodelay elsewhere. */
int plat_sock_accepted_nodelay(int fd);
/* IPV6_V6ONLY on. */
int plat_sock_v6only(int fd);
/* The socket's pending error (SO_ERROR) as an errno value; 0 when none. */
int plat_sock_error(int fd);
/* These return 0, or -1 with errno (connect: EINPROGRESS when a
 * non-blocking connect goes on). */
int plat_bind(int fd, const struct sockaddr *sa, socklen_t len);
int plat_listen(int fd, int backlog);
int plat_connect(int fd, const struct sockaddr *sa, socklen_t len);
int plat_getsockname(int fd, struct sockaddr *sa, socklen_t *len);
int plat_shutdown_wr(int fd);
/* accept with the flags; sa/len may be NULL. -1 with errno. */
int plat_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags);
/* send without SIGPIPE (EPIPE instead), recv: counts or -1 with errno. */
ssize_t plat_send(int fd, const void *p, size_t n);
ssize_t plat_recv(int fd, void *p, size_t n);
/* A connected pair of stream sockets (AF_UNIX; loopback TCP on Windows),
 * close-on-exec. 0 or an errno value. */
int plat_socketpair(int sv[2]);

/* Unix-domain stream sockets at dir/name (POSIX only: ENOSYS where
 * PLAT_HAS_UNIX_SOCKETS is 0). A path too long for sun_path is reached
 * through /proc/self/fd of the directory. plat_unix_listen replaces a
 * stale socket file, creates the socket owner-only (mode 0600) and
 * listens, non-blocking and close-on-exec; plat_unix_connect starts a
 * non-blocking connect (-1 with errno EINPROGRESS/EAGAIN: wait for
 * PLAT_POLLOUT, then plat_sock_error). Both return the descriptor or -1
 * with errno. */
int plat_unix_listen(const char *dir, const char *name, int backlog);
int plat_unix_connect(const char *dir, const char *name, int *fd);

/* Whether the peer of a connected Unix-domain socket runs as our own user
 * (SO_PEERCRED). Always false where PLAT_HAS_UNIX_SOCKETS is 0. */
bool plat_sock_peer_is_self(int fd);

/* poll() over sockets (WSAPoll on Windows). */
#define PLAT_POLLIN 0x001
#define PLAT_POLLOUT 0x004
#define PLAT_POLLERR 0x008
#define PLAT_POLLHUP 0x010
struct plat_pollfd {
    int fd; /* negative: ignored, revents 0 */
    short events, revents;
};
/* Returns the number of ready entries, 0 on timeout (timeout_ms < 0:
 * none), or -1 with errno. */
int plat_poll(struct plat_pollfd *p, size_t n, int timeout_ms);

/* --- the event loop ------------------------------------------------------------ */

/* Level-triggered readiness over many sockets, the shape of epoll: epoll
 * on Linux; on Windows a table polled with WSAPoll. ptr comes back with
 * each event; a descriptor appears at most once per wait. */
#define PLAT_EV_IN 0x001u
#define PLAT_EV_OUT 0x004u
#define PLAT_EV_ERR 0x008u
#define PLAT_EV_HUP 0x010u
#define PLAT_EV_RDHUP 0x2000u /* the peer shut down its side */
struct plat_ev;
struct plat_ev_event {
    uint32_t events;
    void *ptr;
};
int plat_ev_new(struct plat_ev **ev);
/* 0 or an errno value (EEXIST, ENOENT, ENOMEM). */
int plat_ev_add(struct plat_ev *ev, int fd, uint32_t events, void *ptr);
int plat_ev_mod(struct plat_ev *ev, int fd, uint32_t events, void *ptr);
int plat_ev_del(struct plat_ev *ev, int fd);
/* Whether closing a socket (its only descriptor) takes it out of every set
 * by itself, so that plat_ev_del before plat_sock_close can be left out:
 * epoll does; the Windows table must be told. */
#ifdef _WIN32
#define PLAT_EV_CLOSE_REMOVES 0
#else
#define PLAT_EV_CLOSE_REMOVES 1
#endif
/* Waits up to timeout_ms (-1: no limit). Returns the number of events
 * written to out (at most max), 0 on timeout, or -1 with errno. */
int plat_ev_wait(struct plat_ev *ev, struct plat_ev_event *out, int max, int timeout_ms);
void plat_ev_free(struct plat_ev *ev);

#endif

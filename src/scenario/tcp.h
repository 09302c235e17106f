/* The little TCP the scenario runner and the recorder need: parse
 * HOST:PORT, connect with a deadline, listen, and wait for bytes. Sockets
 * are the platform layer's (ints on both systems; close them with
 * scn_tcp_close, not close). */
#ifndef NTLAB_SCENARIO_TCP_H
#define NTLAB_SCENARIO_TCP_H
#include <stddef.h>
#include <sys/types.h>

#define SCN_HOST_MAX 256

/* Splits "HOST:PORT" or "[V6ADDR]:PORT" (PORT 1-65535; port 0 only when
 * allow_zero, for listeners). 0 or EINVAL. */
int scn_tcp_split(const char *hostport, char host[SCN_HOST_MAX], char port[8], int allow_zero);
/* Connects to hostport within timeout_ms. 0 with *fd set (blocking socket,
 * close-on-exec), or ECONNREFUSED, ETIMEDOUT, EINVAL (bad address),
 * EHOSTUNREACH/ENETUNREACH, or another errno value. */
int scn_tcp_connect(const char *hostport, int timeout_ms, int *fd);
/* Listens on addrport ("127.0.0.1:0" for any free port); bound receives
 * the address actually bound as "HOST:PORT". 0 or an errno value. */
int scn_tcp_listen(const char *addrport, int *fd, char *bound, size_t boundlen);
/* Waits up to timeout_ms for fd to be readable: 1 readable (or at EOF),
 * 0 timed out, -1 error (errno set). */
int scn_tcp_wait(int fd, int timeout_ms);
/* Writes all of data. 0 or an errno value (EPIPE when the peer is gone). */
int scn_tcp_send_all(int fd, const void *data, size_t len);
/* recv, retried on EINTR: bytes, 0 at EOF, -1 with errno. */
ssize_t scn_tcp_recv(int fd, void *buf, size_t n);
void scn_tcp_close(int fd);

#endif

/* The control channel over TCP, for a daemon whose administrator is on
 * another host: the QEMU appliance, where QEMU forwards a loopback port of
 * the host to the guest. TCP has no SO_PEERCRED, so a shared secret stands
 * in for "same user": the daemon serves TCP control only with a secret
 * file (`ntlab up --control tcp:ADDR:PORT --control-secret-file FILE`), and
 * a client opens every connection by presenting it, then speaks the same
 * request/response as on the Unix socket (control.h).
 *
 *   auth = "NTLA" VERSION(1 byte = 1) LEN(32-bit big-endian) secret
 *
 * The secret travels in clear: the channel is meant for a loopback port of
 * the host forwarded into a VM, not for a network. A client uses TCP when
 * NTLAB_CONTROL=tcp:HOST:PORT is set, with the secret from the file that
 * NTLAB_CONTROL_SECRET_FILE names; control_forward() then talks to that
 * endpoint only, never to a local lab. A secret file must be a regular file
 * of the caller's own, readable by nobody else (mode 0600 or stricter):
 * CTLTCP_SECRET_MIN..CTLTCP_SECRET_MAX printable ASCII bytes without
 * spaces, one optional line end after them. */
#ifndef NTLAB_NET_CTLTCP_H
#define NTLAB_NET_CTLTCP_H
#include "src/lib/buf.h"
#include "src/net/addr.h"
#include <stddef.h>

#define CTLTCP_ENV "NTLAB_CONTROL"
#define CTLTCP_SECRET_ENV "NTLAB_CONTROL_SECRET_FILE"
#define CTLTCP_SECRET_MIN 16u
#define CTLTCP_SECRET_MAX 256u
#define CTLTCP_AUTH_HEADER 9u /* magic, version, length */

struct ctltcp_secret {
    char s[CTLTCP_SECRET_MAX + 1];
    size_t len;
};

/* Loads a secret file (rules above). Returns 0, or an errno value with err
 * filled: ENOENT and other open/read errors, EPERM (another user's file,
 * or group/other may read it), EINVAL (not a regular file, too short or
 * too long, a byte that is not printable ASCII). */
int ctltcp_secret_load(const char *path, struct ctltcp_secret *out, char *err, size_t errlen);
/* Overwrites the secret in memory. */
void ctltcp_secret_wipe(struct ctltcp_secret *s);

/* Parses "tcp:ADDR:PORT" (ADDR as net_addr_parse takes it). 0 or EINVAL. */
int ctltcp_spec_parse(const char *spec, struct net_addr *out);

/* Appends the auth frame for s. 0 or ENOMEM. */
int ctltcp_auth_encode(struct buf *b, const struct ctltcp_secret *s);
/* Checks the auth frame at the start of data against the daemon's secret
 * (in time independent of where they differ). Returns 0 with *used = the
 * frame's length, EAGAIN (need more bytes), EACCES (a wrong secret) or
 * EPROTO (not an auth frame: a client that sent no secret). */
int ctltcp_auth_check(const void *data, size_t len, const struct ctltcp_secret *secret,
                      size_t *used);

/* The client side: parses the endpoint spec, loads the secret from
 * secret_file, appends the auth frame to pre and starts a non-blocking,
 * close-on-exec connect. Returns 0 with *fd connected or connecting (wait
 * for POLLOUT, then read SO_ERROR), or an errno value with err filled
 * (EINVAL: a bad spec or no secret file named). */
int ctltcp_client_open(const char *spec, const char *secret_file, struct buf *pre, int *fd,
                       char *err, size_t errlen);

#endif

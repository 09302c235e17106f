/* The local control channel where Unix-domain sockets are missing
 * (Windows: PLAT_HAS_UNIX_SOCKETS is 0). There the daemon serves control on
 * a loopback TCP port with a secret (ctltcp.h) and publishes the endpoint
 * in the lab, so that `ntlab -C LAB COMMAND` finds it as it finds
 * LAB/ntlab.ctl on POSIX:
 *   LAB/ntlab.ctl     "tcp:127.0.0.1:PORT\n" then the secret file's path
 *                     and "\n" (text, LF, written atomically)
 *   LAB/ntlab.secret  a fresh random secret (32 hex digits) made at each
 *                     start, owner-only where the system can say so
 * Without --control the daemon listens on 127.0.0.1 on a port the system
 * picks and uses LAB/ntlab.secret; with --control tcp:ADDR:PORT
 * --control-secret-file FILE, the file names that endpoint and FILE. */
#ifndef NTLAB_NET_CTLLOCAL_H
#define NTLAB_NET_CTLLOCAL_H
#include "src/net/addr.h"
#include <stddef.h>

#define CTLLOCAL_SECRET "ntlab.secret"
#define CTLLOCAL_SPEC_MAX 96

/* 127.0.0.1, port 0: the listener's address when --control is not given. */
void ctllocal_default_addr(struct net_addr *out);
/* Writes a fresh secret to LAB/ntlab.secret (mode 0600) and its path to
 * path. 0 or an errno value with err filled. */
int ctllocal_make_secret(const char *labdir, char *path, size_t n, char *err, size_t errlen);
/* Writes LAB/ntlab.ctl for the listening socket fd and the secret file.
 * 0 or an errno value with err filled. */
int ctllocal_publish(const char *labdir, int fd, const char *secret_path, char *err,
                     size_t errlen);
/* Reads LAB/ntlab.ctl: spec ("tcp:HOST:PORT") and the secret file's path.
 * 0, ENOENT (no daemon published one) or EINVAL (malformed). */
int ctllocal_lookup(const char *labdir, char *spec, size_t specn, char *secret_path,
                    size_t secretn);
/* Removes LAB/ntlab.ctl and LAB/ntlab.secret. */
void ctllocal_unlink(const char *labdir);

#endif

/* The daemon's control channel as a row of the listener table
 * (listener.h): the lab's own socket (LAB/ntlab.ctl: a Unix socket, owner
 * only; on Windows loopback TCP with a fresh secret, ctllocal.h) and,
 * with --control tcp:ADDR:PORT, a TCP listener whose clients show the
 * secret first (ctltcp.h). One request per connection (control.h): `status`
 * and `down` are answered here, everything else runs through
 * daemon_config.command. */
#ifndef NTLAB_NET_CTLCONN_H
#define NTLAB_NET_CTLCONN_H
#include "src/net/listener.h"

extern const struct listener_kind ctlconn_kind;

/* Opens the control listeners cfg asks for (and the lab's own) and adds
 * them to s. 0 or an errno value with err filled. */
int ctlconn_open(struct server *s, char *err, size_t errlen);
/* Closes the control listeners and removes what they published in the
 * lab (not when the lab was lost: a lab at that path now is another's);
 * wipes the secret. */
void ctlconn_free(struct server *s);

#endif

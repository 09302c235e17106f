/* An SMTP session on a machine's Internet Mail Service without a socket
 * (issue 18): the SMTP engine (src/smtp) with the IMS (src/exchange/ims.h)
 * as its backend, for the daemon's SMTP connections (smtpconn.c) and the
 * in-process scenario runner (src/scenario), which may not use the engine
 * directly. Bytes in, bytes out, as smtp.h describes. */
#ifndef NTLAB_NET_SMTPLOCAL_H
#define NTLAB_NET_SMTPLOCAL_H
#include "emulator/machine.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smtplocal;

/* Opens a session on m's running IMS for a client at peer (an address;
 * NULL: "unknown"), with the IMS's persona and host name; idle_timeout 0 is
 * the engine's default. The banner is queued. 0, ECONNREFUSED (no IMS
 * runs on m), ENOENT (ims.conf names no SMTP persona), ENOMEM. */
int smtplocal_open(struct machine *m, const char *peer, int64_t idle_timeout, int64_t now,
                   struct smtplocal **out);
/* As the engine's smtp_session_input/output/consume/tick/deadline/closed. */
size_t smtplocal_input(struct smtplocal *l, const void *data, size_t len, int64_t now);
const char *smtplocal_output(struct smtplocal *l, size_t *len);
void smtplocal_consume(struct smtplocal *l, size_t n, int64_t now);
void smtplocal_tick(struct smtplocal *l, int64_t now);
int64_t smtplocal_deadline(const struct smtplocal *l);
bool smtplocal_closed(const struct smtplocal *l);
/* Whether the IMS it opened on still runs. */
bool smtplocal_ims_running(const struct smtplocal *l);
/* Drops the session (a message before its final dot is gone) and the IMS
 * session. NULL is fine. */
void smtplocal_close(struct smtplocal *l);

#endif

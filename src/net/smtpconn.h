/* SMTP connections on the daemon's listeners (issue 18): the row of the
 * listener table (listener.h) that serves a machine's Internet Mail
 * Service (src/exchange/ims.h). Each connection drives one SMTP engine
 * session (src/smtp/smtp.h) whose backend is an ims_session: RCPT against
 * the mailbox directory, delivery into the Maildirs before the 250, AUTH
 * through LogonUser with the IMS's token. Modelled on pop3conn.c: one read
 * per readiness event, the engine's output sent as far as the socket takes
 * it, the log line of an AUTH outcome or a delivery written before the
 * reply it explains.
 *
 * Listeners (smtpconn_plan): one per machine with an msexchangeimc
 * service; --listen-smtp [NAME=]ADDR:PORT places one as --listen does for
 * POP3; the others get 127.0.0.1:1025, 1026, ... in lab order, unless a
 * --listen was given (then SMTP is served only where --listen-smtp says:
 * an invocation that places its POP3 listeners places its SMTP ones). */
#ifndef NTLAB_NET_SMTPCONN_H
#define NTLAB_NET_SMTPCONN_H
#include "src/net/listener.h"

#define SMTPCONN_DEFAULT_PORT 1025

extern const struct listener_kind smtpconn_kind;

/* Appends the SMTP listeners for lab (booted or not: services.conf says
 * which machines have an IMS) to ls[*nls..max). 0, or EINVAL with err
 * ("--listen-smtp 'SPEC': problem", too many listeners). */
int smtpconn_plan(struct lab *lab, const struct daemon_config *cfg, struct server_listen *ls,
                  size_t *nls, size_t max, char *err, size_t errlen);

#endif

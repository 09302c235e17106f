/* The Exchange Internet Mail Service (IMS, issue 18): the `msexchangeimc`
 * service image, a service of its own beside the store, with its own
 * account and logon token, and the backend an SMTP session runs against:
 * recipients resolved against this server's mailbox directory, delivery
 * into each recipient's Maildir, and SMTP AUTH through LogonUser with the
 * IMS's own token (KB Q235627: the IMS checks AUTH LOGIN with LogonUser;
 * a failure is Application event 4183, "Authentication attempt (AUTH
 * LOGIN) from HOST as USER failed: LogonUser() call failed with error:
 * TEXT"). So an IMS account without SeTcbPrivilege breaks AUTH the way the
 * store's breaks POP3 (Q189732), and a grant reaches it only at the IMS's
 * restart (the token is the snapshot its start took).
 *
 * This room knows no SMTP engine: src/net adapts these calls to the
 * engine's backend (src/smtp/smtp.h) and looks the persona name up there.
 *
 * Settings: m->dir/ims.conf (the IMS's own file, as the real IMS kept its
 * settings apart from the store's), "key = value" lines, '#' or ';'
 * comments, read at each start:
 *   domain = corp.example   the SMTP domain of this server's mailboxes
 *                           (default: the NT domain, lower case, plus
 *                           ".example"; a standalone machine: its name;
 *                           choice)
 *   persona = ims55         the SMTP persona (src/smtp/persona.h; default
 *                           IMS_DEFAULT_PERSONA)
 * A missing file is the defaults; a malformed one stops the start (event
 * IMS_EVENT_SETTINGS names the file and line). */
#ifndef NTLAB_EXCHANGE_IMS_H
#define NTLAB_EXCHANGE_IMS_H
#include "emulator/machine.h"
#include "src/mailstore/mail_logon.h"
#include <stdbool.h>
#include <stddef.h>

#define IMS_IMAGE "msexchangeimc"   /* the service image name */
#define IMS_SERVICE "MSExchangeIMC" /* the usual service name */
#define IMS_SOURCE "MSExchangeIMC"  /* its Application-log source */
#define IMS_PROCESS "MSExchangeIMC" /* logon process name in audits */
#define IMS_EVENT_AUTH_FAILED 4183u /* Q235627 */
#define IMS_EVENT_SETTINGS 4000u    /* ntlab's own: ims.conf unreadable */
#define IMS_CONF_FILE "ims.conf"
#define IMS_DEFAULT_PERSONA "ims55"
#define IMS_DOMAIN_MAX 253
#define IMS_NAME_MAX 63

/* Registers the msexchangeimc image with m's SCM (attached already).
 * Idempotent. 0, EINVAL, ENOSPC. */
int ims_register(struct machine *m);
/* The running IMS's service on m, or NULL. */
struct scm_service *ims_service(struct machine *m);
bool ims_running(struct machine *m);
/* The persona name the running IMS started with (NULL when none runs);
 * owned by the IMS, valid until something may stop it. */
const char *ims_persona_name(struct machine *m);

struct ims_session;

/* Opens a session on m's running IMS for a client at peer (its address,
 * copied; for event texts). 0, ECONNREFUSED (no IMS runs), ENOMEM. */
int ims_session_open(struct machine *m, const char *peer, struct ims_session **out);
/* Releases it. NULL is fine. */
void ims_session_close(struct ims_session *is);
/* Whether the IMS this session opened on still runs. */
bool ims_session_running(const struct ims_session *is);
/* The persona name and the host name ("exchsrv.corp.example") the IMS
 * started with; owned by the IMS, valid while is is open. */
const char *ims_session_persona(const struct ims_session *is);
const char *ims_session_host(const struct ims_session *is);

/* SMTP AUTH (login only; arg: an ims_session). Success is MAIL_LOGON_OK
 * with no maildrop: SMTP reads none. */
extern const struct mail_logon_ops ims_logon_ops;

/* RCPT: 0 when address is alias@domain with this IMS's domain
 * (case-insensitive) and alias in this server's mailbox directory; ENOENT
 * when not (an unknown alias, another domain: no relaying); EAGAIN when
 * the store does not run or the directory cannot be read. */
int ims_rcpt(struct ims_session *is, const char *address);

/* Delivers msg to the mailbox of every address (each as ims_rcpt accepted
 * it): all or none. Each copy is durable (maildrop_deliver: tmp, fsync,
 * new, fsync) before the next; if one fails, the copies already made are
 * removed again. 0, EAGAIN (the store does not run), ENOENT (a mailbox
 * vanished), or the delivery's errno. */
int ims_deliver(struct ims_session *is, const char *const *address, size_t n, const void *msg,
                size_t len);

#endif

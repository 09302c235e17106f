/* The store's logon helpers for its other files (store.c owns the store;
 * ntlmlogon.c is the NTLM path). Not for use outside src/exchange. */
#ifndef NTLAB_EXCHANGE_STORE_INT_H
#define NTLAB_EXCHANGE_STORE_INT_H
#include "src/exchange/exchange.h"
#include "src/mailstore/mail_logon.h"
#include "src/pop3/persona.h"
#include <stdbool.h>
#include <stdint.h>

struct machine;

/* False, with res set to system-error (ERROR_SERVICE_NOT_ACTIVE), once the
 * session's store has stopped. */
bool exchange_store_check_running(const struct exchange_session *es,
                                  struct mail_logon_result *res);
struct machine *exchange_store_machine(const struct exchange_session *es);
/* The mailbox with this alias on this server, or NULL. */
const struct exchange_mailbox *exchange_store_mailbox(const struct exchange_session *es,
                                                      const char *alias);
/* Opens mb's maildrop into res (OK, IN_USE or SYSTEM_ERROR; a failure logged
 * as cred's persona event). */
void exchange_store_open(struct exchange_session *es, const struct mail_logon_credentials *cred,
                         const char *domain, const struct exchange_mailbox *mb,
                         struct mail_logon_result *res);
/* Logs outcome e of cred's logon (domain as resolved) as the persona's
 * event table words it (store_events.h); call: the internal call that
 * failed; res: its code and text when it has them. */
void exchange_store_fail(struct exchange_session *es, const struct mail_logon_credentials *cred,
                         const char *domain, enum persona_event e, const char *call,
                         const struct mail_logon_result *res);
/* res's outcome, Win32 code and its text. */
void exchange_store_set_win32(struct mail_logon_result *res, enum mail_logon_outcome o,
                              uint32_t code);

/* ntlmlogon.c: mail_logon_ops.login_challenge and challenge_end for NTLM. */
enum mail_logon_step exchange_ntlm_step(void *arg, void **state, struct mail_logon_message *msg,
                                        struct mail_logon_result *res);
void exchange_ntlm_end(void *arg, void *state);

#endif

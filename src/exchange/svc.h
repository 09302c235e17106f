/* What the Exchange service images share (the information store,
 * msexchangeis, in store.c; the Internet Mail Service, msexchangeimc, in
 * ims.c): registering an image with the machine's service control manager,
 * finding the running service of an image, and writing an application-log
 * event. Owns nothing: the state a service hangs off svc->context stays
 * its image's. */
#ifndef NTLAB_EXCHANGE_SVC_H
#define NTLAB_EXCHANGE_SVC_H
#include "emulator/evtlog.h"
#include "emulator/machine.h"
#include "emulator/scm.h"
#include "emulator/token.h"
#include <stdbool.h>
#include <stdint.h>

/* The head of each image's state, its first member (svc_detach relies on
 * that): counted references (the service while it runs, plus one per
 * session) so that sessions outlive a stop or restart without dangling. */
struct svc_state {
    unsigned refs;
    bool running;       /* false once the service stopped */
    struct machine *m;
    struct token token; /* the service's logon token at start: the snapshot */
};

/* At start: the state's machine and the service's token; no reference yet. */
void svc_state_init(struct svc_state *b, struct machine *m, const struct scm_service *svc);
/* A start that succeeded: the service's reference, running, and the state
 * (whose first member is b) attached as svc->context. */
void svc_attach(struct svc_state *b, struct scm_service *svc);
/* A stop: marks the attached state stopped and detaches it. Returns it for
 * the image to drop the service's reference (NULL when none attached). */
void *svc_detach(struct scm_service *svc);
/* Drops one reference. True when it was the last: the token is wiped and
 * the caller frees the rest of its state. */
bool svc_state_unref(struct svc_state *b);

/* Registers the image (name, start, stop; no argument) with m's SCM, which
 * must be attached. 0 (also when the image is registered already), EINVAL
 * (no m or no SCM), or scm_register_image's errno. */
int svc_register(struct machine *m, const char *image,
                 ntstatus (*start)(void *arg, struct machine *m, struct scm_service *svc),
                 void (*stop)(void *arg, struct machine *m, struct scm_service *svc));

/* The first running service of m whose image is `image` (case-insensitive)
 * and that has its state attached; NULL when none, or no m or no SCM. */
struct scm_service *svc_running(struct machine *m, const char *image);

/* Writes an application-log event at the machine's clock; user NULL is
 * "N/A". Best effort: a machine with no event log or a failed write is
 * not an error for the service that reports (it has nowhere to say so). */
void svc_app_event(struct machine *m, const char *source, uint32_t id, enum evtlog_type type,
                   const char *user, const char *text);
#endif

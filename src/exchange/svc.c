/* The Exchange service images' shared parts (svc.h). */
#include "src/exchange/svc.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stddef.h>

int svc_register(struct machine *m, const char *image,
                 ntstatus (*start)(void *arg, struct machine *m, struct scm_service *svc),
                 void (*stop)(void *arg, struct machine *m, struct scm_service *svc))
{
    if (!m || !machine_scm(m))
        return EINVAL;
    const struct scm_image img = {image, start, stop, NULL};
    int e = scm_register_image(machine_scm(m), &img);
    return e == EEXIST ? 0 : e;
}

struct scm_service *svc_running(struct machine *m, const char *image)
{
    if (!m || !machine_scm(m))
        return NULL;
    for (size_t i = 0; i < scm_count(machine_scm(m)); i++) {
        struct scm_service *s = scm_at(machine_scm(m), i);
        if (s->state == SCM_RUNNING && s->context && str_ieq(s->image, image))
            return s;
    }
    return NULL;
}

void svc_app_event(struct machine *m, const char *source, uint32_t id, enum evtlog_type type,
                   const char *user, const char *text)
{
    if (machine_evtlog(m))
        (void)evtlog_write(machine_evtlog(m), EVTLOG_APPLICATION, machine_now(m), source, id, type,
                           0, user ? user : "N/A", text);
}

void svc_state_init(struct svc_state *b, struct machine *m, const struct scm_service *svc)
{
    b->m = m;
    b->token = svc->token;
}

void svc_attach(struct svc_state *b, struct scm_service *svc)
{
    b->refs = 1;
    b->running = true;
    svc->context = b;
}

void *svc_detach(struct scm_service *svc)
{
    struct svc_state *b = svc->context;
    if (b)
        b->running = false; /* sessions still holding it fail their next step */
    svc->context = NULL;
    return b;
}

bool svc_state_unref(struct svc_state *b)
{
    if (--b->refs)
        return false;
    plat_wipe(&b->token, sizeof b->token);
    return true;
}

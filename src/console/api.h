/* The console's API handlers, one file per group of paths: internal to
 * src/console. */
#ifndef NTLAB_CONSOLE_API_H
#define NTLAB_CONSOLE_API_H
#include "src/console/reply.h"
#if NTLAB_CONSOLE
#include <stdbool.h>

struct machine;
struct lsa;

#define API_MAX_SEGS 6
#define API_SEG_MAX 96

/* One request after access, its path after /api/v1/ in segments. */
struct api_call {
    struct console *c;
    const struct console_request *rq;
    struct console_response *rs;
    char (*seg)[API_SEG_MAX];
    size_t n;
};

/* machines, machines/NAME, machines/NAME/(restart|shutdown),
 * machines/NAME/services, machines/NAME/services/SVC/(start|stop).
 * Returns as console_handle. */
int api_machines(struct api_call *a);

/* A policy focus, as User Manager's Select Domain takes it ("CORP", or
 * "\\EXCHSRV" / "EXCHSRV" for a computer's own): its LSA, the machine that
 * names accounts for it (a domain's PDC: its SAM holds the domain's users),
 * its label. 0, or -1 with a->rs filled (404, or 400 for a DC's \\NAME). */
struct api_focus {
    struct lsa *lsa;
    struct machine *m;
    char label[40];
};
int api_focus(struct api_call *a, const char *given, struct api_focus *f);

/* rights/FOCUS, rights/FOCUS/(grant|revoke) (api_rights.c). */
int api_rights(struct api_call *a);
/* machines/NAME/events/LOG[/AFTER] for m (api_events.c). */
int api_events(struct api_call *a, struct machine *m);
/* users/FOCUS, users/FOCUS/NAME (api_users.c). */
int api_users(struct api_call *a);

/* focuses, accounts/FOCUS, groups/FOCUS (api_accounts.c). */
int api_accounts(struct api_call *a);
/* policy/FOCUS/account (api_policy.c). */
int api_policy(struct api_call *a);

/* export: the lab as `ntlab export` writes it (api_export.c). */
int api_export(struct api_call *a);
/* exercise, exercise/(check|hint) (api_exercise.c, issue 16). */
int api_exercise(struct api_call *a);

/* rs = 405 naming the methods path allows. */
int api_method(struct api_call *a, const char *allowed);
#endif
#endif

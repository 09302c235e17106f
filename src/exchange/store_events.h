/* The store's events as its persona words them (persona.h's event table):
 * the store's own files only. */
#ifndef NTLAB_EXCHANGE_STORE_EVENTS_H
#define NTLAB_EXCHANGE_STORE_EVENTS_H
#include "emulator/machine.h"
#include "src/pop3/persona.h"
#include <stdbool.h>
#include <stdint.h>

/* The facts of one outcome, as the insertion strings %1..%7; NULL members
 * (and the code when has_code is false) are inserts the outcome has no
 * value for. */
struct exchange_event_facts {
    const char *user;      /* %1 DOMAIN\account */
    const char *client;    /* %2 the client's address */
    const char *mailbox;   /* %3 */
    const char *call;      /* %4 the failing internal call */
    bool has_code;
    uint32_t code;         /* %5, decimal */
    const char *text;      /* %6 the code's FormatMessage text (or the problem) */
    const char *mechanism; /* %7 USER, APOP, PLAIN, ... */
};

/* Writes outcome e (code picks a win32.CODE row) to m's Application log
 * as persona p words it; nothing when p's row is "none" or m has no event
 * log. A failed write is the event log's to report (evtlog.h): a logon's
 * outcome does not change with it. */
void exchange_event_log(struct machine *m, const struct persona *p, enum persona_event e,
                        const struct exchange_event_facts *f);

#endif

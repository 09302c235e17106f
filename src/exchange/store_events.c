/* The store's events from the persona's table (store_events.h). */
#include "emulator/evtlog.h"
#include "src/exchange/store_events.h"
#include <stdio.h>

void exchange_event_log(struct machine *m, const struct persona *p, enum persona_event e,
                        const struct exchange_event_facts *f)
{
    const struct persona_event_row *row = persona_event(p, e, f->has_code ? f->code : 0);
    if (!row || !machine_evtlog(m))
        return;
    char code[12], text[EVTLOG_TEXT_MAX];
    snprintf(code, sizeof code, "%u", (unsigned)f->code);
    const char *const ins[PERSONA_EVENT_INSERTS] = {
        f->user, f->client, f->mailbox, f->call, f->has_code ? code : NULL,
        f->text, f->mechanism,
    };
    /* ENOSPC: the event log keeps EVTLOG_TEXT_MAX - 1 bytes anyway. */
    (void)persona_event_text(row, ins, text, sizeof text);
    (void)evtlog_write(machine_evtlog(m), EVTLOG_APPLICATION, machine_now(m), row->source,
                       row->id, (enum evtlog_type)row->type, row->category,
                       f->user && f->user[0] ? f->user : "N/A", text);
}

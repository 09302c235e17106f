/* /api/v1/machines/NAME/events/LOG[/AFTER]: Event Viewer's System,
 * Application and Security logs, through query_events (emulator/query.h):
 * up to EVENTS_PAGE records numbered above AFTER, oldest first; the client
 * pages (or polls) with the last record number it has. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "emulator/evtlog.h"
#include "emulator/machine.h"
#include "emulator/query.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS_PAGE 200u

static json_t *record_json(const struct evtlog_record *r)
{
    return json_pack("{s:I, s:I, s:s, s:I, s:s, s:I, s:s, s:s, s:s}", "record",
                     (json_int_t)r->record, "time", (json_int_t)r->time, "source", r->source,
                     "event_id", (json_int_t)r->event_id, "type", evtlog_type_name(r->type),
                     "category", (json_int_t)r->category, "user", r->user, "computer",
                     r->computer, "description", r->description);
}

int api_events(struct api_call *a, struct machine *m)
{
    if (strcmp(a->rq->method, "GET") != 0)
        return api_method(a, "GET");
    enum evtlog_which which;
    if (evtlog_parse_name(a->seg[3], &which))
        return reply_error(a->rs, 404, "no event log '%s' (System, Application or Security)",
                           a->seg[3]);
    int64_t after = 0;
    if (a->n == 5 && str_to_i64(a->seg[4], 0, UINT32_MAX, &after))
        return reply_error(a->rs, 400, "'%s' is not a record number", a->seg[4]);
    struct evtlog_record *recs = malloc(EVENTS_PAGE * sizeof *recs);
    if (!recs)
        return ENOMEM;
    size_t n = 0;
    ntstatus st = query_events(m, which, (uint32_t)after, recs, EVENTS_PAGE, &n);
    json_t *arr = st == STATUS_SUCCESS ? json_array() : NULL;
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, record_json(&recs[i]));
    free(recs);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND)
        return reply_error(a->rs, 409, "%s has no event log open (is it running?)",
                           machine_name(m));
    if (!arr)
        return ENOMEM;
    return reply_json(a->rs, 200, json_pack("{s:s, s:s, s:o, s:b}", "machine", machine_name(m),
                                            "log", evtlog_name(which), "events", arr, "more",
                                            n == EVENTS_PAGE));
}
#endif

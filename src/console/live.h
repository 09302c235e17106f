/* The console's live updates, transport-free: a snapshot of what the
 * pages show (each machine's power, its services' states, the last record
 * of each event log, a fingerprint of its rights policy), taken again and
 * compared with the last one on each lab-clock tick and right after a
 * write; each difference becomes one Server-Sent Event (name and JSON
 * data) handed to the caller, which owns the streams (src/net/httplive.c).
 * Reads go through emulator/query.h only. */
#ifndef NTLAB_CONSOLE_LIVE_H
#define NTLAB_CONSOLE_LIVE_H
#include "src/console/console.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVE_MAX_MACHINES 32  /* machines followed; a lab past this: the first 32 */
#define LIVE_MAX_SERVICES 64  /* services followed per machine */

struct console_live_machine {
    char name[16];
    bool running;
    uint32_t last_record[3]; /* System, Application, Security */
    uint64_t rights_fp;      /* fingerprint of the machine's policy focus */
    size_t nsvc;
    struct {
        char name[65];
        int state;
        uint64_t logon_id; /* its token's: a restart gives a new one */
    } svc[LIVE_MAX_SERVICES];
};

struct console_live {
    bool primed; /* a first snapshot exists: differences are events */
    size_t n;
    struct console_live_machine m[LIVE_MAX_MACHINES];
};

/* One event: name ("machine", "service", "event", "rights") and its JSON
 * object as text (valid during the call). */
typedef void (*console_live_emit)(void *arg, const char *event, const char *json);

/* Takes a new snapshot of lab into lv and calls emit for each difference
 * from the previous one (none on the first call, which only primes).
 * Events: "machine" {machine, running} when a machine went up or down;
 * "service" {machine, service, state}; "event" {machine, log, record,
 * event_id, source, type} per new record; "rights" {focus} when a
 * machine's policy (a DC's: its domain's) changed. Returns the number of
 * events emitted. */
size_t console_live_scan(struct console_live *lv, struct lab *lab, console_live_emit emit,
                         void *arg);

#endif

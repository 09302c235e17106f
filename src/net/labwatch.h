/* The daemon's once-a-second watch over the lab it serves.
 *
 * Its directory: deleting a served lab (rm -rf to start over) used to leave
 * its daemon holding the port, invisible to `down` and `status`. The daemon's pid file
 * (LAB/ntlab.pid, written before the watch starts) is the mark: the watch
 * keeps it open, so its inode cannot be reused, and compares LAB/ntlab.pid
 * with it (device and inode) about once a second. Once the path is gone or
 * names another file (the lab deleted, or replaced by a new `init`), the
 * daemon stops and writes nothing more there.
 *
 * Its clock: the running lab clock is written to lab.conf every
 * LABWATCH_CLOCK_SAVE_MS (lab_clock_save), so that after a kill the time
 * restarts little behind (and never behind the event logs: daemon.c). */
#ifndef NTLAB_NET_LABWATCH_H
#define NTLAB_NET_LABWATCH_H
#include "emulator/nterr.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LABWATCH_INTERVAL_MS 1000
#define LABWATCH_CLOCK_SAVE_MS 30000

struct lab;

struct labwatch {
    int fd;          /* LAB/ntlab.pid held open; -1 = not armed (always ok) */
    uint64_t dev, ino;
    int64_t next_ms; /* monotonic ms of the next look */
    int64_t next_save_ms; /* ... and of the next clock save */
};

/* Opens and identifies labdir's pid file; the first clock save is due
 * LABWATCH_CLOCK_SAVE_MS after now_ms. 0, or the errno of open/fstat (the
 * directory watch is then not armed; the clock is still saved). */
int labwatch_start(struct labwatch *w, const char *labdir, int64_t now_ms);
/* false once the pid file is gone or replaced, with the reason ("the lab
 * directory /x/lab was deleted") in why; looks at most once per
 * LABWATCH_INTERVAL_MS of now_ms (true in between). */
bool labwatch_ok(struct labwatch *w, const char *labdir, int64_t now_ms, char *why, size_t n);
enum labwatch_event {
    LABWATCH_OK,
    LABWATCH_LOST,        /* the lab is gone or replaced: stop, write nothing there */
    LABWATCH_SAVE_FAILED, /* the clock could not be written (msg says why) */
};
/* What the daemon's loop calls about once a second: labwatch_ok, then the
 * clock save when due. msg (for the log) is filled unless LABWATCH_OK. */
enum labwatch_event labwatch_tick(struct labwatch *w, struct lab *lab, int64_t now_ms, char *msg,
                                  size_t n);
/* The log line for a failed lab_clock_save. */
void labwatch_save_error(ntstatus st, char *msg, size_t n);
/* Closes what start opened. */
void labwatch_stop(struct labwatch *w);

#endif

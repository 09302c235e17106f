/* Whether the lab directory a daemon serves is still its own: deleting a
 * served lab (rm -rf to start over) used to leave its daemon holding the
 * port, invisible to `down` and `status`. The daemon's pid file
 * (LAB/ntlab.pid, written before the watch starts) is the mark: the watch
 * keeps it open, so its inode cannot be reused, and compares LAB/ntlab.pid
 * with it (device and inode) about once a second. Once the path is gone or
 * names another file (the lab deleted, or replaced by a new `init`), the
 * daemon stops and writes nothing more there. */
#ifndef NTLAB_NET_LABWATCH_H
#define NTLAB_NET_LABWATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LABWATCH_INTERVAL_MS 1000

struct labwatch {
    int fd;          /* LAB/ntlab.pid held open; -1 = not armed (always ok) */
    uint64_t dev, ino;
    int64_t next_ms; /* monotonic ms of the next look */
};

/* Opens and identifies labdir's pid file. 0, or the errno of open/fstat
 * (the watch is then not armed). */
int labwatch_start(struct labwatch *w, const char *labdir);
/* false once the pid file is gone or replaced, with the reason ("the lab
 * directory /x/lab was deleted") in why; looks at most once per
 * LABWATCH_INTERVAL_MS of now_ms (true in between). */
bool labwatch_ok(struct labwatch *w, const char *labdir, int64_t now_ms, char *why, size_t n);
/* Closes what start opened. */
void labwatch_stop(struct labwatch *w);

#endif

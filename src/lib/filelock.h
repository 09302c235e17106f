/* Advisory exclusive locks on a lock file (plat_lock: fcntl; LockFileEx on
 * Windows), used to serialize
 * writers of a state file across processes. */
#ifndef NTLAB_LIB_FILELOCK_H
#define NTLAB_LIB_FILELOCK_H
#include <stdbool.h>

struct filelock {
    int fd; /* -1 when not held */
};

/* Takes an exclusive lock on path (created if absent, mode 0600).
 * wait=false: fails at once with EWOULDBLOCK when another process holds it.
 * Returns 0 or an errno value. */
int filelock_acquire(struct filelock *l, const char *path, bool wait);
/* Releases the lock (no-op if not held). */
void filelock_release(struct filelock *l);
/* Releases the lock and removes the lock file at path: unlinked while
 * still held on POSIX; Windows cannot remove an open file, so there it is
 * closed first (a stale file without a lock means "nobody"). */
void filelock_release_remove(struct filelock *l, const char *path);

#endif

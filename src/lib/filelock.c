#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int filelock_acquire(struct filelock *l, const char *path, bool wait)
{
    l->fd = -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    /* Per open file: also excludes a second writer inside the same process
     * (two machines, or a test), which classic fcntl locks do not. */
    int e = plat_lock(fd, PLAT_LOCK_PER_OPEN | (wait ? PLAT_LOCK_WAIT : 0u));
    if (e) {
        close(fd);
        return e;
    }
    l->fd = fd;
    return 0;
}

void filelock_release(struct filelock *l)
{
    if (l->fd >= 0)
        close(l->fd); /* closing drops the lock */
    l->fd = -1;
}

void filelock_release_remove(struct filelock *l, const char *path)
{
    if (l->fd < 0)
        return;
    if (PLAT_WINDOWS) {
        filelock_release(l);
        unlink(path);
    } else {
        unlink(path);
        filelock_release(l);
    }
}

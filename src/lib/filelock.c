#define _GNU_SOURCE
#include "src/lib/filelock.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int filelock_acquire(struct filelock *l, const char *path, bool wait)
{
    l->fd = -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
#ifdef F_OFD_SETLK
    /* Open-file-description locks also exclude a second writer inside the
     * same process (two machines, or a test), which classic fcntl locks do not. */
    int cmd = wait ? F_OFD_SETLKW : F_OFD_SETLK;
#else
    int cmd = wait ? F_SETLKW : F_SETLK;
#endif
    while (fcntl(fd, cmd, &fl)) {
        if (errno == EINTR)
            continue;
        int e = (errno == EACCES || errno == EAGAIN) ? EWOULDBLOCK : errno;
        close(fd);
        return e;
    }
    l->fd = fd;
    return 0;
}

void filelock_release(struct filelock *l)
{
    if (l->fd >= 0)
        close(l->fd); /* closing drops the fcntl lock */
    l->fd = -1;
}

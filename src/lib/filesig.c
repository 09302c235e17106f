#include "src/lib/filesig.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int filesig_take(struct filesig *sig, const char *path)
{
    memset(sig, 0, sizeof *sig);
    struct stat st;
    if (stat(path, &st))
        return errno == ENOENT ? 0 : errno;
    sig->exists = true;
    sig->dev = (uint64_t)st.st_dev;
    sig->ino = (uint64_t)st.st_ino;
    sig->size = (uint64_t)st.st_size;
    sig->mtime_sec = (int64_t)st.st_mtim.tv_sec;
    sig->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
    return 0;
}

bool filesig_equal(const struct filesig *a, const struct filesig *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
           a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

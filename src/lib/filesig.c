#include "src/lib/filesig.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <string.h>

int filesig_take(struct filesig *sig, const char *path)
{
    memset(sig, 0, sizeof *sig);
    struct plat_stat st;
    int e = plat_stat(path, &st);
    if (e)
        return e == ENOENT ? 0 : e;
    sig->exists = true;
    sig->dev = st.dev;
    sig->ino = st.ino;
    sig->size = st.size;
    sig->mtime_sec = st.mtime_sec;
    sig->mtime_nsec = st.mtime_nsec;
    return 0;
}

bool filesig_equal(const struct filesig *a, const struct filesig *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
           a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

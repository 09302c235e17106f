/* A cheap "has this file changed?" test: the identity and size of a file
 * and its modification time, as stat reports them. Atomic rewrites (afile.h)
 * replace the inode, so any rewrite shows even within one mtime tick. */
#ifndef NTLAB_LIB_FILESIG_H
#define NTLAB_LIB_FILESIG_H
#include <stdbool.h>
#include <stdint.h>

struct filesig {
    bool exists;
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec;
};

/* Fills sig from path. A missing file gives exists = false and returns 0;
 * other stat failures return their errno value (sig then says "missing"). */
int filesig_take(struct filesig *sig, const char *path);
bool filesig_equal(const struct filesig *a, const struct filesig *b);

#endif

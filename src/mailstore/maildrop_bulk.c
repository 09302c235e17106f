/* Bulk delivery: many copies of one message into a Maildir at once, for
 * setting up a large maildrop (a scenario's 100,000 messages) in seconds.
 * The same file names and end state as maildrop_deliver one by one, with
 * one flush of the file system per round instead of an fsync each. */
#include "src/lib/plat.h"
#include "src/mailstore/maildrop.h"
#include "src/mailstore/maildrop_int.h"
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BULK_BATCH 4096u /* files written, flushed and renamed per round */

struct bulk {
    const char *dir;
    const void *data;
    size_t len;
    uint64_t sent; /* octets as sent, the W= part */
    int64_t now;
    uint64_t ns0; /* the N part of the first copy; copy i has ns0 + i */
    uint8_t rnd[4];
    bool flush_each; /* plat_sync_fs is ENOSYS here: fsync each file */
};

static int copy_name(const struct bulk *b, uint64_t i, char *out, size_t n)
{
    return maildrop_file_name(out, n, b->now, b->ns0 + i, b->rnd, b->len, b->sent);
}

static int copy_path(const struct bulk *b, const char *sub, uint64_t i, char *out, size_t n)
{
    char name[160];
    int rc = copy_name(b, i, name, sizeof name);
    if (rc)
        return rc;
    int w = snprintf(out, n, "%s/%s/%s", b->dir, sub, name);
    return w < 0 || (size_t)w >= n ? ENAMETOOLONG : 0;
}

/* Writes copies [from, to) to tmp/ (fsyncing each when flush_each). */
static int write_batch(const struct bulk *b, uint64_t from, uint64_t to, bool flush_each)
{
    char tmp[PATH_MAX];
    for (uint64_t i = from; i < to; i++) {
        int rc = copy_path(b, "tmp", i, tmp, sizeof tmp);
        if (rc)
            return rc;
        rc = maildrop_file_write(tmp, b->data, b->len, flush_each);
        if (rc)
            return rc;
    }
    return 0;
}

/* Removes what is left in tmp/ of copies [from, to) after a failure. */
static void unlink_batch(const struct bulk *b, uint64_t from, uint64_t to)
{
    char tmp[PATH_MAX];
    for (uint64_t i = from; i < to; i++)
        if (copy_path(b, "tmp", i, tmp, sizeof tmp) == 0)
            unlink(tmp);
}

/* One round: write, flush once, rename into new/. *moved counts renames. */
static int bulk_round(const struct bulk *b, uint64_t from, uint64_t to, uint64_t *moved)
{
    int rc = write_batch(b, from, to, b->flush_each);
    if (!rc && !b->flush_each)
        rc = plat_sync_fs(b->dir); /* the data of every file written above */
    char tmp[PATH_MAX], dst[PATH_MAX];
    uint64_t i = from;
    for (; !rc && i < to; i++) {
        rc = copy_path(b, "tmp", i, tmp, sizeof tmp);
        if (!rc)
            rc = copy_path(b, "new", i, dst, sizeof dst);
        if (!rc)
            rc = plat_rename(tmp, dst);
        if (!rc)
            (*moved)++;
    }
    if (rc) /* those renamed are gone from tmp/: their unlink fails harmlessly */
        unlink_batch(b, from, to);
    return rc;
}

int maildrop_deliver_copies(const char *dir, const void *data, size_t len, int64_t now,
                            uint64_t count, uint64_t *delivered)
{
    uint64_t moved = 0;
    if (delivered)
        *delivered = 0;
    if (!dir || (!data && len) || now < 0)
        return EINVAL;
    char nd[PATH_MAX];
    struct stat st;
    int w = snprintf(nd, sizeof nd, "%s/new", dir);
    if (w < 0 || (size_t)w >= sizeof nd)
        return ENAMETOOLONG;
    if (stat(nd, &st) || !S_ISDIR(st.st_mode))
        return ENOENT; /* not a Maildir: do not create one by accident */
    struct bulk b = {dir, data, len, maildrop_sent_size(data, len), now, 0, {0}, false};
    b.flush_each = plat_sync_fs(dir) == ENOSYS;
    int rc = plat_random(b.rnd, sizeof b.rnd);
    if (rc)
        return rc;
    struct timespec ts;
    plat_clock_gettime(PLAT_CLOCK_REALTIME, &ts);
    b.ns0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    for (uint64_t from = 0; !rc && from < count; from += BULK_BATCH) {
        uint64_t to = count - from > BULK_BATCH ? from + BULK_BATCH : count;
        rc = bulk_round(&b, from, to, &moved);
    }
    /* The renames so far, durable whether or not a round failed. */
    int src = moved ? plat_sync_dir(nd) : 0;
    if (delivered)
        *delivered = moved;
    return rc ? rc : src;
}

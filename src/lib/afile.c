#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        if (n < 2)
            return ENAMETOOLONG;
        strcpy(dir, ".");
        return 0;
    }
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= n)
        return ENAMETOOLONG;
    memcpy(dir, path, len);
    dir[len] = 0;
    return 0;
}

int afile_sync_dir(const char *path)
{
    char dir[PATH_MAX];
    int rc = dir_of(path, dir, sizeof dir);
    if (rc)
        return rc;
    return plat_sync_dir(dir);
}

/* A writer killed between creating its temp file and the rename leaves
 * PATH.tmp.PID behind. The next writer of PATH removes those whose process
 * is gone, so kills do not pile up files (the target itself is never
 * touched: it holds the old or the new contents, whole). */
static void sweep_stale_temps(const char *path)
{
    char dir[PATH_MAX];
    if (dir_of(path, dir, sizeof dir))
        return;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    struct plat_dir *d;
    if (plat_dir_open(dir, &d))
        return;
    const char *name;
    enum plat_dtype type;
    long self = (long)getpid();
    while (plat_dir_next(d, &name, &type) == 0 && name) {
        if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp.", 5) != 0)
            continue;
        const char *digits = name + blen + 5;
        char *end;
        long pid = strtol(digits, &end, 10);
        if (end == digits || *end || pid <= 0 || pid == self || plat_pid_alive(pid))
            continue;
        char full[PATH_MAX];
        int n = snprintf(full, sizeof full, "%s/%s", dir, name);
        if (n > 0 && (size_t)n < sizeof full)
            unlink(full);
    }
    plat_dir_close(d);
}

int afile_write(const char *path, const void *data, size_t len, unsigned mode)
{
    sweep_stale_temps(path);
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return errno;
    const char *p = data;
    size_t left = len;
    int rc = 0;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!rc)
        rc = plat_fsync(fd);
    if (close(fd) && !rc)
        rc = errno;
    if (!rc)
        rc = plat_rename(tmp, path);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    return afile_sync_dir(path);
}

int afile_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd;
    int e = plat_open_regular(path, 0, &fd);
    if (e)
        return e;
    struct plat_stat st;
    if ((e = plat_fstat(fd, &st)) != 0) {
        close(fd);
        return e;
    }
    if (st.size > max) {
        close(fd);
        return EFBIG;
    }
    size_t cap = (size_t)st.size + 1;
    char *p = malloc(cap);
    if (!p) {
        close(fd);
        return ENOMEM;
    }
    size_t got = 0;
    for (;;) {
        if (got + 1 >= cap) {
            /* The file grew while we read it: allow up to max. */
            if (cap > max) {
                free(p);
                close(fd);
                return EFBIG;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *np = realloc(p, ncap + 1);
            if (!np) {
                free(p);
                close(fd);
                return ENOMEM;
            }
            p = np;
            cap = ncap + 1;
        }
        ssize_t r = read(fd, p + got, cap - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            free(p);
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    p[got] = 0;
    *out = p;
    *len = got;
    return 0;
}

int afile_mkdirs(const char *path, unsigned mode)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0)
        return EINVAL;
    if (n >= sizeof tmp)
        return ENAMETOOLONG;
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + (plat_path_root_len(tmp) ? plat_path_root_len(tmp) : 1); *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int e = plat_mkdir(tmp, mode);
        if (e && e != EEXIST)
            return e;
        *p = '/';
    }
    int e = plat_mkdir(tmp, mode);
    return e == EEXIST ? 0 : e;
}

int afile_read_stream(FILE *f, size_t max, struct buf *b)
{
    char tmp[65536];
    size_t n, got = 0;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (n > max - got)
            return EFBIG;
        if (buf_append(b, tmp, n))
            return ENOMEM;
        got += n;
    }
    return ferror(f) ? EIO : 0;
}

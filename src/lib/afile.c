#include "src/lib/afile.h"
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

int afile_write(const char *path, const void *data, size_t len, unsigned mode)
{
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st)) {
        int e = errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return EISDIR;
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return EFBIG;
    }
    size_t cap = (size_t)st.st_size + 1;
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
            int e = errno;
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

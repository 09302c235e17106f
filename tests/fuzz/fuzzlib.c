/* Helpers shared by the fuzz targets (fuzz.h). */
#include "tests/fuzz/fuzz.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Up to four targets' directories per process (replay links one target). */
static char dirs[4][PATH_MAX];
static unsigned ndirs;

static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
                continue;
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rmtree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

static void cleanup(void)
{
    for (unsigned i = 0; i < ndirs; i++)
        rmtree(dirs[i]);
}

const char *fuzz_tmpdir(const char *tag)
{
    if (ndirs == sizeof dirs / sizeof dirs[0])
        fuzz_fail("too many temp dirs");
    const char *base = "/dev/shm";
    struct stat st;
    if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || access(base, W_OK) != 0) {
        base = getenv("TMPDIR");
        if (!base || !*base)
            base = "/tmp";
    }
    char *d = dirs[ndirs];
    if (snprintf(d, PATH_MAX, "%s/ntlab-fuzz-%s.XXXXXX", base, tag) >= PATH_MAX)
        fuzz_fail("temp dir name too long");
    if (!mkdtemp(d))
        fuzz_fail("mkdtemp %s: %s", d, strerror(errno));
    if (ndirs++ == 0)
        atexit(cleanup);
    return d;
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fuzz_fail("open %s: %s", path, strerror(errno));
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fuzz_fail("write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

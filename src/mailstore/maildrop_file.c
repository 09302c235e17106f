/* Maildir file steps shared by the two delivery paths (maildrop_int.h). */
#include "src/mailstore/maildrop_int.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int maildrop_file_name(char *out, size_t n, int64_t now, uint64_t ns, const uint8_t rnd[4],
                       uint64_t len, uint64_t sent)
{
    int w = snprintf(out, n, "%lld.N%016llxR%02x%02x%02x%02x.ntlab,S=%llu,W=%llu",
                     (long long)now, (unsigned long long)ns, rnd[0], rnd[1], rnd[2], rnd[3],
                     (unsigned long long)len, (unsigned long long)sent);
    return w < 0 || (size_t)w >= n ? ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int maildrop_file_write(const char *path, const void *data, size_t len, bool sync)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    int rc = write_all(fd, data, len);
    if (!rc && sync)
        rc = plat_fsync(fd);
    if (close(fd) && !rc)
        rc = errno;
    if (rc)
        unlink(path);
    return rc;
}

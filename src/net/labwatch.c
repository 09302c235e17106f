/* The served lab's pid file and clock, from the daemon's tick (labwatch.h). */
#include "src/net/labwatch.h"
#include "emulator/lab.h"
#include "src/lib/plat.h"
#include "src/net/control.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static int pid_path(const char *labdir, char *out, size_t n)
{
    int k = snprintf(out, n, "%s/%s", labdir, CONTROL_PIDFILE);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

int labwatch_start(struct labwatch *w, const char *labdir, int64_t now_ms)
{
    w->fd = -1;
    w->next_ms = 0;
    w->next_save_ms = now_ms + LABWATCH_CLOCK_SAVE_MS;
    char p[PATH_MAX];
    int e = pid_path(labdir, p, sizeof p);
    if (e)
        return e;
    /* A second descriptor does not disturb the daemon's lock on it: the
     * locks are per open file (PLAT_LOCK_PER_OPEN). */
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct plat_stat st;
    e = plat_fstat(fd, &st);
    if (e) {
        close(fd);
        return e;
    }
    w->fd = fd;
    w->dev = st.dev;
    w->ino = st.ino;
    return 0;
}

bool labwatch_ok(struct labwatch *w, const char *labdir, int64_t now_ms, char *why, size_t n)
{
    if (w->fd < 0 || now_ms < w->next_ms)
        return true;
    w->next_ms = now_ms + LABWATCH_INTERVAL_MS;
    char p[PATH_MAX];
    if (pid_path(labdir, p, sizeof p))
        return true;
    struct plat_stat st, dir;
    int e = plat_stat(p, &st);
    if (e == 0 && st.dev == w->dev && st.ino == w->ino)
        return true;
    if (e && e != ENOENT && e != ENOTDIR)
        return true; /* EACCES, EIO: no proof the lab is gone; look again */
    if (plat_stat(labdir, &dir) != 0)
        snprintf(why, n, "the lab directory %s was deleted", labdir);
    else if (e)
        snprintf(why, n, "the lab directory %s lost the daemon's %s", labdir, CONTROL_PIDFILE);
    else
        snprintf(why, n, "the lab directory %s was replaced by another lab", labdir);
    return false;
}

void labwatch_save_error(ntstatus st, char *msg, size_t n)
{
    if (st == STATUS_SHARING_VIOLATION) {
        snprintf(msg, n, "lab.conf was changed by another writer since the daemon read it: "
                         "the lab clock is not saved over it");
        return;
    }
    const char *sym = nterr_status_symbol(st);
    snprintf(msg, n, "cannot save the lab clock to lab.conf: %s", sym ? sym : "error");
}

enum labwatch_event labwatch_tick(struct labwatch *w, struct lab *lab, int64_t now_ms, char *msg,
                                  size_t n)
{
    char why[PATH_MAX + 64];
    if (!labwatch_ok(w, lab_dir(lab), now_ms, why, sizeof why)) {
        snprintf(msg, n, "%s: stopping, leaving it alone", why);
        return LABWATCH_LOST;
    }
    if (now_ms < w->next_save_ms)
        return LABWATCH_OK;
    w->next_save_ms = now_ms + LABWATCH_CLOCK_SAVE_MS;
    ntstatus st = lab_clock_save(lab);
    if (!st)
        return LABWATCH_OK;
    labwatch_save_error(st, msg, n);
    return LABWATCH_SAVE_FAILED;
}

void labwatch_stop(struct labwatch *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

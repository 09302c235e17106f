/* Children per student of a class (class_spawn.h). */
#include "src/cli/class_spawn.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_path(char *out, size_t n, const char *classdir, const char *login,
                    const char *what)
{
    int k = snprintf(out, n, "%s/instructor/logs/%s.%s", classdir, login, what);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

/* Starts student i's child; *pid 0 when skipped, -1 when it failed (rc set). */
static int start_one(const char *classdir, const struct class_conf *c, size_t i,
                     const char *what, class_argv_fn *argv_fn, void *arg, long *pid, int *rc)
{
    char lab[4096], log[4200], store[1024];
    char *argv[CLASS_ARGV_MAX] = {0};
    *pid = 0;
    rc[i] = -2;
    if (class_lab_path(lab, sizeof lab, classdir, c->s[i].login) ||
        log_path(log, sizeof log, classdir, c->s[i].login, what))
        return rc[i] = -1, 0;
    if (!argv_fn(arg, c, i, lab, argv, store))
        return 0;
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return rc[i] = -1, 0;
    int e = plat_spawn_self(argv, fd, pid);
    if (e) {
        FILE *f = fdopen(fd, "w");
        if (f) {
            fprintf(f, "ntlab: could not start %s: %s\n", argv[0], plat_strerror(e));
            fclose(f);
        } else {
            close(fd);
        }
        rc[i] = -1;
        *pid = 0;
        return e == ENOSYS ? ENOSYS : 0;
    }
    close(fd);
    return 0;
}

static void wait_one(long pid, int *rc)
{
    int st;
    if (plat_waitpid(pid, &st) == 0)
        *rc = plat_status_exit(st);
    else
        *rc = -1;
}

int class_spawn_all(const char *classdir, const struct class_conf *c, const char *what,
                    class_argv_fn *argv_fn, void *arg, int *rc)
{
    long pids[CLASS_JOBS];
    size_t slot_of[CLASS_JOBS], running = 0, next = 0;
    int err = 0;
    while (next < c->n || running) {
        while (!err && next < c->n && running < CLASS_JOBS) {
            long pid;
            err = start_one(classdir, c, next, what, argv_fn, arg, &pid, rc);
            if (pid > 0) {
                pids[running] = pid;
                slot_of[running++] = next;
            }
            next++;
        }
        if (err)
            next = c->n;
        if (!running)
            break;
        /* the oldest first: children of one kind take about as long */
        wait_one(pids[0], &rc[slot_of[0]]);
        memmove(pids, pids + 1, (running - 1) * sizeof pids[0]);
        memmove(slot_of, slot_of + 1, (running - 1) * sizeof slot_of[0]);
        running--;
    }
    return err;
}

void class_log_show(FILE *f, const char *classdir, const char *login, const char *what)
{
    char log[4200], *text;
    size_t len;
    if (log_path(log, sizeof log, classdir, login, what) || afile_read(log, 1u << 20, &text, &len))
        return;
    if (len > 2048)
        text[2048] = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        fprintf(f, "    %s\n", line);
    free(text);
}

int class_pad(const char *s, int width)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80; /* continuation bytes take no column */
    return n < width ? width - n : 0;
}

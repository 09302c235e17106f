/* A scratch copy of a lab, so that an offline check boots and probes the
 * copy and never writes the student's lab. Read-only on the source; a
 * file that changes under us is copied as one afile_read saw it (writers
 * rename whole files into place, afile.h). */
#include "src/exercise/exercise.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_DEPTH 8
#define COPY_FILE_MAX (1u << 30)

/* Not part of the lab's state: locks, the daemon's socket and pid, logs. */
static bool skipped(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
           (n > 5 && strcmp(name + n - 5, ".lock") == 0) || strncmp(name, "ntlab.", 6) == 0 ||
           strcmp(name, "control.sock") == 0;
}

static int copy_tree(const char *src, const char *dst, int depth)
{
    if (depth > COPY_DEPTH)
        return ELOOP;
    struct plat_dir *d;
    int rc = plat_dir_open(src, &d);
    if (rc)
        return rc;
    const char *name;
    enum plat_dtype type;
    int e;
    while (rc == 0 && (e = plat_dir_next(d, &name, &type)) == 0) {
        if (skipped(name))
            continue;
        char s[4096], t[4096];
        if ((size_t)snprintf(s, sizeof s, "%s/%s", src, name) >= sizeof s ||
            (size_t)snprintf(t, sizeof t, "%s/%s", dst, name) >= sizeof t) {
            rc = ENAMETOOLONG;
            break;
        }
        struct plat_stat st;
        if (plat_lstat(s, &st) != 0)
            continue; /* gone since the listing */
        if (st.is_dir) {
            rc = plat_mkdir(t, 0700);
            if (!rc)
                rc = copy_tree(s, t, depth + 1);
        } else if (st.is_reg) {
            char *data = NULL;
            size_t len = 0;
            rc = afile_read(s, COPY_FILE_MAX, &data, &len);
            if (rc == ENOENT)
                rc = 0;
            else if (!rc)
                rc = afile_write(t, data, len, 0600);
            free(data);
        }
    }
    if (rc == 0 && e != ENOENT)
        rc = e;
    plat_dir_close(d);
    return rc;
}

int ex_copy_lab(const char *src, const char *dst)
{
    char conf[4200];
    struct plat_stat st;
    snprintf(conf, sizeof conf, "%s/lab.conf", src);
    if (plat_stat(conf, &st) != 0)
        return ENOENT;
    return copy_tree(src, dst, 0);
}

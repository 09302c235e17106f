/* The console's per-lab secret (console.h). Kept across restarts, so a
 * bookmarked console URL keeps working; delete the file for a new one. */
#include "src/console/console.h"
#if NTLAB_CONSOLE
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_secret(const char *path, char out[CONSOLE_SECRET_LEN + 1])
{
    uint8_t rnd[CONSOLE_SECRET_LEN / 2];
    char hex[CONSOLE_SECRET_LEN + 2];
    int e = plat_random(rnd, sizeof rnd);
    if (!e) {
        str_hex(rnd, sizeof rnd, hex);
        hex[CONSOLE_SECRET_LEN] = '\n';
        e = afile_write(path, hex, CONSOLE_SECRET_LEN + 1, 0600);
    }
    if (!e) {
        memcpy(out, hex, CONSOLE_SECRET_LEN);
        out[CONSOLE_SECRET_LEN] = 0;
    }
    plat_wipe(rnd, sizeof rnd);
    plat_wipe(hex, sizeof hex);
    return e;
}

/* The file is the caller's and nobody else may read it (as ctltcp.h's
 * secret files): a lab directory shared with a class must not share it. */
static int check_owner(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st))
        return errno;
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(err, errlen, "%s: readable by others or not yours (chmod 600 it, or delete it "
                              "for a new one)", path);
        return EPERM;
    }
    return 0;
}

int console_secret_load(const char *labdir, char out[CONSOLE_SECRET_LEN + 1], char *err,
                        size_t errlen)
{
    char path[PATH_MAX];
    int k = snprintf(path, sizeof path, "%s/%s", labdir, CONSOLE_SECRET_FILE);
    if (k < 0 || (size_t)k >= sizeof path) {
        snprintf(err, errlen, "%s/%s: path too long", labdir, CONSOLE_SECRET_FILE);
        return ENAMETOOLONG;
    }
    char *text = NULL;
    size_t len = 0;
    int e = afile_read(path, 64, &text, &len);
    if (e == ENOENT) {
        e = make_secret(path, out);
        if (e)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        return e;
    }
    if (e) {
        snprintf(err, errlen, "%s: %s", path, e == EFBIG ? "not a console secret" : strerror(e));
        return e;
    }
    e = check_owner(path, err, errlen);
    if (!e) {
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        bool ok = len == CONSOLE_SECRET_LEN;
        for (size_t i = 0; ok && i < len; i++)
            ok = (text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f');
        if (ok) {
            memcpy(out, text, CONSOLE_SECRET_LEN);
            out[CONSOLE_SECRET_LEN] = 0;
        } else {
            snprintf(err, errlen, "%s: not %u lowercase hex characters (delete it for a new one)",
                     path, CONSOLE_SECRET_LEN);
            e = EINVAL;
        }
    }
    plat_wipe(text, len);
    free(text);
    return e;
}
#endif

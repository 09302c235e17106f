/* The local control channel over loopback TCP (ctllocal.h). */
#include "src/net/ctllocal.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/net/control.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int lab_file(const char *labdir, const char *name, char *out, size_t n)
{
    int k = snprintf(out, n, "%s/%s", labdir, name);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

void ctllocal_default_addr(struct net_addr *out)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s4->sin_port = 0;
    out->len = sizeof *s4;
}

int ctllocal_make_secret(const char *labdir, char *path, size_t n, char *err, size_t errlen)
{
    int e = lab_file(labdir, CTLLOCAL_SECRET, path, n);
    uint8_t rnd[16];
    char hex[2 * sizeof rnd + 2];
    if (!e)
        e = plat_random(rnd, sizeof rnd);
    if (!e) {
        str_hex(rnd, sizeof rnd, hex);
        hex[2 * sizeof rnd] = '\n';
        hex[2 * sizeof rnd + 1] = 0;
        e = afile_write(path, hex, strlen(hex), 0600);
    }
    plat_wipe(rnd, sizeof rnd);
    plat_wipe(hex, sizeof hex);
    if (e)
        snprintf(err, errlen, "control secret %s/%s: %s", labdir, CTLLOCAL_SECRET, strerror(e));
    return e;
}

int ctllocal_publish(const char *labdir, int fd, const char *secret_path, char *err,
                     size_t errlen)
{
    struct net_addr a;
    memset(&a, 0, sizeof a);
    a.len = sizeof a.ss;
    char p[PATH_MAX], as[NET_ADDR_STR_MAX], text[PATH_MAX + CTLLOCAL_SPEC_MAX];
    int e = plat_getsockname(fd, (struct sockaddr *)&a.ss, &a.len) ? errno : 0;
    if (!e)
        e = lab_file(labdir, CONTROL_SOCKET, p, sizeof p);
    if (!e) {
        net_addr_format(&a, as, sizeof as);
        int k = snprintf(text, sizeof text, "tcp:%s\n%s\n", as, secret_path);
        e = k < 0 || (size_t)k >= sizeof text ? ENAMETOOLONG : afile_write(p, text, (size_t)k, 0600);
    }
    if (e)
        snprintf(err, errlen, "control endpoint %s/%s: %s", labdir, CONTROL_SOCKET, strerror(e));
    return e;
}

int ctllocal_lookup(const char *labdir, char *spec, size_t specn, char *secret_path,
                    size_t secretn)
{
    char p[PATH_MAX];
    int e = lab_file(labdir, CONTROL_SOCKET, p, sizeof p);
    char *text = NULL;
    size_t len;
    if (!e)
        e = afile_read(p, PATH_MAX + CTLLOCAL_SPEC_MAX, &text, &len);
    if (e)
        return e == ENOENT ? ENOENT : EINVAL;
    char *nl = strchr(text, '\n');
    char *second = nl ? nl + 1 : NULL;
    char *nl2 = second ? strchr(second, '\n') : NULL;
    e = EINVAL;
    if (nl && nl2 && nl2[1] == 0 && strncmp(text, "tcp:", 4) == 0) {
        *nl = *nl2 = 0;
        if (str_copy(spec, specn, text) == 0 && str_copy(secret_path, secretn, second) == 0 &&
            *second)
            e = 0;
    }
    free(text);
    return e;
}

void ctllocal_unlink(const char *labdir)
{
    char p[PATH_MAX];
    if (lab_file(labdir, CONTROL_SOCKET, p, sizeof p) == 0)
        unlink(p);
    if (lab_file(labdir, CTLLOCAL_SECRET, p, sizeof p) == 0)
        unlink(p);
}

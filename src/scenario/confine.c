/* A scenario's file references stay inside its own tree (confine.h). */
#include "src/scenario/confine.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

int scn_confine_root(const char *path, char *root, size_t n)
{
    /* The directory the file was named in (its includes are relative to
     * it), symlinks resolved: a scenario reached through a symlink is
     * confined to where the link is, as its includes are resolved there. */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        str_copy(dir, sizeof dir, ".");
    else if (str_copyn(dir, sizeof dir, path, slash == path ? 1 : (size_t)(slash - path)))
        return ENAMETOOLONG;
    return plat_realpath(dir, root, n);
}

bool scn_confine_inside(const char *root, const char *real)
{
    size_t n = strlen(root);
    while (n > plat_path_root_len(root) && root[n - 1] == '/')
        n--; /* "/srv/" is "/srv" */
    if (strncmp(root, real, n) != 0)
        return false;
    /* "/srv/scn" holds "/srv/scn" and "/srv/scn/x", not "/srv/scn2" */
    return real[n] == 0 || real[n] == '/' || (n > 0 && root[n - 1] == '/');
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

bool scn_confine_quotable(const char *path)
{
    return ends_with(path, ".scn") || ends_with(path, ".inc");
}

int scn_confine_join(const char *from, const char *arg, char *out, size_t n)
{
    if (plat_path_is_absolute(arg))
        return str_copy(out, n, arg) ? ENAMETOOLONG : 0;
    const char *slash = strrchr(from, '/');
    int k = slash ? snprintf(out, n, "%.*s/%s", (int)(slash - from), from, arg)
                  : snprintf(out, n, "%s", arg);
    return k < 0 || (size_t)k >= n ? ENAMETOOLONG : 0;
}

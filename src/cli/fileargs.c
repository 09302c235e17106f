/* Which arguments of an ntlab command name files that the command reads,
 * and making them absolute. A command forwarded to the daemon runs in the
 * daemon's working directory ("/" once detached), not the caller's; and a
 * scenario's file references are checked against its own directory. Both
 * need to know where the file names are (cli.h). */
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The words in a file's place; "-" among them only with dash. */
static int file_words(int argc, char *const *argv, int *idx, int max, bool dash)
{
    int n = 0;
    if (argc >= 3 && strcmp(argv[0], "policy") == 0 && strcmp(argv[1], "import") == 0) {
        /* policy's own table says which options take the next word */
        struct args_opt opts[CMD_POLICY_NOPTS];
        const char *focus;
        size_t nopts = cmd_policy_options(opts, &focus);
        for (int i = 2; i < argc; i++) {
            const char *a = argv[i];
            if (a[0] == '-' && a[1] == '-' && a[2]) {
                if (args_takes_next(opts, nopts, a))
                    i++;
                continue;
            }
            if ((dash || strcmp(a, "-") != 0) && n < max)
                idx[n++] = i;
        }
    } else if (argc == 4 && strcmp(argv[0], "persona") == 0 && strcmp(argv[1], "add") == 0) {
        if ((dash || strcmp(argv[3], "-") != 0) && n < max)
            idx[n++] = 3;
    } else if (argc >= 4 && strcmp(argv[0], "mail") == 0 && strcmp(argv[1], "deliver") == 0) {
        for (int i = 3; i < argc; i++) /* "-" is stdin; --count takes a number */
            if (strcmp(argv[i], CLI_MAIL_COUNT_OPT) == 0)
                i++;
            else if ((dash || strcmp(argv[i], "-") != 0) && n < max)
                idx[n++] = i;
    }
    return n;
}

int cli_file_args(int argc, char *const *argv, int *idx, int max)
{
    return file_words(argc, argv, idx, max, false);
}

int cli_file_words(int argc, char *const *argv, int *idx, int max)
{
    return file_words(argc, argv, idx, max, true);
}

int cli_absolute_path(const char *path, char **out)
{
    *out = NULL;
    if (plat_path_is_absolute(path)) {
        *out = strdup(path);
        return *out ? 0 : ENOMEM;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return errno;
    for (char *c = cwd; *c; c++) /* '/' on both systems (plat.h) */
        if (*c == '\\')
            *c = '/';
    size_t cl = strlen(cwd), pl = strlen(path);
    bool slash = cl > 0 && cwd[cl - 1] == '/';
    if (cl + 1 + pl + 1 > PATH_MAX)
        return ENAMETOOLONG;
    char *s = malloc(cl + 1 + pl + 1);
    if (!s)
        return ENOMEM;
    memcpy(s, cwd, cl);
    if (!slash)
        s[cl++] = '/';
    memcpy(s + cl, path, pl + 1);
    *out = s;
    return 0;
}

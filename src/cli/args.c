#include "src/cli/args.h"
#include <string.h>

void args_init(struct args *a, int argc, char **argv, int first)
{
    a->argc = argc;
    a->argv = argv;
    a->i = first;
    a->opt = a->val = NULL;
}

int args_next(struct args *a)
{
    a->opt = a->val = NULL;
    if (a->i >= a->argc)
        return 0;
    char *s = a->argv[a->i++];
    if (s[0] == '-' && s[1] == '-' && s[2]) {
        char *eq = strchr(s, '=');
        if (eq) {
            /* "--os=nt4": split in place; the value is taken by args_value. */
            *eq = 0;
            a->val = eq + 1;
        }
        a->opt = s;
        return 1;
    }
    a->val = s;
    return 2;
}

bool args_value(struct args *a)
{
    if (a->val)
        return true;
    if (a->i >= a->argc)
        return false;
    a->val = a->argv[a->i++];
    return true;
}

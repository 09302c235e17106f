/* Tiny option scanner for subcommands: long options with a value
 * ("--os nt4" or "--os=nt4"), flags, and positional arguments. */
#ifndef NTLAB_CLI_ARGS_H
#define NTLAB_CLI_ARGS_H
#include <stdbool.h>

struct args {
    int argc;
    char **argv;
    int i;          /* next index */
    const char *opt; /* current option name (without value) */
    const char *val; /* its value, when it takes one */
};

void args_init(struct args *a, int argc, char **argv, int first);
/* Returns the next argument. An option ("--x") returns 1 with a->opt set; a
 * positional returns 2 with a->val set; the end returns 0. */
int args_next(struct args *a);
/* For the current option, takes its value (from "=" or the next argument).
 * Returns false if there is none. */
bool args_value(struct args *a);

#endif

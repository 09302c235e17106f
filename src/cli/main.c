/* ntlab's entry point: global options, the subcommand table, help. */
#include "src/cli/cli.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_command {
    const char *name;
    int (*fn)(struct cli_ctx *, int, char **);
    const char *usage;
};

static const struct cli_command commands[] = {
    {"init", cmd_init,
     "init LABDIR [--name NAME] [--os nt4|w2k|xp] [--role member|pdc|standalone] [--domain D]\n"
     "           [--preset q189732]    create a lab holding one machine"},
    {"rights", cmd_rights,
     "rights grant ACCOUNT RIGHT... | revoke ACCOUNT (RIGHT...|--all) | list [ACCOUNT] [--display]\n"
     "           | who RIGHT   [--focus DOMAIN|\\\\COMPUTER]"},
    {"ntrights", cmd_ntrights,
     "ntrights (+r|-r) RIGHT -u ACCOUNT [-m \\\\COMPUTER] [-e ENTRY]   (Resource Kit syntax)"},
    {"user", cmd_user,
     "user add NAME --password P [--group G]... | del NAME | passwd NAME P | disable NAME\n"
     "           | enable NAME | unlock NAME | show NAME | list | set NAME OPTION..."},
    {"group", cmd_group, "group add NAME [--comment C] | del NAME | add-member GROUP ACCOUNT\n"
                         "           | remove-member GROUP ACCOUNT | list [GROUP]"},
    {"logon", cmd_logon,
     "logon [--caller ACCOUNT|SYSTEM] [--type interactive|network|batch|service] [DOMAIN\\]USER PASSWORD"},
    {"errmsg", cmd_errmsg, "errmsg CODE   (Win32 number, ERROR_ symbol, or NTSTATUS 0x...)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ntlab [-C LABDIR] COMMAND [ARGS...] [--machine NAME]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(f, "  help [COMMAND]\n");
}

int cli_error(struct cli_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ntlab: ", ctx->err);
    vfprintf(ctx->err, fmt, ap);
    fputc('\n', ctx->err);
    va_end(ap);
    return code;
}

static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int cli_dispatch(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 1)
        return cli_error(ctx, CLI_USAGE, "no command given; try 'ntlab help'");
    if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0) {
        if (argc > 1) {
            const struct cli_command *c = find_command(argv[1]);
            if (!c)
                return cli_error(ctx, CLI_USAGE, "unknown command '%s'", argv[1]);
            fprintf(ctx->out, "usage: ntlab %s\n", c->usage);
            return CLI_OK;
        }
        usage(ctx->out);
        return CLI_OK;
    }
    const struct cli_command *c = find_command(argv[0]);
    if (!c)
        return cli_error(ctx, CLI_USAGE, "unknown command '%s'; try 'ntlab help'", argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fprintf(ctx->out, "usage: ntlab %s\n", c->usage);
            return CLI_OK;
        }
    }
    return c->fn(ctx, argc, argv);
}

int cli_main(int argc, char **argv)
{
    struct cli_ctx ctx = {.labdir = ".", .out = stdout, .err = stderr};
    int i = 1;
    while (i < argc && argv[i][0] == '-' && argv[i][1]) {
        if (strcmp(argv[i], "-C") == 0) {
            if (i + 1 >= argc)
                return cli_error(&ctx, CLI_USAGE, "-C needs a lab directory");
            ctx.labdir = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "-C", 2) == 0) {
            ctx.labdir = argv[i] + 2;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else {
            return cli_error(&ctx, CLI_USAGE, "unknown option '%s'", argv[i]);
        }
    }
    /* --machine NAME may appear anywhere after the command; take it out. */
    int n = 0;
    char **rest = calloc((size_t)(argc - i) + 1, sizeof *rest);
    if (!rest)
        return cli_error(&ctx, CLI_FAIL, "out of memory");
    for (int j = i; j < argc; j++) {
        if (strcmp(argv[j], "--machine") == 0) {
            if (j + 1 >= argc) {
                free(rest);
                return cli_error(&ctx, CLI_USAGE, "--machine needs a machine name");
            }
            ctx.machine = argv[++j];
        } else if (strncmp(argv[j], "--machine=", 10) == 0) {
            ctx.machine = argv[j] + 10;
        } else {
            rest[n++] = argv[j];
        }
    }
    int rc;
    if (n == 0) {
        usage(stderr);
        rc = CLI_USAGE;
    } else {
        rc = cli_dispatch(&ctx, n, rest);
    }
    cli_close(&ctx);
    free(rest);
    return rc;
}

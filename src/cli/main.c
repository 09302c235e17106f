/* ntlab's entry point: global options, the subcommand table, help. */
#include "src/cli/cli.h"
#include "src/net/control.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/filelock.h"
#include "src/lib/plat.h"
#include "version.h" /* NTLAB_VERSION, made by the Makefile (BUILD/gen) */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli_command {
    const char *name;
    int (*fn)(struct cli_ctx *, int, char **);
    const char *usage;
    bool forwarded; /* runs inside a live daemon when one serves the lab */
};

/* Usage texts: every option the command's parser takes (tests/cli/help.t
 * checks), and names with a backslash quoted so that a line pasted into
 * bash arrives intact ('CORP\EXCHSVC', '\\EXCHSRV'). */
static const struct cli_command commands[] = {
    {"init", cmd_init,
     "init LABDIR [--name NAME] [--os nt4|w2k|xp] [--role member|pdc|standalone] [--domain D]\n"
     "           [--admin-password P] [--preset q189732]    create a lab",
     false},
    {"machine", cmd_machine,
     "machine add NAME --role pdc|bdc|member|standalone --os nt4|w2k|xp [--domain D]\n"
     "           [--admin-password P] [--persona P] | list | promote NAME   (dcpromo, Windows 2000)\n"
     "           | demote NAME [--admin-password P]",
     true},
    {"rights", cmd_rights,
     "rights grant ACCOUNT RIGHT... | revoke ACCOUNT (RIGHT...|--all) | list [ACCOUNT] [--display]\n"
     "           | who RIGHT   [--focus DOMAIN|COMPUTER|'\\\\COMPUTER']\n"
     "           (RIGHT: SeTcbPrivilege, case-sensitive, or \"Act as part of the operating system\")",
     true},
    {"ntrights", cmd_ntrights,
     "ntrights (+r|-r) RIGHT -u ACCOUNT [-m '\\\\COMPUTER'] [-e ENTRY]   (Resource Kit syntax;\n"
     "           RIGHT is case-sensitive, e.g. SeTcbPrivilege; quote 'CORP\\EXCHSVC')",
     true},
    {"user", cmd_user,
     "user add NAME --password P [--group G]... | del NAME | passwd NAME P | disable NAME\n"
     "           | add NAME --nt-hash HEX | passwd NAME --nt-hash HEX   (what ntlab export writes)\n"
     "           | enable NAME | unlock NAME | show NAME | list | set NAME [--expires WHEN]\n"
     "           [--hours SPEC] [--workstations A,B] [--must-change on|off] [--fullname TEXT]\n"
     "           [--comment TEXT] [--cant-change on|off] [--password-never-expires on|off]\n"
     "           [--password-last-set WHEN] [--disabled on|off]\n"
     "           (NAME: USER, 'DOMAIN\\USER', 'MACHINE\\USER' or '.\\USER')",
     true},
    {"group", cmd_group,
     "group add NAME [--comment C] [--global] | del NAME | add-member GROUP ACCOUNT\n"
     "           | remove-member GROUP ACCOUNT | list [GROUP]",
     true},
    {"policy", cmd_policy,
     "policy show | set KEY=VALUE... | import TEMPLATE.inf   [--focus DOMAIN|COMPUTER|'\\\\COMPUTER']\n"
     "           (account policy: LockoutBadCount, LockoutDuration, MaximumPasswordAge, ...)",
     true},
    {"logon", cmd_logon,
     "logon [--caller ACCOUNT|SYSTEM] [--type interactive|network|batch|service]\n"
     "           [--workstation NAME] USER|'DOMAIN\\USER' PASSWORD",
     true},
    {"boot", cmd_boot, "boot [--machine M]   (all machines when no --machine)", true},
    {"shutdown", cmd_boot, "shutdown [--machine M]", true},
    {"reboot", cmd_boot, "reboot [--machine M]", true},
    {"service", cmd_service,
     "service list [--tokens] | start|stop|restart NAME | delete NAME\n"
     "           | add NAME --image IMAGE --account ACCOUNT --password P --start auto|demand|disabled\n"
     "           [--depends S]... [--display TEXT] | config NAME [the options of add]",
     true},
    {"clock", cmd_clock, "clock show | set YYYY-MM-DD[ HH:MM[:SS]] | advance DURATION (30m, 2h, 1d)",
     true},
    {"eventlog", cmd_eventlog, "eventlog [--log system|application|security] [--since N]", true},
    {"mailbox", cmd_mailbox,
     "mailbox add ALIAS --owner 'DOMAIN\\ACCOUNT' [--apop-secret S] [--container C]\n"
     "           | add ALIAS --custom ADDRESS [--container C] | list   [--machine M]\n"
     "           | set ALIAS [--owner 'DOMAIN\\ACCOUNT'] [--apop-secret S] [--no-apop-secret]\n"
     "           [--custom ADDRESS] [--container C]   (a mailbox's primary NT account, ...)",
     true},
    {"persona", cmd_persona,
     "persona add NAME FILE | list   a lab's own POP3 persona (LAB/personas/NAME.persona; it may\n"
     "           'inherit' a built-in or another of the lab's and change only its version)",
     true},
    /* Forwarded with its messages sent (cli_forward): the daemon delivers,
     * and up --record records it. */
    {"mail", cmd_mail,
     "mail deliver ALIAS[@CONTAINER] FILE...   (an RFC 5322 message per file, - for stdin)\n"
     "mail deliver ALIAS[@CONTAINER] FILE --count N   (N copies at once: a large maildrop)",
     true},
    {"up", cmd_up,
     "up [--listen [NAME=]ADDR:PORT]... [--listen-smtp [NAME=]ADDR:PORT]... [--foreground]\n"
     "                                                   serve the lab (POP3, SMTP, control socket)\n"
     "           [--max-connections N] [--idle-timeout DURATION]\n"
     "           [--max-conn-rate N]   new connections per address per second (default 5000,\n"
     "           0 = off); loopback is exempt unless [--rate-limit-loopback]\n"
     "           [--control tcp:ADDR:PORT --control-secret-file FILE]   control over TCP too\n"
     "           [--http [ADDR:]PORT]   the teaching console (README \"Teaching console\")\n"
     "           [--record FILE.scn [--append]]   every admin step and session, as a scenario",
     false},
    {"down", cmd_down, "down   stop the daemon serving the lab", false},
    {"status", cmd_status, "status   machines, services, tokens' privileges, listeners", false},
    {"run", cmd_run,
     "run FILE|DIR... [--tag T]... [-j N|--jobs N] [--junit FILE] [--tap] [-v|--verbose]\n"
     "           [--transcript] [--keep] [--tmp DIR] [--target HOST:PORT [--lab DIR]]\n"
     "           [--target-smtp HOST:PORT] [--allow-outside-files] [--export-final DIR]\n"
     "           | run --prepare DIR [--force] FILE\n"
     "           | run --minimize FILE [-o OUT] [--force] [--reference TRANSCRIPT]\n"
     "           scenarios (include and file names stay in\n"
     "           the scenario's directory unless --allow-outside-files)",
     false},
    {"record", cmd_record,
     "record HOST:PORT [--listen ADDR:PORT] [-n|--sessions N] -o FILE   recording proxy",
     false},
    {"export", cmd_export,
     "export [-o FILE.scn] [--name N] [--date EPOCH]   the lab as a scenario that rebuilds it",
     false},
    /* Not forwarded: check reads a live lab through the control socket itself. */
    {"exercise", cmd_exercise,
     "exercise list | start NAME [LAB] [--seed N] [--force] | check [--json] [-v|--verbose] [--offline]\n"
     "           [--target HOST:PORT] | hint | reset | solution NAME [--seed N] --keys DIR\n"
     "           | test NAME... --keys DIR   [--exercises DIR]   graded labs (README \"Exercises\")",
     false},
    {"class", cmd_class,
     "class init DIR (--exercise NAME|--preset NAME) --roster FILE [--port-base N]\n"
     "           a lab per student\n"
     "           | up DIR | down DIR | status DIR | report DIR [--csv|--json]",
     false},
    {"errmsg", cmd_errmsg, "errmsg CODE   (Win32 number, ERROR_ symbol, or NTSTATUS 0x...)", false},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ntlab [-C LABDIR] COMMAND [ARGS...] [--machine NAME]\n"
               "       ntlab -h|--help|help [COMMAND]    ntlab --version\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(f, "  help [COMMAND]\n");
}

const char *cli_version(void)
{
    return NTLAB_VERSION;
}

static void version(FILE *f)
{
    fprintf(f, "ntlab %s\n", NTLAB_VERSION);
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

bool cli_command_is_forwarded(const char *name)
{
    const struct cli_command *c = find_command(name);
    return c && c->forwarded;
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
    /* -h only right after the command: later it may be a value (a password). */
    if (argc > 1 && strcmp(argv[1], "-h") == 0) {
        fprintf(ctx->out, "usage: ntlab %s\n", c->usage);
        return CLI_OK;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        version(ctx->out);
        return CLI_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fprintf(ctx->out, "usage: ntlab %s\n", c->usage);
            return CLI_OK;
        }
    }
    return c->fn(ctx, argc, argv);
}

/* A message on stdin ("-") goes to a daemon as a sent file, so it is read
 * first; when no daemon serves the lab the command reads it from ctx->in.
 * Returns whether reading failed (*rc set). */
static bool read_stdin(struct cli_ctx *ctx, int n, char **rest, struct buf *in, int *rc)
{
    if (!cli_forward_reads_stdin(n, rest))
        return false;
    int e = afile_read_stream(stdin, CLI_MESSAGE_MAX, in);
    if (e) {
        *rc = cli_error(ctx, CLI_FAIL, "%s %s: stdin: %s", rest[0], rest[1],
                        e == EFBIG ? "message larger than 64 MiB" : plat_strerror(e));
        return true;
    }
    ctx->in = in;
    return false;
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
        } else if (strcmp(argv[i], "--version") == 0) {
            version(stdout);
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
    struct filelock admin = {-1};
    struct buf in = BUF_INIT;
    if (n == 0) {
        usage(stderr);
        rc = CLI_USAGE;
    } else if (cli_command_is_forwarded(rest[0]) && read_stdin(&ctx, n, rest, &in, &rc)) {
        /* stdin to send could not be read: rc says */
    } else if (cli_command_is_forwarded(rest[0]) &&
               cli_forward(ctx.labdir, ctx.machine, n, rest, ctx.in, stdout, stderr, &rc)) {
        /* a running daemon served it against the live lab */
    } else {
        /* Offline, an admin command reads the lab's files, changes them and
         * writes them back: two at once would each write what they read and
         * lose the other's change. They queue on LAB/ntlab.lock (the daemon
         * runs forwarded commands one at a time by itself). */
        char path[PATH_MAX];
        if (cli_command_is_forwarded(rest[0]) &&
            snprintf(path, sizeof path, "%s/lab.conf", ctx.labdir) < (int)sizeof path &&
            access(path, F_OK) == 0 &&
            snprintf(path, sizeof path, "%s/ntlab.lock", ctx.labdir) < (int)sizeof path)
            (void)filelock_acquire(&admin, path, true);
        rc = cli_dispatch(&ctx, n, rest);
    }
    cli_close(&ctx);
    filelock_release(&admin);
    buf_free(&in);
    free(rest);
    return rc;
}

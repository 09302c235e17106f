/* The ntlab command line. Every subcommand is a function over an opened lab
 * that writes to ctx->out / ctx->err, so the same code serves the offline
 * CLI and, through the control socket, the live daemon. */
#ifndef NTLAB_CLI_H
#define NTLAB_CLI_H
#include "emulator/osver.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct buf;
struct lab;
struct machine;

struct cli_ctx {
    const char *labdir;  /* -C DIR (default ".") */
    const char *machine; /* --machine NAME, or NULL = the lab's only/first */
    struct lab *lab;     /* opened lazily by cli_lab() */
    bool live;           /* running inside the daemon (lab is live) */
    bool remote;         /* came over the control channel: the client may be on
                            another host (TCP control), so errors never quote a
                            file that is not the lab's own */
    FILE *out;
    FILE *err;
    /* The caller's stdin when it was read before the command ran (cli_main
     * reads it to send it to a daemon; none served): a "-" argument reads
     * this. NULL: "-" reads stdin. */
    const struct buf *in;
};

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1  /* the operation failed (e.g. logon refused) */
#define CLI_USAGE 2 /* bad command line */
#define CLI_BUSY 75 /* try again later (sysexits' EX_TEMPFAIL): the lab is busy */

/* Runs `ntlab ARGS...` (argv[0] is the program). */
int cli_main(int argc, char **argv);
/* Runs one subcommand (argv[0] is its name) against ctx; used by cli_main
 * and by the control socket. Returns an exit code. */
int cli_dispatch(struct cli_ctx *ctx, int argc, char **argv);

/* Opens the lab of ctx if not yet open (printing the error and returning
 * NULL on failure), and finds the target machine (ctx->machine or the
 * first). */
struct lab *cli_lab(struct cli_ctx *ctx);
/* `init`: creates (or opens) the lab in dir for the caller, who closes it
 * with lab_close; CLI_OK, or CLI_FAIL after printing why. */
int cli_lab_create(struct cli_ctx *ctx, const char *dir, struct lab **lab);
struct machine *cli_machine(struct cli_ctx *ctx);
/* Closes the lab if cli_lab opened it (offline); state is already on disk. */
void cli_close(struct cli_ctx *ctx);
/* Runs `ntlab ARGV` on the daemon serving labdir, or, when none serves it
 * and local is true, in-process on labdir, capturing what it prints (out
 * and err together) into *text (caller frees; NULL when nothing could run)
 * and its exit code into *rc. Returns true when the command ran. */
/* Writes s as a JSON string (quoted, escaped; NULL as null): the CLI's
 * --json outputs, which must build where no JSON library is (Windows). */
void cli_json_str(FILE *f, const char *s);
bool cli_capture(const char *labdir, int argc, char **argv, bool local, char **text, int *rc);
/* A policy focus, as User Manager for Domains' Select Domain: the policy a
 * command reads or writes and the machine that resolves account names. */
struct cli_focus {
    struct lsa *lsa;
    struct machine *m;
    char label[64]; /* "CORP" or "\\EXCHSRV", for messages */
};
/* focus NULL: the target machine's own policy (on a DC, its domain's);
 * "DOMAIN" or "\\COMPUTER" otherwise (lab_policy_for_focus). Prints the
 * error and returns CLI_FAIL when there is no such focus. */
int cli_focus(struct cli_ctx *ctx, const char *focus, struct cli_focus *f);

/* Names from the command line (src/cli/names.c). Each prints its error
 * (naming the input, with a hint when a shell ate a backslash of an
 * unquoted DOMAIN\account or \\COMPUTER) and returns CLI_FAIL/CLI_USAGE
 * or NULL on failure. */
struct sid;
struct sam_user;
/* An account as LookupAccountName takes it (machine_resolve) into *sid. */
int cli_account(struct cli_ctx *ctx, struct machine *m, const char *name, struct sid *sid);
/* Whether name, which does not resolve, resolves with a backslash put back
 * ("CORPEXCHSVC" -> "CORP\EXCHSVC"); the first such spelling into out. */
bool cli_eaten_account(struct machine *m, const char *name, char *out, size_t n);
/* A machine of the lab named "NAME" or "\\NAME"; what prefixes the error
 * ("ntrights: "). */
struct machine *cli_computer(struct cli_ctx *ctx, const char *name, const char *what);
/* A user named "USER", ".\USER", "MACHINE\USER" or "DOMAIN\USER" as seen
 * from m: the machine whose SAM holds it (m, or its domain's DC for a member
 * server's domain) into *target and the bare name into *user. A domain
 * part naming neither m nor its domain is an error (CLI_FAIL). */
int cli_user_target(struct cli_ctx *ctx, struct machine *m, const char *name,
                    struct machine **target, const char **user);
/* Same, and finds the user (NULL, error printed, when there is none). */
struct sam_user *cli_user(struct cli_ctx *ctx, struct machine *m, const char *name,
                          struct machine **target);
/* A right by constant name (case-sensitive), or by User Manager display
 * name (case-insensitive) when display_names; an unknown one is reported
 * with the nearest names. */
int cli_right(struct cli_ctx *ctx, const char *name, enum osver os, bool display_names,
              unsigned *index);

/* Writes "ntlab: " + message to ctx->err; returns code. */
int cli_error(struct cli_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Subcommands (src/cli/cmd_*.c). */
int cmd_errmsg(struct cli_ctx *ctx, int argc, char **argv);
int cmd_init(struct cli_ctx *ctx, int argc, char **argv);
int cmd_rights(struct cli_ctx *ctx, int argc, char **argv);
int cmd_ntrights(struct cli_ctx *ctx, int argc, char **argv);
int cmd_user(struct cli_ctx *ctx, int argc, char **argv);
int cmd_group(struct cli_ctx *ctx, int argc, char **argv);
int cmd_logon(struct cli_ctx *ctx, int argc, char **argv);
/* Account policy and security-template import (src/cli/cmd_policy.c). */
int cmd_policy(struct cli_ctx *ctx, int argc, char **argv);
/* The option table of `policy`, the value of --focus going to *focus: fills
 * out (CMD_POLICY_NOPTS rows) and returns the row count (cli_file_args reads
 * it to step over option values). */
struct args_opt;
enum { CMD_POLICY_NOPTS = 1 };
size_t cmd_policy_options(struct args_opt *out, const char **focus);
/* The machine, its services, clock and event log (src/cli/cmd_machine.c). */
int cmd_machine(struct cli_ctx *ctx, int argc, char **argv);
int cmd_boot(struct cli_ctx *ctx, int argc, char **argv); /* boot|shutdown|reboot */
int cmd_service(struct cli_ctx *ctx, int argc, char **argv);
int cmd_clock(struct cli_ctx *ctx, int argc, char **argv);
int cmd_eventlog(struct cli_ctx *ctx, int argc, char **argv);
/* The Exchange store and the daemon (src/cli/cmd_mail.c, src/cli/cmd_daemon.c). */
int cmd_mailbox(struct cli_ctx *ctx, int argc, char **argv);
int cmd_mail(struct cli_ctx *ctx, int argc, char **argv);
/* A lab's own POP3 personas (src/cli/cmd_persona.c). */
int cmd_persona(struct cli_ctx *ctx, int argc, char **argv);
int cmd_up(struct cli_ctx *ctx, int argc, char **argv);
/* Classes of labs, one per student (src/cli/cmd_class.c, issue 16). */
int cmd_class(struct cli_ctx *ctx, int argc, char **argv);
int cmd_down(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
/* Scenarios (src/cli/cmd_run.c). */
int cmd_run(struct cli_ctx *ctx, int argc, char **argv);
int cmd_record(struct cli_ctx *ctx, int argc, char **argv);
/* ntlab run --minimize FILE (src/cli/cmd_minimize.c; options parsed by
 * cmd_run): writes the minimized scenario. CLI_OK or the error said. */
struct scn_admin;
struct cli_min_args {
    const char *file, *out, *reference, *tmp;
    bool force, allow_outside, minimize;
};
int cli_minimize(struct cli_ctx *ctx, const struct cli_min_args *m, const struct scn_admin *admin,
                 bool (*command_ok)(const char *name));
int cmd_export(struct cli_ctx *ctx, int argc, char **argv); /* cmd_export.c */
/* What --version prints (NTLAB_VERSION: only main.c includes version.h,
 * which changes at every commit). */
const char *cli_version(void);
/* Exercises (src/cli/cmd_exercise.c, issue 16). */
int cmd_exercise(struct cli_ctx *ctx, int argc, char **argv);
/* How scenarios' admin steps run (cmd_run.c): in-process, or into the
 * daemon serving the lab; for the exercise grader. */
const struct scn_admin *cli_scenario_admin(void);

/* The arguments of `ntlab COMMAND ...` (argv[0] the command, --machine
 * taken out) that name files the command reads: `policy import FILE`,
 * `mail deliver ALIAS FILE...` ("-", stdin, is not one), `persona add
 * NAME FILE`. Fills idx with up
 * to max indexes into argv; returns how many there are (src/cli/fileargs.c). */
int cli_file_args(int argc, char *const *argv, int *idx, int max);
/* As cli_file_args, "-" included: every word in a file's place (the
 * daemon refuses any that is not a file sent with the command). */
int cli_file_words(int argc, char *const *argv, int *idx, int max);
/* One delivered message, at most (mail deliver; cmd_mail.c). */
#define CLI_MESSAGE_MAX (64u * 1024u * 1024u)
/* mail deliver's option whose value is a number, not a file (cmd_mail.c). */
#define CLI_MAIL_COUNT_OPT "--count"
/* path made absolute against the caller's working directory (not resolved:
 * the file need not exist), in *out (malloc'd, the caller's). 0 or an
 * errno value. */
int cli_absolute_path(const char *path, char **out);
/* Sends `ntlab rest...` to the daemon serving labdir (control_forward),
 * with the content of every file it names (cli_file_args, and mail
 * deliver's "-": in, the caller's stdin as read) as control files, each
 * named by its absolute path, stdin as "stdin" (src/cli/forward.c).
 * `mail deliver ALIAS FILE...` goes as one request per message, in order,
 * up to the first that fails. Returns false when no daemon serves the lab (nothing was
 * done: the caller runs the command on the lab's files); else true with
 * *rc the exit code (a file that cannot be read, or over the channel's 16
 * MiB, fails it before it is sent, err says). */
bool cli_forward(const char *labdir, const char *machine, int n, char **rest,
                 const struct buf *in, FILE *out, FILE *err, int *rc);
/* Whether cli_forward would send the caller's stdin ("-" in mail deliver). */
bool cli_forward_reads_stdin(int n, char *const *rest);

/* Whether a command reads or changes lab state and so, when a daemon serves
 * the lab, must run inside it (through the control socket). */
bool cli_command_is_forwarded(const char *name);
/* The daemon's command (daemon.h's command hook; cmd_daemon.c): runs a
 * forwarded command, mail deliver, or the student's part of exercise
 * (check, hint, show) against the live lab, refusing everything else.
 * Returns the exit code. */
int cli_live_command(void *arg, struct lab *lab, const char *labdir, const char *machine,
                     int argc, char **argv, FILE *out, FILE *err);

#endif

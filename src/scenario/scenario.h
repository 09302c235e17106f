/* Scenarios: one plain-text file per case that builds a lab with ntlab
 * commands, drives POP3 sessions and admin steps, and asserts exact
 * transcripts. The format is documented in tests/scenarios/README.md; in
 * short (one directive a line, '#' starts a comment line):
 *
 *   title TEXT                 reproduces TEXT           tags WORD...
 *   include PATH               (relative to this file; fragments nest)
 *   ntlab ARGS... [<<TAG]      an admin step: an ntlab command; a here-doc
 *                              body stands for its "-" argument
 *     exit N | out TEXT | has TEXT | lacks TEXT     checks on that step
 *   begin                      the lab is set up: steps above are setup
 *   timeout DURATION           waits over TCP (default 5s)
 *   open NAME [MACHINE]        connect a POP3 session
 *   smtp NAME [MACHINE]        connect an SMTP session (the machine's IMS)
 *   refused [MACHINE]          a connection must be refused
 *   close NAME                 the client drops the connection
 *   NAME > TEXT                send TEXT + CRLF    (NAME >lf TEXT: + LF)
 *   NAME < TEXT                expect a reply line (NAME <lf TEXT: LF-ended)
 *   NAME <<TAG                 expect the lines up to TAG (a multi-line reply)
 *   NAME closed                expect the server to close the connection
 *   secret NAME VALUE          later lines' ${NAME} stand for VALUE (secret.h)
 *
 * Expected text is exact, byte for byte, except for {{REGEX}} escapes
 * (match.h). Parsing is bounded (SCN_* limits) and every error names
 * "FILE:LINE". Running happens in-process on a fresh lab in a fresh
 * directory, or against a live server (--target). */
#ifndef NTLAB_SCENARIO_SCENARIO_H
#define NTLAB_SCENARIO_SCENARIO_H
#include "src/scenario/match.h"
#include "src/scenario/secret.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCN_FILE_MAX (1u << 20)      /* one scenario or fragment file */
#define SCN_TOTAL_MAX (16u << 20)    /* all files of one scenario together */
#define SCN_LINE_MAX 8192u           /* one line of a file */
#define SCN_INCLUDE_DEPTH 16
#define SCN_MAX_FILES 256            /* files read for one scenario */
#define SCN_MAX_STEPS 100000u
#define SCN_MAX_ARGS 64              /* words of one ntlab step */
#define SCN_MAX_CHECKS 10000u        /* out/has/lacks lines of one ntlab step */
#define SCN_MAX_SESSIONS 32          /* open at once */
#define SCN_NAME_MAX 31              /* a session name */
#define SCN_MACHINE_MAX 15
#define SCN_MAX_TAGS 64
#define SCN_DEFAULT_TIMEOUT 5        /* seconds */

struct lab;
struct scn_result;

struct scn_loc {
    const char *file; /* interned in the scenario */
    unsigned line;
};

enum scn_op {
    SCN_OP_BEGIN,   /* the setup ends here */
    SCN_OP_TIMEOUT, /* sets the TCP wait (timeout) */
    SCN_OP_NTLAB,   /* an admin step */
    SCN_OP_OPEN,    /* connect session `session` (to `machine`) */
    SCN_OP_REFUSED, /* a connection (to `machine`) must be refused */
    SCN_OP_CLOSE,   /* the client drops session `session` */
    SCN_OP_SEND,    /* send data[0..len) (line end included) */
    SCN_OP_EXPECT,  /* expect one line matching pat (bare_lf: ended by LF alone) */
    SCN_OP_CLOSED,  /* expect the server to close */
};

enum scn_check_kind {
    SCN_CHECK_OUT,   /* the output, line by line (all `out` lines = the whole output) */
    SCN_CHECK_HAS,   /* some output line matches */
    SCN_CHECK_LACKS, /* no output line matches */
};

struct scn_check {
    enum scn_check_kind kind;
    struct scn_loc loc;
    struct scn_pattern pat;
};

struct scn_step {
    enum scn_op op;
    struct scn_loc loc;
    bool setup; /* before `begin` */
    char session[SCN_NAME_MAX + 1];
    char machine[SCN_MACHINE_MAX + 1]; /* OPEN/REFUSED; "" = the machine running the store */
    bool smtp;                         /* OPEN: an SMTP session on the machine's IMS */
    /* SEND: the bytes to send; EXPECT: pat and bare_lf */
    char *data;
    size_t len;
    bool bare_lf;
    struct scn_pattern pat;
    /* NTLAB */
    char *cmdline; /* the words as written after "ntlab " (for transcripts) */
    int argc;
    char **argv;   /* argv[0] is the subcommand */
    char *heredoc; /* the here-doc body, or NULL */
    size_t heredoc_len;
    int heredoc_arg; /* index of the "-" it stands for, or -1 */
    int exit_code;   /* expected exit code (exit N), default 0 */
    bool has_out;
    struct scn_check *checks;
    size_t nchecks;
    /* TIMEOUT */
    int64_t timeout;
};

struct scn {
    char *path; /* the scenario file as given */
    char *title;
    char *reproduces;
    char **tags;
    size_t ntags;
    struct scn_step *steps;
    size_t nsteps;
    char **files; /* every file read (locations point here) */
    size_t nfiles;
    bool has_begin;
    size_t admin_steps; /* NTLAB steps, and those after `begin` */
    size_t admin_steps_after_begin;
    size_t session_steps; /* OPEN and REFUSED */
    struct scn_secrets secrets; /* `secret NAME VALUE` lines (secret.h) */
};

struct scn_parse_opts {
    /* Whether `ntlab NAME ...` may appear in a scenario (NULL: any). */
    bool (*command_ok)(const char *name);
    /* Which words of an ntlab step (argv[0] the command, --machine taken
     * out) name files it reads: idx gets up to max indexes, the count is
     * returned (cli_file_args). Those names are relative to the file that
     * holds the step, as include's, confined like them (confine.h), and
     * replaced by their real absolute path. NULL: none are known. */
    int (*file_args)(int argc, char *const *argv, int *idx, int max);
    /* --allow-outside-files: include and file arguments may leave the
     * scenario's directory tree (confine.h). */
    bool allow_outside_files;
};

/* Parses the scenario file at path (and what it includes). Includes and
 * file arguments stay inside the scenario's directory tree unless o says
 * otherwise (confine.h); a parse error in an included file that is not a
 * *.scn or *.inc file names its FILE:LINE without its text. Returns 0,
 * EINVAL ("FILE:LINE: problem" in err), ENOENT/EACCES/EFBIG/... for a file
 * that cannot be read ("FILE: reason", or "FILE:LINE: include ...: reason"
 * for an included one), ENOMEM. o may be NULL. */
int scn_parse_file(const char *path, const struct scn_parse_opts *o, struct scn **out, char *err,
                   size_t errlen);
/* The same for text held in memory, named name (includes are relative to
 * name's directory). */
int scn_parse_text(const char *name, const char *text, size_t len, const struct scn_parse_opts *o,
                   struct scn **out, char *err, size_t errlen);
void scn_free(struct scn *s);
bool scn_has_tag(const struct scn *s, const char *tag); /* case-insensitive */

/* --- running -------------------------------------------------------------- */

/* How admin steps run: `ntlab ARGV...` (argv[0] is the subcommand; the
 * array and strings are the callee's to modify) against lab (in-process)
 * or, when lab is NULL, inside the daemon serving labdir. Everything the
 * command prints (stdout and stderr, in order) goes to out. Returns its
 * exit code. */
struct scn_admin {
    int (*run)(void *arg, struct lab *lab, const char *labdir, int argc, char **argv, FILE *out);
    void *arg;
};

struct scn_run_opts {
    const struct scn_admin *admin; /* needed by scenarios with ntlab steps */
    const char *target;  /* "HOST:PORT": sessions over TCP; NULL = in-process */
    const char *target_smtp; /* with target: "HOST:PORT" of its SMTP listener, for
                                `smtp` sessions (issue 18); NULL = they fail */
    const char *labdir;  /* with target: the lab of the `ntlab up` serving it: setup
                            steps are skipped, the others go to its control socket;
                            NULL = a foreign server (scenarios with admin steps skip) */
    const char *tmpbase; /* parent of fresh labs; NULL = /dev/shm when usable, else
                            $TMPDIR or /tmp */
    const char *prepare; /* build only the setup, in this new or empty directory, and keep it */
    bool force;          /* with prepare: a directory holding a lab is emptied first (one
                            that is not empty and holds no lab is refused all the same) */
    bool keep;           /* keep the lab directory of a failed scenario */
    bool want_transcript; /* fill result.transcript */
    bool want_actual;     /* fill result.actual */
    /* In-process only: called with the final lab once the run is over (its
     * result filled in), before the lab is removed; it may turn the result
     * into a failure (status and message). NULL: none. Runs on the job's
     * thread under -j. */
    void (*at_end)(void *arg, const struct scn *s, struct lab *lab, struct scn_result *r);
    void *at_end_arg;
    const char *existing; /* in-process on the lab already in this directory (issue 16's
                             exercise grader, on its own copy): setup steps are skipped and
                             the directory stays; NULL = a fresh lab */
    struct lab *lab;      /* in-process on this open lab, which stays open and is not the
                             run's (the daemon's own, for the console's exercise check: it
                             cannot reach itself over its sockets); setup steps are skipped;
                             NULL = as above */
};

enum scn_status { SCN_PASS, SCN_FAIL, SCN_SKIP };

struct scn_result {
    enum scn_status status;
    char *path;       /* the scenario file */
    char *title;      /* its title, or NULL */
    char *where;      /* "FILE:LINE" of the first failure, or NULL */
    char *message;    /* why it failed or was skipped (one line), or NULL */
    char *got;        /* the first failure's actual line (a reply, an output line),
                         made visible (scn_visible), or NULL when it has none */
    char *diff;       /* unified diff of expected vs actual transcript, or NULL */
    char *transcript; /* the sessions as a telnet user saw them (want_transcript) */
    char *actual;     /* what really happened, made visible: lines sent and received,
                         every command's output (want_actual) */
    char *kept;       /* the lab directory kept (keep, prepare), or NULL */
    double seconds;
};

/* Runs s (never fails as a function: problems become a failed result). */
void scn_run(const struct scn *s, const struct scn_run_opts *o, struct scn_result *r);
void scn_result_free(struct scn_result *r);
/* A failed result for the scenario at path that did not parse; err is
 * "FILE:LINE: problem" (or "FILE: problem"). 0 or ENOMEM. */
int scn_result_parse_error(struct scn_result *r, const char *path, const char *err);

/* Removes a directory tree (no symlinks followed). 0 or an errno value. */
int scn_rmtree(const char *path);

#endif

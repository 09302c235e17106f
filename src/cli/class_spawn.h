/* Running ntlab commands for each student of a class (issue 16): the same
 * program as a child per lab (plat_spawn_self), a few at a time, each
 * child's output kept in DIR/instructor/logs/LOGIN.WHAT for the instructor. */
#ifndef NTLAB_CLI_CLASS_SPAWN_H
#define NTLAB_CLI_CLASS_SPAWN_H
#include "src/exercise/class.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_ctx;

#define CLASS_ARGV_MAX 16
#define CLASS_JOBS 8 /* children at once: each mostly waits (a daemon coming up) */

/* Fills argv (at most CLASS_ARGV_MAX - 1 words, NULL-terminated; the
 * strings in store, 1024 bytes) for student i, or returns false to skip
 * that student (its rc is then -2). */
typedef bool class_argv_fn(void *arg, const struct class_conf *c, size_t i, const char *lab,
                           char *argv[], char *store);

/* The commands (class_argv.c): exercise start (init --preset), up on the
 * class's ports for a lab not served, down for a served one, and exercise
 * check. */
class_argv_fn class_start_argv, class_up_argv, class_down_argv, class_check_argv;

/* Records a grading of ctx's lab in LAB/progress.conf at the lab's clock
 * time (class_progress.c): best effort, since a student's read-only view
 * of the lab cannot write it, and grading must not fail for that. */
void class_progress_record(struct cli_ctx *ctx, const char *const *names, const bool *met,
                           size_t n);

/* Runs the command argv_fn gives for every student of c in classdir
 * (labs under labroot, normally classdir), up to CLASS_JOBS at once, output
 * to instructor/logs/LOGIN.what; rc[i] is the child's exit code (-1: it
 * did not start or was killed, the reason in its log). Returns 0, or
 * ENOSYS where the platform cannot start a child (printed by the caller). */
int class_spawn_all(const char *classdir, const struct class_conf *c, const char *what,
                    class_argv_fn *argv_fn, void *arg, int *rc);
/* Prints the first lines (at most 2 KiB) of student i's log "what" to f,
 * each indented. */
void class_log_show(FILE *f, const char *classdir, const char *login, const char *what);
/* `ntlab class report DIR` in format "text", "csv" or "json"
 * (cmd_class_report.c); an exit code. */
int class_report(struct cli_ctx *ctx, const char *dir, const struct class_conf *c,
                 const char *format);
/* up, down, status and report (cmd_class_run.c); an exit code. */
int cmd_class_run(struct cli_ctx *ctx, int argc, char **argv);

/* The spaces that pad s to width columns in a table: one column per
 * character, not per byte (UTF-8 display names); 0 when s is wider. */
int class_pad(const char *s, int width);

/* The message for ENOSYS from class_spawn_all. */
#define CLASS_NOSPAWN                                                                            \
    "this system cannot start ntlab for each lab (no fork/exec: Windows); serve each lab "       \
    "with 'ntlab -C DIR/labs/LOGIN up --foreground --listen ...' (ports: DIR/instructor/"        \
    "class.conf)"

#endif

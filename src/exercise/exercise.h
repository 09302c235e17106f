/* Exercises (issue 16): a broken lab handed to a student, goals checked
 * against the live or offline lab, hints, and the explanation once every
 * goal is met. Data lives in src/exercises/ (NAME.exercise, embedded in the
 * binary; NAME.solution, the instructor's keys, not embedded); the format is
 * README "Exercises". The setup and every goal are scenario text run by
 * src/scenario (scn_parse_text, scn_run): an exercise adds no runner of its
 * own. Errors are errno values with "FILE:LINE: problem" in err. */
#ifndef NTLAB_EXERCISE_EXERCISE_H
#define NTLAB_EXERCISE_EXERCISE_H
#include "src/scenario/scenario.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EX_FILE_MAX (256u << 10) /* one .exercise or .solution file */
#define EX_LINE_MAX 4096u
#define EX_NAME_MAX 47           /* an exercise, goal or wrong-solution name */
#define EX_MAX_GOALS 32
#define EX_MAX_HINTS 16          /* per goal */
#define EX_MAX_WRONGS 16
#define EX_MAX_WORDS 24          /* words of one goal line */
#define EX_VAR_MAX 31            /* one variable's value */

enum ex_goal_kind {
    EX_GOAL_POP3,    /* pop3 MACHINE LOGIN PASSWORD: USER/PASS ends in +OK */
    EX_GOAL_RIGHT,   /* right ACCOUNT RIGHT FOCUS: the right is held in that focus */
    EX_GOAL_SERVICE, /* service MACHINE SERVICE STATE */
    EX_GOAL_TOKEN,   /* token MACHINE PRIVILEGE: a running service's token holds it */
    EX_GOAL_EVENT,   /* event MACHINE LOG ID SOURCE...: such an event exists */
    EX_GOAL_LEAST,   /* least-privilege MACHINE ACCOUNT FOCUS MAILBOX RIGHT...: the
                        rights went to ACCOUNT alone, it holds exactly RIGHT..., and
                        the store still audits failed logons */
};

struct ex_goal {
    char name[EX_NAME_MAX + 1];
    enum ex_goal_kind kind;
    unsigned line;
    int argc;     /* words after the kind, variables not yet expanded */
    char **argv;
    char **hints; /* in the order the student gets them */
    size_t nhints;
};

struct ex_wrong {
    char name[EX_NAME_MAX + 1];
    char goal[EX_NAME_MAX + 1]; /* the first goal it must leave unmet */
    unsigned line;
    char *steps; /* scenario lines (admin steps) */
};

struct exercise {
    char *file; /* as named to the parser */
    char name[EX_NAME_MAX + 1]; /* the file's base name without .exercise */
    char *title;
    char *kb;   /* "Q189732 XADM: ..." */
    int difficulty; /* 1..5 */
    char *story;
    char *explanation;
    char *setup; /* scenario lines that build the broken lab (and boot it) */
    unsigned setup_line; /* the file line of setup's first line */
    struct ex_goal goals[EX_MAX_GOALS];
    size_t ngoals;
    /* from NAME.solution (ex_parse_keys) */
    char *solution; /* scenario lines; NULL until keys are read */
    struct ex_wrong wrongs[EX_MAX_WRONGS];
    size_t nwrongs;
};

/* Parses an exercise file held in memory, named name (for errors and
 * ex->name). Checks the setup as scenario text with the default names.
 * Returns 0 and *out (ex_free it), EINVAL ("NAME:LINE: problem"), EFBIG,
 * ENOMEM. */
int ex_parse(const char *name, const char *text, size_t len, struct exercise **out, char *err,
             size_t errlen);
/* Adds the keys (solution, wrong solutions) from a .solution file to ex;
 * a wrong solution names a goal of ex. 0, EINVAL, EFBIG, ENOMEM. */
int ex_parse_keys(struct exercise *ex, const char *name, const char *text, size_t len, char *err,
                  size_t errlen);
void ex_free(struct exercise *ex);

/* --- names of one instance (vars.c) -------------------------------------- */

enum ex_var {
    EX_VAR_DOMAIN, EX_VAR_DC, EX_VAR_SERVER, EX_VAR_SVC, EX_VAR_SVCPASS,
    EX_VAR_USER, EX_VAR_PASSWORD, EX_VAR_MAILBOX, EX_VAR_COUNT
};

struct ex_vars {
    uint64_t seed; /* 0 = the article's own names */
    char v[EX_VAR_COUNT][EX_VAR_MAX + 1];
};

/* The names of seed (0: CORP, CORPDC, EXCHSRV, EXCHSVC, ...); the same
 * seed always gives the same names. */
void ex_vars_init(struct ex_vars *vars, uint64_t seed);
/* "DOMAIN", "DC", ... */
const char *ex_var_name(enum ex_var v);
/* text with each ${NAME} replaced (malloc'd, the caller's); an unknown
 * ${...} is left as written (ex_parse rejects them first). NULL = ENOMEM. */
char *ex_expand(const char *text, const struct ex_vars *vars);
/* Whether text's ${...} all name variables; the first bad one into bad. */
bool ex_vars_known(const char *text, char *bad, size_t n);

/* --- grading (grade.c) ---------------------------------------------------- */

enum ex_mode {
    EX_FRESH,   /* a fresh in-process lab: the setup, then o->steps, then the goal */
    EX_OFFLINE, /* a copy of o->labdir, booted as ntlab up boots it */
    EX_LIVE,    /* the ntlab up serving o->labdir: its control socket, POP3 at o->target */
    EX_HERE,    /* inside that ntlab up, in-process on its open lab o->lab (the console's
                   check: the daemon cannot reach itself over its own sockets) */
};

struct ex_grade_opts {
    enum ex_mode mode;
    const struct scn_admin *admin;
    const char *labdir;  /* OFFLINE, LIVE */
    const char *target;  /* LIVE: HOST:PORT of the POP3 listener */
    const char *steps;   /* FRESH: admin steps after the setup (a solution), or NULL */
    const char *tmpbase; /* parent of scratch labs (NULL: as scn_run) */
    struct lab *lab;     /* HERE: the live lab (left open) */
};

struct ex_goal_result {
    bool met;
    /* false: not judged (OFFLINE, a goal on a running service: unmet, and
     * why says to check the served lab) */
    bool judged;
    char *why; /* unmet: one line saying why (an explanation for least-privilege) */
};

struct ex_report {
    size_t ngoals, nmet;
    size_t nunjudged; /* goals left to the served lab (OFFLINE) */
    struct ex_goal_result goals[EX_MAX_GOALS];
    int first_unmet; /* index of the first goal judged and unmet, -1 when none */
};

/* Evaluates every goal of ex (names of vars). Never changes labdir: OFFLINE
 * works on a scratch copy, booted as ntlab up boots it, except for the
 * goals on a running service (token, service): a stopped lab keeps no
 * service state or token on disk (only policy, SAM, services.conf and the
 * event logs), so booting a copy would show a restart the student never
 * made; those goals are left unjudged (ex_goal_needs_live); LIVE runs read-only commands through the control
 * socket and POP3 sessions as a client would (the least-privilege probe's
 * failed logon leaves its event in the log); HERE runs the same commands and
 * sessions in-process on o->lab. 0, or an errno value with the
 * reason in err (the lab cannot be copied, ENOMEM). */
int ex_grade(const struct exercise *ex, const struct ex_vars *vars, const struct ex_grade_opts *o,
             struct ex_report *rep, char *err, size_t errlen);
void ex_report_free(struct ex_report *rep);
/* Whether goal kind k is judged only on a served lab (a running service's
 * state or token). */
bool ex_goal_needs_live(enum ex_goal_kind k);
/* The why of a goal left unjudged offline: what to run (the lab named twice). */
#define EX_UNJUDGED_WHY                                                                            \
    "not judged offline: a service's state and token exist only while the lab is served, and "  \
    "a stopped lab keeps neither on disk; check the served lab: ntlab -C %s up (unless it "      \
    "runs), then ntlab -C %s exercise check"
/* The goal's scenario text (for tests and `check -v`), malloc'd; NULL = ENOMEM. */
char *ex_goal_text(const struct exercise *ex, size_t goal, const struct ex_vars *vars,
                   enum ex_mode mode, const char *steps);

/* --- copies (copy.c) ------------------------------------------------------ */

/* Copies the lab tree from src into the new directory dst (regular files
 * and directories only; lock files and the control socket are skipped).
 * 0 or an errno value. */
int ex_copy_lab(const char *src, const char *dst);

#endif

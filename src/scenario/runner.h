/* Inside scn_run (private to src/scenario/run*.c): the state of one run
 * and what its three parts share. run.c is the runner core (the lab or
 * scratch directory, the step loop, the result) and the transcript
 * helpers; run_sess.c the POP3 sessions and their steps; run_admin.c the
 * `ntlab` admin steps. Every step adds the same line to both transcripts
 * when it goes as expected, so a mismatch shows as the lines that differ. */
#ifndef NTLAB_SCENARIO_RUNNER_H
#define NTLAB_SCENARIO_RUNNER_H
#include "src/lib/buf.h"
#include "src/pop3/pop3.h"
#include "src/scenario/tcp.h"
#include "src/scenario/diff.h"
#include "src/scenario/mask.h"
#include "src/net/smtplocal.h"
#include "src/scenario/scenario.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCN_RX_MAX (64u << 20) /* bytes one session may hold unread */

struct exchange_session;

struct scn_sess {
    bool used;
    char name[SCN_NAME_MAX + 1];
    char peer[SCN_HOST_MAX + 16]; /* for the telnet line of the transcript */
    struct exchange_session *es;  /* in-process: the store, ps's logon backend */
    struct pop3_session *ps;      /* in-process */
    struct pop3_config cfg;       /* in-process: the runner's, host = the machine */
    struct smtplocal *sl;         /* in-process: an SMTP session (`smtp NAME`) */
    int fd;                       /* over TCP, else -1 */
    struct buf rx;                /* received, not yet taken as lines */
    bool eof;                     /* the server closed */
    bool overflow;
    bool never_opened;    /* the open failed: its steps are skipped, not failed again */
    struct scn_mask mask; /* what of the client's lines is shown */
    struct buf last;      /* the last line received, for {{ntlm ...}} (ntlmstep.h) */
};

struct scn_runner {
    const struct scn *s;
    const struct scn_run_opts *o;
    struct scn_result *res;
    struct lab *lab; /* in-process */
    char dir[4096];  /* the fresh lab (or scratch dir over TCP) */
    bool have_dir;
    struct scn_transcript exp, act;
    struct buf article; /* --transcript */
    struct buf real;    /* -v: what was sent, received and printed */
    bool multi;         /* several session names: prefix article lines */
    const char *last_article_sess;
    struct scn_sess sess[SCN_MAX_SESSIONS];
    uint64_t nonce;
    int timeout_ms;
    struct pop3_config cfg;
    unsigned heredocs;
    bool failed;
    struct scn_loc fail_loc;
    char fail_msg[600];
    bool oom;
};

/* --- transcripts and reports (run.c) ---------------------------------------- */

/* Records the first mismatch (later ones only show in the diff). */
void scn_run_mismatch(struct scn_runner *r, struct scn_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Notes a failed append (rc != 0): the run ends as out of memory. */
void scn_run_chk(struct scn_runner *r, int rc);
/* A short visible quote of a line, '...'-quoted, for one-line messages. */
void scn_run_quote(char *out, size_t n, const char *s, size_t len, unsigned flags);
/* -v: one line of what really happened, made visible (prefix + text). */
void scn_run_real_line(struct scn_runner *r, const char *prefix, const char *text, size_t len,
                       unsigned flags);
void scn_run_real_linef(struct scn_runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* --transcript: one line as the telnet user saw it ([sess] prefixed when
 * the scenario has several session names). */
void scn_run_article_line(struct scn_runner *r, const char *sess, const char *text, size_t len);

/* --- sessions (run_sess.c) -------------------------------------------------- */

/* Runs an OPEN, REFUSED, CLOSE, SEND, EXPECT or CLOSED step. */
void scn_run_session_step(struct scn_runner *r, const struct scn_step *st);
/* In-process: lets every session see the virtual clock (autologout). */
void scn_run_tick(struct scn_runner *r);
/* At the end: replies still waiting that no step expected, as mismatches at loc. */
void scn_run_flush_sessions(struct scn_runner *r, struct scn_loc loc);
/* Closes every session and frees what it holds. */
void scn_run_end_sessions(struct scn_runner *r);

/* --- admin steps (run_admin.c) ---------------------------------------------- */

/* Gives every machine of r->lab the Exchange store image, as the daemon
 * does (after each admin step, and on an existing lab before the first). */
void scn_run_register_images(struct scn_runner *r);
/* Runs an NTLAB step through r->o->admin and checks its exit code and output. */
void scn_run_ntlab(struct scn_runner *r, const struct scn_step *st);

#endif

/* ntlab up --record FILE.scn (issue 19): a live lab written as a scenario
 * while the daemon serves it. The file starts with the export of the lab
 * at `up` (export.h) then `ntlab boot` and `begin`; then each admin step
 * that changes the lab (the control channel's commands; read-only ones --
 * list, show, who, eventlog, errmsg -- are left out) is appended as the
 * `ntlab ...` line a person types, with `exit N` when it failed and its
 * output as `out` lines, and each POP3 or SMTP session as `open sN` /
 * `smtp sN`, its lines (`sN > ...`, `sN < ...`) and `sN closed` or
 * `close sN`, once it ends. Passwords (--password, --nt-hash,
 * --apop-secret, logon's PASSWORD, a POP3 PASS and AUTH answers: what
 * mask.h masks) become `secret` lines declared once before their first
 * use and written as ${NAME}, so the file replays. Each append is one
 * write and fdatasync. */
#ifndef NTLAB_SCENARIO_LIVEREC_H
#define NTLAB_SCENARIO_LIVEREC_H
#include "src/lib/buf.h"
#include "src/net/daemon.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lab;
struct scn_liverec;

struct scn_liverec_opts {
    const char *path;     /* the scenario file (kept as given: make it absolute) */
    bool append;          /* append to an existing file (else it must not exist) */
    const char *version;  /* the ntlab version, for the header */
    int64_t date;         /* the header's date (seconds since the epoch, UTC) */
    const char *lab_name; /* how the header names the lab */
};

/* Starts a recording of lab (opened, not yet booted): writes the header
 * and the export durably (a new file: created exclusively, fsync, fsync
 * of its directory). With append and an existing file: appends a
 * "recording resumed" comment instead, and takes the secrets the file
 * declares. Returns 0 and *out (scn_liverec_free), EEXIST (the file
 * exists and append is false), or an errno value; err says which. */
int scn_liverec_open(struct lab *lab, const struct scn_liverec_opts *o, struct scn_liverec **out,
                     char *err, size_t errlen);
/* The recorder the daemon calls (daemon.h), its arg the recording. */
extern const struct daemon_recorder scn_liverec_hooks;
void scn_liverec_free(struct scn_liverec *r);

/* The text one step or one session appends (exposed for tests): appends
 * to out, declaring new secrets in r. 0, ENOMEM or E2BIG. */
int scn_liverec_step_text(struct scn_liverec *r, const struct daemon_step *st, struct buf *out);
int scn_liverec_session_text(struct scn_liverec *r, const struct daemon_session_rec *s,
                             struct buf *out);

#endif

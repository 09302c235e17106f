/* The control channel between `ntlab COMMAND` and a running `ntlab up`
 * daemon: admin commands (rights, user, reboot, service, clock, ...) run
 * inside the daemon against its live machines. On POSIX it is a Unix-domain
 * socket LAB/ntlab.ctl, mode 0600 (owner-only). The wire format is owned by
 * src/net/control.c. (Contract between the CLI and the daemon.)
 *
 * Wire format (all integers 32-bit big-endian):
 *   request  = "NTLC" VERSION(1 byte = 1) BODYLEN body
 *   body     = FLAGS [LEN machine] ARGC (LEN arg)* [NFILES (ARG LEN data)*]
 *              FLAGS bit 0: a machine follows; bit 1: files follow
 *   response = "NTLR" VERSION(1 byte = 1) RC OUTLEN out ERRLEN err
 * A file is the content of the file argument argv[ARG] names on the
 * client's side (which may be another host: a VM, Wine): the daemon writes
 * it under the lab (LAB/.ctl-files) and runs the command with that path
 * instead (control_request_files_put). Every file a command reads comes
 * this way: the daemon refuses a command that names one by its path
 * (cli_live_command).
 * Bounds: body <= CONTROL_REQUEST_MAX, argc 1..CONTROL_ARGC_MAX, each
 * string <= CONTROL_ARG_MAX bytes with no NUL; 1..CONTROL_FILES_MAX files,
 * distinct ARG in 1..argc-1, CONTROL_FILE_MAX bytes together (any bytes);
 * out and err <= CONTROL_OUTPUT_MAX each (the daemon cuts longer output
 * and says so).
 * Whoever connects must have the daemon's uid (SO_PEERCRED), besides the
 * socket's 0600 mode. */
#ifndef NTLAB_NET_CONTROL_H
#define NTLAB_NET_CONTROL_H
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONTROL_SOCKET "ntlab.ctl"
#define CONTROL_PIDFILE "ntlab.pid"
#define CONTROL_FILE_MAX (16u * 1024u * 1024u) /* the files of one request together */
#define CONTROL_FILES_MAX 8u
#define CONTROL_REQUEST_MAX (256u * 1024u + CONTROL_FILE_MAX + 8u * CONTROL_FILES_MAX + 4u)
#define CONTROL_ARGC_MAX 256u
#define CONTROL_ARG_MAX 65536u
#define CONTROL_OUTPUT_MAX (16u * 1024u * 1024u)
#define CONTROL_TIMEOUT_MS 120000 /* a request's whole round trip */

/* If a daemon serves the lab in labdir, sends the command (argv[0] is the
 * subcommand name, plus machine = the --machine value or NULL) to it,
 * copies what it printed to out and err, sets *rc to its exit code and
 * returns true. Returns false when no daemon serves the lab (no socket, or
 * nobody listening: a stale socket from a crash, which is removed unless
 * the lab's pid file is locked by a live daemon). A daemon that is there
 * but fails mid-request gives true with *rc = 1 and a message on err.
 * With NTLAB_CONTROL=tcp:HOST:PORT in the environment it talks to that
 * endpoint instead, with the secret (ctltcp.h), whatever labdir is, and
 * always returns true (an unreachable endpoint: *rc = 1, err says why). */
bool control_forward(const char *labdir, const char *machine, int argc, char **argv, FILE *out,
                     FILE *err, int *rc);

/* A file sent with a request: the content of what argv[arg] names. */
struct control_file {
    int arg;
    const char *data;
    size_t len;
};
/* control_forward with files (nfiles may be 0). Files over the bounds
 * fail the command (*rc = 2, err says) without sending it. */
bool control_forward_files(const char *labdir, const char *machine, int argc, char **argv,
                           const struct control_file *files, size_t nfiles, FILE *out, FILE *err,
                           int *rc);

/* Reads a request's files once a daemon answered (control_forward_load):
 * fills *files and *nfiles (owned by arg, valid until the call returns),
 * or fails the command: returns nonzero with *rc set and err saying. */
struct control_loader {
    int (*load)(void *arg, const struct control_file **files, size_t *nfiles, FILE *err,
                int *rc);
    void *arg;
};
/* control_forward_files whose files load reads only when a daemon serves
 * the lab: false (nothing read) when none does. */
bool control_forward_load(const char *labdir, const char *machine, int argc, char **argv,
                          const struct control_loader *load, FILE *out, FILE *err, int *rc);

/* --- the daemon's side -------------------------------------------------------- */

/* Creates LAB/ntlab.ctl (mode 0600, listening, non-blocking, close-on-exec),
 * replacing a stale socket file. Paths longer than sun_path are reached
 * through /proc/self/fd. Returns 0 and *fd, or an errno value (err says). */
int control_listen(const char *labdir, int *fd, char *err, size_t errlen);
/* Removes LAB/ntlab.ctl. */
void control_unlink(const char *labdir);

struct control_request {
    char *machine; /* NULL when none */
    int argc;
    char **argv; /* argv[argc] == NULL */
    struct control_file files[CONTROL_FILES_MAX]; /* data malloc'd, owned */
    size_t nfiles;
    char *placed[CONTROL_FILES_MAX]; /* where files_put wrote them */
    char *shown[CONTROL_FILES_MAX];  /* the argument as the client sent it (its name) */
};

/* Answers a control connection from another user (SO_PEERCRED) with exit
 * code 1 and "permission denied: LAB/ntlab.ctl ..." (best effort: one
 * non-blocking send) and closes fd. A silent close left the client with
 * "Broken pipe". */
void control_refuse_peer(int fd, const char *labdir);

/* Parses a request from the bytes received so far. Returns 0 (complete: *req
 * filled, owned by the caller, control_request_free), EAGAIN (need more
 * bytes), EPROTO (malformed), E2BIG (over a bound) or ENOMEM. */
int control_request_parse(const void *data, size_t len, struct control_request *req);
void control_request_free(struct control_request *req);
/* Appends a request (client side; exposed for tests). 0, E2BIG or ENOMEM. */
int control_request_encode(struct buf *b, const char *machine, int argc, char *const *argv);
/* The same with files (EINVAL: an ARG out of range or given twice). */
int control_request_encode_files(struct buf *b, const char *machine, int argc, char *const *argv,
                                 const struct control_file *files, size_t nfiles);
/* The daemon's side: empties labdir/.ctl-files of what is left there (a
 * killed daemon's request), writes the request's files into it (0700),
 * one at a time (the daemon runs one request at a time), and points their
 * arguments there: while the command runs the directory holds its files
 * and no others. 0, or an errno value with err saying. */
int control_request_files_put(struct control_request *req, const char *labdir, char *err,
                              size_t errlen);
/* Removes what files_put wrote (control_request_free does it too). */
void control_request_files_drop(struct control_request *req);
/* The command's output names the files where files_put wrote them; the
 * caller named them otherwise: each placed path in *text (malloc'd, may be
 * NULL) becomes the name the client sent, so that the reply, and what up
 * --record sees, read as a local run does. 0 or ENOMEM (*text unchanged). */
int control_request_unplace(const struct control_request *req, char **text, size_t *len);
/* Appends a response. Output past CONTROL_OUTPUT_MAX is cut with a note on
 * err. 0 or ENOMEM. */
int control_response_encode(struct buf *b, int rc, const char *out, size_t outlen,
                            const char *err, size_t errlen);

#endif

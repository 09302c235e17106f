/* `ntlab up`: one process serving a lab. It lets the lab's clock run (real
 * time from the lab's own time; wall time if lab.conf says clock = wall),
 * registers the Exchange store image on every machine, boots them all, and
 * then runs one epoll loop over
 *   - a POP3 listener per machine that has an msexchangeis service,
 *   - the POP3 connections (non-blocking, TCP_NODELAY, one engine session
 *     each, input held back while the engine does not want it, autologout
 *     by the engine's deadlines, swept once a second),
 *   - the control socket LAB/ntlab.ctl (admin commands against the live
 *     lab, `status`, `down`),
 *   - SIGTERM/SIGINT/SIGHUP through a signalfd.
 * A listener whose store is not running accepts and closes at once (the
 * client sees the connection end without a greeting); connections of a
 * store that stops are closed (no UPDATE), as a stopped Exchange service
 * drops its clients. Past a limit a new connection gets the persona's
 * too-many-connections line and is closed: the connection limit (at most
 * what the descriptor limit allows: `up` raises its soft RLIMIT_NOFILE to
 * the hard one, keeps a reserve, and counts 2 more descriptors per
 * logged-on session for its maildrop lock and message files) and the
 * per-address rate (max_conn_rate). Each session event is one log line (connect, logon outcome
 * with its Win32 code, QUIT, autologout, drop); passwords never are.
 *
 * Shutdown (signal or `ntlab down`): the listeners close, every connection
 * gets what output is already queued (best effort, non-blocking) and is
 * dropped — a session that had sent QUIT has already run its UPDATE, since
 * the engine runs UPDATE synchronously when QUIT arrives — then the
 * machines shut down (events 6006) and the pid file and socket go. */
#ifndef NTLAB_NET_DAEMON_H
#define NTLAB_NET_DAEMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lab;

#define DAEMON_MAX_LISTEN 64
#define DAEMON_DEFAULT_MAX_CONNECTIONS 16384u
#define DAEMON_LOG "ntlab.log"

/* Runs an admin command inside the daemon against the live lab: the CLI's
 * dispatcher (src/net may not call src/cli). Returns the exit code; it
 * must refuse commands that are not meant to run live. */
typedef int (*daemon_command_fn)(void *arg, struct lab *lab, const char *labdir,
                                 const char *machine, int argc, char **argv, FILE *out, FILE *err);

/* --- up --record (issue 19): what the daemon hands its recorder --------- */

/* An admin step the control channel ran (the command as it ran; files
 * are the contents the client sent, files[i].arg naming the argument). */
struct control_file;
struct daemon_step {
    const char *machine; /* the --machine value, or NULL */
    int argc;
    char **argv;
    const struct control_file *files;
    size_t nfiles;
    int rc;            /* its exit code */
    const char *out;   /* what it printed on stdout, then stderr */
    size_t outlen;
    const char *err;
    size_t errlen;
};

/* A POP3 or SMTP session that ended. tape holds what went over the
 * socket in order, as records: a byte 'C' (from the client) or 'S' (from
 * the server), a 32-bit little-endian length, that many bytes. */
#define DAEMON_TAPE_MAX (4u * 1024u * 1024u) /* beyond: truncated is set */
struct daemon_session_rec {
    bool smtp;
    const char *machine;
    const char *tape;
    size_t len;
    bool truncated;     /* the session was longer than DAEMON_TAPE_MAX */
    bool server_closed; /* the server ended it (QUIT), not the client or the daemon */
};

/* The recorder: each call appends to the recording and returns 0, or an
 * errno value with err saying why; then the daemon logs it and stops
 * recording (never the daemon). */
struct daemon_recorder {
    int (*step)(void *arg, const struct daemon_step *st, char *err, size_t errlen);
    int (*session)(void *arg, const struct daemon_session_rec *r, char *err, size_t errlen);
    void *arg;
};

struct daemon_config {
    const char *labdir;         /* the lab (made absolute before daemonizing) */
    const char *labdir_shown;   /* the lab as the user named it, for texts; NULL = labdir */
    const char *const *listen;  /* --listen specs: "ADDR:PORT" or "NAME=ADDR:PORT" */
    size_t nlisten;
    const char *const *listen_smtp; /* --listen-smtp specs, as --listen (smtpconn.h) */
    size_t nlisten_smtp;
    bool foreground;            /* log to stderr, no fork */
    size_t max_connections;     /* 0 = DAEMON_DEFAULT_MAX_CONNECTIONS */
    int64_t idle_timeout;       /* POP3 autologout seconds; 0 = the engine's default */
    /* New connections per source address per second; 0 = RATELIMIT_DEFAULT
     * (src/net/ratelimit.h), -1 = no limit. Loopback sources are exempt
     * unless rate_loopback. */
    int64_t max_conn_rate;
    bool rate_loopback; /* the rate limit counts loopback sources too */
    /* "tcp:ADDR:PORT": the control channel also on TCP, for clients that
     * present the secret in control_secret_file (ctltcp.h); NULL = only the
     * Unix socket. */
    const char *control_tcp;
    const char *control_secret_file;
    /* "[ADDR:]PORT": the teaching console on HTTP (httpconn.h); NULL = none. */
    const char *http;
    daemon_command_fn command;
    void *command_arg;
    /* up --record: every admin step and session goes to it; NULL = none. */
    const struct daemon_recorder *record;
    /* Printed (foreground) or handed to the waiting parent (background)
     * once serving: the listeners, and the lab's welcome text if any. */
    FILE *out;
};

/* Serves the lab (already opened by the caller, not yet booted) until a
 * signal or `ntlab down`. Without foreground it daemonizes first: the
 * calling process waits until the daemon serves (or failed) and returns
 * then; the daemon's own process returns when it stops (the caller must
 * just exit). *is_daemon tells which one returned. Errors go to err.
 * Returns an exit code: 0, or 1 (could not start: lab in use, bind
 * failure, boot failure, ...). */
int daemon_up(struct lab *lab, const struct daemon_config *cfg, FILE *err, bool *is_daemon);

/* Checks the syntax of one --listen spec ("ADDR:PORT" or "NAME=ADDR:PORT")
 * without the lab: 0, or EINVAL with "--listen 'SPEC': problem" in err.
 * Whether NAME is a machine with a store is up's to say (it needs the lab). */
int daemon_listen_check(const char *spec, char *err, size_t errlen);

/* The pid of the daemon serving labdir (from its locked pid file), or 0. */
long daemon_pid(const char *labdir);

#endif

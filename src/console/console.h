/* The browser console's HTTP/JSON API, transport-free: a request in (as
 * values: method, path, the headers that matter, the body), a response out
 * (status, type, body). src/net's HTTP row (httpconn.c) carries the bytes
 * with GNU libmicrohttpd; everything the console decides is here, so the
 * CUnit tests call it without a socket.
 *
 * Access (README "Teaching console: threat model"): only loopback peers;
 * the Host header must name a loopback host with the console's own port
 * (a page of another site that a DNS name rebinds to 127.0.0.1 is
 * refused); every request carries the lab's secret (?token= or the
 * X-Ntlab-Token header, compared in constant time); a request that can
 * change the lab (any method but GET/HEAD) must also carry an Origin equal
 * to http://HOST. No response carries a password, but for the export
 * (api_export.c: the file must rebuild the lab; README "Threat model").
 *
 * Reads go through the emulator's query API (emulator/query.h); writes call
 * what the CLI calls (machine_reboot, scm_start, ...), so each Win32 error
 * carries the code and the text the CLI prints (nterr_describe). */
#ifndef NTLAB_CONSOLE_CONSOLE_H
#define NTLAB_CONSOLE_CONSOLE_H
#include "src/lib/plat.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The console is built where libmicrohttpd and jansson are (Debian): not
 * in the Windows cross build (no mingw packages) nor in the QEMU
 * appliance's static build (Debian ships no static GnuTLS, which the
 * static libmicrohttpd needs). README "Teaching console" says so. */
#if !PLAT_WINDOWS && !defined(NTLAB_NO_CONSOLE)
#define NTLAB_CONSOLE 1
#else
#define NTLAB_CONSOLE 0
#endif

struct lab;

#define CONSOLE_SECRET_FILE "console.secret" /* in the lab, mode 0600 */
#define CONSOLE_SECRET_LEN 32u               /* hex characters */
#define CONSOLE_BODY_MAX 16384u              /* a request body past this: 413 */
#define CONSOLE_DEFAULT_ADDR "127.0.0.1:8110"

/* The Content-Security-Policy of every answer: scripts, styles and images
 * only from the console itself (no inline script or style, no eval), fetch
 * and the live stream only to it, no frames, no forms elsewhere. */
#define CONSOLE_CSP                                                                       \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "          \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct console {
    struct lab *lab;
    char secret[CONSOLE_SECRET_LEN + 1];
    unsigned port;  /* the listener's port: the Host header must name it */
    bool changed;   /* a request changed the lab (the daemon rechecks its stores) */
    /* Runs an ntlab command against the live lab as the control channel
     * does (src/net sets it to the daemon's command): how the console
     * reaches what sits in rooms above it (export, exercise). Returns
     * the command's exit code; NULL: the daemon runs no commands. */
    int (*command)(void *arg, int argc, char **argv, FILE *out, FILE *err);
    void *command_arg;
    /* up --record (issue 19): takes a successful write's step as the argv
     * of the `ntlab` command a person types for it (argv[0] the command;
     * machine: the --machine value or NULL), in order with the control
     * channel's steps and the sessions. 0, or an errno value with err
     * filled (the transport logs it and stops recording). NULL: the
     * daemon does not record. src/console/step.h builds the steps. */
    int (*record)(void *arg, const char *machine, int argc, char **argv, char *err,
                  size_t errlen);
    void *record_arg;
};

struct console_request {
    const char *method;  /* "GET", "POST", ... */
    const char *path;    /* "/api/v1/machines" (no query string) */
    const char *token;   /* ?token= or X-Ntlab-Token; NULL: none */
    const char *host;    /* the Host header; NULL: none */
    const char *origin;  /* the Origin header; NULL: none */
    bool peer_loopback;  /* the client's address is 127.0.0.0/8 or ::1 */
    bool body_too_large; /* the transport stopped reading past CONSOLE_BODY_MAX */
    const char *body;
    size_t body_len;
};

struct console_response {
    int status;       /* 200, 400, 403, ... */
    const char *type; /* static: "application/json", "text/html; charset=utf-8" */
    char *body;       /* owned: console_response_free */
    size_t len;
    bool body_static; /* body points to embedded data: not freed */
    const char *cache; /* static: the Cache-Control header; NULL means "no-store" */
    /* non-empty: a download, Content-Disposition: attachment; filename="..."
     * (letters, digits, '.', '-', '_' only) */
    char attachment[80];
};

/* Loads the lab's console secret, making it (random, mode 0600, written
 * durably) when the lab has none. 0 or an errno value with err filled
 * (EPERM: the file is readable by others or not the caller's; EINVAL: not
 * CONSOLE_SECRET_LEN hex characters). */
int console_secret_load(const char *labdir, char out[CONSOLE_SECRET_LEN + 1], char *err,
                        size_t errlen);

/* Answers one request into *rs (always filled, also for refusals). Returns
 * 0, or ENOMEM when no response could be built (the transport then answers
 * 500 itself). */
int console_handle(struct console *c, const struct console_request *rq,
                   struct console_response *rs);
void console_response_free(struct console_response *rs);

/* Whether rq may be served at all (peer, Host, secret, Origin for writes):
 * 0, or the HTTP status to refuse with (403; 401 for a missing secret),
 * with why filled. */
int console_access(const struct console *c, const struct console_request *rq, char *why,
                   size_t n);
/* The part of console_access that does not need the secret (peer and Host):
 * what the page's static files (/static/NAME) must pass. Same returns. */
int console_access_host(const struct console *c, const struct console_request *rq, char *why,
                        size_t n);

#endif

/* Building the console's JSON responses (console.h): internal to
 * src/console. */
#ifndef NTLAB_CONSOLE_REPLY_H
#define NTLAB_CONSOLE_REPLY_H
#include "src/console/console.h"
#if NTLAB_CONSOLE
#include <jansson.h>
#include <stdint.h>

/* rs = status with v as its body (v's reference is taken, also on
 * failure). 0 or ENOMEM. */
int reply_json(struct console_response *rs, int status, json_t *v);
/* rs = status with {"error": message}. 0 or ENOMEM. */
int reply_error(struct console_response *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rs = 409 with the Win32 code as the CLI shows it: {"error": "WHAT NAME:
 * 1069 ERROR_SERVICE_LOGON_FAILED: The service did not start due to a logon
 * failure.", "win32": 1069, "symbol": ..., "text": ...}. 0 or ENOMEM. */
int reply_win32(struct console_response *rs, const char *what, const char *name, uint32_t code);

/* The request's body as a JSON object whose keys are all in allowed (a
 * NULL-terminated list); an empty body is {}. NULL with rs filled (400 or
 * 413) when it is not. */
json_t *reply_body(const struct console_request *rq, const char *const *allowed,
                   struct console_response *rs);
/* The same check on a body of len bytes (len 0: {}), for the daemon's own
 * endpoints (src/net/httplive.c): NULL with why (n bytes) saying what is
 * wrong. */
json_t *reply_json_object(const char *body, size_t len, const char *const *allowed, char *why,
                          size_t n);
#endif
#endif

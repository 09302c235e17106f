/* What the console's unit suites (test_console*.c) share: a CORP lab with a
 * console on it, and requests as the console's own page sends them, run
 * without a socket as the HTTP row runs them. */
#ifndef NTLAB_TESTS_UNIT_CONSOLE_FIXTURE_H
#define NTLAB_TESTS_UNIT_CONSOLE_FIXTURE_H
#include "src/console/console.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include <jansson.h>

#define CFX_PORT 8110u
#define CFX_HOST "127.0.0.1:8110"
#define CFX_ORIGIN "http://127.0.0.1:8110"
#define CFX_SECRET "0123456789abcdef0123456789abcdef"

struct cfx_lab {
    const char *dir; /* unit_tmpdir(), the lab's directory */
    struct lab *lab;
    struct machine *dc, *srv;
    struct console con; /* on lab, CFX_PORT, CFX_SECRET; no hooks */
};

/* A new lab in a fresh temporary directory: CORP with the NT 4.0 PDC
 * CORPDC and the member SRV (administrator password "Adm1n!"), SRV's
 * service control manager attached, nothing booted. Ends the test on
 * failure; cfx_free undoes it. */
void cfx_corp(struct cfx_lab *q);
/* Adds SRV's demand-start service Svc (image "null", LocalSystem). */
void cfx_add_svc(struct cfx_lab *q);
void cfx_free(struct cfx_lab *q);

/* A well-formed request from the console's own page (its token, Host and
 * Origin, from loopback); body NULL for none. */
struct console_request cfx_req(const char *method, const char *path, const char *body);

/* Runs rq on con; asserts a JSON answer in which none of the strings of
 * never (NULL-terminated, or NULL) appears (a password must never go
 * back). Returns the status; the parsed body into *out (NULL: dropped). */
int cfx_json(struct console *con, const struct console_request *rq, json_t **out,
             const char *const *never);
#endif
#endif

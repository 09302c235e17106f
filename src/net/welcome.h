/* A lab's welcome text (LAB/welcome.txt, shown by `up --foreground`) with
 * the lab's real names filled in. The file is a template; these
 * placeholders are replaced, anything else is copied as is:
 *   ${LAB}          the lab directory as the user named it to `up` (shell-
 *                   quoted when it holds characters a shell would act on)
 *   ${HOST:NAME}    the address a client on this host uses to reach
 *                   machine NAME's POP3 listener (0.0.0.0 -> 127.0.0.1,
 *                   :: -> ::1)
 *   ${PORT:NAME}    that listener's port
 * A placeholder naming a machine without a listener is copied as is. */
#ifndef NTLAB_NET_WELCOME_H
#define NTLAB_NET_WELCOME_H
#include "src/net/server.h"
#include <stddef.h>
#include <stdio.h>

/* Writes tmpl[0..len) to f with the placeholders replaced. */
void welcome_render(const char *tmpl, size_t len, const char *lab_shown,
                    const struct server_listen *ls, size_t nls, FILE *f);

#endif

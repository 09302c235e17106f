/* The daemon's status text for machines, services and tokens, printed from
 * the emulator's query structs (emulator/query.h):
 *   machines:
 *     EXCHSRV         member     Windows NT 4.0 CORP            running
 *       service MSExchangeIS       running  auto     msexchangeis   CORP\exchsvc
 *         token of CORP\exchsvc (logon id 65538):
 *           SeTcbPrivilege                   Act as part of the operating system  Disabled
 *           granted since start: ...; takes effect at restart   (drift.h)
 *       service Spare              stopped  auto     null           LocalSystem
 *         last start failed: 1069 The service did not start due to a logon failure.
 * The "machines:" heading is the caller's. Column widths are the text's
 * contract (scripts and tests read it). */
#ifndef NTLAB_NET_STATUSFMT_H
#define NTLAB_NET_STATUSFMT_H
#include "emulator/lab.h"
#include "emulator/query.h"
#include <stdio.h>

/* "  NAME ROLE OS DOMAIN STATE" (domain "-" for a standalone server). */
void status_print_machine(FILE *f, const struct query_machine *q);
/* "    service NAME STATE START IMAGE ACCOUNT", then the token of a running
 * service (privileges as os names them, and the drift) or the last failed
 * start of a stopped one. */
void status_print_service(FILE *f, const struct query_service *s, enum osver os);
/* A token's privileges, one a line after indent: "NAME DISPLAY-NAME STATE"
 * (Enabled by default, Enabled, Disabled); nothing when it holds none. */
void status_print_privileges(FILE *f, const struct query_token *t, enum osver os,
                             const char *indent);
/* The running Exchange store's credentials cache (KB Q166620) after
 * indent: "credentials cache: N entries of B buckets, H hits, M misses
 * (age limit A min, idle limit I min)", or "... off (Credentials Cache
 * Size = 0)"; nothing when no store runs on m. status_print_machines
 * prints it under a running msexchangeis service. */
void status_print_credcache(FILE *f, struct machine *m, const char *indent);
/* Every machine of the lab and its services, as above. Returns 0, or
 * ENOMEM (nothing printed). */
int status_print_machines(FILE *f, struct lab *lab);

#endif

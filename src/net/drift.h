/* The status text of a running service's token drift (scm_token_drift):
 * what `status` and `service list --tokens` print under the token, e.g.
 *   granted since start: SeTcbPrivilege; takes effect at restart
 *   revoked since start: SeBackupPrivilege; takes effect at restart
 * nothing when the token agrees with the account's rights now. */
#ifndef NTLAB_NET_DRIFT_H
#define NTLAB_NET_DRIFT_H
#include "emulator/query.h"
#include "emulator/scm.h"
#include <stdio.h>

/* Writes the drift lines of svc (running on m) to f, each after indent. */
void drift_print(FILE *f, struct machine *m, const struct scm_service *svc, const char *indent);
/* The same lines from a queried token (query.h: its drift fields). */
void drift_print_token(FILE *f, const struct query_token *t, const char *indent);

#endif

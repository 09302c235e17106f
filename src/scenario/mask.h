/* Secrets kept out of what the scenario tools print or write as reports:
 * a client line's password (USER/PASS's "PASS x", any case), an AUTH
 * initial response and the SASL continuation lines the server asks for
 * with "+", and the password words of an ntlab command line. The bytes sent
 * and matched stay the real ones; only their shown form is masked, as the
 * keyword as sent followed by SCN_MASK_TEXT. APOP digests are shown (they
 * do not reveal the password). */
#ifndef NTLAB_SCENARIO_MASK_H
#define NTLAB_SCENARIO_MASK_H
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>

#define SCN_MASK_TEXT "********"

/* One session's state: whether the client is inside an AUTH exchange
 * (its next line answers a "+" challenge). Zero-initialise. */
struct scn_mask {
    bool in_auth;
};

/* Appends to out the client line line[0..len) (no line end) as it may be
 * shown, and advances m (may be NULL: no AUTH exchange is followed).
 * "PASS x y" -> "PASS ********", "AUTH PLAIN b64" -> "AUTH PLAIN ********",
 * a line inside an AUTH exchange -> "********" (except "*", the cancel).
 * Returns 0 or ENOMEM. */
int scn_mask_client(struct scn_mask *m, struct buf *out, const char *line, size_t len);
/* Tells m of a server line: a "+" continuation keeps an AUTH exchange
 * going, anything else ends it. m may be NULL. */
void scn_mask_server(struct scn_mask *m, const char *line, size_t len);
/* Appends the words of an ntlab command line (as written in a scenario,
 * quotes included) with the value of --password / --password=V, --nt-hash
 * and --apop-secret (what stands for a password: ntlab export) and the
 * PASSWORD of "logon ... USER PASSWORD" replaced by SCN_MASK_TEXT. 0 or
 * ENOMEM. */
int scn_mask_cmdline(struct buf *out, const char *cmdline);

#endif

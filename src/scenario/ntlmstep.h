/* A scenario's client side of AUTH NTLM (issue 17): a session line written
 *   NAME > {{ntlm negotiate}}            sends a NEGOTIATE (unicode, NTLM)
 *   NAME > {{ntlm [DOMAIN\]USER PASSWORD}}
 *                                        sends the NTLMv2 AUTHENTICATE that
 *                                        answers the CHALLENGE of the
 *                                        session's last received line
 *                                        ("+ BASE64")
 * as base64 and CRLF. The server's challenge is random, so a scenario can
 * only compute the answer at run time; the client part here is MS-NLMP's
 * with a fixed client challenge and time (a scenario replays identically).
 * Reports show the line with the password as asterisks. */
#ifndef NTLAB_SCENARIO_NTLMSTEP_H
#define NTLAB_SCENARIO_NTLMSTEP_H
#include "src/lib/buf.h"
#include <stdbool.h>
#include <stddef.h>

/* True when the send text (line end excluded) is a {{ntlm ...}} line. */
bool scn_ntlm_is(const char *text, size_t len);

/* Builds the line for text into *line (base64 CRLF) and what reports show
 * into *shown. last: the session's last received line. 0; EINVAL with err
 * set (bad arguments, no "+ " challenge line, not a CHALLENGE message);
 * ENOMEM. */
int scn_ntlm_line(const char *text, size_t len, const char *last, size_t lastlen,
                  struct buf *line, struct buf *shown, char *err, size_t errcap);

#endif

/* MSV1_0's network logon from an NTLM challenge/response (MS-NLMP §3.3):
 * the server's 8-byte challenge and the client's AUTHENTICATE message are
 * checked against the SAM's NT hash -- NTLMv1, NTLM2 session response, and
 * NTLMv2 / LMv2 with the client's blob --, then the account goes through
 * the same checks as LogonUser (logon_with_credential: lockout and its
 * counting, restrictions, network logon right, deny rights on W2K, audits
 * 528/529-539 naming the NtLmSsp logon process and the NTLM package). There
 * is no SeTcbPrivilege check on the caller: a server that verifies a
 * challenge/response needs none (Q189732's failure hits only LogonUser).
 * The SAM keeps no LM hash, so an LM-only (v1) response fails (a choice). */
#ifndef NTLAB_EMULATOR_MSV1_0_H
#define NTLAB_EMULATOR_MSV1_0_H
#include "emulator/logon.h"
#include "emulator/ntlmmsg.h"
#include <stddef.h>
#include <stdint.h>

struct machine;

/* DESL (MS-NLMP §6): the 16-byte key zero-padded to 21 bytes, three DES
 * encryptions of data, 24 bytes out. */
void msv1_0_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24]);

/* NTOWFv2 from the NT hash and the user and domain names in the message's
 * encoding (UTF-16LE if unicode, else OEM bytes taken as Latin-1); the user
 * name is upper-cased (ASCII and Latin-1 letters: a choice; the lab's names
 * are ASCII). Returns 0, or EMSGSIZE for names over NTLM_NAME_MAX units. */
int msv1_0_ntowf_v2(const uint8_t nthash[16], const uint8_t *user, size_t user_len,
                    const uint8_t *domain, size_t domain_len, int unicode, uint8_t out[16]);

/* True when a's responses prove nthash for challenge: by a's flags and
 * response lengths NTLMv2 (NT response over 24 bytes with a well-formed
 * blob), NTLM2 session response (24 bytes, EXTENDED_SESSIONSECURITY),
 * NTLMv1 (24 bytes), or LMv2 alone (no NT response, 24-byte LM). Constant
 * time in the comparison. */
bool msv1_0_response_ok(const uint8_t nthash[16], const uint8_t challenge[8],
                        const struct ntlm_authenticate *a);

/* The network logon of a's user at machine m with the server's challenge.
 * a's domain: the machine's own name or its domain selects as LogonUser
 * does; any other name is tried against the local SAM (an untrusted
 * domain: NT validates it locally); with no domain or an unknown one, a
 * member server whose SAM lacks the user asks its domain (a choice). process is the audits' logon
 * process (NULL = "NtLmSsp"). Returns what logon_user returns, except
 * STATUS_PRIVILEGE_NOT_HELD never. */
ntstatus msv1_0_network_logon(struct machine *m, const uint8_t challenge[8],
                              const struct ntlm_authenticate *a, const char *process,
                              struct token *out);

#endif

/* NTLM messages (MS-NLMP §2.2): the NEGOTIATE (Type 1) and AUTHENTICATE
 * (Type 3) messages parsed, the CHALLENGE (Type 2) message and its target
 * info (AV pairs, §2.2.2.1) built. The bytes come from the network: every
 * security buffer's offset and length are checked against the message, names
 * are bounded and decoded, nothing is read past len. Protocol engines carry
 * these messages; only emulator/ reads them (DESIGN.md). */
#ifndef NTLAB_EMULATOR_NTLMMSG_H
#define NTLAB_EMULATOR_NTLMMSG_H
#include <stddef.h>
#include <stdint.h>

/* Negotiate flags (MS-NLMP §2.2.2.5) the model reads or sets. */
#define NTLM_NEG_UNICODE 0x00000001u
#define NTLM_NEG_OEM 0x00000002u
#define NTLM_REQUEST_TARGET 0x00000004u
#define NTLM_NEG_SIGN 0x00000010u
#define NTLM_NEG_NTLM 0x00000200u
#define NTLM_NEG_OEM_DOMAIN_SUPPLIED 0x00001000u
#define NTLM_NEG_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLM_NEG_ALWAYS_SIGN 0x00008000u
#define NTLM_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLM_TARGET_TYPE_SERVER 0x00020000u
#define NTLM_NEG_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLM_NEG_TARGET_INFO 0x00800000u
#define NTLM_NEG_128 0x20000000u
#define NTLM_NEG_KEY_EXCH 0x40000000u
#define NTLM_NEG_56 0x80000000u

/* AV pair ids (§2.2.2.1). */
#define NTLM_AV_EOL 0
#define NTLM_AV_NB_COMPUTER 1
#define NTLM_AV_NB_DOMAIN 2
#define NTLM_AV_TIMESTAMP 7

/* Longest name (domain, user, workstation) accepted, in UTF-8 bytes with the
 * NUL; NT's own limits are far below (20-char accounts, 15-char NetBIOS). */
#define NTLM_NAME_MAX 256
/* Longest message accepted or built: bounds the AUTH exchange's buffers. */
#define NTLM_MSG_MAX 4096

struct ntlm_negotiate {
    uint32_t flags;
};

/* A parsed AUTHENTICATE message. lm/nt and the *_raw names point into the
 * caller's message buffer (valid while it is); the names are also decoded
 * to NUL-terminated UTF-8. user_raw/domain_raw are the names as sent in the
 * message's encoding (UTF-16LE when unicode), which NTLMv2 hashes. */
struct ntlm_authenticate {
    uint32_t flags;
    int unicode;
    const uint8_t *lm, *nt;
    size_t lm_len, nt_len;
    const uint8_t *user_raw, *domain_raw;
    size_t user_raw_len, domain_raw_len;
    char domain[NTLM_NAME_MAX], user[NTLM_NAME_MAX], workstation[NTLM_NAME_MAX];
};

/* The message type (1, 2, 3) of msg after checking the signature, or 0 when
 * len is below 12 or the signature is wrong. */
uint32_t ntlmmsg_type(const uint8_t *msg, size_t len);

/* Parse a Type 1 / Type 3 message. Return 0, or EINVAL for a wrong
 * signature, type, a buffer outside the message, a name that does not
 * decode (odd UTF-16 length, NUL, lone surrogate), EMSGSIZE for a message
 * over NTLM_MSG_MAX or a name over NTLM_NAME_MAX. *out is unspecified on
 * error. */
int ntlmmsg_parse_negotiate(const uint8_t *msg, size_t len, struct ntlm_negotiate *out);
int ntlmmsg_parse_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *out);

/* Builds the target info for a server named computer in NetBIOS domain
 * domain (both ASCII): NbDomainName, NbComputerName, EOL. Returns the
 * length written, or 0 when it does not fit cap or a name is not ASCII. */
size_t ntlmmsg_build_target_info(const char *domain, const char *computer, uint8_t *out,
                                 size_t cap);

/* Builds a Type 2 message answering client_flags: unicode if the client
 * offered it (OEM otherwise), NTLM, the target name (domain if
 * target_is_domain, else computer) with REQUEST_TARGET, the target info,
 * and of EXTENDED_SESSIONSECURITY / ALWAYS_SIGN / 128 / 56 what the client
 * asked for. Returns the length, or 0 when it does not fit cap or a name is
 * not ASCII. */
size_t ntlmmsg_build_challenge(uint32_t client_flags, const uint8_t challenge[8],
                               const char *domain, const char *computer, int target_is_domain,
                               uint8_t *out, size_t cap);

/* Finds AV pair id in target info ti (len bytes), checking each pair's
 * length against len up to the EOL. Returns 0 and sets the value and its length, ENOENT
 * when absent, EINVAL when the list is malformed (no EOL, a pair past the
 * end). */
int ntlmmsg_av_find(const uint8_t *ti, size_t len, uint16_t id, const uint8_t **val,
                    size_t *vlen);

#endif

/* MSV1_0 network logon over NTLM (see msv1_0.h). The response variants per
 * MS-NLMP §3.3.1 (NTLMv1, with and without extended session security) and
 * §3.3.2 (NTLMv2, LMv2). */
#include "emulator/msv1_0.h"
#include "emulator/machine.h"
#include "emulator/sam.h"
#include "src/lib/des.h"
#include "src/lib/hmac_md5.h"
#include "src/lib/md5.h"
#include "src/lib/str.h"
#include <errno.h>
#include <string.h>

void msv1_0_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24])
{
    uint8_t k21[21] = {0}, k8[8];
    memcpy(k21, key, 16);
    for (int i = 0; i < 3; i++) {
        des_key_from_56(k21 + 7 * i, k8);
        des_encrypt_block(k8, data, out + 8 * i);
    }
    memset(k21, 0, sizeof k21);
    memset(k8, 0, sizeof k8);
}

/* Appends name (message encoding) as UTF-16LE to w at *n, upper-cased if
 * upper. */
static int widen(const uint8_t *p, size_t len, int unicode, int upper, uint8_t *w, size_t cap,
                 size_t *n)
{
    size_t units = unicode ? len / 2 : len;
    if (*n + 2 * units > cap)
        return EMSGSIZE;
    for (size_t i = 0; i < units; i++) {
        unsigned c = unicode ? (unsigned)(p[2 * i] | (p[2 * i + 1] << 8)) : p[i];
        if (upper && ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7)))
            c -= 0x20;
        w[(*n)++] = (uint8_t)c;
        w[(*n)++] = (uint8_t)(c >> 8);
    }
    return 0;
}

int msv1_0_ntowf_v2(const uint8_t nthash[16], const uint8_t *user, size_t user_len,
                    const uint8_t *domain, size_t domain_len, int unicode, uint8_t out[16])
{
    uint8_t w[4 * NTLM_NAME_MAX];
    size_t n = 0;
    int rc = widen(user, user_len, unicode, 1, w, sizeof w, &n);
    if (!rc)
        rc = widen(domain, domain_len, unicode, 0, w, sizeof w, &n);
    if (!rc)
        hmac_md5(nthash, 16, w, n, out);
    return rc;
}

static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
    unsigned diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}

/* HMAC_MD5(v2key, challenge || tail) compared with proof. */
static bool v2_proof_ok(const uint8_t v2key[16], const uint8_t challenge[8],
                        const uint8_t *tail, size_t tail_len, const uint8_t proof[16])
{
    struct hmac_md5_ctx c;
    uint8_t mac[16];
    hmac_md5_init(&c, v2key, 16);
    hmac_md5_update(&c, challenge, 8);
    hmac_md5_update(&c, tail, tail_len);
    hmac_md5_final(&c, mac);
    return same(mac, proof, 16);
}

/* The NTLMv2 blob (MS-NLMP §2.2.2.7): RespType 1, HiRespType 1, reserved,
 * time, client challenge, reserved, then AV pairs ending in EOL. */
static bool blob_ok(const uint8_t *b, size_t n)
{
    enum { FIXED = 28 };
    if (n < FIXED + 4 || b[0] != 1 || b[1] != 1)
        return false;
    const uint8_t *v;
    size_t vn;
    int rc = ntlmmsg_av_find(b + FIXED, n - FIXED, NTLM_AV_NB_COMPUTER, &v, &vn);
    return rc == 0 || rc == ENOENT;
}

bool msv1_0_response_ok(const uint8_t nthash[16], const uint8_t challenge[8],
                        const struct ntlm_authenticate *a)
{
    uint8_t expect[24], v2key[16];
    if (a->nt_len == 24) {
        uint8_t chal[8];
        memcpy(chal, challenge, 8);
        if ((a->flags & NTLM_NEG_EXTENDED_SESSIONSECURITY) && a->lm_len >= 8) {
            /* NTLM2 session response: MD5(server || client challenge)[0..8] */
            uint8_t both[16], d[16];
            memcpy(both, challenge, 8);
            memcpy(both + 8, a->lm, 8);
            md5(both, sizeof both, d);
            memcpy(chal, d, 8);
        }
        msv1_0_desl(nthash, chal, expect);
        return same(expect, a->nt, 24);
    }
    if (a->nt_len > 24) {
        if (!blob_ok(a->nt + 16, a->nt_len - 16) ||
            msv1_0_ntowf_v2(nthash, a->user_raw, a->user_raw_len, a->domain_raw,
                            a->domain_raw_len, a->unicode, v2key))
            return false;
        return v2_proof_ok(v2key, challenge, a->nt + 16, a->nt_len - 16, a->nt);
    }
    if (a->nt_len == 0 && a->lm_len == 24) {
        if (msv1_0_ntowf_v2(nthash, a->user_raw, a->user_raw_len, a->domain_raw,
                            a->domain_raw_len, a->unicode, v2key))
            return false;
        return v2_proof_ok(v2key, challenge, a->lm + 16, 8, a->lm);
    }
    return false;
}

struct ntlm_cred {
    const uint8_t *challenge;
    const struct ntlm_authenticate *a;
};

static bool ntlm_cred_ok(const struct sam_user *u, void *arg)
{
    const struct ntlm_cred *c = arg;
    return msv1_0_response_ok(u->nthash, c->challenge, c->a);
}

ntstatus msv1_0_network_logon(struct machine *m, const uint8_t challenge[8],
                              const struct ntlm_authenticate *a, const char *process,
                              struct token *out)
{
    const char *domain = a->domain;
    bool known = !*domain || str_ieq(domain, machine_name(m)) ||
                 (*machine_domain(m) && str_ieq(domain, machine_domain(m)));
    if (!known)
        domain = NULL;
    /* no usable domain on a member server: the local account if there is
     * one, else the machine's domain (a choice: clients such as curl send
     * none) */
    if ((!domain || !*domain) && machine_role(m) == ROLE_MEMBER &&
        !sam_user_find(machine_sam(m), a->user))
        domain = machine_domain(m);
    const struct logon_request rq = {domain, a->user, LOGON_NETWORK,
                                     a->workstation, /* "" fails a restriction: checked */
                                     process ? process : "NtLmSsp", "NTLM"};
    struct ntlm_cred c = {challenge, a};
    return logon_with_credential(m, &rq, ntlm_cred_ok, &c, out);
}

/* NTLM messages and the MSV1_0 network logon: the MS-NLMP §4.2 test vectors
 * (NTLMv1 §4.2.2, NTLM2 session response §4.2.3, NTLMv2 and LMv2 §4.2.4),
 * hostile Type 1/3 messages, the Type 2 message built, and every outcome of
 * the network logon with its audit -- and no SeTcbPrivilege asked for. */
#include "emulator/machine.h"
#include "emulator/msv1_0.h"
#include "emulator/ntlmmsg.h"
#include "emulator/sam.h"
#include "src/lib/hmac_md5.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <string.h>

static const uint8_t server_chal[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

static void unhex(const char *h, uint8_t *out, size_t n)
{
    CU_ASSERT_FATAL(strlen(h) == 2 * n && str_unhex(h, out, n) == 0);
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static size_t utf16(const char *s, uint8_t *out)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)s[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

/* A Type 3 message (64-byte header, unicode names). */
static size_t type3(uint8_t *msg, uint32_t flags, const uint8_t *lm, size_t lm_len,
                    const uint8_t *nt, size_t nt_len, const char *dom, const char *user,
                    const char *ws)
{
    uint8_t names[3][128];
    size_t nl[3] = {utf16(dom, names[0]), utf16(user, names[1]), utf16(ws, names[2])};
    memset(msg, 0, 64);
    memcpy(msg, "NTLMSSP", 8);
    put_le(msg + 8, 3, 4);
    size_t off = 64;
    const uint8_t *parts[5] = {lm, nt, names[0], names[1], names[2]};
    size_t lens[5] = {lm_len, nt_len, nl[0], nl[1], nl[2]};
    for (int i = 0; i < 5; i++) {
        put_le(msg + 12 + 8 * i, (uint32_t)lens[i], 2);
        put_le(msg + 14 + 8 * i, (uint32_t)lens[i], 2);
        put_le(msg + 16 + 8 * i, (uint32_t)off, 4);
        if (lens[i])
            memcpy(msg + off, parts[i], lens[i]);
        off += lens[i];
    }
    put_le(msg + 52, 0, 2);
    put_le(msg + 56, (uint32_t)off, 4);
    put_le(msg + 60, flags, 4);
    return off;
}

static void test_desl_and_owf_vectors(void)
{
    uint8_t nt[16], want[24], out[24];
    sam_nthash("Password", nt);
    unhex("a4f49c406510bdcab6824ee7c30fd852", want, 16);
    CU_ASSERT(memcmp(nt, want, 16) == 0);
    /* §4.2.2.2.1 NTLMv1 response */
    msv1_0_desl(nt, server_chal, out);
    unhex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94", want, 24);
    CU_ASSERT(memcmp(out, want, 24) == 0);
    /* §4.2.4.1.1 NTOWFv2 */
    uint8_t u[8], d[12], v2[16];
    size_t ul = utf16("User", u), dl = utf16("Domain", d);
    CU_ASSERT_EQUAL(msv1_0_ntowf_v2(nt, u, ul, d, dl, 1, v2), 0);
    unhex("0c868a403bfd7a93a3001ef22ef02e3f", want, 16);
    CU_ASSERT(memcmp(v2, want, 16) == 0);
    /* the user name is upper-cased, the domain is not */
    uint8_t v2b[16];
    size_t ul2 = utf16("USER", u);
    CU_ASSERT_EQUAL(msv1_0_ntowf_v2(nt, u, ul2, d, dl, 1, v2b), 0);
    CU_ASSERT(memcmp(v2, v2b, 16) == 0);
    dl = utf16("DOMAIN", d);
    CU_ASSERT_EQUAL(msv1_0_ntowf_v2(nt, u, ul2, d, dl, 1, v2b), 0);
    CU_ASSERT(memcmp(v2, v2b, 16) != 0);
    /* OEM names widen to the same key */
    CU_ASSERT_EQUAL(msv1_0_ntowf_v2(nt, (const uint8_t *)"user", 4, (const uint8_t *)"Domain", 6,
                                    0, v2b),
                    0);
    CU_ASSERT(memcmp(v2, v2b, 16) == 0);
}

/* The §4.2.4 NTLMv2 response: NTProofStr || temp (time 0, client
 * challenge aa.., target info NbDomain "Domain", NbComputer "Server"). */
static size_t v2_response(uint8_t *nt)
{
    uint8_t ti[64];
    size_t tl = ntlmmsg_build_target_info("Domain", "Server", ti, sizeof ti);
    CU_ASSERT_FATAL(tl == 36);
    uint8_t *t = nt + 16;
    memset(t, 0, 28);
    t[0] = t[1] = 1;
    memset(t + 16, 0xaa, 8);
    memcpy(t + 28, ti, tl);
    memset(t + 28 + tl, 0, 4);
    unhex("68cd0ab851e51c96aabc927bebef6a1c", nt, 16);
    return 16 + 28 + tl + 4;
}

static void test_response_vectors(void)
{
    uint8_t nt[16], msg[512], lm[24], ntr[128];
    struct ntlm_authenticate a;
    sam_nthash("Password", nt);
    const uint32_t uni = NTLM_NEG_UNICODE | NTLM_NEG_NTLM;

    /* NTLMv1 */
    unhex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94", ntr, 24);
    memset(lm, 0, sizeof lm);
    size_t n = type3(msg, uni, lm, 24, ntr, 24, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT_STRING_EQUAL(a.user, "User");
    CU_ASSERT_STRING_EQUAL(a.domain, "Domain");
    CU_ASSERT_STRING_EQUAL(a.workstation, "COMPUTER");
    CU_ASSERT(msv1_0_response_ok(nt, server_chal, &a));
    uint8_t other[16];
    sam_nthash("password", other);
    CU_ASSERT(!msv1_0_response_ok(other, server_chal, &a));

    /* NTLM2 session response (§4.2.3.2.2): LM = client challenge + zeros */
    memset(lm, 0, 24);
    memset(lm, 0xaa, 8);
    unhex("7537f803ae367128ca458204bde7caf81e97ed2683267232", ntr, 24);
    n = type3(msg, uni | NTLM_NEG_EXTENDED_SESSIONSECURITY, lm, 24, ntr, 24, "Domain", "User",
              "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(msv1_0_response_ok(nt, server_chal, &a));
    /* the same bytes without the flag are a (wrong) NTLMv1 response */
    a.flags &= ~NTLM_NEG_EXTENDED_SESSIONSECURITY;
    CU_ASSERT(!msv1_0_response_ok(nt, server_chal, &a));

    /* NTLMv2 (§4.2.4.2.2) */
    size_t nl = v2_response(ntr);
    unhex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa", lm, 24);
    n = type3(msg, uni, lm, 24, ntr, nl, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(msv1_0_response_ok(nt, server_chal, &a));
    CU_ASSERT(!msv1_0_response_ok(other, server_chal, &a));
    /* a changed blob byte breaks the proof */
    ntr[16 + 20] ^= 1;
    n = type3(msg, uni, lm, 24, ntr, nl, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(!msv1_0_response_ok(nt, server_chal, &a));
    ntr[16 + 20] ^= 1;
    /* a blob whose AV list has no EOL inside it is refused */
    n = type3(msg, uni, lm, 24, ntr, nl - 4 - 4, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(!msv1_0_response_ok(nt, server_chal, &a));
    /* LMv2 alone */
    n = type3(msg, uni, lm, 24, NULL, 0, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(msv1_0_response_ok(nt, server_chal, &a));
    /* no response at all, or an odd length */
    n = type3(msg, uni, NULL, 0, NULL, 0, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(!msv1_0_response_ok(nt, server_chal, &a));
    n = type3(msg, uni, lm, 24, ntr, 20, "Domain", "User", "COMPUTER");
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT(!msv1_0_response_ok(nt, server_chal, &a));
}

static void test_hostile_messages(void)
{
    uint8_t msg[NTLM_MSG_MAX + 8], lm[24] = {0}, nt[24] = {0};
    struct ntlm_authenticate a;
    struct ntlm_negotiate ng;
    size_t n = type3(msg, NTLM_NEG_UNICODE, lm, 24, nt, 24, "D", "u", "W");
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    /* every truncation below the payload's end fails cleanly */
    for (size_t k = 0; k < n; k++)
        CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(msg, k, &a), EINVAL);
    /* an offset or a length pointing past the message */
    uint8_t bad[256];
    memcpy(bad, msg, n);
    put_le(bad + 24, 0xfffffff0u, 4); /* NT offset: wraps if added naively */
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(bad, n, &a), EINVAL);
    memcpy(bad, msg, n);
    put_le(bad + 36, 0xffff, 2); /* user length */
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(bad, n, &a), EINVAL);
    /* odd UTF-16, a NUL, a lone surrogate in a name */
    memcpy(bad, msg, n);
    put_le(bad + 36, 1, 2);
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(bad, n, &a), EINVAL);
    memcpy(bad, msg, n);
    size_t uoff = (size_t)(bad[40] | bad[41] << 8);
    bad[uoff] = 0;
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(bad, n, &a), EINVAL);
    bad[uoff] = 0x00;
    bad[uoff + 1] = 0xd8;
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(bad, n, &a), EINVAL);
    /* a wrong signature or type */
    memcpy(bad, msg, n);
    bad[0] = 'X';
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(bad, n, &a), EINVAL);
    CU_ASSERT_EQUAL(ntlmmsg_type(bad, n), 0u);
    CU_ASSERT_EQUAL(ntlmmsg_parse_negotiate(msg, n, &ng), EINVAL); /* a Type 3 */
    /* over the size bound */
    memset(msg + n, 0, sizeof msg - n);
    CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(msg, NTLM_MSG_MAX + 1, &a), EMSGSIZE);
    /* a name over NTLM_NAME_MAX */
    char longname[300];
    memset(longname, 'a', 299);
    longname[299] = 0;
    uint8_t huge[1400];
    memset(huge, 0, 64);
    {
        /* built by hand: the user is 299 UTF-16 units */
        size_t off = 64;
        memcpy(huge, "NTLMSSP", 8);
        put_le(huge + 8, 3, 4);
        put_le(huge + 36, 598, 2);
        put_le(huge + 40, (uint32_t)off, 4);
        utf16(longname, huge + off);
        for (int i = 0; i < 5; i++)
            if (i != 3)
                put_le(huge + 16 + 8 * i, (uint32_t)(off + 598), 4);
        put_le(huge + 56, (uint32_t)(off + 598), 4);
        put_le(huge + 60, NTLM_NEG_UNICODE, 4);
        CU_ASSERT_EQUAL(ntlmmsg_parse_authenticate(huge, off + 598, &a), EMSGSIZE);
    }
    /* Type 1: the minimum, and a supplied domain buffer out of bounds */
    uint8_t t1[32] = "NTLMSSP";
    put_le(t1 + 8, 1, 4);
    put_le(t1 + 12, NTLM_NEG_UNICODE | NTLM_NEG_NTLM, 4);
    CU_ASSERT_EQUAL(ntlmmsg_parse_negotiate(t1, 16, &ng), 0);
    CU_ASSERT_EQUAL(ng.flags, NTLM_NEG_UNICODE | NTLM_NEG_NTLM);
    CU_ASSERT_EQUAL(ntlmmsg_parse_negotiate(t1, 15, &ng), EINVAL);
    put_le(t1 + 12, NTLM_NEG_OEM_DOMAIN_SUPPLIED, 4);
    put_le(t1 + 16, 4, 2);
    put_le(t1 + 20, 30, 4);
    CU_ASSERT_EQUAL(ntlmmsg_parse_negotiate(t1, 32, &ng), EINVAL);
    put_le(t1 + 20, 28, 4);
    CU_ASSERT_EQUAL(ntlmmsg_parse_negotiate(t1, 32, &ng), 0);
}

static void test_build_challenge(void)
{
    uint8_t out[256];
    size_t n = ntlmmsg_build_challenge(NTLM_NEG_UNICODE | NTLM_NEG_EXTENDED_SESSIONSECURITY |
                                           NTLM_NEG_KEY_EXCH,
                                       server_chal, "CORP", "EXCHSRV", 0, out, sizeof out);
    CU_ASSERT_FATAL(n > 48);
    CU_ASSERT_EQUAL(ntlmmsg_type(out, n), 2u);
    uint32_t flags = (uint32_t)(out[20] | out[21] << 8 | out[22] << 16 | (uint32_t)out[23] << 24);
    CU_ASSERT(flags & NTLM_NEG_UNICODE);
    CU_ASSERT(flags & NTLM_NEG_EXTENDED_SESSIONSECURITY);
    CU_ASSERT(flags & NTLM_NEG_TARGET_INFO);
    CU_ASSERT(flags & NTLM_TARGET_TYPE_SERVER);
    CU_ASSERT(!(flags & NTLM_NEG_KEY_EXCH)); /* not offered: no signing or sealing */
    CU_ASSERT(memcmp(out + 24, server_chal, 8) == 0);
    /* target name "EXCHSRV" in UTF-16 at its offset */
    size_t tl = (size_t)(out[12] | out[13] << 8), to = (size_t)(out[16] | out[17] << 8);
    CU_ASSERT_EQUAL(tl, 14u);
    CU_ASSERT(to + tl <= n && out[to] == 'E' && out[to + 1] == 0);
    /* the target info's pairs */
    size_t il = (size_t)(out[40] | out[41] << 8), io = (size_t)(out[44] | out[45] << 8);
    CU_ASSERT_FATAL(io + il == n);
    const uint8_t *v;
    size_t vl;
    CU_ASSERT_EQUAL(ntlmmsg_av_find(out + io, il, NTLM_AV_NB_DOMAIN, &v, &vl), 0);
    CU_ASSERT(vl == 8 && v[0] == 'C' && v[6] == 'P');
    CU_ASSERT_EQUAL(ntlmmsg_av_find(out + io, il, NTLM_AV_NB_COMPUTER, &v, &vl), 0);
    CU_ASSERT_EQUAL(vl, 14u);
    CU_ASSERT_EQUAL(ntlmmsg_av_find(out + io, il, NTLM_AV_TIMESTAMP, &v, &vl), ENOENT);
    CU_ASSERT_EQUAL(ntlmmsg_av_find(out + io, il - 1, NTLM_AV_TIMESTAMP, &v, &vl), EINVAL);
    /* OEM when the client did not offer unicode; too small a buffer */
    n = ntlmmsg_build_challenge(NTLM_NEG_OEM, server_chal, "CORP", "EXCHSRV", 1, out, sizeof out);
    CU_ASSERT_FATAL(n > 48);
    CU_ASSERT_EQUAL(out[12], 4); /* "CORP", one byte each */
    CU_ASSERT_EQUAL(ntlmmsg_build_challenge(0, server_chal, "CORP", "EXCHSRV", 0, out, 60), 0u);
    CU_ASSERT_EQUAL(ntlmmsg_build_challenge(0, server_chal, "C\xc3\xa9", "X", 1, out, 256), 0u);
}

/* ---- the network logon ---------------------------------------------------- */

#define PW "Secr3t!"

static struct machine *ntlm_machine(enum osver os)
{
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(machine_create("EXCHSRV", os, ROLE_STANDALONE, NULL, "admin", &m),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(machine_sam(m), "alice", PW, machine_now(m), NULL),
                             STATUS_SUCCESS);
    return m;
}

/* An NTLMv2 logon as a client with password pw would make it. */
static ntstatus v2_logon(struct machine *m, const char *dom, const char *user, const char *pw,
                         const char *ws, struct token *t)
{
    uint8_t nthash[16], v2[16], u[128], d[128], nt[128], lm[24], msg[512];
    sam_nthash(pw, nthash);
    size_t ul = utf16(user, u), dl = utf16(dom, d);
    CU_ASSERT_FATAL(msv1_0_ntowf_v2(nthash, u, ul, d, dl, 1, v2) == 0);
    size_t nl = v2_response(nt); /* the blob of §4.2.4, re-proved for this key */
    struct hmac_md5_ctx c;
    hmac_md5_init(&c, v2, 16);
    hmac_md5_update(&c, server_chal, 8);
    hmac_md5_update(&c, nt + 16, nl - 16);
    hmac_md5_final(&c, nt);
    memset(lm, 0, sizeof lm);
    size_t n = type3(msg, NTLM_NEG_UNICODE | NTLM_NEG_NTLM, lm, 24, nt, nl, dom, user, ws);
    struct ntlm_authenticate a;
    CU_ASSERT_FATAL(ntlmmsg_parse_authenticate(msg, n, &a) == 0);
    return msv1_0_network_logon(m, server_chal, &a, NULL, t);
}

static const struct evtlog_record *newest(struct machine *m, uint32_t id)
{
    size_t n = evtlog_count(machine_evtlog(m), EVTLOG_SECURITY);
    CU_ASSERT_FATAL(n > 0);
    const struct evtlog_record *r = evtlog_at(machine_evtlog(m), EVTLOG_SECURITY, n - 1);
    CU_ASSERT_EQUAL(r->event_id, id);
    return r;
}

static void set_lockout(struct machine *m, int bad)
{
    struct lsa_sysaccess sa = *lsa_sysaccess(machine_lsa(m));
    sa.lockout_bad_count = bad;
    sa.reset_lockout_count = 30;
    sa.lockout_duration = 30;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(machine_lsa(m), &sa), STATUS_SUCCESS);
}

static void test_network_logon_success(void)
{
    /* NT 4.0 and Windows 2000: no caller token at all, no SeTcbPrivilege */
    static const enum osver oses[] = {OSVER_NT4, OSVER_W2K};
    for (size_t i = 0; i < 2; i++) {
        struct machine *m = ntlm_machine(oses[i]);
        struct token t;
        UNIT_ASSERT_STATUS(v2_logon(m, "EXCHSRV", "alice", PW, "CLIENT1", &t), STATUS_SUCCESS);
        CU_ASSERT_STRING_EQUAL(t.user_name, "alice");
        CU_ASSERT_EQUAL(t.type, LOGON_NETWORK);
        const struct evtlog_record *r = newest(m, 528);
        CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Logon Process: NtLmSsp"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Authentication Package: NTLM"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Workstation Name: CLIENT1"));
        /* an empty domain and an untrusted one both mean the local SAM;
         * the user name's case does not matter */
        UNIT_ASSERT_STATUS(v2_logon(m, "", "ALICE", PW, "CLIENT1", &t), STATUS_SUCCESS);
        UNIT_ASSERT_STATUS(v2_logon(m, "ELSEWHERE", "alice", PW, "CLIENT1", &t), STATUS_SUCCESS);
        machine_free(m);
    }
}

static void test_network_logon_failures(void)
{
    struct machine *m = ntlm_machine(OSVER_NT4);
    struct token t;
    struct sam_user *u = sam_user_find(machine_sam(m), "alice");
    set_lockout(m, 3);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "nobody", PW, "C", &t), STATUS_LOGON_FAILURE);
    newest(m, 529);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", "wrong", "C", &t), STATUS_LOGON_FAILURE);
    const struct evtlog_record *r = newest(m, 529);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Authentication Package: NTLM"));
    u = sam_user_find(machine_sam(m), "alice");
    CU_ASSERT_EQUAL(u->bad_count, 1u); /* the lockout counter moves */
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", "wrong", "C", &t), STATUS_LOGON_FAILURE);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", "wrong", "C", &t), STATUS_LOGON_FAILURE);
    u = sam_user_find(machine_sam(m), "alice");
    CU_ASSERT(u->flags & SAM_LOCKED);
    newest(m, 644);
    /* locked out even with the right response */
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_ACCOUNT_LOCKED_OUT);
    newest(m, 539);
    UNIT_ASSERT_STATUS(machine_clock_advance(m, 31 * 60), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_SUCCESS);
    u = sam_user_find(machine_sam(m), "alice");
    CU_ASSERT_EQUAL(u->bad_count, 0u);

    u->flags |= SAM_DISABLED;
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_ACCOUNT_DISABLED);
    newest(m, 531);
    u->flags &= ~SAM_DISABLED;
    u->expires = machine_now(m);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_ACCOUNT_EXPIRED);
    newest(m, 532);
    u->expires = 0;
    uint8_t hours[21];
    memcpy(hours, u->logon_hours, sizeof hours);
    memset(u->logon_hours, 0, sizeof u->logon_hours);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_INVALID_LOGON_HOURS);
    newest(m, 530);
    memcpy(u->logon_hours, hours, sizeof hours);
    str_copy(u->workstations[0], sizeof u->workstations[0], "GOODWS");
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "BADWS", &t), STATUS_INVALID_WORKSTATION);
    newest(m, 533);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "", &t), STATUS_INVALID_WORKSTATION);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "goodws", &t), STATUS_SUCCESS);
    u->workstations[0][0] = 0;

    /* "Access this computer from the network" taken from Everyone */
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1,
                                             POLICY_ALL_ACCESS, &h),
                             STATUS_SUCCESS);
    const char *net[1] = {"SeNetworkLogonRight"};
    UNIT_ASSERT_STATUS(lsa_remove_account_rights(&h, sid_wellknown(SID_WK_EVERYONE), false, net, 1),
                       STATUS_SUCCESS);
    lsa_close(&h);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_LOGON_TYPE_NOT_GRANTED);
    newest(m, 534);
    machine_free(m);

    /* Windows 2000: the deny right wins */
    m = ntlm_machine(OSVER_W2K);
    struct sid alice;
    UNIT_ASSERT_STATUS_FATAL(machine_resolve(m, "alice", &alice), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(machine_lsa(m), sid_wellknown(SID_WK_SYSTEM), 1,
                                             POLICY_ALL_ACCESS, &h),
                             STATUS_SUCCESS);
    const char *deny[1] = {"SeDenyNetworkLogonRight"};
    UNIT_ASSERT_STATUS(lsa_add_account_rights(&h, &alice, deny, 1), STATUS_SUCCESS);
    lsa_close(&h);
    UNIT_ASSERT_STATUS(v2_logon(m, "", "alice", PW, "C", &t), STATUS_LOGON_TYPE_NOT_GRANTED);
    newest(m, 534);
    machine_free(m);
}

void suite_msv1_0(void)
{
    UNIT_SUITE("msv1_0", UNIT_TEST(test_desl_and_owf_vectors), UNIT_TEST(test_response_vectors),
               UNIT_TEST(test_hostile_messages), UNIT_TEST(test_build_challenge),
               UNIT_TEST(test_network_logon_success), UNIT_TEST(test_network_logon_failures));
}

/* NTLM messages from the network (emulator/ntlmmsg.h) and the MSV1_0 check
 * (emulator/msv1_0.h) fed arbitrary bytes. Byte 0 picks what the rest is
 * read as: bit 0 a NEGOTIATE (then a CHALLENGE is built for its flags),
 * otherwise an AUTHENTICATE, verified against a fixed NT hash and logged on
 * at an in-memory NT 4.0 machine with the user "alice" (so every response
 * form reaches the check).
 *
 * Properties checked on every input:
 *  - the parsers return 0, EINVAL or EMSGSIZE, nothing else;
 *  - a parsed AUTHENTICATE's buffers lie inside the message and its names
 *    are NUL-terminated within NTLM_NAME_MAX;
 *  - a CHALLENGE built for any flags is a Type 2 whose target name and
 *    target info lie inside it, and whose target info walks to its EOL;
 *  - the AV-pair walk over raw bytes answers 0, ENOENT or EINVAL, and a
 *    found value lies inside the list;
 *  - the network logon answers a status of LogonUser's list, never
 *    STATUS_PRIVILEGE_NOT_HELD, and succeeds only with a response that
 *    msv1_0_response_ok accepts. */
#include "emulator/machine.h"
#include "emulator/msv1_0.h"
#include "emulator/ntlmmsg.h"
#include "emulator/sam.h"
#include "src/lib/str.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <string.h>

static struct machine *fuzz_m;
static uint8_t fuzz_hash[16];
static const uint8_t fuzz_chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (machine_create("EXCHSRV", OSVER_NT4, ROLE_STANDALONE, NULL, "admin", &fuzz_m) ||
        sam_user_add(machine_sam(fuzz_m), "alice", "Passw0rd", machine_now(fuzz_m), NULL))
        fuzz_fail("cannot create the machine");
    sam_nthash("Passw0rd", fuzz_hash);
    return 0;
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    return !n || (p && p >= base && (size_t)(p - base) <= len && n <= len - (size_t)(p - base));
}

static void check_av(const uint8_t *ti, size_t len)
{
    for (uint16_t id = 0; id < 11; id++) {
        const uint8_t *v = NULL;
        size_t vn = 0;
        int rc = ntlmmsg_av_find(ti, len, id, &v, &vn);
        if (rc != 0 && rc != ENOENT && rc != EINVAL)
            fuzz_fail("ntlmmsg_av_find returned %d", rc);
        if (rc == 0 && !inside(v, vn, ti, len))
            fuzz_fail("an AV pair's value lies outside the list");
    }
}

static void negotiate(const uint8_t *d, size_t n)
{
    struct ntlm_negotiate ng;
    int rc = ntlmmsg_parse_negotiate(d, n, &ng);
    if (rc != 0 && rc != EINVAL && rc != EMSGSIZE)
        fuzz_fail("ntlmmsg_parse_negotiate returned %d", rc);
    uint32_t flags = rc == 0 ? ng.flags : (n >= 4 ? (uint32_t)(d[0] | d[1] << 8) : 0);
    uint8_t out[512];
    size_t len = ntlmmsg_build_challenge(flags, fuzz_chal, "CORP", "EXCHSRV", n & 1, out, sizeof out);
    if (len < 48 || ntlmmsg_type(out, len) != 2)
        fuzz_fail("no CHALLENGE built for flags 0x%08x", (unsigned)flags);
    size_t tl = (size_t)(out[12] | out[13] << 8), to = (size_t)(out[16] | out[17] << 8);
    size_t il = (size_t)(out[40] | out[41] << 8), io = (size_t)(out[44] | out[45] << 8);
    if (to + tl > len || io + il != len)
        fuzz_fail("the CHALLENGE's buffers lie outside it");
    const uint8_t *v;
    size_t vn;
    if (ntlmmsg_av_find(out + io, il, NTLM_AV_NB_COMPUTER, &v, &vn) != 0)
        fuzz_fail("the built target info does not walk");
}

static void authenticate(const uint8_t *d, size_t n)
{
    struct ntlm_authenticate a;
    int rc = ntlmmsg_parse_authenticate(d, n, &a);
    if (rc != 0 && rc != EINVAL && rc != EMSGSIZE)
        fuzz_fail("ntlmmsg_parse_authenticate returned %d", rc);
    if (rc)
        return;
    if (!inside(a.lm, a.lm_len, d, n) || !inside(a.nt, a.nt_len, d, n) ||
        !inside(a.user_raw, a.user_raw_len, d, n) || !inside(a.domain_raw, a.domain_raw_len, d, n))
        fuzz_fail("a parsed buffer lies outside the message");
    if (!memchr(a.user, 0, sizeof a.user) || !memchr(a.domain, 0, sizeof a.domain) ||
        !memchr(a.workstation, 0, sizeof a.workstation))
        fuzz_fail("a decoded name is not terminated");
    bool ok = msv1_0_response_ok(fuzz_hash, fuzz_chal, &a);
    struct token t;
    ntstatus s = msv1_0_network_logon(fuzz_m, fuzz_chal, &a, NULL, &t);
    if (s == STATUS_PRIVILEGE_NOT_HELD)
        fuzz_fail("the network logon asked for SeTcbPrivilege");
    if (s == STATUS_SUCCESS && !ok && str_ieq(a.user, "alice"))
        fuzz_fail("a logon succeeded with a response the check refuses");
    if (a.nt_len > 16 + 28)
        check_av(a.nt + 16 + 28, a.nt_len - 16 - 28);
    /* lockout must not stop later inputs from reaching the check */
    struct sam_user *u = sam_user_find(machine_sam(fuzz_m), "alice");
    if (u)
        sam_user_clear_lockout(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > NTLM_MSG_MAX + 64)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    check_av(d, n);
    if (data[0] & 1)
        negotiate(d, n);
    else
        authenticate(d, n);
    return 0;
}

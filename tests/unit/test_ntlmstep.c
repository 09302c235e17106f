/* The scenario runner's {{ntlm ...}} client lines (src/scenario/ntlmstep.c):
 * recognised only in their exact shape, the NEGOTIATE, the AUTHENTICATE
 * that the emulator's check accepts for the right password and refuses
 * for another, the password masked in what reports show, and errors for
 * bad arguments or a last line that is no CHALLENGE. */
#include "emulator/msv1_0.h"
#include "emulator/sam.h"
#include "src/lib/base64.h"
#include "src/scenario/ntlmstep.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <string.h>

static const uint8_t chal[8] = {9, 8, 7, 6, 5, 4, 3, 2};

static size_t decode(const struct buf *line, uint8_t *out, size_t cap)
{
    size_t n = 0;
    CU_ASSERT_FATAL(line->len > 2 && memcmp(line->p + line->len - 2, "\r\n", 2) == 0);
    CU_ASSERT_FATAL(base64_decode(line->p, line->len - 2, out, cap, &n) == 0);
    return n;
}

static int run(const char *text, const char *last, struct buf *line, struct buf *shown)
{
    char err[160] = "";
    buf_reset(line);
    buf_reset(shown);
    int rc = scn_ntlm_line(text, strlen(text), last, strlen(last), line, shown, err, sizeof err);
    if (rc)
        CU_ASSERT(strstr(err, "{{ntlm") != NULL);
    return rc;
}

static void test_ntlmstep(void)
{
    CU_ASSERT(scn_ntlm_is("{{ntlm negotiate}}", 18));
    CU_ASSERT(!scn_ntlm_is("{{ntlm}}", 8));
    CU_ASSERT(!scn_ntlm_is("AUTH NTLM", 9));
    CU_ASSERT(!scn_ntlm_is("{{ntlm negotiate}", 17));
    struct buf line = BUF_INIT, shown = BUF_INIT;
    uint8_t msg[2048];
    CU_ASSERT_EQUAL_FATAL(run("{{ntlm negotiate}}", "", &line, &shown), 0);
    size_t n = decode(&line, msg, sizeof msg);
    struct ntlm_negotiate ng;
    CU_ASSERT_EQUAL(ntlmmsg_parse_negotiate(msg, n, &ng), 0);
    CU_ASSERT(ng.flags & NTLM_NEG_UNICODE);
    CU_ASSERT_STRING_EQUAL(shown.p, "{{ntlm negotiate}}");

    /* the server's "+ CHALLENGE" line */
    uint8_t t2[512];
    size_t n2 = ntlmmsg_build_challenge(NTLM_NEG_UNICODE, chal, "CORP", "EXCHSRV", 1, t2, sizeof t2);
    CU_ASSERT_FATAL(n2 > 0);
    char last[1024] = "+ ";
    base64_encode(t2, n2, last + 2);
    CU_ASSERT_EQUAL_FATAL(run("{{ntlm CORP\\alice Passw0rd}}", last, &line, &shown), 0);
    CU_ASSERT_STRING_EQUAL(shown.p, "{{ntlm CORP\\alice ********}}");
    n = decode(&line, msg, sizeof msg);
    struct ntlm_authenticate a;
    CU_ASSERT_EQUAL_FATAL(ntlmmsg_parse_authenticate(msg, n, &a), 0);
    CU_ASSERT_STRING_EQUAL(a.user, "alice");
    CU_ASSERT_STRING_EQUAL(a.domain, "CORP");
    CU_ASSERT(a.nt_len > 24); /* NTLMv2 */
    uint8_t h[16];
    sam_nthash("Passw0rd", h);
    CU_ASSERT(msv1_0_response_ok(h, chal, &a));
    sam_nthash("passw0rd", h);
    CU_ASSERT(!msv1_0_response_ok(h, chal, &a));
    /* no domain */
    CU_ASSERT_EQUAL(run("{{ntlm alice Passw0rd}}", last, &line, &shown), 0);
    CU_ASSERT_STRING_EQUAL(shown.p, "{{ntlm alice ********}}");

    /* errors */
    CU_ASSERT_EQUAL(run("{{ntlm alice}}", last, &line, &shown), EINVAL);
    CU_ASSERT_EQUAL(run("{{ntlm a b c}}", last, &line, &shown), EINVAL);
    CU_ASSERT_EQUAL(run("{{ntlm alice pw}}", "+OK", &line, &shown), EINVAL);
    CU_ASSERT_EQUAL(run("{{ntlm alice pw}}", "+ !!!", &line, &shown), EINVAL);
    CU_ASSERT_EQUAL(run("{{ntlm alice pw}}", "+ TlRMTVNTUAABAAAA", &line, &shown), EINVAL);
    /* a CHALLENGE whose target info points outside it */
    t2[44] = 0xff;
    base64_encode(t2, n2, last + 2);
    CU_ASSERT_EQUAL(run("{{ntlm alice pw}}", last, &line, &shown), EINVAL);
    buf_free(&line);
    buf_free(&shown);
}

void suite_ntlmstep(void)
{
    UNIT_SUITE("ntlmstep", UNIT_TEST(test_ntlmstep));
}

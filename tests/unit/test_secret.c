/* Scenario secrets (src/scenario/secret.h, issue 19): declared once,
 * expanded as ${NAME} in directive lines, never in here-doc bodies, and
 * masked (mask.h) where an export uses them. */
#include "src/lib/buf.h"
#include "src/scenario/mask.h"
#include "src/scenario/scenario.h"
#include "src/scenario/secret.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_table(void)
{
    struct scn_secrets t = {0};
    CU_ASSERT_EQUAL(scn_secret_add(&t, "PW", "Passw0rd"), 0);
    CU_ASSERT_EQUAL(scn_secret_add(&t, "PW", "other"), EEXIST);
    CU_ASSERT_EQUAL(scn_secret_add(&t, "1X", "v"), EINVAL);
    CU_ASSERT_EQUAL(scn_secret_add(&t, "X-Y", "v"), EINVAL);
    CU_ASSERT_EQUAL(scn_secret_add(&t, "X", ""), EINVAL);
    CU_ASSERT_EQUAL(scn_secret_add(&t, "X", "two words"), EINVAL);
    char big[SCN_SECRET_VALUE_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CU_ASSERT_EQUAL(scn_secret_add(&t, "X", big), EINVAL);
    char *out = NULL;
    CU_ASSERT_EQUAL(scn_secret_expand(&t, "Pass ${PW} ${NOPE} ${PW", 100, &out), 0);
    CU_ASSERT_STRING_EQUAL(out, "Pass Passw0rd ${NOPE} ${PW");
    free(out);
    CU_ASSERT_EQUAL(scn_secret_expand(&t, "nothing here", 100, &out), 0);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(scn_secret_expand(&t, "${PW}${PW}", 10, &out), E2BIG);
    CU_ASSERT_PTR_NULL(out);
    char why[160];
    char args[] = "A  value";
    CU_ASSERT_EQUAL(scn_secret_directive(&t, args, why, sizeof why), 0);
    CU_ASSERT_STRING_EQUAL(scn_secret_get(&t, "A"), "value");
    char again[] = "A x";
    CU_ASSERT_EQUAL(scn_secret_directive(&t, again, why, sizeof why), EINVAL);
    CU_ASSERT_STRING_EQUAL(why, "secret A declared twice");
    scn_secrets_free(&t);
    CU_ASSERT_EQUAL(t.n, 0);
}

static void test_parse(void)
{
    const char *text = "secret H 00112233445566778899aabbccddeeff\n"
                       "ntlab user add bob --nt-hash ${H}\n"
                       "ntlab mail deliver bob - <<MSG\n"
                       "${H}\n"
                       "MSG\n"
                       "begin\n";
    struct scn *s = NULL;
    char err[256] = "";
    CU_ASSERT_EQUAL_FATAL(scn_parse_text("t.scn", text, strlen(text), NULL, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(s->nsteps, 3);
    CU_ASSERT_STRING_EQUAL(s->steps[0].argv[4], "00112233445566778899aabbccddeeff");
    CU_ASSERT_STRING_EQUAL(s->steps[1].heredoc, "${H}\n"); /* data: not expanded */
    struct buf b = BUF_INIT;
    CU_ASSERT_EQUAL(scn_mask_cmdline(&b, s->steps[0].cmdline), 0);
    CU_ASSERT_PTR_NULL(strstr(b.p, "0011"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b.p, "--nt-hash " SCN_MASK_TEXT));
    buf_free(&b);
    scn_free(s);
    const char *bad = "ntlab x\nsecret H a\nsecret H b\n";
    CU_ASSERT_EQUAL(scn_parse_text("t.scn", bad, strlen(bad), NULL, &s, err, sizeof err), EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "t.scn:3: secret H declared twice");
}

void suite_secret(void)
{
    UNIT_SUITE("secret", UNIT_TEST(test_table), UNIT_TEST(test_parse));
}

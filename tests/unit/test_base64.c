#include "src/lib/base64.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <string.h>

/* RFC 4648 §10 test vectors, both directions. */
static void test_base64_rfc4648_vectors(void)
{
    static const char *const v[][2] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                       {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                       {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char enc[16];
        base64_encode(v[i][0], strlen(v[i][0]), enc);
        CU_ASSERT_STRING_EQUAL(enc, v[i][1]);
        CU_ASSERT_EQUAL(base64_encoded_len(strlen(v[i][0])), strlen(v[i][1]));
        uint8_t dec[16];
        size_t n = 99;
        CU_ASSERT_EQUAL(base64_decode(v[i][1], strlen(v[i][1]), dec, sizeof dec, &n), 0);
        CU_ASSERT_EQUAL(n, strlen(v[i][0]));
        CU_ASSERT_EQUAL(memcmp(dec, v[i][0], n), 0);
    }
}

static void test_base64_binary_roundtrip(void)
{
    uint8_t in[256], out[256];
    for (unsigned i = 0; i < 256; i++)
        in[i] = (uint8_t)(255 - i);
    for (size_t len = 0; len <= 256; len++) {
        char enc[400];
        base64_encode(in, len, enc);
        size_t n;
        CU_ASSERT_EQUAL_FATAL(base64_decode(enc, strlen(enc), out, sizeof out, &n), 0);
        CU_ASSERT_EQUAL(n, len);
        CU_ASSERT_EQUAL(memcmp(in, out, len), 0);
    }
}

/* SASL PLAIN carries NUL bytes: "\0alice\0secret". */
static void test_base64_sasl_plain(void)
{
    uint8_t out[32];
    size_t n;
    CU_ASSERT_EQUAL(base64_decode("AGFsaWNlAHNlY3JldA==", 20, out, sizeof out, &n), 0);
    CU_ASSERT_EQUAL(n, 13);
    CU_ASSERT_EQUAL(memcmp(out, "\0alice\0secret", 13), 0);
}

static void test_base64_rejects(void)
{
    uint8_t out[32];
    size_t n;
    static const char *const bad[] = {
        "Zg=",      /* length not a multiple of 4 */
        "Zg",       /* missing padding */
        "Z===",     /* three pad characters */
        "Zg==Zg==", /* padding in the middle */
        "Zh==",     /* non-zero trailing bits */
        "Zm9=",     /* non-zero trailing bits */
        "Zm 9",     /* whitespace */
        "Zm9v\r\n", /* line end inside */
        "Zm9*",     /* not in alphabet */
        "=Zm9",     /* padding first */
        "Zm=v",     /* padding before data */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n), EINVAL);
    /* the bytes are not NUL-terminated strings: a NUL is not in the alphabet */
    CU_ASSERT_EQUAL(base64_decode("Zm\0v", 4, out, sizeof out, &n), EINVAL);
    CU_ASSERT_EQUAL(base64_decode("Zm9vYmFy", 8, out, 5, &n), E2BIG);
    CU_ASSERT_EQUAL(base64_decode("Zm9vYmFy", 8, out, 6, &n), 0);
}

void suite_base64(void)
{
    UNIT_SUITE("base64", UNIT_TEST(test_base64_rfc4648_vectors),
               UNIT_TEST(test_base64_binary_roundtrip), UNIT_TEST(test_base64_sasl_plain),
               UNIT_TEST(test_base64_rejects));
}

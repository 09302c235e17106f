#include "src/lib/md5.h"
#include "tests/unit/unit.h"
#include <string.h>

/* RFC 1321 appendix A.5 test suite. */
static void test_md5_rfc1321_vectors(void)
{
    static const char *const v[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890"
         "1234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char hex[33];
        md5_hex(v[i][0], strlen(v[i][0]), hex);
        CU_ASSERT_STRING_EQUAL(hex, v[i][1]);
    }
}

/* Feeding the same data in odd pieces must give the one-shot digest,
 * across the 56/64-byte padding boundaries. */
static void test_md5_incremental(void)
{
    char data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof data; len += 1) {
        uint8_t one[16], inc[16];
        md5(data, len, one);
        struct md5_ctx c;
        md5_init(&c);
        size_t off = 0, step = 1;
        while (off < len) {
            size_t n = step < len - off ? step : len - off;
            md5_update(&c, data + off, n);
            off += n;
            step = step * 3 % 67 + 1;
        }
        md5_final(&c, inc);
        CU_ASSERT_EQUAL(memcmp(one, inc, 16), 0);
    }
}

/* RFC 1939 §7's APOP example. */
static void test_md5_apop_example(void)
{
    const char *s = "<1896.697170952@dbc.mtview.ca.us>tanstaaf";
    char hex[33];
    md5_hex(s, strlen(s), hex);
    CU_ASSERT_STRING_EQUAL(hex, "c4c9334bac560ecc979e58001b3e22fb");
}

void suite_md5(void)
{
    UNIT_SUITE("md5", UNIT_TEST(test_md5_rfc1321_vectors), UNIT_TEST(test_md5_incremental),
               UNIT_TEST(test_md5_apop_example));
}

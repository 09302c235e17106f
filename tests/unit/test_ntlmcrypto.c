/* DES against published known answers (FIPS 81's "Now is t", the NBS
 * worked example, NIST SP 800-17's variable-plaintext test), HMAC-MD5
 * against RFC 2104 §A / RFC 2202 §2, and the 56-to-64-bit key spread. */
#include "src/lib/des.h"
#include "src/lib/hmac_md5.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <string.h>

static void test_des_known_answers(void)
{
    static const struct {
        const char *key, *pt, *ct;
    } v[] = {
        {"0123456789abcdef", "4e6f772069732074", "3fa40e8a984d4815"},
        {"133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405"},
        {"0101010101010101", "8000000000000000", "95f8a5e5dd31d900"},
        {"0101010101010101", "0000000000000001", "166b40b44aba4bd6"},
        {"8001010101010101", "0000000000000000", "95a8d72813daa94d"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t k[8], p[8], c[8];
        char hex[17];
        CU_ASSERT_FATAL(str_unhex(v[i].key, k, 8) == 0);
        CU_ASSERT_FATAL(str_unhex(v[i].pt, p, 8) == 0);
        des_encrypt_block(k, p, c);
        str_hex(c, 8, hex);
        CU_ASSERT_STRING_EQUAL(hex, v[i].ct);
        des_encrypt_block(k, p, p); /* in place */
        CU_ASSERT(memcmp(p, c, 8) == 0);
    }
}

static void test_des_key_spread(void)
{
    /* 56 one bits become eight 0xfe bytes, each with odd parity: 0xfe has 7
     * ones so its parity bit is 0; 56 zero bits become 0x01s. */
    uint8_t ones[7], zeros[7] = {0}, k[8];
    memset(ones, 0xff, sizeof ones);
    des_key_from_56(ones, k);
    for (int i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(k[i], 0xfe);
    des_key_from_56(zeros, k);
    for (int i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(k[i], 0x01);
    /* 0x80 in the first byte lands in the first key byte's top bit */
    uint8_t one[7] = {0x80, 0, 0, 0, 0, 0, 0};
    des_key_from_56(one, k);
    CU_ASSERT_EQUAL(k[0], 0x80);
    CU_ASSERT_EQUAL(k[1], 0x01);
}

static void test_hmac_md5_rfc2104(void)
{
    uint8_t key[80], data[50], mac[16];
    char hex[33];
    memset(key, 0x0b, 16);
    hmac_md5(key, 16, "Hi There", 8, mac);
    str_hex(mac, 16, hex);
    CU_ASSERT_STRING_EQUAL(hex, "9294727a3638bb1c13f48ef8158bfc9d");
    hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, mac);
    str_hex(mac, 16, hex);
    CU_ASSERT_STRING_EQUAL(hex, "750c783e6ab0b503eaa86e310a5db738");
    memset(key, 0xaa, 16);
    memset(data, 0xdd, 50);
    hmac_md5(key, 16, data, 50, mac);
    str_hex(mac, 16, hex);
    CU_ASSERT_STRING_EQUAL(hex, "56be34521d144c88dbb8c733f0e8b3f6");
    /* RFC 2202 test 6: a key longer than the block is hashed first */
    memset(key, 0xaa, 80);
    const char *big = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_md5(key, 80, big, strlen(big), mac);
    str_hex(mac, 16, hex);
    CU_ASSERT_STRING_EQUAL(hex, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
    /* incremental equals one-shot */
    struct hmac_md5_ctx c;
    uint8_t inc[16];
    hmac_md5_init(&c, "Jefe", 4);
    hmac_md5_update(&c, "what do ya want ", 16);
    hmac_md5_update(&c, "for nothing?", 12);
    hmac_md5_final(&c, inc);
    hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, mac);
    CU_ASSERT(memcmp(inc, mac, 16) == 0);
}

void suite_ntlmcrypto(void)
{
    UNIT_SUITE("ntlmcrypto", UNIT_TEST(test_des_known_answers), UNIT_TEST(test_des_key_spread),
               UNIT_TEST(test_hmac_md5_rfc2104));
}

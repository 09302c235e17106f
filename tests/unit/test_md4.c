/* MD4 against the test suite of RFC 1320 §A.5, plus incremental updates
 * across block boundaries. */
#include "src/lib/md4.h"
#include "src/lib/str.h"
#include "tests/unit/unit.h"
#include <string.h>

static void hex_of(const char *msg, char out[33])
{
    uint8_t d[MD4_DIGEST_LEN];
    md4(msg, strlen(msg), d);
    str_hex(d, sizeof d, out);
}

static void test_rfc1320_vectors(void)
{
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
        {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
        {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
        {"message digest", "d9130a8164549fe818874806e1c7014b"},
        {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "043f8582f241db351ce627e153e7f0e4"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890"
         "1234567890",
         "e33b4ddc9c38f2199c3e7b164fcc0536"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char h[33];
        hex_of(v[i].in, h);
        CU_ASSERT_STRING_EQUAL(h, v[i].hex);
    }
}

/* Feeding the same bytes in odd-sized pieces must give the one-shot digest:
 * exercises the partial-block paths and the 55/56/63/64-byte padding edges. */
static void test_incremental(void)
{
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    static const size_t lens[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t one[16], inc[16];
        md4(data, lens[k], one);
        for (size_t step = 1; step <= 70; step += 23) {
            struct md4_ctx c;
            md4_init(&c);
            for (size_t off = 0; off < lens[k]; off += step)
                md4_update(&c, data + off, lens[k] - off < step ? lens[k] - off : step);
            md4_final(&c, inc);
            CU_ASSERT_EQUAL(memcmp(one, inc, 16), 0);
        }
    }
    /* different inputs differ (the digest depends on every byte) */
    uint8_t a[16], b[16];
    md4(data, 64, a);
    data[63] ^= 1;
    md4(data, 64, b);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, 16), 0);
}

void suite_md4(void)
{
    UNIT_SUITE("md4", UNIT_TEST(test_rfc1320_vectors), UNIT_TEST(test_incremental));
}

/* MD4 after RFC 1320 §3: 64-byte blocks, three rounds of 16 steps, words
 * and length little-endian. */
#include "src/lib/md4.h"
#include "src/lib/mdle.h"

#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))

#define R1(a, b, c, d, k, s) a = ROTL(a + F(b, c, d) + x[k], s)
#define R2(a, b, c, d, k, s) a = ROTL(a + G(b, c, d) + x[k] + 0x5A827999u, s)
#define R3(a, b, c, d, k, s) a = ROTL(a + H(b, c, d) + x[k] + 0x6ED9EBA1u, s)

static void md4_block(uint32_t st[4], const uint8_t *p)
{
    uint32_t x[16];
    mdle_words(x, p);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];

    for (int i = 0; i < 16; i += 4) {
        R1(a, b, c, d, i, 3);
        R1(d, a, b, c, i + 1, 7);
        R1(c, d, a, b, i + 2, 11);
        R1(b, c, d, a, i + 3, 19);
    }
    for (int i = 0; i < 4; i++) {
        R2(a, b, c, d, i, 3);
        R2(d, a, b, c, i + 4, 5);
        R2(c, d, a, b, i + 8, 9);
        R2(b, c, d, a, i + 12, 13);
    }
    static const int order[4] = {0, 2, 1, 3};
    for (int j = 0; j < 4; j++) {
        int i = order[j];
        R3(a, b, c, d, i, 3);
        R3(d, a, b, c, i + 8, 9);
        R3(c, d, a, b, i + 4, 11);
        R3(b, c, d, a, i + 12, 15);
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

void md4_init(struct md4_ctx *c)
{
    mdle_init(&c->md);
}

void md4_update(struct md4_ctx *c, const void *data, size_t len)
{
    mdle_update(&c->md, md4_block, data, len);
}

void md4_final(struct md4_ctx *c, uint8_t out[MD4_DIGEST_LEN])
{
    mdle_final(&c->md, md4_block, out);
}

void md4(const void *data, size_t len, uint8_t out[MD4_DIGEST_LEN])
{
    struct md4_ctx c;
    md4_init(&c);
    md4_update(&c, data, len);
    md4_final(&c, out);
}

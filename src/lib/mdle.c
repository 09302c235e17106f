/* MD4/MD5 framing (mdle.h): RFC 1320 §3.1-3.2 and §3.5, the same in
 * RFC 1321. */
#include "src/lib/mdle.h"
#include <string.h>

void mdle_init(struct mdle_ctx *c)
{
    c->state[0] = 0x67452301u;
    c->state[1] = 0xEFCDAB89u;
    c->state[2] = 0x98BADCFEu;
    c->state[3] = 0x10325476u;
    c->count = 0;
}

void mdle_update(struct mdle_ctx *c, mdle_block_fn *fn, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t have = (size_t)(c->count % 64);
    c->count += len;
    if (have) {
        size_t take = 64 - have < len ? 64 - have : len;
        memcpy(c->block + have, p, take);
        p += take;
        len -= take;
        if (have + take < 64)
            return;
        fn(c->state, c->block);
    }
    for (; len >= 64; p += 64, len -= 64)
        fn(c->state, p);
    if (len)
        memcpy(c->block, p, len);
}

void mdle_final(struct mdle_ctx *c, mdle_block_fn *fn, uint8_t out[MDLE_DIGEST_LEN])
{
    uint64_t bits = c->count * 8;
    static const uint8_t pad[64] = {0x80};
    size_t have = (size_t)(c->count % 64);
    mdle_update(c, fn, pad, have < 56 ? 56 - have : 120 - have);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (8 * i));
    mdle_update(c, fn, len, 8);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(c->state[i] >> (8 * j));
    /* volatile so the wipe of password-derived state is not optimised away */
    volatile uint8_t *w = (volatile uint8_t *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        w[i] = 0;
}

void mdle_words(uint32_t x[16], const uint8_t *p)
{
    for (int i = 0; i < 16; i++)
        x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
}

/* HMAC-MD5 per RFC 2104 §2. */
#include "src/lib/hmac_md5.h"
#include <string.h>

void hmac_md5_init(struct hmac_md5_ctx *c, const void *key, size_t keylen)
{
    uint8_t k[64] = {0}, ipad[64];
    if (keylen > sizeof k)
        md5(key, keylen, k);
    else if (keylen)
        memcpy(k, key, keylen);
    for (size_t i = 0; i < 64; i++) {
        ipad[i] = (uint8_t)(k[i] ^ 0x36);
        c->okey[i] = (uint8_t)(k[i] ^ 0x5c);
    }
    md5_init(&c->inner);
    md5_update(&c->inner, ipad, sizeof ipad);
    memset(k, 0, sizeof k);
    memset(ipad, 0, sizeof ipad);
}

void hmac_md5_update(struct hmac_md5_ctx *c, const void *data, size_t n)
{
    md5_update(&c->inner, data, n);
}

void hmac_md5_final(struct hmac_md5_ctx *c, uint8_t out[16])
{
    uint8_t ih[16];
    struct md5_ctx o;
    md5_final(&c->inner, ih);
    md5_init(&o);
    md5_update(&o, c->okey, sizeof c->okey);
    md5_update(&o, ih, sizeof ih);
    md5_final(&o, out);
    memset(c, 0, sizeof *c);
    memset(ih, 0, sizeof ih);
}

void hmac_md5(const void *key, size_t keylen, const void *data, size_t n, uint8_t out[16])
{
    struct hmac_md5_ctx c;
    hmac_md5_init(&c, key, keylen);
    hmac_md5_update(&c, data, n);
    hmac_md5_final(&c, out);
}

/* HMAC-MD5 (RFC 2104). NTLMv2 (MS-NLMP §3.3.2) and the NTLM2 session
 * response are defined with it; the Exchange store's credentials cache
 * keys its entries with it (src/exchange/credcache.h). */
#ifndef NTLAB_LIB_HMAC_MD5_H
#define NTLAB_LIB_HMAC_MD5_H
#include "src/lib/md5.h"
#include <stddef.h>
#include <stdint.h>

struct hmac_md5_ctx {
    struct md5_ctx inner;
    uint8_t okey[64]; /* key XOR opad, for the outer hash */
};

/* A key longer than 64 bytes is hashed first (RFC 2104 §2). */
void hmac_md5_init(struct hmac_md5_ctx *c, const void *key, size_t keylen);
void hmac_md5_update(struct hmac_md5_ctx *c, const void *data, size_t n);
/* Writes the 16-byte MAC and wipes the context. */
void hmac_md5_final(struct hmac_md5_ctx *c, uint8_t out[16]);
void hmac_md5(const void *key, size_t keylen, const void *data, size_t n, uint8_t out[16]);

#endif

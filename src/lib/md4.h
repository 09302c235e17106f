/* MD4 message digest (RFC 1320). Used only for the NT password hash (NT OWF),
 * which is MD4 by definition; MD4 is broken as a general-purpose hash. */
#ifndef NTLAB_LIB_MD4_H
#define NTLAB_LIB_MD4_H
#include "src/lib/mdle.h"
#include <stddef.h>
#include <stdint.h>

#define MD4_DIGEST_LEN 16

struct md4_ctx {
    struct mdle_ctx md; /* the framing both share (mdle.h) */
};

void md4_init(struct md4_ctx *c);
void md4_update(struct md4_ctx *c, const void *data, size_t len);
/* Writes the digest and wipes the context. */
void md4_final(struct md4_ctx *c, uint8_t out[MD4_DIGEST_LEN]);
/* One-shot digest of data. */
void md4(const void *data, size_t len, uint8_t out[MD4_DIGEST_LEN]);

#endif

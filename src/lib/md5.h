/* MD5 (RFC 1321). Used for the APOP digest (RFC 1939 §7) and for stable
 * UIDLs of Maildir names that are not usable as-is; not for security. */
#ifndef NTLAB_LIB_MD5_H
#define NTLAB_LIB_MD5_H
#include "src/lib/mdle.h"
#include <stddef.h>
#include <stdint.h>

struct md5_ctx {
    struct mdle_ctx md; /* the framing both share (mdle.h) */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t n);
/* Writes the 16-byte digest and wipes the context; md5_init before reuse. */
void md5_final(struct md5_ctx *c, uint8_t out[16]);
/* One-shot digest of data. */
void md5(const void *data, size_t n, uint8_t out[16]);
/* One-shot digest as 32 lowercase hex digits plus NUL. */
void md5_hex(const void *data, size_t n, char out[33]);

#endif

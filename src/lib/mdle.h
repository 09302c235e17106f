/* The framing MD4 (RFC 1320) and MD5 (RFC 1321) share: 64-byte blocks of
 * little-endian words, the same initial state, padding with 0x80 then zeros
 * to 56 mod 64, the bit length little-endian, the digest the four state
 * words little-endian. Each algorithm brings only its block function. */
#ifndef NTLAB_LIB_MDLE_H
#define NTLAB_LIB_MDLE_H
#include <stddef.h>
#include <stdint.h>

#define MDLE_DIGEST_LEN 16

/* Mixes one 64-byte block into the four-word state. */
typedef void mdle_block_fn(uint32_t state[4], const uint8_t *block);

struct mdle_ctx {
    uint32_t state[4];
    uint64_t count;    /* bytes hashed so far */
    uint8_t block[64]; /* pending partial block */
};

/* The initial state (the same words in both RFCs). */
void mdle_init(struct mdle_ctx *c);
/* Hashes len bytes of data (NULL only with len 0). */
void mdle_update(struct mdle_ctx *c, mdle_block_fn *fn, const void *data, size_t len);
/* Pads, writes the 16-byte digest and wipes the context (it may hold
 * password-derived state); mdle_init before reuse. */
void mdle_final(struct mdle_ctx *c, mdle_block_fn *fn, uint8_t out[MDLE_DIGEST_LEN]);
/* The sixteen little-endian words of a block. */
void mdle_words(uint32_t x[16], const uint8_t *p);
#endif

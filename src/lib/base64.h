/* Base64 (RFC 4648 §4, standard alphabet, with padding), as SASL uses it
 * (RFC 5034: AUTH initial responses and continuation lines). */
#ifndef NTLAB_LIB_BASE64_H
#define NTLAB_LIB_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Length of the encoding of n bytes, without the NUL. */
size_t base64_encoded_len(size_t n);
/* Encodes n bytes into out, which must hold base64_encoded_len(n) + 1 bytes;
 * out is NUL-terminated. */
void base64_encode(const void *in, size_t n, char *out);
/* Strict decode of len characters: only the alphabet, '=' padding to a
 * multiple of 4, no whitespace, and zero bits after the last full byte
 * (so every string has one accepted encoding). Writes at most cap bytes to
 * out and the decoded length to *outlen.
 * Returns 0, EINVAL (not canonical base64) or E2BIG (out too small). */
int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

#endif

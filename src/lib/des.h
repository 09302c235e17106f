/* DES (FIPS 46-3), single-block ECB encryption only. NTLM's LM and NTLMv1
 * responses are defined over DES-ECB of an 8-byte challenge (MS-NLMP §6,
 * DESL); nothing else in ntlab uses DES, and DES is broken for any other use.
 * Own implementation: Debian has no mingw build of Nettle or libcrypto, and
 * both builds need the same code (README "Crypto"). */
#ifndef NTLAB_LIB_DES_H
#define NTLAB_LIB_DES_H
#include <stdint.h>

#define DES_BLOCK_LEN 8

/* Encrypts one 8-byte block in with the 8-byte key (parity bits ignored)
 * into out. in and out may alias. Cannot fail. */
void des_encrypt_block(const uint8_t key[8], const uint8_t in[8], uint8_t out[8]);

/* Spreads 7 key bytes (56 bits) over 8 bytes, 7 bits each in the high bits,
 * the low (parity) bit set for odd parity: the key form LM and NTLMv1 use. */
void des_key_from_56(const uint8_t in[7], uint8_t out[8]);

#endif

/* The NT OWF password hash (MD4 of UTF-16LE) and its constant-time check. */
#include "emulator/sam_int.h"
#include "src/lib/md4.h"
#include "src/lib/text.h"
#include <string.h>

void sam_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

void sam_nthash(const char *password, uint8_t out[16])
{
    struct md4_ctx c;
    uint8_t chunk[128];
    size_t n = 0;
    md4_init(&c);
    const unsigned char *p = (const unsigned char *)password;
    size_t left = strlen(password);
    while (left) {
        /* An invalid sequence counts as U+FFFD for one byte, as
         * MultiByteToWideChar does with its default flags. */
        size_t len;
        long dec = text_utf8_decode(p, left, &len);
        uint32_t cp = dec < 0 ? 0xFFFDu : (uint32_t)dec;
        p += len;
        left -= len;
        uint16_t u[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[0] = (uint16_t)(0xD800 | (cp >> 10));
            u[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else {
            u[0] = (uint16_t)cp;
        }
        for (int i = 0; i < nu; i++) {
            chunk[n++] = (uint8_t)(u[i] & 0xFF);
            chunk[n++] = (uint8_t)(u[i] >> 8);
        }
        if (n > sizeof chunk - 4) {
            md4_update(&c, chunk, n);
            n = 0;
        }
    }
    md4_update(&c, chunk, n);
    md4_final(&c, out);
    sam_wipe(chunk, sizeof chunk);
}

bool sam_password_ok(const struct sam_user *u, const char *password)
{
    uint8_t h[16];
    sam_nthash(password ? password : "", h);
    unsigned diff = 0; /* constant time: no early exit on the first mismatch */
    for (int i = 0; i < 16; i++)
        diff |= (unsigned)(h[i] ^ u->nthash[i]);
    sam_wipe(h, sizeof h);
    return diff == 0;
}

bool sam_password_len_ok(const char *pw)
{
    return strnlen(pw, SAM_PASSWORD_MAX + 1) <= SAM_PASSWORD_MAX;
}

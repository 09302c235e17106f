#include "src/lib/base64.h"
#include <errno.h>

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void base64_encode(const void *in, size_t n, char *out)
{
    const uint8_t *p = in;
    size_t o = 0;
    for (; n >= 3; p += 3, n -= 3) {
        uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        out[o++] = b64_alpha[v >> 18];
        out[o++] = b64_alpha[(v >> 12) & 63];
        out[o++] = b64_alpha[(v >> 6) & 63];
        out[o++] = b64_alpha[v & 63];
    }
    if (n) {
        uint32_t v = (uint32_t)p[0] << 16 | (n == 2 ? (uint32_t)p[1] << 8 : 0);
        out[o++] = b64_alpha[v >> 18];
        out[o++] = b64_alpha[(v >> 12) & 63];
        out[o++] = n == 2 ? b64_alpha[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = 0;
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    *outlen = 0;
    if (len % 4)
        return EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        unsigned pad = 0;
        for (unsigned j = 0; j < 4; j++) {
            char c = in[i + j];
            if (c == '=') {
                /* padding only at the end of the last quantum, at most two */
                if (i + 4 != len || j < 2)
                    return EINVAL;
                pad++;
                v[j] = 0;
            } else {
                if (pad)
                    return EINVAL;
                v[j] = b64_val(c);
                if (v[j] < 0)
                    return EINVAL;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        /* non-zero bits past the last byte would give a second spelling */
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return EINVAL;
        unsigned nb = 3 - pad;
        if (cap - o < nb)
            return E2BIG;
        out[o++] = (uint8_t)(w >> 16);
        if (nb > 1)
            out[o++] = (uint8_t)(w >> 8);
        if (nb > 2)
            out[o++] = (uint8_t)w;
    }
    *outlen = o;
    return 0;
}

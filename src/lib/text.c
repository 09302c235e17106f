#include "src/lib/text.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long text_utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0];
    *len = 1;
    if (c < 0x80)
        return (long)c;
    size_t k;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
        k = 1;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        k = 2;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        k = 3;
        cp = c & 0x07;
    } else {
        return -1;
    }
    for (size_t j = 1; j <= k; j++) {
        if (j >= n || (s[j] & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (s[j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = k + 1;
    return (long)cp;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len;
        if (s[i] == 0 || text_utf8_decode(s + i, n - i, &len) < 0)
            return 0;
        i += len;
    }
    return 1;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int text_decode(const char *data, size_t len, char **out, size_t *outlen)
{
    const unsigned char *d = (const unsigned char *)data;
    *out = NULL;
    *outlen = 0;
    if (len >= 2 && d[0] == 0xFF && d[1] == 0xFE) {
        d += 2;
        len -= 2;
        if (len % 2)
            return EILSEQ;
        size_t units = len / 2;
        if (units > (SIZE_MAX - 1) / 3)
            return ENOMEM;
        char *o = malloc(units * 3 + 1); /* a BMP unit is at most 3 bytes; a pair 4 for 2 units */
        if (!o)
            return ENOMEM;
        size_t w = 0;
        for (size_t i = 0; i < units; i++) {
            uint32_t u = (uint32_t)d[2 * i] | (uint32_t)d[2 * i + 1] << 8;
            if (u == 0)
                goto bad;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (i + 1 >= units)
                    goto bad;
                uint32_t l = (uint32_t)d[2 * i + 2] | (uint32_t)d[2 * i + 3] << 8;
                if (l < 0xDC00 || l > 0xDFFF)
                    goto bad;
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i++;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                goto bad;
            }
            w += put_utf8(o + w, u);
        }
        o[w] = 0;
        *out = o;
        *outlen = w;
        return 0;
    bad:
        free(o);
        return EILSEQ;
    }
    if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
        d += 3;
        len -= 3;
    }
    if (!utf8_valid(d, len))
        return EILSEQ;
    char *o = malloc(len + 1);
    if (!o)
        return ENOMEM;
    memcpy(o, d, len);
    o[len] = 0;
    *out = o;
    *outlen = len;
    return 0;
}

static unsigned utf16_error_line(const unsigned char *d, size_t len, const char **why)
{
    size_t units = len / 2;
    unsigned line = 1;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = (uint32_t)d[2 * i] | (uint32_t)d[2 * i + 1] << 8;
        if (u == 0) {
            *why = "NUL character";
            return line;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t l = i + 1 < units ? (uint32_t)d[2 * i + 2] | (uint32_t)d[2 * i + 3] << 8 : 0;
            if (l < 0xDC00 || l > 0xDFFF) {
                *why = "broken UTF-16 surrogate pair";
                return line;
            }
            i++;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            *why = "broken UTF-16 surrogate pair";
            return line;
        }
        line += u == '\n';
    }
    if (len % 2) {
        *why = "odd number of bytes in UTF-16 text";
        return line;
    }
    return 0;
}

unsigned text_error_line(const char *data, size_t len, const char **why)
{
    const unsigned char *d = (const unsigned char *)data;
    *why = NULL;
    if (len >= 2 && d[0] == 0xFF && d[1] == 0xFE)
        return utf16_error_line(d + 2, len - 2, why);
    size_t i = len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF ? 3 : 0;
    unsigned line = 1;
    while (i < len) {
        size_t n;
        if (d[i] == 0) {
            *why = "NUL byte";
            return line;
        }
        if (text_utf8_decode(d + i, len - i, &n) < 0) {
            *why = "invalid UTF-8";
            return line;
        }
        line += d[i] == '\n';
        i += n;
    }
    return 0;
}

void text_lines_init(struct text_lines *it, char *text)
{
    it->next = text;
    it->lineno = 0;
}

char *text_lines_next(struct text_lines *it, unsigned *lineno)
{
    char *s = it->next;
    if (!s || !*s)
        return NULL;
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = 0;
        it->next = nl + 1;
    } else {
        it->next = s + strlen(s);
    }
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r')
        s[n - 1] = 0;
    it->lineno++;
    if (lineno)
        *lineno = it->lineno;
    return s;
}

void text_file_verror(char *out, size_t n, const char *path, unsigned line, const char *fmt,
                      va_list ap)
{
    if (!out || !n)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (line)
        snprintf(out, n, "%s:%u: %s", path, line, msg);
    else
        snprintf(out, n, "%s: %s", path, msg);
}

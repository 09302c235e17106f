#include "src/lib/str.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int str_copyn(char *dst, size_t n, const char *src, size_t len)
{
    if (n == 0)
        return E2BIG;
    int rc = 0;
    if (len >= n) {
        len = n - 1;
        rc = E2BIG;
    }
    memcpy(dst, src, len);
    dst[len] = 0;
    return rc;
}

int str_copy(char *dst, size_t n, const char *src)
{
    return str_copyn(dst, n, src, strlen(src));
}

int str_icmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca != cb || !ca)
            return ca - cb;
    }
}

bool str_ieq(const char *a, const char *b)
{
    return str_icmp(a, b) == 0;
}

bool str_istarts(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return false;
    return true;
}

char *str_trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p))
        return EINVAL;
    uint64_t v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return ERANGE;
        v = v * 10 + d;
    }
    if (*p)
        return EINVAL;
    if (!neg && v > (uint64_t)INT64_MAX)
        return ERANGE;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return ERANGE;
    int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (r < min || r > max)
        return ERANGE;
    *out = r;
    return 0;
}

int str_to_duration(const char *s, int64_t *seconds)
{
    char num[32];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof num)
        return EINVAL;
    int64_t mult = 1;
    memcpy(num, s, n + 1);
    switch (num[n - 1]) {
    case 's': mult = 1; num[n - 1] = 0; break;
    case 'm': mult = 60; num[n - 1] = 0; break;
    case 'h': mult = 3600; num[n - 1] = 0; break;
    case 'd': mult = 86400; num[n - 1] = 0; break;
    default: break;
    }
    int64_t v;
    int rc = str_to_i64(num, 0, INT64_MAX / 86400, &v);
    if (rc)
        return rc;
    *seconds = v * mult;
    return 0;
}

bool str_unquote(char *v, char **out)
{
    v = str_trim(v);
    if (*v != '"') {
        *out = v;
        return true;
    }
    char *r = v + 1, *w = v;
    for (;;) {
        if (!*r)
            return false;
        if (*r == '"') {
            r++;
            break;
        }
        if (*r == '\\') {
            r++;
            if (*r != '"' && *r != '\\')
                return false;
        }
        *w++ = *r++;
    }
    if (*str_trim(r))
        return false;
    *w = 0;
    *out = v;
    return true;
}

void str_upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

void str_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = 0;
}

/* A table, not tolower or branches: sam.txt holds 32 hex digits a user and
 * the loader reads 10,000 users per reboot. Value + 1; 0 = not a digit. */
int str_hexval(int c)
{
    static const unsigned char v[256] = {
        ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
        ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
        ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    };
    return (int)v[(unsigned char)c] - 1; /* c: a char or an unsigned char */
}

int str_unhex(const char *in, uint8_t *out, size_t n)
{
    if (strlen(in) != 2 * n)
        return EINVAL;
    for (size_t i = 0; i < n; i++) {
        int hi = str_hexval(in[2 * i]), lo = str_hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

char *str_dupn(const char *s, size_t n)
{
    size_t l = 0;
    while (l < n && s[l])
        l++;
    char *d = malloc(l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = 0;
    }
    return d;
}

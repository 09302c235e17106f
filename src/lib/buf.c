#include "src/lib/buf.h"
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n))
        return ENOMEM;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

/* The conversions buf_vprintf formats itself: %s %c %d %u %ld %lu %lld
 * %llu %zu %%, without flags, width or precision. The daemon's log lines,
 * replies and audit texts use only these; vsnprintf was a fifth of a
 * logon's instructions (issue 12). Anything else goes to vsnprintf. */
static bool plain_format(const char *f)
{
    for (; *f; f++) {
        if (*f != '%')
            continue;
        f++;
        if (*f == 'l' && f[1] == 'l')
            f += 2;
        else if (*f == 'z' || *f == 'l')
            f++;
        if (!*f || !strchr(f[-1] == 'z' ? "u" : f[-1] == 'l' ? "du" : "%scdu", *f))
            return false;
    }
    return true;
}

static int put_num(struct buf *b, unsigned long long u, bool neg)
{
    char d[24];
    size_t i = sizeof d;
    do
        d[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (neg)
        d[--i] = '-';
    return buf_append(b, d + i, sizeof d - i);
}

static int put_signed(struct buf *b, long long v)
{
    return put_num(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
}

static int plain_vprintf(struct buf *b, const char *f, va_list ap)
{
    int rc = 0;
    while (!rc && *f) {
        const char *pct = strchr(f, '%');
        size_t lit = pct ? (size_t)(pct - f) : strlen(f);
        if (lit && (rc = buf_append(b, f, lit)) != 0)
            break;
        if (!pct)
            break;
        f = pct + 1;
        int len = 0; /* 1 = l, 2 = ll, 3 = z */
        if (*f == 'z')
            len = 3, f++;
        else if (*f == 'l' && f[1] == 'l')
            len = 2, f += 2;
        else if (*f == 'l')
            len = 1, f++;
        char c = *f++;
        if (c == '%') {
            rc = buf_putc(b, '%');
        } else if (c == 's') {
            const char *str = va_arg(ap, const char *);
            rc = buf_puts(b, str ? str : "(null)");
        } else if (c == 'c') {
            rc = buf_putc(b, (char)va_arg(ap, int));
        } else if (c == 'd') {
            rc = put_signed(b, len == 2 ? va_arg(ap, long long)
                               : len == 1 ? va_arg(ap, long) : va_arg(ap, int));
        } else {
            rc = put_num(b, len == 3 ? va_arg(ap, size_t)
                          : len == 2 ? va_arg(ap, unsigned long long)
                          : len == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), false);
        }
    }
    return rc;
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    if (plain_format(fmt)) {
        size_t had = b->len;
        int rc = plain_vprintf(b, fmt, ap);
        if (rc) { /* nothing half-formatted left behind */
            b->len = had;
            if (b->p)
                b->p[had] = 0;
        }
        return rc;
    }
    /* Formats into the spare room first: one vsnprintf when it fits (the
     * common case once a buffer has grown), a second after growing. */
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->p ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->p)
            b->p[b->len] = 0;
        return EINVAL;
    }
    if ((size_t)n >= room) {
        if (buf_reserve(b, (size_t)n)) {
            if (b->p)
                b->p[b->len] = 0; /* undo the truncated attempt */
            return ENOMEM;
        }
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->p, b->p + n, b->len - n);
        b->len -= n;
    }
    if (b->p)
        b->p[b->len] = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = 0;
}

void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *buf_steal(struct buf *b)
{
    char *p = b->p;
    if (!p)
        p = calloc(1, 1);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

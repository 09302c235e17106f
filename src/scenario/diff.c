/* Transcripts and their unified diff (Myers' O(ND) algorithm, with a bound
 * on D past which the rest is shown as one replaced block). */
#include "src/scenario/diff.h"
#include "src/lib/arr.h"
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_D 2000 /* edit distance searched; beyond it: one block */
#define DIFF_CONTEXT 3

int scn_ts_add(struct scn_transcript *t, const char *text, size_t len, unsigned flags)
{
    struct scn_tline *v = arr_grow(t->v, &t->cap, t->n, sizeof *v, 32);
    if (!v)
        return ENOMEM;
    t->v = v;
    char *s = malloc(len + 1);
    if (!s)
        return ENOMEM;
    memcpy(s, text, len);
    s[len] = 0;
    t->v[t->n++] = (struct scn_tline){s, len, flags, NULL, 0};
    return 0;
}

int scn_ts_add2(struct scn_transcript *t, const char *prefix, const char *body, size_t len,
                unsigned flags)
{
    size_t pl = strlen(prefix);
    char stackbuf[512];
    char *s = pl + len < sizeof stackbuf ? stackbuf : malloc(pl + len + 1);
    if (!s)
        return ENOMEM;
    memcpy(s, prefix, pl);
    memcpy(s + pl, body, len);
    int rc = scn_ts_add(t, s, pl + len, flags);
    if (s != stackbuf)
        free(s);
    return rc;
}

int scn_ts_add_pat(struct scn_transcript *t, const char *prefix, const struct scn_pattern *pat,
                   unsigned flags)
{
    int rc = scn_ts_add2(t, prefix, pat->text, pat->len, flags);
    if (rc == 0) {
        t->v[t->n - 1].pat = pat;
        t->v[t->n - 1].pat_off = strlen(prefix);
    }
    return rc;
}

int scn_ts_addf(struct scn_transcript *t, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = scn_ts_add(t, b.p ? b.p : "", b.len, 0);
    buf_free(&b);
    return rc;
}

void scn_ts_free(struct scn_transcript *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

bool scn_tline_eq(const struct scn_tline *a, const struct scn_tline *b)
{
    return a->len == b->len && a->flags == b->flags && memcmp(a->text, b->text, a->len) == 0;
}

int scn_visible(struct buf *out, const char *line, size_t len, unsigned flags)
{
    size_t end = len;
    while (end > 0 && line[end - 1] == ' ')
        end--;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < end; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\r')
            rc = buf_puts(out, "\\r");
        else if (c == '\t')
            rc = buf_puts(out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            rc = buf_printf(out, "\\x%02X", c);
        else
            rc = buf_putc(out, (char)c);
    }
    for (size_t i = end; rc == 0 && i < len; i++)
        rc = buf_puts(out, "\xC2\xB7"); /* U+00B7 middle dot: a trailing space */
    if (rc == 0 && (flags & SCN_TL_BARE_LF))
        rc = buf_puts(out, "\\n");
    if (rc == 0 && (flags & SCN_TL_NO_EOL))
        rc = buf_puts(out, "<EOF>");
    return rc;
}

/* Columns the visible form of line[0..n) takes (for the caret). */
static size_t visible_width(const char *line, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\r' || c == '\t')
            w += 2;
        else if (c < 0x20 || c == 0x7f)
            w += 4;
        else if ((c & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
            w += 1;
    }
    return w;
}

enum op { OP_EQ, OP_DEL, OP_INS };
struct edit {
    enum op op;
    size_t a, b; /* line index in expected (DEL, EQ) / actual (INS, EQ) */
};

/* Myers' greedy diff of a[lo_a..hi_a) against b[lo_b..hi_b), appending the
 * edits in order to ed. Returns 0 or ENOMEM. */
static int myers(const struct scn_tline *a, size_t lo_a, size_t hi_a, const struct scn_tline *b,
                 size_t lo_b, size_t hi_b, struct edit *ed, size_t *ned)
{
    long n = (long)(hi_a - lo_a), m = (long)(hi_b - lo_b);
    long max = n + m;
    long dmax = max < DIFF_MAX_D ? max : DIFF_MAX_D;
    long off = dmax + 2;
    long *v = calloc((size_t)(2 * off + 1), sizeof *v);
    long **trace = calloc((size_t)dmax + 1, sizeof *trace);
    if (!v || !trace) {
        free(v);
        free(trace);
        return ENOMEM;
    }
    long found = -1;
    v[off + 1] = 0;
    for (long d = 0; d <= dmax && found < 0; d++) {
        /* Keep v[-(d+1)..d+1] as it was before step d, for the way back. */
        trace[d] = malloc((size_t)(2 * d + 3) * sizeof **trace);
        if (!trace[d]) {
            for (long i = 0; i < d; i++)
                free(trace[i]);
            free(trace);
            free(v);
            return ENOMEM;
        }
        memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof *v);
        for (long k = -d; k <= d; k += 2) {
            long x;
            if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
                x = v[off + k + 1];
            else
                x = v[off + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m &&
                   scn_tline_eq(&a[lo_a + (size_t)x], &b[lo_b + (size_t)y])) {
                x++;
                y++;
            }
            v[off + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    size_t start = *ned;
    if (found < 0) {
        /* Too different to search: everything deleted, then inserted. */
        for (long i = 0; i < n; i++)
            ed[(*ned)++] = (struct edit){OP_DEL, lo_a + (size_t)i, 0};
        for (long i = 0; i < m; i++)
            ed[(*ned)++] = (struct edit){OP_INS, 0, lo_b + (size_t)i};
    } else {
        /* Walk back from (n, m), emitting edits in reverse. */
        long x = n, y = m;
        for (long d = found; d >= 0; d--) {
            long *tv = trace[d] + d + 1; /* tv[k] for k in -(d+1)..d+1 */
            long k = x - y;
            long pk = (k == -d || (k != d && tv[k - 1] < tv[k + 1])) ? k + 1 : k - 1;
            long px = d == 0 ? 0 : tv[pk];
            long py = px - pk;
            if (d == 0) {
                px = 0;
                py = 0;
            }
            while (x > px && y > py) {
                x--;
                y--;
                ed[(*ned)++] = (struct edit){OP_EQ, lo_a + (size_t)x, lo_b + (size_t)y};
            }
            if (d > 0) {
                if (x == px)
                    ed[(*ned)++] = (struct edit){OP_INS, 0, lo_b + (size_t)py};
                else
                    ed[(*ned)++] = (struct edit){OP_DEL, lo_a + (size_t)px, 0};
            }
            x = px;
            y = py;
        }
        for (size_t i = start, j = *ned - 1; i < j; i++, j--) {
            struct edit t = ed[i];
            ed[i] = ed[j];
            ed[j] = t;
        }
    }
    for (long d = 0; d <= dmax; d++)
        free(trace[d]); /* NULL past the last step taken */
    free(trace);
    free(v);
    return 0;
}

static int put_line(struct buf *out, const char *indent, char mark, const struct scn_tline *l)
{
    int rc = buf_puts(out, indent);
    if (rc == 0)
        rc = buf_putc(out, mark);
    if (rc == 0)
        rc = scn_visible(out, l->text, l->len, l->flags);
    if (rc == 0)
        rc = buf_putc(out, '\n');
    return rc;
}

static void describe_byte(char *out, size_t n, unsigned char c)
{
    if (c == '\r')
        snprintf(out, n, "\\r (0x0D)");
    else if (c == '\t')
        snprintf(out, n, "\\t (0x09)");
    else if (c == ' ')
        snprintf(out, n, "a space (0x20)");
    else if (c < 0x20 || c >= 0x7f)
        snprintf(out, n, "byte 0x%02X", c);
    else
        snprintf(out, n, "'%c' (0x%02X)", c, c);
}

/* The note under a one-for-one replaced pattern line whose prefix (the
 * "s1 < " before the pattern) agrees: the first byte of the actual line
 * the pattern cannot match, the caret under it in the actual line. */
static int pattern_difference(struct buf *out, const char *indent, const struct scn_tline *e,
                              const struct scn_tline *a)
{
    const char *body = a->text + e->pat_off;
    size_t blen = a->len - e->pat_off;
    int rc;
    if (scn_pattern_match(e->pat, body, blen))
        return buf_printf(out, "%sthe pattern matches; the line ends differ (%s expected, %s got)\n",
                          indent, e->flags ? (e->flags & SCN_TL_BARE_LF ? "LF" : "none") : "CRLF",
                          a->flags ? (a->flags & SCN_TL_BARE_LF ? "LF" : "none") : "CRLF");
    size_t i = e->pat_off + scn_pattern_prefix(e->pat, body, blen);
    if (i < a->len) {
        char da[32];
        describe_byte(da, sizeof da, (unsigned char)a->text[i]);
        rc = buf_printf(out, "%sfirst byte the pattern cannot match at column %zu: %s\n", indent,
                        i + 1, da);
    } else {
        rc = buf_printf(out, "%sactual line ends at column %zu where the pattern wants more\n",
                        indent, i + 1);
    }
    if (rc == 0)
        rc = put_line(out, indent, '-', e);
    if (rc == 0)
        rc = put_line(out, indent, '+', a);
    if (rc == 0)
        rc = buf_printf(out, "%s %*s^\n", indent, (int)visible_width(a->text, i), "");
    return rc;
}

/* The note under a one-for-one replaced line: where the bytes part. */
static int first_difference(struct buf *out, const char *indent, const struct scn_tline *e,
                            const struct scn_tline *a)
{
    size_t i = 0;
    while (i < e->len && i < a->len && e->text[i] == a->text[i])
        i++;
    if (e->pat && e->pat->has_re && i >= e->pat_off && a->len >= e->pat_off)
        return pattern_difference(out, indent, e, a);
    char de[32], da[32];
    int rc;
    if (i < e->len && i < a->len) {
        describe_byte(de, sizeof de, (unsigned char)e->text[i]);
        describe_byte(da, sizeof da, (unsigned char)a->text[i]);
        rc = buf_printf(out, "%sfirst difference at column %zu: expected %s, got %s\n", indent,
                        i + 1, de, da);
    } else if (i < e->len) {
        describe_byte(de, sizeof de, (unsigned char)e->text[i]);
        rc = buf_printf(out, "%sactual line ends at column %zu where %s was expected\n", indent,
                        i + 1, de);
    } else if (i < a->len) {
        describe_byte(da, sizeof da, (unsigned char)a->text[i]);
        rc = buf_printf(out, "%sactual line goes on at column %zu with %s\n", indent, i + 1, da);
    } else {
        return buf_printf(out, "%sthe bytes agree; the line ends differ (%s expected, %s got)\n",
                          indent, e->flags ? (e->flags & SCN_TL_BARE_LF ? "LF" : "none") : "CRLF",
                          a->flags ? (a->flags & SCN_TL_BARE_LF ? "LF" : "none") : "CRLF");
    }
    if (rc == 0)
        rc = put_line(out, indent, '-', e);
    if (rc == 0)
        rc = put_line(out, indent, '+', a);
    if (rc == 0)
        rc = buf_printf(out, "%s %*s^\n", indent, (int)visible_width(e->text, i), "");
    return rc;
}

int scn_diff(const struct scn_transcript *expected, const struct scn_transcript *actual,
             const char *label_a, const char *label_b, const char *indent, struct buf *out)
{
    const struct scn_tline *a = expected->v, *b = actual->v;
    size_t n = expected->n, m = actual->n;
    size_t pre = 0;
    while (pre < n && pre < m && scn_tline_eq(&a[pre], &b[pre]))
        pre++;
    if (pre == n && pre == m)
        return 0;
    size_t suf = 0;
    while (suf < n - pre && suf < m - pre && scn_tline_eq(&a[n - 1 - suf], &b[m - 1 - suf]))
        suf++;
    struct edit *ed = malloc((n + m + 1) * sizeof *ed);
    if (!ed)
        return ENOMEM;
    size_t ne = 0;
    for (size_t i = 0; i < pre; i++)
        ed[ne++] = (struct edit){OP_EQ, i, i};
    int rc = myers(a, pre, n - suf, b, pre, m - suf, ed, &ne);
    for (size_t i = 0; rc == 0 && i < suf; i++)
        ed[ne++] = (struct edit){OP_EQ, n - suf + i, m - suf + i};

    if (rc == 0)
        rc = buf_printf(out, "%s--- %s\n%s+++ %s\n", indent, label_a, indent, label_b);
    /* Hunks: runs of changes with DIFF_CONTEXT equal lines around them. */
    size_t i = 0;
    while (rc == 0 && i < ne) {
        while (i < ne && ed[i].op == OP_EQ)
            i++;
        if (i == ne)
            break;
        size_t hs = i > DIFF_CONTEXT ? i - DIFF_CONTEXT : 0;
        size_t he, j = i; /* extend while changes come within 2*context */
        for (;;) {
            while (j < ne && ed[j].op != OP_EQ)
                j++;
            he = j;
            size_t eq = j;
            while (eq < ne && ed[eq].op == OP_EQ)
                eq++;
            if (eq < ne && eq - j <= 2 * DIFF_CONTEXT) {
                j = eq;
                continue;
            }
            he = j + DIFF_CONTEXT < ne ? j + DIFF_CONTEXT : ne;
            if (he > eq)
                he = eq;
            break;
        }
        /* Hunk header line numbers. */
        size_t a0 = 0, b0 = 0, an = 0, bn = 0;
        bool afirst = true, bfirst = true;
        for (size_t k = hs; k < he; k++) {
            if (ed[k].op != OP_INS) {
                if (afirst)
                    a0 = ed[k].a;
                afirst = false;
                an++;
            }
            if (ed[k].op != OP_DEL) {
                if (bfirst)
                    b0 = ed[k].b;
                bfirst = false;
                bn++;
            }
        }
        /* A side with no line in the hunk (only when that side is empty) is "-0,0". */
        if (afirst)
            a0 = 0;
        if (bfirst)
            b0 = 0;
        rc = buf_printf(out, "%s@@ -%zu,%zu +%zu,%zu @@\n", indent, an ? a0 + 1 : a0, an,
                        bn ? b0 + 1 : b0, bn);
        for (size_t k = hs; rc == 0 && k < he; k++) {
            if (ed[k].op == OP_EQ)
                rc = put_line(out, indent, ' ', &a[ed[k].a]);
            else if (ed[k].op == OP_DEL)
                rc = put_line(out, indent, '-', &a[ed[k].a]);
            else
                rc = put_line(out, indent, '+', &b[ed[k].b]);
        }
        i = he;
    }
    /* The first change: a line replaced by a line gets a byte-level note. */
    for (size_t k = 0; rc == 0 && k < ne; k++) {
        if (ed[k].op == OP_EQ)
            continue;
        size_t d = k, in = k;
        while (d < ne && ed[d].op == OP_DEL)
            d++;
        in = d;
        while (in < ne && ed[in].op == OP_INS)
            in++;
        if (d > k && in > d)
            rc = first_difference(out, indent, &a[ed[k].a], &b[ed[d].b]);
        break;
    }
    free(ed);
    return rc;
}

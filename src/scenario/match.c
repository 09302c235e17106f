/* Expected-line patterns: literal bytes with {{REGEX}} escapes, compiled
 * into one anchored POSIX ERE. */
#include "src/scenario/match.h"
#include "src/lib/buf.h"
#include "src/lib/rematch.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The characters special in a POSIX ERE outside brackets (XBD 9.4.3); a
 * backslash before one of them matches it literally. */
static bool ere_special(char c)
{
    return c && strchr("^.[$()|*+?{\\", c) != NULL;
}

int scn_pattern_init(struct scn_pattern *p, const char *text, size_t len, char *err,
                     size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (len > SCN_PATTERN_MAX) {
        snprintf(err, errlen, "expected line longer than %u bytes", SCN_PATTERN_MAX);
        return EINVAL;
    }
    if (memchr(text, 0, len)) {
        snprintf(err, errlen, "NUL byte in an expected line");
        return EINVAL;
    }
    p->text = malloc(len + 1);
    if (!p->text)
        return ENOMEM;
    memcpy(p->text, text, len);
    p->text[len] = 0;
    p->len = len;
    const char *open = strstr(p->text, "{{");
    if (!open)
        return 0;

    struct buf re = BUF_INIT;
    int rc = buf_putc(&re, '^');
    size_t i = 0;
    while (rc == 0 && i < len) {
        if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
            const char *end = strstr(p->text + i + 2, "}}");
            if (!end) {
                snprintf(err, errlen, "unterminated {{ at byte %zu (a literal {{ is {{\\{\\{}})",
                         i + 1);
                buf_free(&re);
                free(p->text);
                p->text = NULL;
                return EINVAL;
            }
            size_t close = (size_t)(end - p->text);
            /* The escape ends at the last '}' pair of a run: "{2}}}" closes after "{2}". */
            while (close + 2 < len && text[close + 2] == '}')
                close++;
            size_t start = i + 2;
            if (close == start) {
                snprintf(err, errlen, "empty {{}} at byte %zu", i + 1);
                buf_free(&re);
                free(p->text);
                p->text = NULL;
                return EINVAL;
            }
            rc = buf_putc(&re, '(');
            if (rc == 0)
                rc = buf_append(&re, text + start, close - start);
            if (rc == 0)
                rc = buf_putc(&re, ')');
            i = close + 2;
            continue;
        }
        if (ere_special(text[i]))
            rc = buf_putc(&re, '\\');
        if (rc == 0)
            rc = buf_putc(&re, text[i]);
        i++;
    }
    if (rc == 0)
        rc = buf_putc(&re, '$');
    if (rc) {
        buf_free(&re);
        free(p->text);
        p->text = NULL;
        return ENOMEM;
    }
    char msg[256] = "";
    int cr = plat_re_compile(&p->re, re.p, msg, sizeof msg);
    if (cr != 0) {
        buf_free(&re);
        snprintf(err, errlen, "bad regular expression in {{...}}: %s", msg);
        free(p->text);
        p->text = NULL;
        return cr;
    }
    p->ere = buf_steal(&re); /* kept for scn_pattern_prefix (a failure's caret) */
    p->has_re = true;
    return 0;
}

void scn_pattern_free(struct scn_pattern *p)
{
    if (!p)
        return;
    if (p->has_re)
        plat_re_free(&p->re);
    free(p->ere);
    free(p->text);
    memset(p, 0, sizeof *p);
}

bool scn_pattern_match(const struct scn_pattern *p, const char *line, size_t len)
{
    if (!p->has_re)
        return len == p->len && memcmp(line, p->text, len) == 0;
    if (memchr(line, 0, len))
        return false;
    char stackbuf[1024];
    char *s = len < sizeof stackbuf ? stackbuf : malloc(len + 1);
    if (!s)
        return false;
    memcpy(s, line, len);
    s[len] = 0;
    bool ok = plat_re_match(&p->re, s); /* anchored: a match is the whole line */
    if (s != stackbuf)
        free(s);
    return ok;
}

static size_t common_prefix(const char *a, size_t al, const char *b, size_t bl)
{
    size_t i = 0;
    while (i < al && i < bl && a[i] == b[i])
        i++;
    return i;
}

size_t scn_pattern_prefix(const struct scn_pattern *p, const char *line, size_t len)
{
    if (!p->has_re || !p->ere)
        return common_prefix(p->text, p->len, line, len);
    /* The portable engine runs on every system: regexec says only
     * match/no match, not how far a match got. It compiles here, once per
     * failure note, not per line matched. */
    struct rematch *rm = NULL;
    char err[128];
    if (rematch_compile(p->ere, &rm, err, sizeof err) != 0)
        return common_prefix(p->text, p->len, line, len);
    const char *nul = memchr(line, 0, len);
    size_t n = nul ? (size_t)(nul - line) : len; /* no escape matches a NUL */
    char *s = malloc(n + 1);
    size_t k = (size_t)-1;
    if (s) {
        memcpy(s, line, n);
        s[n] = 0;
        k = rematch_prefix(rm, s);
        free(s);
    }
    rematch_free(rm);
    if (k == (size_t)-1)
        return common_prefix(p->text, p->len, line, len);
    return k;
}

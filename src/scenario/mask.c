/* Masking secrets in shown client lines and ntlab command lines. */
#include "src/scenario/mask.h"
#include <ctype.h>
#include <string.h>

static bool is_sep(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether line[at..at+klen) is the word kw (any case) followed by a
 * separator or the end. */
static bool word_is(const char *line, size_t len, size_t at, size_t klen, const char *kw)
{
    if (strlen(kw) != klen || at + klen > len)
        return false;
    for (size_t i = 0; i < klen; i++)
        if (toupper((unsigned char)line[at + i]) != kw[i])
            return false;
    return true;
}

static size_t word_end(const char *line, size_t len, size_t i)
{
    while (i < len && !is_sep(line[i]))
        i++;
    return i;
}

static size_t skip_seps(const char *line, size_t len, size_t i)
{
    while (i < len && is_sep(line[i]))
        i++;
    return i;
}

/* line[0..keep) as sent, then the mask. */
static int shown(struct buf *out, const char *line, size_t keep)
{
    int rc = buf_append(out, line, keep);
    return rc ? rc : buf_puts(out, SCN_MASK_TEXT);
}

int scn_mask_client(struct scn_mask *m, struct buf *out, const char *line, size_t len)
{
    if (m && m->in_auth) {
        /* The answer to a "+" challenge: credentials, whatever it looks
         * like; "*" cancels and is harmless to show. */
        if (len == 0 || (len == 1 && line[0] == '*'))
            return buf_append(out, line, len);
        return shown(out, line, 0);
    }
    size_t kend = word_end(line, len, 0);
    size_t arg = skip_seps(line, len, kend);
    if (word_is(line, len, 0, kend, "PASS") && arg < len)
        return shown(out, line, arg);
    if (word_is(line, len, 0, kend, "AUTH") && arg < len) {
        size_t mend = word_end(line, len, arg);
        size_t resp = skip_seps(line, len, mend);
        if (resp < len)
            return shown(out, line, resp); /* the initial response */
        if (m)
            m->in_auth = true; /* the server will ask with "+" */
    }
    return buf_append(out, line, len);
}

void scn_mask_server(struct scn_mask *m, const char *line, size_t len)
{
    if (m && m->in_auth && !(len >= 1 && line[0] == '+' && (len == 1 || line[1] == ' ')))
        m->in_auth = false;
}

/* The end of the ntlab word starting at s[i] (quotes group, as the parser
 * splits them; an unterminated quote runs to the end). */
static size_t cmd_word_end(const char *s, size_t i)
{
    while (s[i] && !is_sep(s[i])) {
        char q = s[i];
        if (q == '"' || q == '\'') {
            i++;
            while (s[i] && s[i] != q) {
                if (q == '"' && s[i] == '\\' && s[i + 1] == '"')
                    i++;
                i++;
            }
            if (s[i])
                i++;
        } else {
            i++;
        }
    }
    return i;
}

static bool cmd_word_eq(const char *s, size_t b, size_t e, const char *w)
{
    return e - b == strlen(w) && memcmp(s + b, w, e - b) == 0;
}

int scn_mask_cmdline(struct buf *out, const char *s)
{
    int rc = 0;
    size_t i = 0, nword = 0, npos = 0;
    bool logon = false, mask_next = false, value_next = false;
    while (rc == 0 && s[i]) {
        size_t b = i;
        while (s[i] && is_sep(s[i]))
            i++;
        rc = buf_append(out, s + b, i - b);
        if (rc || !s[i])
            break;
        b = i;
        i = cmd_word_end(s, i);
        bool first = nword++ == 0;
        if (first)
            logon = cmd_word_eq(s, b, i, "logon");
        if (mask_next) {
            rc = buf_puts(out, SCN_MASK_TEXT);
            mask_next = false;
            continue;
        }
        if (cmd_word_eq(s, b, i, "--password") || cmd_word_eq(s, b, i, "--nt-hash") ||
            cmd_word_eq(s, b, i, "--apop-secret")) {
            mask_next = true; /* a password, or what stands for one (ntlab export) */
        } else if (i - b > 11 && memcmp(s + b, "--password=", 11) == 0) {
            rc = shown(out, s + b, 11);
            continue;
        } else if (logon && !first) {
            /* logon [--caller A] [--type T] [--machine M] USER PASSWORD */
            if (value_next) {
                value_next = false;
            } else if (s[b] == '-') {
                /* (--opt=V is one word and takes no value after it) */
                value_next = cmd_word_eq(s, b, i, "--caller") || cmd_word_eq(s, b, i, "--type") ||
                             cmd_word_eq(s, b, i, "--machine");
            } else if (++npos == 2) {
                rc = buf_puts(out, SCN_MASK_TEXT);
                continue;
            }
        }
        rc = buf_append(out, s + b, i - b);
    }
    return rc;
}

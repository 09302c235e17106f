#include "emulator/inf.h"
#include "emulator/rights.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct inf_limits inf_default_limits = {INF_MAX_FILE, INF_MAX_LINE, INF_MAX_ENTRIES};

/* Keys with the ranges NT 4.0 User Manager / secedit accept; -1 means
 * "never" where the key allows it. */
static const struct {
    const char *key;
    int min, max;
} sa_keys[INF_SA_COUNT] = {
    [INF_SA_MIN_PASSWORD_AGE] = {"MinimumPasswordAge", 0, 998},
    [INF_SA_MAX_PASSWORD_AGE] = {"MaximumPasswordAge", -1, 999},
    [INF_SA_MIN_PASSWORD_LENGTH] = {"MinimumPasswordLength", 0, 14},
    [INF_SA_PASSWORD_HISTORY] = {"PasswordHistorySize", 0, 24},
    [INF_SA_LOCKOUT_BAD_COUNT] = {"LockoutBadCount", 0, 999},
    [INF_SA_RESET_LOCKOUT_COUNT] = {"ResetLockoutCount", 1, 99999},
    [INF_SA_LOCKOUT_DURATION] = {"LockoutDuration", -1, 99999},
    [INF_SA_FORCE_LOGOFF] = {"ForceLogoffWhenHourExpire", 0, 1},
};

const char *inf_sa_key(enum inf_sa k)
{
    return (unsigned)k < INF_SA_COUNT ? sa_keys[k].key : NULL;
}

bool inf_sa_lookup(const char *name, enum inf_sa *out)
{
    for (int k = 0; k < INF_SA_COUNT; k++) {
        if (str_ieq(name, sa_keys[k].key)) {
            *out = (enum inf_sa)k;
            return true;
        }
    }
    return false;
}

bool inf_sa_valid(enum inf_sa k, int v)
{
    return (unsigned)k < INF_SA_COUNT && v >= sa_keys[k].min && v <= sa_keys[k].max;
}

void inf_init(struct inf *doc)
{
    memset(doc, 0, sizeof *doc);
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

void inf_free(struct inf *doc)
{
    free_lines(doc->sa_extra, doc->n_sa_extra);
    for (size_t i = 0; i < doc->ngrants; i++)
        free(doc->grants[i].name);
    free(doc->grants);
    for (size_t i = 0; i < doc->nsections; i++) {
        free(doc->sections[i].name);
        free_lines(doc->sections[i].lines, doc->sections[i].nlines);
    }
    free(doc->sections);
    inf_init(doc);
}

int inf_add_grant(struct inf *doc, unsigned right, const struct sid *sid, const char *name)
{
    if (doc->ngrants == doc->cap_grants) {
        size_t cap = doc->cap_grants ? doc->cap_grants * 2 : 64;
        struct inf_grant *g = realloc(doc->grants, cap * sizeof *g);
        if (!g)
            return ENOMEM;
        doc->grants = g;
        doc->cap_grants = cap;
    }
    struct inf_grant *g = &doc->grants[doc->ngrants];
    g->right = right;
    g->name = NULL;
    if (name) {
        g->name = strdup(name);
        if (!g->name)
            return ENOMEM;
        memset(&g->sid, 0, sizeof g->sid);
    } else {
        g->sid = *sid;
    }
    doc->ngrants++;
    return 0;
}

/* Arrays that grow by doubling without a stored capacity: the capacity is
 * the next power of two >= n, so grow when n is 0 or a power of two. */
static void *grow(void *p, size_t n, size_t size)
{
    if (n && (n & (n - 1)))
        return p;
    size_t c = n ? n * 2 : 1;
    return realloc(p, c * size);
}

static int push_line(char ***lines, size_t *n, const char *line)
{
    char *copy = strdup(line);
    if (!copy)
        return ENOMEM;
    char **l = grow(*lines, *n, sizeof *l);
    if (!l) {
        free(copy);
        return ENOMEM;
    }
    l[(*n)++] = copy;
    *lines = l;
    return 0;
}

/* --- reader ---------------------------------------------------------------- */

struct parser {
    const char *path;
    char *err;
    size_t errlen;
    unsigned lineno;
};

__attribute__((format(printf, 3, 4))) static ntstatus perr(struct parser *p, ntstatus st,
                                                           const char *fmt, ...)
{
    if (p->err && p->errlen) {
        int k = p->lineno ? snprintf(p->err, p->errlen, "%s:%u: ", p->path, p->lineno)
                          : snprintf(p->err, p->errlen, "%s: ", p->path);
        if (k >= 0 && (size_t)k < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return st;
}

#define CORRUPT STATUS_INTERNAL_DB_CORRUPTION

enum section { SEC_NONE, SEC_UNICODE, SEC_VERSION, SEC_SA, SEC_PRIV, SEC_OTHER };

static ntstatus parse_rights_value(struct parser *p, struct inf *doc, unsigned right, char *value,
                                   size_t *entries, size_t max_entries)
{
    if (*value == '\0')
        return STATUS_SUCCESS; /* "SeXxx =": nobody */
    char *s = value;
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        char *e = str_trim(s);
        if (*e == '\0')
            return perr(p, CORRUPT, "empty account entry in the list of %s",
                        rights_at(right)->name);
        if (++*entries > max_entries)
            return perr(p, CORRUPT, "more than %zu account entries", max_entries);
        int rc;
        if (*e == '*') {
            struct sid sid;
            const char *why = NULL;
            if (sid_parse(e + 1, &sid, &why) != 0)
                return perr(p, CORRUPT, "malformed SID \"%.80s\": %s", e, why ? why : "invalid");
            rc = inf_add_grant(doc, right, &sid, NULL);
        } else {
            if (strlen(e) > INF_MAX_NAME)
                return perr(p, CORRUPT, "account name \"%.40s...\" longer than %d bytes", e,
                            INF_MAX_NAME);
            for (const char *c = e; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7F)
                    return perr(p, CORRUPT, "control character in account name \"%.80s\"", e);
            rc = inf_add_grant(doc, right, NULL, e);
        }
        if (rc)
            return STATUS_NO_MEMORY;
        if (!comma)
            return STATUS_SUCCESS;
        s = comma + 1;
    }
}

/* One "Key = Value" line of [System Access] into doc (an unknown key kept
 * for write-back as "Key = Value"); seen: the keys given so far. */
static ntstatus parse_sa_line(struct parser *p, struct inf *doc, const char *key, const char *value,
                              bool *seen)
{
    int k = -1;
    for (int i = 0; i < INF_SA_COUNT; i++)
        if (str_ieq(key, sa_keys[i].key))
            k = i;
    if (k < 0) {
        struct buf b = BUF_INIT;
        int rc = buf_printf(&b, "%s = %s", key, value);
        if (rc || push_line(&doc->sa_extra, &doc->n_sa_extra, b.p)) {
            buf_free(&b);
            return STATUS_NO_MEMORY;
        }
        buf_free(&b);
        return STATUS_SUCCESS;
    }
    if (seen[k])
        return perr(p, CORRUPT, "%s given twice", sa_keys[k].key);
    seen[k] = true;
    int64_t v;
    if (str_to_i64(value, sa_keys[k].min, sa_keys[k].max, &v) != 0)
        return perr(p, CORRUPT, "bad number \"%.40s\" for %s (want %d..%d)", value, sa_keys[k].key,
                    sa_keys[k].min, sa_keys[k].max);
    doc->sa[k] = (int)v;
    doc->sa_set[k] = true;
    return STATUS_SUCCESS;
}

/* One "Right = accounts" line of [Privilege Rights] (right names as os
 * knows them; each right once). */
static ntstatus parse_priv_line(struct parser *p, struct inf *doc, enum osver os, const char *key,
                                char *value, uint64_t *seen_rights, size_t *entries,
                                size_t max_entries)
{
    unsigned right;
    if (rights_lookup(key, os, &right) != STATUS_SUCCESS) {
        if (rights_lookup(key, OSVER_XP, &right) == STATUS_SUCCESS)
            return perr(p, STATUS_NO_SUCH_PRIVILEGE, "right %s does not exist on %s", key,
                        osver_display(os));
        return perr(p, STATUS_NO_SUCH_PRIVILEGE, "unknown right \"%.80s\"", key);
    }
    if (*seen_rights & (UINT64_C(1) << right))
        return perr(p, CORRUPT, "%s listed twice", key);
    *seen_rights |= UINT64_C(1) << right;
    return parse_rights_value(p, doc, right, value, entries, max_entries);
}

static ntstatus parse_lines(struct parser *p, char *text, enum osver os,
                            const struct inf_limits *lim, struct inf *doc)
{
    struct text_lines it;
    text_lines_init(&it, text);
    enum section cur = SEC_NONE;
    struct inf_section *other = NULL;
    bool have_sig = false;
    unsigned version_line = 0;
    uint64_t seen_rights = 0;
    bool seen_sa[INF_SA_COUNT] = {false};
    size_t entries = 0, verbatim = 0; /* verbatim: other sections' headers and lines */
    char *line;
    unsigned lineno;
    while ((line = text_lines_next(&it, &lineno)) != NULL) {
        p->lineno = lineno;
        size_t rawlen = strlen(line);
        if (rawlen > lim->max_line)
            return perr(p, CORRUPT, "line longer than %zu bytes", lim->max_line);
        char *t = str_trim(line);
        if (*t == '\0')
            continue;
        if (*t == '[') {
            char *close = strchr(t, ']');
            if (!close || close[1] != '\0' || memchr(t + 1, '[', (size_t)(close - t - 1)))
                return perr(p, CORRUPT, "bad section header \"%.80s\"", t);
            *close = '\0';
            char *name = str_trim(t + 1);
            if (*name == '\0')
                return perr(p, CORRUPT, "bad section header \"[]\" (empty name)");
            other = NULL;
            if (str_ieq(name, "Unicode")) {
                cur = SEC_UNICODE;
            } else if (str_ieq(name, "Version")) {
                cur = SEC_VERSION;
                if (!version_line)
                    version_line = lineno;
            } else if (str_ieq(name, "System Access")) {
                cur = SEC_SA;
            } else if (str_ieq(name, "Privilege Rights")) {
                cur = SEC_PRIV;
            } else {
                cur = SEC_OTHER;
                if (++verbatim > lim->max_entries)
                    return perr(p, CORRUPT, "more than %zu lines kept verbatim", lim->max_entries);
                struct inf_section *s = grow(doc->sections, doc->nsections, sizeof *doc->sections);
                if (!s)
                    return STATUS_NO_MEMORY;
                doc->sections = s;
                other = &s[doc->nsections];
                *other = (struct inf_section){strdup(name), NULL, 0};
                doc->nsections++;
                if (!other->name)
                    return STATUS_NO_MEMORY;
            }
            continue;
        }
        if (cur == SEC_OTHER) {
            /* Kept verbatim, comments included (trailing blanks dropped). */
            if (++verbatim > lim->max_entries)
                return perr(p, CORRUPT, "more than %zu lines kept verbatim", lim->max_entries);
            if (push_line(&other->lines, &other->nlines, line))
                return STATUS_NO_MEMORY;
            continue;
        }
        if (*t == ';')
            continue;
        if (cur == SEC_NONE)
            return perr(p, CORRUPT, "line outside any section: \"%.80s\"", t);
        char *eq = strchr(t, '=');
        if (!eq)
            return perr(p, CORRUPT, "line without '=': \"%.80s\"", t);
        *eq = '\0';
        char *key = str_trim(t);
        char *value = str_trim(eq + 1);
        if (*key == '\0')
            return perr(p, CORRUPT, "missing key before '='");
        if (cur == SEC_SA) {
            ntstatus st = parse_sa_line(p, doc, key, value, seen_sa);
            if (st != STATUS_SUCCESS)
                return st;
            continue;
        }
        if (cur == SEC_UNICODE) {
            if (str_ieq(key, "Unicode") && !str_ieq(value, "yes") && !str_ieq(value, "no"))
                return perr(p, CORRUPT, "Unicode must be yes or no, not \"%.40s\"", value);
            continue;
        }
        if (cur == SEC_VERSION) {
            if (str_ieq(key, "signature")) {
                if (!str_ieq(value, "\"$CHICAGO$\""))
                    return perr(p, CORRUPT, "signature is \"%.40s\", want \"$CHICAGO$\" in quotes",
                                value);
                have_sig = true;
            } else if (str_ieq(key, "Revision")) {
                if (strcmp(value, "1") != 0)
                    return perr(p, CORRUPT, "unsupported Revision \"%.40s\" (want 1)", value);
            }
            continue;
        }
        /* [Privilege Rights] */
        ntstatus st =
            parse_priv_line(p, doc, os, key, value, &seen_rights, &entries, lim->max_entries);
        if (st != STATUS_SUCCESS)
            return st;
    }
    if (!have_sig) {
        p->lineno = version_line ? version_line : 1;
        if (version_line)
            return perr(p, CORRUPT, "[Version] lacks signature=\"$CHICAGO$\"");
        return perr(p, CORRUPT, "missing [Version] section with signature=\"$CHICAGO$\"");
    }
    return STATUS_SUCCESS;
}

ntstatus inf_parse(const char *path, const char *data, size_t len, enum osver os,
                   const struct inf_limits *lim, struct inf *doc, char *err, size_t errlen)
{
    struct parser p = {path ? path : "(policy)", err, errlen, 0};
    inf_init(doc);
    if (err && errlen)
        err[0] = '\0';
    if (!lim)
        lim = &inf_default_limits;
    if (len > lim->max_file)
        return perr(&p, CORRUPT, "file larger than %zu bytes", lim->max_file);
    char *text;
    size_t tlen;
    int rc = text_decode(data, len, &text, &tlen);
    if (rc == ENOMEM)
        return STATUS_NO_MEMORY;
    if (rc) {
        const char *why = NULL;
        p.lineno = text_error_line(data, len, &why);
        return perr(&p, CORRUPT, "not UTF-16LE (with BOM), UTF-8 or ASCII text%s%s%s",
                    why ? " (" : "", why ? why : "", why ? ")" : "");
    }
    ntstatus st = parse_lines(&p, text, os, lim, doc);
    free(text);
    if (st == STATUS_NO_MEMORY && err && errlen)
        snprintf(err, errlen, "%s: out of memory", p.path);
    if (st != STATUS_SUCCESS)
        inf_free(doc);
    return st;
}

/* --- writer ---------------------------------------------------------------- */

static int grant_cmp(const void *a, const void *b)
{
    const struct inf_grant *x = a, *y = b;
    if (x->right != y->right)
        return x->right < y->right ? -1 : 1;
    if (!x->name != !y->name)
        return x->name ? 1 : -1; /* SIDs first */
    if (!x->name)
        return sid_compare(&x->sid, &y->sid);
    int c = str_icmp(x->name, y->name);
    return c ? c : strcmp(x->name, y->name);
}

static bool grant_same(const struct inf_grant *x, const struct inf_grant *y)
{
    if (x->right != y->right || !x->name != !y->name)
        return false;
    return x->name ? str_ieq(x->name, y->name) : sid_equal(&x->sid, &y->sid);
}

int inf_write(struct inf *doc, struct buf *out)
{
    int rc = buf_puts(out, "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\n"
                           "Revision=1\r\n[System Access]\r\n");
    for (int k = 0; k < INF_SA_COUNT && !rc; k++)
        if (doc->sa_set[k])
            rc = buf_printf(out, "%s = %d\r\n", sa_keys[k].key, doc->sa[k]);
    for (size_t i = 0; i < doc->n_sa_extra && !rc; i++)
        rc = buf_printf(out, "%s\r\n", doc->sa_extra[i]);
    if (!rc)
        rc = buf_puts(out, "[Privilege Rights]\r\n");
    if (doc->ngrants)
        qsort(doc->grants, doc->ngrants, sizeof doc->grants[0], grant_cmp);
    for (size_t i = 0; i < doc->ngrants && !rc; i++) {
        const struct inf_grant *g = &doc->grants[i];
        bool first = i == 0 || g->right != doc->grants[i - 1].right;
        if (!first && grant_same(g, &doc->grants[i - 1]))
            continue;
        if (first) {
            if (i > 0)
                rc = buf_puts(out, "\r\n");
            if (!rc)
                rc = buf_printf(out, "%s = ", rights_at(g->right)->name);
        } else {
            rc = buf_putc(out, ',');
        }
        if (rc)
            break;
        if (g->name) {
            rc = buf_puts(out, g->name);
        } else {
            char s[SID_STR_MAX + 1];
            s[0] = '*';
            sid_format(&g->sid, s + 1, SID_STR_MAX);
            rc = buf_puts(out, s);
        }
    }
    if (!rc && doc->ngrants)
        rc = buf_puts(out, "\r\n");
    for (size_t i = 0; i < doc->nsections && !rc; i++) {
        rc = buf_printf(out, "[%s]\r\n", doc->sections[i].name);
        for (size_t j = 0; j < doc->sections[i].nlines && !rc; j++)
            rc = buf_printf(out, "%s\r\n", doc->sections[i].lines[j]);
    }
    return rc;
}

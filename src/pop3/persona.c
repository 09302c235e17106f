#include "src/pop3/persona.h"
#include "src/lib/afile.h"
#include "src/lib/embed.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PERSONA_DIR "src/pop3/personas/"
#define PERSONA_EXT ".persona"
#define PERSONA_MAX_DEPTH 4
#define PERSONA_WIRE_MAX 510 /* RFC 1939: 512 octets with the CRLF */

/* Variables every template may use, and the ones each reply adds. */
#define V_ALWAYS "+-vh%"
static const char *const persona_keys[PERSONA_REPLY_COUNT][2] = {
    [PERSONA_BANNER] = {"banner", "t"},
    [PERSONA_SIGNOFF] = {"signoff", ""},
    [PERSONA_UPDATE_FAILED] = {"update-failed", ""},
    [PERSONA_USER_OK] = {"user-ok", ""},
    [PERSONA_USER_BAD] = {"user-bad", ""},
    [PERSONA_PASS_NO_USER] = {"pass-no-user", ""},
    [PERSONA_LOGON_OK] = {"logon-ok", "co"},
    [PERSONA_WIN32] = {"win32", "se"},
    [PERSONA_IN_USE] = {"in-use", ""},
    [PERSONA_NO_MAILBOX] = {"no-mailbox", ""},
    [PERSONA_ACCESS_DENIED] = {"access-denied", ""},
    [PERSONA_SYSTEM_ERROR] = {"system-error", ""},
    [PERSONA_AUTH_LIST] = {"auth-list", ""},
    [PERSONA_AUTH_MECHANISM] = {"auth-mechanism", ""},
    [PERSONA_AUTH_CANCELLED] = {"auth-cancelled", ""},
    [PERSONA_AUTH_BAD] = {"auth-bad", ""},
    [PERSONA_UNKNOWN_COMMAND] = {"unknown-command", ""},
    [PERSONA_WRONG_STATE] = {"wrong-state", ""},
    [PERSONA_SYNTAX] = {"syntax", ""},
    [PERSONA_NO_MESSAGE] = {"no-message", "n"},
    [PERSONA_DELETED] = {"deleted", "n"},
    [PERSONA_DELE_OK] = {"dele-ok", "n"},
    [PERSONA_RSET_OK] = {"rset-ok", "co"},
    [PERSONA_NOOP_OK] = {"noop-ok", ""},
    [PERSONA_STAT] = {"stat", "co"},
    [PERSONA_LIST_ONE] = {"list-one", "no"},
    [PERSONA_LIST_ALL] = {"list-all", "co"},
    [PERSONA_UIDL_ONE] = {"uidl-one", "nu"},
    [PERSONA_UIDL_ALL] = {"uidl-all", "c"},
    [PERSONA_RETR_OK] = {"retr-ok", "o"},
    [PERSONA_TOP_OK] = {"top-ok", ""},
    [PERSONA_CAPA_OK] = {"capa-ok", ""},
    [PERSONA_LINE_TOO_LONG] = {"line-too-long", ""},
    [PERSONA_NUL_BYTE] = {"nul-byte", ""},
    [PERSONA_TOO_MANY_BAD] = {"too-many-bad", ""},
    [PERSONA_AUTOLOGOUT] = {"autologout", ""},
    [PERSONA_TOO_MANY_CONNECTIONS] = {"too-many-connections", ""},
    [PERSONA_AMBIGUOUS] = {"ambiguous-mailbox", ""},
    [PERSONA_CUSTOM_RECIPIENT] = {"custom-recipient", ""},
    [PERSONA_AUTH_DISABLED] = {"auth-disabled", ""},
    [PERSONA_TOO_MANY_ITEMS] = {"too-many-items", "c"},
    [PERSONA_MESSAGE_TOO_LARGE] = {"message-too-large", "no"},
};

static const struct {
    const char *word;
    unsigned bit;
} persona_offer_words[] = {{"TOP", PERSONA_OFFER_TOP},   {"UIDL", PERSONA_OFFER_UIDL},
                           {"CAPA", PERSONA_OFFER_CAPA}, {"APOP", PERSONA_OFFER_APOP},
                           {"AUTH", PERSONA_OFFER_AUTH}};
/* The sasl key's words: one per mechanism of the engine's SASL table
 * (sasl.h), which offers a row where its bit is set. */
static const struct {
    const char *word;
    unsigned bit;
} persona_sasl_words[] = {{"PLAIN", PERSONA_SASL_PLAIN}, {"NTLM", PERSONA_SASL_NTLM}};

const char *persona_reply_key(enum persona_reply r)
{
    return (unsigned)r < PERSONA_REPLY_COUNT ? persona_keys[r][0] : "?";
}

void persona_free(struct persona *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < PERSONA_REPLY_COUNT; i++)
        free(p->reply[i]);
    for (size_t i = 0; i < p->ncapa; i++)
        free(p->capa[i].line);
    for (size_t i = 0; i < p->nwin32; i++)
        free(p->win32[i].tmpl);
    persona_event_free(p);
    free(p);
}

static bool persona_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PERSONA_NAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool persona_name_valid(const char *s)
{
    return persona_name_ok(s);
}

/* --- parser --------------------------------------------------------------- */

struct pctx {
    const char *name;
    const char *dir;
    unsigned depth;
    unsigned line;
    char *err;
    size_t errcap;
};

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *c, const char *fmt, ...)
{
    if (!c->err || !c->errcap)
        return EINVAL;
    int n = c->line ? snprintf(c->err, c->errcap, "%s:%u: ", c->name, c->line)
                    : snprintf(c->err, c->errcap, "%s: ", c->name);
    if (n >= 0 && (size_t)n < c->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errcap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return EINVAL;
}

static int persona_parse_at(const char *name, const char *text, size_t len, const char *dir,
                            unsigned depth, struct persona **out, char *err, size_t errcap);

static int persona_inherit(struct pctx *c, const char *parent, struct persona **out)
{
    if (!persona_name_ok(parent))
        return perr(c, "inherit: bad persona name");
    if (c->depth >= PERSONA_MAX_DEPTH)
        return perr(c, "inherit: more than %d levels (a loop?)", PERSONA_MAX_DEPTH), ELOOP;
    int rc;
    if (c->dir) {
        char path[PATH_MAX];
        int w = snprintf(path, sizeof path, "%s/%s" PERSONA_EXT, c->dir, parent);
        if (w < 0 || (size_t)w >= sizeof path)
            return perr(c, "inherit: path too long");
        char *data;
        size_t n;
        rc = afile_read(path, PERSONA_FILE_MAX, &data, &n);
        if (rc == 0) {
            rc = persona_parse_at(parent, data, n, c->dir, c->depth + 1, out, c->err, c->errcap);
            free(data);
            return rc;
        }
        if (rc != ENOENT)
            return perr(c, "inherit %s: %s", parent, plat_strerror(rc)), rc;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, PERSONA_DIR "%s" PERSONA_EXT, parent);
    const struct embed_file *f = embed_find(path);
    if (!f)
        return perr(c, "inherit: no persona named %s", parent), ENOENT;
    return persona_parse_at(parent, (const char *)f->data, f->len, NULL, c->depth + 1, out, c->err,
                            c->errcap);
}

static int set_str(char **dst, const char *v)
{
    char *s = strdup(v);
    if (!s)
        return ENOMEM;
    free(*dst);
    *dst = s;
    return 0;
}

static int check_template(struct pctx *c, const char *key, const char *t, const char *allowed)
{
    for (const char *q = t; *q; q++) {
        if (*q != '%')
            continue;
        char v = q[1];
        if (!v)
            return perr(c, "reply %s: '%%' at the end (write %%%% for a percent sign)", key);
        if (!strchr(V_ALWAYS, v) && !strchr(allowed, v)) {
            if ((unsigned char)v >= 0x21 && (unsigned char)v < 0x7f)
                return perr(c, "reply %s: %%%c is not available in this reply", key, v);
            return perr(c, "reply %s: bad variable after '%%'", key);
        }
        q++;
    }
    return 0;
}

static int parse_token(struct pctx *c, const char *key, const char *v, char *dst)
{
    size_t n = strlen(v);
    if (n == 0 || n >= PERSONA_TOKEN_MAX)
        return perr(c, "%s: the token must be 1-%d characters", key, PERSONA_TOKEN_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            return perr(c, "%s: the token must be printable ASCII without spaces", key);
    memcpy(dst, v, n + 1);
    return 0;
}

/* A space-separated word list (split in place) as a bit set. */
static int parse_words(struct pctx *c, const char *key, char *v, unsigned *bits)
{
    *bits = 0;
    char *save = NULL;
    for (char *w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        unsigned bit = 0;
        if (strcmp(key, "sasl") == 0) {
            for (size_t i = 0; i < sizeof persona_sasl_words / sizeof persona_sasl_words[0]; i++)
                if (str_ieq(w, persona_sasl_words[i].word))
                    bit = persona_sasl_words[i].bit;
        } else {
            for (size_t i = 0; i < sizeof persona_offer_words / sizeof persona_offer_words[0]; i++)
                if (str_ieq(w, persona_offer_words[i].word))
                    bit = persona_offer_words[i].bit;
        }
        if (!bit)
            return perr(c, "%s: unknown word '%.40s'", key, w);
        *bits |= bit;
    }
    return 0;
}

enum { SEEN_VERSION = 1, SEEN_OK = 2, SEEN_ERR = 4, SEEN_PERIOD = 8, SEEN_SYNTAX = 16,
       SEEN_OFFER = 32, SEEN_SASL = 64, SEEN_CAPA = 128, SEEN_ITEMS = 256, SEEN_MSGSIZE = 512 };

/* item-limit N / message-limit N: a decimal count, 0 = no limit. */
static int parse_limit(struct pctx *c, const char *key, const char *v, uint64_t max, uint64_t *out)
{
    int64_t n;
    if (str_to_i64(v, 0, (int64_t)max, &n))
        return perr(c, "%s: expected a number from 0 (no limit) to %llu", key,
                    (unsigned long long)max);
    *out = (uint64_t)n;
    return 0;
}

static int parse_reply(struct pctx *c, struct persona *p, char *v, bool *reply_seen,
                       uint32_t *w32_seen, size_t *nw32_seen);

static int parse_line(struct pctx *c, struct persona *p, char *key, char *v, unsigned *seen,
                      bool *reply_seen, uint32_t *w32_seen, size_t *nw32_seen)
{
    static const struct {
        const char *key;
        unsigned bit;
    } simple[] = {{"version", SEEN_VERSION},  {"ok", SEEN_OK},         {"err", SEEN_ERR},
                  {"keep-period", SEEN_PERIOD}, {"user-syntax", SEEN_SYNTAX},
                  {"offer", SEEN_OFFER},      {"sasl", SEEN_SASL},
                  {"item-limit", SEEN_ITEMS}, {"message-limit", SEEN_MSGSIZE}};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (strcmp(key, simple[i].key) != 0)
            continue;
        if (*seen & simple[i].bit)
            return perr(c, "%s given twice", key);
        *seen |= simple[i].bit;
        switch (simple[i].bit) {
        case SEEN_VERSION: {
            size_t n = strlen(v);
            if (n >= sizeof p->version)
                return perr(c, "version: longer than %zu characters", sizeof p->version - 1);
            memcpy(p->version, v, n + 1);
            return 0;
        }
        case SEEN_OK:
            return parse_token(c, key, v, p->ok);
        case SEEN_ERR:
            return parse_token(c, key, v, p->err);
        case SEEN_PERIOD:
            if (strcmp(v, "yes") == 0)
                p->keep_period = true;
            else if (strcmp(v, "no") == 0)
                p->keep_period = false;
            else
                return perr(c, "keep-period: expected yes or no");
            return 0;
        case SEEN_SYNTAX:
            if (strcmp(v, "exchange") == 0)
                p->user_syntax = PERSONA_USER_EXCHANGE;
            else if (strcmp(v, "plain") == 0)
                p->user_syntax = PERSONA_USER_PLAIN;
            else
                return perr(c, "user-syntax: expected exchange or plain");
            return 0;
        case SEEN_OFFER:
            return parse_words(c, key, v, &p->offers);
        case SEEN_ITEMS: {
            uint64_t n = 0;
            int rc = parse_limit(c, key, v, UINT32_MAX, &n);
            p->item_limit = (uint32_t)n;
            return rc;
        }
        case SEEN_MSGSIZE:
            return parse_limit(c, key, v, (uint64_t)1 << 40, &p->message_limit);
        default:
            return parse_words(c, key, v, &p->sasl);
        }
    }
    if (strcmp(key, "capa") == 0 || strcmp(key, "capa-auth") == 0 ||
        strcmp(key, "capa-trans") == 0) {
        if (!(*seen & SEEN_CAPA)) {
            for (size_t i = 0; i < p->ncapa; i++)
                free(p->capa[i].line);
            p->ncapa = 0;
            *seen |= SEEN_CAPA;
        }
        if (!*v)
            return perr(c, "%s: empty capability", key);
        if (strlen(v) > 200)
            return perr(c, "%s: longer than 200 characters", key);
        if (v[0] == '.')
            return perr(c, "%s: a capability cannot start with '.'", key);
        if (p->ncapa >= PERSONA_CAPA_MAX)
            return perr(c, "more than %u capa lines", PERSONA_CAPA_MAX);
        char *s = strdup(v);
        if (!s)
            return ENOMEM;
        p->capa[p->ncapa].line = s;
        p->capa[p->ncapa].states = key[4] == 0 ? PERSONA_CAPA_AUTH | PERSONA_CAPA_TRANS
                                   : key[5] == 'a' ? PERSONA_CAPA_AUTH
                                                   : PERSONA_CAPA_TRANS;
        p->ncapa++;
        return 0;
    }
    if (strcmp(key, "reply") != 0)
        return perr(c, "unknown key '%.40s'", key);
    return parse_reply(c, p, v, reply_seen, w32_seen, nw32_seen);
}

/* "reply NAME TEMPLATE": v is what follows "reply ". */
static int parse_reply(struct pctx *c, struct persona *p, char *v, bool *reply_seen,
                       uint32_t *w32_seen, size_t *nw32_seen)
{
    char *rname = v, *tmpl = strchr(v, ' ');
    if (tmpl)
        *tmpl++ = 0;
    else
        tmpl = v + strlen(v);
    if (!*rname)
        return perr(c, "reply: missing reply name");
    if (strncmp(rname, "win32.", 6) == 0) {
        int64_t code;
        if (str_to_i64(rname + 6, 0, UINT32_MAX, &code))
            return perr(c, "reply %.40s: expected win32.<decimal error code>", rname);
        for (size_t i = 0; i < *nw32_seen; i++)
            if (w32_seen[i] == (uint32_t)code)
                return perr(c, "reply %s given twice", rname);
        int rc = check_template(c, rname, tmpl, persona_keys[PERSONA_WIN32][1]);
        if (rc)
            return rc;
        if (!*tmpl)
            return perr(c, "reply %s: empty template", rname);
        size_t i = 0;
        while (i < p->nwin32 && p->win32[i].code != (uint32_t)code)
            i++;
        if (i == p->nwin32) {
            if (p->nwin32 >= PERSONA_WIN32_MAX)
                return perr(c, "more than %u win32.CODE replies", PERSONA_WIN32_MAX);
            p->win32[i].tmpl = NULL;
            p->win32[i].code = (uint32_t)code;
            p->nwin32++;
        }
        w32_seen[(*nw32_seen)++] = (uint32_t)code;
        return set_str(&p->win32[i].tmpl, tmpl);
    }
    for (unsigned r = 0; r < PERSONA_REPLY_COUNT; r++) {
        if (strcmp(rname, persona_keys[r][0]) != 0)
            continue;
        if (reply_seen[r])
            return perr(c, "reply %s given twice", rname);
        reply_seen[r] = true;
        if (!*tmpl && r != PERSONA_AUTOLOGOUT && r != PERSONA_TOO_MANY_BAD)
            return perr(c, "reply %s: empty template", rname);
        int rc = check_template(c, rname, tmpl, persona_keys[r][1]);
        return rc ? rc : set_str(&p->reply[r], tmpl);
    }
    return perr(c, "reply: unknown reply name '%.40s'", rname);
}

static int persona_parse_at(const char *name, const char *text, size_t len, const char *dir,
                            unsigned depth, struct persona **out, char *err, size_t errcap)
{
    *out = NULL;
    struct pctx c = {name, dir, depth, 0, err, errcap};
    if (err && errcap)
        err[0] = 0;
    if (strlen(name) >= PERSONA_NAME_MAX)
        return perr(&c, "persona name too long");
    if (len > PERSONA_FILE_MAX)
        return perr(&c, "file larger than %u bytes", PERSONA_FILE_MAX), EFBIG;
    struct persona *p = NULL;
    unsigned seen = 0;
    bool reply_seen[PERSONA_REPLY_COUNT] = {false};
    uint32_t w32_seen[PERSONA_WIN32_MAX];
    size_t nw32_seen = 0;
    struct persona_event_seen evseen = {0};
    unsigned content = 0; /* content lines so far */
    int rc = 0;
    char line[PERSONA_LINE_MAX + 1];
    size_t pos = 0;
    while (pos < len && !rc) {
        c.line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n && start[n - 1] == '\r')
            n--;
        if (n > PERSONA_LINE_MAX) {
            rc = perr(&c, "line longer than %u bytes", PERSONA_LINE_MAX);
            break;
        }
        memcpy(line, start, n);
        line[n] = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)line[i];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                rc = perr(&c, "control character 0x%02x at column %zu", ch, i + 1);
                break;
            }
        }
        if (rc)
            break;
        if (n == 0 || line[0] == '#')
            continue;
        char *key = line, *v = strchr(line, ' ');
        if (v)
            *v++ = 0;
        else
            v = line + n;
        content++;
        if (content == 1) {
            if (strcmp(key, "persona") != 0 || strcmp(v, "1") != 0)
                rc = perr(&c, "the first line must be 'persona 1'");
            else if (!(p = calloc(1, sizeof *p)))
                rc = ENOMEM;
            else if (!(rc = persona_event_defaults(p)))
                p->keep_period = true;
            continue;
        }
        if (strcmp(key, "inherit") == 0) {
            if (content != 2) {
                rc = perr(&c, "inherit must come right after 'persona 1'");
                continue;
            }
            struct persona *parent;
            rc = persona_inherit(&c, v, &parent);
            if (!rc) {
                persona_free(p);
                p = parent;
            }
            continue;
        }
        if (strcmp(key, "event") == 0) { /* the event table: persona_event.c */
            char why[200];
            rc = persona_event_line(p, v, &evseen, why, sizeof why);
            if (rc == EINVAL)
                rc = perr(&c, "%s", why);
            continue;
        }
        rc = parse_line(&c, p, key, v, &seen, reply_seen, w32_seen, &nw32_seen);
    }
    if (!rc && !p) {
        c.line = 0;
        rc = perr(&c, "empty file (the first line must be 'persona 1')");
    }
    if (!rc) {
        c.line = 0;
        if (!p->ok[0] || !p->err[0])
            rc = perr(&c, "missing %s", !p->ok[0] ? "ok" : "err");
        /* Personas written before the directory had containers name
         * neither directory outcome: they answer as no-mailbox. */
        for (unsigned r = PERSONA_AMBIGUOUS; r <= PERSONA_CUSTOM_RECIPIENT && !rc; r++)
            if (!p->reply[r] && p->reply[PERSONA_NO_MAILBOX])
                rc = set_str(&p->reply[r], p->reply[PERSONA_NO_MAILBOX]);
        /* optional: a persona written before it words it as auth-mechanism */
        if (!rc && !p->reply[PERSONA_AUTH_DISABLED] && p->reply[PERSONA_AUTH_MECHANISM])
            rc = set_str(&p->reply[PERSONA_AUTH_DISABLED], p->reply[PERSONA_AUTH_MECHANISM]);
        /* optional: the store's limits (issue 14), worded as system-error */
        for (unsigned r = PERSONA_TOO_MANY_ITEMS; r <= PERSONA_MESSAGE_TOO_LARGE && !rc; r++)
            if (!p->reply[r] && p->reply[PERSONA_SYSTEM_ERROR])
                rc = set_str(&p->reply[r], p->reply[PERSONA_SYSTEM_ERROR]);
        for (unsigned r = 0; r < PERSONA_REPLY_COUNT && !rc; r++)
            if (!p->reply[r])
                rc = perr(&c, "missing reply %s", persona_keys[r][0]);
        if (!rc && (p->offers & PERSONA_OFFER_APOP) && !strstr(p->reply[PERSONA_BANNER], "%t"))
            rc = perr(&c, "offer APOP needs the timestamp %%t in the banner");
    }
    if (rc) {
        persona_free(p);
        return rc;
    }
    str_copy(p->name, sizeof p->name, name);
    *out = p;
    return 0;
}

int persona_parse(const char *name, const char *text, size_t len, const char *dir,
                  struct persona **out, char *err, size_t errcap)
{
    return persona_parse_at(name, text, len, dir, 0, out, err, errcap);
}

int persona_load(const char *path, struct persona **out, char *err, size_t errcap)
{
    *out = NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[PERSONA_NAME_MAX];
    size_t bl = strlen(base), el = strlen(PERSONA_EXT);
    if (bl > el && strcmp(base + bl - el, PERSONA_EXT) == 0)
        bl -= el;
    if (str_copyn(name, sizeof name, base, bl)) {
        if (err && errcap)
            snprintf(err, errcap, "%s: persona name too long", path);
        return EINVAL;
    }
    char dir[PATH_MAX];
    if (str_copyn(dir, sizeof dir, path, base == path ? 1 : (size_t)(base - path - 1)))
        return ENAMETOOLONG;
    if (base == path)
        dir[0] = '.';
    char *data;
    size_t n;
    int rc = afile_read(path, PERSONA_FILE_MAX, &data, &n);
    if (rc) {
        if (err && errcap)
            snprintf(err, errcap, "%s: %s", path, rc == EFBIG ? "file too large" : plat_strerror(rc));
        return rc;
    }
    rc = persona_parse_at(name, data, n, dir, 0, out, err, errcap);
    free(data);
    return rc;
}

int persona_builtin(const char *name, struct persona **out, char *err, size_t errcap)
{
    return persona_find(name, NULL, out, err, errcap);
}

int persona_find(const char *name, const char *dir, struct persona **out, char *err,
                 size_t errcap)
{
    *out = NULL;
    if (!persona_name_ok(name)) {
        if (err && errcap)
            snprintf(err, errcap, "'%.64s' is not a persona name", name);
        return EINVAL;
    }
    char path[PATH_MAX];
    if (dir) {
        int w = snprintf(path, sizeof path, "%s/%s" PERSONA_EXT, dir, name);
        if (w < 0 || (size_t)w >= sizeof path)
            return ENAMETOOLONG;
        if (access(path, F_OK) == 0)
            return persona_load(path, out, err, errcap);
    }
    snprintf(path, sizeof path, PERSONA_DIR "%s" PERSONA_EXT, name);
    const struct embed_file *f = embed_find(path);
    if (!f) {
        if (err && errcap)
            snprintf(err, errcap, "no persona named %s", name);
        return ENOENT;
    }
    return persona_parse_at(name, (const char *)f->data, f->len, NULL, 0, out, err, errcap);
}

size_t persona_builtin_list(char (*names)[PERSONA_NAME_MAX], size_t max)
{
    size_t count, n = 0;
    const struct embed_file *f = embed_files(&count);
    size_t dl = strlen(PERSONA_DIR), el = strlen(PERSONA_EXT);
    for (size_t i = 0; i < count; i++) {
        const char *p = f[i].path;
        size_t pl = strlen(p);
        if (pl <= dl + el || strncmp(p, PERSONA_DIR, dl) != 0 || strcmp(p + pl - el, PERSONA_EXT))
            continue;
        if (n < max && str_copyn(names[n], PERSONA_NAME_MAX, p + dl, pl - dl - el) == 0)
            n++;
        else if (n >= max)
            n++;
    }
    return n;
}

/* --- rendering ------------------------------------------------------------ */

struct line {
    char b[PERSONA_WIRE_MAX];
    size_t n;
};

static void line_put(struct line *l, const char *s, size_t n)
{
    for (size_t i = 0; i < n && l->n < sizeof l->b; i++) {
        char ch = s[i];
        /* a value must not end the line or inject another one */
        l->b[l->n++] = (ch == '\r' || ch == '\n' || ch == 0) ? ' ' : ch;
    }
}

static void line_putu(struct line *l, uint64_t v)
{
    char t[24]; /* digits from the end: no printf for a reply's numbers */
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    line_put(l, t + i, sizeof t - i);
}

bool persona_silent(const struct persona *p, enum persona_reply r)
{
    return !p->reply[r] || !p->reply[r][0];
}

int persona_render(const struct persona *p, enum persona_reply r, const struct persona_vars *v,
                   struct buf *out)
{
    const char *t = p->reply[r];
    if (r == PERSONA_WIN32)
        for (size_t i = 0; i < p->nwin32; i++)
            if (p->win32[i].code == v->code)
                t = p->win32[i].tmpl;
    if (!t || !*t)
        return 0;
    struct line l;
    l.n = 0;
    for (; *t; t++) {
        if (*t != '%') { /* the literal text up to the next '%' at once */
            size_t run = strcspn(t, "%");
            line_put(&l, t, run);
            t += run - 1;
            continue;
        }
        t++;
        const char *s = NULL;
        switch (*t) {
        case '+':
            s = p->ok;
            break;
        case '-':
            s = p->err;
            break;
        case '%':
            s = "%";
            break;
        case 'v':
            s = p->version;
            break;
        case 'h':
            s = v->host;
            break;
        case 't':
            s = v->timestamp;
            break;
        case 'u':
            s = v->uid;
            break;
        case 's':
            if (v->text) {
                size_t n = strlen(v->text);
                while (n && (v->text[n - 1] == ' ' || v->text[n - 1] == '\r' || v->text[n - 1] == '\n'))
                    n--;
                if (!p->keep_period && n && v->text[n - 1] == '.')
                    n--;
                line_put(&l, v->text, n);
            }
            break;
        case 'e':
            line_putu(&l, v->code);
            break;
        case 'n':
            line_putu(&l, v->n);
            break;
        case 'c':
            line_putu(&l, v->count);
            break;
        case 'o':
            line_putu(&l, v->octets);
            break;
        default: /* the loader rejects these; keep going if one slipped through */
            if (!*t)
                t--;
            break;
        }
        if (s)
            line_put(&l, s, strlen(s));
    }
    if (buf_reserve(out, l.n + 2))
        return ENOMEM;
    buf_append(out, l.b, l.n);
    return buf_append(out, "\r\n", 2);
}

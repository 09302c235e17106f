/* The class roster parser (roster.h). */
#include "src/exercise/roster.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/text.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errlen, const char *path, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *path, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_file_verror(err, errlen, path, line, fmt, ap);
    va_end(ap);
    return EINVAL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

bool roster_login_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ROSTER_LOGIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

/* The display name's problem, or NULL when it is fine. */
static const char *display_problem(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return "empty display name";
    if (n > ROSTER_DISPLAY_MAX)
        return "display name longer than 64 bytes";
    for (size_t i = 0; i < n;) {
        size_t l;
        long cp = text_utf8_decode((const unsigned char *)s + i, n - i, &l);
        if (cp < 0)
            return "display name is not valid UTF-8";
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return "control character in display name";
        i += l;
    }
    return NULL;
}

static bool parse_seed(const char *s, uint32_t *out)
{
    if (!*s || strlen(s) > 10)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Whether st clashes with a student already read; the error says with whom. */
static int check_unique(const struct roster *r, const struct roster_student *st, const char *path,
                        char *err, size_t errlen)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct roster_student *o = &r->s[i];
        if (strcasecmp(o->login, st->login) == 0)
            return fail(err, errlen, path, st->line, "login '%s' already on line %u", st->login,
                        o->line);
        if (st->seed_given && o->seed_given && o->seed == st->seed)
            return fail(err, errlen, path, st->line,
                        "seed %lu already given to '%s' on line %u (two students would get "
                        "the same lab)",
                        (unsigned long)st->seed, o->login, o->line);
    }
    return 0;
}

/* One non-comment line into *st. */
static int parse_line(char *line, unsigned no, const char *path, struct roster_student *st,
                      char *err, size_t errlen)
{
    char *c1 = strchr(line, ':');
    if (!c1)
        return fail(err, errlen, path, no,
                    "missing ':' after the login (expected LOGIN:DISPLAY NAME[:SEED])");
    *c1 = 0;
    char *rest = c1 + 1, *c2 = strchr(rest, ':');
    if (c2) {
        *c2 = 0;
        if (strchr(c2 + 1, ':'))
            return fail(err, errlen, path, no,
                        "too many ':' (expected LOGIN:DISPLAY NAME[:SEED]; a display name has "
                        "no ':')");
    }
    const char *login = trim(line), *display = trim(rest);
    if (!roster_login_ok(login))
        return fail(err, errlen, path, no,
                    "login '%.40s' is not 1-32 letters, digits, '.', '_' or '-' starting with "
                    "a letter or digit",
                    login);
    const char *why = display_problem(display);
    if (why)
        return fail(err, errlen, path, no, "%s", why);
    memset(st, 0, sizeof *st);
    snprintf(st->login, sizeof st->login, "%s", login);
    snprintf(st->display, sizeof st->display, "%s", display);
    st->line = no;
    if (c2) {
        const char *seed = trim(c2 + 1);
        if (!parse_seed(seed, &st->seed))
            return fail(err, errlen, path, no, "seed '%.20s' is not a number from 0 to 4294967295",
                        seed);
        st->seed_given = true;
    }
    return 0;
}

static int parse_lines(const char *path, char *text, struct roster *r, char *err, size_t errlen)
{
    struct text_lines it;
    text_lines_init(&it, text);
    char *line;
    unsigned no;
    while ((line = text_lines_next(&it, &no))) {
        if (strlen(line) > ROSTER_LINE_MAX)
            return fail(err, errlen, path, no, "line longer than %d bytes", ROSTER_LINE_MAX);
        char *t = trim(line);
        if (!*t || *t == '#')
            continue;
        if (r->n == ROSTER_MAX_STUDENTS)
            return fail(err, errlen, path, no, "more than %d students", ROSTER_MAX_STUDENTS);
        struct roster_student st;
        int e = parse_line(t, no, path, &st, err, errlen);
        if (!e)
            e = check_unique(r, &st, path, err, errlen);
        if (e)
            return e;
        if (r->n % 64 == 0) {
            struct roster_student *g = realloc(r->s, (r->n + 64) * sizeof *g);
            if (!g)
                return ENOMEM;
            r->s = g;
        }
        r->s[r->n++] = st;
    }
    return r->n ? 0 : fail(err, errlen, path, 0, "no students (lines LOGIN:DISPLAY NAME[:SEED])");
}

int roster_parse(const char *path, char *text, size_t len, struct roster *r, char *err,
                 size_t errlen)
{
    r->s = NULL;
    r->n = 0;
    const char *why;
    unsigned bad = text_error_line(text, len, &why);
    if (why)
        return fail(err, errlen, path, bad, "%s", why);
    int e = parse_lines(path, text, r, err, errlen);
    if (e) {
        if (e == ENOMEM)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        roster_free(r);
    }
    return e;
}

int roster_load(const char *path, struct roster *r, char *err, size_t errlen)
{
    char *text;
    size_t len;
    r->s = NULL;
    r->n = 0;
    int e = afile_read(path, ROSTER_FILE_MAX, &text, &len);
    if (e) {
        snprintf(err, errlen, "%s: %s", path,
                 e == EFBIG ? "file too large (more than 1000 students?)" : plat_strerror(e));
        return e;
    }
    e = roster_parse(path, text, len, r, err, errlen);
    free(text);
    return e;
}

static bool seed_taken(const struct roster *r, uint32_t seed)
{
    for (size_t i = 0; i < r->n; i++)
        if ((r->s[i].seed_given || r->s[i].seed) && r->s[i].seed == seed)
            return true;
    return false;
}

int roster_fill_seeds(struct roster *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->s[i].seed_given)
            continue;
        uint32_t v;
        do {
            int e = plat_random(&v, sizeof v);
            if (e)
                return e;
            v = 1 + v % 999999u;
        } while (seed_taken(r, v));
        r->s[i].seed = v;
        r->s[i].seed_given = true;
    }
    return 0;
}

void roster_free(struct roster *r)
{
    free(r->s);
    r->s = NULL;
    r->n = 0;
}

/* The removable units of a scenario file (minimize.h): a light reading of
 * the directives, enough to know which lines go together. The parser
 * (parse.c) stays the judge: a candidate that does not parse is simply
 * one that does not show the outcome. */
#include "src/lib/arr.h"
#include "src/scenario/minimize.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_OPEN_MAX 64 /* session names tracked at once (more: lines stay fixed) */

struct split {
    struct scn_min_units *u;
    int last_ntlab;         /* the unit check lines attach to, or -1 */
    struct {
        char name[SCN_NAME_MAX + 1];
        int unit, sub;      /* the session's unit, its current exchange (-1: head) */
    } open[MIN_OPEN_MAX];
    size_t nopen;
};

/* The first word of p[0..len) (after blanks): *w, *wl; returns what follows. */
static const char *word(const char *p, size_t len, const char **w, size_t *wl)
{
    const char *e = p + len;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    *w = p;
    while (p < e && *p != ' ' && *p != '\t')
        p++;
    *wl = (size_t)(p - *w);
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static bool is(const char *w, size_t wl, const char *kw)
{
    return strlen(kw) == wl && memcmp(w, kw, wl) == 0;
}

/* The here-doc tag of a line ending in "<<TAG" (the last word), or 0. */
static size_t heredoc_tag(const char *p, size_t len, char *tag, size_t n)
{
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    size_t s = len;
    while (s && p[s - 1] != ' ' && p[s - 1] != '\t')
        s--;
    if (len - s < 3 || p[s] != '<' || p[s + 1] != '<' || len - s - 2 >= n)
        return 0;
    memcpy(tag, p + s + 2, len - s - 2);
    tag[len - s - 2] = 0;
    return len - s - 2;
}

/* Gives lines i+1.. up to the closing tag the unit and sub of line i
 * (parse.c's rule: the tag alone, blanks before it allowed); returns the
 * index of the closing line (or the last line when there is none). */
static size_t heredoc_body(struct scn_min_units *u, size_t i, const char *tag)
{
    size_t j = i + 1;
    for (; j < u->n; j++) {
        struct scn_min_line *l = &u->v[j];
        l->unit = u->v[i].unit;
        l->sub = u->v[i].sub;
        l->drop = false;
        const char *t = l->p, *e = l->p + l->len;
        while (t < e && (*t == ' ' || *t == '\t'))
            t++;
        if ((size_t)(e - t) == strlen(tag) && memcmp(t, tag, strlen(tag)) == 0)
            break;
    }
    return j < u->n ? j : u->n - 1;
}

static int find_open(struct split *sp, const char *name, size_t nl)
{
    for (size_t k = 0; k < sp->nopen; k++)
        if (strlen(sp->open[k].name) == nl && memcmp(sp->open[k].name, name, nl) == 0)
            return (int)k;
    return -1;
}

/* open/smtp NAME: a new session unit (a name opened again starts anew). */
static void session_open(struct split *sp, struct scn_min_line *l, const char *rest, size_t rl)
{
    const char *n;
    size_t nl;
    word(rest, rl, &n, &nl);
    l->unit = (int)sp->u->nunits++;
    if (nl == 0 || nl > SCN_NAME_MAX)
        return;
    int k = find_open(sp, n, nl);
    if (k < 0) {
        if (sp->nopen == MIN_OPEN_MAX)
            return;
        k = (int)sp->nopen++;
        memcpy(sp->open[k].name, n, nl);
        sp->open[k].name[nl] = 0;
    }
    sp->open[k].unit = l->unit;
    sp->open[k].sub = -1;
}

/* NAME OP ...: a line of session NAME; "NAME >" starts an exchange. */
static void session_line(struct split *sp, struct scn_min_line *l, const char *w, size_t wl,
                         const char *rest)
{
    int k = find_open(sp, w, wl);
    if (k < 0 || sp->open[k].unit < 0)
        return; /* a session this file did not open: it stays */
    l->unit = sp->open[k].unit;
    if (rest < l->p + l->len && rest[0] == '>')
        sp->open[k].sub = (int)sp->u->nsubs++;
    l->sub = sp->open[k].sub;
}

static size_t classify(struct split *sp, size_t i)
{
    struct scn_min_units *u = sp->u;
    struct scn_min_line *l = &u->v[i];
    const char *w;
    size_t wl;
    const char *rest = word(l->p, l->len, &w, &wl);
    size_t rl = (size_t)(l->p + l->len - rest);
    l->unit = l->sub = -1;
    l->drop = wl == 0 || w[0] == '#';
    if (l->drop)
        return i;
    bool check = is(w, wl, "exit") || is(w, wl, "out") || is(w, wl, "has") || is(w, wl, "lacks");
    if (check) {
        if (sp->last_ntlab >= 0) {
            l->unit = sp->last_ntlab;
            l->sub = (int)u->nsubs++;
        }
        return i;
    }
    sp->last_ntlab = -1;
    char tag[64];
    if (is(w, wl, "ntlab")) {
        l->unit = sp->last_ntlab = (int)u->nunits++;
        if (heredoc_tag(l->p, l->len, tag, sizeof tag))
            return heredoc_body(u, i, tag);
    } else if (is(w, wl, "include") || is(w, wl, "refused")) {
        l->unit = (int)u->nunits++;
    } else if (is(w, wl, "open") || is(w, wl, "smtp")) {
        session_open(sp, l, rest, rl);
    } else if (is(w, wl, "close")) {
        const char *n;
        size_t nl;
        word(rest, rl, &n, &nl);
        int k = find_open(sp, n, nl);
        if (k >= 0) {
            l->unit = sp->open[k].unit;
            sp->open[k].unit = -1;
        }
    } else if (!is(w, wl, "title") && !is(w, wl, "reproduces") && !is(w, wl, "tags") &&
               !is(w, wl, "begin") && !is(w, wl, "timeout")) {
        session_line(sp, l, w, wl, rest);
        if (rl >= 2 && rest[0] == '<' && rest[1] == '<' &&
            heredoc_tag(l->p, l->len, tag, sizeof tag))
            return heredoc_body(u, i, tag);
    }
    return i;
}

int scn_min_split(const char *text, size_t len, struct scn_min_units *u)
{
    memset(u, 0, sizeof *u);
    size_t cap = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        struct scn_min_line *v = arr_grow(u->v, &cap, u->n, sizeof *v, 256);
        if (!v) {
            scn_min_units_free(u);
            return ENOMEM;
        }
        u->v = v;
        unsigned no = (unsigned)u->n + 1;
        u->v[u->n++] = (struct scn_min_line){text + off, end - off, no, -1, -1, false};
        off = end + 1;
    }
    struct split sp = {.u = u, .last_ntlab = -1};
    for (size_t i = 0; i < u->n; i++)
        i = classify(&sp, i);
    return 0;
}

void scn_min_units_free(struct scn_min_units *u)
{
    free(u->v);
    memset(u, 0, sizeof *u);
}

int scn_min_text(const struct scn_min_units *u, const bool *unit_keep, const bool *sub_keep,
                 struct buf *out, unsigned *map)
{
    size_t k = 0;
    for (size_t i = 0; i < u->n; i++) {
        const struct scn_min_line *l = &u->v[i];
        if (l->drop || (l->unit >= 0 && !unit_keep[l->unit]) ||
            (l->sub >= 0 && !sub_keep[l->sub]))
            continue;
        if (buf_append(out, l->p, l->len) || buf_append(out, "\n", 1))
            return ENOMEM;
        map[k++] = l->orig;
    }
    return 0;
}

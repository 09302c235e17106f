/* ntlab run --minimize (minimize.h): the outcome of a run, and ddmin in
 * two phases over the units of minimize_units.c. */
#include "src/lib/ddmin.h"
#include "src/scenario/diff.h"
#include "src/scenario/minimize.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mz {
    const char *path;
    const struct scn_min_opts *o;
    struct scn_min_units u;
    bool *unit_keep, *sub_keep;
    int *phase_ids; /* phase 2: ddmin item -> sub index */
    int phase;      /* 1: units, 2: subs */
    unsigned *map;
    char *want;     /* the outcome's signature */
    struct buf text;
};

/* Adds the transcript's lines (one per '\n'; a common two-space indent,
 * as `ntlab run --transcript` prints it, is taken off). */
static int ts_from_text(struct scn_transcript *t, const char *s, size_t len)
{
    bool indented = len > 0;
    for (size_t off = 0; off < len && indented;) {
        const char *nl = memchr(s + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - s) : len;
        indented = end - off >= 2 && s[off] == ' ' && s[off + 1] == ' ';
        off = end + 1;
    }
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(s + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - s) : len;
        size_t skip = indented ? 2 : 0;
        if (scn_ts_add(t, s + off + skip, end - off - skip, 0))
            return ENOMEM;
        off = end + 1;
    }
    return 0;
}

/* With a reference: the '+' lines of the diff's first hunk that has any,
 * or NULL when the transcripts are equal ("" when only lines are missing). */
static char *reference_signature(const struct scn_min_opts *o, const char *transcript, int *err)
{
    struct scn_transcript a = {0}, b = {0};
    struct buf d = BUF_INIT, sig = BUF_INIT;
    const char *t = transcript ? transcript : "";
    *err = ts_from_text(&a, o->reference, o->reference_len);
    if (!*err)
        *err = ts_from_text(&b, t, strlen(t));
    if (!*err)
        *err = scn_diff(&a, &b, "reference", "actual", "", &d);
    bool any = false, done = false;
    for (size_t off = 0; !*err && off < d.len && !done;) {
        const char *nl = memchr(d.p + off, '\n', d.len - off);
        size_t end = nl ? (size_t)(nl - d.p) : d.len;
        const char *l = d.p + off;
        size_t ll = end - off;
        if (ll >= 2 && l[0] == '@' && l[1] == '@')
            done = any; /* a new hunk: the first one with '+' lines is over */
        else if (ll >= 1 && l[0] == '+' && !(ll >= 3 && memcmp(l, "+++", 3) == 0 && !any))
            *err = buf_append(&sig, l, ll) || buf_putc(&sig, '\n') ? ENOMEM : 0, any = true;
        off = end + 1;
    }
    char *r = NULL;
    if (!*err && d.len)
        r = sig.len ? buf_steal(&sig) : strdup("");
    if (!*err && d.len && !r)
        *err = ENOMEM;
    scn_ts_free(&a);
    scn_ts_free(&b);
    buf_free(&d);
    buf_free(&sig);
    return r;
}

/* The outcome of a failed run: "FILE:LINE: got" with LINE mapped back to
 * the original through map[] when FILE is the scenario itself. NULL when
 * it passed (*err 0) or on ENOMEM (*err set). */
static char *fail_signature(const struct mz *m, const struct scn_result *r, const unsigned *map,
                            size_t nmap, int *err)
{
    *err = 0;
    if (r->status != SCN_FAIL)
        return NULL;
    const char *w = r->where ? r->where : "";
    const char *colon = strrchr(w, ':');
    struct buf b = BUF_INIT;
    char *end = NULL;
    unsigned long line = colon ? strtoul(colon + 1, &end, 10) : 0;
    size_t fl = colon ? (size_t)(colon - w) : strlen(w);
    if (colon && end && !*end && line >= 1 && line <= nmap && fl == strlen(m->path) &&
        memcmp(w, m->path, fl) == 0)
        *err = buf_printf(&b, "%s:%u", m->path, map[line - 1]);
    else
        *err = buf_puts(&b, w);
    if (!*err)
        *err = buf_printf(&b, ": %s", r->got ? r->got : r->message ? r->message : "");
    if (*err) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* Parses and runs the current text; *sig gets its outcome (NULL: none). */
static int run_text(struct mz *m, size_t nlines, char **sig)
{
    *sig = NULL;
    struct scn *s = NULL;
    char perr[1024];
    int e = scn_parse_text(m->path, m->text.p ? m->text.p : "", m->text.len, m->o->parse, &s,
                           perr, sizeof perr);
    if (e == ENOMEM)
        return ENOMEM;
    if (e)
        return 0; /* a candidate that does not parse shows nothing */
    struct scn_run_opts ro = *m->o->run;
    ro.want_transcript = m->o->reference != NULL;
    ro.keep = false;
    ro.prepare = NULL;
    struct scn_result r = {0};
    scn_run(s, &ro, &r);
    if (m->o->reference)
        *sig = reference_signature(m->o, r.transcript, &e);
    else
        *sig = fail_signature(m, &r, m->map, nlines, &e);
    scn_result_free(&r);
    scn_free(s);
    return e;
}

/* Builds the text of the kept units into m->text; *nlines its lines. */
static int build(struct mz *m, size_t *nlines)
{
    buf_reset(&m->text);
    int e = scn_min_text(&m->u, m->unit_keep, m->sub_keep, &m->text, m->map);
    size_t n = 0;
    for (size_t i = 0; i < m->text.len; i++)
        n += m->text.p[i] == '\n';
    *nlines = n;
    return e;
}

static void set_keep(struct mz *m, const size_t *items, size_t n)
{
    bool *keep = m->phase == 1 ? m->unit_keep : m->sub_keep;
    size_t total = m->phase == 1 ? m->u.nunits : m->u.nsubs;
    if (m->phase == 1) {
        memset(keep, 0, total * sizeof *keep);
        for (size_t i = 0; i < n; i++)
            keep[items[i]] = true;
    } else {
        /* Only the subs of kept units are items; the others stay as they are. */
        for (size_t i = 0; m->phase_ids[i] >= 0; i++)
            keep[m->phase_ids[i]] = false;
        for (size_t i = 0; i < n; i++)
            keep[m->phase_ids[items[i]]] = true;
    }
}

/* ddmin's test: does this candidate show the outcome? */
static int test_cand(void *arg, const size_t *items, size_t n)
{
    struct mz *m = arg;
    set_keep(m, items, n);
    size_t nlines;
    char *sig = NULL;
    int e = build(m, &nlines);
    if (!e)
        e = run_text(m, nlines, &sig);
    int v = sig && strcmp(sig, m->want) == 0;
    free(sig);
    return e ? -e : v;
}

/* One ddmin phase over nitems; the result's set is left kept. */
static int phase(struct mz *m, int which, size_t nitems, size_t *budget, struct scn_min_result *out)
{
    m->phase = which;
    if (nitems == 0)
        return 0;
    if (which == 2) { /* ddmin never tries the empty set: here it is the likely answer */
        out->tests++;
        int v = test_cand(m, NULL, 0);
        if (v < 0)
            return -v;
        if (v == 1)
            return 0;
    }
    struct ddmin_result dr;
    int e = ddmin_run(nitems, test_cand, m, *budget, &dr);
    out->tests += dr.tests;
    *budget = dr.tests >= *budget ? 1 : *budget - dr.tests;
    if (e == ETIMEDOUT)
        out->one_minimal = false;
    else if (e)
        return e;
    set_keep(m, dr.items, dr.n);
    free(dr.items);
    return 0;
}

/* The subs of kept units, -1 ended, into m->phase_ids. */
static size_t kept_subs(struct mz *m)
{
    size_t n = 0;
    int last = -1;
    for (size_t i = 0; i < m->u.n; i++) {
        const struct scn_min_line *l = &m->u.v[i];
        if (l->sub >= 0 && l->sub != last && l->unit >= 0 && m->unit_keep[l->unit])
            m->phase_ids[n++] = l->sub;
        if (l->sub >= 0)
            last = l->sub;
    }
    m->phase_ids[n] = -1;
    return n;
}

static int minimize(struct mz *m, struct scn_min_result *out, char *err, size_t errlen)
{
    size_t nlines;
    int e = build(m, &nlines);
    if (!e)
        e = run_text(m, nlines, &m->want);
    if (e)
        return e;
    if (!m->want || !*m->want) {
        snprintf(err, errlen, "%s: %s", m->path,
                 !m->o->reference ? "the scenario passes: nothing to minimize"
                 : !m->want       ? "the transcript is the reference's: nothing to minimize"
                                  : "the transcript only lacks lines of the reference: "
                                    "nothing to keep");
        return ESRCH;
    }
    size_t budget = m->o->max_tests ? m->o->max_tests : SCN_MIN_MAX_TESTS;
    out->one_minimal = true;
    out->units_before = m->u.nunits + m->u.nsubs;
    if ((e = phase(m, 1, m->u.nunits, &budget, out)))
        return e;
    if ((e = phase(m, 2, kept_subs(m), &budget, out)))
        return e;
    if ((e = build(m, &nlines)))
        return e;
    for (size_t i = 0; i < m->u.nunits; i++)
        out->units_after += m->unit_keep[i];
    for (size_t i = 0; m->phase_ids[i] >= 0; i++)
        out->units_after += m->sub_keep[m->phase_ids[i]];
    for (size_t i = 0; i < m->u.nunits; i++)
        out->steps_after += m->unit_keep[i];
    out->outcome = strdup(m->want);
    out->text = m->text.p ? buf_steal(&m->text) : strdup("");
    return out->outcome && out->text ? 0 : ENOMEM;
}

int scn_minimize(const char *path, const char *text, size_t len, const struct scn_min_opts *o,
                 struct scn_min_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = 0;
    struct scn *s = NULL;
    int e = scn_parse_text(path, text, len, o->parse, &s, err, errlen);
    if (e)
        return e;
    scn_free(s);
    struct mz m = {.path = path, .o = o, .text = BUF_INIT};
    if ((e = scn_min_split(text, len, &m.u)))
        return e;
    m.unit_keep = malloc((m.u.nunits + 1) * sizeof *m.unit_keep);
    m.sub_keep = malloc((m.u.nsubs + 1) * sizeof *m.sub_keep);
    m.phase_ids = malloc((m.u.nsubs + 1) * sizeof *m.phase_ids);
    m.map = malloc((m.u.n + 1) * sizeof *m.map);
    if (m.unit_keep && m.sub_keep && m.phase_ids && m.map) {
        for (size_t i = 0; i < m.u.nunits; i++)
            m.unit_keep[i] = true;
        for (size_t i = 0; i < m.u.nsubs; i++)
            m.sub_keep[i] = true;
        m.phase_ids[0] = -1;
        out->steps_before = m.u.nunits;
        e = minimize(&m, out, err, errlen);
    } else {
        e = ENOMEM;
    }
    free(m.unit_keep);
    free(m.sub_keep);
    free(m.phase_ids);
    free(m.map);
    free(m.want);
    buf_free(&m.text);
    scn_min_units_free(&m.u);
    if (e)
        scn_min_result_free(out);
    return e;
}

void scn_min_result_free(struct scn_min_result *r)
{
    free(r->text);
    free(r->outcome);
    memset(r, 0, sizeof *r);
}

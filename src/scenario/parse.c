/* The scenario parser: files and fragments into one list of steps, with
 * every limit checked and every error named "FILE:LINE: problem". */
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/scenario/confine.h"
#include "src/scenario/parse_int.h"
#include "src/scenario/scenario.h"
#include "src/scenario/secret.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pstate {
    struct scn *s;
    const struct scn_parse_opts *o;
    char *err;
    size_t errlen;
    size_t total; /* bytes read over all files */
    bool begun;
    /* Sessions open at this point of the file (static check of names). */
    char open[SCN_MAX_SESSIONS][SCN_NAME_MAX + 1];
    size_t nopen;
    /* The include chain, as real paths, for loop detection. */
    const char *chain[SCN_INCLUDE_DEPTH + 1];
    size_t depth;
    /* The step that exit/out/has/lacks lines attach to (index + 1; 0 = none). */
    size_t last_ntlab;
    /* The scenario's directory tree (confine.h); root_ok false when it
     * could not be found: then no reference is inside. */
    char root[4096];
    bool root_ok;
    /* Where the last fail() pointed. */
    const char *fail_file;
    unsigned fail_line;
};

struct line {
    char *p;
    size_t len;
};

__attribute__((format(printf, 4, 5))) static int fail(struct pstate *ps, const char *file,
                                                      unsigned line, const char *fmt, ...)
{
    ps->fail_file = file;
    ps->fail_line = line;
    int n = snprintf(ps->err, ps->errlen, "%s:%u: ", file, line);
    if (n >= 0 && (size_t)n < ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return EINVAL;
}

static const char *intern_file(struct pstate *ps, const char *path)
{
    char **v = realloc(ps->s->files, (ps->s->nfiles + 1) * sizeof *v);
    if (!v)
        return NULL;
    ps->s->files = v;
    char *c = strdup(path);
    if (!c)
        return NULL;
    v[ps->s->nfiles++] = c;
    return c;
}

static struct scn_step *new_step(struct pstate *ps, enum scn_op op, const char *file,
                                 unsigned line, int *rc)
{
    struct scn *s = ps->s;
    if (s->nsteps >= SCN_MAX_STEPS) {
        *rc = fail(ps, file, line, "more than %u steps", SCN_MAX_STEPS);
        return NULL;
    }
    if ((s->nsteps & (s->nsteps - 1)) == 0) { /* grow at powers of two */
        size_t cap = s->nsteps ? s->nsteps * 2 : 16;
        struct scn_step *v = realloc(s->steps, cap * sizeof *v);
        if (!v) {
            *rc = ENOMEM;
            return NULL;
        }
        s->steps = v;
    }
    struct scn_step *st = &s->steps[s->nsteps++];
    memset(st, 0, sizeof *st);
    st->op = op;
    st->loc.file = file;
    st->loc.line = line;
    st->setup = !ps->begun;
    st->heredoc_arg = -1;
    if (op != SCN_OP_NTLAB)
        ps->last_ntlab = 0;
    return st;
}

/* Splits the words of an ntlab step: blanks separate words; "..." groups
 * (with \" for a quote, every other backslash literal, as NT paths and
 * DOMAIN\user need), '...' groups literally; adjacent parts join. */
static int split_words(struct pstate *ps, const char *file, unsigned line, const char *s,
                       char ***argv_out, int *argc_out)
{
    char **argv = calloc(SCN_MAX_ARGS + 1, sizeof *argv);
    if (!argv)
        return ENOMEM;
    int argc = 0;
    size_t n = strlen(s);
    char *word = malloc(n + 1);
    if (!word) {
        free(argv);
        return ENOMEM;
    }
    size_t i = 0;
    int rc = 0;
    while (rc == 0) {
        while (s[i] == ' ' || s[i] == '\t')
            i++;
        if (!s[i])
            break;
        size_t w = 0;
        while (s[i] && s[i] != ' ' && s[i] != '\t') {
            if (s[i] == '"') {
                i++;
                while (s[i] && s[i] != '"') {
                    if (s[i] == '\\' && s[i + 1] == '"')
                        i++;
                    word[w++] = s[i++];
                }
                if (!s[i]) {
                    rc = fail(ps, file, line, "unterminated \" in ntlab arguments");
                    break;
                }
                i++;
            } else if (s[i] == '\'') {
                i++;
                while (s[i] && s[i] != '\'')
                    word[w++] = s[i++];
                if (!s[i]) {
                    rc = fail(ps, file, line, "unterminated ' in ntlab arguments");
                    break;
                }
                i++;
            } else {
                word[w++] = s[i++];
            }
        }
        if (rc)
            break;
        if (argc == SCN_MAX_ARGS) {
            rc = fail(ps, file, line, "more than %d words in an ntlab step", SCN_MAX_ARGS);
            break;
        }
        word[w] = 0;
        argv[argc] = strdup(word);
        if (!argv[argc]) {
            rc = ENOMEM;
            break;
        }
        argc++;
    }
    free(word);
    if (rc) {
        for (int k = 0; k < argc; k++)
            free(argv[k]);
        free(argv);
        return rc;
    }
    *argv_out = argv;
    *argc_out = argc;
    return 0;
}

static int session_index(struct pstate *ps, const char *name)
{
    for (size_t i = 0; i < ps->nopen; i++)
        if (strcmp(ps->open[i], name) == 0)
            return (int)i;
    return -1;
}

/* The text after a one-character-or-word operator: exactly one space, then
 * everything to the end of the line, byte for byte. rest points just after
 * the operator. */
static int exact_text(struct pstate *ps, const char *file, unsigned line, const char *rest,
                      const char *what, const char **text)
{
    if (*rest == 0) {
        *text = rest;
        return 0;
    }
    if (*rest != ' ')
        return fail(ps, file, line, "one space must separate '%s' from its text", what);
    *text = rest + 1;
    return 0;
}

static int parse_lines(struct pstate *ps, const char *file, struct line *lines, size_t nlines);

/* The line number of the first NUL byte in data. */
static unsigned nul_line(const char *data, size_t len)
{
    unsigned line = 1;
    for (size_t i = 0; i < len && data[i]; i++)
        line += data[i] == '\n';
    return line;
}

/* Splits data (NUL-terminated, no NUL inside) into lines in place: LF or
 * CRLF ends a line. */
static int split_lines(struct pstate *ps, const char *name, char *data, size_t len,
                       struct line **out, size_t *nout)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += data[i] == '\n';
    struct line *lines = calloc(cap, sizeof *lines);
    if (!lines)
        return ENOMEM;
    size_t n = 0;
    char *p = data, *end = data + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        size_t l = (size_t)(e - p);
        if (l > 0 && p[l - 1] == '\r')
            l--;
        p[l] = 0;
        if (l > SCN_LINE_MAX) {
            free(lines);
            return fail(ps, name, (unsigned)(n + 1), "line longer than %u bytes", SCN_LINE_MAX);
        }
        lines[n++] = (struct line){p, l};
        p = nl ? nl + 1 : end;
    }
    *out = lines;
    *nout = n;
    return 0;
}

/* Whether a file reference with this real path may be read. */
static bool outside_ok(const struct pstate *ps, const char *real)
{
    if (ps->o && ps->o->allow_outside_files)
        return true;
    return ps->root_ok && scn_confine_inside(ps->root, real);
}

static int include_file(struct pstate *ps, const char *from, unsigned line, const char *arg)
{
    if (ps->depth >= SCN_INCLUDE_DEPTH)
        return fail(ps, from, line, "includes nested deeper than %d", SCN_INCLUDE_DEPTH);
    if (ps->s->nfiles >= SCN_MAX_FILES)
        return fail(ps, from, line, "more than %d files included", SCN_MAX_FILES);
    char path[4096];
    if (scn_confine_join(from, arg, path, sizeof path))
        return fail(ps, from, line, "include path too long");
    char real[4096];
    int re = plat_realpath(path, real, sizeof real);
    if (re)
        return fail(ps, from, line, "include %s: %s", path, strerror(re));
    if (!outside_ok(ps, real))
        return fail(ps, from, line, "include %s: outside the scenario's directory %s "
                                    "(ntlab run --allow-outside-files lifts this)",
                    path, ps->root_ok ? ps->root : "(unknown)");
    for (size_t i = 0; i < ps->depth; i++) {
        if (strcmp(ps->chain[i], real) == 0)
            return fail(ps, from, line, "include loop: %s is already being read (%zu level%s up)",
                        path, ps->depth - i, ps->depth - i == 1 ? "" : "s");
    }
    char *data;
    size_t len;
    int rc = afile_read(path, SCN_FILE_MAX, &data, &len);
    if (rc == EFBIG)
        return fail(ps, from, line, "include %s: file larger than %u bytes", path, SCN_FILE_MAX);
    if (rc)
        return fail(ps, from, line, "include %s: %s", path, plat_strerror(rc));
    const char *name = intern_file(ps, path);
    if (!name) {
        free(data);
        return ENOMEM;
    }
    char *realcopy = strdup(real);
    if (!realcopy) {
        free(data);
        return ENOMEM;
    }
    ps->chain[ps->depth++] = realcopy;
    struct line *lines = NULL;
    size_t nlines = 0;
    rc = 0;
    ps->total += len;
    if (ps->total > SCN_TOTAL_MAX)
        rc = fail(ps, from, line, "the scenario's files exceed %u bytes together", SCN_TOTAL_MAX);
    if (rc == 0 && memchr(data, 0, len))
        rc = fail(ps, name, nul_line(data, len), "NUL byte in the file");
    if (rc == 0)
        rc = split_lines(ps, name, data, len, &lines, &nlines);
    if (rc == 0)
        rc = parse_lines(ps, name, lines, nlines);
    if (rc == EINVAL && ps->fail_file == name && !scn_confine_quotable(real))
        /* Not a scenario file: where, but none of its text (a line of
         * /etc/passwd was quoted as an unknown directive). */
        fail(ps, name, ps->fail_line, "not scenario text (only *.scn and *.inc files are "
                                      "quoted; this one is not shown)");
    free(lines);
    free(data);
    free(realcopy);
    ps->depth--;
    return rc;
}

static int add_check(struct pstate *ps, const char *file, unsigned line, enum scn_check_kind kind,
                     const char *text)
{
    if (!ps->last_ntlab)
        return fail(ps, file, line, "'%s' must follow an ntlab step",
                    kind == SCN_CHECK_OUT ? "out" : kind == SCN_CHECK_HAS ? "has" : "lacks");
    struct scn_step *st = &ps->s->steps[ps->last_ntlab - 1];
    if (st->nchecks >= SCN_MAX_CHECKS)
        return fail(ps, file, line, "more than %u checks on one ntlab step", SCN_MAX_CHECKS);
    struct scn_check *v = realloc(st->checks, (st->nchecks + 1) * sizeof *v);
    if (!v)
        return ENOMEM;
    st->checks = v;
    struct scn_check *c = &v[st->nchecks];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->loc.file = file;
    c->loc.line = line;
    char perr[256];
    int rc = scn_pattern_init(&c->pat, text, strlen(text), perr, sizeof perr);
    if (rc == EINVAL)
        return fail(ps, file, line, "%s", perr);
    if (rc)
        return rc;
    st->nchecks++;
    if (kind == SCN_CHECK_OUT)
        st->has_out = true;
    return 0;
}

static int add_expect(struct pstate *ps, const char *file, unsigned line, const char *session,
                      const char *text, size_t len, bool bare_lf)
{
    int rc = 0;
    struct scn_step *st = new_step(ps, SCN_OP_EXPECT, file, line, &rc);
    if (!st)
        return rc;
    str_copy(st->session, sizeof st->session, session);
    st->bare_lf = bare_lf;
    char perr[256];
    rc = scn_pattern_init(&st->pat, text, len, perr, sizeof perr);
    if (rc == EINVAL) {
        ps->s->nsteps--;
        return fail(ps, file, line, "%s", perr);
    }
    if (rc)
        ps->s->nsteps--;
    return rc;
}

/* Collects a here-doc body: lines after *i up to the one that is exactly
 * tag (leading blanks allowed). Returns the joined body (LF-ended lines)
 * and moves *i to the terminator. */
static int heredoc(struct pstate *ps, const char *file, struct line *lines, size_t nlines,
                   size_t *i, const char *tag, char **body, size_t *blen)
{
    size_t start = *i + 1, j = start;
    size_t total = 0;
    for (; j < nlines; j++) {
        const char *t = lines[j].p;
        while (*t == ' ' || *t == '\t')
            t++;
        if (strcmp(t, tag) == 0)
            break;
        total += lines[j].len + 1;
        if (total > SCN_FILE_MAX)
            return fail(ps, file, (unsigned)(*i + 1), "here-doc larger than %u bytes",
                        SCN_FILE_MAX);
    }
    if (j == nlines)
        return fail(ps, file, (unsigned)(*i + 1), "here-doc <<%s has no closing %s line", tag,
                    tag);
    if (body) {
        char *b = malloc(total + 1);
        if (!b)
            return ENOMEM;
        size_t o = 0;
        for (size_t k = start; k < j; k++) {
            memcpy(b + o, lines[k].p, lines[k].len);
            o += lines[k].len;
            b[o++] = '\n';
        }
        b[o] = 0;
        *body = b;
        *blen = o;
    }
    *i = j;
    return 0;
}

/* The file arguments of an ntlab step: relative to the step's file,
 * confined to the scenario's tree, replaced by their real path (an absolute
 * one, which the daemon of --target needs too). A name that does not exist
 * stays as joined: the command reports it. */
static int file_args(struct pstate *ps, const char *file, unsigned line, struct scn_step *st)
{
    if (!ps->o || !ps->o->file_args)
        return 0;
    char *words[SCN_MAX_ARGS + 1];
    int map[SCN_MAX_ARGS + 1], n = 0;
    for (int k = 0; k < st->argc && n < SCN_MAX_ARGS; k++) {
        if (strcmp(st->argv[k], "--machine") == 0) { /* cli_main takes it out */
            k++;
            continue;
        }
        if (strncmp(st->argv[k], "--machine=", 10) == 0)
            continue;
        map[n] = k;
        words[n++] = st->argv[k];
    }
    words[n] = NULL;
    int idx[SCN_MAX_ARGS];
    int nf = ps->o->file_args(n, words, idx, SCN_MAX_ARGS);
    for (int f = 0; f < nf && f < SCN_MAX_ARGS; f++) {
        char **slot = &st->argv[map[idx[f]]];
        char path[4096], real[4096];
        if (scn_confine_join(file, *slot, path, sizeof path))
            return fail(ps, file, line, "file name too long");
        bool exists = plat_realpath(path, real, sizeof real) == 0;
        if (!exists) {
            /* absent (the command says so): its directory decides; when
             * that is absent too, nothing can be read through the name */
            char dir[4096] = ".";
            const char *slash = strrchr(path, '/');
            if (slash == path)
                str_copy(dir, sizeof dir, "/");
            else if (slash)
                str_copyn(dir, sizeof dir, path, (size_t)(slash - path));
            if (plat_realpath(dir, real, sizeof real) != 0)
                str_copy(real, sizeof real, ps->root);
        }
        if (!outside_ok(ps, real))
            return fail(ps, file, line, "%s: outside the scenario's directory %s (ntlab run "
                                        "--allow-outside-files lifts this)", *slot,
                        ps->root_ok ? ps->root : "(unknown)");
        if (!exists)
            str_copy(real, sizeof real, path);
        char *copy = strdup(real);
        if (!copy)
            return ENOMEM;
        free(*slot);
        *slot = copy;
    }
    return 0;
}

static int parse_ntlab(struct pstate *ps, const char *file, struct line *lines, size_t nlines,
                       size_t *i, const char *rest)
{
    unsigned line = (unsigned)(*i + 1);
    char **argv;
    int argc;
    int rc = split_words(ps, file, line, rest, &argv, &argc);
    if (rc)
        return rc;
    struct scn_step *st = new_step(ps, SCN_OP_NTLAB, file, line, &rc);
    if (!st) {
        for (int k = 0; k < argc; k++)
            free(argv[k]);
        free(argv);
        return rc;
    }
    st->argv = argv;
    st->argc = argc;
    ps->s->admin_steps++;
    if (ps->begun)
        ps->s->admin_steps_after_begin++;
    if (argc > 0 && strncmp(argv[argc - 1], "<<", 2) == 0) {
        const char *tag = argv[argc - 1] + 2;
        if (!scn_valid_heredoc_tag(tag))
            return fail(ps, file, line, "bad here-doc tag '%s' (letters, digits, _)", tag);
        for (int k = 0; k < argc - 1; k++) {
            if (strcmp(argv[k], "-") == 0) {
                if (st->heredoc_arg >= 0)
                    return fail(ps, file, line, "a here-doc stands for one '-' argument, "
                                                "and this step has several");
                st->heredoc_arg = k;
            }
        }
        if (st->heredoc_arg < 0)
            return fail(ps, file, line, "a here-doc needs a '-' argument to stand for");
        char tagcopy[40];
        str_copy(tagcopy, sizeof tagcopy, tag);
        free(argv[argc - 1]);
        argv[--st->argc] = NULL;
        rc = heredoc(ps, file, lines, nlines, i, tagcopy, &st->heredoc, &st->heredoc_len);
        if (rc)
            return rc;
        argc = st->argc;
    }
    if (argc == 0)
        return fail(ps, file, line, "ntlab step without a command");
    if (strcmp(argv[0], "--machine") == 0 || argv[0][0] == '-')
        return fail(ps, file, line, "ntlab step: the command comes first (then --machine M)");
    if (ps->o && ps->o->command_ok && !ps->o->command_ok(argv[0]))
        return fail(ps, file, line, "'ntlab %s' cannot be a scenario step", argv[0]);
    rc = file_args(ps, file, line, st);
    if (rc)
        return rc;
    /* The words as written, for transcripts. */
    while (*rest == ' ' || *rest == '\t')
        rest++;
    st->cmdline = strdup(rest);
    if (!st->cmdline)
        return ENOMEM;
    ps->last_ntlab = ps->s->nsteps;
    return 0;
}

static int set_once(struct pstate *ps, const char *file, unsigned line, char **slot,
                    const char *what, const char *text)
{
    if (*slot)
        return fail(ps, file, line, "a second '%s'", what);
    if (!*text)
        return fail(ps, file, line, "'%s' needs a text", what);
    *slot = strdup(text);
    return *slot ? 0 : ENOMEM;
}

static int parse_session_line(struct pstate *ps, const char *file, struct line *lines,
                              size_t nlines, size_t *i, const char *name, const char *after)
{
    unsigned line = (unsigned)(*i + 1);
    if (!scn_valid_name(name, SCN_NAME_MAX))
        return fail(ps, file, line, "unknown directive '%s'", name);
    /* The operator: after the blanks, up to the next space. */
    const char *op = after;
    while (*op == ' ' || *op == '\t')
        op++;
    const char *opend = op;
    while (*opend && *opend != ' ')
        opend++;
    size_t oplen = (size_t)(opend - op);
    if (oplen == 0)
        return fail(ps, file, line, "unknown directive '%s' (a session line is NAME > TEXT, "
                                    "NAME < TEXT, NAME <<TAG or NAME closed)", name);
    bool known_op = (oplen == 1 && (op[0] == '>' || op[0] == '<')) ||
                    (oplen == 3 && (memcmp(op, ">lf", 3) == 0 || memcmp(op, "<lf", 3) == 0)) ||
                    (oplen > 2 && op[0] == '<' && op[1] == '<') ||
                    (oplen == 6 && memcmp(op, "closed", 6) == 0);
    if (session_index(ps, name) < 0) {
        if (!known_op)
            return fail(ps, file, line, "unknown directive '%s' (a session line is NAME > TEXT, "
                                        "NAME < TEXT, NAME <<TAG or NAME closed)", name);
        return fail(ps, file, line, "session '%s' is not open here (open %s first)", name,
                    name);
    }
    int rc = 0;
    const char *text = "";
    if ((oplen == 1 && op[0] == '>') || (oplen == 3 && memcmp(op, ">lf", 3) == 0)) {
        bool lf = oplen == 3;
        rc = exact_text(ps, file, line, opend, lf ? ">lf" : ">", &text);
        if (rc)
            return rc;
        struct scn_step *st = new_step(ps, SCN_OP_SEND, file, line, &rc);
        if (!st)
            return rc;
        str_copy(st->session, sizeof st->session, name);
        size_t tl = strlen(text);
        st->data = malloc(tl + 3);
        if (!st->data)
            return ENOMEM;
        memcpy(st->data, text, tl);
        if (lf) {
            st->data[tl] = '\n';
            st->len = tl + 1;
        } else {
            st->data[tl] = '\r';
            st->data[tl + 1] = '\n';
            st->len = tl + 2;
        }
        st->data[st->len] = 0;
        st->bare_lf = lf;
        return 0;
    }
    if ((oplen == 1 && op[0] == '<') || (oplen == 3 && memcmp(op, "<lf", 3) == 0)) {
        bool lf = oplen == 3;
        rc = exact_text(ps, file, line, opend, lf ? "<lf" : "<", &text);
        if (rc)
            return rc;
        return add_expect(ps, file, line, name, text, strlen(text), lf);
    }
    if (oplen > 2 && op[0] == '<' && op[1] == '<') {
        char tag[40];
        if (oplen - 2 >= sizeof tag || *opend)
            return fail(ps, file, line, "bad here-doc '%.*s'", (int)oplen, op);
        memcpy(tag, op + 2, oplen - 2);
        tag[oplen - 2] = 0;
        if (!scn_valid_heredoc_tag(tag))
            return fail(ps, file, line, "bad here-doc tag '%s' (letters, digits, _)", tag);
        size_t start = *i;
        rc = heredoc(ps, file, lines, nlines, i, tag, NULL, NULL);
        if (rc)
            return rc;
        for (size_t k = start + 1; k < *i && rc == 0; k++)
            rc = add_expect(ps, file, (unsigned)(k + 1), name, lines[k].p, lines[k].len, false);
        return rc;
    }
    if (oplen == 6 && memcmp(op, "closed", 6) == 0) {
        if (*opend)
            return fail(ps, file, line, "nothing may follow 'closed'");
        struct scn_step *st = new_step(ps, SCN_OP_CLOSED, file, line, &rc);
        if (!st)
            return rc;
        str_copy(st->session, sizeof st->session, name);
        /* The connection is over: the name may be opened again. */
        int idx = session_index(ps, name);
        memmove(ps->open[idx], ps->open[idx + 1], (ps->nopen - (size_t)idx - 1) * sizeof ps->open[0]);
        ps->nopen--;
        return 0;
    }
    return fail(ps, file, line, "unknown session operation '%.*s' (>, >lf, <, <lf, <<TAG, closed)",
                (int)oplen, op);
}

/* "[MACHINE]" of open/refused: an optional machine name, with or without
 * a leading \\. */
static int machine_arg(struct pstate *ps, const char *file, unsigned line, const char *w,
                       char out[SCN_MACHINE_MAX + 1])
{
    out[0] = 0;
    if (!w)
        return 0;
    if (w[0] == '\\' && w[1] == '\\')
        w += 2;
    size_t n = strlen(w);
    bool ok = n > 0 && n <= SCN_MACHINE_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)w[i]) || w[i] == '-' || w[i] == '_';
    if (!ok)
        return fail(ps, file, line, "bad machine name '%s'", w);
    str_copy(out, SCN_MACHINE_MAX + 1, w);
    return 0;
}

/* "tags WORD...": the words (blank- or comma-separated) join the tags. */
static int parse_tags(struct pstate *ps, const char *file, unsigned line, char *targ)
{
    char *save = NULL;
    for (char *t = strtok_r(targ, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
        if (!scn_valid_tag(t))
            return fail(ps, file, line, "bad tag '%s' (letters, digits, _ - .)", t);
        if (ps->s->ntags >= SCN_MAX_TAGS)
            return fail(ps, file, line, "more than %d tags", SCN_MAX_TAGS);
        char **v = realloc(ps->s->tags, (ps->s->ntags + 1) * sizeof *v);
        if (!v)
            return ENOMEM;
        ps->s->tags = v;
        if (!(v[ps->s->ntags] = strdup(t)))
            return ENOMEM;
        ps->s->ntags++;
    }
    return 0;
}

/* "open NAME [MACHINE]", "smtp NAME [MACHINE]" (an SMTP session, issue
 * 18), "close NAME", "refused [MACHINE]" (word says which; targ holds the
 * arguments and is cut into words). */
static int parse_connection(struct pstate *ps, const char *file, unsigned line, const char *word,
                            char *targ)
{
    int rc = 0;
    char *save = NULL;
    char *w1 = strtok_r(targ, " \t", &save);
    char *w2 = w1 ? strtok_r(NULL, " \t", &save) : NULL;
    char *w3 = w2 ? strtok_r(NULL, " \t", &save) : NULL;
    if (word[0] == 'r') {
        if (w2)
            return fail(ps, file, line, "usage: refused [MACHINE]");
        struct scn_step *st = new_step(ps, SCN_OP_REFUSED, file, line, &rc);
        if (!st)
            return rc;
        rc = machine_arg(ps, file, line, w1, st->machine);
        ps->s->session_steps++;
        return rc;
    }
    if (!w1 || w3 || (word[1] == 'l' && w2))
        return fail(ps, file, line, "usage: %s",
                    word[1] == 'l'   ? "close NAME"
                    : word[0] == 's' ? "smtp NAME [MACHINE]"
                                     : "open NAME [MACHINE]");
    if (!scn_valid_name(w1, SCN_NAME_MAX) || scn_is_keyword(w1))
        return fail(ps, file, line,
                    "bad session name '%s' (a letter, then letters, "
                    "digits, _ - .; not a directive)",
                    w1);
    int idx = session_index(ps, w1);
    if (word[1] != 'l') {
        if (idx >= 0)
            return fail(ps, file, line, "session '%s' is already open", w1);
        if (ps->nopen >= SCN_MAX_SESSIONS)
            return fail(ps, file, line, "more than %d sessions open at once", SCN_MAX_SESSIONS);
        struct scn_step *st = new_step(ps, SCN_OP_OPEN, file, line, &rc);
        if (!st)
            return rc;
        str_copy(st->session, sizeof st->session, w1);
        st->smtp = word[0] == 's';
        rc = machine_arg(ps, file, line, w2, st->machine);
        str_copy(ps->open[ps->nopen++], SCN_NAME_MAX + 1, w1);
        ps->s->session_steps++;
    } else {
        if (idx < 0)
            return fail(ps, file, line, "session '%s' is not open here", w1);
        struct scn_step *st = new_step(ps, SCN_OP_CLOSE, file, line, &rc);
        if (!st)
            return rc;
        str_copy(st->session, sizeof st->session, w1);
        memmove(ps->open[idx], ps->open[idx + 1],
                (ps->nopen - (size_t)idx - 1) * sizeof ps->open[0]);
        ps->nopen--;
    }
    return rc;
}

/* secret NAME VALUE (secret.h): declared once, before its first use. */
static int parse_secret(struct pstate *ps, const char *file, unsigned line, char *targ)
{
    char why[160];
    int e = scn_secret_directive(&ps->s->secrets, targ, why, sizeof why);
    return e == EINVAL ? fail(ps, file, line, "%s", why) : e;
}

/* One directive at lines[*i] (a here-doc moves *i past its body). */
static int parse_line(struct pstate *ps, const char *file, struct line *lines, size_t nlines,
                      size_t *ip)
{
    int rc = 0;
    size_t i = *ip;
    {
        unsigned line = (unsigned)(i + 1);
        char *p = lines[i].p;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == 0 || *p == '#')
            return 0;
        /* The first word. */
        char word[SCN_NAME_MAX + 16];
        size_t wl = 0;
        while (p[wl] && p[wl] != ' ' && p[wl] != '\t')
            wl++;
        if (wl >= sizeof word)
            return fail(ps, file, line, "unknown directive '%.20s...'", p);
        memcpy(word, p, wl);
        word[wl] = 0;
        char *after = p + wl; /* at the separator or the end */
        char *arg = after;
        while (*arg == ' ' || *arg == '\t')
            arg++;
        /* Trailing blanks do not belong to a metadata argument. */
        char argbuf[SCN_LINE_MAX + 1];
        str_copy(argbuf, sizeof argbuf, arg);
        char *targ = argbuf;
        size_t tl = strlen(targ);
        while (tl > 0 && (targ[tl - 1] == ' ' || targ[tl - 1] == '\t'))
            targ[--tl] = 0;

        if (strcmp(word, "title") == 0) {
            rc = set_once(ps, file, line, &ps->s->title, "title", targ);
            ps->last_ntlab = 0;
        } else if (strcmp(word, "reproduces") == 0) {
            rc = set_once(ps, file, line, &ps->s->reproduces, "reproduces", targ);
            ps->last_ntlab = 0;
        } else if (strcmp(word, "tags") == 0) {
            ps->last_ntlab = 0;
            rc = parse_tags(ps, file, line, targ);
        } else if (strcmp(word, "include") == 0) {
            ps->last_ntlab = 0;
            if (!*targ)
                return fail(ps, file, line, "include needs a path");
            rc = include_file(ps, file, line, targ);
        } else if (strcmp(word, "begin") == 0) {
            if (*targ)
                return fail(ps, file, line, "nothing may follow 'begin'");
            if (ps->begun)
                return fail(ps, file, line, "a second 'begin'");
            struct scn_step *st = new_step(ps, SCN_OP_BEGIN, file, line, &rc);
            if (!st)
                return rc;
            ps->begun = true;
            ps->s->has_begin = true;
        } else if (strcmp(word, "timeout") == 0) {
            int64_t secs;
            if (str_to_duration(targ, &secs) || secs < 1 || secs > 3600)
                return fail(ps, file, line, "bad timeout '%s' (1s to 1h, e.g. 5s or 2m)", targ);
            struct scn_step *st = new_step(ps, SCN_OP_TIMEOUT, file, line, &rc);
            if (!st)
                return rc;
            st->timeout = secs;
        } else if (strcmp(word, "ntlab") == 0) {
            rc = parse_ntlab(ps, file, lines, nlines, &i, arg);
        } else if (strcmp(word, "exit") == 0) {
            int64_t code;
            if (str_to_i64(targ, 0, 255, &code))
                return fail(ps, file, line, "bad exit code '%s' (0-255)", targ);
            if (!ps->last_ntlab)
                return fail(ps, file, line, "'exit' must follow an ntlab step");
            ps->s->steps[ps->last_ntlab - 1].exit_code = (int)code;
        } else if (strcmp(word, "out") == 0 || strcmp(word, "has") == 0 ||
                   strcmp(word, "lacks") == 0) {
            const char *text = "";
            rc = exact_text(ps, file, line, after, word, &text);
            if (rc == 0)
                rc = add_check(ps, file, line,
                               word[0] == 'o'   ? SCN_CHECK_OUT
                               : word[0] == 'h' ? SCN_CHECK_HAS
                                                : SCN_CHECK_LACKS,
                               text);
        } else if (strcmp(word, "open") == 0 || strcmp(word, "close") == 0 ||
                   strcmp(word, "refused") == 0 || strcmp(word, "smtp") == 0) {
            rc = parse_connection(ps, file, line, word, targ);
        } else if (strcmp(word, "secret") == 0) {
            ps->last_ntlab = 0;
            rc = parse_secret(ps, file, line, targ);
        } else {
            rc = parse_session_line(ps, file, lines, nlines, &i, word, after);
        }
    }
    *ip = i;
    return rc;
}

/* Each directive line with its ${NAME} secrets expanded (not here-doc
 * bodies: parse_line consumes those). */
static int parse_lines(struct pstate *ps, const char *file, struct line *lines, size_t nlines)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nlines; i++) {
        size_t at = i;
        char *orig = lines[at].p, *exp = NULL;
        size_t olen = lines[at].len;
        rc = scn_secret_expand(&ps->s->secrets, orig, SCN_LINE_MAX, &exp);
        if (rc == E2BIG)
            return fail(ps, file, (unsigned)(i + 1),
                        "longer than %u bytes once its secrets are expanded", SCN_LINE_MAX);
        if (rc)
            return rc;
        if (exp) {
            lines[at].p = exp;
            lines[at].len = strlen(exp);
        }
        rc = parse_line(ps, file, lines, nlines, &i);
        lines[at].p = orig;
        lines[at].len = olen;
        free(exp);
    }
    return rc;
}

static int parse_root(const char *name, const char *text, size_t len,
                      const struct scn_parse_opts *o, struct scn **out, char *err, size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = 0;
    struct scn *s = calloc(1, sizeof *s);
    if (!s)
        return ENOMEM;
    s->path = strdup(name);
    if (!s->path) {
        free(s);
        return ENOMEM;
    }
    struct pstate ps = {.s = s, .o = o, .err = err, .errlen = errlen};
    ps.root_ok = scn_confine_root(name, ps.root, sizeof ps.root) == 0;
    int rc = 0;
    const char *fname = intern_file(&ps, name);
    if (!fname)
        rc = ENOMEM;
    char real[4096];
    if (rc == 0 && plat_realpath(name, real, sizeof real))
        str_copy(real, sizeof real, name); /* text not from a file: its name stands */
    if (rc == 0 && len > SCN_FILE_MAX)
        rc = (snprintf(err, errlen, "%s: file larger than %u bytes", name, SCN_FILE_MAX), EFBIG);
    if (rc == 0 && memchr(text, 0, len))
        rc = fail(&ps, name, nul_line(text, len), "NUL byte in the file");
    char *copy = NULL;
    struct line *lines = NULL;
    size_t nlines = 0;
    if (rc == 0) {
        copy = malloc(len + 1);
        if (!copy)
            rc = ENOMEM;
        else {
            memcpy(copy, text, len);
            copy[len] = 0;
            rc = split_lines(&ps, name, copy, len, &lines, &nlines);
        }
    }
    ps.total = len;
    if (rc == 0) {
        ps.chain[ps.depth++] = real;
        rc = parse_lines(&ps, fname, lines, nlines);
        ps.depth--;
    }
    free(lines);
    free(copy);
    if (rc) {
        if (rc == ENOMEM && errlen)
            snprintf(err, errlen, "%s: out of memory", name);
        scn_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int scn_parse_text(const char *name, const char *text, size_t len, const struct scn_parse_opts *o,
                   struct scn **out, char *err, size_t errlen)
{
    return parse_root(name, text, len, o, out, err, errlen);
}

int scn_parse_file(const char *path, const struct scn_parse_opts *o, struct scn **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    char *data;
    size_t len;
    int rc = afile_read(path, SCN_FILE_MAX, &data, &len);
    if (rc == EFBIG) {
        snprintf(err, errlen, "%s: file larger than %u bytes", path, SCN_FILE_MAX);
        return rc;
    }
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, plat_strerror(rc));
        return rc;
    }
    rc = parse_root(path, data, len, o, out, err, errlen);
    free(data);
    return rc;
}

void scn_free(struct scn *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsteps; i++) {
        struct scn_step *st = &s->steps[i];
        free(st->data);
        scn_pattern_free(&st->pat);
        free(st->cmdline);
        for (int k = 0; st->argv && k < st->argc; k++)
            free(st->argv[k]);
        free(st->argv);
        free(st->heredoc);
        for (size_t k = 0; k < st->nchecks; k++)
            scn_pattern_free(&st->checks[k].pat);
        free(st->checks);
    }
    free(s->steps);
    for (size_t i = 0; i < s->ntags; i++)
        free(s->tags[i]);
    free(s->tags);
    for (size_t i = 0; i < s->nfiles; i++)
        free(s->files[i]);
    free(s->files);
    free(s->title);
    free(s->reproduces);
    free(s->path);
    scn_secrets_free(&s->secrets);
    free(s);
}

bool scn_has_tag(const struct scn *s, const char *tag)
{
    for (size_t i = 0; i < s->ntags; i++)
        if (str_ieq(s->tags[i], tag))
            return true;
    return false;
}

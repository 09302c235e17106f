/* The exercise and solution file parser (format: README "Exercises").
 * One directive a line; story, explanation, setup, solution and wrong take
 * a here-doc body (<<TAG ... TAG). Setup and solution bodies are checked
 * as scenario text at their own file lines, so a bad step reports the
 * exercise's FILE:LINE. */
#include "src/exercise/exercise.h"
#include "src/lib/buf.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pstate {
    struct exercise *ex;
    const char *name;
    const char *p, *end; /* the text not yet read */
    unsigned line;       /* of the last line read */
    bool keys;           /* a .solution file */
    char *err;
    size_t errlen;
};

static int fail(struct pstate *ps, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct pstate *ps, unsigned line, const char *fmt, ...)
{
    int k = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, line);
    if (k >= 0 && (size_t)k < ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return EINVAL;
}

/* The next line into out (without its LF or CRLF); false at the end. */
static int next_line(struct pstate *ps, char *out, size_t n, bool *got)
{
    *got = false;
    if (ps->p >= ps->end)
        return 0;
    const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    size_t len = nl ? (size_t)(nl - ps->p) : (size_t)(ps->end - ps->p);
    ps->line++;
    if (len && ps->p[len - 1] == '\r')
        len--;
    if (len >= n)
        return fail(ps, ps->line, "line over %zu bytes", n - 1);
    if (memchr(ps->p, 0, len))
        return fail(ps, ps->line, "NUL byte in the line");
    memcpy(out, ps->p, len);
    out[len] = 0;
    ps->p = nl ? nl + 1 : ps->end;
    *got = true;
    return 0;
}

/* A here-doc body: the lines up to TAG alone on a line (into *out). */
static int heredoc(struct pstate *ps, const char *tag, char **out, unsigned *first)
{
    unsigned start = ps->line;
    if (*out)
        return fail(ps, start, "given twice");
    struct buf b = BUF_INIT;
    char line[EX_LINE_MAX];
    *first = start + 1;
    for (;;) {
        bool got;
        int rc = next_line(ps, line, sizeof line, &got);
        if (rc) {
            buf_free(&b);
            return rc;
        }
        if (!got) {
            buf_free(&b);
            return fail(ps, start, "no line '%s' ends the here-doc", tag);
        }
        if (strcmp(line, tag) == 0)
            break;
        if (buf_puts(&b, line) || buf_putc(&b, '\n')) {
            buf_free(&b);
            return ENOMEM;
        }
    }
    *out = b.p ? buf_steal(&b) : strdup("");
    return *out ? 0 : ENOMEM;
}

/* Splits s at blanks into words (pointers into s). */
static int split(char *s, char **w, int max)
{
    int n = 0;
    for (char *t = strtok(s, " \t"); t; t = strtok(NULL, " \t")) {
        if (n == max)
            return -1;
        w[n++] = t;
    }
    return n;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > EX_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

static struct ex_goal *find_goal(struct exercise *ex, const char *name)
{
    for (size_t i = 0; i < ex->ngoals; i++)
        if (strcmp(ex->goals[i].name, name) == 0)
            return &ex->goals[i];
    return NULL;
}

static const struct {
    const char *word;
    enum ex_goal_kind kind;
    int min, max; /* word counts after the kind */
} kinds[] = {
    {"pop3", EX_GOAL_POP3, 3, 3},           {"right", EX_GOAL_RIGHT, 3, 3},
    {"service", EX_GOAL_SERVICE, 3, 3},     {"token", EX_GOAL_TOKEN, 2, 2},
    {"event", EX_GOAL_EVENT, 4, 12},        {"least-privilege", EX_GOAL_LEAST, 5, 20},
};

/* goal NAME KIND ARGS... */
static int parse_goal(struct pstate *ps, char **w, int n)
{
    struct exercise *ex = ps->ex;
    if (n < 3)
        return fail(ps, ps->line, "goal wants NAME KIND ARGS...");
    if (!name_ok(w[1]))
        return fail(ps, ps->line, "goal name '%s': 1-%d of a-z, 0-9, -", w[1], EX_NAME_MAX);
    if (find_goal(ex, w[1]))
        return fail(ps, ps->line, "goal '%s' given twice", w[1]);
    if (ex->ngoals == EX_MAX_GOALS)
        return fail(ps, ps->line, "more than %d goals", EX_MAX_GOALS);
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].word, w[2]) != 0)
        k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return fail(ps, ps->line,
                    "unknown goal kind '%s' (pop3, right, service, token, event, "
                    "least-privilege)",
                    w[2]);
    int argc = n - 3;
    if (argc < kinds[k].min || argc > kinds[k].max)
        return fail(ps, ps->line, "goal kind %s takes %d to %d words, not %d", w[2], kinds[k].min,
                    kinds[k].max, argc);
    struct ex_goal *g = &ex->goals[ex->ngoals];
    memset(g, 0, sizeof *g);
    str_copy(g->name, sizeof g->name, w[1]);
    g->kind = kinds[k].kind;
    g->line = ps->line;
    g->argv = calloc((size_t)argc + 1, sizeof *g->argv);
    if (!g->argv)
        return ENOMEM;
    ex->ngoals++; /* from here ex_free frees it */
    for (int i = 0; i < argc; i++) {
        char bad[48];
        if (!ex_vars_known(w[3 + i], bad, sizeof bad))
            return fail(ps, ps->line, "unknown variable %s", bad);
        if (!(g->argv[i] = strdup(w[3 + i])))
            return ENOMEM;
        g->argc++;
    }
    if (g->kind == EX_GOAL_SERVICE && strcmp(w[5], "running") != 0 &&
        strcmp(w[5], "stopped") != 0)
        return fail(ps, ps->line, "service state '%s': running or stopped", w[5]);
    return 0;
}

/* hint GOAL TEXT */
static int parse_hint(struct pstate *ps, const char *rest)
{
    char goal[EX_NAME_MAX + 2];
    size_t gl = strcspn(rest, " \t");
    const char *text = rest + gl + strspn(rest + gl, " \t");
    if (gl == 0 || gl > EX_NAME_MAX || !*text)
        return fail(ps, ps->line, "hint wants GOAL TEXT");
    memcpy(goal, rest, gl);
    goal[gl] = 0;
    struct ex_goal *g = find_goal(ps->ex, goal);
    if (!g)
        return fail(ps, ps->line, "hint for goal '%s', which no goal line above names", goal);
    if (g->nhints == EX_MAX_HINTS)
        return fail(ps, ps->line, "more than %d hints for goal '%s'", EX_MAX_HINTS, goal);
    char bad[48];
    if (!ex_vars_known(text, bad, sizeof bad))
        return fail(ps, ps->line, "unknown variable %s", bad);
    if (!g->hints && !(g->hints = calloc(EX_MAX_HINTS, sizeof *g->hints)))
        return ENOMEM;
    if (!(g->hints[g->nhints] = strdup(text)))
        return ENOMEM;
    g->nhints++;
    return 0;
}

/* A here-doc directive's TAG: the last word, "<<TAG". */
static const char *tag_of(char **w, int n)
{
    if (n < 2 || strncmp(w[n - 1], "<<", 2) != 0 || !w[n - 1][2])
        return NULL;
    return w[n - 1] + 2;
}

/* Scenario lines at file line `first`: parsed as a scenario with the
 * default names, padded so its errors name this file's lines. Only admin
 * steps belong here (sessions are for goals). */
static int check_steps(struct pstate *ps, const char *body, unsigned first, const char *what)
{
    char bad[48];
    if (!ex_vars_known(body, bad, sizeof bad))
        return fail(ps, first - 1, "%s: unknown variable %s", what, bad);
    struct ex_vars v;
    ex_vars_init(&v, 0);
    char *x = ex_expand(body, &v);
    struct buf b = BUF_INIT;
    int rc = x ? 0 : ENOMEM;
    for (unsigned i = 1; i < first && !rc; i++)
        rc = buf_putc(&b, '\n');
    if (!rc)
        rc = buf_printf(&b, "%sbegin\n", x);
    free(x);
    struct scn *s = NULL;
    if (!rc)
        rc = scn_parse_text(ps->name, b.p, b.len, NULL, &s, ps->err, ps->errlen);
    buf_free(&b);
    for (size_t i = 0; !rc && i < s->nsteps; i++) {
        const struct scn_step *st = &s->steps[i];
        if (st->op != SCN_OP_NTLAB && st->op != SCN_OP_BEGIN)
            rc = fail(ps, st->loc.line, "%s: only ntlab steps (sessions belong to goals)", what);
        else if (s->nfiles > 1)
            rc = fail(ps, first - 1, "%s: no include (an exercise is one file)", what);
    }
    scn_free(s);
    return rc;
}

static int one_line_text(struct pstate *ps, char **slot, const char *rest, const char *what)
{
    if (*slot)
        return fail(ps, ps->line, "%s given twice", what);
    if (!*rest)
        return fail(ps, ps->line, "%s wants TEXT", what);
    return (*slot = strdup(rest)) ? 0 : ENOMEM;
}

/* A directive of a .exercise file. */
static int exercise_directive(struct pstate *ps, char *line, char **w, int n, const char *rest)
{
    struct exercise *ex = ps->ex;
    const char *tag = tag_of(w, n);
    unsigned first = 0;
    if (strcmp(w[0], "title") == 0)
        return one_line_text(ps, &ex->title, rest, "title");
    if (strcmp(w[0], "kb") == 0)
        return one_line_text(ps, &ex->kb, rest, "kb");
    if (strcmp(w[0], "difficulty") == 0) {
        if (n != 2 || strlen(w[1]) != 1 || w[1][0] < '1' || w[1][0] > '5')
            return fail(ps, ps->line, "difficulty wants a number 1-5");
        ex->difficulty = w[1][0] - '0';
        return 0;
    }
    if (strcmp(w[0], "goal") == 0)
        return parse_goal(ps, w, n);
    if (strcmp(w[0], "hint") == 0)
        return parse_hint(ps, rest);
    bool story = strcmp(w[0], "story") == 0, expl = strcmp(w[0], "explanation") == 0;
    bool setup = strcmp(w[0], "setup") == 0;
    if (!story && !expl && !setup)
        return fail(ps, ps->line, "unknown directive '%s'", w[0]);
    if (!tag || n != 2)
        return fail(ps, ps->line, "%s wants a here-doc: %s <<TAG", w[0], w[0]);
    (void)line;
    char **slot = story ? &ex->story : expl ? &ex->explanation : &ex->setup;
    int rc = heredoc(ps, tag, slot, &first);
    if (rc || !setup)
        return rc;
    ex->setup_line = first;
    return check_steps(ps, ex->setup, first, "setup");
}

/* A directive of a .solution file: solution <<TAG, wrong NAME GOAL <<TAG. */
static int keys_directive(struct pstate *ps, char **w, int n)
{
    struct exercise *ex = ps->ex;
    const char *tag = tag_of(w, n);
    unsigned first = 0;
    if (strcmp(w[0], "solution") == 0) {
        if (!tag || n != 2)
            return fail(ps, ps->line, "solution wants a here-doc: solution <<TAG");
        int rc = heredoc(ps, tag, &ex->solution, &first);
        return rc ? rc : check_steps(ps, ex->solution, first, "solution");
    }
    if (strcmp(w[0], "wrong") != 0)
        return fail(ps, ps->line, "unknown directive '%s' (a .solution file has solution, wrong)",
                    w[0]);
    if (!tag || n != 4)
        return fail(ps, ps->line, "wrong wants NAME GOAL <<TAG");
    if (!name_ok(w[1]))
        return fail(ps, ps->line, "wrong solution name '%s': 1-%d of a-z, 0-9, -", w[1],
                    EX_NAME_MAX);
    if (!find_goal(ex, w[2]))
        return fail(ps, ps->line, "wrong solution '%s' names no goal of %s: '%s'", w[1], ex->name,
                    w[2]);
    for (size_t i = 0; i < ex->nwrongs; i++)
        if (strcmp(ex->wrongs[i].name, w[1]) == 0)
            return fail(ps, ps->line, "wrong solution '%s' given twice", w[1]);
    if (ex->nwrongs == EX_MAX_WRONGS)
        return fail(ps, ps->line, "more than %d wrong solutions", EX_MAX_WRONGS);
    struct ex_wrong *wr = &ex->wrongs[ex->nwrongs++];
    memset(wr, 0, sizeof *wr);
    str_copy(wr->name, sizeof wr->name, w[1]);
    str_copy(wr->goal, sizeof wr->goal, w[2]);
    wr->line = ps->line;
    int rc = heredoc(ps, tag, &wr->steps, &first);
    return rc ? rc : check_steps(ps, wr->steps, first, "wrong");
}

static int parse_lines(struct pstate *ps)
{
    char line[EX_LINE_MAX], copy[EX_LINE_MAX];
    for (;;) {
        bool got;
        int rc = next_line(ps, line, sizeof line, &got);
        if (rc || !got)
            return rc;
        const char *t = line + strspn(line, " \t");
        if (!*t || *t == '#')
            continue;
        str_copy(copy, sizeof copy, t);
        char *w[EX_MAX_WORDS + 3] = {NULL};
        int n = split(copy, w, EX_MAX_WORDS + 3);
        /* text directives (title, hint, ...) take any number of words */
        if (n < 0 && (strcmp(w[0], "goal") == 0 || ps->keys))
            return fail(ps, ps->line, "more than %d words", EX_MAX_WORDS);
        if (n < 0)
            n = 2;
        const char *rest = t + strlen(w[0]);
        rest += strspn(rest, " \t");
        rc = ps->keys ? keys_directive(ps, w, n) : exercise_directive(ps, line, w, n, rest);
        if (rc)
            return rc;
    }
}

static int complete(struct pstate *ps)
{
    struct exercise *ex = ps->ex;
    static const char *const names[] = {"title", "kb", "story", "explanation", "setup"};
    const char *have[] = {ex->title, ex->kb, ex->story, ex->explanation, ex->setup};
    for (size_t i = 0; i < 5; i++)
        if (!have[i])
            return fail(ps, ps->line, "no %s line (an exercise needs title, kb, difficulty, "
                        "story, setup, goals, explanation)", names[i]);
    if (!ex->difficulty)
        return fail(ps, ps->line, "no difficulty line");
    if (!ex->ngoals)
        return fail(ps, ps->line, "no goal line");
    for (size_t i = 0; i < ex->ngoals; i++)
        if (!ex->goals[i].nhints)
            return fail(ps, ex->goals[i].line, "goal '%s' has no hint", ex->goals[i].name);
    return 0;
}

/* The base name without directory and extension. */
static void base_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t l = strcspn(b, ".");
    snprintf(out, n, "%.*s", (int)(l > EX_NAME_MAX ? EX_NAME_MAX : l), b);
}

int ex_parse(const char *name, const char *text, size_t len, struct exercise **out, char *err,
             size_t errlen)
{
    *out = NULL;
    if (len > EX_FILE_MAX) {
        snprintf(err, errlen, "%s: over %u bytes", name, EX_FILE_MAX);
        return EFBIG;
    }
    struct exercise *ex = calloc(1, sizeof *ex);
    if (!ex || !(ex->file = strdup(name))) {
        free(ex);
        return ENOMEM;
    }
    base_name(name, ex->name, sizeof ex->name);
    struct pstate ps = {ex, name, text, text + len, 0, false, err, errlen};
    int rc = parse_lines(&ps);
    if (!rc)
        rc = complete(&ps);
    if (rc) {
        ex_free(ex);
        return rc;
    }
    *out = ex;
    return 0;
}

int ex_parse_keys(struct exercise *ex, const char *name, const char *text, size_t len, char *err,
                  size_t errlen)
{
    if (len > EX_FILE_MAX) {
        snprintf(err, errlen, "%s: over %u bytes", name, EX_FILE_MAX);
        return EFBIG;
    }
    struct pstate ps = {ex, name, text, text + len, 0, true, err, errlen};
    int rc = parse_lines(&ps);
    if (!rc && !ex->solution)
        rc = fail(&ps, ps.line, "no solution here-doc");
    return rc;
}

void ex_free(struct exercise *ex)
{
    if (!ex)
        return;
    free(ex->file);
    free(ex->title);
    free(ex->kb);
    free(ex->story);
    free(ex->explanation);
    free(ex->setup);
    free(ex->solution);
    for (size_t i = 0; i < ex->ngoals; i++) {
        struct ex_goal *g = &ex->goals[i];
        for (int k = 0; k < g->argc; k++)
            free(g->argv[k]);
        free(g->argv);
        for (size_t k = 0; k < g->nhints; k++)
            free(g->hints[k]);
        free(g->hints);
    }
    for (size_t i = 0; i < ex->nwrongs; i++)
        free(ex->wrongs[i].steps);
    free(ex);
}

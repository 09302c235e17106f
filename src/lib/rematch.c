/* POSIX ERE, match only (rematch.h): a parser to a small syntax tree, code
 * for a Pike-style VM without captures, and a breadth-first simulation. */
#include "src/lib/rematch.h"
#include "src/lib/arr.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP_MAX 32767 /* glibc's RE_DUP_MAX */
#define DEPTH_MAX 200 /* nesting of groups */

enum node_kind { N_SET, N_ASSERT, N_CAT, N_ALT, N_REP, N_EMPTY };
enum assert_kind { A_BOL, A_EOL, A_WORDB, A_NWORDB, A_WBEG, A_WEND };

struct node {
    enum node_kind kind;
    int a, b;           /* N_CAT/N_ALT: children a, b; N_REP: child a */
    int min, max;       /* N_REP; max -1 = unbounded */
    int set;            /* N_SET: index into sets */
    enum assert_kind as; /* N_ASSERT */
};

struct set {
    uint8_t bits[32];
};

enum op { OP_SET, OP_ASSERT, OP_SPLIT, OP_JMP, OP_MATCH };
struct inst {
    uint8_t op;
    uint8_t as;
    int x, y; /* OP_SET: set index; OP_SPLIT: x, y; OP_JMP: x */
};

struct rematch {
    struct inst *prog;
    size_t nprog;
    struct set *sets;
    size_t nsets;
};

struct parser {
    const char *p;
    struct node *nodes;
    size_t nn, capn;
    struct set *sets;
    size_t ns, caps;
    int depth;
    const char *err;
    int oom;
};

static void set_add(struct set *s, unsigned c)
{
    s->bits[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool set_has(const struct set *s, unsigned c)
{
    return s->bits[c >> 3] >> (c & 7) & 1u;
}

/* arr_grow, noting ps->oom when out of memory. */
static void *grow(struct parser *ps, void *v, size_t n, size_t *cap, size_t first, size_t elem)
{
    void *p = arr_grow(v, cap, n, elem, first);
    if (!p)
        ps->oom = 1;
    return p;
}

static int new_node(struct parser *ps, enum node_kind k)
{
    struct node *n = grow(ps, ps->nodes, ps->nn, &ps->capn, 32, sizeof *n);
    if (!n)
        return -1;
    ps->nodes = n;
    memset(&ps->nodes[ps->nn], 0, sizeof ps->nodes[0]);
    ps->nodes[ps->nn].kind = k;
    return (int)ps->nn++;
}

static int new_set(struct parser *ps)
{
    struct set *s = grow(ps, ps->sets, ps->ns, &ps->caps, 16, sizeof *s);
    if (!s)
        return -1;
    ps->sets = s;
    memset(&ps->sets[ps->ns], 0, sizeof ps->sets[0]);
    return (int)ps->ns++;
}

static int set_node(struct parser *ps, int *set)
{
    int s = new_set(ps);
    int n = s < 0 ? -1 : new_node(ps, N_SET);
    if (n < 0)
        return -1;
    ps->nodes[n].set = s;
    *set = s;
    return n;
}

static int fail(struct parser *ps, const char *why)
{
    if (!ps->err)
        ps->err = why;
    return -1;
}

static bool is_word(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool in_class(const char *name, size_t len, unsigned c, int *known)
{
    *known = 1;
#define IS(n) (len == sizeof n - 1 && memcmp(name, n, len) == 0)
    if (IS("alpha"))
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (IS("digit"))
        return c >= '0' && c <= '9';
    if (IS("alnum"))
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (IS("upper"))
        return c >= 'A' && c <= 'Z';
    if (IS("lower"))
        return c >= 'a' && c <= 'z';
    if (IS("space"))
        return c == ' ' || (c >= '\t' && c <= '\r');
    if (IS("blank"))
        return c == ' ' || c == '\t';
    if (IS("punct"))
        return c > 0x20 && c < 0x7f && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
               !(c >= '0' && c <= '9');
    if (IS("print"))
        return c >= 0x20 && c < 0x7f;
    if (IS("graph"))
        return c > 0x20 && c < 0x7f;
    if (IS("cntrl"))
        return c < 0x20 || c == 0x7f;
    if (IS("xdigit"))
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
#undef IS
    *known = 0;
    return false;
}

/* After '[': a bracket expression up to its ']'. */
static int parse_bracket(struct parser *ps)
{
    int si;
    int n = set_node(ps, &si);
    if (n < 0)
        return -1;
    struct set s = {{0}};
    bool neg = false;
    if (*ps->p == '^') {
        neg = true;
        ps->p++;
    }
    bool first = true;
    for (;;) {
        unsigned c = (unsigned char)*ps->p;
        if (!c)
            return fail(ps, "unmatched [ or [^");
        if (c == ']' && !first) {
            ps->p++;
            break;
        }
        first = false;
        unsigned lo;
        if (c == '[' && (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=')) {
            char kind = ps->p[1];
            const char *start = ps->p + 2, *end = strstr(start, kind == ':' ? ":]" : kind == '.' ? ".]" : "=]");
            if (!end)
                return fail(ps, "unmatched [ or [^");
            if (kind == ':') {
                int known = 0;
                for (unsigned k = 0; k < 256; k++)
                    if (in_class(start, (size_t)(end - start), k, &known))
                        set_add(&s, k);
                (void)in_class(start, (size_t)(end - start), 0, &known);
                if (!known)
                    return fail(ps, "invalid character class name");
                ps->p = end + 2;
                continue;
            }
            if (end - start != 1) /* collating elements of one byte only, in the C locale */
                return fail(ps, "invalid collation character");
            lo = (unsigned char)*start;
            ps->p = end + 2;
        } else {
            lo = c;
            ps->p++;
        }
        unsigned hi = lo;
        if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
            unsigned h = (unsigned char)ps->p[1];
            ps->p += 2;
            if (h == '[' && ps->p[0] == '.') {
                const char *end = strstr(ps->p + 1, ".]");
                if (!end || end - ps->p != 2)
                    return fail(ps, "invalid collation character");
                h = (unsigned char)ps->p[1];
                ps->p = end + 2;
            }
            if (h < lo)
                return fail(ps, "invalid range end");
            hi = h;
        }
        for (unsigned k = lo; k <= hi; k++)
            set_add(&s, k);
    }
    if (neg)
        for (unsigned k = 0; k < 32; k++)
            s.bits[k] = (uint8_t)~s.bits[k];
    s.bits[0] &= (uint8_t)~1u; /* the NUL byte ends the subject: never matched */
    ps->sets[si] = s;
    return n;
}

static int parse_alt(struct parser *ps);

static int class_escape(struct parser *ps, char e)
{
    int si;
    int n = set_node(ps, &si);
    if (n < 0)
        return -1;
    for (unsigned k = 1; k < 256; k++) {
        bool in = e == 'w' || e == 'W' ? is_word(k) : (k == ' ' || (k >= '\t' && k <= '\r'));
        if (in == (e == 'w' || e == 's'))
            set_add(&ps->sets[si], k);
    }
    return n;
}

static int assert_node(struct parser *ps, enum assert_kind a)
{
    int n = new_node(ps, N_ASSERT);
    if (n >= 0)
        ps->nodes[n].as = a;
    return n;
}

static int parse_atom(struct parser *ps)
{
    char c = *ps->p;
    switch (c) {
    case '(': {
        if (++ps->depth > DEPTH_MAX)
            return fail(ps, "expression nested too deeply");
        ps->p++;
        int n = parse_alt(ps);
        if (n < 0)
            return -1;
        if (*ps->p != ')')
            return fail(ps, "unmatched ( or \\(");
        ps->p++;
        ps->depth--;
        return n;
    }
    case '[':
        ps->p++;
        return parse_bracket(ps);
    case '.': {
        ps->p++;
        int si;
        int n = set_node(ps, &si);
        if (n >= 0)
            for (unsigned k = 1; k < 256; k++)
                set_add(&ps->sets[si], k);
        return n;
    }
    case '^':
        ps->p++;
        return assert_node(ps, A_BOL);
    case '$':
        ps->p++;
        return assert_node(ps, A_EOL);
    case '*':
    case '+':
    case '?':
    case '{':
        return fail(ps, "invalid preceding regular expression");
    case '\\': {
        char e = ps->p[1];
        if (!e)
            return fail(ps, "trailing backslash");
        ps->p += 2;
        if (e >= '1' && e <= '9')
            return fail(ps, "back-references are not supported");
        if (e == 'w' || e == 'W' || e == 's' || e == 'S')
            return class_escape(ps, e);
        if (e == 'b')
            return assert_node(ps, A_WORDB);
        if (e == 'B')
            return assert_node(ps, A_NWORDB);
        if (e == '<')
            return assert_node(ps, A_WBEG);
        if (e == '>')
            return assert_node(ps, A_WEND);
        if (e == '`')
            return assert_node(ps, A_BOL);
        if (e == '\'')
            return assert_node(ps, A_EOL);
        c = e;
        break;
    }
    default:
        ps->p++;
        break;
    }
    int si;
    int n = set_node(ps, &si);
    if (n >= 0)
        set_add(&ps->sets[si], (unsigned char)c);
    return n;
}

static int parse_int(struct parser *ps, int *out)
{
    if (*ps->p < '0' || *ps->p > '9')
        return -1;
    int v = 0;
    while (*ps->p >= '0' && *ps->p <= '9') {
        v = v * 10 + (*ps->p - '0');
        if (v > DUP_MAX)
            v = DUP_MAX + 1;
        ps->p++;
    }
    *out = v;
    return 0;
}

static int parse_piece(struct parser *ps)
{
    int n = parse_atom(ps);
    if (n >= 0 && ps->nodes[n].kind == N_ASSERT && *ps->p && strchr("*+?{", *ps->p))
        return fail(ps, "invalid preceding regular expression"); /* "^*": nothing to repeat */
    while (n >= 0) {
        int min, max;
        char c = *ps->p;
        if (c == '*')
            min = 0, max = -1;
        else if (c == '+')
            min = 1, max = -1;
        else if (c == '?')
            min = 0, max = 1;
        else if (c == '{') {
            ps->p++;
            if (parse_int(ps, &min))
                return fail(ps, "invalid content of \\{\\}");
            max = min;
            if (*ps->p == ',') {
                ps->p++;
                max = -1;
                if (*ps->p != '}' && parse_int(ps, &max))
                    return fail(ps, "invalid content of \\{\\}");
            }
            if (*ps->p != '}')
                return fail(ps, "unmatched \\{");
            if (min > DUP_MAX || max > DUP_MAX || (max >= 0 && max < min))
                return fail(ps, "invalid content of \\{\\}");
        } else {
            break;
        }
        ps->p++;
        int r = new_node(ps, N_REP);
        if (r < 0)
            return -1;
        ps->nodes[r].a = n;
        ps->nodes[r].min = min;
        ps->nodes[r].max = max;
        n = r;
    }
    return n;
}

static int parse_branch(struct parser *ps)
{
    int n = -2; /* none yet */
    while (*ps->p && *ps->p != '|' && !(*ps->p == ')' && ps->depth > 0)) {
        int k = parse_piece(ps);
        if (k < 0)
            return -1;
        if (n == -2) {
            n = k;
            continue;
        }
        int c = new_node(ps, N_CAT);
        if (c < 0)
            return -1;
        ps->nodes[c].a = n;
        ps->nodes[c].b = k;
        n = c;
    }
    return n == -2 ? new_node(ps, N_EMPTY) : n;
}

static int parse_alt(struct parser *ps)
{
    int n = parse_branch(ps);
    while (n >= 0 && *ps->p == '|') {
        ps->p++;
        int k = parse_branch(ps);
        if (k < 0)
            return -1;
        int a = new_node(ps, N_ALT);
        if (a < 0)
            return -1;
        ps->nodes[a].a = n;
        ps->nodes[a].b = k;
        n = a;
    }
    return n;
}

/* --- code ------------------------------------------------------------------------ */

struct gen {
    struct inst *prog;
    size_t n, cap;
    const struct node *nodes;
    int err; /* ENOMEM or E2BIG */
};

static int emit(struct gen *g, uint8_t op, int x, int y)
{
    if (g->err)
        return -1;
    if (g->n >= REMATCH_MAX_PROG) {
        g->err = E2BIG;
        return -1;
    }
    struct inst *p = arr_grow(g->prog, &g->cap, g->n, sizeof *p, 64);
    if (!p) {
        g->err = ENOMEM;
        return -1;
    }
    g->prog = p;
    g->prog[g->n] = (struct inst){.op = op, .x = x, .y = y};
    return (int)g->n++;
}

static void gen_node(struct gen *g, int ni)
{
    const struct node *nd = &g->nodes[ni];
    switch (nd->kind) {
    case N_EMPTY:
        return;
    case N_SET:
        emit(g, OP_SET, nd->set, 0);
        return;
    case N_ASSERT: {
        int k = emit(g, OP_ASSERT, 0, 0);
        if (k >= 0)
            g->prog[k].as = (uint8_t)nd->as;
        return;
    }
    case N_CAT:
        gen_node(g, nd->a);
        gen_node(g, nd->b);
        return;
    case N_ALT: {
        int s = emit(g, OP_SPLIT, 0, 0);
        gen_node(g, nd->a);
        int j = emit(g, OP_JMP, 0, 0);
        if (g->err)
            return;
        g->prog[s].x = s + 1;
        g->prog[s].y = (int)g->n;
        gen_node(g, nd->b);
        if (!g->err)
            g->prog[j].x = (int)g->n;
        return;
    }
    case N_REP: {
        for (int i = 0; i < nd->min && !g->err; i++)
            gen_node(g, nd->a);
        if (nd->max < 0) {
            int s = emit(g, OP_SPLIT, 0, 0);
            gen_node(g, nd->a);
            emit(g, OP_JMP, s, 0);
            if (!g->err) {
                g->prog[s].x = s + 1;
                g->prog[s].y = (int)g->n;
            }
            return;
        }
        /* Each optional copy: SPLIT (take it | skip to the end); the
         * SPLITs are chained through .y until the end is known. */
        int prev = -1;
        for (int i = nd->min; i < nd->max && !g->err; i++) {
            int s = emit(g, OP_SPLIT, 0, prev);
            if (s < 0)
                return;
            g->prog[s].x = s + 1;
            prev = s;
            gen_node(g, nd->a);
        }
        while (prev >= 0 && !g->err) {
            int up = g->prog[prev].y;
            g->prog[prev].y = (int)g->n;
            prev = up;
        }
        return;
    }
    }
}

int rematch_compile(const char *pattern, struct rematch **out, char *err, size_t errlen)
{
    *out = NULL;
    struct parser ps = {.p = pattern};
    int root = parse_alt(&ps);
    if (root >= 0 && *ps.p) /* a ')' with no '(' is an ordinary character (glibc) */
        root = fail(&ps, "unmatched ) or \\)");
    int rc = 0;
    struct gen g = {.nodes = ps.nodes};
    if (ps.oom) {
        rc = ENOMEM;
    } else if (root < 0) {
        rc = EINVAL;
        if (errlen)
            snprintf(err, errlen, "%s", ps.err ? ps.err : "invalid regular expression");
    } else {
        gen_node(&g, root);
        emit(&g, OP_MATCH, 0, 0);
        if (g.err == E2BIG) {
            rc = EINVAL;
            if (errlen)
                snprintf(err, errlen, "regular expression too big");
        } else if (g.err) {
            rc = ENOMEM;
        }
    }
    free(ps.nodes);
    struct rematch *re = rc ? NULL : malloc(sizeof *re);
    if (!rc && !re)
        rc = ENOMEM;
    if (rc) {
        free(g.prog);
        free(ps.sets);
        return rc;
    }
    re->prog = g.prog;
    re->nprog = g.n;
    re->sets = ps.sets;
    re->nsets = ps.ns;
    *out = re;
    return 0;
}

/* --- the simulation ----------------------------------------------------------------- */

struct threads {
    int *pc;
    size_t n;
};

/* A run's memory: two thread lists, the add() stack (a SPLIT pushes two:
 * at most 2 per instruction plus one), and the per-step marks. */
struct vm {
    int *mem;
    uint32_t *seen;
    struct threads cur, nxt;
    int *stack;
};

static bool vm_init(struct vm *vm, const struct rematch *re)
{
    size_t np = re->nprog;
    vm->mem = malloc((4 * np + 1) * sizeof *vm->mem);
    vm->seen = calloc(np, sizeof *vm->seen);
    if (!vm->mem || !vm->seen) {
        free(vm->mem);
        free(vm->seen);
        return false;
    }
    vm->cur = (struct threads){vm->mem, 0};
    vm->nxt = (struct threads){vm->mem + np, 0};
    vm->stack = vm->mem + 2 * np;
    return true;
}

static void vm_free(struct vm *vm)
{
    free(vm->seen);
    free(vm->mem);
}

static bool assert_ok(uint8_t as, const char *s, size_t i)
{
    unsigned prev = i ? (unsigned char)s[i - 1] : 0, cur = (unsigned char)s[i];
    bool wp = i && is_word(prev), wc = cur && is_word(cur);
    switch (as) {
    case A_BOL: return i == 0;
    case A_EOL: return cur == 0;
    case A_WORDB: return wp != wc;
    case A_NWORDB: return wp == wc;
    case A_WBEG: return !wp && wc;
    case A_WEND: return wp && !wc;
    default: return false;
    }
}

/* Adds pc and what it reaches without consuming input; seen[] marks the
 * step (gen) so each instruction enters a list once: empty loops end.
 * Returns true at a MATCH when stop (the rest of the closure is then not
 * added); without stop a MATCH is passed over and the closure completed. */
static bool add_closure(const struct rematch *re, struct threads *t, uint32_t *seen, uint32_t gen,
                        int *stack, int pc, const char *s, size_t i, bool stop)
{
    size_t sp = 0;
    stack[sp++] = pc;
    while (sp) {
        pc = stack[--sp];
        if (seen[pc] == gen)
            continue;
        seen[pc] = gen;
        const struct inst *in = &re->prog[pc];
        switch (in->op) {
        case OP_MATCH:
            if (stop)
                return true;
            break;
        case OP_JMP:
            stack[sp++] = in->x;
            break;
        case OP_SPLIT:
            stack[sp++] = in->y;
            stack[sp++] = in->x;
            break;
        case OP_ASSERT:
            if (assert_ok(in->as, s, i))
                stack[sp++] = pc + 1;
            break;
        default:
            t->pc[t->n++] = pc;
            break;
        }
    }
    return false;
}

static bool add(const struct rematch *re, struct threads *t, uint32_t *seen, uint32_t gen,
                int *stack, int pc, const char *s, size_t i)
{
    return add_closure(re, t, seen, gen, stack, pc, s, i, true);
}

size_t rematch_prefix(const struct rematch *re, const char *s)
{
    struct vm vm;
    if (!vm_init(&vm, re))
        return (size_t)-1;
    struct threads cur = vm.cur, nxt = vm.nxt;
    int *stack = vm.stack;
    uint32_t *seen = vm.seen;
    uint32_t gen = 1;
    /* Anchored at s[0]: threads start there only. A byte is "taken" when
     * some thread consumes it; the first byte none consumes is the answer. */
    add_closure(re, &cur, seen, gen, stack, 0, s, 0, false);
    size_t i = 0;
    for (; s[i]; i++) {
        unsigned c = (unsigned char)s[i];
        bool taken = false;
        gen++;
        nxt.n = 0;
        for (size_t k = 0; k < cur.n; k++) {
            const struct inst *in = &re->prog[cur.pc[k]];
            if (in->op == OP_SET && set_has(&re->sets[in->x], c)) {
                taken = true;
                add_closure(re, &nxt, seen, gen, stack, cur.pc[k] + 1, s, i + 1, false);
            }
        }
        if (!taken)
            break;
        struct threads t = cur;
        cur = nxt;
        nxt = t;
    }
    vm_free(&vm);
    return i;
}

bool rematch_exec(const struct rematch *re, const char *s)
{
    struct vm vm;
    if (!vm_init(&vm, re))
        return false;
    struct threads cur = vm.cur, nxt = vm.nxt;
    int *stack = vm.stack;
    uint32_t *seen = vm.seen;
    bool matched = false;
    uint32_t gen = 1;
    for (size_t i = 0;; i++) {
        /* Unanchored search: a new thread may start at every position. */
        if (add(re, &cur, seen, gen, stack, 0, s, i)) {
            matched = true;
            break;
        }
        unsigned c = (unsigned char)s[i];
        if (!c)
            break;
        gen++;
        nxt.n = 0;
        for (size_t k = 0; k < cur.n && !matched; k++) {
            const struct inst *in = &re->prog[cur.pc[k]];
            if (in->op == OP_SET && set_has(&re->sets[in->x], c))
                matched = add(re, &nxt, seen, gen, stack, cur.pc[k] + 1, s, i + 1);
        }
        if (matched)
            break;
        struct threads t = cur;
        cur = nxt;
        nxt = t;
    }
    vm_free(&vm);
    return matched;
}

void rematch_free(struct rematch *re)
{
    if (!re)
        return;
    free(re->prog);
    free(re->sets);
    free(re);
}

#include "src/cli/args.h"
#include "src/cli/cli.h"
#include <string.h>

/* Whether word spells name: exactly (*inl NULL: the value, if any, is the
 * next argument), "--name=V" or, joined, "-nV" / "-n=V" (*inl = V). */
static bool spells(const char *word, const char *name, bool joined, const char **inl)
{
    if (!name)
        return false;
    size_t n = strlen(name);
    if (strncmp(word, name, n) != 0)
        return false;
    *inl = NULL;
    if (!word[n])
        return true;
    bool is_long = name[0] == '-' && name[1] == '-';
    if (is_long && word[n] == '=') {
        *inl = word + n + 1;
        return true;
    }
    if (joined && !is_long && name[0] == '-') {
        *inl = word + n + (word[n] == '=');
        return true;
    }
    return false;
}

static const struct args_opt *find(const struct args_opt *opts, size_t nopts, const char *word,
                                   const char **inl)
{
    for (size_t i = 0; i < nopts; i++) {
        const struct args_opt *o = &opts[i];
        if (spells(word, o->name, o->joined, inl) || spells(word, o->alias, o->joined, inl))
            return o;
    }
    return NULL;
}

/* A word that is no option of the table. */
static int other_word(struct cli_ctx *ctx, const struct args_spec *spec, const char *w)
{
    if (!spec->unknown_is_word && w[0] == '-' && w[1] == '-' && w[2])
        return cli_error(ctx, CLI_USAGE, "%s: unknown option '%.*s'", spec->what,
                         (int)strcspn(w, "="), w);
    if (spec->word)
        return spec->word(ctx, spec->what, spec->word_to, w);
    return cli_error(ctx, CLI_USAGE, "%s: unexpected argument '%s'", spec->what, w);
}

int args_parse(struct cli_ctx *ctx, const struct args_spec *spec, int argc, char *const *argv,
               int first)
{
    for (int i = first; i < argc; i++) {
        const char *w = argv[i], *val = NULL;
        const struct args_opt *o = find(spec->opts, spec->nopts, w, &val);
        if (o && o->kind == ARGS_FLAG && val && spec->unknown_is_word)
            o = NULL;
        int rc = CLI_OK;
        if (!o) {
            rc = other_word(ctx, spec, w);
        } else if (o->kind == ARGS_FLAG) {
            if (val)
                return cli_error(ctx, CLI_USAGE, "%s: %.*s takes no value", spec->what,
                                 (int)strcspn(w, "="), w);
            *(bool *)o->to = true;
        } else {
            if (!val && i + 1 >= argc)
                return o->missing ? cli_error(ctx, CLI_USAGE, "%s: %s", spec->what, o->missing)
                                  : cli_error(ctx, CLI_USAGE, "%s: %s needs a value", spec->what, w);
            if (!val)
                val = argv[++i];
            if (o->kind == ARGS_STR)
                *(const char **)o->to = val;
            else
                rc = o->call(ctx, spec->what, o, val);
        }
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

bool args_takes_next(const struct args_opt *opts, size_t nopts, const char *word)
{
    const char *inl;
    const struct args_opt *o = find(opts, nopts, word, &inl);
    return o && o->kind != ARGS_FLAG && !inl;
}

int args_words(struct cli_ctx *ctx, const char *what, void *to, const char *word)
{
    struct args_words *w = to;
    if (w->n == w->max) {
        if (w->too_many)
            return cli_error(ctx, CLI_USAGE, "%s: %s", what, w->too_many);
        return cli_error(ctx, CLI_USAGE, "%s: unexpected argument '%s'", what, word);
    }
    w->v[w->n++] = word;
    return CLI_OK;
}

/* The option parser of the subcommands. Each command lists its options in
 * one table (struct args_opt: the name and another spelling, whether a
 * value follows, where it goes) and args_parse walks the arguments through
 * it, so a missing value and an unknown option read the same everywhere:
 * "WHAT: --os needs a value", "WHAT: unknown option '--x'". */
#ifndef NTLAB_CLI_ARGS_H
#define NTLAB_CLI_ARGS_H
#include <stdbool.h>
#include <stddef.h>

struct cli_ctx;
struct args_opt;

enum args_kind {
    ARGS_FLAG, /* no value: *(bool *)to = true */
    ARGS_STR,  /* a value: *(const char **)to = value (the last one given wins) */
    ARGS_CALL, /* a value, handed to call */
};

/* An ARGS_CALL option's handler: checks val, converts it and stores it
 * (o->to). Returns CLI_OK, or prints the error (starting "WHAT: ", what
 * being the spec's) and returns its exit code; args_parse stops there. */
typedef int args_call_fn(struct cli_ctx *ctx, const char *what, const struct args_opt *o,
                         const char *val);
/* A handler of the words that are no option (positional arguments): the
 * same contract, with the spec's word_to. */
typedef int args_word_fn(struct cli_ctx *ctx, const char *what, void *to, const char *word);

struct args_opt {
    const char *name;    /* "--os", "-u", "+r" */
    const char *alias;   /* another spelling ("-j" for "--jobs"), or NULL */
    enum args_kind kind;
    void *to;            /* where the option goes */
    args_call_fn *call;  /* ARGS_CALL */
    /* What a missing value reads after "WHAT: "; NULL: "NAME needs a value"
     * with NAME as given. */
    const char *missing;
    /* The value may be joined to the short alias: "-j4" and "-j=4". */
    bool joined;
};

/* Rows of the common shapes; others spell out .alias, .missing, .joined. */
#define ARGS_OPT_FLAG(opt, dst) {.name = (opt), .kind = ARGS_FLAG, .to = (dst)}
#define ARGS_OPT_STR(opt, dst) {.name = (opt), .kind = ARGS_STR, .to = (dst)}
#define ARGS_OPT_CALL(opt, dst, fn) {.name = (opt), .kind = ARGS_CALL, .to = (dst), .call = (fn)}

#define ARGS_COUNT(opts) (sizeof(opts) / sizeof(opts)[0])

struct args_spec {
    const char *what; /* how every error begins: "init", "service add" */
    const struct args_opt *opts;
    size_t nopts;
    /* The other words in order; NULL: any is "WHAT: unexpected argument
     * 'WORD'". */
    args_word_fn *word;
    void *word_to;
    /* false: a word "--x..." that names no option is "WHAT: unknown option
     * '--x'" (the part before any '='), and a flag given "=VALUE" is "WHAT:
     * --x takes no value". true: both go to word, which words them itself. */
    bool unknown_is_word;
};

/* Parses argv[first..argc-1] through spec. A word is the option it spells
 * ("--os" or an alias), "--os=VALUE" for a name or alias starting "--",
 * the joined forms of a joined option, or else a word (see the spec). The
 * value of an option is its "=VALUE" or the next argument, whatever it is.
 * argv is not changed. Returns CLI_OK, or the exit code of the first error
 * (printed to ctx->err). */
int args_parse(struct cli_ctx *ctx, const struct args_spec *spec, int argc, char *const *argv,
               int first);

/* Whether word is an option of opts whose value is the next argument (a
 * value-taking option spelt without "=VALUE" or a joined value), as
 * args_parse would read it: for code that steps over option values without
 * parsing (cli_file_args). */
bool args_takes_next(const struct args_opt *opts, size_t nopts, const char *word);

/* A word handler (args_word_fn) collecting up to max words in v (to is a
 * struct args_words). One more is "WHAT: unexpected argument 'WORD'", or
 * "WHAT: " + too_many when that is set. */
struct args_words {
    const char **v;
    size_t n, max;
    const char *too_many;
};
int args_words(struct cli_ctx *ctx, const char *what, void *to, const char *word);

#endif

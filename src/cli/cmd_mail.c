/* ntlab mailbox ... and ntlab mail deliver ...: the Exchange store's
 * mailbox directory and delivery (src/exchange/exchange.h). */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool has_store(struct machine *m)
{
    for (size_t i = 0; machine_scm(m) && i < scm_count(machine_scm(m)); i++)
        if (str_ieq(scm_at(machine_scm(m), i)->image, EXCHANGE_IMAGE))
            return true;
    return false;
}

/* --machine, else the lab's one machine with an Exchange store. */
static struct machine *store_machine(struct cli_ctx *ctx, const char *what)
{
    if (ctx->machine)
        return cli_machine(ctx);
    struct lab *lab = cli_lab(ctx);
    if (!lab)
        return NULL;
    struct machine *found = NULL;
    size_t n = 0;
    for (size_t i = 0; i < lab_machine_count(lab); i++) {
        struct machine *m = lab_machine_at(lab, i);
        if (!machine_scm(m)) {
            char err[256];
            (void)scm_attach(m, err, sizeof err);
        }
        if (has_store(m)) {
            found = m;
            n++;
        }
    }
    if (n == 1)
        return found;
    if (n == 0 && lab_machine_count(lab) == 1)
        return lab_machine_at(lab, 0);
    cli_error(ctx, CLI_USAGE, "%s: %s; name it with --machine", what,
              n ? "several machines run an Exchange store" : "no machine runs an Exchange store");
    return NULL;
}

/* Messages in a Maildir's new/ and cur/, counted without its lock (a
 * listing must not make a POP3 logon see the mailbox in use); -1 when it
 * cannot be read. */
static long count_messages(const char *maildir)
{
    long n = 0;
    static const char *const sub[2] = {"new", "cur"};
    for (int i = 0; i < 2; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", maildir, sub[i]);
        DIR *d = opendir(p);
        if (!d)
            return -1;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                n++;
        closedir(d);
    }
    return n;
}

static int mailbox_list(struct cli_ctx *ctx, struct machine *m)
{
    struct exchange_directory *d;
    char err[512] = "";
    int e = exchange_mailbox_list(m, &d, err, sizeof err);
    if (e)
        return cli_error(ctx, CLI_FAIL, "mailbox list: %s", err[0] ? err : strerror(e));
    fprintf(ctx->out, "%-20s %-30s %-12s %s\n", "ALIAS", "OWNER", "MESSAGES", "OWNER SID");
    for (size_t i = 0; i < exchange_directory_count(d); i++) {
        const struct exchange_mailbox *mb = exchange_directory_at(d, i);
        char path[4096], sid[SID_STR_MAX], count[24] = "-", name[160];
        long n;
        /* ALIAS@CONTAINER outside the default container: the name mail deliver takes */
        if (str_ieq(mb->container, EXCHANGE_DEFAULT_CONTAINER))
            str_copy(name, sizeof name, mb->alias);
        else
            snprintf(name, sizeof name, "%s@%s", mb->alias, mb->container);
        if (mb->custom) {
            fprintf(ctx->out, "%-20s %-30s %-12s %s\n", name, "(custom recipient)", "-",
                    mb->address);
            continue;
        }
        if (exchange_entry_path(m, mb, path, sizeof path) == 0 &&
            (n = count_messages(path)) >= 0)
            snprintf(count, sizeof count, "%ld", n);
        fprintf(ctx->out, "%-20s %-30s %-12s %s%s\n", name, mb->owner, count,
                sid_str(&mb->owner_sid, sid), mb->has_secret ? "  (APOP secret set)" : "");
    }
    exchange_directory_free(d);
    return CLI_OK;
}

/* A custom recipient: an address in the directory, no mailbox. */
static int custom_add(struct cli_ctx *ctx, struct machine *m, const char *container,
                      const char *alias, const char *address)
{
    char err[512] = "";
    int e = exchange_recipient_add(m, container, alias, NULL, NULL, address, err, sizeof err);
    if (e)
        return cli_error(ctx, e == EINVAL ? CLI_USAGE : CLI_FAIL, "mailbox add: %s",
                         err[0] ? err : strerror(e));
    fprintf(ctx->out, "custom recipient %s on %s: %s\n", alias, machine_name(m), address);
    return CLI_OK;
}

/* An owner that does not resolve but would with the backslash a shell
 * ate: the hint (CLI_FAIL), else CLI_OK. */
static int owner_eaten(struct cli_ctx *ctx, struct machine *m, const char *what,
                       const char *owner)
{
    struct sid owner_sid;
    char guess[300];
    if (owner && machine_resolve(m, owner, &owner_sid) != STATUS_SUCCESS &&
        cli_eaten_account(m, owner, guess, sizeof guess))
        return cli_error(ctx, CLI_FAIL, "%s: no account '%s'; did the shell eat a "
                                        "backslash? quote it: '%s'", what, owner, guess);
    return CLI_OK;
}

/* The entry's owner as the directory now has it (as resolved), else given. */
static void print_owned(struct cli_ctx *ctx, struct machine *m, const char *container,
                        const char *alias, const char *given)
{
    struct exchange_directory *d;
    const struct exchange_mailbox *mb = NULL;
    if (exchange_mailbox_list(m, &d, NULL, 0) != 0)
        d = NULL;
    mb = d ? exchange_directory_find_in(d, container, alias) : NULL;
    if (mb && mb->custom)
        fprintf(ctx->out, "custom recipient %s on %s: %s\n", alias, machine_name(m), mb->address);
    else
        fprintf(ctx->out, "mailbox %s on %s owned by %s\n", alias, machine_name(m),
                mb ? mb->owner : given);
    exchange_directory_free(d);
}

#define MAILBOX_SET_USAGE                                                                          \
    "usage: ntlab mailbox set ALIAS [--owner 'DOMAIN\\ACCOUNT'] [--apop-secret S | "             \
    "--no-apop-secret] [--container C]  or  set ALIAS --custom ADDRESS [--container C]"

/* mailbox set: Exchange Administrator's mailbox properties (the primary
 * Windows NT account above all) on an existing entry. */
static int mailbox_set(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *alias = NULL, *container = NULL;
    struct exchange_recipient_change ch = {0};
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--owner", &ch.owner),
        ARGS_OPT_STR("--apop-secret", &ch.apop_secret),
        ARGS_OPT_FLAG("--no-apop-secret", &ch.clear_secret),
        ARGS_OPT_STR("--container", &container),
        ARGS_OPT_STR("--custom", &ch.custom_address),
    };
    struct args_words aliases = {.v = &alias, .max = 1};
    const struct args_spec spec = {.what = "mailbox set", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &aliases};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    if (!alias || (!ch.owner && !ch.apop_secret && !ch.clear_secret && !ch.custom_address))
        return cli_error(ctx, CLI_USAGE, MAILBOX_SET_USAGE);
    struct machine *m = store_machine(ctx, "mailbox set");
    if (!m || owner_eaten(ctx, m, "mailbox set", ch.owner) != CLI_OK)
        return CLI_FAIL;
    char err[512] = "";
    int e = exchange_recipient_set(m, container, alias, &ch, err, sizeof err);
    if (e)
        return cli_error(ctx, e == EINVAL ? CLI_USAGE : CLI_FAIL, "mailbox set: %s",
                         err[0] ? err : strerror(e));
    print_owned(ctx, m, container, alias, ch.owner);
    return CLI_OK;
}

static int mailbox_add(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *alias = NULL, *owner = NULL, *secret = NULL, *container = NULL, *custom = NULL;
    const struct args_opt opts[] = {
        ARGS_OPT_STR("--owner", &owner),
        ARGS_OPT_STR("--apop-secret", &secret),
        ARGS_OPT_STR("--container", &container),
        ARGS_OPT_STR("--custom", &custom),
    };
    struct args_words aliases = {.v = &alias, .max = 1};
    const struct args_spec spec = {.what = "mailbox add", .opts = opts, .nopts = ARGS_COUNT(opts),
                                   .word = args_words, .word_to = &aliases};
    int rc = args_parse(ctx, &spec, argc, argv, 2);
    if (rc != CLI_OK)
        return rc;
    if (!alias || (!owner == !custom) || (custom && secret))
        return cli_error(ctx, CLI_USAGE,
                         "usage: ntlab mailbox add ALIAS --owner 'DOMAIN\\ACCOUNT' [--apop-secret S] "
                         "[--container C]  or  ALIAS --custom ADDRESS [--container C]");
    struct machine *m = store_machine(ctx, "mailbox add");
    if (!m)
        return CLI_FAIL;
    if (custom)
        return custom_add(ctx, m, container, alias, custom);
    if (owner_eaten(ctx, m, "mailbox add", owner) != CLI_OK)
        return CLI_FAIL;
    char err[512] = "";
    int e = exchange_recipient_add(m, container, alias, owner, secret, NULL, err, sizeof err);
    if (e)
        return cli_error(ctx, e == EINVAL ? CLI_USAGE : CLI_FAIL, "mailbox add: %s",
                         err[0] ? err : strerror(e));
    print_owned(ctx, m, container, alias, owner);
    return CLI_OK;
}

int cmd_mailbox(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab mailbox add ALIAS --owner 'DOMAIN\\ACCOUNT' "
                                         "[--apop-secret S] [--container C] | add ALIAS "
                                         "--custom ADDRESS [--container C] | set ALIAS [--owner "
                                         "'DOMAIN\\ACCOUNT'] [--apop-secret S|--no-apop-secret] "
                                         "[--custom ADDRESS] [--container C] | list   "
                                         "[--machine M]");
    if (strcmp(argv[1], "list") == 0) {
        if (argc != 2)
            return cli_error(ctx, CLI_USAGE, "usage: ntlab mailbox list [--machine M]");
        struct machine *m = store_machine(ctx, "mailbox list");
        return m ? mailbox_list(ctx, m) : CLI_FAIL;
    }
    if (strcmp(argv[1], "add") == 0)
        return mailbox_add(ctx, argc, argv);
    if (strcmp(argv[1], "set") == 0)
        return mailbox_set(ctx, argc, argv);
    return cli_error(ctx, CLI_USAGE, "mailbox: unknown subcommand '%s' (add, set, list)", argv[1]);
}

/* Reads a whole file (or stdin for "-": ctx->in when cli_main read it
 * first), at most CLI_MESSAGE_MAX bytes. A named file must be a regular one
 * (afile_read: a FIFO would block). */
static int slurp(struct cli_ctx *ctx, const char *path, struct buf *b)
{
    if (strcmp(path, "-") == 0 && ctx->in)
        return ctx->in->len > CLI_MESSAGE_MAX ? EFBIG
               : buf_append(b, ctx->in->p ? ctx->in->p : "", ctx->in->len) ? ENOMEM
                                                                            : 0;
    if (strcmp(path, "-") == 0)
        return afile_read_stream(stdin, CLI_MESSAGE_MAX, b);
    char *data;
    size_t len;
    int e = afile_read(path, CLI_MESSAGE_MAX, &data, &len);
    if (!e && buf_append(b, data, len))
        e = ENOMEM;
    free(data);
    return e;
}

/* mail deliver ALIAS FILE --count N: N copies at once (a large maildrop). */
static int deliver_copies(struct cli_ctx *ctx, struct machine *m, const char *alias,
                          const char *file, const char *count)
{
    int64_t n;
    if (str_to_i64(count, 1, EXCHANGE_COPIES_MAX, &n))
        return cli_error(ctx, CLI_USAGE, "mail deliver: --count takes 1-%u", EXCHANGE_COPIES_MAX);
    struct buf b = BUF_INIT;
    int e = slurp(ctx, file, &b);
    if (e) {
        buf_free(&b);
        return cli_error(ctx, CLI_FAIL, "mail deliver: %s: %s", file,
                         e == EFBIG ? "message larger than 64 MiB" : plat_strerror(e));
    }
    uint64_t done = 0;
    e = exchange_deliver_copies(m, alias, b.p ? b.p : "", b.len, (uint64_t)n, &done);
    buf_free(&b);
    if (e == ENOENT)
        return cli_error(ctx, CLI_FAIL, "mail deliver: no mailbox '%s' on %s (see 'ntlab mailbox list')",
                         alias, machine_name(m));
    if (e)
        return cli_error(ctx, CLI_FAIL, "mail deliver: %s to %s: %s (%llu of %lld delivered)",
                         file, alias, strerror(e), (unsigned long long)done, (long long)n);
    fprintf(ctx->out, "delivered %llu copies of %s to %s on %s\n", (unsigned long long)done,
            strcmp(file, "-") ? file : "stdin", alias, machine_name(m));
    return CLI_OK;
}

int cmd_mail(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "deliver") != 0)
        return cli_error(ctx, CLI_USAGE,
                         "usage: ntlab mail deliver ALIAS[@CONTAINER] FILE...   (- reads stdin) "
                         "[--machine M]\n"
                         "       ntlab mail deliver ALIAS[@CONTAINER] FILE --count N   (N copies at once)");
    const char *alias = argv[2];
    struct machine *m = store_machine(ctx, "mail deliver");
    if (!m)
        return CLI_FAIL;
    if (argc == 6 && strcmp(argv[4], "--count") == 0)
        return deliver_copies(ctx, m, alias, argv[3], argv[5]);
    int stdin_uses = 0;
    for (int i = 3; i < argc; i++)
        stdin_uses += strcmp(argv[i], "-") == 0;
    if (stdin_uses > 1)
        return cli_error(ctx, CLI_USAGE, "mail deliver: '-' (stdin) may be given once");
    for (int i = 3; i < argc; i++) {
        struct buf b = BUF_INIT;
        int e = slurp(ctx, argv[i], &b);
        if (e) {
            buf_free(&b);
            return cli_error(ctx, CLI_FAIL, "mail deliver: %s: %s", argv[i],
                             e == EFBIG ? "message larger than 64 MiB" : plat_strerror(e));
        }
        char name[256] = "";
        e = exchange_deliver(m, alias, b.p ? b.p : "", b.len, name, sizeof name);
        buf_free(&b);
        if (e == ENOENT)
            return cli_error(ctx, CLI_FAIL,
                             "mail deliver: no mailbox '%s' on %s "
                             "(see 'ntlab mailbox list')",
                             alias, machine_name(m));
        if (e == EEXIST)
            return cli_error(ctx, CLI_FAIL,
                             "mail deliver: '%s' names several recipients on %s; "
                             "name one as ALIAS@CONTAINER (see 'ntlab mailbox list')",
                             alias, machine_name(m));
        if (e)
            return cli_error(ctx, CLI_FAIL, "mail deliver: %s to %s: %s", argv[i], alias,
                             strerror(e));
        fprintf(ctx->out, "delivered %s to %s on %s as %s\n",
                strcmp(argv[i], "-") ? argv[i] : "stdin", alias, machine_name(m), name);
    }
    return CLI_OK;
}

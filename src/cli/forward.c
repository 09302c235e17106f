/* A command sent to the daemon serving a lab, with the files it names sent
 * as their content (cli.h). The daemon may not see the caller's files (the
 * QEMU appliance, Wine, another user), stdin ("-") is the caller's, and up
 * --record writes what was sent, so a recording carries the file. */
#include "src/cli/cli.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/net/control.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_mail_deliver(int n, char *const *rest)
{
    return n >= 4 && strcmp(rest[0], "mail") == 0 && strcmp(rest[1], "deliver") == 0;
}

/* The arguments sent as files: cli_file_args, and for mail deliver its
 * "-" (the message on stdin) when stdin is sent. */
static int sent_args(int n, char *const *rest, bool with_stdin, int *idx, int max)
{
    int nf = cli_file_args(n, rest, idx, max);
    for (int i = 3; is_mail_deliver(n, rest) && i < n; i++)
        if (strcmp(rest[i], CLI_MAIL_COUNT_OPT) == 0)
            i++;
        else if (with_stdin && strcmp(rest[i], "-") == 0 && nf < max)
            idx[nf++] = i;
    return nf;
}

/* mail deliver's words after ALIAS: --count given, messages, "-" among them. */
struct mail_words {
    bool count;
    int msgs, stdin_uses;
};

static struct mail_words mail_words(int n, char *const *rest)
{
    struct mail_words w = {false, 0, 0};
    for (int i = 3; is_mail_deliver(n, rest) && i < n; i++) {
        if (strcmp(rest[i], CLI_MAIL_COUNT_OPT) == 0) {
            w.count = true;
            i++;
        } else {
            w.msgs++;
            w.stdin_uses += strcmp(rest[i], "-") == 0;
        }
    }
    return w;
}

bool cli_forward_reads_stdin(int n, char *const *rest)
{
    return mail_words(n, rest).stdin_uses > 0; /* any message, not the first 8 */
}

/* A request's files, read once a daemon answered (control_loader). */
struct sent {
    int n;
    char *const *rest; /* the words as the caller gave them */
    const struct buf *in;
    int idx[CONTROL_FILES_MAX];
    int nf;
    struct control_file files[CONTROL_FILES_MAX];
    char *data[CONTROL_FILES_MAX];
};

static int load(void *arg, const struct control_file **files, size_t *nfiles, FILE *err, int *rc)
{
    struct sent *q = arg;
    size_t total = 0;
    for (int i = 0; i < q->nf; i++) {
        const char *a = q->rest[q->idx[i]];
        size_t len = 0;
        int e;
        if (strcmp(a, "-") == 0) {
            len = q->in->len;
            e = len > CONTROL_FILE_MAX - total ? EFBIG : 0;
            q->files[i] = (struct control_file){q->idx[i], q->in->p ? q->in->p : "", len};
        } else if ((e = afile_read(a, CONTROL_FILE_MAX - total, &q->data[i], &len)) == 0) {
            q->files[i] = (struct control_file){q->idx[i], q->data[i], len};
        }
        if (e) { /* as the command words a file it cannot read */
            fprintf(err, "ntlab: %s %s: %s: %s\n", q->rest[0], q->n > 1 ? q->rest[1] : "", a,
                    e == EFBIG ? "the files of one command are over 16 MiB together (the "
                                 "control channel's limit while a daemon serves the lab)"
                               : plat_strerror(e));
            *rc = CLI_FAIL;
            return e;
        }
        total += len;
    }
    *files = q->files;
    *nfiles = (size_t)q->nf;
    return 0;
}

/* One request: its files go as their content, each named by its absolute
 * path ("-" as "stdin": in holds it; with no in, "-" is not sent and the
 * daemon refuses it). */
static bool send_one(const char *labdir, const char *machine, int n, char **rest,
                     const struct buf *in, FILE *out, FILE *err, int *rc)
{
    struct sent q = {.n = n, .rest = rest, .in = in};
    q.nf = sent_args(n, rest, in != NULL, q.idx, (int)CONTROL_FILES_MAX);
    char *name[CONTROL_FILES_MAX] = {NULL};
    char **v = calloc((size_t)n + 1, sizeof *v);
    int e = v ? 0 : ENOMEM;
    if (v)
        memcpy(v, rest, (size_t)n * sizeof *v);
    /* stdin goes by the name mail deliver prints for it offline */
    static char stdin_name[] = "stdin";
    for (int i = 0; i < q.nf && !e; i++)
        if (strcmp(rest[q.idx[i]], "-") == 0)
            v[q.idx[i]] = stdin_name;
        else if ((e = cli_absolute_path(rest[q.idx[i]], &name[i])) == 0)
            v[q.idx[i]] = name[i];
    bool served = true;
    if (e) {
        fprintf(err, "ntlab: %s\n", plat_strerror(e));
        *rc = CLI_FAIL;
    } else {
        const struct control_loader l = {load, &q};
        served = control_forward_load(labdir, machine, n, v, &l, out, err, rc);
    }
    for (int i = 0; i < q.nf; i++) {
        free(q.data[i]);
        free(name[i]);
    }
    free(v);
    return served;
}

bool cli_forward(const char *labdir, const char *machine, int n, char **rest,
                 const struct buf *in, FILE *out, FILE *err, int *rc)
{
    struct mail_words w = mail_words(n, rest);
    if (w.stdin_uses > 1) { /* as cmd_mail says it */
        fprintf(err, "ntlab: mail deliver: '-' (stdin) may be given once\n");
        *rc = CLI_USAGE;
        return true;
    }
    if (w.count || w.msgs < 2)
        return send_one(labdir, machine, n, rest, in, out, err, rc);
    /* mail deliver ALIAS FILE...: one request per message, in order, up to
     * the first that fails, as the command delivers them: each is a step of
     * its own in a recording, and no request carries more than 8 files. */
    for (int i = 3; i < n; i++) {
        char *one[] = {rest[0], rest[1], rest[2], rest[i], NULL};
        if (!send_one(labdir, machine, 4, one, in, out, err, rc)) {
            if (i == 3)
                return false; /* no daemon: the caller runs it on the lab's files */
            fprintf(err, "ntlab: mail deliver: the daemon serving %s stopped before %s\n",
                    labdir, rest[i]);
            *rc = CLI_FAIL;
            return true;
        }
        if (*rc != CLI_OK)
            return true;
    }
    return true;
}

/* ntlab export: each Exchange store's mailboxes and custom recipients, and
 * the messages of each Maildir as `mail deliver` here-docs (export_int.h).
 * Messages go in a fixed order (delivery second, then bytes) so that an
 * export of the rebuilt lab is the same file; runs of identical messages
 * are one `--count N` step (a large maildrop stays one line). */
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/scenario/export_int.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXP_MESSAGE_MAX (16u << 20)
#define EXP_MESSAGES_MAX 1000000u

struct msg {
    long long when; /* the Maildir name's leading seconds */
    char name[256]; /* the name (before ':'): the maildrop's order within a second */
    char *data;
    size_t len;
};

/* Messages equal once written (CR dropped before LF: deliver()). */
static bool msg_same(const struct msg *a, const struct msg *b)
{
    size_t i = 0, j = 0;
    while (i < a->len && j < b->len) {
        if (a->data[i] == '\r') {
            i++;
            continue;
        }
        if (b->data[j] == '\r') {
            j++;
            continue;
        }
        if (a->data[i++] != b->data[j++])
            return false;
    }
    while (i < a->len && a->data[i] == '\r')
        i++;
    while (j < b->len && b->data[j] == '\r')
        j++;
    return i == a->len && j == b->len;
}

static int msg_cmp(const void *a, const void *b)
{
    const struct msg *x = a, *y = b;
    /* the maildrop's order (maildrop.h): seconds, then the rest of the name */
    if (x->when != y->when)
        return x->when < y->when ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int read_sub(struct exp *x, const char *maildir, const char *sub, struct msg **v,
                    size_t *n)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", maildir, sub);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : exp_fail(x, errno, "%s: %s", dir, strerror(errno));
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (*n >= EXP_MESSAGES_MAX) {
            rc = exp_fail(x, EFBIG, "%s: more than %u messages", dir, EXP_MESSAGES_MAX);
            break;
        }
        struct msg *nv = realloc(*v, (*n + 1) * sizeof *nv);
        if (!nv) {
            rc = ENOMEM;
            break;
        }
        *v = nv;
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct msg *mm = &nv[*n];
        mm->when = strtoll(e->d_name, NULL, 10);
        snprintf(mm->name, sizeof mm->name, "%.*s", (int)strcspn(e->d_name, ":"), e->d_name);
        rc = afile_read(path, EXP_MESSAGE_MAX, &mm->data, &mm->len);
        if (rc)
            rc = exp_fail(x, rc, "%s: %s", path, strerror(rc));
        else
            (*n)++;
    }
    closedir(d);
    return rc;
}

/* A here-doc tag that no line of data equals once its leading blanks go. */
static void pick_tag(const char *data, size_t len, char *tag, size_t n)
{
    for (unsigned k = 0;; k++) {
        snprintf(tag, n, k ? "MSG%u" : "MSG", k);
        size_t tl = strlen(tag);
        bool clash = false;
        for (size_t i = 0; i < len && !clash;) {
            size_t j = i;
            while (j < len && (data[j] == ' ' || data[j] == '\t'))
                j++;
            const char *nl = memchr(data + j, '\n', len - j);
            size_t e = nl ? (size_t)(nl - data) : len;
            clash = e - j == tl && memcmp(data + j, tag, tl) == 0;
            i = e + 1;
        }
        if (!clash)
            return;
    }
}

static int deliver(struct exp *x, struct machine *m, const char *target, const struct msg *mm,
                   size_t count)
{
    bool lone_cr = false;
    for (size_t i = 0; i < mm->len && !lone_cr; i++)
        lone_cr = mm->data[i] == '\r' && (i + 1 == mm->len || mm->data[i + 1] != '\n');
    if (memchr(mm->data, 0, mm->len) || lone_cr || !mm->len || mm->data[mm->len - 1] != '\n')
        return exp_fail(x, EINVAL, "%s: a message of %s cannot be a here-doc (a NUL byte, a CR "
                                   "not before LF, or no final newline)", machine_name(m), target);
    char tag[32];
    pick_tag(mm->data, mm->len, tag, sizeof tag);
    int rc = buf_printf(&x->body, "ntlab mail deliver %s -", target);
    if (rc == 0 && count > 1)
        rc = buf_printf(&x->body, " --count %zu", count);
    if (rc == 0)
        rc = buf_printf(&x->body, " --machine %s <<%s\n", machine_name(m), tag);
    /* A here-doc line ends in LF: a CRLF message (one SMTP delivered) is
     * written, and so rebuilt, with LF line ends (our choice; README). */
    for (size_t i = 0; rc == 0 && i < mm->len; i++)
        if (mm->data[i] != '\r')
            rc = buf_putc(&x->body, mm->data[i]);
    return rc ? rc : buf_printf(&x->body, "%s\n", tag);
}

static int messages(struct exp *x, struct machine *m, const struct exchange_mailbox *mb)
{
    char maildir[4096], target[256];
    if (exchange_entry_path(m, mb, maildir, sizeof maildir))
        return 0;
    bool other = mb->container[0] && strcmp(mb->container, EXCHANGE_DEFAULT_CONTAINER) != 0;
    snprintf(target, sizeof target, other ? "%s@%s" : "%s", mb->alias, mb->container);
    struct msg *v = NULL;
    size_t n = 0;
    int rc = read_sub(x, maildir, "new", &v, &n);
    if (rc == 0)
        rc = read_sub(x, maildir, "cur", &v, &n);
    if (rc == 0 && n)
        qsort(v, n, sizeof *v, msg_cmp);
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t j = i + 1;
        while (j < n && msg_same(&v[j], &v[i]))
            j++;
        rc = deliver(x, m, target, &v[i], j - i);
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].data);
    free(v);
    return rc;
}

static int entry(struct exp *x, struct machine *m, const struct exchange_mailbox *mb)
{
    struct buf *b = &x->body;
    int rc = buf_printf(b, "ntlab mailbox add %s ", mb->alias);
    if (rc == 0 && mb->custom) {
        rc = buf_puts(b, "--custom ");
        if (rc == 0)
            rc = exp_word(b, mb->address);
    } else if (rc == 0) {
        rc = buf_puts(b, "--owner ");
        if (rc == 0)
            rc = exp_word(b, mb->owner);
        if (rc == 0 && mb->has_secret) {
            char hint[160];
            snprintf(hint, sizeof hint, "APOP_%s_%s", machine_name(m), mb->alias);
            rc = buf_puts(b, " --apop-secret ");
            if (rc == 0)
                rc = exp_secret(x, b, hint, mb->apop_secret);
        }
    }
    if (rc == 0 && mb->container[0] && strcmp(mb->container, EXCHANGE_DEFAULT_CONTAINER) != 0) {
        rc = buf_puts(b, " --container ");
        if (rc == 0)
            rc = exp_word(b, mb->container);
    }
    if (rc == 0)
        rc = exp_machine_eol(b, m);
    return rc || mb->custom ? rc : messages(x, m, mb);
}

int exp_mail(struct exp *x)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < lab_machine_count(x->lab); i++) {
        struct machine *m = lab_machine_at(x->lab, i);
        struct exchange_directory *d = NULL;
        char err[512] = "";
        int e = exchange_mailbox_list(m, &d, err, sizeof err);
        if (e)
            return exp_fail(x, e, "%s", err[0] ? err : strerror(e));
        for (size_t k = 0; rc == 0 && k < exchange_directory_count(d); k++)
            rc = entry(x, m, exchange_directory_at(d, k));
        exchange_directory_free(d);
    }
    return rc;
}

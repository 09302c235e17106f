/* Inside ntlab export (export.c, export_sam.c, export_mail.c). */
#ifndef NTLAB_SCENARIO_EXPORT_INT_H
#define NTLAB_SCENARIO_EXPORT_INT_H
#include <stdbool.h>
#include "src/lib/buf.h"
#include <stddef.h>
#include <stdint.h>

struct lab;
struct machine;

struct exp {
    struct lab *lab;
    struct buf secrets; /* the `secret NAME VALUE` lines */
    struct buf body;    /* the setup steps */
    char **names;       /* secret names used so far (unique) */
    size_t nnames;
    int64_t now;        /* the lab clock */
    char *err;
    size_t errlen;
};

/* Sets err to "fmt..." and returns code. */
int exp_fail(struct exp *x, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Each account database once (a DC's SAM serves its member servers too):
 * *first is true when s is one not seen yet (now remembered in
 * seen[0..*nseen), at most EXP_MAX_SAMS), false when NULL or seen. Returns
 * 0, or exp_fail's E2BIG past the limit. */
#define EXP_MAX_SAMS 64
int exp_sam_first(struct exp *x, struct sam *s, struct sam **seen, size_t *nseen, bool *first);
/* Appends one scenario word: bare when it holds no blank, quote or '#'
 * start, else quoted so that the parser reads it back as is. */
int exp_word(struct buf *b, const char *w);
/* Appends " --machine NAME\n". */
int exp_machine_eol(struct buf *b, const struct machine *m);
/* Declares value as a secret named after hint (letters, digits and '_'
 * kept, the rest '_'; a suffix keeps names unique) and appends "${NAME}"
 * to b. EINVAL when the value cannot be one scenario word. */
int exp_secret(struct exp *x, struct buf *b, const char *hint, const char *value);
/* "YYYY-MM-DD HH:MM" (UTC) of t. */
void exp_time(int64_t t, char *out, size_t n, int with_seconds);

int exp_sam(struct exp *x);    /* users and groups of every SAM (export_sam.c) */
int exp_policy(struct exp *x); /* account policy and rights per focus (export_sam.c) */
int exp_mail(struct exp *x);   /* mailboxes and their messages (export_mail.c) */

#endif

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
/* Calls fn(x, m, s, arg) for each account database of the lab once, in
 * machine order, with the first machine m that holds it (a DC's SAM serves
 * its member servers too); stops at fn's first non-zero return. Returns 0,
 * fn's code, or exp_fail's E2BIG past EXP_MAX_SAMS databases. */
#define EXP_MAX_SAMS 64
typedef int exp_sam_fn(struct exp *x, struct machine *m, struct sam *s, void *arg);
int exp_each_sam(struct exp *x, exp_sam_fn *fn, void *arg);
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

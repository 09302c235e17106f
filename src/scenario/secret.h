/* Scenario secrets: `secret NAME VALUE` declares a value once (a password,
 * an NT hash) and `${NAME}` stands for it in later directive lines, so that
 * a shared scenario (ntlab export, up --record) names each secret in one
 * place. A `${...}` that names no declared secret is left as written (our
 * choice: older scenarios may send such text). Here-doc bodies are not
 * expanded: they are data (a message, a template). */
#ifndef NTLAB_SCENARIO_SECRET_H
#define NTLAB_SCENARIO_SECRET_H
#include <stdbool.h>
#include <stddef.h>

#define SCN_SECRET_NAME_MAX 64
#define SCN_SECRET_VALUE_MAX 512
#define SCN_MAX_SECRETS 1024

struct scn_secrets {
    char **names;
    char **values;
    size_t n;
};

/* A NAME: a letter, then letters, digits and '_' (at most
 * SCN_SECRET_NAME_MAX). */
bool scn_secret_name_ok(const char *name);
/* Declares name = value. 0, EEXIST (declared before), EINVAL (bad name,
 * empty or too long a value, a value with a blank or control byte), E2BIG
 * (too many), ENOMEM. */
int scn_secret_add(struct scn_secrets *t, const char *name, const char *value);
/* The value of name, or NULL. */
const char *scn_secret_get(const struct scn_secrets *t, const char *name);
/* line with every ${NAME} of a declared secret replaced by its value:
 * *out is NULL when nothing was replaced (use line), else a new string
 * (the caller frees it). 0, E2BIG (the result exceeds max bytes), ENOMEM. */
int scn_secret_expand(const struct scn_secrets *t, const char *line, size_t max, char **out);
/* The arguments of a `secret NAME VALUE` line (args is cut in place):
 * 0, EINVAL with why set (bad, twice, too many), ENOMEM. */
int scn_secret_directive(struct scn_secrets *t, char *args, char *why, size_t whylen);
void scn_secrets_free(struct scn_secrets *t);

#endif

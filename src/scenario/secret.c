/* Scenario secrets: declared once, expanded as ${NAME} (secret.h). */
#include "src/scenario/secret.h"
#include "src/lib/buf.h"
#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool scn_secret_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > SCN_SECRET_NAME_MAX || !isalpha((unsigned char)name[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return false;
    return true;
}

static bool value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > SCN_SECRET_VALUE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f)
            return false; /* one word: the rest of the line must not hide a second value */
    return true;
}

const char *scn_secret_get(const struct scn_secrets *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->names[i], name) == 0)
            return t->values[i];
    return NULL;
}

int scn_secret_add(struct scn_secrets *t, const char *name, const char *value)
{
    if (!scn_secret_name_ok(name) || !value_ok(value))
        return EINVAL;
    if (scn_secret_get(t, name))
        return EEXIST;
    if (t->n >= SCN_MAX_SECRETS)
        return E2BIG;
    char **nn = realloc(t->names, (t->n + 1) * sizeof *nn);
    if (!nn)
        return ENOMEM;
    t->names = nn;
    char **vv = realloc(t->values, (t->n + 1) * sizeof *vv);
    if (!vv)
        return ENOMEM;
    t->values = vv;
    char *a = strdup(name), *b = strdup(value);
    if (!a || !b) {
        free(a);
        free(b);
        return ENOMEM;
    }
    t->names[t->n] = a;
    t->values[t->n] = b;
    t->n++;
    return 0;
}

/* The declared value that line[i] ("${NAME}...") names, and the length of
 * the reference; NULL when it names none. */
static const char *ref_at(const struct scn_secrets *t, const char *p, size_t *reflen)
{
    if (p[0] != '$' || p[1] != '{')
        return NULL;
    const char *e = strchr(p + 2, '}');
    if (!e || (size_t)(e - (p + 2)) > SCN_SECRET_NAME_MAX)
        return NULL;
    char name[SCN_SECRET_NAME_MAX + 1];
    memcpy(name, p + 2, (size_t)(e - (p + 2)));
    name[e - (p + 2)] = 0;
    *reflen = (size_t)(e - p) + 1;
    return scn_secret_get(t, name);
}

int scn_secret_expand(const struct scn_secrets *t, const char *line, size_t max, char **out)
{
    *out = NULL;
    if (t->n == 0 || !strstr(line, "${"))
        return 0;
    struct buf b = {0};
    bool any = false;
    int rc = 0;
    for (const char *p = line; *p && rc == 0;) {
        size_t reflen = 0;
        const char *v = ref_at(t, p, &reflen);
        if (v) {
            rc = buf_puts(&b, v);
            p += reflen;
            any = true;
        } else {
            rc = buf_putc(&b, *p++);
        }
        if (rc == 0 && b.len > max)
            rc = E2BIG;
    }
    if (rc || !any) {
        buf_free(&b);
        return rc;
    }
    *out = buf_steal(&b);
    return *out ? 0 : ENOMEM;
}

void scn_secrets_free(struct scn_secrets *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->names[i]);
        free(t->values[i]);
    }
    free(t->names);
    free(t->values);
    memset(t, 0, sizeof *t);
}

int scn_secret_directive(struct scn_secrets *t, char *args, char *why, size_t whylen)
{
    char *v = args;
    while (*v && *v != ' ' && *v != '\t')
        v++;
    if (*v)
        *v++ = 0;
    while (*v == ' ' || *v == '\t')
        v++;
    int e = scn_secret_add(t, args, v);
    if (e == EEXIST)
        snprintf(why, whylen, "secret %s declared twice", args);
    else if (e == E2BIG)
        snprintf(why, whylen, "more than %u secrets", SCN_MAX_SECRETS);
    else if (e == EINVAL)
        snprintf(why, whylen,
                 "usage: secret NAME VALUE (NAME: a letter, then letters, digits, _; VALUE: one "
                 "word of 1-%u bytes)", SCN_SECRET_VALUE_MAX);
    return e == ENOMEM ? ENOMEM : e ? EINVAL : 0;
}

/* ntlab export: the driver, the header, machines, personas, clock,
 * services and what runs (export.h). Users, groups and policy are in
 * export_sam.c, mailboxes and messages in export_mail.c. */
#include "src/scenario/export.h"
#include "emulator/lab.h"
#include "emulator/machine.h"
#include "emulator/osver.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/scenario/export_int.h"
#include "src/scenario/secret.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int exp_fail(struct exp *x, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->errlen, fmt, ap);
    va_end(ap);
    return code;
}

int exp_word(struct buf *b, const char *w)
{
    bool plain = *w && *w != '#' && *w != '<';
    for (const char *p = w; plain && *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
            plain = false;
    if (plain)
        return buf_puts(b, w);
    if (!strchr(w, '\''))
        return buf_printf(b, "'%s'", w);
    /* "..." keeps every backslash but the one before a quote. */
    int rc = buf_putc(b, '"');
    for (const char *p = w; rc == 0 && *p; p++)
        rc = *p == '"' ? buf_puts(b, "\\\"") : buf_putc(b, *p);
    return rc ? rc : buf_putc(b, '"');
}

int exp_machine_eol(struct buf *b, const struct machine *m)
{
    return buf_printf(b, " --machine %s\n", machine_name(m));
}

int exp_secret(struct exp *x, struct buf *b, const char *hint, const char *value)
{
    char name[SCN_SECRET_NAME_MAX + 16]; /* the base and a _N suffix */
    size_t n = 0;
    for (const char *p = hint; *p && n < SCN_SECRET_NAME_MAX - 4; p++)
        name[n++] = isalnum((unsigned char)*p) ? *p : '_';
    name[n] = 0;
    char base[SCN_SECRET_NAME_MAX - 3];
    memcpy(base, name, n + 1);
    for (unsigned k = 2;; k++) {
        bool taken = false;
        for (size_t i = 0; i < x->nnames && !taken; i++)
            taken = strcmp(x->names[i], name) == 0;
        if (!taken)
            break;
        snprintf(name, sizeof name, "%s_%u", base, k);
    }
    struct scn_secrets probe = {0};
    int e = scn_secret_add(&probe, name, value);
    scn_secrets_free(&probe);
    if (e == EINVAL)
        return exp_fail(x, EINVAL, "%s: the secret cannot be one scenario word (a blank, a "
                                   "control byte, or over %u bytes)", hint, SCN_SECRET_VALUE_MAX);
    if (e)
        return e;
    char **v = realloc(x->names, (x->nnames + 1) * sizeof *v);
    if (!v)
        return ENOMEM;
    x->names = v;
    if (!(v[x->nnames] = strdup(name)))
        return ENOMEM;
    x->nnames++;
    int rc = buf_printf(&x->secrets, "secret %s %s\n", name, value);
    return rc ? rc : buf_printf(b, "${%s}", name);
}

void exp_time(int64_t t, char *out, size_t n, int with_seconds)
{
    time_t tt = (time_t)t;
    struct tm tm;
    plat_gmtime(&tt, &tm);
    strftime(out, n, with_seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
}

/* The lab's own personas (LAB/personas/NAME.persona), by name, as here-docs:
 * first, as `machine add --persona` checks that its persona exists. */
static int personas(struct exp *x)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/personas", lab_dir(x->lab));
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* none */
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l <= 8 || strcmp(e->d_name + l - 8, ".persona") != 0)
            continue;
        char **v = realloc(names, (n + 1) * sizeof *v);
        if (!v || !(v[n] = str_dupn(e->d_name, l - 8))) {
            names = v ? v : names;
            rc = ENOMEM;
            break;
        }
        names = v;
        n++;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4200], *data = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s.persona", dir, names[i]);
        rc = afile_read(path, 1u << 20, &data, &len);
        if (rc)
            rc = exp_fail(x, rc, "%s: %s", path, strerror(rc));
        else if (memchr(data, 0, len) || (len && data[len - 1] != '\n') || strstr(data, "\nPERSONA\n") ||
                 strncmp(data, "PERSONA\n", 8) == 0)
            rc = exp_fail(x, EINVAL, "%s: cannot be a here-doc (a NUL byte, no final newline, "
                                     "or a PERSONA line)", path);
        else
            rc = buf_printf(&x->body, "ntlab persona add %s - <<PERSONA\n%sPERSONA\n", names[i],
                            data);
        free(data);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int machines(struct exp *x)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < lab_machine_count(x->lab); i++) {
        struct machine *m = lab_machine_at(x->lab, i);
        char persona[128] = "", err[512] = "";
        int e = exchange_settings_persona(m, persona, sizeof persona, err, sizeof err);
        if (e)
            return exp_fail(x, e, "%s", err[0] ? err : strerror(e));
        rc = buf_printf(&x->body, "ntlab machine add %s --role %s --os %s", machine_name(m),
                        machine_role_name(machine_role(m)), osver_name(machine_os(m)));
        if (rc == 0 && machine_domain(m)[0])
            rc = buf_printf(&x->body, " --domain %s", machine_domain(m));
        if (rc == 0 && persona[0])
            rc = buf_printf(&x->body, " --persona %s", persona);
        if (rc == 0)
            rc = buf_putc(&x->body, '\n');
    }
    return rc;
}

static int service(struct exp *x, struct machine *m, const struct scm_service *s)
{
    struct buf *b = &x->body;
    int rc = buf_printf(b, "ntlab service add %s --image %s --account ", s->name, s->image);
    if (rc == 0)
        rc = exp_word(b, s->account);
    if (rc == 0 && !scm_account_is_system(s->account)) {
        char hint[160];
        snprintf(hint, sizeof hint, "PW_%s_%s", machine_name(m), s->name);
        rc = buf_puts(b, " --password ");
        if (rc == 0)
            rc = exp_secret(x, b, hint, s->password);
    }
    if (rc == 0)
        rc = buf_printf(b, " --start %s", scm_start_type_name(s->start));
    for (size_t k = 0; rc == 0 && k < s->ndeps; k++)
        rc = buf_printf(b, " --depends %s", s->deps[k]);
    if (rc == 0 && s->display[0] && strcmp(s->display, s->name) != 0) {
        rc = buf_puts(b, " --display ");
        if (rc == 0)
            rc = exp_word(b, s->display);
    }
    return rc ? rc : exp_machine_eol(b, m);
}

static int services(struct exp *x)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < lab_machine_count(x->lab); i++) {
        struct machine *m = lab_machine_at(x->lab, i);
        char err[512] = "";
        if (!machine_scm(m) && scm_attach(m, err, sizeof err) != STATUS_SUCCESS)
            return exp_fail(x, EINVAL, "%s", err[0] ? err : "cannot read services.conf");
        struct scm *scm = machine_scm(m);
        for (size_t k = 0; rc == 0 && scm && k < scm_count(scm); k++)
            rc = service(x, m, scm_at(scm, k));
    }
    return rc;
}

static int header(struct buf *b, const struct scn_export_opts *o, const struct lab *lab)
{
    char date[32];
    exp_time(o->date, date, sizeof date, 1);
    const char *name = o->lab_name ? o->lab_name : lab_dir(lab);
    int rc = buf_printf(b,
                        "# Exported by ntlab %s on %s UTC from lab %s (ntlab export).\n"
                        "# Its setup rebuilds the lab as it was; secrets are declared once below.\n"
                        "# Not kept (no command sets them): lockout state, last logons, event logs.\n",
                        o->version ? o->version : "unknown", date, name);
    if (rc == 0)
        rc = buf_puts(b, "title Lab ");
    if (rc == 0)
        rc = buf_puts(b, name);
    return rc ? rc : buf_puts(b, " as exported\ntags exported\n");
}

static int clock_and_boot(struct exp *x, bool boot)
{
    if (!boot) {
        if (!lab_clock_is_virtual(x->lab))
            return buf_puts(&x->body, "# The lab runs on wall time: the clock is not set.\n");
        char t[32];
        exp_time(x->now, t, sizeof t, 1);
        return buf_printf(&x->body, "ntlab clock set '%s'\n", t);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < lab_machine_count(x->lab); i++) {
        struct machine *m = lab_machine_at(x->lab, i);
        if (machine_running(m))
            rc = buf_printf(&x->body, "ntlab boot --machine %s\n", machine_name(m));
    }
    return rc;
}

int scn_export(struct lab *lab, const struct scn_export_opts *o, char **out, size_t *len,
               char *err, size_t errlen)
{
    struct exp x = {.lab = lab, .now = lab_clock_now(lab), .err = err, .errlen = errlen};
    struct buf all = BUF_INIT;
    *out = NULL;
    *len = 0;
    if (errlen)
        err[0] = 0;
    int rc = personas(&x);
    if (rc == 0)
        rc = machines(&x);
    if (rc == 0)
        rc = clock_and_boot(&x, false);
    if (rc == 0)
        rc = exp_sam(&x);
    if (rc == 0)
        rc = exp_policy(&x);
    if (rc == 0)
        rc = services(&x);
    if (rc == 0)
        rc = exp_mail(&x);
    if (rc == 0)
        rc = clock_and_boot(&x, true);
    if (rc == 0)
        rc = header(&all, o, lab);
    if (rc == 0 && x.secrets.len)
        rc = buf_append(&all, x.secrets.p, x.secrets.len);
    if (rc == 0)
        rc = buf_append(&all, x.body.p, x.body.len);
    if (rc == 0)
        rc = buf_puts(&all, "begin\n");
    if (rc == ENOMEM && errlen && !err[0])
        snprintf(err, errlen, "out of memory");
    if (rc == 0) {
        *len = all.len;
        *out = buf_steal(&all);
    }
    buf_free(&all);
    buf_free(&x.secrets);
    buf_free(&x.body);
    for (size_t i = 0; i < x.nnames; i++)
        free(x.names[i]);
    free(x.names);
    return rc;
}

/* The services.conf format of the service control manager (format in
 * scm.h) and the service-list helpers scm.c shares with it. Input is
 * hostile: read through the bounded reader (kvfile), every value checked,
 * errors name PATH:LINE. */
#include "emulator/scm_conf.h"
#include "src/lib/arr.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/kvfile.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCM_FILE_MAX (4u << 20) /* far above SCM_MAX_SERVICES full sections */

/* --- names ---------------------------------------------------------------- */

bool scm_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SCM_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '$'))
            return false;
    }
    return true;
}

/* Printable text without control characters that fits in n bytes. */
bool scm_text_valid(const char *s, size_t n)
{
    size_t len = strlen(s);
    if (len >= n)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return false;
    }
    return true;
}

/* A user or domain name part: NT forbids " / \ [ ] : ; | = , + * ? < >, and
 * trims spaces at either end (so a name never starts or ends with one,
 * which also keeps services.conf's unquoted Account value exact). */
static bool valid_account_part(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max || s[0] == ' ' || s[len - 1] == ' ')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || strchr("\"/\\[]:;|=,+*?<>", c))
            return false;
    }
    return true;
}

/* Normalizes an account into out: "LocalSystem", ".\name" or "DOMAIN\name". */
bool scm_account_normalize(const char *in, char out[SCM_ACCOUNT_MAX + 1])
{
    if (scm_account_is_system(in)) {
        strcpy(out, "LocalSystem");
        return true;
    }
    const char *bs = strchr(in, '\\');
    const char *user = bs ? bs + 1 : in;
    if (!valid_account_part(user, strlen(user), SAM_NAME_MAX))
        return false;
    if (!bs)
        return snprintf(out, SCM_ACCOUNT_MAX + 1, ".\\%s", user) <= SCM_ACCOUNT_MAX;
    size_t dlen = (size_t)(bs - in);
    if (!(dlen == 1 && in[0] == '.') && !valid_account_part(in, dlen, SAM_DOMAIN_NAME_MAX))
        return false;
    return snprintf(out, SCM_ACCOUNT_MAX + 1, "%.*s\\%s", (int)dlen, in, user) <=
           SCM_ACCOUNT_MAX;
}

/* --- the service list ---------------------------------------------------- */

struct scm_service *scm_list_find(struct scm_service *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (str_ieq(v[i]->name, name))
            return v[i];
    return NULL;
}

void scm_list_free(struct scm_service **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* scrub the secret before the memory goes back */
        memset(v[i]->password, 0, sizeof v[i]->password);
        free(v[i]);
    }
    free(v);
}

int scm_list_push(struct scm_service ***v, size_t *n, size_t *cap, struct scm_service *svc)
{
    if (*n >= SCM_MAX_SERVICES)
        return ENOSPC;
    struct scm_service **nv = arr_grow(*v, cap, *n, sizeof *nv, 16);
    if (!nv)
        return ENOMEM;
    *v = nv;
    (*v)[(*n)++] = svc;
    return 0;
}

/* Depth-first search for a cycle through existing dependencies; returns the
 * index of a service on a cycle, or -1. Unknown dependencies are not
 * followed (they fail at start, with 7003). */
long scm_list_find_cycle(struct scm_service *const *v, size_t n)
{
    unsigned char *color = calloc(n ? n : 1, 1); /* 0 new, 1 on path, 2 done */
    size_t *stack = malloc((n ? n : 1) * sizeof *stack);
    size_t *next = malloc((n ? n : 1) * sizeof *next);
    long hit = -1;
    if (!color || !stack || !next) {
        hit = -2;
        goto out;
    }
    for (size_t root = 0; root < n && hit < 0; root++) {
        if (color[root])
            continue;
        size_t sp = 0;
        stack[sp] = root;
        next[sp] = 0;
        color[root] = 1;
        sp++;
        while (sp && hit < 0) {
            size_t cur = stack[sp - 1];
            if (next[sp - 1] >= v[cur]->ndeps) {
                color[cur] = 2;
                sp--;
                continue;
            }
            const char *dn = v[cur]->deps[next[sp - 1]++];
            for (size_t j = 0; j < n; j++) {
                if (!str_ieq(v[j]->name, dn))
                    continue;
                if (color[j] == 1)
                    hit = (long)j;
                else if (color[j] == 0) {
                    color[j] = 1;
                    stack[sp] = j;
                    next[sp] = 0;
                    sp++;
                }
                break;
            }
        }
    }
out:
    free(color);
    free(stack);
    free(next);
    return hit;
}

static const char *set_deps(struct scm_service *svc, char *list)
{
    svc->ndeps = 0;
    if (!*list)
        return NULL;
    for (char *tok = list;;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = 0;
        char *name = str_trim(tok);
        if (!scm_name_valid(name))
            return "bad dependency name";
        if (svc->ndeps == SCM_MAX_DEPS)
            return "too many dependencies";
        for (size_t i = 0; i < svc->ndeps; i++)
            if (str_ieq(svc->deps[i], name))
                return "dependency listed twice";
        if (str_ieq(name, svc->name))
            return "service depends on itself";
        strcpy(svc->deps[svc->ndeps++], name);
        if (!comma)
            return NULL;
        tok = comma + 1;
    }
}

void scm_service_defaults(struct scm_service *svc, const char *name)
{
    memset(svc, 0, sizeof *svc);
    strcpy(svc->name, name);
    strcpy(svc->display, name);
    strcpy(svc->image, "null");
    strcpy(svc->account, "LocalSystem");
    svc->start = SCM_DEMAND;
    svc->state = SCM_STOPPED;
}

/* --- services.conf ------------------------------------------------------- */

static const struct kvfile_syntax conf_syntax = {
    .comments = "#;",
    .sections = true,
    .quoted = true,
    .bad_text = "not valid UTF-8 or UTF-16 text (",
    .bad_text_end = ")",
    .no_equals = "expected KEY = VALUE",
    .bad_header = "section header without ']'",
    .outside = "setting outside a [service] section",
};

/* The list as it is read: the services and the line of each header. */
struct reading {
    struct scm_service **v;
    size_t n, cap;
    unsigned *header_line;
    unsigned seen; /* keys seen in the current section (bit per key) */
    struct scm_service *cur;
};

static ntstatus conf_section(struct reading *r, char *raw, unsigned line, struct kvfile *kf)
{
    char *name = str_trim(raw);
    const char *why = !scm_name_valid(name)                 ? "bad service name"
                      : scm_list_find(r->v, r->n, name) ? "service defined twice"
                                                        : NULL;
    if (why) {
        kvfile_fail(kf, line, "%s", why);
        return STATUS_INTERNAL_DB_CORRUPTION;
    }
    struct scm_service *svc = malloc(sizeof *svc);
    if (!svc)
        return STATUS_NO_MEMORY;
    scm_service_defaults(svc, name);
    int rc = scm_list_push(&r->v, &r->n, &r->cap, svc);
    if (rc) {
        free(svc);
        if (rc == ENOMEM)
            return STATUS_NO_MEMORY;
        kvfile_fail(kf, line, "too many services");
        return STATUS_INTERNAL_DB_CORRUPTION;
    }
    unsigned *nh = realloc(r->header_line, r->cap * sizeof *nh);
    if (!nh)
        return STATUS_NO_MEMORY;
    r->header_line = nh;
    r->header_line[r->n - 1] = line;
    r->cur = svc;
    r->seen = 0;
    return STATUS_SUCCESS;
}

/* One KEY = VALUE of the current service; returns what is wrong, or NULL. */
static const char *conf_setting(struct reading *r, const char *key, char *val)
{
    static const char *const keys[] = {"DisplayName", "Image", "Account", "Password", "Start",
                                       "DependOnService"};
    struct scm_service *cur = r->cur;
    unsigned k = 0;
    while (k < sizeof keys / sizeof keys[0] && !str_ieq(key, keys[k]))
        k++;
    if (k == sizeof keys / sizeof keys[0])
        return "unknown key";
    if (r->seen & (1u << k))
        return "key given twice";
    r->seen |= 1u << k;
    switch (k) {
    case 0:
        if (!scm_text_valid(val, sizeof cur->display))
            return "bad display name";
        strcpy(cur->display, val);
        return NULL;
    case 1:
        if (!scm_name_valid(val) || strlen(val) >= sizeof cur->image)
            return "bad image name";
        strcpy(cur->image, val);
        return NULL;
    case 2:
        return scm_account_normalize(val, cur->account)
                   ? NULL
                   : "bad account (LocalSystem, .\\name or DOMAIN\\name)";
    case 3:
        if (!scm_text_valid(val, sizeof cur->password))
            return "bad password value";
        strcpy(cur->password, val);
        return NULL;
    case 4:
        return scm_start_type_parse(val, &cur->start) ? NULL
                                                      : "bad start type (auto, demand or disabled)";
    default:
        return set_deps(cur, val);
    }
}

static ntstatus parse_conf(struct kvfile *kf, struct reading *r)
{
    for (;;) {
        struct kvfile_item it;
        if (kvfile_next(kf, &it))
            return STATUS_INTERNAL_DB_CORRUPTION;
        if (it.kind == KVFILE_END)
            break;
        if (it.kind == KVFILE_SECTION) {
            ntstatus st = conf_section(r, it.name, it.line, kf);
            if (st)
                return st;
            continue;
        }
        const char *why = conf_setting(r, it.key, it.value);
        if (why) {
            kvfile_fail(kf, it.line, "%s", why);
            return STATUS_INTERNAL_DB_CORRUPTION;
        }
    }
    for (size_t i = 0; i < r->n; i++)
        if (scm_account_is_system(r->v[i]->account))
            memset(r->v[i]->password, 0, sizeof r->v[i]->password);
    long c = scm_list_find_cycle(r->v, r->n);
    if (c == -2)
        return STATUS_NO_MEMORY;
    if (c >= 0) {
        kvfile_fail(kf, r->header_line[c], "circular service dependency");
        return STATUS_INTERNAL_DB_CORRUPTION;
    }
    return STATUS_SUCCESS;
}

ntstatus scm_conf_load(const char *path, struct scm_service ***out, size_t *n,
                       struct filesig *sig, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    int se = filesig_take(sig, path);
    if (se) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(se));
        return STATUS_INTERNAL_DB_CORRUPTION;
    }
    struct kvfile kf;
    int rc = kvfile_open(&kf, path, SCM_FILE_MAX, &conf_syntax, err, errlen);
    if (rc) {
        kvfile_close(&kf);
        if (rc == ENOENT) {
            if (err && errlen)
                err[0] = 0;
            memset(sig, 0, sizeof *sig);
            return STATUS_SUCCESS;
        }
        return rc == ENOMEM ? STATUS_NO_MEMORY : STATUS_INTERNAL_DB_CORRUPTION;
    }
    struct reading r = {0};
    ntstatus st = parse_conf(&kf, &r);
    kvfile_close(&kf);
    free(r.header_line);
    if (st) {
        scm_list_free(r.v, r.n);
        return st;
    }
    *out = r.v;
    *n = r.n;
    return STATUS_SUCCESS;
}

static int put_value(struct buf *b, const char *key, const char *val, bool quote)
{
    int rc = buf_printf(b, "%s = ", key);
    if (rc)
        return rc;
    if (!quote)
        return buf_printf(b, "%s\n", val);
    rc = buf_putc(b, '"');
    for (const char *c = val; !rc && *c; c++) {
        if (*c == '"' || *c == '\\')
            rc = buf_putc(b, '\\');
        if (!rc)
            rc = buf_putc(b, *c);
    }
    return rc ? rc : buf_puts(b, "\"\n");
}

uint32_t scm_conf_save(const char *path, struct scm_service *const *v, size_t n,
                       struct filesig *sig)
{
    struct buf b = BUF_INIT;
    int rc = buf_puts(&b, "# ntlab services.conf: the installed services, in boot order.\n"
                          "# Holds service passwords (NT keeps them as LSA secrets): "
                          "keep it owner-only.\n");
    for (size_t i = 0; !rc && i < n; i++) {
        const struct scm_service *svc = v[i];
        rc = buf_printf(&b, "\n[%s]\n", svc->name);
        if (!rc)
            rc = put_value(&b, "DisplayName", svc->display, true);
        if (!rc)
            rc = put_value(&b, "Image", svc->image, false);
        if (!rc)
            rc = put_value(&b, "Account", svc->account, false);
        if (!rc && !scm_account_is_system(svc->account))
            rc = put_value(&b, "Password", svc->password, true);
        if (!rc)
            rc = put_value(&b, "Start", scm_start_type_name(svc->start), false);
        if (!rc && svc->ndeps) {
            rc = buf_puts(&b, "DependOnService = ");
            for (size_t d = 0; !rc && d < svc->ndeps; d++)
                rc = buf_printf(&b, "%s%s", d ? "," : "", svc->deps[d]);
            if (!rc)
                rc = buf_putc(&b, '\n');
        }
    }
    if (!rc)
        rc = afile_write(path, b.p, b.len, 0600);
    if (b.p)
        memset(b.p, 0, b.len); /* it held passwords */
    buf_free(&b);
    if (rc)
        return nterr_to_win32(nterr_from_errno(rc));
    filesig_take(sig, path);
    return ERROR_SUCCESS;
}


/* The service control manager: services.conf, images, start/stop with the
 * service logon, dependency order and the System-log events of failures. */
#include "emulator/scm.h"
#include "emulator/logon.h"
#include "emulator/machine.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/lib/filesig.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include "src/lib/text.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCM_FILE "services.conf"
#define SCM_FILE_MAX (4u << 20) /* far above SCM_MAX_SERVICES full sections */

struct scm {
    struct scm_service **v; /* pointers, so add/delete leave the others in place */
    size_t n, cap;
    struct scm_image images[SCM_MAX_IMAGES];
    size_t nimages;
    uint64_t seq;   /* start order counter */
    unsigned pass;  /* one per top-level start operation */
    char path[PATH_MAX]; /* "" = memory only */
    struct filesig sig;  /* services.conf as last read or written */
};

/* --- names and small helpers --------------------------------------------- */

const char *scm_start_type_name(enum scm_start_type t)
{
    switch (t) {
    case SCM_AUTO:
        return "auto";
    case SCM_DEMAND:
        return "demand";
    case SCM_DISABLED:
        return "disabled";
    }
    return "?";
}

bool scm_start_type_parse(const char *s, enum scm_start_type *out)
{
    static const struct {
        const char *name;
        enum scm_start_type t;
    } names[] = {{"auto", SCM_AUTO},     {"automatic", SCM_AUTO}, {"demand", SCM_DEMAND},
                 {"manual", SCM_DEMAND}, {"disabled", SCM_DISABLED}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (str_ieq(s, names[i].name)) {
            *out = names[i].t;
            return true;
        }
    }
    return false;
}

const char *scm_state_name(enum scm_state st)
{
    return st == SCM_RUNNING ? "running" : "stopped";
}

bool scm_account_is_system(const char *account)
{
    return str_ieq(account, "LocalSystem") || str_ieq(account, ".\\LocalSystem");
}

static bool valid_service_name(const char *s)
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
static bool valid_text(const char *s, size_t n)
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
static bool normalize_account(const char *in, char out[SCM_ACCOUNT_MAX + 1])
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

static void event(struct machine *m, uint32_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void event(struct machine *m, uint32_t id, const char *fmt, ...)
{
    if (!m->evtlog)
        return;
    char text[EVTLOG_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* The event log is the record of what happened; a failure to write it
     * must not change what happened to the service. */
    (void)evtlog_write(m->evtlog, EVTLOG_SYSTEM, clock_now(&m->clock), SCM_SOURCE, id, EVT_ERROR,
                       0, NULL, text);
}

static const char *error_text(uint32_t code, char *buf, size_t n)
{
    const char *t = nterr_win32_text(code);
    if (t)
        return t;
    snprintf(buf, n, "Error %u.", (unsigned)code);
    return buf;
}

/* --- the service list ---------------------------------------------------- */

static struct scm_service *find_in(struct scm_service *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (str_ieq(v[i]->name, name))
            return v[i];
    return NULL;
}

static void free_list(struct scm_service **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* scrub the secret before the memory goes back */
        memset(v[i]->password, 0, sizeof v[i]->password);
        free(v[i]);
    }
    free(v);
}

static int list_push(struct scm_service ***v, size_t *n, size_t *cap, struct scm_service *svc)
{
    if (*n >= SCM_MAX_SERVICES)
        return ENOSPC;
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct scm_service **nv = realloc(*v, ncap * sizeof *nv);
        if (!nv)
            return ENOMEM;
        *v = nv;
        *cap = ncap;
    }
    (*v)[(*n)++] = svc;
    return 0;
}

/* Depth-first search for a cycle through existing dependencies; returns the
 * index of a service on a cycle, or -1. Unknown dependencies are not
 * followed (they fail at start, with 7003). */
static long find_cycle(struct scm_service *const *v, size_t n)
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

/* --- services.conf ------------------------------------------------------- */

struct parse {
    const char *path;
    char *err;
    size_t errlen;
};

static ntstatus perr(const struct parse *p, unsigned line, const char *what)
{
    if (p->err && p->errlen) {
        if (line)
            snprintf(p->err, p->errlen, "%s:%u: %s", p->path, line, what);
        else /* the file as a whole */
            snprintf(p->err, p->errlen, "%s: %s", p->path, what);
    }
    return STATUS_INTERNAL_DB_CORRUPTION;
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
        if (!valid_service_name(name))
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

static void svc_defaults(struct scm_service *svc, const char *name)
{
    memset(svc, 0, sizeof *svc);
    strcpy(svc->name, name);
    strcpy(svc->display, name);
    strcpy(svc->image, "null");
    strcpy(svc->account, "LocalSystem");
    svc->start = SCM_DEMAND;
    svc->state = SCM_STOPPED;
}

static ntstatus parse_conf(char *text, const struct parse *p, struct scm_service ***out,
                           size_t *outn)
{
    struct scm_service **v = NULL;
    size_t n = 0, cap = 0;
    unsigned *header_line = NULL;
    unsigned seen = 0; /* keys seen in the current section (bit per key) */
    struct scm_service *cur = NULL;
    ntstatus st = STATUS_SUCCESS;
    struct text_lines it;
    text_lines_init(&it, text);
    unsigned lineno;
    char *line;
    static const char *const keys[] = {"DisplayName", "Image", "Account", "Password", "Start",
                                       "DependOnService"};
    while ((line = text_lines_next(&it, &lineno))) {
        char *s = str_trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            size_t len = strlen(s);
            if (s[len - 1] != ']') {
                st = perr(p, lineno, "section header without ']'");
                goto fail;
            }
            s[len - 1] = 0;
            char *name = str_trim(s + 1);
            if (!valid_service_name(name)) {
                st = perr(p, lineno, "bad service name");
                goto fail;
            }
            if (find_in(v, n, name)) {
                st = perr(p, lineno, "service defined twice");
                goto fail;
            }
            cur = malloc(sizeof *cur);
            if (!cur) {
                st = STATUS_NO_MEMORY;
                goto fail;
            }
            svc_defaults(cur, name);
            int rc = list_push(&v, &n, &cap, cur);
            if (rc) {
                free(cur);
                st = rc == ENOMEM ? STATUS_NO_MEMORY : perr(p, lineno, "too many services");
                goto fail;
            }
            unsigned *nh = realloc(header_line, cap * sizeof *nh);
            if (!nh) {
                st = STATUS_NO_MEMORY;
                goto fail;
            }
            header_line = nh;
            header_line[n - 1] = lineno;
            seen = 0;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            st = perr(p, lineno, "expected KEY = VALUE");
            goto fail;
        }
        if (!cur) {
            st = perr(p, lineno, "setting outside a [service] section");
            goto fail;
        }
        *eq = 0;
        char *key = str_trim(s), *val;
        if (!str_unquote(eq + 1, &val)) {
            st = perr(p, lineno, "broken quoted value");
            goto fail;
        }
        unsigned k = 0;
        while (k < sizeof keys / sizeof keys[0] && !str_ieq(key, keys[k]))
            k++;
        if (k == sizeof keys / sizeof keys[0]) {
            st = perr(p, lineno, "unknown key");
            goto fail;
        }
        if (seen & (1u << k)) {
            st = perr(p, lineno, "key given twice");
            goto fail;
        }
        seen |= 1u << k;
        const char *why = NULL;
        switch (k) {
        case 0:
            if (!valid_text(val, sizeof cur->display))
                why = "bad display name";
            else
                strcpy(cur->display, val);
            break;
        case 1:
            if (!valid_service_name(val) || strlen(val) >= sizeof cur->image)
                why = "bad image name";
            else
                strcpy(cur->image, val);
            break;
        case 2:
            if (!normalize_account(val, cur->account))
                why = "bad account (LocalSystem, .\\name or DOMAIN\\name)";
            break;
        case 3:
            if (!valid_text(val, sizeof cur->password))
                why = "bad password value";
            else
                strcpy(cur->password, val);
            break;
        case 4:
            if (!scm_start_type_parse(val, &cur->start))
                why = "bad start type (auto, demand or disabled)";
            break;
        default:
            why = set_deps(cur, val);
            break;
        }
        if (why) {
            st = perr(p, lineno, why);
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (scm_account_is_system(v[i]->account))
            memset(v[i]->password, 0, sizeof v[i]->password);
    long c = find_cycle(v, n);
    if (c == -2) {
        st = STATUS_NO_MEMORY;
        goto fail;
    }
    if (c >= 0) {
        st = perr(p, header_line[c], "circular service dependency");
        goto fail;
    }
    free(header_line);
    *out = v;
    *outn = n;
    return STATUS_SUCCESS;
fail:
    free(header_line);
    free_list(v, n);
    return st;
}

/* Reads path into a fresh list; a missing file is an empty list. */
static ntstatus load_conf(const char *path, struct scm_service ***out, size_t *n,
                          struct filesig *sig, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    struct parse p = {path, err, errlen};
    int se = filesig_take(sig, path);
    if (se)
        return perr(&p, 0, strerror(se));
    char *data = NULL;
    size_t len = 0;
    int rc = afile_read(path, SCM_FILE_MAX, &data, &len);
    if (rc == ENOENT) {
        memset(sig, 0, sizeof *sig);
        return STATUS_SUCCESS;
    }
    if (rc == EFBIG)
        return perr(&p, 0, "file too large");
    if (rc)
        return rc == ENOMEM ? STATUS_NO_MEMORY : perr(&p, 0, plat_strerror(rc));
    char *text = NULL;
    size_t tlen;
    rc = text_decode(data, len, &text, &tlen);
    const char *why = "not valid text";
    unsigned bad = rc == EILSEQ ? text_error_line(data, len, &why) : 0;
    free(data);
    if (rc) {
        char what[96];
        snprintf(what, sizeof what, "not valid UTF-8 or UTF-16 text (%s)", why);
        return rc == ENOMEM ? STATUS_NO_MEMORY : perr(&p, bad, what);
    }
    ntstatus st = parse_conf(text, &p, out, n);
    free(text);
    return st;
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

static uint32_t save_conf(struct scm *s)
{
    if (!s->path[0])
        return ERROR_SUCCESS;
    struct buf b = BUF_INIT;
    int rc = buf_puts(&b, "# ntlab services.conf: the installed services, in boot order.\n"
                          "# Holds service passwords (NT keeps them as LSA secrets): "
                          "keep it owner-only.\n");
    for (size_t i = 0; !rc && i < s->n; i++) {
        const struct scm_service *svc = s->v[i];
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
        rc = afile_write(s->path, b.p, b.len, 0600);
    if (b.p)
        memset(b.p, 0, b.len); /* it held passwords */
    buf_free(&b);
    if (rc)
        return nterr_to_win32(nterr_from_errno(rc));
    filesig_take(&s->sig, s->path);
    return ERROR_SUCCESS;
}

/* --- attach, images ------------------------------------------------------ */

static ntstatus null_start(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)arg;
    (void)m;
    (void)svc;
    return STATUS_SUCCESS;
}

ntstatus scm_attach(struct machine *m, char *err, size_t errlen)
{
    if (m->scm)
        return STATUS_SUCCESS;
    struct scm *s = calloc(1, sizeof *s);
    if (!s)
        return STATUS_NO_MEMORY;
    s->pass = 1;
    if (m->dir[0]) {
        int n = snprintf(s->path, sizeof s->path, "%s/%s", m->dir, SCM_FILE);
        if (n < 0 || (size_t)n >= sizeof s->path) {
            free(s);
            return STATUS_OBJECT_NAME_INVALID;
        }
        ntstatus st = load_conf(s->path, &s->v, &s->n, &s->sig, err, errlen);
        if (st) {
            free(s);
            return st;
        }
        s->cap = s->n;
    }
    const struct scm_image null_image = {"null", null_start, NULL, NULL};
    scm_register_image(s, &null_image);
    m->scm = s;
    return STATUS_SUCCESS;
}

void scm_free(struct scm *s)
{
    if (!s)
        return;
    free_list(s->v, s->n);
    free(s);
}

int scm_register_image(struct scm *s, const struct scm_image *img)
{
    if (!s || !img || !img->name || !img->start || !valid_service_name(img->name) ||
        strlen(img->name) >= SCM_IMAGE_MAX)
        return EINVAL;
    if (scm_find_image(s, img->name))
        return EEXIST;
    if (s->nimages == SCM_MAX_IMAGES)
        return ENOSPC;
    s->images[s->nimages++] = *img;
    return 0;
}

const struct scm_image *scm_find_image(const struct scm *s, const char *name)
{
    for (size_t i = 0; i < s->nimages; i++)
        if (str_ieq(s->images[i].name, name))
            return &s->images[i];
    return NULL;
}

size_t scm_count(const struct scm *s)
{
    return s ? s->n : 0;
}

struct scm_service *scm_at(struct scm *s, size_t i)
{
    return s && i < s->n ? s->v[i] : NULL;
}

struct scm_service *scm_find(struct scm *s, const char *name)
{
    return s && name ? find_in(s->v, s->n, name) : NULL;
}

ntstatus scm_reload_if_changed(struct machine *m, char *err, size_t errlen)
{
    struct scm *s = m->scm;
    if (!s)
        return scm_attach(m, err, errlen);
    if (!s->path[0])
        return STATUS_SUCCESS;
    struct filesig now;
    if (filesig_take(&now, s->path) == 0 && filesig_equal(&now, &s->sig))
        return STATUS_SUCCESS;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i]->state == SCM_RUNNING)
            return STATUS_INVALID_PARAMETER;
    struct scm_service **v;
    size_t n;
    struct filesig sig;
    ntstatus st = load_conf(s->path, &v, &n, &sig, err, errlen);
    if (st)
        return st;
    free_list(s->v, s->n);
    s->v = v;
    s->n = s->cap = n;
    s->sig = sig;
    return STATUS_SUCCESS;
}

/* --- configuration ------------------------------------------------------- */

/* Applies cfg onto svc (a copy); returns a Win32 error for bad input. */
static uint32_t apply_config(struct scm_service *svc, const struct scm_config *cfg)
{
    if (cfg->display && !valid_text(cfg->display, sizeof svc->display))
        return ERROR_INVALID_PARAMETER;
    if (cfg->display)
        strcpy(svc->display, *cfg->display ? cfg->display : svc->name);
    if (cfg->image) {
        if (!valid_service_name(cfg->image) || strlen(cfg->image) >= sizeof svc->image)
            return ERROR_INVALID_PARAMETER;
        strcpy(svc->image, cfg->image);
    }
    if (cfg->account && !normalize_account(cfg->account, svc->account))
        return ERROR_INVALID_PARAMETER;
    if (cfg->password) {
        if (!valid_text(cfg->password, sizeof svc->password))
            return ERROR_INVALID_PARAMETER;
        strcpy(svc->password, cfg->password);
    }
    if (scm_account_is_system(svc->account))
        memset(svc->password, 0, sizeof svc->password);
    if (cfg->start) {
        if (cfg->start != SCM_AUTO && cfg->start != SCM_DEMAND && cfg->start != SCM_DISABLED)
            return ERROR_INVALID_PARAMETER;
        svc->start = cfg->start;
    }
    if (cfg->set_deps) {
        if (cfg->ndeps > SCM_MAX_DEPS || (cfg->ndeps && !cfg->deps))
            return ERROR_INVALID_PARAMETER;
        svc->ndeps = 0;
        for (size_t i = 0; i < cfg->ndeps; i++) {
            const char *d = cfg->deps[i];
            if (!d || !valid_service_name(d))
                return ERROR_INVALID_NAME;
            if (str_ieq(d, svc->name))
                return ERROR_CIRCULAR_DEPENDENCY;
            bool dup = false;
            for (size_t j = 0; j < svc->ndeps; j++)
                dup = dup || str_ieq(svc->deps[j], d);
            if (!dup)
                strcpy(svc->deps[svc->ndeps++], d);
        }
    }
    return ERROR_SUCCESS;
}

static uint32_t check_deps(struct scm *s, const struct scm_service *svc)
{
    for (size_t i = 0; i < svc->ndeps; i++)
        if (!find_in(s->v, s->n, svc->deps[i]))
            return ERROR_SERVICE_DOES_NOT_EXIST;
    long c = find_cycle(s->v, s->n);
    if (c == -2)
        return ERROR_NOT_ENOUGH_MEMORY;
    return c >= 0 ? ERROR_CIRCULAR_DEPENDENCY : ERROR_SUCCESS;
}

uint32_t scm_add(struct machine *m, const struct scm_config *cfg)
{
    struct scm *s = m->scm;
    if (!s || !cfg || !cfg->name)
        return ERROR_INVALID_PARAMETER;
    if (!valid_service_name(cfg->name))
        return ERROR_INVALID_NAME;
    if (find_in(s->v, s->n, cfg->name))
        return ERROR_SERVICE_EXISTS;
    struct scm_service *svc = malloc(sizeof *svc);
    if (!svc)
        return ERROR_NOT_ENOUGH_MEMORY;
    svc_defaults(svc, cfg->name);
    uint32_t e = apply_config(svc, cfg);
    if (!e) {
        int rc = list_push(&s->v, &s->n, &s->cap, svc);
        if (rc)
            e = rc == ENOMEM ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER;
        else if ((e = check_deps(s, svc)) != 0 || (e = save_conf(s)) != 0)
            s->n--;
    }
    if (e) {
        memset(svc->password, 0, sizeof svc->password);
        free(svc);
    }
    return e;
}

uint32_t scm_change_config(struct machine *m, const char *name, const struct scm_config *cfg)
{
    struct scm *s = m->scm;
    if (!s || !cfg || !name)
        return ERROR_INVALID_PARAMETER;
    struct scm_service *svc = find_in(s->v, s->n, name);
    if (!svc)
        return ERROR_SERVICE_DOES_NOT_EXIST;
    struct scm_service *old = malloc(sizeof *old);
    if (!old)
        return ERROR_NOT_ENOUGH_MEMORY;
    *old = *svc;
    uint32_t e = apply_config(svc, cfg);
    if (!e && cfg->set_deps)
        e = check_deps(s, svc);
    if (!e)
        e = save_conf(s);
    if (e)
        *svc = *old; /* run-time fields were not touched in between */
    memset(old->password, 0, sizeof old->password);
    free(old);
    return e;
}

static void stop_one(struct machine *m, struct scm *s, struct scm_service *svc);

uint32_t scm_delete(struct machine *m, const char *name)
{
    struct scm *s = m->scm;
    if (!s || !name)
        return ERROR_INVALID_PARAMETER;
    size_t i = 0;
    while (i < s->n && !str_ieq(s->v[i]->name, name))
        i++;
    if (i == s->n)
        return ERROR_SERVICE_DOES_NOT_EXIST;
    struct scm_service *svc = s->v[i];
    if (svc->state == SCM_RUNNING)
        stop_one(m, s, svc);
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
    s->n--;
    uint32_t e = save_conf(s);
    if (e) {
        memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
        s->v[i] = svc;
        s->n++;
        return e;
    }
    memset(svc->password, 0, sizeof svc->password);
    free(svc);
    return ERROR_SUCCESS;
}

/* --- start and stop ------------------------------------------------------ */

/* The service logon: LocalSystem gets the SYSTEM token; an account is
 * logged on by LogonUser with the SCM's own (SYSTEM) token as the caller. */
static ntstatus service_logon(struct machine *m, const struct scm_service *svc,
                              struct token *tok)
{
    int64_t now = clock_now(&m->clock);
    if (scm_account_is_system(svc->account)) {
        token_system(tok, m->os, now);
        return STATUS_SUCCESS;
    }
    struct token system;
    token_system(&system, m->os, now);
    char domain[SAM_DOMAIN_NAME_MAX + 2];
    const char *bs = strchr(svc->account, '\\');
    const char *user = svc->account;
    strcpy(domain, ".");
    if (bs) {
        str_copyn(domain, sizeof domain, svc->account, (size_t)(bs - svc->account));
        user = bs + 1;
    }
    return logon_user(m, &system, domain, user, svc->password, LOGON_SERVICE, NULL, SCM_SOURCE,
                      tok);
}

static uint32_t try_start(struct machine *m, struct scm *s, struct scm_service *svc,
                          unsigned depth);

static uint32_t start_one(struct machine *m, struct scm *s, struct scm_service *svc,
                          unsigned depth)
{
    if (svc->state == SCM_RUNNING)
        return ERROR_SERVICE_ALREADY_RUNNING;
    if (svc->fail_pass == s->pass)
        return svc->last_error; /* failed earlier in this operation: not retried */
    if (depth > SCM_MAX_SERVICES)
        return ERROR_CIRCULAR_DEPENDENCY;
    uint32_t e = try_start(m, s, svc, depth);
    svc->last_error = e;
    if (e)
        svc->fail_pass = s->pass;
    return e;
}

static uint32_t try_start(struct machine *m, struct scm *s, struct scm_service *svc,
                          unsigned depth)
{
    char tb[32];
    if (svc->start == SCM_DISABLED)
        return ERROR_SERVICE_DISABLED;
    for (size_t i = 0; i < svc->ndeps; i++) {
        struct scm_service *d = find_in(s->v, s->n, svc->deps[i]);
        if (!d) {
            event(m, 7003, "The %s service depends on the following nonexistent service: %s",
                  svc->name, svc->deps[i]);
            return ERROR_SERVICE_DEPENDENCY_DELETED;
        }
        if (d->state == SCM_RUNNING)
            continue;
        uint32_t e = start_one(m, s, d, depth + 1);
        if (e && e != ERROR_SERVICE_ALREADY_RUNNING) {
            event(m, 7001,
                  "The %s service depends on the %s service which failed to start because of "
                  "the following error: %s",
                  svc->name, d->name, error_text(e, tb, sizeof tb));
            return ERROR_SERVICE_DEPENDENCY_FAIL;
        }
    }
    struct token tok;
    ntstatus st = service_logon(m, svc, &tok);
    if (st != STATUS_SUCCESS) {
        svc->logon_status = st;
        event(m, 7013,
              "Logon attempt with the current password failed with the following error: %s",
              error_text(nterr_to_win32(st), tb, sizeof tb));
        event(m, 7000, "The %s service failed to start due to the following error: %s",
              svc->name, error_text(ERROR_SERVICE_LOGON_FAILED, tb, sizeof tb));
        return ERROR_SERVICE_LOGON_FAILED;
    }
    svc->logon_status = STATUS_SUCCESS;
    const struct scm_image *img = scm_find_image(s, svc->image);
    if (!img) {
        event(m, 7000, "The %s service failed to start due to the following error: %s",
              svc->name, error_text(ERROR_FILE_NOT_FOUND, tb, sizeof tb));
        return ERROR_FILE_NOT_FOUND;
    }
    svc->token = tok;
    svc->context = NULL;
    st = img->start(img->arg, m, svc);
    if (st != STATUS_SUCCESS) {
        uint32_t e = nterr_to_win32(st);
        if (e == ERROR_SUCCESS)
            e = ERROR_GEN_FAILURE; /* an informational status is no reason to fail */
        memset(&svc->token, 0, sizeof svc->token);
        svc->context = NULL;
        event(m, 7000, "The %s service failed to start due to the following error: %s",
              svc->name, error_text(e, tb, sizeof tb));
        return e;
    }
    svc->state = SCM_RUNNING;
    svc->start_seq = ++s->seq;
    svc->started_at = clock_now(&m->clock);
    return ERROR_SUCCESS;
}

uint32_t scm_start(struct machine *m, const char *name)
{
    struct scm *s = m->scm;
    if (!s || !name)
        return ERROR_INVALID_PARAMETER;
    struct scm_service *svc = find_in(s->v, s->n, name);
    if (!svc)
        return ERROR_SERVICE_DOES_NOT_EXIST;
    s->pass++;
    return start_one(m, s, svc, 0);
}

static bool depends_on(const struct scm_service *a, const struct scm_service *b)
{
    for (size_t i = 0; i < a->ndeps; i++)
        if (str_ieq(a->deps[i], b->name))
            return true;
    return false;
}

/* The running service that depends on svc (or, svc NULL, any running one)
 * that started last. */
static struct scm_service *newest_running(struct scm *s, const struct scm_service *svc)
{
    struct scm_service *best = NULL;
    for (size_t i = 0; i < s->n; i++) {
        struct scm_service *r = s->v[i];
        if (r->state == SCM_RUNNING && (!svc || depends_on(r, svc)) &&
            (!best || r->start_seq > best->start_seq))
            best = r;
    }
    return best;
}

static void stop_one(struct machine *m, struct scm *s, struct scm_service *svc)
{
    struct scm_service *dep;
    while ((dep = newest_running(s, svc)) != NULL)
        stop_one(m, s, dep);
    if (svc->state != SCM_RUNNING)
        return;
    const struct scm_image *img = scm_find_image(s, svc->image);
    if (img && img->stop)
        img->stop(img->arg, m, svc);
    svc->state = SCM_STOPPED;
    svc->context = NULL;
    memset(&svc->token, 0, sizeof svc->token);
}

uint32_t scm_stop(struct machine *m, const char *name)
{
    struct scm *s = m->scm;
    if (!s || !name)
        return ERROR_INVALID_PARAMETER;
    struct scm_service *svc = find_in(s->v, s->n, name);
    if (!svc)
        return ERROR_SERVICE_DOES_NOT_EXIST;
    if (svc->state != SCM_RUNNING)
        return ERROR_SERVICE_NOT_ACTIVE;
    stop_one(m, s, svc);
    return ERROR_SUCCESS;
}

/* Marks (in mark[]) the running services that depend on v[i], transitively. */
static void mark_dependants(struct scm *s, size_t i, bool *mark)
{
    for (size_t j = 0; j < s->n; j++) {
        if (!mark[j] && s->v[j]->state == SCM_RUNNING && depends_on(s->v[j], s->v[i])) {
            mark[j] = true;
            mark_dependants(s, j, mark);
        }
    }
}

uint32_t scm_restart(struct machine *m, const char *name)
{
    struct scm *s = m->scm;
    if (!s || !name)
        return ERROR_INVALID_PARAMETER;
    size_t idx = 0;
    while (idx < s->n && !str_ieq(s->v[idx]->name, name))
        idx++;
    if (idx == s->n)
        return ERROR_SERVICE_DOES_NOT_EXIST;
    struct scm_service *svc = s->v[idx];
    bool *mark = calloc(s->n, sizeof *mark);
    uint64_t *seq = calloc(s->n, sizeof *seq);
    if (!mark || !seq) {
        free(mark);
        free(seq);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    if (svc->state == SCM_RUNNING) {
        mark_dependants(s, idx, mark);
        for (size_t j = 0; j < s->n; j++)
            seq[j] = s->v[j]->start_seq;
        stop_one(m, s, svc);
    }
    s->pass++;
    uint32_t e = start_one(m, s, svc, 0);
    if (!e) {
        /* bring the dependants back in the order they had started */
        for (;;) {
            size_t best = s->n;
            for (size_t j = 0; j < s->n; j++)
                if (mark[j] && (best == s->n || seq[j] < seq[best]))
                    best = j;
            if (best == s->n)
                break;
            mark[best] = false;
            if (s->v[best]->state != SCM_RUNNING)
                start_one(m, s, s->v[best], 0);
        }
    }
    free(mark);
    free(seq);
    return e;
}

size_t scm_start_auto(struct machine *m)
{
    struct scm *s = m->scm;
    if (!s)
        return 0;
    s->pass++;
    size_t failed = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct scm_service *svc = s->v[i];
        if (svc->start != SCM_AUTO)
            continue;
        uint32_t e = start_one(m, s, svc, 0);
        if (e && e != ERROR_SERVICE_ALREADY_RUNNING)
            failed++;
    }
    return failed;
}

void scm_stop_all(struct machine *m)
{
    struct scm *s = m->scm;
    if (!s)
        return;
    struct scm_service *svc;
    while ((svc = newest_running(s, NULL)) != NULL)
        stop_one(m, s, svc);
}

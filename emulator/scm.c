/* The service control manager: services.conf, images, start/stop with the
 * service logon, dependency order and the System-log events of failures. */
#include "emulator/scm.h"
#include "emulator/machine_int.h"
#include "emulator/scm_conf.h"
#include "emulator/logon.h"
#include "emulator/machine.h"
#include "src/lib/filesig.h"
#include "src/lib/str.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCM_FILE "services.conf"

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

static uint32_t save_conf(struct scm *s)
{
    return s->path[0] ? scm_conf_save(s->path, s->v, s->n, &s->sig) : ERROR_SUCCESS;
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
        ntstatus st = scm_conf_load(s->path, &s->v, &s->n, &s->sig, err, errlen);
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

void scm_detach(struct machine *m)
{
    scm_free(m->scm);
    m->scm = NULL;
}

void scm_free(struct scm *s)
{
    if (!s)
        return;
    scm_list_free(s->v, s->n);
    free(s);
}

int scm_register_image(struct scm *s, const struct scm_image *img)
{
    if (!s || !img || !img->name || !img->start || !scm_name_valid(img->name) ||
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
    return s && name ? scm_list_find(s->v, s->n, name) : NULL;
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
    ntstatus st = scm_conf_load(s->path, &v, &n, &sig, err, errlen);
    if (st)
        return st;
    scm_list_free(s->v, s->n);
    s->v = v;
    s->n = s->cap = n;
    s->sig = sig;
    return STATUS_SUCCESS;
}

/* --- configuration ------------------------------------------------------- */

/* Applies cfg onto svc (a copy); returns a Win32 error for bad input. */
static uint32_t apply_config(struct scm_service *svc, const struct scm_config *cfg)
{
    if (cfg->display && !scm_text_valid(cfg->display, sizeof svc->display))
        return ERROR_INVALID_PARAMETER;
    if (cfg->display)
        strcpy(svc->display, *cfg->display ? cfg->display : svc->name);
    if (cfg->image) {
        if (!scm_name_valid(cfg->image) || strlen(cfg->image) >= sizeof svc->image)
            return ERROR_INVALID_PARAMETER;
        strcpy(svc->image, cfg->image);
    }
    if (cfg->account && !scm_account_normalize(cfg->account, svc->account))
        return ERROR_INVALID_PARAMETER;
    if (cfg->password) {
        if (!scm_text_valid(cfg->password, sizeof svc->password))
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
            if (!d || !scm_name_valid(d))
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
        if (!scm_list_find(s->v, s->n, svc->deps[i]))
            return ERROR_SERVICE_DOES_NOT_EXIST;
    long c = scm_list_find_cycle(s->v, s->n);
    if (c == -2)
        return ERROR_NOT_ENOUGH_MEMORY;
    return c >= 0 ? ERROR_CIRCULAR_DEPENDENCY : ERROR_SUCCESS;
}

uint32_t scm_add(struct machine *m, const struct scm_config *cfg)
{
    struct scm *s = m->scm;
    if (!s || !cfg || !cfg->name)
        return ERROR_INVALID_PARAMETER;
    if (!scm_name_valid(cfg->name))
        return ERROR_INVALID_NAME;
    if (scm_list_find(s->v, s->n, cfg->name))
        return ERROR_SERVICE_EXISTS;
    struct scm_service *svc = malloc(sizeof *svc);
    if (!svc)
        return ERROR_NOT_ENOUGH_MEMORY;
    scm_service_defaults(svc, cfg->name);
    uint32_t e = apply_config(svc, cfg);
    if (!e) {
        int rc = scm_list_push(&s->v, &s->n, &s->cap, svc);
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
    struct scm_service *svc = scm_list_find(s->v, s->n, name);
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

/* The position of service `name` in the list, or s->n when absent. */
static size_t index_of(const struct scm *s, const char *name)
{
    size_t i = 0;
    while (i < s->n && !str_ieq(s->v[i]->name, name))
        i++;
    return i;
}

/* index_of for the commands: the Win32 error when there is no such service. */
static uint32_t find_index(const struct scm *s, const char *name, size_t *i)
{
    if (!s || !name)
        return ERROR_INVALID_PARAMETER;
    *i = index_of(s, name);
    return *i == s->n ? ERROR_SERVICE_DOES_NOT_EXIST : 0;
}

uint32_t scm_delete(struct machine *m, const char *name)
{
    struct scm *s = m->scm;
    size_t i;
    uint32_t e = find_index(s, name, &i);
    if (e)
        return e;
    struct scm_service *svc = s->v[i];
    if (svc->state == SCM_RUNNING)
        stop_one(m, s, svc);
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
    s->n--;
    e = save_conf(s);
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
        struct scm_service *d = scm_list_find(s->v, s->n, svc->deps[i]);
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
    struct scm_service *svc = scm_list_find(s->v, s->n, name);
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
    struct scm_service *svc = scm_list_find(s->v, s->n, name);
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
    size_t idx;
    uint32_t err = find_index(s, name, &idx);
    if (err)
        return err;
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

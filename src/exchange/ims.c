/* The msexchangeimc service image and the IMS backend (ims.h). Its state
 * hangs off its service (svc->context), reference counted like the store's
 * so that sessions outlive a stop or restart without dangling. */
#include "src/exchange/ims.h"
#include "emulator/logon.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/exchange/svc.h"
#include "src/lib/kvfile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_MAX (64u << 10)

struct ims_state {
    struct svc_state base; /* first: references, running, machine, token */
    char domain[IMS_DOMAIN_MAX + 1];
    char persona[IMS_NAME_MAX + 1];
    char host[IMS_NAME_MAX + IMS_DOMAIN_MAX + 2];
};

struct ims_session {
    struct ims_state *st;
    char peer[64];
};

static void state_unref(struct ims_state *st)
{
    if (st && svc_state_unref(&st->base))
        free(st);
}

static void app_event(struct machine *m, uint32_t id, enum evtlog_type type, const char *user,
                      const char *text)
{
    svc_app_event(m, IMS_SOURCE, id, type, user, text);
}

/* --- settings ----------------------------------------------------------------- */

static bool domain_valid(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > IMS_DOMAIN_MAX || d[0] == '.' || d[n - 1] == '.')
        return false;
    for (; *d; d++)
        if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') || (*d >= '0' && *d <= '9') ||
              *d == '-' || *d == '.'))
            return false;
    return true;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* The defaults, then ims.conf over them. 0 or an errno (err says). */
static int read_settings(struct ims_state *st, char *err, size_t errlen)
{
    struct machine *m = st->base.m;
    const char *nt = machine_domain(m);
    if (nt[0])
        snprintf(st->domain, sizeof st->domain, "%s.example", nt);
    else
        snprintf(st->domain, sizeof st->domain, "%s", machine_name(m));
    str_copy(st->persona, sizeof st->persona, IMS_DEFAULT_PERSONA);
    char path[PATH_MAX];
    int k = machine_dir(m)[0] ? snprintf(path, sizeof path, "%s/%s", machine_dir(m), IMS_CONF_FILE)
                              : -1;
    if (k < 0 || (size_t)k >= sizeof path)
        return 0; /* in memory: the defaults */
    static const struct kvfile_syntax syn = {
        .comments = "#;", .raw = true, .line_max = 1024, .no_equals = "expected key = value"};
    struct kvfile kf;
    int rc = kvfile_open(&kf, path, SETTINGS_MAX, &syn, err, errlen);
    if (rc == ENOENT) {
        kvfile_close(&kf);
        if (err && errlen)
            err[0] = 0;
        return 0;
    }
    struct kvfile_item it;
    while (!rc && !(rc = kvfile_next(&kf, &it)) && it.kind != KVFILE_END) {
        if (str_ieq(it.key, "domain") && domain_valid(it.value))
            str_copy(st->domain, sizeof st->domain, it.value);
        else if (str_ieq(it.key, "persona") && exchange_persona_name_valid(it.value) &&
                 strlen(it.value) <= IMS_NAME_MAX)
            str_copy(st->persona, sizeof st->persona, it.value);
        else
            rc = kvfile_fail(&kf, it.line, "bad or unknown setting \"%.32s\"", it.key);
    }
    kvfile_close(&kf);
    return rc;
}

/* --- the service image ------------------------------------------------------------ */

static ntstatus ims_start(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)arg;
    struct ims_state *st = calloc(1, sizeof *st);
    if (!st)
        return STATUS_NO_MEMORY;
    svc_state_init(&st->base, m, svc);
    char err[512] = "";
    int e = read_settings(st, err, sizeof err);
    if (e) {
        char msg[700];
        snprintf(msg, sizeof msg, "The Internet Mail Service cannot read its settings: %s",
                 err[0] ? err : strerror(e));
        app_event(m, IMS_EVENT_SETTINGS, EVT_ERROR, NULL, msg);
        plat_wipe(st, sizeof *st);
        free(st);
        return e == ENOMEM ? STATUS_NO_MEMORY : STATUS_INTERNAL_DB_CORRUPTION;
    }
    lower(st->domain);
    snprintf(st->host, sizeof st->host, "%s.%s", machine_name(m), st->domain);
    lower(st->host);
    svc_attach(&st->base, svc);
    return STATUS_SUCCESS;
}

static void ims_stop(void *arg, struct machine *m, struct scm_service *svc)
{
    (void)arg;
    (void)m;
    state_unref(svc_detach(svc));
}

int ims_register(struct machine *m)
{
    return svc_register(m, IMS_IMAGE, ims_start, ims_stop);
}

struct scm_service *ims_service(struct machine *m)
{
    return svc_running(m, IMS_IMAGE);
}

bool ims_running(struct machine *m)
{
    return ims_service(m) != NULL;
}

const char *ims_persona_name(struct machine *m)
{
    struct scm_service *svc = ims_service(m);
    return svc ? ((const struct ims_state *)svc->context)->persona : NULL;
}

/* --- sessions ------------------------------------------------------------------------ */

int ims_session_open(struct machine *m, const char *peer, struct ims_session **out)
{
    struct scm_service *svc = ims_service(m);
    if (!svc)
        return ECONNREFUSED;
    struct ims_session *is = calloc(1, sizeof *is);
    if (!is)
        return ENOMEM;
    is->st = svc->context;
    is->st->base.refs++;
    snprintf(is->peer, sizeof is->peer, "%s", peer && *peer ? peer : "unknown");
    *out = is;
    return 0;
}

void ims_session_close(struct ims_session *is)
{
    if (!is)
        return;
    state_unref(is->st);
    free(is);
}

bool ims_session_running(const struct ims_session *is)
{
    return is && is->st->base.running;
}

const char *ims_session_persona(const struct ims_session *is)
{
    return is->st->persona;
}

const char *ims_session_host(const struct ims_session *is)
{
    return is->st->host;
}

/* --- AUTH ------------------------------------------------------------------------------ */

static void set_win32(struct mail_logon_result *res, enum mail_logon_outcome o, uint32_t code)
{
    res->outcome = o;
    res->win32 = code;
    const char *t = nterr_win32_text(code);
    str_copy(res->text, sizeof res->text, t ? t : "");
}

static void ims_login(void *arg, const struct mail_logon_credentials *cred,
                      struct mail_logon_result *res)
{
    struct ims_session *is = arg;
    struct ims_state *st = is->st;
    if (!st->base.running) {
        set_win32(res, MAIL_LOGON_SYSTEM_ERROR, ERROR_SERVICE_NOT_ACTIVE);
        return;
    }
    struct machine *m = st->base.m;
    const char *domain = cred->domain && cred->domain[0] ? cred->domain : machine_domain(m);
    struct token tok;
    ntstatus s =
        logon_user(m, &st->base.token, domain, cred->account, cred->password ? cred->password : "",
                   LOGON_NETWORK, NULL, IMS_PROCESS, &tok);
    if (s != STATUS_SUCCESS) {
        set_win32(res, MAIL_LOGON_WIN32, nterr_to_win32(s));
        char msg[EVTLOG_TEXT_MAX];
        /* Q235627's text; the mechanism named as the client used it */
        snprintf(msg, sizeof msg,
                 "Authentication attempt (AUTH %s) from %s as %s failed: LogonUser() call failed "
                 "with error: %s",
                 cred->mechanism ? cred->mechanism : "LOGIN", is->peer, cred->user, res->text);
        app_event(m, IMS_EVENT_AUTH_FAILED, EVT_WARNING, NULL, msg); /* type: choice */
        return;
    }
    plat_wipe(&tok, sizeof tok);
    res->outcome = MAIL_LOGON_OK;
}

const struct mail_logon_ops ims_logon_ops = {.login = ims_login};

/* --- recipients and delivery ------------------------------------------------------------ */

/* The alias of alias@domain when domain is this IMS's; false otherwise. */
static bool alias_of(const struct ims_state *st, const char *address, char *alias, size_t n)
{
    const char *at = strrchr(address, '@');
    if (!at || !str_ieq(at + 1, st->domain) || (size_t)(at - address) >= n)
        return false;
    memcpy(alias, address, (size_t)(at - address));
    alias[at - address] = 0;
    return exchange_alias_valid(alias);
}

int ims_rcpt(struct ims_session *is, const char *address)
{
    char alias[EXCHANGE_ALIAS_MAX + 1];
    if (!is->st->base.running || !exchange_running(is->st->base.m))
        return EAGAIN;
    if (!alias_of(is->st, address, alias, sizeof alias))
        return ENOENT;
    struct exchange_directory *d;
    if (exchange_mailbox_list(is->st->base.m, &d, NULL, 0))
        return EAGAIN;
    int rc = exchange_directory_find(d, alias) ? 0 : ENOENT;
    exchange_directory_free(d);
    return rc;
}

/* Removes a copy already delivered (a later recipient failed). */
static void undeliver(struct machine *m, const char *alias, const char *name)
{
    char mdir[PATH_MAX], path[PATH_MAX + 320];
    if (exchange_mailbox_path(m, alias, mdir, sizeof mdir))
        return;
    snprintf(path, sizeof path, "%s/new/%s", mdir, name);
    if (remove(path) == 0) {
        snprintf(path, sizeof path, "%s/new", mdir);
        (void)plat_sync_dir(path);
    }
}

int ims_deliver(struct ims_session *is, const char *const *address, size_t n, const void *msg,
                size_t len)
{
    struct machine *m = is->st->base.m;
    if (!is->st->base.running || !exchange_running(m))
        return EAGAIN;
    enum { NAME_MAX_ = 256 };
    char(*names)[NAME_MAX_] = calloc(n ? n : 1, sizeof *names);
    char(*aliases)[EXCHANGE_ALIAS_MAX + 1] = calloc(n ? n : 1, sizeof *aliases);
    int rc = names && aliases ? 0 : ENOMEM;
    size_t done = 0;
    for (; !rc && done < n; done++) {
        if (!alias_of(is->st, address[done], aliases[done], sizeof aliases[done]))
            rc = ENOENT;
        else
            rc = exchange_deliver(m, aliases[done], msg, len, names[done], sizeof names[done]);
        if (rc)
            break;
    }
    if (rc)
        for (size_t i = 0; i < done; i++)
            undeliver(m, aliases[i], names[i]);
    free(names);
    free(aliases);
    return rc;
}

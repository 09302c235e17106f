/* An in-process SMTP session on an IMS (smtplocal.h). */
#include "src/net/smtplocal.h"
#include "src/exchange/ims.h"
#include "src/smtp/smtp.h"
#include <errno.h>
#include <stdlib.h>

struct smtplocal {
    struct ims_session *is;
    struct smtp_session *ss;
    struct smtp_config cfg; /* host points into is */
};

static enum smtp_rcpt_result be_rcpt(void *arg, const char *address)
{
    int e = ims_rcpt(arg, address);
    return e == 0 ? SMTP_RCPT_OK : e == ENOENT ? SMTP_RCPT_UNKNOWN : SMTP_RCPT_TEMPFAIL;
}

static int be_deliver(void *arg, const struct smtp_envelope *env, const void *msg, size_t len)
{
    return ims_deliver(arg, env->rcpt, env->nrcpt, msg, len);
}

int smtplocal_open(struct machine *m, const char *peer, int64_t idle_timeout, int64_t now,
                   struct smtplocal **out)
{
    struct smtplocal *l = calloc(1, sizeof *l);
    if (!l)
        return ENOMEM;
    int e = ims_session_open(m, peer, &l->is);
    const struct smtp_persona *p = e ? NULL : smtp_persona_find(ims_session_persona(l->is));
    if (!e && !p)
        e = ENOENT;
    if (!e) {
        smtp_config_default(&l->cfg);
        l->cfg.host = ims_session_host(l->is);
        if (idle_timeout > 0)
            l->cfg.idle_timeout = idle_timeout;
        const struct smtp_backend be = {.logon = &ims_logon_ops,
                                        .logon_arg = l->is,
                                        .rcpt = be_rcpt,
                                        .deliver = be_deliver,
                                        .arg = l->is};
        l->ss = smtp_session_new(p, &be, &l->cfg, peer, now);
        e = l->ss ? 0 : ENOMEM;
    }
    if (e) {
        smtplocal_close(l);
        return e;
    }
    *out = l;
    return 0;
}

size_t smtplocal_input(struct smtplocal *l, const void *data, size_t len, int64_t now)
{
    return smtp_session_input(l->ss, data, len, now);
}

const char *smtplocal_output(struct smtplocal *l, size_t *len)
{
    return smtp_session_output(l->ss, len);
}

void smtplocal_consume(struct smtplocal *l, size_t n, int64_t now)
{
    smtp_session_consume(l->ss, n, now);
}

void smtplocal_tick(struct smtplocal *l, int64_t now)
{
    smtp_session_tick(l->ss, now);
}

int64_t smtplocal_deadline(const struct smtplocal *l)
{
    return smtp_session_deadline(l->ss);
}

bool smtplocal_closed(const struct smtplocal *l)
{
    return smtp_session_closed(l->ss);
}

bool smtplocal_ims_running(const struct smtplocal *l)
{
    return ims_session_running(l->is);
}

void smtplocal_close(struct smtplocal *l)
{
    if (!l)
        return;
    smtp_session_drop(l->ss);
    ims_session_close(l->is);
    free(l);
}
